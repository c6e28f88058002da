/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ports (netmap calls them adapters), the registry of named ports, and the
 * binding of a /dev/netmap fd to a port (REGISTER).
 *
 * A port has rings in both directions (hardware rings, then host rings, in
 * one kring array per direction), a memory region holding them, and ops that
 * say how its rings sync, bind and count. Pipes, the null port, the implicit
 * parents of pipes, VALE ports, NICs and monitors differ only in their ops:
 * port.c and ctrl.c test no kind.
 *
 * Locking: nm_ctrl_lock, one global mutex, serialises every control
 * operation: lookup, creation and destruction of ports, REGISTER, unbinding
 * at close, the registry. It is never taken on the packet path. A port's
 * ring counts, krings and rings are fixed from its creation to its
 * destruction, so the packet path reads them without a lock, through a fd
 * whose binding (struct nm_priv) keeps the port alive.
 *
 * Lifetime: ports are reference counted (nm_port_get/put, under
 * nm_ctrl_lock). A bound fd holds one reference, a pipe holds one on its
 * parent. Both ends of a pipe share one count, that of the pipe: the pair
 * lives while anyone holds either end.
 */
#ifndef NM_PORT_H
#define NM_PORT_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <net/netmap.h>

#include "core/kring.h"
#include "core/memsize.h"

struct nm_mem;
struct nm_pipe;
struct nm_port;
struct nm_kloop;

extern struct mutex nm_ctrl_lock;

/*
 * A port's counters (NETMAP_REQ_OPT_PORT_STATS; the meaning of each is in
 * struct nmreq_opt_port_stats), summed by its ops->stats.
 */
struct nm_port_stats {
	u64 tx_packets, tx_bytes, tx_errors;
	u64 rx_packets, rx_bytes, rx_drops, rx_errors;
};

struct nm_port_ops {
	/* Packet path: called by nm_kring_sync() with the ring's busy bit. */
	int (*txsync)(struct nm_kring *kring);
	int (*rxsync)(struct nm_kring *kring);
	/*
	 * Control path, nm_ctrl_lock held. krings_create allocates the kring
	 * arrays for the counts in the port, rings_create the shared rings in
	 * port->mem; the deletes undo them and accept partial work.
	 * nm_port_krings_create() and friends are the defaults.
	 */
	int (*krings_create)(struct nm_port *port);
	void (*krings_delete)(struct nm_port *port);
	int (*rings_create)(struct nm_port *port);
	void (*rings_delete)(struct nm_port *port);
	/* Last reference gone (nm_ctrl_lock held): free everything. */
	void (*dtor)(struct nm_port *port);
	/*
	 * Optional, nm_ctrl_lock held. reg(port, true) as a fd binds, before
	 * its netmap_if is made (an error fails the REGISTER); reg(port,
	 * false) as it unbinds (port->users already counts it out) or when
	 * the bind fails after reg(port, true). A NIC enters and leaves
	 * netmap mode here.
	 */
	int (*reg)(struct nm_port *port, bool on);
	/*
	 * Optional, nm_ctrl_lock held: the host ring counts asked for by a
	 * REGISTER or an info request (0 keeps the current one), before the
	 * bind; and (1, 1) when the last fd unbinds from a port that lives on.
	 */
	int (*host_rings)(struct nm_port *port, u32 ntx, u32 nrx);
	/*
	 * Optional, nm_ctrl_lock held: add the port's counters to *st (with
	 * @host those of its host rings only) and return its
	 * NM_PORT_STATS_KIND_*, or -EINVAL if it has none of that sort. No
	 * .stats: the port counts nothing (-EINVAL).
	 */
	int (*stats)(struct nm_port *port, bool host, struct nm_port_stats *st);
};

/* nm_port::flags */
#define NM_PORT_F_IMPLICIT	0x1	/* implicit parent of pipes, no rings */
#define NM_PORT_F_PIPE		0x2	/* an end of a pipe */
#define NM_PORT_F_REGISTRY	0x4	/* on the nm_ports list, found by name */
#define NM_PORT_F_MONITOR	0x10	/* a monitor (monitor.h): cannot be monitored */
#define NM_PORT_F_NO_OFFSETS	0x100	/* OPT_OFFSETS is EOPNOTSUPP (zero-copy monitors) */

struct nm_port {
	char name[NETMAP_REQ_IFNAMSIZ];
	/*
	 * The count this port lives by: its own (own_ref) or that of the object
	 * it is part of (a pipe). Released through ops->dtor or the owner.
	 */
	struct kref *ref;
	struct kref own_ref;
	void (*release)(struct kref *ref);
	const struct nm_port_ops *ops;
	unsigned long flags;

	/* Fixed at creation. */
	u32 nrings[NM_NDIR];		/* hardware rings */
	u32 nhost[NM_NDIR];		/* host rings, 0 = none */
	u32 nslots[NM_NDIR];		/* slots of every ring of a direction */
	struct nm_kring *krings[NM_NDIR]; /* nrings + nhost entries each */
	struct nm_mem *mem;		/* reference */

	/* nm_ctrl_lock. */
	u32 users;			/* bound fds */
	struct list_head list;		/* nm_ports, if NM_PORT_F_REGISTRY */
	struct list_head pipes;		/* pipes whose parent this is */
	u32 npipes;
	struct nm_pipe *pipe;		/* the pipe this port is an end of */

	/* poll() waits here when a fd binds several rings of a direction. */
	wait_queue_head_t wq[NM_NDIR];
};

/*
 * Per-fd state: the binding of a /dev/netmap fd. Everything is set by
 * REGISTER under nm_ctrl_lock and published last with
 * smp_store_release(&bound, true); from then on it does not change until
 * release(), which runs when no other syscall uses the fd. The packet path,
 * poll and mmap read `bound` with smp_load_acquire() and then the rest
 * without a lock.
 */
struct nm_priv {
	bool bound;
	struct nm_port *port;		/* reference */
	struct nm_mem *mem;		/* reference: the region this fd maps */
	struct netmap_if *nifp;		/* this fd's netmap_if, in mem */
	u32 first[NM_NDIR], last[NM_NDIR]; /* bound kring range per direction */
	u64 flags;			/* nr_flags of REGISTER */
	bool exclusive;
	/*
	 * Everything above is the binding, zeroed by an unbind; everything
	 * from here on lives as long as the file.
	 *
	 * Release watches (watch.h): the watcher state if this fd is one (set
	 * once under nm_ctrl_lock, never with a port), and the watches on
	 * this fd's file (nm_watch_lock; zeroed = empty).
	 */
	struct nm_watcher *watcher;
	struct hlist_head watches;
	/* CSB mode and the sync loop (kloop.h): made once, freed at release. */
	struct nm_kloop *kloop;
};

static inline bool nm_priv_bound(const struct nm_priv *priv)
{
	return smp_load_acquire(&priv->bound);
}

/* Module init/exit: the registry; exit reports leftovers as LEAK. */
int nm_port_init(void);
void nm_port_uninit(void);

struct nm_port *nm_port_get(struct nm_port *port);
void nm_port_put(struct nm_port *port);

/*
 * Generic parts of a port, for the port types. nm_port_setup() initialises
 * a zeroed port with its own count; the rings then come from the defaults
 * below or from the type's ops.
 */
void nm_port_setup(struct nm_port *port, const char *name, const struct nm_port_ops *ops);
/* The reverse of nm_port_setup(), last thing before the port is freed. */
void nm_port_cleanup(struct nm_port *port);
int nm_port_krings_create(struct nm_port *port);
void nm_port_krings_delete(struct nm_port *port);
int nm_port_rings_create(struct nm_port *port);
void nm_port_rings_delete(struct nm_port *port);
/* Create/delete krings and rings through the ops, in that order. */
int nm_port_rings_attach(struct nm_port *port);
void nm_port_rings_detach(struct nm_port *port);
/* Wake whoever waits on @kring or on its port's direction (any context). */
void nm_port_notify(struct nm_kring *kring);
/* ops->stats of @port, -EINVAL if it has none. nm_ctrl_lock held. */
int nm_port_stats(struct nm_port *port, bool host, struct nm_port_stats *st);

/* The registry of named ports (VALE ports later; implicit parents now). */
void nm_port_registry_add(struct nm_port *port);
struct nm_port *nm_port_registry_find(const char *name);

/*
 * What a lookup may create. Info requests of a caller without the privilege
 * (ctrl.h) use NM_LOOKUP_EXISTING: they describe what exists and make
 * nothing, not even for the duration of the request (a pipe's parent on a
 * switch would take part in forwarding, a region costs memory).
 */
enum nm_lookup {
	NM_LOOKUP_EXISTING,	/* nothing: -EPERM where the name needs a new object */
	NM_LOOKUP_INFO,		/* netmap's info requests: pipes, implicit parents,
				 * NIC ports and a pipe's parent VALE port, gone
				 * again with the request; no VALE port by its own
				 * name (ENXIO) */
	NM_LOOKUP_CREATE,	/* everything the name calls for (REGISTER) */
};

/*
 * A port that is not a pipe, monitor or null port, by name: a VALE port
 * (with @implicit_ok, the parent of a pipe, an ephemeral one is created if
 * needed and @create), a port in the registry (persistent VALE ports;
 * implicit parents only if @implicit_ok), a NIC (nm_nic_lookup(), created
 * if @create, else -EPERM when the interface has no port yet), else -ENXIO.
 * A reference in *portp.
 */
int nm_port_lookup_plain(const char *name, bool implicit_ok, bool create,
			 struct nm_port **portp);

/*
 * Find a port by name for a request, creating what the name calls for as
 * far as @how allows (enum nm_lookup): netmap's lookup order, NETMAP-ABI
 * §6. @req gives the mode, flags, wanted counts; @mem is the region of
 * nr_mem_id if one was named (borrowed), else NULL. Returns a reference in
 * *portp. nm_ctrl_lock held.
 */
int nm_port_lookup(const char *name, const struct nmreq_register *req,
		   struct nm_mem *mem, enum nm_lookup how, struct nm_port **portp);

/*
 * A private region made ahead, without nm_ctrl_lock, for the port a
 * REGISTER is about to create: a new ephemeral VALE port in a region of
 * its own (nm_vale_lookup()), the only port a REGISTER makes with a large
 * region. Making it under the lock (tens of MiB allocated, zeroed and
 * vmap()ed) would stall every other control request and close meanwhile.
 * nm_port_register_ex() owns it, on its stack:
 *  1. With @defer, the lookup that would make such a region fills @need
 *     and returns NM_LOOKUP_NEED_REGION instead, having created and
 *     changed nothing.
 *  2. The caller drops nm_ctrl_lock, makes @mem for @need
 *     (nm_mem_make_private(): no id yet, so nothing can find or use it),
 *     retakes the lock and repeats the whole request with @defer false.
 *  3. That lookup, if it still creates the port and computes the same
 *     need, takes @mem (sets it NULL) and gives it its id; otherwise (the
 *     port was created meanwhile, a check now fails) it leaves @mem alone
 *     and does what it always does, making a region under the lock if it
 *     must. One deferral per request, so nothing can loop.
 *  4. An @mem left over is put after nm_ctrl_lock is dropped.
 * Every other lookup passes NULL and behaves as before.
 */
struct nm_region_ahead {
	bool defer;			/* in: may return NM_LOOKUP_NEED_REGION */
	struct nm_mem_need need;	/* out with NM_LOOKUP_NEED_REGION */
	struct nm_mem *mem;		/* in: made for @need, or NULL; taken if used */
};
/* Positive, so never mistaken for an error code; never leaves port.c. */
#define NM_LOOKUP_NEED_REGION	1

/*
 * OPT_OFFSETS of a REGISTER (NULL: none), checked by ctrl.c (bits, max
 * against the mask, initial <= max) and applied while binding: the port
 * must take offsets (-EOPNOTSUPP: a zero-copy monitor), max <= its buffer
 * size (-EINVAL), a ring that has offsets already (another fd) may not be
 * asked for more mask bits or a larger max (-EBUSY) and keeps its own;
 * otherwise each bound ring gets them, and the initial offset goes into
 * every slot of a ring nobody else uses. @err: which of these failed
 * (0 if none); @eff_max: the max in force on the bound rings.
 */
struct nm_reg_offsets {
	u64 mask, max, initial, gap;
	int err;			/* out */
	u64 eff_max;			/* out */
};

/*
 * Requests (nm_ctrl_lock taken inside).
 * nm_port_register(): bind @priv to the port @name; on success fills the
 * reply fields of @req. If @opt_err is set (an option nobody handled) the
 * binding is undone before anyone can see it and @opt_err returned, as
 * netmap does after a successful bind. @offs: see struct nm_reg_offsets.
 */
int nm_port_register(struct nm_priv *priv, const char *name,
		     struct nmreq_register *req, int opt_err, struct nm_reg_offsets *offs);
/*
 * The same with @publish false: the binding is made (a second REGISTER is
 * -EBUSY) but syncs, poll and mmap see an unbound fd until the caller,
 * holding no lock, finishes what needs the binding and calls
 * nm_port_publish(), or undoes it with nm_port_unbind() (CSB option).
 */
int nm_port_register_ex(struct nm_priv *priv, const char *name,
			struct nmreq_register *req, int opt_err,
			struct nm_reg_offsets *offs, bool publish);
void nm_port_publish(struct nm_priv *priv);
/*
 * The info requests; @may_create: nm_ctrl_may_create() of the caller (else
 * only existing objects are described, -EPERM where one would be made).
 */
int nm_port_info_get(const char *name, struct nmreq_port_info_get *req, bool may_create);
int nm_port_pools_info_get(const char *name, struct nmreq_pools_info *req, bool may_create);
/*
 * The counters of the port @name, never created for this (the kind's
 * by-name lookup: pipes, VALE ports, NICs and "eth1^", the host rings of
 * NIC eth1): its NM_PORT_STATS_KIND_* or -errno; -EINVAL for a port that
 * counts nothing. A NIC or pipe without a port yet counted nothing (all
 * zero). nm_ctrl_lock taken inside.
 */
int nm_port_stats_by_name(const char *name, struct nm_port_stats *st);
/* Undo REGISTER at close; nm_ctrl_lock taken inside. */
void nm_port_unbind(struct nm_priv *priv);

#endif /* NM_PORT_H */
