// SPDX-License-Identifier: BSD-2-Clause
/*
 * The legacy ioctls NIOCREGIF and NIOCGINFO (struct nmreq, 60 bytes),
 * converted into the NIOCCTRL requests they stand for (NETMAP-ABI §3). The
 * struct is always copied back; on success it carries the reply fields.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/netmap.h>

#include "ctrl.h"
#include "dev.h"
#include "params.h"
#include "port.h"
#include "vale.h"

/*
 * NETMAP_BDG_LIST becomes VALE_LIST (EINVAL for a name that is not VALE):
 * nr_arg1 = bridge index, nr_arg2 = port index, the name written back.
 */
static int nm_legacy_vale_list(struct nmreq *nmr, char *name)
{
	struct nmreq_vale_list req = {
		.nr_bridge_idx = nmr->nr_arg1,
		.nr_port_idx = nmr->nr_arg2,
	};
	int err;

	if (name[0] && strncmp(name, "vale", 4))
		return -EINVAL;
	err = nm_vale_list(name, &req);
	if (err)
		return err;
	nmr->nr_arg1 = req.nr_bridge_idx;
	nmr->nr_arg2 = req.nr_port_idx;
	strscpy(nmr->nr_name, name, sizeof(nmr->nr_name));
	return 0;
}

/* NETMAP_BDG_NEWIF / ATTACH / DETACH / DELIF: the VALE_* requests. */
static int nm_legacy_vale(struct nmreq *nmr, const char *name)
{
	switch (nmr->nr_cmd) {
	case NETMAP_BDG_NEWIF: {
		struct nmreq_vale_newif req = {
			.nr_tx_slots = nmr->nr_tx_slots,
			.nr_rx_slots = nmr->nr_rx_slots,
			.nr_tx_rings = nmr->nr_tx_rings,
			.nr_rx_rings = nmr->nr_rx_rings,
			.nr_mem_id = nmr->nr_arg2,
		};
		int err = nm_vale_newif(name, &req);

		if (!err || err == -EEXIST) {
			nmr->nr_tx_slots = req.nr_tx_slots;
			nmr->nr_rx_slots = req.nr_rx_slots;
			nmr->nr_tx_rings = req.nr_tx_rings;
			nmr->nr_rx_rings = req.nr_rx_rings;
			nmr->nr_arg2 = req.nr_mem_id;
		}
		return err;
	}
	case NETMAP_BDG_DELIF:
		return nm_vale_delif(name);
	case NETMAP_BDG_ATTACH: {
		struct nmreq_vale_attach req = {};

		req.reg.nr_mode = (nmr->nr_arg1 & NETMAP_BDG_HOST) ? NR_REG_NIC_SW :
				  NR_REG_ALL_NIC;
		req.reg.nr_mem_id = nmr->nr_arg2;
		return nm_vale_attach(name, &req);
	}
	default: {
		struct nmreq_vale_detach req = {};

		return nm_vale_detach(name, &req);
	}
	}
}

/* NIOCREGIF with nr_cmd 0: REGISTER. */
static int nm_legacy_register(struct nm_priv *priv, struct nmreq *nmr, char *name)
{
	struct nmreq_register req = {};
	u32 mode = nmr->nr_flags & NR_REG_MASK;
	u16 ringid = nmr->nr_ringid & NETMAP_RING_MASK;
	int err;

	if (mode == NR_REG_DEFAULT) {
		if (nmr->nr_ringid & NETMAP_SW_RING)
			mode = NR_REG_SW;
		else if (nmr->nr_ringid & NETMAP_HW_RING)
			mode = NR_REG_ONE_NIC;
		else
			mode = NR_REG_ALL_NIC;
	}
	if (mode == NR_REG_PIPE_MASTER || mode == NR_REG_PIPE_SLAVE) {
		/* Fits: name has at most 15 characters here. */
		size_t len = strlen(name);

		snprintf(name + len, NETMAP_REQ_IFNAMSIZ - len, "%c%u",
			 mode == NR_REG_PIPE_MASTER ? '{' : '}', ringid);
		mode = NR_REG_ALL_NIC;
		ringid = 0;
	}
	req.nr_mode = mode;
	req.nr_ringid = ringid;
	req.nr_flags = nmr->nr_flags & ~NR_REG_MASK;
	if (nmr->nr_ringid & NETMAP_NO_TX_POLL)
		req.nr_flags |= NR_NO_TX_POLL;
	if (nmr->nr_ringid & NETMAP_DO_RX_POLL)
		req.nr_flags |= NR_DO_RX_POLL;
	req.nr_tx_slots = nmr->nr_tx_slots;
	req.nr_rx_slots = nmr->nr_rx_slots;
	req.nr_tx_rings = nmr->nr_tx_rings;
	req.nr_rx_rings = nmr->nr_rx_rings;
	req.nr_mem_id = nmr->nr_arg2;
	req.nr_extra_bufs = nmr->nr_arg3;

	err = nm_port_register(priv, name, &req, 0, NULL);
	if (err)
		return err;
	/* The legacy fields are 32 bits wide; regions stay far below 4 GiB. */
	nmr->nr_offset = req.nr_offset;
	nmr->nr_memsize = req.nr_memsize;
	nmr->nr_tx_slots = req.nr_tx_slots;
	nmr->nr_rx_slots = req.nr_rx_slots;
	nmr->nr_tx_rings = req.nr_tx_rings;
	nmr->nr_rx_rings = req.nr_rx_rings;
	nmr->nr_arg2 = req.nr_mem_id;
	nmr->nr_arg3 = req.nr_extra_bufs;
	return 0;
}

/*
 * The NIOCCTRL request type a NIOCREGIF nr_cmd stands for, for the privilege
 * check (ctrl.h): one rule for both interfaces. 0 for commands refused below
 * for everyone.
 */
static u16 nm_legacy_reqtype(u16 cmd)
{
	switch (cmd) {
	case 0:				return NETMAP_REQ_REGISTER;
	case NETMAP_BDG_LIST:		return NETMAP_REQ_VALE_LIST;
	case NETMAP_BDG_ATTACH:		return NETMAP_REQ_VALE_ATTACH;
	case NETMAP_BDG_DETACH:		return NETMAP_REQ_VALE_DETACH;
	case NETMAP_BDG_NEWIF:		return NETMAP_REQ_VALE_NEWIF;
	case NETMAP_BDG_DELIF:		return NETMAP_REQ_VALE_DELIF;
	case NETMAP_BDG_POLLING_ON:	return NETMAP_REQ_VALE_POLLING_ENABLE;
	case NETMAP_BDG_POLLING_OFF:	return NETMAP_REQ_VALE_POLLING_DISABLE;
	case NETMAP_BDG_VNET_HDR:	return NETMAP_REQ_PORT_HDR_SET;
	case NETMAP_VNET_HDR_GET:	return NETMAP_REQ_PORT_HDR_GET;
	default:			return 0;
	}
}

static int nm_legacy_regif(struct nm_priv *priv, struct nmreq *nmr, char *name)
{
	int err = nm_ctrl_may_change(nm_legacy_reqtype(nmr->nr_cmd));

	if (err)
		return err;
	switch (nmr->nr_cmd) {
	case 0:
		return nm_legacy_register(priv, nmr, name);
	case NETMAP_BDG_LIST:
		return nm_legacy_vale_list(nmr, name);
	case NETMAP_BDG_ATTACH:
	case NETMAP_BDG_DETACH:
	case NETMAP_BDG_NEWIF:
	case NETMAP_BDG_DELIF:
		return nm_legacy_vale(nmr, name);
	case NETMAP_BDG_POLLING_ON: {
		/* As netmap's legacy conversion: ONE_NIC = one thread per ring. */
		struct nmreq_vale_polling req = {
			.nr_mode = (nmr->nr_flags & NR_REG_MASK) == NR_REG_ONE_NIC ?
				   NETMAP_POLLING_MODE_MULTI_CPU : NETMAP_POLLING_MODE_SINGLE_CPU,
			.nr_first_cpu_id = nmr->nr_ringid & NETMAP_RING_MASK,
			.nr_num_polling_cpus = nmr->nr_arg1,
		};

		return nm_vale_polling_enable(name, &req);
	}
	case NETMAP_BDG_POLLING_OFF:
		return nm_vale_polling_disable(name);
	case NETMAP_BDG_VNET_HDR: {
		const struct nmreq_port_hdr req = { .nr_hdr_len = nmr->nr_arg1 };

		return nm_vale_port_hdr_set(name, &req);
	}
	case NETMAP_VNET_HDR_GET: {
		struct nmreq_port_hdr req = {};
		int err = nm_vale_port_hdr_get(name, &req, nm_ctrl_may_create());

		if (!err)
			nmr->nr_arg1 = req.nr_hdr_len;
		return err;
	}
	case NETMAP_PT_HOST_CREATE:
	case NETMAP_PT_HOST_DELETE:
		nm_dbg("netmap passthrough is not supported\n");
		return -EOPNOTSUPP;
	default:
		/* NETMAP_BDG_REGOPS is kernel-internal; the rest do not exist. */
		nm_dbg("invalid legacy nr_cmd %u\n", nmr->nr_cmd);
		return -EINVAL;
	}
}

/* NIOCGINFO: PORT_INFO_GET, or VALE_LIST with NETMAP_BDG_LIST. */
static int nm_legacy_ginfo(struct nmreq *nmr, char *name)
{
	struct nmreq_port_info_get info = {
		.nr_tx_slots = nmr->nr_tx_slots,
		.nr_rx_slots = nmr->nr_rx_slots,
		.nr_tx_rings = nmr->nr_tx_rings,
		.nr_rx_rings = nmr->nr_rx_rings,
		.nr_mem_id = nmr->nr_arg2,
	};
	int err;

	if (nmr->nr_cmd == NETMAP_BDG_LIST)
		return nm_legacy_vale_list(nmr, name);
	err = nm_port_info_get(name, &info, nm_ctrl_may_create());
	if (err)
		return err;
	nmr->nr_memsize = info.nr_memsize;
	nmr->nr_tx_slots = info.nr_tx_slots;
	nmr->nr_rx_slots = info.nr_rx_slots;
	nmr->nr_tx_rings = info.nr_tx_rings;
	nmr->nr_rx_rings = info.nr_rx_rings;
	nmr->nr_arg2 = info.nr_mem_id;
	return 0;
}

long nm_legacy_ioctl(struct nm_priv *priv, unsigned int cmd, void __user *uarg)
{
	char name[NETMAP_REQ_IFNAMSIZ] = "";
	struct nmreq nmr;
	int err;

	if (copy_from_user(&nmr, uarg, sizeof(nmr)))
		return -EFAULT;
	/*
	 * At most IFNAMSIZ - 1 characters: the reference terminates the name
	 * in place, and the user sees that in the copy we write back.
	 */
	nmr.nr_name[sizeof(nmr.nr_name) - 1] = '\0';
	memcpy(name, nmr.nr_name, sizeof(nmr.nr_name));

	if (nmr.nr_version < NETMAP_MIN_API) {
		nm_dbg("API mismatch: got %u, need >= %u\n", nmr.nr_version, NETMAP_MIN_API);
		err = -EINVAL;
	} else if (cmd == NIOCREGIF) {
		err = nm_legacy_regif(priv, &nmr, name);
	} else {
		err = nm_legacy_ginfo(&nmr, name);
	}
	if (copy_to_user(uarg, &nmr, sizeof(nmr)))
		return -EFAULT;
	return err;
}
