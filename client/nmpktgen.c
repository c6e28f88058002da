// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm-pktgen - traffic generator and sink for netmap ports, in the spirit of
 * netmap's pkt-gen (same letters for the options people use most).
 *
 *   nm-pktgen -i PORT -f tx|rx|ping|pong [-l LEN] [-b BATCH] [-n COUNT]
 *             [-R PPS] [-S MAC] [-D MAC] [-s IP[-IP][:PORT[-PORT]]]
 *             [-d IP[-IP][:PORT[-PORT]]] [-p THREADS] [-T REPORT_MS]
 *             [-w WAIT_S] [--duration S] [--busy] [--check] [--touch-all] [--json]
 *
 * Frames are Ethernet + IPv4 + UDP with valid checksums; the source and
 * destination address/port ranges are cycled per packet. tx writes a frame
 * into a buffer only when the slot holds a buffer it has not prepared (a
 * different buf_idx, or NS_BUF_CHANGED set by the kernel), as netmap's
 * pkt-gen does: a port that leaves the sender's buffers in its slots (pipes,
 * VALE ports) costs no copy per packet, and a slot still as tx left it
 * (same buf_idx, len and flags) is not even written; with address ranges only the
 * addresses and checksums of a prepared frame are rewritten. --touch-all
 * writes every frame (the cost a sender that builds each frame pays). rx --check verifies
 * the IPv4 and UDP checksums of what it receives. The payload starts
 * with a magic number; ping frames also carry a sequence number and the send
 * time (CLOCK_MONOTONIC, ns), which pong sends back with the addresses
 * swapped, so ping measures the round trip.
 *
 * Threads: with -p N thread i binds ring i only (NR_REG_ONE_NIC), and asks
 * for N rings when it creates the port (pipes, VALE ports). With one thread
 * the port's rings are all bound and served in turn.
 *
 * Counting: tx counts the packets it put in the ring and that a txsync (or
 * poll) accepted; rx counts received packets (a NS_MOREFRAG chain is one
 * packet) and their bytes. -n is the total over all threads; -R the total
 * rate, split evenly. The counters are plain per-thread fields the main
 * thread reads for the periodic reports (no atomic read-modify-write on the
 * packet path).
 *
 * Output: reports every -T ms (default 1000, 0 = none) and a final summary.
 * Text: reports on stderr, summary on stdout. --json: the summary is one
 * JSON object on stdout; reports and events are JSON lines on stderr.
 * SIGINT/SIGTERM end the run cleanly with the summary. Exit status: 0, 1 on
 * a runtime error (a refused sync), 2 on bad usage or a port that does not
 * open.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "toolport.h"

#define PROG		"nm-pktgen"
#define MAX_THREADS	64
#define ETH_HLEN	14
#define IP_HLEN		20
#define UDP_HLEN	8
#define HDRS_LEN	(ETH_HLEN + IP_HLEN + UDP_HLEN)	/* 42 */
#define PAY_MAGIC	0x4e4d5047u	/* "NMPG" */
/* Payload: magic (4), seq (4), send time in ns (8). */
#define PAY_LEN		16
#define MIN_LEN		(HDRS_LEN + PAY_LEN)		/* 58 */
#define MAX_RTT_SAMPLES	(1u << 20)
#define POLL_MS		100

enum func { F_TX, F_RX, F_PING, F_PONG };
static const char *const func_name[] = { "tx", "rx", "ping", "pong" };

/* An address range: IPs lo..hi, ports plo..phi (host order). */
struct range {
	uint32_t lo, hi;
	uint16_t plo, phi;
};

static struct {
	const char *ifname;
	enum func func;
	unsigned int len, batch, threads, report_ms;
	bool batch_set, json, busy, check, touch_all;
	uint64_t count;
	double rate, wait_s, duration;
	uint8_t smac[6], dmac[6];
	struct range src, dst;
} O = {
	.func = F_TX, .len = 60, .batch = 512, .threads = 1, .report_ms = 1000,
	.wait_s = -1,
	.smac = { 0x02, 0, 0, 0, 0, 0x01 },
	.dmac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	.src = { 0x0a000001, 0x0a000001, 1234, 1234 },	/* 10.0.0.1:1234 */
	.dst = { 0x0a010001, 0x0a010001, 4321, 4321 },	/* 10.1.0.1:4321 */
};

/* Per thread. Counters: written by the thread only, read by main. */
struct thr {
	pthread_t tid;
	unsigned int idx;
	struct nmport_d *port;
	uint64_t quota;		/* packets to send (tx, ping) when -n is given */
	double rate;		/* pps, 0 = unlimited */
	double t_first, t_last;	/* first/last packet (rx), start/end (tx) */
	int err;		/* errno of a refused sync, 0 */
	uint64_t pkts __attribute__((aligned(64)));
	uint64_t bytes;
	uint64_t ignored;	/* rx/pong: frames that were not ours */
	uint64_t bad_csum;	/* rx --check: IPv4/UDP frames with a wrong checksum */
	uint64_t written;	/* tx: frames written whole into a buffer */
	/* ping: RTT samples (ns) and running stats */
	uint64_t *rtt;
	uint64_t nrtt, rtt_min, rtt_max;
	double rtt_sum;
};

static struct thr T[MAX_THREADS];
static volatile sig_atomic_t g_stop;
static int g_running;		/* threads still running (atomic) */
static uint64_t g_rx_total;	/* rx with -n: packets over all threads (atomic) */
static double g_t0;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static bool stopping(void)
{
	return g_stop != 0;
}

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void set_ctr(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, v, __ATOMIC_RELAXED);
}

static uint64_t get_ctr(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------------
 * Output helpers
 */

/* Print @s as a JSON string (the names we print are plain, but be safe). */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Fatal setup error: a JSON object on stdout with --json, else a line on stderr. */
static void die_usage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (O.json) {
		printf("{\"tool\":\"" PROG "\",\"error\":");
		json_str(stdout, msg);
		printf("}\n");
	} else {
		fprintf(stderr, PROG ": %s\n", msg);
	}
	exit(2);
}

/* --help: on stdout, exit 0; a usage error: on stderr, exit 2. */
static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: " PROG " -i PORT [-f tx|rx|ping|pong] [-l LEN] [-b BATCH] [-n COUNT]\n"
		"                 [-R PPS] [-S MAC] [-D MAC] [-s IP[-IP][:PORT[-PORT]]]\n"
		"                 [-d IP[-IP][:PORT[-PORT]]] [-p THREADS] [-T REPORT_MS]\n"
		"                 [-w WAIT_S] [--duration S] [--busy] [--check] [--touch-all]\n"
		"                 [--json]\n"
		"see nm-pktgen(1)\n");
	exit(status);
}

/* ------------------------------------------------------------------------
 * Option parsing
 */

static bool parse_mac(const char *s, uint8_t m[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return false;
	for (i = 0; i < 6; i++) {
		if (b[i] > 255)
			return false;
		m[i] = (uint8_t)b[i];
	}
	return true;
}

static bool parse_ip(const char *s, size_t n, uint32_t *ip)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*ip = ntohl(a.s_addr);
	return true;
}

static bool parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* IP[-IP][:PORT[-PORT]] */
static bool parse_range(const char *s, struct range *r)
{
	const char *colon = strchr(s, ':');
	const char *ipend = colon ? colon : s + strlen(s);
	const char *dash = memchr(s, '-', (size_t)(ipend - s));

	if (!parse_ip(s, (size_t)((dash ? dash : ipend) - s), &r->lo))
		return false;
	r->hi = r->lo;
	if (dash && !parse_ip(dash + 1, (size_t)(ipend - dash - 1), &r->hi))
		return false;
	if (r->hi < r->lo)
		return false;
	if (colon) {
		const char *p = colon + 1, *pend = p + strlen(p);
		const char *pd = strchr(p, '-');

		if (!parse_port(p, (size_t)((pd ? pd : pend) - p), &r->plo))
			return false;
		r->phi = r->plo;
		if (pd && !parse_port(pd + 1, (size_t)(pend - pd - 1), &r->phi))
			return false;
		if (r->phi < r->plo)
			return false;
	}
	return true;
}

static double parse_double(const char *s, const char *what, double min)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= min))
		die_usage("bad %s '%s'", what, s);
	return v;
}

static uint64_t parse_u64(const char *s, const char *what, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (end == s || *end || errno || v < min || v > max || s[0] == '-')
		die_usage("bad %s '%s' (%llu..%llu)", what, s, (unsigned long long)min,
			  (unsigned long long)max);
	return v;
}

/* ------------------------------------------------------------------------
 * Frames
 */

/* Sum of big-endian 16-bit words (odd length: last byte padded). */
static uint32_t csum_add(uint32_t sum, const uint8_t *d, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(d[i] << 8 | d[i + 1]);
	if (n & 1)
		sum += (uint32_t)d[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * The frame template of a thread and the constant parts of its checksums,
 * so that a packet with other addresses costs a few additions.
 */
struct gen {
	uint8_t tmpl[2048] __attribute__((aligned(64)));
	unsigned int len;
	bool vary;		/* address ranges: patch every packet */
	uint32_t ip_base;	/* IP header words without addresses and checksum */
	uint32_t udp_base;	/* pseudo header (proto, len) + UDP len + payload */
	/* position in the ranges */
	uint32_t sip, dip;
	uint16_t sport, dport;
};

#define OFF_IP		ETH_HLEN
#define OFF_IPCSUM	(OFF_IP + 10)
#define OFF_SIP		(OFF_IP + 12)
#define OFF_DIP		(OFF_IP + 16)
#define OFF_UDP		(OFF_IP + IP_HLEN)
#define OFF_SPORT	OFF_UDP
#define OFF_DPORT	(OFF_UDP + 2)
#define OFF_UCSUM	(OFF_UDP + 6)
#define OFF_PAY		HDRS_LEN

static void gen_init(struct gen *g, unsigned int len)
{
	uint8_t *f = g->tmpl;
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->len = len;
	memcpy(f, O.dmac, 6);
	memcpy(f + 6, O.smac, 6);
	put16(f + 12, 0x0800);
	f[OFF_IP] = 0x45;
	put16(f + OFF_IP + 2, (uint16_t)(len - ETH_HLEN));	/* total length */
	put16(f + OFF_IP + 6, 0x4000);				/* DF */
	f[OFF_IP + 8] = 64;					/* TTL */
	f[OFF_IP + 9] = 17;					/* UDP */
	put16(f + OFF_UDP + 4, (uint16_t)(len - ETH_HLEN - IP_HLEN));
	put32(f + OFF_PAY, PAY_MAGIC);
	for (i = OFF_PAY + PAY_LEN; i < len; i++)
		f[i] = (uint8_t)i;
	/* Constant parts: addresses, ports and checksums are still zero. */
	g->ip_base = csum_add(0, f + OFF_IP, IP_HLEN);
	g->udp_base = 17 + (uint32_t)(len - ETH_HLEN - IP_HLEN) +
		      csum_add(0, f + OFF_UDP, len - OFF_UDP);
	g->sip = O.src.lo;
	g->dip = O.dst.lo;
	g->sport = O.src.plo;
	g->dport = O.dst.plo;
	g->vary = O.src.lo != O.src.hi || O.src.plo != O.src.phi ||
		  O.dst.lo != O.dst.hi || O.dst.plo != O.dst.phi;
}

/* Write addresses and checksums into frame @f; @extra: the sum of changed payload words. */
static void gen_patch(struct gen *g, uint8_t *f, uint32_t extra)
{
	uint32_t a = (g->sip >> 16) + (g->sip & 0xffff) + (g->dip >> 16) + (g->dip & 0xffff);

	put32(f + OFF_SIP, g->sip);
	put32(f + OFF_DIP, g->dip);
	put16(f + OFF_IPCSUM, csum_fold(g->ip_base + a));
	put16(f + OFF_SPORT, g->sport);
	put16(f + OFF_DPORT, g->dport);
	{
		uint16_t c = csum_fold(g->udp_base + a + g->sport + g->dport + extra);

		put16(f + OFF_UCSUM, c ? c : 0xffff);
	}
}

/* Next addresses: ports first, then IPs, each side independently. */
static void gen_next(struct gen *g)
{
	if (g->sport++ == O.src.phi) {
		g->sport = O.src.plo;
		g->sip = g->sip == O.src.hi ? O.src.lo : g->sip + 1;
	}
	if (g->dport++ == O.dst.phi) {
		g->dport = O.dst.plo;
		g->dip = g->dip == O.dst.hi ? O.dst.lo : g->dip + 1;
	}
}

/* Finish the template for fixed addresses (patched once). */
static void gen_fix(struct gen *g)
{
	gen_patch(g, g->tmpl, 0);
}

/* Sum of the words of seq and ts as ping writes them. */
static uint32_t pay_sum(uint32_t seq, uint64_t ts)
{
	return (seq >> 16) + (seq & 0xffff) + (uint32_t)(ts >> 48) +
	       (uint32_t)((ts >> 32) & 0xffff) + (uint32_t)((ts >> 16) & 0xffff) +
	       (uint32_t)(ts & 0xffff);
}

/* Is @f (of @len bytes) an IPv4/UDP frame of ours? */
static bool is_ours(const uint8_t *f, unsigned int len)
{
	return len >= MIN_LEN && f[12] == 0x08 && f[13] == 0x00 && f[OFF_IP + 9] == 17 &&
	       get32(f + OFF_PAY) == PAY_MAGIC;
}

/*
 * rx --check: is @f an IPv4/UDP frame with a wrong IP or UDP checksum?
 * Other frames, and those cut short, are not judged (false).
 */
static bool bad_checksum(const uint8_t *f, unsigned int len)
{
	unsigned int ihl, tot, ulen;
	uint32_t sum;

	if (len < HDRS_LEN || f[12] != 0x08 || f[13] != 0x00 || (f[OFF_IP] >> 4) != 4)
		return false;
	ihl = (f[OFF_IP] & 0xf) * 4u;
	tot = (unsigned int)f[OFF_IP + 2] << 8 | f[OFF_IP + 3];
	if (ihl < IP_HLEN || ETH_HLEN + ihl > len)
		return false;
	if (csum_fold(csum_add(0, f + OFF_IP, ihl)) != 0)
		return true;
	if (f[OFF_IP + 9] != 17 || ETH_HLEN + tot > len || tot < ihl + UDP_HLEN)
		return false;
	{
		const uint8_t *u = f + OFF_IP + ihl;

		ulen = (unsigned int)u[4] << 8 | u[5];
		if (ulen < UDP_HLEN || ulen > tot - ihl)
			return true;
		if (u[6] == 0 && u[7] == 0)	/* no checksum */
			return false;
		sum = csum_add(0, f + OFF_IP + 12, 8) + 17 + ulen;
		return csum_fold(csum_add(sum, u, ulen)) != 0;
	}
}

/* ------------------------------------------------------------------------
 * Syncs and waits
 */

static int txsync(struct thr *t)
{
	if (ioctl(t->port->fd, NIOCTXSYNC, NULL) < 0) {
		t->err = errno;
		return -1;
	}
	return 0;
}

static int rxsync(struct thr *t)
{
	if (ioctl(t->port->fd, NIOCRXSYNC, NULL) < 0) {
		t->err = errno;
		return -1;
	}
	return 0;
}

/* Wait for @events (poll mode) or sync once (busy mode). */
static int wait_ring(struct thr *t, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = t->port->fd, .events = events };
	int r;

	if (O.busy)
		return events & POLLIN ? rxsync(t) : txsync(t);
	r = poll(&pfd, 1, timeout_ms);
	if (r < 0 && errno != EINTR) {
		t->err = errno;
		return -1;
	}
	if (r > 0 && (pfd.revents & (POLLERR | POLLNVAL))) {
		t->err = EIO;
		return -1;
	}
	return 0;
}

/*
 * Sleep until @t (CLOCK_MONOTONIC seconds): clock_nanosleep() in steps of at
 * most 100 ms (so that a stop is seen), then spin the last 50 us.
 */
static void sleep_until(double t)
{
	double tn;

	while ((tn = now()) < t - 100e-6 && !stopping()) {
		double w = t - 50e-6;
		struct timespec ts;

		if (w > tn + 0.1)
			w = tn + 0.1;
		ts.tv_sec = (time_t)w;
		ts.tv_nsec = (long)((w - (double)ts.tv_sec) * 1e9);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	while (now() < t && !stopping())
		;
}

/*
 * Token bucket: how many packets may go now (at most @want), waiting if
 * none may. Depth: one batch or 50 ms of traffic, whichever is more: a short
 * stall (a late wakeup) is made up, a long one is not turned into a burst.
 */
struct bucket {
	double rate, t0, depth;
	uint64_t used;		/* tokens spent since t0, shifted on overflow */
};

static double bucket_depth(double rate)
{
	return rate * 0.05 > O.batch ? rate * 0.05 : O.batch;
}

static uint64_t bucket_take(struct bucket *b, uint64_t want)
{
	for (;;) {
		double tokens = (now() - b->t0) * b->rate - (double)b->used;

		if (tokens > b->depth) {
			b->used += (uint64_t)(tokens - b->depth);
			tokens = b->depth;
		}
		if (tokens >= 1) {
			uint64_t n = (uint64_t)tokens;

			if (n > want)
				n = want;
			b->used += n;
			return n;
		}
		if (stopping())
			return 0;
		sleep_until(b->t0 + ((double)b->used + 1) / b->rate);
	}
}

/* ------------------------------------------------------------------------
 * tx
 */

/* Wait until the kernel finished the bound TX rings (at most 1 s without progress). */
static void tx_drain(struct thr *t)
{
	struct nmport_d *p = t->port;
	double deadline = now() + 1.0;
	uint32_t last_tail = UINT32_MAX;

	while (now() < deadline) {
		bool pending = false;
		unsigned int i;

		if (txsync(t))
			return;
		for (i = p->first_tx_ring; i <= p->last_tx_ring; i++) {
			struct netmap_ring *r = NETMAP_TXRING(p->nifp, i);

			if (nm_tx_pending(r)) {
				pending = true;
				if (r->tail != last_tail) {
					last_tail = r->tail;
					deadline = now() + 1.0;
				}
			}
		}
		if (!pending)
			return;
		wait_ring(t, POLLOUT, 10);
	}
}

/*
 * Per bound TX ring, the first 8 bytes of each slot (buf_idx, len, flags)
 * as tx left them after it wrote a whole frame into the slot's buffer and
 * set len and flags (0: never; 0 is never a buffer index). A slot that
 * still reads so keeps its frame, and needs no write at all: the kernel
 * sets NS_BUF_CHANGED or puts another index in the slot when it hands out
 * another buffer, and a port that leaves the slots as they were (pipes,
 * VALE ports) costs tx one compare per packet.
 */
static uint64_t **tx_prep_alloc(const struct nmport_d *p)
{
	uint64_t **prep = calloc(p->last_tx_ring - p->first_tx_ring + 1u, sizeof(*prep));
	unsigned int i;

	for (i = p->first_tx_ring; prep && i <= p->last_tx_ring; i++) {
		prep[i - p->first_tx_ring] = calloc(NETMAP_TXRING(p->nifp, i)->num_slots,
						    sizeof(uint64_t));
		if (!prep[i - p->first_tx_ring]) {
			while (i-- > p->first_tx_ring)
				free(prep[i - p->first_tx_ring]);
			free(prep);
			return NULL;
		}
	}
	return prep;
}

static void tx_prep_free(const struct nmport_d *p, uint64_t **prep)
{
	unsigned int i;

	for (i = p->first_tx_ring; prep && i <= p->last_tx_ring; i++)
		free(prep[i - p->first_tx_ring]);
	free(prep);
}

/* The first 8 bytes of a slot, as one word (see tx_prep_alloc()). */
struct slot_head {
	uint32_t buf_idx;
	uint16_t len, flags;
};

static uint64_t slot_word(uint32_t buf_idx, uint16_t len, uint16_t flags)
{
	const struct slot_head h = { buf_idx, len, flags };
	uint64_t w;

	memcpy(&w, &h, sizeof(w));
	return w;
}

/*
 * Fill up to @budget slots of @r from cur with frames of @g; returns how
 * many. @prep: see tx_prep_alloc(). *@written counts whole-frame writes.
 * With frames reused (no --touch-all, no address ranges) a slot that
 * reads as tx left it is not written: one load per packet.
 */
static uint64_t tx_fill(struct netmap_ring *r, struct gen *g, uint64_t *prep, uint64_t budget,
			uint64_t *written)
{
	const uint32_t nslots = r->num_slots, space = nm_ring_space(r);
	const uint16_t len = (uint16_t)g->len;
	const bool touch = O.touch_all, vary = g->vary;
	uint32_t cur = r->cur;
	uint64_t n, w = 0;

	if (budget > space)
		budget = space;
	for (n = 0; n < budget; n++, cur = cur + 1 == nslots ? 0 : cur + 1) {
		struct netmap_slot *s = &r->slot[cur];
		uint64_t head;
		uint32_t bi;
		uint8_t *f;

		memcpy(&head, s, sizeof(head));
		if (likely(head == prep[cur] && !touch && !vary))
			continue;
		bi = s->buf_idx;
		f = (uint8_t *)NETMAP_BUF(r, bi);
		if (touch || slot_word(bi, len, 0) != prep[cur] || (s->flags & NS_BUF_CHANGED)) {
			nm_pkt_copy(g->tmpl, f, (int)g->len);
			w++;
		}
		if (vary) {
			gen_patch(g, f, 0);
			gen_next(g);
		}
		s->len = len;
		s->flags = 0;
		prep[cur] = slot_word(bi, len, 0);
	}
	r->head = r->cur = cur;
	*written += w;
	return n;
}

static void *tx_main(void *arg)
{
	struct thr *t = arg;
	struct nmport_d *p = t->port;
	struct gen *g = aligned_alloc(64, sizeof(*g));
	uint64_t **prep = tx_prep_alloc(p);
	struct bucket b = { 0 };
	uint64_t sent = 0, bytes = 0, written = 0;

	if (!g || !prep) {
		t->err = ENOMEM;
		goto out;
	}
	gen_init(g, O.len);
	if (!g->vary)
		gen_fix(g);
	b.rate = t->rate;
	b.depth = bucket_depth(t->rate);
	t->t_first = b.t0 = now();
	while (!stopping() && (!O.count || sent < t->quota)) {
		uint64_t budget = O.batch, n = 0;
		unsigned int i;

		if (O.count && t->quota - sent < budget)
			budget = t->quota - sent;
		/* Room first: never take tokens for slots we do not have. */
		for (i = p->first_tx_ring; i <= p->last_tx_ring; i++)
			n += nm_ring_space(NETMAP_TXRING(p->nifp, i));
		if (n == 0) {
			if (wait_ring(t, POLLOUT, POLL_MS))
				break;
			continue;
		}
		if (budget > n)
			budget = n;
		if (b.rate > 0) {
			budget = bucket_take(&b, budget);
			if (budget == 0)
				break;
		}
		n = 0;
		for (i = p->first_tx_ring; i <= p->last_tx_ring && n < budget; i++)
			n += tx_fill(NETMAP_TXRING(p->nifp, i), g, prep[i - p->first_tx_ring],
				     budget - n, &written);
		if (txsync(t))
			break;
		sent += n;
		bytes += n * g->len;
		set_ctr(&t->pkts, sent);
		set_ctr(&t->bytes, bytes);
	}
	t->t_last = now();
	t->written = written;
	if (!t->err)
		tx_drain(t);
out:
	tx_prep_free(p, prep);
	free(g);
	__atomic_sub_fetch(&g_running, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ------------------------------------------------------------------------
 * rx
 */

static void *rx_main(void *arg)
{
	struct thr *t = arg;
	struct nmport_d *p = t->port;
	uint64_t pkts = 0, bytes = 0, bad = 0;

	while (!stopping()) {
		uint64_t limit = UINT64_MAX, got = 0;
		unsigned int i;

		if (O.count) {
			uint64_t total = __atomic_load_n(&g_rx_total, __ATOMIC_RELAXED);

			if (total >= O.count)
				break;
			limit = O.count - total;
		}
		if (wait_ring(t, POLLIN, POLL_MS))
			break;
		for (i = p->first_rx_ring; i <= p->last_rx_ring && got < limit; i++) {
			struct netmap_ring *r = NETMAP_RXRING(p->nifp, i);
			const uint32_t nslots = r->num_slots;
			const bool check = O.check;
			uint32_t cur = r->cur, n = nm_ring_space(r);

			/* Per packet one load of the slot's first 8 bytes. */
			for (; n && got < limit; n--, cur = cur + 1 == nslots ? 0 : cur + 1) {
				const struct netmap_slot *s = &r->slot[cur];
				struct slot_head h;

				memcpy(&h, s, sizeof(h));
				bytes += h.len;
				if (!(h.flags & NS_MOREFRAG))
					got++;
				if (check && bad_checksum((const uint8_t *)NETMAP_BUF(r, h.buf_idx),
							  h.len))
					bad++;
			}
			r->head = r->cur = cur;
		}
		if (got) {
			double tn = now();

			if (!pkts)
				t->t_first = tn;
			t->t_last = tn;
			pkts += got;
			set_ctr(&t->pkts, pkts);
			set_ctr(&t->bytes, bytes);
			if (O.count)
				__atomic_add_fetch(&g_rx_total, got, __ATOMIC_RELAXED);
		}
	}
	rxsync(t);	/* give the consumed slots back */
	t->bad_csum = bad;
	__atomic_sub_fetch(&g_running, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ------------------------------------------------------------------------
 * ping / pong
 */

static void rtt_add(struct thr *t, uint64_t rtt)
{
	if (t->nrtt == 0 || rtt < t->rtt_min)
		t->rtt_min = rtt;
	if (rtt > t->rtt_max)
		t->rtt_max = rtt;
	t->rtt_sum += (double)rtt;
	if (t->rtt)
		t->rtt[t->nrtt % MAX_RTT_SAMPLES] = rtt;
	t->nrtt++;
}

/* Read the replies waiting in the RX rings; returns how many were ours. */
static unsigned int ping_collect(struct thr *t)
{
	struct nmport_d *p = t->port;
	unsigned int i, got = 0;

	for (i = p->first_rx_ring; i <= p->last_rx_ring; i++) {
		struct netmap_ring *r = NETMAP_RXRING(p->nifp, i);
		uint32_t cur = r->cur, n = nm_ring_space(r);

		while (n--) {
			const struct netmap_slot *s = &r->slot[cur];
			const uint8_t *f = (const uint8_t *)NETMAP_BUF(r, s->buf_idx);
			uint64_t ts;

			if (is_ours(f, s->len)) {
				memcpy(&ts, f + OFF_PAY + 8, sizeof(ts));
				rtt_add(t, now_ns() - ts);
				got++;
			} else {
				t->ignored++;
			}
			cur = nm_ring_next(r, cur);
		}
		r->head = r->cur = cur;
	}
	return got;
}

static void *ping_main(void *arg)
{
	struct thr *t = arg;
	struct nmport_d *p = t->port;
	struct gen *g = aligned_alloc(64, sizeof(*g));
	struct bucket b = { 0 };
	struct netmap_ring *txr = NETMAP_TXRING(p->nifp, p->first_tx_ring);
	uint32_t seq = 0;
	uint64_t sent = 0, bytes = 0;

	if (!g) {
		t->err = ENOMEM;
		goto out;
	}
	gen_init(g, O.len);
	b.rate = t->rate;
	b.depth = bucket_depth(t->rate);
	t->t_first = b.t0 = now();
	while (!stopping() && (!O.count || sent < t->quota)) {
		uint64_t n = O.batch, k;
		unsigned int want, got = 0;
		double deadline;

		if (O.count && t->quota - sent < n)
			n = t->quota - sent;
		while (nm_ring_space(txr) < n && !stopping())
			if (wait_ring(t, POLLOUT, POLL_MS))
				goto done;
		if (b.rate > 0)
			n = bucket_take(&b, n);
		if (n == 0)
			break;
		for (k = 0; k < n; k++) {
			struct netmap_slot *s = &txr->slot[txr->cur];
			uint8_t *f = (uint8_t *)NETMAP_BUF(txr, s->buf_idx);
			uint64_t ts = now_ns();

			nm_pkt_copy(g->tmpl, f, (int)g->len);
			put32(f + OFF_PAY + 4, seq);
			memcpy(f + OFF_PAY + 8, &ts, sizeof(ts));
			/* ts is stored in host order: add the words as they lie in memory. */
			gen_patch(g, f, pay_sum(seq, 0) + csum_add(0, f + OFF_PAY + 8, 8));
			gen_next(g);
			s->len = (uint16_t)g->len;
			s->flags = 0;
			txr->head = txr->cur = nm_ring_next(txr, txr->cur);
			seq++;
		}
		if (txsync(t))
			break;
		sent += n;
		bytes += n * g->len;
		set_ctr(&t->pkts, sent);
		set_ctr(&t->bytes, bytes);
		/* Wait for this round's replies, at most 1 s. */
		want = (unsigned int)n;
		deadline = now() + 1.0;
		while (got < want && !stopping() && now() < deadline) {
			if (wait_ring(t, POLLIN, POLL_MS))
				goto done;
			got += ping_collect(t);
		}
	}
done:
	t->t_last = now();
	rxsync(t);
out:
	free(g);
	__atomic_sub_fetch(&g_running, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t tmp[6];

	memcpy(tmp, a, n);
	memcpy(a, b, n);
	memcpy(b, tmp, n);
}

/* Answer every ping frame: copy it to a TX ring with the addresses swapped. */
static void *pong_main(void *arg)
{
	struct thr *t = arg;
	struct nmport_d *p = t->port;
	uint64_t pkts = 0, bytes = 0;

	t->t_first = now();
	while (!stopping()) {
		uint64_t before = pkts;
		unsigned int i;
		bool sent = false;

		if (wait_ring(t, POLLIN, POLL_MS))
			break;
		for (i = p->first_rx_ring; i <= p->last_rx_ring; i++) {
			struct netmap_ring *r = NETMAP_RXRING(p->nifp, i);
			unsigned int ti = i <= p->last_tx_ring && i >= p->first_tx_ring ?
					  i : p->first_tx_ring;
			struct netmap_ring *txr = NETMAP_TXRING(p->nifp, ti);
			uint32_t cur = r->cur, n = nm_ring_space(r);

			while (n--) {
				const struct netmap_slot *s = &r->slot[cur];
				const uint8_t *f = (const uint8_t *)NETMAP_BUF(r, s->buf_idx);

				if (is_ours(f, s->len) && nm_ring_empty(txr) && sent) {
					/* Push the answers so far to make room. */
					if (txsync(t))
						goto out;
					sent = false;
				}
				if (!is_ours(f, s->len)) {
					t->ignored++;
				} else if (nm_ring_empty(txr)) {
					t->ignored++;	/* no room: the pinger counts a loss */
				} else {
					struct netmap_slot *ts = &txr->slot[txr->cur];
					uint8_t *o = (uint8_t *)NETMAP_BUF(txr, ts->buf_idx);

					nm_pkt_copy(f, o, s->len);
					/* Swapping both addresses keeps both checksums valid. */
					swap_bytes(o, o + 6, 6);
					swap_bytes(o + OFF_SIP, o + OFF_DIP, 4);
					swap_bytes(o + OFF_SPORT, o + OFF_DPORT, 2);
					ts->len = s->len;
					ts->flags = 0;
					txr->head = txr->cur = nm_ring_next(txr, txr->cur);
					pkts++;
					bytes += s->len;
					sent = true;
				}
				cur = nm_ring_next(r, cur);
			}
			r->head = r->cur = cur;
		}
		if (sent && txsync(t))
			break;
		if (pkts != before) {
			t->t_last = now();
			set_ctr(&t->pkts, pkts);
			set_ctr(&t->bytes, bytes);
		}
	}
out:
	rxsync(t);
	__atomic_sub_fetch(&g_running, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ------------------------------------------------------------------------
 * Reports and summary
 */

static void totals(uint64_t *pkts, uint64_t *bytes)
{
	unsigned int i;

	*pkts = *bytes = 0;
	for (i = 0; i < O.threads; i++) {
		*pkts += get_ctr(&T[i].pkts);
		*bytes += get_ctr(&T[i].bytes);
	}
}

static void report(double t, double dt, uint64_t dp, uint64_t db, uint64_t pkts)
{
	double mpps = dt > 0 ? (double)dp / dt / 1e6 : 0;
	double gbps = dt > 0 ? (double)db * 8 / dt / 1e9 : 0;

	if (O.json)
		fprintf(stderr, "{\"event\":\"report\",\"function\":\"%s\",\"t\":%.3f,"
			"\"packets\":%llu,\"mpps\":%.6f,\"gbps\":%.6f}\n", func_name[O.func], t,
			(unsigned long long)pkts, mpps, gbps);
	else
		fprintf(stderr, PROG ": %s %8.3f s %10.4f Mpps %9.4f Gbps  total %llu pkts\n",
			func_name[O.func], t, mpps, gbps, (unsigned long long)pkts);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, uint64_t n, double q)
{
	uint64_t i;

	if (n == 0)
		return 0;
	i = (uint64_t)ceil(q * (double)n);
	if (i > 0)
		i--;
	if (i >= n)
		i = n - 1;
	return (double)v[i];
}

static bool is_vale_name(const char *n)
{
	return !strncmp(n, "vale", 4) && strchr(n, ':');
}

/*
 * Counters of a VALE port (NETMAP_REQ_OPT_PORT_STATS on PORT_INFO_GET, a
 * netmapd extension), by name on a fresh fd. 0, -EOPNOTSUPP (kernel or port
 * without them) or another negative errno (-EACCES for a user without
 * /dev/netmap).
 */
static int vale_stats(const char *nr_name, struct nmreq_opt_port_stats *st)
{
	struct nmreq_port_info_get pi;
	struct nmreq_header h;
	int fd, r = 0;

	memset(st, 0, sizeof(*st));
	memset(&pi, 0, sizeof(pi));
	st->nro_opt.nro_reqtype = NETMAP_REQ_OPT_PORT_STATS;
	nmreq_header_init(&h, NETMAP_REQ_PORT_INFO_GET, &pi);
	snprintf(h.nr_name, sizeof(h.nr_name), "%s", nr_name);
	h.nr_options = (uintptr_t)st;
	fd = open(NETMAP_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, NIOCCTRL, &h) < 0)
		r = -errno;
	else if (st->nro_opt.nro_status)
		r = -(int)st->nro_opt.nro_status;
	close(fd);
	return r;
}

static void summary(const char *nr_name, double wall)
{
	uint64_t pkts, bytes, ignored = 0, bad_csum = 0, written = 0;
	double t_first = 0, t_last = 0, secs, mpps, gbps;
	struct nmreq_opt_port_stats st;
	int st_err = -EOPNOTSUPP, err = 0;
	unsigned int i;
	struct thr *pt = &T[0];
	double rmin = 0, ravg = 0, rp50 = 0, rp99 = 0, rmax = 0;

	totals(&pkts, &bytes);
	for (i = 0; i < O.threads; i++) {
		struct thr *t = &T[i];

		ignored += t->ignored;
		bad_csum += t->bad_csum;
		written += t->written;
		if (t->err && !err)
			err = t->err;
		if (t->t_last > 0 && (t_first == 0 || t->t_first < t_first))
			t_first = t->t_first;
		if (t->t_last > t_last)
			t_last = t->t_last;
	}
	secs = t_last > t_first ? t_last - t_first : 0;
	mpps = secs > 0 ? (double)pkts / secs / 1e6 : 0;
	gbps = secs > 0 ? (double)bytes * 8 / secs / 1e9 : 0;
	if (O.func == F_PING && pt->nrtt) {
		uint64_t n = pt->nrtt < MAX_RTT_SAMPLES ? pt->nrtt : MAX_RTT_SAMPLES;

		qsort(pt->rtt, n, sizeof(uint64_t), cmp_u64);
		rmin = (double)pt->rtt_min / 1e3;
		rmax = (double)pt->rtt_max / 1e3;
		ravg = pt->rtt_sum / (double)pt->nrtt / 1e3;
		rp50 = pct(pt->rtt, n, 0.50) / 1e3;
		rp99 = pct(pt->rtt, n, 0.99) / 1e3;
	}
	if (is_vale_name(nr_name))
		st_err = vale_stats(nr_name, &st);

	if (O.json) {
		printf("{\"tool\":\"" PROG "\",\"function\":\"%s\",\"port\":", func_name[O.func]);
		json_str(stdout, O.ifname);
		printf(",\"threads\":%u,\"len\":%u,\"batch\":%u,\"mode\":\"%s\","
		       "\"rate_pps\":%.0f,\"packets\":%llu,\"bytes\":%llu,\"seconds\":%.6f,"
		       "\"elapsed\":%.6f,\"mpps\":%.6f,\"gbps\":%.6f,\"ignored\":%llu,"
		       "\"interrupted\":%s,\"error\":",
		       O.threads, O.len, O.batch, O.busy ? "busy" : "poll", O.rate,
		       (unsigned long long)pkts, (unsigned long long)bytes, secs, wall, mpps, gbps,
		       (unsigned long long)ignored, g_stop == 1 ? "true" : "false");
		if (err)
			json_str(stdout, strerror(err));
		else
			printf("null");
		if (O.check)
			printf(",\"bad_checksums\":%llu", (unsigned long long)bad_csum);
		if (O.func == F_TX)
			printf(",\"frames\":\"%s\",\"frames_written\":%llu",
			       O.touch_all ? "touch-all" : "reuse", (unsigned long long)written);
		if (O.func == F_PING)
			printf(",\"sent\":%llu,\"received\":%llu,\"lost\":%llu,\"rtt_us\":{"
			       "\"samples\":%llu,\"min\":%.3f,\"avg\":%.3f,\"p50\":%.3f,\"p99\":%.3f,"
			       "\"max\":%.3f}", (unsigned long long)pkts,
			       (unsigned long long)pt->nrtt,
			       (unsigned long long)(pkts > pt->nrtt ? pkts - pt->nrtt : 0),
			       (unsigned long long)pt->nrtt, rmin, ravg, rp50, rp99, rmax);
		printf(",\"port_stats\":");
		if (st_err == 0)
			printf("{\"tx_packets\":%llu,\"tx_bytes\":%llu,\"tx_errors\":%llu,"
			       "\"rx_packets\":%llu,\"rx_bytes\":%llu,\"rx_drops\":%llu}",
			       (unsigned long long)st.tx_packets, (unsigned long long)st.tx_bytes,
			       (unsigned long long)st.tx_errors, (unsigned long long)st.rx_packets,
			       (unsigned long long)st.rx_bytes, (unsigned long long)st.rx_drops);
		else
			printf("null");
		printf("}\n");
	} else {
		printf("%s %s: %llu packets, %llu bytes in %.3f s: %.4f Mpps, %.4f Gbps "
		       "(%u thread%s, len %u, batch %u, %s%s)\n", func_name[O.func], O.ifname,
		       (unsigned long long)pkts, (unsigned long long)bytes, secs, mpps, gbps,
		       O.threads, O.threads > 1 ? "s" : "", O.len, O.batch,
		       O.busy ? "busy" : "poll", g_stop == 1 ? ", interrupted" : "");
		if (O.func == F_TX)
			printf("  frames: %s, %llu written whole\n",
			       O.touch_all ? "every one written (--touch-all)" :
			       "prepared ones reused", (unsigned long long)written);
		if (ignored)
			printf("  %llu frames ignored (not ours, or no room to answer)\n",
			       (unsigned long long)ignored);
		if (O.check)
			printf("  %llu frames with a wrong IPv4/UDP checksum\n",
			       (unsigned long long)bad_csum);
		if (O.func == F_PING)
			printf("  ping: sent %llu received %llu; rtt us min %.3f avg %.3f p50 %.3f "
			       "p99 %.3f max %.3f\n", (unsigned long long)pkts,
			       (unsigned long long)pt->nrtt, rmin, ravg, rp50, rp99, rmax);
		if (st_err == 0)
			printf("  port %s counters: tx %llu pkts %llu bytes (%llu errors), "
			       "rx %llu pkts %llu bytes (%llu drops)\n", nr_name,
			       (unsigned long long)st.tx_packets, (unsigned long long)st.tx_bytes,
			       (unsigned long long)st.tx_errors, (unsigned long long)st.rx_packets,
			       (unsigned long long)st.rx_bytes, (unsigned long long)st.rx_drops);
		if (err)
			printf("  error: %s\n", strerror(err));
	}
	fflush(stdout);
}

/* ------------------------------------------------------------------------
 * main
 */

/*
 * Bind one descriptor per thread, in the style of netmap's pkt-gen: thread
 * 0 opens the prepared @base; with several threads each binds hardware ring
 * i (ONE_NIC), the others through nmport_clone() of the registered @base
 * (same port, same region), asking for as many rings as threads when the
 * name did not say (honoured where the open creates the port).
 */
static void open_ports(struct nmport_d *base)
{
	char err[TOOLPORT_ERRLEN];
	unsigned int i;

	if (!strncmp(O.ifname, "env:", 4) && O.threads > 1)
		die_usage("-p %u: a port handed by netmapd (%s) is bound once, as a whole: "
			  "use -p 1, or hand one port per ring", O.threads, O.ifname);
	for (i = 0; i < O.threads; i++) {
		struct nmport_d *p = i == 0 ? base : nmport_clone(base);

		if (!p)
			die_usage("%s: %s", O.ifname, strerror(errno));
		if (O.threads > 1) {
			p->reg.nr_mode = NR_REG_ONE_NIC;
			p->reg.nr_ringid = (uint16_t)i;
			if (!p->reg.nr_tx_rings && !p->reg.nr_rx_rings)
				p->reg.nr_tx_rings = p->reg.nr_rx_rings = (uint16_t)O.threads;
		}
		if (toolport_open_desc(p, err, sizeof(err)))
			die_usage("%s", err);
		T[i].port = p;
		if ((O.func != F_RX && toolport_no_tx(p)) || (O.func != F_TX && toolport_no_rx(p)))
			die_usage("%s: no %s ring bound", O.ifname,
				  O.func == F_RX || !toolport_no_tx(p) ? "RX" : "TX");
		if (O.func != F_RX) {
			struct netmap_ring *r = NETMAP_TXRING(p->nifp, p->first_tx_ring);

			if (O.len > r->nr_buf_size)
				die_usage("-l %u: longer than a buffer (%u bytes)", O.len,
					  r->nr_buf_size);
			if (O.batch >= r->num_slots && O.func == F_PING)
				die_usage("-b %u: ping needs a batch below the ring size (%u)",
					  O.batch, r->num_slots);
		}
		T[i].idx = i;
	}
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "busy", no_argument, NULL, 'B' },
		{ "duration", required_argument, NULL, 'U' },
		{ "check", no_argument, NULL, 'C' },
		{ "touch-all", no_argument, NULL, 'A' },
		{ "copy", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	void *(*fn)(void *) = NULL;
	struct nmport_d *base;
	char err[TOOLPORT_ERRLEN];
	const char *nr_name;
	struct sigaction sa;
	sigset_t block, old;
	double next, t_end, wall;
	uint64_t lp = 0, lb = 0;
	unsigned int i;
	int c, rc = 0;

	/* --json first, so that errors in the options are JSON too. */
	for (c = 1; c < argc; c++)
		if (!strcmp(argv[c], "--json"))
			O.json = true;
	while ((c = getopt_long(argc, argv, "i:f:l:b:n:R:S:D:s:d:p:T:w:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'i': O.ifname = optarg; break;
		case 'f':
			for (i = 0; i < 4; i++)
				if (!strcmp(optarg, func_name[i]))
					break;
			if (i == 4)
				die_usage("-f %s: want tx, rx, ping or pong", optarg);
			O.func = (enum func)i;
			break;
		case 'l': O.len = (unsigned int)parse_u64(optarg, "length", HDRS_LEN, 65535); break;
		case 'b':
			O.batch = (unsigned int)parse_u64(optarg, "batch", 1, 8192);
			O.batch_set = true;
			break;
		case 'n': O.count = parse_u64(optarg, "count", 0, UINT64_MAX); break;
		case 'R': O.rate = parse_double(optarg, "rate", 0); break;
		case 'S':
			if (!parse_mac(optarg, O.smac))
				die_usage("bad source MAC '%s'", optarg);
			break;
		case 'D':
			if (!parse_mac(optarg, O.dmac))
				die_usage("bad destination MAC '%s'", optarg);
			break;
		case 's':
			if (!parse_range(optarg, &O.src))
				die_usage("bad source range '%s' (IP[-IP][:PORT[-PORT]])", optarg);
			break;
		case 'd':
			if (!parse_range(optarg, &O.dst))
				die_usage("bad destination range '%s' (IP[-IP][:PORT[-PORT]])", optarg);
			break;
		case 'p':
			O.threads = (unsigned int)parse_u64(optarg, "threads", 1, MAX_THREADS);
			break;
		case 'T':
			O.report_ms = (unsigned int)parse_u64(optarg, "report interval", 0, 3600000);
			break;
		case 'w': O.wait_s = parse_double(optarg, "wait", 0); break;
		case 'U': O.duration = parse_double(optarg, "duration", 0); break;
		case 'B': O.busy = true; break;
		case 'C': O.check = true; break;
		case 'A': O.touch_all = true; break;
		case 'j': O.json = true; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc || !O.ifname)
		usage(2);
	base = toolport_prepare(O.ifname, err, sizeof(err));
	if (!base)
		die_usage("%s", err);
	nr_name = base->hdr.nr_name;
	if (O.threads > 1 && base->reg.nr_mode != NR_REG_ALL_NIC)
		die_usage("-p %u: thread i binds ring i; drop the ring suffix of %s", O.threads,
			  O.ifname);
	if ((O.func == F_PING) && O.threads > 1)
		die_usage("ping runs one thread");
	if (O.func == F_PING && !O.batch_set)
		O.batch = 1;
	if ((O.func == F_PING || O.func == F_PONG) && O.len < MIN_LEN)
		die_usage("-l %u: ping/pong frames need at least %u bytes", O.len, MIN_LEN);
	if (O.wait_s < 0)	/* NICs need time for the link; virtual ports do not */
		O.wait_s = (is_vale_name(nr_name) || strpbrk(nr_name, "{}")) ? 0 : 2;

	open_ports(base);
	for (i = 0; i < O.threads; i++) {
		T[i].quota = O.count / O.threads + (i < O.count % O.threads);
		T[i].rate = O.rate / O.threads;
		if (O.func == F_PING) {
			T[i].quota = O.count;
			T[i].rtt = calloc(O.count && O.count < MAX_RTT_SAMPLES ? O.count :
					  MAX_RTT_SAMPLES, sizeof(uint64_t));
		}
	}
	{
		struct nmport_d *p = T[0].port;
		struct netmap_ring *r = !toolport_no_tx(p) ?
					NETMAP_TXRING(p->nifp, p->first_tx_ring) :
					NETMAP_RXRING(p->nifp, p->first_rx_ring);

		if (O.json)
			fprintf(stderr, "{\"event\":\"ready\",\"function\":\"%s\",\"port\":\"%s\","
				"\"mem_id\":%u,\"tx_rings\":%u,\"rx_rings\":%u,\"slots\":%u,"
				"\"buf_size\":%u,\"threads\":%u}\n", func_name[O.func], nr_name,
				p->reg.nr_mem_id, p->reg.nr_tx_rings, p->reg.nr_rx_rings,
				r->num_slots, r->nr_buf_size, O.threads);
		else
			fprintf(stderr, PROG ": %s on %s: mem_id %u, %u tx / %u rx rings of %u slots, "
				"buffers of %u bytes, %u thread%s: ready\n", func_name[O.func],
				nr_name, p->reg.nr_mem_id, p->reg.nr_tx_rings,
				p->reg.nr_rx_rings, r->num_slots, r->nr_buf_size, O.threads,
				O.threads > 1 ? "s" : "");
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (O.wait_s > 0) {
		double until = now() + O.wait_s;

		while (!stopping() && now() < until)
			usleep(10000);
	}

	fn = O.func == F_TX ? tx_main : O.func == F_RX ? rx_main :
	     O.func == F_PING ? ping_main : pong_main;
	/* Workers never see the signals: main handles them and sets g_stop. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	g_t0 = now();
	g_running = (int)O.threads;
	for (i = 0; i < O.threads; i++) {
		if (pthread_create(&T[i].tid, NULL, fn, &T[i])) {
			fprintf(stderr, PROG ": pthread_create failed\n");
			g_stop = 2;
			g_running -= (int)(O.threads - i);
			O.threads = i;
			rc = 1;
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	next = g_t0 + O.report_ms / 1e3;
	t_end = O.duration > 0 ? g_t0 + O.duration : 0;
	while (__atomic_load_n(&g_running, __ATOMIC_ACQUIRE) > 0) {
		double tn = now();

		if (t_end && tn >= t_end && !g_stop)
			g_stop = 3;
		if (O.report_ms && tn >= next) {
			uint64_t p, b;

			totals(&p, &b);
			report(tn - g_t0, O.report_ms / 1e3, p - lp, b - lb, p);
			lp = p;
			lb = b;
			next += O.report_ms / 1e3;
			if (next < tn)
				next = tn + O.report_ms / 1e3;
		}
		usleep(g_stop ? 1000 : 10000);
	}
	for (i = 0; i < O.threads; i++)
		pthread_join(T[i].tid, NULL);
	wall = now() - g_t0;
	summary(nr_name, wall);
	for (i = 0; i < O.threads; i++) {
		if (T[i].err)
			rc = 1;
		nmport_close(T[i].port);
		free(T[i].rtt);
	}
	return rc;
}
