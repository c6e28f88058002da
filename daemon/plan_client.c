// SPDX-License-Identifier: BSD-2-Clause
/*
 * plan_client - `netmapd --plan FILE` (see plan_client.h).
 */
#define _GNU_SOURCE
#include "plan_client.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

/* A connected stream to the daemon's socket @sock, or -errno. */
static int plan_connect(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if (strlen(sock) >= sizeof(sa.sun_path))
		return -EINVAL;
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* Send topology.plan {"file": @abs} and read the one-line answer: the reply or NULL. */
static json_t *plan_call(int fd, const char *abs)
{
	_cleanup_json_ json_t *j = NULL;
	_cleanup_free_ char *req = NULL;
	char buf[1 << 16];
	size_t len = 0;

	j = json_pack("{s:s, s:s, s:i, s:{s:s}}", "jsonrpc", "2.0", "method", "topology.plan",
		      "id", 1, "params", "file", abs);
	req = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!req || dprintf(fd, "%s\n", req) < 0)
		return NULL;
	while (len < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	buf[len] = '\0';
	return json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
}

/* The daemon's plan @res of @file, as --plan prints it. Exit code. */
static int plan_print_result(const json_t *res, const char *file, const char *sock)
{
	json_t *a;
	size_t i;

	printf("%s: planned by the running daemon (%s)\n", file, sock);
	if (!json_array_size(json_object_get(res, "actions")))
		printf("%s: nothing to do\n", file);
	json_array_foreach(json_object_get(res, "actions"), i, a) {
		json_int_t line = json_integer_value(json_object_get(a, "line"));

		if (line)
			printf("%s:%lld: %s\n", file, (long long)line,
			       json_string_value(json_object_get(a, "text")));
		else
			printf("%s: %s\n", file, json_string_value(json_object_get(a, "text")));
	}
	json_array_foreach(json_object_get(res, "warnings"), i, a)
		if (json_is_string(a))
			fprintf(stderr, "%s\n", json_string_value(a));
	return json_integer_value(json_object_get(res, "conflicts")) ? 1 : 0;
}

/*
 * Ask a running daemon (it holds the anchors, so only it can tell whether a
 * pipe exists): topology.plan {"file": FILE}. 0 printed (*rc set), -errno
 * when no daemon answers there.
 */
static int plan_via_socket(const char *sock, const char *file, int *rc)
{
	_cleanup_close_ int fd = -1;
	_cleanup_json_ json_t *j = NULL;
	char abs[PATH_MAX];
	json_t *res, *e, *a;
	size_t i;

	if (!realpath(file, abs))
		return -EINVAL;
	fd = plan_connect(sock);
	if (fd < 0)
		return fd;
	j = plan_call(fd, abs);
	if (!j)
		return -EBADMSG;
	res = json_object_get(j, "result");
	if (res) {
		*rc = plan_print_result(res, file, sock);
		return 0;
	}
	e = json_object_get(j, "error");
	fprintf(stderr, "netmapd: %s\n", json_string_value(json_object_get(e, "message")));
	json_array_foreach(json_object_get(json_object_get(e, "data"), "errors"), i, a)
		fprintf(stderr, "%s\n", json_string_value(a));
	*rc = 1;
	return 0;
}

/* The plan of @e for @c, printed. Exit code. */
static int plan_print_local(struct engine *e, const struct nmd_config *c, const char *file,
			    struct diags *diag)
{
	struct eng_plan plan = { 0 };
	int r, rc;

	r = engine_plan(e, c, &plan, diag);
	diags_sort(diag);
	diags_print(diag, stderr);
	if (r < 0) {
		fprintf(stderr, "netmapd: planning %s failed: %s\n", file, strerror(-r));
		return 1;
	}
	if (!plan.n)
		printf("%s: nothing to do\n", file);
	for (size_t i = 0; i < plan.n; i++) {
		const struct eng_action *a = &plan.v[i];
		const char *in;
		unsigned line = config_line(c, a->mark.line, &in);

		if (a->mark.line)
			printf("%s:%u:%u: %s\n", in, line, a->mark.column, a->text);
		else
			printf("%s: %s\n", file, a->text);
	}
	if (plan.conflicts)
		printf("%s: %zu conflict%s: the plan cannot be applied\n", file, plan.conflicts,
		       plan.conflicts == 1 ? "" : "s");
	rc = plan.conflicts ? 1 : 0;
	eng_plan_done(&plan);
	return rc;
}

/* No daemon answers: plan against the kernel, with the daemon's state file. Exit code. */
static int plan_local(const struct daemon_opts *opts, const struct nmd_config *c,
		      const char *file, struct diags *diag)
{
	const char *dev = opts->dev ? opts->dev : "/dev/netmap";
	struct engine *e = NULL;
	struct kern k;
	char why[256];
	int r, rc = 1;

	r = kern_netmap_new(dev, &k);
	if (r < 0) {
		fprintf(stderr, "netmapd: %s: %s\n", dev, strerror(-r));
		return 1;
	}
	if (access(dev, F_OK) < 0) {
		fprintf(stderr, "netmapd: no running daemon answers at %s, and %s\n",
			opts->socket_path ? opts->socket_path : c->socket.path,
			kern_dev_why(dev, -errno, why, sizeof(why)));
		goto out;
	}
	r = engine_new(&k, opts->state_path ? opts->state_path : NMD_STATE_DEFAULT, &e, diag);
	if (r < 0) {
		diags_print(diag, stderr);
		goto out;
	}
	rc = plan_print_local(e, c, file, diag);
	engine_free(e);
out:
	kern_netmap_close(&k);
	return rc;
}

int plan_client_run(const struct daemon_opts *opts, const char *file)
{
	struct nmd_config *c = NULL;
	struct diags diag;
	int rc = 1;

	log_setup(opts->verbose);
	if (diags_init(&diag, file) < 0)
		return 1;
	if (daemon_load_config(file, NULL, NULL, &c, &diag) < 0) {
		diags_sort(&diag);
		diags_print(&diag, stderr);
		diags_done(&diag);
		return 1;
	}
	/* A running daemon knows its anchors: ask it first. */
	if (plan_via_socket(opts->socket_path ? opts->socket_path : c->socket.path, file, &rc) < 0)
		rc = plan_local(opts, c, file, &diag);
	config_free(c);
	diags_done(&diag);
	return rc;
}
