// SPDX-License-Identifier: BSD-2-Clause
/*
 * netmap.ko: module init and exit only. Each subsystem has an _init/_uninit
 * pair; init calls them in order and unwinds in reverse on failure, exit
 * unwinds all of them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/netmap.h>

#include "dev.h"
#include "mem.h"
#include "nic.h"
#include "params.h"
#include "port.h"
#include "vale.h"

static int __init nm_module_init(void)
{
	int err;

	nm_params_init();	/* max_mem_mb's default, before the first region */
	err = nm_mem_init();
	if (err)
		goto err_mem;
	err = nm_port_init();
	if (err)
		goto err_port;
	/* NICs before VALE: a switch holds NIC ports until its exit detaches them. */
	err = nm_nic_init();
	if (err)
		goto err_nic;
	err = nm_vale_init();
	if (err)
		goto err_vale;
	/* Last: /dev/netmap appears only when everything behind it is ready. */
	err = nm_dev_init();
	if (err)
		goto err_dev;
	pr_info("API %d loaded\n", NETMAP_API);
	return 0;

err_dev:
	nm_vale_uninit();
err_vale:
	nm_nic_uninit();
err_nic:
	nm_port_uninit();
err_port:
	nm_mem_uninit();
err_mem:
	pr_err("failed to load: %d\n", err);
	return err;
}

static void __exit nm_module_exit(void)
{
	nm_dev_uninit();
	nm_vale_uninit();
	nm_nic_uninit();
	nm_port_uninit();
	nm_mem_uninit();
	pr_info("unloaded\n");
}

module_init(nm_module_init);
module_exit(nm_module_exit);

MODULE_AUTHOR("the netmapd authors");
MODULE_DESCRIPTION("netmap: fast packet I/O, pipes and the VALE switch");
MODULE_LICENSE("Dual BSD/GPL");
MODULE_VERSION(NETMAPD_MODULE_VERSION);
