/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * memsize - the sizing rules of memory regions: how big netmap_if and ring
 * objects are, how the kernel rounds an object size, and what a private
 * region gets for the port that creates it.
 *
 * One copy of these rules for netmap.ko (kernel/mem.c sizes every region
 * with them) and for netmapd, whose capacity check (daemon/capacity.c)
 * links this file to predict the regions a topology will get before any of
 * them exists. Pure arithmetic: nothing here allocates, sleeps, locks or
 * prints; builds in the kernel and, with NM_USERSPACE, in userspace.
 */
#ifndef NM_CORE_MEMSIZE_H
#define NM_CORE_MEMSIZE_H

#include "objpool.h"

/* Private regions leave room for this many pipes (as netmap does)... */
#define NM_PRIV_PIPES		2
/* ... each with two ends of one TX and one RX ring ... */
#define NM_PRIV_PIPE_RINGS	4
/* ... of this many slots when the port does not say (the pipe default). */
#define NM_PRIV_PIPE_SLOTS	1024

/*
 * What a port needs from a private region it creates. The region gets the
 * larger of this and the priv_* parameters, plus room for NM_PRIV_PIPES
 * pipes (NM_PRIV_PIPE_RINGS rings each, of max_slots slots, or
 * NM_PRIV_PIPE_SLOTS if max_slots is 0) and 2 more netmap_if objects per
 * pipe for its ends, like netmap. netmap_if objects get room for ring_ofs[]
 * entries for all @rings plus 2 host entries; ring objects hold max_slots
 * slots. All zero means "nothing beyond the parameters".
 */
struct nm_mem_need {
	u32 rings;		/* rings of the port, all directions, host rings included */
	u32 max_slots;		/* largest ring */
	u32 bufs;		/* buffers for all slots of all rings */
	u32 extra_bufs;		/* nr_extra_bufs requested */
	u32 ifs;		/* netmap_if objects (one per bound fd) */
};

/* Bytes of a netmap_if with ring_ofs[] entries for @rings rings (host ones included). */
static inline u64 nm_if_objsize(u64 rings)
{
	return sizeof(struct netmap_if) +
	       sizeof(((struct netmap_if *)0)->ring_ofs[0]) * rings;
}

/* Bytes of a ring of @slots slots. */
static inline u64 nm_ring_objsize(u64 slots)
{
	return sizeof(struct netmap_ring) + sizeof(struct netmap_slot) * slots;
}

/*
 * The object size pool @pool makes of a requested @size: raised to the
 * smallest useful object (a netmap_if; a ring of one slot; 64 bytes for a
 * buffer) and rounded up to the pool's alignment. No upper bound here:
 * nm_region_layout() refuses sizes above NM_OBJ_MAX_SIZE; a @size within
 * 128 bytes of U64_MAX wraps to 0.
 */
u64 nm_pool_objsize(enum nm_pool_id pool, u64 size);

/*
 * The pools of a private region: @params (the priv_* parameters, indexed
 * by enum nm_pool_id), each count and size raised to what @need asks plus
 * the room for NM_PRIV_PIPES pipes (see struct nm_mem_need). Returns 0, or
 * -ENOMEM if a count or size would not fit in 32 bits (*req is then
 * unspecified). The result goes to nm_region_layout().
 */
int nm_priv_region_req(struct nm_pool_req req[NM_POOL_NR],
		       const struct nm_pool_req params[NM_POOL_NR],
		       const struct nm_mem_need *need);

/* Pipes (pairs) one parent may have; an implicit parent's region has room for them. */
#define NM_PIPE_MAX_PER_PARENT	64
/* Ring objects an implicit parent's region reserves: that many pipes of 1+1 rings. */
#define NM_PIPE_ROOM_RINGS	(4 * NM_PIPE_MAX_PER_PARENT)
/* netmap_if objects a VALE port's private region has for the fds that bind it. */
#define NM_VALE_PORT_IFS	8

/*
 * What a VALE port of @txr TX rings of @txs slots and @rxr RX rings of @rxs
 * slots, asking for @extra extra buffers, needs from the private region it
 * creates. The counts are the port's, already bounded by the caller.
 */
void nm_vale_port_need(struct nm_mem_need *need, u32 txr, u32 txs,
		       u32 rxr, u32 rxs, u32 extra);

/*
 * What an implicit pipe parent needs from the private region it creates
 * for the pipe about to be opened, whose end has @txr TX rings of @txs
 * slots and @rxr RX rings of @rxs slots and asks for @extra extra buffers
 * (counts already bounded): buffers for that pipe, ring objects and
 * netmap_ifs for up to NM_PIPE_MAX_PER_PARENT pipes like it (at most
 * NM_PIPE_ROOM_RINGS rings), so that many small pipes fit.
 */
void nm_pipe_parent_need(struct nm_mem_need *need, u32 txr, u32 txs,
			 u32 rxr, u32 rxs, u32 extra);

#endif /* NM_CORE_MEMSIZE_H */
