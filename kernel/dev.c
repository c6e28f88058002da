// SPDX-License-Identifier: BSD-2-Clause
/*
 * /dev/netmap: a misc character device (major 10, dynamic minor). Each open()
 * creates a private per-fd state ("priv") that is bound to at most one port.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "dev.h"

/* Per-fd state. Owned by the struct file; freed in release(). */
struct nm_priv {
	struct file *filp;
};

static int nm_open(struct inode *inode, struct file *filp)
{
	struct nm_priv *priv;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->filp = filp;
	filp->private_data = priv;
	return 0;
}

static int nm_release(struct inode *inode, struct file *filp)
{
	kfree(filp->private_data);
	filp->private_data = NULL;
	return 0;
}

static const struct file_operations nm_fops = {
	.owner = THIS_MODULE,
	.open = nm_open,
	.release = nm_release,
	.llseek = noop_llseek,
};

static struct miscdevice nm_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "netmap",
	.fops = &nm_fops,
	.mode = 0666,
};

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
