// SPDX-License-Identifier: BSD-2-Clause
/*
 * yaml_doc - a bounded YAML document tree built from libyaml's events
 * (see yaml_doc.h for the bounds and why they exist).
 *
 * The builder keeps its own stack of open collections (bounded by
 * max_depth), so neither the builder nor yaml_doc_free() depends on libyaml's
 * internal limits. libyaml's scanner looks ahead at most 1024 characters
 * for a simple key, so it hands us each event long before a hostile input
 * could make its own stacks large; we stop at the first exceeded bound.
 */
#include "yaml_doc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util.h"

const struct yaml_doc_limits yaml_doc_default_limits = {
	.max_input = 1 << 20,  /* 1 MiB: a topology of 1000s of ports is ~100 KiB */
	.max_depth = 32,       /* the schema needs 6 */
	.max_nodes = 200000,
	.max_scalar = 4096,    /* PATH_MAX: the longest value the schema has */
};

const char *yaml_doc_type_name(enum yaml_doc_type t)
{
	switch (t) {
	case YAML_DOC_SCALAR:
		return "a scalar";
	case YAML_DOC_SEQUENCE:
		return "a sequence";
	case YAML_DOC_MAPPING:
		return "a mapping";
	}
	return "?";
}

void yaml_doc_free(struct yaml_doc_node *node)
{
	/* Recursion depth is bounded by max_depth: the builder refused deeper trees. */
	if (!node)
		return;
	for (size_t i = 0; i < node->n; i++)
		yaml_doc_free(node->items[i]);
	free(node->items);
	free(node->value);
	free(node);
}

struct builder {
	const struct yaml_doc_limits *lim;
	struct diags *d;
	struct yaml_doc_node *root;
	struct yaml_doc_node **stack; /* open collections, innermost last */
	unsigned depth;
	size_t nodes;
	unsigned documents;
	unsigned base;                /* added to every line: see yaml_doc_parse_at() */
};

static void builder_done(struct builder *b)
{
	yaml_doc_free(b->root);
	free(b->stack);
}

static int add_at_mark(struct builder *b, const yaml_mark_t *m,
		       const char *what)
{
	return diag_add(b->d, b->base + (unsigned)m->line + 1, (unsigned)m->column + 1,
			"%s", what);
}

/* YAML's core schema tags are accepted; "!!str" makes a scalar a string. */
static int check_tag(struct builder *b, const yaml_event_t *ev,
		     const yaml_char_t *tag, bool *force_string)
{
	static const char *const core[] = {
		"tag:yaml.org,2002:str",  "tag:yaml.org,2002:int",
		"tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
		"tag:yaml.org,2002:float", "tag:yaml.org,2002:map",
		"tag:yaml.org,2002:seq",
	};
	const char *t = (const char *)tag;

	if (!t)
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(core); i++) {
		if (streq(t, core[i])) {
			if (force_string && i == 0)
				*force_string = true;
			return 0;
		}
	}
	return diag_add(b->d, b->base + (unsigned)ev->start_mark.line + 1,
			(unsigned)ev->start_mark.column + 1,
			"YAML tag \"%.64s\" is not supported (only YAML's core tags such as !!str)",
			t);
}

static int attach(struct builder *b, const yaml_event_t *ev,
		  struct yaml_doc_node *node)
{
	struct yaml_doc_node *parent;
	struct yaml_doc_node **slot;

	if (b->depth == 0) {
		b->root = node;
		return 0;
	}
	parent = b->stack[b->depth - 1];
	if (parent->type == YAML_DOC_MAPPING && parent->n % 2 == 0 &&
	    node->type != YAML_DOC_SCALAR) {
		yaml_doc_free(node);
		return add_at_mark(b, &ev->start_mark,
				   "mapping keys must be scalars");
	}
	slot = array_push(&parent->items, &parent->n, &parent->cap,
			  sizeof(*parent->items));
	if (!slot) {
		yaml_doc_free(node);
		return -ENOMEM;
	}
	*slot = node;
	return 0;
}

static struct yaml_doc_node *node_new(struct builder *b, const yaml_event_t *ev,
				  enum yaml_doc_type type, int *r)
{
	struct yaml_doc_node *node;

	if (++b->nodes > b->lim->max_nodes) {
		*r = diag_add(b->d, b->base + (unsigned)ev->start_mark.line + 1,
			      (unsigned)ev->start_mark.column + 1,
			      "more than %zu YAML nodes in the file",
			      b->lim->max_nodes);
		return NULL;
	}
	node = calloc(1, sizeof(*node));
	if (!node) {
		*r = -ENOMEM;
		return NULL;
	}
	node->type = type;
	node->line = b->base + (unsigned)ev->start_mark.line + 1;
	node->column = (unsigned)ev->start_mark.column + 1;
	return node;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const size_t len = ev->data.scalar.length;
	bool force_string = false;
	struct yaml_doc_node *node;
	int r;

	r = check_tag(b, ev, ev->data.scalar.tag, &force_string);
	if (r < 0)
		return r;
	if (len > b->lim->max_scalar)
		return diag_add(b->d, b->base + (unsigned)ev->start_mark.line + 1,
				(unsigned)ev->start_mark.column + 1,
				"scalar longer than the limit of %zu bytes",
				b->lim->max_scalar);
	if (memchr(ev->data.scalar.value, '\0', len))
		return add_at_mark(b, &ev->start_mark,
				   "scalar contains a NUL character");
	node = node_new(b, ev, YAML_DOC_SCALAR, &r);
	if (!node)
		return r;
	node->value = malloc(len + 1);
	if (!node->value) {
		yaml_doc_free(node);
		return -ENOMEM;
	}
	memcpy(node->value, ev->data.scalar.value, len);
	node->value[len] = '\0';
	node->len = len;
	node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		      !force_string;
	return attach(b, ev, node);
}

static int on_collection_start(struct builder *b, const yaml_event_t *ev,
			       enum yaml_doc_type type)
{
	const yaml_char_t *tag = type == YAML_DOC_MAPPING ?
		ev->data.mapping_start.tag : ev->data.sequence_start.tag;
	struct yaml_doc_node *node;
	int r;

	r = check_tag(b, ev, tag, NULL);
	if (r < 0)
		return r;
	if (b->depth >= b->lim->max_depth)
		return diag_add(b->d, b->base + (unsigned)ev->start_mark.line + 1,
				(unsigned)ev->start_mark.column + 1,
				"YAML nested deeper than %u levels",
				b->lim->max_depth);
	node = node_new(b, ev, type, &r);
	if (!node)
		return r;
	r = attach(b, ev, node);
	if (r < 0)
		return r;
	b->stack[b->depth++] = node;
	return 0;
}

/* Line and column of byte @offset, for reader errors that only give an offset. */
static void offset_to_mark(const unsigned char *buf, size_t len, size_t offset,
			   unsigned *line, unsigned *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < offset && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*column = 1;
		} else if ((buf[i] & 0xc0) != 0x80) {
			(*column)++;
		}
	}
}

/* Line @line (1-based) of @buf: its start and length, without the newline. */
static const char *line_of(const char *buf, size_t len, unsigned line, size_t *n)
{
	const char *p = buf, *end = buf + len, *nl;

	for (unsigned l = 1; l < line && p < end; l++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return NULL;
		p = nl + 1;
	}
	if (p >= end)
		return NULL;
	nl = memchr(p, '\n', (size_t)(end - p));
	*n = (size_t)((nl ? nl : end) - p);
	return p;
}

/*
 * libyaml's problem said the way people fix it: a tab where indentation
 * goes, or a line indented unlike the others of its block. @text is the
 * problem's line (may be NULL).
 */
static const char *explain(const yaml_parser_t *p, const char *text, size_t n)
{
	const char *problem = p->problem ? p->problem : "";
	size_t col = p->problem_mark.column, indent = 0;

	/* @text has @n bytes and no terminator (the last line ends the buffer). */
	while (text && indent < n && (text[indent] == ' ' || text[indent] == '\t'))
		indent++;
	if (text && ((col < n && text[col] == '\t') || memchr(text, '\t', indent)))
		return "tabs are not allowed in YAML indentation: indent with spaces";
	if (!strcmp(problem, "did not find expected key") ||
	    !strcmp(problem, "did not find expected '-' indicator") ||
	    !strcmp(problem, "mapping values are not allowed in this context") ||
	    !strcmp(problem, "block sequence entries are not allowed in this context"))
		return "inconsistent indentation: this line is indented unlike the other lines of its block";
	return NULL;
}

static int syntax_error(struct builder *b, const yaml_parser_t *p,
			const void *buf, size_t len)
{
	const char *text, *why;
	unsigned line, column;
	size_t n = 0;
	int r;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return -ENOMEM;
	case YAML_READER_ERROR:
		offset_to_mark(buf, len, p->problem_offset, &line, &column);
		return diag_add(b->d, b->base + line, column, "YAML: %s",
				p->problem ? p->problem : "cannot read input");
	default:
		line = (unsigned)p->problem_mark.line + 1;
		column = (unsigned)p->problem_mark.column + 1;
		text = line_of(buf, len, line, &n);
		why = explain(p, text, n);
		line += b->base;
		if (why && p->context)
			r = diag_add(b->d, line, column,
				     "YAML syntax error: %s (libyaml: %s, %s at line %zu column %zu)",
				     why, p->problem ? p->problem : "unknown problem", p->context,
				     p->context_mark.line + 1, p->context_mark.column + 1);
		else if (why)
			r = diag_add(b->d, line, column, "YAML syntax error: %s (libyaml: %s)", why,
				     p->problem ? p->problem : "unknown problem");
		else if (p->context)
			r = diag_add(b->d, line, column,
				     "YAML syntax error: %s (%s at line %zu column %zu)",
				     p->problem ? p->problem : "unknown problem",
				     p->context, p->context_mark.line + 1,
				     p->context_mark.column + 1);
		else
			r = diag_add(b->d, line, column, "YAML syntax error: %s",
				     p->problem ? p->problem : "unknown problem");
		if (text && diag_excerpt(b->d, text, n) < 0)
			return -ENOMEM;
		return r;
	}
}

/* One event of the stream; *done at its end. */
static int on_event(struct builder *b, const yaml_event_t *ev, bool *done)
{
	int r = 0;

	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		*done = true;
		break;
	case YAML_DOCUMENT_START_EVENT:
		if (++b->documents > 1)
			r = add_at_mark(b, &ev->start_mark,
					"more than one YAML document in the file");
		break;
	case YAML_ALIAS_EVENT:
		r = diag_add(b->d, b->base + (unsigned)ev->start_mark.line + 1,
			     (unsigned)ev->start_mark.column + 1,
			     "YAML aliases (*%.64s) are not supported: write the value out",
			     (const char *)ev->data.alias.anchor);
		break;
	case YAML_SCALAR_EVENT:
		r = on_scalar(b, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
		r = on_collection_start(b, ev, YAML_DOC_SEQUENCE);
		break;
	case YAML_MAPPING_START_EVENT:
		r = on_collection_start(b, ev, YAML_DOC_MAPPING);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth > 0)
			b->depth--;
		break;
	default:
		break;
	}
	return r;
}

int yaml_doc_parse(const void *buf, size_t len, const struct yaml_doc_limits *lim,
		   struct diags *d, struct yaml_doc_node **ret)
{
	return yaml_doc_parse_at(buf, len, lim, 0, d, ret);
}

int yaml_doc_parse_at(const void *buf, size_t len, const struct yaml_doc_limits *lim,
		      unsigned base, struct diags *d, struct yaml_doc_node **ret)
{
	struct builder b = { .lim = lim ? lim : &yaml_doc_default_limits, .d = d, .base = base };
	yaml_parser_t parser;
	bool done = false;
	int r = 0;

	*ret = NULL;
	if (len > b.lim->max_input)
		return diag_add(d, 0, 0, "file larger than the limit of %zu bytes",
				b.lim->max_input);
	b.stack = calloc(b.lim->max_depth + 1, sizeof(*b.stack));
	if (!b.stack)
		return -ENOMEM;
	if (!yaml_parser_initialize(&parser)) {
		free(b.stack);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, buf, len);

	while (!done && r == 0) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&parser, &ev)) {
			r = syntax_error(&b, &parser, buf, len);
			break;
		}
		r = on_event(&b, &ev, &done);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (r < 0) {
		builder_done(&b);
		return r;
	}
	/* A document holding a lone empty plain scalar is an empty file. */
	if (b.root && b.root->type == YAML_DOC_SCALAR && b.root->plain &&
	    b.root->len == 0) {
		yaml_doc_free(b.root);
		b.root = NULL;
	}
	*ret = TAKE_PTR(b.root);
	builder_done(&b);
	return 0;
}
