// SPDX-License-Identifier: BSD-2-Clause
/*
 * objpool - region layout and bitmap object allocator (see objpool.h).
 * OS-independent: built in netmap.ko and, with NM_USERSPACE, for the host
 * unit tests.
 */
#include "objpool.h"

#include <net/netmap.h>

#include "memsize.h"

static const u32 nm_pool_min_num[NM_POOL_NR] = {
	[NM_POOL_IF] = 1,
	[NM_POOL_RING] = 1,
	[NM_POOL_BUF] = NM_BUF_RESERVED + 1,
};

/* Round @v up to a multiple of @align (a power of two); false on overflow. */
static bool nm_round_up64(u64 v, u64 align, u64 *res)
{
	if (check_add_overflow(v, align - 1, res))
		return false;
	*res &= ~(align - 1);
	return true;
}

int nm_region_layout(struct nm_region_layout *l,
		     const struct nm_pool_req req[NM_POOL_NR],
		     u32 page_size, const char **why)
{
	static const char *const num_msg[NM_POOL_NR] = {
		"if_num must be at least 1",
		"ring_num must be at least 1",
		"buf_num must be at least 3 (buffers 0 and 1 are reserved)",
	};
	static const char *const size_msg[NM_POOL_NR] = {
		"if_size is larger than 4 MiB",
		"ring_size is larger than 4 MiB",
		"buf_size is larger than 4 MiB",
	};
	u64 offset = 0;
	int i;

	*why = NULL;
	if (page_size < NM_RING_ALIGN || (page_size & (page_size - 1))) {
		*why = "page size is not a power of two >= 128";
		return -EINVAL;
	}
	for (i = 0; i < NM_POOL_NR; i++) {
		struct nm_pool_layout *pl = &l->pool[i];
		u64 bytes;

		if (req[i].num < nm_pool_min_num[i]) {
			*why = num_msg[i];
			return -EINVAL;
		}
		if (req[i].size > NM_OBJ_MAX_SIZE) {
			*why = size_msg[i];
			return -EINVAL;
		}
		/* size <= 4 MiB: neither the rounding nor the product overflow. */
		pl->objsize = (u32)nm_pool_objsize(i, req[i].size);
		pl->objtotal = req[i].num;
		bytes = (u64)pl->objtotal * pl->objsize;
		if (!nm_round_up64(bytes, page_size, &pl->memsize) ||
		    check_add_overflow(offset, pl->memsize, &l->memsize) ||
		    l->memsize > NM_REGION_MAX_SIZE) {
			*why = "region larger than 64 GiB";
			return -ENOMEM;
		}
		pl->offset = offset;
		offset = l->memsize;
	}
	return 0;
}

u32 nm_ring_max_slots(u32 objsize)
{
	if (objsize < sizeof(struct netmap_ring))
		return 0;
	return (objsize - sizeof(struct netmap_ring)) / sizeof(struct netmap_slot);
}

/* ---- bitmap allocator ------------------------------------------------- */

static inline bool nm_bit_test(const u64 *bm, u32 i)
{
	return (bm[i / 64] >> (i % 64)) & 1;
}

static inline void nm_bit_set(u64 *bm, u32 i)
{
	bm[i / 64] |= 1ull << (i % 64);
}

static inline void nm_bit_clear(u64 *bm, u32 i)
{
	bm[i / 64] &= ~(1ull << (i % 64));
}

int nm_objpool_init(struct nm_objpool *p, void *base, u32 objtotal,
		    u32 objsize, u32 reserved, u64 *bitmap)
{
	u32 i;

	if (!objtotal || !objsize || reserved >= objtotal)
		return -EINVAL;
	p->base = base;
	p->bitmap = bitmap;
	p->objtotal = objtotal;
	p->objsize = objsize;
	p->reserved = reserved;
	p->nfree = objtotal - reserved;
	p->nwords = (u32)nm_objpool_bitmap_words(objtotal);
	p->hint = 0;
	for (i = 0; i < p->nwords; i++)
		bitmap[i] = 0;
	for (i = 0; i < reserved; i++)
		nm_bit_set(bitmap, i);
	/* The bits past the last object look allocated, so no search finds them. */
	if (objtotal % 64)
		bitmap[p->nwords - 1] |= ~0ull << (objtotal % 64);
	return 0;
}

bool nm_objpool_in_use(const struct nm_objpool *p, u32 idx)
{
	return nm_objpool_valid(p, idx) && nm_bit_test(p->bitmap, idx);
}

int nm_objpool_alloc(struct nm_objpool *p, u32 *idx)
{
	u32 w = p->hint, n;

	if (!p->nfree)
		return -ENOMEM;
	/* nfree > 0, so some word has a zero bit: at most one lap. */
	for (n = 0; n < p->nwords; n++) {
		u64 word = p->bitmap[w];

		if (word != ~0ull) {
			u32 bit = (u32)__builtin_ctzll(~word);

			p->bitmap[w] = word | (1ull << bit);
			p->nfree--;
			p->hint = w;
			*idx = w * 64 + bit;
			return 0;
		}
		if (++w == p->nwords)
			w = 0;
	}
	return -ENOMEM;	/* nfree out of step with the bitmap: cannot happen */
}

int nm_objpool_free(struct nm_objpool *p, u32 idx)
{
	if (!nm_objpool_valid(p, idx))
		return -EINVAL;
	if (!nm_bit_test(p->bitmap, idx))
		return -EALREADY;
	nm_bit_clear(p->bitmap, idx);
	p->nfree++;
	p->hint = idx / 64;	/* reuse recently freed (cache-warm) objects first */
	return 0;
}

int nm_objpool_index(const struct nm_objpool *p, const void *addr, u32 *idx)
{
	const char *a = addr;
	size_t ofs;

	if (a < p->base)
		return -EINVAL;
	ofs = (size_t)(a - p->base);
	if (ofs % p->objsize || ofs / p->objsize >= p->objtotal)
		return -EINVAL;
	*idx = (u32)(ofs / p->objsize);
	return 0;
}

/* The link word of a chained object: memory the user may write at any time. */
static inline u32 *nm_objpool_link(const struct nm_objpool *p, u32 idx)
{
	return (u32 *)nm_objpool_addr(p, idx);
}

u32 nm_objpool_alloc_chain(struct nm_objpool *p, u32 n, u32 *head)
{
	u32 got = 0, prev = 0, idx;

	*head = 0;
	while (got < n && nm_objpool_alloc(p, &idx) == 0) {
		WRITE_ONCE(*nm_objpool_link(p, idx), 0);
		if (got)
			WRITE_ONCE(*nm_objpool_link(p, prev), idx);
		else
			*head = idx;
		prev = idx;
		got++;
	}
	return got;
}

u32 nm_objpool_free_chain(struct nm_objpool *p, u32 head)
{
	u32 idx = head, steps, freed = 0;

	for (steps = 0; idx != 0 && steps < p->objtotal; steps++) {
		u32 next;

		if (!nm_objpool_in_use(p, idx))
			break;
		next = READ_ONCE(*nm_objpool_link(p, idx));
		nm_objpool_free(p, idx);
		freed++;
		idx = next;
	}
	return freed;
}
