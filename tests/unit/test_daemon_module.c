// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_daemon_module - daemon/module.c against a fake sysfs tree: loaded or
 * not, refcnt, reading parameters (numbers and Y/N), drift against the
 * configuration, writing only the runtime-writable ones (mode 0644) that
 * differ, refusing to unload a module in use, the load options string and
 * the module name of a path. libkmod itself is not called (the VM tests
 * load and unload the real module).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "module.h"

#include "check.h"

static char root[64];

static void put(const char *rel, const char *content, mode_t mode)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(content, f);
	fclose(f);
	chmod(path, mode);
}

static void get(const char *rel, char *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static const char yaml[] =
	"version: 1\n"
	"module:\n"
	"  load: netmap\n"
	"  params:\n"
	"    verbose: 1\n"
	"    max_bridges: 4\n"
	"    priv_buf_num: 8192\n"
	"    no_timestamp: true\n";

static struct nmd_config *cfg;

static void remove_root(void)
{
	char cmd[128];

	if (!root[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		printf("note: could not remove %s\n", root);
	root[0] = '\0';
}

/* A fresh, empty sysfs tree for each case. */
static void fresh_root(void)
{
	remove_root();
	snprintf(root, sizeof(root), "/tmp/test_daemon_module.XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(2);
	}
}

/* A loaded module: verbose 0 (0644), max_bridges 8 (0444), priv_buf_num right. */
static void loaded_tree(void)
{
	char dir[256];

	fresh_root();
	snprintf(dir, sizeof(dir), "%s/module", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/module/netmap", root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/module/netmap/parameters", root);
	mkdir(dir, 0755);
	put("module/netmap/refcnt", "2\n", 0444);
	put("module/netmap/parameters/verbose", "0\n", 0644);
	put("module/netmap/parameters/max_bridges", "8\n", 0444);
	put("module/netmap/parameters/priv_buf_num", "8192\n", 0644);
	put("module/netmap/parameters/no_timestamp", "N\n", 0644);
	put("module/netmap/parameters/bridge_batch", "1024\n", 0644);
}

static void test_names(void)
{
	struct nmd_module m = { 0 };
	char name[64];

	m.load = (char *)"netmap";
	module_name(&m, name, sizeof(name));
	CHECK(strcmp(name, "netmap") == 0, "name netmap: %s", name);
	m.load = (char *)"/lib/modules/6.1.0/extra/netmap.ko.xz";
	m.load_is_path = true;
	module_name(&m, name, sizeof(name));
	CHECK(strcmp(name, "netmap") == 0, "name of a path: %s", name);
	m.load = (char *)"my-netmap";
	m.load_is_path = false;
	module_name(&m, name, sizeof(name));
	CHECK(strcmp(name, "my_netmap") == 0, "'-' is '_' in sysfs: %s", name);
}

static void test_options(void)
{
	char *opts = module_options(cfg);

	CHECK(opts && strcmp(opts, "verbose=1 no_timestamp=1 max_bridges=4 priv_buf_num=8192") == 0,
	      "options: %s", opts ? opts : "(null)");
	free(opts);
}

static void test_not_loaded(void)
{
	json_t *j;

	fresh_root();
	CHECK(module_is_loaded(root, "netmap") == 0, "not loaded in an empty tree");
	CHECK(module_unload(root, "netmap", NULL, 0) == 0, "unload of nothing is 0");
	j = module_info_json(root, "netmap", cfg);
	CHECK(j && json_is_false(json_object_get(j, "loaded")), "info says not loaded");
	json_decref(j);
}

static void test_params(void)
{
	struct module_param_state st[MP__COUNT];
	json_t *j;
	int r;

	loaded_tree();
	CHECK(module_is_loaded(root, "netmap") == 1, "loaded");
	CHECK(module_refcnt(root, "netmap") == 2, "refcnt 2");
	r = module_params_read(root, "netmap", cfg, st);
	CHECK(r == 0, "params read");
	CHECK(st[MP_VERBOSE].present && st[MP_VERBOSE].value == 0 && st[MP_VERBOSE].writable &&
		      st[MP_VERBOSE].drift, "verbose 0, writable, drifts");
	CHECK(st[MP_MAX_BRIDGES].present && st[MP_MAX_BRIDGES].value == 8 &&
		      !st[MP_MAX_BRIDGES].writable && st[MP_MAX_BRIDGES].drift,
	      "max_bridges 8, read-only, drifts");
	CHECK(st[MP_PRIV_BUF_NUM].present && !st[MP_PRIV_BUF_NUM].drift, "priv_buf_num matches");
	CHECK(st[MP_NO_TIMESTAMP].present && st[MP_NO_TIMESTAMP].value == 0 &&
		      st[MP_NO_TIMESTAMP].drift, "N reads 0 and drifts from true");
	CHECK(st[MP_BRIDGE_BATCH].present && !st[MP_BRIDGE_BATCH].set && !st[MP_BRIDGE_BATCH].drift,
	      "a parameter the file does not set never drifts");
	CHECK(!st[MP_IF_NUM].present, "absent parameter");

	j = module_info_json(root, "netmap", cfg);
	CHECK(j && json_is_true(json_object_get(j, "loaded")), "info: loaded");
	CHECK(j && json_integer_value(json_object_get(j, "refcnt")) == 2, "info: refcnt");
	CHECK(j && json_array_size(json_object_get(j, "drift")) == 3, "info: 3 drifting (%zu)",
	      j ? json_array_size(json_object_get(j, "drift")) : 0);
	CHECK(j && json_integer_value(json_object_get(json_object_get(j, "params"), "max_bridges")) == 8,
	      "info: params.max_bridges");
	json_decref(j);
}

/* Sync writes verbose and no_timestamp, leaves max_bridges (0444, and load-only). */
static void test_sync(void)
{
	unsigned fixed = 9, left = 9;
	char buf[128];
	int r;

	loaded_tree();
	r = module_params_sync(root, "netmap", cfg, &fixed, &left);
	CHECK(r == 0, "sync: %d", r);
	CHECK(fixed == 2 && left == 1, "fixed 2 left 1: %u %u", fixed, left);
	get("module/netmap/parameters/verbose", buf, sizeof(buf));
	CHECK(strcmp(buf, "1") == 0, "verbose written: %s", buf);
	get("module/netmap/parameters/no_timestamp", buf, sizeof(buf));
	CHECK(strcmp(buf, "1") == 0, "no_timestamp written: %s", buf);
	get("module/netmap/parameters/max_bridges", buf, sizeof(buf));
	CHECK(strcmp(buf, "8") == 0, "max_bridges untouched: %s", buf);
	r = module_params_sync(root, "netmap", cfg, &fixed, &left);
	CHECK(r == 0 && fixed == 0 && left == 1, "second sync writes nothing");
}

/* In use: never unloaded. */
static void test_in_use(void)
{
	char buf[128] = "";
	int r;

	loaded_tree();
	r = module_unload(root, "netmap", buf, sizeof(buf));
	CHECK(r == -EBUSY, "unload refused while refcnt > 0: %d", r);
	CHECK(strstr(buf, "refcnt 2") != NULL, "why: %s", buf);
}

static const struct check_case cases[] = {
	CHECK_CASE(names),
	CHECK_CASE(options),
	CHECK_CASE(not_loaded),
	CHECK_CASE(params),
	CHECK_CASE(sync),
	CHECK_CASE(in_use),
};

int main(int argc, char **argv)
{
	struct diags d;
	int r;

	diags_init(&d, "module.yaml");
	r = config_load_buffer("module.yaml", yaml, sizeof(yaml) - 1, &cfg, &d);
	CHECK(r == 0, "config loads");
	if (r < 0) {
		diags_print(&d, stdout);
		diags_done(&d);
		return check_summary();
	}
	r = CHECK_RUN(argc, argv, cases);
	config_free(cfg);
	diags_done(&d);
	remove_root();
	return check_exit(r);
}
