/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netmap_user.h - userspace helpers for the netmap shared memory region.
 *
 * After REGISTER (or legacy NIOCREGIF) and mmap() of nr_memsize bytes at
 * "mem", every object is reached from relative references:
 *
 *	struct netmap_if *nifp = NETMAP_IF(mem, req.nr_offset);
 *	struct netmap_ring *txr = NETMAP_TXRING(nifp, i);
 *	struct netmap_ring *rxr = NETMAP_RXRING(nifp, i);
 *	char *buf = NETMAP_BUF(ring, ring->slot[ring->cur].buf_idx);
 *
 * A typical TX loop:
 *
 *	while (!nm_ring_empty(txr)) {
 *		struct netmap_slot *s = &txr->slot[txr->cur];
 *		fill(NETMAP_BUF(txr, s->buf_idx), &s->len);
 *		txr->head = txr->cur = nm_ring_next(txr, txr->cur);
 *	}
 *	ioctl(fd, NIOCTXSYNC, NULL);
 *
 * Only macros and static inline functions live here; nothing to link.
 */
#ifndef NET_NETMAP_USER_H
#define NET_NETMAP_USER_H

#ifdef __KERNEL__
#error "net/netmap_user.h is for userspace programs only"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>		/* memcpy */
#include <net/netmap.h>

/*
 * Branch hints.  netmap's own header provides likely()/unlikely() and
 * some programs rely on that, so define them unless the program did.
 */
#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

/* The netmap_if at offset _ofs (nr_offset) of the region mapped at _base. */
#define NETMAP_IF(_base, _ofs) \
	((struct netmap_if *)(void *)((char *)(_base) + (_ofs)))

/*
 * TX ring _i of _nifp.  Hardware rings are 0 .. ni_tx_rings - 1, host
 * rings follow them.  Only rings bound to the fd have a non-zero
 * ring_ofs; for the others the result is the netmap_if itself.
 */
#define NETMAP_TXRING(_nifp, _i) \
	((struct netmap_ring *)(void *)((char *)(_nifp) + \
		(_nifp)->ring_ofs[(_i)]))

/* RX ring _i of _nifp: RX entries of ring_ofs[] follow all TX ones. */
#define NETMAP_RXRING(_nifp, _i) \
	((struct netmap_ring *)(void *)((char *)(_nifp) + \
		(_nifp)->ring_ofs[(_i) + (_nifp)->ni_tx_rings + \
				  (_nifp)->ni_host_tx_rings]))

/* Start of buffer _idx, as a char pointer. */
#define NETMAP_BUF(_ring, _idx) \
	((char *)(_ring) + (_ring)->buf_ofs + \
	 ((size_t)(_idx) * (_ring)->nr_buf_size))

/* Index of the buffer that starts at (or contains) _buf. */
#define NETMAP_BUF_IDX(_ring, _buf) \
	((uint32_t)(((char *)(_buf) - ((char *)(_ring) + (_ring)->buf_ofs)) / \
		    (_ring)->nr_buf_size))

/*
 * Packet offsets (NETMAP_REQ_OPT_OFFSETS).  The offset of the packet in
 * its buffer lives in the bits of slot->ptr selected by ring->offset_mask
 * (0 when the option is not in use, so the offset reads as 0).
 */
#define NETMAP_ROFFSET(_ring, _slot) \
	((_slot)->ptr & (_ring)->offset_mask)

#define NETMAP_WOFFSET(_ring, _slot, _off) do {				\
	(_slot)->ptr = ((_slot)->ptr & ~(_ring)->offset_mask) |	\
		       ((uint64_t)(_off) & (_ring)->offset_mask);	\
} while (0)

/* Start of the packet of _slot: its buffer plus its offset. */
#define NETMAP_BUF_OFFSET(_ring, _slot) \
	(NETMAP_BUF(_ring, (_slot)->buf_idx) + NETMAP_ROFFSET(_ring, _slot))

/* The slot index after _i, wrapping at num_slots (not always 2^n). */
static inline uint32_t
nm_ring_next(const struct netmap_ring *ring, uint32_t i)
{
	return unlikely(i + 1 == ring->num_slots) ? 0 : i + 1;
}

/*
 * Slots the user may still use from cur on: free slots on a TX ring,
 * received packets on an RX ring.  That is tail - cur modulo num_slots,
 * so it is 0 exactly when nm_ring_empty() is true.  With head == cur
 * (the usual case) it is also tail - head.
 */
static inline uint32_t
nm_ring_space(const struct netmap_ring *ring)
{
	int64_t n = (int64_t)ring->tail - (int64_t)ring->cur;

	if (n < 0)
		n += ring->num_slots;
	return (uint32_t)n;
}

/*
 * True when no slot is available at cur: nothing to receive (RX) or no
 * room to transmit (TX).  poll() blocks in exactly this state.
 */
static inline int
nm_ring_empty(const struct netmap_ring *ring)
{
	return ring->cur == ring->tail;
}

/*
 * True if a TX ring still holds packets that the kernel has not finished
 * sending: the ring is idle only when tail sits one slot before head.
 */
static inline int
nm_tx_pending(const struct netmap_ring *ring)
{
	return nm_ring_next(ring, ring->tail) != ring->head;
}

/*
 * Copy a packet of len bytes from src to dst (note the argument order).
 * Short packets whose length is a multiple of 64 are copied in 64-byte
 * blocks, which the compiler turns into a few wide moves; anything else
 * goes to memcpy().  Never writes past dst + len.
 */
static inline void
nm_pkt_copy(const void *src, void *dst, int len)
{
	const char *s = (const char *)src;
	char *d = (char *)dst;

	if (unlikely(len <= 0))
		return;
	if (unlikely(len >= 1024 || (len % 64) != 0)) {
		memcpy(d, s, (size_t)len);
		return;
	}
	for (; len > 0; len -= 64, s += 64, d += 64)
		memcpy(d, s, 64);
}

#endif /* NET_NETMAP_USER_H */
