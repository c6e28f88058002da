// SPDX-License-Identifier: BSD-2-Clause
/*
 * cfgkeys - netmapd.yaml's schema as data, the top level and its settings:
 * one table of keys per mapping (struct cfgwalk_key: name, parser, offset,
 * flags) and the parsers particular to one key. The topology's lists
 * (switches, ports, pipes, monitors, regions) are cfgtopo.c's; what the
 * walk cannot know alone (references and duplicates across objects) is
 * cfgcheck.c's.
 */
#include "cfgkeys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtopo.h"
#include "names.h"

#define SUN_PATH_MAX 107 /* sizeof(sockaddr_un.sun_path) - 1 */
#define PATH_MAX_LEN 4095

/* NIC entries keep their overrides until nic_defaults is known (it may come later). */
struct nic_pending {
	size_t sw, port;
	struct cfgkeys_prep prep;
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
int cfgkeys_parse_access(struct cfgwalk *w, const struct cfgwalk_key *k,
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
			r = cfgwalk_worse(r, cfgwalk_err(w, pk, "params: duplicate parameter \"%s\" (first at %s)",
							 pk->value, cfgwalk_at(w, m->params[id].mark.line)));
		else
			r = cfgwalk_worse(r, parse_param(w, m, id, pk, v->items[2 * i + 1]));
	}
	return r;
}

static const struct cfgwalk_key module_keys[] = {
	CFGWALK_KEY_OBJ("load", parse_module_load, 0),
	CFGWALK_KEY_OBJ("params", parse_module_params, 0),
	CFGWALK_KEY("unload_on_stop", cfgwalk_parse_bool, struct nmd_module, unload_on_stop, 0),
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
	CFGWALK_KEY("path", parse_socket_path, struct nmd_socket, path, 0),
	CFGWALK_KEY("mode", parse_socket_mode, struct nmd_socket, mode, 0),
	CFGWALK_KEY("group", parse_socket_group, struct nmd_socket, group, 0),
};

/* ---- handles (port.open's bounds), limits ----------------------------------- */

#define HANDLE_KEY(field)                                                      \
	CFGWALK_KEY_RANGE(#field, cfgwalk_parse_u32, struct nmd_handle_limits, field,  \
		  0, 1, 1u << 20)

static const struct cfgwalk_key handles_keys[] = {
	HANDLE_KEY(per_uid),
	HANDLE_KEY(total),
	HANDLE_KEY(pidfds_per_uid),
	HANDLE_KEY(pidfds_total),
};

#define LIMIT_KEY(field, lo, hi)                                               \
	CFGWALK_KEY_RANGE(#field, cfgwalk_parse_u64, struct nmd_limits, field, 0,      \
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
const struct cfgwalk_words cfgkeys_offloads_words = {
	offloads_names, NULL, ELEMENTSOF(offloads_names)
};
const struct cfgwalk_words cfgkeys_flow_control_words = {
	flow_control_names, NULL, ELEMENTSOF(flow_control_names)
};

struct prep_parse {
	struct cfgkeys_prep prep;
};

static const struct cfgwalk_key nic_defaults_keys[] = {
	CFGKEYS_PREP_KEYS(struct prep_parse, prep, 0),
};

static void prep_apply(struct nmd_nic_prep *p, const struct cfgkeys_prep *o)
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
	struct prep_parse o = { CFGKEYS_PREP_UNSET };
	int r;

	(void)k;
	(void)key;
	r = cfgwalk_map(w, v, "nic_defaults", nic_defaults_keys,
			ELEMENTSOF(nic_defaults_keys), &o, 0);
	prep_apply(field, &o.prep);
	return r;
}

/* A NIC's preparation waits for nic_defaults (cfgkeys_walk() applies it). */
int cfgkeys_nic_wait(struct cfgwalk *w, size_t sw_idx,
		     const struct cfgkeys_prep *prep)
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

/* ---- the top level -------------------------------------------------------- */

#define TOP_KEY(name_, parse_, field_, flags_)                                 \
	CFGWALK_KEY(name_, parse_, struct nmd_config, field_, flags_)
#define TOP_ARG(name_, parse_, field_, arg_)                                   \
	CFGWALK_KEY_ARG(name_, parse_, struct nmd_config, field_, 0, arg_)

/*
 * config_load() takes "include:" out before the walk (cfgfiles.c); it is
 * left only in a configuration given as text, which has no directory.
 */
static int parse_include(struct cfgwalk *w, const struct cfgwalk_key *k,
			 const struct yaml_doc_node *key, const struct yaml_doc_node *v,
			 void *field)
{
	(void)k;
	(void)v;
	(void)field;
	return cfgwalk_err(w, key, "include: only a configuration read from a file can include others");
}

static const struct cfgwalk_key top_keys[] = {
	TOP_KEY("version", parse_version, version, CFGWALK_REQUIRED),
	CFGWALK_KEY_OBJ("include", parse_include, 0),
	TOP_KEY("module", parse_module, module, 0),
	TOP_ARG("socket", cfgwalk_parse_section, socket, CFGWALK_TABLE(socket_keys)),
	TOP_ARG("limits", cfgwalk_parse_section, limits, CFGWALK_TABLE(limits_keys)),
	TOP_KEY("admin", cfgkeys_parse_access, admin, 0),
	TOP_KEY("nic_defaults", parse_nic_defaults, nic_defaults, 0),
	TOP_ARG("switches", cfgwalk_parse_list, switches, &cfgtopo_switches),
	TOP_ARG("pipes", cfgwalk_parse_list, pipes, &cfgtopo_pipes),
	TOP_ARG("monitors", cfgwalk_parse_list, monitors, &cfgtopo_monitors),
	TOP_ARG("regions", cfgwalk_parse_list, regions, &cfgtopo_regions),
	TOP_ARG("handles", cfgwalk_parse_section, handles, CFGWALK_TABLE(handles_keys)),
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
