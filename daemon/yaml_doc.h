/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * yaml_doc - one YAML document read into a small tree of nodes, each with
 * the line and column where it starts, within fixed resource bounds.
 *
 * We build our own tree from libyaml's event parser instead of using its
 * document loader so that every bound is ours and checked as we go:
 *
 *   - aliases (*name) are refused: no billion-laughs expansion, no shared
 *     subtrees, no cycles; anchors alone are allowed and ignored;
 *   - nesting deeper than max_depth is refused (and our tree walkers may
 *     recurse, since depth is bounded);
 *   - at most max_nodes nodes, scalars of at most max_scalar bytes, input of
 *     at most max_input bytes (the caller reads no more than that);
 *   - one document per stream; mapping keys must be scalars;
 *   - tags other than YAML's core ones (!!str, !!int, ...) are refused;
 *   - scalars holding a NUL character (possible with "\0") are refused,
 *     since everything after is C strings.
 *
 * Ownership: yaml_doc_parse() returns a tree the caller frees with yaml_doc_free().
 * Nodes point to nothing outside the tree.
 */
#ifndef NETMAPD_YAML_DOC_H
#define NETMAPD_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum yaml_doc_type {
	YAML_DOC_SCALAR,
	YAML_DOC_SEQUENCE,
	YAML_DOC_MAPPING,
};

struct yaml_doc_node {
	enum yaml_doc_type type;
	unsigned line, column;  /* 1-based, where the node starts */
	/* YAML_DOC_SCALAR */
	char *value;            /* NUL-terminated, no NUL inside */
	size_t len;
	bool plain;             /* unquoted, not a block scalar: may be a number or bool */
	/* YAML_DOC_SEQUENCE: n items; YAML_DOC_MAPPING: n/2 pairs, key at 2i, value at 2i+1 */
	struct yaml_doc_node **items;
	size_t n, cap;
};

struct yaml_doc_limits {
	size_t max_input;   /* bytes */
	unsigned max_depth; /* collections inside collections */
	size_t max_nodes;
	size_t max_scalar;  /* bytes in one scalar */
};

extern const struct yaml_doc_limits yaml_doc_default_limits;

/*
 * Parse @buf (@len bytes, need not be NUL-terminated). Returns 0 and the
 * root in *ret (NULL for a stream with no document or an empty document),
 * -EINVAL with messages in @d (syntax errors with libyaml's position,
 * exceeded limits at the node that exceeded them), or -ENOMEM.
 */
int yaml_doc_parse(const void *buf, size_t len, const struct yaml_doc_limits *lim,
		   struct diags *d, struct yaml_doc_node **ret);
/*
 * As yaml_doc_parse(), with @base added to every line (of the nodes and of
 * the messages): the files of one configuration share one line numbering,
 * which diags_add_file() maps back to each file's own lines.
 */
int yaml_doc_parse_at(const void *buf, size_t len, const struct yaml_doc_limits *lim,
		      unsigned base, struct diags *d, struct yaml_doc_node **ret);
void yaml_doc_free(struct yaml_doc_node *node);

/* "a scalar", "a sequence", "a mapping": for messages. */
const char *yaml_doc_type_name(enum yaml_doc_type t);

static inline size_t yaml_doc_map_size(const struct yaml_doc_node *m)
{
	return m->n / 2;
}

#endif /* NETMAPD_YAML_DOC_H */
