// SPDX-License-Identifier: BSD-2-Clause
/*
 * af_xdp_bench - the nm_bench_pipe transfer over AF_XDP sockets on a veth pair.
 *
 *   af_xdp_bench --tx-if IF --rx-if IF [--mode poll|busy] [--seconds S]
 *                [--batch N] [--len L]
 *
 * Both ends of the veth pair stay in the caller's namespace; each side has
 * its own UMEM (4096 frames of 2048 bytes) and one XDP socket bound to
 * queue 0 of its interface in copy mode (XDP_COPY), with generic XDP
 * (XDP_FLAGS_SKB_MODE): what works on any driver, veth included.
 *
 *   sender:   TX ring of 2048 descriptors, no XDP program (it receives
 *             nothing); fills up to N frames (default 512) per round,
 *             submits them and kicks the kernel with sendto(MSG_DONTWAIT)
 *             (copy mode transmits only when kicked), and takes frames back
 *             from the completion ring.
 *   receiver: RX and fill rings of 2048; libxdp attaches its default
 *             program (xsk_def_xdp_prog, through the dispatcher when the
 *             kernel allows it), which redirects queue 0 into the socket.
 *             Every frame read goes straight back to the fill ring.
 *
 *   poll: a side that cannot make progress waits in poll() (POLLOUT for
 *         the sender, POLLIN for the receiver);
 *   busy: both spin.
 *
 * Prints a RESULT line (bench_util.h) with the socket's counters: "drops"
 * (rx_dropped: every frame the socket dropped), of which "ring_full" found
 * the RX ring full, and "fill_empty" (times the fill ring was empty). Exit
 * status 1 if nothing was sent or received, or more was received than
 * sent; 2 on a setup error. Generic XDP may drop; received <= sent is all
 * it asserts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "bench_util.h"

#define NFRAMES		4096
#define FRAME_SIZE	2048
#define RING_SIZE	2048

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

static struct {
	const char *tx_if, *rx_if;
	bool busy;
	double seconds;
	unsigned int batch, len;
} opt = { NULL, NULL, false, 3.0, BENCH_MAX_BATCH, 60 };

/* One side: a UMEM with its fill and completion rings and one socket. */
struct side {
	void *area;
	struct xsk_umem *umem;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	struct xsk_socket *xsk;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
};

static pthread_barrier_t start_barrier;
static double t_start, t_rx_end;
static atomic_bool tx_done, setup_failed;
static atomic_ullong tx_sent;
static struct bench_counts rx_counts;
static unsigned long long rx_drops, rx_ring_full, rx_fill_empty;

/*
 * Both threads and main meet twice: when everything is set up (attaching a
 * program takes a while under TCG), then again once main has set t_start.
 */
static void start_wait(void)
{
	pthread_barrier_wait(&start_barrier);
	pthread_barrier_wait(&start_barrier);
}

/* Wait at the barrier in any case, so that a failing thread cannot hang the others. */
static void *fail_setup(void)
{
	atomic_store(&setup_failed, true);
	atomic_store(&tx_done, true);
	start_wait();
	return NULL;
}

/* Map the UMEM area, register it, open the socket (rx or tx ring). 0 or -1. */
static int side_open(struct side *s, const char *ifname, bool tx)
{
	struct xsk_umem_config ucfg = {
		.fill_size = RING_SIZE,
		.comp_size = RING_SIZE,
		.frame_size = FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	struct xsk_socket_config scfg;
	int err;

	s->area = mmap(NULL, (size_t)NFRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (s->area == MAP_FAILED) {
		perror("af_xdp_bench: mmap umem");
		return -1;
	}
	err = xsk_umem__create(&s->umem, s->area, (__u64)NFRAMES * FRAME_SIZE, &s->fq, &s->cq, &ucfg);
	if (err) {
		fprintf(stderr, "af_xdp_bench: xsk_umem__create (%s): %s\n", ifname, strerror(-err));
		return -1;
	}
	memset(&scfg, 0, sizeof(scfg));
	scfg.rx_size = RING_SIZE;
	scfg.tx_size = RING_SIZE;
	/* the sender receives nothing: it needs no program redirecting into it */
	scfg.libxdp_flags = tx ? XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD : 0;
	scfg.xdp_flags = XDP_FLAGS_SKB_MODE;
	scfg.bind_flags = XDP_COPY;
	err = xsk_socket__create(&s->xsk, ifname, 0, s->umem, tx ? NULL : &s->rx,
				 tx ? &s->tx : NULL, &scfg);
	if (err) {
		fprintf(stderr, "af_xdp_bench: xsk_socket__create (%s, queue 0, copy, skb mode): %s\n",
			ifname, strerror(-err));
		return -1;
	}
	return 0;
}

static void side_close(struct side *s)
{
	if (s->xsk)
		xsk_socket__delete(s->xsk);
	if (s->umem)
		xsk_umem__delete(s->umem);
	if (s->area && s->area != MAP_FAILED)
		munmap(s->area, (size_t)NFRAMES * FRAME_SIZE);
}

static struct side txs, rxs;

static void *sender(void *arg)
{
	static uint64_t free_addr[NFRAMES];
	static unsigned char tmpl[FRAME_SIZE];
	unsigned char src[6] = { 0x02, 0, 0, 0, 0, 2 };
	unsigned int nfree = 0, i, iter = 0;
	uint64_t seq = 0, completed = 0;
	struct pollfd pfd;
	double deadline, give_up;
	int fd;

	(void)arg;
	bench_pin(0);
	if (side_open(&txs, opt.tx_if, true))
		return fail_setup();
	for (i = 0; i < NFRAMES; i++)
		free_addr[nfree++] = (uint64_t)i * FRAME_SIZE;
	fd = xsk_socket__fd(txs.xsk);
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	bench_template(tmpl, opt.len, src);
	start_wait();
	deadline = t_start + opt.seconds;
	for (;;) {
		unsigned int want, n;
		uint32_t idx;

		if ((++iter & 15) == 0 && bench_now() >= deadline)
			break;
		/* frames the kernel is done with */
		n = xsk_ring_cons__peek(&txs.cq, RING_SIZE, &idx);
		for (i = 0; i < n; i++)
			free_addr[nfree++] = *xsk_ring_cons__comp_addr(&txs.cq, idx + i);
		if (n)
			xsk_ring_cons__release(&txs.cq, n);
		completed += n;
		want = opt.batch < nfree ? opt.batch : nfree;
		n = want ? xsk_ring_prod__reserve(&txs.tx, want, &idx) : 0;
		for (i = 0; i < n; i++) {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&txs.tx, idx + i);
			uint64_t addr = free_addr[--nfree];

			memcpy(xsk_umem__get_data(txs.area, addr), tmpl, opt.len);
			bench_put_seq(xsk_umem__get_data(txs.area, addr), seq++);
			d->addr = addr;
			d->len = opt.len;
		}
		if (n)
			xsk_ring_prod__submit(&txs.tx, n);
		/* copy mode transmits in sendto() only */
		if (sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno != EAGAIN &&
		    errno != EBUSY && errno != ENOBUFS && errno != ENETDOWN) {
			perror("af_xdp_bench: sendto");
			break;
		}
		if (!n && !opt.busy)
			poll(&pfd, 1, 100);
	}
	/* wait until every submitted frame has completed */
	give_up = bench_now() + 5;
	while (completed < seq && bench_now() < give_up) {
		uint32_t idx;
		unsigned int n;

		sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
		n = xsk_ring_cons__peek(&txs.cq, RING_SIZE, &idx);
		if (n)
			xsk_ring_cons__release(&txs.cq, n);
		completed += n;
		if (!n)
			poll(&pfd, 1, 10);
	}
	if (completed < seq)
		printf("# %llu frames never completed\n", (unsigned long long)(seq - completed));
	atomic_store(&tx_sent, completed);
	atomic_store(&tx_done, true);
	return NULL;
}

static void *receiver(void *arg)
{
	struct xdp_statistics st;
	socklen_t slen;
	struct pollfd pfd;
	unsigned int i, iter = 0;
	double idle_since = 0, give_up;
	uint32_t idx;
	int fd;

	(void)arg;
	bench_pin(1);
	if (side_open(&rxs, opt.rx_if, false))
		return fail_setup();
	/* hand the kernel half the frames to receive into: the fill ring's size */
	if (xsk_ring_prod__reserve(&rxs.fq, RING_SIZE, &idx) != RING_SIZE) {
		fprintf(stderr, "af_xdp_bench: cannot fill the fill ring\n");
		return fail_setup();
	}
	for (i = 0; i < RING_SIZE; i++)
		*xsk_ring_prod__fill_addr(&rxs.fq, idx + i) = (uint64_t)i * FRAME_SIZE;
	xsk_ring_prod__submit(&rxs.fq, RING_SIZE);
	fd = xsk_socket__fd(rxs.xsk);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	start_wait();
	give_up = t_start + opt.seconds + 10;
	for (;;) {
		uint32_t fidx;
		unsigned int n;

		n = xsk_ring_cons__peek(&rxs.rx, opt.batch, &idx);
		if (!n) {
			if ((++iter & 63) == 0 && bench_now() > give_up) {
				printf("# receiver gave up 10 s after the end\n");
				break;
			}
			if (atomic_load(&tx_done)) {
				if (atomic_load(&setup_failed) ||
				    rx_counts.received >= atomic_load(&tx_sent))
					break;
				if (idle_since == 0)
					idle_since = bench_now();
				else if (bench_now() - idle_since > 2.0)
					break;	/* the rest was dropped */
			}
			if (!opt.busy)
				poll(&pfd, 1, 100);
			continue;
		}
		idle_since = 0;
		while (xsk_ring_prod__reserve(&rxs.fq, n, &fidx) != n)
			;	/* cannot happen: we return exactly what we took */
		for (i = 0; i < n; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rxs.rx, idx + i);
			const unsigned char *f = xsk_umem__get_data(rxs.area, d->addr);

			if (d->len >= BENCH_SEQ_OFF + 8 && f[12] == (BENCH_ETHERTYPE >> 8) &&
			    f[13] == (BENCH_ETHERTYPE & 0xff))
				bench_rx_seq(&rx_counts, bench_get_seq(f));
			*xsk_ring_prod__fill_addr(&rxs.fq, fidx + i) = xsk_umem__extract_addr(d->addr);
		}
		xsk_ring_cons__release(&rxs.rx, n);
		xsk_ring_prod__submit(&rxs.fq, n);
		t_rx_end = bench_now();
	}
	slen = sizeof(st);
	memset(&st, 0, sizeof(st));
	if (getsockopt(fd, SOL_XDP, XDP_STATISTICS, &st, &slen) == 0) {
		rx_drops = st.rx_dropped;
		rx_ring_full = st.rx_ring_full;
		rx_fill_empty = st.rx_fill_ring_empty_descs;
	}
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: af_xdp_bench --tx-if IF --rx-if IF [--mode poll|busy] "
		"[--seconds S] [--batch N] [--len L]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	pthread_t tt, rt;
	char extra[128];
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 >= argc)
			usage();
		if (!strcmp(a, "--tx-if"))
			opt.tx_if = argv[++i];
		else if (!strcmp(a, "--rx-if"))
			opt.rx_if = argv[++i];
		else if (!strcmp(a, "--mode"))
			opt.busy = !strcmp(argv[++i], "busy");
		else if (!strcmp(a, "--seconds"))
			opt.seconds = atof(argv[++i]);
		else if (!strcmp(a, "--batch"))
			opt.batch = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(a, "--len"))
			opt.len = (unsigned int)atoi(argv[++i]);
		else
			usage();
	}
	if (!opt.tx_if || !opt.rx_if || opt.batch < 1 || opt.batch > BENCH_MAX_BATCH ||
	    opt.len < 22 || opt.len > FRAME_SIZE || opt.seconds <= 0)
		usage();
	/* UMEM pages are locked; kernels before 5.11 charge them to RLIMIT_MEMLOCK */
	setrlimit(RLIMIT_MEMLOCK, &rl);
	pthread_barrier_init(&start_barrier, NULL, 3);
	/* the receiver first: its program must be attached before frames flow */
	if (pthread_create(&rt, NULL, receiver, NULL) || pthread_create(&tt, NULL, sender, NULL)) {
		perror("af_xdp_bench: pthread_create");
		return 2;
	}
	pthread_barrier_wait(&start_barrier);
	t_start = bench_now();
	pthread_barrier_wait(&start_barrier);
	pthread_join(tt, NULL);
	pthread_join(rt, NULL);
	side_close(&txs);
	side_close(&rxs);
	if (atomic_load(&setup_failed))
		return 2;
	rx_counts.sent = atomic_load(&tx_sent);
	if (t_rx_end == 0)
		t_rx_end = bench_now();
	snprintf(extra, sizeof(extra), "xdp=skb bind=copy drops=%llu ring_full=%llu fill_empty=%llu",
		 rx_drops, rx_ring_full, rx_fill_empty);
	bench_result("af_xdp", opt.busy ? "busy" : "poll", extra, t_rx_end - t_start, &rx_counts);
	if (rx_counts.sent == 0 || rx_counts.received == 0 || rx_counts.received > rx_counts.sent) {
		printf("af_xdp_bench: FAIL: sent %llu received %llu\n",
		       (unsigned long long)rx_counts.sent, (unsigned long long)rx_counts.received);
		return 1;
	}
	return 0;
}
