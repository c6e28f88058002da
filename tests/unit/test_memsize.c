/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_memsize - one sizing model for memory regions: the rules of
 * kernel/core/memsize.c (what netmap.ko's mem.c sizes regions with) against
 * a direct computation, and netmapd's capacity check (daemon/capacity.c)
 * against those rules, over a grid of ring counts, slots, object sizes and
 * limits:
 *
 * 1. Object sizes and their rounding: nm_if_objsize(), nm_ring_objsize(),
 *    nm_pool_objsize() against the ABI's figures and nm_region_layout().
 * 2. Private regions: nm_priv_region_req() against the formula, the objects
 *    it promises (a ring of max_slots fits, so does a netmap_if for every
 *    ring), 32-bit overflow.
 * 3. The daemon: the global region and a VALE port's private region, object
 *    sizes and bytes as nm_region_layout() makes them; buf_num and
 *    max_mem_mb where the topology just fits and just does not.
 *
 * Prints one line per failure and "N passed, N failed"; exits 1 on failure.
 */
#include "memsize.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capacity.h"
#include "config.h"
#include "diag.h"

#include "check.h"

#define PAGE 4096u

static const uint32_t slot_grid[] = { 1, 63, 64, 255, 1024, 1025, 4096, 16384 };
static const uint32_t ring_grid[] = { 1, 2, 3, 8, 16, 64 };
static const uint32_t size_grid[] = { 1, 56, 63, 64, 65, 127, 128, 129, 2048, 9000, 36864 };

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* ---- 1. object sizes ------------------------------------------------------ */

static void test_objsize(void)
{
	static const uint64_t align[NM_POOL_NR] = { 64, 128, 64 };
	static const uint64_t min[NM_POOL_NR] = { 56, 256 + 16, 64 };

	CHECK(sizeof(struct netmap_if) == 56 && sizeof(struct netmap_ring) == 256 &&
	      sizeof(struct netmap_slot) == 16, "ABI object sizes");
	for (size_t i = 0; i < N(ring_grid); i++)
		CHECK(nm_if_objsize(ring_grid[i]) == 56 + 8ull * ring_grid[i],
		      "if size for %u rings", ring_grid[i]);
	for (size_t i = 0; i < N(slot_grid); i++)
		CHECK(nm_ring_objsize(slot_grid[i]) == 256 + 16ull * slot_grid[i],
		      "ring size for %u slots", slot_grid[i]);
	for (int p = 0; p < NM_POOL_NR; p++) {
		for (size_t i = 0; i < N(size_grid); i++) {
			uint64_t want = up(max64(size_grid[i], min[p]), align[p]);
			struct nm_pool_req req[NM_POOL_NR] = { { 1, 64 }, { 1, 64 }, { 3, 64 } };
			struct nm_region_layout l;
			const char *why;

			CHECK(nm_pool_objsize(p, size_grid[i]) == want,
			      "pool %d size %u: %" PRIu64 ", want %" PRIu64, p,
			      size_grid[i], nm_pool_objsize(p, size_grid[i]), want);
			req[p].size = size_grid[i];
			CHECK(nm_region_layout(&l, req, PAGE, &why) == 0 &&
			      l.pool[p].objsize == want, "layout pool %d size %u", p,
			      size_grid[i]);
		}
	}
	/* A ring object made for s slots holds s slots, and not one more than rounding gives. */
	for (size_t i = 0; i < N(slot_grid); i++) {
		uint64_t o = nm_pool_objsize(NM_POOL_RING, nm_ring_objsize(slot_grid[i]));

		CHECK(nm_ring_max_slots((uint32_t)o) >= slot_grid[i] &&
		      nm_ring_max_slots((uint32_t)o) < slot_grid[i] + 128 / 16,
		      "ring object for %u slots holds %u", slot_grid[i],
		      nm_ring_max_slots((uint32_t)o));
	}
}

/* ---- 2. private regions --------------------------------------------------- */

static void check_priv(const struct nm_pool_req params[NM_POOL_NR],
		       const struct nm_mem_need *n)
{
	struct nm_pool_req req[NM_POOL_NR];
	uint64_t slots = n->max_slots ? n->max_slots : 1024;
	uint64_t want_num[NM_POOL_NR] = {
		max64(params[0].num, (uint64_t)n->ifs + 4),
		max64(params[1].num, (uint64_t)n->rings + 8),
		max64(params[2].num, 2 + (uint64_t)n->bufs + n->extra_bufs + 8 * slots),
	};
	uint64_t want_size[NM_POOL_NR] = {
		max64(params[0].size, 56 + 8 * ((uint64_t)n->rings + 2)),
		max64(params[1].size, 256 + 16 * (uint64_t)n->max_slots),
		params[2].size,
	};
	struct nm_region_layout l;
	const char *why;
	int ok = nm_priv_region_req(req, params, n) == 0;

	for (int p = 0; ok && p < NM_POOL_NR; p++)
		ok = req[p].num == want_num[p] && req[p].size == want_size[p];
	CHECK(ok, "private region for rings %u slots %u bufs %u extra %u ifs %u",
	      n->rings, n->max_slots, n->bufs, n->extra_bufs, n->ifs);
	if (!ok || nm_region_layout(&l, req, PAGE, &why))
		return;
	/* The objects the port asked for fit in what the region got. */
	CHECK(nm_ring_max_slots(l.pool[NM_POOL_RING].objsize) >= n->max_slots &&
	      l.pool[NM_POOL_IF].objsize >= nm_if_objsize((uint64_t)n->rings + 2) &&
	      l.pool[NM_POOL_RING].objtotal >= n->rings + 8 &&
	      l.pool[NM_POOL_BUF].objtotal >= NM_BUF_RESERVED + n->bufs + n->extra_bufs,
	      "objects fit: rings %u slots %u", n->rings, n->max_slots);
}

static void test_priv(void)
{
	static const struct nm_pool_req params[][NM_POOL_NR] = {
		{ { 2, 1024 }, { 4, 20480 }, { 4098, 2048 } },	/* the module's defaults */
		{ { 1, 1 }, { 1, 1 }, { 3, 64 } },		/* the smallest */
		{ { 100, 4096 }, { 1000, 1u << 20 }, { 1u << 20, 9000 } },
	};
	struct nm_pool_req req[NM_POOL_NR];

	for (size_t p = 0; p < N(params); p++)
		for (size_t r = 0; r < N(ring_grid); r++)
			for (size_t s = 0; s < N(slot_grid); s++)
				for (uint32_t x = 0; x <= 1; x++) {
					struct nm_mem_need n = {
						.rings = 2 * ring_grid[r],
						.max_slots = x ? 0 : slot_grid[s],
						.bufs = 2 * ring_grid[r] * slot_grid[s],
						.extra_bufs = x * 1000,
						.ifs = x ? 1 : 8,
					};
					check_priv(params[p], &n);
				}
	{
		const struct nm_mem_need none = { 0 };

		check_priv(params[0], &none);
	}
	{
		const struct nm_mem_need absurd = { .bufs = UINT32_MAX, .extra_bufs = UINT32_MAX };
		const struct nm_mem_need edge = { .bufs = UINT32_MAX - 2 - 8 * 1024 };
		const struct nm_mem_need over = { .bufs = UINT32_MAX - 1 - 8 * 1024 };

		CHECK(nm_priv_region_req(req, params[0], &absurd) == -ENOMEM, "2^32 buffers refused");
		CHECK(nm_priv_region_req(req, params[0], &edge) == 0 &&
		      req[NM_POOL_BUF].num == UINT32_MAX, "UINT32_MAX buffers just fit");
		CHECK(nm_priv_region_req(req, params[0], &over) == -ENOMEM, "one more does not");
	}
}

/* ---- 3. the daemon -------------------------------------------------------- */

static int check(const char *yaml, struct nmd_config **c, struct capacity **cap)
{
	struct diags d;
	int r;

	*c = NULL;
	*cap = NULL;
	if (diags_init(&d, "t.yaml") < 0)
		return -ENOMEM;
	r = config_load_buffer("t.yaml", yaml, strlen(yaml), c, &d);
	if (r == 0)
		r = capacity_check(*c, cap, &d);
	diags_done(&d);
	return r;
}

static void done(struct nmd_config *c, struct capacity *cap)
{
	capacity_free(cap);
	config_free(c);
}

/* The region @r as the kernel lays it out for the counts and sizes the daemon says it has. */
static void check_region(const struct cap_region *r, const char *what)
{
	struct nm_pool_req req[NM_POOL_NR];
	struct nm_region_layout l;
	const char *why;
	int ok = 1;

	for (int p = 0; p < NM_POOL_NR; p++)
		req[p] = (struct nm_pool_req){ (uint32_t)r->have_num[p],
					       (uint32_t)r->have_size[p] };
	if (nm_region_layout(&l, req, PAGE, &why)) {
		CHECK(0, "%s: the kernel refuses the layout: %s", what, why);
		return;
	}
	for (int p = 0; p < NM_POOL_NR; p++)
		ok &= l.pool[p].objsize == r->have_size[p];
	CHECK(ok && l.memsize == r->bytes, "%s: %" PRIu64 " bytes, the kernel's %" PRIu64,
	      what, r->bytes, (uint64_t)l.memsize);
}

/* The pools of @r equal what the kernel makes of @need with @c's priv_* parameters. */
static void check_kernel_need(const struct nmd_config *c, const struct cap_region *r,
			      const struct nm_mem_need *need, const char *what)
{
	static const enum modparam_id num[NM_POOL_NR] = {
		MP_PRIV_IF_NUM, MP_PRIV_RING_NUM, MP_PRIV_BUF_NUM
	};
	static const enum modparam_id size[NM_POOL_NR] = {
		MP_PRIV_IF_SIZE, MP_PRIV_RING_SIZE, MP_PRIV_BUF_SIZE
	};
	struct nm_pool_req params[NM_POOL_NR], req[NM_POOL_NR];
	int ok;

	for (int p = 0; p < NM_POOL_NR; p++)
		params[p] = (struct nm_pool_req){ (uint32_t)config_param(c, num[p]),
						  (uint32_t)config_param(c, size[p]) };
	ok = nm_priv_region_req(req, params, need) == 0;
	for (int p = 0; ok && p < NM_POOL_NR; p++)
		ok = r->have_num[p] == req[p].num &&
		     r->have_size[p] == nm_pool_objsize((enum nm_pool_id)p, req[p].size);
	CHECK(ok, "%s: the daemon's region is the kernel's for its need", what);
}

static void test_daemon_global(void)
{
	static const uint32_t buf_sizes[] = { 64, 100, 2048, 9000 };
	static const uint32_t gslots[] = { 64, 1000, 1024, 4096 };
	char yaml[512], what[128];

	for (size_t b = 0; b < N(buf_sizes); b++)
		for (size_t s = 0; s < N(gslots); s++)
			for (uint32_t gr = 1; gr <= 4; gr *= 2) {
				/* A NIC with host rings: 2 * gr + 2 rings of gslots buffers, + 2 reserved. */
				uint64_t need = (2ull * gr + 2) * gslots[s] + 2;
				struct nmd_config *c;
				struct capacity *cap;

				for (int over = 0; over <= 1; over++) {
					int r;

					snprintf(yaml, sizeof(yaml),
						 "version: 1\nmodule: {params: {buf_num: %llu, buf_size: %u, generic_rings: %u, generic_ringsize: %u, ring_size: %llu}}\n"
						 "switches: [{name: vale0, ports: [{nic: eth0, host: true}]}]\n",
						 (unsigned long long)(need - over), buf_sizes[b], gr, gslots[s],
						 (unsigned long long)nm_ring_objsize(gslots[s]));
					snprintf(what, sizeof(what), "global: buf %u, %u rings of %u, buf_num need%s",
						 buf_sizes[b], gr, gslots[s], over ? " - 1" : "");
					r = check(yaml, &c, &cap);
					CHECK(over ? r == -ENOSPC : r == 0, "%s: r=%d", what, r);
					if (cap)
						check_region(&cap->regions[0], what);
					done(c, cap);
				}
			}
}

static void test_daemon_private(void)
{
	static const uint32_t buf_sizes[] = { 64, 2048, 4000 };
	char yaml[512], what[128];

	for (size_t b = 0; b < N(buf_sizes); b++)
		for (size_t r = 0; r < N(ring_grid); r++)
			for (size_t s = 0; s < N(slot_grid); s++) {
				struct nmd_config *c;
				struct capacity *cap;
				uint64_t mb;
				int rc;

				if (slot_grid[s] < 64 || slot_grid[s] > NMD_MAX_SLOTS ||
				    ring_grid[r] > NMD_VALE_MAX_RINGS)
					continue;	/* the config's limits */
				snprintf(yaml, sizeof(yaml),
					 "version: 1\nmodule: {params: {priv_buf_size: %u}}\n"
					 "switches: [{name: vale0, ports: [{ephemeral: vm1, rings: %u, slots: %u}]}]\n",
					 buf_sizes[b], ring_grid[r], slot_grid[s]);
				snprintf(what, sizeof(what), "private: buf %u, %u rings of %u",
					 buf_sizes[b], ring_grid[r], slot_grid[s]);
				rc = check(yaml, &c, &cap);
				CHECK(rc == 0 && cap && cap->n_regions == 2, "%s: r=%d", what, rc);
				if (!cap || cap->n_regions != 2) {
					done(c, cap);
					continue;
				}
				check_region(&cap->regions[1], what);
				{
					struct nm_mem_need need;

					nm_vale_port_need(&need, ring_grid[r], slot_grid[s],
							  ring_grid[r], slot_grid[s], 0);
					check_kernel_need(c, &cap->regions[1], &need, what);
				}
				mb = (cap->regions[1].bytes + (1u << 20) - 1) >> 20;
				done(c, cap);

				/* max_mem_mb: the region's MiB fit; one fewer does not. */
				for (int over = 0; over <= (mb > 1); over++) {
					snprintf(yaml, sizeof(yaml),
						 "version: 1\nmodule: {params: {priv_buf_size: %u, max_mem_mb: %llu}}\n"
						 "switches: [{name: vale0, ports: [{ephemeral: vm1, rings: %u, slots: %u}]}]\n",
						 buf_sizes[b], (unsigned long long)(mb - over),
						 ring_grid[r], slot_grid[s]);
					rc = check(yaml, &c, &cap);
					CHECK(over ? rc == -ENOSPC : rc == 0, "%s, max_mem_mb %llu: r=%d",
					      what, (unsigned long long)(mb - over), rc);
					done(c, cap);
				}
			}
}

/* An implicit pipe parent's region: the kernel's, for the first pipe of the file. */
static void test_daemon_implicit(void)
{
	static const char yaml[] = "version: 1\n"
				   "pipes: [{parent: cap, ids: [0], rings: 2, slots: 512},\n"
				   "        {parent: cap, ids: [1]}]\n";
	struct nm_mem_need need;
	struct nmd_config *c;
	struct capacity *cap;
	int r = check(yaml, &c, &cap);

	CHECK(r == 0 && cap && cap->n_regions == 2, "implicit parent: r=%d", r);
	if (r == 0 && cap && cap->n_regions == 2) {
		nm_pipe_parent_need(&need, 2, 512, 2, 512, 0);
		check_kernel_need(c, &cap->regions[1], &need, "implicit parent");
		check_region(&cap->regions[1], "implicit parent");
	}
	done(c, cap);
}

int main(void)
{
	test_objsize();
	test_priv();
	test_daemon_global();
	test_daemon_private();
	test_daemon_implicit();
	return check_summary();
}
