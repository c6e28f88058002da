/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cfgcheck - the cross-checks of a configuration after its walk (cfgkeys.h):
 * what is known only from several objects together.
 */
#ifndef NETMAPD_CFGCHECK_H
#define NETMAPD_CFGCHECK_H

#include "cfgwalk.h"

/*
 * Check w->cfg as a whole and resolve its references (memory_port,
 * parent_port, a monitor's port and pipe), then its trust domains
 * (regions.h). 0, -EINVAL (each problem in w->d) or -ENOMEM.
 */
int cfgcheck_run(struct cfgwalk *w);

#endif /* NETMAPD_CFGCHECK_H */
