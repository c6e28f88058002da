/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * monitor_sync.h - the datapath of netmap monitors (OS-independent). The
 * ports, names, lifetime and RCU grace periods are kernel/monitor.c.
 *
 * A monitored kring gets a wrapper in kring->nm_sync (nm_mon_sync) while at
 * least one monitor is attached to it; the port's own sync is saved in
 * kring->mon.sync. The wrapper runs with the monitored kring's busy bit, as
 * any sync, calls the saved sync and hands frames to the monitors:
 *
 *   copy, TX ring:  before the sync, a copy of [next, head): the slots the
 *       sync is about to send. Before, not after: a pipe's txsync swaps the
 *       frame's buffer away into the peer's ring. A slot is copied once
 *       (mon.copy_next remembers how far we got when a sync leaves some of
 *       them for later); copying stops at the first slot the sync will
 *       refuse (bad buf_idx or len). Copies carry NS_TXMON.
 *   copy, RX ring:  every slot that arrived, [next, hwtail), as it
 *       arrives: the kring's notify is hooked (nm_mon_rx_notify) while it
 *       has copy monitors, so whatever delivers frames (a pipe peer's
 *       txsync, the VALE forwarder, a NIC's receive path) has them copied
 *       at once, whether or not the port's user ever syncs. The hook takes
 *       the busy bit with NM_OS_BUSY_MON (a sync that meets it waits for
 *       the copy instead of failing with -EBUSY); a NIC's frames wait in
 *       its queue until an rxsync, so for a NIC (set->force_read) the hook
 *       first runs the port's rxsync without releasing anything (netmap's
 *       forced read). If a sync holds the bit, the hook leaves a pending
 *       flag and that sync copies once more after it lets go
 *       (nm_mon_rx_recheck()). The wrapper also copies before and after
 *       each sync, so a slot is always copied before the user can give it
 *       back. Monitoring starts at the hwtail of the moment it is attached.
 *   zero-copy, NM_MON_Z_AFTER (TX ring of a port whose TX slots keep the
 *       frame after the send: VALE, NIC): after the sync, the slots it
 *       released, (rtail, hwtail], not yet shown to the user, swap their
 *       buffer with a free one of the monitor.
 *   zero-copy, NM_MON_Z_RELEASE (RX ring; for a pipe end's TX, the peer's
 *       RX ring): before the sync, the slots the user gave back,
 *       [hwcur, head), swap their buffer with a free one of the monitor;
 *       the sync then returns the monitor's buffer to the sender.
 *
 * A monitor RX ring (struct nm_mon_ring) may be fed by several monitored
 * krings at once (/rt: TX ring i and RX ring i): writers take its lock once
 * per batch (_bh in the kernel: a NIC sync may run in softirq), write slots
 * from hwtail on, and publish hwtail with smp_store_release(). The
 * monitor's own rxsync gives slots back by publishing hwcur with
 * smp_store_release(); writers read it with smp_load_acquire(). A full
 * monitor ring drops (counted) and never blocks the monitored port. The
 * monitor's slots are untrusted: a bad buf_idx there gets an empty slot
 * (len 0, counted in errs) instead of a frame.
 *
 * The set of monitors of a kring (struct nm_mon_set) is immutable once
 * published: the control path builds a new one (nm_mon_set_add/del), publishes
 * it with nm_mon_publish() and frees the old one after an RCU grace period.
 * The wrapper reads it under nm_os_rcu_read_lock(), which is not held
 * across the port's own sync (it needs nothing from the set there).
 * Epochs: when copy (or zero-copy) monitoring of a kring starts, the set
 * gets a new epoch and the wrapper restarts its index from the kring's
 * state; adding a second monitor keeps the epoch, so the first one neither
 * loses nor repeats frames.
 */
#ifndef NM_MONITOR_SYNC_H
#define NM_MONITOR_SYNC_H

#include "kring.h"

#ifdef NM_USERSPACE
#define nm_mon_lock(l)		nm_os_lock(l)
#define nm_mon_unlock(l)	nm_os_unlock(l)
#else
#define nm_mon_lock(l)		spin_lock_bh(l)
#define nm_mon_unlock(l)	spin_unlock_bh(l)
#endif

#define NM_MON_MAX_COPY		16	/* copy monitors per monitored kring */

/* One RX ring of a monitor: where the frames go. */
struct nm_mon_ring {
	nm_os_lock_t lock;		/* writers, once per batch */
	struct nm_kring *kring;		/* the monitor's RX kring */
	u64 pkts, bytes, drops, errs;	/* under lock */
} NM_CACHE_ALIGNED;

enum nm_mon_zmode {
	NM_MON_Z_NONE = 0,
	NM_MON_Z_AFTER,			/* TX ring: swap released slots after the sync */
	NM_MON_Z_RELEASE,		/* RX ring: swap given-back slots before the sync */
};

/* The monitors of one kring; immutable once published. */
struct nm_mon_set {
	u32 copy_epoch, z_epoch;
	u16 copy_flags;			/* NS_TXMON for a TX ring */
	u16 z_flags;			/* NS_TXMON if the frames were sent */
	u8 zmode;			/* enum nm_mon_zmode */
	bool force_read;		/* RX: the arrival hook runs the port's rxsync first */
	struct nm_mon_ring *z;		/* zero-copy monitor, or NULL */
	u32 ncopy;
	struct nm_mon_ring *copy[NM_MON_MAX_COPY];
};

/* The monitor's RX ring @r, for RX kring @k: empty, no frames. */
void nm_mon_ring_init(struct nm_mon_ring *r, struct nm_kring *k);

/*
 * Set building (control path; the caller allocates @nw, zeroed). @old may
 * be NULL. nm_mon_set_add(): @old plus @r as a copy target (@zmode 0) or as
 * the zero-copy target (@zmode, @zflags); -EBUSY if there is one already,
 * -ENOSPC if NM_MON_MAX_COPY copy targets are there. @epoch is used when a
 * kind of monitoring starts. nm_mon_set_del(): @old without @r (as any
 * target); returns true if @nw is empty (publish NULL instead).
 */
int nm_mon_set_add(struct nm_mon_set *nw, const struct nm_mon_set *old, enum nm_dir dir,
		   struct nm_mon_ring *r, enum nm_mon_zmode zmode, u16 zflags, u32 epoch);
bool nm_mon_set_del(struct nm_mon_set *nw, const struct nm_mon_set *old,
		    const struct nm_mon_ring *r);

/*
 * Publish @set (NULL: no monitors) on @k: installs nm_mon_sync in nm_sync
 * when @k had no set, puts the saved sync back when @set is NULL; on an RX
 * kring hooks notify while @set has copy monitors (and starts copying at
 * the current hwtail when the first one comes). Control
 * path; the caller frees the previous set after a grace period (readers may
 * still use it) and, for NULL, knows that syncs already running may still
 * be inside nm_mon_sync (which then just calls the saved sync).
 */
void nm_mon_publish(struct nm_kring *k, struct nm_mon_set *set);

/* The wrapper installed in a monitored kring's nm_sync. */
int nm_mon_sync(struct nm_kring *k);

/*
 * The notify hook of an RX kring with copy monitors: copies what arrived
 * (see above), then calls the port's own notify. Any context but hard
 * interrupts; never sleeps, never waits for the busy bit.
 */
void nm_mon_rx_notify(struct nm_kring *k);

/* After a sync released @k's busy bit: copy what its hook left pending. */
void nm_mon_rx_recheck(struct nm_kring *k);

/* rxsync of a monitor's RX ring: the user gave back [hwcur, head). */
int nm_mon_rxsync(struct nm_kring *k);

#endif /* NM_MONITOR_SYNC_H */
