// SPDX-License-Identifier: BSD-2-Clause
/*
 * modparams - the table of netmap.ko's parameters (see modparams.h).
 *
 * Defaults are those of kernel/params.c. Ranges are what makes sense to
 * ask for, not merely what the C type holds:
 *   - generic_ringsize 64..16384 and bridge_batch 1..1024 are the bounds
 *     netmap clamps these to;
 *   - region object counts start at 1 (buf_num at 3: buffers 0 and 1 are
 *     reserved) and object sizes stop at 4 MiB, the limits of
 *     kernel/core/objpool.c (NM_OBJ_MAX_SIZE);
 *   - booleans are 0 or 1;
 *   - max_mem_mb starts at 1: the module's 0 means "half of the RAM" and
 *     reads back as that figure, so a file saying 0 would always differ
 *     from the module; leave it out for the default.
 * Whether the sizes suit the topology is capacity.c's business.
 */
#include "modparams.h"

#include <errno.h>
#include <limits.h>

#include "util.h"

#define OBJ_MAX_SIZE (4 << 20)

const struct modparam modparams[MP__COUNT] = {
	[MP_VERBOSE] = { "verbose", 0, 0, INT_MAX, false, false,
			 "verbose kernel messages (0 = quiet)" },
	[MP_NO_TIMESTAMP] = { "no_timestamp", 0, 0, 1, true, false,
			      "do not update ring timestamps on sync" },
	[MP_ADMODE] = { "admode", 0, 0, 2, false, false,
			"adapter mode: 0 best, 1 native only, 2 emulated only" },
	[MP_FWD] = { "fwd", 0, 0, 1, true, false,
		     "force NS_FORWARD (transparent) mode on host rings" },
	[MP_GENERIC_RINGS] = { "generic_rings", 1, 1, 256, false, false,
			       "rings of an emulated (generic) adapter" },
	[MP_GENERIC_RINGSIZE] = { "generic_ringsize", 1024, 64, 16384, false,
				  false, "slots per ring of an emulated adapter" },
	[MP_GENERIC_MIT] = { "generic_mit", 100000, 0, INT_MAX, false, false,
			     "receive notification moderation of the emulated adapter (ns)" },
	[MP_BRIDGE_BATCH] = { "bridge_batch", 1024, 1, 1024, false, false,
			      "packets moved per batch across a VALE switch" },
	[MP_MAX_BRIDGES] = { "max_bridges", 8, 1, 1024, false, true,
			     "maximum number of VALE switches (load time only)" },
	[MP_TXSYNC_RETRY] = { "txsync_retry", 2, 0, INT_MAX, false, false,
			      "retries of a VALE txsync when destinations are full" },
	[MP_IF_NUM] = { "if_num", 100, 1, UINT32_MAX, false, false,
			"netmap_if objects in the global region" },
	[MP_IF_SIZE] = { "if_size", 1024, 1, OBJ_MAX_SIZE, false, false,
			 "bytes per netmap_if object in the global region" },
	[MP_RING_NUM] = { "ring_num", 200, 1, UINT32_MAX, false, false,
			  "rings in the global region" },
	[MP_RING_SIZE] = { "ring_size", 36864, 1, OBJ_MAX_SIZE, false, false,
			   "bytes per ring in the global region" },
	[MP_BUF_NUM] = { "buf_num", 163840, 3, UINT32_MAX, false, false,
			 "buffers in the global region" },
	[MP_BUF_SIZE] = { "buf_size", 2048, 64, OBJ_MAX_SIZE, false, false,
			  "bytes per buffer in the global region" },
	[MP_PRIV_IF_NUM] = { "priv_if_num", 2, 1, UINT32_MAX, false, false,
			     "minimum netmap_if objects in a private region" },
	[MP_PRIV_IF_SIZE] = { "priv_if_size", 1024, 1, OBJ_MAX_SIZE, false,
			      false, "minimum bytes per netmap_if object in a private region" },
	[MP_PRIV_RING_NUM] = { "priv_ring_num", 4, 1, UINT32_MAX, false, false,
			       "minimum rings in a private region" },
	[MP_PRIV_RING_SIZE] = { "priv_ring_size", 20480, 1, OBJ_MAX_SIZE,
				false, false, "minimum bytes per ring in a private region" },
	[MP_PRIV_BUF_NUM] = { "priv_buf_num", 4098, 3, UINT32_MAX, false, false,
			      "minimum buffers in a private region" },
	[MP_PRIV_BUF_SIZE] = { "priv_buf_size", 2048, 64, OBJ_MAX_SIZE, false,
			       false, "bytes per buffer in a private region" },
	[MP_MAX_MEM_MB] = { "max_mem_mb", 0, 1, UINT32_MAX, false, false,
			    "MiB of all memory regions together (default half of the RAM)" },
};

int modparam_lookup(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(modparams); i++)
		if (streq(modparams[i].name, name))
			return (int)i;
	return -ENOENT;
}

const char *modparam_why_not(const char *name)
{
	static const char *const curr[] = {
		"if_curr_num",   "if_curr_size",  "ring_curr_num",
		"ring_curr_size", "buf_curr_num", "buf_curr_size",
	};
	static const char *const reference_only[] = {
		"no_pendintr", "ptnet_vnet_hdr", "port_numa_affinity",
		"mmap_unreg", "generic_txqdisc", "generic_hwcsum",
	};

	for (size_t i = 0; i < ELEMENTSOF(curr); i++)
		if (streq(curr[i], name))
			return "is read-only: it reports what the global region uses";
	if (streq(name, "mem_used_kb"))
		return "is read-only: it reports what all regions use (the cap is max_mem_mb)";
	if (streq(name, "mem_cached_kb"))
		return "is read-only: it reports the freed regions kept for reuse";
	for (size_t i = 0; i < ELEMENTSOF(reference_only); i++)
		if (streq(reference_only[i], name))
			return "is a parameter of the reference netmap module that this netmap.ko does not have";
	return NULL;
}
