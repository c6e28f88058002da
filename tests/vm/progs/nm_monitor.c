// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_monitor - tests of netmap monitors (issue 5; NETMAP-ABI §2, §6 step 2,
 * §8): copy monitors /t /r /rt and zero-copy /z on the two ends of a pipe
 * and on two ports of a VALE switch. A pair A, B exchanges frames of known
 * content (Ethernet broadcast header, a sequence number, a tag saying the
 * direction, a pattern); every frame a monitor gets is checked byte by byte
 * and counted per direction; NS_TXMON must be set exactly on what the
 * monitored port sent. Also: several monitors of one ring at once, zero-copy
 * frames arrive only after release, errors (port not in netmap mode,
 * monitor of a monitor, host-ring modes, a second /z), closing the
 * monitored port under an open monitor, and a monitor that never reads
 * (its drops, reported in the kernel log when it closes, and the pair's
 * counts and rate).
 *
 *   nm_monitor [-v] [-l] [NAME...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nmt.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define TAG_AB		0xab	/* A -> B */
#define TAG_BA		0xba	/* B -> A */
#define HDR		22	/* dst, src, ethertype 0x88b5, seq @14, tag @18 */

/* Rate measurements fill and check only the header (the rest is the test's own cost). */
static bool light;

/* ---- frames ------------------------------------------------------------ */

static uint16_t flen(uint32_t seq)
{
	return 60 + (seq * 37) % 1455;		/* 60 .. 1514 */
}

static uint8_t pat(uint32_t seq, uint32_t tag, unsigned k)
{
	return (uint8_t)(seq * 7 + tag + k * 13);
}

static void frame_fill(uint8_t *b, uint32_t seq, uint32_t tag, uint16_t len)
{
	unsigned k;

	memset(b, 0xff, 6);			/* broadcast: VALE floods it */
	b[6] = 0x02; b[7] = 0; b[8] = 0; b[9] = 0; b[10] = 0; b[11] = (uint8_t)tag;
	b[12] = 0x88;				/* local experimental ethertype */
	b[13] = 0xb5;
	memcpy(b + 14, &seq, 4);
	memcpy(b + 18, &tag, 4);
	if (light)
		return;
	for (k = HDR; k < len; k++)
		b[k] = pat(seq, tag, k);
}

/* The frame in @b is intact: its tag and seq in *tag, *seq. */
static bool frame_ok(const uint8_t *b, uint16_t len, uint32_t *seq, uint32_t *tag)
{
	unsigned k;

	if (len < HDR)
		return false;
	memcpy(seq, b + 14, 4);
	memcpy(tag, b + 18, 4);
	if ((*tag != TAG_AB && *tag != TAG_BA) || len != flen(*seq) || b[11] != (uint8_t)*tag ||
	    b[12] != 0x88 || b[13] != 0xb5)
		return false;
	if (light)
		return true;
	for (k = HDR; k < len; k++)
		if (b[k] != pat(*seq, *tag, k))
			return false;
	return true;
}

/* ---- counting what a port or a monitor received ------------------------ */

struct tally {
	unsigned n[2];		/* frames per direction: [0] A->B, [1] B->A */
	uint64_t bytes[2];
	uint32_t next[2];	/* expected seq per direction */
	unsigned bad;		/* content, order or length wrong */
	unsigned txmon_wrong;	/* NS_TXMON where it should not be, or missing */
	unsigned txmon;		/* frames with NS_TXMON */
	unsigned foreign;	/* not ours (a NIC may see the stack's frames) */
};

static int dir_of(uint32_t tag)
{
	return tag == TAG_AB ? 0 : 1;
}

/*
 * Read every RX ring of @p: check each frame, count it in @t and give the
 * slots back. @txmon_tag: frames with this tag must carry NS_TXMON, the
 * others must not (0: no frame may carry it).
 */
static unsigned drain(struct nmt_port *p, struct tally *t, uint32_t txmon_tag)
{
	unsigned got = 0, i;

	nmt_rxsync(p->fd);
	for (i = 0; i < p->nifp->ni_rx_rings; i++) {
		struct netmap_ring *r = nmt_rx(p, i);

		if (!r)
			continue;
		while (!nm_ring_empty(r)) {
			struct netmap_slot *s = &r->slot[r->cur];
			uint32_t seq, tag;
			const uint8_t *fb = nmt_buf_ok(p, r, s->buf_idx) ?
					    (const uint8_t *)NETMAP_BUF(r, s->buf_idx) : NULL;
			int d;

			if (fb && s->len >= 12 && memcmp(fb + 6, "\x02\0\0\0\0", 5)) {
				t->foreign++;
			} else if (!fb ||
			    !frame_ok((uint8_t *)NETMAP_BUF(r, s->buf_idx), s->len, &seq, &tag)) {
				t->bad++;
			} else {
				d = dir_of(tag);
				if (seq != t->next[d])
					t->bad++;
				t->next[d] = seq + 1;
				t->n[d]++;
				t->bytes[d] += s->len;
				if (s->flags & NS_TXMON)
					t->txmon++;
				if (!!(s->flags & NS_TXMON) != (txmon_tag && tag == txmon_tag))
					t->txmon_wrong++;
			}
			r->head = r->cur = nm_ring_next(r, r->cur);
			got++;
		}
	}
	nmt_rxsync(p->fd);
	return got;
}

/* Queue up to @n frames on TX ring 0 of @p (seq from *seq on) and txsync. */
static unsigned send_some(struct nmt_port *p, uint32_t *seq, uint32_t tag, unsigned n,
			  uint64_t *bytes)
{
	struct netmap_ring *r = nmt_tx(p, 0);
	unsigned done = 0;

	while (done < n && !nm_ring_empty(r)) {
		struct netmap_slot *s = &r->slot[r->cur];
		uint16_t len = flen(*seq);

		if (!nmt_buf_ok(p, r, s->buf_idx)) {
			CHECK(0, "tx slot %u has bad buf_idx %u", r->cur, s->buf_idx);
			break;
		}
		frame_fill((uint8_t *)NETMAP_BUF(r, s->buf_idx), *seq, tag, len);
		s->len = len;
		s->flags = 0;
		r->head = r->cur = nm_ring_next(r, r->cur);
		if (bytes)
			*bytes += len;
		(*seq)++;
		done++;
	}
	nmt_txsync(p->fd);
	return done;
}

struct mon {
	struct nmt_port p;
	struct tally t;
	uint32_t txmon_tag;	/* the tag of what the monitored port sends */
	bool stuck;		/* never reads */
};

/*
 * @src sends @n frames with @tag to @dst, in batches of @batch; @dst reads
 * and checks them (tally @rt); the monitors are drained after each batch.
 */
static void flow(struct nmt_port *src, struct nmt_port *dst, uint32_t tag, unsigned n,
		 unsigned batch, uint32_t *seq, struct tally *rt, struct mon *m, int nm)
{
	unsigned sent = 0, rounds = 0, got0 = rt->n[dir_of(tag)];
	int i;

	while ((sent < n || rt->n[dir_of(tag)] - got0 < n) && rounds++ < 100000) {
		if (sent < n)
			sent += send_some(src, seq, tag, n - sent < batch ? n - sent : batch, NULL);
		drain(dst, rt, 0);
		nmt_txsync(src->fd);	/* takes back what dst released */
		for (i = 0; i < nm; i++)
			if (!m[i].stuck)
				drain(&m[i].p, &m[i].t, m[i].txmon_tag);
	}
	CHECK_EQ(rt->n[dir_of(tag)] - got0, n, "frames %s received", tag == TAG_AB ? "A->B" : "B->A");
	for (i = 0; i < nm; i++)
		if (!m[i].stuck)
			drain(&m[i].p, &m[i].t, m[i].txmon_tag);
}

static uint64_t bytes_of(uint32_t from, uint32_t n)
{
	uint64_t b = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		b += flen(from + i);
	return b;
}

static bool open_mon(struct mon *m, const char *name, uint64_t flags, uint32_t txmon_tag)
{
	memset(m, 0, sizeof(*m));
	m->txmon_tag = txmon_tag;
	return CHECK_ERR(nmt_port_open(&m->p, name, NMT_OPTS(.flags = flags)), 0,
			 "monitor %s flags %#" PRIx64, name, flags);
}

static int try_mon(const char *name, const struct nmt_reg_opts *o)
{
	struct nmt_port p;
	int err = nmt_port_open(&p, name, o);

	nmt_port_close(&p);
	return err;
}

/* The kernel log line of a monitor's close (verbose=1): its counters. */
static bool mon_closed_stats(const char *mname, unsigned long long *frames,
			     unsigned long long *drops)
{
	char rec[2048], needle[128];
	bool found = false;
	int fd;

	snprintf(needle, sizeof(needle), "monitor %s closed: ", mname);
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return false;
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *at;

		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		at = strstr(rec, needle);
		if (at && sscanf(at + strlen(needle), "%llu frames, %*u bytes, %llu dropped",
				 frames, drops) == 2)
			found = true;
	}
	close(fd);
	return found;
}

/* ---- names of the pairs ------------------------------------------------ */

struct pairnames {
	const char *a, *b;
	bool pipe;
};
static const struct pairnames PIPE = { "mon{1", "mon}1", true };
static const struct pairnames VALE = { "valeM:a", "valeM:b", false };
/* A veth pair in netmap mode on both ends (monitor.sh creates it). */
static const struct pairnames NIC = { "nmva", "nmvb", false };

static void need_nic(void)
{
	if (access("/sys/class/net/nmva", F_OK) || access("/sys/class/net/nmvb", F_OK))
		nmt_skip("no veth pair nmva/nmvb");
}

static bool open_pair(const struct pairnames *pn, struct nmt_port *a, struct nmt_port *b)
{
	if (!CHECK_ERR(nmt_port_open(a, pn->a, NULL), 0, "open %s", pn->a))
		return false;
	return CHECK_ERR(nmt_port_open(b, pn->b, NULL), 0, "open %s", pn->b);
}

/* ---- subtests ---------------------------------------------------------- */

/*
 * /t and /rt on A, /r on B, all open at once (two monitors on A's TX ring);
 * A sends N to B, B sends M to A.
 */
static void copy_on(const struct pairnames *pn)
{
	const unsigned N = 3000, M = 700;
	struct nmt_port a, b;
	struct tally ta = { 0 }, tb = { 0 };
	struct mon m[3];
	uint32_t sab = 0, sba = 0;
	int i;

	if (!open_pair(pn, &a, &b))
		return;
	if (!open_mon(&m[0], pn->a, NR_MONITOR_TX, TAG_AB) ||
	    !open_mon(&m[1], pn->a, NR_MONITOR_TX | NR_MONITOR_RX, TAG_AB) ||
	    !open_mon(&m[2], pn->b, NR_MONITOR_RX, TAG_BA))
		return;
	CHECK(strstr(m[0].p.nifp->ni_name, "/t#") != NULL, "monitor name %s", m[0].p.nifp->ni_name);
	CHECK(strstr(m[1].p.nifp->ni_name, "/rt#") != NULL, "monitor name %s", m[1].p.nifp->ni_name);
	CHECK_EQ(m[0].p.reg.nr_tx_rings, 1, "a monitor has one tx ring");
	CHECK(m[0].p.reg.nr_mem_id != a.reg.nr_mem_id && m[1].p.reg.nr_mem_id != m[0].p.reg.nr_mem_id,
	      "a copy monitor has a region of its own (mem_id %u, port %u)", m[0].p.reg.nr_mem_id,
	      a.reg.nr_mem_id);

	flow(&a, &b, TAG_AB, N, 200, &sab, &tb, m, 3);
	flow(&b, &a, TAG_BA, M, 150, &sba, &ta, m, 3);

	CHECK(tb.bad == 0 && ta.bad == 0, "monitored traffic damaged: %u / %u bad", tb.bad, ta.bad);
	CHECK_EQ(tb.bytes[0], bytes_of(0, N), "bytes received by B");
	/* /t on A: every frame A sent, NS_TXMON, nothing else. */
	CHECK_EQ(m[0].t.n[0], N, "/t of A: frames A sent");
	CHECK_EQ(m[0].t.n[1], 0, "/t of A: frames A received");
	CHECK_EQ(m[0].t.bytes[0], bytes_of(0, N), "/t of A: bytes");
	CHECK_EQ(m[0].t.txmon, N, "/t of A: NS_TXMON on every copy");
	/* /rt on A: both directions. */
	CHECK_EQ(m[1].t.n[0], N, "/rt of A: frames A sent");
	CHECK_EQ(m[1].t.n[1], M, "/rt of A: frames A received");
	CHECK_EQ(m[1].t.bytes[0] + m[1].t.bytes[1], bytes_of(0, N) + bytes_of(0, M), "/rt of A: bytes");
	CHECK_EQ(m[1].t.txmon, N, "/rt of A: NS_TXMON exactly on the sent frames");
	/* /r on B: what B received, not what it sent. */
	CHECK_EQ(m[2].t.n[0], N, "/r of B: frames B received");
	CHECK_EQ(m[2].t.n[1], 0, "/r of B: frames B sent");
	CHECK_EQ(m[2].t.txmon, 0, "/r of B: no NS_TXMON");
	for (i = 0; i < 3; i++)
		CHECK(m[i].t.bad == 0 && m[i].t.txmon_wrong == 0,
		      "monitor %d: %u bad frames, %u wrong NS_TXMON", i, m[i].t.bad, m[i].t.txmon_wrong);
	nmt_note("%s: %u+%u frames; monitors saw %u, %u+%u, %u", pn->a, N, M, m[0].t.n[0],
		 m[1].t.n[0], m[1].t.n[1], m[2].t.n[0]);
	for (i = 0; i < 3; i++)
		nmt_port_close(&m[i].p);
	nmt_port_close(&a);
	nmt_port_close(&b);
}

static void t_copy_pipe(void)
{
	copy_on(&PIPE);
}

static void t_copy_vale(void)
{
	copy_on(&VALE);
}

static void t_copy_nic(void)
{
	need_nic();
	copy_on(&NIC);
}

/*
 * /z on A: A's sent frames arrive after their release (pipe: when B gives
 * them back; VALE: TX completion, i.e. the txsync itself), A's received
 * frames after A gives them back. B gets everything intact.
 */
static void zcopy_on(const struct pairnames *pn)
{
	const unsigned N = 2500, M = 600;
	struct nmt_port a, b;
	struct tally ta = { 0 }, tb = { 0 };
	struct mon mm[2];
	struct mon *const z = &mm[0], *const c = &mm[1];
	uint32_t sab = 0, sba = 0;
	unsigned got;

	if (!open_pair(pn, &a, &b))
		return;
	if (!open_mon(z, pn->a, NR_ZCOPY_MON, TAG_AB))
		return;
	CHECK((z->p.reg.nr_flags & (NR_MONITOR_TX | NR_MONITOR_RX)) ==
	      (NR_MONITOR_TX | NR_MONITOR_RX), "/z reports TX|RX in nr_flags (%#" PRIx64 ")",
	      (uint64_t)z->p.reg.nr_flags);
	CHECK(strstr(z->p.nifp->ni_name, "/z#") != NULL, "monitor name %s", z->p.nifp->ni_name);
	CHECK_EQ(z->p.reg.nr_mem_id, a.reg.nr_mem_id, "a zero-copy monitor shares its port's region");
	CHECK_ERR(try_mon(pn->a, NMT_OPTS(.flags = NR_ZCOPY_MON)), EBUSY, "a second /z of A");
	/* A copy monitor next to the zero-copy one. */
	if (!open_mon(c, pn->a, NR_MONITOR_TX | NR_MONITOR_RX, TAG_AB))
		return;

	/* Ten frames; B reads them but does not give them back yet. */
	CHECK_EQ(send_some(&a, &sab, TAG_AB, 10, NULL), 10, "queued 10");
	nmt_rxsync(b.fd);
	got = drain(&z->p, &z->t, TAG_AB);
	if (pn->pipe) {
		CHECK_EQ(got, 0, "pipe: /z has nothing before B releases");
		drain(&b, &tb, 0);		/* B consumes and gives back */
		got = drain(&z->p, &z->t, TAG_AB);
		/* The release is seen at B's rxsync; drain() ran it. */
		CHECK_EQ(got, 10, "pipe: /z gets the 10 frames once B released them");
	} else {
		CHECK_EQ(got, 10, "VALE/NIC: /z gets the 10 frames at TX completion");
		/* A NIC delivers in softirq: wait for them a little. */
		for (got = 0; tb.n[0] < 10 && got < 1000; got++)
			drain(&b, &tb, 0);
	}
	CHECK_EQ(tb.n[0], 10, "B got the first 10");

	flow(&a, &b, TAG_AB, N - 10, 200, &sab, &tb, mm, 2);
	flow(&b, &a, TAG_BA, M, 150, &sba, &ta, mm, 2);
	/* A gives back the last frames it received at its next sync. */
	nmt_rxsync(a.fd);
	drain(&z->p, &z->t, TAG_AB);
	drain(&c->p, &c->t, TAG_AB);

	CHECK(tb.bad == 0 && ta.bad == 0, "monitored traffic damaged: %u / %u bad", tb.bad, ta.bad);
	CHECK_EQ(tb.n[0], N, "B received everything");
	CHECK_EQ(ta.n[1], M, "A received everything");
	CHECK_EQ(z->t.n[0], N, "/z: frames A sent");
	CHECK_EQ(z->t.n[1], M, "/z: frames A received (after release)");
	CHECK_EQ(z->t.bytes[0], bytes_of(0, N), "/z: bytes sent");
	CHECK_EQ(z->t.txmon, N, "/z: NS_TXMON exactly on the sent frames");
	CHECK(z->t.bad == 0 && z->t.txmon_wrong == 0, "/z: %u bad, %u wrong NS_TXMON", z->t.bad,
	      z->t.txmon_wrong);
	CHECK_EQ(c->t.n[0] + c->t.n[1], N + M, "the copy monitor next to /z saw everything");
	CHECK(c->t.bad == 0, "copy monitor: %u bad frames", c->t.bad);
	nmt_port_close(&z->p);
	nmt_port_close(&c->p);
	/* A and B keep working without the monitors. */
	{
		uint32_t s2 = sab;

		flow(&a, &b, TAG_AB, 1500, 200, &s2, &tb, NULL, 0);
		CHECK(tb.bad == 0, "after the monitors closed: %u bad", tb.bad);
	}
	nmt_port_close(&a);
	nmt_port_close(&b);
}

static void t_zcopy_pipe(void)
{
	zcopy_on(&PIPE);
}

static void t_zcopy_vale(void)
{
	zcopy_on(&VALE);
}

static void t_zcopy_nic(void)
{
	need_nic();
	zcopy_on(&NIC);
}

static void t_errors(void)
{
	struct nmt_port a, b, p;
	struct mon m;
	char mname[64];

	/* No such port. */
	CHECK_ERR(try_mon("valeE:none", NMT_OPTS(.flags = NR_MONITOR_RX)), ENXIO,
		  "monitor of a VALE port that does not exist");
	/* A pipe end exists while the other is open, but nobody bound it. */
	if (!CHECK_ERR(nmt_port_open(&a, "err{1", NULL), 0, "open err{1"))
		return;
	CHECK_ERR(try_mon("err}1", NMT_OPTS(.flags = NR_MONITOR_RX)), EINVAL,
		  "monitor of a port not in netmap mode");
	/* Modes. */
	CHECK_ERR(try_mon("err{1", NMT_OPTS(.mode = NR_REG_SW, .flags = NR_MONITOR_RX)), EOPNOTSUPP,
		  "monitor of host rings");
	CHECK_ERR(try_mon("err{1", NMT_OPTS(.mode = NR_REG_ONE_NIC, .ringid = 3,
					    .flags = NR_MONITOR_RX)), EINVAL,
		  "monitor of ring 3 of a one-ring port");
	CHECK_ERR(try_mon("err{1", NMT_OPTS(.mode = NR_REG_ONE_NIC, .ringid = 0,
					    .flags = NR_MONITOR_RX)), 0,
		  "monitor of ring 0");
	/* Monitor of a monitor, by its internal name. */
	if (open_mon(&m, "err{1", NR_MONITOR_RX, 0)) {
		snprintf(mname, sizeof(mname), "%s", m.p.nifp->ni_name);
		CHECK(!strncmp(mname, "err{1/r#", 8), "monitor name %s", mname);
		CHECK_ERR(try_mon(mname, NMT_OPTS(.flags = NR_MONITOR_RX)), EINVAL,
			  "monitor of monitor %s", mname);
		CHECK_ERR(try_mon(mname, NMT_OPTS(.flags = NR_ZCOPY_MON)), EINVAL,
			  "zero-copy monitor of monitor %s", mname);
		nmt_port_close(&m.p);
	}
	/* Ring counts: max(parent tx, parent rx) RX rings, one TX ring. */
	if (CHECK_ERR(nmt_port_open(&b, "err2{2", NMT_OPTS(.tx_rings = 2, .rx_rings = 3)), 0,
		      "open err2{2 with 2/3 rings")) {
		if (CHECK_ERR(nmt_port_open(&p, "err2{2", NMT_OPTS(.flags = NR_MONITOR_TX)), 0,
			      "monitor of err2{2")) {
			CHECK_EQ(p.reg.nr_rx_rings, 3, "monitor rx rings = max(2, 3)");
			CHECK_EQ(p.reg.nr_tx_rings, 1, "monitor tx rings");
			nmt_port_close(&p);
		}
		nmt_port_close(&b);
	}
	/* A persistent-style check: a VALE port nobody bound is not monitorable. */
	nmt_port_close(&a);
	CHECK_ERR(try_mon("err{1", NMT_OPTS(.flags = NR_MONITOR_TX)), EINVAL,
		  "monitor after the port closed");
}

/*
 * The monitored port closes (and is reopened) under an open monitor: the
 * monitor gets nothing more, its fd keeps working and closes cleanly.
 */
static void close_parent_on(const struct pairnames *pn)
{
	struct nmt_port a, b;
	struct tally tb = { 0 }, ta = { 0 };
	struct mon m, z;
	uint32_t sab = 0, sba = 0;

	if (!open_pair(pn, &a, &b))
		return;
	if (!open_mon(&m, pn->a, NR_MONITOR_TX | NR_MONITOR_RX, TAG_AB) ||
	    !open_mon(&z, pn->b, NR_ZCOPY_MON, TAG_BA))
		return;
	flow(&a, &b, TAG_AB, 300, 100, &sab, &tb, &m, 1);
	drain(&z.p, &z.t, TAG_BA);
	CHECK_EQ(m.t.n[0], 300, "monitor saw the frames before the close");
	/* Frames in flight to B stay there while A closes; copied when sent. */
	CHECK_EQ(send_some(&a, &sab, TAG_AB, 50, NULL), 50, "50 more queued");
	CHECK_EQ(drain(&m.p, &m.t, TAG_AB), 50, "monitor got the 50 at send time");
	nmt_port_close(&a);
	CHECK_EQ(drain(&m.p, &m.t, TAG_AB), 0, "nothing after the parent closed");
	/* B gets what was in flight; closing B stops z. */
	drain(&b, &tb, 0);
	nmt_port_close(&b);
	drain(&z.p, &z.t, TAG_BA);
	/* Reopen both: the old monitors stay detached. */
	if (!open_pair(pn, &a, &b))
		return;
	flow(&a, &b, TAG_AB, 200, 100, &sab, &tb, NULL, 0);
	flow(&b, &a, TAG_BA, 100, 100, &sba, &ta, NULL, 0);
	CHECK_EQ(drain(&m.p, &m.t, TAG_AB), 0, "a monitor of the closed port stays detached");
	CHECK_EQ(drain(&z.p, &z.t, TAG_BA), 0, "a /z of the closed port stays detached");
	CHECK(tb.bad == 0 && ta.bad == 0, "traffic after reopening: %u / %u bad", tb.bad, ta.bad);
	CHECK_EQ(nmt_txsync(m.p.fd), 0, "txsync on the detached monitor");
	CHECK_EQ(nmt_rxsync(m.p.fd), 0, "rxsync on the detached monitor");
	nmt_port_close(&m.p);
	nmt_port_close(&z.p);
	nmt_port_close(&a);
	nmt_port_close(&b);
}

static void t_close_parent_pipe(void)
{
	close_parent_on(&PIPE);
}

static void t_close_parent_vale(void)
{
	close_parent_on(&VALE);
}

static double dmax(double a, double b)
{
	return a > b ? a : b;
}

/* Frames per second of @n frames A->B through the pair, with @m monitors. */
static double rate(struct nmt_port *a, struct nmt_port *b, unsigned n, uint32_t *seq,
		   struct tally *tb, struct mon *m, int nm)
{
	long long t0 = nmt_now_ms(), dt;

	flow(a, b, TAG_AB, n, 512, seq, tb, m, nm);
	dt = nmt_now_ms() - t0;
	return dt > 0 ? n * 1000.0 / dt : 0;
}

/*
 * A monitor that never reads: the pair's traffic and counts are intact,
 * the monitor takes one ring's worth and drops the rest (counted); the rates
 * with and without it are printed.
 */
static void stuck_on(const struct pairnames *pn)
{
	const unsigned N = 120000;	/* frames per rate run: N / 2 */
	struct nmt_port a, b;
	struct tally tb = { 0 };
	struct mon m;
	uint32_t seq = 0;
	unsigned long long frames = 0, drops = 0;
	double r0, r1;
	char mname[64];
	unsigned slots;
	long long verbose = nmt_param("verbose");
	int i;

	if (!open_pair(pn, &a, &b))
		return;
	/* Best of 3 runs each way: the VM's speed varies. */
	light = true;
	for (i = 0, r0 = 0; i < 3; i++)
		r0 = dmax(r0, rate(&a, &b, N / 2, &seq, &tb, NULL, 0));
	if (!open_mon(&m, pn->a, NR_MONITOR_TX, TAG_AB))
		return;
	m.stuck = true;
	m.t.next[0] = seq;		/* the first frame it can see */
	slots = m.p.reg.nr_rx_slots;
	snprintf(mname, sizeof(mname), "%s", m.p.nifp->ni_name);
	for (i = 0, r1 = 0; i < 3; i++)
		r1 = dmax(r1, rate(&a, &b, N / 2, &seq, &tb, &m, 1));
	CHECK_EQ(tb.n[0], 3 * N, "B got every frame");
	CHECK_EQ(tb.bad, 0, "B's frames intact");
	/*
	 * Printed, not asserted: a rate under TCG on a loaded host swings
	 * several times between runs. What is asserted is exact: the pair's
	 * frames all arrive intact and the monitor holds one ring, the rest
	 * counted as drops (below).
	 */
	printf("# %s: %.0f frames/s without monitor, %.0f with a monitor that never reads\n",
	       pn->a, r0, r1);
	/* What the monitor holds: the first slots - 1 frames, in order. */
	drain(&m.p, &m.t, TAG_AB);
	CHECK_EQ(m.t.n[0], slots - 1, "the monitor kept one ring of frames");
	CHECK_EQ(m.t.bad, 0, "and they are intact (headers, seq %u.. in order)", N);
	light = false;
	/* The kernel logs a monitor's counters when it closes, with verbose. */
	nmt_param_set("verbose", 1);
	nmt_port_close(&m.p);
	nmt_param_set("verbose", verbose < 0 ? 0 : verbose);
	CHECK(mon_closed_stats(mname, &frames, &drops), "kernel log line for %s", mname);
	CHECK_EQ(frames, slots - 1, "frames counted by the kernel");
	CHECK_EQ(drops, 3 * N / 2 - (slots - 1), "drops counted by the kernel");
	printf("# %s: monitor %s: %llu frames, %llu dropped\n", pn->a, mname, frames, drops);
	nmt_port_close(&a);
	nmt_port_close(&b);
}

static void t_stuck_pipe(void)
{
	stuck_on(&PIPE);
}

static void t_stuck_vale(void)
{
	stuck_on(&VALE);
}

/* Monitors come and go while the pair runs; nothing breaks. */
static void t_churn(void)
{
	struct nmt_port a, b;
	struct tally tb = { 0 };
	uint32_t seq = 0;
	int i;

	if (!open_pair(&VALE, &a, &b))
		return;
	for (i = 0; i < 40; i++) {
		struct mon m[2];
		int nm = 0;

		if (open_mon(&m[0], VALE.a, i % 3 == 2 ? NR_ZCOPY_MON : NR_MONITOR_TX, TAG_AB))
			nm++;
		if (i % 2 && open_mon(&m[nm], VALE.b, NR_MONITOR_RX, TAG_BA))
			nm++;
		flow(&a, &b, TAG_AB, 500, 200, &seq, &tb, m, nm);
		if (nm)
			CHECK_EQ(m[0].t.n[0], 500, "round %d: monitor of A saw every frame", i);
		while (nm-- > 0)
			nmt_port_close(&m[nm].p);
	}
	CHECK_EQ(tb.n[0], 40 * 500, "B got every frame");
	CHECK_EQ(tb.bad, 0, "intact");
	nmt_port_close(&a);
	nmt_port_close(&b);
}

/*
 * Monitors attach and detach while another process runs traffic through
 * the pair: the wrapper's set changes under running syncs (RCU). The
 * traffic stays intact; every monitor sees frames in order.
 */
static void concurrent_on(const struct pairnames *pn)
{
	struct tally tz = { 0 };
	pid_t pid;
	int status, i, opened = 0;
	long long t0;

	pid = fork();
	if (pid == 0) {
		struct nmt_port a, b;
		struct tally tb = { 0 };
		uint32_t seq = 0;

		if (nmt_port_open(&a, pn->a, NULL) || nmt_port_open(&b, pn->b, NULL))
			_exit(2);
		t0 = nmt_now_ms();
		while (nmt_now_ms() - t0 < 4000)
			flow(&a, &b, TAG_AB, 1000, 100, &seq, &tb, NULL, 0);
		_exit(tb.bad || tb.n[0] != seq ? 1 : 0);
	}
	if (!CHECK(pid > 0, "fork"))
		return;
	usleep(300 * 1000);
	for (i = 0, t0 = nmt_now_ms(); nmt_now_ms() - t0 < 3000; i++) {
		struct mon m[3];
		int k, n = 0;
		static const uint64_t fl[3] = { NR_MONITOR_TX, NR_ZCOPY_MON, NR_MONITOR_RX };

		for (k = 0; k < 3; k++) {
			memset(&m[n], 0, sizeof(m[n]));
			m[n].txmon_tag = k == 2 ? 0 : TAG_AB;
			if (!nmt_port_open(&m[n].p, k == 2 ? pn->b : pn->a,
					   NMT_OPTS(.flags = fl[k])))
				n++;
		}
		opened += n;
		for (k = 0; k < n; k++) {
			/* Its frames start anywhere in the sequence: no order check. */
			struct tally t = { 0 };

			nmt_rxsync(m[k].p.fd);
			drain(&m[k].p, &t, m[k].txmon_tag);
			tz.txmon_wrong += t.txmon_wrong;
			tz.n[0] += t.n[0];
			nmt_port_close(&m[k].p);
		}
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "traffic under monitor churn intact (status %#x)", status);
	CHECK(opened > 3 * i / 2, "monitors opened: %d in %d rounds", opened, i);
	CHECK_EQ(tz.txmon_wrong, 0, "NS_TXMON right on every frame");
	printf("# %s: %d monitor opens in %d rounds under traffic, %u frames seen\n", pn->a,
	       opened, i, tz.n[0]);
}

static void t_concurrent_pipe(void)
{
	concurrent_on(&(const struct pairnames){ "cc{1", "cc}1", true });
}

static void t_concurrent_vale(void)
{
	concurrent_on(&(const struct pairnames){ "valeC:a", "valeC:b", false });
}

static const struct nmt_test tests[] = {
	{ "copy_pipe", t_copy_pipe, "/t /rt on A, /r on B of a pipe: exact frames, NS_TXMON" },
	{ "copy_vale", t_copy_vale, "/t /rt on A, /r on B of two VALE ports: exact frames, NS_TXMON" },
	{ "copy_nic", t_copy_nic, "/t /rt on A, /r on B of a veth pair (NIC ports)" },
	{ "zcopy_pipe", t_zcopy_pipe, "/z of a pipe end: frames after release, traffic intact" },
	{ "zcopy_vale", t_zcopy_vale, "/z of a VALE port: frames after release, traffic intact" },
	{ "zcopy_nic", t_zcopy_nic, "/z of a NIC port: frames after TX completion / release" },
	{ "errors", t_errors, "not in netmap mode, monitor of monitor, modes, ring counts" },
	{ "close_parent_pipe", t_close_parent_pipe, "pipe end closes under its monitors" },
	{ "close_parent_vale", t_close_parent_vale, "VALE port closes under its monitors" },
	{ "stuck_pipe", t_stuck_pipe, "a monitor that never reads does not disturb a pipe" },
	{ "stuck_vale", t_stuck_vale, "a monitor that never reads does not disturb VALE" },
	{ "churn", t_churn, "monitors opened and closed while traffic runs" },
	{ "concurrent_pipe", t_concurrent_pipe, "monitors come and go under pipe traffic of another process" },
	{ "concurrent_vale", t_concurrent_vale, "monitors come and go under VALE traffic of another process" },
};

int main(int argc, char **argv)
{
	return nmt_main(tests, ARRAY_SIZE(tests), argc, argv, 120);
}
