/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * regions - memory regions as trust domains (SECURITY.md rule 2).
 *
 * Whatever is mapped from one region can read and write every buffer in
 * it (buffer indexes are checked for range, not ownership). From the file
 * alone we know which objects share a region in our netmap.ko:
 *
 *   - the global region: every NIC (and its host rings), ports with
 *     memory: global;
 *   - the region of an ephemeral or persistent port without memory: the
 *     port and the ports whose memory: names it;
 *   - the region of an implicit pipe parent (a pipe parent that is not a
 *     port of the file): its pipes;
 *   - a pipe is in its parent's region, and so is a monitor, copy or
 *     zero-copy alike: kernel/monitor.c puts every monitor in the region of
 *     the port it watches (netmap gives copy monitors a region of their
 *     own; ours does not).
 *
 * Who can reach a region: the users and groups of the access lists of its
 * objects; root and the file's admins (who may open anything) are left
 * out. A region is shared when two of its objects are granted to different
 * sets of users and groups (an object only admins may open does not
 * count): then someone can reach buffers of an object not granted to him.
 * The file must say so, with a "regions:" entry naming the region
 * ("global", a port, an implicit parent) and every user and group that
 * reaches it in its shared_by list. regions_check() refuses the rest.
 */
#ifndef NETMAPD_REGIONS_H
#define NETMAPD_REGIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "diag.h"

struct region_obj {
	char what[NMD_REQ_IFNAMSIZ + 32]; /* "port vale0:vm1", "pipe p0{1", "monitor vale0:vm1 (rt)" */
	const struct nmd_access *access;   /* NULL or not set: admins only */
	struct nmd_mark mark;
};

struct region {
	char name[NMD_REQ_IFNAMSIZ];  /* "global", "vale0:vm1", "v0", an implicit parent "p0" */
	const char *kind;             /* "global", "port", "implicit pipe parent" */
	struct region_obj *objs;
	size_t n_objs, cap_objs;
	/* Everyone who reaches it (admins and root left out); point into the config. */
	const struct nmd_principal **users, **groups;
	size_t n_users, n_groups;
	bool mixed;                   /* objects granted to different users/groups */
	const struct nmd_region_share *share; /* the regions: entry naming it, or NULL */
};

struct regions {
	struct region *v;
	size_t n, cap;
};

/* Compute the regions of @c. 0 or -ENOMEM (then @r is empty). Free with regions_done(). */
int regions_compute(const struct nmd_config *c, struct regions *r);
void regions_done(struct regions *r);

/*
 * Refuse shared regions the file does not allow, and regions: entries that
 * name no region or leave out someone who reaches it. 0, -EINVAL (each
 * problem in @d) or -ENOMEM.
 */
int regions_check(const struct nmd_config *c, struct diags *d);

#endif /* NETMAPD_REGIONS_H */
