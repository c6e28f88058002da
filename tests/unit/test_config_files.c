// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_config_files - a configuration in several files: include:, the
 * drop-ins "<main file>.d/NAME.yaml", how they merge, and that every message
 * names the file and line it is about. Files are written in a mkdtemp()
 * directory, removed at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"

#include "check.h"

static char dir[] = "/tmp/test_config_files.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0, "write %s", path);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Empty the directory (between tests) and make it again. */
static void reset(void)
{
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	CHECK(mkdir(dir, 0700) == 0, "mkdir %s", dir);
}

static int load(const char *main_name, struct nmd_config **c, struct diags *d)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, main_name);
	diags_init(d, path);
	return config_load(path, c, d);
}

/* A message of @d starts with "DIR/@where" and holds @text. */
static bool has(const struct diags *d, const char *where, const char *text)
{
	char buf[1024], start[256];

	snprintf(start, sizeof(start), "%s/%s", dir, where);
	for (size_t i = 0; i < d->n; i++) {
		diag_format(d, i, buf, sizeof(buf));
		if (!strncmp(buf, start, strlen(start)) && strstr(buf, text))
			return true;
	}
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  %s\n", diag_format(d, i, buf, sizeof(buf)));
	return false;
}

static void done(struct nmd_config *c, struct diags *d)
{
	config_free(c);
	diags_done(d);
	reset();
}

static void test_include_and_dropins(void)
{
	struct nmd_config *c = NULL;
	struct diags d;
	int r;

	put("common.yaml", "socket: {path: /run/common.sock}\n"
			   "switches: [{name: vale0, ports: [{ephemeral: a}]}]\n");
	put("netmapd.yaml", "version: 1\n"
			    "include: [common.yaml]\n"
			    "switches: [{name: vale1, ports: [{ephemeral: b}]}]\n");
	/* No drop-in directory: fine. The included file comes first. */
	r = load("netmapd.yaml", &c, &d);
	CHECK(r == 0 && c->n_switches == 2 && !strcmp(c->switches[0].name, "vale0") &&
	      !strcmp(c->switches[1].name, "vale1") && !strcmp(c->socket.path, "/run/common.sock"),
	      "include: r=%d", r);
	config_free(c);
	diags_done(&d);

	/* The main file overrides what it includes; drop-ins override both, in lexical order. */
	put("netmapd.yaml", "version: 1\n"
			    "include: common.yaml\n"
			    "socket: {path: /run/main.sock}\n");
	{
		char sub[256];

		snprintf(sub, sizeof(sub), "%s/netmapd.yaml.d", dir);
		CHECK(mkdir(sub, 0700) == 0, "mkdir %s", sub);
	}
	put("netmapd.yaml.d/20-b.yaml", "socket: {path: /run/b.sock}\n"
					 "switches: [{name: vale2, ports: [{ephemeral: c}]}]\n");
	put("netmapd.yaml.d/10-a.yaml", "socket: {path: /run/a.sock, mode: 0640}\n");
	put("netmapd.yaml.d/README", "not: [yaml\n");
	put("netmapd.yaml.d/30-empty.yaml", "");
	r = load("netmapd.yaml", &c, &d);
	CHECK(r == 0 && c->n_switches == 2 && !strcmp(c->switches[1].name, "vale2") &&
	      !strcmp(c->socket.path, "/run/b.sock") && c->socket.mode == 0640,
	      "drop-ins: r=%d path %s", r, c ? c->socket.path : "");
	if (r == 0) {
		/* Marks keep their file for messages made after the load (apply, lint). */
		const char *file;
		unsigned line = config_line(c, c->switches[1].mark.line, &file);

		CHECK(line == 2 && strstr(file, "/netmapd.yaml.d/20-b.yaml"), "mark of vale2: %s:%u",
		      file, line);
	}
	done(c, &d);
}

static void test_errors_name_their_file(void)
{
	struct nmd_config *c = NULL;
	struct diags d;
	char sub[256];
	int r;

	/* An unknown key in an included file, a duplicate switch across files, a syntax error in a drop-in. */
	put("inc.yaml", "switches:\n"
			"  - name: vale0\n"
			"    prots: []\n");
	put("netmapd.yaml", "version: 1\n"
			    "include: [inc.yaml]\n"
			    "switches: [{name: vale1, ports: [{ephemeral: b}]}]\n");
	snprintf(sub, sizeof(sub), "%s/netmapd.yaml.d", dir);
	CHECK(mkdir(sub, 0700) == 0, "mkdir %s", sub);
	put("netmapd.yaml.d/a.yaml", "\n"
				      "switches: [{name: vale1, ports: [{ephemeral: z}]}]\n");
	r = load("netmapd.yaml", &c, &d);
	CHECK(r == -EINVAL && !c, "errors: r=%d", r);
	CHECK(has(&d, "inc.yaml:3:5: ", "\"prots\""), "unknown key named in inc.yaml");
	CHECK(has(&d, "netmapd.yaml.d/a.yaml:2:", "switch \"vale1\" is defined twice (first at"),
	      "duplicate switch named in the drop-in");
	CHECK(has(&d, "netmapd.yaml.d/a.yaml:2:", "netmapd.yaml:3)"), "first place names the main file");
	done(c, &d);

	CHECK(mkdir(sub, 0700) == 0, "mkdir %s", sub);
	put("netmapd.yaml", "version: 1\n");
	put("netmapd.yaml.d/a.yaml", "socket:\n"
				      "\tpath: /x\n");
	put("netmapd.yaml.d/b.yaml", "socket: {path: /a}\n"
				      "socket: {path: /b}\n");
	r = load("netmapd.yaml", &c, &d);
	CHECK(r == -EINVAL && has(&d, "netmapd.yaml.d/a.yaml:2:", "tabs are not allowed"),
	      "syntax error in a drop-in: r=%d", r);
	CHECK(has(&d, "netmapd.yaml.d/b.yaml:2:1: ", "duplicate key \"socket\" (first at"),
	      "duplicate key in a drop-in");
	done(c, &d);
}

static void test_include_refusals(void)
{
	struct nmd_config *c = NULL;
	struct diags d;
	char name[32], text[128], target[256];
	int r;

	put("netmapd.yaml", "version: 1\n"
			    "include:\n"
			    "  - a.yaml\n");
	put("a.yaml", "include: [b.yaml]\n");
	put("b.yaml", "\n"
		      "include: [a.yaml]\n");
	r = load("netmapd.yaml", &c, &d);
	CHECK(r == -EINVAL && has(&d, "b.yaml:2:11: ", "includes itself") &&
	      has(&d, "b.yaml:2:", "netmapd.yaml -> ") && has(&d, "b.yaml:2:", "a.yaml -> "),
	      "cycle: r=%d", r);
	done(c, &d);

	/* A chain of 10 includes: the 9th level is refused. */
	put("netmapd.yaml", "version: 1\n"
			    "include: [i1.yaml]\n");
	for (int i = 1; i <= 10; i++) {
		snprintf(name, sizeof(name), "i%d.yaml", i);
		snprintf(text, sizeof(text), "include: [i%d.yaml]\n", i + 1);
		put(name, i == 10 ? "" : text);
	}
	r = load("netmapd.yaml", &c, &d);
	CHECK(r == -EINVAL && has(&d, "i8.yaml:1:11: ", "more than 8 levels of includes"),
	      "depth: r=%d", r);
	done(c, &d);

	put("netmapd.yaml", "version: 1\n"
			    "include: [nope.yaml]\n");
	r = load("netmapd.yaml", &c, &d);
	CHECK(r == -EINVAL && has(&d, "netmapd.yaml:2:11: ", "nope.yaml: cannot open"),
	      "missing include: r=%d", r);
	done(c, &d);

	put("real.yaml", "socket: {path: /run/x.sock}\n");
	put("netmapd.yaml", "version: 1\n"
			    "include: [link.yaml]\n");
	snprintf(name, sizeof(name), "real.yaml");
	snprintf(target, sizeof(target), "%s/link.yaml", dir);
	CHECK(symlink(name, target) == 0, "symlink");
	r = load("netmapd.yaml", &c, &d);
	CHECK(r == -EINVAL && has(&d, "netmapd.yaml:2:11: ", "symbolic link"),
	      "symlinked include: r=%d", r);
	done(c, &d);
}

/*
 * The texts a load keeps (every file, the main one first) give the
 * same configuration again with config_load_texts() when the files are
 * gone; a file missing from them is named.
 */
static void test_saved_texts(void)
{
	struct nmd_config *c = NULL, *again = NULL;
	char sub[256], main_path[256];
	const char *file = NULL;
	struct diags d, d2;
	int r;

	snprintf(sub, sizeof(sub), "%s/netmapd.yaml.d", dir);
	snprintf(main_path, sizeof(main_path), "%s/netmapd.yaml", dir);
	CHECK(mkdir(sub, 0700) == 0, "mkdir %s", sub);
	put("common.yaml", "switches: [{name: vale0, ports: [{ephemeral: a}]}]\n");
	put("netmapd.yaml", "version: 1\ninclude: [common.yaml]\n");
	put("netmapd.yaml.d/20-b.yaml", "switches: [{name: vale2, ports: [{ephemeral: c}]}]\n");
	put("netmapd.yaml.d/10-a.yaml", "socket: {path: /run/a.sock}\n");
	r = load("netmapd.yaml", &c, &d);
	CHECK(r == 0 && c->n_texts == 4 && !strcmp(c->texts[0].name, main_path) &&
	      strstr(c->texts[2].name, "10-a.yaml") && strstr(c->texts[1].text, "vale0"),
	      "every file once, in the order read: r=%d n=%zu", r, c ? c->n_texts : 0);
	reset();
	if (r < 0)
		return;
	diags_init(&d2, main_path);
	r = config_load_texts(main_path, c->texts, c->n_texts, &again, &d2);
	CHECK(r == 0 && again->n_switches == 2 && !strcmp(again->switches[1].name, "vale2") &&
	      !strcmp(again->socket.path, "/run/a.sock") && again->n_texts == 4,
	      "the same configuration from the texts: r=%d", r);
	if (r == 0)
		CHECK(config_line(again, again->switches[1].mark.line, &file) == 1 &&
		      strstr(file, "/netmapd.yaml.d/20-b.yaml"), "marks name the saved file: %s", file);
	config_free(again);
	diags_done(&d2);

	diags_init(&d2, main_path);
	r = config_load_texts(main_path, c->texts, 1, &again, &d2);
	CHECK(r == -EINVAL && has(&d2, "netmapd.yaml:2:", "common.yaml: not among the saved files"),
	      "a missing include is named: r=%d", r);
	diags_done(&d2);
	done(c, &d);
}

int main(void)
{
	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	test_include_and_dropins();
	test_errors_name_their_file();
	test_include_refusals();
	test_saved_texts();
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return check_summary();
}
