/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_util.h - what the two throughput benchmarks share: the packet they
 * send, time, CPU pinning, the start barrier and the result line.
 *
 * Both benchmarks move 60-byte frames (an Ethernet header and a payload
 * whose first 8 bytes after the header are a sequence number) from a sender
 * thread to a receiver thread for a fixed time, in batches of at most 512.
 * The sender writes the whole frame into the buffer for every packet (as
 * any application producing packets would) and the receiver reads the
 * sequence number back, so neither side is a no-op.
 *
 * Each program prints one line the guest script parses:
 *
 *   RESULT method=M mode=poll|busy seconds=S sent=N received=N lost=N
 *          mpps=X ns_per_pkt=Y
 *
 * Mpps = received / seconds, where seconds runs from the start barrier to
 * the moment the receiver saw the last packet.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_ETHERTYPE	0x88b5	/* IEEE 802 local experimental ethertype 1 */
#define BENCH_SEQ_OFF	14	/* sequence number right after the Ethernet header */
#define BENCH_MAX_BATCH	512

static inline double bench_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A 60-byte broadcast frame of our ethertype; the payload is a pattern. */
static inline void bench_template(unsigned char *f, unsigned int len, const unsigned char *src)
{
	unsigned int i;

	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	f[12] = BENCH_ETHERTYPE >> 8;
	f[13] = BENCH_ETHERTYPE & 0xff;
	for (i = 14; i < len; i++)
		f[i] = (unsigned char)i;
}

static inline void bench_put_seq(unsigned char *f, uint64_t seq)
{
	memcpy(f + BENCH_SEQ_OFF, &seq, sizeof(seq));
}

static inline uint64_t bench_get_seq(const unsigned char *f)
{
	uint64_t seq;

	memcpy(&seq, f + BENCH_SEQ_OFF, sizeof(seq));
	return seq;
}

/* Pin the calling thread to cpu (modulo the online CPUs); quiet on failure. */
static inline void bench_pin(int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (n < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu % (int)n, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* What each side counts; the receiver checks the order of sequence numbers. */
struct bench_counts {
	uint64_t sent;
	uint64_t received;
	uint64_t out_of_order;	/* seq lower than expected: reordered or duplicated */
	uint64_t gaps;		/* packets skipped over (lost) */
	uint64_t next_seq;
};

static inline void bench_rx_seq(struct bench_counts *c, uint64_t seq)
{
	if (seq == c->next_seq) {
		c->next_seq++;
	} else if (seq > c->next_seq) {
		c->gaps += seq - c->next_seq;
		c->next_seq = seq + 1;
	} else {
		c->out_of_order++;
	}
	c->received++;
}

static inline void bench_result(const char *method, const char *mode, const char *extra,
				double secs, const struct bench_counts *c)
{
	double mpps = secs > 0 ? (double)c->received / secs / 1e6 : 0;

	printf("RESULT method=%s mode=%s%s%s seconds=%.3f sent=%llu received=%llu lost=%llu "
	       "out_of_order=%llu mpps=%.3f ns_per_pkt=%.1f\n", method, mode,
	       extra[0] ? " " : "", extra, secs, (unsigned long long)c->sent,
	       (unsigned long long)c->received, (unsigned long long)c->gaps,
	       (unsigned long long)c->out_of_order, mpps, mpps > 0 ? 1e3 / mpps : 0.0);
}

#endif /* BENCH_UTIL_H */
