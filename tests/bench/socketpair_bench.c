// SPDX-License-Identifier: BSD-2-Clause
/*
 * socketpair_bench - the nm_bench_pipe transfer over a unix socketpair.
 *
 *   socketpair_bench [--mode poll|busy] [--seconds S] [--batch N] [--len L]
 *                    [--type seqpacket|dgram]
 *
 * A sender thread writes L-byte messages (default 60: the benchmark frame
 * of bench_util.h, sequence number included) with sendmmsg(), up to N
 * (default 512) per call, for S seconds; a receiver thread takes them with
 * recvmmsg() and checks the sequence numbers. The socket type defaults to
 * SOCK_SEQPACKET (message boundaries, a connection, EOF when the sender
 * shuts down); SOCK_DGRAM ends with an empty message instead. The send
 * buffer is raised to 8 MiB (SO_SNDBUFFORCE as root) so that thousands of
 * messages can be in flight, as in a netmap ring.
 *
 *   poll: blocking sendmmsg() and recvmmsg(MSG_WAITFORONE);
 *   busy: MSG_DONTWAIT on both sides, spinning on EAGAIN.
 *
 * Prints a RESULT line (bench_util.h). A socketpair is lossless and keeps
 * order: exit status 1 if a message was lost, reordered, or nothing was
 * received; 2 on a setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "bench_util.h"

#define MSG_MAX	2048

static struct {
	bool busy, dgram;
	double seconds;
	unsigned int batch, len;
} opt = { false, false, 3.0, BENCH_MAX_BATCH, 60 };

static int sv[2];
static pthread_barrier_t start_barrier;
static double t_start, t_rx_end;
static atomic_ullong tx_sent;
static atomic_bool tx_done;
static struct bench_counts rx_counts;

static unsigned char tx_buf[BENCH_MAX_BATCH][MSG_MAX], rx_buf[BENCH_MAX_BATCH][MSG_MAX];

static void *sender(void *arg)
{
	static struct mmsghdr mh[BENCH_MAX_BATCH];
	static struct iovec iov[BENCH_MAX_BATCH];
	unsigned char src[6] = { 0x02, 0, 0, 0, 0, 3 }, tmpl[MSG_MAX];
	int flags = opt.busy ? MSG_DONTWAIT : 0;
	unsigned int i;
	uint64_t seq = 0;
	double deadline;

	(void)arg;
	bench_pin(0);
	bench_template(tmpl, opt.len, src);
	for (i = 0; i < opt.batch; i++) {
		iov[i] = (struct iovec){ .iov_base = tx_buf[i], .iov_len = opt.len };
		mh[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	pthread_barrier_wait(&start_barrier);
	deadline = t_start + opt.seconds;
	for (;;) {
		int n;

		if (bench_now() >= deadline)	/* a batch takes long enough to look every time */
			break;
		/* every message is written in full, as an application would */
		for (i = 0; i < opt.batch; i++) {
			memcpy(tx_buf[i], tmpl, opt.len);
			bench_put_seq(tx_buf[i], seq + i);
		}
		n = sendmmsg(sv[0], mh, opt.batch, flags);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			perror("socketpair_bench: sendmmsg");
			break;
		}
		seq += (unsigned int)n;	/* the next batch rewrites the rest with the right numbers */
	}
	atomic_store(&tx_sent, seq);
	atomic_store(&tx_done, true);
	if (opt.dgram) {
		while (send(sv[0], "", 0, 0) < 0 && errno == EINTR)
			;
	} else {
		shutdown(sv[0], SHUT_WR);
	}
	return NULL;
}

static void *receiver(void *arg)
{
	static struct mmsghdr mh[BENCH_MAX_BATCH];
	static struct iovec iov[BENCH_MAX_BATCH];
	int flags = opt.busy ? MSG_DONTWAIT : MSG_WAITFORONE;
	unsigned int i;
	bool eof = false;

	(void)arg;
	bench_pin(1);
	for (i = 0; i < opt.batch; i++) {
		iov[i] = (struct iovec){ .iov_base = rx_buf[i], .iov_len = MSG_MAX };
		mh[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	pthread_barrier_wait(&start_barrier);
	while (!eof) {
		int n = recvmmsg(sv[1], mh, opt.batch, flags, NULL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			perror("socketpair_bench: recvmmsg");
			break;
		}
		if (n == 0)
			break;	/* SEQPACKET: the sender shut down and the queue is empty */
		for (i = 0; i < (unsigned int)n; i++) {
			if (mh[i].msg_len == 0) {	/* end of stream: EOF or the empty datagram */
				eof = true;
				break;
			}
			if (mh[i].msg_len >= BENCH_SEQ_OFF + 8)
				bench_rx_seq(&rx_counts, bench_get_seq(rx_buf[i]));
		}
		t_rx_end = bench_now();
	}
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: socketpair_bench [--mode poll|busy] [--seconds S] [--batch N] "
		"[--len L] [--type seqpacket|dgram]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int i, buf = 8 << 20;
	pthread_t tt, rt;
	char extra[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 >= argc)
			usage();
		if (!strcmp(a, "--mode"))
			opt.busy = !strcmp(argv[++i], "busy");
		else if (!strcmp(a, "--seconds"))
			opt.seconds = atof(argv[++i]);
		else if (!strcmp(a, "--batch"))
			opt.batch = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(a, "--len"))
			opt.len = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(a, "--type"))
			opt.dgram = !strcmp(argv[++i], "dgram");
		else
			usage();
	}
	if (opt.batch < 1 || opt.batch > BENCH_MAX_BATCH || opt.len < 22 || opt.len > MSG_MAX ||
	    opt.seconds <= 0)
		usage();
	if (socketpair(AF_UNIX, opt.dgram ? SOCK_DGRAM : SOCK_SEQPACKET, 0, sv)) {
		perror("socketpair_bench: socketpair");
		return 2;
	}
	/* unix sockets charge queued messages to the sender's buffer */
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)))
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	pthread_barrier_init(&start_barrier, NULL, 3);
	if (pthread_create(&rt, NULL, receiver, NULL) || pthread_create(&tt, NULL, sender, NULL)) {
		perror("socketpair_bench: pthread_create");
		return 2;
	}
	t_start = bench_now();
	pthread_barrier_wait(&start_barrier);
	pthread_join(tt, NULL);
	pthread_join(rt, NULL);
	rx_counts.sent = atomic_load(&tx_sent);
	if (t_rx_end == 0)
		t_rx_end = bench_now();
	snprintf(extra, sizeof(extra), "type=%s", opt.dgram ? "dgram" : "seqpacket");
	bench_result("socketpair", opt.busy ? "busy" : "poll", extra, t_rx_end - t_start, &rx_counts);
	if (rx_counts.received == 0 || rx_counts.received != rx_counts.sent || rx_counts.gaps ||
	    rx_counts.out_of_order) {
		printf("socketpair_bench: FAIL: sent %llu received %llu lost %llu out of order %llu\n",
		       (unsigned long long)rx_counts.sent, (unsigned long long)rx_counts.received,
		       (unsigned long long)rx_counts.gaps, (unsigned long long)rx_counts.out_of_order);
		return 1;
	}
	return 0;
}
