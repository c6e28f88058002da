// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_abi_ext: netmap behaviours that applications rely on beyond the
 * basic ABI (tests/vm/guest/abi-ext.sh).
 *
 *  - copy monitors with the monitored port idle: a receiver that is bound
 *    but never syncs (no ioctl, no poll) on a pipe end, a VALE port and a
 *    NIC (veth nmxa -> nmxb): its /r monitor sees every frame as it
 *    arrives (on a pipe and on VALE already when the sender's txsync
 *    returns), the receiver still gets all of them when it finally reads;
 *    copy monitors have a region of their own, zero-copy ones share.
 *
 * Frames carry a sequence number and a tag (nmt_put()); only frames with
 * our tag count, so nothing else on the veth can fool a check.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nmt.h"

#define TAG_IDLE	0x1d1e0001u
#define FLEN(seq)	((uint16_t)(60 + (seq) % 200))

/*
 * Read every frame with @tag on the RX rings of @p from *seq on (in
 * order), give the slots back; returns how many, counts damaged ones in
 * *bad. Does not sync: the caller does.
 */
static unsigned read_tagged(struct nmt_port *p, uint32_t tag, uint32_t *seq, unsigned *bad)
{
	unsigned got = 0, i;

	for (i = 0; i < p->nifp->ni_rx_rings; i++) {
		struct netmap_ring *r = nmt_rx(p, i);

		while (r && !nm_ring_empty(r)) {
			uint32_t s = nmt_pkt_seq(r, r->cur);
			uint32_t t = 0;

			if (r->slot[r->cur].len >= 8)
				memcpy(&t, NETMAP_BUF(r, r->slot[r->cur].buf_idx) + 4, 4);
			if (t == tag) {
				if (!nmt_pkt_ok(r, r->cur, *seq, tag, FLEN(*seq)))
					(*bad)++;
				(*seq) = s + 1;
				got++;
			}
			nmt_consume(r, 1);
		}
	}
	return got;
}

/* Send @n tagged frames on @a from *seq on, syncing as the ring fills. */
static unsigned send_tagged(struct nmt_port *a, uint32_t *seq, unsigned n)
{
	struct netmap_ring *r = nmt_tx(a, 0);
	unsigned sent = 0, tries = 0;

	while (sent < n && tries++ < 100000) {
		while (sent < n && nmt_put(r, *seq, TAG_IDLE, FLEN(*seq))) {
			(*seq)++;
			sent++;
		}
		if (nmt_txsync(a->fd))
			break;
	}
	return sent;
}

/*
 * @b is bound and never synced until the end. @wait: frames arrive in
 * softirq (a NIC), so the monitor polls for them; otherwise each batch
 * must be in the monitor when the sender's txsync returns.
 */
static void idle_on(const char *an, const char *bn, bool wait)
{
	const unsigned N = 300, batch = 30;
	struct nmt_port a, b, m, z;
	uint32_t seq = 0, ms = 0, bs = 0;
	unsigned got = 0, bgot = 0, bad = 0, i;
	long long t0;

	if (!CHECK_ERR(nmt_port_open(&a, an, NULL), 0, "open %s", an))
		return;
	if (!CHECK_ERR(nmt_port_open(&b, bn, NULL), 0, "open %s", bn))
		goto out_a;
	if (!CHECK_ERR(nmt_port_open(&m, bn, NMT_OPTS(.flags = NR_MONITOR_RX)), 0, "%s/r", bn))
		goto out_b;
	CHECK(m.reg.nr_mem_id != b.reg.nr_mem_id, "%s/r: a region of its own (mem_id %u, port %u)",
	      bn, m.reg.nr_mem_id, b.reg.nr_mem_id);
	if (CHECK_ERR(nmt_port_open(&z, bn, NMT_OPTS(.flags = NR_ZCOPY_MON)), 0, "%s/z", bn)) {
		CHECK_EQ(z.reg.nr_mem_id, b.reg.nr_mem_id, "%s/z: the port's region", bn);
		nmt_port_close(&z);
	}
	for (i = 0; i < N / batch; i++) {
		CHECK_EQ(send_tagged(&a, &seq, batch), batch, "%s: batch %u sent", an, i);
		if (wait)
			continue;
		/* Copied on delivery: no sync of b, nor of the monitor's ring before. */
		nmt_rxsync(m.fd);
		got += read_tagged(&m, TAG_IDLE, &ms, &bad);
		CHECK_EQ(got, (i + 1) * batch, "%s/r after batch %u, %s idle", bn, i, bn);
	}
	for (t0 = nmt_now_ms(); got < N && nmt_now_ms() - t0 < 10000;) {
		struct pollfd pfd = { .fd = m.fd, .events = POLLIN };

		poll(&pfd, 1, 200);
		got += read_tagged(&m, TAG_IDLE, &ms, &bad);
	}
	CHECK_EQ(got, N, "%s/r saw every frame while %s was idle", bn, bn);
	CHECK_EQ(bad, 0, "%s/r: damaged or out-of-order frames", bn);
	/* The receiver, finally reading, gets them all too, intact. */
	bad = 0;
	nmt_rxsync(b.fd);
	bgot = read_tagged(&b, TAG_IDLE, &bs, &bad);
	nmt_rxsync(b.fd);
	CHECK(bgot == N && bad == 0, "%s got %u of %u frames (%u bad) after being idle", bn, bgot,
	      N, bad);
	nmt_note("%s -> %s: monitor %u, receiver %u", an, bn, got, bgot);
	nmt_port_close(&m);
out_b:
	nmt_port_close(&b);
out_a:
	nmt_port_close(&a);
}

static void t_mon_idle_pipe(void)
{
	idle_on("idle{1", "idle}1", false);
}

static void t_mon_idle_vale(void)
{
	idle_on("valeI:a", "valeI:b", false);
}

static void t_mon_idle_nic(void)
{
	if (access("/sys/class/net/nmxa", F_OK) || access("/sys/class/net/nmxb", F_OK))
		nmt_skip("no veth pair nmxa/nmxb");
	idle_on("nmxa", "nmxb", true);
}

static const struct nmt_test tests[] = {
	{ "mon_idle_pipe", t_mon_idle_pipe, "/r of an idle pipe end sees each frame on delivery" },
	{ "mon_idle_vale", t_mon_idle_vale, "/r of an idle VALE port sees each frame on delivery" },
	{ "mon_idle_nic", t_mon_idle_nic, "/r of an idle NIC port (veth) sees every frame" },
};

int main(int argc, char **argv)
{
	return nmt_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv, 60);
}
