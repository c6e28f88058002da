// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_limits - the "limits:" section of netmapd.yaml (config.c) and how
 * the daemon turns it into the RPC server's limits with the descriptor
 * limit (daemon/reslimits.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "reslimits.h"

#include "check.h"

static int load(const char *yaml, struct nmd_config **c, struct diags *d)
{
	*c = NULL;
	if (diags_init(d, "t.yaml") < 0)
		return -ENOMEM;
	return config_load_buffer("t.yaml", yaml, strlen(yaml), c, d);
}

static bool has_msg(const struct diags *d, const char *text)
{
	char buf[1024];

	for (size_t i = 0; i < d->n; i++)
		if (strstr(diag_format(d, i, buf, sizeof(buf)), text))
			return true;
	return false;
}

static void test_parse(void)
{
	struct nmd_config *c;
	struct diags d;
	int r;

	r = load("version: 1\n"
		 "limits:\n"
		 "  max_clients: 300\n"
		 "  max_clients_per_uid: 20\n"
		 "  admin_slots: 8\n"
		 "  max_request_bytes: 32768\n"
		 "  max_batch: 16\n"
		 "  max_reply_bytes: 524288\n"
		 "  output_pause_bytes: 131072\n"
		 "  output_max_bytes: 1048576\n"
		 "  output_total_bytes: 33554432\n"
		 "  line_timeout: 5\n"
		 "  write_timeout: 20\n"
		 "  idle_timeout: 600\n", &c, &d);
	CHECK(r == 0 && c, "a full limits section loads (%d)", r);
	if (c) {
		const struct nmd_limits *l = &c->limits;

		CHECK(l->max_clients == 300 && l->max_clients_per_uid == 20 && l->admin_slots == 8 &&
		      l->max_request_bytes == 32768 && l->max_batch == 16 &&
		      l->max_reply_bytes == 524288 && l->output_pause_bytes == 131072 &&
		      l->output_max_bytes == 1048576 && l->output_total_bytes == 33554432 &&
		      l->line_timeout == 5 && l->write_timeout == 20 && l->idle_timeout == 600,
		      "every value read");
	}
	config_free(c);
	diags_done(&d);

	r = load("version: 1\n", &c, &d);
	CHECK(r == 0 && c && c->limits.max_clients == 0 && c->limits.idle_timeout == 0,
	      "no section: all defaults");
	config_free(c);
	diags_done(&d);

	r = load("version: 1\nlimits:\n  max_clints: 3\n", &c, &d);
	CHECK(r < 0 && has_msg(&d, "max_clints") && has_msg(&d, "max_clients"),
	      "a typo is refused with a suggestion");
	diags_done(&d);
	r = load("version: 1\nlimits:\n  max_batch: 0\n", &c, &d);
	CHECK(r < 0 && has_msg(&d, "max_batch"), "max_batch 0 is out of range");
	diags_done(&d);
	r = load("version: 1\nlimits:\n  max_request_bytes: 100\n", &c, &d);
	CHECK(r < 0 && has_msg(&d, "max_request_bytes"), "a request limit under 1 KiB is refused");
	diags_done(&d);
	r = load("version: 1\nlimits:\n  line_timeout: \"5\"\n", &c, &d);
	CHECK(r < 0 && has_msg(&d, "line_timeout"), "a quoted number is refused");
	diags_done(&d);
}

static void test_derive(void)
{
	struct nmd_limits l = { 0 };
	struct rpc_options o;

	/* The clients' share: half of what is above the reserve. */
	CHECK(limits_fd_clients(1024) == (1024 - LIMITS_FD_RESERVE) / 2, "1024 fds: %u",
	      limits_fd_clients(1024));
	CHECK(limits_fd_clients(100) == 16, "a tiny limit still serves a few");

	limits_rpc_options(NULL, 65536, &o, false);
	CHECK(o.max_clients == RPC_DEFAULT_MAX_CLIENTS && o.max_line == 0 && o.idle_timeout_ms == 0,
	      "defaults with plenty of fds: %u clients", o.max_clients);
	limits_rpc_options(NULL, 1024, &o, false);
	CHECK(o.max_clients == 480, "defaults with 1024 fds: %u clients", o.max_clients);

	l.max_clients = 5000;
	l.max_clients_per_uid = 9000;
	l.line_timeout = 3;
	l.idle_timeout = 60;
	l.max_request_bytes = 8192;
	limits_rpc_options(&l, 4096, &o, false);
	CHECK(o.max_clients == (4096 - LIMITS_FD_RESERVE) / 2 && o.max_clients_per_uid == o.max_clients,
	      "lowered to the fd share: %u (%u per uid)", o.max_clients, o.max_clients_per_uid);
	CHECK(o.line_timeout_ms == 3000 && o.idle_timeout_ms == 60000 && o.max_line == 8192,
	      "seconds to ms, bytes as given");
}

static void test_raise(void)
{
	struct rlimit rl;
	uint64_t n = 0;

	CHECK(limits_raise_nofile(&n) == 0, "raise");
	getrlimit(RLIMIT_NOFILE, &rl);
	CHECK(rl.rlim_cur == rl.rlim_max && n == (uint64_t)rl.rlim_cur, "soft = hard = %llu",
	      (unsigned long long)n);
}

static const struct check_case cases[] = {
	CHECK_CASE(parse),
	CHECK_CASE(derive),
	CHECK_CASE(raise),
};

CHECK_MAIN(cases)
