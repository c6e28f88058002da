// SPDX-License-Identifier: BSD-2-Clause
/*
 * PORT_HDR_SET / PORT_HDR_GET: the virtio-net header length of a VALE
 * port (NETMAP-ABI §2, LIBRARIES-AND-FEATURES §3.4). The length says what
 * the port's frames start with; the switch converts between ports of
 * different lengths (core/vale_vnet.c).
 *
 * SET (privileged: nm_ctrl_may_change()) takes 0, 10 or 12, else EINVAL,
 * checked first; the port is found on its switch by "valeB:P" and never
 * created (ENXIO otherwise, also for names without "vale"); it works while
 * the port is open (the forwarder reads the length once per batch). For a
 * NIC on a switch it sets the length of the NIC's switch port. A persistent
 * port wrapped on a second switch (and its wrapper) is owned by the kernel:
 * EBUSY. GET answers for any port that exists (0 for ports that are not
 * VALE ports), and makes nothing for a caller who may not (ctrl.h).
 *
 * A REGISTER of a port with a non-zero length needs NR_ACCEPT_VNET_HDR,
 * else EIO (port.c asks nm_vale_hdr_len()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>

#include "core/vale_vnet.h"
#include "params.h"
#include "port.h"
#include "vale.h"
#include "vale_int.h"

u32 nm_vale_hdr_len(const struct nm_port *port)
{
	return nm_port_is_vale(port) ? READ_ONCE(to_vp((struct nm_port *)port)->vp.hdr_len) : 0;
}

int nm_vale_port_hdr_set(const char *name, const struct nmreq_port_hdr *req)
{
	struct nm_vale_port *vp;
	int err = 0;

	if (!nm_vale_vnet_len_ok(req->nr_hdr_len)) {
		nm_dbg("%s: virtio-net header length %u (0, 10 or 12)\n", name, req->nr_hdr_len);
		return -EINVAL;
	}
	mutex_lock(&nm_ctrl_lock);
	vp = nm_vale_switch_port(name);
	if (!vp) {
		nm_dbg("%s: PORT_HDR_SET: no such VALE port\n", name);
		err = -ENXIO;
	} else if (vp->wrapper || (vp->nic && vp->nic->vale)) {
		nm_dbg("%s: PORT_HDR_SET: the port joins two switches\n", name);
		err = -EBUSY;
	} else {
		WRITE_ONCE(vp->vp.hdr_len, req->nr_hdr_len);
		nm_dbg("%s: virtio-net header length %u\n", name, req->nr_hdr_len);
	}
	mutex_unlock(&nm_ctrl_lock);
	return err;
}

int nm_vale_port_hdr_get(const char *name, struct nmreq_port_hdr *req, bool may_create)
{
	const struct nmreq_register reg = { .nr_mode = NR_REG_ALL_NIC };
	struct nm_vale_port *vp;
	struct nm_port *port;
	int err = 0;

	mutex_lock(&nm_ctrl_lock);
	/* A switch port by name: that is where a NIC's length is kept. */
	vp = nm_vale_switch_port(name);
	if (vp) {
		req->nr_hdr_len = vp->vp.hdr_len;
		goto out;
	}
	err = nm_port_lookup(name, &reg, NULL, may_create ? NM_LOOKUP_INFO : NM_LOOKUP_EXISTING,
			     &port);
	if (!err) {
		req->nr_hdr_len = nm_vale_hdr_len(port);
		nm_port_put(port);
	}
out:
	mutex_unlock(&nm_ctrl_lock);
	return err;
}
