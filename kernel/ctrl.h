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

/*
 * Privilege (kernel/README.md, "Privilege"). A /dev/netmap fd may have been
 * opened by someone else: netmapd hands bound fds to unprivileged users over
 * SCM_RIGHTS. So the rule is about the task making the call, never about
 * file->f_cred, and the bound fd is a key to its own port and nothing more.
 *
 * nm_ctrl_may_change(): 0 if the caller may run request type @reqtype
 * (a NIOCCTRL type; legacy.c passes the type a nr_cmd stands for), -EPERM
 * if it changes what other fds or the host see and the caller lacks the
 * privilege. Called before anything is looked up or created.
 *
 * nm_ctrl_may_create(): may the caller's info requests (PORT_INFO_GET,
 * POOLS_INFO_GET, NIOCGINFO) make the objects a name calls for, for the
 * duration of the request, as netmap does? Otherwise they describe only
 * what exists (port.h, NM_LOOKUP_EXISTING). No audit record: it only picks
 * how a request is served.
 */
int nm_ctrl_may_change(u16 reqtype);
bool nm_ctrl_may_create(void);

#endif /* NM_CTRL_H */
