// SPDX-License-Identifier: BSD-2-Clause
/* cfgfiles - the main file, its includes and drop-ins in one tree (see cfgfiles.h). */
#define _GNU_SOURCE /* asprintf */
#include "cfgfiles.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

struct cfgfiles {
	struct diags *d;
	char *real[CFGFILES_DEPTH_MAX + 1]; /* files being read, outermost first: cycles */
	const char *name[CFGFILES_DEPTH_MAX + 1]; /* the same, as written: messages */
	unsigned depth;
	unsigned next_base; /* first line number of the next file, minus one */
	unsigned n_files;
	const struct nmd_config_text *saved; /* read from these, not from disk */
	size_t n_saved;
	struct nmd_config_text *texts; /* every file read, each once */
	size_t n_texts, cap_texts;
};

/* The more serious of two results: -ENOMEM, then another error, then 0. */
static int worse(int a, int b)
{
	if (a == -ENOMEM || b == -ENOMEM)
		return -ENOMEM;
	return a < 0 ? a : b;
}

static unsigned count_lines(const char *buf, size_t len)
{
	unsigned n = 1;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n;
}

/* "a.yaml -> b.yaml -> @last": the chain of includes, for messages. */
static void chain_text(const struct cfgfiles *f, const char *last, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < f->depth && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s -> ", f->name[i]);
	if (o < len)
		snprintf(buf + o, len - o, "%s", last);
}

/* Where the files are read from: cycles are found by this name. */
static char *real_path(const struct cfgfiles *f, const char *path)
{
	return f->saved ? strdup(path) : realpath(path, NULL);
}

/* @path's text in f->saved, as read_regular_file() would give it. */
static int saved_read(const struct cfgfiles *f, const char *path, char **buf, size_t *len,
		      char *why, size_t whylen)
{
	for (size_t i = 0; i < f->n_saved; i++) {
		if (!streq(f->saved[i].name, path))
			continue;
		*len = strlen(f->saved[i].text);
		*buf = strdup(f->saved[i].text);
		return *buf ? 0 : -ENOMEM;
	}
	snprintf(why, whylen, "not among the saved files of the configuration");
	return -ENOENT;
}

/* Keep @path's bytes in f->texts (a file read twice, once). */
static int keep_text(struct cfgfiles *f, const char *path, const char *buf, size_t len)
{
	struct nmd_config_text *t;

	for (size_t i = 0; i < f->n_texts; i++)
		if (streq(f->texts[i].name, path))
			return 0;
	t = array_push(&f->texts, &f->n_texts, &f->cap_texts, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->name = strdup(path);
	t->text = strndup(buf, len);
	return t->name && t->text ? 0 : -ENOMEM;
}

/* Read and parse one file; @at is the include naming it (NULL: main file or drop-in). */
static int parse_one(struct cfgfiles *f, const char *path, const struct yaml_doc_node *at,
		     struct yaml_doc_node **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	unsigned lines, base;
	char why[160];
	int r;

	*ret = NULL;
	if (++f->n_files > CFGFILES_MAX)
		return diag_add(f->d, at ? at->line : 0, at ? at->column : 0,
				"%s: more than %d configuration files", path, CFGFILES_MAX);
	/* Regular files only: a FIFO would hang the start, or the event loop on a reload. */
	if (f->saved)
		r = saved_read(f, path, &buf, &len, why, sizeof(why));
	else
		r = read_regular_file(path, yaml_doc_default_limits.max_input, &buf, &len, why,
				      sizeof(why));
	if (r < 0) {
		/* The main file's errno is the load's (a missing file, a symlink); another file's is -EINVAL. */
		if (at)
			diag_add(f->d, at->line, at->column, "include: %s: %s", path, why);
		else if (f->n_files == 1)
			diag_add(f->d, 0, 0, "%s", why);
		else
			diag_add(f->d, 0, 0, "%s: %s", path, why);
		return f->n_files == 1 || r == -ENOMEM ? r : -EINVAL;
	}
	r = keep_text(f, path, buf, len);
	if (r < 0)
		return r;
	lines = count_lines(buf, len);
	base = f->next_base;
	f->next_base += lines + 1;
	r = diags_add_file(f->d, path, base, lines);
	if (r < 0)
		return r;
	/* One byte over the limit: yaml_doc_parse_at() says it is too large. */
	r = yaml_doc_parse_at(buf, len, NULL, base, f->d, ret);
	f->d->cur = 0;
	return r;
}

static int push_pair(struct yaml_doc_node *m, struct yaml_doc_node *k, struct yaml_doc_node *v)
{
	struct yaml_doc_node **slot;

	for (int i = 0; i < 2; i++) {
		slot = array_push(&m->items, &m->n, &m->cap, sizeof(*m->items));
		if (!slot)
			return -ENOMEM;
		*slot = i ? v : k;
	}
	return 0;
}

/*
 * A key given twice in one file is an error there; the walk cannot see it
 * once merged, so it is reported (and dropped) here.
 */
static int drop_duplicates(struct cfgfiles *f, struct yaml_doc_node *m)
{
	char at[PATH_MAX + 16];
	int r = 0;


	for (size_t i = 2; i < m->n; i += 2) {
		for (size_t j = 0; j < i; j += 2) {
			if (!m->items[j] || !streq(m->items[j]->value, m->items[i]->value))
				continue;
			r = diag_add(f->d, m->items[i]->line, m->items[i]->column,
				     "duplicate key \"%s\" (first at %s)", m->items[i]->value,
				     diag_where(f->d, m->items[j]->line, at, sizeof(at)));
			yaml_doc_free(m->items[i]);
			yaml_doc_free(m->items[i + 1]);
			m->items[i] = m->items[i + 1] = NULL;
			break;
		}
	}
	return r;
}

static int merge_node(struct cfgfiles *f, struct yaml_doc_node *into, struct yaml_doc_node *from);

/* Each pair of @from into @into; @from's nodes move (their slots become NULL). */
static int merge_map(struct cfgfiles *f, struct yaml_doc_node *into, struct yaml_doc_node *from)
{
	int r = drop_duplicates(f, from), e;

	for (size_t i = 0; i < from->n; i += 2) {
		struct yaml_doc_node *k = from->items[i], *v = from->items[i + 1];
		size_t j;

		if (!k)
			continue;
		for (j = 0; j < into->n; j += 2)
			if (streq(into->items[j]->value, k->value))
				break;
		if (j == into->n) {
			e = push_pair(into, k, v);
			if (e < 0)
				return e;
			from->items[i] = from->items[i + 1] = NULL;
		} else if (into->items[j + 1]->type == v->type && v->type != YAML_DOC_SCALAR) {
			e = merge_node(f, into->items[j + 1], v);
			if (e == -ENOMEM)
				return e;
			r = e < 0 ? e : r;
		} else {
			/* A later file's value replaces, with its key: messages then name that file. */
			yaml_doc_free(into->items[j]);
			yaml_doc_free(into->items[j + 1]);
			into->items[j] = k;
			into->items[j + 1] = v;
			from->items[i] = from->items[i + 1] = NULL;
		}
	}
	return r;
}

/* @into and @from of one collection type: @from's items added to @into. */
static int merge_node(struct cfgfiles *f, struct yaml_doc_node *into, struct yaml_doc_node *from)
{
	struct yaml_doc_node **slot;

	if (into->type == YAML_DOC_MAPPING)
		return merge_map(f, into, from);
	for (size_t i = 0; i < from->n; i++) {
		slot = array_push(&into->items, &into->n, &into->cap, sizeof(*into->items));
		if (!slot)
			return -ENOMEM;
		*slot = TAKE_PTR(from->items[i]);
	}
	return 0;
}

/* *@acc with @next merged after it; takes @next. */
static int merge_file(struct cfgfiles *f, struct yaml_doc_node **acc, struct yaml_doc_node *next)
{
	int r;

	if (!next)
		return 0;
	if (!*acc) {
		*acc = next;
		return 0;
	}
	if (next->type != YAML_DOC_MAPPING || (*acc)->type != YAML_DOC_MAPPING) {
		const struct yaml_doc_node *bad = next->type != YAML_DOC_MAPPING ? next : *acc;

		r = diag_add(f->d, bad->line, bad->column,
			     "the top level of a configuration file must be a mapping, not %s",
			     yaml_doc_type_name(bad->type));
	} else {
		r = merge_map(f, *acc, next);
	}
	yaml_doc_free(next);
	return r;
}

static int load_file(struct cfgfiles *f, const char *path, const struct yaml_doc_node *at,
		     struct yaml_doc_node **ret);

/* @name of an include in @from: absolute, or relative to @from's directory. */
static char *include_path(const char *from, const char *name)
{
	const char *slash = strrchr(from, '/');
	char *p;

	if (name[0] == '/' || !slash)
		return strdup(name);
	if (asprintf(&p, "%.*s/%s", (int)(slash - from), from, name) < 0)
		return NULL;
	return p;
}

/* The include @name (node @at) of @from merged into *@acc. */
static int include_one(struct cfgfiles *f, const char *from, const struct yaml_doc_node *at,
		       struct yaml_doc_node **acc)
{
	_cleanup_free_ char *path = NULL, *real = NULL;
	struct yaml_doc_node *sub = NULL;
	char chain[1024];
	int r;

	if (at->type != YAML_DOC_SCALAR || !at->len)
		return diag_add(f->d, at->line, at->column,
				"include: expects a file name or a list of file names, not %s",
				at->type == YAML_DOC_SCALAR ? "an empty string" : yaml_doc_type_name(at->type));
	path = include_path(from, at->value);
	if (!path)
		return -ENOMEM;
	real = real_path(f, path);
	for (unsigned i = 0; real && i < f->depth; i++) {
		if (streq(real, f->real[i])) {
			chain_text(f, path, chain, sizeof(chain));
			return diag_add(f->d, at->line, at->column,
					"include: \"%s\" includes itself: %s", at->value, chain);
		}
	}
	if (f->depth > CFGFILES_DEPTH_MAX) {
		chain_text(f, path, chain, sizeof(chain));
		return diag_add(f->d, at->line, at->column,
				"include: more than %d levels of includes: %s", CFGFILES_DEPTH_MAX, chain);
	}
	r = load_file(f, path, at, &sub);
	if (r == -ENOMEM) {
		yaml_doc_free(sub);
		return r;
	}
	return worse(r, merge_file(f, acc, sub));
}

/* Take the top-level "include:" pairs out of @root, into *@incs (a mapping of them). */
static int take_includes(struct yaml_doc_node *root, struct yaml_doc_node *incs)
{
	size_t o = 0;
	int r = 0;

	if (!root || root->type != YAML_DOC_MAPPING)
		return 0;
	for (size_t i = 0; i < root->n; i += 2) {
		if (r == 0 && streq(root->items[i]->value, "include")) {
			r = push_pair(incs, root->items[i], root->items[i + 1]);
			if (r == 0)
				continue;
		}
		root->items[o++] = root->items[i];
		root->items[o++] = root->items[i + 1];
	}
	root->n = o;
	return r;
}

/* The includes of @path merged in order into *@acc. */
static int includes(struct cfgfiles *f, const char *path, const struct yaml_doc_node *incs,
		    struct yaml_doc_node **acc)
{
	int r = 0;

	for (size_t i = 1; i < incs->n && r != -ENOMEM; i += 2) {
		const struct yaml_doc_node *v = incs->items[i];

		if (v->type != YAML_DOC_SEQUENCE) {
			r = worse(r, include_one(f, path, v, acc));
			continue;
		}
		for (size_t j = 0; j < v->n && r != -ENOMEM; j++)
			r = worse(r, include_one(f, path, v->items[j], acc));
	}
	return r;
}

static int load_file(struct cfgfiles *f, const char *path, const struct yaml_doc_node *at,
		     struct yaml_doc_node **ret)
{
	struct yaml_doc_node incs = { .type = YAML_DOC_MAPPING }, *root = NULL, *acc = NULL;
	int r;

	*ret = NULL;
	r = parse_one(f, path, at, &root);
	if (r < 0)
		return r;
	f->real[f->depth] = real_path(f, path);
	if (!f->real[f->depth]) {
		yaml_doc_free(root);
		return -ENOMEM;
	}
	f->name[f->depth++] = path;
	r = take_includes(root, &incs);
	if (r == 0)
		r = includes(f, path, &incs, &acc);
	for (size_t i = 0; i < incs.n; i++)
		yaml_doc_free(incs.items[i]);
	free(incs.items);
	free(f->real[--f->depth]);
	if (r != -ENOMEM)
		r = worse(r, merge_file(f, &acc, TAKE_PTR(root)));
	yaml_doc_free(root);
	*ret = acc;
	return r;
}

static bool dropin_ok(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && streq(name + n - 5, ".yaml");
}

static int dropin_filter(const struct dirent *e)
{
	return dropin_ok(e->d_name);
}

static int name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The paths of the drop-ins in @dir, *n of them in *names (lexical order). */
static int dropins_scan(struct cfgfiles *f, const char *dir, char ***names, size_t *n)
{
	struct dirent **list = NULL;
	size_t k = 0;
	int m, r = 0;

	m = scandir(dir, &list, dropin_filter, NULL);
	if (m < 0)
		return errno == ENOENT ? 0 : diag_add(f->d, 0, 0, "%s: %s", dir, strerror(errno));
	*names = calloc((size_t)m + 1, sizeof(**names));
	for (int i = 0; i < m; i++) {
		if (*names && r == 0) {
			if (asprintf(&(*names)[k], "%s/%s", dir, list[i]->d_name) < 0) {
				(*names)[k] = NULL;
				r = -ENOMEM;
			} else {
				k++;
			}
		}
		free(list[i]);
	}
	free(list);
	if (!*names || r < 0) {
		free_names(*names, k);
		*names = NULL;
		return -ENOMEM;
	}
	qsort(*names, k, sizeof(**names), name_order);
	*n = k;
	return 0;
}

/* The same from f->saved: the saved files named "@dir/NAME.yaml". */
static int dropins_saved(struct cfgfiles *f, const char *dir, char ***names, size_t *n)
{
	size_t dl = strlen(dir), k = 0;

	*names = calloc(f->n_saved + 1, sizeof(**names));
	if (!*names)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_saved; i++) {
		const char *name = f->saved[i].name;

		if (strncmp(name, dir, dl) || name[dl] != '/' || strchr(name + dl + 1, '/') ||
		    !dropin_ok(name + dl + 1))
			continue;
		(*names)[k] = strdup(name);
		if (!(*names)[k++]) {
			free_names(*names, k);
			*names = NULL;
			return -ENOMEM;
		}
	}
	qsort(*names, k, sizeof(**names), name_order);
	*n = k;
	return 0;
}

/* The drop-ins "<main file>.d/NAME.yaml" in lexical order, each merged into *@acc. A missing directory is no error. */
static int dropins(struct cfgfiles *f, const char *main_path, struct yaml_doc_node **acc)
{
	_cleanup_free_ char *dir = NULL;
	char **names = NULL;
	size_t n = 0;
	int r;

	if (asprintf(&dir, "%s.d", main_path) < 0)
		return -ENOMEM;
	r = f->saved ? dropins_saved(f, dir, &names, &n) : dropins_scan(f, dir, &names, &n);
	for (size_t i = 0; i < n; i++) {
		struct yaml_doc_node *sub = NULL;

		if (r != -ENOMEM)
			r = worse(r, load_file(f, names[i], NULL, &sub));
		if (r != -ENOMEM)
			r = worse(r, merge_file(f, acc, sub));
		else
			yaml_doc_free(sub);
	}
	free_names(names, n);
	return r;
}

void cfgfiles_texts_free(struct nmd_config_text *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].text);
	}
	free(v);
}

int cfgfiles_load(const char *path, const struct nmd_config_text *saved, size_t n_saved,
		  struct diags *d, struct yaml_doc_node **ret, struct nmd_config_text **texts,
		  size_t *n_texts)
{
	struct cfgfiles f = { .d = d, .saved = saved, .n_saved = n_saved };
	struct yaml_doc_node *acc = NULL;
	int r;

	*ret = NULL;
	if (texts) {
		*texts = NULL;
		*n_texts = 0;
	}
	r = load_file(&f, path, NULL, &acc);
	if (r != -ENOMEM)
		r = worse(r, dropins(&f, path, &acc));
	d->cur = 0;
	if (r < 0 || !texts) {
		cfgfiles_texts_free(f.texts, f.n_texts);
		if (r < 0) {
			yaml_doc_free(acc);
			return r;
		}
	} else {
		*texts = f.texts;
		*n_texts = f.n_texts;
	}
	*ret = acc;
	return 0;
}
