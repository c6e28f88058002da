// SPDX-License-Identifier: BSD-2-Clause
/*
 * nml_example - a program in the style of netmap(4)'s EXAMPLES, on the
 * NETMAP_WITH_LIBS helpers only: nm_open(), poll(), nm_inject() to send,
 * nm_dispatch() to receive, nm_close(). Built outside the tree with
 * `pkg-config --static --cflags --libs libnetmap`.
 *
 *   nml_example tx PORT COUNT [TIMEOUT_S]   send COUNT test frames
 *   nml_example rx PORT COUNT [TIMEOUT_S]   count COUNT test frames
 *
 * Prints "ready NAME mem_id N" once the port is open, then "sent N" or
 * "received N". Exit: 0 when COUNT frames went, 1 on timeout, 2 when the
 * port does not open (nm_open's errno printed).
 */
#define NETMAP_WITH_LIBS
#include <net/netmap_user.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nml.h"

static void receiver(unsigned char *arg, const struct nm_pkthdr *h, const unsigned char *buf)
{
	unsigned long *got = (unsigned long *)arg;

	if (nml_ours(buf, h->caplen))
		(*got)++;
}

/* Every TX ring of @d sent what it was given (or @deadline passed). */
static void drain(struct nm_desc *d, double deadline)
{
	for (;;) {
		int pending = 0;

		ioctl(NETMAP_FD(d), NIOCTXSYNC, NULL);
		for (int i = d->first_tx_ring; i <= d->last_tx_ring; i++)
			pending |= nm_tx_pending(NETMAP_TXRING(d->nifp, i));
		if (!pending || nml_now() > deadline)
			return;
		usleep(10000);
	}
}

int main(int argc, char **argv)
{
	unsigned long count, done = 0;
	unsigned char frame[NML_LEN];
	struct pollfd fds;
	struct nm_desc *d;
	double deadline;
	int tx;

	if (argc < 4 || (strcmp(argv[1], "tx") && strcmp(argv[1], "rx"))) {
		fprintf(stderr, "usage: nml_example tx|rx PORT COUNT [TIMEOUT_S]\n");
		return 2;
	}
	tx = !strcmp(argv[1], "tx");
	count = strtoul(argv[3], NULL, 0);
	deadline = nml_now() + (argc > 4 ? atof(argv[4]) : 20);
	d = nm_open(argv[2], NULL, 0, NULL);
	if (!d) {
		fprintf(stderr, "nml_example: nm_open %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	printf("ready %s mem_id %u\n", d->req.nr_name, d->req.nr_arg2);
	fflush(stdout);
	fds.fd = NETMAP_FD(d);
	while (done < count && nml_now() < deadline) {
		fds.events = tx ? POLLOUT : POLLIN;
		poll(&fds, 1, 500);
		if (tx) {
			for (nml_frame(frame, (uint32_t)done);
			     done < count && nm_inject(d, frame, sizeof(frame));
			     nml_frame(frame, (uint32_t)++done))
				;
		} else {
			nm_dispatch(d, -1, receiver, (unsigned char *)&done);
		}
	}
	if (tx)
		drain(d, nml_now() + 5 < deadline ? nml_now() + 5 : deadline);
	else	/* give the slots back: a pipe's sender sees them free only then */
		ioctl(NETMAP_FD(d), NIOCRXSYNC, NULL);
	printf("%s %lu\n", tx ? "sent" : "received", done);
	nm_close(d);
	return done == count ? 0 : 1;
}
