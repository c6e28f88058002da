// SPDX-License-Identifier: BSD-2-Clause
/*
 * nml_bridge - forward from port A to port B in the style of netmap's
 * bridge, on libnetmap: nmport_open() of both, buffers swapped when the two
 * descriptors share a region (pa->mem == pb->mem), copied otherwise.
 *
 *   nml_bridge PORT_A PORT_B COUNT [TIMEOUT_S]
 *
 * Prints "ready zerocopy|copy", then "forwarded N" once COUNT test frames
 * went from A to B (other frames are forwarded, not counted). Exit 0, 1 on
 * timeout, 2 when a port does not open.
 */
#include <libnetmap.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "nml.h"

/* Move what A received into B's TX rings; returns the test frames moved. */
static unsigned long forward(struct nmport_d *a, struct nmport_d *b, int zerocopy)
{
	unsigned long ours = 0;
	int ri = a->first_rx_ring, ti = b->first_tx_ring;

	while (ri <= a->last_rx_ring && ti <= b->last_tx_ring) {
		struct netmap_ring *rx = NETMAP_RXRING(a->nifp, ri);
		struct netmap_ring *tx = NETMAP_TXRING(b->nifp, ti);

		if (nm_ring_empty(rx)) {
			ri++;
			continue;
		}
		if (nm_ring_empty(tx)) {
			ti++;
			continue;
		}
		while (!nm_ring_empty(rx) && !nm_ring_empty(tx)) {
			struct netmap_slot *rs = &rx->slot[rx->cur], *ts = &tx->slot[tx->cur];
			unsigned char *p = (unsigned char *)NETMAP_BUF(rx, rs->buf_idx);

			ours += nml_ours(p, rs->len);
			if (zerocopy) {
				uint32_t idx = ts->buf_idx;

				ts->buf_idx = rs->buf_idx;
				rs->buf_idx = idx;
				ts->flags |= NS_BUF_CHANGED;
				rs->flags |= NS_BUF_CHANGED;
			} else {
				nm_pkt_copy(p, NETMAP_BUF(tx, ts->buf_idx), rs->len);
			}
			ts->len = rs->len;
			rx->head = rx->cur = nm_ring_next(rx, rx->cur);
			tx->head = tx->cur = nm_ring_next(tx, tx->cur);
		}
	}
	return ours;
}

int main(int argc, char **argv)
{
	unsigned long count, done = 0;
	struct nmport_d *pa, *pb;
	struct pollfd fds[2];
	double deadline;
	int zerocopy, rc;

	if (argc < 4) {
		fprintf(stderr, "usage: nml_bridge PORT_A PORT_B COUNT [TIMEOUT_S]\n");
		return 2;
	}
	count = strtoul(argv[3], NULL, 0);
	deadline = nml_now() + (argc > 4 ? atof(argv[4]) : 20);
	pa = nmport_open(argv[1]);
	if (!pa)
		return 2;
	pb = nmport_open(argv[2]);
	if (!pb) {
		nmport_close(pa);
		return 2;
	}
	zerocopy = pa->mem == pb->mem;
	printf("ready %s\n", zerocopy ? "zerocopy" : "copy");
	fflush(stdout);
	while (done < count && nml_now() < deadline) {
		fds[0].fd = pa->fd;
		fds[0].events = POLLIN;
		fds[1].fd = pb->fd;
		fds[1].events = POLLOUT;
		poll(fds, 2, 500);
		done += forward(pa, pb, zerocopy);
		ioctl(pb->fd, NIOCTXSYNC, NULL);
	}
	ioctl(pa->fd, NIOCRXSYNC, NULL);
	ioctl(pb->fd, NIOCTXSYNC, NULL);
	printf("forwarded %lu\n", done);
	rc = done == count ? 0 : 1;
	nmport_close(pb);
	nmport_close(pa);
	return rc;
}
