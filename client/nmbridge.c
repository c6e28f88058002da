// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm-bridge - forward packets between two netmap ports, both directions.
 *
 *   nm-bridge -i PORT_A -i PORT_B [-b BATCH] [-T REPORT_MS] [--busy]
 *             [--duration S] [--json]
 *
 * When both ports live in the same memory region (same nr_mem_id, e.g. two
 * pipes of one parent, or NICs on the global allocator) a packet moves by
 * swapping buffer indexes: the RX slot's buffer goes into the TX slot and
 * the TX slot's free buffer back into the RX slot, both marked
 * NS_BUF_CHANGED, and no byte is copied ("zerocopy" mode). Otherwise the
 * payload is copied into the TX slot's own buffer ("copy" mode). The mode is
 * printed when the bridge is ready and in the summary.
 *
 * NS_MOREFRAG is carried over, so a chain stays a chain; a packet counts
 * once, at its last slot. In copy mode a slot longer than the destination's
 * buffers is dropped and counted in "errors".
 *
 * Waiting: poll() on both fds; a side whose RX ring holds packets that the
 * other side has no room for waits for POLLOUT on the other side instead of
 * POLLIN on its own (as netmap's bridge does). After forwarding, the
 * destination is pushed with NIOCTXSYNC, so the counts are of packets handed
 * to the kernel. --busy spins on NIOCRXSYNC/NIOCTXSYNC instead.
 *
 * SIGINT/SIGTERM (or --duration) end it with a summary: text on stdout, or
 * one JSON object with --json (reports are then JSON lines on stderr).
 * Exit status: 0; 1 if the kernel refused a sync; 2 on bad usage or a port
 * that does not open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
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

#define PROG	"nm-bridge"

static struct {
	const char *name[2];
	unsigned int batch, report_ms;
	bool json, busy;
	double duration;
} O = { .batch = 1024, .report_ms = 0 };

struct dir {
	uint64_t pkts, bytes, errors;
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	const char *s;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (O.json) {
		printf("{\"tool\":\"" PROG "\",\"error\":\"");
		for (s = msg; *s; s++)
			if (*s == '"' || *s == '\\')
				printf("\\%c", *s);
			else if ((unsigned char)*s >= 0x20)
				putchar(*s);
		printf("\"}\n");
	} else {
		fprintf(stderr, PROG ": %s\n", msg);
	}
	exit(2);
}

/* --help: on stdout, exit 0; a usage error: on stderr, exit 2. */
static void usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: " PROG " -i PORT_A -i PORT_B [-b BATCH] [-T REPORT_MS] [--busy]\n"
			"                 [--duration S] [--json]\nsee nm-bridge(1)\n");
	exit(status);
}

/* Packets waiting in the bound RX rings of @p. */
static bool rx_pending(const struct nmport_d *p)
{
	unsigned int i;

	for (i = p->first_rx_ring; i <= p->last_rx_ring; i++)
		if (!nm_ring_empty(NETMAP_RXRING(p->nifp, i)))
			return true;
	return false;
}

/*
 * Move what @src received into @dst's TX rings, at most O.batch slots.
 * Returns the number of slots moved.
 */
static unsigned int forward(struct nmport_d *src, struct nmport_d *dst, bool zcopy,
			    struct dir *d)
{
	unsigned int si = src->first_rx_ring, di = dst->first_tx_ring, moved = 0;

	while (si <= src->last_rx_ring && di <= dst->last_tx_ring && moved < O.batch) {
		struct netmap_ring *rx = NETMAP_RXRING(src->nifp, si);
		struct netmap_ring *tx = NETMAP_TXRING(dst->nifp, di);
		uint32_t rc = rx->cur, tc = tx->cur;
		uint32_t n = nm_ring_space(rx), room = nm_ring_space(tx);

		if (n == 0) {
			si++;
			continue;
		}
		if (room == 0) {
			di++;
			continue;
		}
		if (n > room)
			n = room;
		if (n > O.batch - moved)
			n = O.batch - moved;
		moved += n;
		while (n--) {
			struct netmap_slot *rs = &rx->slot[rc];
			struct netmap_slot *ts = &tx->slot[tc];
			uint16_t len = rs->len;

			__builtin_prefetch(&rx->slot[nm_ring_next(rx, rc)]);
			if (zcopy) {
				uint32_t idx = ts->buf_idx;

				ts->buf_idx = rs->buf_idx;
				rs->buf_idx = idx;
				ts->len = len;
				ts->flags = NS_BUF_CHANGED | (rs->flags & NS_MOREFRAG);
				rs->flags |= NS_BUF_CHANGED;
			} else if (len <= tx->nr_buf_size) {
				nm_pkt_copy(NETMAP_BUF(rx, rs->buf_idx), NETMAP_BUF(tx, ts->buf_idx),
					    len);
				ts->len = len;
				ts->flags = rs->flags & NS_MOREFRAG;
			} else {
				d->errors++;
				rc = nm_ring_next(rx, rc);
				continue;
			}
			d->bytes += len;
			if (!(rs->flags & NS_MOREFRAG))
				d->pkts++;
			rc = nm_ring_next(rx, rc);
			tc = nm_ring_next(tx, tc);
		}
		rx->head = rx->cur = rc;
		tx->head = tx->cur = tc;
	}
	return moved;
}

static void print_summary(struct nmport_d *const *p, const char *mode, const struct dir *d, double secs,
			  int err)
{
	if (O.json) {
		printf("{\"tool\":\"" PROG "\",\"ports\":[\"%s\",\"%s\"],\"mem_id\":[%u,%u],"
		       "\"mode\":\"%s\",\"seconds\":%.6f,"
		       "\"a_to_b\":{\"packets\":%llu,\"bytes\":%llu,\"errors\":%llu},"
		       "\"b_to_a\":{\"packets\":%llu,\"bytes\":%llu,\"errors\":%llu},"
		       "\"interrupted\":%s,\"error\":%s%s%s}\n",
		       p[0]->hdr.nr_name, p[1]->hdr.nr_name, p[0]->reg.nr_mem_id,
		       p[1]->reg.nr_mem_id, mode, secs,
		       (unsigned long long)d[0].pkts, (unsigned long long)d[0].bytes,
		       (unsigned long long)d[0].errors, (unsigned long long)d[1].pkts,
		       (unsigned long long)d[1].bytes, (unsigned long long)d[1].errors,
		       g_stop == 1 ? "true" : "false", err ? "\"" : "",
		       err ? strerror(err) : "null", err ? "\"" : "");
	} else {
		printf("bridge %s <-> %s (%s, %.3f s): a->b %llu packets %llu bytes, "
		       "b->a %llu packets %llu bytes, errors %llu%s%s\n", p[0]->hdr.nr_name,
		       p[1]->hdr.nr_name,
		       mode, secs, (unsigned long long)d[0].pkts, (unsigned long long)d[0].bytes,
		       (unsigned long long)d[1].pkts, (unsigned long long)d[1].bytes,
		       (unsigned long long)(d[0].errors + d[1].errors), err ? ", error: " : "",
		       err ? strerror(err) : "");
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "busy", no_argument, NULL, 'B' },
		{ "duration", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nmport_d *p[2];
	struct dir d[2];
	char err[TOOLPORT_ERRLEN];
	struct sigaction sa;
	unsigned int nname = 0;
	double t0, t_end, next;
	const char *mode;
	bool zcopy;
	int c, i, syserr = 0;
	char *end;

	for (c = 1; c < argc; c++)
		if (!strcmp(argv[c], "--json"))
			O.json = true;
	while ((c = getopt_long(argc, argv, "i:b:T:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (nname == 2)
				die("exactly two -i PORT");
			O.name[nname++] = optarg;
			break;
		case 'b':
			O.batch = (unsigned int)strtoul(optarg, &end, 0);
			if (*end || O.batch == 0 || O.batch > 65536)
				die("bad batch '%s'", optarg);
			break;
		case 'T':
			O.report_ms = (unsigned int)strtoul(optarg, &end, 0);
			if (*end)
				die("bad report interval '%s'", optarg);
			break;
		case 'U':
			O.duration = strtod(optarg, &end);
			if (*end || O.duration < 0)
				die("bad duration '%s'", optarg);
			break;
		case 'B': O.busy = true; break;
		case 'j': O.json = true; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc || nname != 2)
		usage(2);
	for (i = 0; i < 2; i++)
		if (!(p[i] = toolport_open(O.name[i], err, sizeof(err))))
			die("%s", err);
	for (i = 0; i < 2; i++)
		if (toolport_no_rx(p[i]) || toolport_no_tx(p[i]))
			die("%s: the bridge needs both TX and RX rings", O.name[i]);
	/* One region (libnetmap maps each mem_id once): buffers can be swapped. */
	zcopy = p[0]->mem == p[1]->mem;
	mode = zcopy ? "zerocopy" : "copy";
	memset(d, 0, sizeof(d));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (O.json)
		fprintf(stderr, "{\"event\":\"ready\",\"ports\":[\"%s\",\"%s\"],\"mem_id\":[%u,%u],"
			"\"mode\":\"%s\"}\n", p[0]->hdr.nr_name, p[1]->hdr.nr_name,
			p[0]->reg.nr_mem_id, p[1]->reg.nr_mem_id, mode);
	else
		fprintf(stderr, PROG ": %s (mem_id %u) <-> %s (mem_id %u): %s: ready\n",
			p[0]->hdr.nr_name, p[0]->reg.nr_mem_id, p[1]->hdr.nr_name,
			p[1]->reg.nr_mem_id, mode);

	t0 = now();
	t_end = O.duration > 0 ? t0 + O.duration : 0;
	next = t0 + O.report_ms / 1e3;
	while (!g_stop) {
		unsigned int m0, m1;

		if (O.busy) {
			if (ioctl(p[0]->fd, NIOCRXSYNC, NULL) < 0 || ioctl(p[1]->fd, NIOCRXSYNC, NULL) < 0) {
				syserr = errno;
				break;
			}
		} else {
			struct pollfd pfd[2] = { { .fd = p[0]->fd }, { .fd = p[1]->fd } };
			int r;

			/* Wait for room on the far side when our packets cannot move. */
			if (rx_pending(p[0]))
				pfd[1].events |= POLLOUT;
			else
				pfd[0].events |= POLLIN;
			if (rx_pending(p[1]))
				pfd[0].events |= POLLOUT;
			else
				pfd[1].events |= POLLIN;
			r = poll(pfd, 2, 100);
			if (r < 0 && errno != EINTR) {
				syserr = errno;
				break;
			}
			if (r > 0 && ((pfd[0].revents | pfd[1].revents) & (POLLERR | POLLNVAL))) {
				syserr = EIO;
				break;
			}
		}
		m0 = forward(p[0], p[1], zcopy, &d[0]);
		m1 = forward(p[1], p[0], zcopy, &d[1]);
		if ((m0 && ioctl(p[1]->fd, NIOCTXSYNC, NULL) < 0) ||
		    (m1 && ioctl(p[0]->fd, NIOCTXSYNC, NULL) < 0)) {
			syserr = errno;
			break;
		}
		if (t_end || O.report_ms) {
			double tn = now();

			if (t_end && tn >= t_end)
				break;
			if (O.report_ms && tn >= next) {
				if (O.json)
					fprintf(stderr, "{\"event\":\"report\",\"t\":%.3f,\"a_to_b\":%llu,"
						"\"b_to_a\":%llu}\n", tn - t0,
						(unsigned long long)d[0].pkts,
						(unsigned long long)d[1].pkts);
				else
					fprintf(stderr, PROG ": %8.3f s a->b %llu b->a %llu packets\n",
						tn - t0, (unsigned long long)d[0].pkts,
						(unsigned long long)d[1].pkts);
				next = tn + O.report_ms / 1e3;
			}
		}
	}
	/* Give back the RX slots and push what is queued. */
	for (i = 0; i < 2; i++) {
		ioctl(p[i]->fd, NIOCRXSYNC, NULL);
		ioctl(p[i]->fd, NIOCTXSYNC, NULL);
	}
	print_summary(p, mode, d, now() - t0, syserr);
	nmport_close(p[0]);
	nmport_close(p[1]);
	return syserr ? 1 : 0;
}
