/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lint - warnings about a configuration that loads and would apply, but is
 * probably not what was meant: users and groups of access rules, admin,
 * regions and the socket that do not exist on this host (looked up in the
 * user database, unlike config.c), and a pipe parent that is not a port of
 * the file but names an ephemeral port of a switch ("parent: a" where
 * "vale0:a" was meant: netmap would make an implicit parent "a").
 *
 * Every message starts with "warning: " and goes to @w at the place in the
 * file; none of them makes a load, a check or a plan fail.
 */
#ifndef NETMAPD_LINT_H
#define NETMAPD_LINT_H

#include "config.h"
#include "diag.h"

void config_lint(const struct nmd_config *c, struct diags *w);

#endif /* NETMAPD_LINT_H */
