// SPDX-License-Identifier: BSD-2-Clause
/*
 * Monitors: creation, attaching to the monitored krings, detaching, and the
 * lifetime of a monitor port. See monitor.h; the datapath (the sync wrapper
 * and its rules) is core/monitor_sync.c.
 *
 * Objects, all under nm_ctrl_lock:
 *   nm_monitors --list--> struct nm_mon_port --parent--> monitored port
 *                                            --att[]--> monitored krings
 * Each monitored kring has an immutable struct nm_mon_set (kring->mon.set)
 * naming the monitor rings that get its frames. Attach and detach build a
 * new set, publish it (nm_mon_publish(), which also installs or removes
 * the wrapper in kring->nm_sync) and free the old one after
 * synchronize_rcu(): the wrapper only reads a set inside an RCU read-side
 * section, so afterwards no sync uses the old set, nor the monitor rings of
 * a detached monitor. The wrapper does not hold the RCU read lock across
 * the port's own sync (it may be long); it needs nothing from the set
 * there. Grace periods are batched: one per attach or detach of a monitor,
 * whatever the number of its krings.
 *
 * Zero-copy monitors: one per kring (a second is -EBUSY). RX rings: the
 * slots the user gives back are swapped into the monitor before the port's
 * rxsync returns them. TX rings: after the txsync the slots it released
 * are swapped before the user sees them (VALE and NIC ports keep the frame
 * in the TX slot after sending it). For a pipe end the TX side is monitored
 * on the peer's RX ring, when the peer gives the frame back (netmap's
 * "after release"): the pipe's rxsync then moves the monitor's buffer into
 * the sender's slot (core/pipe_sync.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "core/memsize.h"
#include "core/monitor_sync.h"
#include "mem.h"
#include "monitor.h"
#include "nic.h"
#include "params.h"
#include "port.h"

#define NM_MON_MAX_SLOTS	4096
#define NM_MON_MAX_EXTRA_BUFS	65536

/* A monitored kring and the monitor ring its frames go to. */
struct nm_mon_att {
	struct nm_kring *k;
	struct nm_mon_ring *r;
};

struct nm_mon_port {
	struct nm_port up;
	struct nm_port *parent;		/* reference */
	struct list_head list;		/* nm_monitors */
	bool zcopy;
	bool attached;			/* on the parent's krings (until parent off) */
	u32 natt, maxatt;
	struct nm_mon_att *att;		/* maxatt entries */
	struct nm_mon_ring *rings;	/* one per monitor RX ring */
	struct nm_mon_set **trash;	/* maxatt: old sets awaiting a grace period */
};

static LIST_HEAD(nm_monitors);
static u32 nm_mon_epoch;		/* last epoch handed out */
static u32 nm_mon_seq;			/* the N of "#N" */

static inline struct nm_mon_port *to_mp(struct nm_port *port)
{
	return container_of(port, struct nm_mon_port, up);
}

static struct nm_mon_set *nm_mon_set_of(struct nm_kring *k)
{
	return rcu_dereference_protected(k->mon.set, lockdep_is_held(&nm_ctrl_lock));
}

/* Free the sets replaced since the last call, after a grace period. */
static void nm_mon_empty_trash(struct nm_mon_set **trash, u32 n)
{
	u32 i;

	if (!n)
		return;
	synchronize_rcu();
	for (i = 0; i < n; i++) {
		kfree(trash[i]);
		trash[i] = NULL;
	}
}

/* Undo the attachments [0, natt) of @mp; never fails. */
static void nm_mon_detach_all(struct nm_mon_port *mp)
{
	u32 i, ntrash = 0;

	lockdep_assert_held(&nm_ctrl_lock);
	for (i = mp->natt; i-- > 0;) {
		struct nm_kring *k = mp->att[i].k;
		struct nm_mon_set *old = nm_mon_set_of(k), *nw;

		if (WARN_ON_ONCE(!old))
			continue;
		/* Small, and detaching must not fail. */
		nw = kzalloc(sizeof(*nw), GFP_KERNEL | __GFP_NOFAIL);
		if (nm_mon_set_del(nw, old, mp->att[i].r)) {
			kfree(nw);
			nw = NULL;
		}
		nm_mon_publish(k, nw);
		mp->trash[ntrash++] = old;
	}
	mp->natt = 0;
	mp->attached = false;
	/* After this, no sync uses our rings. */
	nm_mon_empty_trash(mp->trash, ntrash);
}

static int nm_mon_attach_one(struct nm_mon_port *mp, struct nm_kring *k, struct nm_mon_ring *r,
			     enum nm_mon_zmode zmode, u16 zflags, u32 *ntrash)
{
	struct nm_mon_set *old = nm_mon_set_of(k), *nw;
	int err;

	nw = kzalloc(sizeof(*nw), GFP_KERNEL_ACCOUNT);
	if (!nw)
		return -ENOMEM;
	err = nm_mon_set_add(nw, old, k->dir, r, zmode, zflags, ++nm_mon_epoch);
	if (err) {
		kfree(nw);
		if (err == -EBUSY)
			nm_dbg("%s: %s ring %u already has a zero-copy monitor\n",
			       mp->parent->name, k->dir == NM_TX ? "tx" : "rx", k->ring_id);
		else
			nm_dbg("%s: %s ring %u has %d monitors already\n", mp->parent->name,
			       k->dir == NM_TX ? "tx" : "rx", k->ring_id, NM_MON_MAX_COPY);
		return err;
	}
	/* A NIC's frames wait in its queue until an rxsync: the hook forces one. */
	nw->force_read = k->dir == NM_RX && nm_port_is_nic(mp->parent);
	nm_mon_publish(k, nw);
	if (old)
		mp->trash[(*ntrash)++] = old;
	mp->att[mp->natt].k = k;
	mp->att[mp->natt].r = r;
	mp->natt++;
	return 0;
}

/* Attach @mp to parent rings [first, last) of direction @d. */
static int nm_mon_attach_dir(struct nm_mon_port *mp, enum nm_dir d, u32 first, u32 last,
			     u32 *ntrash)
{
	struct nm_port *parent = mp->parent;
	u32 i;
	int err;

	for (i = first; i < last; i++) {
		struct nm_kring *k = &parent->krings[d][i];
		struct nm_mon_ring *r = &mp->rings[i];

		if (!mp->zcopy)
			err = nm_mon_attach_one(mp, k, r, NM_MON_Z_NONE, 0, ntrash);
		else if (d == NM_RX)
			err = nm_mon_attach_one(mp, k, r, NM_MON_Z_RELEASE, 0, ntrash);
		else if ((parent->flags & NM_PORT_F_PIPE) && k->pipe)
			err = nm_mon_attach_one(mp, k->pipe, r, NM_MON_Z_RELEASE, NS_TXMON, ntrash);
		else
			err = nm_mon_attach_one(mp, k, r, NM_MON_Z_AFTER, NS_TXMON, ntrash);
		if (err)
			return err;
	}
	return 0;
}

static void nm_mon_dtor(struct nm_port *port)
{
	struct nm_mon_port *mp = to_mp(port);
	u64 pkts = 0, bytes = 0, drops = 0, errs = 0;
	u32 i;

	lockdep_assert_held(&nm_ctrl_lock);
	if (mp->attached)
		nm_mon_detach_all(mp);
	if (!list_empty(&mp->list))
		list_del(&mp->list);
	if (mp->rings) {
		/* No writer left (detached after a grace period). */
		for (i = 0; i < port->nrings[NM_RX]; i++) {
			pkts += mp->rings[i].pkts;
			bytes += mp->rings[i].bytes;
			drops += mp->rings[i].drops;
			errs += mp->rings[i].errs;
		}
		if (READ_ONCE(nm_verbose))
			pr_info("monitor %s closed: %llu frames, %llu bytes, %llu dropped, %llu errors\n",
				port->name, pkts, bytes, drops, errs);
	}
	nm_port_rings_detach(port);
	kvfree(mp->rings);
	kfree(mp->att);
	kfree(mp->trash);
	if (port->mem)
		nm_mem_put(port->mem);
	if (mp->parent)
		nm_port_put(mp->parent);
	nm_port_cleanup(port);
	kfree(mp);
}

static int nm_mon_stats(struct nm_port *port, bool host, struct nm_port_stats *st);

static const struct nm_port_ops nm_mon_ops = {
	.txsync = nm_null_txsync,	/* the TX ring does nothing */
	.rxsync = nm_mon_rxsync,
	.krings_create = nm_port_krings_create,
	.krings_delete = nm_port_krings_delete,
	.rings_create = nm_port_rings_create,
	.rings_delete = nm_port_rings_delete,
	.dtor = nm_mon_dtor,
	.stats = nm_mon_stats,
};

static u32 nm_mon_bound(u32 v, u32 dflt, u32 hi)
{
	return v < 1 ? dflt : min(v, hi);
}

/*
 * The monitor's region: a zero-copy monitor swaps buffers with its parent,
 * so it lives in the parent's region; a copy monitor gets a private region
 * of its own, sized for its rings (as netmap), counted against max_mem_mb
 * and charged to the caller's memory cgroup like any private region.
 */
static int nm_mon_region(struct nm_mon_port *mp, const struct nmreq_register *req)
{
	struct nm_port *port = &mp->up;
	struct nm_mem_need need = {
		.rings = port->nrings[NM_TX] + port->nrings[NM_RX],
		.max_slots = max(port->nslots[NM_TX], port->nslots[NM_RX]),
		.bufs = port->nrings[NM_TX] * port->nslots[NM_TX] +
			port->nrings[NM_RX] * port->nslots[NM_RX],
		.extra_bufs = min_t(u32, req->nr_extra_bufs, NM_MON_MAX_EXTRA_BUFS),
		.ifs = 1,
	};
	struct nm_mem *mem;

	if (mp->zcopy) {
		port->mem = nm_mem_get(mp->parent->mem);
		return 0;
	}
	mem = nm_mem_create_private(&need);
	if (IS_ERR(mem))
		return PTR_ERR(mem);
	port->mem = mem;
	return 0;
}

static struct nm_mon_port *nm_mon_find_name(const char *name)
{
	struct nm_mon_port *mp;

	list_for_each_entry(mp, &nm_monitors, list)
		if (!strcmp(mp->up.name, name))
			return mp;
	return NULL;
}

int nm_mon_lookup(const char *name, const struct nmreq_register *req,
		  struct nm_mem *mem, struct nm_port **portp)
{
	const bool zcopy = req->nr_flags & NR_ZCOPY_MON;
	const bool tx = zcopy || (req->nr_flags & NR_MONITOR_TX);
	const bool rx = zcopy || (req->nr_flags & NR_MONITOR_RX);
	struct nmreq_register preq = *req;
	struct nm_mon_port *mp;
	struct nm_port *parent, *port;
	u32 first, last, max_slots, dflt, ntrash = 0;
	char mname[NETMAP_REQ_IFNAMSIZ];
	int err;

	lockdep_assert_held(&nm_ctrl_lock);
	switch (req->nr_mode) {
	case NR_REG_ALL_NIC:
	case NR_REG_ONE_NIC:
		break;
	case NR_REG_SW:
	case NR_REG_NIC_SW:
	case NR_REG_ONE_SW:
		pr_info_ratelimited("%s: monitors of host rings are not supported (mode %u)\n",
				    name, req->nr_mode);
		return -EOPNOTSUPP;
	default:
		nm_dbg("%s: a monitor takes NR_REG_ALL_NIC or NR_REG_ONE_NIC (got mode %u)\n",
		       name, req->nr_mode);
		return -EINVAL;
	}
	if (strchr(name, '/') && nm_mon_find_name(name)) {
		nm_dbg("%s: monitors cannot be monitored\n", name);
		return -EINVAL;
	}
	/* The parent, looked up as without the monitor flags; never created. */
	preq.nr_flags &= ~(u64)(NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON);
	err = nm_port_lookup(name, &preq, mem, NM_LOOKUP_INFO, &parent);
	if (err)
		return err;
	if (parent->flags & NM_PORT_F_MONITOR) {
		nm_dbg("%s: monitors cannot be monitored\n", name);
		err = -EINVAL;
		goto err_parent;
	}
	if (!parent->users || (parent->flags & NM_PORT_F_IMPLICIT)) {
		nm_dbg("%s: not in netmap mode, cannot be monitored\n", name);
		err = -EINVAL;
		goto err_parent;
	}
	if (zcopy && mem && mem != parent->mem) {
		nm_dbg("%s: a zero-copy monitor lives in the region of its port (mem_id %u, not %u)\n",
		       name, nm_mem_id(parent->mem), nm_mem_id(mem));
		err = -EINVAL;
		goto err_parent;
	}
	if (req->nr_mode == NR_REG_ONE_NIC &&
	    req->nr_ringid >= max(parent->nrings[NM_TX], parent->nrings[NM_RX])) {
		nm_dbg("%s: nr_ringid %u out of range\n", name, req->nr_ringid);
		err = -EINVAL;
		goto err_parent;
	}

	mp = kzalloc(sizeof(*mp), GFP_KERNEL_ACCOUNT);
	if (!mp) {
		err = -ENOMEM;
		goto err_parent;
	}
	port = &mp->up;
	snprintf(mname, sizeof(mname), "%s/%s%s%s#%u", parent->name, zcopy ? "z" : "",
		 rx && !zcopy ? "r" : "", tx && !zcopy ? "t" : "", nm_mon_seq++);
	nm_port_setup(port, mname, &nm_mon_ops);
	port->flags |= NM_PORT_F_MONITOR;
	if (zcopy)
		port->flags |= NM_PORT_F_NO_OFFSETS;	/* swapped buffers carry none */
	INIT_LIST_HEAD(&mp->list);
	mp->parent = parent;		/* our reference from now on */
	mp->zcopy = zcopy;
	max_slots = NM_MON_MAX_SLOTS;
	if (zcopy)
		max_slots = min_t(u32, max_slots, nm_mem_ring_max_slots(parent->mem));
	dflt = min(max(parent->nslots[NM_TX], parent->nslots[NM_RX]), max_slots);
	port->nrings[NM_TX] = 1;
	port->nrings[NM_RX] = max(parent->nrings[NM_TX], parent->nrings[NM_RX]);
	/* The TX ring does nothing: one slot unless asked, to spare the region's buffers. */
	port->nslots[NM_TX] = nm_mon_bound(req->nr_tx_slots, 1, max_slots);
	port->nslots[NM_RX] = nm_mon_bound(req->nr_rx_slots, dflt, max_slots);
	err = nm_mon_region(mp, req);
	if (err)
		goto err_port;
	mp->maxatt = parent->nrings[NM_TX] + parent->nrings[NM_RX];
	mp->att = kcalloc(mp->maxatt, sizeof(*mp->att), GFP_KERNEL_ACCOUNT);
	mp->trash = kcalloc(mp->maxatt, sizeof(*mp->trash), GFP_KERNEL_ACCOUNT);
	mp->rings = kvcalloc(port->nrings[NM_RX], sizeof(*mp->rings), GFP_KERNEL_ACCOUNT);
	if (!mp->att || !mp->trash || !mp->rings || !port->nrings[NM_RX]) {
		err = -ENOMEM;
		goto err_port;
	}
	err = nm_port_rings_attach(port);
	if (err)
		goto err_port;
	for (first = 0; first < port->nrings[NM_RX]; first++)
		nm_mon_ring_init(&mp->rings[first], &port->krings[NM_RX][first]);

	/* Which rings of the parent: all hardware rings, or ring nr_ringid. */
	mp->attached = true;
	if (tx) {
		first = req->nr_mode == NR_REG_ONE_NIC ? req->nr_ringid : 0;
		last = req->nr_mode == NR_REG_ONE_NIC ? first + 1 : parent->nrings[NM_TX];
		err = nm_mon_attach_dir(mp, NM_TX, first, min(last, parent->nrings[NM_TX]),
					&ntrash);
	}
	if (!err && rx) {
		first = req->nr_mode == NR_REG_ONE_NIC ? req->nr_ringid : 0;
		last = req->nr_mode == NR_REG_ONE_NIC ? first + 1 : parent->nrings[NM_RX];
		err = nm_mon_attach_dir(mp, NM_RX, first, min(last, parent->nrings[NM_RX]),
					&ntrash);
	}
	/* The sets our attachments replaced (nobody reads them after a grace period). */
	nm_mon_empty_trash(mp->trash, ntrash);
	if (err)
		goto err_port;		/* the dtor detaches what was attached */
	list_add_tail(&mp->list, &nm_monitors);
	nm_dbg("%s: monitor %s created: %u rx rings of %u slots, %u rings monitored (mem_id %u)\n",
	       name, port->name, port->nrings[NM_RX], port->nslots[NM_RX], mp->natt,
	       nm_mem_id(port->mem));
	*portp = port;
	return 0;

err_port:
	nm_port_put(port);		/* the dtor puts the parent */
	return err;
err_parent:
	nm_port_put(parent);
	return err;
}

void nm_mon_parent_off(struct nm_port *port)
{
	struct nm_mon_port *mp;

	lockdep_assert_held(&nm_ctrl_lock);
	list_for_each_entry(mp, &nm_monitors, list) {
		if (mp->parent != port || !mp->attached)
			continue;
		nm_mon_detach_all(mp);
		nm_dbg("%s: left netmap mode: monitor %s detached (reopen it)\n", port->name,
		       mp->up.name);
	}
}

/* ---- PORT_INFO_GET and counters --------------------------------------- */

bool nm_mon_is_name(const char *name)
{
	return strchr(name, '/') != NULL;
}

/* Is @mp called @name, or @name + "#N"? */
static bool nm_mon_matches(const struct nm_mon_port *mp, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(mp->up.name, name, len))
		return false;
	return !mp->up.name[len] || (mp->up.name[len] == '#' && !strchr(name, '#'));
}

/* ops->stats: what the monitor's RX rings got. */
static int nm_mon_stats(struct nm_port *port, bool host, struct nm_port_stats *st)
{
	struct nm_mon_port *mp = to_mp(port);
	u32 i;

	if (host)
		return -EINVAL;
	for (i = 0; i < port->nrings[NM_RX]; i++) {
		struct nm_mon_ring *r = &mp->rings[i];

		nm_mon_lock(&r->lock);
		st->rx_packets += r->pkts;
		st->rx_bytes += r->bytes;
		st->rx_drops += r->drops;
		st->rx_errors += r->errs;
		nm_mon_unlock(&r->lock);
	}
	return NM_PORT_STATS_KIND_MONITOR;
}

int nm_mon_info_stats(const char *name, struct nmreq_port_info_get *info,
		      struct nm_port_stats *st)
{
	struct nm_mon_port *mp;
	u32 n = 0;

	mutex_lock(&nm_ctrl_lock);
	list_for_each_entry(mp, &nm_monitors, list) {
		struct nm_port *port = &mp->up;

		if (!nm_mon_matches(mp, name))
			continue;
		if (info && !n) {
			info->nr_memsize = nm_mem_size(port->mem);
			info->nr_mem_id = nm_mem_id(port->mem);
			info->nr_tx_slots = port->nslots[NM_TX];
			info->nr_rx_slots = port->nslots[NM_RX];
			info->nr_tx_rings = port->nrings[NM_TX];
			info->nr_rx_rings = port->nrings[NM_RX];
			info->nr_host_tx_rings = 0;
			info->nr_host_rx_rings = 0;
		}
		if (st)
			nm_port_stats(port, false, st);
		n++;
	}
	mutex_unlock(&nm_ctrl_lock);
	return n ? n : -ENXIO;
}
