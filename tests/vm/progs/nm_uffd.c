// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_uffd - issue 12: no unbounded wait under the control mutex.
 *
 * A VALE TX slot with NS_INDIRECT whose ptr points into a page registered
 * with userfaultfd (MISSING mode, nobody serving it) makes a TXSYNC (or a
 * poll) of that ring wait for as long as we like: the page is resolved
 * (UFFDIO_COPY) only after the checks. While that sync is stuck, from other
 * threads and a child process: VALE_DETACH of the port, PORT_INFO_GET and
 * REGISTER of other ports, RXSYNC of the stuck fd, close() of other netmap
 * fds, DELIF. Each runs in its own thread; one that has not returned after
 * WATCHDOG_MS fails its check ("blocked until the fault was resolved"),
 * and we resolve the fault so the rest can finish instead of hanging. The
 * time of each is printed ("time: WHAT N ms", and the slowest at the end);
 * none is asserted beyond the watchdog. The kernel's fault event is awaited first, so every check runs
 * while the sync is provably inside the fault.
 *
 * After the fault resolves: the stuck sync returns 0, a detached port's
 * frame was dropped and counted
 * (tx_errors), an attached port's frame arrives intact, re-attach works
 * and frames move. SIGKILL ends a process stuck that way. Plus the
 * ordinary cases of the same path: payloads in pages that are not resident
 * (memfd mappings not touched yet) are faulted in and sent; unmapped and
 * PROT_NONE payloads are refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nmt.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define WATCHDOG_MS	30000	/* "blocked until the fault was resolved" */
#define FLEN		60
#define PORT		"nmuf0"		/* persistent port */
#define PSW		"valeU:" PORT	/* ... on switch valeU */

#ifndef NETMAP_REQ_OPT_PORT_STATS
#define NETMAP_REQ_OPT_PORT_STATS 0x4e4d0001u
#endif

/* The netmapd extension's counters (include/net/netmap.h). */
struct vstats {
	struct nmreq_option nro_opt;
	uint64_t tx_packets, tx_bytes, tx_errors;
	uint64_t rx_packets, rx_bytes, rx_drops;
	uint64_t reserved[4];
};

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t SMAC[6] = { 0x02, 0, 0, 0, 0x0c, 0x01 };

/* A test frame: broadcast, ethertype 0x88b5, @tag at 14, a pattern after. */
static void frame(uint8_t *b, uint32_t tag)
{
	unsigned k;

	memcpy(b, BCAST, 6);
	memcpy(b + 6, SMAC, 6);
	b[12] = 0x88;
	b[13] = 0xb5;
	memcpy(b + 14, &tag, 4);
	for (k = 18; k < FLEN; k++)
		b[k] = (uint8_t)(tag * 7 + k);
}

/* ------------------------------------------------------------------------
 * Control requests on a fresh fd: the errno.
 */
static int ctrl(uint16_t type, const char *name, void *body, uint64_t opts)
{
	struct nmreq_header h;
	int fd, err;

	fd = nmt_open();
	if (fd < 0)
		return ENODEV;
	nmt_hdr(&h, type, name, body);
	h.nr_options = opts;
	err = nmt_ctrl(fd, &h);
	close(fd);
	return err;
}

static int newif(const char *name)
{
	struct nmreq_vale_newif b;

	memset(&b, 0, sizeof(b));
	return ctrl(NETMAP_REQ_VALE_NEWIF, name, &b, 0);
}

static int attach(const char *name)
{
	struct nmreq_vale_attach a;

	memset(&a, 0, sizeof(a));
	a.reg.nr_mode = NR_REG_ALL_NIC;
	return ctrl(NETMAP_REQ_VALE_ATTACH, name, &a, 0);
}

static int detach(const char *name)
{
	struct nmreq_vale_detach d;

	memset(&d, 0, sizeof(d));
	return ctrl(NETMAP_REQ_VALE_DETACH, name, &d, 0);
}

static int delif(const char *name)
{
	return ctrl(NETMAP_REQ_VALE_DELIF, name, NULL, 0);
}

/* tx_errors of @name (PORT_INFO_GET with the PORT_STATS option), or -1. */
static long long tx_errors(const char *name)
{
	struct nmreq_port_info_get pi;
	struct vstats s;

	memset(&pi, 0, sizeof(pi));
	memset(&s, 0, sizeof(s));
	s.nro_opt.nro_reqtype = NETMAP_REQ_OPT_PORT_STATS;
	if (ctrl(NETMAP_REQ_PORT_INFO_GET, name, &pi, (uintptr_t)&s) || s.nro_opt.nro_status)
		return -1;
	return (long long)s.tx_errors;
}

/* Put an NS_INDIRECT slot for @ptr at cur of @t (head and cur advance). */
static uint32_t put_indirect(struct netmap_ring *t, const void *ptr, uint16_t len)
{
	uint32_t j = t->cur;

	t->slot[j].ptr = (uintptr_t)ptr;
	t->slot[j].len = len;
	t->slot[j].flags = NS_INDIRECT;
	t->head = t->cur = nm_ring_next(t, j);
	return j;
}

/*
 * Receive everything waiting on @p: count frames equal to frame(@tag)
 * (*good) and others (the return value).
 */
static unsigned rx_count(struct nmt_port *p, uint32_t tag, unsigned *good)
{
	struct netmap_ring *r = nmt_rx(p, 0);
	uint8_t want[FLEN];
	unsigned other = 0;

	frame(want, tag);
	*good = 0;
	nmt_rxsync(p->fd);
	while (r->cur != r->tail) {
		struct netmap_slot *s = &r->slot[r->cur];

		if (s->len == FLEN && !memcmp(NETMAP_BUF(r, s->buf_idx), want, FLEN))
			(*good)++;
		else
			other++;
		r->head = r->cur = nm_ring_next(r, r->cur);
	}
	nmt_rxsync(p->fd);
	return other;
}

/* ------------------------------------------------------------------------
 * userfaultfd: a page whose first touch waits until uf_resolve().
 */
struct uf {
	int fd;
	size_t psz;
	uint8_t *page;		/* registered, MISSING, not populated */
	uint8_t *content;	/* what UFFDIO_COPY installs: frame(tag) */
	bool resolved;
};

static bool uf_setup(struct uf *u, uint32_t tag)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;

	memset(u, 0, sizeof(*u));
	u->psz = (size_t)sysconf(_SC_PAGESIZE);
	u->fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (!CHECK(u->fd >= 0, "userfaultfd(): %s", strerror(errno)))
		return false;
	if (!CHECK(ioctl(u->fd, UFFDIO_API, &api) == 0, "UFFDIO_API: %s", strerror(errno)))
		return false;
	u->page = mmap(NULL, u->psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	u->content = aligned_alloc(u->psz, u->psz);
	if (!CHECK(u->page != MAP_FAILED && u->content, "mmap"))
		return false;
	memset(u->content, 0, u->psz);
	frame(u->content, tag);
	reg.range.start = (uintptr_t)u->page;
	reg.range.len = u->psz;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	return CHECK(ioctl(u->fd, UFFDIO_REGISTER, &reg) == 0, "UFFDIO_REGISTER: %s",
		     strerror(errno));
}

/* Wait for the kernel to report the fault on our page. */
static bool uf_wait_fault(struct uf *u)
{
	struct pollfd pfd = { .fd = u->fd, .events = POLLIN };
	struct uffd_msg msg;
	long long t0 = nmt_now_ms();

	if (!CHECK(poll(&pfd, 1, WATCHDOG_MS) == 1, "no page fault reported by userfaultfd"))
		return false;
	if (!CHECK(read(u->fd, &msg, sizeof(msg)) == sizeof(msg), "read uffd_msg"))
		return false;
	printf("time: fault reported %lld ms after the sync started\n", nmt_now_ms() - t0);
	return CHECK(msg.event == UFFD_EVENT_PAGEFAULT &&
		     msg.arg.pagefault.address - (uintptr_t)u->page < u->psz,
		     "fault event %u at %llx, page at %p", msg.event,
		     (unsigned long long)msg.arg.pagefault.address, (void *)u->page);
}

static void uf_resolve(struct uf *u)
{
	struct uffdio_copy c;

	if (u->resolved)
		return;
	u->resolved = true;
	c.dst = (uintptr_t)u->page;
	c.src = (uintptr_t)u->content;
	c.len = u->psz;
	c.mode = 0;
	c.copy = 0;
	CHECK(ioctl(u->fd, UFFDIO_COPY, &c) == 0 || errno == EEXIST, "UFFDIO_COPY: %s",
	      strerror(errno));
}

static void uf_close(struct uf *u)
{
	uf_resolve(u);
	close(u->fd);
	munmap(u->page, u->psz);
	free(u->content);
}

/* ------------------------------------------------------------------------
 * Operations in threads, each with a watchdog.
 */
struct op {
	const char *what;
	int (*fn)(void *arg);
	void *arg;
	int err;
	long long t0, ms;
	sem_t done;
	pthread_t t;
};

static void *op_main(void *a)
{
	struct op *o = a;

	o->err = o->fn(o->arg);
	o->ms = nmt_now_ms() - o->t0;
	sem_post(&o->done);
	return NULL;
}

static void op_start(struct op *o, const char *what, int (*fn)(void *), void *arg)
{
	memset(o, 0, sizeof(*o));
	o->what = what;
	o->fn = fn;
	o->arg = arg;
	sem_init(&o->done, 0, 0);
	o->t0 = nmt_now_ms();
	if (pthread_create(&o->t, NULL, op_main, o))
		abort();
}

/*
 * The slowest operation that returned while a fault was pending, for the
 * summary main() prints. Shared: each subtest runs in a child (nmt_main()).
 */
struct slowest {
	char what[96];
	long long ms;
};
static struct slowest *slowest;

/*
 * Wait for @o until WATCHDOG_MS after it started. If it is still running
 * the check fails and the fault is resolved, so it can finish. Then check
 * that it returned @want (an errno; -1: any).
 */
static void op_wait(struct op *o, struct uf *u, int want)
{
	struct timespec dl;
	long long left = WATCHDOG_MS - (nmt_now_ms() - o->t0);
	bool in_time;

	clock_gettime(CLOCK_REALTIME, &dl);
	if (left < 0)
		left = 0;
	dl.tv_sec += left / 1000;
	dl.tv_nsec += (left % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	while ((in_time = sem_timedwait(&o->done, &dl) == 0) == false && errno == EINTR)
		;
	CHECK(in_time, "%s did not return while the page fault was pending (blocked %d ms)",
	      o->what, WATCHDOG_MS);
	if (!in_time) {
		uf_resolve(u);
		sem_wait(&o->done);
	}
	pthread_join(o->t, NULL);
	printf("time: %s %lld ms%s\n", o->what, o->ms, in_time ? "" : " (after the fault was resolved)");
	if (in_time && slowest && o->ms > slowest->ms) {
		snprintf(slowest->what, sizeof(slowest->what), "%s", o->what);
		slowest->ms = o->ms;
	}
	if (want >= 0)
		CHECK_ERR(o->err, want, "%s", o->what);
}

static void op_run(const char *what, int (*fn)(void *), void *arg, struct uf *u, int want)
{
	struct op o;

	op_start(&o, what, fn, arg);
	op_wait(&o, u, want);
	sem_destroy(&o.done);
}

/* ---- the stuck sync ---------------------------------------------------- */

enum how { BY_IOCTL, BY_POLL };

struct syncer {
	int fd;
	enum how how;
	atomic_bool done;
	int err;
	short revents;
	pthread_t t;
};

static void *sync_main(void *a)
{
	struct syncer *s = a;

	if (s->how == BY_IOCTL) {
		s->err = nmt_txsync(s->fd);
	} else {
		struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };

		s->err = poll(&pfd, 1, -1) < 0 ? errno : 0;
		s->revents = pfd.revents;
	}
	atomic_store(&s->done, true);
	return NULL;
}

static void sync_start(struct syncer *s, int fd, enum how how)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->how = how;
	if (pthread_create(&s->t, NULL, sync_main, s))
		abort();
}

/* After the fault was resolved: the sync returns, within the watchdog. */
static void sync_join(struct syncer *s)
{
	long long t0 = nmt_now_ms();

	while (!atomic_load(&s->done) && nmt_now_ms() - t0 < WATCHDOG_MS)
		usleep(1000);
	if (!CHECK(atomic_load(&s->done), "the stuck sync did not return after the fault resolved"))
		return;
	pthread_join(s->t, NULL);
	printf("time: stuck sync returned %lld ms after the fault was resolved\n",
	       nmt_now_ms() - t0);
}

/* ---- the operations ---------------------------------------------------- */

static int op_detach(void *name)
{
	return detach(name);
}

static int op_delif(void *name)
{
	return delif(name);
}

static int op_info(void *name)
{
	struct nmreq_port_info_get pi;

	memset(&pi, 0, sizeof(pi));
	return nmt_port_info(name, &pi);
}

/* REGISTER @name on a new fd; the port stays open in *arg's nmt_port. */
struct reg_arg {
	const char *name;
	struct nmt_port p;
};

static int op_register(void *a)
{
	struct reg_arg *r = a;

	return nmt_port_open(&r->p, r->name, NULL);
}

static int op_close(void *a)
{
	return close(*(int *)a) ? errno : 0;
}

static int op_rxsync(void *a)
{
	return nmt_rxsync(*(int *)a);
}

/* Another process: open, REGISTER, PORT_INFO_GET, close; its exit status. */
static int op_child(void *a)
{
	int st = 0;
	pid_t pid;

	(void)a;
	pid = fork();
	if (pid == 0) {
		struct nmreq_port_info_get pi;
		struct nmt_port p;
		int err = nmt_port_open(&p, "valeW:x", NULL);

		memset(&pi, 0, sizeof(pi));

		if (!err)
			err = nmt_port_info("valeW:x", &pi);
		nmt_port_close(&p);
		_exit(err);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return ECHILD;
	return WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
}

/* ------------------------------------------------------------------------
 * The set-up: persistent port nmuf0 on valeU, its fd p0 (sender), the
 * receiver valeU:b.
 */
struct world {
	struct nmt_port p0, rx;
	struct netmap_ring *t;
	struct uf u;
};

static bool world_up(struct world *w, uint32_t tag)
{
	detach(PSW);
	delif(PORT);
	if (!CHECK_ERR(newif(PORT), 0, "NEWIF " PORT) || !CHECK_ERR(attach(PSW), 0, "ATTACH " PSW))
		return false;
	if (!CHECK_ERR(nmt_port_open(&w->p0, PSW, NULL), 0, "REGISTER " PSW) ||
	    !CHECK_ERR(nmt_port_open(&w->rx, "valeU:b", NULL), 0, "REGISTER valeU:b"))
		return false;
	w->t = nmt_tx(&w->p0, 0);
	return uf_setup(&w->u, tag);
}

static void world_down(struct world *w)
{
	uf_close(&w->u);
	nmt_port_close(&w->p0);
	nmt_port_close(&w->rx);
	detach(PSW);
	CHECK_ERR(delif(PORT), 0, "DELIF " PORT " at the end");
}

/* Ordinary frames still move from nmuf0 to valeU:b. */
static void world_moves(struct world *w, uint32_t tag)
{
	uint8_t *buf;
	unsigned good;
	uint32_t j = w->t->cur;

	buf = (uint8_t *)NETMAP_BUF(w->t, w->t->slot[j].buf_idx);
	frame(buf, tag);
	w->t->slot[j].len = FLEN;
	w->t->slot[j].flags = 0;
	w->t->head = w->t->cur = nm_ring_next(w->t, j);
	CHECK_ERR(nmt_txsync(w->p0.fd), 0, "TXSYNC of an ordinary frame");
	CHECK_EQ(rx_count(&w->rx, tag, &good), 0, "no stray frames");
	CHECK_EQ(good, 1, "the ordinary frame arrived");
}

/* ------------------------------------------------------------------------
 * Subtests
 */

/*
 * VALE_DETACH of the port whose TXSYNC is stuck, and meanwhile every other
 * kind of request: none waits for the fault.
 */
static void t_detach(void)
{
	struct reg_arg reg = { .name = "valeU:e" }, pipe_reg = { .name = "ufp{1" };
	struct nmt_port other, pa, pb;
	struct world w;
	struct syncer s;
	struct op det;
	unsigned good;
	long long err0;

	if (!world_up(&w, 0x501))
		return;
	if (!CHECK_ERR(nmt_port_open(&other, "valeV:c", NULL), 0, "REGISTER valeV:c") ||
	    !CHECK_ERR(nmt_port_open(&pa, "ufq{1", NULL), 0, "REGISTER ufq{1") ||
	    !CHECK_ERR(nmt_port_open(&pb, "ufq}1", NULL), 0, "REGISTER ufq}1"))
		return;
	err0 = tx_errors(PORT);
	CHECK(err0 >= 0, "PORT_STATS of " PORT);
	put_indirect(w.t, w.u.page, FLEN);
	sync_start(&s, w.p0.fd, BY_IOCTL);
	if (!uf_wait_fault(&w.u))
		return;

	/* DETACH first, left running: everything else comes after it. */
	op_start(&det, "VALE_DETACH " PSW, op_detach, PSW);
	op_run("PORT_INFO_GET valeU:b", op_info, "valeU:b", &w.u, 0);
	op_run("PORT_INFO_GET " PORT, op_info, PORT, &w.u, 0);
	op_run("REGISTER valeU:e", op_register, &reg, &w.u, 0);
	op_run("REGISTER ufp{1", op_register, &pipe_reg, &w.u, 0);
	op_run("RXSYNC of the stuck fd", op_rxsync, &w.p0.fd, &w.u, 0);
	op_run("close() of valeV:c", op_close, &other.fd, &w.u, 0);
	op_run("close() of ufq{1", op_close, &pa.fd, &w.u, 0);
	op_run("close() of ufq}1", op_close, &pb.fd, &w.u, 0);
	op_run("close() of valeU:e", op_close, &reg.p.fd, &w.u, 0);
	op_run("another process: REGISTER, PORT_INFO_GET, close", op_child, NULL, &w.u, 0);
	op_run("DELIF " PORT " (in use: EBUSY)", op_delif, PORT, &w.u, EBUSY);
	op_wait(&det, &w.u, 0);
	sem_destroy(&det.done);
	CHECK(!atomic_load(&s.done), "the sync was still stuck during the checks (%s)",
	      w.u.resolved ? "no: resolved by the watchdog" : "yes");

	uf_resolve(&w.u);
	sync_join(&s);
	CHECK_ERR(s.err, 0, "the stuck TXSYNC, once the page arrived");
	CHECK_EQ(rx_count(&w.rx, 0x501, &good), 0, "no stray frames");
	CHECK_EQ(good, 0, "the frame of a port detached meanwhile is not delivered");
	CHECK_EQ(tx_errors(PORT) - err0, 1, "it was dropped and counted (tx_errors)");
	/* Consistent afterwards: re-attach, send indirect and ordinary frames. */
	CHECK_ERR(attach(PSW), 0, "ATTACH " PSW " again");
	put_indirect(w.t, w.u.page, FLEN);
	CHECK_ERR(nmt_txsync(w.p0.fd), 0, "TXSYNC of the now resident NS_INDIRECT payload");
	CHECK_EQ(rx_count(&w.rx, 0x501, &good), 0, "no stray frames");
	CHECK_EQ(good, 1, "the indirect frame arrived intact after the re-attach");
	world_moves(&w, 0x502);
	nmt_port_close(&pipe_reg.p);
	world_down(&w);
}

/*
 * poll() stuck the same way on an attached port: other requests go on; the
 * frame arrives intact once the page does.
 */
static void t_poll(void)
{
	struct reg_arg reg = { .name = "valeU:f" };
	struct world w;
	struct syncer s;
	unsigned good;

	if (!world_up(&w, 0x601))
		return;
	put_indirect(w.t, w.u.page, FLEN);
	sync_start(&s, w.p0.fd, BY_POLL);
	if (!uf_wait_fault(&w.u))
		return;
	op_run("PORT_INFO_GET valeU:b", op_info, "valeU:b", &w.u, 0);
	op_run("REGISTER valeU:f", op_register, &reg, &w.u, 0);
	op_run("close() of valeU:f", op_close, &reg.p.fd, &w.u, 0);
	op_run("another process: REGISTER, PORT_INFO_GET, close", op_child, NULL, &w.u, 0);
	CHECK(!atomic_load(&s.done), "poll() was still stuck during the checks");
	CHECK_EQ(rx_count(&w.rx, 0x601, &good), 0, "nothing arrived before the page");
	CHECK_EQ(good, 0, "nothing arrived before the page");
	uf_resolve(&w.u);
	sync_join(&s);
	CHECK(s.err == 0 && (s.revents & POLLOUT), "poll() returned POLLOUT (err %d revents %#x)",
	      s.err, s.revents);
	CHECK_EQ(rx_count(&w.rx, 0x601, &good), 0, "no stray frames");
	CHECK_EQ(good, 1, "the indirect frame arrived intact");
	world_moves(&w, 0x602);
	world_down(&w);
}

/*
 * The child of t_kill: a TXSYNC stuck on its own userfaultfd page; a
 * second thread writes a byte on @wfd once the kernel reported the fault.
 */
struct kill_child {
	struct uf u;
	int wfd;
};

static void *kill_child_watch(void *a)
{
	struct kill_child *k = a;
	struct pollfd pfd = { .fd = k->u.fd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, WATCHDOG_MS) == 1 && read(k->u.fd, &msg, sizeof(msg)) == sizeof(msg) &&
	    msg.event == UFFD_EVENT_PAGEFAULT)
		(void)!write(k->wfd, "f", 1);
	return NULL;
}

static void kill_child_main(int wfd)
{
	static struct kill_child k;
	struct nmt_port p;
	pthread_t t;

	k.wfd = wfd;
	if (!uf_setup(&k.u, 0x701) || nmt_port_open(&p, "valeK:k", NULL))
		_exit(2);
	put_indirect(nmt_tx(&p, 0), k.u.page, FLEN);
	if (pthread_create(&t, NULL, kill_child_watch, &k))
		_exit(2);
	nmt_txsync(p.fd);
	_exit(3);	/* only if the page was resolved: it never is */
}

/*
 * SIGKILL ends the wait: a process stuck on a page fault inside a TXSYNC
 * dies at once (a kernel-mode fault on user memory is killable, not
 * interruptible: other signals wait for the page, as in any system call
 * reading user memory), its port goes with it, the rest goes on.
 */
static void t_kill(void)
{
	struct nmreq_port_info_get pi;
	struct nmt_port r;
	int pfd[2], st = 0;
	long long t0;
	unsigned good;
	pid_t pid;
	char c;

	if (!CHECK_ERR(nmt_port_open(&r, "valeK:r", NULL), 0, "REGISTER valeK:r") ||
	    !CHECK(pipe(pfd) == 0, "pipe"))
		return;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		kill_child_main(pfd[1]);
	}
	close(pfd[1]);
	{
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };

		if (!CHECK(poll(&p, 1, WATCHDOG_MS) == 1 && read(pfd[0], &c, 1) == 1,
			   "the child's TXSYNC did not reach the page fault")) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return;
		}
	}
	memset(&pi, 0, sizeof(pi));
	CHECK_ERR(nmt_port_info("valeK:k", &pi), 0, "PORT_INFO_GET valeK:k while its sync is stuck");
	t0 = nmt_now_ms();
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, WNOHANG) == 0 && nmt_now_ms() - t0 < WATCHDOG_MS)
		usleep(1000);
	printf("time: the stuck process died %lld ms after SIGKILL\n", nmt_now_ms() - t0);
	if (!CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "killed by SIGKILL (status %#x)", st)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	memset(&pi, 0, sizeof(pi));
	CHECK_ERR(nmt_port_info("valeK:k", &pi), ENXIO, "its ephemeral port went with it");
	CHECK_EQ(rx_count(&r, 0x701, &good), 0, "no stray frames");
	CHECK_EQ(good, 0, "nothing was sent");
	close(pfd[0]);
	nmt_port_close(&r);
}

/*
 * close() of the stuck fd itself returns at once (the sync keeps the file);
 * the port is released when the sync ends, then DELIF works.
 */
static void t_close_own(void)
{
	struct world w;
	struct syncer s;
	int fd;

	if (!world_up(&w, 0x801))
		return;
	put_indirect(w.t, w.u.page, FLEN);
	sync_start(&s, w.p0.fd, BY_IOCTL);
	if (!uf_wait_fault(&w.u))
		return;
	fd = w.p0.fd;
	op_run("close() of the stuck fd", op_close, &fd, &w.u, 0);
	op_run("VALE_DETACH " PSW, op_detach, PSW, &w.u, 0);
	op_run("DELIF " PORT " (its file is still in use: EBUSY)", op_delif, PORT, &w.u, EBUSY);
	op_run("PORT_INFO_GET valeU:b", op_info, "valeU:b", &w.u, 0);
	CHECK(!atomic_load(&s.done), "the sync was still stuck during the checks");
	uf_resolve(&w.u);
	sync_join(&s);
	CHECK_ERR(s.err, 0, "the stuck TXSYNC, once the page arrived");
	/* The thread is gone: its reference to the file went with it. */
	w.p0.fd = -1;
	nmt_port_close(&w.p0);
	CHECK_ERR(delif(PORT), 0, "DELIF " PORT " once the sync ended");
	uf_close(&w.u);
	nmt_port_close(&w.rx);
}

/* Page faults of this thread so far (kernel-mode faults on user memory count). */
static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/*
 * The ordinary case of the same path: payloads in pages that are not
 * resident are faulted in (outside the busy bit) and sent, in order, in
 * one TXSYNC; unmapped and PROT_NONE payloads are refused.
 */
static void t_not_resident(void)
{
	enum { NP = 16 };
	const size_t psz = (size_t)sysconf(_SC_PAGESIZE);
	struct nmt_port a, b;
	struct netmap_ring *t, *r;
	uint8_t *shared, *priv, want[FLEN], *bad;
	unsigned i, got = 0, ok = 0;
	long f0;
	int mfd;
	uint32_t j;

	if (!CHECK_ERR(nmt_port_open(&a, "valeN:a", NULL), 0, "REGISTER valeN:a") ||
	    !CHECK_ERR(nmt_port_open(&b, "valeN:b", NULL), 0, "REGISTER valeN:b"))
		return;
	t = nmt_tx(&a, 0);
	r = nmt_rx(&b, 0);
	/* Frames in the page cache of a memfd, mapped twice and not touched. */
	mfd = memfd_create("nm_uffd", 0);
	CHECK(mfd >= 0 && ftruncate(mfd, (off_t)(NP * psz)) == 0, "memfd");
	for (i = 0; i < NP; i++) {
		frame(want, 0x900 + i);
		CHECK(pwrite(mfd, want, FLEN, (off_t)(i * psz)) == FLEN, "pwrite");
	}
	shared = mmap(NULL, NP * psz, PROT_READ, MAP_SHARED, mfd, 0);
	priv = mmap(NULL, NP * psz, PROT_READ, MAP_PRIVATE, mfd, 0);
	if (!CHECK(shared != MAP_FAILED && priv != MAP_FAILED, "mmap memfd"))
		return;
	for (i = 0; i < 2 * NP; i++)
		put_indirect(t, (i < NP ? shared : priv) + (i % NP) * psz, FLEN);
	f0 = minflt();
	CHECK_ERR(nmt_txsync(a.fd), 0, "one TXSYNC of %u payloads in pages not touched yet",
		  2 * NP);
	printf("note: page faults taken by that TXSYNC: %ld\n", minflt() - f0);
	CHECK(minflt() - f0 >= 1, "the payload pages were faulted in by the sync");
	nmt_rxsync(b.fd);
	for (; r->cur != r->tail; r->head = r->cur = nm_ring_next(r, r->cur), got++) {
		const uint8_t *p = (const uint8_t *)NETMAP_BUF(r, r->slot[r->cur].buf_idx);

		frame(want, 0x900 + got % NP);
		ok += r->slot[r->cur].len == FLEN && !memcmp(p, want, FLEN);
	}
	nmt_rxsync(b.fd);
	CHECK(got == 2 * NP && ok == got, "all arrived, in order, intact (%u of %u, %u right)",
	      got, 2 * NP, ok);

	/* Unmapped, then PROT_NONE: refused (EINVAL), the sync stops at the slot. */
	bad = mmap(NULL, psz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	j = put_indirect(t, bad, FLEN);
	CHECK_ERR(nmt_txsync(a.fd), EINVAL, "NS_INDIRECT into a PROT_NONE page");
	CHECK(t->head == j && t->cur == j, "stopped at the slot");
	munmap(bad, psz);
	j = put_indirect(t, bad, FLEN);
	CHECK_ERR(nmt_txsync(a.fd), EINVAL, "NS_INDIRECT into an unmapped page");
	CHECK(t->head == j, "stopped at the slot");
	frame((uint8_t *)NETMAP_BUF(t, t->slot[j].buf_idx), 0x9ff);
	t->slot[j].flags = 0;
	t->head = t->cur = nm_ring_next(t, j);
	CHECK_ERR(nmt_txsync(a.fd), 0, "repaired slot goes");
	munmap(shared, NP * psz);
	munmap(priv, NP * psz);
	close(mfd);
	nmt_port_close(&a);
	nmt_port_close(&b);
}

static const struct nmt_test tests[] = {
	{ "not_resident", t_not_resident, "NS_INDIRECT pages not resident are faulted in and sent" },
	{ "detach", t_detach, "while a TXSYNC waits for a user page: DETACH and all else go on" },
	{ "poll", t_poll, "while poll() waits for a user page: requests go on; frame intact after" },
	{ "kill", t_kill, "SIGKILL ends a process stuck in TXSYNC on a page; its port goes" },
	{ "close_own", t_close_own, "close() of the stuck fd returns; DELIF once the sync ends" },
};

int main(int argc, char **argv)
{
	void *m = mmap(NULL, sizeof(*slowest), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (m != MAP_FAILED) {
		slowest = m;
		slowest->ms = -1;
	}
	rc = nmt_main(tests, ARRAY_SIZE(tests), argc, argv, 240);
	/* Printed, not asserted: how long a request takes under TCG is the host's load. */
	if (slowest && slowest->ms >= 0)
		printf("time: slowest request while a sync waited for a page: %lld ms (%s)\n",
		       slowest->ms, slowest->what);
	return rc;
}
