/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The /dev/netmap character device (dev.c) and the handlers behind its file
 * operations: NIOCCTRL (ctrl.c), the legacy NIOCREGIF/NIOCGINFO (legacy.c),
 * NIOCTXSYNC/NIOCRXSYNC and poll() (sync.c). Each takes the fd's struct
 * nm_priv (port.h) and returns 0 or a negative errno.
 */
#ifndef NM_DEV_H
#define NM_DEV_H

#include <linux/poll.h>
#include <linux/types.h>

#include "core/kring.h"

struct file;
struct nm_priv;

int nm_dev_init(void);
void nm_dev_uninit(void);

/* The per-fd state of @filp if it is a /dev/netmap file, else NULL. */
struct nm_priv *nm_dev_file_priv(struct file *filp);

/* legacy.c: @cmd is NIOCREGIF or NIOCGINFO, @uarg a struct nmreq. */
long nm_legacy_ioctl(struct nm_priv *priv, unsigned int cmd, void __user *uarg);

/*
 * sync.c: one sync of @k as NIOC*SYNC does it, user page faults taken with
 * no busy bit held (may sleep; -ERESTARTSYS on a signal while faulting).
 */
int nm_sync_kring(struct nm_kring *k);
/* sync.c: sync every ring of @dir bound to the fd; -ENXIO if unbound. */
long nm_sync_ioctl(struct nm_priv *priv, enum nm_dir dir);
__poll_t nm_sync_poll(struct nm_priv *priv, struct file *filp, poll_table *wait);

#endif /* NM_DEV_H */
