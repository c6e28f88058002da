// SPDX-License-Identifier: BSD-2-Clause
/*
 * cfgtopo - the topology's lists in netmapd.yaml: switches and their ports
 * (with count: expanded), pipes, monitors and regions, each entry walked
 * against its table of keys (cfgwalk.h). Each object joins the config even
 * when its entry had an error, for config_free(); an object whose name
 * failed its check keeps an empty name, which the cross-checks (cfgcheck.c)
 * skip, so one mistake gives one message.
 */
#include "cfgtopo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgkeys.h"
#include "names.h"

/* ---- ring and slot counts (VALE ports, pipes) ---------------------------- */

/* A number and the key that gave it (NULL: not given). */
struct given_u32 {
	const struct yaml_doc_node *key;
	uint32_t v;
};

static int parse_given_u32(struct cfgwalk *w, const struct cfgwalk_key *k,
			   const struct yaml_doc_node *key,
			   const struct yaml_doc_node *v, void *field)
{
	struct given_u32 *g = field;
	int r = cfgwalk_u32(w, key, v, (uint32_t)k->min, (uint32_t)k->max, &g->v);

	if (r == 0)
		g->key = key;
	return r;
}

struct sizes {
	struct given_u32 rings, tx_rings, rx_rings;
	struct given_u32 slots, tx_slots, rx_slots;
};

/* The ring and slot keys of a struct sizes at @base in @type. */
#define SIZE_KEY(type, base, field, flags, max)                                \
	CFGWALK_KEY_RANGE(#field, parse_given_u32, type, base.field, flags, 1, max)
#define SIZE_KEYS(type, base, flags, max_rings)                                \
	SIZE_KEY(type, base, rings, flags, max_rings),                         \
	SIZE_KEY(type, base, tx_rings, flags, max_rings),                      \
	SIZE_KEY(type, base, rx_rings, flags, max_rings),                      \
	SIZE_KEY(type, base, slots, flags, NMD_MAX_SLOTS),                     \
	SIZE_KEY(type, base, tx_slots, flags, NMD_MAX_SLOTS),                  \
	SIZE_KEY(type, base, rx_slots, flags, NMD_MAX_SLOTS)

static uint32_t size_or(const struct given_u32 *one, const struct given_u32 *both,
			uint32_t def)
{
	return one->key ? one->v : both->key ? both->v : def;
}

/* Combine "rings" with "tx_rings"/"rx_rings" (and slots): one or the other. */
static int sizes_resolve(struct cfgwalk *w, const struct sizes *s,
			 uint32_t def_rings, uint32_t def_slots,
			 uint32_t *tx_rings, uint32_t *rx_rings,
			 uint32_t *tx_slots, uint32_t *rx_slots)
{
	int r = 0;

	if (s->rings.key && (s->tx_rings.key || s->rx_rings.key))
		r = cfgwalk_worse(r, cfgwalk_err(w, s->tx_rings.key ? s->tx_rings.key : s->rx_rings.key,
						 "give either rings or tx_rings/rx_rings, not both"));
	if (s->slots.key && (s->tx_slots.key || s->rx_slots.key))
		r = cfgwalk_worse(r, cfgwalk_err(w, s->tx_slots.key ? s->tx_slots.key : s->rx_slots.key,
						 "give either slots or tx_slots/rx_slots, not both"));
	*tx_rings = size_or(&s->tx_rings, &s->rings, def_rings);
	*rx_rings = size_or(&s->rx_rings, &s->rings, def_rings);
	*tx_slots = size_or(&s->tx_slots, &s->slots, def_slots);
	*rx_slots = size_or(&s->rx_slots, &s->slots, def_slots);
	return r;
}

/* ---- switches and their ports ------------------------------------------- */

/* What a port entry's parsers fill in; the port joins its switch after. */
struct port_parse {
	struct sizes sizes;
	struct nmd_port port;
	struct cfgkeys_prep prep;
	struct given_u32 count;	/* "count": N copies NAME0..NAME(N-1) */
};

/* The port's name, after its kind's key (ephemeral:, persistent:, nic:). */
static int parse_port_name(struct cfgwalk *w, const struct cfgwalk_key *k,
			   const struct yaml_doc_node *key,
			   const struct yaml_doc_node *v, void *field)
{
	struct nmd_port *p = field;
	const struct nmd_switch *sw = &w->cfg->switches[p->sw];
	const char *s, *why = NULL, *what = "port name";
	int r;

	(void)k;
	r = cfgwalk_want_scalar(w, key, v, "a name");
	if (r < 0)
		return r;
	s = v->value;
	switch (p->kind) {
	case NMD_PORT_EPHEMERAL:
		why = name_check_vale_port(s);
		break;
	case NMD_PORT_PERSISTENT:
		why = name_check_persistent(s);
		what = "persistent port name";
		break;
	case NMD_PORT_NIC:
		why = name_check_netdev(s);
		what = "NIC name";
		break;
	}
	if (why)
		return cfgwalk_err_outer(w, v, "%s \"%s\" %s", what, cfgwalk_q(w, s), why);
	snprintf(p->name, sizeof(p->name), "%s", s);
	if (p->kind == NMD_PORT_EPHEMERAL)
		snprintf(p->full, sizeof(p->full), "%s:%s", sw->name, s);
	else
		snprintf(p->full, sizeof(p->full), "%s", s);
	p->mark = cfgwalk_mark(v);
	return 0;
}

static int parse_port_memory(struct cfgwalk *w, const struct cfgwalk_key *k,
			     const struct yaml_doc_node *key,
			     const struct yaml_doc_node *v, void *field)
{
	struct nmd_port *p = field;
	const char *s;
	int r;

	(void)k;
	r = cfgwalk_string(w, key, v, &s);
	if (r < 0)
		return r;
	p->memory_mark = cfgwalk_mark(v);
	if (streq(s, "private"))
		return 0;
	p->memory = strdup(s);
	return p->memory ? 0 : -ENOMEM;
}

/* "cpus: 2" (one CPU) or "cpus: 2-5" (a range), into a struct nmd_polling. */
static int parse_polling_cpus(struct cfgwalk *w, const struct cfgwalk_key *k,
			      const struct yaml_doc_node *key,
			      const struct yaml_doc_node *v, void *field)
{
	struct nmd_polling *pl = field;
	unsigned long a, b;
	const char *dash;
	char *end;
	int r;

	(void)k;
	r = cfgwalk_want_scalar(w, key, v, "a CPU number or a range such as 2-5");
	if (r < 0)
		return r;
	dash = strchr(v->value, '-');
	if (!dash) {
		pl->ncpus = 1;
		return cfgwalk_u32(w, key, v, 0, NMD_MAX_CPU, &pl->first_cpu);
	}
	if (v->value[0] < '0' || v->value[0] > '9' || dash[1] < '0' ||
	    dash[1] > '9')
		goto bad;
	a = strtoul(v->value, &end, 10);
	if (end != dash)
		goto bad;
	b = strtoul(dash + 1, &end, 10);
	if (*end)
		goto bad;
	if (a > NMD_MAX_CPU || b > NMD_MAX_CPU)
		return cfgwalk_err(w, v, "cpus: \"%s\" goes past CPU %d",
				   cfgwalk_q(w, v->value), NMD_MAX_CPU);
	if (a > b)
		return cfgwalk_err(w, v, "cpus: \"%s\" is an empty range (first > last)",
				   cfgwalk_q(w, v->value));
	pl->first_cpu = (uint32_t)a;
	pl->ncpus = (uint32_t)(b - a + 1);
	return 0;
bad:
	return cfgwalk_err(w, v, "cpus: expected a CPU number or a range such as 2-5, got \"%s\"",
			   cfgwalk_q(w, v->value));
}

struct polling_parse {
	int mode;
	struct nmd_polling pl;
};

static const char *const polling_mode_names[] = { "single", "multi" };
static const int polling_mode_values[] = { NMD_POLLING_SINGLE, NMD_POLLING_MULTI };
static const struct cfgwalk_words polling_mode_words = {
	polling_mode_names, polling_mode_values, ELEMENTSOF(polling_mode_names)
};

static const struct cfgwalk_key polling_keys[] = {
	CFGWALK_KEY_ARG("mode", cfgwalk_parse_word, struct polling_parse, mode,
			CFGWALK_REQUIRED, &polling_mode_words),
	CFGWALK_KEY("cpus", parse_polling_cpus, struct polling_parse, pl,
		    CFGWALK_REQUIRED),
};

static int parse_port_polling(struct cfgwalk *w, const struct cfgwalk_key *k,
			      const struct yaml_doc_node *key,
			      const struct yaml_doc_node *v, void *field)
{
	struct polling_parse pp = { .pl.mark = cfgwalk_mark(v) };
	int r;

	(void)k;
	(void)key;
	r = cfgwalk_map(w, v, "polling", polling_keys, ELEMENTSOF(polling_keys),
			&pp, 0);
	if (r < 0)
		return r;
	pp.pl.mode = (enum nmd_polling_mode)pp.mode;
	if (pp.pl.mode == NMD_POLLING_SINGLE && pp.pl.ncpus != 1)
		return cfgwalk_err(w, cfgwalk_map_get(v, "cpus"),
				   "polling: mode single runs one thread on one CPU: give one CPU (cpus: %u)",
				   pp.pl.first_cpu);
	*(struct nmd_polling *)field = pp.pl;
	return 0;
}

#define PORT_KEY(name_, parse_, field_, flags_)                                \
	CFGWALK_KEY(name_, parse_, struct port_parse, port.field_, flags_)

/* Most ports a count: may make: a switch has at most NMD_SWITCH_MAX_PORTS. */
static const struct cfgwalk_key port_keys[] = {
	CFGWALK_KEY_RANGE("count", parse_given_u32, struct port_parse, count,
			  CFGWALK_VALE, 1, NMD_SWITCH_MAX_PORTS),
	CFGWALK_KEY("ephemeral", parse_port_name, struct port_parse, port, CFGWALK_EPHEMERAL),
	CFGWALK_KEY("persistent", parse_port_name, struct port_parse, port, CFGWALK_PERSISTENT),
	CFGWALK_KEY("nic", parse_port_name, struct port_parse, port, CFGWALK_NIC),
	SIZE_KEYS(struct port_parse, sizes, CFGWALK_VALE, NMD_VALE_MAX_RINGS),
	CFGWALK_KEY("memory", parse_port_memory, struct port_parse, port, CFGWALK_VALE),
	PORT_KEY("access", cfgkeys_parse_access, access, CFGWALK_ANY_KIND),
	PORT_KEY("host", cfgwalk_parse_bool, host, CFGWALK_NIC),
	CFGKEYS_PREP_KEYS(struct port_parse, prep, CFGWALK_NIC),
	PORT_KEY("polling", parse_port_polling, polling, CFGWALK_NIC),
};

static int principals_copy(struct nmd_principal **dst, size_t *n_dst,
			   const struct nmd_principal *src, size_t n)
{
	*n_dst = 0;
	*dst = n ? calloc(n, sizeof(**dst)) : NULL;
	if (n && !*dst)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		(*dst)[i] = src[i];
		(*dst)[i].name = strdup(src[i].name);
		if (!(*dst)[i].name)
			return -ENOMEM;
		(*n_dst)++;
	}
	return 0;
}

/* @p becomes a copy of @o, with copies of its memory name and access lists. */
static int port_copy(struct nmd_port *p, const struct nmd_port *o)
{
	*p = *o;
	p->memory = NULL;
	p->access = (struct nmd_access){ .set = o->access.set };
	if ((o->memory && !(p->memory = strdup(o->memory))) ||
	    principals_copy(&p->access.users, &p->access.n_users, o->access.users,
			    o->access.n_users) < 0 ||
	    principals_copy(&p->access.groups, &p->access.n_groups,
			    o->access.groups, o->access.n_groups) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * "count: N" of the port just parsed (the last of @sw): it becomes NAME0,
 * and N-1 copies NAME1.. follow it, with the same settings. A name that
 * then does not fit is an error at @key.
 */
static int expand_count(struct cfgwalk *w, struct nmd_switch *sw, uint32_t n,
			const struct yaml_doc_node *key)
{
	size_t first = sw->n_ports - 1;
	char base[NMD_IFNAMSIZ];

	snprintf(base, sizeof(base), "%s", sw->ports[first].name);
	for (uint32_t i = 0; i < n; i++) {
		struct nmd_port *p;
		char name[NMD_IFNAMSIZ + 16];
		const char *why;

		snprintf(name, sizeof(name), "%s%u", base, i);
		why = strlen(name) >= NMD_IFNAMSIZ ? "is too long" :
		      sw->ports[first].kind == NMD_PORT_PERSISTENT ? name_check_persistent(name) :
								       name_check_vale_port(name);
		if (why)
			return cfgwalk_err(w, key, "count: port name \"%s\" %s",
					   cfgwalk_q(w, name), why);
		p = &sw->ports[first];
		if (i > 0) {
			p = array_push(&sw->ports, &sw->n_ports, &sw->cap_ports, sizeof(*sw->ports));
			if (!p || port_copy(p, &sw->ports[first]) < 0)
				return -ENOMEM;
		}
		memcpy(p->name, name, strlen(name) + 1);	/* fits: checked above */
		if (p->kind == NMD_PORT_EPHEMERAL)
			snprintf(p->full, sizeof(p->full), "%s:%s", sw->name, p->name);
		else
			snprintf(p->full, sizeof(p->full), "%s", p->name);
	}
	return 0;
}

/* The kind of port @entry is (its kind's key and value in *ret), or -EINVAL. */
static int port_kind(struct cfgwalk *w, const struct yaml_doc_node *entry,
		     size_t index, const struct yaml_doc_node **ret)
{
	static const char *const kinds[] = { "ephemeral", "persistent", "nic" };
	int kind = -1;

	if (entry->type != YAML_DOC_MAPPING)
		return cfgwalk_err(w, entry, "port #%zu: expected a mapping such as {ephemeral: NAME}, got %s",
				   index + 1, cfgwalk_got(entry));
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		const struct yaml_doc_node *v = cfgwalk_map_get(entry, kinds[i]);

		if (!v)
			continue;
		if (kind >= 0)
			return cfgwalk_err(w, entry, "port #%zu has both \"%s\" and \"%s\": give one kind per entry",
					   index + 1, kinds[kind], kinds[i]);
		kind = (int)i;
		*ret = v;
	}
	if (kind < 0)
		return cfgwalk_err(w, entry, "port #%zu: missing its kind: ephemeral, persistent or nic",
				   index + 1);
	return kind;
}

/* The walk of port @entry (of kind @kind, named by @kind_val) into @pp. */
static int port_walk(struct cfgwalk *w, const struct yaml_doc_node *entry,
		     size_t index, int kind, const struct yaml_doc_node *kind_val,
		     struct port_parse *pp)
{
	struct nmd_port *p = &pp->port;
	struct cfgwalk_ctx saved;
	int r;

	if (kind_val->type == YAML_DOC_SCALAR)
		cfgwalk_push(w, &saved, "port \"%s\": ", cfgwalk_q(w, kind_val->value));
	else
		cfgwalk_push(w, &saved, "port #%zu: ", index + 1);
	r = cfgwalk_map(w, entry, NULL, port_keys, ELEMENTSOF(port_keys), pp,
			1u << (kind + 1));
	if (p->kind != NMD_PORT_NIC)
		r = cfgwalk_worse(r, sizes_resolve(w, &pp->sizes, NMD_VALE_DEFAULT_RINGS,
						   NMD_VALE_DEFAULT_SLOTS, &p->tx_rings,
						   &p->rx_rings, &p->tx_slots,
						   &p->rx_slots));
	cfgwalk_restore(w, &saved);
	return r;
}

static int parse_port(struct cfgwalk *w, size_t sw_idx,
		      const struct yaml_doc_node *entry, size_t index)
{
	struct nmd_switch *sw = &w->cfg->switches[sw_idx];
	struct port_parse pp = { .prep = CFGKEYS_PREP_UNSET };
	const struct yaml_doc_node *kind_val = NULL;
	struct nmd_port *p;
	int kind, r;

	kind = port_kind(w, entry, index, &kind_val);
	if (kind < 0)
		return kind;
	pp.port.kind = (enum nmd_port_kind)kind;
	pp.port.sw = sw_idx;
	pp.port.mark = cfgwalk_mark(kind_val);
	r = port_walk(w, entry, index, kind, kind_val, &pp);
	/* The port joins its switch even after an error: config_free() frees it. */
	p = array_push(&sw->ports, &sw->n_ports, &sw->cap_ports, sizeof(*sw->ports));
	if (!p) {
		free(pp.port.memory);
		cfgkeys_access_clear(&pp.port.access);
		return -ENOMEM;
	}
	*p = pp.port;
	if (r == -ENOMEM)
		return r;
	if (r == 0 && pp.count.key)
		return expand_count(w, sw, pp.count.v, pp.count.key);
	if (p->kind == NMD_PORT_NIC)
		r = cfgwalk_worse(r, cfgkeys_nic_wait(w, sw_idx, &pp.prep));
	return r;
}

static int parse_switch_name(struct cfgwalk *w, const struct cfgwalk_key *k,
			     const struct yaml_doc_node *key,
			     const struct yaml_doc_node *v, void *field)
{
	struct nmd_switch *sw = field;
	const char *why;
	int r;

	(void)k;
	r = cfgwalk_want_scalar(w, key, v, "a name such as vale0");
	if (r < 0)
		return r;
	why = name_check_switch(v->value);
	if (why)
		return cfgwalk_err_outer(w, v, "switch name \"%s\" %s",
					 cfgwalk_q(w, v->value), why);
	snprintf(sw->name, sizeof(sw->name), "%s", v->value);
	sw->mark = cfgwalk_mark(v);
	return 0;
}

/* Ports are walked after the name (parse_switch), whatever the key order. */
static int parse_switch_ports(struct cfgwalk *w, const struct cfgwalk_key *k,
			      const struct yaml_doc_node *key,
			      const struct yaml_doc_node *v, void *field)
{
	(void)k;
	(void)field;
	return cfgwalk_want_sequence(w, key, v);
}

static const struct cfgwalk_key switch_keys[] = {
	CFGWALK_KEY_OBJ("name", parse_switch_name, CFGWALK_REQUIRED),
	CFGWALK_KEY_OBJ("ports", parse_switch_ports, 0),
};

static int parse_switch(struct cfgwalk *w, const struct yaml_doc_node *entry,
			size_t index)
{
	struct nmd_config *c = w->cfg;
	const struct yaml_doc_node *name = cfgwalk_map_get(entry, "name");
	const struct yaml_doc_node *ports = cfgwalk_map_get(entry, "ports");
	struct cfgwalk_ctx saved;
	struct nmd_switch *sw;
	size_t sw_idx;
	int r;

	sw = array_push(&c->switches, &c->n_switches, &c->cap_switches,
			sizeof(*c->switches));
	if (!sw)
		return -ENOMEM;
	sw_idx = c->n_switches - 1;
	sw->mark = cfgwalk_mark(entry);
	if (name && name->type == YAML_DOC_SCALAR)
		cfgwalk_push(w, &saved, "switch \"%s\": ", cfgwalk_q(w, name->value));
	else
		cfgwalk_push(w, &saved, "switch #%zu: ", index + 1);
	r = cfgwalk_map(w, entry, NULL, switch_keys, ELEMENTSOF(switch_keys), sw, 0);
	if (r != -ENOMEM && ports && ports->type == YAML_DOC_SEQUENCE) {
		for (size_t i = 0; i < ports->n && !diags_stop(w->d); i++) {
			r = cfgwalk_worse(r, parse_port(w, sw_idx, ports->items[i], i));
			if (r == -ENOMEM)
				break;
		}
	}
	cfgwalk_restore(w, &saved);
	return r;
}

/* ---- pipes --------------------------------------------------------------- */

/*
 * A string naming a port as the kernel knows it (@what: the key, for the
 * message), copied into @dst (NMD_REQ_IFNAMSIZ bytes) with its position.
 * Only the length is checked here: what kind of name it is, is known in
 * the cross-checks.
 */
static int get_req_name(struct cfgwalk *w, const struct yaml_doc_node *key,
			const struct yaml_doc_node *v, const char *what,
			char dst[NMD_REQ_IFNAMSIZ], struct nmd_mark *mark)
{
	const char *s;
	int r;

	r = cfgwalk_string(w, key, v, &s);
	if (r < 0)
		return r;
	if (v->len >= NMD_REQ_IFNAMSIZ)
		return cfgwalk_err(w, v, "%s: \"%s\" is longer than %d characters",
				   what, cfgwalk_q(w, s), NMD_REQ_IFNAMSIZ - 1);
	snprintf(dst, NMD_REQ_IFNAMSIZ, "%s", s);
	*mark = cfgwalk_mark(v);
	return 0;
}

/* What a pipes entry's parsers fill in; the pipe joins the config after. */
struct pipe_parse {
	struct sizes sizes;
	struct nmd_pipe pipe;
	const struct yaml_doc_node *ids, *count;
};

static int parse_pipe_parent(struct cfgwalk *w, const struct cfgwalk_key *k,
			     const struct yaml_doc_node *key,
			     const struct yaml_doc_node *v, void *field)
{
	struct nmd_pipe *pi = field;

	(void)k;
	return get_req_name(w, key, v, "parent", pi->parent, &pi->parent_mark);
}

static int pipe_add_id(struct nmd_pipe *pi, const char *s, struct nmd_mark mark)
{
	struct nmd_pipe_id *id;

	id = array_push(&pi->ids, &pi->n_ids, &pi->cap_ids, sizeof(*pi->ids));
	if (!id)
		return -ENOMEM;
	id->id = strdup(s);
	if (!id->id)
		return -ENOMEM;
	id->mark = mark;
	return 0;
}

static int parse_pipe_ids(struct cfgwalk *w, const struct cfgwalk_key *k,
			  const struct yaml_doc_node *key,
			  const struct yaml_doc_node *v, void *field)
{
	struct pipe_parse *pp = field;
	int r = 0;

	(void)k;
	pp->ids = key;
	if (v->type != YAML_DOC_SEQUENCE)
		return cfgwalk_err(w, v, "ids: expected a list of pipe ids such as [1, 2], got %s",
				   cfgwalk_got(v));
	if (v->n == 0)
		return cfgwalk_err(w, v, "ids: the list is empty");
	for (size_t i = 0; i < v->n; i++) {
		const struct yaml_doc_node *it = v->items[i];
		const char *why;

		if (it->type != YAML_DOC_SCALAR) {
			r = cfgwalk_worse(r, cfgwalk_err(w, it, "ids: expected a pipe id, got %s",
							 cfgwalk_got(it)));
			continue;
		}
		why = name_check_pipe_id(it->value);
		if (why) {
			r = cfgwalk_worse(r, cfgwalk_err(w, it, "pipe id \"%s\" %s",
							 cfgwalk_q(w, it->value), why));
			continue;
		}
		if (pipe_add_id(&pp->pipe, it->value, cfgwalk_mark(it)) < 0)
			return -ENOMEM;
	}
	return r;
}

/* count: N is ids 0..N-1. */
static int parse_pipe_count(struct cfgwalk *w, const struct cfgwalk_key *k,
			    const struct yaml_doc_node *key,
			    const struct yaml_doc_node *v, void *field)
{
	struct pipe_parse *pp = field;
	uint32_t n = 0;
	int r;

	pp->count = key;
	r = cfgwalk_u32(w, key, v, (uint32_t)k->min, (uint32_t)k->max, &n);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%u", i);
		if (pipe_add_id(&pp->pipe, buf, cfgwalk_mark(v)) < 0)
			return -ENOMEM;
	}
	return 0;
}

static const struct cfgwalk_key pipe_keys[] = {
	CFGWALK_KEY("parent", parse_pipe_parent, struct pipe_parse, pipe, CFGWALK_REQUIRED),
	CFGWALK_KEY_OBJ("ids", parse_pipe_ids, 0),
	{ .name = "count", .parse = parse_pipe_count, .min = 1,
	  .max = NMD_PIPES_PER_PARENT },
	SIZE_KEYS(struct pipe_parse, sizes, 0, NMD_PIPE_MAX_RINGS),
	CFGWALK_KEY("access", cfgkeys_parse_access, struct pipe_parse, pipe.access, 0),
};

/* What the walk of a pipes entry cannot check key by key. */
static int pipe_finish(struct cfgwalk *w, const struct yaml_doc_node *entry,
		       struct pipe_parse *pp)
{
	struct nmd_pipe *pi = &pp->pipe;
	int r = 0;

	if (pp->ids && pp->count) {
		r = cfgwalk_err(w, pp->count, "give either ids or count, not both");
		pi->parent[0] = '\0'; /* skipped by the cross-checks */
	} else if (!pp->ids && !pp->count) {
		r = cfgwalk_err(w, entry, "missing key \"ids\" (a list of pipe ids) or \"count\"");
	}
	/* Slots 0: the parent's, known in capacity.c. */
	return cfgwalk_worse(r, sizes_resolve(w, &pp->sizes, 1, 0,
					      &pi->tx_rings, &pi->rx_rings,
					      &pi->tx_slots, &pi->rx_slots));
}

static int parse_pipe(struct cfgwalk *w, const struct yaml_doc_node *entry,
		      size_t index)
{
	struct nmd_config *c = w->cfg;
	const struct yaml_doc_node *parent = cfgwalk_map_get(entry, "parent");
	struct pipe_parse pp = { .pipe.mark = cfgwalk_mark(entry) };
	struct cfgwalk_ctx saved;
	struct nmd_pipe *pi;
	int r;

	if (parent && parent->type == YAML_DOC_SCALAR)
		cfgwalk_push(w, &saved, "pipes of \"%s\": ", cfgwalk_q(w, parent->value));
	else
		cfgwalk_push(w, &saved, "pipes #%zu: ", index + 1);
	r = cfgwalk_map(w, entry, NULL, pipe_keys, ELEMENTSOF(pipe_keys), &pp, 0);
	if (r != -ENOMEM && entry->type == YAML_DOC_MAPPING)
		r = cfgwalk_worse(r, pipe_finish(w, entry, &pp));
	cfgwalk_restore(w, &saved);
	/* The pipe joins the config even after an error: config_free() frees it. */
	pi = array_push(&c->pipes, &c->n_pipes, &c->cap_pipes, sizeof(*c->pipes));
	if (!pi) {
		cfgtopo_pipe_clear(&pp.pipe);
		return -ENOMEM;
	}
	*pi = pp.pipe;
	return r;
}

/* ---- monitors ------------------------------------------------------------ */

static int parse_monitor_port(struct cfgwalk *w, const struct cfgwalk_key *k,
			      const struct yaml_doc_node *key,
			      const struct yaml_doc_node *v, void *field)
{
	struct nmd_monitor *m = field;

	(void)k;
	return get_req_name(w, key, v, "port", m->target, &m->target_mark);
}

static const char *const monitor_mode_names[] = { "r", "t", "rt", "tr", "z" };
static const int monitor_mode_values[] = {
	NMD_MONITOR_RX, NMD_MONITOR_TX, NMD_MONITOR_RX | NMD_MONITOR_TX,
	NMD_MONITOR_RX | NMD_MONITOR_TX, NMD_MONITOR_ZCOPY,
};
static const struct cfgwalk_words monitor_mode_words = {
	monitor_mode_names, monitor_mode_values, ELEMENTSOF(monitor_mode_names)
};

static const struct cfgwalk_key monitor_keys[] = {
	CFGWALK_KEY_OBJ("port", parse_monitor_port, CFGWALK_REQUIRED),
	/* An unsigned field written as an int: the same object representation. */
	CFGWALK_KEY_ARG("mode", cfgwalk_parse_word, struct nmd_monitor, mode,
			CFGWALK_REQUIRED, &monitor_mode_words),
	CFGWALK_KEY("access", cfgkeys_parse_access, struct nmd_monitor, access, 0),
};

static int parse_monitor(struct cfgwalk *w, const struct yaml_doc_node *entry,
			 size_t index)
{
	struct nmd_config *c = w->cfg;
	const struct yaml_doc_node *port = cfgwalk_map_get(entry, "port");
	struct cfgwalk_ctx saved;
	struct nmd_monitor *m;
	int r;

	m = array_push(&c->monitors, &c->n_monitors, &c->cap_monitors,
		       sizeof(*c->monitors));
	if (!m)
		return -ENOMEM;
	m->mark = cfgwalk_mark(entry);
	if (port && port->type == YAML_DOC_SCALAR)
		cfgwalk_push(w, &saved, "monitor of \"%s\": ", cfgwalk_q(w, port->value));
	else
		cfgwalk_push(w, &saved, "monitor #%zu: ", index + 1);
	r = cfgwalk_map(w, entry, NULL, monitor_keys, ELEMENTSOF(monitor_keys),
			m, 0);
	cfgwalk_restore(w, &saved);
	if (r < 0)
		m->target[0] = '\0'; /* skipped by the cross-checks */
	return r;
}

/* ---- regions ------------------------------------------------------------- */

static int parse_region_memory(struct cfgwalk *w, const struct cfgwalk_key *k,
			       const struct yaml_doc_node *key,
			       const struct yaml_doc_node *v, void *field)
{
	struct nmd_region_share *s = field;

	(void)k;
	return get_req_name(w, key, v, "memory", s->memory, &s->memory_mark);
}

static const struct cfgwalk_key region_keys[] = {
	CFGWALK_KEY_OBJ("memory", parse_region_memory, CFGWALK_REQUIRED),
	CFGWALK_KEY("shared_by", cfgkeys_parse_access, struct nmd_region_share, shared_by,
		    CFGWALK_REQUIRED),
};

static int parse_region(struct cfgwalk *w, const struct yaml_doc_node *entry,
			size_t index)
{
	struct nmd_config *c = w->cfg;
	struct nmd_region_share *s;
	struct cfgwalk_ctx saved;
	int r;

	s = array_push(&c->regions, &c->n_regions, &c->cap_regions, sizeof(*c->regions));
	if (!s)
		return -ENOMEM;
	s->mark = cfgwalk_mark(entry);
	cfgwalk_push(w, &saved, "regions #%zu: ", index + 1);
	r = cfgwalk_map(w, entry, NULL, region_keys, ELEMENTSOF(region_keys), s, 0);
	cfgwalk_restore(w, &saved);
	if (r < 0)
		s->memory[0] = '\0';
	return r;
}

void cfgtopo_pipe_clear(struct nmd_pipe *pi)
{
	for (size_t i = 0; i < pi->n_ids; i++)
		free(pi->ids[i].id);
	free(pi->ids);
	cfgkeys_access_clear(&pi->access);
}


const struct cfgwalk_list cfgtopo_switches = { parse_switch };
const struct cfgwalk_list cfgtopo_pipes = { parse_pipe };
const struct cfgwalk_list cfgtopo_monitors = { parse_monitor };
const struct cfgwalk_list cfgtopo_regions = { parse_region };
