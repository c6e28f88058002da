/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Release watches (watch.c): a netmapd extension by which a privileged
 * process learns that a /dev/netmap file it registered has been released
 * everywhere. The ABI is NETMAP_REQ_NMD_WATCH_ADD/DEL in net/netmap.h.
 *
 * dev.c calls in from the file operations: nm_watch_release_begin/end()
 * around the unbind of every file at release, nm_watch_read() and
 * nm_watch_poll() for a watcher fd; ctrl.c hands the two requests to
 * nm_watch_ctrl().
 */
#ifndef NM_WATCH_H
#define NM_WATCH_H

#include <linux/poll.h>
#include <linux/types.h>
#include <net/netmap.h>

struct file;
struct nm_priv;

/* Watches one watcher may hold (registered + queued): nr_max of the ABI. */
#define NM_WATCH_MAX	65536

/* NIOCCTRL NETMAP_REQ_NMD_WATCH_ADD/DEL on the fd @priv. 0 or -errno. */
int nm_watch_ctrl(struct nm_priv *priv, u16 type, struct nmreq_nmd_watch *req);

/* Is @priv a watcher? (Once true, true until release.) */
bool nm_watch_is_watcher(struct nm_priv *priv);

ssize_t nm_watch_read(struct nm_priv *priv, struct file *filp, char __user *buf, size_t len);
__poll_t nm_watch_poll(struct nm_priv *priv, struct file *filp, poll_table *wait);

/*
 * Release of any /dev/netmap file, in two steps around the unbind (which
 * clears the nm_priv): _begin takes the file's watches and watcher state
 * out of @priv into @rel; _end reports the release to the file's watchers
 * and frees the watcher state if the file was a watcher.
 */
struct nm_watch_release {
	struct hlist_head watches;
	struct nm_watcher *watcher;
};
void nm_watch_release_begin(struct nm_priv *priv, struct nm_watch_release *rel);
void nm_watch_release_end(struct nm_watch_release *rel);

#endif /* NM_WATCH_H */
