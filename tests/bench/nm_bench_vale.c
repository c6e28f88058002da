// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_bench_vale - VALE switch forwarding throughput.
 *
 *   nm_bench_vale [--receivers N] [--len L] [--seconds S] [--batch B]
 *                 [--slots N] [--switch NAME]
 *
 * One sender thread bound to NAME:s (default switch "valebv") fills its TX
 * ring with L-byte broadcast frames (default 60), at most B per sync
 * (default 512), for S seconds (default 2), spinning on NIOCTXSYNC; the
 * switch forwards them in that txsync.  N receiver threads (default 1, at
 * most 16), each bound to its own port NAME:r0 .. NAME:rN-1, spin on
 * NIOCRXSYNC and count what arrives.  With N = 1 this is 2-port forwarding
 * (a broadcast frame to the one other port takes the same path as a
 * learned unicast one: lookup, then copy into one destination ring); with
 * N > 1 it is 1-to-N flooding.
 *
 * The sender is pinned to CPU 0, the receivers to CPU 1 (modulo the online
 * CPUs); a receiver that finds its ring empty yields, so N receivers can
 * share a CPU.  A full receive ring makes the switch drop (VALE never
 * blocks the sender), so receivers may see fewer packets than were sent,
 * never more.
 *
 * Prints one line per receiver and a summary the guest script parses:
 *
 *   RX i=K received=N mpps=X
 *   RESULT method=vale receivers=N len=L seconds=S sent=N mpps_sent=X
 *          rx_min=N rx_max=N mpps_rx_min=X mpps_rx_avg=X mpps_rx_max=X
 *
 * Rates are packets / S (the fixed duration).  Exit status 1 if a receiver
 * got nothing or more than was sent, or if the kernel refused a sync; 2 on
 * a setup error.  It asserts nothing about speed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <net/netmap.h>
#include <net/netmap_user.h>

#include "bench_util.h"

#define MAX_RX	16

static struct {
	double seconds;
	unsigned int receivers, batch, len, slots;
	const char *sw;
} opt = { 2.0, 1, BENCH_MAX_BATCH, 60, 0, "valebv" };

struct port {
	struct bench_port bp;
	uint64_t received;	/* receivers only; written by the owning thread */
};

static pthread_barrier_t start_barrier;
static double t_start;
static atomic_bool tx_done;
static atomic_ullong tx_sent, sync_errors;
static int first_errno;
static volatile uint64_t rx_sink;

static void do_sync(int fd, unsigned long req)
{
	if (ioctl(fd, req, NULL) && atomic_fetch_add(&sync_errors, 1) == 0)
		first_errno = errno;
}

static int open_port(struct port *p, const char *suffix, bool tx)
{
	char name[NETMAP_REQ_IFNAMSIZ];

	snprintf(name, sizeof(name), "%s:%s", opt.sw, suffix);
	return bench_open_port(&p->bp, "nm_bench_vale", name, opt.slots, tx);
}

static void *sender(void *arg)
{
	struct port *p = arg;
	struct netmap_ring *ring = p->bp.ring;
	unsigned char tmpl[2048];
	static const unsigned char src[6] = { 0x02, 0, 0, 0, 0xbe, 1 };
	uint64_t seq = 0;
	double deadline;
	unsigned int iter = 0;

	bench_pin(0);
	bench_template(tmpl, opt.len, src);
	pthread_barrier_wait(&start_barrier);
	deadline = t_start + opt.seconds;
	for (;;) {
		uint32_t cur, n, i;

		if ((++iter & 15) == 0 && bench_now() >= deadline)
			break;
		if (nm_ring_empty(ring))
			do_sync(p->bp.fd, NIOCTXSYNC);
		n = nm_ring_space(ring);
		if (n > opt.batch)
			n = opt.batch;
		cur = ring->cur;
		for (i = 0; i < n; i++) {
			struct netmap_slot *s = &ring->slot[cur];
			unsigned char *buf = (unsigned char *)NETMAP_BUF(ring, s->buf_idx);

			memcpy(buf, tmpl, opt.len);
			bench_put_seq(buf, seq++);
			s->len = (uint16_t)opt.len;
			s->flags = 0;
			cur = nm_ring_next(ring, cur);
		}
		ring->head = ring->cur = cur;
		if (n)
			do_sync(p->bp.fd, NIOCTXSYNC);
	}
	/* VALE forwards in txsync: what was handed over is forwarded (or dropped) by now */
	atomic_store(&tx_sent, seq);
	atomic_store(&tx_done, true);
	return NULL;
}

static void *receiver(void *arg)
{
	struct port *p = arg;
	struct netmap_ring *ring = p->bp.ring;
	double idle_since = 0, give_up;
	unsigned int iter = 0;
	uint64_t sink = 0;

	bench_pin(1);
	pthread_barrier_wait(&start_barrier);
	give_up = t_start + opt.seconds + 10;
	for (;;) {
		uint32_t cur, n;

		if ((++iter & 63) == 0 && bench_now() > give_up) {
			printf("# %s gave up 10 s after the end\n", p->bp.name);
			break;
		}
		do_sync(p->bp.fd, NIOCRXSYNC);
		n = nm_ring_space(ring);
		if (!n) {
			if (atomic_load(&tx_done)) {
				if (p->received >= atomic_load(&tx_sent))
					break;
				/* the switch forwarded in the sender's txsync: nothing more will come */
				if (idle_since == 0)
					idle_since = bench_now();
				else if (bench_now() - idle_since > 0.2)
					break;
			}
			sched_yield();
			continue;
		}
		idle_since = 0;
		cur = ring->cur;
		while (n--) {
			struct netmap_slot *s = &ring->slot[cur];

			sink += bench_get_seq((unsigned char *)NETMAP_BUF(ring, s->buf_idx));
			p->received++;
			cur = nm_ring_next(ring, cur);
		}
		ring->head = ring->cur = cur;
	}
	rx_sink = sink;	/* so the compiler keeps the reads of the payload */
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: nm_bench_vale [--receivers N] [--len L] [--seconds S] "
		"[--batch B] [--slots N] [--switch NAME]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct port tx, rx[MAX_RX];
	pthread_t tt, rt[MAX_RX];
	uint64_t sent, rmin = UINT64_MAX, rmax = 0, rsum = 0;
	unsigned int k;
	int i, rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--receivers"))
			opt.receivers = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seconds"))
			opt.seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--batch"))
			opt.batch = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--len"))
			opt.len = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--slots"))
			opt.slots = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--switch"))
			opt.sw = argv[++i];
		else
			usage();
	}
	if (opt.receivers < 1 || opt.receivers > MAX_RX || opt.batch < 1 ||
	    opt.batch > BENCH_MAX_BATCH || opt.len < 22 || opt.len > 2048 || opt.seconds <= 0)
		usage();
	/* receivers first, so the sender's first frames already have somewhere to go */
	for (k = 0; k < opt.receivers; k++) {
		char suffix[16];

		snprintf(suffix, sizeof(suffix), "r%u", k);
		if (open_port(&rx[k], suffix, false))
			return 2;
	}
	if (open_port(&tx, "s", true))
		return 2;
	if (tx.bp.ring->nr_buf_size < opt.len) {
		fprintf(stderr, "nm_bench_vale: buffers of %u bytes are too small\n", tx.bp.ring->nr_buf_size);
		return 2;
	}
	pthread_barrier_init(&start_barrier, NULL, opt.receivers + 2);
	for (k = 0; k < opt.receivers; k++) {
		if (pthread_create(&rt[k], NULL, receiver, &rx[k])) {
			perror("nm_bench_vale: pthread_create");
			return 2;
		}
	}
	if (pthread_create(&tt, NULL, sender, &tx)) {
		perror("nm_bench_vale: pthread_create");
		return 2;
	}
	t_start = bench_now();
	pthread_barrier_wait(&start_barrier);
	pthread_join(tt, NULL);
	for (k = 0; k < opt.receivers; k++)
		pthread_join(rt[k], NULL);
	sent = atomic_load(&tx_sent);
	for (k = 0; k < opt.receivers; k++) {
		uint64_t r = rx[k].received;

		printf("RX i=%u received=%llu mpps=%.3f\n", k, (unsigned long long)r,
		       (double)r / opt.seconds / 1e6);
		rsum += r;
		if (r < rmin)
			rmin = r;
		if (r > rmax)
			rmax = r;
		if (r == 0 || r > sent) {
			printf("nm_bench_vale: FAIL: %s received %llu of %llu sent\n", rx[k].bp.name,
			       (unsigned long long)r, (unsigned long long)sent);
			rc = 1;
		}
	}
	printf("RESULT method=vale receivers=%u len=%u seconds=%.3f sent=%llu mpps_sent=%.3f "
	       "rx_min=%llu rx_max=%llu mpps_rx_min=%.3f mpps_rx_avg=%.3f mpps_rx_max=%.3f\n",
	       opt.receivers, opt.len, opt.seconds, (unsigned long long)sent,
	       (double)sent / opt.seconds / 1e6, (unsigned long long)rmin,
	       (unsigned long long)rmax, (double)rmin / opt.seconds / 1e6,
	       (double)rsum / opt.receivers / opt.seconds / 1e6, (double)rmax / opt.seconds / 1e6);
	if (atomic_load(&sync_errors)) {
		printf("nm_bench_vale: FAIL: the kernel refused %llu syncs (first: %s)\n",
		       (unsigned long long)atomic_load(&sync_errors), strerror(first_errno));
		rc = 1;
	}
	for (k = 0; k < opt.receivers; k++) {
		munmap(rx[k].bp.mem, rx[k].bp.memsize);
		close(rx[k].bp.fd);
	}
	munmap(tx.bp.mem, tx.bp.memsize);
	close(tx.bp.fd);
	return rc;
}
