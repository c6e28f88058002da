// SPDX-License-Identifier: BSD-2-Clause
/* Diagnostics: bounded list of positioned error messages (see diag.h). */
#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int diags_init(struct diags *d, const char *file)
{
	*d = (struct diags){ .max = DIAG_MAX_DEFAULT };
	d->file = strdup(file);
	return d->file ? 0 : -ENOMEM;
}

void diags_done(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].msg);
		free(d->v[i].excerpt);
	}
	free(d->v);
	for (size_t i = 0; i < d->n_files; i++)
		free(d->files[i].name);
	free(d->files);
	free(d->file);
	*d = (struct diags){ .max = DIAG_MAX_DEFAULT };
}

/* Copy @src into a new string, control characters written as \xNN. */
static char *sanitize(const char *src)
{
	size_t n = 0;
	char *dst, *p;

	for (const unsigned char *s = (const unsigned char *)src; *s; s++)
		n += (*s < 0x20 || *s == 0x7f) ? 4 : 1;
	dst = malloc(n + 1);
	if (!dst)
		return NULL;
	p = dst;
	for (const unsigned char *s = (const unsigned char *)src; *s; s++) {
		if (*s < 0x20 || *s == 0x7f)
			p += sprintf(p, "\\x%02x", *s);
		else
			*p++ = (char)*s;
	}
	*p = '\0';
	return dst;
}

int diag_add(struct diags *d, unsigned line, unsigned column,
	     const char *fmt, ...)
{
	char buf[DIAG_MSG_MAX];
	struct diag *e;
	va_list ap;
	char *msg;

	if (d->n >= d->max) {
		d->truncated = true;
		return -EINVAL;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	msg = sanitize(buf);
	if (!msg)
		return -ENOMEM;
	e = array_push(&d->v, &d->n, &d->cap, sizeof(*d->v));
	if (!e) {
		free(msg);
		return -ENOMEM;
	}
	*e = (struct diag){ .line = line, .column = column, .msg = msg, .file = line ? 0 : d->cur };
	for (size_t i = 0; line && i < d->n_files; i++)
		if (line > d->files[i].base && line <= d->files[i].base + d->files[i].lines)
			e->file = (unsigned)i + 1;
	return -EINVAL;
}

int diags_add_file(struct diags *d, const char *name, unsigned base, unsigned lines)
{
	struct diag_file *f;
	char *copy = strdup(name);

	if (!copy)
		return -ENOMEM;
	f = array_push(&d->files, &d->n_files, &d->cap_files, sizeof(*d->files));
	if (!f) {
		free(copy);
		return -ENOMEM;
	}
	*f = (struct diag_file){ .name = copy, .base = base, .lines = lines };
	d->cur = (unsigned)d->n_files;
	return 0;
}

int diags_copy_files(struct diags *to, const struct diags *from)
{
	for (size_t i = 0; i < to->n_files; i++)
		free(to->files[i].name);
	to->n_files = 0;
	for (size_t i = 0; i < from->n_files; i++) {
		const struct diag_file *f = &from->files[i];

		if (diags_add_file(to, f->name, f->base, f->lines) < 0)
			return -ENOMEM;
	}
	to->cur = 0;
	return 0;
}

const char *diag_where(const struct diags *d, unsigned line, char *buf, size_t len)
{
	const char *file;
	unsigned l = diag_local_line(d, line, &file);

	if (d->n_files <= 1)
		snprintf(buf, len, "line %u", l);
	else
		snprintf(buf, len, "%s:%u", file ? file : d->file, l);
	return buf;
}

unsigned diag_local_line(const struct diags *d, unsigned line, const char **file)
{
	*file = NULL;
	for (size_t i = 0; line && i < d->n_files; i++) {
		if (line > d->files[i].base && line <= d->files[i].base + d->files[i].lines) {
			*file = d->files[i].name;
			return line - d->files[i].base;
		}
	}
	return line;
}

int diag_excerpt(struct diags *d, const char *text, size_t len)
{
	struct diag *e;
	char *x;

	if (!d->n)
		return 0;
	e = &d->v[d->n - 1];
	if (len > 200)
		len = 200;
	x = malloc(len + 1);
	if (!x)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		x[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	x[len] = '\0';
	free(e->excerpt);
	e->excerpt = x;
	return 0;
}

static bool diag_before(const struct diag *a, const struct diag *b)
{
	if (!a->line || !b->line)
		return a->line && !b->line;
	return a->line < b->line ||
	       (a->line == b->line && a->column < b->column);
}

void diags_sort(struct diags *d)
{
	/* Insertion sort: stable, and the list is short (bounded by max). */
	for (size_t i = 1; i < d->n; i++) {
		struct diag x = d->v[i];
		size_t j = i;

		while (j > 0 && diag_before(&x, &d->v[j - 1])) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = x;
	}
}

char *diag_format(const struct diags *d, size_t i, char *buf, size_t len)
{
	const struct diag *e = &d->v[i];
	const char *file = e->file ? d->files[e->file - 1].name : d->file;
	unsigned line = e->file ? e->line - d->files[e->file - 1].base : e->line;

	if (e->line)
		snprintf(buf, len, "%s:%u:%u: %s", file, line, e->column, e->msg);
	else
		snprintf(buf, len, "%s: %s", file, e->msg);
	return buf;
}

void diags_print(const struct diags *d, FILE *f)
{
	char buf[DIAG_MSG_MAX + 4096];

	for (size_t i = 0; i < d->n; i++) {
		const struct diag *e = &d->v[i];

		fprintf(f, "%s\n", diag_format(d, i, buf, sizeof(buf)));
		if (e->excerpt) {
			unsigned col = 0;

			/* Columns count characters: skip UTF-8 continuation bytes. */
			for (const char *p = e->excerpt; *p && col + 1 < e->column; p++)
				if (((unsigned char)*p & 0xc0) != 0x80)
					col++;
			fprintf(f, "    %s\n    %*s^\n", e->excerpt, (int)col, "");
		}
	}
	if (d->truncated)
		fprintf(f, "%s: too many errors, stopped after %zu\n", d->file,
			d->n);
}

/* Restricted Damerau-Levenshtein distance; words are short (bounded by the caller). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[33][33];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *diag_did_you_mean(const char *word, const char *const *candidates,
			      size_t n)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	if (strlen(word) > 32)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t lc = strlen(candidates[i]), lw = strlen(word);
		size_t longest = lc > lw ? lc : lw, limit, dist;

		if (lc > 32)
			continue;
		/* A typo, not another word: 1 edit for short words, up to 3 for long ones. */
		limit = longest <= 4 ? 1 : longest <= 8 ? 2 : 3;
		dist = edit_distance(word, candidates[i]);
		if (dist <= limit && dist < best_d) {
			best = candidates[i];
			best_d = dist;
		}
	}
	return best;
}
