// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_priv - a handed port fd is a key to its port and nothing more (issue
 * 12, kernel/README.md "Privilege"), for tests/vm/guest/priv.sh, which
 * makes the veth pairs pv0/pv1 and pw0/pw1 (up) first:
 *
 *   nm_priv [-v] [-l] [NAME...]   run the subtests
 *   nm_priv --cleanup             undo what a failed run may have left
 *
 * Root builds a topology: persistent port nmp0 on switch valep, NIC pv1
 * on switch valen with a polling thread, ephemeral ports vale0:a and
 * vale0:b, pipe pp{0 / pp}0, NIC port netmap:pv0; pw0 is an interface no
 * one uses. It binds vale0:a, pp{0 and pv0 and passes the three fds to a
 * child over a unix socket (SCM_RIGHTS, as netmapd does), which closes
 * everything else, drops to uid/gid 65534 with no groups and an empty
 * capability set (checked with capget) and, in subtest userns, also
 * becomes root of a user + network namespace of its own. With only the
 * handed fds it tries every request that changes the topology, through
 * NIOCCTRL and through legacy NIOCREGIF nr_cmd: each must be EPERM;
 * REGISTER on a handed fd (a rebind) EBUSY; info requests that would
 * create something (a pipe, an implicit parent, a NIC port) EPERM, those
 * about what exists answered. The handed fds still move frames both ways.
 * Root then checks that VALE_LIST, /sys/class/net and the nm-poll threads
 * are what they were, and that the same requests work for root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nm_drop.h"
#include "nmt.h"

#define NFRAMES		8
#define FLEN		60
#define SNAP_MAX	8192

enum { H_VALE, H_PIPE, H_NIC, H_N };
static const char *const handed_name[H_N] = { "vale0:a", "pp{0", "pv0" };

/* ---- requests ------------------------------------------------------------ */

/* NIOCCTRL @type on @fd with a zeroed body where the type has one. */
static int ctrl(int fd, uint16_t type, const char *name)
{
	union {
		struct nmreq_vale_newif newif;
		struct nmreq_vale_attach attach;
		struct nmreq_vale_detach detach;
		struct nmreq_vale_polling poll;
		struct nmreq_port_hdr hdr;
		struct nmreq_vale_list list;
		struct nmreq_port_info_get info;
		struct nmreq_pools_info pools;
	} b;
	struct nmreq_header h;

	memset(&b, 0, sizeof(b));
	switch (type) {
	case NETMAP_REQ_VALE_ATTACH:
		b.attach.reg.nr_mode = NR_REG_ALL_NIC;
		break;
	case NETMAP_REQ_VALE_POLLING_ENABLE:
		b.poll.nr_mode = NETMAP_POLLING_MODE_SINGLE_CPU;
		b.poll.nr_num_polling_cpus = 1;
		break;
	case NETMAP_REQ_PORT_HDR_SET:
		b.hdr.nr_hdr_len = 12;
		break;
	}
	nmt_hdr(&h, type, name, type == NETMAP_REQ_VALE_DELIF ? NULL : &b);
	return nmt_ctrl(fd, &h);
}

/* Legacy NIOCREGIF (or NIOCGINFO) with @cmd in nr_cmd. */
static int legacy(int fd, unsigned long ioc, uint16_t cmd, const char *name)
{
	struct nmreq r;

	memset(&r, 0, sizeof(r));
	r.nr_version = NETMAP_API;
	snprintf(r.nr_name, sizeof(r.nr_name), "%s", name);
	r.nr_cmd = cmd;
	if (cmd == NETMAP_BDG_POLLING_ON) {
		r.nr_flags = NR_REG_ALL_NIC;
		r.nr_arg1 = 1;
	}
	if (cmd == NETMAP_BDG_VNET_HDR)
		r.nr_arg1 = 12;
	return nmt_ioctl(fd, ioc, &r);
}

/* REGISTER of @name on @fd (a rebind when @fd is bound). */
static int rebind(int fd, const char *name)
{
	struct nmreq_header h;
	struct nmreq_register r;

	nmt_reg_req(&h, &r, name, NULL);
	return nmt_ctrl(fd, &h);
}

static int root_ctrl(uint16_t type, const char *name)
{
	int fd = nmt_open(), err;

	if (fd < 0)
		return ENODEV;
	err = ctrl(fd, type, name);
	close(fd);
	return err;
}

/* ---- what root can see ------------------------------------------------------ */

static bool has_line(const char *snap, const char *line)
{
	size_t n = strlen(line);
	const char *p = snap;

	while ((p = strstr(p, line))) {
		if ((p == snap || p[-1] == '\n') && (p[n] == '\n' || p[n] == ' ' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

static int polling_threads(void)
{
	char snap[SNAP_MAX];
	int n = 0;
	const char *p = snap;

	nmt_snapshot(NULL, snap, sizeof(snap));
	while ((p = strstr(p, "thread "))) {
		n++;
		p++;
	}
	return n;
}

/*
 * The polling threads once they settle at @want, or the count after 10 s.
 * A stopped kthread has finished when kthread_stop() returns, but its
 * /proc entry goes a moment later, when it is reaped: on a loaded host the
 * snapshot can still see it.
 */
static int polling_threads_settled(int want)
{
	int n = polling_threads();

	for (int i = 0; i < 200 && n != want; i++) {
		usleep(50 * 1000);
		n = polling_threads();
	}
	return n;
}

/* ---- frames -------------------------------------------------------------- */

/* A broadcast frame with sequence @seq from source @src. */
static void frame(unsigned char *b, uint32_t seq, uint8_t src)
{
	memset(b, 0xff, 6);
	memcpy(b + 6, (const unsigned char[]){ 0x02, 0, 0, 0, 0x12, src }, 6);
	b[12] = 0x88;
	b[13] = 0xb5;
	memcpy(b + 14, &seq, 4);
	for (int i = 18; i < FLEN; i++)
		b[i] = (unsigned char)(seq * 13 + (unsigned)i + src);
}

static int send_frames(int fd, struct netmap_if *nifp, uint8_t src)
{
	struct netmap_ring *r = NETMAP_TXRING(nifp, 0);

	for (uint32_t i = 0; i < NFRAMES; i++) {
		struct netmap_slot *s = &r->slot[r->cur];

		if (nm_ring_empty(r))
			return ENOBUFS;
		frame((unsigned char *)NETMAP_BUF(r, s->buf_idx), i, src);
		s->len = FLEN;
		r->head = r->cur = nm_ring_next(r, r->cur);
	}
	return nmt_txsync(fd);
}

/* Exactly NFRAMES frames from @src arrived, intact and in order. */
static bool recv_frames(int fd, struct netmap_if *nifp, uint8_t src, const char *what)
{
	struct netmap_ring *r = NETMAP_RXRING(nifp, 0);
	unsigned char want[FLEN];
	uint32_t got = 0, bad = 0;

	if (!CHECK_ERR(nmt_rxsync(fd), 0, "%s: rxsync", what))
		return false;
	while (!nm_ring_empty(r)) {
		struct netmap_slot *s = &r->slot[r->cur];

		frame(want, got, src);
		if (s->len != FLEN || memcmp(NETMAP_BUF(r, s->buf_idx), want, FLEN))
			bad++;
		got++;
		r->head = r->cur = nm_ring_next(r, r->cur);
	}
	nmt_rxsync(fd);
	return CHECK(got == NFRAMES && !bad, "%s: %u of %u frames, %u bad", what, got, NFRAMES,
		     bad);
}

/* ---- the topology ---------------------------------------------------------- */

struct topo {
	struct nmt_port handed[H_N];	/* vale0:a, pp{0, pv0: passed to the child */
	struct nmt_port b, peer;	/* vale0:b, pp}0: root keeps them */
};

/* Undo everything a run makes; errors ignored (it may not exist). */
static void cleanup(void)
{
	root_ctrl(NETMAP_REQ_VALE_POLLING_DISABLE, "valen:pv1");
	root_ctrl(NETMAP_REQ_VALE_POLLING_DISABLE, "valeq:pw0");
	root_ctrl(NETMAP_REQ_VALE_DETACH, "valen:pv1");
	root_ctrl(NETMAP_REQ_VALE_DETACH, "valeq:pw0");
	root_ctrl(NETMAP_REQ_VALE_DETACH, "valep:nmp0");
	root_ctrl(NETMAP_REQ_VALE_DETACH, "valeq:nmpx");
	root_ctrl(NETMAP_REQ_VALE_DELIF, "nmp0");
	root_ctrl(NETMAP_REQ_VALE_DELIF, "nmpx");
}

static bool setup(struct topo *t)
{
	cleanup();
	if (!CHECK_ERR(root_ctrl(NETMAP_REQ_VALE_NEWIF, "nmp0"), 0, "root: NEWIF nmp0") ||
	    !CHECK_ERR(root_ctrl(NETMAP_REQ_VALE_ATTACH, "valep:nmp0"), 0, "root: ATTACH valep:nmp0") ||
	    !CHECK_ERR(root_ctrl(NETMAP_REQ_VALE_ATTACH, "valen:pv1"), 0, "root: ATTACH valen:pv1") ||
	    !CHECK_ERR(root_ctrl(NETMAP_REQ_VALE_POLLING_ENABLE, "valen:pv1"), 0,
		       "root: POLLING_ENABLE valen:pv1"))
		return false;
	for (int i = 0; i < H_N; i++)
		if (!CHECK_ERR(nmt_port_open(&t->handed[i], handed_name[i], NULL), 0, "root: open %s",
			       handed_name[i]))
			return false;
	if (!CHECK_ERR(nmt_port_open(&t->b, "vale0:b", NULL), 0, "root: open vale0:b") ||
	    !CHECK_ERR(nmt_port_open(&t->peer, "pp}0", NULL), 0, "root: open pp}0"))
		return false;
	/* Waiting in the handed ports' RX rings for the child. */
	return CHECK_ERR(send_frames(t->b.fd, t->b.nifp, 0xb), 0, "root: send on vale0:b") &&
	       CHECK_ERR(send_frames(t->peer.fd, t->peer.nifp, 0x5), 0, "root: send on pp}0");
}

/* ---- the child: an unprivileged holder of the handed fds ---------------------- */

static const struct {
	uint16_t type;
	const char *name;
} denied_ctrl[] = {
	{ NETMAP_REQ_VALE_NEWIF, "nmpx" },
	{ NETMAP_REQ_VALE_NEWIF, "nmp0" },
	{ NETMAP_REQ_VALE_DELIF, "nmp0" },
	{ NETMAP_REQ_VALE_ATTACH, "valeq:pw0" },
	{ NETMAP_REQ_VALE_ATTACH, "vale0:pw0" },
	{ NETMAP_REQ_VALE_ATTACH, "valeq:nmp0" },
	{ NETMAP_REQ_VALE_DETACH, "valep:nmp0" },
	{ NETMAP_REQ_VALE_DETACH, "valen:pv1" },
	{ NETMAP_REQ_VALE_DETACH, "vale0:a" },
	{ NETMAP_REQ_VALE_POLLING_ENABLE, "valen:pv1" },
	{ NETMAP_REQ_VALE_POLLING_DISABLE, "valen:pv1" },
	{ NETMAP_REQ_PORT_HDR_SET, "vale0:a" },
};

static const struct {
	uint16_t cmd;
	const char *name;
} denied_legacy[] = {
	{ NETMAP_BDG_NEWIF, "nmpx" },
	{ NETMAP_BDG_DELIF, "nmp0" },
	{ NETMAP_BDG_ATTACH, "valeq:pw0" },
	{ NETMAP_BDG_ATTACH, "valeq:nmp0" },
	{ NETMAP_BDG_DETACH, "valep:nmp0" },
	{ NETMAP_BDG_DETACH, "valen:pv1" },
	{ NETMAP_BDG_POLLING_ON, "valen:pv1" },
	{ NETMAP_BDG_POLLING_OFF, "valen:pv1" },
	{ NETMAP_BDG_VNET_HDR, "vale0:a" },
};

/*
 * Info requests: @err is what an unprivileged caller gets (EPERM: root's
 * answer would need an object made for it); @nic: names an interface of
 * the initial namespace (not seen from a namespace of the child's own).
 */
static const struct {
	uint16_t type;		/* NIOCCTRL type, or 0 for legacy NIOCGINFO */
	const char *name;
	int err;
	bool nic;
} info_reqs[] = {
	{ NETMAP_REQ_PORT_INFO_GET, "zz{1", EPERM, false },
	{ NETMAP_REQ_PORT_INFO_GET, "vale0:zz{1", EPERM, false },
	{ NETMAP_REQ_PORT_INFO_GET, "pp{7", EPERM, false },
	{ NETMAP_REQ_PORT_INFO_GET, "pw0", EPERM, true },
	{ NETMAP_REQ_PORT_INFO_GET, "pw0{1", EPERM, false },	/* parent: NIC or implicit */
	{ NETMAP_REQ_POOLS_INFO_GET, "pw0", EPERM, true },
	{ NETMAP_REQ_POOLS_INFO_GET, "zz}3", EPERM, false },
	{ 0, "zz{1", EPERM, false },
	{ 0, "pw0", EPERM, true },
	{ NETMAP_REQ_PORT_INFO_GET, "vale0:nosuch", ENXIO, false },
	{ NETMAP_REQ_PORT_INFO_GET, "vale0:a", 0, false },
	{ NETMAP_REQ_PORT_INFO_GET, "vale0:b", 0, false },
	{ NETMAP_REQ_PORT_INFO_GET, "pp}0", 0, false },
	{ NETMAP_REQ_PORT_INFO_GET, "nmp0", 0, false },
	{ NETMAP_REQ_PORT_INFO_GET, "valep:nmp0", 0, false },
	{ NETMAP_REQ_PORT_INFO_GET, "pv0", 0, true },
	{ NETMAP_REQ_POOLS_INFO_GET, "vale0:a", 0, false },
	{ NETMAP_REQ_VALE_LIST, "valen:pv1", 0, false },
	{ NETMAP_REQ_VALE_LIST, "", 0, false },
	{ 0, "pp}0", 0, false },
};

static int info_req(int fd, int i)
{
	return info_reqs[i].type ? ctrl(fd, info_reqs[i].type, info_reqs[i].name) :
				   legacy(fd, NIOCGINFO, 0, info_reqs[i].name);
}

static void child_requests(int fd, const char *what, bool userns)
{
	size_t i;

	for (i = 0; i < sizeof(denied_ctrl) / sizeof(denied_ctrl[0]); i++)
		CHECK_ERR(ctrl(fd, denied_ctrl[i].type, denied_ctrl[i].name), EPERM,
			  "uid %d on %s: NIOCCTRL type %u \"%s\"", DROP_UID, what, denied_ctrl[i].type,
			  denied_ctrl[i].name);
	for (i = 0; i < sizeof(denied_legacy) / sizeof(denied_legacy[0]); i++)
		CHECK_ERR(legacy(fd, NIOCREGIF, denied_legacy[i].cmd, denied_legacy[i].name), EPERM,
			  "uid %d on %s: NIOCREGIF nr_cmd %u \"%s\"", DROP_UID, what,
			  denied_legacy[i].cmd, denied_legacy[i].name);
	CHECK_ERR(rebind(fd, "vale0:c"), EBUSY, "rebind %s as vale0:c", what);
	CHECK_ERR(rebind(fd, "pp{5"), EBUSY, "rebind %s as pp{5", what);
	CHECK_ERR(rebind(fd, what), EBUSY, "rebind %s as itself", what);
	CHECK_ERR(rebind(fd, "pw0"), EBUSY, "rebind %s as pw0", what);
	CHECK_ERR(legacy(fd, NIOCREGIF, 0, "vale0:c"), EBUSY, "legacy rebind %s as vale0:c", what);
	for (i = 0; i < sizeof(info_reqs) / sizeof(info_reqs[0]); i++) {
		int want = info_reqs[i].err;

		if (userns && info_reqs[i].nic)
			want = ENXIO;	/* no such interface in the child's namespace */
		CHECK_ERR(info_req(fd, (int)i), want, "uid %d on %s: %s type %u \"%s\"", DROP_UID,
			  what, info_reqs[i].type ? "NIOCCTRL" : "NIOCGINFO", info_reqs[i].type,
			  info_reqs[i].name);
	}
}

/* Map a received fd with the layout root got from REGISTER. */
static struct netmap_if *child_map(int fd, const struct nmt_port *p)
{
	void *mem = mmap(NULL, p->reg.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int err = mem == MAP_FAILED ? errno : 0;

	if (!CHECK_ERR(err, 0, "child: mmap of the handed %s", p->hdr.nr_name))
		return NULL;
	return NETMAP_IF(mem, p->reg.nr_offset);
}

static void child_traffic(const int *fds, struct netmap_if *const *nifp)
{
	struct pollfd pfd = { .fd = fds[H_NIC], .events = POLLIN | POLLOUT };

	recv_frames(fds[H_VALE], nifp[H_VALE], 0xb, "child: vale0:a from vale0:b");
	recv_frames(fds[H_PIPE], nifp[H_PIPE], 0x5, "child: pp{0 from pp}0");
	CHECK_ERR(send_frames(fds[H_VALE], nifp[H_VALE], 0xa), 0, "child: send on vale0:a");
	CHECK_ERR(send_frames(fds[H_PIPE], nifp[H_PIPE], 0x6), 0, "child: send on pp{0");
	CHECK_ERR(nmt_txsync(fds[H_NIC]), 0, "child: txsync of pv0");
	CHECK_ERR(nmt_rxsync(fds[H_NIC]), 0, "child: rxsync of pv0");
	CHECK(poll(&pfd, 1, 0) >= 0 && !(pfd.revents & POLLERR), "child: poll of pv0");
}

/* Exit status: 0, 1 (checks failed), 4 (user namespaces not available). */
static int child_main(int sock, const struct topo *t, bool userns)
{
	struct netmap_if *nifp[H_N];
	char why[160];
	int fds[H_N], fd, i, err;

	nmt_checks_failed = 0;
	/* Only the socket: whatever this process holds comes from it. */
	for (fd = 3; fd < 1024; fd++)
		if (fd != sock)
			close(fd);
	if (!CHECK_EQ(drop_recv_fds(sock, fds, H_N), H_N, "child: receive the handed fds"))
		return 1;
	why[0] = '\0';
	if (!CHECK(drop_privileges(why, sizeof(why)) == 0,
		   "child: uid/gid %d, no groups, empty capability sets %s", DROP_UID, why))
		return 1;
	if (userns) {
		err = drop_userns(why, sizeof(why));
		if (err > 0) {
			printf("SKIP: userns (unshare: %s)\n", strerror(err));
			return 4;
		}
		if (!CHECK(err == 0, "child: CAP_NET_ADMIN in a user + network namespace of its own %s",
			   err ? why : ""))
			return 1;
	}
	fd = open("/dev/netmap", O_RDWR);
	err = fd < 0 ? errno : 0;
	CHECK(err == EACCES, "child: /dev/netmap does not open (fd %d, %s)", fd, strerror(err));
	for (i = 0; i < H_N; i++)
		if (!(nifp[i] = child_map(fds[i], &t->handed[i])))
			return 1;
	for (i = 0; i < H_N; i++)
		child_requests(fds[i], handed_name[i], userns);
	child_traffic(fds, nifp);
	return nmt_checks_failed ? 1 : 0;
}

/*
 * Fork the child, hand it the fds, wait. Returns its exit status (4: skip).
 * Root's view before and after must be the same.
 */
static int run_child(struct topo *t, bool userns)
{
	static char before[SNAP_MAX], after[SNAP_MAX];
	int sv[2], fds[H_N], st = 0, i;
	pid_t pid;

	nmt_snapshot(NULL, before, sizeof(before));
	if (!CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair"))
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(child_main(sv[1], t, userns));
	close(sv[1]);
	for (i = 0; i < H_N; i++)
		fds[i] = t->handed[i].fd;
	CHECK_ERR(drop_send_fds(sv[0], fds, H_N), 0, "root: send the fds");
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	close(sv[0]);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 4)
		return 4;
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the unprivileged child's checks all passed (wait status %#x)", st);
	nmt_snapshot(NULL, after, sizeof(after));
	if (!CHECK(!strcmp(before, after), "root's view is the same after the child ran"))
		printf("before:\n%safter:\n%s", before, after);
	CHECK(has_line(after, "vale valep:nmp0") && has_line(after, "vale valen:pv1") &&
	      has_line(after, "if nmp0") && polling_threads() == 1,
	      "the topology is there: nmp0 on valep, pv1 on valen, one polling thread");
	recv_frames(t->b.fd, t->b.nifp, 0xa, "root: vale0:b from the child's vale0:a");
	recv_frames(t->peer.fd, t->peer.nifp, 0x6, "root: pp}0 from the child's pp{0");
	return 0;
}

/* ---- root may ------------------------------------------------------------------ */

/* Run @err-returning request as root and check what root's view then shows. */
#define ROOT_STEP(call, what, line, present) do {					\
	char snap_[SNAP_MAX];								\
											\
	CHECK_ERR(call, 0, "root: %s", what);						\
	nmt_snapshot(NULL, snap_, sizeof(snap_));						\
	CHECK(has_line(snap_, line) == (present), "root: after %s, \"%s\" %s", what,	\
	      line, (present) ? "is there" : "is gone");				\
} while (0)

static int root_legacy(uint16_t cmd, const char *name)
{
	int fd = nmt_open(), err;

	if (fd < 0)
		return ENODEV;
	err = legacy(fd, NIOCREGIF, cmd, name);
	close(fd);
	return err;
}

static void root_persistent(void)
{
	ROOT_STEP(root_ctrl(NETMAP_REQ_VALE_NEWIF, "nmpx"), "NEWIF nmpx", "if nmpx", true);
	ROOT_STEP(root_legacy(NETMAP_BDG_DELIF, "nmpx"), "BDG_DELIF nmpx", "if nmpx", false);
	ROOT_STEP(root_legacy(NETMAP_BDG_NEWIF, "nmpx"), "BDG_NEWIF nmpx", "if nmpx", true);
	ROOT_STEP(root_ctrl(NETMAP_REQ_VALE_ATTACH, "valeq:nmpx"), "ATTACH valeq:nmpx",
		  "vale valeq:nmpx", true);
	ROOT_STEP(root_legacy(NETMAP_BDG_DETACH, "valeq:nmpx"), "BDG_DETACH valeq:nmpx",
		  "vale valeq:nmpx", false);
	ROOT_STEP(root_legacy(NETMAP_BDG_ATTACH, "valeq:nmpx"), "BDG_ATTACH valeq:nmpx",
		  "vale valeq:nmpx", true);
	ROOT_STEP(root_ctrl(NETMAP_REQ_VALE_DETACH, "valeq:nmpx"), "DETACH valeq:nmpx",
		  "vale valeq:nmpx", false);
	ROOT_STEP(root_ctrl(NETMAP_REQ_VALE_DELIF, "nmpx"), "DELIF nmpx", "if nmpx", false);
}

static void root_nic(void)
{
	ROOT_STEP(root_ctrl(NETMAP_REQ_VALE_ATTACH, "valeq:pw0"), "ATTACH valeq:pw0",
		  "vale valeq:pw0", true);
	CHECK_ERR(root_ctrl(NETMAP_REQ_VALE_POLLING_ENABLE, "valeq:pw0"), 0,
		  "root: POLLING_ENABLE valeq:pw0");
	CHECK_EQ(polling_threads_settled(2), 2, "polling threads after POLLING_ENABLE");
	CHECK_ERR(root_legacy(NETMAP_BDG_POLLING_OFF, "valeq:pw0"), 0, "root: BDG_POLLING_OFF");
	CHECK_EQ(polling_threads_settled(1), 1, "polling threads after BDG_POLLING_OFF");
	CHECK_ERR(root_legacy(NETMAP_BDG_POLLING_ON, "valeq:pw0"), 0, "root: BDG_POLLING_ON");
	CHECK_EQ(polling_threads_settled(2), 2, "polling threads after BDG_POLLING_ON");
	CHECK_ERR(root_ctrl(NETMAP_REQ_VALE_POLLING_DISABLE, "valeq:pw0"), 0,
		  "root: POLLING_DISABLE valeq:pw0");
	CHECK_EQ(polling_threads_settled(1), 1, "polling threads after POLLING_DISABLE");
	ROOT_STEP(root_legacy(NETMAP_BDG_DETACH, "valeq:pw0"), "BDG_DETACH valeq:pw0",
		  "vale valeq:pw0", false);
	ROOT_STEP(root_legacy(NETMAP_BDG_ATTACH, "valeq:pw0"), "BDG_ATTACH valeq:pw0",
		  "vale valeq:pw0", true);
	ROOT_STEP(root_ctrl(NETMAP_REQ_VALE_DETACH, "valeq:pw0"), "DETACH valeq:pw0",
		  "vale valeq:pw0", false);
}

/* Root's info requests still make what they need (and it is gone after). */
static void root_info(const struct topo *t)
{
	char before[SNAP_MAX], after[SNAP_MAX];
	size_t i;

	nmt_snapshot(NULL, before, sizeof(before));
	for (i = 0; i < sizeof(info_reqs) / sizeof(info_reqs[0]); i++)
		CHECK_ERR(info_req(t->b.fd, (int)i), info_reqs[i].err == EPERM ? 0 : info_reqs[i].err,
			  "root: %s type %u \"%s\"", info_reqs[i].type ? "NIOCCTRL" : "NIOCGINFO",
			  info_reqs[i].type, info_reqs[i].name);
	CHECK_ERR(ctrl(t->b.fd, NETMAP_REQ_PORT_HDR_SET, "vale0:b"), 0,
		  "root: PORT_HDR_SET vale0:b 12");
	{
		struct nmreq_port_hdr ph = { .nr_hdr_len = 0 };
		struct nmreq_header h;

		nmt_hdr(&h, NETMAP_REQ_PORT_HDR_SET, "vale0:b", &ph);
		CHECK_ERR(nmt_ctrl(t->b.fd, &h), 0, "root: PORT_HDR_SET vale0:b back to 0");
	}
	CHECK_ERR(rebind(t->b.fd, "vale0:c"), EBUSY, "root: rebind vale0:b as vale0:c");
	CHECK_ERR(legacy(t->b.fd, NIOCREGIF, 0, "vale0:c"), EBUSY, "root: legacy rebind");
	nmt_snapshot(NULL, after, sizeof(after));
	CHECK(!strcmp(before, after), "root's info requests left nothing behind");
}

/* ---- subtests ------------------------------------------------------------------- */

static void t_handed(void)
{
	struct topo t;

	if (setup(&t) && run_child(&t, false) == 0) {
		root_persistent();
		root_nic();
		root_info(&t);
	}
	cleanup();
}

static void t_userns(void)
{
	struct topo t;
	int rc = setup(&t) ? run_child(&t, true) : 1;

	cleanup();
	if (rc == 4)
		nmt_skip("unprivileged user namespaces are not available");
}

static const struct nmt_test tests[] = {
	{ "handed", t_handed, "uid 65534 with no capabilities and handed fds: every "
	  "topology request EPERM (NIOCCTRL and legacy), rebind EBUSY, no object made by "
	  "an info request, traffic works; the same requests work for root" },
	{ "userns", t_userns, "the same from a user + network namespace of the child's own, "
	  "where it has CAP_NET_ADMIN: still EPERM (switches are module-global)" },
};

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--cleanup")) {
		cleanup();
		return 0;
	}
	return nmt_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv, 120);
}
