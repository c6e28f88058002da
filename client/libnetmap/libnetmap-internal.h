/* SPDX-License-Identifier: BSD-2-Clause */
/* libnetmap-internal - shared between libnetmap's files; not installed. */
#ifndef LIBNETMAP_INTERNAL_H
#define LIBNETMAP_INTERNAL_H

#include <stdbool.h>

#include "libnetmap.h"

#define NM_HIDDEN __attribute__((visibility("hidden")))

/* nmport_new() in @ctx. */
NM_HIDDEN struct nmport_d *nm_port_new_in(struct nmctx *ctx);

/*
 * Parse the name part of a port name ("netmap:eth0", "vale0:p", "x{1") into
 * @name (NETMAP_REQ_IFNAMSIZ bytes); *pspec moves to the first of - * ^ / @
 * or the end. Returns 0, or -1 with errno EINVAL and @why (at least 80
 * bytes) saying what is wrong. Used by nmreq_header_decode() and by the
 * matching of handed ports.
 */
NM_HIDDEN int nm_name_decode(const char **pspec, char *name, char *why, size_t whylen);

/*
 * The netmapd fallback (netmapd.c). Both fill @reg's outputs (nr_offset,
 * nr_memsize, counts, nr_mem_id) for the request @h/@reg and return a
 * registered fd that the caller owns.
 *
 * nm_fallback_handed(): a port handed to this process that matches: the
 * fd, or -1 with errno ENOENT when none does (nothing reported), or -1 with
 * another errno (reported to @ctx).
 * nm_fallback_daemon(): port.open through netmapd's socket, after
 * open(/dev/netmap) failed with @open_errno: the fd, or -1 with errno
 * (reported to @ctx; errno is @open_errno when netmapd cannot be reached).
 * nm_fallback_eligible(): whether @open_errno lets the daemon be asked.
 */
NM_HIDDEN int nm_fallback_handed(struct nmctx *ctx, const struct nmreq_header *h,
				 struct nmreq_register *reg);
NM_HIDDEN int nm_fallback_daemon(struct nmctx *ctx, const struct nmreq_header *h,
				 struct nmreq_register *reg, int open_errno);
NM_HIDDEN bool nm_fallback_eligible(int open_errno);

#endif /* LIBNETMAP_INTERNAL_H */
