// SPDX-License-Identifier: BSD-2-Clause
/*
 * access - object rules and the admin policy (see access.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net/netmap.h>

#include "access.h"
#include "portspec.h"
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

/* The port of the file that @n names, or NULL (valeB:P by switch and port, else by interface name). */
static const struct nmd_port *find_port(const struct nmd_config *c, const struct ps_name *n)
{
	if (n->kind == PS_PLAIN) {
		const struct nmd_port *p = config_find_port(c, n->full);

		return p && p->kind != NMD_PORT_EPHEMERAL ? p : NULL;
	}
	for (size_t i = 0; i < c->n_switches; i++) {
		const struct nmd_switch *sw = &c->switches[i];

		if (!streq(sw->name, n->sw))
			continue;
		for (size_t j = 0; j < sw->n_ports; j++)
			if (streq(sw->ports[j].name, n->port))
				return &sw->ports[j];
	}
	return NULL;
}

/*
 * The pipe group of the file with the requested parent and id. The parent
 * is the same object when both names lead to one port of the file
 * ("vale0:v0" and "v0" for a persistent port on vale0), else the same
 * implicit parent name.
 */
static const struct nmd_pipe *find_pipe(const struct nmd_config *c, const struct portspec *ps)
{
	const struct nmd_port *parent = find_port(c, &ps->parent);

	for (size_t i = 0; i < c->n_pipes; i++) {
		const struct nmd_pipe *p = &c->pipes[i];

		if (parent ? p->parent_port != parent
			   : p->parent_port || !streq(p->parent, ps->parent.full))
			continue;
		for (size_t j = 0; j < p->n_ids; j++)
			if (streq(p->ids[j].id, ps->pipe_id))
				return p;
	}
	return NULL;
}

int access_resolve(const struct nmd_config *c, const struct portspec *ps,
		   struct access_target *t)
{
	memset(t, 0, sizeof(*t));
	if (!c)
		return -ENOENT;
	if (ps->name.kind == PS_PIPE)
		t->pipe = find_pipe(c, ps);
	else
		t->port = find_port(c, &ps->name);
	return t->port || t->pipe ? 0 : -ENOENT;
}

static bool monitor_targets(const struct nmd_monitor *mo, const struct access_target *t,
			    const struct portspec *ps, bool host)
{
	const char *brace;

	if (t->port)
		return mo->port == t->port && mo->host == host;
	if (mo->pipe != t->pipe || mo->pipe_slave != ps->slave)
		return false;
	brace = strrchr(mo->target, mo->pipe_slave ? '}' : '{');
	return brace && streq(brace + 1, ps->pipe_id);
}

static void modes_text(unsigned m, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", m & NMD_MONITOR_RX ? "r" : "", m & NMD_MONITOR_TX ? "t" : "",
		 m & NMD_MONITOR_ZCOPY ? "z" : "", m ? "" : "none");
}

/* A monitor: the union of the modes every entry of this target grants @peer. */
static int check_monitor(const struct nmd_config *c, const struct portspec *ps,
			 const struct access_target *t, const struct rpc_peer *peer, char *why,
			 size_t len)
{
	unsigned want = portspec_monitor(ps), granted = 0;
	bool host = portspec_host(ps), listed = false;
	char w[8], g[8];

	if (ps->mode == NR_REG_NIC_SW) {
		why_set(why, len, "a monitor watches hardware rings or host rings, not both ('*')");
		return -EACCES;
	}
	for (size_t i = 0; i < c->n_monitors; i++) {
		const struct nmd_monitor *mo = &c->monitors[i];

		if (!monitor_targets(mo, t, ps, host))
			continue;
		listed = true;
		if (access_match(&mo->access, peer))
			granted |= mo->mode;
	}
	if ((want & ~granted) == 0)
		return 0;
	modes_text(want, w, sizeof(w));
	modes_text(granted, g, sizeof(g));
	if (!listed)
		why_set(why, len, "the file has no monitor of %s%s", ps->name.full, host ? "^" : "");
	else if (!granted)
		why_set(why, len, "no monitor of %s%s in the file is granted to you",
			ps->name.full, host ? "^" : "");
	else
		why_set(why, len, "monitor mode %s asked, the file grants you %s only", w, g);
	return -EACCES;
}

int access_check_open(const struct nmd_config *c, const struct portspec *ps,
		      const struct rpc_peer *peer, bool is_admin, char *why, size_t len)
{
	struct access_target t;
	bool host = portspec_host(ps);

	if (peer->uid == 0 || is_admin)
		return 0;
	if (ps->mem_id) {
		why_set(why, len, "@%u: the memory region of a port comes from the file (memory:), not from the request",
			(unsigned)ps->mem_id);
		return -EACCES;
	}
	for (int i = 0; i < PS_CONF__COUNT; i++) {
		if (ps->conf_set[i]) {
			why_set(why, len, "@conf: ring and slot counts come from the file");
			return -EACCES;
		}
	}
	if (access_resolve(c, ps, &t) < 0) {
		why_set(why, len, "%s is not %s of the file", ps->name.full,
			ps->name.kind == PS_PIPE ? "a pipe" : "a port");
		return -EACCES;
	}
	if (portspec_monitor(ps))
		return check_monitor(c, ps, &t, peer, why, len);
	if (host && (!t.port || t.port->kind != NMD_PORT_NIC || !t.port->host)) {
		why_set(why, len, "host rings (^, *) are only for a NIC with host: true, and %s is not one",
			ps->name.full);
		return -EACCES;
	}
	if (!access_match(t.pipe ? &t.pipe->access : &t.port->access, peer)) {
		why_set(why, len, "%s is not granted to you", ps->name.full);
		return -EACCES;
	}
	return 0;
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
