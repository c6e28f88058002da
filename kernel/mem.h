/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Memory regions ("allocators" in netmap's words, identified by mem_id).
 *
 * A region is one block of memory that userspace maps whole with mmap(). It
 * holds three pools, in this order: netmap_if objects, rings, buffers (see
 * NETMAP-ABI §5). mem_id 1 is the global region, sized by the module
 * parameters if_* ring_* buf_*, shared by all NIC ports; it is allocated when
 * its first user arrives and freed when its last user leaves, so parameter
 * changes apply from the next first use. Private regions (ids 2, 3, ...) are
 * created for virtual ports, sized from the priv_* parameters and from what
 * the creating port needs.
 *
 * Lifetime: a region is reference counted. Every port using it, every bound
 * fd and every user mapping (vma) holds a reference; the pages go away with
 * the last one. nm_mem_find() and the create functions return a new
 * reference; nm_mem_put() drops one and may sleep (the last one frees the
 * region under the registry mutex): never call it with a spinlock held or
 * from the packet path.
 *
 * Accounting: every region counts its size against the max_mem_mb cap
 * while it exists (creation fails with -ENOMEM and a log line naming the
 * parameter when it would cross it), and its pages are charged to the
 * memory cgroup of the task that creates it; see mem.c. A freed region
 * kept in the cache for reuse still counts against the cap (it is freed
 * first when the room is needed) but not in nm_mem_used_bytes(). Regions
 * are created only in process context.
 *
 * Locking: object allocation (if, ring, extra buffers) takes the region's
 * own mutex and may sleep; it happens at REGISTER and close time only. The
 * registry (find, create, last put) has its own mutex; a caller may hold
 * nm_ctrl_lock around any of these, but must not call them with a region
 * mutex held (there is no API that exposes it). The packet path never
 * allocates: it only validates indexes with nm_mem_buf_valid() and
 * translates them with nm_mem_buf_addr(), which take no lock and read only
 * figures fixed at creation.
 *
 * Trust: the whole region is writable by every process that maps it. The
 * kernel never trusts a value it reads back from it (ring num_slots, slot
 * buf_idx, chain links): indexes are validated and the kernel keeps its own
 * copy of what it needs. Double frees are detected and ignored, so the
 * bitmaps stay consistent whatever userspace writes; which buffer belongs
 * to which user of a shared region is up to the cooperating users.
 */
#ifndef NM_MEM_H
#define NM_MEM_H

#include <linux/types.h>
#include <net/netmap.h>

struct vm_area_struct;
struct nm_mem;

#define NM_MEM_GLOBAL_ID 1

/*
 * struct nm_mem_need, what a port needs from a private region it creates,
 * and the rules that size the region from it: core/memsize.h (not included
 * here: core headers include this one through core/nm_os.h).
 */
struct nm_mem_need;

int nm_mem_init(void);		/* module init */
/*
 * Bytes of all regions that exist now (the global one included), as
 * counted against the max_mem_mb cap: a region is counted before its pages
 * are allocated and uncounted when they are freed or go to the cache.
 */
u64 nm_mem_used_bytes(void);
/* Bytes of the freed regions kept for reuse (being zeroed or zeroed). */
u64 nm_mem_cached_bytes(void);
void nm_mem_uninit(void);	/* module exit; reports leaks with "netmap: LEAK" */

/* A reference to the global region, allocating it if needed; ERR_PTR on failure. */
struct nm_mem *nm_mem_get_global(void);
/*
 * Size of the global region without creating it: the live region's size,
 * else what the current if_* ring_* buf_* parameters would give (0 if they
 * cannot work). For PORT_INFO_GET on mem_id 1 before any NIC port exists.
 */
u64 nm_mem_global_size(void);
/*
 * A new private region sized for @need (and at least the priv_* params);
 * ERR_PTR. It may be a freed region of the same layout taken from the
 * cache (mem.c): zeroed, every object free, a new id, as if just allocated.
 */
struct nm_mem *nm_mem_create_private(const struct nm_mem_need *need);
/*
 * The same in two steps, for a region made before its user takes its lock
 * (REGISTER makes a new ephemeral VALE port's region without nm_ctrl_lock:
 * struct nm_region_ahead in port.h). nm_mem_make_private() makes the
 * region without an id: nm_mem_find() cannot see it and nm_mem_id() is 0;
 * it needs no lock held, takes nm_mem_lock and the cache's lock itself,
 * and charges the calling task's memory cgroup, like
 * nm_mem_create_private(). nm_mem_register() gives it its id when it is
 * used: 0, or -ENOMEM when no id is free (the region stays the caller's).
 * nm_mem_put() frees an unregistered region like any other (the last
 * reference may keep it in the cache if nm_mem_set_recycle() was called).
 */
struct nm_mem *nm_mem_make_private(const struct nm_mem_need *need);
int nm_mem_register(struct nm_mem *mem);
/*
 * Keep private region @mem, once its last reference goes, in the cache for
 * the next private region of the same layout made by the same memory
 * cgroup, instead of freeing it (for regions made and freed in a loop, the
 * ephemeral VALE ports). Pages still referenced elsewhere at that point
 * make it freed after all. No effect on the global and extmem regions.
 */
void nm_mem_set_recycle(struct nm_mem *mem);
/*
 * OPT_EXTMEM: a region on the caller's memory at @uptr (page aligned),
 * @pi->nr_memsize bytes, laid out as @pi asks (zero fields get netmap's
 * private defaults; what is left after the pools becomes more buffers).
 * Every page is pinned for writing (FOLL_LONGTERM) until the last
 * reference goes; the region counts against max_mem_mb (the pages are the
 * caller's own, already charged to its memory cgroup). The same pages
 * offered again give the same region. On success @pi is the layout made
 * (nr_memsize = the pools' size, nr_mem_id). Errors: -EINVAL (alignment,
 * a pool that cannot work), -ENOMEM (pools larger than nr_memsize, the
 * cap), -EFAULT (a page not mapped writable). Such a region cannot be
 * mmap()ed through /dev/netmap (-EINVAL): its users have it mapped already.
 */
struct nm_mem *nm_mem_create_extmem(u64 uptr, struct nmreq_pools_info *pi);
/*
 * A reference to region @id, or NULL if it does not exist (id 1 included:
 * this never creates the global region, nm_mem_get_global() does).
 */
struct nm_mem *nm_mem_find(u16 id);
struct nm_mem *nm_mem_get(struct nm_mem *mem);
void nm_mem_put(struct nm_mem *mem);

u16 nm_mem_id(const struct nm_mem *mem);
u64 nm_mem_size(const struct nm_mem *mem);
bool nm_mem_is_private(const struct nm_mem *mem);
/* The layout for NETMAP_REQ_POOLS_INFO_GET; memsize and mem_id filled too. */
void nm_mem_pools_info(const struct nm_mem *mem, struct nmreq_pools_info *info);

/* Offset of a kernel address inside the region (for nr_offset, ring_ofs). */
u64 nm_mem_ofs(const struct nm_mem *mem, const void *addr);

/* Largest ring nm_mem_ring_alloc() can make in this region, in slots. */
u32 nm_mem_ring_max_slots(const struct nm_mem *mem);
/* Size of a netmap_if object: the largest @size nm_mem_if_alloc() accepts. */
u32 nm_mem_if_size(const struct nm_mem *mem);

/*
 * netmap_if objects: zeroed, @size bytes; NULL when the pool is exhausted
 * or @size > nm_mem_if_size(). nm_mem_if_free(NULL) does nothing.
 */
struct netmap_if *nm_mem_if_alloc(struct nm_mem *mem, size_t size);
void nm_mem_if_free(struct nm_mem *mem, struct netmap_if *nifp);

/*
 * A ring of @num_slots slots with a buffer in every slot; buf_ofs,
 * num_slots, nr_buf_size, ringid and dir are set; head = cur = 0. For an RX
 * ring tail = 0, for a TX ring tail = num_slots - 1; every slot has len 0,
 * flags 0 and a buffer of its own. NULL on exhaustion (rings or buffers) or
 * if num_slots is 0 or above nm_mem_ring_max_slots().
 * nm_mem_ring_free() frees the ring and every valid, allocated buffer still
 * in its slots; it uses the num_slots given at allocation (not the user-
 * writable copy in the ring) and skips invalid, reserved, duplicated or
 * already free indexes. nm_mem_ring_free(NULL) does nothing.
 */
struct netmap_ring *nm_mem_ring_alloc(struct nm_mem *mem, u32 num_slots,
				      u16 ringid, bool rx);
/*
 * The same without buffers: every buf_idx is 0. For a ring whose slots show
 * buffers of another ring (a pipe end's RX ring shows its peer's TX
 * buffers, core/pipe_sync.c). nm_mem_ring_free() frees every buffer its
 * slots name, so before the rings go the user of such a pair leaves each
 * buffer in the slots of one ring only (nm_pipe_disconnect()).
 */
struct netmap_ring *nm_mem_ring_alloc_shared(struct nm_mem *mem, u32 num_slots,
					     u16 ringid, bool rx);
void nm_mem_ring_free(struct nm_mem *mem, struct netmap_ring *ring);

/*
 * Extra buffers: allocate up to @n buffers chained through their first
 * u32 (0 ends the chain); returns the number granted and the head in *head.
 * nm_mem_bufs_free_chain() frees a chain that userspace may have rewritten:
 * it stops at the first invalid or already-free index and at a length bound,
 * so a looping or corrupt chain cannot hang or corrupt the kernel.
 * Buffers named in the chain are freed even if a ring slot also holds them
 * (the user gave them away); the bitmap never frees one twice.
 */
u32 nm_mem_bufs_alloc_chain(struct nm_mem *mem, u32 n, u32 *head);
void nm_mem_bufs_free_chain(struct nm_mem *mem, u32 head);

/*
 * Packet path helpers: no lock, no sleep. A valid index is one that can
 * hold a packet: 2 <= idx < buffer objtotal (0 and 1 are reserved). It says
 * nothing about the buffer being allocated. nm_mem_buf_addr() expects an
 * index checked with nm_mem_buf_valid(); an out-of-range one gives buffer
 * 0 (never an address outside the region). The pool is linear: buffer i is
 * at nm_mem_buf_addr(mem, 0) + i * nm_mem_buf_size(mem), for the whole life
 * of the region; krings keep these two figures to find buffers without a
 * call (nm_kring_buf_addr() in core/kring.h).
 */
bool nm_mem_buf_valid(const struct nm_mem *mem, u32 idx);
void *nm_mem_buf_addr(const struct nm_mem *mem, u32 idx);
u32 nm_mem_buf_size(const struct nm_mem *mem);

/*
 * Map the region into a user vma: length + offset must fit in the region
 * (else -EINVAL). The vma holds a reference on the region until unmapped
 * (copies made by fork or a split take their own); pages are served on
 * fault. It takes no lock itself. Note that .mmap runs with the process's
 * mmap_lock held for writing: a lock taken around this call (to read the
 * fd's binding) must never be held elsewhere while touching user memory
 * (copy_{from,to}_user faults take mmap_lock), or the two orders deadlock.
 * Reading the binding with smp_load_acquire() and holding a region
 * reference across the call is enough.
 */
int nm_mem_mmap(struct nm_mem *mem, struct vm_area_struct *vma);

#endif /* NM_MEM_H */
