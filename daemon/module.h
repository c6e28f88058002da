/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * module - netmap.ko's lifecycle for the daemon, with libkmod and sysfs:
 * is it loaded, load it (by name through modprobe's rules, or from an
 * absolute path) with the parameters of the configuration, read what it
 * runs with (/sys/module/NAME/parameters/ *), report drift from the
 * configuration, write the parameters that are writable at run time
 * (sysfs mode with the owner write bit, 0644) when they differ, and unload
 * it only when nobody holds it (/sys/module/NAME/refcnt == 0).
 *
 * Every sysfs path is under @root ("/sys" unless a unit test gives a fake
 * tree), so everything but the libkmod calls is testable on the host.
 * Functions return 0 or a negative errno; @why (may be NULL) gets a line
 * for humans. Nothing here keeps state: each call looks again.
 */
#ifndef NETMAPD_MODULE_H
#define NETMAPD_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "modparams.h"

#define MODULE_SYSFS_ROOT "/sys"

/* The module's name: module.load, or the basename of its path without ".ko*". */
void module_name(const struct nmd_module *m, char *buf, size_t len);

/* 1 loaded (/sys/module/NAME exists), 0 not, or -errno. */
int module_is_loaded(const char *root, const char *name);

/* /sys/module/NAME/refcnt, or -errno. */
int module_refcnt(const char *root, const char *name);
/*
 * The loaded module's MODULE_VERSION (@root/module/@name/version) in @buf:
 * 0, or -ENOENT when it has none (a module older than the field), -errno.
 */
int module_version(const char *root, const char *name, char *buf, size_t len);

/* "name=value name=value" for the parameters @c sets (malloc'ed; NULL on ENOMEM). */
char *module_options(const struct nmd_config *c);

/* Load it as @c says (a no-op if it is loaded). */
int module_load(const struct nmd_config *c, char *why, size_t why_len);

/* What a parameter is, compared with the configuration. */
struct module_param_state {
	bool present;		/* the file exists in sysfs */
	bool writable;		/* mode has S_IWUSR */
	int64_t value;		/* what the module runs with */
	bool set;		/* the configuration sets it */
	int64_t want;		/* config_param() */
	bool drift;		/* set && present && value != want */
};

/* Read every parameter of modparams[] under @root. */
int module_params_read(const char *root, const char *name, const struct nmd_config *c,
		       struct module_param_state st[MP__COUNT]);

/*
 * Write the parameters @c sets that differ and are writable; the others
 * that differ stay as drift. *fixed and *left (may be NULL) count them.
 * Going on after a failed write; returns the first error.
 */
int module_params_sync(const char *root, const char *name, const struct nmd_config *c,
		       unsigned *fixed, unsigned *left);

/*
 * Unload, unless refcnt > 0 (-EBUSY) or it is not loaded (0). Uses
 * kmod_module_remove_module (no force).
 */
int module_unload(const char *root, const char *name, char *why, size_t why_len);

/*
 * {"name", "loaded", "refcnt", "params": {name: value}, "drift":
 * [{"name", "want", "have", "writable"}]} for module.info.
 */
json_t *module_info_json(const char *root, const char *name, const struct nmd_config *c);

#endif /* NETMAPD_MODULE_H */
