// SPDX-License-Identifier: BSD-2-Clause
/*
 * SYNC_KLOOP_START/STOP: the kernel sync loop of an fd in CSB mode
 * (kloop.h; the behaviour is LIBRARIES-AND-FEATURES §3.3).
 *
 * START runs the loop in the calling thread, inside the ioctl. Each pass
 * processes the fd's bound TX rings, then its RX rings: the application's
 * head/cur are read from the CSB (atok), written to the shared ring and run
 * through the ordinary sync (nm_sync_kring(): the same checks, monitors,
 * page-fault handling as NIOC*SYNC), and the kernel's hwcur/hwtail go back
 * to the CSB (ktoa). Then it waits:
 *
 *   - sleep mode (no EVENTFDS option, or an ioeventfd < 0): sleep_us;
 *   - notification mode: until an ioeventfd is written, the port notifies
 *     one of the bound rings, or 3 s pass. kern_need_kick in ktoa tells the
 *     application when it must kick: set when a ring is idle (and re-checked
 *     against a racing update), cleared while we process it.
 *
 * The irqfd of a ring is signalled when its tail moved and the application
 * asked for it (atok appl_need_kick).
 *
 * Direct modes (notification mode only): a kick on the ioeventfd of a ring
 * of a direct direction is processed by the thread that wrote it, before
 * its write() returns (a task_work queued from the eventfd wake-up, which
 * itself runs with interrupts off and cannot sync), if that thread belongs
 * to the looping process (same mm: the sync may read NS_INDIRECT payloads
 * from the caller's memory, which must be the application's). Any other
 * writer's kick is processed by the loop. The loop does not process direct
 * rings otherwise; port notifications of a direct direction signal all of
 * its irqfds. Each ring is processed by one thread at a time (ring->lock).
 *
 * Ending: STOP sets kl->stop and wakes the loop; the loop sees it at the
 * top of a pass and returns 0. STOP before START is remembered: the next
 * START returns 0 at once. A signal ends START with -EINTR, close() of the
 * fd by the looping process stops it too. Nothing here holds nm_ctrl_lock;
 * the loop holds no lock while it sleeps. START waits, before returning,
 * for the direct-mode work already queued on other threads (each runs when
 * its thread leaves the kernel, a bounded wait).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/hrtimer.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/wait_bit.h>
#include <net/netmap.h>

#include "dev.h"
#include "kloop.h"
#include "params.h"

#define NM_KLOOP_TIMEOUT	(3 * HZ)	/* notification mode: longest wait */
#define NM_KLOOP_MAX_SLEEP_US	1000000
#define NM_KLOOP_ROUNDS		64		/* syncs of one ring before the others' turn */

struct nm_kloop_ring {
	struct nm_kloop_run *run;
	struct nm_kring *kring;
	struct nm_csb_atok *atok;
	struct nm_csb_ktoa *ktoa;
	bool direct;
	struct mutex lock;		/* one thread processes the ring at a time */
	struct eventfd_ctx *irq;	/* or NULL */
	struct file *io;		/* the ioeventfd, or NULL */
	wait_queue_head_t *io_wqh;
	wait_queue_entry_t io_wait;
	wait_queue_entry_t port_wait;	/* on the kring's own queue */
	wait_queue_head_t *port_wqh;
	struct callback_head work;	/* direct mode */
	unsigned long work_queued;	/* bit 0 */
	unsigned long fallback;		/* bit 0: a direct kick the loop must process */
};

struct nm_kloop_run {
	struct nm_kloop *kl;
	struct task_struct *task;	/* the looping thread */
	struct mm_struct *mm;		/* its process's memory: direct writers must share it */
	struct files_struct *files;	/* its fd table: a close() there stops it */
	struct nm_csb *csb;		/* reference */
	u32 sleep_us;
	bool notify;			/* notification mode (all ioeventfds valid) */
	bool stopped;			/* direct work does nothing any more */
	atomic_t kicked;
	unsigned long port_note[NM_NDIR]; /* bit 0: a direct direction was notified */
	atomic_t works;			/* direct work queued or running */
	u32 n;
	struct nm_kloop_ring ring[];
};

struct nm_kloop *nm_kloop_get(struct nm_priv *priv)
{
	struct nm_kloop *kl = smp_load_acquire(&priv->kloop), *old;

	if (kl)
		return kl;
	kl = kzalloc(sizeof(*kl), GFP_KERNEL_ACCOUNT);
	if (!kl)
		return NULL;
	spin_lock_init(&kl->lock);
	init_waitqueue_head(&kl->done);
	old = cmpxchg_release(&priv->kloop, NULL, kl);
	if (old) {
		kfree(kl);
		return old;
	}
	return kl;
}

/* ---- one ring --------------------------------------------------------- */

/* Make the loop run a pass now (any context). */
static void nm_kloop_kick(struct nm_kloop_run *run)
{
	atomic_set(&run->kicked, 1);
	wake_up_process(run->task);
}

/* Publish the kernel's side to the CSB; true if tail moved since last time. */
static bool nm_kloop_publish(struct nm_kloop_ring *r, u32 *last_tail)
{
	struct nm_kring *k = r->kring;
	const u32 tail = READ_ONCE(k->rtail);

	WRITE_ONCE(r->ktoa->hwcur, READ_ONCE(k->nr_hwcur));
	/* The slots first, then the tail that hands them over. */
	smp_store_release(&r->ktoa->hwtail, tail);
	if (tail == *last_tail)
		return false;
	*last_tail = tail;
	return true;
}

/*
 * Sync @r with the application's head/cur; -EINTR on a signal, else 0
 * (a protocol error reinitialised the ring, as for an ioctl sync).
 */
static int nm_kloop_sync(struct nm_kloop_ring *r, u32 *head)
{
	struct nm_kring *k = r->kring;
	int err;

	*head = READ_ONCE(r->atok->head);
	WRITE_ONCE(k->ring->head, *head);
	WRITE_ONCE(k->ring->cur, READ_ONCE(r->atok->cur));
	err = nm_sync_kring(k);
	if (err == -ERESTARTSYS)
		return -EINTR;
	if (err && err != -EBUSY)
		nm_dbg("%s ring %u: sync in the loop failed (%d)\n",
		       k->dir == NM_TX ? "tx" : "rx", k->ring_id, err);
	return 0;
}

/*
 * Process @r until it has nothing more to do. A ring is idle when the
 * application's head did not move during the last sync; in notification
 * mode we then ask for a kick and look once more (the application may have
 * moved head between our read and its look at kern_need_kick). TX also
 * stops when it has no room left (the port's notification brings us back),
 * RX when nothing new arrived. After NM_KLOOP_ROUNDS syncs the other rings
 * (and STOP, and signals) get their turn: kicked makes the next pass come
 * without a wait.
 */
static int nm_kloop_ring_step(struct nm_kloop_run *run, struct nm_kloop_ring *r)
{
	struct nm_kring *k = r->kring;
	const bool ask = run->notify && !r->direct;
	u32 last_tail = READ_ONCE(k->rtail), head, rounds = 0;
	bool moved = false, more;
	int err;

	if (!r->direct)
		WRITE_ONCE(r->ktoa->kern_need_kick, 0);
	for (;;) {
		err = nm_kloop_sync(r, &head);
		if (err)
			break;
		more = nm_kloop_publish(r, &last_tail);
		moved |= more;
		if (k->dir == NM_TX && READ_ONCE(k->rhead) == READ_ONCE(k->rtail))
			break;		/* full: wait for the port */
		if (READ_ONCE(r->atok->head) != head || (k->dir == NM_RX && more)) {
			if (++rounds < NM_KLOOP_ROUNDS)
				continue;
			if (r->direct)
				set_bit(0, &r->fallback);
			nm_kloop_kick(run);
			break;
		}
		if (!ask)
			break;
		WRITE_ONCE(r->ktoa->kern_need_kick, 1);
		smp_mb();	/* pairs with the application's write of head, read of the flag */
		if (READ_ONCE(r->atok->head) == head)
			break;
		WRITE_ONCE(r->ktoa->kern_need_kick, 0);
	}
	if (moved && r->irq && READ_ONCE(r->atok->appl_need_kick))
		nm_eventfd_signal(r->irq);
	return err;
}

static int nm_kloop_ring_locked(struct nm_kloop_run *run, struct nm_kloop_ring *r)
{
	int err;

	if (mutex_lock_interruptible(&r->lock))
		return -EINTR;
	err = nm_kloop_ring_step(run, r);
	mutex_unlock(&r->lock);
	return err;
}

/* ---- direct mode ------------------------------------------------------ */

/* Runs in the writer's thread on its way back to userspace. */
static void nm_kloop_direct_work(struct callback_head *cb)
{
	struct nm_kloop_ring *r = container_of(cb, struct nm_kloop_ring, work);
	struct nm_kloop_run *run = r->run;

	clear_bit(0, &r->work_queued);
	smp_mb__after_atomic();	/* a kick after this queues the work again */
	/* Interrupted (a signal in this thread): the loop does it instead. */
	if (!READ_ONCE(run->stopped) && nm_kloop_ring_locked(run, r)) {
		set_bit(0, &r->fallback);
		nm_kloop_kick(run);
	}
	/* Last touch of run: START may free it once works reaches 0. */
	if (atomic_dec_and_test(&run->works))
		wake_up_var(&run->works);
}

/* A thread of the looping process, in task context (not an interrupt). */
static bool nm_kloop_direct_here(const struct nm_kloop_run *run)
{
	return in_task() && current->mm == run->mm &&
	       !(current->flags & (PF_KTHREAD | PF_EXITING | PF_IO_WORKER));
}

/* ioeventfd written (eventfd wait queue lock held, interrupts off). */
static int nm_kloop_io_wake(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct nm_kloop_ring *r = container_of(wait, struct nm_kloop_ring, io_wait);
	struct nm_kloop_run *run = r->run;

	if (!(key_to_poll(key) & EPOLLIN))
		return 0;
	if (r->direct && nm_kloop_direct_here(run)) {
		if (test_and_set_bit(0, &r->work_queued))
			return 0;	/* queued and not started: it will see this kick */
		atomic_inc(&run->works);
		init_task_work(&r->work, nm_kloop_direct_work);
		if (!task_work_add(current, &r->work, TWA_RESUME))
			return 0;
		clear_bit(0, &r->work_queued);
		atomic_dec(&run->works);
	}
	if (r->direct)
		set_bit(0, &r->fallback);
	nm_kloop_kick(run);
	return 0;
}

/* The port notified one of our rings (any context). */
static int nm_kloop_port_wake(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct nm_kloop_ring *r = container_of(wait, struct nm_kloop_ring, port_wait);
	struct nm_kloop_run *run = r->run;

	if (r->direct)
		set_bit(0, &run->port_note[r->kring->dir]);
	nm_kloop_kick(run);
	return 0;
}

/* ---- setting up and tearing down -------------------------------------- */

struct nm_kloop_pt {
	poll_table pt;
	struct nm_kloop_ring *r;
};

/* vfs_poll() of the ioeventfd tells us its wait queue. */
static void nm_kloop_io_queue(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct nm_kloop_ring *r = container_of(pt, struct nm_kloop_pt, pt)->r;

	r->io_wqh = wqh;
	add_wait_queue(wqh, &r->io_wait);
}

/* Entry @j's ioeventfd and irqfd from the EVENTFDS body @efds. */
static int nm_kloop_get_fds(struct nm_kloop_run *run, struct nm_kloop_ring *r,
			    const void *efds, u32 j)
{
	s32 fds[2];

	memcpy(fds, efds + j * sizeof(fds), sizeof(fds));
	if (fds[1] >= 0) {
		r->irq = eventfd_ctx_fdget(fds[1]);
		if (IS_ERR(r->irq)) {
			int err = PTR_ERR(r->irq);

			r->irq = NULL;
			return err;
		}
	}
	if (run->notify) {
		r->io = eventfd_fget(fds[0]);
		if (IS_ERR(r->io)) {
			int err = PTR_ERR(r->io);

			r->io = NULL;
			return err;
		}
	}
	return 0;
}

/* Sleep mode unless every ring has an ioeventfd. */
static bool nm_kloop_all_io(const void *efds, u32 n)
{
	u32 j;

	for (j = 0; j < n; j++) {
		s32 fds[2];

		memcpy(fds, efds + j * sizeof(fds), sizeof(fds));
		if (fds[0] < 0)
			return false;
	}
	return true;
}

static void nm_kloop_free_run(struct nm_kloop_run *run)
{
	u32 j;

	for (j = 0; j < run->n; j++) {
		struct nm_kloop_ring *r = &run->ring[j];

		if (r->io)
			fput(r->io);
		if (r->irq)
			eventfd_ctx_put(r->irq);
		mutex_destroy(&r->lock);
	}
	nm_csb_put(run->csb);
	kvfree(run);
}

/* Check the options of START against the CSB and collect the eventfds. */
static int nm_kloop_make_run(struct nm_priv *priv, struct nm_csb *csb,
			     struct nm_kloop_req *req, struct nm_kloop_run **runp)
{
	const u32 ntx = csb->n[NM_TX], n = csb->n[NM_TX] + csb->n[NM_RX];
	struct nm_kloop_run *run;
	u32 mode = 0, j;
	int err = 0;

	if (req->mode) {
		mode = *req->mode;
		*req->mode_status = 0;
		if (mode & ~(NM_OPT_SYNC_KLOOP_DIRECT_TX | NM_OPT_SYNC_KLOOP_DIRECT_RX)) {
			*req->mode_status = EINVAL;
			return -EINVAL;
		}
	}
	if (req->efds) {
		*req->efds_status = 0;
		if (req->efds_size != sizeof(struct nmreq_opt_sync_kloop_eventfds) + 8ULL * n) {
			nm_dbg("EVENTFDS: %llu bytes for %u rings\n", req->efds_size, n);
			*req->efds_status = EINVAL;
			return -EINVAL;
		}
		if (mode && !nm_kloop_all_io(req->efds, n)) {
			nm_dbg("direct mode needs every ioeventfd\n");
			*req->efds_status = EINVAL;
			return -EINVAL;
		}
	}
	run = kvzalloc(struct_size(run, ring, n), GFP_KERNEL_ACCOUNT);
	if (!run)
		return -ENOMEM;
	run->n = n;
	run->csb = csb;
	run->sleep_us = req->sleep_us;
	/* Without EVENTFDS, direct bits are ignored: nothing could kick us. */
	run->notify = req->efds && nm_kloop_all_io(req->efds, n);
	atomic_set(&run->works, 0);
	for (j = 0; j < n; j++) {
		struct nm_kloop_ring *r = &run->ring[j];
		const enum nm_dir d = j < ntx ? NM_TX : NM_RX;

		r->run = run;
		r->kring = &priv->port->krings[d][priv->first[d] + (d == NM_TX ? j : j - ntx)];
		r->atok = &csb->atok[j];
		r->ktoa = &csb->ktoa[j];
		r->direct = run->notify &&
			    (mode & (d == NM_TX ? NM_OPT_SYNC_KLOOP_DIRECT_TX :
						  NM_OPT_SYNC_KLOOP_DIRECT_RX));
		mutex_init(&r->lock);
		if (req->efds && !err)
			err = nm_kloop_get_fds(run, r, req->efds, j);
	}
	if (err) {
		*req->efds_status = -err;
		run->csb = NULL;	/* the caller's reference */
		nm_kloop_free_run(run);
		return err;
	}
	*runp = run;
	return 0;
}

/* Hook the wait queue entries (notification mode). */
static void nm_kloop_arm(struct nm_kloop_run *run)
{
	u32 j;

	if (!run->notify)
		return;
	for (j = 0; j < run->n; j++) {
		struct nm_kloop_ring *r = &run->ring[j];
		struct nm_kloop_pt pt = { .r = r };

		/* The first pass syncs every ring: a kick may have come already. */
		if (r->direct)
			set_bit(0, &r->fallback);

		init_waitqueue_func_entry(&r->io_wait, nm_kloop_io_wake);
		init_poll_funcptr(&pt.pt, nm_kloop_io_queue);
		vfs_poll(r->io, &pt.pt);
		init_waitqueue_func_entry(&r->port_wait, nm_kloop_port_wake);
		r->port_wqh = &r->kring->os.wq;
		add_wait_queue(r->port_wqh, &r->port_wait);
	}
}

/* Unhook, then wait for direct work already queued (bounded, see top). */
static void nm_kloop_disarm(struct nm_kloop_run *run)
{
	u32 j;

	WRITE_ONCE(run->stopped, true);
	for (j = 0; j < run->n; j++) {
		struct nm_kloop_ring *r = &run->ring[j];

		if (r->io_wqh)
			remove_wait_queue(r->io_wqh, &r->io_wait);
		if (r->port_wqh)
			remove_wait_queue(r->port_wqh, &r->port_wait);
	}
	wait_var_event(&run->works, !atomic_read(&run->works));
}

/* ---- the loop --------------------------------------------------------- */

static void nm_kloop_wait(struct nm_kloop_run *run)
{
	set_current_state(TASK_INTERRUPTIBLE);
	if (READ_ONCE(run->kl->stop) || signal_pending(current)) {
		__set_current_state(TASK_RUNNING);
		return;
	}
	if (run->notify) {
		if (!atomic_xchg(&run->kicked, 0))
			schedule_timeout(NM_KLOOP_TIMEOUT);
	} else if (run->sleep_us) {
		ktime_t t = ns_to_ktime((u64)run->sleep_us * NSEC_PER_USEC);

		schedule_hrtimeout(&t, HRTIMER_MODE_REL);
	}
	__set_current_state(TASK_RUNNING);
	cond_resched();
}

/* A direct direction the port notified: its irqfds, if asked for. */
static void nm_kloop_port_notes(struct nm_kloop_run *run)
{
	u32 j;

	for (j = 0; j < run->n; j++) {
		struct nm_kloop_ring *r = &run->ring[j];

		if (r->direct && r->irq && test_bit(0, &run->port_note[r->kring->dir]) &&
		    READ_ONCE(r->atok->appl_need_kick))
			nm_eventfd_signal(r->irq);
	}
	clear_bit(0, &run->port_note[NM_TX]);
	clear_bit(0, &run->port_note[NM_RX]);
}

static int nm_kloop_loop(struct nm_kloop_run *run)
{
	for (;;) {
		u32 j;

		if (READ_ONCE(run->kl->stop))
			return 0;
		if (signal_pending(current))
			return -EINTR;
		for (j = 0; j < run->n; j++) {
			struct nm_kloop_ring *r = &run->ring[j];
			int err;

			if (r->direct && !test_and_clear_bit(0, &r->fallback))
				continue;
			err = nm_kloop_ring_locked(run, r);
			if (err)
				return err;
		}
		nm_kloop_port_notes(run);
		nm_kloop_wait(run);
	}
}

int nm_kloop_start(struct nm_priv *priv, struct nm_kloop_req *req)
{
	struct nm_kloop_run *run;
	struct nm_kloop *kl;
	struct nm_csb *csb;
	int err;

	if (req->sleep_us > NM_KLOOP_MAX_SLEEP_US)
		return -EINVAL;
	if (!nm_priv_bound(priv))
		return -ENXIO;
	kl = nm_kloop_get(priv);
	if (!kl)
		return -ENOMEM;
	spin_lock(&kl->lock);
	if (!kl->csb) {
		spin_unlock(&kl->lock);
		nm_dbg("%s: SYNC_KLOOP_START needs CSB mode\n", priv->port->name);
		return -EINVAL;
	}
	if (kl->run || kl->starting) {
		spin_unlock(&kl->lock);
		return -EBUSY;
	}
	kl->starting = true;
	csb = kl->csb;
	kref_get(&csb->ref);
	spin_unlock(&kl->lock);

	err = nm_kloop_make_run(priv, csb, req, &run);
	if (err) {
		nm_csb_put(csb);
	} else {
		run->kl = kl;
		run->task = current;
		run->mm = current->mm;
		run->files = current->files;
		nm_kloop_arm(run);
		spin_lock(&kl->lock);
		kl->run = run;
		kl->starting = false;
		spin_unlock(&kl->lock);
		err = nm_kloop_loop(run);
		/* STOP and flush look at kl->run under the lock: gone before it is freed. */
		spin_lock(&kl->lock);
		kl->run = NULL;
		kl->starting = true;
		spin_unlock(&kl->lock);
		nm_kloop_disarm(run);
		nm_kloop_free_run(run);
	}
	spin_lock(&kl->lock);
	kl->starting = false;
	kl->stop = false;
	spin_unlock(&kl->lock);
	wake_up_all(&kl->done);
	return err;
}

static bool nm_kloop_idle(const struct nm_kloop *kl)
{
	return !READ_ONCE(kl->run) && !READ_ONCE(kl->starting);
}

int nm_kloop_stop(struct nm_priv *priv)
{
	struct nm_kloop *kl;
	bool busy;

	if (!nm_priv_bound(priv))
		return -ENXIO;
	kl = nm_kloop_get(priv);
	if (!kl)
		return -ENOMEM;
	spin_lock(&kl->lock);
	kl->stop = true;	/* sticky: a START that comes later returns at once */
	if (kl->run)
		wake_up_process(kl->run->task);
	busy = kl->run || kl->starting;
	spin_unlock(&kl->lock);
	if (busy && wait_event_interruptible(kl->done, nm_kloop_idle(kl)))
		return -EINTR;
	return 0;
}

void nm_kloop_flush(struct nm_priv *priv)
{
	struct nm_kloop *kl = smp_load_acquire(&priv->kloop);

	if (!kl)
		return;
	spin_lock(&kl->lock);
	if (kl->run && kl->run->files == current->files) {
		kl->stop = true;
		wake_up_process(kl->run->task);
	}
	spin_unlock(&kl->lock);
}

void nm_kloop_release(struct nm_priv *priv)
{
	struct nm_kloop *kl = priv->kloop;

	if (!kl)
		return;
	/* A loop holds the file: none can run at release. */
	WARN_ON_ONCE(kl->run || kl->starting);
	nm_csb_put(kl->csb);
	kfree(kl);
	priv->kloop = NULL;
}
