/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Module parameters, visible under /sys/module/netmap/parameters/.
 *
 * The names and defaults are those of netmap(4). Writable parameters may be
 * changed at any time through sysfs; readers take a snapshot (READ_ONCE) when
 * they need a value, so a change applies to objects created afterwards. The
 * *_curr_* figures are read-only and report what the global memory region
 * actually uses.
 */
#ifndef NM_PARAMS_H
#define NM_PARAMS_H

#include <linux/compiler.h>
#include <linux/printk.h>
#include <linux/types.h>

/* Sizes of one memory region: netmap_if objects, rings, buffers. */
struct nm_pool_params {
	u32 if_num, if_size;
	u32 ring_num, ring_size;
	u32 buf_num, buf_size;
};

extern int nm_verbose;
extern int nm_no_timestamp;
extern int nm_admode;
extern int nm_fwd;
extern int nm_generic_rings;
extern int nm_generic_ringsize;
extern int nm_generic_mit;
extern int nm_bridge_batch;
extern int nm_max_bridges;
extern int nm_txsync_retry;
/* Cap on all regions together, MiB; never 0 after nm_params_init(). */
extern unsigned int nm_max_mem_mb;

/* Requested sizes (writable) of the global and the private regions. */
extern struct nm_pool_params nm_global_params;
extern struct nm_pool_params nm_priv_params;
/* What the global region uses now (read-only in sysfs). */
extern struct nm_pool_params nm_global_curr;

/*
 * Control-path diagnostics (why a request failed, what was made): only with
 * the verbose parameter set, and rate limited.
 */
#define nm_dbg(fmt, ...) do {							\
	if (READ_ONCE(nm_verbose))						\
		pr_info_ratelimited(fmt, ##__VA_ARGS__);			\
} while (0)

/* Module init, before any region: fills in the defaults computed at load. */
void nm_params_init(void);
void nm_params_snapshot(struct nm_pool_params *dst, const struct nm_pool_params *src);

#endif /* NM_PARAMS_H */
