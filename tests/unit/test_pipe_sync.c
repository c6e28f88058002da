// SPDX-License-Identifier: BSD-2-Clause
/*
 * Host tests of the pipe datapath (kernel/core/pipe_sync.c), driven through
 * nm_kring_sync() exactly as the ioctls and poll() drive it: the receiver
 * reads the sender's buffer in place and the sender's slots keep their
 * buffers, with NS_BUF_CHANGED never set on a plain send; the sender's tail
 * never passes a slot the receiver has not given back; a bad buf_idx or len
 * stops the txsync with -EINVAL and the next correct call works; a bad
 * index given back never reaches the sender; buffers a receiver swaps in
 * (NS_BUF_CHANGED) go to the sender's slot, flagged; a full ring;
 * NS_MOREFRAG chains become visible whole; nm_pipe_disconnect() leaves
 * every buffer in one ring only; many batches across the wrap-around, with
 * random swaps by the receiver, keep every packet in order and every
 * buffer accounted for.
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

/* A ring whose slots hold buffers first_buf.., or none (0) if first_buf is 0. */
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
	for (i = 0; first_buf && i < n; i++)
		ring->slot[i].buf_idx = first_buf + i;
	return ring;
}

/*
 * Buffers 2 .. n+1 are in the TX ring (the RX ring shows them), @spare more
 * after them are free: n + 2 .. n + 1 + spare.
 */
static void pipe_init(struct pipe *p, u32 n, u32 spare)
{
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->mem.nbufs = 2 + n + spare;
	p->mem.buf_size = BUF_SIZE;
	p->bufs = calloc(p->mem.nbufs, BUF_SIZE);
	p->txr = ring_alloc(n, 2);
	p->rxr = ring_alloc(n, 0);
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

/* Does the receiver hold slot @i (given to it, not given back yet)? */
static int held(const struct pipe *p, u32 i)
{
	u32 n = p->n;

	return (i + n - p->rx.nr_hwcur) % n < (p->rx.nr_hwtail + n - p->rx.nr_hwcur) % n;
}

/*
 * Every buffer of the pipe is in exactly one place: the receiver's slot for
 * the slots it holds, the sender's slot for the others, or @extra (buffers
 * a user took out of the rings).
 */
static int buffers_conserved(struct pipe *p, const u32 *extra, u32 nextra)
{
	u32 total = p->mem.nbufs, i;
	unsigned char *seen = calloc(total, 1);
	int ok = 1;

	for (i = 0; i < p->n; i++) {
		u32 b = held(p, i) ? p->rxr->slot[i].buf_idx : p->txr->slot[i].buf_idx;

		if (b < 2 || b >= total || seen[b]++)
			ok = 0;
	}
	for (i = 0; i < nextra; i++)
		if (extra[i] < 2 || extra[i] >= total || seen[extra[i]]++)
			ok = 0;
	free(seen);
	return ok;
}

/* After nm_pipe_disconnect(): the nonzero indexes of both rings, each once, are @want. */
static int disconnect_ok(struct pipe *p, const u32 *extra, u32 nextra)
{
	u32 total = p->mem.nbufs, i, count = 0, want;
	unsigned char *seen = calloc(total, 1);
	int ok = buffers_conserved(p, extra, nextra);

	nm_pipe_disconnect(&p->tx, &p->rx);
	for (i = 0; i < 2 * p->n; i++) {
		u32 b = i < p->n ? p->txr->slot[i].buf_idx : p->rxr->slot[i - p->n].buf_idx;

		if (!b)
			continue;
		if (b < 2 || b >= total || seen[b]++)
			ok = 0;
		count++;
	}
	for (i = 0; i < nextra; i++)
		if (extra[i] < total && seen[extra[i]])
			ok = 0;	/* a user's buffer would be freed with the rings */
	want = p->n;
	free(seen);
	return ok && count == want;
}

static void test_one_packet_zero_copy(void)
{
	struct pipe p;
	u32 sent_buf, seq;
	int err;

	pipe_init(&p, 8, 0);
	CHECK(p.rxr->slot[5].buf_idx == p.txr->slot[5].buf_idx, "rx slots do not show tx's buffers");
	sent_buf = p.txr->slot[0].buf_idx;
	CHECK(put(&p, 1, 42, 0) == 1, "could not queue");
	err = nm_kring_sync(&p.tx);
	CHECK(err == 0, "txsync gave %d", err);
	CHECK(p.rx.os.notified == 1, "receiver not woken");
	CHECK(nm_kring_sync(&p.rx) == 0, "rxsync failed");
	CHECK(p.rxr->tail == 1, "rx tail %u, want 1", p.rxr->tail);
	CHECK(p.rxr->slot[0].buf_idx == sent_buf, "receiver does not read the sender's buffer");
	CHECK(p.txr->slot[0].buf_idx == sent_buf, "the sender's slot lost its buffer");
	CHECK(!(p.txr->slot[0].flags & NS_BUF_CHANGED), "NS_BUF_CHANGED set on the sender");
	CHECK(!(p.rxr->slot[0].flags & NS_BUF_CHANGED), "NS_BUF_CHANGED set on the receiver");
	CHECK(p.rxr->slot[0].len == 60 + 42 % 100, "len not carried");
	memcpy(&seq, buf(&p, p.rxr->slot[0].buf_idx), sizeof(seq));
	CHECK(seq == 42, "payload %u", seq);
	/* The sender's tail has not moved: the receiver holds the slot. */
	CHECK(p.txr->tail == 7, "tx tail %u moved before the receiver released", p.txr->tail);
	CHECK(buffers_conserved(&p, NULL, 0), "buffers lost or duplicated");
	p.rxr->head = p.rxr->cur = 1;
	CHECK(nm_kring_sync(&p.rx) == 0 && nm_kring_sync(&p.tx) == 0, "release failed");
	CHECK(p.txr->tail == 0, "tx tail %u after the release, want 0", p.txr->tail);
	CHECK(p.txr->slot[0].buf_idx == sent_buf && !(p.txr->slot[0].flags & NS_BUF_CHANGED),
	      "the released slot came back changed");
	CHECK(disconnect_ok(&p, NULL, 0), "disconnect: buffers not left once each");
	pipe_fini(&p);
}

/*
 * A sender that writes its frames once and then only moves head (netmap's
 * pkt-gen): round after round, the receiver gets the same frames in the same
 * buffers and the sender never sees a changed slot.
 */
static void test_sender_keeps_frames(void)
{
	struct pipe p;
	u32 n = 16, i, round, bad = 0, orig[16];

	pipe_init(&p, n, 0);
	for (i = 0; i < n; i++) {
		orig[i] = p.txr->slot[i].buf_idx;
		memcpy(buf(&p, orig[i]), &i, sizeof(i));
		p.txr->slot[i].len = 60;
	}
	for (round = 0; round < 50; round++) {
		u32 k = 1 + round % (n - 1);

		/* Only head and cur move: the slots are as the last round left them. */
		for (i = 0; i < k && space(p.txr); i++)
			p.txr->head = p.txr->cur = (p.txr->cur + 1) % n;
		if (nm_kring_sync(&p.tx) || nm_kring_sync(&p.rx))
			bad++;
		for (i = p.rxr->head; i != p.rxr->tail; i = (i + 1) % n) {
			u32 v;

			memcpy(&v, buf(&p, p.rxr->slot[i].buf_idx), sizeof(v));
			if (v != i || p.rxr->slot[i].len != 60)
				bad++;
		}
		p.rxr->head = p.rxr->cur = p.rxr->tail;
		if (nm_kring_sync(&p.rx) || nm_kring_sync(&p.tx))
			bad++;
		for (i = 0; i < n; i++)
			if (p.txr->slot[i].buf_idx != orig[i] ||
			    (p.txr->slot[i].flags & NS_BUF_CHANGED))
				bad++;
	}
	CHECK(bad == 0, "%u frames or sender slots changed", bad);
	CHECK(p.tx.stat_pkts > 300, "only %llu sent", (unsigned long long)p.tx.stat_pkts);
	CHECK(disconnect_ok(&p, NULL, 0), "disconnect: buffers not left once each");
	pipe_fini(&p);
}

/* The sender swaps in a buffer of its own: delivered, flag acknowledged. */
static void test_sender_swaps_in(void)
{
	struct pipe p;
	u32 n = 8, spare = 2 + n, old;

	pipe_init(&p, n, 1);
	put(&p, 1, 7, 0);
	old = p.txr->slot[0].buf_idx;
	p.txr->slot[0].buf_idx = spare;
	p.txr->slot[0].flags = NS_BUF_CHANGED;
	memcpy(buf(&p, spare), &(u32){ 77 }, sizeof(u32));
	CHECK(nm_kring_sync(&p.tx) == 0, "txsync of a swapped-in buffer failed");
	CHECK(!(p.txr->slot[0].flags & NS_BUF_CHANGED), "the sender's NS_BUF_CHANGED not cleared");
	CHECK(p.txr->slot[0].buf_idx == spare, "the sender's slot changed");
	nm_kring_sync(&p.rx);
	CHECK(p.rxr->slot[0].buf_idx == spare && !(p.rxr->slot[0].flags & NS_BUF_CHANGED),
	      "receiver got %u flags 0x%x", p.rxr->slot[0].buf_idx, p.rxr->slot[0].flags);
	CHECK(disconnect_ok(&p, &old, 1), "disconnect: buffers not left once each");
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
	CHECK(disconnect_ok(&p, NULL, 0), "disconnect of a full ring: buffers not left once each");
	pipe_fini(&p);

	pipe_init(&p, n, 0);
	put(&p, 100, 0, 0);
	nm_kring_sync(&p.tx);
	nm_kring_sync(&p.rx);
	/* The receiver gives back 5 slots; the sender gets exactly 5. */
	p.rxr->head = p.rxr->cur = 5;
	CHECK(nm_kring_sync(&p.rx) == 0, "rxsync failed");
	CHECK(p.tx.os.notified >= 1, "sender not woken");
	CHECK(nm_kring_sync(&p.tx) == 0, "txsync failed");
	CHECK(space(p.txr) == 5, "sender got %u slots back, want 5", space(p.txr));
	CHECK(buffers_conserved(&p, NULL, 0), "buffers lost or duplicated");
	CHECK(disconnect_ok(&p, NULL, 0), "disconnect with held slots: buffers not left once each");
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
	CHECK(p.rxr->slot[3].buf_idx == good, "the bad index reached the receiver's ring");
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
	nm_kring_sync(&p.rx);
	good = 2 + n;		/* the spare buffer, never used */
	CHECK(buffers_conserved(&p, &good, 1), "buffers lost or duplicated");
	CHECK(disconnect_ok(&p, &good, 1), "disconnect: buffers not left once each");
	pipe_fini(&p);
}

/*
 * The receiver gives back a bad buffer index: with NS_BUF_CHANGED the
 * rxsync fails, but the slots are taken back anyway (the receiver could not
 * repair them) and the sender keeps its buffer; without the flag the index
 * is ignored. Either way the sender never sees the bad index.
 */
static void test_bad_release(void)
{
	struct pipe p;
	u32 n = 8, keep2, keep3, i;

	pipe_init(&p, n, 0);
	put(&p, 4, 0, 0);
	nm_kring_sync(&p.tx);
	nm_kring_sync(&p.rx);
	keep2 = p.txr->slot[2].buf_idx;
	keep3 = p.txr->slot[3].buf_idx;
	p.rxr->slot[2].buf_idx = 0xdeadbeef;
	p.rxr->slot[2].flags |= NS_BUF_CHANGED;
	p.rxr->slot[3].buf_idx = 1;		/* reserved, and no flag */
	p.rxr->head = p.rxr->cur = 4;
	CHECK(nm_kring_sync(&p.rx) == -EINVAL, "bad released buffer accepted");
	CHECK(p.rxr->head == 4 && p.rx.nr_hwcur == 4, "slots not taken back: head %u hwcur %u",
	      p.rxr->head, p.rx.nr_hwcur);
	CHECK(p.rx.stat_errs == 1, "error not counted");
	CHECK(p.txr->slot[2].buf_idx == keep2 && p.txr->slot[3].buf_idx == keep3,
	      "the sender's slots got %u and %u", p.txr->slot[2].buf_idx, p.txr->slot[3].buf_idx);
	CHECK(!(p.txr->slot[2].flags & NS_BUF_CHANGED), "sender told of a change that was refused");
	nm_kring_sync(&p.tx);
	CHECK(space(p.txr) == 7, "sender got %u slots, want 7", space(p.txr));
	CHECK(buffers_conserved(&p, NULL, 0), "buffers lost or duplicated");
	/* Around the ring: slots 2 and 3 carry their frames again. */
	for (i = 0; i < 2 * n; i++) {
		u32 seq;

		put(&p, 1, 100 + i, 0);
		nm_kring_sync(&p.tx);
		nm_kring_sync(&p.rx);
		memcpy(&seq, buf(&p, p.rxr->slot[p.rxr->head].buf_idx), sizeof(seq));
		CHECK(seq == 100 + i, "packet %u arrived as %u", 100 + i, seq);
		p.rxr->head = p.rxr->cur = p.rxr->tail;
		CHECK(nm_kring_sync(&p.rx) == 0, "release of good slots failed");
		nm_kring_sync(&p.tx);
	}
	CHECK(buffers_conserved(&p, NULL, 0), "buffers lost or duplicated");
	CHECK(disconnect_ok(&p, NULL, 0), "disconnect: buffers not left once each");
	pipe_fini(&p);
}

/*
 * The receiver keeps a frame and swaps in a spare buffer (zero-copy
 * forwarding): the sender's slot gets the spare with NS_BUF_CHANGED.
 */
static void test_release_swapped_buffer(void)
{
	struct pipe p;
	u32 n = 8, spare = 2 + n, kept;

	pipe_init(&p, n, 1);
	put(&p, 2, 0, 0);
	nm_kring_sync(&p.tx);
	nm_kring_sync(&p.rx);
	kept = p.rxr->slot[0].buf_idx;
	p.rxr->slot[0].buf_idx = spare;
	p.rxr->slot[0].flags |= NS_BUF_CHANGED;
	/* Taken, not given back yet: the receiver's slot has the buffer. */
	CHECK(buffers_conserved(&p, &kept, 1), "buffers lost or duplicated while held");
	p.rxr->head = p.rxr->cur = 2;
	CHECK(nm_kring_sync(&p.rx) == 0, "release of a swapped buffer failed");
	CHECK(p.txr->slot[0].buf_idx == spare && (p.txr->slot[0].flags & NS_BUF_CHANGED),
	      "the sender's slot got %u flags 0x%x", p.txr->slot[0].buf_idx, p.txr->slot[0].flags);
	CHECK(!(p.txr->slot[1].flags & NS_BUF_CHANGED), "an unchanged slot is flagged");
	CHECK(buffers_conserved(&p, &kept, 1), "buffers lost or duplicated");
	/* Sent again from the swapped-in buffer, the flag is cleared by the sender. */
	nm_kring_sync(&p.tx);
	CHECK(disconnect_ok(&p, &kept, 1), "disconnect: buffers not left once each");
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
	CHECK(disconnect_ok(&p, NULL, 0), "disconnect mid-chain: buffers not left once each");
	nm_pipe_connect(&p.tx, &p.rx);
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
 * their own way, the receiver keeping one frame in ten by swapping in a
 * buffer of its pool: every packet arrives once, in order, with its length,
 * and every buffer stays in exactly one place.
 */
static void test_many_batches(void)
{
	enum { POOL = 8 };
	struct pipe p;
	u32 n = 37, seq_tx = 0, seq_rx = 0, total = 200000, pool[POOL], npool = POOL, i;
	unsigned int rnd = 12345;
	long bad = 0, rounds = 0, swaps = 0;

	pipe_init(&p, n, POOL);
	for (i = 0; i < POOL; i++)
		pool[i] = 2 + n + i;
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
			u32 take = (rnd >> 16) % 25;

			if (take > can)
				take = can;
			for (i = 0; i < take; i++) {
				struct netmap_slot *s = &p.rxr->slot[p.rxr->head];
				u32 seq;

				memcpy(&seq, buf(&p, s->buf_idx), sizeof(seq));
				if (seq != seq_rx || s->len != 60 + seq % 100)
					bad++;
				seq_rx++;
				/* Keep this frame: its buffer joins the pool, another one replaces it. */
				if (seq % 10 == 3) {
					u32 k = (rnd >> 8) % npool, b = pool[k];

					pool[k] = s->buf_idx;
					s->buf_idx = b;
					s->flags |= NS_BUF_CHANGED;
					swaps++;
				}
				p.rxr->head = p.rxr->cur = (p.rxr->head + 1) % n;
			}
		}
		/* The sender's in-flight slots never exceed what the RX ring holds. */
		if (space(p.txr) + (p.rxr->tail + n - p.rxr->head) % n > n - 1)
			bad++;
	}
	CHECK(seq_rx == total, "received %u of %u", seq_rx, total);
	CHECK(bad == 0, "%ld errors over %ld rounds", bad, rounds);
	CHECK(swaps > total / 20, "only %ld swaps", swaps);
	CHECK(buffers_conserved(&p, pool, npool), "buffers lost or duplicated");
	CHECK(p.tx.stat_pkts == total, "tx counted %llu", (unsigned long long)p.tx.stat_pkts);
	CHECK(disconnect_ok(&p, pool, npool), "disconnect: buffers not left once each");
	pipe_fini(&p);
}

static const struct check_case cases[] = {
	CHECK_CASE(one_packet_zero_copy),
	CHECK_CASE(sender_keeps_frames),
	CHECK_CASE(sender_swaps_in),
	CHECK_CASE(full_ring_and_tail),
	CHECK_CASE(bad_slot_stops_sync),
	CHECK_CASE(bad_release),
	CHECK_CASE(release_swapped_buffer),
	CHECK_CASE(morefrag),
	CHECK_CASE(many_batches),
};

CHECK_MAIN(cases)
