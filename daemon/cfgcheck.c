// SPDX-License-Identifier: BSD-2-Clause
/*
 * cfgcheck - the checks of a walked configuration that no single key can
 * make: duplicates between objects (a switch twice, a port twice, a NIC
 * on two switches, a pipe id twice on one parent), references (memory
 * sharing, pipe parents, monitor targets) and per-switch and per-parent
 * limits. They sort index arrays, so a large file costs O(n log n), not
 * O(n^2). Objects the walk left with an empty name are skipped: their
 * mistake was reported once already.
 */
#include "cfgcheck.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "regions.h"

/*
 * An index entry: a name, what it names, and its place in file order so
 * that after sorting the first of equal names is the one written first.
 */
enum ent_tag {
	ENT_PORT,          /* a port by its full name */
	ENT_EPHEMERAL_BARE /* an ephemeral port by its bare name, against netdevs */
};

struct ent {
	const char *key;
	const char *key2;
	size_t order;
	enum ent_tag tag;
	const void *obj;
	const void *obj2;
};

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	c = strcmp(x->key2 ? x->key2 : "", y->key2 ? y->key2 : "");
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static const struct ent *ent_find(const struct ent *v, size_t n,
				  const char *key, enum ent_tag tag)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(v[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && streq(v[lo].key, key); lo++)
		if (v[lo].tag == tag)
			return &v[lo];
	return NULL;
}

static const char *port_desc(const struct nmd_port *p)
{
	switch (p->kind) {
	case NMD_PORT_EPHEMERAL:
		return "port";
	case NMD_PORT_PERSISTENT:
		return "persistent port";
	case NMD_PORT_NIC:
		return "NIC";
	}
	return "port";
}

/* Switch names twice, ports per switch. */
static int check_switches(struct cfgwalk *w)
{
	struct nmd_config *c = w->cfg;
	_cleanup_free_ struct ent *v = NULL;
	size_t n = 0;
	int r = 0;

	v = calloc(c->n_switches + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_switches; i++) {
		const struct nmd_switch *sw = &c->switches[i];
		size_t ports = 0;

		if (!sw->name[0])
			continue;
		v[n++] = (struct ent){ .key = sw->name, .order = i, .obj = sw };
		for (size_t j = 0; j < sw->n_ports; j++)
			ports += 1 + (sw->ports[j].kind == NMD_PORT_NIC &&
				      sw->ports[j].host);
		if (ports > NMD_SWITCH_MAX_PORTS)
			r = cfgwalk_worse(r, cfgwalk_err_at(w, sw->mark,
							    "switch \"%s\" has %zu ports (a NIC with host rings counts twice); a VALE switch has at most %d",
							    sw->name, ports, NMD_SWITCH_MAX_PORTS));
	}
	qsort(v, n, sizeof(*v), ent_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct nmd_switch *a = v[i - 1].obj, *b = v[i].obj;

		if (streq(a->name, b->name))
			r = cfgwalk_worse(r, cfgwalk_err_at(w, b->mark,
							    "switch \"%s\" is defined twice (first at %s)",
							    b->name, cfgwalk_at(w, a->mark.line)));
	}
	return r;
}

/* Port @p has the name of @first, the port of that name written first. */
static int port_clash(struct cfgwalk *w, const struct nmd_port *first,
		      const struct nmd_port *p)
{
	const struct nmd_switch *sw = w->cfg->switches;

	if (p->kind == NMD_PORT_NIC && first->kind == NMD_PORT_NIC &&
	    p->sw != first->sw)
		return cfgwalk_err_at(w, p->mark,
				      "switch \"%s\": NIC \"%s\" is already on switch \"%s\" (%s); a NIC can be on one switch only",
				      sw[p->sw].name, p->name, sw[first->sw].name,
				      cfgwalk_at(w, first->mark.line));
	if (p->kind == first->kind)
		return cfgwalk_err_at(w, p->mark,
				      "switch \"%s\": %s \"%s\" is defined twice (first at %s)",
				      sw[p->sw].name, port_desc(p), p->name,
				      cfgwalk_at(w, first->mark.line));
	return cfgwalk_err_at(w, p->mark,
			      "switch \"%s\": %s \"%s\" has the name of %s \"%s\" (%s): they would be the same interface",
			      sw[p->sw].name, port_desc(p), p->name,
			      port_desc(first), first->name, cfgwalk_at(w, first->mark.line));
}

/* One run v[i..j) of equal names in the sorted index: the first full-name entry defines it. */
static int check_port_run(struct cfgwalk *w, const struct ent *v, size_t i,
			  size_t j)
{
	const struct nmd_switch *sw = w->cfg->switches;
	const struct nmd_port *first = NULL;
	int r = 0;

	for (size_t k = i; k < j; k++) {
		if (v[k].tag != ENT_PORT)
			continue;
		if (!first)
			first = v[k].obj;
		else
			r = cfgwalk_worse(r, port_clash(w, first, v[k].obj));
	}
	/* An ephemeral port named like an interface of this file. */
	if (!first || first->kind == NMD_PORT_EPHEMERAL)
		return r;
	for (size_t k = i; k < j; k++) {
		const struct nmd_port *p = v[k].obj;

		if (v[k].tag != ENT_EPHEMERAL_BARE)
			continue;
		r = cfgwalk_worse(r, cfgwalk_err_at(w, p->mark,
						    "switch \"%s\": ephemeral port \"%s\" has the name of %s \"%s\" (%s); netmap would attach that interface instead",
						    sw[p->sw].name, p->name,
						    port_desc(first), first->name,
						    cfgwalk_at(w, first->mark.line)));
	}
	return r;
}

/*
 * Every port by its full name (ephemeral ones also by their bare name, since
 * "valeB:NAME" means "attach interface NAME" when NAME is an interface).
 * The sorted index is returned for the later checks.
 */
static int index_ports(struct cfgwalk *w, struct ent **ret, size_t *ret_n)
{
	struct nmd_config *c = w->cfg;
	_cleanup_free_ struct ent *v = NULL;
	size_t n = 0, total = 0, order = 0;
	int r = 0;

	for (size_t i = 0; i < c->n_switches; i++)
		total += 2 * c->switches[i].n_ports;
	v = calloc(total + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_switches; i++) {
		for (size_t j = 0; j < c->switches[i].n_ports; j++) {
			const struct nmd_port *p = &c->switches[i].ports[j];

			if (!p->full[0] || !c->switches[i].name[0])
				continue;
			v[n++] = (struct ent){ .key = p->full, .order = order++,
					       .tag = ENT_PORT, .obj = p };
			if (p->kind == NMD_PORT_EPHEMERAL)
				v[n++] = (struct ent){ .key = p->name,
						       .order = order++,
						       .tag = ENT_EPHEMERAL_BARE,
						       .obj = p };
		}
	}
	qsort(v, n, sizeof(*v), ent_cmp);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && streq(v[j].key, v[i].key); j++)
			;
		r = cfgwalk_worse(r, check_port_run(w, v, i, j));
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return r;
}

static const struct nmd_port *lookup_port(const struct ent *v, size_t n,
					  const char *full)
{
	const struct ent *e = ent_find(v, n, full, ENT_PORT);

	return e ? e->obj : NULL;
}

static int check_memory(struct cfgwalk *w, const struct ent *idx, size_t n)
{
	struct nmd_config *c = w->cfg;
	int r = 0;

	for (size_t i = 0; i < c->n_switches; i++) {
		for (size_t j = 0; j < c->switches[i].n_ports; j++) {
			struct nmd_port *p = &c->switches[i].ports[j];
			const struct nmd_port *t;

			if (!p->memory || !p->full[0] || streq(p->memory, "global"))
				continue;
			t = lookup_port(idx, n, p->memory);
			if (!t)
				r = cfgwalk_worse(r, cfgwalk_err_at(w, p->memory_mark,
								    "switch \"%s\": port \"%s\": memory: \"%s\" is not a port in this file (write \"private\", \"global\" or the name of a VALE port, such as vale0:vm1)",
								    c->switches[i].name, p->name, cfgwalk_q(w, p->memory)));
			else if (t == p)
				r = cfgwalk_worse(r, cfgwalk_err_at(w, p->memory_mark,
								    "switch \"%s\": port \"%s\": memory: a port cannot share its own region; leave memory out",
								    c->switches[i].name, p->name));
			else if (t->kind == NMD_PORT_NIC)
				r = cfgwalk_worse(r, cfgwalk_err_at(w, p->memory_mark,
								    "switch \"%s\": port \"%s\": memory: NIC \"%s\" uses the global region; write memory: global",
								    c->switches[i].name, p->name, t->name));
			else if (t->memory)
				r = cfgwalk_worse(r, cfgwalk_err_at(w, p->memory_mark,
								    "switch \"%s\": port \"%s\": memory: port \"%s\" itself uses the region of \"%s\"; name that one",
								    c->switches[i].name, p->name, t->full, t->memory));
			else
				p->memory_port = t;
		}
	}
	return r;
}

/* Resolve @pi's parent; -EINVAL when it can be no parent at all. */
static int pipe_parent(struct cfgwalk *w, struct nmd_pipe *pi,
		       const struct ent *idx, size_t n)
{
	const char *why;

	pi->parent_port = lookup_port(idx, n, pi->parent);
	if (pi->parent_port)
		return 0;
	if (strchr(pi->parent, ':'))
		return cfgwalk_err_at(w, pi->parent_mark,
				      "pipes: parent \"%s\" is not a port in this file",
				      cfgwalk_q(w, pi->parent));
	why = name_check_persistent(pi->parent);
	if (why)
		return cfgwalk_err_at(w, pi->parent_mark,
				      "pipes: parent name \"%s\" %s",
				      cfgwalk_q(w, pi->parent), why);
	return 0;
}

/* Add @pi's pipes to the index @v (*m entries so far). */
static int index_pipe(struct cfgwalk *w, struct nmd_pipe *pi, struct ent *v,
		      size_t *m)
{
	int r = 0;

	for (size_t j = 0; j < pi->n_ids; j++) {
		if (strlen(pi->parent) + 1 + strlen(pi->ids[j].id) >=
		    NMD_REQ_IFNAMSIZ) {
			r = cfgwalk_worse(r, cfgwalk_err_at(w, pi->ids[j].mark,
							    "pipes of \"%s\": pipe name \"%s{%s\" is longer than 63 characters",
							    cfgwalk_q(w, pi->parent), cfgwalk_q(w, pi->parent),
							    cfgwalk_q(w, pi->ids[j].id)));
			continue;
		}
		v[*m] = (struct ent){ .key = pi->parent, .key2 = pi->ids[j].id,
				      .order = *m, .obj = &pi->ids[j], .obj2 = pi };
		(*m)++;
	}
	return r;
}

/* The pipes of one parent, v[i..j) of the sorted index: ids once, at most 64. */
static int check_pipe_run(struct cfgwalk *w, const struct ent *v, size_t i,
			  size_t j)
{
	int r = 0;

	for (size_t k = i + 1; k < j; k++) {
		const struct nmd_pipe_id *a = v[k - 1].obj, *b = v[k].obj;

		if (streq(a->id, b->id))
			r = cfgwalk_worse(r, cfgwalk_err_at(w, b->mark,
							    "pipes of \"%s\": pipe id \"%s\" is given twice (first at %s)",
							    cfgwalk_q(w, v[i].key), cfgwalk_q(w, b->id),
							    cfgwalk_at(w, a->mark.line)));
	}
	if (j - i > NMD_PIPES_PER_PARENT) {
		const struct nmd_pipe_id *last = v[i + NMD_PIPES_PER_PARENT].obj;

		r = cfgwalk_worse(r, cfgwalk_err_at(w, last->mark,
						    "pipes of \"%s\": %zu pipes, netmap allows at most %d per parent",
						    cfgwalk_q(w, v[i].key), j - i,
						    NMD_PIPES_PER_PARENT));
	}
	return r;
}

/* Pipe parents and ids: every pipe name once, at most 64 per parent. */
static int check_pipes(struct cfgwalk *w, const struct ent *idx, size_t n,
		       struct ent **ret, size_t *ret_n)
{
	struct nmd_config *c = w->cfg;
	_cleanup_free_ struct ent *v = NULL;
	size_t total = 0, m = 0;
	int r = 0, pr;

	for (size_t i = 0; i < c->n_pipes; i++)
		total += c->pipes[i].n_ids;
	v = calloc(total + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_pipes; i++) {
		struct nmd_pipe *pi = &c->pipes[i];

		if (!pi->parent[0])
			continue;
		pr = pipe_parent(w, pi, idx, n);
		r = cfgwalk_worse(r, pr);
		if (pr == 0)
			r = cfgwalk_worse(r, index_pipe(w, pi, v, &m));
	}
	qsort(v, m, sizeof(*v), ent_cmp);
	for (size_t i = 0, j; i < m; i = j) {
		for (j = i + 1; j < m && streq(v[j].key, v[i].key); j++)
			;
		r = cfgwalk_worse(r, check_pipe_run(w, v, i, j));
	}
	*ret = TAKE_PTR(v);
	*ret_n = m;
	return r;
}

/* The pipe @parent{@id in the sorted pipe index, or NULL. */
static const struct ent *find_pipe(const struct ent *pipes, size_t np,
				   const char *parent, const char *id)
{
	size_t lo = 0, hi = np;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(pipes[mid].key, parent);

		if (!cmp)
			cmp = strcmp(pipes[mid].key2, id);
		if (!cmp)
			return &pipes[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Resolve monitor @mo's target: a NIC's host rings, a pipe end or a port. */
static int monitor_target(struct cfgwalk *w, struct nmd_monitor *mo,
			  const struct ent *ports, size_t n,
			  const struct ent *pipes, size_t np)
{
	char name[NMD_REQ_IFNAMSIZ];
	size_t len = strlen(mo->target);
	const struct ent *e;
	char *brace;

	snprintf(name, sizeof(name), "%s", mo->target);
	brace = strrchr(name, '{');
	if (!brace)
		brace = strrchr(name, '}');
	if (len > 0 && name[len - 1] == '^') {
		name[len - 1] = '\0';
		mo->port = lookup_port(ports, n, name);
		mo->host = true;
		if (!mo->port || mo->port->kind != NMD_PORT_NIC || !mo->port->host) {
			mo->port = NULL;
			mo->host = false;
			return cfgwalk_err_at(w, mo->target_mark,
					      "monitor: \"%s\" names host rings, but \"%s\" is not a NIC with host: true in this file",
					      cfgwalk_q(w, mo->target), cfgwalk_q(w, name));
		}
	} else if (brace) {
		mo->pipe_slave = *brace == '}';
		*brace = '\0';
		e = find_pipe(pipes, np, name, brace + 1);
		if (!e)
			return cfgwalk_err_at(w, mo->target_mark,
					      "monitor: pipe \"%s\" is not defined in this file",
					      cfgwalk_q(w, mo->target));
		mo->pipe = e->obj2;
	} else if (!(mo->port = lookup_port(ports, n, name))) {
		return cfgwalk_err_at(w, mo->target_mark,
				      "monitor: port \"%s\" is not defined in this file",
				      cfgwalk_q(w, mo->target));
	}
	return 0;
}

static int check_monitors(struct cfgwalk *w, const struct ent *ports, size_t n,
			  const struct ent *pipes, size_t np)
{
	struct nmd_config *c = w->cfg;
	_cleanup_free_ struct ent *v = NULL;
	size_t m = 0;
	int r = 0, tr;

	v = calloc(c->n_monitors + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_monitors; i++) {
		struct nmd_monitor *mo = &c->monitors[i];

		if (!mo->target[0])
			continue;
		tr = monitor_target(w, mo, ports, n, pipes, np);
		r = cfgwalk_worse(r, tr);
		if (tr == 0)
			v[m++] = (struct ent){ .key = mo->target, .order = i, .obj = mo };
	}
	qsort(v, m, sizeof(*v), ent_cmp);
	for (size_t i = 1; i < m; i++) {
		const struct nmd_monitor *a, *b = v[i].obj;

		/* Equal targets sort together; the same mode twice is a duplicate. */
		for (size_t k = i; k > 0 && streq(v[k - 1].key, b->target); k--) {
			a = v[k - 1].obj;
			if (a->mode == b->mode) {
				r = cfgwalk_worse(r, cfgwalk_err_at(w, b->mark,
								    "monitor of \"%s\" with this mode is defined twice (first at %s)",
								    cfgwalk_q(w, b->target), cfgwalk_at(w, a->mark.line)));
				break;
			}
		}
	}
	return r;
}

int cfgcheck_run(struct cfgwalk *w)
{
	_cleanup_free_ struct ent *ports = NULL;
	_cleanup_free_ struct ent *pipes = NULL;
	size_t n_ports = 0, n_pipes = 0;
	int r, q_r;

	w->ctx[0] = '\0';
	r = check_switches(w);
	if (r == -ENOMEM)
		return r;
	q_r = index_ports(w, &ports, &n_ports);
	if (q_r == -ENOMEM)
		return q_r;
	r = cfgwalk_worse(r, q_r);
	r = cfgwalk_worse(r, check_memory(w, ports, n_ports));
	q_r = check_pipes(w, ports, n_ports, &pipes, &n_pipes);
	if (q_r == -ENOMEM)
		return q_r;
	r = cfgwalk_worse(r, q_r);
	r = cfgwalk_worse(r, check_monitors(w, ports, n_ports, pipes, n_pipes));
	/* Trust domains, on the references resolved above. */
	return cfgwalk_worse(r, regions_check(w->cfg, w->d));
}
