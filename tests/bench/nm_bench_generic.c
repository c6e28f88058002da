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

#include "bench_loop.h"

/* Besides bench_opt (bench_loop.h). */
static struct {
	const char *tx_if, *rx_if;
} opt = { NULL, NULL };

/* Register netmap:@ifname (hardware rings) and map it; we use ring 0. */
static int open_end(struct bench_port *e, const char *ifname, bool tx)
{
	return bench_open_port(e, "nm_bench_generic", ifname, 0, tx);
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
			bench_opt.busy = !strcmp(argv[++i], "busy");
		else if (!strcmp(argv[i], "--seconds"))
			bench_opt.seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--batch"))
			bench_opt.batch = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--len"))
			bench_opt.len = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--tx-if"))
			opt.tx_if = argv[++i];
		else if (!strcmp(argv[i], "--rx-if"))
			opt.rx_if = argv[++i];
		else
			usage();
	}
	if (bench_opt.batch < 1 || bench_opt.batch > BENCH_MAX_BATCH || bench_opt.len < 22 || bench_opt.len > 2048 ||
	    bench_opt.seconds <= 0 || !opt.tx_if || !opt.rx_if)
		usage();
	if (open_end(&tx, opt.tx_if, true) || open_end(&rx, opt.rx_if, false))
		return 2;
	if (tx.ring->nr_buf_size < bench_opt.len) {
		fprintf(stderr, "nm_bench_generic: buffers of %u bytes are too small\n", tx.ring->nr_buf_size);
		return 2;
	}
	pthread_barrier_init(&start_barrier, NULL, 3);
	if (pthread_create(&rt, NULL, bench_receiver, &rx) || pthread_create(&tt, NULL, bench_sender, &tx)) {
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

		snprintf(extra, sizeof(extra), "skipped=%llu", bench_other);
		bench_result("generic", bench_opt.busy ? "busy" : "poll", extra, t_rx_end - t_start,
			     &rx_counts);
	}
	if (rx_counts.received == 0 || rx_counts.received > rx_counts.sent) {
		printf("nm_bench_generic: FAIL: sent %llu received %llu\n",
		       (unsigned long long)rx_counts.sent, (unsigned long long)rx_counts.received);
		return 1;
	}
	if (atomic_load(&bench_sync_errors)) {
		printf("nm_bench_generic: FAIL: the kernel refused %llu syncs/polls (first: %s)\n",
		       (unsigned long long)atomic_load(&bench_sync_errors), strerror(first_errno));
		return 1;
	}
	munmap(tx.mem, tx.memsize);
	munmap(rx.mem, rx.memsize);
	close(tx.fd);
	close(rx.fd);
	return 0;
}
