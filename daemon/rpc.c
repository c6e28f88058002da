// SPDX-License-Identifier: BSD-2-Clause
/*
 * rpc - netmapd's JSON-RPC 2.0 server (see rpc.h for the wire contract).
 *
 * Shape. Raw libevent events, not bufferevents, because a response that
 * carries descriptors must start a sendmsg() of its own (SCM_RIGHTS rides
 * on the first byte of that sendmsg), which bufferevents cannot express:
 *
 *   listener fd --EV_READ--> accept_cb --> conn_new (SO_PEERCRED, groups)
 *   conn fd --EV_READ--> conn_read_cb: read once into ibuf, then up to
 *       REQUESTS_PER_RUN requests (a batch counts its entries):
 *       handle_line -> dispatch_request -> handler;
 *       each response is appended to conn->out (an evbuffer), with an
 *       fd_mark recording at which stream offset its descriptors go
 *   conn fd --EV_WRITE--> conn_flush: sendmsg() up to the next fd_mark;
 *       armed only while conn->out is not empty
 *
 * Lifetime. A connection can be dropped while one of its callbacks runs
 * (a handler's rpc_server_notify() may drop it; a write may fail).
 * conn_drop() therefore unlinks it and releases its fd and events at once
 * but leaves the memory to the callback (busy), which frees it on the way
 * out (conn_release()).
 */
#define _GNU_SOURCE
#include "rpc.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/*
 * Requests one connection runs per loop iteration, so others get a turn
 * (a batch counts its entries: a line of batches must not hold the loop).
 */
#define REQUESTS_PER_RUN 16
/*
 * Event priorities (libevent runs only the most urgent non-empty level in
 * a loop turn). Connections that used their whole REQUESTS_PER_RUN budget
 * in their last run (bulk or hostile clients: batches, floods of calls) are
 * served at PRIO_HEAVY, the rest at PRIO_NORMAL with the listeners and
 * timers, so a client making one call waits at most for the one heavy run
 * in progress, not for a round of every busy connection. Events of the
 * daemon made before the server keep level 0, above both.
 */
#define PRIO_LEVELS 3
#define PRIO_NORMAL 1
#define PRIO_HEAVY 2
/* Connections accepted per listener wake-up. */
#define ACCEPTS_PER_RUN 32
/*
 * Connections closed for a timeout per tick_cb() run. Connections an
 * attacker opened together time out together; closing hundreds in one
 * callback would hold every other client for its whole length, so the
 * rest wait for the next loop iteration (after the I/O others sent).
 */
#define EXPIRIES_PER_RUN 16
/*
 * Warnings about clients over a limit (refused, timed out): at most
 * LOG_BURST per LOG_INTERVAL_MS, then one line counting the suppressed.
 * A hostile client must not turn the daemon into a log flood.
 */
#define LOG_BURST 10
#define LOG_INTERVAL_MS 5000
/* Initial input buffer; it grows to max_line + 1 only for long lines. */
#define IBUF_INITIAL 4096
#define IOV_MAX_SEND 64
/* SO_SNDBUF of a connection (the kernel doubles it for its overhead). */
#define CONN_SNDBUF (32 * 1024)
#define MSG_MAX 512

/* Descriptors that go with the line starting at stream offset @off. */
struct fd_mark {
	TAILQ_ENTRY(fd_mark) link;
	uint64_t off;
	size_t n;
	int fds[RPC_MAX_FDS];
};

/* Descriptors collected while one line's requests run. */
struct line_fds {
	size_t n;
	int fds[RPC_MAX_FDS];
};

struct rpc_conn {
	TAILQ_ENTRY(rpc_conn) link;
	struct rpc_server *s;
	int fd;          /* -1 once dropped, and for rpc_server_eval() */
	unsigned id;     /* for log lines */
	struct rpc_peer peer;

	struct event *rev, *wev;
	struct event *more; /* zero timer: buffered lines, after the others */
	bool reading;    /* rev is pending */
	bool writing;    /* wev is pending: exactly while out is not empty */

	/* Input: bytes [ipos, iend) of ibuf; [ipos, scan) has no "\n". */
	char *ibuf;
	size_t ipos, iend, icap, scan;

	/* Output: out holds stream bytes out_sent onwards; marks in order. */
	struct evbuffer *out;
	uint64_t out_sent;
	TAILQ_HEAD(, fd_mark) marks;

	/* Clocks (now_ms()) for the timeouts, checked by tick_cb(). */
	uint64_t line_since; /* an unfinished line is buffered since; 0: none */
	uint64_t out_since;  /* out last moved (or stopped being empty) */
	uint64_t in_last;    /* last byte read, or accept */

	bool linked;     /* in s->conns (false for rpc_server_eval()) */
	bool subscriber;
	bool heavy;      /* read at PRIO_HEAVY: used its whole budget last run */
	bool eof;        /* the client shut down its writing side */
	bool paused;     /* not reading: too much output queued */
	bool closing;    /* close once out is empty; read nothing more */
	bool dead;       /* dropped: only the memory is left to free */
	unsigned busy;   /* holders of a pointer to it: callbacks, notify; the
			  * last conn_put() of a dead one frees it */
};

struct rpc_listener {
	TAILQ_ENTRY(rpc_listener) link;
	struct rpc_server *s;
	int fd;
	struct event *ev;
	char *path;      /* created by us: unlinked at the end if still ours */
	dev_t dev;
	ino_t ino;
};

struct rpc_server {
	struct event_base *base;
	const struct rpc_method *methods;
	size_t n_methods;
	struct rpc_options o;
	void *userdata;

	bool root_is_admin;
	uid_t *admin_uids;
	size_t n_admin_uids;
	gid_t *admin_gids;
	size_t n_admin_gids;

	TAILQ_HEAD(, rpc_conn) conns;
	TAILQ_HEAD(, rpc_listener) listeners;
	struct event *accept_timer;
	struct event *tick;  /* the timeouts; every tick_ms */
	struct event *tick_more; /* the rest of a burst of expiries */
	unsigned tick_ms;
	/* Rate limit of the over-a-limit warnings (limit_log()). */
	uint64_t log_window;  /* now_ms() when the window began */
	unsigned log_count;   /* logged in this window */
	unsigned log_dropped; /* suppressed in this window */
	bool accept_paused;
	unsigned next_id;
	struct rpc_stats st;
};

struct rpc_call {
	struct rpc_server *s;
	struct rpc_conn *c;
	const struct rpc_method *m;
	json_t *result;
	/* The chosen error, if any. */
	bool failed;
	int code;
	char *message;
	json_t *data;
	/* Descriptors: this call's are lf->fds[fd_first..lf->n). */
	struct line_fds *lf;
	size_t fd_first;
	json_t *fd_names;
};

static void conn_process(struct rpc_conn *c);
static void conn_flush(struct rpc_conn *c);
static bool out_room(struct rpc_conn *c, size_t len);

static unsigned umin(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* -- Logging ------------------------------------------------------------- */

static void rpc_vlog(const struct rpc_server *s, int prio, const char *fmt,
		     va_list ap)
{
	char buf[MSG_MAX];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (s->o.log)
		s->o.log(s->o.log_userdata, prio, buf);
	else if (prio <= LOG_INFO)
		fprintf(stderr, "netmapd: rpc: %s\n", buf);
}

static _printf_(3, 4) void rpc_log(const struct rpc_server *s, int prio,
				   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rpc_vlog(s, prio, fmt, ap);
	va_end(ap);
}

/* Log "...: strerror(err)" and return @err (a negative errno). */
static _printf_(4, 5) int rpc_log_errno(const struct rpc_server *s, int prio,
					int err, const char *fmt, ...)
{
	char buf[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rpc_log(s, prio, "%s: %s", buf, strerror(err < 0 ? -err : err));
	return err;
}

/*
 * A warning about a client over a limit, rate-limited (LOG_BURST per
 * LOG_INTERVAL_MS); the first one of a new window says how many the last
 * one suppressed.
 */
static _printf_(2, 3) void limit_log(struct rpc_server *s, const char *fmt, ...)
{
	uint64_t now = now_ms();
	va_list ap;

	if (now - s->log_window >= LOG_INTERVAL_MS) {
		if (s->log_dropped)
			rpc_log(s, LOG_WARNING, "%u more warnings about clients over the limits "
				"suppressed in %u ms", s->log_dropped,
				(unsigned)(now - s->log_window));
		s->log_window = now;
		s->log_count = 0;
		s->log_dropped = 0;
	}
	if (s->log_count >= LOG_BURST) {
		s->log_dropped++;
		return;
	}
	s->log_count++;
	va_start(ap, fmt);
	rpc_vlog(s, LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* -- Codes ---------------------------------------------------------------- */

int rpc_errno_to_code(int err)
{
	switch (err < 0 ? -err : err) {
	case EPERM:
	case EACCES:
		return RPC_ERR_PERMISSION;
	case ENOENT:
	case ENODEV:
	case ENXIO:
	case ESRCH:
		return RPC_ERR_NOT_FOUND;
	case EBUSY:
	case EAGAIN:
	case EINPROGRESS:
		return RPC_ERR_BUSY;
	case ENOSPC:
	case ENOMEM:
	case ENOBUFS:
	case EMFILE:
	case ENFILE:
	case E2BIG:
		return RPC_ERR_CAPACITY;
	case EEXIST:
	case EALREADY:
	case ESTALE:
		return RPC_ERR_STATE;
	case EOPNOTSUPP:
	case ENOSYS:
		return RPC_ERR_UNSUPPORTED;
	case EINVAL:
		return RPC_ERR_INVALID_PARAMS;
	default:
		return RPC_ERR_KERNEL;
	}
}

const char *rpc_code_message(int code)
{
	switch (code) {
	case RPC_ERR_PARSE: return "Parse error";
	case RPC_ERR_INVALID_REQUEST: return "Invalid request";
	case RPC_ERR_METHOD_NOT_FOUND: return "Method not found";
	case RPC_ERR_INVALID_PARAMS: return "Invalid params";
	case RPC_ERR_INTERNAL: return "Internal error";
	case RPC_ERR_PERMISSION: return "Permission denied";
	case RPC_ERR_NOT_FOUND: return "Not found";
	case RPC_ERR_BUSY: return "Busy";
	case RPC_ERR_CAPACITY: return "Capacity exceeded";
	case RPC_ERR_KERNEL: return "Kernel error";
	case RPC_ERR_STATE: return "Invalid state";
	case RPC_ERR_UNSUPPORTED: return "Not supported";
	case RPC_ERR_CONFIG: return "Invalid configuration";
	default: return "Server error";
	}
}

static int code_to_errno(int code)
{
	switch (code) {
	case RPC_ERR_PERMISSION: return -EPERM;
	case RPC_ERR_NOT_FOUND: return -ENOENT;
	case RPC_ERR_BUSY: return -EBUSY;
	case RPC_ERR_CAPACITY: return -ENOSPC;
	case RPC_ERR_KERNEL: return -EIO;
	case RPC_ERR_STATE: return -EALREADY;
	case RPC_ERR_UNSUPPORTED: return -EOPNOTSUPP;
	case RPC_ERR_INVALID_PARAMS:
	case RPC_ERR_CONFIG: return -EINVAL;
	default: return -EPROTO;
	}
}

/* -- JSON helpers --------------------------------------------------------- */

/*
 * A JSON string of @s. Texts that may hold bytes from a request (jansson's
 * "near '...'") need not be UTF-8: such bytes become '?'.
 */
static json_t *json_text(const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *copy;

	if (j || !s)
		return j;
	copy = strdup(s);
	if (!copy)
		return NULL;
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

/* data {"errno": 16, "name": "EBUSY", "message": "Device or resource busy"} */
static json_t *errno_data(int err)
{
	const char *name;
	json_t *d;

	err = err < 0 ? -err : err;
	name = strerrorname_np(err);
	d = json_object();
	if (!d)
		return NULL;
	if (json_object_set_new(d, "errno", json_integer(err)) < 0 ||
	    json_object_set_new(d, "name", json_text(name ? name : "")) < 0 ||
	    json_object_set_new(d, "message", json_text(strerror(err))) < 0) {
		json_decref(d);
		return NULL;
	}
	return d;
}

/* {"jsonrpc":"2.0","error":{code,message,data?},"id":id}; @data stolen. */
static json_t *make_error(struct rpc_server *s, json_t *id, int code,
			  const char *message, json_t *data)
{
	json_t *err = json_object(), *resp = json_object();

	s->st.errors++;
	if (!err || !resp ||
	    json_object_set_new(err, "code", json_integer(code)) < 0 ||
	    json_object_set_new(err, "message", json_text(message)) < 0 ||
	    (data && json_object_set(err, "data", data) < 0) ||
	    json_object_set_new(resp, "jsonrpc", json_string("2.0")) < 0 ||
	    json_object_set(resp, "error", err) < 0 ||
	    json_object_set(resp, "id", id ? id : json_null()) < 0) {
		json_decref(resp);
		resp = NULL;
	}
	json_decref(err);
	json_decref(data);
	return resp;
}

static _printf_(5, 6) json_t *make_errorf(struct rpc_server *s, json_t *id,
					  int code, json_t *data,
					  const char *fmt, ...)
{
	char buf[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return make_error(s, id, code, buf, data);
}

static json_t *make_result(json_t *id, json_t *result)
{
	json_t *resp = json_object();

	if (!resp ||
	    json_object_set_new(resp, "jsonrpc", json_string("2.0")) < 0 ||
	    json_object_set(resp, "result", result ? result : json_null()) < 0 ||
	    json_object_set(resp, "id", id) < 0) {
		json_decref(resp);
		return NULL;
	}
	return resp;
}

/* Compact JSON text of @j followed by "\n", malloc()ed; NULL on ENOMEM. */
static char *dump_line(const json_t *j, size_t *len)
{
	size_t n = json_dumpb(j, NULL, 0, JSON_COMPACT);
	char *buf;

	if (n == 0)
		return NULL;
	buf = malloc(n + 1);
	if (!buf)
		return NULL;
	if (json_dumpb(j, buf, n, JSON_COMPACT) != n) {
		free(buf);
		return NULL;
	}
	buf[n] = '\n';
	*len = n + 1;
	return buf;
}

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

static bool server_is_admin(const struct rpc_server *s,
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

/* -- Connections ------------------------------------------------------------ */

static void marks_close(struct rpc_conn *c)
{
	struct fd_mark *m;

	while ((m = TAILQ_FIRST(&c->marks))) {
		TAILQ_REMOVE(&c->marks, m, link);
		for (size_t i = 0; i < m->n; i++)
			close(m->fds[i]);
		free(m);
	}
}

/* Free what is left of a dropped connection. */
static void conn_release(struct rpc_conn *c)
{
	free(c->peer.groups);
	free(c->ibuf);
	if (c->out)
		evbuffer_free(c->out);
	if (c->rev)
		event_free(c->rev);
	if (c->wev)
		event_free(c->wev);
	if (c->more)
		event_free(c->more);
	free(c);
}

static void conn_set_subscriber(struct rpc_conn *c, bool on)
{
	if (c->subscriber == on)
		return;
	c->subscriber = on;
	if (c->linked) {
		if (on)
			c->s->st.subscribers++;
		else
			c->s->st.subscribers--;
	}
}

/*
 * Close the connection now: unlink it, stop its events, close its fd and
 * the descriptors still queued. Its memory goes now, or when the running
 * callback of this connection returns.
 */
static void conn_drop(struct rpc_conn *c)
{
	struct rpc_server *s = c->s;

	if (c->dead)
		return;
	c->dead = true;
	conn_set_subscriber(c, false);
	if (c->out) {
		size_t q = evbuffer_get_length(c->out);

		evbuffer_drain(c->out, q);
		if (c->linked)
			s->st.out_queued -= q;
	}
	if (c->linked) {
		TAILQ_REMOVE(&s->conns, c, link);
		c->linked = false;
		s->st.clients--;
	}
	if (c->rev)
		event_del(c->rev);
	if (c->wev)
		event_del(c->wev);
	if (c->more)
		event_del(c->more);
	c->reading = c->writing = false;
	marks_close(c);
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if (!c->busy)
		conn_release(c);
}

/* Let go of a pointer taken with c->busy++; frees a dropped connection. */
static void conn_put(struct rpc_conn *c)
{
	if (--c->busy == 0 && c->dead)
		conn_release(c);
}

/* Append to the queue, keeping the server's total (out_room() first). */
static int out_add(struct rpc_conn *c, const void *buf, size_t len)
{
	if (evbuffer_get_length(c->out) == 0)
		c->out_since = now_ms();
	if (evbuffer_add(c->out, buf, len) < 0)
		return -ENOMEM;
	if (c->linked)
		c->s->st.out_queued += len;
	return 0;
}

static void out_drain(struct rpc_conn *c, size_t len)
{
	evbuffer_drain(c->out, len);
	if (c->linked)
		c->s->st.out_queued -= len;
	c->out_since = now_ms();
}

/*
 * Close @c over a limit, after a last -32004 error line (id null) with
 * the message: queued behind what is already there, sent if the socket
 * takes it now (it never waits), so it only arrives to a client that was
 * reading. Logged as a warning.
 */
static _printf_(2, 3) void conn_close_notice(struct rpc_conn *c, const char *fmt, ...)
{
	struct rpc_server *s = c->s;
	_cleanup_json_ json_t *resp = NULL;
	_cleanup_free_ char *buf = NULL;
	char msg[MSG_MAX];
	size_t len = 0;
	va_list ap;

	if (c->dead)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	limit_log(s, "client %u (uid %u pid %d): %s", c->id, (unsigned)c->peer.uid,
		  (int)c->peer.pid, msg);
	c->busy++;
	resp = make_error(s, NULL, RPC_ERR_CAPACITY, msg, NULL);
	if (resp)
		buf = dump_line(resp, &len);
	if (buf && c->fd >= 0 && out_add(c, buf, len) == 0)
		conn_flush(c);
	conn_drop(c);
	conn_put(c);
}

static void conn_stop_reading(struct rpc_conn *c)
{
	if (c->reading) {
		event_del(c->rev);
		c->reading = false;
	}
}

static void conn_arm_write(struct rpc_conn *c)
{
	if (c->fd < 0 || c->writing || evbuffer_get_length(c->out) == 0)
		return;
	if (event_add(c->wev, NULL) == 0)
		c->writing = true;
}

/* The linked connection with the most output queued, or NULL. */
static struct rpc_conn *largest_queue(struct rpc_server *s)
{
	struct rpc_conn *c, *max = NULL;
	size_t most = 0;

	TAILQ_FOREACH(c, &s->conns, link) {
		size_t q = evbuffer_get_length(c->out);

		if (q > most) {
			most = q;
			max = c;
		}
	}
	return max;
}

/*
 * Whether @len more bytes may be queued on @c. If its own queue would
 * exceed out_max, @c is dropped (false). While all queues together would
 * exceed out_total, the connection with the largest queue is dropped; if
 * that is @c, false. Other connections may be freed here: callers that
 * hold pointers to them hold them busy.
 */
static bool out_room(struct rpc_conn *c, size_t len)
{
	struct rpc_server *s = c->s;
	size_t q = evbuffer_get_length(c->out);

	if (!c->linked)
		return true; /* rpc_server_eval() */
	if (q + len > s->o.out_max) {
		s->st.dropped_slow++;
		conn_close_notice(c, "Capacity exceeded: %zu bytes of output unread, "
				  "the limit is %zu (limits.output_max_bytes); closing",
				  q, s->o.out_max);
		return false;
	}
	while (s->st.out_queued + len > s->o.out_total) {
		struct rpc_conn *v = largest_queue(s);

		if (!v)
			break;
		s->st.dropped_total++;
		conn_close_notice(v, "Capacity exceeded: the server's output buffers are full "
				  "(limits.output_total_bytes, %zu bytes) and this client has the most "
				  "unread (%zu bytes); closing",
				  s->o.out_total, evbuffer_get_length(v->out));
		if (v == c)
			return false;
	}
	return true;
}

/*
 * Queue one response line and its descriptors (taken from @lf, which is
 * emptied). On failure the connection is dropped: a line lost halfway
 * would break the stream.
 */
static void conn_queue(struct rpc_conn *c, const json_t *resp,
		       struct line_fds *lf)
{
	_cleanup_free_ struct fd_mark *m = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (c->dead)
		goto err;
	buf = dump_line(resp, &len);
	if (!buf)
		goto err;
	if (!out_room(c, len))
		goto err; /* dropped */
	if (lf->n) {
		m = calloc(1, sizeof(*m));
		if (!m)
			goto err;
		m->off = c->out_sent + evbuffer_get_length(c->out);
		m->n = lf->n;
		memcpy(m->fds, lf->fds, lf->n * sizeof(int));
	}
	if (out_add(c, buf, len) < 0)
		goto err;
	if (m) {
		TAILQ_INSERT_TAIL(&c->marks, m, link);
		m = NULL;
		lf->n = 0;
	}
	return;
err:
	for (size_t i = 0; i < lf->n; i++)
		close(lf->fds[i]);
	lf->n = 0;
	if (!c->dead) {
		rpc_log(c->s, LOG_ERR, "client %u: out of memory queueing a response, dropping it", c->id);
		conn_drop(c);
	}
}

/* -- Calls ---------------------------------------------------------------- */

const struct rpc_peer *rpc_call_peer(const struct rpc_call *call)
{
	return &call->c->peer;
}

void *rpc_call_userdata(const struct rpc_call *call)
{
	return call->s->userdata;
}

struct rpc_server *rpc_call_server(const struct rpc_call *call)
{
	return call->s;
}

const char *rpc_call_method(const struct rpc_call *call)
{
	return call->m->name;
}

bool rpc_call_is_admin(const struct rpc_call *call)
{
	return server_is_admin(call->s, &call->c->peer);
}

void rpc_call_set_result(struct rpc_call *call, json_t *result)
{
	json_decref(call->result);
	call->result = result;
}

static int call_verror(struct rpc_call *call, int code, json_t *data,
		       const char *fmt, va_list ap)
{
	char buf[MSG_MAX];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	free(call->message);
	json_decref(call->data);
	call->failed = true;
	call->code = code;
	call->message = strdup(buf); /* NULL: the code's generic message */
	call->data = data;
	return code_to_errno(code);
}

int rpc_call_error(struct rpc_call *call, int code, json_t *data,
		   const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = call_verror(call, code, data, fmt, ap);
	va_end(ap);
	return r;
}

int rpc_call_errno(struct rpc_call *call, int err, const char *fmt, ...)
{
	char buf[MSG_MAX];
	va_list ap;

	if (err >= 0)
		err = -EIO;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rpc_call_error(call, rpc_errno_to_code(err), errno_data(err), "%s: %s",
		       buf, strerror(-err));
	return err;
}

int rpc_call_attach_fd(struct rpc_call *call, const char *name, int fd)
{
	json_t *n;

	if (fd < 0)
		return -EBADF;
	if (!call->lf || call->lf->n >= RPC_MAX_FDS) {
		close(fd);
		return -E2BIG;
	}
	if (!call->fd_names)
		call->fd_names = json_array();
	n = json_text(name);
	if (!call->fd_names || !n || json_array_append_new(call->fd_names, n) < 0) {
		close(fd);
		return -ENOMEM;
	}
	call->lf->fds[call->lf->n++] = fd;
	return 0;
}

/*
 * Which field a failed json_unpack_ex() was at. jansson reports the
 * position of the format character it failed on (1-based), but not the
 * key; walk the format the way jansson does, taking the keys from a copy
 * of the arguments, until that position. Unpack arguments are all
 * pointers, so each is read as one (const char * for keys).
 */
struct fmt_walk {
	const char *fmt;
	size_t i;
	int target;
	va_list ap;
	bool found, bad;
	char path[256];
};

static char fw_tok(struct fmt_walk *w)
{
	while (w->fmt[w->i] && strchr(" \t\n,:", w->fmt[w->i]))
		w->i++;
	return w->fmt[w->i];
}

static bool fw_at(struct fmt_walk *w, const char *path)
{
	if (w->i + 1 != (size_t)w->target)
		return false;
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->found = true;
	return true;
}

static void fw_value(struct fmt_walk *w, const char *path, unsigned depth)
{
	char sub[sizeof(w->path)];
	unsigned k = 0;
	char c = fw_tok(w);

	if (fw_at(w, path))
		return;
	if (depth > 32) {
		w->bad = true;
		return;
	}
	switch (c) {
	case '{':
		w->i++;
		for (;;) {
			const char *key;

			c = fw_tok(w);
			if (c == '}') {
				fw_at(w, path); /* JSON_STRICT: keys left over */
				w->i++;
				return;
			}
			if (c == '!' || c == '*') {
				w->i++;
				continue;
			}
			if (c != 's') {
				w->bad = true;
				return;
			}
			w->i++;
			key = va_arg(w->ap, const char *);
			if (fw_tok(w) == '?')
				w->i++;
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "",
				 key ? key : "?");
			fw_value(w, sub, depth + 1);
			if (w->found || w->bad)
				return;
		}
	case '[':
		w->i++;
		for (;;) {
			c = fw_tok(w);
			if (c == ']') {
				fw_at(w, path);
				w->i++;
				return;
			}
			if (c == '!' || c == '*') {
				w->i++;
				continue;
			}
			snprintf(sub, sizeof(sub), "%s[%u]", path, k++);
			fw_value(w, sub, depth + 1);
			if (w->found || w->bad)
				return;
		}
	case 's':
		w->i++;
		(void)va_arg(w->ap, void *);
		if (fw_tok(w) == '%') {
			w->i++;
			(void)va_arg(w->ap, void *);
		}
		return;
	case 'n':
		w->i++;
		return;
	case 'b': case 'i': case 'I': case 'f': case 'F': case 'o': case 'O':
		w->i++;
		(void)va_arg(w->ap, void *);
		return;
	default:
		w->bad = true;
		return;
	}
}

int rpc_unpack(struct rpc_call *call, json_t *params, const char *fmt, ...)
{
	struct fmt_walk w = { .fmt = fmt };
	const char *field, *rest;
	char text[JSON_ERROR_TEXT_LENGTH];
	json_error_t e;
	json_t *data = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = json_vunpack_ex(params, &e, JSON_STRICT, fmt, ap);
	va_end(ap);
	if (r == 0)
		return 0;

	if (streq(e.source, "<format>") || streq(e.source, "<args>") ||
	    json_error_code(&e) == json_error_invalid_format ||
	    json_error_code(&e) == json_error_null_value) {
		rpc_log(call->s, LOG_ERR, "BUG: %s: parameter format \"%s\": %s",
			call->m ? call->m->name : "?", fmt, e.text);
		return rpc_call_error(call, RPC_ERR_INTERNAL, NULL,
				      "Internal error: bad parameter format");
	}

	w.target = e.position;
	va_start(w.ap, fmt);
	fw_value(&w, "", 0);
	va_end(w.ap);
	field = w.found ? w.path : "";

	snprintf(text, sizeof(text), "%s", e.text);
	if (text[0] >= 'A' && text[0] <= 'Z' && !(text[1] >= 'A' && text[1] <= 'Z'))
		text[0] = (char)(text[0] - 'A' + 'a');

	switch (json_error_code(&e)) {
	case json_error_item_not_found:
		data = json_pack("{s:s}", "field", field);
		return rpc_call_error(call, RPC_ERR_INVALID_PARAMS, data,
				      "Invalid params: missing field \"%s\"", field);
	case json_error_end_of_input_expected:
		/* "2 object item(s) left unpacked: zz, yy" */
		rest = strstr(e.text, "left unpacked: ");
		if (rest && strstr(e.text, "object item")) {
			char first[JSON_ERROR_TEXT_LENGTH], path[sizeof(w.path) + JSON_ERROR_TEXT_LENGTH];

			rest += strlen("left unpacked: ");
			snprintf(first, sizeof(first), "%.*s", (int)strcspn(rest, ","), rest);
			snprintf(path, sizeof(path), "%s%s%s", field, *field ? "." : "", first);
			data = json_pack("{s:s}", "field", path);
			return rpc_call_error(call, RPC_ERR_INVALID_PARAMS, data,
					      "Invalid params: unknown field%s %s%s%s",
					      strchr(rest, ',') ? "s" : "", rest,
					      *field ? " in " : "", field);
		}
		break;
	default:
		break;
	}
	if (*field) {
		data = json_pack("{s:s}", "field", field);
		return rpc_call_error(call, RPC_ERR_INVALID_PARAMS, data,
				      "Invalid params: field \"%s\": %s", field, text);
	}
	return rpc_call_error(call, RPC_ERR_INVALID_PARAMS, NULL,
			      "Invalid params: %s", text);
}

int rpc_method_events_subscribe(struct rpc_call *call, json_t *params)
{
	int r = rpc_unpack(call, params, "{}");

	if (r < 0)
		return r;
	conn_set_subscriber(call->c, true);
	rpc_call_set_result(call, json_pack("{s:b}", "subscribed", 1));
	return 0;
}

int rpc_method_events_unsubscribe(struct rpc_call *call, json_t *params)
{
	int r = rpc_unpack(call, params, "{}");

	if (r < 0)
		return r;
	conn_set_subscriber(call->c, false);
	rpc_call_set_result(call, json_pack("{s:b}", "subscribed", 0));
	return 0;
}

/* -- Dispatch ------------------------------------------------------------- */

static const struct rpc_method *find_method(const struct rpc_server *s,
					    const char *name)
{
	for (size_t i = 0; i < s->n_methods; i++)
		if (streq(s->methods[i].name, name))
			return &s->methods[i];
	return NULL;
}

static void call_close_fds(struct rpc_call *call)
{
	for (size_t i = call->fd_first; i < call->lf->n; i++)
		close(call->lf->fds[i]);
	call->lf->n = call->fd_first;
}

/* Run the handler of @m; returns the response (NULL for a notification). */
static json_t *run_call(struct rpc_server *s, struct rpc_conn *c,
			const struct rpc_method *m, json_t *id, bool has_id,
			json_t *params, struct line_fds *lf)
{
	_cleanup_json_ json_t *empty = NULL;
	struct rpc_call call = {
		.s = s, .c = c, .m = m, .lf = lf, .fd_first = lf->n,
	};
	json_t *resp = NULL;
	int r;

	if (!params) {
		params = empty = json_object();
		if (!params)
			return has_id ? make_error(s, id, RPC_ERR_INTERNAL, "Internal error: out of memory", NULL) : NULL;
	}

	r = m->handler(&call, params);

	if (r >= 0 && !call.failed && call.fd_names) {
		if (!call.result)
			call.result = json_object();
		if (!json_is_object(call.result) ||
		    json_object_get(call.result, "fds") ||
		    json_object_set(call.result, "fds", call.fd_names) < 0) {
			rpc_log(s, LOG_ERR, "BUG: %s attached descriptors to a result that cannot announce them", m->name);
			rpc_call_error(&call, RPC_ERR_INTERNAL, NULL,
				       "Internal error: cannot announce descriptors");
		}
	}
	if (r < 0 && !call.failed) {
		call.code = rpc_errno_to_code(r);
		call.failed = true;
		call.data = errno_data(r);
		call.message = strdup(call.code == RPC_ERR_INVALID_PARAMS ?
				      rpc_code_message(call.code) : strerror(-r));
	}

	if (call.failed || !has_id)
		call_close_fds(&call);
	if (has_id) {
		if (call.failed)
			resp = make_error(s, id, call.code,
					  call.message ? call.message : rpc_code_message(call.code),
					  TAKE_PTR(call.data));
		else
			resp = make_result(id, call.result);
		if (!resp) {
			call_close_fds(&call);
			resp = make_error(s, id, RPC_ERR_INTERNAL, "Internal error: out of memory", NULL);
		}
	}
	json_decref(call.result);
	json_decref(call.data);
	json_decref(call.fd_names);
	free(call.message);
	return resp;
}

/* One request object (or batch entry): its response, or NULL for none. */
static json_t *dispatch_request(struct rpc_server *s, struct rpc_conn *c,
				json_t *req, struct line_fds *lf)
{
	json_t *id, *v, *params;
	const struct rpc_method *m;
	const char *key, *method;
	bool has_id;

	s->st.requests++;
	if (!json_is_object(req))
		return make_error(s, NULL, RPC_ERR_INVALID_REQUEST,
				  "Invalid request: expected a request object", NULL);
	id = json_object_get(req, "id");
	has_id = id != NULL;
	if (id && !json_is_string(id) && !json_is_number(id) && !json_is_null(id))
		return make_error(s, NULL, RPC_ERR_INVALID_REQUEST,
				  "Invalid request: \"id\" must be a string, a number or null", NULL);
	json_object_foreach(req, key, v) {
		if (!streq(key, "jsonrpc") && !streq(key, "method") &&
		    !streq(key, "params") && !streq(key, "id"))
			return make_errorf(s, id, RPC_ERR_INVALID_REQUEST, NULL,
					   "Invalid request: unknown member \"%.64s\"", key);
	}
	v = json_object_get(req, "jsonrpc");
	if (!json_is_string(v) || !streq(json_string_value(v), "2.0"))
		return make_error(s, id, RPC_ERR_INVALID_REQUEST,
				  "Invalid request: \"jsonrpc\" must be \"2.0\"", NULL);
	v = json_object_get(req, "method");
	if (!json_is_string(v))
		return make_error(s, id, RPC_ERR_INVALID_REQUEST,
				  "Invalid request: \"method\" must be a string", NULL);
	method = json_string_value(v);
	params = json_object_get(req, "params");
	if (params && !json_is_object(params) && !json_is_array(params))
		return make_error(s, id, RPC_ERR_INVALID_REQUEST,
				  "Invalid request: \"params\" must be an object", NULL);

	m = find_method(s, method);
	if (!m) {
		if (!has_id)
			return NULL;
		return make_errorf(s, id, RPC_ERR_METHOD_NOT_FOUND,
				   json_pack("{s:s}", "method", method),
				   "Method not found: %.128s", method);
	}
	if (json_is_array(params)) {
		if (json_array_size(params) != 0) {
			if (!has_id)
				return NULL;
			return make_error(s, id, RPC_ERR_INVALID_PARAMS,
					  "Invalid params: parameters are passed by name (an object), not by position", NULL);
		}
		params = NULL;
	}
	if (m->priv == RPC_PRIV_ADMIN && !server_is_admin(s, &c->peer)) {
		rpc_log(s, LOG_DEBUG, "client %u (uid %u pid %d): %s refused: not an admin",
			c->id, (unsigned)c->peer.uid, (int)c->peer.pid, m->name);
		if (!has_id)
			return NULL;
		return make_errorf(s, id, RPC_ERR_PERMISSION,
				   json_pack("{s:s, s:s}", "method", m->name, "required", "admin"),
				   "Permission denied: %s needs an admin (root or a member of the admin groups)",
				   m->name);
	}
	return run_call(s, c, m, id, has_id, params, lf);
}

/*
 * Count @r (a response) against the max_reply budget of its line, of
 * which *used is spent: false if it does not fit (nothing spent then).
 */
static bool reply_fits(const struct rpc_server *s, const json_t *r, size_t *used)
{
	size_t n = json_dumpb(r, NULL, 0, JSON_COMPACT) + 1; /* and its "," or "]" */

	if (n > s->o.max_reply || *used > s->o.max_reply - n)
		return false;
	*used += n;
	return true;
}

/*
 * The response of a request cut by max_reply (@ran: it ran, its reply was
 * too large; else it was not run), or NULL for a notification.
 */
static json_t *cut_error(struct rpc_server *s, json_t *req, bool ran)
{
	json_t *id = NULL;

	if (json_is_object(req)) {
		id = json_object_get(req, "id");
		if (!id)
			return NULL;
		if (!json_is_string(id) && !json_is_number(id))
			id = NULL;
	}
	s->st.replies_cut++;
	return make_errorf(s, id, RPC_ERR_CAPACITY,
			   json_pack("{s:I}", "limit", (json_int_t)s->o.max_reply),
			   ran ? "Capacity exceeded: the reply is over the limit of %zu bytes "
				 "(limits.max_reply_bytes); the request ran, its result was dropped"
			       : "Capacity exceeded: not run, the replies of this batch reached "
				 "the limit of %zu bytes (limits.max_reply_bytes)",
			   s->o.max_reply);
}

/* Close the descriptors of @lf from @first on (a dropped result's). */
static void lf_truncate(struct line_fds *lf, size_t first)
{
	for (size_t i = first; i < lf->n; i++)
		close(lf->fds[i]);
	lf->n = first;
}

/* Run a batch within max_batch and max_reply; its response array or NULL. */
static json_t *run_batch(struct rpc_conn *c, json_t *req, struct line_fds *lf)
{
	struct rpc_server *s = c->s;
	size_t n = json_array_size(req), used = 2, k;
	bool full = false;
	json_t *resp, *entry;

	if (n == 0)
		return make_error(s, NULL, RPC_ERR_INVALID_REQUEST,
				  "Invalid request: empty batch", NULL);
	if (n > s->o.max_batch) {
		s->st.big_batches++;
		rpc_log(s, LOG_INFO, "client %u (uid %u pid %d): batch of %zu entries refused",
			c->id, (unsigned)c->peer.uid, (int)c->peer.pid, n);
		return make_errorf(s, NULL, RPC_ERR_INVALID_REQUEST,
				   json_pack("{s:I, s:I}", "limit", (json_int_t)s->o.max_batch,
					     "entries", (json_int_t)n),
				   "Invalid request: a batch of %zu entries, the limit is %u "
				   "(limits.max_batch); nothing was run", n, s->o.max_batch);
	}
	resp = json_array();
	json_array_foreach(req, k, entry) {
		size_t first = lf->n;
		json_t *r;

		if (!resp || c->dead)
			break;
		if (full) {
			r = cut_error(s, entry, false);
		} else {
			r = dispatch_request(s, c, entry, lf);
			if (r && !reply_fits(s, r, &used)) {
				lf_truncate(lf, first);
				json_decref(r);
				r = cut_error(s, entry, true);
				full = true;
			}
		}
		if (r && json_array_append_new(resp, r) < 0) {
			json_decref(resp);
			resp = NULL;
		}
	}
	if (resp && json_array_size(resp) == 0) {
		json_decref(resp);
		return NULL;
	}
	if (!resp)
		resp = make_error(s, NULL, RPC_ERR_INTERNAL, "Internal error: out of memory", NULL);
	return resp;
}

/*
 * Parse and run one line; queue its response line, if any. Returns the
 * number of requests it held (a batch's entries; at least 1).
 */
static unsigned handle_line(struct rpc_conn *c, const char *line, size_t len)
{
	struct rpc_server *s = c->s;
	_cleanup_json_ json_t *req = NULL, *resp = NULL;
	struct line_fds lf = { .n = 0 };
	json_error_t e;
	size_t i, used = 0;
	unsigned n = 1;

	for (i = 0; i < len; i++)
		if (!strchr(" \t\r", line[i]) || !line[i])
			break;
	if (i == len)
		return 1; /* blank line */

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	if (!req) {
		resp = make_error(s, NULL, RPC_ERR_PARSE, "Parse error",
				  json_pack("{s:o, s:i}", "detail", json_text(e.text),
					    "column", e.column));
	} else if (json_is_array(req)) {
		resp = run_batch(c, req, &lf);
		if (json_array_size(req) > 1 && json_array_size(req) <= s->o.max_batch)
			n = (unsigned)json_array_size(req);
	} else {
		resp = dispatch_request(s, c, req, &lf);
		if (resp && !reply_fits(s, resp, &used)) {
			lf_truncate(&lf, 0);
			json_decref(resp);
			resp = cut_error(s, req, true);
		}
	}

	if (resp && !c->dead)
		conn_queue(c, resp, &lf);
	else
		lf_truncate(&lf, 0);
	return n;
}

/* -- Connection I/O --------------------------------------------------------- */

static void conn_oversize(struct rpc_conn *c)
{
	struct rpc_server *s = c->s;
	_cleanup_json_ json_t *resp = NULL;
	struct line_fds lf = { .n = 0 };

	s->st.oversize++;
	rpc_log(s, LOG_WARNING, "client %u (uid %u pid %d): request over %zu bytes, closing",
		c->id, (unsigned)c->peer.uid, (int)c->peer.pid, s->o.max_line);
	resp = make_error(s, NULL, RPC_ERR_INVALID_REQUEST, "Request too large",
			  json_pack("{s:I}", "limit", (json_int_t)s->o.max_line));
	if (resp)
		conn_queue(c, resp, &lf);
	c->ipos = c->iend = c->scan = 0;
	c->closing = true;
	conn_stop_reading(c);
}

/*
 * Run conn_read_cb() again on the next loop iteration. Not event_active():
 * libevent runs events activated during a pass in that same pass, so a
 * connection with lines buffered would starve those whose readiness only
 * the next epoll_wait() reports. A zero timer fires after that poll, behind
 * the connections it found ready.
 */
static void conn_later(struct rpc_conn *c)
{
	static const struct timeval zero = { 0, 0 };

	if (c->more)
		evtimer_add(c->more, &zero);
}

static void conn_pause(struct rpc_conn *c)
{
	c->s->st.throttled++;
	c->paused = true;
	conn_stop_reading(c);
}

static void conn_resume(struct rpc_conn *c)
{
	c->paused = false;
	c->line_since = 0; /* the clock of an unfinished line restarts */
	if (c->dead || c->closing)
		return;
	if (!c->eof && !c->reading && event_add(c->rev, NULL) == 0)
		c->reading = true;
	/* Lines already buffered get no read event of their own. */
	if (c->iend > c->ipos)
		conn_later(c);
}

/* Read once into ibuf. 0, or a negative errno when the connection broke. */
static int conn_fill(struct rpc_conn *c)
{
	size_t want = c->s->o.max_line + 1;
	ssize_t n;

	if (c->ipos > 0) {
		memmove(c->ibuf, c->ibuf + c->ipos, c->iend - c->ipos);
		c->iend -= c->ipos;
		c->scan -= c->ipos;
		c->ipos = 0;
	}
	if (c->iend == c->icap && c->icap < want) {
		size_t ncap = c->icap ? c->icap * 2 : IBUF_INITIAL;
		char *p;

		if (ncap > want)
			ncap = want;
		p = realloc(c->ibuf, ncap);
		if (!p)
			return -ENOMEM;
		c->ibuf = p;
		c->icap = ncap;
	}
	if (c->iend == c->icap)
		return 0; /* full: conn_process() finds a line or an oversize */
	n = read(c->fd, c->ibuf + c->iend, c->icap - c->iend);
	if (n > 0) {
		c->iend += (size_t)n;
		c->in_last = now_ms();
		return 0;
	}
	if (n == 0) {
		c->eof = true;
		conn_stop_reading(c);
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return -errno;
}

/*
 * Serve @c's reads at PRIO_HEAVY or PRIO_NORMAL from now on. Best effort:
 * libevent refuses while the event is active (it then keeps its level
 * until the next run decides again).
 */
static void conn_set_heavy(struct rpc_conn *c, bool heavy)
{
	if (c->heavy == heavy || !c->rev)
		return;
	if (event_priority_set(c->rev, heavy ? PRIO_HEAVY : PRIO_NORMAL) == 0)
		c->heavy = heavy;
}

/* Handle the complete lines in ibuf, up to REQUESTS_PER_RUN, then flush. */
static void conn_process(struct rpc_conn *c)
{
	struct rpc_server *s = c->s;
	unsigned budget = REQUESTS_PER_RUN, n;

	while (!c->dead && !c->closing && !c->paused) {
		char *nl;
		size_t len;

		if (evbuffer_get_length(c->out) >= s->o.out_high) {
			conn_flush(c);
			if (c->dead)
				return;
			if (evbuffer_get_length(c->out) >= s->o.out_high) {
				conn_pause(c);
				break;
			}
		}
		nl = c->iend > c->scan ? memchr(c->ibuf + c->scan, '\n', c->iend - c->scan) : NULL;
		if (!nl) {
			c->scan = c->iend;
			if (c->iend - c->ipos > s->o.max_line) {
				conn_oversize(c);
				break;
			}
			if (c->eof) {
				/* The last request may lack its "\n". */
				if (c->iend > c->ipos)
					handle_line(c, c->ibuf + c->ipos, c->iend - c->ipos);
				c->ipos = c->iend = c->scan = 0;
				c->closing = true;
			}
			break;
		}
		len = (size_t)(nl - (c->ibuf + c->ipos));
		if (len > s->o.max_line) {
			conn_oversize(c);
			break;
		}
		n = handle_line(c, c->ibuf + c->ipos, len);
		c->ipos = c->scan = (size_t)(nl - c->ibuf) + 1;
		c->line_since = 0;
		budget = n < budget ? budget - n : 0;
		if (budget == 0) {
			conn_set_heavy(c, true);
			/* More may be buffered: come back after the others. */
			if (!c->dead && c->iend > c->ipos)
				conn_later(c);
			break;
		}
	}
	if (c->dead)
		return;
	if (budget)
		conn_set_heavy(c, false);
	if (c->ipos == c->iend) {
		c->ipos = c->iend = c->scan = 0;
		c->line_since = 0;
		if (c->icap > IBUF_INITIAL) {
			/* A long line is done: give its buffer back. */
			free(c->ibuf);
			c->ibuf = NULL;
			c->icap = 0;
		}
	} else if (!c->line_since) {
		c->line_since = now_ms();
	}
	conn_flush(c);
}

/*
 * Write what is queued, without blocking. A sendmsg() never crosses the
 * start of a line that carries descriptors, and such a line starts one,
 * with the descriptors attached.
 */
static void conn_flush(struct rpc_conn *c)
{
	struct rpc_server *s = c->s;
	size_t len;

	if (c->dead || c->fd < 0)
		return;
	while ((len = evbuffer_get_length(c->out)) > 0) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * RPC_MAX_FDS)];
			struct cmsghdr align;
		} ctl;
		struct evbuffer_iovec v[IOV_MAX_SEND];
		struct iovec iov[IOV_MAX_SEND];
		struct fd_mark *m = TAILQ_FIRST(&c->marks), *stop;
		struct msghdr mh = { .msg_iov = iov };
		bool with_fds = m && m->off == c->out_sent;
		size_t limit = len, tot = 0;
		ssize_t w;
		int n;

		stop = with_fds ? TAILQ_NEXT(m, link) : m;
		if (stop && stop->off - c->out_sent < limit)
			limit = (size_t)(stop->off - c->out_sent);
		n = evbuffer_peek(c->out, (ev_ssize_t)limit, NULL, v, IOV_MAX_SEND);
		if (n > IOV_MAX_SEND)
			n = IOV_MAX_SEND;
		for (int i = 0; i < n && tot < limit; i++) {
			size_t l = v[i].iov_len < limit - tot ? v[i].iov_len : limit - tot;

			iov[mh.msg_iovlen].iov_base = v[i].iov_base;
			iov[mh.msg_iovlen].iov_len = l;
			mh.msg_iovlen++;
			tot += l;
		}
		if (with_fds) {
			struct cmsghdr *cm;

			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * m->n);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * m->n);
			memcpy(CMSG_DATA(cm), m->fds, sizeof(int) * m->n);
		}
		w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno != EPIPE && errno != ECONNRESET)
				rpc_log_errno(s, LOG_WARNING, -errno, "client %u: write failed, dropping it", c->id);
			conn_drop(c);
			return;
		}
		if (with_fds) {
			/* The kernel attached them to the first byte sent: they are gone. */
			s->st.fds_sent += m->n;
			TAILQ_REMOVE(&c->marks, m, link);
			for (size_t i = 0; i < m->n; i++)
				close(m->fds[i]);
			free(m);
		}
		out_drain(c, (size_t)w);
		c->out_sent += (uint64_t)w;
	}

	len = evbuffer_get_length(c->out);
	if (len && !c->writing) {
		conn_arm_write(c);
	} else if (!len && c->writing) {
		event_del(c->wev);
		c->writing = false;
	}
	if (c->paused && len <= s->o.out_high / 2)
		conn_resume(c);
	if (c->closing && !len)
		conn_drop(c);
}

static void conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_conn *c = arg;
	int r;

	(void)fd;
	(void)what;
	c->busy++;
	if (!c->eof && !c->paused && !c->closing) {
		r = conn_fill(c);
		if (r < 0) {
			if (r != -ECONNRESET)
				rpc_log_errno(c->s, LOG_WARNING, r, "client %u: read failed, dropping it", c->id);
			conn_drop(c);
		}
	}
	if (!c->dead)
		conn_process(c);
	conn_put(c);
}

static void conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_conn *c = arg;

	(void)fd;
	(void)what;
	c->busy++;
	conn_flush(c);
	conn_put(c);
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
	limit_log(c->s, "refusing client %u (uid %u pid %d): %s", c->id,
		(unsigned)c->peer.uid, (int)c->peer.pid, why);
	n = snprintf(line, sizeof(line),
		     "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":%d,"
		     "\"message\":\"Capacity exceeded: %s; closing\"},\"id\":null}\n",
		     RPC_ERR_CAPACITY, why);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!send(c->fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	conn_drop(c);
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
	} else if (server_is_admin(s, &c->peer)) {
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
	c->rev = event_new(s->base, fd, EV_READ | EV_PERSIST, conn_read_cb, c);
	c->wev = event_new(s->base, fd, EV_WRITE | EV_PERSIST, conn_write_cb, c);
	c->more = evtimer_new(s->base, conn_read_cb, c);
	if (c->more)
		event_priority_set(c->more, PRIO_HEAVY);
	if (!c->out || !c->rev || !c->wev || !c->more || event_add(c->rev, NULL) < 0) {
		rpc_log(s, LOG_ERR, "client %u: out of memory, closing", c->id);
		goto err;
	}
	c->reading = true;
	c->in_last = now_ms();
	c->linked = true;
	TAILQ_INSERT_TAIL(&s->conns, c, link);
	s->st.clients++;
	s->st.accepted++;
	rpc_log(s, LOG_DEBUG, "client %u connected: uid %u gid %u pid %d",
		c->id, (unsigned)c->peer.uid, (unsigned)c->peer.gid, (int)c->peer.pid);
	return;
err:
	conn_drop(c);
}

/* -- Timeouts ------------------------------------------------------------- */

/*
 * Close @c if one of its deadlines passed (see LIMITS in rpc.h); true if
 * it did.
 */
static bool conn_check_time(struct rpc_conn *c, uint64_t now)
{
	const struct rpc_options *o = &c->s->o;
	size_t q = evbuffer_get_length(c->out);

	if (q && now - c->out_since >= o->write_timeout_ms) {
		c->s->st.timeouts++;
		conn_close_notice(c, "Timeout: %zu bytes of output not read for %u ms "
				  "(limits.write_timeout); closing", q, o->write_timeout_ms);
	} else if (c->line_since && !c->paused && !c->closing &&
		   now - c->line_since >= o->line_timeout_ms) {
		c->s->st.timeouts++;
		conn_close_notice(c, "Timeout: a request line left unfinished (%zu bytes) for "
				  "%u ms (limits.line_timeout); closing", c->iend - c->ipos,
				  o->line_timeout_ms);
	} else if (o->idle_timeout_ms && !q && !c->subscriber && c->iend == c->ipos &&
		   !c->closing && now - c->in_last >= o->idle_timeout_ms) {
		c->s->st.timeouts++;
		conn_close_notice(c, "Timeout: idle for %u ms (limits.idle_timeout); closing",
				  o->idle_timeout_ms);
	} else {
		return false;
	}
	return true;
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_server *s = arg;
	struct rpc_conn *c, *next;
	uint64_t now = now_ms();
	unsigned closed = 0;

	(void)fd;
	(void)what;
	/* Closing one connection never frees another: next stays valid. */
	for (c = TAILQ_FIRST(&s->conns); c; c = next) {
		next = TAILQ_NEXT(c, link);
		if (conn_check_time(c, now) && ++closed == EXPIRIES_PER_RUN) {
			/* A zero timeout runs after the next poll for I/O. */
			evtimer_add(s->tick_more, &(struct timeval){ 0 });
			return;
		}
	}
}

/* -- Listening ------------------------------------------------------------ */

static void accept_resume_cb(evutil_socket_t fd, short what, void *arg)
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
	if (chmod(path, mode & 07777) < 0) {
		r = rpc_log_errno(s, LOG_ERR, -errno, "cannot set the mode of %s", path);
		goto err_unlink;
	}
	if (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) {
		if (errno == EPERM && geteuid() != 0) {
			rpc_log_errno(s, LOG_WARNING, -errno,
				      "cannot give %s to group %u (not root), ignoring",
				      path, (unsigned)gid);
		} else {
			r = rpc_log_errno(s, LOG_ERR, -errno, "cannot give %s to group %u",
					  path, (unsigned)gid);
			goto err_unlink;
		}
	}
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

/* -- Server ----------------------------------------------------------------- */

int rpc_server_new(struct event_base *base, const struct rpc_method *methods,
		   size_t n_methods, const struct rpc_options *opts,
		   void *userdata, struct rpc_server **ret)
{
	struct rpc_server *s;

	if (!base || (n_methods && !methods))
		return -EINVAL;
	for (size_t i = 0; i < n_methods; i++) {
		if (!methods[i].name || !methods[i].handler)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (streq(methods[i].name, methods[j].name))
				return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->base = base;
	s->methods = methods;
	s->n_methods = n_methods;
	s->userdata = userdata;
	s->root_is_admin = true;
	s->o.log = opts ? opts->log : NULL;
	s->o.log_userdata = opts ? opts->log_userdata : NULL;
	TAILQ_INIT(&s->conns);
	TAILQ_INIT(&s->listeners);
	/* Without the levels (a base already in use) all run at one level. */
	if (event_base_get_npriorities(base) < PRIO_LEVELS)
		(void)event_base_priority_init(base, PRIO_LEVELS);
	s->accept_timer = evtimer_new(base, accept_resume_cb, s);
	s->tick = event_new(base, -1, EV_PERSIST, tick_cb, s);
	s->tick_more = evtimer_new(base, tick_cb, s);
	if (!s->accept_timer || !s->tick || !s->tick_more) {
		if (s->accept_timer)
			event_free(s->accept_timer);
		if (s->tick)
			event_free(s->tick);
		if (s->tick_more)
			event_free(s->tick_more);
		free(s);
		return -ENOMEM;
	}
	rpc_server_set_limits(s, opts, NULL);
	*ret = s;
	return 0;
}

#define DEFAULT(field, value) do { if (!o->field) o->field = (value); } while (0)

/* Defaults, and the relations between limits that LIMITS in rpc.h promises. */
static void limits_normalize(struct rpc_options *o)
{
	size_t min_out;

	DEFAULT(max_line, RPC_DEFAULT_MAX_LINE);
	DEFAULT(max_batch, RPC_DEFAULT_MAX_BATCH);
	DEFAULT(max_reply, RPC_DEFAULT_MAX_REPLY);
	DEFAULT(out_high, RPC_DEFAULT_OUT_HIGH);
	DEFAULT(out_max, RPC_DEFAULT_OUT_MAX);
	DEFAULT(out_total, RPC_DEFAULT_OUT_TOTAL);
	DEFAULT(max_clients, RPC_DEFAULT_MAX_CLIENTS);
	DEFAULT(max_clients_per_uid, RPC_DEFAULT_MAX_CLIENTS_PER_UID);
	DEFAULT(admin_reserve, umin(RPC_DEFAULT_ADMIN_RESERVE, o->max_clients / 4));
	DEFAULT(line_timeout_ms, RPC_DEFAULT_LINE_TIMEOUT_MS);
	DEFAULT(write_timeout_ms, RPC_DEFAULT_WRITE_TIMEOUT_MS);
	DEFAULT(accept_pause_ms, RPC_DEFAULT_ACCEPT_PAUSE_MS);
	/* A client that reads its replies never reaches out_max. */
	min_out = o->out_high + o->max_reply + o->max_line + 256 * (size_t)o->max_batch;
	if (o->out_max < min_out)
		o->out_max = min_out;
	if (o->out_total < o->out_max)
		o->out_total = o->out_max;
	if (o->admin_reserve > o->max_clients / 2)
		o->admin_reserve = o->max_clients / 2;
}

#undef DEFAULT

void rpc_server_set_limits(struct rpc_server *s, const struct rpc_options *opts,
			   struct rpc_options *in_force)
{
	struct rpc_options o = { 0 };
	struct timeval tv;
	unsigned shortest;

	if (opts)
		o = *opts;
	o.log = s->o.log;
	o.log_userdata = s->o.log_userdata;
	limits_normalize(&o);
	s->o = o;
	shortest = umin(o.line_timeout_ms, o.write_timeout_ms);
	if (o.idle_timeout_ms)
		shortest = umin(shortest, o.idle_timeout_ms);
	s->tick_ms = shortest / 4 < 10 ? 10 : umin(1000, shortest / 4);
	tv.tv_sec = s->tick_ms / 1000;
	tv.tv_usec = (s->tick_ms % 1000) * 1000;
	event_add(s->tick, &tv);
	if (in_force)
		*in_force = o;
}

void rpc_server_free(struct rpc_server *s)
{
	struct rpc_listener *l;
	struct rpc_conn *c;

	if (!s)
		return;
	while ((c = TAILQ_FIRST(&s->conns)))
		conn_drop(c);
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
	event_free(s->accept_timer);
	event_free(s->tick);
	event_free(s->tick_more);
	free(s->admin_uids);
	free(s->admin_gids);
	free(s);
}

int rpc_server_notify(struct rpc_server *s, const char *method, json_t *params)
{
	_cleanup_json_ json_t *n = json_object();
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ struct rpc_conn **subs = NULL;
	struct rpc_conn *c;
	size_t len = 0, nsubs = 0;
	int count = 0;

	if (!n || json_object_set_new(n, "jsonrpc", json_string("2.0")) < 0 ||
	    json_object_set_new(n, "method", json_text(method)) < 0 ||
	    (params && json_object_set(n, "params", params) < 0))
		return -ENOMEM;
	buf = dump_line(n, &len);
	if (!buf)
		return -ENOMEM;

	/* out_room() may free any connection: hold the subscribers busy. */
	subs = calloc(s->st.subscribers + 1, sizeof(*subs));
	if (!subs)
		return -ENOMEM;
	TAILQ_FOREACH(c, &s->conns, link) {
		if (c->subscriber && !c->closing) {
			c->busy++;
			subs[nsubs++] = c;
		}
	}
	for (size_t i = 0; i < nsubs; i++) {
		c = subs[i];
		if (c->dead || !out_room(c, len))
			continue;
		if (out_add(c, buf, len) < 0) {
			conn_drop(c);
			continue;
		}
		s->st.notifications++;
		count++;
		conn_arm_write(c);
	}
	for (size_t i = 0; i < nsubs; i++)
		conn_put(subs[i]);
	return count;
}

void rpc_server_get_stats(const struct rpc_server *s, struct rpc_stats *st)
{
	*st = s->st;
}

int rpc_server_eval(struct rpc_server *s, const struct rpc_peer *peer,
		    const char *line, size_t len, char **response)
{
	struct rpc_conn c = {
		.s = s, .fd = -1, .busy = 1, .peer = *peer,
	};
	struct fd_mark *m;
	size_t n;
	int nfds = 0;

	*response = NULL;
	TAILQ_INIT(&c.marks);
	c.out = evbuffer_new();
	if (!c.out)
		return -ENOMEM;
	if (len > s->o.max_line)
		conn_oversize(&c);
	else
		handle_line(&c, line, len);
	TAILQ_FOREACH(m, &c.marks, link)
		nfds += (int)m->n;
	marks_close(&c);

	n = evbuffer_get_length(c.out);
	if (c.dead) {
		evbuffer_free(c.out);
		return -ENOMEM;
	}
	if (n > 0) {
		*response = malloc(n);
		if (!*response) {
			evbuffer_free(c.out);
			return -ENOMEM;
		}
		evbuffer_remove(c.out, *response, n);
		(*response)[n - 1] = '\0'; /* the "\n" */
	}
	evbuffer_free(c.out);
	return nfds;
}
