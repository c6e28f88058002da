// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_vale - tests of the VALE switch of netmap.ko (issue 4), written from
 * the specification (NETMAP-ABI.md §6, §7, §10, netmap(4) and the VALE
 * design notes), not from the kernel sources: ephemeral ports and their
 * lifetime, bridge names, ring and slot limits, private memory regions,
 * the learning switch (unicast, flooding, no hairpin, NS_NO_LEARN),
 * NS_MOREFRAG chains, NS_INDIRECT, full destination rings, VALE_LIST,
 * 254 ports per switch and max_bridges, concurrent senders, persistent
 * ports (NEWIF/ATTACH/DETACH/DELIF, also through the legacy ioctls), the
 * reference's issue #882 sequence and the per-port counters of the netmapd
 * extension option NETMAP_REQ_OPT_PORT_STATS.
 *
 * Every subtest runs in its own process (nmt.h) on bridges of its own, so
 * the ports of one subtest are gone (last close) before the next starts;
 * no subtest uses more than max_bridges bridges at a time. Frames carry an
 * Ethernet header (dst, src, ethertype 0x88b5), then a 32-bit sequence
 * number and a 32-bit tag, then a pattern derived from both.
 *
 *   nm_vale [-v] [-l] [NAME...]     run every subtest, or the named ones
 *   nm_vale --newif NAME            create persistent port NAME (vale.sh)
 *   nm_vale --delif NAME            delete it again
 *   nm_vale --stats NAME            print the counters of port NAME as
 *                                   "tx_packets N rx_packets N rx_drops N"
 *                                   (VALE_LIST by name: no port is made)
 *
 * Where the specification leaves a behaviour open, the check says what it
 * assumes ("assumes: ...") so that a failure can be judged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nmt.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define FLEN		60	/* frame length of most tests */
#define ETH_HLEN	14
#define HDR_LEN		(ETH_HLEN + 8)	/* eth + seq + tag */
#define MAXPORTS	254	/* NM_BDG_MAXPORTS */

/*
 * NETMAP_REQ_OPT_PORT_STATS, the netmapd extension (include/net/netmap.h):
 * per-port counters on VALE_LIST (by name) and PORT_INFO_GET. Without it in
 * the header, the stats subtest is skipped (and says so).
 */
#ifdef NETMAP_REQ_OPT_PORT_STATS
#define HAVE_PORT_STATS 1
#define VSTATS_REQTYPE	NETMAP_REQ_OPT_PORT_STATS
typedef struct nmreq_opt_port_stats vstats_t;
_Static_assert(sizeof(vstats_t) == 24 + 10 * 8, "nmreq_opt_port_stats layout (design)");
#else
#define HAVE_PORT_STATS 0
#define VSTATS_REQTYPE	0x4e4d0001u
typedef struct {
	struct nmreq_option nro_opt;
	uint64_t tx_packets, tx_bytes, tx_errors;
	uint64_t rx_packets, rx_bytes, rx_drops;
	uint64_t reserved[4];
} vstats_t;
#endif

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

/* Locally administered unicast MAC 02:00:00:00:hi(id):lo(id). */
static void mac(uint8_t m[6], unsigned id)
{
	m[0] = 0x02;
	m[1] = m[2] = m[3] = 0;
	m[4] = (uint8_t)(id >> 8);
	m[5] = (uint8_t)id;
}

/* ------------------------------------------------------------------------
 * Helpers: ports and control requests
 */

static bool open_ok(struct nmt_port *p, const char *name, const struct nmt_reg_opts *o)
{
	return CHECK_ERR(nmt_port_open(p, name, o), 0, "REGISTER %s", name);
}

static int try_register(const char *name, const struct nmt_reg_opts *o)
{
	struct nmt_port p;
	int err;

	err = nmt_port_open(&p, name, o);
	nmt_port_close(&p);
	return err;
}

/* One control request on a fresh fd: the errno (0 = success). */
static int ctrl(uint16_t type, const char *name, void *body, struct nmreq_header *out)
{
	struct nmreq_header h;
	int fd, err;

	fd = nmt_open();
	if (fd < 0)
		return ENODEV;
	nmt_hdr(&h, type, name, body);
	err = nmt_ctrl(fd, &h);
	if (out)
		*out = h;
	close(fd);
	return err;
}

static int newif(const char *name, struct nmreq_vale_newif *b)
{
	struct nmreq_vale_newif z;

	if (!b) {
		memset(&z, 0, sizeof(z));
		b = &z;
	}
	return ctrl(NETMAP_REQ_VALE_NEWIF, name, b, NULL);
}

static int delif(const char *name)
{
	return ctrl(NETMAP_REQ_VALE_DELIF, name, NULL, NULL);
}

static int attach(const char *name, uint32_t *port_index)
{
	struct nmreq_vale_attach a;
	int err;

	memset(&a, 0, sizeof(a));
	a.reg.nr_mode = NR_REG_ALL_NIC;
	a.port_index = 0xdeadbeef;
	err = ctrl(NETMAP_REQ_VALE_ATTACH, name, &a, NULL);
	if (port_index)
		*port_index = a.port_index;
	return err;
}

static int detach(const char *name, uint32_t *port_index)
{
	struct nmreq_vale_detach d;
	int err;

	memset(&d, 0, sizeof(d));
	d.port_index = 0xdeadbeef;
	err = ctrl(NETMAP_REQ_VALE_DETACH, name, &d, NULL);
	if (port_index)
		*port_index = d.port_index;
	return err;
}

/* VALE_LIST by name: 0/errno, the indices in *b, *p. */
static int list_name(const char *name, uint16_t *b, uint32_t *p)
{
	struct nmreq_vale_list l;
	int err;

	memset(&l, 0, sizeof(l));
	l.nr_bridge_idx = 0xeeee;
	l.nr_port_idx = 0xeeeeeeee;
	err = ctrl(NETMAP_REQ_VALE_LIST, name, &l, NULL);
	if (b)
		*b = l.nr_bridge_idx;
	if (p)
		*p = l.nr_port_idx;
	return err;
}

/* Is @name (with no "vale" prefix) a Linux net_device? */
static bool netdev_exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	return access(path, F_OK) == 0;
}

struct entry {
	char name[NETMAP_REQ_IFNAMSIZ];
	uint16_t b;
	uint32_t p;
};

/*
 * Enumerate every VALE port (VALE_LIST with an empty name, nr_port_idx + 1
 * each step, until ENOENT) into @e (at most @max). Returns the count, or -1
 * after a failed check (an errno other than ENOENT, or no end).
 */
static int list_all(struct entry *e, int max)
{
	struct nmreq_vale_list l;
	struct nmreq_header h;
	int fd, n = 0, err, steps;

	fd = nmt_open();
	if (fd < 0)
		return -1;
	memset(&l, 0, sizeof(l));
	for (steps = 0; steps < 4 * MAXPORTS * 8 + 10; steps++) {
		nmt_hdr(&h, NETMAP_REQ_VALE_LIST, "", &l);
		err = nmt_ctrl(fd, &h);
		if (err == ENOENT) {
			close(fd);
			return n;
		}
		if (!CHECK_ERR(err, 0, "VALE_LIST enumeration step %d (bridge %u port %u)",
			       steps, l.nr_bridge_idx, l.nr_port_idx))
			break;
		if (n < max) {
			memcpy(e[n].name, h.nr_name, sizeof(e[n].name));
			e[n].name[sizeof(e[n].name) - 1] = 0;
			e[n].b = l.nr_bridge_idx;
			e[n].p = l.nr_port_idx;
		}
		n++;
		l.nr_port_idx++;
	}
	if (steps >= 4 * MAXPORTS * 8 + 10)
		CHECK(0, "VALE_LIST enumeration ends with ENOENT (still going after %d steps)", steps);
	close(fd);
	return -1;
}

/* Position of @name in @e[0..n), or -1. */
static int find_entry(const struct entry *e, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(e[i].name, name))
			return i;
	return -1;
}

/*
 * Per-port counters with NETMAP_REQ_OPT_PORT_STATS on VALE_LIST (by name),
 * or on PORT_INFO_GET with @info. Returns the errno of the request; an
 * option the kernel does not know (status EOPNOTSUPP) gives EOPNOTSUPP.
 */
static int port_stats(const char *name, bool info, vstats_t *s)
{
	struct nmreq_port_info_get pi;
	struct nmreq_vale_list l;
	struct nmreq_header h;
	int fd, err;

	memset(s, 0, sizeof(*s));
	s->nro_opt.nro_reqtype = VSTATS_REQTYPE;
	s->nro_opt.nro_status = 0x7777;
	memset(&s->tx_packets, 0xff, 6 * sizeof(uint64_t));	/* must be overwritten */
	fd = nmt_open();
	if (fd < 0)
		return ENODEV;
	if (info) {
		memset(&pi, 0, sizeof(pi));
		nmt_hdr(&h, NETMAP_REQ_PORT_INFO_GET, name, &pi);
	} else {
		memset(&l, 0, sizeof(l));
		nmt_hdr(&h, NETMAP_REQ_VALE_LIST, name, &l);
	}
	h.nr_options = (uintptr_t)s;
	err = nmt_ctrl(fd, &h);
	close(fd);
	if (!err && s->nro_opt.nro_status == EOPNOTSUPP)
		return EOPNOTSUPP;
	if (!err && s->nro_opt.nro_status != 0)
		return (int)s->nro_opt.nro_status;
	return err;
}

/* ------------------------------------------------------------------------
 * Helpers: frames
 */

static uint8_t pat(uint32_t seq, uint32_t tag, unsigned k)
{
	return (uint8_t)(seq * 13u + tag * 5u + k);
}

static void frame_fill(char *b, const uint8_t *dst, const uint8_t *src, uint32_t seq,
		       uint32_t tag, unsigned len)
{
	unsigned k;

	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	b[12] = (char)0x88;
	b[13] = (char)0xb5;
	memcpy(b + 14, &seq, 4);
	memcpy(b + 18, &tag, 4);
	for (k = HDR_LEN; k < len; k++)
		b[k] = (char)pat(seq, tag, k);
}

/* Put one frame at cur of @r with slot @flags; advance head/cur. 0 if full. */
static int vput(struct netmap_ring *r, const uint8_t *dst, const uint8_t *src,
		uint32_t seq, uint32_t tag, unsigned len, uint16_t flags)
{
	uint32_t i = r->cur;

	if (nm_ring_empty(r))
		return 0;
	frame_fill(NETMAP_BUF(r, r->slot[i].buf_idx), dst, src, seq, tag, len);
	r->slot[i].len = (uint16_t)len;
	r->slot[i].flags = flags;
	r->head = r->cur = nm_ring_next(r, i);
	return 1;
}

/* Send @n frames from tx ring 0 of @p and txsync; returns how many went in. */
static unsigned vsend(struct nmt_port *p, const uint8_t *dst, const uint8_t *src,
		      uint32_t *seq, uint32_t tag, unsigned len, uint16_t flags, unsigned n)
{
	struct netmap_ring *r = nmt_tx(p, 0);
	unsigned done = 0;

	while (done < n) {
		unsigned k = 0;

		while (done < n && vput(r, dst, src, *seq, tag, len, flags)) {
			(*seq)++;
			done++;
			k++;
		}
		if (!CHECK_ERR(nmt_txsync(p->fd), 0, "NIOCTXSYNC"))
			break;
		if (!k && nm_ring_empty(r))
			break;	/* txsync gave nothing back: do not spin */
	}
	return done;
}

/* What arrived on a port with one tag. */
struct rxcount {
	uint32_t tag;
	unsigned total;		/* all frames seen (chains count once) */
	unsigned tagged;	/* intact frames with the tag */
	unsigned bad;		/* with the tag: wrong length or corrupt content */
	uint32_t first_seq, last_seq;
	bool in_order;		/* tagged frames had increasing seq */
};

/*
 * rxsync every bound RX ring of @p, check and consume what arrived, give
 * the slots back, counting into @c[0..n) by tag. Frames with a tag must
 * have length @len (0: any) and an intact pattern. A multi-slot chain
 * counts once (its first slot is checked, up to the buffer size).
 */
static void vrecv_n(struct nmt_port *p, unsigned len, struct rxcount *c, int n)
{
	unsigned i;
	int x;

	if (!CHECK_ERR(nmt_rxsync(p->fd), 0, "NIOCRXSYNC"))
		return;
	for (i = 0; p->nifp && i < p->nifp->ni_rx_rings; i++) {
		struct netmap_ring *r = nmt_rx(p, i);
		uint32_t j;

		if (!r)
			continue;
		for (j = r->head; j != r->tail; j = nm_ring_next(r, j)) {
			const struct netmap_slot *s = &r->slot[j];
			const char *b = NETMAP_BUF(r, s->buf_idx);
			uint32_t seq = 0, t = 0;
			unsigned k;
			bool good = true;

			for (x = 0; x < n; x++)
				c[x].total++;
			if (s->len >= HDR_LEN) {
				memcpy(&seq, b + 14, 4);
				memcpy(&t, b + 18, 4);
			}
			for (x = 0; x < n; x++) {
				if (s->len < HDR_LEN || t != c[x].tag)
					continue;
				if (len && s->len != len)
					good = false;
				for (k = HDR_LEN; good && k < s->len && k < r->nr_buf_size; k++)
					if ((uint8_t)b[k] != pat(seq, t, k))
						good = false;
				if (!good) {
					c[x].bad++;
					continue;
				}
				if (c[x].tagged && seq <= c[x].last_seq)
					c[x].in_order = false;
				if (!c[x].tagged)
					c[x].first_seq = seq;
				c[x].last_seq = seq;
				c[x].tagged++;
			}
			/* Skip the rest of a chain. */
			while ((r->slot[j].flags & NS_MOREFRAG) &&
			       nm_ring_next(r, j) != r->tail)
				j = nm_ring_next(r, j);
		}
		r->head = r->cur = r->tail;
	}
	CHECK_ERR(nmt_rxsync(p->fd), 0, "NIOCRXSYNC (give slots back)");
}

static struct rxcount rx(struct nmt_port *p, uint32_t tag, unsigned len)
{
	struct rxcount c = { .tag = tag, .in_order = true };

	vrecv_n(p, len, &c, 1);
	return c;
}

/* Wait for a child; true if it exited with status 0. */
static bool reap(pid_t pid, const char *what)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		     "%s: child exited with 0 (status 0x%x)", what, st);
}

/* ------------------------------------------------------------------------
 * Ephemeral ports, names, rings, memory
 */

static void t_ephemeral(void)
{
	struct nmt_port a, a2;
	uint16_t b, b2;
	uint32_t pi, pi2;

	CHECK_ERR(list_name("valeE1:a", &b, &pi), ENOENT,
		  "VALE_LIST of a port on a bridge that does not exist yet");
	if (!open_ok(&a, "valeE1:a", NULL))
		return;
	CHECK_EQ(a.reg.nr_tx_rings, 1, "default: 1 tx ring");
	CHECK_EQ(a.reg.nr_rx_rings, 1, "default: 1 rx ring");
	CHECK_EQ(a.reg.nr_tx_slots, 1024, "default: 1024 tx slots");
	CHECK_EQ(a.reg.nr_rx_slots, 1024, "default: 1024 rx slots");
	CHECK(a.reg.nr_mem_id >= 2, "private region (mem_id %u >= 2)", a.reg.nr_mem_id);
	CHECK(a.nifp->ni_flags & NI_PRIV_MEM, "ni_flags has NI_PRIV_MEM");
	CHECK(!strncmp(a.nifp->ni_name, "valeE1:a", sizeof(a.nifp->ni_name)),
	      "ni_name is valeE1:a (got %.16s)", a.nifp->ni_name);
	CHECK(nmt_tx(&a, 0) && nmt_rx(&a, 0), "tx and rx ring 0 bound");
	if (nmt_tx(&a, 0))
		CHECK_EQ(nmt_tx(&a, 0)->tail, 1023, "tx ring starts with 1023 free slots");

	CHECK_ERR(list_name("valeE1:a", &b, &pi), 0, "VALE_LIST valeE1:a finds the open port");
	CHECK(pi < MAXPORTS, "its port index %u < 254", pi);
	CHECK_ERR(list_name("valeE1:zz", &b2, &pi2), 0, "VALE_LIST of a missing port, bridge exists");
	CHECK_EQ(pi2, NM_BDG_NOPORT, "port index NM_BDG_NOPORT for the missing port");
	CHECK_EQ(b2, b, "the bridge index of the existing bridge");

	/* A second fd binds the same port; the port lives until both close. */
	if (open_ok(&a2, "valeE1:a", NULL)) {
		CHECK_EQ(a2.reg.nr_mem_id, a.reg.nr_mem_id, "second fd on valeE1:a: same region");
		nmt_port_close(&a);
		CHECK_ERR(list_name("valeE1:a", &b, &pi2), 0, "still listed while one fd is open");
		CHECK_EQ(pi2, pi, "same port index");
		nmt_port_close(&a2);
	} else {
		nmt_port_close(&a);
	}
	/* The last close destroyed port and bridge. */
	CHECK_ERR(list_name("valeE1:a", &b, &pi), ENOENT,
		  "after the last close: ENOENT (the bridge went with its last port)");
	/* It can be created again. */
	if (open_ok(&a, "valeE1:a", NMT_OPTS(.tx_slots = 64, .rx_slots = 64))) {
		CHECK_EQ(a.reg.nr_tx_slots, 64, "re-created with the new slot count");
		nmt_port_close(&a);
	}
	/* A closed port on a bridge that still has others: NM_BDG_NOPORT. */
	if (open_ok(&a, "valeE1:a", NULL)) {
		if (open_ok(&a2, "valeE1:b", NULL)) {
			nmt_port_close(&a2);
			CHECK_ERR(list_name("valeE1:b", &b, &pi), 0, "VALE_LIST valeE1:b after its close");
			CHECK_EQ(pi, NM_BDG_NOPORT, "valeE1:b is gone (NM_BDG_NOPORT)");
		}
		nmt_port_close(&a);
	}
	/*
	 * PORT_INFO_GET of a port that does not exist: netmap creates it for
	 * the duration of the request (vale-ctl -g); either way, nothing may
	 * be left behind.
	 */
	{
		struct nmreq_port_info_get info;

		memset(&info, 0, sizeof(info));
		nmt_note("PORT_INFO_GET valeE1:c (no such port): %s",
			 strerror(nmt_port_info("valeE1:c", &info)));
		CHECK_ERR(list_name("valeE1:c", &b, &pi), ENOENT,
			  "PORT_INFO_GET left neither port nor bridge behind");
	}
}

static void t_names(void)
{
	static const char *bad[] = {
		"vale-x:a", "vale.x:a", "vale x:a", "vale{x:a", "vale\xc3\xa9:a",
	};
	char name[NETMAP_REQ_IFNAMSIZ];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_ERR(try_register(bad[i], NULL), EINVAL, "REGISTER %s (bad bridge char)", bad[i]);
	/* A bridge name far beyond IFNAMSIZ. */
	snprintf(name, sizeof(name), "vale%s:a", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	CHECK_ERR(try_register(name, NULL), EINVAL, "REGISTER with a 44-char bridge name");
	/* The port part must be shorter than 16 characters. */
	CHECK_ERR(try_register("valeN:pppppppppppppppp", NULL), EINVAL,
		  "REGISTER with a 16-char port part");
	CHECK_ERR(try_register("valeN:pppppppppppppppppppppppppppppp", NULL), EINVAL,
		  "REGISTER with a 30-char port part");
	CHECK_ERR(list_name("valeN:a", NULL, NULL), ENOENT, "the refused names created no bridge");
	/* Good names. */
	CHECK_ERR(try_register("vale_Z9:p_Q1", NULL), 0, "REGISTER vale_Z9:p_Q1");
	CHECK_ERR(try_register("vale0:0", NULL), 0, "REGISTER vale0:0");
	/* An existing system interface must be attached, not registered. */
	CHECK_ERR(try_register("valeN:lo", NULL), EINVAL,
		  "REGISTER valeN:lo (lo is a system interface: EINVAL)");
	/* VALE_LIST names. */
	CHECK_ERR(list_name("notvale:a", NULL, NULL), EINVAL, "VALE_LIST notvale:a");
	CHECK_ERR(list_name("lo", NULL, NULL), EINVAL, "VALE_LIST lo");
}

static void t_rings(void)
{
	static const struct {
		uint16_t txr, rxr;
		uint32_t txs, rxs;
		uint16_t wtxr, wrxr;
		uint32_t wtxs, wrxs;
	} c[] = {
		{ 0, 0, 0, 0, 1, 1, 1024, 1024 },	/* defaults */
		{ 2, 5, 64, 128, 2, 5, 64, 128 },
		{ 16, 16, 32, 32, 16, 16, 32, 32 },	/* the maximum rings */
		{ 17, 100, 32, 32, 16, 16, 32, 32 },	/* clamped */
		{ 1, 1, 5000, 4096, 1, 1, 4096, 4096 },	/* slots clamped to 4096 */
		{ 1, 1, 4096, 100000, 1, 1, 4096, 4096 },
	};
	struct nmt_port p;
	size_t i;
	unsigned k;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		if (!open_ok(&p, "valeR:a", NMT_OPTS(.tx_rings = c[i].txr, .rx_rings = c[i].rxr,
						     .tx_slots = c[i].txs, .rx_slots = c[i].rxs)))
			continue;
		CHECK(p.reg.nr_tx_rings == c[i].wtxr && p.reg.nr_rx_rings == c[i].wrxr &&
		      p.reg.nr_tx_slots == c[i].wtxs && p.reg.nr_rx_slots == c[i].wrxs,
		      "asked rings %u/%u slots %u/%u: written back %u/%u %u/%u, want %u/%u %u/%u",
		      c[i].txr, c[i].rxr, c[i].txs, c[i].rxs, p.reg.nr_tx_rings,
		      p.reg.nr_rx_rings, p.reg.nr_tx_slots, p.reg.nr_rx_slots,
		      c[i].wtxr, c[i].wrxr, c[i].wtxs, c[i].wrxs);
		CHECK(p.nifp->ni_tx_rings == p.reg.nr_tx_rings &&
		      p.nifp->ni_rx_rings == p.reg.nr_rx_rings,
		      "netmap_if has %u/%u rings like the reply", p.nifp->ni_tx_rings,
		      p.nifp->ni_rx_rings);
		for (k = 0; k < p.nifp->ni_tx_rings; k++)
			if (!CHECK(nmt_tx(&p, k) && nmt_tx(&p, k)->num_slots == p.reg.nr_tx_slots,
				   "tx ring %u bound with %u slots", k, p.reg.nr_tx_slots))
				break;
		for (k = 0; k < p.nifp->ni_rx_rings; k++)
			if (!CHECK(nmt_rx(&p, k) && nmt_rx(&p, k)->num_slots == p.reg.nr_rx_slots,
				   "rx ring %u bound with %u slots", k, p.reg.nr_rx_slots))
				break;
		nmt_port_close(&p);
	}
	/* ONE_NIC on a multi-ring port; ringid beyond the rings: EINVAL. */
	if (open_ok(&p, "valeR:b", NMT_OPTS(.tx_rings = 4, .rx_rings = 4, .tx_slots = 64,
					    .rx_slots = 64))) {
		struct nmt_port q;

		if (open_ok(&q, "valeR:b", NMT_OPTS(.mode = NR_REG_ONE_NIC, .ringid = 3))) {
			CHECK(q.nifp->ring_ofs[3] != 0 && q.nifp->ring_ofs[0] == 0,
			      "ONE_NIC 3 binds tx ring 3 only");
			nmt_port_close(&q);
		}
		CHECK_ERR(try_register("valeR:b", NMT_OPTS(.mode = NR_REG_ONE_NIC, .ringid = 4)),
			  EINVAL, "ONE_NIC 4 of a 4-ring port");
		nmt_port_close(&p);
	}
}

static void t_private_mem(void)
{
	struct nmt_port a, a2, b, c;

	CHECK_ERR(try_register("valeM:x", NMT_OPTS(.mem_id = 9999)), EINVAL,
		  "REGISTER with a mem_id that does not exist");
	if (!open_ok(&a, "valeM:a", NMT_OPTS(.tx_slots = 256, .rx_slots = 256)))
		return;
	if (open_ok(&b, "valeM:b", NMT_OPTS(.tx_slots = 256, .rx_slots = 256))) {
		CHECK(a.reg.nr_mem_id != b.reg.nr_mem_id && b.reg.nr_mem_id >= 2,
		      "two ephemeral ports, two private regions (mem_id %u, %u)",
		      a.reg.nr_mem_id, b.reg.nr_mem_id);
		CHECK(b.nifp->ni_flags & NI_PRIV_MEM, "NI_PRIV_MEM on the second port");
		nmt_port_close(&b);
	}
	if (open_ok(&a2, "valeM:a", NULL)) {
		CHECK_EQ(a2.reg.nr_mem_id, a.reg.nr_mem_id, "a second fd of valeM:a uses its region");
		nmt_port_close(&a2);
	}
	/* nr_mem_id names an existing region: the new port lives in it. */
	if (open_ok(&c, "valeM:c", NMT_OPTS(.mem_id = a.reg.nr_mem_id, .tx_slots = 32,
					    .rx_slots = 32))) {
		struct rxcount rc;
		uint8_t ma[6], mc[6];
		uint32_t seq = 0;

		CHECK_EQ(c.reg.nr_mem_id, a.reg.nr_mem_id, "valeM:c in valeM:a's region");
		CHECK_EQ(c.reg.nr_memsize, a.reg.nr_memsize, "so the same memsize");
		/* And the ports still switch (by copy) in a shared region. */
		mac(ma, 1);
		mac(mc, 3);
		vsend(&a, BCAST, ma, &seq, 0x3e, FLEN, 0, 5);
		rc = rx(&c, 0x3e, FLEN);
		CHECK(rc.tagged == 5 && !rc.bad, "5 frames valeM:a -> valeM:c (got %u, %u bad)",
		      rc.tagged, rc.bad);
		nmt_port_close(&c);
	}
	nmt_port_close(&a);
}

/* Pipes of a VALE port share its region (NETMAP-ABI §5, §8). */
static void t_pipes(void)
{
	struct nmt_port a, m, s;

	if (!open_ok(&a, "valeK:a", NULL))
		return;
	if (open_ok(&m, "valeK:a{1", NMT_OPTS(.tx_slots = 64, .rx_slots = 64))) {
		CHECK_EQ(m.reg.nr_mem_id, a.reg.nr_mem_id, "valeK:a{1 shares valeK:a's region");
		if (open_ok(&s, "valeK:a}1", NMT_OPTS(.tx_slots = 64, .rx_slots = 64))) {
			CHECK_EQ(s.reg.nr_mem_id, a.reg.nr_mem_id, "valeK:a}1 too");
			nmt_port_close(&s);
		}
		nmt_port_close(&m);
	}
	nmt_port_close(&a);
}

/* ------------------------------------------------------------------------
 * Switching
 */

/* Open valeB:a, :b, :c (64-slot rings) into p[0..2]. */
static bool three(struct nmt_port *p, const char *bridge)
{
	static const char *n[] = { "a", "b", "c" };
	char name[32];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%s:%s", bridge, n[i]);
		if (!open_ok(&p[i], name, NMT_OPTS(.tx_slots = 64, .rx_slots = 64))) {
			while (i--)
				nmt_port_close(&p[i]);
			return false;
		}
	}
	return true;
}

static void close_all(struct nmt_port *p, int n)
{
	while (n--)
		nmt_port_close(&p[n]);
}

/* Frames with @tag seen by a, b, c: all must be intact. */
static void seen(struct nmt_port *p, uint32_t tag, unsigned want_a, unsigned want_b,
		 unsigned want_c, const char *what)
{
	struct rxcount c[3];
	int i;

	for (i = 0; i < 3; i++)
		c[i] = rx(&p[i], tag, FLEN);
	CHECK(c[0].total == want_a && c[1].total == want_b && c[2].total == want_c &&
	      c[0].tagged == want_a && c[1].tagged == want_b && c[2].tagged == want_c,
	      "%s: a/b/c received %u/%u/%u frames (%u/%u/%u with the tag), want %u/%u/%u",
	      what, c[0].total, c[1].total, c[2].total, c[0].tagged, c[1].tagged,
	      c[2].tagged, want_a, want_b, want_c);
	CHECK(!c[0].bad && !c[1].bad && !c[2].bad, "%s: frames intact", what);
	CHECK(c[0].in_order && c[1].in_order && c[2].in_order, "%s: frames in order", what);
}

static void t_learning(void)
{
	struct nmt_port p[3];
	uint8_t ma[6], mb[6], mc[6], mx[6];
	uint32_t seq = 0;

	if (!three(p, "valeL"))
		return;
	mac(ma, 0xa);
	mac(mb, 0xb);
	mac(mc, 0xc);
	mac(mx, 0x99);
	/* Nothing learned yet: unknown unicast floods to all others. */
	vsend(&p[0], mb, ma, &seq, 0x101, FLEN, 0, 3);
	seen(p, 0x101, 0, 3, 3, "unknown unicast a->mb before b spoke");
	/* a is learned now; b speaks (to a, known): only a receives. */
	vsend(&p[1], ma, mb, &seq, 0x102, FLEN, 0, 4);
	seen(p, 0x102, 4, 0, 0, "unicast b->a after a spoke");
	/* Both learned: a -> b reaches only b, several times. */
	vsend(&p[0], mb, ma, &seq, 0x103, FLEN, 0, 7);
	seen(p, 0x103, 0, 7, 0, "unicast a->b after both spoke");
	/* Unknown destination: flooded to b and c, never back to a. */
	vsend(&p[0], mx, ma, &seq, 0x104, FLEN, 0, 5);
	seen(p, 0x104, 0, 5, 5, "unknown unicast a->mx");
	/* Broadcast and multicast: all others. */
	vsend(&p[2], BCAST, mc, &seq, 0x105, FLEN, 0, 6);
	seen(p, 0x105, 6, 6, 0, "broadcast from c");
	vsend(&p[1], MCAST, mb, &seq, 0x106, FLEN, 0, 2);
	seen(p, 0x106, 2, 0, 2, "multicast from b");
	/* c spoke with the broadcast: b -> c is unicast now. */
	vsend(&p[1], mc, mb, &seq, 0x107, FLEN, 0, 3);
	seen(p, 0x107, 0, 0, 3, "unicast b->c");
	/* A unicast to the sender's own MAC goes nowhere (no hairpin). */
	vsend(&p[0], ma, ma, &seq, 0x108, FLEN, 0, 3);
	seen(p, 0x108, 0, 0, 0, "unicast a->ma (its own port)");
	/* A MAC that moves: mb now speaks from c; frames to mb follow it. */
	vsend(&p[2], BCAST, mb, &seq, 0x109, FLEN, 0, 1);
	seen(p, 0x109, 1, 1, 0, "broadcast from c with source mb");
	vsend(&p[0], mb, ma, &seq, 0x10a, FLEN, 0, 2);
	seen(p, 0x10a, 0, 0, 2, "unicast a->mb after mb moved to c");
	/* Lengths: minimum, odd, maximum frame (1514) arrive intact. */
	{
		static const unsigned lens[] = { 22, 61, 127, 1000, 1514 };
		struct rxcount c;
		size_t i;

		for (i = 0; i < ARRAY_SIZE(lens); i++) {
			vsend(&p[1], ma, mc, &seq, 0x200 + (uint32_t)i, lens[i], 0, 2);
			c = rx(&p[0], 0x200 + (uint32_t)i, lens[i]);
			CHECK(c.tagged == 2 && !c.bad && c.total == 2,
			      "2 frames of %u bytes intact (got %u, %u bad)", lens[i], c.tagged, c.bad);
		}
	}
	close_all(p, 3);
}

static void t_no_learn(void)
{
	struct nmt_port p[3];
	uint8_t ma[6], mb[6];
	uint32_t seq = 0;

	if (!three(p, "valeNL"))
		return;
	mac(ma, 0xa);
	mac(mb, 0xb);
	/* a broadcasts with NS_NO_LEARN: everybody gets it, nobody learns ma. */
	vsend(&p[0], BCAST, ma, &seq, 0x301, FLEN, NS_NO_LEARN, 3);
	seen(p, 0x301, 0, 3, 3, "broadcast a with NS_NO_LEARN");
	vsend(&p[1], ma, mb, &seq, 0x302, FLEN, 0, 2);
	seen(p, 0x302, 2, 0, 2, "unicast b->ma floods: ma was not learned");
	/* The same without NS_NO_LEARN: learned. */
	vsend(&p[0], BCAST, ma, &seq, 0x303, FLEN, 0, 1);
	seen(p, 0x303, 0, 1, 1, "broadcast a without NS_NO_LEARN");
	vsend(&p[1], ma, mb, &seq, 0x304, FLEN, 0, 2);
	seen(p, 0x304, 2, 0, 0, "unicast b->ma reaches only a now");
	/* NS_NO_LEARN from c with source ma does not move ma to c. */
	vsend(&p[2], BCAST, ma, &seq, 0x305, FLEN, NS_NO_LEARN, 1);
	seen(p, 0x305, 1, 1, 0, "broadcast c (source ma, NS_NO_LEARN)");
	vsend(&p[1], ma, mb, &seq, 0x306, FLEN, 0, 2);
	seen(p, 0x306, 2, 0, 0, "unicast b->ma still reaches a");
	close_all(p, 3);
}

/* A 3-slot NS_MOREFRAG chain (1000+1000+500 bytes) arrives as a chain. */
static void t_morefrag(void)
{
	static const unsigned fl[] = { 1000, 1000, 500 };
	struct nmt_port p[3];
	uint8_t ma[6];
	char frame[4096], got[8192];
	unsigned total = 0, k, n, i;
	struct netmap_ring *t, *r;
	uint32_t j, first;

	if (!three(p, "valeF"))
		return;
	mac(ma, 0xa);
	for (k = 0; k < ARRAY_SIZE(fl); k++)
		total += fl[k];
	frame_fill(frame, BCAST, ma, 7, 0x401, total);
	for (int round = 0; round < 2; round++) {
		t = nmt_tx(&p[0], 0);
		for (k = 0, n = 0; k < ARRAY_SIZE(fl); k++) {
			j = t->cur;
			memcpy(NETMAP_BUF(t, t->slot[j].buf_idx), frame + n, fl[k]);
			t->slot[j].len = (uint16_t)fl[k];
			t->slot[j].flags = k + 1 < ARRAY_SIZE(fl) ? NS_MOREFRAG : 0;
			n += fl[k];
			t->head = t->cur = nm_ring_next(t, j);
		}
		CHECK_ERR(nmt_txsync(p[0].fd), 0, "txsync of the chain (round %d)", round);
		for (i = 1; i < 3; i++) {
			unsigned slots = 0, len = 0;
			bool chain_ok = true;

			CHECK_ERR(nmt_rxsync(p[i].fd), 0, "rxsync");
			r = nmt_rx(&p[i], 0);
			first = j = r->head;
			if (!CHECK(j != r->tail, "port %u received the chain (round %d)", i, round))
				continue;
			CHECK(NS_RFRAGS(&r->slot[j]) >= 2,
			      "first slot: NS_RFRAGS %u counts the slots of the chain",
			      NS_RFRAGS(&r->slot[j]));
			for (;;) {
				struct netmap_slot *s = &r->slot[j];

				if (len + s->len > sizeof(got) || s->len > r->nr_buf_size) {
					chain_ok = false;
					break;
				}
				memcpy(got + len, NETMAP_BUF(r, s->buf_idx), s->len);
				len += s->len;
				slots++;
				j = nm_ring_next(r, j);
				if (!(s->flags & NS_MOREFRAG))
					break;
				if (j == r->tail) {
					chain_ok = false;	/* incomplete chain */
					break;
				}
			}
			CHECK(chain_ok && slots >= 2 && len == total && !memcmp(got, frame, total),
			      "port %u: the %u-byte frame arrived whole as a chain of %u slots (%u bytes)",
			      i, total, slots, len);
			CHECK_EQ(NS_RFRAGS(&r->slot[first]), slots,
				 "NS_RFRAGS of the first slot = slots of the chain");
			CHECK(j == r->tail, "port %u: nothing after the chain", i);
			r->head = r->cur = r->tail;
			CHECK_ERR(nmt_rxsync(p[i].fd), 0, "rxsync");
		}
		CHECK_EQ(rx(&p[0], 0x401, 0).total, 0, "the sender got nothing back");
	}
	close_all(p, 3);
}

/* NS_INDIRECT on a VALE tx ring: the payload is at slot->ptr. */
static void t_indirect(void)
{
	struct nmt_port p[3];
	struct netmap_ring *t;
	uint8_t ma[6];
	static char payload[1514];
	struct rxcount c;
	uint32_t j, seq = 0;

	if (!three(p, "valeI"))
		return;
	mac(ma, 0xa);
	frame_fill(payload, BCAST, ma, 0, 0x501, sizeof(payload));
	t = nmt_tx(&p[0], 0);
	j = t->cur;
	memset(NETMAP_BUF(t, t->slot[j].buf_idx), 0, 64);	/* not the data */
	t->slot[j].ptr = (uintptr_t)payload;
	t->slot[j].len = sizeof(payload);
	t->slot[j].flags = NS_INDIRECT;
	t->head = t->cur = nm_ring_next(t, j);
	CHECK_ERR(nmt_txsync(p[0].fd), 0, "txsync of an NS_INDIRECT slot");
	c = rx(&p[1], 0x501, sizeof(payload));
	CHECK(c.tagged == 1 && !c.bad, "b got the indirect 1514-byte frame intact (%u, %u bad)",
	      c.tagged, c.bad);
	c = rx(&p[2], 0x501, sizeof(payload));
	CHECK(c.tagged == 1 && !c.bad, "c too (%u, %u bad)", c.tagged, c.bad);
	/* A bad user pointer: an error or a drop, never garbage or an oops. */
	j = t->cur;
	t->slot[j].ptr = 8;
	t->slot[j].len = 100;
	t->slot[j].flags = NS_INDIRECT;
	t->head = t->cur = nm_ring_next(t, j);
	nmt_note("txsync with NS_INDIRECT ptr 8: %s", strerror(nmt_txsync(p[0].fd)));
	c = rx(&p[1], 0x501, 0);
	CHECK_EQ(c.total, 0, "nothing delivered for the bad pointer");
	/*
	 * Repair the slot (an ordinary frame) and go on. Assumes: like a bad
	 * buf_idx, the bad slot either failed the sync and is still pending
	 * (then it goes out now) or was dropped.
	 */
	frame_fill(NETMAP_BUF(t, t->slot[j].buf_idx), BCAST, ma, seq++, 0x502, FLEN);
	t->slot[j].len = FLEN;
	t->slot[j].flags = 0;
	t->head = t->cur = nm_ring_next(t, j);
	CHECK_ERR(nmt_txsync(p[0].fd), 0, "txsync after the repair");
	vsend(&p[0], BCAST, ma, &seq, 0x502, FLEN, 0, 2);
	c = rx(&p[1], 0x502, FLEN);
	CHECK((c.tagged == 2 || c.tagged == 3) && !c.bad && c.total == c.tagged,
	      "ordinary frames pass afterwards (%u of 2 or 3)", c.tagged);
	close_all(p, 3);
}

/* Several rings: whatever tx ring is used, frames arrive on some rx ring. */
static void t_multiring(void)
{
	struct nmt_port s, r;
	uint8_t ms[6];
	unsigned i, total = 0;
	uint32_t seq = 0;

	if (!open_ok(&s, "valeMR:s", NMT_OPTS(.tx_rings = 4, .rx_rings = 4, .tx_slots = 64,
					      .rx_slots = 64)))
		return;
	if (!open_ok(&r, "valeMR:r", NMT_OPTS(.tx_rings = 2, .rx_rings = 2, .tx_slots = 64,
					      .rx_slots = 64))) {
		nmt_port_close(&s);
		return;
	}
	mac(ms, 0x51);
	for (i = 0; i < 4; i++) {
		struct netmap_ring *t = nmt_tx(&s, i);
		unsigned k;

		for (k = 0; k < 5; k++)
			vput(t, BCAST, ms, seq++, 0x601, FLEN, 0);
	}
	CHECK_ERR(nmt_txsync(s.fd), 0, "txsync of 4 rings");
	CHECK_ERR(nmt_rxsync(r.fd), 0, "rxsync of 2 rings");
	for (i = 0; i < 2; i++) {
		struct netmap_ring *q = nmt_rx(&r, i);

		nmt_note("rx ring %u: %u frames", i, nm_ring_space(q));
		total += nm_ring_space(q);
	}
	CHECK_EQ(total, 20, "20 frames from 4 tx rings arrived on the 2 rx rings");
	nmt_port_close(&r);
	nmt_port_close(&s);
}

/*
 * a sends 200 broadcasts; b (64 rx slots) never reads, c (1024) does. The
 * sender never blocks, b keeps 63, c gets all 200, the rest for b is dropped.
 */
static void t_full_ring(void)
{
	struct nmt_port a, b, c;
	struct rxcount rb, rc;
	struct pollfd pfd;
	uint8_t ma[6];
	uint32_t seq = 0;
	long long t0;
	unsigned sent;

	if (!open_ok(&a, "valeFR:a", NMT_OPTS(.tx_slots = 256, .rx_slots = 64)))
		return;
	if (!open_ok(&b, "valeFR:b", NMT_OPTS(.tx_slots = 64, .rx_slots = 64)))
		goto out_a;
	if (!open_ok(&c, "valeFR:c", NMT_OPTS(.tx_slots = 64, .rx_slots = 1024)))
		goto out_b;
	mac(ma, 0xa);
	t0 = nmt_now_ms();
	sent = vsend(&a, BCAST, ma, &seq, 0x701, FLEN, 0, 200);
	CHECK_EQ(sent, 200, "200 frames went into a's tx ring");
	CHECK(nmt_now_ms() - t0 < 20000, "the sender did not block (%lld ms)", nmt_now_ms() - t0);
	CHECK_EQ(nm_ring_space(nmt_tx(&a, 0)), 255,
		 "after txsync all of a's tx slots are free again (data was copied)");
	pfd = (struct pollfd){ .fd = a.fd, .events = POLLOUT };
	CHECK(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLOUT), "poll POLLOUT on a at once");
	rb = rx(&b, 0x701, FLEN);
	rc = rx(&c, 0x701, FLEN);
	CHECK(rb.tagged == 63 && rb.first_seq == 0 && rb.last_seq == 62 && rb.in_order && !rb.bad,
	      "b's full ring kept the first 63 (got %u, seq %u..%u)", rb.tagged, rb.first_seq,
	      rb.last_seq);
	CHECK(rc.tagged == 200 && rc.in_order && !rc.bad,
	      "c got all 200 despite b being full (got %u)", rc.tagged);
	/* b has space again: new frames reach it. */
	vsend(&a, BCAST, ma, &seq, 0x702, FLEN, 0, 10);
	rb = rx(&b, 0x702, FLEN);
	CHECK(rb.tagged == 10 && rb.first_seq == 200 && !rb.bad,
	      "after b consumed, the next 10 reach it (got %u from seq %u)", rb.tagged,
	      rb.first_seq);
	CHECK_EQ(rx(&c, 0x702, FLEN).tagged, 10, "c got them too");
	/* Several rounds against a full ring: never blocks, never wedges. */
	t0 = nmt_now_ms();
	sent = vsend(&a, BCAST, ma, &seq, 0x703, FLEN, 0, 5000);
	CHECK(sent == 5000 && nmt_now_ms() - t0 < 20000,
	      "5000 more frames towards full b and c sent without blocking (%u, %lld ms)",
	      sent, nmt_now_ms() - t0);
	rb = rx(&b, 0x703, FLEN);
	rc = rx(&c, 0x703, FLEN);
	CHECK(rb.tagged == 63 && rc.tagged == 1023, "b and c hold a full ring each (%u, %u)",
	      rb.tagged, rc.tagged);
	nmt_port_close(&c);
out_b:
	nmt_port_close(&b);
out_a:
	nmt_port_close(&a);
}

/* ------------------------------------------------------------------------
 * VALE_LIST, limits
 */

static void t_list(void)
{
	static const char *names[] = { "valeLa:p1", "valeLa:p2", "valeLb:q1" };
	struct entry e[64];
	struct nmt_port p[3];
	int n, i, k;
	uint16_t b;
	uint32_t pi;

	n = list_all(e, 64);
	CHECK_EQ(n, 0, "no VALE port at the start (enumeration)");
	for (i = 0; i < 3; i++)
		if (!open_ok(&p[i], names[i], NMT_OPTS(.tx_slots = 32, .rx_slots = 32))) {
			close_all(p, i);
			return;
		}
	n = list_all(e, 64);
	CHECK_EQ(n, 3, "enumeration lists the 3 open ports");
	for (i = 0; i < n && i < 64; i++)
		CHECK(find_entry(e, n, e[i].name) == i &&
		      (!strcmp(e[i].name, names[0]) || !strcmp(e[i].name, names[1]) ||
		       !strcmp(e[i].name, names[2])),
		      "entry %d: '%s' (bridge %u port %u) is one of ours, listed once", i,
		      e[i].name, e[i].b, e[i].p);
	for (i = 0; i < 3; i++) {
		k = find_entry(e, n, names[i]);
		if (!CHECK(k >= 0, "%s is listed", names[i]))
			continue;
		CHECK_ERR(list_name(names[i], &b, &pi), 0, "VALE_LIST %s", names[i]);
		CHECK(b == e[k].b && pi == e[k].p,
		      "%s: by name bridge %u port %u = enumeration's %u %u", names[i], b, pi,
		      e[k].b, e[k].p);
	}
	if (n == 3) {
		k = find_entry(e, n, "valeLa:p1");
		i = find_entry(e, n, "valeLa:p2");
		if (k >= 0 && i >= 0)
			CHECK(e[k].b == e[i].b, "p1 and p2 on the same bridge index");
		i = find_entry(e, n, "valeLb:q1");
		if (k >= 0 && i >= 0)
			CHECK(e[k].b != e[i].b, "q1 on another bridge index");
	}
	CHECK_ERR(list_name("valeLc:x", NULL, NULL), ENOENT, "VALE_LIST valeLc:x (no bridge)");
	CHECK_ERR(list_name("valeLa:nope", &b, &pi), 0, "VALE_LIST valeLa:nope");
	CHECK_EQ(pi, NM_BDG_NOPORT, "valeLa:nope: NM_BDG_NOPORT");

	/* Legacy NIOCGINFO with NETMAP_BDG_LIST. */
	{
		struct nmreq nmr;
		int fd = nmt_open();

		memset(&nmr, 0, sizeof(nmr));
		strcpy(nmr.nr_name, "valeLb:q1");
		nmr.nr_version = NETMAP_API;
		nmr.nr_cmd = NETMAP_BDG_LIST;
		CHECK_ERR(nmt_ioctl(fd, NIOCGINFO, &nmr), 0, "legacy NIOCGINFO NETMAP_BDG_LIST");
		k = find_entry(e, n, "valeLb:q1");
		if (k >= 0)
			CHECK(nmr.nr_arg1 == e[k].b && nmr.nr_arg2 == e[k].p,
			      "legacy list: nr_arg1/2 = %u/%u, want %u/%u", nmr.nr_arg1,
			      nmr.nr_arg2, e[k].b, e[k].p);
		close(fd);
	}

	nmt_port_close(&p[0]);
	n = list_all(e, 64);
	CHECK(n == 2 && find_entry(e, n, "valeLa:p2") >= 0 && find_entry(e, n, "valeLb:q1") >= 0,
	      "after closing p1: p2 and q1 listed (%d entries)", n);
	close_all(p, 3);
	CHECK_EQ(list_all(e, 64), 0, "nothing listed after the last close");
}

/*
 * 254 ports on one switch. Each ephemeral port has a private region of at
 * least priv_buf_num buffers; 254 of those do not fit the VM's memory with
 * the module's priv_buf_num=8192, so the test lowers priv_buf_num for its
 * duration (the region still gets what the port needs) and puts it back.
 */
static void t_ports254(void)
{
	static struct nmt_port p[MAXPORTS + 1];
	uint16_t ids[MAXPORTS];
	long long old = nmt_param("priv_buf_num");
	long long bsz = nmt_param("priv_buf_size");
	struct rlimit rl = { 1024, 1024 };
	char name[32];
	uint8_t m0[6];
	uint32_t seq = 0;
	int i, n = 0, err, got = 0, bad = 0;
	bool distinct = true;

	setrlimit(RLIMIT_NOFILE, &rl);
	if (!CHECK(old > 0 && bsz > 0, "read priv_buf_num %lld priv_buf_size %lld", old, bsz))
		return;
	if (old > 64) {
		nmt_note("priv_buf_num %lld: %lld MiB for 254 regions; lowered to 64", old,
			 old * bsz * MAXPORTS >> 20);
		if (!CHECK_ERR(nmt_param_set("priv_buf_num", 64), 0, "lower priv_buf_num"))
			return;
	}
	for (i = 0; i < MAXPORTS; i++) {
		snprintf(name, sizeof(name), "valeP:p%d", i);
		err = nmt_port_open(&p[i], name, NMT_OPTS(.tx_slots = 8, .rx_slots = 8));
		if (!CHECK_ERR(err, 0, "REGISTER %s (port %d of 254)", name, i + 1))
			break;
		ids[i] = p[i].reg.nr_mem_id;
		n++;
	}
	if (n == MAXPORTS) {
		CHECK_ERR(try_register("valeP:extra", NMT_OPTS(.tx_slots = 8, .rx_slots = 8)),
			  ENOMEM, "the 255th port of a switch is refused (ENOMEM)");
		for (i = 0; i < n && distinct; i++)
			for (int k = i + 1; k < n; k++)
				if (ids[i] == ids[k]) {
					distinct = false;
					break;
				}
		CHECK(distinct, "254 ports, 254 private regions (distinct mem_ids)");
		/* A broadcast from p0 reaches the 253 others. */
		mac(m0, 0x100);
		vsend(&p[0], BCAST, m0, &seq, 0x801, FLEN, 0, 1);
		for (i = 1; i < n; i++) {
			struct rxcount c = rx(&p[i], 0x801, FLEN);

			got += c.tagged == 1 && c.total == 1;
			bad += c.bad;
		}
		CHECK(got == n - 1 && !bad, "a broadcast reached all 253 other ports (%d, %d bad)",
		      got, bad);
		CHECK_EQ(rx(&p[0], 0x801, FLEN).total, 0, "and not its sender");
		/* The limit counts ports: one closed, one more fits. */
		nmt_port_close(&p[100]);
		CHECK_ERR(try_register("valeP:extra", NMT_OPTS(.tx_slots = 8, .rx_slots = 8)), 0,
			  "with port 100 closed, a new port fits again");
	}
	close_all(p, n);
	if (old > 64)
		CHECK_ERR(nmt_param_set("priv_buf_num", old), 0, "restore priv_buf_num %lld", old);
}

/* max_bridges bridges; one more is refused until one goes away. */
static void t_bridges(void)
{
	long long maxb = nmt_param("max_bridges");
	struct nmt_port p[16], extra;
	char name[32];
	int i, n = 0;

	if (!CHECK(maxb >= 1 && maxb <= 15, "max_bridges %lld readable (1..15 for this test)",
		   maxb))
		return;
	for (i = 0; i < maxb; i++) {
		snprintf(name, sizeof(name), "valeW%d:a", i);
		if (!open_ok(&p[i], name, NMT_OPTS(.tx_slots = 32, .rx_slots = 32)))
			break;
		n++;
	}
	if (n == maxb) {
		snprintf(name, sizeof(name), "valeW%d:a", n);
		CHECK_ERR(try_register(name, NMT_OPTS(.tx_slots = 32, .rx_slots = 32)), ENOMEM,
			  "bridge %d of max_bridges=%lld is refused (ENOMEM)", n + 1, maxb);
		CHECK_ERR(list_name(name, NULL, NULL), ENOENT, "and was not created");
		CHECK_ERR(try_register("valeW0:b", NMT_OPTS(.tx_slots = 32, .rx_slots = 32)), 0,
			  "a new port on an existing bridge still works");
		nmt_port_close(&p[1]);
		if (CHECK_ERR(nmt_port_open(&extra, name, NMT_OPTS(.tx_slots = 32, .rx_slots = 32)),
			      0, "with bridge valeW1 gone, %s can be created", name))
			nmt_port_close(&extra);
	}
	close_all(p, n);
}

/* ------------------------------------------------------------------------
 * Concurrency and counters
 */

struct blast {
	pid_t pid;
	int done[2];	/* child -> parent: "sent" */
	int quit[2];	/* parent closes: the child may close its port */
};

/*
 * Child: open @name, wait for @go, send @n unicast frames to @dst tagged
 * @tag as fast as possible, report, keep the port until told to quit.
 */
static void blast_start(struct blast *bl, const char *name, const uint8_t *dst,
			uint32_t tag, unsigned n, int go)
{
	if (pipe(bl->done) || pipe(bl->quit)) {
		CHECK(0, "pipe");
		return;
	}
	bl->pid = fork();
	if (bl->pid == 0) {
		struct nmt_port p;
		uint8_t src[6];
		uint32_t seq = 0;
		char c;

		int fd;

		/* Keep only our ends: inherited write ends would hide EOFs. */
		for (fd = 3; fd < 1024; fd++)
			if (fd != bl->done[1] && fd != bl->quit[0] && fd != go)
				close(fd);
		if (nmt_port_open(&p, name, NMT_OPTS(.tx_slots = 512, .rx_slots = 64)))
			_exit(10);
		mac(src, tag & 0xffff);
		if (write(bl->done[1], "o", 1) != 1 || read(go, &c, 1) < 0)
			_exit(11);
		while (seq < n) {
			struct netmap_ring *t = nmt_tx(&p, 0);

			while (seq < n && vput(t, dst, src, seq, tag, FLEN, 0))
				seq++;
			if (nmt_txsync(p.fd))
				_exit(12);
			/* Drop whatever comes back (nothing should). */
			nmt_rx(&p, 0)->head = nmt_rx(&p, 0)->cur = nmt_rx(&p, 0)->tail;
		}
		if (write(bl->done[1], "s", 1) != 1)
			_exit(13);
		if (read(bl->quit[0], &c, 1) < 0)
			_exit(14);
		_exit(0);
	}
	close(bl->done[1]);
	close(bl->quit[0]);
}

static bool blast_wait(struct blast *bl, char want)
{
	char c = 0;

	return read(bl->done[0], &c, 1) == 1 && c == want;
}

static void blast_end(struct blast *bl, const char *what)
{
	close(bl->quit[1]);
	reap(bl->pid, what);
	close(bl->done[0]);
}

/*
 * Two senders blast unicast to r at once. Returns, through the pointers,
 * what r received from each; the senders stay open (for the counters) until
 * blast_end().
 */
static bool two_senders(struct nmt_port *r, const char *bridge, unsigned n,
			struct blast *b1, struct blast *b2, unsigned *got1, unsigned *got2)
{
	uint8_t mr[6];
	char n1[32], n2[32];
	int go[2];
	struct rxcount c[2] = { { .tag = 0x901, .in_order = true },
				{ .tag = 0x902, .in_order = true } };
	bool done1 = false, done2 = false, ok1 = false, ok2 = false;
	long long t0;
	uint32_t seq = 0;

	mac(mr, 0x77);
	snprintf(n1, sizeof(n1), "%s:s1", bridge);
	snprintf(n2, sizeof(n2), "%s:s2", bridge);
	if (!CHECK(pipe(go) == 0, "pipe"))
		return false;
	blast_start(b1, n1, mr, 0x901, n, go[0]);
	blast_start(b2, n2, mr, 0x902, n, go[0]);
	if (!CHECK(blast_wait(b1, 'o') && blast_wait(b2, 'o'), "both senders opened their ports"))
		return false;
	/* r announces itself so that the senders' frames are unicast to it. */
	vsend(r, BCAST, mr, &seq, 0x900, FLEN, 0, 1);
	close(go[1]);	/* go */
	close(go[0]);
	t0 = nmt_now_ms();
	while (!(done1 && done2)) {
		struct pollfd pf[3] = {
			{ .fd = r->fd, .events = POLLIN },
			{ .fd = b1->done[0], .events = done1 ? 0 : POLLIN },
			{ .fd = b2->done[0], .events = done2 ? 0 : POLLIN },
		};

		if (poll(pf, 3, 1000) < 0 && errno != EINTR)
			break;
		vrecv_n(r, FLEN, c, 2);
		if (!done1 && pf[1].revents) {
			done1 = true;
			ok1 = CHECK(blast_wait(b1, 's'), "sender 1 finished");
		}
		if (!done2 && pf[2].revents) {
			done2 = true;
			ok2 = CHECK(blast_wait(b2, 's'), "sender 2 finished");
		}
		if (!CHECK(nmt_now_ms() - t0 < 60000, "senders finish within 60 s"))
			return false;
	}
	if (!ok1 || !ok2)
		return false;
	vrecv_n(r, FLEN, c, 2);
	/*
	 * Not asserted per sender: which one finds room in r's ring depends on
	 * how the host schedules the two (on a loaded host one can run its
	 * whole blast while the other waits; its frames are then dropped and
	 * counted, which the callers check).
	 */
	CHECK(c[0].tagged + c[1].tagged > 0, "r got frames: %u from s1 and %u from s2",
	      c[0].tagged, c[1].tagged);
	CHECK(c[0].tagged <= n && c[1].tagged <= n, "r got no more than was sent (%u, %u of %u)",
	      c[0].tagged, c[1].tagged, n);
	CHECK_EQ(c[0].total, c[0].tagged + c[1].tagged, "r got nothing but their frames");
	CHECK(c[0].in_order && c[1].in_order, "each sender's frames arrived in order");
	CHECK(!c[0].bad && !c[1].bad, "all frames intact");
	nmt_note("r received %u + %u of 2 x %u in %lld ms", c[0].tagged, c[1].tagged, n,
		 nmt_now_ms() - t0);
	*got1 = c[0].tagged;
	*got2 = c[1].tagged;
	return true;
}

static void t_senders(void)
{
	struct blast b1, b2;
	struct nmt_port r;
	unsigned g1 = 0, g2 = 0;

	if (!open_ok(&r, "valeT:r", NMT_OPTS(.tx_slots = 64, .rx_slots = 1024)))
		return;
	if (two_senders(&r, "valeT", 30000, &b1, &b2, &g1, &g2)) {
		blast_end(&b1, "sender 1");
		blast_end(&b2, "sender 2");
	}
	nmt_port_close(&r);
}

static void stats_note(const char *name, const vstats_t *s)
{
	nmt_note("%s: tx %llu pkts %llu bytes %llu errors, rx %llu pkts %llu bytes %llu drops",
		 name, (unsigned long long)s->tx_packets, (unsigned long long)s->tx_bytes,
		 (unsigned long long)s->tx_errors, (unsigned long long)s->rx_packets,
		 (unsigned long long)s->rx_bytes, (unsigned long long)s->rx_drops);
}

/* Counters: sent = received + dropped, per port and in sum. */
static void t_stats(void)
{
	vstats_t sa, sb, sc, si, s1, s2, sr;
	struct nmt_port a, b, c, r;
	struct blast b1, b2;
	unsigned g1 = 0, g2 = 0;
	uint32_t seq = 0;
	uint8_t ma[6];
	int err;

	if (!HAVE_PORT_STATS)
		nmt_skip("NETMAP_REQ_OPT_PORT_STATS is not in include/net/netmap.h; counters NOT tested");
	if (!open_ok(&a, "valeS:a", NMT_OPTS(.tx_slots = 256, .rx_slots = 64)))
		return;
	err = port_stats("valeS:a", false, &sa);
	if (err == EOPNOTSUPP) {
		nmt_port_close(&a);
		nmt_skip("NETMAP_REQ_OPT_PORT_STATS (0x%x) on VALE_LIST not supported by this "
			 "kernel: %s; counters NOT tested", VSTATS_REQTYPE, strerror(err));
	}
	if (!CHECK_ERR(err, 0, "VALE_LIST valeS:a with the PORT_STATS option"))
		goto out_a;
	CHECK(sa.tx_packets == 0 && sa.rx_packets == 0 && sa.rx_drops == 0 && sa.tx_bytes == 0,
	      "a fresh port has zero counters");
	if (!open_ok(&b, "valeS:b", NMT_OPTS(.tx_slots = 64, .rx_slots = 64)))
		goto out_a;
	if (!open_ok(&c, "valeS:c", NMT_OPTS(.tx_slots = 64, .rx_slots = 1024)))
		goto out_b;
	mac(ma, 0xa);
	vsend(&a, BCAST, ma, &seq, 0xa01, FLEN, 0, 200);
	CHECK_EQ(rx(&c, 0xa01, FLEN).tagged, 200, "c received 200");
	/* b does not read: 63 stay in its ring, 137 are dropped. */
	if (!CHECK_ERR(port_stats("valeS:a", false, &sa), 0, "stats a") ||
	    !CHECK_ERR(port_stats("valeS:b", false, &sb), 0, "stats b") ||
	    !CHECK_ERR(port_stats("valeS:c", false, &sc), 0, "stats c"))
		goto out_c;
	stats_note("a", &sa);
	stats_note("b", &sb);
	stats_note("c", &sc);
	CHECK_EQ(sa.tx_packets, 200, "a: tx_packets");
	CHECK_EQ(sa.tx_bytes, 200 * FLEN, "a: tx_bytes");
	CHECK_EQ(sa.tx_errors, 0, "a: tx_errors");
	CHECK_EQ(sb.rx_packets, 63, "b: rx_packets (its ring holds 63)");
	CHECK_EQ(sb.rx_bytes, 63 * FLEN, "b: rx_bytes");
	CHECK_EQ(sb.rx_drops, 137, "b: rx_drops");
	CHECK_EQ(sc.rx_packets, 200, "c: rx_packets");
	CHECK_EQ(sc.rx_bytes, 200 * FLEN, "c: rx_bytes");
	CHECK_EQ(sc.rx_drops, 0, "c: rx_drops");
	CHECK_EQ(sb.tx_packets + sc.tx_packets, 0, "b and c sent nothing");
	CHECK_EQ(sb.rx_packets + sb.rx_drops + sc.rx_packets + sc.rx_drops, 2 * sa.tx_packets,
		 "copies: b and c received + dropped = 2 x a's tx_packets");
	/* The same through PORT_INFO_GET. */
	if (CHECK_ERR(port_stats("valeS:b", true, &si), 0, "PORT_INFO_GET valeS:b with PORT_STATS"))
		CHECK(si.rx_packets == sb.rx_packets && si.rx_drops == sb.rx_drops &&
		      si.tx_packets == sb.tx_packets,
		      "PORT_INFO_GET gives the same counters");

	/* Two concurrent senders towards r: sent = received + dropped. */
	if (!open_ok(&r, "valeS:r", NMT_OPTS(.tx_slots = 64, .rx_slots = 256)))
		goto out_c;
	nmt_port_close(&b);	/* b and c would get the announcement only */
	nmt_port_close(&c);
	nmt_port_close(&a);
	if (two_senders(&r, "valeS", 20000, &b1, &b2, &g1, &g2)) {
		if (CHECK_ERR(port_stats("valeS:s1", false, &s1), 0, "stats s1") &&
		    CHECK_ERR(port_stats("valeS:s2", false, &s2), 0, "stats s2") &&
		    CHECK_ERR(port_stats("valeS:r", false, &sr), 0, "stats r")) {
			stats_note("s1", &s1);
			stats_note("s2", &s2);
			stats_note("r", &sr);
			CHECK(s1.tx_packets == 20000 && s2.tx_packets == 20000,
			      "tx_packets of s1, s2 = 20000 each (%llu, %llu)",
			      (unsigned long long)s1.tx_packets, (unsigned long long)s2.tx_packets);
			CHECK_EQ(sr.rx_packets, g1 + g2, "r: rx_packets = what r's user received");
			CHECK_EQ(sr.rx_packets + sr.rx_drops, s1.tx_packets + s2.tx_packets,
				 "r: received + dropped = sent by s1 + s2 (unicast)");
			CHECK_EQ(sr.tx_packets, 1, "r sent its one announcement");
		}
		blast_end(&b1, "sender 1");
		blast_end(&b2, "sender 2");
	}
	nmt_port_close(&r);
	return;
out_c:
	nmt_port_close(&c);
out_b:
	nmt_port_close(&b);
out_a:
	nmt_port_close(&a);
}

/* ------------------------------------------------------------------------
 * Persistent ports
 */

static void t_persistent(void)
{
	struct nmreq_vale_newif nb;
	struct nmt_port v, n, e;
	uint32_t pi = 0, pi2 = 0, pl;
	uint16_t bl;
	uint32_t seq = 0;
	uint8_t me[6];
	struct rxcount rc;

	CHECK(!netdev_exists("nmv0"), "no nmv0 before the test");
	CHECK_ERR(delif("nmv0"), ENXIO, "DELIF of an unknown interface");
	CHECK_ERR(delif("lo"), EINVAL, "DELIF lo (not a VALE port)");
	memset(&nb, 0, sizeof(nb));
	nb.nr_mem_id = 9999;
	CHECK_ERR(newif("nmv0", &nb), EINVAL, "NEWIF with a mem_id that does not exist");
	CHECK(!netdev_exists("nmv0"), "and no netdev was left behind");
	CHECK_FAILS(newif("nmvtoolongname16", NULL), "NEWIF with a 16-char name fails");

	memset(&nb, 0, sizeof(nb));
	nb.nr_tx_rings = 2;
	nb.nr_rx_rings = 3;
	nb.nr_tx_slots = 128;
	nb.nr_rx_slots = 256;
	if (!CHECK_ERR(newif("nmv0", &nb), 0, "NEWIF nmv0"))
		return;
	CHECK(nb.nr_tx_rings == 2 && nb.nr_rx_rings == 3 && nb.nr_tx_slots == 128 &&
	      nb.nr_rx_slots == 256, "NEWIF wrote back 2/3 rings 128/256 slots (%u/%u %u/%u)",
	      nb.nr_tx_rings, nb.nr_rx_rings, nb.nr_tx_slots, nb.nr_rx_slots);
	CHECK(nb.nr_mem_id >= 2, "its own private region (mem_id %u)", nb.nr_mem_id);
	CHECK(netdev_exists("nmv0"), "/sys/class/net/nmv0 exists");
	{
		struct nmreq_vale_newif again;

		memset(&again, 0, sizeof(again));
		CHECK_ERR(newif("nmv0", &again), EEXIST, "NEWIF nmv0 twice");
		if (again.nr_tx_rings)	/* assumes nothing: the ABI is of two minds */
			nmt_note("EEXIST wrote back %u/%u rings, mem_id %u", again.nr_tx_rings,
				 again.nr_rx_rings, again.nr_mem_id);
	}
	CHECK_ERR(newif("lo", NULL), EEXIST, "NEWIF lo (exists)");
	CHECK_ERR(detach("valeV:nmv0", NULL), ENXIO, "DETACH of a port that is not attached");

	/* Open while not attached: netmap:nmv0. */
	if (open_ok(&n, "nmv0", NULL)) {
		CHECK(n.reg.nr_tx_rings == 2 && n.reg.nr_rx_rings == 3 &&
		      n.reg.nr_tx_slots == 128 && n.reg.nr_rx_slots == 256,
		      "netmap:nmv0 has NEWIF's rings and slots");
		CHECK_EQ(n.reg.nr_mem_id, nb.nr_mem_id, "and NEWIF's region");
		mac(me, 0xe);
		CHECK_EQ(vsend(&n, BCAST, me, &seq, 0xb00, FLEN, 0, 3), 3,
			 "sending on an unattached persistent port goes nowhere, without error");
		CHECK_ERR(delif("nmv0"), EBUSY, "DELIF while open");
		nmt_port_close(&n);
	}

	if (!CHECK_ERR(attach("valeV:nmv0", &pi), 0, "ATTACH valeV:nmv0"))
		goto out_delif;
	CHECK(pi < MAXPORTS, "ATTACH returned port_index %u", pi);
	CHECK_ERR(attach("valeV:nmv0", NULL), EBUSY, "ATTACH valeV:nmv0 twice");
	CHECK_ERR(list_name("valeV:nmv0", &bl, &pl), 0, "VALE_LIST valeV:nmv0");
	CHECK_EQ(pl, pi, "listed with the attach's port_index");
	CHECK_ERR(delif("nmv0"), EBUSY, "DELIF while attached");
	CHECK(netdev_exists("nmv0"), "nmv0 still there");

	/* Open it both ways: the same port. */
	if (open_ok(&v, "valeV:nmv0", NULL)) {
		CHECK_EQ(v.reg.nr_mem_id, nb.nr_mem_id, "valeV:nmv0 is NEWIF's port (mem_id)");
		CHECK(v.reg.nr_tx_rings == 2 && v.reg.nr_rx_rings == 3, "with its rings");
		if (open_ok(&n, "nmv0", NULL)) {
			CHECK_EQ(n.reg.nr_mem_id, v.reg.nr_mem_id, "netmap:nmv0 is the same port");
			/* A frame from an ephemeral port reaches it. */
			if (open_ok(&e, "valeV:eph", NMT_OPTS(.tx_slots = 64, .rx_slots = 64))) {
				mac(me, 0xe);
				vsend(&e, BCAST, me, &seq, 0xb01, FLEN, 0, 4);
				rc = rx(&n, 0xb01, FLEN);
				CHECK(rc.tagged == 4 && !rc.bad,
				      "4 broadcasts from valeV:eph seen through netmap:nmv0 (%u)",
				      rc.tagged);
				/* And the other way round, sent through valeV:nmv0. */
				{
					uint8_t mv[6];

					mac(mv, 0xf);
					vsend(&v, BCAST, mv, &seq, 0xb02, FLEN, 0, 2);
				}
				rc = rx(&e, 0xb02, FLEN);
				CHECK_EQ(rc.tagged, 2, "2 broadcasts valeV:nmv0 -> valeV:eph");
				nmt_port_close(&e);
			}
			nmt_port_close(&n);
		}
		CHECK_ERR(delif("nmv0"), EBUSY, "DELIF while attached and open");
		nmt_port_close(&v);
	}
	CHECK_ERR(list_name("valeV:nmv0", &bl, &pl), 0, "still listed after the opens closed");
	CHECK_EQ(pl, pi, "with the same port_index");
	CHECK_ERR(detach("valeV:nmv0", &pi2), 0, "DETACH valeV:nmv0");
	CHECK_EQ(pi2, pi, "DETACH returned the attach's port_index");
	CHECK_ERR(detach("valeV:nmv0", NULL), ENXIO, "DETACH twice");
	CHECK_ERR(list_name("valeV:nmv0", NULL, NULL), ENOENT,
		  "the bridge went with its last port");
	CHECK(netdev_exists("nmv0"), "nmv0 still exists after DETACH");
	/* Attach again, detach again: the port is reusable. */
	CHECK_ERR(attach("valeV2:nmv0", NULL), 0, "ATTACH valeV2:nmv0 after the detach");
	CHECK_ERR(detach("valeV2:nmv0", NULL), 0, "DETACH valeV2:nmv0");
out_delif:
	CHECK_ERR(delif("nmv0"), 0, "DELIF nmv0");
	CHECK(!netdev_exists("nmv0"), "/sys/class/net/nmv0 is gone");
	CHECK_ERR(delif("nmv0"), ENXIO, "DELIF nmv0 twice");
	CHECK_ERR(try_register("nmv0", NULL), ENXIO, "netmap:nmv0 is gone");
}

/*
 * netmap issue #882: NEWIF, ATTACH, REGISTER valeB:NAME, close; DETACH and
 * DELIF must still work. Also through netmap:NAME, and with several opens.
 */
static void t_issue882(void)
{
	static const struct { const char *ifn, *bdg, *open1, *open2; } c[] = {
		{ "nmv2", "valeX:nmv2", "valeX:nmv2", NULL },
		{ "nmv3", "valeX:nmv3", "nmv3", NULL },
		{ "nmv4", "valeX:nmv4", "valeX:nmv4", "nmv4" },
	};
	struct nmt_port p, q;
	size_t i;
	uint32_t seq = 0;
	uint8_t m[6];

	mac(m, 0x88);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		if (!CHECK_ERR(newif(c[i].ifn, NULL), 0, "NEWIF %s", c[i].ifn))
			continue;
		if (CHECK_ERR(attach(c[i].bdg, NULL), 0, "ATTACH %s", c[i].bdg)) {
			if (open_ok(&p, c[i].open1, NULL)) {
				vsend(&p, BCAST, m, &seq, 0xc01, FLEN, 0, 2);
				if (c[i].open2 && open_ok(&q, c[i].open2, NULL))
					nmt_port_close(&q);
				nmt_port_close(&p);
			}
			/* Once more: open/close again before detaching. */
			if (open_ok(&p, c[i].open1, NULL))
				nmt_port_close(&p);
			CHECK_ERR(list_name(c[i].bdg, NULL, NULL), 0, "%s still listed", c[i].bdg);
			CHECK_ERR(detach(c[i].bdg, NULL), 0,
				  "DETACH %s after it was opened and closed (#882)", c[i].bdg);
		}
		CHECK_ERR(delif(c[i].ifn), 0, "DELIF %s after all that (#882)", c[i].ifn);
		CHECK(!netdev_exists(c[i].ifn), "%s is gone", c[i].ifn);
	}
}

/* The legacy ioctls: NETMAP_BDG_NEWIF/ATTACH/LIST/DETACH/DELIF. */
static int legacy_cmd(int fd, unsigned long req, const char *name, uint16_t cmd,
		      struct nmreq *nmr)
{
	memset(nmr, 0, sizeof(*nmr));
	strncpy(nmr->nr_name, name, sizeof(nmr->nr_name) - 1);
	nmr->nr_version = NETMAP_API;
	nmr->nr_cmd = cmd;
	return nmt_ioctl(fd, req, nmr);
}

static void t_legacy(void)
{
	struct nmreq nmr;
	uint32_t pi;
	int fd;

	fd = nmt_open();
	if (fd < 0)
		return;
	if (!CHECK_ERR(legacy_cmd(fd, NIOCREGIF, "nmv5", NETMAP_BDG_NEWIF, &nmr), 0,
		       "legacy NETMAP_BDG_NEWIF nmv5"))
		goto out;
	CHECK(netdev_exists("nmv5"), "nmv5 exists");
	CHECK_ERR(legacy_cmd(fd, NIOCREGIF, "nmv5", NETMAP_BDG_NEWIF, &nmr), EEXIST,
		  "legacy NEWIF twice");
	if (CHECK_ERR(legacy_cmd(fd, NIOCREGIF, "valeG:nmv5", NETMAP_BDG_ATTACH, &nmr), 0,
		      "legacy NETMAP_BDG_ATTACH valeG:nmv5")) {
		CHECK_ERR(list_name("valeG:nmv5", NULL, &pi), 0, "VALE_LIST valeG:nmv5");
		CHECK_ERR(legacy_cmd(fd, NIOCGINFO, "valeG:nmv5", NETMAP_BDG_LIST, &nmr), 0,
			  "legacy NETMAP_BDG_LIST valeG:nmv5");
		CHECK_EQ(nmr.nr_arg2, pi, "legacy list: nr_arg2 = port index");
		CHECK_ERR(legacy_cmd(fd, NIOCREGIF, "valeG:nmv5", NETMAP_BDG_ATTACH, &nmr), EBUSY,
			  "legacy ATTACH twice");
		CHECK_ERR(legacy_cmd(fd, NIOCREGIF, "valeG:nmv5", NETMAP_BDG_DETACH, &nmr), 0,
			  "legacy NETMAP_BDG_DETACH");
	}
	CHECK_ERR(nmt_txsync(fd), ENXIO, "the legacy control calls left the fd unbound");
	CHECK_ERR(legacy_cmd(fd, NIOCREGIF, "nmv5", NETMAP_BDG_DELIF, &nmr), 0,
		  "legacy NETMAP_BDG_DELIF nmv5");
	CHECK(!netdev_exists("nmv5"), "nmv5 is gone");
	CHECK_ERR(legacy_cmd(fd, NIOCREGIF, "nmv5", NETMAP_BDG_DELIF, &nmr), ENXIO,
		  "legacy DELIF twice");
out:
	close(fd);
}

/* ------------------------------------------------------------------------ */

static const struct nmt_test tests[] = {
	{ "ephemeral", t_ephemeral, "valeB:p created on open, destroyed on last close; defaults" },
	{ "names", t_names, "bridge and port name rules: bad chars, too long -> EINVAL" },
	{ "rings", t_rings, "rings 1..16 and slots 1..4096 clamped and written back" },
	{ "private_mem", t_private_mem, "one private region per port unless nr_mem_id shares one" },
	{ "pipes", t_pipes, "pipes of a VALE port share its region" },
	{ "learning", t_learning, "learning: unicast to the learned port; flood unknown/bcast/mcast; no hairpin" },
	{ "no_learn", t_no_learn, "NS_NO_LEARN frames do not teach the switch" },
	{ "morefrag", t_morefrag, "an NS_MOREFRAG chain arrives whole as a chain" },
	{ "indirect", t_indirect, "NS_INDIRECT payloads are copied from user memory" },
	{ "multiring", t_multiring, "frames from several tx rings reach a multi-ring receiver" },
	{ "full_ring", t_full_ring, "a full destination drops, the sender never blocks" },
	{ "list", t_list, "VALE_LIST: by name, enumeration lists exactly the open ports" },
	{ "ports254", t_ports254, "254 ports on one switch, the 255th refused" },
	{ "bridges", t_bridges, "max_bridges switches, one more refused" },
	{ "senders", t_senders, "two senders blast one port at once: both progress" },
	{ "persistent", t_persistent, "NEWIF/ATTACH/open/DETACH/DELIF and their errors" },
	{ "issue882", t_issue882, "attach, open, close: DETACH and DELIF still work (#882)" },
	{ "legacy", t_legacy, "legacy NETMAP_BDG_NEWIF/ATTACH/LIST/DETACH/DELIF" },
	{ "stats", t_stats, "NETMAP_REQ_OPT_PORT_STATS: sent = received + dropped" },
};

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--newif")) {
		int err = newif(argv[2], NULL);

		if (err)
			fprintf(stderr, "nm_vale: NEWIF %s: %s\n", argv[2], strerror(err));
		return !!err;
	}
	if (argc == 3 && !strcmp(argv[1], "--delif")) {
		int err = delif(argv[2]);

		if (err)
			fprintf(stderr, "nm_vale: DELIF %s: %s\n", argv[2], strerror(err));
		return !!err;
	}
	if (argc == 3 && !strcmp(argv[1], "--stats")) {
		vstats_t st;
		int err = port_stats(argv[2], false, &st);

		if (err) {
			fprintf(stderr, "nm_vale: counters of %s: %s\n", argv[2], strerror(err));
			return 1;
		}
		printf("tx_packets %llu rx_packets %llu rx_drops %llu\n",
		       (unsigned long long)st.tx_packets, (unsigned long long)st.rx_packets,
		       (unsigned long long)st.rx_drops);
		return 0;
	}
	return nmt_main(tests, ARRAY_SIZE(tests), argc, argv, 120);
}
