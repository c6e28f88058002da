// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_nic - NIC ports (the emulated adapter) in the test VM; driven by
 * tests/vm/guest/nic.sh, which sets up veth pairs and network namespaces.
 *
 *   nm_nic responder IF IP SECS   answer ARP and ICMP echo for IP on netmap:IF
 *                                 (hardware rings), for SECS seconds or until killed
 *   nm_nic host IF SECS fwd|copy  transparent bridge between IF and its host
 *                                 stack, with NS_FORWARD (fwd) or by copying
 *                                 hw RX -> host TX and host RX -> hw TX (copy);
 *                                 prints "host_rx=N hw_rx=N"
 *   nm_nic count IF N             send N frames on hw TX ring 0, then receive for
 *                                 a second; check NETMAP_REQ_OPT_PORT_STATS
 *                                 against what was sent and received; prints
 *                                 "sent=N stats_tx=N"
 *   nm_nic hold IF SECS           keep netmap:IF* busy (send, receive) for SECS,
 *                                 surviving the interface's removal
 *   nm_nic bad IF                 modes, ring counts and illegal ring indexes
 *
 * Exit status 0 when every check passed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nmt.h"

static const uint8_t our_mac[6] = { 0x02, 0x6e, 0x6d, 0x00, 0x00, 0x02 };

static struct netmap_ring *host_tx(const struct nmt_port *p)
{
	return NETMAP_TXRING(p->nifp, p->nifp->ni_tx_rings);
}

static struct netmap_ring *host_rx(const struct nmt_port *p)
{
	return NETMAP_RXRING(p->nifp, p->nifp->ni_rx_rings);
}

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Build the answer to the frame @in into @out; its length, 0 if none. */
static unsigned answer(const uint8_t *in, unsigned len, uint8_t *out, uint32_t ip)
{
	if (len >= 42 && in[12] == 0x08 && in[13] == 0x06 && in[20] == 0 && in[21] == 1 &&
	    !memcmp(in + 38, &ip, 4)) {
		/* ARP request for ip: reply from our_mac. */
		memcpy(out, in + 6, 6);
		memcpy(out + 6, our_mac, 6);
		memcpy(out + 12, in + 12, 8);		/* type, htype, ptype, hlen, plen */
		out[21] = 2;
		memcpy(out + 22, our_mac, 6);
		memcpy(out + 28, &ip, 4);
		memcpy(out + 32, in + 22, 10);		/* their sha + spa */
		memset(out + 42, 0, 18);
		return 60;
	}
	if (len >= 42 && in[12] == 0x08 && in[13] == 0x00 && (in[14] >> 4) == 4 &&
	    in[23] == 1 && !memcmp(in + 30, &ip, 4)) {
		unsigned ihl = (in[14] & 0xf) * 4, icmp = 14 + ihl;

		if (len < icmp + 8 || in[icmp] != 8)
			return 0;
		memcpy(out, in, len);
		memcpy(out, in + 6, 6);
		memcpy(out + 6, our_mac, 6);
		memcpy(out + 26, in + 30, 4);		/* swap addresses: sum unchanged */
		memcpy(out + 30, in + 26, 4);
		out[icmp] = 0;
		out[icmp + 2] = out[icmp + 3] = 0;
		{
			uint16_t c = csum(out + icmp, len - icmp);

			out[icmp + 2] = c >> 8;
			out[icmp + 3] = c & 0xff;
		}
		return len;
	}
	return 0;
}

static int cmd_responder(const char *ifname, const char *ipstr, int secs)
{
	struct nmt_port p;
	char name[64];
	uint32_t ip;
	unsigned long arp = 0, icmp = 0, seen = 0;
	long long end = nmt_now_ms() + secs * 1000LL;
	struct netmap_ring *rx, *tx;

	if (inet_pton(AF_INET, ipstr, &ip) != 1)
		return 2;
	snprintf(name, sizeof(name), "%s", ifname);
	if (!CHECK_ERR(nmt_port_open(&p, name, NULL), 0, "register %s", name))
		return 1;
	rx = nmt_rx(&p, 0);
	tx = nmt_tx(&p, 0);
	printf("responder on %s for %s: %u rx / %u tx slots\n", name, ipstr, rx->num_slots,
	       tx->num_slots);
	fflush(stdout);
	while (nmt_now_ms() < end) {
		struct pollfd pfd = { .fd = p.fd, .events = POLLIN };

		if (poll(&pfd, 1, 100) < 0)
			break;
		while (!nm_ring_empty(rx)) {
			uint32_t i = rx->cur;
			const uint8_t *in = (const uint8_t *)NETMAP_BUF(rx, rx->slot[i].buf_idx);
			unsigned len = rx->slot[i].len, olen;

			seen++;
			if (!nm_ring_space(tx))
				nmt_txsync(p.fd);
			if (nm_ring_space(tx)) {
				uint32_t t = tx->cur;
				uint8_t *out = (uint8_t *)NETMAP_BUF(tx, tx->slot[t].buf_idx);

				olen = answer(in, len, out, ip);
				if (olen) {
					if (in[12] == 0x08 && in[13] == 0x06)
						arp++;
					else
						icmp++;
					tx->slot[t].len = olen;
					tx->head = tx->cur = nm_ring_next(tx, t);
				}
			}
			rx->head = rx->cur = nm_ring_next(rx, i);
		}
		nmt_txsync(p.fd);
	}
	printf("responder: seen=%lu arp=%lu icmp=%lu\n", seen, arp, icmp);
	nmt_port_close(&p);
	return 0;
}

/* Move everything from @rx to @tx (copy), or mark it NS_FORWARD. Count. */
static unsigned pass_on(struct netmap_ring *rx, struct netmap_ring *tx, bool fwd)
{
	unsigned n = 0;

	while (!nm_ring_empty(rx)) {
		uint32_t i = rx->cur;

		if (fwd) {
			rx->slot[i].flags |= NS_FORWARD;
		} else if (nm_ring_space(tx)) {
			uint32_t t = tx->cur;

			memcpy(NETMAP_BUF(tx, tx->slot[t].buf_idx),
			       NETMAP_BUF(rx, rx->slot[i].buf_idx), rx->slot[i].len);
			tx->slot[t].len = rx->slot[i].len;
			tx->head = tx->cur = nm_ring_next(tx, t);
		}
		rx->head = rx->cur = nm_ring_next(rx, i);
		n++;
	}
	return n;
}

static int cmd_host(const char *ifname, int secs, bool fwd)
{
	struct nmt_port p;
	unsigned long hrx = 0, hwrx = 0;
	long long end = nmt_now_ms() + secs * 1000LL;

	if (!CHECK_ERR(nmt_port_open(&p, ifname, NMT_OPTS(.mode = NR_REG_NIC_SW)), 0,
		       "register %s*", ifname))
		return 1;
	CHECK_EQ(p.reg.nr_host_rx_rings, 1, "one host RX ring");
	CHECK(host_rx(&p) && host_tx(&p) && nmt_rx(&p, 0) && nmt_tx(&p, 0), "all four rings bound");
	if (fwd) {
		host_rx(&p)->flags |= NR_FORWARD;
		nmt_rx(&p, 0)->flags |= NR_FORWARD;
	}
	printf("host bridge on %s (%s)\n", ifname, fwd ? "NS_FORWARD" : "copy");
	fflush(stdout);
	while (nmt_now_ms() < end) {
		struct pollfd pfd = { .fd = p.fd, .events = POLLIN };

		if (poll(&pfd, 1, 100) < 0)
			break;
		hrx += pass_on(host_rx(&p), nmt_tx(&p, 0), fwd);	/* stack -> wire */
		hwrx += pass_on(nmt_rx(&p, 0), host_tx(&p), fwd);	/* wire -> stack */
		nmt_txsync(p.fd);
		nmt_rxsync(p.fd);	/* gives back (and forwards) what we released */
	}
	printf("host_rx=%lu hw_rx=%lu\n", hrx, hwrx);
	CHECK(hrx > 0, "frames from the stack on the host RX ring");
	CHECK(hwrx > 0, "frames from the wire on the hardware RX ring");
	nmt_port_close(&p);
	return nmt_checks_failed ? 1 : 0;
}

/* PORT_INFO_GET of @name with NETMAP_REQ_OPT_PORT_STATS. */
static int port_stats(const char *name, struct nmreq_opt_port_stats *st)
{
	struct nmreq_port_info_get info;
	struct nmreq_header h;
	int fd = nmt_open(), err;

	if (fd < 0)
		return EBADF;
	memset(&info, 0, sizeof(info));
	memset(st, 0, sizeof(*st));
	st->nro_opt.nro_reqtype = NETMAP_REQ_OPT_PORT_STATS;
	st->nro_opt.nro_size = sizeof(*st);
	nmt_hdr(&h, NETMAP_REQ_PORT_INFO_GET, name, &info);
	h.nr_options = (uintptr_t)st;
	err = nmt_ctrl(fd, &h);
	close(fd);
	if (!err)
		err = st->nro_opt.nro_status;
	return err;
}

static int cmd_count(const char *ifname, unsigned n)
{
	struct nmreq_opt_port_stats st;
	struct nmt_port p;
	struct netmap_ring *tx, *rx;
	unsigned sent = 0, received = 0;
	uint32_t seq = 0;
	long long end;

	if (!CHECK_ERR(nmt_port_open(&p, ifname, NULL), 0, "register %s", ifname))
		return 1;
	tx = nmt_tx(&p, 0);
	rx = nmt_rx(&p, 0);
	while (sent < n) {
		unsigned k = 0;

		while (sent < n && k < 64 && nm_ring_space(tx)) {
			uint32_t i = tx->cur;
			uint8_t *b = (uint8_t *)NETMAP_BUF(tx, tx->slot[i].buf_idx);

			memset(b, 0xff, 6);
			memcpy(b + 6, our_mac, 6);
			b[12] = 0x88;
			b[13] = 0xb5;
			memset(b + 14, 0, 46);
			memcpy(b + 14, &seq, 4);
			seq++;
			tx->slot[i].len = 60;
			tx->head = tx->cur = nm_ring_next(tx, i);
			sent++;
			k++;
		}
		CHECK_ERR(nmt_txsync(p.fd), 0, "txsync");
		usleep(2000);	/* stay under the peer's backlog */
	}
	/*
	 * A frame of three slots (NS_MOREFRAG), split over two syncs: a NIC
	 * sends one slot per frame, so the whole chain is dropped and counted
	 * once in tx_errors; no piece may reach the peer (nic.sh counts).
	 */
	for (unsigned part = 0; part < 3; part++) {
		uint32_t i = tx->cur;

		memset(NETMAP_BUF(tx, tx->slot[i].buf_idx), 0xff, 60);
		tx->slot[i].len = 60;
		tx->slot[i].flags = part < 2 ? NS_MOREFRAG : 0;
		tx->head = tx->cur = nm_ring_next(tx, i);
		if (part != 0)
			CHECK_ERR(nmt_txsync(p.fd), 0, "txsync of chain part %u", part);
	}
	/* Receive for a second: whatever the peer sends. */
	end = nmt_now_ms() + 1000;
	while (nmt_now_ms() < end) {
		struct pollfd pfd = { .fd = p.fd, .events = POLLIN };

		poll(&pfd, 1, 100);
		while (!nm_ring_empty(rx)) {
			received++;
			rx->head = rx->cur = nm_ring_next(rx, rx->cur);
		}
	}
	nmt_rxsync(p.fd);
	if (CHECK_ERR(port_stats(ifname, &st), 0, "PORT_STATS of %s", ifname)) {
		CHECK_EQ(st.tx_packets, sent, "stats tx_packets = frames sent");
		CHECK_EQ(st.tx_bytes, 60ULL * sent, "stats tx_bytes");
		CHECK_EQ(st.tx_errors, 1, "stats tx_errors: the dropped 3-slot chain, once");
		CHECK_EQ(st.rx_packets, received, "stats rx_packets = frames received");
		CHECK_EQ(st.rx_drops, 0, "stats rx_drops");
	}
	printf("sent=%u stats_tx=%llu received=%u stats_rx=%llu\n", sent,
	       (unsigned long long)st.tx_packets, received, (unsigned long long)st.rx_packets);
	nmt_port_close(&p);
	return nmt_checks_failed ? 1 : 0;
}

static int cmd_hold(const char *ifname, int secs)
{
	struct nmt_port p;
	long long end = nmt_now_ms() + secs * 1000LL;
	unsigned long syncs = 0;
	uint32_t seq = 0;

	if (!CHECK_ERR(nmt_port_open(&p, ifname, NMT_OPTS(.mode = NR_REG_NIC_SW)), 0,
		       "register %s*", ifname))
		return 1;
	printf("holding %s\n", ifname);
	fflush(stdout);
	while (nmt_now_ms() < end) {
		struct netmap_ring *tx = nmt_tx(&p, 0), *rx = nmt_rx(&p, 0);
		struct pollfd pfd = { .fd = p.fd, .events = POLLIN };

		while (nm_ring_space(tx) > 1 && (seq & 63) != 63) {
			uint8_t *b = (uint8_t *)NETMAP_BUF(tx, tx->slot[tx->cur].buf_idx);

			memset(b, 0xff, 6);
			memcpy(b + 6, our_mac, 6);
			b[12] = 0x88;
			b[13] = 0xb5;
			tx->slot[tx->cur].len = 60;
			tx->head = tx->cur = nm_ring_next(tx, tx->cur);
			seq++;
		}
		seq++;
		nmt_consume(rx, nm_ring_space(rx));
		nmt_consume(host_rx(&p), nm_ring_space(host_rx(&p)));
		poll(&pfd, 1, 10);
		nmt_txsync(p.fd);
		syncs++;
	}
	printf("hold: %lu rounds, %u frames\n", syncs, seq);
	CHECK(syncs > 0, "syncs ran");
	nmt_port_close(&p);
	return nmt_checks_failed ? 1 : 0;
}

static int cmd_bad(const char *ifname)
{
	struct nmreq_port_info_get info;
	struct nmt_port p;
	struct netmap_ring *r;
	uint32_t n, bad;

	/* Geometry. */
	memset(&info, 0, sizeof(info));
	if (CHECK_ERR(nmt_port_info(ifname, &info), 0, "PORT_INFO_GET %s", ifname)) {
		CHECK_EQ(info.nr_mem_id, 1, "NIC in the global region");
		CHECK_EQ(info.nr_tx_rings, nmt_param("generic_rings"), "tx rings = generic_rings");
		CHECK_EQ(info.nr_host_tx_rings, 1, "one host TX ring");
		CHECK_EQ(info.nr_host_rx_rings, 1, "one host RX ring");
		CHECK_EQ(info.nr_rx_slots, nmt_param("generic_ringsize"), "slots = generic_ringsize");
	}
	CHECK_ERR(nmt_port_info("lo", &info), EOPNOTSUPP, "loopback is not a NIC");
	CHECK_ERR(nmt_port_info("nosuchif0", &info), ENXIO, "unknown interface");

	/* Modes. */
	CHECK_ERR(nmt_port_open(&p, ifname, NMT_OPTS(.mode = NR_REG_ONE_NIC, .ringid = 1)),
		  EINVAL, "ONE_NIC ring 1 of 1");
	CHECK_ERR(nmt_port_open(&p, ifname, NMT_OPTS(.mode = NR_REG_ONE_SW, .ringid = 1)),
		  EINVAL, "ONE_SW ring 1 of 1");
	if (CHECK_ERR(nmt_port_open(&p, ifname, NMT_OPTS(.mode = NR_REG_SW)), 0, "SW mode")) {
		CHECK(!nmt_tx(&p, 0) && !nmt_rx(&p, 0), "SW: hardware rings not bound");
		CHECK(host_tx(&p) && host_rx(&p), "SW: host rings bound");
		nmt_port_close(&p);
	}
	if (CHECK_ERR(nmt_port_open(&p, ifname, NMT_OPTS(.mode = NR_REG_ONE_SW, .ringid = 0)),
		      0, "ONE_SW 0")) {
		CHECK(host_rx(&p) && !nmt_rx(&p, 0), "ONE_SW: host ring only");
		nmt_port_close(&p);
	}
	if (!CHECK_ERR(nmt_port_open(&p, ifname, NMT_OPTS(.mode = NR_REG_NIC_SW)), 0, "NIC_SW"))
		return 1;
	CHECK_ERR(nmt_port_open(&(struct nmt_port){ .fd = -1 }, ifname,
				NMT_OPTS(.flags = NR_EXCLUSIVE)), EBUSY, "exclusive while in use");

	/* Illegal indexes on every kind of ring: EINVAL, and the ring is usable after. */
	r = nmt_tx(&p, 0);
	n = r->num_slots;
	r->head = r->cur = n + 5;
	CHECK_ERR(nmt_txsync(p.fd), EINVAL, "hw TX head beyond the ring");
	CHECK_EQ(r->head, 0, "hw TX head restored");
	CHECK_ERR(nmt_txsync(p.fd), 0, "next txsync works");
	r = host_tx(&p);
	r->cur = r->head = 0xffffffffu;
	CHECK_ERR(nmt_txsync(p.fd), EINVAL, "host TX head 0xffffffff");
	CHECK_ERR(nmt_txsync(p.fd), 0, "next txsync works");
	r = nmt_rx(&p, 0);
	r->head = r->cur = r->tail + 3 < n ? r->tail + 3 : 1;
	CHECK_ERR(nmt_rxsync(p.fd), EINVAL, "hw RX head beyond tail");
	r = host_rx(&p);
	r->cur = n;
	CHECK_ERR(nmt_rxsync(p.fd), EINVAL, "host RX cur = num_slots");
	CHECK_ERR(nmt_rxsync(p.fd), 0, "next rxsync works");

	/* Bad slots: the sync stops there with EINVAL. */
	r = nmt_tx(&p, 0);
	bad = r->cur;
	r->slot[bad].buf_idx = 0xfffffff0u;
	r->slot[bad].len = 60;
	r->head = r->cur = nm_ring_next(r, bad);
	CHECK_ERR(nmt_txsync(p.fd), EINVAL, "hw TX slot with a bad buf_idx");
	CHECK_EQ(r->head, bad, "head back at the bad slot");
	r->slot[r->head].buf_idx = 1;
	r->slot[r->head].len = 60;
	r->head = r->cur = nm_ring_next(r, r->head);
	CHECK_ERR(nmt_txsync(p.fd), EINVAL, "hw TX slot with reserved buffer 1");
	r = host_tx(&p);
	r->slot[r->cur].len = 5000;
	r->head = r->cur = nm_ring_next(r, r->cur);
	CHECK_ERR(nmt_txsync(p.fd), EINVAL, "host TX slot longer than a buffer");
	nmt_port_close(&p);
	printf("bad: %u checks passed, %u failed\n", nmt_checks_ok, nmt_checks_failed);
	return nmt_checks_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && !strcmp(argv[1], "responder"))
		return cmd_responder(argv[2], argv[3], atoi(argv[4]));
	if (argc >= 5 && !strcmp(argv[1], "host"))
		return cmd_host(argv[2], atoi(argv[3]), !strcmp(argv[4], "fwd"));
	if (argc >= 4 && !strcmp(argv[1], "count"))
		return cmd_count(argv[2], (unsigned)atoi(argv[3]));
	if (argc >= 4 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv[2], atoi(argv[3]));
	if (argc >= 3 && !strcmp(argv[1], "bad"))
		return cmd_bad(argv[2]);
	fprintf(stderr, "usage: nm_nic responder IF IP SECS | host IF SECS fwd|copy | count IF N |\n"
			"              hold IF SECS | bad IF\n");
	return 2;
}
