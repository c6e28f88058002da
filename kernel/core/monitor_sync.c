// SPDX-License-Identifier: BSD-2-Clause
/*
 * monitor_sync.c - the datapath of netmap monitors, OS-independent: the
 * sync wrapper of monitored krings, copies and buffer swaps into monitor
 * rings, the monitor's rxsync, and the building and publishing of monitor
 * sets. See monitor_sync.h for the protocol and who writes what.
 */
#ifndef NM_USERSPACE
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#endif

#include "monitor_sync.h"

void nm_mon_ring_init(struct nm_mon_ring *r, struct nm_kring *k)
{
	nm_os_lock_init(&r->lock);
	r->kring = k;
	r->pkts = r->bytes = r->drops = r->errs = 0;
}

/* Free slots of the monitor ring from @tail on (writer, under r->lock). */
static inline u32 nm_mon_space(struct nm_kring *mk, u32 tail)
{
	const u32 mn = mk->num_slots;

	/* Pairs with smp_store_release() in nm_mon_rxsync(). */
	return nm_kring_dist(tail, nm_kring_prev(smp_load_acquire(&mk->nr_hwcur), mn), mn);
}

/*
 * A hint, without the writers' lock: has the monitor ring a free slot? A
 * stale answer only drops frames that might have fit, as a full ring does.
 */
static inline bool nm_mon_has_room(struct nm_kring *mk)
{
	return nm_mon_space(mk, READ_ONCE(mk->nr_hwtail)) != 0;
}

/*
 * Copy the frames in slots [from, to) of @k into monitor ring @r; what does
 * not fit is dropped. A source slot with a bad index (an RX slot the user
 * overwrote) is skipped; a monitor slot with a bad index gets len 0.
 */
static void nm_mon_copy(struct nm_kring *k, u32 from, u32 to, struct nm_mon_ring *r, u16 mflags)
{
	struct nm_kring *mk = r->kring;
	struct netmap_slot *ss = k->ring->slot, *ms = mk->ring->slot;
	const u32 n = k->num_slots, mn = mk->num_slots;
	const u32 sbs = k->buf_size, mbs = mk->buf_size;
	u64 pkts = 0, bytes = 0, errs = 0;
	u32 tail, space, j;

	nm_mon_lock(&r->lock);
	tail = mk->nr_hwtail;		/* we are its only writer, under the lock */
	space = nm_mon_space(mk, tail);
	nm_prefetch(&ss[from]);
	for (j = from; j != to && space; j = nm_kring_next(j, n)) {
		const struct netmap_slot *s = &ss[j];
		struct netmap_slot *d = &ms[tail];
		const u32 sidx = READ_ONCE(s->buf_idx);
		const u32 didx = READ_ONCE(d->buf_idx);
		const u16 fl = READ_ONCE(s->flags);
		u32 len = READ_ONCE(s->len), soff, doff;

		nm_prefetch(&ss[nm_kring_next(j, n)]);
		if (unlikely(!nm_os_buf_valid(k->mem, sidx))) {
			errs++;
			continue;
		}
		/* OPT_OFFSETS on either side: from and to the slots' offsets. */
		soff = nm_slot_rx_off(k, s);
		doff = nm_slot_rx_off(mk, d);

		if (unlikely(len > sbs - soff))
			len = sbs - soff;
		if (unlikely(len > mbs - doff))
			len = mbs - doff;
		if (likely(nm_os_buf_valid(mk->mem, didx))) {
			__builtin_memcpy((u8 *)nm_os_buf_addr(mk->mem, didx) + doff,
					 (const u8 *)nm_os_buf_addr(k->mem, sidx) + soff, len);
		} else {
			len = 0;
			errs++;
		}
		d->len = len;
		d->flags = (fl & NS_MOREFRAG) | mflags;
		tail = nm_kring_next(tail, mn);
		space--;
		pkts++;
		bytes += len;
	}
	/* The slots above are written before the monitor can see them. */
	smp_store_release(&mk->nr_hwtail, tail);
	r->pkts += pkts;
	r->bytes += bytes;
	r->drops += nm_kring_dist(j, to, n);
	r->errs += errs;
	nm_mon_unlock(&r->lock);
	if (pkts)
		mk->notify(mk);
}

/*
 * Zero-copy: give the frames in slots [from, to) of @k to monitor ring @r
 * by swapping buffers; @k's slots get the monitor's free buffers (same
 * region). What does not fit keeps its buffer (dropped for the monitor).
 * @release: the slots were given back by an RX user; one marked NS_FORWARD
 * keeps its frame, which the port's rxsync may still pass on (dropped for
 * the monitor).
 */
static void nm_mon_swap(struct nm_kring *k, u32 from, u32 to, struct nm_mon_ring *r, u16 mflags,
			bool release)
{
	struct nm_kring *mk = r->kring;
	struct netmap_slot *ss = k->ring->slot, *ms = mk->ring->slot;
	const u32 n = k->num_slots, mn = mk->num_slots;
	const u32 sbs = k->buf_size, mbs = mk->buf_size;
	u64 pkts = 0, bytes = 0, errs = 0, drops = 0;
	u32 tail, space, j;

	nm_mon_lock(&r->lock);
	tail = mk->nr_hwtail;
	space = nm_mon_space(mk, tail);
	for (j = from; j != to && space; j = nm_kring_next(j, n)) {
		struct netmap_slot *s = &ss[j];
		struct netmap_slot *d = &ms[tail];
		const u32 sidx = READ_ONCE(s->buf_idx);
		const u32 didx = READ_ONCE(d->buf_idx);
		const u16 fl = READ_ONCE(s->flags);
		u32 len = READ_ONCE(s->len);

		nm_prefetch(&ss[nm_kring_next(j, n)]);
		if (unlikely(!nm_os_buf_valid(k->mem, sidx))) {
			errs++;
			continue;
		}
		if (unlikely(fl & NS_FORWARD) && release) {
			/* The port's rxsync may still pass it on (a NIC's transparent mode). */
			drops++;
			continue;
		}
		if (unlikely(!nm_os_buf_valid(mk->mem, didx))) {
			/* No buffer to give back: the monitor gets an empty slot. */
			d->len = 0;
			d->flags = mflags;
			errs++;
			drops++;
		} else {
			if (unlikely(len > sbs))
				len = sbs;
			if (unlikely(len > mbs))
				len = mbs;
			d->buf_idx = sidx;
			d->len = len;
			d->flags = (fl & NS_MOREFRAG) | mflags | NS_BUF_CHANGED;
			s->buf_idx = didx;
			s->flags = fl | NS_BUF_CHANGED;
			pkts++;
			bytes += len;
		}
		tail = nm_kring_next(tail, mn);
		space--;
	}
	smp_store_release(&mk->nr_hwtail, tail);
	r->pkts += pkts;
	r->bytes += bytes;
	r->drops += drops + nm_kring_dist(j, to, n);
	r->errs += errs;
	nm_mon_unlock(&r->lock);
	if (pkts || errs)
		mk->notify(mk);
}

/*
 * TX, before the sync: copy [next, head), up to the first slot the sync
 * will refuse (it stops there too). If every monitor is full, the slots are
 * counted as dropped without being looked at; should the sync then stop
 * early on a bad slot, next falls outside [hwcur, head] and restarts at
 * hwcur: those slots were never copied, so nothing is copied twice.
 */
static void nm_mon_tx_copy(struct nm_kring *k, const struct nm_mon_set *s)
{
	const struct netmap_slot *ts = k->ring->slot;
	const u32 n = k->num_slots, head = k->rhead, hwcur = k->nr_hwcur;
	u32 from = k->mon.copy_next, to, i;

	if (s->copy_epoch != k->mon.copy_epoch ||
	    nm_kring_dist(hwcur, from, n) > nm_kring_dist(hwcur, head, n)) {
		k->mon.copy_epoch = s->copy_epoch;
		from = hwcur;
	}
	for (i = 0; i < s->ncopy && !nm_mon_has_room(s->copy[i]->kring); i++)
		;
	if (unlikely(i == s->ncopy)) {
		/* Every monitor is full: all dropped, no need to look at the slots. */
		to = head;
	} else {
		for (to = from; to != head; to = nm_kring_next(to, n)) {
			const u32 idx = READ_ONCE(ts[to].buf_idx);

			if (unlikely(!nm_os_buf_valid(k->mem, idx) ||
				     READ_ONCE(ts[to].len) > k->buf_size))
				break;
		}
	}
	if (to != from)
		for (i = 0; i < s->ncopy; i++)
			nm_mon_copy(k, from, to, s->copy[i], s->copy_flags);
	k->mon.copy_next = to;
}

/*
 * RX: copy what arrived and was not copied yet, [next, hwtail). Busy bit
 * held (by a sync or by the arrival hook). next was set to the hwtail of
 * the moment the first copy monitor came (nm_mon_publish()) and stays in
 * [hwcur, hwtail]: every slot is copied before a sync can release it.
 */
static void nm_mon_rx_copy(struct nm_kring *k, const struct nm_mon_set *s)
{
	const u32 n = k->num_slots, hwcur = k->nr_hwcur;
	/* Pairs with the writer's smp_store_release(): the slots come first. */
	const u32 tail = smp_load_acquire(&k->nr_hwtail);
	u32 from = k->mon.copy_next, i;

	if (unlikely(nm_kring_dist(hwcur, from, n) > nm_kring_dist(hwcur, tail, n)))
		from = tail;	/* cannot happen; copy nothing rather than garbage */
	if (from != tail)
		for (i = 0; i < s->ncopy; i++)
			nm_mon_copy(k, from, tail, s->copy[i], s->copy_flags);
	k->mon.copy_next = tail;
}

/*
 * TX zero-copy, after the sync: the slots it released and the user does
 * not own yet, (rtail, hwtail] (netmap's [hwtail + 1, new hwtail + 1)).
 */
static void nm_mon_z_after(struct nm_kring *k, const struct nm_mon_set *s)
{
	const u32 n = k->num_slots;
	const u32 lo = nm_kring_next(k->rtail, n);
	const u32 to = nm_kring_next(smp_load_acquire(&k->nr_hwtail), n);
	u32 from = k->mon.z_next;

	if (s->z_epoch != k->mon.z_epoch || nm_kring_dist(lo, from, n) > nm_kring_dist(lo, to, n)) {
		/* New, or slots were shown to the user before we saw them. */
		k->mon.z_epoch = s->z_epoch;
		from = lo;
	}
	if (from != to)
		nm_mon_swap(k, from, to, s->z, s->z_flags, false);
	k->mon.z_next = to;
}

int nm_mon_sync(struct nm_kring *k)
{
	const struct nm_mon_set *s;
	nm_sync_fn sync;
	int err;

	/*
	 * We were called through nm_sync; the saved sync was stored before
	 * nm_sync pointed here (nm_mon_publish()), and is never changed while
	 * it does.
	 */
	(void)smp_load_acquire(&k->nm_sync);
	sync = READ_ONCE(k->mon.sync);

	nm_os_rcu_read_lock();
	s = nm_os_rcu_dereference(k->mon.set);
	if (s && k->dir == NM_TX) {
		if (s->ncopy)
			nm_mon_tx_copy(k, s);
	} else if (s) {
		if (s->ncopy)
			nm_mon_rx_copy(k, s);
		/* Copies first: a released slot was copied before it is swapped. */
		if (s->zmode == NM_MON_Z_RELEASE && k->nr_hwcur != k->rhead)
			nm_mon_swap(k, k->nr_hwcur, k->rhead, s->z, s->z_flags, true);
	}
	nm_os_rcu_read_unlock();

	err = sync(k);

	nm_os_rcu_read_lock();
	s = nm_os_rcu_dereference(k->mon.set);
	if (s) {
		if (k->dir == NM_RX && s->ncopy)
			nm_mon_rx_copy(k, s);
		if (s->zmode == NM_MON_Z_AFTER)
			nm_mon_z_after(k, s);
	}
	nm_os_rcu_read_unlock();
	return err;
}

/* Rounds of the arrival hook before it leaves the rest to the next notify or sync. */
#define NM_MON_HOOK_ROUNDS	16

/*
 * Copy what arrived on monitored RX kring @k unless a sync holds the busy
 * bit (it looks at the pending flag after letting go). Caller set the
 * flag (and a full barrier) before.
 */
static void nm_mon_rx_run(struct nm_kring *k)
{
	u32 rounds = NM_MON_HOOK_ROUNDS;

	nm_os_preempt_disable();	/* a sync may be spinning on our bit */
	while (nm_os_tryget_mon(&k->busy)) {
		while (rounds && nm_os_flag_test_and_clear(&k->mon.pending)) {
			const struct nm_mon_set *s;

			rounds--;
			nm_os_rcu_read_lock();
			s = nm_os_rcu_dereference(k->mon.set);
			if (s && s->ncopy) {
				/* A NIC's frames wait in its queue: a forced read brings them in. */
				if (s->force_read)
					(void)READ_ONCE(k->mon.sync)(k);
				nm_mon_rx_copy(k, s);
			}
			nm_os_rcu_read_unlock();
		}
		nm_os_put_mon(&k->busy);
		smp_mb();	/* bit released before the flag test; pairs with nm_os_flag_set() */
		if (!rounds || !nm_os_flag_test(&k->mon.pending))
			break;
	}
	nm_os_preempt_enable();
}

void nm_mon_rx_notify(struct nm_kring *k)
{
	nm_os_flag_set(&k->mon.pending);
	/* With interrupts off (never on our paths today) the next sync copies. */
	if (likely(nm_os_ctx_ok()))
		nm_mon_rx_run(k);
	READ_ONCE(k->mon.notify)(k);
}

void nm_mon_rx_recheck(struct nm_kring *k)
{
	smp_mb();	/* our bit release before the flag test */
	if (nm_os_flag_test(&k->mon.pending))
		nm_mon_rx_run(k);
}

int nm_mon_rxsync(struct nm_kring *k)
{
	const u32 head = k->rhead;

	if (head == k->nr_hwcur)
		return 0;
	k->stat_pkts += nm_kring_dist(k->nr_hwcur, head, k->num_slots);
	/* The user's reads of [hwcur, head) happened before this sync. */
	smp_store_release(&k->nr_hwcur, head);
	return 0;
}

/* ---- control path ----------------------------------------------------- */

int nm_mon_set_add(struct nm_mon_set *nw, const struct nm_mon_set *old, enum nm_dir dir,
		   struct nm_mon_ring *r, enum nm_mon_zmode zmode, u16 zflags, u32 epoch)
{
	if (old)
		*nw = *old;
	nw->copy_flags = dir == NM_TX ? NS_TXMON : 0;
	if (zmode != NM_MON_Z_NONE) {
		if (nw->z)
			return -EBUSY;
		nw->z = r;
		nw->zmode = zmode;
		nw->z_flags = zflags;
		nw->z_epoch = epoch;
		return 0;
	}
	if (nw->ncopy >= NM_MON_MAX_COPY)
		return -ENOSPC;
	if (!nw->ncopy)
		nw->copy_epoch = epoch;
	nw->copy[nw->ncopy++] = r;
	return 0;
}

bool nm_mon_set_del(struct nm_mon_set *nw, const struct nm_mon_set *old,
		    const struct nm_mon_ring *r)
{
	u32 i, j;

	*nw = *old;
	if (nw->z == r) {
		nw->z = NULL;
		nw->zmode = NM_MON_Z_NONE;
		nw->z_flags = 0;
	}
	for (i = j = 0; i < old->ncopy; i++)
		if (old->copy[i] != r)
			nw->copy[j++] = old->copy[i];
	for (i = j; i < nw->ncopy; i++)
		nw->copy[i] = NULL;
	nw->ncopy = j;
	return !nw->z && !nw->ncopy;
}

/*
 * Hook (or unhook) the notify of RX kring @k for copy monitors. When the
 * first copy monitor comes, no copier runs (the set in force has none), so
 * the start index is ours to write before the set is published.
 */
static void nm_mon_hook_rx(struct nm_kring *k, const struct nm_mon_set *old,
			   const struct nm_mon_set *set)
{
	const bool had = old && old->ncopy, want = set && set->ncopy;

	if (want && !had) {
		k->mon.copy_next = smp_load_acquire(&k->nr_hwtail);
		k->mon.copy_epoch = set->copy_epoch;
		if (k->notify != nm_mon_rx_notify)
			WRITE_ONCE(k->mon.notify, k->notify);
	} else if (had && !want) {
		smp_store_release(&k->notify, k->mon.notify);
	}
}

void nm_mon_publish(struct nm_kring *k, struct nm_mon_set *set)
{
	const struct nm_mon_set *old = nm_os_rcu_dereference_ctrl(k->mon.set);
	const bool had = old != NULL;

	if (k->dir == NM_RX)
		nm_mon_hook_rx(k, old, set);
	if (set && !had) {
		/* No set: nm_sync is the port's own (or was put back to it). */
		if (k->nm_sync != nm_mon_sync)
			WRITE_ONCE(k->mon.sync, k->nm_sync);
		nm_os_rcu_assign_pointer(k->mon.set, set);
		/* Orders mon.sync and the set before the switch (see nm_mon_sync()). */
		smp_store_release(&k->nm_sync, nm_mon_sync);
	} else if (set) {
		nm_os_rcu_assign_pointer(k->mon.set, set);
	} else if (had) {
		nm_os_rcu_assign_pointer(k->mon.set, NULL);
		smp_store_release(&k->nm_sync, k->mon.sync);
	}
	/* The set first: the hook finds its monitors from its first call. */
	if (k->dir == NM_RX && set && set->ncopy && k->notify != nm_mon_rx_notify)
		smp_store_release(&k->notify, nm_mon_rx_notify);
}
