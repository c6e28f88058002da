// SPDX-License-Identifier: BSD-2-Clause
/*
 * health - the commands that say whether the configuration is in force:
 * `status` (its exit code), `wait` (until it is, as
 * systemd-networkd-wait-online), and `confirm` (keep an apply made with
 * `apply --confirm`).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nmctl.h"

int nmctl_status_exit(const json_t *status)
{
	const char *s = json_string_value(json_object_get(status, "state"));

	if (!s || !strcmp(s, "applied") || !strcmp(s, "confirming"))
		return NMCTL_EXIT_OK;	/* a daemon without "state" is judged as before */
	if (!strcmp(s, "degraded"))
		return NMCTL_EXIT_DEGRADED;
	return NMCTL_EXIT_NOT_APPLIED;
}

int nmctl_cmd_status(struct nmctl *n, int argc, char **argv)
{
	json_t *res;
	int code;

	(void)argv;
	if (argc != 1) {
		fprintf(n->err, "usage: nmctl status\n");
		return NMCTL_EXIT_USAGE;
	}
	code = nmctl_call_print(n, "status", &res);
	if (code)
		return code;
	code = nmctl_status_exit(res);
	json_decref(res);
	return code;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * One look: the status exit code, with *why the reason (malloc'ed) or NULL;
 * *conn_err is the error of a failed connect, else 0.
 */
static int wait_once(struct nmctl *n, char **why, int *conn_err)
{
	struct nmd_error e = { 0 };
	json_t *res = NULL;
	int r, code;

	*why = NULL;
	*conn_err = 0;
	if (!n->client) {
		n->client = nmd_connect(n->socket, &r);
		if (!n->client) {
			*why = strdup(strerror(-r));
			*conn_err = r;
			return NMCTL_EXIT_UNREACHABLE;
		}
	}
	r = nmd_call(n->client, "status", NULL, &res, NULL, NULL, &e);
	if (r < 0) {
		*why = strdup(e.message[0] ? e.message : strerror(-r));
		nmd_error_clear(&e);
		nmd_disconnect(n->client);
		n->client = NULL;
		return r == -EREMOTEIO ? NMCTL_EXIT_REFUSED : NMCTL_EXIT_UNREACHABLE;
	}
	code = nmctl_status_exit(res);
	if (code && json_is_string(json_object_get(res, "reason")))
		*why = strdup(json_string_value(json_object_get(res, "reason")));
	json_decref(res);
	return code;
}

/*
 * Poll status every 200 ms (reconnecting: the daemon may not be up yet)
 * until the configuration is applied, or --timeout. A confirmation in
 * progress counts as applied. A socket that refuses us (EACCES) will not
 * let us in by waiting: that ends the wait at once, with the group to join.
 */
int nmctl_cmd_wait(struct nmctl *n, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	double timeout = 120, end;
	char *why = NULL, hint[256];
	int c, code, conn_err = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+t:", opts, NULL)) != -1) {
		char *e;

		if (c != 't')
			return NMCTL_EXIT_USAGE;
		timeout = strtod(optarg, &e);
		if (*e || e == optarg || !(timeout >= 0 && timeout <= 86400)) {
			fprintf(n->err, "nmctl wait: --timeout wants seconds, 0 to 86400\n");
			return NMCTL_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(n->err, "usage: nmctl wait [--timeout SEC]\n");
		return NMCTL_EXIT_USAGE;
	}
	end = now_s() + timeout;
	for (;;) {
		free(why);
		code = wait_once(n, &why, &conn_err);
		if (code == NMCTL_EXIT_OK || code == NMCTL_EXIT_REFUSED || conn_err == -EACCES ||
		    now_s() >= end)
			break;
		usleep(200 * 1000);
	}
	if (code == NMCTL_EXIT_OK) {
		if (!n->json)
			fprintf(n->out, "applied\n");
	} else if (conn_err == -EACCES) {
		const char *path = n->socket ? n->socket : getenv(NMD_SOCKET_ENV);

		if (!path || !*path)
			path = NMD_DEFAULT_SOCKET;
		fprintf(n->err, "nmctl: wait: cannot reach netmapd at %s: %s\nhint: %s\n", path,
			strerror(EACCES), nmctl_connect_hint(path, conn_err, hint, sizeof(hint)));
	} else {
		fprintf(n->err, "nmctl: wait: %s after %g s%s%s\n",
			code == NMCTL_EXIT_UNREACHABLE ? "netmapd cannot be reached" :
			code == NMCTL_EXIT_DEGRADED ? "degraded" :
			code == NMCTL_EXIT_REFUSED ? "status refused" : "not applied",
			timeout, why ? ": " : "", why ? why : "");
		fprintf(n->err, "hint: `nmctl status` and `journalctl -u netmapd` tell more\n");
	}
	free(why);
	return code;
}

int nmctl_cmd_confirm(struct nmctl *n, int argc, char **argv)
{
	json_t *res;
	int code;

	(void)argv;
	if (argc != 1) {
		fprintf(n->err, "usage: nmctl confirm\n");
		return NMCTL_EXIT_USAGE;
	}
	code = nmctl_call(n, "topology.confirm", NULL, &res, NULL);
	if (code)
		return code;
	if (n->json)
		out_json(n->out, res);
	else
		fprintf(n->out, "Confirmed: %s stays applied.\n",
			json_string_value(json_object_get(res, "config")) ?: "the configuration");
	json_decref(res);
	return NMCTL_EXIT_OK;
}
