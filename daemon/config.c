// SPDX-License-Identifier: BSD-2-Clause
/*
 * config - read netmapd.yaml into struct nmd_config (see config.h).
 *
 * Two passes over a bounded YAML tree (yaml-doc.c):
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

#include "regions.h"
#include "util.h"
#include "yaml-doc.h"

#define SOCKET_PATH_DEFAULT "/run/netmapd/netmapd.sock"
#define SOCKET_MODE_DEFAULT 0660
#define SOCKET_GROUP_DEFAULT "netmap"
#define SUN_PATH_MAX 107 /* sizeof(sockaddr_un.sun_path) - 1 */
#define PATH_MAX_LEN 4095

/* ---- the loader's state and its messages ------------------------------- */

/* NIC preparation as written on a port: -1 where the port says nothing. */
struct prep_override {
	int offloads, promiscuous, flow_control, force;
};

struct loader {
	struct diags *d;
	struct nmd_config *cfg;
	char ctx[192];       /* prefix of messages: where we are, e.g. `switch "vale0": ` */
	size_t outer;        /* length of ctx before the innermost object's part */
	char qbuf[4][80];    /* q(): user values shortened for messages */
	unsigned qnext;
};

/* @s shortened for a message (at most ~64 bytes, cut on a UTF-8 boundary). */
static const char *q(struct loader *ld, const char *s)
{
	char *buf = ld->qbuf[ld->qnext++ % ELEMENTSOF(ld->qbuf)];
	size_t n = strlen(s);

	if (n <= 64)
		return s;
	n = 60;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	snprintf(buf, sizeof(ld->qbuf[0]), "%.*s...", (int)n, s);
	return buf;
}

static int errv(struct loader *ld, unsigned line, unsigned column,
		const char *fmt, va_list ap)
{
	char msg[DIAG_MSG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return diag_add(ld->d, line, column, "%s%s", ld->ctx, msg);
}

/* Report at @at (a node); returns -EINVAL (-ENOMEM if the message was lost). */
static _printf_(3, 4) int err(struct loader *ld, const struct ydoc_node *at,
			      const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = errv(ld, at ? at->line : 0, at ? at->column : 0, fmt, ap);
	va_end(ap);
	return r;
}

static _printf_(3, 4) int err_at(struct loader *ld, struct nmd_mark m,
				 const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = errv(ld, m.line, m.column, fmt, ap);
	va_end(ap);
	return r;
}

static struct nmd_mark mark_of(const struct ydoc_node *n)
{
	return (struct nmd_mark){ .line = n->line, .column = n->column };
}

/* Keep the worst result: -ENOMEM over -EINVAL over 0. */
static int worse(int a, int b)
{
	if (a == -ENOMEM || b == -ENOMEM)
		return -ENOMEM;
	return a < 0 ? a : b;
}

struct ctx_save {
	char ctx[192];
	size_t outer;
};

/* Save and extend the message prefix; ctx_restore() puts it back. */
static _printf_(3, 4) void ctx_push(struct loader *ld, struct ctx_save *saved,
				    const char *fmt, ...)
{
	size_t len = strlen(ld->ctx);
	va_list ap;

	memcpy(saved->ctx, ld->ctx, sizeof(ld->ctx));
	saved->outer = ld->outer;
	ld->outer = len;
	va_start(ap, fmt);
	vsnprintf(ld->ctx + len, sizeof(ld->ctx) - len, fmt, ap);
	va_end(ap);
}

static void ctx_restore(struct loader *ld, const struct ctx_save *saved)
{
	memcpy(ld->ctx, saved->ctx, sizeof(ld->ctx));
	ld->outer = saved->outer;
}

/*
 * Report at @at without the innermost object's prefix: for a bad name of
 * that object, which the prefix would only repeat
 * (`switch "vale0": port name "a b" has ...`).
 */
static _printf_(3, 4) int err_outer(struct loader *ld,
				    const struct ydoc_node *at,
				    const char *fmt, ...)
{
	char saved = ld->ctx[ld->outer];
	va_list ap;
	int r;

	ld->ctx[ld->outer] = '\0';
	va_start(ap, fmt);
	r = errv(ld, at->line, at->column, fmt, ap);
	va_end(ap);
	ld->ctx[ld->outer] = saved;
	return r;
}

/* ---- scalars ------------------------------------------------------------ */

/* A YAML null ("key:" with nothing after it, "~", "null"): an empty section. */
static bool is_null(const struct ydoc_node *v)
{
	return v->type == YDOC_SCALAR && v->plain &&
	       (v->len == 0 || streq(v->value, "~") || streq(v->value, "null") ||
		streq(v->value, "Null") || streq(v->value, "NULL"));
}

static const char *got(const struct ydoc_node *v)
{
	return is_null(v) ? "nothing" : ydoc_type_name(v->type);
}

static int want_scalar(struct loader *ld, const struct ydoc_node *key,
		       const struct ydoc_node *v, const char *what)
{
	if (v->type == YDOC_SCALAR)
		return 0;
	return err(ld, v, "%s: expected %s, got %s", key->value, what,
		   got(v));
}

/* A plain decimal integer (no sign, no leading zero, no YAML 1.1 "_"). */
static int get_uint(struct loader *ld, const struct ydoc_node *key,
		    const struct ydoc_node *v, uint64_t min, uint64_t max,
		    uint64_t *out)
{
	uint64_t x = 0;
	int r;

	r = want_scalar(ld, key, v, "an integer");
	if (r < 0)
		return r;
	if (!v->plain)
		return err(ld, v, "%s: expected an integer, got the string \"%s\" (remove the quotes)",
			   key->value, q(ld, v->value));
	if (v->len == 0)
		return err(ld, v, "%s: expected an integer, got nothing",
			   key->value);
	if (v->value[0] < '0' || v->value[0] > '9')
		return err(ld, v, "%s: expected an integer, got \"%s\"",
			   key->value, q(ld, v->value));
	if (v->value[0] == '0' && v->len > 1)
		return err(ld, v, "%s: \"%s\": write the number without leading zeros",
			   key->value, q(ld, v->value));
	for (const char *p = v->value; *p; p++) {
		if (*p < '0' || *p > '9')
			return err(ld, v, "%s: expected an integer, got \"%s\"",
				   key->value, q(ld, v->value));
		if (x > (UINT64_MAX - 9) / 10)
			return err(ld, v, "%s: %s is out of range %llu..%llu",
				   key->value, q(ld, v->value),
				   (unsigned long long)min,
				   (unsigned long long)max);
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (x < min || x > max)
		return err(ld, v, "%s: %llu is out of range %llu..%llu",
			   key->value, (unsigned long long)x,
			   (unsigned long long)min, (unsigned long long)max);
	*out = x;
	return 0;
}

static int get_u32(struct loader *ld, const struct ydoc_node *key,
		   const struct ydoc_node *v, uint32_t min, uint32_t max,
		   uint32_t *out)
{
	uint64_t x = 0;
	int r = get_uint(ld, key, v, min, max, &x);

	if (r == 0)
		*out = (uint32_t)x;
	return r;
}

static int get_bool(struct loader *ld, const struct ydoc_node *key,
		    const struct ydoc_node *v, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes",
					   "Yes", "YES", "on", "On", "ON" };
	static const char *const no[] = { "false", "False", "FALSE", "no",
					  "No", "NO", "off", "Off", "OFF" };
	int r;

	r = want_scalar(ld, key, v, "true or false");
	if (r < 0)
		return r;
	for (size_t i = 0; v->plain && i < ELEMENTSOF(yes); i++) {
		if (streq(v->value, yes[i])) {
			*out = true;
			return 0;
		}
		if (streq(v->value, no[i])) {
			*out = false;
			return 0;
		}
	}
	return err(ld, v, "%s: expected true or false, got \"%s\"", key->value,
		   q(ld, v->value));
}

/* One of @names; *out is its index. */
static int get_enum(struct loader *ld, const struct ydoc_node *key,
		    const struct ydoc_node *v, const char *const *names,
		    size_t n, int *out)
{
	char list[128] = "";
	const char *hint;
	int r;

	r = want_scalar(ld, key, v, "a word");
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (streq(v->value, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list);

		snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
			 names[i]);
	}
	hint = diag_did_you_mean(v->value, names, n);
	if (hint)
		return err(ld, v, "%s: unknown value \"%s\" (did you mean \"%s\"?)",
			   key->value, q(ld, v->value), hint);
	return err(ld, v, "%s: unknown value \"%s\" (expected one of: %s)",
		   key->value, q(ld, v->value), list);
}

static int get_string(struct loader *ld, const struct ydoc_node *key,
		      const struct ydoc_node *v, const char **out)
{
	int r = want_scalar(ld, key, v, "a string");

	if (r < 0)
		return r;
	if (v->len == 0)
		return err(ld, v, "%s: is empty", key->value);
	*out = v->value;
	return 0;
}

/* ---- mappings: a table of keys per mapping ----------------------------- */

typedef int (*key_fn)(struct loader *ld, const struct ydoc_node *key,
		      const struct ydoc_node *v, void *obj);

enum {
	KEY_REQUIRED = 1 << 0,
	/* Port entries: which kinds a key is for. */
	KIND_EPHEMERAL = 1 << 1,
	KIND_PERSISTENT = 1 << 2,
	KIND_NIC = 1 << 3,
	KIND_VALE = KIND_EPHEMERAL | KIND_PERSISTENT,
	KIND_ANY = KIND_VALE | KIND_NIC,
};

struct key {
	const char *name;
	key_fn fn;
	unsigned flags;
};

#define KEYS_MAX 24

static const char *kinds_text(unsigned flags)
{
	switch (flags & KIND_ANY) {
	case KIND_NIC:
		return "nic ports";
	case KIND_VALE:
		return "ephemeral and persistent ports";
	case KIND_EPHEMERAL:
		return "ephemeral ports";
	case KIND_PERSISTENT:
		return "persistent ports";
	default:
		return "other ports";
	}
}

static int unknown_key(struct loader *ld, const struct ydoc_node *k,
		       const char *pre, const struct key *keys, size_t n)
{
	const char *names[KEYS_MAX];
	char list[256] = "";
	const char *hint;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list);

		names[i] = keys[i].name;
		snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
			 keys[i].name);
	}
	hint = diag_did_you_mean(k->value, names, n);
	if (hint)
		return err(ld, k, "%sunknown key \"%s\" (did you mean \"%s\"?)",
			   pre, q(ld, k->value), hint);
	return err(ld, k, "%sunknown key \"%s\" (expected one of: %s)", pre,
		   q(ld, k->value), list);
}

/*
 * Check every key of mapping @m against @keys and call their handlers on
 * @obj. @what (or NULL when the context prefix says it) starts each
 * message; @kind (0 or a KIND_ bit) rejects keys meant for other kinds of port.
 */
static int walk_map(struct loader *ld, const struct ydoc_node *m,
		    const char *what, const struct key *keys, size_t n,
		    void *obj, unsigned kind)
{
	const struct ydoc_node *seen[KEYS_MAX] = { NULL };
	char pre[64] = "";
	int r = 0;

	if (what)
		snprintf(pre, sizeof(pre), "%s: ", what);
	if (is_null(m) && what) {
		/* A section left empty: only its required keys are missing. */
		for (size_t j = 0; j < n; j++)
			if (keys[j].flags & KEY_REQUIRED)
				r = worse(r, err(ld, m, "%smissing key \"%s\"", pre,
						 keys[j].name));
		return r;
	}
	if (m->type != YDOC_MAPPING)
		return err(ld, m, "%sexpected a mapping, got %s", pre,
			   got(m));
	for (size_t i = 0; i < ydoc_map_size(m); i++) {
		const struct ydoc_node *k = m->items[2 * i];
		const struct ydoc_node *v = m->items[2 * i + 1];
		size_t j;

		if (diags_stop(ld->d))
			return worse(r, -EINVAL);
		for (j = 0; j < n; j++)
			if (streq(k->value, keys[j].name))
				break;
		if (j == n) {
			r = worse(r, unknown_key(ld, k, pre, keys, n));
			continue;
		}
		if (kind && !(keys[j].flags & kind)) {
			r = worse(r, err(ld, k, "key \"%s\" is only for %s",
					 k->value, kinds_text(keys[j].flags)));
			continue;
		}
		if (seen[j]) {
			r = worse(r, err(ld, k, "%sduplicate key \"%s\" (first at line %u)",
					 pre, k->value, seen[j]->line));
			continue;
		}
		seen[j] = k;
		r = worse(r, keys[j].fn(ld, k, v, obj));
		if (r == -ENOMEM)
			return r;
	}
	for (size_t j = 0; j < n; j++)
		if ((keys[j].flags & KEY_REQUIRED) && !seen[j] &&
		    (!kind || (keys[j].flags & kind)))
			r = worse(r, err(ld, m, "%smissing key \"%s\"", pre,
					 keys[j].name));
	return r;
}

/* The scalar value of key @name in mapping @m, if there is one. */
static const struct ydoc_node *map_get(const struct ydoc_node *m,
				       const char *name)
{
	if (m->type != YDOC_MAPPING)
		return NULL;
	for (size_t i = 0; i < ydoc_map_size(m); i++)
		if (streq(m->items[2 * i]->value, name))
			return m->items[2 * i + 1];
	return NULL;
}

static int want_sequence(struct loader *ld, const struct ydoc_node *key,
			 const struct ydoc_node *v)
{
	if (v->type == YDOC_SEQUENCE || is_null(v)) /* null: an empty list */
		return 0;
	return err(ld, v, "%s: expected a sequence (a list of entries), got %s",
		   key->value, got(v));
}

/* ---- access lists ------------------------------------------------------ */

static void principal_done(struct nmd_principal *p)
{
	free(p->name);
	p->name = NULL;
}

static void access_done(struct nmd_access *a)
{
	for (size_t i = 0; i < a->n_users; i++)
		principal_done(&a->users[i]);
	for (size_t i = 0; i < a->n_groups; i++)
		principal_done(&a->groups[i]);
	free(a->users);
	free(a->groups);
	*a = (struct nmd_access){ 0 };
}

static int get_principal(struct loader *ld, const struct ydoc_node *key,
			 const struct ydoc_node *v, const char *kind,
			 struct nmd_principal *p)
{
	const char *why, *s;
	int r;

	r = get_string(ld, key, v, &s);
	if (r < 0)
		return r;
	why = name_check_principal(s, &p->numeric, &p->id);
	if (why)
		return err(ld, v, "%s: %s \"%s\" %s", key->value, kind,
			   q(ld, s), why);
	p->name = strdup(s);
	if (!p->name)
		return -ENOMEM;
	p->mark = mark_of(v);
	return 0;
}

/* A sequence of users or groups (a single scalar is a list of one). */
static int get_principals(struct loader *ld, const struct ydoc_node *key,
			  const struct ydoc_node *v, const char *kind,
			  struct nmd_principal **list, size_t *n)
{
	const struct ydoc_node *const *items = &v;
	size_t count = 1, cap = *n;
	int r = 0;

	if (is_null(v))
		return 0;
	if (v->type == YDOC_SEQUENCE) {
		items = (const struct ydoc_node *const *)v->items;
		count = v->n;
	} else if (v->type != YDOC_SCALAR) {
		return err(ld, v, "%s: expected a list of %s names or ids, got %s",
			   key->value, kind, got(v));
	}
	for (size_t i = 0; i < count; i++) {
		struct nmd_principal p = { 0 }, *slot;
		int q_r = get_principal(ld, key, items[i], kind, &p);

		if (q_r < 0) {
			r = worse(r, q_r);
			if (r == -ENOMEM)
				return r;
			continue;
		}
		slot = array_push(list, n, &cap, sizeof(**list));
		if (!slot) {
			principal_done(&p);
			return -ENOMEM;
		}
		*slot = p;
	}
	return r;
}

static int key_access_users(struct loader *ld, const struct ydoc_node *key,
			    const struct ydoc_node *v, void *obj)
{
	struct nmd_access *a = obj;

	return get_principals(ld, key, v, "user", &a->users, &a->n_users);
}

static int key_access_groups(struct loader *ld, const struct ydoc_node *key,
			     const struct ydoc_node *v, void *obj)
{
	struct nmd_access *a = obj;

	return get_principals(ld, key, v, "group", &a->groups, &a->n_groups);
}

static const struct key access_keys[] = {
	{ "users", key_access_users, 0 },
	{ "groups", key_access_groups, 0 },
};

static int get_access(struct loader *ld, const struct ydoc_node *key,
		      const struct ydoc_node *v, struct nmd_access *a)
{
	a->set = true;
	return walk_map(ld, v, key->value, access_keys,
			ELEMENTSOF(access_keys), a, 0);
}

/* ---- version, module ----------------------------------------------------- */

static int key_version(struct loader *ld, const struct ydoc_node *key,
		       const struct ydoc_node *v, void *obj)
{
	struct nmd_config *c = obj;
	uint64_t x = 0;
	int r;

	r = get_uint(ld, key, v, 0, UINT32_MAX, &x);
	if (r < 0)
		return r;
	if (x != CONFIG_VERSION)
		return err(ld, v, "version: %llu is not supported (this netmapd reads version %d)",
			   (unsigned long long)x, CONFIG_VERSION);
	c->version = (unsigned)x;
	return 0;
}

static int key_module_load(struct loader *ld, const struct ydoc_node *key,
			   const struct ydoc_node *v, void *obj)
{
	struct nmd_module *m = obj;
	const char *s, *why;
	int r;

	r = get_string(ld, key, v, &s);
	if (r < 0)
		return r;
	if (strchr(s, '/')) {
		if (s[0] != '/')
			return err(ld, v, "load: \"%s\" is a relative path; give an absolute path to the .ko file, or a module name",
				   q(ld, s));
		if (v->len > PATH_MAX_LEN)
			return err(ld, v, "load: path is longer than %d bytes",
				   PATH_MAX_LEN);
		m->load_is_path = true;
	} else {
		why = name_check_module(s);
		if (why)
			return err(ld, v, "load: module name \"%s\" %s",
				   q(ld, s), why);
		m->load_is_path = false;
	}
	free(m->load);
	m->load = strdup(s);
	return m->load ? 0 : -ENOMEM;
}

static const char *param_names[MP__COUNT];

static int key_module_params(struct loader *ld, const struct ydoc_node *key,
			     const struct ydoc_node *v, void *obj)
{
	struct nmd_module *m = obj;
	int r = 0;

	(void)key;
	if (is_null(v))
		return 0;
	if (v->type != YDOC_MAPPING)
		return err(ld, v, "params: expected a mapping of parameter names to values, got %s",
			   got(v));
	for (size_t i = 0; i < MP__COUNT; i++)
		param_names[i] = modparams[i].name;
	for (size_t i = 0; i < ydoc_map_size(v); i++) {
		const struct ydoc_node *k = v->items[2 * i];
		const struct ydoc_node *val = v->items[2 * i + 1];
		const struct modparam *mp;
		const char *why, *hint;
		uint64_t x = 0;
		int id, pr;

		if (diags_stop(ld->d))
			break;
		id = modparam_lookup(k->value);
		if (id < 0) {
			why = modparam_why_not(k->value);
			hint = diag_did_you_mean(k->value, param_names, MP__COUNT);
			if (why)
				pr = err(ld, k, "params: \"%s\" %s", k->value, why);
			else if (hint)
				pr = err(ld, k, "params: unknown netmap parameter \"%s\" (did you mean \"%s\"?)",
					 q(ld, k->value), hint);
			else
				pr = err(ld, k, "params: unknown netmap parameter \"%s\" (see netmapd.yaml(5) for the list)",
					 q(ld, k->value));
			r = worse(r, pr);
			continue;
		}
		mp = &modparams[id];
		if (m->params[id].set) {
			r = worse(r, err(ld, k, "params: duplicate parameter \"%s\" (first at line %u)",
					 k->value, m->params[id].mark.line));
			continue;
		}
		if (mp->boolean && val->type == YDOC_SCALAR && val->plain &&
		    !(val->value[0] >= '0' && val->value[0] <= '9')) {
			bool b = false;

			pr = get_bool(ld, k, val, &b);
			x = b; /* not used when pr < 0 */
		} else {
			pr = get_uint(ld, k, val, (uint64_t)mp->min,
				      (uint64_t)mp->max, &x);
		}
		if (pr < 0) {
			r = worse(r, pr);
			continue;
		}
		m->params[id].set = true;
		m->params[id].value = (int64_t)x;
		m->params[id].mark = mark_of(val);
	}
	return r;
}

static int key_module_unload(struct loader *ld, const struct ydoc_node *key,
			     const struct ydoc_node *v, void *obj)
{
	struct nmd_module *m = obj;

	return get_bool(ld, key, v, &m->unload_on_stop);
}

static const struct key module_keys[] = {
	{ "load", key_module_load, 0 },
	{ "params", key_module_params, 0 },
	{ "unload_on_stop", key_module_unload, 0 },
};

static int key_module(struct loader *ld, const struct ydoc_node *key,
		      const struct ydoc_node *v, void *obj)
{
	struct nmd_config *c = obj;

	c->module.mark = mark_of(key);
	return walk_map(ld, v, "module", module_keys, ELEMENTSOF(module_keys),
			&c->module, 0);
}

/* ---- socket, admin ------------------------------------------------------ */

static int key_socket_path(struct loader *ld, const struct ydoc_node *key,
			   const struct ydoc_node *v, void *obj)
{
	struct nmd_socket *s = obj;
	const char *p;
	int r;

	r = get_string(ld, key, v, &p);
	if (r < 0)
		return r;
	if (p[0] != '/')
		return err(ld, v, "path: \"%s\" is not an absolute path", q(ld, p));
	if (v->len > SUN_PATH_MAX)
		return err(ld, v, "path: %zu bytes is longer than a unix socket path may be (%d)",
			   v->len, SUN_PATH_MAX);
	free(s->path);
	s->path = strdup(p);
	return s->path ? 0 : -ENOMEM;
}

static int key_socket_mode(struct loader *ld, const struct ydoc_node *key,
			   const struct ydoc_node *v, void *obj)
{
	struct nmd_socket *s = obj;
	const char *p;
	uint32_t mode = 0;
	int r;

	/* Octal, written as YAML 1.1 does (0660), as a string ("0660"), or 0o660. */
	r = want_scalar(ld, key, v, "an octal mode such as \"0660\"");
	if (r < 0)
		return r;
	p = v->value;
	if (startswith(p, "0o"))
		p += 2;
	if (!*p || strlen(p) > 4)
		return err(ld, v, "mode: expected an octal mode such as \"0660\", got \"%s\"",
			   q(ld, v->value));
	for (; *p; p++) {
		if (*p < '0' || *p > '7')
			return err(ld, v, "mode: expected an octal mode such as \"0660\", got \"%s\"",
				   q(ld, v->value));
		mode = mode * 8 + (uint32_t)(*p - '0');
	}
	if (mode > 0777)
		return err(ld, v, "mode: %04o has bits beyond 0777", mode);
	if (!(mode & 0600))
		return err(ld, v, "mode: %04o does not let the owner use the socket",
			   mode);
	s->mode = mode;
	return 0;
}

static int key_socket_group(struct loader *ld, const struct ydoc_node *key,
			    const struct ydoc_node *v, void *obj)
{
	struct nmd_socket *s = obj;
	struct nmd_principal p = { 0 };
	int r;

	r = get_principal(ld, key, v, "group", &p);
	if (r < 0)
		return r;
	principal_done(&s->group);
	s->group = p;
	return 0;
}

static const struct key socket_keys[] = {
	{ "path", key_socket_path, 0 },
	{ "mode", key_socket_mode, 0 },
	{ "group", key_socket_group, 0 },
};

static int key_socket(struct loader *ld, const struct ydoc_node *key,
		      const struct ydoc_node *v, void *obj)
{
	struct nmd_config *c = obj;

	(void)key;
	return walk_map(ld, v, "socket", socket_keys, ELEMENTSOF(socket_keys),
			&c->socket, 0);
}

/* ---- handles (port.open's bounds) ----------------------------------------- */

#define HANDLE_KEY(field)									\
	static int key_handles_##field(struct loader *ld, const struct ydoc_node *key,	\
				       const struct ydoc_node *v, void *obj)		\
	{											\
		return get_u32(ld, key, v, 1, 1u << 20, &((struct nmd_handle_limits *)obj)->field); \
	}
HANDLE_KEY(per_uid)
HANDLE_KEY(total)
HANDLE_KEY(pidfds_per_uid)
HANDLE_KEY(pidfds_total)

static const struct key handles_keys[] = {
	{ "per_uid", key_handles_per_uid, 0 },
	{ "total", key_handles_total, 0 },
	{ "pidfds_per_uid", key_handles_pidfds_per_uid, 0 },
	{ "pidfds_total", key_handles_pidfds_total, 0 },
};

static int key_top_handles(struct loader *ld, const struct ydoc_node *key,
			   const struct ydoc_node *v, void *obj)
{
	(void)key;
	(void)obj;
	return walk_map(ld, v, "handles", handles_keys, ELEMENTSOF(handles_keys),
			&ld->cfg->handles, 0);
}

/* ---- limits ----------------------------------------------------------- */

#define LIMIT_KEY(field, lo, hi)						\
	static int key_limit_##field(struct loader *ld, const struct ydoc_node *key, \
				     const struct ydoc_node *v, void *obj)	\
	{									\
		struct nmd_limits *l = obj;					\
										\
		return get_uint(ld, key, v, (lo), (hi), &l->field);		\
	}

/* The ranges netmapd.yaml(5) LIMITS documents. */
LIMIT_KEY(max_clients, 1, 65536)
LIMIT_KEY(max_clients_per_uid, 1, 65536)
LIMIT_KEY(admin_slots, 1, 4096)
LIMIT_KEY(max_request_bytes, 1024, 16 << 20)
LIMIT_KEY(max_batch, 1, 65536)
LIMIT_KEY(max_reply_bytes, 4096, 256 << 20)
LIMIT_KEY(output_pause_bytes, 4096, 256 << 20)
LIMIT_KEY(output_max_bytes, 65536, 1ull << 30)
LIMIT_KEY(output_total_bytes, 65536, 16ull << 30)
LIMIT_KEY(line_timeout, 1, 3600)
LIMIT_KEY(write_timeout, 1, 86400)
LIMIT_KEY(idle_timeout, 0, 86400)

#undef LIMIT_KEY

static const struct key limits_keys[] = {
	{ "max_clients", key_limit_max_clients, 0 },
	{ "max_clients_per_uid", key_limit_max_clients_per_uid, 0 },
	{ "admin_slots", key_limit_admin_slots, 0 },
	{ "max_request_bytes", key_limit_max_request_bytes, 0 },
	{ "max_batch", key_limit_max_batch, 0 },
	{ "max_reply_bytes", key_limit_max_reply_bytes, 0 },
	{ "output_pause_bytes", key_limit_output_pause_bytes, 0 },
	{ "output_max_bytes", key_limit_output_max_bytes, 0 },
	{ "output_total_bytes", key_limit_output_total_bytes, 0 },
	{ "line_timeout", key_limit_line_timeout, 0 },
	{ "write_timeout", key_limit_write_timeout, 0 },
	{ "idle_timeout", key_limit_idle_timeout, 0 },
};

static int key_limits(struct loader *ld, const struct ydoc_node *key,
		      const struct ydoc_node *v, void *obj)
{
	struct nmd_config *c = obj;

	(void)key;
	return walk_map(ld, v, "limits", limits_keys, ELEMENTSOF(limits_keys),
			&c->limits, 0);
}

static int key_admin(struct loader *ld, const struct ydoc_node *key,
		     const struct ydoc_node *v, void *obj)
{
	struct nmd_config *c = obj;

	return get_access(ld, key, v, &c->admin);
}

/* ---- NIC preparation ----------------------------------------------------- */

static const char *const offloads_names[] = { "off", "keep" };
static const char *const flow_control_names[] = { "keep", "off" };

static int key_prep_offloads(struct loader *ld, const struct ydoc_node *key,
			     const struct ydoc_node *v, void *obj)
{
	struct prep_override *o = obj;

	return get_enum(ld, key, v, offloads_names,
			ELEMENTSOF(offloads_names), &o->offloads);
}

static int key_prep_promiscuous(struct loader *ld, const struct ydoc_node *key,
				const struct ydoc_node *v, void *obj)
{
	struct prep_override *o = obj;
	bool b = false;
	int r = get_bool(ld, key, v, &b);

	if (r == 0)
		o->promiscuous = b;
	return r;
}

static int key_prep_flow_control(struct loader *ld, const struct ydoc_node *key,
				 const struct ydoc_node *v, void *obj)
{
	struct prep_override *o = obj;

	return get_enum(ld, key, v, flow_control_names,
			ELEMENTSOF(flow_control_names), &o->flow_control);
}

static int key_prep_force(struct loader *ld, const struct ydoc_node *key,
			  const struct ydoc_node *v, void *obj)
{
	struct prep_override *o = obj;
	bool b = false;
	int r = get_bool(ld, key, v, &b);

	if (r == 0)
		o->force = b;
	return r;
}

static const struct key nic_defaults_keys[] = {
	{ "offloads", key_prep_offloads, 0 },
	{ "promiscuous", key_prep_promiscuous, 0 },
	{ "flow_control", key_prep_flow_control, 0 },
	{ "force", key_prep_force, 0 },
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

static int key_nic_defaults(struct loader *ld, const struct ydoc_node *key,
			    const struct ydoc_node *v, void *obj)
{
	struct nmd_config *c = obj;
	struct prep_override o = { -1, -1, -1, -1 };
	int r;

	(void)key;
	r = walk_map(ld, v, "nic_defaults", nic_defaults_keys,
		     ELEMENTSOF(nic_defaults_keys), &o, 0);
	prep_apply(&c->nic_defaults, &o);
	return r;
}

/* ---- ring and slot counts (VALE ports, pipes) ---------------------------- */

struct sizes {
	uint32_t max_rings;
	const struct ydoc_node *rings, *tx_rings, *rx_rings;
	const struct ydoc_node *slots, *tx_slots, *rx_slots;
	uint32_t v_rings, v_tx_rings, v_rx_rings;
	uint32_t v_slots, v_tx_slots, v_rx_slots;
};

#define SIZE_KEY(field, lim)                                                   \
	static int key_##field(struct loader *ld, const struct ydoc_node *key, \
			       const struct ydoc_node *v, void *obj)           \
	{                                                                      \
		struct sizes *s = sizes_of(obj);                               \
		int r = get_u32(ld, key, v, 1, lim, &s->v_##field);            \
		if (r == 0)                                                    \
			s->field = key;                                        \
		return r;                                                      \
	}

static struct sizes *sizes_of(void *obj);

SIZE_KEY(rings, s->max_rings)
SIZE_KEY(tx_rings, s->max_rings)
SIZE_KEY(rx_rings, s->max_rings)
SIZE_KEY(slots, NMD_MAX_SLOTS)
SIZE_KEY(tx_slots, NMD_MAX_SLOTS)
SIZE_KEY(rx_slots, NMD_MAX_SLOTS)

/* Combine "rings" with "tx_rings"/"rx_rings" (and slots): one or the other. */
static int sizes_resolve(struct loader *ld, const struct sizes *s,
			 uint32_t def_rings, uint32_t def_slots,
			 uint32_t *tx_rings, uint32_t *rx_rings,
			 uint32_t *tx_slots, uint32_t *rx_slots)
{
	int r = 0;

	if (s->rings && (s->tx_rings || s->rx_rings))
		r = worse(r, err(ld, s->tx_rings ? s->tx_rings : s->rx_rings,
				 "give either rings or tx_rings/rx_rings, not both"));
	if (s->slots && (s->tx_slots || s->rx_slots))
		r = worse(r, err(ld, s->tx_slots ? s->tx_slots : s->rx_slots,
				 "give either slots or tx_slots/rx_slots, not both"));
	*tx_rings = s->tx_rings ? s->v_tx_rings : s->rings ? s->v_rings : def_rings;
	*rx_rings = s->rx_rings ? s->v_rx_rings : s->rings ? s->v_rings : def_rings;
	*tx_slots = s->tx_slots ? s->v_tx_slots : s->slots ? s->v_slots : def_slots;
	*rx_slots = s->rx_slots ? s->v_rx_slots : s->slots ? s->v_slots : def_slots;
	return r;
}

/* ---- switches and their ports ------------------------------------------- */

/* What a port entry's handlers fill in; the sizes first (see sizes_of). */
struct port_parse {
	struct sizes sizes;
	struct nmd_port *port;
	struct prep_override prep;
	const struct ydoc_node *count;	/* "count": N copies NAME0..NAME(N-1) */
	uint32_t v_count;
};

struct pipe_parse {
	struct sizes sizes;
	struct nmd_pipe *pipe;
	const struct ydoc_node *ids, *count;
};

static struct sizes *sizes_of(void *obj)
{
	/* Both port_parse and pipe_parse start with their struct sizes. */
	return obj;
}

static int key_port_name(struct loader *ld, const struct ydoc_node *key,
			 const struct ydoc_node *v, void *obj)
{
	struct port_parse *pp = obj;
	struct nmd_port *p = pp->port;
	const struct nmd_switch *sw = &ld->cfg->switches[p->sw];
	const char *s, *why;
	int r;

	r = want_scalar(ld, key, v, "a name");
	if (r < 0)
		return r;
	s = v->value;
	switch (p->kind) {
	case NMD_PORT_EPHEMERAL:
		why = name_check_vale_port(s);
		if (why)
			return err_outer(ld, v, "port name \"%s\" %s", q(ld, s), why);
		break;
	case NMD_PORT_PERSISTENT:
		why = name_check_persistent(s);
		if (why)
			return err_outer(ld, v, "persistent port name \"%s\" %s",
				   q(ld, s), why);
		break;
	case NMD_PORT_NIC:
		why = name_check_netdev(s);
		if (why)
			return err_outer(ld, v, "NIC name \"%s\" %s", q(ld, s), why);
		break;
	}
	snprintf(p->name, sizeof(p->name), "%s", s);
	if (p->kind == NMD_PORT_EPHEMERAL)
		snprintf(p->full, sizeof(p->full), "%s:%s", sw->name, s);
	else
		snprintf(p->full, sizeof(p->full), "%s", s);
	p->mark = mark_of(v);
	return 0;
}

static int key_port_memory(struct loader *ld, const struct ydoc_node *key,
			   const struct ydoc_node *v, void *obj)
{
	struct port_parse *pp = obj;
	const char *s;
	int r;

	r = get_string(ld, key, v, &s);
	if (r < 0)
		return r;
	pp->port->memory_mark = mark_of(v);
	if (streq(s, "private"))
		return 0;
	pp->port->memory = strdup(s);
	return pp->port->memory ? 0 : -ENOMEM;
}

static int key_port_access(struct loader *ld, const struct ydoc_node *key,
			   const struct ydoc_node *v, void *obj)
{
	struct port_parse *pp = obj;

	return get_access(ld, key, v, &pp->port->access);
}

static int key_port_host(struct loader *ld, const struct ydoc_node *key,
			 const struct ydoc_node *v, void *obj)
{
	struct port_parse *pp = obj;

	return get_bool(ld, key, v, &pp->port->host);
}

static int key_port_prep_offloads(struct loader *ld,
				  const struct ydoc_node *key,
				  const struct ydoc_node *v, void *obj)
{
	return key_prep_offloads(ld, key, v, &((struct port_parse *)obj)->prep);
}

static int key_port_prep_promiscuous(struct loader *ld,
				     const struct ydoc_node *key,
				     const struct ydoc_node *v, void *obj)
{
	return key_prep_promiscuous(ld, key, v,
				    &((struct port_parse *)obj)->prep);
}

static int key_port_prep_flow_control(struct loader *ld,
				      const struct ydoc_node *key,
				      const struct ydoc_node *v, void *obj)
{
	return key_prep_flow_control(ld, key, v,
				     &((struct port_parse *)obj)->prep);
}

static int key_port_prep_force(struct loader *ld, const struct ydoc_node *key,
			       const struct ydoc_node *v, void *obj)
{
	return key_prep_force(ld, key, v, &((struct port_parse *)obj)->prep);
}

static const char *const polling_mode_names[] = { "single", "multi" };

static int key_polling_mode(struct loader *ld, const struct ydoc_node *key,
			    const struct ydoc_node *v, void *obj)
{
	struct nmd_polling *pl = obj;
	int i = 0, r;

	r = get_enum(ld, key, v, polling_mode_names,
		     ELEMENTSOF(polling_mode_names), &i);
	if (r == 0)
		pl->mode = i == 0 ? NMD_POLLING_SINGLE : NMD_POLLING_MULTI;
	return r;
}

/* "cpus: 2" (one CPU) or "cpus: 2-5" (a range). */
static int key_polling_cpus(struct loader *ld, const struct ydoc_node *key,
			    const struct ydoc_node *v, void *obj)
{
	struct nmd_polling *pl = obj;
	unsigned long a, b;
	const char *dash;
	char *end;
	int r;

	r = want_scalar(ld, key, v, "a CPU number or a range such as 2-5");
	if (r < 0)
		return r;
	dash = strchr(v->value, '-');
	if (!dash) {
		uint64_t x = 0;

		r = get_uint(ld, key, v, 0, NMD_MAX_CPU, &x);
		if (r < 0)
			return r;
		pl->first_cpu = (uint32_t)x;
		pl->ncpus = 1;
		return 0;
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
		return err(ld, v, "cpus: \"%s\" goes past CPU %d", q(ld, v->value),
			   NMD_MAX_CPU);
	if (a > b)
		return err(ld, v, "cpus: \"%s\" is an empty range (first > last)",
			   q(ld, v->value));
	pl->first_cpu = (uint32_t)a;
	pl->ncpus = (uint32_t)(b - a + 1);
	return 0;
bad:
	return err(ld, v, "cpus: expected a CPU number or a range such as 2-5, got \"%s\"",
		   q(ld, v->value));
}

static const struct key polling_keys[] = {
	{ "mode", key_polling_mode, KEY_REQUIRED },
	{ "cpus", key_polling_cpus, KEY_REQUIRED },
};

static int key_port_polling(struct loader *ld, const struct ydoc_node *key,
			    const struct ydoc_node *v, void *obj)
{
	struct port_parse *pp = obj;
	struct nmd_polling pl = { .mark = mark_of(v) };
	int r;

	(void)key;
	r = walk_map(ld, v, "polling", polling_keys, ELEMENTSOF(polling_keys),
		     &pl, 0);
	if (r < 0)
		return r;
	if (pl.mode == NMD_POLLING_SINGLE && pl.ncpus != 1)
		return err(ld, map_get(v, "cpus"),
			   "polling: mode single runs one thread on one CPU: give one CPU (cpus: %u)",
			   pl.first_cpu);
	pp->port->polling = pl;
	return 0;
}

/* Most ports a count: may make: a switch has at most NMD_SWITCH_MAX_PORTS. */
static int key_port_count(struct loader *ld, const struct ydoc_node *key,
			  const struct ydoc_node *v, void *obj)
{
	struct port_parse *pp = obj;
	int r = get_u32(ld, key, v, 1, NMD_SWITCH_MAX_PORTS, &pp->v_count);

	if (r == 0)
		pp->count = key;
	return r;
}

static const struct key port_keys[] = {
	{ "count", key_port_count, KIND_VALE },
	{ "ephemeral", key_port_name, KIND_EPHEMERAL },
	{ "persistent", key_port_name, KIND_PERSISTENT },
	{ "nic", key_port_name, KIND_NIC },
	{ "rings", key_rings, KIND_VALE },
	{ "tx_rings", key_tx_rings, KIND_VALE },
	{ "rx_rings", key_rx_rings, KIND_VALE },
	{ "slots", key_slots, KIND_VALE },
	{ "tx_slots", key_tx_slots, KIND_VALE },
	{ "rx_slots", key_rx_slots, KIND_VALE },
	{ "memory", key_port_memory, KIND_VALE },
	{ "access", key_port_access, KIND_ANY },
	{ "host", key_port_host, KIND_NIC },
	{ "offloads", key_port_prep_offloads, KIND_NIC },
	{ "promiscuous", key_port_prep_promiscuous, KIND_NIC },
	{ "flow_control", key_port_prep_flow_control, KIND_NIC },
	{ "force", key_port_prep_force, KIND_NIC },
	{ "polling", key_port_polling, KIND_NIC },
};

/* NIC entries keep their overrides until nic_defaults is known (it may come later). */
struct nic_pending {
	size_t sw, port;
	struct prep_override prep;
};

struct walk {
	struct loader *ld;
	struct nic_pending *nics;
	size_t n_nics, cap_nics;
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

/*
 * "count: N" of the port just parsed (the last of @sw): it becomes NAME0,
 * and N-1 copies NAME1.. follow it, with the same settings (access and
 * memory copied). A name that then does not fit is an error at @key.
 */
static int expand_count(struct loader *ld, struct nmd_switch *sw, uint32_t n,
			const struct ydoc_node *key)
{
	size_t first = sw->n_ports - 1;
	char base[NMD_IFNAMSIZ];

	snprintf(base, sizeof(base), "%s", sw->ports[first].name);
	for (uint32_t i = 0; i < n; i++) {
		struct nmd_port *p, *o;
		char name[NMD_IFNAMSIZ + 16];
		const char *why;

		snprintf(name, sizeof(name), "%s%u", base, i);
		why = strlen(name) >= NMD_IFNAMSIZ ? "is too long" :
		      sw->ports[first].kind == NMD_PORT_PERSISTENT ? name_check_persistent(name) :
								       name_check_vale_port(name);
		if (why)
			return err(ld, key, "count: port name \"%s\" %s", q(ld, name), why);
		if (i > 0) {
			p = array_push(&sw->ports, &sw->n_ports, &sw->cap_ports, sizeof(*sw->ports));
			if (!p)
				return -ENOMEM;
			o = &sw->ports[first];
			*p = *o;
			p->memory = NULL;
			p->access = (struct nmd_access){ .set = o->access.set };
			if ((o->memory && !(p->memory = strdup(o->memory))) ||
			    principals_copy(&p->access.users, &p->access.n_users, o->access.users,
					    o->access.n_users) < 0 ||
			    principals_copy(&p->access.groups, &p->access.n_groups,
					    o->access.groups, o->access.n_groups) < 0)
				return -ENOMEM;
		} else {
			p = &sw->ports[first];
		}
		memcpy(p->name, name, strlen(name) + 1);	/* fits: checked above */
		if (p->kind == NMD_PORT_EPHEMERAL)
			snprintf(p->full, sizeof(p->full), "%s:%s", sw->name, p->name);
		else
			snprintf(p->full, sizeof(p->full), "%s", p->name);
	}
	return 0;
}

static int parse_port(struct walk *w, size_t sw_idx,
		      const struct ydoc_node *entry, size_t index)
{
	static const char *const kinds[] = { "ephemeral", "persistent", "nic" };
	struct loader *ld = w->ld;
	struct nmd_switch *sw = &ld->cfg->switches[sw_idx];
	struct port_parse pp = { .prep = { -1, -1, -1, -1 } };
	const struct ydoc_node *kind_val = NULL;
	struct ctx_save saved;
	struct nmd_port *p;
	int kind = -1, r;

	if (entry->type != YDOC_MAPPING)
		return err(ld, entry, "port #%zu: expected a mapping such as {ephemeral: NAME}, got %s",
			   index + 1, got(entry));
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		const struct ydoc_node *v = map_get(entry, kinds[i]);

		if (!v)
			continue;
		if (kind >= 0)
			return err(ld, entry, "port #%zu has both \"%s\" and \"%s\": give one kind per entry",
				   index + 1, kinds[kind], kinds[i]);
		kind = (int)i;
		kind_val = v;
	}
	if (kind < 0)
		return err(ld, entry, "port #%zu: missing its kind: ephemeral, persistent or nic",
			   index + 1);

	p = array_push(&sw->ports, &sw->n_ports, &sw->cap_ports,
		       sizeof(*sw->ports));
	if (!p)
		return -ENOMEM;
	p->kind = (enum nmd_port_kind)kind;
	p->sw = sw_idx;
	p->mark = mark_of(kind_val);
	pp.port = p;
	pp.sizes.max_rings = NMD_VALE_MAX_RINGS;

	if (kind_val->type == YDOC_SCALAR)
		ctx_push(ld, &saved, "port \"%s\": ", q(ld, kind_val->value));
	else
		ctx_push(ld, &saved, "port #%zu: ", index + 1);
	r = walk_map(ld, entry, NULL, port_keys, ELEMENTSOF(port_keys), &pp,
		     1u << (kind + 1));
	if (p->kind != NMD_PORT_NIC)
		r = worse(r, sizes_resolve(ld, &pp.sizes, NMD_VALE_DEFAULT_RINGS,
					   NMD_VALE_DEFAULT_SLOTS, &p->tx_rings,
					   &p->rx_rings, &p->tx_slots,
					   &p->rx_slots));
	ctx_restore(ld, &saved);
	if (r == -ENOMEM)
		return r;
	if (r == 0 && pp.count)
		return expand_count(ld, sw, pp.v_count, pp.count);
	if (p->kind == NMD_PORT_NIC) {
		struct nic_pending *np = array_push(&w->nics, &w->n_nics,
						    &w->cap_nics,
						    sizeof(*w->nics));
		if (!np)
			return -ENOMEM;
		np->sw = sw_idx;
		np->port = sw->n_ports - 1;
		np->prep = pp.prep;
	}
	return r;
}

static int key_switch_name(struct loader *ld, const struct ydoc_node *key,
			   const struct ydoc_node *v, void *obj)
{
	struct nmd_switch *sw = obj;
	const char *why;
	int r;

	r = want_scalar(ld, key, v, "a name such as vale0");
	if (r < 0)
		return r;
	why = name_check_switch(v->value);
	if (why)
		return err_outer(ld, v, "switch name \"%s\" %s", q(ld, v->value),
				 why);
	snprintf(sw->name, sizeof(sw->name), "%s", v->value);
	sw->mark = mark_of(v);
	return 0;
}

/* Ports are walked after the name (parse_switch), whatever the key order. */
static int key_switch_ports(struct loader *ld, const struct ydoc_node *key,
			    const struct ydoc_node *v, void *obj)
{
	(void)obj;
	return want_sequence(ld, key, v);
}

static const struct key switch_keys[] = {
	{ "name", key_switch_name, KEY_REQUIRED },
	{ "ports", key_switch_ports, 0 },
};

static int parse_switch(struct walk *w, const struct ydoc_node *entry,
			size_t index)
{
	struct loader *ld = w->ld;
	struct nmd_config *c = ld->cfg;
	const struct ydoc_node *name = map_get(entry, "name");
	const struct ydoc_node *ports = map_get(entry, "ports");
	struct ctx_save saved;
	struct nmd_switch *sw;
	size_t sw_idx;
	int r;

	sw = array_push(&c->switches, &c->n_switches, &c->cap_switches,
			sizeof(*c->switches));
	if (!sw)
		return -ENOMEM;
	sw_idx = c->n_switches - 1;
	sw->mark = mark_of(entry);
	if (name && name->type == YDOC_SCALAR)
		ctx_push(ld, &saved, "switch \"%s\": ", q(ld, name->value));
	else
		ctx_push(ld, &saved, "switch #%zu: ", index + 1);
	r = walk_map(ld, entry, NULL, switch_keys, ELEMENTSOF(switch_keys), sw,
		     0);
	if (r != -ENOMEM && ports && ports->type == YDOC_SEQUENCE) {
		for (size_t i = 0; i < ports->n && !diags_stop(ld->d); i++) {
			/* The array may move: parse_port looks the switch up by index. */
			r = worse(r, parse_port(w, sw_idx, ports->items[i], i));
			if (r == -ENOMEM)
				break;
		}
	}
	ctx_restore(ld, &saved);
	return r;
}

static int parse_list(struct walk *w, const struct ydoc_node *key,
		      const struct ydoc_node *v,
		      int (*fn)(struct walk *, const struct ydoc_node *, size_t))
{
	int r = want_sequence(w->ld, key, v);

	if (r < 0)
		return r;
	/* After a bad entry go on with the next: report as much as we can. */
	for (size_t i = 0; i < v->n; i++) {
		if (diags_stop(w->ld->d))
			return worse(r, -EINVAL);
		r = worse(r, fn(w, v->items[i], i));
		if (r == -ENOMEM)
			return r;
	}
	return r;
}

static int key_switches(struct loader *ld, const struct ydoc_node *key,
			const struct ydoc_node *v, void *obj)
{
	(void)ld;
	return parse_list(obj, key, v, parse_switch);
}

/* ---- pipes --------------------------------------------------------------- */

/*
 * A string naming a port as the kernel knows it (@what: the key, for the
 * message), copied into @dst (NMD_REQ_IFNAMSIZ bytes) with its position.
 * Only the length is checked here: what kind of name it is, is known in
 * the cross-checks.
 */
static int get_req_name(struct loader *ld, const struct ydoc_node *key,
			const struct ydoc_node *v, const char *what,
			char dst[NMD_REQ_IFNAMSIZ], struct nmd_mark *mark)
{
	const char *s;
	int r;

	r = get_string(ld, key, v, &s);
	if (r < 0)
		return r;
	if (v->len >= NMD_REQ_IFNAMSIZ)
		return err(ld, v, "%s: \"%s\" is longer than %d characters", what,
			   q(ld, s), NMD_REQ_IFNAMSIZ - 1);
	snprintf(dst, NMD_REQ_IFNAMSIZ, "%s", s);
	*mark = mark_of(v);
	return 0;
}

static int key_pipe_parent(struct loader *ld, const struct ydoc_node *key,
			   const struct ydoc_node *v, void *obj)
{
	struct pipe_parse *pp = obj;

	/* The kind of name is known only in the cross-checks; this bounds it. */
	return get_req_name(ld, key, v, "parent", pp->pipe->parent,
			    &pp->pipe->parent_mark);
}

static int key_pipe_ids(struct loader *ld, const struct ydoc_node *key,
			const struct ydoc_node *v, void *obj)
{
	struct pipe_parse *pp = obj;
	struct nmd_pipe *pi = pp->pipe;
	int r = 0;

	pp->ids = key;
	if (v->type != YDOC_SEQUENCE)
		return err(ld, v, "ids: expected a list of pipe ids such as [1, 2], got %s",
			   got(v));
	if (v->n == 0)
		return err(ld, v, "ids: the list is empty");
	for (size_t i = 0; i < v->n; i++) {
		const struct ydoc_node *it = v->items[i];
		struct nmd_pipe_id *id;
		const char *why;

		if (it->type != YDOC_SCALAR) {
			r = worse(r, err(ld, it, "ids: expected a pipe id, got %s",
					 got(it)));
			continue;
		}
		why = name_check_pipe_id(it->value);
		if (why) {
			r = worse(r, err(ld, it, "pipe id \"%s\" %s",
					 q(ld, it->value), why));
			continue;
		}
		id = array_push(&pi->ids, &pi->n_ids, &pi->cap_ids,
				sizeof(*pi->ids));
		if (!id)
			return -ENOMEM;
		id->id = strdup(it->value);
		if (!id->id)
			return -ENOMEM;
		id->mark = mark_of(it);
	}
	return r;
}

static int key_pipe_count(struct loader *ld, const struct ydoc_node *key,
			  const struct ydoc_node *v, void *obj)
{
	struct pipe_parse *pp = obj;
	struct nmd_pipe *pi = pp->pipe;
	uint32_t n = 0;
	int r;

	pp->count = key;
	r = get_u32(ld, key, v, 1, NMD_PIPES_PER_PARENT, &n);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		struct nmd_pipe_id *id = array_push(&pi->ids, &pi->n_ids,
						    &pi->cap_ids,
						    sizeof(*pi->ids));
		char buf[16];

		if (!id)
			return -ENOMEM;
		snprintf(buf, sizeof(buf), "%u", i);
		id->id = strdup(buf);
		if (!id->id)
			return -ENOMEM;
		id->mark = mark_of(v);
	}
	return 0;
}

static int key_pipe_access(struct loader *ld, const struct ydoc_node *key,
			   const struct ydoc_node *v, void *obj)
{
	struct pipe_parse *pp = obj;

	return get_access(ld, key, v, &pp->pipe->access);
}

static const struct key pipe_keys[] = {
	{ "parent", key_pipe_parent, KEY_REQUIRED },
	{ "ids", key_pipe_ids, 0 },
	{ "count", key_pipe_count, 0 },
	{ "rings", key_rings, 0 },
	{ "tx_rings", key_tx_rings, 0 },
	{ "rx_rings", key_rx_rings, 0 },
	{ "slots", key_slots, 0 },
	{ "tx_slots", key_tx_slots, 0 },
	{ "rx_slots", key_rx_slots, 0 },
	{ "access", key_pipe_access, 0 },
};

static int parse_pipe(struct walk *w, const struct ydoc_node *entry,
		      size_t index)
{
	struct loader *ld = w->ld;
	struct nmd_config *c = ld->cfg;
	const struct ydoc_node *parent = map_get(entry, "parent");
	struct ctx_save saved;
	struct pipe_parse pp = { 0 };
	int r;

	pp.pipe = array_push(&c->pipes, &c->n_pipes, &c->cap_pipes,
			     sizeof(*c->pipes));
	if (!pp.pipe)
		return -ENOMEM;
	pp.pipe->mark = mark_of(entry);
	pp.sizes.max_rings = NMD_PIPE_MAX_RINGS;
	if (parent && parent->type == YDOC_SCALAR)
		ctx_push(ld, &saved, "pipes of \"%s\": ", q(ld, parent->value));
	else
		ctx_push(ld, &saved, "pipes #%zu: ", index + 1);
	r = walk_map(ld, entry, NULL, pipe_keys, ELEMENTSOF(pipe_keys), &pp, 0);
	if (r != -ENOMEM && entry->type == YDOC_MAPPING) {
		if (pp.ids && pp.count) {
			r = worse(r, err(ld, pp.count, "give either ids or count, not both"));
			pp.pipe->parent[0] = '\0'; /* skipped by the cross-checks */
		}
		else if (!pp.ids && !pp.count)
			r = worse(r, err(ld, entry, "missing key \"ids\" (a list of pipe ids) or \"count\""));
		/* Slots 0: the parent's, known in capacity.c. */
		r = worse(r, sizes_resolve(ld, &pp.sizes, 1, 0,
					   &pp.pipe->tx_rings, &pp.pipe->rx_rings,
					   &pp.pipe->tx_slots, &pp.pipe->rx_slots));
	}
	ctx_restore(ld, &saved);
	return r;
}

static int key_pipes(struct loader *ld, const struct ydoc_node *key,
		     const struct ydoc_node *v, void *obj)
{
	(void)ld;
	return parse_list(obj, key, v, parse_pipe);
}

/* ---- monitors ------------------------------------------------------------ */

static int key_monitor_port(struct loader *ld, const struct ydoc_node *key,
			    const struct ydoc_node *v, void *obj)
{
	struct nmd_monitor *m = obj;

	return get_req_name(ld, key, v, "port", m->target, &m->target_mark);
}

static int key_monitor_mode(struct loader *ld, const struct ydoc_node *key,
			    const struct ydoc_node *v, void *obj)
{
	static const char *const names[] = { "r", "t", "rt", "tr", "z" };
	static const unsigned modes[] = {
		NMD_MONITOR_RX, NMD_MONITOR_TX, NMD_MONITOR_RX | NMD_MONITOR_TX,
		NMD_MONITOR_RX | NMD_MONITOR_TX, NMD_MONITOR_ZCOPY,
	};
	struct nmd_monitor *m = obj;
	int i = 0, r;

	r = get_enum(ld, key, v, names, ELEMENTSOF(names), &i);
	if (r == 0)
		m->mode = modes[i];
	return r;
}

static int key_monitor_access(struct loader *ld, const struct ydoc_node *key,
			      const struct ydoc_node *v, void *obj)
{
	struct nmd_monitor *m = obj;

	return get_access(ld, key, v, &m->access);
}

static const struct key monitor_keys[] = {
	{ "port", key_monitor_port, KEY_REQUIRED },
	{ "mode", key_monitor_mode, KEY_REQUIRED },
	{ "access", key_monitor_access, 0 },
};

static int parse_monitor(struct walk *w, const struct ydoc_node *entry,
			 size_t index)
{
	struct loader *ld = w->ld;
	struct nmd_config *c = ld->cfg;
	const struct ydoc_node *port = map_get(entry, "port");
	struct ctx_save saved;
	struct nmd_monitor *m;
	int r;

	m = array_push(&c->monitors, &c->n_monitors, &c->cap_monitors,
		       sizeof(*c->monitors));
	if (!m)
		return -ENOMEM;
	m->mark = mark_of(entry);
	if (port && port->type == YDOC_SCALAR)
		ctx_push(ld, &saved, "monitor of \"%s\": ", q(ld, port->value));
	else
		ctx_push(ld, &saved, "monitor #%zu: ", index + 1);
	r = walk_map(ld, entry, NULL, monitor_keys, ELEMENTSOF(monitor_keys),
		     m, 0);
	ctx_restore(ld, &saved);
	if (r < 0)
		m->target[0] = '\0'; /* skipped by the cross-checks */
	return r;
}

static int key_monitors(struct loader *ld, const struct ydoc_node *key,
			const struct ydoc_node *v, void *obj)
{
	(void)ld;
	return parse_list(obj, key, v, parse_monitor);
}

/* ---- regions ------------------------------------------------------------- */

static int key_region_memory(struct loader *ld, const struct ydoc_node *key,
			     const struct ydoc_node *v, void *obj)
{
	struct nmd_region_share *s = obj;

	return get_req_name(ld, key, v, "memory", s->memory, &s->memory_mark);
}

static int key_region_shared_by(struct loader *ld, const struct ydoc_node *key,
				const struct ydoc_node *v, void *obj)
{
	struct nmd_region_share *s = obj;

	return get_access(ld, key, v, &s->shared_by);
}

static const struct key region_keys[] = {
	{ "memory", key_region_memory, KEY_REQUIRED },
	{ "shared_by", key_region_shared_by, KEY_REQUIRED },
};

static int parse_region(struct walk *w, const struct ydoc_node *entry, size_t index)
{
	struct loader *ld = w->ld;
	struct nmd_config *c = ld->cfg;
	struct nmd_region_share *s;
	struct ctx_save saved;
	int r;

	s = array_push(&c->regions, &c->n_regions, &c->cap_regions, sizeof(*c->regions));
	if (!s)
		return -ENOMEM;
	s->mark = mark_of(entry);
	ctx_push(ld, &saved, "regions #%zu: ", index + 1);
	r = walk_map(ld, entry, NULL, region_keys, ELEMENTSOF(region_keys), s, 0);
	ctx_restore(ld, &saved);
	if (r < 0)
		s->memory[0] = '\0';
	return r;
}

static int key_regions(struct loader *ld, const struct ydoc_node *key,
		       const struct ydoc_node *v, void *obj)
{
	(void)ld;
	return parse_list(obj, key, v, parse_region);
}

/* ---- the top level -------------------------------------------------------- */

static int key_top_module(struct loader *ld, const struct ydoc_node *key,
			  const struct ydoc_node *v, void *obj)
{
	return key_module(ld, key, v, ((struct walk *)obj)->ld->cfg);
}

static int key_top_version(struct loader *ld, const struct ydoc_node *key,
			   const struct ydoc_node *v, void *obj)
{
	return key_version(ld, key, v, ((struct walk *)obj)->ld->cfg);
}

static int key_top_socket(struct loader *ld, const struct ydoc_node *key,
			  const struct ydoc_node *v, void *obj)
{
	return key_socket(ld, key, v, ((struct walk *)obj)->ld->cfg);
}

static int key_top_limits(struct loader *ld, const struct ydoc_node *key,
			  const struct ydoc_node *v, void *obj)
{
	return key_limits(ld, key, v, ((struct walk *)obj)->ld->cfg);
}

static int key_top_admin(struct loader *ld, const struct ydoc_node *key,
			 const struct ydoc_node *v, void *obj)
{
	return key_admin(ld, key, v, ((struct walk *)obj)->ld->cfg);
}

static int key_top_nic_defaults(struct loader *ld, const struct ydoc_node *key,
				const struct ydoc_node *v, void *obj)
{
	return key_nic_defaults(ld, key, v, ((struct walk *)obj)->ld->cfg);
}

static const struct key top_keys[] = {
	{ "version", key_top_version, KEY_REQUIRED },
	{ "module", key_top_module, 0 },
	{ "socket", key_top_socket, 0 },
	{ "limits", key_top_limits, 0 },
	{ "admin", key_top_admin, 0 },
	{ "nic_defaults", key_top_nic_defaults, 0 },
	{ "switches", key_switches, 0 },
	{ "pipes", key_pipes, 0 },
	{ "monitors", key_monitors, 0 },
	{ "regions", key_regions, 0 },
	{ "handles", key_top_handles, 0 },
};

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
static int check_switches(struct loader *ld)
{
	struct nmd_config *c = ld->cfg;
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
			r = worse(r, err_at(ld, sw->mark,
					    "switch \"%s\" has %zu ports (a NIC with host rings counts twice); a VALE switch has at most %d",
					    sw->name, ports, NMD_SWITCH_MAX_PORTS));
	}
	qsort(v, n, sizeof(*v), ent_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct nmd_switch *a = v[i - 1].obj, *b = v[i].obj;

		if (streq(a->name, b->name))
			r = worse(r, err_at(ld, b->mark,
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
static int index_ports(struct loader *ld, struct ent **ret, size_t *ret_n)
{
	struct nmd_config *c = ld->cfg;
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
				r = worse(r, err_at(ld, p->mark,
						    "switch \"%s\": NIC \"%s\" is already on switch \"%s\" (line %u); a NIC can be on one switch only",
						    c->switches[p->sw].name, p->name,
						    c->switches[first->sw].name,
						    first->mark.line));
			} else if (p->kind == first->kind) {
				r = worse(r, err_at(ld, p->mark,
						    "switch \"%s\": %s \"%s\" is defined twice (first at line %u)",
						    c->switches[p->sw].name,
						    port_desc(p), p->name,
						    first->mark.line));
			} else {
				r = worse(r, err_at(ld, p->mark,
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
				r = worse(r, err_at(ld, p->mark,
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

static int check_memory(struct loader *ld, const struct ent *idx, size_t n)
{
	struct nmd_config *c = ld->cfg;
	int r = 0;

	for (size_t i = 0; i < c->n_switches; i++) {
		for (size_t j = 0; j < c->switches[i].n_ports; j++) {
			struct nmd_port *p = &c->switches[i].ports[j];
			const struct nmd_port *t;

			if (!p->memory || !p->full[0] || streq(p->memory, "global"))
				continue;
			t = lookup_port(idx, n, p->memory);
			if (!t)
				r = worse(r, err_at(ld, p->memory_mark,
						    "switch \"%s\": port \"%s\": memory: \"%s\" is not a port in this file (write \"private\", \"global\" or the name of a VALE port, such as vale0:vm1)",
						    c->switches[i].name, p->name, q(ld, p->memory)));
			else if (t == p)
				r = worse(r, err_at(ld, p->memory_mark,
						    "switch \"%s\": port \"%s\": memory: a port cannot share its own region; leave memory out",
						    c->switches[i].name, p->name));
			else if (t->kind == NMD_PORT_NIC)
				r = worse(r, err_at(ld, p->memory_mark,
						    "switch \"%s\": port \"%s\": memory: NIC \"%s\" uses the global region; write memory: global",
						    c->switches[i].name, p->name, t->name));
			else if (t->memory)
				r = worse(r, err_at(ld, p->memory_mark,
						    "switch \"%s\": port \"%s\": memory: port \"%s\" itself uses the region of \"%s\"; name that one",
						    c->switches[i].name, p->name, t->full, t->memory));
			else
				p->memory_port = t;
		}
	}
	return r;
}

static int resolve_nics(struct walk *w)
{
	struct nmd_config *c = w->ld->cfg;

	for (size_t i = 0; i < w->n_nics; i++) {
		struct nmd_port *p = &c->switches[w->nics[i].sw].ports[w->nics[i].port];

		p->prep = c->nic_defaults;
		prep_apply(&p->prep, &w->nics[i].prep);
	}
	return 0;
}

/* Pipe parents and ids: every pipe name once, at most 64 per parent. */
static int check_pipes(struct loader *ld, const struct ent *idx, size_t n,
		       struct ent **ret, size_t *ret_n)
{
	struct nmd_config *c = ld->cfg;
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
				r = worse(r, err_at(ld, pi->parent_mark,
						    "pipes: parent \"%s\" is not a port in this file",
						    q(ld, pi->parent)));
				continue;
			}
			why = name_check_persistent(pi->parent);
			if (why) {
				r = worse(r, err_at(ld, pi->parent_mark,
						    "pipes: parent name \"%s\" %s",
						    q(ld, pi->parent), why));
				continue;
			}
		}
		for (size_t j = 0; j < pi->n_ids; j++) {
			if (strlen(pi->parent) + 1 + strlen(pi->ids[j].id) >=
			    NMD_REQ_IFNAMSIZ) {
				r = worse(r, err_at(ld, pi->ids[j].mark,
						    "pipes of \"%s\": pipe name \"%s{%s\" is longer than 63 characters",
						    q(ld, pi->parent), q(ld, pi->parent),
						    q(ld, pi->ids[j].id)));
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
				r = worse(r, err_at(ld, b->mark,
						    "pipes of \"%s\": pipe id \"%s\" is given twice (first at line %u)",
						    q(ld, v[i].key), q(ld, b->id),
						    a->mark.line));
		}
		if (j - i > NMD_PIPES_PER_PARENT) {
			const struct nmd_pipe_id *last = v[i + NMD_PIPES_PER_PARENT].obj;

			r = worse(r, err_at(ld, last->mark,
					    "pipes of \"%s\": %zu pipes, netmap allows at most %d per parent",
					    q(ld, v[i].key), j - i,
					    NMD_PIPES_PER_PARENT));
		}
		i = j;
	}
	*ret = TAKE_PTR(v);
	*ret_n = m;
	return r;
}

static int check_monitors(struct loader *ld, const struct ent *ports, size_t n,
			  const struct ent *pipes, size_t np)
{
	struct nmd_config *c = ld->cfg;
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
				r = worse(r, err_at(ld, mo->target_mark,
						    "monitor: \"%s\" names host rings, but \"%s\" is not a NIC with host: true in this file",
						    q(ld, mo->target), q(ld, name)));
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
				r = worse(r, err_at(ld, mo->target_mark,
						    "monitor: pipe \"%s\" is not defined in this file",
						    q(ld, mo->target)));
				continue;
			}
		} else if (!(mo->port = lookup_port(ports, n, name))) {
			r = worse(r, err_at(ld, mo->target_mark,
					    "monitor: port \"%s\" is not defined in this file",
					    q(ld, mo->target)));
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
				r = worse(r, err_at(ld, b->mark,
						    "monitor of \"%s\" with this mode is defined twice (first at line %u)",
						    q(ld, b->target), a->mark.line));
				break;
			}
		}
	}
	return r;
}

static int cross_check(struct walk *w)
{
	struct loader *ld = w->ld;
	_cleanup_free_ struct ent *ports = NULL;
	_cleanup_free_ struct ent *pipes = NULL;
	size_t n_ports = 0, n_pipes = 0;
	int r, q_r;

	ld->ctx[0] = '\0';
	r = check_switches(ld);
	if (r == -ENOMEM)
		return r;
	q_r = index_ports(ld, &ports, &n_ports);
	if (q_r == -ENOMEM)
		return q_r;
	r = worse(r, q_r);
	r = worse(r, check_memory(ld, ports, n_ports));
	r = worse(r, resolve_nics(w));
	q_r = check_pipes(ld, ports, n_ports, &pipes, &n_pipes);
	if (q_r == -ENOMEM)
		return q_r;
	r = worse(r, q_r);
	r = worse(r, check_monitors(ld, ports, n_ports, pipes, n_pipes));
	/* Trust domains, on the references resolved above. */
	return worse(r, regions_check(ld->cfg, ld->d));
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
	struct ydoc_node *root = NULL;
	struct loader ld = { .d = d };
	struct walk w = { .ld = &ld };
	int r;

	*ret = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	r = config_defaults(c, name);
	if (r < 0)
		return r;
	ld.cfg = c;

	r = ydoc_parse(buf, len, NULL, d, &root);
	if (r < 0)
		return r;
	if (!root) {
		r = diag_add(d, 0, 0, "the file is empty; it needs at least \"version: %d\"",
			     CONFIG_VERSION);
		goto out;
	}
	r = walk_map(&ld, root, NULL, top_keys, ELEMENTSOF(top_keys), &w, 0);
	if (r != -ENOMEM)
		r = worse(r, cross_check(&w));
out:
	ydoc_free(root);
	free(w.nics);
	if (r < 0)
		return r;
	if (d->n > 0) /* defensive: every reported error must fail the load */
		return -EINVAL;
	c->text = strndup(buf, len);
	if (!c->text)
		return -ENOMEM;
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
	r = read_regular_file(path, ydoc_default_limits.max_input, &buf, &len, why, sizeof(why));
	if (r < 0) {
		diag_add(d, 0, 0, "%s", why);
		return r;
	}
	/* One byte over the limit: config_load_buffer() says it is too large. */
	return config_load_buffer(path, buf, len, ret, d);
}

static void pipe_done(struct nmd_pipe *pi)
{
	for (size_t i = 0; i < pi->n_ids; i++)
		free(pi->ids[i].id);
	free(pi->ids);
	access_done(&pi->access);
}

void config_free(struct nmd_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_switches; i++) {
		struct nmd_switch *sw = &c->switches[i];

		for (size_t j = 0; j < sw->n_ports; j++) {
			free(sw->ports[j].memory);
			access_done(&sw->ports[j].access);
		}
		free(sw->ports);
	}
	free(c->switches);
	for (size_t i = 0; i < c->n_pipes; i++)
		pipe_done(&c->pipes[i]);
	free(c->pipes);
	for (size_t i = 0; i < c->n_monitors; i++)
		access_done(&c->monitors[i].access);
	free(c->monitors);
	for (size_t i = 0; i < c->n_regions; i++)
		access_done(&c->regions[i].shared_by);
	free(c->regions);
	access_done(&c->admin);
	principal_done(&c->socket.group);
	free(c->socket.path);
	free(c->module.load);
	free(c->file);
	free(c->text);
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
