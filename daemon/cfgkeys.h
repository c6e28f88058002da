/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cfgkeys - netmapd.yaml's schema: the key tables of every mapping and the
 * parsers particular to one key (see cfgwalk.h for the table format).
 */
#ifndef NETMAPD_CFGKEYS_H
#define NETMAPD_CFGKEYS_H

#include "cfgwalk.h"
#include "config.h"
#include "yaml_doc.h"

/*
 * Walk the document @root into w->cfg (which holds the defaults), and give
 * each NIC its preparation (nic_defaults with its own overrides). 0,
 * -EINVAL (reported) or -ENOMEM. Objects that failed are left in the
 * config with an empty name, for config_free() and the cross-checks.
 */
int cfgkeys_walk(struct cfgwalk *w, const struct yaml_doc_node *root);

/* Free what the walk allocated in these, and zero them. */
void cfgkeys_principal_clear(struct nmd_principal *p);
void cfgkeys_access_clear(struct nmd_access *a);
void cfgkeys_pipe_clear(struct nmd_pipe *pi);

#endif /* NETMAPD_CFGKEYS_H */
