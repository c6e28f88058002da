// SPDX-License-Identifier: BSD-2-Clause
/*
 * Host tests of the ring protocol core (kernel/core/ring.c): the prologue
 * accepts exactly the head/cur values netmap(4) allows, including across
 * the wrap-around, and rejects everything else; a rejected sync reinitialises
 * the ring and the next correct call works; a tail written by the user is
 * restored; one sync at a time per ring; timestamps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kring.h"

#include "check.h"



#define NBUFS		64
#define BUF_SIZE	2048

static struct nm_mem mem = { .nbufs = NBUFS, .buf_size = BUF_SIZE };
static int syncs, notifies;

static int count_sync(struct nm_kring *k)
{
	(void)k;
	syncs++;
	return 0;
}

static void count_notify(struct nm_kring *k)
{
	k->os.notified++;
	notifies++;
}

static struct netmap_ring *ring_alloc(u32 n)
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
		ring->slot[i].buf_idx = 2 + (i % (NBUFS - 2));
	return ring;
}

static void kring_setup(struct nm_kring *k, struct netmap_ring *ring, u32 n, enum nm_dir dir)
{
	memset(k, 0, sizeof(*k));
	nm_kring_init(k, ring, &mem, n, BUF_SIZE, 0, dir);
	k->nm_sync = count_sync;
	k->notify = count_notify;
}

/* Put the kring in a state with the given kernel positions. */
static void kring_state(struct nm_kring *k, u32 low, u32 rtail)
{
	k->nr_hwcur = k->rhead = k->rcur = low;
	k->rtail = k->nr_hwtail = rtail;
	k->ring->head = k->ring->cur = low;
	k->ring->tail = rtail;
}

/* Reference model: is x reached walking forward from a to b (inclusive)? */
static int in_walk(u32 a, u32 b, u32 x, u32 n)
{
	u32 i = a;

	if (x >= n)
		return 0;
	for (;;) {
		if (i == x)
			return 1;
		if (i == b)
			return 0;
		i = (i + 1) % n;
	}
}

/*
 * Every (head, cur) pair, for every (low, rtail) position, both directions,
 * several sizes (including odd ones: num_slots need not be 2^n).
 */
static void test_prologue_exhaustive(void)
{
	static const u32 sizes[] = { 1, 2, 3, 5, 8 };
	unsigned int si;
	long bad = 0, checked = 0;

	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		u32 n = sizes[si];
		struct netmap_ring *ring = ring_alloc(n);
		struct nm_kring k;
		int dir;

		for (dir = NM_TX; dir <= NM_RX; dir++) {
			u32 low, rtail, head, cur;

			kring_setup(&k, ring, n, dir);
			for (low = 0; low < n; low++)
			for (rtail = 0; rtail < n; rtail++)
			for (head = 0; head < n + 3; head++)
			for (cur = 0; cur < n + 3; cur++) {
				int legal = in_walk(low, rtail, head, n) &&
					    in_walk(head, rtail, cur, n);
				int err;

				kring_state(&k, low, rtail);
				ring->head = head;
				ring->cur = cur;
				err = nm_kring_prologue(&k);
				checked++;
				if (legal) {
					if (err || k.rhead != head || k.rcur != cur)
						bad++;
				} else {
					if (err != -EINVAL || ring->head != low || ring->cur != low ||
					    ring->tail != rtail || k.rhead != low || k.rcur != low)
						bad++;
				}
			}
		}
		free(ring);
	}
	CHECK(bad == 0, "%ld of %ld head/cur combinations judged wrongly", bad, checked);
}

/* Huge values (as a fuzzer writes them) are refused, never used as indexes. */
static void test_prologue_huge(void)
{
	u32 n = 16;
	struct netmap_ring *ring = ring_alloc(n);
	struct nm_kring k;
	static const u32 vals[] = { 16, 17, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };
	unsigned int i;

	kring_setup(&k, ring, n, NM_TX);
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		kring_state(&k, 3, 12);
		ring->head = vals[i];
		ring->cur = 5;
		CHECK(nm_kring_prologue(&k) == -EINVAL, "head %u accepted", vals[i]);
		kring_state(&k, 3, 12);
		ring->head = 4;
		ring->cur = vals[i];
		CHECK(nm_kring_prologue(&k) == -EINVAL, "cur %u accepted", vals[i]);
	}
	free(ring);
}

/* The cases netmap(4) draws, with the wrap-around spelled out. */
static void test_prologue_wrap(void)
{
	u32 n = 10;
	struct netmap_ring *ring = ring_alloc(n);
	struct nm_kring k;

	kring_setup(&k, ring, n, NM_TX);
	/* rhead 7, rtail 2: legal heads are 7 8 9 0 1 2. */
	kring_state(&k, 7, 2);
	ring->head = 1; ring->cur = 2;
	CHECK(nm_kring_prologue(&k) == 0, "head 1 cur 2 across the wrap refused");
	kring_state(&k, 7, 2);
	ring->head = 9; ring->cur = 0;
	CHECK(nm_kring_prologue(&k) == 0, "head 9 cur 0 refused");
	kring_state(&k, 7, 2);
	ring->head = 3; ring->cur = 3;
	CHECK(nm_kring_prologue(&k) == -EINVAL, "head 3 past tail 2 accepted");
	kring_state(&k, 7, 2);
	ring->head = 6; ring->cur = 6;
	CHECK(nm_kring_prologue(&k) == -EINVAL, "head 6 going backwards accepted");
	kring_state(&k, 7, 2);
	ring->head = 0; ring->cur = 9;
	CHECK(nm_kring_prologue(&k) == -EINVAL, "cur behind head accepted");
	/* A full TX ring: the user owns nothing, only head = cur = rhead. */
	kring_state(&k, 4, 4);
	ring->head = 4; ring->cur = 4;
	CHECK(nm_kring_prologue(&k) == 0, "unchanged head on a full ring refused");
	kring_state(&k, 4, 4);
	ring->head = 5; ring->cur = 5;
	CHECK(nm_kring_prologue(&k) == -EINVAL, "head past a full ring accepted");
	free(ring);
}

/* After a refused sync the ring is the kernel's again and the next call works. */
static void test_reinit_then_ok(void)
{
	u32 n = 8;
	struct netmap_ring *ring = ring_alloc(n);
	struct nm_kring k;
	int err;

	kring_setup(&k, ring, n, NM_TX);
	kring_state(&k, 2, 6);
	ring->slot[3].buf_idx = 1000;		/* not a buffer: repaired to 0 */
	ring->slot[4].len = BUF_SIZE + 1;	/* too long: repaired to 0 */
	ring->slot[7].buf_idx = 1000;		/* kernel-owned: left alone */
	ring->head = 7;
	ring->cur = 7;
	syncs = 0;
	err = nm_kring_sync(&k);
	CHECK(err == -EINVAL, "bad head gave %d", err);
	CHECK(syncs == 0, "port sync ran after a bad head");
	CHECK(ring->head == 2 && ring->cur == 2 && ring->tail == 6,
	      "reinit gave head %u cur %u tail %u", ring->head, ring->cur, ring->tail);
	CHECK(ring->slot[3].buf_idx == 0 && ring->slot[3].len == 0, "bad buf_idx not repaired");
	CHECK(ring->slot[4].len == 0 && ring->slot[4].buf_idx != 0, "bad len not repaired");
	CHECK(ring->slot[7].buf_idx == 1000, "a kernel-owned slot was touched");
	CHECK(k.stat_errs == 1, "error not counted");

	ring->head = 5;
	ring->cur = 6;
	err = nm_kring_sync(&k);
	CHECK(err == 0, "correct call after reinit gave %d", err);
	CHECK(syncs == 1 && k.rhead == 5 && k.rcur == 6, "correct call not run");
	free(ring);
}

static void test_tail_restored(void)
{
	u32 n = 8;
	struct netmap_ring *ring = ring_alloc(n);
	struct nm_kring k;
	int err;

	kring_setup(&k, ring, n, NM_RX);
	kring_state(&k, 1, 4);
	ring->tail = 0;			/* the user writes tail: ignored, restored */
	ring->head = 3;
	ring->cur = 4;
	err = nm_kring_sync(&k);
	CHECK(err == 0, "sync with a user-written tail gave %d", err);
	CHECK(ring->tail == 4, "tail not restored: %u", ring->tail);
	/* The prologue judged head/cur against the kernel's tail, not the user's. */
	kring_state(&k, 1, 4);
	ring->tail = 7;
	ring->head = 6;
	ring->cur = 6;
	CHECK(nm_kring_sync(&k) == -EINVAL, "head judged against the user's tail");
	CHECK(ring->tail == 4, "tail not restored after reinit: %u", ring->tail);
	free(ring);
}

/* The peer's published hwtail becomes the tail at the end of the sync. */
static void test_finalize_publishes(void)
{
	u32 n = 8;
	struct netmap_ring *ring = ring_alloc(n);
	struct nm_kring k;

	kring_setup(&k, ring, n, NM_RX);
	CHECK(ring->head == 0 && ring->cur == 0 && ring->tail == 0, "RX ring not empty at init");
	smp_store_release(&k.nr_hwtail, 5);
	CHECK(nm_kring_sync(&k) == 0, "sync failed");
	CHECK(ring->tail == 5 && k.rtail == 5, "tail %u rtail %u, want 5", ring->tail, k.rtail);

	kring_setup(&k, ring, n, NM_TX);
	CHECK(ring->head == 0 && ring->tail == n - 1, "TX ring not free at init");
	free(ring);
}

static void test_busy(void)
{
	u32 n = 8;
	struct netmap_ring *ring = ring_alloc(n);
	struct nm_kring k;

	kring_setup(&k, ring, n, NM_TX);
	CHECK(nm_os_tryget(&k.busy), "busy bit not free");
	syncs = 0;
	CHECK(nm_kring_sync(&k) == -EBUSY, "second sync not refused");
	CHECK(syncs == 0, "sync ran while busy");
	nm_os_put(&k.busy);
	CHECK(nm_kring_sync(&k) == 0 && syncs == 1, "sync after release failed");
	CHECK(k.busy == 0, "busy bit left set");
	free(ring);
}

static void test_timestamp(void)
{
	u32 n = 4;
	struct netmap_ring *ring = ring_alloc(n);
	struct nm_kring k;

	kring_setup(&k, ring, n, NM_TX);
	nm_kring_sync(&k);
	CHECK(ring->ts.tv_sec == 0, "timestamp without NR_TIMESTAMP");
	ring->flags = NR_TIMESTAMP;
	nm_os_no_timestamp = 1;
	nm_kring_sync(&k);
	CHECK(ring->ts.tv_sec == 0, "timestamp with no_timestamp set");
	nm_os_no_timestamp = 0;
	nm_kring_sync(&k);
	CHECK(ring->ts.tv_sec > 0, "no timestamp with NR_TIMESTAMP");
	free(ring);
}

static void test_reset_user(void)
{
	u32 n = 8;
	struct netmap_ring *ring = ring_alloc(n);
	struct nm_kring k;

	kring_setup(&k, ring, n, NM_RX);
	kring_state(&k, 3, 3);
	smp_store_release(&k.nr_hwtail, 6);
	ring->head = 5;				/* left behind by an earlier user */
	ring->cur = 7;
	nm_kring_reset_user(&k);
	CHECK(ring->head == 3 && ring->cur == 3 && ring->tail == 6,
	      "reset gave head %u cur %u tail %u", ring->head, ring->cur, ring->tail);
	free(ring);
}

static void test_check_user(void)
{
	u32 n = 8;
	struct netmap_ring *ring = ring_alloc(n);
	struct nm_kring k;

	kring_setup(&k, ring, n, NM_TX);
	kring_state(&k, 2, 6);
	/* Legal progress of another user is kept. */
	ring->head = 4;
	ring->cur = 5;
	ring->tail = 0;
	nm_kring_check_user(&k);
	CHECK(ring->head == 4 && ring->cur == 5 && ring->tail == 6,
	      "legal ring changed: head %u cur %u tail %u", ring->head, ring->cur, ring->tail);
	/* Garbage is put back to the kernel's state. */
	ring->head = 7;
	ring->cur = 1000;
	nm_kring_check_user(&k);
	CHECK(ring->head == 2 && ring->cur == 2 && ring->tail == 6,
	      "broken ring kept: head %u cur %u tail %u", ring->head, ring->cur, ring->tail);
	/* A running sync owns the ring: hands off. */
	ring->head = 7;
	nm_os_tryget(&k.busy);
	nm_kring_check_user(&k);
	CHECK(ring->head == 7, "ring touched during a sync");
	nm_os_put(&k.busy);
	free(ring);
}

static void test_null_sync(void)
{
	u32 n = 8, i;
	struct netmap_ring *ring = ring_alloc(n);
	struct nm_kring k;

	kring_setup(&k, ring, n, NM_TX);
	k.nm_sync = nm_null_txsync;
	for (i = 0; i < 20; i++) {
		u32 h = (ring->head + 3) % n;

		ring->head = ring->cur = h;
		CHECK(nm_kring_sync(&k) == 0, "null txsync failed");
		CHECK(ring->tail == (h + n - 1) % n, "null tx tail %u after head %u", ring->tail, h);
	}
	CHECK(k.stat_pkts == 60, "null tx counted %llu", (unsigned long long)k.stat_pkts);

	/* A bad slot stops the null txsync too; repaired, it goes through. */
	kring_setup(&k, ring, n, NM_TX);
	k.nm_sync = nm_null_txsync;
	ring->slot[2].buf_idx = NBUFS;
	ring->head = ring->cur = 4;
	CHECK(nm_kring_sync(&k) == -EINVAL, "null txsync accepted a bad buffer");
	CHECK(ring->head == 2 && ring->tail == 1, "null tx after a bad slot: head %u tail %u",
	      ring->head, ring->tail);
	ring->slot[2].buf_idx = 5;
	ring->slot[3].len = BUF_SIZE + 1;
	ring->head = ring->cur = 4;
	CHECK(nm_kring_sync(&k) == -EINVAL && ring->head == 3, "null txsync accepted a bad len");
	ring->slot[3].len = 60;
	ring->head = ring->cur = 4;
	CHECK(nm_kring_sync(&k) == 0 && ring->tail == 3, "null txsync after repair");

	kring_setup(&k, ring, n, NM_RX);
	k.nm_sync = nm_null_rxsync;
	CHECK(nm_kring_sync(&k) == 0 && ring->tail == 0, "null rx received something");
	ring->head = 1;
	CHECK(nm_kring_sync(&k) == -EINVAL, "null rx accepted a head past tail");
	free(ring);
}

static const struct check_case cases[] = {
	CHECK_CASE(prologue_exhaustive),
	CHECK_CASE(prologue_huge),
	CHECK_CASE(prologue_wrap),
	CHECK_CASE(reinit_then_ok),
	CHECK_CASE(tail_restored),
	CHECK_CASE(finalize_publishes),
	CHECK_CASE(busy),
	CHECK_CASE(timestamp),
	CHECK_CASE(reset_user),
	CHECK_CASE(check_user),
	CHECK_CASE(null_sync),
};

CHECK_MAIN(cases)
