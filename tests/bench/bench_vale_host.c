// SPDX-License-Identifier: BSD-2-Clause
/*
 * Host benchmark of the VALE forwarding core (kernel/core/vale_fwd.c): one
 * thread, no kernel, so it measures the forwarding code alone. Cases:
 * 2-port unicast with 60- and 1514-byte frames, 1-to-N broadcast for N = 2,
 * 4, 8. Built twice: bench_vale_host (with the per-port counters) and
 * bench_vale_host_nocnt (NM_VALE_NO_COUNTERS), to measure their cost.
 * Prints one RESULT line per case; asserts nothing about speed.
 *
 *   bench_vale_host [seconds per case, default 1]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vale_fwd.h"

#define NSLOTS	1024
#define BS	2048
#define BATCH	512
#define MAXP	9

#ifdef NM_VALE_NO_COUNTERS
#define VARIANT "no-counters"
#else
#define VARIANT "counters"
#endif

struct bport {
	struct nm_mem mem;
	struct netmap_ring *txr, *rxr;
	struct nm_kring tx, rx;
	struct nm_vale_txq *q;
	struct nm_vale_rxq *rxq;
	struct nm_vale_vport vp;
};

static struct bport P[MAXP];
static struct nm_vale_sw SW;
static struct nm_vale_table T;

static void notify(struct nm_kring *k)
{
	(void)k;
}

static struct netmap_ring *ring_alloc(u32 first)
{
	size_t sz = sizeof(struct netmap_ring) + NSLOTS * sizeof(struct netmap_slot);
	struct netmap_ring *r = aligned_alloc(128, (sz + 127) & ~(size_t)127);
	u32 i;

	memset(r, 0, sz);
	for (i = 0; i < NSLOTS; i++)
		r->slot[i].buf_idx = first + i;
	return r;
}

static void setup(int np)
{
	int i;

	nm_vale_lut_init(&SW.lut);
	memset(&T, 0, sizeof(T));
	for (i = 0; i < np; i++) {
		struct bport *p = &P[i];

		p->mem.nbufs = 2 + 2 * NSLOTS;
		p->mem.buf_size = BS;
		p->mem.base = aligned_alloc(64, (size_t)p->mem.nbufs * BS);
		memset(p->mem.base, 0, (size_t)p->mem.nbufs * BS);
		p->txr = ring_alloc(2);
		p->rxr = ring_alloc(2 + NSLOTS);
		nm_kring_init(&p->tx, p->txr, &p->mem, NSLOTS, BS, 0, NM_TX);
		nm_kring_init(&p->rx, p->rxr, &p->mem, NSLOTS, BS, 0, NM_RX);
		p->tx.notify = p->rx.notify = notify;
		p->q = calloc(1, nm_vale_txq_size(BATCH));
		nm_vale_txq_init(p->q, BATCH);
		p->rxq = aligned_alloc(64, sizeof(*p->rxq));
		nm_vale_rxq_init(p->rxq, 1);
		p->vp.index = (u8)i;
		p->vp.nrx = 1;
		p->vp.rxk = &p->rx;
		p->vp.rxq = p->rxq;
		T.list[T.n++] = (u8)i;
		T.port[i] = &p->vp;
	}
	SW.table = &T;
}

static void teardown(int np)
{
	int i;

	for (i = 0; i < np; i++) {
		free(P[i].mem.base);
		free(P[i].txr);
		free(P[i].rxr);
		free(P[i].q);
		free(P[i].rxq);
	}
}

/* Fill every TX slot once with a frame dst -> src. */
static void frames(struct bport *p, const u8 *dst, u8 src, u16 len)
{
	u32 i;

	for (i = 0; i < NSLOTS; i++) {
		u8 *b = nm_os_buf_addr(&p->mem, p->txr->slot[i].buf_idx);

		memcpy(b, dst, 6);
		b[6] = 2;
		b[11] = src;
		p->txr->slot[i].len = len;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Port 0 sends batches; the others release everything after each sync. */
static void run(const char *name, int np, const u8 *dst, u16 len, double secs)
{
	struct bport *s = &P[0];
	u64 sent = 0, recv = 0;
	double t0, t;
	int i;

	setup(np);
	frames(s, dst, 0, len);
	/* Teach the switch port 1's MAC (02:..:01). */
	{
		u8 mac1[6] = { 2, 0, 0, 0, 0, 1 };

		nm_vale_lut_learn(&SW.lut, nm_vale_mac(mac1), 1);
	}
	t0 = now();
	do {
		int k;

		for (k = 0; k < 64; k++) {
			u32 head = (s->tx.rhead + BATCH) % NSLOTS;

			/* The user side: give BATCH frames (the ring always has room). */
			s->tx.rhead = s->tx.rcur = head;
			nm_vale_txsync(&s->tx, s->q, &SW, 0, 0);
			sent += BATCH;
			for (i = 1; i < np; i++) {
				struct nm_kring *rx = &P[i].rx;

				recv += nm_kring_dist(rx->nr_hwcur, rx->nr_hwtail, NSLOTS);
				rx->rhead = rx->nr_hwtail;
				nm_vale_rxsync(rx);
			}
		}
		t = now() - t0;
	} while (t < secs);
	printf("RESULT variant=%s case=%s ports=%d len=%u seconds=%.3f sent=%llu copies_received=%llu "
	       "mpps_in=%.2f mpps_out=%.2f ns_per_pkt=%.1f\n",
	       VARIANT, name, np, len, t, (unsigned long long)sent, (unsigned long long)recv,
	       sent / t / 1e6, recv / t / 1e6, t * 1e9 / sent);
	teardown(np);
}

int main(int argc, char **argv)
{
	static const u8 uni[6] = { 2, 0, 0, 0, 0, 1 };
	static const u8 bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	double secs = argc > 1 ? atof(argv[1]) : 1.0;

	run("unicast", 2, uni, 60, secs);
	run("unicast", 2, uni, 1514, secs);
	run("broadcast", 3, bc, 60, secs);
	run("broadcast", 5, bc, 60, secs);
	run("broadcast", 9, bc, 60, secs);
	return 0;
}
