/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config - netmapd's configuration file: one YAML document (default
 * /etc/netmapd/netmapd.yaml) read into the structures below, checked, and
 * freed with config_free(). The schema is documented for users in
 * netmapd.yaml(5) (daemon/netmapd.yaml.5); this header is its C picture.
 *
 * Loading never touches the kernel, the network or the user database: user
 * and group names stay names (resolved when a request is checked), and what
 * exists on the system (NICs, loaded module) is the daemon's business when
 * it applies the file. What can be known from the file alone is checked
 * here: keys and types, ranges, the name rules of names.h, duplicates and
 * references between objects. Whether the topology fits the module's
 * memory regions is capacity.c's job.
 *
 * Errors go to a struct diags with file:line:column; loading goes on after
 * an error to report more (up to the diags bound), but a config is only
 * returned when there was none.
 *
 * Ownership: config_load*() return a config the caller owns; every string
 * and array in it belongs to it. Port, pipe and monitor names are stored as
 * the kernel knows them ("vale0:vm1", "v0", "eth1", "p0{1"), since that is
 * how they refer to each other in the file. The references the loader
 * resolves (memory_port, parent_port, a monitor's port and pipe) point into
 * the config's own arrays, which never move after loading: they are valid
 * until config_free(). A config is read-only once returned; a reload loads
 * a new one and swaps it in whole.
 */
#ifndef NETMAPD_CONFIG_H
#define NETMAPD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "modparams.h"
#include "names.h"

#define CONFIG_DEFAULT_PATH "/etc/netmapd/netmapd.yaml"
#define CONFIG_VERSION 1

/* Hard limits of netmap (NETMAP-ABI §7, §8). */
#define NMD_SWITCH_MAX_PORTS 254  /* NM_BDG_MAXPORTS; a NIC's host side takes one too */
#define NMD_VALE_MAX_RINGS 16
#define NMD_MAX_SLOTS 4096        /* VALE ports and pipes */
#define NMD_PIPE_MAX_RINGS 256
#define NMD_PIPES_PER_PARENT 64
#define NMD_VALE_DEFAULT_RINGS 1
#define NMD_VALE_DEFAULT_SLOTS 1024
#define NMD_MAX_CPU 8191          /* NR_CPUS of Debian's kernels, minus one */

struct nmd_mark {
	unsigned line, column; /* 1-based; 0 when not given in the file */
};

/* A user or group in an access list: kept as written, resolved per request. */
struct nmd_principal {
	char *name;
	bool numeric;  /* the file gave a number: id holds it */
	uint32_t id;
	struct nmd_mark mark;
};

/*
 * Who may use an object (open a port, a pipe end, a monitor). Root and the
 * admins (struct nmd_config.admin) always may. Without an "access" key
 * (set == false) nobody else may.
 */
struct nmd_access {
	bool set;
	struct nmd_principal *users;
	size_t n_users;
	struct nmd_principal *groups;
	size_t n_groups;
};

enum nmd_offloads {
	NMD_OFFLOADS_OFF,   /* rx/tx checksum, TSO, GSO, GRO, LRO, rx VLAN offload off */
	NMD_OFFLOADS_KEEP,
};

enum nmd_flow_control {
	NMD_FLOW_CONTROL_KEEP,
	NMD_FLOW_CONTROL_OFF,
};

/* How a NIC is prepared before it joins a switch; restored when it leaves. */
struct nmd_nic_prep {
	enum nmd_offloads offloads;
	bool promiscuous;
	enum nmd_flow_control flow_control;
	bool force;  /* take the NIC even if it has addresses or routes */
};

enum nmd_polling_mode {
	NMD_POLLING_NONE,
	NMD_POLLING_SINGLE, /* NETMAP_POLLING_MODE_SINGLE_CPU: one thread, all rings */
	NMD_POLLING_MULTI,  /* NETMAP_POLLING_MODE_MULTI_CPU: rings first..first+n-1 on cpus first.. */
};

struct nmd_polling {
	enum nmd_polling_mode mode;
	uint32_t first_cpu, ncpus;
	struct nmd_mark mark;
};

enum nmd_port_kind {
	NMD_PORT_EPHEMERAL,  /* valeB:NAME, exists while opened */
	NMD_PORT_PERSISTENT, /* a netdev created with NEWIF, attached to the switch */
	NMD_PORT_NIC,        /* an existing interface attached (emulated adapter) */
};

struct nmd_port {
	enum nmd_port_kind kind;
	char name[NMD_IFNAMSIZ];       /* as written after the kind key */
	char full[NMD_REQ_IFNAMSIZ];   /* as netmap knows it: "vale0:vm1", "v0", "eth1" */
	size_t sw;                     /* index of its switch */
	struct nmd_mark mark;

	/* NMD_PORT_EPHEMERAL, NMD_PORT_PERSISTENT; defaults applied (1 ring, 1024 slots) */
	uint32_t tx_rings, rx_rings, tx_slots, rx_slots;
	/*
	 * Memory region: NULL for a private region of its own (netmap's
	 * default), "global" for mem_id 1, else the full name of the port
	 * whose region it shares (that port has a region of its own).
	 */
	char *memory;
	const struct nmd_port *memory_port; /* resolved "memory" when it names a port */
	struct nmd_mark memory_mark;
	struct nmd_access access;

	/* NMD_PORT_NIC (access too: who may open it, and its host rings with host) */
	bool host;                     /* attach with its host rings too (valeB:eth1^) */
	struct nmd_nic_prep prep;      /* nic_defaults with this NIC's overrides */
	struct nmd_polling polling;
};

struct nmd_switch {
	char name[NMD_IFNAMSIZ];       /* "vale0" */
	struct nmd_mark mark;
	struct nmd_port *ports;
	size_t n_ports, cap_ports;
};

struct nmd_pipe_id {
	char *id;
	struct nmd_mark mark;
};

/* One entry of "pipes": pipes parent{id / parent}id for each id. */
struct nmd_pipe {
	char parent[NMD_REQ_IFNAMSIZ];
	/*
	 * parent_port: the port of this file it names, or NULL: then netmap
	 * creates an implicit parent of that name (it must not be an existing
	 * interface on the host: the daemon checks that when applying).
	 */
	const struct nmd_port *parent_port;
	struct nmd_mark mark, parent_mark;
	struct nmd_pipe_id *ids;
	size_t n_ids, cap_ids;
	uint32_t tx_rings, rx_rings;   /* of the master end; the slave mirrors */
	uint32_t tx_slots, rx_slots;   /* 0: the parent's */
	struct nmd_access access;
};

enum {
	NMD_MONITOR_RX = 1 << 0,    /* r */
	NMD_MONITOR_TX = 1 << 1,    /* t */
	NMD_MONITOR_ZCOPY = 1 << 2, /* z */
};

struct nmd_monitor {
	char target[NMD_REQ_IFNAMSIZ]; /* port, "eth1^" (host rings) or pipe end "p0{1" */
	unsigned mode;                 /* NMD_MONITOR_* */
	/* Resolved target: a port (host: its host rings), or an end of a pipe. */
	const struct nmd_port *port;
	bool host;
	const struct nmd_pipe *pipe;
	bool pipe_slave;               /* the "}" end */
	struct nmd_mark mark, target_mark;
	struct nmd_access access;
};

/*
 * One entry of "regions": memory region @memory ("global", a port with a
 * region of its own, an implicit pipe parent) may be reached by the users
 * and groups of @shared_by through objects granted differently (regions.h).
 */
struct nmd_region_share {
	char memory[NMD_REQ_IFNAMSIZ];
	struct nmd_mark mark, memory_mark;
	struct nmd_access shared_by;
};

struct nmd_module {
	char *load;                    /* module name for modprobe, or an absolute path */
	bool load_is_path;
	bool unload_on_stop;
	struct {
		bool set;
		int64_t value;
		struct nmd_mark mark;
	} params[MP__COUNT];
	struct nmd_mark mark;          /* of the "module" key, 0 if absent */
};

struct nmd_socket {
	char *path;
	uint32_t mode;
	struct nmd_principal group;
};

/*
 * handles: - what port.open lets a client make the daemon hold (the
 * daemon's resource bounds). Root and the admins are exempt; everyone else is refused with
 * RPC_ERR_CAPACITY past a limit. Records go when their fd is released
 * (netmap.ko's release watch) or, on a module without it, when the holding
 * process exits (one pidfd per process).
 */
#define NMD_HANDLES_PER_UID_DEFAULT 1024
#define NMD_HANDLES_TOTAL_DEFAULT 16384
#define NMD_PIDFDS_PER_UID_DEFAULT 64
#define NMD_PIDFDS_TOTAL_DEFAULT 256

struct nmd_handle_limits {
	uint32_t per_uid;          /* handle records of one uid */
	uint32_t total;            /* records of all non-admin uids */
	uint32_t pidfds_per_uid;   /* processes of one uid watched by pidfd */
	uint32_t pidfds_total;     /* pidfds for all non-admin uids */
};

/*
 * limits: what a client can make the daemon hold (netmapd.yaml(5) LIMITS).
 * 0: not set, the default (reslimits.c); idle_timeout's default, 0, is "off".
 * Times in seconds, sizes in bytes.
 */
struct nmd_limits {
	uint64_t max_clients, max_clients_per_uid, admin_slots;
	uint64_t max_request_bytes, max_batch, max_reply_bytes;
	uint64_t output_pause_bytes, output_max_bytes, output_total_bytes;
	uint64_t line_timeout, write_timeout, idle_timeout;
};

/* A file of a configuration as it was read: its name and its bytes. */
struct nmd_config_text {
	char *name;
	char *text;	/* NUL-terminated */
};

struct nmd_config {
	char *file;
	/*
	 * The bytes of every file it was read from, each file once, the main
	 * file first (an unconfirmed apply's crash-safe record keeps them, and
	 * config_load_texts() reads the same configuration from them).
	 */
	struct nmd_config_text *texts;
	size_t n_texts;
	/* The files read (main, includes, drop-ins): marks' lines are in their shared numbering. */
	struct diags sources;
	unsigned version;
	struct nmd_module module;
	struct nmd_socket socket;
	struct nmd_limits limits;
	struct nmd_access admin;       /* may call changing methods; root always may */
	struct nmd_nic_prep nic_defaults;
	struct nmd_switch *switches;
	size_t n_switches, cap_switches;
	struct nmd_pipe *pipes;
	size_t n_pipes, cap_pipes;
	struct nmd_monitor *monitors;
	size_t n_monitors, cap_monitors;
	struct nmd_region_share *regions;
	size_t n_regions, cap_regions;
	struct nmd_handle_limits handles;
};

/*
 * Read and check @path. Returns 0 with the config in *ret; -EINVAL with the
 * reasons in @d (initialised by the caller with the name to show); a
 * negative errno from open/read (also told in @d); or -ENOMEM. Only a
 * regular file is read, opened with O_NOFOLLOW | O_NONBLOCK: a symlink is
 * refused (-ELOOP), a FIFO, socket or device too (-EINVAL), at once, so
 * that neither the start nor a reload in the event loop can hang on it.
 * The files @path includes and its drop-ins are read the same way and
 * merged (cfgfiles.h); their errors are -EINVAL.
 */
int config_load(const char *path, struct nmd_config **ret, struct diags *d);
/*
 * diags_init() for messages about @c: they print the file and line each
 * mark is in (see cfgfiles.h). 0 or -ENOMEM.
 */
int config_diags_init(struct diags *d, const struct nmd_config *c);
/* The file and that file's own line of a mark's @line. */
unsigned config_line(const struct nmd_config *c, unsigned line, const char **file);
/* The same from memory (@name is only for messages). */
int config_load_buffer(const char *name, const void *buf, size_t len,
		       struct nmd_config **ret, struct diags *d);
/*
 * The configuration whose main file is @name from the texts of its files
 * (@n of them, as a config's texts hold them), as config_load() read it,
 * without reading the disk: includes and drop-ins are looked up among
 * @v by name (cfgfiles.h). 0, -EINVAL with the reasons in @d, -ENOMEM.
 */
int config_load_texts(const char *name, const struct nmd_config_text *v, size_t n,
		      struct nmd_config **ret, struct diags *d);
/* The bytes of all of @c's texts. */
size_t config_texts_size(const struct nmd_config *c);
void config_free(struct nmd_config *c);

/* A module parameter as the file sets it, or its default. */
int64_t config_param(const struct nmd_config *c, enum modparam_id id);

/* The port called @full ("vale0:vm1", "v0", "eth1"), or NULL. */
const struct nmd_port *config_find_port(const struct nmd_config *c,
					const char *full);

/*
 * What @probe says of an interface name: CONFIG_IF_NONE, CONFIG_IF_HOST (an
 * interface of this host), CONFIG_IF_MAYBE_VALE (an interface that may be
 * a persistent port of netmap), or a negative errno.
 */
enum { CONFIG_IF_NONE, CONFIG_IF_HOST, CONFIG_IF_MAYBE_VALE };

/*
 * The names of @c that must not be interfaces of the host (netmapd --check;
 * the plan does the same through the kernel): an ephemeral port valeB:NAME
 * whose NAME is an interface (the kernel refuses to create it: an
 * interface is attached, as nic:), a persistent port whose name is a host
 * interface, an implicit pipe parent that is one. 0, -EINVAL (each in @d),
 * or the probe's error.
 */
int config_check_host(const struct nmd_config *c, int (*probe)(void *ctx, const char *ifname),
		      void *ctx, struct diags *d);

/* "ephemeral", "persistent", "nic". */
const char *nmd_port_kind_name(enum nmd_port_kind k);

#endif /* NETMAPD_CONFIG_H */
