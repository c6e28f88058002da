// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_abi_ext: netmap behaviours that applications rely on beyond the
 * basic ABI (tests/vm/guest/abi-ext.sh).
 *
 *  - copy monitors with the monitored port idle: a receiver that is bound
 *    but never syncs (no ioctl, no poll) on a pipe end, a VALE port and a
 *    NIC (veth nmxa -> nmxb): its /r monitor sees every frame as it
 *    arrives (on a pipe and on VALE already when the sender's txsync
 *    returns), the receiver still gets all of them when it finally reads;
 *    copy monitors have a region of their own, zero-copy ones share.
 *  - OPT_EXTMEM: the application's own memory as the region, used by a
 *    pipe and by VALE ports (frames both ways, read through the
 *    application's mapping; mmap of /dev/netmap is refused), the layout
 *    written back (pools packed page by page, leftover space as more
 *    buffers), the same pages offered again give the same mem_id, the
 *    region counts in mem_used_kb and is refused over max_mem_mb, and bad
 *    layouts are refused (alignment, too small, an impossible pool, pages
 *    not mapped or read-only, the option twice, no CAP_NET_ADMIN).
 *  - OPT_OFFSETS: ring->offset_mask and the initial offset in every slot,
 *    frames at per-slot offsets over a pipe (the receiver finds the
 *    sender's offset) and VALE (read at the sender's offset, written at the
 *    receiver slot's), a TX offset over the max refused, a second fd
 *    asking for more is EBUSY (less: the max in force comes back), and
 *    the checks (bits, max over the mask or the buffer, initial over max,
 *    a zero-copy monitor).
 *
 * Frames carry a sequence number and a tag (nmt_put()); only frames with
 * our tag count, so nothing else on the veth can fool a check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/mman.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nmt.h"

#define TAG_IDLE	0x1d1e0001u
#define TAG_EXT		0xe8e80002u
#define TAG_OFF		0x0ff50003u
#define FLEN(seq)	((uint16_t)(60 + (seq) % 200))

/*
 * Read every frame with @tag on the RX rings of @p from *seq on (in
 * order), give the slots back; returns how many, counts damaged ones in
 * *bad. Does not sync: the caller does.
 */
static unsigned read_tagged(struct nmt_port *p, uint32_t tag, uint32_t *seq, unsigned *bad)
{
	unsigned got = 0, i;

	for (i = 0; i < p->nifp->ni_rx_rings; i++) {
		struct netmap_ring *r = nmt_rx(p, i);

		while (r && !nm_ring_empty(r)) {
			uint32_t s = nmt_pkt_seq(r, r->cur);
			uint32_t t = 0;

			if (r->slot[r->cur].len >= 8)
				memcpy(&t, NETMAP_BUF(r, r->slot[r->cur].buf_idx) + 4, 4);
			if (t == tag) {
				if (!nmt_pkt_ok(r, r->cur, *seq, tag, FLEN(*seq)))
					(*bad)++;
				(*seq) = s + 1;
				got++;
			}
			nmt_consume(r, 1);
		}
	}
	return got;
}

/* Send @n frames tagged @tag on @a from *seq on, syncing as the ring fills. */
static unsigned send_tagged_tag(struct nmt_port *a, uint32_t *seq, unsigned n, uint32_t tag)
{
	struct netmap_ring *r = nmt_tx(a, 0);
	unsigned sent = 0, tries = 0;

	while (sent < n && tries++ < 100000) {
		while (sent < n && nmt_put(r, *seq, tag, FLEN(*seq))) {
			(*seq)++;
			sent++;
		}
		if (nmt_txsync(a->fd))
			break;
	}
	return sent;
}

static unsigned send_tagged(struct nmt_port *a, uint32_t *seq, unsigned n)
{
	return send_tagged_tag(a, seq, n, TAG_IDLE);
}

/*
 * @b is bound and never synced until the end. @wait: frames arrive in
 * softirq (a NIC), so the monitor polls for them; otherwise each batch
 * must be in the monitor when the sender's txsync returns.
 */
static void idle_on(const char *an, const char *bn, bool wait)
{
	const unsigned N = 300, batch = 30;
	struct nmt_port a, b, m, z;
	uint32_t seq = 0, ms = 0, bs = 0;
	unsigned got = 0, bgot = 0, bad = 0, i;
	long long t0;

	if (!CHECK_ERR(nmt_port_open(&a, an, NULL), 0, "open %s", an))
		return;
	if (!CHECK_ERR(nmt_port_open(&b, bn, NULL), 0, "open %s", bn))
		goto out_a;
	if (!CHECK_ERR(nmt_port_open(&m, bn, NMT_OPTS(.flags = NR_MONITOR_RX)), 0, "%s/r", bn))
		goto out_b;
	CHECK(m.reg.nr_mem_id != b.reg.nr_mem_id, "%s/r: a region of its own (mem_id %u, port %u)",
	      bn, m.reg.nr_mem_id, b.reg.nr_mem_id);
	if (CHECK_ERR(nmt_port_open(&z, bn, NMT_OPTS(.flags = NR_ZCOPY_MON)), 0, "%s/z", bn)) {
		CHECK_EQ(z.reg.nr_mem_id, b.reg.nr_mem_id, "%s/z: the port's region", bn);
		nmt_port_close(&z);
	}
	for (i = 0; i < N / batch; i++) {
		CHECK_EQ(send_tagged(&a, &seq, batch), batch, "%s: batch %u sent", an, i);
		if (wait)
			continue;
		/* Copied on delivery: no sync of b, nor of the monitor's ring before. */
		nmt_rxsync(m.fd);
		got += read_tagged(&m, TAG_IDLE, &ms, &bad);
		CHECK_EQ(got, (i + 1) * batch, "%s/r after batch %u, %s idle", bn, i, bn);
	}
	for (t0 = nmt_now_ms(); got < N && nmt_now_ms() - t0 < 10000;) {
		struct pollfd pfd = { .fd = m.fd, .events = POLLIN };

		poll(&pfd, 1, 200);
		got += read_tagged(&m, TAG_IDLE, &ms, &bad);
	}
	CHECK_EQ(got, N, "%s/r saw every frame while %s was idle", bn, bn);
	CHECK_EQ(bad, 0, "%s/r: damaged or out-of-order frames", bn);
	/* The receiver, finally reading, gets them all too, intact. */
	bad = 0;
	nmt_rxsync(b.fd);
	bgot = read_tagged(&b, TAG_IDLE, &bs, &bad);
	nmt_rxsync(b.fd);
	CHECK(bgot == N && bad == 0, "%s got %u of %u frames (%u bad) after being idle", bn, bgot,
	      N, bad);
	nmt_note("%s -> %s: monitor %u, receiver %u", an, bn, got, bgot);
	nmt_port_close(&m);
out_b:
	nmt_port_close(&b);
out_a:
	nmt_port_close(&a);
}

static void t_mon_idle_pipe(void)
{
	idle_on("idle{1", "idle}1", false);
}

static void t_mon_idle_vale(void)
{
	idle_on("valeI:a", "valeI:b", false);
}

static void t_mon_idle_nic(void)
{
	if (access("/sys/class/net/nmxa", F_OK) || access("/sys/class/net/nmxb", F_OK))
		nmt_skip("no veth pair nmxa/nmxb");
	idle_on("nmxa", "nmxb", true);
}

/* ---- OPT_EXTMEM ------------------------------------------------------- */

/* The layout ctrl-api-test style: 4 ifs, 16 rings of 8 KiB, 2048 buffers. */
#define EXT_IFS		4u
#define EXT_IFSZ	1024u
#define EXT_RINGS	16u
#define EXT_RINGSZ	8192u
#define EXT_BUFS	2048u
#define EXT_BUFSZ	2048u
#define EXT_SUM		((uint64_t)EXT_IFS * EXT_IFSZ + (uint64_t)EXT_RINGS * EXT_RINGSZ + \
			 (uint64_t)EXT_BUFS * EXT_BUFSZ)
#define EXT_SLACK	(64u << 10)	/* more room than the pools: 32 more buffers */
#define EXT_LEN		(EXT_SUM + EXT_SLACK)

static void *ext_map(size_t len, int prot)
{
	void *m = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!CHECK(m != MAP_FAILED, "mmap %zu anonymous bytes: %s", len, strerror(errno)))
		return NULL;
	return m;
}

static void ext_opt(struct nmreq_opt_extmem *o, const void *mem, uint64_t memsize)
{
	memset(o, 0, sizeof(*o));
	o->nro_opt.nro_reqtype = NETMAP_REQ_OPT_EXTMEM;
	o->nro_usrptr = (uintptr_t)mem;
	o->nro_info.nr_memsize = memsize;
	o->nro_info.nr_if_pool_objtotal = EXT_IFS;
	o->nro_info.nr_if_pool_objsize = EXT_IFSZ;
	o->nro_info.nr_ring_pool_objtotal = EXT_RINGS;
	o->nro_info.nr_ring_pool_objsize = EXT_RINGSZ;
	o->nro_info.nr_buf_pool_objtotal = EXT_BUFS;
	o->nro_info.nr_buf_pool_objsize = EXT_BUFSZ;
}

/*
 * REGISTER @name with the extmem option @o (or, with @o NULL, in region
 * @mem_id) and use the application's mapping @mem as the region.
 */
static int ext_open(struct nmt_port *p, const char *name, struct nmreq_opt_extmem *o,
		    uint16_t mem_id, void *mem)
{
	int err = nmt_port_open(p, name, NMT_OPTS(.options = (uintptr_t)o, .mem_id = mem_id,
						 .tx_slots = 256, .rx_slots = 256,
						 .no_mmap = true));

	if (!err)
		p->nifp = NETMAP_IF(mem, p->reg.nr_offset);
	return err;
}

/* @n frames from @a to @b, each checked where @b reads it; returns those that arrived intact. */
static unsigned ext_flow(struct nmt_port *a, struct nmt_port *b, unsigned n)
{
	uint32_t seq = 0, rseq = 0;
	unsigned got = 0, bad = 0, i;

	for (i = 0; i < n / 50; i++) {
		if (send_tagged_tag(a, &seq, 50, TAG_EXT) != 50)
			break;
		nmt_rxsync(b->fd);
		got += read_tagged(b, TAG_EXT, &rseq, &bad);
		nmt_rxsync(b->fd);
		nmt_txsync(a->fd);
	}
	return got - bad;
}

static void t_extmem_pipe(void)
{
	struct nmt_port a, b, c;
	struct nmreq_opt_extmem o, o2;
	const struct nmreq_pools_info *pi = &o.nro_info;
	void *mem = ext_map(EXT_LEN, PROT_READ | PROT_WRITE);

	if (!mem)
		return;
	nmt_map_add(mem, EXT_LEN);
	ext_opt(&o, mem, EXT_LEN);
	if (!CHECK_ERR(ext_open(&a, "ext{1", &o, 0, mem), 0, "REGISTER ext{1 with OPT_EXTMEM"))
		return;
	CHECK_EQ(o.nro_opt.nro_status, 0, "option status");
	CHECK(a.reg.nr_mem_id > 1 && pi->nr_mem_id == a.reg.nr_mem_id, "mem_id %u (option %u)",
	      a.reg.nr_mem_id, pi->nr_mem_id);
	CHECK_EQ(pi->nr_if_pool_offset, 0, "if pool first");
	CHECK_EQ(pi->nr_ring_pool_offset, 4096, "ring pool on the next page");
	CHECK_EQ(pi->nr_buf_pool_offset, 4096 + EXT_RINGS * EXT_RINGSZ, "buffer pool after the rings");
	CHECK_EQ(pi->nr_buf_pool_objtotal, EXT_BUFS + EXT_SLACK / EXT_BUFSZ,
		 "leftover room became buffers");
	CHECK_EQ(pi->nr_memsize, EXT_LEN, "nr_memsize: the pools, page-rounded");
	CHECK_EQ(a.reg.nr_memsize, EXT_LEN, "REGISTER nr_memsize");
	/* The other end joins the region by its mem_id. */
	if (!CHECK_ERR(ext_open(&b, "ext}1", NULL, a.reg.nr_mem_id, mem), 0, "REGISTER ext}1"))
		goto out_a;
	CHECK_EQ(b.reg.nr_mem_id, a.reg.nr_mem_id, "both ends in the extmem region");
	CHECK_EQ(ext_flow(&a, &b, 500), 500, "ext{1 -> ext}1 through user memory");
	CHECK_EQ(ext_flow(&b, &a, 500), 500, "ext}1 -> ext{1 through user memory");
	/* The application has the region mapped; /dev/netmap does not map it. */
	CHECK(mmap(NULL, EXT_LEN, PROT_READ, MAP_SHARED, a.fd, 0) == MAP_FAILED && errno == EINVAL,
	      "mmap of an extmem region through /dev/netmap is EINVAL");
	nmt_port_close(&b);
	/* The same pages again: the same region. */
	ext_opt(&o2, mem, EXT_LEN);
	if (CHECK_ERR(ext_open(&c, "valeX:again", &o2, 0, mem), 0, "the same pages again")) {
		CHECK_EQ(c.reg.nr_mem_id, a.reg.nr_mem_id, "the same pages give the same mem_id");
		nmt_port_close(&c);
	}
out_a:
	nmt_port_close(&a);
	nmt_map_del(mem);
	munmap(mem, EXT_LEN);
}

static void t_extmem_vale(void)
{
	struct nmt_port e, f;
	struct nmreq_opt_extmem o;
	void *mem = ext_map(EXT_LEN, PROT_READ | PROT_WRITE);

	if (!mem)
		return;
	nmt_map_add(mem, EXT_LEN);
	ext_opt(&o, mem, EXT_LEN);
	if (!CHECK_ERR(ext_open(&e, "valeX:e", &o, 0, mem), 0, "REGISTER valeX:e with OPT_EXTMEM"))
		goto out;
	if (CHECK_ERR(nmt_port_open(&f, "valeX:f", NULL), 0, "open valeX:f")) {
		CHECK(f.reg.nr_mem_id != e.reg.nr_mem_id, "valeX:f in a region of its own");
		CHECK_EQ(ext_flow(&f, &e, 500), 500, "valeX:f -> extmem port valeX:e");
		CHECK_EQ(ext_flow(&e, &f, 500), 500, "extmem port valeX:e -> valeX:f");
		nmt_port_close(&f);
	}
	nmt_port_close(&e);
out:
	nmt_map_del(mem);
	munmap(mem, EXT_LEN);
}

/* mem_used_kb counts the extmem region; max_mem_mb refuses one that does not fit. */
static void t_extmem_cap(void)
{
	const long long base = nmt_param("mem_used_kb"), cap = nmt_param("max_mem_mb");
	struct nmt_port e;
	struct nmreq_opt_extmem o;
	void *mem = ext_map(EXT_LEN, PROT_READ | PROT_WRITE);

	if (!mem || !CHECK(base >= 0 && cap > 0, "parameters readable"))
		return;
	ext_opt(&o, mem, EXT_LEN);
	if (CHECK_ERR(ext_open(&e, "valeX:cap", &o, 0, mem), 0, "extmem port")) {
		CHECK_EQ(nmt_param("mem_used_kb"), base + (long long)(EXT_LEN >> 10),
			 "mem_used_kb counts the extmem region");
		nmt_port_close(&e);
	}
	CHECK_EQ(nmt_param("mem_used_kb"), base, "mem_used_kb back after close");
	/* A cap with less room than the region. */
	if (CHECK_ERR(nmt_param_set("max_mem_mb", base / 1024 + 2), 0, "lower max_mem_mb")) {
		ext_opt(&o, mem, EXT_LEN);
		CHECK_ERR(ext_open(&e, "valeX:cap", &o, 0, mem), ENOMEM, "extmem over max_mem_mb");
		CHECK_EQ(o.nro_opt.nro_status, ENOMEM, "option status over the cap");
		nmt_param_set("max_mem_mb", cap);
	}
	CHECK_EQ(nmt_param("mem_used_kb"), base, "nothing left counted");
	munmap(mem, EXT_LEN);
}

static void ext_refused(const char *what, struct nmreq_opt_extmem *o, int want)
{
	struct nmt_port p;

	CHECK_ERR(nmt_port_open(&p, "valeX:bad", NMT_OPTS(.options = (uintptr_t)o, .no_mmap = true)),
		  want, "%s", what);
	CHECK_EQ(o->nro_opt.nro_status, want, "%s: option status", what);
	if (p.fd >= 0)
		nmt_port_close(&p);
}

static void t_extmem_bad(void)
{
	const long long base = nmt_param("mem_used_kb");
	struct nmreq_opt_extmem o, o2;
	char *mem = ext_map(EXT_LEN, PROT_READ | PROT_WRITE), *ro;
	struct nmt_port p;

	if (!mem)
		return;
	ext_opt(&o, mem + 64, EXT_LEN - 4096);
	ext_refused("usrptr not page aligned", &o, EINVAL);
	ext_opt(&o, mem, EXT_SUM - 1);
	ext_refused("pools larger than nr_memsize", &o, ENOMEM);
	ext_opt(&o, mem, EXT_LEN);
	o.nro_info.nr_if_pool_objtotal = 1;
	o.nro_info.nr_if_pool_objsize = 5u << 20;	/* fits the memory, not a pool */
	o.nro_info.nr_memsize = EXT_LEN + (5u << 20);
	ro = ext_map(EXT_LEN + (5u << 20), PROT_READ | PROT_WRITE);
	if (ro) {
		o.nro_usrptr = (uintptr_t)ro;
		ext_refused("a netmap_if of 5 MiB", &o, EINVAL);
		munmap(ro, EXT_LEN + (5u << 20));
	}
	/* Pages not mapped: the second half of the range is gone. */
	ro = ext_map(2 * EXT_LEN, PROT_READ | PROT_WRITE);
	if (ro) {
		munmap(ro + EXT_LEN, EXT_LEN);
		ext_opt(&o, ro, 2 * EXT_LEN);
		o.nro_info.nr_buf_pool_objtotal = 2 * EXT_BUFS;
		ext_refused("range partly unmapped", &o, EFAULT);
		munmap(ro, EXT_LEN);
	}
	ro = ext_map(EXT_LEN, PROT_READ);
	if (ro) {
		ext_opt(&o, ro, EXT_LEN);
		ext_refused("read-only memory", &o, EFAULT);
		munmap(ro, EXT_LEN);
	}
	/* Twice in one request: both EINVAL. */
	ext_opt(&o, mem, EXT_LEN);
	ext_opt(&o2, mem, EXT_LEN);
	o.nro_opt.nro_next = (uintptr_t)&o2;
	CHECK_ERR(nmt_port_open(&p, "valeX:bad", NMT_OPTS(.options = (uintptr_t)&o, .no_mmap = true)),
		  EINVAL, "OPT_EXTMEM twice");
	CHECK(o.nro_opt.nro_status == EINVAL && o2.nro_opt.nro_status == EINVAL,
	      "both statuses EINVAL (%u %u)", o.nro_opt.nro_status, o2.nro_opt.nro_status);
	CHECK_EQ(nmt_param("mem_used_kb"), base, "refusals leave nothing counted");
	munmap(mem, EXT_LEN);
}

/*
 * Without CAP_NET_ADMIN (uid 65534, no capabilities, on a /dev/netmap fd
 * opened by root before) OPT_EXTMEM is EPERM: nothing pinned or counted.
 * The subtest runs in a child of its own (nmt_main), so dropping is final.
 */
static void t_extmem_unpriv(void)
{
	const long long base = nmt_param("mem_used_kb");
	struct nmreq_opt_extmem o;
	struct nmreq_header h;
	struct nmreq_register r;
	void *mem = ext_map(EXT_LEN, PROT_READ | PROT_WRITE);
	int fd = nmt_open();

	if (!mem || fd < 0)
		return;
	if (!CHECK(setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0,
		   "drop to uid 65534: %s", strerror(errno)))
		return;
	ext_opt(&o, mem, EXT_LEN);
	nmt_reg_req(&h, &r, "valeX:np", NULL);
	h.nr_options = (uintptr_t)&o;
	CHECK_ERR(nmt_ctrl(fd, &h), EPERM, "OPT_EXTMEM without CAP_NET_ADMIN");
	CHECK_EQ(o.nro_opt.nro_status, EPERM, "its status");
	CHECK_EQ(nmt_param("mem_used_kb"), base, "nothing counted");
	close(fd);
}

/* ---- OPT_OFFSETS ------------------------------------------------------ */

static void off_opt(struct nmreq_opt_offsets *o, uint64_t max, uint64_t initial, uint32_t bits)
{
	memset(o, 0, sizeof(*o));
	o->nro_opt.nro_reqtype = NETMAP_REQ_OPT_OFFSETS;
	o->nro_max_offset = max;
	o->nro_initial_offset = initial;
	o->nro_offset_bits = bits;
}

static int off_open(struct nmt_port *p, const char *name, struct nmreq_opt_offsets *o,
		    uint64_t flags)
{
	return nmt_port_open(p, name, NMT_OPTS(.options = (uintptr_t)o, .flags = flags));
}

/* Every slot of every bound ring: mask @mask, ptr @initial. */
static void off_check_rings(struct nmt_port *p, uint64_t mask, uint64_t initial, const char *what)
{
	unsigned i, j, bad = 0, rings = 0;

	for (i = 0; i < p->nifp->ni_tx_rings + p->nifp->ni_rx_rings; i++) {
		struct netmap_ring *r = i < p->nifp->ni_tx_rings ? nmt_tx(p, i) :
					nmt_rx(p, i - p->nifp->ni_tx_rings);

		if (!r)
			continue;
		rings++;
		if (r->offset_mask != mask)
			bad++;
		for (j = 0; j < r->num_slots; j++)
			if (r->slot[j].ptr != initial)
				bad++;
	}
	CHECK(rings && !bad, "%s: offset_mask %#llx and ptr %llu everywhere (%u bad)", what,
	      (unsigned long long)mask, (unsigned long long)initial, bad);
}

/* Put frame @seq at offset @off of the slot at cur of TX ring @r. */
static bool off_put(struct netmap_ring *r, uint32_t seq, uint32_t off)
{
	struct netmap_slot *sl = &r->slot[r->cur];

	if (nm_ring_empty(r))
		return false;
	nmt_pkt_fill(NETMAP_BUF(r, sl->buf_idx) + off, seq, TAG_OFF, FLEN(seq));
	sl->len = FLEN(seq);
	sl->ptr = (sl->ptr & ~r->offset_mask) | off;
	sl->flags = 0;
	r->head = r->cur = nm_ring_next(r, r->cur);
	return true;
}

/* Frames in RX ring @r, at each slot's offset: count those intact from *seq. */
static unsigned off_take(struct netmap_ring *r, uint32_t *seq, unsigned *bad)
{
	unsigned got = 0;
	char want[300];

	while (!nm_ring_empty(r)) {
		struct netmap_slot *sl = &r->slot[r->cur];
		const char *b = NETMAP_BUF(r, sl->buf_idx) + (sl->ptr & r->offset_mask);

		nmt_pkt_fill(want, *seq, TAG_OFF, FLEN(*seq));
		if (sl->len != FLEN(*seq) || memcmp(b, want, FLEN(*seq)))
			(*bad)++;
		(*seq)++;
		got++;
		nmt_consume(r, 1);
	}
	return got;
}

/*
 * @n frames a -> b at offsets @off0, @off0 + 1, ... (mod @span); the
 * receiver reads them at its slots' offsets.
 */
static unsigned off_flow(struct nmt_port *a, struct nmt_port *b, unsigned n, uint32_t off0,
			 uint32_t span, unsigned *bad)
{
	struct netmap_ring *tx = nmt_tx(a, 0), *rx = nmt_rx(b, 0);
	uint32_t seq = 0, rseq = 0;
	unsigned got = 0, k;

	while (seq < n) {
		for (k = 0; k < 40 && seq < n && off_put(tx, seq, off0 + seq % span); k++)
			seq++;
		if (nmt_txsync(a->fd))
			break;
		nmt_rxsync(b->fd);
		got += off_take(rx, &rseq, bad);
		nmt_rxsync(b->fd);
		nmt_txsync(a->fd);
	}
	return got;
}

static void t_offsets_pipe(void)
{
	struct nmreq_opt_offsets oa, ob;
	struct nmt_port a, b;
	unsigned bad = 0;

	off_opt(&oa, 256, 64, 16);
	off_opt(&ob, 256, 64, 16);
	if (!CHECK_ERR(off_open(&a, "off{1", &oa, 0), 0, "off{1 with OPT_OFFSETS"))
		return;
	CHECK(oa.nro_opt.nro_status == 0 && oa.nro_max_offset == 256, "status %u, max %llu",
	      oa.nro_opt.nro_status, (unsigned long long)oa.nro_max_offset);
	off_check_rings(&a, 0xffff, 64, "off{1");
	if (CHECK_ERR(off_open(&b, "off}1", &ob, 0), 0, "off}1 with OPT_OFFSETS")) {
		CHECK_EQ(off_flow(&a, &b, 400, 100, 150, &bad), 400, "frames over the pipe");
		CHECK_EQ(bad, 0, "pipe: frames found at the sender's offsets");
		nmt_port_close(&b);
	}
	nmt_port_close(&a);
}

static void t_offsets_vale(void)
{
	struct nmreq_opt_offsets oa, ob, o2;
	struct nmt_port a, b, c;
	struct netmap_ring *tx;
	unsigned bad = 0;

	off_opt(&oa, 128, 0, 8);
	off_opt(&ob, 128, 32, 8);
	if (!CHECK_ERR(off_open(&a, "valeO:a", &oa, 0), 0, "valeO:a with OPT_OFFSETS"))
		return;
	if (!CHECK_ERR(off_open(&b, "valeO:b", &ob, 0), 0, "valeO:b with OPT_OFFSETS"))
		goto out_a;
	off_check_rings(&b, 0xff, 32, "valeO:b");
	/* Read at the sender's offsets 0..127, written at the receiver's 32. */
	CHECK_EQ(off_flow(&a, &b, 400, 0, 128, &bad), 400, "frames over VALE");
	CHECK_EQ(bad, 0, "VALE: frames moved from and to the slots' offsets");
	/* An offset over the max stops the sync. */
	tx = nmt_tx(&a, 0);
	tx->slot[tx->cur].ptr = 200;
	tx->slot[tx->cur].len = 60;
	tx->head = tx->cur = nm_ring_next(tx, tx->cur);
	CHECK_ERR(nmt_txsync(a.fd), EINVAL, "TX offset 200 over max 128");
	/* Another fd on the same rings: more is EBUSY, less keeps the max in force. */
	off_opt(&o2, 200, 0, 8);
	CHECK_ERR(off_open(&c, "valeO:b", &o2, 0), EBUSY, "a larger max on rings that have offsets");
	CHECK_EQ(o2.nro_opt.nro_status, EBUSY, "option status EBUSY");
	off_opt(&o2, 64, 0, 8);
	if (CHECK_ERR(off_open(&c, "valeO:b", &o2, 0), 0, "a smaller max")) {
		CHECK_EQ(o2.nro_max_offset, 128, "the max in force comes back");
		nmt_port_close(&c);
	}
	nmt_port_close(&b);
out_a:
	nmt_port_close(&a);
}

static void off_refused(const char *name, const char *what, uint64_t max, uint64_t initial,
			uint32_t bits, uint64_t flags, int want)
{
	struct nmreq_opt_offsets o;
	struct nmt_port p;

	off_opt(&o, max, initial, bits);
	CHECK_ERR(off_open(&p, name, &o, flags), want, "%s", what);
	CHECK_EQ(o.nro_opt.nro_status, want, "%s: option status", what);
	if (p.fd >= 0)
		nmt_port_close(&p);
}

static void t_offsets_bad(void)
{
	struct nmt_port a;

	off_refused("valeO:x", "bits 65", 16, 0, 65, 0, EINVAL);
	off_refused("valeO:x", "max 16 in 4 bits", 16, 0, 4, 0, EINVAL);
	off_refused("valeO:x", "initial over max", 16, 17, 8, 0, EINVAL);
	off_refused("valeO:x", "max over the buffer size", 4096, 0, 0, 0, EINVAL);
	if (CHECK_ERR(nmt_port_open(&a, "valeO:z", NULL), 0, "open valeO:z")) {
		off_refused("valeO:z", "a zero-copy monitor", 16, 0, 8, NR_ZCOPY_MON, EOPNOTSUPP);
		off_refused("valeO:z", "a copy monitor", 16, 0, 8, NR_MONITOR_RX, 0);
		nmt_port_close(&a);
	}
}

static const struct nmt_test tests[] = {
	{ "mon_idle_pipe", t_mon_idle_pipe, "/r of an idle pipe end sees each frame on delivery" },
	{ "mon_idle_vale", t_mon_idle_vale, "/r of an idle VALE port sees each frame on delivery" },
	{ "mon_idle_nic", t_mon_idle_nic, "/r of an idle NIC port (veth) sees every frame" },
	{ "extmem_pipe", t_extmem_pipe, "a pipe in user memory: layout, frames, same pages again" },
	{ "extmem_vale", t_extmem_vale, "a VALE port in user memory exchanges frames" },
	{ "extmem_cap", t_extmem_cap, "extmem counts in mem_used_kb, refused over max_mem_mb" },
	{ "extmem_bad", t_extmem_bad, "bad extmem layouts and memory are refused" },
	{ "extmem_unpriv", t_extmem_unpriv, "OPT_EXTMEM without CAP_NET_ADMIN is EPERM" },
	{ "offsets_pipe", t_offsets_pipe, "per-slot offsets over a pipe" },
	{ "offsets_vale", t_offsets_vale, "per-slot offsets over VALE, TX max, a second fd" },
	{ "offsets_bad", t_offsets_bad, "OPT_OFFSETS refused where netmap refuses it" },
};

int main(int argc, char **argv)
{
	return nmt_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv, 60);
}
