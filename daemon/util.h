/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Small helpers shared by the daemon's files, after systemd's: cleanup
 * attributes that free on every path, explicit ownership moves.
 *
 *   _cleanup_free_ char *p = NULL;     freed when p goes out of scope
 *   return TAKE_PTR(p);                 hand p to the caller, nothing freed
 *   _cleanup_close_ int fd = -1;       closed on every path; TAKE_FD(fd) moves it
 *   _cleanup_json_ json_t *v = NULL;   json_decref()ed on every path
 */
#ifndef NETMAPD_UTIL_H
#define NETMAPD_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

/* A descriptor closed on scope exit (negative: nothing to close). */
static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

/* Read a descriptor and set it to -1: ownership moves with the value. */
#define TAKE_FD(fd)                                                            \
	({                                                                     \
		int *_pfd = &(fd);                                             \
		int _v = *_pfd;                                                \
		*_pfd = -1;                                                    \
		_v;                                                            \
	})

/* A jansson value released on scope exit (json_decrefp() is jansson's, 2.9+). */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* Read a pointer and clear it: ownership moves to whoever takes the value. */
#define TAKE_PTR(p)                                                            \
	({                                                                     \
		__typeof__(p) *_pp = &(p);                                     \
		__typeof__(p) _v = *_pp;                                       \
		*_pp = NULL;                                                   \
		_v;                                                            \
	})

/*
 * A one-line reason for the caller, in @why (@len bytes; nothing if NULL
 * or 0): the "why" out-parameter of module.c and nicprep.c.
 */
static inline void why_set(char *why, size_t len, const char *fmt, ...) _printf_(3, 4);
static inline void why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline bool startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Grow *array (of *n elements of size elsize) by one zeroed element and
 * return a pointer to it, or NULL (errno ENOMEM; *array untouched).
 * Capacity doubles; *cap holds it.
 */
void *array_push(void *array_p, size_t *n, size_t *cap, size_t elsize);

/*
 * Read @path, a regular file, without following a symlink or blocking
 * (O_NOFOLLOW | O_NONBLOCK: a FIFO put in a file's place must not hang a
 * start or the event loop). At most @max + 1 bytes are read: *len > @max
 * tells the caller the file is too large. On success *buf is malloc'ed
 * (the caller frees it). Else a negative errno (-ELOOP a symlink, -EISDIR a
 * directory, -EINVAL another kind of file, or what open/fstat/read said)
 * and @why, a phrase to follow the file's name: "not a regular file (a
 * FIFO)".
 */
int read_regular_file(const char *path, size_t max, char **buf, size_t *len, char *why,
		      size_t whylen);

/* @t as ISO 8601 in UTC, "2026-12-06T22:10:00Z"; "" if it cannot be. Returns @buf. */
const char *iso_time(time_t t, char *buf, size_t len);

#endif /* NETMAPD_UTIL_H */
