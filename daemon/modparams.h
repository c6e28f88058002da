/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * modparams - the parameters of our netmap.ko: names, defaults, the range
 * of values the configuration accepts, and which may change after load.
 *
 * This table mirrors kernel/params.c (whose names and defaults follow
 * netmap(4)); when a parameter is added there, add it here. The config
 * loader checks module.params against it; kmod.c will use it to build the
 * load options and to compare against /sys/module/netmap/parameters.
 */
#ifndef NETMAPD_MODPARAMS_H
#define NETMAPD_MODPARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum modparam_id {
	MP_VERBOSE,
	MP_NO_TIMESTAMP,
	MP_ADMODE,
	MP_FWD,
	MP_GENERIC_RINGS,
	MP_GENERIC_RINGSIZE,
	MP_GENERIC_MIT,
	MP_BRIDGE_BATCH,
	MP_MAX_BRIDGES,
	MP_TXSYNC_RETRY,
	/* The global region (mem_id 1): NICs, host rings, pipes of NICs. */
	MP_IF_NUM,
	MP_IF_SIZE,
	MP_RING_NUM,
	MP_RING_SIZE,
	MP_BUF_NUM,
	MP_BUF_SIZE,
	/* Minimum sizes of a private region (one per VALE port). */
	MP_PRIV_IF_NUM,
	MP_PRIV_IF_SIZE,
	MP_PRIV_RING_NUM,
	MP_PRIV_RING_SIZE,
	MP_PRIV_BUF_NUM,
	MP_PRIV_BUF_SIZE,
	/* Cap on all regions together, MiB; 0 (not settable) = half of the RAM. */
	MP_MAX_MEM_MB,
	MP__COUNT
};

struct modparam {
	const char *name;
	int64_t def;
	int64_t min, max;  /* accepted in the configuration */
	bool boolean;      /* 0 or 1; the file may say true/false */
	bool load_only;    /* read-only once loaded (0444): needs a reload to change */
	const char *desc;
};

extern const struct modparam modparams[MP__COUNT];

/* Index of the parameter called @name, or -ENOENT. */
int modparam_lookup(const char *name);

/*
 * For a name that is not a settable parameter of our module but means
 * something (a read-only figure: *_curr_*, mem_used_kb, mem_cached_kb; or
 * a parameter of the reference netmap module we do not have), why it cannot
 * be set; else NULL.
 */
const char *modparam_why_not(const char *name);

#endif /* NETMAPD_MODPARAMS_H */
