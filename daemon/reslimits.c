// SPDX-License-Identifier: BSD-2-Clause
/*
 * reslimits - RLIMIT_NOFILE and the RPC server's limits (see reslimits.h).
 */
#include "reslimits.h"

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <syslog.h>

#include "daemon.h"

int limits_raise_nofile(uint64_t *nofile)
{
	struct rlimit rl;
	int r = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		*nofile = 1024;
		return -errno;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t old = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			r = -errno;
			rl.rlim_cur = old;
		}
	}
	*nofile = rl.rlim_cur == RLIM_INFINITY ? UINT32_MAX : (uint64_t)rl.rlim_cur;
	return r;
}

unsigned limits_fd_clients(uint64_t nofile)
{
	uint64_t share;

	if (nofile <= 2 * LIMITS_FD_RESERVE)
		return 16;
	share = (nofile - LIMITS_FD_RESERVE) / 2;
	return share > 65536 ? 65536 : (unsigned)share;
}

void limits_rpc_options(const struct nmd_limits *l, uint64_t nofile,
			struct rpc_options *o, bool warn)
{
	static const struct nmd_limits none;
	unsigned share = limits_fd_clients(nofile);

	if (!l)
		l = &none;
	*o = (struct rpc_options){
		.max_line = l->max_request_bytes,
		.max_batch = (unsigned)l->max_batch,
		.max_reply = l->max_reply_bytes,
		.out_high = l->output_pause_bytes,
		.out_max = l->output_max_bytes,
		.out_total = l->output_total_bytes,
		.max_clients = l->max_clients ? (unsigned)l->max_clients : RPC_DEFAULT_MAX_CLIENTS,
		.max_clients_per_uid = (unsigned)l->max_clients_per_uid,
		.admin_reserve = (unsigned)l->admin_slots,
		.line_timeout_ms = (unsigned)l->line_timeout * 1000,
		.write_timeout_ms = (unsigned)l->write_timeout * 1000,
		.idle_timeout_ms = (unsigned)l->idle_timeout * 1000,
	};
	if (o->max_clients > share) {
		if (warn && l->max_clients)
			log_msg(LOG_WARNING, "limits.max_clients %u is more than the descriptor limit "
				"%llu allows; serving at most %u clients (raise LimitNOFILE=)",
				o->max_clients, (unsigned long long)nofile, share);
		o->max_clients = share;
	}
	if (o->max_clients_per_uid > o->max_clients)
		o->max_clients_per_uid = o->max_clients;
}

void limits_format(const struct rpc_options *o, uint64_t nofile, char *buf, size_t len)
{
	char idle[32] = "off";

	if (o->idle_timeout_ms)
		snprintf(idle, sizeof(idle), "%u s", o->idle_timeout_ms / 1000);
	snprintf(buf, len, "limits: %llu descriptors; %u clients (%u per uid, %u kept for admins); "
		 "requests %zu bytes, batches %u, replies %zu bytes; output %zu/%zu bytes per "
		 "client (pause/max), %zu in all; timeouts line %u s, write %u s, idle %s",
		 (unsigned long long)nofile, o->max_clients, o->max_clients_per_uid,
		 o->admin_reserve, o->max_line, o->max_batch, o->max_reply, o->out_high,
		 o->out_max, o->out_total, o->line_timeout_ms / 1000,
		 o->write_timeout_ms / 1000, idle);
}
