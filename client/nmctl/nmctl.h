/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmctl - the command line of netmapd. main.c parses the global options and
 * dispatches through a table of commands (commands.c, exec.c); output.c and
 * prom.c turn results into text, JSON, Graphviz and Prometheus text, and
 * never talk to the daemon, so the tests render canned JSON with them.
 *
 * Helpers never exit(): they return an exit code (NMCTL_EXIT_*) and main()
 * returns it.
 */
#ifndef NMCTL_H
#define NMCTL_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "libnmd.h"

enum {
	NMCTL_EXIT_OK = 0,
	NMCTL_EXIT_REFUSED = 1,		/* the daemon said no (or the command failed) */
	NMCTL_EXIT_USAGE = 2,
	NMCTL_EXIT_UNREACHABLE = 3,	/* cannot reach the daemon, or it went away */
	NMCTL_EXIT_DEGRADED = 4,	/* status/wait: a reload was refused, the previous topology runs */
	NMCTL_EXIT_NOT_APPLIED = 5,	/* status/wait: nothing of the configuration is applied */
};

/*
 * Error codes of nmctl's own JSON errors (--json), for failures that never
 * reached the daemon; from JSON-RPC's range for implementation errors, and
 * never 0.
 */
#define NMCTL_ERR_UNREACHABLE -32099	/* cannot connect, or the daemon went away */
#define NMCTL_ERR_LOCAL -32098		/* nmctl's side: out of memory, bad reply */

struct nmctl {
	const char *socket;	/* -s, or NULL for $NETMAPD_SOCKET / the default */
	bool json;		/* --json: raw results, errors as JSON too */
	FILE *out;		/* stdout (the tests pass a memstream) */
	FILE *err;		/* stderr */
	struct nmd_client *client;	/* connected on first use */
};

/* A command: argv[0] is the command's own name. Returns an NMCTL_EXIT_*. */
struct nmctl_command {
	const char *name;
	int (*run)(struct nmctl *n, int argc, char **argv);
	const char *usage;	/* arguments, for --help */
	const char *help;	/* one line */
};

extern const struct nmctl_command nmctl_commands[];
extern const size_t nmctl_n_commands;

/* -- commands.c --------------------------------------------------------- */

/* Connect if not yet; on failure print the error and hint, return exit 3. */
int nmctl_connect(struct nmctl *n);

/*
 * nmd_call() for a command, printing any failure (with a hint that says what
 * to do; @object names the port/file concerned for the hint, may be NULL).
 * Returns NMCTL_EXIT_OK with *result set, or the exit code.
 */
int nmctl_call(struct nmctl *n, const char *method, json_t *params, json_t **result,
	       const char *object);

/* Print @res as JSON (--json) or as key: value lines. */
void nmctl_print(struct nmctl *n, const json_t *res);

/*
 * nmctl_call() of @method without params, then nmctl_print() of its result.
 * With @keep, the result stays in *keep for the caller (to judge it; the
 * caller frees it), NULL on failure.
 */
int nmctl_call_print(struct nmctl *n, const char *method, json_t **keep);

/* Print a failure of @r/@e the way nmctl_call() does; returns the exit code. */
int nmctl_report(struct nmctl *n, int r, const struct nmd_error *e, const char *method,
		 const char *object);

/* The hint for a daemon error code, or NULL. @object may be NULL. */
const char *nmctl_hint(int code, const char *object, char *buf, size_t size);

/*
 * The hint for a failed connect to the socket at @path (error @r): for
 * EACCES the group that owns the socket (its gid if it has no name), else
 * whether the daemon runs. Returns @buf.
 */
const char *nmctl_connect_hint(const char *path, int r, char *buf, size_t size);

int nmctl_cmd_status(struct nmctl *n, int argc, char **argv);
int nmctl_cmd_plan(struct nmctl *n, int argc, char **argv);
int nmctl_cmd_apply(struct nmctl *n, int argc, char **argv);
int nmctl_cmd_show(struct nmctl *n, int argc, char **argv);
int nmctl_cmd_port(struct nmctl *n, int argc, char **argv);
int nmctl_cmd_module(struct nmctl *n, int argc, char **argv);
int nmctl_cmd_events(struct nmctl *n, int argc, char **argv);
int nmctl_cmd_stats(struct nmctl *n, int argc, char **argv);
int nmctl_cmd_reload(struct nmctl *n, int argc, char **argv);

/* -- ops.c -------------------------------------------------------------- */

int nmctl_cmd_top(struct nmctl *n, int argc, char **argv);
int nmctl_cmd_doctor(struct nmctl *n, int argc, char **argv);
/* `nmctl show NAME`: object.get, rendered by out_object(). */
int nmctl_show_object(struct nmctl *n, const char *name);

/*
 * Rates from two stats results (per second over their "monotonic" times,
 * or @interval if they lack them): [{"name", "kind", "rx_pps", "rx_bps",
 * "tx_pps", "tx_bps", "drops_ps", "errors_ps", ...}], or {"name", "kind",
 * "note"} for a port without counters. New reference.
 */
json_t *top_rates(const json_t *prev, const json_t *cur, double interval);
/* The rates as a table (pps, bits per second, with k/M/G). */
void out_top(FILE *f, const json_t *rates, double dt);
/* object.get's result: geometry, region, access, counters, holders, problems. */
void out_object(FILE *f, const json_t *obj);
/*
 * nmctl doctor's own checks (no daemon needed), appended to @checks as
 * {"check", "object", "severity": "ok"|"warning"|"error", "message", "fix"}:
 * @dev, the module under @sysfs and its version, DKMS, @socket's group.
 */
/*
 * The verdict in @buf of `dkms status netmap -k RELEASE`'s output @p:
 * "installed", "built, not installed", or "not built" (nothing, or only
 * "added").
 */
void dkms_parse(FILE *p, char *buf, size_t size);
void doctor_local(json_t *checks, const char *sysfs, const char *dev, const char *socket);
/* The device to check: "device" of the daemon's @status (NULL: unreachable), else /dev/netmap. */
const char *doctor_device(const json_t *status);
/*
 * Add the daemon's findings @problems to @checks: one about the same check
 * and object as a local one (the module's version) replaces it, so that
 * nothing is reported twice.
 */
void doctor_merge(json_t *checks, const json_t *problems);
/* The checks, one per line, each problem with its fix. Returns the problems. */
int out_doctor(FILE *f, const json_t *checks);

/* -- health.c --------------------------------------------------------- */

/* The exit code a status result means: 0 applied (or confirming), 4 degraded, 5 not applied. */
int nmctl_status_exit(const json_t *status);
int nmctl_cmd_wait(struct nmctl *n, int argc, char **argv);
int nmctl_cmd_confirm(struct nmctl *n, int argc, char **argv);

/* -- exec.c ------------------------------------------------------------- */

int nmctl_cmd_exec(struct nmctl *n, int argc, char **argv);

/*
 * The NMD_PORTS entry of a port.open result: the result without "fds",
 * with "label" first. New reference, NULL on ENOMEM.
 */
json_t *nmctl_exec_port_entry(const json_t *result, const char *label);

/* -- output.c ----------------------------------------------------------- */

/* @v as indented JSON and a newline. */
void out_json(FILE *f, const json_t *v);

/* An object's scalar members as "key: value" lines (nested ones as JSON). */
void out_kv(FILE *f, const json_t *obj, int indent);

/*
 * An array of objects as an aligned table. Columns: @cols first (those that
 * some row has), then every other scalar member in first-seen order. Values
 * that are arrays of scalars are joined with ","; other nested values are
 * compact JSON; a missing value is "-". Nothing is printed for an empty array
 * except @empty (may be NULL).
 */
void out_table(FILE *f, const json_t *rows, const char *const *cols, const char *empty);
/* The same, indented. Integer members named "*_at" (epoch seconds) show as ISO 8601 UTC. */
void out_table_indent(FILE *f, const json_t *rows, const char *const *cols, const char *empty,
		      int indent);

/* A scalar as text ("-" for null or a missing value). Returns @buf. */
const char *out_scalar(const json_t *v, char *buf, size_t size);

/*
 * `nmctl show`: @topo is topology.get's result, @ports port.list's (may be
 * NULL). Sections: switches, ports, NICs, pipes, monitors, holders; every
 * field optional.
 */
void out_show_table(FILE *f, const json_t *topo, const json_t *ports);
void out_show_dot(FILE *f, const json_t *topo, const json_t *ports);

/* A plan (topology.plan's result, or apply's list of actions done). */
void out_plan(FILE *f, const json_t *plan, const char *empty);

/* One notification as one line: "HH:MM:SS method key=value ...". */
void out_event(FILE *f, const char *method, const json_t *params);

/* Arrays of a topology section: the member @key, or its items if @topo is the array. */
const json_t *out_section(const json_t *topo, const char *key);

/* -- prom.c ------------------------------------------------------------- */

/* The stats result in Prometheus' text exposition format (version 0.0.4). */
void out_prometheus(FILE *f, const json_t *stats);
/* What a scrape gets when netmapd cannot be reached: netmapd_up 0. */
void out_prometheus_down(FILE *f);

#endif /* NMCTL_H */
