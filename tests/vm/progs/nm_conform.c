// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_conform - conformance tests of netmap.ko against the netmap userspace
 * ABI (NETMAP-ABI.md and netmap(4)), issue 3: the control path (NIOCCTRL,
 * options, legacy NIOCREGIF/NIOCGINFO), memory (mmap, pools, extra buffers),
 * rings (head/cur/tail, validation, slot flags, timestamps), poll/select/
 * epoll, register modes and flags, netmap pipes and lifetime.
 *
 * Written from the ABI documents, not from the kernel sources. Every subtest
 * runs in its own process (see nmt.h) and uses port names of its own, so a
 * port left behind by one subtest cannot disturb another. Pipes have
 * implicit parents (no port with the parent's name exists), so each parent
 * gets a private memory region sized by the priv_* parameters; the VM loads
 * the module with priv_buf_num=8192 (tests/vm/guest/module-load.sh).
 *
 *   nm_conform [-v] [-l] [NAME...]    run every subtest, or the named ones
 *   nm_conform --hold NAME FILE       register NAME, create FILE, sleep
 *   nm_conform --hold-map NAME FILE   same, then close the fd and keep only
 *                                     the mapping (for conform.sh's rmmod checks)
 *
 * Where the ABI document leaves a behaviour open, the check says what it
 * assumes ("assumes: ...") so a failure can be judged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nmt.h"

#define SLOTS		64	/* slots per ring of most test pipes */
#define PKT_LEN		60
#define NOPT(...)	NMT_OPTS(.tx_slots = SLOTS, .rx_slots = SLOTS, __VA_ARGS__)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------
 * Helpers
 */

/* Register @name with @o and map it; a failure is a failed check. */
static bool open_ok(struct nmt_port *p, const char *name, const struct nmt_reg_opts *o)
{
	int err = nmt_port_open(p, name, o);

	return CHECK_ERR(err, 0, "REGISTER %s", name);
}

/* Open both ends of pipe @base{@id / @base}@id with @o. */
static bool pair_open(struct nmt_port *m, struct nmt_port *s, const char *base,
		      const char *id, const struct nmt_reg_opts *o)
{
	char name[NETMAP_REQ_IFNAMSIZ];

	snprintf(name, sizeof(name), "%s{%s", base, id);
	if (!open_ok(m, name, o))
		return false;
	snprintf(name, sizeof(name), "%s}%s", base, id);
	if (!open_ok(s, name, o)) {
		nmt_port_close(m);
		return false;
	}
	return true;
}

/* REGISTER @name on a fresh fd and close it again: the errno (0 = bound). */
static int try_register(const char *name, const struct nmt_reg_opts *o)
{
	struct nmt_port p;
	int err;

	err = nmt_port_open(&p, name, o);
	nmt_port_close(&p);
	return err;
}

/* ring->tail is the kernel's; tests that play a misbehaving user write it. */
static void set_tail(struct netmap_ring *r, uint32_t v)
{
	*(volatile uint32_t *)&r->tail = v;
}

/*
 * Check and consume every packet in [head, tail) of @r, expecting sequence
 * numbers from *seq on, @tag and @len. Returns the number consumed, or -1
 * after a failed check.
 */
static int drain(struct netmap_ring *r, uint32_t *seq, uint32_t tag, uint16_t len)
{
	uint32_t i = r->head;
	int n = 0;

	if (!CHECK(r->tail < r->num_slots && r->head < r->num_slots,
		   "rx ring %u: head %u tail %u within num_slots %u", r->ringid,
		   r->head, r->tail, r->num_slots))
		return -1;
	while (i != r->tail) {
		if (!nmt_pkt_ok(r, i, *seq, tag, len)) {
			CHECK(0, "rx ring %u slot %u: packet seq %u tag %u len %u intact (got seq %u len %u buf %u)",
			      r->ringid, i, *seq, tag, len, nmt_pkt_seq(r, i),
			      r->slot[i].len, r->slot[i].buf_idx);
			return -1;
		}
		(*seq)++;
		n++;
		i = nm_ring_next(r, i);
	}
	r->head = r->cur = i;
	return n;
}

/*
 * Send @n packets on @txr (bound to @s) and receive them on @rxr (bound to
 * @r), syncing explicitly; the sequence numbers continue from *sseq and
 * *rseq. Returns true if all @n arrived intact, in order.
 */
static bool xfer(struct nmt_port *s, struct netmap_ring *txr, struct nmt_port *r,
		 struct netmap_ring *rxr, uint32_t *sseq, uint32_t *rseq,
		 uint32_t tag, unsigned n)
{
	uint32_t send_end = *sseq + n, recv_end = *rseq + n;
	unsigned idle = 0;
	int got, err;

	while (*rseq != recv_end) {
		nmt_put_many(txr, sseq, tag, PKT_LEN, send_end - *sseq);
		err = nmt_txsync(s->fd);
		if (!CHECK_ERR(err, 0, "NIOCTXSYNC while sending"))
			return false;
		err = nmt_rxsync(r->fd);
		if (!CHECK_ERR(err, 0, "NIOCRXSYNC while receiving"))
			return false;
		got = drain(rxr, rseq, tag, PKT_LEN);
		if (got < 0)
			return false;
		if (got == 0 && ++idle > 100)
			return CHECK(0, "transfer stalled: %u of %u packets received",
				     *rseq - (recv_end - n), n);
		if (got)
			idle = 0;
		err = nmt_rxsync(r->fd);	/* give the consumed slots back */
		if (!CHECK_ERR(err, 0, "NIOCRXSYNC after consuming"))
			return false;
	}
	return true;
}

/* Send and receive @n packets over an open pipe pair, both ways. */
static bool xfer_both(struct nmt_port *m, struct nmt_port *s, unsigned n)
{
	uint32_t a = 0, b = 0, c = 0, d = 0;

	return CHECK(xfer(m, nmt_tx(m, 0), s, nmt_rx(s, 0), &a, &b, 0x1111, n),
		     "%u packets master -> slave", n) &&
	       CHECK(xfer(s, nmt_tx(s, 0), m, nmt_rx(m, 0), &c, &d, 0x2222, n),
		     "%u packets slave -> master", n);
}

/* poll() one fd: revents, 0 on timeout, -1 on error. */
static int poll1(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc = poll(&pfd, 1, timeout_ms);

	if (rc < 0)
		return -1;
	return rc ? pfd.revents : 0;
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

/* Fork a child that sleeps @ms, then sends @n packets on @txr of @fd. */
static pid_t send_later(int fd, struct netmap_ring *txr, unsigned ms, uint32_t tag,
			unsigned n)
{
	pid_t pid = fork();

	if (pid == 0) {
		uint32_t seq = 0;

		usleep(ms * 1000);
		if (nmt_put_many(txr, &seq, tag, PKT_LEN, n) != n)
			_exit(2);
		_exit(nmt_txsync(fd) ? 1 : 0);
	}
	return pid;
}

/* Fork a child that sleeps @ms, then consumes all of @rxr of @fd. */
static pid_t consume_later(int fd, struct netmap_ring *rxr, unsigned ms)
{
	pid_t pid = fork();

	if (pid == 0) {
		usleep(ms * 1000);
		if (nmt_rxsync(fd))
			_exit(1);
		rxr->head = rxr->cur = rxr->tail;
		_exit(nmt_rxsync(fd) ? 1 : 0);
	}
	return pid;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Append the buf_idx of every slot of @r to @v. */
static size_t ring_bufs(const struct netmap_ring *r, uint32_t *v, size_t n)
{
	uint32_t i;

	for (i = 0; r && i < r->num_slots; i++)
		v[n++] = r->slot[i].buf_idx;
	return n;
}

/* All @n indexes distinct (sorts @v)? */
static bool all_distinct(uint32_t *v, size_t n)
{
	size_t i;

	qsort(v, n, sizeof(*v), cmp_u32);
	for (i = 1; i < n; i++)
		if (v[i] == v[i - 1])
			return false;
	return true;
}

/*
 * Buffers of a 1+1 ring pipe pair, sorted: those of its two TX rings (each
 * RX ring shows the buffers of the peer's TX ring, netmap's pipes).
 */
static size_t pair_bufs(const struct nmt_port *m, const struct nmt_port *s, uint32_t *v)
{
	size_t n = 0;

	n = ring_bufs(nmt_tx(m, 0), v, n);
	n = ring_bufs(nmt_tx(s, 0), v, n);
	qsort(v, n, sizeof(*v), cmp_u32);
	return n;
}

/* Does RX ring @r show the buffers of TX ring @t, slot by slot? */
static bool shows_peer(const struct netmap_ring *r, const struct netmap_ring *t)
{
	uint32_t i;

	for (i = 0; i < r->num_slots && i < t->num_slots; i++)
		if (r->slot[i].buf_idx != t->slot[i].buf_idx)
			return false;
	return r->num_slots == t->num_slots;
}

/*
 * Walk the extra-buffer list of @p (whose ring @r gives the buffer
 * geometry) into @v (at most @max). Returns the length, or -1 if the list
 * has an invalid index or does not end within @max entries.
 */
static long walk_extra(const struct nmt_port *p, const struct netmap_ring *r,
		       uint32_t *v, size_t max)
{
	uint32_t b = p->nifp->ni_bufs_head;
	size_t n = 0;

	while (b) {
		if (n == max || !nmt_buf_ok(p, r, b))
			return -1;
		v[n++] = b;
		memcpy(&b, NETMAP_BUF(r, b), sizeof(b));
	}
	return (long)n;
}

static void pools(const char *name, struct nmreq_pools_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	CHECK_ERR(nmt_pools_info(name, pi), 0, "POOLS_INFO_GET %s", name);
}

/* ------------------------------------------------------------------------
 * Control path: header checks
 */

static void t_version(void)
{
	static const struct { uint16_t v; int err; } c[] = {
		{ 0, EINVAL }, { 13, EINVAL }, { 14, 0 }, { 15, 0 }, { 16, EINVAL },
		{ 0xffff, EINVAL },
	};
	struct nmreq_port_info_get info;
	struct nmreq_header h;
	struct nmt_port p;
	size_t i;
	int fd;

	fd = nmt_open();
	if (fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		memset(&info, 0, sizeof(info));
		nmt_hdr(&h, NETMAP_REQ_PORT_INFO_GET, "", &info);
		h.nr_version = c[i].v;
		CHECK_ERR(nmt_ctrl(fd, &h), c[i].err, "PORT_INFO_GET with nr_version %u", c[i].v);
	}
	close(fd);
	CHECK_ERR(try_register("ver{0", NOPT(.version = 13)), EINVAL, "REGISTER, nr_version 13");
	CHECK_ERR(try_register("ver{0", NOPT(.version = 16)), EINVAL, "REGISTER, nr_version 16");
	if (CHECK_ERR(nmt_port_open(&p, "ver{0", NOPT(.version = 15)), 0,
		      "REGISTER, nr_version 15 (NETMAP_MAX_API)")) {
		CHECK(p.reg.nr_memsize > 0 && nmt_tx(&p, 0), "version 15 port is usable");
		nmt_port_close(&p);
	}
	CHECK_ERR(try_register("ver{0", NOPT(.version = 14)), 0, "REGISTER, nr_version 14");
}

static void t_reserved(void)
{
	static const uint32_t bad[] = { 1, 0x100, 0x80000000u, 0xffffffffu };
	struct nmreq_port_info_get info;
	struct nmreq_register reg;
	struct nmreq_header h;
	size_t i;
	int fd;

	fd = nmt_open();
	if (fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&info, 0, sizeof(info));
		nmt_hdr(&h, NETMAP_REQ_PORT_INFO_GET, "", &info);
		h.nr_reserved = bad[i];
		CHECK_ERR(nmt_ctrl(fd, &h), EINVAL, "PORT_INFO_GET with nr_reserved 0x%x", bad[i]);
		nmt_reg_req(&h, &reg, "rsv{0", NOPT());
		h.nr_reserved = bad[i];
		CHECK_ERR(nmt_ctrl(fd, &h), EINVAL, "REGISTER with nr_reserved 0x%x", bad[i]);
	}
	CHECK_ERR(nmt_txsync(fd), ENXIO, "fd still unbound after the refused REGISTERs");
	nmt_reg_req(&h, &reg, "rsv{0", NOPT());
	CHECK_ERR(nmt_ctrl(fd, &h), 0, "REGISTER with nr_reserved 0 on the same fd");
	close(fd);
}

static void t_reqtype(void)
{
	static const uint16_t bad[] = { 0, 16, 17, 64, 100, 0x7fff, 0x8000, 0xffff };
	static uint64_t body[512];	/* 4 KiB of zeroes: big enough for any body */
	struct nmreq_header h;
	size_t i;
	int fd;

	fd = nmt_open();
	if (fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		nmt_hdr(&h, bad[i], "rqt{0", body);
		CHECK_ERR(nmt_ctrl(fd, &h), EINVAL, "nr_reqtype %u with a body", bad[i]);
		nmt_hdr(&h, bad[i], "rqt{0", NULL);
		CHECK_ERR(nmt_ctrl(fd, &h), EINVAL, "nr_reqtype %u without a body", bad[i]);
	}
	close(fd);
}

static void t_body(void)
{
	static const uint16_t nobody[] = {
		NETMAP_REQ_VALE_DELIF, NETMAP_REQ_SYNC_KLOOP_STOP, NETMAP_REQ_CSB_ENABLE,
	};
	static const uint16_t needbody[] = {
		NETMAP_REQ_REGISTER, NETMAP_REQ_PORT_INFO_GET, NETMAP_REQ_POOLS_INFO_GET,
		NETMAP_REQ_VALE_ATTACH, NETMAP_REQ_VALE_LIST, NETMAP_REQ_VALE_NEWIF,
	};
	static uint64_t body[512];
	struct nmreq_port_info_get info;
	struct nmreq_header h;
	void *ro;
	size_t i;
	int fd;

	fd = nmt_open();
	if (fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(needbody); i++) {
		nmt_hdr(&h, needbody[i], "bdy{0", NULL);
		CHECK_ERR(nmt_ctrl(fd, &h), EINVAL, "reqtype %u (has a body) with nr_body NULL",
			  needbody[i]);
	}
	for (i = 0; i < ARRAY_SIZE(nobody); i++) {
		nmt_hdr(&h, nobody[i], "bdy{0", body);
		CHECK_ERR(nmt_ctrl(fd, &h), EINVAL, "reqtype %u (no body) with nr_body set",
			  nobody[i]);
	}
	CHECK_ERR(nmt_txsync(fd), ENXIO, "the REGISTER without body left the fd unbound");

	/* Unreadable and unwritable bodies: an error, no oops. */
	nmt_hdr(&h, NETMAP_REQ_PORT_INFO_GET, "", (void *)(uintptr_t)8);
	CHECK_FAILS(nmt_ctrl(fd, &h), "PORT_INFO_GET with nr_body at address 8 fails");
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (CHECK(ro != MAP_FAILED, "mmap a read-only page")) {
		nmt_hdr(&h, NETMAP_REQ_PORT_INFO_GET, "", ro);
		CHECK_FAILS(nmt_ctrl(fd, &h), "PORT_INFO_GET with a read-only body fails (copy-back)");
		munmap(ro, 4096);
	}
	CHECK_FAILS(nmt_ioctl(fd, NIOCCTRL, (void *)(uintptr_t)16),
		    "NIOCCTRL with the header at address 16 fails");
	/* The fd still works. */
	memset(&info, 0, sizeof(info));
	nmt_hdr(&h, NETMAP_REQ_PORT_INFO_GET, "", &info);
	CHECK_ERR(nmt_ctrl(fd, &h), 0, "PORT_INFO_GET with a good body afterwards");
	close(fd);
}

/* The body is copied back only on success; the header always. */
static void t_copyback(void)
{
	struct nmreq_port_info_get info, info0;
	struct nmreq_register reg, reg0;
	struct nmreq_header h;
	int fd;

	fd = nmt_open();
	if (fd < 0)
		return;
	nmt_reg_req(&h, &reg, "nosuchif0", NOPT(.extra_bufs = 3));
	reg.nr_offset = 0x1111;	/* output-only fields: sentinels */
	reg.nr_memsize = 0x2222;
	reg0 = reg;
	CHECK_ERR(nmt_ctrl(fd, &h), ENXIO, "REGISTER nosuchif0");
	CHECK(!memcmp(&reg, &reg0, sizeof(reg)), "failed REGISTER left the body untouched");

	memset(&info, 0x5a, sizeof(info));
	info.nr_mem_id = 0;
	info0 = info;
	nmt_hdr(&h, NETMAP_REQ_PORT_INFO_GET, "nosuchif0", &info);
	CHECK_ERR(nmt_ctrl(fd, &h), ENXIO, "PORT_INFO_GET nosuchif0");
	CHECK(!memcmp(&info, &info0, sizeof(info)), "failed PORT_INFO_GET left the body untouched");

	nmt_reg_req(&h, &reg, "cpb{0", NOPT());
	reg.nr_memsize = 0;
	CHECK_ERR(nmt_ctrl(fd, &h), 0, "REGISTER cpb{0");
	CHECK(reg.nr_memsize != 0, "successful REGISTER wrote the body back");
	close(fd);
}

static void t_name(void)
{
	struct nmreq_register reg;
	struct nmreq_header h;
	struct nmt_port p;
	char name63[64], buf[64];
	struct nmreq nmr;
	int fd, err;

	/* 64 bytes without a NUL: the kernel uses the first 63. */
	memset(name63, 'a', sizeof(name63));
	memcpy(name63, "nt{", 3);
	name63[63] = 0;
	fd = nmt_open();
	if (fd < 0)
		return;
	nmt_reg_req(&h, &reg, NULL, NOPT(.flags = NR_EXCLUSIVE));
	memcpy(h.nr_name, name63, 63);
	h.nr_name[63] = 'Z';
	err = nmt_ctrl(fd, &h);
	CHECK_ERR(err, 0, "REGISTER with 64 name bytes and no NUL (taken as its first 63)");
	CHECK_EQ(h.nr_name[63], 0, "nr_name[63] forced to 0 in the copied-back header");
	if (!err)
		CHECK_ERR(try_register(name63, NOPT()), EBUSY,
			  "the 63-byte name is the port just bound exclusively");
	close(fd);

	/* Only the bytes up to the NUL count. */
	if (open_ok(&p, "nj{0", NOPT(.flags = NR_EXCLUSIVE))) {
		fd = nmt_open();
		if (fd < 0)
			return;
		nmt_reg_req(&h, &reg, "nj{0", NOPT());
		memcpy(h.nr_name + 5, "garbage}", 8);
		CHECK_ERR(nmt_ctrl(fd, &h), EBUSY, "bytes after the NUL are ignored (same port nj{0)");
		close(fd);
		CHECK(!strncmp(p.nifp->ni_name, "nj{0", sizeof(p.nifp->ni_name)),
		      "ni_name is the port name (got %.16s)", p.nifp->ni_name);
		nmt_port_close(&p);
	}

	/* A long name: ni_name is a prefix of it (may be cut short). */
	memset(buf, 0, sizeof(buf));
	memset(buf, 'b', 40);
	memcpy(buf, "nl{", 3);
	if (open_ok(&p, buf, NOPT())) {
		size_t n = strnlen(p.nifp->ni_name, sizeof(p.nifp->ni_name));

		CHECK(n > 0 && !strncmp(p.nifp->ni_name, buf, n),
		      "ni_name of a 40-byte name is a prefix of it (got %.16s)", p.nifp->ni_name);
		nmt_port_close(&p);
	}
	memset(buf, 0, sizeof(buf));
	memset(buf, 'q', 63);
	CHECK_ERR(try_register(buf, NOPT()), ENXIO, "63-byte unknown plain name gives ENXIO");

	/*
	 * Legacy struct nmreq: 16 name bytes without a NUL. Assumes: the
	 * kernel takes at most 15 of them (netmap copies the legacy name with
	 * strlcpy) or refuses the name with EINVAL; it never reads past it.
	 */
	fd = nmt_open();
	memset(&nmr, 0, sizeof(nmr));
	memcpy(nmr.nr_name, "lz{bbbbbbbbbbbbb", 16);
	nmr.nr_version = NETMAP_API;
	err = nmt_ioctl(fd, NIOCREGIF, &nmr);
	if (err)
		CHECK_ERR(err, EINVAL, "legacy 16-byte name without NUL refused with EINVAL");
	else
		CHECK_ERR(try_register("lz{bbbbbbbbbbbb", NOPT(.flags = NR_EXCLUSIVE)), EBUSY,
			  "legacy 16-byte name without NUL bound its first 15 bytes");
	close(fd);
}

static void t_busy(void)
{
	struct nmreq_register reg;
	struct nmreq_header h;
	struct nmt_port p;
	struct nmreq nmr;

	if (!open_ok(&p, "by{0", NOPT()))
		return;
	nmt_reg_req(&h, &reg, "by{0", NOPT());
	CHECK_ERR(nmt_ctrl(p.fd, &h), EBUSY, "second REGISTER of the same port on a bound fd");
	nmt_reg_req(&h, &reg, "by}0", NOPT());
	CHECK_ERR(nmt_ctrl(p.fd, &h), EBUSY, "REGISTER of another port on a bound fd");
	memset(&nmr, 0, sizeof(nmr));
	strcpy(nmr.nr_name, "by{1");
	nmr.nr_version = NETMAP_API;
	CHECK_ERR(nmt_ioctl(p.fd, NIOCREGIF, &nmr), EBUSY, "legacy NIOCREGIF on a bound fd");
	CHECK_ERR(nmt_txsync(p.fd), 0, "the first binding still works");
	CHECK_EQ(nmt_tx(&p, 0)->tail, SLOTS - 1, "and its ring is untouched");
	nmt_port_close(&p);
}

static void t_enxio(void)
{
	struct nmreq_port_info_get info;
	struct nmreq_pools_info pi;

	CHECK_ERR(try_register("nosuchif0", NOPT()), ENXIO, "REGISTER nosuchif0");
	CHECK_ERR(try_register("eth99", NOPT()), ENXIO, "REGISTER eth99");
	CHECK_ERR(try_register("abcdefghijklmno", NOPT()), ENXIO, "REGISTER of a 15-char unknown name");
	memset(&info, 0, sizeof(info));
	CHECK_ERR(nmt_port_info("nosuchif0", &info), ENXIO, "PORT_INFO_GET nosuchif0");
	memset(&pi, 0, sizeof(pi));
	CHECK_ERR(nmt_pools_info("nosuchif0", &pi), ENXIO, "POOLS_INFO_GET nosuchif0");
}

static void t_pipe_names(void)
{
	static const char *const badnames[] = { "pn{", "pn}", "{1", "}1", "{", "}", "pn{1}2" };
	static const uint32_t badmodes[] = {
		NR_REG_SW, NR_REG_NIC_SW, NR_REG_ONE_SW, NR_REG_PIPE_MASTER, NR_REG_PIPE_SLAVE,
		9, 100, 0x7fffffff,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(badnames); i++)
		CHECK_ERR(try_register(badnames[i], NOPT()), EINVAL, "REGISTER %s", badnames[i]);
	for (i = 0; i < ARRAY_SIZE(badmodes); i++)
		CHECK_ERR(try_register("pn{1", NOPT(.mode = badmodes[i])), EINVAL,
			  "REGISTER pn{1 with nr_mode %u", badmodes[i]);
	CHECK_ERR(try_register("pn", NOPT(.mode = NR_REG_PIPE_MASTER, .ringid = 1)), EINVAL,
		  "NIOCCTRL REGISTER pn with NR_REG_PIPE_MASTER (deprecated)");
	CHECK_ERR(try_register("pn", NOPT(.mode = NR_REG_PIPE_SLAVE, .ringid = 1)), EINVAL,
		  "NIOCCTRL REGISTER pn with NR_REG_PIPE_SLAVE (deprecated)");
	CHECK_ERR(try_register("pn{1", NOPT()), 0, "REGISTER pn{1 ALL_NIC");
	CHECK_ERR(try_register("pn}1", NOPT(.mode = NR_REG_ONE_NIC)), 0, "REGISTER pn}1 ONE_NIC 0");
	CHECK_ERR(try_register("pn{abc_1", NOPT()), 0, "non-numeric pipe id pn{abc_1");
}

/* ------------------------------------------------------------------------
 * Options
 */

static void opt_init(struct nmreq_option *o, uint32_t type, void *next)
{
	memset(o, 0, sizeof(*o));
	o->nro_reqtype = type;
	o->nro_next = (uintptr_t)next;
	o->nro_status = 0xdead;
}

/* REGISTER @name on @fd with the option list @opts. */
static int reg_opts(int fd, const char *name, void *opts, uint64_t flags)
{
	struct nmreq_register reg;
	struct nmreq_header h;
	int err;

	nmt_reg_req(&h, &reg, name, NOPT(.flags = flags));
	h.nr_options = (uintptr_t)opts;
	err = nmt_ctrl(fd, &h);
	CHECK_EQ(h.nr_options, (uintptr_t)opts, "nr_options pointer restored");
	return err;
}

static void t_opt_type0(void)
{
	struct nmreq_option o;
	int fd;

	fd = nmt_open();
	if (fd < 0)
		return;
	opt_init(&o, 0, NULL);
	CHECK_ERR(reg_opts(fd, "ot{0", &o, 0), EINVAL, "REGISTER with an option of type 0");
	CHECK_ERR(o.nro_status, EINVAL, "its nro_status");
	CHECK_ERR(nmt_txsync(fd), ENXIO, "fd left unbound");
	CHECK_ERR(reg_opts(fd, "ot{0", NULL, 0), 0, "REGISTER without options on the same fd");
	close(fd);
}

static void t_opt_unknown(void)
{
	static const uint32_t types[] = { NETMAP_REQ_OPT_MAX, 7, 1000, 0xffffffffu };
	struct nmreq_option o[3];
	size_t i;
	int fd;

	fd = nmt_open();
	if (fd < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		opt_init(&o[0], types[i], NULL);
		CHECK_ERR(reg_opts(fd, "ou{0", &o[0], 0), EOPNOTSUPP,
			  "REGISTER with unknown option type %u", types[i]);
		CHECK_ERR(o[0].nro_status, EOPNOTSUPP, "its nro_status");
	}
	/* A list of three: every status written, every nro_next restored. */
	opt_init(&o[0], 100, &o[1]);
	opt_init(&o[1], 101, &o[2]);
	opt_init(&o[2], 102, NULL);
	CHECK_ERR(reg_opts(fd, "ou{0", &o[0], 0), EOPNOTSUPP, "REGISTER with 3 unknown options");
	for (i = 0; i < 3; i++)
		CHECK_ERR(o[i].nro_status, EOPNOTSUPP, "status of option %zu of 3", i);
	CHECK(o[0].nro_next == (uintptr_t)&o[1] && o[1].nro_next == (uintptr_t)&o[2] &&
	      o[2].nro_next == 0, "nro_next pointers restored");
	/* Unknown types are skipped, so the same unknown type twice is no duplicate. */
	opt_init(&o[0], 1000, &o[1]);
	opt_init(&o[1], 1000, NULL);
	CHECK_ERR(reg_opts(fd, "ou{0", &o[0], 0), EOPNOTSUPP,
		  "the same unknown type twice: EOPNOTSUPP, not a duplicate");
	CHECK_ERR(nmt_txsync(fd), ENXIO, "fd left unbound");
	close(fd);
}

/* Known options that REGISTER does not use stay EOPNOTSUPP and fail it. */
static void t_opt_unused(void)
{
	struct nmreq_opt_sync_kloop_mode km;
	struct nmreq_opt_sync_kloop_eventfds ev;
	int fd;

	fd = nmt_open();
	if (fd < 0)
		return;
	opt_init(&km.nro_opt, NETMAP_REQ_OPT_SYNC_KLOOP_MODE, NULL);
	km.mode = NM_OPT_SYNC_KLOOP_DIRECT_TX;
	km.pad1 = 0;
	CHECK_ERR(reg_opts(fd, "ok{0", &km, 0), EOPNOTSUPP, "REGISTER with SYNC_KLOOP_MODE");
	CHECK_ERR(km.nro_opt.nro_status, EOPNOTSUPP, "its nro_status");
	opt_init(&ev.nro_opt, NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS, NULL);
	ev.nro_opt.nro_size = sizeof(ev);
	CHECK_ERR(reg_opts(fd, "ok{0", &ev, 0), EOPNOTSUPP,
		  "REGISTER with SYNC_KLOOP_EVENTFDS (no entries)");
	CHECK_ERR(ev.nro_opt.nro_status, EOPNOTSUPP, "its nro_status");
	CHECK_ERR(nmt_txsync(fd), ENXIO, "fd left unbound");
	close(fd);
}

/*
 * Options REGISTER may use (EXTMEM, CSB, OFFSETS) are never ignored
 * silently: REGISTER succeeds with status 0, or fails and the status says
 * why (EOPNOTSUPP for both when the option is not implemented).
 */
static void t_opt_known(void)
{
	static struct nm_csb_atok atok[2] __attribute__((aligned(64)));
	static struct nm_csb_ktoa ktoa[2] __attribute__((aligned(64)));
	struct nmreq_opt_extmem em;
	struct nmreq_opt_offsets of;
	struct nmreq_opt_csb cs;
	struct {
		const char *what;
		struct nmreq_option *o;
		uint64_t flags;
	} c[] = {
		{ "EXTMEM (usrptr 0)", &em.nro_opt, 0 },
		{ "OFFSETS (max 0)", &of.nro_opt, 0 },
		{ "CSB (exclusive, aligned)", &cs.nro_opt, NR_EXCLUSIVE },
	};
	size_t i;
	int fd, err;

	memset(&em, 0, sizeof(em));
	opt_init(&em.nro_opt, NETMAP_REQ_OPT_EXTMEM, NULL);
	memset(&of, 0, sizeof(of));
	opt_init(&of.nro_opt, NETMAP_REQ_OPT_OFFSETS, NULL);
	memset(&cs, 0, sizeof(cs));
	opt_init(&cs.nro_opt, NETMAP_REQ_OPT_CSB, NULL);
	cs.csb_atok = (uintptr_t)atok;
	cs.csb_ktoa = (uintptr_t)ktoa;
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		char name[16];

		snprintf(name, sizeof(name), "okn%zu{0", i);
		fd = nmt_open();
		if (fd < 0)
			return;
		err = reg_opts(fd, name, c[i].o, c[i].flags);
		if (!err)
			CHECK_ERR(c[i].o->nro_status, 0, "%s: REGISTER succeeded, status 0", c[i].what);
		else if (err == EOPNOTSUPP)
			CHECK_ERR(c[i].o->nro_status, EOPNOTSUPP,
				  "%s: REGISTER EOPNOTSUPP, status EOPNOTSUPP", c[i].what);
		else
			CHECK(c[i].o->nro_status != 0 && c[i].o->nro_status != 0xdead,
			      "%s: REGISTER failed with %d, the status says why (%u)",
			      c[i].what, err, c[i].o->nro_status);
		nmt_note("%s: REGISTER %d, status %u", c[i].what, err, c[i].o->nro_status);
		close(fd);
	}
}

static void t_opt_dup(void)
{
	struct nmreq_opt_sync_kloop_mode a, b;
	struct nmreq_opt_offsets x, y;
	struct nmreq_option u;
	int fd;

	fd = nmt_open();
	if (fd < 0)
		return;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	opt_init(&u, 1000, &a);
	opt_init(&a.nro_opt, NETMAP_REQ_OPT_SYNC_KLOOP_MODE, &b);
	opt_init(&b.nro_opt, NETMAP_REQ_OPT_SYNC_KLOOP_MODE, NULL);
	CHECK_ERR(reg_opts(fd, "od{0", &u, 0), EINVAL, "REGISTER with SYNC_KLOOP_MODE twice");
	CHECK_ERR(a.nro_opt.nro_status, EINVAL, "status of the first copy");
	CHECK_ERR(b.nro_opt.nro_status, EINVAL, "status of the second copy");
	memset(&x, 0, sizeof(x));
	memset(&y, 0, sizeof(y));
	opt_init(&x.nro_opt, NETMAP_REQ_OPT_OFFSETS, &y);
	opt_init(&y.nro_opt, NETMAP_REQ_OPT_OFFSETS, NULL);
	CHECK_ERR(reg_opts(fd, "od{0", &x, 0), EINVAL, "REGISTER with OFFSETS twice");
	CHECK_ERR(x.nro_opt.nro_status, EINVAL, "status of the first copy");
	CHECK_ERR(y.nro_opt.nro_status, EINVAL, "status of the second copy");
	CHECK_ERR(nmt_txsync(fd), ENXIO, "fd left unbound");
	close(fd);
}

static void t_opt_loop(void)
{
	static struct nmreq_option many[200];
	struct nmreq_option a, b;
	size_t i;
	int fd;

	fd = nmt_open();
	if (fd < 0)
		return;
	opt_init(&a, 1000, &a);
	CHECK_ERR(reg_opts(fd, "ol{0", &a, 0), EMSGSIZE, "option list pointing to itself");
	opt_init(&a, 1000, &b);
	opt_init(&b, 1001, &a);
	CHECK_ERR(reg_opts(fd, "ol{0", &a, 0), EMSGSIZE, "option list looping over two options");
	opt_init(&a, NETMAP_REQ_OPT_OFFSETS, &a);
	CHECK_FAILS(reg_opts(fd, "ol{0", &a, 0),
		    "known option pointing to itself fails (EMSGSIZE or duplicate EINVAL)");
	/* 200 options of 24 bytes: more than NETMAP_REQ_MAXSIZE. */
	for (i = 0; i < ARRAY_SIZE(many); i++)
		opt_init(&many[i], 1000 + i, i + 1 < ARRAY_SIZE(many) ? &many[i + 1] : NULL);
	CHECK_ERR(reg_opts(fd, "ol{0", &many[0], 0), EMSGSIZE, "200 options (4800 bytes)");
	/* 100 fit: every one is answered. */
	many[99].nro_next = 0;
	CHECK_ERR(reg_opts(fd, "ol{0", &many[0], 0), EOPNOTSUPP, "100 unknown options (2400 bytes)");
	for (i = 0; i < 100; i++)
		if (many[i].nro_status != EOPNOTSUPP)
			break;
	CHECK_EQ(i, 100, "all 100 statuses are EOPNOTSUPP");
	/* Bad pointers in the list: an error, no oops. */
	CHECK_FAILS(reg_opts(fd, "ol{0", (void *)(uintptr_t)8, 0), "nr_options = 8 fails");
	opt_init(&a, 1000, (void *)(uintptr_t)24);
	CHECK_FAILS(reg_opts(fd, "ol{0", &a, 0), "nro_next = 24 fails");
	CHECK_ERR(nmt_txsync(fd), ENXIO, "fd left unbound");
	CHECK_ERR(reg_opts(fd, "ol{0", NULL, 0), 0, "then a plain REGISTER works");
	close(fd);
}

/* ------------------------------------------------------------------------
 * Information requests
 */

static void t_port_info(void)
{
	struct nmreq_port_info_get info, info2;
	struct nmt_port m, s;

	memset(&info, 0, sizeof(info));
	if (CHECK_ERR(nmt_port_info("", &info), 0, "PORT_INFO_GET with an empty name")) {
		CHECK(info.nr_memsize > 0, "memsize of mem_id 1 is %llu",
		      (unsigned long long)info.nr_memsize);
		CHECK_EQ(info.nr_mem_id, 1, "nr_mem_id 0 means allocator 1");
	}
	memset(&info2, 0, sizeof(info2));
	info2.nr_mem_id = 1;
	CHECK_ERR(nmt_port_info("", &info2), 0, "PORT_INFO_GET, empty name, mem_id 1");
	CHECK_EQ(info2.nr_memsize, info.nr_memsize, "same memsize as with mem_id 0");
	memset(&info2, 0, sizeof(info2));
	info2.nr_mem_id = 9999;
	CHECK_ERR(nmt_port_info("", &info2), EINVAL, "PORT_INFO_GET, empty name, mem_id 9999");

	if (!open_ok(&m, "pi{0", NMT_OPTS(.tx_rings = 2, .rx_rings = 3, .tx_slots = 128,
					  .rx_slots = 256)))
		return;
	memset(&info, 0, sizeof(info));
	if (CHECK_ERR(nmt_port_info("pi{0", &info), 0, "PORT_INFO_GET pi{0")) {
		CHECK_EQ(info.nr_tx_rings, 2, "master tx rings");
		CHECK_EQ(info.nr_rx_rings, 3, "master rx rings");
		CHECK_EQ(info.nr_tx_slots, 128, "master tx slots");
		CHECK_EQ(info.nr_rx_slots, 256, "master rx slots");
		CHECK_EQ(info.nr_mem_id, m.reg.nr_mem_id, "master mem_id");
		CHECK_EQ(info.nr_memsize, m.reg.nr_memsize, "master memsize");
	}
	memset(&info, 0, sizeof(info));
	if (CHECK_ERR(nmt_port_info("pi}0", &info), 0, "PORT_INFO_GET pi}0 (slave, not bound)")) {
		CHECK_EQ(info.nr_tx_rings, 3, "slave tx rings = master rx rings");
		CHECK_EQ(info.nr_rx_rings, 2, "slave rx rings = master tx rings");
		CHECK_EQ(info.nr_tx_slots, 256, "slave tx slots = master rx slots");
		CHECK_EQ(info.nr_rx_slots, 128, "slave rx slots = master tx slots");
		CHECK_EQ(info.nr_mem_id, m.reg.nr_mem_id, "slave mem_id = master's");
	}
	if (open_ok(&s, "pi}0", NULL)) {
		CHECK_EQ(s.reg.nr_tx_rings, 3, "REGISTER of the slave: tx rings");
		nmt_port_close(&s);
	}
	memset(&info, 0, sizeof(info));
	info.nr_mem_id = m.reg.nr_mem_id;
	CHECK_ERR(nmt_port_info("", &info), 0, "PORT_INFO_GET, empty name, the pipe's mem_id");
	CHECK_EQ(info.nr_memsize, m.reg.nr_memsize, "its memsize is the pipe's");
	/* A bound fd may ask too. */
	{
		struct nmreq_header h;

		memset(&info, 0, sizeof(info));
		nmt_hdr(&h, NETMAP_REQ_PORT_INFO_GET, "pi{0", &info);
		CHECK_ERR(nmt_ctrl(m.fd, &h), 0, "PORT_INFO_GET on a bound fd");
		CHECK_EQ(info.nr_tx_rings, 2, "with the same answer");
	}
	nmt_port_close(&m);
}

static void t_pools_info(void)
{
	struct nmreq_pools_info pi;
	struct nmt_port m, s;
	uint64_t if_end, ring_end, buf_end, ofs;
	struct netmap_ring *r;
	unsigned i;

	memset(&pi, 0, sizeof(pi));
	CHECK_FAILS(nmt_pools_info("", &pi), "POOLS_INFO_GET with an empty name fails");
	if (!pair_open(&m, &s, "pl", "0", NOPT(.extra_bufs = 10)))
		return;
	pools("pl{0", &pi);
	CHECK_EQ(pi.nr_memsize, m.reg.nr_memsize, "memsize = REGISTER's");
	CHECK_EQ(pi.nr_mem_id, m.reg.nr_mem_id, "mem_id = REGISTER's");
	CHECK(pi.nr_if_pool_objtotal && pi.nr_if_pool_objsize && pi.nr_ring_pool_objtotal &&
	      pi.nr_ring_pool_objsize && pi.nr_buf_pool_objtotal && pi.nr_buf_pool_objsize,
	      "no empty pool");
	if_end = pi.nr_if_pool_offset + (uint64_t)pi.nr_if_pool_objtotal * pi.nr_if_pool_objsize;
	ring_end = pi.nr_ring_pool_offset +
		   (uint64_t)pi.nr_ring_pool_objtotal * pi.nr_ring_pool_objsize;
	buf_end = pi.nr_buf_pool_offset + (uint64_t)pi.nr_buf_pool_objtotal * pi.nr_buf_pool_objsize;
	CHECK(pi.nr_if_pool_offset < pi.nr_ring_pool_offset &&
	      pi.nr_ring_pool_offset < pi.nr_buf_pool_offset,
	      "pool offsets ascend: if %llu < ring %llu < buf %llu",
	      (unsigned long long)pi.nr_if_pool_offset,
	      (unsigned long long)pi.nr_ring_pool_offset,
	      (unsigned long long)pi.nr_buf_pool_offset);
	CHECK(if_end <= pi.nr_ring_pool_offset && ring_end <= pi.nr_buf_pool_offset &&
	      buf_end <= pi.nr_memsize,
	      "pools do not overlap and fit in memsize (ends %llu %llu %llu, memsize %llu)",
	      (unsigned long long)if_end, (unsigned long long)ring_end,
	      (unsigned long long)buf_end, (unsigned long long)pi.nr_memsize);
	CHECK(m.reg.nr_offset >= pi.nr_if_pool_offset && m.reg.nr_offset < if_end,
	      "nr_offset %llu is in the if pool", (unsigned long long)m.reg.nr_offset);
	r = nmt_tx(&m, 0);
	if (!CHECK(r != NULL, "master tx ring 0 bound"))
		goto out;
	CHECK_EQ(r->nr_buf_size, pi.nr_buf_pool_objsize, "ring nr_buf_size = buf pool objsize");
	ofs = (uint64_t)((char *)r - (char *)m.mem);
	CHECK(ofs >= pi.nr_ring_pool_offset && ofs < ring_end, "tx ring 0 is in the ring pool");
	CHECK((uint64_t)((char *)r + r->buf_ofs - (char *)m.mem) == pi.nr_buf_pool_offset,
	      "ring buf_ofs points at the buf pool");
	CHECK(sizeof(*r) + (uint64_t)r->num_slots * sizeof(struct netmap_slot) <=
	      pi.nr_ring_pool_objsize, "ring header + slots fit in a ring object");
	for (i = 0; i < r->num_slots; i++)
		if (r->slot[i].buf_idx < 2 || r->slot[i].buf_idx >= pi.nr_buf_pool_objtotal)
			break;
	CHECK_EQ(i, r->num_slots, "every tx slot buf_idx is in [2, buf objtotal)");
	/* Same region seen from the slave. */
	memset(&pi, 0, sizeof(pi));
	pools("pl}0", &pi);
	CHECK_EQ(pi.nr_mem_id, m.reg.nr_mem_id, "the slave's pools are the master's region");
out:
	nmt_port_close(&s);
	nmt_port_close(&m);
}

static void t_mem_id(void)
{
	struct nmt_port a, b, c;

	CHECK_ERR(try_register("mi{0", NOPT(.mem_id = 9999)), EINVAL,
		  "REGISTER with a mem_id that does not exist");
	if (!open_ok(&a, "mi{0", NOPT()))
		return;
	if (open_ok(&b, "mi{1", NOPT())) {
		CHECK_EQ(b.reg.nr_mem_id, a.reg.nr_mem_id, "two pipes of one parent share its region");
		nmt_port_close(&b);
	}
	if (open_ok(&c, "mj{0", NOPT())) {
		CHECK(c.reg.nr_mem_id != a.reg.nr_mem_id,
		      "pipes of different (implicit) parents use different regions (%u, %u)",
		      a.reg.nr_mem_id, c.reg.nr_mem_id);
		nmt_port_close(&c);
	}
	CHECK(a.reg.nr_mem_id >= 2, "implicit parent's region is private (mem_id %u >= 2)",
	      a.reg.nr_mem_id);
	CHECK(a.nifp->ni_flags & NI_PRIV_MEM, "ni_flags has NI_PRIV_MEM");
	nmt_port_close(&a);
}

/* ------------------------------------------------------------------------
 * mmap
 */

static void t_mmap(void)
{
	struct nmreq_register reg;
	struct nmreq_header h;
	long pg = sysconf(_SC_PAGESIZE);
	volatile char sink;
	uint64_t size, i, last;
	struct netmap_if *nifp;
	char *mem, *mem2;
	void *x;
	int fd;

	fd = nmt_open();
	if (fd < 0)
		return;
	x = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(x == MAP_FAILED && errno == EINVAL, "mmap before REGISTER fails with EINVAL (%s)",
	      x == MAP_FAILED ? strerror(errno) : "mapped");
	if (x != MAP_FAILED)
		munmap(x, pg);
	nmt_reg_req(&h, &reg, "nosuchif0", NULL);
	CHECK_ERR(nmt_ctrl(fd, &h), ENXIO, "failed REGISTER");
	x = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(x == MAP_FAILED && errno == EINVAL, "mmap after a failed REGISTER fails with EINVAL");
	if (x != MAP_FAILED)
		munmap(x, pg);

	nmt_reg_req(&h, &reg, "mm{0", NOPT());
	if (!CHECK_ERR(nmt_ctrl(fd, &h), 0, "REGISTER mm{0"))
		goto out;
	size = reg.nr_memsize;
	x = mmap(NULL, size + pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(x == MAP_FAILED, "mmap of memsize + 1 page fails");
	if (x != MAP_FAILED)
		munmap(x, size + pg);
	last = (size - 1) & ~(uint64_t)(pg - 1);
	x = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, (off_t)(last + pg));
	CHECK(x == MAP_FAILED, "mmap of one page past the last one fails");
	if (x != MAP_FAILED)
		munmap(x, pg);
	x = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, pg);
	CHECK(x == MAP_FAILED, "mmap of memsize bytes at offset 1 page fails");
	if (x != MAP_FAILED)
		munmap(x, size);
	x = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, (off_t)last);
	if (CHECK(x != MAP_FAILED, "mmap of the last page alone works")) {
		sink = *(volatile char *)x;
		munmap(x, pg);
	}
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!CHECK(mem != MAP_FAILED, "mmap of exactly memsize (%llu) works",
		   (unsigned long long)size))
		goto out;
	for (i = 0; i < size; i += pg)		/* every page faults in */
		sink = mem[i];
	(void)sink;
	CHECK(1, "read every page of the region");
	nifp = NETMAP_IF(mem, reg.nr_offset);
	CHECK_EQ(nifp->ni_tx_rings, 1, "netmap_if readable through the mapping");
	mem2 = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (CHECK(mem2 != MAP_FAILED, "a second mapping of the same fd")) {
		mem[size - 1] = 0x5a;
		CHECK_EQ(mem2[size - 1], 0x5a, "both mappings show the same memory");
		munmap(mem2, size);
	}
	close(fd);
	fd = -1;
	CHECK_EQ(nifp->ni_tx_rings, 1, "the mapping stays valid after close()");
	munmap(mem, size);
out:
	if (fd >= 0)
		close(fd);
}

/* ------------------------------------------------------------------------
 * REGISTER reply and initial ring state
 */

static void check_ring(const struct nmt_port *p, const struct netmap_ring *r, bool rx,
		       unsigned id, uint32_t slots, const char *who)
{
	uint32_t i;

	CHECK_EQ(r->num_slots, slots, "%s %s ring %u: num_slots", who, rx ? "rx" : "tx", id);
	CHECK_EQ(r->ringid, id, "%s %s ring %u: ringid", who, rx ? "rx" : "tx", id);
	CHECK_EQ(r->dir, rx ? 1 : 0, "%s %s ring %u: dir", who, rx ? "rx" : "tx", id);
	CHECK(r->nr_buf_size >= 64, "%s ring %u: nr_buf_size %u", who, id, r->nr_buf_size);
	CHECK_EQ(r->head, 0, "%s %s ring %u: head", who, rx ? "rx" : "tx", id);
	CHECK_EQ(r->cur, 0, "%s %s ring %u: cur", who, rx ? "rx" : "tx", id);
	CHECK_EQ(r->tail, rx ? 0 : slots - 1, "%s %s ring %u: tail", who, rx ? "rx" : "tx", id);
	for (i = 0; i < r->num_slots; i++)
		if (!nmt_buf_ok(p, r, r->slot[i].buf_idx))
			break;
	CHECK_EQ(i, r->num_slots, "%s %s ring %u: every slot has a valid buffer", who,
		 rx ? "rx" : "tx", id);
}

static void t_reg_reply(void)
{
	struct nmt_port m, s;
	struct netmap_if *ni;
	uint32_t *v;
	unsigned i, n;
	size_t nb = 0;

	if (!open_ok(&m, "rr{0", NMT_OPTS(.tx_rings = 3, .rx_rings = 2, .tx_slots = 100,
					  .rx_slots = 200, .flags = NR_NO_TX_POLL)))
		return;
	CHECK(m.reg.nr_memsize > 0, "nr_memsize %llu", (unsigned long long)m.reg.nr_memsize);
	CHECK(m.reg.nr_offset < m.reg.nr_memsize, "nr_offset inside the region");
	CHECK_EQ(m.reg.nr_tx_rings, 3, "nr_tx_rings as requested");
	CHECK_EQ(m.reg.nr_rx_rings, 2, "nr_rx_rings as requested");
	CHECK_EQ(m.reg.nr_tx_slots, 100, "nr_tx_slots as requested (not a power of 2)");
	CHECK_EQ(m.reg.nr_rx_slots, 200, "nr_rx_slots as requested");
	CHECK(m.reg.nr_mem_id != 0, "nr_mem_id %u != 0", m.reg.nr_mem_id);
	CHECK_EQ(m.reg.nr_mode, NR_REG_ALL_NIC, "nr_mode unchanged");
	CHECK_EQ(m.reg.nr_ringid, 0, "nr_ringid unchanged");
	CHECK_EQ(m.reg.nr_flags, NR_NO_TX_POLL, "nr_flags unchanged");
	CHECK_EQ(m.reg.nr_extra_bufs, 0, "nr_extra_bufs 0 granted");
	ni = m.nifp;
	CHECK_EQ(ni->ni_tx_rings, 3, "ni_tx_rings");
	CHECK_EQ(ni->ni_rx_rings, 2, "ni_rx_rings");
	CHECK(ni->ni_host_tx_rings >= 1 && ni->ni_host_rx_rings >= 1,
	      "ni_host_tx/rx_rings never 0 (%u, %u)", ni->ni_host_tx_rings, ni->ni_host_rx_rings);
	CHECK_EQ(ni->ni_bufs_head, 0, "ni_bufs_head 0 without extra buffers");
	CHECK(!strncmp(ni->ni_name, "rr{0", sizeof(ni->ni_name)), "ni_name %.16s", ni->ni_name);
	for (i = 0; i < nmt_nrings(ni); i++) {
		bool hw = i < 3 || (i >= 3 + ni->ni_host_tx_rings &&
				    i < 3 + ni->ni_host_tx_rings + 2);

		CHECK(hw ? ni->ring_ofs[i] != 0 : ni->ring_ofs[i] == 0,
		      "ring_ofs[%u] = %zd: %s", i, ni->ring_ofs[i],
		      hw ? "hardware ring, bound" : "host ring, not bound");
	}
	n = 3 * 100 + 2 * 200;
	v = calloc(n, sizeof(*v));
	for (i = 0; i < 3; i++) {
		struct netmap_ring *r = nmt_tx(&m, i);

		if (CHECK(r != NULL, "tx ring %u mapped", i)) {
			check_ring(&m, r, false, i, 100, "master");
			nb = ring_bufs(r, v, nb);
		}
	}
	for (i = 0; i < 2; i++) {
		struct netmap_ring *r = nmt_rx(&m, i);

		if (CHECK(r != NULL, "rx ring %u mapped", i)) {
			check_ring(&m, r, true, i, 200, "master");
			nb = ring_bufs(r, v, nb);
		}
	}
	CHECK(nb == n && all_distinct(v, nb), "all %u slots of the master have distinct buffers", n);
	free(v);
	if (open_ok(&s, "rr}0", NULL)) {
		CHECK_EQ(s.reg.nr_tx_rings, 2, "slave nr_tx_rings = master rx rings");
		CHECK_EQ(s.reg.nr_rx_rings, 3, "slave nr_rx_rings = master tx rings");
		CHECK_EQ(s.reg.nr_tx_slots, 200, "slave nr_tx_slots = master rx slots");
		CHECK_EQ(s.reg.nr_rx_slots, 100, "slave nr_rx_slots = master tx slots");
		CHECK_EQ(s.reg.nr_mem_id, m.reg.nr_mem_id, "slave mem_id = master's");
		CHECK_EQ(s.reg.nr_memsize, m.reg.nr_memsize, "slave memsize = master's");
		CHECK(s.reg.nr_offset != m.reg.nr_offset, "each fd has its own netmap_if");
		for (i = 0; i < 2; i++)
			if (nmt_tx(&s, i))
				check_ring(&s, nmt_tx(&s, i), false, i, 200, "slave");
		for (i = 0; i < 3; i++)
			if (nmt_rx(&s, i))
				check_ring(&s, nmt_rx(&s, i), true, i, 100, "slave");
		nmt_port_close(&s);
	}
	nmt_port_close(&m);
}

/* Requested counts beyond the documented maxima are clamped or refused. */
static void t_reg_limits(void)
{
	struct nmt_port p;
	int err;

	err = nmt_port_open(&p, "lm{0", NMT_OPTS(.tx_slots = 100000, .rx_slots = 5000));
	if (err) {
		CHECK_ERR(err, EINVAL, "slots 100000: refused with EINVAL if not clamped");
	} else {
		CHECK(p.reg.nr_tx_slots >= 1 && p.reg.nr_tx_slots <= 4096 &&
		      p.reg.nr_rx_slots >= 1 && p.reg.nr_rx_slots <= 4096,
		      "slots clamped to at most 4096 (got %u, %u)", p.reg.nr_tx_slots,
		      p.reg.nr_rx_slots);
		CHECK_EQ(nmt_tx(&p, 0)->num_slots, p.reg.nr_tx_slots, "ring has the reported slots");
		nmt_port_close(&p);
	}
	err = nmt_port_open(&p, "ln{0", NMT_OPTS(.tx_rings = 1000, .rx_rings = 1,
						 .tx_slots = 8, .rx_slots = 8));
	if (err) {
		CHECK(err == EINVAL || err == ENOMEM, "1000 rings: refused (%d) if not clamped", err);
	} else {
		CHECK(p.reg.nr_tx_rings >= 1 && p.reg.nr_tx_rings <= 256,
		      "tx rings clamped to at most 256 (got %u)", p.reg.nr_tx_rings);
		CHECK_EQ(p.nifp->ni_tx_rings, p.reg.nr_tx_rings, "ni_tx_rings = reported");
		nmt_port_close(&p);
	}
}

/* ------------------------------------------------------------------------
 * Ring protocol
 */

static void t_one_empty(void)
{
	struct netmap_ring *txr, *rxr;
	uint32_t sseq = 0, rseq = 0;
	struct nmt_port m, s;
	unsigned round, n;

	if (!pair_open(&m, &s, "oe", "0", NOPT()))
		return;
	txr = nmt_tx(&m, 0);
	rxr = nmt_rx(&s, 0);
	for (round = 0; round < 3; round++) {
		CHECK_EQ(nm_ring_space(txr), SLOTS - 1, "round %u: tx space is num_slots - 1", round);
		n = nmt_put_many(txr, &sseq, 7, PKT_LEN, 2 * SLOTS);
		CHECK_EQ(n, SLOTS - 1, "round %u: a tx ring takes num_slots - 1 packets", round);
		CHECK(nm_ring_empty(txr), "tx ring full (cur == tail)");
		CHECK_ERR(nmt_txsync(m.fd), 0, "txsync");
		CHECK(nm_ring_empty(txr), "still full after txsync: nothing consumed yet");
		CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
		CHECK_EQ(nm_ring_space(rxr), SLOTS - 1, "receiver sees num_slots - 1 packets");
		CHECK_EQ(drain(rxr, &rseq, 7, PKT_LEN), SLOTS - 1, "all intact, in order");
		CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync returns the slots");
		CHECK_ERR(nmt_txsync(m.fd), 0, "txsync");
		CHECK_EQ(txr->tail, (txr->head + SLOTS - 1) % SLOTS,
			 "round %u: tx tail one slot behind head again", round);
	}
	nmt_port_close(&s);
	nmt_port_close(&m);
}

static void t_head_cur(void)
{
	struct { uint32_t head, cur; } bad[] = {
		{ SLOTS, SLOTS }, { 5, 3 }, { 2, 2 }, { 5, SLOTS + 3 }, { 0xffffffffu, 0xffffffffu },
		{ 5, 4 }, { 4, 5 },
	};
	struct netmap_ring *txr, *rxr;
	uint32_t sseq = 0, rseq = 0;
	struct nmt_port m, s;
	size_t i;

	if (!pair_open(&m, &s, "hc", "0", NOPT()))
		return;
	txr = nmt_tx(&m, 0);
	rxr = nmt_rx(&s, 0);
	CHECK_EQ(nmt_put_many(txr, &sseq, 9, PKT_LEN, 5), 5, "queue 5 packets");
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync: kernel head is now 5");
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		txr->head = bad[i].head;
		txr->cur = bad[i].cur;
		CHECK_FAILS(nmt_txsync(m.fd), "tx head %u cur %u (kernel head 5, tail %u): txsync fails",
			    bad[i].head, bad[i].cur, SLOTS - 1);
		CHECK(txr->head == 5 && txr->cur == 5 && txr->tail == SLOTS - 1,
		      "ring reinitialised from the kernel's state (head %u cur %u tail %u)",
		      txr->head, txr->cur, txr->tail);
	}
	CHECK_ERR(nmt_rxsync(s.fd), 0, "receiver rxsync");
	CHECK_EQ(nm_ring_space(rxr), 5, "only the 5 good packets went through");
	CHECK_EQ(nmt_put_many(txr, &sseq, 9, PKT_LEN, 3), 3, "queue 3 more");
	CHECK_ERR(nmt_txsync(m.fd), 0, "the next correct txsync works");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	CHECK_EQ(nm_ring_space(rxr), 8, "receiver has 8 packets");

	/* RX: tail is 8, head 0. */
	bad[0].head = 10, bad[0].cur = 10;	/* past tail */
	bad[1].head = 3, bad[1].cur = 1;	/* cur behind head */
	bad[2].head = SLOTS + 1, bad[2].cur = SLOTS + 1;
	bad[3].head = 0, bad[3].cur = 9;	/* cur past tail */
	for (i = 0; i < 4; i++) {
		rxr->head = bad[i].head;
		rxr->cur = bad[i].cur;
		CHECK_FAILS(nmt_rxsync(s.fd), "rx head %u cur %u (kernel head 0, tail 8): rxsync fails",
			    bad[i].head, bad[i].cur);
		CHECK(rxr->head == 0 && rxr->cur == 0 && rxr->tail == 8,
		      "rx ring reinitialised (head %u cur %u tail %u)", rxr->head, rxr->cur, rxr->tail);
	}
	CHECK_EQ(drain(rxr, &rseq, 9, PKT_LEN), 8, "the 8 packets are intact, in order");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "the next correct rxsync works");
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync");
	CHECK_EQ(nm_ring_space(txr), SLOTS - 1, "sender got every slot back");
	CHECK(xfer(&m, txr, &s, rxr, &sseq, &rseq, 9, 200), "traffic flows normally afterwards");
	nmt_port_close(&s);
	nmt_port_close(&m);
}

static void t_tail_restore(void)
{
	struct netmap_ring *txr, *rxr;
	uint32_t sseq = 0, rseq = 0;
	struct nmt_port m, s;

	if (!pair_open(&m, &s, "tr", "0", NOPT()))
		return;
	txr = nmt_tx(&m, 0);
	rxr = nmt_rx(&s, 0);
	CHECK_EQ(nmt_put_many(txr, &sseq, 3, PKT_LEN, 4), 4, "queue 4 packets");
	set_tail(txr, 7);
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync with a user-written tx tail succeeds");
	CHECK_EQ(txr->tail, SLOTS - 1, "tx tail restored");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	CHECK_EQ(rxr->tail, 4, "4 packets on the receiver");
	set_tail(rxr, 40);
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync with a user-written rx tail succeeds");
	CHECK_EQ(rxr->tail, 4, "rx tail restored");
	set_tail(rxr, SLOTS + 100);
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync with an out-of-range rx tail succeeds");
	CHECK_EQ(rxr->tail, 4, "rx tail restored");
	CHECK_EQ(drain(rxr, &rseq, 3, PKT_LEN), 4, "the 4 packets are intact");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	nmt_port_close(&s);
	nmt_port_close(&m);
}

/* ------------------------------------------------------------------------
 * Slots: buffers, lengths, flags, timestamps
 */

static void t_buf_changed(void)
{
	struct netmap_ring *txr, *rxr;
	struct nmt_port m, s;
	uint32_t b, next, old, i;

	if (!pair_open(&m, &s, "bc", "0", NOPT(.extra_bufs = 8)))
		return;
	txr = nmt_tx(&m, 0);
	rxr = nmt_rx(&s, 0);
	b = m.nifp->ni_bufs_head;
	if (!CHECK(nmt_buf_ok(&m, txr, b), "extra buffer %u available", b))
		goto out;
	memcpy(&next, NETMAP_BUF(txr, b), sizeof(next));
	i = txr->cur;
	old = txr->slot[i].buf_idx;
	/* Swap: b goes into the slot, the slot's buffer onto the list. */
	memcpy(NETMAP_BUF(txr, old), &next, sizeof(next));
	m.nifp->ni_bufs_head = old;
	nmt_pkt_fill(NETMAP_BUF(txr, b), 42, 0xbc, 300);
	txr->slot[i].buf_idx = b;
	txr->slot[i].len = 300;
	txr->slot[i].flags = NS_BUF_CHANGED;
	txr->head = txr->cur = nm_ring_next(txr, i);
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync of a slot with a swapped-in extra buffer");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	if (CHECK_EQ(nm_ring_space(rxr), 1, "one packet received")) {
		CHECK_EQ(rxr->slot[rxr->head].buf_idx, b, "receiver got buffer %u itself (zero-copy)", b);
		CHECK(nmt_pkt_ok(rxr, rxr->head, 42, 0xbc, 300), "payload intact");
	}
out:
	nmt_port_close(&s);
	nmt_port_close(&m);
}

/*
 * Queue packet *sseq at cur, then corrupt its slot: buf_idx @bad_idx (unless
 * it is 0xfffffffe) and/or len @bad_len (unless 0). txsync must fail; then
 * the slot is repaired and the next txsync must deliver it.
 */
static void bad_slot(struct nmt_port *m, struct netmap_ring *txr, uint32_t *sseq,
		     uint32_t bad_idx, uint32_t bad_len, const char *what)
{
	uint32_t i = txr->cur, save_idx;

	if (!CHECK_EQ(nmt_put(txr, *sseq, 5, PKT_LEN), 1, "%s: queue packet %u", what, *sseq))
		return;
	save_idx = txr->slot[i].buf_idx;
	if (bad_idx != 0xfffffffeu) {
		txr->slot[i].buf_idx = bad_idx;
		txr->slot[i].flags = NS_BUF_CHANGED;
	}
	if (bad_len)
		txr->slot[i].len = (uint16_t)bad_len;
	CHECK_FAILS(nmt_txsync(m->fd), "%s: txsync refuses the slot", what);
	/* Repair the slot; the kernel may have moved head back to it or not. */
	txr->slot[i].buf_idx = save_idx;
	txr->slot[i].len = PKT_LEN;
	txr->slot[i].flags = NS_BUF_CHANGED;
	if (!CHECK(txr->head == i || txr->head == nm_ring_next(txr, i),
		   "%s: after the refusal head is the bad slot %u or the next one (got %u)",
		   what, i, txr->head))
		return;
	txr->head = txr->cur = nm_ring_next(txr, i);
	CHECK_ERR(nmt_txsync(m->fd), 0, "%s: txsync after the repair works", what);
	(*sseq)++;
}

static void t_buf_bad(void)
{
	struct netmap_ring *txr, *rxr;
	struct nmreq_pools_info pi;
	uint32_t sseq = 0, rseq = 0, i, n = 0;
	struct nmt_port m, s;
	int got;

	if (!pair_open(&m, &s, "bb", "0", NOPT()))
		return;
	txr = nmt_tx(&m, 0);
	rxr = nmt_rx(&s, 0);
	pools("bb{0", &pi);
	bad_slot(&m, txr, &sseq, 0xfffffff0u, 0, "buf_idx 0xfffffff0");
	bad_slot(&m, txr, &sseq, pi.nr_buf_pool_objtotal, 0, "buf_idx = buf objtotal");
	bad_slot(&m, txr, &sseq, pi.nr_buf_pool_objtotal + 1000, 0, "buf_idx past the pool");
	bad_slot(&m, txr, &sseq, 0, 0, "buf_idx 0 (reserved)");
	bad_slot(&m, txr, &sseq, 0xfffffffeu, txr->nr_buf_size + 1, "len nr_buf_size + 1");
	bad_slot(&m, txr, &sseq, 0xfffffffeu, 65535, "len 65535");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "receiver rxsync");
	for (i = rxr->head; i != rxr->tail && n < SLOTS; i = nm_ring_next(rxr, i), n++)
		if (!nmt_buf_ok(&s, rxr, rxr->slot[i].buf_idx))
			break;
	CHECK(i == rxr->tail, "every received slot has a valid buffer");
	got = drain(rxr, &rseq, 5, PKT_LEN);
	CHECK_EQ(got, sseq, "the %u repaired packets arrived once each, intact", sseq);
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	/* A full buffer is fine. */
	CHECK_EQ(nmt_put(txr, 99, 6, (uint16_t)txr->nr_buf_size), 1, "queue a packet of nr_buf_size");
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync of len = nr_buf_size works");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	CHECK(nm_ring_space(rxr) == 1 && nmt_pkt_ok(rxr, rxr->head, 99, 6, (uint16_t)txr->nr_buf_size),
	      "full-size packet received intact");
	nmt_port_close(&s);
	nmt_port_close(&m);
}

static void t_morefrag(void)
{
	static const uint16_t lens[] = { 100, 2000, 50, 70 };
	static const uint16_t fl[] = { NS_MOREFRAG, NS_MOREFRAG, 0, NS_REPORT };
	struct netmap_ring *txr, *rxr;
	struct nmt_port m, s;
	uint32_t i, j;

	if (!pair_open(&m, &s, "mf", "0", NOPT()))
		return;
	txr = nmt_tx(&m, 0);
	rxr = nmt_rx(&s, 0);
	for (j = 0; j < 4; j++) {
		i = txr->cur;
		nmt_put(txr, j, 0x3f, lens[j]);
		txr->slot[i].flags = fl[j];
	}
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync of a 3-slot NS_MOREFRAG chain and an NS_REPORT slot");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	if (!CHECK_EQ(nm_ring_space(rxr), 4, "4 slots received"))
		goto out;
	for (j = 0, i = rxr->head; j < 4; j++, i = nm_ring_next(rxr, i)) {
		CHECK(nmt_pkt_ok(rxr, i, j, 0x3f, lens[j]), "slot %u: fragment %u intact, len %u",
		      i, j, lens[j]);
		CHECK_EQ(rxr->slot[i].flags & NS_MOREFRAG, fl[j] & NS_MOREFRAG,
			 "slot %u: NS_MOREFRAG as sent", i);
	}
out:
	nmt_port_close(&s);
	nmt_port_close(&m);
}

static bool tv_near(const struct timeval *tv, const struct timeval *now, long slack_s)
{
	return tv->tv_sec >= now->tv_sec - slack_s && tv->tv_sec <= now->tv_sec + slack_s;
}

static void t_timestamp(void)
{
	struct netmap_ring *txr, *rxr;
	struct timeval now, t1;
	uint32_t seq = 0;
	struct nmt_port m, s;
	long long old;

	if (!pair_open(&m, &s, "ts", "0", NOPT()))
		return;
	txr = nmt_tx(&m, 0);
	rxr = nmt_rx(&s, 0);
	txr->flags |= NR_TIMESTAMP;
	rxr->flags |= NR_TIMESTAMP;
	memset(&txr->ts, 0, sizeof(txr->ts));
	memset(&rxr->ts, 0, sizeof(rxr->ts));
	nmt_put_many(txr, &seq, 1, PKT_LEN, 1);
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	gettimeofday(&now, NULL);
	/* Assumes: ts is wall-clock time (struct timeval, like gettimeofday). */
	CHECK(tv_near(&txr->ts, &now, 5), "tx ts set with NR_TIMESTAMP (%ld.%06ld, now %ld)",
	      (long)txr->ts.tv_sec, (long)txr->ts.tv_usec, (long)now.tv_sec);
	CHECK(tv_near(&rxr->ts, &now, 5), "rx ts set with NR_TIMESTAMP (%ld.%06ld, now %ld)",
	      (long)rxr->ts.tv_sec, (long)rxr->ts.tv_usec, (long)now.tv_sec);
	t1 = rxr->ts;
	usleep(30000);
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync 30 ms later");
	CHECK(timercmp(&rxr->ts, &t1, >), "rx ts advanced (%ld.%06ld -> %ld.%06ld)",
	      (long)t1.tv_sec, (long)t1.tv_usec, (long)rxr->ts.tv_sec, (long)rxr->ts.tv_usec);

	old = nmt_param("no_timestamp");
	if (CHECK(old >= 0, "no_timestamp parameter readable") &&
	    CHECK_ERR(nmt_param_set("no_timestamp", 1), 0, "set no_timestamp=1")) {
		memset(&rxr->ts, 0, sizeof(rxr->ts));
		CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync with no_timestamp=1");
		CHECK(rxr->ts.tv_sec == 0 && rxr->ts.tv_usec == 0, "ts not updated with no_timestamp=1");
		nmt_param_set("no_timestamp", old);
	}
	nmt_port_close(&s);
	nmt_port_close(&m);
}

/* ------------------------------------------------------------------------
 * Register modes and flags
 */

static unsigned bound_mask(const struct nmt_port *p, bool rx)
{
	unsigned i, n = rx ? p->nifp->ni_rx_rings : p->nifp->ni_tx_rings, mask = 0;

	for (i = 0; i < n && i < 32; i++)
		if (rx ? nmt_rx(p, i) != NULL : nmt_tx(p, i) != NULL)
			mask |= 1u << i;
	return mask;
}

static void t_modes(void)
{
	struct nmt_port m, s, one1, one2;
	struct netmap_ring *r;
	uint32_t seq = 0, rseq = 0;

	if (!open_ok(&m, "md{0", NOPT(.tx_rings = 2, .rx_rings = 3)))
		return;
	CHECK_EQ(bound_mask(&m, false), 0x3, "ALL_NIC binds both tx rings");
	CHECK_EQ(bound_mask(&m, true), 0x7, "ALL_NIC binds all 3 rx rings");
	if (!open_ok(&s, "md}0", NULL))
		goto out_m;
	if (!open_ok(&one1, "md{0", NMT_OPTS(.mode = NR_REG_ONE_NIC, .ringid = 1)))
		goto out_s;
	CHECK_EQ(one1.reg.nr_tx_rings, 2, "ONE_NIC reply still gives the port's tx rings");
	CHECK_EQ(one1.nifp->ni_rx_rings, 3, "ni_rx_rings is the port's");
	CHECK_EQ(bound_mask(&one1, false), 0x2, "ONE_NIC 1 binds tx ring 1 only");
	CHECK_EQ(bound_mask(&one1, true), 0x2, "ONE_NIC 1 binds rx ring 1 only");
	if (open_ok(&one2, "md{0", NMT_OPTS(.mode = NR_REG_ONE_NIC, .ringid = 2))) {
		CHECK_EQ(bound_mask(&one2, false), 0x1,
			 "ONE_NIC 2 with 2 tx rings binds tx ring 0 (fewer rings: ring 0)");
		CHECK_EQ(bound_mask(&one2, true), 0x4, "ONE_NIC 2 binds rx ring 2");
		/* The slave's tx ring 2 feeds the master's rx ring 2. */
		r = nmt_tx(&s, 2);
		if (CHECK(r != NULL, "slave tx ring 2")) {
			nmt_put_many(r, &seq, 0x22, PKT_LEN, 3);
			CHECK_ERR(nmt_txsync(s.fd), 0, "slave txsync");
			CHECK_ERR(nmt_rxsync(one2.fd), 0, "ONE_NIC 2 rxsync");
			r = nmt_rx(&one2, 2);
			CHECK(r && drain(r, &rseq, 0x22, PKT_LEN) == 3,
			      "slave tx 2 -> master rx 2: 3 packets");
		}
		nmt_port_close(&one2);
	}
	CHECK_ERR(try_register("md{0", NOPT(.mode = NR_REG_ONE_NIC, .ringid = 3)), EINVAL,
		  "ONE_NIC 3 with max(2, 3) rings");
	CHECK_ERR(try_register("md{0", NOPT(.mode = NR_REG_ONE_NIC, .ringid = 0xfff)), EINVAL,
		  "ONE_NIC 4095");
	/* Master tx ring 1 (through the ONE_NIC fd) feeds slave rx ring 1 only. */
	seq = rseq = 0;
	nmt_put_many(nmt_tx(&one1, 1), &seq, 0x11, PKT_LEN, 5);
	CHECK_ERR(nmt_txsync(one1.fd), 0, "ONE_NIC 1 txsync");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "slave rxsync");
	CHECK(nmt_rx(&s, 1) && drain(nmt_rx(&s, 1), &rseq, 0x11, PKT_LEN) == 5,
	      "master tx 1 -> slave rx 1: 5 packets");
	CHECK(nmt_rx(&s, 0) && nm_ring_space(nmt_rx(&s, 0)) == 0, "nothing on slave rx 0");
	nmt_port_close(&one1);
out_s:
	nmt_port_close(&s);
out_m:
	nmt_port_close(&m);
}

static void t_rings_only(void)
{
	struct nmt_port txo, rxo, s, both;
	uint32_t a = 0, b = 0;

	if (!open_ok(&txo, "ro{0", NOPT(.flags = NR_TX_RINGS_ONLY)))
		return;
	CHECK(nmt_tx(&txo, 0) != NULL, "TX_RINGS_ONLY: tx ring bound");
	CHECK_EQ(txo.nifp->ring_ofs[txo.nifp->ni_tx_rings + txo.nifp->ni_host_tx_rings], 0,
		 "TX_RINGS_ONLY: rx ring_ofs is 0");
	if (open_ok(&rxo, "ro{0", NOPT(.flags = NR_RX_RINGS_ONLY))) {
		CHECK_EQ(rxo.nifp->ring_ofs[0], 0, "RX_RINGS_ONLY: tx ring_ofs is 0");
		CHECK(nmt_rx(&rxo, 0) != NULL, "RX_RINGS_ONLY: rx ring bound");
		if (open_ok(&s, "ro}0", NOPT())) {
			CHECK(xfer(&txo, nmt_tx(&txo, 0), &s, nmt_rx(&s, 0), &a, &b, 1, 100),
			      "tx-only fd sends");
			a = b = 0;
			CHECK(xfer(&s, nmt_tx(&s, 0), &rxo, nmt_rx(&rxo, 0), &a, &b, 2, 100),
			      "rx-only fd receives");
			nmt_port_close(&s);
		}
		nmt_port_close(&rxo);
	}
	if (open_ok(&both, "ro{1", NOPT(.flags = NR_TX_RINGS_ONLY, .mode = NR_REG_ONE_NIC))) {
		CHECK(nmt_tx(&both, 0) && !nmt_rx(&both, 0), "ONE_NIC + TX_RINGS_ONLY binds tx 0 only");
		nmt_port_close(&both);
	}
	nmt_port_close(&txo);
}

static void t_exclusive(void)
{
	struct nmt_port a, b, c;

	if (!open_ok(&a, "ex{0", NOPT(.flags = NR_EXCLUSIVE)))
		return;
	CHECK_ERR(try_register("ex{0", NOPT()), EBUSY, "shared REGISTER of an exclusive end");
	CHECK_ERR(try_register("ex{0", NOPT(.flags = NR_EXCLUSIVE)), EBUSY,
		  "exclusive REGISTER of an exclusive end");
	CHECK_ERR(try_register("ex}0", NOPT(.flags = NR_EXCLUSIVE)), 0,
		  "the other end is not affected");
	nmt_port_close(&a);
	CHECK_ERR(try_register("ex{0", NOPT(.flags = NR_EXCLUSIVE)), 0,
		  "exclusive REGISTER after the holder closed");

	if (!open_ok(&a, "ey{0", NOPT()))
		return;
	CHECK_ERR(try_register("ey{0", NOPT(.flags = NR_EXCLUSIVE)), EBUSY,
		  "exclusive REGISTER of an end in shared use");
	CHECK_ERR(try_register("ey{0", NOPT()), 0, "shared + shared is fine");
	nmt_port_close(&a);

	/* Exclusivity is per ring. */
	if (!open_ok(&a, "ez{0", NOPT(.tx_rings = 2, .rx_rings = 2, .mode = NR_REG_ONE_NIC,
				      .ringid = 0, .flags = NR_EXCLUSIVE)))
		return;
	if (open_ok(&b, "ez{0", NOPT(.mode = NR_REG_ONE_NIC, .ringid = 1))) {
		CHECK_ERR(try_register("ez{0", NOPT(.mode = NR_REG_ONE_NIC, .ringid = 0)), EBUSY,
			  "ONE_NIC 0 while ring 0 is exclusive");
		CHECK_ERR(try_register("ez{0", NOPT()), EBUSY, "ALL_NIC while ring 0 is exclusive");
		CHECK_ERR(try_register("ez{0", NOPT(.mode = NR_REG_ONE_NIC, .ringid = 1,
						    .flags = NR_EXCLUSIVE)), EBUSY,
			  "exclusive ONE_NIC 1 while ring 1 is shared");
		if (open_ok(&c, "ez{0", NOPT(.mode = NR_REG_ONE_NIC, .ringid = 1)))
			nmt_port_close(&c);
		nmt_port_close(&b);
	}
	nmt_port_close(&a);
}

/* ------------------------------------------------------------------------
 * Pipes
 */

static void t_pipe_order(void)
{
	struct nmt_port m, s;

	if (open_ok(&s, "po}0", NOPT())) {
		CHECK(s.reg.nr_tx_rings == 1 && s.reg.nr_rx_rings == 1, "slave first: 1 tx, 1 rx ring");
		if (open_ok(&m, "po{0", NOPT())) {
			CHECK_EQ(m.reg.nr_mem_id, s.reg.nr_mem_id, "same region");
			xfer_both(&m, &s, 300);
			nmt_port_close(&m);
		}
		nmt_port_close(&s);
	}
	if (pair_open(&m, &s, "po", "1", NOPT())) {
		xfer_both(&m, &s, 300);
		nmt_port_close(&s);
		nmt_port_close(&m);
	}
	/* Default counts: 1 and 1. */
	if (open_ok(&m, "po{2", NULL)) {
		CHECK(m.reg.nr_tx_rings == 1 && m.reg.nr_rx_rings == 1,
		      "default ring counts 1 and 1 (got %u, %u)", m.reg.nr_tx_rings, m.reg.nr_rx_rings);
		CHECK(m.reg.nr_tx_slots > 0 && m.reg.nr_tx_slots <= 4096,
		      "default slot count %u in 1..4096", m.reg.nr_tx_slots);
		nmt_port_close(&m);
	}
}

static void t_zerocopy(void)
{
	uint32_t before[2 * SLOTS], after[2 * SLOTS], keep[SLOTS], b, sseq = 0, rseq = 0, i, changed;
	struct netmap_ring *txr, *rxr;
	struct nmt_port m, s;
	size_t n1, n2;

	if (!pair_open(&m, &s, "zc", "0", NOPT()))
		return;
	txr = nmt_tx(&m, 0);
	rxr = nmt_rx(&s, 0);
	n1 = pair_bufs(&m, &s, before);
	CHECK(n1 == 2 * SLOTS && all_distinct(before, n1),
	      "the 2 TX rings of the pair own %zu distinct buffers", n1);
	CHECK(shows_peer(rxr, txr) && shows_peer(nmt_rx(&m, 0), nmt_tx(&s, 0)),
	      "each RX ring shows its peer's TX buffers, slot by slot");
	for (i = 0; i < SLOTS; i++)
		keep[i] = txr->slot[i].buf_idx;
	b = txr->slot[txr->cur].buf_idx;
	nmt_put_many(txr, &sseq, 0x2c, PKT_LEN, 1);
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	if (CHECK_EQ(nm_ring_space(rxr), 1, "1 packet received")) {
		CHECK_EQ(rxr->slot[rxr->head].buf_idx, b,
			 "receiver's slot holds the sender's buffer %u", b);
		CHECK(!(rxr->slot[rxr->head].flags & NS_BUF_CHANGED),
		      "no NS_BUF_CHANGED on the receiver's slot");
		CHECK(txr->slot[(txr->head + SLOTS - 1) % SLOTS].buf_idx == b &&
		      !(txr->slot[(txr->head + SLOTS - 1) % SLOTS].flags & NS_BUF_CHANGED),
		      "sender's slot keeps its buffer, unflagged");
		CHECK_EQ(drain(rxr, &rseq, 0x2c, PKT_LEN), 1, "packet intact");
		CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	}
	CHECK(xfer(&m, txr, &s, rxr, &sseq, &rseq, 0x2c, 1000), "1000 more packets");
	CHECK(xfer_both(&m, &s, 500), "500 each way");
	for (i = changed = 0; i < SLOTS; i++)
		if (txr->slot[i].buf_idx != keep[i] || (txr->slot[i].flags & NS_BUF_CHANGED))
			changed++;
	CHECK_EQ(changed, 0, "after 1500 packets every sender slot has its own buffer, unflagged");
	n2 = pair_bufs(&m, &s, after);
	CHECK(n1 == n2 && !memcmp(before, after, n1 * sizeof(*before)),
	      "afterwards the pair owns exactly the same buffers (none lost or copied)");
	nmt_port_close(&s);
	nmt_port_close(&m);
}

/*
 * The receiver keeps a frame: it swaps an extra buffer into the slot with
 * NS_BUF_CHANGED and gives the slot back; the sender's slot then holds the
 * extra buffer, flagged. A bad index given back with NS_BUF_CHANGED is
 * refused and never reaches the sender, whose slot keeps its buffer.
 */
static void t_rx_swap(void)
{
	struct netmap_ring *txr, *rxr;
	uint32_t sseq = 0, rseq = 0, b, next, got, j, old;
	struct nmt_port m, s;

	if (!pair_open(&m, &s, "rs", "0", NOPT()))
		return;
	nmt_port_close(&s);
	if (!open_ok(&s, "rs}0", NOPT(.extra_bufs = 4)))
		goto out;
	txr = nmt_tx(&m, 0);
	rxr = nmt_rx(&s, 0);
	b = s.nifp->ni_bufs_head;
	if (!CHECK(nmt_buf_ok(&s, rxr, b), "extra buffer %u available", b))
		goto out;
	nmt_put_many(txr, &sseq, 0x5a, PKT_LEN, 2);
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync of 2 packets");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	if (!CHECK_EQ(nm_ring_space(rxr), 2, "2 packets received"))
		goto out;
	/* Keep the first frame: b into the slot, the frame's buffer onto the list. */
	j = rxr->head;
	got = rxr->slot[j].buf_idx;
	CHECK(nmt_pkt_ok(rxr, j, 0, 0x5a, PKT_LEN), "first packet intact");
	memcpy(&next, NETMAP_BUF(rxr, b), sizeof(next));
	s.nifp->ni_bufs_head = got;
	rxr->slot[j].buf_idx = b;
	rxr->slot[j].flags |= NS_BUF_CHANGED;
	CHECK(nmt_pkt_ok(rxr, nm_ring_next(rxr, j), 1, 0x5a, PKT_LEN), "second packet intact");
	rxr->head = rxr->cur = rxr->tail;
	CHECK_ERR(nmt_rxsync(s.fd), 0, "give back a slot with a swapped-in buffer");
	CHECK_ERR(nmt_txsync(m.fd), 0, "sender txsync");
	CHECK(txr->slot[j].buf_idx == b && (txr->slot[j].flags & NS_BUF_CHANGED),
	      "sender's slot %u holds the receiver's buffer %u with NS_BUF_CHANGED (got %u, 0x%x)",
	      j, b, txr->slot[j].buf_idx, txr->slot[j].flags);
	CHECK(!(txr->slot[nm_ring_next(txr, j)].flags & NS_BUF_CHANGED),
	      "the other slot is not flagged");
	memcpy(NETMAP_BUF(rxr, got), &next, sizeof(next));	/* the list goes on */
	/* A bad index given back with NS_BUF_CHANGED. */
	nmt_put_many(txr, &sseq, 0x5a, PKT_LEN, 1);
	j = txr->head == 0 ? SLOTS - 1 : txr->head - 1;
	old = txr->slot[j].buf_idx;
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	rseq = 2;
	CHECK_EQ(drain(rxr, &rseq, 0x5a, PKT_LEN), 1, "third packet intact");
	rxr->slot[j].buf_idx = 0xfffffff0u;
	rxr->slot[j].flags |= NS_BUF_CHANGED;
	CHECK_FAILS(nmt_rxsync(s.fd), "give back a bad buf_idx with NS_BUF_CHANGED: refused");
	CHECK_ERR(nmt_txsync(m.fd), 0, "sender txsync");
	CHECK(txr->slot[j].buf_idx == old && !(txr->slot[j].flags & NS_BUF_CHANGED),
	      "sender's slot %u keeps buffer %u (got %u)", j, old, txr->slot[j].buf_idx);
	CHECK(xfer(&m, txr, &s, rxr, &sseq, &rseq, 0x5a, 200), "200 more packets");
out:
	nmt_port_close(&s);
	nmt_port_close(&m);
}

static void t_backpressure(void)
{
	struct netmap_ring *txr, *rxr;
	struct nmt_port m, s;
	uint32_t sseq = 0;
	long long t0;
	pid_t pid;
	int ev;

	if (!pair_open(&m, &s, "bp", "0", NOPT()))
		return;
	txr = nmt_tx(&m, 0);
	rxr = nmt_rx(&s, 0);
	CHECK_EQ(nmt_put_many(txr, &sseq, 0xb, PKT_LEN, SLOTS), SLOTS - 1, "fill the tx ring");
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync");
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync again");
	CHECK(nm_ring_empty(txr), "unread packets keep the sender's ring full (tail %u)", txr->tail);
	CHECK_EQ(poll1(m.fd, POLLOUT, 100), 0, "poll(POLLOUT) times out while the receiver reads nothing");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "receiver rxsync");
	CHECK_EQ(nm_ring_space(rxr), SLOTS - 1, "receiver sees them all");
	CHECK_ERR(nmt_txsync(m.fd), 0, "sender txsync");
	CHECK_EQ(nm_ring_space(txr), 0, "seen but not consumed: still no space for the sender");
	/* Consume 10. */
	CHECK(nmt_pkt_ok(rxr, rxr->head, 0, 0xb, PKT_LEN), "first packet intact");
	nmt_consume(rxr, 10);
	CHECK_ERR(nmt_rxsync(s.fd), 0, "receiver returns 10 slots");
	CHECK_ERR(nmt_txsync(m.fd), 0, "sender txsync");
	CHECK_EQ(nm_ring_space(txr), 10, "exactly 10 slots came back to the sender");
	CHECK(poll1(m.fd, POLLOUT, 0) & POLLOUT, "poll(POLLOUT) ready now");
	CHECK_EQ(nmt_put_many(txr, &sseq, 0xb, PKT_LEN, SLOTS), 10, "refill those 10");
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync");
	/* A blocked writer wakes up when the reader consumes. */
	pid = consume_later(s.fd, rxr, 300);
	t0 = nmt_now_ms();
	ev = poll1(m.fd, POLLOUT, 10000);
	CHECK(ev > 0 && (ev & POLLOUT), "blocked poll(POLLOUT) woke up (revents 0x%x)", ev);
	CHECK(nmt_now_ms() - t0 < 8000, "within %lld ms", nmt_now_ms() - t0);
	reap(pid, "consumer");
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync");
	CHECK_EQ(nm_ring_space(txr), SLOTS - 1, "all space back after the reader took everything");
	nmt_port_close(&s);
	nmt_port_close(&m);
}

#define NPIPES 64
static void t_pipes64(void)
{
	static struct nmt_port m[NPIPES + 1], s[NPIPES + 1];
	const struct nmt_reg_opts *o = NMT_OPTS(.tx_slots = 16, .rx_slots = 16);
	uint32_t seq, rseq;
	unsigned i, ok = 0, good = 0;
	char id[8];
	int err;

	/*
	 * 16 slots: 64 pairs x 4 rings x 16 = 4096 buffers fit in the
	 * priv_buf_num=8192 region of the implicit parent; 64 slots would not.
	 */
	for (i = 0; i < NPIPES; i++) {
		snprintf(id, sizeof(id), "%u", i);
		if (!pair_open(&m[i], &s[i], "p64", id, o))
			break;
		ok++;
	}
	CHECK_EQ(ok, NPIPES, "64 pipes on one parent");
	for (i = 0; i < ok; i++) {
		seq = rseq = 0;
		if (xfer(&m[i], nmt_tx(&m[i], 0), &s[i], nmt_rx(&s[i], 0), &seq, &rseq, 1000 + i, 20))
			good++;
		if (i && m[i].reg.nr_mem_id != m[0].reg.nr_mem_id)
			CHECK(0, "pipe %u shares the parent's region", i);
	}
	CHECK_EQ(good, ok, "each pipe carries its own traffic");
	if (ok == NPIPES) {
		err = nmt_port_open(&m[NPIPES], "p64{64", o);
		CHECK(err != 0, "a 65th pipe is refused (err %d)", err);
		nmt_port_close(&m[NPIPES]);
		nmt_port_close(&m[0]);
		nmt_port_close(&s[0]);
		if (open_ok(&m[NPIPES], "p64{64", o)) {
			CHECK(1, "after closing one pipe, the 65th fits");
			nmt_port_close(&m[NPIPES]);
		}
	}
	for (i = 0; i < ok; i++) {
		nmt_port_close(&m[i]);
		nmt_port_close(&s[i]);
	}
}

static void t_peer_close(void)
{
	struct netmap_ring *txr, *rxr;
	uint32_t sseq = 0, rseq = 0;
	struct nmt_port m, s;
	int ev;

	if (!pair_open(&m, &s, "pc", "0", NOPT()))
		return;
	txr = nmt_tx(&m, 0);
	CHECK(xfer(&m, txr, &s, nmt_rx(&s, 0), &sseq, &rseq, 0x9c, 10), "10 packets before");
	nmt_port_close(&s);
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync after the receiver closed: no error");
	CHECK_EQ(nm_ring_space(txr), SLOTS - 1, "the slots it consumed before closing are back");
	CHECK_EQ(nmt_put_many(txr, &sseq, 0x9c, PKT_LEN, 2 * SLOTS), SLOTS - 1,
		 "sender fills its ring while the receiver is closed");
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync: no error");
	CHECK_ERR(nmt_txsync(m.fd), 0, "txsync again: no error");
	ev = poll1(m.fd, POLLOUT, 100);
	CHECK_EQ(ev, 0, "poll(POLLOUT): full ring, no POLLERR");
	if (!open_ok(&s, "pc}0", NOPT()))
		goto out;
	rxr = nmt_rx(&s, 0);
	CHECK_ERR(nmt_rxsync(s.fd), 0, "reopened receiver rxsync");
	/* Inferred from ABI §8: unread packets stay in the pipe. */
	CHECK_EQ(drain(rxr, &rseq, 0x9c, PKT_LEN), SLOTS - 1,
		 "the reopened end receives the packets sent while it was closed");
	CHECK_ERR(nmt_rxsync(s.fd), 0, "rxsync");
	CHECK(xfer(&m, txr, &s, rxr, &sseq, &rseq, 0x9c, 200), "and new ones");

	/* The other way round: the master goes away while the slave sends. */
	nmt_port_close(&m);
	sseq = rseq = 0;
	txr = nmt_tx(&s, 0);
	CHECK_EQ(nmt_put_many(txr, &sseq, 0x9d, PKT_LEN, 20), 20, "slave sends 20 to a closed master");
	CHECK_ERR(nmt_txsync(s.fd), 0, "txsync: no error");
	if (open_ok(&m, "pc{0", NOPT())) {
		CHECK_ERR(nmt_rxsync(m.fd), 0, "reopened master rxsync");
		CHECK_EQ(drain(nmt_rx(&m, 0), &rseq, 0x9d, PKT_LEN), 20, "master receives the 20");
	}
out:
	nmt_port_close(&s);
	nmt_port_close(&m);
}

/* PORT_INFO_GET of an empty name on region @id: 0 while it exists, else EINVAL. */
static int region_info(uint16_t id)
{
	struct nmreq_port_info_get info;

	memset(&info, 0, sizeof(info));
	info.nr_mem_id = id;
	return nmt_port_info("", &info);
}

/*
 * The parent of "ip{0" does not exist, so one is created with a private
 * region (the pipe's mem_id); it goes away with the last pipe, region
 * included: its mem_id then no longer exists (EINVAL).
 */
static void t_implicit_parent(void)
{
	struct nmreq_port_info_get info;
	struct nmt_port a, b;
	uint16_t id;
	int err;

	memset(&info, 0, sizeof(info));
	CHECK_ERR(nmt_port_info("ip", &info), ENXIO, "no port ip before");
	if (!open_ok(&a, "ip{0", NOPT()))
		return;
	id = a.reg.nr_mem_id;
	CHECK_ERR(region_info(id), 0, "the parent's region %u exists while its pipe is open", id);
	/*
	 * Not checked (ABI ambiguity): netmap creates an autodelete VALE port
	 * named "ip", so PORT_INFO_GET "ip" works there while the pipe lives.
	 */
	memset(&info, 0, sizeof(info));
	err = nmt_port_info("ip", &info);
	nmt_note("PORT_INFO_GET ip while its pipe is open: %d (netmap: 0)", err);
	if (open_ok(&b, "ip}1", NOPT())) {
		CHECK_EQ(b.reg.nr_mem_id, id, "a second pipe of ip shares the region");
		nmt_port_close(&a);
		CHECK_ERR(region_info(id), 0, "region still there with one pipe left");
		nmt_port_close(&b);
	} else {
		nmt_port_close(&a);
	}
	CHECK_ERR(region_info(id), EINVAL, "region %u gone after the last pipe closed", id);
	memset(&info, 0, sizeof(info));
	CHECK_ERR(nmt_port_info("ip", &info), ENXIO, "no port ip after the last pipe closed");
	if (open_ok(&a, "ip{0", NOPT())) {
		check_ring(&a, nmt_tx(&a, 0), false, 0, SLOTS, "recreated pipe");
		id = a.reg.nr_mem_id;
		nmt_port_close(&a);
		CHECK_ERR(region_info(id), EINVAL, "and its region gone again");
	}
	/* A mapping keeps the memory valid, not the parent. */
	if (open_ok(&a, "ip{0", NOPT())) {
		id = a.reg.nr_mem_id;
		close(a.fd);
		a.fd = -1;
		CHECK_EQ(nmt_tx(&a, 0)->num_slots, SLOTS, "memory still readable through the mapping");
		memset(&info, 0, sizeof(info));
		CHECK_ERR(nmt_port_info("ip", &info), ENXIO, "no port ip with only a mapping left");
		nmt_port_close(&a);
		CHECK_ERR(region_info(id), EINVAL, "region gone after munmap");
	}
}

/* ------------------------------------------------------------------------
 * Extra buffers
 */

static void t_extra_bufs(void)
{
	uint32_t *v, *w;
	struct nmt_port m, s, m2;
	struct nmreq_pools_info pi;
	long n, n2;
	size_t nb, i;

	if (!open_ok(&m, "xb{0", NOPT(.extra_bufs = 100)))
		return;
	v = calloc(1000, sizeof(*v));
	w = calloc(1000, sizeof(*w));
	CHECK_EQ(m.reg.nr_extra_bufs, 100, "100 extra buffers granted (plenty of room)");
	CHECK(m.nifp->ni_bufs_head != 0, "ni_bufs_head set");
	n = walk_extra(&m, nmt_tx(&m, 0), v, 1000);
	CHECK_EQ(n, m.reg.nr_extra_bufs, "the list has as many valid buffers as granted");
	pools("xb{0", &pi);
	if (n > 0) {
		for (i = 0; i < (size_t)n; i++)
			if (v[i] < 2 || v[i] >= pi.nr_buf_pool_objtotal)
				break;
		CHECK_EQ(i, n, "all extra buffer indexes in [2, objtotal)");
	}
	if (!open_ok(&s, "xb}0", NOPT()))
		goto out;
	CHECK_EQ(s.reg.nr_extra_bufs, 0, "no extra buffers asked, none granted");
	CHECK_EQ(s.nifp->ni_bufs_head, 0, "and ni_bufs_head 0");
	if (n > 0) {
		nb = pair_bufs(&m, &s, w);
		memcpy(w + nb, v, n * sizeof(*v));
		CHECK(all_distinct(w, nb + n), "extra buffers are distinct and in no ring");
	}
	if (open_ok(&m2, "xb{0", NOPT(.extra_bufs = 50))) {
		n2 = walk_extra(&m2, nmt_tx(&m2, 0), w, 1000);
		CHECK_EQ(n2, 50, "a second fd gets its own 50");
		if (n > 0 && n2 > 0) {
			memcpy(w + n2, v, n * sizeof(*v));
			CHECK(all_distinct(w, n2 + n), "disjoint from the first fd's");
		}
		nmt_port_close(&m2);
	}
	nmt_port_close(&s);
out:
	free(v);
	free(w);
	nmt_port_close(&m);
}

static void t_extra_free(void)
{
	static uint32_t chain[1100];
	struct nmt_port hold, p;
	uint32_t granted0 = 0, i, b, old, next;
	struct netmap_ring *txr;
	long n;

	/* The holder keeps the parent and its region alive across the loop,
	 * so buffers not given back at close would run it dry. */
	if (!open_ok(&hold, "xf{hold", NOPT()))
		return;
	for (i = 0; i < 40; i++) {
		if (!CHECK_ERR(nmt_port_open(&p, i & 1 ? "xf}0" : "xf{0", NOPT(.extra_bufs = 1000)), 0,
			       "iteration %u: REGISTER with 1000 extra buffers", i))
			break;
		if (i == 0) {
			granted0 = p.reg.nr_extra_bufs;
			CHECK_EQ(granted0, 1000, "1000 granted");
		}
		if (!CHECK_EQ(p.reg.nr_extra_bufs, granted0,
			      "iteration %u: as many granted as the first time", i)) {
			nmt_port_close(&p);
			break;
		}
		txr = nmt_tx(&p, 0);
		n = walk_extra(&p, txr, chain, 1100);
		if (!CHECK_EQ(n, granted0, "iteration %u: the list holds what was granted", i)) {
			nmt_port_close(&p);
			break;
		}
		/* The user reshuffles: first extra buffer into tx slot 0, the
		 * slot's buffer onto the list; the kernel frees the list. */
		b = p.nifp->ni_bufs_head;
		memcpy(&next, NETMAP_BUF(txr, b), sizeof(next));
		old = txr->slot[0].buf_idx;
		memcpy(NETMAP_BUF(txr, old), &next, sizeof(next));
		p.nifp->ni_bufs_head = old;
		txr->slot[0].buf_idx = b;
		txr->slot[0].flags = NS_BUF_CHANGED;
		nmt_port_close(&p);
	}
	CHECK_EQ(i, 40, "40 registers of 1000 extra buffers in a region of ~8192");
	nmt_port_close(&hold);
}

/* ------------------------------------------------------------------------
 * poll / select / epoll
 */

static void t_poll(void)
{
	struct netmap_ring *txr, *rxr;
	uint32_t sseq = 0, rseq = 0;
	struct nmt_port m, s;
	long long t0, dt;
	pid_t pid;
	int ev;

	if (!pair_open(&m, &s, "pq", "0", NOPT()))
		return;
	txr = nmt_tx(&m, 0);
	rxr = nmt_rx(&s, 0);
	ev = poll1(m.fd, POLLOUT, 0);
	CHECK(ev > 0 && (ev & POLLOUT), "POLLOUT ready on a fresh tx ring (0x%x)", ev);
	t0 = nmt_now_ms();
	ev = poll1(s.fd, POLLIN, 200);
	dt = nmt_now_ms() - t0;
	CHECK_EQ(ev, 0, "POLLIN times out when nothing was sent");
	CHECK(dt >= 150, "after the timeout (%lld ms)", dt);
	nmt_put_many(txr, &sseq, 0x90, PKT_LEN, 3);
	CHECK_ERR(nmt_txsync(m.fd), 0, "send 3");
	ev = poll1(s.fd, POLLIN, 1000);
	CHECK(ev > 0 && (ev & POLLIN), "POLLIN after the peer sent (0x%x)", ev);
	CHECK_EQ(nm_ring_space(rxr), 3, "poll ran rxsync: 3 packets visible");
	CHECK_EQ(drain(rxr, &rseq, 0x90, PKT_LEN), 3, "intact");
	ev = poll1(s.fd, POLLIN, 0);
	CHECK_EQ(ev, 0, "no POLLIN once consumed");
	/* A blocked reader wakes up. */
	pid = send_later(m.fd, txr, 300, 0x91, 2);
	t0 = nmt_now_ms();
	ev = poll1(s.fd, POLLIN, 10000);
	dt = nmt_now_ms() - t0;
	CHECK(ev > 0 && (ev & POLLIN), "blocked poll(POLLIN) woke up (0x%x)", ev);
	CHECK(dt < 8000, "in %lld ms", dt);
	reap(pid, "sender");
	rseq = 0;
	CHECK_EQ(drain(rxr, &rseq, 0x91, PKT_LEN), 2, "2 packets");
	/* POLLIN|POLLOUT together. */
	ev = poll1(s.fd, POLLIN | POLLOUT, 0);
	CHECK(ev > 0 && (ev & POLLOUT) && !(ev & POLLIN), "POLLIN|POLLOUT: only POLLOUT (0x%x)", ev);
	nmt_port_close(&s);
	nmt_port_close(&m);
}

static void t_no_tx_poll(void)
{
	struct nmt_port m, s, m2, s2;
	struct netmap_ring *rxr;
	uint32_t seq = 0;

	if (!open_ok(&m, "nx{0", NOPT(.flags = NR_NO_TX_POLL)) || !open_ok(&s, "nx}0", NOPT()))
		return;
	rxr = nmt_rx(&s, 0);
	nmt_put_many(nmt_tx(&m, 0), &seq, 1, PKT_LEN, 1);
	poll1(m.fd, POLLIN, 0);
	CHECK_ERR(nmt_rxsync(s.fd), 0, "peer rxsync");
	CHECK_EQ(nm_ring_space(rxr), 0, "NR_NO_TX_POLL: poll(POLLIN) did not push the packet");
	poll1(m.fd, POLLOUT, 0);
	CHECK_ERR(nmt_rxsync(s.fd), 0, "peer rxsync");
	CHECK_EQ(nm_ring_space(rxr), 1, "NR_NO_TX_POLL: poll(POLLOUT) pushed it");
	nmt_port_close(&s);
	nmt_port_close(&m);

	if (!open_ok(&m2, "nx{1", NOPT()) || !open_ok(&s2, "nx}1", NOPT()))
		return;
	rxr = nmt_rx(&s2, 0);
	nmt_put_many(nmt_tx(&m2, 0), &seq, 1, PKT_LEN, 1);
	poll1(m2.fd, POLLIN, 0);
	CHECK_ERR(nmt_rxsync(s2.fd), 0, "peer rxsync");
	CHECK_EQ(nm_ring_space(rxr), 1, "without NR_NO_TX_POLL: poll(POLLIN) pushed the packet");
	nmt_port_close(&s2);
	nmt_port_close(&m2);
}

static void t_do_rx_poll(void)
{
	struct nmt_port m, s, m2, s2;
	uint32_t seq = 0;

	if (!open_ok(&m, "dr{0", NOPT()) || !open_ok(&s, "dr}0", NOPT(.flags = NR_DO_RX_POLL)))
		return;
	nmt_put_many(nmt_tx(&m, 0), &seq, 1, PKT_LEN, 2);
	CHECK_ERR(nmt_txsync(m.fd), 0, "send 2");
	poll1(s.fd, POLLOUT, 0);
	CHECK_EQ(nm_ring_space(nmt_rx(&s, 0)), 2, "NR_DO_RX_POLL: poll(POLLOUT) ran rxsync");
	nmt_port_close(&s);
	nmt_port_close(&m);

	if (!open_ok(&m2, "dr{1", NOPT()) || !open_ok(&s2, "dr}1", NOPT()))
		return;
	nmt_put_many(nmt_tx(&m2, 0), &seq, 1, PKT_LEN, 2);
	CHECK_ERR(nmt_txsync(m2.fd), 0, "send 2");
	poll1(s2.fd, POLLOUT, 0);
	CHECK_EQ(nm_ring_space(nmt_rx(&s2, 0)), 0,
		 "without NR_DO_RX_POLL: poll(POLLOUT) left the rx ring alone");
	CHECK_ERR(nmt_rxsync(s2.fd), 0, "rxsync");
	CHECK_EQ(nm_ring_space(nmt_rx(&s2, 0)), 2, "rxsync shows them");
	nmt_port_close(&s2);
	nmt_port_close(&m2);
}

static void t_select(void)
{
	struct timeval tv;
	struct nmt_port m, s;
	uint32_t seq = 0;
	fd_set r, w;
	long long t0;
	pid_t pid;
	int rc;

	if (!pair_open(&m, &s, "se", "0", NOPT()))
		return;
	FD_ZERO(&w);
	FD_SET(m.fd, &w);
	tv = (struct timeval){ 0, 0 };
	rc = select(m.fd + 1, NULL, &w, NULL, &tv);
	CHECK(rc == 1 && FD_ISSET(m.fd, &w), "select: fresh tx ring writable");
	FD_ZERO(&r);
	FD_SET(s.fd, &r);
	tv = (struct timeval){ 0, 150000 };
	rc = select(s.fd + 1, &r, NULL, NULL, &tv);
	CHECK_EQ(rc, 0, "select: not readable, times out");
	nmt_put_many(nmt_tx(&m, 0), &seq, 1, PKT_LEN, 1);
	CHECK_ERR(nmt_txsync(m.fd), 0, "send 1");
	FD_ZERO(&r);
	FD_SET(s.fd, &r);
	tv = (struct timeval){ 1, 0 };
	rc = select(s.fd + 1, &r, NULL, NULL, &tv);
	CHECK(rc == 1 && FD_ISSET(s.fd, &r), "select: readable after the peer sent");
	nmt_rx(&s, 0)->head = nmt_rx(&s, 0)->cur = nmt_rx(&s, 0)->tail;
	CHECK_ERR(nmt_rxsync(s.fd), 0, "consume");
	pid = send_later(m.fd, nmt_tx(&m, 0), 300, 2, 1);
	FD_ZERO(&r);
	FD_SET(s.fd, &r);
	tv = (struct timeval){ 10, 0 };
	t0 = nmt_now_ms();
	rc = select(s.fd + 1, &r, NULL, NULL, &tv);
	CHECK(rc == 1 && nmt_now_ms() - t0 < 8000, "blocked select woke up (%lld ms)",
	      nmt_now_ms() - t0);
	reap(pid, "sender");
	nmt_port_close(&s);
	nmt_port_close(&m);
}

static void t_epoll(void)
{
	struct epoll_event ev, out[4];
	struct nmt_port m, s;
	uint32_t seq = 0;
	long long t0;
	int ep, n;
	pid_t pid;

	if (!pair_open(&m, &s, "ep", "0", NOPT()))
		return;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!CHECK(ep >= 0, "epoll_create1"))
		goto out;
	ev = (struct epoll_event){ .events = EPOLLOUT, .data.fd = m.fd };
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, m.fd, &ev), 0, "EPOLL_CTL_ADD tx fd");
	n = epoll_wait(ep, out, 4, 1000);
	CHECK(n == 1 && out[0].data.fd == m.fd && (out[0].events & EPOLLOUT),
	      "EPOLLOUT on a fresh tx ring");
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, m.fd, NULL), 0, "EPOLL_CTL_DEL");
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = s.fd };
	CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, s.fd, &ev), 0, "EPOLL_CTL_ADD rx fd");
	n = epoll_wait(ep, out, 4, 150);
	CHECK_EQ(n, 0, "no EPOLLIN when nothing was sent (timeout)");
	nmt_put_many(nmt_tx(&m, 0), &seq, 1, PKT_LEN, 1);
	CHECK_ERR(nmt_txsync(m.fd), 0, "send 1");
	n = epoll_wait(ep, out, 4, 1000);
	CHECK(n == 1 && (out[0].events & EPOLLIN), "EPOLLIN after the peer sent");
	nmt_rx(&s, 0)->head = nmt_rx(&s, 0)->cur = nmt_rx(&s, 0)->tail;
	CHECK_ERR(nmt_rxsync(s.fd), 0, "consume");
	n = epoll_wait(ep, out, 4, 0);
	CHECK_EQ(n, 0, "no EPOLLIN once consumed");
	pid = send_later(m.fd, nmt_tx(&m, 0), 300, 2, 1);
	t0 = nmt_now_ms();
	n = epoll_wait(ep, out, 4, 10000);
	CHECK(n == 1 && (out[0].events & EPOLLIN) && nmt_now_ms() - t0 < 8000,
	      "blocked epoll_wait woke up (%lld ms)", nmt_now_ms() - t0);
	reap(pid, "sender");
	close(ep);
out:
	nmt_port_close(&s);
	nmt_port_close(&m);
}

static void t_unbound(void)
{
	struct nmreq_register reg;
	struct nmreq_header h;
	int fd, ev;

	fd = nmt_open();
	if (fd < 0)
		return;
	CHECK_ERR(nmt_txsync(fd), ENXIO, "NIOCTXSYNC on an unbound fd");
	CHECK_ERR(nmt_rxsync(fd), ENXIO, "NIOCRXSYNC on an unbound fd");
	ev = poll1(fd, POLLIN | POLLOUT, 100);
	CHECK(ev > 0 && (ev & POLLERR), "poll on an unbound fd gives POLLERR (0x%x)", ev);
	nmt_reg_req(&h, &reg, "nosuchif0", NULL);
	CHECK_ERR(nmt_ctrl(fd, &h), ENXIO, "failed REGISTER");
	CHECK_ERR(nmt_txsync(fd), ENXIO, "still ENXIO after a failed REGISTER");
	ev = poll1(fd, POLLIN, 0);
	CHECK(ev > 0 && (ev & POLLERR), "and POLLERR");
	close(fd);
}

/* ------------------------------------------------------------------------
 * Legacy API
 */

static int legacy(int fd, unsigned long req, struct nmreq *nmr, const char *name,
		  uint32_t version, uint32_t flags, uint16_t ringid)
{
	memset(nmr, 0, sizeof(*nmr));
	strncpy(nmr->nr_name, name, sizeof(nmr->nr_name) - 1);
	nmr->nr_version = version;
	nmr->nr_flags = flags;
	nmr->nr_ringid = ringid;
	return nmt_ioctl(fd, req, nmr);
}

static void t_legacy(void)
{
	struct nmreq nmr, g;
	struct nmt_port s;
	struct netmap_if *nifp;
	struct netmap_ring *txr;
	uint32_t sseq = 0, rseq = 0;
	int fd, fd2, err;
	void *mem;

	fd = nmt_open();
	if (fd < 0)
		return;
	CHECK_ERR(legacy(fd, NIOCREGIF, &nmr, "lg", 13, NR_REG_PIPE_MASTER, 3), EINVAL,
		  "NIOCREGIF nr_version 13");
	CHECK_ERR(legacy(fd, NIOCREGIF, &nmr, "lg", 0, NR_REG_PIPE_MASTER, 3), EINVAL,
		  "NIOCREGIF nr_version 0");
	CHECK_ERR(legacy(fd, NIOCGINFO, &g, "lg{3", 13, 0, 0), EINVAL, "NIOCGINFO nr_version 13");
	memset(&nmr, 0, sizeof(nmr));
	strcpy(nmr.nr_name, "lg");
	nmr.nr_version = NETMAP_API;
	nmr.nr_flags = NR_REG_PIPE_MASTER;
	nmr.nr_ringid = 3;
	nmr.nr_arg3 = 5;
	err = nmt_ioctl(fd, NIOCREGIF, &nmr);
	if (!CHECK_ERR(err, 0, "NIOCREGIF lg, NR_REG_PIPE_MASTER, ringid 3"))
		goto out;
	CHECK(nmr.nr_memsize > 0 && nmr.nr_offset < nmr.nr_memsize, "memsize %u offset %u",
	      nmr.nr_memsize, nmr.nr_offset);
	CHECK(nmr.nr_tx_rings == 1 && nmr.nr_rx_rings == 1, "1 tx and 1 rx ring");
	CHECK(nmr.nr_tx_slots > 0 && nmr.nr_rx_slots > 0, "slot counts written back");
	CHECK(nmr.nr_arg2 != 0, "nr_arg2 = mem_id %u", nmr.nr_arg2);
	CHECK_EQ(nmr.nr_arg3, 5, "nr_arg3 = 5 extra buffers");
	CHECK_EQ(nmr.nr_flags, NR_REG_PIPE_MASTER, "nr_flags left untouched");
	CHECK_EQ(nmr.nr_ringid, 3, "nr_ringid left untouched");
	mem = mmap(NULL, nmr.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!CHECK(mem != MAP_FAILED, "mmap nr_memsize"))
		goto out;
	nmt_map_add(mem, nmr.nr_memsize);
	nifp = NETMAP_IF(mem, nmr.nr_offset);
	CHECK(nifp->ni_bufs_head != 0, "extra buffers listed");
	CHECK(!strncmp(nifp->ni_name, "lg{3", sizeof(nifp->ni_name)),
	      "the port is lg{3 (ni_name %.16s)", nifp->ni_name);
	txr = NETMAP_TXRING(nifp, 0);
	CHECK_ERR(try_register("lg{3", NOPT(.flags = NR_EXCLUSIVE)), EBUSY,
		  "lg{3 is the port bound by the legacy call");
	if (open_ok(&s, "lg}3", NULL)) {
		CHECK_EQ(s.reg.nr_mem_id, nmr.nr_arg2, "its peer lg}3 shares the region");
		/* legacy master -> NIOCCTRL slave */
		nmt_put_many(txr, &sseq, 0x1e, PKT_LEN, 5);
		CHECK_ERR(nmt_txsync(fd), 0, "legacy fd txsync");
		CHECK_ERR(nmt_rxsync(s.fd), 0, "slave rxsync");
		CHECK_EQ(drain(nmt_rx(&s, 0), &rseq, 0x1e, PKT_LEN), 5, "5 packets legacy -> lg}3");
		nmt_port_close(&s);
	}
	CHECK_ERR(legacy(fd, NIOCREGIF, &g, "lg{4", NETMAP_API, 0, 0), EBUSY,
		  "NIOCREGIF on a bound fd");
	CHECK_ERR(legacy(fd, NIOCGINFO, &g, "lg{3", NETMAP_API, 0, 0), 0, "NIOCGINFO lg{3");
	CHECK_EQ(g.nr_memsize, nmr.nr_memsize, "NIOCGINFO memsize");
	CHECK(g.nr_tx_rings == 1 && g.nr_rx_rings == 1, "NIOCGINFO ring counts");
	CHECK_EQ(g.nr_arg2, nmr.nr_arg2, "NIOCGINFO mem_id in nr_arg2");
	CHECK_FAILS(legacy(fd, NIOCGINFO, &g, "nosuchif0", NETMAP_API, 0, 0), "NIOCGINFO nosuchif0");
	CHECK_ERR(legacy(fd, NIOCGINFO, &g, "lg{3", 16, 0, 0), 0,
		  "NIOCGINFO nr_version 16 (no upper bound on the legacy path)");
	nmt_map_del(mem);
	munmap(mem, nmr.nr_memsize);

	fd2 = nmt_open();
	CHECK_ERR(legacy(fd2, NIOCREGIF, &g, "lg", 16, NR_REG_PIPE_SLAVE, 3), 0,
		  "NIOCREGIF nr_version 16, NR_REG_PIPE_SLAVE ringid 3 -> lg}3");
	close(fd2);
	fd2 = nmt_open();
	CHECK_ERR(legacy(fd2, NIOCREGIF, &g, "lg{9", NETMAP_API, NR_REG_DEFAULT, 0), 0,
		  "NIOCREGIF lg{9 with NR_REG_DEFAULT");
	CHECK(g.nr_tx_rings == 1 && g.nr_rx_rings == 1, "default rings");
	close(fd2);
	/* NETMAP_HW_RING in nr_ringid with NR_REG_DEFAULT means ONE_NIC. */
	if (open_ok(&s, "lh{0", NOPT(.tx_rings = 2, .rx_rings = 2))) {
		fd2 = nmt_open();
		err = legacy(fd2, NIOCREGIF, &g, "lh{0", NETMAP_API, NR_REG_DEFAULT,
			     NETMAP_HW_RING | 1);
		if (CHECK_ERR(err, 0, "NIOCREGIF lh{0 ringid NETMAP_HW_RING|1")) {
			mem = mmap(NULL, g.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
			if (CHECK(mem != MAP_FAILED, "mmap")) {
				nifp = NETMAP_IF(mem, g.nr_offset);
				CHECK(nifp->ni_tx_rings == 2 && nifp->ring_ofs[0] == 0 &&
				      nifp->ring_ofs[1] != 0, "only tx ring 1 bound (ONE_NIC 1)");
				munmap(mem, g.nr_memsize);
			}
			CHECK_EQ(g.nr_ringid, NETMAP_HW_RING | 1, "nr_ringid left untouched");
		}
		close(fd2);
		/* NR_REG_ONE_NIC in nr_flags (ringid 0) binds ring 0 only. */
		fd2 = nmt_open();
		err = legacy(fd2, NIOCREGIF, &g, "lh{0", NETMAP_API, NR_REG_ONE_NIC, 0);
		if (CHECK_ERR(err, 0, "NIOCREGIF lh{0 nr_flags NR_REG_ONE_NIC ringid 0")) {
			mem = mmap(NULL, g.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
			if (CHECK(mem != MAP_FAILED, "mmap")) {
				nifp = NETMAP_IF(mem, g.nr_offset);
				CHECK(nifp->ring_ofs[0] != 0 && nifp->ring_ofs[1] == 0,
				      "only tx ring 0 bound (ONE_NIC 0)");
				munmap(mem, g.nr_memsize);
			}
		}
		close(fd2);
		nmt_port_close(&s);
	}
out:
	close(fd);
}

/* ------------------------------------------------------------------------
 * Lifetime
 */

static void t_kill(void)
{
	int ready[2];
	char c = 0;
	int err = -1, tries;
	pid_t pid;

	if (!CHECK(pipe(ready) == 0, "pipe"))
		return;
	pid = fork();
	if (pid == 0) {
		struct nmt_port a, b;

		close(ready[0]);
		if (nmt_port_open(&a, "kl{0", NOPT(.flags = NR_EXCLUSIVE, .extra_bufs = 100)) ||
		    nmt_port_open(&b, "kl}0", NOPT(.flags = NR_EXCLUSIVE)))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		poll1(b.fd, POLLIN, -1);	/* killed in here, normally */
		for (;;)
			pause();
	}
	close(ready[1]);
	if (!CHECK(read(ready[0], &c, 1) == 1 && c == 'r', "child registered kl{0 and kl}0"))
		goto out;
	CHECK_ERR(try_register("kl{0", NOPT(.flags = NR_EXCLUSIVE)), EBUSY,
		  "kl{0 is held exclusively by the child");
	usleep(100000);		/* let it block in poll */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	pid = -1;
	for (tries = 0; tries < 20; tries++) {
		err = try_register("kl{0", NOPT(.flags = NR_EXCLUSIVE));
		if (err != EBUSY)
			break;
		usleep(100000);
	}
	CHECK_ERR(err, 0, "after SIGKILL, kl{0 can be registered exclusively again");
	CHECK_EQ(tries, 0, "right after waitpid (retries)");
	CHECK_ERR(try_register("kl}0", NOPT(.flags = NR_EXCLUSIVE)), 0, "kl}0 too");
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close(ready[0]);
}

/* Both ends stream at once, each in its own process, through 100-slot rings. */
static int stream_end(const char *name, uint32_t n)
{
	struct netmap_ring *txr, *rxr;
	uint32_t sseq = 0, rseq = 0, burst = 1;
	struct nmt_port p;
	int idle = 0, ev, got;

	if (nmt_port_open(&p, name, NMT_OPTS(.tx_slots = 100, .rx_slots = 100)))
		return 10;
	txr = nmt_tx(&p, 0);
	rxr = nmt_rx(&p, 0);
	while (rseq < n || sseq < n) {
		/* Varying burst sizes exercise partial batches and wrap-around. */
		burst = burst * 7 % 97 + 1;
		nmt_put_many(txr, &sseq, 0x5e, PKT_LEN, n - sseq < burst ? n - sseq : burst);
		ev = poll1(p.fd, (rseq < n ? POLLIN : 0) | (sseq < n ? POLLOUT : 0), 5000);
		if (ev < 0 || (ev & POLLERR))
			return 11;
		got = drain(rxr, &rseq, 0x5e, PKT_LEN);
		if (got < 0)
			return 12;
		if (ev == 0 && ++idle > 2)
			return 13;
	}
	/* What we sent last is in the peer's rx ring already; it stays
	 * there while the peer has the pipe open. */
	return 0;
}

static void t_stream(void)
{
	pid_t a, b;
	long long t0 = nmt_now_ms();

	a = fork();
	if (a == 0)
		_exit(stream_end("st{0", 20000));
	b = fork();
	if (b == 0)
		_exit(stream_end("st}0", 20000));
	reap(a, "master streams 20000 packets each way");
	reap(b, "slave streams 20000 packets each way");
	nmt_note("%lld ms", nmt_now_ms() - t0);
}

/* ------------------------------------------------------------------------ */

static const struct nmt_test tests[] = {
	{ "version", t_version, "NIOCCTRL nr_version: 14 and 15 accepted, 0/13/16 EINVAL" },
	{ "reserved", t_reserved, "nr_reserved != 0 gives EINVAL" },
	{ "reqtype", t_reqtype, "unknown nr_reqtype gives EINVAL" },
	{ "body", t_body, "nr_body NULL/non-NULL mismatch gives EINVAL; bad pointers fail" },
	{ "copyback", t_copyback, "body copied back only on success" },
	{ "name", t_name, "names without NUL / overlong: first 63 bytes, ni_name prefix" },
	{ "busy", t_busy, "REGISTER on a bound fd gives EBUSY" },
	{ "enxio", t_enxio, "unknown plain names give ENXIO" },
	{ "pipe_names", t_pipe_names, "bad pipe names and modes give EINVAL" },
	{ "opt_type0", t_opt_type0, "option type 0: EINVAL, nro_status EINVAL" },
	{ "opt_unknown", t_opt_unknown, "unknown options: EOPNOTSUPP in status and REGISTER" },
	{ "opt_unused", t_opt_unused, "known options REGISTER does not use: EOPNOTSUPP" },
	{ "opt_known", t_opt_known, "EXTMEM/OFFSETS/CSB: answered, never silently ignored" },
	{ "opt_dup", t_opt_dup, "duplicate options: EINVAL on both" },
	{ "opt_loop", t_opt_loop, "looping or oversized option lists: EMSGSIZE" },
	{ "port_info", t_port_info, "PORT_INFO_GET: empty name = mem_id 1; pipe counts" },
	{ "pools_info", t_pools_info, "POOLS_INFO_GET layout is consistent" },
	{ "mem_id", t_mem_id, "mem_id: unknown EINVAL; pipes share their parent's region" },
	{ "mmap", t_mmap, "mmap: EINVAL unbound, out-of-range refused, exact size works" },
	{ "reg_reply", t_reg_reply, "REGISTER reply, netmap_if and initial rings" },
	{ "reg_limits", t_reg_limits, "slot/ring counts beyond the maxima clamped or refused" },
	{ "one_empty", t_one_empty, "a ring holds at most num_slots - 1 packets" },
	{ "head_cur", t_head_cur, "bad head/cur: sync fails, ring reinitialised, recovers" },
	{ "tail_restore", t_tail_restore, "a tail written by the user is restored" },
	{ "buf_changed", t_buf_changed, "NS_BUF_CHANGED with a swapped-in extra buffer" },
	{ "buf_bad", t_buf_bad, "bad buf_idx / len refused, ring recovers" },
	{ "morefrag", t_morefrag, "NS_MOREFRAG chains and NS_REPORT travel over a pipe" },
	{ "timestamp", t_timestamp, "NR_TIMESTAMP updates ring->ts; no_timestamp disables" },
	{ "modes", t_modes, "ALL_NIC / ONE_NIC with several rings; bad ringid EINVAL" },
	{ "rings_only", t_rings_only, "NR_TX_RINGS_ONLY / NR_RX_RINGS_ONLY" },
	{ "exclusive", t_exclusive, "NR_EXCLUSIVE: EBUSY both ways, per ring" },
	{ "pipe_order", t_pipe_order, "either pipe end may open first; defaults" },
	{ "zerocopy", t_zerocopy, "pipes share slots: receiver reads the sender's buffer, sender's slots unchanged" },
	{ "rx_swap", t_rx_swap, "receiver swaps in a buffer: the sender's slot gets it; a bad one never does" },
	{ "backpressure", t_backpressure, "unread packets keep the sender's tail; space returns" },
	{ "pipes64", t_pipes64, "64 pipes per parent, the 65th refused" },
	{ "peer_close", t_peer_close, "one end closed while the other sends; reopen receives" },
	{ "implicit_parent", t_implicit_parent, "implicit parent lives as long as its pipes" },
	{ "extra_bufs", t_extra_bufs, "nr_extra_bufs: list walkable, valid, distinct" },
	{ "extra_free", t_extra_free, "extra buffers freed on close (no exhaustion)" },
	{ "poll", t_poll, "poll: POLLOUT fresh, POLLIN after send, timeout, wakeup" },
	{ "no_tx_poll", t_no_tx_poll, "NR_NO_TX_POLL: txsync only with POLLOUT" },
	{ "do_rx_poll", t_do_rx_poll, "NR_DO_RX_POLL: rxsync without POLLIN" },
	{ "select", t_select, "select() readiness and wakeup" },
	{ "epoll", t_epoll, "epoll readiness and wakeup" },
	{ "unbound", t_unbound, "sync on an unbound fd ENXIO, poll POLLERR" },
	{ "legacy", t_legacy, "NIOCREGIF/NIOCGINFO: versions, pipe modes, conversion" },
	{ "kill", t_kill, "SIGKILLed holder's ports are freed" },
	{ "stream", t_stream, "both ends stream 20000 packets at once (100-slot rings)" },
};

/* --hold NAME FILE / --hold-map NAME FILE: see the top of the file. */
static int hold(const char *name, const char *file, bool map_only)
{
	struct nmt_port p;
	int fd;

	if (nmt_port_open(&p, name, NOPT())) {
		fprintf(stderr, "nm_conform: cannot register %s\n", name);
		return 1;
	}
	if (map_only) {
		close(p.fd);	/* the mapping alone keeps the file open */
		p.fd = -1;
	}
	fd = open(file, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--hold"))
		return hold(argv[2], argv[3], false);
	if (argc == 4 && !strcmp(argv[1], "--hold-map"))
		return hold(argv[2], argv[3], true);
	return nmt_main(tests, ARRAY_SIZE(tests), argc, argv, 120);
}
