// SPDX-License-Identifier: BSD-2-Clause
/*
 * Host tests of the pipe datapath (kernel/core/pipe_sync.c), driven through
 * nm_kring_sync() exactly as the ioctls and poll() drive it: buffers are
 * swapped, never copied; the sender's tail never passes a slot the receiver
 * has not given back; a bad buf_idx or len stops the sync with -EINVAL and
 * the next correct call works; a full ring; NS_MOREFRAG chains become
 * visible whole; many batches across the wrap-around keep every packet in
 * order and every buffer accounted for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kring.h"

#include "check.h"



#define BUF_SIZE	256

/* One pipe direction: A.tx -> B.rx, both rings in one fake region. */
struct pipe {
	u32 n;
	struct nm_mem mem;
	unsigned char *bufs;		/* nbufs * BUF_SIZE bytes */
	struct netmap_ring *txr, *rxr;
	struct nm_kring tx, rx;
};

static void notify(struct nm_kring *k)
{
	k->os.notified++;
}

static struct netmap_ring *ring_alloc(u32 n, u32 first_buf)
{
	size_t sz = sizeof(struct netmap_ring) + n * sizeof(struct netmap_slot);
	struct netmap_ring *ring;
	u32 i;

	sz = (sz + 127) & ~(size_t)127;
	ring = aligned_alloc(128, sz);
	if (!ring)
		abort();
	memset(ring, 0, sz);
	*(u32 *)&ring->num_slots = n;
	*(u32 *)&ring->nr_buf_size = BUF_SIZE;
	for (i = 0; i < n; i++)
		ring->slot[i].buf_idx = first_buf + i;
	return ring;
}

/* Buffers 2 .. 2n+1 are in the rings, @spare more after them are free. */
static void pipe_init(struct pipe *p, u32 n, u32 spare)
{
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->mem.nbufs = 2 + 2 * n + spare;
	p->mem.buf_size = BUF_SIZE;
	p->bufs = calloc(p->mem.nbufs, BUF_SIZE);
	p->txr = ring_alloc(n, 2);
	p->rxr = ring_alloc(n, 2 + n);
	nm_kring_init(&p->tx, p->txr, &p->mem, n, BUF_SIZE, 0, NM_TX);
	nm_kring_init(&p->rx, p->rxr, &p->mem, n, BUF_SIZE, 0, NM_RX);
	p->tx.nm_sync = nm_pipe_txsync;
	p->rx.nm_sync = nm_pipe_rxsync;
	p->tx.notify = p->rx.notify = notify;
	nm_pipe_connect(&p->tx, &p->rx);
}

static void pipe_fini(struct pipe *p)
{
	free(p->txr);
	free(p->rxr);
	free(p->bufs);
}

static unsigned char *buf(struct pipe *p, u32 idx)
{
	if (idx >= p->mem.nbufs)
		abort();
	return p->bufs + (size_t)idx * BUF_SIZE;
}

static u32 space(const struct netmap_ring *r)
{
	return (r->tail + r->num_slots - r->cur) % r->num_slots;
}

/* Write packets with sequence numbers seq.. into the TX ring; no sync. */
static u32 put(struct pipe *p, u32 count, u32 seq, u16 flags)
{
	struct netmap_ring *r = p->txr;
	u32 i;

	for (i = 0; i < count && space(r) > 0; i++) {
		struct netmap_slot *s = &r->slot[r->cur];

		memcpy(buf(p, s->buf_idx), &seq, sizeof(seq));
		s->len = 60 + seq % 100;
		s->flags = flags;
		seq++;
		r->head = r->cur = (r->cur + 1) % r->num_slots;
	}
	return i;
}

/* Every buffer index appears exactly once across both rings. */
static int buffers_conserved(struct pipe *p, const u32 *extra, u32 nextra)
{
	u32 total = p->mem.nbufs, i;
	unsigned char *seen = calloc(total, 1);
	int ok = 1;

	for (i = 0; i < p->n; i++) {
		u32 a = p->txr->slot[i].buf_idx, b = p->rxr->slot[i].buf_idx;

		if (a >= total || b >= total || seen[a]++ || seen[b]++)
			ok = 0;
	}
	for (i = 0; i < nextra; i++)
		if (extra[i] >= total || seen[extra[i]]++)
			ok = 0;
	free(seen);
	return ok;
}

static void test_one_packet_zero_copy(void)
{
	struct pipe p;
	u32 sent_buf, old_rx_buf, seq;
	int err;

	pipe_init(&p, 8, 0);
	sent_buf = p.txr->slot[0].buf_idx;
	old_rx_buf = p.rxr->slot[0].buf_idx;
	CHECK(put(&p, 1, 42, 0) == 1, "could not queue");
	err = nm_kring_sync(&p.tx);
	CHECK(err == 0, "txsync gave %d", err);
	CHECK(p.rx.os.notified == 1, "receiver not woken");
	CHECK(nm_kring_sync(&p.rx) == 0, "rxsync failed");
	CHECK(p.rxr->tail == 1, "rx tail %u, want 1", p.rxr->tail);
	CHECK(p.rxr->slot[0].buf_idx == sent_buf, "buffer not moved (copied?)");
	CHECK(p.txr->slot[0].buf_idx == old_rx_buf, "sender did not get the released buffer");
	CHECK(p.rxr->slot[0].flags & NS_BUF_CHANGED, "rx slot lacks NS_BUF_CHANGED");
	CHECK(p.txr->slot[0].flags & NS_BUF_CHANGED, "tx slot lacks NS_BUF_CHANGED");
	CHECK(p.rxr->slot[0].len == 60 + 42 % 100, "len not carried");
	memcpy(&seq, buf(&p, p.rxr->slot[0].buf_idx), sizeof(seq));
	CHECK(seq == 42, "payload %u", seq);
	/* The sender's tail has not moved: the receiver holds the slot. */
	CHECK(p.txr->tail == 7, "tx tail %u moved before the receiver released", p.txr->tail);
	CHECK(buffers_conserved(&p, NULL, 0), "buffers lost or duplicated");
	pipe_fini(&p);
}

static void test_full_ring_and_tail(void)
{
	struct pipe p;
	u32 n = 16, i;

	pipe_init(&p, n, 0);
	CHECK(put(&p, 100, 0, 0) == n - 1, "a TX ring holds num_slots - 1");
	CHECK(nm_kring_sync(&p.tx) == 0, "txsync failed");
	CHECK(space(p.txr) == 0, "TX ring should be full");
	/* Trying to queue past tail is refused by the prologue. */
	p.txr->head = p.txr->cur = (p.txr->cur + 1) % n;
	CHECK(nm_kring_sync(&p.tx) == -EINVAL, "head past a full ring accepted");
	CHECK(p.txr->head == n - 1, "head not put back: %u", p.txr->head);

	CHECK(nm_kring_sync(&p.rx) == 0, "rxsync failed");
	CHECK(p.rxr->tail == n - 1, "receiver sees %u, want %u", p.rxr->tail, n - 1);
	/* Nothing consumed yet: the sender's tail stays, whatever it does. */
	for (i = 0; i < 3; i++)
		CHECK(nm_kring_sync(&p.tx) == 0 && space(p.txr) == 0, "tail passed unconsumed slots");
	/* The receiver gives back 5 slots; the sender gets exactly 5. */
	p.rxr->head = p.rxr->cur = 5;
	CHECK(nm_kring_sync(&p.rx) == 0, "rxsync failed");
	CHECK(p.tx.os.notified >= 1, "sender not woken");
	CHECK(nm_kring_sync(&p.tx) == 0, "txsync failed");
	CHECK(space(p.txr) == 5, "sender got %u slots back, want 5", space(p.txr));
	CHECK(buffers_conserved(&p, NULL, 0), "buffers lost or duplicated");
	pipe_fini(&p);
}

static void test_bad_slot_stops_sync(void)
{
	struct pipe p;
	u32 n = 16, good;
	int err;

	pipe_init(&p, n, 1);
	/* Batch of 5; slot 3 holds an index outside the region. */
	put(&p, 5, 0, 0);
	good = p.txr->slot[3].buf_idx;
	p.txr->slot[3].buf_idx = p.mem.nbufs + 7;
	err = nm_kring_sync(&p.tx);
	CHECK(err == -EINVAL, "bad buf_idx gave %d", err);
	CHECK(p.txr->head == 3 && p.txr->cur == 3, "head %u cur %u, want 3 (the bad slot)",
	      p.txr->head, p.txr->cur);
	nm_kring_sync(&p.rx);
	CHECK(p.rxr->tail == 3, "slots before the bad one not delivered: tail %u", p.rxr->tail);
	/* Repair and resend: the next correct call works. */
	p.txr->slot[3].buf_idx = good;
	p.txr->head = p.txr->cur = 5;
	err = nm_kring_sync(&p.tx);
	CHECK(err == 0, "resend after repair gave %d", err);
	nm_kring_sync(&p.rx);
	CHECK(p.rxr->tail == 5, "rx tail %u after repair, want 5", p.rxr->tail);

	/* Reserved buffers 0 and 1 are not real buffers. */
	put(&p, 1, 5, 0);
	good = p.txr->slot[5].buf_idx;
	p.txr->slot[5].buf_idx = 1;
	CHECK(nm_kring_sync(&p.tx) == -EINVAL, "buffer 1 accepted");
	p.txr->slot[5].buf_idx = 0;
	p.txr->head = p.txr->cur = 6;
	CHECK(nm_kring_sync(&p.tx) == -EINVAL, "buffer 0 accepted");
	p.txr->slot[5].buf_idx = good;
	p.txr->head = p.txr->cur = 6;
	CHECK(nm_kring_sync(&p.tx) == 0, "good buffer refused");

	/* A len longer than the buffer. */
	put(&p, 2, 6, 0);
	p.txr->slot[7].len = BUF_SIZE + 1;
	CHECK(nm_kring_sync(&p.tx) == -EINVAL, "len > buffer size accepted");
	nm_kring_sync(&p.rx);
	CHECK(p.rxr->tail == 7, "rx tail %u, want 7", p.rxr->tail);
	p.txr->slot[7].len = BUF_SIZE;
	p.txr->head = p.txr->cur = 8;
	CHECK(nm_kring_sync(&p.tx) == 0, "len == buffer size refused");
	CHECK(p.tx.stat_errs == 4, "errors counted %llu", (unsigned long long)p.tx.stat_errs);
	good = 2 + 2 * n;		/* the spare buffer, never used */
	CHECK(buffers_conserved(&p, &good, 1), "buffers lost or duplicated");
	pipe_fini(&p);
}

/*
 * The receiver gives back a bad buffer index: the rxsync fails, but the
 * slots are taken back anyway (the receiver could not repair them), and the
 * sender is never handed the bad index: slot 2 then shares the packet's
 * buffer between both rings.
 */
static void test_bad_release(void)
{
	struct pipe p;
	u32 n = 8, lost, i;

	pipe_init(&p, n, 0);
	put(&p, 4, 0, 0);
	nm_kring_sync(&p.tx);
	nm_kring_sync(&p.rx);
	lost = p.rxr->slot[2].buf_idx;
	p.rxr->slot[2].buf_idx = 0xdeadbeef;
	p.rxr->head = p.rxr->cur = 4;
	CHECK(nm_kring_sync(&p.rx) == -EINVAL, "bad released buffer accepted");
	CHECK(p.rxr->head == 4 && p.rx.nr_hwcur == 4, "slots not taken back: head %u hwcur %u",
	      p.rxr->head, p.rx.nr_hwcur);
	CHECK(p.rxr->slot[2].buf_idx == 0, "bad index left in the slot");
	CHECK(p.rx.stat_errs == 1, "error not counted");
	nm_kring_sync(&p.tx);
	CHECK(space(p.txr) == 7, "sender got %u slots, want 7", space(p.txr));
	/* Around the ring until slot 2 is sent again. */
	for (i = 0; i < 2 * n && p.txr->cur != 3; i++) {
		put(&p, 1, 100 + i, 0);
		nm_kring_sync(&p.tx);
		nm_kring_sync(&p.rx);
		p.rxr->head = p.rxr->cur = p.rxr->tail;
		CHECK(nm_kring_sync(&p.rx) == 0, "release of good slots failed");
		nm_kring_sync(&p.tx);
	}
	CHECK(p.txr->cur == 3, "slot 2 not sent again");
	CHECK(p.txr->slot[2].buf_idx == p.rxr->slot[2].buf_idx &&
	      p.txr->slot[2].buf_idx >= 2 && p.txr->slot[2].buf_idx < p.mem.nbufs,
	      "slot 2 does not share a valid buffer: tx %u rx %u", p.txr->slot[2].buf_idx,
	      p.rxr->slot[2].buf_idx);
	for (i = 0; i < n; i++)
		CHECK(p.txr->slot[i].buf_idx != lost && p.rxr->slot[i].buf_idx != lost &&
		      p.txr->slot[i].buf_idx >= 2 && p.txr->slot[i].buf_idx < p.mem.nbufs,
		      "slot %u: tx buffer %u (lost %u)", i, p.txr->slot[i].buf_idx, lost);
	/* The ring goes on working: a full round of traffic. */
	CHECK(put(&p, n, 200, 0) > 0 && nm_kring_sync(&p.tx) == 0, "pipe stuck after a bad release");
	pipe_fini(&p);
}

/* The receiver swaps in a spare buffer (zero-copy forwarding): accepted. */
static void test_release_swapped_buffer(void)
{
	struct pipe p;
	u32 n = 8, spare = 2 + 2 * n, kept, i;

	pipe_init(&p, n, 1);
	put(&p, 1, 0, 0);
	nm_kring_sync(&p.tx);
	nm_kring_sync(&p.rx);
	kept = p.rxr->slot[0].buf_idx;
	p.rxr->slot[0].buf_idx = spare;
	p.rxr->slot[0].flags |= NS_BUF_CHANGED;
	p.rxr->head = p.rxr->cur = 1;
	CHECK(nm_kring_sync(&p.rx) == 0, "release of a swapped buffer failed");
	/* Go once around the ring: slot 0 is sent again and gets it back. */
	for (i = 0; p.txr->cur != 0 && i < 4 * n; i++) {
		nm_kring_sync(&p.tx);
		put(&p, 1, 1, 0);
		nm_kring_sync(&p.tx);
		nm_kring_sync(&p.rx);
		p.rxr->head = p.rxr->cur = p.rxr->tail;
		nm_kring_sync(&p.rx);
	}
	nm_kring_sync(&p.tx);
	CHECK(put(&p, 1, 8, 0) == 1, "cannot send slot 0 again");
	CHECK(nm_kring_sync(&p.tx) == 0, "txsync failed");
	CHECK(p.txr->slot[0].buf_idx == spare, "sender did not get the swapped-in buffer");
	CHECK(buffers_conserved(&p, &kept, 1), "buffers lost or duplicated");
	pipe_fini(&p);
}

/* Slots of a NS_MOREFRAG chain become visible only with the last one. */
static void test_morefrag(void)
{
	struct pipe p;

	pipe_init(&p, 16, 0);
	put(&p, 3, 0, NS_MOREFRAG);
	CHECK(nm_kring_sync(&p.tx) == 0, "txsync failed");
	nm_kring_sync(&p.rx);
	CHECK(p.rxr->tail == 0, "half a packet visible: tail %u", p.rxr->tail);
	CHECK(p.rx.os.notified == 0, "woken for half a packet");
	put(&p, 1, 3, 0);
	put(&p, 2, 4, NS_MOREFRAG);
	CHECK(nm_kring_sync(&p.tx) == 0, "txsync failed");
	nm_kring_sync(&p.rx);
	CHECK(p.rxr->tail == 4, "rx tail %u, want 4 (end of the packet)", p.rxr->tail);
	CHECK((p.rxr->slot[0].flags & NS_MOREFRAG) && !(p.rxr->slot[3].flags & NS_MOREFRAG),
	      "NS_MOREFRAG not carried");
	put(&p, 1, 6, 0);
	nm_kring_sync(&p.tx);
	nm_kring_sync(&p.rx);
	CHECK(p.rxr->tail == 7, "rx tail %u, want 7", p.rxr->tail);
	pipe_fini(&p);
}

/*
 * Many batches of random sizes on an odd-sized ring, both sides moving
 * their own way: every packet arrives once, in order, with its length, and
 * the buffers stay a permutation of the original ones.
 */
static void test_many_batches(void)
{
	struct pipe p;
	u32 n = 37, seq_tx = 0, seq_rx = 0, total = 200000;
	unsigned int rnd = 12345;
	long bad = 0, rounds = 0;

	pipe_init(&p, n, 0);
	/* Stop early once broken: a wrong datapath must fail, not spin. */
	while (seq_rx < total && rounds < 10 * (long)total && bad < 100) {
		rounds++;
		rnd = rnd * 1103515245 + 12345;
		if (seq_tx < total) {
			u32 want = (rnd >> 16) % 20;

			if (want > total - seq_tx)
				want = total - seq_tx;
			seq_tx += put(&p, want, seq_tx, 0);
		}
		if (nm_kring_sync(&p.tx) != 0)
			bad++;
		if (nm_kring_sync(&p.rx) != 0)
			bad++;
		rnd = rnd * 1103515245 + 12345;
		{
			u32 can = (p.rxr->tail + n - p.rxr->head) % n;
			u32 take = (rnd >> 16) % 25, i;

			if (take > can)
				take = can;
			for (i = 0; i < take; i++) {
				struct netmap_slot *s = &p.rxr->slot[p.rxr->head];
				u32 seq;

				memcpy(&seq, buf(&p, s->buf_idx), sizeof(seq));
				if (seq != seq_rx || s->len != 60 + seq % 100)
					bad++;
				seq_rx++;
				p.rxr->head = p.rxr->cur = (p.rxr->head + 1) % n;
			}
		}
		/* The sender's in-flight slots never exceed what the RX ring holds. */
		if (space(p.txr) + (p.rxr->tail + n - p.rxr->head) % n > n - 1)
			bad++;
	}
	CHECK(seq_rx == total, "received %u of %u", seq_rx, total);
	CHECK(bad == 0, "%ld errors over %ld rounds", bad, rounds);
	CHECK(buffers_conserved(&p, NULL, 0), "buffers lost or duplicated");
	CHECK(p.tx.stat_pkts == total, "tx counted %llu", (unsigned long long)p.tx.stat_pkts);
	pipe_fini(&p);
}

int main(void)
{
	test_one_packet_zero_copy();
	test_full_ring_and_tail();
	test_bad_slot_stops_sync();
	test_bad_release();
	test_release_swapped_buffer();
	test_morefrag();
	test_many_batches();
	return check_summary();
}
