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
 * reference; nm_mem_put() drops one.
 *
 * Locking: object allocation (if, ring, extra buffers) takes the region's
 * own mutex and may sleep; it happens at REGISTER and close time only. The
 * packet path never allocates: it only validates indexes with
 * nm_mem_buf_valid() and translates them with nm_mem_buf_addr(), which take
 * no lock.
 */
#ifndef NM_MEM_H
#define NM_MEM_H

#include <linux/types.h>
#include <net/netmap.h>

struct vm_area_struct;
struct nm_mem;

#define NM_MEM_GLOBAL_ID 1

/* What a port needs from a private region it creates. */
struct nm_mem_need {
	u32 rings;		/* rings of the port, all directions, host rings included */
	u32 max_slots;		/* largest ring */
	u32 bufs;		/* buffers for all slots of all rings */
	u32 extra_bufs;		/* nr_extra_bufs requested */
	u32 ifs;		/* netmap_if objects (one per bound fd) */
};

int nm_mem_init(void);		/* module init */
void nm_mem_uninit(void);	/* module exit; reports leaks with "netmap: LEAK" */

/* A reference to the global region, allocating it if needed; ERR_PTR on failure. */
struct nm_mem *nm_mem_get_global(void);
/* A new private region sized for @need (and at least the priv_* params); ERR_PTR. */
struct nm_mem *nm_mem_create_private(const struct nm_mem_need *need);
/* A reference to region @id, or NULL if it does not exist. */
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

/* netmap_if objects: zeroed, @size bytes; NULL when the pool is exhausted. */
struct netmap_if *nm_mem_if_alloc(struct nm_mem *mem, size_t size);
void nm_mem_if_free(struct nm_mem *mem, struct netmap_if *nifp);

/*
 * A ring of @num_slots slots with a buffer in every slot; buf_ofs,
 * num_slots, nr_buf_size, ringid and dir are set; head = cur = 0. For an RX
 * ring tail = 0, for a TX ring tail = num_slots - 1. NULL on exhaustion.
 * nm_mem_ring_free() frees the ring and every valid buffer still in its slots.
 */
struct netmap_ring *nm_mem_ring_alloc(struct nm_mem *mem, u32 num_slots,
				      u16 ringid, bool rx);
void nm_mem_ring_free(struct nm_mem *mem, struct netmap_ring *ring);

/*
 * Extra buffers: allocate up to @n buffers chained through their first
 * u32 (0 ends the chain); returns the number granted and the head in *head.
 * nm_mem_bufs_free_chain() frees a chain that userspace may have rewritten:
 * it stops at the first invalid or already-free index and at a length bound,
 * so a looping or corrupt chain cannot hang or corrupt the kernel.
 */
u32 nm_mem_bufs_alloc_chain(struct nm_mem *mem, u32 n, u32 *head);
void nm_mem_bufs_free_chain(struct nm_mem *mem, u32 head);

/* Packet path helpers: no lock, no sleep. */
bool nm_mem_buf_valid(const struct nm_mem *mem, u32 idx);
void *nm_mem_buf_addr(const struct nm_mem *mem, u32 idx);
u32 nm_mem_buf_size(const struct nm_mem *mem);

/*
 * Map the region into a user vma: length + offset must fit in the region
 * (else -EINVAL). The vma holds a reference on the region until unmapped;
 * pages are served on fault.
 */
int nm_mem_mmap(struct nm_mem *mem, struct vm_area_struct *vma);

#endif /* NM_MEM_H */
