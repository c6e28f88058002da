// SPDX-License-Identifier: BSD-2-Clause
/*
 * Ports: generic creation of krings and rings, the registry of named ports,
 * the lookup of a port for a request (NETMAP-ABI §6), the null port, and the
 * binding of a fd to a port: REGISTER, PORT_INFO_GET, POOLS_INFO_GET, and
 * unbinding at close. See port.h for the objects, locking and lifetime.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "mem.h"
#include "monitor.h"
#include "nic.h"
#include "params.h"
#include "pipe.h"
#include "port.h"
#include "vale.h"

DEFINE_MUTEX(nm_ctrl_lock);

/* Named ports (NM_PORT_F_REGISTRY), and a count of all ports alive. */
static LIST_HEAD(nm_ports);
static unsigned int nm_ports_alive;

#define NM_NULL_MAX_RINGS	256
#define NM_NULL_MAX_SLOTS	4096
#define NM_NULL_DEFAULT_SLOTS	1024

/* ---- references ------------------------------------------------------- */

static void nm_port_release_own(struct kref *ref)
{
	struct nm_port *port = container_of(ref, struct nm_port, own_ref);

	port->ops->dtor(port);
}

struct nm_port *nm_port_get(struct nm_port *port)
{
	kref_get(port->ref);
	return port;
}

void nm_port_put(struct nm_port *port)
{
	/* Every release path edits shared lists. */
	lockdep_assert_held(&nm_ctrl_lock);
	kref_put(port->ref, port->release);
}

void nm_port_setup(struct nm_port *port, const char *name, const struct nm_port_ops *ops)
{
	int d;

	lockdep_assert_held(&nm_ctrl_lock);
	strscpy(port->name, name, sizeof(port->name));
	kref_init(&port->own_ref);
	port->ref = &port->own_ref;
	port->release = nm_port_release_own;
	port->ops = ops;
	INIT_LIST_HEAD(&port->list);
	INIT_LIST_HEAD(&port->pipes);
	for (d = 0; d < NM_NDIR; d++)
		init_waitqueue_head(&port->wq[d]);
	nm_ports_alive++;
}

void nm_port_cleanup(struct nm_port *port)
{
	lockdep_assert_held(&nm_ctrl_lock);
	WARN_ON_ONCE(port->users || port->npipes);
	if (port->flags & NM_PORT_F_REGISTRY)
		list_del(&port->list);
	nm_ports_alive--;
}

/* ---- krings and rings ------------------------------------------------- */

int nm_port_krings_create(struct nm_port *port)
{
	int d;

	for (d = 0; d < NM_NDIR; d++) {
		u32 n = port->nrings[d] + port->nhost[d], i;

		if (!n)
			continue;
		port->krings[d] = kvcalloc(n, sizeof(struct nm_kring), GFP_KERNEL_ACCOUNT);
		if (!port->krings[d])
			goto err;
		for (i = 0; i < n; i++) {
			struct nm_kring *k = &port->krings[d][i];

			k->owner = port;
			k->dir = d;
			k->ring_id = i;
			k->nm_sync = d == NM_TX ? port->ops->txsync : port->ops->rxsync;
			k->notify = nm_port_notify;
			init_waitqueue_head(&k->os.wq);
		}
	}
	return 0;
err:
	nm_port_krings_delete(port);
	return -ENOMEM;
}

void nm_port_krings_delete(struct nm_port *port)
{
	int d;

	for (d = 0; d < NM_NDIR; d++) {
		kvfree(port->krings[d]);
		port->krings[d] = NULL;
	}
}

int nm_port_rings_create(struct nm_port *port)
{
	u32 buf_size = nm_mem_buf_size(port->mem);
	int d;

	for (d = 0; d < NM_NDIR; d++) {
		u32 n = port->nrings[d] + port->nhost[d], i;

		for (i = 0; i < n; i++) {
			struct nm_kring *k = &port->krings[d][i];
			struct netmap_ring *ring;

			ring = nm_mem_ring_alloc(port->mem, port->nslots[d], i, d == NM_RX);
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

void nm_port_rings_delete(struct nm_port *port)
{
	int d;

	for (d = 0; d < NM_NDIR; d++) {
		u32 n = port->nrings[d] + port->nhost[d], i;

		if (!port->krings[d])
			continue;
		for (i = 0; i < n; i++) {
			nm_mem_ring_free(port->mem, port->krings[d][i].ring);
			port->krings[d][i].ring = NULL;
		}
	}
}

int nm_port_rings_attach(struct nm_port *port)
{
	int err;

	lockdep_assert_held(&nm_ctrl_lock);
	if (!port->ops->krings_create)
		return 0;
	err = port->ops->krings_create(port);
	if (err)
		return err;
	err = port->ops->rings_create(port);
	if (err)
		port->ops->krings_delete(port);
	return err;
}

void nm_port_rings_detach(struct nm_port *port)
{
	lockdep_assert_held(&nm_ctrl_lock);
	if (!port->ops->krings_create)
		return;
	port->ops->rings_delete(port);
	port->ops->krings_delete(port);
}

/*
 * Called by the sync that made @kring ready (the peer's, for a pipe), once
 * per batch. The full barrier orders the index just published before the
 * waitqueue checks; it pairs with the one after poll_wait() in
 * nm_sync_poll(), so a poller either sees the new index or is woken.
 */
void nm_port_notify(struct nm_kring *kring)
{
	struct nm_port *port = kring->owner;
	__poll_t key = kring->dir == NM_TX ? EPOLLOUT | EPOLLWRNORM : EPOLLIN | EPOLLRDNORM;

	smp_mb();
	if (waitqueue_active(&kring->os.wq))
		wake_up_interruptible_poll(&kring->os.wq, key);
	if (waitqueue_active(&port->wq[kring->dir]))
		wake_up_interruptible_poll(&port->wq[kring->dir], key);
}

int nm_port_stats(struct nm_port *port, bool host, struct nm_port_stats *st)
{
	lockdep_assert_held(&nm_ctrl_lock);
	return port->ops->stats ? port->ops->stats(port, host, st) : -EINVAL;
}

/* ---- registry and lookup ---------------------------------------------- */

void nm_port_registry_add(struct nm_port *port)
{
	lockdep_assert_held(&nm_ctrl_lock);
	port->flags |= NM_PORT_F_REGISTRY;
	list_add_tail(&port->list, &nm_ports);
}

struct nm_port *nm_port_registry_find(const char *name)
{
	struct nm_port *port;

	lockdep_assert_held(&nm_ctrl_lock);
	list_for_each_entry(port, &nm_ports, list)
		if (!strcmp(port->name, name))
			return nm_port_get(port);
	return NULL;
}

/* A network interface of that name in the caller's namespace? */
static bool nm_netdev_exists(const char *name)
{
	bool found;

	if (!name[0] || strnlen(name, IFNAMSIZ) >= IFNAMSIZ)
		return false;
	rcu_read_lock();
	found = dev_get_by_name_rcu(current->nsproxy->net_ns, name) != NULL;
	rcu_read_unlock();
	return found;
}

int nm_port_lookup_plain(const char *name, bool implicit_ok, bool create,
			 struct nm_port **portp)
{
	struct nm_port *port;
	int err;

	lockdep_assert_held(&nm_ctrl_lock);
	/* The parent of a pipe may be an ephemeral VALE port made for it. */
	if (nm_vale_is_name(name))
		return nm_vale_lookup(name, NULL, NULL, implicit_ok && create, NULL, portp);
	port = nm_port_registry_find(name);
	if (port && !implicit_ok && (port->flags & NM_PORT_F_IMPLICIT)) {
		/* Not a port of its own, only the parent of some pipes. */
		nm_port_put(port);
		port = NULL;
	}
	if (port) {
		*portp = port;
		return 0;
	}
	if (nm_netdev_exists(name)) {
		err = nm_nic_lookup(name, create, portp);
		/* The interface exists; only its port would have to be made. */
		return !create && err == -ENXIO ? -EPERM : err;
	}
	nm_dbg("%s: no such port\n", name);
	return -ENXIO;
}

/* ---- the null port ---------------------------------------------------- */

static void nm_null_dtor(struct nm_port *port)
{
	nm_port_rings_detach(port);
	nm_mem_put(port->mem);
	nm_port_cleanup(port);
	kfree(port);
}

static const struct nm_port_ops nm_null_ops = {
	.txsync = nm_null_txsync,
	.rxsync = nm_null_rxsync,
	.krings_create = nm_port_krings_create,
	.krings_delete = nm_port_krings_delete,
	.rings_create = nm_port_rings_create,
	.rings_delete = nm_port_rings_delete,
	.dtor = nm_null_dtor,
};

static u32 nm_bound(u32 v, u32 lo, u32 dflt, u32 hi)
{
	return v < lo ? dflt : min(v, hi);
}

/*
 * NR_REG_NULL: a port of its own for this request, with the ring and slot
 * counts asked for, in the region named by nr_mem_id (which must exist).
 * Its TX rings drop everything, its RX rings never receive.
 */
static int nm_null_create(const char *name, const struct nmreq_register *req,
			  struct nm_mem *mem, struct nm_port **portp)
{
	struct nm_port *port;
	u32 max_slots;
	char pname[NETMAP_REQ_IFNAMSIZ];
	int err;

	if (!mem) {
		nm_dbg("%s: NR_REG_NULL needs an existing nr_mem_id\n", name);
		return -EINVAL;
	}
	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
	if (!port)
		return -ENOMEM;
	scnprintf(pname, sizeof(pname), "null:%s", name);
	nm_port_setup(port, pname, &nm_null_ops);
	max_slots = min_t(u32, NM_NULL_MAX_SLOTS, nm_mem_ring_max_slots(mem));
	port->nrings[NM_TX] = nm_bound(req->nr_tx_rings, 1, 1, NM_NULL_MAX_RINGS);
	port->nrings[NM_RX] = nm_bound(req->nr_rx_rings, 1, 1, NM_NULL_MAX_RINGS);
	port->nslots[NM_TX] = nm_bound(req->nr_tx_slots, 1,
				       min_t(u32, NM_NULL_DEFAULT_SLOTS, max_slots), max_slots);
	port->nslots[NM_RX] = nm_bound(req->nr_rx_slots, 1,
				       min_t(u32, NM_NULL_DEFAULT_SLOTS, max_slots), max_slots);
	port->mem = nm_mem_get(mem);
	err = nm_port_rings_attach(port);
	if (err) {
		nm_port_put(port);
		return err;
	}
	*portp = port;
	return 0;
}

/* nm_port_lookup() for REGISTER, with @ahead (struct nm_region_ahead, or NULL). */
static int nm_port_lookup_ahead(const char *name, const struct nmreq_register *req,
				struct nm_mem *mem, enum nm_lookup how,
				struct nm_region_ahead *ahead, struct nm_port **portp)
{
	const bool create = how != NM_LOOKUP_EXISTING;

	lockdep_assert_held(&nm_ctrl_lock);
	/* Null ports and monitors are always new (only REGISTER asks for them). */
	if (req->nr_mode == NR_REG_NULL)
		return create ? nm_null_create(name, req, mem, portp) : -EPERM;
	if (req->nr_flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON))
		return create ? nm_mon_lookup(name, req, mem, portp) : -EPERM;
	if (nm_pipe_is_name(name))
		return nm_pipe_lookup(name, req, mem, create, portp);
	if (nm_vale_is_name(name))
		return nm_vale_lookup(name, req, mem, how == NM_LOOKUP_CREATE, ahead, portp);
	return nm_port_lookup_plain(name, false, create, portp);
}

int nm_port_lookup(const char *name, const struct nmreq_register *req,
		   struct nm_mem *mem, enum nm_lookup how, struct nm_port **portp)
{
	return nm_port_lookup_ahead(name, req, mem, how, NULL, portp);
}

/*
 * The common start of REGISTER, PORT_INFO_GET and POOLS_INFO_GET: the
 * deprecated pipe modes, nr_mem_id, then the lookup (netmap_get_na()).
 * @ahead: REGISTER's, else NULL (struct nm_region_ahead).
 */
static int nm_port_get_for_req(const char *name, const struct nmreq_register *req,
			       enum nm_lookup how, struct nm_region_ahead *ahead,
			       struct nm_port **portp)
{
	struct nm_mem *mem = NULL;
	int err;

	lockdep_assert_held(&nm_ctrl_lock);
	if (req->nr_mode == NR_REG_PIPE_MASTER || req->nr_mode == NR_REG_PIPE_SLAVE) {
		nm_dbg("%s: deprecated pipe nr_mode %u, use the name{id / name}id syntax\n",
		       name, req->nr_mode);
		return -EINVAL;
	}
	if (req->nr_mem_id) {
		mem = nm_mem_find(req->nr_mem_id);
		/*
		 * mem_id 1 always exists for userspace; we make it on first use.
		 * A lookup that makes nothing needs no region: nothing uses it yet.
		 */
		if (!mem && req->nr_mem_id == NM_MEM_GLOBAL_ID && how == NM_LOOKUP_EXISTING)
			return nm_port_lookup(name, req, NULL, how, portp);
		if (!mem && req->nr_mem_id == NM_MEM_GLOBAL_ID) {
			mem = nm_mem_get_global();
			if (IS_ERR(mem))
				return PTR_ERR(mem);
		}
		if (!mem) {
			nm_dbg("%s: no memory region with id %u\n", name, req->nr_mem_id);
			return -EINVAL;
		}
	}
	err = nm_port_lookup_ahead(name, req, mem, how, ahead, portp);
	if (mem)
		nm_mem_put(mem);
	return err;
}

/* ---- binding ---------------------------------------------------------- */

/* The kring ranges a REGISTER selects (netmap_interp_ringid()). */
static int nm_port_select(const struct nm_port *port, const struct nmreq_register *req,
			  u32 first[NM_NDIR], u32 last[NM_NDIR])
{
	const u32 id = req->nr_ringid;
	int d;

	switch (req->nr_mode) {
	case NR_REG_ALL_NIC:
	case NR_REG_NULL:
		for (d = 0; d < NM_NDIR; d++) {
			first[d] = 0;
			last[d] = port->nrings[d];
		}
		break;
	case NR_REG_ONE_NIC:
		if (id >= max(port->nrings[NM_TX], port->nrings[NM_RX]))
			goto err_ringid;
		/* A direction with fewer rings uses its ring 0. */
		for (d = 0; d < NM_NDIR; d++) {
			first[d] = id < port->nrings[d] ? id : 0;
			last[d] = min(first[d] + 1, port->nrings[d]);
		}
		break;
	case NR_REG_SW:
	case NR_REG_NIC_SW:
	case NR_REG_ONE_SW:
		if (!port->nhost[NM_TX] && !port->nhost[NM_RX]) {
			nm_dbg("%s: has no host rings (mode %u)\n", port->name, req->nr_mode);
			return -EINVAL;
		}
		if (req->nr_mode == NR_REG_ONE_SW &&
		    id >= max(port->nhost[NM_TX], port->nhost[NM_RX]))
			goto err_ringid;
		for (d = 0; d < NM_NDIR; d++) {
			u32 h = port->nhost[d];

			first[d] = req->nr_mode == NR_REG_NIC_SW ? 0 : port->nrings[d];
			last[d] = port->nrings[d] + h;
			if (req->nr_mode == NR_REG_ONE_SW && h) {
				first[d] = port->nrings[d] + (id < h ? id : 0);
				last[d] = first[d] + 1;
			}
		}
		break;
	default:
		nm_dbg("%s: invalid nr_mode %u\n", port->name, req->nr_mode);
		return -EINVAL;
	}
	if (req->nr_flags & NR_TX_RINGS_ONLY)
		first[NM_RX] = last[NM_RX] = 0;
	if (req->nr_flags & NR_RX_RINGS_ONLY)
		first[NM_TX] = last[NM_TX] = 0;
	return 0;

err_ringid:
	nm_dbg("%s: nr_ringid %u out of range\n", port->name, id);
	return -EINVAL;
}

/* This fd's netmap_if: ring counts, and ring_ofs only for its own rings. */
static struct netmap_if *nm_port_nifp_create(struct nm_port *port, struct nm_mem *mem,
					     const u32 first[NM_NDIR], const u32 last[NM_NDIR])
{
	/* A port without host rings still reports one of each (ABI §5). */
	const u32 ntx = port->nrings[NM_TX] + max(port->nhost[NM_TX], 1U);
	const u32 nrx = port->nrings[NM_RX] + max(port->nhost[NM_RX], 1U);
	struct netmap_if *nifp;
	u64 base;
	u32 i;

	nifp = nm_mem_if_alloc(mem, struct_size(nifp, ring_ofs, ntx + nrx));
	if (!nifp) {
		pr_info_ratelimited("%s: no room for a netmap_if in region %u\n",
				    port->name, nm_mem_id(mem));
		return NULL;
	}
	strscpy(nifp->ni_name, port->name, sizeof(nifp->ni_name));
	nifp->ni_version = NETMAP_API;
	nifp->ni_flags = nm_mem_is_private(mem) ? NI_PRIV_MEM : 0;
	nifp->ni_tx_rings = port->nrings[NM_TX];
	nifp->ni_rx_rings = port->nrings[NM_RX];
	nifp->ni_host_tx_rings = max(port->nhost[NM_TX], 1U);
	nifp->ni_host_rx_rings = max(port->nhost[NM_RX], 1U);
	base = nm_mem_ofs(mem, nifp);
	for (i = first[NM_TX]; i < last[NM_TX]; i++)
		nifp->ring_ofs[i] = nm_mem_ofs(mem, port->krings[NM_TX][i].ring) - base;
	for (i = first[NM_RX]; i < last[NM_RX]; i++)
		nifp->ring_ofs[ntx + i] = nm_mem_ofs(mem, port->krings[NM_RX][i].ring) - base;
	return nifp;
}

/*
 * Bind @priv to @port (whose reference it takes over on success) as @req
 * says, and fill the reply fields of @req. Not published yet: the caller
 * sets priv->bound.
 */
/* OPT_OFFSETS on the rings [first, last): may they take @o? (struct nm_reg_offsets) */
static int nm_port_offsets_check(const struct nm_port *port, struct nm_reg_offsets *o,
				 const u32 first[NM_NDIR], const u32 last[NM_NDIR])
{
	u32 i;
	int d;

	o->err = 0;
	o->eff_max = o->max;
	if (port->flags & NM_PORT_F_NO_OFFSETS) {
		nm_dbg("%s: this port takes no offsets\n", port->name);
		o->err = -EOPNOTSUPP;
	}
	for (d = 0; d < NM_NDIR && !o->err; d++) {
		for (i = first[d]; i < last[d] && !o->err; i++) {
			const struct nm_kring *k = &port->krings[d][i];

			if (o->max > k->buf_size) {
				nm_dbg("%s: max offset %llu > buffer size %u\n", port->name,
				       o->max, k->buf_size);
				o->err = -EINVAL;
			} else if (k->offset_mask && ((o->mask & ~k->offset_mask) ||
						      o->max > k->offset_max)) {
				nm_dbg("%s: ring has offsets (mask %#llx, max %u) already\n",
				       port->name, k->offset_mask, k->offset_max);
				o->err = -EBUSY;
			} else if (k->offset_mask) {
				o->eff_max = k->offset_max;
			}
		}
	}
	return o->err;
}

static int nm_port_bind(struct nm_priv *priv, struct nm_port *port, struct nmreq_register *req,
			struct nm_reg_offsets *offs)
{
	const bool excl = req->nr_flags & NR_EXCLUSIVE;
	struct nm_mem *mem = port->mem;
	u32 first[NM_NDIR], last[NM_NDIR], i, granted = 0, head = 0;
	struct netmap_if *nifp;
	int d, err;

	lockdep_assert_held(&nm_ctrl_lock);
	err = nm_port_select(port, req, first, last);
	if (err)
		return err;
	/* An exclusive user excludes everyone else, and is excluded by anyone. */
	for (d = 0; d < NM_NDIR; d++) {
		for (i = first[d]; i < last[d]; i++) {
			const struct nm_kring *k = &port->krings[d][i];

			if (k->exclusive || (excl && k->users)) {
				nm_dbg("%s: %s ring %u is %s\n", port->name,
				       d == NM_TX ? "tx" : "rx", i,
				       k->exclusive ? "held exclusively" : "in use");
				return -EBUSY;
			}
		}
	}
	if (offs) {
		err = nm_port_offsets_check(port, offs, first, last);
		if (err)
			return err;
	}
	/* A NIC goes into netmap mode with its first bound fd (nic.h). */
	if (port->ops->reg) {
		err = port->ops->reg(port, true);
		if (err)
			return err;
	}
	nifp = nm_port_nifp_create(port, mem, first, last);
	if (!nifp) {
		if (port->ops->reg)
			port->ops->reg(port, false);
		return -ENOMEM;
	}
	if (req->nr_extra_bufs) {
		granted = nm_mem_bufs_alloc_chain(mem, req->nr_extra_bufs, &head);
		nifp->ni_bufs_head = head;
	}

	/* Nothing can fail from here on. */
	for (d = 0; d < NM_NDIR; d++) {
		for (i = first[d]; i < last[d]; i++) {
			struct nm_kring *k = &port->krings[d][i];

			if (!k->users)
				nm_kring_reset_user(k);
			else
				nm_kring_check_user(k);
			if (offs && !k->offset_mask)
				nm_kring_offsets(k, offs->mask, offs->max, offs->gap, offs->initial,
						 !k->users);
			k->users++;
			if (excl)
				k->exclusive = true;
		}
		priv->first[d] = first[d];
		priv->last[d] = last[d];
	}
	port->users++;
	priv->port = port;
	priv->mem = nm_mem_get(mem);
	priv->nifp = nifp;
	priv->flags = req->nr_flags;
	priv->exclusive = excl;

	req->nr_offset = nm_mem_ofs(mem, nifp);
	req->nr_memsize = nm_mem_size(mem);
	req->nr_tx_slots = port->nslots[NM_TX];
	req->nr_rx_slots = port->nslots[NM_RX];
	req->nr_tx_rings = port->nrings[NM_TX];
	req->nr_rx_rings = port->nrings[NM_RX];
	req->nr_host_tx_rings = port->nhost[NM_TX];
	req->nr_host_rx_rings = port->nhost[NM_RX];
	req->nr_mem_id = nm_mem_id(mem);
	req->nr_extra_bufs = granted;
	nm_dbg("%s: bound tx %u..%u rx %u..%u%s, mem_id %u, %u extra buffers\n",
	       port->name, first[NM_TX], last[NM_TX], first[NM_RX], last[NM_RX],
	       excl ? " exclusive" : "", req->nr_mem_id, granted);
	return 0;
}

/*
 * Undo the binding of @priv. Returns its reference to the region (NULL if
 * it was not bound) for the caller to put: nm_port_unbind() puts it after
 * dropping nm_ctrl_lock, since the last put of a region the cache does not
 * keep frees tens of MiB (the port's own reference is gone by then, and a
 * process exit unmaps before it closes).
 */
static struct nm_mem *nm_port_unbind_locked(struct nm_priv *priv)
{
	struct nm_port *port = priv->port;
	struct nm_mem *mem = priv->mem;
	u32 head, i;
	int d;

	lockdep_assert_held(&nm_ctrl_lock);
	if (!port)
		return NULL;
	/* Whatever the user left on the list, checked by mem.c. */
	head = READ_ONCE(priv->nifp->ni_bufs_head);
	if (head)
		nm_mem_bufs_free_chain(priv->mem, head);
	for (d = 0; d < NM_NDIR; d++) {
		for (i = priv->first[d]; i < priv->last[d]; i++) {
			struct nm_kring *k = &port->krings[d][i];

			k->users--;
			if (priv->exclusive)
				k->exclusive = false;
			/* Offsets live as long as the ring has users (netmap's rule). */
			if (!k->users && k->offset_mask)
				nm_kring_offsets(k, 0, 0, 0, 0, false);
		}
	}
	nm_mem_if_free(priv->mem, priv->nifp);
	port->users--;
	/* Out of netmap mode: its monitors stop (they must be reopened). */
	if (!port->users)
		nm_mon_parent_off(port);
	if (port->ops->reg)
		port->ops->reg(port, false);
	/* Back to one host ring each, if the port outlives this put (best effort). */
	if (port->ops->host_rings && !port->users && kref_read(port->ref) > 1)
		port->ops->host_rings(port, 1, 1);
	nm_port_put(port);		/* may free a pipe pair and its parent */
	/*
	 * The binding only (the fields before `watcher`): the watches on this
	 * file (nm_watch_lock, which we do not hold) and the watcher and kloop
	 * state outlive a binding that a failed REGISTER undoes; they go with
	 * the file.
	 */
	memset(priv, 0, offsetof(struct nm_priv, watcher));
	return mem;
}

void nm_port_publish(struct nm_priv *priv)
{
	smp_store_release(&priv->bound, true);
}

void nm_port_unbind(struct nm_priv *priv)
{
	struct nm_mem *mem;

	mutex_lock(&nm_ctrl_lock);
	mem = nm_port_unbind_locked(priv);
	mutex_unlock(&nm_ctrl_lock);
	nm_mem_put(mem);
}

/* ---- requests --------------------------------------------------------- */

int nm_port_register(struct nm_priv *priv, const char *name,
		     struct nmreq_register *req, int opt_err, struct nm_reg_offsets *offs)
{
	return nm_port_register_ex(priv, name, req, opt_err, offs, true);
}

/* REGISTER with nm_ctrl_lock held; NM_LOOKUP_NEED_REGION: see struct nm_region_ahead. */
static int nm_port_register_locked(struct nm_priv *priv, const char *name,
				   struct nmreq_register *req, int opt_err,
				   struct nm_reg_offsets *offs, bool publish,
				   struct nm_region_ahead *ahead)
{
	struct nm_port *port;
	int err;

	lockdep_assert_held(&nm_ctrl_lock);
	if (priv->port) {
		nm_dbg("%s: this fd is already bound to %s\n", name, priv->port->name);
		return -EBUSY;
	}
	if (priv->watcher) {
		nm_dbg("%s: this fd is a release watcher\n", name);
		return -EBUSY;
	}
	err = nm_port_get_for_req(name, req, NM_LOOKUP_CREATE, ahead, &port);
	if (err)
		return err;
	/* Frames that start with a virtio-net header: only for who says it copes. */
	if (nm_vale_hdr_len(port) && !(req->nr_flags & NR_ACCEPT_VNET_HDR)) {
		nm_dbg("%s: virtio-net header of %u bytes: REGISTER needs NR_ACCEPT_VNET_HDR\n",
		       name, nm_vale_hdr_len(port));
		nm_port_put(port);
		return -EIO;
	}
	/* Host ring counts are the first binder's to choose (nic.h). */
	if (port->ops->host_rings)
		err = port->ops->host_rings(port, req->nr_host_tx_rings, req->nr_host_rx_rings);
	if (!err)
		err = nm_port_bind(priv, port, req, offs);
	if (err) {
		nm_port_put(port);
		return err;
	}
	if (opt_err) {
		/* Nobody has seen the binding: undoing it is safe. */
		nm_mem_put(nm_port_unbind_locked(priv));
		return opt_err;
	}
	/* A zero-copy monitor reports the directions it implies (ABI §2). */
	if (req->nr_flags & NR_ZCOPY_MON)
		req->nr_flags |= NR_MONITOR_TX | NR_MONITOR_RX;
	/* Publish: sync, poll and mmap may use the binding from now on. */
	if (publish)
		nm_port_publish(priv);
	return 0;
}

/*
 * The request is made at most twice: once more, after the region was made
 * without the lock, if the first lookup asked for one. Everything is
 * looked at again the second time (the fd may be bound by another thread
 * meanwhile, the port created); the second lookup never defers.
 */
int nm_port_register_ex(struct nm_priv *priv, const char *name,
			struct nmreq_register *req, int opt_err,
			struct nm_reg_offsets *offs, bool publish)
{
	struct nm_region_ahead ahead = { .defer = true };
	int err;

	mutex_lock(&nm_ctrl_lock);
	err = nm_port_register_locked(priv, name, req, opt_err, offs, publish, &ahead);
	if (err == NM_LOOKUP_NEED_REGION) {
		mutex_unlock(&nm_ctrl_lock);
		/* As under the lock: the same checks, log lines and memcg charge. */
		ahead.mem = nm_mem_make_private(&ahead.need);
		if (IS_ERR(ahead.mem))
			return PTR_ERR(ahead.mem);
		ahead.defer = false;
		mutex_lock(&nm_ctrl_lock);
		err = nm_port_register_locked(priv, name, req, opt_err, offs, publish, &ahead);
	}
	mutex_unlock(&nm_ctrl_lock);
	if (ahead.mem) {
		/* Made for an ephemeral port and never used: the next one may take it. */
		nm_mem_set_recycle(ahead.mem);
		nm_mem_put(ahead.mem);
	}
	return err;
}

int nm_port_info_get(const char *name, struct nmreq_port_info_get *req, bool may_create)
{
	struct nm_port *port;
	struct nm_mem *mem;
	int err = 0;

	mutex_lock(&nm_ctrl_lock);
	if (!name[0]) {
		/* Only the memory: of nr_mem_id, 0 meaning the global region. */
		u16 id = req->nr_mem_id ? req->nr_mem_id : NM_MEM_GLOBAL_ID;

		mem = nm_mem_find(id);
		if (mem) {
			req->nr_memsize = nm_mem_size(mem);
			nm_mem_put(mem);
		} else if (id == NM_MEM_GLOBAL_ID) {
			/* Its size as it would be created now. */
			req->nr_memsize = nm_mem_global_size();
			if (!req->nr_memsize)
				err = -EINVAL;
		} else {
			nm_dbg("no memory region with id %u\n", id);
			err = -EINVAL;
		}
		req->nr_mem_id = id;
	} else {
		struct nmreq_register reg = {
			.nr_mode = NR_REG_ALL_NIC,
			.nr_tx_slots = req->nr_tx_slots,
			.nr_rx_slots = req->nr_rx_slots,
			.nr_tx_rings = req->nr_tx_rings,
			.nr_rx_rings = req->nr_rx_rings,
			.nr_host_tx_rings = req->nr_host_tx_rings,
			.nr_host_rx_rings = req->nr_host_rx_rings,
			.nr_mem_id = req->nr_mem_id,
		};

		err = nm_port_get_for_req(name, &reg,
					  may_create ? NM_LOOKUP_INFO : NM_LOOKUP_EXISTING, NULL, &port);
		/* As REGISTER would (a caller who may make things only). */
		if (!err && may_create && port->ops->host_rings) {
			err = port->ops->host_rings(port, reg.nr_host_tx_rings, reg.nr_host_rx_rings);
			if (err)
				nm_port_put(port);
		}
		if (!err) {
			req->nr_memsize = nm_mem_size(port->mem);
			req->nr_mem_id = nm_mem_id(port->mem);
			req->nr_tx_slots = port->nslots[NM_TX];
			req->nr_rx_slots = port->nslots[NM_RX];
			req->nr_tx_rings = port->nrings[NM_TX];
			req->nr_rx_rings = port->nrings[NM_RX];
			req->nr_host_tx_rings = port->nhost[NM_TX];
			req->nr_host_rx_rings = port->nhost[NM_RX];
			nm_port_put(port);
		}
	}
	mutex_unlock(&nm_ctrl_lock);
	return err;
}

int nm_port_pools_info_get(const char *name, struct nmreq_pools_info *req, bool may_create)
{
	struct nmreq_register reg = {
		.nr_mode = NR_REG_ALL_NIC,
		.nr_mem_id = req->nr_mem_id,
	};
	struct nm_port *port;
	int err;

	mutex_lock(&nm_ctrl_lock);
	err = nm_port_get_for_req(name, &reg, may_create ? NM_LOOKUP_INFO : NM_LOOKUP_EXISTING,
				  NULL, &port);
	if (!err) {
		nm_mem_pools_info(port->mem, req);
		nm_port_put(port);
	}
	mutex_unlock(&nm_ctrl_lock);
	return err;
}

int nm_port_stats_by_name(const char *name, struct nm_port_stats *st)
{
	char ifname[NETMAP_REQ_IFNAMSIZ];
	size_t len = strlen(name);
	bool host = len > 1 && name[len - 1] == '^';
	struct nm_port *port;
	int err;

	if (!name[0])
		return -EINVAL;
	if (nm_pipe_is_name(name))
		return nm_pipe_stats_by_name(name, st);
	if (nm_vale_is_name(name))
		return nm_vale_stats_by_name(name, st);
	/* "eth1^": the host rings of NIC eth1. */
	strscpy(ifname, name, sizeof(ifname));
	if (host)
		ifname[len - 1] = '\0';
	mutex_lock(&nm_ctrl_lock);
	/* Never made for a counter: an interface without a port counted nothing. */
	err = nm_port_lookup_plain(ifname, false, false, &port);
	if (err == -EPERM) {
		err = host ? NM_PORT_STATS_KIND_NIC_HOST : NM_PORT_STATS_KIND_NIC;
	} else if (!err) {
		err = nm_port_stats(port, host, st);
		nm_port_put(port);
	}
	mutex_unlock(&nm_ctrl_lock);
	return err;
}

/* ---- module ----------------------------------------------------------- */

int nm_port_init(void)
{
	return 0;
}

void nm_port_uninit(void)
{
	struct nm_port *port;

	mutex_lock(&nm_ctrl_lock);
	if (nm_ports_alive)
		pr_err("LEAK: %u ports still allocated at module exit\n", nm_ports_alive);
	list_for_each_entry(port, &nm_ports, list)
		pr_err("LEAK: port %s (users %u, pipes %u)\n", port->name, port->users,
		       port->npipes);
	mutex_unlock(&nm_ctrl_lock);
}
