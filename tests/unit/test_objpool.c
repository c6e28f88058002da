/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_objpool - the OS-independent half of netmap.ko's memory regions
 * (kernel/core/objpool.c), run on the host:
 *
 * 1. Region layout: the figures of netmap's default global region, object
 *    size rounding and alignment, page-aligned pools, the userspace address
 *    arithmetic of NETMAP-ABI §5 (nifp, ring, buf_ofs, buffer i) landing on
 *    the objects the pools describe, rejected parameters and size limits.
 * 2. Bitmap allocator: reserved objects 0 and 1, bounds of indices,
 *    exhaustion, double free, address <-> index, a random walk checked
 *    against a shadow copy.
 * 3. Chains (extra buffers): links, partial grants, and freeing chains that
 *    userspace corrupted: loops, self loops, invalid, reserved, free and
 *    out-of-range indexes.
 *
 * Prints one line per failure and "N passed, N failed"; exits 1 on failure.
 */
#include "objpool.h"

#include <net/netmap.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"



#define CHECK_EQ(got, want)						\
	CHECK((uint64_t)(got) == (uint64_t)(want), "got %" PRIu64 ", want %" PRIu64, \
	      (uint64_t)(got), (uint64_t)(want))

static int layout(struct nm_region_layout *l, uint32_t if_num, uint32_t if_size,
		  uint32_t ring_num, uint32_t ring_size, uint32_t buf_num,
		  uint32_t buf_size, uint32_t page)
{
	struct nm_pool_req req[NM_POOL_NR] = {
		[NM_POOL_IF] = { if_num, if_size },
		[NM_POOL_RING] = { ring_num, ring_size },
		[NM_POOL_BUF] = { buf_num, buf_size },
	};
	const char *why = "unset";
	int err;

	memset(l, 0xa5, sizeof(*l));
	err = nm_region_layout(l, req, page, &why);
	/* An error always says why; success never does. */
	CHECK(err ? why != NULL && why[0] : why == NULL, "err %d why %s", err,
	      why ? why : "(null)");
	return err;
}

/* ---- 1. layout -------------------------------------------------------- */

static void test_layout_defaults(void)
{
	struct nm_region_layout l;

	/* netmap's global defaults: 100 x 1024, 200 x 9*4096, 163840 x 2048. */
	CHECK_EQ(layout(&l, 100, 1024, 200, 36864, 163840, 2048, 4096), 0);
	CHECK_EQ(l.pool[NM_POOL_IF].offset, 0);
	CHECK_EQ(l.pool[NM_POOL_IF].objtotal, 100);
	CHECK_EQ(l.pool[NM_POOL_IF].objsize, 1024);
	CHECK_EQ(l.pool[NM_POOL_IF].memsize, 102400);
	CHECK_EQ(l.pool[NM_POOL_RING].offset, 102400);
	CHECK_EQ(l.pool[NM_POOL_RING].objtotal, 200);
	CHECK_EQ(l.pool[NM_POOL_RING].objsize, 36864);
	CHECK_EQ(l.pool[NM_POOL_RING].memsize, 200 * 36864);
	CHECK_EQ(l.pool[NM_POOL_BUF].offset, 102400 + 200 * 36864);
	CHECK_EQ(l.pool[NM_POOL_BUF].objtotal, 163840);
	CHECK_EQ(l.pool[NM_POOL_BUF].objsize, 2048);
	CHECK_EQ(l.pool[NM_POOL_BUF].memsize, 163840ull * 2048);
	CHECK_EQ(l.memsize, 102400 + 200 * 36864 + 163840ull * 2048);

	/* netmap's private defaults: 2 x 1024, 4 x 5*4096, 4098 x 2048. */
	CHECK_EQ(layout(&l, 2, 1024, 4, 20480, 4098, 2048, 4096), 0);
	CHECK_EQ(l.pool[NM_POOL_IF].memsize, 4096);	/* 2048 rounded to a page */
	CHECK_EQ(l.pool[NM_POOL_RING].offset, 4096);
	CHECK_EQ(l.pool[NM_POOL_BUF].offset, 4096 + 81920);
	CHECK_EQ(l.pool[NM_POOL_BUF].memsize, 2049 * 4096);	/* 4098 * 2048 */
	CHECK_EQ(l.memsize, 4096 + 81920 + 2049 * 4096);
	/* One more buffer spills into one more page. */
	CHECK_EQ(layout(&l, 2, 1024, 4, 20480, 4099, 2048, 4096), 0);
	CHECK_EQ(l.pool[NM_POOL_BUF].memsize, 2050 * 4096);
}

static void test_layout_rounding(void)
{
	struct nm_region_layout l;
	int i;

	/* Sizes below the minimum are raised, others rounded to the alignment. */
	CHECK_EQ(layout(&l, 3, 1, 1, 0, 3, 1, 4096), 0);
	CHECK_EQ(l.pool[NM_POOL_IF].objsize, 64);	/* netmap_if is 56 bytes */
	CHECK_EQ(l.pool[NM_POOL_RING].objsize, 384);	/* 256 + 16 -> x128 */
	CHECK_EQ(l.pool[NM_POOL_BUF].objsize, 64);
	CHECK_EQ(nm_ring_max_slots(l.pool[NM_POOL_RING].objsize), 8);

	CHECK_EQ(layout(&l, 3, 100, 5, 385, 10, 65, 4096), 0);
	CHECK_EQ(l.pool[NM_POOL_IF].objsize, 128);
	CHECK_EQ(l.pool[NM_POOL_RING].objsize, 512);
	CHECK_EQ(l.pool[NM_POOL_BUF].objsize, 128);
	/* Every pool starts on a page and is a whole number of pages. */
	CHECK_EQ(l.pool[NM_POOL_IF].memsize, 4096);
	CHECK_EQ(l.pool[NM_POOL_RING].offset, 4096);
	CHECK_EQ(l.pool[NM_POOL_RING].memsize, 4096);
	CHECK_EQ(l.pool[NM_POOL_BUF].offset, 8192);
	CHECK_EQ(l.pool[NM_POOL_BUF].memsize, 4096);
	CHECK_EQ(l.memsize, 12288);

	/* Exact multiples stay; buf_size is always a multiple of 64, >= 64. */
	for (i = 1; i <= 5000; i += 7) {
		CHECK_EQ(layout(&l, 1, 1024, 1, 4096, 3, (uint32_t)i, 4096), 0);
		uint32_t bs = l.pool[NM_POOL_BUF].objsize;
		CHECK(bs % 64 == 0 && bs >= 64 && bs >= (uint32_t)i && bs - (uint32_t)i < 64 + 64,
		      "buf_size %d -> %u", i, bs);
		if (i >= 64)
			CHECK(bs - (uint32_t)i < 64, "buf_size %d -> %u", i, bs);
	}

	/* Bigger pages: pools on 64 KiB boundaries. */
	CHECK_EQ(layout(&l, 100, 1024, 200, 36864, 1000, 2048, 65536), 0);
	CHECK_EQ(l.pool[NM_POOL_RING].offset, 131072);
	CHECK_EQ(l.pool[NM_POOL_BUF].offset, 131072 + 7405568);
	CHECK_EQ(l.pool[NM_POOL_BUF].offset % 65536, 0);
	CHECK_EQ(l.memsize % 65536, 0);
	CHECK_EQ(l.memsize, 131072 + 7405568 + 2097152);
}

static void test_layout_errors(void)
{
	struct nm_region_layout l;
	uint32_t n;

	CHECK_EQ(layout(&l, 0, 1024, 1, 4096, 3, 2048, 4096), -EINVAL);
	CHECK_EQ(layout(&l, 1, 1024, 0, 4096, 3, 2048, 4096), -EINVAL);
	CHECK_EQ(layout(&l, 1, 1024, 1, 4096, 0, 2048, 4096), -EINVAL);
	CHECK_EQ(layout(&l, 1, 1024, 1, 4096, 2, 2048, 4096), -EINVAL);
	CHECK_EQ(layout(&l, 1, 1024, 1, 4096, 3, 2048, 4096), 0);
	/* Object size limit: 4 MiB. */
	CHECK_EQ(layout(&l, 1, NM_OBJ_MAX_SIZE + 1, 1, 4096, 3, 2048, 4096), -EINVAL);
	CHECK_EQ(layout(&l, 1, 1024, 1, NM_OBJ_MAX_SIZE + 1, 3, 2048, 4096), -EINVAL);
	CHECK_EQ(layout(&l, 1, 1024, 1, 4096, 3, NM_OBJ_MAX_SIZE + 1, 4096), -EINVAL);
	CHECK_EQ(layout(&l, 1, 1024, 1, 4096, 3, UINT32_MAX, 4096), -EINVAL);
	CHECK_EQ(layout(&l, 1, 1024, 1, 4096, 3, NM_OBJ_MAX_SIZE, 4096), 0);
	CHECK_EQ(l.pool[NM_POOL_BUF].objsize, NM_OBJ_MAX_SIZE);
	/* Bad page sizes. */
	CHECK_EQ(layout(&l, 1, 1024, 1, 4096, 3, 2048, 0), -EINVAL);
	CHECK_EQ(layout(&l, 1, 1024, 1, 4096, 3, 2048, 4095), -EINVAL);
	CHECK_EQ(layout(&l, 1, 1024, 1, 4096, 3, 2048, 64), -EINVAL);
	/* Region limit: exactly 64 GiB is fine, one more buffer is not. */
	n = (uint32_t)((NM_REGION_MAX_SIZE - 8192) / 4096);
	CHECK_EQ(layout(&l, 1, 64, 1, 384, n, 4096, 4096), 0);
	CHECK_EQ(l.memsize, NM_REGION_MAX_SIZE);
	CHECK_EQ(layout(&l, 1, 64, 1, 384, n + 1, 4096, 4096), -ENOMEM);
	/* Absurd values: no overflow, just a refusal. */
	CHECK_EQ(layout(&l, UINT32_MAX, NM_OBJ_MAX_SIZE, UINT32_MAX, NM_OBJ_MAX_SIZE,
			UINT32_MAX, NM_OBJ_MAX_SIZE, 4096), -ENOMEM);
	CHECK_EQ(layout(&l, 1, 1024, 1, 4096, UINT32_MAX, 2048, 4096), -ENOMEM);
	CHECK_EQ(layout(&l, 1, 1024, UINT32_MAX, NM_OBJ_MAX_SIZE, 3, 2048,
			0x80000000u), -ENOMEM);
}

/*
 * Lay out a small region in real memory the way the kernel does, write each
 * object's identity into it through the pools, and read it back with
 * userspace's arithmetic (netmap_user.h style): nifp = base + nr_offset,
 * ring = nifp + ring_ofs, buf = ring + buf_ofs + idx * nr_buf_size.
 */
static void test_layout_user_view(void)
{
	struct nm_region_layout l;
	struct nm_objpool pool[NM_POOL_NR];
	uint64_t *bm[NM_POOL_NR];
	char *base;
	int i;

	CHECK_EQ(layout(&l, 4, 200, 3, 1000, 37, 1500, 4096), 0);
	base = aligned_alloc(4096, l.memsize);
	if (!base) {
		CHECK(0, "out of memory");
		return;
	}
	memset(base, 0, l.memsize);
	for (i = 0; i < NM_POOL_NR; i++) {
		struct nm_pool_layout *pl = &l.pool[i];

		bm[i] = calloc(nm_objpool_bitmap_words(pl->objtotal), sizeof(uint64_t));
		CHECK_EQ(nm_objpool_init(&pool[i], base + pl->offset, pl->objtotal,
					 pl->objsize, i == NM_POOL_BUF ? NM_BUF_RESERVED : 0,
					 bm[i]), 0);
		/* The pool holds its objects inside its pages. */
		CHECK((uint64_t)pl->objtotal * pl->objsize <= pl->memsize, "pool %d", i);
		CHECK(pl->memsize - (uint64_t)pl->objtotal * pl->objsize < 4096, "pool %d", i);
		CHECK_EQ(pl->offset % 4096, 0);
		CHECK_EQ(pl->objsize % (i == NM_POOL_RING ? 128 : 64), 0);
	}
	CHECK_EQ(l.pool[NM_POOL_RING].offset, l.pool[NM_POOL_IF].offset + l.pool[NM_POOL_IF].memsize);
	CHECK_EQ(l.pool[NM_POOL_BUF].offset, l.pool[NM_POOL_RING].offset + l.pool[NM_POOL_RING].memsize);
	CHECK_EQ(l.memsize, l.pool[NM_POOL_BUF].offset + l.pool[NM_POOL_BUF].memsize);

	/* Kernel side: a netmap_if (object 2) pointing to ring 1 with 3 slots. */
	{
		uint32_t ifi, ri, b, k;
		char *nifp_k, *ring_k;

		CHECK_EQ(nm_objpool_alloc(&pool[NM_POOL_IF], &ifi), 0);
		CHECK_EQ(nm_objpool_alloc(&pool[NM_POOL_RING], &ri), 0);
		nifp_k = nm_objpool_addr(&pool[NM_POOL_IF], ifi);
		ring_k = nm_objpool_addr(&pool[NM_POOL_RING], ri);
		CHECK(((uintptr_t)ring_k) % 128 == 0, "ring alignment");
		CHECK(((uintptr_t)nifp_k) % 64 == 0, "netmap_if alignment");
		struct netmap_if *nifp_w = (struct netmap_if *)nifp_k;
		struct netmap_ring *ring_w = (struct netmap_ring *)ring_k;
		int64_t buf_ofs = (int64_t)l.pool[NM_POOL_BUF].offset -
				  (int64_t)(ring_k - base);
		uint64_t nr_offset = (uint64_t)(nifp_k - base);

		/* netmap_if fields are const in userspace: write through memcpy. */
		{
			ssize_t ro = ring_k - nifp_k;
			memcpy((char *)nifp_w + offsetof(struct netmap_if, ring_ofs), &ro, sizeof(ro));
			memcpy((char *)ring_w + offsetof(struct netmap_ring, buf_ofs), &buf_ofs, 8);
			memcpy((char *)ring_w + offsetof(struct netmap_ring, nr_buf_size),
			       &l.pool[NM_POOL_BUF].objsize, 4);
		}
		for (k = 0; k < 3; k++) {
			CHECK_EQ(nm_objpool_alloc(&pool[NM_POOL_BUF], &b), 0);
			ring_w->slot[k].buf_idx = b;
			snprintf(nm_objpool_addr(&pool[NM_POOL_BUF], b), 32, "buffer %u", b);
		}

		/* User side. */
		struct netmap_if *nifp = (struct netmap_if *)(base + nr_offset);
		struct netmap_ring *ring = (struct netmap_ring *)((char *)nifp + nifp->ring_ofs[0]);
		CHECK(ring == ring_w, "ring via ring_ofs");
		for (k = 0; k < 3; k++) {
			uint32_t idx = ring->slot[k].buf_idx;
			char *buf = (char *)ring + ring->buf_ofs + (size_t)idx * ring->nr_buf_size;
			char want[32];

			snprintf(want, sizeof(want), "buffer %u", idx);
			CHECK(buf == (char *)nm_objpool_addr(&pool[NM_POOL_BUF], idx),
			      "buffer %u address", idx);
			CHECK(strcmp(buf, want) == 0, "buffer %u content", idx);
			CHECK(buf + ring->nr_buf_size <= base + l.memsize, "inside region");
		}
		/* buf_ofs is positive: rings come before buffers. */
		CHECK(ring->buf_ofs > 0, "buf_ofs %" PRId64, (int64_t)ring->buf_ofs);
		/* The last buffer ends inside the region. */
		CHECK((uint64_t)(l.pool[NM_POOL_BUF].offset +
				 (uint64_t)l.pool[NM_POOL_BUF].objtotal *
				 l.pool[NM_POOL_BUF].objsize) <= l.memsize, "last buffer");
	}
	for (i = 0; i < NM_POOL_NR; i++)
		free(bm[i]);
	free(base);
}

/* ---- 2. bitmap allocator ---------------------------------------------- */

struct tpool {
	struct nm_objpool p;
	uint64_t *bm;
	char *mem;
};

static int tpool_init(struct tpool *t, uint32_t objtotal, uint32_t objsize,
		      uint32_t reserved)
{
	t->mem = calloc(objtotal ? objtotal : 1, objsize ? objsize : 1);
	t->bm = calloc(nm_objpool_bitmap_words(objtotal) + 1, sizeof(uint64_t));
	return nm_objpool_init(&t->p, t->mem, objtotal, objsize, reserved, t->bm);
}

static void tpool_fini(struct tpool *t)
{
	free(t->mem);
	free(t->bm);
}

static void test_pool_basic(void)
{
	static const uint32_t totals[] = { 3, 63, 64, 65, 127, 128, 130, 1000 };
	struct tpool t;
	size_t k;

	CHECK_EQ(tpool_init(&t, 0, 64, 0), -EINVAL);
	tpool_fini(&t);
	CHECK_EQ(tpool_init(&t, 2, 64, 2), -EINVAL);
	tpool_fini(&t);
	CHECK_EQ(tpool_init(&t, 10, 0, 2), -EINVAL);
	tpool_fini(&t);

	for (k = 0; k < sizeof(totals) / sizeof(totals[0]); k++) {
		uint32_t total = totals[k], i, idx, got = 0;
		char *seen = calloc(total, 1);

		CHECK_EQ(tpool_init(&t, total, 64, NM_BUF_RESERVED), 0);
		CHECK_EQ(t.p.nfree, total - 2);
		CHECK_EQ(nm_objpool_in_use_count(&t.p), 0);
		/* Exhaust: every index once, never 0 or 1, never >= total. */
		while (nm_objpool_alloc(&t.p, &idx) == 0) {
			CHECK(idx >= 2 && idx < total, "total %u: got index %u", total, idx);
			if (idx < total) {
				CHECK(!seen[idx], "total %u: index %u twice", total, idx);
				seen[idx] = 1;
			}
			CHECK(nm_objpool_in_use(&t.p, idx), "in use %u", idx);
			if (++got > total)
				break;
		}
		CHECK_EQ(got, total - 2);
		CHECK_EQ(t.p.nfree, 0);
		CHECK_EQ(nm_objpool_alloc(&t.p, &idx), -ENOMEM);
		CHECK_EQ(nm_objpool_alloc(&t.p, &idx), -ENOMEM);
		/* The tail bits past the last object stay set: the word is full. */
		if (total % 64)
			CHECK(t.bm[(total - 1) / 64] == ~0ull, "tail bits of %u", total);
		/* Reserved and out-of-range indexes cannot be freed. */
		CHECK_EQ(nm_objpool_free(&t.p, 0), -EINVAL);
		CHECK_EQ(nm_objpool_free(&t.p, 1), -EINVAL);
		CHECK_EQ(nm_objpool_free(&t.p, total), -EINVAL);
		CHECK_EQ(nm_objpool_free(&t.p, total + 1), -EINVAL);
		CHECK_EQ(nm_objpool_free(&t.p, UINT32_MAX), -EINVAL);
		CHECK(!nm_objpool_valid(&t.p, 0) && !nm_objpool_valid(&t.p, 1) &&
		      !nm_objpool_valid(&t.p, total) && nm_objpool_valid(&t.p, total - 1),
		      "valid bounds %u", total);
		CHECK(!nm_objpool_in_use(&t.p, 0) && !nm_objpool_in_use(&t.p, total),
		      "in_use bounds");
		CHECK_EQ(t.p.nfree, 0);
		/* Free one, double free, reallocate exactly that one. */
		CHECK_EQ(nm_objpool_free(&t.p, total - 1), 0);
		CHECK(!nm_objpool_in_use(&t.p, total - 1), "freed");
		CHECK_EQ(nm_objpool_free(&t.p, total - 1), -EALREADY);
		CHECK_EQ(t.p.nfree, 1);
		CHECK_EQ(nm_objpool_alloc(&t.p, &idx), 0);
		CHECK_EQ(idx, total - 1);
		/* Free everything; every second free of the same index fails. */
		for (i = 2; i < total; i++) {
			CHECK_EQ(nm_objpool_free(&t.p, i), 0);
			CHECK_EQ(nm_objpool_free(&t.p, i), -EALREADY);
		}
		CHECK_EQ(t.p.nfree, total - 2);
		CHECK_EQ(nm_objpool_in_use_count(&t.p), 0);
		/* Reserved bits survived all of it. */
		CHECK((t.bm[0] & 3) == 3, "reserved bits");
		free(seen);
		tpool_fini(&t);
	}

	/* No reserved objects: index 0 is handed out and freed like any other. */
	CHECK_EQ(tpool_init(&t, 1, 64, 0), 0);
	{
		uint32_t idx = 99;

		CHECK_EQ(nm_objpool_alloc(&t.p, &idx), 0);
		CHECK_EQ(idx, 0);
		CHECK_EQ(nm_objpool_alloc(&t.p, &idx), -ENOMEM);
		CHECK_EQ(nm_objpool_free(&t.p, 0), 0);
		CHECK_EQ(nm_objpool_free(&t.p, 0), -EALREADY);
	}
	tpool_fini(&t);
}

static void test_pool_index(void)
{
	struct tpool t;
	uint32_t idx = 12345;

	CHECK_EQ(tpool_init(&t, 10, 384, 0), 0);
	CHECK_EQ(nm_objpool_index(&t.p, t.mem, &idx), 0);
	CHECK_EQ(idx, 0);
	CHECK_EQ(nm_objpool_index(&t.p, t.mem + 384 * 9, &idx), 0);
	CHECK_EQ(idx, 9);
	idx = 12345;
	CHECK_EQ(nm_objpool_index(&t.p, t.mem + 384 * 10, &idx), -EINVAL);
	CHECK_EQ(nm_objpool_index(&t.p, t.mem + 384 * 3 + 1, &idx), -EINVAL);
	CHECK_EQ(nm_objpool_index(&t.p, t.mem + 383, &idx), -EINVAL);
	CHECK_EQ(idx, 12345);
	CHECK((char *)nm_objpool_addr(&t.p, 7) == t.mem + 384 * 7, "addr");
	tpool_fini(&t);
	/* An address below the pool: a pool placed inside a bigger block. */
	{
		char *blk = calloc(4, 256);
		uint64_t bm[1];
		struct nm_objpool p;

		CHECK_EQ(nm_objpool_init(&p, blk + 256, 3, 256, 0, bm), 0);
		CHECK_EQ(nm_objpool_index(&p, blk, &idx), -EINVAL);
		CHECK_EQ(nm_objpool_index(&p, blk + 255, &idx), -EINVAL);
		CHECK_EQ(nm_objpool_index(&p, blk + 512, &idx), 0);
		CHECK_EQ(idx, 1);
		free(blk);
	}
}

/* Random alloc/free against a shadow copy: the bitmap never disagrees. */
static void test_pool_random(void)
{
	enum { TOTAL = 1000 };
	static char shadow[TOTAL];
	struct tpool t;
	uint32_t seed = 12345, i, in_use = 0, bad = 0;

	CHECK_EQ(tpool_init(&t, TOTAL, 64, NM_BUF_RESERVED), 0);
	for (i = 0; i < 200000; i++) {
		uint32_t idx;
		int err;

		seed = seed * 1103515245u + 12345u;
		idx = (seed >> 8) % (TOTAL + 4);	/* a few out of range */
		if ((seed >> 30) & 1) {
			err = nm_objpool_alloc(&t.p, &idx);
			if (err) {
				bad += in_use != TOTAL - 2;
			} else {
				bad += idx < 2 || idx >= TOTAL || shadow[idx];
				if (idx < TOTAL && !shadow[idx]) {
					shadow[idx] = 1;
					in_use++;
				}
			}
		} else {
			err = nm_objpool_free(&t.p, idx);
			if (idx < 2 || idx >= TOTAL)
				bad += err != -EINVAL;
			else if (shadow[idx])
				bad += err != 0;
			else
				bad += err != -EALREADY;
			if (!err && idx < TOTAL && shadow[idx]) {
				shadow[idx] = 0;
				in_use--;
			}
		}
		bad += nm_objpool_in_use_count(&t.p) != in_use;
	}
	CHECK_EQ(bad, 0);
	for (i = 0; i < TOTAL; i++)
		bad += nm_objpool_in_use(&t.p, i) != (shadow[i] != 0);
	CHECK_EQ(bad, 0);
	tpool_fini(&t);
}

/* ---- 3. chains -------------------------------------------------------- */

static uint32_t *link_of(struct tpool *t, uint32_t idx)
{
	return (uint32_t *)nm_objpool_addr(&t->p, idx);
}

static void test_chains(void)
{
	struct tpool t;
	uint32_t head = 77, n, idx, a, b, c, i;

	CHECK_EQ(tpool_init(&t, 20, 64, NM_BUF_RESERVED), 0);	/* 18 usable */
	/* Zero asked: nothing granted, head 0. */
	CHECK_EQ(nm_objpool_alloc_chain(&t.p, 0, &head), 0);
	CHECK_EQ(head, 0);
	/* A chain of 10: 10 distinct allocated objects, ending with 0. */
	for (i = 0; i < 20; i++)
		*link_of(&t, i) = 0xdeadbeef;
	CHECK_EQ(nm_objpool_alloc_chain(&t.p, 10, &head), 10);
	CHECK_EQ(t.p.nfree, 8);
	for (n = 0, idx = head; idx && n < 30; n++, idx = *link_of(&t, idx))
		CHECK(nm_objpool_in_use(&t.p, idx), "chained %u", idx);
	CHECK_EQ(n, 10);
	CHECK_EQ(idx, 0);
	/* Ask for more than is left: the rest is granted. */
	CHECK_EQ(nm_objpool_alloc_chain(&t.p, 100, &a), 8);
	CHECK_EQ(t.p.nfree, 0);
	CHECK_EQ(nm_objpool_alloc_chain(&t.p, 5, &b), 0);
	CHECK_EQ(b, 0);
	/* Free both chains. */
	CHECK_EQ(nm_objpool_free_chain(&t.p, head), 10);
	CHECK_EQ(nm_objpool_free_chain(&t.p, a), 8);
	CHECK_EQ(t.p.nfree, 18);
	/* Freeing them again frees nothing (the first index is free). */
	CHECK_EQ(nm_objpool_free_chain(&t.p, head), 0);
	CHECK_EQ(nm_objpool_free_chain(&t.p, 0), 0);
	CHECK_EQ(t.p.nfree, 18);

	/* A chain of every usable object comes back whole. */
	CHECK_EQ(nm_objpool_alloc_chain(&t.p, 18, &head), 18);
	CHECK_EQ(nm_objpool_free_chain(&t.p, head), 18);
	CHECK_EQ(t.p.nfree, 18);

	/* Loop a -> b -> c -> a: three freed, then the walk stops. */
	CHECK_EQ(nm_objpool_alloc_chain(&t.p, 3, &a), 3);
	b = *link_of(&t, a);
	c = *link_of(&t, b);
	*link_of(&t, c) = a;
	CHECK_EQ(nm_objpool_free_chain(&t.p, a), 3);
	CHECK_EQ(t.p.nfree, 18);

	/* Self loop. */
	CHECK_EQ(nm_objpool_alloc_chain(&t.p, 1, &a), 1);
	*link_of(&t, a) = a;
	CHECK_EQ(nm_objpool_free_chain(&t.p, a), 1);
	CHECK_EQ(t.p.nfree, 18);

	/* A link out of range, to a reserved buffer, or to a free one stops the
	 * walk there; what follows stays allocated. */
	{
		static const uint32_t bad_links[] = { 20, 21, 5000, UINT32_MAX, 1 };

		for (i = 0; i < sizeof(bad_links) / sizeof(bad_links[0]); i++) {
			CHECK_EQ(nm_objpool_alloc_chain(&t.p, 3, &a), 3);
			b = *link_of(&t, a);
			c = *link_of(&t, b);
			*link_of(&t, a) = bad_links[i];
			CHECK_EQ(nm_objpool_free_chain(&t.p, a), 1);
			CHECK(nm_objpool_in_use(&t.p, b) && nm_objpool_in_use(&t.p, c), "rest kept");
			CHECK_EQ(nm_objpool_free_chain(&t.p, b), 2);
			CHECK_EQ(t.p.nfree, 18);
		}
		/* Link to a free object. */
		CHECK_EQ(nm_objpool_alloc_chain(&t.p, 2, &a), 2);
		b = *link_of(&t, a);
		CHECK_EQ(nm_objpool_free(&t.p, b), 0);
		CHECK_EQ(nm_objpool_free_chain(&t.p, a), 1);
		CHECK_EQ(t.p.nfree, 18);
		/* Head itself invalid or reserved. */
		CHECK_EQ(nm_objpool_free_chain(&t.p, 1), 0);
		CHECK_EQ(nm_objpool_free_chain(&t.p, 20), 0);
		CHECK_EQ(nm_objpool_free_chain(&t.p, UINT32_MAX), 0);
		CHECK((t.bm[0] & 3) == 3, "reserved bits");
	}

	/* A chain that jumps into objects allocated elsewhere: they are freed
	 * once (the bitmap stays consistent) and never twice. */
	CHECK_EQ(nm_objpool_alloc(&t.p, &idx), 0);
	CHECK_EQ(nm_objpool_alloc_chain(&t.p, 2, &a), 2);
	b = *link_of(&t, a);
	*link_of(&t, b) = idx;
	*link_of(&t, idx) = a;	/* ... and back to the start */
	CHECK_EQ(nm_objpool_free_chain(&t.p, a), 3);
	CHECK_EQ(nm_objpool_free(&t.p, idx), -EALREADY);
	CHECK_EQ(t.p.nfree, 18);
	tpool_fini(&t);

	/* A long loop through every object of a big pool ends. */
	CHECK_EQ(tpool_init(&t, 5000, 64, NM_BUF_RESERVED), 0);
	CHECK_EQ(nm_objpool_alloc_chain(&t.p, 5000, &head), 4998);
	for (idx = head; *link_of(&t, idx); idx = *link_of(&t, idx))
		;
	*link_of(&t, idx) = head;
	CHECK_EQ(nm_objpool_free_chain(&t.p, head), 4998);
	CHECK_EQ(t.p.nfree, 4998);
	tpool_fini(&t);
}

static const struct check_case cases[] = {
	CHECK_CASE(layout_defaults),
	CHECK_CASE(layout_rounding),
	CHECK_CASE(layout_errors),
	CHECK_CASE(layout_user_view),
	CHECK_CASE(pool_basic),
	CHECK_CASE(pool_index),
	CHECK_CASE(pool_random),
	CHECK_CASE(chains),
};

CHECK_MAIN(cases)
