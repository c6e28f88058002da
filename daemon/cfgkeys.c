// SPDX-License-Identifier: BSD-2-Clause
/*
 * cfgkeys - netmapd.yaml's schema as data: one table of keys per mapping
 * (struct cfgwalk_key: name, parser, offset, flags), the parsers that are
 * particular to one key, and the lists of switches, ports, pipes, monitors
 * and regions. What the walk cannot know alone (references between
 * objects, duplicates across them) is cfgcheck.c's.
 *
 * A value that failed its check leaves the object with an empty name,
 * which the cross-checks skip, so one mistake gives one message.
 */
#include "cfgkeys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

#define SUN_PATH_MAX 107 /* sizeof(sockaddr_un.sun_path) - 1 */
#define PATH_MAX_LEN 4095

#define KEY_PARSE(name_, parse_, type_, field_, flags_)                        \
	{ .name = (name_), .parse = (parse_),                                  \
	  .offset = offsetof(type_, field_), .flags = (flags_) }
#define KEY_RANGE(name_, parse_, type_, field_, flags_, min_, max_)            \
	{ .name = (name_), .parse = (parse_),                                  \
	  .offset = offsetof(type_, field_), .flags = (flags_),                \
	  .min = (min_), .max = (max_) }
#define KEY_ARG(name_, parse_, type_, field_, flags_, arg_)                    \
	{ .name = (name_), .parse = (parse_),                                  \
	  .offset = offsetof(type_, field_), .flags = (flags_), .arg = (arg_) }
/* A key whose parser takes the whole object (offset 0). */
#define KEY_OBJ(name_, parse_, flags_)                                         \
	{ .name = (name_), .parse = (parse_), .flags = (flags_) }
#define TABLE(keys_) (&(const struct cfgwalk_table){ (keys_), ELEMENTSOF(keys_) })

/* NIC preparation as written on a port: -1 where the port says nothing. */
struct prep_override {
	int offloads, promiscuous, flow_control, force;
};

#define PREP_UNSET { -1, -1, -1, -1 }

/* NIC entries keep their overrides until nic_defaults is known (it may come later). */
struct nic_pending {
	size_t sw, port;
	struct prep_override prep;
};

struct keys_state {
	struct nic_pending *nics;
	size_t n_nics, cap_nics;
};

/* ---- access lists ------------------------------------------------------ */

void cfgkeys_principal_clear(struct nmd_principal *p)
{
	free(p->name);
	p->name = NULL;
}

void cfgkeys_access_clear(struct nmd_access *a)
{
	for (size_t i = 0; i < a->n_users; i++)
		cfgkeys_principal_clear(&a->users[i]);
	for (size_t i = 0; i < a->n_groups; i++)
		cfgkeys_principal_clear(&a->groups[i]);
	free(a->users);
	free(a->groups);
	*a = (struct nmd_access){ 0 };
}

static int get_principal(struct cfgwalk *w, const struct yaml_doc_node *key,
			 const struct yaml_doc_node *v, const char *kind,
			 struct nmd_principal *p)
{
	const char *why, *s;
	int r;

	r = cfgwalk_string(w, key, v, &s);
	if (r < 0)
		return r;
	why = name_check_principal(s, &p->numeric, &p->id);
	if (why)
		return cfgwalk_err(w, v, "%s: %s \"%s\" %s", key->value, kind,
				   cfgwalk_q(w, s), why);
	p->name = strdup(s);
	if (!p->name)
		return -ENOMEM;
	p->mark = cfgwalk_mark(v);
	return 0;
}

/* A sequence of users or groups (a single scalar is a list of one). */
static int get_principals(struct cfgwalk *w, const struct yaml_doc_node *key,
			  const struct yaml_doc_node *v, const char *kind,
			  struct nmd_principal **list, size_t *n)
{
	const struct yaml_doc_node *const *items = &v;
	size_t count = 1, cap = *n;
	int r = 0;

	if (cfgwalk_is_null(v))
		return 0;
	if (v->type == YAML_DOC_SEQUENCE) {
		items = (const struct yaml_doc_node *const *)v->items;
		count = v->n;
	} else if (v->type != YAML_DOC_SCALAR) {
		return cfgwalk_err(w, v, "%s: expected a list of %s names or ids, got %s",
				   key->value, kind, cfgwalk_got(v));
	}
	for (size_t i = 0; i < count; i++) {
		struct nmd_principal p = { 0 }, *slot;
		int q_r = get_principal(w, key, items[i], kind, &p);

		if (q_r < 0) {
			r = cfgwalk_worse(r, q_r);
			if (r == -ENOMEM)
				return r;
			continue;
		}
		slot = array_push(list, n, &cap, sizeof(**list));
		if (!slot) {
			cfgkeys_principal_clear(&p);
			return -ENOMEM;
		}
		*slot = p;
	}
	return r;
}

/* users: or groups: (k->arg "user" or "group") of the struct nmd_access at @field. */
static int parse_principals(struct cfgwalk *w, const struct cfgwalk_key *k,
			    const struct yaml_doc_node *key,
			    const struct yaml_doc_node *v, void *field)
{
	struct nmd_access *a = field;
	const char *kind = k->arg;

	if (streq(kind, "group"))
		return get_principals(w, key, v, kind, &a->groups, &a->n_groups);
	return get_principals(w, key, v, kind, &a->users, &a->n_users);
}

static const struct cfgwalk_key access_keys[] = {
	{ .name = "users", .parse = parse_principals, .arg = "user" },
	{ .name = "groups", .parse = parse_principals, .arg = "group" },
};

/* A struct nmd_access: present (set) even when its lists are empty. */
static int parse_access(struct cfgwalk *w, const struct cfgwalk_key *k,
			const struct yaml_doc_node *key,
			const struct yaml_doc_node *v, void *field)
{
	struct nmd_access *a = field;

	(void)k;
	a->set = true;
	return cfgwalk_map(w, v, key->value, access_keys,
			   ELEMENTSOF(access_keys), a, 0);
}

/* ---- version, module ----------------------------------------------------- */

static int parse_version(struct cfgwalk *w, const struct cfgwalk_key *k,
			 const struct yaml_doc_node *key,
			 const struct yaml_doc_node *v, void *field)
{
	uint64_t x = 0;
	int r;

	(void)k;
	r = cfgwalk_uint(w, key, v, 0, UINT32_MAX, &x);
	if (r < 0)
		return r;
	if (x != CONFIG_VERSION)
		return cfgwalk_err(w, v, "version: %llu is not supported (this netmapd reads version %d)",
				   (unsigned long long)x, CONFIG_VERSION);
	*(unsigned *)field = (unsigned)x;
	return 0;
}

/* A module name for modprobe, or the absolute path of a .ko file. */
static int parse_module_load(struct cfgwalk *w, const struct cfgwalk_key *k,
			     const struct yaml_doc_node *key,
			     const struct yaml_doc_node *v, void *field)
{
	struct nmd_module *m = field;
	const char *s, *why;
	int r;

	(void)k;
	r = cfgwalk_string(w, key, v, &s);
	if (r < 0)
		return r;
	if (strchr(s, '/')) {
		if (s[0] != '/')
			return cfgwalk_err(w, v, "load: \"%s\" is a relative path; give an absolute path to the .ko file, or a module name",
					   cfgwalk_q(w, s));
		if (v->len > PATH_MAX_LEN)
			return cfgwalk_err(w, v, "load: path is longer than %d bytes",
					   PATH_MAX_LEN);
		m->load_is_path = true;
	} else {
		why = name_check_module(s);
		if (why)
			return cfgwalk_err(w, v, "load: module name \"%s\" %s",
					   cfgwalk_q(w, s), why);
		m->load_is_path = false;
	}
	free(m->load);
	m->load = strdup(s);
	return m->load ? 0 : -ENOMEM;
}

/* Key @k of params: is not a netmap parameter: say why, or what was meant. */
static int unknown_param(struct cfgwalk *w, const struct yaml_doc_node *k)
{
	const char *names[MP__COUNT];
	const char *why, *hint;

	for (size_t i = 0; i < MP__COUNT; i++)
		names[i] = modparams[i].name;
	why = modparam_why_not(k->value);
	hint = diag_did_you_mean(k->value, names, MP__COUNT);
	if (why)
		return cfgwalk_err(w, k, "params: \"%s\" %s", k->value, why);
	if (hint)
		return cfgwalk_err(w, k, "params: unknown netmap parameter \"%s\" (did you mean \"%s\"?)",
				   cfgwalk_q(w, k->value), hint);
	return cfgwalk_err(w, k, "params: unknown netmap parameter \"%s\" (see netmapd.yaml(5) for the list)",
			   cfgwalk_q(w, k->value));
}

/* One parameter @k: @val of params:, into m->params (not yet set). */
static int parse_param(struct cfgwalk *w, struct nmd_module *m, int id,
		       const struct yaml_doc_node *k,
		       const struct yaml_doc_node *val)
{
	const struct modparam *mp = &modparams[id];
	uint64_t x = 0;
	int r;

	if (mp->boolean && val->type == YAML_DOC_SCALAR && val->plain &&
	    !(val->value[0] >= '0' && val->value[0] <= '9')) {
		bool b = false;

		r = cfgwalk_bool(w, k, val, &b);
		x = b; /* not used when r < 0 */
	} else {
		r = cfgwalk_uint(w, k, val, (uint64_t)mp->min, (uint64_t)mp->max, &x);
	}
	if (r < 0)
		return r;
	m->params[id].set = true;
	m->params[id].value = (int64_t)x;
	m->params[id].mark = cfgwalk_mark(val);
	return 0;
}

/* params: the module's parameters, named as netmap names them (modparams.h). */
static int parse_module_params(struct cfgwalk *w, const struct cfgwalk_key *k,
			       const struct yaml_doc_node *key,
			       const struct yaml_doc_node *v, void *field)
{
	struct nmd_module *m = field;
	int r = 0;

	(void)k;
	(void)key;
	if (cfgwalk_is_null(v))
		return 0;
	if (v->type != YAML_DOC_MAPPING)
		return cfgwalk_err(w, v, "params: expected a mapping of parameter names to values, got %s",
				   cfgwalk_got(v));
	for (size_t i = 0; i < yaml_doc_map_size(v); i++) {
		const struct yaml_doc_node *pk = v->items[2 * i];
		int id;

		if (diags_stop(w->d))
			break;
		id = modparam_lookup(pk->value);
		if (id < 0)
			r = cfgwalk_worse(r, unknown_param(w, pk));
		else if (m->params[id].set)
			r = cfgwalk_worse(r, cfgwalk_err(w, pk, "params: duplicate parameter \"%s\" (first at line %u)",
							 pk->value, m->params[id].mark.line));
		else
			r = cfgwalk_worse(r, parse_param(w, m, id, pk, v->items[2 * i + 1]));
	}
	return r;
}

static const struct cfgwalk_key module_keys[] = {
	KEY_OBJ("load", parse_module_load, 0),
	KEY_OBJ("params", parse_module_params, 0),
	KEY_PARSE("unload_on_stop", cfgwalk_parse_bool, struct nmd_module, unload_on_stop, 0),
};

static int parse_module(struct cfgwalk *w, const struct cfgwalk_key *k,
			const struct yaml_doc_node *key,
			const struct yaml_doc_node *v, void *field)
{
	struct nmd_module *m = field;

	(void)k;
	m->mark = cfgwalk_mark(key);
	return cfgwalk_map(w, v, "module", module_keys, ELEMENTSOF(module_keys),
			   m, 0);
}

/* ---- socket -------------------------------------------------------------- */

static int parse_socket_path(struct cfgwalk *w, const struct cfgwalk_key *k,
			     const struct yaml_doc_node *key,
			     const struct yaml_doc_node *v, void *field)
{
	char **path = field;
	const char *p;
	int r;

	(void)k;
	r = cfgwalk_string(w, key, v, &p);
	if (r < 0)
		return r;
	if (p[0] != '/')
		return cfgwalk_err(w, v, "path: \"%s\" is not an absolute path",
				   cfgwalk_q(w, p));
	if (v->len > SUN_PATH_MAX)
		return cfgwalk_err(w, v, "path: %zu bytes is longer than a unix socket path may be (%d)",
				   v->len, SUN_PATH_MAX);
	free(*path);
	*path = strdup(p);
	return *path ? 0 : -ENOMEM;
}

/* Octal, written as YAML 1.1 does (0660), as a string ("0660"), or 0o660. */
static int parse_socket_mode(struct cfgwalk *w, const struct cfgwalk_key *k,
			     const struct yaml_doc_node *key,
			     const struct yaml_doc_node *v, void *field)
{
	const char *p;
	uint32_t mode = 0;
	int r;

	(void)k;
	r = cfgwalk_want_scalar(w, key, v, "an octal mode such as \"0660\"");
	if (r < 0)
		return r;
	p = v->value;
	if (startswith(p, "0o"))
		p += 2;
	if (!*p || strlen(p) > 4)
		return cfgwalk_err(w, v, "mode: expected an octal mode such as \"0660\", got \"%s\"",
				   cfgwalk_q(w, v->value));
	for (; *p; p++) {
		if (*p < '0' || *p > '7')
			return cfgwalk_err(w, v, "mode: expected an octal mode such as \"0660\", got \"%s\"",
					   cfgwalk_q(w, v->value));
		mode = mode * 8 + (uint32_t)(*p - '0');
	}
	if (mode > 0777)
		return cfgwalk_err(w, v, "mode: %04o has bits beyond 0777", mode);
	if (!(mode & 0600))
		return cfgwalk_err(w, v, "mode: %04o does not let the owner use the socket",
				   mode);
	*(uint32_t *)field = mode;
	return 0;
}

static int parse_socket_group(struct cfgwalk *w, const struct cfgwalk_key *k,
			      const struct yaml_doc_node *key,
			      const struct yaml_doc_node *v, void *field)
{
	struct nmd_principal *group = field;
	struct nmd_principal p = { 0 };
	int r;

	(void)k;
	r = get_principal(w, key, v, "group", &p);
	if (r < 0)
		return r;
	cfgkeys_principal_clear(group);
	*group = p;
	return 0;
}

static const struct cfgwalk_key socket_keys[] = {
	KEY_PARSE("path", parse_socket_path, struct nmd_socket, path, 0),
	KEY_PARSE("mode", parse_socket_mode, struct nmd_socket, mode, 0),
	KEY_PARSE("group", parse_socket_group, struct nmd_socket, group, 0),
};

/* ---- handles (port.open's bounds), limits ----------------------------------- */

#define HANDLE_KEY(field)                                                      \
	KEY_RANGE(#field, cfgwalk_parse_u32, struct nmd_handle_limits, field,  \
		  0, 1, 1u << 20)

static const struct cfgwalk_key handles_keys[] = {
	HANDLE_KEY(per_uid),
	HANDLE_KEY(total),
	HANDLE_KEY(pidfds_per_uid),
	HANDLE_KEY(pidfds_total),
};

#define LIMIT_KEY(field, lo, hi)                                               \
	KEY_RANGE(#field, cfgwalk_parse_u64, struct nmd_limits, field, 0,      \
		  (lo), (hi))

/* The ranges netmapd.yaml(5) LIMITS documents. */
static const struct cfgwalk_key limits_keys[] = {
	LIMIT_KEY(max_clients, 1, 65536),
	LIMIT_KEY(max_clients_per_uid, 1, 65536),
	LIMIT_KEY(admin_slots, 1, 4096),
	LIMIT_KEY(max_request_bytes, 1024, 16 << 20),
	LIMIT_KEY(max_batch, 1, 65536),
	LIMIT_KEY(max_reply_bytes, 4096, 256 << 20),
	LIMIT_KEY(output_pause_bytes, 4096, 256 << 20),
	LIMIT_KEY(output_max_bytes, 65536, 1ull << 30),
	LIMIT_KEY(output_total_bytes, 65536, 16ull << 30),
	LIMIT_KEY(line_timeout, 1, 3600),
	LIMIT_KEY(write_timeout, 1, 86400),
	LIMIT_KEY(idle_timeout, 0, 86400),
};

/* ---- NIC preparation ----------------------------------------------------- */

static const char *const offloads_names[] = { "off", "keep" };
static const char *const flow_control_names[] = { "keep", "off" };
static const struct cfgwalk_words offloads_words = {
	offloads_names, NULL, ELEMENTSOF(offloads_names)
};
static const struct cfgwalk_words flow_control_words = {
	flow_control_names, NULL, ELEMENTSOF(flow_control_names)
};

/* The NIC preparation keys of a struct prep_override at @base in @type. */
#define PREP_KEYS(type, base, flags)                                           \
	KEY_ARG("offloads", cfgwalk_parse_word, type, base.offloads, flags,    \
		&offloads_words),                                              \
	KEY_PARSE("promiscuous", cfgwalk_parse_tristate, type,                 \
		  base.promiscuous, flags),                                    \
	KEY_ARG("flow_control", cfgwalk_parse_word, type, base.flow_control,   \
		flags, &flow_control_words),                                   \
	KEY_PARSE("force", cfgwalk_parse_tristate, type, base.force, flags)

struct prep_parse {
	struct prep_override prep;
};

static const struct cfgwalk_key nic_defaults_keys[] = {
	PREP_KEYS(struct prep_parse, prep, 0),
};

static void prep_apply(struct nmd_nic_prep *p, const struct prep_override *o)
{
	if (o->offloads >= 0)
		p->offloads = (enum nmd_offloads)o->offloads;
	if (o->promiscuous >= 0)
		p->promiscuous = o->promiscuous;
	if (o->flow_control >= 0)
		p->flow_control = (enum nmd_flow_control)o->flow_control;
	if (o->force >= 0)
		p->force = o->force;
}

static int parse_nic_defaults(struct cfgwalk *w, const struct cfgwalk_key *k,
			      const struct yaml_doc_node *key,
			      const struct yaml_doc_node *v, void *field)
{
	struct prep_parse o = { PREP_UNSET };
	int r;

	(void)k;
	(void)key;
	r = cfgwalk_map(w, v, "nic_defaults", nic_defaults_keys,
			ELEMENTSOF(nic_defaults_keys), &o, 0);
	prep_apply(field, &o.prep);
	return r;
}

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
	KEY_RANGE(#field, parse_given_u32, type, base.field, flags, 1, max)
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
	struct prep_override prep;
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
	KEY_ARG("mode", cfgwalk_parse_word, struct polling_parse, mode,
		CFGWALK_REQUIRED, &polling_mode_words),
	KEY_PARSE("cpus", parse_polling_cpus, struct polling_parse, pl,
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
	KEY_PARSE(name_, parse_, struct port_parse, port.field_, flags_)

/* Most ports a count: may make: a switch has at most NMD_SWITCH_MAX_PORTS. */
static const struct cfgwalk_key port_keys[] = {
	KEY_RANGE("count", parse_given_u32, struct port_parse, count,
		  CFGWALK_VALE, 1, NMD_SWITCH_MAX_PORTS),
	KEY_PARSE("ephemeral", parse_port_name, struct port_parse, port, CFGWALK_EPHEMERAL),
	KEY_PARSE("persistent", parse_port_name, struct port_parse, port, CFGWALK_PERSISTENT),
	KEY_PARSE("nic", parse_port_name, struct port_parse, port, CFGWALK_NIC),
	SIZE_KEYS(struct port_parse, sizes, CFGWALK_VALE, NMD_VALE_MAX_RINGS),
	KEY_PARSE("memory", parse_port_memory, struct port_parse, port, CFGWALK_VALE),
	PORT_KEY("access", parse_access, access, CFGWALK_ANY_KIND),
	PORT_KEY("host", cfgwalk_parse_bool, host, CFGWALK_NIC),
	PREP_KEYS(struct port_parse, prep, CFGWALK_NIC),
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

/* @p becomes a copy of @o (access and memory copied), named @name. */
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

/* A NIC's preparation waits for nic_defaults (cfgkeys_walk() applies it). */
static int nic_wait(struct cfgwalk *w, size_t sw_idx, const struct prep_override *prep)
{
	struct keys_state *st = w->state;
	struct nic_pending *np;

	np = array_push(&st->nics, &st->n_nics, &st->cap_nics, sizeof(*st->nics));
	if (!np)
		return -ENOMEM;
	np->sw = sw_idx;
	np->port = w->cfg->switches[sw_idx].n_ports - 1;
	np->prep = *prep;
	return 0;
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
	struct port_parse pp = { .prep = PREP_UNSET };
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
		r = cfgwalk_worse(r, nic_wait(w, sw_idx, &pp.prep));
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
	KEY_OBJ("name", parse_switch_name, CFGWALK_REQUIRED),
	KEY_OBJ("ports", parse_switch_ports, 0),
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
	KEY_PARSE("parent", parse_pipe_parent, struct pipe_parse, pipe, CFGWALK_REQUIRED),
	KEY_OBJ("ids", parse_pipe_ids, 0),
	{ .name = "count", .parse = parse_pipe_count, .min = 1,
	  .max = NMD_PIPES_PER_PARENT },
	SIZE_KEYS(struct pipe_parse, sizes, 0, NMD_PIPE_MAX_RINGS),
	KEY_PARSE("access", parse_access, struct pipe_parse, pipe.access, 0),
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
		cfgkeys_pipe_clear(&pp.pipe);
		return -ENOMEM;
	}
	*pi = pp.pipe;
	return r;
}

void cfgkeys_pipe_clear(struct nmd_pipe *pi)
{
	for (size_t i = 0; i < pi->n_ids; i++)
		free(pi->ids[i].id);
	free(pi->ids);
	cfgkeys_access_clear(&pi->access);
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
	KEY_OBJ("port", parse_monitor_port, CFGWALK_REQUIRED),
	/* An unsigned field written as an int: the same object representation. */
	KEY_ARG("mode", cfgwalk_parse_word, struct nmd_monitor, mode,
		CFGWALK_REQUIRED, &monitor_mode_words),
	KEY_PARSE("access", parse_access, struct nmd_monitor, access, 0),
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
	KEY_OBJ("memory", parse_region_memory, CFGWALK_REQUIRED),
	KEY_PARSE("shared_by", parse_access, struct nmd_region_share, shared_by,
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

/* ---- the top level -------------------------------------------------------- */

static const struct cfgwalk_list switches_list = { parse_switch };
static const struct cfgwalk_list pipes_list = { parse_pipe };
static const struct cfgwalk_list monitors_list = { parse_monitor };
static const struct cfgwalk_list regions_list = { parse_region };

#define TOP_KEY(name_, parse_, field_, flags_)                                 \
	KEY_PARSE(name_, parse_, struct nmd_config, field_, flags_)
#define TOP_ARG(name_, parse_, field_, arg_)                                   \
	KEY_ARG(name_, parse_, struct nmd_config, field_, 0, arg_)

static const struct cfgwalk_key top_keys[] = {
	TOP_KEY("version", parse_version, version, CFGWALK_REQUIRED),
	TOP_KEY("module", parse_module, module, 0),
	TOP_ARG("socket", cfgwalk_parse_section, socket, TABLE(socket_keys)),
	TOP_ARG("limits", cfgwalk_parse_section, limits, TABLE(limits_keys)),
	TOP_KEY("admin", parse_access, admin, 0),
	TOP_KEY("nic_defaults", parse_nic_defaults, nic_defaults, 0),
	TOP_ARG("switches", cfgwalk_parse_list, switches, &switches_list),
	TOP_ARG("pipes", cfgwalk_parse_list, pipes, &pipes_list),
	TOP_ARG("monitors", cfgwalk_parse_list, monitors, &monitors_list),
	TOP_ARG("regions", cfgwalk_parse_list, regions, &regions_list),
	TOP_ARG("handles", cfgwalk_parse_section, handles, TABLE(handles_keys)),
};

int cfgkeys_walk(struct cfgwalk *w, const struct yaml_doc_node *root)
{
	struct keys_state st = { 0 };
	struct nmd_config *c = w->cfg;
	int r;

	w->state = &st;
	r = cfgwalk_map(w, root, NULL, top_keys, ELEMENTSOF(top_keys), c, 0);
	/* NICs: nic_defaults, then what each NIC entry says. */
	for (size_t i = 0; r != -ENOMEM && i < st.n_nics; i++) {
		struct nmd_port *p = &c->switches[st.nics[i].sw].ports[st.nics[i].port];

		p->prep = c->nic_defaults;
		prep_apply(&p->prep, &st.nics[i].prep);
	}
	free(st.nics);
	w->state = NULL;
	return r;
}
