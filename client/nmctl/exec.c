// SPDX-License-Identifier: BSD-2-Clause
/*
 * exec - `nmctl exec --port NAME[=LABEL]... [--] CMD ARGS`: open each port
 * through netmapd (with the caller's own credentials, so the access lists
 * of the configuration decide), then run CMD with the bound fds announced
 * the way systemd announces sockets (sd_listen_fds(3)):
 *
 *   fds 3, 4, ... in --port order, close-on-exec cleared
 *   LISTEN_PID=<CMD's pid>   set in the child after fork, before exec
 *   LISTEN_FDS=<n>
 *   LISTEN_FDNAMES=label1:label2...  (LABEL, or the name with ':' -> '.')
 *   NMD_PORTS=[{"label":..., "name":..., "memsize":..., "offset":..., ...}]
 *            the port.open results in fd order, without "fds"
 *
 * so CMD (libnmd's nmd_ports_from_env()) maps its ports without opening
 * /dev/netmap or even talking to the daemon. nmctl stays as CMD's parent,
 * holding its connection (the daemon's holder records name nmctl's pid and
 * go when it exits), forwards SIGTERM and SIGHUP, and exits with CMD's
 * status (128 + signal if it was killed), or 127 if CMD cannot be run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nmctl.h"

#define EXIT_CANNOT_EXEC 127

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

json_t *nmctl_exec_port_entry(const json_t *result, const char *label)
{
	json_t *o = json_pack("{s:s}", "label", label);
	const char *k;
	json_t *v;

	if (!o)
		return NULL;
	json_object_foreach((json_t *)result, k, v)
		if (strcmp(k, "fds") && strcmp(k, "label"))
			json_object_set(o, k, v);
	return o;
}

struct handed {
	char name[64];
	char label[64];
	int fd;
};

/* In the child: put the fds at 3.. and set the variables. No return on success. */
static void run_child(struct handed *h, size_t n, const char *names, const char *desc,
		      char **cmd)
{
	int tmp[NMD_MAX_FDS * 4];
	char buf[32];

	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	/* Out of the way of 3..3+n first, so no dup2() overwrites a source. */
	for (size_t i = 0; i < n; i++) {
		tmp[i] = fcntl(h[i].fd, F_DUPFD_CLOEXEC, (int)(3 + n));
		if (tmp[i] < 0)
			goto fail;
	}
	for (size_t i = 0; i < n; i++)
		if (dup2(tmp[i], (int)(3 + i)) < 0)	/* the copy is not close-on-exec */
			goto fail;
	snprintf(buf, sizeof(buf), "%zu", n);
	if (setenv("LISTEN_FDS", buf, 1) || setenv("LISTEN_FDNAMES", names, 1) ||
	    setenv("NMD_PORTS", desc, 1))
		goto fail;
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	if (setenv("LISTEN_PID", buf, 1))
		goto fail;
	execvp(cmd[0], cmd);
	fprintf(stderr, "nmctl exec: cannot run %s: %m\n", cmd[0]);
	if (errno == ENOENT)
		fprintf(stderr, "hint: is it in PATH? give its full path\n");
	_exit(EXIT_CANNOT_EXEC);
fail:
	fprintf(stderr, "nmctl exec: cannot hand the ports over: %m\n");
	_exit(EXIT_CANNOT_EXEC);
}

int nmctl_cmd_exec(struct nmctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct handed h[NMD_MAX_FDS * 4];
	size_t n = 0, i;
	json_t *desc = NULL;
	char *names = NULL, *desc_text = NULL;
	int c, code = NMCTL_EXIT_OK, status;
	pid_t pid;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+p:j", opts, NULL)) != -1) {
		char *eq;

		switch (c) {
		case 'p':
			if (n == sizeof(h) / sizeof(h[0])) {
				fprintf(ctl->err, "nmctl exec: at most %zu ports\n", n);
				return NMCTL_EXIT_USAGE;
			}
			eq = strchr(optarg, '=');
			snprintf(h[n].name, sizeof(h[n].name), "%.*s",
				 (int)(eq ? (size_t)(eq - optarg) : strlen(optarg)), optarg);
			if (eq)
				snprintf(h[n].label, sizeof(h[n].label), "%s", eq + 1);
			else
				nmd_label_from_name(h[n].name, h[n].label, sizeof(h[n].label));
			if (!h[n].name[0] || !h[n].label[0] || strchr(h[n].label, ':')) {
				fprintf(ctl->err, "nmctl exec: bad --port %s: want NAME or NAME=LABEL, LABEL without ':'\n",
					optarg);
				return NMCTL_EXIT_USAGE;
			}
			h[n].fd = -1;
			n++;
			break;
		case 'j':
			break;	/* nothing to print as JSON: CMD's output is its own */
		default:
			return NMCTL_EXIT_USAGE;
		}
	}
	if (n == 0 || optind >= argc) {
		fprintf(ctl->err, "usage: nmctl exec --port NAME[=LABEL]... [--] CMD [ARGS...]\n");
		return NMCTL_EXIT_USAGE;
	}
	code = nmctl_connect(ctl);
	if (code)
		return code;
	desc = json_array();
	if (!desc)
		return NMCTL_EXIT_REFUSED;
	for (i = 0; i < n; i++) {
		struct nmd_error e = { 0 };
		json_t *params = json_pack("{s:s}", "name", h[i].name), *res = NULL;
		int fds[NMD_MAX_FDS];
		size_t nfds = NMD_MAX_FDS;
		int r = nmd_call(ctl->client, "port.open", params, &res, fds, &nfds, &e);

		if (r < 0) {
			code = nmctl_report(ctl, r, &e, "port.open", h[i].name);
			nmd_error_clear(&e);
			goto out;
		}
		if (nfds != 1) {
			for (size_t k = 0; k < nfds; k++)
				close(fds[k]);
			json_decref(res);
			fprintf(ctl->err, "nmctl exec: port.open %s answered with %zu descriptors\n",
				h[i].name, nfds);
			code = NMCTL_EXIT_UNREACHABLE;
			goto out;
		}
		h[i].fd = fds[0];
		json_array_append_new(desc, nmctl_exec_port_entry(res, h[i].label));
		json_decref(res);
	}
	desc_text = json_dumps(desc, JSON_COMPACT);
	{
		size_t len = 0;

		for (i = 0; i < n; i++)
			len += strlen(h[i].label) + 1;
		names = calloc(1, len + 1);
		for (i = 0; names && i < n; i++) {
			if (i)
				strcat(names, ":");
			strcat(names, h[i].label);
		}
	}
	if (!desc_text || !names) {
		code = NMCTL_EXIT_REFUSED;
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(ctl->err, "nmctl exec: fork: %m\n");
		code = NMCTL_EXIT_REFUSED;
		goto out;
	}
	if (pid == 0)
		run_child(h, n, names, desc_text, argv + optind);
	child_pid = pid;
	/* The ports are the child's now: the parent's copies would keep them alive. */
	for (i = 0; i < n; i++) {
		close(h[i].fd);
		h[i].fd = -1;
	}
	{
		struct sigaction sa = { .sa_handler = forward };

		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		/* ^C reaches the whole foreground group; CMD decides. */
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			code = NMCTL_EXIT_REFUSED;
			goto out;
		}
	}
	child_pid = 0;
	if (WIFEXITED(status))
		code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		code = 128 + WTERMSIG(status);
	else
		code = NMCTL_EXIT_REFUSED;
out:
	for (i = 0; i < n; i++)
		if (h[i].fd >= 0)
			close(h[i].fd);
	free(names);
	free(desc_text);
	json_decref(desc);
	return code;
}
