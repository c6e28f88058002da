/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NIC ports: any net_device driven through the emulated ("generic")
 * adapter (NETMAP-ABI §6 step 5), with its host-stack rings.
 *
 * One NIC port per netdev, created by the first REGISTER or VALE_ATTACH
 * that names the interface and destroyed when the last of them goes. Its
 * krings: [0, nrings) hardware rings (generic_rings of them, generic_ringsize
 * slots), then [nrings, nrings + nhost) the host rings (one per direction
 * unless a REGISTER asks for more, nm_nic_host_rings()). What the stack
 * transmits goes to host RX ring (its TX queue modulo the host RX rings).
 *
 * Netmap mode: while the port is "on" (nm_nic_on(), counted), the
 * interface's receive path ends in our RX rings and what the stack
 * transmits on it ends in the host RX ring; the host TX ring feeds the
 * stack; the hardware TX rings go out through the driver. The last
 * nm_nic_off() gives the interface back to the stack exactly as it was.
 * A bound fd holds the port on while bound (REGISTER/unbind do it); a
 * VALE attachment holds it on while attached. If the netdev is unregistered
 * while on, the port goes dead: syncs do nothing, -ENXIO on new binds, and
 * the port is freed with its last reference as usual.
 *
 * Notifications: when packets arrive on an RX kring (hardware or host),
 * the adapter calls kring->notify(kring). It may run in softirq context
 * (NAPI, the rx_handler) or in process context (a host-stack transmit), so
 * a notify callback must not sleep and must use _bh/irqsave-safe locks.
 * The default (nm_port_notify) wakes poll() waiters; a VALE attachment
 * replaces it on the NIC's RX krings to forward what arrived into the switch
 * (and puts it back on detach, under nm_ctrl_lock, after synchronize_net()).
 * TX completion calls kring->notify on the TX kring likewise; in the
 * emulated adapter a txsync copies the frames out and frees their slots
 * itself, so that notify only comes when the driver's queue was stopped
 * (NETDEV_TX_BUSY) and may have room again (a 50 us timer).
 *
 * Locking: everything here is control path under nm_ctrl_lock except the
 * syncs, which follow core/kring.h (busy bit per kring).
 */
#ifndef NM_NIC_H
#define NM_NIC_H

#include <linux/types.h>
#include <net/netmap.h>

struct nm_port;
struct nmreq_register;

/*
 * The NIC port of interface @ifname (no "netmap:" prefix, no suffix), with
 * a new reference in *portp. Created if @create and it does not exist yet.
 * -ENXIO: no such interface; -EOPNOTSUPP: admode=1 (native only, we have
 * no native drivers) or a device netmap cannot drive (not Ethernet);
 * -EBUSY: the interface is a persistent VALE port (not a NIC).
 * nm_ctrl_lock held.
 */
int nm_nic_lookup(const char *ifname, bool create, struct nm_port **portp);

/*
 * Host ring counts asked for at REGISTER or PORT_INFO_GET (0 keeps the
 * current one; at most 64): applied only while nobody uses the port (no
 * bound fd, not on a switch), by making new krings and rings (the old ones
 * stay if that fails: -ENOMEM). 0 without change otherwise. The actual
 * counts are in port->nhost. nm_ctrl_lock held.
 */
int nm_nic_host_rings(struct nm_port *port, u32 ntx, u32 nrx);

/* Is @port a NIC port? */
bool nm_port_is_nic(const struct nm_port *port);

/*
 * Netmap mode on/off, counted (see above). nm_nic_on() returns 0 or
 * -errno (-ENXIO if the netdev is gone, -ENOMEM). nm_ctrl_lock held.
 */
int nm_nic_on(struct nm_port *port);
void nm_nic_off(struct nm_port *port);

/* The netdev's name now (it can be renamed). */
const char *nm_nic_ifname(const struct nm_port *port);

int nm_nic_init(void);		/* netdevice notifier */
void nm_nic_uninit(void);

#endif /* NM_NIC_H */
