// SPDX-License-Identifier: BSD-2-Clause
/*
 * /dev/netmap: a misc character device (major 10, dynamic minor). Each open()
 * creates a private per-fd state (struct nm_priv, port.h) that REGISTER binds
 * to at most one port; release() unbinds it. The file operations only
 * dispatch: NIOCCTRL to ctrl.c, the legacy ioctls to legacy.c, syncs and
 * poll to sync.c, mmap to the bound region (mem.c).
 *
 * The module cannot be unloaded while a fd is open (fops.owner), nor while
 * the region is mapped (a mapping holds the file).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/netmap.h>

#include "ctrl.h"
#include "dev.h"
#include "kloop.h"
#include "mem.h"
#include "port.h"
#include "watch.h"

static int nm_open(struct inode *inode, struct file *filp)
{
	struct nm_priv *priv;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL_ACCOUNT);
	if (!priv)
		return -ENOMEM;
	filp->private_data = priv;
	return 0;
}

/* Last reference to the file: no other syscall can be using priv. */
static int nm_release(struct inode *inode, struct file *filp)
{
	struct nm_priv *priv = filp->private_data;
	struct nm_watch_release rel;

	/* Watchers learn of the release once the port is let go. */
	nm_watch_release_begin(priv, &rel);
	nm_kloop_release(priv);
	nm_port_unbind(priv);
	nm_watch_release_end(&rel);
	kfree(priv);
	filp->private_data = NULL;
	return 0;
}

/* Every close(): a sync loop of the closing process on this fd ends. */
static int nm_flush(struct file *filp, fl_owner_t id)
{
	nm_kloop_flush(filp->private_data);
	return 0;
}

static long nm_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct nm_priv *priv = filp->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case NIOCTXSYNC:
		return nm_sync_ioctl(priv, NM_TX);
	case NIOCRXSYNC:
		return nm_sync_ioctl(priv, NM_RX);
	case NIOCCTRL:
		return nm_ctrl_ioctl(priv, uarg);
	case NIOCREGIF:
	case NIOCGINFO:
		return nm_legacy_ioctl(priv, cmd, uarg);
	case NIOCCONFIG:
		/* Configuration of external VALE modules: none exist. */
		return -EOPNOTSUPP;
	default:
		return -ENOTTY;
	}
}

static int nm_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct nm_priv *priv = filp->private_data;

	if (!nm_priv_bound(priv))
		return -EINVAL;
	return nm_mem_mmap(priv->mem, vma);
}

static __poll_t nm_poll(struct file *filp, poll_table *wait)
{
	struct nm_priv *priv = filp->private_data;

	if (nm_watch_is_watcher(priv))
		return nm_watch_poll(priv, filp, wait);
	return nm_sync_poll(priv, filp, wait);
}

/* Only a release watcher (watch.c) has something to read: cookies. */
static ssize_t nm_read(struct file *filp, char __user *buf, size_t len, loff_t *off)
{
	return nm_watch_read(filp->private_data, filp, buf, len);
}

static const struct file_operations nm_fops = {
	.owner = THIS_MODULE,
	.open = nm_open,
	.release = nm_release,
	.flush = nm_flush,
	.unlocked_ioctl = nm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = nm_mmap,
	.poll = nm_poll,
	.read = nm_read,
	.llseek = noop_llseek,
};

static struct miscdevice nm_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "netmap",
	.fops = &nm_fops,
	/*
	 * Root only: a netmap fd can take a NIC off the host stack. netmapd
	 * hands unprivileged applications fds it has opened and bound itself
	 * (SCM_RIGHTS), after checking its access rules.
	 */
	.mode = 0600,
};

struct nm_priv *nm_dev_file_priv(struct file *filp)
{
	return filp->f_op == &nm_fops ? filp->private_data : NULL;
}

int nm_dev_init(void)
{
	int err = misc_register(&nm_miscdev);

	if (err)
		return err;
	pr_info("/dev/netmap registered (major 10, minor %d)\n", nm_miscdev.minor);
	return 0;
}

void nm_dev_uninit(void)
{
	misc_deregister(&nm_miscdev);
}
