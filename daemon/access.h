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
#include "rpc.h"

/* Does @peer match @a (users or groups)? Root and admins are not special here. */
bool access_match(const struct nmd_access *a, const struct rpc_peer *peer);

/* The rule of the object a port.open of @name (+ monitor flags) touches, or NULL. */
const struct nmd_access *access_rule_for(const struct nmd_config *c, const char *name,
					 bool monitor);

/* May @peer (admin: @is_admin) open @name? */
bool access_may_open(const struct nmd_config *c, const char *name, bool monitor,
		     const struct rpc_peer *peer, bool is_admin);

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
