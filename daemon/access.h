/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * access - who may use an object of the configuration (a port, a pipe, a
 * monitor), and who is an admin.
 *
 * An object's rule (struct nmd_access) lists users and groups, by name or
 * number. Names are resolved when a request is checked (getpwnam_r,
 * getgrnam_r), so a user added after the daemon started is known without a
 * reload; a name that does not resolve matches nobody. Group membership is
 * the peer's primary group and its supplementary groups as the kernel told
 * them at accept() (SO_PEERGROUPS), else getgrouplist() of the peer uid's
 * user. Root and the configured admins always may; an object without a
 * rule is theirs only; an object that is not in the configuration too.
 * Requests are judged on the kernel's parse of the name (portspec.h).
 *
 * The admin set for the RPC server's policy (ids, not names) is resolved
 * when a configuration is loaded or reloaded: access_policy_build().
 */
#ifndef NETMAPD_ACCESS_H
#define NETMAPD_ACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "portspec.h"
#include "rpc.h"

/* Does @peer match @a (users or groups)? Root and admins are not special here. */
bool access_match(const struct nmd_access *a, const struct rpc_peer *peer);

/* The object of the file a port.open names: a port, or a pipe group (both ends). */
struct access_target {
	const struct nmd_port *port;
	const struct nmd_pipe *pipe;
};

/* Find the object @ps names in @c: 0, or -ENOENT when the file does not name it. */
int access_resolve(const struct nmd_config *c, const struct portspec *ps,
		   struct access_target *t);

/*
 * May @peer (an admin if @is_admin) open what @ps asks for? Root and
 * admins may open anything. Anyone else needs every part granted:
 *   - the object is in the file: a port (ephemeral as valeB:P, persistent
 *     or NIC as its name or valeB:NAME), or a pipe end of a pipe group;
 *   - no monitor flag: the object's access list; host rings (^ ^N *) only
 *     of a NIC with host: true;
 *   - monitor flags (from the name or the request): every monitors: entry
 *     of that target (its host rings for ^) is consulted, and each mode
 *     asked (r, t, z) must be granted to @peer by one of them;
 *   - no @N (the region comes from the file) and no @conf: (the counts too).
 * 0 when allowed, else -EACCES with a phrase in @why.
 */
int access_check_open(const struct nmd_config *c, const struct portspec *ps,
		      const struct rpc_peer *peer, bool is_admin, char *why, size_t len);

/*
 * The RPC policy of @c's admin rule: root, the uids and gids it names
 * (names resolved now; those that do not resolve are skipped and counted
 * in *unresolved). The arrays are malloc'ed and owned by @p's caller:
 * free with access_policy_done(). 0 or -ENOMEM.
 */
int access_policy_build(const struct nmd_config *c, struct rpc_policy *p,
			unsigned *unresolved);
void access_policy_done(struct rpc_policy *p);

/* Resolve a user/group principal to an id; false if unknown. */
bool access_resolve_user(const struct nmd_principal *u, uid_t *uid);
bool access_resolve_group(const struct nmd_principal *g, gid_t *gid);

#endif /* NETMAPD_ACCESS_H */
