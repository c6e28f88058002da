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
 *
 * bench_open_port() is how both open their ports: REGISTER (all rings, the
 * slot count asked for), map the region, keep ring 0 of one direction.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <net/netmap_user.h>

#define BENCH_ETHERTYPE	0x88b5	/* IEEE 802 local experimental ethertype 1 */
#define BENCH_SEQ_OFF	14	/* sequence number right after the Ethernet header */
#define BENCH_MAX_BATCH	512

/* A registered, mapped port and the one ring a benchmark thread uses. */
struct bench_port {
	int fd;
	char *mem;
	uint64_t memsize;
	struct netmap_ring *ring;
	char name[NETMAP_REQ_IFNAMSIZ];
};

/*
 * Open /dev/netmap, REGISTER @name with all its rings and @slots slots per
 * ring, map the region; p->ring is TX ring 0 if @tx, else RX ring 0. Prints
 * the port's geometry as a "# " comment line. 0, or -1 after a message
 * prefixed by @prog (the caller then exits: nothing is cleaned up).
 */
static inline int bench_open_port(struct bench_port *p, const char *prog,
				  const char *name, unsigned int slots, bool tx)
{
	struct nmreq_header h;
	struct nmreq_register r;
	struct netmap_if *nifp;

	p->fd = open("/dev/netmap", O_RDWR);
	if (p->fd < 0) {
		fprintf(stderr, "%s: open /dev/netmap: %s\n", prog, strerror(errno));
		return -1;
	}
	memset(&h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	h.nr_version = NETMAP_API;
	h.nr_reqtype = NETMAP_REQ_REGISTER;
	snprintf(h.nr_name, sizeof(h.nr_name), "%s", name);
	memcpy(p->name, h.nr_name, sizeof(p->name));
	h.nr_body = (uint64_t)(uintptr_t)&r;
	r.nr_mode = NR_REG_ALL_NIC;
	r.nr_tx_slots = r.nr_rx_slots = slots;
	if (ioctl(p->fd, NIOCCTRL, &h)) {
		fprintf(stderr, "%s: REGISTER %s: %s\n", prog, h.nr_name, strerror(errno));
		return -1;
	}
	p->memsize = r.nr_memsize;
	p->mem = mmap(NULL, r.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->mem == MAP_FAILED) {
		fprintf(stderr, "%s: mmap %s: %s\n", prog, h.nr_name, strerror(errno));
		return -1;
	}
	nifp = NETMAP_IF(p->mem, r.nr_offset);
	p->ring = tx ? NETMAP_TXRING(nifp, 0) : NETMAP_RXRING(nifp, 0);
	printf("# %s: %u slots, buffers of %u bytes, region %llu bytes (mem_id %u)\n",
	       h.nr_name, p->ring->num_slots, p->ring->nr_buf_size,
	       (unsigned long long)r.nr_memsize, r.nr_mem_id);
	return 0;
}

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
