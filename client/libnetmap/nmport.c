// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmport - a port from its name to mapped rings, in undoable steps:
 *
 *   new -> parse (header, register fields, options) -> register (an fd:
 *   REGISTER on /dev/netmap, a handed port, or port.open by netmapd) ->
 *   mmap (one mapping per mem_id and context, reference counted).
 *
 * Options added while parsing (extmem, offsets) leave a cleanup on d->clist
 * that undo_parse runs, newest first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libnetmap.h"
#include "libnetmap-internal.h"

struct nmport_cleanup_d {
	struct nmport_cleanup_d *next;
	void (*cleanup)(struct nmport_cleanup_d *c, struct nmport_d *d);
};

/* An option pushed on d->hdr, unlinked and freed by its cleanup. */
struct nmport_opt_cleanup {
	struct nmport_cleanup_d up;
	struct nmreq_option *opt;
};

/* A file mapped for extmem, unmapped by its cleanup. */
struct nmport_map_cleanup {
	struct nmport_cleanup_d up;
	void *p;
	size_t size;
};

static void push_cleanup(struct nmport_d *d, struct nmport_cleanup_d *c)
{
	c->next = d->clist;
	d->clist = c;
}

static void nmport_report(struct nmport_d *d, int e, const char *what)
{
	nmctx_ferror(d->ctx, "%s: %s: %s", d->hdr.nr_name, what, strerror(e));
	errno = e;
}

struct nmport_d *nm_port_new_in(struct nmctx *ctx)
{
	struct nmport_d *d = nmctx_malloc(ctx, sizeof(*d));

	if (!d) {
		nmctx_ferror(ctx, "cannot allocate a port descriptor");
		errno = ENOMEM;
		return NULL;
	}
	memset(d, 0, sizeof(*d));
	nmreq_header_init(&d->hdr, NETMAP_REQ_REGISTER, &d->reg);
	d->ctx = ctx;
	d->fd = -1;
	return d;
}

struct nmport_d *nmport_new(void)
{
	return nm_port_new_in(nmctx_get());
}

void nmport_delete(struct nmport_d *d)
{
	if (d)
		nmctx_free(d->ctx, d);
}

/* -- Options ------------------------------------------------------------------ */

static void opt_cleanup(struct nmport_cleanup_d *c, struct nmport_d *d)
{
	struct nmport_opt_cleanup *oc = (struct nmport_opt_cleanup *)c;

	nmreq_remove_option(&d->hdr, oc->opt);
	if (d->extmem == (struct nmreq_opt_extmem *)oc->opt)
		d->extmem = NULL;
	nmctx_free(d->ctx, oc->opt);
	nmctx_free(d->ctx, oc);
}

/* Push a zeroed option of @size bytes with its cleanup; NULL with errno. */
static struct nmreq_option *push_option(struct nmport_d *d, uint32_t type, size_t size)
{
	struct nmport_opt_cleanup *c = nmctx_malloc(d->ctx, sizeof(*c));
	struct nmreq_option *o = nmctx_malloc(d->ctx, size);

	if (!c || !o) {
		nmctx_free(d->ctx, c);
		nmctx_free(d->ctx, o);
		nmport_report(d, ENOMEM, "option");
		return NULL;
	}
	memset(o, 0, size);
	o->nro_reqtype = type;
	o->nro_size = size;
	c->opt = o;
	c->up.cleanup = opt_cleanup;
	nmreq_push_option(&d->hdr, o);
	push_cleanup(d, &c->up);
	return o;
}

int nmport_extmem(struct nmport_d *d, void *base, size_t size)
{
	struct nmreq_opt_extmem *e;

	if (d->register_done || d->extmem) {
		nmctx_ferror(d->ctx, "%s: extmem: %s", d->hdr.nr_name,
			     d->register_done ? "port already registered" : "already set");
		errno = EINVAL;
		return -1;
	}
	e = (struct nmreq_opt_extmem *)push_option(d, NETMAP_REQ_OPT_EXTMEM, sizeof(*e));
	if (!e)
		return -1;
	e->nro_usrptr = (uintptr_t)base;
	e->nro_info.nr_memsize = size;
	d->extmem = e;
	return 0;
}

static void map_cleanup(struct nmport_cleanup_d *c, struct nmport_d *d)
{
	struct nmport_map_cleanup *mc = (struct nmport_map_cleanup *)c;

	munmap(mc->p, mc->size);
	nmctx_free(d->ctx, mc);
}

int nmport_extmem_from_file(struct nmport_d *d, const char *fname)
{
	struct nmport_map_cleanup *mc;
	off_t size;
	void *p;
	int fd, e;

	mc = nmctx_malloc(d->ctx, sizeof(*mc));
	if (!mc) {
		nmport_report(d, ENOMEM, "extmem");
		return -1;
	}
	fd = open(fname, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		goto err_sys;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0) {
		errno = size == 0 ? EINVAL : errno;
		goto err_fd;
	}
	p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto err_fd;
	close(fd);
	mc->p = p;
	mc->size = (size_t)size;
	mc->up.cleanup = map_cleanup;
	if (nmport_extmem(d, p, (size_t)size) < 0) {
		e = errno;
		map_cleanup(&mc->up, d);
		errno = e;
		return -1;
	}
	/* After the option's cleanup in the list: runs after it is unlinked. */
	mc->up.next = d->clist->next;
	d->clist->next = &mc->up;
	return 0;
err_fd:
	e = errno;
	close(fd);
	errno = e;
err_sys:
	e = errno;
	nmctx_ferror(d->ctx, "%s: extmem file %s: %s", d->hdr.nr_name, fname, strerror(e));
	nmctx_free(d->ctx, mc);
	errno = e;
	return -1;
}

struct nmreq_pools_info *nmport_extmem_getinfo(struct nmport_d *d)
{
	return d->extmem ? &d->extmem->nro_info : NULL;
}

int nmport_offset(struct nmport_d *d, uint64_t initial, uint64_t maxoff, uint64_t bits,
		  uint64_t mingap)
{
	struct nmreq_opt_offsets *o;

	o = (struct nmreq_opt_offsets *)push_option(d, NETMAP_REQ_OPT_OFFSETS, sizeof(*o));
	if (!o)
		return -1;
	o->nro_initial_offset = initial;
	o->nro_max_offset = maxoff;
	o->nro_offset_bits = (uint32_t)bits;
	o->nro_min_gap = mingap;
	return 0;
}

/* -- Built-in @options -------------------------------------------------------- */

enum { K_SHARE_PORT };
enum { K_EXT_FILE, K_EXT_IF_NUM, K_EXT_IF_SIZE, K_EXT_RING_NUM, K_EXT_RING_SIZE,
       K_EXT_BUF_NUM, K_EXT_BUF_SIZE };
enum { K_CONF_RINGS, K_CONF_HOST_RINGS, K_CONF_SLOTS, K_CONF_TX_RINGS, K_CONF_RX_RINGS,
       K_CONF_HOST_TX_RINGS, K_CONF_HOST_RX_RINGS, K_CONF_TX_SLOTS, K_CONF_RX_SLOTS };
enum { K_OFF_INITIAL, K_OFF_BITS };

/* A decimal value of a key: 0..max. -1 (EINVAL, reported) otherwise. */
static int key_num(struct nmreq_parse_ctx *p, int id, const char *key, uint64_t max, uint64_t *v)
{
	const char *s = p->keys[id];
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (!*s || *s == '-' || *s == '+' || *end || errno || *v > max) {
		nmctx_ferror(p->ctx, "%s=%s: want a number 0..%llu", key, s,
			     (unsigned long long)max);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static int parse_share(struct nmreq_parse_ctx *p)
{
	struct nmport_d *d = p->token;
	const char *name = p->keys[K_SHARE_PORT];
	int32_t id;

	id = nmreq_get_mem_id(&name, p->ctx);
	if (id < 0)
		return -1;
	if (d->reg.nr_mem_id && d->reg.nr_mem_id != id) {
		nmctx_ferror(p->ctx, "%s: @share=%s: mem_id %d conflicts with %u", d->hdr.nr_name,
			     p->keys[K_SHARE_PORT], id, d->reg.nr_mem_id);
		errno = EINVAL;
		return -1;
	}
	d->reg.nr_mem_id = (uint16_t)id;
	return 0;
}

static int parse_extmem(struct nmreq_parse_ctx *p)
{
	static const char *const names[] = { "", "if-num", "if-size", "ring-num", "ring-size",
					     "buf-num", "buf-size" };
	struct nmport_d *d = p->token;
	struct nmreq_pools_info *pi;
	uint64_t v[7] = { 0 };

	for (int k = K_EXT_IF_NUM; k <= K_EXT_BUF_SIZE; k++)
		if (p->keys[k] && key_num(p, k, names[k], UINT32_MAX, &v[k]) < 0)
			return -1;
	if (nmport_extmem_from_file(d, p->keys[K_EXT_FILE]) < 0)
		return -1;
	pi = nmport_extmem_getinfo(d);
	pi->nr_if_pool_objtotal = (uint32_t)v[K_EXT_IF_NUM];
	pi->nr_if_pool_objsize = (uint32_t)v[K_EXT_IF_SIZE];
	pi->nr_ring_pool_objtotal = (uint32_t)v[K_EXT_RING_NUM];
	pi->nr_ring_pool_objsize = (uint32_t)v[K_EXT_RING_SIZE];
	pi->nr_buf_pool_objtotal = (uint32_t)v[K_EXT_BUF_NUM];
	pi->nr_buf_pool_objsize = (uint32_t)v[K_EXT_BUF_SIZE];
	return 0;
}

static int parse_conf(struct nmreq_parse_ctx *p)
{
	static const char *const names[] = { "rings", "host-rings", "slots", "tx-rings",
					     "rx-rings", "host-tx-rings", "host-rx-rings",
					     "tx-slots", "rx-slots" };
	struct nmreq_register *r = &((struct nmport_d *)p->token)->reg;
	uint64_t v;

	for (int k = K_CONF_RINGS; k <= K_CONF_RX_SLOTS; k++) {
		bool slots = k == K_CONF_SLOTS || k == K_CONF_TX_SLOTS || k == K_CONF_RX_SLOTS;

		if (!p->keys[k])
			continue;
		if (key_num(p, k, names[k], slots ? UINT32_MAX : UINT16_MAX, &v) < 0)
			return -1;
		/* The shared keys come first in this order; directional ones override. */
		switch (k) {
		case K_CONF_RINGS: r->nr_tx_rings = r->nr_rx_rings = (uint16_t)v; break;
		case K_CONF_HOST_RINGS: r->nr_host_tx_rings = r->nr_host_rx_rings = (uint16_t)v; break;
		case K_CONF_SLOTS: r->nr_tx_slots = r->nr_rx_slots = (uint32_t)v; break;
		case K_CONF_TX_RINGS: r->nr_tx_rings = (uint16_t)v; break;
		case K_CONF_RX_RINGS: r->nr_rx_rings = (uint16_t)v; break;
		case K_CONF_HOST_TX_RINGS: r->nr_host_tx_rings = (uint16_t)v; break;
		case K_CONF_HOST_RX_RINGS: r->nr_host_rx_rings = (uint16_t)v; break;
		case K_CONF_TX_SLOTS: r->nr_tx_slots = (uint32_t)v; break;
		case K_CONF_RX_SLOTS: r->nr_rx_slots = (uint32_t)v; break;
		}
	}
	return 0;
}

static int parse_offset(struct nmreq_parse_ctx *p)
{
	uint64_t initial, bits = 0;

	if (key_num(p, K_OFF_INITIAL, "initial", UINT64_MAX, &initial) < 0 ||
	    (p->keys[K_OFF_BITS] && key_num(p, K_OFF_BITS, "bits", 64, &bits) < 0))
		return -1;
	return nmport_offset(p->token, initial, initial, bits, 0);
}

#define KEY(name_, id_, fl_) { .key = name_, .id = id_, .flags = fl_ }

static struct nmreq_opt_parser opt_offset = {
	.prefix = "offset", .parse = parse_offset, .default_key = 0, .nr_keys = 2,
	.flags = NMREQ_OPTF_DISABLED,
	.keys = { KEY("initial", K_OFF_INITIAL, NMREQ_OPTK_DEFAULT | NMREQ_OPTK_MUSTSET),
		  KEY("bits", K_OFF_BITS, 0) },
};

static struct nmreq_opt_parser opt_conf = {
	.prefix = "conf", .parse = parse_conf, .default_key = -1, .nr_keys = 9,
	.next = &opt_offset,
	.keys = { KEY("rings", K_CONF_RINGS, 0), KEY("host-rings", K_CONF_HOST_RINGS, 0),
		  KEY("slots", K_CONF_SLOTS, 0), KEY("tx-rings", K_CONF_TX_RINGS, 0),
		  KEY("rx-rings", K_CONF_RX_RINGS, 0),
		  KEY("host-tx-rings", K_CONF_HOST_TX_RINGS, 0),
		  KEY("host-rx-rings", K_CONF_HOST_RX_RINGS, 0),
		  KEY("tx-slots", K_CONF_TX_SLOTS, 0), KEY("rx-slots", K_CONF_RX_SLOTS, 0) },
};

static struct nmreq_opt_parser opt_extmem = {
	.prefix = "extmem", .parse = parse_extmem, .default_key = 0, .nr_keys = 7,
	.next = &opt_conf,
	.keys = { KEY("file", K_EXT_FILE, NMREQ_OPTK_DEFAULT | NMREQ_OPTK_MUSTSET),
		  KEY("if-num", K_EXT_IF_NUM, 0), KEY("if-size", K_EXT_IF_SIZE, 0),
		  KEY("ring-num", K_EXT_RING_NUM, 0), KEY("ring-size", K_EXT_RING_SIZE, 0),
		  KEY("buf-num", K_EXT_BUF_NUM, 0), KEY("buf-size", K_EXT_BUF_SIZE, 0) },
};

static struct nmreq_opt_parser opt_share = {
	.prefix = "share", .parse = parse_share, .default_key = 0, .nr_keys = 1,
	.next = &opt_extmem,
	.keys = { KEY("port", K_SHARE_PORT, NMREQ_OPTK_DEFAULT | NMREQ_OPTK_MUSTSET) },
};

static struct nmreq_opt_parser *const nmport_opt_parsers = &opt_share;

static struct nmreq_opt_parser *find_parser(const char *name)
{
	for (struct nmreq_opt_parser *p = nmport_opt_parsers; p; p = p->next)
		if (!strcmp(p->prefix, name))
			return p;
	return NULL;
}

void nmport_disable_option(const char *opt)
{
	struct nmreq_opt_parser *p = find_parser(opt);

	if (p)
		p->flags |= NMREQ_OPTF_DISABLED;
}

int nmport_enable_option(const char *opt)
{
	struct nmreq_opt_parser *p = find_parser(opt);

	if (!p) {
		errno = EOPNOTSUPP;
		return -1;
	}
	p->flags &= ~NMREQ_OPTF_DISABLED;
	return 0;
}

/* -- Parse -------------------------------------------------------------------- */

int nmport_parse(struct nmport_d *d, const char *spec)
{
	const char *scan = spec;

	if (!spec) {
		nmctx_ferror(d->ctx, "no port name");
		errno = EINVAL;
		return -1;
	}
	if (!d->hdr.nr_body)	/* zeroed by an earlier failed parse */
		nmreq_header_init(&d->hdr, NETMAP_REQ_REGISTER, &d->reg);
	if (nmreq_header_decode(&scan, &d->hdr, d->ctx) < 0 ||
	    nmreq_register_decode(&scan, &d->reg, d->ctx) < 0 ||
	    nmreq_options_decode(scan, nmport_opt_parsers, d, d->ctx) < 0) {
		int e = errno;

		nmport_undo_parse(d);
		errno = e;
		return -1;
	}
	return 0;
}

void nmport_undo_parse(struct nmport_d *d)
{
	struct nmport_cleanup_d *c;

	while ((c = d->clist)) {
		d->clist = c->next;
		c->cleanup(c, d);
	}
	memset(&d->reg, 0, sizeof(d->reg));
	memset(&d->hdr, 0, sizeof(d->hdr));
}

struct nmport_d *nmport_prepare(const char *spec)
{
	struct nmport_d *d = nmport_new();

	if (!d)
		return NULL;
	if (nmport_parse(d, spec) < 0) {
		int e = errno;

		nmport_delete(d);
		errno = e;
		return NULL;
	}
	return d;
}

void nmport_undo_prepare(struct nmport_d *d)
{
	if (!d)
		return;
	nmport_undo_parse(d);
	nmport_delete(d);
}
