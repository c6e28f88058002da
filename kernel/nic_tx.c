// SPDX-License-Identifier: BSD-2-Clause
/*
 * NIC ports, transmit side: txsync copies each slot into a pool skb for
 * the driver (hardware rings) or a new skb for the stack (host rings), and
 * the sends of NS_FORWARD. Design and locking: nic_int.h.
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

/* ---- building and sending skbs ----------------------------------------- */

/*
 * A frame from @buf into the stack as if the device had received it
 * (BH disabled by the caller). Returns 0 or -errno.
 */
int nm_nic_send_up(struct nm_nic *nic, const void *buf, u32 len)
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
int nm_nic_send_out(struct nm_nic *nic, const void *buf, u32 len)
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

enum hrtimer_restart nm_nic_retry_fire(struct hrtimer *t)
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
	return nm_kring_tx_done(kring, j, err);
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
	return nm_kring_tx_done(kring, j, err);
}

int nm_nic_txsync(struct nm_kring *kring)
{
	struct nm_nic *nic = to_nic(kring->owner);

	if (unlikely(nm_nic_sync_dead(nic)))
		return nm_null_txsync(kring);
	if (kring->ring_id < nic->up.nrings[NM_TX])
		return nm_nic_hw_txsync(nic, kring);
	return nm_nic_host_txsync(nic, kring);
}
