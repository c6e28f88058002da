// SPDX-License-Identifier: BSD-2-Clause
/*
 * NIC ports: hooking the device, netmap mode on and off, the port's
 * creation, host ring changes, lookup, counters and the device going away.
 * The design and the locking rules are in nic_int.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/hrtimer.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/dst.h>
#include <net/net_namespace.h>

#include "mem.h"
#include "nic.h"
#include "nic_int.h"
#include "params.h"
#include "port.h"

static LIST_HEAD(nm_nic_list);
static DEFINE_MUTEX(nm_nic_list_lock);

static const struct nm_port_ops nm_nic_ops;

bool nm_port_is_nic(const struct nm_port *port)
{
	return port->ops == &nm_nic_ops;
}

const char *nm_nic_ifname(const struct nm_port *port)
{
	const struct nm_nic *nic = to_nic(port);
	struct net_device *dev = READ_ONCE(nic->ndev);

	return dev ? dev->name : port->name;
}

/* ---- netmap mode on / off ----------------------------------------------- */

static void nm_nic_purge(struct nm_nic *nic)
{
	u32 i;

	for (i = 0; i < nic->up.nrings[NM_RX] + nic->up.nhost[NM_RX]; i++) {
		hrtimer_cancel(&nic->rxq[i].mit);
		skb_queue_purge(&nic->rxq[i].q);
		nic->rxq[i].mit_armed = false;
	}
	for (i = 0; i < nic->up.nrings[NM_TX] + nic->up.nhost[NM_TX]; i++)
		hrtimer_cancel(&nic->txq[i].retry);
}

static int nm_nic_hook(struct nm_nic *nic)
{
	struct net_device *dev = nic->ndev;
	int err;

	ASSERT_RTNL();
	err = netdev_rx_handler_register(dev, nm_nic_rx_handler, nic);
	if (err) {
		pr_info_ratelimited("%s: cannot take its receive path (%d): it has an rx_handler (bridge, bond, macvlan...)\n",
				    dev->name, err);
		return err;
	}
	nic->orig_ops = dev->netdev_ops;
	nic->ops = *dev->netdev_ops;
	nic->ops.ndo_start_xmit = nm_nic_start_xmit;
	WRITE_ONCE(dev->netdev_ops, &nic->ops);
	nic->hooked = true;
	return 0;
}

/* The reverse; the caller purges after this (no more enqueues). */
static void nm_nic_unhook(struct nm_nic *nic)
{
	struct net_device *dev = nic->ndev;

	ASSERT_RTNL();
	if (!nic->hooked)
		return;
	/* Ops first: our ndo_start_xmit needs rx_handler_data until it is gone. */
	WRITE_ONCE(dev->netdev_ops, nic->orig_ops);
	synchronize_net();
	netdev_rx_handler_unregister(dev);	/* waits for handlers in flight */
	nic->hooked = false;
}

int nm_nic_on(struct nm_port *port)
{
	struct nm_nic *nic = to_nic(port);
	int err = 0;

	lockdep_assert_held(&nm_ctrl_lock);
	if (nic->on++)
		return 0;
	rtnl_lock();
	if (nic->dead)
		err = -ENXIO;
	else
		err = nm_nic_hook(nic);
	rtnl_unlock();
	if (err) {
		nic->on--;
		return err;
	}
	nm_dbg("%s: netmap mode on\n", nm_nic_ifname(port));
	return 0;
}

void nm_nic_off(struct nm_port *port)
{
	struct nm_nic *nic = to_nic(port);

	lockdep_assert_held(&nm_ctrl_lock);
	if (WARN_ON_ONCE(!nic->on) || --nic->on)
		return;
	rtnl_lock();
	if (!nic->dead)
		nm_nic_unhook(nic);
	rtnl_unlock();
	nm_nic_purge(nic);
	if (READ_ONCE(nm_verbose)) {
		u64 reused = 0, allocated = 0;
		u32 i;

		for (i = 0; i < port->nrings[NM_TX]; i++) {
			reused += nic->txq[i].reused;
			allocated += nic->txq[i].allocated;
		}
		pr_info("%s: netmap mode off; hw TX skbs reused %llu times, allocated %llu\n",
			nm_nic_ifname(port), reused, allocated);
	}
}

/* ---- port --------------------------------------------------------------- */

static int nm_nic_krings_create(struct nm_port *port)
{
	struct nm_nic *nic = to_nic(port);
	u32 i;
	int err;

	err = nm_port_krings_create(port);
	if (err)
		return err;
	nic->rxq = kvcalloc(port->nrings[NM_RX] + port->nhost[NM_RX], sizeof(*nic->rxq),
			    GFP_KERNEL_ACCOUNT);
	nic->txq = kvcalloc(port->nrings[NM_TX] + port->nhost[NM_TX], sizeof(*nic->txq),
			    GFP_KERNEL_ACCOUNT);
	if (!nic->rxq || !nic->txq)
		goto err;
	for (i = 0; i < port->nrings[NM_RX] + port->nhost[NM_RX]; i++) {
		struct nm_nic_rxq *rq = &nic->rxq[i];

		skb_queue_head_init(&rq->q);
		rq->cap = port->nslots[NM_RX];
		rq->kring = &port->krings[NM_RX][i];
		hrtimer_setup(&rq->mit, nm_nic_mit_fire, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	}
	for (i = 0; i < port->nrings[NM_TX] + port->nhost[NM_TX]; i++) {
		struct nm_nic_txq *tq = &nic->txq[i];

		tq->kring = &port->krings[NM_TX][i];
		hrtimer_setup(&tq->retry, nm_nic_retry_fire, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
		if (i >= port->nrings[NM_TX])
			continue;	/* host rings have no pool */
		tq->pool_size = NM_NIC_POOL * port->nslots[NM_TX];
		tq->pool = kvcalloc(tq->pool_size, sizeof(*tq->pool), GFP_KERNEL_ACCOUNT);
		if (!tq->pool)
			goto err;
	}
	return 0;
err:
	port->ops->krings_delete(port);
	return -ENOMEM;
}

static void nm_nic_krings_delete(struct nm_port *port)
{
	struct nm_nic *nic = to_nic(port);
	u32 i, j;

	if (nic->txq) {
		for (i = 0; i < port->nrings[NM_TX]; i++) {
			struct nm_nic_txq *tq = &nic->txq[i];

			if (!tq->pool)
				continue;
			/* Our reference; one still in flight is freed by its holder. */
			for (j = 0; j < tq->pool_size; j++)
				kfree_skb(tq->pool[j]);
			kvfree(tq->pool);
		}
	}
	kvfree(nic->txq);
	kvfree(nic->rxq);
	nic->txq = NULL;
	nic->rxq = NULL;
	nm_port_krings_delete(port);
}

static void nm_nic_dtor(struct nm_port *port)
{
	struct nm_nic *nic = to_nic(port);

	lockdep_assert_held(&nm_ctrl_lock);
	WARN_ON_ONCE(nic->on);
	mutex_lock(&nm_nic_list_lock);
	if (!list_empty(&nic->nlist))
		list_del_init(&nic->nlist);
	if (nic->ndev) {
		dev_put(nic->ndev);
		nic->ndev = NULL;
	}
	mutex_unlock(&nm_nic_list_lock);
	if (nic->rxq)
		nm_nic_purge(nic);
	nm_port_rings_detach(port);
	if (port->mem)
		nm_mem_put(port->mem);
	nm_dbg("%s: NIC port freed\n", port->name);
	nm_port_cleanup(port);
	kfree(nic);
}

/* ops->reg: netmap mode follows the bound fds (nic.h). */
static int nm_nic_reg(struct nm_port *port, bool on)
{
	if (!on) {
		nm_nic_off(port);
		return 0;
	}
	return nm_nic_on(port);
}

static int nm_nic_stats(struct nm_port *port, bool host, struct nm_port_stats *st);

static const struct nm_port_ops nm_nic_ops = {
	.txsync = nm_nic_txsync,
	.rxsync = nm_nic_rxsync,
	.krings_create = nm_nic_krings_create,
	.krings_delete = nm_nic_krings_delete,
	.rings_create = nm_port_rings_create,
	.rings_delete = nm_port_rings_delete,
	.dtor = nm_nic_dtor,
	.reg = nm_nic_reg,
	.host_rings = nm_nic_host_rings,
	.stats = nm_nic_stats,
};

/* A new NIC port for @dev (our reference taken over), in the global region. */
static int nm_nic_create(struct net_device *dev, struct nm_port **portp)
{
	struct nm_nic *nic;
	struct nm_port *port;
	struct nm_mem *mem;
	u32 rings, slots, max_slots;
	int err, d;

	mem = nm_mem_get_global();
	if (IS_ERR(mem)) {
		dev_put(dev);
		return PTR_ERR(mem);
	}
	nic = kzalloc(sizeof(*nic), GFP_KERNEL_ACCOUNT);
	if (!nic) {
		nm_mem_put(mem);
		dev_put(dev);
		return -ENOMEM;
	}
	port = &nic->up;
	nm_port_setup(port, dev->name, &nm_nic_ops);
	port->mem = mem;
	nic->ndev = dev;
	INIT_LIST_HEAD(&nic->nlist);
	nic->headroom = ALIGN(LL_RESERVED_SPACE(dev), 16);
	rings = clamp(READ_ONCE(nm_generic_rings), 1, NM_NIC_MAX_RINGS);
	max_slots = min_t(u32, NM_NIC_MAX_SLOTS, nm_mem_ring_max_slots(mem));
	slots = clamp_t(u32, READ_ONCE(nm_generic_ringsize), NM_NIC_MIN_SLOTS, max_slots);
	for (d = 0; d < NM_NDIR; d++) {
		port->nrings[d] = rings;
		port->nhost[d] = 1;
		port->nslots[d] = slots;
	}
	err = nm_port_rings_attach(port);
	if (err)
		goto err;
	*portp = port;
	nm_dbg("%s: NIC port created: %u rings of %u slots + host rings, mem_id %u\n",
	       dev->name, rings, slots, nm_mem_id(mem));
	return 0;
err:
	nm_port_put(port);	/* dtor: dev_put, mem put */
	return err;
}

/* What nm_nic_host_rings() swaps: the rings of one host ring configuration. */
struct nm_nic_rings {
	struct nm_kring *krings[NM_NDIR];
	u32 nhost[NM_NDIR];
	struct nm_nic_rxq *rxq;
	struct nm_nic_txq *txq;
};

static void nm_nic_rings_swap(struct nm_nic *nic, struct nm_nic_rings *r)
{
	int d;

	for (d = 0; d < NM_NDIR; d++) {
		swap(nic->up.krings[d], r->krings[d]);
		swap(nic->up.nhost[d], r->nhost[d]);
	}
	swap(nic->rxq, r->rxq);
	swap(nic->txq, r->txq);
}

int nm_nic_host_rings(struct nm_port *port, u32 ntx, u32 nrx)
{
	struct nm_nic *nic = to_nic(port);
	struct nm_nic_rings r = {
		.nhost = {
			[NM_TX] = min_t(u32, ntx ? ntx : port->nhost[NM_TX], NM_NIC_MAX_RINGS),
			[NM_RX] = min_t(u32, nrx ? nrx : port->nhost[NM_RX], NM_NIC_MAX_RINGS),
		},
	};
	int err = 0;

	lockdep_assert_held(&nm_ctrl_lock);
	if (r.nhost[NM_TX] == port->nhost[NM_TX] && r.nhost[NM_RX] == port->nhost[NM_RX])
		return 0;
	/* Only a port nobody uses: no fd, no switch, no monitor reads its krings. */
	if (port->users || nic->on)
		return 0;
	/* NETDEV_UNREGISTER (under rtnl) walks the krings. */
	rtnl_lock();
	if (nic->dead) {
		err = -ENXIO;
		goto out;
	}
	/* New rings first, the old ones kept until they are: a failure changes nothing. */
	nm_nic_rings_swap(nic, &r);
	err = nm_port_rings_attach(port);
	nm_nic_rings_swap(nic, &r);
	if (err)
		goto out;
	nm_port_rings_detach(port);
	nm_nic_rings_swap(nic, &r);
	nm_dbg("%s: %u/%u host rings\n", port->name, port->nhost[NM_TX], port->nhost[NM_RX]);
out:
	rtnl_unlock();
	return err;
}

int nm_nic_lookup(const char *ifname, bool create, struct nm_port **portp)
{
	struct net_device *dev;
	struct nm_port *port;
	struct nm_nic *nic;
	int err;

	lockdep_assert_held(&nm_ctrl_lock);
	if (!ifname[0] || strnlen(ifname, IFNAMSIZ) >= IFNAMSIZ)
		return -ENXIO;
	port = nm_port_registry_find(ifname);
	if (port) {
		/* A persistent VALE port: its netdev is not a NIC. */
		nm_port_put(port);
		return -EBUSY;
	}
	/* Under rtnl, so that NETDEV_UNREGISTER sees the port if we make one. */
	rtnl_lock();
	dev = __dev_get_by_name(current->nsproxy->net_ns, ifname);
	if (!dev) {
		err = -ENXIO;
		goto out_unlock;
	}
	mutex_lock(&nm_nic_list_lock);
	list_for_each_entry(nic, &nm_nic_list, nlist) {
		if (nic->ndev == dev) {
			*portp = nm_port_get(&nic->up);
			mutex_unlock(&nm_nic_list_lock);
			rtnl_unlock();
			return 0;
		}
	}
	mutex_unlock(&nm_nic_list_lock);
	if (READ_ONCE(nm_admode) == 1) {
		pr_info_ratelimited("%s: admode=1 asks for native netmap drivers; this module has none (use admode 0 or 2)\n",
				    ifname);
		err = -EOPNOTSUPP;
		goto out_unlock;
	}
	if (dev->type != ARPHRD_ETHER || (dev->flags & IFF_LOOPBACK) ||
	    dev->addr_len != ETH_ALEN || !dev->netdev_ops->ndo_start_xmit) {
		pr_info_ratelimited("%s: not an Ethernet device, netmap cannot drive it\n", ifname);
		err = -EOPNOTSUPP;
		goto out_unlock;
	}
	if (!create) {
		err = -ENXIO;
		goto out_unlock;
	}
	dev_hold(dev);
	rtnl_unlock();
	/* Out of rtnl: allocation may take long; re-checked when listed. */
	err = nm_nic_create(dev, &port);
	if (err)
		return err;
	rtnl_lock();
	if (dev->reg_state != NETREG_REGISTERED) {
		rtnl_unlock();
		nm_port_put(port);
		return -ENXIO;
	}
	mutex_lock(&nm_nic_list_lock);
	list_add_tail(&to_nic(port)->nlist, &nm_nic_list);
	mutex_unlock(&nm_nic_list_lock);
	rtnl_unlock();
	*portp = port;
	return 0;

out_unlock:
	rtnl_unlock();
	return err;
}

/* ops->stats: all rings, or with @host the host rings only. */
static int nm_nic_stats(struct nm_port *port, bool host, struct nm_port_stats *st)
{
	const struct nm_nic *nic = to_nic(port);
	u32 i;

	lockdep_assert_held(&nm_ctrl_lock);
	/* Index nrings is the host ring of each direction. */
	for (i = host ? port->nrings[NM_TX] : 0;
	     i < port->nrings[NM_TX] + port->nhost[NM_TX]; i++) {
		const struct nm_nic_txq *tq = &nic->txq[i];

		st->tx_packets += READ_ONCE(tq->packets);
		st->tx_bytes += READ_ONCE(tq->bytes);
		st->tx_errors += READ_ONCE(tq->errors);
	}
	for (i = host ? port->nrings[NM_RX] : 0;
	     i < port->nrings[NM_RX] + port->nhost[NM_RX]; i++) {
		const struct nm_nic_rxq *rq = &nic->rxq[i];

		st->rx_packets += READ_ONCE(rq->packets);
		st->rx_bytes += READ_ONCE(rq->bytes);
		st->rx_drops += READ_ONCE(rq->drops) + READ_ONCE(rq->too_long);
		/* What NS_FORWARD sent on counts as transmitted. */
		st->tx_packets += READ_ONCE(rq->fwd_packets);
		st->tx_bytes += READ_ONCE(rq->fwd_bytes);
		st->tx_errors += READ_ONCE(rq->fwd_errors);
	}
	return host ? NM_PORT_STATS_KIND_NIC_HOST : NM_PORT_STATS_KIND_NIC;
}

/* ---- the device goes away ------------------------------------------------ */

/* Wait until no sync runs on any kring of @nic (they see dead afterwards). */
static void nm_nic_quiesce(struct nm_nic *nic)
{
	u32 i;
	int d;

	smp_mb();	/* dead before the busy bits; pairs with nm_nic_sync_dead() */
	for (d = 0; d < NM_NDIR; d++)
		for (i = 0; i < nic->up.nrings[d] + nic->up.nhost[d]; i++)
			while (test_bit(0, &nic->up.krings[d][i].busy))
				usleep_range(50, 100);
}

static int nm_nic_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nm_nic *nic;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	ASSERT_RTNL();
	mutex_lock(&nm_nic_list_lock);
	list_for_each_entry(nic, &nm_nic_list, nlist) {
		if (nic->ndev != dev)
			continue;
		nm_nic_unhook(nic);
		WRITE_ONCE(nic->dead, true);
		nm_nic_quiesce(nic);
		nm_nic_purge(nic);
		WRITE_ONCE(nic->ndev, NULL);
		dev_put(dev);
		pr_info("%s: interface unregistered while in netmap mode or in use: port is dead\n",
			dev->name);
		/* The wait queues: syncs now return at once. */
		break;
	}
	mutex_unlock(&nm_nic_list_lock);
	return NOTIFY_DONE;
}

static struct notifier_block nm_nic_notifier = {
	.notifier_call = nm_nic_netdev_event,
};

int nm_nic_init(void)
{
	return register_netdevice_notifier(&nm_nic_notifier);
}

void nm_nic_uninit(void)
{
	struct nm_nic *nic;

	unregister_netdevice_notifier(&nm_nic_notifier);
	mutex_lock(&nm_nic_list_lock);
	list_for_each_entry(nic, &nm_nic_list, nlist)
		pr_err("LEAK: NIC port %s still allocated at module exit\n", nic->up.name);
	mutex_unlock(&nm_nic_list_lock);
}
