// SPDX-License-Identifier: BSD-2-Clause
/* regions - memory regions as trust domains (see regions.h). */
#include "regions.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool principal_eq(const struct nmd_principal *a, const struct nmd_principal *b)
{
	if (a->numeric != b->numeric)
		return false;
	return a->numeric ? a->id == b->id : streq(a->name, b->name);
}

/* Root and the admins may open anything: they are not counted. Names compare as written. */
static bool is_admin(const struct nmd_config *c, const struct nmd_principal *p, bool group)
{
	const struct nmd_principal *v = group ? c->admin.groups : c->admin.users;
	size_t n = group ? c->admin.n_groups : c->admin.n_users;

	if (!group && (p->numeric ? p->id == 0 : streq(p->name, "root")))
		return true;
	for (size_t i = 0; c->admin.set && i < n; i++)
		if (principal_eq(&v[i], p))
			return true;
	return false;
}

static bool in_list(const struct nmd_principal *v, size_t n, const struct nmd_principal *p)
{
	for (size_t i = 0; i < n; i++)
		if (principal_eq(&v[i], p))
			return true;
	return false;
}

/* Is every non-admin principal of @a in @b? */
static bool access_within(const struct nmd_config *c, const struct nmd_access *a,
			  const struct nmd_access *b)
{
	for (size_t i = 0; a && a->set && i < a->n_users; i++)
		if (!is_admin(c, &a->users[i], false) &&
		    !(b && b->set && in_list(b->users, b->n_users, &a->users[i])))
			return false;
	for (size_t i = 0; a && a->set && i < a->n_groups; i++)
		if (!is_admin(c, &a->groups[i], true) &&
		    !(b && b->set && in_list(b->groups, b->n_groups, &a->groups[i])))
			return false;
	return true;
}

/* Only admins may open it (no list, or a list of admins). */
static bool admins_only(const struct nmd_config *c, const struct nmd_access *a)
{
	return access_within(c, a, NULL);
}

static struct region *region_get(struct regions *r, const char *name, const char *kind)
{
	struct region *g;

	for (size_t i = 0; i < r->n; i++)
		if (streq(r->v[i].name, name))
			return &r->v[i];
	g = array_push(&r->v, &r->n, &r->cap, sizeof(*r->v));
	if (!g)
		return NULL;
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->kind = kind;
	return g;
}

/* Add "@what @name@extra" to @g. */
static int obj_add(struct region *g, const struct nmd_access *a, struct nmd_mark mark,
		   const char *what, const char *name, const char *extra)
{
	struct region_obj *o = array_push(&g->objs, &g->n_objs, &g->cap_objs, sizeof(*g->objs));

	if (!o)
		return -ENOMEM;
	snprintf(o->what, sizeof(o->what), "%s %s%s", what, name, extra);
	o->access = a;
	o->mark = mark;
	return 0;
}

/* The region of port @p: global, its own, or that of the port its memory: names. */
static struct region *port_region(struct regions *r, const struct nmd_port *p)
{
	if (p->kind == NMD_PORT_NIC || (p->memory && streq(p->memory, "global")))
		return region_get(r, "global", "global");
	if (p->memory)
		return p->memory_port ? region_get(r, p->memory_port->full, "port") : NULL;
	return region_get(r, p->full, "port");
}

static struct region *pipe_region(struct regions *r, const struct nmd_pipe *pi)
{
	if (pi->parent_port)
		return port_region(r, pi->parent_port);
	return region_get(r, pi->parent, "implicit pipe parent");
}

static const char *mode_text(unsigned m)
{
	if (m == NMD_MONITOR_ZCOPY)
		return "/z";
	if (m == (NMD_MONITOR_RX | NMD_MONITOR_TX))
		return "/rt";
	return m == NMD_MONITOR_RX ? "/r" : "/t";
}

static int place_objects(const struct nmd_config *c, struct regions *r)
{
	struct region *g;

	for (size_t i = 0; i < c->n_switches; i++) {
		for (size_t j = 0; j < c->switches[i].n_ports; j++) {
			const struct nmd_port *p = &c->switches[i].ports[j];

			if (!p->full[0] || (p->memory && !streq(p->memory, "global") && !p->memory_port))
				continue; /* an error of the file, reported already */
			g = port_region(r, p);
			if (!g || obj_add(g, &p->access, p->mark,
					  p->kind == NMD_PORT_NIC ? "NIC" : "port", p->full, "") < 0)
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < c->n_pipes; i++) {
		const struct nmd_pipe *pi = &c->pipes[i];

		if (!pi->parent[0] || !pi->n_ids)
			continue;
		g = pipe_region(r, pi);
		if (!g || obj_add(g, &pi->access, pi->mark, "pipes of", pi->parent, "") < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < c->n_monitors; i++) {
		const struct nmd_monitor *mo = &c->monitors[i];

		if (!mo->target[0] || (!mo->port && !mo->pipe))
			continue;
		g = mo->port ? port_region(r, mo->port) : pipe_region(r, mo->pipe);
		if (!g || obj_add(g, &mo->access, mo->mark, "monitor", mo->target,
				  mode_text(mo->mode)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int who_add(const struct nmd_principal ***v, size_t *n, const struct nmd_principal *p)
{
	const struct nmd_principal **nv;

	for (size_t i = 0; i < *n; i++)
		if (principal_eq((*v)[i], p))
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = p;
	*v = nv;
	return 0;
}

/* Who reaches @g, and whether its objects are granted differently. */
static int region_who(const struct nmd_config *c, struct region *g)
{
	const struct region_obj *first = NULL;

	for (size_t i = 0; i < g->n_objs; i++) {
		const struct nmd_access *a = g->objs[i].access;

		if (admins_only(c, a))
			continue;
		if (!first)
			first = &g->objs[i];
		else if (!access_within(c, a, first->access) || !access_within(c, first->access, a))
			g->mixed = true;
		for (size_t k = 0; k < a->n_users; k++)
			if (!is_admin(c, &a->users[k], false) &&
			    who_add(&g->users, &g->n_users, &a->users[k]) < 0)
				return -ENOMEM;
		for (size_t k = 0; k < a->n_groups; k++)
			if (!is_admin(c, &a->groups[k], true) &&
			    who_add(&g->groups, &g->n_groups, &a->groups[k]) < 0)
				return -ENOMEM;
	}
	return 0;
}

int regions_compute(const struct nmd_config *c, struct regions *r)
{
	int e;

	memset(r, 0, sizeof(*r));
	e = place_objects(c, r);
	for (size_t i = 0; !e && i < r->n; i++) {
		e = region_who(c, &r->v[i]);
		for (size_t k = 0; k < c->n_regions && !r->v[i].share; k++)
			if (streq(c->regions[k].memory, r->v[i].name))
				r->v[i].share = &c->regions[k];
	}
	if (e)
		regions_done(r);
	return e;
}

void regions_done(struct regions *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].objs);
		free(r->v[i].users);
		free(r->v[i].groups);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* "users alice, 1001; groups netmap" (or "admins only") into @buf. */
static void access_text(const struct nmd_config *c, const struct nmd_access *a, char *buf,
			size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int grp = 0; grp < 2 && a && a->set; grp++) {
		const struct nmd_principal *v = grp ? a->groups : a->users;
		size_t n = grp ? a->n_groups : a->n_users, shown = 0;

		for (size_t i = 0; i < n && o < len; i++) {
			if (is_admin(c, &v[i], grp))
				continue;
			o += (size_t)snprintf(buf + o, len - o, "%s%s%s", !shown ? (o ? "; " : "") : ", ",
					      !shown ? (grp ? "groups " : "users ") : "", v[i].name);
			shown++;
		}
	}
	if (!buf[0])
		snprintf(buf, len, "admins only");
}

static int check_one(const struct nmd_config *c, const struct region *g, struct diags *d)
{
	const struct region_obj *a = NULL, *b = NULL;
	char ta[128], tb[128], at[320];

	if (!g->mixed)
		return 0;
	if (g->share) {
		const struct nmd_access *s = &g->share->shared_by;
		int r = 0;

		for (size_t i = 0; i < g->n_users; i++)
			if (!in_list(s->users, s->n_users, g->users[i]))
				r = diag_add(d, g->share->mark.line, g->share->mark.column,
					     "regions: memory %s: user %s reaches it but is not in shared_by",
					     g->name, g->users[i]->name);
		for (size_t i = 0; i < g->n_groups; i++)
			if (!in_list(s->groups, s->n_groups, g->groups[i]))
				r = diag_add(d, g->share->mark.line, g->share->mark.column,
					     "regions: memory %s: group %s reaches it but is not in shared_by",
					     g->name, g->groups[i]->name);
		return r;
	}
	/* Two objects granted differently, for the message. */
	for (size_t i = 0; i < g->n_objs && !b; i++) {
		if (admins_only(c, g->objs[i].access))
			continue;
		if (!a)
			a = &g->objs[i];
		else if (!access_within(c, g->objs[i].access, a->access) ||
			 !access_within(c, a->access, g->objs[i].access))
			b = &g->objs[i];
	}
	if (!a || !b)
		return 0;
	access_text(c, a->access, ta, sizeof(ta));
	access_text(c, b->access, tb, sizeof(tb));
	return diag_add(d, b->mark.line, b->mark.column,
			"%s shares memory region %s with %s (%s), but %s is for %s and %s for %s: each could read and write the other's buffers. Grant them to the same users and groups, or allow it: regions: [{memory: %s, shared_by: {...}}]",
			b->what, g->name, a->what, diag_where(d, a->mark.line, at, sizeof(at)), b->what, tb, a->what, ta, g->name);
}

int regions_check(const struct nmd_config *c, struct diags *d)
{
	struct regions rs;
	char at[320];
	int r = 0, e;

	e = regions_compute(c, &rs);
	if (e)
		return e;
	for (size_t i = 0; i < rs.n; i++) {
		e = check_one(c, &rs.v[i], d);
		if (e == -ENOMEM)
			r = e;
		else if (e && !r)
			r = -EINVAL;
	}
	for (size_t k = 0; k < c->n_regions; k++) {
		const struct nmd_region_share *s = &c->regions[k];
		bool found = false;

		for (size_t i = 0; i < rs.n && !found; i++)
			found = streq(rs.v[i].name, s->memory);
		for (size_t j = 0; j < k && found; j++) {
			if (!streq(c->regions[j].memory, s->memory))
				continue;
			diag_add(d, s->mark.line, s->mark.column,
				 "regions: memory %s is given twice (first at %s)", s->memory,
				 diag_where(d, c->regions[j].mark.line, at, sizeof(at)));
			if (!r)
				r = -EINVAL;
			break;
		}
		if (!found && s->memory[0]) {
			diag_add(d, s->memory_mark.line, s->memory_mark.column,
				 "regions: memory %s is not a region of this file (write global, a port that has a region of its own, or a pipe parent that is not a port)",
				 s->memory);
			if (!r)
				r = -EINVAL;
		}
	}
	regions_done(&rs);
	return r;
}
