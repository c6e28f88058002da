// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_bench_lockstep - what a transfer costs the CPU, in one thread:
 * a pipe against VALE 2-port, without the two sides' scheduling.
 *
 *   nm_bench_lockstep --pipe NAME | --vale SWITCH [--seconds S] [--batch N]
 *                     [--len L]
 *
 * One thread holds both ports (NAME{0 -> NAME}0, or SWITCH:s -> SWITCH:r)
 * and alternates: up to N slots (default 512) handed to the TX ring,
 * NIOCTXSYNC, NIOCRXSYNC on the receiver, every received slot read and
 * released. The frames are written into the sender's buffers once (they
 * are reused, as netmap's pkt-gen and nm-pktgen do; per packet the sender
 * sets len and flags, the receiver reads len and flags), so per packet the
 * time is the kernel's two syncs (and their share of two system calls).
 * The two-thread benchmarks need both vCPUs running at once, which a
 * loaded host rarely gives under TCG; one thread measures the CPU cost
 * whatever the other load (it only stretches the wall time, so the rate is
 * per second of the thread's CPU time).
 *
 * Prints the RESULT line of bench_util.h (method=pipe-lockstep or
 * vale-lockstep, mode=busy; mpps per CPU second). Exit status 1 if a sync
 * failed or the receiver got more than was sent, or nothing; 2 on a setup
 * error. VALE may drop (a full receiver ring): not counted as a failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <net/netmap.h>
#include <net/netmap_user.h>

#include "bench_util.h"

static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr, "usage: nm_bench_lockstep --pipe NAME | --vale SWITCH [--seconds S] "
		"[--batch N] [--len L]\n");
	exit(2);
}

/* Hand up to @batch slots to @r (len and flags only); returns how many. */
static uint32_t lock_tx(struct netmap_ring *r, uint32_t batch, uint16_t len)
{
	uint32_t cur = r->cur, n = nm_ring_space(r), i;

	if (n > batch)
		n = batch;
	for (i = 0; i < n; i++) {
		r->slot[cur].len = len;
		r->slot[cur].flags = 0;
		cur = nm_ring_next(r, cur);
	}
	r->head = r->cur = cur;
	return n;
}

/* Read and release every slot @r shows; returns how many packets. */
static uint32_t lock_rx(struct netmap_ring *r, uint64_t *bytes)
{
	uint32_t cur = r->cur, n = nm_ring_space(r), got = 0;

	for (; n; n--, cur = nm_ring_next(r, cur)) {
		*bytes += r->slot[cur].len;
		if (!(r->slot[cur].flags & NS_MOREFRAG))
			got++;
	}
	r->head = r->cur = cur;
	return got;
}

int main(int argc, char **argv)
{
	static const unsigned char src[6] = { 0x02, 0, 0, 0, 0, 1 };
	const char *pipe = NULL, *vale = NULL;
	char tname[NETMAP_REQ_IFNAMSIZ], rname[NETMAP_REQ_IFNAMSIZ];
	unsigned int batch = 512, len = 60, iter = 0;
	struct bench_port tx, rx;
	struct bench_counts c = { 0 };
	double secs = 3, t0, c0, deadline;
	uint64_t bytes = 0;
	int i, bad = 0;
	uint32_t j;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--pipe"))
			pipe = argv[++i];
		else if (!strcmp(argv[i], "--vale"))
			vale = argv[++i];
		else if (!strcmp(argv[i], "--seconds"))
			secs = atof(argv[++i]);
		else if (!strcmp(argv[i], "--batch"))
			batch = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--len"))
			len = (unsigned int)atoi(argv[++i]);
		else
			usage();
	}
	if (!pipe == !vale || batch < 1 || len < 14 || len > 2048 || !(secs > 0))
		usage();
	if (pipe) {
		snprintf(tname, sizeof(tname), "%s{0", pipe);
		snprintf(rname, sizeof(rname), "%s}0", pipe);
	} else {
		snprintf(tname, sizeof(tname), "%s:s", vale);
		snprintf(rname, sizeof(rname), "%s:r", vale);
	}
	if (bench_open_port(&tx, "nm_bench_lockstep", tname, 0, true) ||
	    bench_open_port(&rx, "nm_bench_lockstep", rname, 0, false))
		return 2;
	if (tx.ring->nr_buf_size < len) {
		fprintf(stderr, "nm_bench_lockstep: buffers of %u bytes are too small\n",
			tx.ring->nr_buf_size);
		return 2;
	}
	/* The frames, once: a broadcast goes to the other VALE port. */
	for (j = 0; j < tx.ring->num_slots; j++)
		bench_template((unsigned char *)NETMAP_BUF(tx.ring, tx.ring->slot[j].buf_idx), len,
			       src);

	t0 = bench_now();
	c0 = cpu_now();
	deadline = t0 + secs;
	while ((++iter & 63) || bench_now() < deadline) {
		c.sent += lock_tx(tx.ring, batch, (uint16_t)len);
		if (ioctl(tx.fd, NIOCTXSYNC, NULL) || ioctl(rx.fd, NIOCRXSYNC, NULL)) {
			fprintf(stderr, "nm_bench_lockstep: sync: %s\n", strerror(errno));
			bad = 1;
			break;
		}
		c.received += lock_rx(rx.ring, &bytes);
	}
	/* What is still in flight. */
	if (!bad && !ioctl(tx.fd, NIOCTXSYNC, NULL) && !ioctl(rx.fd, NIOCRXSYNC, NULL))
		c.received += lock_rx(rx.ring, &bytes);
	c.gaps = c.sent - (c.received < c.sent ? c.received : c.sent);
	bench_result(pipe ? "pipe-lockstep" : "vale-lockstep", "busy", "", cpu_now() - c0, &c);
	printf("# wall %.3f s, %llu bytes received\n", bench_now() - t0, (unsigned long long)bytes);
	/* A pipe is lossless: each batch arrives within its own round. */
	if (bad || c.received == 0 || c.received > c.sent || (pipe && c.received != c.sent)) {
		printf("nm_bench_lockstep: FAIL: sent %llu received %llu\n",
		       (unsigned long long)c.sent, (unsigned long long)c.received);
		return 1;
	}
	return 0;
}
