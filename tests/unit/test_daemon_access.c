// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_daemon_access - who may open what (daemon/access.c on the parse of
 * daemon/portspec.c): a table of requested names, with the request's mode,
 * ring and flags, against the grants of one file. Every suffix and option
 * of netmap's grammar (^ ^N * -N /x /z /t /r /R /T @N @conf: @other), pipe
 * ends, monitors (every entry of a port consulted, modes combined from the
 * name and the flags), NIC host rings, objects outside the file, root and
 * admins; the attacks of issue 13; what reaches the kernel as nr_name; and
 * the admin policy built from the file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net/netmap.h>

#include "access.h"
#include "config.h"
#include "portspec.h"

#include "check.h"

static struct nmd_config *cfg;

static const char yaml[] =
	"version: 1\n"
	"admin:\n"
	"  users: [4000, no_such_user_hopefully]\n"
	"  groups: [4001]\n"
	"switches:\n"
	"  - name: vale0\n"
	"    ports:\n"
	"      - ephemeral: a\n"
	"        access: {users: [1000]}\n"
	"      - ephemeral: b\n"
	"        access: {users: [1000]}\n"
	"      - ephemeral: vm2\n"
	"      - persistent: v0\n"
	"        access: {users: [1003]}\n"
	"      - nic: eth1\n"
	"        host: true\n"
	"        access: {users: [1004]}\n"
	"  - name: vale1\n"
	"    ports:\n"
	"      - nic: eth2\n"
	"        access: {users: [1004]}\n"
	"      - ephemeral: g\n"
	"        access: {users: [1002, root], groups: [2000]}\n"
	"pipes:\n"
	"  - parent: pp\n"
	"    ids: [1]\n"
	"    access: {users: [1000]}\n"
	"  - parent: v0\n"
	"    ids: [1]\n"
	"    access: {users: [1003]}\n"
	"monitors:\n"
	"  - port: vale0:a\n"
	"    mode: r\n"
	"    access: {users: [1000]}\n"
	"  - port: vale0:a\n"
	"    mode: z\n"
	"    access: {users: [1001]}\n"
	"  - port: vale0:a\n"
	"    mode: t\n"
	"    access: {users: [1001]}\n"
	"  - port: eth1^\n"
	"    mode: rt\n"
	"    access: {users: [1004]}\n"
	"  - port: pp}1\n"
	"    mode: r\n"
	"    access: {users: [1000]}\n"
	"regions:\n"
	"  - memory: vale0:a\n"
	"    shared_by: {users: [1000, 1001]}\n";

#define MRX NR_MONITOR_RX
#define MTX NR_MONITOR_TX
#define MZ NR_ZCOPY_MON

enum { OK = 0, DENY = -EACCES, BAD = -EINVAL };

struct row {
	unsigned uid, gid;
	const char *name;
	const char *mode; /* NULL: not in the request */
	int ring;         /* -1: not in the request */
	uint64_t flags;
	int want;
};

static const struct row rows[] = {
	/* Plain ports. */
	{ 1000, 100, "vale0:a", NULL, -1, 0, OK },
	{ 1000, 100, "vale0:b", NULL, -1, 0, OK },
	{ 1000, 100, "vale0:vm2", NULL, -1, 0, DENY },	/* no access list: admins only */
	{ 1000, 100, "v0", NULL, -1, 0, DENY },
	{ 1003, 100, "v0", NULL, -1, 0, OK },
	{ 1003, 100, "netmap:v0", NULL, -1, 0, OK },
	{ 1003, 100, "vale0:v0", NULL, -1, 0, OK },	/* a persistent port by its VALE name */
	{ 1003, 100, "vale1:v0", NULL, -1, 0, DENY },	/* not on vale1 */
	/* Issue 13: "vale0:a^" made the kernel create port "a^". */
	{ 1000, 100, "vale0:a^", NULL, -1, 0, DENY },
	{ 1000, 100, "vale0:b^", NULL, -1, 0, DENY },
	{ 1000, 100, "vale0:a^0", NULL, -1, 0, DENY },
	{ 1000, 100, "vale0:a*", NULL, -1, 0, DENY },
	{ 1000, 100, "vale0:a", "sw", -1, 0, DENY },
	{ 1000, 100, "vale0:a", "nic_sw", -1, 0, DENY },
	{ 1000, 100, "vale0:a", "one_sw", 0, 0, DENY },
	{ 1003, 100, "v0^", NULL, -1, 0, DENY },		/* a persistent port has no host rings */
	/* Ring suffixes and the request's mode and ring. */
	{ 1000, 100, "vale0:a-0", NULL, -1, 0, OK },
	{ 1000, 100, "vale0:a-4094", NULL, -1, 0, OK },
	{ 1000, 100, "vale0:a-4095", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a-", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a-x", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a", "one", 0, 0, OK },
	{ 1000, 100, "vale0:a-1", "one", 1, 0, OK },
	{ 1000, 100, "vale0:a-1", "one", 0, 0, BAD },	/* two different rings */
	{ 1000, 100, "vale0:a-1", "all", -1, 0, OK },	/* "all" is the clients' default */
	{ 1000, 100, "vale0:a", "all", 3, 0, BAD },	/* a ring without mode one */
	{ 1000, 100, "vale0:a-1^", NULL, -1, 0, BAD },
	/* Flags. */
	{ 1000, 100, "vale0:a/x", NULL, -1, 0, OK },
	{ 1000, 100, "vale0:a/R", NULL, -1, 0, OK },
	{ 1000, 100, "vale0:a/T", NULL, -1, 0, OK },
	{ 1000, 100, "vale0:a-0/xR", NULL, -1, 0, OK },
	{ 1000, 100, "vale0:a/q", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a/", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a/r/t", NULL, -1, 0, BAD },
	/* Monitors: issue 13's mode r granted to 1000 was opened with z and t. */
	{ 1000, 100, "vale0:a/r", NULL, -1, 0, OK },	/* netmapd.yaml(5)'s form */
	{ 1000, 100, "vale0:a", NULL, -1, MRX, OK },
	{ 1000, 100, "vale0:a/r", NULL, -1, MZ, DENY },
	{ 1000, 100, "vale0:a", NULL, -1, MTX, DENY },
	{ 1000, 100, "vale0:a", NULL, -1, MRX | MTX, DENY },
	{ 1000, 100, "vale0:a/rt", NULL, -1, 0, DENY },
	{ 1000, 100, "vale0:a/z", NULL, -1, 0, DENY },
	{ 1000, 100, "vale0:a-0/r", NULL, -1, 0, OK },
	{ 1000, 100, "vale0:a/rx", NULL, -1, 0, OK },
	/* ... and the second and third entries of vale0:a are consulted (1001: z, t). */
	{ 1001, 100, "vale0:a/z", NULL, -1, 0, OK },
	{ 1001, 100, "vale0:a/t", NULL, -1, 0, OK },
	{ 1001, 100, "vale0:a/t", NULL, -1, MZ, OK },	/* t and z, both granted */
	{ 1001, 100, "vale0:a", NULL, -1, MTX | MZ, OK },
	{ 1001, 100, "vale0:a/rt", NULL, -1, 0, DENY },
	{ 1001, 100, "vale0:a", NULL, -1, 0, DENY },	/* the monitor is not the port */
	{ 1000, 100, "vale0:b/r", NULL, -1, 0, DENY },	/* no monitor of b */
	{ 1000, 100, "vale0:a^/r", NULL, -1, 0, DENY },	/* host rings of a: not a monitor target */
	/* Pipes: ends exactly as granted. */
	{ 1000, 100, "pp{1", NULL, -1, 0, OK },
	{ 1000, 100, "pp}1", NULL, -1, 0, OK },
	{ 1000, 100, "netmap:pp}1", NULL, -1, 0, OK },
	{ 1000, 100, "pp{1-0", NULL, -1, 0, OK },
	{ 1000, 100, "pp{2", NULL, -1, 0, DENY },
	{ 1000, 100, "pp{1x", NULL, -1, 0, DENY },
	{ 1000, 100, "pp{11", NULL, -1, 0, DENY },
	{ 1000, 100, "pp", NULL, -1, 0, DENY },		/* the implicit parent itself */
	{ 1000, 100, "pp{1^", NULL, -1, 0, DENY },
	{ 1000, 100, "pp{1*", NULL, -1, 0, DENY },
	{ 1000, 100, "pp{1}", NULL, -1, 0, BAD },
	{ 1000, 100, "pp}1{1", NULL, -1, 0, BAD },	/* the parent "pp}1" is a pipe */
	{ 1000, 100, "pp{", NULL, -1, 0, BAD },
	{ 1000, 100, "{1", NULL, -1, 0, BAD },
	{ 1000, 100, "pp{1.", NULL, -1, 0, BAD },
	{ 1000, 100, "pp}1/r", NULL, -1, 0, OK },	/* a monitor of a pipe end */
	{ 1000, 100, "pp{1/r", NULL, -1, 0, DENY },	/* of the other end: not granted */
	{ 1003, 100, "v0{1", NULL, -1, 0, OK },
	{ 1003, 100, "vale0:v0{1", NULL, -1, 0, OK },	/* the same parent by its VALE name */
	{ 1000, 100, "v0{1", NULL, -1, 0, DENY },
	{ 1003, 100, "v0{2", NULL, -1, 0, DENY },
	/* NICs: ^ and * only with host: true; monitors of host rings by eth1^. */
	{ 1004, 100, "eth1", NULL, -1, 0, OK },
	{ 1004, 100, "vale0:eth1", NULL, -1, 0, OK },
	{ 1004, 100, "eth1^", NULL, -1, 0, OK },
	{ 1004, 100, "eth1^1", NULL, -1, 0, OK },
	{ 1004, 100, "eth1*", NULL, -1, 0, OK },
	{ 1004, 100, "eth1", "sw", -1, 0, OK },
	{ 1004, 100, "eth2^", NULL, -1, 0, DENY },
	{ 1004, 100, "eth2*", NULL, -1, 0, DENY },
	{ 1004, 100, "eth1^/r", NULL, -1, 0, OK },
	{ 1004, 100, "eth1^/rt", NULL, -1, 0, OK },
	{ 1004, 100, "eth1^/z", NULL, -1, 0, DENY },
	{ 1004, 100, "eth1*/r", NULL, -1, 0, DENY },
	{ 1004, 100, "eth1/r", NULL, -1, 0, DENY },	/* hardware rings: no monitor entry */
	{ 1000, 100, "eth1^", NULL, -1, 0, DENY },
	/* Memory regions and @conf: come from the file. */
	{ 1000, 100, "vale0:a@2", NULL, -1, 0, DENY },
	{ 1000, 100, "vale0:a@conf:rings=2", NULL, -1, 0, DENY },
	{ 1000, 100, "vale0:a@conf:tx-slots=64,rx-slots=64", NULL, -1, 0, DENY },
	{ 1000, 100, "vale0:a@0", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a@2@3", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a@", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a@conf:foo=1", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a@conf:rings", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a@conf:rings=2,rings=3", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a@extmem:file=/tmp/x", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a@share=vale0:b", NULL, -1, 0, BAD },
	{ 4000, 100, "vale0:a@2", NULL, -1, 0, OK },	/* admins may */
	{ 4000, 100, "vale0:a@conf:rings=2", NULL, -1, 0, OK },
	/* Names the file does not have: the kernel would create them. */
	{ 1000, 100, "vale0:c", NULL, -1, 0, DENY },
	{ 1000, 100, "vale0:a.b", NULL, -1, 0, DENY },
	{ 1000, 100, "vale9:a", NULL, -1, 0, DENY },
	{ 1000, 100, "vale0:a{9", NULL, -1, 0, DENY },
	{ 1000, 100, "eth9", NULL, -1, 0, DENY },
	/* Names nothing can classify. */
	{ 1000, 100, "", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a:b", NULL, -1, 0, BAD },
	{ 1000, 100, "vale-0:a", NULL, -1, 0, BAD },
	{ 1000, 100, "va.le:a", NULL, -1, 0, BAD },	/* ':' in an interface name */
	{ 1000, 100, "vale0:a b", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:a\n", NULL, -1, 0, BAD },
	{ 1000, 100, "vale0:aaaaaaaaaaaaaaaa", NULL, -1, 0, BAD },	/* 16 characters */
	{ 1000, 100, "vale0123456789abc:a", NULL, -1, 0, BAD },
	{ 1000, 100, "eth1234567890abcd", NULL, -1, 0, BAD },
	{ 1000, 100, "netmap:vale0:a", NULL, -1, 0, BAD },
	{ 1000, 100, "netmap:", NULL, -1, 0, BAD },
	{ 1000, 100, "^", NULL, -1, 0, BAD },
	{ 1000, 100, "..", NULL, -1, 0, BAD },
	/* Groups. */
	{ 1005, 2000, "vale1:g", NULL, -1, 0, OK },
	{ 1005, 5, "vale1:g", NULL, -1, 0, DENY },
	/* Admins and root: anything that parses. */
	{ 4000, 100, "vale9:x", NULL, -1, 0, OK },
	{ 1000, 4001, "vale9:x", NULL, -1, 0, OK },
	{ 0, 0, "vale9:x", NULL, -1, 0, OK },
	{ 0, 0, "vale0:a^", NULL, -1, 0, OK },
	{ 0, 0, "vale0:a/q", NULL, -1, 0, BAD },
};

static struct rpc_peer peer(uid_t uid, gid_t gid, gid_t *groups, size_t n)
{
	struct rpc_peer p = { .uid = uid, .gid = gid, .pid = 1, .groups = groups,
			      .n_groups = n, .groups_known = true };
	return p;
}

static uint32_t mode_of(const char *m)
{
	static const struct {
		const char *name;
		uint32_t mode;
	} t[] = { { "all", NR_REG_ALL_NIC }, { "one", NR_REG_ONE_NIC }, { "sw", NR_REG_SW },
		  { "nic_sw", NR_REG_NIC_SW }, { "one_sw", NR_REG_ONE_SW } };

	for (size_t i = 0; m && i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].name, m))
			return t[i].mode;
	return NR_REG_ALL_NIC;
}

/* What methods_port.c does: parse, merge, decide. */
static int decide(const struct nmd_config *c, const struct row *w, char *why, size_t len)
{
	struct rpc_peer p = peer(w->uid, w->gid, NULL, 0);
	bool admin = w->uid == 4000 || w->gid == 4001;
	struct portspec ps;
	int r;

	r = portspec_parse(w->name, &ps, why, len);
	if (!r)
		r = portspec_merge(&ps, w->mode != NULL, mode_of(w->mode), w->ring >= 0,
				   (uint16_t)(w->ring < 0 ? 0 : w->ring), w->flags, why, len);
	if (!r)
		r = access_check_open(c, &ps, &p, admin, why, len);
	return r;
}

static const char *res(int r)
{
	return r == OK ? "allowed" : r == DENY ? "denied" : r == BAD ? "bad name" : "?";
}

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *w = &rows[i];
		char why[256] = "";
		int r = decide(cfg, w, why, sizeof(why));

		CHECK(r == w->want, "uid %u: \"%s\" mode %s ring %d flags %#llx: %s, want %s (%s)",
		      w->uid, w->name, w->mode ? w->mode : "-", w->ring,
		      (unsigned long long)w->flags, res(r), res(w->want), why);
		CHECK(r == 0 || why[0], "\"%s\": a refusal says why", w->name);
	}
}

/* What goes to the kernel: the bare name, and the suffixes as fields. */
static void test_parses(void)
{
	struct portspec ps;
	char why[256];

	CHECK(portspec_parse("vale0:a^", &ps, why, sizeof(why)) == 0, "parses");
	CHECK(!strcmp(ps.name.full, "vale0:a") && ps.mode == NR_REG_SW && ps.name.kind == PS_VALE &&
		      !strcmp(ps.name.sw, "vale0") && !strcmp(ps.name.port, "a"),
	      "vale0:a^ -> nr_name vale0:a, NR_REG_SW (%s, %u)", ps.name.full, ps.mode);
	CHECK(portspec_parse("netmap:pp{1-3/xrR@conf:slots=64,host-rings=2", &ps, why, sizeof(why)) ==
		      0,
	      "parses: %s", why);
	CHECK(!strcmp(ps.name.full, "pp{1") && ps.name.kind == PS_PIPE && !ps.slave &&
		      !strcmp(ps.pipe_id, "1") && !strcmp(ps.parent.full, "pp") &&
		      ps.parent.kind == PS_PLAIN && ps.mode == NR_REG_ONE_NIC && ps.ringid == 3 &&
		      ps.flags == (NR_EXCLUSIVE | NR_MONITOR_RX | NR_RX_RINGS_ONLY) &&
		      ps.conf_set[PS_CONF_TX_SLOTS] && ps.conf[PS_CONF_RX_SLOTS] == 64 &&
		      ps.conf[PS_CONF_HOST_TX_RINGS] == 2 && !ps.conf_set[PS_CONF_TX_RINGS],
	      "pipe, ring, flags, conf");
	CHECK(portspec_parse("vale0:v0}x_1^2@7", &ps, why, sizeof(why)) == 0, "parses: %s", why);
	CHECK(ps.slave && ps.parent.kind == PS_VALE && !strcmp(ps.parent.port, "v0") &&
		      ps.mode == NR_REG_ONE_SW && ps.ringid == 2 && ps.mem_id == 7,
	      "slave end, host ring 2, @7");
	CHECK(portspec_parse("eth1*", &ps, why, sizeof(why)) == 0 && ps.mode == NR_REG_NIC_SW &&
		      portspec_host(&ps) && ps.name.kind == PS_PLAIN,
	      "eth1* is NIC_SW");
	CHECK(portspec_parse("vale0:a/z", &ps, why, sizeof(why)) == 0 &&
		      portspec_monitor(&ps) == NMD_MONITOR_ZCOPY,
	      "/z is a zero-copy monitor");
	CHECK(portspec_parse("vale0:a/q", &ps, why, sizeof(why)) < 0 && strstr(why, "'q'"),
	      "the refusal names the flag: %s", why);
}

/* Supplementary groups, and a name: "root" is uid 0. */
static void test_groups(void)
{
	struct nmd_principal g0 = { .name = (char *)"0", .numeric = true, .id = 0 };
	struct nmd_access a = { .set = true, .groups = &g0, .n_groups = 1 };
	gid_t g2000[] = { 5, 2000 };
	struct rpc_peer p;

	p = peer(1005, 100, g2000, 2);
	CHECK(access_match(&cfg->switches[1].ports[1].access, &p), "supplementary group 2000");
	p = peer(0, 0, NULL, 0);
	CHECK(access_match(&cfg->switches[1].ports[1].access, &p), "user \"root\" matches uid 0");
	p = peer(1000, 100, NULL, 0);
	CHECK(!access_match(&cfg->switches[0].ports[2].access, &p), "no rule matches nobody");
	/* groups_known false: getgrouplist of the uid's user (uid 0 is root, group 0). */
	p = peer(0, 12345, NULL, 0);
	p.groups_known = false;
	CHECK(access_match(&a, &p), "root's groups from the user database include 0");
}

/* The admin policy: numeric ids kept, unknown names skipped and counted. */
static void test_admin_policy(void)
{
	struct rpc_policy pol;
	struct rpc_peer p;
	unsigned bad = 0;
	int r;

	r = access_policy_build(cfg, &pol, &bad);
	CHECK(r == 0, "policy builds");
	if (r)
		return;
	CHECK(pol.root_is_admin, "root is admin");
	CHECK(pol.n_admin_uids == 1 && pol.admin_uids[0] == 4000, "admin uid 4000 (%zu)",
	      pol.n_admin_uids);
	CHECK(pol.n_admin_gids == 1 && pol.admin_gids[0] == 4001, "admin gid 4001");
	CHECK(bad == 1, "one unresolved name (%u)", bad);
	p = peer(4000, 100, NULL, 0);
	CHECK(rpc_policy_is_admin(&pol, &p), "uid 4000 is admin");
	p = peer(1000, 4001, NULL, 0);
	CHECK(rpc_policy_is_admin(&pol, &p), "group 4001 is admin");
	p = peer(1000, 100, NULL, 0);
	CHECK(!rpc_policy_is_admin(&pol, &p), "uid 1000 is not admin");
	access_policy_done(&pol);
}

static const struct check_case cases[] = {
	CHECK_CASE(table),
	CHECK_CASE(parses),
	CHECK_CASE(groups),
	CHECK_CASE(admin_policy),
};

int main(int argc, char **argv)
{
	struct diags d;
	int r;

	diags_init(&d, "access.yaml");
	r = config_load_buffer("access.yaml", yaml, sizeof(yaml) - 1, &cfg, &d);
	if (r < 0) {
		diags_print(&d, stdout);
		CHECK(r == 0, "config loads: %d", r);
		diags_done(&d);
		return check_summary();
	}
	r = CHECK_RUN(argc, argv, cases);
	config_free(cfg);
	diags_done(&d);
	return check_exit(r);
}
