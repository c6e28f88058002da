/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * holders - the records of the port handles handed out by port.open, and
 * what watches them: netmap.ko's release watch, or else one pidfd per
 * holding process. The state lives in struct nmd_daemon; everything runs on
 * the daemon's event loop.
 */
#ifndef NETMAPD_HOLDERS_H
#define NETMAPD_HOLDERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "names.h"

struct event;
struct nmd_daemon;
struct rpc_call;
struct rpc_peer;

/*
 * The fallback when the module has no release watch: a process that holds
 * port handles, watched by one pidfd however many handles it has (so a
 * client that opens thousands of ports costs the daemon one descriptor).
 * Freed with its last holder.
 */
struct pidwatch {
	struct pidwatch *next;
	struct nmd_daemon *d;
	pid_t pid;
	uid_t uid;
	bool exempt;		/* root's or an admin's: outside the caps */
	int pidfd;
	struct event *ev;	/* on pidfd: the process exited */
	unsigned refs;		/* holders that point here */
};

/*
 * One port fd handed out by port.open (bookkeeping: the fd is the
 * client's). Always watched one way: by the kernel's release watch
 * (cookie = handle) or by its process's pidfd.
 */
struct holder {
	struct holder *next;
	struct holder *hnext;	/* in d->htab, by handle */
	uint64_t handle;
	char name[NMD_REQ_IFNAMSIZ];
	char mode[8];
	bool exclusive;
	bool exempt;		/* root's or an admin's: outside the caps */
	bool released_watch;	/* the kernel reports the fd's release */
	uid_t uid;
	pid_t pid;
	struct pidwatch *watch;	/* the pidfd fallback, else NULL */
	time_t opened_at;
	uint16_t mem_id;
};

/* What one non-admin uid holds, for the caps of handles: (config.h). */
struct uidcount {
	uid_t uid;
	unsigned handles, pidfds;
};

enum nmd_release_watch {
	NMD_RW_UNTRIED,		/* opened with the first handle */
	NMD_RW_ON,		/* rw_fd is a watcher */
	NMD_RW_OFF,		/* not available (or --no-release-watch): pidfds */
};

/*
 * The caps on records (config "handles:"), before anything is opened;
 * @exempt (root, admins) skips them. 0 or the error set on @call.
 */
int holders_check_caps(struct rpc_call *call, struct nmd_daemon *d, uid_t uid, bool exempt);

/*
 * A record for @fd (still the daemon's) opened by @peer, watched by the
 * release watch or else its process's pidfd. NULL with the error set on
 * @call (r in *err) when neither can watch it.
 */
struct holder *holders_add(struct rpc_call *call, struct nmd_daemon *d, int fd,
			   const char *name, const char *mode, bool exclusive,
			   const struct rpc_peer *peer, uint16_t mem_id, int *err);

/* The record of @handle, or NULL. */
struct holder *holders_find(struct nmd_daemon *d, uint64_t handle);

/* Drop @h (and its kernel watch); the watcher closes with the last record. */
void holders_forget(struct nmd_daemon *d, struct holder *h);

/* Every record and watch goes (daemon shutdown, module unload). */
void holders_free(struct nmd_daemon *d);

/* One record as the events and port.list show it. */
json_t *holders_entry_json(const struct holder *h);
json_t *holders_json(const struct nmd_daemon *d);
/* {"release_watch", "pidfds", "limits": {...}} for status. */
json_t *holders_status_json(const struct nmd_daemon *d);

#endif /* NETMAPD_HOLDERS_H */
