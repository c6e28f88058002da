// SPDX-License-Identifier: BSD-2-Clause
/*
 * commands - nmctl's commands other than exec: each one calls the daemon
 * and hands the result to a renderer (output.c, prom.c), or prints it raw
 * with --json. Failures are printed here, with a hint that says what to do,
 * and turned into the exit code: 1 the daemon said no, 3 it cannot be
 * reached (or went away).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nmctl.h"

#define CONFIG_FILE "/etc/netmapd/netmapd.yaml"

const char *nmctl_hint(int code, const char *object, char *buf, size_t size)
{
	switch (code) {
	case NMD_ERR_PERMISSION:
		if (object)
			snprintf(buf, size, "permission denied: ask an admin to add you to the access list of %s in %s",
				 object, CONFIG_FILE);
		else
			snprintf(buf, size, "permission denied: only root and the admins listed under \"admin:\" in %s may do this",
				 CONFIG_FILE);
		return buf;
	case NMD_ERR_NOT_FOUND:
		if (object)
			snprintf(buf, size, "no such object %s: `nmctl show` lists what exists", object);
		else
			snprintf(buf, size, "`nmctl show` lists what exists");
		return buf;
	case NMD_ERR_BUSY:
		snprintf(buf, size, "%s is in use: `nmctl port list` shows who holds it; try again later",
			 object ? object : "the object");
		return buf;
	case NMD_ERR_CAPACITY:
		snprintf(buf, size, "out of room: `nmctl module info` shows the limits; raise them under \"module: params:\" in %s",
			 CONFIG_FILE);
		return buf;
	case NMD_ERR_KERNEL:
		snprintf(buf, size, "the kernel refused (the file itself is valid; nothing was changed): `journalctl -u netmapd` and `dmesg` tell more");
		return buf;
	case NMD_ERR_STATE:
		snprintf(buf, size, "not possible in the current state: `nmctl show` and `nmctl status` tell what is there");
		return buf;
	case NMD_ERR_UNSUPPORTED:
		snprintf(buf, size, "not supported by this netmap.ko or netmapd");
		return buf;
	case NMD_ERR_CONFIG:
		snprintf(buf, size, "fix the configuration; `netmapd --check FILE` checks a file without applying it");
		return buf;
	case NMD_ERR_METHOD_NOT_FOUND:
		snprintf(buf, size, "netmapd does not know this request: is it older than nmctl? compare `netmapd --version` and `nmctl --version`");
		return buf;
	case NMD_ERR_INVALID_PARAMS:
		snprintf(buf, size, "netmapd refused a value given%s%s (see above); `nmctl --help` shows what each command takes",
			 object ? " for " : "", object ? object : "");
		return buf;
	case NMD_ERR_INVALID_REQUEST:
	case NMD_ERR_PARSE:
		snprintf(buf, size, "netmapd could not read nmctl's request: is it older than nmctl? compare `netmapd --version` and `nmctl --version`");
		return buf;
	default:
		return NULL;
	}
}

/* The lines of an error's data worth showing: data.errors, or a list. */
static void print_error_data(FILE *f, const json_t *data)
{
	const json_t *list = json_is_array(data) ? data : json_object_get(data, "errors");
	const json_t *name = json_object_get(data, "name");
	json_t *x;
	size_t i;
	char buf[512];

	json_array_foreach(list, i, x)
		fprintf(f, "  %s\n", out_scalar(json_is_object(x) && json_object_get(x, "message") ?
					       json_object_get(x, "message") : x, buf, sizeof(buf)));
	if (json_is_string(name) && json_object_get(data, "errno") && !list)
		fprintf(f, "  (%s)\n", json_string_value(name));
}

static bool unreachable(int r)
{
	return r != -EREMOTEIO && r != -EINVAL && r != -ENOMEM && r != -ENOBUFS;
}

int nmctl_report(struct nmctl *n, int r, const struct nmd_error *e, const char *method,
		 const char *object)
{
	char hint[512];
	const char *h = NULL;
	int code = NMCTL_EXIT_REFUSED;

	if (r == -EREMOTEIO) {
		h = nmctl_hint(e->code, object, hint, sizeof(hint));
	} else if (unreachable(r)) {
		code = NMCTL_EXIT_UNREACHABLE;
		h = "is netmapd running? systemctl status netmapd";
	}
	if (n->json) {
		json_t *o = json_pack("{s:{s:i, s:s, s:O*, s:s*, s:s}}", "error", "code",
				      r == -EREMOTEIO && e->code ? e->code :
				      code == NMCTL_EXIT_UNREACHABLE ? NMCTL_ERR_UNREACHABLE :
				      NMCTL_ERR_LOCAL, "message",
				      e->message[0] ? e->message : strerror(-r), "data", e->data,
				      "hint", h, "method", method);

		if (o)
			out_json(n->out, o);
		json_decref(o);
		fflush(n->out);
		return code;
	}
	if (r == -EREMOTEIO)
		fprintf(n->err, "nmctl: %s: %s\n", method, e->message);
	else
		fprintf(n->err, "nmctl: %s: %s\n", method, e->message[0] ? e->message : strerror(-r));
	if (r == -EREMOTEIO)
		print_error_data(n->err, e->data);
	if (h)
		fprintf(n->err, "hint: %s\n", h);
	return code;
}

const char *nmctl_connect_hint(const char *path, int r, char *buf, size_t size)
{
	char grp[64] = "netmap";
	struct stat st;
	struct group *g;

	if (r != -EACCES) {
		snprintf(buf, size, "is netmapd running? systemctl status netmapd");
		return buf;
	}
	if (stat(path, &st) == 0) {
		g = getgrgid(st.st_gid);
		if (g)
			snprintf(grp, sizeof(grp), "%s", g->gr_name);
		else
			snprintf(grp, sizeof(grp), "%u", (unsigned)st.st_gid);
	}
	snprintf(buf, size, "the socket is for group %s: ask an admin to add you (usermod -aG %s USER), then log in again",
		 grp, grp);
	return buf;
}

int nmctl_connect(struct nmctl *n)
{
	const char *path;
	char hint[256];
	int r;

	if (n->client)
		return NMCTL_EXIT_OK;
	n->client = nmd_connect(n->socket, &r);
	if (n->client)
		return NMCTL_EXIT_OK;
	path = n->socket ? n->socket : getenv(NMD_SOCKET_ENV);
	if (!path || !*path)
		path = NMD_DEFAULT_SOCKET;
	nmctl_connect_hint(path, r, hint, sizeof(hint));
	if (n->json) {
		json_t *o = json_pack("{s:{s:i, s:s, s:s, s:s}}", "error", "code", NMCTL_ERR_UNREACHABLE,
				      "message", strerror(-r), "socket", path, "hint", hint);
		if (o)
			out_json(n->out, o);
		json_decref(o);
		return NMCTL_EXIT_UNREACHABLE;
	}
	fprintf(n->err, "nmctl: cannot reach netmapd at %s: %s\nhint: %s\n", path, strerror(-r), hint);
	return NMCTL_EXIT_UNREACHABLE;
}

int nmctl_call(struct nmctl *n, const char *method, json_t *params, json_t **result,
	       const char *object)
{
	struct nmd_error e = { 0 };
	int r, code;

	*result = NULL;
	code = nmctl_connect(n);
	if (code) {
		json_decref(params);
		return code;
	}
	r = nmd_call(n->client, method, params, result, NULL, NULL, &e);
	if (r == 0)
		return NMCTL_EXIT_OK;
	code = nmctl_report(n, r, &e, method, object);
	nmd_error_clear(&e);
	return code;
}

/* Commands without options other than -h. */
static int no_args(struct nmctl *n, int argc, char **argv, int want)
{
	if (argc - 1 != want) {
		fprintf(n->err, "nmctl %s: expected %d argument%s, got %d (see nmctl --help)\n",
			argv[0], want, want == 1 ? "" : "s", argc - 1);
		return NMCTL_EXIT_USAGE;
	}
	return NMCTL_EXIT_OK;
}

void nmctl_print(struct nmctl *n, const json_t *res)
{
	if (n->json)
		out_json(n->out, res);
	else
		out_kv(n->out, res, 0);
}

int nmctl_call_print(struct nmctl *n, const char *method, json_t **keep)
{
	json_t *res;
	int code = nmctl_call(n, method, NULL, &res, NULL);

	if (keep)
		*keep = NULL;
	if (code)
		return code;
	nmctl_print(n, res);
	if (keep)
		*keep = res;
	else
		json_decref(res);
	return NMCTL_EXIT_OK;
}

int nmctl_cmd_reload(struct nmctl *n, int argc, char **argv)
{
	int code = no_args(n, argc, argv, 0);

	return code ? code : nmctl_call_print(n, "reload", NULL);
}

int nmctl_cmd_module(struct nmctl *n, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "info")) {
		fprintf(n->err, "usage: nmctl module info\n");
		return NMCTL_EXIT_USAGE;
	}
	return nmctl_call_print(n, "module.info", NULL);
}

/* The text of FILE ("-": stdin) as {"config": TEXT}, or NULL after printing why. */
static json_t *config_params(struct nmctl *n, const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	char *text = NULL;
	size_t len = 0, cap = 0;
	json_t *p;

	if (!f) {
		fprintf(n->err, "nmctl: cannot read %s: %m\n", file);
		return NULL;
	}
	for (;;) {
		size_t got;

		if (cap - len < 4096) {
			char *t = realloc(text, cap ? cap * 2 : 8192);

			if (!t)
				break;
			text = t;
			cap = cap ? cap * 2 : 8192;
		}
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (f != stdin)
		fclose(f);
	if (!text)
		return NULL;
	text[len] = '\0';
	/* "name": how netmapd names the text in its messages (file:line:col). */
	p = json_pack("{s:s%, s:s}", "config", text, len, "name",
		      strcmp(file, "-") ? file : "<stdin>");
	if (!p)
		fprintf(n->err, "nmctl: %s is not valid UTF-8 text\n", file);
	free(text);
	return p;
}

/*
 * After a plan: its warnings (what applies but is probably not meant), and
 * exit 1 when it has conflicts, since applying it would be refused.
 */
static int print_plan_verdict(struct nmctl *n, const json_t *plan, const char *file)
{
	const json_t *conflicts = json_object_get(plan, "conflicts"), *w;
	size_t i;

	if (!n->json)
		json_array_foreach(json_object_get(plan, "warnings"), i, w)
			if (json_is_string(w))
				fprintf(n->err, "%s\n", json_string_value(w));
	if (json_is_integer(conflicts) && json_integer_value(conflicts) > 0) {
		fprintf(n->err, "nmctl: plan: %lld conflict%s: applying %s would be refused\n",
			(long long)json_integer_value(conflicts),
			json_integer_value(conflicts) == 1 ? "" : "s", file);
		return NMCTL_EXIT_REFUSED;
	}
	return NMCTL_EXIT_OK;
}

int nmctl_cmd_plan(struct nmctl *n, int argc, char **argv)
{
	json_t *params, *res;
	int code;

	if (argc != 2) {
		fprintf(n->err, "usage: nmctl plan FILE\n");
		return NMCTL_EXIT_USAGE;
	}
	params = config_params(n, argv[1]);
	if (!params)
		return NMCTL_EXIT_USAGE;
	code = nmctl_call(n, "topology.plan", params, &res, NULL);
	if (code)
		return code;
	if (n->json)
		out_json(n->out, res);
	else
		out_plan(n->out, res, "Nothing to do: the topology already matches.");
	fflush(n->out);
	code = print_plan_verdict(n, res, argv[1]);
	json_decref(res);
	return code;
}

int nmctl_cmd_apply(struct nmctl *n, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "confirm", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *params, *res, *plan = NULL;
	const json_t *conflicts;
	long confirm = 0;
	int c, code;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+c:", opts, NULL)) != -1) {
		char *end;

		if (c != 'c')
			return NMCTL_EXIT_USAGE;
		confirm = strtol(optarg, &end, 10);
		if (*end || end == optarg || confirm < 1 || confirm > 86400) {
			fprintf(n->err, "nmctl apply: --confirm wants seconds, 1 to 86400\n");
			return NMCTL_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(n->err, "usage: nmctl apply [--confirm SEC] FILE\n");
		return NMCTL_EXIT_USAGE;
	}
	argv += optind - 1;
	params = config_params(n, argv[1]);
	if (!params)
		return NMCTL_EXIT_USAGE;
	/* Show the plan first: what is about to happen, then what happened. */
	code = nmctl_call(n, "topology.plan", json_deep_copy(params), &plan, NULL);
	if (code) {
		json_decref(params);
		return code;
	}
	conflicts = json_object_get(plan, "conflicts");
	if (!n->json) {
		fprintf(n->out, "Plan:\n");
		out_plan(n->out, plan, "Nothing to do: the topology already matches.");
		fflush(n->out);
	}
	if (json_is_integer(conflicts) && json_integer_value(conflicts) > 0) {
		if (n->json)
			out_json(n->out, plan);
		fprintf(n->err, "nmctl: apply: not applied: the plan has conflicts\n");
		fprintf(n->err, "hint: remove or rename the objects made by hand, or change %s to match them\n",
			argv[1]);
		json_decref(plan);
		json_decref(params);
		return NMCTL_EXIT_REFUSED;
	}
	if (confirm)
		json_object_set_new(params, "confirm", json_integer(confirm));
	code = nmctl_call(n, "topology.apply", params, &res, NULL);
	if (code) {
		json_decref(plan);
		return code;
	}
	if (n->json) {
		out_json(n->out, res);
	} else {
		const json_t *applied = json_object_get(res, "applied");
		long long k = json_is_integer(applied) ? (long long)json_integer_value(applied) :
			(long long)json_array_size(json_object_get(res, "actions"));

		fprintf(n->out, "Applied: %lld action%s.\n", k, k == 1 ? "" : "s");
		if (json_integer_value(json_object_get(res, "confirm")) > 0)
			fprintf(n->out, "Rolled back in %lld s unless confirmed: run `nmctl confirm` to keep it.\n",
				(long long)json_integer_value(json_object_get(res, "confirm")));
	}
	json_decref(plan);
	json_decref(res);
	return NMCTL_EXIT_OK;
}

int nmctl_cmd_show(struct nmctl *n, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = n->json ? "json" : "table";
	json_t *topo, *ports = NULL;
	int c, code;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f')
			return NMCTL_EXIT_USAGE;
		format = optarg;
	}
	if (optind + 1 < argc || (strcmp(format, "table") && strcmp(format, "json") &&
				  strcmp(format, "dot"))) {
		fprintf(n->err, "usage: nmctl show [--format table|json|dot] [NAME]\n");
		return NMCTL_EXIT_USAGE;
	}
	if (optind + 1 == argc) {
		if (!strcmp(format, "json"))
			n->json = true;
		return nmctl_show_object(n, argv[optind]);
	}
	code = nmctl_call(n, "topology.get", NULL, &topo, NULL);
	if (code)
		return code;
	/* Holders are a bonus: an older daemon without port.list still shows. */
	{
		struct nmd_error e = { 0 };

		if (nmd_call(n->client, "port.list", NULL, &ports, NULL, NULL, &e) < 0)
			ports = NULL;
		nmd_error_clear(&e);
	}
	if (!strcmp(format, "json")) {
		if (json_is_object(topo) && ports && !json_object_get(topo, "holders")) {
			const json_t *h = json_is_array(ports) ? ports : json_object_get(ports, "handles");

			if (h)
				json_object_set(topo, "holders", (json_t *)h);
		}
		out_json(n->out, topo);
	} else if (!strcmp(format, "dot")) {
		out_show_dot(n->out, topo, ports);
	} else {
		out_show_table(n->out, topo, ports);
	}
	json_decref(topo);
	json_decref(ports);
	return NMCTL_EXIT_OK;
}

static int port_open(struct nmctl *n, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "ring", required_argument, NULL, 'r' },
		{ "exclusive", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mode = NULL;
	long ring = -1;
	bool excl = false;
	json_t *params, *res;
	int c, code;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+m:r:x", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'm':
			mode = optarg;
			break;
		case 'r':
			ring = strtol(optarg, &end, 10);
			if (*end || ring < 0 || ring > 65535) {
				fprintf(n->err, "nmctl port open: bad ring number %s\n", optarg);
				return NMCTL_EXIT_USAGE;
			}
			break;
		case 'x':
			excl = true;
			break;
		default:
			return NMCTL_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(n->err, "usage: nmctl port open NAME [--mode all|one|sw|nic_sw|one_sw] [--ring N] [--exclusive]\n");
		return NMCTL_EXIT_USAGE;
	}
	params = json_pack("{s:s}", "name", argv[optind]);
	if (!params)
		return NMCTL_EXIT_REFUSED;
	if (mode)
		json_object_set_new(params, "mode", json_string(mode));
	if (ring >= 0)
		json_object_set_new(params, "ring", json_integer(ring));
	if (excl)
		json_object_set_new(params, "exclusive", json_true());
	/* For debugging: the reply is printed and the fd closed at once. */
	code = nmctl_call(n, "port.open", params, &res, argv[optind]);
	if (code)
		return code;
	nmctl_print(n, res);
	json_decref(res);
	return NMCTL_EXIT_OK;
}

int nmctl_cmd_port(struct nmctl *n, int argc, char **argv)
{
	json_t *res;
	int code;

	if (argc >= 2 && !strcmp(argv[1], "list") && argc == 2) {
		static const char *const cols[] = { "handle", "name", "mode", "uid", "pid", NULL };

		code = nmctl_call(n, "port.list", NULL, &res, NULL);
		if (code)
			return code;
		if (n->json) {
			out_json(n->out, res);
		} else {
			const json_t *rows = json_is_array(res) ? res : json_object_get(res, "handles");

			out_table(n->out, rows, cols, "No ports are open.");
		}
		json_decref(res);
		return NMCTL_EXIT_OK;
	}
	if (argc >= 2 && !strcmp(argv[1], "open"))
		return port_open(n, argc - 1, argv + 1);
	if (argc == 3 && !strcmp(argv[1], "close")) {
		char *end;
		long long h = strtoll(argv[2], &end, 10);
		json_t *params;

		if (*end || h <= 0) {
			fprintf(n->err, "nmctl port close: HANDLE is a number (see nmctl port list)\n");
			return NMCTL_EXIT_USAGE;
		}
		params = json_pack("{s:I}", "handle", (json_int_t)h);
		code = nmctl_call(n, "port.close", params, &res, NULL);
		if (code)
			return code;
		if (n->json)
			out_json(n->out, res);
		else
			fprintf(n->out, "Handle %lld closed.\n", h);
		json_decref(res);
		return NMCTL_EXIT_OK;
	}
	fprintf(n->err, "usage: nmctl port list | open NAME [--mode M] [--ring N] [--exclusive] | close HANDLE\n");
	return NMCTL_EXIT_USAGE;
}

int nmctl_cmd_events(struct nmctl *n, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	long count = -1, seen = 0;
	struct nmd_error e = { 0 };
	json_t *res;
	int c, code;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+n:", opts, NULL)) != -1) {
		char *end;

		if (c != 'n')
			return NMCTL_EXIT_USAGE;
		count = strtol(optarg, &end, 10);
		if (*end || count < 1) {
			fprintf(n->err, "nmctl events: --count wants a positive number\n");
			return NMCTL_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(n->err, "usage: nmctl events [--count N]\n");
		return NMCTL_EXIT_USAGE;
	}
	code = nmctl_call(n, "events.subscribe", NULL, &res, NULL);
	if (code)
		return code;
	json_decref(res);
	while (count < 0 || seen < count) {
		const char *method;
		json_t *params;
		int r = nmd_next_event(n->client, &method, &params, -1, &e);

		if (r < 0) {
			code = nmctl_report(n, r, &e, "events", NULL);
			nmd_error_clear(&e);
			return code;
		}
		if (n->json) {
			json_t *o = json_pack("{s:s, s:s, s:O*}", "jsonrpc", "2.0", "method", method,
					      "params", params);

			if (o) {
				json_dumpf(o, n->out, JSON_COMPACT);
				fputc('\n', n->out);
			}
			json_decref(o);
		} else {
			out_event(n->out, method, params);
		}
		fflush(n->out);
		json_decref(params);
		seen++;
	}
	return NMCTL_EXIT_OK;
}

int nmctl_cmd_stats(struct nmctl *n, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prometheus", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	bool prom = false;
	json_t *res;
	int c, code;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+p", opts, NULL)) != -1) {
		if (c != 'p')
			return NMCTL_EXIT_USAGE;
		prom = true;
	}
	if (optind != argc) {
		fprintf(n->err, "usage: nmctl stats [--prometheus]\n");
		return NMCTL_EXIT_USAGE;
	}
	code = nmctl_call(n, "stats", NULL, &res, NULL);
	if (code == NMCTL_EXIT_UNREACHABLE && prom)
		out_prometheus_down(n->out);
	if (code)
		return code;
	if (prom)
		out_prometheus(n->out, res);
	else
		nmctl_print(n, res);
	json_decref(res);
	return NMCTL_EXIT_OK;
}
