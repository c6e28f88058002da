// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_example - a netmap program written only in the style of the examples
 * of netmap(4): open /dev/netmap, bind with the legacy NIOCREGIF and a
 * struct nmreq (nr_version = NETMAP_API), mmap nr_memsize bytes, find the
 * rings with NETMAP_IF / NETMAP_TXRING / NETMAP_RXRING, and move packets
 * with nm_ring_empty(), nm_ring_next() and poll(). No test library, no
 * NIOCCTRL: if this works, a program written from the manual page works.
 *
 * A sender on the pipe master "ex{0" and a receiver on the slave "ex}0"
 * (two processes) pass NPKTS packets; each payload starts with a sequence
 * number, which the receiver checks, together with the count.
 *
 *   nm_example [NPKTS]      default 100000
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <net/netmap.h>
#include <net/netmap_user.h>

#define PKT_LEN		60
#define POLL_MS		10000	/* a poll that waits this long means the pipe is stuck */

static unsigned long npkts = 100000;

/* Fill the payload: sequence number, then bytes derived from it. */
static void fill(char *buf, uint32_t seq)
{
	int k;

	memcpy(buf, &seq, sizeof(seq));
	for (k = sizeof(seq); k < PKT_LEN; k++)
		buf[k] = (char)(seq + k);
}

static int payload_ok(const char *buf, uint32_t seq)
{
	uint32_t got;
	int k;

	memcpy(&got, buf, sizeof(got));
	if (got != seq)
		return 0;
	for (k = sizeof(seq); k < PKT_LEN; k++)
		if (buf[k] != (char)(seq + k))
			return 0;
	return 1;
}

/* The netmap(4) way to bind a port: returns the fd; *nmr and *mem filled. */
static int nm_bind(const char *name, struct nmreq *nmr, char **mem)
{
	int fd;

	fd = open("/dev/netmap", O_RDWR);
	if (fd < 0) {
		perror("open /dev/netmap");
		return -1;
	}
	bzero(nmr, sizeof(*nmr));
	strcpy(nmr->nr_name, name);
	nmr->nr_version = NETMAP_API;
	if (ioctl(fd, NIOCREGIF, nmr) < 0) {
		fprintf(stderr, "NIOCREGIF %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	*mem = mmap(0, nmr->nr_memsize, PROT_WRITE | PROT_READ, MAP_SHARED, fd, 0);
	if (*mem == MAP_FAILED) {
		fprintf(stderr, "mmap %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int sender(void)
{
	struct netmap_if *nifp;
	struct netmap_ring *ring;
	struct nmreq nmr;
	struct pollfd fds;
	unsigned long sent = 0;
	char *p, *buf;
	int fd, i;

	fd = nm_bind("ex{0", &nmr, &p);
	if (fd < 0)
		return 1;
	nifp = NETMAP_IF(p, nmr.nr_offset);
	ring = NETMAP_TXRING(nifp, 0);
	fds.fd = fd;
	fds.events = POLLOUT;
	while (sent < npkts) {
		if (poll(&fds, 1, POLL_MS) <= 0) {
			fprintf(stderr, "sender: poll timed out or failed after %lu packets\n", sent);
			return 1;
		}
		while (!nm_ring_empty(ring) && sent < npkts) {
			i = ring->cur;
			buf = NETMAP_BUF(ring, ring->slot[i].buf_idx);
			fill(buf, (uint32_t)sent);
			ring->slot[i].len = PKT_LEN;
			ring->head = ring->cur = nm_ring_next(ring, i);
			sent++;
		}
	}
	/* Push the last batch, then wait until the receiver has taken it all. */
	ioctl(fd, NIOCTXSYNC, NULL);
	for (i = 0; nm_tx_pending(ring); i++) {
		if (i == POLL_MS) {
			fprintf(stderr, "sender: the receiver did not drain the ring\n");
			return 1;
		}
		usleep(1000);
		ioctl(fd, NIOCTXSYNC, NULL);
	}
	printf("sender: %lu packets sent\n", sent);
	munmap(p, nmr.nr_memsize);
	close(fd);
	return 0;
}

static int receiver(void)
{
	struct netmap_if *nifp;
	struct netmap_ring *ring;
	struct nmreq nmr;
	struct pollfd fds;
	unsigned long got = 0;
	char *p, *buf;
	int fd, i;

	fd = nm_bind("ex}0", &nmr, &p);
	if (fd < 0)
		return 1;
	nifp = NETMAP_IF(p, nmr.nr_offset);
	ring = NETMAP_RXRING(nifp, 0);
	fds.fd = fd;
	fds.events = POLLIN;
	while (got < npkts) {
		if (poll(&fds, 1, POLL_MS) <= 0) {
			fprintf(stderr, "receiver: poll timed out or failed after %lu packets\n", got);
			return 1;
		}
		while (!nm_ring_empty(ring)) {
			i = ring->cur;
			buf = NETMAP_BUF(ring, ring->slot[i].buf_idx);
			if (ring->slot[i].len != PKT_LEN || !payload_ok(buf, (uint32_t)got)) {
				uint32_t seq;

				memcpy(&seq, buf, sizeof(seq));
				fprintf(stderr, "receiver: packet %lu: len %u seq %u\n", got,
					ring->slot[i].len, seq);
				return 1;
			}
			ring->head = ring->cur = nm_ring_next(ring, i);
			got++;
		}
	}
	/* Give the last slots back, so the sender sees its ring drained. */
	ioctl(fd, NIOCRXSYNC, NULL);
	/* Nothing more may arrive. */
	if (poll(&fds, 1, 200) != 0 || !nm_ring_empty(ring)) {
		fprintf(stderr, "receiver: more than %lu packets\n", npkts);
		return 1;
	}
	printf("receiver: %lu packets received in order\n", got);
	munmap(p, nmr.nr_memsize);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int st_r = 0, st_s = 0, ok;
	pid_t r, s;

	if (argc > 1)
		npkts = strtoul(argv[1], NULL, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	r = fork();
	if (r == 0)
		_exit(receiver());
	s = fork();
	if (s == 0)
		_exit(sender());
	waitpid(s, &st_s, 0);
	waitpid(r, &st_r, 0);
	ok = WIFEXITED(st_s) && !WEXITSTATUS(st_s) && WIFEXITED(st_r) && !WEXITSTATUS(st_r);
	printf("%s: %lu packets over ex{0 -> ex}0\n", ok ? "ok" : "FAIL", npkts);
	return ok ? 0 : 1;
}
