/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_loop.h - the sender and receiver threads of the netmap throughput
 * benchmarks that move frames from one bound port to another (nm_bench_pipe:
 * the two ends of a pipe; nm_bench_generic: two veth ends in netmap mode),
 * for one program each (static state: include it in one file only).
 *
 * The sender fills ring 0 of its port with bench_opt.len-byte frames
 * (bench_util.h's template and sequence numbers), at most bench_opt.batch
 * per sync, for bench_opt.seconds from the start barrier; the receiver
 * counts the sequence numbers of the frames that are ours (ethertype
 * BENCH_ETHERTYPE; others are counted in bench_other) until it has them
 * all or nothing came for 2 s after the sender stopped, and gives up 10 s
 * after the end. poll() or busy syncs (bench_opt.busy); a refused sync or
 * POLLERR is counted in bench_sync_errors (the programs never break the
 * ring protocol, so there must be none).
 *
 * The program sets bench_opt, opens the ports, initialises start_barrier
 * for 3 and runs bench_sender(&tx) and bench_receiver(&rx) in threads,
 * sets t_start and waits on the barrier itself.
 */
#ifndef BENCH_LOOP_H
#define BENCH_LOOP_H

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/ioctl.h>

#include "bench_util.h"

static struct {
	bool busy;
	double seconds;
	unsigned int batch, len;
} bench_opt = { false, 3.0, BENCH_MAX_BATCH, 60 };

static pthread_barrier_t start_barrier;
static double t_start, t_rx_end;
static atomic_bool tx_done;
static atomic_ullong tx_sent, bench_sync_errors;
static int first_errno;

static void sync_error(int err)
{
	if (atomic_fetch_add(&bench_sync_errors, 1) == 0)
		first_errno = err;
}

/* A sync, counting failures (there must be none). */
static void do_sync(int fd, unsigned long req)
{
	if (ioctl(fd, req, NULL))
		sync_error(errno);
}

/* poll(), counting POLLERR and failures. */
static void do_poll(struct pollfd *pfd, int timeout)
{
	int rc = poll(pfd, 1, timeout);

	if (rc < 0 && errno != EINTR)
		sync_error(errno);
	else if (rc > 0 && (pfd->revents & (POLLERR | POLLNVAL)))
		sync_error(EIO);
}
static struct bench_counts tx_counts, rx_counts;
static unsigned long long bench_other;	/* frames not ours, skipped */

static void *bench_sender(void *arg)
{
	struct bench_port *e = arg;
	struct netmap_ring *ring = e->ring;
	unsigned char tmpl[2048];
	static const unsigned char src[6] = { 0x02, 0, 0, 0, 0, 1 };
	struct pollfd pfd = { .fd = e->fd, .events = POLLOUT };
	uint64_t seq = 0;
	double deadline;
	unsigned int iter = 0;

	bench_pin(0);
	bench_template(tmpl, bench_opt.len, src);
	pthread_barrier_wait(&start_barrier);
	deadline = t_start + bench_opt.seconds;
	for (;;) {
		uint32_t cur, n, i;

		if ((++iter & 15) == 0 && bench_now() >= deadline)
			break;
		if (bench_opt.busy) {
			if (nm_ring_empty(ring))
				do_sync(e->fd, NIOCTXSYNC);
		} else {
			do_poll(&pfd, 1000);
		}
		n = nm_ring_space(ring);
		if (n > bench_opt.batch)
			n = bench_opt.batch;
		cur = ring->cur;
		for (i = 0; i < n; i++) {
			struct netmap_slot *s = &ring->slot[cur];
			unsigned char *buf = (unsigned char *)NETMAP_BUF(ring, s->buf_idx);

			memcpy(buf, tmpl, bench_opt.len);
			bench_put_seq(buf, seq++);
			s->len = (uint16_t)bench_opt.len;
			cur = nm_ring_next(ring, cur);
		}
		ring->head = ring->cur = cur;
		if (bench_opt.busy && n)
			do_sync(e->fd, NIOCTXSYNC);
	}
	/* push what is still queued */
	do_sync(e->fd, NIOCTXSYNC);
	tx_counts.sent = seq;
	atomic_store(&tx_sent, seq);
	atomic_store(&tx_done, true);
	return NULL;
}

static void *bench_receiver(void *arg)
{
	struct bench_port *e = arg;
	struct netmap_ring *ring = e->ring;
	struct pollfd pfd = { .fd = e->fd, .events = POLLIN };
	double idle_since = 0, give_up;
	unsigned int iter = 0;

	bench_pin(1);
	pthread_barrier_wait(&start_barrier);
	give_up = t_start + bench_opt.seconds + 10;
	for (;;) {
		uint32_t cur, n;

		if ((++iter & 63) == 0 && bench_now() > give_up) {
			printf("# receiver gave up 10 s after the end\n");
			break;
		}
		if (bench_opt.busy)
			do_sync(e->fd, NIOCRXSYNC);
		else
			do_poll(&pfd, 100);
		n = nm_ring_space(ring);
		if (!n) {
			if (atomic_load(&tx_done)) {
				if (rx_counts.received >= atomic_load(&tx_sent))
					break;
				if (idle_since == 0)
					idle_since = bench_now();
				else if (bench_now() - idle_since > 2.0)
					break;	/* the rest is lost */
			}
			continue;
		}
		idle_since = 0;
		cur = ring->cur;
		while (n--) {
			struct netmap_slot *s = &ring->slot[cur];
			const unsigned char *f = (unsigned char *)NETMAP_BUF(ring, s->buf_idx);

			if (s->len >= BENCH_SEQ_OFF + 8 && f[12] == (BENCH_ETHERTYPE >> 8) &&
			    f[13] == (BENCH_ETHERTYPE & 0xff))
				bench_rx_seq(&rx_counts, bench_get_seq(f));
			else
				bench_other++;
			cur = nm_ring_next(ring, cur);
		}
		ring->head = ring->cur = cur;
		t_rx_end = bench_now();
	}
	return NULL;
}

#endif /* BENCH_LOOP_H */
