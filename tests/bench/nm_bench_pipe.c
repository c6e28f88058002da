// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_bench_pipe - netmap pipe throughput.
 *
 *   nm_bench_pipe [--mode poll|busy] [--seconds S] [--batch N] [--len L]
 *                 [--slots N] [--name PARENT]
 *
 * A sender thread bound to the master end PARENT{0 fills its TX ring with
 * L-byte frames (default 60), at most N per sync (default 512), for S seconds
 * (default 3); a receiver thread bound to the slave end PARENT}0 takes them
 * from its RX ring and checks their sequence numbers.  The two threads are
 * pinned to different CPUs when there are two.
 *
 *   poll: each side waits with poll() (POLLOUT / POLLIN), which also syncs;
 *   busy: each side spins on NIOCTXSYNC / NIOCRXSYNC.
 *
 * Prints a RESULT line (bench_util.h).  Exit status 1 if nothing was
 * received, if the pipe lost, duplicated or reordered a packet (a pipe is
 * lossless: after the sender stops, the receiver drains everything), or if
 * the kernel refused a sync or reported POLLERR (this program never breaks
 * the ring protocol); 2 on a setup error.  Each side gives up 10 s after
 * the end of the run, so a misbehaving kernel cannot make it hang.  It
 * asserts nothing about speed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <net/netmap.h>
#include <net/netmap_user.h>

#include "bench_util.h"

static struct {
	bool busy;
	double seconds;
	unsigned int batch, len, slots;
	const char *parent;
} opt = { false, 3.0, BENCH_MAX_BATCH, 60, 0, "nmbench" };

static pthread_barrier_t start_barrier;
static double t_start, t_rx_end;
static atomic_bool tx_done;
static atomic_ullong tx_sent, sync_errors;
static int first_errno;

static void sync_error(int err)
{
	if (atomic_fetch_add(&sync_errors, 1) == 0)
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

/* Register one end of the pipe and map it; the ring we use is ring 0. */
static int open_end(struct bench_port *e, char sep)
{
	char name[NETMAP_REQ_IFNAMSIZ];

	snprintf(name, sizeof(name), "%s%c0", opt.parent, sep);
	return bench_open_port(e, "nm_bench_pipe", name, opt.slots, sep == '{');
}

static void *sender(void *arg)
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
	bench_template(tmpl, opt.len, src);
	pthread_barrier_wait(&start_barrier);
	deadline = t_start + opt.seconds;
	for (;;) {
		uint32_t cur, n, i;

		if ((++iter & 15) == 0 && bench_now() >= deadline)
			break;
		if (opt.busy) {
			if (nm_ring_empty(ring))
				do_sync(e->fd, NIOCTXSYNC);
		} else {
			do_poll(&pfd, 1000);
		}
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
			cur = nm_ring_next(ring, cur);
		}
		ring->head = ring->cur = cur;
		if (opt.busy && n)
			do_sync(e->fd, NIOCTXSYNC);
	}
	/* push what is still queued */
	do_sync(e->fd, NIOCTXSYNC);
	tx_counts.sent = seq;
	atomic_store(&tx_sent, seq);
	atomic_store(&tx_done, true);
	return NULL;
}

static void *receiver(void *arg)
{
	struct bench_port *e = arg;
	struct netmap_ring *ring = e->ring;
	struct pollfd pfd = { .fd = e->fd, .events = POLLIN };
	double idle_since = 0, give_up;
	unsigned int iter = 0;

	bench_pin(1);
	pthread_barrier_wait(&start_barrier);
	give_up = t_start + opt.seconds + 10;
	for (;;) {
		uint32_t cur, n;

		if ((++iter & 63) == 0 && bench_now() > give_up) {
			printf("# receiver gave up 10 s after the end\n");
			break;
		}
		if (opt.busy)
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

			bench_rx_seq(&rx_counts, bench_get_seq((unsigned char *)NETMAP_BUF(ring, s->buf_idx)));
			cur = nm_ring_next(ring, cur);
		}
		ring->head = ring->cur = cur;
		t_rx_end = bench_now();
	}
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: nm_bench_pipe [--mode poll|busy] [--seconds S] [--batch N] "
		"[--len L] [--slots N] [--name PARENT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench_port tx, rx;
	pthread_t tt, rt;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--mode"))
			opt.busy = !strcmp(argv[++i], "busy");
		else if (!strcmp(argv[i], "--seconds"))
			opt.seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--batch"))
			opt.batch = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--len"))
			opt.len = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--slots"))
			opt.slots = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--name"))
			opt.parent = argv[++i];
		else
			usage();
	}
	if (opt.batch < 1 || opt.batch > BENCH_MAX_BATCH || opt.len < 22 || opt.len > 2048 ||
	    opt.seconds <= 0)
		usage();
	if (open_end(&tx, '{') || open_end(&rx, '}'))
		return 2;
	if (tx.ring->nr_buf_size < opt.len) {
		fprintf(stderr, "nm_bench_pipe: buffers of %u bytes are too small\n", tx.ring->nr_buf_size);
		return 2;
	}
	pthread_barrier_init(&start_barrier, NULL, 3);
	if (pthread_create(&rt, NULL, receiver, &rx) || pthread_create(&tt, NULL, sender, &tx)) {
		perror("nm_bench_pipe: pthread_create");
		return 2;
	}
	t_start = bench_now();
	pthread_barrier_wait(&start_barrier);
	pthread_join(tt, NULL);
	pthread_join(rt, NULL);
	rx_counts.sent = tx_counts.sent;
	if (t_rx_end == 0)
		t_rx_end = bench_now();
	bench_result("pipe", opt.busy ? "busy" : "poll", "", t_rx_end - t_start, &rx_counts);
	if (rx_counts.received == 0 || rx_counts.received > rx_counts.sent) {
		printf("nm_bench_pipe: FAIL: sent %llu received %llu\n",
		       (unsigned long long)rx_counts.sent, (unsigned long long)rx_counts.received);
		return 1;
	}
	if (atomic_load(&sync_errors)) {
		printf("nm_bench_pipe: FAIL: the kernel refused %llu syncs/polls (first: %s)\n",
		       (unsigned long long)atomic_load(&sync_errors), strerror(first_errno));
		return 1;
	}
	if (rx_counts.received != rx_counts.sent || rx_counts.gaps || rx_counts.out_of_order) {
		printf("nm_bench_pipe: FAIL: the pipe lost or reordered packets (sent %llu received "
		       "%llu lost %llu out of order %llu)\n", (unsigned long long)rx_counts.sent,
		       (unsigned long long)rx_counts.received, (unsigned long long)rx_counts.gaps,
		       (unsigned long long)rx_counts.out_of_order);
		return 1;
	}
	munmap(tx.mem, tx.memsize);
	munmap(rx.mem, rx.memsize);
	close(tx.fd);
	close(rx.fd);
	return 0;
}
