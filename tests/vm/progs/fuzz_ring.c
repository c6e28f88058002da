// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_ring - the shared rings: head/cur/tail and slots written before
 * syncs, polls and closes, and exact transfers between pipe ends and
 * between ports of a VALE bridge.
 */
#include "nm_fuzz.h"

/* ------------------------------------------------------------------------
 * Rings.
 */
struct netmap_ring *ring_of(const struct nmfile *f, const struct ring_ref *rr)
{
	return (struct netmap_ring *)(void *)(f->mem + rr->off);
}

/* The base of the buffer pool as seen from this ring's mapping. */
int64_t pool_of(const struct ring_ref *rr)
{
	return (int64_t)rr->off + rr->buf_ofs;
}

bool idx_ok(const struct nmfile *f, const struct ring_ref *rr, uint32_t bi)
{
	return buf_in_region(f, pool_of(rr), rr->bufsz, bi);
}

/* A buffer a sync may accept: in the region and not one of the reserved 0, 1. */
bool idx_usable(const struct nmfile *f, const struct ring_ref *rr, uint32_t bi)
{
	return bi >= 2 && idx_ok(f, rr, bi);
}

uint32_t pick_index(uint32_t n, uint32_t near)
{
	switch (rnd(10)) {
	case 0 ... 3:
		return (near + rnd(n)) % n;
	case 4 ... 5:
		return (near + n - 1 - rnd(3)) % n;
	case 6:
		return n + rnd(3);
	case 7:
		return ~0u - rnd(2);
	case 8:
		return near;
	default:
		return rnd_u32();
	}
}

uint32_t pick_buf(const struct nmfile *f, const struct ring_ref *rr)
{
	uint32_t total = f->buf_total ? f->buf_total :
		(uint32_t)((f->memsize - (uint64_t)pool_of(rr)) / rr->bufsz);

	switch (rnd(10)) {
	case 0 ... 3:
		return 2 + rnd(total > 2 ? total - 2 : 1);
	case 4:
		return rnd(2);
	case 5:
		return total - rnd(2);
	case 6:
		return total + rnd(100);
	case 7:
		return ~0u - rnd(2);
	default:
		return rnd_u32();
	}
}

/* Dist from a to b going forward on a ring of n. */
uint32_t ring_dist(uint32_t a, uint32_t b, uint32_t n)
{
	return (b + n - a) % n;
}

/* netmap(4)'s rule: rhead <= head <= cur <= rtail, modulo n. */
bool ring_valid(uint32_t h0, uint32_t t0, uint32_t head, uint32_t cur, uint32_t n)
{
	if (head >= n || cur >= n)
		return false;
	if (ring_dist(h0, head, n) > ring_dist(h0, t0, n))
		return false;
	return ring_dist(head, cur, n) <= ring_dist(head, t0, n);
}

/*
 * Sync twice if needed so that the ring and the kernel agree; returns
 * false if they do not (then nothing exact can be said about this ring).
 */
bool settle(int fi, const struct ring_ref *rr)
{
	struct nmfile *f = &files[fi];
	struct netmap_ring *r = ring_of(f, rr);

	if (do_sync(fi, rr->tx) && do_sync(fi, rr->tx))
		return false;
	if (r->head >= rr->n || r->cur >= rr->n || r->tail >= rr->n)
		violation("\"%s\" %s ring %u: after a successful sync head %u cur %u tail %u of %u",
			  f->name, rr->tx ? "tx" : "rx", rr->id, r->head, r->cur, r->tail, rr->n);
	return true;
}

/*
 * The exact check: from a settled ring, write head/cur (and maybe a bad slot),
 * sync, and compare with what netmap(4) says must happen.
 */
void op_precise(int fi, const struct ring_ref *rr)
{
	struct nmfile *f = &files[fi];
	struct netmap_ring *r = ring_of(f, rr);
	uint32_t n = rr->n, h0, t0, head, cur, j, bad_slot = 0, k;
	struct netmap_slot saved;
	bool valid, slots_ok = true, bad = false;
	int err;

	if (f->child_port || f->csb || !settle(fi, rr))
		return;
	xs.precise++;
	h0 = r->head;
	t0 = r->tail;
	switch (rnd(3)) {
	case 0:		/* invalid */
		do {
			head = chance(50) ? pick_index(n, h0) : h0;
			cur = chance(50) ? pick_index(n, head) : head;
		} while (ring_valid(h0, t0, head, cur, n) && chance(90));
		break;
	default:	/* valid, maybe with a bad slot */
		head = (h0 + rnd(ring_dist(h0, t0, n) + 1)) % n;
		cur = (head + rnd(ring_dist(head, t0, n) + 1)) % n;
		break;
	}
	valid = ring_valid(h0, t0, head, cur, n);
	if (valid) {
		/*
		 * The slots given to the kernel, [h0, head), must be usable for
		 * a "must accept": TX sends them, RX hands them back to the
		 * sender, and both check every buffer index (and TX lengths).
		 */
		for (j = h0; j != head; j = (j + 1) % n) {
			struct netmap_slot *s = &r->slot[j];

			if (!idx_usable(f, rr, s->buf_idx)) {
				slots_ok = false;
				break;
			}
			if (rr->tx) {
				s->len = (uint16_t)(s->len <= rr->bufsz ? s->len : 60);
				s->flags = 0;
			}
		}
		/* a null port drops what it is given without looking: pipes only */
		if (slots_ok && head != h0 && !f->not_the_port && chance(40)) {
			k = rnd(ring_dist(h0, head, n));
			bad_slot = (h0 + k) % n;
			saved = r->slot[bad_slot];
			if (!rr->tx || chance(50))
				r->slot[bad_slot].buf_idx = pick_buf(f, rr);
			else
				r->slot[bad_slot].len = (uint16_t)(rr->bufsz + 1 + rnd(65535 - rr->bufsz));
			r->slot[bad_slot].flags = NS_BUF_CHANGED;
			/* outside the region: must be refused (0 and 1: not asserted) */
			bad = !idx_ok(f, rr, r->slot[bad_slot].buf_idx) ||
			      (rr->tx && r->slot[bad_slot].len > rr->bufsz);
			if (!bad) {
				r->slot[bad_slot] = saved;
				if (rr->tx)
					r->slot[bad_slot].flags = 0;
			}
		}
	}
	trace("precise \"%s\" %s%u: h0 %u t0 %u n %u -> head %u cur %u (%s%s)", f->name,
	      rr->tx ? "tx" : "rx", rr->id, h0, t0, n, head, cur, valid ? "valid" : "invalid",
	      bad ? ", bad slot" : "");
	r->head = head;
	r->cur = cur;
	if (chance(20))
		*(volatile uint32_t *)&r->tail = pick_index(n, t0);
	err = do_sync(fi, rr->tx);
	if (!valid) {
		if (!err)
			violation("\"%s\" %s ring %u: sync accepted head %u cur %u with rhead %u rtail %u "
				  "(%u slots)", f->name, rr->tx ? "tx" : "rx", rr->id, head, cur, h0, t0, n);
		if (r->head != h0 || r->cur >= n || r->tail >= n)
			violation("\"%s\" %s ring %u: after rejecting head %u cur %u the ring reads "
				  "head %u cur %u tail %u (want head %u)", f->name,
				  rr->tx ? "tx" : "rx", rr->id, head, cur, r->head, r->cur, r->tail, h0);
		xs.precise_bad_rejected++;
		return;
	}
	if (bad) {
		uint32_t low = r->head, tail = r->tail;

		if (!err)
			violation("\"%s\" %s ring %u: sync accepted slot %u with buf_idx %u len %u "
				  "(buf size %u)", f->name, rr->tx ? "tx" : "rx", rr->id, bad_slot,
				  r->slot[bad_slot].buf_idx, r->slot[bad_slot].len, rr->bufsz);
		xs.precise_slot_rejected++;
		/*
		 * Repair the slot and ask again for what we wanted: the next
		 * correct call must work.  The kernel may have moved head back
		 * (to the bad slot, or to where it was): that is our new low.
		 */
		r->slot[bad_slot] = saved;
		if (rr->tx) {
			r->slot[bad_slot].len = 60;
			r->slot[bad_slot].flags = 0;
		}
		if (low >= n || tail >= n || !ring_valid(low, tail, head, cur, n)) {
			violation("\"%s\" %s ring %u: after refusing bad slot %u the ring reads head %u "
				  "tail %u (asked head %u cur %u, rhead %u rtail %u)", f->name,
				  rr->tx ? "tx" : "rx", rr->id, bad_slot, low, tail, head, cur, h0, t0);
			return;
		}
		r->head = head;
		r->cur = cur;
		err = do_sync(fi, rr->tx);
		if (err)
			violation("\"%s\" %s ring %u: the ring did not recover after bad slot %u was "
				  "repaired (head %u cur %u from %u): %s", f->name, rr->tx ? "tx" : "rx",
				  rr->id, bad_slot, head, cur, low, errname(err));
		xs.recoveries++;
		return;
	}
	if (!slots_ok)
		return;
	if (err)
		violation("\"%s\" %s ring %u: sync refused a valid head %u cur %u (rhead %u rtail %u "
			  "of %u): %s", f->name, rr->tx ? "tx" : "rx", rr->id, head, cur, h0, t0, n,
			  errname(err));
	if (r->head != head || r->tail >= n)
		violation("\"%s\" %s ring %u: after a good sync head %u (wrote %u) tail %u of %u",
			  f->name, rr->tx ? "tx" : "rx", rr->id, r->head, head, r->tail, n);
	xs.precise_good_accepted++;
}

/* Random writes into a bound port's shared memory, then a sync/poll/close. */
void op_scribble(int fi, int ri)
{
	struct nmfile *f = &files[fi];
	const struct ring_ref *rr = &f->rings[ri];
	struct netmap_ring *r = ring_of(f, rr);
	struct netmap_if *nifp = (void *)(f->mem + f->nifp_off);
	unsigned char ro_ring[128], ro_if[56];
	uint32_t n = rr->n, i, wrote_head = 0, wrote_cur = 0;
	bool ro = chance(8), ro_nifp = chance(4), head_bad = false;
	int err = -1, act, slot;

	xs.scribbles++;
	if (ro) {
		memcpy(ro_ring, (void *)r, sizeof(ro_ring));
		fill_random((char *)r, 20);	/* buf_ofs num_slots nr_buf_size ringid dir */
		if (chance(50))
			fill_random((char *)r + 56, 16);	/* offset_mask buf_align */
	}
	if (ro_nifp) {
		memcpy(ro_if, nifp, sizeof(ro_if));
		fill_random(nifp, 32);
	}
	if (chance(40)) {
		wrote_head = chance(60) ? (r->head + rnd(n)) % n : pick_index(n, r->head);
		r->head = wrote_head;
		head_bad |= wrote_head >= n;
	}
	if (chance(40)) {
		wrote_cur = chance(60) ? (r->head % n + rnd(n)) % n : pick_index(n, r->cur % n);
		r->cur = wrote_cur;
		head_bad |= wrote_cur >= n;
	}
	if (chance(15))
		*(volatile uint32_t *)&r->tail = pick_index(n, r->tail % n);
	if (chance(45)) {
		for (i = rnd(8) + 1; i; i--) {
			struct netmap_slot *s;

			slot = chance(60) ? (int)((r->head % n + rnd(16)) % n) : (int)rnd(n);
			s = &r->slot[slot];
			if (chance(60))
				s->buf_idx = pick_buf(f, rr);
			if (chance(60))
				s->len = (uint16_t)(chance(50) ? 60 : chance(50) ? rr->bufsz + rnd(2) : rnd_u32());
			if (chance(60))
				s->flags = (uint16_t)(chance(50) ? (const uint16_t[]){ 0, NS_BUF_CHANGED,
					NS_REPORT, NS_MOREFRAG, NS_INDIRECT, NS_FORWARD,
					NS_BUF_CHANGED | NS_MOREFRAG }[rnd(7)] : rnd_u32());
			if (chance(20))
				s->ptr = rnd_u64();
		}
	}
	if (chance(10))
		r->flags = chance(50) ? (const uint32_t[]){ 0, NR_TIMESTAMP, NR_FORWARD,
			NR_TIMESTAMP | NR_FORWARD }[rnd(4)] : rnd_u32();
	if (chance(8))
		nifp->ni_bufs_head = pick_buf(f, rr);
	act = (int)rnd(100);
	trace("scribble \"%s\" %s%u (n %u) head %u cur %u tail %u%s%s, act %d", f->name,
	      rr->tx ? "tx" : "rx", rr->id, n, r->head, r->cur, r->tail, ro ? " +ro" : "",
	      ro_nifp ? " +nifp" : "", act);
	if (act < 30) {
		err = do_sync(fi, true);
	} else if (act < 62) {
		err = do_sync(fi, false);
	} else if (act < 80) {
		struct pollfd p = { .fd = f->fd, .events = rnd_events() };
		int rc = poll(&p, 1, 0);

		count(K_POLL, rc < 0 ? errno : 0);
		trace_ret("poll fd%d -> %d revents %#x", f->fd, rc, p.revents);
	} else if (act < 86) {
		struct epoll_event e = { .events = EPOLLIN | EPOLLOUT };
		struct epoll_event out[4];
		int rc = epoll_ctl(epfd, EPOLL_CTL_ADD, f->fd, &e);

		count(K_EPOLL, rc ? errno : 0);
		rc = epoll_wait(epfd, out, 4, 0);
		count(K_EPOLL, rc < 0 ? errno : 0);
	} else if (act < 93) {
		/* leave it for someone else to find */
	} else {
		int slot_i;

		if (ro)
			memcpy((void *)r, ro_ring, sizeof(ro_ring));
		if (ro_nifp)
			memcpy(nifp, ro_if, sizeof(ro_if));
		for (slot_i = 0; slot_i < NPOOL; slot_i++)
			if (pool[slot_i] == fi)
				pool_close(slot_i, true);
		return;
	}
	if (ro) {
		memcpy((void *)r, ro_ring, 20);
		memcpy((char *)r + 56, ro_ring + 56, 16);
	}
	if (ro_nifp)
		memcpy(nifp, ro_if, sizeof(ro_if));
	if (act < 62 && (act < 30) == rr->tx && !f->csb) {
		if (head_bad && err == 0)
			violation("\"%s\" %s ring %u: sync accepted head %u cur %u (%u slots)",
				  f->name, rr->tx ? "tx" : "rx", rr->id, wrote_head, wrote_cur, n);
		if (err == 0 && (r->tail >= n || r->head >= n || r->cur >= n))
			violation("\"%s\" %s ring %u: after a successful sync head %u cur %u tail %u of %u",
				  f->name, rr->tx ? "tx" : "rx", rr->id, r->head, r->cur, r->tail, n);
	}
}

/*
 * Send a few packets from one pipe end and receive them on the other: the
 * receiver must see exactly our lengths and bytes (buffers are swapped, not
 * copied, so the data moves with them).
 */
void op_pair(int fi, const struct ring_ref *rr)
{
	struct nmfile *f = &files[fi], *g = NULL;
	struct netmap_ring *tx = ring_of(f, rr), *rx = NULL;
	const struct ring_ref *gr = NULL;
	char peer[NETMAP_REQ_IFNAMSIZ];
	uint32_t k, i, j, h0, t1, space, seqbase = (uint32_t)rnd64();
	uint32_t bis[64];
	uint16_t lens[64];
	int gi = -1, m, err;

	if (!rr->tx || f->child_port || f->csb || f->not_the_port || !pipe_peer(f->name, peer))
		return;
	for (i = 0; i < NPOOL && gi < 0; i++) {
		int o = pool[i];

		if (o < 0 || !files[o].bound || !files[o].mem || files[o].csb ||
		    files[o].not_the_port || strcmp(files[o].name, peer))
			continue;
		for (m = 0; m < files[o].nrings; m++) {
			if (!files[o].rings[m].tx && files[o].rings[m].id == rr->id) {
				gi = o;
				gr = &files[o].rings[m];
				break;
			}
		}
	}
	if (gi < 0)
		return;
	g = &files[gi];
	rx = ring_of(g, gr);
	if (!settle(fi, rr) || !settle(gi, gr))
		return;
	/* the receiver catches up first */
	rx->head = rx->cur = rx->tail;
	if (do_sync(gi, false))
		return;
	if (rx->head != rx->tail && !settle(gi, gr))
		return;
	h0 = tx->head;
	space = ring_dist(tx->cur, tx->tail, rr->n);
	k = 1 + rnd(64);
	if (k > space)
		k = space;
	if (!k)
		return;
	for (i = 0, j = h0; i < k; i++, j = (j + 1) % rr->n) {
		struct netmap_slot *s = &tx->slot[j];
		uint32_t *p, w;

		if (!idx_usable(f, rr, s->buf_idx) || rr->bufsz < 64)
			return;	/* garbage from earlier scribbles: not for this check */
		for (w = 0; w < i; w++)
			if (bis[w] == s->buf_idx)
				return;
		bis[i] = s->buf_idx;
		lens[i] = (uint16_t)(16 + rnd(rr->bufsz - 16 < 1500 ? rr->bufsz - 16 : 1500));
		p = (uint32_t *)(f->mem + pool_of(rr) + (int64_t)s->buf_idx * rr->bufsz);
		p[0] = 0x6e6d667a;	/* "nmfz" */
		p[1] = seqbase + i;
		p[2] = lens[i];
		p[3] = ~(seqbase + i);
		s->len = lens[i];
		s->flags = 0;
	}
	tx->head = tx->cur = (h0 + k) % rr->n;
	trace("pair \"%s\" -> \"%s\": %u packets from slot %u", f->name, g->name, k, h0);
	err = do_sync(fi, true);
	if (err)
		violation("\"%s\" tx ring %u: sending %u good packets after a successful sync failed: %s",
			  f->name, rr->id, k, errname(err));
	err = do_sync(gi, false);
	if (err)
		violation("\"%s\" rx ring %u: rxsync failed after the peer sent: %s",
			  g->name, gr->id, errname(err));
	t1 = rx->tail;
	if (t1 >= gr->n || ring_dist(rx->head, t1, gr->n) < k) {
		violation("pipe \"%s\" -> \"%s\": %u packets sent, the receiver sees %u (head %u tail %u)",
			  f->name, g->name, k, t1 < gr->n ? ring_dist(rx->head, t1, gr->n) : 0,
			  rx->head, t1);
		return;
	}
	for (i = 0, j = (t1 + gr->n - k) % gr->n; i < k; i++, j = (j + 1) % gr->n) {
		struct netmap_slot *s = &rx->slot[j];
		const uint32_t *p;

		if (!idx_ok(g, gr, s->buf_idx)) {
			violation("pipe \"%s\": rx slot %u has buf_idx %u outside the region",
				  g->name, j, s->buf_idx);
			return;
		}
		p = (const uint32_t *)(g->mem + pool_of(gr) + (int64_t)s->buf_idx * gr->bufsz);
		if (s->len != lens[i] || p[0] != 0x6e6d667a || p[1] != seqbase + i ||
		    p[2] != lens[i] || p[3] != ~(seqbase + i))
			violation("pipe \"%s\" -> \"%s\": packet %u of %u arrived as len %u "
				  "[%08x %08x %08x %08x], sent len %u seq %u in buffer %u (got buffer %u)",
				  f->name, g->name, i, k, s->len, p[0], p[1], p[2], p[3], lens[i],
				  seqbase + i, bis[i], s->buf_idx);
	}
	rx->head = rx->cur = t1;
	do_sync(gi, false);
	xs.pair_transfers++;
	xs.pair_packets += k;
}

/* "valeB:" of a plain VALE port name, or false. */
bool vale_bridge(const char *name, char *br, size_t sz)
{
	const char *colon = strchr(name, ':');

	if (strncmp(name, "vale", 4) || !colon || pipe_sep(name) || (size_t)(colon - name) + 2 > sz)
		return false;
	memcpy(br, name, (size_t)(colon - name) + 1);
	br[colon - name + 1] = 0;
	return true;
}

void vale_frame(unsigned char *b, uint16_t len, uint32_t seq, uint8_t src)
{
	uint32_t w[3] = { VALE_MAGIC, seq, len };
	uint16_t i;

	memset(b, 0xff, 6);			/* broadcast: every other port */
	memcpy(b + 6, (const unsigned char[]){ 0x02, 0, 0, 0, 0, src }, 6);
	b[12] = 0x88;
	b[13] = 0xb5;
	memcpy(b + 14, w, sizeof(w));
	for (i = 26; i < len; i++)
		b[i] = (unsigned char)(seq * 7 + i);
}

/*
 * Broadcast frames from one VALE port to another on the same bridge: VALE
 * copies them, so what arrives must be byte for byte what was sent; with a
 * single RX ring with room, every frame must arrive.
 */
void op_vale(int fi, const struct ring_ref *rr)
{
	struct nmfile *f = &files[fi], *g;
	struct netmap_ring *tx = ring_of(f, rr), *rx;
	const struct ring_ref *gr = NULL;
	char br[NETMAP_REQ_IFNAMSIZ], gbr[NETMAP_REQ_IFNAMSIZ];
	uint32_t k, i, j, h0, start, found = 0, seqbase = (uint32_t)rnd64(), bis[32];
	uint16_t lens[32];
	uint8_t src = (uint8_t)rnd(256);
	int gi = -1, m, err;

	if (!rr->tx || f->csb || f->not_the_port || !vale_bridge(f->name, br, sizeof(br)))
		return;
	for (i = 0; i < NPOOL && gi < 0; i++) {
		int o = pool[i];

		if (o < 0 || o == fi || !files[o].bound || !files[o].mem || files[o].csb ||
		    files[o].not_the_port || !strcmp(files[o].name, f->name) ||
		    !vale_bridge(files[o].name, gbr, sizeof(gbr)) || strcmp(br, gbr))
			continue;
		for (m = 0; m < files[o].nrings; m++) {
			if (!files[o].rings[m].tx) {
				gi = o;
				gr = &files[o].rings[m];
				break;
			}
		}
	}
	if (gi < 0)
		return;
	g = &files[gi];
	rx = ring_of(g, gr);
	if (!settle(fi, rr) || !settle(gi, gr))
		return;
	rx->head = rx->cur = rx->tail;
	if (do_sync(gi, false) || rx->tail >= gr->n)
		return;
	start = rx->head;
	/*
	 * VALE copies into the buffer already in each receiver slot.  Users
	 * may have written anything into the slots the kernel owns: check
	 * here only if every slot of the receiver holds its own good buffer.
	 */
	{
		uint32_t *ids = malloc(gr->n * sizeof(*ids));
		bool clean = ids != NULL;

		for (j = 0; clean && j < gr->n; j++) {
			ids[j] = rx->slot[j].buf_idx;
			clean = idx_usable(g, gr, ids[j]);
		}
		if (clean) {
			qsort(ids, gr->n, sizeof(*ids), cmp_u32);
			for (j = 1; clean && j < gr->n; j++)
				clean = ids[j] != ids[j - 1];
		}
		free(ids);
		if (!clean)
			return;
	}
	h0 = tx->head;
	k = 1 + rnd(32);
	if (k > ring_dist(tx->cur, tx->tail, rr->n))
		k = ring_dist(tx->cur, tx->tail, rr->n);
	if (k > gr->n - 1 - ring_dist(start, rx->tail, gr->n))
		k = gr->n - 1 - ring_dist(start, rx->tail, gr->n);
	if (!k || rr->bufsz < 64)
		return;
	for (i = 0, j = h0; i < k; i++, j = (j + 1) % rr->n) {
		struct netmap_slot *s = &tx->slot[j];
		uint32_t maxlen = rr->bufsz < 1514 ? rr->bufsz : 1514;

		if (!idx_usable(f, rr, s->buf_idx))
			return;
		for (m = 0; m < (int)i; m++)
			if (bis[m] == s->buf_idx)
				return;	/* one buffer in two slots: frames would overwrite */
		bis[i] = s->buf_idx;
		lens[i] = (uint16_t)(60 + rnd(maxlen - 60 + 1));
		vale_frame((unsigned char *)f->mem + pool_of(rr) + (int64_t)s->buf_idx * rr->bufsz,
			   lens[i], seqbase + i, src);
		s->len = lens[i];
		s->flags = 0;
	}
	tx->head = tx->cur = (h0 + k) % rr->n;
	trace("vale \"%s\" -> \"%s\": %u frames from slot %u", f->name, g->name, k, h0);
	err = do_sync(fi, true);
	if (err) {
		violation("\"%s\" tx ring %u: sending %u good frames after a successful sync failed: %s",
			  f->name, rr->id, k, errname(err));
		return;
	}
	err = do_sync(gi, false);
	if (err || rx->tail >= gr->n) {
		violation("\"%s\" rx ring %u: rxsync failed or tail %u after a peer sent: %s",
			  g->name, gr->id, rx->tail, errname(err));
		return;
	}
	for (j = start; j != rx->tail; j = (j + 1) % gr->n) {
		struct netmap_slot *s = &rx->slot[j];
		const unsigned char *b;
		unsigned char want[2048];
		uint32_t w[3];

		if (!idx_ok(g, gr, s->buf_idx)) {
			violation("VALE \"%s\": rx slot %u has buf_idx %u outside the region",
				  g->name, j, s->buf_idx);
			return;
		}
		if (s->len < 26 || s->len > gr->bufsz)
			continue;
		b = (const unsigned char *)g->mem + pool_of(gr) + (int64_t)s->buf_idx * gr->bufsz;
		memcpy(w, b + 14, sizeof(w));
		if (w[0] != VALE_MAGIC || w[1] - seqbase >= k)
			continue;
		i = w[1] - seqbase;
		vale_frame(want, lens[i], seqbase + i, src);
		if (s->len != lens[i] || memcmp(b, want, lens[i]))
			violation("VALE \"%s\" -> \"%s\": frame %u of %u arrived as len %u, sent len %u "
				  "(buffer %u)", f->name, g->name, i, k, s->len, lens[i], bis[i]);
		found++;
	}
	if (g->nrx_port == 1 && found != k)
		violation("VALE \"%s\" -> \"%s\": %u of %u broadcast frames arrived (receiver had "
			  "room)", f->name, g->name, found, k);
	rx->head = rx->cur = rx->tail;
	do_sync(gi, false);
	xs.vale_transfers++;
	xs.vale_frames += found;
}

void op_ring(void)
{
	int fi = pick_bound_mapped(), ri;
	uint32_t how = rnd(100);

	if (fi < 0) {
		op_register();
		return;
	}
	ri = (int)rnd((uint32_t)files[fi].nrings);
	if (how < 35)
		op_precise(fi, &files[fi].rings[ri]);
	else if (how < 80)
		op_scribble(fi, ri);
	else if (how < 90)
		op_pair(fi, &files[fi].rings[ri]);
	else
		op_vale(fi, &files[fi].rings[ri]);
}
