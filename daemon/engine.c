// SPDX-License-Identifier: BSD-2-Clause
/*
 * engine - apply a plan with an undo journal, tear down, hold the pipe
 * anchors, describe the topology (engine.h). Observation and planning are
 * in engine_plan.c, the owned objects and the state file in
 * engine_state.c.
 *
 * Apply, step by step: the intent of each action (what it makes or
 * removes; for a NIC prepare, the NIC's settings read before it) is
 * written to the state file first (obj_make_logged(), obj_unmake_logged()),
 * then the action is run, the object it made or removed is recorded in the
 * journal (a copy, with what is needed to undo it: a NIC's saved settings,
 * a port's parameters) and the state file is rewritten without the intent.
 * After a crash at any point, eng_recover() at the next start finishes or
 * undoes the one change in progress. On the first failure (of an action or of writing the state
 * file) the journal is run backwards: what was made is removed, what was
 * removed is made again, and the state file is rewritten after each undo.
 * A crash in the middle leaves a state file that says exactly what exists
 * and is ours, so the next start plans from there.
 *
 * Ownership: the engine owns its anchor fds (one per pipe it holds) and
 * closes them in engine_free() (a pipe vanishes with its last fd: the
 * daemon hands them to systemd's fd store before, see engine_anchors()).
 */
#include "engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net/netmap.h>

int eng_err(struct diags *d, const struct nmd_mark *m, const char *fmt, ...)
{
	char buf[DIAG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (d)
		diag_add(d, m ? m->line : 0, m ? m->column : 0, "%s", buf);
	return -EINVAL;
}

void eng_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

const char *eng_kern_why(const struct engine *e)
{
	const char *w = e->k->ops->why ? e->k->ops->why(e->k->ctx) : NULL;

	return w && *w ? w : NULL;
}

static const char *const action_names[] = {
	[ENG_NEWIF] = "newif",
	[ENG_DELIF] = "delif",
	[ENG_NIC_PREPARE] = "nic_prepare",
	[ENG_NIC_RESTORE] = "nic_restore",
	[ENG_ATTACH] = "attach",
	[ENG_DETACH] = "detach",
	[ENG_POLLING_ENABLE] = "polling_enable",
	[ENG_POLLING_DISABLE] = "polling_disable",
	[ENG_ANCHOR_OPEN] = "anchor_open",
	[ENG_ANCHOR_CLOSE] = "anchor_close",
	[ENG_ADOPT] = "adopt",
	[ENG_CONFLICT] = "conflict",
};

const char *eng_action_name(enum eng_action_kind k)
{
	return (unsigned)k < ELEMENTSOF(action_names) && action_names[k] ? action_names[k] : "?";
}

void eng_plan_done(struct eng_plan *p)
{
	if (!p)
		return;
	free(p->v);
	memset(p, 0, sizeof(*p));
}

json_t *eng_plan_to_json(const struct eng_plan *p, const struct nmd_config *c)
{
	json_t *arr = json_array();

	if (!arr)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		const struct eng_action *a = &p->v[i];
		const char *file = NULL;
		unsigned line = c && a->mark.line ? config_line(c, a->mark.line, &file) : a->mark.line;
		json_t *o;

		if (file && streq(file, c->file))
			file = NULL;	/* named only when not the main file */
		o = json_pack("{s:s, s:s, s:s, s:i, s:s*}", "action", eng_action_name(a->kind), "object",
			      a->object, "text", a->text, "line", (int)line, "file", file);
		if (json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* ---- life ---- */

static struct engine *engine_alloc(const struct kern *k, const char *state_path)
{
	struct engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->k = k;
	e->intent.obj.fd = -1;
	if (state_path) {
		e->state_path = strdup(state_path);
		if (!e->state_path) {
			free(e);
			return NULL;
		}
	}
	return e;
}

int engine_new(const struct kern *k, const char *state_path, struct engine **ret,
	       struct diags *d)
{
	struct engine *e = engine_alloc(k, state_path);
	int r;

	*ret = NULL;
	if (!e)
		return -ENOMEM;
	r = eng_state_load(e, d);
	if (r) {
		engine_free(e);
		return r;
	}
	*ret = e;
	return 0;
}

int engine_start(const struct kern *k, const char *state_path, struct engine **ret,
		 struct diags *damage, struct diags *notes)
{
	struct engine *e = engine_alloc(k, state_path);
	char aside[4096];
	int r;

	*ret = NULL;
	if (!e)
		return -ENOMEM;
	r = eng_state_load(e, damage);
	if (r == -ENOMEM) {
		engine_free(e);
		return r;
	}
	if (r) {
		r = eng_state_set_aside(e, aside, sizeof(aside));
		if (r) {
			eng_err(damage, NULL, "state file %s is damaged and cannot be moved aside: %s",
				e->state_path, strerror(-r));
			engine_free(e);
			return r;
		}
		eng_err(damage, NULL, "state file %s is damaged: moved aside to %s", e->state_path,
			aside);
		eng_err(damage, NULL,
			"starting from what the kernel shows: nothing is netmapd's but what the "
			"configuration wants and already matches (adopted); a NIC prepared before "
			"keeps its changed settings (its originals are in the file moved aside)");
	}
	(void)eng_recover(e, notes);
	*ret = e;
	return 0;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_objs; i++)
		if (e->objs[i].kind == OBJ_ANCHOR && e->objs[i].fd >= 0)
			close(e->objs[i].fd);
	eng_obj_clear(e);
	eng_intent_clear(e);
	eng_confirm_clear(e);
	free(e->objs);
	free(e->js);
	free(e->anchors);
	free(e->state_path);
	free(e);
}

/* ---- making and removing one object ---- */

static const char *errtext(const struct engine *e, int r)
{
	const char *w = eng_kern_why(e);

	return w ? w : strerror(-r);
}

/* The mem_id for NEWIF from the file's "memory". */
static int resolve_mem(struct engine *e, struct eng_obj *ob, const struct nmd_mark *m,
		       struct diags *d)
{
	struct kern_reg reg;
	int r;

	if (!ob->memory[0]) {
		ob->mem_id = 0;
		return 0;
	}
	if (streq(ob->memory, "global")) {
		ob->mem_id = 1;
		return 0;
	}
	r = e->k->ops->port_info(e->k->ctx, ob->memory, &reg);
	if (r < 0) {
		eng_err(d, m, "persistent port %s: cannot find the memory region of %s: %s%s",
			ob->name, ob->memory, strerror(-r),
			r == -ENXIO ? " (an ephemeral port has a region only while it is open)" : "");
		return r;
	}
	ob->mem_id = reg.mem_id;
	return 0;
}

static int obj_make(struct engine *e, struct eng_obj *ob, const struct nmd_mark *m,
		    struct diags *d)
{
	const struct kern_ops *ops = e->k->ops;
	void *ctx = e->k->ctx;
	struct eng_obj *nic;
	int r;

	switch (ob->kind) {
	case OBJ_PERSISTENT:
		r = resolve_mem(e, ob, m, d);
		if (r)
			return r;
		r = ops->vale_newif(ctx, ob->name, ob->tx_rings, ob->rx_rings, ob->tx_slots,
				    ob->rx_slots, ob->mem_id);
		break;
	case OBJ_NIC:
		memset(&ob->saved, 0, sizeof(ob->saved));
		r = ops->nic_prepare(ctx, ob->name, &ob->prep, ob->bridged, &ob->saved);
		break;
	case OBJ_ATTACH:
		r = ops->vale_attach(ctx, ob->name, ob->host, 0);
		if (r)
			break;
		nic = strchr(ob->name, ':') ? eng_obj_find(e, OBJ_NIC, strchr(ob->name, ':') + 1)
					    : NULL;
		if (nic && ops->nic_reassert) {
			r = ops->nic_reassert(ctx, nic->name, &nic->saved);
			if (r) {
				eng_err(d, m, "%s: cannot set promiscuous mode again after attaching: %s",
					nic->name, errtext(e, r));
				ops->vale_detach(ctx, ob->name);
				return r;
			}
		}
		break;
	case OBJ_POLLING:
		r = ops->polling_enable(ctx, ob->name, &ob->polling);
		break;
	case OBJ_ANCHOR: {
		struct kern_open req = {
			.name = ob->name,
			.mode = NR_REG_ALL_NIC,
			.tx_rings = ob->tx_rings,
			.rx_rings = ob->rx_rings,
			.tx_slots = ob->tx_slots,
			.rx_slots = ob->rx_slots,
		};
		struct kern_reg reg;

		ob->fd = -1;
		r = ops->port_open(ctx, &req, &ob->fd, &reg);
		if (!r && !ob->fdname[0])
			eng_anchor_fdname(ob->name, ob->fdname, sizeof(ob->fdname));
		break;
	}
	default:
		r = -EINVAL;
	}
	if (r)
		eng_err(d, m, "%s %s: %s", ob->kind == OBJ_NIC ? "prepare NIC" :
			ob->kind == OBJ_ANCHOR ? "open pipe" : ob->kind == OBJ_PERSISTENT ?
			"create persistent port" : ob->kind == OBJ_ATTACH ? "attach" :
			"start polling on", ob->name, errtext(e, r));
	return r;
}

static int obj_unmake(struct engine *e, struct eng_obj *ob, const struct nmd_mark *m,
		      struct diags *d)
{
	const struct kern_ops *ops = e->k->ops;
	void *ctx = e->k->ctx;
	int r;

	switch (ob->kind) {
	case OBJ_PERSISTENT:
		r = ops->vale_delif(ctx, ob->name);
		break;
	case OBJ_NIC:
		r = ops->nic_restore(ctx, ob->name, &ob->saved);
		break;
	case OBJ_ATTACH:
		r = ops->vale_detach(ctx, ob->name);
		break;
	case OBJ_POLLING:
		r = ops->polling_disable(ctx, ob->name);
		break;
	case OBJ_ANCHOR:
		r = ob->fd >= 0 && close(ob->fd) < 0 && errno != EINTR ? -errno : 0;
		ob->fd = -1;
		break;
	default:
		r = -EINVAL;
	}
	if (r)
		eng_err(d, m, "%s %s: %s", ob->kind == OBJ_NIC ? "restore NIC" :
			ob->kind == OBJ_ANCHOR ? "close pipe" : ob->kind == OBJ_PERSISTENT ?
			"delete persistent port" : ob->kind == OBJ_ATTACH ? "detach" :
			"stop polling on", ob->name, errtext(e, r));
	return r;
}

/* The intent to make (@make) or remove @ob, in the state file: 0, or reported. */
static int intent_record(struct engine *e, bool make, const struct eng_obj *ob,
			 const struct nmd_mark *m, struct diags *d)
{
	int r = eng_intent_set(e, make, ob);

	if (!r)
		r = eng_state_save(e, d);
	if (r) {
		eng_intent_clear(e);
		eng_err(d, m, "%s: the intent could not be recorded; nothing done", ob->name);
	}
	return r;
}

/* The change the intent announced returned @r: drop the intent; pass @r on. */
static int intent_done(struct engine *e, int r)
{
	eng_intent_clear(e);
	if (r)
		(void)eng_state_save(e, NULL);
	return r;
}

/*
 * Write-ahead: the intent to make @ob (with, for a NIC, its original
 * settings read now) reaches the state file before the kernel or the NIC
 * is touched; then the change. The intent is cleared in memory either way:
 * on success the caller adds @ob to the owned set and saves (the one write
 * that turns "making X" into "X is ours"); on failure nothing changed and
 * the state is saved without the intent (a failure to save that is not an
 * error: a stale intent is recovered as "not done").
 */
static int obj_make_logged(struct engine *e, struct eng_obj *ob, const struct nmd_mark *m,
			   struct diags *d)
{
	struct eng_obj in = *ob;
	int r;

	if (ob->kind == OBJ_NIC && e->k->ops->nic_observe) {
		r = e->k->ops->nic_observe(e->k->ctx, ob->name, &ob->prep, ob->bridged, &in.saved);
		if (r) {
			eng_err(d, m, "prepare NIC %s: cannot read its settings: %s", ob->name,
				errtext(e, r));
			return r;
		}
	}
	r = intent_record(e, true, &in, m, d);
	if (r)
		return r;
	return intent_done(e, obj_make(e, ob, m, d));
}

/* The same for removing the owned @ob (its record says what to undo). */
static int obj_unmake_logged(struct engine *e, struct eng_obj *ob, const struct nmd_mark *m,
			     struct diags *d)
{
	int r;

	r = intent_record(e, false, ob, m, d);
	if (r)
		return r;
	return intent_done(e, obj_unmake(e, ob, m, d));
}

/* ---- apply ---- */

struct jent {
	bool made;	/* the action made (or adopted) obj; else it removed it */
	bool adopted;
	size_t pos;	/* where a removed object was in e->objs */
	struct eng_obj obj;
};

static enum eng_obj_kind action_obj_kind(const struct eng_action *a)
{
	switch (a->kind == ENG_ADOPT ? a->adopt : a->kind) {
	case ENG_NEWIF:
	case ENG_DELIF:
		return OBJ_PERSISTENT;
	case ENG_NIC_PREPARE:
	case ENG_NIC_RESTORE:
		return OBJ_NIC;
	case ENG_ATTACH:
	case ENG_DETACH:
		return OBJ_ATTACH;
	case ENG_POLLING_ENABLE:
	case ENG_POLLING_DISABLE:
		return OBJ_POLLING;
	case ENG_ANCHOR_OPEN:
	case ENG_ANCHOR_CLOSE:
		return OBJ_ANCHOR;
	default:
		return OBJ__COUNT;
	}
}

static void obj_from_action(const struct eng_action *a, struct eng_obj *ob)
{
	memset(ob, 0, sizeof(*ob));
	ob->kind = action_obj_kind(a);
	snprintf(ob->name, sizeof(ob->name), "%s", a->object);
	ob->tx_rings = a->tx_rings;
	ob->rx_rings = a->rx_rings;
	ob->tx_slots = a->tx_slots;
	ob->rx_slots = a->rx_slots;
	snprintf(ob->memory, sizeof(ob->memory), "%s", a->memory);
	ob->mem_id = a->mem_id;
	ob->host = a->host;
	ob->prep = a->prep;
	ob->bridged = a->bridged;
	ob->polling = a->polling;
	ob->fd = -1;
	if (ob->kind == OBJ_ANCHOR)
		eng_anchor_fdname(ob->name, ob->fdname, sizeof(ob->fdname));
}

static int run_action(struct engine *e, const struct eng_action *a, struct jent *j,
		      struct diags *d)
{
	enum eng_obj_kind kind = action_obj_kind(a);
	struct eng_obj *ob;
	int r;

	memset(j, 0, sizeof(*j));
	switch (a->kind) {
	case ENG_ADOPT:
		if (kind != OBJ_PERSISTENT && kind != OBJ_ATTACH)
			return eng_err(d, &a->mark, "cannot adopt %s", a->object);
		/* fall through */
	case ENG_NEWIF:
	case ENG_NIC_PREPARE:
	case ENG_ATTACH:
	case ENG_POLLING_ENABLE:
	case ENG_ANCHOR_OPEN:
		j->made = true;
		j->adopted = a->kind == ENG_ADOPT;
		obj_from_action(a, &j->obj);
		if (eng_obj_find(e, kind, a->object))
			return eng_err(d, &a->mark, "%s: already owned", a->object);
		if (!j->adopted) {
			r = obj_make_logged(e, &j->obj, &a->mark, d);
			if (r)
				return r;
		}
		if (!eng_obj_add(e, &j->obj)) {
			if (!j->adopted)
				obj_unmake_logged(e, &j->obj, &a->mark, d);
			eng_err(d, &a->mark, "out of memory");
			return -ENOMEM;
		}
		return 0;
	case ENG_DELIF:
	case ENG_NIC_RESTORE:
	case ENG_DETACH:
	case ENG_POLLING_DISABLE:
	case ENG_ANCHOR_CLOSE:
		ob = eng_obj_find(e, kind, a->object);
		if (!ob)
			return eng_err(d, &a->mark, "%s: not owned, will not remove it", a->object);
		r = obj_unmake_logged(e, ob, &a->mark, d);
		if (r)
			return r;
		j->obj = *ob;
		j->obj.fd = -1;
		j->pos = (size_t)(ob - e->objs);
		eng_obj_del(e, ob);
		return 0;
	case ENG_CONFLICT:
		return eng_err(d, &a->mark, "%s", a->text);
	}
	return eng_err(d, &a->mark, "%s: unknown action %d", a->object, (int)a->kind);
}

/* Undo @j; the state file is rewritten by the caller. */
static int undo(struct engine *e, struct jent *j, struct diags *d)
{
	struct eng_obj *ob;
	int r = 0;

	if (j->made) {
		ob = eng_obj_find(e, j->obj.kind, j->obj.name);
		if (!ob)
			return 0;
		if (!j->adopted)
			r = obj_unmake_logged(e, ob, NULL, d);
		if (!r)
			eng_obj_del(e, ob);
		return r;
	}
	r = obj_make_logged(e, &j->obj, NULL, d);
	if (r)
		return r;
	if (!eng_obj_insert(e, j->pos, &j->obj)) {
		obj_unmake_logged(e, &j->obj, NULL, d);
		return -ENOMEM;
	}
	return 0;
}

static void rollback(struct engine *e, struct jent *journal, size_t n, struct diags *d)
{
	while (n-- > 0) {
		int r = undo(e, &journal[n], d);

		if (r)
			eng_err(d, NULL, "rollback: could not undo \"%s %s\" (%s): the kernel now differs from where the apply started",
				journal[n].made ? "make" : "remove", journal[n].obj.name,
				strerror(-r));
		(void)eng_state_save(e, d);
	}
}

/* Forget the owned objects that vanished (observed as gone). */
static int forget_gone(struct engine *e, const struct eng_obs *o, struct diags *d)
{
	if (!o->n_gone)
		return 0;
	for (size_t i = e->n_objs; i-- > 0;)
		if (o->gone[i])
			eng_obj_del(e, &e->objs[i]);
	return eng_state_save(e, d);
}

int engine_plan(struct engine *e, const struct nmd_config *c, struct eng_plan *plan,
		struct diags *d)
{
	struct eng_obs o;
	int r;

	memset(plan, 0, sizeof(*plan));
	r = eng_observe(e, &o, d);
	if (r)
		return r;
	r = eng_plan_compute(e, &o, c, plan, d);
	eng_obs_done(&o);
	return r;
}

int engine_apply(struct engine *e, const struct nmd_config *c, struct eng_plan *done,
		 struct diags *d)
{
	struct eng_plan p;
	struct eng_obs o;
	struct jent *journal = NULL;
	size_t nj = 0;
	int r;

	if (done)
		memset(done, 0, sizeof(*done));
	if (e->intent.set) {
		r = eng_recover(e, d);
		if (e->intent.set)
			return r ? r : -EIO;
	}
	r = eng_observe(e, &o, d);
	if (r)
		return r;
	r = eng_plan_compute(e, &o, c, &p, d);
	if (r) {
		eng_obs_done(&o);
		return r;
	}
	if (p.conflicts) {
		for (size_t i = 0; i < p.n; i++)
			if (p.v[i].kind == ENG_CONFLICT)
				eng_err(d, &p.v[i].mark, "%s", p.v[i].text);
		eng_err(d, NULL, "%zu conflict%s: nothing applied", p.conflicts,
			p.conflicts == 1 ? "" : "s");
		r = -EEXIST;
		goto out;
	}
	r = forget_gone(e, &o, d);
	if (r)
		goto out;
	if (p.n) {
		journal = calloc(p.n, sizeof(*journal));
		if (!journal) {
			r = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < p.n; i++) {
		const struct eng_action *a = &p.v[i];

		r = run_action(e, a, &journal[nj], d);
		if (!r) {
			nj++;
			r = eng_state_save(e, d);
		}
		if (r) {
			eng_err(d, &a->mark, "apply stopped at step %zu of %zu (%s): rolling back",
				i + 1, p.n, a->text);
			rollback(e, journal, nj, d);
			goto out;
		}
	}
	e->desired = c;
out:
	free(journal);
	eng_obs_done(&o);
	if (!r && done)
		*done = p;
	else
		eng_plan_done(&p);
	return r;
}

int engine_teardown(struct engine *e, struct diags *d)
{
	struct eng_obs o;
	bool observed;
	int first = 0, r;

	if (e->intent.set)
		first = eng_recover(e, d);
	observed = eng_observe(e, &o, NULL) == 0;
	/* Newest first within each kind: deleting objs[i] leaves objs[0..i-1] and gone[] in place. */
	for (int k = OBJ__COUNT - 1; k >= 0; k--) {
		for (size_t i = e->n_objs; i-- > 0;) {
			struct eng_obj *ob = &e->objs[i];

			if ((int)ob->kind != k)
				continue;
			r = 0;
			if (!observed || !o.gone[i])
				r = obj_unmake_logged(e, ob, NULL, d);
			if (r && !first)
				first = r;
			if (ob->kind == OBJ_ANCHOR)
				ob->fd = -1;	/* closed by obj_unmake */
			eng_obj_del(e, ob);
			r = eng_state_save(e, d);
			if (r && !first)
				first = r;
		}
	}
	if (observed)
		eng_obs_done(&o);
	e->desired = NULL;
	r = eng_state_save(e, d);
	if (r && !first)
		first = r;
	return first;
}

/* ---- recovery ---- */

/* A make intent: was it done? Undo (NIC, polling) or keep what exists as ours. */
static int recover_make(struct engine *e, struct eng_obj *ob, struct diags *d)
{
	const struct kern_ops *ops = e->k->ops;
	void *ctx = e->k->ctx;
	struct eng_obs o;
	int r;

	switch (ob->kind) {
	case OBJ_PERSISTENT:
	case OBJ_ATTACH:
		if (ob->kind == OBJ_PERSISTENT) {
			r = ops->netdev_exists(ctx, ob->name);
			if (r == 1)
				r = eng_is_persistent(e, NULL, ob->name);
		} else {
			r = eng_observe(e, &o, d);
			if (r)
				return r;
			r = eng_obs_listed(&o, ob->name);
			eng_obs_done(&o);
		}
		if (r < 0)
			return eng_err(d, NULL, "recovery: cannot tell whether %s exists: %s",
				       ob->name, strerror(-r)), r;
		if (!r) {
			eng_err(d, NULL, "recovery: %s %s was being made when netmapd stopped; it was not",
				eng_obj_kind_name(ob->kind), ob->name);
			return 0;
		}
		if (!eng_obj_find(e, ob->kind, ob->name) && !eng_obj_add(e, ob))
			return -ENOMEM;
		eng_err(d, NULL, "recovery: %s %s was being made when netmapd stopped; it exists and is netmapd's again (kept if the configuration wants it, else removed)",
			eng_obj_kind_name(ob->kind), ob->name);
		return 0;
	case OBJ_NIC:
		/* The originals read before the prepare: exact whatever part of it ran. */
		r = ops->nic_restore(ctx, ob->name, &ob->saved);
		if (!r || ops->netdev_exists(ctx, ob->name) == 0) {
			eng_err(d, NULL, "recovery: NIC %s was being prepared when netmapd stopped; %s",
				ob->name, r ? "it is gone" : "its original settings are restored");
			return 0;
		}
		/* Kept as ours with its originals: restored when it leaves the file. */
		if (!eng_obj_find(e, OBJ_NIC, ob->name) && !eng_obj_add(e, ob))
			return -ENOMEM;
		return eng_err(d, NULL, "recovery: NIC %s: restoring its original settings failed (%s); kept as netmapd's with them",
			       ob->name, errtext(e, r)), r;
	case OBJ_POLLING:
		(void)ops->polling_disable(ctx, ob->name);	/* on or not: off now */
		eng_err(d, NULL, "recovery: polling on %s was being started when netmapd stopped; stopped",
			ob->name);
		return 0;
	case OBJ_ANCHOR:	/* its fd died with the process, and the pipe with it */
	case OBJ__COUNT:
		break;
	}
	return 0;
}

/*
 * A remove intent: NIC restores and polling stops are finished (done
 * twice is the same as once); the others exist or not, which the next
 * observation tells.
 */
static int recover_remove(struct engine *e, const struct eng_obj *in, struct diags *d)
{
	struct eng_obj *ob = eng_obj_find(e, in->kind, in->name);
	int r = 0;

	if (!ob || (ob->kind != OBJ_NIC && ob->kind != OBJ_POLLING))
		return 0;
	if (ob->kind == OBJ_NIC) {
		r = e->k->ops->nic_restore(e->k->ctx, ob->name, &ob->saved);
		if (r && e->k->ops->netdev_exists(e->k->ctx, ob->name) != 0)
			return eng_err(d, NULL, "recovery: NIC %s: restoring its settings failed: %s",
				       ob->name, errtext(e, r)), r;
	} else {
		(void)e->k->ops->polling_disable(e->k->ctx, ob->name);
	}
	eng_err(d, NULL, "recovery: %s %s was being removed when netmapd stopped; done",
		eng_obj_kind_name(ob->kind), ob->name);
	eng_obj_del(e, ob);
	return 0;
}

int eng_recover(struct engine *e, struct diags *d)
{
	struct eng_obj ob;
	bool make;
	int r;

	if (!e->intent.set)
		return 0;
	ob = e->intent.obj;
	make = e->intent.make;
	r = make ? recover_make(e, &ob, d) : recover_remove(e, &ob, d);
	if (r == -ENOMEM || (r && make && (ob.kind == OBJ_PERSISTENT || ob.kind == OBJ_ATTACH)))
		return r;	/* the intent stays: tried again at the next apply */
	eng_intent_clear(e);
	return eng_state_save(e, d) ? -EIO : r;
}

/* ---- anchors ---- */

size_t engine_anchors(const struct engine *e, const struct eng_anchor **v)
{
	struct engine *me = (struct engine *)e;	/* the view is a cache */
	size_t n = 0;

	free(me->anchors);
	me->anchors = NULL;
	me->n_anchors = 0;
	for (size_t i = 0; i < e->n_objs; i++)
		n += e->objs[i].kind == OBJ_ANCHOR && e->objs[i].fd >= 0;
	if (n) {
		me->anchors = calloc(n, sizeof(*me->anchors));
		if (!me->anchors)
			n = 0;
	}
	for (size_t i = 0; i < e->n_objs && me->n_anchors < n; i++) {
		const struct eng_obj *ob = &e->objs[i];
		struct eng_anchor *a;

		if (ob->kind != OBJ_ANCHOR || ob->fd < 0)
			continue;
		a = &me->anchors[me->n_anchors++];
		snprintf(a->object, sizeof(a->object), "%s", ob->name);
		snprintf(a->fdname, sizeof(a->fdname), "%s", ob->fdname);
		a->fd = ob->fd;
	}
	*v = me->anchors;
	return me->n_anchors;
}

int engine_adopt_anchor(struct engine *e, const char *fdname, int fd)
{
	for (size_t i = 0; i < e->n_objs; i++) {
		struct eng_obj *ob = &e->objs[i];

		if (ob->kind != OBJ_ANCHOR || !streq(ob->fdname, fdname))
			continue;
		if (ob->fd >= 0) {
			close(fd);
			return -EEXIST;
		}
		ob->fd = fd;
		return 0;
	}
	close(fd);
	return -ENOENT;
}

/* ---- topology ---- */

static const char *port_kind(struct engine *e, const struct eng_obs *o, const char *name)
{
	const char *port = strchr(name, ':');
	const struct nmd_port *cp;
	size_t len;

	port = port ? port + 1 : name;
	len = strlen(port);
	if (len && port[len - 1] == '^')
		return "host";
	if (eng_obj_find(e, OBJ_PERSISTENT, port))
		return "persistent";
	if (eng_obj_find(e, OBJ_NIC, port))
		return "nic";
	cp = e->desired ? config_find_port(e->desired, name) : NULL;
	if (cp)
		return nmd_port_kind_name(cp->kind);
	if (e->k->ops->netdev_exists(e->k->ctx, port) == 1)
		return eng_is_persistent(e, o, port) == 1 ? "persistent" : "nic";
	return "ephemeral";
}

static int add_switch_port(json_t *switches, json_t *index, const char *sw, json_t *port)
{
	json_t *ports = json_object_get(index, sw);

	if (!ports) {
		json_t *s;

		ports = json_array();
		s = json_pack("{s:s, s:o}", "name", sw, "ports", ports);
		if (!s || json_array_append_new(switches, s) || json_object_set(index, sw, ports))
			return -ENOMEM;
	}
	return json_array_append_new(ports, port) ? -ENOMEM : 0;
}

json_t *engine_topology_json(struct engine *e)
{
	json_t *root = NULL, *switches, *pipes, *nics, *pers, *index;
	struct eng_obs o;
	bool observed;

	switches = json_array();
	pipes = json_array();
	nics = json_array();
	pers = json_array();
	index = json_object();
	if (!switches || !pipes || !nics || !pers || !index)
		goto err;
	observed = eng_observe(e, &o, NULL) == 0;
	for (size_t i = 0; observed && i < o.n; i++) {
		const struct kern_vale_port *p = &o.ports[i];
		char sw[NMD_REQ_IFNAMSIZ], base[NMD_REQ_IFNAMSIZ];
		size_t len;
		bool own;
		json_t *pj;

		snprintf(sw, sizeof(sw), "%s", p->name);
		sw[strcspn(sw, ":")] = '\0';
		snprintf(base, sizeof(base), "%s", p->name);
		len = strlen(base);
		if (len && base[len - 1] == '^')
			base[len - 1] = '\0';
		own = eng_obj_find(e, OBJ_ATTACH, base) != NULL;
		pj = json_pack("{s:s, s:s, s:b, s:I}", "name", p->name, "kind",
			       port_kind(e, &o, p->name), "owned", own, "index",
			       (json_int_t)p->port_idx);
		if (!pj || add_switch_port(switches, index, sw, pj)) {
			eng_obs_done(&o);
			goto err;
		}
	}
	if (observed)
		eng_obs_done(&o);
	for (size_t i = 0; i < e->n_objs; i++) {
		const struct eng_obj *ob = &e->objs[i];
		json_t *x = NULL;

		if (ob->kind == OBJ_ANCHOR) {
			char peer[NMD_REQ_IFNAMSIZ];
			char *b;

			snprintf(peer, sizeof(peer), "%s", ob->name);
			b = strrchr(peer, '{');
			if (b)
				*b = '}';
			x = json_pack("{s:s, s:s, s:b, s:b, s:s}", "name", ob->name, "peer", peer,
				      "owned", 1, "held", ob->fd >= 0, "fdname", ob->fdname);
			if (!x || json_array_append_new(pipes, x))
				goto err;
		} else if (ob->kind == OBJ_NIC) {
			x = json_pack("{s:s, s:b, s:o*}", "name", ob->name, "prepared", 1, "saved",
				      nic_saved_to_json(&ob->saved));
			if (!x || json_array_append_new(nics, x))
				goto err;
		} else if (ob->kind == OBJ_PERSISTENT) {
			x = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I}", "name", ob->name, "owned", 1,
				      "tx_rings", (json_int_t)ob->tx_rings, "rx_rings",
				      (json_int_t)ob->rx_rings, "tx_slots", (json_int_t)ob->tx_slots,
				      "rx_slots", (json_int_t)ob->rx_slots);
			if (!x || json_array_append_new(pers, x))
				goto err;
		}
	}
	root = json_pack("{s:o, s:o, s:o, s:o}", "switches", switches, "pipes", pipes, "nics",
			 nics, "persistent", pers);
	json_decref(index);
	return root;
err:
	json_decref(switches);
	json_decref(pipes);
	json_decref(nics);
	json_decref(pers);
	json_decref(index);
	return NULL;
}
