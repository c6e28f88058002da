// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmd_pass - the application of the systemd VM test and of tests/demo.sh:
 * what a netmap program run by an unprivileged user looks like. It is
 * started by `nmctl exec --port A --port B ... -- nmd_pass ...`, takes the
 * ports it was handed with the installed libnmd (nmd_ports_from_env():
 * fds 3.., LISTEN_PID/LISTEN_FDS/NMD_PORTS), and never opens /dev/netmap
 * (it checks that it could not: the device is root's, mode 0600).
 *
 *   nmd_pass [-n FRAMES] [-s SIZE] [-w FILE] TX RX [TX RX ...]
 *
 * For each TX RX pair (port labels: the name with ':' -> '.'), FRAMES
 * frames of SIZE bytes (default 1,000,000 of 60) carrying sequence numbers
 * go out on TX's ring 0 and must arrive, in order and intact, on RX's ring
 * 0 (a loss is accepted only where frames from a NIC's link explain it: see
 * pass()). One line per pair with the packet rate. With -w, after the first round
 * the program waits (up to 300 s) until FILE exists, then runs the pairs a
 * second time on the same fds: the test restarts netmapd in between.
 * Exit: 0 every frame arrived intact, 1 loss or damage, 2 usage, 3 it could
 * open /dev/netmap, 4 no ports handed, 5 a label not handed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <libnmd.h>

#define ETHERTYPE_TEST 0x88b5	/* IEEE local experimental */

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void frame(unsigned char *b, const unsigned char *dst, const unsigned char *src,
		  uint32_t seq, unsigned size)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	b[12] = ETHERTYPE_TEST >> 8;
	b[13] = ETHERTYPE_TEST & 0xff;
	memcpy(b + 14, &seq, 4);
	b[size - 1] = 0x5a;
}

/*
 * One frame from @rx with its address as source, so that a VALE switch
 * learns where @rx is and forwards the frames of pass() to it alone (a
 * broadcast would also be flooded to every other port, NICs included).
 * It lands on @tx's RX ring (or nowhere), which pass() does not read.
 */
static void announce(struct nmd_port *rx, const unsigned char *mac)
{
	static const unsigned char bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct netmap_ring *r = NETMAP_TXRING(rx->nifp, 0);

	if (nm_ring_empty(r))
		return;
	frame((unsigned char *)NETMAP_BUF(r, r->slot[r->cur].buf_idx), bcast, mac, UINT32_MAX, 60);
	r->slot[r->cur].len = 60;
	r->head = r->cur = nm_ring_next(r, r->cur);
	ioctl(rx->fd, NIOCTXSYNC, NULL);
}

/*
 * Send @n frames of @size bytes from @tx ring 0 to @rx ring 0. A VALE switch
 * drops what does not fit in the destination ring (it never blocks the
 * sender), so what is in flight must fit in @rx's ring: our frames not yet
 * released, plus the foreign frames (flooded from a NIC's link: IPv6
 * neighbour discovery, broadcasts) read since the last rxsync, which hold a
 * slot until it, plus a margin for foreign frames that arrive between our
 * rxsync and our txsync, which no window can see coming.
 *
 * The verdict cannot depend on frames this program did not send, so a loss
 * is an error unless it is explained: each foreign frame can take the slot
 * of at most one of ours (once read, it is counted in the window), so
 * `lost <= foreign` is the rule. A pipe has no foreign frames: nothing may
 * be lost there.
 */
static int pass(struct nmd_port *tx, struct nmd_port *rx, long n, unsigned size)
{
	static const unsigned char src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const unsigned char dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	struct netmap_ring *txr = NETMAP_TXRING(tx->nifp, 0);
	struct netmap_ring *rxr = NETMAP_RXRING(rx->nifp, 0);
	long sent = 0, got = 0, lost = 0, bad = 0, next = 0, released = 0;
	long window = (long)rxr->num_slots - 1, foreign = 0, held = 0;
	long margin = window / 8 < 32 ? window / 8 : 32;
	uint64_t t0, deadline, idle_since = 0, dt;

	/*
	 * A pipe outlives its users (the daemon holds it): frames an earlier
	 * program left unread on this ring are still there. Skip them.
	 */
	ioctl(rx->fd, NIOCRXSYNC, NULL);
	rxr->head = rxr->cur = rxr->tail;
	ioctl(rx->fd, NIOCRXSYNC, NULL);
	announce(rx, dst);
	t0 = now_us();
	deadline = t0 + 60 * 1000000ull;
	while (next < n && now_us() < deadline) {
		struct pollfd pfd = { .fd = rx->fd, .events = POLLIN };
		long before = got + sent + foreign;

		/* Release what was read, take what arrived; then send. */
		if (ioctl(rx->fd, NIOCRXSYNC, NULL) < 0) {
			fprintf(stderr, "nmd_pass: rxsync on %s: %m\n", rx->label);
			return 1;
		}
		released = got;
		held = 0;	/* the rxsync gave back the foreign frames read before it */
		while (!nm_ring_empty(rxr)) {
			struct netmap_slot *s = &rxr->slot[rxr->cur];
			unsigned char *b = (unsigned char *)NETMAP_BUF(rxr, s->buf_idx);
			uint32_t seq;

			memcpy(&seq, b + 14, 4);
			rxr->head = rxr->cur = nm_ring_next(rxr, rxr->cur);
			if (b[12] != ETHERTYPE_TEST >> 8 || b[13] != (ETHERTYPE_TEST & 0xff) ||
			    memcmp(b + 6, src, 6)) {
				foreign++;	/* e.g. IPv6 from the NIC's link */
				held++;
				continue;
			}
			got++;
			if (s->len != size || b[size - 1] != 0x5a || (long)seq < next || (long)seq >= sent) {
				bad++;
			} else {
				lost += (long)seq - next;
				next = (long)seq + 1;
			}
		}
		/* In flight: sent, neither lost nor released to the kernel yet. */
		while (sent < n && sent - released - lost + held + margin < window &&
		       !nm_ring_empty(txr)) {
			struct netmap_slot *s = &txr->slot[txr->cur];

			frame((unsigned char *)NETMAP_BUF(txr, s->buf_idx), dst, src, (uint32_t)sent,
			      size);
			s->len = (uint16_t)size;
			txr->head = txr->cur = nm_ring_next(txr, txr->cur);
			sent++;
		}
		if (ioctl(tx->fd, NIOCTXSYNC, NULL) < 0) {
			fprintf(stderr, "nmd_pass: txsync on %s: %m\n", tx->label);
			return 1;
		}
		/*
		 * Progress, or room that txsync just gave back (a pipe's TX
		 * slots return once the other end released them): go on.
		 */
		if (got + sent + foreign != before ||
		    (sent < n && sent - released - lost + held + margin < window &&
		     !nm_ring_empty(txr))) {
			idle_since = 0;
			continue;
		}
		/*
		 * Nothing moved: wait. Nothing for a second: what is in flight
		 * is lost (a VALE switch drops what does not fit); go on.
		 */
		if (!idle_since) {
			idle_since = now_us();
		} else if (now_us() - idle_since > 1000000) {
			lost += sent - next;
			next = sent;
			idle_since = 0;
			if (sent == n)
				break;
			continue;
		}
		if (poll(&pfd, 1, 10) < 0 && errno != EINTR) {
			fprintf(stderr, "nmd_pass: poll on %s: %m\n", rx->label);
			return 1;
		}
	}
	ioctl(rx->fd, NIOCRXSYNC, NULL);	/* release the last batch */
	dt = now_us() - t0;
	lost += sent - next;
	printf("nmd_pass: %-8s -> %-8s %ld sent, %ld received, %ld lost, %ld damaged, %ld foreign, %u B: %.3f Mpps, %.3f Gbit/s\n",
	       tx->label, rx->label, sent, got, lost, bad, foreign, size,
	       dt ? (double)got / (double)dt : 0.0,
	       dt ? (double)got * size * 8 / (double)dt / 1000.0 : 0.0);
	if (lost > foreign)
		printf("nmd_pass: %ld frames lost, more than the %ld foreign frames that could have taken their slots\n",
		       lost, foreign);
	fflush(stdout);
	return sent == n && got + lost == n && lost <= foreign && bad == 0 ? 0 : 1;
}

static int round_of(struct nmd_port **ports, size_t n, char **pairs, int npairs, long frames,
		    unsigned size)
{
	int rc = 0;

	for (int a = 0; a + 1 < npairs; a += 2) {
		struct nmd_port *tx = nmd_ports_find(ports, n, pairs[a]);
		struct nmd_port *rx = nmd_ports_find(ports, n, pairs[a + 1]);

		if (!tx || !rx) {
			fprintf(stderr, "nmd_pass: no port labelled %s was handed over\n",
				tx ? pairs[a + 1] : pairs[a]);
			return 5;
		}
		if (pass(tx, rx, frames, size))
			rc = 1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct nmd_port **ports = NULL;
	const char *wait_file = NULL;
	long frames = 1000000;
	unsigned size = 60;
	size_t n = 0;
	int c, r, fd, rc;

	while ((c = getopt(argc, argv, "n:s:w:")) != -1) {
		switch (c) {
		case 'n':
			frames = strtol(optarg, NULL, 10);
			break;
		case 's':
			size = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			wait_file = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (frames <= 0 || size < 60 || size > 2048 || argc - optind < 2 || (argc - optind) % 2)
		goto usage;
	/* The point of nmctl exec: this program needs no access to /dev/netmap. */
	fd = open("/dev/netmap", O_RDWR);
	if (fd >= 0 || errno != EACCES) {
		fprintf(stderr, "nmd_pass: /dev/netmap is open to uid %d (%s): run me as an unprivileged user\n",
			(int)geteuid(), fd < 0 ? strerror(errno) : "opened");
		return 3;
	}
	printf("nmd_pass: uid %d, open(/dev/netmap): %s, as it should be\n", (int)geteuid(),
	       strerror(errno));
	r = nmd_ports_from_env(&ports, &n);
	if (r <= 0) {
		fprintf(stderr, "nmd_pass: no ports handed over (%s): start me with nmctl exec --port NAME ... --\n",
			r < 0 ? strerror(-r) : "no LISTEN_FDS for this process");
		return 4;
	}
	for (size_t i = 0; i < n; i++)
		printf("nmd_pass: fd %d = %s (%s): %u+%u rings of %u slots, region %u, %zu KiB mapped\n",
		       ports[i]->fd, ports[i]->label, ports[i]->name, ports[i]->nifp->ni_tx_rings,
		       ports[i]->nifp->ni_rx_rings, ports[i]->tx_slots, ports[i]->mem_id,
		       ports[i]->memsize / 1024);
	fflush(stdout);
	rc = round_of(ports, n, argv + optind, argc - optind, frames, size);
	if (rc == 0 && wait_file) {
		printf("nmd_pass: holding the ports until %s exists\n", wait_file);
		fflush(stdout);
		for (int i = 0; i < 3000 && access(wait_file, F_OK); i++)
			usleep(100000);
		if (access(wait_file, F_OK)) {
			fprintf(stderr, "nmd_pass: %s did not appear\n", wait_file);
			rc = 1;
		} else {
			printf("nmd_pass: second round on the same fds\n");
			rc = round_of(ports, n, argv + optind, argc - optind, frames, size);
		}
	}
	nmd_ports_free(ports, n);
	return rc;
usage:
	fprintf(stderr, "usage: nmd_pass [-n FRAMES] [-s SIZE] [-w FILE] TX RX [TX RX ...]\n"
			"  (started by: nmctl exec --port vale0:a --port vale0:b -- nmd_pass vale0.a vale0.b)\n");
	return 2;
}
