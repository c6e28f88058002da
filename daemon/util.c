// SPDX-License-Identifier: BSD-2-Clause
/* Small helpers shared by the daemon's files (see util.h). */
#include "util.h"

#include <errno.h>
#include <stdint.h>

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
