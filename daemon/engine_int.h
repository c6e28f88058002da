/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine_int - what engine.c, engine_plan.c and engine_state.c share: the
 * owned objects and the engine itself. Not for use outside the engine.
 *
 * The engine's memory is one array of owned objects, identified by (kind,
 * name). Dependencies between kinds (an attachment needs its port, polling
 * needs the attachment, a pipe anchor needs its parent) are expressed by
 * the order of enum eng_obj_kind: objects are created in increasing kind
 * order and removed in decreasing order.
 */
#ifndef NETMAPD_ENGINE_INT_H
#define NETMAPD_ENGINE_INT_H

#include <stdarg.h>

#include "engine.h"

enum eng_obj_kind {
	OBJ_PERSISTENT,	/* a netdev made with NEWIF: "v0" */
	OBJ_NIC,	/* a NIC prepared by nicprep: "eth1" (saved settings) */
	OBJ_ATTACH,	/* an attachment: "vale0:v0", "vale0:eth1" (+host) */
	OBJ_POLLING,	/* polling threads on an attached NIC: "vale0:eth1" */
	OBJ_ANCHOR,	/* an fd held on a pipe's master end: "v0{1" */
	OBJ__COUNT
};

struct eng_obj {
	enum eng_obj_kind kind;
	char name[NMD_REQ_IFNAMSIZ];
	/* OBJ_PERSISTENT, OBJ_ANCHOR: as requested (0: the kernel's default). */
	uint32_t tx_rings, rx_rings, tx_slots, rx_slots;
	/* OBJ_PERSISTENT: "" (own region), "global" or a port; mem_id as given to NEWIF. */
	char memory[NMD_REQ_IFNAMSIZ];
	uint16_t mem_id;
	/* OBJ_ATTACH */
	bool host;
	/* OBJ_NIC */
	struct nmd_nic_prep prep;
	bool bridged;
	struct nic_saved saved;
	/* OBJ_POLLING */
	struct nmd_polling polling;
	/* OBJ_ANCHOR: fd -1 while not held (after a restart, until adopted). */
	char fdname[64];
	int fd;
};

struct engine {
	const struct kern *k;
	char *state_path;		/* NULL: no state file (tests, benchmarks) */
	struct eng_obj *objs;
	size_t n_objs, cap_objs;
	char **js;			/* js[i]: objs[i] as JSON text, for the state file */
	size_t cap_js;
	const struct nmd_config *desired; /* borrowed, from the last apply */
	struct eng_anchor *anchors;	/* engine_anchors()'s view, rebuilt per call */
	size_t n_anchors;
};

/* ---- engine_state.c ---- */
const char *eng_obj_kind_name(enum eng_obj_kind k);
struct eng_obj *eng_obj_find(struct engine *e, enum eng_obj_kind kind, const char *name);
/*
 * Append a copy of @o (or insert it at @pos, to undo a removal in place);
 * NULL on -ENOMEM. The owned set keeps its order, so that a rollback
 * gives back the same state file, byte for byte.
 */
struct eng_obj *eng_obj_add(struct engine *e, const struct eng_obj *o);
struct eng_obj *eng_obj_insert(struct engine *e, size_t pos, const struct eng_obj *o);
/* Remove the object at @o (a pointer into e->objs); the order of the others is kept. */
void eng_obj_del(struct engine *e, struct eng_obj *o);
void eng_obj_clear(struct engine *e);
/* A systemd-valid fdname (no ':', printable ASCII) for the anchor of @name. */
void eng_anchor_fdname(const char *name, char *buf, size_t len);
/* Read the state file into e->objs (missing: empty). -EINVAL with the reason in @d. */
int eng_state_load(struct engine *e, struct diags *d);
/* Write e->objs atomically (tmp, fsync, rename). */
int eng_state_save(struct engine *e, struct diags *d);
json_t *eng_obj_to_json(const struct eng_obj *o);

/* ---- engine_plan.c ---- */
/* What the kernel has now: VALE_LIST, sorted by name and by port part. */
struct eng_obs {
	struct kern_vale_port *ports;
	size_t n;
	const struct kern_vale_port **by_port;	/* sorted by the part after ':' */
	bool *gone;	/* per e->objs[i] at observation time: owned but vanished */
	size_t n_gone;
};
int eng_observe(struct engine *e, struct eng_obs *o, struct diags *d);
void eng_obs_done(struct eng_obs *o);
bool eng_obs_listed(const struct eng_obs *o, const char *name);
/* 1 if @ifname is a persistent VALE port (not a NIC), 0 if not, -errno. */
int eng_is_persistent(struct engine *e, const struct eng_obs *o, const char *ifname);
/*
 * The plan from what @o observed to @c. Objects marked gone are treated
 * as not owned. Conflicts become ENG_CONFLICT entries.
 */
int eng_plan_compute(struct engine *e, const struct eng_obs *o, const struct nmd_config *c,
		     struct eng_plan *p, struct diags *d);
struct eng_action *eng_plan_push(struct eng_plan *p);

/* ---- engine.c ---- */
int eng_err(struct diags *d, const struct nmd_mark *m, const char *fmt, ...) _printf_(3, 4);
/* snprintf for texts that may be cut short on purpose (one line for humans). */
void eng_fmt(char *buf, size_t len, const char *fmt, ...) _printf_(3, 4);
const char *eng_kern_why(const struct engine *e);

#endif /* NETMAPD_ENGINE_INT_H */
