// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_bench_generic - throughput of the emulated ("generic") NIC adapter on a
 * veth pair, the counterpart of af_packet_bench on the same pair.
 *
 *   nm_bench_generic --tx-if A --rx-if B [--mode poll|busy] [--seconds S]
 *                    [--batch N] [--len L]
 *
 * A sender thread bound to netmap:A fills hardware TX ring 0 with L-byte
 * frames of our ethertype (default 60 bytes), at most N per sync (default
 * 512), for S seconds (default 3); the kernel copies each into a reused skb
 * and gives it to veth (A). A receiver thread bound to netmap:B takes what
 * B's rx_handler queued from RX ring 0 and checks sequence numbers (other
 * frames, e.g. IPv6 neighbour discovery, are skipped). The threads are
 * pinned to different CPUs when there are two.
 *
 *   poll: each side waits with poll() (POLLOUT / POLLIN), which also syncs;
 *   busy: each side spins on NIOCTXSYNC / NIOCRXSYNC.
 *
 * Prints a RESULT line (bench_util.h) with method=generic; sent/seconds is
 * the TX rate, received/seconds the RX rate. Unlike a pipe, the path may
 * drop (veth's backlog, B's receive queue, bounded to the ring size), so it
 * asserts received <= sent only. Exit status 1 if nothing was received,
 * more was received than sent, or the kernel refused a sync; 2 on a setup
 * error. Each side gives up 10 s after the end of the run.
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
	unsigned int batch, len;
	const char *tx_if, *rx_if;
} opt = { false, 3.0, BENCH_MAX_BATCH, 60, NULL, NULL };

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
static unsigned long long other;	/* frames not ours, skipped */

/* Register netmap:@ifname (hardware rings) and map it; we use ring 0. */
static int open_end(struct bench_port *e, const char *ifname, bool tx)
{
	return bench_open_port(e, "nm_bench_generic", ifname, 0, tx);
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
			const unsigned char *f = (unsigned char *)NETMAP_BUF(ring, s->buf_idx);

			if (s->len >= BENCH_SEQ_OFF + 8 && f[12] == (BENCH_ETHERTYPE >> 8) &&
			    f[13] == (BENCH_ETHERTYPE & 0xff))
				bench_rx_seq(&rx_counts, bench_get_seq(f));
			else
				other++;
			cur = nm_ring_next(ring, cur);
		}
		ring->head = ring->cur = cur;
		t_rx_end = bench_now();
	}
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: nm_bench_generic --tx-if A --rx-if B [--mode poll|busy] "
		"[--seconds S] [--batch N] [--len L]\n");
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
		else if (!strcmp(argv[i], "--tx-if"))
			opt.tx_if = argv[++i];
		else if (!strcmp(argv[i], "--rx-if"))
			opt.rx_if = argv[++i];
		else
			usage();
	}
	if (opt.batch < 1 || opt.batch > BENCH_MAX_BATCH || opt.len < 22 || opt.len > 2048 ||
	    opt.seconds <= 0 || !opt.tx_if || !opt.rx_if)
		usage();
	if (open_end(&tx, opt.tx_if, true) || open_end(&rx, opt.rx_if, false))
		return 2;
	if (tx.ring->nr_buf_size < opt.len) {
		fprintf(stderr, "nm_bench_generic: buffers of %u bytes are too small\n", tx.ring->nr_buf_size);
		return 2;
	}
	pthread_barrier_init(&start_barrier, NULL, 3);
	if (pthread_create(&rt, NULL, receiver, &rx) || pthread_create(&tt, NULL, sender, &tx)) {
		perror("nm_bench_generic: pthread_create");
		return 2;
	}
	t_start = bench_now();
	pthread_barrier_wait(&start_barrier);
	pthread_join(tt, NULL);
	pthread_join(rt, NULL);
	rx_counts.sent = tx_counts.sent;
	if (t_rx_end == 0)
		t_rx_end = bench_now();
	{
		char extra[64];

		snprintf(extra, sizeof(extra), "skipped=%llu", other);
		bench_result("generic", opt.busy ? "busy" : "poll", extra, t_rx_end - t_start,
			     &rx_counts);
	}
	if (rx_counts.received == 0 || rx_counts.received > rx_counts.sent) {
		printf("nm_bench_generic: FAIL: sent %llu received %llu\n",
		       (unsigned long long)rx_counts.sent, (unsigned long long)rx_counts.received);
		return 1;
	}
	if (atomic_load(&sync_errors)) {
		printf("nm_bench_generic: FAIL: the kernel refused %llu syncs/polls (first: %s)\n",
		       (unsigned long long)atomic_load(&sync_errors), strerror(first_errno));
		return 1;
	}
	munmap(tx.mem, tx.memsize);
	munmap(rx.mem, rx.memsize);
	close(tx.fd);
	close(rx.fd);
	return 0;
}
