// SPDX-License-Identifier: BSD-2-Clause
/* Small helpers shared by the daemon's files (see util.h). */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

void *array_push(void *array_p, size_t *n, size_t *cap, size_t elsize)
{
	void **array = array_p;
	char *base;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		void *p;

		if (ncap < *cap || ncap > SIZE_MAX / elsize) {
			errno = ENOMEM;
			return NULL;
		}
		p = realloc(*array, ncap * elsize);
		if (!p)
			return NULL;
		*array = p;
		*cap = ncap;
	}
	base = *array;
	memset(base + *n * elsize, 0, elsize);
	return base + (*n)++ * elsize;
}

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" :
	       "a device";
}

int read_regular_file(const char *path, size_t max, char **buf, size_t *len, char *why,
		      size_t whylen)
{
	_cleanup_free_ char *b = NULL;
	struct stat st;
	size_t n = 0;
	int fd, r;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP)
			why_set(why, whylen, "is a symbolic link, which netmapd does not follow (give the path of the file itself)");
		else
			why_set(why, whylen, "cannot open: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		why_set(why, whylen, "cannot stat: %s", strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		why_set(why, whylen, "not a regular file (%s)", file_kind(st.st_mode));
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	r = -ENOMEM;
	b = malloc(max + 1);
	if (!b) {
		why_set(why, whylen, "cannot read: %s", strerror(ENOMEM));
		goto out;
	}
	for (;;) {
		ssize_t k = read(fd, b + n, max + 1 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			why_set(why, whylen, "cannot read: %s", strerror(-r));
			goto out;
		}
		if (k == 0 || (n += (size_t)k) > max)
			break;
	}
	r = 0;
	*buf = TAKE_PTR(b);
	*len = n;
out:
	close(fd);
	return r;
}

const char *iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!len)
		return buf;
	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		buf[0] = '\0';
	return buf;
}
