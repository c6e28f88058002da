/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * observe - counters, one object in detail, monitors and access rules for
 * topology.get, holders' process and unit, and the checks of the doctor
 * method (observe.c; the methods are in methods.c). Reads only; never
 * changes the kernel or a NIC.
 */
#ifndef NETMAPD_OBSERVE_H
#define NETMAPD_OBSERVE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>

#include "config.h"

struct nmd_daemon;
struct rpc_call;

/* How often the daemon looks at its prepared NICs (and logs a change). */
#define OBSERVE_PERIOD_S 10

/*
 * An object of the configuration that has counters. kind: "ephemeral",
 * "persistent", "nic" (switch ports, named "vale0:v0" as the switch lists
 * them), "nic_host" ("vale0:eth1^", the switch port of a NIC's host stack),
 * "nic_rings" (the NIC "eth1"), "host_rings" ("eth1^"), "pipe" (an end),
 * "monitor" ("port/rt"). Borrowed from the config, except name, valid only
 * during the callback.
 */
struct obs_object {
	const char *name;
	const char *kind;
	const char *sw;			/* its switch, or NULL */
	unsigned line;			/* in @file, 0 if none */
	const char *file;		/* the file it is written in (include:, drop-ins) */
	const struct nmd_access *access;
	const struct nmd_port *port;	/* a switch port (and a NIC's rings) */
	const struct nmd_pipe *pipe;
	const struct nmd_monitor *monitor;
	const char *ifname;
};

/* "vale0:a/rt": the module's name of the monitors of @m, without "#N". */
void observe_monitor_name(const struct nmd_monitor *m, char *buf, size_t size);

/* {"users": [...], "groups": [...]}, or JSON null when the object has no access: key. */
json_t *observe_access_json(const struct nmd_access *a);

/*
 * {"name", "kind", "tx_packets", ..., "rx_errors"} of @name (@kind: the
 * daemon's word for it, or NULL for the module's); {"name", "kind", "errno"}
 * when the module cannot count it; a monitor gets "open": how many of its
 * kind are open (0: no counters).
 */
json_t *observe_counters_json(struct nmd_daemon *d, const char *name, const char *kind);

/* The counters of every object of the file, then of the other VALE ports. */
json_t *observe_stats_json(struct nmd_daemon *d);

/*
 * topology.get: adds to @topo "monitors" [{"name", "port", "mode", "open",
 * "line"}] and "access" [{"object", "kind", "users", "groups", "line"}]:
 * every object's rule (empty lists: root and the admins only), and the
 * admins as object "(admin)".
 */
void observe_topology(struct nmd_daemon *d, json_t *topo);

/* /proc/PID/comm; the systemd unit of /proc/PID/cgroup. 0 or -errno. */
int observe_proc_comm(pid_t pid, char *buf, size_t size);
int observe_proc_unit(pid_t pid, char *buf, size_t size);
/* The innermost ".service" or ".scope" of a cgroup v2 path; -ENOENT if none. */
int observe_unit_of_cgroup(const char *cgroup, char *buf, size_t size);
/* Adds "comm" and "unit" (when known) to a holder object. */
void observe_holder_extras(json_t *j, pid_t pid);

/* Look at the prepared NICs; log what drifted from their preparation, once. */
void observe_nics(struct nmd_daemon *d);
/*
 * The doctor's problems [{"check", "object", "severity", "message", "fix"}]:
 * the prepared NICs' drift, the module (loaded, its version), the headroom
 * of the configuration in force, a configuration not applied. NULL: no memory.
 */
json_t *observe_doctor_json(struct nmd_daemon *d);

/*
 * object.get: @name (as `nmctl show` lists it; a persistent port also by
 * its own name) in detail: kind, switch, file and line, access, rings,
 * slots, region, counters, holders, a NIC's problems. 0 and *@out, -ENOENT
 * when it is neither in the file nor in the module, -ENOMEM.
 */
int observe_object_json(struct nmd_daemon *d, const char *name, json_t **out);

struct capacity;
/*
 * The doctor's findings about @cap (capacity.h) appended to @out: each
 * pool of the global region (netmap_ifs, rings, buffers) used to 90% or
 * more, and all regions against max_mem_mb, each with the parameter to set
 * under "module: params:" in @file, a value that leaves a quarter free,
 * and what it costs: "buffers 95% used in the global region (9728 of
 * 10240)", "raise buf_num to 12971 (...; 5.5 MiB more)".
 */
void observe_headroom(const struct capacity *cap, const char *file, json_t *out);

#endif /* NETMAPD_OBSERVE_H */
