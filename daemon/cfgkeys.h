/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cfgkeys - netmapd.yaml's schema: the top level's key tables and the
 * parsers particular to one key (see cfgwalk.h for the table format), and
 * what the topology's tables (cfgtopo.c) share with them.
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

/* A struct nmd_access at @field (users:, groups:); set even when empty. */
int cfgkeys_parse_access(struct cfgwalk *w, const struct cfgwalk_key *k,
			 const struct yaml_doc_node *key,
			 const struct yaml_doc_node *v, void *field);

/* NIC preparation as written on a port: -1 where the port says nothing. */
struct cfgkeys_prep {
	int offloads, promiscuous, flow_control, force;
};

#define CFGKEYS_PREP_UNSET { -1, -1, -1, -1 }

extern const struct cfgwalk_words cfgkeys_offloads_words;
extern const struct cfgwalk_words cfgkeys_flow_control_words;

/* The NIC preparation keys of a struct cfgkeys_prep at @base in @type. */
#define CFGKEYS_PREP_KEYS(type, base, flags)                                   \
	CFGWALK_KEY_ARG("offloads", cfgwalk_parse_word, type, base.offloads,   \
			flags, &cfgkeys_offloads_words),                       \
	CFGWALK_KEY("promiscuous", cfgwalk_parse_tristate, type,               \
		    base.promiscuous, flags),                                  \
	CFGWALK_KEY_ARG("flow_control", cfgwalk_parse_word, type,              \
			base.flow_control, flags,                              \
			&cfgkeys_flow_control_words),                          \
	CFGWALK_KEY("force", cfgwalk_parse_tristate, type, base.force, flags)

/*
 * The NIC just added to switch @sw_idx (its last port) gets nic_defaults
 * with @prep over it when the walk ends (nic_defaults may come later in
 * the file). 0 or -ENOMEM.
 */
int cfgkeys_nic_wait(struct cfgwalk *w, size_t sw_idx,
		     const struct cfgkeys_prep *prep);

#endif /* NETMAPD_CFGKEYS_H */
