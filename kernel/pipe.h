/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netmap pipes: naming, parents, and the lifetime of a pipe pair. The
 * datapath is in core/pipe_sync.c.
 *
 * "P{ID" is the master end and "P}ID" the slave end of pipe ID of parent
 * port P. The pair (both ends, their krings and rings, in P's region) is
 * created when either end is first looked up, and lives while anyone holds
 * either end. If no port P exists, an implicit parent P is created: a port
 * with no rings of its own and a private region, freed with its last pipe.
 */
#ifndef NM_PIPE_H
#define NM_PIPE_H

#include <linux/types.h>

#include "core/memsize.h"	/* NM_PIPE_MAX_PER_PARENT */

struct nm_mem;
struct nm_port;
struct nmreq_register;
struct nm_port_stats;

#define NM_PIPE_MAX_RINGS	256	/* rings per direction of an end */
#define NM_PIPE_MAX_SLOTS	4096
#define NM_PIPE_DEFAULT_SLOTS	1024	/* when the parent has no rings */

/* Does @name name an end of a pipe (contains '{' or '}')? */
bool nm_pipe_is_name(const char *name);

/*
 * Find or create the pipe end @name for a request (mode, counts, extra
 * buffers from @req; @mem: the region of nr_mem_id, used if a parent has to
 * be created; may be NULL). A reference to the end in *portp. nm_ctrl_lock
 * held. Without @create only an existing pipe of an existing parent is
 * found, -EPERM where something would be made (port.h, NM_LOOKUP_EXISTING).
 * Errors: -EINVAL bad name or mode, -ENOMEM out of pipes or memory.
 */
int nm_pipe_lookup(const char *name, const struct nmreq_register *req,
		   struct nm_mem *mem, bool create, struct nm_port **portp);

/*
 * Counters of the existing pipe end @name (NETMAP_REQ_OPT_PORT_STATS): tx
 * from its TX rings, rx from the peer's TX rings (what arrived in its RX
 * rings). Nothing is created: all zero when the pipe does not exist (as a
 * NIC without a port). Returns NM_PORT_STATS_KIND_PIPE, or -EINVAL for a
 * bad name. Takes nm_ctrl_lock.
 */
int nm_pipe_stats_by_name(const char *name, struct nm_port_stats *st);

#endif /* NM_PIPE_H */
