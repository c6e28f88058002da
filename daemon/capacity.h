/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * capacity - does the topology of a config fit the memory regions the
 * module will give it? Computed from the file alone, before any kernel
 * object exists, so that a topology that cannot fit is refused with the
 * parameter values that would make it fit, instead of failing half-applied
 * with ENOMEM.
 *
 * A region (netmap's "allocator", one mem_id) has three pools: netmap_if
 * objects (one per bound fd), rings and buffers. Each pool has a number of
 * objects and an object size. For each region we add up what its users
 * need and compare with what the module gives it:
 *
 *   - the global region (mem_id 1) is sized by if_num/if_size, ring_num/
 *     ring_size, buf_num/buf_size; NICs, their host rings, pipes whose
 *     parent is a NIC and monitors of NICs live there (and VALE ports that
 *     say memory: global);
 *   - each VALE port with a region of its own (ephemeral or persistent,
 *     without "memory") gets a private region that netmap sizes for the
 *     port plus two pipes, and never below the priv_* parameters; its
 *     pipes, monitors and the ports that share it (memory: PORT) live
 *     there too;
 *   - pipes whose parent is not a port of the file get an implicit parent
 *     with a private region of its own, sized as a default VALE port's.
 *
 * All regions together must also fit in the module's max_mem_mb (the
 * file's value, else the module's default: half of this machine's RAM).
 *
 * The model and its assumptions are written out in capacity.c.
 */
#ifndef NETMAPD_CAPACITY_H
#define NETMAPD_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"

enum cap_pool {
	CAP_IF,
	CAP_RING,
	CAP_BUF,
	CAP_POOLS
};

struct cap_region {
	char name[96];            /* "global region", "region of vale0:vm1", ... */
	bool global;
	const struct nmd_port *owner;  /* the port whose region it is, or NULL */
	struct nmd_mark mark;     /* where its problems are reported if no parameter is set */
	/* What the module gives: object counts and sizes (sizes as rounded by the kernel). */
	uint64_t have_num[CAP_POOLS], have_size[CAP_POOLS];
	/* What the topology needs: object counts (buffers 0 and 1 included), largest object. */
	uint64_t need_num[CAP_POOLS], need_size[CAP_POOLS];
	char need_size_who[CAP_POOLS][96]; /* who needs the largest object */
	uint64_t bytes;           /* size of the region, page rounded */
	unsigned users;           /* ports, pipes and monitors placed in it */
};

struct capacity {
	struct cap_region *regions;   /* [0] is the global region */
	size_t n_regions, cap_regions;
	size_t n_switches;
	uint64_t total_bytes;         /* all regions in use (the global one only if used) */
	uint64_t max_mem_mb;          /* the module's cap on all regions (max_mem_mb) */
	bool max_mem_default;         /* the file does not set it: half of this machine's RAM */
	bool fits;
};

/*
 * Compute the needs of @c and check them. Returns 0 when everything fits,
 * -ENOSPC when something does not (each problem added to @d, with the
 * parameter to change and a value that fits), -ENOMEM. The result, in
 * *ret also on -ENOSPC, is freed with capacity_free().
 */
int capacity_check(const struct nmd_config *c, struct capacity **ret,
		   struct diags *d);
void capacity_free(struct capacity *cap);

/*
 * The host's RAM against the regions of @cap: more than @mem_total (bytes,
 * 0: unknown) can never be allocated, whatever max_mem_mb says: -EINVAL
 * with the reason in @d. More than @mem_avail is only a warning, in @warn
 * (may be NULL). 0 otherwise.
 */
int capacity_check_host(const struct capacity *cap, uint64_t mem_total, uint64_t mem_avail,
			struct diags *d, struct diags *warn);
/* MemTotal and MemAvailable of @meminfo (NULL: /proc/meminfo), in bytes. 0 or -errno. */
int capacity_host_memory(const char *meminfo, uint64_t *total, uint64_t *avail);
/* @bytes as "512 KiB", "40 MiB", "1.5 GiB", "78 GiB". */
void capacity_human(uint64_t bytes, char *buf, size_t len);

#endif /* NETMAPD_CAPACITY_H */
