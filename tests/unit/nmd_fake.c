// SPDX-License-Identifier: BSD-2-Clause
/* nmd_fake - see nmd_fake.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <net/netmap_user.h>

#include "nmd_fake.h"

static const char *golden;
static json_int_t last_close;

int fake_region(const char *name)
{
	int fd = memfd_create("nmd-fake-region", MFD_CLOEXEC);
	struct netmap_if *nifp;
	char *mem;

	if (fd < 0 || ftruncate(fd, FAKE_MEMSIZE) < 0)
		abort();
	mem = mmap(NULL, FAKE_MEMSIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		abort();
	/* The fields are read-only for users (NM_USER_RO): write them by offset. */
	nifp = NETMAP_IF(mem, FAKE_OFFSET);
	{
		char *base = (char *)nifp;
		uint32_t v[4] = { FAKE_TX_RINGS, FAKE_RX_RINGS, 1, 1 };

		strncpy(base + offsetof(struct netmap_if, ni_name), name, IFNAMSIZ - 1);
		memcpy(base + offsetof(struct netmap_if, ni_tx_rings), &v[0], 4);
		memcpy(base + offsetof(struct netmap_if, ni_rx_rings), &v[1], 4);
		memcpy(base + offsetof(struct netmap_if, ni_host_tx_rings), &v[2], 4);
		memcpy(base + offsetof(struct netmap_if, ni_host_rx_rings), &v[3], 4);
	}
	memcpy(mem + FAKE_MAGIC_OFS, FAKE_MAGIC, sizeof(FAKE_MAGIC));
	munmap(mem, FAKE_MEMSIZE);
	return fd;
}

/* Send @len bytes of @buf with @fds attached to the first byte. */
static void send_fds(int c, const char *buf, size_t len, const int *fds, size_t n)
{
	union {
		char b[CMSG_SPACE(16 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t w;

	if (n) {
		struct cmsghdr *cm;

		msg.msg_control = ctl.b;
		msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	}
	while (len > 0) {
		w = sendmsg(c, &msg, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		iov.iov_base = (char *)iov.iov_base + w;
		iov.iov_len -= (size_t)w;
		len -= (size_t)w;
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
}

static void send_str(int c, const char *s)
{
	send_fds(c, s, strlen(s), NULL, 0);
}

/* {"jsonrpc","id",result} as one line, with @fds. Steals @result. */
static void reply(int c, json_t *id, json_t *result, const int *fds, size_t n)
{
	json_t *m = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result);
	char *s = json_dumps(m, JSON_COMPACT);
	char *line;

	if (asprintf(&line, "%s\n", s) < 0)
		abort();
	send_fds(c, line, strlen(line), fds, n);
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	free(line);
	free(s);
	json_decref(m);
}

static void error_reply(int c, json_t *id, int code, const char *msg, json_t *data)
{
	json_t *m = json_pack("{s:s, s:O, s:{s:i, s:s, s:o*}}", "jsonrpc", "2.0", "id", id,
			      "error", "code", code, "message", msg, "data", data);
	char *s = json_dumps(m, JSON_COMPACT);

	send_str(c, s);
	send_str(c, "\n");
	free(s);
	json_decref(m);
}

static json_t *canned(const char *method)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.json", golden, method);
	return json_load_file(path, 0, NULL);
}

static void port_open(int c, json_t *id, json_t *params)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	static json_int_t next_handle = 1;
	int fds[1];

	if (!name)
		name = "";
	if (!strcmp(name, "vale0:secret")) {
		error_reply(c, id, -32001, "Permission denied: vale0:secret",
			    json_pack("{s:s}", "name", name));
		return;
	}
	if (!strcmp(name, "bad/name")) {
		error_reply(c, id, -32602, "Invalid port name bad/name",
			    json_pack("{s:s}", "field", "name"));
		return;
	}
	if (!strcmp(name, "nosuch")) {
		error_reply(c, id, -32002, "No such port nosuch", NULL);
		return;
	}
	if (!strcmp(name, "pipe")) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0)
			abort();
		close(p[0]);
		fds[0] = p[1];
	} else {
		fds[0] = fake_region(name);
	}
	reply(c, id, json_pack("{s:I, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:[s]}",
			       "handle", next_handle++, "name", name,
			       "memsize", (int)FAKE_MEMSIZE, "offset", (int)FAKE_OFFSET,
			       "mem_id", 3, "tx_rings", FAKE_TX_RINGS, "rx_rings", FAKE_RX_RINGS,
			       "host_tx_rings", 1, "host_rx_rings", 1, "tx_slots", 1024,
			       "rx_slots", 1024, "fds", "port"), fds, 1);
}

/* Returns false when the connection must be closed. */
static bool handle(int c, json_t *req)
{
	const char *m = json_string_value(json_object_get(req, "method"));
	json_t *id = json_object_get(req, "id");
	json_t *params = json_object_get(req, "params");
	json_t *r;

	if (!m)
		m = "";
	if (!strcmp(m, "echo")) {
		reply(c, id, json_incref(params ? params : json_null()), NULL, 0);
	} else if (!strcmp(m, "split")) {
		char *s = json_dumps(json_pack("{s:s, s:O, s:{s:s}}", "jsonrpc", "2.0", "id", id,
					       "result", "split", "yes"), JSON_COMPACT);
		char *line;

		if (asprintf(&line, "\n\r\n%s\r\n", s) < 0)
			abort();
		for (size_t i = 0; line[i]; i++) {
			send_fds(c, line + i, 1, NULL, 0);
			if (i % 7 == 0)
				usleep(200);
		}
		free(line);
		free(s);
	} else if (!strcmp(m, "notify_then")) {
		int fds[1] = { fake_region("n") };
		char *s = json_dumps(json_pack("{s:s, s:O, s:{s:[s]}}", "jsonrpc", "2.0", "id", id,
					       "result", "fds", "region"), JSON_COMPACT);
		const char *note = "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"type\":\"x\"}}\n";
		char *line;

		/* The notification and the response in one stream; the fd rides on the response's first byte. */
		send_str(c, note);
		if (asprintf(&line, "%s\n", s) < 0)
			abort();
		send_fds(c, line, strlen(line), fds, 1);
		close(fds[0]);
		free(line);
		free(s);
	} else if (!strcmp(m, "fds2")) {
		int p[2], fds[2];

		if (pipe2(p, O_CLOEXEC) < 0)
			abort();
		fds[0] = fake_region("two");
		fds[1] = p[1];
		reply(c, id, json_pack("{s:i, s:[s, s]}", "n", 2, "fds", "region", "pipe"), fds, 2);
		close(p[0]);
	} else if (!strcmp(m, "fds_missing")) {
		int fds[1] = { fake_region("missing") };

		reply(c, id, json_pack("{s:[s, s]}", "fds", "a", "b"), fds, 1);
	} else if (!strcmp(m, "deny")) {
		error_reply(c, id, -32001, "Permission denied",
			    json_pack("{s:[s, s]}", "errors", "a.yaml:1:2: first", "a.yaml:3:4: second"));
	} else if (!strcmp(m, "big")) {
		char buf[5000];

		memset(buf, 'x', sizeof(buf));
		send_fds(c, buf, sizeof(buf), NULL, 0);
	} else if (!strcmp(m, "vanish")) {
		send_str(c, "{\"jsonrpc\":\"2.0\",\"id\":");
		return false;
	} else if (!strcmp(m, "badid")) {
		send_str(c, "{\"jsonrpc\":\"2.0\",\"id\":99999,\"result\":1}\n");
	} else if (!strcmp(m, "garbage")) {
		send_str(c, "hello\n");
	} else if (!strcmp(m, "silent")) {
		/* no answer */
	} else if (!strcmp(m, "port.open")) {
		port_open(c, id, params);
	} else if (!strcmp(m, "port.close")) {
		last_close = json_integer_value(json_object_get(params, "handle"));
		reply(c, id, json_pack("{s:I, s:b}", "handle", last_close, "closed", 1), NULL, 0);
	} else if (!strcmp(m, "last_close")) {
		reply(c, id, json_pack("{s:I}", "handle", last_close), NULL, 0);
	} else if (!strcmp(m, "events.subscribe")) {
		json_t *ev = canned("events");
		json_t *x;
		size_t i;

		reply(c, id, json_pack("{s:b}", "subscribed", 1), NULL, 0);
		json_array_foreach(ev, i, x) {
			char *s = json_dumps(x, JSON_COMPACT);

			send_str(c, s);
			send_str(c, "\n");
			free(s);
		}
		json_decref(ev);
	} else if (!strcmp(m, "topology.plan") || !strcmp(m, "topology.apply")) {
		const char *cfg = json_string_value(json_object_get(params, "config"));

		if (cfg && strstr(cfg, "bad"))
			error_reply(c, id, -32008, "Configuration refused: 1 problem",
				    json_pack("{s:[s]}", "errors", "<config>:3:5: switch \"bad\": unknown key"));
		else if (cfg && strstr(cfg, "apply-denied") && !strcmp(m, "topology.apply"))
			error_reply(c, id, -32001, "Permission denied", NULL);
		else if ((r = canned(!strcmp(m, "topology.plan") ? "plan" : "apply")))
			reply(c, id, r, NULL, 0);
		else
			error_reply(c, id, -32603, "no canned file", NULL);
	} else {
		char file[64];

		snprintf(file, sizeof(file), "%s", !strcmp(m, "topology.get") ? "topology" : m);
		for (char *p = file; *p; p++)
			if (*p == '.')
				*p = '-';
		r = canned(file);
		if (r)
			reply(c, id, r, NULL, 0);
		else
			error_reply(c, id, -32601, "Method not found", NULL);
	}
	return true;
}

static void serve(int c)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		char *nl;
		ssize_t n;

		while ((nl = len ? memchr(buf, '\n', len) : NULL)) {
			json_t *req;
			bool keep;

			*nl = '\0';
			req = json_loads(buf, 0, NULL);
			keep = req ? handle(c, req) : true;
			json_decref(req);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
			if (!keep)
				goto out;
		}
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		n = read(c, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
out:
	free(buf);
	close(c);
}

pid_t fake_start(const char *path, const char *golden_dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int l, pfd[2];
	pid_t pid;
	char ok;

	if (pipe(pfd) < 0)
		abort();
	pid = fork();
	if (pid < 0)
		abort();
	if (pid > 0) {
		close(pfd[1]);
		if (read(pfd[0], &ok, 1) != 1)
			abort();
		close(pfd[0]);
		return pid;
	}
	close(pfd[0]);
	golden = golden_dir;
	signal(SIGPIPE, SIG_IGN);
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 8) < 0)
		_exit(99);
	if (write(pfd[1], "k", 1) != 1)
		_exit(99);
	close(pfd[1]);
	for (;;) {
		int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);

		if (c >= 0)
			serve(c);
	}
}

void fake_stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
