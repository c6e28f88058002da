/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names - the rules for the names netmap, Linux and the configuration use.
 *
 * Each check returns NULL when the name is valid, else a phrase saying why
 * not, written to follow the quoted name: `port name "a b" ` + `has a
 * character outside [0-9a-zA-Z_]`.
 *
 * The rules (NETMAP-ABI §6-§8; Linux dev_valid_name()):
 *   - a switch is "vale" followed by [0-9a-zA-Z_]+, 15 characters at most
 *     (it must fit IFNAMSIZ with its NUL);
 *   - names we create (VALE ports, persistent ports, implicit pipe parents)
 *     use [0-9a-zA-Z_] only and are at most 15 characters: every
 *     application must be able to open them through libnetmap's grammar,
 *     where - * ^ / @ { } : end a name or mean something else;
 *   - names of existing interfaces (NICs) follow Linux: 1..15 characters,
 *     not "." or "..", no '/', ':' or white space; and since the kernel
 *     reads '{' and '}' as pipe syntax, not those either;
 *   - a netdev-level name (persistent port, NIC, implicit pipe parent) must
 *     not start with "vale": the kernel would take it for a switch port;
 *   - a pipe id is [0-9a-zA-Z_]+;
 *   - a whole port name as the kernel sees it (nr_name) is at most 63
 *     characters (NETMAP_REQ_IFNAMSIZ with its NUL).
 */
#ifndef NETMAPD_NAMES_H
#define NETMAPD_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#define NMD_IFNAMSIZ 16      /* Linux IFNAMSIZ, NUL included */
#define NMD_REQ_IFNAMSIZ 64  /* NETMAP_REQ_IFNAMSIZ, NUL included */
#define NMD_PRINCIPAL_MAX 32 /* user and group names */

const char *name_check_switch(const char *s);
const char *name_check_vale_port(const char *s);
const char *name_check_persistent(const char *s);
const char *name_check_netdev(const char *s);
const char *name_check_pipe_id(const char *s);

/*
 * A user or group: a name ([A-Za-z_][A-Za-z0-9_.-]*, optionally ending in
 * '$', at most 32 characters) or a numeric id (0..4294967294, decimal).
 * Sets *numeric and, for a numeric one, *id.
 */
const char *name_check_principal(const char *s, bool *numeric, uint32_t *id);

/* A kernel module name as modprobe takes it: [A-Za-z0-9_-], 1..55 characters. */
const char *name_check_module(const char *s);

#endif /* NETMAPD_NAMES_H */
