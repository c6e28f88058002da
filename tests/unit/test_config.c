/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_config - netmapd's configuration loader and capacity check.
 *
 * 1. Every example in conf/ (walked recursively) loads and fits.
 * 2. Every tests/unit/configs/good-*.yaml loads and fits; every bad-*.yaml
 *    fails with exactly the messages its "# expect: LINE:COL: text" lines
 *    name ("# expect: -: text" for a message without a position): same
 *    count, same positions, the text a substring of the message.
 * 3. Values: what the loader makes of conf/netmapd.yaml and of a flow-style
 *    file (defaults, overrides, ids, modes, principals).
 * 4. Capacity on hand-computed cases (the arithmetic is in the comments).
 * 5. Hostile input: alias bombs, nesting, huge scalars and files, too many
 *    nodes and errors, bad UTF-8, NUL bytes; everything freed (ASan/LSan
 *    in the sanitizer build).
 * 6. The name rules and the did-you-mean helper.
 *
 * Prints one line per failure and "N passed, N failed"; exit status 1 if
 * anything failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capacity.h"
#include "config.h"
#include "diag.h"
#include "names.h"
#include "yaml_doc.h"

#include "check.h"

#ifndef CONF_DIR
#error "CONF_DIR must point to conf/"
#endif
#ifndef FIXTURE_DIR
#error "FIXTURE_DIR must point to tests/unit/configs/"
#endif



static void dump(const struct diags *d)
{
	char buf[DIAG_MSG_MAX + 256];

	for (size_t i = 0; i < d->n; i++)
		printf("    got: %s\n", diag_format(d, i, buf, sizeof(buf)));
}

/* Load @yaml from memory and run the capacity check if it loaded. */
static int load_str(const char *yaml, struct nmd_config **c,
		    struct capacity **cap, struct diags *d)
{
	int r;

	*c = NULL;
	if (cap)
		*cap = NULL;
	if (diags_init(d, "t.yaml") < 0)
		return -ENOMEM;
	r = config_load_buffer("t.yaml", yaml, strlen(yaml), c, d);
	if (r == 0 && cap)
		r = capacity_check(*c, cap, d);
	return r;
}

static void done(struct nmd_config *c, struct capacity *cap, struct diags *d)
{
	capacity_free(cap);
	config_free(c);
	diags_done(d);
}

/* Does some message sit at @line:@col and contain @text? */
static bool has(const struct diags *d, unsigned line, unsigned col,
		const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].line == line && d->v[i].column == col &&
		    strstr(d->v[i].msg, text))
			return true;
	return false;
}

/* ---- 1. conf/ --------------------------------------------------------- */

static unsigned n_examples;

static int check_example(const char *path, const struct stat *st, int type,
			 struct FTW *ftw)
{
	struct nmd_config *c = NULL;
	struct capacity *cap = NULL;
	struct diags d;
	size_t len = strlen(path);
	int r;

	(void)st;
	(void)ftw;
	if (type != FTW_F || len < 5 || strcmp(path + len - 5, ".yaml"))
		return 0;
	n_examples++;
	diags_init(&d, path);
	r = config_load(path, &c, &d);
	if (r == 0)
		r = capacity_check(c, &cap, &d);
	CHECK(r == 0 && d.n == 0, "%s: does not pass the check (r=%d)", path, r);
	if (r)
		dump(&d);
	done(c, cap, &d);
	return 0;
}

static void test_examples(void)
{
	CHECK(nftw(CONF_DIR, check_example, 8, FTW_PHYS) == 0, "walk %s", CONF_DIR);
	/* netmapd.yaml and the four examples at least. */
	CHECK(n_examples >= 5, "only %u examples found in %s", n_examples, CONF_DIR);
}

/* ---- 2. fixtures ------------------------------------------------------- */

struct expect {
	unsigned line, col; /* 0, 0: no position */
	char text[1024];
};

static size_t read_expects(const char *path, struct expect *e, size_t max)
{
	char line[1024];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && n < max) {
		char *p = line, *colon;

		if (strncmp(p, "# expect: ", 10))
			continue;
		p += 10;
		line[strcspn(line, "\n")] = '\0';
		e[n] = (struct expect){ 0 };
		if (p[0] == '-' && p[1] == ':') {
			p += 3;
		} else {
			e[n].line = (unsigned)strtoul(p, &colon, 10);
			e[n].col = (unsigned)strtoul(colon + 1, &colon, 10);
			p = colon + 2;
		}
		snprintf(e[n].text, sizeof(e[n].text), "%s", p);
		n++;
	}
	fclose(f);
	return n;
}

static void run_fixture(const char *name)
{
	char path[4096];
	struct expect e[32];
	struct nmd_config *c = NULL;
	struct capacity *cap = NULL;
	struct diags d;
	bool bad = strncmp(name, "bad-", 4) == 0, ok = true;
	bool used[DIAG_MAX_DEFAULT] = { false };
	size_t n;
	int r;

	snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, name);
	n = read_expects(path, e, 32);
	diags_init(&d, name);
	r = config_load(path, &c, &d);
	if (r == 0)
		r = capacity_check(c, &cap, &d);
	if (!bad) {
		CHECK(r == 0 && d.n == 0, "%s: a good fixture fails (r=%d)", name, r);
		if (r)
			dump(&d);
		done(c, cap, &d);
		return;
	}
	CHECK(n > 0, "%s: a bad fixture without \"# expect:\" lines", name);
	CHECK(r == -EINVAL || r == -ENOSPC, "%s: r=%d, expected a failure", name, r);
	CHECK(d.n == n && !d.truncated, "%s: %zu messages, expected %zu", name,
	      d.n, n);
	ok = d.n == n;
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		/* Each message answers one expectation. */
		for (size_t j = 0; j < d.n && j < DIAG_MAX_DEFAULT && !found; j++) {
			if (!used[j] && d.v[j].line == e[i].line &&
			    d.v[j].column == e[i].col &&
			    strstr(d.v[j].msg, e[i].text))
				found = used[j] = true;
		}
		CHECK(found, "%s: no message at %u:%u containing \"%s\"", name,
		      e[i].line, e[i].col, e[i].text);
		ok = ok && found;
	}
	if (!ok)
		dump(&d);
	done(c, cap, &d);
}

static int yaml_filter(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	return len > 5 && !strcmp(de->d_name + len - 5, ".yaml");
}

static void test_fixtures(void)
{
	struct dirent **list;
	unsigned bad = 0, good = 0;
	int n = scandir(FIXTURE_DIR, &list, yaml_filter, alphasort);

	CHECK(n > 0, "no fixtures in %s", FIXTURE_DIR);
	for (int i = 0; i < n; i++) {
		if (!strncmp(list[i]->d_name, "bad-", 4))
			bad++;
		else if (!strncmp(list[i]->d_name, "good-", 5))
			good++;
		run_fixture(list[i]->d_name);
		free(list[i]);
	}
	free(n > 0 ? list : NULL);
	CHECK(bad >= 25 && good >= 2, "fixtures: %u bad, %u good", bad, good);
}

/* ---- 3. values -------------------------------------------------------- */

static void test_values_example(void)
{
	struct nmd_config *c = NULL;
	struct diags d;
	const struct nmd_port *p;
	int r;

	diags_init(&d, "netmapd.yaml");
	r = config_load(CONF_DIR "/examples/showcase.yaml", &c, &d);
	CHECK(r == 0, "conf/netmapd.yaml: r=%d", r);
	if (r) {
		dump(&d);
		diags_done(&d);
		return;
	}
	CHECK(c->version == 1, "version");
	CHECK(!strcmp(c->module.load, "netmap") && !c->module.load_is_path, "load");
	CHECK(c->module.params[MP_PRIV_BUF_NUM].set &&
	      c->module.params[MP_PRIV_BUF_NUM].value == 8192, "priv_buf_num");
	CHECK(config_param(c, MP_MAX_BRIDGES) == 4, "max_bridges");
	CHECK(config_param(c, MP_BUF_NUM) == 163840, "buf_num default");
	CHECK(!c->module.unload_on_stop, "unload_on_stop");
	CHECK(!strcmp(c->socket.path, "/run/netmapd/netmapd.sock") &&
	      c->socket.mode == 0660 && !strcmp(c->socket.group.name, "netmap"),
	      "socket");
	CHECK(c->admin.set && c->admin.n_groups == 1 && c->admin.n_users == 0 &&
	      !strcmp(c->admin.groups[0].name, "netadm"), "admin");
	CHECK(c->n_switches == 1 && c->switches[0].n_ports == 4, "switches");

	p = config_find_port(c, "vale0:vm1");
	CHECK(p && p->kind == NMD_PORT_EPHEMERAL && p->tx_rings == 2 &&
	      p->rx_rings == 2 && p->tx_slots == 1024 && p->rx_slots == 1024,
	      "vale0:vm1 sizes");
	CHECK(p && p->access.set && p->access.n_users == 1 &&
	      !strcmp(p->access.users[0].name, "alice") &&
	      !p->access.users[0].numeric, "vale0:vm1 access");
	p = config_find_port(c, "vale0:vm2");
	CHECK(p && p->tx_rings == 1 && p->rx_rings == 1 && p->tx_slots == 1024,
	      "vale0:vm2 defaults");
	p = config_find_port(c, "v0");
	CHECK(p && p->kind == NMD_PORT_PERSISTENT && p->tx_slots == 2048 &&
	      p->rx_slots == 2048 && !p->memory, "v0");
	CHECK(p && p->access.n_users == 2 && p->access.users[1].numeric &&
	      p->access.users[1].id == 1001, "v0 numeric user");
	p = config_find_port(c, "eth1");
	CHECK(p && p->kind == NMD_PORT_NIC && p->host, "eth1");
	/* nic_defaults with the port's override (flow_control: off). */
	CHECK(p && p->prep.offloads == NMD_OFFLOADS_OFF && p->prep.promiscuous &&
	      p->prep.flow_control == NMD_FLOW_CONTROL_OFF && !p->prep.force,
	      "eth1 preparation");
	CHECK(p && p->polling.mode == NMD_POLLING_NONE, "eth1 polling");
	CHECK(!config_find_port(c, "vm1"), "ephemeral ports are found by full name");

	CHECK(c->n_pipes == 2, "pipes");
	if (c->n_pipes == 2) {
		CHECK(c->pipes[0].parent_port == config_find_port(c, "v0") &&
		      c->pipes[0].n_ids == 2 && !strcmp(c->pipes[0].ids[1].id, "2") &&
		      c->pipes[0].tx_rings == 1 && c->pipes[0].tx_slots == 0,
		      "pipes of v0");
		CHECK(!c->pipes[1].parent_port && c->pipes[1].n_ids == 1 &&
		      !strcmp(c->pipes[1].ids[0].id, "0") &&
		      c->pipes[1].tx_rings == 2 && c->pipes[1].rx_rings == 2,
		      "pipes of capture (implicit parent, count)");
	}
	CHECK(c->n_monitors == 1 &&
	      c->monitors[0].mode == (NMD_MONITOR_RX | NMD_MONITOR_TX) &&
	      c->monitors[0].port == config_find_port(c, "vale0:vm1") &&
	      !c->monitors[0].pipe, "monitor");
	config_free(c);
	diags_done(&d);
}

static void test_values_flow(void)
{
	struct nmd_config *c = NULL;
	struct diags d;
	const struct nmd_port *p;
	int r;

	diags_init(&d, "good-flow-style.yaml");
	r = config_load(FIXTURE_DIR "/good-flow-style.yaml", &c, &d);
	CHECK(r == 0, "good-flow-style.yaml: r=%d", r);
	if (r) {
		dump(&d);
		diags_done(&d);
		return;
	}
	CHECK(c->module.load_is_path &&
	      !strcmp(c->module.load, "/lib/modules/extra/netmap.ko"), "load path");
	CHECK(config_param(c, MP_FWD) == 1 && config_param(c, MP_VERBOSE) == 1,
	      "boolean parameter written as on");
	CHECK(c->module.unload_on_stop, "yes");
	CHECK(c->socket.mode == 0640 && c->socket.group.numeric &&
	      c->socket.group.id == 1000, "socket mode 0o640, numeric group");
	p = config_find_port(c, "vale_a:vm1");
	CHECK(p && p->tx_rings == 2 && p->rx_rings == 4 && p->access.n_users == 1,
	      "tx_rings/rx_rings, a single user as a scalar");
	p = config_find_port(c, "eth0.100");
	CHECK(p && !p->host && p->prep.force, "VLAN NIC, force");
	CHECK(config_find_port(c, "vale_b:vm1") != NULL, "same name, other switch");
	CHECK(c->n_monitors == 2 && c->monitors[0].mode == NMD_MONITOR_ZCOPY,
	      "zero-copy monitor");
	config_free(c);
	diags_done(&d);
}

/* ---- 4. capacity -------------------------------------------------------- */

static void test_capacity_vale_port(void)
{
	struct nmd_config *c;
	struct capacity *cap;
	struct diags d;
	const struct cap_region *g, *p;
	int r = load_str("version: 1\n"
			 "switches:\n"
			 "  - name: vale0\n"
			 "    ports:\n"
			 "      - ephemeral: vm1\n", &c, &cap, &d);

	CHECK(r == 0 && cap && cap->n_regions == 2, "one private region (r=%d)", r);
	if (r == 0 && cap->n_regions == 2) {
		g = &cap->regions[0];
		p = &cap->regions[1];
		/*
		 * The kernel's region for 1+1 rings of 1024 slots (memsize.c):
		 * if 8+2*2 = 12 of max(1024, 56+8*4) bytes; rings 2+8 = 10 of
		 * max(20480, 256+16*1024) bytes; buffers 2+2048+8*1024 = 10242.
		 */
		CHECK(p->have_num[CAP_IF] == 12 && p->have_size[CAP_IF] == 1024,
		      "if pool %llu x %llu", (unsigned long long)p->have_num[CAP_IF],
		      (unsigned long long)p->have_size[CAP_IF]);
		CHECK(p->have_num[CAP_RING] == 10 && p->have_size[CAP_RING] == 20480,
		      "ring pool %llu x %llu",
		      (unsigned long long)p->have_num[CAP_RING],
		      (unsigned long long)p->have_size[CAP_RING]);
		CHECK(p->have_num[CAP_BUF] == 10242 && p->have_size[CAP_BUF] == 2048,
		      "buf pool %llu", (unsigned long long)p->have_num[CAP_BUF]);
		/* The port: 1 netmap_if of 56+8*4; 2 rings; 2048 buffers + 2. */
		CHECK(p->need_num[CAP_IF] == 1 && p->need_size[CAP_IF] == 88 &&
		      p->need_num[CAP_RING] == 2 && p->need_size[CAP_RING] == 16640 &&
		      p->need_num[CAP_BUF] == 2050, "needs of vale0:vm1");
		/* Pages: 12288; 204800; 20975616. */
		CHECK(p->bytes == 12288 + 204800 + 20975616, "private bytes %llu",
		      (unsigned long long)p->bytes);
		/* Global defaults: 100*1024 + 200*36864 + 163840*2048, all page multiples. */
		CHECK(g->bytes == 102400ull + 7372800 + 335544320, "global bytes %llu",
		      (unsigned long long)g->bytes);
		CHECK(g->users == 0 && cap->total_bytes == p->bytes,
		      "an unused global region is not counted");
	}
	done(c, cap, &d);
}

static void test_capacity_nic(void)
{
	struct nmd_config *c;
	struct capacity *cap;
	struct diags d;
	const struct cap_region *g;
	int r = load_str("version: 1\n"
			 "switches:\n"
			 "  - name: vale0\n"
			 "    ports:\n"
			 "      - nic: eth0\n"
			 "        host: true\n"
			 "pipes:\n"
			 "  - {parent: eth0, ids: [1]}\n"
			 "monitors:\n"
			 "  - {port: eth0, mode: z}\n"
			 "  - {port: eth0^, mode: z}\n", &c, &cap, &d);

	CHECK(r == 0, "NIC, pipe, monitors: r=%d", r);
	if (r == 0) {
		g = &cap->regions[0];
		/*
		 * NIC: 1+1 rings + 2 host rings of 1024: 4 rings, 4096 buffers,
		 * netmap_if of 56 + 8 * 4. Pipe eth0{1: 2 ends x 1+1 = 4 rings,
		 * 2048 buffers (one set per direction), 2 netmap_ifs. Each monitor
		 * (zero-copy, 1 ring monitored per direction): 1 + 1 = 2 rings,
		 * 2 x 1024 buffers, 1 netmap_if. Plus buffers 0 and 1.
		 */
		CHECK(g->need_num[CAP_IF] == 1 + 2 + 1 + 1, "ifs %llu",
		      (unsigned long long)g->need_num[CAP_IF]);
		CHECK(g->need_num[CAP_RING] == 4 + 4 + 2 + 2, "rings %llu",
		      (unsigned long long)g->need_num[CAP_RING]);
		CHECK(g->need_num[CAP_BUF] == 4096 + 2048 + 2048 + 2048 + 2,
		      "buffers %llu", (unsigned long long)g->need_num[CAP_BUF]);
		CHECK(g->need_size[CAP_RING] == 16640 && g->users == 4, "ring size, users");
		CHECK(cap->n_regions == 1, "everything in the global region");
	}
	done(c, cap, &d);

	/* Too few buffers: the proposal is exactly the need. */
	r = load_str("version: 1\n"
		     "module: {params: {buf_num: 4097}}\n"
		     "switches: [{name: vale0, ports: [{nic: eth0, host: true}]}]\n",
		     &c, &cap, &d);
	CHECK(r == -ENOSPC && d.n == 1 &&
	      has(&d, 2, 28, "needs 4098 buffers in the global region, buf_num is 4097: set module.params.buf_num: 4098 or more"),
	      "buf_num one short");
	if (d.n != 1)
		dump(&d);
	done(c, cap, &d);
	r = load_str("version: 1\n"
		     "module: {params: {buf_num: 4098}}\n"
		     "switches: [{name: vale0, ports: [{nic: eth0, host: true}]}]\n",
		     &c, &cap, &d);
	CHECK(r == 0, "buf_num exactly enough: r=%d", r);
	done(c, cap, &d);

	/* Ring size: 256 + 16 * 4096; the proposal makes it fit. */
	r = load_str("version: 1\n"
		     "module: {params: {generic_ringsize: 4096, ring_size: 65791}}\n"
		     "switches: [{name: vale0, ports: [{nic: eth0}]}]\n",
		     &c, &cap, &d);
	/* 65791 rounds up to 65792 (a multiple of 128): it fits. */
	CHECK(r == 0, "ring_size rounded up like the kernel: r=%d", r);
	done(c, cap, &d);
	r = load_str("version: 1\n"
		     "module: {params: {generic_ringsize: 4096, ring_size: 65664}}\n"
		     "switches: [{name: vale0, ports: [{nic: eth0}]}]\n",
		     &c, &cap, &d);
	CHECK(r == -ENOSPC &&
	      has(&d, 2, 54, "set module.params.ring_size: 65792 or more"),
	      "ring_size 128 bytes short");
	done(c, cap, &d);
}

static void test_capacity_pipes(void)
{
	struct nmd_config *c;
	struct capacity *cap;
	struct diags d;
	const char *three = "version: 1\n"
			    "%s"
			    "switches: [{name: vale0, ports: [{persistent: v0}]}]\n"
			    "pipes: [{parent: v0, count: 3}]\n";
	char buf[512];
	int r;

	/* 2 pipes fit the room the kernel leaves; rings 2 + 2 * 4 = 10. */
	r = load_str("version: 1\n"
		     "switches: [{name: vale0, ports: [{persistent: v0}]}]\n"
		     "pipes: [{parent: v0, count: 2}]\n", &c, &cap, &d);
	CHECK(r == 0 && cap->regions[1].need_num[CAP_RING] == 10 &&
	      cap->regions[1].need_num[CAP_IF] == 5 &&
	      cap->regions[1].need_num[CAP_BUF] == 2 + 2048 + 2 * 2048,
	      "2 pipes on a persistent port (r=%d)", r);
	done(c, cap, &d);

	/* A third does not: 14 rings; buffers 2 + 2048 + 3 * 2048 = 8194 still fit. */
	snprintf(buf, sizeof(buf), three, "");
	r = load_str(buf, &c, &cap, &d);
	CHECK(r == -ENOSPC && d.n == 1 &&
	      has(&d, 2, 47, "needs 14 rings in the region of v0") &&
	      has(&d, 2, 47, "set module.params.priv_ring_num: 14 or more"),
	      "3 pipes on a persistent port");
	if (d.n != 1)
		dump(&d);
	done(c, cap, &d);

	/* Following the proposal makes it fit. */
	snprintf(buf, sizeof(buf), three, "module: {params: {priv_ring_num: 14}}\n");
	r = load_str(buf, &c, &cap, &d);
	CHECK(r == 0 && cap->regions[1].have_num[CAP_RING] == 14,
	      "priv_ring_num: 14 (r=%d)", r);
	done(c, cap, &d);
}

static void test_capacity_asymmetric(void)
{
	struct nmd_config *c;
	struct capacity *cap;
	struct diags d;
	const struct cap_region *p;
	int r = load_str("version: 1\n"
			 "switches:\n"
			 "  - name: vale0\n"
			 "    ports:\n"
			 "      - persistent: v0\n"
			 "        tx_rings: 2\n"
			 "        rx_rings: 3\n"
			 "        tx_slots: 512\n"
			 "        rx_slots: 2048\n"
			 "      - ephemeral: mon\n"
			 "        rings: 4\n"
			 "monitors:\n"
			 "  - {port: vale0:mon, mode: rt}\n", &c, &cap, &d);

	CHECK(r == 0, "asymmetric port: r=%d", r);
	if (r == 0) {
		p = &cap->regions[1];
		/*
		 * 2 + 3 rings: 5 + 8 = 13 of 256 + 16 * 2048 = 33024 bytes;
		 * buffers 2 + 2*512 + 3*2048 + 8*2048 = 23554. Needs: 5 rings,
		 * 2*512 + 3*2048 + 2.
		 */
		CHECK(p->have_num[CAP_RING] == 13 && p->have_size[CAP_RING] == 33024 &&
		      p->have_num[CAP_BUF] == 23554, "v0's region %llu %llu %llu",
		      (unsigned long long)p->have_num[CAP_RING],
		      (unsigned long long)p->have_size[CAP_RING],
		      (unsigned long long)p->have_num[CAP_BUF]);
		CHECK(p->need_num[CAP_RING] == 5 && p->need_num[CAP_BUF] == 7170,
		      "v0's needs");
		/*
		 * vale0:mon, 4+4 rings of 1024: 8 rings, 8192 buffers; region
		 * 8 + 8 = 16 rings, 2 + 8192 + 8*1024 = 16386 buffers. Its copy
		 * monitor, in a region of its own: 1 + 4 rings, 5 * 1024
		 * buffers; region 5 + 8 = 13 rings, 2 + 5120 + 8*1024 = 13314.
		 */
		p = &cap->regions[2];
		CHECK(p->need_num[CAP_RING] == 8 &&
		      p->need_num[CAP_BUF] == 2 + 8192 &&
		      p->need_num[CAP_IF] == 1 && p->have_num[CAP_RING] == 16 &&
		      p->have_num[CAP_BUF] == 16386, "vale0:mon's region");
		CHECK(cap->n_regions == 4, "a region for the copy monitor");
		p = &cap->regions[cap->n_regions - 1];
		CHECK(p->need_num[CAP_RING] == 5 && p->need_num[CAP_BUF] == 2 + 5120 &&
		      p->need_num[CAP_IF] == 1 && p->have_num[CAP_RING] == 13 &&
		      p->have_num[CAP_BUF] == 13314, "copy monitor's own region");
	}
	done(c, cap, &d);
}

static void test_capacity_bridges(void)
{
	struct nmd_config *c;
	struct capacity *cap;
	struct diags d;
	int r;

	/* 9 switches and the default max_bridges (8): reported at the 9th. */
	r = load_str("version: 1\nswitches:\n"
		     "  - {name: vale1}\n  - {name: vale2}\n  - {name: vale3}\n"
		     "  - {name: vale4}\n  - {name: vale5}\n  - {name: vale6}\n"
		     "  - {name: vale7}\n  - {name: vale8}\n  - {name: vale9}\n",
		     &c, &cap, &d);
	CHECK(r == -ENOSPC && d.n == 1 &&
	      has(&d, 11, 12, "9 switches, max_bridges is 8: set module.params.max_bridges: 9 or more"),
	      "9 switches");
	if (d.n != 1)
		dump(&d);
	done(c, cap, &d);
}

/* All regions together against max_mem_mb: one default port takes 21 MiB. */
static void test_capacity_max_mem(void)
{
	struct nmd_config *c;
	struct capacity *cap;
	struct diags d;
	int r;

	r = load_str("version: 1\n"
		     "module: {params: {max_mem_mb: 20}}\n"
		     "switches: [{name: vale0, ports: [{ephemeral: vm1}]}]\n",
		     &c, &cap, &d);
	CHECK(r == -ENOSPC && d.n == 1 &&
	      has(&d, 2, 31, "the topology's regions take 21 MiB, more than max_mem_mb (20 MiB) lets netmap.ko allocate: set module.params.max_mem_mb: 21 or more"),
	      "max_mem_mb one MiB short");
	if (d.n != 1)
		dump(&d);
	done(c, cap, &d);
	r = load_str("version: 1\n"
		     "module: {params: {max_mem_mb: 21}}\n"
		     "switches: [{name: vale0, ports: [{ephemeral: vm1}]}]\n",
		     &c, &cap, &d);
	CHECK(r == 0 && cap && cap->max_mem_mb == 21 && !cap->max_mem_default,
	      "max_mem_mb exactly enough: r=%d", r);
	done(c, cap, &d);

	/* Not set: the module's default, half of the RAM. */
	r = load_str("version: 1\nswitches: [{name: vale0, ports: [{ephemeral: vm1}]}]\n",
		     &c, &cap, &d);
	CHECK(r == 0 && cap && cap->max_mem_default &&
	      cap->max_mem_mb == ((uint64_t)sysconf(_SC_PHYS_PAGES) *
				  (uint64_t)sysconf(_SC_PAGESIZE)) >> 21,
	      "default max_mem_mb: half of the RAM (%llu MiB)",
	      cap ? (unsigned long long)cap->max_mem_mb : 0ull);
	done(c, cap, &d);

	/* 0 is the module's "default", which reads back as a figure: refused. */
	r = load_str("version: 1\nmodule: {params: {max_mem_mb: 0}}\n", &c, &cap, &d);
	CHECK(r < 0 && d.n == 1, "max_mem_mb: 0 refused (r=%d)", r);
	done(c, cap, &d);
	/* The figures of the memory code, 19 columns in: "params: {" + name. */
	for (size_t i = 0; i < 2; i++) {
		static const char *const figure[] = { "mem_used_kb", "mem_cached_kb" };
		char text[96];

		snprintf(text, sizeof(text), "version: 1\nmodule: {params: {%s: 5}}\n", figure[i]);
		r = load_str(text, &c, &cap, &d);
		CHECK(r < 0 && d.n == 1 && has(&d, 2, 19, "is read-only"),
		      "%s is read-only (r=%d)", figure[i], r);
		if (d.n != 1)
			dump(&d);
		done(c, cap, &d);
	}
}

/* A switch of 254 ports is fine; 255 (a NIC's host side counts) is not. */
static void test_switch_ports(void)
{
	size_t len = 64 + 300 * 32;
	char *buf = malloc(len), *p = buf;
	struct nmd_config *c;
	struct diags d;
	int r;

	p += sprintf(p, "version: 1\nswitches:\n  - name: vale0\n    ports:\n");
	for (int i = 0; i < 253; i++)
		p += sprintf(p, "      - ephemeral: p%d\n", i);
	sprintf(p, "      - nic: eth0\n");
	r = load_str(buf, &c, NULL, &d);
	CHECK(r == 0, "254 ports: r=%d", r);
	done(c, NULL, &d);
	sprintf(p, "      - {nic: eth0, host: true}\n");
	r = load_str(buf, &c, NULL, &d);
	CHECK(r == -EINVAL && d.n == 1 &&
	      has(&d, 3, 11, "has 255 ports (a NIC with host rings counts twice); a VALE switch has at most 254"),
	      "255 ports");
	done(c, NULL, &d);
	free(buf);
}

/* handles: defaults, the keys, a bound that is out of range. */
static void test_handles(void)
{
	struct nmd_config *c;
	struct diags d;
	int r;

	r = load_str("version: 1\n", &c, NULL, &d);
	CHECK(r == 0 && c->handles.per_uid == 1024 && c->handles.total == 16384 &&
	      c->handles.pidfds_per_uid == 64 && c->handles.pidfds_total == 256,
	      "handles: the documented defaults");
	done(c, NULL, &d);
	r = load_str("version: 1\nhandles:\n  per_uid: 5\n  total: 6\n  pidfds_per_uid: 7\n"
		     "  pidfds_total: 8\n", &c, NULL, &d);
	CHECK(r == 0 && c->handles.per_uid == 5 && c->handles.total == 6 &&
	      c->handles.pidfds_per_uid == 7 && c->handles.pidfds_total == 8, "handles: every key");
	done(c, NULL, &d);
	r = load_str("version: 1\nhandles:\n  per_uid: 0\n", &c, NULL, &d);
	CHECK(r == -EINVAL && d.n == 1, "handles.per_uid 0 is refused");
	done(c, NULL, &d);
	r = load_str("version: 1\nhandles:\n  per_pid: 3\n", &c, NULL, &d);
	CHECK(r == -EINVAL && d.n == 1, "handles: an unknown key is refused");
	done(c, NULL, &d);
}

/* ---- 5. hostile input ----------------------------------------------------- */

static void expect_one(const char *what, const char *yaml, size_t len,
		       const char *text)
{
	struct nmd_config *c = NULL;
	struct diags d;
	int r;

	diags_init(&d, "t.yaml");
	r = config_load_buffer("t.yaml", yaml, len, &c, &d);
	CHECK(r == -EINVAL && !c && d.n >= 1 && strstr(d.v[0].msg, text),
	      "%s: r=%d, first message not \"%s\"", what, r, text);
	if (!(d.n >= 1 && strstr(d.v[0].msg, text)))
		dump(&d);
	config_free(c);
	diags_done(&d);
}

static void test_hostile(void)
{
	const char *lol =
		"a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
	size_t big = (1 << 20) + 1;
	char *buf = malloc(big + 16);
	clock_t t0;

	expect_one("billion laughs", lol, strlen(lol), "YAML aliases (*a) are not supported");
	expect_one("alias as a key", "version: 1\n? *x\n: 1\n", 19,
		   "YAML aliases (*x)");

	/*
	 * A syntax error whose line is the last, blanks only, without a
	 * newline: the excerpt and its explanation stay inside the buffer (a
	 * heap copy without a terminator, so ASan sees a read past it; found
	 * by fuzz/config).
	 */
	{
		static const char q[] = "a: 'b\n   ";
		char *h = malloc(sizeof(q) - 1);

		memcpy(h, q, sizeof(q) - 1);
		expect_one("quote left open on a last blank line", h, sizeof(q) - 1,
			   "YAML syntax error");
		free(h);
	}

	/* 1 MiB + 1 byte. */
	memset(buf, ' ', big);
	expect_one("huge file", buf, big, "file larger than the limit of 1048576 bytes");

	/* A 5000-byte scalar. */
	memcpy(buf, "version: ", 9);
	memset(buf + 9, 'x', 5000);
	expect_one("huge scalar", buf, 5009, "scalar longer than the limit of 4096 bytes");

	/* 400 KB of "1," in one flow sequence: more nodes than the bound. */
	{
		size_t n = 0;

		n += (size_t)sprintf(buf, "x: [");
		for (int i = 0; i < 200001; i++) {
			buf[n++] = '1';
			buf[n++] = ',';
		}
		buf[n++] = ']';
		t0 = clock();
		expect_one("too many nodes", buf, n, "more than 200000 YAML nodes");
		CHECK((clock() - t0) / CLOCKS_PER_SEC < 5, "too many nodes: slow");
	}

	/* Deep block nesting (the flow kind is a fixture). */
	{
		size_t n = 0;

		for (int i = 0; i < 40; i++) {
			for (int k = 0; k < i; k++)
				buf[n++] = ' ';
			n += (size_t)sprintf(buf + n, "k%d:\n", i);
		}
		expect_one("deep block nesting", buf, n, "nested deeper than 32 levels");
	}

	/* Bytes that are not UTF-8, a NUL in the input, a NUL in a scalar. */
	expect_one("bad UTF-8", "version: 1\nx: \xff\xfe\n", 16, "YAML:");
	expect_one("NUL byte", "version: 1\n\0x: 1\n", 17, "YAML");
	expect_one("NUL escape", "version: \"1\\0\"\n", 15,
		   "scalar contains a NUL character");

	/* Control characters in values come back escaped in messages. */
	{
		struct nmd_config *c;
		struct diags d;

		load_str("version: 1\nswitches: [{name: \"vale\\e[31m\"}]\n", &c, NULL, &d);
		CHECK(d.n == 1 && strstr(d.v[0].msg, "vale\\x1b[31m") &&
		      !strchr(d.v[0].msg, '\x1b'), "escape sequences neutralised");
		done(c, NULL, &d);
	}
	free(buf);
}

static void test_error_bound(void)
{
	char buf[4096], *p = buf;
	struct nmd_config *c;
	struct diags d;
	int r;

	p += sprintf(p, "version: 1\n");
	for (int i = 0; i < 30; i++)
		p += sprintf(p, "unknown%d: 1\n", i);
	r = load_str(buf, &c, NULL, &d);
	CHECK(r == -EINVAL && d.n == DIAG_MAX_DEFAULT && d.truncated && !c,
	      "30 errors: %zu kept, truncated %d", d.n, d.truncated);
	CHECK(has(&d, 2, 1, "unknown key \"unknown0\"") &&
	      has(&d, 21, 1, "unknown key \"unknown19\""), "the first 20 are kept");
	done(c, NULL, &d);

	/* A large valid topology: sorting, not quadratic scans. */
	{
		size_t len = 64 + 64 * (40 + 16 * 40);
		char *big = malloc(len), *q = big;
		clock_t t0 = clock();

		q += sprintf(q, "version: 1\nmodule: {params: {max_bridges: 64}}\nswitches:\n");
		for (int s = 0; s < 64; s++) {
			q += sprintf(q, "  - name: vale%d\n    ports:\n", s);
			for (int i = 0; i < 16; i++)
				q += sprintf(q, "      - {ephemeral: p%d}\n", i);
		}
		r = load_str(big, &c, NULL, &d);
		CHECK(r == 0 && c->n_switches == 64, "64 x 16 ports: r=%d", r);
		CHECK((clock() - t0) / CLOCKS_PER_SEC < 5, "64 x 16 ports: slow");
		done(c, NULL, &d);
		free(big);
	}
}

static void test_load_errors(void)
{
	struct nmd_config *c;
	struct diags d;
	int r;

	diags_init(&d, "/nonexistent/netmapd.yaml");
	r = config_load("/nonexistent/netmapd.yaml", &c, &d);
	CHECK(r == -ENOENT && !c && d.n == 1 && d.v[0].line == 0 &&
	      strstr(d.v[0].msg, "cannot open"), "missing file: r=%d", r);
	diags_done(&d);
	diags_init(&d, CONF_DIR);
	r = config_load(CONF_DIR, &c, &d);
	CHECK(r == -EISDIR && !c && d.n == 1, "directory: r=%d", r);
	diags_done(&d);

	/*
	 * A FIFO (nobody writing) and a symlink: refused at once with the
	 * reason, never read (the alarm fails the test instead of a hang).
	 */
	{
		char dir[] = "/tmp/test_config.XXXXXX", fifo[64], link[64];

		CHECK(mkdtemp(dir) != NULL, "mkdtemp");
		snprintf(fifo, sizeof(fifo), "%s/fifo.yaml", dir);
		snprintf(link, sizeof(link), "%s/link.yaml", dir);
		CHECK(mkfifo(fifo, 0600) == 0, "mkfifo");
		CHECK(symlink(CONF_DIR "/examples/showcase.yaml", link) == 0, "symlink");
		alarm(10);
		diags_init(&d, fifo);
		r = config_load(fifo, &c, &d);
		CHECK(r == -EINVAL && !c && d.n == 1 && strstr(d.v[0].msg, "not a regular file (a FIFO)"),
		      "FIFO: r=%d %s", r, d.n ? d.v[0].msg : "");
		diags_done(&d);
		diags_init(&d, link);
		r = config_load(link, &c, &d);
		CHECK(r == -ELOOP && !c && d.n == 1 && strstr(d.v[0].msg, "symbolic link"),
		      "symlink: r=%d %s", r, d.n ? d.v[0].msg : "");
		diags_done(&d);
		alarm(0);
		unlink(fifo);
		unlink(link);
		rmdir(dir);
	}
}

/* ---- 6. names, suggestions ---------------------------------------------- */

static void test_names(void)
{
	bool numeric;
	uint32_t id = 0;

	CHECK(!name_check_switch("vale0") && !name_check_switch("vale_lan_12345"),
	      "switch names");
	CHECK(name_check_switch("vale_lan_1234567") != NULL, "16 characters");
	CHECK(name_check_switch("vale0:") && name_check_switch("VALE0") &&
	      name_check_switch("vale"), "bad switch names");
	CHECK(!name_check_vale_port("a") && name_check_vale_port("a{1") &&
	      name_check_vale_port("") && name_check_vale_port("0123456789abcdef"),
	      "VALE port names");
	CHECK(!name_check_netdev("eth0.100") && !name_check_netdev("veth-a") &&
	      name_check_netdev("..") && name_check_netdev("a/b") &&
	      name_check_netdev("a:b") && name_check_netdev("vale0") &&
	      name_check_netdev("p}1") && name_check_netdev("a\tb"),
	      "interface names");
	CHECK(!name_check_persistent("v0") && name_check_persistent("vale_x") &&
	      name_check_persistent("v.0"), "persistent port names");
	CHECK(!name_check_pipe_id("0") && !name_check_pipe_id("in_1") &&
	      name_check_pipe_id("1}2") && name_check_pipe_id(""), "pipe ids");
	CHECK(!name_check_principal("alice", &numeric, &id) && !numeric,
	      "user name");
	CHECK(!name_check_principal("machine$", &numeric, &id) &&
	      name_check_principal("a$b", &numeric, &id), "trailing $ only");
	CHECK(!name_check_principal("0", &numeric, &id) && numeric && id == 0,
	      "uid 0");
	CHECK(!name_check_principal("4294967294", &numeric, &id) && numeric &&
	      id == 4294967294u && name_check_principal("4294967295", &numeric, &id),
	      "largest id");
	CHECK(name_check_principal("abcdefghijklmnopqrstuvwxyz0123456", &numeric, &id) != NULL,
	      "33 characters");
	CHECK(!name_check_module("netmap") && name_check_module("net map"),
	      "module names");
}

static void test_did_you_mean(void)
{
	static const char *const keys[] = { "rings", "slots", "tx_rings",
					    "ephemeral", "persistent", "nic" };

	CHECK(!strcmp(diag_did_you_mean("rigns", keys, 6), "rings"), "transposition");
	CHECK(!strcmp(diag_did_you_mean("slot", keys, 6), "slots"), "deletion");
	CHECK(!strcmp(diag_did_you_mean("ephemral", keys, 6), "ephemeral"), "long word");
	CHECK(!strcmp(diag_did_you_mean("nics", keys, 6), "nic"), "short word");
	CHECK(diag_did_you_mean("colour", keys, 6) == NULL, "no close word");
	CHECK(diag_did_you_mean("x", keys, 6) == NULL, "one letter");
}

/* A host with interfaces lo, eth0 (a NIC), v8 and v9 (maybe persistent ports of netmap). */
static int fake_probe(void *ctx, const char *ifname)
{
	(void)ctx;
	if (!strcmp(ifname, "lo") || !strcmp(ifname, "eth0"))
		return CONFIG_IF_HOST;
	return !strcmp(ifname, "v9") || !strcmp(ifname, "v8") ? CONFIG_IF_MAYBE_VALE : CONFIG_IF_NONE;
}

/* --check refuses port names that are interfaces of the host. */
static void test_host_names(void)
{
	static const char y[] = "version: 1\n"
				"switches:\n"
				"  - name: vale0\n"
				"    ports:\n"
				"      - ephemeral: eth0\n"
				"      - ephemeral: v9\n"
				"      - persistent: lo\n"
				"      - persistent: v9x\n"
				"      - ephemeral: ok\n"
				"  - name: vale1\n"
				"    ports:\n"
				"      - persistent: v8\n"
				"pipes:\n"
				"  - parent: eth0\n"
				"    ids: [1]\n"
				"  - parent: free\n"
				"    ids: [1]\n";
	struct nmd_config *c = NULL;
	struct diags d;
	int r;

	diags_init(&d, "host.yaml");
	r = config_load_buffer("host.yaml", y, sizeof(y) - 1, &c, &d);
	CHECK(r == 0, "loads: %d", r);
	if (r) {
		dump(&d);
		diags_done(&d);
		return;
	}
	r = config_check_host(c, fake_probe, NULL, &d);
	CHECK(r == -EINVAL, "refused: %d", r);
	CHECK(d.n == 4, "4 messages, got %zu", d.n);
	for (size_t i = 0; i < d.n; i++) {
		const struct diag *m = &d.v[i];
		bool want = (m->line == 5 && strstr(m->msg, "ephemeral port \"eth0\" is the name of a network interface")) ||
			    (m->line == 6 && strstr(m->msg, "ephemeral port \"v9\"")) ||
			    (m->line == 7 && strstr(m->msg, "persistent port \"lo\"")) ||
			    (m->line == 14 && strstr(m->msg, "parent \"eth0\" is not a port of the file"));

		CHECK(want, "unexpected message %u: %s", m->line, m->msg);
	}
	config_free(c);
	diags_done(&d);
}

/* count: N on a switch port: NAME0..NAME(N-1), each with the entry's settings. */
static void test_port_count(void)
{
	static const char ok_yaml[] =
		"version: 1\nswitches:\n  - name: vale0\n    ports:\n"
		"      - ephemeral: vm\n        count: 3\n        slots: 2048\n"
		"        access:\n          users: [alice, 1000]\n"
		"      - persistent: pp\n        count: 2\n";
	static const char nic_yaml[] =
		"version: 1\nswitches:\n  - name: vale0\n    ports:\n"
		"      - nic: eth9\n        count: 2\n";
	static const char long_yaml[] =
		"version: 1\nswitches:\n  - name: vale0\n    ports:\n"
		"      - persistent: abcdefghijklmn\n        count: 12\n";
	static const char dup_yaml[] =
		"version: 1\nswitches:\n  - name: vale0\n    ports:\n"
		"      - ephemeral: vm\n        count: 2\n      - ephemeral: vm1\n";
	struct nmd_config *c = NULL;
	struct diags d;
	int r;

	r = load_str(ok_yaml, &c, NULL, &d);
	CHECK(r == 0 && c && c->switches[0].n_ports == 5, "count: 5 ports (r=%d)", r);
	if (r == 0) {
		const struct nmd_port *p = config_find_port(c, "vale0:vm2");

		CHECK(p && p->tx_slots == 2048 && p->access.n_users == 2 &&
			      !strcmp(p->access.users[0].name, "alice"),
		      "vale0:vm2 has the entry's slots and access");
		CHECK(config_find_port(c, "vale0:vm0") && !config_find_port(c, "vale0:vm") &&
			      !config_find_port(c, "vale0:vm3"), "names vm0..vm2");
		CHECK(config_find_port(c, "pp0") && config_find_port(c, "pp1"), "persistent pp0, pp1");
	}
	done(c, NULL, &d);
	r = load_str(nic_yaml, &c, NULL, &d);
	CHECK(r < 0 && has(&d, 6, 9, "count"), "count on a NIC is refused");
	done(c, NULL, &d);
	r = load_str(long_yaml, &c, NULL, &d);
	CHECK(r < 0 && d.n >= 1 && strstr(d.v[0].msg, "abcdefghijklmn10"), "a name count makes too long");
	done(c, NULL, &d);
	r = load_str(dup_yaml, &c, NULL, &d);
	CHECK(r < 0, "vm1 from count: and vm1 again are duplicates");
	done(c, NULL, &d);
}

static const struct check_case cases[] = {
	CHECK_CASE(examples),
	CHECK_CASE(fixtures),
	CHECK_CASE(values_example),
	CHECK_CASE(values_flow),
	CHECK_CASE(capacity_vale_port),
	CHECK_CASE(capacity_nic),
	CHECK_CASE(capacity_pipes),
	CHECK_CASE(capacity_asymmetric),
	CHECK_CASE(capacity_bridges),
	CHECK_CASE(capacity_max_mem),
	CHECK_CASE(switch_ports),
	CHECK_CASE(handles),
	CHECK_CASE(hostile),
	CHECK_CASE(error_bound),
	CHECK_CASE(load_errors),
	CHECK_CASE(names),
	CHECK_CASE(did_you_mean),
	CHECK_CASE(host_names),
	CHECK_CASE(port_count),
};

CHECK_MAIN(cases)
