/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vale_fwd.h - forwarding of a VALE switch (OS-independent).
 *
 * A switch (struct nm_vale_sw) is a learning table and a port table. The
 * port table is replaced whole by the control path (RCU: publish the new
 * one, wait for readers, free the old one), so the forwarding path reads
 * a consistent snapshot without a lock. Each port is seen by the core as a
 * struct nm_vale_vport: its index, its RX krings and, for each RX kring, a
 * struct nm_vale_rxq with the lock that serialises the senders copying into
 * that ring, and its RX counters.
 *
 * The forwarding runs in the sender's txsync (nm_vale_txsync), holding the
 * busy bit of the sender's TX kring, in batches of up to @batch slots:
 *   1. collect: validate every slot (buf_idx in the region, len <= buffer
 *      size; a bad slot stops the sync like a pipe does, -EINVAL), copy
 *      NS_INDIRECT payloads from userspace into the slot's own buffer
 *      (never sleeping: a page that is not resident stops the sync with
 *      -EFAULT and the slot pending, for the caller to fault in and sync
 *      again, see struct nm_kring_fault in kring.h; an unreadable one
 *      stops it with -EINVAL; never for a txq with no_indirect, whose
 *      source is a NIC ring forwarded in softirq context), group slots into
 *      packets (NS_MOREFRAG chains; a chain longer than NETMAP_MAX_FRAGS is
 *      dropped and counted in tx_errors; an unfinished chain at the end of
 *      the TX range is left for the next sync);
 *   2. in the same pass, as each packet completes: learn the source MAC
 *      (unless NS_NO_LEARN or a group address) and look up the
 *      destination: a learned port, or flooding for unknown, broadcast and
 *      multicast destinations; never the source port. A run of frames with
 *      the same MAC pair and NS_NO_LEARN bit reuses the first's verdict;
 *   3. under the RCU read lock, per destination port (when every packet
 *      goes the same way, straight from the batch; otherwise sorted into
 *      per-destination lists first): take the lock of its
 *      RX ring (source ring index modulo its RX ring count) ONCE, copy the
 *      packets that fit (whole packets only, split by the destination's
 *      buffer size, NS_RFRAGS in the high byte of flags), drop and count
 *      the rest (a full ring never blocks anyone), publish hwtail with
 *      smp_store_release(), unlock, notify.
 * Data is copied, so all processed TX slots go back to the sender at once
 * (hwtail = hwcur - 1).
 *
 * Counters (plain u64, no atomics; readers accept slightly stale values):
 * tx_* in struct nm_vale_txq, written only by the holder of that TX kring's
 * busy bit; rx_* in struct nm_vale_rxq, written only under its lock.
 * Invariant: the copies the senders attempted (one per destination of each
 * packet) = sum over receivers of rx_packets + rx_drops.
 *
 * The RX side: nm_vale_rxsync() gives back [hwcur, head) by publishing
 * hwcur with smp_store_release(); forwarders read it with
 * smp_load_acquire() to know how much room there is. The destination slots'
 * buf_idx are not trusted: nm_os_buf_addr() of an invalid index is the
 * reserved buffer 0, so a bad index written by the receiver only loses that
 * receiver's data.
 */
#ifndef NM_VALE_FWD_H
#define NM_VALE_FWD_H

#include "kring.h"
#include "vale_lut.h"

#define NM_VALE_MAXPORTS	254	/* ports per switch (NM_BDG_MAXPORTS) */
#define NM_VALE_MAX_BATCH	1024	/* largest bridge_batch honoured */
#define NM_VALE_MAX_RINGS	16	/* rings per direction of a VALE port */

/* Receive side of one RX ring of a port. */
struct nm_vale_rxq {
	nm_os_lock_t lock;		/* senders copying into the ring */
	u64 rx_packets, rx_bytes, rx_drops;	/* under lock */
} NM_CACHE_ALIGNED;

/*
 * What the forwarder needs of a port. Constant while the port is in a
 * table, except hdr_len: PORT_HDR_SET changes it on a port in use, and the
 * forwarder reads it once per batch and destination (READ_ONCE).
 */
struct nm_vale_vport {
	u8 index;			/* in the switch's table */
	u8 hdr_len;			/* virtio-net header of its frames (vale_vnet.h) */
	u32 nrx;			/* RX rings */
	struct nm_kring *rxk;		/* nrx RX krings */
	struct nm_vale_rxq *rxq;	/* nrx */
};

/* A snapshot of the ports of a switch; replaced whole, never modified in place. */
struct nm_vale_table {
	u32 n;				/* entries in list */
	u8 list[NM_VALE_MAXPORTS];	/* indexes of the ports present */
	struct nm_vale_vport *port[NM_VALE_MAXPORTS];	/* NULL: free index */
};

struct nm_vale_sw {
	struct nm_vale_table __rcu *table; /* never NULL while ports exist */
	struct nm_vale_lut lut;
};

/* One slot of a batch, and one packet (a chain of slots). */
struct nm_vale_ft {
	const u8 *buf;
	u16 len;
	u16 flags;
};

struct nm_vale_pkt {
	u16 first;			/* in ft */
	u16 nfrags;
	u16 next;			/* next packet for the same destination */
	u8 dst;				/* port, NM_VALE_DST_FLOOD or NM_VALE_DST_DROP */
	u32 bytes;
};

#define NM_VALE_DST_DROP	254
#define NM_VALE_DST_FLOOD	255
#define NM_VALE_NONE		0xffff

/*
 * Per TX kring: counters and the scratch space of a batch (no allocation
 * on the packet path). Allocate nm_vale_txq_size(batch) bytes, zeroed, and
 * call nm_vale_txq_init().
 */
struct nm_vale_txq {
	u64 tx_packets, tx_bytes, tx_errors;	/* busy bit holder only */
	bool dropping;			/* inside a too-long chain, dropping it */
	bool no_indirect;		/* a kernel source (a NIC): NS_INDIRECT is ignored */
	u8 hdr_len;			/* the source port's vport.hdr_len, set by the caller */
	u32 batch;			/* slots per batch */
	u32 max_ft;			/* batch + NETMAP_MAX_FRAGS + 1 */
	struct nm_vale_pkt *pkt;	/* max_ft entries, after ft */
	u16 dhead[256], dtail[256];	/* per-destination packet lists */
	u8 touched[256];
	struct nm_vale_ft ft[];
};

size_t nm_vale_txq_size(u32 batch);
void nm_vale_txq_init(struct nm_vale_txq *q, u32 batch);

/* Initialise the per-ring state of a port (locks, counters). */
void nm_vale_rxq_init(struct nm_vale_rxq *rxq, u32 n);

/*
 * txsync of a VALE port that is on switch @sw as port @src: forward
 * [hwcur, head) in batches of q->batch slots, at most 1 + @retries batches
 * (txsync_retry). Returns 0, -EINVAL (a bad slot: the sync stops there
 * and the slot goes back to the user, see pipe_sync.c) or -EFAULT (an
 * NS_INDIRECT page to fault in, in *tx->fault: the slots before it are
 * sent, it and the rest stay pending). Never sleeps: the kernel calls it
 * under rcu_read_lock().
 */
int nm_vale_txsync(struct nm_kring *tx, struct nm_vale_txq *q, struct nm_vale_sw *sw,
		   u8 src, u32 retries);

/* txsync of a VALE port on no switch: everything is dropped and counted. */
int nm_vale_txsync_drop(struct nm_kring *tx, struct nm_vale_txq *q);

/* rxsync of a VALE port: the user gave back [hwcur, head). */
int nm_vale_rxsync(struct nm_kring *rx);

#endif /* NM_VALE_FWD_H */
