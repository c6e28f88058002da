/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * engine - turns a configuration into kernel objects: observe what exists,
 * compute an ordered plan to reach the configuration, apply it with an
 * undo journal, remember what the daemon owns.
 *
 * Observe: the kernel is the source of truth (VALE_LIST, netdevs through
 * struct kern). Owned: what this daemon created or took (persistent ports
 * it made with NEWIF, attachments it made, NICs it prepared with their
 * saved settings, pipes it anchors), recorded in a state file
 * (/run/netmapd/state.json by default) rewritten atomically (write to a
 * temporary file, fsync, rename) before every change (the write-ahead
 * intent, engine_int.h) and after it, so that after a crash or restart
 * the daemon finishes or undoes the change in progress and adopts its
 * objects: an owned object that
 * still exists is owned again, one that vanished is forgotten (and, if the
 * configuration wants it, planned again). Never deletes, detaches or
 * restores anything it does not own; an object the configuration wants
 * that exists but is not owned (made by hand) is adopted only if it
 * already matches, else the plan reports a conflict and does not apply.
 *
 * Plan: the actions, in an order the kernel accepts (create persistent
 * ports before attaching them, prepare a NIC before attaching it, detach
 * before delete, anchor pipes after their parent exists, polling after
 * attach; removals before additions where names are reused). Applying the
 * same configuration twice yields an empty plan.
 *
 * Apply: run the actions one by one, journalling each one's inverse; on the
 * first failure run the journal backwards, so the kernel and the state
 * file are where they started, and report which action failed and why.
 *
 * Anchors: a pipe (and a NIC in netmap mode without a switch) exists only
 * while some fd is registered to it. The engine holds one fd per such
 * object and exposes them (engine_anchors()) so the daemon can hand them
 * to systemd's fd store; at start it takes back the fds systemd kept
 * (engine_adopt_anchor()). An anchor's fdname is systemd-valid (no ':').
 *
 * Not thread-safe: one event loop. Functions return 0 or a negative errno;
 * human-readable reasons go to @d (struct diags, with the configuration's
 * file:line:column where the action comes from the file).
 */
#ifndef NETMAPD_ENGINE_H
#define NETMAPD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "diag.h"
#include "kern.h"

enum eng_action_kind {
	ENG_NEWIF,		/* persistent port: VALE_NEWIF */
	ENG_DELIF,
	ENG_NIC_PREPARE,	/* nicprep before attach */
	ENG_NIC_RESTORE,
	ENG_ATTACH,		/* VALE_ATTACH valeB:X (persistent port or NIC, +host) */
	ENG_DETACH,
	ENG_POLLING_ENABLE,
	ENG_POLLING_DISABLE,
	ENG_ANCHOR_OPEN,	/* open and hold a pipe end / NIC registration */
	ENG_ANCHOR_CLOSE,
	/*
	 * Added: take an object that exists and already matches the file as
	 * ours (no kernel call; recorded in the state file). object is the
	 * persistent port ("v0") or the attachment ("vale0:v0").
	 */
	ENG_ADOPT,
	/*
	 * Added: not an action, a reason the plan cannot be applied (an
	 * object the file wants exists, is not ours and differs; a NIC that
	 * does not exist). Counted in eng_plan.conflicts; text says why.
	 */
	ENG_CONFLICT,
};

struct eng_action {
	enum eng_action_kind kind;
	char object[NMD_REQ_IFNAMSIZ];	/* "vale0:v0", "v0", "eth1", "v0{1" */
	char text[256];			/* one line for humans: "attach eth1 to vale0 (with host rings)" */
	struct nmd_mark mark;		/* where in the file it comes from, 0 if nowhere */
	/* Parameters, as the kind needs them (copied from the config). */
	bool host;
	uint32_t tx_rings, rx_rings, tx_slots, rx_slots;
	uint16_t mem_id;
	struct nmd_nic_prep prep;
	struct nmd_polling polling;
	/* Added. ENG_NEWIF: "" own region, "global", or the port whose region it shares. */
	char memory[NMD_REQ_IFNAMSIZ];
	bool bridged;			/* ENG_NIC_PREPARE: promiscuous mode applies */
	enum eng_action_kind adopt;	/* ENG_ADOPT: ENG_NEWIF (a port) or ENG_ATTACH */
};

struct eng_plan {
	struct eng_action *v;
	size_t n, cap;
	/* Wanted objects that exist but are not ours and do not match: no apply. */
	size_t conflicts;
};

void eng_plan_done(struct eng_plan *p);
/*
 * [{"action":"attach","object":"vale0:eth1","text":"...","line":N,"file":F}, ...]:
 * with @c (may be NULL), N is the line in the file it was written in, and F
 * that file when it is not @c's main file (an include, a drop-in).
 */
json_t *eng_plan_to_json(const struct eng_plan *p, const struct nmd_config *c);
const char *eng_action_name(enum eng_action_kind k);

struct eng_anchor {
	char object[NMD_REQ_IFNAMSIZ];
	char fdname[64];		/* for FDNAME=, unique, no ':' */
	int fd;				/* owned by the engine */
};

struct engine;

/*
 * @k is borrowed and must outlive the engine. @state_path: the state file
 * (read now if it exists; a missing file is an empty state, a malformed
 * one is an error told in @d). 0, -ENOMEM, -EINVAL.
 */
int engine_new(const struct kern *k, const char *state_path, struct engine **ret,
	       struct diags *d);
/*
 * engine_new() for the daemon's start: a damaged state file (unreadable,
 * truncated, not JSON, another version, not a regular file: a symlink, a
 * FIFO...) is moved aside to STATE.damaged-TIMESTAMP, kept for inspection,
 * and the engine starts empty, from what it observes (it owns nothing;
 * the first apply adopts what the file wants and already matches, as for
 * objects made by hand); the reason and the new name go to @damage. Then
 * a change the state file says was in progress when the daemon stopped
 * (its write-ahead intent) is finished or undone (engine_int.h,
 * eng_recover()), one line per thing done in @notes. 0; -ENOMEM; or
 * -errno when a damaged file cannot be moved aside (the reason in @damage).
 */
int engine_start(const struct kern *k, const char *state_path, struct engine **ret,
		 struct diags *damage, struct diags *notes);
/* Frees memory and closes the anchors' fds; touches nothing else. */
void engine_free(struct engine *e);

/*
 * Take an fd the fd store kept, named @fdname (as engine_anchors() gave
 * it). The engine owns @fd from now on; one it does not recognise is
 * closed (-ENOENT).
 */
int engine_adopt_anchor(struct engine *e, const char *fdname, int fd);

/*
 * The plan from what exists now to @c (NULL: an empty topology, i.e. what
 * would be removed). *plan is the caller's to eng_plan_done(). Changes
 * nothing, not even the state file. Conflicts are in the plan (ENG_CONFLICT,
 * counted in plan->conflicts), not errors.
 */
int engine_plan(struct engine *e, const struct nmd_config *c, struct eng_plan *plan,
		struct diags *d);

/*
 * Plan and apply @c. On success *done (may be NULL) holds the actions run
 * and @c is the engine's desired configuration (borrowed: the caller keeps
 * it alive until the next apply or engine_free). On failure everything is
 * rolled back, -errno returned and the reason in @d. A plan with conflicts
 * is not applied at all: -EEXIST, each conflict in @d at its place in the
 * file. Owned objects that vanished are forgotten first (and planned again
 * if the file wants them).
 */
int engine_apply(struct engine *e, const struct nmd_config *c, struct eng_plan *done,
		 struct diags *d);

/*
 * Remove everything the engine owns (detach, delete, restore NICs, close
 * anchors), in order, going on after errors; the state file ends empty.
 * For `on_stop: teardown` and for the tests.
 */
int engine_teardown(struct engine *e, struct diags *d);

/* The anchors now held (borrowed; valid until the next engine call). */
size_t engine_anchors(const struct engine *e, const struct eng_anchor **v);

/*
 * An apply waiting for confirmation (`nmctl apply --confirm`), as the state
 * file keeps it so that it is not kept when the daemon stops or dies before
 * the confirmation: the configuration it replaced (its name and the texts
 * of its files, to be applied again by the next start), the unconfirmed
 * configuration's name, and the deadline (seconds since the epoch). The
 * engine only keeps it; the daemon decides (confirm.c).
 */
struct eng_confirm {
	char *file;		/* the unconfirmed configuration; NULL: none pending */
	char *prev_file;	/* the configuration to roll back to */
	/* The name and YAML text of each of its files (include:, drop-ins), prev_file's first. */
	struct nmd_config_text *prev_texts;
	size_t n_prev_texts;
	int64_t deadline;
};

/*
 * What a record may hold: as many files as a configuration (CFGFILES_MAX),
 * ENG_CONFIRM_TEXT_MAX bytes of text in all (one file's own limit). A
 * larger configuration is not recorded (the daemon says so); a state file
 * with a larger record is damaged.
 */
#define ENG_CONFIRM_TEXT_MAX (1u << 20)

/*
 * Record @c (copied; NULL clears it) and write the state file before
 * returning, so that it is on disk before the apply it protects. 0, or
 * -errno with the reason in @d and nothing recorded (-ENOMEM, -E2BIG over
 * the limits above, the state file cannot be written). Clearing what is
 * not set writes nothing.
 */
int engine_confirm_set(struct engine *e, const struct eng_confirm *c, struct diags *d);
/* The pending confirmation (from the last engine_confirm_set or the state file), or NULL. */
const struct eng_confirm *engine_confirm_get(const struct engine *e);

/*
 * The topology as observed and owned, for topology.get / switch.list:
 * {"switches":[{"name":"vale0","ports":[{"name":"vale0:v0","kind":
 * "persistent","owned":true,"index":0}, ...]}], "pipes":[...],
 * "nics":[{"name":"eth1","prepared":true,"saved":{...}}]}. NULL on -ENOMEM.
 */
json_t *engine_topology_json(struct engine *e);

#endif /* NETMAPD_ENGINE_H */
