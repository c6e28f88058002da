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
 * (at least one block) and start 64-byte aligned, so whole 64-byte blocks
 * may be copied (netmap's nm_pkt_copy): the tail beyond @len is garbage the
 * receiver never looks at, and a frame of up to 64 bytes is one block.
 */
static inline void nm_vale_copy(u8 *dst, const u8 *src, u32 len, bool fast)
{
	if (likely(fast)) {
		do {
			__builtin_memcpy(dst, src, 64);
			dst += 64;
			src += 64;
			len -= 64;
		} while ((int)len > 0);
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
 * A batch as nm_vale_collect() leaves it: the destination of every packet
 * is decided, and it tells whether they all go the same way (one learned
 * port, or all flooded), so that the flush can skip sorting them into
 * per-destination lists: the common case of a flow, and of a switch with
 * two ports.
 */
struct nm_vale_batch {
	u32 npkt;			/* packets in q->pkt */
	u32 nfwd;			/* of which not NM_VALE_DST_DROP */
	u64 bytes;			/* of all npkt */
	u8 one;				/* the dst of all nfwd packets, unless mixed */
	bool mixed;			/* nfwd packets with different dst */
	bool flood;			/* a packet has dst NM_VALE_DST_FLOOD */
	bool simple;			/* every packet one slot, none dropped: q->ft[i] is packet i */
};

/* The receiving side of one delivery, and what it has done so far. */
struct nm_vale_out {
	struct nm_kring *rx;
	struct netmap_slot *ds;
	u32 n, bs, dh;			/* ring size, room per slot, its header length */
	bool fast, offs, vnet;
	u32 tail, space;
	u64 pkts, bytes, drops;
};

/*
 * Copy packet @p into @o's ring in as many slots as it takes (split by the
 * destination's buffer size, NS_RFRAGS in the high byte of flags), or drop
 * it when it does not fit; converts its virtio-net header if the ports'
 * lengths differ. The general case: one-slot packets take the inline path
 * of nm_vale_deliver().
 */
static void nm_vale_put(const struct nm_vale_txq *q, const struct nm_vale_pkt *p,
			struct nm_vale_out *o)
{
	const struct nm_vale_ft *ft = q->ft;
	struct nm_kring *rx = o->rx;
	u32 need, left, i, tail = o->tail;

	if (o->vnet) {
		u32 frames;

		need = nm_vale_vnet_copy(q, p, q->hdr_len, rx, tail, o->space, o->dh, &frames);
		if (!need) {
			o->drops++;
			return;
		}
		o->tail = (tail + need) % o->n;
		o->space -= need;
		o->pkts += frames;
		o->bytes += p->bytes;
		return;
	}
	need = nm_vale_need(ft, p, o->bs);
	if (unlikely(need > o->space || need > 255)) {
		o->drops++;
		return;
	}
	left = need;
	for (i = 0; i < p->nfrags; i++) {
		const struct nm_vale_ft *f = &ft[p->first + i];
		const u8 *src = f->buf;
		u32 len = f->len;

		do {
			struct netmap_slot *d = &o->ds[tail];
			const u32 chunk = len < o->bs ? len : o->bs;
			u8 *dst = nm_kring_buf_addr(rx, READ_ONCE(d->buf_idx)) +
				  (o->offs ? nm_slot_rx_off(rx, d) : 0);

			nm_vale_copy(dst, src, chunk, o->fast);
			d->len = chunk;
			d->flags = (u16)(left << NS_PORT_SHIFT) | (left > 1 ? NS_MOREFRAG : 0);
			src += chunk;
			len -= chunk;
			left--;
			tail = nm_kring_next(tail, o->n);
		} while (len);
	}
	o->tail = tail;
	o->space -= need;
	o->pkts++;
	o->bytes += p->bytes;
}

/*
 * Copy into the RX ring of @dp chosen for @tx the packets of the list at
 * @uni merged (in batch order) with those at @flood or, with @all, every
 * packet of the batch @b that is not dropped. Returns nothing: what does
 * not fit is dropped and counted.
 *
 * A packet of one slot that fits a destination slot, with no header
 * conversion and no offsets, is copied inline with the ring's state in
 * locals (the kernel is built with -fno-strict-aliasing: a field read
 * through a pointer is read again after every store of the copy).
 */
static void nm_vale_deliver(const struct nm_kring *tx, struct nm_vale_txq *q,
			    struct nm_vale_vport *dp, u16 uni, u16 flood,
			    const struct nm_vale_batch *b, bool all)
{
	const u32 r = tx->ring_id % dp->nrx;
	struct nm_kring *rx = &dp->rxk[r];
	struct nm_vale_rxq *rq = &dp->rxq[r];
	struct netmap_slot *const ds = rx->ring->slot;
	u8 *const base = rx->buf_base;
	const u32 nbufs = rx->nbufs, stride = rx->buf_stride, n = rx->num_slots;
	const struct nm_vale_ft *const ft = q->ft;
	const struct nm_vale_pkt *const pkt = q->pkt;
	const u32 npkt = all ? b->npkt : 0;
	struct nm_vale_out o = { .rx = rx, .ds = ds, .n = n };
	u64 pkts = 0, bytes = 0, drops = 0;
	u32 tail, space, i = 0;
	bool quick;

	/* With OPT_OFFSETS a slot takes less (buf_room) and the copy starts at its offset. */
	o.bs = READ_ONCE(rx->buf_room);
	o.offs = READ_ONCE(rx->offset_mask) || READ_ONCE(tx->offset_mask);
	o.fast = !(o.bs & 63) && !(tx->buf_size & 63) && !o.offs;
	/* Ports of different header lengths: each packet converted (vale_vnet.c). */
	o.dh = READ_ONCE(dp->hdr_len);
	o.vnet = unlikely(o.dh != q->hdr_len);
	quick = o.fast && !o.vnet;

	nm_os_lock(&rq->lock);
	tail = rx->nr_hwtail;		/* we are its only writer, under the lock */
	/* Pairs with smp_store_release() in nm_vale_rxsync(). */
	space = nm_kring_dist(tail, nm_kring_prev(smp_load_acquire(&rx->nr_hwcur), n), n);
	/* No room at all in a slot (OPT_OFFSETS with max = buffer size): nothing fits. */
	if (unlikely(!space || !o.bs)) {
		drops = all ? b->nfwd : nm_vale_drop_all(q, uni, flood);
		goto out;
	}
	/*
	 * Every packet of the batch, each one slot no longer than our slots
	 * (tx's buf_size bounds every len): the per-frame loop is the copy
	 * and the slot, nothing else. What does not fit is dropped.
	 */
	if (all && b->simple && quick && tx->buf_size <= o.bs) {
		const u32 k = npkt < space ? npkt : space;

		for (i = 0; i < k; i++) {
			struct netmap_slot *d = &ds[tail];
			const u32 idx = READ_ONCE(d->buf_idx), len = ft[i].len;

			tail = nm_kring_next(tail, n);
			nm_prefetch(&ds[tail]);
			/* An index out of range gives buffer 0, as nm_kring_buf_addr(). */
			nm_vale_copy(base + (likely(idx < nbufs) ? (size_t)idx * stride : 0),
				     ft[i].buf, len, true);
			d->len = len;
			d->flags = 1 << NS_PORT_SHIFT;
			bytes += len;
		}
		pkts = k;
		drops = npkt - k;
		goto out;
	}
	for (;;) {
		const struct nm_vale_pkt *p;
		const struct nm_vale_ft *f;
		struct netmap_slot *d;
		u32 len, idx;

		if (all) {
			if (i == npkt)
				break;
			p = &pkt[i++];
			if (p->dst == NM_VALE_DST_DROP)
				continue;
		} else if (uni == NM_VALE_NONE && flood == NM_VALE_NONE) {
			break;
		} else if (flood == NM_VALE_NONE || (uni != NM_VALE_NONE && uni < flood)) {
			/* Both lists are in batch order: take the earlier packet. */
			p = &pkt[uni];
			uni = p->next;
		} else {
			p = &pkt[flood];
			flood = p->next;
		}
		f = &ft[p->first];
		len = f->len;
		if (unlikely(!quick || p->nfrags != 1 || len > o.bs)) {
			o.tail = tail;
			o.space = space;
			nm_vale_put(q, p, &o);
			tail = o.tail;
			space = o.space;
			continue;
		}
		if (unlikely(!space)) {
			drops++;
			continue;
		}
		d = &ds[tail];
		tail = nm_kring_next(tail, n);
		nm_prefetch(&ds[tail]);
		idx = READ_ONCE(d->buf_idx);
		/* An index out of range gives buffer 0, as nm_kring_buf_addr(). */
		nm_vale_copy(base + (likely(idx < nbufs) ? (size_t)idx * stride : 0), f->buf, len, true);
		d->len = len;
		d->flags = 1 << NS_PORT_SHIFT;
		space--;
		pkts++;
		bytes += len;
	}
	pkts += o.pkts;
	bytes += o.bytes;
	drops += o.drops;
out:
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
 * The verdict for the last pair of MACs looked up in a batch. The frames
 * of a flow come in runs with the same pair: learning the same source and
 * looking up the same destination again right after would find what the
 * first frame found (a concurrent sender may change the table in between,
 * a race the switch accepts anyway, see vale_lut.h), so the run's frames
 * reuse the verdict. Valid within one batch only.
 */
struct nm_vale_memo {
	u64 dmac;
	u64 skey;			/* smac | NS_NO_LEARN of the frame << 48; ~0: empty */
	u8 dst;
};

/*
 * What the destinations of a batch have in common, updated with each new
 * verdict (a memo miss: every verdict applies to at least one packet, so
 * the verdicts seen are the destinations of the packets).
 */
struct nm_vale_dsts {
	u8 one;				/* the first verdict not NM_VALE_DST_DROP */
	bool any, mixed, flood;
};

static void nm_vale_dsts_add(struct nm_vale_dsts *ds, u8 dst)
{
	if (dst == NM_VALE_DST_DROP)
		return;
	if (!ds->any) {
		ds->any = true;
		ds->one = dst;
	} else if (dst != ds->one) {
		ds->mixed = true;
	}
	if (dst == NM_VALE_DST_FLOOD)
		ds->flood = true;
}

/*
 * Learning and destination of a packet whose first slot is @buf, @len,
 * @flags, @next its second slot (NULL: none); @hl the source port's
 * virtio-net header length. Returns a port, NM_VALE_DST_FLOOD (unknown,
 * broadcast and multicast destinations) or NM_VALE_DST_DROP (a frame for
 * the source's own segment: no hairpin; a frame too short, counted).
 */
static inline u8 nm_vale_dst(struct nm_vale_txq *q, struct nm_vale_lut *lut, u8 src,
			     struct nm_vale_memo *m, struct nm_vale_dsts *all, u32 hl,
			     const u8 *buf, u32 len, u16 flags, const struct nm_vale_ft *next)
{
	const u16 nolearn = flags & NS_NO_LEARN;
	u64 smac, dmac, skey;
	int d;
	u8 dst;

	/* A virtio-net header alone in the first slot: the MACs are in the next. */
	if (unlikely(hl) && len == hl && next) {
		buf = next->buf;
		len = next->len;
		hl = 0;
	}
	if (unlikely(len < hl + NM_ETH_HLEN)) {
		q->tx_errors++;
		return NM_VALE_DST_DROP;
	}
	nm_vale_macs(buf + hl, &dmac, &smac);
	skey = smac | (u64)nolearn << 48;
	if (likely(dmac == m->dmac && skey == m->skey))
		return m->dst;
	if (!nolearn && !nm_vale_mac_group(smac))
		nm_vale_lut_learn(lut, smac, src);
	if (nm_vale_mac_group(dmac)) {
		dst = NM_VALE_DST_FLOOD;
	} else {
		d = nm_vale_lut_lookup(lut, dmac);
		/* No hairpin: a frame for the source's own segment stays there. */
		dst = d < 0 ? NM_VALE_DST_FLOOD : d == src ? NM_VALE_DST_DROP : (u8)d;
	}
	m->dmac = dmac;
	m->skey = skey;
	m->dst = dst;
	nm_vale_dsts_add(all, dst);
	return dst;
}

/*
 * Collect packets from [hwcur, head) into q, learning their sources and
 * deciding their destinations as they complete (one pass over the slots);
 * fills *b, returns the slot where the next batch starts, and -EINVAL in
 * *errp on a bad slot (-EFAULT: an NS_INDIRECT page to fault in first).
 * The kring's and q's fields are read once into locals: see
 * nm_vale_deliver() on -fno-strict-aliasing.
 */
static u32 nm_vale_collect(struct nm_kring *tx, struct nm_vale_txq *q, struct nm_vale_lut *lut,
			   u8 src, struct nm_vale_batch *b, int *errp)
{
	struct netmap_slot *const ts = tx->ring->slot;
	const u32 n = tx->num_slots, head = tx->rhead, bs = tx->buf_size, batch = q->batch;
	u8 *const base = tx->buf_base;
	/* Valid buffers are 2 .. nbufs - 1: one unsigned compare of idx - 2. */
	const u32 lim = tx->nbufs > 2 ? tx->nbufs - 2 : 0, stride = tx->buf_stride;
	const u32 hl = q->hdr_len;
	const u64 omask = READ_ONCE(tx->offset_mask), omax = READ_ONCE(tx->offset_max);
	/* A NIC source's NS_INDIRECT is ignored. */
	const u16 indirect = q->no_indirect ? 0 : NS_INDIRECT;
	struct nm_vale_ft *const ft = q->ft;
	struct nm_vale_pkt *const pkt = q->pkt;
	struct nm_vale_memo m = { .skey = ~0ULL };
	struct nm_vale_dsts dsts = { .one = NM_VALE_DST_DROP };
	bool dropping = q->dropping;
	u32 j = tx->nr_hwcur, done = j;
	u32 nft = 0, npkt = 0, nfr = 0, bytes = 0, ndrop = 0;
	u64 total = 0;

	while (j != head) {
		struct netmap_slot *s = &ts[j];
		const u32 next = nm_kring_next(j, n);
		const u32 idx = READ_ONCE(s->buf_idx);
		const u16 len = READ_ONCE(s->len);
		const u16 flags = READ_ONCE(s->flags);
		/* An NS_INDIRECT slot's ptr is the payload's address, not an offset. */
		const u64 off = likely(!omask) || (flags & NS_INDIRECT) ? 0 :
				READ_ONCE(s->ptr) & omask;
		struct nm_vale_pkt *p;
		u8 *buf, dst;

		nm_prefetch(&ts[next]);
		if (unlikely(dropping)) {
			/* The rest of a chain that was too long. */
			if (!(flags & NS_MOREFRAG))
				dropping = false;
			j = done = next;
			continue;
		}
		if (nfr == 0 && nft >= batch)
			break;
		if (unlikely(idx - 2 >= lim || off > omax || len + off > bs)) {
			nm_os_prlim("vale tx ring %u: slot %u has bad buf_idx %u, len %u or offset %llu, sync stopped\n",
				    tx->ring_id, j, idx, len, (unsigned long long)off);
			q->tx_errors++;
			*errp = -EINVAL;
			break;
		}
		buf = base + (size_t)idx * stride;
		if (unlikely(flags & indirect) &&
		    nm_vale_indirect(tx, q, j, buf, READ_ONCE(s->ptr), len, errp))
			break;
		buf += off;
		nm_prefetch(buf);
		ft[nft].buf = buf;
		ft[nft].len = len;
		ft[nft].flags = flags;
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
			dropping = flags & NS_MOREFRAG;
			done = j;
			continue;
		}
		if (flags & NS_MOREFRAG)
			continue;
		p = &pkt[npkt++];
		p->first = nft - nfr;
		p->nfrags = nfr;
		p->bytes = bytes;
		if (likely(nfr == 1)) {
			dst = nm_vale_dst(q, lut, src, &m, &dsts, hl, buf, len, flags, NULL);
		} else {
			const struct nm_vale_ft *f = &ft[p->first];

			dst = nm_vale_dst(q, lut, src, &m, &dsts, hl, f->buf, f->len, f->flags, f + 1);
		}
		p->dst = dst;
		ndrop += dst == NM_VALE_DST_DROP;
		total += bytes;
		nfr = 0;
		bytes = 0;
		done = j;
	}
	q->dropping = dropping;
	b->npkt = npkt;
	b->nfwd = npkt - ndrop;
	b->bytes = total;
	b->one = dsts.one;
	b->mixed = dsts.mixed;
	b->flood = dsts.flood;
	b->simple = nft == npkt && !ndrop;
	/* An unfinished chain stays in the ring for the next sync. */
	return done;
}

/*
 * Phase 3: per destination, one lock per batch. When all packets not
 * dropped go the same way, each destination takes them straight from the
 * batch; otherwise they are sorted into per-destination lists first.
 */
static void nm_vale_flush(struct nm_kring *tx, struct nm_vale_txq *q,
			  const struct nm_vale_table *t, u8 src, const struct nm_vale_batch *b)
{
	u32 ntouched = 0, i;

	if (!b->mixed && b->one != NM_VALE_DST_FLOOD) {
		struct nm_vale_vport *dp = b->one < NM_VALE_MAXPORTS ? t->port[b->one] : NULL;

		/* A stale entry for a port that left: dropped. */
		if (likely(dp))
			nm_vale_deliver(tx, q, dp, NM_VALE_NONE, NM_VALE_NONE, b, true);
		return;
	}
	if (!b->mixed) {
		for (i = 0; i < t->n; i++) {
			const u8 d = t->list[i];
			struct nm_vale_vport *dp = t->port[d];

			if (d != src && likely(dp))
				nm_vale_deliver(tx, q, dp, NM_VALE_NONE, NM_VALE_NONE, b, true);
		}
		return;
	}
	for (i = 0; i < b->npkt; i++) {
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
	if (b->flood) {
		const u16 fl = q->dhead[NM_VALE_DST_FLOOD];

		for (i = 0; i < t->n; i++) {
			const u8 d = t->list[i];
			struct nm_vale_vport *dp = t->port[d];

			if (d == src || unlikely(!dp))
				continue;
			nm_vale_deliver(tx, q, dp, q->dhead[d], fl, b, false);
		}
	} else {
		for (i = 0; i < ntouched; i++) {
			const u8 d = q->touched[i];
			struct nm_vale_vport *dp = d < NM_VALE_MAXPORTS ? t->port[d] : NULL;

			/* A stale entry for a port that left: dropped. */
			if (likely(dp))
				nm_vale_deliver(tx, q, dp, q->dhead[d], NM_VALE_NONE, b, false);
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
		struct nm_vale_batch b;
		u32 end;

		if (tx->nr_hwcur == tx->rhead)
			break;
		end = nm_vale_collect(tx, q, &sw->lut, src, &b, &err);
		if (b.nfwd) {
			const struct nm_vale_table *t;

			nm_os_rcu_read_lock();
			t = nm_os_rcu_dereference(sw->table);
			if (likely(t))
				nm_vale_flush(tx, q, t, src, &b);
			nm_os_rcu_read_unlock();
		}
		NM_VALE_COUNT(q->tx_packets += b.npkt; q->tx_bytes += b.bytes);
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
