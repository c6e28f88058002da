// SPDX-License-Identifier: BSD-2-Clause
/*
 * fdstore - systemd's file descriptor store for netmapd.
 *
 * Pipes (and NICs in netmap mode without a switch) exist only while an fd
 * is registered to them; the engine holds one "anchor" fd per such object.
 * After every apply each new anchor is handed to systemd (FDSTORE=1,
 * FDNAME=<its fdname>, FDPOLL=0: systemd must not drop it when it polls
 * "hung up", netmap fds do not mean that), and an anchor that went away is
 * removed (FDSTOREREMOVE=1). When the daemon starts again, systemd passes
 * the stored fds back with their names (sd_listen_fds_with_names): the
 * listening socket (named "netmapd.sock" by the .socket unit, or unnamed)
 * goes to the RPC server, every other fd to engine_adopt_anchor(), so a
 * restart loses no pipe and no link flaps. An anchor an apply is going to
 * close is removed from the store before the apply (fdstore_release()):
 * else the store's copy would keep the pipe, and so its parent port, busy.
 * Without systemd (no NOTIFY_SOCKET, no LISTEN_FDS) all of this does
 * nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "daemon.h"
#include "fdstore.h"

static bool stored_has(const struct nmd_daemon *d, const char *name, size_t *at)
{
	for (size_t i = 0; i < d->n_stored; i++) {
		if (streq(d->stored[i], name)) {
			if (at)
				*at = i;
			return true;
		}
	}
	return false;
}

static void stored_add(struct nmd_daemon *d, const char *name)
{
	char(*slot)[64];

	if (stored_has(d, name, NULL))
		return;
	slot = array_push(&d->stored, &d->n_stored, &d->cap_stored, sizeof(*d->stored));
	if (slot)
		snprintf(*slot, sizeof(*slot), "%s", name);
}

int fdstore_collect(struct nmd_daemon *d, bool *have_socket)
{
	char **names = NULL;
	int n, used = 0;

	*have_socket = false;
	n = sd_listen_fds_with_names(1, &names);
	if (n <= 0)
		return n < 0 ? n : 0;
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		const char *name = names && names[i] ? names[i] : "";
		bool unnamed = !name[0] || streq(name, "unknown") || streq(name, "stored");

		if ((streq(name, NMD_SOCKET_FDNAME) || unnamed) && !*have_socket &&
		    sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) > 0) {
			int r = rpc_server_listen_fd(d->rpc, fd);

			if (r < 0) {
				log_msg(LOG_ERR, "socket passed by systemd: %s", strerror(-r));
			} else {
				*have_socket = true;
				used++;
				log_msg(LOG_INFO, "listening on the socket systemd passed");
			}
			continue;
		}
		if (unnamed) {
			log_msg(LOG_WARNING, "fd %d from systemd has no name: closed", fd);
			close(fd);
			continue;
		}
		if (engine_adopt_anchor(d->engine, name, fd) < 0) {
			log_msg(LOG_WARNING, "stored fd %s is not an anchor the engine knows: "
				"closed and removed from the store", name);
			sd_notifyf(0, "FDSTOREREMOVE=1\nFDNAME=%s", name);
			continue;
		}
		stored_add(d, name);
		used++;
		log_msg(LOG_INFO, "anchor %s taken back from the fd store", name);
	}
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	return used;
}

void fdstore_sync(struct nmd_daemon *d)
{
	const struct eng_anchor *v = NULL;
	size_t n = d->engine ? engine_anchors(d->engine, &v) : 0;

	/* New anchors. */
	for (size_t i = 0; i < n; i++) {
		char msg[160];
		int fd = v[i].fd, r;

		if (stored_has(d, v[i].fdname, NULL))
			continue;
		snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s\nFDPOLL=0", v[i].fdname);
		r = sd_pid_notify_with_fds(0, 0, msg, &fd, 1);
		if (r < 0)
			log_msg(LOG_WARNING, "fd store: %s: %s", v[i].fdname, strerror(-r));
		else if (r > 0)
			stored_add(d, v[i].fdname);
	}
	/* Anchors gone. */
	for (size_t i = 0; i < d->n_stored;) {
		bool alive = false;

		for (size_t k = 0; k < n; k++)
			alive |= streq(v[k].fdname, d->stored[i]);
		if (alive) {
			i++;
			continue;
		}
		sd_notifyf(0, "FDSTOREREMOVE=1\nFDNAME=%s", d->stored[i]);
		memmove(&d->stored[i], &d->stored[i + 1],
			(d->n_stored - i - 1) * sizeof(*d->stored));
		d->n_stored--;
	}
}

size_t fdstore_release(struct nmd_daemon *d, const struct eng_plan *plan)
{
	const struct eng_anchor *v = NULL;
	size_t n = d->engine ? engine_anchors(d->engine, &v) : 0, released = 0;

	for (size_t i = 0; i < plan->n; i++) {
		if (plan->v[i].kind != ENG_ANCHOR_CLOSE)
			continue;
		for (size_t k = 0; k < n; k++) {
			size_t at;

			if (!streq(v[k].object, plan->v[i].object) ||
			    !stored_has(d, v[k].fdname, &at))
				continue;
			sd_notifyf(0, "FDSTOREREMOVE=1\nFDNAME=%s", v[k].fdname);
			memmove(&d->stored[at], &d->stored[at + 1],
				(d->n_stored - at - 1) * sizeof(*d->stored));
			d->n_stored--;
			released++;
		}
	}
	return released;
}
