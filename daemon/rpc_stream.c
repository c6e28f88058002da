// SPDX-License-Identifier: BSD-2-Clause
/*
 * rpc_stream - the wire under the JSON-RPC server: a connection's input
 * buffer (lines of at most max_line bytes), its output queue (an evbuffer
 * counted against the server's totals) and the fd marks that make the
 * descriptors of a line ride on the sendmsg() that sends its first byte.
 */
#define _GNU_SOURCE
#include "rpc_int.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

/* Compact JSON text of @j followed by "\n", malloc()ed; NULL on ENOMEM. */
char *rpc_dump_line(const json_t *j, size_t *len)
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


void rpc_marks_close(struct rpc_conn *c)
{
	struct fd_mark *m;

	while ((m = TAILQ_FIRST(&c->marks))) {
		TAILQ_REMOVE(&c->marks, m, link);
		for (size_t i = 0; i < m->n; i++)
			close(m->fds[i]);
		free(m);
	}
}


/* Append to the queue, keeping the server's total (rpc_out_room() first). */
int rpc_out_add(struct rpc_conn *c, const void *buf, size_t len)
{
	if (evbuffer_get_length(c->out) == 0)
		c->out_since = now_ms();
	if (evbuffer_add(c->out, buf, len) < 0)
		return -ENOMEM;
	if (conn_linked(c))
		c->s->st.out_queued += len;
	return 0;
}

void rpc_out_drain(struct rpc_conn *c, size_t len)
{
	evbuffer_drain(c->out, len);
	if (conn_linked(c))
		c->s->st.out_queued -= len;
	c->out_since = now_ms();
}


void rpc_conn_stop_reading(struct rpc_conn *c)
{
	if (c->rev)
		event_del(c->rev);
}

void rpc_conn_arm_write(struct rpc_conn *c)
{
	/* Adding a pending event again changes nothing. */
	if (c->fd >= 0 && evbuffer_get_length(c->out) > 0)
		event_add(c->wev, NULL);
}


/*
 * Queue one response line and its descriptors (taken from @lf, which is
 * emptied). On failure the connection is dropped: a line lost halfway
 * would break the stream.
 */
void rpc_conn_queue(struct rpc_conn *c, const json_t *resp,
		       struct line_fds *lf)
{
	_cleanup_free_ struct fd_mark *m = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (c->state == CONN_DEAD)
		goto err;
	buf = rpc_dump_line(resp, &len);
	if (!buf)
		goto err;
	if (!rpc_out_room(c, len))
		goto err; /* dropped */
	if (lf->n) {
		m = calloc(1, sizeof(*m));
		if (!m)
			goto err;
		m->off = c->out_sent + evbuffer_get_length(c->out);
		m->n = lf->n;
		memcpy(m->fds, lf->fds, lf->n * sizeof(int));
	}
	if (rpc_out_add(c, buf, len) < 0)
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
	if (c->state != CONN_DEAD) {
		rpc_log(c->s, LOG_ERR, "client %u: out of memory queueing a response, dropping it", c->id);
		rpc_conn_drop(c);
	}
}


/* Read once into ibuf. 0, or a negative errno when the connection broke. */
int rpc_conn_fill(struct rpc_conn *c)
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
		c->state = CONN_EOF;
		rpc_conn_stop_reading(c);
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return -errno;
}


/*
 * One sendmsg() of at most @limit queued bytes, with the descriptors of
 * @m (NULL: none) in its ancillary data. Bytes sent, or -errno.
 */
static ssize_t send_chunk(struct rpc_conn *c, const struct fd_mark *m, size_t limit)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * RPC_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct evbuffer_iovec v[IOV_MAX_SEND];
	struct iovec iov[IOV_MAX_SEND];
	struct msghdr mh = { .msg_iov = iov };
	size_t tot = 0;
	ssize_t w;
	int n;

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
	if (m) {
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
	return w < 0 ? -errno : w;
}

/* @m's descriptors went with its line's first byte: the kernel holds them now. */
static void mark_sent(struct rpc_conn *c, struct fd_mark *m)
{
	c->s->st.fds_sent += m->n;
	TAILQ_REMOVE(&c->marks, m, link);
	for (size_t i = 0; i < m->n; i++)
		close(m->fds[i]);
	free(m);
}

/*
 * Write what is queued, without blocking. A sendmsg() never crosses the
 * start of a line that carries descriptors, and such a line starts one,
 * with the descriptors attached.
 */
void rpc_conn_flush(struct rpc_conn *c)
{
	struct rpc_server *s = c->s;
	size_t len;

	if (c->state == CONN_DEAD || c->fd < 0)
		return;
	while ((len = evbuffer_get_length(c->out)) > 0) {
		struct fd_mark *m = TAILQ_FIRST(&c->marks), *stop;
		bool with_fds = m && m->off == c->out_sent;
		ssize_t w;

		stop = with_fds ? TAILQ_NEXT(m, link) : m;
		if (stop && stop->off - c->out_sent < len)
			len = (size_t)(stop->off - c->out_sent);
		w = send_chunk(c, with_fds ? m : NULL, len);
		if (w == -EINTR)
			continue;
		if (w == -EAGAIN || w == -EWOULDBLOCK)
			break;
		if (w < 0) {
			if (w != -EPIPE && w != -ECONNRESET)
				rpc_log_errno(s, LOG_WARNING, (int)w, "client %u: write failed, dropping it", c->id);
			rpc_conn_drop(c);
			return;
		}
		if (with_fds)
			mark_sent(c, m);
		rpc_out_drain(c, (size_t)w);
		c->out_sent += (uint64_t)w;
	}

	len = evbuffer_get_length(c->out);
	if (len)
		rpc_conn_arm_write(c);
	else
		event_del(c->wev);
	if (c->state == CONN_PAUSED && len <= s->o.out_high / 2)
		rpc_conn_resume(c);
	/* A deferred call's response is still to come. */
	if (c->state == CONN_CLOSING && !len && !c->pending)
		rpc_conn_drop(c);
}
