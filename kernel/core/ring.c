// SPDX-License-Identifier: BSD-2-Clause
/*
 * ring.c - the ring protocol of netmap(4), OS-independent: validation of the
 * indexes userspace writes (prologue), recovery from bad ones (reinit), and
 * publishing the kernel's progress (finalize).
 *
 * Everything read from the shared netmap_ring is read once (READ_ONCE) into
 * a local and checked before use: userspace may change it under our feet.
 */
#ifndef NM_USERSPACE
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#endif

#include "kring.h"
#include "monitor_sync.h"

#ifdef NM_USERSPACE
int nm_os_no_timestamp;
bool (*nm_os_not_resident)(u64 uptr, u32 len);
#endif

void nm_kring_init(struct nm_kring *kring, struct netmap_ring *ring,
		   const struct nm_mem *mem, u32 num_slots, u32 buf_size,
		   u16 ring_id, enum nm_dir dir)
{
	kring->ring = ring;
	kring->mem = mem;
	kring->num_slots = num_slots;
	kring->buf_size = buf_size;
	kring->buf_room = buf_size;
	kring->offset_mask = 0;
	kring->offset_max = 0;
	kring->nbufs = nm_os_buf_total(mem);
	kring->buf_stride = nm_os_buf_stride(mem);
	kring->buf_base = nm_os_buf_base(mem);
	kring->ring_id = ring_id;
	kring->dir = dir;
	kring->busy = 0;
	kring->fault = NULL;
	kring->nr_hwcur = 0;
	kring->rhead = 0;
	kring->rcur = 0;
	kring->nr_hwtail = dir == NM_TX ? num_slots - 1 : 0;
	kring->rtail = kring->nr_hwtail;
	kring->stat_pkts = 0;
	kring->stat_bytes = 0;
	kring->stat_errs = 0;
	WRITE_ONCE(ring->head, 0);
	WRITE_ONCE(ring->cur, 0);
	WRITE_ONCE(ring->tail, kring->rtail);
}

/* The lowest head userspace may set: what it was last allowed to keep. */
static inline u32 nm_kring_low(const struct nm_kring *kring)
{
	return kring->dir == NM_TX ? kring->rhead : kring->nr_hwcur;
}

/*
 * head in [low, rtail] and cur in [head, rtail], going forward from low
 * modulo n. The range checks come first: the distances are only meaningful
 * for indexes below n.
 */
static inline bool nm_kring_legal(const struct nm_kring *kring, u32 head, u32 cur)
{
	const u32 n = kring->num_slots;
	const u32 low = nm_kring_low(kring);

	return likely(head < n && cur < n &&
		      nm_kring_dist(low, head, n) <= nm_kring_dist(low, kring->rtail, n) &&
		      nm_kring_dist(head, cur, n) <= nm_kring_dist(head, kring->rtail, n));
}

int nm_kring_prologue(struct nm_kring *kring)
{
	struct netmap_ring *ring = kring->ring;
	const u32 n = kring->num_slots;
	const u32 low = nm_kring_low(kring);
	u32 head = READ_ONCE(ring->head);
	u32 cur = READ_ONCE(ring->cur);

	if (unlikely(!nm_kring_legal(kring, head, cur))) {
		nm_os_prlim("%s ring %u: bad head %u cur %u (allowed %u..%u of %u), ring reset\n",
			    kring->dir == NM_TX ? "tx" : "rx", kring->ring_id,
			    head, cur, low, kring->rtail, n);
		kring->stat_errs++;
		nm_kring_reinit(kring);
		return -EINVAL;
	}
	kring->rhead = head;
	kring->rcur = cur;
	return 0;
}

void nm_kring_reinit(struct nm_kring *kring)
{
	struct netmap_ring *ring = kring->ring;
	const u32 n = kring->num_slots;
	u32 i;

	kring->rhead = kring->rcur = nm_kring_low(kring);
	WRITE_ONCE(ring->head, kring->rhead);
	WRITE_ONCE(ring->cur, kring->rcur);
	WRITE_ONCE(ring->tail, kring->rtail);

	/*
	 * Only the user's slots: the others belong to the kernel, and on a
	 * pipe the peer's sync may be writing them right now.
	 */
	for (i = kring->rhead; i != kring->rtail; i = nm_kring_next(i, n)) {
		struct netmap_slot *slot = &ring->slot[i];
		u32 idx = READ_ONCE(slot->buf_idx);

		if (unlikely(!nm_os_buf_valid(kring->mem, idx))) {
			if (idx)	/* 0 is the mark of a slot repaired before */
				nm_os_prlim("%s ring %u: slot %u has bad buf_idx %u, set to 0\n",
					    kring->dir == NM_TX ? "tx" : "rx", kring->ring_id, i, idx);
			WRITE_ONCE(slot->buf_idx, 0);
			WRITE_ONCE(slot->len, 0);
		} else if (unlikely(READ_ONCE(slot->len) > kring->buf_size)) {
			WRITE_ONCE(slot->len, 0);
		}
	}
}

void nm_kring_finalize(struct nm_kring *kring)
{
	struct netmap_ring *ring = kring->ring;

	/* Pairs with the writer's smp_store_release(): the slots come first. */
	kring->rtail = smp_load_acquire(&kring->nr_hwtail);
	/* Also restores a tail that userspace overwrote. */
	WRITE_ONCE(ring->tail, kring->rtail);
	if (unlikely(READ_ONCE(ring->flags) & NR_TIMESTAMP) && nm_os_timestamp_enabled())
		nm_os_microtime(ring);
}

void nm_kring_offsets(struct nm_kring *k, u64 mask, u32 max, u32 gap, u64 initial, bool fresh)
{
	struct netmap_ring *ring = k->ring;
	u32 room = mask ? k->buf_size - max : k->buf_size, i;

	if (mask && gap && gap < room)
		room = gap;
	WRITE_ONCE(k->offset_max, mask ? max : 0);
	WRITE_ONCE(k->buf_room, room);
	WRITE_ONCE(k->offset_mask, mask);
	WRITE_ONCE(*(u64 *)&ring->offset_mask, mask);
	if (mask && fresh)
		for (i = 0; i < k->num_slots; i++)
			WRITE_ONCE(ring->slot[i].ptr, initial);
}

int nm_kring_sync_fault(struct nm_kring *kring, struct nm_kring_fault *f)
{
	int err;

	while (unlikely(!nm_os_tryget(&kring->busy))) {
		const unsigned long b = READ_ONCE(kring->busy);

		/* Another sync: -EBUSY. A monitor's copy of arrivals: a short wait. */
		if (b && !(b & NM_OS_BUSY_MON))
			return -EBUSY;
		nm_os_cpu_relax();
	}
	kring->fault = f;
	err = nm_kring_prologue(kring);
	if (likely(!err))
		err = kring->nm_sync(kring);
	nm_kring_finalize(kring);
	kring->fault = NULL;
	nm_os_put(&kring->busy);
	/* Arrivals a copy monitor's hook left to us while we held the bit. */
	if (unlikely(READ_ONCE(kring->notify) == nm_mon_rx_notify))
		nm_mon_rx_recheck(kring);
	return err;
}

int nm_kring_sync(struct nm_kring *kring)
{
	return nm_kring_sync_fault(kring, NULL);
}

void nm_kring_reset_user(struct nm_kring *kring)
{
	struct netmap_ring *ring = kring->ring;

	kring->rhead = kring->rcur = nm_kring_low(kring);
	kring->rtail = smp_load_acquire(&kring->nr_hwtail);
	WRITE_ONCE(ring->head, kring->rhead);
	WRITE_ONCE(ring->cur, kring->rcur);
	WRITE_ONCE(ring->tail, kring->rtail);
}

void nm_kring_check_user(struct nm_kring *kring)
{
	struct netmap_ring *ring = kring->ring;

	/* A sync in progress validates the ring itself. */
	if (!nm_os_tryget(&kring->busy))
		return;
	if (!nm_kring_legal(kring, READ_ONCE(ring->head), READ_ONCE(ring->cur))) {
		kring->rhead = kring->rcur = nm_kring_low(kring);
		WRITE_ONCE(ring->head, kring->rhead);
		WRITE_ONCE(ring->cur, kring->rcur);
	}
	WRITE_ONCE(ring->tail, kring->rtail);
	nm_os_put(&kring->busy);
}

void nm_kring_stop_at(struct nm_kring *kring, u32 j)
{
	kring->stat_errs++;
	kring->rhead = kring->rcur = j;
	WRITE_ONCE(kring->ring->head, j);
	WRITE_ONCE(kring->ring->cur, j);
}

int nm_null_txsync(struct nm_kring *kring)
{
	struct netmap_slot *slot = kring->ring->slot;
	const u32 n = kring->num_slots, head = kring->rhead;
	u32 j = kring->nr_hwcur;
	int err = 0;

	/*
	 * Everything given is dropped at once, all slots but one are free
	 * again; the slots are checked all the same, as on any port.
	 */
	for (; j != head; j = nm_kring_next(j, n)) {
		const u32 idx = READ_ONCE(slot[j].buf_idx);
		const u16 len = READ_ONCE(slot[j].len);

		if (unlikely(!nm_kring_buf_valid(kring, idx) || len > kring->buf_size)) {
			nm_os_prlim("null tx ring %u: slot %u has bad buf_idx %u or len %u, sync stopped\n",
				    kring->ring_id, j, idx, len);
			err = -EINVAL;
			break;
		}
	}
	return nm_kring_tx_done(kring, j, err);
}

int nm_null_rxsync(struct nm_kring *kring)
{
	/* Nothing ever arrives, so the user can have given nothing back. */
	kring->nr_hwcur = kring->rhead;
	return 0;
}
