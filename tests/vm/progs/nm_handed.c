// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_handed - a program started by `nmctl exec` as an unprivileged user: it
 * takes the ports it was handed (libnmd's nmd_ports_from_env(): fds 3..,
 * LISTEN_PID/LISTEN_FDS/NMD_PORTS), never opens /dev/netmap (and checks that
 * it could not: the device is root's, mode 0600), and passes packets:
 *
 *   nm_handed N TX-LABEL RX-LABEL [TX-LABEL RX-LABEL ...]
 *
 * For each pair, N 60-byte broadcast frames with sequence numbers go out on
 * TX's ring 0 and must arrive in order on RX's ring 0. Prints one line per
 * pair with the rate; exits 0 only if every frame arrived intact.
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

#include "libnmd.h"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int xfer(struct nmd_port *tx, struct nmd_port *rx, long n)
{
	struct netmap_ring *txr = NETMAP_TXRING(tx->nifp, 0);
	struct netmap_ring *rxr = NETMAP_RXRING(rx->nifp, 0);
	long sent = 0, got = 0, bad = 0;
	uint64_t t0 = now_us(), deadline = t0 + 30 * 1000000ull, dt;

	while (got < n && now_us() < deadline) {
		struct pollfd pfd = { .fd = rx->fd, .events = POLLIN };
		unsigned batch = 0;

		while (sent < n && nm_ring_space(txr) && batch < 256) {
			struct netmap_slot *s = &txr->slot[txr->cur];
			unsigned char *b = (unsigned char *)NETMAP_BUF(txr, s->buf_idx);
			uint32_t seq = (uint32_t)sent;

			memset(b, 0xff, 6);
			memcpy(b + 6, "\x02\x00\x00\x00\x00\x02", 6);
			b[12] = 0x88;
			b[13] = 0xb5;
			memcpy(b + 14, &seq, 4);
			memset(b + 18, 0x5a, 42);
			s->len = 60;
			txr->head = txr->cur = nm_ring_next(txr, txr->cur);
			sent++;
			batch++;
		}
		ioctl(tx->fd, NIOCTXSYNC, NULL);
		poll(&pfd, 1, 20);
		ioctl(rx->fd, NIOCRXSYNC, NULL);
		while (!nm_ring_empty(rxr)) {
			struct netmap_slot *s = &rxr->slot[rxr->cur];
			unsigned char *b = (unsigned char *)NETMAP_BUF(rxr, s->buf_idx);
			uint32_t seq;

			memcpy(&seq, b + 14, 4);
			if (s->len != 60 || seq != (uint32_t)got || b[12] != 0x88 || b[59] != 0x5a)
				bad++;
			got++;
			rxr->head = rxr->cur = nm_ring_next(rxr, rxr->cur);
		}
	}
	dt = now_us() - t0;
	printf("nm_handed: %s -> %s: %ld sent, %ld received, %ld bad, %.3f Mpps (%.1f ms)\n",
	       tx->label, rx->label, sent, got, bad, dt ? (double)got / (double)dt : 0.0,
	       (double)dt / 1000.0);
	return sent == n && got == n && bad == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct nmd_port **ports;
	size_t n;
	long count;
	int r, fd, rc = 0;

	if (argc < 4 || (argc - 2) % 2) {
		fprintf(stderr, "usage: nm_handed N TX-LABEL RX-LABEL [TX-LABEL RX-LABEL ...]\n");
		return 2;
	}
	count = strtol(argv[1], NULL, 10);
	/* The point: this program has no access to /dev/netmap at all. */
	fd = open("/dev/netmap", O_RDWR);
	if (fd >= 0 || errno != EACCES) {
		fprintf(stderr, "nm_handed: /dev/netmap is open to uid %d (fd %d, %s): the test needs an unprivileged user\n",
			(int)geteuid(), fd, fd < 0 ? strerror(errno) : "opened");
		return 3;
	}
	printf("nm_handed: uid %d, /dev/netmap: %s (as it should be)\n", (int)geteuid(),
	       strerror(errno));
	r = nmd_ports_from_env(&ports, &n);
	if (r <= 0) {
		fprintf(stderr, "nm_handed: no ports handed over (%s)\n", r < 0 ? strerror(-r) : "none");
		return 4;
	}
	for (size_t i = 0; i < n; i++)
		printf("nm_handed: fd %d %s (%s): %u tx / %u rx rings, %u slots, %zu bytes mapped\n",
		       ports[i]->fd, ports[i]->label, ports[i]->name, ports[i]->nifp->ni_tx_rings,
		       ports[i]->nifp->ni_rx_rings, ports[i]->tx_slots, ports[i]->memsize);
	for (int a = 2; a + 1 < argc; a += 2) {
		struct nmd_port *tx = nmd_ports_find(ports, n, argv[a]);
		struct nmd_port *rx = nmd_ports_find(ports, n, argv[a + 1]);

		if (!tx || !rx) {
			fprintf(stderr, "nm_handed: no port labelled %s\n", tx ? argv[a + 1] : argv[a]);
			rc = 5;
			continue;
		}
		if (xfer(tx, rx, count))
			rc = 1;
	}
	nmd_ports_free(ports, n);
	return rc;
}
