// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmctl - control netmapd: `nmctl [-s SOCKET] [--json] COMMAND [ARGS]`.
 * main() parses the global options (also accepted after the command, up to
 * "--"), finds the command by name or unique prefix, runs it and returns its
 * exit code: 0 ok, 1 the daemon said no, 2 usage, 3 netmapd unreachable;
 * status and wait: 4 degraded, 5 not applied; `exec` returns CMD's own status.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nmctl.h"

#ifndef NETMAPD_VERSION
#define NETMAPD_VERSION "unknown"
#endif

const struct nmctl_command nmctl_commands[] = {
	{ "status", nmctl_cmd_status, "",
	  "what netmapd runs; exit 0 applied, 4 degraded, 5 not applied" },
	{ "wait", nmctl_cmd_wait, "[--timeout SEC]",
	  "wait until the configuration is applied (default 120 s)" },
	{ "show", nmctl_cmd_show, "[--format table|json|dot] [NAME]",
	  "the topology: switches, ports, NICs, pipes, monitors, access, holders (dot: for Graphviz);\n"
	  "           NAME: one object: rings, slots, region, counters, holders, access" },
	{ "top", nmctl_cmd_top, "[--once] [--interval SECONDS] [--count N]",
	  "packets, bits and drops per second of every port (refreshing on a terminal)" },
	{ "doctor", nmctl_cmd_doctor, "", "check the module, /dev/netmap, DKMS, the socket, the NICs; say what to do" },
	{ "plan", nmctl_cmd_plan, "FILE", "what applying FILE would do (nothing is changed)" },
	{ "apply", nmctl_cmd_apply, "[--confirm SEC] FILE",
	  "show the plan of FILE, apply it, print the outcome; --confirm: roll back unless confirmed" },
	{ "confirm", nmctl_cmd_confirm, "", "keep what `apply --confirm` applied" },
	{ "port", nmctl_cmd_port, "list | open NAME [--mode M] [--ring N] [--exclusive] | close HANDLE",
	  "port handles: who holds what; open one for debugging" },
	{ "module", nmctl_cmd_module, "info", "netmap.ko: loaded, parameters" },
	{ "events", nmctl_cmd_events, "[--count N]", "follow the daemon's notifications, one per line" },
	{ "stats", nmctl_cmd_stats, "[--prometheus]", "per-port and RPC counters" },
	{ "reload", nmctl_cmd_reload, "",
	  "reload the configuration file and wait for the verdict (exit 1 if refused)" },
	{ "exec", nmctl_cmd_exec, "--port NAME[=LABEL]... [--] CMD [ARGS...]",
	  "run CMD with the ports bound and handed over as fds 3.. (LISTEN_FDS)" },
};
const size_t nmctl_n_commands = sizeof(nmctl_commands) / sizeof(nmctl_commands[0]);

static void usage(FILE *f)
{
	fprintf(f, "usage: nmctl [-s SOCKET] [-j|--json] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < nmctl_n_commands; i++) {
		const char *name = nmctl_commands[i].name, *usage = nmctl_commands[i].usage;
		int pad = 9 - (int)strlen(name);

		/* No trailing blanks after a command without arguments. */
		fprintf(f, "  %s%*s%s\n           %s\n", name, usage[0] ? (pad > 1 ? pad : 1) : 0, "",
			usage, nmctl_commands[i].help);
	}
	fprintf(f, "\noptions:\n"
		"  -s, --socket PATH  netmapd's socket (default $%s or %s)\n"
		"  -j, --json         print results as JSON (errors too)\n"
		"  -h, --help         this text\n"
		"  -V, --version      nmctl's version\n"
		"\nexit status: 0 ok, 1 netmapd refused, 2 usage, 3 cannot reach netmapd;\n"
		"status, wait: 4 degraded (a reload was refused), 5 not applied;\n"
		"exec: CMD's status, 127 if CMD cannot be run. See nmctl(8).\n",
		NMD_SOCKET_ENV, NMD_DEFAULT_SOCKET);
}

/* By name, or by unique prefix. NULL (after a message) if none or ambiguous. */
static const struct nmctl_command *find(const char *name, FILE *err)
{
	const struct nmctl_command *hit = NULL;
	size_t len = strlen(name), hits = 0;

	for (size_t i = 0; i < nmctl_n_commands; i++) {
		if (!strcmp(nmctl_commands[i].name, name))
			return &nmctl_commands[i];
		if (len && !strncmp(nmctl_commands[i].name, name, len)) {
			hit = &nmctl_commands[i];
			hits++;
		}
	}
	if (hits == 1)
		return hit;
	if (hits > 1) {
		fprintf(err, "nmctl: \"%s\" is ambiguous:", name);
		for (size_t i = 0; i < nmctl_n_commands; i++)
			if (!strncmp(nmctl_commands[i].name, name, len))
				fprintf(err, " %s", nmctl_commands[i].name);
		fputc('\n', err);
	} else {
		fprintf(err, "nmctl: unknown command \"%s\" (see nmctl --help)\n", name);
	}
	return NULL;
}

/*
 * Take the global options out of argv[from..]: -s PATH, --socket[=]PATH,
 * -j, --json. Stops at "--"; for exec also at the first word that is not
 * an option (CMD). Returns the new argc, or -1 on a usage error.
 */
static int take_globals(struct nmctl *n, int argc, char **argv, int from, bool exec)
{
	int w = from;

	for (int i = from; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (i < argc)
				argv[w++] = argv[i++];
			break;
		}
		if (exec && a[0] != '-' && !(i > from && (!strcmp(argv[i - 1], "--port") ||
							  !strcmp(argv[i - 1], "-p")))) {
			while (i < argc)
				argv[w++] = argv[i++];
			break;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			n->json = true;
		} else if (!strcmp(a, "-s") || !strcmp(a, "--socket")) {
			if (i + 1 >= argc) {
				fprintf(n->err, "nmctl: %s needs a path\n", a);
				return -1;
			}
			n->socket = argv[++i];
		} else if (!strncmp(a, "--socket=", 9)) {
			n->socket = a + 9;
		} else {
			argv[w++] = argv[i];
		}
	}
	argv[w] = NULL;
	return w;
}

int main(int argc, char **argv)
{
	struct nmctl n = { .out = stdout, .err = stderr };
	const struct nmctl_command *cmd;
	int i, code, nargc;

	/* Global options before the command. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return NMCTL_EXIT_OK;
		}
		if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("nmctl %s\n", NETMAPD_VERSION);
			return NMCTL_EXIT_OK;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			n.json = true;
		} else if (!strcmp(a, "-s") || !strcmp(a, "--socket")) {
			if (++i >= argc) {
				fprintf(stderr, "nmctl: %s needs a path\n", a);
				return NMCTL_EXIT_USAGE;
			}
			n.socket = argv[i];
		} else if (!strncmp(a, "--socket=", 9)) {
			n.socket = a + 9;
		} else {
			fprintf(stderr, "nmctl: unknown option %s (see nmctl --help)\n", a);
			return NMCTL_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return NMCTL_EXIT_USAGE;
	}
	cmd = find(argv[i], stderr);
	if (!cmd)
		return NMCTL_EXIT_USAGE;
	for (int k = i + 1; k < argc && strcmp(argv[k], "--"); k++) {
		if (!strcmp(argv[k], "-h") || !strcmp(argv[k], "--help")) {
			printf("usage: nmctl %s %s\n  %s\n", cmd->name, cmd->usage, cmd->help);
			return NMCTL_EXIT_OK;
		}
		if (!strcmp(cmd->name, "exec") && argv[k][0] != '-' &&
		    strcmp(argv[k - 1], "--port") && strcmp(argv[k - 1], "-p"))
			break;
	}
	nargc = take_globals(&n, argc, argv, i + 1, !strcmp(cmd->name, "exec"));
	if (nargc < 0)
		return NMCTL_EXIT_USAGE;
	code = cmd->run(&n, nargc - i, argv + i);
	fflush(stdout);
	nmd_disconnect(n.client);
	return code;
}
