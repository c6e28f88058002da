// SPDX-License-Identifier: BSD-2-Clause
/*
 * Netmap pipes: names, parents (existing or implicit), and the lifetime of
 * a pipe pair. See pipe.h; the datapath is core/pipe_sync.c.
 *
 * Objects, all under nm_ctrl_lock:
 *   parent port --pipes list--> struct nm_pipe --end[0], end[1]--> ports
 * A pipe holds a reference to its parent and one to the region (through
 * each end's port->mem). Both ends count on the pipe's kref: the pair is
 * freed when the last reference to either end goes, i.e. when no fd is
 * bound to either end and no request is looking at it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/kref.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "core/memsize.h"
#include "mem.h"
#include "params.h"
#include "pipe.h"
#include "port.h"

enum { NM_PIPE_MASTER = 0, NM_PIPE_SLAVE = 1 };

struct nm_pipe {
	struct kref ref;		/* references to either end */
	struct nm_port *parent;		/* reference */
	struct list_head list;		/* parent->pipes */
	char id[NETMAP_REQ_IFNAMSIZ];
	struct nm_port end[2];		/* [NM_PIPE_MASTER] "P{ID", [NM_PIPE_SLAVE] "P}ID" */
};

/*
 * The rings of an end: TX rings with buffers, RX rings without: they show
 * the buffers of the peer's TX rings (nm_pipe_connect()), so a pipe takes
 * one set of buffers per direction, as netmap's do.
 */
static int nm_pipe_rings_create(struct nm_port *port)
{
	u32 buf_size = nm_mem_buf_size(port->mem);
	int d;

	for (d = 0; d < NM_NDIR; d++) {
		u32 i;

		for (i = 0; i < port->nrings[d]; i++) {
			struct nm_kring *k = &port->krings[d][i];
			struct netmap_ring *ring;

			ring = d == NM_TX ? nm_mem_ring_alloc(port->mem, port->nslots[d], i, false) :
			       nm_mem_ring_alloc_shared(port->mem, port->nslots[d], i, true);
			if (!ring) {
				pr_info_ratelimited("%s: no room for %s ring %u of %u slots in region %u\n",
						    port->name, d == NM_TX ? "tx" : "rx", i,
						    port->nslots[d], nm_mem_id(port->mem));
				nm_port_rings_delete(port);
				return -ENOMEM;
			}
			nm_kring_init(k, ring, port->mem, port->nslots[d], buf_size, i, d);
		}
	}
	return 0;
}

static int nm_pipe_stats(struct nm_port *end, bool host, struct nm_port_stats *st);

static const struct nm_port_ops nm_pipe_ops = {
	.txsync = nm_pipe_txsync,
	.rxsync = nm_pipe_rxsync,
	.krings_create = nm_port_krings_create,
	.krings_delete = nm_port_krings_delete,
	.rings_create = nm_pipe_rings_create,
	.rings_delete = nm_port_rings_delete,
	/* no dtor: the ends are freed with the pipe (nm_pipe_release) */
	.stats = nm_pipe_stats,
};

bool nm_pipe_is_name(const char *name)
{
	return strpbrk(name, "{}") != NULL;
}

/* ---- implicit parents ------------------------------------------------- */

static void nm_implicit_dtor(struct nm_port *port)
{
	lockdep_assert_held(&nm_ctrl_lock);
	if (READ_ONCE(nm_verbose))
		pr_info("implicit parent %s freed with its last pipe\n", port->name);
	nm_mem_put(port->mem);
	nm_port_cleanup(port);
	kfree(port);
}

static const struct nm_port_ops nm_implicit_ops = {
	.dtor = nm_implicit_dtor,
};

/*
 * A parent for "P{ID" when no port P exists (netmap creates an autodelete
 * VALE port there). It has no rings; its region is @mem if the request named
 * one, else a private region sized for the pipe about to be created
 * (@need) plus netmap's room for two more.
 */
static struct nm_port *nm_implicit_create(const char *name, struct nm_mem *mem,
					  const struct nm_mem_need *need)
{
	struct nm_port *port;

	lockdep_assert_held(&nm_ctrl_lock);
	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
	if (!port)
		return ERR_PTR(-ENOMEM);
	nm_port_setup(port, name, &nm_implicit_ops);
	port->flags |= NM_PORT_F_IMPLICIT;
	port->mem = mem ? nm_mem_get(mem) : nm_mem_create_private(need);
	if (IS_ERR(port->mem)) {
		long err = PTR_ERR(port->mem);

		nm_port_cleanup(port);
		kfree(port);
		return ERR_PTR(err);
	}
	nm_port_registry_add(port);
	if (READ_ONCE(nm_verbose))
		pr_info("implicit parent %s created (mem_id %u)\n", name, nm_mem_id(port->mem));
	return port;
}

/* ---- pipe pairs ------------------------------------------------------- */

/* Master TX i feeds slave RX i, slave TX i feeds master RX i. */
static void nm_pipe_link(struct nm_pipe *pipe, bool on)
{
	int e;
	u32 i;

	for (e = 0; e < 2; e++) {
		struct nm_port *a = &pipe->end[e], *b = &pipe->end[!e];

		for (i = 0; i < a->nrings[NM_TX]; i++) {
			if (on)
				nm_pipe_connect(&a->krings[NM_TX][i], &b->krings[NM_RX][i]);
			else
				nm_pipe_disconnect(&a->krings[NM_TX][i], &b->krings[NM_RX][i]);
		}
	}
}

/* The last reference to either end: free the pair. nm_ctrl_lock held. */
static void nm_pipe_release(struct kref *ref)
{
	struct nm_pipe *pipe = container_of(ref, struct nm_pipe, ref);
	struct nm_port *parent = pipe->parent;
	int e;

	lockdep_assert_held(&nm_ctrl_lock);
	list_del(&pipe->list);
	parent->npipes--;
	/* Each buffer in one ring only, so that it is freed once. */
	nm_pipe_link(pipe, false);
	for (e = 0; e < 2; e++) {
		struct nm_port *end = &pipe->end[e];

		WARN_ON_ONCE(end->users);
		nm_port_rings_detach(end);
		nm_mem_put(end->mem);
		nm_port_cleanup(end);
	}
	if (READ_ONCE(nm_verbose))
		pr_info("pipe %s{%s freed\n", parent->name, pipe->id);
	kfree(pipe);
	nm_port_put(parent);
}

/* 0 or out of range: the default; too big: the maximum. */
static u32 nm_pipe_bound(u32 v, u32 lo, u32 dflt, u32 hi)
{
	if (v < lo)
		return dflt;
	return min(v, hi);
}

/* Ring and slot counts of the end being opened (@role) from the request. */
static void nm_pipe_counts(const struct nm_port *parent, struct nm_mem *mem,
			   const struct nmreq_register *req,
			   u32 rings[NM_NDIR], u32 slots[NM_NDIR])
{
	u32 max_slots = NM_PIPE_MAX_SLOTS;
	int d;

	if (mem)
		max_slots = min(max_slots, nm_mem_ring_max_slots(mem));
	rings[NM_TX] = nm_pipe_bound(req->nr_tx_rings, 1, 1, NM_PIPE_MAX_RINGS);
	rings[NM_RX] = nm_pipe_bound(req->nr_rx_rings, 1, 1, NM_PIPE_MAX_RINGS);
	for (d = 0; d < NM_NDIR; d++) {
		u32 dflt = parent && parent->nslots[d] ? parent->nslots[d] :
			   NM_PIPE_DEFAULT_SLOTS;

		slots[d] = nm_pipe_bound(d == NM_TX ? req->nr_tx_slots : req->nr_rx_slots,
					 1, min(dflt, max_slots), max_slots);
	}
}

/*
 * Create the pair for pipe @id of @parent; the end @role gets the counts in
 * @rings/@slots, the other end the mirror image (its TX is our RX). Returns
 * the pipe holding one reference, for the caller's end.
 */
static struct nm_pipe *nm_pipe_create(struct nm_port *parent, const char *id, int role,
				      const u32 rings[NM_NDIR], const u32 slots[NM_NDIR])
{
	struct nm_pipe *pipe;
	int e, err;

	lockdep_assert_held(&nm_ctrl_lock);
	pipe = kzalloc(sizeof(*pipe), GFP_KERNEL_ACCOUNT);
	if (!pipe)
		return ERR_PTR(-ENOMEM);
	kref_init(&pipe->ref);
	strscpy(pipe->id, id, sizeof(pipe->id));
	for (e = 0; e < 2; e++) {
		struct nm_port *end = &pipe->end[e];
		char name[NETMAP_REQ_IFNAMSIZ];
		int mine = e == role;

		/* Fits: parent, separator and id all come from one nr_name. */
		snprintf(name, sizeof(name), "%s%c%s", parent->name,
			 e == NM_PIPE_MASTER ? '{' : '}', id);
		nm_port_setup(end, name, &nm_pipe_ops);
		end->flags |= NM_PORT_F_PIPE;
		end->ref = &pipe->ref;
		end->release = nm_pipe_release;
		end->pipe = pipe;
		end->mem = nm_mem_get(parent->mem);
		end->nrings[NM_TX] = rings[mine ? NM_TX : NM_RX];
		end->nrings[NM_RX] = rings[mine ? NM_RX : NM_TX];
		end->nslots[NM_TX] = slots[mine ? NM_TX : NM_RX];
		end->nslots[NM_RX] = slots[mine ? NM_RX : NM_TX];
	}
	for (e = 0; e < 2; e++) {
		err = nm_port_rings_attach(&pipe->end[e]);
		if (err)
			goto err_rings;
	}
	nm_pipe_link(pipe, true);
	pipe->parent = nm_port_get(parent);
	list_add(&pipe->list, &parent->pipes);
	parent->npipes++;
	if (READ_ONCE(nm_verbose))
		pr_info("pipe %s{%s created: %u/%u rings, %u/%u slots (mem_id %u)\n",
			parent->name, id, rings[NM_TX], rings[NM_RX], slots[NM_TX],
			slots[NM_RX], nm_mem_id(parent->mem));
	return pipe;

err_rings:
	for (e = 0; e < 2; e++) {
		nm_port_rings_detach(&pipe->end[e]);
		nm_mem_put(pipe->end[e].mem);
		nm_port_cleanup(&pipe->end[e]);
	}
	kfree(pipe);
	return ERR_PTR(err);
}

static struct nm_pipe *nm_pipe_find(struct nm_port *parent, const char *id)
{
	struct nm_pipe *pipe;

	list_for_each_entry(pipe, &parent->pipes, list)
		if (!strcmp(pipe->id, id))
			return pipe;
	return NULL;
}

/* Pipe ids, like VALE names, are identifiers: [A-Za-z0-9_]+. */
static bool nm_pipe_id_valid(const char *id)
{
	if (!*id)
		return false;
	for (; *id; id++)
		if (!isalnum(*id) && *id != '_')
			return false;
	return true;
}

int nm_pipe_lookup(const char *name, const struct nmreq_register *req,
		   struct nm_mem *mem, bool create, struct nm_port **portp)
{
	char pname[NETMAP_REQ_IFNAMSIZ];
	u32 rings[NM_NDIR], slots[NM_NDIR];
	struct nm_port *parent;
	struct nm_pipe *pipe;
	const char *sep, *id;
	int role = NM_PIPE_MASTER;
	int err;

	lockdep_assert_held(&nm_ctrl_lock);
	/* The last '{' splits the name; failing that, the last '}'. */
	sep = strrchr(name, '{');
	if (!sep) {
		sep = strrchr(name, '}');
		role = NM_PIPE_SLAVE;
	}
	if (!sep)
		return -ENOENT;
	id = sep + 1;
	if (sep == name || !nm_pipe_id_valid(id)) {
		pr_info_ratelimited("%s: bad pipe name (parent and id must not be empty, the id is [A-Za-z0-9_]+)\n",
				    name);
		return -EINVAL;
	}
	memcpy(pname, name, sep - name);
	pname[sep - name] = '\0';
	/* No pipes of pipes: a parent is a real port. */
	if (nm_pipe_is_name(pname)) {
		pr_info_ratelimited("%s: the parent of a pipe cannot be a pipe\n", name);
		return -EINVAL;
	}
	if (req->nr_mode != NR_REG_ALL_NIC && req->nr_mode != NR_REG_ONE_NIC) {
		pr_info_ratelimited("%s: pipes take only NR_REG_ALL_NIC or NR_REG_ONE_NIC (got mode %u)\n",
				    name, req->nr_mode);
		return -EINVAL;
	}

	err = nm_port_lookup_plain(pname, true, create, &parent);
	if (err == -ENXIO && !create)
		return -EPERM;	/* an implicit parent (or a VALE port) would be made */
	if (err == -ENXIO) {
		struct nm_mem_need need;

		nm_pipe_counts(NULL, mem, req, rings, slots);
		nm_pipe_parent_need(&need, rings[NM_TX], slots[NM_TX], rings[NM_RX],
				    slots[NM_RX], req->nr_extra_bufs);
		parent = nm_implicit_create(pname, mem, &need);
		if (IS_ERR(parent))
			return PTR_ERR(parent);
		err = 0;
	}
	if (err)
		return err;

	pipe = nm_pipe_find(parent, id);
	if (pipe) {
		*portp = nm_port_get(&pipe->end[role]);
		goto out;
	}
	if (!create) {
		err = -EPERM;
		goto out;
	}
	if (parent->npipes >= NM_PIPE_MAX_PER_PARENT) {
		pr_info_ratelimited("%s: no more than %d pipes per parent\n", name,
				    NM_PIPE_MAX_PER_PARENT);
		err = -ENOMEM;
		goto out;
	}
	nm_pipe_counts(parent, parent->mem, req, rings, slots);
	pipe = nm_pipe_create(parent, id, role, rings, slots);
	if (IS_ERR(pipe)) {
		err = PTR_ERR(pipe);
		goto out;
	}
	*portp = &pipe->end[role];	/* the creation reference */
out:
	/* An implicit parent just created goes away here if no pipe took it. */
	nm_port_put(parent);
	return err;
}

/* ---- counters --------------------------------------------------------- */

/* ops->stats: tx from its TX rings, rx from the peer's TX rings. */
static int nm_pipe_stats(struct nm_port *end, bool host, struct nm_port_stats *st)
{
	u32 i;

	if (host)
		return -EINVAL;

	for (i = 0; i < end->nrings[NM_TX]; i++) {
		const struct nm_kring *k = &end->krings[NM_TX][i];

		st->tx_packets += READ_ONCE(k->stat_pkts);
		st->tx_bytes += READ_ONCE(k->stat_bytes);
		st->tx_errors += READ_ONCE(k->stat_errs);
	}
	for (i = 0; i < end->nrings[NM_RX]; i++) {
		const struct nm_kring *k = end->krings[NM_RX][i].pipe;

		if (!k)
			continue;
		st->rx_packets += READ_ONCE(k->stat_pkts);
		st->rx_bytes += READ_ONCE(k->stat_bytes);
	}
	return NM_PORT_STATS_KIND_PIPE;
}

int nm_pipe_stats_by_name(const char *name, struct nm_port_stats *st)
{
	const struct nmreq_register req = { .nr_mode = NR_REG_ALL_NIC };
	struct nm_port *port;
	int err;

	mutex_lock(&nm_ctrl_lock);
	err = nm_pipe_lookup(name, &req, NULL, false, &port);
	if (err == -EPERM || err == -ENXIO) {
		/* No such pipe (or parent): it counted nothing. */
		err = NM_PORT_STATS_KIND_PIPE;
	} else if (!err) {
		err = nm_port_stats(port, false, st);
		nm_port_put(port);
	}
	mutex_unlock(&nm_ctrl_lock);
	return err;
}
