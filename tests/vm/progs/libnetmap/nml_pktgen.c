// SPDX-License-Identifier: BSD-2-Clause
/*
 * nml_pktgen - a generator and sink in the style of netmap's pkt-gen, on
 * libnetmap: nmport_prepare(), a look at (or edit of) d->reg, then
 * nmport_open_desc(); the rings d->first_*_ring .. d->last_*_ring filled or
 * drained in place, NIOCTXSYNC and poll().
 *
 *   nml_pktgen tx PORT COUNT [TIMEOUT_S]
 *   nml_pktgen rx PORT COUNT [TIMEOUT_S]
 *
 * Output and exit status as nml_example's.
 */
#include <libnetmap.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nml.h"

/* Fill the free slots of the TX rings with test frames, up to @count. */
static unsigned long tx_fill(struct nmport_d *d, unsigned long sent, unsigned long count)
{
	for (int i = d->first_tx_ring; i <= d->last_tx_ring && sent < count; i++) {
		struct netmap_ring *r = NETMAP_TXRING(d->nifp, i);

		while (!nm_ring_empty(r) && sent < count) {
			struct netmap_slot *s = &r->slot[r->cur];

			nml_frame((unsigned char *)NETMAP_BUF(r, s->buf_idx), (uint32_t)sent++);
			s->len = NML_LEN;
			s->flags = 0;
			r->head = r->cur = nm_ring_next(r, r->cur);
		}
	}
	return sent;
}

/* Count the test frames in the RX rings and give the slots back. */
static unsigned long rx_count(struct nmport_d *d)
{
	unsigned long got = 0;

	for (int i = d->first_rx_ring; i <= d->last_rx_ring; i++) {
		struct netmap_ring *r = NETMAP_RXRING(d->nifp, i);

		for (; !nm_ring_empty(r); r->head = r->cur = nm_ring_next(r, r->cur)) {
			struct netmap_slot *s = &r->slot[r->cur];

			got += nml_ours((unsigned char *)NETMAP_BUF(r, s->buf_idx), s->len);
		}
	}
	return got;
}

static int tx_pending(struct nmport_d *d)
{
	int pending = 0;

	for (int i = d->first_tx_ring; i <= d->last_tx_ring; i++)
		pending |= nm_tx_pending(NETMAP_TXRING(d->nifp, i));
	return pending;
}

int main(int argc, char **argv)
{
	unsigned long count, done = 0;
	struct nmport_d *d;
	struct pollfd fds;
	double deadline;
	int tx;

	if (argc < 4 || (strcmp(argv[1], "tx") && strcmp(argv[1], "rx"))) {
		fprintf(stderr, "usage: nml_pktgen tx|rx PORT COUNT [TIMEOUT_S]\n");
		return 2;
	}
	tx = !strcmp(argv[1], "tx");
	count = strtoul(argv[3], NULL, 0);
	deadline = nml_now() + (argc > 4 ? atof(argv[4]) : 20);
	d = nmport_prepare(argv[2]);	/* libnetmap printed why on failure */
	if (!d)
		return 2;
	/* As pkt-gen does for a one-way function: bind only the rings it uses. */
	d->reg.nr_flags |= tx ? NR_TX_RINGS_ONLY : NR_RX_RINGS_ONLY;
	if (nmport_open_desc(d) < 0) {
		nmport_undo_prepare(d);
		return 2;
	}
	printf("ready %s mem_id %u\n", d->hdr.nr_name, d->reg.nr_mem_id);
	fflush(stdout);
	fds.fd = d->fd;
	while (done < count && nml_now() < deadline) {
		fds.events = tx ? POLLOUT : POLLIN;
		poll(&fds, 1, 500);
		if (tx) {
			done = tx_fill(d, done, count);
			ioctl(d->fd, NIOCTXSYNC, NULL);
		} else {
			done += rx_count(d);
		}
	}
	if (deadline > nml_now() + 5)	/* what is still queued after 5 s stays queued */
		deadline = nml_now() + 5;
	while (tx && tx_pending(d) && nml_now() < deadline) {
		ioctl(d->fd, NIOCTXSYNC, NULL);
		usleep(10000);
	}
	if (!tx)	/* give the slots back: a pipe's sender sees them free only then */
		ioctl(d->fd, NIOCRXSYNC, NULL);
	printf("%s %lu\n", tx ? "sent" : "received", done);
	nmport_close(d);
	return done == count ? 0 : 1;
}
