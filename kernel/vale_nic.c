// SPDX-License-Identifier: BSD-2-Clause
/*
 * A NIC on a VALE switch (netmap's "bwrap"): VALE_ATTACH of a system
 * interface, with (NR_REG_NIC_SW) or without its host rings, and DETACH.
 * The objects are in vale_int.h; the polling threads in vale_poll.c.
 *
 * Contract with the NIC port (nic.h): while attached the NIC is in netmap
 * mode through our nm_nic_on() (no fd is bound), every one of its krings
 * is marked exclusive, so REGISTER of any of its rings fails with EBUSY
 * (netmap: a port owned by the kernel), and we own the syncs of its rings:
 *
 *   NIC RX kring i --notify--> nm_vale_nic_rx_notify: rxsync, forward
 *     [hwcur, hwtail) into the switch as port hw (or host), release them;
 *   switch --nm_vale_deliver()--> RX view of NIC TX kring j (copy into
 *     its free slots under the view's rxq lock), then view notify -->
 *     txsync of NIC TX kring j; its TX completion notify does the same, so
 *     completed slots become free for the forwarder again.
 *
 * Contexts: the NIC calls notify from softirq (NAPI, rx_handler) or from
 * process context (a host-stack transmit). Nothing here sleeps on that
 * path: the destination locks are spin_lock_bh (core/nm_os.h), a source
 * never copies NS_INDIRECT payloads from userspace (q->no_indirect), the
 * NIC syncs run with the kring busy bit (never waited for: a notify that
 * finds it taken sets `pending` and the holder runs once more before it
 * lets go). A notify that comes with interrupts disabled is handed to a
 * work item.
 *
 * Lifetime: the notify callbacks find their attachment through an RCU hash
 * keyed by the NIC port and run entirely under rcu_read_lock(). Detach
 * puts the NIC's notify callbacks back and unhashes, waits a grace period
 * (no callback runs any more), cancels the work items, takes the ports off
 * the switch (which waits for the senders that may copy into the NIC),
 * then gives the NIC back (nm_nic_off) and frees everything.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hardirq.h>
#include <linux/hashtable.h>
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "nic.h"
#include "params.h"
#include "port.h"
#include "vale.h"
#include "vale_int.h"

/* Forwarding rounds per notify before the rest goes to a work item. */
#define NM_VALE_NIC_ROUNDS	16

/* Attached NICs by NIC port (RCU for the notify callbacks, nm_ctrl_lock to change). */
static DEFINE_HASHTABLE(nm_vale_nic_hash, 6);

static struct nm_vale_nic *nm_vale_nic_find_rcu(const void *nicp)
{
	struct nm_vale_nic *nic;

	hash_for_each_possible_rcu(nm_vale_nic_hash, nic, hnode, (unsigned long)nicp)
		if (nic->nic == nicp)
			return nic;
	return NULL;
}

static struct nm_vale_nic *nm_vale_nic_find_locked(const struct nm_port *nicp)
{
	struct nm_vale_nic *nic;

	lockdep_assert_held(&nm_ctrl_lock);
	hash_for_each_possible(nm_vale_nic_hash, nic, hnode, (unsigned long)nicp)
		if (nic->nic == nicp)
			return nic;
	return NULL;
}

/* May the NIC's syncs run here? Not with interrupts off (they transmit). */
static inline bool nm_vale_nic_ctx_ok(void)
{
	return !in_hardirq() && !in_nmi() && !irqs_disabled();
}

/* ---- NIC -> switch ------------------------------------------------------ */

u32 nm_vale_nic_src_forward(struct nm_vale_nic_src *s)
{
	struct nm_kring *rx = s->rx, *tx = &s->stx;
	struct nm_vale_port *vp = s->vp;
	struct nm_bridge *b = READ_ONCE(vp->bdg);
	const u32 n = rx->num_slots;
	u32 start, end, done;
	int err;

	/* Fetch what arrived. Everything before hwcur was given back already. */
	rx->rhead = rx->rcur = rx->nr_hwcur;
	rx->nm_sync(rx);
	start = rx->nr_hwcur;
	end = smp_load_acquire(&rx->nr_hwtail);
	if (start == end)
		return 0;
	tx->nr_hwcur = start;
	tx->rhead = tx->rcur = end;
	s->q->hdr_len = READ_ONCE(vp->vp.hdr_len);
	if (likely(b)) {
		err = nm_vale_txsync(tx, s->q, &b->sw, vp->index, n / s->q->batch + 1);
		if (unlikely(err)) {
			/* A slot the NIC left bad (the shared ring was written to): skip it. */
			tx->nr_hwcur = nm_kring_next(tx->nr_hwcur, n);
		}
	} else {
		tx->nr_hwcur = end;
	}
	/* An unfinished NS_MOREFRAG chain filling the ring would stall it: drop. */
	if (unlikely(tx->nr_hwcur == start && nm_kring_dist(start, end, n) == n - 1)) {
		s->q->tx_errors++;
		tx->nr_hwcur = end;
	}
	done = nm_kring_dist(start, tx->nr_hwcur, n);
	if (done) {
		/* Give the forwarded slots back to the NIC (data was copied). */
		rx->rhead = rx->rcur = tx->nr_hwcur;
		rx->nm_sync(rx);
	}
	return done;
}

/*
 * Forward from @s if nobody else does (busy bit): the notify path. Caller
 * in rcu_read_lock(). What is left after @rounds goes to the work item.
 */
static void nm_vale_nic_src_run(struct nm_vale_nic_src *s, u32 rounds)
{
	struct nm_kring *rx = s->rx;

	set_bit(0, &s->pending);
	smp_mb__after_atomic();		/* pending before the busy bit test */
	while (nm_os_tryget(&rx->busy)) {
		while (rounds && test_and_clear_bit(0, &s->pending)) {
			rounds--;
			if (nm_vale_nic_src_forward(s))
				set_bit(0, &s->pending);	/* more may be there */
		}
		nm_os_put(&rx->busy);
		smp_mb();	/* pairs with the one above: a notify we missed sees busy clear */
		if (!test_bit(0, &s->pending))
			return;
		if (!rounds) {
			if (!rcu_access_pointer(s->poller))
				queue_work(system_highpri_wq, &s->work);
			return;
		}
	}
}

void nm_vale_nic_src_kick(struct nm_vale_nic_src *s)
{
	rcu_read_lock();
	nm_vale_nic_src_run(s, NM_VALE_NIC_ROUNDS);
	rcu_read_unlock();
}

static void nm_vale_nic_src_work(struct work_struct *w)
{
	struct nm_vale_nic_src *s = container_of(w, struct nm_vale_nic_src, work);

	/* Cancelled (synchronously) by detach before the source goes away. */
	nm_vale_nic_src_kick(s);
}

/*
 * kring->notify of the NIC's RX krings while attached. Any context. The
 * host RX ring is notified from the stack's transmit on the NIC, inside
 * its ndo_start_xmit (possibly holding the device's TX queue lock):
 * forwarding from there could transmit on the same device again, so the
 * host ring always goes through its work item.
 */
static void nm_vale_nic_rx_notify(struct nm_kring *kring)
{
	struct nm_vale_nic_src *s;
	struct nm_vale_nic *nic;
	struct task_struct *t;

	rcu_read_lock();
	nic = nm_vale_nic_find_rcu(kring->owner);
	if (unlikely(!nic || kring->ring_id >= nic->nsrc))
		goto out;
	s = &nic->src[kring->ring_id];
	t = rcu_dereference(s->poller);
	if (t) {
		/* A polling thread owns the ring: only wake it if it sleeps. */
		set_bit(0, &s->pending);
		if (!in_nmi())
			wake_up_process(t);
	} else if (likely(nm_vale_nic_ctx_ok()) && kring->ring_id < nic->nic->nrings[NM_RX]) {
		nm_vale_nic_src_run(s, NM_VALE_NIC_ROUNDS);
	} else {
		set_bit(0, &s->pending);
		queue_work(system_highpri_wq, &s->work);
	}
out:
	rcu_read_unlock();
}

/* ---- switch -> NIC ------------------------------------------------------ */

/*
 * Send what the forwarder put into the view of @d and reclaim completed
 * slots, unless someone else does it right now (busy bit). The view's
 * [hwcur, hwtail) is the NIC TX ring's [hwcur, head) plus what is in flight:
 * the forwarder writes at the view's hwtail (= the TX ring's next head), and
 * the view's hwcur is one after the TX ring's hwtail, so the forwarder never
 * writes a slot the NIC still owns.
 */
static void nm_vale_nic_dst_run(struct nm_vale_nic_dst *d)
{
	struct nm_kring *tx = d->tx, *v = d->view;
	const u32 n = tx->num_slots;
	u32 rounds = NM_VALE_NIC_ROUNDS;

	set_bit(0, &d->pending);
	smp_mb__after_atomic();
	while (nm_os_tryget(&tx->busy)) {
		while (rounds && test_and_clear_bit(0, &d->pending)) {
			/* Pairs with smp_store_release() of hwtail in nm_vale_deliver(). */
			const u32 head = smp_load_acquire(&v->nr_hwtail);

			rounds--;
			tx->rhead = tx->rcur = head;
			if (unlikely(tx->nm_sync(tx))) {
				/*
				 * A slot with a bad buffer index (only a process
				 * writing the shared region does that): the sync
				 * stopped there. Skip it, or the ring would stall.
				 */
				d->tx_errors++;
				tx->nr_hwcur = nm_kring_next(tx->nr_hwcur, n);
				smp_store_release(&tx->nr_hwtail, nm_kring_prev(tx->nr_hwcur, n));
				set_bit(0, &d->pending);
			}
			/* Forwarders read it with smp_load_acquire(). */
			smp_store_release(&v->nr_hwcur, nm_kring_next(READ_ONCE(tx->nr_hwtail), n));
		}
		nm_os_put(&tx->busy);
		smp_mb();
		if (!test_bit(0, &d->pending))
			return;
		if (!rounds) {
			queue_work(system_highpri_wq, &d->work);
			return;
		}
	}
}

static void nm_vale_nic_dst_work(struct work_struct *w)
{
	struct nm_vale_nic_dst *d = container_of(w, struct nm_vale_nic_dst, work);

	rcu_read_lock();
	nm_vale_nic_dst_run(d);
	rcu_read_unlock();
}

static void nm_vale_nic_dst_kick(struct nm_vale_nic_dst *d)
{
	if (likely(nm_vale_nic_ctx_ok())) {
		nm_vale_nic_dst_run(d);
	} else {
		set_bit(0, &d->pending);
		queue_work(system_highpri_wq, &d->work);
	}
}

/* notify of a view: the forwarder filled it (in its RCU read section). */
static void nm_vale_nic_view_notify(struct nm_kring *view)
{
	nm_vale_nic_dst_kick(view->owner);
}

/* kring->notify of the NIC's TX krings while attached: TX completions. */
static void nm_vale_nic_tx_notify(struct nm_kring *kring)
{
	struct nm_vale_nic *nic;

	rcu_read_lock();
	nic = nm_vale_nic_find_rcu(kring->owner);
	if (likely(nic && kring->ring_id < nic->ndst))
		nm_vale_nic_dst_kick(&nic->dst[kring->ring_id]);
	rcu_read_unlock();
}

/* ---- attach / detach ---------------------------------------------------- */

static void nm_vale_nic_free(struct nm_vale_nic *nic)
{
	u32 i;

	if (nic->src)
		for (i = 0; i < nic->nsrc; i++)
			kvfree(nic->src[i].q);
	kvfree(nic->src);
	kvfree(nic->dst);
	kvfree(nic->dstk);
	kvfree(nic->rxq);
	kfree(nic);
}

static struct nm_vale_nic *nm_vale_nic_alloc(struct nm_port *nicp, bool with_host)
{
	const u32 batch = clamp(READ_ONCE(nm_bridge_batch), 1, NM_VALE_MAX_BATCH);
	struct nm_vale_nic *nic;
	u32 i;

	nic = kzalloc(sizeof(*nic), GFP_KERNEL_ACCOUNT);
	if (!nic)
		return NULL;
	nic->nic = nicp;
	nic->nsrc = nicp->nrings[NM_RX] + (with_host ? nicp->nhost[NM_RX] : 0);
	nic->ndst = nicp->nrings[NM_TX] + (with_host ? nicp->nhost[NM_TX] : 0);
	nic->src = kvcalloc(nic->nsrc, sizeof(*nic->src), GFP_KERNEL_ACCOUNT);
	nic->dst = kvcalloc(nic->ndst, sizeof(*nic->dst), GFP_KERNEL_ACCOUNT);
	nic->dstk = kvcalloc(nic->ndst, sizeof(*nic->dstk), GFP_KERNEL_ACCOUNT);
	nic->rxq = kvcalloc(nic->ndst, sizeof(*nic->rxq), GFP_KERNEL_ACCOUNT);
	if (!nic->src || !nic->dst || !nic->dstk || !nic->rxq)
		goto err;
	for (i = 0; i < nic->nsrc; i++) {
		struct nm_vale_nic_src *s = &nic->src[i];

		s->q = kvzalloc(nm_vale_txq_size(batch), GFP_KERNEL_ACCOUNT);
		if (!s->q)
			goto err;
		nm_vale_txq_init(s->q, batch);
		/* The ring is the NIC's: never a user pointer to copy from. */
		s->q->no_indirect = true;
		s->nic = nic;
		INIT_WORK(&s->work, nm_vale_nic_src_work);
	}
	for (i = 0; i < nic->ndst; i++)
		INIT_WORK(&nic->dst[i].work, nm_vale_nic_dst_work);
	nm_vale_rxq_init(nic->rxq, nic->ndst);
	return nic;
err:
	nm_vale_nic_free(nic);
	return NULL;
}

/*
 * Set up the views of the NIC's rings, now that it is in netmap mode and
 * nobody syncs them. Returns -EIO if a ring is missing.
 */
static int nm_vale_nic_views(struct nm_vale_nic *nic)
{
	struct nm_port *nicp = nic->nic;
	u32 i;

	for (i = 0; i < nic->nsrc; i++) {
		struct nm_vale_nic_src *s = &nic->src[i];
		struct nm_kring *rx = &nicp->krings[NM_RX][i];
		struct nm_kring *t = &s->stx;

		if (!rx->ring)
			return -EIO;
		s->rx = rx;
		s->vp = i < nicp->nrings[NM_RX] ? nic->hw : nic->host;
		t->ring = rx->ring;
		nm_kring_same_bufs(t, rx);
		t->num_slots = rx->num_slots;
		t->buf_size = rx->buf_size;
		t->buf_room = rx->buf_size;	/* no OPT_OFFSETS: the NIC has no fd */
		t->ring_id = rx->ring_id;
		t->dir = NM_TX;
		t->owner = s;
		t->nr_hwcur = rx->nr_hwcur;
		t->rhead = t->rcur = rx->nr_hwcur;
	}
	for (i = 0; i < nic->ndst; i++) {
		struct nm_vale_nic_dst *d = &nic->dst[i];
		struct nm_kring *tx = &nicp->krings[NM_TX][i];
		struct nm_kring *v = &nic->dstk[i];

		if (!tx->ring)
			return -EIO;
		d->tx = tx;
		d->view = v;
		/* Nothing is pending on the TX ring: it has had no user. */
		tx->rhead = tx->rcur = tx->nr_hwcur;
		v->ring = tx->ring;
		nm_kring_same_bufs(v, tx);
		v->num_slots = tx->num_slots;
		v->buf_size = tx->buf_size;
		v->buf_room = tx->buf_size;	/* what the forwarder may put in a slot */
		v->ring_id = i;
		v->dir = NM_RX;
		v->owner = d;
		v->notify = nm_vale_nic_view_notify;
		v->nr_hwtail = tx->nr_hwcur;
		v->nr_hwcur = nm_kring_next(tx->nr_hwtail, tx->num_slots);
	}
	return 0;
}

/* Mark every kring of the NIC (not) ours: REGISTER of any of them is EBUSY. */
static void nm_vale_nic_own(struct nm_port *nicp, bool own)
{
	int d;
	u32 i;

	for (d = 0; d < NM_NDIR; d++)
		for (i = 0; i < nicp->nrings[d] + nicp->nhost[d]; i++)
			nicp->krings[d][i].exclusive = own;
}

static bool nm_vale_nic_in_use(const struct nm_port *nicp)
{
	int d;
	u32 i;

	if (nicp->users || nicp->npipes)
		return true;
	for (d = 0; d < NM_NDIR; d++)
		for (i = 0; i < nicp->nrings[d] + nicp->nhost[d]; i++)
			if (nicp->krings[d][i].users || nicp->krings[d][i].exclusive)
				return true;
	return false;
}

static void nm_vale_nic_hook(struct nm_vale_nic *nic)
{
	u32 i;

	hash_add_rcu(nm_vale_nic_hash, &nic->hnode, (unsigned long)nic->nic);
	for (i = 0; i < nic->nsrc; i++) {
		struct nm_vale_nic_src *s = &nic->src[i];

		s->saved_notify = s->rx->notify;
		WRITE_ONCE(s->rx->notify, nm_vale_nic_rx_notify);
	}
	for (i = 0; i < nic->ndst; i++) {
		struct nm_vale_nic_dst *d = &nic->dst[i];

		d->saved_notify = d->tx->notify;
		WRITE_ONCE(d->tx->notify, nm_vale_nic_tx_notify);
	}
}

/* Undo nm_vale_nic_hook(); afterwards no callback of ours runs. */
static void nm_vale_nic_unhook(struct nm_vale_nic *nic)
{
	u32 i;

	for (i = 0; i < nic->nsrc; i++)
		WRITE_ONCE(nic->src[i].rx->notify, nic->src[i].saved_notify);
	for (i = 0; i < nic->ndst; i++)
		WRITE_ONCE(nic->dst[i].tx->notify, nic->dst[i].saved_notify);
	hash_del_rcu(&nic->hnode);
	/* Callbacks run in RCU read sections (softirq ones too). */
	synchronize_net();
	for (i = 0; i < nic->nsrc; i++)
		cancel_work_sync(&nic->src[i].work);
}

static struct nm_vale_port *nm_vale_nic_port(struct nm_vale_nic *nic, const char *name,
					     const char *pname, u32 first, u32 n, bool host)
{
	struct nm_vale_port *vp = nm_vale_port_alloc(name, pname);

	if (!vp)
		return NULL;
	vp->nic = nic;
	vp->host = host;
	vp->vp.nrx = n;
	vp->vp.rxk = nic->dstk + first;
	vp->vp.rxq = nic->rxq + first;
	return vp;
}

/*
 * Put @nicp (a NIC port, or with @vale a persistent VALE port on another
 * switch; our reference, dropped on failure) on @b as @name/@pname, and
 * with @with_host its host rings as "@name^".
 */
static int nm_vale_nic_attach_port(struct nm_bridge *b, const char *name, const char *pname,
				   struct nm_port *nicp, bool with_host, bool vale,
				   u32 *port_index)
{
	char hname[IFNAMSIZ], hfull[NETMAP_REQ_IFNAMSIZ];
	struct nm_vale_nic *nic;
	int err;

	if (nm_vale_nic_find_locked(nicp)) {
		nm_dbg("%s: ATTACH: %s is already on a switch\n", name, pname);
		err = -EBUSY;
		goto err_put;
	}
	if (nm_vale_nic_in_use(nicp)) {
		nm_dbg("%s: ATTACH: %s is in use by another netmap client\n", name, pname);
		err = -EBUSY;
		goto err_put;
	}
	if (with_host) {
		if (!nicp->nhost[NM_RX] || !nicp->nhost[NM_TX] ||
		    snprintf(hname, sizeof(hname), "%s^", pname) >= sizeof(hname)) {
			nm_dbg("%s: ATTACH: no host port for %s\n", name, pname);
			err = -EINVAL;
			goto err_put;
		}
		snprintf(hfull, sizeof(hfull), "%s^", name);
	}
	if (nm_bridge_find_port(b, pname) || (with_host && nm_bridge_find_port(b, hname))) {
		err = -EBUSY;
		goto err_put;
	}
	if (b->nports + 1 + with_host > NM_VALE_MAXPORTS) {
		pr_info_ratelimited("%s: no more than %d ports per VALE switch\n", name,
				    NM_VALE_MAXPORTS);
		err = -ENOMEM;
		goto err_put;
	}
	nic = nm_vale_nic_alloc(nicp, with_host);
	if (!nic) {
		err = -ENOMEM;
		goto err_put;
	}
	nic->vale = vale;
	nic->hw = nm_vale_nic_port(nic, name, pname, 0, nicp->nrings[NM_TX], false);
	if (with_host)
		nic->host = nm_vale_nic_port(nic, hfull, hname, nicp->nrings[NM_TX],
					     nicp->nhost[NM_TX], true);
	if (!nic->hw || (with_host && !nic->host)) {
		err = -ENOMEM;
		goto err_ports;
	}
	/* A VALE port is always "on": it only has to be kept from its fds. */
	err = vale ? 0 : nm_nic_on(nicp);
	if (err)
		goto err_ports;
	err = nm_vale_nic_views(nic);
	if (err) {
		pr_err_ratelimited("%s: NIC %s has no rings in netmap mode\n", name, pname);
		goto err_off;
	}
	nm_vale_nic_own(nicp, true);
	if (vale) {
		/* Frames cross unchanged: the same header on both sides. */
		nic->hw->vp.hdr_len = to_vp(nicp)->vp.hdr_len;
		to_vp(nicp)->wrapper = nic;
	}
	err = nm_bridge_join(b, nic->hw);
	if (err)
		goto err_own;
	if (with_host) {
		err = nm_bridge_join(b, nic->host);
		if (err)
			goto err_leave;
	}
	nm_vale_nic_hook(nic);
	/* What arrived since nm_nic_on() (a notify may have come before the hook). */
	{
		u32 i;

		for (i = 0; i < nic->nsrc; i++)
			nm_vale_nic_src_kick(&nic->src[i]);
	}
	*port_index = nic->hw->index;
	nm_dbg("%s: %s attached as port %u%s%s (%u/%u rings)\n", name,
	       vale ? "VALE port" : "NIC", nic->hw->index,
	       with_host ? ", host stack as " : "", with_host ? hfull : "",
	       nicp->nrings[NM_TX], nicp->nrings[NM_RX]);
	return 0;

err_leave:
	nm_bridge_leave(nic->hw);	/* the switch stays: the caller frees it if empty */
err_own:
	if (vale)
		to_vp(nicp)->wrapper = NULL;
	nm_vale_nic_own(nicp, false);
err_off:
	if (!vale)
		nm_nic_off(nicp);
err_ports:
	if (nic->hw)
		nm_port_put(&nic->hw->up);
	if (nic->host)
		nm_port_put(&nic->host->up);
	nm_vale_nic_free(nic);
err_put:
	nm_port_put(nicp);
	return err;
}

int nm_vale_nic_attach(struct nm_bridge *b, const char *name, const char *pname,
		       u32 mode, u32 *port_index)
{
	struct nm_port *nicp;
	int err;

	lockdep_assert_held(&nm_ctrl_lock);
	err = nm_nic_lookup(pname, true, &nicp);
	if (err) {
		nm_dbg("%s: ATTACH: interface %s: error %d\n", name, pname, err);
		return err;
	}
	return nm_vale_nic_attach_port(b, name, pname, nicp, mode == NR_REG_NIC_SW, false,
				       port_index);
}

/*
 * The second switch of a persistent port (netmap wraps it like a NIC): its
 * RX rings (what its first switch delivers to it) feed @b through the
 * wrapper port, what @b sends to the wrapper goes into its TX rings and
 * from there into its first switch. No host rings. Its krings are owned by
 * the wrapping: REGISTER of the port is EBUSY until DETACH of the wrapper.
 */
int nm_vale_wrap_attach(struct nm_bridge *b, const char *name, const char *pname,
			struct nm_vale_port *vp, u32 *port_index)
{
	lockdep_assert_held(&nm_ctrl_lock);
	return nm_vale_nic_attach_port(b, name, pname, nm_port_get(&vp->up), false, true,
				       port_index);
}

void nm_vale_nic_detach(struct nm_vale_nic *nic)
{
	struct nm_port *nicp = nic->nic;
	u32 i;

	lockdep_assert_held(&nm_ctrl_lock);
	WARN_ON_ONCE(nic->poll);
	/* 1. Nothing more from the NIC into the switch. */
	nm_vale_nic_unhook(nic);
	/* 2. Nothing more from the switch into the NIC (waits for the senders). */
	nm_bridge_leave(nic->hw);
	if (nic->host)
		nm_bridge_leave(nic->host);
	for (i = 0; i < nic->ndst; i++)
		cancel_work_sync(&nic->dst[i].work);
	/* 3. The NIC (or wrapped VALE port) goes back to whoever wants it. */
	nm_vale_nic_own(nicp, false);
	if (nic->vale)
		to_vp(nicp)->wrapper = NULL;
	else
		nm_nic_off(nicp);
	nm_port_put(&nic->hw->up);
	if (nic->host)
		nm_port_put(&nic->host->up);
	nm_port_put(nicp);
	nm_vale_nic_free(nic);
}

void nm_vale_nic_stats(const struct nm_vale_port *vp, struct nm_port_stats *st)
{
	const struct nm_vale_nic *nic = vp->nic;
	const struct nm_port *nicp = nic->nic;
	u32 s0 = 0, s1 = nicp->nrings[NM_RX], d0 = 0, d1 = nicp->nrings[NM_TX], i;

	lockdep_assert_held(&nm_ctrl_lock);
	if (vp->host) {
		s0 = s1;
		s1 = nic->nsrc;
		d0 = d1;
		d1 = nic->ndst;
	}
	/* tx: what the NIC (or the stack) sent into the switch; rx: what it got. */
	for (i = s0; i < s1; i++) {
		const struct nm_vale_txq *q = nic->src[i].q;

		st->tx_packets += READ_ONCE(q->tx_packets);
		st->tx_bytes += READ_ONCE(q->tx_bytes);
		st->tx_errors += READ_ONCE(q->tx_errors);
	}
	for (i = d0; i < d1; i++) {
		const struct nm_vale_rxq *q = &nic->rxq[i];

		st->rx_packets += READ_ONCE(q->rx_packets);
		st->rx_bytes += READ_ONCE(q->rx_bytes);
		st->rx_drops += READ_ONCE(q->rx_drops);
	}
}
