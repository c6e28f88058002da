/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cfgwalk - the walker under config.c: a bounded YAML tree (yaml_doc.h)
 * checked against tables of keys, with the typed getters the tables'
 * parsers share and the messages they give.
 *
 * A mapping's schema is data: an array of struct cfgwalk_key, each naming
 * a key, the parser of its value, where in the mapping's object the value
 * goes (offset), flags (required; which kinds of port the key is for) and
 * the parser's argument (a range, a list of words, a nested table).
 * cfgwalk_map() refuses unknown keys (with a did-you-mean), duplicates and
 * keys meant for another kind of port, reports missing required keys, and
 * calls each key's parser with a pointer to its field.
 *
 * Messages go to the walk's diags at the node they are about, after the
 * context prefix (`switch "vale0": port "a": `, see cfgwalk_push()). Every
 * function returning int returns 0, -EINVAL (reported) or -ENOMEM (stop);
 * callers go on after -EINVAL to report as much as the diags bound allows.
 */
#ifndef NETMAPD_CFGWALK_H
#define NETMAPD_CFGWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "diag.h"
#include "util.h"
#include "yaml_doc.h"

#define CFGWALK_CTX_MAX 192

struct cfgwalk {
	struct diags *d;
	struct nmd_config *cfg;      /* what the parsers fill in */
	void *state;                 /* the schema's own (cfgkeys.c) */
	char ctx[CFGWALK_CTX_MAX];   /* prefix of messages: where we are */
	size_t outer;                /* length of ctx before the innermost object's part */
	char atbuf[2][320];          /* cfgwalk_at() */
	unsigned atn;
	char qbuf[4][80];            /* cfgwalk_q(): user values shortened for messages */
	unsigned qnext;
};

struct cfgwalk_key;

/* Parse value @v of @key into @field (the object's address + k->offset). */
typedef int (*cfgwalk_parse_fn)(struct cfgwalk *w, const struct cfgwalk_key *k,
				const struct yaml_doc_node *key,
				const struct yaml_doc_node *v, void *field);

enum {
	CFGWALK_REQUIRED = 1 << 0,
	/* Port entries: which kinds a key is for. */
	CFGWALK_EPHEMERAL = 1 << 1,
	CFGWALK_PERSISTENT = 1 << 2,
	CFGWALK_NIC = 1 << 3,
	CFGWALK_VALE = CFGWALK_EPHEMERAL | CFGWALK_PERSISTENT,
	CFGWALK_ANY_KIND = CFGWALK_VALE | CFGWALK_NIC,
};

struct cfgwalk_key {
	const char *name;
	cfgwalk_parse_fn parse;
	size_t offset;          /* of the value's field in the mapping's object */
	unsigned flags;         /* CFGWALK_* */
	uint64_t min, max;      /* integer parsers: the range */
	const void *arg;        /* the parser's own: a table, words, a name */
};

#define CFGWALK_KEYS_MAX 24     /* keys of the largest table */

/* Table entries: @field_ of @type_ is where the value goes. */
#define CFGWALK_KEY(name_, parse_, type_, field_, flags_)                      \
	{ .name = (name_), .parse = (parse_),                                  \
	  .offset = offsetof(type_, field_), .flags = (flags_) }
#define CFGWALK_KEY_RANGE(name_, parse_, type_, field_, flags_, min_, max_)    \
	{ .name = (name_), .parse = (parse_),                                  \
	  .offset = offsetof(type_, field_), .flags = (flags_),                \
	  .min = (min_), .max = (max_) }
#define CFGWALK_KEY_ARG(name_, parse_, type_, field_, flags_, arg_)            \
	{ .name = (name_), .parse = (parse_),                                  \
	  .offset = offsetof(type_, field_), .flags = (flags_), .arg = (arg_) }
/* A key whose parser takes the whole object (offset 0). */
#define CFGWALK_KEY_OBJ(name_, parse_, flags_)                                 \
	{ .name = (name_), .parse = (parse_), .flags = (flags_) }

/* A nested mapping's keys (cfgwalk_parse_section). */
struct cfgwalk_table {
	const struct cfgwalk_key *keys;
	size_t n;
};

#define CFGWALK_TABLE(keys_)                                                   \
	(&(const struct cfgwalk_table){ (keys_), ELEMENTSOF(keys_) })

/* The words a key takes (cfgwalk_parse_word): values[i], or i when values is NULL. */
struct cfgwalk_words {
	const char *const *names;
	const int *values;
	size_t n;
};

/* A sequence's entries, each parsed by @entry (cfgwalk_parse_list). */
struct cfgwalk_list {
	int (*entry)(struct cfgwalk *w, const struct yaml_doc_node *entry,
		     size_t index);
};

/* ---- messages ---- */
const char *cfgwalk_q(struct cfgwalk *w, const char *s);
int cfgwalk_err(struct cfgwalk *w, const struct yaml_doc_node *at,
		const char *fmt, ...) _printf_(3, 4);
int cfgwalk_err_at(struct cfgwalk *w, struct nmd_mark m, const char *fmt, ...)
	_printf_(3, 4);
/* Without the innermost object's prefix: for a bad name of that object. */
int cfgwalk_err_outer(struct cfgwalk *w, const struct yaml_doc_node *at,
		      const char *fmt, ...) _printf_(3, 4);
struct nmd_mark cfgwalk_mark(const struct yaml_doc_node *n);
/* The worst of two results: -ENOMEM over -EINVAL over 0. */
/* @line for a message about another place: "line 12" or "FILE:12" (see diag_where()). */
const char *cfgwalk_at(struct cfgwalk *w, unsigned line);
int cfgwalk_worse(int a, int b);

struct cfgwalk_ctx {
	char ctx[CFGWALK_CTX_MAX];
	size_t outer;
};

/* Save and extend the message prefix; cfgwalk_restore() puts it back. */
void cfgwalk_push(struct cfgwalk *w, struct cfgwalk_ctx *saved,
		  const char *fmt, ...) _printf_(3, 4);
void cfgwalk_restore(struct cfgwalk *w, const struct cfgwalk_ctx *saved);

/* ---- typed getters: @key names the value in messages ---- */
bool cfgwalk_is_null(const struct yaml_doc_node *v);
const char *cfgwalk_got(const struct yaml_doc_node *v);
int cfgwalk_want_scalar(struct cfgwalk *w, const struct yaml_doc_node *key,
			const struct yaml_doc_node *v, const char *what);
int cfgwalk_want_sequence(struct cfgwalk *w, const struct yaml_doc_node *key,
			  const struct yaml_doc_node *v);
int cfgwalk_uint(struct cfgwalk *w, const struct yaml_doc_node *key,
		 const struct yaml_doc_node *v, uint64_t min, uint64_t max,
		 uint64_t *out);
int cfgwalk_u32(struct cfgwalk *w, const struct yaml_doc_node *key,
		const struct yaml_doc_node *v, uint32_t min, uint32_t max,
		uint32_t *out);
int cfgwalk_bool(struct cfgwalk *w, const struct yaml_doc_node *key,
		 const struct yaml_doc_node *v, bool *out);
int cfgwalk_enum(struct cfgwalk *w, const struct yaml_doc_node *key,
		 const struct yaml_doc_node *v, const char *const *names,
		 size_t n, int *out);
int cfgwalk_string(struct cfgwalk *w, const struct yaml_doc_node *key,
		   const struct yaml_doc_node *v, const char **out);

/* ---- mappings and sequences ---- */

/*
 * Check every key of mapping @m against @keys and call their parsers on
 * @obj. @what (or NULL when the context prefix says it) starts each
 * message; @kind (0 or a CFGWALK_ kind bit) refuses keys meant for other
 * kinds of port.
 */
int cfgwalk_map(struct cfgwalk *w, const struct yaml_doc_node *m,
		const char *what, const struct cfgwalk_key *keys, size_t n,
		void *obj, unsigned kind);
/* The value of key @name in mapping @m, if there is one. */
const struct yaml_doc_node *cfgwalk_map_get(const struct yaml_doc_node *m,
					    const char *name);

/* ---- parsers for the tables ---- */
/* uint64_t field, in k->min..k->max. */
int cfgwalk_parse_u64(struct cfgwalk *w, const struct cfgwalk_key *k,
		      const struct yaml_doc_node *key,
		      const struct yaml_doc_node *v, void *field);
/* uint32_t field, in k->min..k->max. */
int cfgwalk_parse_u32(struct cfgwalk *w, const struct cfgwalk_key *k,
		      const struct yaml_doc_node *key,
		      const struct yaml_doc_node *v, void *field);
/* bool field. */
int cfgwalk_parse_bool(struct cfgwalk *w, const struct cfgwalk_key *k,
		       const struct yaml_doc_node *key,
		       const struct yaml_doc_node *v, void *field);
/* int field: -1 (not given, left alone), 0 or 1. */
int cfgwalk_parse_tristate(struct cfgwalk *w, const struct cfgwalk_key *k,
			   const struct yaml_doc_node *key,
			   const struct yaml_doc_node *v, void *field);
/* int field: one of the struct cfgwalk_words k->arg. */
int cfgwalk_parse_word(struct cfgwalk *w, const struct cfgwalk_key *k,
		       const struct yaml_doc_node *key,
		       const struct yaml_doc_node *v, void *field);
/* A nested mapping (struct cfgwalk_table k->arg) into the object at @field. */
int cfgwalk_parse_section(struct cfgwalk *w, const struct cfgwalk_key *k,
			  const struct yaml_doc_node *key,
			  const struct yaml_doc_node *v, void *field);
/* A sequence, each entry to (struct cfgwalk_list k->arg)->entry; @field unused. */
int cfgwalk_parse_list(struct cfgwalk *w, const struct cfgwalk_key *k,
		       const struct yaml_doc_node *key,
		       const struct yaml_doc_node *v, void *field);

#endif /* NETMAPD_CFGWALK_H */
