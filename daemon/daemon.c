// SPDX-License-Identifier: BSD-2-Clause
/*
 * daemon - the netmapd process (see daemon.h): start, the event loop,
 * reload, stop and systemd's notifications.
 *
 * Start, in order: configuration (invalid: exit 1, nothing touched), the
 * module (load it unless --no-module; write the runtime-writable
 * parameters that differ from the file, report the others as drift), the
 * kernel backend and the engine (which reads its state file and so knows
 * what it owned before a restart), the RPC server, the descriptors systemd
 * passed (the listening socket, the anchors of the fd store), the socket
 * (if systemd did not pass one), then the first apply. An apply that fails
 * at start is logged and leaves the daemon running with nothing applied
 * (STATUS= says so), so that an admin can fix the file and reload, or ask
 * over the socket what went wrong. Then READY=1.
 *
 * Stop (SIGTERM, SIGINT): STOPPING=1, close the socket and the clients, and
 * free the engine, which closes the anchor fds it holds (pipes without
 * another user vanish; under systemd the fd store keeps a copy, so they
 * survive a restart). Kernel objects that do not need an fd (persistent
 * ports, attachments) stay. With module.unload_on_stop the engine tears
 * down what it owns first, then the module is unloaded if nobody holds it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <event2/event.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "lint.h"
#include "capacity.h"
#include "daemon.h"
#include "fdstore.h"
#include "reslimits.h"
#include "module.h"
#include "observe.h"

/* ---- logging ------------------------------------------------------------ */

/* The journal fields of an action: the NIC, the port, the switch, its line. */
static void log_action(const struct nmd_config *c, const struct eng_action *a)
{
	char sw[NMD_IFNAMSIZ] = "";
	const char *colon = strchr(a->object, ':');
	bool nic = a->kind == ENG_NIC_PREPARE || a->kind == ENG_NIC_RESTORE;
	struct log_ctx ctx = { 0 };

	ctx.config_line = config_line(c, a->mark.line, &ctx.config_file);
	if (colon && (size_t)(colon - a->object) < sizeof(sw)) {
		memcpy(sw, a->object, (size_t)(colon - a->object));
		sw[colon - a->object] = '\0';
		ctx.sw = sw;
	}
	if (nic)
		ctx.interface = a->object;
	else
		ctx.port = a->object;
	log_fields(LOG_INFO, NMD_MSGID_APPLIED, &ctx, "applied: %s", a->text);
}

/* ---- systemd ------------------------------------------------------------ */

void daemon_status(struct nmd_daemon *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->status, sizeof(d->status), fmt, ap);
	va_end(ap);
	sd_notifyf(0, "STATUS=%s", d->status);
}

const char *daemon_health_name(enum nmd_health h)
{
	switch (h) {
	case NMD_HEALTH_APPLIED:
		return "applied";
	case NMD_HEALTH_NOT_APPLIED:
		return "not-applied";
	case NMD_HEALTH_DEGRADED:
		return "degraded";
	case NMD_HEALTH_CONFIRMING:
		return "confirming";
	case NMD_HEALTH_STARTING:
		break;
	}
	return "starting";
}

void daemon_health(struct nmd_daemon *d, enum nmd_health h, const char *fmt, ...)
{
	const char *file = d->config ? d->config->file : d->config_path;
	va_list ap;

	d->health = h;
	d->health_why[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(d->health_why, sizeof(d->health_why), fmt, ap);
		va_end(ap);
	}
	if (h == NMD_HEALTH_APPLIED) {
		d->applied_at = time(NULL);
		daemon_status(d, "running %s", file);
	} else {
		daemon_status(d, "%s: %s", daemon_health_name(h), d->health_why);
	}
}

void daemon_event(struct nmd_daemon *d, const char *type, json_t *fields)
{
	json_t *p = fields ? fields : json_object();

	if (!p)
		return;
	json_object_set_new(p, "type", json_string(type));
	json_object_set_new(p, "time", json_integer((json_int_t)time(NULL)));
	if (d->rpc)
		rpc_server_notify(d->rpc, "event", p);
	json_decref(p);
}

/* ---- configuration ------------------------------------------------------ */

/* @c (owned) checked for capacity: into *@ret, or freed with the reasons in @diag. */
static int load_checked(struct nmd_config *c, struct nmd_config **ret, struct diags *diag)
{
	struct capacity *cap = NULL;
	int r;

	r = capacity_check(c, &cap, diag);
	if (r == 0) {
		uint64_t total, avail;

		/* Whatever max_mem_mb says, the regions must fit in the RAM. */
		if (capacity_host_memory(NULL, &total, &avail) == 0)
			r = capacity_check_host(cap, total, 0, diag, NULL);
	}
	capacity_free(cap);
	if (r < 0) {
		config_free(c);
		return r;
	}
	diags_sort(diag);
	*ret = c;
	return 0;
}

int daemon_load_config(const char *path, const char *name, const char *yaml,
		       struct nmd_config **ret, struct diags *diag)
{
	struct nmd_config *c = NULL;
	int r;

	if (yaml)
		r = config_load_buffer(name, yaml, strlen(yaml), &c, diag);
	else
		r = config_load(path, &c, diag);
	return r < 0 ? r : load_checked(c, ret, diag);
}

int daemon_load_texts(const char *name, const struct nmd_config_text *v, size_t n,
		      struct nmd_config **ret, struct diags *diag)
{
	struct nmd_config *c = NULL;
	int r = config_load_texts(name, v, n, &c, diag);

	return r < 0 ? r : load_checked(c, ret, diag);
}

static void set_policy(struct nmd_daemon *d)
{
	struct rpc_policy p;
	unsigned bad = 0;

	if (!d->rpc || !d->config)
		return;
	if (access_policy_build(d->config, &p, &bad) < 0) {
		log_msg(LOG_ERR, "out of memory building the admin policy");
		return;
	}
	if (bad)
		log_msg(LOG_WARNING, "%u admin user(s)/group(s) of %s do not exist", bad,
			d->config->file);
	if (rpc_server_set_policy(d->rpc, &p) < 0)
		log_msg(LOG_ERR, "out of memory setting the admin policy");
	access_policy_done(&p);
}

/* The RPC limits of the file in force (start, reload, apply). */
static void set_limits(struct nmd_daemon *d)
{
	struct rpc_options ro, in_force;
	char msg[sizeof(d->limits_msg)];

	if (!d->rpc || !d->config)
		return;
	limits_rpc_options(&d->config->limits, d->nofile, &ro, true);
	rpc_server_set_limits(d->rpc, &ro, &in_force);
	limits_format(&in_force, d->nofile, msg, sizeof(msg));
	if (strcmp(msg, d->limits_msg) != 0)
		log_msg(LOG_INFO, "%s", msg);
	snprintf(d->limits_msg, sizeof(d->limits_msg), "%s", msg);
}

static void sync_module_params(struct nmd_daemon *d)
{
	struct module_param_state st[MP__COUNT];
	unsigned fixed = 0, left = 0;
	int r;

	if (module_is_loaded(d->opts.sysfs_root, d->module_name) <= 0)
		return;
	r = module_params_sync(d->opts.sysfs_root, d->module_name, d->config, &fixed, &left);
	if (r < 0)
		log_msg(LOG_WARNING, "module %s: writing a parameter failed: %s", d->module_name,
			strerror(-r));
	if (fixed)
		log_msg(LOG_INFO, "module %s: %u runtime parameter(s) set as %s says",
			d->module_name, fixed, d->config->file);
	if (!left || module_params_read(d->opts.sysfs_root, d->module_name, d->config, st) < 0)
		return;
	for (size_t i = 0; i < MP__COUNT; i++)
		if (st[i].drift)
			log_msg(LOG_WARNING,
				"module %s: parameter %s is %lld, %s wants %lld (%s)",
				d->module_name, modparams[i].name, (long long)st[i].value,
				d->config->file, (long long)st[i].want,
				st[i].writable && !modparams[i].load_only
					? "write refused"
					: "fixed at load: reload the module to change it");
}

void daemon_log_lint(const struct nmd_config *c)
{
	struct diags w;

	if (config_diags_init(&w, c) < 0)
		return;
	config_lint(c, &w);
	diags_sort(&w);
	log_diags(LOG_WARNING, &w);
	diags_done(&w);
}

/*
 * Anchors this apply closes leave the fd store first, or systemd's copy
 * keeps their pipe (and its parent) busy. Returns how many left.
 */
static size_t release_closing_anchors(struct nmd_daemon *d, const struct nmd_config *c)
{
	struct eng_plan pre = { 0 };
	struct diags tmp;
	size_t released = 0;

	if (!d->n_stored || diags_init(&tmp, "plan") < 0)
		return 0;
	if (engine_plan(d->engine, c, &pre, &tmp) == 0)
		released = fdstore_release(d, &pre);
	eng_plan_done(&pre);
	diags_done(&tmp);
	return released;
}

/*
 * engine_apply(). systemd drops the anchors released from its store
 * asynchronously: an apply that then fails with EBUSY is tried again for a
 * while (each failure rolled back completely).
 */
static int apply_retrying(struct nmd_daemon *d, struct nmd_config *c, struct eng_plan *pl,
			  struct diags *diag, size_t released)
{
	int r = engine_apply(d->engine, c, pl, diag);

	for (int tries = 0; r == -EBUSY && released && tries < 20; tries++) {
		char name[PATH_MAX];

		snprintf(name, sizeof(name), "%s", diag->file ? diag->file : c->file);
		diags_done(diag);
		if (diags_init(diag, name) < 0)
			return -ENOMEM;
		if (!tries)
			log_msg(LOG_INFO, "apply: a pipe is still busy; waiting for the fd store "
				"to let go of its anchor");
		usleep(100 * 1000);
		eng_plan_done(pl);
		r = engine_apply(d->engine, c, pl, diag);
	}
	return r;
}

/* @c is in force: the policy, limits, module parameters and fd store follow; event and log. */
static void applied(struct nmd_daemon *d, const struct nmd_config *c, const struct eng_plan *pl)
{
	json_t *ev;

	d->applies++;
	set_policy(d);
	set_limits(d);
	sync_module_params(d);
	fdstore_sync(d);
	ev = json_pack("{s:s, s:I, s:o*}", "config", c->file, "actions", (json_int_t)pl->n,
		       "plan", eng_plan_to_json(pl, c));
	daemon_event(d, "topology.applied", ev);
	for (size_t i = 0; i < pl->n; i++)
		log_action(c, &pl->v[i]);
}

int daemon_apply_keep(struct nmd_daemon *d, struct nmd_config *c, struct eng_plan *done,
		      struct diags *diag, struct nmd_config **prev)
{
	struct eng_plan local = { 0 };
	struct eng_plan *pl = done ? done : &local;
	struct nmd_config *old;
	int r;

	r = apply_retrying(d, c, pl, diag, release_closing_anchors(d, c));
	if (r == -ENOMEM && !diag->file) {	/* diags_init() failed between two tries */
		eng_plan_done(&local);
		return r;
	}
	if (r < 0) {
		fdstore_sync(d); /* what the rollback re-opened goes back to the store */
		eng_plan_done(&local);
		log_fields(LOG_ERR, NMD_MSGID_ROLLBACK,
			   &(struct log_ctx){ .config_file = c->file, .err = -r },
			   "applying %s failed, rolled back: %s", c->file, strerror(-r));
		diags_sort(diag);
		log_diags_fields(LOG_ERR, NMD_MSGID_ROLLBACK, diag, -r, c);
		return r;
	}
	old = d->config;
	d->config = c;
	if (prev)
		*prev = old != c ? old : NULL;
	else if (old != c)
		config_free(old);
	if (!prev)
		confirm_forget(d);	/* this apply replaces an unconfirmed one's record */
	applied(d, c, pl);
	eng_plan_done(&local);
	return 0;
}

int daemon_apply(struct nmd_daemon *d, struct nmd_config *c, struct eng_plan *done,
		 struct diags *diag)
{
	return daemon_apply_keep(d, c, done, diag, NULL);
}

/* After a refused reload: what ran before still runs, the file is not in force. */
static void reload_refused(struct nmd_daemon *d, const char *why)
{
	if (d->health == NMD_HEALTH_NOT_APPLIED)
		daemon_health(d, NMD_HEALTH_NOT_APPLIED, "reload refused, nothing applied: %s", why);
	else
		daemon_health(d, NMD_HEALTH_DEGRADED,
			      "reload refused, the previous topology runs: %s", why);
}

/* A reload whose file is not valid (error @r, reasons in @diag): nothing changed. Returns @r. */
static int reload_invalid(struct nmd_daemon *d, struct diags *diag, int r)
{
	char first[DIAG_MSG_MAX + 512] = "";

	d->reload_failures++;
	diags_sort(diag);
	log_fields(LOG_ERR, NMD_MSGID_RELOAD_REFUSED,
		   &(struct log_ctx){ .config_file = d->config_path, .err = -r },
		   "reload: %s is not valid; the running topology is unchanged:",
		   d->config_path);
	log_diags_fields(LOG_ERR, NMD_MSGID_RELOAD_REFUSED, diag, -r, NULL);
	if (diag->n)
		diag_format(diag, 0, first, sizeof(first));
	reload_refused(d, first[0] ? first : strerror(-r));
	daemon_event(d, "reload.failed",
		     json_pack("{s:s, s:s}", "config", d->config_path, "reason",
			       first[0] ? first : strerror(-r)));
	sd_notify(0, "READY=1");
	return r;
}

/* A reload whose apply failed (error @r) and was rolled back. Returns @r. */
static int reload_apply_failed(struct nmd_daemon *d, int r)
{
	d->reload_failures++;
	d->reload_apply_failed = true;
	log_fields(LOG_ERR, NMD_MSGID_RELOAD_REFUSED,
		   &(struct log_ctx){ .config_file = d->config_path, .err = -r },
		   "reload: applying %s failed, the previous topology is kept: %s",
		   d->config_path, strerror(-r));
	/* daemon_apply() logged the reasons, with their fields. */
	reload_refused(d, strerror(-r));
	daemon_event(d, "reload.failed",
		     json_pack("{s:s, s:s}", "config", d->config_path, "reason", strerror(-r)));
	sd_notify(0, "READY=1");
	return r;
}

int daemon_reload(struct nmd_daemon *d, struct diags *diag)
{
	struct nmd_config *c = NULL;
	struct timespec ts;
	int r;

	if (d->confirm_prev) {
		d->reload_failures++;
		log_msg(LOG_ERR, "reload refused: an apply waits for confirmation (nmctl confirm), "
			"or its rollback in %lld s", (long long)(d->confirm_deadline - time(NULL)));
		diag_add(diag, 0, 0, "an apply waits for confirmation: `nmctl confirm` it, or wait "
			 "for its rollback, then reload");
		return -EBUSY;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ull +
			   (unsigned long long)ts.tv_nsec / 1000);
	d->reloads++;
	d->reload_apply_failed = false;
	log_msg(LOG_INFO, "reloading %s", d->config_path);
	r = daemon_load_config(d->config_path, NULL, NULL, &c, diag);
	if (r < 0)
		return reload_invalid(d, diag, r);
	daemon_log_lint(c);
	r = daemon_apply(d, c, NULL, diag);
	if (r < 0) {
		config_free(c);
		return reload_apply_failed(d, r);
	}
	daemon_health(d, NMD_HEALTH_APPLIED, NULL);
	daemon_status(d, "running %s (reloaded)", d->config_path);
	log_msg(LOG_INFO, "reloaded %s", d->config_path);
	sd_notify(0, "READY=1");
	return 0;
}

/* ---- the loop ----------------------------------------------------------- */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct nmd_daemon *d = arg;
	struct diags diag;

	(void)what;
	if (sig == SIGHUP) {
		if (diags_init(&diag, d->config_path) < 0) {
			log_msg(LOG_ERR, "reload: out of memory");
			return;
		}
		daemon_reload(d, &diag);
		diags_done(&diag);
		return;
	}
	log_msg(LOG_INFO, "%s: stopping", strsignal((int)sig));
	d->stopping = true;
	event_base_loopbreak(d->base);
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}

/* Every OBSERVE_PERIOD_S: log what drifted on the prepared NICs. */
static void on_observe(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	observe_nics(arg);
}

static int mkdir_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int listen_socket(struct nmd_daemon *d)
{
	const char *path = d->opts.socket_path ? d->opts.socket_path : d->config->socket.path;
	gid_t gid = (gid_t)-1;
	int r;

	if (d->config->socket.group.name && !access_resolve_group(&d->config->socket.group, &gid)) {
		log_msg(LOG_WARNING, "socket group %s does not exist; %s keeps root's group",
			d->config->socket.group.name, path);
		gid = (gid_t)-1;
	}
	r = mkdir_parent(path);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot create the folder of %s", path);
	r = rpc_server_listen_path(d->rpc, path, d->config->socket.mode, gid);
	if (r < 0)
		return log_errno(LOG_ERR, r, "cannot listen on %s", path);
	log_msg(LOG_INFO, "listening on %s (mode %04o)", path, d->config->socket.mode);
	return 0;
}

static void daemon_cleanup(struct nmd_daemon *d)
{
	for (size_t i = 0; i < ELEMENTSOF(d->ev_sig); i++)
		if (d->ev_sig[i])
			event_free(d->ev_sig[i]);
	if (d->ev_watchdog)
		event_free(d->ev_watchdog);
	if (d->ev_observe)
		event_free(d->ev_observe);
	free(d->drift);
	confirm_cancel(d);
	rpc_server_free(d->rpc);
	d->rpc = NULL;
	holders_free(d);
	engine_free(d->engine);
	d->engine = NULL;
	if (d->kern_real)
		kern_netmap_close(&d->kern);
	config_free(d->config);
	d->config = NULL;
	free(d->stored);
	if (d->base)
		event_base_free(d->base);
}

static void stop_module(struct nmd_daemon *d)
{
	struct diags diag;
	char why[256] = "";
	int r;

	if (!d->config || !d->config->module.unload_on_stop || d->opts.no_module)
		return;
	if (config_diags_init(&diag, d->config) == 0) {
		r = engine_teardown(d->engine, &diag);
		if (r < 0) {
			log_msg(LOG_WARNING, "teardown: %s", strerror(-r));
			log_diags(LOG_WARNING, &diag);
		}
		diags_done(&diag);
	}
	/* The anchors go with the engine; the module may only go after. */
	engine_free(d->engine);
	d->engine = NULL;
	r = module_unload(d->opts.sysfs_root, d->module_name, why, sizeof(why));
	if (r < 0)
		log_msg(LOG_WARNING, "module %s not unloaded: %s", d->module_name,
			why[0] ? why : strerror(-r));
	else
		log_msg(LOG_INFO, "module %s unloaded", d->module_name);
}

/* The daemon's state with the options' defaults, the descriptor limit raised; NULL: out of memory. */
static struct nmd_daemon *daemon_new(const struct daemon_opts *opts)
{
	struct nmd_daemon *d = calloc(1, sizeof(*d));
	int r;

	if (!d) {
		log_msg(LOG_ERR, "out of memory");
		return NULL;
	}
	d->opts = *opts;
	if (!d->opts.dev)
		d->opts.dev = "/dev/netmap";
	if (!d->opts.sysfs_root)
		d->opts.sysfs_root = MODULE_SYSFS_ROOT;
	if (!d->opts.state_path)
		d->opts.state_path = NMD_STATE_DEFAULT;
	snprintf(d->config_path, sizeof(d->config_path), "%s",
		 opts->config_path ? opts->config_path : CONFIG_DEFAULT_PATH);
	d->started = time(NULL);
	d->next_handle = 1;
	signal(SIGPIPE, SIG_IGN);
	r = limits_raise_nofile(&d->nofile);
	if (r < 0)
		log_msg(LOG_WARNING, "cannot raise the descriptor limit: %s; it stays %llu",
			strerror(-r), (unsigned long long)d->nofile);
	return d;
}

/* Start, 1. The configuration: invalid means nothing is touched. */
static int start_config(struct nmd_daemon *d)
{
	struct diags diag;
	int r;

	if (diags_init(&diag, d->config_path) < 0)
		return -ENOMEM;
	r = daemon_load_config(d->config_path, NULL, NULL, &d->config, &diag);
	if (r < 0) {
		diags_sort(&diag);
		log_msg(LOG_ERR, "%s is not valid:", d->config_path);
		log_diags(LOG_ERR, &diag);
	}
	diags_done(&diag);
	if (r < 0)
		return r;
	daemon_log_lint(d->config);
	module_name(&d->config->module, d->module_name, sizeof(d->module_name));
	return 0;
}

/* Start, 2. The module: loaded (unless --no-module), its parameters as the file says. */
static int start_module(struct nmd_daemon *d)
{
	char why[512] = "";
	int r;

	if (!d->opts.no_module) {
		r = module_load(d->config, why, sizeof(why));
		if (r < 0) {
			log_msg(LOG_ERR, "cannot load the module: %s", why[0] ? why : strerror(-r));
			return r;
		}
	}
	if (module_is_loaded(d->opts.sysfs_root, d->module_name) <= 0)
		log_msg(LOG_WARNING, "module %s is not loaded", d->module_name);
	if (access(d->opts.dev, F_OK) < 0) {
		char devwhy[256];

		log_msg(LOG_ERR, "%s", kern_dev_why(d->opts.dev, -errno, devwhy, sizeof(devwhy)));
	}
	sync_module_params(d);
	return 0;
}

/* Start, 3. Kernel backend and engine (which adopts what the state file says it owned). */
static int start_engine(struct nmd_daemon *d)
{
	struct diags diag, notes;
	int r;

	r = kern_netmap_new(d->opts.dev, &d->kern);
	if (r < 0)
		return log_errno(LOG_ERR, r, "%s", d->opts.dev);
	d->kern_real = true;
	if (diags_init(&diag, d->opts.state_path) < 0)
		return -ENOMEM;
	if (diags_init(&notes, d->opts.state_path) < 0) {
		diags_done(&diag);
		return -ENOMEM;
	}
	r = engine_start(&d->kern, d->opts.state_path, &d->engine, &diag, &notes);
	/* A damaged state file is set aside: loud, but the daemon starts. */
	log_diags(LOG_ERR, &diag);
	log_diags(LOG_WARNING, &notes);
	diags_done(&notes);
	diags_done(&diag);
	if (r < 0)
		return log_errno(LOG_ERR, r, "state %s", d->opts.state_path);
	return 0;
}

/* Start, 4. RPC server, systemd's fds, the socket. */
static int start_rpc(struct nmd_daemon *d)
{
	struct rpc_options ro = { .log = log_rpc };
	bool have_socket = false;
	int r;

	d->base = event_base_new();
	if (!d->base) {
		log_msg(LOG_ERR, "libevent: cannot create the loop");
		return -ENOMEM;
	}
	r = rpc_server_new(d->base, nmd_methods, nmd_n_methods, &ro, d, &d->rpc);
	if (r < 0)
		return log_errno(LOG_ERR, r, "rpc");
	set_policy(d);
	set_limits(d);
	fdstore_collect(d, &have_socket);
	return have_socket ? 0 : listen_socket(d);
}

/*
 * Start, 5. The first apply. A failure leaves the daemon running with
 * nothing applied (health NOT_APPLIED); only out of memory stops it.
 */
static int first_apply(struct nmd_daemon *d)
{
	struct nmd_config *c = d->config;
	struct diags diag;
	int r;

	if (config_diags_init(&diag, c) < 0)
		return -ENOMEM;
	/* An unconfirmed apply is rolled back instead; c may be freed after it
	 * and confirm_recover() set the health. */
	r = confirm_recover(d) ? 0 : daemon_apply(d, c, NULL, &diag);
	if (r < 0) {
		char first[DIAG_MSG_MAX + 512] = "";

		diags_sort(&diag);
		log_fields(LOG_ERR, NMD_MSGID_APPLY_FAILED,
			   &(struct log_ctx){ .config_file = c->file, .err = -r },
			   "applying %s failed, nothing applied: %s", c->file, strerror(-r));
		if (diag.n)
			diag_format(&diag, 0, first, sizeof(first));
		daemon_health(d, NMD_HEALTH_NOT_APPLIED, "%s is not applied: %s", c->file,
			      first[0] ? first : strerror(-r));
	} else if (d->health == NMD_HEALTH_STARTING) {
		daemon_health(d, NMD_HEALTH_APPLIED, NULL);
	}
	diags_done(&diag);
	return 0;
}

/* Start, 6. Signals, the watchdog, the NIC observer. */
static int start_events(struct nmd_daemon *d)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	struct timeval observe = { .tv_sec = OBSERVE_PERIOD_S };
	uint64_t wd_usec = 0;

	for (size_t i = 0; i < ELEMENTSOF(sigs); i++) {
		d->ev_sig[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		if (!d->ev_sig[i] || evsignal_add(d->ev_sig[i], NULL) < 0) {
			log_msg(LOG_ERR, "libevent: cannot watch signal %d", sigs[i]);
			return -ENOMEM;
		}
	}
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec) {
		struct timeval tv = { .tv_sec = (time_t)(wd_usec / 2 / 1000000),
				      .tv_usec = (suseconds_t)(wd_usec / 2 % 1000000) };

		d->ev_watchdog = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
		if (d->ev_watchdog)
			event_add(d->ev_watchdog, &tv);
	}
	d->ev_observe = event_new(d->base, -1, EV_PERSIST, on_observe, d);
	if (d->ev_observe)
		event_add(d->ev_observe, &observe);
	return 0;
}

/*
 * READY=1 either way: after a failed first apply the daemon is ready in the
 * documented degraded state (STATUS= says "not-applied: ...", `nmctl status`
 * exits 5, `nmctl wait` times out), so that the file can be fixed and
 * reloaded and the socket says what went wrong.
 */
static void announce_ready(struct nmd_daemon *d)
{
	sd_notify(0, "READY=1");
	if (d->health == NMD_HEALTH_APPLIED)
		log_msg(LOG_INFO, "ready (pid %d)", (int)getpid());
	else
		log_msg(LOG_WARNING, "ready (pid %d), degraded: %s", (int)getpid(), d->health_why);
}

int daemon_run(const struct daemon_opts *opts)
{
	struct nmd_daemon *d;
	int rc = 1;

	log_setup(opts->verbose);
	d = daemon_new(opts);
	if (!d)
		return 1;
	if (start_config(d) < 0 || start_module(d) < 0 || start_engine(d) < 0 ||
	    start_rpc(d) < 0 || first_apply(d) < 0 || start_events(d) < 0)
		goto out;
	announce_ready(d);

	event_base_dispatch(d->base);

	sd_notify(0, "STOPPING=1");
	daemon_status(d, "stopping");
	rc = 0;
	rpc_server_free(d->rpc);
	d->rpc = NULL;
	holders_free(d);
	stop_module(d);
out:
	daemon_cleanup(d);
	free(d);
	return rc;
}
