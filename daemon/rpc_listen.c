// SPDX-License-Identifier: BSD-2-Clause
/*
 * rpc_listen - how clients get in: listening sockets (created or handed
 * over), accept() with its pause when descriptors run out, the peer's
 * credentials, the admin policy, and the connection slots (max_clients,
 * per uid, the admins' reserve).
 */
#define _GNU_SOURCE
#include "rpc_int.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

/* -- Access --------------------------------------------------------------- */

static bool gid_in(gid_t g, const gid_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == g)
			return true;
	return false;
}

bool rpc_policy_is_admin(const struct rpc_policy *p, const struct rpc_peer *peer)
{
	if (!p || !peer)
		return false;
	if (peer->uid == 0 && p->root_is_admin)
		return true;
	for (size_t i = 0; i < p->n_admin_uids; i++)
		if (p->admin_uids[i] == peer->uid)
			return true;
	if (gid_in(peer->gid, p->admin_gids, p->n_admin_gids))
		return true;
	for (size_t i = 0; i < peer->n_groups; i++)
		if (gid_in(peer->groups[i], p->admin_gids, p->n_admin_gids))
			return true;
	return false;
}

bool rpc_server_is_admin(const struct rpc_server *s,
			    const struct rpc_peer *peer)
{
	struct rpc_policy p = {
		.root_is_admin = s->root_is_admin,
		.admin_uids = s->admin_uids,
		.n_admin_uids = s->n_admin_uids,
		.admin_gids = s->admin_gids,
		.n_admin_gids = s->n_admin_gids,
	};

	return rpc_policy_is_admin(&p, peer);
}

int rpc_server_set_policy(struct rpc_server *s, const struct rpc_policy *p)
{
	_cleanup_free_ uid_t *u = NULL;
	_cleanup_free_ gid_t *g = NULL;

	if (p->n_admin_uids) {
		u = calloc(p->n_admin_uids, sizeof(*u));
		if (!u)
			return -ENOMEM;
		memcpy(u, p->admin_uids, p->n_admin_uids * sizeof(*u));
	}
	if (p->n_admin_gids) {
		g = calloc(p->n_admin_gids, sizeof(*g));
		if (!g)
			return -ENOMEM;
		memcpy(g, p->admin_gids, p->n_admin_gids * sizeof(*g));
	}
	free(s->admin_uids);
	free(s->admin_gids);
	s->admin_uids = TAKE_PTR(u);
	s->admin_gids = TAKE_PTR(g);
	s->n_admin_uids = p->n_admin_uids;
	s->n_admin_gids = p->n_admin_gids;
	s->root_is_admin = p->root_is_admin;
	return 0;
}

/*
 * Supplementary groups from the user database, for kernels without
 * SO_PEERGROUPS (before 4.13). Leaves groups_known false if the uid has no
 * user entry.
 */
static int peer_groups_from_passwd(struct rpc_peer *p)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int ng = 32;

	if (getpwuid_r(p->uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return 0;
	for (int tries = 0; tries < 4; tries++) {
		gid_t *g = calloc((size_t)ng, sizeof(*g));
		int n = ng;

		if (!g)
			return -ENOMEM;
		if (getgrouplist(pw.pw_name, p->gid, g, &n) >= 0) {
			p->groups = g;
			p->n_groups = (size_t)n;
			p->groups_known = true;
			return 0;
		}
		free(g);
		ng = n > ng ? n : ng * 2;
	}
	return 0;
}

/* Credentials of the peer of @fd, as they were when it connected. */
static int peer_read(int fd, struct rpc_peer *p)
{
	struct ucred uc;
	socklen_t l = sizeof(uc);
	socklen_t gl = 32 * sizeof(gid_t);

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &l) < 0)
		return -errno;
	p->uid = uc.uid;
	p->gid = uc.gid;
	p->pid = uc.pid;

	for (int tries = 0; tries < 3; tries++) {
		gid_t *g = malloc(gl ? gl : sizeof(gid_t));

		if (!g)
			return -ENOMEM;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &gl) == 0) {
			p->groups = g;
			p->n_groups = gl / sizeof(gid_t);
			p->groups_known = true;
			return 0;
		}
		free(g);
		if (errno == ENOPROTOOPT)
			return peer_groups_from_passwd(p);
		if (errno != ERANGE)
			return -errno;
		/* gl now holds the size needed */
	}
	return -ERANGE;
}


static unsigned clients_of(const struct rpc_server *s, uid_t uid)
{
	const struct rpc_conn *c;
	unsigned n = 0;

	TAILQ_FOREACH(c, &s->conns, link)
		n += c->peer.uid == uid;
	return n;
}

/*
 * Over a connection limit: tell why (best effort: a fresh socket has room
 * for one line) and close.
 */
static void conn_refuse(struct rpc_conn *c, const char *why)
{
	char line[MSG_MAX];
	int n;

	c->s->st.refused++;
	rpc_limit_log(c->s, "refusing client %u (uid %u pid %d): %s", c->id,
		(unsigned)c->peer.uid, (int)c->peer.pid, why);
	n = snprintf(line, sizeof(line),
		     "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":%d,"
		     "\"message\":\"Capacity exceeded: %s; closing\"},\"id\":null}\n",
		     RPC_ERR_CAPACITY, why);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!send(c->fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	rpc_conn_drop(c);
}

/*
 * The connection limits (messages without quotes or backslashes: they go
 * into a JSON string as they are). 0, or -ENOSPC with @c refused.
 */
static int conn_admit(struct rpc_conn *c)
{
	struct rpc_server *s = c->s;
	const struct rpc_options *o = &s->o;
	char why[MSG_MAX - 128];

	if (s->st.clients >= o->max_clients) {
		snprintf(why, sizeof(why), "too many clients, the limit is %u (limits.max_clients)",
			 o->max_clients);
	} else if (rpc_server_is_admin(s, &c->peer)) {
		return 0; /* the admins' slots; no per-uid cap for them */
	} else if (o->admin_reserve && s->st.clients >= o->max_clients - o->admin_reserve) {
		snprintf(why, sizeof(why), "too many clients: the last %u of %u slots are kept "
			 "for admins (limits.admin_slots)", o->admin_reserve, o->max_clients);
	} else if (clients_of(s, c->peer.uid) >= o->max_clients_per_uid) {
		snprintf(why, sizeof(why), "too many clients of this user (uid %u), the limit is "
			 "%u (limits.max_clients_per_uid)", (unsigned)c->peer.uid,
			 o->max_clients_per_uid);
	} else {
		return 0;
	}
	conn_refuse(c, why);
	return -ENOSPC;
}

/* Take a new connection; @fd is ours in every case. */
static void conn_new(struct rpc_server *s, int fd)
{
	struct rpc_conn *c = calloc(1, sizeof(*c));
	int r;

	if (!c) {
		close(fd);
		rpc_log(s, LOG_ERR, "out of memory accepting a connection");
		return;
	}
	c->s = s;
	c->fd = fd;
	c->id = ++s->next_id;
	TAILQ_INIT(&c->marks);
	r = peer_read(fd, &c->peer);
	if (r < 0) {
		rpc_log_errno(s, LOG_WARNING, r, "client %u: cannot read its credentials, closing", c->id);
		goto err;
	}
	if (conn_admit(c) < 0)
		return;
	/*
	 * A small socket buffer: what a client has not read stays in out,
	 * where the limits see it, not in kernel memory they cannot see.
	 */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ CONN_SNDBUF }, sizeof(int));
	c->out = evbuffer_new();
	c->rev = event_new(s->base, fd, EV_READ | EV_PERSIST, rpc_conn_read_cb, c);
	c->wev = event_new(s->base, fd, EV_WRITE | EV_PERSIST, rpc_conn_write_cb, c);
	c->more = evtimer_new(s->base, rpc_conn_read_cb, c);
	if (c->more)
		event_priority_set(c->more, PRIO_HEAVY);
	if (!c->out || !c->rev || !c->wev || !c->more || event_add(c->rev, NULL) < 0) {
		rpc_log(s, LOG_ERR, "client %u: out of memory, closing", c->id);
		goto err;
	}
	c->in_last = now_ms();
	c->state = CONN_OPEN;
	TAILQ_INSERT_TAIL(&s->conns, c, link);
	s->st.clients++;
	s->st.accepted++;
	rpc_log(s, LOG_DEBUG, "client %u connected: uid %u gid %u pid %d",
		c->id, (unsigned)c->peer.uid, (unsigned)c->peer.gid, (int)c->peer.pid);
	return;
err:
	rpc_conn_drop(c);
}


/* -- Listening ------------------------------------------------------------ */

void rpc_accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_server *s = arg;
	struct rpc_listener *l;

	(void)fd;
	(void)what;
	s->accept_paused = false;
	TAILQ_FOREACH(l, &s->listeners, link)
		event_add(l->ev, NULL);
}

/* Out of descriptors: stop accepting for a while instead of spinning. */
static void accept_pause(struct rpc_server *s, int err)
{
	struct timeval tv = {
		.tv_sec = s->o.accept_pause_ms / 1000,
		.tv_usec = (s->o.accept_pause_ms % 1000) * 1000,
	};
	struct rpc_listener *l;

	if (s->accept_paused)
		return;
	s->accept_paused = true;
	s->st.accept_pauses++;
	rpc_log_errno(s, LOG_WARNING, err, "accept() failed, not accepting for %u ms",
		      s->o.accept_pause_ms);
	TAILQ_FOREACH(l, &s->listeners, link)
		event_del(l->ev);
	evtimer_add(s->accept_timer, &tv);
}

static void accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	struct rpc_listener *l = arg;
	struct rpc_server *s = l->s;

	(void)what;
	for (int i = 0; i < ACCEPTS_PER_RUN && !s->accept_paused; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
				continue;
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
				return;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				accept_pause(s, -errno);
				return;
			default:
				rpc_log_errno(s, LOG_WARNING, -errno, "accept() failed");
				return;
			}
		}
		conn_new(s, fd);
	}
}

/* @fd is ours in every case; @path (may be NULL) is copied. */
static int listener_add(struct rpc_server *s, int fd, const char *path,
			const struct stat *st)
{
	struct rpc_listener *l = calloc(1, sizeof(*l));

	if (!l)
		goto err;
	l->s = s;
	l->fd = fd;
	if (path) {
		l->path = strdup(path);
		if (!l->path)
			goto err;
		l->dev = st->st_dev;
		l->ino = st->st_ino;
	}
	l->ev = event_new(s->base, fd, EV_READ | EV_PERSIST, accept_cb, l);
	if (!l->ev || (!s->accept_paused && event_add(l->ev, NULL) < 0))
		goto err;
	TAILQ_INSERT_TAIL(&s->listeners, l, link);
	return 0;
err:
	if (l) {
		if (l->ev)
			event_free(l->ev);
		free(l->path);
		free(l);
	}
	close(fd);
	return -ENOMEM;
}

/* Unlink a socket at @path that nobody listens on; leave anything else. */
static int remove_stale_socket(struct rpc_server *s, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : rpc_log_errno(s, LOG_ERR, -errno, "%s", sa->sun_path);
	if (!S_ISSOCK(st.st_mode)) {
		rpc_log(s, LOG_ERR, "%s exists and is not a socket, leaving it", sa->sun_path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	r = r < 0 ? -errno : 0;
	close(fd);
	if (r == 0 || r == -EAGAIN || r == -EINPROGRESS) {
		rpc_log(s, LOG_ERR, "%s: another process listens there", sa->sun_path);
		return -EADDRINUSE;
	}
	if (r != -ECONNREFUSED)
		return rpc_log_errno(s, LOG_ERR, r, "%s: cannot tell whether it is in use", sa->sun_path);
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return rpc_log_errno(s, LOG_ERR, -errno, "%s: cannot remove the stale socket", sa->sun_path);
	rpc_log(s, LOG_INFO, "%s: removed a stale socket", sa->sun_path);
	return 0;
}

/* The socket file's mode and group (a non-root daemon may not chown). */
static int socket_set_access(struct rpc_server *s, const char *path, mode_t mode, gid_t gid)
{
	if (chmod(path, mode & 07777) < 0)
		return rpc_log_errno(s, LOG_ERR, -errno, "cannot set the mode of %s", path);
	if (gid == (gid_t)-1 || chown(path, (uid_t)-1, gid) == 0)
		return 0;
	if (errno == EPERM && geteuid() != 0) {
		rpc_log_errno(s, LOG_WARNING, -errno, "cannot give %s to group %u (not root), ignoring",
			      path, (unsigned)gid);
		return 0;
	}
	return rpc_log_errno(s, LOG_ERR, -errno, "cannot give %s to group %u", path, (unsigned)gid);
}

int rpc_server_listen_path(struct rpc_server *s, const char *path,
			   mode_t mode, gid_t gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);

	r = remove_stale_socket(s, &sa);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return rpc_log_errno(s, LOG_ERR, -errno, "cannot create the control socket");

	/* 0600 at birth: nobody else can connect before the mode is set. */
	old = umask(0177);
	r = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	r = r < 0 ? -errno : 0;
	umask(old);
	if (r < 0) {
		close(fd);
		return rpc_log_errno(s, LOG_ERR, r, "cannot bind the control socket %s", path);
	}
	if (lstat(path, &st) < 0) {
		r = rpc_log_errno(s, LOG_ERR, -errno, "%s", path);
		goto err_unlink;
	}
	if (listen(fd, SOMAXCONN) < 0) {
		r = rpc_log_errno(s, LOG_ERR, -errno, "cannot listen on %s", path);
		goto err_unlink;
	}
	r = socket_set_access(s, path, mode, gid);
	if (r < 0)
		goto err_unlink;
	r = listener_add(s, fd, path, &st);
	if (r < 0) {
		unlink(path);
		return r;
	}
	return 0;

err_unlink:
	unlink(path);
	close(fd);
	return r;
}

int rpc_server_listen_fd(struct rpc_server *s, int fd)
{
	int v, r = 0;
	socklen_t l = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) < 0) {
		r = -errno;
		goto err;
	}
	if (v != AF_UNIX) {
		r = -EINVAL;
		goto err;
	}
	l = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l) < 0 || v != SOCK_STREAM) {
		r = -EINVAL;
		goto err;
	}
	l = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &l) < 0 || !v) {
		r = -EINVAL;
		goto err;
	}
	v = fcntl(fd, F_GETFL);
	if (v < 0 || fcntl(fd, F_SETFL, v | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		r = -errno;
		goto err;
	}
	return listener_add(s, fd, NULL, NULL);
err:
	close(fd);
	return rpc_log_errno(s, LOG_ERR, r, "fd %d is not a listening unix stream socket", fd);
}


/* Close the listeners; unlink the socket files we made if still ours. */
void rpc_listeners_free(struct rpc_server *s)
{
	struct rpc_listener *l;

	while ((l = TAILQ_FIRST(&s->listeners))) {
		struct stat st;

		TAILQ_REMOVE(&s->listeners, l, link);
		event_free(l->ev);
		close(l->fd);
		/* Only the socket we made: a successor may have replaced it. */
		if (l->path && lstat(l->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    st.st_dev == l->dev && st.st_ino == l->ino)
			unlink(l->path);
		free(l->path);
		free(l);
	}
}
