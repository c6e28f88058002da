// SPDX-License-Identifier: BSD-2-Clause
/*
 * client - libnmd's connection to netmapd: JSON-RPC 2.0 lines on a unix
 * stream socket, descriptors by SCM_RIGHTS (see daemon/rpc.h, "wire
 * contract").
 *
 * Descriptors are kept in a FIFO as recvmsg() delivers them; each line that
 * announces N names in result.fds takes the N oldest. The daemon sends a
 * line's descriptors with the first byte of that line, so by the time a
 * whole line has been read its descriptors are in the FIFO, behind those of
 * the lines before it.
 *
 * Once a call fails in a way that leaves the stream out of step (timeout,
 * oversize line, garbage, EOF), the client is "broken": every later call
 * fails with the same error, since a response could otherwise be taken for
 * the answer of another request.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "libnmd.h"
#include "libnmd-internal.h"

/* Room for more descriptors than the daemon may send, to see MSG_CTRUNC rarely. */
#define RECV_FDS_ROOM (NMD_MAX_FDS * 4)

struct nmd_client {
	int fd;
	char *path;
	size_t max_line;
	int timeout_ms;		/* 0: forever */
	int broken;		/* 0, or the negative errno every call now fails with */
	char broken_msg[256];
	int64_t next_id;

	char *in;		/* received bytes not yet consumed */
	size_t in_len, in_cap;
	size_t scan;		/* in[0..scan) holds no '\n' */

	int *fdq;		/* FIFO of received descriptors */
	size_t fdq_head, fdq_len, fdq_cap;

	json_t *events;		/* queued notifications (array of objects) */
	json_t *last_event;	/* the one nmd_next_event() returned last */
};

void nmd_set_error(struct nmd_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

void nmd_error_clear(struct nmd_error *err)
{
	if (!err)
		return;
	json_decref(err->data);
	err->data = NULL;
	err->code = 0;
	err->message[0] = '\0';
}

const char *nmd_code_message(int code)
{
	switch (code) {
	case NMD_ERR_PARSE: return "Parse error";
	case NMD_ERR_INVALID_REQUEST: return "Invalid request";
	case NMD_ERR_METHOD_NOT_FOUND: return "Method not found";
	case NMD_ERR_INVALID_PARAMS: return "Invalid params";
	case NMD_ERR_INTERNAL: return "Internal error";
	case NMD_ERR_PERMISSION: return "Permission denied";
	case NMD_ERR_NOT_FOUND: return "Not found";
	case NMD_ERR_BUSY: return "Busy";
	case NMD_ERR_CAPACITY: return "Out of capacity";
	case NMD_ERR_KERNEL: return "Kernel error";
	case NMD_ERR_STATE: return "Invalid state";
	case NMD_ERR_UNSUPPORTED: return "Not supported";
	case NMD_ERR_CONFIG: return "Configuration refused";
	default: return "Unknown error";
	}
}

struct nmd_client *nmd_connect(const char *path, int *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct nmd_client *c;
	int r;

	if (!path)
		path = getenv(NMD_SOCKET_ENV);
	if (!path || !*path)
		path = NMD_DEFAULT_SOCKET;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		r = -ENAMETOOLONG;
		goto err;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);

	c = calloc(1, sizeof(*c));
	if (!c) {
		r = -ENOMEM;
		goto err;
	}
	c->fd = -1;
	c->max_line = NMD_DEFAULT_MAX_LINE;
	c->next_id = 1;
	c->path = strdup(path);
	c->events = json_array();
	if (!c->path || !c->events) {
		r = -ENOMEM;
		goto err_free;
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		r = -errno;
		goto err_free;
	}
	while (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		r = -errno;
		goto err_free;
	}
	if (err)
		*err = 0;
	return c;

err_free:
	nmd_disconnect(c);
err:
	if (err)
		*err = r;
	return NULL;
}

void nmd_disconnect(struct nmd_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	for (size_t i = 0; i < c->fdq_len; i++)
		close(c->fdq[(c->fdq_head + i) % c->fdq_cap]);
	free(c->fdq);
	free(c->in);
	free(c->path);
	json_decref(c->events);
	json_decref(c->last_event);
	free(c);
}

const char *nmd_client_path(const struct nmd_client *c)
{
	return c->path;
}

int nmd_client_fd(const struct nmd_client *c)
{
	return c->fd;
}

void nmd_client_set_max_line(struct nmd_client *c, size_t bytes)
{
	c->max_line = bytes ? bytes : NMD_DEFAULT_MAX_LINE;
}

void nmd_client_set_timeout(struct nmd_client *c, int ms)
{
	c->timeout_ms = ms > 0 ? ms : 0;
}

static int broken(struct nmd_client *c, int r, struct nmd_error *err,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Mark the stream unusable with @r and tell @err why. Returns @r. */
static int broken(struct nmd_client *c, int r, struct nmd_error *err,
		  const char *fmt, ...)
{
	va_list ap;

	c->broken = r;
	va_start(ap, fmt);
	vsnprintf(c->broken_msg, sizeof(c->broken_msg), fmt, ap);
	va_end(ap);
	nmd_set_error(err, 0, "%s", c->broken_msg);
	return r;
}

static int fdq_push(struct nmd_client *c, int fd)
{
	if (c->fdq_len == c->fdq_cap) {
		size_t ncap = c->fdq_cap ? c->fdq_cap * 2 : 16;
		int *n = malloc(ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (size_t i = 0; i < c->fdq_len; i++)
			n[i] = c->fdq[(c->fdq_head + i) % c->fdq_cap];
		free(c->fdq);
		c->fdq = n;
		c->fdq_cap = ncap;
		c->fdq_head = 0;
	}
	c->fdq[(c->fdq_head + c->fdq_len) % c->fdq_cap] = fd;
	c->fdq_len++;
	return 0;
}

static int fdq_pop(struct nmd_client *c)
{
	int fd = c->fdq[c->fdq_head];

	c->fdq_head = (c->fdq_head + 1) % c->fdq_cap;
	c->fdq_len--;
	return fd;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * One recvmsg(): append the bytes to the input buffer and the descriptors
 * to the FIFO. Returns the byte count, 0 at EOF, or a negative errno.
 */
static ssize_t receive(struct nmd_client *c)
{
	union {
		char buf[CMSG_SPACE(RECV_FDS_ROOM * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;
	int r = 0;

	if (c->in_cap - c->in_len < 4096) {
		size_t ncap = c->in_cap ? c->in_cap * 2 : 8192;
		char *p = realloc(c->in, ncap);

		if (!p)
			return -ENOMEM;
		c->in = p;
		c->in_cap = ncap;
	}
	iov.iov_base = c->in + c->in_len;
	iov.iov_len = c->in_cap - c->in_len;
	do
		n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (r == 0)
				r = fdq_push(c, fd);
			if (r < 0)
				close(fd);
		}
	}
	if (r < 0)
		return r;
	if (msg.msg_flags & MSG_CTRUNC)
		return -EPROTO;
	c->in_len += (size_t)n;
	return n;
}

/*
 * Read the next line (without "\n" and a "\r" before it; blank lines are
 * skipped) into *line (malloc()ed, NUL-terminated). @deadline: absolute
 * now_ms() time, -1 forever. Returns 1, 0 on timeout, or a negative errno
 * after marking the client broken (except for a timeout, which the caller
 * decides about).
 */
static int read_line(struct nmd_client *c, char **line, int64_t deadline,
		     struct nmd_error *err)
{
	for (;;) {
		char *nl = c->in_len > c->scan ?
			memchr(c->in + c->scan, '\n', c->in_len - c->scan) : NULL;

		if (nl) {
			size_t len = (size_t)(nl - c->in);
			size_t end = len;
			char *s;

			if (end > 0 && c->in[end - 1] == '\r')
				end--;
			if (len > c->max_line)
				return broken(c, -EMSGSIZE, err,
					      "response line of %zu bytes is over the limit of %zu",
					      len, c->max_line);
			s = malloc(end + 1);
			if (!s)
				return -ENOMEM;
			memcpy(s, c->in, end);
			s[end] = '\0';
			memmove(c->in, nl + 1, c->in_len - len - 1);
			c->in_len -= len + 1;
			c->scan = 0;
			if (end == 0) {
				free(s);
				continue;
			}
			*line = s;
			return 1;
		}
		c->scan = c->in_len;
		if (c->in_len > c->max_line)
			return broken(c, -EMSGSIZE, err,
				      "response line over the limit of %zu bytes", c->max_line);

		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int wait = -1, pr;

		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			wait = left > 0 ? (int)(left > 1000000 ? 1000000 : left) : 0;
		}
		pr = poll(&pfd, 1, wait);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return broken(c, -errno, err, "poll: %s", strerror(errno));
		if (pr == 0) {
			if (deadline >= 0 && now_ms() >= deadline)
				return 0;
			continue;
		}

		ssize_t n = receive(c);

		if (n == -EAGAIN)
			continue;
		if (n == -EPROTO)
			return broken(c, -EPROTO, err,
				      "descriptors dropped by the kernel (control data truncated)");
		if (n == -ECONNRESET || n == 0)
			return broken(c, -ECONNRESET, err, c->in_len ?
				      "connection closed by netmapd in the middle of a response" :
				      "connection closed by netmapd");
		if (n < 0)
			return broken(c, (int)n, err, "receive: %s", strerror((int)-n));
	}
}

static int send_all(struct nmd_client *c, const char *buf, size_t len,
		    struct nmd_error *err)
{
	while (len > 0) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return broken(c, -ECONNRESET, err, "connection closed by netmapd");
		if (n < 0)
			return broken(c, -errno, err, "send: %s", strerror(errno));
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Fill @err from a JSON-RPC error object. */
static void take_error(json_t *e, struct nmd_error *err)
{
	json_t *code = json_object_get(e, "code");
	json_t *msg = json_object_get(e, "message");

	if (!err)
		return;
	err->code = json_is_integer(code) ? (int)json_integer_value(code) : NMD_ERR_INTERNAL;
	if (err->code == 0)
		err->code = NMD_ERR_INTERNAL;
	snprintf(err->message, sizeof(err->message), "%s",
		 json_is_string(msg) ? json_string_value(msg) : nmd_code_message(err->code));
	err->data = json_incref(json_object_get(e, "data"));
}

/* Parse a line; returns the object or NULL after marking the client broken. */
static json_t *parse_line(struct nmd_client *c, const char *line, struct nmd_error *err)
{
	json_error_t je;
	json_t *m = json_loads(line, JSON_REJECT_DUPLICATES, &je);

	if (!m || !json_is_object(m)) {
		json_decref(m);
		broken(c, -EPROTO, err, "netmapd sent something that is not a JSON-RPC message: %s",
		       m ? "not an object" : je.text);
		return NULL;
	}
	return m;
}

int nmd_call(struct nmd_client *c, const char *method, json_t *params,
	     json_t **result, int *fds, size_t *nfds, struct nmd_error *err)
{
	size_t cap = nfds ? *nfds : 0;
	int64_t id, deadline;
	json_t *req;
	char *text;
	int r;

	nmd_error_clear(err);
	if (result)
		*result = NULL;
	if (nfds)
		*nfds = 0;
	if (c->broken) {
		json_decref(params);
		nmd_set_error(err, 0, "%s", c->broken_msg);
		return c->broken;
	}
	if (params && !json_is_object(params)) {
		json_decref(params);
		nmd_set_error(err, 0, "params must be a JSON object");
		return -EINVAL;
	}
	id = c->next_id++;
	req = json_pack("{s:s, s:s, s:I}", "jsonrpc", "2.0", "method", method,
			"id", (json_int_t)id);
	if (!req || (params && json_object_set_new(req, "params", params) < 0)) {
		json_decref(req);
		if (!req)
			json_decref(params);
		return -ENOMEM;
	}
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text)
		return -ENOMEM;
	{
		size_t len = strlen(text);
		char *line = realloc(text, len + 2);

		if (!line) {
			free(text);
			return -ENOMEM;
		}
		line[len] = '\n';
		line[len + 1] = '\0';
		r = send_all(c, line, len + 1, err);
		free(line);
		if (r < 0)
			return r;
	}

	deadline = c->timeout_ms ? now_ms() + c->timeout_ms : -1;
	for (;;) {
		char *line = NULL;
		json_t *m, *jid, *res, *names;

		r = read_line(c, &line, deadline, err);
		if (r == 0)
			return broken(c, -ETIMEDOUT, err,
				      "no response from netmapd within %d ms", c->timeout_ms);
		if (r < 0)
			return r;
		m = parse_line(c, line, err);
		free(line);
		if (!m)
			return -EPROTO;
		jid = json_object_get(m, "id");
		if (!jid) {
			/* A notification: keep it for nmd_next_event(). */
			if (json_array_append_new(c->events, m) < 0)
				return -ENOMEM;
			continue;
		}
		if (!json_is_integer(jid) || json_integer_value(jid) != id) {
			json_t *e = json_object_get(m, "error");

			/* The daemon answers "id": null to lines it could not take. */
			if (json_is_null(jid) && json_is_object(e)) {
				take_error(e, err);
				json_decref(m);
				broken(c, -EPROTO, NULL, "netmapd refused the request line");
				return -EREMOTEIO;
			}
			json_decref(m);
			return broken(c, -EPROTO, err, "response with an unexpected id");
		}
		if (json_is_object(json_object_get(m, "error"))) {
			take_error(json_object_get(m, "error"), err);
			json_decref(m);
			return -EREMOTEIO;
		}
		res = json_object_get(m, "result");
		if (!res) {
			json_decref(m);
			return broken(c, -EPROTO, err, "response without result or error");
		}
		names = json_is_object(res) ? json_object_get(res, "fds") : NULL;
		if (json_is_array(names)) {
			size_t n = json_array_size(names);

			if (n > c->fdq_len) {
				json_decref(m);
				return broken(c, -EPROTO, err,
					      "response announces %zu descriptors, %zu arrived",
					      n, c->fdq_len);
			}
			if (fds && n > cap) {
				for (size_t i = 0; i < n; i++)
					close(fdq_pop(c));
				json_decref(m);
				nmd_set_error(err, 0, "response carries %zu descriptors, room for %zu",
					      n, cap);
				return -ENOBUFS;
			}
			for (size_t i = 0; i < n; i++) {
				int fd = fdq_pop(c);

				if (fds)
					fds[i] = fd;
				else
					close(fd);
			}
			if (fds && nfds)
				*nfds = n;
			json_object_del(res, "fds");
		}
		if (result)
			*result = json_incref(res);
		json_decref(m);
		return 0;
	}
}

int nmd_next_event(struct nmd_client *c, const char **method, json_t **params,
		   int timeout_ms, struct nmd_error *err)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

	nmd_error_clear(err);
	*method = NULL;
	*params = NULL;
	while (json_array_size(c->events) == 0) {
		char *line = NULL;
		json_t *m;
		int r;

		if (c->broken) {
			nmd_set_error(err, 0, "%s", c->broken_msg);
			return c->broken;
		}
		r = read_line(c, &line, deadline, err);
		if (r <= 0)
			return r;
		m = parse_line(c, line, err);
		free(line);
		if (!m)
			return -EPROTO;
		if (json_object_get(m, "id")) {
			json_decref(m);
			return broken(c, -EPROTO, err, "a response nobody asked for");
		}
		if (json_array_append_new(c->events, m) < 0)
			return -ENOMEM;
	}
	json_decref(c->last_event);
	c->last_event = json_incref(json_array_get(c->events, 0));
	json_array_remove(c->events, 0);
	{
		json_t *jm = json_object_get(c->last_event, "method");

		*method = json_is_string(jm) ? json_string_value(jm) : "";
		*params = json_incref(json_object_get(c->last_event, "params"));
	}
	return 1;
}
