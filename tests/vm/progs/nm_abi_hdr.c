// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_abi_hdr - netmap behaviours beyond the basic ABI that netmap's own
 * tests exercise (LIBRARIES-AND-FEATURES.md §3.4, §3.7, §3.8, NETMAP-ABI
 * §4), written from those facts:
 *
 *   hdr_req      PORT_HDR_SET/GET: lengths 0/10/12 only (checked first),
 *                VALE ports only, never created (ENXIO), works on an open
 *                port, GET of other ports is 0, REGISTER then needs
 *                NR_ACCEPT_VNET_HDR (EIO), the legacy commands
 *   hdr_fwd      frames between ports of header lengths 0, 10 and 12:
 *                a zeroed header added, 10 -> 12 padded, 12 -> 10 cut,
 *                10 -> 0 removed with its offloads (NEEDS_CSUM completes
 *                a UDP checksum, GSO TCPv4 cut into 1514-byte frames with
 *                IP/TCP fixed up, an unknown gso_type drops)
 *   host_rings   host ring counts asked at REGISTER on a NIC (veth hr0,
 *                made by abi-hdr.sh): 5/4 granted to the first binder,
 *                kept for the second, ONE_SW ring 4 (TX 4, RX 0), ring 5
 *                EINVAL, a frame through host TX ring 4 reaches the stack,
 *                a stack frame sent on TX queue q arrives on host RX ring
 *                q % 4 (one per online CPU, up to 4); after close, 2/2
 *                and ONE_SW 1; back to 1/1 when nobody uses it
 *   double_attach  a persistent port on a second switch: EBUSY while open,
 *                then wrapped: a cable between the switches both ways;
 *                REGISTER, re-ATTACH, DETACH of the first, DELIF: EBUSY;
 *                DETACH of the second frees it
 *   options      an option list looping onto a known option: EINVAL at the
 *                duplicate; 99 unknown options plus a 1000-byte
 *                SYNC_KLOOP_EVENTFDS: EMSGSIZE (a small one fits); unknown
 *                nr_flags bits (legacy 0x1000) are ignored
 *
 *   nm_abi_hdr [-v] [-l] [NAME...]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nmt.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NIC		"hr0"	/* a veth made by abi-hdr.sh, up */
#define ETYPE		0x88b5

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ---- requests --------------------------------------------------------------- */

/* A request of @type with @body on a fresh fd: 0 or errno. */
static int req(uint16_t type, const char *name, void *body)
{
	struct nmreq_header h;
	int fd = nmt_open(), err;

	if (fd < 0)
		return EBADF;
	nmt_hdr(&h, type, name, body);
	err = nmt_ctrl(fd, &h);
	close(fd);
	return err;
}

static int hdr_set(const char *name, uint32_t len)
{
	struct nmreq_port_hdr b = { .nr_hdr_len = len };

	return req(NETMAP_REQ_PORT_HDR_SET, name, &b);
}

/* PORT_HDR_GET: the length, or -errno. */
static int hdr_get(const char *name)
{
	struct nmreq_port_hdr b = { .nr_hdr_len = 77 };
	int err = req(NETMAP_REQ_PORT_HDR_GET, name, &b);

	return err ? -err : (int)b.nr_hdr_len;
}

static int attach(const char *name)
{
	struct nmreq_vale_attach b;

	memset(&b, 0, sizeof(b));
	b.reg.nr_mode = NR_REG_ALL_NIC;
	return req(NETMAP_REQ_VALE_ATTACH, name, &b);
}

static int detach(const char *name)
{
	struct nmreq_vale_detach b;

	memset(&b, 0, sizeof(b));
	return req(NETMAP_REQ_VALE_DETACH, name, &b);
}

static int newif(const char *name)
{
	struct nmreq_vale_newif b;

	memset(&b, 0, sizeof(b));
	return req(NETMAP_REQ_VALE_NEWIF, name, &b);
}

static int delif(const char *name)
{
	return req(NETMAP_REQ_VALE_DELIF, name, NULL);
}

/* Legacy NIOCREGIF with @cmd and nr_arg1 = *@arg1 (written back). */
static int legacy(const char *name, uint16_t cmd, uint16_t *arg1)
{
	struct nmreq nmr;
	int fd = nmt_open(), err;

	if (fd < 0)
		return EBADF;
	memset(&nmr, 0, sizeof(nmr));
	nmr.nr_version = NETMAP_API;
	snprintf(nmr.nr_name, sizeof(nmr.nr_name), "%s", name);
	nmr.nr_cmd = cmd;
	nmr.nr_arg1 = *arg1;
	err = nmt_ioctl(fd, NIOCREGIF, &nmr);
	*arg1 = nmr.nr_arg1;
	close(fd);
	return err;
}

/* ---- frames ----------------------------------------------------------------- */

/* Put @len bytes at @r->cur in slots of @chunk bytes (NS_MOREFRAG) and txsync. */
static int send_bytes(const struct nmt_port *p, struct netmap_ring *r, const uint8_t *d,
		      uint32_t len, uint32_t chunk)
{
	do {
		struct netmap_slot *s = &r->slot[r->cur];
		uint32_t c = len < chunk ? len : chunk;

		memcpy(NETMAP_BUF(r, s->buf_idx), d, c);
		s->len = (uint16_t)c;
		d += c;
		len -= c;
		s->flags = len ? NS_MOREFRAG : 0;
		r->head = r->cur = nm_ring_next(r, r->cur);
	} while (len);
	return nmt_txsync(p->fd);
}

/* The next frame (a chain of slots) on @r, waiting up to 2 s: its length, or -1. */
static int recv_frame(const struct nmt_port *p, struct netmap_ring *r, uint8_t *out,
		      uint32_t max)
{
	long long end = nmt_now_ms() + 2000;
	uint32_t l = 0;

	while (nm_ring_empty(r)) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

		if (nmt_now_ms() > end)
			return -1;
		poll(&pfd, 1, 100);
	}
	for (;;) {
		struct netmap_slot *s = &r->slot[r->cur];

		if (l + s->len <= max)
			memcpy(out + l, NETMAP_BUF(r, s->buf_idx), s->len);
		l += s->len;
		r->head = r->cur = nm_ring_next(r, r->cur);
		if (!(s->flags & NS_MOREFRAG) || nm_ring_empty(r))
			break;
	}
	return l <= max ? (int)l : -1;
}

/* Nothing more on @r right now. */
static bool rx_idle(const struct nmt_port *p, struct netmap_ring *r)
{
	nmt_rxsync(p->fd);
	return nm_ring_empty(r);
}

static uint32_t sum16(const uint8_t *b, uint32_t len, uint32_t s)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* IPv4 header and TCP/UDP checksums of frame @f (no virtio-net header) correct? */
static bool csums_ok(const uint8_t *f, uint32_t len)
{
	uint32_t l4 = 14 + (f[14] & 0xf) * 4u, l4len = len - l4;
	uint32_t s = sum16(f + 26, 8, f[23] + l4len);

	return fold(sum16(f + 14, l4 - 14, 0)) == 0xffff && fold(sum16(f + l4, l4len, s)) == 0xffff;
}

/* Ethernet (broadcast, source id @src) + IPv4 + TCP or UDP with @pay bytes. */
static uint32_t ip_frame(uint8_t *f, uint8_t proto, uint32_t pay, uint8_t src)
{
	const uint32_t l4h = proto == 6 ? 20 : 8, l4len = l4h + pay;
	uint32_t i;
	uint16_t c;

	memset(f, 0, 34 + l4len);
	memcpy(f, BCAST, 6);
	f[6] = 0x02;
	f[11] = src;
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)((20 + l4len) >> 8);
	f[17] = (uint8_t)(20 + l4len);
	f[18] = 0x12;
	f[19] = 0x34;
	f[22] = 64;
	f[23] = proto;
	memcpy(f + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	f[35] = 99;
	f[37] = 80;
	if (proto == 6) {
		f[38] = 0x10;			/* seq 0x10000000 */
		f[46] = 5 << 4;
		f[47] = 0x80 | 0x18 | 0x01;	/* CWR PSH ACK FIN */
	} else {
		f[38] = (uint8_t)(l4len >> 8);
		f[39] = (uint8_t)l4len;
	}
	for (i = 0; i < pay; i++)
		f[34 + l4h + i] = (uint8_t)(i * 7);
	c = (uint16_t)~fold(sum16(f + 14, 20, 0));
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	return 34 + l4len;
}

/* ---- PORT_HDR requests ------------------------------------------------------- */

static void t_hdr_req(void)
{
	struct nmt_port a;
	uint16_t arg;

	CHECK_ERR(hdr_set("valer0:nope", 11), EINVAL, "length 11: EINVAL, checked before the name");
	CHECK_ERR(hdr_set("valer0:nope", 64), EINVAL, "length 64: EINVAL");
	CHECK_ERR(hdr_set("valer0:nope", 10), ENXIO, "no such port: ENXIO, nothing created");
	CHECK_ERR(hdr_get("valer0:nope"), -ENXIO, "GET of no such port: ENXIO");
	CHECK_ERR(hdr_set("hr9", 10), ENXIO, "a name without vale: ENXIO");
	if (!CHECK_ERR(nmt_port_open(&a, "valer0:a", NULL), 0, "REGISTER valer0:a"))
		return;
	CHECK_EQ(hdr_get("valer0:a"), 0, "a new port has length 0");
	CHECK_ERR(hdr_set("valer0:a", 12), 0, "SET 12 while the port is open");
	CHECK_EQ(hdr_get("valer0:a"), 12, "GET 12");
	CHECK_ERR(hdr_set("valer0:a", 10), 0, "SET 10");
	CHECK_EQ(hdr_get("valer0:a"), 10, "GET 10");
	CHECK_ERR(hdr_set("valer0:a", 12), 0, "SET 12 again");
	{
		struct nmt_port b;

		CHECK_ERR(nmt_port_open(&b, "valer0:a", NULL), EIO,
			  "REGISTER of a port with a header, no NR_ACCEPT_VNET_HDR: EIO");
		if (CHECK_ERR(nmt_port_open(&b, "valer0:a", NMT_OPTS(.flags = NR_ACCEPT_VNET_HDR)), 0,
			      "with NR_ACCEPT_VNET_HDR: bound"))
			nmt_port_close(&b);
	}
	CHECK_EQ(hdr_get("valer0:a{1"), 0, "GET of a pipe of it: 0");
	CHECK_EQ(hdr_get("lo"), -EOPNOTSUPP, "GET of lo: what the lookup says (not Ethernet)");
	arg = 0;
	CHECK_ERR(legacy("valer0:a", NETMAP_VNET_HDR_GET, &arg), 0, "legacy NETMAP_VNET_HDR_GET");
	CHECK_EQ(arg, 12, "legacy GET: nr_arg1 12");
	arg = 0;
	CHECK_ERR(legacy("valer0:a", NETMAP_BDG_VNET_HDR, &arg), 0, "legacy NETMAP_BDG_VNET_HDR 0");
	CHECK_EQ(hdr_get("valer0:a"), 0, "GET after legacy SET 0");
	arg = 11;
	CHECK_ERR(legacy("valer0:a", NETMAP_BDG_VNET_HDR, &arg), EINVAL, "legacy SET 11: EINVAL");
	{
		struct nmt_port b;

		if (CHECK_ERR(nmt_port_open(&b, "valer0:a", NULL), 0, "length 0: a plain REGISTER"))
			nmt_port_close(&b);
	}
	nmt_port_close(&a);
	CHECK_ERR(hdr_set("valer0:a", 10), ENXIO, "gone with its last user: ENXIO");
}

/* ---- forwarding between header lengths ------------------------------------- */

struct hports {
	struct nmt_port p[3];		/* header 0, 10, 12 */
	struct netmap_ring *tx[3], *rx[3];
};

static bool hports_open(struct hports *h)
{
	static const char *names[3] = { "valef0:h0", "valef0:h10", "valef0:h12" };
	static const uint32_t lens[3] = { 0, 10, 12 };
	int i;

	for (i = 0; i < 3; i++) {
		if (!CHECK_ERR(nmt_port_open(&h->p[i], names[i],
					     NMT_OPTS(.flags = NR_ACCEPT_VNET_HDR)), 0,
			       "REGISTER %s", names[i]))
			return false;
		if (!CHECK_ERR(hdr_set(names[i], lens[i]), 0, "SET %u on %s", lens[i], names[i]))
			return false;
		h->tx[i] = nmt_tx(&h->p[i], 0);
		h->rx[i] = nmt_rx(&h->p[i], 0);
	}
	return true;
}

static void t_hdr_fwd(void)
{
	static uint8_t f[8192], g[8192];
	struct hports h;
	int len, i;
	uint32_t n;

	if (!hports_open(&h))
		return;
	/* 0 -> 10, 12: a zeroed header first. */
	n = ip_frame(f, 17, 40, 1);
	CHECK_ERR(send_bytes(&h.p[0], h.tx[0], f, n, 2048), 0, "send %u bytes from header 0", n);
	len = recv_frame(&h.p[1], h.rx[1], g, sizeof(g));
	CHECK(len == (int)n + 10 && !memcmp(g, "\0\0\0\0\0\0\0\0\0\0", 10) && !memcmp(g + 10, f, n),
	      "header 10 gets 10 zero bytes, then the frame (%d bytes)", len);
	len = recv_frame(&h.p[2], h.rx[2], g, sizeof(g));
	CHECK(len == (int)n + 12 && !memcmp(g, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) &&
	      !memcmp(g + 12, f, n), "header 12 gets 12 zero bytes, then the frame (%d)", len);
	/* 10 -> 12 padded, 10 -> 0 removed (no offload asked). */
	memset(g, 0, 10);
	g[2] = 0xaa;	/* hdr_len, gso_size, csum_*: unused without flags */
	g[4] = 0xbb;
	g[6] = 0xcc;
	g[8] = 0xdd;
	memcpy(g + 10, f, n);
	CHECK_ERR(send_bytes(&h.p[1], h.tx[1], g, n + 10, 2048), 0, "send from header 10");
	len = recv_frame(&h.p[2], h.rx[2], f + 4096, 4096);
	CHECK(len == (int)n + 12 && !memcmp(f + 4096, g, 10) && !f[4096 + 10] && !f[4096 + 11] &&
	      !memcmp(f + 4096 + 12, f, n), "10 -> 12: the 10 bytes, 2 zeros, the frame (%d)", len);
	len = recv_frame(&h.p[0], h.rx[0], f + 4096, 4096);
	CHECK(len == (int)n && !memcmp(f + 4096, f, n), "10 -> 0: header removed (%d)", len);
	/* 12 -> 10: the first 10 bytes. */
	memset(g, 0x5c, 12);
	g[0] = 0;
	g[1] = 0;
	memcpy(g + 12, f, n);
	CHECK_ERR(send_bytes(&h.p[2], h.tx[2], g, n + 12, 2048), 0, "send from header 12");
	len = recv_frame(&h.p[1], h.rx[1], f + 4096, 4096);
	CHECK(len == (int)n + 10 && !memcmp(f + 4096, g, 10) && !memcmp(f + 4096 + 10, f, n),
	      "12 -> 10: the first 10 bytes, the frame (%d)", len);
	len = recv_frame(&h.p[0], h.rx[0], f + 4096, 4096);
	CHECK(len == (int)n, "12 -> 0: header removed (%d)", len);
	/* NEEDS_CSUM: UDP checksum completed; sent in 60-byte slots. */
	n = ip_frame(g + 10, 17, 301, 2);
	memset(g, 0, 10);
	g[0] = 1;	/* VIRTIO_NET_HDR_F_NEEDS_CSUM */
	g[6] = 34;	/* csum_start */
	g[8] = 6;	/* csum_offset */
	{
		uint16_t ph = fold(sum16(g + 10 + 26, 8, 17 + 8 + 301));

		g[10 + 40] = (uint8_t)(ph >> 8);
		g[10 + 41] = (uint8_t)ph;
	}
	CHECK_ERR(send_bytes(&h.p[1], h.tx[1], g, n + 10, 60), 0, "send UDP with NEEDS_CSUM");
	len = recv_frame(&h.p[0], h.rx[0], f, sizeof(f));
	CHECK(len == (int)n && csums_ok(f, n), "header 0 gets it checksummed (%d)", len);
	len = recv_frame(&h.p[2], h.rx[2], f, sizeof(f));
	CHECK(len == (int)n + 12 && f[0] == 1 && f[6] == 34, "header 12 gets the offload asked");
	/* An unknown gso_type: dropped where the header is removed. */
	g[0] = 0;
	g[1] = 2;
	CHECK_ERR(send_bytes(&h.p[1], h.tx[1], g, n + 10, 2048), 0, "send gso_type 2");
	len = recv_frame(&h.p[2], h.rx[2], f, sizeof(f));
	CHECK(len == (int)n + 12, "header 12 gets it");
	CHECK(rx_idle(&h.p[0], h.rx[0]), "header 0: dropped");
	/* GSO TCPv4: 3000 bytes cut into frames of at most 1514. */
	n = ip_frame(g + 10, 6, 3000, 2);
	memset(g, 0, 10);
	g[0] = 1;
	g[1] = 1;	/* VIRTIO_NET_HDR_GSO_TCPV4 */
	g[2] = 54;	/* hdr_len */
	g[4] = 1448 & 0xff;
	g[5] = 1448 >> 8;
	g[6] = 34;
	g[8] = 16;
	CHECK_ERR(send_bytes(&h.p[1], h.tx[1], g, n + 10, 2048), 0, "send a 3064-byte GSO TCPv4");
	for (i = 0; i < 3; i++) {
		const int want = i < 2 ? 1460 : 80;
		uint32_t seq;

		len = recv_frame(&h.p[0], h.rx[0], f, sizeof(f));
		if (!CHECK(len == 54 + want, "segment %d: %d bytes, want %d", i, len, 54 + want))
			break;
		seq = (uint32_t)f[38] << 24 | (uint32_t)f[39] << 16 | (uint32_t)f[40] << 8 | f[41];
		CHECK((f[16] << 8 | f[17]) == 40 + want && (f[18] << 8 | f[19]) == 0x1234 + i &&
		      seq == 0x10000000u + (uint32_t)i * 1460,
		      "segment %d: IP length, IP id, TCP seq (%x)", i, seq);
		CHECK(f[47] == (i == 2 ? 0x19 : i == 0 ? 0x90 : 0x10),
		      "segment %d: FIN/PSH last only, CWR first only (%#x)", i, f[47]);
		CHECK(csums_ok(f, (uint32_t)len), "segment %d: IP and TCP checksums", i);
		CHECK(!memcmp(f + 54, g + 10 + 54 + i * 1460, (size_t)want), "segment %d: payload", i);
	}
	CHECK(rx_idle(&h.p[0], h.rx[0]), "three segments, no more");
	len = recv_frame(&h.p[2], h.rx[2], f, sizeof(f));
	CHECK(len == (int)n + 12, "header 12 gets the GSO packet whole (%d)", len);
	for (i = 0; i < 3; i++)
		nmt_port_close(&h.p[i]);
}

/* ---- host rings ------------------------------------------------------------- */

/*
 * A frame from the stack to NIC (hr0 has 4 TX queues): an AF_PACKET send
 * that bypasses the qdisc from CPU @cpu, so the kernel picks TX queue
 * @cpu % 4 (packet_pick_tx_queue(): the CPU recorded as the queue, hr0
 * has no XPS map).
 */
static int stack_send(const uint8_t *f, size_t len, int cpu)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	int s = socket(AF_PACKET, SOCK_RAW, 0), err = 0, one = 1;
	cpu_set_t set, old;

	if (s < 0)
		return errno;
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) ||
	    setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		err = errno;
	sll.sll_ifindex = (int)if_nametoindex(NIC);
	if (!err && sendto(s, f, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len)
		err = errno;
	sched_setaffinity(0, sizeof(old), &old);
	close(s);
	return err;
}

/* The host RX ring (of 4) where the frame tagged @tag arrives on @p, or -1. */
static int host_rx_ring_of(struct nmt_port *p, uint8_t tag)
{
	struct netmap_if *ni = p->nifp;
	long long end = nmt_now_ms() + 2000;
	int found = -1;

	while (found < 0 && nmt_now_ms() < end) {
		unsigned i;

		nmt_rxsync(p->fd);
		for (i = 0; i < 4; i++) {
			struct netmap_ring *r = NETMAP_RXRING(ni, ni->ni_rx_rings + i);

			for (; !nm_ring_empty(r); r->head = r->cur = nm_ring_next(r, r->cur)) {
				uint8_t *d = (uint8_t *)NETMAP_BUF(r, r->slot[r->cur].buf_idx);

				if (d[11] == 0x45 && d[20] == tag)
					found = (int)i;
			}
		}
		if (found < 0)
			usleep(20000);
	}
	return found;
}

static int reg_host(struct nmt_port *p, uint32_t mode, uint16_t ringid, uint16_t htx, uint16_t hrx)
{
	struct nmreq_header h;
	struct nmreq_register r;
	int err;

	/* nmt_port_open has no host counts: build the request by hand. */
	nmt_reg_req(&h, &r, NIC, NMT_OPTS(.mode = mode, .ringid = ringid));
	r.nr_host_tx_rings = htx;
	r.nr_host_rx_rings = hrx;
	memset(p, 0, sizeof(*p));
	p->fd = nmt_open();
	if (p->fd < 0)
		return EBADF;
	err = nmt_ctrl(p->fd, &h);
	if (err) {
		close(p->fd);
		p->fd = -1;
		return err;
	}
	p->reg = r;
	p->mem = mmap(NULL, r.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->mem == MAP_FAILED) {
		err = errno;
		p->mem = NULL;
		nmt_port_close(p);
		return err;
	}
	p->memsize = r.nr_memsize;
	nmt_map_add(p->mem, p->memsize);
	p->nifp = NETMAP_IF(p->mem, r.nr_offset);
	return 0;
}

static void t_host_rings(void)
{
	struct nmreq_port_info_get info;
	struct nmt_port a, b, c;
	uint8_t f[64];
	int rx_fd, err;

	if (if_nametoindex(NIC) == 0)
		nmt_skip("no interface %s (abi-hdr.sh makes it)", NIC);
	if (!CHECK_ERR(reg_host(&a, NR_REG_NIC_SW, 0, 5, 4), 0, "REGISTER %s asking 5/4 host rings", NIC))
		return;
	CHECK(a.reg.nr_host_tx_rings == 5 && a.reg.nr_host_rx_rings == 4,
	      "5/4 written back (%u/%u)", a.reg.nr_host_tx_rings, a.reg.nr_host_rx_rings);
	if (CHECK_ERR(reg_host(&b, NR_REG_ALL_NIC, 0, 2, 2), 0, "second REGISTER asking 2/2")) {
		CHECK(b.reg.nr_host_tx_rings == 5 && b.reg.nr_host_rx_rings == 4,
		      "the bound adapter keeps 5/4 (%u/%u)", b.reg.nr_host_tx_rings,
		      b.reg.nr_host_rx_rings);
		nmt_port_close(&b);
	}
	CHECK_ERR(reg_host(&b, NR_REG_ONE_SW, 5, 0, 0), EINVAL, "ONE_SW ring 5 of 5/4: EINVAL");
	if (CHECK_ERR(reg_host(&b, NR_REG_ONE_SW, 4, 0, 0), 0, "ONE_SW ring 4 (TX 4, RX 0)")) {
		struct netmap_if *ni = b.nifp;

		if (CHECK(ni, "mapped")) {
			const uint32_t t0 = ni->ni_tx_rings, r0 = t0 + ni->ni_host_tx_rings + ni->ni_rx_rings;

			CHECK(ni->ni_host_tx_rings == 5 && ni->ni_host_rx_rings == 4,
			      "netmap_if: 5/4 host rings");
			CHECK(ni->ring_ofs[t0 + 4] && !ni->ring_ofs[t0 + 3] && ni->ring_ofs[r0] &&
			      !ni->ring_ofs[r0 + 1], "bound: host TX ring 4 and host RX ring 0 only");
			/* Host TX ring 4 into the stack: a packet socket on NIC sees it. */
			rx_fd = socket(AF_PACKET, SOCK_RAW, htons(ETYPE));
			if (CHECK(rx_fd >= 0, "packet socket")) {
				struct sockaddr_ll sll = { .sll_family = AF_PACKET,
							   .sll_protocol = htons(ETYPE),
							   .sll_ifindex = (int)if_nametoindex(NIC) };
				struct netmap_ring *tr = NETMAP_TXRING(ni, t0 + 4);
				struct pollfd pfd = { .fd = rx_fd, .events = POLLIN };
				uint8_t got[64];

				bind(rx_fd, (struct sockaddr *)&sll, sizeof(sll));
				memset(f, 0x4d, sizeof(f));
				memcpy(f, BCAST, 6);
				memcpy(f + 6, "\x02\0\0\0\0\x44", 6);
				f[12] = ETYPE >> 8;
				f[13] = ETYPE & 0xff;
				CHECK_ERR(send_bytes(&b, tr, f, 60, 2048), 0, "send on host TX ring 4");
				CHECK(poll(&pfd, 1, 2000) == 1 && recv(rx_fd, got, sizeof(got), 0) == 60 &&
				      got[20] == 0x4d, "the stack got the frame of host TX ring 4");
				close(rx_fd);
			}
		}
		nmt_port_close(&b);
	}
	/* What the stack sends on TX queue q arrives on host RX ring q % 4. */
	{
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		int cpu;

		for (cpu = 0; cpu < ncpu && cpu < 4; cpu++) {
			memset(f, 0x60 + cpu, sizeof(f));
			memcpy(f, BCAST, 6);
			memcpy(f + 6, "\x02\0\0\0\0\x45", 6);
			f[12] = ETYPE >> 8;
			f[13] = ETYPE & 0xff;
			err = stack_send(f, 60, cpu);
			if (!CHECK_ERR(err, 0, "AF_PACKET send on %s from CPU %d", NIC, cpu))
				break;
			CHECK_EQ(host_rx_ring_of(&a, (uint8_t)(0x60 + cpu)), cpu,
				 "sent on TX queue %d: host RX ring %d of 4", cpu, cpu);
		}
	}
	nmt_port_close(&a);
	/* Nobody bound: the next binder chooses. */
	if (CHECK_ERR(reg_host(&c, NR_REG_ONE_SW, 1, 2, 2), 0, "then 2/2 and ONE_SW ring 1")) {
		CHECK(c.reg.nr_host_tx_rings == 2 && c.reg.nr_host_rx_rings == 2, "2/2 (%u/%u)",
		      c.reg.nr_host_tx_rings, c.reg.nr_host_rx_rings);
		nmt_port_close(&c);
	}
	memset(&info, 0, sizeof(info));
	CHECK_ERR(nmt_port_info(NIC, &info), 0, "PORT_INFO_GET %s", NIC);
	CHECK(info.nr_host_tx_rings == 1 && info.nr_host_rx_rings == 1,
	      "back to 1/1 after the last user (%u/%u)", info.nr_host_tx_rings,
	      info.nr_host_rx_rings);
	memset(&info, 0, sizeof(info));
	info.nr_host_tx_rings = 3;
	info.nr_host_rx_rings = 2;
	CHECK_ERR(nmt_port_info(NIC, &info), 0, "PORT_INFO_GET asking 3/2");
	CHECK(info.nr_host_tx_rings == 3 && info.nr_host_rx_rings == 2, "3/2 (%u/%u)",
	      info.nr_host_tx_rings, info.nr_host_rx_rings);
}

/* ---- a persistent port on two switches -------------------------------------- */

static void t_double_attach(void)
{
	struct nmt_port x, y, v;
	struct netmap_ring *xt, *xr, *yt, *yr;
	uint8_t f[128], g[128];
	int len;

	delif("nmhd0");		/* left over by an earlier run */
	if (!CHECK_ERR(newif("nmhd0"), 0, "NEWIF nmhd0"))
		return;
	CHECK_ERR(attach("valeA1:nmhd0"), 0, "ATTACH valeA1:nmhd0");
	CHECK_ERR(attach("valeA1:nmhd0"), EBUSY, "ATTACH valeA1:nmhd0 again: EBUSY");
	if (CHECK_ERR(nmt_port_open(&v, "valeA1:nmhd0", NULL), 0, "REGISTER valeA1:nmhd0")) {
		CHECK_ERR(attach("valeB1:nmhd0"), EBUSY, "ATTACH vhdB while it is open: EBUSY");
		nmt_port_close(&v);
	}
	if (!CHECK_ERR(attach("valeB1:nmhd0"), 0, "ATTACH valeB1:nmhd0: a second switch"))
		goto out;
	CHECK_ERR(nmt_port_open(&v, "nmhd0", NULL), EBUSY, "REGISTER netmap:nmhd0: EBUSY");
	CHECK_ERR(nmt_port_open(&v, "valeA1:nmhd0", NULL), EBUSY, "REGISTER valeA1:nmhd0: EBUSY");
	CHECK_ERR(nmt_port_open(&v, "valeB1:nmhd0", NULL), EBUSY, "REGISTER valeB1:nmhd0: EBUSY");
	CHECK_ERR(attach("valeA1:nmhd0"), EBUSY, "ATTACH vhdA again: EBUSY");
	CHECK_ERR(attach("valeB1:nmhd0"), EBUSY, "ATTACH vhdB again: EBUSY");
	CHECK_ERR(attach("valeC1:nmhd0"), EBUSY, "ATTACH to a third switch: EBUSY");
	CHECK_ERR(detach("valeA1:nmhd0"), EBUSY, "DETACH of the first switch: EBUSY");
	CHECK_ERR(delif("nmhd0"), EBUSY, "DELIF: EBUSY");
	CHECK_ERR(hdr_set("valeA1:nmhd0", 10), EBUSY, "PORT_HDR_SET of the cable: EBUSY");
	/* A cable between the switches, both ways. */
	if (CHECK_ERR(nmt_port_open(&x, "valeA1:x", NULL), 0, "REGISTER valeA1:x") &&
	    CHECK_ERR(nmt_port_open(&y, "valeB1:y", NULL), 0, "REGISTER valeB1:y")) {
		xt = nmt_tx(&x, 0);
		xr = nmt_rx(&x, 0);
		yt = nmt_tx(&y, 0);
		yr = nmt_rx(&y, 0);
		memset(f, 0x31, sizeof(f));
		memcpy(f, BCAST, 6);
		memcpy(f + 6, "\x02\0\0\0\0\x71", 6);
		CHECK_ERR(send_bytes(&x, xt, f, 100, 2048), 0, "valeA1:x sends");
		len = recv_frame(&y, yr, g, sizeof(g));
		CHECK(len == 100 && !memcmp(g, f, 100), "valeB1:y gets it through nmhd0 (%d)", len);
		memset(f, 0x32, sizeof(f));
		memcpy(f, "\x02\0\0\0\0\x71", 6);	/* unicast to x, learned on B and A */
		memcpy(f + 6, "\x02\0\0\0\0\x72", 6);
		CHECK_ERR(send_bytes(&y, yt, f, 90, 2048), 0, "valeB1:y answers");
		len = recv_frame(&x, xr, g, sizeof(g));
		CHECK(len == 90 && !memcmp(g, f, 90), "valeA1:x gets the answer (%d)", len);
		nmt_port_close(&y);
		nmt_port_close(&x);
	}
	CHECK_ERR(detach("valeB1:nmhd0"), 0, "DETACH valeB1:nmhd0: the wrapper goes");
	if (CHECK_ERR(nmt_port_open(&v, "nmhd0", NULL), 0, "REGISTER netmap:nmhd0 works again"))
		nmt_port_close(&v);
	CHECK_ERR(detach("valeA1:nmhd0"), 0, "DETACH valeA1:nmhd0");
out:
	detach("valeB1:nmhd0");
	detach("valeA1:nmhd0");
	CHECK_ERR(delif("nmhd0"), 0, "DELIF nmhd0");
}

/* ---- option lists ----------------------------------------------------------- */

static void opt(struct nmreq_option *o, uint32_t type, const void *next)
{
	memset(o, 0, sizeof(*o));
	o->nro_reqtype = type;
	o->nro_status = 0xdead;
	o->nro_next = (uintptr_t)next;
}

/* REGISTER of @name with options @o and @flags on a fresh fd. */
static int reg_opts(const char *name, struct nmreq_option *o, uint64_t flags)
{
	struct nmreq_header h;
	struct nmreq_register r;
	int fd = nmt_open(), err;

	if (fd < 0)
		return EBADF;
	nmt_reg_req(&h, &r, name, NMT_OPTS(.flags = flags));
	h.nr_options = (uintptr_t)o;
	err = nmt_ctrl(fd, &h);
	close(fd);
	return err;
}

static void t_options(void)
{
	static struct nmreq_option many[100];
	static uint8_t evbuf[1024] __attribute__((aligned(8)));
	struct nmreq_opt_offsets a;
	struct nmreq_opt_sync_kloop_eventfds *ev = (void *)evbuf;
	size_t i;

	memset(&a, 0, sizeof(a));
	opt(&a.nro_opt, NETMAP_REQ_OPT_OFFSETS, &a);
	CHECK_ERR(reg_opts("valeo0:p", &a.nro_opt, 0), EINVAL,
		  "a list looping onto a known option: EINVAL at the duplicate");
	CHECK_ERR(a.nro_opt.nro_status, EINVAL, "its status EINVAL");
	for (i = 0; i < 99; i++)
		opt(&many[i], 1000 + (uint32_t)i, &many[i + 1]);
	memset(evbuf, 0, sizeof(evbuf));
	opt(&ev->nro_opt, NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS, NULL);
	ev->nro_opt.nro_size = 1000;
	many[98].nro_next = (uintptr_t)ev;
	CHECK_ERR(reg_opts("valeo0:p", &many[0], 0), EMSGSIZE,
		  "99 unknown options and a 1000-byte SYNC_KLOOP_EVENTFDS: EMSGSIZE");
	{
		struct nmreq_header h;
		struct nmreq_sync_kloop_start ks = { 0 };
		int fd = nmt_open();

		if (fd >= 0) {
			nmt_hdr(&h, NETMAP_REQ_SYNC_KLOOP_START, "valeo0:p", &ks);
			h.nr_options = (uintptr_t)&many[0];
			CHECK_ERR(nmt_ctrl(fd, &h), EMSGSIZE, "the same list on SYNC_KLOOP_START");
			close(fd);
		}
	}
	ev->nro_opt.nro_size = sizeof(*ev) + 2 * 8;
	CHECK(reg_opts("valeo0:p", &many[0], 0) != EMSGSIZE,
	      "with a 40-byte SYNC_KLOOP_EVENTFDS the list fits");
	CHECK_ERR(reg_opts("valeo0:p", NULL, 0x1000), 0, "nr_flags 0x1000 (legacy bit): ignored");
	CHECK_ERR(reg_opts("valeo0:p", NULL, 0x1000 | (1ULL << 40)), 0, "unknown high nr_flags bits");
}

static const struct nmt_test tests[] = {
	{ "hdr_req", t_hdr_req, "PORT_HDR_SET/GET: lengths, lookup, EIO without ACCEPT_VNET_HDR" },
	{ "hdr_fwd", t_hdr_fwd, "frames between header lengths 0, 10, 12: add, pad, cut, offloads" },
	{ "host_rings", t_host_rings, "host ring counts at REGISTER on a NIC" },
	{ "double_attach", t_double_attach, "a persistent port on two switches: a cable" },
	{ "options", t_options, "option lists: loop onto a known option, netmap's size budget" },
};

int main(int argc, char **argv)
{
	return nmt_main(tests, ARRAY_SIZE(tests), argc, argv, 30);
}
