// SPDX-License-Identifier: BSD-2-Clause
/*
 * config - read netmapd.yaml into struct nmd_config (see config.h).
 *
 * Two passes over a bounded YAML tree (yaml_doc.c):
 *
 *  1. the walk: each mapping is checked against a table of its keys
 *     (unknown keys with a did-you-mean, duplicates, required ones), each
 *     value against its type and range, each name against names.h;
 *  2. the cross-checks, on what the walk built: duplicates between objects
 *     (a switch twice, a port twice, a NIC on two switches, a pipe id twice
 *     on one parent), references (memory sharing, pipe parents, monitor
 *     targets), per-switch and per-parent limits. These sort index arrays,
 *     so a large file costs O(n log n), not O(n^2).
 *
 * Both passes keep going after an error, to report as many as the diags
 * bound allows; -ENOMEM stops everything. A value that failed its check
 * leaves the object with an empty name, which the cross-checks skip, so
 * one mistake gives one message.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgkeys.h"
#include "cfgwalk.h"
#include "regions.h"
#include "util.h"
#include "yaml_doc.h"

#define SOCKET_PATH_DEFAULT "/run/netmapd/netmapd.sock"
#define SOCKET_MODE_DEFAULT 0660
#define SOCKET_GROUP_DEFAULT "netmap"

/* ---- cross-checks ---------------------------------------------------------- */

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
					    "switch \"%s\" is defined twice (first at line %u)",
					    b->name, a->mark.line));
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

	/* Runs of one name: the first full-name entry defines it. */
	for (size_t i = 0; i < n;) {
		const struct nmd_port *first = NULL;
		size_t j;

		for (j = i; j < n && streq(v[j].key, v[i].key); j++) {
			const struct nmd_port *p = v[j].obj;

			if (v[j].tag != ENT_PORT)
				continue;
			if (!first) {
				first = p;
			} else if (p->kind == NMD_PORT_NIC &&
				   first->kind == NMD_PORT_NIC &&
				   p->sw != first->sw) {
				r = cfgwalk_worse(r, cfgwalk_err_at(w, p->mark,
						    "switch \"%s\": NIC \"%s\" is already on switch \"%s\" (line %u); a NIC can be on one switch only",
						    c->switches[p->sw].name, p->name,
						    c->switches[first->sw].name,
						    first->mark.line));
			} else if (p->kind == first->kind) {
				r = cfgwalk_worse(r, cfgwalk_err_at(w, p->mark,
						    "switch \"%s\": %s \"%s\" is defined twice (first at line %u)",
						    c->switches[p->sw].name,
						    port_desc(p), p->name,
						    first->mark.line));
			} else {
				r = cfgwalk_worse(r, cfgwalk_err_at(w, p->mark,
						    "switch \"%s\": %s \"%s\" has the name of %s \"%s\" (line %u): they would be the same interface",
						    c->switches[p->sw].name,
						    port_desc(p), p->name,
						    port_desc(first), first->name,
						    first->mark.line));
			}
		}
		/* An ephemeral port named like an interface of this file. */
		if (first && first->kind != NMD_PORT_EPHEMERAL) {
			for (size_t k = i; k < j; k++) {
				const struct nmd_port *p = v[k].obj;

				if (v[k].tag != ENT_EPHEMERAL_BARE)
					continue;
				r = cfgwalk_worse(r, cfgwalk_err_at(w, p->mark,
						    "switch \"%s\": ephemeral port \"%s\" has the name of %s \"%s\" (line %u); netmap would attach that interface instead",
						    c->switches[p->sw].name, p->name,
						    port_desc(first), first->name,
						    first->mark.line));
			}
		}
		i = j;
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

/* Pipe parents and ids: every pipe name once, at most 64 per parent. */
static int check_pipes(struct cfgwalk *w, const struct ent *idx, size_t n,
		       struct ent **ret, size_t *ret_n)
{
	struct nmd_config *c = w->cfg;
	_cleanup_free_ struct ent *v = NULL;
	size_t total = 0, m = 0;
	int r = 0;

	for (size_t i = 0; i < c->n_pipes; i++)
		total += c->pipes[i].n_ids;
	v = calloc(total + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_pipes; i++) {
		struct nmd_pipe *pi = &c->pipes[i];
		const char *why;

		if (!pi->parent[0])
			continue;
		pi->parent_port = lookup_port(idx, n, pi->parent);
		if (!pi->parent_port) {
			if (strchr(pi->parent, ':')) {
				r = cfgwalk_worse(r, cfgwalk_err_at(w, pi->parent_mark,
						    "pipes: parent \"%s\" is not a port in this file",
						    cfgwalk_q(w, pi->parent)));
				continue;
			}
			why = name_check_persistent(pi->parent);
			if (why) {
				r = cfgwalk_worse(r, cfgwalk_err_at(w, pi->parent_mark,
						    "pipes: parent name \"%s\" %s",
						    cfgwalk_q(w, pi->parent), why));
				continue;
			}
		}
		for (size_t j = 0; j < pi->n_ids; j++) {
			if (strlen(pi->parent) + 1 + strlen(pi->ids[j].id) >=
			    NMD_REQ_IFNAMSIZ) {
				r = cfgwalk_worse(r, cfgwalk_err_at(w, pi->ids[j].mark,
						    "pipes of \"%s\": pipe name \"%s{%s\" is longer than 63 characters",
						    cfgwalk_q(w, pi->parent), cfgwalk_q(w, pi->parent),
						    cfgwalk_q(w, pi->ids[j].id)));
				continue;
			}
			v[m] = (struct ent){ .key = pi->parent,
					     .key2 = pi->ids[j].id, .order = m,
					     .obj = &pi->ids[j], .obj2 = pi };
			m++;
		}
	}
	qsort(v, m, sizeof(*v), ent_cmp);
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;

		for (; j < m && streq(v[j].key, v[i].key); j++) {
			const struct nmd_pipe_id *a = v[j - 1].obj, *b = v[j].obj;

			if (streq(a->id, b->id))
				r = cfgwalk_worse(r, cfgwalk_err_at(w, b->mark,
						    "pipes of \"%s\": pipe id \"%s\" is given twice (first at line %u)",
						    cfgwalk_q(w, v[i].key), cfgwalk_q(w, b->id),
						    a->mark.line));
		}
		if (j - i > NMD_PIPES_PER_PARENT) {
			const struct nmd_pipe_id *last = v[i + NMD_PIPES_PER_PARENT].obj;

			r = cfgwalk_worse(r, cfgwalk_err_at(w, last->mark,
					    "pipes of \"%s\": %zu pipes, netmap allows at most %d per parent",
					    cfgwalk_q(w, v[i].key), j - i,
					    NMD_PIPES_PER_PARENT));
		}
		i = j;
	}
	*ret = TAKE_PTR(v);
	*ret_n = m;
	return r;
}

static int check_monitors(struct cfgwalk *w, const struct ent *ports, size_t n,
			  const struct ent *pipes, size_t np)
{
	struct nmd_config *c = w->cfg;
	_cleanup_free_ struct ent *v = NULL;
	size_t m = 0;
	int r = 0;

	v = calloc(c->n_monitors + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_monitors; i++) {
		struct nmd_monitor *mo = &c->monitors[i];
		char name[NMD_REQ_IFNAMSIZ];
		size_t len = strlen(mo->target);
		const char *brace;

		if (!mo->target[0])
			continue;
		snprintf(name, sizeof(name), "%s", mo->target);
		brace = strrchr(name, '{');
		if (!brace)
			brace = strrchr(name, '}');
		if (len > 0 && name[len - 1] == '^') {
			const struct nmd_port *p;

			name[len - 1] = '\0';
			p = lookup_port(ports, n, name);
			if (!p || p->kind != NMD_PORT_NIC || !p->host) {
				r = cfgwalk_worse(r, cfgwalk_err_at(w, mo->target_mark,
						    "monitor: \"%s\" names host rings, but \"%s\" is not a NIC with host: true in this file",
						    cfgwalk_q(w, mo->target), cfgwalk_q(w, name)));
				continue;
			}
			mo->port = p;
			mo->host = true;
		} else if (brace) {
			struct ent key = { 0 };
			bool found = false, slave = *brace == '}';
			size_t lo = 0, hi = np;

			name[brace - name] = '\0';
			key.key = name;
			key.key2 = brace + 1;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				int cmp = strcmp(pipes[mid].key, key.key);

				if (!cmp)
					cmp = strcmp(pipes[mid].key2, key.key2);
				if (!cmp) {
					found = true;
					mo->pipe = pipes[mid].obj2;
					mo->pipe_slave = slave;
					break;
				}
				if (cmp < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (!found) {
				r = cfgwalk_worse(r, cfgwalk_err_at(w, mo->target_mark,
						    "monitor: pipe \"%s\" is not defined in this file",
						    cfgwalk_q(w, mo->target)));
				continue;
			}
		} else if (!(mo->port = lookup_port(ports, n, name))) {
			r = cfgwalk_worse(r, cfgwalk_err_at(w, mo->target_mark,
					    "monitor: port \"%s\" is not defined in this file",
					    cfgwalk_q(w, mo->target)));
			continue;
		}
		v[m++] = (struct ent){ .key = mo->target, .order = i, .obj = mo };
	}
	qsort(v, m, sizeof(*v), ent_cmp);
	for (size_t i = 1; i < m; i++) {
		const struct nmd_monitor *a = v[i - 1].obj, *b = v[i].obj;

		/* Equal targets sort together; any overlap of modes is a duplicate. */
		for (size_t k = i; k > 0 && streq(v[k - 1].key, b->target); k--) {
			a = v[k - 1].obj;
			if (a->mode == b->mode) {
				r = cfgwalk_worse(r, cfgwalk_err_at(w, b->mark,
						    "monitor of \"%s\" with this mode is defined twice (first at line %u)",
						    cfgwalk_q(w, b->target), a->mark.line));
				break;
			}
		}
	}
	return r;
}

static int cross_check(struct cfgwalk *w)
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

/* ---- entry points ---------------------------------------------------------- */

static int config_defaults(struct nmd_config *c, const char *name)
{
	c->file = strdup(name);
	c->module.load = strdup("netmap");
	c->socket.path = strdup(SOCKET_PATH_DEFAULT);
	c->socket.mode = SOCKET_MODE_DEFAULT;
	c->socket.group.name = strdup(SOCKET_GROUP_DEFAULT);
	c->nic_defaults = (struct nmd_nic_prep){
		.offloads = NMD_OFFLOADS_OFF,
		.promiscuous = true,
		.flow_control = NMD_FLOW_CONTROL_KEEP,
		.force = false,
	};
	c->handles = (struct nmd_handle_limits){
		.per_uid = NMD_HANDLES_PER_UID_DEFAULT,
		.total = NMD_HANDLES_TOTAL_DEFAULT,
		.pidfds_per_uid = NMD_PIDFDS_PER_UID_DEFAULT,
		.pidfds_total = NMD_PIDFDS_TOTAL_DEFAULT,
	};
	if (!c->file || !c->module.load || !c->socket.path ||
	    !c->socket.group.name)
		return -ENOMEM;
	return 0;
}

static void config_freep(struct nmd_config **c)
{
	config_free(*c);
}

int config_load_buffer(const char *name, const void *buf, size_t len,
		       struct nmd_config **ret, struct diags *d)
{
	_cleanup_(config_freep) struct nmd_config *c = NULL;
	struct yaml_doc_node *root = NULL;
	struct cfgwalk w = { .d = d };
	int r;

	*ret = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = config_defaults(c, name);
	if (r < 0)
		return r;
	w.cfg = c;

	r = yaml_doc_parse(buf, len, NULL, d, &root);
	if (r < 0)
		return r;
	if (!root) {
		r = diag_add(d, 0, 0, "the file is empty; it needs at least \"version: %d\"",
			     CONFIG_VERSION);
		goto out;
	}
	r = cfgkeys_walk(&w, root);
	if (r != -ENOMEM)
		r = cfgwalk_worse(r, cross_check(&w));
out:
	yaml_doc_free(root);
	if (r < 0)
		return r;
	if (d->n > 0) /* defensive: every reported error must fail the load */
		return -EINVAL;
	*ret = TAKE_PTR(c);
	return 0;
}

int config_load(const char *path, struct nmd_config **ret, struct diags *d)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char why[160];
	int r;

	*ret = NULL;
	/* Regular files only: a FIFO would hang the start, or the event loop on a reload. */
	r = read_regular_file(path, yaml_doc_default_limits.max_input, &buf, &len, why, sizeof(why));
	if (r < 0) {
		diag_add(d, 0, 0, "%s", why);
		return r;
	}
	/* One byte over the limit: config_load_buffer() says it is too large. */
	return config_load_buffer(path, buf, len, ret, d);
}

void config_free(struct nmd_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_switches; i++) {
		struct nmd_switch *sw = &c->switches[i];

		for (size_t j = 0; j < sw->n_ports; j++) {
			free(sw->ports[j].memory);
			cfgkeys_access_clear(&sw->ports[j].access);
		}
		free(sw->ports);
	}
	free(c->switches);
	for (size_t i = 0; i < c->n_pipes; i++)
		cfgkeys_pipe_clear(&c->pipes[i]);
	free(c->pipes);
	for (size_t i = 0; i < c->n_monitors; i++)
		cfgkeys_access_clear(&c->monitors[i].access);
	free(c->monitors);
	for (size_t i = 0; i < c->n_regions; i++)
		cfgkeys_access_clear(&c->regions[i].shared_by);
	free(c->regions);
	cfgkeys_access_clear(&c->admin);
	cfgkeys_principal_clear(&c->socket.group);
	free(c->socket.path);
	free(c->module.load);
	free(c->file);
	free(c);
}

int64_t config_param(const struct nmd_config *c, enum modparam_id id)
{
	return c->module.params[id].set ? c->module.params[id].value :
					  modparams[id].def;
}

const struct nmd_port *config_find_port(const struct nmd_config *c,
					const char *full)
{
	for (size_t i = 0; i < c->n_switches; i++)
		for (size_t j = 0; j < c->switches[i].n_ports; j++)
			if (streq(c->switches[i].ports[j].full, full))
				return &c->switches[i].ports[j];
	return NULL;
}

int config_check_host(const struct nmd_config *c, int (*probe)(void *ctx, const char *ifname),
		      void *ctx, struct diags *d)
{
	int r = 0, e;

	for (size_t i = 0; i < c->n_switches; i++) {
		for (size_t j = 0; j < c->switches[i].n_ports; j++) {
			const struct nmd_port *p = &c->switches[i].ports[j];

			if (p->kind == NMD_PORT_NIC)
				continue;
			e = probe(ctx, p->name);
			if (e < 0)
				return e;
			if (e == CONFIG_IF_HOST || (e && p->kind == NMD_PORT_EPHEMERAL))
				r = diag_add(d, p->mark.line, p->mark.column,
					     "switch \"%s\": %s port \"%s\" is the name of a network interface of this host%s",
					     c->switches[i].name, nmd_port_kind_name(p->kind), p->name,
					     p->kind == NMD_PORT_EPHEMERAL
						     ? ": netmap would refuse to create it (attach the interface as nic:, or rename the port)"
						     : ": netmap cannot create it (rename the port)");
		}
	}
	for (size_t i = 0; i < c->n_pipes; i++) {
		const struct nmd_pipe *pi = &c->pipes[i];

		if (pi->parent_port || !pi->parent[0] || strchr(pi->parent, ':'))
			continue;
		e = probe(ctx, pi->parent);
		if (e < 0)
			return e;
		if (e)
			r = diag_add(d, pi->parent_mark.line, pi->parent_mark.column,
				     "pipes: parent \"%s\" is not a port of the file but a network interface of this host: its pipes would share that interface's memory",
				     pi->parent);
	}
	return r;
}

const char *nmd_port_kind_name(enum nmd_port_kind k)
{
	switch (k) {
	case NMD_PORT_EPHEMERAL:
		return "ephemeral";
	case NMD_PORT_PERSISTENT:
		return "persistent";
	case NMD_PORT_NIC:
		return "nic";
	}
	return "?";
}
