// SPDX-License-Identifier: BSD-2-Clause
/*
 * Memory regions: pages, the kernel and user mappings, the registry of
 * regions by id, and object allocation on top of core/objpool.
 *
 * A region is an array of order-0 pages, allocated on the NUMA node of the
 * CPU that creates it and vmap()ed into one contiguous kernel range. Users
 * map it with mmap(); pages are served one at a time by the .fault handler,
 * so the region need not be physically contiguous. Its layout (if pool,
 * ring pool, buffer pool) comes from nm_region_layout() in core/objpool.c.
 *
 * Locks (mutexes):
 *  - nm_mem_lock (the registry mutex) protects nm_mem_idr, nm_mem_global and
 *    nm_global_curr, and every refcount transition to zero (kref_put_mutex):
 *    a region found in the registry while holding it has a reference > 0.
 *    The global region is created under it, so two first users cannot both
 *    create one.
 *  - mem->lock (a region's mutex) protects the pools' bitmaps and counters
 *    and ring_slots[]. Taken by object alloc/free (REGISTER, close), never
 *    with nm_mem_lock held, never on the packet path.
 *  - nm_mem_cache_lock protects the cache of freed regions ("the cache"
 *    below); taken after nm_mem_lock (creating the global region may empty
 *    the cache), never before, never with mem->lock.
 *  The mm's mmap_lock is held around our vm_ops; .close may take
 *  nm_mem_lock and nm_mem_cache_lock (last reference), so neither must be
 *  held while taking mmap_lock or faulting on user memory.
 *
 * Memory accounting (SECURITY.md rule 5). Every region, the global one
 * included, is counted in nm_mem_used (bytes of memsize) from before its
 * pages are allocated until nm_mem_destroy() (a freed region kept in the
 * cache stays counted); a region that would take the
 * total over max_mem_mb is refused with -ENOMEM and one rate-limited line.
 * The pages and our tables of a region are allocated with __GFP_ACCOUNT:
 * they are charged to the memory cgroup of the task that makes the region
 * (the REGISTER, VALE_NEWIF, VALE_ATTACH or first NIC user; regions are
 * only made in process context, from a control request) and stay charged
 * to that cgroup until freed, even when the region outlives the task (a
 * persistent port from VALE_NEWIF, a region kept by another fd or vma).
 * A cgroup at memory.max gets -ENOMEM: __GFP_RETRY_MAYFAIL stops the
 * charge before the cgroup's OOM killer would run.
 *
 * Everything the user can write (the whole region: rings, slots, buffers,
 * netmap_if) is untrusted: the kernel keeps its own copy of what it needs
 * (ring_slots[], the layout) and reads user-written indexes once, validated.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/idr.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "core/memsize.h"
#include "core/objpool.h"
#include "mem.h"
#include "params.h"

/*
 * Our tables of a region (page array, bitmaps, true ring sizes) grow with
 * it: charged like its pages, and failing rather than OOM-killing.
 */
#define NM_GFP_TABLE	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL)

struct nm_mem {
	struct kref ref;	/* ports, bound fds, vmas; see mem.h */
	u16 id;			/* registry key; 0 until registered */
	bool priv;
	bool counted;		/* memsize is in nm_mem_used */
	bool extmem;		/* pages[] are pinned user pages (OPT_EXTMEM) */
	bool recycle;		/* kept for reuse when freed; see "the cache" */

	/* Immutable after creation: read without locks. */
	struct nm_region_layout layout;
	char *vaddr;		/* vmap() of pages[] */
	struct page **pages;
	unsigned long npages;
	int node;
	/* Copies of the buffer pool figures for the packet path. */
	char *buf_base;
	u32 buf_total;
	u32 buf_size;
	u32 ring_max_slots;

	struct mutex lock;	/* protects pools[] (bitmaps, counters) and ring_slots[] */
	struct nm_objpool pools[NM_POOL_NR];
	/*
	 * The true num_slots of each allocated ring object, 0 if free: the copy
	 * in the ring itself is user-writable and never trusted.
	 */
	u32 *ring_slots;
	u64 *bitmaps;		/* one allocation for the three pools' bitmaps */

	/* Private regions: the creator's memory cgroup (a reference), for reuse. */
	struct mem_cgroup *memcg;
	/* In the cache (nm_mem_cache_lock): its entry; since when it is zeroed. */
	struct list_head cache_entry;
	unsigned long cached_at;
};

static DEFINE_MUTEX(nm_mem_lock);	/* the registry; see the top of this file */
static DEFINE_IDR(nm_mem_idr);
static struct nm_mem *nm_mem_global;
/*
 * Three byte counts, no lock, each exact on its own (a reader never
 * combines two that change separately): nm_mem_used, what counts against
 * max_mem_mb (every region, the cache's included, until its pages are
 * freed; a cmpxchg loop); nm_mem_live, the regions in use (mem_used_kb);
 * nm_mem_cached, the cache's (mem_cached_kb).
 */
static atomic64_t nm_mem_used = ATOMIC64_INIT(0);
static atomic64_t nm_mem_live = ATOMIC64_INIT(0);
static atomic64_t nm_mem_cached = ATOMIC64_INIT(0);

static void nm_mem_destroy(struct nm_mem *mem);
static bool nm_mem_cache_evict(bool wait);

/* ---- the module-wide cap ---------------------------------------------- */

u64 nm_mem_used_bytes(void)
{
	s64 live = atomic64_read(&nm_mem_live);

	return live > 0 ? live : 0;
}

u64 nm_mem_cached_bytes(void)
{
	return atomic64_read(&nm_mem_cached);
}

/*
 * Count @bytes against max_mem_mb: true if they fit. A cmpxchg loop, so
 * that two regions created at once can never both pass on the same room,
 * and a refused one never shows in the total.
 */
static bool nm_mem_count_try(u64 bytes, u64 cap)
{
	s64 used = atomic64_read(&nm_mem_used);

	do {
		if (bytes > cap || (u64)used > cap - bytes)
			return false;
	} while (!atomic64_try_cmpxchg(&nm_mem_used, &used, used + bytes));
	atomic64_add(bytes, &nm_mem_live);
	return true;
}

/*
 * Count @bytes against max_mem_mb, or refuse with -ENOMEM and one log line.
 * Freed regions kept in the cache count too: they are given back first.
 */
static int nm_mem_count(u64 bytes, const char *kind)
{
	const u64 cap = (u64)READ_ONCE(nm_max_mem_mb) << 20;

	if (nm_mem_count_try(bytes, cap))
		return 0;
	if (nm_mem_cache_evict(true) && nm_mem_count_try(bytes, cap))
		return 0;
	pr_warn_ratelimited("%s region of %llu KiB would exceed max_mem_mb (%llu of %llu KiB in use); raise /sys/module/netmap/parameters/max_mem_mb\n",
			    kind, bytes >> 10, nm_mem_used_bytes() >> 10, cap >> 10);
	return -ENOMEM;
}

/* A live region's @bytes, counted by nm_mem_count(), freed. */
static void nm_mem_uncount(u64 bytes)
{
	WARN_ON_ONCE(atomic64_sub_return(bytes, &nm_mem_live) < 0);
	WARN_ON_ONCE(atomic64_sub_return(bytes, &nm_mem_used) < 0);
}

/* ---- creation and destruction ----------------------------------------- */

/* Report objects still allocated when a region goes away. */
static void nm_mem_check_leaks(struct nm_mem *mem)
{
	u32 ifs = nm_objpool_in_use_count(&mem->pools[NM_POOL_IF]);
	u32 rings = nm_objpool_in_use_count(&mem->pools[NM_POOL_RING]);
	u32 bufs = nm_objpool_in_use_count(&mem->pools[NM_POOL_BUF]);

	/* netmap_if and ring objects are owned by the kernel alone. */
	if (ifs || rings)
		pr_err("LEAK: region %u freed with %u netmap_if and %u ring objects in use\n",
		       mem->id, ifs, rings);
	/*
	 * Buffers are not: userspace can drop a buffer index from every slot
	 * and chain (a lost buffer). Not a kernel bug, so not a LEAK line.
	 */
	if (bufs && READ_ONCE(nm_verbose))
		pr_info("region %u freed with %u buffers not returned by userspace\n",
			mem->id, bufs);
}

/* Free a region, fully or partially built; no reference, not registered. */
static void nm_mem_destroy(struct nm_mem *mem)
{
	unsigned long i;

	if (mem->buf_base)	/* set once all pools are initialised */
		nm_mem_check_leaks(mem);
	if (mem->vaddr)
		vunmap(mem->vaddr);
	if (mem->pages && mem->extmem) {
		/* The kernel wrote rings and netmap_if objects into them. */
		unpin_user_pages_dirty_lock(mem->pages, mem->npages, true);
		kvfree(mem->pages);
	} else if (mem->pages) {
		for (i = 0; i < mem->npages && mem->pages[i]; i++) {
			__free_page(mem->pages[i]);
			if (!(i % 4096))
				cond_resched();
		}
		kvfree(mem->pages);
	}
	kvfree(mem->ring_slots);
	kvfree(mem->bitmaps);
	if (mem->counted)
		nm_mem_uncount(mem->layout.memsize);
	mem_cgroup_put(mem->memcg);
	mutex_destroy(&mem->lock);
	kfree(mem);
}

static int nm_mem_alloc_pages(struct nm_mem *mem)
{
	/*
	 * Zeroed: the region is handed to userspace. RETRY_MAYFAIL: a region too
	 * big for the free memory (or for the creator's memory cgroup) fails
	 * with -ENOMEM instead of waking the OOM killer on the processes around
	 * it. ACCOUNT: charged to the creator's memory cgroup.
	 */
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	unsigned long i;

	mem->pages = kvcalloc(mem->npages, sizeof(*mem->pages), NM_GFP_TABLE);
	if (!mem->pages)
		return -ENOMEM;
	for (i = 0; i < mem->npages; i++) {
		mem->pages[i] = alloc_pages_node(mem->node, gfp, 0);
		if (unlikely(!mem->pages[i]))
			return -ENOMEM;	/* nm_mem_destroy() frees pages[0..i) */
		if (!(i % 4096))
			cond_resched();
	}
	mem->vaddr = vmap(mem->pages, mem->npages, VM_MAP, PAGE_KERNEL);
	return mem->vaddr ? 0 : -ENOMEM;
}

/* Set up the pools (every object free), allocating our tables on first use. */
static int nm_mem_init_pools(struct nm_mem *mem)
{
	const u32 nrings = mem->layout.pool[NM_POOL_RING].objtotal;
	size_t words[NM_POOL_NR], total = 0;
	u64 *bm;
	int i, err;

	for (i = 0; i < NM_POOL_NR; i++) {
		words[i] = nm_objpool_bitmap_words(mem->layout.pool[i].objtotal);
		total += words[i];
	}
	if (mem->ring_slots)	/* a region from the cache: the tables are there */
		memset(mem->ring_slots, 0, nrings * sizeof(u32));
	if (!mem->bitmaps)
		mem->bitmaps = kvcalloc(total, sizeof(u64), NM_GFP_TABLE);
	if (!mem->ring_slots)
		mem->ring_slots = kvcalloc(nrings, sizeof(u32), NM_GFP_TABLE);
	if (!mem->bitmaps || !mem->ring_slots)
		return -ENOMEM;
	for (i = 0, bm = mem->bitmaps; i < NM_POOL_NR; bm += words[i], i++) {
		const struct nm_pool_layout *pl = &mem->layout.pool[i];

		err = nm_objpool_init(&mem->pools[i], mem->vaddr + pl->offset,
				      pl->objtotal, pl->objsize,
				      i == NM_POOL_BUF ? NM_BUF_RESERVED : 0, bm);
		if (WARN_ON_ONCE(err))	/* the layout guarantees valid figures */
			return err;
	}
	mem->buf_base = mem->pools[NM_POOL_BUF].base;
	mem->buf_total = mem->pools[NM_POOL_BUF].objtotal;
	mem->buf_size = mem->pools[NM_POOL_BUF].objsize;
	mem->ring_max_slots = nm_ring_max_slots(mem->pools[NM_POOL_RING].objsize);
	return 0;
}

/* ---- the cache of freed private regions -------------------------------- */

/*
 * An ephemeral VALE port opened and closed in a loop makes and frees the
 * same private region each time: some 20 MiB of pages allocated, zeroed and
 * vmap()ed inside the control request (REGISTER does it without
 * nm_ctrl_lock: struct nm_region_ahead in port.h), then freed.
 * Regions marked with nm_mem_set_recycle() are kept instead when their last
 * reference goes: a work item zeroes them outside every netmap lock, and the
 * next private region of the same layout, node and memory cgroup takes one
 * (new mem_id, every object free) instead of allocating. The rules:
 *  - every page is zeroed before reuse, whoever wrote it, and a region is
 *    kept only if nobody else holds any of its pages (page_count 1: no pin
 *    or reference left from a user mapping), so nothing of one user
 *    reaches the next;
 *  - the pages stay charged to the memory cgroup of the task that allocated
 *    them, so only a task of that cgroup reuses them;
 *  - bounded: at most NM_MEM_CACHE_MAX regions of at most
 *    NM_MEM_CACHE_MAX_BYTES each, each freed after NM_MEM_CACHE_TTL unused.
 *    They count against max_mem_mb (not in mem_used_kb) and are freed
 *    first when a new region needs the room or cannot get its pages.
 * nm_mem_cache_lock protects both lists and the count; it is taken after
 * nm_mem_lock, never before, and never held while zeroing or freeing.
 */
#define NM_MEM_CACHE_MAX	4
#define NM_MEM_CACHE_MAX_BYTES	(64ull << 20)
#define NM_MEM_CACHE_TTL	HZ

static DEFINE_MUTEX(nm_mem_cache_lock);
static LIST_HEAD(nm_mem_cache_dirty);	/* waiting to be zeroed */
static LIST_HEAD(nm_mem_cache);		/* zeroed, oldest first */
static unsigned int nm_mem_cache_count;	/* on both lists and being zeroed */

static void nm_mem_cache_zero_fn(struct work_struct *work);
static void nm_mem_cache_expire_fn(struct work_struct *work);
static DECLARE_WORK(nm_mem_cache_zero_work, nm_mem_cache_zero_fn);
static DECLARE_DELAYED_WORK(nm_mem_cache_expire_work, nm_mem_cache_expire_fn);

/*
 * Free a region taken off the cache (no longer on a list or in the count).
 * It leaves mem_cached_kb and max_mem_mb's count once its pages are freed,
 * and never shows in mem_used_kb meanwhile.
 */
static void nm_mem_cache_free(struct nm_mem *mem)
{
	const u64 bytes = mem->layout.memsize;

	mem->counted = false;
	nm_mem_destroy(mem);
	atomic64_sub(bytes, &nm_mem_cached);
	WARN_ON_ONCE(atomic64_sub_return(bytes, &nm_mem_used) < 0);
}

static void nm_mem_cache_zero_fn(struct work_struct *work)
{
	struct nm_mem *mem;
	unsigned long i;

	for (;;) {
		mutex_lock(&nm_mem_cache_lock);
		mem = list_first_entry_or_null(&nm_mem_cache_dirty, struct nm_mem,
					       cache_entry);
		if (mem)
			list_del_init(&mem->cache_entry);
		mutex_unlock(&nm_mem_cache_lock);
		if (!mem)
			return;
		for (i = 0; i < mem->npages; i++) {
			clear_highpage(mem->pages[i]);
			if (!(i % 256))
				cond_resched();
		}
		mutex_lock(&nm_mem_cache_lock);
		mem->cached_at = jiffies;
		list_add_tail(&mem->cache_entry, &nm_mem_cache);
		mutex_unlock(&nm_mem_cache_lock);
		schedule_delayed_work(&nm_mem_cache_expire_work, NM_MEM_CACHE_TTL);
	}
}

/*
 * Free the zeroed regions of the cache, all of them or (@all false) those
 * unused for NM_MEM_CACHE_TTL. Returns whether it freed one; *@more says
 * whether zeroed regions are left. Call without nm_mem_cache_lock.
 */
static bool nm_mem_cache_free_old(bool all, bool *more)
{
	struct nm_mem *mem, *tmp;
	LIST_HEAD(old);
	bool freed;

	mutex_lock(&nm_mem_cache_lock);
	list_for_each_entry_safe(mem, tmp, &nm_mem_cache, cache_entry) {
		if (!all && time_before(jiffies, mem->cached_at + NM_MEM_CACHE_TTL))
			break;	/* oldest first: the rest are younger */
		list_move_tail(&mem->cache_entry, &old);
		nm_mem_cache_count--;
	}
	*more = !list_empty(&nm_mem_cache);
	mutex_unlock(&nm_mem_cache_lock);
	/* Decided before the frees: they leave old's links pointing at freed memory. */
	freed = !list_empty(&old);
	list_for_each_entry_safe(mem, tmp, &old, cache_entry)
		nm_mem_cache_free(mem);
	return freed;
}

/* Free the regions unused for NM_MEM_CACHE_TTL; come back for the others. */
static void nm_mem_cache_expire_fn(struct work_struct *work)
{
	bool more;

	nm_mem_cache_free_old(false, &more);
	if (more)
		schedule_delayed_work(&nm_mem_cache_expire_work, NM_MEM_CACHE_TTL / 4 + 1);
}

/*
 * Free every zeroed region of the cache; with @wait, wait first for those
 * being zeroed. True if something was freed. May sleep; call it without
 * nm_mem_cache_lock (nm_mem_lock may be held).
 */
static bool nm_mem_cache_evict(bool wait)
{
	bool more;

	if (wait)
		flush_work(&nm_mem_cache_zero_work);
	return nm_mem_cache_free_old(true, &more);
}

/*
 * Keep @mem, whose last reference is gone (unregistered), for reuse: true,
 * or false if the caller must free it.
 */
static bool nm_mem_cache_put(struct nm_mem *mem)
{
	unsigned long i;
	bool kept = false;

	if (!READ_ONCE(mem->recycle) || mem->extmem || !mem->buf_base ||
	    mem->layout.memsize > NM_MEM_CACHE_MAX_BYTES)
		return false;
	for (i = 0; i < mem->npages; i++)
		if (page_count(mem->pages[i]) != 1)
			return false;	/* still referenced (pinned): never reused */
	nm_mem_check_leaks(mem);
	mem->buf_base = NULL;	/* the pools are rebuilt on reuse */
	mem->recycle = false;
	mutex_lock(&nm_mem_cache_lock);
	if (nm_mem_cache_count < NM_MEM_CACHE_MAX) {
		nm_mem_cache_count++;
		atomic64_sub(mem->layout.memsize, &nm_mem_live);
		atomic64_add(mem->layout.memsize, &nm_mem_cached);
		list_add_tail(&mem->cache_entry, &nm_mem_cache_dirty);
		kept = true;
	}
	mutex_unlock(&nm_mem_cache_lock);
	if (kept)
		queue_work(system_unbound_wq, &nm_mem_cache_zero_work);
	return kept;
}

/*
 * A zeroed region from the cache with the layout, node and memory cgroup
 * of @want (a region being built, not yet allocated), with every object
 * free and one reference; NULL if there is none.
 */
static struct nm_mem *nm_mem_cache_get(const struct nm_mem *want)
{
	struct nm_mem *mem, *found = NULL;

	mutex_lock(&nm_mem_cache_lock);
	list_for_each_entry(mem, &nm_mem_cache, cache_entry) {
		if (mem->node == want->node && mem->memcg == want->memcg &&
		    !memcmp(&mem->layout, &want->layout, sizeof(mem->layout))) {
			list_del_init(&mem->cache_entry);
			nm_mem_cache_count--;
			found = mem;
			break;
		}
	}
	mutex_unlock(&nm_mem_cache_lock);
	if (!found)
		return NULL;
	/* Still counted in nm_mem_used: it becomes a live region again. */
	atomic64_add(found->layout.memsize, &nm_mem_live);
	atomic64_sub(found->layout.memsize, &nm_mem_cached);
	kref_init(&found->ref);
	found->id = 0;
	if (nm_mem_init_pools(found)) {	/* cannot fail: the tables exist */
		nm_mem_destroy(found);
		return NULL;
	}
	return found;
}

void nm_mem_set_recycle(struct nm_mem *mem)
{
	if (mem->priv && !mem->extmem)
		WRITE_ONCE(mem->recycle, true);
}

/*
 * Build a region for @req (not registered, one reference). Sizes that
 * cannot work, or that would take more than half of the RAM, are refused
 * with a log line rather than attempted. A private region is taken from
 * the cache when one fits; *nopages is set when the pages could not be
 * allocated.
 */
static struct nm_mem *nm_mem_create_once(const struct nm_pool_req req[NM_POOL_NR],
					 bool priv, bool *nopages)
{
	const char *kind = priv ? "private" : "global";
	struct nm_mem *mem, *cached;
	const char *why;
	int err;

	mem = kzalloc(sizeof(*mem), GFP_KERNEL_ACCOUNT);
	if (!mem)
		return ERR_PTR(-ENOMEM);
	kref_init(&mem->ref);
	mutex_init(&mem->lock);
	INIT_LIST_HEAD(&mem->cache_entry);
	mem->priv = priv;
	mem->node = numa_node_id();

	err = nm_region_layout(&mem->layout, req, PAGE_SIZE, &why);
	if (err) {
		pr_err_ratelimited("%s region: %s (if %u x %u, ring %u x %u, buf %u x %u)\n",
				   kind, why, req[NM_POOL_IF].num, req[NM_POOL_IF].size,
				   req[NM_POOL_RING].num, req[NM_POOL_RING].size,
				   req[NM_POOL_BUF].num, req[NM_POOL_BUF].size);
		goto err_free;
	}
	mem->npages = mem->layout.memsize >> PAGE_SHIFT;
	if (mem->npages > totalram_pages() / 2) {
		pr_err_ratelimited("%s region of %llu MiB refused: more than half of the RAM\n",
				   kind, mem->layout.memsize >> 20);
		err = -ENOMEM;
		goto err_free;
	}
	if (priv) {
		mem->memcg = get_mem_cgroup_from_mm(current->mm);
		cached = nm_mem_cache_get(mem);
		if (cached) {
			nm_mem_destroy(mem);
			return cached;
		}
	}
	err = nm_mem_count(mem->layout.memsize, kind);
	if (err)
		goto err_free;
	mem->counted = true;
	err = nm_mem_alloc_pages(mem);
	if (err) {
		*nopages = true;
		goto err_free;
	}
	err = nm_mem_init_pools(mem);
	if (err)
		goto err_free;
	return mem;

err_free:
	nm_mem_destroy(mem);
	return ERR_PTR(err);
}

/* nm_mem_create_once(), again with the cache freed if the pages were missing. */
static struct nm_mem *nm_mem_create(const struct nm_pool_req req[NM_POOL_NR],
				    bool priv)
{
	bool nopages = false;
	struct nm_mem *mem;

	mem = nm_mem_create_once(req, priv, &nopages);
	if (nopages && nm_mem_cache_evict(true)) {
		nopages = false;
		mem = nm_mem_create_once(req, priv, &nopages);
	}
	if (nopages) {
		struct nm_region_layout l;
		const char *why;

		nm_region_layout(&l, req, PAGE_SIZE, &why);
		pr_err_ratelimited("%s region: cannot allocate %llu MiB on node %d (out of memory, or the creator's memory cgroup is at memory.max)\n",
				   priv ? "private" : "global", l.memsize >> 20, numa_node_id());
	}
	return mem;
}

static void nm_mem_log_created(const struct nm_mem *mem)
{
	const struct nm_pool_layout *p = mem->layout.pool;

	if (!READ_ONCE(nm_verbose))
		return;
	pr_info("region %u (%s) created: %llu bytes on node %d; if %u x %u, ring %u x %u, buf %u x %u\n",
		mem->id, mem->extmem ? "extmem" : mem->priv ? "private" : "global", mem->layout.memsize,
		mem->node, p[NM_POOL_IF].objtotal, p[NM_POOL_IF].objsize,
		p[NM_POOL_RING].objtotal, p[NM_POOL_RING].objsize,
		p[NM_POOL_BUF].objtotal, p[NM_POOL_BUF].objsize);
}

static void nm_global_curr_set(const struct nm_mem *mem)
{
	const struct nm_pool_layout *p = mem ? mem->layout.pool : NULL;

	lockdep_assert_held(&nm_mem_lock);
	WRITE_ONCE(nm_global_curr.if_num, p ? p[NM_POOL_IF].objtotal : 0);
	WRITE_ONCE(nm_global_curr.if_size, p ? p[NM_POOL_IF].objsize : 0);
	WRITE_ONCE(nm_global_curr.ring_num, p ? p[NM_POOL_RING].objtotal : 0);
	WRITE_ONCE(nm_global_curr.ring_size, p ? p[NM_POOL_RING].objsize : 0);
	WRITE_ONCE(nm_global_curr.buf_num, p ? p[NM_POOL_BUF].objtotal : 0);
	WRITE_ONCE(nm_global_curr.buf_size, p ? p[NM_POOL_BUF].objsize : 0);
}

/* ---- registry and lifetime -------------------------------------------- */

static void nm_global_req(struct nm_pool_req req[NM_POOL_NR])
{
	struct nm_pool_params p;

	nm_params_snapshot(&p, &nm_global_params);
	req[NM_POOL_IF] = (struct nm_pool_req){ p.if_num, p.if_size };
	req[NM_POOL_RING] = (struct nm_pool_req){ p.ring_num, p.ring_size };
	req[NM_POOL_BUF] = (struct nm_pool_req){ p.buf_num, p.buf_size };
}

u64 nm_mem_global_size(void)
{
	struct nm_pool_req req[NM_POOL_NR];
	struct nm_region_layout l;
	const char *why;
	u64 size;

	mutex_lock(&nm_mem_lock);
	if (nm_mem_global) {
		size = nm_mem_global->layout.memsize;
	} else {
		nm_global_req(req);
		size = nm_region_layout(&l, req, PAGE_SIZE, &why) ? 0 : l.memsize;
	}
	mutex_unlock(&nm_mem_lock);
	return size;
}

struct nm_mem *nm_mem_get_global(void)
{
	struct nm_pool_req req[NM_POOL_NR];
	struct nm_mem *mem;
	int err;

	mutex_lock(&nm_mem_lock);
	mem = nm_mem_global;
	if (mem) {
		/* Registered, so its count is > 0 while we hold nm_mem_lock. */
		kref_get(&mem->ref);
		goto out;
	}
	nm_global_req(req);
	mem = nm_mem_create(req, false);
	if (IS_ERR(mem))
		goto out;
	err = idr_alloc(&nm_mem_idr, mem, NM_MEM_GLOBAL_ID, NM_MEM_GLOBAL_ID + 1,
			GFP_KERNEL);
	if (err < 0) {
		nm_mem_destroy(mem);
		mem = ERR_PTR(err);
		goto out;
	}
	mem->id = NM_MEM_GLOBAL_ID;
	nm_mem_global = mem;
	nm_global_curr_set(mem);
	nm_mem_log_created(mem);
out:
	mutex_unlock(&nm_mem_lock);
	return mem;
}

/*
 * Private region sizes: the priv_* parameters raised to what the port needs
 * plus room for pipes, by the rules of core/memsize.c (which netmapd's
 * capacity check shares).
 */
static int nm_mem_private_req(struct nm_pool_req req[NM_POOL_NR],
			      const struct nm_mem_need *need)
{
	static const struct nm_mem_need none;
	struct nm_pool_req params[NM_POOL_NR];
	struct nm_pool_params p;

	if (!need)
		need = &none;
	nm_params_snapshot(&p, &nm_priv_params);
	params[NM_POOL_IF] = (struct nm_pool_req){ p.if_num, p.if_size };
	params[NM_POOL_RING] = (struct nm_pool_req){ p.ring_num, p.ring_size };
	params[NM_POOL_BUF] = (struct nm_pool_req){ p.buf_num, p.buf_size };
	if (nm_priv_region_req(req, params, need)) {
		pr_err_ratelimited("private region: the port needs more than 2^32 objects or bytes per object (rings %u, slots %u, bufs %u, extra %u, ifs %u)\n",
				   need->rings, need->max_slots, need->bufs,
				   need->extra_bufs, need->ifs);
		return -ENOMEM;
	}
	return 0;
}

struct nm_mem *nm_mem_make_private(const struct nm_mem_need *need)
{
	struct nm_pool_req req[NM_POOL_NR];
	int err;

	err = nm_mem_private_req(req, need);
	if (err)
		return ERR_PTR(err);
	return nm_mem_create(req, true);
}

int nm_mem_register(struct nm_mem *mem)
{
	int id;

	if (WARN_ON_ONCE(mem->id || !mem->priv))
		return -EINVAL;
	/* Cyclic ids: a just-freed id is not reused at once (libnetmap caches
	 * mappings by mem_id). */
	mutex_lock(&nm_mem_lock);
	id = idr_alloc_cyclic(&nm_mem_idr, mem, NM_MEM_GLOBAL_ID + 1, U16_MAX + 1,
			      GFP_KERNEL);
	if (id >= 0) {
		mem->id = id;
		nm_mem_log_created(mem);
	}
	mutex_unlock(&nm_mem_lock);
	if (id < 0) {
		pr_err_ratelimited("private region: no free id (%d)\n", id);
		return id == -ENOSPC ? -ENOMEM : id;
	}
	return 0;
}

struct nm_mem *nm_mem_create_private(const struct nm_mem_need *need)
{
	struct nm_mem *mem;
	int err;

	mem = nm_mem_make_private(need);
	if (IS_ERR(mem))
		return mem;
	err = nm_mem_register(mem);
	if (err) {
		nm_mem_destroy(mem);
		return ERR_PTR(err);
	}
	return mem;
}

/* ---- OPT_EXTMEM: user memory as the region ----------------------------- */

/* Zero fields of the option get netmap's private defaults. */
static void nm_extmem_defaults(struct nmreq_pools_info *pi)
{
	if (!pi->nr_if_pool_objtotal)
		pi->nr_if_pool_objtotal = 2;
	if (!pi->nr_if_pool_objsize)
		pi->nr_if_pool_objsize = 1024;
	if (!pi->nr_ring_pool_objtotal)
		pi->nr_ring_pool_objtotal = 4;
	if (!pi->nr_ring_pool_objsize)
		pi->nr_ring_pool_objsize = 5 * PAGE_SIZE;
	if (!pi->nr_buf_pool_objtotal)
		pi->nr_buf_pool_objtotal = 4098;
	if (!pi->nr_buf_pool_objsize)
		pi->nr_buf_pool_objsize = 2048;
}

/*
 * The layout of an extmem region of @npages pages for @pi: the pools as
 * asked, packed in order, each rounded up to a page; what is left after
 * them becomes more buffers. -ENOMEM if the pools do not fit.
 */
static int nm_extmem_layout(struct nm_region_layout *l, const struct nmreq_pools_info *pi,
			    unsigned long npages)
{
	const u64 room = (u64)npages << PAGE_SHIFT;
	struct nm_pool_req req[NM_POOL_NR] = {
		[NM_POOL_IF] = { pi->nr_if_pool_objtotal, pi->nr_if_pool_objsize },
		[NM_POOL_RING] = { pi->nr_ring_pool_objtotal, pi->nr_ring_pool_objsize },
		[NM_POOL_BUF] = { pi->nr_buf_pool_objtotal, pi->nr_buf_pool_objsize },
	};
	const char *why;
	u64 left, more;
	int err;

	err = nm_region_layout(l, req, PAGE_SIZE, &why);
	if (err) {
		pr_err_ratelimited("extmem: %s\n", why);
		return err;
	}
	if (l->memsize > room)
		return -ENOMEM;
	left = room - l->pool[NM_POOL_BUF].offset;
	more = div_u64(left, l->pool[NM_POOL_BUF].objsize);
	if (more > l->pool[NM_POOL_BUF].objtotal) {
		req[NM_POOL_BUF].num = min_t(u64, more, U32_MAX);
		err = nm_region_layout(l, req, PAGE_SIZE, &why);
		if (err || WARN_ON_ONCE(l->memsize > room))
			return err ? err : -ENOMEM;
	}
	return 0;
}

/* Pin every page of [uptr, uptr + npages pages) for writing, or -EFAULT. */
static int nm_extmem_pin(struct nm_mem *mem, u64 uptr)
{
	unsigned long done = 0;
	long n;

	mem->pages = kvcalloc(mem->npages, sizeof(*mem->pages), NM_GFP_TABLE);
	if (!mem->pages)
		return -ENOMEM;
	while (done < mem->npages) {
		n = pin_user_pages_fast(uptr + (done << PAGE_SHIFT), mem->npages - done,
					FOLL_WRITE | FOLL_LONGTERM, mem->pages + done);
		if (n <= 0)
			break;
		done += n;
	}
	if (done < mem->npages) {
		unpin_user_pages(mem->pages, done);
		kvfree(mem->pages);
		mem->pages = NULL;
		return -EFAULT;
	}
	return 0;
}

/* The extmem region on the same pinned pages, with a new reference; nm_mem_lock held. */
static struct nm_mem *nm_extmem_find_locked(struct page *first, unsigned long npages)
{
	struct nm_mem *mem;
	int id;

	lockdep_assert_held(&nm_mem_lock);
	idr_for_each_entry(&nm_mem_idr, mem, id)
		if (mem->extmem && mem->pages[0] == first && mem->npages == npages &&
		    kref_get_unless_zero(&mem->ref))
			return mem;
	return NULL;
}

static int nm_extmem_check(u64 uptr, const struct nmreq_pools_info *pi)
{
	const u64 want = (u64)pi->nr_if_pool_objtotal * pi->nr_if_pool_objsize +
			 (u64)pi->nr_ring_pool_objtotal * pi->nr_ring_pool_objsize +
			 (u64)pi->nr_buf_pool_objtotal * pi->nr_buf_pool_objsize;

	if (!uptr || offset_in_page(uptr)) {
		pr_info_ratelimited("extmem: nro_usrptr %#llx is not page aligned\n", uptr);
		return -EINVAL;
	}
	if (!pi->nr_memsize || want > pi->nr_memsize) {
		pr_info_ratelimited("extmem: request too large (%llu bytes of pools in nr_memsize %llu)\n",
				    want, pi->nr_memsize);
		return -ENOMEM;
	}
	if (pi->nr_memsize > ((u64)totalram_pages() << PAGE_SHIFT) / 2) {
		pr_info_ratelimited("extmem: %llu bytes refused: more than half of the RAM\n",
				    pi->nr_memsize);
		return -ENOMEM;
	}
	return 0;
}

struct nm_mem *nm_mem_create_extmem(u64 uptr, struct nmreq_pools_info *pi)
{
	struct nm_mem *mem, *old;
	int id, err;

	nm_extmem_defaults(pi);
	err = nm_extmem_check(uptr, pi);
	if (err)
		return ERR_PTR(err);
	mem = kzalloc(sizeof(*mem), GFP_KERNEL_ACCOUNT);
	if (!mem)
		return ERR_PTR(-ENOMEM);
	kref_init(&mem->ref);
	mutex_init(&mem->lock);
	mem->priv = true;
	mem->extmem = true;
	mem->node = numa_node_id();
	mem->npages = DIV_ROUND_UP(pi->nr_memsize, PAGE_SIZE);
	err = nm_extmem_layout(&mem->layout, pi, mem->npages);
	if (err)
		goto err_free;
	err = nm_extmem_pin(mem, uptr);
	if (err) {
		pr_info_ratelimited("extmem: cannot pin %lu pages at %#llx for writing\n",
				    mem->npages, uptr);
		goto err_free;
	}
	/* The same pages offered again: the same region (and mem_id). */
	mutex_lock(&nm_mem_lock);
	old = nm_extmem_find_locked(mem->pages[0], mem->npages);
	mutex_unlock(&nm_mem_lock);
	if (old) {
		nm_mem_destroy(mem);
		nm_mem_pools_info(old, pi);
		return old;
	}
	/* Pinned user memory the module holds on to: under max_mem_mb too. */
	err = nm_mem_count(mem->layout.memsize, "extmem");
	if (err)
		goto err_free;
	mem->counted = true;
	mem->vaddr = vmap(mem->pages, mem->npages, VM_MAP, PAGE_KERNEL);
	err = mem->vaddr ? nm_mem_init_pools(mem) : -ENOMEM;
	if (err)
		goto err_free;
	mutex_lock(&nm_mem_lock);
	id = idr_alloc_cyclic(&nm_mem_idr, mem, NM_MEM_GLOBAL_ID + 1, U16_MAX + 1, GFP_KERNEL);
	if (id >= 0) {
		mem->id = id;
		nm_mem_log_created(mem);
	}
	mutex_unlock(&nm_mem_lock);
	if (id < 0) {
		err = id == -ENOSPC ? -ENOMEM : id;
		goto err_free;
	}
	nm_mem_pools_info(mem, pi);
	return mem;

err_free:
	nm_mem_destroy(mem);
	return ERR_PTR(err);
}

struct nm_mem *nm_mem_find(u16 id)
{
	struct nm_mem *mem;

	mutex_lock(&nm_mem_lock);
	mem = idr_find(&nm_mem_idr, id);
	if (mem && !kref_get_unless_zero(&mem->ref))
		mem = NULL;	/* cannot happen under nm_mem_lock; be safe */
	mutex_unlock(&nm_mem_lock);
	return mem;
}

struct nm_mem *nm_mem_get(struct nm_mem *mem)
{
	kref_get(&mem->ref);
	return mem;
}

/* Called by kref_put_mutex() with nm_mem_lock held; drops it. */
static void nm_mem_release(struct kref *ref)
	__releases(&nm_mem_lock)
{
	struct nm_mem *mem = container_of(ref, struct nm_mem, ref);

	lockdep_assert_held(&nm_mem_lock);
	if (mem->id)	/* 0: made ahead and never used (nm_mem_make_private()) */
		idr_remove(&nm_mem_idr, mem->id);
	if (mem == nm_mem_global) {
		nm_mem_global = NULL;
		nm_global_curr_set(NULL);
	}
	mutex_unlock(&nm_mem_lock);

	if (READ_ONCE(nm_verbose))
		pr_info("region %u freed\n", mem->id);
	if (!nm_mem_cache_put(mem))
		nm_mem_destroy(mem);
}

void nm_mem_put(struct nm_mem *mem)
{
	if (mem)
		kref_put_mutex(&mem->ref, nm_mem_release, &nm_mem_lock);
}

/* ---- figures ---------------------------------------------------------- */

u16 nm_mem_id(const struct nm_mem *mem)
{
	return mem->id;
}

u64 nm_mem_size(const struct nm_mem *mem)
{
	return mem->layout.memsize;
}

bool nm_mem_is_private(const struct nm_mem *mem)
{
	return mem->priv;
}

u32 nm_mem_ring_max_slots(const struct nm_mem *mem)
{
	return mem->ring_max_slots;
}

u32 nm_mem_if_size(const struct nm_mem *mem)
{
	return mem->layout.pool[NM_POOL_IF].objsize;
}

void nm_mem_pools_info(const struct nm_mem *mem, struct nmreq_pools_info *info)
{
	const struct nm_pool_layout *p = mem->layout.pool;

	memset(info, 0, sizeof(*info));
	info->nr_memsize = mem->layout.memsize;
	info->nr_mem_id = mem->id;
	info->nr_if_pool_offset = p[NM_POOL_IF].offset;
	info->nr_if_pool_objtotal = p[NM_POOL_IF].objtotal;
	info->nr_if_pool_objsize = p[NM_POOL_IF].objsize;
	info->nr_ring_pool_offset = p[NM_POOL_RING].offset;
	info->nr_ring_pool_objtotal = p[NM_POOL_RING].objtotal;
	info->nr_ring_pool_objsize = p[NM_POOL_RING].objsize;
	info->nr_buf_pool_offset = p[NM_POOL_BUF].offset;
	info->nr_buf_pool_objtotal = p[NM_POOL_BUF].objtotal;
	info->nr_buf_pool_objsize = p[NM_POOL_BUF].objsize;
}

u64 nm_mem_ofs(const struct nm_mem *mem, const void *addr)
{
	const char *a = addr;

	WARN_ON_ONCE(a < mem->vaddr || a >= mem->vaddr + mem->layout.memsize);
	return a - mem->vaddr;
}

/* ---- netmap_if objects ------------------------------------------------ */

struct netmap_if *nm_mem_if_alloc(struct nm_mem *mem, size_t size)
{
	struct nm_objpool *pool = &mem->pools[NM_POOL_IF];
	void *obj;
	u32 idx;
	int err;

	if (unlikely(size > pool->objsize)) {
		if (READ_ONCE(nm_verbose))
			pr_info_ratelimited("region %u: netmap_if of %zu bytes does not fit in %u\n",
					    mem->id, size, pool->objsize);
		return NULL;
	}
	mutex_lock(&mem->lock);
	err = nm_objpool_alloc(pool, &idx);
	mutex_unlock(&mem->lock);
	if (unlikely(err))
		return NULL;
	obj = nm_objpool_addr(pool, idx);
	memset(obj, 0, pool->objsize);
	return obj;
}

void nm_mem_if_free(struct nm_mem *mem, struct netmap_if *nifp)
{
	struct nm_objpool *pool = &mem->pools[NM_POOL_IF];
	u32 idx;

	if (!nifp)
		return;
	mutex_lock(&mem->lock);
	/* A kernel pointer: anything but an allocated netmap_if is our bug. */
	WARN_ON_ONCE(nm_objpool_index(pool, nifp, &idx) ||
		     nm_objpool_free(pool, idx));
	mutex_unlock(&mem->lock);
}

/* ---- rings ------------------------------------------------------------ */

/* Free the buffers of slots [0, n) of @ring; indexes are user-writable. */
static u32 nm_mem_free_slot_bufs(struct nm_mem *mem, struct netmap_ring *ring, u32 n)
{
	struct nm_objpool *bufs = &mem->pools[NM_POOL_BUF];
	u32 i, bad = 0;

	lockdep_assert_held(&mem->lock);
	for (i = 0; i < n; i++) {
		/* Invalid, reserved, duplicated, already free: skipped. */
		if (nm_objpool_free(bufs, READ_ONCE(ring->slot[i].buf_idx)))
			bad++;
	}
	return bad;
}

/* nm_mem_ring_alloc() and nm_mem_ring_alloc_shared(): @bufs says which. */
static struct netmap_ring *nm_mem_ring_new(struct nm_mem *mem, u32 num_slots,
					   u16 ringid, bool rx, bool with_bufs)
{
	struct nm_objpool *rings = &mem->pools[NM_POOL_RING];
	struct nm_objpool *bufs = &mem->pools[NM_POOL_BUF];
	struct netmap_ring *ring;
	u32 ridx, i;

	if (unlikely(!num_slots || num_slots > mem->ring_max_slots)) {
		if (READ_ONCE(nm_verbose))
			pr_info_ratelimited("region %u: a ring of %u slots does not fit (max %u)\n",
					    mem->id, num_slots, mem->ring_max_slots);
		return NULL;
	}
	mutex_lock(&mem->lock);
	if (unlikely((with_bufs && bufs->nfree < num_slots) || nm_objpool_alloc(rings, &ridx)))
		goto err_unlock;
	ring = nm_objpool_addr(rings, ridx);
	memset(ring, 0, struct_size(ring, slot, num_slots));
	for (i = 0; with_bufs && i < num_slots; i++) {
		u32 b;

		/* Cannot fail: nfree was checked under the same lock. */
		if (WARN_ON_ONCE(nm_objpool_alloc(bufs, &b)))
			goto err_bufs;
		ring->slot[i].buf_idx = b;
	}
	mem->ring_slots[ridx] = num_slots;
	mutex_unlock(&mem->lock);

	ring->buf_ofs = (s64)mem->layout.pool[NM_POOL_BUF].offset -
			(s64)(mem->layout.pool[NM_POOL_RING].offset +
			      (u64)ridx * rings->objsize);
	ring->num_slots = num_slots;
	ring->nr_buf_size = mem->buf_size;
	ring->ringid = ringid;
	ring->dir = rx;
	ring->head = 0;
	ring->cur = 0;
	ring->tail = rx ? 0 : num_slots - 1;
	return ring;

err_bufs:
	nm_mem_free_slot_bufs(mem, ring, i);
	nm_objpool_free(rings, ridx);
err_unlock:
	mutex_unlock(&mem->lock);
	return NULL;
}

struct netmap_ring *nm_mem_ring_alloc(struct nm_mem *mem, u32 num_slots,
				      u16 ringid, bool rx)
{
	return nm_mem_ring_new(mem, num_slots, ringid, rx, true);
}

struct netmap_ring *nm_mem_ring_alloc_shared(struct nm_mem *mem, u32 num_slots,
					     u16 ringid, bool rx)
{
	return nm_mem_ring_new(mem, num_slots, ringid, rx, false);
}

void nm_mem_ring_free(struct nm_mem *mem, struct netmap_ring *ring)
{
	struct nm_objpool *rings = &mem->pools[NM_POOL_RING];
	u32 ridx, bad;

	if (!ring)
		return;
	mutex_lock(&mem->lock);
	if (WARN_ON_ONCE(nm_objpool_index(rings, ring, &ridx) ||
			 !nm_objpool_in_use(rings, ridx))) {
		mutex_unlock(&mem->lock);
		return;
	}
	bad = nm_mem_free_slot_bufs(mem, ring, mem->ring_slots[ridx]);
	mem->ring_slots[ridx] = 0;
	nm_objpool_free(rings, ridx);
	mutex_unlock(&mem->lock);
	if (bad && READ_ONCE(nm_verbose))
		pr_info_ratelimited("region %u: ring %u freed, %u slots held no buffer of their own\n",
				    mem->id, ridx, bad);
}

/* ---- extra buffers ---------------------------------------------------- */

u32 nm_mem_bufs_alloc_chain(struct nm_mem *mem, u32 n, u32 *head)
{
	u32 got;

	mutex_lock(&mem->lock);
	got = nm_objpool_alloc_chain(&mem->pools[NM_POOL_BUF], n, head);
	mutex_unlock(&mem->lock);
	return got;
}

void nm_mem_bufs_free_chain(struct nm_mem *mem, u32 head)
{
	mutex_lock(&mem->lock);
	nm_objpool_free_chain(&mem->pools[NM_POOL_BUF], head);
	mutex_unlock(&mem->lock);
}

/* ---- packet path ------------------------------------------------------ */

bool nm_mem_buf_valid(const struct nm_mem *mem, u32 idx)
{
	return idx >= NM_BUF_RESERVED && idx < mem->buf_total;
}

void *nm_mem_buf_addr(const struct nm_mem *mem, u32 idx)
{
	/* Out of range: buffer 0, a harmless scratch buffer, never past the end. */
	if (unlikely(idx >= mem->buf_total))
		idx = 0;
	return mem->buf_base + (size_t)idx * mem->buf_size;
}

u32 nm_mem_buf_size(const struct nm_mem *mem)
{
	return mem->buf_size;
}

/* ---- user mappings ---------------------------------------------------- */

static vm_fault_t nm_mem_vm_fault(struct vm_fault *vmf)
{
	struct nm_mem *mem = vmf->vma->vm_private_data;
	struct page *page;

	/* pgoff counts from the start of the region (vm_pgoff included). */
	if (unlikely(vmf->pgoff >= mem->npages))
		return VM_FAULT_SIGBUS;
	page = mem->pages[vmf->pgoff];
	get_page(page);
	vmf->page = page;
	return 0;
}

/* A vma copied (fork) or split: one more reference. */
static void nm_mem_vm_open(struct vm_area_struct *vma)
{
	nm_mem_get(vma->vm_private_data);
}

static void nm_mem_vm_close(struct vm_area_struct *vma)
{
	nm_mem_put(vma->vm_private_data);
}

static const struct vm_operations_struct nm_mem_vm_ops = {
	.open = nm_mem_vm_open,
	.close = nm_mem_vm_close,
	.fault = nm_mem_vm_fault,
};

int nm_mem_mmap(struct nm_mem *mem, struct vm_area_struct *vma)
{
	unsigned long pages = vma_pages(vma);

	/* The application has its own mapping of user memory (as in netmap). */
	if (mem->extmem)
		return -EINVAL;
	if (vma->vm_pgoff >= mem->npages || pages > mem->npages - vma->vm_pgoff)
		return -EINVAL;
	/* The region has a fixed size and must not end up in core dumps. */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &nm_mem_vm_ops;
	vma->vm_private_data = nm_mem_get(mem);	/* dropped by .close */
	return 0;
}

/* ---- module init/exit ------------------------------------------------- */

#ifdef NETMAP_SELFTEST
#include "mem_selftest.c"
#endif

int nm_mem_init(void)
{
#ifdef NETMAP_SELFTEST
	nm_mem_selftest();
#endif
	return 0;
}

void nm_mem_uninit(void)
{
	struct nm_mem *mem;
	int id;

	/* Nothing is freed any more: empty the cache for good. */
	flush_work(&nm_mem_cache_zero_work);
	cancel_delayed_work_sync(&nm_mem_cache_expire_work);
	nm_mem_cache_evict(false);

	mutex_lock(&nm_mem_lock);
	/*
	 * Every reference belongs to a port, fd or vma, all gone by now (an open
	 * fd or a mapping pins the module). What is left is a bug: report it and
	 * leave the memory alone rather than free what someone may still use.
	 */
	idr_for_each_entry(&nm_mem_idr, mem, id)
		pr_err("LEAK: region %d (%llu bytes, %u references) alive at module exit\n",
		       id, mem->layout.memsize, kref_read(&mem->ref));
	idr_destroy(&nm_mem_idr);
	nm_mem_global = NULL;
	mutex_unlock(&nm_mem_lock);
}
