// SPDX-License-Identifier: BSD-2-Clause
/*
 * Release watches, a netmapd extension (NETMAP_REQ_NMD_WATCH_ADD/DEL in
 * net/netmap.h). A process with CAP_NET_ADMIN turns an unbound /dev/netmap
 * fd into a watcher, registers other /dev/netmap files with it (by fd
 * number, each with a 64-bit cookie) and reads the cookie of each one once
 * that file is released: its last reference gone, wherever it went (dup,
 * fork, SCM_RIGHTS, a mapping of its region). netmapd uses it to forget the
 * record of a port fd it handed out as soon as nobody holds that fd.
 *
 * Objects: a watcher (one per watcher fd) owns its watches. A watch is on
 * exactly one list of its watcher: `active` while its file lives (and then
 * also on that file's nm_priv::watches), `fired` once the file was
 * released, until read() hands its cookie out or DEL or the watcher's
 * release frees it. Nothing holds a reference to a watched file: its
 * release finds its watches through its own nm_priv.
 *
 * Locking: nm_watch_lock (a mutex: every caller is in process context,
 * ioctl, read or release) protects every list and count below. It is held
 * for list surgery only: never across a user copy, an allocation that may
 * reclaim, or another lock except a wait queue's (wake_up). A watcher's
 * `nfired` is also read without it (poll, the read wait) and written with
 * WRITE_ONCE under it. Making an fd a watcher takes nm_ctrl_lock (never
 * nested with nm_watch_lock) so that it and REGISTER exclude each other.
 *
 * Lifetime: watcher and watched files are /dev/netmap files, which pin the
 * module (fops.owner): no watch outlives the module. Watched file released
 * first: its watches move to `fired` (no allocation, cannot fail). Watcher
 * released first: each active watch is unlinked from its file, then all are
 * freed. Both run under nm_watch_lock, so neither side sees a freed entry.
 *
 * Bounds: at most NM_WATCH_MAX watches per watcher (registered + fired),
 * each kmalloc'ed with __GFP_ACCOUNT (the caller's memory cgroup pays).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <net/net_namespace.h>

#include "dev.h"
#include "port.h"
#include "watch.h"

struct nm_watcher {
	struct list_head active;	/* watches whose file lives */
	struct list_head fired;		/* released files' cookies, oldest first */
	u32 n;				/* active + fired */
	u32 nfired;
	wait_queue_head_t wq;		/* read() and poll() wait for fired */
};

struct nm_watch {
	struct list_head wnode;		/* on its watcher's active or fired */
	struct hlist_node fnode;	/* on the file's nm_priv::watches while active */
	struct nm_watcher *w;
	u64 cookie;
};

static DEFINE_MUTEX(nm_watch_lock);

bool nm_watch_is_watcher(struct nm_priv *priv)
{
	return smp_load_acquire(&priv->watcher) != NULL;
}

/* @priv's watcher, making @priv one if it is not yet (and not bound). */
static int nm_watcher_get(struct nm_priv *priv, struct nm_watcher **wp)
{
	struct nm_watcher *w = smp_load_acquire(&priv->watcher);
	int err = 0;

	if (w) {
		*wp = w;
		return 0;
	}
	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return -ENOMEM;
	INIT_LIST_HEAD(&w->active);
	INIT_LIST_HEAD(&w->fired);
	init_waitqueue_head(&w->wq);
	mutex_lock(&nm_ctrl_lock);
	if (priv->port) {
		err = -EBUSY;		/* a bound fd stays a port fd */
	} else if (priv->watcher) {
		*wp = priv->watcher;	/* another thread was first */
		err = 1;
	} else {
		smp_store_release(&priv->watcher, w);
		*wp = w;
	}
	mutex_unlock(&nm_ctrl_lock);
	if (err) {
		kfree(w);
		return err < 0 ? err : 0;
	}
	return 0;
}

static int nm_watch_add(struct nm_watcher *w, struct nmreq_nmd_watch *req)
{
	struct nm_watch *wt = NULL;
	struct nm_priv *target;
	struct file *f;
	int err = 0;

	if (req->nr_fd < 0)
		return req->nr_fd == -1 ? 0 : -EBADF;
	f = fget(req->nr_fd);
	if (!f)
		return -EBADF;
	target = nm_dev_file_priv(f);
	if (!target) {
		err = -EINVAL;
		goto out;
	}
	wt = kmalloc(sizeof(*wt), GFP_KERNEL_ACCOUNT);
	if (!wt) {
		err = -ENOMEM;
		goto out;
	}
	wt->w = w;
	wt->cookie = req->nr_cookie;
	/*
	 * Our reference to @f keeps its release from running now; once we
	 * drop it, release finds the watch on target->watches (the unlock
	 * orders the insertion before our fput()).
	 */
	mutex_lock(&nm_watch_lock);
	if (w->n >= NM_WATCH_MAX) {
		err = -ENOSPC;
	} else {
		list_add_tail(&wt->wnode, &w->active);
		hlist_add_head(&wt->fnode, &target->watches);
		w->n++;
		wt = NULL;
	}
	req->nr_count = w->n;
	mutex_unlock(&nm_watch_lock);
	kfree(wt);
out:
	fput(f);
	return err;
}

/* Move the watches of @list with @cookie to @gone; how many. nm_watch_lock held. */
static u32 nm_watch_take(struct list_head *list, u64 cookie, bool active, struct list_head *gone)
{
	struct nm_watch *wt, *tmp;
	u32 n = 0;

	lockdep_assert_held(&nm_watch_lock);
	list_for_each_entry_safe(wt, tmp, list, wnode) {
		if (wt->cookie != cookie)
			continue;
		if (active)
			hlist_del(&wt->fnode);
		list_move(&wt->wnode, gone);
		n++;
	}
	return n;
}

static void nm_watch_free_list(struct list_head *list)
{
	struct nm_watch *wt, *tmp;

	list_for_each_entry_safe(wt, tmp, list, wnode)
		kfree(wt);
}

static int nm_watch_del(struct nm_watcher *w, struct nmreq_nmd_watch *req)
{
	LIST_HEAD(gone);
	u32 na, nf;

	mutex_lock(&nm_watch_lock);
	na = nm_watch_take(&w->active, req->nr_cookie, true, &gone);
	nf = nm_watch_take(&w->fired, req->nr_cookie, false, &gone);
	w->n -= na + nf;
	WRITE_ONCE(w->nfired, w->nfired - nf);
	req->nr_count = w->n;
	mutex_unlock(&nm_watch_lock);
	nm_watch_free_list(&gone);
	return na + nf ? 0 : -ENOENT;
}

int nm_watch_ctrl(struct nm_priv *priv, u16 type, struct nmreq_nmd_watch *req)
{
	struct nm_watcher *w;
	int err;

	/* Privilege: nm_ctrl_may_change() (ctrl.c) checked the caller already. */
	if (req->nr_flags)
		return -EINVAL;
	req->nr_max = NM_WATCH_MAX;
	if (type == NETMAP_REQ_NMD_WATCH_DEL) {
		w = smp_load_acquire(&priv->watcher);
		return w ? nm_watch_del(w, req) : -EINVAL;
	}
	err = nm_watcher_get(priv, &w);
	if (err)
		return err;
	err = nm_watch_add(w, req);
	if (req->nr_fd == -1) {
		mutex_lock(&nm_watch_lock);
		req->nr_count = w->n;
		mutex_unlock(&nm_watch_lock);
	}
	return err;
}

/*
 * Take up to @max fired watches into @taken; how many. They stay counted
 * in w->n until freed, so a failed copy can put them back.
 */
static u32 nm_watch_take_fired(struct nm_watcher *w, size_t max, struct list_head *taken)
{
	struct nm_watch *wt, *tmp;
	u32 n = 0;

	mutex_lock(&nm_watch_lock);
	list_for_each_entry_safe(wt, tmp, &w->fired, wnode) {
		if (n == max)
			break;
		list_move_tail(&wt->wnode, taken);
		n++;
	}
	WRITE_ONCE(w->nfired, w->nfired - n);
	mutex_unlock(&nm_watch_lock);
	return n;
}

ssize_t nm_watch_read(struct nm_priv *priv, struct file *filp, char __user *buf, size_t len)
{
	struct nm_watcher *w = smp_load_acquire(&priv->watcher);
	u64 __user *out = (u64 __user *)buf;
	size_t max = len / sizeof(u64);
	struct nm_watch *wt;
	LIST_HEAD(taken);
	u32 n, i = 0;
	int err;

	if (!w || !max)
		return -EINVAL;
	for (;;) {
		if (!READ_ONCE(w->nfired)) {
			if (filp->f_flags & O_NONBLOCK)
				return -EAGAIN;
			err = wait_event_interruptible(w->wq, READ_ONCE(w->nfired));
			if (err)
				return err;
		}
		n = nm_watch_take_fired(w, max, &taken);
		if (n)
			break;		/* else a concurrent reader took them */
	}
	list_for_each_entry(wt, &taken, wnode) {
		if (put_user(wt->cookie, out + i))
			goto err_fault;
		i++;
	}
	mutex_lock(&nm_watch_lock);
	w->n -= n;
	mutex_unlock(&nm_watch_lock);
	nm_watch_free_list(&taken);
	return (ssize_t)n * sizeof(u64);

err_fault:
	/* Nothing is lost: the cookies go back first in line. */
	mutex_lock(&nm_watch_lock);
	list_splice(&taken, &w->fired);
	WRITE_ONCE(w->nfired, w->nfired + n);
	mutex_unlock(&nm_watch_lock);
	return -EFAULT;
}

__poll_t nm_watch_poll(struct nm_priv *priv, struct file *filp, poll_table *wait)
{
	struct nm_watcher *w = smp_load_acquire(&priv->watcher);

	poll_wait(filp, &w->wq, wait);
	return READ_ONCE(w->nfired) ? EPOLLIN | EPOLLRDNORM : 0;
}

void nm_watch_release_begin(struct nm_priv *priv, struct nm_watch_release *rel)
{
	INIT_HLIST_HEAD(&rel->watches);
	rel->watcher = priv->watcher;
	priv->watcher = NULL;
	/*
	 * Lockless test: watches are added only by someone holding a
	 * reference to this file (nm_watch_add), and this is its release;
	 * concurrent removals (DEL, a watcher's release) only empty it.
	 */
	if (hlist_empty(&priv->watches))
		return;
	/* Moved under the lock: DEL and a watcher's release unlink from either head. */
	mutex_lock(&nm_watch_lock);
	hlist_move_list(&priv->watches, &rel->watches);
	mutex_unlock(&nm_watch_lock);
}

/* Report the released file to its watchers: its watches move to fired. */
static void nm_watch_fire(struct hlist_head *watches)
{
	struct nm_watch *wt;
	struct hlist_node *tmp;

	if (hlist_empty(watches))
		return;
	mutex_lock(&nm_watch_lock);
	hlist_for_each_entry_safe(wt, tmp, watches, fnode) {
		struct nm_watcher *w = wt->w;

		hlist_del(&wt->fnode);
		list_move_tail(&wt->wnode, &w->fired);
		WRITE_ONCE(w->nfired, w->nfired + 1);
		wake_up_interruptible_poll(&w->wq, EPOLLIN | EPOLLRDNORM);
	}
	mutex_unlock(&nm_watch_lock);
}

/* The watcher fd itself is released: every watch it holds goes. */
static void nm_watcher_free(struct nm_watcher *w)
{
	struct nm_watch *wt;
	LIST_HEAD(gone);

	if (!w)
		return;
	mutex_lock(&nm_watch_lock);
	list_for_each_entry(wt, &w->active, wnode)
		hlist_del(&wt->fnode);
	list_splice_init(&w->active, &gone);
	list_splice_init(&w->fired, &gone);
	mutex_unlock(&nm_watch_lock);
	nm_watch_free_list(&gone);
	kfree(w);
}

void nm_watch_release_end(struct nm_watch_release *rel)
{
	nm_watch_fire(&rel->watches);
	nm_watcher_free(rel->watcher);
}
