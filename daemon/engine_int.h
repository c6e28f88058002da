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

/*
 * The write-ahead intent: the one kernel or NIC change in progress, in the
 * state file before the change is made and until its outcome is recorded
 * (the object added to or removed from the owned set). @obj carries what
 * the change needs and, for a NIC being prepared, its ORIGINAL settings
 * (nic_observe(), read before the change) in obj.saved.
 */
struct eng_intent {
	bool set;
	bool make;			/* making obj; else removing the owned obj */
	struct eng_obj obj;
	char *js;			/* its JSON text, for the state file */
};

struct engine {
	const struct kern *k;
	char *state_path;		/* NULL: no state file (tests, benchmarks) */
	struct eng_intent intent;
	struct eng_obj *objs;
	size_t n_objs, cap_objs;
	char **js;			/* js[i]: objs[i] as JSON text, for the state file */
	size_t cap_js;
	const struct nmd_config *desired; /* borrowed, from the last apply */
	struct eng_anchor *anchors;	/* engine_anchors()'s view, rebuilt per call */
	struct eng_confirm confirm;	/* .file NULL: nothing waits for confirmation */
	char *confirm_js;		/* its JSON text, for the state file */
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
/*
 * Read the state file into e->objs and e->intent (missing: empty). A file
 * that is not a regular file (symlink, FIFO, socket, device), too large,
 * or not a valid state: -EINVAL (-ELOOP for a symlink) with the reason in
 * @d, nothing loaded. Never blocks and never follows a symlink.
 */
int eng_state_load(struct engine *e, struct diags *d);
/*
 * Move a damaged state file aside, to "STATE.damaged-YYYYmmddTHHMMSSZ"
 * (then "-2", "-3"... if taken), whatever it is (rename() moves a symlink
 * or a FIFO itself). 0, with the new name in @aside, or -errno.
 */
int eng_state_set_aside(struct engine *e, char *aside, size_t len);
/* Write e->objs and e->intent atomically (tmp, fsync, rename, fsync dir). */
int eng_state_save(struct engine *e, struct diags *d);
/* Set the intent to (@make, @o) / clear it; in memory only (NULL on -ENOMEM). */
int eng_intent_set(struct engine *e, bool make, const struct eng_obj *o);
void eng_intent_clear(struct engine *e);
/* Forget the pending confirmation in memory (engine_confirm_set() also saves). */
void eng_confirm_clear(struct engine *e);
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
/*
 * Finish or undo the change e->intent says was in progress when the daemon
 * stopped, observing the kernel: a NIC being prepared is restored to the
 * originals the intent recorded; a persistent port or attachment being
 * made that exists is owned again (the next plan keeps or removes it);
 * polling being started is stopped; a NIC restore or polling stop in
 * progress is finished. What was done goes to @d, one line each. The intent
 * is then cleared and the state saved; it stays if the kernel cannot be
 * observed (-errno), to be tried again.
 */
int eng_recover(struct engine *e, struct diags *d);

#endif /* NETMAPD_ENGINE_INT_H */
