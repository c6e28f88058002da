/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kring.h - the kernel-private state of one netmap ring (OS-independent).
 *
 * A netmap_ring lives in the shared region and userspace may write any of
 * its fields at any time. The kring is the kernel's own copy of what matters:
 * the ring size, the positions the kernel has reached (nr_hwcur, nr_hwtail)
 * and the positions last validated from userspace (rhead, rcur) or last
 * shown to it (rtail). Every sync starts by validating head/cur against
 * these copies (nm_kring_prologue) and ends by publishing tail
 * (nm_kring_finalize). Nothing read from the shared ring is used before it
 * has been checked.
 *
 * Ownership of slots, in the terms of netmap(4): the user owns [head, tail),
 * the kernel owns the rest. For a TX ring the kernel has still to process
 * [nr_hwcur, rhead) and the slots [rtail, nr_hwcur) are in flight; for an RX
 * ring [nr_hwcur, nr_hwtail) holds packets and the user gives back
 * [nr_hwcur, head) at the next sync.
 *
 * Who writes what:
 *   - the creator (control path, under nm_ctrl_lock) sets the constant part;
 *   - users/exclusive: the control path, under nm_ctrl_lock;
 *   - nr_hwcur, rhead, rcur, rtail, stats, fault: only the holder of the
 *     busy bit (one sync at a time per kring; a second concurrent sync gets
 *     -EBUSY). The busy bit is never held across anything that may sleep
 *     for a time userspace controls (a page fault on user memory above
 *     all: see struct nm_kring_fault), so whoever waits for it waits for
 *     a bounded amount of CPU work;
 *   - nr_hwtail: exactly one writer, which may be another kring (the peer of
 *     a pipe): it is stored with smp_store_release() and read with
 *     smp_load_acquire(), so the slots it covers are visible before it.
 */
#ifndef NM_KRING_H
#define NM_KRING_H

#include "nm_os.h"

enum nm_dir {
	NM_TX = 0,
	NM_RX = 1,
	NM_NDIR = 2,
};

struct nm_kring;
struct nm_mon_set;
typedef int (*nm_sync_fn)(struct nm_kring *kring);
typedef void (*nm_notify_fn)(struct nm_kring *kring);

/*
 * User memory that a sync could not read without sleeping. A page fault on
 * user memory may never finish (userfaultfd, FUSE, a hung NFS server), so
 * no sync takes one while it holds the busy bit: a txsync that meets an
 * NS_INDIRECT payload (VALE) in a page that is not resident stops there,
 * sends the slots before it, leaves that slot and the rest pending (head
 * is not moved back), stores the range in @uptr/@len and returns -EFAULT.
 * The caller of nm_kring_sync_fault() then faults the range in holding no
 * lock and no busy bit, and syncs again. @bad is set by the caller: an
 * address it failed to fault in (not mapped, not readable); a sync that
 * meets it refuses the slot as it refuses a bad buffer index (-EINVAL).
 */
struct nm_kring_fault {
	u64 uptr;			/* out: start of the range to fault in */
	u32 len;			/* out */
	u64 bad;			/* in: known to fail; 0 is never readable anyway */
};

/*
 * Monitor state of a kring (core/monitor_sync.h). @sync is the port's own
 * sync, saved when the monitor wrapper is first installed in nm_sync, and
 * @notify the port's own notify, saved when an RX kring's notify is first
 * hooked; neither is ever cleared. @set (RCU, nm_ctrl_lock to change)
 * lists the monitors; @pending (atomic flag) says that frames arrived
 * that copy monitors have not seen; the rest is written only by the
 * holder of the busy bit.
 */
struct nm_kring_mon {
	nm_sync_fn sync;
	nm_notify_fn notify;
	struct nm_mon_set __rcu *set;	/* or NULL */
	unsigned long pending;
	u32 copy_epoch, z_epoch;	/* epochs of the set last seen */
	u32 copy_next, z_next;		/* next slot to copy / to swap */
};

struct nm_kring {
	/* Constant after creation. */
	struct netmap_ring *ring;	/* in the shared region: UNTRUSTED contents */
	const struct nm_mem *mem;	/* region of the buffers, for nm_os_buf_valid() */
	u32 num_slots;			/* the real size; ring->num_slots is not trusted */
	u32 buf_size;			/* bytes per buffer: the largest legal slot len */
	u32 nbufs;			/* buffers in mem: valid indexes are 2 .. nbufs - 1 */
	u32 buf_stride;			/* distance between two buffers of mem */
	u8 *buf_base;			/* buffer 0 of mem */
	u16 ring_id;
	u8 dir;				/* enum nm_dir */
	nm_sync_fn nm_sync;		/* the port's txsync or rxsync */
	nm_notify_fn notify;		/* wake whoever waits on this ring */
	struct nm_kring *pipe;		/* pipe peer: tx <-> rx of the other end */
	void *owner;			/* the port, opaque to the core */

	/* Control path, under nm_ctrl_lock. */
	u32 users;			/* fds bound to this ring */
	bool exclusive;			/* bound with NR_EXCLUSIVE */
	/*
	 * OPT_OFFSETS (nm_kring_offsets()): set when a user binds the ring
	 * with the option while it has none, cleared with its last user;
	 * syncs read them once (READ_ONCE). offset_mask 0: no offsets.
	 */
	u64 offset_mask;		/* slot->ptr & offset_mask = the packet's offset */
	u32 offset_max;			/* largest legal offset */
	u32 buf_room;			/* bytes an RX slot takes: buf_size, less with offsets */

	/* Sync state: only the holder of the busy bit touches these. */
	unsigned long busy;		/* bit 0 set while a sync runs */
	u32 nr_hwcur;
	u32 rhead, rcur, rtail;
	u64 stat_pkts;			/* TX: slots sent; RX: slots given back */
	u64 stat_bytes;			/* TX of a pipe end: bytes of the slots sent */
	u64 stat_errs;			/* syncs refused or stopped by bad input */
	struct nm_kring_fault *fault;	/* the running sync's (nm_kring_sync_fault), or NULL */
	struct nm_kring_mon mon;	/* monitors of this ring (core/monitor_sync.h) */

	/* One writer (see above); on its own cache line, the peer writes it. */
	u32 nr_hwtail NM_CACHE_ALIGNED;

	struct nm_os_kring os;
};

/* Next and previous slot index, and the distance from @a forward to @b. */
static inline u32 nm_kring_next(u32 i, u32 n)
{
	return unlikely(i + 1 == n) ? 0 : i + 1;
}

static inline u32 nm_kring_prev(u32 i, u32 n)
{
	return unlikely(i == 0) ? n - 1 : i - 1;
}

static inline u32 nm_kring_dist(u32 a, u32 b, u32 n)
{
	return b >= a ? b - a : b + n - a;
}

/*
 * The offset of the packet in slot @s of @k: ptr & offset_mask (0 without
 * OPT_OFFSETS). Userspace writes ptr: a sender checks the result against
 * offset_max and off + len against buf_size; a receiver writes at
 * nm_slot_rx_off().
 */
static inline u64 nm_slot_off(const struct nm_kring *k, const struct netmap_slot *s)
{
	return READ_ONCE(s->ptr) & READ_ONCE(k->offset_mask);
}

static inline u32 nm_slot_rx_off(const struct nm_kring *k, const struct netmap_slot *s)
{
	const u64 off = nm_slot_off(k, s), max = READ_ONCE(k->offset_max);

	return off > max ? (u32)max : (u32)off;
}

/*
 * Turn OPT_OFFSETS on for @k (control path): @mask and @max as validated,
 * RX room min(buf_size - max, @gap if non-zero); @initial goes into every
 * slot's ptr when @fresh (the ring has no other user). @mask 0 turns them
 * off again (the last user left).
 */
void nm_kring_offsets(struct nm_kring *k, u64 mask, u32 max, u32 gap, u64 initial, bool fresh);

/* nm_os_buf_valid() without a call into the region: the packet path's check. */
static inline bool nm_kring_buf_valid(const struct nm_kring *kring, u32 idx)
{
	return likely(idx >= 2 && idx < kring->nbufs);
}

/*
 * nm_os_buf_addr() without a call into the region (the packet path does
 * one or two per slot): an index out of range gives buffer 0, as there.
 */
static inline u8 *nm_kring_buf_addr(const struct nm_kring *kring, u32 idx)
{
	return kring->buf_base + (likely(idx < kring->nbufs) ? (size_t)idx * kring->buf_stride : 0);
}

/* A kring built by hand on the buffers of @src (a view of another ring). */
static inline void nm_kring_same_bufs(struct nm_kring *dst, const struct nm_kring *src)
{
	dst->mem = src->mem;
	dst->nbufs = src->nbufs;
	dst->buf_stride = src->buf_stride;
	dst->buf_base = src->buf_base;
}

/*
 * Set up @kring for a freshly allocated @ring of @num_slots slots, all of
 * them holding buffers of @mem. A TX ring starts with all slots but one
 * available to the user (tail = num_slots - 1), an RX ring empty (tail = 0).
 * Writes head, cur and tail of the shared ring. @num_slots >= 1 (a ring of
 * one slot never holds a packet, as netmap(4)'s one-empty-slot rule says).
 */
void nm_kring_init(struct nm_kring *kring, struct netmap_ring *ring,
		   const struct nm_mem *mem, u32 num_slots, u32 buf_size,
		   u16 ring_id, enum nm_dir dir);

/*
 * One sync of one ring, as NIOC[TR]XSYNC and poll() run it: take the busy
 * bit (-EBUSY if another sync holds it; if a copy monitor's arrival hook
 * holds it, NM_OS_BUSY_MON, wait for that bounded copy), validate head/cur, run
 * kring->nm_sync, publish tail (and the timestamp if NR_TIMESTAMP is set).
 * Returns 0, -EBUSY, or -EINVAL when userspace broke the ring protocol: the
 * ring is then reinitialised (or the sync stopped at the bad slot) and the
 * next correct call works. Never takes a page fault on user memory.
 *
 * nm_kring_sync() refuses user memory that is not resident (-EINVAL, as a
 * bad slot); with nm_kring_sync_fault() the sync may instead return
 * -EFAULT with the range to fault in in *@f (see struct nm_kring_fault):
 * for callers that may sleep once the busy bit is released.
 */
int nm_kring_sync(struct nm_kring *kring);
int nm_kring_sync_fault(struct nm_kring *kring, struct nm_kring_fault *f);

/*
 * The steps of nm_kring_sync(), for ports that drive them themselves and
 * for the tests. Caller holds the busy bit.
 *
 * nm_kring_prologue(): read head and cur once; TX needs
 * rhead <= head <= cur <= rtail, RX hwcur <= head <= cur <= rtail (modulo
 * num_slots). On success rhead/rcur take the new values; otherwise the ring
 * is reinitialised and -EINVAL returned.
 */
int nm_kring_prologue(struct nm_kring *kring);
void nm_kring_finalize(struct nm_kring *kring);

/*
 * Put the shared ring back to the kernel's state: head = cur = the last
 * valid head, tail = rtail; slots the user owns get len 0 if len is too big
 * and buffer 0 (never valid, so a send of it fails again) if buf_idx is not
 * a buffer of the region.
 */
void nm_kring_reinit(struct nm_kring *kring);

/*
 * Show the kernel's state to a new user of a ring nobody was bound to:
 * head/cur/tail in the shared ring are rewritten from the kring, dropping
 * whatever an earlier user left in them without syncing. Control path, no
 * sync may run on the ring (it has no users).
 */
void nm_kring_reset_user(struct nm_kring *kring);

/*
 * A new fd binds a ring that others use: leave their progress alone, but if
 * head/cur in the shared ring break the protocol (or tail was overwritten),
 * put them back to the kernel's state, so that every binder starts from a
 * legal ring. Skipped if a sync is running (it does the same check).
 */
void nm_kring_check_user(struct nm_kring *kring);

/*
 * A txsync found a bad slot at @j (buffer index not in the region, or len
 * longer than a buffer): it processed the slots before @j and now gives
 * @j on back to the user, head = cur = @j, so that the user owns the bad
 * slot again and can repair it. The sync then returns -EINVAL.
 */
void nm_kring_stop_at(struct nm_kring *kring, u32 j);

/*
 * The end of a txsync that sent the slots from hwcur up to @j: counted,
 * given back to the user (hwtail one behind @j, published with release so
 * the user sees the slots done before the new tail), and, if @err, stopped
 * at @j (see nm_kring_stop_at()). Returns @err.
 */
static inline int nm_kring_tx_done(struct nm_kring *kring, u32 j, int err)
{
	const u32 n = kring->num_slots;

	kring->stat_pkts += nm_kring_dist(kring->nr_hwcur, j, n);
	kring->nr_hwcur = j;
	smp_store_release(&kring->nr_hwtail, nm_kring_prev(j, n));
	if (unlikely(err))
		nm_kring_stop_at(kring, j);
	return err;
}

/*
 * Syncs of the null port: TX checks and drops everything (a bad slot stops
 * it as on a pipe), RX never receives.
 */
int nm_null_txsync(struct nm_kring *kring);
int nm_null_rxsync(struct nm_kring *kring);

/*
 * Pipes (pipe_sync.c). nm_pipe_connect() pairs the TX ring of one end with
 * the RX ring of the other: same num_slots, same region, and @rx's slots
 * hold no buffers of their own: they take @tx's. Slot i of both rings is
 * one shared slot: the receiver reads the sender's buffer in place, no
 * data is copied and the sender's slots keep their buffers. Each end's sync
 * writes only its own hwcur and the peer's nr_hwtail, so the two ends of a
 * pipe sync concurrently without a lock. nm_pipe_disconnect() (control
 * path, no sync running) leaves every buffer of the pair in exactly one of
 * the two rings, so that freeing both rings frees each buffer once.
 */
void nm_pipe_connect(struct nm_kring *tx, struct nm_kring *rx);
void nm_pipe_disconnect(struct nm_kring *tx, struct nm_kring *rx);
int nm_pipe_txsync(struct nm_kring *tx);
int nm_pipe_rxsync(struct nm_kring *rx);

#endif /* NM_KRING_H */
