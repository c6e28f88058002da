/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rpc_int - what the files of the JSON-RPC server share (not for its
 * users: they include rpc.h). The server is layered as follows, each file
 * using only the ones above it:
 *
 *   rpc_stream.c   wire framing: reading lines into a connection's input
 *                  buffer, its output queue and the fd marks that send
 *                  descriptors with the first byte of their line
 *   rpc_listen.c   listening sockets, accept(), peer credentials, the admin
 *                  policy, and the connection slots and their limits
 *   rpc_jsonrpc.c  JSON-RPC messages: codes, errors, calls, requests and
 *                  batches of one line
 *   rpc_params.c   handler parameter decoding
 *   rpc_work.c     the worker threads of deferred calls; it hands the jobs
 *                  it ran back to rpc_jsonrpc.c (rpc_job_finish())
 *   rpc.c          the server: connection lifecycle, the read loop and its
 *                  backpressure, output limits, timeouts, notifications
 *
 * Everything runs on the event loop's thread, but the work() of deferred
 * calls (rpc_work.c).
 */
#ifndef NETMAPD_RPC_INT_H
#define NETMAPD_RPC_INT_H

#include <event2/event.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "rpc.h"
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

/*
 * Where a connection is in its life. Requests run in CONN_OPEN and
 * CONN_EOF; the socket is read only in CONN_OPEN.
 *
 *   NEW --admitted--> OPEN --read() 0--> EOF --buffer empty--> CLOSING
 *   OPEN or EOF --output >= out_high--> PAUSED --below out_high/2--> OPEN
 *   OPEN --line over max_line--> CLOSING --output sent--> (dropped)
 *   any --rpc_conn_drop()--> DEAD
 *
 * PAUSED does not remember an EOF: on resume the socket is read again,
 * and read() returns 0 again.
 */
enum conn_state {
	CONN_NEW,     /* accepted: credentials and slots being checked */
	CONN_OPEN,    /* reading and running requests */
	CONN_PAUSED,  /* too much output queued: reads and runs nothing */
	CONN_EOF,     /* the client shut down its writing side: runs what is buffered */
	CONN_CLOSING, /* reads and runs nothing more; closes once out is empty */
	CONN_DEAD,    /* dropped: only the memory is left to free */
};

struct rpc_conn {
	TAILQ_ENTRY(rpc_conn) link;
	struct rpc_server *s;
	int fd;          /* -1 once dropped, and for rpc_server_eval() */
	enum conn_state state;
	unsigned id;     /* for log lines */
	struct rpc_peer peer;

	struct event *rev, *wev;
	struct event *more; /* zero timer: buffered lines, after the others */

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

	/* Not states: a subscriber can be open, paused or closing. */
	bool subscriber;
	bool heavy;      /* read at PRIO_HEAVY: used its whole budget last run */
	struct line_run *pending; /* the line whose call is deferred: runs and
				   * reads nothing until its job is finished */
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
	struct rpc_workers *workers; /* deferred calls (rpc_work.c) */
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
	/* rpc_call_defer(): the job to run once the handler returned. */
	const struct rpc_job_ops *job_ops;
	void *job_arg;
};

/*
 * A deferred call's job. Made and finished on the loop; between the two
 * a worker runs ops->work(arg) and touches nothing else of it.
 */
struct rpc_job {
	TAILQ_ENTRY(rpc_job) link;
	struct rpc_conn *c;        /* held (busy) until the job is finished */
	struct rpc_call *call;     /* the call, moved off the handler's stack */
	struct line_run *run;      /* the line it belongs to (rpc_jsonrpc.c) */
	json_t *id;                /* the request's id (borrowed from run) */
	bool has_id;
	const struct rpc_job_ops *ops;
	void *arg;
	uid_t uid;
	bool admin;
};

/* In s->conns: admitted and not dropped (never for rpc_server_eval()'s). */
static inline bool conn_linked(const struct rpc_conn *c)
{
	return c->fd >= 0 && c->state != CONN_NEW && c->state != CONN_DEAD;
}

static inline unsigned umin(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* rpc.c: logging (the options' sink) and the connection lifecycle. */
_printf_(3, 4) void rpc_log(const struct rpc_server *s, int prio, const char *fmt, ...);
/* Log "...: strerror(err)" and return @err (a negative errno). */
_printf_(4, 5) int rpc_log_errno(const struct rpc_server *s, int prio, int err,
				 const char *fmt, ...);
_printf_(2, 3) void rpc_limit_log(struct rpc_server *s, const char *fmt, ...);
void rpc_conn_set_subscriber(struct rpc_conn *c, bool on);
void rpc_conn_drop(struct rpc_conn *c);
void rpc_conn_put(struct rpc_conn *c);
bool rpc_out_room(struct rpc_conn *c, size_t len);
void rpc_conn_resume(struct rpc_conn *c);
void rpc_conn_read_cb(evutil_socket_t fd, short what, void *arg);
void rpc_conn_write_cb(evutil_socket_t fd, short what, void *arg);

/* rpc_stream.c: framing and the output queue. */
char *rpc_dump_line(const json_t *j, size_t *len);
void rpc_marks_close(struct rpc_conn *c);
int rpc_out_add(struct rpc_conn *c, const void *buf, size_t len);
void rpc_out_drain(struct rpc_conn *c, size_t len);
void rpc_conn_stop_reading(struct rpc_conn *c);
void rpc_conn_arm_write(struct rpc_conn *c);
void rpc_conn_queue(struct rpc_conn *c, const json_t *resp, struct line_fds *lf);
int rpc_conn_fill(struct rpc_conn *c);
void rpc_conn_flush(struct rpc_conn *c);

/* rpc_listen.c: access, accept and listeners. */
bool rpc_server_is_admin(const struct rpc_server *s, const struct rpc_peer *peer);
void rpc_listeners_free(struct rpc_server *s);
/* accept_timer: accepting resumes after accept_pause_ms. */
void rpc_accept_resume_cb(evutil_socket_t fd, short what, void *arg);

/* rpc_jsonrpc.c: messages and dispatch. */
json_t *rpc_json_text(const char *s);
json_t *rpc_make_error(struct rpc_server *s, json_t *id, int code,
		       const char *message, json_t *data);
unsigned rpc_handle_line(struct rpc_conn *c, const char *line, size_t len);
/*
 * A job's end, on the loop: finish its call and go on with its line, or,
 * its connection gone (or the server going), only release it. Both free
 * the job and let go of its connection.
 */
void rpc_job_finish(struct rpc_job *j);
void rpc_job_abandon(struct rpc_job *j);

/* rpc_work.c: the worker threads (see DEFERRED CALLS in rpc.h). */
/* The workers' state and eventfd, no thread yet: 0 or -ENOMEM. */
int rpc_workers_new(struct rpc_server *s);
/* Queue @j for a worker; -errno if no thread can run it (run it inline). */
int rpc_workers_submit(struct rpc_server *s, struct rpc_job *j);
/* Wait for the work in progress, then abandon every job; free. */
void rpc_workers_free(struct rpc_server *s);

/* rpc.c: after its deferred call, a connection runs and reads again. */
void rpc_conn_undefer(struct rpc_conn *c);

#endif /* NETMAPD_RPC_INT_H */
