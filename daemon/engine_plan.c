// SPDX-License-Identifier: BSD-2-Clause
/*
 * engine_plan - observe the kernel and compute the plan (engine.h).
 *
 * Observation: VALE_LIST gives every attached port and every ephemeral
 * port in use; a persistent port that is not attached is only a netdev,
 * told from a NIC by PORT_INFO_GET (a VALE port answers with no host
 * rings, a NIC with its host ring pair); NICs are netdevs; pipes cannot be
 * enumerated (netmap has no request for it), so a pipe exists, as far as
 * the engine knows, while the engine holds its anchor fd; polling cannot
 * be queried, so it exists while the attachment it runs on exists.
 *
 * The file becomes a list of wanted objects (struct want) in the order of
 * the file, each with the wanted object it depends on. Each is then:
 *   OK        owned, exists, same parameters: nothing to do;
 *   RECREATE  owned but its parameters changed, or what it depends on is
 *             recreated: remove, then create;
 *   CREATE    does not exist: create;
 *   ADOPT     exists, not owned, matches: record it as owned;
 *   CONFLICT  exists, not owned, differs (or a NIC that is not there):
 *             the plan cannot be applied;
 *   SKIP      depends on a conflict: not planned (the conflict says why).
 * Owned objects that nothing wants any more are removed.
 *
 * Ordering: removals first (pipe anchors, polling, attachments, NIC
 * restores, persistent ports: the reverse of the creation order), then
 * adoptions, then creations by kind (persistent ports, those with a region
 * of their own before those that share one; NIC preparations;
 * attachments; polling; pipe anchors), each in the order of the file.
 * Conflicts come last. The ordering by kind is what makes it acceptable to
 * the kernel: a port exists before it is attached, a NIC is prepared
 * before netmap takes it, polling needs the attachment, a pipe needs its
 * parent, and a persistent port cannot be deleted while attached or while
 * one of its pipes is held.
 */
#include "engine_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- observation ---- */

static const char *port_part(const char *name)
{
	const char *c = strchr(name, ':');

	return c ? c + 1 : name;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct kern_vale_port *)a)->name,
		      ((const struct kern_vale_port *)b)->name);
}

static int cmp_port(const void *a, const void *b)
{
	const struct kern_vale_port *x = *(const struct kern_vale_port *const *)a;
	const struct kern_vale_port *y = *(const struct kern_vale_port *const *)b;
	int r = strcmp(port_part(x->name), port_part(y->name));

	return r ? r : strcmp(x->name, y->name);
}

bool eng_obs_listed(const struct eng_obs *o, const char *name)
{
	struct kern_vale_port key;

	if (!o->n || strlen(name) >= sizeof(key.name))
		return false;
	strcpy(key.name, name);
	return bsearch(&key, o->ports, o->n, sizeof(key), cmp_name) != NULL;
}

/* The first listed "valeX:@port" (any switch), or NULL. */
static const struct kern_vale_port *obs_find_port(const struct eng_obs *o, const char *port)
{
	size_t lo = 0, hi = o->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(port_part(o->by_port[mid]->name), port) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < o->n && streq(port_part(o->by_port[lo]->name), port))
		return o->by_port[lo];
	return NULL;
}

int eng_is_persistent(struct engine *e, const struct eng_obs *o, const char *ifname)
{
	struct kern_reg reg;
	int r;

	(void)o;	/* attached or not, only the rings tell a NIC from a VALE port */
	r = e->k->ops->port_info(e->k->ctx, ifname, &reg);
	if (r == -ENXIO || r == -ENOENT || r == -EOPNOTSUPP || r == -EINVAL)
		return 0;
	if (r < 0)
		return r;
	return reg.host_tx_rings == 0 && reg.host_rx_rings == 0;
}

/* Does owned object @ob still exist? 1, 0 or -errno. */
static int obj_exists(struct engine *e, const struct eng_obs *o, const struct eng_obj *ob)
{
	int r;

	switch (ob->kind) {
	case OBJ_PERSISTENT: {
		const struct kern_vale_port *at = obs_find_port(o, ob->name);

		/* Listed under an attachment of ours: it is our port (saves an ioctl per port). */
		if (at && eng_obj_find(e, OBJ_ATTACH, at->name))
			return 1;
		r = e->k->ops->netdev_exists(e->k->ctx, ob->name);
		if (r <= 0)
			return r;
		return eng_is_persistent(e, o, ob->name);
	}
	case OBJ_NIC:
		return e->k->ops->netdev_exists(e->k->ctx, ob->name);
	case OBJ_ATTACH:
	case OBJ_POLLING:
		return eng_obs_listed(o, ob->name);
	case OBJ_ANCHOR:
		return ob->fd >= 0;
	case OBJ__COUNT:
		break;
	}
	return 0;
}

void eng_obs_done(struct eng_obs *o)
{
	free(o->ports);
	free(o->by_port);
	free(o->gone);
	memset(o, 0, sizeof(*o));
}

int eng_observe(struct engine *e, struct eng_obs *o, struct diags *d)
{
	int r;

	memset(o, 0, sizeof(*o));
	r = e->k->ops->vale_list(e->k->ctx, &o->ports, &o->n);
	if (r < 0)
		return eng_err(d, NULL, "cannot list the VALE switches: %s", strerror(-r)), r;
	if (o->n) {
		qsort(o->ports, o->n, sizeof(*o->ports), cmp_name);
		o->by_port = malloc(o->n * sizeof(*o->by_port));
		if (!o->by_port)
			goto enomem;
		for (size_t i = 0; i < o->n; i++)
			o->by_port[i] = &o->ports[i];
		qsort(o->by_port, o->n, sizeof(*o->by_port), cmp_port);
	}
	if (e->n_objs) {
		o->gone = calloc(e->n_objs, sizeof(*o->gone));
		if (!o->gone)
			goto enomem;
	}
	for (size_t i = 0; i < e->n_objs; i++) {
		r = obj_exists(e, o, &e->objs[i]);
		if (r < 0) {
			eng_err(d, NULL, "cannot tell whether %s %s exists: %s",
				eng_obj_kind_name(e->objs[i].kind), e->objs[i].name, strerror(-r));
			eng_obs_done(o);
			return r;
		}
		o->gone[i] = !r;
		o->n_gone += !r;
	}
	return 0;
enomem:
	eng_obs_done(o);
	return -ENOMEM;
}

/* ---- wanted objects ---- */

enum want_state { W_PRESENT, W_CREATE, W_RECREATE, W_ADOPT, W_CONFLICT, W_SKIP };

struct want {
	struct eng_obj obj;
	struct nmd_mark mark;
	enum want_state st;
	long dep;			/* index of the want it needs, -1 */
	const char *sw;			/* OBJ_ATTACH: the switch */
	const char *port;		/* OBJ_ATTACH: the port part */
	bool shares_memory;		/* OBJ_PERSISTENT with memory: PORT */
	char why[200];			/* W_CONFLICT */
};

struct wants {
	struct want *v;
	size_t n, cap;
};

static struct want *want_push(struct wants *w, enum eng_obj_kind kind, const char *name,
			      struct nmd_mark mark, long dep)
{
	struct want *x;

	/* The loader keeps names within NETMAP_REQ_IFNAMSIZ; never cut one short. */
	if (strlen(name) >= sizeof(x->obj.name)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	x = array_push(&w->v, &w->n, &w->cap, sizeof(*x));
	if (!x)
		return NULL;
	x->obj.kind = kind;
	x->obj.fd = -1;
	strcpy(x->obj.name, name);
	x->mark = mark;
	x->dep = dep;
	return x;
}

static long want_find(const struct wants *w, enum eng_obj_kind kind, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].obj.kind == kind && streq(w->v[i].obj.name, name))
			return (long)i;
	return -1;
}

static int wants_build(const struct nmd_config *c, struct wants *w)
{
	char name[NMD_REQ_IFNAMSIZ * 2];

	for (size_t s = 0; s < c->n_switches; s++) {
		const struct nmd_switch *sw = &c->switches[s];

		for (size_t i = 0; i < sw->n_ports; i++) {
			const struct nmd_port *p = &sw->ports[i];
			struct want *x;
			long port_idx, att_idx;

			if (p->kind == NMD_PORT_EPHEMERAL)
				continue;	/* exists while a client holds it: nothing to make */
			port_idx = (long)w->n;
			if (p->kind == NMD_PORT_PERSISTENT) {
				x = want_push(w, OBJ_PERSISTENT, p->full, p->mark, -1);
				if (!x)
					return -errno;
				x->obj.tx_rings = p->tx_rings;
				x->obj.rx_rings = p->rx_rings;
				x->obj.tx_slots = p->tx_slots;
				x->obj.rx_slots = p->rx_slots;
				snprintf(x->obj.memory, sizeof(x->obj.memory), "%s",
					 p->memory ? p->memory : "");
				x->shares_memory = p->memory && !streq(p->memory, "global");
			} else {
				x = want_push(w, OBJ_NIC, p->full, p->mark, -1);
				if (!x)
					return -errno;
				x->obj.prep = p->prep;
				x->obj.bridged = true;
			}
			snprintf(name, sizeof(name), "%s:%s", sw->name, p->full);
			att_idx = (long)w->n;
			x = want_push(w, OBJ_ATTACH, name, p->mark, port_idx);
			if (!x)
				return -errno;
			x->obj.host = p->kind == NMD_PORT_NIC && p->host;
			x->sw = sw->name;
			x->port = p->full;
			if (p->kind == NMD_PORT_NIC && p->polling.mode != NMD_POLLING_NONE) {
				x = want_push(w, OBJ_POLLING, name,
					      p->polling.mark.line ? p->polling.mark : p->mark, att_idx);
				if (!x)
					return -errno;
				x->obj.polling = p->polling;
				x->obj.polling.mark = (struct nmd_mark){ 0, 0 };
			}
		}
	}
	for (size_t i = 0; i < c->n_pipes; i++) {
		const struct nmd_pipe *pp = &c->pipes[i];
		long dep = -1;

		if (pp->parent_port) {
			dep = want_find(w, pp->parent_port->kind == NMD_PORT_NIC ? OBJ_NIC
						: OBJ_PERSISTENT, pp->parent_port->full);
		}
		for (size_t j = 0; j < pp->n_ids; j++) {
			struct want *x;

			snprintf(name, sizeof(name), "%s{%s", pp->parent, pp->ids[j].id);
			x = want_push(w, OBJ_ANCHOR, name,
				      pp->ids[j].mark.line ? pp->ids[j].mark : pp->mark, dep);
			if (!x)
				return -errno;
			x->obj.tx_rings = pp->tx_rings;
			x->obj.rx_rings = pp->rx_rings;
			x->obj.tx_slots = pp->tx_slots;
			x->obj.rx_slots = pp->rx_slots;
			eng_anchor_fdname(name, x->obj.fdname, sizeof(x->obj.fdname));
		}
	}
	return 0;
}

static bool same_params(const struct eng_obj *a, const struct eng_obj *b)
{
	switch (a->kind) {
	case OBJ_PERSISTENT:
		if (!streq(a->memory, b->memory))
			return false;
		/* fall through */
	case OBJ_ANCHOR:
		return a->tx_rings == b->tx_rings && a->rx_rings == b->rx_rings &&
		       a->tx_slots == b->tx_slots && a->rx_slots == b->rx_slots;
	case OBJ_ATTACH:
		return a->host == b->host;
	case OBJ_NIC:
		return a->prep.offloads == b->prep.offloads &&
		       a->prep.promiscuous == b->prep.promiscuous &&
		       a->prep.flow_control == b->prep.flow_control &&
		       a->prep.force == b->prep.force && a->bridged == b->bridged;
	case OBJ_POLLING:
		return a->polling.mode == b->polling.mode &&
		       a->polling.first_cpu == b->polling.first_cpu &&
		       a->polling.ncpus == b->polling.ncpus;
	case OBJ__COUNT:
		break;
	}
	return false;
}

/* The owned, still existing object (kind, name), or NULL. */
static struct eng_obj *owned(struct engine *e, const struct eng_obs *o, enum eng_obj_kind kind,
			     const char *name)
{
	struct eng_obj *ob = eng_obj_find(e, kind, name);

	if (ob && o->gone && o->gone[ob - e->objs])
		return NULL;
	return ob;
}

#define CONFLICT(x, ...)                                                       \
	do {                                                                   \
		(x)->st = W_CONFLICT;                                          \
		eng_fmt((x)->why, sizeof((x)->why), __VA_ARGS__);             \
	} while (0)

/* The state of an object nobody owns: what exists in the kernel decides. */
static int judge_unowned(struct engine *e, const struct eng_obs *o, struct want *x,
			 const struct want *dep)
{
	enum want_state dep_st = dep ? dep->st : W_PRESENT;
	const struct kern_ops *ops = e->k->ops;
	const struct kern_vale_port *at;
	struct kern_reg reg;
	struct eng_obj *mine;
	int r;

	if ((dep_st == W_CREATE || dep_st == W_RECREATE) && dep->obj.kind != OBJ_NIC) {
		/* What it hangs on is new (a NIC is only prepared): so is it. */
		x->st = W_CREATE;
		return 0;
	}
	switch (x->obj.kind) {
	case OBJ_PERSISTENT:
		r = ops->netdev_exists(e->k->ctx, x->obj.name);
		if (r < 0)
			return r;
		if (!r) {
			x->st = W_CREATE;
			return 0;
		}
		r = eng_is_persistent(e, o, x->obj.name);
		if (r < 0)
			return r;
		if (!r) {
			CONFLICT(x, "%s is a network interface of this host, not a persistent VALE port: netmapd will not touch it (rename the port)",
				 x->obj.name);
			return 0;
		}
		r = ops->port_info(e->k->ctx, x->obj.name, &reg);
		if (r < 0)
			return r;
		if (reg.tx_rings != x->obj.tx_rings || reg.rx_rings != x->obj.rx_rings ||
		    reg.tx_slots != x->obj.tx_slots || reg.rx_slots != x->obj.rx_slots) {
			CONFLICT(x, "persistent port %s exists (not made by netmapd) with %u/%u rings and %u/%u slots; the file wants %u/%u and %u/%u (delete it with vale-ctl -r, or change the file)",
				 x->obj.name, reg.tx_rings, reg.rx_rings, reg.tx_slots, reg.rx_slots,
				 x->obj.tx_rings, x->obj.rx_rings, x->obj.tx_slots, x->obj.rx_slots);
			return 0;
		}
		x->st = W_ADOPT;
		return 0;
	case OBJ_NIC:
		r = ops->netdev_exists(e->k->ctx, x->obj.name);
		if (r < 0)
			return r;
		if (!r) {
			CONFLICT(x, "NIC %s: no such network interface", x->obj.name);
			return 0;
		}
		r = eng_is_persistent(e, o, x->obj.name);
		if (r < 0)
			return r;
		if (r) {
			CONFLICT(x, "%s is a persistent VALE port, not a NIC", x->obj.name);
			return 0;
		}
		if (!x->obj.prep.force && ops->nic_in_use) {
			char why[200] = "";

			r = ops->nic_in_use(e->k->ctx, x->obj.name, why, sizeof(why));
			if (r > 0) {
				CONFLICT(x, "NIC %s is in use by the host (%s): netmapd refuses to take it; move its addresses and routes away, or set force: true for it",
					 x->obj.name, why);
				return 0;
			}
		}
		x->st = W_CREATE;
		return 0;
	case OBJ_ATTACH: {
		char host[NMD_REQ_IFNAMSIZ + 2];

		snprintf(host, sizeof(host), "%s^", x->obj.name);
		if (eng_obs_listed(o, x->obj.name)) {
			bool has_host = eng_obs_listed(o, host);

			if (has_host != x->obj.host) {
				CONFLICT(x, "%s is attached %s its host rings (not by netmapd); the file wants it %s",
					 x->obj.name, has_host ? "with" : "without",
					 x->obj.host ? "with" : "without");
				return 0;
			}
			x->st = W_ADOPT;
			return 0;
		}
		at = obs_find_port(o, x->port);
		if (at) {
			mine = owned(e, o, OBJ_ATTACH, at->name);
			if (!mine) {
				CONFLICT(x, "%s is attached to another switch (%s, not by netmapd)",
					 x->port, at->name);
				return 0;
			}
		}
		x->st = W_CREATE;
		return 0;
	}
	case OBJ_POLLING:
		x->st = W_CREATE;
		return 0;
	case OBJ_ANCHOR:
		if (x->dep < 0 && !startswith(x->obj.name, "vale")) {
			/* An implicit parent: netmap would use an interface of that name. */
			char parent[NMD_REQ_IFNAMSIZ];

			snprintf(parent, sizeof(parent), "%s", x->obj.name);
			parent[strcspn(parent, "{")] = '\0';
			r = ops->netdev_exists(e->k->ctx, parent);
			if (r < 0)
				return r;
			if (r) {
				CONFLICT(x, "pipe %s: its parent %s is an existing interface that is not a port of the file",
					 x->obj.name, parent);
				return 0;
			}
		}
		x->st = W_CREATE;
		return 0;
	case OBJ__COUNT:
		break;
	}
	return -EINVAL;
}

struct eng_action *eng_plan_push(struct eng_plan *p)
{
	return array_push(&p->v, &p->n, &p->cap, sizeof(*p->v));
}

static void fmt_slots(char *buf, size_t len, const struct eng_obj *ob)
{
	snprintf(buf, len, "%u/%u rings, %u/%u slots", ob->tx_rings, ob->rx_rings,
		 ob->tx_slots, ob->rx_slots);
}

/* An action that makes @ob (from the file: @mark). */
static int push_create(struct eng_plan *p, const struct eng_obj *ob, struct nmd_mark mark)
{
	struct eng_action *a = eng_plan_push(p);
	char rs[96];

	if (!a)
		return -ENOMEM;
	snprintf(a->object, sizeof(a->object), "%s", ob->name);
	a->mark = mark;
	a->host = ob->host;
	a->tx_rings = ob->tx_rings;
	a->rx_rings = ob->rx_rings;
	a->tx_slots = ob->tx_slots;
	a->rx_slots = ob->rx_slots;
	a->mem_id = ob->mem_id;
	a->prep = ob->prep;
	a->bridged = ob->bridged;
	a->polling = ob->polling;
	snprintf(a->memory, sizeof(a->memory), "%s", ob->memory);
	fmt_slots(rs, sizeof(rs), ob);
	switch (ob->kind) {
	case OBJ_PERSISTENT:
		a->kind = ENG_NEWIF;
		eng_fmt(a->text, sizeof(a->text), "create persistent port %s (%s, %s%s)",
			 ob->name, rs, ob->memory[0] ? "memory of " : "a memory region of its own",
			 ob->memory);
		break;
	case OBJ_NIC:
		a->kind = ENG_NIC_PREPARE;
		eng_fmt(a->text, sizeof(a->text),
			 "prepare NIC %s (offloads %s, promiscuous %s, flow control %s%s)",
			 ob->name, ob->prep.offloads == NMD_OFFLOADS_OFF ? "off" : "kept",
			 ob->prep.promiscuous && ob->bridged ? "on" : "unchanged",
			 ob->prep.flow_control == NMD_FLOW_CONTROL_OFF ? "off" : "kept",
			 ob->prep.force ? ", forced" : "");
		break;
	case OBJ_ATTACH:
		a->kind = ENG_ATTACH;
		eng_fmt(a->text, sizeof(a->text), "attach %s%s", ob->name,
			 ob->host ? " (with host rings)" : "");
		break;
	case OBJ_POLLING:
		a->kind = ENG_POLLING_ENABLE;
		eng_fmt(a->text, sizeof(a->text), "start polling on %s (%s, CPU %u, %u CPUs)",
			 ob->name, ob->polling.mode == NMD_POLLING_MULTI ? "multi" : "single",
			 ob->polling.first_cpu, ob->polling.ncpus);
		break;
	case OBJ_ANCHOR:
		a->kind = ENG_ANCHOR_OPEN;
		eng_fmt(a->text, sizeof(a->text), "open and hold pipe %s (%s)", ob->name, rs);
		break;
	case OBJ__COUNT:
		return -EINVAL;
	}
	return 0;
}

/* An action that removes the owned @ob. */
static int push_remove(struct eng_plan *p, const struct eng_obj *ob, struct nmd_mark mark,
		       bool again)
{
	static const enum eng_action_kind kinds[OBJ__COUNT] = {
		[OBJ_PERSISTENT] = ENG_DELIF,
		[OBJ_NIC] = ENG_NIC_RESTORE,
		[OBJ_ATTACH] = ENG_DETACH,
		[OBJ_POLLING] = ENG_POLLING_DISABLE,
		[OBJ_ANCHOR] = ENG_ANCHOR_CLOSE,
	};
	static const char *const verbs[OBJ__COUNT] = {
		[OBJ_PERSISTENT] = "delete persistent port",
		[OBJ_NIC] = "restore the settings of NIC",
		[OBJ_ATTACH] = "detach",
		[OBJ_POLLING] = "stop polling on",
		[OBJ_ANCHOR] = "close pipe",
	};
	struct eng_action *a = eng_plan_push(p);

	if (!a)
		return -ENOMEM;
	a->kind = kinds[ob->kind];
	snprintf(a->object, sizeof(a->object), "%s", ob->name);
	a->mark = mark;
	eng_fmt(a->text, sizeof(a->text), "%s %s%s", verbs[ob->kind], ob->name,
		 again ? " (to make it again with new parameters)" : "");
	return 0;
}

/*
 * Ephemeral ports are made by the first open, not by the plan; but one
 * named like an interface of the host never can be (the kernel refuses
 * valeB:IF for an interface IF that is not attached): a conflict.
 */
static int ephemeral_conflicts(struct engine *e, const struct nmd_config *c, struct eng_plan *p)
{
	for (size_t s = 0; c && s < c->n_switches; s++) {
		for (size_t i = 0; i < c->switches[s].n_ports; i++) {
			const struct nmd_port *port = &c->switches[s].ports[i];
			struct eng_action *a;
			int r;

			if (port->kind != NMD_PORT_EPHEMERAL)
				continue;
			r = e->k->ops->netdev_exists(e->k->ctx, port->name);
			if (r <= 0) {
				if (r < 0)
					return r;
				continue;
			}
			a = eng_plan_push(p);
			if (!a)
				return -ENOMEM;
			a->kind = ENG_CONFLICT;
			snprintf(a->object, sizeof(a->object), "%s", port->full);
			eng_fmt(a->text, sizeof(a->text),
				"ephemeral port %s: %s is a network interface of this host, so the kernel would refuse to create it (attach it as nic: %s, or rename the port)",
				port->full, port->name, port->name);
			a->mark = port->mark;
			p->conflicts++;
		}
	}
	return 0;
}

/*
 * Judge every wanted object, in dependency order (deps come first); mark in
 * @kept the owned objects that stay (as they are, or to be re-created).
 */
static int judge_wants(struct engine *e, const struct eng_obs *o, struct wants *w, bool *kept,
		       struct diags *d)
{
	for (size_t i = 0; i < w->n; i++) {
		struct want *x = &w->v[i];
		enum want_state dep_st = x->dep >= 0 ? w->v[x->dep].st : W_PRESENT;
		struct eng_obj *mine;
		int r;

		if (dep_st == W_CONFLICT || dep_st == W_SKIP) {
			x->st = W_SKIP;
			mine = owned(e, o, x->obj.kind, x->obj.name);
			if (mine)
				kept[mine - e->objs] = true;	/* leave it as it is */
			continue;
		}
		mine = owned(e, o, x->obj.kind, x->obj.name);
		if (mine) {
			kept[mine - e->objs] = true;
			if (!same_params(mine, &x->obj) || dep_st == W_RECREATE || dep_st == W_CREATE)
				x->st = W_RECREATE;
			else
				x->st = W_PRESENT;
			continue;
		}
		r = judge_unowned(e, o, x, x->dep >= 0 ? &w->v[x->dep] : NULL);
		if (r < 0) {
			eng_err(d, &x->mark, "cannot observe %s %s: %s",
				eng_obj_kind_name(x->obj.kind), x->obj.name, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* Removals: the reverse of creation, by kind, newest first. */
static int push_removals(const struct engine *e, const struct eng_obs *o,
			 const struct wants *w, const bool *kept, struct eng_plan *p)
{
	for (int k = OBJ__COUNT - 1; k >= 0; k--) {
		for (size_t i = e->n_objs; i-- > 0;) {
			const struct eng_obj *ob = &e->objs[i];
			long wi;
			int r;

			if ((int)ob->kind != k || (o->gone && o->gone[i]))
				continue;
			if (!kept[i]) {
				r = push_remove(p, ob, (struct nmd_mark){ 0, 0 }, false);
			} else {
				wi = want_find(w, ob->kind, ob->name);
				if (wi < 0 || w->v[wi].st != W_RECREATE)
					continue;
				r = push_remove(p, ob, w->v[wi].mark, true);
			}
			if (r)
				return r;
		}
	}
	return 0;
}

static int push_adoptions(const struct wants *w, struct eng_plan *p)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct want *x = &w->v[i];
		struct eng_action *a;
		int r;

		if (x->st != W_ADOPT)
			continue;
		r = push_create(p, &x->obj, x->mark);
		if (r)
			return r;
		a = &p->v[p->n - 1];
		a->adopt = a->kind;
		a->kind = ENG_ADOPT;
		eng_fmt(a->text, sizeof(a->text), "adopt %s %s (it exists and matches the file)",
			 x->obj.kind == OBJ_PERSISTENT ? "persistent port" : "attachment",
			 x->obj.name);
	}
	return 0;
}

/* Creations, by kind; persistent ports with their own region first. */
static int push_creations(const struct wants *w, struct eng_plan *p)
{
	for (int k = 0; k < OBJ__COUNT; k++) {
		for (int pass = 0; pass < (k == OBJ_PERSISTENT ? 2 : 1); pass++) {
			for (size_t i = 0; i < w->n; i++) {
				const struct want *x = &w->v[i];
				int r;

				if ((int)x->obj.kind != k ||
				    (x->st != W_CREATE && x->st != W_RECREATE))
					continue;
				if (k == OBJ_PERSISTENT && x->shares_memory != (pass == 1))
					continue;
				r = push_create(p, &x->obj, x->mark);
				if (r)
					return r;
			}
		}
	}
	return 0;
}

static int push_conflicts(const struct wants *w, struct eng_plan *p)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct want *x = &w->v[i];
		struct eng_action *a;

		if (x->st != W_CONFLICT)
			continue;
		a = eng_plan_push(p);
		if (!a)
			return -ENOMEM;
		a->kind = ENG_CONFLICT;
		snprintf(a->object, sizeof(a->object), "%s", x->obj.name);
		eng_fmt(a->text, sizeof(a->text), "%s", x->why);
		a->mark = x->mark;
		p->conflicts++;
	}
	return 0;
}

int eng_plan_compute(struct engine *e, const struct eng_obs *o, const struct nmd_config *c,
		     struct eng_plan *p, struct diags *d)
{
	struct wants w = { 0 };
	_cleanup_free_ bool *kept = NULL;
	int r = 0;

	memset(p, 0, sizeof(*p));
	if (c) {
		r = wants_build(c, &w);
		if (r == -ENAMETOOLONG)
			eng_err(d, NULL, "a kernel name made from the file is longer than %d characters",
				NMD_REQ_IFNAMSIZ - 1);
		if (r)
			goto out;
	}
	if (e->n_objs) {
		kept = calloc(e->n_objs, sizeof(*kept));
		if (!kept) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = judge_wants(e, o, &w, kept, d);
	if (!r)
		r = push_removals(e, o, &w, kept, p);
	if (!r)
		r = push_adoptions(&w, p);
	if (!r)
		r = push_creations(&w, p);
	if (!r)
		r = push_conflicts(&w, p);
	if (r)
		goto out;
	r = ephemeral_conflicts(e, c, p);
	if (r < 0 && r != -ENOMEM)
		eng_err(d, NULL, "cannot look at the host's interfaces: %s", strerror(-r));
out:
	if (r == -ENOMEM)
		eng_err(d, NULL, "out of memory while planning");
	if (r)
		eng_plan_done(p);
	free(w.v);
	return r;
}
