/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NIOCCTRL: struct nmreq_header, the request body and the option list
 * (NETMAP-ABI §2, §4).
 */
#ifndef NM_CTRL_H
#define NM_CTRL_H

#include <linux/types.h>

struct nm_priv;

/*
 * Run the request at @uhdr for the fd @priv. The header is always copied
 * back (nr_name[63] forced to 0), the body only on success, option headers
 * (with nro_status) unless the list could not be read whole.
 */
long nm_ctrl_ioctl(struct nm_priv *priv, void __user *uhdr);

#endif /* NM_CTRL_H */
