// SPDX-License-Identifier: BSD-2-Clause
/*
 * NIOCTXSYNC, NIOCRXSYNC and poll()/select()/epoll on a bound fd
 * (NETMAP-ABI §9). The per-ring work, including timestamps, is
 * nm_kring_sync() in core/ring.c; here we pick the fd's rings, decide
 * which directions to sync, and sleep.
 *
 * No lock: the binding is published once (nm_priv_bound()) and fixed until
 * release(), and each ring has its own busy bit. Two threads syncing the
 * same ring: the second gets -EBUSY from the ioctl; poll() treats a busy
 * ring as ready, since the other sync may have just made it so (a spurious
 * wakeup is allowed, a lost one is not).
 *
 * User page faults (struct nm_kring_fault): a VALE txsync never faults on
 * the NS_INDIRECT payloads it reads from the caller's memory; it stops at a
 * page that is not resident and we fault that page in here, after the
 * busy bit is released, and sync again. The fault may take forever (a
 * userfaultfd nobody serves, FUSE, a hung NFS server): then only this
 * thread waits, holding nothing but its reference to the fd. Other syncs
 * of the ring, VALE_DETACH, close() of this or any other fd and every
 * control request go on meanwhile (a detach that happened in between makes
 * the retried sync drop and count the slots). The wait is killable, as for
 * any system call that reads user memory (the kernel retries a fault from
 * kernel mode until the page comes or a fatal signal does). A signal seen
 * between faults ends the loop: the ioctl returns -ERESTARTSYS (restarted,
 * or EINTR) with the slot still pending; poll() reports what the ring holds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "dev.h"
#include "kloop.h"
#include "port.h"

/* nm_kring_sync() with the user page faults of struct nm_kring_fault done here. */
int nm_sync_kring(struct nm_kring *k)
{
	struct nm_kring_fault f = { 0 };
	int err;

	while ((err = nm_kring_sync_fault(k, &f)) == -EFAULT) {
		if (signal_pending(current))
			return -ERESTARTSYS;
		/* Sleeps (killable) with no lock and no busy bit held. */
		if (fault_in_readable(u64_to_user_ptr(f.uptr), f.len)) {
			/* A fault ended by a signal looks like a bad address: tell them apart. */
			if (signal_pending(current))
				return -ERESTARTSYS;
			/* Not mapped or not readable: the next sync refuses the slot. */
			f.bad = f.uptr;
		}
		cond_resched();
	}
	return err;
}

long nm_sync_ioctl(struct nm_priv *priv, enum nm_dir dir)
{
	struct nm_kring *krings;
	long ret = 0;
	u32 i;

	if (unlikely(!nm_priv_bound(priv)))
		return -ENXIO;
	/* In CSB mode only the fd's kernel loop syncs (kloop.h). */
	if (unlikely(nm_csb_mode(priv)))
		return -EBUSY;
	krings = priv->port->krings[dir];
	for (i = priv->first[dir]; i < priv->last[dir]; i++) {
		int err = nm_sync_kring(&krings[i]);

		/* Sync every ring anyway; a protocol error outranks the others. */
		if (unlikely(err) && ret != -EINVAL && !(err == -EBUSY && ret))
			ret = err;
	}
	return ret;
}

/*
 * Where poll sleeps for @dir: the ring itself if the fd binds exactly one
 * ring of that direction, else the port's queue for the direction (both are
 * woken by nm_port_notify()).
 */
static wait_queue_head_t *nm_sync_wq(struct nm_priv *priv, enum nm_dir dir)
{
	if (priv->last[dir] - priv->first[dir] == 1)
		return &priv->port->krings[dir][priv->first[dir]].os.wq;
	return &priv->port->wq[dir];
}

/*
 * Sync the bound rings of @dir; returns @ready if, after the sync, one of
 * them has a slot at cur (TX: room, RX: a packet), or EPOLLERR if a sync
 * failed on bad ring indexes.
 */
static __poll_t nm_sync_poll_dir(struct nm_priv *priv, enum nm_dir dir, bool want,
				 __poll_t ready)
{
	struct nm_kring *krings = priv->port->krings[dir];
	__poll_t revents = 0;
	u32 i;

	for (i = priv->first[dir]; i < priv->last[dir]; i++) {
		struct nm_kring *k = &krings[i];
		int err = nm_sync_kring(k);

		if (unlikely(err == -EBUSY)) {
			if (want)
				revents |= ready;
			continue;
		}
		/* Interrupted while a user page faulted in: not an error. */
		if (unlikely(err) && err != -ERESTARTSYS)
			revents |= EPOLLERR;
		if (want && READ_ONCE(k->rcur) != READ_ONCE(k->rtail))
			revents |= ready;
	}
	return revents;
}

__poll_t nm_sync_poll(struct nm_priv *priv, struct file *filp, poll_table *wait)
{
	const __poll_t events = poll_requested_events(wait);
	const bool want_tx = events & (EPOLLOUT | EPOLLWRNORM);
	const bool want_rx = events & (EPOLLIN | EPOLLRDNORM);
	bool has_tx, has_rx;
	__poll_t revents = 0;

	if (unlikely(!nm_priv_bound(priv) || nm_csb_mode(priv)))
		return EPOLLERR;
	has_tx = priv->last[NM_TX] > priv->first[NM_TX];
	has_rx = priv->last[NM_RX] > priv->first[NM_RX];

	/* Queue first, then look: a wakeup after our check is not lost. */
	if (want_tx && has_tx)
		poll_wait(filp, nm_sync_wq(priv, NM_TX), wait);
	if (want_rx && has_rx)
		poll_wait(filp, nm_sync_wq(priv, NM_RX), wait);
	smp_mb();	/* pairs with nm_port_notify() */

	/* TX is pushed on every poll unless NR_NO_TX_POLL asks for POLLOUT only. */
	if (has_tx && (want_tx || !(priv->flags & NR_NO_TX_POLL)))
		revents |= nm_sync_poll_dir(priv, NM_TX, want_tx, EPOLLOUT | EPOLLWRNORM);
	/* RX only when asked for, or always with NR_DO_RX_POLL. */
	if (has_rx && (want_rx || (priv->flags & NR_DO_RX_POLL)))
		revents |= nm_sync_poll_dir(priv, NM_RX, want_rx, EPOLLIN | EPOLLRDNORM);
	return revents;
}
