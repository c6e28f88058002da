// SPDX-License-Identifier: BSD-2-Clause
/*
 * VALE switches and ports, the Linux side; see vale.h. The forwarding is
 * core/vale_fwd.c.
 *
 * Objects (all fields below are under nm_ctrl_lock unless said otherwise):
 *   nm_bridges[max_bridges] --> struct nm_bridge (allocated with its first
 *   port, freed with its last) --ports[254]--> struct nm_vale_port.
 * A port is on at most one switch (vp->bdg, vp->index). The forwarding
 * path sees a switch only through bdg->sw: the learning table and the RCU
 * port table (struct nm_vale_table), replaced whole on every change and
 * freed after an (expedited) grace period.
 *
 * Lifetime:
 *   - ephemeral port: its count is held by the fds bound to it and by the
 *     pipes it parents; the last put leaves the switch and frees it.
 *   - persistent port (NEWIF): one reference for its existence (dropped by
 *     DELIF or at module exit), one held by the switch while attached, and
 *     those of its fds. Its name is the interface name, whichever way it is
 *     opened (netmap:NAME or valeB:NAME): it is never renamed (netmap issue
 *     #882), so DETACH and DELIF find it after any sequence of opens.
 *   - a NIC's port (vp->nic, vale_nic.c): no rings, no region, no fd; it
 *     lives from VALE_ATTACH to VALE_DETACH (the switch's reference). The
 *     struct definitions shared with vale_nic.c and vale_poll.c are in
 *     vale_int.h.
 *
 * The sender's txsync reads vp->bdg and forwards inside one RCU read-side
 * section (it never sleeps: NS_INDIRECT payloads are copied with page
 * faults disabled, see struct nm_kring_fault). When a port that may be in
 * use leaves a switch, the control path clears vp->bdg and waits a grace
 * period (nm_bridge_leave): afterwards no sync uses the old switch. So a
 * detach never waits for a kring's busy bit, nor for anything a user can
 * stall, while it holds nm_ctrl_lock; a sync that is waiting for a user
 * page holds neither the busy bit nor the RCU read lock (kernel/sync.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/etherdevice.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>

#include "core/memsize.h"
#include "core/vale_fwd.h"
#include "mem.h"
#include "params.h"
#include "port.h"
#include "vale.h"
#include "vale_int.h"

#define NM_VALE_DEFAULT_SLOTS	1024
#define NM_VALE_MAX_SLOTS	4096
#define NM_VALE_MAX_EXTRA_BUFS	(128 * 4096)

/* A forwarding table as the kernel allocates it: freed after a grace period. */
struct nm_vale_table_rcu {
	struct rcu_head rcu;
	struct nm_vale_table t;
};

static void nm_vale_table_free(struct nm_vale_table *t)
{
	if (t)
		kfree(container_of(t, struct nm_vale_table_rcu, t));
}

/* The private data of a persistent port's net_device. */
struct nm_vale_ndev {
	struct nm_vale_port *vp;
};

static struct nm_bridge **nm_bridges;
static u32 nm_nbridges;			/* max_bridges at load time */
/* Persistent ports, for DELIF-less cleanup at module exit. */
static LIST_HEAD(nm_vale_persistent);

/* ---- names ------------------------------------------------------------ */

/*
 * Split "valeB:P": bridge "valeB" ([A-Za-z0-9_] after "vale", shorter than
 * IFNAMSIZ), port "P" (1..IFNAMSIZ-1 characters, no ':').
 */
int nm_vale_split(const char *name, char bname[IFNAMSIZ], char pname[IFNAMSIZ])
{
	const char *colon = strchr(name, ':');
	size_t blen, plen;
	const char *c;

	if (!nm_vale_is_name(name) || !colon)
		goto err;
	blen = colon - name;
	plen = strlen(colon + 1);
	if (blen >= IFNAMSIZ || plen == 0 || plen >= IFNAMSIZ || strchr(colon + 1, ':'))
		goto err;
	for (c = name + 4; c < colon; c++)
		if (!isalnum(*c) && *c != '_')
			goto err;
	memcpy(bname, name, blen);
	bname[blen] = '\0';
	memcpy(pname, colon + 1, plen + 1);
	return 0;
err:
	nm_dbg("%s: bad VALE name (valeB:P, B of [A-Za-z0-9_], both shorter than %d)\n",
	       name, IFNAMSIZ);
	return -EINVAL;
}

static bool nm_vale_netdev_exists(const char *name)
{
	bool found;

	rcu_read_lock();
	found = dev_get_by_name_rcu(current->nsproxy->net_ns, name) != NULL;
	rcu_read_unlock();
	return found;
}

/* ---- switches --------------------------------------------------------- */

struct nm_bridge *nm_bridge_find(const char *bname)
{
	u32 i;

	lockdep_assert_held(&nm_ctrl_lock);
	for (i = 0; i < nm_nbridges; i++)
		if (nm_bridges[i] && !strcmp(nm_bridges[i]->name, bname))
			return nm_bridges[i];
	return NULL;
}

struct nm_bridge *nm_bridge_create(const char *bname)
{
	struct nm_bridge *b;
	u32 i;

	lockdep_assert_held(&nm_ctrl_lock);
	for (i = 0; i < nm_nbridges; i++)
		if (!nm_bridges[i])
			break;
	if (i == nm_nbridges) {
		pr_info_ratelimited("%s: no more than max_bridges=%u VALE switches\n", bname,
				    nm_nbridges);
		return ERR_PTR(-ENOMEM);
	}
	b = kvzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return ERR_PTR(-ENOMEM);
	strscpy(b->name, bname, sizeof(b->name));
	b->idx = i;
	nm_vale_lut_init(&b->sw.lut);
	nm_bridges[i] = b;
	nm_dbg("switch %s created (index %u)\n", bname, i);
	return b;
}

void nm_bridge_destroy(struct nm_bridge *b)
{
	lockdep_assert_held(&nm_ctrl_lock);
	nm_bridges[b->idx] = NULL;
	/* The table was emptied (and its readers waited for) by the last leave. */
	nm_vale_table_free(rcu_dereference_protected(b->sw.table, lockdep_is_held(&nm_ctrl_lock)));
	nm_dbg("switch %s destroyed\n", b->name);
	kvfree(b);
}

struct nm_vale_port *nm_bridge_find_port(struct nm_bridge *b, const char *pname)
{
	u32 i;

	for (i = 0; i < NM_VALE_MAXPORTS; i++)
		if (b->ports[i] && !strcmp(b->ports[i]->pname, pname))
			return b->ports[i];
	return NULL;
}

/*
 * Publish a new forwarding table for @b's ports. With @wait (a port left:
 * its rings are about to go), wait for every reader of the old table;
 * otherwise (a port joined) the old table is freed after a grace period
 * without waiting.
 */
static int nm_bridge_publish(struct nm_bridge *b, bool wait)
{
	struct nm_vale_table *t, *old;
	struct nm_vale_table_rcu *tr;
	u32 i;

	lockdep_assert_held(&nm_ctrl_lock);
	old = rcu_dereference_protected(b->sw.table, lockdep_is_held(&nm_ctrl_lock));
	tr = kzalloc(sizeof(*tr), GFP_KERNEL_ACCOUNT);
	if (!tr)
		return -ENOMEM;
	t = &tr->t;
	for (i = 0; i < NM_VALE_MAXPORTS; i++) {
		if (!b->ports[i])
			continue;
		t->list[t->n++] = i;
		t->port[i] = &b->ports[i]->vp;
	}
	rcu_assign_pointer(b->sw.table, t);
	if (wait) {
		/*
		 * Expedited, as synchronize_net() is under rtnl: nm_ctrl_lock is
		 * held, so every open and close of any port waits for this grace
		 * period too. A normal one lasts several ticks; on a loaded or
		 * emulated machine that is tens of milliseconds per port close.
		 */
		synchronize_rcu_expedited();
		nm_vale_table_free(old);
	} else if (old) {
		kfree_rcu(container_of(old, struct nm_vale_table_rcu, t), rcu);
	}
	return 0;
}

/* Put @vp on switch @b (created if NULL is found... by the caller). */
int nm_bridge_join(struct nm_bridge *b, struct nm_vale_port *vp)
{
	u32 i;
	int err;

	lockdep_assert_held(&nm_ctrl_lock);
	for (i = 0; i < NM_VALE_MAXPORTS; i++)
		if (!b->ports[i])
			break;
	if (i == NM_VALE_MAXPORTS) {
		pr_info_ratelimited("%s: no more than %d ports per VALE switch\n", b->name,
				    NM_VALE_MAXPORTS);
		return -ENOMEM;
	}
	b->ports[i] = vp;
	vp->index = i;
	vp->vp.index = i;
	err = nm_bridge_publish(b, false);
	if (err) {
		b->ports[i] = NULL;
		return err;
	}
	b->nports++;
	/* From here on its txsync forwards. */
	smp_store_release(&vp->bdg, b);
	return 0;
}

/*
 * Take @vp off its switch; the switch goes with its last port. The grace
 * period of nm_bridge_publish(wait) (or the one below) also ends every
 * txsync of @vp that still saw the switch (they run under the RCU read
 * lock): none learns a MAC for our index after the forget, none uses a
 * freed switch. Bounded: RCU readers never sleep.
 */
void nm_bridge_leave(struct nm_vale_port *vp)
{
	struct nm_bridge *b = vp->bdg;

	lockdep_assert_held(&nm_ctrl_lock);
	if (!b)
		return;
	WRITE_ONCE(vp->bdg, NULL);
	b->ports[vp->index] = NULL;
	b->nports--;
	if (nm_bridge_publish(b, true)) {
		/* No memory for a new table: an empty one is not needed, wait instead. */
		struct nm_vale_table *t;

		t = rcu_dereference_protected(b->sw.table, lockdep_is_held(&nm_ctrl_lock));

		/* Remove the port in place: readers tolerate a NULL entry. */
		WRITE_ONCE(t->port[vp->index], NULL);
		synchronize_rcu_expedited();
	}
	nm_vale_lut_forget(&b->sw.lut, vp->index);
	if (!b->nports)
		nm_bridge_destroy(b);
}

/* ---- ports ------------------------------------------------------------ */

struct nm_vale_port *nm_vale_switch_port(const char *name)
{
	char bname[IFNAMSIZ], pname[IFNAMSIZ];
	struct nm_bridge *b;

	lockdep_assert_held(&nm_ctrl_lock);
	if (!nm_vale_is_name(name) || nm_vale_split(name, bname, pname))
		return NULL;
	b = nm_bridge_find(bname);
	return b ? nm_bridge_find_port(b, pname) : NULL;
}

/*
 * One RCU read-side section from reading bdg to the end of the forwarding:
 * nm_bridge_leave() waits for it with a grace period, never for the busy
 * bit. nm_vale_txsync() does not sleep; an NS_INDIRECT page that is not
 * resident ends it with -EFAULT (kernel/sync.c faults it in, outside).
 */
static int nm_vale_port_txsync(struct nm_kring *kring)
{
	struct nm_vale_port *vp = to_vp(kring->owner);
	struct nm_vale_txq *q = vp->txq[kring->ring_id];
	struct nm_bridge *b;
	int err;

	rcu_read_lock();
	/* Pairs with smp_store_release() in nm_bridge_join(): the switch is set up. */
	b = smp_load_acquire(&vp->bdg);
	q->hdr_len = READ_ONCE(vp->vp.hdr_len);
	if (unlikely(!b))
		err = nm_vale_txsync_drop(kring, q);
	else
		err = nm_vale_txsync(kring, q, &b->sw, vp->index, READ_ONCE(nm_txsync_retry));
	rcu_read_unlock();
	return err;
}

static int nm_vale_krings_create(struct nm_port *port)
{
	struct nm_vale_port *vp = to_vp(port);
	u32 i;
	int err;

	err = nm_port_krings_create(port);
	if (err)
		return err;
	vp->txq = kcalloc(port->nrings[NM_TX], sizeof(*vp->txq), GFP_KERNEL_ACCOUNT);
	vp->rxq = kvcalloc(port->nrings[NM_RX], sizeof(*vp->rxq), GFP_KERNEL_ACCOUNT);
	if (!vp->txq || !vp->rxq)
		goto err;
	for (i = 0; i < port->nrings[NM_TX]; i++) {
		vp->txq[i] = kvzalloc(nm_vale_txq_size(vp->batch), GFP_KERNEL_ACCOUNT);
		if (!vp->txq[i])
			goto err;
		nm_vale_txq_init(vp->txq[i], vp->batch);
	}
	nm_vale_rxq_init(vp->rxq, port->nrings[NM_RX]);
	vp->vp.nrx = port->nrings[NM_RX];
	vp->vp.rxk = port->krings[NM_RX];
	vp->vp.rxq = vp->rxq;
	return 0;
err:
	port->ops->krings_delete(port);
	return -ENOMEM;
}

static void nm_vale_krings_delete(struct nm_port *port)
{
	struct nm_vale_port *vp = to_vp(port);
	u32 i;

	if (vp->txq)
		for (i = 0; i < port->nrings[NM_TX]; i++)
			kvfree(vp->txq[i]);
	kfree(vp->txq);
	kvfree(vp->rxq);
	vp->txq = NULL;
	vp->rxq = NULL;
	nm_port_krings_delete(port);
}

static void nm_vale_dtor(struct nm_port *port)
{
	struct nm_vale_port *vp = to_vp(port);

	lockdep_assert_held(&nm_ctrl_lock);
	nm_bridge_leave(vp);
	nm_port_rings_detach(port);
	if (port->mem)
		nm_mem_put(port->mem);
	nm_dbg("port %s freed\n", port->name);
	nm_port_cleanup(port);
	kfree(vp);
}

static int nm_vale_port_stats(struct nm_port *port, bool host, struct nm_port_stats *st);

static const struct nm_port_ops nm_vale_ops = {
	.txsync = nm_vale_port_txsync,
	.rxsync = nm_vale_rxsync,
	.krings_create = nm_vale_krings_create,
	.krings_delete = nm_vale_krings_delete,
	.rings_create = nm_port_rings_create,
	.rings_delete = nm_port_rings_delete,
	.dtor = nm_vale_dtor,
	.stats = nm_vale_port_stats,
};

bool nm_port_is_vale(const struct nm_port *port)
{
	return port->ops == &nm_vale_ops;
}

/*
 * A port with no rings and no region, for a NIC's side of a switch
 * (vale_nic.c fills in vp->vp and vp->nic). The VALE ops are harmless on
 * it: no fd binds it, and its dtor only frees it.
 */
struct nm_vale_port *nm_vale_port_alloc(const char *name, const char *pname)
{
	struct nm_vale_port *vp;

	lockdep_assert_held(&nm_ctrl_lock);
	vp = kzalloc(sizeof(*vp), GFP_KERNEL_ACCOUNT);
	if (!vp)
		return NULL;
	nm_port_setup(&vp->up, name, &nm_vale_ops);
	strscpy(vp->pname, pname, sizeof(vp->pname));
	return vp;
}

static u32 nm_vale_bound(u32 v, u32 dflt, u32 hi)
{
	return v < 1 ? dflt : min(v, hi);
}

/* The rings and slots of a new VALE port, and what a region of its own needs. */
struct nm_vale_size {
	u32 rings[NM_NDIR];
	u32 slots[NM_NDIR];
	struct nm_mem_need need;
};

/* The counts asked for, clamped (to what @mem's rings hold, if in @mem). */
static void nm_vale_size(struct nm_vale_size *s, u32 txr, u32 rxr, u32 txs, u32 rxs,
			 u32 extra, const struct nm_mem *mem)
{
	u32 max_slots = NM_VALE_MAX_SLOTS;

	if (mem)
		max_slots = min(max_slots, nm_mem_ring_max_slots(mem));
	s->rings[NM_TX] = nm_vale_bound(txr, 1, NM_VALE_MAX_RINGS);
	s->rings[NM_RX] = nm_vale_bound(rxr, 1, NM_VALE_MAX_RINGS);
	s->slots[NM_TX] = nm_vale_bound(txs, min(NM_VALE_DEFAULT_SLOTS, max_slots), max_slots);
	s->slots[NM_RX] = nm_vale_bound(rxs, min(NM_VALE_DEFAULT_SLOTS, max_slots), max_slots);
	nm_vale_port_need(&s->need, s->rings[NM_TX], s->slots[NM_TX], s->rings[NM_RX],
			  s->slots[NM_RX], min_t(u32, extra, NM_VALE_MAX_EXTRA_BUFS));
}

/*
 * A private region for @need: the one made ahead (struct nm_region_ahead)
 * if it was made for exactly this need, else a new one.
 */
static struct nm_mem *nm_vale_region(const struct nm_mem_need *need,
				     struct nm_region_ahead *ahead)
{
	struct nm_mem *mem;
	int err;

	if (!ahead || !ahead->mem || memcmp(&ahead->need, need, sizeof(*need)))
		return nm_mem_create_private(need);
	mem = ahead->mem;
	err = nm_mem_register(mem);
	if (err)
		return ERR_PTR(err);	/* still ahead's: put by its owner */
	ahead->mem = NULL;
	return mem;
}

/*
 * A VALE port named @name sized by @s, in @mem or a private region of its
 * own (the one of @ahead if it fits). Not on a switch yet. Returns it
 * holding one reference.
 */
static struct nm_vale_port *nm_vale_port_create(const char *name, const char *pname,
						const struct nm_vale_size *s,
						struct nm_mem *mem,
						struct nm_region_ahead *ahead)
{
	struct nm_vale_port *vp;
	struct nm_port *port;
	int d, err;

	lockdep_assert_held(&nm_ctrl_lock);
	vp = kzalloc(sizeof(*vp), GFP_KERNEL_ACCOUNT);
	if (!vp)
		return ERR_PTR(-ENOMEM);
	port = &vp->up;
	nm_port_setup(port, name, &nm_vale_ops);
	strscpy(vp->pname, pname, sizeof(vp->pname));
	vp->batch = clamp(READ_ONCE(nm_bridge_batch), 1, NM_VALE_MAX_BATCH);
	for (d = 0; d < NM_NDIR; d++) {
		port->nrings[d] = s->rings[d];
		port->nslots[d] = s->slots[d];
	}
	port->mem = mem ? nm_mem_get(mem) : nm_vale_region(&s->need, ahead);
	if (IS_ERR(port->mem)) {
		err = PTR_ERR(port->mem);
		port->mem = NULL;
		goto err;
	}
	err = nm_port_rings_attach(port);
	if (err)
		goto err;
	return vp;
err:
	nm_port_put(port);
	return ERR_PTR(err);
}

/* The existing port @pname of @b for a lookup: 1 if there is none. */
static int nm_vale_lookup_existing(struct nm_bridge *b, const char *name, const char *pname,
				   bool create, struct nm_port **portp)
{
	struct nm_vale_port *vp = b ? nm_bridge_find_port(b, pname) : NULL;

	if (vp && vp->nic) {
		/*
		 * A NIC on the switch belongs to the kernel: no fd binds it
		 * (netmap: EBUSY); the info requests see the NIC.
		 */
		if (create) {
			nm_dbg("%s: a NIC attached to %s is in use by the switch\n",
			       name, b->name);
			return -EBUSY;
		}
		*portp = nm_port_get(vp->nic->nic);
		return 0;
	}
	if (vp) {
		*portp = nm_port_get(&vp->up);
		return 0;
	}
	return 1;
}

int nm_vale_lookup(const char *name, const struct nmreq_register *req,
		   struct nm_mem *mem, bool create, struct nm_region_ahead *ahead,
		   struct nm_port **portp)
{
	char bname[IFNAMSIZ], pname[IFNAMSIZ];
	struct nm_vale_size sz;
	struct nm_vale_port *vp;
	struct nm_bridge *b;
	bool new_bridge = false;
	int err;

	lockdep_assert_held(&nm_ctrl_lock);
	err = nm_vale_split(name, bname, pname);
	if (err)
		return err;
	b = nm_bridge_find(bname);
	err = nm_vale_lookup_existing(b, name, pname, create, portp);
	if (err <= 0)
		return err;
	if (nm_vale_netdev_exists(pname)) {
		nm_dbg("%s: %s is a system interface: attach it with VALE_ATTACH first\n",
		       name, pname);
		return -EINVAL;
	}
	if (!create) {
		nm_dbg("%s: no such VALE port\n", name);
		return -ENXIO;
	}
	if (b && b->nports >= NM_VALE_MAXPORTS) {
		pr_info_ratelimited("%s: no more than %d ports per VALE switch\n", name,
				    NM_VALE_MAXPORTS);
		return -ENOMEM;
	}
	nm_vale_size(&sz, req ? req->nr_tx_rings : 0, req ? req->nr_rx_rings : 0,
		     req ? req->nr_tx_slots : 0, req ? req->nr_rx_slots : 0,
		     req ? req->nr_extra_bufs : 0, mem);
	if (!mem && ahead && ahead->defer) {
		/* Nothing made yet: the caller makes the region without the lock. */
		ahead->need = sz.need;
		return NM_LOOKUP_NEED_REGION;
	}
	if (!b) {
		b = nm_bridge_create(bname);
		if (IS_ERR(b))
			return PTR_ERR(b);
		new_bridge = true;
	}
	vp = nm_vale_port_create(name, pname, &sz, mem, ahead);
	if (IS_ERR(vp)) {
		err = PTR_ERR(vp);
		goto err_bridge;
	}
	err = nm_bridge_join(b, vp);
	if (err) {
		nm_port_put(&vp->up);
		goto err_bridge;
	}
	/* Opened and closed in a loop, often: its region is kept for the next one. */
	if (!mem)
		nm_mem_set_recycle(vp->up.mem);
	nm_dbg("%s: ephemeral port %u created: %u/%u rings, %u/%u slots, mem_id %u\n",
	       name, vp->index, vp->up.nrings[NM_TX], vp->up.nrings[NM_RX],
	       vp->up.nslots[NM_TX], vp->up.nslots[NM_RX], nm_mem_id(vp->up.mem));
	*portp = &vp->up;
	return 0;

err_bridge:
	if (new_bridge && !b->nports)
		nm_bridge_destroy(b);
	return err;
}

/* ops->stats; a port of a switch has no host rings of its own. */
static int nm_vale_port_stats(struct nm_port *port, bool host, struct nm_port_stats *st)
{
	struct nm_vale_port *vp = to_vp(port);
	u32 i;

	lockdep_assert_held(&nm_ctrl_lock);
	if (host)
		return -EINVAL;
	if (vp->nic) {
		nm_vale_nic_stats(vp, st);
		return NM_PORT_STATS_KIND_VALE;
	}
	for (i = 0; i < port->nrings[NM_TX]; i++) {
		const struct nm_vale_txq *q = vp->txq[i];

		st->tx_packets += READ_ONCE(q->tx_packets);
		st->tx_bytes += READ_ONCE(q->tx_bytes);
		st->tx_errors += READ_ONCE(q->tx_errors);
	}
	for (i = 0; i < port->nrings[NM_RX]; i++) {
		const struct nm_vale_rxq *q = &vp->rxq[i];

		st->rx_packets += READ_ONCE(q->rx_packets);
		st->rx_bytes += READ_ONCE(q->rx_bytes);
		st->rx_drops += READ_ONCE(q->rx_drops);
	}
	return NM_PORT_STATS_KIND_VALE;
}

int nm_vale_stats_by_name(const char *name, struct nm_port_stats *st)
{
	struct nm_vale_port *vp;
	struct nm_port *port;
	int err;

	mutex_lock(&nm_ctrl_lock);
	/* A NIC's switch port has counters, but lookup gives the NIC. */
	vp = nm_vale_switch_port(name);
	if (vp && vp->nic) {
		err = nm_vale_port_stats(&vp->up, false, st);
	} else {
		err = nm_vale_lookup(name, NULL, NULL, false, NULL, &port);
		if (!err) {
			err = nm_port_stats(port, false, st);
			nm_port_put(port);
		}
	}
	mutex_unlock(&nm_ctrl_lock);
	return err;
}

/* ---- VALE_LIST -------------------------------------------------------- */

int nm_vale_list(char *name, struct nmreq_vale_list *req)
{
	int err = 0;

	mutex_lock(&nm_ctrl_lock);
	if (name[0]) {
		char bname[IFNAMSIZ], pname[IFNAMSIZ];
		struct nm_vale_port *vp;
		struct nm_bridge *b;

		err = nm_vale_split(name, bname, pname);
		if (err)
			goto out;
		b = nm_bridge_find(bname);
		if (!b) {
			err = -ENOENT;
			goto out;
		}
		vp = nm_bridge_find_port(b, pname);
		req->nr_bridge_idx = b->idx;
		req->nr_port_idx = vp ? vp->index : NM_BDG_NOPORT;
	} else {
		u32 i = req->nr_bridge_idx, j = req->nr_port_idx;

		err = -ENOENT;
		for (; i < nm_nbridges; i++, j = 0) {
			struct nm_bridge *b = nm_bridges[i];

			if (!b)
				continue;
			for (; j < NM_VALE_MAXPORTS; j++) {
				if (!b->ports[j])
					continue;
				snprintf(name, NETMAP_REQ_IFNAMSIZ, "%s:%s", b->name,
					 b->ports[j]->pname);
				req->nr_bridge_idx = i;
				req->nr_port_idx = j;
				err = 0;
				goto out;
			}
		}
	}
out:
	mutex_unlock(&nm_ctrl_lock);
	return err;
}

/* ---- persistent ports -------------------------------------------------- */

static netdev_tx_t nm_vale_ndev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	/*
	 * The host stack has no path into the switch (that is what the host
	 * rings of an attached NIC are for): what it sends here is dropped and
	 * counted.
	 */
	dev_core_stats_tx_dropped_inc(dev);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops nm_vale_ndev_ops = {
	.ndo_start_xmit = nm_vale_ndev_xmit,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static void nm_vale_ndev_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &nm_vale_ndev_ops;
	dev->needs_free_netdev = false;
}

/* The persistent port of a system interface @ifname, or NULL. */
static struct nm_vale_port *nm_vale_persistent_find(const char *ifname)
{
	struct nm_vale_port *vp;

	lockdep_assert_held(&nm_ctrl_lock);
	list_for_each_entry(vp, &nm_vale_persistent, plist)
		if (!strcmp(vp->up.name, ifname))
			return vp;
	return NULL;
}

static void nm_vale_newif_reply(const struct nm_vale_port *vp, struct nmreq_vale_newif *req)
{
	req->nr_tx_rings = vp->up.nrings[NM_TX];
	req->nr_rx_rings = vp->up.nrings[NM_RX];
	req->nr_tx_slots = vp->up.nslots[NM_TX];
	req->nr_rx_slots = vp->up.nslots[NM_RX];
	req->nr_mem_id = nm_mem_id(vp->up.mem);
}

int nm_vale_newif(const char *name, struct nmreq_vale_newif *req)
{
	struct nm_mem *mem = NULL;
	struct nm_vale_size sz;
	struct nm_vale_port *vp;
	struct net_device *dev;
	int err;

	if (!name[0] || strnlen(name, IFNAMSIZ) >= IFNAMSIZ || nm_vale_is_name(name) ||
	    strpbrk(name, ":{}/ ") || !dev_valid_name(name)) {
		nm_dbg("%s: bad name for a persistent VALE port\n", name);
		return -EINVAL;
	}
	mutex_lock(&nm_ctrl_lock);
	vp = nm_vale_persistent_find(name);
	if (vp) {
		nm_vale_newif_reply(vp, req);
		err = -EEXIST;
		goto out;
	}
	if (nm_vale_netdev_exists(name)) {
		err = -EEXIST;
		goto out;
	}
	if (req->nr_mem_id) {
		mem = nm_mem_find(req->nr_mem_id);
		if (!mem && req->nr_mem_id == NM_MEM_GLOBAL_ID) {
			mem = nm_mem_get_global();
			if (IS_ERR(mem)) {
				err = PTR_ERR(mem);
				goto out;
			}
		}
		if (!mem) {
			nm_dbg("%s: no memory region with id %u\n", name, req->nr_mem_id);
			err = -EINVAL;
			goto out;
		}
	}
	nm_vale_size(&sz, req->nr_tx_rings, req->nr_rx_rings, req->nr_tx_slots,
		     req->nr_rx_slots, 0, mem);
	vp = nm_vale_port_create(name, name, &sz, mem, NULL);
	if (mem)
		nm_mem_put(mem);
	if (IS_ERR(vp)) {
		err = PTR_ERR(vp);
		goto out;
	}
	dev = alloc_netdev(sizeof(struct nm_vale_ndev), name, NET_NAME_USER, nm_vale_ndev_setup);
	if (!dev) {
		err = -ENOMEM;
		goto err_port;
	}
	((struct nm_vale_ndev *)netdev_priv(dev))->vp = vp;
	eth_hw_addr_random(dev);
	dev_net_set(dev, current->nsproxy->net_ns);
	err = register_netdev(dev);
	if (err) {
		free_netdev(dev);
		goto err_port;
	}
	vp->ndev = dev;
	vp->persistent = true;
	/* Found by netmap:NAME through the registry, and by DELIF/ATTACH here. */
	nm_port_registry_add(&vp->up);
	list_add_tail(&vp->plist, &nm_vale_persistent);
	nm_vale_newif_reply(vp, req);
	nm_dbg("%s: persistent VALE port created (mem_id %u)\n", name, req->nr_mem_id);
	err = 0;
	goto out;

err_port:
	nm_port_put(&vp->up);
out:
	mutex_unlock(&nm_ctrl_lock);
	return err;
}

/* Remove a persistent port that nobody uses (its existence reference). */
static void nm_vale_persistent_delete(struct nm_vale_port *vp)
{
	struct net_device *dev = vp->ndev;

	lockdep_assert_held(&nm_ctrl_lock);
	list_del(&vp->plist);
	/* Out of the registry now: the name is free even if the put below is not the last. */
	list_del_init(&vp->up.list);
	vp->up.flags &= ~NM_PORT_F_REGISTRY;
	vp->persistent = false;
	vp->ndev = NULL;
	unregister_netdev(dev);
	free_netdev(dev);
	nm_port_put(&vp->up);
}

int nm_vale_delif(const char *name)
{
	struct nm_vale_port *vp;
	int err = 0;

	mutex_lock(&nm_ctrl_lock);
	vp = nm_vale_persistent_find(name);
	if (!vp) {
		err = nm_vale_netdev_exists(name) ? -EINVAL : -ENXIO;
		nm_dbg("%s: DELIF: %s\n", name, err == -EINVAL ? "not a persistent VALE port" :
		       "no such interface");
		goto out;
	}
	if (vp->up.users || vp->up.npipes || vp->bdg) {
		nm_dbg("%s: DELIF: port is %s\n", name, vp->bdg ? "attached" : "in use");
		err = -EBUSY;
		goto out;
	}
	nm_vale_persistent_delete(vp);
	nm_dbg("%s: persistent VALE port deleted\n", name);
out:
	mutex_unlock(&nm_ctrl_lock);
	return err;
}

/* ---- attach / detach --------------------------------------------------- */

int nm_vale_attach(const char *name, struct nmreq_vale_attach *req)
{
	char bname[IFNAMSIZ], pname[IFNAMSIZ];
	struct nm_vale_port *vp;
	struct nm_bridge *b;
	bool new_bridge = false;
	int err;

	mutex_lock(&nm_ctrl_lock);
	err = nm_vale_split(name, bname, pname);
	if (err)
		goto out;
	if (req->reg.nr_mode != NR_REG_ALL_NIC && req->reg.nr_mode != NR_REG_NIC_SW &&
	    req->reg.nr_mode != NR_REG_DEFAULT) {
		err = -EINVAL;
		goto out;
	}
	vp = nm_vale_persistent_find(pname);
	if (!vp) {
		if (!nm_vale_netdev_exists(pname)) {
			nm_dbg("%s: ATTACH: no such interface\n", name);
			err = -ENXIO;
			goto out;
		}
		/* A system interface: its NIC port goes on the switch (vale_nic.c). */
		b = nm_bridge_find(bname);
		if (!b) {
			b = nm_bridge_create(bname);
			if (IS_ERR(b)) {
				err = PTR_ERR(b);
				goto out;
			}
			new_bridge = true;
		}
		err = nm_vale_nic_attach(b, name, pname, req->reg.nr_mode, &req->port_index);
		if (err && new_bridge) {
			/* Its last port leaving may have freed it already. */
			b = nm_bridge_find(bname);
			if (b && !b->nports)
				nm_bridge_destroy(b);
		}
		goto out;
	}
	b = nm_bridge_find(bname);
	if (vp->bdg && (vp->bdg == b || vp->wrapper)) {
		nm_dbg("%s: ATTACH: already attached to %s%s\n", name, vp->bdg->name,
		       vp->wrapper ? " and another switch" : "");
		err = -EBUSY;
		goto out;
	}
	if (vp->bdg) {
		/* A second switch: the port becomes a cable between the two. */
		if (!b) {
			b = nm_bridge_create(bname);
			if (IS_ERR(b)) {
				err = PTR_ERR(b);
				goto out;
			}
			new_bridge = true;
		}
		err = nm_vale_wrap_attach(b, name, pname, vp, &req->port_index);
		if (err && new_bridge) {
			b = nm_bridge_find(bname);
			if (b && !b->nports)
				nm_bridge_destroy(b);
		}
		goto out;
	}
	if (!b) {
		b = nm_bridge_create(bname);
		if (IS_ERR(b)) {
			err = PTR_ERR(b);
			goto out;
		}
		new_bridge = true;
	} else if (nm_bridge_find_port(b, pname)) {
		err = -EBUSY;
		goto out;
	}
	/* The switch holds a reference while the port is on it. */
	nm_port_get(&vp->up);
	err = nm_bridge_join(b, vp);
	if (err) {
		nm_port_put(&vp->up);
		if (new_bridge)
			nm_bridge_destroy(b);
		goto out;
	}
	req->port_index = vp->index;
	nm_dbg("%s: attached as port %u\n", name, vp->index);
out:
	mutex_unlock(&nm_ctrl_lock);
	return err;
}

int nm_vale_detach(const char *name, struct nmreq_vale_detach *req)
{
	char bname[IFNAMSIZ], pname[IFNAMSIZ];
	struct nm_vale_port *vp;
	struct nm_bridge *b;
	int err;

	mutex_lock(&nm_ctrl_lock);
	err = nm_vale_split(name, bname, pname);
	if (err)
		goto out;
	b = nm_bridge_find(bname);
	vp = b ? nm_bridge_find_port(b, pname) : NULL;
	if (!vp) {
		nm_dbg("%s: DETACH: not attached\n", name);
		err = -ENXIO;
		goto out;
	}
	if (vp->nic) {
		if (vp->host) {
			nm_dbg("%s: DETACH: the host port leaves with its NIC\n", name);
			err = -EINVAL;
			goto out;
		}
		if (vp->nic->poll) {
			nm_dbg("%s: DETACH: polling is on (POLLING_DISABLE first)\n", name);
			err = -EBUSY;
			goto out;
		}
		req->port_index = vp->index;
		nm_vale_nic_detach(vp->nic);
		nm_dbg("%s: NIC detached\n", name);
		goto out;
	}
	if (!vp->persistent) {
		nm_dbg("%s: DETACH: an ephemeral port leaves with its last user\n", name);
		err = -EINVAL;
		goto out;
	}
	if (vp->wrapper) {
		nm_dbg("%s: DETACH: attached to a second switch too (detach that first)\n",
		       name);
		err = -EBUSY;
		goto out;
	}
	req->port_index = vp->index;
	/* Bound fds keep working: their TX then goes nowhere (dropped, counted). */
	nm_bridge_leave(vp);
	nm_port_put(&vp->up);
	nm_dbg("%s: detached\n", name);
out:
	mutex_unlock(&nm_ctrl_lock);
	return err;
}

/* ---- polling ---------------------------------------------------------- */

/*
 * The NIC port "valeB:ifname" of a polling request: -EINVAL if @name is
 * not a VALE name, -ENXIO if no such port, -EOPNOTSUPP if it is not a NIC
 * (netmap's vale-ctl -p on a VALE port).
 */
static int nm_vale_polling_nic(const char *name, struct nm_vale_nic **nicp)
{
	char bname[IFNAMSIZ], pname[IFNAMSIZ];
	struct nm_vale_port *vp;
	struct nm_bridge *b;
	int err;

	lockdep_assert_held(&nm_ctrl_lock);
	if (!nm_vale_is_name(name))
		return -EINVAL;
	err = nm_vale_split(name, bname, pname);
	if (err)
		return err;
	b = nm_bridge_find(bname);
	vp = b ? nm_bridge_find_port(b, pname) : NULL;
	if (!vp) {
		nm_dbg("%s: POLLING: no such port\n", name);
		return -ENXIO;
	}
	if (!vp->nic || vp->host || vp->nic->vale) {
		nm_dbg("%s: POLLING: only for NICs attached to a switch\n", name);
		return -EOPNOTSUPP;
	}
	*nicp = vp->nic;
	return 0;
}

int nm_vale_polling_enable(const char *name, struct nmreq_vale_polling *req)
{
	struct nm_vale_nic *nic;
	int err;

	mutex_lock(&nm_ctrl_lock);
	err = nm_vale_polling_nic(name, &nic);
	if (!err)
		err = nm_vale_poll_start(nic, req);
	mutex_unlock(&nm_ctrl_lock);
	return err;
}

int nm_vale_polling_disable(const char *name)
{
	struct nm_vale_nic *nic;
	int err;

	mutex_lock(&nm_ctrl_lock);
	err = nm_vale_polling_nic(name, &nic);
	if (!err && !nic->poll) {
		nm_dbg("%s: POLLING_DISABLE: polling is not on\n", name);
		err = -EINVAL;
	}
	if (!err)
		nm_vale_poll_stop(nic);
	mutex_unlock(&nm_ctrl_lock);
	return err;
}

/* ---- module ----------------------------------------------------------- */

int nm_vale_init(void)
{
	nm_nbridges = clamp(READ_ONCE(nm_max_bridges), 1, 64);
	nm_bridges = kcalloc(nm_nbridges, sizeof(*nm_bridges), GFP_KERNEL);
	return nm_bridges ? 0 : -ENOMEM;
}

void nm_vale_uninit(void)
{
	struct nm_vale_port *vp, *tmp;

	u32 i, j;

	/* No fd is open (they hold the module): NICs and persistent ports remain. */
	mutex_lock(&nm_ctrl_lock);
	for (i = 0; i < nm_nbridges; i++) {
		for (j = 0; nm_bridges[i] && j < NM_VALE_MAXPORTS; j++) {
			struct nm_vale_port *np = nm_bridges[i]->ports[j];

			if (!np || !np->nic || np->host)
				continue;
			pr_info("detaching NIC %s from %s at module exit\n", np->pname,
				nm_bridges[i]->name);
			if (np->nic->poll)
				nm_vale_poll_stop(np->nic);
			/* May free the switch when it was its last port. */
			nm_vale_nic_detach(np->nic);
		}
	}
	list_for_each_entry_safe(vp, tmp, &nm_vale_persistent, plist) {
		if (vp->bdg) {
			nm_bridge_leave(vp);
			nm_port_put(&vp->up);
		}
		pr_info("removing persistent VALE port %s at module exit\n", vp->up.name);
		nm_vale_persistent_delete(vp);
	}
	mutex_unlock(&nm_ctrl_lock);
	kfree(nm_bridges);
	nm_bridges = NULL;
}
