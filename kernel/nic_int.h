/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NIC ports, inside: the emulated ("generic") adapter over any Ethernet
 * net_device, with its host-stack rings (nic.h: the object and its contract).
 * nic.c hooks the device and owns the port's life, nic_rx.c receives
 * (device and stack into the RX queues, rxsync), nic_tx.c transmits (txsync,
 * the skb pool, NS_FORWARD's sends).
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
#ifndef NM_NIC_INT_H
#define NM_NIC_INT_H

#include <linux/hrtimer.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

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

static inline struct nm_nic *to_nic(const struct nm_port *port)
{
	return container_of(port, struct nm_nic, up);
}

/* Holding the busy bit: is the device gone? (see the top comment) */
static inline bool nm_nic_sync_dead(const struct nm_nic *nic)
{
	smp_mb__after_atomic();
	return READ_ONCE(nic->dead);
}

/* nic_rx.c: the device's and the stack's frames into the RX queues. */
enum hrtimer_restart nm_nic_mit_fire(struct hrtimer *t);
rx_handler_result_t nm_nic_rx_handler(struct sk_buff **pskb);
netdev_tx_t nm_nic_start_xmit(struct sk_buff *skb, struct net_device *dev);
int nm_nic_rxsync(struct nm_kring *kring);

/* nic_tx.c: TX rings out of the device or into the stack. */
enum hrtimer_restart nm_nic_retry_fire(struct hrtimer *t);
int nm_nic_send_up(struct nm_nic *nic, const void *buf, u32 len);
int nm_nic_send_out(struct nm_nic *nic, const void *buf, u32 len);
int nm_nic_txsync(struct nm_kring *kring);

#endif /* NM_NIC_INT_H */
