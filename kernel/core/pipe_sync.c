// SPDX-License-Identifier: BSD-2-Clause
/*
 * pipe_sync.c - txsync and rxsync of netmap pipes, OS-independent.
 *
 * A pipe connects the TX ring of one end (A.tx) with the RX ring of the
 * other (B.rx). Both rings have the same size and show buffers of the same
 * region, and slot i of one is slot i of the other: as in netmap, the two
 * rings are two views of one set of slots, and the buffers belong to A.tx.
 *
 *   A.tx  [ in flight: B still holds them | A's user fills | free (tail) ]
 *   B.rx  [ B's user reads them           | released, returned to A     ]
 *
 * txsync(A.tx) copies the slots [hwcur, head) (index, len, flags, ptr) into
 * B.rx: B reads the frame in A's buffer, where A wrote it. No data is
 * copied and A's slots are left as they are: A keeps its buffers and their
 * frames, and NS_BUF_CHANGED is never set on them for a plain send (a
 * sender that swapped in a buffer of its own and set NS_BUF_CHANGED finds
 * the flag cleared, netmap's acknowledgement). txsync then publishes
 * B.rx's nr_hwtail (only up to the end of the last complete packet: slots
 * of a NS_MOREFRAG chain become visible together) and wakes B.
 *
 * rxsync(B.rx) takes back [hwcur, head) and publishes A.tx's nr_hwtail one
 * slot behind: A's tail never passes a slot that B has not given back, so A
 * never writes into a buffer B still reads, and the ring keeps its one
 * empty slot. A receiver may keep a frame by swapping another buffer into
 * its slot with NS_BUF_CHANGED (zero-copy forwarding, zero-copy monitors):
 * rxsync then moves that buffer into A's slot and sets NS_BUF_CHANGED
 * there, so A knows that the slot holds a buffer it has not written.
 *
 * Concurrency: A's txsync and B's rxsync may run at the same time on two
 * CPUs. A's txsync reads and writes A.tx slots in [A.hwcur, A.head) and
 * writes the B.rx slots of the same indexes (outside B's user range), A.tx
 * nr_hwcur and B.rx nr_hwtail; B's rxsync reads B.rx slots in
 * [B.hwcur, B.head), writes the A.tx slots of the same indexes (in flight
 * for A: neither A's user nor A's txsync touches them), B.rx nr_hwcur and
 * A.tx nr_hwtail. The ranges are disjoint by construction, and each
 * hand-off index is published with smp_store_release() after the slots it
 * covers, read with smp_load_acquire() (nm_kring_finalize()).
 *
 * Validation: both users can write every slot of their ring at any time,
 * so the kernel reads each field once and checks every buffer index before
 * it hands it to the other side.
 *   - txsync checks each slot it sends (buf_idx in the region, len at most
 *     a buffer). A bad slot stops the txsync there: what came before it is
 *     published, the sender's head/cur are moved back to the bad slot so
 *     that it owns it again and can repair it, and -EINVAL is returned.
 *     What B sees is always what this check passed, written by the kernel.
 *   - rxsync checks each buffer index a receiver gives back with
 *     NS_BUF_CHANGED. A bad one is not handed to A: A's slot keeps the
 *     buffer it had (nothing is lost), the slots are taken back anyway (the
 *     receiver has no buffer to repair it with) and -EINVAL is returned.
 *     An index changed without NS_BUF_CHANGED is ignored, as netmap(4)
 *     says: the next txsync of that slot overwrites it.
 * A slot that B overwrites after giving it back, or that A overwrites while
 * it is in flight, is read again (and checked) only by the next sync of
 * its owner: a malicious end can corrupt the frames it sends or receives,
 * never the kernel's state or another region's buffers.
 */
#ifndef NM_USERSPACE
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#endif

#include "kring.h"

void nm_pipe_connect(struct nm_kring *tx, struct nm_kring *rx)
{
	struct netmap_slot *ts = tx->ring->slot, *rs = rx->ring->slot;
	u32 i;

	tx->pipe = rx;
	rx->pipe = tx;
	/* A fresh pair: every slot of rx shows the buffer of tx's slot. */
	for (i = 0; i < tx->num_slots; i++)
		WRITE_ONCE(rs[i].buf_idx, READ_ONCE(ts[i].buf_idx));
}

void nm_pipe_disconnect(struct nm_kring *tx, struct nm_kring *rx)
{
	struct netmap_slot *ts = tx->ring->slot, *rs = rx->ring->slot;
	const u32 n = tx->num_slots;
	const u32 held = rx->nr_hwcur, held_end = rx->nr_hwtail;
	u32 i;

	/*
	 * The slots the receiver holds, [rx hwcur, rx hwtail), have their
	 * buffer in rx (it may have swapped in another one: A's old one then
	 * belongs to it); every other slot has it in tx, rx only shows a copy.
	 * 0 is no buffer: the ring free skips it.
	 */
	for (i = 0; i < n; i++) {
		if (nm_kring_dist(held, i, n) < nm_kring_dist(held, held_end, n))
			WRITE_ONCE(ts[i].buf_idx, 0);
		else
			WRITE_ONCE(rs[i].buf_idx, 0);
	}
}

/*
 * The first 8 bytes of a slot (buf_idx, len, flags) read and written as one
 * word: a slot is then two loads and two stores, which is what a sent frame
 * costs the pipe (under emulation every memory access counts).
 */
typedef u64 __attribute__((__may_alias__)) nm_slot_word;
_Static_assert(sizeof(struct netmap_slot) == 16 && offsetof(struct netmap_slot, len) == 4 &&
	       offsetof(struct netmap_slot, flags) == 6 && offsetof(struct netmap_slot, ptr) == 8,
	       "struct netmap_slot is buf_idx, len, flags, ptr");
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NM_SW_IDX(w)	((u32)(w))
#define NM_SW_LEN(w)	((u16)((w) >> 32))
#define NM_SW_FLAGS	48
#else
#define NM_SW_IDX(w)	((u32)((w) >> 32))
#define NM_SW_LEN(w)	((u16)((w) >> 16))
#define NM_SW_FLAGS	0
#endif

/*
 * Send the slots [j, end) of A.tx (end <= n: no wrap inside). *@lastp is
 * set to the slot after the end of the last complete packet among them
 * (left as it is if none ends here). Returns the slot where it stopped:
 * end, or a bad slot.
 */
static inline u32 nm_pipe_tx_run(const struct nm_kring *tx, struct netmap_slot *ts,
				 struct netmap_slot *rs, u32 j, u32 end, u32 *lastp, u64 *bytes)
{
	const u32 buf_size = tx->buf_size, lim = tx->nbufs > 2 ? tx->nbufs - 2 : 0;
	struct netmap_slot *t = &ts[j], *r = &rs[j];
	const struct netmap_slot *const te = &ts[end], *last = NULL;
	u64 b = 0;

	for (; t != te; t++, r++) {
		const u64 w = READ_ONCE(*(const nm_slot_word *)t);
		const u64 ptr = READ_ONCE(t->ptr);
		const u16 flags = (u16)(w >> NM_SW_FLAGS);

		/* buf_idx in 2 .. nbufs - 1, as nm_kring_buf_valid(), in one compare. */
		if (unlikely(NM_SW_IDX(w) - 2 >= lim || NM_SW_LEN(w) > buf_size))
			break;
		if (unlikely(flags & NS_BUF_CHANGED)) {
			/* The sender's own buffer: taken as it is, flag acknowledged. */
			WRITE_ONCE(t->flags, flags & ~NS_BUF_CHANGED);
			WRITE_ONCE(*(nm_slot_word *)r, w & ~((u64)NS_BUF_CHANGED << NM_SW_FLAGS));
		} else {
			/* Not in B's user range yet: B sees it after the release in txsync. */
			WRITE_ONCE(*(nm_slot_word *)r, w);
		}
		WRITE_ONCE(r->ptr, ptr);
		b += NM_SW_LEN(w);
		if (likely(!(flags & NS_MOREFRAG)))
			last = t;
	}
	if (last)
		*lastp = (u32)(last - ts) + 1;
	*bytes += b;
	return (u32)(t - ts);
}

int nm_pipe_txsync(struct nm_kring *tx)
{
	struct nm_kring *rx = tx->pipe;
	struct netmap_slot *ts = tx->ring->slot;
	struct netmap_slot *rs = rx->ring->slot;
	const u32 n = tx->num_slots;
	const u32 head = tx->rhead;
	const u32 start = tx->nr_hwcur;
	u32 j = start, pubk = 0, done = 0;
	u64 bytes = 0;
	int err = 0;

	if (j == head)
		return 0;
	/*
	 * At most two runs without a wrap: [start, n or head), [0, head).
	 * pubk: slots sent up to the end of the last complete packet.
	 */
	do {
		const u32 end = head > j ? head : n;
		u32 last = 0, k = nm_pipe_tx_run(tx, ts, rs, j, end, &last, &bytes);

		if (last)
			pubk = done + last - j;
		done += k - j;
		if (unlikely(k != end)) {
			nm_os_prlim("pipe tx ring %u: slot %u has bad buf_idx %u or len %u, sync stopped\n",
				    tx->ring_id, k, READ_ONCE(ts[k].buf_idx), READ_ONCE(ts[k].len));
			j = k;
			err = -EINVAL;
			break;
		}
		j = end == n ? 0 : end;
	} while (j != head);

	tx->nr_hwcur = j;
	tx->stat_pkts += done;
	tx->stat_bytes += bytes;
	if (pubk) {
		const u32 pub = start + pubk;

		/* The slots above are written before B can see them. */
		smp_store_release(&rx->nr_hwtail, pub >= n ? pub - n : pub);
		rx->notify(rx);
	}
	if (unlikely(err))
		nm_kring_stop_at(tx, j);
	return err;
}

/*
 * A slot B gave back with NS_BUF_CHANGED: its buffer, once checked, goes
 * to A's slot (A's old one is B's now). Returns 0 or -EINVAL.
 */
static int nm_pipe_take_back(const struct nm_kring *rx, struct netmap_slot *r,
			     struct netmap_slot *t, u32 j)
{
	const u32 idx = READ_ONCE(r->buf_idx);

	if (unlikely(!nm_kring_buf_valid(rx, idx))) {
		nm_os_prlim("pipe rx ring %u: slot %u was given back with bad buf_idx %u\n",
			    rx->ring_id, j, idx);
		return -EINVAL;
	}
	WRITE_ONCE(t->buf_idx, idx);
	WRITE_ONCE(t->flags, NS_BUF_CHANGED);
	return 0;
}

int nm_pipe_rxsync(struct nm_kring *rx)
{
	struct nm_kring *tx = rx->pipe;
	struct netmap_slot *rs = rx->ring->slot;
	struct netmap_slot *ts = tx->ring->slot;
	const u32 n = rx->num_slots;
	const u32 head = rx->rhead;
	const u32 start = rx->nr_hwcur;
	u32 j = start;
	int err = 0;

	if (j == head)
		return 0;
	/*
	 * The slots are ours until we publish them below. Only the flags are
	 * looked at per slot, or-ed together: a second pass over the run
	 * takes the buffers only when a receiver swapped some. A slot whose
	 * flag changes under us is either taken (its index checked) or left
	 * to the next send, which overwrites it: both are safe.
	 */
	do {
		const u32 end = head > j ? head : n;
		u32 k = j;
		u16 any = 0;

		for (; k < end; k++)
			any |= READ_ONCE(rs[k].flags);
		for (; unlikely(any & NS_BUF_CHANGED) && j < end; j++)
			if (READ_ONCE(rs[j].flags) & NS_BUF_CHANGED &&
			    nm_pipe_take_back(rx, &rs[j], &ts[j], j))
				err = -EINVAL;
		j = end == n ? 0 : end;
	} while (j != head);

	rx->nr_hwcur = j;
	rx->stat_pkts += nm_kring_dist(start, j, n);
	if (unlikely(err))
		rx->stat_errs++;
	/* Our accesses to the released slots are done before A reuses them. */
	smp_store_release(&tx->nr_hwtail, nm_kring_prev(j, n));
	tx->notify(tx);
	return err;
}
