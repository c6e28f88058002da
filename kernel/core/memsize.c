// SPDX-License-Identifier: BSD-2-Clause
/*
 * memsize - sizing rules of memory regions (see memsize.h). OS-independent:
 * built in netmap.ko and, with NM_USERSPACE, for netmapd and the host unit
 * tests.
 */
#include "memsize.h"

static const u32 nm_pool_align[NM_POOL_NR] = {
	[NM_POOL_IF] = NM_OBJ_ALIGN,
	[NM_POOL_RING] = NM_RING_ALIGN,
	[NM_POOL_BUF] = NM_OBJ_ALIGN,
};

/* Smallest object worth having in each pool. */
static const u32 nm_pool_min_size[NM_POOL_NR] = {
	[NM_POOL_IF] = sizeof(struct netmap_if),
	[NM_POOL_RING] = sizeof(struct netmap_ring) + sizeof(struct netmap_slot),
	[NM_POOL_BUF] = NM_OBJ_ALIGN,
};

u64 nm_pool_objsize(enum nm_pool_id pool, u64 size)
{
	const u64 align = nm_pool_align[pool];

	if (size < nm_pool_min_size[pool])
		size = nm_pool_min_size[pool];
	return (size + align - 1) & ~(align - 1);
}

/* a = max(a, b) */
static inline void nm_raise(u64 *a, u64 b)
{
	if (*a < b)
		*a = b;
}

int nm_priv_region_req(struct nm_pool_req req[NM_POOL_NR],
		       const struct nm_pool_req params[NM_POOL_NR],
		       const struct nm_mem_need *need)
{
	const u64 pipe_rings = NM_PRIV_PIPES * NM_PRIV_PIPE_RINGS;
	u64 num[NM_POOL_NR], size[NM_POOL_NR];
	u64 pipe_slots;
	int i;

	for (i = 0; i < NM_POOL_NR; i++) {
		num[i] = params[i].num;
		size[i] = params[i].size;
	}
	/*
	 * One netmap_if per bound fd, one per pipe end; ring_ofs[] for every
	 * ring plus the host ring entries that a port without host rings still
	 * reports (ni_host_* = 1).
	 */
	nm_raise(&num[NM_POOL_IF], (u64)need->ifs + 2 * NM_PRIV_PIPES);
	nm_raise(&size[NM_POOL_IF], nm_if_objsize((u64)need->rings + 2));
	nm_raise(&num[NM_POOL_RING], (u64)need->rings + pipe_rings);
	nm_raise(&size[NM_POOL_RING], nm_ring_objsize(need->max_slots));
	pipe_slots = need->max_slots ? need->max_slots : NM_PRIV_PIPE_SLOTS;
	nm_raise(&num[NM_POOL_BUF], NM_BUF_RESERVED + (u64)need->bufs +
		 need->extra_bufs + pipe_rings * pipe_slots);

	for (i = 0; i < NM_POOL_NR; i++) {
		if (num[i] > (u32)~0u || size[i] > (u32)~0u)
			return -ENOMEM;
		req[i].num = (u32)num[i];
		req[i].size = (u32)size[i];
	}
	return 0;
}

void nm_vale_port_need(struct nm_mem_need *need, u32 txr, u32 txs,
		       u32 rxr, u32 rxs, u32 extra)
{
	*need = (struct nm_mem_need){
		.rings = txr + rxr,
		.max_slots = txs > rxs ? txs : rxs,
		.bufs = txr * txs + rxr * rxs,
		.extra_bufs = extra,
		.ifs = NM_VALE_PORT_IFS,
	};
}

void nm_pipe_parent_need(struct nm_mem_need *need, u32 txr, u32 txs,
			 u32 rxr, u32 rxs, u32 extra)
{
	const u32 pipe_rings = 2 * (txr + rxr);
	u32 room = NM_PIPE_MAX_PER_PARENT * pipe_rings;

	if (room > NM_PIPE_ROOM_RINGS)
		room = NM_PIPE_ROOM_RINGS;
	*need = (struct nm_mem_need){
		.rings = pipe_rings > room ? pipe_rings : room,
		.max_slots = txs > rxs ? txs : rxs,
		/* One set per direction: the RX rings show the peer's TX buffers. */
		.bufs = txr * txs + rxr * rxs,
		.extra_bufs = extra,
		.ifs = 2 * NM_PIPE_MAX_PER_PARENT,
	};
}
