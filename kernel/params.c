// SPDX-License-Identifier: BSD-2-Clause
/*
 * Module parameters. Names, meanings and defaults follow netmap(4) so that
 * existing documentation and scripts apply unchanged.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "mem.h"
#include "params.h"

int nm_verbose;
int nm_no_timestamp;
int nm_admode;
int nm_fwd;
int nm_generic_rings = 1;
int nm_generic_ringsize = 1024;
int nm_generic_mit = 100000;
int nm_bridge_batch = 1024;
int nm_max_bridges = 8;
int nm_txsync_retry = 2;
unsigned int nm_max_mem_mb;	/* 0 until nm_params_init() or a write */

struct nm_pool_params nm_global_params = {
	.if_num = 100,   .if_size = 1024,
	.ring_num = 200, .ring_size = 36864,
	.buf_num = 163840, .buf_size = 2048,
};

struct nm_pool_params nm_priv_params = {
	.if_num = 2,     .if_size = 1024,
	.ring_num = 4,   .ring_size = 20480,
	.buf_num = 4098, .buf_size = 2048,
};

struct nm_pool_params nm_global_curr;

module_param_named(verbose, nm_verbose, int, 0644);
MODULE_PARM_DESC(verbose, "Verbose kernel messages (0 = quiet)");
module_param_named(no_timestamp, nm_no_timestamp, int, 0644);
MODULE_PARM_DESC(no_timestamp, "Do not update ring timestamps on sync");
module_param_named(admode, nm_admode, int, 0644);
MODULE_PARM_DESC(admode, "Adapter mode: 0 native if available, 1 native only, 2 emulated only");
module_param_named(fwd, nm_fwd, int, 0644);
MODULE_PARM_DESC(fwd, "Force NS_FORWARD (transparent) mode on host rings");
module_param_named(generic_rings, nm_generic_rings, int, 0644);
MODULE_PARM_DESC(generic_rings, "Number of rings of an emulated adapter");
module_param_named(generic_ringsize, nm_generic_ringsize, int, 0644);
MODULE_PARM_DESC(generic_ringsize, "Slots per ring of an emulated adapter");
module_param_named(generic_mit, nm_generic_mit, int, 0644);
MODULE_PARM_DESC(generic_mit, "Receive notification moderation of the emulated adapter (ns)");
module_param_named(bridge_batch, nm_bridge_batch, int, 0644);
MODULE_PARM_DESC(bridge_batch, "Packets moved per batch across a VALE switch");
module_param_named(max_bridges, nm_max_bridges, int, 0444);
MODULE_PARM_DESC(max_bridges, "Maximum number of VALE switches (load time only)");
module_param_named(txsync_retry, nm_txsync_retry, int, 0644);
MODULE_PARM_DESC(txsync_retry, "Retries of a VALE txsync when destinations are full");

#define NM_POOL_PARAM(prefix, p, field, perm, desc)			\
	module_param_named(prefix##field, p.field, uint, perm);	\
	MODULE_PARM_DESC(prefix##field, desc)

NM_POOL_PARAM(, nm_global_params, if_num, 0644, "netmap_if objects in the global region");
NM_POOL_PARAM(, nm_global_params, if_size, 0644, "Size of a netmap_if object in the global region");
NM_POOL_PARAM(, nm_global_params, ring_num, 0644, "Rings in the global region");
NM_POOL_PARAM(, nm_global_params, ring_size, 0644, "Size of a ring object in the global region");
NM_POOL_PARAM(, nm_global_params, buf_num, 0644, "Buffers in the global region");
NM_POOL_PARAM(, nm_global_params, buf_size, 0644, "Size of a buffer in the global region");
NM_POOL_PARAM(priv_, nm_priv_params, if_num, 0644, "netmap_if objects in a private region");
NM_POOL_PARAM(priv_, nm_priv_params, if_size, 0644, "Size of a netmap_if object in a private region");
NM_POOL_PARAM(priv_, nm_priv_params, ring_num, 0644, "Rings in a private region");
NM_POOL_PARAM(priv_, nm_priv_params, ring_size, 0644, "Size of a ring object in a private region");
NM_POOL_PARAM(priv_, nm_priv_params, buf_num, 0644, "Buffers in a private region");
NM_POOL_PARAM(priv_, nm_priv_params, buf_size, 0644, "Size of a buffer in a private region");

/* The *_curr_* figures are named after the field with "_curr" in the middle. */
#define NM_CURR_PARAM(kind, what)					\
	module_param_named(kind##_curr_##what, nm_global_curr.kind##_##what, uint, 0444); \
	MODULE_PARM_DESC(kind##_curr_##what, "In use by the global region (read-only)")

NM_CURR_PARAM(if, num);
NM_CURR_PARAM(if, size);
NM_CURR_PARAM(ring, num);
NM_CURR_PARAM(ring, size);
NM_CURR_PARAM(buf, num);
NM_CURR_PARAM(buf, size);

/*
 * max_mem_mb: the cap on the memory of all regions together (mem.c checks
 * it when a region is created). 0, at load or written later, means the
 * default: half of the RAM, the same bound mem.c puts on one region.
 * Lowering it below what is in use refuses new regions and leaves the
 * existing ones alone.
 */
static unsigned int nm_max_mem_default_mb(void)
{
	return totalram_pages() >> (20 - PAGE_SHIFT) >> 1;
}

static int nm_max_mem_set(const char *val, const struct kernel_param *kp)
{
	unsigned int mb;
	int err = kstrtouint(val, 0, &mb);

	if (err)
		return err;
	WRITE_ONCE(nm_max_mem_mb, mb ? mb : nm_max_mem_default_mb());
	return 0;
}

static const struct kernel_param_ops nm_max_mem_ops = {
	.set = nm_max_mem_set,
	.get = param_get_uint,
};
module_param_cb(max_mem_mb, &nm_max_mem_ops, &nm_max_mem_mb, 0644);
MODULE_PARM_DESC(max_mem_mb, "Cap on the memory of all netmap regions together, MiB (0 = half of the RAM)");

/*
 * Read-only figures in KiB of a byte count the memory code keeps: @kp->arg
 * is the struct nm_kb_figure that says which.
 */
struct nm_kb_figure {
	u64 (*bytes)(void);
};

static int nm_kb_figure_get(char *buf, const struct kernel_param *kp)
{
	const struct nm_kb_figure *f = kp->arg;

	return sysfs_emit(buf, "%llu\n", f->bytes() >> 10);
}

static const struct kernel_param_ops nm_kb_figure_ops = {
	.get = nm_kb_figure_get,
};

/* mem_used_kb: what all regions take now. */
static struct nm_kb_figure nm_mem_used_figure = { nm_mem_used_bytes };
module_param_cb(mem_used_kb, &nm_kb_figure_ops, &nm_mem_used_figure, 0444);
MODULE_PARM_DESC(mem_used_kb, "Memory of all netmap regions now, KiB (read-only)");

/* mem_cached_kb: freed regions kept for reuse, also counted against the cap. */
static struct nm_kb_figure nm_mem_cached_figure = { nm_mem_cached_bytes };
module_param_cb(mem_cached_kb, &nm_kb_figure_ops, &nm_mem_cached_figure, 0444);
MODULE_PARM_DESC(mem_cached_kb, "Freed regions kept zeroed for reuse, KiB (read-only; counted against max_mem_mb)");

void nm_params_init(void)
{
	if (!READ_ONCE(nm_max_mem_mb))
		WRITE_ONCE(nm_max_mem_mb, nm_max_mem_default_mb());
}

/*
 * Copy a parameter set once, field by field with READ_ONCE, so a concurrent
 * sysfs write cannot give us a half-updated view.
 */
void nm_params_snapshot(struct nm_pool_params *dst, const struct nm_pool_params *src)
{
	dst->if_num = READ_ONCE(src->if_num);
	dst->if_size = READ_ONCE(src->if_size);
	dst->ring_num = READ_ONCE(src->ring_num);
	dst->ring_size = READ_ONCE(src->ring_size);
	dst->buf_num = READ_ONCE(src->buf_num);
	dst->buf_size = READ_ONCE(src->buf_size);
}
