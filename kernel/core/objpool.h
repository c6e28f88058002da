/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * objpool - the OS-independent half of a memory region: the layout of the
 * three pools (netmap_if objects, rings, buffers) and a bitmap allocator of
 * fixed-size objects.
 *
 * This file and objpool.c build in netmap.ko and, with NM_USERSPACE
 * defined, in userspace, where the host unit test (tests/unit/
 * test_objpool.c) runs them under ASan/UBSan. The kernel side (kernel/mem.c)
 * owns the memory, the locking and the logging; nothing here allocates,
 * sleeps or prints.
 *
 * Layout (NETMAP-ABI §5): the if pool starts at offset 0, the ring pool and
 * the buffer pool follow, each starting on a page boundary; objects are
 * packed back to back inside a pool (object i at pool offset i * objsize),
 * so userspace finds buffer i of a ring at ring + buf_ofs + i * objsize.
 *
 * Locking: none here. The caller serialises every call that changes a pool
 * (alloc, free, chains); nm_objpool_valid() and nm_objpool_addr() only read
 * fields that never change after nm_objpool_init() and may run concurrently
 * with anything.
 */
#ifndef NM_CORE_OBJPOOL_H
#define NM_CORE_OBJPOOL_H

/*
 * Porting: types, READ_ONCE/WRITE_ONCE and errno values come from the core's
 * porting header; only the overflow checks are added here.
 */
#include "nm_os.h"
#ifdef NM_USERSPACE
#ifndef check_add_overflow
#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
#endif
#ifndef check_mul_overflow
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)
#endif
#else
#include <linux/overflow.h>
#endif

/* The pools of a region, in address order. */
enum nm_pool_id {
	NM_POOL_IF,
	NM_POOL_RING,
	NM_POOL_BUF,
	NM_POOL_NR
};

/*
 * Object alignment. Buffers and netmap_if objects start on 64-byte
 * boundaries (a cache line; netmap's NM_BUF_ALIGN); rings on 128 bytes, the
 * alignment of struct netmap_ring (its sem[] member is NM_CACHE_ALIGNed).
 */
#define NM_OBJ_ALIGN		64u
#define NM_RING_ALIGN		128u
/* Largest object of any pool (netmap's MAX_CLUSTSIZE). */
#define NM_OBJ_MAX_SIZE		(4u << 20)
/* Largest region: refuses absurd parameters before any allocation. */
#define NM_REGION_MAX_SIZE	(64ull << 30)
/* Buffers 0 and 1 are the fake TX/RX buffers of netmap: never handed out. */
#define NM_BUF_RESERVED		2u

/* What is asked for one pool: objects and bytes per object. */
struct nm_pool_req {
	u32 num;
	u32 size;
};

/* What a pool actually gets. */
struct nm_pool_layout {
	u64 offset;		/* from the start of the region; page aligned */
	u64 memsize;		/* bytes; a whole number of pages */
	u32 objtotal;		/* objects, reserved ones included */
	u32 objsize;		/* bytes per object; a multiple of its alignment */
};

struct nm_region_layout {
	struct nm_pool_layout pool[NM_POOL_NR];
	u64 memsize;		/* whole region; what userspace mmaps */
};

/*
 * Compute the layout of a region for @req (indexed by enum nm_pool_id) with
 * pages of @page_size bytes (a power of two). Object sizes are rounded up to
 * their alignment and raised to the smallest useful object (a netmap_if; a
 * ring of one slot; 64 bytes for a buffer); object counts are kept as asked.
 * Returns 0, or -EINVAL for parameters that cannot work (a zero count, fewer
 * than 3 buffers, an object larger than NM_OBJ_MAX_SIZE, a bad page size)
 * and -ENOMEM for a region larger than NM_REGION_MAX_SIZE; on error *why
 * says what was wrong, for the caller's log line.
 */
int nm_region_layout(struct nm_region_layout *l,
		     const struct nm_pool_req req[NM_POOL_NR],
		     u32 page_size, const char **why);

/* Slots that fit in a ring object of @objsize bytes. */
u32 nm_ring_max_slots(u32 objsize);

/*
 * A pool of objtotal objects of objsize bytes starting at base. Objects
 * 0 .. reserved-1 exist (they have addresses) but are never handed out nor
 * freed. The bitmap has a bit per object, set while the object is
 * allocated; bits past objtotal and the reserved ones are always set.
 */
struct nm_objpool {
	char *base;		/* address of object 0 */
	u64 *bitmap;		/* nm_objpool_bitmap_words(objtotal) words */
	u32 objtotal;
	u32 objsize;
	u32 reserved;
	u32 nfree;		/* objects that can still be handed out */
	u32 nwords;
	u32 hint;		/* bitmap word where the next search starts */
};

/* Words (u64) of bitmap the caller provides for a pool of @objtotal objects. */
static inline size_t nm_objpool_bitmap_words(u32 objtotal)
{
	return ((size_t)objtotal + 63) / 64;
}

/* 0, or -EINVAL if objtotal/objsize is 0 or reserved >= objtotal. */
int nm_objpool_init(struct nm_objpool *p, void *base, u32 objtotal,
		    u32 objsize, u32 reserved, u64 *bitmap);

/* An index that can be allocated and freed (not reserved, in range). */
static inline bool nm_objpool_valid(const struct nm_objpool *p, u32 idx)
{
	return idx >= p->reserved && idx < p->objtotal;
}

/* Address of object @idx; @idx < objtotal is the caller's business. */
static inline void *nm_objpool_addr(const struct nm_objpool *p, u32 idx)
{
	return p->base + (size_t)idx * p->objsize;
}

/* Objects currently handed out. */
static inline u32 nm_objpool_in_use_count(const struct nm_objpool *p)
{
	return p->objtotal - p->reserved - p->nfree;
}

/* True if @idx is valid and currently allocated. */
bool nm_objpool_in_use(const struct nm_objpool *p, u32 idx);

/* Allocate one object: 0 and *idx, or -ENOMEM when the pool is exhausted. */
int nm_objpool_alloc(struct nm_objpool *p, u32 *idx);

/*
 * Free object @idx: 0; -EINVAL if @idx is reserved or out of range;
 * -EALREADY if it is not allocated (double free). The bitmap is unchanged
 * on error.
 */
int nm_objpool_free(struct nm_objpool *p, u32 idx);

/*
 * Index of the object that starts at @addr: 0 and *idx, or -EINVAL if @addr
 * is not the first byte of an object of this pool.
 */
int nm_objpool_index(const struct nm_objpool *p, const void *addr, u32 *idx);

/*
 * Chains of objects linked through their first u32 (netmap's extra
 * buffers): each object holds the index of the next, 0 ends the chain.
 *
 * nm_objpool_alloc_chain() allocates up to @n objects and returns how many
 * it got; *head is the first index (0 if none).
 *
 * nm_objpool_free_chain() frees a chain whose links live in memory the user
 * can write. It reads each link once, and stops at 0, at an index that is
 * invalid or not allocated, and after objtotal steps, so a looping or
 * corrupt chain ends and nothing is freed twice. It returns the number of
 * objects freed. A chain can still name objects that are in use elsewhere
 * (in a ring slot, say); those are freed too: the bitmap stays consistent,
 * but which user owns a buffer is up to the (cooperating) users of a region.
 */
u32 nm_objpool_alloc_chain(struct nm_objpool *p, u32 n, u32 *head);
u32 nm_objpool_free_chain(struct nm_objpool *p, u32 head);

#endif /* NM_CORE_OBJPOOL_H */
