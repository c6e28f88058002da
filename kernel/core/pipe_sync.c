// SPDX-License-Identifier: BSD-2-Clause
/*
 * pipe_sync.c - txsync and rxsync of netmap pipes, OS-independent.
 *
 * A pipe connects the TX ring of one end (A.tx) with the RX ring of the
 * other (B.rx). Both rings have the same size and hold buffers of the same
 * region, and slot i of one corresponds to slot i of the other:
 *
 *   A.tx  [ in flight: B still holds them | A's user fills | free (tail) ]
 *   B.rx  [ B's user reads them           | released, returned to A     ]
 *
 * txsync(A.tx) moves the slots [hwcur, head) to B.rx by swapping buffer
 * indexes: the packet's buffer goes to B.rx[j], the buffer B released in
 * that slot comes back to A.tx[j]. No data is copied. It then publishes
 * B.rx's nr_hwtail (only up to the end of the last complete packet: slots
 * of a NS_MOREFRAG chain become visible together) and wakes B.
 *
 * rxsync(B.rx) takes back [hwcur, head) and publishes A.tx's nr_hwtail one
 * slot behind: A's tail never passes a slot that B has not given back, so
 * unread packets stay in the sender's ring and the ring keeps its one empty
 * slot.
 *
 * Concurrency: A's txsync and B's rxsync may run at the same time on two
 * CPUs. A writes A.tx slots, B.rx slots outside B's user range, A.tx
 * nr_hwcur and B.rx nr_hwtail; B reads B.rx slots inside [hwcur, head) and
 * writes B.rx nr_hwcur and A.tx nr_hwtail. The ranges are disjoint by
 * construction, and each hand-off index is published with
 * smp_store_release() after the slots it covers, read with
 * smp_load_acquire() (nm_kring_finalize()).
 *
 * Validation: every buffer index that moves through the pipe is checked
 * against the region (and every TX len against the buffer size), so a bad
 * index written by one process never reaches another one.
 *   - A bad TX slot stops the txsync there: what came before it is
 *     published, the sender's head/cur are moved back to the bad slot so
 *     that it owns it again and can repair it, and -EINVAL is returned.
 *   - A bad index in a slot the receiver gives back cannot be repaired by
 *     the receiver (it has no buffer to put there), so rxsync takes the
 *     slots back anyway, zeroes the bad index and returns -EINVAL. The next
 *     txsync through that slot finds no buffer to return to the sender and
 *     lets both slots share the packet's buffer instead: safe, since the
 *     sender gets the slot back only after the receiver has released it
 *     (netmap's own pipes always work that way). One buffer is lost to the
 *     pipe; the ring keeps working.
 */
#ifndef NM_USERSPACE
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#endif

#include "kring.h"

void nm_pipe_connect(struct nm_kring *tx, struct nm_kring *rx)
{
	tx->pipe = rx;
	rx->pipe = tx;
}

int nm_pipe_txsync(struct nm_kring *tx)
{
	struct nm_kring *rx = tx->pipe;
	struct netmap_slot *ts = tx->ring->slot;
	struct netmap_slot *rs = rx->ring->slot;
	const u32 n = tx->num_slots;
	const u32 head = tx->rhead;
	const u32 buf_size = tx->buf_size;
	u32 j = tx->nr_hwcur;
	u32 pub = n;			/* n: no complete packet in this batch */
	u32 sent = 0;
	int err = 0;

	if (j == head)
		return 0;
	nm_prefetch(&ts[j]);
	nm_prefetch(&rs[j]);
	do {
		struct netmap_slot *t = &ts[j];
		struct netmap_slot *r = &rs[j];
		const u32 next = nm_kring_next(j, n);
		const u32 idx = READ_ONCE(t->buf_idx);
		const u16 len = READ_ONCE(t->len);
		const u16 flags = READ_ONCE(t->flags);
		u32 back;

		nm_prefetch(&ts[next]);
		nm_prefetch(&rs[next]);
		if (unlikely(!nm_os_buf_valid(tx->mem, idx) || len > buf_size)) {
			nm_os_prlim("pipe tx ring %u: slot %u has bad buf_idx %u or len %u, sync stopped\n",
				    tx->ring_id, j, idx, len);
			err = -EINVAL;
			break;
		}
		/*
		 * B released r (it is behind B's hwcur): its buffer comes back to
		 * A, unless B gave back no valid one (see the top of the file).
		 */
		back = READ_ONCE(r->buf_idx);
		t->buf_idx = likely(nm_os_buf_valid(tx->mem, back)) ? back : idx;
		t->flags = NS_BUF_CHANGED;
		r->buf_idx = idx;
		r->len = len;
		r->flags = flags | NS_BUF_CHANGED;
		r->ptr = READ_ONCE(t->ptr);
		if (!(flags & NS_MOREFRAG))
			pub = next;
		sent++;
		j = next;
	} while (j != head);

	tx->nr_hwcur = j;
	tx->stat_pkts += sent;
	if (pub != n) {
		/* The slots above are written before B can see them. */
		smp_store_release(&rx->nr_hwtail, pub);
		rx->notify(rx);
	}
	if (unlikely(err))
		nm_kring_stop_at(tx, j);
	return err;
}

int nm_pipe_rxsync(struct nm_kring *rx)
{
	struct nm_kring *tx = rx->pipe;
	struct netmap_slot *rs = rx->ring->slot;
	const u32 n = rx->num_slots;
	const u32 head = rx->rhead;
	const u32 start = rx->nr_hwcur;
	u32 j = start;
	int err = 0;

	if (j == head)
		return 0;
	/*
	 * The user may have swapped buffers into the slots it gives back
	 * (NS_BUF_CHANGED or not): they will be handed to the sender, so
	 * check each one. A bad one is zeroed (see the top of the file); the
	 * slots are ours until we publish them below.
	 */
	nm_prefetch(&rs[j]);
	do {
		const u32 next = nm_kring_next(j, n);
		const u32 idx = READ_ONCE(rs[j].buf_idx);

		nm_prefetch(&rs[next]);
		if (unlikely(!nm_os_buf_valid(rx->mem, idx))) {
			nm_os_prlim("pipe rx ring %u: slot %u was given back with bad buf_idx %u\n",
				    rx->ring_id, j, idx);
			WRITE_ONCE(rs[j].buf_idx, 0);
			err = -EINVAL;
		}
		j = next;
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
