/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmd_conn - a minimal netmapd client connection for the test programs
 * (nmd_client, bench_rpc): one JSON text per line on a unix stream socket,
 * descriptors received with SCM_RIGHTS kept in a FIFO and paired with the
 * lines that announce them in result.fds (see daemon/rpc.h, WIRE
 * CONTRACT). Header-only (static functions), blocking I/O.
 */
#ifndef NMD_CONN_H
#define NMD_CONN_H

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NMDC_MAX_FDS 16

struct nmdc {
	int sock;
	char buf[1 << 17];
	size_t len;
	int fds[256];
	size_t n_fds;
	long next_id;
};

static inline int nmdc_connect(struct nmdc *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(c, 0, sizeof(*c));
	c->next_id = 1;
	c->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->sock < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(c->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(c->sock);
		c->sock = -1;
		return r;
	}
	return 0;
}

static inline void nmdc_close(struct nmdc *c)
{
	for (size_t i = 0; i < c->n_fds; i++)
		close(c->fds[i]);
	c->n_fds = 0;
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
}

static inline int nmdc_send_raw(struct nmdc *c, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t w = send(c->sock, s, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One recvmsg: bytes to buf, fds to the FIFO. 0 on EOF, <0 on error, >0 bytes. */
static inline ssize_t nmdc_fill(struct nmdc *c)
{
	char cbuf[CMSG_SPACE(NMDC_MAX_FDS * sizeof(int))];
	struct iovec iov = { c->buf + c->len, sizeof(c->buf) - c->len - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	ssize_t n;

	if (iov.iov_len == 0)
		return -ENOBUFS;
	do
		n = recvmsg(c->sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *v = (int *)CMSG_DATA(cm);

		for (size_t i = 0; i < k && c->n_fds < 256; i++)
			c->fds[c->n_fds++] = v[i];
	}
	if (mh.msg_flags & MSG_CTRUNC)
		fprintf(stderr, "nmdc: MSG_CTRUNC: descriptors lost\n");
	c->len += (size_t)n;
	return n;
}

/*
 * Next line as JSON (caller decrefs), with the fds it announces moved to
 * @fds (up to NMDC_MAX_FDS; *nfds their count). NULL on EOF or error
 * (*err set), or if the line is not JSON.
 */
static inline json_t *nmdc_read_line(struct nmdc *c, int *fds, size_t *nfds, int *err)
{
	char *nl;
	json_t *j;
	size_t k = 0;

	*err = 0;
	if (nfds)
		*nfds = 0;
	while (!(nl = memchr(c->buf, '\n', c->len))) {
		ssize_t n = nmdc_fill(c);

		if (n <= 0) {
			*err = n < 0 ? (int)n : -EPIPE;
			return NULL;
		}
	}
	*nl = '\0';
	j = json_loads(c->buf, 0, NULL);
	c->len -= (size_t)(nl + 1 - c->buf);
	memmove(c->buf, nl + 1, c->len);
	if (!j) {
		*err = -EBADMSG;
		return NULL;
	}
	k = json_array_size(json_object_get(json_object_get(j, "result"), "fds"));
	for (size_t i = 0; i < k; i++) {
		if (!c->n_fds) {
			fprintf(stderr, "nmdc: a line announced an fd that did not come\n");
			break;
		}
		if (fds && nfds && *nfds < NMDC_MAX_FDS)
			fds[(*nfds)++] = c->fds[0];
		else
			close(c->fds[0]);
		memmove(c->fds, c->fds + 1, (c->n_fds - 1) * sizeof(int));
		c->n_fds--;
	}
	return j;
}

/* Send a request and wait for its response (notifications are skipped). */
static inline json_t *nmdc_call(struct nmdc *c, const char *method, json_t *params, int *fds,
				size_t *nfds, int *err)
{
	long id = c->next_id++;
	json_t *req = json_pack("{s:s, s:s, s:I}", "jsonrpc", "2.0", "method", method, "id",
				(json_int_t)id);
	char *line;
	int r;

	if (params)
		json_object_set(req, "params", params);
	line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!line) {
		*err = -ENOMEM;
		return NULL;
	}
	r = nmdc_send_raw(c, line, strlen(line));
	if (r == 0)
		r = nmdc_send_raw(c, "\n", 1);
	free(line);
	if (r < 0) {
		*err = r;
		return NULL;
	}
	for (;;) {
		json_t *j = nmdc_read_line(c, fds, nfds, err);

		if (!j)
			return NULL;
		if (json_object_get(j, "id") && json_integer_value(json_object_get(j, "id")) == id)
			return j;
		json_decref(j); /* a notification */
	}
}

#endif /* NMD_CONN_H */
