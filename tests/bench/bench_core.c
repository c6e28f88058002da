// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_core - host benchmark of the OS-independent datapath core
 * (kernel/core/): nanoseconds per packet for pipe sync (pipe_sync.c), VALE
 * forwarding and VALE's drop path (vale_fwd.c), next to a plain memcpy() of
 * the same bytes per packet, so we know how close to the memory limit the
 * core is.
 *
 *   bench_core [--seconds S] [--short]      (default 1 s per case; --short 0.2 s)
 *   bench_core --case NAME [--len L] [--packets N]     (tests/bench/core_instr.sh)
 *
 * --case runs one case once, for N packets (default 10 million) instead of
 * a time, and prints its RESULT line with pkts=N (the packets counted:
 * sent, received for a pipe): made to run under
 * `valgrind --tool=callgrind`, where instructions / pkts is the cost per
 * frame. NAME is a RESULT case name: pipe, vale-2port, vale-drop-unknown,
 * vale-drop-self, vale-drop-full, vale-1to2, vale-1to4, vale-1to8; --len
 * (default 60) applies to pipe and vale-2port.
 *
 * Each case runs 3 times for S/3 seconds and the fastest run is shown:
 * other load on the machine can only slow a run down. Rates are per second
 * of the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that time the
 * thread spends preempted by other load does not count (its caches still
 * suffer).
 *
 * One thread, no kernel: both sides of each transfer run in turn in the
 * same loop, exactly as the syscalls would drive the core:
 *   user TX: move head/cur over up to 511 filled slots; nm_kring_sync(tx)
 *   user RX: head = cur = tail (release what was seen); nm_kring_sync(rx)
 * so every figure includes the ring protocol (prologue validation,
 * finalize) and, for VALE, the learning-table lookup and the destination
 * lock. The user side does not touch packet data: a pipe shows the
 * sender's buffer to the receiver without copying, VALE copies each frame
 * into the receiver's buffer.
 *
 * The VALE drop cases send frames that go nowhere (60 B, 2-port switch
 * unless said): "drop unknown" to an unknown unicast MAC on a switch where
 * the sender is the only port, "drop self" to a MAC learned on the
 * sender's own port, "drop full" to the other port, whose user never
 * reads (its ring is full after the first 1023). They should cost less
 * than forwarding: nothing is copied.
 *
 * The memcpy() row copies LEN bytes per packet between two pools laid out
 * like the rings' (1024 buffers of 2048 bytes each side, cycled), i.e. the
 * cost of the bytes alone at the same working set. "ratio" = core ns/pkt
 * divided by memcpy ns/pkt for the same number of bytes moved (N copies
 * for a 1-to-N broadcast): near 1 means the core costs little more than
 * the data it moves; a pipe below 1 is faster than copying at all.
 *
 * Each case checks its counts (every packet sent arrives, every broadcast
 * copy too) and the program exits 1 if one does not; it asserts no speed.
 * Built twice: bench_core (with VALE's per-port counters, as in the module)
 * and bench_core_nocnt (NM_VALE_NO_COUNTERS), to see what they cost.
 * Besides the table it prints one machine-readable line per case:
 *
 *   RESULT case=vale-2port len=60 ns_per_pkt=X mpps=X memcpy_ns=X ratio=X
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kring.h"
#include "vale_fwd.h"

#define NSLOTS	1024
#define BS	2048
#define BATCH	512	/* VALE batch (bridge_batch) */
/*
 * Slots the user side hands over per sync: half a ring, so that a receiver
 * that releases its slots at its next sync (as a real one does) never has a
 * full ring when the sender's next batch arrives: VALE would drop.
 */
#define UBATCH	((NSLOTS - 1) / 2)
#define MAXP	9

#ifdef NM_VALE_NO_COUNTERS
#define VARIANT "VALE counters off (NM_VALE_NO_COUNTERS)"
#else
#define VARIANT "VALE counters on, as in netmap.ko"
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: what a run is measured by. */
static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void notify(struct nm_kring *k)
{
	(void)k;
}

static struct netmap_ring *ring_alloc(u32 first)
{
	size_t sz = sizeof(struct netmap_ring) + NSLOTS * sizeof(struct netmap_slot);
	struct netmap_ring *r = aligned_alloc(128, (sz + 127) & ~(size_t)127);
	u32 i;

	if (!r) {
		perror("aligned_alloc");
		exit(2);
	}
	memset(r, 0, sz);
	for (i = 0; i < NSLOTS; i++)
		r->slot[i].buf_idx = first + i;
	return r;
}

static unsigned char *pool_alloc(size_t bytes)
{
	unsigned char *p = aligned_alloc(4096, bytes);

	if (!p) {
		perror("aligned_alloc");
		exit(2);
	}
	memset(p, 0, bytes);
	return p;
}

/*
 * The user side of a TX ring: hand over up to UBATCH more slots, all with
 * length @len. Returns how many.
 */
static u32 user_tx(struct netmap_ring *r, u16 len)
{
	u32 cur = r->cur, n = r->tail >= cur ? r->tail - cur : r->tail + NSLOTS - cur;
	u32 i;

	if (n > UBATCH)
		n = UBATCH;
	for (i = 0; i < n; i++) {
		r->slot[cur].len = len;
		cur = cur + 1 == NSLOTS ? 0 : cur + 1;
	}
	r->head = r->cur = cur;
	return n;
}

/* The user side of an RX ring: release everything seen; returns how many. */
static u32 user_rx(struct netmap_ring *r)
{
	u32 n = r->tail >= r->head ? r->tail - r->head : r->tail + NSLOTS - r->head;

	r->head = r->cur = r->tail;
	return n;
}

struct result {
	double ns, mpps;
	u64 pkts;
};

/* --packets: a case stops after this many packets, not after a time. */
static u64 stop_pkts;

/* Whether a case started at @t0 goes on, with @pkts packets so far. */
static int more(double t0, double secs, u64 pkts)
{
	if (stop_pkts)
		return pkts < stop_pkts;
	return now() - t0 < secs;
}

/* ------------------------------------------------------------------------
 * memcpy of the same bytes
 */
static struct result bench_memcpy(u16 len, unsigned int copies, double secs)
{
	unsigned char *src = pool_alloc((size_t)NSLOTS * BS);
	unsigned char *dst = pool_alloc((size_t)NSLOTS * BS * copies);
	volatile size_t vlen = len;	/* a run-time length, as the core sees */
	u64 pkts = 0;
	double t0 = now(), c0 = cpu_now(), t;
	struct result r;

	do {
		int k;

		for (k = 0; k < 64; k++) {
			u32 i, c;

			for (i = 0; i < UBATCH; i++) {
				u32 s = (u32)((pkts + i) % NSLOTS);

				for (c = 0; c < copies; c++)
					memcpy(dst + ((size_t)c * NSLOTS + s) * BS, src + (size_t)s * BS,
					       vlen);
			}
			pkts += UBATCH;
		}
	} while (more(t0, secs, pkts));
	t = cpu_now() - c0;
	/* Keep the copies observable. */
	if (dst[(size_t)(pkts % NSLOTS) * BS] == 0xfe)
		fputc(' ', stderr);
	free(src);
	free(dst);
	r.ns = t * 1e9 / (double)pkts;
	r.mpps = (double)pkts / t / 1e6;
	r.pkts = pkts;
	return r;
}

/* ------------------------------------------------------------------------
 * Pipe: A.tx -> B.rx, B reads A's buffers in place
 */
static int bench_pipe(u16 len, double secs, struct result *res)
{
	struct nm_mem mem = { .nbufs = 2 + NSLOTS, .buf_size = BS };
	struct netmap_ring *txr = ring_alloc(2), *rxr = ring_alloc(2);
	struct nm_kring tx, rx;
	u64 sent = 0, recv = 0;
	double t0, c0, t;
	int err = 0;

	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	mem.base = pool_alloc((size_t)mem.nbufs * BS);
	nm_kring_init(&tx, txr, &mem, NSLOTS, BS, 0, NM_TX);
	nm_kring_init(&rx, rxr, &mem, NSLOTS, BS, 0, NM_RX);
	tx.nm_sync = nm_pipe_txsync;
	rx.nm_sync = nm_pipe_rxsync;
	tx.notify = rx.notify = notify;
	nm_pipe_connect(&tx, &rx);

	t0 = now();
	c0 = cpu_now();
	do {
		int k;

		for (k = 0; k < 64; k++) {
			sent += user_tx(txr, len);
			err |= nm_kring_sync(&tx);
			recv += user_rx(rxr);
			err |= nm_kring_sync(&rx);
		}
	} while (more(t0, secs, sent));
	t = cpu_now() - c0;
	/* Drain: what is still in flight arrives at the next syncs. */
	err |= nm_kring_sync(&tx);
	err |= nm_kring_sync(&rx);
	recv += user_rx(rxr);
	err |= nm_kring_sync(&rx);

	res->ns = t * 1e9 / (double)recv;
	res->mpps = (double)recv / t / 1e6;
	res->pkts = recv;
	free(txr);
	free(rxr);
	free(mem.base);
	if (err || recv != sent) {
		fprintf(stderr, "bench_core: pipe len %u: sent %llu received %llu err %d\n", len,
			(unsigned long long)sent, (unsigned long long)recv, err);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * VALE: port 0 sends, ports 1..np-1 receive (unicast to port 1, or flood)
 */
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
static struct nm_vale_table TBL;

static int vale_txsync(struct nm_kring *k)
{
	struct bport *p = k->owner;

	return nm_vale_txsync(k, p->q, &SW, p->vp.index, 0);
}

static void vale_setup(int np)
{
	int i;

	nm_vale_lut_init(&SW.lut);
	memset(&TBL, 0, sizeof(TBL));
	for (i = 0; i < np; i++) {
		struct bport *p = &P[i];

		memset(p, 0, sizeof(*p));
		p->mem.nbufs = 2 + 2 * NSLOTS;
		p->mem.buf_size = BS;
		p->mem.base = pool_alloc((size_t)p->mem.nbufs * BS);
		p->txr = ring_alloc(2);
		p->rxr = ring_alloc(2 + NSLOTS);
		nm_kring_init(&p->tx, p->txr, &p->mem, NSLOTS, BS, 0, NM_TX);
		nm_kring_init(&p->rx, p->rxr, &p->mem, NSLOTS, BS, 0, NM_RX);
		p->tx.notify = p->rx.notify = notify;
		p->tx.nm_sync = vale_txsync;
		p->rx.nm_sync = nm_vale_rxsync;
		p->tx.owner = p->rx.owner = p;
		p->q = calloc(1, nm_vale_txq_size(BATCH));
		p->rxq = aligned_alloc(64, sizeof(*p->rxq));
		if (!p->q || !p->rxq) {
			perror("alloc");
			exit(2);
		}
		nm_vale_txq_init(p->q, BATCH);
		nm_vale_rxq_init(p->rxq, 1);
		p->vp.index = (u8)i;
		p->vp.nrx = 1;
		p->vp.rxk = &p->rx;
		p->vp.rxq = p->rxq;
		TBL.list[TBL.n++] = (u8)i;
		TBL.port[i] = &p->vp;
	}
	SW.table = &TBL;
}

static void vale_teardown(int np)
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

enum vmode { V_UNI, V_BCAST, V_DROP_UNKNOWN, V_DROP_SELF, V_DROP_FULL };

static int bench_vale(int np, enum vmode mode, u16 len, double secs, struct result *res)
{
	static const u8 bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const u8 mac1[6] = { 2, 0, 0, 0, 0, 1 };
	static const u8 mac0[6] = { 2, 0, 0, 0, 0, 0 };	/* the sender's own */
	static const u8 unknown[6] = { 2, 0, 0, 0, 0, 9 };
	const u8 *dst = mode == V_BCAST ? bc : mode == V_DROP_SELF ? mac0 :
			mode == V_DROP_UNKNOWN ? unknown : mac1;
	struct bport *s = &P[0];
	u64 sent = 0, copies = 0, want, drops = 0;
	double t0, c0, t;
	int err = 0, i;
	u32 j;

	vale_setup(np);
	/* Every TX buffer holds a frame 02:..:00 -> dst; the payload is never read. */
	for (j = 0; j < NSLOTS; j++) {
		u8 *b = nm_os_buf_addr(&s->mem, s->txr->slot[j].buf_idx);

		memcpy(b, dst, 6);
		memcpy(b + 6, mac0, 6);
	}
	/* The switch has learned port 1's MAC, and the sender's. */
	nm_vale_lut_learn(&SW.lut, nm_vale_mac(mac1), 1);
	nm_vale_lut_learn(&SW.lut, nm_vale_mac(mac0), 0);

	t0 = now();
	c0 = cpu_now();
	do {
		int k;

		for (k = 0; k < 64; k++) {
			sent += user_tx(s->txr, len);
			err |= nm_kring_sync(&s->tx);
			for (i = 1; i < np && mode != V_DROP_FULL; i++) {
				copies += user_rx(P[i].rxr);
				err |= nm_kring_sync(&P[i].rx);
			}
		}
	} while (more(t0, secs, sent));
	t = cpu_now() - c0;
	for (i = 1; i < np; i++) {
		/* A receiver that never syncs: what the switch put in its ring. */
		copies += mode == V_DROP_FULL ? nm_kring_dist(P[i].rx.nr_hwcur, P[i].rx.nr_hwtail,
							      NSLOTS) : user_rx(P[i].rxr);
		drops += P[i].rxq->rx_drops;
	}

	res->ns = t * 1e9 / (double)sent;
	res->mpps = (double)sent / t / 1e6;
	res->pkts = sent;
	want = mode == V_UNI || mode == V_BCAST ? sent * (u64)(np - 1) : 0;
	if (mode == V_DROP_FULL) {
		/* The ring took NSLOTS - 1 frames, the rest was dropped (if counted). */
		want = NSLOTS - 1;
#ifndef NM_VALE_NO_COUNTERS
		if (drops != sent - want)
			err = 1;
#endif
	}
	vale_teardown(np);
	if (err || copies != want) {
		fprintf(stderr, "bench_core: vale %d ports len %u: sent %llu, copies %llu (want %llu), "
			"err %d\n", np, len, (unsigned long long)sent, (unsigned long long)copies,
			(unsigned long long)want, err);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */

#define REPS	3

/* Keep the fastest of the runs of a case (run @rep, 0 first). */
static void best(struct result *b, const struct result *x, int rep)
{
	if (rep == 0 || x->ns < b->ns)
		*b = *x;
}

static void row(const char *name, u16 len, unsigned int copies, const struct result *r,
		const struct result *m)
{
	double ratio = r->ns / m->ns;

	printf("  %-14s %5u %8.2f %9.1f %9.1f x%-2u %8.2f\n", name, len, r->mpps, r->ns, m->ns,
	       copies, ratio);
}

/* --case: one case, once; prints its RESULT line with the packet count. */
static int one_case(const char *name, u16 len)
{
	static const char *const vcase[] = { "vale-drop-unknown", "vale-drop-self",
					     "vale-drop-full", "vale-1to2", "vale-1to4",
					     "vale-1to8" };
	static const struct { int np; enum vmode mode; } vrun[] = {
		{ 1, V_DROP_UNKNOWN }, { 2, V_DROP_SELF }, { 2, V_DROP_FULL },
		{ 3, V_BCAST }, { 5, V_BCAST }, { 9, V_BCAST },
	};
	struct result x;
	size_t i;
	int bad;

	if (!strcmp(name, "pipe")) {
		bad = bench_pipe(len, 0, &x);
	} else if (!strcmp(name, "vale-2port")) {
		bad = bench_vale(2, V_UNI, len, 0, &x);
	} else {
		for (i = 0; i < sizeof(vcase) / sizeof(vcase[0]); i++)
			if (!strcmp(name, vcase[i]))
				break;
		if (i == sizeof(vcase) / sizeof(vcase[0])) {
			fprintf(stderr, "bench_core: unknown case %s\n", name);
			return 2;
		}
		len = 60;
		bad = bench_vale(vrun[i].np, vrun[i].mode, len, 0, &x);
	}
	printf("RESULT case=%s len=%u ns_per_pkt=%.2f mpps=%.3f pkts=%llu\n", name, len, x.ns,
	       x.mpps, (unsigned long long)x.pkts);
	return bad;
}

int main(int argc, char **argv)
{
	static const u16 lens[] = { 60, 1514 };
	struct result pipe[2], v2[2], bc[3], mc[2], mcn[3], drop[3];
	static const char *const dropname[3] = { "drop unknown", "drop self", "drop full" };
	static const char *const dropcase[3] = { "vale-drop-unknown", "vale-drop-self",
						 "vale-drop-full" };
	static const int fan[3] = { 2, 4, 8 };
	const char *only = NULL;
	double secs = 1.0;
	int i, r, bad = 0, len = 60;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--short")) {
			secs = 0.2;
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			secs = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--case") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--len") && i + 1 < argc) {
			len = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--packets") && i + 1 < argc) {
			stop_pkts = strtoull(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "usage: bench_core [--seconds S] [--short]\n"
				"       bench_core --case NAME [--len L] [--packets N]\n");
			return 2;
		}
	}
	if (!(secs > 0))
		secs = 1.0;
	if (only) {
		if (len < 14 || len > BS) {
			fprintf(stderr, "bench_core: --len between 14 and %d\n", BS);
			return 2;
		}
		if (!stop_pkts)
			stop_pkts = 10000000;
		return one_case(only, (u16)len);
	}
	stop_pkts = 0;

	/*
	 * Each case runs REPS times for secs / REPS and keeps its fastest run:
	 * other load on the machine only ever makes a run slower.
	 */
	for (r = 0; r < REPS; r++) {
		double s = secs / REPS;
		struct result x;

		for (i = 0; i < 2; i++) {
			x = bench_memcpy(lens[i], 1, s);
			best(&mc[i], &x, r);
			bad |= bench_pipe(lens[i], s, &x);
			best(&pipe[i], &x, r);
			bad |= bench_vale(2, V_UNI, lens[i], s, &x);
			best(&v2[i], &x, r);
		}
		for (i = 0; i < 3; i++) {
			bad |= bench_vale(i == 0 ? 1 : 2, (enum vmode)(V_DROP_UNKNOWN + i), 60, s, &x);
			best(&drop[i], &x, r);
		}
		for (i = 0; i < 3; i++) {
			x = bench_memcpy(60, (unsigned int)fan[i], s);
			best(&mcn[i], &x, r);
			bad |= bench_vale(fan[i] + 1, V_BCAST, 60, s, &x);
			best(&bc[i], &x, r);
		}
	}

	printf("bench_core: the datapath core on the host (1 thread, no kernel; %d slots per sync, "
	       "%d-slot rings, %d-byte buffers; %s; best of %d runs of %.2f s per case)\n", UBATCH,
	       NSLOTS, BS, VARIANT, REPS, secs / REPS);
	printf("  %-14s %5s %8s %9s %9s %3s %8s\n", "case", "len", "Mpps", "ns/pkt", "memcpy",
	       "", "ratio");
	for (i = 0; i < 2; i++)
		row("pipe", lens[i], 1, &pipe[i], &mc[i]);
	for (i = 0; i < 2; i++)
		row("vale 2-port", lens[i], 1, &v2[i], &mc[i]);
	for (i = 0; i < 3; i++)
		row(dropname[i], 60, 1, &drop[i], &mc[0]);
	for (i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof(name), "vale 1-to-%d", fan[i]);
		row(name, 60, (unsigned int)fan[i], &bc[i], &mcn[i]);
	}
	printf("  ns/pkt: per packet sent (both syncs included); memcpy: ns per packet to copy its\n"
	       "  bytes xN times (N destinations); ratio = ns/pkt / memcpy (pipes and the drop\n"
	       "  path copy nothing, so a pipe's ratio falls with the length)\n");
	for (i = 0; i < 2; i++)
		printf("RESULT case=pipe len=%u ns_per_pkt=%.2f mpps=%.3f memcpy_ns=%.2f ratio=%.3f\n",
		       lens[i], pipe[i].ns, pipe[i].mpps, mc[i].ns, pipe[i].ns / mc[i].ns);
	for (i = 0; i < 2; i++)
		printf("RESULT case=vale-2port len=%u ns_per_pkt=%.2f mpps=%.3f memcpy_ns=%.2f "
		       "ratio=%.3f\n", lens[i], v2[i].ns, v2[i].mpps, mc[i].ns, v2[i].ns / mc[i].ns);
	for (i = 0; i < 3; i++)
		printf("RESULT case=%s len=60 ns_per_pkt=%.2f mpps=%.3f memcpy_ns=%.2f ratio=%.3f\n",
		       dropcase[i], drop[i].ns, drop[i].mpps, mc[0].ns, drop[i].ns / mc[0].ns);
	for (i = 0; i < 3; i++)
		printf("RESULT case=vale-1to%d len=60 ns_per_pkt=%.2f mpps=%.3f memcpy_ns=%.2f "
		       "ratio=%.3f\n", fan[i], bc[i].ns, bc[i].mpps, mcn[i].ns, bc[i].ns / mcn[i].ns);
	if (bad)
		printf("bench_core: FAIL: a case lost packets or a sync failed (see above)\n");
	return bad ? 1 : 0;
}
