/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private to vale.c, vale_nic.c and vale_poll.c: the objects of a VALE
 * switch and the NIC attachment ("bwrap" in netmap). Everything here is
 * under nm_ctrl_lock unless a comment says otherwise.
 *
 * A NIC on a switch (vale_nic.c) is one switch port "valeB:ifname" (and,
 * attached with NR_REG_NIC_SW, a second one "valeB:ifname^" for the host
 * stack). These ports have no rings of their own:
 *   - what arrives on the NIC's RX kring i (hardware, or the host RX kring:
 *     what the stack transmits) is forwarded into the switch by the
 *     kring's notify (softirq or process context) or by a polling thread
 *     (vale_poll.c), through a "source" (struct nm_vale_nic_src): a TX view
 *     of that RX ring that the forwarder (core/vale_fwd.c) reads;
 *   - what the switch sends to the port is copied straight into the free
 *     slots of the NIC's TX kring (hardware, or host TX: into the stack),
 *     through a "destination" (struct nm_vale_nic_dst): an RX view of that
 *     TX ring, which the forwarder fills under its rxq lock as it fills any
 *     VALE RX ring; its notify then runs the NIC's txsync. No intermediate
 *     ring, no swap: one copy (as for any VALE port), and the NIC's ring is
 *     the queue. The TX completion notify of the NIC runs the same txsync,
 *     so slots come back to the forwarder without a sender having to call.
 */
#ifndef NM_VALE_INT_H
#define NM_VALE_INT_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "core/vale_fwd.h"
#include "port.h"
#include "vale.h"

struct nm_bridge;
struct nm_vale_nic;
struct nm_vale_poll;

struct nm_vale_port {
	struct nm_port up;
	char pname[IFNAMSIZ];		/* name on a switch: "P" of "valeB:P" */
	struct nm_bridge *bdg;		/* switch, or NULL; read by txsync (see vale.c) */
	u8 index;			/* on bdg */
	bool persistent;
	struct net_device *ndev;	/* persistent ports */
	struct list_head plist;		/* nm_vale_persistent */
	u32 batch;
	struct nm_vale_txq **txq;	/* per TX ring */
	struct nm_vale_rxq *rxq;	/* per RX ring */
	struct nm_vale_vport vp;	/* what the forwarder sees */
	/* A NIC's port on a switch (no rings, no region), or NULL. */
	struct nm_vale_nic *nic;
	bool host;			/* the "ifname^" port of a NIC */
	/*
	 * A persistent port attached to a second switch is wrapped there like
	 * a NIC (vale_nic.c): the wrapping, while it lasts, or NULL.
	 */
	struct nm_vale_nic *wrapper;
};

struct nm_bridge {
	char name[IFNAMSIZ];		/* "valeB" */
	u32 idx;			/* in nm_bridges */
	u32 nports;
	struct nm_vale_port *ports[NM_VALE_MAXPORTS];
	struct nm_vale_sw sw;		/* table (RCU) and learning table */
};

static inline struct nm_vale_port *to_vp(struct nm_port *port)
{
	return container_of(port, struct nm_vale_port, up);
}

/* vale.c: names and switches (nm_ctrl_lock held). */
/* Split "valeB:P" into "valeB" and "P"; -EINVAL for a bad name. */
int nm_vale_split(const char *name, char bname[IFNAMSIZ], char pname[IFNAMSIZ]);
/* The port @name ("valeB:P") on its switch, or NULL; never creates one. */
struct nm_vale_port *nm_vale_switch_port(const char *name);
/* Is @port a VALE port (a switch port, or a persistent port off any switch)? */
bool nm_port_is_vale(const struct nm_port *port);
struct nm_bridge *nm_bridge_find(const char *bname);
struct nm_bridge *nm_bridge_create(const char *bname);
void nm_bridge_destroy(struct nm_bridge *b);
struct nm_vale_port *nm_bridge_find_port(struct nm_bridge *b, const char *pname);
int nm_bridge_join(struct nm_bridge *b, struct nm_vale_port *vp);
void nm_bridge_leave(struct nm_vale_port *vp);
/* A ring-less VALE port for a NIC, one reference (nm_port_put frees it). */
struct nm_vale_port *nm_vale_port_alloc(const char *name, const char *pname);

/*
 * One NIC RX kring feeding the switch. The forwarding of a source runs
 * holding the busy bit of the NIC kring (one at a time: a notify that finds
 * it taken sets `pending` and leaves; the holder looks again before it
 * lets go, so nothing is left behind).
 */
struct nm_vale_nic_src {
	struct nm_kring stx;		/* TX view of *rx for the forwarder (busy bit holder) */
	struct nm_kring *rx;		/* the NIC's RX kring */
	struct nm_vale_txq *q;		/* batch scratch and tx_* counters */
	struct nm_vale_port *vp;	/* the switch port it feeds */
	nm_notify_fn saved_notify;	/* the NIC's, put back on detach */
	unsigned long pending;		/* bit 0: something may have arrived */
	struct task_struct __rcu *poller;	/* polling thread owning it, or NULL (RCU-read) */
	struct work_struct work;	/* notify from hard-irq context: run later */
	struct nm_vale_nic *nic;
};

/* One NIC TX kring the switch sends into. */
struct nm_vale_nic_dst {
	struct nm_kring *tx;		/* the NIC's TX kring */
	struct nm_kring *view;		/* RX view for the forwarder, in nic->dstk */
	nm_notify_fn saved_notify;
	unsigned long pending;		/* bit 0: new slots to send or completions */
	u64 tx_errors;			/* txsync failures (busy bit holder) */
	struct work_struct work;	/* notify from hard-irq context */
};

struct nm_vale_nic {
	struct hlist_node hnode;	/* nm_vale_nic_hash (RCU), key nic */
	struct nm_port *nic;		/* reference; netmap mode on while attached */
	bool vale;			/* nic is a persistent VALE port, not a NIC */
	struct nm_vale_port *hw;	/* "valeB:ifname" */
	struct nm_vale_port *host;	/* "valeB:ifname^" (NR_REG_NIC_SW) or NULL */
	u32 nsrc, ndst;			/* NIC RX / TX krings used (hw, then host) */
	struct nm_vale_nic_src *src;	/* nsrc, indexed by ring_id */
	struct nm_vale_nic_dst *dst;	/* ndst, indexed by ring_id */
	struct nm_kring *dstk;		/* ndst RX views, contiguous: vport.rxk */
	struct nm_vale_rxq *rxq;	/* ndst: vport.rxq (rx_* counters) */
	struct nm_vale_poll *poll;	/* polling threads, or NULL */
};

/* vale_nic.c (nm_ctrl_lock held). */
int nm_vale_nic_attach(struct nm_bridge *b, const char *name, const char *pname,
		       u32 mode, u32 *port_index);
/*
 * Attach the persistent port @vp, already on another switch, to @b as
 * "valeB:P" (@name, @pname): wrapped like a NIC, a cable between the two
 * switches. -EBUSY if an fd uses @vp.
 */
int nm_vale_wrap_attach(struct nm_bridge *b, const char *name, const char *pname,
			struct nm_vale_port *vp, u32 *port_index);
void nm_vale_nic_detach(struct nm_vale_nic *nic);
void nm_vale_nic_stats(const struct nm_vale_port *vp, struct nm_port_stats *st);
/*
 * Forward what arrived on source @s, holding its NIC kring's busy bit
 * (caller: the polling thread). Returns the slots forwarded.
 */
u32 nm_vale_nic_src_forward(struct nm_vale_nic_src *s);
/* Run source @s now if its busy bit is free (after polling stops). */
void nm_vale_nic_src_kick(struct nm_vale_nic_src *s);

/* vale_poll.c (nm_ctrl_lock held). */
int nm_vale_poll_start(struct nm_vale_nic *nic, const struct nmreq_vale_polling *req);
void nm_vale_poll_stop(struct nm_vale_nic *nic);

#endif /* NM_VALE_INT_H */
