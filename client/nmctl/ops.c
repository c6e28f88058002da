// SPDX-License-Identifier: BSD-2-Clause
/*
 * ops - nmctl's day-2 commands: `top` (rates of every port from two stats
 * samples), `show NAME` (one object in detail) and `doctor` (what is wrong
 * and what to do), with their renderers out_top(), out_object() and
 * out_doctor(), which never talk to the daemon (the golden tests use them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <net/netmap.h>

#include "nmctl.h"

/* ---- rates ------------------------------------------------------------- */

static double num(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : 0;
}

static const json_t *find_port(const json_t *stats, const char *name)
{
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(stats, "ports"), i, p)
		if (json_is_string(json_object_get(p, "name")) &&
		    !strcmp(json_string_value(json_object_get(p, "name")), name))
			return p;
	return NULL;
}

/* Per second from @a to @b; a counter that went back (object re-created) counts from 0. */
static double rate(const json_t *a, const json_t *b, const char *k, double dt)
{
	double x = num(a, k), y = num(b, k);

	return (y >= x ? y - x : y) / dt;
}

json_t *top_rates(const json_t *prev, const json_t *cur, double interval)
{
	double dt = num(cur, "monotonic") - num(prev, "monotonic");
	json_t *rows = json_array();
	size_t i;
	json_t *p;

	if (dt <= 0)
		dt = interval > 0 ? interval : 1;
	json_array_foreach(json_object_get(cur, "ports"), i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		const json_t *q;
		json_t *row;

		if (!name)
			continue;
		q = find_port(prev, name);
		row = json_pack("{s:s, s:O*}", "name", name, "kind", json_object_get(p, "kind"));
		if (!row)
			continue;
		if (json_object_get(p, "errno") || !json_object_get(p, "tx_packets")) {
			json_object_set_new(row, "note", json_object_get(p, "errno") ?
					    json_sprintf("no counters (errno %lld)",
							 (long long)json_integer_value(json_object_get(p, "errno"))) :
					    json_string("not open"));
			json_array_append_new(rows, row);
			continue;
		}
		json_object_set_new(row, "rx_pps", json_real(q ? rate(q, p, "rx_packets", dt) : 0));
		json_object_set_new(row, "rx_bps", json_real(q ? 8 * rate(q, p, "rx_bytes", dt) : 0));
		json_object_set_new(row, "tx_pps", json_real(q ? rate(q, p, "tx_packets", dt) : 0));
		json_object_set_new(row, "tx_bps", json_real(q ? 8 * rate(q, p, "tx_bytes", dt) : 0));
		json_object_set_new(row, "drops_ps", json_real(q ? rate(q, p, "rx_drops", dt) : 0));
		json_object_set_new(row, "errors_ps",
				    json_real(q ? rate(q, p, "tx_errors", dt) + rate(q, p, "rx_errors", dt) : 0));
		json_object_set_new(row, "rx_packets", json_integer((json_int_t)num(p, "rx_packets")));
		json_object_set_new(row, "tx_packets", json_integer((json_int_t)num(p, "tx_packets")));
		json_object_set_new(row, "rx_drops", json_integer((json_int_t)num(p, "rx_drops")));
		json_array_append_new(rows, row);
	}
	return rows;
}

/* 1234567 -> "1.23M"; under 1000 as an integer. */
static const char *si(double v, char *buf, size_t size)
{
	static const char unit[] = " kMGTP";
	int u = 0;

	if (v < 999.5) {
		snprintf(buf, size, "%.0f", v);
		return buf;
	}
	while (v >= 999.5 && u < 5) {
		v /= 1000;
		u++;
	}
	snprintf(buf, size, "%.*f%c", v < 9.995 ? 2 : v < 99.95 ? 1 : 0, v, unit[u]);
	return buf;
}

void out_top(FILE *f, const json_t *rates, double dt)
{
	size_t i, w = 4;
	json_t *r;
	char a[16], b[16], c[16], d[16], e[16], g[16];

	json_array_foreach(rates, i, r) {
		size_t l = strlen(json_string_value(json_object_get(r, "name")));

		w = l > w ? l : w;
	}
	fprintf(f, "%-*s  %-10s  %8s  %8s  %8s  %8s  %8s  %8s\n", (int)w, "PORT", "KIND", "RX_PPS",
		"RX_BPS", "TX_PPS", "TX_BPS", "DROPS/S", "ERRS/S");
	json_array_foreach(rates, i, r) {
		const char *kind = json_string_value(json_object_get(r, "kind"));
		const char *note = json_string_value(json_object_get(r, "note"));

		fprintf(f, "%-*s  %-10s", (int)w, json_string_value(json_object_get(r, "name")),
			kind ? kind : "-");
		if (note) {
			fprintf(f, "  %s\n", note);
			continue;
		}
		fprintf(f, "  %8s  %8s  %8s  %8s  %8s  %8s\n", si(num(r, "rx_pps"), a, sizeof(a)),
			si(num(r, "rx_bps"), b, sizeof(b)), si(num(r, "tx_pps"), c, sizeof(c)),
			si(num(r, "tx_bps"), d, sizeof(d)), si(num(r, "drops_ps"), e, sizeof(e)),
			si(num(r, "errors_ps"), g, sizeof(g)));
	}
	if (!json_array_size(rates))
		fprintf(f, "(no ports)\n");
	fprintf(f, "rates over %.1f s; bps are bits per second\n", dt);
}

static volatile sig_atomic_t top_stop;

static void on_int(int sig)
{
	(void)sig;
	top_stop = 1;
}

static int sample(struct nmctl *n, json_t **res)
{
	return nmctl_call(n, "stats", NULL, res, NULL);
}

int nmctl_cmd_top(struct nmctl *n, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, '1' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	bool once = false, tty = isatty(fileno(n->out));
	double interval = 1;
	long count = -1;
	json_t *prev = NULL, *cur = NULL;
	int c, code;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+1i:n:", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case '1':
			once = true;
			break;
		case 'i':
			interval = strtod(optarg, &end);
			if (*end || !(interval >= 0.1 && interval <= 3600)) {
				fprintf(n->err, "nmctl top: --interval wants seconds, 0.1 to 3600\n");
				return NMCTL_EXIT_USAGE;
			}
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1) {
				fprintf(n->err, "nmctl top: --count wants a positive number\n");
				return NMCTL_EXIT_USAGE;
			}
			break;
		default:
			return NMCTL_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(n->err, "usage: nmctl top [--once] [--interval SECONDS] [--count N]\n");
		return NMCTL_EXIT_USAGE;
	}
	if (once)
		count = 1;
	code = sample(n, &prev);
	if (code)
		return code;
	signal(SIGINT, on_int);
	for (long k = 0; !top_stop && (count < 0 || k < count); k++) {
		struct timespec ts = { .tv_sec = (time_t)interval,
				       .tv_nsec = (long)((interval - (double)(time_t)interval) * 1e9) };
		json_t *rates;
		double dt;

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !top_stop)
			;
		if (top_stop)
			break;
		code = sample(n, &cur);
		if (code)
			break;
		dt = num(cur, "monotonic") - num(prev, "monotonic");
		rates = top_rates(prev, cur, interval);
		if (n->json) {
			json_t *o = json_pack("{s:f, s:o}", "interval", dt > 0 ? dt : interval,
					      "ports", rates);

			json_dumpf(o, n->out, JSON_COMPACT);
			fputc('\n', n->out);
			json_decref(o);
		} else {
			/* A terminal gets a refreshing screen, a pipe one table per sample. */
			if (tty && !once)
				fputs("\033[H\033[2J", n->out);
			else if (k)
				fputc('\n', n->out);
			out_top(n->out, rates, dt > 0 ? dt : interval);
			json_decref(rates);
		}
		fflush(n->out);
		json_decref(prev);
		prev = cur;
		cur = NULL;
	}
	signal(SIGINT, SIG_DFL);
	json_decref(prev);
	json_decref(cur);
	return code;
}

/* ---- show NAME ----------------------------------------------------------- */

void out_object(FILE *f, const json_t *obj)
{
	static const char *const hold_cols[] = { "handle", "pid", "comm", "unit", "uid", "mode",
						 "opened_at", NULL };
	const json_t *rings = json_object_get(obj, "rings"), *slots = json_object_get(obj, "slots");
	const json_t *region = json_object_get(obj, "region"), *acc = json_object_get(obj, "access");
	const json_t *cnt = json_object_get(obj, "counters"), *probs = json_object_get(obj, "problems");
	char buf[512];

	fprintf(f, "%s", out_scalar(json_object_get(obj, "name"), buf, sizeof(buf)));
	fprintf(f, " (%s", out_scalar(json_object_get(obj, "kind"), buf, sizeof(buf)));
	if (json_is_string(json_object_get(obj, "switch")))
		fprintf(f, " on %s", json_string_value(json_object_get(obj, "switch")));
	fprintf(f, ")\n");
	if (json_is_integer(json_object_get(obj, "line")))
		fprintf(f, "  defined:  %s:%lld\n",
			out_scalar(json_object_get(obj, "config"), buf, sizeof(buf)),
			(long long)json_integer_value(json_object_get(obj, "line")));
	if (json_is_object(rings))
		fprintf(f, "  rings:    tx %lld, rx %lld, host tx %lld, host rx %lld\n",
			(long long)num(rings, "tx"), (long long)num(rings, "rx"),
			(long long)num(rings, "host_tx"), (long long)num(rings, "host_rx"));
	if (json_is_object(slots))
		fprintf(f, "  slots:    tx %lld, rx %lld per ring\n", (long long)num(slots, "tx"),
			(long long)num(slots, "rx"));
	if (json_is_object(region))
		fprintf(f, "  region:   mem_id %lld (%s), %.1f MiB\n", (long long)num(region, "mem_id"),
			out_scalar(json_object_get(region, "kind"), buf, sizeof(buf)),
			num(region, "memsize") / (1024.0 * 1024.0));
	if (json_is_false(json_object_get(obj, "exists")))
		fprintf(f, "  exists:   no (errno %lld): nobody has it open\n",
			(long long)num(obj, "errno"));
	if (json_is_object(acc)) {
		char ub[256], gb[256];

		fprintf(f, "  access:   users %s; groups %s (and root, admins)\n",
			out_scalar(json_object_get(acc, "users"), ub, sizeof(ub)),
			out_scalar(json_object_get(acc, "groups"), gb, sizeof(gb)));
	} else if (json_is_null(acc)) {
		fprintf(f, "  access:   root and admins only\n");
	}
	if (json_is_object(cnt)) {
		if (json_object_get(cnt, "tx_packets"))
			fprintf(f, "  counters: tx %lld packets %lld bytes %lld errors; rx %lld packets %lld bytes %lld drops %lld errors\n",
				(long long)num(cnt, "tx_packets"), (long long)num(cnt, "tx_bytes"),
				(long long)num(cnt, "tx_errors"), (long long)num(cnt, "rx_packets"),
				(long long)num(cnt, "rx_bytes"), (long long)num(cnt, "rx_drops"),
				(long long)num(cnt, "rx_errors"));
		else
			fprintf(f, "  counters: none (%s)\n", json_object_get(cnt, "errno") ?
				"the module cannot count it" : "not open");
	}
	fprintf(f, "  holders:\n");
	out_table_indent(f, json_object_get(obj, "holders"), hold_cols, "(none)", 4);
	if (json_array_size(probs)) {
		size_t i;
		json_t *p;

		fprintf(f, "  problems:\n");
		json_array_foreach(probs, i, p)
			fprintf(f, "    %s\n      fix: %s\n",
				out_scalar(json_object_get(p, "message"), buf, sizeof(buf)),
				json_string_value(json_object_get(p, "fix")) ?
				json_string_value(json_object_get(p, "fix")) : "-");
	}
}

int nmctl_show_object(struct nmctl *n, const char *name)
{
	json_t *res;
	int code = nmctl_call(n, "object.get", json_pack("{s:s}", "name", name), &res, name);

	if (code)
		return code;
	if (n->json)
		out_json(n->out, res);
	else
		out_object(n->out, res);
	json_decref(res);
	return NMCTL_EXIT_OK;
}

/* ---- doctor -------------------------------------------------------------- */

static void add(json_t *checks, const char *check, const char *object, const char *severity,
		const char *message, const char *fix)
{
	json_array_append_new(checks, json_pack("{s:s, s:s, s:s, s:s, s:s*}", "check", check,
						"object", object, "severity", severity, "message",
						message, "fix", fix));
}

void dkms_parse(FILE *p, char *buf, size_t size)
{
	char line[512];

	snprintf(buf, size, "not built");
	while (fgets(line, sizeof(line), p))
		if (strstr(line, "installed")) {
			snprintf(buf, size, "installed");
			break;
		} else if (strstr(line, "built")) {
			snprintf(buf, size, "built, not installed");
		}
}

/* What `dkms status netmap` says of the running kernel; "" without dkms. */
static void dkms_state(const char *release, char *buf, size_t size)
{
	char cmd[256];
	FILE *p;

	buf[0] = '\0';
	if (access("/usr/sbin/dkms", X_OK) && access("/usr/bin/dkms", X_OK) &&
	    access("/sbin/dkms", X_OK))
		return;
	snprintf(cmd, sizeof(cmd), "dkms status netmap -k %s 2>/dev/null", release);
	p = popen(cmd, "r");
	if (!p)
		return;
	dkms_parse(p, buf, size);
	pclose(p);
}

/* The checks that need no daemon: the device, the module, DKMS, the socket. */
void doctor_local(json_t *checks, const char *sysfs, const char *dev, const char *socket)
{
	char path[512], v[64] = "", msg[512], fix[512], dk[64];
	struct utsname u;
	struct stat st;
	FILE *fv;
	bool loaded;

	uname(&u);
	snprintf(path, sizeof(path), "%s/module/netmap", sysfs);
	loaded = stat(path, &st) == 0;
	dkms_state(u.release, dk, sizeof(dk));
	if (stat(dev, &st) < 0 || !S_ISCHR(st.st_mode)) {
		snprintf(msg, sizeof(msg), "%s missing: is the module built for this kernel (%s)?", dev,
			 u.release);
		snprintf(fix, sizeof(fix), "%s`modprobe netmap`; `dmesg | grep netmap` tells why it did not load",
			 dk[0] && strcmp(dk, "installed") ? "`dkms install netmap/" NETMAPD_MODULE_VERSION "`, then " : "");
		add(checks, "device", dev, "error", msg, fix);
	} else {
		add(checks, "device", dev, "ok", "present", NULL);
	}
	if (dk[0]) {
		snprintf(msg, sizeof(msg), "dkms: netmap for %s: %s", u.release, dk);
		add(checks, "dkms", u.release, strcmp(dk, "installed") ? "error" : "ok", msg,
		    strcmp(dk, "installed") ? "`dkms autoinstall`, or `dkms install netmap/" NETMAPD_MODULE_VERSION "`" : NULL);
	}
	if (loaded) {
		snprintf(path, sizeof(path), "%s/module/netmap/version", sysfs);
		fv = fopen(path, "re");
		if (fv) {
			if (fgets(v, sizeof(v), fv))
				v[strcspn(v, "\n")] = '\0';
			fclose(fv);
		}
		if (strcmp(v, NETMAPD_MODULE_VERSION)) {
			snprintf(msg, sizeof(msg), "the loaded module is version %s, this netmapd is %s: stale after an upgrade?",
				 v[0] ? v : "(none)", NETMAPD_MODULE_VERSION);
			add(checks, "module-version", "netmap", "error", msg,
			    "`systemctl stop netmapd; modprobe -r netmap; systemctl start netmapd` (check `modinfo netmap` first)");
		} else {
			add(checks, "module-version", "netmap", "ok", v, NULL);
		}
	}
	if (stat(socket, &st) == 0) {
		struct group *g = getgrgid(st.st_gid);

		if (!g) {
			snprintf(msg, sizeof(msg), "the socket's group (gid %u) does not exist",
				 (unsigned)st.st_gid);
			add(checks, "socket-group", socket, "error", msg,
			    "create it (`groupadd netmap`) or set socket: group: in the configuration, then restart netmapd");
		} else {
			snprintf(msg, sizeof(msg), "group %s, mode %04o", g->gr_name,
				 (unsigned)(st.st_mode & 07777));
			add(checks, "socket-group", socket, "ok", msg, NULL);
		}
	}
}

static bool same_str(const json_t *a, const json_t *b, const char *key)
{
	const char *x = json_string_value(json_object_get(a, key));
	const char *y = json_string_value(json_object_get(b, key));

	return x && y && !strcmp(x, y);
}

void doctor_merge(json_t *checks, const json_t *problems)
{
	size_t i, k;
	json_t *p, *c;

	json_array_foreach(problems, i, p) {
		bool replaced = false;

		json_array_foreach(checks, k, c)
			if (same_str(c, p, "check") && same_str(c, p, "object")) {
				json_array_set(checks, k, p);
				replaced = true;
				break;
			}
		if (!replaced)
			json_array_append(checks, p);
	}
}

int out_doctor(FILE *f, const json_t *checks)
{
	size_t i, problems = 0;
	json_t *c;
	char buf[512];

	json_array_foreach(checks, i, c) {
		const char *sev = json_string_value(json_object_get(c, "severity"));
		const char *fix = json_string_value(json_object_get(c, "fix"));
		bool ok = sev && !strcmp(sev, "ok");

		fprintf(f, "%-7s %-15s %s", ok ? "ok" : sev ? sev : "?",
			out_scalar(json_object_get(c, "check"), buf, sizeof(buf)),
			json_string_value(json_object_get(c, "object")) ?
			json_string_value(json_object_get(c, "object")) : "-");
		fprintf(f, ": %s\n", out_scalar(json_object_get(c, "message"), buf, sizeof(buf)));
		if (fix && !ok)
			fprintf(f, "        fix: %s\n", fix);
		problems += !ok;
	}
	if (problems)
		fprintf(f, "%zu problem%s found.\n", problems, problems == 1 ? "" : "s");
	else
		fprintf(f, "No problems found.\n");
	return (int)problems;
}

const char *doctor_device(const json_t *status)
{
	const char *dev = json_string_value(json_object_get(status, "device"));

	return dev && dev[0] == '/' ? dev : "/dev/netmap";
}

int nmctl_cmd_doctor(struct nmctl *n, int argc, char **argv)
{
	const char *sock = n->socket ? n->socket : getenv(NMD_SOCKET_ENV);
	json_t *checks = json_array(), *res = NULL;
	struct nmd_error e = { 0 };
	int r, problems;

	if (argc != 1) {
		fprintf(n->err, "usage: nmctl %s (no arguments)\n", argv[0]);
		json_decref(checks);
		return NMCTL_EXIT_USAGE;
	}
	if (!sock || !*sock)
		sock = NMD_DEFAULT_SOCKET;
	n->client = n->client ? n->client : nmd_connect(n->socket, &r);
	/* The device the daemon opens (--device); /dev/netmap without a daemon. */
	if (n->client && nmd_call(n->client, "status", NULL, &res, NULL, NULL, &e) < 0)
		nmd_error_clear(&e);
	doctor_local(checks, "/sys", doctor_device(res), sock);
	json_decref(res);
	res = NULL;
	if (!n->client) {
		char msg[512];

		snprintf(msg, sizeof(msg), "cannot reach netmapd at %s: %s", sock, strerror(-r));
		add(checks, "daemon", sock, "error", msg, r == -EACCES ?
		    "you are not in the socket's group (see the socket-group line): ask an admin to add you" :
		    "`systemctl status netmapd`; `journalctl -u netmapd` says why it stopped");
	} else if (nmd_call(n->client, "doctor", NULL, &res, NULL, NULL, &e) == 0) {
		add(checks, "daemon", sock, "ok", json_string_value(json_object_get(res, "status")) ?
		    json_string_value(json_object_get(res, "status")) : "running", NULL);
		doctor_merge(checks, json_object_get(res, "problems"));
	} else {
		add(checks, "daemon", sock, "warning", e.message[0] ? e.message : "doctor failed",
		    "is netmapd older than nmctl? compare `netmapd --version` and `nmctl --version`");
	}
	nmd_error_clear(&e);
	json_decref(res);
	if (n->json) {
		size_t i;
		json_t *c;

		problems = 0;
		json_array_foreach(checks, i, c)
			problems += strcmp(json_string_value(json_object_get(c, "severity")), "ok") != 0;
		out_json(n->out, checks);
	} else {
		problems = out_doctor(n->out, checks);
	}
	json_decref(checks);
	return problems ? NMCTL_EXIT_REFUSED : NMCTL_EXIT_OK;
}
