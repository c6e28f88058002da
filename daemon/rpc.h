/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rpc - netmapd's JSON-RPC 2.0 server: framing, dispatch, access control and
 * file descriptor passing on SOCK_STREAM unix sockets, on a libevent loop.
 * It knows nothing of netmap: the daemon hands it a method table.
 *
 * WIRE CONTRACT
 *
 *   Framing. One JSON text per line, in UTF-8, ended by "\n" (a "\r" before
 *   it is ignored; blank lines are ignored), in both directions, so that
 *   `socat - UNIX-CONNECT:/run/netmapd/netmapd.sock` is a usable client.
 *   The server writes compact JSON (no newline inside a message). A line
 *   longer than max_line bytes (default RPC_DEFAULT_MAX_LINE = 64 KiB, the
 *   "\n" not counted) is answered with -32600 "Request too large" (id null,
 *   data.limit) and the connection is closed after that reply. Data left
 *   without a final "\n" when the client shuts down its writing side is
 *   taken as a last line (so `printf '{...}' | socat ...` works).
 *
 *   Requests. JSON-RPC 2.0 request objects: "jsonrpc": "2.0", "method": a
 *   string, "id": a string, a number or null (a request without "id" is a
 *   notification: it runs, and gets no reply, not even an error), "params":
 *   an object (by name). Positional params (a non-empty array) are refused
 *   with -32602; an empty array counts as no params. Members other than
 *   these four are refused with -32600, so a typo ("parmas") is not
 *   silently ignored. Responses carry the request's id; errors that happen
 *   before the id is known (-32700, or an invalid id) carry id null.
 *
 *   Batches are supported as JSON-RPC 2.0 defines them: a line holding an
 *   array of requests gets one line holding the array of their responses,
 *   in request order, without entries for notifications; no line at all if
 *   every entry was a notification; an empty array is one -32600 error.
 *   Entries run one after the other.
 *
 *   Ordering. Responses are written in the order of the requests on that
 *   connection. Server notifications (rpc_server_notify) are whole lines
 *   between responses, only to connections that subscribed (see
 *   rpc_method_events_subscribe): {"jsonrpc":"2.0","method":...,"params":...}
 *   without "id", which tells them from responses (which always have one).
 *   A notification sent while a request runs goes out before its response.
 *
 *   File descriptors. A result may carry file descriptors. Such a result is
 *   an object with a member "fds": an array of names, one per descriptor,
 *   e.g. {"memsize": 4206592, ..., "fds": ["port"]}. The descriptors are
 *   sent with SCM_RIGHTS, in the order of the names, in the ancillary data
 *   of the sendmsg() whose first byte is the first byte of the line that
 *   announces them; for a batch, the descriptors of all its results go with
 *   the batch line, in the order of the results. So a client that keeps the
 *   descriptors it receives in a FIFO, and takes N of them for each line
 *   that announces N names, pairs them correctly: descriptors never arrive
 *   before the lines ahead of their line have arrived whole, nor after the
 *   first byte of their own line. One line carries at most RPC_MAX_FDS
 *   descriptors; a client's recvmsg() needs room for
 *   CMSG_SPACE(RPC_MAX_FDS * sizeof(int)) bytes of control data (use
 *   MSG_CMSG_CLOEXEC), or the kernel drops descriptors (MSG_CTRUNC).
 *   Descriptors a client sends to the server are discarded.
 *
 *   Errors: {"code", "message", "data"?}. Standard codes -32700, -32600,
 *   -32601, -32602, -32603; the application codes are RPC_ERR_* below.
 *   -32602 names the offending field in the message and in data.field.
 *   Errors that come from an errno carry data {"errno": 16, "name":
 *   "EBUSY", "message": "Device or resource busy"}.
 *
 * FLOW CONTROL (a slow or half-sent client never blocks the others)
 *
 *   Every socket is non-blocking; each connection has its own input buffer
 *   (up to max_line + 1 bytes, given back once empty) and output queue,
 *   and its write event is armed only while output is queued; its
 *   SO_SNDBUF is small (32 KiB), so that what a client has not read waits
 *   in that queue, where the limits below count it. A connection runs a
 *   bounded number of requests per loop iteration (a batch counts its
 *   entries), then the others get a turn.
 *
 * LIMITS (every resource a client can make the server hold is bounded;
 * the defaults are the RPC_DEFAULT_* below, the daemon's are in
 * netmapd.yaml(5) LIMITS)
 *
 *   Request line: max_line bytes (above).
 *   Batch: at most max_batch entries; a longer batch runs nothing and gets
 *   one -32600 error (id null, data {"limit", "entries"}).
 *   Reply: one response line (a whole batch's array) holds at most
 *   max_reply bytes of results. The entry whose reply would cross it (it
 *   ran; its result and descriptors are dropped) and every entry after it
 *   (not run) get -32004 errors with data {"limit"}; a single request's
 *   oversized result is replaced by that error too. Those error replies
 *   are bounded by the request line, not by max_reply.
 *   Backpressure: while a connection's queued output is at or above
 *   out_high, the server reads and runs none of its requests (they wait in
 *   the socket); it resumes below out_high / 2. So request processing
 *   cannot amplify: a connection's queue stays below out_high plus one
 *   line's reply.
 *   Output per connection: queued output never exceeds out_max. A
 *   connection whose queue would (a subscriber that does not read its
 *   notifications; a reader slower than its own requests) is dropped: a
 *   final -32004 error line (id null) is queued if it fits and flushed
 *   without waiting, a warning is logged, the connection closes
 *   (rpc_stats.dropped_slow). out_max is raised to at least out_high +
 *   max_reply + max_line + 256 * max_batch, so a client that reads its
 *   replies is never dropped.
 *   Output in total: all queues together never exceed out_total; when a
 *   line would cross it, the connections with the largest queues are
 *   dropped the same way until it fits (rpc_stats.dropped_total).
 *   Connections: at most max_clients, and max_clients_per_uid per peer
 *   uid (admins are not counted per uid). The last admin_reserve slots
 *   are kept for admins (rpc_policy_is_admin() at accept): anyone else is
 *   refused while fewer than admin_reserve slots are free. A refused connection gets one
 *   -32004 error line (id null) and is closed (rpc_stats.refused).
 *   Time: a connection that has bytes of an unfinished line buffered for
 *   line_timeout_ms (not counting time paused by backpressure), or whose
 *   queued output has not moved for write_timeout_ms, or (idle_timeout_ms,
 *   off by default) that has sent nothing, has nothing queued and is not a
 *   subscriber, is closed after a final -32004 error line if it fits
 *   (rpc_stats.timeouts). Deadlines are checked every tick_ms (a quarter
 *   of the shortest timeout, between 10 ms and 1 s).
 *
 * ACCESS
 *
 *   SO_PEERCRED (uid, gid, pid) and SO_PEERGROUPS (supplementary groups;
 *   getgrouplist() of the uid's user where the kernel lacks it) are taken
 *   once at accept() and given to handlers as struct rpc_peer. Each method
 *   has a required privilege; RPC_PRIV_ADMIN methods run only for peers
 *   that rpc_policy_is_admin() accepts (root, the configured admin users,
 *   members of the configured admin groups); others get -32001.
 *
 * LISTENING
 *
 *   rpc_server_listen_path() creates the socket: a stale socket at the path
 *   is removed only if it is a socket nobody listens on (a connect() test);
 *   it is bound under umask 0177 (so nobody else can connect before the mode
 *   is set), then chmod()ed to the configured mode and chown()ed to the
 *   configured group. rpc_server_listen_fd() takes an already listening
 *   socket (systemd socket activation). When accept() fails for lack of
 *   file descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM) the server stops
 *   accepting for accept_pause_ms instead of spinning.
 *
 * THREADS AND OWNERSHIP
 *
 *   Everything runs on the event loop's thread; nothing here is
 *   thread-safe (rpc_server_listen_path() also sets the process umask for
 *   the duration of its bind()). Handlers run synchronously; they may call
 *   rpc_server_notify(), but must not free the server. The one exception
 *   is the work() of a deferred call (below), which runs on a worker.
 *
 * DEFERRED CALLS (a slow system call of one client never holds the others)
 *
 *   A handler whose work blocks (a REGISTER that makes a region of 20 MiB)
 *   hands that part to a worker thread: it decodes and checks on the loop,
 *   then `return rpc_call_defer(call, &ops, arg);`. ops->work(arg) runs on
 *   a worker and may touch nothing but @arg (no server, no libevent, no
 *   daemon state); ops->done(call, arg) then runs on the loop as the rest
 *   of the handler (result, error, descriptors; 0 or -errno);
 *   ops->release(arg) runs last, always, also when the connection went
 *   away meanwhile (done() is then skipped): it frees @arg and whatever
 *   work() made that done() did not take (a descriptor).
 *   While one of its calls is deferred a connection runs nothing else and
 *   is not read (responses keep request order; the timeouts of unfinished
 *   lines and idleness wait too); a batch goes on with its next entry once
 *   the deferred one is done, and its line is sent whole as always. Other
 *   connections are served meanwhile.
 *   Workers: at most RPC_WORKERS threads, started on demand. A peer that
 *   is not an admin has at most RPC_WORKERS_PER_UID jobs running per uid,
 *   and such jobs together never take the last RPC_WORKERS_ADMIN threads,
 *   so an admin's call finds a worker while users keep the others busy.
 *   Jobs wait in arrival order for a worker the rules allow.
 *   rpc_server_eval()'s calls run the work inline, as does a call whose
 *   job cannot get a thread (pthread_create() failed and none runs).
 *   rpc_server_free() waits for the work in progress, then releases every
 *   job.
 */
#ifndef NETMAPD_RPC_H
#define NETMAPD_RPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct event_base;
struct rpc_server;
struct rpc_call;

/* JSON-RPC 2.0 standard errors. */
#define RPC_ERR_PARSE -32700            /* not JSON; id null */
#define RPC_ERR_INVALID_REQUEST -32600  /* not a request object, or too large */
#define RPC_ERR_METHOD_NOT_FOUND -32601
#define RPC_ERR_INVALID_PARAMS -32602   /* data.field names the field */
#define RPC_ERR_INTERNAL -32603         /* a bug or out of memory in the daemon */

/*
 * netmapd's application errors (JSON-RPC reserves -32000..-32099 for the
 * implementation). A handler returning a negative errno without choosing a
 * code gets the code of rpc_errno_to_code(), shown next to each.
 */
#define RPC_ERR_PERMISSION -32001  /* permission denied: EPERM EACCES */
#define RPC_ERR_NOT_FOUND -32002   /* no such object: ENOENT ENODEV ENXIO ESRCH */
#define RPC_ERR_BUSY -32003        /* in use, try later: EBUSY EAGAIN EINPROGRESS */
#define RPC_ERR_CAPACITY -32004    /* out of room: ENOSPC ENOMEM ENOBUFS EMFILE ENFILE E2BIG */
#define RPC_ERR_KERNEL -32005      /* any other errno from the kernel / a system call */
#define RPC_ERR_STATE -32006       /* invalid state: EEXIST EALREADY ESTALE */
#define RPC_ERR_UNSUPPORTED -32007 /* not supported: EOPNOTSUPP ENOSYS */
#define RPC_ERR_CONFIG -32008      /* a configuration was refused; data lists why */

/* A handler's -EINVAL without a chosen code is RPC_ERR_INVALID_PARAMS. */

#define RPC_DEFAULT_MAX_LINE (64u * 1024)
#define RPC_DEFAULT_MAX_BATCH 32u
#define RPC_DEFAULT_MAX_REPLY (1024u * 1024)
#define RPC_DEFAULT_OUT_HIGH (64u * 1024)
#define RPC_DEFAULT_OUT_MAX (2u * 1024 * 1024)
#define RPC_DEFAULT_OUT_TOTAL (64u * 1024 * 1024)
#define RPC_DEFAULT_MAX_CLIENTS 1024u
#define RPC_DEFAULT_MAX_CLIENTS_PER_UID 64u
#define RPC_DEFAULT_ADMIN_RESERVE 16u
#define RPC_DEFAULT_LINE_TIMEOUT_MS 10000u
#define RPC_DEFAULT_WRITE_TIMEOUT_MS 30000u
#define RPC_DEFAULT_ACCEPT_PAUSE_MS 1000u
/* Descriptors on one response line (a batch counts as one line). */
#define RPC_MAX_FDS 16

/* Who is on the other end of a connection, as the kernel told at accept(). */
struct rpc_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;          /* 0 if the peer is in another pid namespace */
	gid_t *groups;      /* supplementary groups */
	size_t n_groups;
	bool groups_known;  /* false: neither SO_PEERGROUPS nor the user database told */
};

enum rpc_priv {
	RPC_PRIV_PUBLIC, /* anyone who can connect: read-only methods */
	RPC_PRIV_ADMIN,  /* rpc_policy_is_admin(): methods that change things */
};

/*
 * Who is an admin. Ids, not names: the daemon resolves the names of its
 * configuration when it loads it (and again on reload), so a request never
 * waits on the user database.
 */
struct rpc_policy {
	bool root_is_admin;      /* uid 0 is an admin; the daemon always sets it */
	const uid_t *admin_uids;
	size_t n_admin_uids;
	const gid_t *admin_gids; /* primary or supplementary group of the peer */
	size_t n_admin_gids;
};

/* Pure function of the credentials and the configured sets. */
bool rpc_policy_is_admin(const struct rpc_policy *p, const struct rpc_peer *peer);

/*
 * A method handler. @params is the request's params object (an empty
 * object when it had none; borrowed). Return 0 on success, with the result
 * set by rpc_call_set_result() (else the result is null); or a negative
 * errno, after rpc_call_error()/rpc_params() chose the error, or leaving it
 * to rpc_errno_to_code(). A call whose handler chose an error fails even if
 * it returns 0. On error, the result and attached descriptors are dropped.
 */
typedef int (*rpc_handler_fn)(struct rpc_call *call, json_t *params);

/* One entry of the method table: all methods of the daemon in one table. */
struct rpc_method {
	const char *name;      /* "port.open" */
	rpc_handler_fn handler;
	enum rpc_priv priv;
};

/* Log sink: @priority as syslog's (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG). */
typedef void (*rpc_log_fn)(void *userdata, int priority, const char *msg);

/*
 * Zero fields take the defaults above (idle_timeout_ms: zero is off). See
 * LIMITS above for what each does and the relations enforced.
 */
struct rpc_options {
	size_t max_line;          /* bytes per request line, "\n" not counted */
	unsigned max_batch;       /* entries per batch */
	size_t max_reply;         /* bytes of results on one response line */
	size_t out_high;          /* stop reading a client above this much queued output */
	size_t out_max;           /* drop a client whose queue would exceed this */
	size_t out_total;         /* queued output of all clients together */
	unsigned max_clients;     /* more are refused with RPC_ERR_CAPACITY and closed */
	unsigned max_clients_per_uid; /* the same per peer uid (not for admins),
				       * so one user cannot take every slot */
	unsigned admin_reserve;   /* slots only admins may take */
	unsigned line_timeout_ms; /* an unfinished line must end within this */
	unsigned write_timeout_ms; /* queued output must move within this */
	unsigned idle_timeout_ms; /* 0: off; else close silent idle non-subscribers */
	unsigned accept_pause_ms; /* how long accepting stops after EMFILE and kin */
	rpc_log_fn log;           /* NULL: "netmapd: rpc: ..." on stderr, up to LOG_INFO */
	void *log_userdata;
};

/* Counters, for the daemon's stats method and the tests. */
struct rpc_stats {
	uint64_t accepted;       /* connections accepted */
	uint64_t refused;        /* connections refused: max_clients, max_clients_per_uid */
	uint64_t requests;       /* request objects handled (batch entries count one each) */
	uint64_t errors;         /* error responses sent */
	uint64_t notifications;  /* notification lines queued to subscribers */
	uint64_t dropped_slow;   /* connections dropped over out_max */
	uint64_t dropped_total;  /* connections dropped over out_total */
	uint64_t oversize;       /* connections closed for a line over max_line */
	uint64_t big_batches;    /* batches refused over max_batch */
	uint64_t replies_cut;    /* entries answered -32004 over max_reply */
	uint64_t timeouts;       /* connections closed by a timeout */
	uint64_t accept_pauses;  /* times accepting stopped for lack of fds */
	uint64_t fds_sent;       /* descriptors sent with SCM_RIGHTS */
	uint64_t throttled;      /* times a client's reading paused over out_high */
	unsigned clients;        /* connections now */
	unsigned subscribers;    /* of which subscribed to events */
	uint64_t out_queued;     /* bytes of output queued now, all connections */
};

/*
 * Create a server on @base with the method table @methods (not copied: it
 * must outlive the server; names must be unique). @opts may be NULL.
 * @userdata is returned by rpc_call_userdata(). The policy starts as
 * "root is admin, nobody else". 0 or -ENOMEM/-EINVAL.
 */
int rpc_server_new(struct event_base *base, const struct rpc_method *methods,
		   size_t n_methods, const struct rpc_options *opts,
		   void *userdata, struct rpc_server **ret);

/*
 * Close every connection (queued output is lost) and listener, unlink the
 * socket files this server created if they are still the ones it created,
 * and free. NULL is ignored.
 */
void rpc_server_free(struct rpc_server *s);

/*
 * Replace the limits: every field of @opts but log and log_userdata (zero
 * fields take the defaults, as in rpc_server_new()). Connections already
 * open keep theirs and are judged by the new limits from now on. The
 * limits in force (after defaults and relations) go to @in_force (may be
 * NULL).
 */
void rpc_server_set_limits(struct rpc_server *s, const struct rpc_options *opts,
			   struct rpc_options *in_force);

/* Replace the admin policy (copied). 0 or -ENOMEM. */
int rpc_server_set_policy(struct rpc_server *s, const struct rpc_policy *p);

/*
 * Create, bind and listen on a unix socket at @path (see LISTENING above).
 * @mode: the permission bits to set (e.g. 0660). @gid: group to chown the
 * socket to, or (gid_t)-1 to leave it; when not running as root and chown
 * is refused, this is logged and ignored. Errors: -EEXIST if @path exists
 * and is not a socket, -EADDRINUSE if someone listens there,
 * -ENAMETOOLONG, or the errno of a failed step.
 */
int rpc_server_listen_path(struct rpc_server *s, const char *path,
			   mode_t mode, gid_t gid);

/*
 * Serve on @fd, an AF_UNIX SOCK_STREAM socket already listening (e.g.
 * from systemd). The server takes @fd in every case (closed on error).
 * -ENOTSOCK, -EINVAL (not a listening unix stream socket), or an errno.
 */
int rpc_server_listen_fd(struct rpc_server *s, int fd);

/*
 * Send a notification {"jsonrpc":"2.0","method":@method,"params":@params}
 * to every subscribed connection. @params is borrowed (NULL: no params).
 * A subscriber that would exceed out_max (or out_total) is dropped. Returns the number of
 * subscribers it was queued for, or a negative errno.
 */
int rpc_server_notify(struct rpc_server *s, const char *method, json_t *params);

void rpc_server_get_stats(const struct rpc_server *s, struct rpc_stats *st);

/* -- For handlers ------------------------------------------------------- */

const struct rpc_peer *rpc_call_peer(const struct rpc_call *call);
void *rpc_call_userdata(const struct rpc_call *call);
struct rpc_server *rpc_call_server(const struct rpc_call *call);
const char *rpc_call_method(const struct rpc_call *call);
/* rpc_policy_is_admin() for this call's peer, for object-level rules. */
bool rpc_call_is_admin(const struct rpc_call *call);

/* Deferred calls: see DEFERRED CALLS above. */
#define RPC_WORKERS 8u
#define RPC_WORKERS_PER_UID 2u
#define RPC_WORKERS_ADMIN 2u
/* What a handler returns after rpc_call_defer() queued its job. */
#define RPC_DEFERRED 1

struct rpc_job_ops {
	void (*work)(void *arg);                   /* a worker thread: @arg only */
	int (*done)(struct rpc_call *call, void *arg); /* the loop: the handler's rest */
	void (*release)(void *arg);                /* the loop, always, last */
};

/*
 * Run @ops's work for @call on a worker; returns RPC_DEFERRED, for the
 * handler to return at once. Inline (see above) it runs work, done and
 * release now and returns what done returned. @ops must outlive the call.
 */
int rpc_call_defer(struct rpc_call *call, const struct rpc_job_ops *ops, void *arg);
/* The same job run now, on the loop (what done() returned): for a caller
 * whose work cannot run on a worker. */
int rpc_call_run(struct rpc_call *call, const struct rpc_job_ops *ops, void *arg);

/* Set the result (reference stolen; replaces an earlier one). */
void rpc_call_set_result(struct rpc_call *call, json_t *result);

/*
 * Choose the error the call fails with: @code (RPC_ERR_*), a message, and
 * @data (reference stolen, may be NULL). Returns a negative errno that
 * matches @code, so a handler can `return rpc_call_error(...)`.
 */
int rpc_call_error(struct rpc_call *call, int code, json_t *data,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Fail with the code of rpc_errno_to_code(@err) (a negative errno), the
 * message "@fmt...: strerror" and data {errno, name, message}. Returns @err.
 *   return rpc_call_errno(call, r, "Failed to open %s", name);
 */
int rpc_call_errno(struct rpc_call *call, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Handler parameters are decoded with a table, one entry per field:
 *
 *   struct open_params { const char *name; json_int_t ring; bool excl; };
 *   static const struct rpc_param open_table[] = {
 *           RPC_PARAM_FIELD("name", RPC_PARAM_STRING, RPC_PARAM_REQUIRED,
 *                           struct open_params, name, NULL),
 *           RPC_PARAM_FIELD("ring", RPC_PARAM_INTEGER, 0, struct open_params, ring,
 *                           check_ring),
 *           RPC_PARAM_FIELD("exclusive", RPC_PARAM_BOOLEAN, 0, struct open_params,
 *                           excl, NULL),
 *           {}
 *   };
 *   struct open_params p = { .ring = -1 };
 *   r = rpc_params(call, params, open_table, &p);
 *
 * A field the request lacks leaves its destination as it was (the
 * default). Errors are -32602 with data.field holding the field's path
 * ("ring.slots" inside a nested object): "Invalid params: missing field
 * \"name\"", "Invalid params: field \"ring\": expected integer, got
 * string", "Invalid params: unknown field colour" (every member no entry
 * names is refused; "unknown fields a, b in ring" inside a nested object).
 * Entries are checked in table order, then the unknown members.
 */
enum rpc_param_type {
	RPC_PARAM_STRING,  /* const char * (borrowed from the request) */
	RPC_PARAM_INTEGER, /* json_int_t; check the range with a check function */
	RPC_PARAM_NUMBER,  /* double: an integer or a real */
	RPC_PARAM_BOOLEAN, /* bool */
	RPC_PARAM_OBJECT,  /* json_t * (borrowed), or the entries of .fields */
	RPC_PARAM_ARRAY,   /* json_t * (borrowed) */
	RPC_PARAM_ANY,     /* json_t * (borrowed), of any type */
};

#define RPC_PARAM_REQUIRED 0x1u /* missing: an error (else the default stays) */

struct rpc_param;

/*
 * Called for a field present and of the entry's type, with its @path for
 * errors and @at = dest + offset. It converts and stores the value itself
 * (nothing else does), or fails with rpc_param_error(). 0 or -errno.
 */
typedef int (*rpc_param_check_fn)(struct rpc_call *call, const char *path, json_t *v,
				  void *at);

struct rpc_param {
	const char *name;          /* NULL ends the table */
	enum rpc_param_type type;
	unsigned flags;            /* RPC_PARAM_REQUIRED */
	size_t offset;             /* where the value goes in @dest */
	rpc_param_check_fn check;  /* NULL: store the value by its type */
	const struct rpc_param *fields; /* RPC_PARAM_OBJECT: decode its members with
					 * this table (offsets into the same @dest) */
};

/* An entry for the member @m of the struct type @st. */
#define RPC_PARAM_FIELD(n, t, fl, st, m, fn)                                            \
	{ .name = (n), .type = (t), .flags = (fl), .offset = offsetof(st, m), .check = (fn) }

/*
 * Decode @params (an object) with @table into @dest. @table NULL: no
 * parameters are accepted. 0, or -EINVAL (or the error of a check) with
 * the call's error chosen.
 */
int rpc_params(struct rpc_call *call, json_t *params, const struct rpc_param *table,
	       void *dest);

/*
 * Fail with -32602 "Invalid params: field \"@path\": <message>" and
 * data.field = @path. Returns -EINVAL. For check functions and handlers.
 */
int rpc_param_error(struct rpc_call *call, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Attach @fd, announced as @name in result.fds (see the wire contract).
 * The server owns @fd from now on in every case: it closes it after
 * sending it, or when the call fails, or here on error (-E2BIG over
 * RPC_MAX_FDS on the line, -ENOMEM). The result, if set, must be an
 * object without an "fds" member (RPC_ERR_INTERNAL otherwise).
 */
int rpc_call_attach_fd(struct rpc_call *call, const char *name, int fd);

/*
 * Ready-made handlers for the table: "events.subscribe" marks the caller's
 * connection as a subscriber of rpc_server_notify() (result
 * {"subscribed": true}); "events.unsubscribe" undoes it. No params.
 */
int rpc_method_events_subscribe(struct rpc_call *call, json_t *params);
int rpc_method_events_unsubscribe(struct rpc_call *call, json_t *params);

/* -- Codes ---------------------------------------------------------------- */

/* The RPC_ERR_* code for a negative (or positive) errno. */
int rpc_errno_to_code(int err);
/* The generic message of a code ("Permission denied", "Parse error", ...). */
const char *rpc_code_message(int code);

/* -- Without a socket (tests, fuzzing) ---------------------------------- */

/*
 * Handle one request line (without its "\n") as if @peer had sent it on a
 * connection of its own, and return the response line (without "\n",
 * malloc()ed) in *response, or NULL when there is none (notifications).
 * Descriptors the handlers attached are closed; their count is returned
 * (>= 0), or a negative errno (-ENOMEM).
 */
int rpc_server_eval(struct rpc_server *s, const struct rpc_peer *peer,
		    const char *line, size_t len, char **response);

#endif /* NETMAPD_RPC_H */
