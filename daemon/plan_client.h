/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * plan_client - `netmapd --plan FILE`: what applying FILE would do. A
 * client, not the daemon: it asks the running daemon (topology.plan over
 * its socket; only the daemon holds the anchors, so only it knows which
 * pipes exist), and plans against the kernel itself when no daemon
 * answers. Prints the plan on stdout and problems on stderr.
 */
#ifndef NETMAPD_PLAN_CLIENT_H
#define NETMAPD_PLAN_CLIENT_H

#include "daemon.h"

/* Exit code: 0 the plan can be applied, 1 it cannot (conflicts) or FILE is invalid. */
int plan_client_run(const struct daemon_opts *opts, const char *file);

#endif /* NETMAPD_PLAN_CLIENT_H */
