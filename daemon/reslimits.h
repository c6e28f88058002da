/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reslimits - the bounds of what clients can make netmapd hold (SECURITY.md
 * rule 4): the process's descriptor limit, and the RPC server's limits
 * (rpc.h LIMITS) from the file's "limits:" section (netmapd.yaml(5)
 * LIMITS), with the connection caps derived from the descriptor limit.
 *
 * Descriptors. At start the soft RLIMIT_NOFILE is raised to the hard one
 * (systemd's LimitNOFILE= sets both). Connections may take at most half
 * of the descriptors above LIMITS_FD_RESERVE; the rest is for what the
 * daemon holds besides them (listeners, the netmap device, pidfds of port
 * holders, pipe anchors, the descriptors of a port.open in flight), so
 * accept() never runs out before max_clients does. max_clients (given or
 * default) is lowered to that share, with a warning when it was given.
 */
#ifndef NETMAPD_RESLIMITS_H
#define NETMAPD_RESLIMITS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "rpc.h"

/* Descriptors kept out of the clients' share. */
#define LIMITS_FD_RESERVE 64u

/*
 * Raise the soft RLIMIT_NOFILE to the hard limit. *nofile gets the soft
 * limit in force afterwards (also when raising failed). 0 or -errno.
 */
int limits_raise_nofile(uint64_t *nofile);

/*
 * The RPC options of @l (NULL: all defaults) for a process allowed
 * @nofile descriptors. Log fields are left zero. Pure apart from a
 * warning logged when max_clients had to be lowered (@warn).
 */
void limits_rpc_options(const struct nmd_limits *l, uint64_t nofile,
			struct rpc_options *o, bool warn);

/* The clients' share of @nofile descriptors (see above). */
unsigned limits_fd_clients(uint64_t nofile);

/* "limits: ..." for the log: the limits in force @o (rpc_server_set_limits()). */
void limits_format(const struct rpc_options *o, uint64_t nofile, char *buf, size_t len);

#endif /* NETMAPD_RESLIMITS_H */
