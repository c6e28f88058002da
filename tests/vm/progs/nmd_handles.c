// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmd_handles - load for netmapd's handle records (tests/vm/guest/handles.sh).
 *
 *   nmd_handles [-s SOCKET] rounds PORT N
 *       N times on one connection: port.open PORT, close the fd at once;
 *       prints "rounds N opened K"; exit 0 iff every open worked
 *   nmd_handles [-s SOCKET] live PORT N STOPFILE
 *       N processes, each with its own connection, port.open PORT and keep
 *       the fd; prints "live N" once all have it, then waits until STOPFILE
 *       exists, kills them all (SIGKILL) and prints "stopped"
 *   nmd_handles [-s SOCKET] cap PORT MAX STOPFILE
 *       port.open PORT (keeping every fd) until refused or MAX opens; prints
 *       "opened K code C limit L" (C 0 if never refused), keeps the fds
 *       until STOPFILE exists
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "nmd_conn.h"

static const char *sock_path = "/run/netmapd/netmapd.sock";

/* port.open @name: the fd (the caller's), or -1 with the refusal's code and limit. */
static int open_port(struct nmdc *c, const char *name, long *code, const char **limit)
{
	static char lim[64];
	json_t *p = json_pack("{s:s}", "name", name), *j, *e;
	int fds[NMDC_MAX_FDS];
	size_t nfds = 0;
	int err;

	j = nmdc_call(c, "port.open", p, fds, &nfds, &err);
	json_decref(p);
	*code = j ? 0 : -1;
	lim[0] = '\0';
	if (limit)
		*limit = lim;
	if (!j)
		return -1;
	e = json_object_get(j, "error");
	if (e) {
		const char *l = json_string_value(json_object_get(json_object_get(e, "data"), "limit"));

		*code = (long)json_integer_value(json_object_get(e, "code"));
		snprintf(lim, sizeof(lim), "%s", l ? l : "-");
	}
	json_decref(j);
	for (size_t i = 1; i < nfds; i++)
		close(fds[i]);
	return !e && nfds >= 1 ? fds[0] : -1;
}

static void connect_or_die(struct nmdc *c)
{
	int r = nmdc_connect(c, sock_path);

	if (r < 0) {
		fprintf(stderr, "nmd_handles: connect %s: %s\n", sock_path, strerror(-r));
		exit(1);
	}
}

static int cmd_rounds(const char *name, long n)
{
	struct nmdc *c = calloc(1, sizeof(*c));
	long ok = 0, code = 0;

	connect_or_die(c);
	for (long i = 0; i < n; i++) {
		int fd = open_port(c, name, &code, NULL);

		if (fd < 0) {
			fprintf(stderr, "nmd_handles: round %ld: refused (%ld)\n", i, code);
			break;
		}
		close(fd);
		ok++;
	}
	printf("rounds %ld opened %ld\n", n, ok);
	nmdc_close(c);
	free(c);
	return ok == n ? 0 : 1;
}

static int cmd_live(const char *name, long n, const char *stop)
{
	pid_t *kids = calloc((size_t)n, sizeof(*kids));
	int ready[2];
	long got = 0, answered = 0;
	struct stat sb;
	char b;

	if (!kids || pipe(ready) < 0)
		return 1;
	for (long i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			struct nmdc c = { 0 };
			long code;
			int fd;

			/* Never outlive the test: a held port would spoil the next one. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(ready[0]);
			connect_or_die(&c);
			fd = open_port(&c, name, &code, NULL);
			nmdc_close(&c);
			b = fd >= 0 ? 'y' : 'n';
			if (write(ready[1], &b, 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
	}
	close(ready[1]);
	while (answered < n && read(ready[0], &b, 1) == 1) {
		if (b != 'y')
			fprintf(stderr, "nmd_handles: a process was refused its port\n");
		got += b == 'y';
		answered++;
	}
	printf("live %ld\n", got);
	while (stat(stop, &sb) < 0)
		usleep(100000);
	for (long i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	printf("stopped\n");
	free(kids);
	return got == n ? 0 : 1;
}

static int cmd_cap(const char *name, long max, const char *stop)
{
	struct stat sb;
	struct nmdc *c = calloc(1, sizeof(*c));
	const char *limit = "-";
	long k = 0, code = 0;

	connect_or_die(c);
	while (k < max) {
		int fd = open_port(c, name, &code, &limit);

		if (fd < 0)
			break;
		k++;		/* kept open until we exit */
	}
	printf("opened %ld code %ld limit %s\n", k, code, limit);
	while (stat(stop, &sb) < 0)
		usleep(100000);
	nmdc_close(c);
	free(c);
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		sock_path = argv[2];
		i = 3;
	}
	if (argc - i == 3 && !strcmp(argv[i], "rounds"))
		return cmd_rounds(argv[i + 1], strtol(argv[i + 2], NULL, 10));
	if (argc - i == 4 && !strcmp(argv[i], "live"))
		return cmd_live(argv[i + 1], strtol(argv[i + 2], NULL, 10), argv[i + 3]);
	if (argc - i == 4 && !strcmp(argv[i], "cap"))
		return cmd_cap(argv[i + 1], strtol(argv[i + 2], NULL, 10), argv[i + 3]);
	fprintf(stderr, "usage: nmd_handles [-s SOCKET] rounds PORT N | live PORT N STOPFILE | "
			"cap PORT MAX STOPFILE\n");
	return 2;
}
