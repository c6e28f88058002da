/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cfgtopo - the topology's lists of netmapd.yaml (switches and their
 * ports, pipes, monitors, regions): the entries of cfgkeys.c's top table.
 */
#ifndef NETMAPD_CFGTOPO_H
#define NETMAPD_CFGTOPO_H

#include "cfgwalk.h"
#include "config.h"

extern const struct cfgwalk_list cfgtopo_switches;
extern const struct cfgwalk_list cfgtopo_pipes;
extern const struct cfgwalk_list cfgtopo_monitors;
extern const struct cfgwalk_list cfgtopo_regions;

/* Free what the walk allocated in @pi: its ids and its access lists. */
void cfgtopo_pipe_clear(struct nmd_pipe *pi);

#endif /* NETMAPD_CFGTOPO_H */
