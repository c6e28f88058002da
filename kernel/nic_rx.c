// SPDX-License-Identifier: BSD-2-Clause
/*
 * NIC ports, receive side: the rx_handler and our ndo_start_xmit queue
 * the device's and the stack's frames on the RX krings' queues (with
 * notification moderation), rxsync copies them into the rings and sends on
 * what NS_FORWARD asks for. Design and locking: nic_int.h.
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
#include "nic_int.h"
#include "params.h"
#include "port.h"

/* ---- receive side: queues and notification ------------------------------ */

enum hrtimer_restart nm_nic_mit_fire(struct hrtimer *t)
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
rx_handler_result_t nm_nic_rx_handler(struct sk_buff **pskb)
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
netdev_tx_t nm_nic_start_xmit(struct sk_buff *skb, struct net_device *dev)
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

int nm_nic_rxsync(struct nm_kring *kring)
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
