// SPDX-License-Identifier: BSD-2-Clause
/*
 * capacity - the needs of a topology in netmap memory regions, and whether
 * the module parameters meet them (see capacity.h).
 *
 * The model. Object sizes follow the ABI (NETMAP-ABI §5): a netmap_if is
 * 56 bytes plus 8 per ring of its port (host rings included, and a port
 * without host rings still has one of each in ring_ofs[]); a ring is 256
 * bytes plus 16 per slot. Only NICs have host rings in netmap.ko. What
 * each object puts in its region:
 *
 *   NIC (emulated adapter)   generic_rings TX and RX rings of
 *                            generic_ringsize slots; with host: true one
 *                            host TX and one host RX ring more, of the same
 *                            size (netmap gives host rings the NIC's ring
 *                            size); one netmap_if for the daemon's
 *                            registration. Global region.
 *   VALE port                tx_rings + rx_rings rings with their buffers;
 *                            one netmap_if.
 *   pipe (both ends)         master: tx_rings TX + rx_rings RX; the slave
 *                            mirrors them; one set of buffers per direction
 *                            (an RX ring shows the peer's TX buffers);
 *                            2 netmap_ifs. Slots default to the parent's
 *                            (TX from its TX, RX from its RX). Region of the
 *                            parent: global for a NIC.
 *   monitor                  1 TX ring and max(tx, rx) RX rings of the
 *                            monitored port, with the port's slots and a
 *                            buffer in each, one netmap_if. A zero-copy one
 *                            is in the monitored port's region (of its pipe,
 *                            for a pipe end); a copy one in a private region
 *                            of its own, sized for it.
 *   every region             buffers 0 and 1 are reserved.
 *
 * Each object is counted once, as if opened by one fd; every further fd
 * that binds a port needs one more netmap_if. A private region is what
 * netmap.ko makes of the same struct nm_mem_need the kernel builds, by the
 * same code (kernel/core/memsize.c): nm_vale_port_need() for a VALE port
 * (no extra buffers), nm_pipe_parent_need() for an implicit pipe parent,
 * sized for the first pipe of the file on that parent (the one the daemon
 * opens first), then nm_priv_region_req(): the priv_* parameters raised to
 * that need plus room for NM_PRIV_PIPES pipes. For a 1+1-ring port of 1024
 * slots: 12 netmap_ifs, 10 rings, 10242 buffers. So a port alone always
 * fits, and what can overflow its region is a third pipe, monitors, larger
 * pipe rings, or ports that share it (memory: PORT). An implicit parent's
 * own rings are not counted: it has none.
 *
 * Object sizes (nm_if_objsize(), nm_ring_objsize()) and their rounding
 * (nm_pool_objsize(): netmap_ifs and buffers to 64 bytes, rings to 128) are
 * the kernel's own, from kernel/core/memsize.c, and a region's bytes are
 * its pools' page-rounded sizes as nm_region_layout() adds them up
 * (tests/unit/test_memsize.c holds the two to the same answers); object
 * counts are taken as given. A region is at most 64 GiB
 * (NM_REGION_MAX_SIZE). All regions in use together
 * (the global one if anything is in it) must fit in max_mem_mb, which
 * kernel/mem.c checks as each region is created.
 */
#include "capacity.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memsize.h"
#include "util.h"

#define PAGE_BYTES 4096
/* The pipe default when the parent has no rings (kernel/pipe.h). */
#define IMPLICIT_SLOTS 1024

static const char *const pool_what[CAP_POOLS] = { "netmap_if objects",
						  "rings", "buffers" };
static const enum modparam_id global_num[CAP_POOLS] = { MP_IF_NUM, MP_RING_NUM,
							MP_BUF_NUM };
static const enum modparam_id global_size[CAP_POOLS] = { MP_IF_SIZE,
							 MP_RING_SIZE,
							 MP_BUF_SIZE };
static const enum modparam_id priv_num[CAP_POOLS] = {
	MP_PRIV_IF_NUM, MP_PRIV_RING_NUM, MP_PRIV_BUF_NUM
};
static const enum modparam_id priv_size[CAP_POOLS] = {
	MP_PRIV_IF_SIZE, MP_PRIV_RING_SIZE, MP_PRIV_BUF_SIZE
};

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static void region_finish(struct cap_region *r)
{
	r->bytes = 0;
	for (int p = 0; p < CAP_POOLS; p++) {
		uint64_t b;

		r->have_size[p] = nm_pool_objsize((enum nm_pool_id)p, r->have_size[p]);
		if (__builtin_mul_overflow(r->have_num[p], r->have_size[p], &b) ||
		    __builtin_add_overflow(b, PAGE_BYTES - 1, &b) ||
		    __builtin_add_overflow(r->bytes, b & ~(uint64_t)(PAGE_BYTES - 1),
					   &r->bytes)) {
			r->bytes = UINT64_MAX;
			return;
		}
	}
}

/* What one object needs from its region. */
struct need {
	uint64_t ifs, if_size;
	uint64_t rings, ring_size;
	uint64_t bufs;
};

static void region_add(struct cap_region *r, const struct need *n,
		       const char *who)
{
	const uint64_t num[CAP_POOLS] = { n->ifs, n->rings, n->bufs };
	const uint64_t size[CAP_POOLS] = { n->if_size, n->ring_size, 0 };

	for (int p = 0; p < CAP_POOLS; p++) {
		r->need_num[p] += num[p];
		if (size[p] > r->need_size[p]) {
			r->need_size[p] = size[p];
			snprintf(r->need_size_who[p], sizeof(r->need_size_who[p]),
				 "%s", who);
		}
	}
	r->users++;
}

static struct cap_region *region_new(struct capacity *cap, const char *fmt,
				     const char *name)
{
	struct cap_region *r = array_push(&cap->regions, &cap->n_regions,
					  &cap->cap_regions,
					  sizeof(*cap->regions));
	if (!r)
		return NULL;
	snprintf(r->name, sizeof(r->name), fmt, name);
	r->need_num[CAP_BUF] = NM_BUF_RESERVED;
	return r;
}

/*
 * The private region the kernel makes for @need (see the top): the priv_*
 * parameters raised by nm_priv_region_req(). A count or size beyond 32
 * bits, which the kernel refuses, makes the region's bytes UINT64_MAX, as
 * region_finish() does for an overflow.
 */
static void region_private(struct cap_region *r, const struct nmd_config *c,
			   const struct nm_mem_need *need)
{
	struct nm_pool_req params[NM_POOL_NR], req[NM_POOL_NR];

	for (int p = 0; p < CAP_POOLS; p++) {
		params[p].num = (uint32_t)config_param(c, priv_num[p]);
		params[p].size = (uint32_t)config_param(c, priv_size[p]);
	}
	if (nm_priv_region_req(req, params, need)) {
		r->bytes = UINT64_MAX;
		return;
	}
	for (int p = 0; p < CAP_POOLS; p++) {
		r->have_num[p] = req[p].num;
		r->have_size[p] = req[p].size;
	}
	region_finish(r);
}

static struct need need_vale_port(const struct nmd_port *p)
{
	return (struct need){
		.ifs = 1,
		.if_size = nm_if_objsize(p->tx_rings + p->rx_rings + 2),
		.rings = p->tx_rings + p->rx_rings,
		.ring_size = nm_ring_objsize(max64(p->tx_slots, p->rx_slots)),
		.bufs = (uint64_t)p->tx_rings * p->tx_slots +
			(uint64_t)p->rx_rings * p->rx_slots,
	};
}

static struct need need_nic(const struct nmd_port *p, uint64_t gr, uint64_t gs)
{
	uint64_t rings = 2 * gr + (p->host ? 2 : 0);

	return (struct need){
		.ifs = 1,
		.if_size = nm_if_objsize(2 * (gr + 1)),
		.rings = rings,
		.ring_size = nm_ring_objsize(gs),
		.bufs = rings * gs,
	};
}

static struct need need_pipe(uint64_t t, uint64_t r, uint64_t ts, uint64_t rs)
{
	return (struct need){
		.ifs = 2,
		.if_size = nm_if_objsize(t + r + 2),
		.rings = 2 * (t + r),
		.ring_size = nm_ring_objsize(max64(ts, rs)),
		.bufs = t * ts + r * rs,	/* RX rings show the peer's TX buffers */
	};
}

static struct need need_monitor(uint64_t tx, uint64_t rx, uint64_t slots)
{
	uint64_t m = max64(tx, rx);

	return (struct need){
		.ifs = 1,
		.if_size = nm_if_objsize(1 + m + 2),
		.rings = 1 + m,
		.ring_size = nm_ring_objsize(slots),
		.bufs = (1 + m) * slots,
	};
}

/* A pipe entry as placed: its region and the slots its rings get. */
struct pipe_place {
	size_t region;
	uint64_t tx_slots, rx_slots;
};

static int pipe_parent_cmp(const void *a, const void *b)
{
	const struct nmd_pipe *const *x = a, *const *y = b;
	int c = strcmp((*x)->parent, (*y)->parent);

	return c ? c : (*x < *y ? -1 : *x > *y);
}

/* Where the problem should point: the parameter if the file sets it, else @fallback. */
static struct nmd_mark param_mark(const struct nmd_config *c,
				  enum modparam_id id, struct nmd_mark fallback)
{
	return c->module.params[id].set ? c->module.params[id].mark : fallback;
}

static _printf_(3, 4) int problem(struct diags *d, struct nmd_mark m,
				  const char *fmt, ...)
{
	char msg[DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return diag_add(d, m.line, m.column, "%s", msg);
}

/* "set module.params.X: V or more", or why no value of X can do it. */
static void proposal(char *buf, size_t len, enum modparam_id id, uint64_t v)
{
	if (v > (uint64_t)modparams[id].max)
		snprintf(buf, len,
			 "that is more than %s can be (%lld): make the topology smaller",
			 modparams[id].name, (long long)modparams[id].max);
	else
		snprintf(buf, len, "set module.params.%s: %llu or more",
			 modparams[id].name, (unsigned long long)v);
}

void capacity_human(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= (10ull << 30))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes >= (1ull << 30))
		snprintf(buf, len, "%.1f GiB", (double)bytes / (double)(1ull << 30));
	else if (bytes >= (1ull << 20))
		snprintf(buf, len, "%llu MiB", (unsigned long long)((bytes + (1ull << 20) - 1) >> 20));
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)((bytes + 1023) >> 10));
}

/*
 * @fix followed by what it costs: " (about N MiB more memory)", or for a
 * priv_* parameter, which every private region gets, per region.
 */
static void with_cost(char *fix, size_t len, uint64_t bytes, bool per_region,
		      size_t n_priv)
{
	size_t l = strlen(fix);
	char a[32], b[32];

	if (!bytes || l >= len || strstr(fix, "make the topology smaller"))
		return;
	capacity_human(bytes, a, sizeof(a));
	if (per_region && n_priv > 1) {
		capacity_human(bytes * n_priv, b, sizeof(b));
		snprintf(fix + l, len - l, " (about %s more memory for each of the %zu private regions, %s in all)",
			 a, n_priv, b);
	} else {
		snprintf(fix + l, len - l, " (about %s more memory)", a);
	}
}

static int check_region(const struct nmd_config *c, const struct cap_region *r,
			struct nmd_mark where, size_t n_priv, struct diags *d)
{
	char fix[320];
	int ret = 0;

	for (int p = 0; p < CAP_POOLS; p++) {
		enum modparam_id num_id = r->global ? global_num[p] : priv_num[p];
		enum modparam_id size_id = r->global ? global_size[p] : priv_size[p];

		if (r->need_num[p] > r->have_num[p]) {
			proposal(fix, sizeof(fix), num_id, r->need_num[p]);
			with_cost(fix, sizeof(fix), (r->need_num[p] - r->have_num[p]) * r->have_size[p],
				  !r->global, n_priv);
			if (r->global)
				problem(d, param_mark(c, num_id, where),
					"needs %llu %s in the global region, %s is %llu: %s",
					(unsigned long long)r->need_num[p],
					pool_what[p], modparams[num_id].name,
					(unsigned long long)r->have_num[p], fix);
			else
				problem(d, param_mark(c, num_id, where),
					"needs %llu %s in the %s, netmap sizes it for %llu (the port and 2 pipes; %s is %lld): %s",
					(unsigned long long)r->need_num[p],
					pool_what[p], r->name,
					(unsigned long long)r->have_num[p],
					modparams[num_id].name,
					(long long)config_param(c, num_id), fix);
			ret = -ENOSPC;
		}
		if (r->need_size[p] > r->have_size[p]) {
			proposal(fix, sizeof(fix), size_id, r->need_size[p]);
			with_cost(fix, sizeof(fix), (r->need_size[p] - r->have_size[p]) * r->have_num[p],
				  !r->global, n_priv);
			problem(d, param_mark(c, size_id, where),
				"%s needs %s of %llu bytes in the %s, which has %s of %llu bytes (%s is %lld): %s",
				r->need_size_who[p],
				p == CAP_IF ? "netmap_if objects" : "rings",
				(unsigned long long)r->need_size[p], r->name,
				p == CAP_IF ? "netmap_if objects" : "rings",
				(unsigned long long)r->have_size[p],
				modparams[size_id].name,
				(long long)config_param(c, size_id), fix);
			ret = -ENOSPC;
		}
	}
	if (r->bytes > NM_REGION_MAX_SIZE) {
		problem(d, where,
			"the %s would be %llu MiB, more than the 64 GiB netmap.ko accepts: lower %s or %s",
			r->name, (unsigned long long)(r->bytes >> 20),
			modparams[r->global ? MP_BUF_NUM : MP_PRIV_BUF_NUM].name,
			modparams[r->global ? MP_BUF_SIZE : MP_PRIV_BUF_SIZE].name);
		ret = -ENOSPC;
	}
	return ret;
}

/* max_mem_mb as the module will have it: the file's, else half of the RAM. */
static uint64_t max_mem_mb(const struct nmd_config *c, bool *dflt)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);

	*dflt = !c->module.params[MP_MAX_MEM_MB].set;
	if (!*dflt)
		return (uint64_t)config_param(c, MP_MAX_MEM_MB);
	if (pages <= 0 || psize <= 0)
		return UINT64_MAX >> 20;	/* unknown: no check */
	return ((uint64_t)pages * (uint64_t)psize) >> 20 >> 1;
}

/* All regions together against max_mem_mb (kernel/mem.c counts every region). */
static int check_total(const struct nmd_config *c, const struct capacity *cap,
		       struct diags *d)
{
	uint64_t need_mb;
	char fix[160];

	if (cap->total_bytes <= cap->max_mem_mb << 20)
		return 0;
	need_mb = (cap->total_bytes + (1u << 20) - 1) >> 20;
	proposal(fix, sizeof(fix), MP_MAX_MEM_MB, need_mb);
	problem(d, param_mark(c, MP_MAX_MEM_MB, (struct nmd_mark){ 0 }),
		"the topology's regions take %llu MiB, more than max_mem_mb (%llu MiB%s) lets netmap.ko allocate: %s, or make the topology smaller",
		(unsigned long long)need_mb, (unsigned long long)cap->max_mem_mb,
		cap->max_mem_default ? ", half of the RAM" : "", fix);
	return -ENOSPC;
}

/* Index of port @p in a flat numbering of all ports (offsets per switch). */
static size_t flat(const struct nmd_config *c, const size_t *off,
		   const struct nmd_port *p)
{
	return off[p->sw] + (size_t)(p - c->switches[p->sw].ports);
}

/*
 * The state of one capacity_check(): the config, the result being built,
 * and where each port and pipe entry was placed.
 */
struct cap_ctx {
	const struct nmd_config *c;
	struct capacity *cap;
	uint64_t gr, gs;		/* generic_rings, generic_ringsize */
	size_t *off;			/* [switch]: first flat port index */
	size_t *port_region;		/* [flat port]: index in cap->regions */
	struct pipe_place *place;	/* [pipe entry] */
	size_t n_ports;
};

static void ctx_done(struct cap_ctx *x)
{
	free(x->off);
	free(x->port_region);
	free(x->place);
}

static int ctx_init(struct cap_ctx *x, const struct nmd_config *c)
{
	*x = (struct cap_ctx){
		.c = c,
		.gr = (uint64_t)config_param(c, MP_GENERIC_RINGS),
		.gs = (uint64_t)config_param(c, MP_GENERIC_RINGSIZE),
	};
	x->off = calloc(c->n_switches + 1, sizeof(*x->off));
	x->place = calloc(c->n_pipes + 1, sizeof(*x->place));
	if (!x->off || !x->place)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_switches; i++) {
		x->off[i] = x->n_ports;
		x->n_ports += c->switches[i].n_ports;
	}
	x->port_region = calloc(x->n_ports + 1, sizeof(*x->port_region));
	return x->port_region ? 0 : -ENOMEM;
}

/* Index in cap->regions of the region port @p is in. */
static size_t *port_region(struct cap_ctx *x, const struct nmd_port *p)
{
	return &x->port_region[flat(x->c, x->off, p)];
}

/* The global region, from the module parameters: regions[0]. */
static int add_global(struct cap_ctx *x)
{
	struct cap_region *g = region_new(x->cap, "%s", "global region");

	if (!g)
		return -ENOMEM;
	g->global = true;
	for (int p = 0; p < CAP_POOLS; p++) {
		g->have_num[p] = (uint64_t)config_param(x->c, global_num[p]);
		g->have_size[p] = (uint64_t)config_param(x->c, global_size[p]);
	}
	region_finish(g);
	return 0;
}

/*
 * A private region for every VALE port that does not share one; then the
 * ports that share one get their region (NICs are in the global one).
 */
static int add_port_regions(struct cap_ctx *x)
{
	const struct nmd_config *c = x->c;

	for (size_t i = 0; i < c->n_switches; i++) {
		for (size_t j = 0; j < c->switches[i].n_ports; j++) {
			const struct nmd_port *p = &c->switches[i].ports[j];
			struct nm_mem_need need;
			struct cap_region *pr;

			if (p->kind == NMD_PORT_NIC || p->memory)
				continue;
			pr = region_new(x->cap, "region of %s", p->full);
			if (!pr)
				return -ENOMEM;
			pr->owner = p;
			pr->mark = p->mark;
			nm_vale_port_need(&need, p->tx_rings, p->tx_slots,
					  p->rx_rings, p->rx_slots, 0);
			region_private(pr, c, &need);
			*port_region(x, p) = x->cap->n_regions - 1;
		}
	}
	for (size_t i = 0; i < c->n_switches; i++) {
		for (size_t j = 0; j < c->switches[i].n_ports; j++) {
			const struct nmd_port *p = &c->switches[i].ports[j];

			if (p->kind == NMD_PORT_NIC || !p->memory)
				continue;
			*port_region(x, p) = p->memory_port ?
				*port_region(x, p->memory_port) : 0;
		}
	}
	return 0;
}

/* The ports themselves, each in its region. */
static void add_ports(struct cap_ctx *x)
{
	const struct nmd_config *c = x->c;
	char who[96];

	for (size_t i = 0; i < c->n_switches; i++) {
		for (size_t j = 0; j < c->switches[i].n_ports; j++) {
			const struct nmd_port *p = &c->switches[i].ports[j];
			struct need n;

			if (p->kind == NMD_PORT_NIC) {
				n = need_nic(p, x->gr, x->gs);
				snprintf(who, sizeof(who), "NIC \"%s\"", p->name);
			} else {
				n = need_vale_port(p);
				snprintf(who, sizeof(who), "port \"%s\"", p->full);
			}
			region_add(&x->cap->regions[*port_region(x, p)], &n, who);
		}
	}
}

/* Pipes whose parent is not a port of the file: one region per distinct parent name. */
static int place_implicit_pipes(struct cap_ctx *x)
{
	const struct nmd_config *c = x->c;
	_cleanup_free_ const struct nmd_pipe **implicit = NULL;
	size_t n = 0;

	implicit = calloc(c->n_pipes + 1, sizeof(*implicit));
	if (!implicit)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_pipes; i++)
		if (!c->pipes[i].parent_port && c->pipes[i].parent[0])
			implicit[n++] = &c->pipes[i];
	qsort(implicit, n, sizeof(*implicit), pipe_parent_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct nmd_pipe *pi = implicit[i];
		struct pipe_place pl = {
			.tx_slots = pi->tx_slots ? pi->tx_slots : IMPLICIT_SLOTS,
			.rx_slots = pi->rx_slots ? pi->rx_slots : IMPLICIT_SLOTS,
		};

		/*
		 * The first pipe of the file with this parent (ties sort in
		 * file order) is the one the daemon opens first: the kernel
		 * sizes the parent's region for it.
		 */
		if (i == 0 || !streq(implicit[i - 1]->parent, pi->parent)) {
			struct cap_region *pr = region_new(x->cap,
				"region of implicit pipe parent %s", pi->parent);
			struct nm_mem_need need;

			if (!pr)
				return -ENOMEM;
			pr->mark = pi->parent_mark;
			nm_pipe_parent_need(&need, pi->tx_rings, pl.tx_slots,
					    pi->rx_rings, pl.rx_slots, 0);
			region_private(pr, c, &need);
		}
		pl.region = x->cap->n_regions - 1;
		x->place[pi - c->pipes] = pl;
	}
	return 0;
}

/* Pipes of ports: the parent's region and, by default, its slots. */
static void place_port_pipes(struct cap_ctx *x)
{
	const struct nmd_config *c = x->c;

	for (size_t i = 0; i < c->n_pipes; i++) {
		const struct nmd_pipe *pi = &c->pipes[i];
		const struct nmd_port *pp = pi->parent_port;
		uint64_t pts, prs;

		if (!pp)
			continue;
		if (pp->kind == NMD_PORT_NIC) {
			pts = prs = x->gs;
		} else {
			pts = pp->tx_slots;
			prs = pp->rx_slots;
		}
		x->place[i] = (struct pipe_place){
			.region = *port_region(x, pp),
			.tx_slots = pi->tx_slots ? pi->tx_slots : pts,
			.rx_slots = pi->rx_slots ? pi->rx_slots : prs,
		};
	}
}

static void add_pipes(struct cap_ctx *x)
{
	const struct nmd_config *c = x->c;
	char who[96];

	for (size_t i = 0; i < c->n_pipes; i++) {
		const struct nmd_pipe *pi = &c->pipes[i];
		struct need n = need_pipe(pi->tx_rings, pi->rx_rings,
					  x->place[i].tx_slots, x->place[i].rx_slots);

		if (!pi->parent[0])
			continue;
		for (size_t j = 0; j < pi->n_ids; j++) {
			snprintf(who, sizeof(who), "pipe \"%s{%s\"", pi->parent,
				 pi->ids[j].id);
			region_add(&x->cap->regions[x->place[i].region], &n, who);
		}
	}
}

/* Monitors: in the region of what they monitor. */
/*
 * A copy monitor gets a private region of its own, sized by the kernel for
 * its rings (one netmap_if); a zero-copy one lives in its port's region.
 */
static int monitor_region(struct cap_ctx *x, const struct nmd_monitor *mo,
			  const struct need *n, uint64_t slots, size_t *reg)
{
	struct nm_mem_need need = {
		.rings = (uint32_t)n->rings,
		.max_slots = (uint32_t)slots,
		.bufs = (uint32_t)n->bufs,
		.ifs = 1,
	};
	struct cap_region *r;

	if (mo->mode & NMD_MONITOR_ZCOPY)
		return 0;
	r = region_new(x->cap, "region of monitor of %s", mo->target);
	if (!r)
		return -ENOMEM;
	r->mark = mo->mark;
	region_private(r, x->c, &need);
	*reg = x->cap->n_regions - 1;
	return 0;
}

static int add_monitors(struct cap_ctx *x)
{
	const struct nmd_config *c = x->c;
	char who[96];

	for (size_t i = 0; i < c->n_monitors; i++) {
		const struct nmd_monitor *mo = &c->monitors[i];
		uint64_t slots;
		size_t reg;
		struct need n;
		int r;

		if (mo->pipe) {
			const struct pipe_place *pl = &x->place[mo->pipe - c->pipes];

			reg = pl->region;
			slots = max64(pl->tx_slots, pl->rx_slots);
			n = need_monitor(mo->pipe->tx_rings, mo->pipe->rx_rings, slots);
		} else if (mo->port && mo->port->kind == NMD_PORT_NIC) {
			reg = 0;
			slots = x->gs;
			n = mo->host ? need_monitor(1, 1, slots) :
				       need_monitor(x->gr, x->gr, slots);
		} else if (mo->port) {
			reg = *port_region(x, mo->port);
			slots = max64(mo->port->tx_slots, mo->port->rx_slots);
			n = need_monitor(mo->port->tx_rings, mo->port->rx_rings, slots);
		} else {
			continue;
		}
		r = monitor_region(x, mo, &n, slots, &reg);
		if (r)
			return r;
		snprintf(who, sizeof(who), "monitor of \"%s\"", mo->target);
		region_add(&x->cap->regions[reg], &n, who);
	}
	return 0;
}

/* Every region, port, pipe and monitor of the topology, placed. */
static int place_all(struct cap_ctx *x)
{
	int r;

	r = add_global(x);
	if (r == 0)
		r = add_port_regions(x);
	if (r == 0) {
		add_ports(x);
		r = place_implicit_pipes(x);
	}
	if (r == 0) {
		place_port_pipes(x);
		add_pipes(x);
		r = add_monitors(x);
	}
	return r;
}

static int check_bridges(const struct nmd_config *c, struct diags *d)
{
	const int64_t max_bridges = config_param(c, MP_MAX_BRIDGES);
	const struct nmd_switch *sw;
	char fix[160];

	if ((int64_t)c->n_switches <= max_bridges)
		return 0;
	sw = &c->switches[max_bridges];
	proposal(fix, sizeof(fix), MP_MAX_BRIDGES, c->n_switches);
	problem(d, param_mark(c, MP_MAX_BRIDGES, sw->mark),
		"%zu switches, max_bridges is %lld: %s (it takes effect when the module is loaded)",
		c->n_switches, (long long)max_bridges, fix);
	return -ENOSPC;
}

/* MULTI_CPU polls ring k on CPU k: the rings first..first+n-1 must exist. */
static int check_polling(const struct nmd_port *p, uint64_t gr, struct diags *d)
{
	const struct nmd_polling *pl = &p->polling;
	uint64_t last;
	char fix[160];

	if (p->kind != NMD_PORT_NIC || pl->mode != NMD_POLLING_MULTI)
		return 0;
	last = (uint64_t)pl->first_cpu + pl->ncpus;
	if (last <= gr)
		return 0;
	proposal(fix, sizeof(fix), MP_GENERIC_RINGS, last);
	problem(d, pl->mark,
		"NIC \"%s\": polling mode multi polls ring k on CPU k, so CPUs %u-%llu need rings %u-%llu, and the NIC has %llu (generic_rings): %s, or use mode single",
		p->name, pl->first_cpu, (unsigned long long)(last - 1),
		pl->first_cpu, (unsigned long long)(last - 1),
		(unsigned long long)gr, fix);
	return -ENOSPC;
}

/* Each region in use against what it has, then all of them against max_mem_mb. */
static int check_regions(const struct nmd_config *c, struct capacity *cap,
			 struct diags *d)
{
	size_t n_priv = 0;
	int r = 0;

	for (size_t i = 1; i < cap->n_regions; i++)
		n_priv += cap->regions[i].users ? 1 : 0;	/* private regions in use */
	for (size_t i = 0; i < cap->n_regions; i++) {
		const struct cap_region *reg = &cap->regions[i];

		if (!reg->users)
			continue;
		if (check_region(c, reg, reg->mark, n_priv, d) < 0)
			r = -ENOSPC;
		if (__builtin_add_overflow(cap->total_bytes, reg->bytes,
					   &cap->total_bytes))
			cap->total_bytes = UINT64_MAX;
	}
	cap->max_mem_mb = max_mem_mb(c, &cap->max_mem_default);
	if (check_total(c, cap, d) < 0)
		r = -ENOSPC;
	return r;
}

int capacity_check(const struct nmd_config *c, struct capacity **ret,
		   struct diags *d)
{
	struct cap_ctx x;
	int r;

	*ret = NULL;
	r = ctx_init(&x, c);
	if (r == 0)
		x.cap = calloc(1, sizeof(*x.cap));
	if (r < 0 || !x.cap || place_all(&x) < 0) {
		capacity_free(x.cap);
		ctx_done(&x);
		return -ENOMEM;
	}
	x.cap->n_switches = c->n_switches;
	r = check_bridges(c, d);
	for (size_t i = 0; i < c->n_switches; i++)
		for (size_t j = 0; j < c->switches[i].n_ports; j++)
			if (check_polling(&c->switches[i].ports[j], x.gr, d) < 0)
				r = -ENOSPC;
	if (check_regions(c, x.cap, d) < 0)
		r = -ENOSPC;
	x.cap->fits = r == 0;
	*ret = x.cap;
	ctx_done(&x);
	return r;
}

int capacity_check_host(const struct capacity *cap, uint64_t mem_total, uint64_t mem_avail,
			struct diags *d, struct diags *warn)
{
	char need[32], have[32];

	if (!cap || !cap->total_bytes)
		return 0;
	capacity_human(cap->total_bytes, need, sizeof(need));
	if (mem_total && cap->total_bytes > mem_total) {
		capacity_human(mem_total, have, sizeof(have));
		return diag_add(d, 0, 0,
				"the topology's memory regions take %s, more than this host's RAM (%s, MemTotal): netmap.ko could never allocate them; make the topology smaller (fewer ports, rings, slots or buffers)",
				need, have);
	}
	if (warn && mem_avail && cap->total_bytes > mem_avail) {
		capacity_human(mem_avail, have, sizeof(have));
		diag_add(warn, 0, 0,
			 "warning: the topology's memory regions take %s, more than the %s this host has free now (MemAvailable): applying it may fail with \"out of memory\"",
			 need, have);
	}
	return 0;
}

int capacity_host_memory(const char *meminfo, uint64_t *total, uint64_t *avail)
{
	FILE *f = fopen(meminfo ? meminfo : "/proc/meminfo", "re");
	char line[128];
	unsigned long long kb;

	*total = *avail = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			*total = (uint64_t)kb << 10;
		else if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			*avail = (uint64_t)kb << 10;
	}
	fclose(f);
	return *total ? 0 : -ENODATA;
}

void capacity_free(struct capacity *cap)
{
	if (!cap)
		return;
	free(cap->regions);
	free(cap);
}
