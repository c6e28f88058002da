/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon - the netmapd process: one libevent loop that serves the RPC
 * socket, reloads on SIGHUP, stops on SIGTERM/SIGINT, talks to systemd
 * (sd_notify READY/STATUS/WATCHDOG/RELOADING/STOPPING, the fd store); its
 * messages go through log.h.
 *
 * struct nmd_daemon is the state every part shares: the configuration in
 * force, the kernel backend, the engine, the port holders. The RPC methods
 * (methods.c, methods_port.c) get it as the server's userdata; the unit
 * tests build one by hand around a fake kernel.
 *
 * Ownership: the daemon owns its config (swapped whole on a successful
 * reload/apply, the old one freed after the engine took the new one), the
 * engine, the RPC server and the holders (each with its pidfd and event).
 * The port fds handed to clients are theirs, not the daemon's.
 */
#ifndef NETMAPD_DAEMON_H
#define NETMAPD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <syslog.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "diag.h"
#include "engine.h"
#include "holders.h"
#include "kern.h"
#include "log.h"
#include "rpc.h"
#include "util.h"

#define NMD_STATE_DEFAULT "/run/netmapd/state.json"
#define NMD_SOCKET_FDNAME "netmapd.sock"

struct event_base;
struct event;

struct daemon_opts {
	const char *config_path;
	const char *state_path;
	const char *socket_path;	/* overrides socket.path of the file */
	const char *dev;		/* /dev/netmap */
	const char *sysfs_root;		/* /sys */
	bool no_module;
	bool verbose;
	bool no_release_watch;		/* pidfds only, as on a module without it */
};

/*
 * Whether the configuration is in force (status "state", nmctl status's
 * exit code, STATUS=): APPLIED after an apply succeeded; NOT_APPLIED when
 * the first apply failed (the daemon runs with nothing of the file, to be
 * fixed and reloaded); DEGRADED when a later reload was refused (the
 * previous topology runs, the file on disk is not in force); CONFIRMING
 * while an apply waits for `nmctl confirm` (rolled back when it does not
 * come in time).
 */
enum nmd_health {
	NMD_HEALTH_STARTING,
	NMD_HEALTH_APPLIED,
	NMD_HEALTH_NOT_APPLIED,
	NMD_HEALTH_DEGRADED,
	NMD_HEALTH_CONFIRMING,
};

struct nmd_daemon {
	struct daemon_opts opts;
	struct event_base *base;
	struct rpc_server *rpc;
	struct kern kern;
	bool kern_real;			/* kern_netmap_close() at the end */
	struct engine *engine;
	struct nmd_config *config;	/* in force (the engine borrows it) */
	char config_path[4096];
	char module_name[64];
	char status[256];		/* last STATUS= */
	time_t started;
	uint64_t reloads, reload_failures, applies;

	bool reload_apply_failed;	/* the last reload's file was valid, its apply failed */
	enum nmd_health health;
	char health_why[512];		/* why not APPLIED; "" when it is */
	time_t applied_at;		/* last successful apply, 0: never */

	/*
	 * An apply that waits for confirmation (confirm.c): the
	 * configuration before it (owned, re-applied when ev_confirm fires),
	 * the health to go back to, the deadline (CLOCK_REALTIME seconds).
	 */
	struct nmd_config *confirm_prev;
	struct event *ev_confirm;
	enum nmd_health confirm_prev_health;
	char confirm_prev_why[512];
	time_t confirm_deadline;

	/* holders.c: handle records and what watches them. */
	struct holder *holders;
	struct holder **htab;		/* NMD_HTAB_SIZE buckets, NULL until needed */
	struct pidwatch *watches;
	uint64_t next_handle;
	unsigned n_holders;
	unsigned n_user_holders;	/* of non-admin uids */
	unsigned n_pidfds, n_user_pidfds;
	struct uidcount *uids;		/* non-admin uids that hold something */
	size_t n_uids, cap_uids;
	enum nmd_release_watch rw_state;
	int rw_fd;			/* the watcher while NMD_RW_ON */
	struct event *ev_rw;

	/* fdnames handed to systemd's fd store, to remove those that go. */
	char (*stored)[64];
	size_t n_stored, cap_stored;

	uint64_t nofile;		/* RLIMIT_NOFILE in force (reslimits.c) */
	char limits_msg[512];		/* the RPC limits in force, as last logged */

	/* observe.c: what the NIC checks last logged, per interface. */
	struct obs_drift {
		char ifname[NMD_IFNAMSIZ];
		unsigned bits;
	} *drift;
	size_t n_drift;
	struct event *ev_observe;

	struct event *ev_sig[3];
	struct event *ev_watchdog;
	bool stopping;
};

/* -- the process -------------------------------------------------------- */

/* Run until SIGTERM/SIGINT. Returns the exit code (0, or 1 when start failed). */
int daemon_run(const struct daemon_opts *opts);

/* STATUS= to systemd and d->status. */
void daemon_status(struct nmd_daemon *d, const char *fmt, ...) _printf_(2, 3);

/*
 * Load @path (or the text @yaml named @name), check it and its capacity.
 * 0 with *ret, or -EINVAL/-ENOSPC/-errno with the reasons in @diag.
 */
int daemon_load_config(const char *path, const char *name, const char *yaml,
		       struct nmd_config **ret, struct diags *diag);
/* The same from the saved texts of a configuration's files (config_load_texts()). */
int daemon_load_texts(const char *name, const struct nmd_config_text *v, size_t n,
		      struct nmd_config **ret, struct diags *diag);

/*
 * Make @c (owned by the caller until success, then by the daemon) the
 * configuration in force: engine_apply, then swap, policy, fd store, event.
 * On failure nothing changed (the engine rolled back), reasons in @diag.
 * *done (may be NULL) gets the actions run.
 */
int daemon_apply(struct nmd_daemon *d, struct nmd_config *c, struct eng_plan *done,
		 struct diags *diag);
/* The same, handing the configuration it replaced to *prev (NULL if none) instead of freeing it. */
int daemon_apply_keep(struct nmd_daemon *d, struct nmd_config *c, struct eng_plan *done,
		      struct diags *diag, struct nmd_config **prev);

/* Log config_lint()'s warnings about @c (lint.h). */
void daemon_log_lint(const struct nmd_config *c);

/* SIGHUP and the reload method: reload the configuration file. */
int daemon_reload(struct nmd_daemon *d, struct diags *diag);

/* Set the health (and STATUS=): @fmt (may be NULL when APPLIED) says why. */
void daemon_health(struct nmd_daemon *d, enum nmd_health h, const char *fmt, ...)
	_printf_(3, 4);
/* "applied", "not-applied", "degraded", "confirming", "starting". */
const char *daemon_health_name(enum nmd_health h);

/* Send an "event" notification {type, ...fields of @fields (stolen)}. */
void daemon_event(struct nmd_daemon *d, const char *type, json_t *fields);

/* -- methods.c ---------------------------------------------------------- */

extern const struct rpc_method nmd_methods[];
extern const size_t nmd_n_methods;

/* methods_port.c */
int method_port_open(struct rpc_call *call, json_t *params);
int method_port_close(struct rpc_call *call, json_t *params);
int method_port_list(struct rpc_call *call, json_t *params);

/* confirm.c: apply with confirmation, and its rollback. */
/*
 * After an apply that replaced @prev (owned, taken): keep @prev and roll
 * back to it unless confirmed within @seconds. 0 or -errno (then @prev is
 * freed and nothing waits).
 */
int confirm_arm(struct nmd_daemon *d, struct nmd_config *prev, unsigned seconds);
/* Forget a pending confirmation (its previous configuration is freed). */
void confirm_cancel(struct nmd_daemon *d);
/*
 * Before the apply of @next with a confirmation: record in the state file
 * what the next start must roll back to should the daemon stop or die
 * before the confirmation (the configuration in force and its files' texts). 0
 * (also when nothing is in force: nothing to roll back to), or -errno
 * with the reason in @diag (then do not apply).
 */
int confirm_record(struct nmd_daemon *d, const struct nmd_config *next, unsigned seconds,
		   struct diags *diag);
/* Remove that record (the apply failed or is confirmed); logged if the state file fails. */
void confirm_forget(struct nmd_daemon *d);
/*
 * At start, before the first apply: when the state file holds an apply
 * that was never confirmed, apply the configuration it replaced (from the
 * state file, not the file on disk) and set the health (APPLIED if that is
 * the file on disk, else DEGRADED; NOT_APPLIED if the rollback fails, the
 * record then kept for the next start or a successful reload). 0: nothing
 * was pending, the caller applies the file; 1: done, do not apply.
 */
int confirm_recover(struct nmd_daemon *d);

#endif /* NETMAPD_DAEMON_H */
