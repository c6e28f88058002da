/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CSB mode and the kernel sync loop of a bound fd (NETMAP-ABI §4,
 * LIBRARIES-AND-FEATURES §3.3).
 *
 * csb.c: the Communication Status Block, two arrays in the application's
 * memory (nm_csb_atok written by the application, nm_csb_ktoa by us), one
 * entry per bound ring, TX rings first. The pages are pinned and mapped
 * into the kernel when the CSB is enabled (REGISTER with NETMAP_REQ_OPT_CSB,
 * or CSB_ENABLE), never while nm_ctrl_lock is held, so the loop reads and
 * writes them from any context without a page fault. An fd in CSB mode is
 * synced only by its loop: NIOCTXSYNC/NIOCRXSYNC are -EBUSY, poll() EPOLLERR.
 *
 * kloop.c: SYNC_KLOOP_START runs the loop in the calling thread, on the
 * rings this fd has bound and nothing else, until SYNC_KLOOP_STOP on the
 * same fd, a close() of the fd by the looping process, or a signal
 * (-EINTR). It holds no lock while it sleeps.
 *
 * Lifetime: struct nm_kloop is made on first use by a bound fd and freed at
 * release() (nm_kloop_release(), before the port is unbound); its lock
 * guards csb, run, starting and stop.
 */
#ifndef NM_KLOOP_H
#define NM_KLOOP_H

#include <linux/kref.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "port.h"

struct nm_kloop_run;

/* Pinned user pages mapped into the kernel: one CSB array. */
struct nm_csb_pin {
	void *base;			/* vmap() of pages */
	struct page **pages;
	u32 npages;
};

/* An enabled CSB (immutable once made; replaced whole by CSB_ENABLE). */
struct nm_csb {
	struct kref ref;
	u32 n[NM_NDIR];			/* bound rings per direction: TX entries first */
	struct nm_csb_atok *atok;	/* n[TX] + n[RX] entries, application writes */
	struct nm_csb_ktoa *ktoa;	/* the same, we write */
	struct nm_csb_pin pin[2];
};

struct nm_kloop {
	spinlock_t lock;
	bool csb_on;			/* csb != NULL, read without the lock by syncs */
	struct nm_csb *csb;		/* reference */
	struct nm_kloop_run *run;	/* the running loop */
	bool starting;			/* a START between its checks and its loop */
	bool stop;			/* STOP seen; cleared when START returns */
	wait_queue_head_t done;		/* STOP waits here for the loop to end */
};

/* Is @priv in CSB mode? (The sync ioctls and poll refuse it.) */
static inline bool nm_csb_mode(const struct nm_priv *priv)
{
	const struct nm_kloop *kl = smp_load_acquire(&priv->kloop);

	return kl && READ_ONCE(kl->csb_on);
}

/* The user pointers of a NETMAP_REQ_OPT_CSB body. */
struct nm_csb_req {
	u64 atok, ktoa;
};

/* What SYNC_KLOOP_START got: its body and its options (ctrl.c). */
struct nm_kloop_req {
	u32 sleep_us;
	const u32 *mode;		/* NETMAP_REQ_OPT_SYNC_KLOOP_MODE body, or NULL */
	u32 *mode_status;
	const void *efds;		/* NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS entries, or NULL */
	u64 efds_size;			/* its nro_size */
	u32 *efds_status;
};

/* csb.c */

/*
 * Enable CSB mode on @priv, bound by the caller's REGISTER (not published
 * yet) or published: validate and pin @req (NR_EXCLUSIVE, 64-byte alignment:
 * -EINVAL; memory: -EFAULT), write the initial entries. No bound ring: 0 and
 * nothing changes. A running loop: -EBUSY. Sleeps; no lock held.
 */
int nm_csb_enable(struct nm_priv *priv, const struct nm_csb_req *req);
/* CSB_ENABLE: nm_csb_enable() on a published binding; unbound: 0. */
int nm_csb_enable_req(struct nm_priv *priv, const struct nm_csb_req *req);
/* Drop the reference (process context). */
void nm_csb_put(struct nm_csb *csb);

/* kloop.c */

/* The fd's state, made if needed (-ENOMEM as NULL). */
struct nm_kloop *nm_kloop_get(struct nm_priv *priv);
int nm_kloop_start(struct nm_priv *priv, struct nm_kloop_req *req);
int nm_kloop_stop(struct nm_priv *priv);
/* close() of the fd: a loop of the closing process stops. */
void nm_kloop_flush(struct nm_priv *priv);
/* release() and REGISTER undo: no loop runs; frees the state. */
void nm_kloop_release(struct nm_priv *priv);

#endif /* NM_KLOOP_H */
