/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fdstore - systemd's file descriptor store for netmapd: the listening
 * socket and the engine's anchor fds survive a restart there (fdstore.c
 * says how). Without systemd (no NOTIFY_SOCKET, no LISTEN_FDS) every call
 * does nothing. The names stored are kept in struct nmd_daemon (stored[]).
 */
#ifndef NETMAPD_FDSTORE_H
#define NETMAPD_FDSTORE_H

#include <stdbool.h>
#include <stddef.h>

struct nmd_daemon;
struct eng_plan;

/*
 * At start, after the RPC server and the engine exist: the fds systemd
 * passed (the socket goes to the RPC server, anchors to the engine).
 * Returns how many were used; *have_socket says whether one was a socket.
 */
int fdstore_collect(struct nmd_daemon *d, bool *have_socket);
/* After an apply: store new anchors, remove those gone. */
void fdstore_sync(struct nmd_daemon *d);
/*
 * Before an apply: FDSTOREREMOVE the stored anchors @plan closes. Returns
 * how many (systemd drops its copies asynchronously).
 */
size_t fdstore_release(struct nmd_daemon *d, const struct eng_plan *plan);

#endif /* NETMAPD_FDSTORE_H */
