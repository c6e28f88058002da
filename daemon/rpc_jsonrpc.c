// SPDX-License-Identifier: BSD-2-Clause
/*
 * rpc_jsonrpc - JSON-RPC 2.0 messages: error codes, responses, the calls
 * handlers see, and the requests and batches of one line, run within
 * max_batch and max_reply.
 */
#define _GNU_SOURCE
#include "rpc_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

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
json_t *rpc_json_text(const char *s)
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
	    json_object_set_new(d, "name", rpc_json_text(name ? name : "")) < 0 ||
	    json_object_set_new(d, "message", rpc_json_text(strerror(err))) < 0) {
		json_decref(d);
		return NULL;
	}
	return d;
}

/* {"jsonrpc":"2.0","error":{code,message,data?},"id":id}; @data stolen. */
json_t *rpc_make_error(struct rpc_server *s, json_t *id, int code,
			  const char *message, json_t *data)
{
	json_t *err = json_object(), *resp = json_object();

	s->st.errors++;
	if (!err || !resp ||
	    json_object_set_new(err, "code", json_integer(code)) < 0 ||
	    json_object_set_new(err, "message", rpc_json_text(message)) < 0 ||
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
	return rpc_make_error(s, id, code, buf, data);
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
	return rpc_server_is_admin(call->s, &call->c->peer);
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
	n = rpc_json_text(name);
	if (!call->fd_names || !n || json_array_append_new(call->fd_names, n) < 0) {
		close(fd);
		return -ENOMEM;
	}
	call->lf->fds[call->lf->n++] = fd;
	return 0;
}


int rpc_method_events_subscribe(struct rpc_call *call, json_t *params)
{
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	rpc_conn_set_subscriber(call->c, true);
	rpc_call_set_result(call, json_pack("{s:b}", "subscribed", 1));
	return 0;
}

int rpc_method_events_unsubscribe(struct rpc_call *call, json_t *params)
{
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	rpc_conn_set_subscriber(call->c, false);
	rpc_call_set_result(call, json_pack("{s:b}", "subscribed", 0));
	return 0;
}

/* -- Dispatch ------------------------------------------------------------- */

/*
 * One line's requests while they run: a request, or a batch whose entries
 * run one after the other. Owned by rpc_handle_line() until an entry is
 * deferred, then by the connection (c->pending) and the entry's job.
 */
struct line_run {
	json_t *req;        /* the parsed line (owned) */
	json_t *resp;       /* the response; a batch's array so far (owned) */
	size_t k;           /* the entry running (0 for a single request) */
	size_t used;        /* bytes of replies spent against max_reply */
	size_t first;       /* lf.n before the entry running */
	bool batch, full;   /* full: max_reply reached, the rest is not run */
	struct line_fds lf; /* the descriptors of the line's results */
};

static const struct rpc_method *find_method(const struct rpc_server *s,
					    const char *name)
{
	for (size_t i = 0; i < s->n_methods; i++)
		if (streq(s->methods[i].name, name))
			return &s->methods[i];
	return NULL;
}

/* Close the descriptors of @lf from @first on (a dropped result's). */
static void lf_truncate(struct line_fds *lf, size_t first)
{
	for (size_t i = first; i < lf->n; i++)
		close(lf->fds[i]);
	lf->n = first;
}

/* Free what @call holds (not its descriptors, which are its line's). */
static void call_release(struct rpc_call *call)
{
	json_decref(call->result);
	json_decref(call->data);
	json_decref(call->fd_names);
	free(call->message);
}

/*
 * The response of a call whose handler (or job) returned @r, NULL for a
 * notification; frees what the call holds, not the call itself.
 */
static json_t *call_finish(struct rpc_call *call, int r, json_t *id, bool has_id)
{
	struct rpc_server *s = call->s;
	json_t *resp = NULL;

	if (r >= 0 && !call->failed && call->fd_names) {
		if (!call->result)
			call->result = json_object();
		if (!json_is_object(call->result) ||
		    json_object_get(call->result, "fds") ||
		    json_object_set(call->result, "fds", call->fd_names) < 0) {
			rpc_log(s, LOG_ERR, "BUG: %s attached descriptors to a result that cannot announce them", call->m->name);
			rpc_call_error(call, RPC_ERR_INTERNAL, NULL,
				       "Internal error: cannot announce descriptors");
		}
	}
	if (r < 0 && !call->failed) {
		call->code = rpc_errno_to_code(r);
		call->failed = true;
		call->data = errno_data(r);
		call->message = strdup(call->code == RPC_ERR_INVALID_PARAMS ?
				       rpc_code_message(call->code) : strerror(-r));
	}

	if (call->failed || !has_id)
		lf_truncate(call->lf, call->fd_first);
	if (has_id) {
		if (call->failed)
			resp = rpc_make_error(s, id, call->code,
					      call->message ? call->message : rpc_code_message(call->code),
					      TAKE_PTR(call->data));
		else
			resp = make_result(id, call->result);
		if (!resp) {
			lf_truncate(call->lf, call->fd_first);
			resp = rpc_make_error(s, id, RPC_ERR_INTERNAL, "Internal error: out of memory", NULL);
		}
	}
	call_release(call);
	return resp;
}

int rpc_call_run(struct rpc_call *call, const struct rpc_job_ops *ops, void *arg)
{
	int r;

	ops->work(arg);
	r = ops->done(call, arg);
	ops->release(arg);
	return r;
}

int rpc_call_defer(struct rpc_call *call, const struct rpc_job_ops *ops, void *arg)
{
	/* rpc_server_eval()'s calls have no connection to wait on. */
	if (call->c->fd < 0 || call->job_ops)
		return rpc_call_run(call, ops, arg);
	call->job_ops = ops;
	call->job_arg = arg;
	return RPC_DEFERRED;
}

/*
 * Move @call off the handler's stack into a job for a worker, and hold
 * its connection until the job is finished; false if it must run inline.
 */
static bool call_defer(struct rpc_call *call, json_t *id, bool has_id, struct line_run *run)
{
	struct rpc_job *j = calloc(1, sizeof(*j));
	struct rpc_call *copy = malloc(sizeof(*copy));

	if (!j || !copy)
		goto fail;
	*copy = *call;
	*j = (struct rpc_job){
		.c = call->c, .call = copy, .run = run, .id = id, .has_id = has_id,
		.ops = call->job_ops, .arg = call->job_arg,
		.uid = call->c->peer.uid, .admin = rpc_call_is_admin(call),
	};
	if (rpc_workers_submit(call->s, j) < 0)
		goto fail;
	call->c->busy++;
	call->c->pending = run;
	return true;
fail:
	free(j);
	free(copy);
	return false;
}

/*
 * Run the handler of @m; returns the response (NULL for a notification,
 * or when the call was deferred: *deferred then says so).
 */
static json_t *run_call(struct rpc_server *s, struct rpc_conn *c,
			const struct rpc_method *m, json_t *id, bool has_id,
			json_t *params, struct line_run *run, bool *deferred)
{
	_cleanup_json_ json_t *empty = NULL;
	struct rpc_call call = {
		.s = s, .c = c, .m = m, .lf = &run->lf, .fd_first = run->lf.n,
	};
	int r;

	if (!params) {
		params = empty = json_object();
		if (!params)
			return has_id ? rpc_make_error(s, id, RPC_ERR_INTERNAL, "Internal error: out of memory", NULL) : NULL;
	}

	r = m->handler(&call, params);

	if (call.job_ops) {
		if (r == RPC_DEFERRED && call_defer(&call, id, has_id, run)) {
			*deferred = true;
			return NULL;
		}
		if (r == RPC_DEFERRED) {
			r = rpc_call_run(&call, call.job_ops, call.job_arg);
		} else {
			rpc_log(s, LOG_ERR, "BUG: %s deferred its call, then returned %d", m->name, r);
			call.job_ops->release(call.job_arg);
		}
	}
	return call_finish(&call, r, id, has_id);
}

static bool id_valid(const json_t *id)
{
	return json_is_string(id) || json_is_number(id) || json_is_null(id);
}

/*
 * Whether @req is a request object with "jsonrpc": "2.0", a string
 * "method", an object or array "params", a valid "id", and no other
 * member; if not, why (after "Invalid request: ").
 */
static bool envelope_ok(json_t *req, char *why, size_t size)
{
	const char *key;
	json_t *v;

	if (!json_is_object(req)) {
		why_set(why, size, "expected a request object");
		return false;
	}
	v = json_object_get(req, "id");
	if (v && !id_valid(v)) {
		why_set(why, size, "\"id\" must be a string, a number or null");
		return false;
	}
	json_object_foreach(req, key, v) {
		if (!streq(key, "jsonrpc") && !streq(key, "method") &&
		    !streq(key, "params") && !streq(key, "id")) {
			why_set(why, size, "unknown member \"%.64s\"", key);
			return false;
		}
	}
	v = json_object_get(req, "jsonrpc");
	if (!json_is_string(v) || !streq(json_string_value(v), "2.0"))
		why_set(why, size, "\"jsonrpc\" must be \"2.0\"");
	else if (!json_is_string(json_object_get(req, "method")))
		why_set(why, size, "\"method\" must be a string");
	else if ((v = json_object_get(req, "params")) && !json_is_object(v) && !json_is_array(v))
		why_set(why, size, "\"params\" must be an object");
	else
		return true;
	return false;
}

/*
 * One request object (or batch entry): its response, or NULL for none or
 * when it was deferred (*deferred then says so).
 */
static json_t *dispatch_request(struct rpc_server *s, struct rpc_conn *c,
				json_t *req, struct line_run *run, bool *deferred)
{
	json_t *id = json_object_get(req, "id"), *params;
	const struct rpc_method *m;
	const char *method;
	bool has_id = id != NULL;
	char why[128];

	s->st.requests++;
	if (!envelope_ok(req, why, sizeof(why)))
		return make_errorf(s, id && id_valid(id) ? id : NULL, RPC_ERR_INVALID_REQUEST, NULL,
				   "Invalid request: %s", why);
	method = json_string_value(json_object_get(req, "method"));
	params = json_object_get(req, "params");

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
			return rpc_make_error(s, id, RPC_ERR_INVALID_PARAMS,
					  "Invalid params: parameters are passed by name (an object), not by position", NULL);
		}
		params = NULL;
	}
	if (m->priv == RPC_PRIV_ADMIN && !rpc_server_is_admin(s, &c->peer)) {
		rpc_log(s, LOG_DEBUG, "client %u (uid %u pid %d): %s refused: not an admin",
			c->id, (unsigned)c->peer.uid, (int)c->peer.pid, m->name);
		if (!has_id)
			return NULL;
		return make_errorf(s, id, RPC_ERR_PERMISSION,
				   json_pack("{s:s, s:s}", "method", m->name, "required", "admin"),
				   "Permission denied: %s needs an admin (root or a member of the admin groups)",
				   m->name);
	}
	return run_call(s, c, m, id, has_id, params, run, deferred);
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

static json_t *line_entry(const struct line_run *run)
{
	return run->batch ? json_array_get(run->req, run->k) : run->req;
}

/*
 * @r, the response of the entry running (NULL: none), within max_reply: a
 * reply over it becomes its -32004 error, and a batch runs nothing more.
 */
static json_t *line_fit(struct rpc_server *s, struct line_run *run, json_t *r)
{
	if (r && !reply_fits(s, r, &run->used)) {
		lf_truncate(&run->lf, run->first);
		json_decref(r);
		r = cut_error(s, line_entry(run), true);
		run->full = true;
	}
	return r;
}

/* Keep @r, the response of the entry running; then on to the next entry. */
static void line_append(struct line_run *run, json_t *r)
{
	run->k++;
	if (!run->batch) {
		run->resp = r;
	} else if (r && (!run->resp || json_array_append_new(run->resp, r) < 0)) {
		/* json_array_append_new() took @r even when it failed. */
		json_decref(run->resp);
		run->resp = NULL;
	}
}

/*
 * Run the line's entries from run->k on. false if one was deferred: the
 * line then waits for its job (rpc_job_finish()).
 */
static bool line_step(struct rpc_conn *c, struct line_run *run)
{
	size_t n = run->batch ? json_array_size(run->req) : 1;
	bool deferred = false;
	json_t *r;

	while (run->k < n) {
		if (c->state == CONN_DEAD || (run->batch && !run->resp))
			break;
		run->first = run->lf.n;
		if (run->full) {
			line_append(run, cut_error(c->s, line_entry(run), false));
			continue;
		}
		r = dispatch_request(c->s, c, line_entry(run), run, &deferred);
		if (deferred)
			return false;
		line_append(run, line_fit(c->s, run, r));
	}
	return true;
}

static void line_free(struct line_run *run)
{
	lf_truncate(&run->lf, 0);
	json_decref(run->resp);
	json_decref(run->req);
	free(run);
}

/* The line ran: queue its response line, if any, and free it. */
static void line_end(struct rpc_conn *c, struct line_run *run)
{
	if (run->batch && !run->resp) {
		run->resp = rpc_make_error(c->s, NULL, RPC_ERR_INTERNAL, "Internal error: out of memory", NULL);
	} else if (run->batch && json_array_size(run->resp) == 0) {
		/* Only notifications: no line at all. */
		json_decref(run->resp);
		run->resp = NULL;
	}
	if (run->resp && c->state != CONN_DEAD)
		rpc_conn_queue(c, run->resp, &run->lf);
	line_free(run);
}

/*
 * A batch's checks before any entry runs: an error response for the
 * whole line, or NULL.
 */
static json_t *batch_refused(struct rpc_conn *c, size_t n)
{
	struct rpc_server *s = c->s;

	if (n == 0)
		return rpc_make_error(s, NULL, RPC_ERR_INVALID_REQUEST,
				  "Invalid request: empty batch", NULL);
	if (n <= s->o.max_batch)
		return NULL;
	s->st.big_batches++;
	rpc_log(s, LOG_INFO, "client %u (uid %u pid %d): batch of %zu entries refused",
		c->id, (unsigned)c->peer.uid, (int)c->peer.pid, n);
	return make_errorf(s, NULL, RPC_ERR_INVALID_REQUEST,
			   json_pack("{s:I, s:I}", "limit", (json_int_t)s->o.max_batch,
				     "entries", (json_int_t)n),
			   "Invalid request: a batch of %zu entries, the limit is %u "
			   "(limits.max_batch); nothing was run", n, s->o.max_batch);
}

/*
 * Parse @run's line and run it. Returns the number of requests it held
 * (a batch's entries; at least 1).
 */
static unsigned line_start(struct rpc_conn *c, struct line_run *run, const char *line, size_t len)
{
	struct rpc_server *s = c->s;
	json_error_t e;
	size_t n;

	run->req = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	if (!run->req) {
		run->resp = rpc_make_error(s, NULL, RPC_ERR_PARSE, "Parse error",
					   json_pack("{s:o, s:i}", "detail", rpc_json_text(e.text),
						     "column", e.column));
		line_end(c, run);
		return 1;
	}
	if (json_is_array(run->req)) {
		n = json_array_size(run->req);
		run->resp = batch_refused(c, n);
		if (run->resp) {
			line_end(c, run);
			return 1;
		}
		run->batch = true;
		run->used = 2; /* "[" and "]" */
		run->resp = json_array();
	} else {
		n = 1;
	}
	if (line_step(c, run))
		line_end(c, run);
	return n > 1 ? (unsigned)n : 1;
}

/*
 * Parse and run one line; queue its response line, if any (or leave the
 * line to its deferred call). Returns the number of requests it held.
 */
unsigned rpc_handle_line(struct rpc_conn *c, const char *line, size_t len)
{
	struct line_run *run;
	size_t i;

	for (i = 0; i < len; i++)
		if (!strchr(" \t\r", line[i]) || !line[i])
			break;
	if (i == len)
		return 1; /* blank line */
	run = calloc(1, sizeof(*run));
	if (!run) {
		_cleanup_json_ json_t *resp =
			rpc_make_error(c->s, NULL, RPC_ERR_INTERNAL, "Internal error: out of memory", NULL);
		struct line_fds none = { .n = 0 };

		if (resp && c->state != CONN_DEAD)
			rpc_conn_queue(c, resp, &none);
		return 1;
	}
	return line_start(c, run, line, len);
}

/* -- Deferred calls: their end ----------------------------------------------- */

void rpc_job_finish(struct rpc_job *j)
{
	struct rpc_conn *c = j->c;
	struct line_run *run = j->run;
	json_t *r;
	int ret;

	if (c->state == CONN_DEAD) {
		rpc_job_abandon(j);
		return;
	}
	c->pending = NULL;
	ret = j->ops->done(j->call, j->arg);
	j->ops->release(j->arg);
	r = call_finish(j->call, ret, j->id, j->has_id);
	free(j->call);
	free(j);
	line_append(run, line_fit(c->s, run, r));
	/* The line goes on; another entry may defer (c->pending again). */
	if (line_step(c, run)) {
		line_end(c, run);
		rpc_conn_undefer(c);
	}
	rpc_conn_put(c);
}

void rpc_job_abandon(struct rpc_job *j)
{
	struct rpc_conn *c = j->c;
	struct rpc_call *call = j->call;

	j->ops->release(j->arg);
	call_release(call);
	if (c->pending == j->run)
		c->pending = NULL;
	line_free(j->run);
	free(call);
	free(j);
	rpc_conn_put(c);
}
