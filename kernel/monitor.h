/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Monitors (NETMAP-ABI §8): a REGISTER with NR_MONITOR_TX/NR_MONITOR_RX
 * (copy monitors: /t /r /rt) or NR_ZCOPY_MON (zero-copy: /z) on the name of
 * a port in netmap mode creates a monitor port of its own for that fd:
 * 1 TX ring that drops whatever is put in it, and max(parent TX, parent RX)
 * RX rings, named "parent/[z][r][t]#N": a copy monitor in a private region
 * of its own, a zero-copy one in the parent's (it swaps buffers with it).
 * Frames of parent ring i (TX, RX or both) arrive in monitor RX ring i;
 * TX frames carry NS_TXMON. The datapath is core/monitor_sync.c.
 *
 * Lifetime: the monitor holds a reference to the parent port, so the
 * parent's krings outlive the monitor's hooks. When the parent leaves
 * netmap mode (its last fd unbinds) every monitor of it is detached for
 * good: its rings get nothing more, the fd still works and closes cleanly
 * (netmap: "the monitor must be reopened").
 */
#ifndef NM_MONITOR_H
#define NM_MONITOR_H

#include <linux/types.h>

struct nm_mem;
struct nm_port;
struct nmreq_register;
struct nmreq_port_info_get;
struct nm_port_stats;

/*
 * Lookup step 2 (NETMAP-ABI §6): the monitor of port @name that @req asks
 * for, created for this request; a reference in *portp. @mem: the region
 * of nr_mem_id or NULL (it must be the parent's). nm_ctrl_lock held.
 * Errors: -EINVAL parent not in netmap mode, a monitor named as parent,
 * bad mode or ringid, a zero-copy monitor in another region; -EOPNOTSUPP
 * host-ring modes; -EBUSY a second zero-copy monitor of a ring; -ENXIO no
 * such port; -ENOMEM (the copy monitor's region over the cap, or no room
 * in the parent's region for a zero-copy monitor's rings).
 */
int nm_mon_lookup(const char *name, const struct nmreq_register *req,
		  struct nm_mem *mem, struct nm_port **portp);

/* @port's last fd went away: detach its monitors (nm_ctrl_lock held). */
void nm_mon_parent_off(struct nm_port *port);

/* Does @name name monitors ("P/rt#3", "P/rt": it has a '/')? */
bool nm_mon_is_name(const char *name);

/*
 * PORT_INFO_GET of monitors: @name is a monitor's name ("P/rt#3") or that
 * without "#N" ("P/rt": every monitor of P in that mode). @info (may be
 * NULL) describes the first such monitor (rings, slots, region), @st (may
 * be NULL) gets their counters added. Returns how many there are, -ENXIO
 * if none. Takes nm_ctrl_lock; never creates anything.
 */
int nm_mon_info_stats(const char *name, struct nmreq_port_info_get *info,
		      struct nm_port_stats *st);

#endif /* NM_MONITOR_H */
