// SPDX-License-Identifier: BSD-2-Clause
/*
 * methods - netmapd's RPC method table and the methods that are not about
 * port handles (those are in methods_port.c). Each handler gets the
 * daemon (struct nmd_daemon) as the server's userdata.
 *
 *   status            public  what runs: config, module, holders, counters
 *   module.info       public  module name, loaded, refcnt, parameters, drift
 *   topology.get      public  the topology as observed and owned (engine), and
 *                             the file's memory regions with who reaches them
 *   topology.plan     public  {"file": PATH} (admin only: the daemon reads
 *                             it as root) or {"config": YAML} or nothing
 *                             (the configuration in force): the actions
 *   topology.apply    admin   the same params; plan and apply, or nothing;
 *                             "confirm": SECONDS rolls it back unless
 *                             topology.confirm comes in time
 *   switch.list       public  VALE_LIST grouped by switch
 *   port.list         public  the port handles given out and their holders
 *   port.open         public  (the object's access rule) a port fd
 *   port.close        public  (the holder or an admin) drop a handle
 *   events.subscribe / events.unsubscribe  public
 *   stats             public  counters of every port, pipe end, NIC, monitor
 *                             (observe.c), RPC server counters
 *   object.get        public  {"name"}: one object in detail (read in observe.c)
 *   doctor            public  the daemon's checks of what it runs (observe.c)
 *   reload            admin   reload the configuration file (as SIGHUP)
 *   topology.confirm  admin   keep an apply made with "confirm" (confirm.c)
 *
 * A configuration refused by the loader or the capacity check is error
 * RPC_ERR_CONFIG with data {"errors": ["file:line:col: message", ...]}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <net/netmap.h>

#include "daemon.h"
#include "lint.h"
#include "module.h"
#include "observe.h"
#include "regions.h"

#ifndef NETMAPD_VERSION
#define NETMAPD_VERSION "unknown"
#endif

static json_t *diags_json(const struct diags *d)
{
	char buf[DIAG_MSG_MAX + 512];
	json_t *a = json_array();

	for (size_t i = 0; a && i < d->n; i++)
		json_array_append_new(a, json_string(diag_format(d, i, buf, sizeof(buf))));
	if (a && d->truncated)
		json_array_append_new(a, json_string("(more not shown)"));
	return a;
}

static int config_error(struct rpc_call *call, int r, const struct diags *d)
{
	if (r == -ENOMEM)
		return rpc_call_errno(call, r, "Out of memory");
	return rpc_call_error(call, RPC_ERR_CONFIG, json_pack("{s:o}", "errors", diags_json(d)),
			      "Configuration refused: %zu problem%s", d->n, d->n == 1 ? "" : "s");
}

/* The parameters of topology.plan and topology.apply. */
struct config_params {
	const char *file;   /* a path, for admins */
	const char *config; /* or the YAML text itself */
	const char *name;   /* labels the text in messages */
	json_int_t confirm; /* apply only: seconds until the rollback, 0 none */
};

static int check_confirm(struct rpc_call *call, const char *path, json_t *v, void *at)
{
	json_int_t s = json_integer_value(v);

	if (s < 1 || s > 86400)
		return rpc_param_error(call, path, "a number of seconds, 1 to 86400");
	*(json_int_t *)at = s;
	return 0;
}

#define CONFIG_PARAMS                                                                  \
	RPC_PARAM_FIELD("file", RPC_PARAM_STRING, 0, struct config_params, file, NULL),         \
	RPC_PARAM_FIELD("config", RPC_PARAM_STRING, 0, struct config_params, config, NULL),     \
	RPC_PARAM_FIELD("name", RPC_PARAM_STRING, 0, struct config_params, name, NULL)

static const struct rpc_param plan_params[] = {
	CONFIG_PARAMS,
	{}
};

static const struct rpc_param apply_params[] = {
	CONFIG_PARAMS,
	RPC_PARAM_FIELD("confirm", RPC_PARAM_INTEGER, 0, struct config_params, confirm, check_confirm),
	{}
};

/*
 * The configuration a plan/apply call names: *c is a new one (owned by the
 * caller), or NULL with *use the daemon's (file/config both absent).
 */
static int params_config(struct rpc_call *call, const struct config_params *p, struct diags *d,
			 struct nmd_config **c)
{
	const char *file = p->file, *yaml = p->config, *name = p->name;
	int r;

	*c = NULL;
	/* "name" labels the text in messages only: short and printable, else "<config>". */
	if (name && (!yaml || !name[0] || strlen(name) > 255 ||
		     strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789/._-+@<>") != strlen(name)))
		name = NULL;
	if (file && yaml)
		return rpc_call_error(call, RPC_ERR_INVALID_PARAMS,
				      json_pack("{s:s}", "field", "config"),
				      "Give \"file\" or \"config\", not both");
	if (file && !rpc_call_is_admin(call))
		return rpc_call_error(call, RPC_ERR_PERMISSION, json_pack("{s:s}", "field", "file"),
				      "Reading a file by path is for admins; send its text as \"config\"");
	if (!file && !yaml)
		return 0;
	if (file && file[0] != '/')
		return rpc_call_error(call, RPC_ERR_INVALID_PARAMS,
				      json_pack("{s:s}", "field", "file"),
				      "\"file\" must be an absolute path");
	diags_done(d);
	if (diags_init(d, file ? file : name ? name : "<config>") < 0)
		return rpc_call_errno(call, -ENOMEM, "Out of memory");
	r = daemon_load_config(file, name ? name : "<config>", yaml, c, d);
	if (r < 0) {
		diags_sort(d);
		return config_error(call, r, d);
	}
	return 0;
}

/* @j (taken) as the call's result; NULL: -ENOMEM. */
static int set_result(struct rpc_call *call, json_t *j)
{
	if (!j)
		return -ENOMEM;
	rpc_call_set_result(call, j);
	return 0;
}

static int method_daemon_status(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	struct rpc_stats st;
	json_t *j;
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	rpc_server_get_stats(rpc_call_server(call), &st);
	j = json_pack(
		"{s:s, s:i, s:I, s:s, s:s, s:{s:s, s:b}, s:i, s:I, s:I, s:I, s:i}",
		"version", NETMAPD_VERSION, "pid", (int)getpid(),
		"uptime", (json_int_t)(time(NULL) - d->started),
		"config", d->config ? d->config->file : "",
		"status", d->status,
		"module", "name", d->module_name,
		"loaded", module_is_loaded(d->opts.sysfs_root, d->module_name) > 0,
		"handles", (int)d->n_holders,
		"applies", (json_int_t)d->applies, "reloads", (json_int_t)d->reloads,
		"reload_failures", (json_int_t)d->reload_failures,
		"clients", (int)st.clients);
	/* The device it opens (--device): nmctl doctor checks that one. */
	if (j)
		json_object_set_new(j, "device", json_string(d->opts.dev ? d->opts.dev : "/dev/netmap"));
	/* Handle records: how they are watched, pidfds, the caps in force. */
	if (j)
		json_object_set_new(j, "holders", holders_status_json(d));
	/* Health: nmctl status turns "state" into its exit code. */
	if (j) {
		char t[32];

		json_object_set_new(j, "state", json_string(daemon_health_name(d->health)));
		if (d->health_why[0])
			json_object_set_new(j, "reason", json_string(d->health_why));
		json_object_set_new(j, "started", json_string(iso_time(d->started, t, sizeof(t))));
		if (d->applied_at)
			json_object_set_new(j, "applied_at",
					    json_string(iso_time(d->applied_at, t, sizeof(t))));
		if (d->confirm_prev)
			json_object_set_new(j, "rollback_at",
					    json_string(iso_time(d->confirm_deadline, t, sizeof(t))));
	}
	rpc_call_set_result(call, j);
	return 0;
}

static int method_module_info(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	json_t *j;
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	j = module_info_json(d->opts.sysfs_root, d->module_name, d->config);
	return set_result(call, j);
}

/*
 * The memory regions of the file and who reaches them (regions.h):
 * [{"region", "kind", "objects": [...], "users": [...], "groups": [...],
 * "shared": objects granted differently, "allowed": a regions: entry}].
 * Root and admins reach every region and are not listed.
 */
static json_t *regions_json(const struct nmd_config *c)
{
	struct regions rs;
	json_t *a = json_array();

	if (!a || !c || regions_compute(c, &rs) < 0)
		return a;
	for (size_t i = 0; i < rs.n; i++) {
		const struct region *g = &rs.v[i];
		json_t *o = json_array(), *u = json_array(), *gr = json_array();

		for (size_t k = 0; o && k < g->n_objs; k++)
			json_array_append_new(o, json_string(g->objs[k].what));
		for (size_t k = 0; u && k < g->n_users; k++)
			json_array_append_new(u, json_string(g->users[k]->name));
		for (size_t k = 0; gr && k < g->n_groups; k++)
			json_array_append_new(gr, json_string(g->groups[k]->name));
		json_array_append_new(a, json_pack("{s:s, s:s, s:o*, s:o*, s:o*, s:b, s:b}", "region",
						   g->name, "kind", g->kind, "objects", o, "users", u,
						   "groups", gr, "shared", g->mixed, "allowed",
						   g->share != NULL));
	}
	regions_done(&rs);
	return a;
}

static int method_topology_get(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	json_t *j;
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	j = engine_topology_json(d->engine);
	if (!j)
		return -ENOMEM;
	if (json_is_object(j) && d->config) {
		json_object_set_new(j, "config", json_string(d->config->file));
		json_object_set_new(j, "regions", regions_json(d->config));
	}
	if (json_is_object(j))
		observe_topology(d, j);
	rpc_call_set_result(call, j);
	return 0;
}

static int method_topology_plan(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	struct nmd_config *c = NULL;
	struct config_params p = { 0 };
	struct eng_plan plan = { 0 };
	struct diags diag;
	int r;

	r = rpc_params(call, params, plan_params, &p);
	if (r < 0)
		return r;
	if (diags_init(&diag, "<config>") < 0)
		return -ENOMEM;
	r = params_config(call, &p, &diag, &c);
	if (r < 0)
		goto out;
	if (!c && !d->config) {
		r = rpc_call_error(call, RPC_ERR_STATE, NULL, "No configuration");
		goto out;
	}
	r = engine_plan(d->engine, c ? c : d->config, &plan, &diag);
	if (r < 0) {
		diags_sort(&diag);
		r = rpc_call_error(call, rpc_errno_to_code(r),
				   json_pack("{s:o}", "errors", diags_json(&diag)),
				   "Planning failed: %s", strerror(-r));
		goto out;
	}
	{
		struct diags w;
		json_t *warnings = NULL;

		/* What applies but is probably not meant (lint.h): "warnings". */
		if (config_diags_init(&w, c ? c : d->config) == 0) {
			config_lint(c ? c : d->config, &w);
			diags_sort(&w);
			warnings = diags_json(&w);
			diags_done(&w);
		}
		rpc_call_set_result(call, json_pack("{s:o, s:I, s:b, s:o*}", "actions",
						    eng_plan_to_json(&plan, c ? c : d->config), "conflicts",
						    (json_int_t)plan.conflicts, "empty", plan.n == 0,
						    "warnings", warnings));
	}
out:
	eng_plan_done(&plan);
	config_free(c);
	diags_done(&diag);
	return r;
}

/*
 * The health after an apply: applied, or waiting @confirm seconds for a
 * confirmation that keeps it (@prev, taken, is what the rollback
 * restores). Returns the seconds armed: 0 when there is nothing to roll
 * back to.
 */
static long apply_health(struct nmd_daemon *d, struct nmd_config *prev, long confirm)
{
	enum nmd_health was = d->health;

	if (!confirm) {
		daemon_health(d, NMD_HEALTH_APPLIED, NULL);
		return 0;
	}
	if (!prev || confirm_arm(d, prev, (unsigned)confirm) < 0) {
		confirm_forget(d);
		log_msg(LOG_WARNING, "apply: nothing to roll back to; applied without confirmation");
		daemon_health(d, NMD_HEALTH_APPLIED, NULL);
		return 0;
	}
	d->confirm_prev_health = was;
	snprintf(d->confirm_prev_why, sizeof(d->confirm_prev_why), "%s", d->health_why);
	daemon_health(d, NMD_HEALTH_CONFIRMING,
		      "rolled back in %ld s unless confirmed (nmctl confirm)", confirm);
	return confirm;
}

static int method_topology_apply(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	struct nmd_config *c = NULL, *prev = NULL;
	struct eng_plan done = { 0 };
	struct config_params p = { 0 };
	struct diags diag;
	long confirm;
	int r;

	r = rpc_params(call, params, apply_params, &p);
	if (r < 0)
		return r;
	confirm = (long)p.confirm;
	if (d->confirm_prev)
		return rpc_call_error(call, RPC_ERR_STATE, NULL,
				      "An apply waits for confirmation: `nmctl confirm` it, or wait for its rollback");
	if (diags_init(&diag, "<config>") < 0)
		return -ENOMEM;
	r = params_config(call, &p, &diag, &c);
	if (r < 0)
		goto out;
	if (!c) {
		/* No params: the configuration file again (as reload). */
		diags_done(&diag);
		if (diags_init(&diag, d->config_path) < 0) {
			r = -ENOMEM;
			goto out;
		}
		r = daemon_load_config(d->config_path, NULL, NULL, &c, &diag);
		if (r < 0) {
			diags_sort(&diag);
			r = config_error(call, r, &diag);
			goto out;
		}
	}
	if (confirm) {
		r = confirm_record(d, c, (unsigned)confirm, &diag);
		if (r < 0) {
			diags_sort(&diag);
			r = rpc_call_error(call, rpc_errno_to_code(r),
					   json_pack("{s:o}", "errors", diags_json(&diag)),
					   "Not applied: cannot record what to roll back to: %s",
					   strerror(-r));
			goto out;
		}
	}
	r = daemon_apply_keep(d, c, &done, &diag, confirm ? &prev : NULL);
	if (r < 0) {
		if (confirm)
			confirm_forget(d);
		diags_sort(&diag);
		r = rpc_call_error(call, r == -EINVAL ? RPC_ERR_KERNEL : rpc_errno_to_code(r),
				   json_pack("{s:o, s:i, s:s}", "errors", diags_json(&diag),
					     "errno", -r, "message", strerror(-r)),
				   "Apply failed, rolled back: %s", strerror(-r));
		goto out;
	}
	c = NULL; /* the daemon's now */
	confirm = apply_health(d, prev, confirm);
	rpc_call_set_result(call, json_pack("{s:o, s:I, s:I}", "actions", eng_plan_to_json(&done, d->config),
					    "applied", (json_int_t)done.n,
					    "confirm", (json_int_t)confirm));
out:
	eng_plan_done(&done);
	config_free(c);
	diags_done(&diag);
	return r;
}

static int method_config_reload(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	struct diags diag;
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	if (diags_init(&diag, d->config_path) < 0)
		return -ENOMEM;
	r = daemon_reload(d, &diag);
	if (r < 0) {
		diags_sort(&diag);
		if (r == -EBUSY && d->confirm_prev)
			r = rpc_call_error(call, RPC_ERR_STATE, json_pack("{s:o}", "errors", diags_json(&diag)),
					   "Reload refused: an apply waits for confirmation");
		else if (d->reload_apply_failed)
			/* A valid file the kernel or a NIC refused: not a configuration error. */
			r = rpc_call_error(call, r == -EINVAL ? RPC_ERR_KERNEL : rpc_errno_to_code(r),
					   json_pack("{s:o, s:i, s:s}", "errors", diags_json(&diag),
						     "errno", -r, "message", strerror(-r)),
					   "Reload failed while applying, rolled back: %s", strerror(-r));
		else if (r == -EINVAL || r == -ENOSPC || diag.n)
			r = config_error(call, r, &diag);
		else
			r = rpc_call_errno(call, r, "Reload failed");
	} else {
		rpc_call_set_result(call, json_pack("{s:b, s:s}", "reloaded", 1, "config",
						    d->config_path));
	}
	diags_done(&diag);
	return r;
}

/* The part before ':' of "vale0:p", or NULL. */
static json_t *switch_of(json_t *switches, const char *port)
{
	const char *colon = strchr(port, ':');
	char name[NMD_REQ_IFNAMSIZ];
	size_t n, i;
	json_t *sw;

	if (!colon || (size_t)(colon - port) >= sizeof(name))
		return NULL;
	n = (size_t)(colon - port);
	memcpy(name, port, n);
	name[n] = '\0';
	json_array_foreach(switches, i, sw)
		if (streq(json_string_value(json_object_get(sw, "name")), name))
			return sw;
	sw = json_pack("{s:s, s:[]}", "name", name, "ports");
	if (!sw || json_array_append_new(switches, sw) < 0)
		return NULL;
	return sw;
}

static int method_switch_list(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	struct kern_vale_port *v = NULL;
	size_t n = 0;
	json_t *switches;
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	r = d->kern.ops->vale_list(d->kern.ctx, &v, &n);
	if (r < 0)
		return rpc_call_errno(call, r, "VALE_LIST");
	switches = json_array();
	for (size_t i = 0; switches && i < n; i++) {
		json_t *sw = switch_of(switches, v[i].name);

		if (sw)
			json_array_append_new(json_object_get(sw, "ports"),
					      json_pack("{s:s, s:i, s:i}", "name", v[i].name,
							"bridge", (int)v[i].bridge_idx,
							"port", (int)v[i].port_idx));
	}
	free(v);
	if (!switches)
		return -ENOMEM;
	rpc_call_set_result(call, json_pack("{s:o}", "switches", switches));
	return 0;
}

static int method_daemon_stats(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	struct rpc_stats st;
	struct timespec now;
	json_t *ports;
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	ports = observe_stats_json(d);
	if (!ports)
		return -ENOMEM;
	/* When the counters were read, for rates (nmctl top). */
	clock_gettime(CLOCK_MONOTONIC, &now);
	rpc_server_get_stats(rpc_call_server(call), &st);
	rpc_call_set_result(call, json_pack(
		"{s:b, s:b, s:f, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i,"
		" s:I, s:I, s:I, s:I, s:I}}",
		"up", 1, "config_applied", d->applies > 0,
		"monotonic", (double)now.tv_sec + (double)now.tv_nsec / 1e9,
		"ports", ports, "rpc",
		"accepted", (json_int_t)st.accepted, "refused", (json_int_t)st.refused,
		"requests", (json_int_t)st.requests, "errors", (json_int_t)st.errors,
		"notifications", (json_int_t)st.notifications,
		"dropped_slow", (json_int_t)st.dropped_slow, "oversize", (json_int_t)st.oversize,
		"accept_pauses", (json_int_t)st.accept_pauses, "fds_sent", (json_int_t)st.fds_sent,
		"throttled", (json_int_t)st.throttled, "clients", (int)st.clients,
		"subscribers", (int)st.subscribers,
		"dropped_total", (json_int_t)st.dropped_total, "big_batches", (json_int_t)st.big_batches,
		"replies_cut", (json_int_t)st.replies_cut, "timeouts", (json_int_t)st.timeouts,
		"out_queued", (json_int_t)st.out_queued));
	return 0;
}

/* topology.confirm {}: keep an apply made with "confirm" (confirm.c). */
static int method_topology_confirm(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	if (!d->confirm_prev)
		return rpc_call_error(call, RPC_ERR_STATE, NULL,
				      "Nothing waits for confirmation (it was confirmed, or rolled back)");
	confirm_cancel(d);
	confirm_forget(d);
	daemon_health(d, NMD_HEALTH_APPLIED, NULL);
	log_msg(LOG_NOTICE, "apply of %s confirmed", d->config->file);
	daemon_event(d, "topology.confirmed", json_pack("{s:s}", "config", d->config->file));
	rpc_call_set_result(call, json_pack("{s:b, s:s}", "confirmed", 1, "config",
					    d->config->file));
	return 0;
}

/* object.get {"name"}: one object in detail (observe.c). */
static int method_object_get(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	static const struct rpc_param table[] = {
		{ .name = "name", .type = RPC_PARAM_STRING, .flags = RPC_PARAM_REQUIRED },
		{}
	};
	const char *name = NULL;
	json_t *j = NULL;
	int r = rpc_params(call, params, table, &name);

	if (r < 0)
		return r;
	r = observe_object_json(d, name, &j);
	if (r == -ENOENT)
		return rpc_call_error(call, RPC_ERR_NOT_FOUND, json_pack("{s:s}", "name", name),
				      "No object %s: `nmctl show` lists them", name);
	if (r < 0)
		return r;
	rpc_call_set_result(call, j);
	return 0;
}

/* doctor {}: the daemon's checks of what it runs (observe.c). */
static int method_daemon_doctor(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	json_t *j, *problems;
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	observe_nics(d);	/* what changed since the last look is logged now */
	problems = observe_doctor_json(d);
	if (!problems)
		return -ENOMEM;
	j = json_pack("{s:o, s:b, s:s, s:s}", "problems", problems, "config_applied",
		      d->applies > 0, "status", d->status, "module_version_expected",
		      NETMAPD_MODULE_VERSION);
	return set_result(call, j);
}

const struct rpc_method nmd_methods[] = {
	{ "status", method_daemon_status, RPC_PRIV_PUBLIC },
	{ "module.info", method_module_info, RPC_PRIV_PUBLIC },
	{ "topology.get", method_topology_get, RPC_PRIV_PUBLIC },
	{ "topology.plan", method_topology_plan, RPC_PRIV_PUBLIC },
	{ "topology.apply", method_topology_apply, RPC_PRIV_ADMIN },
	{ "switch.list", method_switch_list, RPC_PRIV_PUBLIC },
	{ "port.list", method_port_list, RPC_PRIV_PUBLIC },
	{ "port.open", method_port_open, RPC_PRIV_PUBLIC },
	{ "port.close", method_port_close, RPC_PRIV_PUBLIC },
	{ "events.subscribe", rpc_method_events_subscribe, RPC_PRIV_PUBLIC },
	{ "events.unsubscribe", rpc_method_events_unsubscribe, RPC_PRIV_PUBLIC },
	{ "stats", method_daemon_stats, RPC_PRIV_PUBLIC },
	{ "object.get", method_object_get, RPC_PRIV_PUBLIC },
	{ "doctor", method_daemon_doctor, RPC_PRIV_PUBLIC },
	{ "reload", method_config_reload, RPC_PRIV_ADMIN },
	{ "topology.confirm", method_topology_confirm, RPC_PRIV_ADMIN },
};
const size_t nmd_n_methods = ELEMENTSOF(nmd_methods);
