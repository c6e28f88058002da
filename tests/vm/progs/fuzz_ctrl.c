// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_ctrl - NIOCCTRL requests: REGISTER and the checks of its reply
 * against the region (POOLS_INFO_GET, PORT_INFO_GET, fresh pipes), and
 * random control requests of every type.
 */
#include "nm_fuzz.h"

bool buf_in_region(const struct nmfile *f, int64_t pool_off, uint32_t bufsz, uint32_t idx)
{
	int64_t start = pool_off + (int64_t)idx * bufsz;

	if (f->buf_total && idx >= f->buf_total)
		return false;
	return start >= 0 && (uint64_t)start + bufsz <= f->memsize;
}

int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* No other live file binds this pipe end or its peer: the pair is new. */
bool fresh_end(const char *name, int self)
{
	char peer[NETMAP_REQ_IFNAMSIZ];
	int i;

	if (!well_formed_pipe(name) || is_child_name(name) || !pipe_peer(name, peer))
		return false;
	for (i = 0; i < MAXFILES; i++) {
		const struct nmfile *o = &files[i];

		if (i == self || !o->used || !o->bound)
			continue;
		if (!o->name_known || !strcmp(o->name, name) || !strcmp(o->name, peer))
			return false;
	}
	return true;
}

void pools_check(int fi)
{
	struct nmfile *f = &files[fi];
	struct nmreq_pools_info *p;
	struct ctrl c;
	int err, i;

	ctrl_init(&c, NETMAP_REQ_POOLS_INFO_GET, f->name, sizeof(*p));
	p = c.body;
	trace("POOLS_INFO_GET fd%d \"%s\"", f->fd, f->name);
	err = ctrl_call(f->fd, &c);
	if (err)
		return;
	if (p->nr_memsize != f->memsize || p->nr_mem_id != f->mem_id)
		violation("POOLS_INFO_GET \"%s\": memsize %" PRIu64 " mem_id %u, REGISTER said %"
			  PRIu64 " %u", f->name, p->nr_memsize, p->nr_mem_id, f->memsize, f->mem_id);
	if (p->nr_if_pool_offset + (uint64_t)p->nr_if_pool_objtotal * p->nr_if_pool_objsize >
		    p->nr_ring_pool_offset ||
	    p->nr_ring_pool_offset + (uint64_t)p->nr_ring_pool_objtotal * p->nr_ring_pool_objsize >
		    p->nr_buf_pool_offset ||
	    p->nr_buf_pool_offset + (uint64_t)p->nr_buf_pool_objtotal * p->nr_buf_pool_objsize >
		    p->nr_memsize)
		violation("POOLS_INFO_GET \"%s\": pools overlap or pass the end: if %" PRIu64 "+%ux%u "
			  "ring %" PRIu64 "+%ux%u buf %" PRIu64 "+%ux%u memsize %" PRIu64, f->name,
			  p->nr_if_pool_offset, p->nr_if_pool_objtotal, p->nr_if_pool_objsize,
			  p->nr_ring_pool_offset, p->nr_ring_pool_objtotal, p->nr_ring_pool_objsize,
			  p->nr_buf_pool_offset, p->nr_buf_pool_objtotal, p->nr_buf_pool_objsize,
			  p->nr_memsize);
	for (i = 0; i < f->nrings; i++) {
		const struct ring_ref *rr = &f->rings[i];

		if ((int64_t)rr->off + rr->buf_ofs != (int64_t)p->nr_buf_pool_offset ||
		    rr->bufsz != p->nr_buf_pool_objsize)
			violation("\"%s\" ring %s%u: buffers at %" PRId64 " size %u, POOLS_INFO_GET "
				  "says %" PRIu64 " size %u", f->name, rr->tx ? "tx" : "rx", rr->id,
				  (int64_t)rr->off + rr->buf_ofs, rr->bufsz, p->nr_buf_pool_offset,
				  p->nr_buf_pool_objsize);
	}
	f->buf_total = p->nr_buf_pool_objtotal;
	f->buf_pool_off = p->nr_buf_pool_offset;
	f->pool_known = true;
}

void port_info_check(int fi)
{
	struct nmfile *f = &files[fi];
	struct nmreq_port_info_get *pi;
	struct ctrl c;

	ctrl_init(&c, NETMAP_REQ_PORT_INFO_GET, "", sizeof(*pi));
	pi = c.body;
	pi->nr_mem_id = f->mem_id;
	trace("PORT_INFO_GET fd%d mem_id %u", f->fd, f->mem_id);
	if (ctrl_call(f->fd, &c))
		return;
	if (pi->nr_memsize != f->memsize)
		violation("PORT_INFO_GET mem_id %u: memsize %" PRIu64 ", REGISTER said %" PRIu64,
			  f->mem_id, pi->nr_memsize, f->memsize);
}

void bind_geometry(struct bindinfo *b, const struct nmreq_register *r)
{
	b->memsize = r->nr_memsize;
	b->offset = r->nr_offset;
	b->mem_id = r->nr_mem_id;
	b->tx_slots = r->nr_tx_slots;
	b->rx_slots = r->nr_rx_slots;
	b->tx_rings = r->nr_tx_rings;
	b->rx_rings = r->nr_rx_rings;
	b->host_tx = r->nr_host_tx_rings;
	b->host_rx = r->nr_host_rx_rings;
	b->extra_got = r->nr_extra_bufs;
}

void bind_file(int fi, const struct bindinfo *b)
{
	struct nmfile *f = &files[fi];
	struct netmap_if *nifp;
	uint32_t ntx, nrx, nhtx, nhrx, total, k, *bufs = NULL;
	size_t nbufs = 0, capbufs = 0;
	bool fresh;
	char *mem;
	int64_t pool_off = -1;

	xs.binds++;
	f->bound = true;
	/*
	 * A null port does not hold the port of its name: give it a name no
	 * pipe has.  A monitor keeps the monitored port alive: keep its name,
	 * so that the port is not taken for new, but never use its rings as
	 * that port's.
	 */
	snprintf(f->name, sizeof(f->name), "%s%.*s", b->null_port ? "null:" : "",
		 NETMAP_REQ_IFNAMSIZ - 6, b->name);
	f->not_the_port = b->null_port || b->monitor;
	f->name_known = !b->name_unsure &&
			(b->null_port || well_formed_pipe(f->name) || !pipe_sep(f->name));
	f->child_port = !well_formed_pipe(b->name) || is_child_name(b->name);
	f->memsize = b->memsize;
	f->nifp_off = b->offset;
	f->mem_id = b->mem_id;
	f->nrings = 0;
	f->pool_known = false;
	f->buf_total = 0;
	if (b->special)
		return;
	if (b->memsize == 0 || b->offset + sizeof(struct netmap_if) > b->memsize) {
		violation("REGISTER \"%s\": nr_offset %" PRIu64 " does not fit nr_memsize %" PRIu64,
			  f->name, b->offset, b->memsize);
		return;
	}
	if (b->check_bind && !b->legacy && b->mem_id == 0)
		violation("REGISTER \"%s\" returned nr_mem_id 0", f->name);
	mem = mmap(NULL, b->memsize, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	count(K_MMAP, mem == MAP_FAILED ? errno : 0);
	if (mem == MAP_FAILED) {
		if (errno != ENOMEM)
			violation("mmap of nr_memsize %" PRIu64 " after REGISTER \"%s\" failed: %s",
				  b->memsize, f->name, errname(errno));
		return;
	}
	f->mem = mem;
	f->nmaps++;
	if (touch(mem + b->offset)) {
		violation("REGISTER \"%s\": the netmap_if at %" PRIu64 " faults", f->name, b->offset);
		return;
	}
	nifp = (void *)(mem + b->offset);
	ntx = nifp->ni_tx_rings;
	nrx = nifp->ni_rx_rings;
	f->nrx_port = nrx;
	nhtx = nifp->ni_host_tx_rings;
	nhrx = nifp->ni_host_rx_rings;
	if (ntx != b->tx_rings || nrx != b->rx_rings)
		violation("\"%s\": netmap_if has %u tx %u rx rings, the reply said %u %u",
			  f->name, ntx, nrx, b->tx_rings, b->rx_rings);
	if (nhtx == 0 || nhrx == 0 ||
	    (b->have_host && (nhtx != (b->host_tx ? b->host_tx : 1u) ||
			      nhrx != (b->host_rx ? b->host_rx : 1u))))
		violation("\"%s\": netmap_if has %u/%u host rings, the reply said %u/%u (never 0 in the if)",
			  f->name, nhtx, nhrx, b->host_tx, b->host_rx);
	total = ntx + nhtx + nrx + nhrx;
	if (b->offset + sizeof(*nifp) + (uint64_t)total * sizeof(nifp->ring_ofs[0]) > b->memsize) {
		violation("\"%s\": ring_ofs[%u] passes the end of the region", f->name, total);
		return;
	}
	fresh = !b->legacy && b->check_bind && fresh_end(f->name, fi);
	for (k = 0; k < total; k++) {
		bool tx = k < ntx + nhtx;
		uint32_t idx = tx ? k : k - ntx - nhtx;
		bool host = idx >= (tx ? ntx : nrx);
		int64_t ofs = nifp->ring_ofs[k], roff;
		struct netmap_ring *r;
		uint32_t n, j, want;

		if (b->check_bind) {
			bool exp = false;

			if (!host) {
				uint32_t nr = tx ? ntx : nrx, pick;

				pick = b->ringid < nr ? b->ringid : 0;
				exp = !(b->flags & (tx ? NR_RX_RINGS_ONLY : NR_TX_RINGS_ONLY)) &&
				      (b->mode == NR_REG_ALL_NIC || idx == pick);
			}
			if (exp != (ofs != 0))
				violation("\"%s\" mode %u ringid %u flags %#" PRIx64 ": %s ring %u is %s",
					  f->name, b->mode, b->ringid, b->flags, tx ? "tx" : "rx", idx,
					  ofs ? "bound but should not be" : "not bound but should be");
		}
		if (!ofs)
			continue;
		roff = (int64_t)b->offset + ofs;
		if (roff < 0 || (uint64_t)roff + sizeof(struct netmap_ring) > b->memsize) {
			violation("\"%s\": %s ring %u at %" PRId64 " is outside the region (%" PRIu64 ")",
				  f->name, tx ? "tx" : "rx", idx, roff, b->memsize);
			continue;
		}
		r = (void *)(mem + roff);
		n = r->num_slots;
		if (n == 0 || (uint64_t)roff + sizeof(*r) + (uint64_t)n * sizeof(r->slot[0]) > b->memsize) {
			violation("\"%s\": %s ring %u with %u slots does not fit the region",
				  f->name, tx ? "tx" : "rx", idx, n);
			continue;
		}
		want = tx ? b->tx_slots : b->rx_slots;
		if (!host && n != want)
			violation("\"%s\": %s ring %u has %u slots, the reply said %u",
				  f->name, tx ? "tx" : "rx", idx, n, want);
		if (r->dir != (tx ? 0 : 1) || (!host && r->ringid != idx))
			violation("\"%s\": %s ring %u says dir %u ringid %u", f->name,
				  tx ? "tx" : "rx", idx, r->dir, r->ringid);
		if (r->nr_buf_size == 0 || (fresh && (r->head >= n || r->cur >= n || r->tail >= n))) {
			violation("\"%s\": %s ring %u: buf size %u head %u cur %u tail %u of %u",
				  f->name, tx ? "tx" : "rx", idx, r->nr_buf_size, r->head, r->cur, r->tail, n);
			continue;
		}
		if (pool_off < 0)
			pool_off = roff + r->buf_ofs;
		for (j = 0; j < n; j++) {
			uint32_t bi = r->slot[j].buf_idx;

			/*
			 * Only new rings are clean: in rings that existed before
			 * (the other end is bound) any user may have written
			 * anything into the slots.
			 */
			if (fresh) {
				if (!buf_in_region(f, roff + r->buf_ofs, r->nr_buf_size, bi))
					violation("new pipe \"%s\": %s ring %u slot %u: buf_idx %u is "
						  "outside the region", f->name, tx ? "tx" : "rx", idx, j, bi);
				if (bi < 2)
					violation("new pipe \"%s\": %s ring %u slot %u has reserved buffer %u",
						  f->name, tx ? "tx" : "rx", idx, j, bi);
				if (nbufs == capbufs) {
					capbufs = capbufs ? 2 * capbufs : 4096;
					bufs = realloc(bufs, capbufs * sizeof(*bufs));
					if (!bufs)
						abort();
				}
				bufs[nbufs++] = bi;
			}
		}
		if (f->nrings < MAXRINGS)
			f->rings[f->nrings++] = (struct ring_ref){
				.off = (size_t)roff, .n = n, .bufsz = r->nr_buf_size,
				.buf_ofs = r->buf_ofs, .id = (uint16_t)idx, .tx = tx,
			};
	}
	/* The extra buffers: exactly extra_got of them, in the region, distinct. */
	if (pool_off >= 0 && f->nrings) {
		uint32_t bi = nifp->ni_bufs_head, cnt = 0, bsz = f->rings[0].bufsz;

		while (bi && cnt <= b->extra_got) {
			if (!buf_in_region(f, pool_off, bsz, bi)) {
				violation("\"%s\": extra buffer %u (#%u of %u) is outside the region",
					  f->name, bi, cnt, b->extra_got);
				break;
			}
			if (nbufs == capbufs) {
				capbufs = capbufs ? 2 * capbufs : 4096;
				bufs = realloc(bufs, capbufs * sizeof(*bufs));
				if (!bufs)
					abort();
			}
			bufs[nbufs++] = bi;
			cnt++;
			bi = *(uint32_t *)(mem + pool_off + (int64_t)bi * bsz);
		}
		if (bi && cnt > b->extra_got)
			violation("\"%s\": ni_bufs_head list is longer than the %u buffers granted",
				  f->name, b->extra_got);
		else if (cnt != b->extra_got)
			violation("\"%s\": ni_bufs_head list has %u buffers, %u were granted",
				  f->name, cnt, b->extra_got);
	}
	/*
	 * The array holds the extra buffers, and for a new pipe the ring
	 * buffers too: all freshly allocated, so all distinct.
	 */
	if (nbufs > 1) {
		size_t i;

		qsort(bufs, nbufs, sizeof(*bufs), cmp_u32);
		for (i = 1; i < nbufs; i++)
			if (bufs[i] == bufs[i - 1])
				violation("%s \"%s\": buffer %u is handed out twice (rings + extra buffers)",
					  fresh ? "new pipe" : "port", f->name, bufs[i]);
	}
	if (fresh)
		xs.fresh_checked++;
	free(bufs);
	if (!b->name_unsure && !f->not_the_port)
		pools_check(fi);
	if (chance(30))
		port_info_check(fi);
}

/* ------------------------------------------------------------------------
 * Operations.
 */

/* A REGISTER reply, checked and turned into a bound file. */
void register_done(int fi, const struct ctrl *c, const struct nmreq_register *in)
{
	const struct nmreq_register *r = c->body;
	struct bindinfo b;

	memset(&b, 0, sizeof(b));
	memcpy(b.name, c->hdr->nr_name, sizeof(b.name));
	b.name[sizeof(b.name) - 1] = 0;
	if (r->nr_mode != in->nr_mode || r->nr_ringid != in->nr_ringid ||
	    (!(in->nr_flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON)) &&
	     r->nr_flags != in->nr_flags))
		violation("REGISTER \"%s\" changed mode/ringid/flags %u/%u/%#" PRIx64 " into %u/%u/%#" PRIx64,
			  b.name, in->nr_mode, in->nr_ringid, in->nr_flags,
			  r->nr_mode, r->nr_ringid, r->nr_flags);
	if (r->nr_extra_bufs > in->nr_extra_bufs)
		violation("REGISTER \"%s\" granted %u extra buffers, %u were asked",
			  b.name, r->nr_extra_bufs, in->nr_extra_bufs);
	bind_geometry(&b, r);
	b.have_host = true;
	b.mode = in->nr_mode;
	b.ringid = in->nr_ringid;
	b.flags = in->nr_flags;
	b.check_bind = (in->nr_mode == NR_REG_ALL_NIC || in->nr_mode == NR_REG_ONE_NIC) &&
		       !(in->nr_flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON));
	b.special = c->oc.has_extmem || c->oc.has_csb;
	b.null_port = in->nr_mode == NR_REG_NULL;
	b.monitor = (in->nr_flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON)) != 0;
	files[fi].csb = c->oc.has_csb;
	bind_file(fi, &b);
}

/* A REGISTER on an unbound pool fd that has a good chance to succeed. */
void op_register(void)
{
	int slot = (int)rnd(NPOOL), fi, err;
	struct nmreq_register in;
	struct ctrl c;
	char name[NETMAP_REQ_IFNAMSIZ];

	if (pool[slot] >= 0 && files[pool[slot]].bound) {
		if (chance(85))
			pool_close(slot, true);
	}
	fi = pool[slot] >= 0 ? pool[slot] : pool_open(slot);
	if (fi < 0)
		return;
	gen_pipe_name(name, sizeof(name));
	if (chance(15))	/* ephemeral VALE ports, a few bridges and ports */
		snprintf(name, sizeof(name), "vale%u:p%u%s", rnd(2), rnd(4), chance(10) ? "{1" : "");
	if (chance(5))
		gen_name(name);
	ctrl_init(&c, NETMAP_REQ_REGISTER, name, sizeof(in));
	gen_register(&in, true);
	memcpy(c.body, &in, sizeof(in));
	if (chance(10)) {
		c.opt_ptr = gen_options(&c.oc, (uint64_t)(uintptr_t)c.hdr);
		c.hdr->nr_options = c.opt_ptr;
		if (c.oc.aliased)
			c.hdr_checkable = c.opt_ptr != (uint64_t)(uintptr_t)c.hdr;
	}
	trace("REGISTER fd%d \"%.64s\" mode %u ringid %u flags %#" PRIx64 " slots %u/%u rings %u/%u "
	      "mem %u extra %u opts %d", files[fi].fd, name, in.nr_mode, in.nr_ringid, in.nr_flags,
	      in.nr_tx_slots, in.nr_rx_slots, in.nr_tx_rings, in.nr_rx_rings, in.nr_mem_id,
	      in.nr_extra_bufs, c.oc.n);
	err = ctrl_call(files[fi].fd, &c);
	if (err == 0) {
		if (files[fi].bound)
			violation("REGISTER \"%.64s\" succeeded on an fd already bound to \"%s\"",
				  name, files[fi].name);
		register_done(fi, &c, &in);
	}
}

/* NIOCCTRL with a random header. */
void op_ctrl(void)
{
	int fi = pick_file(), err;
	struct ctrl c;
	struct nmreq_register in;
	unsigned int t;
	uint16_t version;
	size_t bl;
	char *hp;

	if (fi < 0)
		return;
	memset(&c, 0, sizeof(c));
	c.hdr = (void *)arena;
	c.hdr_checkable = true;
	memset(c.hdr, 0, sizeof(*c.hdr));
	/* request type */
	if (chance(82)) {
		static const uint8_t w[] = { 1, 1, 1, 1, 1, 1, 2, 2, 2, 12, 12, 12, 5, 3, 4, 6, 7, 8,
					     9, 10, 11, 13, 14, 15 };
		t = w[rnd(sizeof(w))];
	} else if (chance(40)) {
		t = 0;
	} else if (chance(60)) {
		t = 16 + rnd(8);
	} else {
		t = (uint16_t)rnd_u32();
	}
	/* our release watches (nm_watch tests them) would make fds unbindable watchers */
	if (t == NETMAP_REQ_NMD_WATCH_ADD || t == NETMAP_REQ_NMD_WATCH_DEL)
		t = NETMAP_REQ_PORT_INFO_GET;
	/* requests that would block, or create what we cannot undo */
	if (t == NETMAP_REQ_SYNC_KLOOP_START && files[fi].csb)
		t = NETMAP_REQ_SYNC_KLOOP_STOP;
	if ((t == NETMAP_REQ_VALE_NEWIF || t == NETMAP_REQ_VALE_ATTACH ||
	     t == NETMAP_REQ_VALE_POLLING_ENABLE) && !vale_room())
		t = NETMAP_REQ_PORT_INFO_GET;
	c.hdr->nr_reqtype = (uint16_t)t;
	version = chance(88) ? NETMAP_API :
		(uint16_t)(chance(50) ? (const uint16_t[]){ 0, 13, 15, 16, 0xffff }[rnd(5)] : rnd_u32());
	c.hdr->nr_version = version;
	c.reserved_in = chance(92) ? 0 : rnd_u32();
	c.hdr->nr_reserved = c.reserved_in;
	gen_name(c.hdr->nr_name);
	/*
	 * The NICs join switches only in op_nic_race (their own switches): one on
	 * a switch of ours would feed it frames from the wire.
	 */
	if (have_nics && (t == NETMAP_REQ_VALE_ATTACH || t == NETMAP_REQ_VALE_POLLING_ENABLE)) {
		char n[NETMAP_REQ_IFNAMSIZ + 1];

		memcpy(n, c.hdr->nr_name, NETMAP_REQ_IFNAMSIZ);
		n[NETMAP_REQ_IFNAMSIZ] = '\0';
		if (strstr(n, nic_names[0]) || strstr(n, nic_names[1]))
			c.hdr->nr_name[0] = 'x';
	}
	/* body */
	bl = body_size(t);
	c.body = arena + BODY_OFF;
	if (t == NETMAP_REQ_REGISTER) {
		gen_register(&in, chance(30));
		memcpy(c.body, &in, sizeof(in));
	} else if (chance(50)) {
		memset(c.body, 0, 128);
		if (t == NETMAP_REQ_PORT_INFO_GET)
			((struct nmreq_port_info_get *)c.body)->nr_mem_id = (uint16_t)(chance(70) ? rnd(4) : rnd_u32());
		if (t == NETMAP_REQ_VALE_ATTACH)
			((struct nmreq_vale_attach *)c.body)->reg.nr_mode = chance(50) ? NR_REG_ALL_NIC : NR_REG_NIC_SW;
		if (t == NETMAP_REQ_PORT_HDR_SET)
			((struct nmreq_port_hdr *)c.body)->nr_hdr_len = (const uint32_t[]){ 0, 10, 12, 11, 64 }[rnd(5)];
		if (t == NETMAP_REQ_VALE_POLLING_ENABLE || t == NETMAP_REQ_VALE_POLLING_DISABLE)
			((struct nmreq_vale_polling *)c.body)->nr_mode = rnd(4);
		if (t == NETMAP_REQ_SYNC_KLOOP_START)
			((struct nmreq_sync_kloop_start *)c.body)->sleep_us = rnd(1000);
	} else {
		fill_random(c.body, 128);
	}
	if (bl ? chance(88) : chance(12)) {
		c.body_ptr = (uint64_t)(uintptr_t)c.body;
	} else if (bl ? chance(40) : chance(90)) {
		c.body_ptr = 0;
	} else if (chance(15)) {
		c.body_ptr = (uint64_t)(uintptr_t)c.hdr;	/* body aliases the header */
		c.hdr_checkable = false;
	} else {
		c.body_ptr = bad_pointer(bl ? bl : 8);
	}
	c.hdr->nr_body = c.body_ptr;
	c.opt_ptr = gen_options(&c.oc, (uint64_t)(uintptr_t)c.hdr);
	c.hdr->nr_options = c.opt_ptr;
	if (c.oc.aliased && c.opt_ptr == (uint64_t)(uintptr_t)c.hdr)
		c.hdr_checkable = false;
	/* where the header itself lives */
	hp = (char *)c.hdr;
	if (chance(3)) {
		hp = guard - 1 - rnd(sizeof(struct nmreq_header) - 1);	/* straddles */
		memcpy(hp, c.hdr, (size_t)(guard - hp));
		c.hdr_checkable = false;
	} else if (chance(2)) {
		hp = NULL;
		c.hdr_checkable = false;
	} else if (chance(3)) {
		hp = arena + 1 + rnd(7);	/* misaligned copy */
		memmove(hp, c.hdr, sizeof(*c.hdr));
	}
	if (tracing())
		trace("CTRL fd%d v%u type %u res %#x name \"%.64s\" body %#" PRIx64 " opts %#"
		      PRIx64 " (%d)%s hdr %p", files[fi].fd, c.hdr->nr_version, t, c.reserved_in,
		      c.hdr->nr_name, c.body_ptr, c.opt_ptr, c.oc.n,
		      c.hdr_checkable ? "" : " (unchecked header)", (void *)hp);
	if (t == NETMAP_REQ_REGISTER && c.body_ptr == (uint64_t)(uintptr_t)c.body)
		trace("  body: mode %u ringid %u flags %#" PRIx64 " slots %u/%u rings %u/%u host %u/%u "
		      "mem %u extra %u offset %#" PRIx64 " memsize %#" PRIx64, in.nr_mode, in.nr_ringid,
		      in.nr_flags, in.nr_tx_slots, in.nr_rx_slots, in.nr_tx_rings, in.nr_rx_rings,
		      in.nr_host_tx_rings, in.nr_host_rx_rings, in.nr_mem_id, in.nr_extra_bufs,
		      in.nr_offset, in.nr_memsize);
	c.hdr = (void *)hp;
	if (!c.hdr_checkable) {
		int rc = ioctl(files[fi].fd, NIOCCTRL, hp);

		count(t > 15 ? K_CTRL_BIG : (enum kind)(K_CTRL + t), rc ? errno : 0);
		err = rc ? errno : 0;
		trace_ret("  -> %s", errname(err));
		if (err == 0 && t == NETMAP_REQ_CSB_ENABLE)
			files[fi].csb = true;	/* may be in CSB mode: START would loop */
		if (err == 0 && t == NETMAP_REQ_REGISTER && !files[fi].bound) {
			/* we cannot read the reply reliably: bound, layout unknown */
			files[fi].bound = true;
			files[fi].name_known = false;
			files[fi].child_port = true;
			files[fi].csb = true;	/* be careful with it */
			snprintf(files[fi].name, sizeof(files[fi].name), "?");
		}
		return;
	}
	err = ctrl_call(files[fi].fd, &c);
	if (err)
		return;
	switch (t) {
	case NETMAP_REQ_REGISTER:
		if (files[fi].bound)
			violation("REGISTER \"%s\" succeeded on an fd already bound to \"%s\"",
				  c.hdr->nr_name, files[fi].name);
		if (c.body_ptr != (uint64_t)(uintptr_t)c.body || version > NETMAP_MAX_API ||
		    version < NETMAP_MIN_API || c.reserved_in) {
			violation("REGISTER succeeded with version %u nr_reserved %#x body %#" PRIx64,
				  version, c.reserved_in, c.body_ptr);
			return;
		}
		register_done(fi, &c, &in);
		return;	/* the arena now holds other requests */
	case NETMAP_REQ_VALE_NEWIF:
		vale_record(NETMAP_REQ_VALE_DELIF, c.hdr->nr_name);
		break;
	case NETMAP_REQ_VALE_ATTACH:
		vale_record(NETMAP_REQ_VALE_DETACH, c.hdr->nr_name);
		break;
	case NETMAP_REQ_VALE_POLLING_ENABLE:
		vale_record(NETMAP_REQ_VALE_POLLING_DISABLE, c.hdr->nr_name);
		break;
	case NETMAP_REQ_CSB_ENABLE:
		if (c.oc.has_csb)
			files[fi].csb = true;	/* CSB mode: START would loop */
		break;
	case NETMAP_REQ_PORT_INFO_GET:
		if (((struct nmreq_port_info_get *)c.body)->nr_mem_id == 0)
			violation("PORT_INFO_GET \"%s\" succeeded with nr_mem_id 0", c.hdr->nr_name);
		break;
	default:
		break;
	}
	if (t > 15 || t == 0 || c.reserved_in || version < NETMAP_MIN_API ||
	    version > NETMAP_MAX_API || (bl != 0) != (c.body_ptr != 0))
		violation("NIOCCTRL succeeded with reqtype %u version %u nr_reserved %#x body %#" PRIx64,
			  t, version, c.reserved_in, c.body_ptr);
}
