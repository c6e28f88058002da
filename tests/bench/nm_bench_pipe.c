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

#include "bench_loop.h"

/* Besides bench_opt (bench_loop.h). */
static struct {
	unsigned int slots;
	const char *parent;
} opt = { 0, "nmbench" };

/* Register one end of the pipe and map it; the ring we use is ring 0. */
static int open_end(struct bench_port *e, char sep)
{
	char name[NETMAP_REQ_IFNAMSIZ];

	snprintf(name, sizeof(name), "%s%c0", opt.parent, sep);
	return bench_open_port(e, "nm_bench_pipe", name, opt.slots, sep == '{');
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
			bench_opt.busy = !strcmp(argv[++i], "busy");
		else if (!strcmp(argv[i], "--seconds"))
			bench_opt.seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--batch"))
			bench_opt.batch = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--len"))
			bench_opt.len = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--slots"))
			opt.slots = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--name"))
			opt.parent = argv[++i];
		else
			usage();
	}
	if (bench_opt.batch < 1 || bench_opt.batch > BENCH_MAX_BATCH || bench_opt.len < 22 || bench_opt.len > 2048 ||
	    bench_opt.seconds <= 0)
		usage();
	if (open_end(&tx, '{') || open_end(&rx, '}'))
		return 2;
	if (tx.ring->nr_buf_size < bench_opt.len) {
		fprintf(stderr, "nm_bench_pipe: buffers of %u bytes are too small\n", tx.ring->nr_buf_size);
		return 2;
	}
	pthread_barrier_init(&start_barrier, NULL, 3);
	if (pthread_create(&rt, NULL, bench_receiver, &rx) || pthread_create(&tt, NULL, bench_sender, &tx)) {
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
	bench_result("pipe", bench_opt.busy ? "busy" : "poll", "", t_rx_end - t_start, &rx_counts);
	if (rx_counts.received == 0 || rx_counts.received > rx_counts.sent) {
		printf("nm_bench_pipe: FAIL: sent %llu received %llu\n",
		       (unsigned long long)rx_counts.sent, (unsigned long long)rx_counts.received);
		return 1;
	}
	if (atomic_load(&bench_sync_errors)) {
		printf("nm_bench_pipe: FAIL: the kernel refused %llu syncs/polls (first: %s)\n",
		       (unsigned long long)atomic_load(&bench_sync_errors), strerror(first_errno));
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
