// SPDX-License-Identifier: BSD-2-Clause
/*
 * Host tests of the monitor datapath (kernel/core/monitor_sync.c), driven
 * through nm_kring_sync() as the ioctls drive it, on a pipe A.tx -> B.rx
 * and on a null-port TX ring: copy monitors of TX (NS_TXMON, before the
 * sync) and RX rings; two monitors of one ring, the
 * second added later without repeating or losing frames for the first; a
 * full monitor ring drops and counts; a bad monitor slot; zero-copy after
 * release (RX) and after TX completion, with every buffer index still in
 * exactly one slot; detaching puts the port's own sync back. Copies of
 * RX arrivals: with the receiver idle (never syncs) every frame reaches the
 * monitor through the notify hook; a hook that meets a sync holding the
 * busy bit leaves the work to that sync's recheck; a port whose frames wait
 * outside the ring (a NIC) gets a forced read; unhooking restores notify.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor_sync.h"

#include "check.h"

#define BUF_SIZE	256
#define NBUFS		512

static struct nm_mem mem;
static u32 next_buf = 2;

static void notify(struct nm_kring *k)
{
	k->os.notified++;
}

static unsigned char *buf(u32 idx)
{
	if (idx >= mem.nbufs)
		abort();
	return mem.base + (size_t)idx * BUF_SIZE;
}

static struct nm_kring *kring_new(u32 n, enum nm_dir dir, nm_sync_fn sync)
{
	size_t sz = (sizeof(struct netmap_ring) + n * sizeof(struct netmap_slot) + 127) & ~(size_t)127;
	size_t ksz = (sizeof(struct nm_kring) + 127) & ~(size_t)127;
	struct nm_kring *k = aligned_alloc(128, ksz);
	struct netmap_ring *ring = aligned_alloc(128, sz);
	u32 i;

	if (!k || !ring || next_buf + n > NBUFS)
		abort();
	memset(k, 0, ksz);
	memset(ring, 0, sz);
	*(u32 *)&ring->num_slots = n;
	*(u32 *)&ring->nr_buf_size = BUF_SIZE;
	/* A pipe's RX ring shows its peer's buffers (nm_pipe_connect()). */
	for (i = 0; i < n && sync != nm_pipe_rxsync; i++)
		ring->slot[i].buf_idx = next_buf++;
	nm_kring_init(k, ring, &mem, n, BUF_SIZE, 0, dir);
	k->nm_sync = sync;
	k->notify = notify;
	return k;
}

static void kring_free(struct nm_kring *k)
{
	free(k->ring);
	free(k);
}

static void setup(void)
{
	mem.nbufs = NBUFS;
	mem.buf_size = BUF_SIZE;
	mem.base = calloc(NBUFS, BUF_SIZE);
	next_buf = 2;
}

/* Queue @count frames seq.. on TX kring @k (no sync). */
static void put(struct nm_kring *k, u32 count, u32 seq)
{
	struct netmap_ring *r = k->ring;
	u32 i;

	for (i = 0; i < count; i++, seq++) {
		struct netmap_slot *s = &r->slot[r->cur];

		memset(buf(s->buf_idx), (int)(seq & 0xff), BUF_SIZE);
		memcpy(buf(s->buf_idx), &seq, 4);
		s->len = 60 + seq % 100;
		s->flags = 0;
		r->head = r->cur = nm_kring_next(r->cur, k->num_slots);
	}
}

/*
 * Read what monitor (or receiver) kring @k shows: check seq and len in
 * order from *seq, return the count, give the slots back with a sync.
 */
static u32 take(struct nm_kring *k, u32 *seq, u16 want_flags, u32 *bad)
{
	struct netmap_ring *r = k->ring;
	u32 got = 0;

	nm_kring_sync(k);
	while (r->cur != r->tail) {
		struct netmap_slot *s = &r->slot[r->cur];
		u32 v;

		memcpy(&v, buf(s->buf_idx), 4);
		if (v != *seq || s->len != 60 + v % 100 || (s->flags & NS_TXMON) != want_flags ||
		    buf(s->buf_idx)[s->len - 1] != (unsigned char)(v & 0xff))
			(*bad)++;
		(*seq)++;
		got++;
		r->head = r->cur = nm_kring_next(r->cur, k->num_slots);
	}
	nm_kring_sync(k);
	return got;
}

static struct nm_mon_set *set_add(struct nm_kring *k, struct nm_mon_ring *r,
				  enum nm_mon_zmode z, u16 zflags, u32 epoch, int *err)
{
	struct nm_mon_set *nw = calloc(1, sizeof(*nw));
	struct nm_mon_set *old = k->mon.set;

	*err = nm_mon_set_add(nw, old, (enum nm_dir)k->dir, r, z, zflags, epoch);
	if (*err) {
		free(nw);
		return NULL;
	}
	nm_mon_publish(k, nw);
	free(old);		/* single-threaded: no grace period needed */
	return nw;
}

static void set_del(struct nm_kring *k, struct nm_mon_ring *r)
{
	struct nm_mon_set *old = k->mon.set, *nw = calloc(1, sizeof(*nw));

	if (nm_mon_set_del(nw, old, r)) {
		free(nw);
		nw = NULL;
	}
	nm_mon_publish(k, nw);
	free(old);
}

/*
 * Every buffer index 2 .. next_buf-1 is in exactly one slot of @ks (for a
 * pipe, both of its rings must be in @ks).
 */
static int conserved(struct nm_kring **ks, int nk)
{
	unsigned char *seen = calloc(NBUFS, 1);
	int ok = 1, i;
	u32 j;

	for (i = 0; i < nk; i++)
		for (j = 0; j < ks[i]->num_slots; j++) {
			const struct nm_kring *k = ks[i];
			u32 b = k->ring->slot[j].buf_idx;

			if (k->pipe) {
				/* A pipe slot's buffer: the receiver's while it holds it, else the sender's. */
				const struct nm_kring *rx = k->dir == NM_RX ? k : k->pipe;
				const u32 n = rx->num_slots;
				bool held = nm_kring_dist(rx->nr_hwcur, j, n) <
					    nm_kring_dist(rx->nr_hwcur, rx->nr_hwtail, n);

				if (held != (k->dir == NM_RX))
					continue;
			}
			if (b >= NBUFS || seen[b]++)
				ok = 0;
		}
	for (j = 2; j < next_buf; j++)
		if (!seen[j])
			ok = 0;
	free(seen);
	return ok;
}

static void test_copy_tx_rx(void)
{
	struct nm_kring *tx, *rx, *m1, *m2, *m3;
	struct nm_mon_ring r1, r2, r3;
	u32 s1 = 0, s2 = 5, s3 = 0, sb = 0, bad = 0, i;
	int err;

	setup();
	tx = kring_new(16, NM_TX, nm_pipe_txsync);
	rx = kring_new(16, NM_RX, nm_pipe_rxsync);
	nm_pipe_connect(tx, rx);
	m1 = kring_new(128, NM_RX, nm_mon_rxsync);
	m2 = kring_new(128, NM_RX, nm_mon_rxsync);
	m3 = kring_new(64, NM_RX, nm_mon_rxsync);
	nm_mon_ring_init(&r1, m1);
	nm_mon_ring_init(&r2, m2);
	nm_mon_ring_init(&r3, m3);

	set_add(tx, &r1, NM_MON_Z_NONE, 0, 1, &err);
	CHECK(err == 0 && tx->nm_sync == nm_mon_sync, "wrapper not installed");
	CHECK(tx->mon.sync == nm_pipe_txsync, "port's sync not saved");
	set_add(rx, &r3, NM_MON_Z_NONE, 0, 2, &err);
	put(tx, 5, 0);
	CHECK(nm_kring_sync(tx) == 0, "txsync");
	CHECK(m1->os.notified == 1, "monitor not woken");
	CHECK(take(m1, &s1, NS_TXMON, &bad) == 5 && bad == 0, "tx copies: bad %u", bad);
	/* The copies are the frames the receiver reads. */
	CHECK(take(rx, &sb, 0, &bad) == 5 && bad == 0, "receiver");
	CHECK(take(m3, &s3, 0, &bad) == 5 && bad == 0, "rx copies");
	/* A second monitor of tx: the first neither repeats nor loses frames. */
	set_add(tx, &r2, NM_MON_Z_NONE, 0, 3, &err);
	CHECK(err == 0, "second copy monitor: %d", err);
	for (i = 0; i < 10; i++) {
		put(tx, 7, 5 + 7 * i);
		CHECK(nm_kring_sync(tx) == 0, "txsync");
		take(rx, &sb, 0, &bad);
		nm_kring_sync(tx);
	}
	CHECK(take(m1, &s1, NS_TXMON, &bad) == 70 && s1 == 75, "first monitor: to %u", s1);
	CHECK(take(m2, &s2, NS_TXMON, &bad) == 70 && bad == 0, "second monitor: %u", s2);
	CHECK(r2.drops == 0, "second monitor drops %llu", (unsigned long long)r2.drops);
	/* 64 slots hold 63 frames: the rest is dropped and counted. */
	CHECK(take(m3, &s3, 0, &bad) == 63 && r3.drops == 7, "rx monitor full: drops %llu",
	      (unsigned long long)r3.drops);
	CHECK(bad == 0, "bad frames: %u", bad);
	CHECK(sb == 75, "receiver got %u", sb);

	/* Detach: the port's sync comes back. */
	set_del(tx, &r1);
	CHECK(tx->nm_sync == nm_mon_sync, "still one monitor");
	set_del(tx, &r2);
	CHECK(tx->nm_sync == nm_pipe_txsync && !tx->mon.set, "sync not restored");
	set_del(rx, &r3);
	CHECK(rx->nm_sync == nm_pipe_rxsync, "rx sync not restored");
	put(tx, 3, 75);
	nm_kring_sync(tx);
	CHECK(take(m1, &s1, NS_TXMON, &bad) == 0, "detached monitor got frames");
	CHECK(take(rx, &sb, 0, &bad) == 3 && bad == 0, "traffic after detach");
	kring_free(tx);
	kring_free(rx);
	kring_free(m1);
	kring_free(m2);
	kring_free(m3);
	free(mem.base);
}

static void test_bad_monitor_slot(void)
{
	struct nm_kring *tx, *m;
	struct nm_mon_ring r;
	u32 s = 0, bad = 0;
	int err;

	setup();
	tx = kring_new(16, NM_TX, nm_null_txsync);
	m = kring_new(16, NM_RX, nm_mon_rxsync);
	nm_mon_ring_init(&r, m);
	set_add(tx, &r, NM_MON_Z_NONE, 0, 1, &err);
	m->ring->slot[1].buf_idx = 100000;	/* the monitor's user broke it */
	put(tx, 3, 0);
	nm_kring_sync(tx);
	nm_kring_sync(m);
	CHECK(m->ring->tail == 3, "monitor tail %u", m->ring->tail);
	CHECK(m->ring->slot[1].len == 0 && r.errs == 1, "bad slot: len %u errs %llu",
	      m->ring->slot[1].len, (unsigned long long)r.errs);
	CHECK(m->ring->slot[2].len == 62, "frame after the bad slot");
	m->ring->slot[1].buf_idx = next_buf++;	/* the user repairs it */
	/* Fill the monitor (15 frames), then more: dropped without a look. */
	put(tx, 13, 3);
	nm_kring_sync(tx);
	CHECK(r.drops == 1, "drops %llu, want 1", (unsigned long long)r.drops);
	put(tx, 5, 16);
	nm_kring_sync(tx);
	CHECK(r.drops == 6 && r.pkts == 15, "full: drops %llu pkts %llu",
	      (unsigned long long)r.drops, (unsigned long long)r.pkts);
	/* Read them all; the next frames are copied again, none twice. */
	nm_kring_sync(m);
	m->ring->head = m->ring->cur = m->ring->tail;
	nm_kring_sync(m);
	put(tx, 3, 21);
	nm_kring_sync(tx);
	s = 21;
	CHECK(take(m, &s, NS_TXMON, &bad) == 3 && bad == 0 && r.pkts == 18,
	      "after the monitor read: %u bad, pkts %llu", bad, (unsigned long long)r.pkts);
	set_del(tx, &r);
	kring_free(tx);
	kring_free(m);
	free(mem.base);
}

static void test_zcopy_rx_release(void)
{
	struct nm_kring *tx, *rx, *m, *ks[3];
	struct nm_mon_ring r;
	u32 s = 0, sb = 0, bad = 0, i;
	int err;

	setup();
	tx = kring_new(16, NM_TX, nm_pipe_txsync);
	rx = kring_new(16, NM_RX, nm_pipe_rxsync);
	nm_pipe_connect(tx, rx);
	m = kring_new(8, NM_RX, nm_mon_rxsync);
	ks[0] = tx;
	ks[1] = rx;
	ks[2] = m;
	nm_mon_ring_init(&r, m);
	set_add(rx, &r, NM_MON_Z_RELEASE, NS_TXMON, 1, &err);
	CHECK(set_add(rx, &r, NM_MON_Z_RELEASE, 0, 2, &err) == NULL && err == -EBUSY,
	      "second zero-copy monitor: %d", err);
	put(tx, 5, 0);
	nm_kring_sync(tx);
	nm_kring_sync(rx);	/* exposed, not released */
	CHECK(take(m, &s, NS_TXMON, &bad) == 0, "zero-copy before release");
	CHECK(take(rx, &sb, 0, &bad) == 5, "receiver");	/* and releases */
	CHECK(take(m, &s, NS_TXMON, &bad) == 5 && bad == 0, "zero-copy after release: bad %u", bad);
	CHECK(conserved(ks, 3), "buffers lost or duplicated");
	/* Many rounds around both rings; the monitor drains each time. */
	for (i = 0; i < 50; i++) {
		put(tx, 5, 5 + 5 * i);
		nm_kring_sync(tx);
		take(rx, &sb, 0, &bad);
		nm_kring_sync(tx);
		take(m, &s, NS_TXMON, &bad);
	}
	CHECK(s == 255 && sb == 255 && bad == 0, "after 50 rounds: monitor %u receiver %u bad %u",
	      s, sb, bad);
	CHECK(conserved(ks, 3), "buffers lost or duplicated");
	/* The monitor never reads: the receiver is not disturbed. */
	for (i = 0; i < 10; i++) {
		put(tx, 5, 255 + 5 * i);
		nm_kring_sync(tx);
		take(rx, &sb, 0, &bad);
		nm_kring_sync(tx);
	}
	CHECK(sb == 305 && bad == 0, "receiver with a stuck monitor: %u", sb);
	CHECK(r.drops == 50 - 7, "drops %llu", (unsigned long long)r.drops);
	CHECK(conserved(ks, 3), "buffers lost or duplicated");
	set_del(rx, &r);
	kring_free(tx);
	kring_free(rx);
	kring_free(m);
	free(mem.base);
}

static void test_zcopy_tx_after(void)
{
	struct nm_kring *tx, *m, *ks[2];
	struct nm_mon_ring r;
	u32 s = 0, bad = 0, i;
	int err;

	setup();
	tx = kring_new(16, NM_TX, nm_null_txsync);	/* TX slots keep the frame */
	m = kring_new(32, NM_RX, nm_mon_rxsync);
	ks[0] = tx;
	ks[1] = m;
	nm_mon_ring_init(&r, m);
	set_add(tx, &r, NM_MON_Z_AFTER, NS_TXMON, 1, &err);
	for (i = 0; i < 20; i++) {
		put(tx, 6, 6 * i);
		CHECK(nm_kring_sync(tx) == 0, "txsync");
		CHECK(take(m, &s, NS_TXMON, &bad) == 6, "round %u: monitor got %u", i, s);
	}
	CHECK(s == 120 && bad == 0, "zero-copy tx: %u frames, %u bad", s, bad);
	CHECK(conserved(ks, 2), "buffers lost or duplicated");
	set_del(tx, &r);
	CHECK(tx->nm_sync == nm_null_txsync, "sync not restored");
	kring_free(tx);
	kring_free(m);
	free(mem.base);
}

/*
 * The receiver never syncs: every frame reaches the monitor when the
 * sender's txsync delivers it (the notify hook), and the receiver still
 * finds them all, in order, when it finally reads.
 */
static void test_copy_rx_idle(void)
{
	struct nm_kring *tx, *rx, *m;
	struct nm_mon_ring r;
	u32 s = 0, sb = 0, bad = 0, i;
	int err;

	setup();
	tx = kring_new(64, NM_TX, nm_pipe_txsync);
	rx = kring_new(64, NM_RX, nm_pipe_rxsync);
	nm_pipe_connect(tx, rx);
	m = kring_new(128, NM_RX, nm_mon_rxsync);
	nm_mon_ring_init(&r, m);
	set_add(rx, &r, NM_MON_Z_NONE, 0, 1, &err);
	CHECK(err == 0 && rx->notify == nm_mon_rx_notify && rx->mon.notify == notify,
	      "notify not hooked");
	for (i = 0; i < 9; i++) {
		put(tx, 7, 7 * i);
		CHECK(nm_kring_sync(tx) == 0, "txsync");
		CHECK(r.pkts == 7 * (i + 1), "round %u: monitor has %llu", i,
		      (unsigned long long)r.pkts);
	}
	CHECK(rx->os.notified == 9, "port's own notify ran %lu times", rx->os.notified);
	CHECK(take(m, &s, 0, &bad) == 63 && bad == 0 && r.drops == 0, "monitor: %u bad %u", s, bad);
	CHECK(take(rx, &sb, 0, &bad) == 63 && bad == 0, "receiver: %u", sb);
	nm_kring_sync(tx);	/* room again */
	/* A sync holds the bit when frames come: it copies them after letting go. */
	rx->busy = 1;
	put(tx, 5, 63);
	nm_kring_sync(tx);
	CHECK(r.pkts == 63 && rx->mon.pending == 1, "copied under someone else's busy bit");
	rx->busy = 0;
	nm_mon_rx_recheck(rx);
	CHECK(r.pkts == 68 && rx->mon.pending == 0, "recheck: %llu", (unsigned long long)r.pkts);
	CHECK(take(rx, &sb, 0, &bad) == 5 && bad == 0, "receiver: %u", sb);
	CHECK(take(m, &s, 0, &bad) == 5 && bad == 0 && r.pkts == 68, "no frame copied twice");
	set_del(rx, &r);
	CHECK(rx->notify == notify && rx->nm_sync == nm_pipe_rxsync, "notify not restored");
	kring_free(tx);
	kring_free(rx);
	kring_free(m);
	free(mem.base);
}

/* A NIC-like port: frames wait in a queue until its rxsync brings them in. */
static u32 fake_queue, fake_seq;

static int fake_nic_rxsync(struct nm_kring *k)
{
	const u32 n = k->num_slots;
	u32 tail = k->nr_hwtail;

	k->nr_hwcur = k->rhead;
	while (fake_queue && nm_kring_next(tail, n) != k->nr_hwcur) {
		struct netmap_slot *sl = &k->ring->slot[tail];

		memset(buf(sl->buf_idx), (int)(fake_seq & 0xff), BUF_SIZE);
		memcpy(buf(sl->buf_idx), &fake_seq, 4);
		sl->len = 60 + fake_seq % 100;
		fake_seq++;
		fake_queue--;
		tail = nm_kring_next(tail, n);
	}
	smp_store_release(&k->nr_hwtail, tail);
	return 0;
}

static void test_copy_rx_forced_read(void)
{
	struct nm_kring *rx, *m;
	struct nm_mon_ring r;
	struct nm_mon_set *set;
	u32 s = 0, sb = 0, bad = 0;
	int err;

	setup();
	fake_queue = fake_seq = 0;
	rx = kring_new(32, NM_RX, fake_nic_rxsync);
	m = kring_new(64, NM_RX, nm_mon_rxsync);
	nm_mon_ring_init(&r, m);
	set = set_add(rx, &r, NM_MON_Z_NONE, 0, 1, &err);
	set->force_read = true;
	fake_queue = 10;
	rx->notify(rx);		/* the NIC's receive path: frames queued */
	CHECK(fake_queue == 0 && r.pkts == 10, "forced read: queue %u monitor %llu", fake_queue,
	      (unsigned long long)r.pkts);
	/* The ring fills (31 frames); the rest waits in the queue, not copied. */
	fake_queue = 40;
	rx->notify(rx);
	CHECK(r.pkts == 31 && fake_queue == 19, "full ring: monitor %llu queue %u",
	      (unsigned long long)r.pkts, fake_queue);
	/* The receiver's release makes room: that sync brings the rest in (copied). */
	CHECK(take(rx, &sb, 0, &bad) == 31 && bad == 0 && r.pkts == 50, "receiver %u", sb);
	CHECK(take(m, &s, 0, &bad) == 50 && bad == 0, "monitor %u", s);
	CHECK(take(rx, &sb, 0, &bad) == 19 && r.pkts == 50 && bad == 0, "rest: %u %llu", sb,
	      (unsigned long long)r.pkts);
	set_del(rx, &r);
	kring_free(rx);
	kring_free(m);
	free(mem.base);
}

static const struct check_case cases[] = {
	CHECK_CASE(copy_tx_rx),
	CHECK_CASE(bad_monitor_slot),
	CHECK_CASE(zcopy_rx_release),
	CHECK_CASE(zcopy_tx_after),
	CHECK_CASE(copy_rx_idle),
	CHECK_CASE(copy_rx_forced_read),
};

CHECK_MAIN(cases)
