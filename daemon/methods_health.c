// SPDX-License-Identifier: BSD-2-Clause
/*
 * methods_health - an apply that must be confirmed (`nmctl apply --confirm
 * SECONDS`, as `netplan try`): topology.apply with "confirm": SECONDS keeps
 * the configuration it replaced and arms a timer; topology.confirm
 * forgets it; when the timer fires first, the previous configuration is
 * applied again (a normal apply: what the confirmed one added goes, what
 * it removed comes back) and "topology.rolled_back" is sent.
 *
 * While a confirmation is pending, the health is CONFIRMING, and reloads
 * and other applies are refused (RPC_ERR_STATE): a second change on top
 * of an unconfirmed one would make "roll back" ambiguous. Stopping the
 * daemon keeps what was applied (the next start applies the file again).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

void confirm_cancel(struct nmd_daemon *d)
{
	if (d->ev_confirm) {
		event_free(d->ev_confirm);
		d->ev_confirm = NULL;
	}
	config_free(d->confirm_prev);
	d->confirm_prev = NULL;
	d->confirm_deadline = 0;
}

static void on_confirm_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct nmd_daemon *d = arg;
	struct nmd_config *prev = d->confirm_prev;
	enum nmd_health back = d->confirm_prev_health;
	char why[DIAG_MSG_MAX + 512] = "";
	struct diags diag;
	int r;

	(void)fd;
	(void)what;
	d->confirm_prev = NULL;
	confirm_cancel(d);
	if (config_diags_init(&diag, prev) < 0) {
		config_free(prev);
		daemon_health(d, NMD_HEALTH_DEGRADED, "not confirmed in time, and out of memory "
			      "for the rollback");
		return;
	}
	log_msg(LOG_WARNING, "apply not confirmed in time: rolling back to %s", prev->file);
	r = daemon_apply(d, prev, NULL, &diag);
	if (r < 0) {
		diags_sort(&diag);
		log_diags(LOG_ERR, &diag);
		if (diag.n)
			diag_format(&diag, 0, why, sizeof(why));
		config_free(prev);
		log_msg(LOG_ERR, "rollback failed: %s", why[0] ? why : strerror(-r));
		daemon_health(d, NMD_HEALTH_DEGRADED, "an unconfirmed apply could not be rolled "
			      "back: %s", why[0] ? why : strerror(-r));
		daemon_event(d, "topology.rollback_failed",
			     json_pack("{s:s}", "reason", why[0] ? why : strerror(-r)));
	} else {
		if (back == NMD_HEALTH_APPLIED || back == NMD_HEALTH_CONFIRMING)
			daemon_health(d, NMD_HEALTH_APPLIED, NULL);
		else
			daemon_health(d, back, "%s", d->confirm_prev_why);
		log_msg(LOG_NOTICE, "rolled back to %s: the apply was not confirmed in time",
			d->config->file);
		daemon_event(d, "topology.rolled_back",
			     json_pack("{s:s, s:s}", "config", d->config->file, "reason",
				       "not confirmed in time"));
	}
	diags_done(&diag);
}

int confirm_arm(struct nmd_daemon *d, struct nmd_config *prev, unsigned seconds)
{
	struct timeval tv = { .tv_sec = (time_t)seconds };

	confirm_cancel(d);
	if (!d->base) {
		config_free(prev);
		return -EINVAL;
	}
	d->ev_confirm = evtimer_new(d->base, on_confirm_timeout, d);
	if (!d->ev_confirm || evtimer_add(d->ev_confirm, &tv) < 0) {
		config_free(prev);
		confirm_cancel(d);
		return -ENOMEM;
	}
	d->confirm_prev = prev;
	d->confirm_deadline = time(NULL) + (time_t)seconds;
	return 0;
}

int method_topology_confirm(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	int r = rpc_unpack(call, params, "{}");

	if (r < 0)
		return r;
	if (!d->confirm_prev)
		return rpc_call_error(call, RPC_ERR_STATE, NULL,
				      "Nothing waits for confirmation (it was confirmed, or rolled back)");
	confirm_cancel(d);
	daemon_health(d, NMD_HEALTH_APPLIED, NULL);
	log_msg(LOG_NOTICE, "apply of %s confirmed", d->config->file);
	daemon_event(d, "topology.confirmed", json_pack("{s:s}", "config", d->config->file));
	rpc_call_set_result(call, json_pack("{s:b, s:s}", "confirmed", 1, "config",
					    d->config->file));
	return 0;
}
