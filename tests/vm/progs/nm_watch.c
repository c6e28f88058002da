// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_watch - the release watches of netmap.ko (NETMAP_REQ_NMD_WATCH_ADD/DEL,
 * our extension; net/netmap.h): a watcher fd reports a watched file's
 * cookie exactly when that file's last reference goes, however it goes
 * (close, a dup and a fork, SCM_RIGHTS to another process, a mapping, the
 * holder's exit), never before; the watcher closing first, DEL, the bound
 * (ENOSPC at nr_max), and an unprivileged caller (EPERM, nothing changes).
 * Runs as root in the test VM (tests/vm/guest/watch.sh).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nmt.h"

/* ADD (@fd, @cookie) or DEL (@cookie) on @w: 0 or errno; *count the watcher's watches. */
static int wreq(int w, uint16_t type, int fd, uint64_t cookie, uint32_t *count, uint32_t *max)
{
	struct nmreq_nmd_watch b = { .nr_fd = fd, .nr_cookie = cookie };
	struct nmreq_header h;
	int r;

	nmt_hdr(&h, type, NULL, &b);
	r = nmt_ctrl(w, &h);
	if (!r && count)
		*count = b.nr_count;
	if (!r && max)
		*max = b.nr_max;
	return r;
}

static int wadd(int w, int fd, uint64_t cookie)
{
	return wreq(w, NETMAP_REQ_NMD_WATCH_ADD, fd, cookie, NULL, NULL);
}

/* A new watcher fd, or -1 (with a FAIL line). */
static int watcher(void)
{
	int w = nmt_open();

	if (w >= 0 && !CHECK_ERR(wadd(w, -1, 0), 0, "ADD fd -1 makes a watcher")) {
		close(w);
		return -1;
	}
	return w;
}

/* Cookies ready now (non-blocking): how many read into @c (at most @n), or -errno. */
static long cookies(int w, uint64_t *c, size_t n)
{
	struct pollfd p = { .fd = w, .events = POLLIN };
	ssize_t r;

	if (poll(&p, 1, 0) < 0)
		return -errno;
	if (!(p.revents & POLLIN))
		return 0;
	r = read(w, c, n * sizeof(*c));
	return r < 0 ? -errno : r / (long)sizeof(*c);
}

/* Exactly one cookie, @want, is ready. */
static bool one_cookie(int w, uint64_t want, const char *what)
{
	uint64_t c[4] = { 0 };
	long n = cookies(w, c, 4);

	return CHECK(n == 1 && c[0] == want, "%s: one cookie %llu (got %ld: %llu)", what,
		     (unsigned long long)want, n, (unsigned long long)c[0]);
}

static bool no_cookie(int w, const char *what)
{
	uint64_t c[4];
	long n = cookies(w, c, 4);

	return CHECK(n == 0, "%s: no cookie yet (got %ld)", what, n);
}

/* A bound pipe end, its fd (the mapping is dropped). */
static int port(const char *name)
{
	struct nmt_port p;

	if (!CHECK_ERR(nmt_port_open(&p, name, NMT_OPTS(.no_mmap = true)), 0, "open %s", name))
		return -1;
	return p.fd;
}

static void t_basics(void)
{
	struct nmreq_register reg;
	struct nmreq_header h;
	uint32_t count = 99, max = 0;
	uint64_t c;
	int w = nmt_open(), nul, bound;

	if (w < 0)
		return;
	CHECK_ERR(wreq(w, NETMAP_REQ_NMD_WATCH_ADD, -1, 0, &count, &max), 0, "probe");
	CHECK_EQ(count, 0, "a new watcher holds nothing");
	CHECK_EQ(max, 65536, "nr_max");
	nmt_reg_req(&h, &reg, "wb{0", NULL);
	CHECK_ERR(nmt_ctrl(w, &h), EBUSY, "REGISTER on a watcher");
	CHECK_ERR(fcntl(w, F_SETFL, O_NONBLOCK) ? errno : 0, 0, "O_NONBLOCK");
	CHECK(read(w, &c, sizeof(c)) < 0 && errno == EAGAIN, "read with nothing queued: EAGAIN");
	CHECK(read(w, &c, 4) < 0 && errno == EINVAL, "read of less than a cookie: EINVAL");
	CHECK_EQ(cookies(w, &c, 1), 0, "poll: not readable");
	nul = open("/dev/null", O_RDWR);
	CHECK_ERR(wadd(w, nul, 1), EINVAL, "watch a file that is not /dev/netmap");
	CHECK_ERR(wadd(w, 999, 1), EBADF, "watch a closed fd number");
	CHECK_ERR(wadd(w, -2, 1), EBADF, "watch fd -2");
	{
		struct nmreq_nmd_watch b = { .nr_fd = -1, .nr_flags = 1 };

		nmt_hdr(&h, NETMAP_REQ_NMD_WATCH_ADD, NULL, &b);
		CHECK_ERR(nmt_ctrl(w, &h), EINVAL, "nr_flags != 0");
		nmt_hdr(&h, NETMAP_REQ_NMD_WATCH_ADD, NULL, NULL);
		CHECK_ERR(nmt_ctrl(w, &h), EINVAL, "no body");
	}
	close(nul);
	bound = port("wb{1");
	if (bound >= 0) {
		CHECK_ERR(wadd(bound, -1, 0), EBUSY, "a bound fd cannot become a watcher");
		CHECK_ERR(wreq(bound, NETMAP_REQ_NMD_WATCH_DEL, -1, 1, NULL, NULL), EINVAL,
			  "DEL on a fd that is no watcher");
		CHECK(read(bound, &c, sizeof(c)) < 0 && errno == EINVAL, "read on a port fd: EINVAL");
		close(bound);
	}
	close(w);
}

static void t_close(void)
{
	int w = watcher(), p = port("wc{1"), q = port("wc{2");
	uint32_t count = 0;

	if (w < 0 || p < 0 || q < 0)
		return;
	CHECK_ERR(wadd(w, p, 42), 0, "watch p");
	CHECK_ERR(wreq(w, NETMAP_REQ_NMD_WATCH_ADD, q, 43, &count, NULL), 0, "watch q");
	CHECK_EQ(count, 2, "two watches");
	no_cookie(w, "both open");
	close(p);
	one_cookie(w, 42, "p closed");
	CHECK_ERR(wreq(w, NETMAP_REQ_NMD_WATCH_ADD, -1, 0, &count, NULL), 0, "count");
	CHECK_EQ(count, 1, "a read cookie is gone");
	/* The port was unbound before the cookie came: its pipe end opens again. */
	p = port("wc{1");
	if (p >= 0)
		close(p);
	close(q);
	one_cookie(w, 43, "q closed");
	close(w);
}

static void t_dup_fork(void)
{
	int w = watcher(), p = port("wd{1"), d;
	pid_t child;

	if (w < 0 || p < 0)
		return;
	CHECK_ERR(wadd(w, p, 7), 0, "watch");
	d = dup(p);
	close(p);
	no_cookie(w, "a dup remains");
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	close(d);
	no_cookie(w, "the forked child holds it");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	one_cookie(w, 7, "the child was killed");
	close(w);
}

static void t_passed(void)
{
	int w = watcher(), p = port("wp{1"), sv[2], go[2];
	char ctl[CMSG_SPACE(sizeof(int))], b = 'x';
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	pid_t child;

	if (w < 0 || p < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || pipe(go) < 0)
		return;
	CHECK_ERR(wadd(w, p, 9), 0, "watch");
	child = fork();
	if (child == 0) {
		int fd = -1;

		close(p);
		close(w);
		if (recvmsg(sv[1], &m, 0) == 1 && (cm = CMSG_FIRSTHDR(&m)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
		/* Hold it until told, then close it. */
		if (read(go[0], &b, 1) != 1 || fd < 0)
			_exit(1);
		close(fd);
		_exit(0);
	}
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p, sizeof(p));
	CHECK(sendmsg(sv[0], &m, 0) == 1, "passed to the child");
	close(p);
	/* The child has it (or it is in flight): either way it is not released. */
	no_cookie(w, "passed on, sender closed");
	CHECK(write(go[1], "g", 1) == 1, "tell the child to close");
	waitpid(child, NULL, 0);
	one_cookie(w, 9, "the receiver closed it");
	close(sv[0]);
	close(sv[1]);
	close(w);
}

static void t_mapping(void)
{
	struct nmt_port p;
	void *mem;
	size_t len;
	int w = watcher();

	if (w < 0 || !CHECK_ERR(nmt_port_open(&p, "wm{1", NULL), 0, "open wm{1"))
		return;
	CHECK_ERR(wadd(w, p.fd, 11), 0, "watch");
	mem = p.mem;
	len = p.memsize;
	nmt_map_del(mem);
	close(p.fd);
	no_cookie(w, "fd closed, region still mapped");
	munmap(mem, len);
	one_cookie(w, 11, "unmapped");
	close(w);
}

static void t_watcher_first(void)
{
	int w = watcher(), w2 = watcher(), p = port("wf{1");

	if (w < 0 || w2 < 0 || p < 0)
		return;
	CHECK_ERR(wadd(w, p, 1), 0, "watch by w");
	CHECK_ERR(wadd(w2, p, 2), 0, "watch by w2");
	CHECK_ERR(wadd(w2, p, 3), 0, "watch by w2 again");
	close(w);
	close(p);
	{
		uint64_t c[4] = { 0 };
		long n = cookies(w2, c, 4);

		CHECK(n == 2 && c[0] + c[1] == 5, "w2 gets both its cookies (%ld)", n);
	}
	/* A watcher closed with queued, unread cookies. */
	p = port("wf{1");
	CHECK_ERR(wadd(w2, p, 4), 0, "watch again");
	close(p);
	close(w2);
	CHECK(true, "closed with a cookie queued");
}

static void t_del(void)
{
	int w = watcher(), p = port("wx{1");
	uint32_t count = 9;

	if (w < 0 || p < 0)
		return;
	CHECK_ERR(wadd(w, p, 5), 0, "watch");
	CHECK_ERR(wreq(w, NETMAP_REQ_NMD_WATCH_DEL, -1, 5, &count, NULL), 0, "DEL 5");
	CHECK_EQ(count, 0, "nothing left");
	CHECK_ERR(wreq(w, NETMAP_REQ_NMD_WATCH_DEL, -1, 5, NULL, NULL), ENOENT, "DEL 5 again");
	CHECK_ERR(wadd(w, p, 6), 0, "watch as 6");
	close(p);
	CHECK_ERR(wreq(w, NETMAP_REQ_NMD_WATCH_DEL, -1, 6, &count, NULL), 0, "DEL a queued cookie");
	no_cookie(w, "deleted before read");
	CHECK_EQ(count, 0, "nothing left");
	close(w);
}

/* The bound: one file watched nr_max times, ENOSPC past it, each delivered once. */
static void t_bound(void)
{
	static uint64_t c[4096];
	static uint8_t seen[65536];
	int w = watcher(), p = port("wn{1");
	unsigned i, got = 0;
	bool once = true;
	long n;

	if (w < 0 || p < 0)
		return;
	for (i = 0; i < 65536; i++)
		if (wadd(w, p, i) != 0)
			break;
	CHECK_EQ(i, 65536, "65536 watches");
	CHECK_ERR(wadd(w, p, 99999), ENOSPC, "one more: ENOSPC");
	close(p);
	while ((n = cookies(w, c, 4096)) > 0) {
		for (long k = 0; k < n; k++) {
			once &= c[k] < 65536 && !seen[c[k]];
			if (c[k] < 65536)
				seen[c[k]] = 1;
		}
		got += (unsigned)n;
	}
	CHECK_EQ(got, 65536, "65536 cookies read");
	CHECK(once, "each cookie exactly once");
	close(w);
}

/* A blocking read wakes when the file goes. */
static void t_blocking(void)
{
	int w = watcher(), p = port("wk{1");
	uint64_t c = 0;
	pid_t child;

	if (w < 0 || p < 0)
		return;
	CHECK_ERR(wadd(w, p, 77), 0, "watch");
	child = fork();
	if (child == 0) {
		usleep(200000);
		_exit(0);	/* its copy of p goes with it */
	}
	close(p);
	CHECK(read(w, &c, sizeof(c)) == sizeof(c) && c == 77, "blocking read returns 77");
	waitpid(child, NULL, 0);
	close(w);
}

/* No CAP_NET_ADMIN: EPERM for a probe, ADD and DEL; the fd stays a plain fd. */
static void t_unprivileged(void)
{
	int w = watcher(), fresh = nmt_open(), p = port("wu{1");
	pid_t child;
	int st = -1;

	if (w < 0 || fresh < 0 || p < 0)
		return;
	CHECK_ERR(wadd(w, p, 1), 0, "root watches");
	child = fork();
	if (child == 0) {
		int bad = 0;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		bad += wadd(fresh, -1, 0) != EPERM;
		bad += wadd(w, p, 2) != EPERM;
		bad += wreq(w, NETMAP_REQ_NMD_WATCH_DEL, -1, 1, NULL, NULL) != EPERM;
		bad += wadd(p, -1, 0) != EPERM;
		_exit(bad);
	}
	waitpid(child, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "uid 65534: every request EPERM (status %d)",
	      st);
	{
		struct nmreq_register reg;
		struct nmreq_header h;

		nmt_reg_req(&h, &reg, "wu{2", NULL);
		CHECK_ERR(nmt_ctrl(fresh, &h), 0, "the refused probe made no watcher: REGISTER works");
	}
	close(p);
	one_cookie(w, 1, "only root's watch");
	close(fresh);
	close(w);
}

/*
 * A watch on an fd whose REGISTER binds and is then undone (an unknown
 * option) stays on the file: the undo clears the binding only, and the
 * file's release still fires the watch (once, and DEL finds nothing left).
 */
static void t_undone(void)
{
	struct nmreq_option opt = { .nro_reqtype = 1000 };
	struct nmreq_register reg;
	struct nmreq_header h;
	int w = watcher(), u = nmt_open();

	if (w < 0 || u < 0)
		return;
	CHECK_ERR(wadd(w, u, 77), 0, "watch an unbound fd");
	nmt_reg_req(&h, &reg, "wu{1", NULL);
	h.nr_options = (uintptr_t)&opt;
	CHECK_ERR(nmt_ctrl(u, &h), EOPNOTSUPP, "REGISTER with an unknown option, undone");
	nmt_reg_req(&h, &reg, "wu{1", NULL);
	CHECK_ERR(nmt_ctrl(u, &h), 0, "REGISTER again on the same fd");
	no_cookie(w, "fd open");
	close(u);
	one_cookie(w, 77, "fd closed after the undone REGISTER");
	CHECK_ERR(wreq(w, NETMAP_REQ_NMD_WATCH_DEL, -1, 77, NULL, NULL), ENOENT,
		  "DEL of the fired and read watch");
	close(w);
}

static const struct nmt_test tests[] = {
	{ "basics", t_basics, "probe, nr_max, EBUSY both ways, EAGAIN, EINVAL, EBADF" },
	{ "close", t_close, "close of the only fd: its cookie, after the unbind" },
	{ "dup-fork", t_dup_fork, "a dup and a forked child keep it; SIGKILL releases" },
	{ "passed", t_passed, "passed by SCM_RIGHTS: released when the receiver closes" },
	{ "mapping", t_mapping, "a mapping keeps the file; munmap releases" },
	{ "watcher-first", t_watcher_first, "watcher closed first; two watchers; queued at close" },
	{ "del", t_del, "DEL of a registered and of a queued watch; ENOENT" },
	{ "bound", t_bound, "65536 watches, ENOSPC past them, every cookie once" },
	{ "blocking", t_blocking, "a blocking read wakes on release" },
	{ "unprivileged", t_unprivileged, "EPERM without CAP_NET_ADMIN, nothing changes" },
	{ "undone", t_undone, "a watch survives a REGISTER that is undone; fires at close" },
};

int main(int argc, char **argv)
{
	return nmt_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv, 120);
}
