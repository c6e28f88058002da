// SPDX-License-Identifier: BSD-2-Clause
/*
 * rpc - netmapd's JSON-RPC 2.0 server (see rpc.h for the wire contract):
 * the connection lifecycle, the read loop, output limits, timeouts,
 * notifications. The layers below are listed in rpc_int.h.
 *
 * Shape. Raw libevent events, not bufferevents, because a response that
 * carries descriptors must start a sendmsg() of its own (SCM_RIGHTS rides
 * on the first byte of that sendmsg), which bufferevents cannot express:
 *
 *   listener fd --EV_READ--> accept_cb --> conn_new (rpc_listen.c:
 *       SO_PEERCRED, groups, slots)
 *   conn fd --EV_READ--> rpc_conn_read_cb: read once into ibuf
 *       (rpc_stream.c), then up to REQUESTS_PER_RUN requests (a batch
 *       counts its entries): rpc_handle_line -> dispatch_request ->
 *       handler (rpc_jsonrpc.c); each response is appended to conn->out
 *       (an evbuffer), with an fd_mark recording at which stream offset
 *       its descriptors go
 *   conn fd --EV_WRITE--> rpc_conn_flush (rpc_stream.c): sendmsg() up to
 *       the next fd_mark; armed only while conn->out is not empty
 *
 * Lifetime. A connection can be dropped while one of its callbacks runs
 * (a handler's rpc_server_notify() may drop it; a write may fail).
 * rpc_conn_drop() therefore unlinks it and releases its fd and events at once
 * but leaves the memory to the callback (busy), which frees it on the way
 * out (conn_release()).
 */
#define _GNU_SOURCE
#include "rpc_int.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <syslog.h>
#include <unistd.h>

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

void rpc_log(const struct rpc_server *s, int prio,
				   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rpc_vlog(s, prio, fmt, ap);
	va_end(ap);
}

/* Log "...: strerror(err)" and return @err (a negative errno). */
int rpc_log_errno(const struct rpc_server *s, int prio,
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
void rpc_limit_log(struct rpc_server *s, const char *fmt, ...)
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

void rpc_conn_set_subscriber(struct rpc_conn *c, bool on)
{
	if (c->subscriber == on)
		return;
	c->subscriber = on;
	if (conn_linked(c)) {
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
void rpc_conn_drop(struct rpc_conn *c)
{
	struct rpc_server *s = c->s;
	bool linked = conn_linked(c);

	if (c->state == CONN_DEAD)
		return;
	rpc_conn_set_subscriber(c, false);
	c->state = CONN_DEAD;
	if (c->out) {
		size_t q = evbuffer_get_length(c->out);

		evbuffer_drain(c->out, q);
		if (linked)
			s->st.out_queued -= q;
	}
	if (linked) {
		TAILQ_REMOVE(&s->conns, c, link);
		s->st.clients--;
	}
	if (c->rev)
		event_del(c->rev);
	if (c->wev)
		event_del(c->wev);
	if (c->more)
		event_del(c->more);
	rpc_marks_close(c);
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	if (!c->busy)
		conn_release(c);
}

/* Let go of a pointer taken with c->busy++; frees a dropped connection. */
void rpc_conn_put(struct rpc_conn *c)
{
	if (--c->busy == 0 && c->state == CONN_DEAD)
		conn_release(c);
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

	if (c->state == CONN_DEAD)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rpc_limit_log(s, "client %u (uid %u pid %d): %s", c->id, (unsigned)c->peer.uid,
		  (int)c->peer.pid, msg);
	c->busy++;
	resp = rpc_make_error(s, NULL, RPC_ERR_CAPACITY, msg, NULL);
	if (resp)
		buf = rpc_dump_line(resp, &len);
	if (buf && c->fd >= 0 && rpc_out_add(c, buf, len) == 0)
		rpc_conn_flush(c);
	rpc_conn_drop(c);
	rpc_conn_put(c);
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
bool rpc_out_room(struct rpc_conn *c, size_t len)
{
	struct rpc_server *s = c->s;
	size_t q = evbuffer_get_length(c->out);

	if (!conn_linked(c))
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


/* -- Connection I/O --------------------------------------------------------- */

static void conn_oversize(struct rpc_conn *c)
{
	struct rpc_server *s = c->s;
	_cleanup_json_ json_t *resp = NULL;
	struct line_fds lf = { .n = 0 };

	s->st.oversize++;
	rpc_log(s, LOG_WARNING, "client %u (uid %u pid %d): request over %zu bytes, closing",
		c->id, (unsigned)c->peer.uid, (int)c->peer.pid, s->o.max_line);
	resp = rpc_make_error(s, NULL, RPC_ERR_INVALID_REQUEST, "Request too large",
			  json_pack("{s:I}", "limit", (json_int_t)s->o.max_line));
	if (resp)
		rpc_conn_queue(c, resp, &lf);
	c->ipos = c->iend = c->scan = 0;
	c->state = CONN_CLOSING;
	rpc_conn_stop_reading(c);
}

/*
 * Run rpc_conn_read_cb() again on the next loop iteration. Not event_active():
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
	c->state = CONN_PAUSED;
	rpc_conn_stop_reading(c);
}

void rpc_conn_resume(struct rpc_conn *c)
{
	if (c->state != CONN_PAUSED)
		return;
	c->state = CONN_OPEN;
	c->line_since = 0; /* the clock of an unfinished line restarts */
	event_add(c->rev, NULL);
	/* Lines already buffered get no read event of their own. */
	if (c->iend > c->ipos)
		conn_later(c);
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

/*
 * Backpressure before a request: with out_high or more queued, flush; if
 * that is not enough, pause. Whether requests may run now.
 */
static bool conn_may_run(struct rpc_conn *c)
{
	if (evbuffer_get_length(c->out) < c->s->o.out_high)
		return true;
	rpc_conn_flush(c);
	if (c->state == CONN_DEAD)
		return false;
	if (evbuffer_get_length(c->out) >= c->s->o.out_high) {
		conn_pause(c);
		return false;
	}
	return true;
}

/*
 * After a run: an empty input buffer starts over (and a long line's
 * buffer is given back); an unfinished line starts its clock.
 */
static void conn_input_settle(struct rpc_conn *c)
{
	if (c->ipos == c->iend) {
		c->ipos = c->iend = c->scan = 0;
		c->line_since = 0;
		if (c->icap > IBUF_INITIAL) {
			free(c->ibuf);
			c->ibuf = NULL;
			c->icap = 0;
		}
	} else if (!c->line_since) {
		c->line_since = now_ms();
	}
}

/* Handle the complete lines in ibuf, up to REQUESTS_PER_RUN, then flush. */
static void conn_process(struct rpc_conn *c)
{
	struct rpc_server *s = c->s;
	unsigned budget = REQUESTS_PER_RUN, n;

	while ((c->state == CONN_OPEN || c->state == CONN_EOF) && !c->pending) {
		char *nl;
		size_t len;

		if (!conn_may_run(c))
			break;
		nl = c->iend > c->scan ? memchr(c->ibuf + c->scan, '\n', c->iend - c->scan) : NULL;
		if (!nl) {
			c->scan = c->iend;
			if (c->iend - c->ipos > s->o.max_line) {
				conn_oversize(c);
				break;
			}
			if (c->state == CONN_EOF) {
				/* The last request may lack its "\n". */
				if (c->iend > c->ipos)
					rpc_handle_line(c, c->ibuf + c->ipos, c->iend - c->ipos);
				c->ipos = c->iend = c->scan = 0;
				c->state = CONN_CLOSING;
			}
			break;
		}
		len = (size_t)(nl - (c->ibuf + c->ipos));
		if (len > s->o.max_line) {
			conn_oversize(c);
			break;
		}
		n = rpc_handle_line(c, c->ibuf + c->ipos, len);
		c->ipos = c->scan = (size_t)(nl - c->ibuf) + 1;
		c->line_since = 0;
		budget = n < budget ? budget - n : 0;
		if (budget == 0) {
			conn_set_heavy(c, true);
			/* More may be buffered: come back after the others. */
			if (c->state != CONN_DEAD && c->iend > c->ipos)
				conn_later(c);
			break;
		}
	}
	if (c->state == CONN_DEAD)
		return;
	/* Nothing is read while a call is deferred (rpc_conn_undefer()). */
	if (c->pending)
		rpc_conn_stop_reading(c);
	if (budget)
		conn_set_heavy(c, false);
	conn_input_settle(c);
	rpc_conn_flush(c);
}


void rpc_conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_conn *c = arg;
	int r;

	(void)fd;
	(void)what;
	c->busy++;
	if (c->state == CONN_OPEN && !c->pending) {
		r = rpc_conn_fill(c);
		if (r < 0) {
			if (r != -ECONNRESET)
				rpc_log_errno(c->s, LOG_WARNING, r, "client %u: read failed, dropping it", c->id);
			rpc_conn_drop(c);
		}
	}
	if (c->state != CONN_DEAD)
		conn_process(c);
	rpc_conn_put(c);
}

void rpc_conn_undefer(struct rpc_conn *c)
{
	if (c->state == CONN_DEAD)
		return;
	c->line_since = 0; /* the clock of an unfinished line restarts */
	c->in_last = now_ms();
	rpc_conn_flush(c);
	if (c->state == CONN_OPEN)
		event_add(c->rev, NULL);
	/* Lines already buffered get no read event; an EOF must be seen. */
	if ((c->state == CONN_OPEN && c->iend > c->ipos) || c->state == CONN_EOF)
		conn_later(c);
}

void rpc_conn_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rpc_conn *c = arg;

	(void)fd;
	(void)what;
	c->busy++;
	rpc_conn_flush(c);
	rpc_conn_put(c);
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
	} else if (c->line_since && c->state != CONN_PAUSED && c->state != CONN_CLOSING &&
		   !c->pending && now - c->line_since >= o->line_timeout_ms) {
		c->s->st.timeouts++;
		conn_close_notice(c, "Timeout: a request line left unfinished (%zu bytes) for "
				  "%u ms (limits.line_timeout); closing", c->iend - c->ipos,
				  o->line_timeout_ms);
	} else if (o->idle_timeout_ms && !q && !c->subscriber && c->iend == c->ipos &&
		   c->state != CONN_CLOSING && !c->pending && now - c->in_last >= o->idle_timeout_ms) {
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
	s->accept_timer = evtimer_new(base, rpc_accept_resume_cb, s);
	s->tick = event_new(base, -1, EV_PERSIST, tick_cb, s);
	s->tick_more = evtimer_new(base, tick_cb, s);
	if (!s->accept_timer || !s->tick || !s->tick_more || rpc_workers_new(s) < 0) {
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
	struct rpc_conn *c;

	if (!s)
		return;
	while ((c = TAILQ_FIRST(&s->conns)))
		rpc_conn_drop(c);
	/* Frees the connections that deferred calls still held. */
	rpc_workers_free(s);
	rpc_listeners_free(s);
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
	    json_object_set_new(n, "method", rpc_json_text(method)) < 0 ||
	    (params && json_object_set(n, "params", params) < 0))
		return -ENOMEM;
	buf = rpc_dump_line(n, &len);
	if (!buf)
		return -ENOMEM;

	/* rpc_out_room() may free any connection: hold the subscribers busy. */
	subs = calloc(s->st.subscribers + 1, sizeof(*subs));
	if (!subs)
		return -ENOMEM;
	TAILQ_FOREACH(c, &s->conns, link) {
		if (c->subscriber && c->state != CONN_CLOSING) {
			c->busy++;
			subs[nsubs++] = c;
		}
	}
	for (size_t i = 0; i < nsubs; i++) {
		c = subs[i];
		if (c->state == CONN_DEAD || !rpc_out_room(c, len))
			continue;
		if (rpc_out_add(c, buf, len) < 0) {
			rpc_conn_drop(c);
			continue;
		}
		s->st.notifications++;
		count++;
		rpc_conn_arm_write(c);
	}
	for (size_t i = 0; i < nsubs; i++)
		rpc_conn_put(subs[i]);
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
		.s = s, .fd = -1, .state = CONN_OPEN, .busy = 1, .peer = *peer,
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
		rpc_handle_line(&c, line, len);
	TAILQ_FOREACH(m, &c.marks, link)
		nfds += (int)m->n;
	rpc_marks_close(&c);

	n = evbuffer_get_length(c.out);
	if (c.state == CONN_DEAD) {
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
