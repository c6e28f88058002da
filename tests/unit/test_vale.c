// SPDX-License-Identifier: BSD-2-Clause
/*
 * Host tests of the VALE learning table (kernel/core/vale_lut.c) and of the
 * forwarding core (kernel/core/vale_fwd.c), driven through nm_kring_sync()
 * as the ioctls drive it: learning, unicast to the learned port only,
 * flooding of unknown/broadcast/multicast destinations to all other ports,
 * no hairpin, NS_NO_LEARN, NS_MOREFRAG chains (split by the destination's
 * buffer size, too-long chains dropped, unfinished chains kept), a full
 * destination drops and counts, bad slots stop the sync, NS_INDIRECT (and
 * its pages that are not resident: the sync stops for the caller to fault
 * them in), the counter invariant: copies sent = received + dropped, and
 * ports of different virtio-net header lengths (vale_vnet.c): headers
 * added, cut, removed with their offloads (checksum, GSO segmentation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vale_fwd.h"

#include "check.h"



#define MAXP	8

/* A VALE port: one TX and one RX ring (or nrx), each port its own region. */
struct tport {
	struct nm_mem mem;
	u32 n;
	struct netmap_ring *txr, *rxr[2];
	struct nm_kring tx, rx[2];
	struct nm_vale_txq *q;
	struct nm_vale_rxq *rxq;
	struct nm_vale_vport vp;
	u64 notified;
};

static struct nm_vale_sw *sw;
static struct tport ports[MAXP];
static int nports;

static void notify(struct nm_kring *k)
{
	k->os.notified++;
}

static struct netmap_ring *ring_alloc(u32 n, u32 first_buf, u32 bs)
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
	*(u32 *)&ring->nr_buf_size = bs;
	for (i = 0; i < n; i++)
		ring->slot[i].buf_idx = first_buf + i;
	return ring;
}

static void table_publish(void)
{
	struct nm_vale_table *t = calloc(1, sizeof(*t)), *old = sw->table;
	int i;

	for (i = 0; i < nports; i++) {
		t->list[t->n++] = (u8)i;
		t->port[i] = &ports[i].vp;
	}
	sw->table = t;
	free(old);
}

static void port_init(struct tport *p, int index, u32 n, u32 bs, u32 nrx)
{
	u32 r;

	memset(p, 0, sizeof(*p));
	p->n = n;
	p->mem.nbufs = 2 + 3 * n;
	p->mem.buf_size = bs;
	p->mem.base = calloc(p->mem.nbufs, bs);
	p->txr = ring_alloc(n, 2, bs);
	nm_kring_init(&p->tx, p->txr, &p->mem, n, bs, 0, NM_TX);
	p->tx.nm_sync = NULL;	/* set by the caller of sync */
	p->tx.notify = notify;
	for (r = 0; r < nrx; r++) {
		p->rxr[r] = ring_alloc(n, 2 + n * (1 + r), bs);
		nm_kring_init(&p->rx[r], p->rxr[r], &p->mem, n, bs, r, NM_RX);
		p->rx[r].nm_sync = nm_vale_rxsync;
		p->rx[r].notify = notify;
	}
	p->q = calloc(1, nm_vale_txq_size(64));
	nm_vale_txq_init(p->q, 64);
	p->rxq = aligned_alloc(64, 2 * sizeof(struct nm_vale_rxq));
	nm_vale_rxq_init(p->rxq, nrx);
	p->vp.index = (u8)index;
	p->vp.nrx = nrx;
	p->vp.rxk = p->rx;
	p->vp.rxq = p->rxq;
}

static void port_fini(struct tport *p)
{
	u32 r;

	free(p->mem.base);
	free(p->txr);
	for (r = 0; r < p->vp.nrx; r++)
		free(p->rxr[r]);
	free(p->q);
	free(p->rxq);
}

static void setup(int np, u32 n, const u32 *bs)
{
	int i;

	sw = calloc(1, sizeof(*sw));
	nm_vale_lut_init(&sw->lut);
	nports = np;
	for (i = 0; i < np; i++)
		port_init(&ports[i], i, n, bs ? bs[i] : 2048, 1);
	table_publish();
}

static void teardown(void)
{
	int i;

	for (i = 0; i < nports; i++)
		port_fini(&ports[i]);
	free(sw->table);
	free(sw);
	nports = 0;
}

/* The txsync the kernel's vale.c installs, for the port that owns @k. */
static int txsync_of(int src)
{
	struct tport *p = &ports[src];
	int err;

	if (!nm_os_tryget(&p->tx.busy))
		return -EBUSY;
	err = nm_kring_prologue(&p->tx);
	p->q->hdr_len = p->vp.hdr_len;	/* as vale.c does before each sync */
	if (!err)
		err = nm_vale_txsync(&p->tx, p->q, sw, (u8)src, 2);
	nm_kring_finalize(&p->tx);
	nm_os_put(&p->tx.busy);
	return err;
}

static const u8 BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void mac_of(int port, u8 mac[6])
{
	u8 m[6] = { 0x02, 0, 0, 0, 0, (u8)(0x10 + port) };

	memcpy(mac, m, 6);
}

/* Put a frame in port @src's TX ring at cur (not synced). */
static void put_frame(int src, const u8 dst[6], const u8 smac[6], u16 len, u16 flags, u8 tag)
{
	struct tport *p = &ports[src];
	struct netmap_ring *r = p->txr;
	struct netmap_slot *s = &r->slot[r->cur];
	u8 *buf = nm_os_buf_addr(&p->mem, s->buf_idx);

	memset(buf, tag, len);
	if (len >= 14) {
		memcpy(buf, dst, 6);
		memcpy(buf + 6, smac, 6);
	}
	s->len = len;
	s->flags = flags;
	r->head = r->cur = nm_kring_next(r->cur, p->n);
}

static int send1(int src, const u8 dst[6], u16 len, u8 tag)
{
	u8 smac[6];

	mac_of(src, smac);
	put_frame(src, dst, smac, len, 0, tag);
	return txsync_of(src);
}

/* Frames waiting in port @i's RX ring 0 (after an rxsync). */
static u32 rx_avail(int i)
{
	struct tport *p = &ports[i];

	nm_kring_sync(&p->rx[0]);
	return nm_kring_dist(p->rxr[0]->cur, p->rxr[0]->tail, p->n);
}

/* Consume everything in port @i's RX ring 0, returning the first frame's tag byte (-1 none). */
static int rx_drain(int i, u32 *count)
{
	struct tport *p = &ports[i];
	struct netmap_ring *r = p->rxr[0];
	int tag = -1;
	u32 c = 0;

	nm_kring_sync(&p->rx[0]);
	while (r->cur != r->tail) {
		struct netmap_slot *s = &r->slot[r->cur];
		const u8 *buf = nm_os_buf_addr(&p->mem, s->buf_idx);

		if (tag < 0)
			tag = s->len > 14 ? buf[14] : 0;
		c++;
		r->cur = nm_kring_next(r->cur, p->n);
	}
	r->head = r->cur;
	nm_kring_sync(&p->rx[0]);
	if (count)
		*count = c;
	return tag;
}

static void drain_all(void)
{
	int i;

	for (i = 0; i < nports; i++)
		rx_drain(i, NULL);
}

static void test_lut(void)
{
	struct nm_vale_lut *lut = malloc(sizeof(*lut));
	u8 m[6] = { 0x02, 1, 2, 3, 4, 5 };
	u64 mac = nm_vale_mac(m);

	nm_vale_lut_init(lut);
	CHECK(mac == 0x020102030405ULL, "mac %llx", (unsigned long long)mac);
	CHECK(nm_vale_lut_lookup(lut, mac) == -1, "empty table");
	nm_vale_lut_learn(lut, mac, 7);
	CHECK(nm_vale_lut_lookup(lut, mac) == 7, "learned");
	nm_vale_lut_learn(lut, mac, 9);
	CHECK(nm_vale_lut_lookup(lut, mac) == 9, "moved");
	CHECK(nm_vale_lut_lookup(lut, mac ^ 1) == -1, "other mac");
	nm_vale_lut_learn(lut, 0, 3);
	CHECK(nm_vale_lut_lookup(lut, 0) == 3, "mac 0 is a mac");
	nm_vale_lut_forget(lut, 9);
	CHECK(nm_vale_lut_lookup(lut, mac) == -1, "forgotten");
	CHECK(nm_vale_lut_lookup(lut, 0) == 3, "others stay");
	CHECK(nm_vale_mac_group(nm_vale_mac(BCAST)), "broadcast is group");
	CHECK(!nm_vale_mac_group(mac), "unicast");
	free(lut);
}

static void test_learning(void)
{
	u8 ma[6], mb[6], mc[6];
	u32 c;

	setup(4, 64, NULL);
	mac_of(0, ma);
	mac_of(1, mb);
	mac_of(2, mc);
	/* Unknown destination: flooded to all others, never back to the source. */
	CHECK(send1(0, mb, 60, 0xa1) == 0, "send");
	CHECK(rx_avail(0) == 0, "no hairpin");
	CHECK(rx_avail(1) == 1 && rx_avail(2) == 1 && rx_avail(3) == 1, "flooded");
	drain_all();
	/* B answers A: A is known now, so only A gets it. */
	CHECK(send1(1, ma, 60, 0xb1) == 0, "send");
	CHECK(rx_drain(0, &c) == 0xb1 && c == 1, "unicast to A");
	CHECK(rx_avail(2) == 0 && rx_avail(3) == 0 && rx_avail(1) == 0, "only A");
	/* A -> B: B is learned too. */
	CHECK(send1(0, mb, 60, 0xa2) == 0, "send");
	CHECK(rx_drain(1, &c) == 0xa2 && c == 1, "unicast to B");
	CHECK(rx_avail(2) == 0 && rx_avail(3) == 0 && rx_avail(0) == 0, "only B");
	/* Broadcast and multicast: everyone else. */
	CHECK(send1(0, BCAST, 60, 0xa3) == 0, "send");
	CHECK(rx_avail(0) == 0 && rx_avail(1) == 1 && rx_avail(2) == 1 && rx_avail(3) == 1,
	      "broadcast");
	drain_all();
	{
		u8 mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };

		CHECK(send1(2, mcast, 60, 0xc1) == 0, "send");
		CHECK(rx_avail(2) == 0 && rx_avail(0) == 1 && rx_avail(1) == 1 && rx_avail(3) == 1,
		      "multicast");
		drain_all();
	}
	/* To a MAC learned on the source port itself: dropped (no hairpin). */
	CHECK(send1(1, mb, 60, 0xb2) == 0, "send");
	CHECK(rx_avail(0) + rx_avail(1) + rx_avail(2) + rx_avail(3) == 0, "hairpin dropped");
	/* A group source address is never learned. */
	{
		u8 gsrc[6] = { 0x03, 0, 0, 0, 0, 0x77 };

		put_frame(3, ma, gsrc, 60, 0, 0xd1);
		CHECK(txsync_of(3) == 0, "send");
		CHECK(nm_vale_lut_lookup(&sw->lut, nm_vale_mac(gsrc)) == -1, "group src not learned");
		drain_all();
	}
	/* NS_NO_LEARN: D's MAC stays unknown, so frames to it flood. */
	{
		u8 md[6];

		mac_of(3, md);
		put_frame(3, ma, md, 60, NS_NO_LEARN, 0xd2);
		CHECK(txsync_of(3) == 0, "send");
		CHECK(nm_vale_lut_lookup(&sw->lut, nm_vale_mac(md)) == -1, "not learned");
		drain_all();
		CHECK(send1(0, md, 60, 0xa4) == 0, "send");
		CHECK(rx_avail(1) == 1 && rx_avail(2) == 1 && rx_avail(3) == 1, "flooded");
		drain_all();
	}
	/* Runt frames are dropped and counted. */
	{
		u64 e = ports[0].q->tx_errors;

		CHECK(send1(0, mb, 10, 0) == 0, "send runt");
		CHECK(ports[0].q->tx_errors == e + 1, "runt counted");
		CHECK(rx_avail(1) == 0, "runt not delivered");
	}
	/* The sender got all its slots back. */
	CHECK(ports[0].txr->tail == nm_kring_prev(ports[0].txr->head, 64), "tx tail %u head %u",
	      ports[0].txr->tail, ports[0].txr->head);
	CHECK(ports[0].rx[0].os.notified == 0 || 1, "notify");
	teardown();
}

static void test_frags(void)
{
	u32 bs[3] = { 2048, 512, 2048 };
	u8 ma[6], mb[6];
	struct tport *b;
	u32 i;

	setup(3, 256, bs);
	b = &ports[1];
	mac_of(0, ma);
	mac_of(1, mb);
	CHECK(send1(1, ma, 60, 1) == 0, "learn B");
	drain_all();
	/* A 3-slot chain of 1500+1500+100 bytes to B, whose buffers are 512 bytes. */
	put_frame(0, mb, ma, 1500, NS_MOREFRAG, 0x11);
	put_frame(0, mb, ma, 1500, NS_MOREFRAG, 0x12);
	/* Unfinished chain: nothing moves yet. */
	CHECK(txsync_of(0) == 0, "sync");
	CHECK(rx_avail(1) == 0, "unfinished chain kept");
	CHECK(ports[0].tx.nr_hwcur == 0, "hwcur stays at the chain start");
	put_frame(0, mb, ma, 100, 0, 0x13);
	CHECK(txsync_of(0) == 0, "sync");
	/* 1500 -> 2 slots of 512 + 1 of 476, twice, plus 1: 7 slots. */
	CHECK(rx_avail(1) == 7, "split into %u slots", rx_avail(1));
	{
		struct netmap_ring *r = b->rxr[0];
		u32 j = r->cur, k;
		u32 total = 0;

		for (k = 0; k < 7; k++, j = nm_kring_next(j, 256)) {
			struct netmap_slot *s = &r->slot[j];

			total += s->len;
			CHECK(NS_RFRAGS(s) == 7 - k, "rfrags %u at %u", NS_RFRAGS(s), k);
			CHECK(!!(s->flags & NS_MOREFRAG) == (k < 6), "morefrag at %u", k);
		}
		CHECK(total == 3100, "bytes %u", total);
		/* Data arrived in order: check the fragment tags. */
		j = r->cur;
		CHECK(((u8 *)nm_os_buf_addr(&b->mem, r->slot[nm_kring_next(j, 256)].buf_idx))[0] == 0x11,
		      "frag 1 data");
		j = (r->cur + 3) % 256;
		CHECK(((u8 *)nm_os_buf_addr(&b->mem, r->slot[j].buf_idx))[100] == 0x12 &&
		      r->slot[j].len == 512, "frag 2 data");
	}
	CHECK(rx_avail(2) == 0, "unicast");
	drain_all();

	/* A chain of 65 slots is dropped and counted; the next frame goes through. */
	{
		u64 e = ports[0].q->tx_errors;

		for (i = 0; i < 65; i++)
			put_frame(0, mb, ma, 60, i < 64 ? NS_MOREFRAG : 0, 0x20);
		send1(0, mb, 60, 0x21);
		CHECK(ports[0].q->tx_errors == e + 1, "too-long chain counted");
		CHECK(rx_drain(1, &i) == 0x21 && i == 1, "only the next frame arrived (%u)", i);
	}
	/* A too-long chain across two syncs. */
	{
		u64 e = ports[0].q->tx_errors;

		for (i = 0; i < 70; i++)
			put_frame(0, mb, ma, 60, NS_MOREFRAG, 0x30);
		CHECK(txsync_of(0) == 0, "sync");
		for (i = 0; i < 10; i++)
			put_frame(0, mb, ma, 60, i < 9 ? NS_MOREFRAG : 0, 0x30);
		CHECK(txsync_of(0) == 0, "sync");
		send1(0, mb, 60, 0x31);
		CHECK(ports[0].q->tx_errors == e + 1, "counted once");
		CHECK(rx_drain(1, &i) == 0x31 && i == 1, "only the next frame (%u)", i);
	}
	/* A chain of exactly 64 slots is fine. */
	for (i = 0; i < 64; i++)
		put_frame(0, mb, ma, 60, i < 63 ? NS_MOREFRAG : 0, 0x40);
	CHECK(txsync_of(0) == 0, "sync");
	CHECK(rx_avail(1) == 64, "64-slot chain delivered");
	drain_all();
	teardown();
}

static void test_full_and_counters(void)
{
	u8 ma[6];
	u64 sent_copies = 0, recv = 0, drops = 0, txp = 0;
	int i, round;

	setup(4, 32, NULL);
	mac_of(0, ma);
	/* Port 2 never reads: its ring fills up (31 slots), the rest is dropped. */
	for (round = 0; round < 4; round++) {
		for (i = 0; i < 20; i++)
			put_frame(round & 1, BCAST, ma, 60, 0, (u8)i);
		CHECK(txsync_of(round & 1) == 0, "sync");
		sent_copies += 20 * 3;
		rx_drain(round & 1 ? 0 : 1, NULL);
		rx_drain(3, NULL);
	}
	CHECK(rx_avail(2) == 31, "full ring holds n-1: %u", rx_avail(2));
	for (i = 0; i < 4; i++) {
		recv += ports[i].rxq[0].rx_packets;
		drops += ports[i].rxq[0].rx_drops;
		txp += ports[i].q->tx_packets;
	}
	CHECK(ports[2].rxq[0].rx_drops == 80 - 31, "drops %llu",
	      (unsigned long long)ports[2].rxq[0].rx_drops);
	CHECK(txp == 80, "tx packets %llu", (unsigned long long)txp);
	CHECK(sent_copies == recv + drops, "sent %llu = received %llu + dropped %llu",
	      (unsigned long long)sent_copies, (unsigned long long)recv,
	      (unsigned long long)drops);
	CHECK(ports[1].rxq[0].rx_bytes == 60 * ports[1].rxq[0].rx_packets, "bytes");
	/* The full port did not block the others: port 3 got everything. */
	CHECK(ports[3].rxq[0].rx_packets == 80 && ports[3].rxq[0].rx_drops == 0, "others unaffected");
	teardown();
}

static void test_bad_slots(void)
{
	u8 ma[6], mb[6];
	u32 c;

	setup(2, 64, NULL);
	mac_of(0, ma);
	mac_of(1, mb);
	send1(0, mb, 60, 1);
	put_frame(0, mb, ma, 60, 0, 2);
	put_frame(0, mb, ma, 60, 0, 3);
	ports[0].txr->slot[nm_kring_prev(ports[0].txr->cur, 64)].buf_idx = 100000;
	put_frame(0, mb, ma, 60, 0, 4);
	/* The first two frames go out; the bad one and the rest come back. */
	c = ports[0].txr->head;
	CHECK(txsync_of(0) == -EINVAL, "bad buf_idx refused");
	CHECK(ports[0].txr->head == nm_kring_prev(nm_kring_prev(c, 64), 64),
	      "head moved back to the bad slot");
	CHECK(rx_avail(1) == 2, "frames before it went out: %u", rx_avail(1));
	drain_all();
	ports[0].txr->slot[ports[0].txr->head].buf_idx = 5;
	ports[0].txr->head = ports[0].txr->cur = c;
	CHECK(txsync_of(0) == 0, "repaired");
	CHECK(rx_avail(1) == 2, "rest delivered");
	drain_all();
	/* len too big */
	put_frame(0, mb, ma, 60, 0, 5);
	ports[0].txr->slot[nm_kring_prev(ports[0].txr->cur, 64)].len = 4000;
	CHECK(txsync_of(0) == -EINVAL, "bad len refused");
	/* A bad buf_idx on the receiving side lands in buffer 0, harmlessly. */
	ports[0].txr->slot[ports[0].txr->head].len = 60;
	ports[1].rxr[0]->slot[ports[1].rx[0].nr_hwtail].buf_idx = 99999;
	ports[0].txr->head = ports[0].txr->cur = nm_kring_next(ports[0].txr->head, 64);
	CHECK(txsync_of(0) == 0, "sync");
	CHECK(rx_avail(1) == 1, "delivered to the bad slot");
	drain_all();
	/* Bad head: the prologue refuses, the next correct call works. */
	ports[0].txr->head = 1000;
	CHECK(txsync_of(0) == -EINVAL, "bad head");
	CHECK(send1(0, mb, 60, 6) == 0, "works again");
	teardown();
}

static void test_indirect(void)
{
	u8 payload[60], ma[6], mb[6];
	struct netmap_slot *s;

	setup(2, 64, NULL);
	mac_of(0, ma);
	mac_of(1, mb);
	memset(payload, 0x5a, sizeof(payload));
	memcpy(payload, mb, 6);
	memcpy(payload + 6, ma, 6);
	s = &ports[0].txr->slot[ports[0].txr->cur];
	s->len = 60;
	s->flags = NS_INDIRECT;
	s->ptr = (u64)(uintptr_t)payload;
	ports[0].txr->head = ports[0].txr->cur = 1;
	CHECK(txsync_of(0) == 0, "sync");
	CHECK(rx_drain(1, NULL) == 0x5a, "indirect payload arrived");
	s = &ports[0].txr->slot[1];
	s->len = 60;
	s->flags = NS_INDIRECT;
	s->ptr = 0;
	ports[0].txr->head = ports[0].txr->cur = 2;
	CHECK(txsync_of(0) == -EINVAL, "unreadable indirect payload refused");
	teardown();
}

/*
 * A "page that is not resident" (nm_os_not_resident): the sync must not
 * fault with the busy bit held, so it stops at the slot with -EFAULT and
 * the range, leaving the slot and the rest pending; after the caller faulted
 * it in, the next sync sends them. An address the caller could not fault
 * in (f.bad) is refused like a bad slot, as is any miss without a caller
 * that faults (nm_kring_sync()).
 */
static u64 absent_ptr;

static bool absent(u64 uptr, u32 len)
{
	(void)len;
	return uptr == absent_ptr;
}

/* kring->nm_sync of port @k->owner, as vale.c installs it. */
static int vale_sync(struct nm_kring *k)
{
	struct tport *p = k->owner;

	return nm_vale_txsync(k, p->q, sw, p->vp.index, 2);
}

static void put_indirect(int src, const u8 *payload, u16 len, u16 flags)
{
	struct netmap_ring *r = ports[src].txr;
	struct netmap_slot *s = &r->slot[r->cur];

	s->len = len;
	s->flags = NS_INDIRECT | flags;
	s->ptr = (u64)(uintptr_t)payload;
	r->head = r->cur = nm_kring_next(r->cur, ports[src].n);
}

static void test_indirect_fault(void)
{
	u8 payload[60], ma[6];
	struct nm_kring_fault f = { 0 };
	struct tport *p;
	u32 c;

	setup(2, 64, NULL);
	p = &ports[0];
	p->tx.owner = p;
	p->tx.nm_sync = vale_sync;
	mac_of(0, ma);
	memset(payload, 0x77, sizeof(payload));
	memcpy(payload, BCAST, 6);
	memcpy(payload + 6, ma, 6);
	absent_ptr = (u64)(uintptr_t)payload;
	nm_os_not_resident = absent;

	put_frame(0, BCAST, ma, 60, 0, 0x11);
	put_indirect(0, payload, 60, 0);
	put_frame(0, BCAST, ma, 60, 0, 0x33);
	CHECK(nm_kring_sync_fault(&p->tx, &f) == -EFAULT, "not resident: -EFAULT");
	CHECK(f.uptr == absent_ptr && f.len == 60, "range to fault in");
	CHECK(p->tx.nr_hwcur == 1 && p->txr->head == 3 && p->txr->cur == 3,
	      "slot before sent, the rest pending (hwcur %u head %u)", p->tx.nr_hwcur, p->txr->head);
	CHECK(p->q->tx_errors == 0 && p->tx.stat_errs == 0, "not an error");
	CHECK(rx_drain(1, &c) == 0x11 && c == 1, "first frame arrived alone (%u)", c);
	CHECK(p->tx.fault == NULL, "fault pointer cleared after the sync");
	/* Still not resident: the same answer, nothing sent twice. */
	CHECK(nm_kring_sync_fault(&p->tx, &f) == -EFAULT && p->tx.nr_hwcur == 1, "again");
	CHECK(rx_drain(1, &c) == -1 && c == 0, "nothing repeated");
	/* Faulted in: both pending slots go, in order. */
	absent_ptr = 0;
	CHECK(nm_kring_sync_fault(&p->tx, &f) == 0, "sync after the fault-in");
	CHECK(p->tx.nr_hwcur == 3, "all consumed");
	CHECK(rx_drain(1, &c) == 0x77 && c == 2, "indirect then last (%u)", c);

	/* The caller could not fault it in: refused like a bad slot. */
	absent_ptr = (u64)(uintptr_t)payload;
	put_indirect(0, payload, 60, 0);
	f.bad = absent_ptr;
	CHECK(nm_kring_sync_fault(&p->tx, &f) == -EINVAL, "bad address refused");
	CHECK(p->txr->head == 3 && p->q->tx_errors == 1, "stopped at the slot, counted");
	/* Without a caller that faults: refused too. */
	p->txr->head = p->txr->cur = 4;
	CHECK(nm_kring_sync(&p->tx) == -EINVAL && p->txr->head == 3, "nm_kring_sync refuses");
	CHECK(rx_drain(1, &c) == -1 && c == 0, "nothing delivered");
	p->txr->slot[3].flags = 0;
	p->txr->head = p->txr->cur = 4;
	CHECK(nm_kring_sync(&p->tx) == 0, "repaired slot goes");
	rx_drain(1, NULL);

	/* A chain whose second fragment is not resident stays whole. */
	f.bad = 0;
	put_frame(0, BCAST, ma, 60, NS_MOREFRAG, 0x44);
	put_indirect(0, payload, 60, 0);
	CHECK(nm_kring_sync_fault(&p->tx, &f) == -EFAULT && p->tx.nr_hwcur == 4,
	      "chain kept from its first slot (hwcur %u)", p->tx.nr_hwcur);
	CHECK(rx_drain(1, &c) == -1 && c == 0, "no piece of the chain sent");
	absent_ptr = 0;
	CHECK(nm_kring_sync_fault(&p->tx, &f) == 0 && p->tx.nr_hwcur == 6, "chain sent");
	CHECK(rx_drain(1, &c) == 0x44 && c == 2, "two fragments (%u)", c);
	CHECK(p->q->tx_errors == 2, "only the two refusals counted");
	nm_os_not_resident = NULL;
	teardown();
}

/* Two RX rings on the destination: source ring 0 goes to ring 0 % 2. */
static void test_batches_and_wrap(void)
{
	u8 ma[6], mb[6];
	u32 total = 0, c, i, round;

	setup(2, 128, NULL);
	mac_of(0, ma);
	mac_of(1, mb);
	send1(1, ma, 60, 0);
	/* 100 frames per sync with batch 64 and 2 retries: all go in one sync. */
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 100; i++)
			put_frame(0, mb, ma, 60, 0, (u8)i);
		CHECK(txsync_of(0) == 0, "sync");
		CHECK(ports[0].tx.nr_hwcur == ports[0].txr->head, "all consumed");
		rx_drain(1, &c);
		total += c;
	}
	CHECK(total == 2000, "received %u", total);
	CHECK(ports[1].rxq[0].rx_drops == 0, "no drops");
	teardown();
}

/* A port on no switch (a detached persistent port): TX dropped and counted. */
static void test_no_switch(void)
{
	u8 ma[6];
	struct tport *p;

	setup(1, 64, NULL);
	p = &ports[0];
	mac_of(0, ma);
	put_frame(0, BCAST, ma, 60, 0, 1);
	put_frame(0, BCAST, ma, 60, 0, 2);
	put_frame(0, BCAST, ma, 60, 0, 3);
	CHECK(nm_kring_prologue(&p->tx) == 0, "prologue");
	CHECK(nm_vale_txsync_drop(&p->tx, p->q) == 0, "dropped");
	nm_kring_finalize(&p->tx);
	CHECK(p->q->tx_errors == 3, "3 counted (%llu)", (unsigned long long)p->q->tx_errors);
	CHECK(p->txr->tail == nm_kring_prev(p->txr->head, 64), "slots back");
	put_frame(0, BCAST, ma, 60, 0, 4);
	p->txr->slot[nm_kring_prev(p->txr->cur, 64)].buf_idx = 77777;
	CHECK(nm_kring_prologue(&p->tx) == 0, "prologue");
	CHECK(nm_vale_txsync_drop(&p->tx, p->q) == -EINVAL, "bad slot refused");
	nm_kring_finalize(&p->tx);
	teardown();
}

/* ---- virtio-net headers (vale_vnet.c) ---------------------------------------- */

/* The next frame (a chain of slots) in port @i's RX ring 0, or -1. */
static int rx_frame(int i, u8 *out, u32 *len)
{
	struct tport *p = &ports[i];
	struct netmap_ring *r = p->rxr[0];
	u32 l = 0;

	nm_kring_sync(&p->rx[0]);
	if (r->cur == r->tail)
		return -1;
	for (;;) {
		struct netmap_slot *s = &r->slot[r->cur];

		memcpy(out + l, nm_os_buf_addr(&p->mem, s->buf_idx), s->len);
		l += s->len;
		r->cur = nm_kring_next(r->cur, p->n);
		if (!(s->flags & NS_MOREFRAG))
			break;
	}
	r->head = r->cur;
	nm_kring_sync(&p->rx[0]);
	*len = l;
	return 0;
}

/* Put @len bytes of @data in port @src's TX ring, @chunk bytes per slot. */
static void put_bytes(int src, const u8 *data, u32 len, u32 chunk)
{
	struct tport *p = &ports[src];
	struct netmap_ring *r = p->txr;

	do {
		struct netmap_slot *s = &r->slot[r->cur];
		u32 c = len < chunk ? len : chunk;

		memcpy(nm_os_buf_addr(&p->mem, s->buf_idx), data, c);
		s->len = (u16)c;
		data += c;
		len -= c;
		s->flags = len ? NS_MOREFRAG : 0;
		r->head = r->cur = nm_kring_next(r->cur, p->n);
	} while (len);
}

static u32 sum16(const u8 *b, u32 len, u32 sum)
{
	u32 i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (u32)b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += (u32)b[len - 1] << 8;
	return sum;
}

static u16 fold(u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16)sum;
}

/* Is the IPv4 TCP/UDP frame @f (no virtio-net header) checksummed right? */
static bool l4_ok(const u8 *f, u32 len, u8 proto)
{
	u32 l4 = 14 + (f[14] & 0xf) * 4u, l4len = len - l4;
	u32 s = proto + l4len;

	s = sum16(f + 26, 8, s);
	s = sum16(f + l4, l4len, s);
	return fold(s) == 0xffff && fold(sum16(f + 14, l4 - 14, 0)) == 0xffff;
}

/* An Ethernet + IPv4 + TCP (or UDP) frame of @pay payload bytes. */
static u32 ip_frame(u8 *f, u8 proto, u32 pay, int src)
{
	u32 l4len = (proto == 6 ? 20 : 8) + pay, i;

	memset(f, 0, 14 + 20 + l4len);
	memcpy(f, BCAST, 6);
	mac_of(src, f + 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (u8)((20 + l4len) >> 8);
	f[17] = (u8)(20 + l4len);
	f[18] = 0x12;
	f[19] = 0x34;
	f[22] = 64;
	f[23] = proto;
	memcpy(f + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	f[34] = 0x30;
	f[35] = 0x39;
	f[37] = 80;
	if (proto == 6) {
		f[38] = 0x10;		/* seq 0x10000000 */
		f[46] = 5 << 4;
		f[47] = 0x18 | 0x01 | 0x80;	/* PSH ACK FIN CWR */
	} else {
		f[38] = (u8)(l4len >> 8);
		f[39] = (u8)l4len;
	}
	for (i = 0; i < pay; i++)
		f[14 + 20 + (proto == 6 ? 20 : 8) + i] = (u8)i;
	i = (u16)~fold(sum16(f + 14, 20, 0));
	f[24] = (u8)(i >> 8);
	f[25] = (u8)i;
	return 14 + 20 + l4len;
}

static void test_vnet(void)
{
	static u8 f[8192], g[8192];
	u8 vh[12];
	u32 len, i, n;

	/* Ports: header 0, 10, 12, 0. */
	setup(4, 64, NULL);
	ports[1].vp.hdr_len = 10;
	ports[2].vp.hdr_len = 12;
	/* 0 -> 10 / 12: zeroed header prepended; 0 -> 0 unchanged. */
	CHECK(send1(0, BCAST, 60, 0x5a) == 0, "send from header 0");
	CHECK(rx_frame(1, f, &len) == 0 && len == 70, "10-byte header added (%u)", len);
	CHECK(!memcmp(f, "\0\0\0\0\0\0\0\0\0\0", 10) && f[10] == 0xff && f[10 + 14] == 0x5a,
	      "zeros, then the frame");
	CHECK(rx_frame(2, f, &len) == 0 && len == 72 && f[11] == 0 && f[12] == 0xff,
	      "12-byte header added");
	CHECK(rx_frame(3, f, &len) == 0 && len == 60 && f[14] == 0x5a, "same length: as sent");
	/* 10 -> 12: ten bytes and two zeros; 10 -> 0: removed. */
	memset(f, 0x77, 80);
	memset(f, 0, 10);
	f[2] = 0xab;	/* hdr_len, gso_size: no offload asked */
	f[4] = 0xcd;
	memcpy(f + 10, BCAST, 6);
	mac_of(1, f + 16);
	put_bytes(1, f, 70, 2048);
	CHECK(txsync_of(1) == 0, "send from header 10");
	CHECK(rx_frame(2, g, &len) == 0 && len == 72, "to 12 (%u)", len);
	CHECK(!memcmp(g, f, 10) && g[10] == 0 && g[11] == 0 && !memcmp(g + 12, f + 10, 60),
	      "10 source bytes, 2 zeros, the frame");
	CHECK(rx_frame(0, g, &len) == 0 && len == 60 && !memcmp(g, f + 10, 60), "to 0: removed");
	CHECK(rx_frame(3, g, &len) == 0 && len == 60, "to the other 0");
	/* 12 -> 10: the first ten bytes. */
	memset(f, 0x66, 84);
	memset(f, 0, 12);
	f[10] = 1;	/* num_buffers */
	memcpy(f + 12, BCAST, 6);
	mac_of(2, f + 18);
	put_bytes(2, f, 72, 2048);
	CHECK(txsync_of(2) == 0, "send from header 12");
	CHECK(rx_frame(1, g, &len) == 0 && len == 70 && !memcmp(g, f, 10) &&
	      !memcmp(g + 10, f + 12, 60), "12 -> 10 (%u)", len);
	drain_all();
	/* NEEDS_CSUM: the UDP checksum is completed at csum_start + csum_offset. */
	n = ip_frame(f + 10, 17, 101, 1);
	memset(f, 0, 10);
	f[0] = 1;		/* VIRTIO_NET_HDR_F_NEEDS_CSUM */
	f[6] = 34;		/* csum_start */
	f[8] = 6;		/* csum_offset */
	{
		/* The field holds the pseudo-header sum, as a stack leaves it. */
		u16 ph = fold(sum16(f + 10 + 26, 8, 17 + 8 + 101));

		f[10 + 40] = (u8)(ph >> 8);
		f[10 + 41] = (u8)ph;
	}
	put_bytes(1, f, 10 + n, 50);	/* in 50-byte slots: sums across slots, odd offsets */
	CHECK(txsync_of(1) == 0, "send UDP with NEEDS_CSUM");
	CHECK(rx_frame(0, g, &len) == 0 && len == n, "stripped (%u of %u)", len, n);
	CHECK(l4_ok(g, len, 17), "UDP checksum completed");
	drain_all();
	/* An unknown gso_type drops the packet where the header is removed. */
	{
		u64 d = ports[0].rxq[0].rx_drops;

		f[0] = 0;
		f[1] = 2;
		put_bytes(1, f, 10 + n, 2048);
		CHECK(txsync_of(1) == 0, "send bad gso_type");
		CHECK(rx_avail(0) == 0 && ports[0].rxq[0].rx_drops == d + 1, "dropped, counted");
		CHECK(rx_avail(2) == 1, "kept where the header stays");
		drain_all();
	}
	/* GSO TCPv4: 3000 bytes in segments of 1514-byte frames. */
	n = ip_frame(f + 10, 6, 3000, 1);
	memset(vh, 0, sizeof(vh));
	vh[0] = 1;
	vh[1] = 1;		/* VIRTIO_NET_HDR_GSO_TCPV4 */
	vh[4] = 1448 & 0xff;
	vh[5] = 1448 >> 8;
	vh[6] = 34;
	vh[8] = 16;
	memcpy(f, vh, 10);
	put_bytes(1, f, 10 + n, 2048);
	CHECK(txsync_of(1) == 0, "send GSO TCPv4");
	for (i = 0; i < 3; i++) {
		const u32 want = i < 2 ? 1460 : 80;
		u32 seq;

		CHECK(rx_frame(0, g, &len) == 0 && len == 54 + want, "segment %u: %u bytes", i, len);
		CHECK((u32)(g[16] << 8 | g[17]) == 40 + want, "segment %u: IP length", i);
		CHECK((u32)(g[18] << 8 | g[19]) == 0x1234 + i, "segment %u: IP id", i);
		seq = (u32)g[38] << 24 | (u32)g[39] << 16 | (u32)g[40] << 8 | g[41];
		CHECK(seq == 0x10000000u + i * 1460, "segment %u: seq %x", i, seq);
		CHECK(g[47] == (i == 2 ? 0x19 : i == 0 ? 0x90 : 0x10), "segment %u: flags %x", i,
		      g[47]);
		CHECK(l4_ok(g, len, 6), "segment %u: checksums", i);
		CHECK(g[54] == (u8)(i * 1460) && g[54 + want - 1] == (u8)(i * 1460 + want - 1),
		      "segment %u: payload", i);
	}
	CHECK(rx_frame(0, g, &len) == -1, "three segments");
	CHECK(rx_frame(2, g, &len) == 0 && len == 12 + n, "header 12 gets it whole");
	drain_all();
	/* A header alone in the first slot: learning reads the next one. */
	memset(f, 0, 10);
	mac_of(0, f + 10);
	mac_of(1, f + 16);
	memset(f + 22, 0x33, 48);
	put_bytes(1, f, 10, 10);
	ports[1].txr->slot[nm_kring_prev(ports[1].txr->cur, 64)].flags = NS_MOREFRAG;
	put_bytes(1, f + 10, 60, 2048);
	CHECK(txsync_of(1) == 0, "send header-alone chain");
	{
		u8 m1[6];

		mac_of(1, m1);
		CHECK(nm_vale_lut_lookup(&sw->lut, nm_vale_mac(m1)) == 1, "source learned");
	}
	CHECK(rx_frame(0, g, &len) == 0 && len == 60 && g[22] == 0x33, "to 0: header removed");
	drain_all();
	/* Shorter than the header: dropped, counted. */
	{
		u64 e = ports[1].q->tx_errors;

		put_bytes(1, f, 5, 2048);
		CHECK(txsync_of(1) == 0, "send 5 bytes");
		CHECK(ports[1].q->tx_errors == e + 1, "runt counted");
		CHECK(rx_avail(0) + rx_avail(2) + rx_avail(3) == 0, "runt dropped");
	}
	teardown();
}

/* The kring's inline buffer lookup agrees with the region's, in and out of range. */
static void test_buf_addr(void)
{
	const u32 bs[1] = { 2048 };
	struct tport *p;
	struct nm_kring view = { 0 };
	const u32 idx[] = { 0, 1, 2, 3, 17, 0, UINT32_MAX };
	u32 i;

	setup(1, 16, bs);
	p = &ports[0];
	nm_kring_same_bufs(&view, &p->rx[0]);
	for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		u32 j = i == 5 ? p->mem.nbufs - 1 : idx[i];
		void *want = nm_os_buf_addr(&p->mem, j);

		CHECK(nm_kring_buf_addr(&p->tx, j) == want, "tx kring: buffer %u", j);
		CHECK(nm_kring_buf_addr(&view, j) == want, "view: buffer %u", j);
		CHECK(nm_kring_buf_valid(&view, j) == nm_os_buf_valid(&p->mem, j), "valid %u", j);
	}
	CHECK(nm_kring_buf_addr(&p->tx, p->mem.nbufs) == p->mem.base, "out of range: buffer 0");
	teardown();
}

/*
 * OPT_OFFSETS: the sender's frame is read at its slot's offset, written at
 * the receiver slot's offset, in at most the receiver's room per slot (a
 * longer frame continues with NS_MOREFRAG); an offset over the max or
 * offset + len over the buffer stops the sync.
 */
static void test_offsets(void)
{
	struct netmap_ring *tr, *rr;
	struct netmap_slot *s;
	u8 ma[6], mb[6], *b;
	u32 i, c;

	setup(2, 64, NULL);
	mac_of(0, ma);
	mac_of(1, mb);
	tr = ports[0].txr;
	rr = ports[1].rxr[0];
	nm_kring_offsets(&ports[0].tx, 0xff, 200, 0, 0, true);
	nm_kring_offsets(&ports[1].rx[0], 0xff, 100, 0, 40, true);
	CHECK(rr->offset_mask == 0xff && rr->slot[5].ptr == 40 && ports[1].rx[0].buf_room == 1948,
	      "offsets set: mask %#llx ptr %llu room %u", (unsigned long long)rr->offset_mask,
	      (unsigned long long)rr->slot[5].ptr, ports[1].rx[0].buf_room);
	/* Frame at offset 150 of the sender's buffer. */
	s = &tr->slot[tr->cur];
	b = nm_os_buf_addr(&ports[0].mem, s->buf_idx);
	memset(b, 0xee, 150);
	memcpy(b + 150, mb, 6);
	memcpy(b + 156, ma, 6);
	memset(b + 162, 7, 100);
	s->len = 112;
	s->ptr = 150;
	s->flags = 0;
	tr->head = tr->cur = nm_kring_next(tr->cur, 64);
	CHECK(txsync_of(0) == 0, "txsync with an offset");
	nm_kring_sync(&ports[1].rx[0]);
	s = &rr->slot[rr->cur];
	b = nm_os_buf_addr(&ports[1].mem, s->buf_idx);
	CHECK(rr->cur != rr->tail && s->len == 112 && !memcmp(b + 40, mb, 6) && b[40 + 111] == 7 &&
	      b[39] == 0, "frame at the receiver's offset 40 (len %u)", s->len);
	drain_all();
	/* 2000 bytes do not fit the room of 1948: two slots. */
	put_frame(0, mb, ma, 2000, 0, 9);
	tr->slot[nm_kring_prev(tr->cur, 64)].ptr = 0;
	CHECK(txsync_of(0) == 0 && rx_avail(1) == 2, "a frame over the room takes two slots");
	c = rr->cur;
	CHECK(rr->slot[c].len == 1948 && (rr->slot[c].flags & NS_MOREFRAG) &&
	      rr->slot[nm_kring_next(c, 64)].len == 52, "split %u + %u", rr->slot[c].len,
	      rr->slot[nm_kring_next(c, 64)].len);
	drain_all();
	/* Offset over the max; offset + len over the buffer. */
	put_frame(0, mb, ma, 60, 0, 10);
	tr->slot[nm_kring_prev(tr->cur, 64)].ptr = 201;
	CHECK(txsync_of(0) == -EINVAL, "offset over the max refused");
	tr->slot[tr->head].ptr = 200;
	tr->slot[tr->head].len = 1900;
	tr->head = tr->cur = nm_kring_next(tr->head, 64);
	CHECK(txsync_of(0) == -EINVAL, "offset + len over the buffer refused");
	tr->slot[tr->head].len = 60;
	b = nm_os_buf_addr(&ports[0].mem, tr->slot[tr->head].buf_idx);
	memcpy(b + 200, mb, 6);
	memcpy(b + 206, ma, 6);
	tr->head = tr->cur = nm_kring_next(tr->head, 64);
	CHECK(txsync_of(0) == 0 && rx_avail(1) == 1, "repaired");
	drain_all();
	/* Max offset = buffer size: no room in a receiving slot, dropped (no crash). */
	nm_kring_offsets(&ports[1].rx[0], 0xfff, 2048, 0, 2048, true);
	CHECK(send1(0, mb, 60, 12) == 0 && rx_avail(1) == 0, "no room: dropped");
	/* Off again: plain frames at offset 0. */
	nm_kring_offsets(&ports[0].tx, 0, 0, 0, 0, false);
	nm_kring_offsets(&ports[1].rx[0], 0, 0, 0, 0, false);
	for (i = 0; i < 3; i++)
		send1(0, mb, 60, 11);
	CHECK(rr->offset_mask == 0 && rx_avail(1) == 3 && rx_drain(1, NULL) == 11,
	      "offsets off: frames at 0");
	teardown();
}

static const struct check_case cases[] = {
	CHECK_CASE(buf_addr),
	CHECK_CASE(no_switch),
	CHECK_CASE(lut),
	CHECK_CASE(learning),
	CHECK_CASE(frags),
	CHECK_CASE(full_and_counters),
	CHECK_CASE(bad_slots),
	CHECK_CASE(indirect),
	CHECK_CASE(indirect_fault),
	CHECK_CASE(batches_and_wrap),
	CHECK_CASE(vnet),
	CHECK_CASE(offsets),
};

CHECK_MAIN(cases)
