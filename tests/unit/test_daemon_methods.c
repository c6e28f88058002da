// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_daemon_methods - netmapd's RPC methods (daemon/methods.c,
 * methods_port.c) dispatched through rpc_server_eval() on a daemon built
 * around the in-memory kernel of fake_kern.c (it answers what the methods
 * and the engine ask, and hands out eventfds as ports). Checked: the
 * access rule of port.open (allowed, refused with -32001 and no fd, objects
 * outside the file), parameters (-32602), the reply and its fd, holders in
 * port.list, port.close by the holder / others / admins, a holder that
 * exits is dropped (a forked child's pidfd), events to subscribers,
 * handle records with a faked release watch (released fds drop their
 * records, port.close forgets the watch, 3000 rounds leave none) and the
 * caps of handles: (per_uid, total, pidfds_per_uid; root and admins exempt;
 * a failed pidfd_open leaves no record),
 * switch.list grouping, admin-only methods, configurations refused with
 * file:line:col (-32008), status and stats; and the fd store: a pipe's
 * anchor goes to $NOTIFY_SOCKET with FDSTORE=1 FDNAME= FDPOLL=0 and an fd,
 * and FDSTOREREMOVE=1 when the pipe leaves the configuration. Each case but
 * headroom runs on a daemon and fake kernel of its own (daemon_up()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <net/netmap.h>

#include "capacity.h"
#include "daemon.h"
#include "observe.h"

#include "check.h"
#include "fake_sysfs.h"
#include "fake_kern.h"

/* The kernel: fake_kern.c, with ports vale0:vm1, vale1:x, vale0:vm2 in VALE_LIST. */
static struct fake_kern *fk;

/* ---- helpers ------------------------------------------------------------ */

static struct nmd_daemon dm;
static char statedir[64], state[128];
static struct rpc_peer root, u1000, u1002, admin;

static const char yaml[] =
	"version: 1\n"
	"admin:\n"
	"  users: [4000]\n"
	"switches:\n"
	"  - name: vale0\n"
	"    ports:\n"
	"      - ephemeral: vm1\n"
	"        access:\n"
	"          users: [1000]\n"
	"      - ephemeral: vm2\n"
	"        access:\n"
	"          groups: [2000]\n";

static struct rpc_peer mkpeer(uid_t uid, gid_t gid, pid_t pid)
{
	struct rpc_peer p = { .uid = uid, .gid = gid, .pid = pid, .groups_known = true };
	return p;
}

/* Evaluate @line as @p; the parsed response (NULL if none) and the fd count. */
static json_t *call(const struct rpc_peer *p, const char *line, int *nfds)
{
	char *resp = NULL;
	json_t *j = NULL;
	int r;

	r = rpc_server_eval(dm.rpc, p, line, strlen(line), &resp);
	if (nfds)
		*nfds = r;
	if (resp) {
		j = json_loads(resp, 0, NULL);
		free(resp);
	}
	return j;
}

static json_int_t err_code(json_t *j)
{
	return json_integer_value(json_object_get(json_object_get(j, "error"), "code"));
}

/* data.field of an error response ("" when there is none). */
static const char *err_field(json_t *j)
{
	const char *f = json_string_value(json_object_get(
		json_object_get(json_object_get(j, "error"), "data"), "field"));

	return f ? f : "";
}

static json_t *result(json_t *j)
{
	return json_object_get(j, "result");
}

static void pump_ms(unsigned ms)
{
	struct timespec end, now;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_nsec += (long)ms * 1000000L;
	end.tv_sec += end.tv_nsec / 1000000000L;
	end.tv_nsec %= 1000000000L;
	do {
		event_base_loop(dm.base, EVLOOP_NONBLOCK);
		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
}

static json_int_t open_port(const struct rpc_peer *p, const char *name, json_t **err)
{
	char line[200];
	json_int_t h;
	json_t *j;
	int nfds;

	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":50,\"method\":\"port.open\","
		 "\"params\":{\"name\":\"%s\"}}", name);
	j = call(p, line, &nfds);
	h = json_integer_value(json_object_get(result(j), "handle"));
	if (err)
		*err = json_incref(json_object_get(j, "error"));
	json_decref(j);
	return nfds == 1 ? h : -1;
}

static const char *err_limit(json_t *e)
{
	return json_string_value(json_object_get(json_object_get(e, "data"), "limit"));
}

static void on_handles(void)
{
	struct nmd_handle_limits saved = dm.config->handles;
	unsigned base = dm.n_holders, pidfds = dm.n_pidfds;
	json_int_t h[8];
	json_t *e = NULL, *j;

	uint64_t first = 0;

	/* 1. The module has the release watch: records are watched by it, no pidfd. */
	fake_kern_watch(fk, &dm.kern);
	dm.rw_state = NMD_RW_UNTRIED;	/* the fallback above turned it off */
	h[0] = open_port(&u1000, "vale0:vm1", NULL);
	CHECK(h[0] > 0 && dm.rw_state == NMD_RW_ON && fake_watched(fk, &first) == 1 &&
		      first == (uint64_t)h[0],
	      "the handle is registered with the release watch");
	CHECK(dm.n_pidfds == pidfds, "no pidfd for it (%u)", dm.n_pidfds);
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":51,\"method\":\"status\"}", NULL);
	CHECK(json_is_true(json_object_get(json_object_get(result(j), "holders"), "release_watch")),
	      "status: release_watch");
	json_decref(j);
	fake_release(fk, (uint64_t)h[0]);
	pump_ms(20);
	CHECK(dm.n_holders == base, "released: the record is gone (%u)", dm.n_holders);

	/* 2. port.close forgets the kernel's watch too. */
	h[0] = open_port(&u1000, "vale0:vm1", NULL);
	{
		char line[160];

		snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":52,\"method\":\"port.close\","
			 "\"params\":{\"handle\":%lld}}", (long long)h[0]);
		json_decref(call(&u1000, line, NULL));
	}
	CHECK(fake_watched(fk, NULL) == 0 && dm.n_holders == base, "port.close: DEL sent, record gone");

	/* 3. 3000 open-then-release rounds come back to where they started. */
	for (int i = 0; i < 3000; i++) {
		json_int_t x = open_port(&u1000, "vale0:vm1", NULL);

		if (x <= 0)
			break;
		fake_release(fk, (uint64_t)x);
		if (i % 100 == 99)
			pump_ms(1);
	}
	pump_ms(20);
	CHECK(dm.n_holders == base && dm.n_user_holders == 0, "3000 rounds: %u records, %u of users",
	      dm.n_holders, dm.n_user_holders);

	/* 4. Caps per uid and in total; &root and admins are exempt. */
	dm.config->handles.per_uid = 3;
	dm.config->handles.total = 4;
	for (int i = 0; i < 3; i++)
		h[i] = open_port(&u1000, "vale0:vm1", NULL);
	CHECK(h[2] > 0, "3 handles for uid 1000");
	CHECK(open_port(&u1000, "vale0:vm1", &e) < 0 && json_integer_value(json_object_get(e, "code")) ==
	      RPC_ERR_CAPACITY && err_limit(e) && !strcmp(err_limit(e), "per_uid"),
	      "the 4th: -32004, limit per_uid");
	json_decref(e);
	CHECK(open_port(&root, "vale0:vm1", NULL) > 0, "root still opens");
	CHECK(open_port(&admin, "vale0:vm1", NULL) > 0, "an &admin still opens");
	{
		struct rpc_peer g = u1002;

		g.gid = 2000;
		CHECK(open_port(&g, "vale0:vm2", NULL) > 0, "uid 1002: the 4th user handle");
		CHECK(open_port(&g, "vale0:vm2", &e) < 0 && err_limit(e) && !strcmp(err_limit(e), "total"),
		      "the 5th user handle: limit total");
		json_decref(e);
	}
	fake_release(fk, (uint64_t)h[0]);
	pump_ms(20);
	CHECK(open_port(&u1000, "vale0:vm1", NULL) > 0, "one released: uid 1000 opens again");

	/* 5. No release watch: one pidfd per process, capped; a failed pidfd_open leaves nothing. */
	holders_free(&dm);
	base = dm.n_holders;
	dm.opts.no_release_watch = true;
	dm.config->handles.per_uid = 100;
	dm.config->handles.total = 100;
	dm.config->handles.pidfds_per_uid = 1;
	{
		pid_t c1 = fork(), c2;

		if (c1 == 0) {
			pause();
			_exit(0);
		}
		c2 = fork();
		if (c2 == 0) {
			pause();
			_exit(0);
		}
		struct rpc_peer p1 = *&u1000, p2 = *&u1000, gone = *&u1000;

		p1.pid = c1;
		p2.pid = c2;
		CHECK(open_port(&p1, "vale0:vm1", NULL) > 0 && open_port(&p1, "vale0:vm1", NULL) > 0,
		      "two handles, one process");
		CHECK(dm.n_pidfds == 1, "one pidfd for both (%u)", dm.n_pidfds);
		CHECK(open_port(&p2, "vale0:vm1", &e) < 0 && err_limit(e) &&
		      !strcmp(err_limit(e), "pidfds_per_uid"), "a second process: limit pidfds_per_uid");
		json_decref(e);
		CHECK(open_port(&root, "vale0:vm1", NULL) > 0, "root is exempt");
		kill(c2, SIGKILL);
		waitpid(c2, NULL, 0);
		gone.pid = c2;
		dm.config->handles.pidfds_per_uid = 10;
		CHECK(open_port(&gone, "vale0:vm1", &e) < 0 && json_integer_value(json_object_get(e, "code")) ==
		      RPC_ERR_NOT_FOUND, "a process that is gone: refused (ESRCH)");
		json_decref(e);
		CHECK(dm.n_holders == base + 3, "no record left by the refusal (%u)", dm.n_holders);
		kill(c1, SIGKILL);
		waitpid(c1, NULL, 0);
		pump_ms(50);
		CHECK(dm.n_holders == base + 1 && dm.n_pidfds == 1, "the process exited: its 2 records go");
	}
	holders_free(&dm);
	dm.opts.no_release_watch = false;
	dm.config->handles = saved;
	fake_kern(fk, &dm.kern);
}

static const char *state_of(const struct rpc_peer *p)
{
	static char st[32];
	json_t *j = call(p, "{\"jsonrpc\":\"2.0\",\"id\":61,\"method\":\"status\"}", NULL);

	snprintf(st, sizeof(st), "%s", json_string_value(json_object_get(result(j), "state")) ?: "");
	json_decref(j);
	return st;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = calloc(1, 1 << 16);

	if (f && s)
		(void)!fread(s, 1, (1 << 16) - 1, f);
	if (f)
		fclose(f);
	return s;
}

/*
 * The daemon is killed (the timer and the memory go, the state file stays)
 * and starts again with the file dm.config_path, which has the text @text
 * (NULL: read from disk). False if that start failed.
 */
static bool crash_and_start(const char *text)
{
	struct diags d;
	int r;

	event_free(dm.ev_confirm);
	dm.ev_confirm = NULL;
	config_free(dm.confirm_prev);
	dm.confirm_prev = NULL;
	engine_free(dm.engine);
	config_free(dm.config);
	dm.config = NULL;
	diags_init(&d, "restart");
	r = engine_new(&dm.kern, dm.opts.state_path, &dm.engine, &d);
	CHECK(r == 0, "engine after the crash: %d", r);
	r = daemon_load_config(text ? NULL : dm.config_path, dm.config_path, text, &dm.config, &d);
	CHECK(r == 0, "the file on disk: %d", r);
	diags_done(&d);
	dm.health = NMD_HEALTH_STARTING;
	return dm.engine && dm.config;
}

/* topology.apply of vale3 with the one port @port, named "@port.yaml", to confirm within 60 s. */
static void apply_unconfirmed(const char *port)
{
	char line[512];
	json_t *j;

	snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":71,\"method\":\"topology.apply\","
		 "\"params\":{\"confirm\":60,\"name\":\"%s.yaml\",\"config\":\"version: 1\\n"
		 "switches:\\n  - name: vale3\\n    ports:\\n      - ephemeral: %s\\n\"}}", port, port);
	j = call(&root, line, NULL);
	CHECK(json_integer_value(json_object_get(result(j), "confirm")) == 60,
	      "apply %s with confirm", port);
	json_decref(j);
}

/*
 * The daemon dies inside the confirmation window (the timer and the memory
 * go, the state file stays), and starts again with the unconfirmed file on
 * disk: it rolls back to the configuration before the apply (its text from
 * the state file), says so (degraded: the file on disk is not in force),
 * and the record leaves the state file.
 */
static void crash_in_window(void)
{
	static const char e4[] = "version: 1\nswitches:\n  - name: vale3\n    ports:\n"
				 "      - ephemeral: e4\n";
	char *st;

	apply_unconfirmed("e4");
	st = slurp(dm.opts.state_path);
	CHECK(st && strstr(st, "\"confirm\": {\"config\":\"e4.yaml\"") &&
	      strstr(st, "ephemeral: e2"), "the state file has what to roll back to:\n%s", st);
	free(st);

	/* kill -9, then a start whose file on disk is the unconfirmed one. */
	if (!crash_and_start(e4))
		return;
	CHECK(confirm_recover(&dm) == 1, "start: the unconfirmed apply is rolled back");
	CHECK(dm.config && !config_find_port(dm.config, "vale3:e4") &&
	      config_find_port(dm.config, "vale3:e2"), "rolled back to e2's configuration");
	CHECK(!strcmp(state_of(&u1000), "degraded"), "degraded (the file on disk is not in force): %s",
	      state_of(&u1000));
	CHECK(strstr(dm.health_why, "not confirmed before netmapd stopped") != NULL, "why: %s",
	      dm.health_why);
	st = slurp(dm.opts.state_path);
	CHECK(st && !strstr(st, "confirm"), "the record is gone:\n%s", st);
	free(st);
	CHECK(confirm_recover(&dm) == 0, "nothing pending any more");
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0, "write %s", path);
}

/*
 * The same for a configuration in several files (a drop-in): the record
 * keeps every file's text, and the start after the crash rolls back to
 * them from the state file, leaving the files on disk as they are (the
 * unconfirmed text in the main file, the drop-in gone).
 */
static void crash_in_window_files(void)
{
	static const char main_yaml[] = "version: 1\nswitches:\n  - name: vale3\n    ports:\n"
					"      - ephemeral: f1\n";
	static const char e5[] = "version: 1\nswitches:\n  - name: vale3\n    ports:\n"
				 "      - ephemeral: e5\n";
	char keep[sizeof(dm.config_path)], dir[sizeof(dm.config_path) + 8], drop[sizeof(dir) + 16];
	json_t *j;
	char *st;

	memcpy(keep, dm.config_path, sizeof(keep));
	snprintf(dm.config_path, sizeof(dm.config_path), "%s/multi.yaml", statedir);
	snprintf(dir, sizeof(dir), "%s.d", dm.config_path);
	snprintf(drop, sizeof(drop), "%s/10-more.yaml", dir);
	CHECK(mkdir(dir, 0700) == 0, "mkdir %s", dir);
	put_file(dm.config_path, main_yaml);
	put_file(drop, "switches:\n  - name: vale4\n    ports:\n      - ephemeral: f2\n");
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":72,\"method\":\"reload\"}", NULL);
	CHECK(config_find_port(dm.config, "vale4:f2"), "reloaded from two files");
	json_decref(j);
	apply_unconfirmed("e5");
	st = slurp(dm.opts.state_path);
	CHECK(st && strstr(st, "10-more.yaml\",\"text\":\"switches:") && strstr(st, "ephemeral: f1"),
	      "the state file has both files:\n%s", st);
	free(st);

	/* The unconfirmed text lands in the main file, the drop-in goes; then kill -9. */
	put_file(dm.config_path, e5);
	unlink(drop);
	if (crash_and_start(NULL)) {
		CHECK(confirm_recover(&dm) == 1, "start: rolled back to the two files");
		CHECK(!config_find_port(dm.config, "vale3:e5") &&
		      config_find_port(dm.config, "vale3:f1") && config_find_port(dm.config, "vale4:f2"),
		      "both files' objects are back");
		CHECK(!strcmp(state_of(&u1000), "degraded"), "degraded: %s", state_of(&u1000));
		st = slurp(dm.config_path);
		CHECK(st && streq(st, e5) && access(drop, F_OK) < 0,
		      "the files on disk are left as they are");
		free(st);
		st = slurp(dm.opts.state_path);
		CHECK(st && !strstr(st, "confirm"), "the record is gone:\n%s", st);
		free(st);
	}
	unlink(dm.config_path);
	rmdir(dir);
	memcpy(dm.config_path, keep, sizeof(keep));
}

/* The first of a -32008 error's data.errors (NULL if none). */
static const char *first_config_error(json_t *j)
{
	json_t *errs = json_object_get(json_object_get(json_object_get(j, "error"), "data"), "errors");

	return json_string_value(json_array_get(errs, 0));
}

/*
 * apply with "confirm": confirmed in time it stays; not confirmed, the
 * configuration before it comes back when the timer fires; while one waits,
 * reload and other applies are refused; a plan's "name" names the text.
 */
static void on_confirm(void)
{
	static const char apply_e2[] =
		"{\"jsonrpc\":\"2.0\",\"id\":62,\"method\":\"topology.apply\",\"params\":"
		"{\"confirm\":1,\"config\":\"version: 1\\nswitches:\\n  - name: vale3\\n    ports:\\n"
		"      - ephemeral: e2\\n\"}}";
	json_t *j;

	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":63,\"method\":\"topology.plan\",\"params\":"
		 "{\"name\":\"mine.yaml\",\"config\":\"version: 1\\nswitches:\\n  - name: bad name\\n\"}}",
		 NULL);
	{
		const char *e0 = first_config_error(j);

		CHECK(e0 && !strncmp(e0, "mine.yaml:3:", 12), "plan names the text: %s", e0 ? e0 : "-");
	}
	json_decref(j);
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":64,\"method\":\"topology.apply\",\"params\":"
		 "{\"confirm\":0,\"config\":\"version: 1\\n\"}}", NULL);
	CHECK(err_code(j) == RPC_ERR_INVALID_PARAMS, "confirm 0 refused");
	json_decref(j);

	/* Confirmed in time. */
	j = call(&root, apply_e2, NULL);
	CHECK(json_integer_value(json_object_get(result(j), "confirm")) == 1, "apply with confirm");
	json_decref(j);
	CHECK(!strcmp(state_of(&u1000), "confirming"), "state confirming: %s", state_of(&u1000));
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":65,\"method\":\"reload\"}", NULL);
	CHECK(err_code(j) == RPC_ERR_STATE, "reload while confirming: -32006");
	json_decref(j);
	j = call(&root, apply_e2, NULL);
	CHECK(err_code(j) == RPC_ERR_STATE, "apply while confirming: -32006");
	json_decref(j);
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":66,\"method\":\"topology.confirm\"}", NULL);
	CHECK(err_code(j) == RPC_ERR_PERMISSION, "confirm is for admins");
	json_decref(j);
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":67,\"method\":\"topology.confirm\"}", NULL);
	CHECK(json_is_true(json_object_get(result(j), "confirmed")), "confirmed");
	json_decref(j);
	CHECK(!strcmp(state_of(&u1000), "applied"), "state applied after confirm");
	pump_ms(1300);
	CHECK(config_find_port(dm.config, "vale3:e2"), "a confirmed apply stays");
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":68,\"method\":\"topology.confirm\"}", NULL);
	CHECK(err_code(j) == RPC_ERR_STATE, "nothing to confirm: -32006");
	json_decref(j);

	/* Not confirmed: rolled back to e2's configuration. */
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":69,\"method\":\"topology.apply\",\"params\":"
		 "{\"confirm\":1,\"config\":\"version: 1\\nswitches:\\n  - name: vale3\\n    ports:\\n"
		 "      - ephemeral: e3\\n\"}}", NULL);
	CHECK(json_is_array(json_object_get(result(j), "actions")), "apply e3 with confirm");
	json_decref(j);
	CHECK(config_find_port(dm.config, "vale3:e3"), "e3 in force");
	pump_ms(1500);
	CHECK(!config_find_port(dm.config, "vale3:e3") && config_find_port(dm.config, "vale3:e2"),
	      "not confirmed: rolled back to e2");
	CHECK(!strcmp(state_of(&u1000), "applied"), "state applied after the rollback: %s",
	      state_of(&u1000));
	crash_in_window();
	crash_in_window_files();
}

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *_a = (a), *_b = (b);                               \
		CHECK(_a && _b && strcmp(_a, _b) == 0, "got:\n%s\nwant:\n%s", \
		      _a ? _a : "(null)", _b);                                 \
	} while (0)

/*
 * The doctor's headroom findings for a capacity made by hand: buffers and
 * memory past 90% with the value to set and its cost; rings below it (not
 * reported); a private region never.
 */
static void test_headroom(void)
{
	struct cap_region regs[2] = {
		{ .name = "global region", .global = true, .users = 2,
		  .have_num = { 100, 200, 10240 }, .have_size = { 1024, 36864, 2048 },
		  .need_num = { 4, 20, 9728 } },
		{ .name = "region of vale0:a", .users = 1, .have_num = { 2, 4, 100 },
		  .have_size = { 1024, 20480, 2048 }, .need_num = { 2, 4, 100 } },
	};
	struct capacity cap = { .regions = regs, .n_regions = 2, .max_mem_mb = 64,
				.total_bytes = 62ull << 20 };
	json_t *out = json_array();
	char *s;

	observe_headroom(&cap, "/etc/netmapd/netmapd.yaml", out);
	s = json_dumps(out, JSON_INDENT(1));
	CHECK(json_array_size(out) == 2, "two findings:\n%s", s);
	CHECK_STR(json_string_value(json_object_get(json_array_get(out, 0), "message")),
		  "buffers 95% used in the global region (9728 of 10240)");
	CHECK_STR(json_string_value(json_object_get(json_array_get(out, 0), "fix")),
		  "raise buf_num to 12971 (\"buf_num: 12971\" under \"module: params:\" in "
		  "/etc/netmapd/netmapd.yaml, then reload; 6 MiB more)");
	CHECK_STR(json_string_value(json_object_get(json_array_get(out, 0), "severity")), "warning");
	CHECK_STR(json_string_value(json_object_get(json_array_get(out, 1), "message")),
		  "memory 96% used: the regions take 62 MiB of max_mem_mb 64 MiB");
	CHECK_STR(json_string_value(json_object_get(json_array_get(out, 1), "fix")),
		  "raise max_mem_mb to 83 (\"max_mem_mb: 83\" under \"module: params:\" in "
		  "/etc/netmapd/netmapd.yaml, then reload)");
	free(s);
	json_decref(out);
	/* Full: an error; the default cap says it is half of the RAM. */
	regs[0].need_num[CAP_BUF] = 10240;
	cap.max_mem_default = true;
	cap.total_bytes = 64ull << 20;
	out = json_array();
	observe_headroom(&cap, "n.yaml", out);
	CHECK_STR(json_string_value(json_object_get(json_array_get(out, 0), "severity")), "error");
	CHECK_STR(json_string_value(json_object_get(json_array_get(out, 1), "message")),
		  "memory 100% used: the regions take 64 MiB of max_mem_mb 64 MiB (half of the RAM)");
	json_decref(out);
	/* Below 90%: nothing. */
	regs[0].need_num[CAP_BUF] = 9000;
	cap.total_bytes = 57ull << 20;
	out = json_array();
	observe_headroom(&cap, "n.yaml", out);
	CHECK(json_array_size(out) == 0, "nothing below 90%%");
	json_decref(out);
}

/* status on a fresh daemon. */
static void on_status(void)
{
	json_t *j;

	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}", NULL);
	CHECK(json_is_string(json_object_get(result(j), "version")), "status has a version");
	CHECK(json_integer_value(json_object_get(result(j), "handles")) == 0, "no handles yet");
	CHECK(!strcmp(json_string_value(json_object_get(result(j), "device")) ?: "", "/dev/netmap"),
	      "status: the default device");
	json_decref(j);
	dm.opts.dev = "/run/test/netmap-other";
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"status\"}", NULL);
	CHECK(!strcmp(json_string_value(json_object_get(result(j), "device")) ?: "", "/run/test/netmap-other"),
	      "status: the device of --device");
	json_decref(j);
	dm.opts.dev = NULL;
}

/*
 * port.open allowed (result, fd, holder), refused (another uid, a name the
 * rule does not cover, outside the file), by group, by an admin; the
 * suffixes reach the kernel as mode and flags; kernel errors carry errno.
 */
static void on_port_open(void)
{
	const struct kern_open *last;
	unsigned opens;
	json_int_t h1;
	json_t *j;
	int nfds;

	/* Allowed: result, fd, holder. */
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"port.open\","
			 "\"params\":{\"name\":\"vale0:vm1\"}}", &nfds);
	CHECK(nfds == 1, "one fd sent (%d)", nfds);
	h1 = json_integer_value(json_object_get(result(j), "handle"));
	CHECK(h1 > 0, "handle %lld", (long long)h1);
	CHECK(json_integer_value(json_object_get(result(j), "memsize")) == 4 << 20, "memsize");
	CHECK(json_integer_value(json_object_get(result(j), "tx_slots")) == 1024, "tx_slots");
	CHECK(json_is_array(json_object_get(result(j), "fds")) &&
		      strcmp(json_string_value(json_array_get(json_object_get(result(j), "fds"), 0)),
			     "port") == 0,
	      "fds [\"port\"]");
	json_decref(j);

	/* Refused: another uid, no fd, kernel not asked. */
	opens = fake_calls(fk, FK_PORT_OPEN);
	j = call(&u1002, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"port.open\","
			 "\"params\":{\"name\":\"vale0:vm1\"}}", &nfds);
	CHECK(err_code(j) == RPC_ERR_PERMISSION, "uid 1002 refused: %lld", (long long)err_code(j));
	CHECK(nfds == 0 && fake_calls(fk, FK_PORT_OPEN) == opens, "no fd, no open (%d)", nfds);
	json_decref(j);
	/* Issue 13: "vale0:vm1^" would create port "vm1^"; refused, kernel not asked. */
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"port.open\","
			 "\"params\":{\"name\":\"vale0:vm1^\"}}", &nfds);
	CHECK(err_code(j) == RPC_ERR_PERMISSION && nfds == 0 && fake_calls(fk, FK_PORT_OPEN) == opens,
	      "vale0:vm1^ refused: %lld", (long long)err_code(j));
	CHECK(strstr(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
		     "host rings") != NULL, "and the message says why");
	json_decref(j);
	/* The suffixes go into mode and flags; only the bare name reaches the kernel. */
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"port.open\","
			 "\"params\":{\"name\":\"vale0:vm1-0/T\",\"mode\":\"all\"}}", &nfds);
	last = fake_last_open(fk);
	CHECK(nfds == 1 && last && !strcmp(last->name, "vale0:vm1") && last->mode == NR_REG_ONE_NIC &&
		      last->ringid == 0 && last->flags == NR_TX_RINGS_ONLY,
	      "vale0:vm1-0/T -> vale0:vm1 ONE_NIC 0 TX_RINGS_ONLY (%s %u %llx)",
	      last ? last->name : "-", last ? last->mode : 0,
	      last ? (unsigned long long)last->flags : 0ull);
	CHECK(!strcmp(json_string_value(json_object_get(result(j), "name")), "vale0:vm1-0/T"),
	      "the reply names the port as asked");
	{
		char line[160];
		json_t *c;

		snprintf(line, sizeof(line),
			 "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"port.close\","
			 "\"params\":{\"handle\":%lld}}",
			 (long long)json_integer_value(json_object_get(result(j), "handle")));
		c = call(&u1000, line, NULL);
		CHECK(result(c) != NULL, "closed");
		json_decref(c);
	}
	json_decref(j);
	/* By group. */
	{
		struct rpc_peer g = mkpeer(1002, 2000, getpid());

		j = call(&g, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"port.open\","
			     "\"params\":{\"name\":\"vale0:vm2\",\"mode\":\"one\",\"ring\":0}}", &nfds);
		CHECK(nfds == 1 && result(j), "group 2000 opens vm2");
		json_decref(j);
	}
	/* Not in the file: admins only. */
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"port.open\","
			 "\"params\":{\"name\":\"vale5:z\"}}", &nfds);
	CHECK(err_code(j) == RPC_ERR_PERMISSION && nfds == 0, "object outside the file refused");
	json_decref(j);
	j = call(&admin, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"port.open\","
			 "\"params\":{\"name\":\"vale5:z\",\"exclusive\":true,"
			 "\"flags\":[\"no_tx_poll\"]}}", &nfds);
	CHECK(nfds == 1 && result(j), "admin opens it");
	json_decref(j);
	/* Kernel errors carry the errno. */
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"port.open\","
			"\"params\":{\"name\":\"eth9\"}}", &nfds);
	CHECK(err_code(j) == RPC_ERR_NOT_FOUND && nfds == 0, "ENXIO is -32002: %lld",
	      (long long)err_code(j));
	CHECK(json_integer_value(json_object_get(json_object_get(json_object_get(j, "error"), "data"),
						 "errno")) == ENXIO, "data.errno");
	json_decref(j);
}

/* Bad parameters: -32602 naming the field. */
static void on_bad_params(void)
{
	json_t *j;
	int nfds;

	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"port.open\","
			"\"params\":{\"name\":\"vale0:vm1\",\"mode\":\"sideways\"}}", &nfds);
	CHECK(err_code(j) == RPC_ERR_INVALID_PARAMS && nfds == 0, "bad mode");
	CHECK(streq(err_field(j), "mode"), "bad mode names \"%s\"", err_field(j));
	json_decref(j);
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"port.open\","
			"\"params\":{\"name\":\"vale0:vm1\",\"flags\":[\"teleport\"]}}", &nfds);
	CHECK(err_code(j) == RPC_ERR_INVALID_PARAMS, "unknown flag");
	CHECK(streq(err_field(j), "flags"), "unknown flag names \"%s\"", err_field(j));
	json_decref(j);
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"port.open\","
			"\"params\":{\"name\":\"vale0:vm1\",\"ring\":70000}}", &nfds);
	CHECK(err_code(j) == RPC_ERR_INVALID_PARAMS && nfds == 0, "ring out of range");
	CHECK(streq(err_field(j), "ring"), "ring out of range names \"%s\"", err_field(j));
	json_decref(j);
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"port.open\","
			"\"params\":{\"name\":\"vale0:vm1\",\"flags\":\"zcopy_mon\"}}", &nfds);
	CHECK(err_code(j) == RPC_ERR_INVALID_PARAMS, "flags not an array");
	CHECK(streq(err_field(j), "flags"), "flags not an array names \"%s\"", err_field(j));
	json_decref(j);
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"port.open\","
			"\"params\":{\"name\":\"a b\"}}", &nfds);
	CHECK(err_code(j) == RPC_ERR_INVALID_PARAMS, "name with a space");
	json_decref(j);
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"port.open\",\"params\":{}}",
		 &nfds);
	CHECK(err_code(j) == RPC_ERR_INVALID_PARAMS, "missing name");
	json_decref(j);
}

/* port.list and port.close of three holders. */
static void on_port_close(void)
{
	struct rpc_peer g = mkpeer(1002, 2000, getpid());
	json_int_t h1 = open_port(&u1000, "vale0:vm1", NULL);
	json_int_t h2 = open_port(&g, "vale0:vm2", NULL);
	json_t *j;

	CHECK(h1 > 0 && h2 > 0 && open_port(&admin, "vale5:z", NULL) > 0, "three holders");
	/* port.list: three holders. */
	j = call(&u1002, "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"port.list\"}", NULL);
	CHECK(json_array_size(json_object_get(result(j), "handles")) == 3, "3 handles listed");
	json_decref(j);

	/* port.close: not yours, yours, again, admin closes another's. */
	{
		char line[160];

		snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"port.close\","
			 "\"params\":{\"handle\":%lld}}", (long long)h1);
		j = call(&u1002, line, NULL);
		CHECK(err_code(j) == RPC_ERR_PERMISSION, "close by another uid refused");
		json_decref(j);
		j = call(&u1000, line, NULL);
		CHECK(json_is_true(json_object_get(result(j), "closed")), "close by the holder");
		json_decref(j);
		j = call(&u1000, line, NULL);
		CHECK(err_code(j) == RPC_ERR_NOT_FOUND, "closed twice: not found");
		json_decref(j);
		snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"port.close\","
			 "\"params\":{\"handle\":%lld}}", (long long)h2);
		j = call(&admin, line, NULL);
		CHECK(json_is_true(json_object_get(result(j), "closed")), "admin closes another's");
		json_decref(j);
	}
	CHECK(dm.n_holders == 1, "one holder left (%u)", dm.n_holders);
}

/* A holder that exits is dropped (its pidfd fires). */
static void on_holder_exit(void)
{
	unsigned base = dm.n_holders;
	struct rpc_peer cp;
	pid_t child;
	json_t *j;
	int nfds;

	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	cp = mkpeer(1000, 100, child);
	j = call(&cp, "{\"jsonrpc\":\"2.0\",\"id\":15,\"method\":\"port.open\","
		      "\"params\":{\"name\":\"vale0:vm1\"}}", &nfds);
	CHECK(nfds == 1, "child's port opened");
	json_decref(j);
	CHECK(dm.n_holders == base + 1, "one more holder (%u)", dm.n_holders);
	j = call(&cp, "{\"jsonrpc\":\"2.0\",\"id\":16,\"method\":\"port.list\"}", NULL);
	{
		size_t i;
		json_t *e;
		bool watched = false;

		json_array_foreach(json_object_get(result(j), "handles"), i, e)
			if (json_integer_value(json_object_get(e, "pid")) == child)
				watched = json_is_true(json_object_get(e, "watched"));
		CHECK(watched, "the child's handle is watched by a pidfd");
	}
	json_decref(j);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	pump_ms(50);
	CHECK(dm.n_holders == base, "the exited holder is dropped (%u)", dm.n_holders);
}

static void on_lists(void)
{
	json_t *j;

	/* switch.list groups VALE_LIST by switch. */
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":17,\"method\":\"switch.list\"}", NULL);
	{
		json_t *sw = json_object_get(result(j), "switches");

		CHECK(json_array_size(sw) == 2, "two switches");
		CHECK(json_array_size(json_object_get(json_array_get(sw, 0), "ports")) == 2,
		      "vale0 has 2 ports");
	}
	json_decref(j);

	/* stats: per-port counters and the server's. */
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":18,\"method\":\"stats\"}", NULL);
	CHECK(json_array_size(json_object_get(result(j), "ports")) == 3, "3 ports in stats");
	CHECK(json_integer_value(json_object_get(json_array_get(json_object_get(result(j), "ports"), 0),
						 "tx_packets")) == 7, "tx_packets");
	CHECK(json_integer_value(json_object_get(json_object_get(result(j), "rpc"), "fds_sent")) >= 0,
	      "rpc stats");
	CHECK(streq(json_string_value(json_object_get(json_array_get(json_object_get(result(j), "ports"), 0),
						      "kind")), "ephemeral"), "kind from the file");
	CHECK(json_is_true(json_object_get(result(j), "up")), "up");
	CHECK(json_is_number(json_object_get(result(j), "monotonic")), "clock for rates");
	json_decref(j);
}

/* doctor's text for the loaded module of the fake sysfs (@version), compact JSON. */
static char *doctor_with_module(const char *version)
{
	char path[256];
	json_t *j;
	char *txt;

	CHECK(fake_module_version(statedir, version, path, sizeof(path)), "fake module version");
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":18,\"method\":\"doctor\"}", NULL);
	txt = json_dumps(result(j), JSON_COMPACT);
	json_decref(j);
	fake_module_version_remove(statedir);
	return txt;
}

/* A module of another version than the daemon's (stale after an upgrade) is an error. */
static void doctor_module_version(void)
{
	char want[256], *txt;

	txt = doctor_with_module("0.0.9");
	snprintf(want, sizeof(want), "module netmap is version 0.0.9, netmapd is %s: a stale module after an upgrade?",
		 NETMAPD_MODULE_VERSION);
	CHECK(txt && strstr(txt, "\"check\":\"module-version\"") && strstr(txt, want) &&
	      strstr(txt, "`modprobe -r netmap`, check `dkms status`"), "doctor: stale module: %s", txt);
	free(txt);
	txt = doctor_with_module(NETMAPD_MODULE_VERSION);
	CHECK(txt && !strstr(txt, "module-version") && !strstr(txt, "\"check\":\"module\""),
	      "doctor: the daemon's own module version: %s", txt);
	free(txt);
}

/* object.get: one object with its rule; doctor; topology.get's access list. */
static void on_objects(void)
{
	json_t *j;

	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":18,\"method\":\"object.get\",\"params\":{\"name\":\"vale0:vm1\"}}", NULL);
	CHECK(streq(json_string_value(json_object_get(result(j), "kind")), "ephemeral"), "object kind");
	CHECK(streq(json_string_value(json_array_get(json_object_get(json_object_get(result(j), "access"),
								    "users"), 0)), "1000"), "object access");
	CHECK(json_integer_value(json_object_get(json_object_get(result(j), "counters"), "tx_packets")) == 7,
	      "object counters");
	CHECK(json_integer_value(json_object_get(result(j), "line")) == 7, "object line");
	json_decref(j);
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":18,\"method\":\"doctor\"}", NULL);
	{
		char *txt = json_dumps(result(j), JSON_COMPACT);

		CHECK(txt && strstr(txt, "\"check\":\"module\"") && strstr(txt, "module netmap is not loaded"),
		      "doctor: module not loaded: %s", txt);
		free(txt);
	}
	json_decref(j);
	doctor_module_version();
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":18,\"method\":\"topology.get\"}", NULL);
	{
		const json_t *acc = json_object_get(result(j), "access");

		CHECK(json_array_size(acc) == 3, "access: vm1, vm2, admins");
		CHECK(streq(json_string_value(json_array_get(json_object_get(json_array_get(acc, 1), "groups"), 0)),
			    "2000"), "access of vm2");
		CHECK(json_is_array(json_object_get(result(j), "monitors")), "monitors listed");
	}
	json_decref(j);
	{
		char u[64];

		CHECK(observe_unit_of_cgroup("/system.slice/app.service\n", u, sizeof(u)) == 0 &&
		      streq(u, "app.service"), "unit of a service");
		CHECK(observe_unit_of_cgroup("/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope",
					     u, sizeof(u)) == 0 && streq(u, "x.scope"), "innermost unit");
		CHECK(observe_unit_of_cgroup("/", u, sizeof(u)) == -ENOENT, "no unit");
	}
}

/* Admin-only methods. */
static void on_admin_only(void)
{
	json_t *j;

	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":19,\"method\":\"topology.apply\"}", NULL);
	CHECK(err_code(j) == RPC_ERR_PERMISSION, "apply by a user refused");
	json_decref(j);
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"reload\"}", NULL);
	CHECK(err_code(j) == RPC_ERR_PERMISSION, "reload by a user refused");
	json_decref(j);
	/* Reading a file by path is for admins. */
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"topology.plan\","
			 "\"params\":{\"file\":\"/etc/shadow\"}}", NULL);
	CHECK(err_code(j) == RPC_ERR_PERMISSION, "plan of a file by a user refused");
	json_decref(j);
}

static void on_config(void)
{
	json_t *j;

	/* A refused configuration says where. */
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":22,\"method\":\"topology.plan\","
			 "\"params\":{\"config\":\"version: 1\\nswitches:\\n  - name: bad name\\n\"}}",
		 NULL);
	CHECK(err_code(j) == RPC_ERR_CONFIG, "invalid config: -32008 (%lld)", (long long)err_code(j));
	{
		const char *e0 = first_config_error(j);

		CHECK(e0 && strstr(e0, "<config>:3:"), "error at <config>:3:col: %s", e0 ? e0 : "-");
	}
	json_decref(j);
	/* nmctl plan FILE sends the file's name with its text: messages name the file. */
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":22,\"method\":\"topology.plan\","
			 "\"params\":{\"name\":\"site.yaml\",\"config\":\"version: 1\\nswitches:\\n  - name: bad name\\n\"}}",
		 NULL);
	{
		const char *e0 = first_config_error(j);

		CHECK(e0 && !strncmp(e0, "site.yaml:3:", 12) && !strstr(e0, "<config>"),
		      "error at site.yaml:3:col: %s", e0 ? e0 : "-");
	}
	json_decref(j);
	/* The kernel refuses a valid file: not "Configuration refused". */
	fake_fail(fk, FK_NEWIF, 1, EINVAL);
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":22,\"method\":\"topology.apply\","
			"\"params\":{\"config\":\"version: 1\\nswitches:\\n  - name: vale3\\n    ports:\\n"
			"      - persistent: pk1\\n\"}}", NULL);
	{
		const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));

		CHECK(err_code(j) == RPC_ERR_KERNEL && m && !strcmp(m, "Apply failed, rolled back: Invalid argument"),
		      "kernel refusal: %lld %s", (long long)err_code(j), m ? m : "-");
	}
	json_decref(j);
	/* A valid one plans (the fake kernel has nothing to do for ephemeral ports). */
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":23,\"method\":\"topology.plan\"}", NULL);
	CHECK(json_is_array(json_object_get(result(j), "actions")), "plan of the config in force");
	json_decref(j);
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":24,\"method\":\"topology.apply\","
			"\"params\":{\"config\":\"version: 1\\nswitches:\\n  - name: vale3\\n    ports:\\n"
			"      - ephemeral: e1\\n\"}}", NULL);
	CHECK(json_is_array(json_object_get(result(j), "actions")), "root applies a config text");
	CHECK(dm.config && config_find_port(dm.config, "vale3:e1"), "it is the config in force");
	json_decref(j);
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":25,\"method\":\"reload\"}", NULL);
	CHECK(err_code(j) == RPC_ERR_CONFIG, "reload of a missing file: -32008, kept running");
	CHECK(dm.config && config_find_port(dm.config, "vale3:e1"), "config unchanged");
	json_decref(j);
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":60,\"method\":\"status\"}", NULL);
	CHECK(!strcmp(json_string_value(json_object_get(result(j), "state")) ?: "", "degraded"),
	      "status after a refused reload: degraded");
	CHECK(json_is_string(json_object_get(result(j), "reason")), "status says why");
	json_decref(j);
}

/* Unknown methods, module.info, topology.get of an applied text. */
static void on_misc(void)
{
	json_t *j;

	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":24,\"method\":\"topology.apply\","
			"\"params\":{\"config\":\"version: 1\\nswitches:\\n  - name: vale3\\n    ports:\\n"
			"      - ephemeral: e1\\n\"}}", NULL);
	CHECK(json_is_array(json_object_get(result(j), "actions")), "root applies a config text");
	json_decref(j);
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":26,\"method\":\"port.teleport\"}", NULL);
	CHECK(err_code(j) == RPC_ERR_METHOD_NOT_FOUND, "unknown method");
	json_decref(j);
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":27,\"method\":\"module.info\"}", NULL);
	CHECK(json_is_false(json_object_get(result(j), "loaded")), "module.info: not loaded here");
	json_decref(j);
	j = call(&u1000, "{\"jsonrpc\":\"2.0\",\"id\":28,\"method\":\"topology.get\"}", NULL);
	CHECK(json_is_object(result(j)), "topology.get gives an object");
	{
		json_t *rg = json_object_get(result(j), "regions"), *r0 = json_array_get(rg, 0);

		/* The file in force is the applied one: vale3 with port e1, no access list. */
		CHECK(json_array_size(rg) == 1 &&
			      !strcmp(json_string_value(json_object_get(r0, "region")), "vale3:e1") &&
			      json_is_array(json_object_get(r0, "users")) &&
			      json_is_false(json_object_get(r0, "shared")),
		      "topology.get lists the regions and who reaches them");
	}
	json_decref(j);
}

/* The fd store: a notify socket of our own stands in for systemd. */
static void on_fdstore(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char msg[512], cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct iovec iov = { msg, sizeof(msg) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int ns, got_fds = 0;
	ssize_t n;
	json_t *j;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", statedir);
	ns = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	CHECK(ns >= 0 && bind(ns, (struct sockaddr *)&sa, sizeof(sa)) == 0, "notify socket");
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":30,\"method\":\"topology.apply\","
			"\"params\":{\"config\":\"version: 1\\npipes:\\n  - parent: pp\\n    ids: [1]\\n\"}}",
		 NULL);
	CHECK(json_is_array(json_object_get(result(j), "actions")), "apply with a pipe");
	json_decref(j);
	/* Messages until the FDSTORE one (STATUS= and others may come first). */
	msg[0] = '\0';
	while ((n = recvmsg(ns, &mh, MSG_CMSG_CLOEXEC)) >= 0) {
		msg[n] = '\0';
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				close(((int *)CMSG_DATA(cm))[i]);
				got_fds++;
			}
		}
		if (strstr(msg, "FDSTORE=1"))
			break;
		mh.msg_controllen = sizeof(cbuf);
	}
	CHECK(strstr(msg, "FDSTORE=1") && strstr(msg, "FDNAME=") && strstr(msg, "FDPOLL=0"),
	      "FDSTORE message: %s", msg);
	CHECK(got_fds == 1, "with the anchor fd (%d)", got_fds);
	CHECK(dm.n_stored == 1, "one fd name remembered (%zu)", dm.n_stored);
	j = call(&root, "{\"jsonrpc\":\"2.0\",\"id\":31,\"method\":\"topology.apply\","
			"\"params\":{\"config\":\"version: 1\\n\"}}", NULL);
	CHECK(json_is_array(json_object_get(result(j), "actions")), "apply without the pipe");
	json_decref(j);
	msg[0] = '\0';
	mh.msg_controllen = sizeof(cbuf);
	while ((n = recvmsg(ns, &mh, MSG_CMSG_CLOEXEC)) >= 0) {
		msg[n] = '\0';
		if (strstr(msg, "FDSTOREREMOVE=1"))
			break;
		mh.msg_controllen = sizeof(cbuf);
	}
	CHECK(strstr(msg, "FDSTOREREMOVE=1") && strstr(msg, "FDNAME="), "FDSTOREREMOVE: %s", msg);
	CHECK(dm.n_stored == 0, "no fd name remembered");
	unsetenv("NOTIFY_SOCKET");
	close(ns);
}

/*
 * A daemon around a fresh fake kernel (ports vale0:vm1, vale1:x, vale0:vm2)
 * on the file above, its state in a fresh folder; false if it did not come
 * up (a failed check says why). daemon_down() undoes what was made.
 */
static bool daemon_up(void)
{
	struct rpc_policy pol = { .root_is_admin = true };
	uid_t a = 4000;
	struct diags d;
	int r;

	memset(&dm, 0, sizeof(dm));
	snprintf(statedir, sizeof(statedir), "/tmp/test_daemon_methods.XXXXXX");
	if (!mkdtemp(statedir)) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		statedir[0] = '\0';
		return false;
	}
	snprintf(state, sizeof(state), "%s/state.json", statedir);
	dm.opts.sysfs_root = statedir; /* no module there */
	dm.opts.state_path = state;
	snprintf(dm.config_path, sizeof(dm.config_path), "%s/none.yaml", statedir);
	snprintf(dm.module_name, sizeof(dm.module_name), "netmap");
	dm.next_handle = 1;
	dm.started = time(NULL);
	fk = fake_new();
	if (!fk || fake_add_ephemeral(fk, "vale0:vm1") || fake_add_ephemeral(fk, "vale1:x") ||
	    fake_add_ephemeral(fk, "vale0:vm2")) {
		CHECK(0, "fake kernel");
		return false;
	}
	fake_set_tx_packets(fk, 7);
	fake_kern(fk, &dm.kern);

	diags_init(&d, "methods.yaml");
	r = daemon_load_config(NULL, "methods.yaml", yaml, &dm.config, &d);
	CHECK(r == 0, "config loads: %d", r);
	if (r == 0) {
		r = engine_new(&dm.kern, state, &dm.engine, &d);
		CHECK(r == 0, "engine_new: %d", r);
	}
	if (r < 0)
		diags_print(&d, stdout);
	diags_done(&d);
	if (r < 0 || !dm.engine)
		return false;
	dm.base = event_base_new();
	r = rpc_server_new(dm.base, nmd_methods, nmd_n_methods, NULL, &dm, &dm.rpc);
	CHECK(r == 0, "rpc server");
	if (r < 0)
		return false;
	pol.admin_uids = &a;
	pol.n_admin_uids = 1;
	rpc_server_set_policy(dm.rpc, &pol);
	return true;
}

static void daemon_down(void)
{
	char cmd[160];

	if (dm.rpc)
		rpc_server_free(dm.rpc);
	holders_free(&dm);
	if (dm.ev_confirm)
		event_free(dm.ev_confirm);
	config_free(dm.confirm_prev);
	engine_free(dm.engine);
	config_free(dm.config);
	if (dm.base)
		event_base_free(dm.base);
	free(dm.stored);
	fake_free(fk);
	fk = NULL;
	memset(&dm, 0, sizeof(dm));
	if (!statedir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", statedir);
	if (system(cmd) != 0)
		printf("note: could not remove %s\n", statedir);
}

/* test_NAME: on_NAME() on a daemon of its own. */
#define DAEMON_CASE(name)					\
	static void test_##name(void)				\
	{							\
		if (daemon_up())				\
			on_##name();				\
		daemon_down();					\
	}

DAEMON_CASE(status)
DAEMON_CASE(port_open)
DAEMON_CASE(bad_params)
DAEMON_CASE(port_close)
DAEMON_CASE(holder_exit)
DAEMON_CASE(handles)
DAEMON_CASE(lists)
DAEMON_CASE(objects)
DAEMON_CASE(admin_only)
DAEMON_CASE(config)
DAEMON_CASE(confirm)
DAEMON_CASE(misc)
DAEMON_CASE(fdstore)

static const struct check_case cases[] = {
	CHECK_CASE(headroom),
	CHECK_CASE(status),
	CHECK_CASE(port_open),
	CHECK_CASE(bad_params),
	CHECK_CASE(port_close),
	CHECK_CASE(holder_exit),
	CHECK_CASE(handles),
	CHECK_CASE(lists),
	CHECK_CASE(objects),
	CHECK_CASE(admin_only),
	CHECK_CASE(config),
	CHECK_CASE(confirm),
	CHECK_CASE(misc),
	CHECK_CASE(fdstore),
};

int main(int argc, char **argv)
{
	root = mkpeer(0, 0, getpid());
	u1000 = mkpeer(1000, 100, getpid());
	u1002 = mkpeer(1002, 100, getpid());
	admin = mkpeer(4000, 100, getpid());
	signal(SIGPIPE, SIG_IGN);
	log_setup(false);
	return check_exit(CHECK_RUN(argc, argv, cases));
}
