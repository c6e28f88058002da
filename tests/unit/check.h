/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check.h - the checks of the host unit tests. Each test program includes it
 * once: CHECK(cond, fmt, ...) counts a passed or failed check and prints the
 * failing ones with their place and condition; main() ends with
 * `return check_summary();`, which prints "N passed, N failed" (the line
 * CTest's log readers look for) and gives the exit status.
 */
#ifndef NM_TEST_CHECK_H
#define NM_TEST_CHECK_H

#include <stdio.h>

static unsigned int passed, failed;

#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			passed++;					\
		} else {						\
			failed++;					\
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);				\
			printf("\n");					\
		}							\
	} while (0)

static inline int check_summary(void)
{
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

#endif /* NM_TEST_CHECK_H */
