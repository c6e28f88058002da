// SPDX-License-Identifier: BSD-2-Clause
/*
 * holders - the records of the port handles port.open hands out, and what
 * watches them.
 *
 * The daemon records a holder for each handle {handle, name, uid, pid,
 * opened_at} and reclaims it as soon as the fd it describes is released
 * everywhere: before the fd leaves, it is registered with netmap.ko's
 * release watch (NETMAP_REQ_NMD_WATCH_ADD, cookie = handle; one watcher fd,
 * open while there are records); when the client closes it (or passes it on
 * and every copy goes, or dies), the watcher reads the handle, the record
 * goes and an event "port.released" is sent. On a module without the
 * extension (or with --no-release-watch) a pidfd of the SO_PEERCRED pid
 * (one per process however many handles it holds) tells when the holder
 * exits instead: its records go with "port.holder_exit" events. A record is
 * always watched one way or the other: when neither can watch it (no pidfd,
 * the process is gone) the open is refused, never kept unwatched.
 *
 * Bounds (config "handles:", netmapd.yaml(5)): records per uid and in total,
 * pidfds per uid and in total; root and admins are exempt. Refusals are
 * RPC_ERR_CAPACITY with data {"limit", "max", "held"}.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "holders.h"
#include "observe.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* ---- accounting: what non-admin uids hold ------------------------------- */

#define NMD_HTAB_SIZE 4096u

static struct uidcount *uid_count(struct nmd_daemon *d, uid_t uid, bool create)
{
	struct uidcount *u;

	for (size_t i = 0; i < d->n_uids; i++)
		if (d->uids[i].uid == uid)
			return &d->uids[i];
	if (!create)
		return NULL;
	u = array_push(&d->uids, &d->n_uids, &d->cap_uids, sizeof(*u));
	if (u)
		*u = (struct uidcount){ .uid = uid };
	return u;
}

/* Forget @u once it holds nothing (the array stays as short as the holders). */
static void uid_count_gc(struct nmd_daemon *d, struct uidcount *u)
{
	if (u && !u->handles && !u->pidfds)
		*u = d->uids[--d->n_uids];
}

static void count_handle(struct nmd_daemon *d, const struct holder *h, int delta)
{
	struct uidcount *u;

	d->n_holders += (unsigned)delta;
	if (h->exempt)
		return;
	d->n_user_holders += (unsigned)delta;
	u = uid_count(d, h->uid, false);
	if (u) {
		u->handles += (unsigned)delta;
		uid_count_gc(d, u);
	}
}

static void count_pidfd(struct nmd_daemon *d, const struct pidwatch *w, int delta)
{
	struct uidcount *u;

	d->n_pidfds += (unsigned)delta;
	if (w->exempt)
		return;
	d->n_user_pidfds += (unsigned)delta;
	u = uid_count(d, w->uid, false);
	if (u) {
		u->pidfds += (unsigned)delta;
		uid_count_gc(d, u);
	}
}

static const struct nmd_handle_limits *limits(const struct nmd_daemon *d)
{
	static const struct nmd_handle_limits defaults = {
		NMD_HANDLES_PER_UID_DEFAULT, NMD_HANDLES_TOTAL_DEFAULT,
		NMD_PIDFDS_PER_UID_DEFAULT, NMD_PIDFDS_TOTAL_DEFAULT,
	};

	return d->config ? &d->config->handles : &defaults;
}

static int refuse_limit(struct rpc_call *call, const char *key, unsigned max, unsigned held,
			const char *what, uid_t uid)
{
	log_msg(LOG_NOTICE, "port.open refused for uid %d: %s (handles.%s = %u)", (int)uid, what,
		key, max);
	return rpc_call_error(call, RPC_ERR_CAPACITY,
			      json_pack("{s:s, s:i, s:i}", "limit", key, "max", (int)max, "held",
					(int)held),
			      "Too many %s: %u (limit handles.%s = %u); close port fds first", what,
			      held, key, max);
}

/* The caps on records, before anything is opened. 0 or the error set on @call. */
int holders_check_caps(struct rpc_call *call, struct nmd_daemon *d, uid_t uid, bool exempt)
{
	const struct nmd_handle_limits *l = limits(d);
	const struct uidcount *u;

	if (exempt)
		return 0;
	u = uid_count(d, uid, false);
	if (u && u->handles >= l->per_uid)
		return refuse_limit(call, "per_uid", l->per_uid, u->handles,
				    "port handles held by this uid", uid);
	if (d->n_user_holders >= l->total)
		return refuse_limit(call, "total", l->total, d->n_user_holders,
				    "port handles held by all users", uid);
	return 0;
}

/* ---- the pidfd fallback ------------------------------------------------- */

static void holder_drop(struct nmd_daemon *d, struct holder *h);

static void watch_put(struct nmd_daemon *d, struct pidwatch *w)
{
	if (!w || --w->refs)
		return;
	for (struct pidwatch **pp = &d->watches; *pp; pp = &(*pp)->next) {
		if (*pp != w)
			continue;
		*pp = w->next;
		break;
	}
	count_pidfd(d, w, -1);
	if (w->ev)
		event_free(w->ev);
	close(w->pidfd);
	free(w);
}

json_t *holders_entry_json(const struct holder *h)
{
	json_t *j = json_pack("{s:I, s:s, s:s, s:b, s:i, s:i, s:I, s:i, s:b, s:s}", "handle",
			 (json_int_t)h->handle, "name", h->name, "mode", h->mode, "exclusive",
			 h->exclusive, "uid", (int)h->uid, "pid", (int)h->pid, "opened_at",
			 (json_int_t)h->opened_at, "mem_id", (int)h->mem_id, "watched",
			 h->released_watch || h->watch, "watch",
			 h->released_watch ? "release" : "pidfd");

	if (j)
		observe_holder_extras(j, h->pid);
	return j;
}

static void rw_maybe_close(struct nmd_daemon *d);

/* The process exited: its handles go (the kernel closed its fds). */
static void watch_exit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pidwatch *w = arg;
	struct nmd_daemon *d = w->d;
	struct holder *h, *next;

	(void)fd;
	(void)what;
	w->refs++; /* keep @w until the loop is done */
	for (h = d->holders; h; h = next) {
		json_t *ev;

		next = h->next;
		if (h->watch != w)
			continue;
		log_msg(LOG_DEBUG, "port handle %llu (%s): holder pid %d exited",
			(unsigned long long)h->handle, h->name, (int)h->pid);
		ev = holders_entry_json(h);
		holder_drop(d, h);
		daemon_event(d, "port.holder_exit", ev);
	}
	watch_put(d, w);
	rw_maybe_close(d);
}

/*
 * The pidfd of @peer's process (shared with its other handles), under the
 * pidfd caps. 0 with *wp, or the error set on @call: a record nothing
 * watches would never go, so without a pidfd there is no handle.
 */
static int watch_get(struct rpc_call *call, struct nmd_daemon *d, const struct rpc_peer *peer,
		     bool exempt, struct pidwatch **wp)
{
	const struct nmd_handle_limits *l = limits(d);
	const struct uidcount *u;
	struct pidwatch *w;
	int r;

	for (w = d->watches; w; w = w->next) {
		if (w->pid == peer->pid) {
			w->refs++;
			*wp = w;
			return 0;
		}
	}
	if (peer->pid <= 0 || !d->base)
		return rpc_call_error(call, RPC_ERR_UNSUPPORTED, NULL,
				      "Cannot watch the caller: its pid is unknown here (another pid namespace?)");
	if (!exempt) {
		u = uid_count(d, peer->uid, false);
		if (u && u->pidfds >= l->pidfds_per_uid)
			return refuse_limit(call, "pidfds_per_uid", l->pidfds_per_uid, u->pidfds,
					    "processes of this uid holding ports", peer->uid);
		if (d->n_user_pidfds >= l->pidfds_total)
			return refuse_limit(call, "pidfds_total", l->pidfds_total,
					    d->n_user_pidfds, "processes holding ports", peer->uid);
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct pidwatch){ .d = d, .pid = peer->pid, .uid = peer->uid, .exempt = exempt };
	w->pidfd = (int)syscall(SYS_pidfd_open, peer->pid, 0);
	if (w->pidfd < 0) {
		r = -errno;
		free(w);
		log_msg(LOG_NOTICE, "pidfd_open(%d): %s: port.open refused", (int)peer->pid,
			strerror(-r));
		return rpc_call_errno(call, r, "Cannot watch process %d", (int)peer->pid);
	}
	w->ev = event_new(d->base, w->pidfd, EV_READ, watch_exit_cb, w);
	if (!w->ev || event_add(w->ev, NULL) < 0) {
		if (w->ev)
			event_free(w->ev);
		close(w->pidfd);
		free(w);
		return -ENOMEM;
	}
	w->refs = 1;
	w->next = d->watches;
	d->watches = w;
	count_pidfd(d, w, +1);
	*wp = w;
	return 0;
}

/* ---- the release watch ---------------------------------------------------- */

struct holder *holders_find(struct nmd_daemon *d, uint64_t handle)
{
	if (!d->htab)
		return NULL;
	for (struct holder *h = d->htab[handle % NMD_HTAB_SIZE]; h; h = h->hnext)
		if (h->handle == handle)
			return h;
	return NULL;
}

static void rw_close(struct nmd_daemon *d)
{
	if (d->rw_state != NMD_RW_ON)
		return;
	if (d->ev_rw)
		event_free(d->ev_rw);
	d->ev_rw = NULL;
	close(d->rw_fd);
	d->rw_fd = -1;
	d->rw_state = NMD_RW_UNTRIED;
}

/*
 * The watcher lives while records do: it pins netmap.ko, which must stay
 * unloadable while no client holds a port.
 */
static void rw_maybe_close(struct nmd_daemon *d)
{
	if (!d->holders)
		rw_close(d);
}

/* Port fds released everywhere: their records go. */
static void rw_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct nmd_daemon *d = arg;
	uint64_t c[256];
	int n;

	(void)what;
	while ((n = d->kern.ops->watch_read(d->kern.ctx, fd, c, ELEMENTSOF(c))) > 0) {
		for (int i = 0; i < n; i++) {
			struct holder *h = holders_find(d, c[i]);
			json_t *ev;

			if (!h || !h->released_watch)
				continue;
			log_msg(LOG_DEBUG, "port handle %llu (%s): fd released", (unsigned long long)h->handle,
				h->name);
			ev = holders_entry_json(h);
			h->released_watch = false;	/* the kernel forgot it already */
			holder_drop(d, h);
			daemon_event(d, "port.released", ev);
		}
		if ((size_t)n < ELEMENTSOF(c))
			break;
	}
	if (n < 0)
		log_msg(LOG_WARNING, "release watch: read: %s", strerror(-n));
	rw_maybe_close(d);
}

/* Open the watcher if it is not; false when there is none (pidfds then). */
static bool rw_ready(struct nmd_daemon *d)
{
	const struct kern_ops *ops = d->kern.ops;
	int fd, r;

	if (d->rw_state == NMD_RW_ON)
		return true;
	if (d->rw_state == NMD_RW_OFF || !d->base)
		return false;
	if (d->opts.no_release_watch || !ops->watch_open) {
		d->rw_state = NMD_RW_OFF;
		return false;
	}
	r = ops->watch_open(d->kern.ctx, &fd);
	if (r == 0) {
		d->ev_rw = event_new(d->base, fd, EV_READ | EV_PERSIST, rw_read_cb, d);
		if (d->ev_rw && event_add(d->ev_rw, NULL) == 0) {
			d->rw_fd = fd;
			d->rw_state = NMD_RW_ON;
			return true;
		}
		if (d->ev_rw)
			event_free(d->ev_rw);
		d->ev_rw = NULL;
		close(fd);
		return false;	/* out of memory: try again next time */
	}
	if (r == -ENOENT || r == -ENODEV || r == -ENXIO)
		return false;	/* no module now; maybe later */
	log_msg(LOG_INFO, "the module has no release watch (%s): handle records go when their "
		"process exits (one pidfd per process)", strerror(-r));
	d->rw_state = NMD_RW_OFF;
	return false;
}

/* ---- records ----------------------------------------------------------- */

/* Unlink @h from the lists and free it; the kernel's watch is dropped too. */
static void holder_drop(struct nmd_daemon *d, struct holder *h)
{
	struct holder **pp;

	for (pp = &d->htab[h->handle % NMD_HTAB_SIZE]; *pp; pp = &(*pp)->hnext) {
		if (*pp == h) {
			*pp = h->hnext;
			break;
		}
	}
	for (pp = &d->holders; *pp; pp = &(*pp)->next) {
		if (*pp != h)
			continue;
		*pp = h->next;
		break;
	}
	if (h->released_watch && d->rw_state == NMD_RW_ON) {
		int r = d->kern.ops->watch_del(d->kern.ctx, d->rw_fd, h->handle);

		if (r < 0 && r != -ENOENT)
			log_msg(LOG_WARNING, "release watch: forgetting handle %llu: %s",
				(unsigned long long)h->handle, strerror(-r));
	}
	count_handle(d, h, -1);
	watch_put(d, h->watch);
	free(h);
}

void holders_free(struct nmd_daemon *d)
{
	/* Closing the watcher drops every kernel watch at once. */
	rw_close(d);
	while (d->holders)
		holder_drop(d, d->holders);
	free(d->htab);
	d->htab = NULL;
	free(d->uids);
	d->uids = NULL;
	d->n_uids = d->cap_uids = 0;
	d->rw_state = NMD_RW_UNTRIED;
}

json_t *holders_json(const struct nmd_daemon *d)
{
	json_t *a = json_array();

	for (const struct holder *h = d->holders; a && h; h = h->next)
		json_array_append_new(a, holders_entry_json(h));
	return a;
}

json_t *holders_status_json(const struct nmd_daemon *d)
{
	const struct nmd_handle_limits *l = limits(d);

	return json_pack("{s:b, s:i, s:i, s:{s:i, s:i, s:i, s:i}}", "release_watch",
			 d->rw_state != NMD_RW_OFF && !d->opts.no_release_watch, "handles",
			 (int)d->n_holders, "pidfds", (int)d->n_pidfds, "limits", "per_uid",
			 (int)l->per_uid, "total", (int)l->total, "pidfds_per_uid",
			 (int)l->pidfds_per_uid, "pidfds_total", (int)l->pidfds_total);
}

/*
 * A record for @fd (still the daemon's) opened by @peer, watched by the
 * release watch or else its process's pidfd. NULL with the error set on
 * @call (r in *err) when neither can watch it.
 */
struct holder *holders_add(struct rpc_call *call, struct nmd_daemon *d, int fd,
				 const char *name, const char *mode, bool exclusive,
				 const struct rpc_peer *peer, uint16_t mem_id, int *err)
{
	bool exempt = rpc_call_is_admin(call);
	struct holder *h;
	int r;

	*err = -ENOMEM;
	if (!d->htab && !(d->htab = calloc(NMD_HTAB_SIZE, sizeof(*d->htab))))
		return NULL;
	if (!exempt && !uid_count(d, peer->uid, true))
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->handle = d->next_handle++;
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->mode, sizeof(h->mode), "%s", mode);
	h->exclusive = exclusive;
	h->exempt = exempt;
	h->uid = peer->uid;
	h->pid = peer->pid;
	h->mem_id = mem_id;
	h->opened_at = time(NULL);
	if (rw_ready(d)) {
		r = d->kern.ops->watch_add(d->kern.ctx, d->rw_fd, fd, h->handle);
		if (r == 0)
			h->released_watch = true;
		else
			log_msg(LOG_WARNING, "release watch of handle %llu: %s; watching pid %d",
				(unsigned long long)h->handle, strerror(-r), (int)peer->pid);
	}
	if (!h->released_watch) {
		r = watch_get(call, d, peer, exempt, &h->watch);
		if (r < 0) {
			*err = r;
			free(h);
			uid_count_gc(d, uid_count(d, peer->uid, false));
			rw_maybe_close(d);
			return NULL;
		}
	}
	h->next = d->holders;
	d->holders = h;
	h->hnext = d->htab[h->handle % NMD_HTAB_SIZE];
	d->htab[h->handle % NMD_HTAB_SIZE] = h;
	count_handle(d, h, +1);
	return h;
}


void holders_forget(struct nmd_daemon *d, struct holder *h)
{
	holder_drop(d, h);
	rw_maybe_close(d);
}
