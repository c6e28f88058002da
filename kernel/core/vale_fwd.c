// SPDX-License-Identifier: BSD-2-Clause
/*
 * vale_fwd.c - batch forwarding of a VALE switch, OS-independent. See
 * vale_fwd.h for the protocol, the locks and the counters.
 */
#ifndef NM_USERSPACE
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#endif

#include "vale_fwd.h"
#include "vale_vnet.h"

#define NM_ETH_HLEN	14

/*
 * The counters cost a few adds per batch. NM_VALE_NO_COUNTERS exists only
 * so that the host benchmark can measure that cost; never set it elsewhere.
 */
#ifdef NM_VALE_NO_COUNTERS
#define NM_VALE_COUNT(stmt)	do { if (0) { stmt; } } while (0)
#else
#define NM_VALE_COUNT(stmt)	do { stmt; } while (0)
#endif

size_t nm_vale_txq_size(u32 batch)
{
	u32 max_ft;

	if (batch < 1)
		batch = 1;
	if (batch > NM_VALE_MAX_BATCH)
		batch = NM_VALE_MAX_BATCH;
	max_ft = batch + NETMAP_MAX_FRAGS + 1;
	return sizeof(struct nm_vale_txq) + max_ft * (sizeof(struct nm_vale_ft) +
						      sizeof(struct nm_vale_pkt));
}

void nm_vale_txq_init(struct nm_vale_txq *q, u32 batch)
{
	u32 i;

	if (batch < 1)
		batch = 1;
	if (batch > NM_VALE_MAX_BATCH)
		batch = NM_VALE_MAX_BATCH;
	q->batch = batch;
	q->max_ft = batch + NETMAP_MAX_FRAGS + 1;
	q->pkt = (struct nm_vale_pkt *)(q->ft + q->max_ft);
	for (i = 0; i < 256; i++)
		q->dhead[i] = q->dtail[i] = NM_VALE_NONE;
}

void nm_vale_rxq_init(struct nm_vale_rxq *rxq, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		nm_os_lock_init(&rxq[i].lock);
		rxq[i].rx_packets = rxq[i].rx_bytes = rxq[i].rx_drops = 0;
	}
}

/*
 * Copy @len bytes. With @fast, both buffers are multiples of 64 bytes long
 * and start 64-byte aligned, so whole 64-byte blocks may be copied (netmap's
 * nm_pkt_copy): the tail beyond @len is garbage the receiver never looks at.
 */
static inline void nm_vale_copy(u8 *dst, const u8 *src, u32 len, bool fast)
{
	if (likely(fast)) {
		for (; (int)len > 0; len -= 64, dst += 64, src += 64)
			__builtin_memcpy(dst, src, 64);
	} else {
		__builtin_memcpy(dst, src, len);
	}
}

/* Slots a packet takes in a ring of @bs-byte buffers. */
static inline u32 nm_vale_need(const struct nm_vale_ft *ft, const struct nm_vale_pkt *p, u32 bs)
{
	u32 need = 0, i;

	for (i = 0; i < p->nfrags; i++) {
		u32 len = ft[p->first + i].len;

		need += likely(len <= bs) ? 1 : (len + bs - 1) / bs;
	}
	return need;
}

/*
 * The drop path of a full destination ring: the packets of the lists at
 * @uni and @flood, all dropped. Counting them is all there is to do.
 */
static u64 nm_vale_drop_all(const struct nm_vale_txq *q, u16 uni, u16 flood)
{
	u64 drops = 0;

	for (; uni != NM_VALE_NONE; uni = q->pkt[uni].next)
		drops++;
	for (; flood != NM_VALE_NONE; flood = q->pkt[flood].next)
		drops++;
	return drops;
}

/*
 * Copy the packets of the list at @uni merged (in batch order) with those
 * at @flood into the RX ring of @dp chosen for @tx. Returns nothing: what
 * does not fit is dropped and counted.
 */
static void nm_vale_deliver(const struct nm_kring *tx, struct nm_vale_txq *q,
			    struct nm_vale_vport *dp, u16 uni, u16 flood)
{
	const u32 r = tx->ring_id % dp->nrx;
	struct nm_kring *rx = &dp->rxk[r];
	struct nm_vale_rxq *rq = &dp->rxq[r];
	struct netmap_slot *ds = rx->ring->slot;
	const u32 n = rx->num_slots;
	/* With OPT_OFFSETS a slot takes less (buf_room) and the copy starts at its offset. */
	const u32 bs = READ_ONCE(rx->buf_room);
	const bool offs = READ_ONCE(rx->offset_mask) || READ_ONCE(tx->offset_mask);
	const bool fast = !(bs & 63) && !(tx->buf_size & 63) && !offs;
	const struct nm_vale_ft *ft = q->ft;
	/* Ports of different header lengths: each packet converted (vale_vnet.c). */
	const u32 dh = READ_ONCE(dp->hdr_len);
	const bool vnet = unlikely(dh != q->hdr_len);
	u64 pkts = 0, bytes = 0, drops = 0;
	u32 tail, space;

	nm_os_lock(&rq->lock);
	tail = rx->nr_hwtail;		/* we are its only writer, under the lock */
	/* Pairs with smp_store_release() in nm_vale_rxsync(). */
	space = nm_kring_dist(tail, nm_kring_prev(smp_load_acquire(&rx->nr_hwcur), n), n);
	/* No room at all in a slot (OPT_OFFSETS with max = buffer size): nothing fits. */
	if (unlikely(!space || !bs)) {
		drops = nm_vale_drop_all(q, uni, flood);
		uni = flood = NM_VALE_NONE;
	}
	while (uni != NM_VALE_NONE || flood != NM_VALE_NONE) {
		const struct nm_vale_pkt *p;
		u32 need, left, i;

		/* Both lists are in batch order: take the earlier packet. */
		if (flood == NM_VALE_NONE || (uni != NM_VALE_NONE && uni < flood)) {
			p = &q->pkt[uni];
			uni = p->next;
		} else {
			p = &q->pkt[flood];
			flood = p->next;
		}
		if (vnet) {
			u32 frames;

			need = nm_vale_vnet_copy(q, p, q->hdr_len, rx, tail, space, dh, &frames);
			if (!need) {
				drops++;
				continue;
			}
			tail = (tail + need) % n;
			space -= need;
			pkts += frames;
			bytes += p->bytes;
			continue;
		}
		need = likely(p->nfrags == 1 && ft[p->first].len <= bs) ? 1 :
		       nm_vale_need(ft, p, bs);
		if (unlikely(need > space || need > 255)) {
			drops++;
			continue;
		}
		left = need;
		for (i = 0; i < p->nfrags; i++) {
			const struct nm_vale_ft *f = &ft[p->first + i];
			const u8 *src = f->buf;
			u32 len = f->len;

			do {
				struct netmap_slot *d = &ds[tail];
				const u32 chunk = len < bs ? len : bs;
				u8 *dst = nm_kring_buf_addr(rx, READ_ONCE(d->buf_idx)) +
					  (offs ? nm_slot_rx_off(rx, d) : 0);

				nm_prefetch(&ds[nm_kring_next(tail, n)]);
				nm_vale_copy(dst, src, chunk, fast);
				d->len = chunk;
				d->flags = (u16)(left << NS_PORT_SHIFT) | (left > 1 ? NS_MOREFRAG : 0);
				src += chunk;
				len -= chunk;
				left--;
				tail = nm_kring_next(tail, n);
			} while (len);
		}
		space -= need;
		pkts++;
		bytes += p->bytes;
	}
	/* The slots above are written before the receiver can see them. */
	smp_store_release(&rx->nr_hwtail, tail);
	NM_VALE_COUNT(rq->rx_packets += pkts; rq->rx_bytes += bytes; rq->rx_drops += drops);
	nm_os_unlock(&rq->lock);
	if (pkts)
		rx->notify(rx);
}

/*
 * Give slots [hwcur, @j) back to the sender and stop there on a bad slot
 * (-EINVAL). A slot waiting for its NS_INDIRECT page (-EFAULT) stays
 * pending, with the ones after it.
 */
static void nm_vale_tx_done(struct nm_kring *tx, u32 j, int err)
{
	tx->nr_hwcur = j;
	smp_store_release(&tx->nr_hwtail, nm_kring_prev(j, tx->num_slots));
	if (unlikely(err == -EINVAL)) {
		tx->stat_errs++;
		tx->rhead = tx->rcur = j;
		WRITE_ONCE(tx->ring->head, j);
		WRITE_ONCE(tx->ring->cur, j);
	}
}

/*
 * Copy the NS_INDIRECT payload of slot @j from @uptr into its buffer @buf,
 * without sleeping (see struct nm_kring_fault). Returns 0, or stops the
 * batch: -EFAULT in *errp when the caller can fault the page in and sync
 * again (the slot stays pending), else -EINVAL (the slot is refused).
 */
static int nm_vale_indirect(struct nm_kring *tx, struct nm_vale_txq *q, u32 j, u8 *buf,
			    u64 uptr, u16 len, int *errp)
{
	struct nm_kring_fault *f = tx->fault;

	if (likely(!nm_os_copy_indirect_nofault(buf, uptr, len)))
		return 0;
	if (f && uptr != f->bad) {
		f->uptr = uptr;
		f->len = len;
		*errp = -EFAULT;
		return -EFAULT;
	}
	nm_os_prlim("vale tx ring %u: slot %u: NS_INDIRECT payload not readable, sync stopped\n",
		    tx->ring_id, j);
	q->tx_errors++;
	*errp = -EINVAL;
	return -EINVAL;
}

/*
 * Phase 1: collect packets from [hwcur, head) into q; returns the number
 * of packets, the slot where the next batch starts in *endp, and -EINVAL in
 * *errp on a bad slot (-EFAULT: an NS_INDIRECT page to fault in first).
 */
static u32 nm_vale_collect(struct nm_kring *tx, struct nm_vale_txq *q, u32 *endp, int *errp)
{
	struct netmap_slot *ts = tx->ring->slot;
	const u32 n = tx->num_slots;
	const u32 head = tx->rhead;
	const u32 bs = tx->buf_size;
	const u64 omask = READ_ONCE(tx->offset_mask), omax = READ_ONCE(tx->offset_max);
	u32 j = tx->nr_hwcur, done = j;
	u32 nft = 0, npkt = 0, nfr = 0, bytes = 0;

	while (j != head) {
		struct netmap_slot *s = &ts[j];
		const u32 next = nm_kring_next(j, n);
		const u32 idx = READ_ONCE(s->buf_idx);
		const u16 len = READ_ONCE(s->len);
		const u16 flags = READ_ONCE(s->flags);
		/* An NS_INDIRECT slot's ptr is the payload's address, not an offset. */
		const u64 off = unlikely(flags & NS_INDIRECT) ? 0 : READ_ONCE(s->ptr) & omask;
		u8 *buf;

		nm_prefetch(&ts[next]);
		if (unlikely(q->dropping)) {
			/* The rest of a chain that was too long. */
			if (!(flags & NS_MOREFRAG))
				q->dropping = false;
			j = done = next;
			continue;
		}
		if (nfr == 0 && nft >= q->batch)
			break;
		if (unlikely(!nm_kring_buf_valid(tx, idx) || off > omax || len + off > bs)) {
			nm_os_prlim("vale tx ring %u: slot %u has bad buf_idx %u, len %u or offset %llu, sync stopped\n",
				    tx->ring_id, j, idx, len, (unsigned long long)off);
			q->tx_errors++;
			*errp = -EINVAL;
			break;
		}
		buf = nm_kring_buf_addr(tx, idx);
		if (unlikely(flags & NS_INDIRECT) && !q->no_indirect &&
		    unlikely(nm_vale_indirect(tx, q, j, buf, READ_ONCE(s->ptr), len, errp)))
			break;
		buf += off;
		nm_prefetch(buf);
		q->ft[nft].buf = buf;
		q->ft[nft].len = len;
		q->ft[nft].flags = flags;
		nft++;
		nfr++;
		bytes += len;
		j = next;
		if (unlikely(nfr > NETMAP_MAX_FRAGS)) {
			nm_os_prlim("vale tx ring %u: chain longer than %d slots dropped\n",
				    tx->ring_id, NETMAP_MAX_FRAGS);
			q->tx_errors++;
			nft -= nfr;
			nfr = 0;
			bytes = 0;
			q->dropping = flags & NS_MOREFRAG;
			done = j;
			continue;
		}
		if (!(flags & NS_MOREFRAG)) {
			struct nm_vale_pkt *p = &q->pkt[npkt++];

			p->first = nft - nfr;
			p->nfrags = nfr;
			p->bytes = bytes;
			nfr = 0;
			bytes = 0;
			done = j;
		}
	}
	/* An unfinished chain stays in the ring for the next sync. */
	*endp = done;
	return npkt;
}

/* Phase 2: learning and destination of each packet; returns whether any floods. */
static bool nm_vale_lookup(struct nm_vale_txq *q, u32 npkt, struct nm_vale_lut *lut, u8 src)
{
	bool flood = false;
	u32 i;

	for (i = 0; i < npkt; i++) {
		struct nm_vale_pkt *p = &q->pkt[i];
		const struct nm_vale_ft *f = &q->ft[p->first];
		const u16 flags = f->flags;
		u32 off = q->hdr_len;
		u64 smac, dmac;
		int d;

		/* A virtio-net header alone in the first slot: the MACs are in the next. */
		if (unlikely(off) && f->len == off && p->nfrags > 1) {
			f++;
			off = 0;
		}
		if (unlikely(f->len < off + NM_ETH_HLEN)) {
			q->tx_errors++;
			p->dst = NM_VALE_DST_DROP;
			continue;
		}
		dmac = nm_vale_mac(f->buf + off);
		smac = nm_vale_mac(f->buf + off + 6);
		if (!(flags & NS_NO_LEARN) && !nm_vale_mac_group(smac))
			nm_vale_lut_learn(lut, smac, src);
		if (nm_vale_mac_group(dmac)) {
			p->dst = NM_VALE_DST_FLOOD;
			flood = true;
			continue;
		}
		d = nm_vale_lut_lookup(lut, dmac);
		if (d < 0) {
			p->dst = NM_VALE_DST_FLOOD;
			flood = true;
		} else {
			/* No hairpin: a frame for the source's own segment stays there. */
			p->dst = d == src ? NM_VALE_DST_DROP : (u8)d;
		}
	}
	return flood;
}

/* Phase 3: per destination, one lock per batch. */
static void nm_vale_flush(struct nm_kring *tx, struct nm_vale_txq *q, u32 npkt,
			  const struct nm_vale_table *t, u8 src, bool flood)
{
	u32 ntouched = 0, i;

	for (i = 0; i < npkt; i++) {
		struct nm_vale_pkt *p = &q->pkt[i];
		u8 d = p->dst;

		if (d == NM_VALE_DST_DROP)
			continue;
		p->next = NM_VALE_NONE;
		if (q->dhead[d] == NM_VALE_NONE) {
			q->dhead[d] = i;
			q->touched[ntouched++] = d;
		} else {
			q->pkt[q->dtail[d]].next = i;
		}
		q->dtail[d] = i;
	}
	if (flood) {
		const u16 fl = q->dhead[NM_VALE_DST_FLOOD];

		for (i = 0; i < t->n; i++) {
			const u8 d = t->list[i];
			struct nm_vale_vport *dp = t->port[d];

			if (d == src || unlikely(!dp))
				continue;
			nm_vale_deliver(tx, q, dp, q->dhead[d], fl);
		}
	} else {
		for (i = 0; i < ntouched; i++) {
			const u8 d = q->touched[i];
			struct nm_vale_vport *dp = d < NM_VALE_MAXPORTS ? t->port[d] : NULL;

			/* A stale entry for a port that left: dropped. */
			if (likely(dp))
				nm_vale_deliver(tx, q, dp, q->dhead[d], NM_VALE_NONE);
		}
	}
	for (i = 0; i < ntouched; i++)
		q->dhead[q->touched[i]] = NM_VALE_NONE;
}

int nm_vale_txsync(struct nm_kring *tx, struct nm_vale_txq *q, struct nm_vale_sw *sw,
		   u8 src, u32 retries)
{
	int err = 0;

	do {
		u32 npkt, end, i;
		u64 bytes = 0;
		bool flood;

		if (tx->nr_hwcur == tx->rhead)
			break;
		npkt = nm_vale_collect(tx, q, &end, &err);
		if (npkt) {
			const struct nm_vale_table *t;

			flood = nm_vale_lookup(q, npkt, &sw->lut, src);
			nm_os_rcu_read_lock();
			t = nm_os_rcu_dereference(sw->table);
			if (likely(t))
				nm_vale_flush(tx, q, npkt, t, src, flood);
			nm_os_rcu_read_unlock();
			NM_VALE_COUNT(for (i = 0; i < npkt; i++)
					      bytes += q->pkt[i].bytes;
				      q->tx_packets += npkt;
				      q->tx_bytes += bytes);
		}
		if (end == tx->nr_hwcur) {
			/* Nothing consumed (an unfinished chain): wait for more. */
			if (unlikely(err))
				nm_vale_tx_done(tx, end, err);
			break;
		}
		nm_vale_tx_done(tx, end, err);
	} while (!err && retries-- > 0);
	return err;
}

int nm_vale_txsync_drop(struct nm_kring *tx, struct nm_vale_txq *q)
{
	const u32 start = tx->nr_hwcur;
	/* The null port's txsync: slots checked (a bad one stops it), then dropped. */
	int err = nm_null_txsync(tx);

	q->tx_errors += nm_kring_dist(start, tx->nr_hwcur, tx->num_slots);
	return err;
}

int nm_vale_rxsync(struct nm_kring *rx)
{
	const u32 head = rx->rhead;

	if (head == rx->nr_hwcur)
		return 0;
	rx->stat_pkts += nm_kring_dist(rx->nr_hwcur, head, rx->num_slots);
	/* The user's reads of [hwcur, head) happened before this sync. */
	smp_store_release(&rx->nr_hwcur, head);
	return 0;
}
