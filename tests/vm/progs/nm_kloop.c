// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_kloop - CSB mode and the kernel sync loop (SYNC_KLOOP_START/STOP).
 *
 * In each subtest a thread runs SYNC_KLOOP_START on an fd bound with
 * NR_EXCLUSIVE and a CSB, and the main thread moves frames through the CSB
 * only (atok head/cur, ktoa hwcur/hwtail; never a sync ioctl on that fd)
 * to a peer bound the ordinary way, both ways, then stops the loop with
 * SYNC_KLOOP_STOP and checks that START returned 0. Sleep mode on a pipe,
 * notification mode (ioeventfds, irqfds) and the direct modes on a VALE
 * pair, the error answers, and an unprivileged holder of a handed fd that
 * loops its own ring and no other.
 *
 * Waits poll the CSB with a generous deadline (5 s): a loaded machine is
 * slow, never wrong.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nmt.h"

#define LEN		60
/*
 * How long a step may take before the test gives up. A guard, not a
 * verdict: an idle loop sleeps up to its own 3 s timeout before it notices a
 * head moved without a kick, and a loaded TCG host stretches that.
 */
#define DEADLINE_MS	20000
#define MAXR		4

struct kl {
	struct nmt_port p;
	struct nm_csb_atok *atok;
	struct nm_csb_ktoa *ktoa;
	unsigned ntx, nrx;
	int io[MAXR], irq[MAXR];	/* -1: none */
	/* START's request */
	uint32_t sleep_us;
	bool efds;			/* send the EVENTFDS option */
	int mode;			/* -1: no KLOOP_MODE option */
	uint64_t efds_size;		/* 0: the right one */
	pthread_t th;
	bool running;
	int start_err;
	uint32_t efds_status, mode_status;
};

static void *csb_alloc(unsigned n)
{
	void *m = aligned_alloc(64, 64 * (size_t)n);

	if (m)
		memset(m, 0xa5, 64 * (size_t)n);	/* the kernel must initialise it */
	return m;
}

/* REGISTER @name exclusively with a CSB for the bound rings; 0 or errno. */
static int kl_open(struct kl *k, const char *name, uint32_t mode, uint16_t ringid,
		   unsigned ntx, unsigned nrx, uint32_t *status)
{
	struct nmreq_opt_csb o;
	int err, i;

	memset(k, 0, sizeof(*k));
	k->mode = -1;
	for (i = 0; i < MAXR; i++)
		k->io[i] = k->irq[i] = -1;
	k->ntx = ntx;
	k->nrx = nrx;
	k->atok = csb_alloc(ntx + nrx);
	k->ktoa = csb_alloc(ntx + nrx);
	memset(&o, 0, sizeof(o));
	o.nro_opt.nro_reqtype = NETMAP_REQ_OPT_CSB;
	o.nro_opt.nro_status = 0xdead;
	o.csb_atok = (uintptr_t)k->atok;
	o.csb_ktoa = (uintptr_t)k->ktoa;
	err = nmt_port_open(&k->p, name, NMT_OPTS(.mode = mode, .ringid = ringid,
						  .flags = NR_EXCLUSIVE,
						  .options = (uintptr_t)&o));
	if (status)
		*status = o.nro_opt.nro_status;
	return err;
}

static void kl_close(struct kl *k)
{
	int i;

	nmt_port_close(&k->p);
	for (i = 0; i < MAXR; i++) {
		if (k->io[i] >= 0)
			close(k->io[i]);
		if (k->irq[i] >= 0)
			close(k->irq[i]);
	}
	free(k->atok);
	free(k->ktoa);
}

static void kl_eventfds(struct kl *k)
{
	unsigned i;

	for (i = 0; i < k->ntx + k->nrx; i++) {
		k->io[i] = eventfd(0, EFD_NONBLOCK);
		k->irq[i] = eventfd(0, EFD_NONBLOCK);
	}
	k->efds = true;
}

/* SYNC_KLOOP_START with k's options on @fd; errno. */
static int kl_start_req(struct kl *k, int fd)
{
	struct {
		struct nmreq_opt_sync_kloop_eventfds e;
		int32_t fds[MAXR][2];
	} ev;
	struct nmreq_opt_sync_kloop_mode m;
	struct nmreq_sync_kloop_start s = { .sleep_us = k->sleep_us };
	struct nmreq_header h;
	uint64_t first = 0;
	unsigned i, n = k->ntx + k->nrx;
	int err;

	nmt_hdr(&h, NETMAP_REQ_SYNC_KLOOP_START, "", &s);
	memset(&ev, 0, sizeof(ev));
	memset(&m, 0, sizeof(m));
	if (k->mode >= 0) {
		m.nro_opt.nro_reqtype = NETMAP_REQ_OPT_SYNC_KLOOP_MODE;
		m.mode = (uint32_t)k->mode;
		first = (uintptr_t)&m;
	}
	if (k->efds) {
		ev.e.nro_opt.nro_reqtype = NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS;
		ev.e.nro_opt.nro_size = k->efds_size ? k->efds_size : 24 + 8 * n;
		ev.e.nro_opt.nro_next = first;
		for (i = 0; i < n && i < MAXR; i++) {
			ev.fds[i][0] = k->io[i];
			ev.fds[i][1] = k->irq[i];
		}
		first = (uintptr_t)&ev;
	}
	h.nr_options = first;
	err = nmt_ctrl(fd, &h);
	k->efds_status = ev.e.nro_opt.nro_status;
	k->mode_status = m.nro_opt.nro_status;
	return err;
}

static void *kl_thread(void *arg)
{
	struct kl *k = arg;

	k->start_err = kl_start_req(k, k->p.fd);
	return NULL;
}

static bool kl_start(struct kl *k)
{
	k->start_err = -1;
	k->running = !pthread_create(&k->th, NULL, kl_thread, k);
	return CHECK(k->running, "START thread created");
}

static int ctrl_nobody(int fd, uint16_t type, uint64_t options)
{
	struct nmreq_header h;

	nmt_hdr(&h, type, "", NULL);
	h.nr_options = options;
	return nmt_ctrl(fd, &h);
}

/* STOP, then START must have returned 0 (its thread is joined). */
static void kl_stop(struct kl *k)
{
	CHECK_ERR(ctrl_nobody(k->p.fd, NETMAP_REQ_SYNC_KLOOP_STOP, 0), 0, "SYNC_KLOOP_STOP");
	if (k->running)
		pthread_join(k->th, NULL);
	k->running = false;
	CHECK_ERR(k->start_err, 0, "SYNC_KLOOP_START returned 0 after STOP");
}

/* ---- frames through the CSB ---------------------------------------------- */

static void frame_fill(char *b, uint8_t src, uint32_t seq)
{
	unsigned i;

	memset(b, 0xff, 6);			/* broadcast: VALE floods it */
	memcpy(b + 6, "\x02\0\0\0\0", 5);
	b[11] = (char)src;
	memcpy(b + 12, &seq, 4);
	for (i = 16; i < LEN; i++)
		b[i] = (char)(seq * 7 + i);
}

static bool frame_ok(const struct netmap_ring *r, uint32_t i, uint8_t src, uint32_t seq)
{
	char want[LEN];

	frame_fill(want, src, seq);
	return r->slot[i].len == LEN && !memcmp(NETMAP_BUF(r, r->slot[i].buf_idx), want, LEN);
}

static bool wait_until(bool (*cond)(void *), void *arg)
{
	long long end = nmt_now_ms() + DEADLINE_MS;

	while (!cond(arg)) {
		if (nmt_now_ms() > end)
			return false;
		usleep(1000);
	}
	return true;
}

struct csbw {
	struct kl *k;
	unsigned j;
	uint32_t v;
};

static bool hwcur_is(void *a)
{
	struct csbw *w = a;

	return __atomic_load_n(&w->k->ktoa[w->j].hwcur, __ATOMIC_ACQUIRE) == w->v;
}

static bool hwtail_not(void *a)
{
	struct csbw *w = a;

	return __atomic_load_n(&w->k->ktoa[w->j].hwtail, __ATOMIC_ACQUIRE) != w->v;
}

static void kick(struct kl *k, unsigned j, bool always)
{
	uint64_t one = 1;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* head before the look at the flag */
	if (k->io[j] >= 0 && (always || __atomic_load_n(&k->ktoa[j].kern_need_kick, __ATOMIC_ACQUIRE)))
		CHECK(write(k->io[j], &one, 8) == 8, "kick ioeventfd %u", j);
}

/* Put @n frames on TX entry @j and hand them over; returns the new head. */
static uint32_t csb_send(struct kl *k, unsigned j, uint8_t src, uint32_t seq0, unsigned n)
{
	struct netmap_ring *r = nmt_tx(&k->p, j);
	uint32_t cur = k->atok[j].cur, i;

	for (i = 0; i < n; i++) {
		struct netmap_slot *s = &r->slot[cur];

		frame_fill(NETMAP_BUF(r, s->buf_idx), src, seq0 + i);
		s->len = LEN;
		s->flags = 0;
		cur = nm_ring_next(r, cur);
	}
	__atomic_store_n(&k->atok[j].cur, cur, __ATOMIC_RELEASE);
	__atomic_store_n(&k->atok[j].head, cur, __ATOMIC_RELEASE);
	return cur;
}

/* Send @n frames on TX entry 0 and see the kernel take them. */
static bool csb_send_wait(struct kl *k, uint8_t src, uint32_t seq0, unsigned n, bool always_kick)
{
	struct csbw w = { k, 0, csb_send(k, 0, src, seq0, n) };

	kick(k, 0, always_kick);
	return CHECK(wait_until(hwcur_is, &w), "the loop took %u frames (hwcur %u)", n, w.v);
}

/* Wait for @n frames on RX entry ntx, check them, give them back. */
static void csb_recv(struct kl *k, uint8_t src, uint32_t seq0, unsigned n, bool always_kick)
{
	const unsigned j = k->ntx;
	struct netmap_ring *r = nmt_rx(&k->p, 0);
	struct csbw w = { k, j, k->atok[j].head };
	uint32_t i, h = k->atok[j].head, got = 0, bad = 0;
	long long end = nmt_now_ms() + DEADLINE_MS;

	while (got < n && nmt_now_ms() < end) {
		uint32_t t;

		if (!wait_until(hwtail_not, &w))
			break;
		t = __atomic_load_n(&k->ktoa[j].hwtail, __ATOMIC_ACQUIRE);
		for (i = h; i != t; i = nm_ring_next(r, i), got++)
			bad += !frame_ok(r, i, src, seq0 + got);
		h = w.v = t;
		__atomic_store_n(&k->atok[j].cur, h, __ATOMIC_RELEASE);
		__atomic_store_n(&k->atok[j].head, h, __ATOMIC_RELEASE);
		kick(k, j, always_kick);
	}
	CHECK_EQ(got, n, "frames received through the CSB");
	CHECK_EQ(bad, 0, "all of them intact and in order");
}

/* An ordinary peer: send @n frames, or receive and check @n. */
static void peer_send(struct nmt_port *q, uint8_t src, uint32_t seq0, unsigned n)
{
	struct netmap_ring *r = nmt_tx(q, 0);
	unsigned i;

	for (i = 0; i < n; i++) {
		struct netmap_slot *s = &r->slot[r->cur];

		frame_fill(NETMAP_BUF(r, s->buf_idx), src, seq0 + i);
		s->len = LEN;
		r->head = r->cur = nm_ring_next(r, r->cur);
	}
	CHECK_ERR(nmt_txsync(q->fd), 0, "peer sends %u frames", n);
}

static void peer_recv(struct nmt_port *q, uint8_t src, uint32_t seq0, unsigned n)
{
	struct netmap_ring *r = nmt_rx(q, 0);
	long long end = nmt_now_ms() + DEADLINE_MS;
	unsigned got = 0, bad = 0;

	while (got < n && nmt_now_ms() < end) {
		struct pollfd pfd = { .fd = q->fd, .events = POLLIN };

		poll(&pfd, 1, 100);
		while (!nm_ring_empty(r) && got < n) {
			bad += !frame_ok(r, r->cur, src, seq0 + got);
			got++;
			r->head = r->cur = nm_ring_next(r, r->cur);
		}
	}
	CHECK_EQ(got, n, "peer received the frames");
	CHECK_EQ(bad, 0, "intact and in order");
	nmt_rxsync(q->fd);
}

/* ---- subtests ------------------------------------------------------------ */

/* Sleep mode on a pipe: frames both ways, syncs refused, STOP. */
static void t_pipe_sleep(void)
{
	struct nmt_port q;
	struct pollfd pfd;
	struct kl k;
	uint32_t st;

	if (!CHECK_ERR(kl_open(&k, "klp{1", 0, 0, 1, 1, &st), 0, "REGISTER klp{1 with a CSB"))
		return;
	CHECK_ERR(st, 0, "CSB option status 0");
	CHECK(k.atok[0].appl_need_kick == 1 && k.atok[0].sync_flags == 1 &&
	      k.ktoa[0].kern_need_kick == 1 && k.ktoa[0].hwtail == nmt_tx(&k.p, 0)->num_slots - 1 &&
	      k.ktoa[1].hwtail == 0 && k.ktoa[0].pad[0] == 0,
	      "CSB initialised (kicks 1, TX hwtail n-1, RX hwtail 0, ktoa zero-filled)");
	CHECK_ERR(nmt_txsync(k.p.fd), EBUSY, "NIOCTXSYNC in CSB mode: EBUSY");
	CHECK_ERR(nmt_rxsync(k.p.fd), EBUSY, "NIOCRXSYNC in CSB mode: EBUSY");
	pfd = (struct pollfd){ .fd = k.p.fd, .events = POLLIN | POLLOUT };
	CHECK(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR), "poll in CSB mode: POLLERR");
	if (!CHECK_ERR(nmt_port_open(&q, "klp}1", NULL), 0, "REGISTER the peer klp}1"))
		goto out;
	k.sleep_us = 200;
	if (!kl_start(&k))
		goto out_q;
	if (csb_send_wait(&k, 1, 100, 5, false))
		peer_recv(&q, 1, 100, 5);
	CHECK_EQ(k.ktoa[0].kern_need_kick, 0, "sleep mode: kern_need_kick 0");
	peer_send(&q, 2, 200, 7);
	csb_recv(&k, 2, 200, 7, false);
	/* A second round, past what the first gave back. */
	if (csb_send_wait(&k, 1, 300, 40, false))
		peer_recv(&q, 1, 300, 40);
	kl_stop(&k);
out_q:
	nmt_port_close(&q);
out:
	kl_close(&k);
}

static bool readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t v;

	if (poll(&pfd, 1, DEADLINE_MS) != 1)
		return false;
	return read(fd, &v, 8) == 8;
}

/* Notification mode on a VALE pair: kicks and irqfds. */
static void t_vale_notify(void)
{
	struct nmt_port q;
	struct kl k;

	if (!CHECK_ERR(kl_open(&k, "valekn:a", 0, 0, 1, 1, NULL), 0, "REGISTER valekn:a with a CSB"))
		return;
	if (!CHECK_ERR(nmt_port_open(&q, "valekn:b", NULL), 0, "REGISTER valekn:b"))
		goto out;
	kl_eventfds(&k);
	k.atok[1].appl_need_kick = 1;	/* RX: signal the irqfd */
	if (!kl_start(&k))
		goto out_q;
	if (csb_send_wait(&k, 1, 10, 8, false))
		peer_recv(&q, 1, 10, 8);
	peer_send(&q, 2, 20, 3);
	CHECK(readable(k.irq[1]), "RX irqfd signalled when frames arrived");
	csb_recv(&k, 2, 20, 3, false);
	/*
	 * Idle: the loop asks for kicks on both rings. Both flags were already
	 * set before csb_recv()'s last kick, so first wait for the pass that
	 * kick caused (it returns the RX slots: hwcur reaches head), then judge
	 * one snapshot of the two flags: a later pass (the 3 s timeout) clears
	 * each flag for a moment, so a second read may see that pass instead.
	 */
	{
		struct csbw w = { &k, 1, k.atok[1].head };
		long long end = nmt_now_ms() + DEADLINE_MS;
		uint32_t tx = 0, rx = 0;

		if (CHECK(wait_until(hwcur_is, &w), "the loop took back the RX slots (hwcur %u)", w.v)) {
			for (;;) {
				tx = __atomic_load_n(&k.ktoa[0].kern_need_kick, __ATOMIC_ACQUIRE);
				rx = __atomic_load_n(&k.ktoa[1].kern_need_kick, __ATOMIC_ACQUIRE);
				if ((tx && rx) || nmt_now_ms() > end)
					break;
				usleep(1000);
			}
			CHECK(tx && rx, "idle loop sets kern_need_kick on TX and RX (tx %u rx %u)", tx, rx);
		}
	}
	/* Only a kick can wake it now (3 s timeout aside): send again. */
	if (csb_send_wait(&k, 1, 30, 5, false))
		peer_recv(&q, 1, 30, 5);
	kl_stop(&k);
out_q:
	nmt_port_close(&q);
out:
	kl_close(&k);
}

/* Direct TX and RX: the kick itself does the sync, before write() returns. */
static void t_direct(void)
{
	struct nmt_port q;
	struct kl k;
	uint32_t head;

	if (!CHECK_ERR(kl_open(&k, "valekd:a", 0, 0, 1, 1, NULL), 0, "REGISTER valekd:a with a CSB"))
		return;
	if (!CHECK_ERR(nmt_port_open(&q, "valekd:b", NULL), 0, "REGISTER valekd:b"))
		goto out;
	kl_eventfds(&k);
	k.mode = NM_OPT_SYNC_KLOOP_DIRECT_TX | NM_OPT_SYNC_KLOOP_DIRECT_RX;
	k.atok[1].appl_need_kick = 1;
	if (!kl_start(&k))
		goto out_q;
	/* Asynchronous the first time: the kick may come before the loop is set up. */
	if (csb_send_wait(&k, 1, 40, 2, true))
		peer_recv(&q, 1, 40, 2);
	{
		struct kl k2 = k;	/* the loop runs: a second START must not */

		k2.mode = -1;
		k2.efds = false;
		CHECK_ERR(kl_start_req(&k2, k.p.fd), EBUSY, "a second START on the fd: EBUSY");
	}
	head = csb_send(&k, 0, 1, 50, 4);
	kick(&k, 0, true);
	CHECK_EQ(k.ktoa[0].hwcur, head, "direct TX: hwcur caught up when write() returned");
	CHECK_EQ(k.ktoa[0].kern_need_kick, 1, "direct TX: kern_need_kick stays 1");
	peer_recv(&q, 1, 50, 4);
	peer_send(&q, 2, 60, 2);
	CHECK(readable(k.irq[1]), "direct RX: the port's notification signals the RX irqfd");
	kick(&k, 1, true);
	CHECK_EQ(k.ktoa[1].hwtail, 2, "direct RX: hwtail shows both frames when write() returned");
	csb_recv(&k, 2, 60, 2, true);
	kick(&k, 1, true);
	CHECK_EQ(k.ktoa[1].hwcur, 2, "direct RX: the slots given back are taken at the kick");
	kl_stop(&k);
	CHECK_ERR(k.mode_status, 0, "KLOOP_MODE status 0");
	CHECK_ERR(k.efds_status, 0, "EVENTFDS status 0");
out_q:
	nmt_port_close(&q);
out:
	kl_close(&k);
}

static int csb_enable(int fd, uint64_t atok, uint64_t ktoa, uint32_t *status)
{
	struct nmreq_opt_csb o;
	int err;

	memset(&o, 0, sizeof(o));
	o.nro_opt.nro_reqtype = NETMAP_REQ_OPT_CSB;
	o.csb_atok = atok;
	o.csb_ktoa = ktoa;
	err = ctrl_nobody(fd, NETMAP_REQ_CSB_ENABLE, (uintptr_t)&o);
	if (status)
		*status = o.nro_opt.nro_status;
	return err;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* Every refusal. */
static void t_errors(void)
{
	struct nmt_port plain;
	struct kl k, u;
	uint32_t st;
	char *guard;
	int fd;

	/* CSB option refused: the fd is left unbound. */
	CHECK_ERR(kl_open(&k, "kle{1", 0, 0, 1, 1, NULL), 0, "REGISTER kle{1 with a CSB");
	{
		struct nmreq_opt_csb o;
		struct nmt_port p;

		memset(&o, 0, sizeof(o));
		o.nro_opt.nro_reqtype = NETMAP_REQ_OPT_CSB;
		o.csb_atok = (uintptr_t)k.atok;
		o.csb_ktoa = (uintptr_t)k.ktoa;
		CHECK_ERR(nmt_port_open(&p, "kle}1", NMT_OPTS(.options = (uintptr_t)&o)), EINVAL,
			  "CSB without NR_EXCLUSIVE: EINVAL");
		CHECK_ERR(o.nro_opt.nro_status, EINVAL, "  and its status");
		o.csb_atok += 8;
		CHECK_ERR(nmt_port_open(&p, "kle}1", NMT_OPTS(.flags = NR_EXCLUSIVE,
							    .options = (uintptr_t)&o)),
			  EINVAL, "CSB atok not 64-byte aligned: EINVAL");
	}
	/* An array running into a PROT_NONE page: EFAULT, binding undone. */
	guard = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (CHECK(guard != MAP_FAILED, "guard mapping") &&
	    CHECK(!mprotect(guard + 4096, 4096, PROT_NONE), "guard page")) {
		CHECK_ERR(kl_open(&u, "kle}1", 0, 0, 1, 1, NULL), 0, "REGISTER kle}1 with a CSB");
		CHECK_ERR(csb_enable(u.p.fd, (uintptr_t)guard + 4096 - 64, (uintptr_t)u.ktoa, &st),
			  EFAULT, "CSB_ENABLE with atok 1 entry short of 2: EFAULT");
		CHECK_ERR(st, EFAULT, "  and its status");
		CHECK_ERR(csb_enable(u.p.fd, (uintptr_t)u.atok, (uintptr_t)guard + 4096, &st),
			  EFAULT, "CSB_ENABLE with ktoa in a PROT_NONE page: EFAULT");
		CHECK_ERR(ctrl_nobody(u.p.fd, NETMAP_REQ_CSB_ENABLE, 0), EINVAL,
			  "CSB_ENABLE without the option: EINVAL");
		kl_close(&u);
		munmap(guard, 8192);
	}
	/* START/STOP on an unbound fd, START on a bound fd without CSB. */
	fd = nmt_open();
	{
		struct kl z = k;

		z.efds = false;
		CHECK_ERR(kl_start_req(&z, fd), ENXIO, "START on an unbound fd: ENXIO");
		CHECK_ERR(ctrl_nobody(fd, NETMAP_REQ_SYNC_KLOOP_STOP, 0), ENXIO,
			  "STOP on an unbound fd: ENXIO");
		CHECK_ERR(csb_enable(fd, (uintptr_t)k.atok, (uintptr_t)k.ktoa, NULL), 0,
			  "CSB_ENABLE on an unbound fd: 0, nothing to do");
		CHECK_ERR(nmt_txsync(fd), ENXIO, "  and it stays unbound");
	}
	close(fd);
	if (CHECK_ERR(nmt_port_open(&plain, "klx{1", NMT_OPTS(.flags = NR_EXCLUSIVE)), 0,
		      "REGISTER klx{1 without CSB")) {
		struct kl z = k;

		z.efds = false;
		CHECK_ERR(kl_start_req(&z, plain.fd), EINVAL, "START without CSB mode: EINVAL");
		CHECK_ERR(csb_enable(plain.fd, (uintptr_t)k.atok, (uintptr_t)k.ktoa, &st), 0,
			  "CSB_ENABLE on an exclusive bound fd");
		CHECK_ERR(nmt_txsync(plain.fd), EBUSY, "  then NIOCTXSYNC: EBUSY");
		nmt_port_close(&plain);
	}
	/* START's own checks. */
	k.sleep_us = 1000001;
	CHECK_ERR(kl_start_req(&k, k.p.fd), EINVAL, "sleep_us 1000001: EINVAL");
	k.sleep_us = 100;
	k.mode = 4;
	CHECK_ERR(kl_start_req(&k, k.p.fd), EINVAL, "KLOOP_MODE 4: EINVAL");
	CHECK_ERR(k.mode_status, EINVAL, "  and its status");
	kl_eventfds(&k);
	k.mode = -1;
	k.efds_size = 24 + 8 * 3;
	CHECK_ERR(kl_start_req(&k, k.p.fd), EINVAL, "EVENTFDS with 3 entries for 2 rings: EINVAL");
	CHECK_ERR(k.efds_status, EINVAL, "  and its status");
	k.efds_size = 24 + 8;
	CHECK_ERR(kl_start_req(&k, k.p.fd), EINVAL, "EVENTFDS with 1 entry for 2 rings: EINVAL");
	k.efds_size = 0;
	close(k.io[1]);
	k.io[1] = -1;
	k.mode = NM_OPT_SYNC_KLOOP_DIRECT_RX;
	CHECK_ERR(kl_start_req(&k, k.p.fd), EINVAL, "direct mode with an ioeventfd -1: EINVAL");
	k.mode = -1;
	k.io[1] = dup(0);
	CHECK_ERR(kl_start_req(&k, k.p.fd), EINVAL, "an ioeventfd that is not an eventfd: EINVAL");
	close(k.io[1]);
	k.io[1] = 1000;
	CHECK_ERR(kl_start_req(&k, k.p.fd), EBADF, "an ioeventfd that is not open: EBADF");
	kl_close(&k);
}

/* The ways a loop ends besides STOP while it runs. */
static void t_endings(void)
{
	struct kl k;

	if (!CHECK_ERR(kl_open(&k, "kld{1", 0, 0, 1, 1, NULL), 0, "REGISTER kld{1 with a CSB"))
		return;
	kl_eventfds(&k);
	/* STOP before START is remembered: START returns 0 at once. */
	CHECK_ERR(ctrl_nobody(k.p.fd, NETMAP_REQ_SYNC_KLOOP_STOP, 0), 0, "STOP with no loop: 0");
	CHECK_ERR(kl_start_req(&k, k.p.fd), 0, "START after STOP returns 0 at once");
	/* A signal ends START with EINTR. */
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_usr1;
		sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
		if (kl_start(&k)) {
			uint32_t s2;

			/* Running once CSB_ENABLE is refused. */
			long long end = nmt_now_ms() + DEADLINE_MS;

			while (csb_enable(k.p.fd, (uintptr_t)k.atok, (uintptr_t)k.ktoa, &s2) != EBUSY &&
			       nmt_now_ms() < end)
				usleep(2000);
			CHECK_ERR(s2, EBUSY, "CSB_ENABLE while the loop runs: EBUSY");
			pthread_kill(k.th, SIGUSR1);
			pthread_join(k.th, NULL);
			k.running = false;
			CHECK_ERR(k.start_err, EINTR, "a signal ends START with EINTR");
		}
	}
	/* close() of the fd by the looping process ends the loop. */
	if (kl_start(&k)) {
		uint32_t s2;
		long long end = nmt_now_ms() + DEADLINE_MS;

		while (csb_enable(k.p.fd, (uintptr_t)k.atok, (uintptr_t)k.ktoa, &s2) != EBUSY &&
		       nmt_now_ms() < end)
			usleep(2000);
		close(k.p.fd);
		pthread_join(k.th, NULL);
		k.running = false;
		CHECK_ERR(k.start_err, 0, "close() of the fd ends START with 0");
		k.p.fd = -1;	/* closed; nmt_port_close() unmaps */
	}
	kl_close(&k);
}

/*
 * A handed fd: root binds ring 0 of a 2-ring VALE port exclusively, an
 * unprivileged child (uid 65534, no capabilities) enables a CSB of its own
 * on it and loops: its frames go out, the frame root left unsynced on
 * ring 1 (another fd) does not, and its EVENTFDS must match its own rings.
 */
static void t_unpriv(void)
{
	struct nmt_port x, y, q;
	struct netmap_ring *r1;
	pid_t child;
	int st = -1;

	if (!CHECK_ERR(nmt_port_open(&x, "valeku:p", NMT_OPTS(.mode = NR_REG_ONE_NIC, .ringid = 0,
							 .tx_rings = 2, .rx_rings = 2,
							 .flags = NR_EXCLUSIVE)),
		       0, "root binds valeku:p ring 0"))
		return;
	CHECK_ERR(nmt_port_open(&y, "valeku:p", NMT_OPTS(.mode = NR_REG_ONE_NIC, .ringid = 1,
						       .tx_rings = 2, .rx_rings = 2)),
		  0, "root binds valeku:p ring 1");
	CHECK_ERR(nmt_port_open(&q, "valeku:q", NULL), 0, "root binds valeku:q");
	r1 = nmt_tx(&y, 1);
	if (!CHECK(r1 != NULL, "ring 1 mapped"))
		return;
	frame_fill(NETMAP_BUF(r1, r1->slot[r1->cur].buf_idx), 9, 900);
	r1->slot[r1->cur].len = LEN;
	r1->head = r1->cur = nm_ring_next(r1, r1->cur);	/* not synced */
	child = fork();
	if (child == 0) {
		struct kl k;
		int i;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		memset(&k, 0, sizeof(k));
		k.p = x;
		k.mode = -1;
		for (i = 0; i < MAXR; i++)
			k.io[i] = k.irq[i] = -1;
		k.ntx = k.nrx = 1;
		k.atok = csb_alloc(2);
		k.ktoa = csb_alloc(2);
		CHECK_ERR(csb_enable(x.fd, (uintptr_t)k.atok, (uintptr_t)k.ktoa, NULL), 0,
			  "uid 65534: CSB_ENABLE on the handed fd");
		kl_eventfds(&k);
		k.efds_size = 24 + 8 * 4;
		CHECK_ERR(kl_start_req(&k, x.fd), EINVAL,
			  "uid 65534: EVENTFDS for 4 rings on an fd of 2: EINVAL");
		k.efds = false;
		k.sleep_us = 100;
		if (kl_start(&k)) {
			csb_send_wait(&k, 1, 500, 3, false);
			kl_stop(&k);
		}
		_exit(nmt_checks_failed ? 1 : 0);
	}
	waitpid(child, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "unprivileged child looped its own ring (status %d)", st);
	peer_recv(&q, 1, 500, 3);
	CHECK(nm_ring_empty(nmt_rx(&q, 0)), "nothing from ring 1: the loop left it alone");
	CHECK_ERR(nmt_txsync(y.fd), 0, "root syncs ring 1");
	peer_recv(&q, 9, 900, 1);
	nmt_port_close(&q);
	nmt_port_close(&y);
	nmt_port_close(&x);
}

int main(int argc, char **argv)
{
	static const struct nmt_test tests[] = {
		{ "pipe_sleep", t_pipe_sleep, "sleep mode on a pipe: frames both ways through the CSB" },
		{ "vale_notify", t_vale_notify, "ioeventfd kicks and irqfds on a VALE pair" },
		{ "direct", t_direct, "direct TX/RX: the kick syncs before write() returns" },
		{ "errors", t_errors, "every refusal of CSB_ENABLE, the CSB option, START, STOP" },
		{ "endings", t_endings, "STOP before START, a signal, close() end a loop" },
		{ "unpriv", t_unpriv, "an unprivileged holder loops its own ring, no other" },
	};

	return nmt_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv, 60);
}
