// SPDX-License-Identifier: BSD-2-Clause
/*
 * access - object rules and the admin policy (see access.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "util.h"

#define PWBUF 4096

bool access_resolve_user(const struct nmd_principal *u, uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char buf[PWBUF];

	if (u->numeric) {
		*uid = (uid_t)u->id;
		return true;
	}
	if (getpwnam_r(u->name, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return false;
	*uid = res->pw_uid;
	return true;
}

bool access_resolve_group(const struct nmd_principal *g, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[PWBUF];

	if (g->numeric) {
		*gid = (gid_t)g->id;
		return true;
	}
	if (getgrnam_r(g->name, &gr, buf, sizeof(buf), &res) != 0 || !res)
		return false;
	*gid = res->gr_gid;
	return true;
}

/* Is @gid the peer's primary or a supplementary group? */
static bool peer_in_group(const struct rpc_peer *peer, gid_t gid)
{
	struct passwd pw, *res = NULL;
	char buf[PWBUF];
	gid_t groups[256];
	int n = (int)ELEMENTSOF(groups);

	if (peer->gid == gid)
		return true;
	if (peer->groups_known) {
		for (size_t i = 0; i < peer->n_groups; i++)
			if (peer->groups[i] == gid)
				return true;
		return false;
	}
	/* The kernel did not tell: ask the user database. */
	if (getpwuid_r(peer->uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return false;
	if (getgrouplist(res->pw_name, res->pw_gid, groups, &n) < 0)
		n = (int)ELEMENTSOF(groups); /* truncated: look at what we got */
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

bool access_match(const struct nmd_access *a, const struct rpc_peer *peer)
{
	if (!a || !a->set)
		return false;
	for (size_t i = 0; i < a->n_users; i++) {
		uid_t uid;

		if (access_resolve_user(&a->users[i], &uid) && uid == peer->uid)
			return true;
	}
	for (size_t i = 0; i < a->n_groups; i++) {
		gid_t gid;

		if (access_resolve_group(&a->groups[i], &gid) && peer_in_group(peer, gid))
			return true;
	}
	return false;
}

/*
 * "v0{1" / "v0}1" -> the pipe entry with parent v0 and id 1. Returns the
 * pipe or NULL.
 */
static const struct nmd_pipe *find_pipe(const struct nmd_config *c, const char *name)
{
	size_t plen = strcspn(name, "{}");
	const char *id;

	if (!name[plen])
		return NULL;
	id = name + plen + 1;
	for (size_t i = 0; i < c->n_pipes; i++) {
		const struct nmd_pipe *p = &c->pipes[i];

		if (strlen(p->parent) != plen || strncmp(p->parent, name, plen))
			continue;
		for (size_t j = 0; j < p->n_ids; j++)
			if (streq(p->ids[j].id, id))
				return p;
	}
	return NULL;
}

const struct nmd_access *access_rule_for(const struct nmd_config *c, const char *name,
					 bool monitor)
{
	char base[NMD_REQ_IFNAMSIZ];
	const struct nmd_port *port;
	const struct nmd_pipe *pipe;
	size_t n;

	if (!c || !name)
		return NULL;
	/* A trailing '^' (host rings) is the same object for access. */
	n = strlen(name);
	if (n >= sizeof(base))
		return NULL;
	memcpy(base, name, n + 1);
	if (n && base[n - 1] == '^')
		base[n - 1] = '\0';
	if (monitor) {
		for (size_t i = 0; i < c->n_monitors; i++)
			if (streq(c->monitors[i].target, base) ||
			    streq(c->monitors[i].target, name))
				return &c->monitors[i].access;
		return NULL;
	}
	pipe = find_pipe(c, base);
	if (pipe)
		return &pipe->access;
	port = config_find_port(c, base);
	if (port)
		return &port->access;
	return NULL;
}

bool access_may_open(const struct nmd_config *c, const char *name, bool monitor,
		     const struct rpc_peer *peer, bool is_admin)
{
	if (peer->uid == 0 || is_admin)
		return true;
	return access_match(access_rule_for(c, name, monitor), peer);
}

int access_policy_build(const struct nmd_config *c, struct rpc_policy *p,
			unsigned *unresolved)
{
	const struct nmd_access *a = &c->admin;
	uid_t *uids = NULL;
	gid_t *gids = NULL;
	size_t nu = 0, ng = 0;
	unsigned bad = 0;

	memset(p, 0, sizeof(*p));
	p->root_is_admin = true;
	if (a->set && a->n_users) {
		uids = calloc(a->n_users, sizeof(*uids));
		if (!uids)
			return -ENOMEM;
	}
	if (a->set && a->n_groups) {
		gids = calloc(a->n_groups, sizeof(*gids));
		if (!gids) {
			free(uids);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; a->set && i < a->n_users; i++) {
		if (access_resolve_user(&a->users[i], &uids[nu]))
			nu++;
		else
			bad++;
	}
	for (size_t i = 0; a->set && i < a->n_groups; i++) {
		if (access_resolve_group(&a->groups[i], &gids[ng]))
			ng++;
		else
			bad++;
	}
	p->admin_uids = uids;
	p->n_admin_uids = nu;
	p->admin_gids = gids;
	p->n_admin_gids = ng;
	if (unresolved)
		*unresolved = bad;
	return 0;
}

void access_policy_done(struct rpc_policy *p)
{
	free((void *)p->admin_uids);
	free((void *)p->admin_gids);
	memset(p, 0, sizeof(*p));
}
