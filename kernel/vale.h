/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * VALE switches and their ports (NETMAP-ABI §7). The forwarding itself is
 * OS-independent, in core/vale_fwd.c; this is the Linux side: switches,
 * ephemeral ports ("valeB:P", created by REGISTER, freed with their last
 * user), persistent ports (VALE_NEWIF: a net_device and a port that lives
 * until VALE_DELIF, attached to a switch with VALE_ATTACH), NICs attached
 * to a switch (vale_nic.c, with polling threads in vale_poll.c), and the
 * control requests. Everything here runs under nm_ctrl_lock.
 */
#ifndef NM_VALE_H
#define NM_VALE_H

#include <linux/string.h>
#include <linux/types.h>
#include <net/netmap.h>

struct nm_mem;
struct nm_port;
struct nm_port_stats;
struct nm_region_ahead;

/* Does @name name a VALE port ("vale" prefix)? */
static inline bool nm_vale_is_name(const char *name)
{
	return !strncmp(name, "vale", 4);
}

/*
 * The VALE port @name ("valeB:P"), for a request: an existing port of
 * switch B named P, else (if @create) a new ephemeral port with the counts
 * of @req (NULL: defaults) in @mem (NULL: a private region of its own).
 * -EINVAL for bad names and for P naming a system interface not attached to
 * B, -ENXIO if not found and not @create, -ENOMEM when out of switches or
 * ports. A reference in *portp. nm_ctrl_lock held. @ahead (REGISTER only,
 * else NULL): a region of its own is made ahead without the lock, see
 * struct nm_region_ahead (port.h); NM_LOOKUP_NEED_REGION asks for it.
 */
int nm_vale_lookup(const char *name, const struct nmreq_register *req,
		   struct nm_mem *mem, bool create, struct nm_region_ahead *ahead,
		   struct nm_port **portp);

/* Requests; nm_ctrl_lock taken inside. @name is the header's nr_name. */
int nm_vale_attach(const char *name, struct nmreq_vale_attach *req);
int nm_vale_detach(const char *name, struct nmreq_vale_detach *req);
/* @name may be rewritten (enumeration); it has NETMAP_REQ_IFNAMSIZ bytes. */
int nm_vale_list(char *name, struct nmreq_vale_list *req);
int nm_vale_newif(const char *name, struct nmreq_vale_newif *req);
int nm_vale_delif(const char *name);
/*
 * POLLING_ENABLE / _DISABLE of the NIC "valeB:ifname" (vale_poll.c):
 * -EINVAL for a name that is not VALE or a bad request, -ENXIO for no such
 * port, -EOPNOTSUPP for a port that is not an attached NIC, -EBUSY when
 * polling is already on; DISABLE with polling off is -EINVAL.
 */
int nm_vale_polling_enable(const char *name, struct nmreq_vale_polling *req);
int nm_vale_polling_disable(const char *name);

/*
 * Virtio-net header length (vale_hdr.c). PORT_HDR_SET of the switch port
 * @name: -EINVAL for a length other than 0, 10, 12, -ENXIO if there is no
 * such port, -EBUSY for a port joining two switches. PORT_HDR_GET of any
 * existing port (@may_create: nm_ctrl_may_create() of the caller).
 * nm_vale_hdr_len(): the length of @port, 0 if it is no VALE port
 * (nm_ctrl_lock held, or a reference to a port in use).
 */
int nm_vale_port_hdr_set(const char *name, const struct nmreq_port_hdr *req);
int nm_vale_port_hdr_get(const char *name, struct nmreq_port_hdr *req, bool may_create);
u32 nm_vale_hdr_len(const struct nm_port *port);

/*
 * Counters of the port of a switch @name ("vale0:a", "vale0:eth1^"), never
 * created for this (nm_port_stats_by_name()): NM_PORT_STATS_KIND_VALE or
 * -errno. nm_ctrl_lock taken inside.
 */
int nm_vale_stats_by_name(const char *name, struct nm_port_stats *st);

int nm_vale_init(void);
void nm_vale_uninit(void);

#endif /* NM_VALE_H */
