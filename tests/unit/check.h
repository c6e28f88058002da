/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * check.h - the checks of the host unit tests. Each test program includes it
 * once: CHECK(cond, fmt, ...) counts a passed or failed check and prints the
 * failing ones with their place and condition; main() ends with
 * `return check_summary();`, which prints "N passed, N failed" (the line
 * CTest's log readers look for) and gives the exit status.
 *
 * Named cases: a program whose checks are grouped in functions
 * test_NAME(void) lists them in a table, one CHECK_CASE(NAME) per line, and
 * hands its argv to check_run(). `test_rpc backpressure` runs one case,
 * `test_rpc 'b*'` the cases that match the glob, `test_rpc --list` prints
 * the names, no argument runs them all. A filter that matches no case is an
 * error (exit 2), so a misspelled CTest registration cannot pass by running
 * nothing. nm_unit_test() in CMakeLists.txt reads the CHECK_CASE lines of
 * the source and registers each case as unit/PROGRAM/NAME.
 */
#ifndef NM_TEST_CHECK_H
#define NM_TEST_CHECK_H

#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

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

struct check_case {
	const char *name;
	void (*fn)(void);
};

#define CHECK_CASE(name) { #name, test_##name }

/*
 * Runs the cases of @cases that the command line selects (see above),
 * printing "ok   NAME" or "FAIL NAME" after each. Returns 0 when it ran at
 * least one case, 1 for --list (the caller exits 0 at once), and -1 with a
 * message for a usage error or a filter that selects nothing. The verdict
 * is check_summary()'s, which the caller returns after its own teardown.
 */
static inline int check_run(int argc, char **argv, const struct check_case *cases, size_t n)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	size_t ran = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [--list | CASE-GLOB]\n", argv[0]);
		return -1;
	}
	if (filter && !strcmp(filter, "--list")) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", cases[i].name);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned int f = failed;

		if (filter && fnmatch(filter, cases[i].name, 0))
			continue;
		cases[i].fn();
		ran++;
		printf("%s %s\n", failed == f ? "ok  " : "FAIL", cases[i].name);
	}
	if (!ran) {
		fprintf(stderr, "%s: no case matches '%s' (--list names them)\n", argv[0],
			filter ? filter : "");
		return -1;
	}
	return 0;
}

/* check_run() over the whole of the array @cases. */
#define CHECK_RUN(argc, argv, cases)					\
	check_run(argc, argv, cases, sizeof(cases) / sizeof((cases)[0]))

/* The exit status of a program whose check_run() returned @r. */
static inline int check_exit(int r)
{
	if (r)
		return r > 0 ? 0 : 2;
	return check_summary();
}

/* main() of a program that needs no setup around its cases. */
#define CHECK_MAIN(cases)						\
	int main(int argc, char **argv)					\
	{								\
		return check_exit(CHECK_RUN(argc, argv, cases));	\
	}

#endif /* NM_TEST_CHECK_H */
