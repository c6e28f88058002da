// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_nmctl_output - nmctl's renderers (client/nmctl/output.c, prom.c) on
 * canned daemon results (the .json files of tests/unit/golden), compared
 * byte for byte with golden files (the .txt, .dot and .prom files there). To accept a deliberate
 * change of the output: NMD_UPDATE_GOLDEN=1 ./test_nmctl_output, then review
 * the diff. Also: renderers survive results of unexpected shapes, and the
 * hints say what to do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nmctl.h"

#include "check.h"
#include "fake_sysfs.h"

static json_t *load(const char *name)
{
	char path[512];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	j = json_load_file(path, 0, &e);
	if (!j) {
		printf("cannot load %s: %s\n", path, e.text);
		exit(1);
	}
	return j;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	if (getdelim(&s, &n, '\0', f) < 0) {
		free(s);
		s = strdup("");
	}
	fclose(f);
	return s;
}

/* Compare @got with golden/@name (or write it with NMD_UPDATE_GOLDEN=1). */
static void golden(const char *name, const char *got)
{
	char path[512];
	char *want;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	if (getenv("NMD_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");

		if (f) {
			fputs(got, f);
			fclose(f);
		}
	}
	want = slurp(path);
	CHECK(want && !strcmp(want, got), "%s differs from the golden file; got:\n%s", name, got);
	free(want);
}

/* Run a renderer into a string. */
#define RENDER(var, ...) do {						\
		size_t _n;						\
		FILE *f = open_memstream(&(var), &_n);			\
		__VA_ARGS__;						\
		fclose(f);						\
	} while (0)

static void test_show(void)
{
	json_t *topo = load("topology.json"), *ports = load("port-list.json");
	json_t *empty = json_object();
	char *s;

	RENDER(s, out_show_table(f, topo, ports));
	golden("show.txt", s);
	free(s);
	RENDER(s, out_show_dot(f, topo, ports));
	golden("show.dot", s);
	CHECK(strstr(s, "\"port:v0{1\" -> \"port:v0}1\" [dir=both"), "pipe edge");
	CHECK(strstr(s, "\"switch:vale0\" [shape=box"), "switch box");
	free(s);
	RENDER(s, out_show_table(f, empty, NULL));
	golden("show-empty.txt", s);
	free(s);
	json_decref(empty);
	json_decref(topo);
	json_decref(ports);
}

static void test_prometheus(void)
{
	json_t *stats = load("stats.json");
	char *s;

	RENDER(s, out_prometheus(f, stats));
	golden("stats.prom", s);
	CHECK(strstr(s, "netmapd_port_tx_packets_total{port=\"vale0:vm1\",kind=\"ephemeral\"} 1000\n"),
	      "the README's metric");
	CHECK(strstr(s, "{port=\"vale0:\\\"odd\\\"\",kind=\"vale\"}"), "label escaping");
	CHECK(strstr(s, "# HELP netmapd_up ") && strstr(s, "netmapd_up 1\n"), "netmapd_up");
	CHECK(strstr(s, "netmapd_config_applied 1\n"), "netmapd_config_applied");
	CHECK(strstr(s, "{port=\"v0{1\",kind=\"pipe\"}"), "kind label");
	CHECK(!strstr(s, "monotonic"), "no clock metric");
	free(s);
	RENDER(s, out_prometheus_down(f));
	CHECK(!strcmp(s, "# HELP netmapd_up 1 if netmapd answered the stats request, 0 if it could not be reached\n"
		      "# TYPE netmapd_up gauge\nnetmapd_up 0\n"), "down: %s", s);
	free(s);
	json_decref(stats);
}

/* out_kv() of a canned result against its golden file. */
static void kv_golden(const char *json, const char *txt)
{
	json_t *j = load(json);
	char *s;

	RENDER(s, out_kv(f, j, 0));
	golden(txt, s);
	free(s);
	json_decref(j);
}

static void test_kv(void)
{
	kv_golden("stats.json", "stats.txt");
	kv_golden("status.json", "status.txt");
	kv_golden("module-info.json", "module-info.txt");
}

static void test_top(void)
{
	json_t *stats = load("stats.json"), *stats2 = load("stats2.json");
	json_t *rates = top_rates(stats, stats2, 1);
	char *s;

	RENDER(s, out_top(f, rates, 2.0));
	golden("top.txt", s);
	CHECK(strstr(s, "vale0:vm1"), "top row");
	free(s);
	/* Rates: 2,000,000 frames in 2 s; a counter that went back counts from 0. */
	CHECK(json_real_value(json_object_get(json_array_get(rates, 0), "tx_pps")) == 1e6,
	      "tx_pps");
	CHECK(json_real_value(json_object_get(json_array_get(rates, 0), "tx_bps")) == 512e6,
	      "tx_bps");
	json_decref(rates);
	rates = top_rates(stats2, stats, 1);
	CHECK(json_real_value(json_object_get(json_array_get(rates, 0), "tx_pps")) > 0,
	      "reset counter");
	json_decref(rates);
	json_decref(stats2);
	json_decref(stats);
}

static void test_object_doctor(void)
{
	json_t *obj = load("object.json"), *doc = load("doctor.json");
	char *s;

	RENDER(s, out_object(f, obj));
	golden("object.txt", s);
	CHECK(strstr(s, "2026-11-18T"), "ISO time of a holder");
	free(s);
	RENDER(s, CHECK(out_doctor(f, doc) == 3, "doctor counts problems"));
	golden("doctor.txt", s);
	free(s);
	json_decref(obj);
	json_decref(doc);
}

/* status' exit code: 0 applied (or an older daemon without "state"), 4, 5. */
static void test_status_exit(void)
{
	json_t *status = load("status.json"), *st = json_object();

	CHECK(nmctl_status_exit(status) == NMCTL_EXIT_OK, "status: applied -> 0");
	CHECK(nmctl_status_exit(st) == NMCTL_EXIT_OK, "status without state -> 0");
	json_object_set_new(st, "state", json_string("confirming"));
	CHECK(nmctl_status_exit(st) == NMCTL_EXIT_OK, "confirming -> 0");
	json_object_set_new(st, "state", json_string("degraded"));
	CHECK(nmctl_status_exit(st) == 4, "degraded -> 4");
	json_object_set_new(st, "state", json_string("not-applied"));
	CHECK(nmctl_status_exit(st) == 5, "not-applied -> 5");
	json_object_set_new(st, "state", json_string("starting"));
	CHECK(nmctl_status_exit(st) == 5, "starting -> 5");
	json_decref(st);
	json_decref(status);
}

static void test_plan(void)
{
	json_t *plan = load("plan.json");
	char *s;

	RENDER(s, out_plan(f, plan, "nothing"));
	golden("plan.txt", s);
	free(s);
	json_decref(plan);
}

static void test_port_list(void)
{
	static const char *const cols[] = { "handle", "name", "mode", "uid", "pid", NULL };
	json_t *ports = load("port-list.json");
	char *s;

	RENDER(s, out_table(f, json_object_get(ports, "handles"), cols, "No ports are open."));
	golden("port-list.txt", s);
	free(s);
	json_decref(ports);
}

static void test_events(void)
{
	json_t *events = load("events.json"), *e;
	size_t i;
	char *s;

	/* UTC whatever the local zone: the times compare with the daemon's log. */
	setenv("TZ", "XXX-5:30", 1);
	tzset();
	RENDER(s, json_array_foreach(events, i, e)
			  out_event(f, json_string_value(json_object_get(e, "method")),
				    json_object_get(e, "params")));
	setenv("TZ", "UTC", 1);
	tzset();
	golden("events.txt", s);
	free(s);
	json_decref(events);
}

/* Whatever the daemon sends, no crash and something sensible. */
static void test_odd_input(void)
{
	static const char *const odd[] = {
		"{}", "[]", "null", "{\"switches\": 3}", "{\"switches\": [1, \"x\", {}]}",
		"{\"switches\": [{\"name\": \"s\", \"ports\": [\"a\", {\"kind\": \"nic\", \"host\": true, \"name\": \"s:e\"}]}]}",
		"{\"pipes\": [\"a{1\", {\"parent\": \"p\", \"id\": 2}, {\"ends\": [\"x\", \"y\"]}, {}]}",
		"{\"monitors\": [{\"port\": \"s:a\", \"mode\": \"tx\"}, {}], \"holders\": [{\"port\": \"s:a\", \"pid\": 1}]}",
	};

	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		json_t *j = json_loads(odd[i], JSON_DECODE_ANY, NULL);
		char *a, *b, *c;

		RENDER(a, out_show_table(f, j, j));
		RENDER(b, out_show_dot(f, j, NULL));
		RENDER(c, (out_prometheus(f, j), out_kv(f, j, 0), out_plan(f, j, "-")));
		CHECK(strstr(a, "Switches") && strstr(b, "digraph") && strstr(b, "}\n"),
		      "odd input %s", odd[i]);
		if (i == 5)
			CHECK(strstr(b, "\"port:s:e^\"") && strstr(b, "peripheries=2"), "NIC host side: %s", b);
		if (i == 6)
			CHECK(strstr(b, "\"port:a{1\" -> \"port:a}1\"") &&
			      strstr(b, "\"port:p{2\" -> \"port:p}2\"") &&
			      strstr(b, "\"port:x\" -> \"port:y\""), "pipe shapes: %s", b);
		if (i == 7)
			CHECK(strstr(b, "style=dashed") && strstr(b, "s:a/tx"), "monitor dashed: %s", b);
		free(a);
		free(b);
		free(c);
		json_decref(j);
	}
}

/* NMD_PORTS entries: the label first, no "fds". */
static void test_exec_entry(void)
{
	json_t *res = json_pack("{s:I, s:s, s:i, s:[s]}", "handle", (json_int_t)7, "name", "vale0:vm1",
				"memsize", 4096, "fds", "port");
	json_t *e = nmctl_exec_port_entry(res, "vm1");
	char *d = json_dumps(e, JSON_COMPACT);

	CHECK(!strcmp(d, "{\"label\":\"vm1\",\"handle\":7,\"name\":\"vale0:vm1\",\"memsize\":4096}"),
	      "entry %s", d);
	free(d);
	json_decref(e);
	json_decref(res);
}

static void test_hints(void)
{
	char buf[512];

	CHECK(!strcmp(nmctl_hint(NMD_ERR_PERMISSION, "vale0:vm1", buf, sizeof(buf)),
		      "permission denied: ask an admin to add you to the access list of vale0:vm1 in /etc/netmapd/netmapd.yaml"),
	      "permission hint: %s", buf);
	CHECK(strstr(nmctl_hint(NMD_ERR_BUSY, "vale0:vm1", buf, sizeof(buf)), "nmctl port list"), "busy");
	CHECK(nmctl_hint(12345, NULL, buf, sizeof(buf)) == NULL, "unknown code: no hint");
	/* A kernel refusal is not the file's fault; bad input is not a version problem. */
	CHECK(!strcmp(nmctl_hint(NMD_ERR_KERNEL, NULL, buf, sizeof(buf)),
		      "the kernel refused (the file itself is valid; nothing was changed): `journalctl -u netmapd` and `dmesg` tell more"),
	      "kernel hint: %s", buf);
	CHECK(!strcmp(nmctl_hint(NMD_ERR_CONFIG, NULL, buf, sizeof(buf)),
		      "fix the configuration; `netmapd --check FILE` checks a file without applying it"),
	      "config hint: %s", buf);
	CHECK(!strcmp(nmctl_hint(NMD_ERR_INVALID_PARAMS, "bad/name", buf, sizeof(buf)),
		      "netmapd refused a value given for bad/name (see above); `nmctl --help` shows what each command takes"),
	      "invalid params hint: %s", buf);
}

/* The hint of a refused connect names the socket's own group, not "netmap". */
static void test_connect_hint(void)
{
	char path[] = "/tmp/test_nmctl_hint.XXXXXX", buf[512], want[512];
	const struct group *g;
	struct stat st;
	int fd = mkstemp(path);

	CHECK(fd >= 0 && fstat(fd, &st) == 0, "a file standing for the socket");
	if (fd < 0)
		return;
	close(fd);
	g = getgrgid(st.st_gid);
	snprintf(want, sizeof(want), "the socket is for group %s: ask an admin to add you (usermod -aG %s USER), then log in again",
		 g ? g->gr_name : "?", g ? g->gr_name : "?");
	CHECK(!g || !strcmp(nmctl_connect_hint(path, -EACCES, buf, sizeof(buf)), want),
	      "EACCES names the group: %s", buf);
	/* A group without a name (root may give the file one): its gid. */
	if (chown(path, (uid_t)-1, 2147000111) == 0 && !getgrgid(2147000111))
		CHECK(!strcmp(nmctl_connect_hint(path, -EACCES, buf, sizeof(buf)),
			      "the socket is for group 2147000111: ask an admin to add you (usermod -aG 2147000111 USER), then log in again"),
		      "gid without a name: %s", buf);
	CHECK(!strcmp(nmctl_connect_hint(path, -ECONNREFUSED, buf, sizeof(buf)),
		      "is netmapd running? systemctl status netmapd"), "not EACCES: %s", buf);
	unlink(path);
	CHECK(strstr(nmctl_connect_hint(path, -EACCES, buf, sizeof(buf)), "group netmap:"),
	      "no socket to look at: the packaged group: %s", buf);
}

/* The finding of @checks named @check, or NULL. */
static const json_t *finding(const json_t *checks, const char *check)
{
	const json_t *c;
	size_t i;

	json_array_foreach(checks, i, c)
		if (!strcmp(json_string_value(json_object_get(c, "check")) ?: "", check))
			return c;
	return NULL;
}

static const char *field(const json_t *c, const char *key)
{
	return json_string_value(json_object_get(c, key)) ?: "";
}

/*
 * doctor's own checks on a made-up host: no device, a module of another
 * version (stale after an upgrade), a socket whose group has no name; and
 * the daemon's findings merged without repeating the module's version.
 */
static void test_doctor_local(void)
{
	char dir[] = "/tmp/test_nmctl_doctor.XXXXXX", path[256], sock[256], want[256];
	json_t *checks = json_array(), *daemon;
	const json_t *c;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL, "fake sysfs");
	CHECK(fake_module_version(dir, "0.0.9", path, sizeof(path)), "module version file");
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	f = fopen(sock, "w");
	CHECK(f && fclose(f) == 0, "socket stand-in");
	doctor_local(checks, dir, "/nonexistent/netmap", sock);
#define DEV_MISSING "/nonexistent/netmap missing: is the module built for this kernel ("
	c = finding(checks, "device");
	CHECK(c && !strcmp(field(c, "severity"), "error") &&
	      !strncmp(field(c, "message"), DEV_MISSING, strlen(DEV_MISSING)) &&
	      strstr(field(c, "fix"), "`modprobe netmap`"), "device missing: %s", field(c, "message"));
	c = finding(checks, "module-version");
	snprintf(want, sizeof(want), "the loaded module is version 0.0.9, this netmapd is %s: stale after an upgrade?",
		 NETMAPD_MODULE_VERSION);
	CHECK(c && !strcmp(field(c, "severity"), "error") && !strcmp(field(c, "message"), want),
	      "stale module: %s", field(c, "message"));
	c = finding(checks, "socket-group");
	CHECK(c && !strcmp(field(c, "severity"), "ok") && strstr(field(c, "message"), "group "),
	      "socket group: %s", field(c, "message"));
	/* Root can give the socket a group that does not exist. */
	if (chown(sock, (uid_t)-1, 2147000111) == 0 && !getgrgid(2147000111)) {
		json_decref(checks);
		checks = json_array();
		doctor_local(checks, dir, "/nonexistent/netmap", sock);
		c = finding(checks, "socket-group");
		CHECK(c && !strcmp(field(c, "severity"), "error") &&
		      !strcmp(field(c, "message"), "the socket's group (gid 2147000111) does not exist") &&
		      strstr(field(c, "fix"), "groupadd"), "socket group missing: %s", field(c, "message"));
	}
	/* The device checked is the daemon's (--device), /dev/netmap without one. */
	{
		json_t *st = json_pack("{s:s}", "device", "/run/nm/netmap0");

		CHECK(!strcmp(doctor_device(st), "/run/nm/netmap0"), "doctor: the daemon's device");
		json_object_set_new(st, "device", json_integer(1));
		CHECK(!strcmp(doctor_device(st), "/dev/netmap"), "doctor: a bad device field");
		CHECK(!strcmp(doctor_device(NULL), "/dev/netmap"), "doctor: no daemon");
		json_decref(st);
	}
	/* The daemon's own view of the version replaces nmctl's; others are added. */
	daemon = json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]",
			   "check", "module-version", "object", "netmap", "severity", "error", "message", "daemon's",
			   "check", "offloads", "object", "eth1", "severity", "error", "message", "eth1's");
	{
		size_t before = json_array_size(checks), n = 0, i;

		doctor_merge(checks, daemon);
		json_array_foreach(checks, i, c)
			n += !strcmp(field(c, "check"), "module-version");
		CHECK(n == 1 && !strcmp(field(finding(checks, "module-version"), "message"), "daemon's") &&
		      finding(checks, "offloads") && json_array_size(checks) == before + 1,
		      "merged: %zu module-version findings, %zu checks", n, json_array_size(checks));
	}
	json_decref(daemon);
	json_decref(checks);
	unlink(sock);
	fake_module_version_remove(dir);
	rmdir(dir);
}

/* doctor's reading of `dkms status netmap -k RELEASE` (old and new formats). */
static void test_dkms(void)
{
	static const struct { const char *out, *want; } t[] = {
		{ "", "not built" },
		{ "netmap/0.1.0: added\n", "not built" },
		{ "netmap/0.1.0, 6.1.0-57-amd64, x86_64: built\n", "built, not installed" },
		{ "netmap/0.1.0, 6.1.0-57-amd64, x86_64: installed\n", "installed" },
		{ "netmap, 0.1.0, 6.1.0-57-amd64, x86_64: installed (WARNING! Diff between built and installed module!)\n",
		  "installed" },
		{ "netmap/0.0.9, 6.1.0-57-amd64, x86_64: built\nnetmap/0.1.0, 6.1.0-57-amd64, x86_64: installed\n",
		  "installed" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		FILE *f = fmemopen((void *)t[i].out, strlen(t[i].out) + 1, "r");

		CHECK(f != NULL, "fmemopen");
		if (!f)
			continue;
		dkms_parse(f, buf, sizeof(buf));
		fclose(f);
		CHECK(!strcmp(buf, t[i].want), "dkms says %s: %s, want %s", t[i].out, buf, t[i].want);
	}
}

static const struct check_case cases[] = {
	CHECK_CASE(show),
	CHECK_CASE(prometheus),
	CHECK_CASE(kv),
	CHECK_CASE(top),
	CHECK_CASE(object_doctor),
	CHECK_CASE(status_exit),
	CHECK_CASE(plan),
	CHECK_CASE(port_list),
	CHECK_CASE(events),
	CHECK_CASE(odd_input),
	CHECK_CASE(exec_entry),
	CHECK_CASE(hints),
	CHECK_CASE(connect_hint),
	CHECK_CASE(doctor_local),
	CHECK_CASE(dkms),
};

int main(int argc, char **argv)
{
	setenv("TZ", "UTC", 1);
	tzset();
	return check_exit(CHECK_RUN(argc, argv, cases));
}
