// SPDX-License-Identifier: BSD-2-Clause
/*
 * cfgwalk - mappings checked against tables of keys, the typed getters and
 * the walk's messages (see cfgwalk.h).
 */
#include "cfgwalk.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* @s shortened for a message (at most ~64 bytes, cut on a UTF-8 boundary). */
const char *cfgwalk_q(struct cfgwalk *w, const char *s)
{
	char *buf = w->qbuf[w->qnext++ % ELEMENTSOF(w->qbuf)];
	size_t n = strlen(s);

	if (n <= 64)
		return s;
	n = 60;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	snprintf(buf, sizeof(w->qbuf[0]), "%.*s...", (int)n, s);
	return buf;
}

static int walk_errv(struct cfgwalk *w, unsigned line, unsigned column,
		     const char *fmt, va_list ap)
{
	char msg[DIAG_MSG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return diag_add(w->d, line, column, "%s%s", w->ctx, msg);
}

/* Report at @at (a node); returns -EINVAL (-ENOMEM if the message was lost). */
int cfgwalk_err(struct cfgwalk *w, const struct yaml_doc_node *at,
		const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = walk_errv(w, at ? at->line : 0, at ? at->column : 0, fmt, ap);
	va_end(ap);
	return r;
}

int cfgwalk_err_at(struct cfgwalk *w, struct nmd_mark m,
		   const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = walk_errv(w, m.line, m.column, fmt, ap);
	va_end(ap);
	return r;
}

struct nmd_mark cfgwalk_mark(const struct yaml_doc_node *n)
{
	return (struct nmd_mark){ .line = n->line, .column = n->column };
}

/* Keep the worst result: -ENOMEM over -EINVAL over 0. */
const char *cfgwalk_at(struct cfgwalk *w, unsigned line)
{
	char *buf = w->atbuf[w->atn++ % ELEMENTSOF(w->atbuf)];

	return diag_where(w->d, line, buf, sizeof(w->atbuf[0]));
}

int cfgwalk_worse(int a, int b)
{
	if (a == -ENOMEM || b == -ENOMEM)
		return -ENOMEM;
	return a < 0 ? a : b;
}

/* Save and extend the message prefix; cfgwalk_restore() puts it back. */
void cfgwalk_push(struct cfgwalk *w, struct cfgwalk_ctx *saved,
		  const char *fmt, ...)
{
	size_t len = strlen(w->ctx);
	va_list ap;

	memcpy(saved->ctx, w->ctx, sizeof(w->ctx));
	saved->outer = w->outer;
	w->outer = len;
	va_start(ap, fmt);
	vsnprintf(w->ctx + len, sizeof(w->ctx) - len, fmt, ap);
	va_end(ap);
}

void cfgwalk_restore(struct cfgwalk *w, const struct cfgwalk_ctx *saved)
{
	memcpy(w->ctx, saved->ctx, sizeof(w->ctx));
	w->outer = saved->outer;
}

/*
 * Report at @at without the innermost object's prefix: for a bad name of
 * that object, which the prefix would only repeat
 * (`switch "vale0": port name "a b" has ...`).
 */
int cfgwalk_err_outer(struct cfgwalk *w, const struct yaml_doc_node *at,
		      const char *fmt, ...)
{
	char saved = w->ctx[w->outer];
	va_list ap;
	int r;

	w->ctx[w->outer] = '\0';
	va_start(ap, fmt);
	r = walk_errv(w, at->line, at->column, fmt, ap);
	va_end(ap);
	w->ctx[w->outer] = saved;
	return r;
}

/* ---- scalars ------------------------------------------------------------ */

/* A YAML null ("key:" with nothing after it, "~", "null"): an empty section. */
bool cfgwalk_is_null(const struct yaml_doc_node *v)
{
	return v->type == YAML_DOC_SCALAR && v->plain &&
	       (v->len == 0 || streq(v->value, "~") || streq(v->value, "null") ||
		streq(v->value, "Null") || streq(v->value, "NULL"));
}

const char *cfgwalk_got(const struct yaml_doc_node *v)
{
	return cfgwalk_is_null(v) ? "nothing" : yaml_doc_type_name(v->type);
}

int cfgwalk_want_scalar(struct cfgwalk *w, const struct yaml_doc_node *key,
			const struct yaml_doc_node *v, const char *what)
{
	if (v->type == YAML_DOC_SCALAR)
		return 0;
	return cfgwalk_err(w, v, "%s: expected %s, got %s", key->value, what,
			   cfgwalk_got(v));
}

/* A plain decimal integer (no sign, no leading zero, no YAML 1.1 "_"). */
int cfgwalk_uint(struct cfgwalk *w, const struct yaml_doc_node *key,
		 const struct yaml_doc_node *v, uint64_t min, uint64_t max,
		 uint64_t *out)
{
	uint64_t x = 0;
	int r;

	r = cfgwalk_want_scalar(w, key, v, "an integer");
	if (r < 0)
		return r;
	if (!v->plain)
		return cfgwalk_err(w, v, "%s: expected an integer, got the string \"%s\" (remove the quotes)",
				   key->value, cfgwalk_q(w, v->value));
	if (v->len == 0)
		return cfgwalk_err(w, v, "%s: expected an integer, got nothing",
				   key->value);
	if (v->value[0] < '0' || v->value[0] > '9')
		return cfgwalk_err(w, v, "%s: expected an integer, got \"%s\"",
				   key->value, cfgwalk_q(w, v->value));
	if (v->value[0] == '0' && v->len > 1)
		return cfgwalk_err(w, v, "%s: \"%s\": write the number without leading zeros",
				   key->value, cfgwalk_q(w, v->value));
	for (const char *p = v->value; *p; p++) {
		if (*p < '0' || *p > '9')
			return cfgwalk_err(w, v, "%s: expected an integer, got \"%s\"",
					   key->value, cfgwalk_q(w, v->value));
		if (x > (UINT64_MAX - 9) / 10)
			return cfgwalk_err(w, v, "%s: %s is out of range %llu..%llu",
					   key->value, cfgwalk_q(w, v->value),
					   (unsigned long long)min,
					   (unsigned long long)max);
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (x < min || x > max)
		return cfgwalk_err(w, v, "%s: %llu is out of range %llu..%llu",
				   key->value, (unsigned long long)x,
				   (unsigned long long)min, (unsigned long long)max);
	*out = x;
	return 0;
}

int cfgwalk_u32(struct cfgwalk *w, const struct yaml_doc_node *key,
		const struct yaml_doc_node *v, uint32_t min, uint32_t max,
		uint32_t *out)
{
	uint64_t x = 0;
	int r = cfgwalk_uint(w, key, v, min, max, &x);

	if (r == 0)
		*out = (uint32_t)x;
	return r;
}

int cfgwalk_bool(struct cfgwalk *w, const struct yaml_doc_node *key,
		 const struct yaml_doc_node *v, bool *out)
{
	const char *const yes[] = { "true", "True", "TRUE", "yes",
					   "Yes", "YES", "on", "On", "ON" };
	const char *const no[] = { "false", "False", "FALSE", "no",
					  "No", "NO", "off", "Off", "OFF" };
	int r;

	r = cfgwalk_want_scalar(w, key, v, "true or false");
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
	return cfgwalk_err(w, v, "%s: expected true or false, got \"%s\"", key->value,
			   cfgwalk_q(w, v->value));
}

/* One of @names; *out is its index. */
int cfgwalk_enum(struct cfgwalk *w, const struct yaml_doc_node *key,
		 const struct yaml_doc_node *v, const char *const *names,
		 size_t n, int *out)
{
	char list[128] = "";
	const char *hint;
	int r;

	r = cfgwalk_want_scalar(w, key, v, "a word");
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
		return cfgwalk_err(w, v, "%s: unknown value \"%s\" (did you mean \"%s\"?)",
				   key->value, cfgwalk_q(w, v->value), hint);
	return cfgwalk_err(w, v, "%s: unknown value \"%s\" (expected one of: %s)",
			   key->value, cfgwalk_q(w, v->value), list);
}

int cfgwalk_string(struct cfgwalk *w, const struct yaml_doc_node *key,
		   const struct yaml_doc_node *v, const char **out)
{
	int r = cfgwalk_want_scalar(w, key, v, "a string");

	if (r < 0)
		return r;
	if (v->len == 0)
		return cfgwalk_err(w, v, "%s: is empty", key->value);
	*out = v->value;
	return 0;
}

/* ---- mappings: a table of keys per mapping ----------------------------- */

static const char *kinds_text(unsigned flags)
{
	switch (flags & CFGWALK_ANY_KIND) {
	case CFGWALK_NIC:
		return "nic ports";
	case CFGWALK_VALE:
		return "ephemeral and persistent ports";
	case CFGWALK_EPHEMERAL:
		return "ephemeral ports";
	case CFGWALK_PERSISTENT:
		return "persistent ports";
	default:
		return "other ports";
	}
}

static int unknown_key(struct cfgwalk *w, const struct yaml_doc_node *k,
		       const char *pre, const struct cfgwalk_key *keys, size_t n)
{
	const char *names[CFGWALK_KEYS_MAX];
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
		return cfgwalk_err(w, k, "%sunknown key \"%s\" (did you mean \"%s\"?)",
				   pre, cfgwalk_q(w, k->value), hint);
	return cfgwalk_err(w, k, "%sunknown key \"%s\" (expected one of: %s)", pre,
			   cfgwalk_q(w, k->value), list);
}

/*
 * Check every key of mapping @m against @keys and call their handlers on
 * @obj. @what (or NULL when the context prefix says it) starts each
 * message; @kind (0 or a CFGWALK_ bit) rejects keys meant for other kinds of port.
 */
/* Required keys of @keys (for @kind, 0: any) that @seen lacks, reported at @m. */
static int missing_keys(struct cfgwalk *w, const struct yaml_doc_node *m,
			const char *pre, const struct cfgwalk_key *keys,
			size_t n, const struct yaml_doc_node *const *seen,
			unsigned kind)
{
	int r = 0;

	for (size_t j = 0; j < n; j++)
		if ((keys[j].flags & CFGWALK_REQUIRED) && !(seen && seen[j]) &&
		    (!kind || (keys[j].flags & kind)))
			r = cfgwalk_worse(r, cfgwalk_err(w, m, "%smissing key \"%s\"",
							 pre, keys[j].name));
	return r;
}

/* Key @k: @v of a mapping: find its entry in @keys and parse it into @obj. */
static int walk_key(struct cfgwalk *w, const struct yaml_doc_node *k,
		    const struct yaml_doc_node *v, const char *pre,
		    const struct cfgwalk_key *keys, size_t n, void *obj,
		    unsigned kind, const struct yaml_doc_node **seen)
{
	size_t j;

	for (j = 0; j < n; j++)
		if (streq(k->value, keys[j].name))
			break;
	if (j == n)
		return unknown_key(w, k, pre, keys, n);
	if (kind && !(keys[j].flags & kind))
		return cfgwalk_err(w, k, "key \"%s\" is only for %s", k->value,
				   kinds_text(keys[j].flags));
	if (seen[j])
		return cfgwalk_err(w, k, "%sduplicate key \"%s\" (first at %s)",
				   pre, k->value, cfgwalk_at(w, seen[j]->line));
	seen[j] = k;
	return keys[j].parse(w, &keys[j], k, v, (char *)obj + keys[j].offset);
}

int cfgwalk_map(struct cfgwalk *w, const struct yaml_doc_node *m,
		const char *what, const struct cfgwalk_key *keys, size_t n,
		void *obj, unsigned kind)
{
	const struct yaml_doc_node *seen[CFGWALK_KEYS_MAX] = { NULL };
	char pre[64] = "";
	int r = 0;

	if (what)
		snprintf(pre, sizeof(pre), "%s: ", what);
	/* A section left empty: only its required keys are missing. */
	if (cfgwalk_is_null(m) && what)
		return missing_keys(w, m, pre, keys, n, NULL, 0);
	if (m->type != YAML_DOC_MAPPING)
		return cfgwalk_err(w, m, "%sexpected a mapping, got %s", pre,
				   cfgwalk_got(m));
	for (size_t i = 0; i < yaml_doc_map_size(m); i++) {
		if (diags_stop(w->d))
			return cfgwalk_worse(r, -EINVAL);
		r = cfgwalk_worse(r, walk_key(w, m->items[2 * i], m->items[2 * i + 1],
					      pre, keys, n, obj, kind, seen));
		if (r == -ENOMEM)
			return r;
	}
	return cfgwalk_worse(r, missing_keys(w, m, pre, keys, n, seen, kind));
}

/* The scalar value of key @name in mapping @m, if there is one. */
const struct yaml_doc_node *cfgwalk_map_get(const struct yaml_doc_node *m,
					    const char *name)
{
	if (m->type != YAML_DOC_MAPPING)
		return NULL;
	for (size_t i = 0; i < yaml_doc_map_size(m); i++)
		if (streq(m->items[2 * i]->value, name))
			return m->items[2 * i + 1];
	return NULL;
}

int cfgwalk_want_sequence(struct cfgwalk *w, const struct yaml_doc_node *key,
			  const struct yaml_doc_node *v)
{
	if (v->type == YAML_DOC_SEQUENCE || cfgwalk_is_null(v)) /* null: an empty list */
		return 0;
	return cfgwalk_err(w, v, "%s: expected a sequence (a list of entries), got %s",
			   key->value, cfgwalk_got(v));
}

/* ---- parsers for the tables --------------------------------------------- */

int cfgwalk_parse_u64(struct cfgwalk *w, const struct cfgwalk_key *k,
		      const struct yaml_doc_node *key,
		      const struct yaml_doc_node *v, void *field)
{
	return cfgwalk_uint(w, key, v, k->min, k->max, field);
}

int cfgwalk_parse_u32(struct cfgwalk *w, const struct cfgwalk_key *k,
		      const struct yaml_doc_node *key,
		      const struct yaml_doc_node *v, void *field)
{
	return cfgwalk_u32(w, key, v, (uint32_t)k->min, (uint32_t)k->max, field);
}

int cfgwalk_parse_bool(struct cfgwalk *w, const struct cfgwalk_key *k,
		       const struct yaml_doc_node *key,
		       const struct yaml_doc_node *v, void *field)
{
	(void)k;
	return cfgwalk_bool(w, key, v, field);
}

int cfgwalk_parse_tristate(struct cfgwalk *w, const struct cfgwalk_key *k,
			   const struct yaml_doc_node *key,
			   const struct yaml_doc_node *v, void *field)
{
	bool b = false;
	int r = cfgwalk_bool(w, key, v, &b);

	(void)k;
	if (r == 0)
		*(int *)field = b;
	return r;
}

int cfgwalk_parse_word(struct cfgwalk *w, const struct cfgwalk_key *k,
		       const struct yaml_doc_node *key,
		       const struct yaml_doc_node *v, void *field)
{
	const struct cfgwalk_words *words = k->arg;
	int i = 0, r;

	r = cfgwalk_enum(w, key, v, words->names, words->n, &i);
	if (r == 0)
		*(int *)field = words->values ? words->values[i] : i;
	return r;
}

int cfgwalk_parse_section(struct cfgwalk *w, const struct cfgwalk_key *k,
			  const struct yaml_doc_node *key,
			  const struct yaml_doc_node *v, void *field)
{
	const struct cfgwalk_table *t = k->arg;

	return cfgwalk_map(w, v, key->value, t->keys, t->n, field, 0);
}

int cfgwalk_parse_list(struct cfgwalk *w, const struct cfgwalk_key *k,
		       const struct yaml_doc_node *key,
		       const struct yaml_doc_node *v, void *field)
{
	const struct cfgwalk_list *list = k->arg;
	int r = cfgwalk_want_sequence(w, key, v);

	(void)field;
	if (r < 0)
		return r;
	/* After a bad entry go on with the next: report as much as we can. */
	for (size_t i = 0; i < v->n; i++) {
		if (diags_stop(w->d))
			return cfgwalk_worse(r, -EINVAL);
		r = cfgwalk_worse(r, list->entry(w, v->items[i], i));
		if (r == -ENOMEM)
			return r;
	}
	return r;
}
