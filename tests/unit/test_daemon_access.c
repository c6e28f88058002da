// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_daemon_access - who may open which object (daemon/access.c): users
 * and groups by number and by name, supplementary groups, pipe ends,
 * monitors, host rings, objects outside the configuration, root and
 * admins; and the admin policy built from the file.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "config.h"

#include "check.h"

static const char yaml[] =
	"version: 1\n"
	"admin:\n"
	"  users: [4000, no_such_user_hopefully]\n"
	"  groups: [4001]\n"
	"switches:\n"
	"  - name: vale0\n"
	"    ports:\n"
	"      - ephemeral: vm1\n"
	"        access:\n"
	"          users: [1000, root]\n"
	"          groups: [2000]\n"
	"      - ephemeral: vm2\n"
	"      - persistent: v0\n"
	"        access:\n"
	"          users: [1003]\n"
	"pipes:\n"
	"  - parent: v0\n"
	"    ids: [1]\n"
	"    access:\n"
	"      users: [1001]\n"
	"monitors:\n"
	"  - port: vale0:vm1\n"
	"    mode: rt\n"
	"    access:\n"
	"      groups: [3000]\n";

static struct rpc_peer peer(uid_t uid, gid_t gid, gid_t *groups, size_t n)
{
	struct rpc_peer p = { .uid = uid, .gid = gid, .pid = 1, .groups = groups,
			      .n_groups = n, .groups_known = true };
	return p;
}

int main(void)
{
	struct nmd_config *c = NULL;
	struct diags d;
	struct rpc_policy pol;
	gid_t g2000[] = { 5, 2000 }, g3000[] = { 3000 };
	struct rpc_peer p;
	unsigned bad = 0;
	int r;

	diags_init(&d, "access.yaml");
	r = config_load_buffer("access.yaml", yaml, sizeof(yaml) - 1, &c, &d);
	if (r < 0) {
		diags_print(&d, stdout);
		CHECK(r == 0, "config loads: %d", r);
		return check_summary();
	}

	/* A port's users and groups. */
	p = peer(1000, 100, NULL, 0);
	CHECK(access_may_open(c, "vale0:vm1", false, &p, false), "uid 1000 opens vale0:vm1");
	CHECK(!access_may_open(c, "vale0:vm2", false, &p, false), "vm2 has no rule: admins only");
	CHECK(!access_may_open(c, "v0", false, &p, false), "uid 1000 not on v0's list");
	p = peer(1002, 2000, NULL, 0);
	CHECK(access_may_open(c, "vale0:vm1", false, &p, false), "primary group 2000");
	p = peer(1002, 100, g2000, 2);
	CHECK(access_may_open(c, "vale0:vm1", false, &p, false), "supplementary group 2000");
	p = peer(1002, 100, g3000, 1);
	CHECK(!access_may_open(c, "vale0:vm1", false, &p, false), "uid 1002 in 3000 only: no");
	/* The same object with host rings. */
	p = peer(1000, 100, NULL, 0);
	CHECK(access_rule_for(c, "vale0:vm1^", false) == access_rule_for(c, "vale0:vm1", false),
	      "name^ is the same object");
	/* A persistent port, by netdev name. */
	p = peer(1003, 100, NULL, 0);
	CHECK(access_may_open(c, "v0", false, &p, false), "uid 1003 opens v0");
	/* Pipe ends. */
	p = peer(1001, 100, NULL, 0);
	CHECK(access_may_open(c, "v0{1", false, &p, false), "uid 1001 opens v0{1");
	CHECK(access_may_open(c, "v0}1", false, &p, false), "uid 1001 opens v0}1");
	CHECK(!access_may_open(c, "v0{2", false, &p, false), "pipe id 2 is not in the file");
	CHECK(!access_may_open(c, "v0", false, &p, false), "pipe rule is not the parent's");
	/* Monitors: the monitor's rule, not the port's. */
	p = peer(1002, 100, g3000, 1);
	CHECK(access_may_open(c, "vale0:vm1", true, &p, false), "group 3000 monitors vm1");
	p = peer(1000, 100, NULL, 0);
	CHECK(!access_may_open(c, "vale0:vm1", true, &p, false), "uid 1000 may not monitor");
	/* Objects outside the file. */
	CHECK(!access_may_open(c, "vale9:x", false, &p, false), "unknown object: no");
	CHECK(access_may_open(c, "vale9:x", false, &p, true), "unknown object: admin yes");
	p = peer(0, 0, NULL, 0);
	CHECK(access_may_open(c, "vale9:x", false, &p, false), "root always");
	/* A name: root resolves to 0 (access_match without the root shortcut). */
	CHECK(access_match(access_rule_for(c, "vale0:vm1", false), &p), "user \"root\" matches uid 0");
	p = peer(1000, 100, NULL, 0);
	CHECK(!access_match(access_rule_for(c, "vale0:vm2", false), &p), "no rule matches nobody");
	/* groups_known false: getgrouplist of the uid's user (uid 0 is root, group 0). */
	p = peer(0, 12345, NULL, 0);
	p.groups_known = false;
	{
		struct nmd_access a = { .set = true };
		struct nmd_principal g0 = { .name = (char *)"0", .numeric = true, .id = 0 };

		a.groups = &g0;
		a.n_groups = 1;
		CHECK(access_match(&a, &p), "root's groups from the user database include 0");
	}

	/* The admin policy: numeric ids kept, unknown names skipped and counted. */
	r = access_policy_build(c, &pol, &bad);
	CHECK(r == 0, "policy builds");
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

	config_free(c);
	diags_done(&d);
	return check_summary();
}
