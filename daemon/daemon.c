// SPDX-License-Identifier: BSD-2-Clause
/*
 * daemon - the netmapd process (see daemon.h): start, the event loop,
 * reload, stop, logging and systemd's notifications.
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
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "lint.h"
#include "capacity.h"
#include "daemon.h"
#include "reslimits.h"
#include "module.h"
#include "observe.h"

/* ---- logging ------------------------------------------------------------ */

static bool log_journal, log_verbose;

void log_setup(bool verbose)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	log_verbose = verbose;
	log_journal = false;
	/* JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected; it is
	 * only ours if stderr is still that stream. */
	if (e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
		log_journal = true;
}

static void log_vmsg(int prio, const char *fmt, va_list ap)
{
	static const char *const prefix[] = {
		[LOG_EMERG] = "emergency: ", [LOG_ALERT] = "alert: ",
		[LOG_CRIT] = "critical: ",   [LOG_ERR] = "error: ",
		[LOG_WARNING] = "warning: ", [LOG_NOTICE] = "",
		[LOG_INFO] = "",             [LOG_DEBUG] = "debug: ",
	};
	char buf[2048];

	if (prio >= LOG_DEBUG && !log_verbose)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_journal) {
		sd_journal_print(prio, "%s", buf);
		return;
	}
	fprintf(stderr, "netmapd: %s%s\n", prio >= 0 && prio <= LOG_DEBUG ? prefix[prio] : "",
		buf);
}

void log_fields(int prio, const char *msgid, const struct log_ctx *ctx, const char *fmt, ...)
{
	char msg[2048], m[2100], f[8][512];
	struct iovec iov[9];
	int n = 0;
	va_list ap;

	if (prio >= LOG_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!log_journal) {
		log_msg(prio, "%s", msg);
		return;
	}
	/* sd_journal_sendv(): only the fields that are set. */
#define FIELD(...) snprintf(f[n], sizeof(f[n]), __VA_ARGS__), n++
	FIELD("PRIORITY=%d", prio);
	if (msgid)
		FIELD("MESSAGE_ID=%s", msgid);
	if (ctx && ctx->interface)
		FIELD("INTERFACE=%s", ctx->interface);
	if (ctx && ctx->port)
		FIELD("NETMAPD_PORT=%s", ctx->port);
	if (ctx && ctx->sw)
		FIELD("SWITCH=%s", ctx->sw);
	if (ctx && ctx->config_file)
		FIELD("CONFIG_FILE=%s", ctx->config_file);
	if (ctx && ctx->config_line)
		FIELD("CONFIG_LINE=%u", ctx->config_line);
	if (ctx && ctx->err)
		FIELD("ERRNO=%d", ctx->err);
#undef FIELD
	for (int i = 0; i < n; i++)
		iov[i] = (struct iovec){ .iov_base = f[i], .iov_len = strlen(f[i]) };
	snprintf(m, sizeof(m), "MESSAGE=%s", msg);
	iov[n++] = (struct iovec){ .iov_base = m, .iov_len = strlen(m) };
	sd_journal_sendv(iov, n);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
}

void log_diags(int prio, const struct diags *d)
{
	char buf[DIAG_MSG_MAX + 512];

	for (size_t i = 0; i < d->n; i++)
		log_msg(prio, "%s", diag_format(d, i, buf, sizeof(buf)));
	if (d->truncated)
		log_msg(prio, "%s: more problems not shown", d->file);
}

/* log_diags() with CONFIG_FILE=, CONFIG_LINE=, ERRNO= and @msgid per message. */
static void log_diags_fields(int prio, const char *msgid, const struct diags *d, int err)
{
	char buf[DIAG_MSG_MAX + 512];

	for (size_t i = 0; i < d->n; i++) {
		const char *file;
		unsigned line = diag_local_line(d, d->v[i].line, &file);

		log_fields(prio, msgid,
			   &(struct log_ctx){ .config_file = file ? file : d->file,
					      .config_line = line, .err = err },
			   "%s", diag_format(d, i, buf, sizeof(buf)));
	}
	if (d->truncated)
		log_fields(prio, msgid, &(struct log_ctx){ .config_file = d->file, .err = err },
			   "%s: more problems not shown", d->file);
}

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

void log_rpc(void *userdata, int prio, const char *msg)
{
	(void)userdata;
	log_msg(prio, "rpc: %s", msg);
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

int daemon_load_config(const char *path, const char *name, const char *yaml,
		       struct nmd_config **ret, struct diags *diag)
{
	struct nmd_config *c = NULL;
	struct capacity *cap = NULL;
	int r;

	if (yaml)
		r = config_load_buffer(name, yaml, strlen(yaml), &c, diag);
	else
		r = config_load(path, &c, diag);
	if (r < 0)
		return r;
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

int daemon_apply_keep(struct nmd_daemon *d, struct nmd_config *c, struct eng_plan *done,
		      struct diags *diag, struct nmd_config **prev)
{
	struct eng_plan local = { 0 };
	struct eng_plan *pl = done ? done : &local;
	struct nmd_config *old;
	size_t released = 0;
	int r;

	/*
	 * Anchors this apply closes leave the fd store first, or systemd's copy
	 * keeps their pipe (and its parent) busy. systemd drops them
	 * asynchronously: an apply that then fails with EBUSY is tried again
	 * for a while (each failure rolled back completely).
	 */
	if (d->n_stored) {
		struct eng_plan pre = { 0 };
		struct diags tmp;

		if (diags_init(&tmp, "plan") == 0) {
			if (engine_plan(d->engine, c, &pre, &tmp) == 0)
				released = fdstore_release(d, &pre);
			eng_plan_done(&pre);
			diags_done(&tmp);
		}
	}
	r = engine_apply(d->engine, c, pl, diag);
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
	if (r < 0) {
		fdstore_sync(d); /* what the rollback re-opened goes back to the store */
		eng_plan_done(&local);
		log_fields(LOG_ERR, NMD_MSGID_ROLLBACK,
			   &(struct log_ctx){ .config_file = c->file, .err = -r },
			   "applying %s failed, rolled back: %s", c->file, strerror(-r));
		diags_sort(diag);
		log_diags_fields(LOG_ERR, NMD_MSGID_ROLLBACK, diag, -r);
		return r;
	}
	old = d->config;
	d->config = c;
	if (prev)
		*prev = old != c ? old : NULL;
	else if (old != c)
		config_free(old);
	d->applies++;
	set_policy(d);
	set_limits(d);
	sync_module_params(d);
	fdstore_sync(d);
	{
		json_t *ev = json_pack("{s:s, s:I, s:o*}", "config", c->file, "actions",
				       (json_int_t)pl->n, "plan", eng_plan_to_json(pl));

		daemon_event(d, "topology.applied", ev);
	}
	for (size_t i = 0; i < pl->n; i++)
		log_action(c, &pl->v[i]);
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
	if (r < 0) {
		char first[DIAG_MSG_MAX + 512] = "";

		d->reload_failures++;
		diags_sort(diag);
		log_fields(LOG_ERR, NMD_MSGID_RELOAD_REFUSED,
			   &(struct log_ctx){ .config_file = d->config_path, .err = -r },
			   "reload: %s is not valid; the running topology is unchanged:",
			   d->config_path);
		log_diags_fields(LOG_ERR, NMD_MSGID_RELOAD_REFUSED, diag, -r);
		if (diag->n)
			diag_format(diag, 0, first, sizeof(first));
		reload_refused(d, first[0] ? first : strerror(-r));
		daemon_event(d, "reload.failed",
			     json_pack("{s:s, s:s}", "config", d->config_path, "reason",
				       first[0] ? first : strerror(-r)));
		sd_notify(0, "READY=1");
		return r;
	}
	daemon_log_lint(c);
	r = daemon_apply(d, c, NULL, diag);
	if (r < 0) {
		d->reload_failures++;
		d->reload_apply_failed = true;
		config_free(c);
		log_fields(LOG_ERR, NMD_MSGID_RELOAD_REFUSED,
			   &(struct log_ctx){ .config_file = d->config_path, .err = -r },
			   "reload: applying %s failed, the previous topology is kept: %s",
			   d->config_path, strerror(-r));
		log_diags(LOG_ERR, diag);
		reload_refused(d, strerror(-r));
		daemon_event(d, "reload.failed",
			     json_pack("{s:s, s:s}", "config", d->config_path, "reason",
				       strerror(-r)));
		sd_notify(0, "READY=1");
		return r;
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
	if (r < 0) {
		log_msg(LOG_ERR, "cannot create the folder of %s: %s", path, strerror(-r));
		return r;
	}
	r = rpc_server_listen_path(d->rpc, path, d->config->socket.mode, gid);
	if (r < 0) {
		log_msg(LOG_ERR, "cannot listen on %s: %s", path, strerror(-r));
		return r;
	}
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

int daemon_run(const struct daemon_opts *opts)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT };
	struct nmd_daemon *d;
	struct nmd_config *c = NULL;
	struct rpc_options ro = { .log = log_rpc };
	struct diags diag;
	bool have_socket = false;
	uint64_t wd_usec = 0;
	char why[512] = "";
	int r, rc = 1;

	log_setup(opts->verbose);
	d = calloc(1, sizeof(*d));
	if (!d) {
		log_msg(LOG_ERR, "out of memory");
		return 1;
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

	/* 1. The configuration: invalid means nothing is touched. */
	if (diags_init(&diag, d->config_path) < 0)
		goto out;
	r = daemon_load_config(d->config_path, NULL, NULL, &c, &diag);
	if (r < 0) {
		diags_sort(&diag);
		log_msg(LOG_ERR, "%s is not valid:", d->config_path);
		log_diags(LOG_ERR, &diag);
		diags_done(&diag);
		goto out;
	}
	diags_done(&diag);
	d->config = c;
	daemon_log_lint(c);
	module_name(&c->module, d->module_name, sizeof(d->module_name));

	/* 2. The module. */
	if (!opts->no_module) {
		r = module_load(c, why, sizeof(why));
		if (r < 0) {
			log_msg(LOG_ERR, "cannot load the module: %s", why[0] ? why : strerror(-r));
			goto out;
		}
	}
	if (module_is_loaded(d->opts.sysfs_root, d->module_name) <= 0)
		log_msg(LOG_WARNING, "module %s is not loaded", d->module_name);
	if (access(d->opts.dev, F_OK) < 0) {
		char devwhy[256];

		log_msg(LOG_ERR, "%s", kern_dev_why(d->opts.dev, -errno, devwhy, sizeof(devwhy)));
	}
	sync_module_params(d);

	/* 3. Kernel backend and engine (which adopts what the state file says it owned). */
	r = kern_netmap_new(d->opts.dev, &d->kern);
	if (r < 0) {
		log_msg(LOG_ERR, "%s: %s", d->opts.dev, strerror(-r));
		goto out;
	}
	d->kern_real = true;
	{
		struct diags notes;

		if (diags_init(&diag, d->opts.state_path) < 0)
			goto out;
		if (diags_init(&notes, d->opts.state_path) < 0) {
			diags_done(&diag);
			goto out;
		}
		r = engine_start(&d->kern, d->opts.state_path, &d->engine, &diag, &notes);
		/* A damaged state file is set aside: loud, but the daemon starts. */
		log_diags(LOG_ERR, &diag);
		log_diags(LOG_WARNING, &notes);
		diags_done(&notes);
		diags_done(&diag);
		if (r < 0) {
			log_msg(LOG_ERR, "state %s: %s", d->opts.state_path, strerror(-r));
			goto out;
		}
	}

	/* 4. RPC server, systemd's fds, the socket. */
	d->base = event_base_new();
	if (!d->base) {
		log_msg(LOG_ERR, "libevent: cannot create the loop");
		goto out;
	}
	r = rpc_server_new(d->base, nmd_methods, nmd_n_methods, &ro, d, &d->rpc);
	if (r < 0) {
		log_msg(LOG_ERR, "rpc: %s", strerror(-r));
		goto out;
	}
	set_policy(d);
	set_limits(d);
	fdstore_collect(d, &have_socket);
	if (!have_socket && listen_socket(d) < 0)
		goto out;

	/* 5. The first apply. */
	if (config_diags_init(&diag, c) < 0)
		goto out;
	r = daemon_apply(d, c, NULL, &diag);
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
	} else {
		daemon_health(d, NMD_HEALTH_APPLIED, NULL);
	}
	diags_done(&diag);

	/* 6. Signals, watchdog, ready. */
	for (size_t i = 0; i < ELEMENTSOF(sigs); i++) {
		d->ev_sig[i] = evsignal_new(d->base, sigs[i], on_signal, d);
		if (!d->ev_sig[i] || evsignal_add(d->ev_sig[i], NULL) < 0) {
			log_msg(LOG_ERR, "libevent: cannot watch signal %d", sigs[i]);
			goto out;
		}
	}
	if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec) {
		struct timeval tv = { .tv_sec = (time_t)(wd_usec / 2 / 1000000),
				      .tv_usec = (suseconds_t)(wd_usec / 2 % 1000000) };

		d->ev_watchdog = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
		if (d->ev_watchdog)
			event_add(d->ev_watchdog, &tv);
	}
	{
		struct timeval tv = { .tv_sec = OBSERVE_PERIOD_S };

		d->ev_observe = event_new(d->base, -1, EV_PERSIST, on_observe, d);
		if (d->ev_observe)
			event_add(d->ev_observe, &tv);
	}
	/*
	 * READY=1 either way: after a failed first apply the daemon is ready
	 * in the documented degraded state (STATUS= says "not-applied: ...",
	 * `nmctl status` exits 5, `nmctl wait` times out), so that the file
	 * can be fixed and reloaded and the socket says what went wrong.
	 */
	sd_notify(0, "READY=1");
	if (d->health == NMD_HEALTH_APPLIED)
		log_msg(LOG_INFO, "ready (pid %d)", (int)getpid());
	else
		log_msg(LOG_WARNING, "ready (pid %d), degraded: %s", (int)getpid(), d->health_why);

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

/* ---- --plan ------------------------------------------------------------- */

/*
 * Ask a running daemon (it holds the anchors, so only it can tell whether a
 * pipe exists): topology.plan {"file": FILE}. 0 printed (*rc set), -errno
 * when no daemon answers there.
 */
static int plan_via_socket(const char *sock, const char *file, int *rc)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char abs[PATH_MAX], *req = NULL, buf[1 << 16];
	size_t len = 0;
	json_t *j, *res, *a;
	size_t i;
	int fd, r;

	if (!realpath(file, abs) || strlen(sock) >= sizeof(sa.sun_path))
		return -EINVAL;
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	j = json_pack("{s:s, s:s, s:i, s:{s:s}}", "jsonrpc", "2.0", "method", "topology.plan",
		      "id", 1, "params", "file", abs);
	req = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!req || dprintf(fd, "%s\n", req) < 0) {
		free(req);
		close(fd);
		return -EIO;
	}
	free(req);
	while (len < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf, '\n', len))
			break;
	}
	close(fd);
	buf[len] = '\0';
	j = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
	if (!j)
		return -EBADMSG;
	res = json_object_get(j, "result");
	if (!res) {
		json_t *e = json_object_get(j, "error");
		json_t *errs = json_object_get(json_object_get(e, "data"), "errors");

		fprintf(stderr, "netmapd: %s\n", json_string_value(json_object_get(e, "message")));
		json_array_foreach(errs, i, a)
			fprintf(stderr, "%s\n", json_string_value(a));
		json_decref(j);
		*rc = 1;
		return 0;
	}
	printf("%s: planned by the running daemon (%s)\n", file, sock);
	if (!json_array_size(json_object_get(res, "actions")))
		printf("%s: nothing to do\n", file);
	json_array_foreach(json_object_get(res, "actions"), i, a) {
		json_int_t line = json_integer_value(json_object_get(a, "line"));

		if (line)
			printf("%s:%lld: %s\n", file, (long long)line,
			       json_string_value(json_object_get(a, "text")));
		else
			printf("%s: %s\n", file, json_string_value(json_object_get(a, "text")));
	}
	json_array_foreach(json_object_get(res, "warnings"), i, a)
		if (json_is_string(a))
			fprintf(stderr, "%s\n", json_string_value(a));
	*rc = json_integer_value(json_object_get(res, "conflicts")) ? 1 : 0;
	json_decref(j);
	return 0;
}

int daemon_plan_file(const struct daemon_opts *opts, const char *file)
{
	struct nmd_config *c = NULL;
	struct engine *e = NULL;
	struct eng_plan plan = { 0 };
	struct kern k;
	struct diags diag;
	int r, rc = 1;

	log_setup(opts->verbose);
	if (diags_init(&diag, file) < 0)
		return 1;
	r = daemon_load_config(file, NULL, NULL, &c, &diag);
	if (r < 0) {
		diags_sort(&diag);
		diags_print(&diag, stderr);
		diags_done(&diag);
		return 1;
	}
	/* A running daemon knows its anchors: ask it first. */
	if (plan_via_socket(opts->socket_path ? opts->socket_path : c->socket.path, file, &rc) == 0)
		goto out_cfg;
	rc = 1;
	r = kern_netmap_new(opts->dev ? opts->dev : "/dev/netmap", &k);
	if (r < 0) {
		fprintf(stderr, "netmapd: %s: %s\n", opts->dev ? opts->dev : "/dev/netmap",
			strerror(-r));
		goto out_cfg;
	}
	if (access(opts->dev ? opts->dev : "/dev/netmap", F_OK) < 0) {
		char why[256];

		fprintf(stderr, "netmapd: no running daemon answers at %s, and %s\n",
			opts->socket_path ? opts->socket_path : c->socket.path,
			kern_dev_why(opts->dev ? opts->dev : "/dev/netmap", -errno, why, sizeof(why)));
		goto out_kern;
	}
	r = engine_new(&k, opts->state_path ? opts->state_path : NMD_STATE_DEFAULT, &e, &diag);
	if (r < 0) {
		diags_print(&diag, stderr);
		goto out_kern;
	}
	r = engine_plan(e, c, &plan, &diag);
	if (r < 0) {
		diags_sort(&diag);
		diags_print(&diag, stderr);
		fprintf(stderr, "netmapd: planning %s failed: %s\n", file, strerror(-r));
		goto out_engine;
	}
	diags_sort(&diag);
	diags_print(&diag, stderr);
	if (!plan.n)
		printf("%s: nothing to do\n", file);
	for (size_t i = 0; i < plan.n; i++) {
		const struct eng_action *a = &plan.v[i];

		const char *in;
		unsigned line = config_line(c, a->mark.line, &in);

		if (a->mark.line)
			printf("%s:%u:%u: %s\n", in, line, a->mark.column, a->text);
		else
			printf("%s: %s\n", file, a->text);
	}
	if (plan.conflicts)
		printf("%s: %zu conflict%s: the plan cannot be applied\n", file, plan.conflicts,
		       plan.conflicts == 1 ? "" : "s");
	rc = plan.conflicts ? 1 : 0;
	eng_plan_done(&plan);
out_engine:
	engine_free(e);
out_kern:
	kern_netmap_close(&k);
out_cfg:
	config_free(c);
	diags_done(&diag);
	return rc;
}
