// SPDX-License-Identifier: BSD-2-Clause
/*
 * NIC ports: the emulated ("generic") adapter over any Ethernet net_device,
 * with its host-stack rings. See nic.h for the object and its contract.
 *
 * How the interface is taken over while the port is on (nm_nic_hook()):
 *   - receive: an rx_handler (netdev_rx_handler_register) takes every frame
 *     the device receives and queues it on the skb queue of an RX kring
 *     (bounded to the ring size; overflow is dropped and counted). Frames
 *     we inject into the stack ourselves carry NM_MAGIC_RX in skb->priority
 *     and are passed through.
 *   - stack transmit: dev->netdev_ops is replaced by a copy whose
 *     ndo_start_xmit queues what the stack sends on the host RX kring.
 *     Frames our hardware TX rings send carry NM_MAGIC_TX in skb->priority
 *     and go to the driver's own ndo_start_xmit. The original ops come back
 *     at unhook, followed by synchronize_net().
 *   - hardware TX: txsync copies each slot into an skb of a per-ring pool
 *     (NM_NIC_POOL per slot, used in turn) and gives it to the driver with
 *     __dev_direct_xmit() (no qdisc, like AF_PACKET's PACKET_QDISC_BYPASS),
 *     BH off around batches of NM_NIC_RX_BATCH. We keep a reference on
 *     every pool skb, so the driver's free only drops its own; the skb is
 *     reused when nobody else holds it (users == 1, dataref == 1), else it
 *     is let go and replaced by a new allocation (counted). Pool skbs have
 *     no destructor, so an skb still held elsewhere when the port or the
 *     module goes away never calls into us.
 *   - host TX: txsync builds an skb per slot and netif_rx()es it.
 *
 * TX completion: the data is copied at txsync, so a slot is free again as
 * soon as its frame went to the driver: txsync publishes tail = hwcur - 1
 * (as netmap's emulated adapter does once its skbs are reclaimed). If the
 * driver's queue is stopped (NETDEV_TX_BUSY) txsync stops there and a
 * timer (NM_NIC_TX_RETRY_NS) notifies the TX kring, so a poll()er retries.
 *
 * RX notification (generic_mit, ns): kring->notify runs when a kring's
 * queue goes from empty to non-empty (a sync that drained the queue makes
 * the next frame notify), at most once per generic_mit ns; a notification
 * that falls inside the window is deferred to its end by an hrtimer, never
 * lost. generic_mit = 0 notifies on every empty -> non-empty transition.
 *
 * Locking and lifetime:
 *   - nm_ctrl_lock: the port, its on count, creation and destruction;
 *   - rtnl: hooking and unhooking; nm_ctrl_lock -> rtnl -> nm_nic_list_lock;
 *   - a queue's spinlock (q.lock): the queue, its drop counter and its
 *     moderation state; the rx_handler and our ndo_start_xmit run in
 *     softirq/BH context, syncs take it with _bh, once per batch;
 *   - NETDEV_UNREGISTER (rtnl held, nm_ctrl_lock NOT takeable) unhooks,
 *     sets dead, waits until no sync runs on any kring (a sync checks dead
 *     after taking its busy bit, with full barriers on both sides, like
 *     vale.c's quiesce), then drops our netdev reference. A dead port's
 *     syncs drop TX and never receive.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/hrtimer.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/dst.h>
#include <net/net_namespace.h>

#include "mem.h"
#include "nic.h"
#include "params.h"
#include "port.h"

/* skb->priority marks of our own frames (the values netmap uses). */
#define NM_MAGIC_TX		0xad86d310U	/* hardware TX: to the driver */
#define NM_MAGIC_RX		0xad86d311U	/* host TX: into the stack */

#define NM_NIC_MAX_RINGS	64
#define NM_NIC_MIN_SLOTS	64
#define NM_NIC_MAX_SLOTS	16384
#define NM_NIC_TX_RETRY_NS	(50 * NSEC_PER_USEC)
/*
 * TX pool skbs per slot: a frame may stay in the peer's queues (a veth
 * peer's backlog and, if it is a netmap port too, its RX queue of a ring's
 * size) for a whole turn of the ring; with two per slot the skb we come
 * back to is mostly free again (measured: see kernel/README.md).
 */
#define NM_NIC_POOL		2
/* netif_rx() batches: let the backlog run every this many frames. */
#define NM_NIC_RX_BATCH		64

struct nm_nic;

/* Per RX kring (hardware and host). */
struct nm_nic_rxq {
	struct sk_buff_head q;		/* q.lock: q, drops, mit_* */
	u32 cap;			/* most frames queued: the ring size */
	u64 drops;			/* queue full (q.lock) */
	bool mit_armed;
	u64 mit_last;			/* ns of the last notification */
	struct hrtimer mit;
	struct nm_kring *kring;
	/* The sync's (busy bit). */
	u64 packets, bytes, too_long;
	u64 fwd_packets, fwd_bytes, fwd_errors;	/* NS_FORWARD, sent on */
};

/* Per TX kring. */
struct nm_nic_txq {
	struct sk_buff **pool;		/* hardware rings: NM_NIC_POOL x slots skbs (busy bit) */
	u32 pool_size, pool_next;	/* used in turn */
	struct hrtimer retry;		/* queue stopped: notify later */
	struct nm_kring *kring;
	u64 packets, bytes, errors;	/* the sync's (busy bit) */
	u64 reused, allocated;
	bool in_chain;			/* dropping an NS_MOREFRAG chain (busy bit) */
};

struct nm_nic {
	struct nm_port up;
	struct net_device *ndev;	/* reference; NULL once dead */
	struct list_head nlist;		/* nm_nic_list (nm_nic_list_lock) */
	u32 on;				/* nm_ctrl_lock */
	bool hooked;			/* rtnl */
	bool dead;			/* rtnl + nm_nic_list_lock to write */
	const struct net_device_ops *orig_ops;
	struct net_device_ops ops;	/* orig_ops with our ndo_start_xmit */
	u32 headroom;			/* LL_RESERVED_SPACE at creation */
	struct nm_nic_rxq *rxq;		/* nrings + nhost, per direction */
	struct nm_nic_txq *txq;
};

static LIST_HEAD(nm_nic_list);
static DEFINE_MUTEX(nm_nic_list_lock);

static inline struct nm_nic *to_nic(const struct nm_port *port)
{
	return container_of(port, struct nm_nic, up);
}

static const struct nm_port_ops nm_nic_ops;

bool nm_port_is_nic(const struct nm_port *port)
{
	return port->ops == &nm_nic_ops;
}

const char *nm_nic_ifname(const struct nm_port *port)
{
	const struct nm_nic *nic = to_nic(port);
	struct net_device *dev = READ_ONCE(nic->ndev);

	return dev ? dev->name : port->name;
}

/* ---- receive side: queues and notification ------------------------------ */

static enum hrtimer_restart nm_nic_mit_fire(struct hrtimer *t)
{
	struct nm_nic_rxq *rq = container_of(t, struct nm_nic_rxq, mit);

	spin_lock(&rq->q.lock);
	rq->mit_armed = false;
	rq->mit_last = ktime_get_ns();
	spin_unlock(&rq->q.lock);
	rq->kring->notify(rq->kring);
	return HRTIMER_NORESTART;
}

/*
 * The queue of @rq just went non-empty (q.lock held): should the caller
 * notify now (after unlocking)? If a notification went out less than
 * generic_mit ns ago, the timer does it at the end of the window.
 */
static bool nm_nic_rx_kick(struct nm_nic_rxq *rq)
{
	const int mit = READ_ONCE(nm_generic_mit);
	u64 now;

	if (mit <= 0)
		return true;
	if (rq->mit_armed)
		return false;
	now = ktime_get_ns();
	if (now - rq->mit_last >= (u64)mit) {
		rq->mit_last = now;
		return true;
	}
	rq->mit_armed = true;
	hrtimer_start(&rq->mit, ns_to_ktime(rq->mit_last + mit - now), HRTIMER_MODE_REL_SOFT);
	return false;
}

/* Queue @skb on @rq or drop it; BH context. Consumes @skb. */
static void nm_nic_rx_enqueue(struct nm_nic_rxq *rq, struct sk_buff *skb)
{
	bool kick = false;

	spin_lock(&rq->q.lock);
	if (unlikely(skb_queue_len(&rq->q) >= rq->cap)) {
		rq->drops++;
		spin_unlock(&rq->q.lock);
		kfree_skb(skb);
		return;
	}
	__skb_queue_tail(&rq->q, skb);
	if (skb_queue_len(&rq->q) == 1)
		kick = nm_nic_rx_kick(rq);
	spin_unlock(&rq->q.lock);
	if (kick)
		rq->kring->notify(rq->kring);
}

static void nm_nic_rx_drop_locked(struct nm_nic_rxq *rq, struct sk_buff *skb)
{
	spin_lock(&rq->q.lock);
	rq->drops++;
	spin_unlock(&rq->q.lock);
	kfree_skb(skb);
}

/* Every frame the device receives while hooked (softirq, RCU). */
static rx_handler_result_t nm_nic_rx_handler(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct nm_nic *nic = rcu_dereference(skb->dev->rx_handler_data);
	u32 r = 0;

	if (unlikely(skb->priority == NM_MAGIC_RX)) {
		/* Our host TX ring's frame: for the stack. */
		skb->priority = 0;
		return RX_HANDLER_PASS;
	}
	if (nic->up.nrings[NM_RX] > 1 && skb_rx_queue_recorded(skb))
		r = skb_get_rx_queue(skb) % nic->up.nrings[NM_RX];
	nm_nic_rx_enqueue(&nic->rxq[r], skb);
	return RX_HANDLER_CONSUMED;
}

/* What the stack transmits on the device while hooked (BH off, RCU-bh). */
static netdev_tx_t nm_nic_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct nm_nic *nic = rcu_dereference_bh(dev->rx_handler_data);
	struct nm_nic_rxq *rq;

	if (likely(skb->priority == NM_MAGIC_TX)) {
		/* Ours, from a TX ring: straight to the driver. */
		skb->priority = 0;
		return nic->orig_ops->ndo_start_xmit(skb, dev);
	}
	/* Host RX ring: the stack's TX queue modulo the host RX rings. */
	rq = &nic->rxq[nic->up.nrings[NM_RX] +
		       skb_get_queue_mapping(skb) % nic->up.nhost[NM_RX]];
	/* A super-frame cannot fit a buffer; a partial checksum is finished here. */
	if (unlikely(skb_is_gso(skb)) ||
	    unlikely(skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))) {
		nm_nic_rx_drop_locked(rq, skb);
		return NETDEV_TX_OK;
	}
	nm_nic_rx_enqueue(rq, skb);
	return NETDEV_TX_OK;
}

/* ---- building and sending skbs ----------------------------------------- */

/*
 * A frame from @buf into the stack as if the device had received it
 * (BH disabled by the caller). Returns 0 or -errno.
 */
static int nm_nic_send_up(struct nm_nic *nic, const void *buf, u32 len)
{
	struct net_device *dev = nic->ndev;
	struct sk_buff *skb;

	if (unlikely(len < ETH_HLEN))
		return -EINVAL;
	skb = netdev_alloc_skb(dev, len + NET_IP_ALIGN);
	if (unlikely(!skb))
		return -ENOMEM;
	skb_reserve(skb, NET_IP_ALIGN);
	skb_put_data(skb, buf, len);
	skb->protocol = eth_type_trans(skb, dev);
	skb->priority = NM_MAGIC_RX;
	return netif_rx(skb) == NET_RX_SUCCESS ? 0 : -ENOBUFS;
}

/* Set an skb holding a frame of @len bytes up for the driver. */
static void nm_nic_tx_prep(struct nm_nic *nic, struct sk_buff *skb, u32 len)
{
	skb->dev = nic->ndev;
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, ETH_HLEN);
	skb->protocol = ((struct ethhdr *)skb->data)->h_proto;
	skb->priority = NM_MAGIC_TX;
}

/*
 * Give @skb to the driver on queue @qid. Returns 0 if the driver took it
 * (or dropped it: counted by the device), -EBUSY if its queue is stopped
 * (@skb is then still the caller's), -ENETDOWN if dropped before the driver.
 */
static int nm_nic_xmit(struct nm_nic *nic, struct sk_buff *skb, u16 qid)
{
	int ret = __dev_direct_xmit(skb, qid);

	if (unlikely(ret == NETDEV_TX_BUSY))
		return -EBUSY;
	return ret == NET_XMIT_DROP ? -ENETDOWN : 0;
}

static u16 nm_nic_txqid(const struct nm_nic *nic, u32 ring)
{
	u32 n = READ_ONCE(nic->ndev->real_num_tx_queues);

	return n > 1 ? ring % n : 0;
}

/* A frame from @buf out of the device with a fresh skb (NS_FORWARD). */
static int nm_nic_send_out(struct nm_nic *nic, const void *buf, u32 len)
{
	struct sk_buff *skb;
	int err;

	if (unlikely(len < ETH_HLEN))
		return -EINVAL;
	skb = alloc_skb(nic->headroom + len, GFP_ATOMIC | __GFP_NOWARN);
	if (unlikely(!skb))
		return -ENOMEM;
	skb_reserve(skb, nic->headroom);
	skb_put_data(skb, buf, len);
	nm_nic_tx_prep(nic, skb, len);
	err = nm_nic_xmit(nic, skb, 0);
	if (err == -EBUSY)
		kfree_skb(skb);
	return err;
}

/*
 * Pool skbs: reusable when we hold the only reference to the skb and to
 * its data (a clone made by a receiver would share the data). Then its
 * metadata is reset as __build_skb_around() does, after releasing what the
 * path it went through may have attached (dst, conntrack, extensions).
 */
static bool nm_nic_skb_reusable(struct sk_buff *skb)
{
	if (refcount_read(&skb->users) != 1 ||
	    atomic_read(&skb_shinfo(skb)->dataref) != 1)
		return false;
	/* Pairs with the release in the other holder's final put. */
	smp_rmb();
	return !skb_shinfo(skb)->nr_frags && !skb_shinfo(skb)->frag_list;
}

static void nm_nic_skb_reinit(struct sk_buff *skb, u32 headroom)
{
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb_ext_reset(skb);
	if (unlikely(skb->destructor))
		skb_orphan(skb);
	memset(skb, 0, offsetof(struct sk_buff, tail));
	skb->mac_header = (typeof(skb->mac_header))~0U;
	skb->transport_header = (typeof(skb->transport_header))~0U;
	skb->data = skb->head + headroom;
	skb_reset_tail_pointer(skb);
	memset(skb_shinfo(skb), 0, offsetof(struct skb_shared_info, dataref));
}

/*
 * The next pool skb, ready for a frame of @len bytes; NULL on
 * allocation failure. New skbs are sized for the device's MTU (a frame
 * above it would be dropped by the driver anyway), or for @len if larger;
 * a pool skb too small for @len (the MTU grew) is replaced.
 */
static struct sk_buff *nm_nic_pool_get(struct nm_nic *nic, struct nm_nic_txq *tq, u32 len)
{
	u32 j = tq->pool_next, size;
	struct sk_buff *skb = tq->pool[j];

	tq->pool_next = j + 1 == tq->pool_size ? 0 : j + 1;
	if (likely(skb) && likely(nm_nic_skb_reusable(skb))) {
		nm_nic_skb_reinit(skb, nic->headroom);
		if (likely(skb_tailroom(skb) >= len)) {
			tq->reused++;
			return skb;
		}
	}
	if (skb) {
		/* Still held elsewhere (or too small): let it go, its last holder frees it. */
		kfree_skb(skb);
		tq->pool[j] = NULL;
	}
	size = min(tq->kring->buf_size,
		   max(len, READ_ONCE(nic->ndev->mtu) + (u32)(ETH_HLEN + VLAN_HLEN)));
	skb = alloc_skb(nic->headroom + size, GFP_ATOMIC | __GFP_NOWARN);
	if (unlikely(!skb))
		return NULL;
	skb_reserve(skb, nic->headroom);
	tq->allocated++;
	tq->pool[j] = skb;
	return skb;
}

/* ---- syncs -------------------------------------------------------------- */

/* Holding the busy bit: is the device gone? (see the top comment) */
static bool nm_nic_sync_dead(const struct nm_nic *nic)
{
	smp_mb__after_atomic();
	return READ_ONCE(nic->dead);
}

static enum hrtimer_restart nm_nic_retry_fire(struct hrtimer *t)
{
	struct nm_nic_txq *tq = container_of(t, struct nm_nic_txq, retry);

	tq->kring->notify(tq->kring);
	return HRTIMER_NORESTART;
}

/*
 * Frames of several slots (NS_MOREFRAG chains, e.g. what a VALE switch
 * forwards from a port with small buffers) are not sent: one frame is one
 * slot here. The whole chain is dropped and counted once as an error, even
 * when it spans syncs, so no piece of it ever reaches the wire as a frame of
 * its own. True if slot @j belongs to such a chain.
 */
static bool nm_nic_tx_chain_drop(struct nm_nic_txq *tq, const struct netmap_slot *slot)
{
	const bool more = READ_ONCE(slot->flags) & NS_MOREFRAG;

	if (likely(!more && !tq->in_chain))
		return false;
	if (!tq->in_chain)
		tq->errors++;
	tq->in_chain = more;
	return true;
}

/*
 * Check slot @j of a TX ring; the buffer address or NULL (the sync then
 * stops at @j with -EINVAL, as on every port).
 */
static void *nm_nic_tx_slot(struct nm_kring *kring, u32 j, u32 *lenp)
{
	struct netmap_slot *slot = &kring->ring->slot[j];
	const u32 idx = READ_ONCE(slot->buf_idx);
	const u32 len = READ_ONCE(slot->len);
	const u64 off = nm_slot_off(kring, slot);	/* OPT_OFFSETS, else 0 */

	if (unlikely(!nm_kring_buf_valid(kring, idx) || off > READ_ONCE(kring->offset_max) ||
		     len + off > kring->buf_size)) {
		nm_os_prlim("%s tx ring %u: slot %u has bad buf_idx %u, len %u or offset %llu, sync stopped\n",
			    ((struct nm_port *)kring->owner)->name, kring->ring_id, j, idx, len,
			    (unsigned long long)off);
		return NULL;
	}
	*lenp = len;
	return (u8 *)nm_kring_buf_addr(kring, idx) + off;
}

/* Hardware TX ring: each slot through a pool skb to the driver. */
static int nm_nic_hw_txsync(struct nm_nic *nic, struct nm_kring *kring)
{
	struct nm_nic_txq *tq = &nic->txq[kring->ring_id];
	const u32 n = kring->num_slots, head = kring->rhead;
	const u16 qid = nm_nic_txqid(nic, kring->ring_id);
	u32 j = kring->nr_hwcur, batch = 0;
	int err = 0;

	/*
	 * BH off around the batch: the softirqs our frames raise (a veth peer's
	 * backlog) run every NM_NIC_RX_BATCH frames instead of after each one.
	 */
	local_bh_disable();
	while (j != head) {
		struct sk_buff *skb;
		void *buf;
		u32 len;
		int ret;

		buf = nm_nic_tx_slot(kring, j, &len);
		if (unlikely(!buf)) {
			err = -EINVAL;
			break;
		}
		nm_prefetch(&kring->ring->slot[nm_kring_next(j, n)]);
		if (unlikely(nm_nic_tx_chain_drop(tq, &kring->ring->slot[j])))
			goto next;
		if (unlikely(len < ETH_HLEN)) {
			tq->errors++;
			goto next;
		}
		skb = nm_nic_pool_get(nic, tq, len);
		if (unlikely(!skb)) {
			tq->errors++;
			goto next;
		}
		skb_put_data(skb, buf, len);
		nm_nic_tx_prep(nic, skb, len);
		skb_get(skb);			/* the driver's reference */
		ret = nm_nic_xmit(nic, skb, qid);
		if (unlikely(ret == -EBUSY)) {
			kfree_skb(skb);		/* the driver did not take it */
			hrtimer_start(&tq->retry, ns_to_ktime(NM_NIC_TX_RETRY_NS),
				      HRTIMER_MODE_REL_SOFT);
			break;
		}
		if (unlikely(ret)) {
			tq->errors++;
		} else {
			tq->packets++;
			tq->bytes += len;
		}
next:
		j = nm_kring_next(j, n);
		if (unlikely(++batch == NM_NIC_RX_BATCH)) {
			local_bh_enable();
			batch = 0;
			local_bh_disable();
		}
	}
	local_bh_enable();
	kring->stat_pkts += nm_kring_dist(kring->nr_hwcur, j, n);
	kring->nr_hwcur = j;
	smp_store_release(&kring->nr_hwtail, nm_kring_prev(j, n));
	if (unlikely(err))
		nm_kring_stop_at(kring, j);
	return err;
}

/* Host TX ring: each slot becomes an skb for the stack. */
static int nm_nic_host_txsync(struct nm_nic *nic, struct nm_kring *kring)
{
	struct nm_nic_txq *tq = &nic->txq[kring->ring_id];
	const u32 n = kring->num_slots, head = kring->rhead;
	u32 j = kring->nr_hwcur, batch = 0;
	int err = 0;

	local_bh_disable();
	while (j != head) {
		void *buf;
		u32 len;

		buf = nm_nic_tx_slot(kring, j, &len);
		if (unlikely(!buf)) {
			err = -EINVAL;
			break;
		}
		if (unlikely(nm_nic_tx_chain_drop(tq, &kring->ring->slot[j]))) {
			/* dropped and counted */
		} else if (likely(!nm_nic_send_up(nic, buf, len))) {
			tq->packets++;
			tq->bytes += len;
		} else {
			tq->errors++;
		}
		if (++batch == NM_NIC_RX_BATCH) {
			/* Let the backlog drain (netdev_max_backlog). */
			local_bh_enable();
			batch = 0;
			local_bh_disable();
		}
		j = nm_kring_next(j, n);
	}
	local_bh_enable();
	kring->stat_pkts += nm_kring_dist(kring->nr_hwcur, j, n);
	kring->nr_hwcur = j;
	smp_store_release(&kring->nr_hwtail, nm_kring_prev(j, n));
	if (unlikely(err))
		nm_kring_stop_at(kring, j);
	return err;
}

static int nm_nic_txsync(struct nm_kring *kring)
{
	struct nm_nic *nic = to_nic(kring->owner);

	if (unlikely(nm_nic_sync_dead(nic)))
		return nm_null_txsync(kring);
	if (kring->ring_id < nic->up.nrings[NM_TX])
		return nm_nic_hw_txsync(nic, kring);
	return nm_nic_host_txsync(nic, kring);
}

/*
 * Slots [hwcur, head) given back on an RX ring: those with NS_FORWARD, in a
 * ring in transparent mode (NR_FORWARD, or the fwd parameter), go to the
 * other side: hardware RX -> the stack, host RX -> out of the device.
 */
static void nm_nic_rx_forward(struct nm_nic *nic, struct nm_kring *kring, bool host)
{
	struct nm_nic_rxq *rq = &nic->rxq[kring->ring_id];
	const u32 n = kring->num_slots, head = kring->rhead;
	u32 j, batch = 0;

	if (!(READ_ONCE(kring->ring->flags) & NR_FORWARD) && !READ_ONCE(nm_fwd))
		return;
	local_bh_disable();
	for (j = kring->nr_hwcur; j != head; j = nm_kring_next(j, n)) {
		struct netmap_slot *slot = &kring->ring->slot[j];
		const u16 flags = READ_ONCE(slot->flags);
		u32 idx, len, off;
		u8 *buf;
		int err;

		if (!(flags & NS_FORWARD))
			continue;
		WRITE_ONCE(slot->flags, flags & ~NS_FORWARD);
		idx = READ_ONCE(slot->buf_idx);
		len = READ_ONCE(slot->len);
		off = nm_slot_rx_off(kring, slot);
		if (unlikely(!nm_kring_buf_valid(kring, idx) || len + off > kring->buf_size)) {
			rq->fwd_errors++;
			continue;
		}
		buf = (u8 *)nm_kring_buf_addr(kring, idx) + off;
		if (host)
			err = nm_nic_send_out(nic, buf, len);
		else
			err = nm_nic_send_up(nic, buf, len);
		if (likely(!err)) {
			rq->fwd_packets++;
			rq->fwd_bytes += len;
		} else {
			rq->fwd_errors++;
		}
		if (!host && ++batch == NM_NIC_RX_BATCH) {
			local_bh_enable();
			batch = 0;
			local_bh_disable();
		}
	}
	local_bh_enable();
}

/*
 * Copy one queued frame into @dst; its length, 0 if it does not fit. A
 * received frame starts at its MAC header (eth_type_trans() pulled it); a
 * frame the stack transmitted (@host) at skb->data.
 */
static u32 nm_nic_rx_copy(const struct sk_buff *skb, void *dst, u32 room, bool host)
{
	const u32 mac_len = !host && skb_mac_header_was_set(skb) ?
			    skb->data - skb_mac_header(skb) : 0;
	const u32 len = mac_len + skb->len;

	if (unlikely(len > room || mac_len > 64))
		return 0;
	memcpy(dst, skb->data - mac_len, mac_len);
	if (unlikely(skb_copy_bits(skb, 0, (u8 *)dst + mac_len, skb->len)))
		return 0;
	return len;
}

static int nm_nic_rxsync(struct nm_kring *kring)
{
	struct nm_nic *nic = to_nic(kring->owner);
	const bool host = kring->ring_id >= nic->up.nrings[NM_RX];
	struct nm_nic_rxq *rq = &nic->rxq[kring->ring_id];
	const u32 n = kring->num_slots;
	struct sk_buff_head local;
	struct sk_buff *skb;
	u32 j, room;

	if (unlikely(nm_nic_sync_dead(nic)))
		return nm_null_rxsync(kring);

	/* Give back [hwcur, head), forwarding what asks for it. */
	if (kring->rhead != kring->nr_hwcur) {
		nm_nic_rx_forward(nic, kring, host);
		kring->stat_pkts += nm_kring_dist(kring->nr_hwcur, kring->rhead, n);
		kring->nr_hwcur = kring->rhead;
	}

	/* Take at most the free slots from the queue, in one lock. */
	j = kring->nr_hwtail;
	room = n - 1 - nm_kring_dist(kring->nr_hwcur, j, n);
	if (!room || skb_queue_empty_lockless(&rq->q))
		return 0;
	__skb_queue_head_init(&local);
	spin_lock_bh(&rq->q.lock);
	if (skb_queue_len(&rq->q) <= room) {
		skb_queue_splice_init(&rq->q, &local);
	} else {
		u32 k;

		for (k = 0; k < room; k++)
			__skb_queue_tail(&local, __skb_dequeue(&rq->q));
	}
	spin_unlock_bh(&rq->q.lock);

	while ((skb = __skb_dequeue(&local)) != NULL) {
		struct netmap_slot *slot = &kring->ring->slot[j];
		const u32 idx = READ_ONCE(slot->buf_idx);
		u32 len;

		if (local.next != (struct sk_buff *)&local)
			prefetch(local.next->data);
		/* Slots we own carry indexes a user wrote before: check them. */
		if (unlikely(!nm_kring_buf_valid(kring, idx))) {
			nm_os_prlim("%s rx ring %u: slot %u has bad buf_idx %u, frame dropped\n",
				    nic->up.name, kring->ring_id, j, idx);
			rq->too_long++;
			consume_skb(skb);
			continue;
		}
		/* OPT_OFFSETS: at the slot's offset, in the room a slot has. */
		len = nm_nic_rx_copy(skb, (u8 *)nm_kring_buf_addr(kring, idx) +
				     nm_slot_rx_off(kring, slot), READ_ONCE(kring->buf_room), host);
		consume_skb(skb);
		if (unlikely(!len)) {
			/* Longer than a buffer (GSO/GRO super-frame or jumbo). */
			rq->too_long++;
			continue;
		}
		WRITE_ONCE(slot->len, len);
		WRITE_ONCE(slot->flags, 0);
		rq->packets++;
		rq->bytes += len;
		j = nm_kring_next(j, n);
	}
	smp_store_release(&kring->nr_hwtail, j);
	return 0;
}

/* ---- netmap mode on / off ----------------------------------------------- */

static void nm_nic_purge(struct nm_nic *nic)
{
	u32 i;

	for (i = 0; i < nic->up.nrings[NM_RX] + nic->up.nhost[NM_RX]; i++) {
		hrtimer_cancel(&nic->rxq[i].mit);
		skb_queue_purge(&nic->rxq[i].q);
		nic->rxq[i].mit_armed = false;
	}
	for (i = 0; i < nic->up.nrings[NM_TX] + nic->up.nhost[NM_TX]; i++)
		hrtimer_cancel(&nic->txq[i].retry);
}

static int nm_nic_hook(struct nm_nic *nic)
{
	struct net_device *dev = nic->ndev;
	int err;

	ASSERT_RTNL();
	err = netdev_rx_handler_register(dev, nm_nic_rx_handler, nic);
	if (err) {
		pr_info_ratelimited("%s: cannot take its receive path (%d): it has an rx_handler (bridge, bond, macvlan...)\n",
				    dev->name, err);
		return err;
	}
	nic->orig_ops = dev->netdev_ops;
	nic->ops = *dev->netdev_ops;
	nic->ops.ndo_start_xmit = nm_nic_start_xmit;
	WRITE_ONCE(dev->netdev_ops, &nic->ops);
	nic->hooked = true;
	return 0;
}

/* The reverse; the caller purges after this (no more enqueues). */
static void nm_nic_unhook(struct nm_nic *nic)
{
	struct net_device *dev = nic->ndev;

	ASSERT_RTNL();
	if (!nic->hooked)
		return;
	/* Ops first: our ndo_start_xmit needs rx_handler_data until it is gone. */
	WRITE_ONCE(dev->netdev_ops, nic->orig_ops);
	synchronize_net();
	netdev_rx_handler_unregister(dev);	/* waits for handlers in flight */
	nic->hooked = false;
}

int nm_nic_on(struct nm_port *port)
{
	struct nm_nic *nic = to_nic(port);
	int err = 0;

	lockdep_assert_held(&nm_ctrl_lock);
	if (nic->on++)
		return 0;
	rtnl_lock();
	if (nic->dead)
		err = -ENXIO;
	else
		err = nm_nic_hook(nic);
	rtnl_unlock();
	if (err) {
		nic->on--;
		return err;
	}
	nm_dbg("%s: netmap mode on\n", nm_nic_ifname(port));
	return 0;
}

void nm_nic_off(struct nm_port *port)
{
	struct nm_nic *nic = to_nic(port);

	lockdep_assert_held(&nm_ctrl_lock);
	if (WARN_ON_ONCE(!nic->on) || --nic->on)
		return;
	rtnl_lock();
	if (!nic->dead)
		nm_nic_unhook(nic);
	rtnl_unlock();
	nm_nic_purge(nic);
	if (READ_ONCE(nm_verbose)) {
		u64 reused = 0, allocated = 0;
		u32 i;

		for (i = 0; i < port->nrings[NM_TX]; i++) {
			reused += nic->txq[i].reused;
			allocated += nic->txq[i].allocated;
		}
		pr_info("%s: netmap mode off; hw TX skbs reused %llu times, allocated %llu\n",
			nm_nic_ifname(port), reused, allocated);
	}
}

/* ---- port --------------------------------------------------------------- */

static int nm_nic_krings_create(struct nm_port *port)
{
	struct nm_nic *nic = to_nic(port);
	u32 i;
	int err;

	err = nm_port_krings_create(port);
	if (err)
		return err;
	nic->rxq = kvcalloc(port->nrings[NM_RX] + port->nhost[NM_RX], sizeof(*nic->rxq),
			    GFP_KERNEL_ACCOUNT);
	nic->txq = kvcalloc(port->nrings[NM_TX] + port->nhost[NM_TX], sizeof(*nic->txq),
			    GFP_KERNEL_ACCOUNT);
	if (!nic->rxq || !nic->txq)
		goto err;
	for (i = 0; i < port->nrings[NM_RX] + port->nhost[NM_RX]; i++) {
		struct nm_nic_rxq *rq = &nic->rxq[i];

		skb_queue_head_init(&rq->q);
		rq->cap = port->nslots[NM_RX];
		rq->kring = &port->krings[NM_RX][i];
		hrtimer_setup(&rq->mit, nm_nic_mit_fire, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	}
	for (i = 0; i < port->nrings[NM_TX] + port->nhost[NM_TX]; i++) {
		struct nm_nic_txq *tq = &nic->txq[i];

		tq->kring = &port->krings[NM_TX][i];
		hrtimer_setup(&tq->retry, nm_nic_retry_fire, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
		if (i >= port->nrings[NM_TX])
			continue;	/* host rings have no pool */
		tq->pool_size = NM_NIC_POOL * port->nslots[NM_TX];
		tq->pool = kvcalloc(tq->pool_size, sizeof(*tq->pool), GFP_KERNEL_ACCOUNT);
		if (!tq->pool)
			goto err;
	}
	return 0;
err:
	port->ops->krings_delete(port);
	return -ENOMEM;
}

static void nm_nic_krings_delete(struct nm_port *port)
{
	struct nm_nic *nic = to_nic(port);
	u32 i, j;

	if (nic->txq) {
		for (i = 0; i < port->nrings[NM_TX]; i++) {
			struct nm_nic_txq *tq = &nic->txq[i];

			if (!tq->pool)
				continue;
			/* Our reference; one still in flight is freed by its holder. */
			for (j = 0; j < tq->pool_size; j++)
				kfree_skb(tq->pool[j]);
			kvfree(tq->pool);
		}
	}
	kvfree(nic->txq);
	kvfree(nic->rxq);
	nic->txq = NULL;
	nic->rxq = NULL;
	nm_port_krings_delete(port);
}

static void nm_nic_dtor(struct nm_port *port)
{
	struct nm_nic *nic = to_nic(port);

	lockdep_assert_held(&nm_ctrl_lock);
	WARN_ON_ONCE(nic->on);
	mutex_lock(&nm_nic_list_lock);
	if (!list_empty(&nic->nlist))
		list_del_init(&nic->nlist);
	if (nic->ndev) {
		dev_put(nic->ndev);
		nic->ndev = NULL;
	}
	mutex_unlock(&nm_nic_list_lock);
	if (nic->rxq)
		nm_nic_purge(nic);
	nm_port_rings_detach(port);
	if (port->mem)
		nm_mem_put(port->mem);
	nm_dbg("%s: NIC port freed\n", port->name);
	nm_port_cleanup(port);
	kfree(nic);
}

/* ops->reg: netmap mode follows the bound fds (nic.h). */
static int nm_nic_reg(struct nm_port *port, bool on)
{
	if (!on) {
		nm_nic_off(port);
		return 0;
	}
	return nm_nic_on(port);
}

static int nm_nic_stats(struct nm_port *port, bool host, struct nm_port_stats *st);

static const struct nm_port_ops nm_nic_ops = {
	.txsync = nm_nic_txsync,
	.rxsync = nm_nic_rxsync,
	.krings_create = nm_nic_krings_create,
	.krings_delete = nm_nic_krings_delete,
	.rings_create = nm_port_rings_create,
	.rings_delete = nm_port_rings_delete,
	.dtor = nm_nic_dtor,
	.reg = nm_nic_reg,
	.host_rings = nm_nic_host_rings,
	.stats = nm_nic_stats,
};

/* A new NIC port for @dev (our reference taken over), in the global region. */
static int nm_nic_create(struct net_device *dev, struct nm_port **portp)
{
	struct nm_nic *nic;
	struct nm_port *port;
	struct nm_mem *mem;
	u32 rings, slots, max_slots;
	int err, d;

	mem = nm_mem_get_global();
	if (IS_ERR(mem)) {
		dev_put(dev);
		return PTR_ERR(mem);
	}
	nic = kzalloc(sizeof(*nic), GFP_KERNEL_ACCOUNT);
	if (!nic) {
		nm_mem_put(mem);
		dev_put(dev);
		return -ENOMEM;
	}
	port = &nic->up;
	nm_port_setup(port, dev->name, &nm_nic_ops);
	port->mem = mem;
	nic->ndev = dev;
	INIT_LIST_HEAD(&nic->nlist);
	nic->headroom = ALIGN(LL_RESERVED_SPACE(dev), 16);
	rings = clamp(READ_ONCE(nm_generic_rings), 1, NM_NIC_MAX_RINGS);
	max_slots = min_t(u32, NM_NIC_MAX_SLOTS, nm_mem_ring_max_slots(mem));
	slots = clamp_t(u32, READ_ONCE(nm_generic_ringsize), NM_NIC_MIN_SLOTS, max_slots);
	for (d = 0; d < NM_NDIR; d++) {
		port->nrings[d] = rings;
		port->nhost[d] = 1;
		port->nslots[d] = slots;
	}
	err = nm_port_rings_attach(port);
	if (err)
		goto err;
	*portp = port;
	nm_dbg("%s: NIC port created: %u rings of %u slots + host rings, mem_id %u\n",
	       dev->name, rings, slots, nm_mem_id(mem));
	return 0;
err:
	nm_port_put(port);	/* dtor: dev_put, mem put */
	return err;
}

/* What nm_nic_host_rings() swaps: the rings of one host ring configuration. */
struct nm_nic_rings {
	struct nm_kring *krings[NM_NDIR];
	u32 nhost[NM_NDIR];
	struct nm_nic_rxq *rxq;
	struct nm_nic_txq *txq;
};

static void nm_nic_rings_swap(struct nm_nic *nic, struct nm_nic_rings *r)
{
	int d;

	for (d = 0; d < NM_NDIR; d++) {
		swap(nic->up.krings[d], r->krings[d]);
		swap(nic->up.nhost[d], r->nhost[d]);
	}
	swap(nic->rxq, r->rxq);
	swap(nic->txq, r->txq);
}

int nm_nic_host_rings(struct nm_port *port, u32 ntx, u32 nrx)
{
	struct nm_nic *nic = to_nic(port);
	struct nm_nic_rings r = {
		.nhost = {
			[NM_TX] = min_t(u32, ntx ? ntx : port->nhost[NM_TX], NM_NIC_MAX_RINGS),
			[NM_RX] = min_t(u32, nrx ? nrx : port->nhost[NM_RX], NM_NIC_MAX_RINGS),
		},
	};
	int err = 0;

	lockdep_assert_held(&nm_ctrl_lock);
	if (r.nhost[NM_TX] == port->nhost[NM_TX] && r.nhost[NM_RX] == port->nhost[NM_RX])
		return 0;
	/* Only a port nobody uses: no fd, no switch, no monitor reads its krings. */
	if (port->users || nic->on)
		return 0;
	/* NETDEV_UNREGISTER (under rtnl) walks the krings. */
	rtnl_lock();
	if (nic->dead) {
		err = -ENXIO;
		goto out;
	}
	/* New rings first, the old ones kept until they are: a failure changes nothing. */
	nm_nic_rings_swap(nic, &r);
	err = nm_port_rings_attach(port);
	nm_nic_rings_swap(nic, &r);
	if (err)
		goto out;
	nm_port_rings_detach(port);
	nm_nic_rings_swap(nic, &r);
	nm_dbg("%s: %u/%u host rings\n", port->name, port->nhost[NM_TX], port->nhost[NM_RX]);
out:
	rtnl_unlock();
	return err;
}

int nm_nic_lookup(const char *ifname, bool create, struct nm_port **portp)
{
	struct net_device *dev;
	struct nm_port *port;
	struct nm_nic *nic;
	int err;

	lockdep_assert_held(&nm_ctrl_lock);
	if (!ifname[0] || strnlen(ifname, IFNAMSIZ) >= IFNAMSIZ)
		return -ENXIO;
	port = nm_port_registry_find(ifname);
	if (port) {
		/* A persistent VALE port: its netdev is not a NIC. */
		nm_port_put(port);
		return -EBUSY;
	}
	/* Under rtnl, so that NETDEV_UNREGISTER sees the port if we make one. */
	rtnl_lock();
	dev = __dev_get_by_name(current->nsproxy->net_ns, ifname);
	if (!dev) {
		err = -ENXIO;
		goto out_unlock;
	}
	mutex_lock(&nm_nic_list_lock);
	list_for_each_entry(nic, &nm_nic_list, nlist) {
		if (nic->ndev == dev) {
			*portp = nm_port_get(&nic->up);
			mutex_unlock(&nm_nic_list_lock);
			rtnl_unlock();
			return 0;
		}
	}
	mutex_unlock(&nm_nic_list_lock);
	if (READ_ONCE(nm_admode) == 1) {
		pr_info_ratelimited("%s: admode=1 asks for native netmap drivers; this module has none (use admode 0 or 2)\n",
				    ifname);
		err = -EOPNOTSUPP;
		goto out_unlock;
	}
	if (dev->type != ARPHRD_ETHER || (dev->flags & IFF_LOOPBACK) ||
	    dev->addr_len != ETH_ALEN || !dev->netdev_ops->ndo_start_xmit) {
		pr_info_ratelimited("%s: not an Ethernet device, netmap cannot drive it\n", ifname);
		err = -EOPNOTSUPP;
		goto out_unlock;
	}
	if (!create) {
		err = -ENXIO;
		goto out_unlock;
	}
	dev_hold(dev);
	rtnl_unlock();
	/* Out of rtnl: allocation may take long; re-checked when listed. */
	err = nm_nic_create(dev, &port);
	if (err)
		return err;
	rtnl_lock();
	if (dev->reg_state != NETREG_REGISTERED) {
		rtnl_unlock();
		nm_port_put(port);
		return -ENXIO;
	}
	mutex_lock(&nm_nic_list_lock);
	list_add_tail(&to_nic(port)->nlist, &nm_nic_list);
	mutex_unlock(&nm_nic_list_lock);
	rtnl_unlock();
	*portp = port;
	return 0;

out_unlock:
	rtnl_unlock();
	return err;
}

/* ops->stats: all rings, or with @host the host rings only. */
static int nm_nic_stats(struct nm_port *port, bool host, struct nm_port_stats *st)
{
	const struct nm_nic *nic = to_nic(port);
	u32 i;

	lockdep_assert_held(&nm_ctrl_lock);
	/* Index nrings is the host ring of each direction. */
	for (i = host ? port->nrings[NM_TX] : 0;
	     i < port->nrings[NM_TX] + port->nhost[NM_TX]; i++) {
		const struct nm_nic_txq *tq = &nic->txq[i];

		st->tx_packets += READ_ONCE(tq->packets);
		st->tx_bytes += READ_ONCE(tq->bytes);
		st->tx_errors += READ_ONCE(tq->errors);
	}
	for (i = host ? port->nrings[NM_RX] : 0;
	     i < port->nrings[NM_RX] + port->nhost[NM_RX]; i++) {
		const struct nm_nic_rxq *rq = &nic->rxq[i];

		st->rx_packets += READ_ONCE(rq->packets);
		st->rx_bytes += READ_ONCE(rq->bytes);
		st->rx_drops += READ_ONCE(rq->drops) + READ_ONCE(rq->too_long);
		/* What NS_FORWARD sent on counts as transmitted. */
		st->tx_packets += READ_ONCE(rq->fwd_packets);
		st->tx_bytes += READ_ONCE(rq->fwd_bytes);
		st->tx_errors += READ_ONCE(rq->fwd_errors);
	}
	return host ? NM_PORT_STATS_KIND_NIC_HOST : NM_PORT_STATS_KIND_NIC;
}

/* ---- the device goes away ------------------------------------------------ */

/* Wait until no sync runs on any kring of @nic (they see dead afterwards). */
static void nm_nic_quiesce(struct nm_nic *nic)
{
	u32 i;
	int d;

	smp_mb();	/* dead before the busy bits; pairs with nm_nic_sync_dead() */
	for (d = 0; d < NM_NDIR; d++)
		for (i = 0; i < nic->up.nrings[d] + nic->up.nhost[d]; i++)
			while (test_bit(0, &nic->up.krings[d][i].busy))
				usleep_range(50, 100);
}

static int nm_nic_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nm_nic *nic;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	ASSERT_RTNL();
	mutex_lock(&nm_nic_list_lock);
	list_for_each_entry(nic, &nm_nic_list, nlist) {
		if (nic->ndev != dev)
			continue;
		nm_nic_unhook(nic);
		WRITE_ONCE(nic->dead, true);
		nm_nic_quiesce(nic);
		nm_nic_purge(nic);
		WRITE_ONCE(nic->ndev, NULL);
		dev_put(dev);
		pr_info("%s: interface unregistered while in netmap mode or in use: port is dead\n",
			dev->name);
		/* The wait queues: syncs now return at once. */
		break;
	}
	mutex_unlock(&nm_nic_list_lock);
	return NOTIFY_DONE;
}

static struct notifier_block nm_nic_notifier = {
	.notifier_call = nm_nic_netdev_event,
};

int nm_nic_init(void)
{
	return register_netdevice_notifier(&nm_nic_notifier);
}

void nm_nic_uninit(void)
{
	struct nm_nic *nic;

	unregister_netdevice_notifier(&nm_nic_notifier);
	mutex_lock(&nm_nic_list_lock);
	list_for_each_entry(nic, &nm_nic_list, nlist)
		pr_err("LEAK: NIC port %s still allocated at module exit\n", nic->up.name);
	mutex_unlock(&nm_nic_list_lock);
}
