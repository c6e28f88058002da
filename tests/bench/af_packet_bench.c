// SPDX-License-Identifier: BSD-2-Clause
/*
 * af_packet_bench - the nm_bench_pipe transfer over AF_PACKET rings.
 *
 *   af_packet_bench --tx-if IF --rx-if IF [--tx-netns PATH] [--rx-netns PATH]
 *                   [--mode poll|busy] [--seconds S] [--batch N] [--len L]
 *                   [--tx-version 2|3]
 *
 * Made for a veth pair whose ends may live in two network namespaces (the
 * guest script creates them with ip netns; PATH is /run/netns/NAME).  Each
 * thread enters its namespace with setns(), which changes only the calling
 * thread, and is pinned to its own CPU when there are two.
 *
 *   sender:   PACKET_TX_RING with TPACKET_V3 (frame-based TX exists since
 *             Linux 4.11; the program falls back to TPACKET_V2 if the kernel
 *             refuses it, or when --tx-version 2 asks), 1024 frames, and
 *             PACKET_QDISC_BYPASS; it fills up to N frames (default 512) and
 *             flushes them with one send().
 *   receiver: PACKET_RX_RING with TPACKET_V3 blocks (32 x 256 KiB, 10 ms
 *             block timeout), socket bound to our ethertype on the rx
 *             interface.
 *
 *   poll: the sender's send() waits for the batch to complete, the receiver
 *         waits for a block with poll();
 *   busy: send(MSG_DONTWAIT) and spinning on frame/block status words.
 *
 * Prints a RESULT line (bench_util.h) with the kernel's receive drop count
 * as "drops".  Exit status 1 if nothing was sent or received, or if more
 * was received than sent; 2 on a setup error.  AF_PACKET may drop (the
 * receiver ring can overflow), so received <= sent is all it asserts.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "bench_util.h"

#define TX_FRAME_SIZE	256
#define TX_BLOCK_SIZE	(1 << 16)
#define TX_BLOCKS	4		/* 1024 frames, like a netmap ring */
#define RX_BLOCK_SIZE	(1 << 18)
#define RX_BLOCKS	32

static struct {
	const char *tx_if, *rx_if, *tx_ns, *rx_ns;
	bool busy;
	double seconds;
	unsigned int batch, len, tx_version;
} opt = { NULL, NULL, NULL, NULL, false, 3.0, BENCH_MAX_BATCH, 60, 3 };

static pthread_barrier_t start_barrier;
static double t_start, t_rx_end;
static atomic_bool tx_done, setup_failed;
static atomic_ullong tx_sent;
static struct bench_counts rx_counts;
static unsigned long long rx_drops, tx_wrong_format;
static unsigned int tx_version_used;

static int enter_netns(const char *path)
{
	int fd;

	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "af_packet_bench: netns %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Wait at the barrier in any case, so that a failing thread cannot hang the others. */
static void *fail_setup(void)
{
	atomic_store(&setup_failed, true);
	atomic_store(&tx_done, true);
	pthread_barrier_wait(&start_barrier);
	return NULL;
}

static int bind_if(int fd, const char *ifname, int proto)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = (unsigned short)htons((uint16_t)proto);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "af_packet_bench: bind %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	return 0;
}

/* Frame i of the TX ring and where its data goes (V2 and V3 frames alike). */
static volatile uint32_t *tx_status(char *ring, unsigned int i)
{
	char *f = ring + (size_t)i * TX_FRAME_SIZE;

	if (tx_version_used == TPACKET_V3)
		return &((struct tpacket3_hdr *)(void *)f)->tp_status;
	return &((struct tpacket2_hdr *)(void *)f)->tp_status;
}

static void *sender(void *arg)
{
	int fd, one = 1, ver, flags;
	struct tpacket_req3 req;
	unsigned char src[6] = { 0x02, 0, 0, 0, 0, 2 };
	unsigned int nframes = TX_BLOCK_SIZE / TX_FRAME_SIZE * TX_BLOCKS, cur = 0, iter = 0;
	size_t data_off;
	char *ring;
	uint64_t seq = 0;
	double deadline;
	struct ifreq ifr;

	(void)arg;
	bench_pin(0);
	if (enter_netns(opt.tx_ns))
		return fail_setup();
	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: this socket receives nothing */
	if (fd < 0) {
		perror("af_packet_bench: tx socket");
		return fail_setup();
	}
	memset(&req, 0, sizeof(req));
	req.tp_block_size = TX_BLOCK_SIZE;
	req.tp_block_nr = TX_BLOCKS;
	req.tp_frame_size = TX_FRAME_SIZE;
	req.tp_frame_nr = nframes;
	ver = opt.tx_version == 2 ? TPACKET_V2 : TPACKET_V3;
	for (;;) {
		if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) == 0 &&
		    setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) == 0)
			break;
		if (ver == TPACKET_V3) {
			fprintf(stderr, "af_packet_bench: TPACKET_V3 TX ring refused (%s), using V2\n",
				strerror(errno));
			close(fd);
			fd = socket(AF_PACKET, SOCK_RAW, 0);
			ver = TPACKET_V2;
			continue;
		}
		perror("af_packet_bench: PACKET_TX_RING");
		return fail_setup();
	}
	tx_version_used = (unsigned int)ver;
	/* data sits at tp_hdrlen - sizeof(struct sockaddr_ll) unless PACKET_TX_HAS_OFF */
	data_off = (ver == TPACKET_V3 ? TPACKET3_HDRLEN : TPACKET2_HDRLEN) - sizeof(struct sockaddr_ll);
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		fprintf(stderr, "af_packet_bench: PACKET_QDISC_BYPASS: %s (going through the qdisc)\n",
			strerror(errno));
	ring = mmap(NULL, (size_t)TX_BLOCK_SIZE * TX_BLOCKS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		perror("af_packet_bench: tx mmap");
		return fail_setup();
	}
	if (bind_if(fd, opt.tx_if, 0))
		return fail_setup();
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", opt.tx_if);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(src, ifr.ifr_hwaddr.sa_data, 6);
	{
		unsigned char tmpl[2048];
		unsigned int i;

		bench_template(tmpl, opt.len, src);
		pthread_barrier_wait(&start_barrier);
		deadline = t_start + opt.seconds;
		flags = opt.busy ? MSG_DONTWAIT : 0;
		for (;;) {
			unsigned int n = 0;

			if ((++iter & 15) == 0 && bench_now() >= deadline)
				break;
			for (i = 0; i < opt.batch; i++) {
				volatile uint32_t *st = tx_status(ring, cur);
				unsigned char *f = (unsigned char *)ring + (size_t)cur * TX_FRAME_SIZE;
				uint32_t s = __atomic_load_n(st, __ATOMIC_ACQUIRE);

				if (s & TP_STATUS_WRONG_FORMAT)
					tx_wrong_format++;
				else if (s != TP_STATUS_AVAILABLE)
					break;	/* still in flight */
				memcpy(f + data_off, tmpl, opt.len);
				bench_put_seq(f + data_off, seq++);
				if (ver == TPACKET_V3) {
					struct tpacket3_hdr *h = (void *)f;

					h->tp_len = opt.len;
					h->tp_snaplen = opt.len;
					h->tp_next_offset = 0;
				} else {
					struct tpacket2_hdr *h = (void *)f;

					h->tp_len = opt.len;
					h->tp_snaplen = opt.len;
				}
				__atomic_store_n(st, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
				cur = (cur + 1) % nframes;
				n++;
			}
			if (n || !opt.busy) {
				if (send(fd, NULL, 0, flags) < 0 && errno != EAGAIN && errno != ENOBUFS) {
					perror("af_packet_bench: send");
					break;
				}
			}
		}
		/* flush and wait for every frame: blocking send returns when none is pending */
		while (send(fd, NULL, 0, 0) < 0 && errno == EINTR)
			;
		for (i = 0; i < nframes; i++)
			if (__atomic_load_n(tx_status(ring, i), __ATOMIC_ACQUIRE) & TP_STATUS_WRONG_FORMAT)
				tx_wrong_format++;
	}
	atomic_store(&tx_sent, seq - tx_wrong_format);
	atomic_store(&tx_done, true);
	munmap(ring, (size_t)TX_BLOCK_SIZE * TX_BLOCKS);
	close(fd);
	return NULL;
}

static void *receiver(void *arg)
{
	int fd, ver = TPACKET_V3;
	struct tpacket_req3 req;
	struct tpacket_stats_v3 stats;
	socklen_t slen = sizeof(stats);
	struct pollfd pfd;
	unsigned int cur = 0, iter = 0;
	double idle_since = 0, give_up;
	char *ring;

	(void)arg;
	bench_pin(1);
	if (enter_netns(opt.rx_ns))
		return fail_setup();
	fd = socket(AF_PACKET, SOCK_RAW, htons(BENCH_ETHERTYPE));
	if (fd < 0) {
		perror("af_packet_bench: rx socket");
		return fail_setup();
	}
	memset(&req, 0, sizeof(req));
	req.tp_block_size = RX_BLOCK_SIZE;
	req.tp_block_nr = RX_BLOCKS;
	req.tp_frame_size = 2048;
	req.tp_frame_nr = RX_BLOCK_SIZE / 2048 * RX_BLOCKS;
	req.tp_retire_blk_tov = 10;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
		perror("af_packet_bench: PACKET_RX_RING (TPACKET_V3)");
		return fail_setup();
	}
	ring = mmap(NULL, (size_t)RX_BLOCK_SIZE * RX_BLOCKS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		perror("af_packet_bench: rx mmap");
		return fail_setup();
	}
	if (bind_if(fd, opt.rx_if, BENCH_ETHERTYPE))
		return fail_setup();
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLERR };
	pthread_barrier_wait(&start_barrier);
	give_up = t_start + opt.seconds + 10;
	for (;;) {
		struct tpacket_block_desc *bd = (void *)(ring + (size_t)cur * RX_BLOCK_SIZE);
		struct tpacket3_hdr *ph;
		uint32_t i, n;

		if ((++iter & 63) == 0 && bench_now() > give_up) {
			printf("# receiver gave up 10 s after the end\n");
			break;
		}
		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
			if (atomic_load(&tx_done)) {
				if (atomic_load(&setup_failed) ||
				    rx_counts.received + rx_drops >= atomic_load(&tx_sent))
					break;
				if (idle_since == 0)
					idle_since = bench_now();
				else if (bench_now() - idle_since > 2.0)
					break;	/* the rest was dropped */
			}
			if (!opt.busy)
				poll(&pfd, 1, 100);
			slen = sizeof(stats);
			if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &slen) == 0)
				rx_drops += stats.tp_drops;	/* the counters reset on read */
			continue;
		}
		idle_since = 0;
		n = bd->hdr.bh1.num_pkts;
		ph = (void *)((char *)bd + bd->hdr.bh1.offset_to_first_pkt);
		for (i = 0; i < n; i++) {
			if (ph->tp_snaplen >= BENCH_SEQ_OFF + 8)
				bench_rx_seq(&rx_counts, bench_get_seq((unsigned char *)ph + ph->tp_mac));
			ph = (void *)((char *)ph + ph->tp_next_offset);
		}
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		cur = (cur + 1) % RX_BLOCKS;
		t_rx_end = bench_now();
	}
	slen = sizeof(stats);
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &slen) == 0)
		rx_drops += stats.tp_drops;
	munmap(ring, (size_t)RX_BLOCK_SIZE * RX_BLOCKS);
	close(fd);
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: af_packet_bench --tx-if IF --rx-if IF [--tx-netns PATH] "
		"[--rx-netns PATH]\n                       [--mode poll|busy] [--seconds S] "
		"[--batch N] [--len L] [--tx-version 2|3]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	pthread_t tt, rt;
	char extra[64];
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 >= argc)
			usage();
		if (!strcmp(a, "--tx-if"))
			opt.tx_if = argv[++i];
		else if (!strcmp(a, "--rx-if"))
			opt.rx_if = argv[++i];
		else if (!strcmp(a, "--tx-netns"))
			opt.tx_ns = argv[++i];
		else if (!strcmp(a, "--rx-netns"))
			opt.rx_ns = argv[++i];
		else if (!strcmp(a, "--mode"))
			opt.busy = !strcmp(argv[++i], "busy");
		else if (!strcmp(a, "--seconds"))
			opt.seconds = atof(argv[++i]);
		else if (!strcmp(a, "--batch"))
			opt.batch = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(a, "--len"))
			opt.len = (unsigned int)atoi(argv[++i]);
		else if (!strcmp(a, "--tx-version"))
			opt.tx_version = (unsigned int)atoi(argv[++i]);
		else
			usage();
	}
	if (!opt.tx_if || !opt.rx_if || opt.batch < 1 || opt.batch > BENCH_MAX_BATCH ||
	    opt.len < 22 || opt.len > TX_FRAME_SIZE - TPACKET3_HDRLEN || opt.seconds <= 0)
		usage();
	pthread_barrier_init(&start_barrier, NULL, 3);
	if (pthread_create(&rt, NULL, receiver, NULL) || pthread_create(&tt, NULL, sender, NULL)) {
		perror("af_packet_bench: pthread_create");
		return 2;
	}
	t_start = bench_now();
	pthread_barrier_wait(&start_barrier);
	pthread_join(tt, NULL);
	pthread_join(rt, NULL);
	if (atomic_load(&setup_failed))
		return 2;
	rx_counts.sent = atomic_load(&tx_sent);
	if (t_rx_end == 0)
		t_rx_end = bench_now();
	snprintf(extra, sizeof(extra), "tx=TPACKET_V%u rx=TPACKET_V3 drops=%llu",
		 tx_version_used == TPACKET_V3 ? 3 : 2, rx_drops);
	bench_result("af_packet", opt.busy ? "busy" : "poll", extra, t_rx_end - t_start, &rx_counts);
	if (tx_wrong_format)
		printf("# %llu frames came back TP_STATUS_WRONG_FORMAT\n", tx_wrong_format);
	if (rx_counts.sent == 0 || rx_counts.received == 0 || rx_counts.received > rx_counts.sent) {
		printf("af_packet_bench: FAIL: sent %llu received %llu\n",
		       (unsigned long long)rx_counts.sent, (unsigned long long)rx_counts.received);
		return 1;
	}
	return 0;
}
