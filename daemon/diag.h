/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Diagnostics: the error messages of one file, each with a position.
 *
 * Printed as "FILE:LINE:COLUMN: message" (compiler style, so editors jump to
 * the place), or "FILE: message" when the problem has no single place (a
 * missing key is reported at the mapping that lacks it; capacity problems
 * at the parameter to change, or at no place if it was not set).
 *
 * Lines and columns are 1-based; columns count characters, as libyaml's
 * marks do. Collection is bounded: after `max` messages diag_add() only
 * sets `truncated`, so a hostile file cannot make us build a huge list, and
 * the callers may use diags_full() to stop early.
 *
 * Messages are stored sanitised: control characters (and DEL) are shown as
 * \xNN, so a file cannot put terminal escape sequences on the screen of the
 * person who checks it. Each message is at most DIAG_MSG_MAX bytes.
 */
#ifndef NETMAPD_DIAG_H
#define NETMAPD_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util.h"

#define DIAG_MAX_DEFAULT 20
#define DIAG_MSG_MAX 512

struct diag {
	unsigned line;   /* 1-based; 0: the message is about the whole file */
	unsigned column; /* 1-based */
	char *msg;
	char *excerpt;   /* the line of the file it is about (tabs shown as spaces), or NULL */
	unsigned file;   /* index in files + 1; 0: the list's own file */
};

/* One file of a configuration read from several: its lines are base+1 .. base+lines. */
struct diag_file {
	char *name;
	unsigned base, lines;
};

struct diags {
	char *file;      /* name shown in front of every message */
	struct diag *v;
	size_t n, cap;
	size_t max;      /* messages kept; more only set truncated */
	bool truncated;
	struct diag_file *files; /* see diags_add_file() */
	size_t n_files, cap_files;
	unsigned cur;    /* file of the messages without a line: index + 1, or 0 */
};

/* Start an empty list for @file (copied). 0 or -ENOMEM. */
int diags_init(struct diags *d, const char *file);
/* Free everything; @d may then be initialised again. Safe on a zeroed struct. */
void diags_done(struct diags *d);

/*
 * Lines @base+1 .. @base+@lines belong to file @name: messages at those
 * lines are printed with that name and the file's own line number. Also
 * makes @name the file of messages without a line, until diags_add_file()
 * is called again or cur is reset to 0. 0 or -ENOMEM.
 */
int diags_add_file(struct diags *d, const char *name, unsigned base, unsigned lines);
/* Copy the file table of @from into @to (replacing its own). 0 or -ENOMEM. */
int diags_copy_files(struct diags *to, const struct diags *from);
/* The file's own line of @line, and its name in *@file (NULL: the list's own file). */
unsigned diag_local_line(const struct diags *d, unsigned line, const char **file);
/*
 * @line for a message about another place: "line 12" when the messages are
 * about one file, else "FILE:12". Returns @buf.
 */
const char *diag_where(const struct diags *d, unsigned line, char *buf, size_t len);

/*
 * Add a message at @line:@column. Returns -EINVAL always (-ENOMEM when
 * memory ran out, the message is then lost), so that a check can
 * log-and-propagate in one line: return diag_add(d, l, c, "...");
 */
int diag_add(struct diags *d, unsigned line, unsigned column,
	     const char *fmt, ...) _printf_(4, 5);

static inline bool diags_full(const struct diags *d)
{
	return d->n >= d->max || d->truncated;
}

/*
 * For a loop with work left: true when the list is full, and then marks it
 * truncated, since what is left is not examined.
 */
static inline bool diags_stop(struct diags *d)
{
	if (d->n < d->max)
		return false;
	d->truncated = true;
	return true;
}

/*
 * Quote @len bytes of @text (one line of the file, without its newline) under
 * the last message added: diags_print() shows it with a caret under the
 * message's column. Control characters are shown as spaces. 0 or -ENOMEM.
 */
int diag_excerpt(struct diags *d, const char *text, size_t len);

/* Sort by position (messages without a position last), keeping the order of equal ones. */
void diags_sort(struct diags *d);
/*
 * Print every message, one per line (with its excerpt and a caret under
 * it on the next two lines), and a last line if some were dropped.
 */
void diags_print(const struct diags *d, FILE *f);
/* Format message @i as it is printed; returns @buf. */
char *diag_format(const struct diags *d, size_t i, char *buf, size_t len);

/*
 * The candidate closest to @word by edit distance (with transpositions),
 * if it is close enough to be a likely typo; else NULL.
 */
const char *diag_did_you_mean(const char *word, const char *const *candidates,
			      size_t n);

#endif /* NETMAPD_DIAG_H */
