/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vale_lut.h - the MAC learning table of a VALE switch (OS-independent).
 *
 * A direct-mapped hash table of NM_VALE_LUT_SIZE entries. Each entry is one
 * u64 word, (mac << 16) | NM_VALE_LUT_VALID | port, read and written with
 * READ_ONCE/WRITE_ONCE: concurrent senders learn without any lock and a
 * reader never sees a torn entry (aligned 64-bit accesses are atomic on the
 * architectures we build for). Races between senders, and collisions of two
 * MACs in one bucket, only make an entry stale or missing: a frame to that
 * MAC is then flooded (missing) or sent to the wrong port (stale) until the
 * owner sends again and is relearned, exactly the tolerance netmap accepts.
 *
 * Writers: senders (learning, packet path); the control path forgets a
 * port's entries when the port leaves (nm_vale_lut_forget), after which a
 * sender racing with it may re-add one: that entry names a port index that
 * is either empty (the frame is dropped by the forwarder, which checks the
 * port table) or reused by a new port (one misdirected frame, then
 * relearned).
 */
#ifndef NM_VALE_LUT_H
#define NM_VALE_LUT_H

#include "nm_os.h"

#define NM_VALE_LUT_SIZE	4096	/* power of two */
#define NM_VALE_LUT_VALID	0x100

struct nm_vale_lut {
	u64 e[NM_VALE_LUT_SIZE];
};

/* The 48-bit MAC at @p (6 bytes, network order) as an integer. */
static inline u64 nm_vale_mac(const u8 *p)
{
	return ((u64)get_unaligned_be32(p) << 16) | get_unaligned_be16(p + 4);
}

/*
 * nm_vale_mac() of the destination and the source MAC of the Ethernet
 * header at @p, of which all 14 bytes must be readable: two 8-byte loads,
 * bytes 0-7 and 4-11, where a byte-wise read takes twelve (under an
 * emulated CPU every memory access costs a lookup of its own).
 */
static inline void nm_vale_macs(const u8 *p, u64 *dmac, u64 *smac)
{
	*dmac = get_unaligned_be64(p) >> 16;
	*smac = get_unaligned_be64(p + 4) & 0xffffffffffffULL;
}

/* Group bit (multicast, broadcast) of a MAC from nm_vale_mac(). */
static inline bool nm_vale_mac_group(u64 mac)
{
	return (mac >> 40) & 1;
}

static inline u32 nm_vale_lut_hash(u64 mac)
{
	/* Fibonacci hashing of the 48 bits: the top bits of the product. */
	return (u32)((mac * 0x9E3779B97F4A7C15ULL) >> 52) & (NM_VALE_LUT_SIZE - 1);
}

void nm_vale_lut_init(struct nm_vale_lut *lut);

/* Remember that @mac (not a group address) lives behind port @port. */
static inline void nm_vale_lut_learn(struct nm_vale_lut *lut, u64 mac, u8 port)
{
	u64 *e = &lut->e[nm_vale_lut_hash(mac)];
	u64 v = (mac << 16) | NM_VALE_LUT_VALID | port;

	if (READ_ONCE(*e) != v)		/* no cache line bouncing when unchanged */
		WRITE_ONCE(*e, v);
}

/* The port that @mac was learned on, or -1. */
static inline int nm_vale_lut_lookup(const struct nm_vale_lut *lut, u64 mac)
{
	u64 v = READ_ONCE(lut->e[nm_vale_lut_hash(mac)]);

	if ((v & NM_VALE_LUT_VALID) && (v >> 16) == mac)
		return v & 0xff;
	return -1;
}

/* Drop every entry of port @port (control path, when the port leaves). */
void nm_vale_lut_forget(struct nm_vale_lut *lut, u8 port);

#endif /* NM_VALE_LUT_H */
