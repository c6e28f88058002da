// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_rpc - netmapd's JSON-RPC server (daemon/rpc*.c) on real unix sockets.
 *
 * Each test starts a server on a socket in a private temporary folder and
 * drives it with real client sockets from this same process: the client
 * helpers below run the event loop (event_base_loop(EVLOOP_NONBLOCK))
 * whenever they wait, so server and clients take turns on one thread. The
 * privilege test also forks a child that drops to uid/gid 65534 with a
 * supplementary group when run as root, to see a real non-root peer.
 *
 * At the end, the process must have exactly the descriptors it started
 * with (no descriptor leaks on any path), and ASan/LSan check memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <dirent.h>
#include <grp.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rpc.h"
#include "rpc_test_methods.h"

#include "check.h"

static struct event_base *base;
static char dir[64];


static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* EVLOOP_NONBLOCK alone loops while callbacks keep becoming active. */
static int pump_flags = EVLOOP_NONBLOCK;

static void pump(void)
{
	event_base_loop(base, pump_flags);
}

/* Run the loop for about @ms milliseconds. */
static void pump_for(unsigned ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		pump();
		usleep(500);
	}
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own */
}

static void sun_set(struct sockaddr_un *sa, const char *path)
{
	size_t l = strlen(path);

	if (l >= sizeof(sa->sun_path)) {
		printf("socket path too long: %s\n", path);
		exit(2);
	}
	memcpy(sa->sun_path, path, l + 1);
}

/* -- Log capture ---------------------------------------------------------- */

static char last_log[512];
static unsigned n_logs;
static unsigned n_timeout_logs; /* warnings naming limits.line_timeout */
static const char *watch;  /* a log line containing this sets watched */
static bool watched;

static void test_log(void *userdata, int prio, const char *msg)
{
	(void)userdata;
	(void)prio;
	snprintf(last_log, sizeof(last_log), "%s", msg);
	n_logs++;
	n_timeout_logs += strstr(msg, "limits.line_timeout") != NULL;
	if (watch && strstr(msg, watch))
		watched = true;
	if (getenv("TEST_RPC_VERBOSE"))
		printf("  log<%d>: %s\n", prio, msg);
}

/* -- Methods of the test server (and echo, nested, fail, admin.poke: rpc_test_methods.c) */

static int sink_r = -1; /* read end of the pipe whose write end fd.sink hands out */

static uint64_t adds_served; /* calls of add handled */
static uint64_t adds_at_mark; /* adds_served when mark was handled */

struct add_params {
	json_int_t a, b;
};

static const struct rpc_param add_table[] = {
	RPC_PARAM_FIELD("a", RPC_PARAM_INTEGER, RPC_PARAM_REQUIRED, struct add_params, a, NULL),
	RPC_PARAM_FIELD("b", RPC_PARAM_INTEGER, RPC_PARAM_REQUIRED, struct add_params, b, NULL),
	{}
};

static int m_add(struct rpc_call *call, json_t *params)
{
	struct add_params p;
	int r = rpc_params(call, params, add_table, &p);

	if (r < 0)
		return r;
	adds_served++;
	rpc_call_set_result(call, json_integer(p.a + p.b));
	return 0;
}

/* Notes how many adds were served before it (fairness). */
static int m_mark(struct rpc_call *call, json_t *params)
{
	(void)params;
	adds_at_mark = adds_served;
	rpc_call_set_result(call, json_true());
	return 0;
}

static int m_whoami(struct rpc_call *call, json_t *params)
{
	const struct rpc_peer *p = rpc_call_peer(call);
	json_t *groups = json_array();
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0) {
		json_decref(groups);
		return r;
	}
	for (size_t i = 0; i < p->n_groups; i++)
		json_array_append_new(groups, json_integer(p->groups[i]));
	rpc_call_set_result(call, json_pack("{s:I, s:I, s:I, s:o, s:b, s:b}",
		"uid", (json_int_t)p->uid, "gid", (json_int_t)p->gid,
		"pid", (json_int_t)p->pid, "groups", groups,
		"groups_known", p->groups_known, "admin", rpc_call_is_admin(call)));
	return 0;
}

static int m_config_fail(struct rpc_call *call, json_t *params)
{
	(void)params;
	return rpc_call_error(call, RPC_ERR_CONFIG,
			      json_pack("{s:[s]}", "errors", "x.yaml:3:5: unknown key"),
			      "Configuration refused: %d error", 1);
}

/* One pipe per text: the text is in it, its read end is attached. */
static int m_fd_pipe(struct rpc_call *call, json_t *params)
{
	static const struct rpc_param table[] = {
		{ .name = "texts", .type = RPC_PARAM_ANY, .flags = RPC_PARAM_REQUIRED },
		{}
	};
	json_t *texts = NULL, *t;
	size_t i;
	int r = rpc_params(call, params, table, &texts);

	if (r < 0)
		return r;
	if (!json_is_array(texts))
		return rpc_call_error(call, RPC_ERR_INVALID_PARAMS,
				      json_pack("{s:s}", "field", "texts"),
				      "Invalid params: field \"texts\": expected array");
	json_array_foreach(texts, i, t) {
		char name[32];
		int p[2];

		if (!json_is_string(t))
			return -EINVAL;
		if (pipe2(p, O_CLOEXEC) < 0)
			return rpc_call_errno(call, -errno, "pipe");
		if (write(p[1], json_string_value(t), strlen(json_string_value(t))) < 0) {
			close(p[0]);
			close(p[1]);
			return -EIO;
		}
		close(p[1]);
		snprintf(name, sizeof(name), "p%zu", i);
		r = rpc_call_attach_fd(call, name, p[0]);
		if (r < 0)
			return rpc_call_errno(call, r, "attach");
	}
	rpc_call_set_result(call, json_pack("{s:I}", "count", (json_int_t)json_array_size(texts)));
	return 0;
}

/* Hands out the write end of a pipe whose read end the test keeps. */
static int m_fd_sink(struct rpc_call *call, json_t *params)
{
	int p[2], r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	if (sink_r >= 0)
		close(sink_r);
	sink_r = p[0];
	return rpc_call_attach_fd(call, "sink", p[1]);
}

/* Attaches a descriptor, then fails: the descriptor must be closed. */
static int m_fd_fail(struct rpc_call *call, json_t *params)
{
	(void)params;
	rpc_call_attach_fd(call, "null", open("/dev/null", O_RDONLY | O_CLOEXEC));
	return -EBUSY;
}

/* Attaches a descriptor to a result that cannot announce it. */
static int m_bad_fds(struct rpc_call *call, json_t *params)
{
	(void)params;
	rpc_call_set_result(call, json_array());
	return rpc_call_attach_fd(call, "null", open("/dev/null", O_RDONLY | O_CLOEXEC));
}

/* A table entry of no type: a bug in the handler, not in the request. */
static int m_bad_format(struct rpc_call *call, json_t *params)
{
	static const struct rpc_param table[] = {
		{ .name = "x", .type = (enum rpc_param_type)99 },
		{}
	};
	json_int_t x;

	return rpc_params(call, params, table, &x);
}

/* Counts its calls (to tell whether a request ran). */
static unsigned n_counted;

static int m_count(struct rpc_call *call, json_t *params)
{
	(void)params;
	n_counted++;
	rpc_call_set_result(call, json_integer(n_counted));
	return 0;
}

/* Broadcasts its params as "test.event" from inside a handler. */
static int m_notify_me(struct rpc_call *call, json_t *params)
{
	int n = rpc_server_notify(rpc_call_server(call), "test.event", params);

	rpc_call_set_result(call, json_pack("{s:i}", "delivered", n));
	return 0;
}

/*
 * A deferred call whose work waits at a gate the test opens, one byte per
 * job: the test decides when each job ends, so nothing here depends on
 * timing. work() makes a pipe whose read end holds "g" (as a REGISTER
 * makes an fd); done() hands it over, or fails for a negative tag;
 * release() closes what was not handed over and counts.
 */
static int gate[2] = { -1, -1 };
static atomic_uint gate_started;	/* work() calls begun (workers) */
static unsigned gate_released;		/* release() calls (the loop) */

struct gate_job {
	json_int_t tag;
	int fd;
};

static void gate_work(void *arg)
{
	struct gate_job *j = arg;
	char b;
	int p[2];

	atomic_fetch_add(&gate_started, 1);
	while (read(gate[0], &b, 1) < 0 && errno == EINTR)
		;
	if (pipe2(p, O_CLOEXEC) == 0) {
		(void)!write(p[1], "g", 1);
		close(p[1]);
		j->fd = p[0];
	}
}

static int gate_done(struct rpc_call *call, void *arg)
{
	struct gate_job *j = arg;
	int r;

	if (j->tag < 0)
		return rpc_call_error(call, RPC_ERR_BUSY, NULL, "gate %lld refused", (long long)j->tag);
	rpc_call_set_result(call, json_pack("{s:I}", "tag", j->tag));
	r = rpc_call_attach_fd(call, "gate", j->fd);
	j->fd = -1;
	return r;
}

static void gate_release(void *arg)
{
	struct gate_job *j = arg;

	if (j->fd >= 0)
		close(j->fd);
	free(j);
	gate_released++;
}

static const struct rpc_job_ops gate_ops = {
	.work = gate_work, .done = gate_done, .release = gate_release,
};

static int m_gate(struct rpc_call *call, json_t *params)
{
	static const struct rpc_param table[] = {
		{ .name = "tag", .type = RPC_PARAM_INTEGER, .flags = RPC_PARAM_REQUIRED },
		{}
	};
	json_int_t tag = 0;
	struct gate_job *j;
	int r = rpc_params(call, params, table, &tag);

	if (r < 0)
		return r;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->tag = tag;
	j->fd = -1;
	return rpc_call_defer(call, &gate_ops, j);
}

static void gate_setup(void)
{
	if (gate[0] < 0 && pipe2(gate, O_CLOEXEC) < 0) {
		perror("pipe2");
		exit(2);
	}
}

static void gate_open(unsigned n)
{
	while (n--)
		CHECK(write(gate[1], "x", 1) == 1, "open the gate");
}

#define GATE(tag, id) "{\"jsonrpc\":\"2.0\",\"method\":\"gate\",\"params\":{\"tag\":" #tag "}" id "}"
#define ECHO(id) "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"e\"}" id "}"

static const struct rpc_method methods[] = {
	RPC_TEST_METHODS,
	{ "add", m_add, RPC_PRIV_PUBLIC },
	{ "mark", m_mark, RPC_PRIV_PUBLIC },
	{ "whoami", m_whoami, RPC_PRIV_PUBLIC },
	{ "config.fail", m_config_fail, RPC_PRIV_PUBLIC },
	{ "fd.pipe", m_fd_pipe, RPC_PRIV_PUBLIC },
	{ "fd.sink", m_fd_sink, RPC_PRIV_PUBLIC },
	{ "fd.fail", m_fd_fail, RPC_PRIV_PUBLIC },
	{ "bad.fds", m_bad_fds, RPC_PRIV_PUBLIC },
	{ "bad.format", m_bad_format, RPC_PRIV_PUBLIC },
	{ "notify.me", m_notify_me, RPC_PRIV_PUBLIC },
	{ "count", m_count, RPC_PRIV_PUBLIC },
	{ "gate", m_gate, RPC_PRIV_PUBLIC },
};

/* -- Servers ------------------------------------------------------------- */

static struct rpc_server *srv_start(const char *name, const struct rpc_options *o,
				    char *path, size_t pathlen)
{
	struct rpc_options opts = { .log = test_log };
	struct rpc_server *s = NULL;
	int r;

	if (o) {
		opts = *o;
		opts.log = test_log;
	}
	snprintf(path, pathlen, "%s/%s", dir, name);
	r = rpc_server_new(base, methods, sizeof(methods) / sizeof(methods[0]),
			   &opts, NULL, &s);
	if (r < 0) {
		printf("rpc_server_new: %s\n", strerror(-r));
		exit(2);
	}
	r = rpc_server_listen_path(s, path, 0660, (gid_t)-1);
	if (r < 0) {
		printf("listen %s: %s (%s)\n", path, strerror(-r), last_log);
		exit(2);
	}
	return s;
}

static struct rpc_stats stats(struct rpc_server *s)
{
	struct rpc_stats st;

	rpc_server_get_stats(s, &st);
	return st;
}

/* -- The tiny test client ---------------------------------------------------- */

struct cli {
	int fd;
	char *buf;
	size_t len, cap;
	uint64_t rx;       /* bytes received so far */
	uint64_t buf_off;  /* stream offset of buf[0] */
	int fds[256];      /* received, not yet paired with a line: a FIFO */
	uint64_t fd_lo[256], fd_hi[256]; /* stream bytes of the recvmsg that brought each */
	size_t nfds;
	bool eof;
	bool ctrunc;
};

/* One reply line, with the descriptors it announced. */
struct reply {
	json_t *j;
	int fds[RPC_MAX_FDS];
	size_t nfds;
};

static void cli_init(struct cli *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->cap = 1 << 16;
	c->buf = malloc(c->cap);
}

static struct cli *cli_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct cli *c = malloc(sizeof(*c));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	sun_set(&sa, path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("connect %s: %m\n", path);
		exit(2);
	}
	cli_init(c, fd);
	return c;
}

static void cli_close(struct cli *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	for (size_t i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	free(c->buf);
	free(c);
}

/* Receive what is there (with descriptors); true if anything came. */
static bool cli_recv(struct cli *c)
{
	union {
		char b[CMSG_SPACE(sizeof(int) * RPC_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	struct cmsghdr *cm;
	ssize_t n;

	if (c->eof)
		return false;
	if (c->cap - c->len < 4096) {
		c->cap *= 2;
		c->buf = realloc(c->buf, c->cap);
	}
	iov.iov_base = c->buf + c->len;
	iov.iov_len = c->cap - c->len;
	n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return false;
	if (n == 0) {
		c->eof = true;
		return true;
	}
	if (mh.msg_flags & MSG_CTRUNC)
		c->ctrunc = true;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int *p = (int *)CMSG_DATA(cm);

			for (size_t i = 0; i < k && c->nfds < 256; i++) {
				c->fd_lo[c->nfds] = c->rx;
				c->fd_hi[c->nfds] = c->rx + (uint64_t)n;
				c->fds[c->nfds++] = p[i];
			}
		}
	}
	c->len += (size_t)n;
	c->rx += (uint64_t)n;
	return true;
}

/* Write all of @data, running the server while the socket is full. */
static bool cli_send(struct cli *c, const char *data, size_t len)
{
	uint64_t end = now_ms() + 5000;

	while (len > 0 && now_ms() < end) {
		ssize_t n = send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			return false;
		pump();
		usleep(200);
	}
	return len == 0;
}

static bool cli_sendf(struct cli *c, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	bool ok;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	ok = cli_send(c, s, (size_t)n);
	free(s);
	return ok;
}

/* The next line (malloc()ed, without "\n"), or NULL after @ms or at EOF. */
static char *cli_line(struct cli *c, unsigned ms)
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;

		if (nl) {
			size_t l = (size_t)(nl - c->buf);
			char *line = malloc(l + 1);

			memcpy(line, c->buf, l);
			line[l] = '\0';
			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
			c->buf_off += l + 1;
			return line;
		}
		if (c->eof)
			return NULL;
		pump();
		if (cli_recv(c))
			continue;
		if (now_ms() >= end)
			return NULL;
		{
			struct pollfd p = { .fd = c->fd, .events = POLLIN };

			poll(&p, 1, 1);
		}
	}
}

/* Count the names a line announces in result.fds (a batch: all of them). */
static size_t announced(json_t *j)
{
	size_t n = 0, i;
	json_t *e;

	if (json_is_array(j)) {
		json_array_foreach(j, i, e)
			n += announced(e);
		return n;
	}
	return json_array_size(json_object_get(json_object_get(j, "result"), "fds"));
}

/* The next reply, with the descriptors its line announced taken from the FIFO. */
static struct reply cli_reply(struct cli *c, unsigned ms)
{
	struct reply r = { 0 };
	uint64_t line_off = c->buf_off; /* where the next line starts */
	char *line = cli_line(c, ms);
	json_error_t e;
	size_t n;

	if (!line)
		return r;
	r.j = json_loads(line, 0, &e);
	if (!r.j)
		printf("  bad reply line: %s (%s)\n", line, e.text);
	free(line);
	n = announced(r.j);
	if (n > c->nfds || n > RPC_MAX_FDS) {
		printf("  line announces %zu descriptors, %zu received\n", n, c->nfds);
		n = 0;
	}
	/* The wire contract: they came with the line's first byte. */
	for (size_t i = 0; i < n; i++)
		CHECK(c->fd_lo[i] <= line_off && line_off < c->fd_hi[i],
		      "descriptor %zu arrived with stream bytes [%llu, %llu), its line starts at %llu",
		      i, (unsigned long long)c->fd_lo[i], (unsigned long long)c->fd_hi[i],
		      (unsigned long long)line_off);
	memcpy(r.fds, c->fds, n * sizeof(int));
	r.nfds = n;
	memmove(c->fds, c->fds + n, (c->nfds - n) * sizeof(int));
	memmove(c->fd_lo, c->fd_lo + n, (c->nfds - n) * sizeof(uint64_t));
	memmove(c->fd_hi, c->fd_hi + n, (c->nfds - n) * sizeof(uint64_t));
	c->nfds -= n;
	return r;
}

static void reply_free(struct reply *r)
{
	json_decref(r->j);
	for (size_t i = 0; i < r->nfds; i++)
		close(r->fds[i]);
	memset(r, 0, sizeof(*r));
}

/* The next reply's JSON without sending anything (caller decrefs). */
static json_t *cli_next(struct cli *c, unsigned ms)
{
	struct reply r = cli_reply(c, ms);
	json_t *j = r.j;

	r.j = NULL;
	reply_free(&r);
	return j;
}

/* Send @line (with "\n" added) and return the reply's JSON (caller decrefs). */
static json_t *cli_call(struct cli *c, const char *line)
{
	struct reply r;
	json_t *j;

	if (!cli_sendf(c, "%s\n", line))
		return NULL;
	r = cli_reply(c, 3000);
	j = r.j;
	r.j = NULL;
	reply_free(&r);
	return j;
}

static json_int_t err_code(json_t *j)
{
	return json_integer_value(json_object_get(json_object_get(j, "error"), "code"));
}

static const char *err_msg(json_t *j)
{
	const char *m = json_string_value(json_object_get(json_object_get(j, "error"), "message"));

	return m ? m : "";
}

static json_t *err_data(json_t *j)
{
	return json_object_get(json_object_get(j, "error"), "data");
}

static const char *str_of(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s ? s : "";
}

static char *dumps(json_t *j)
{
	static char buf[1024];
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	snprintf(buf, sizeof(buf), "%s", s ? s : "(null)");
	free(s);
	return buf;
}

/* -- Tests ----------------------------------------------------------------- */

static void test_policy(void)
{
	gid_t groups[] = { 10, 4242 };
	uid_t admin_uids[] = { 1001 };
	gid_t admin_gids[] = { 4242 };
	struct rpc_peer root = { .uid = 0, .gid = 0 };
	struct rpc_peer alice = { .uid = 1000, .gid = 1000, .groups = groups, .n_groups = 2 };
	struct rpc_peer bob = { .uid = 1001, .gid = 1001 };
	struct rpc_peer carol = { .uid = 1002, .gid = 4242 };
	struct rpc_peer dave = { .uid = 1003, .gid = 1003, .groups = groups, .n_groups = 1 };
	struct rpc_policy none = { .root_is_admin = true };
	struct rpc_policy p = {
		.root_is_admin = true,
		.admin_uids = admin_uids, .n_admin_uids = 1,
		.admin_gids = admin_gids, .n_admin_gids = 1,
	};
	struct rpc_policy noroot = p;

	noroot.root_is_admin = false;
	CHECK(rpc_policy_is_admin(&none, &root), "root is admin by default");
	CHECK(!rpc_policy_is_admin(&none, &alice), "nobody else");
	CHECK(rpc_policy_is_admin(&p, &alice), "supplementary group 4242");
	CHECK(rpc_policy_is_admin(&p, &bob), "admin uid");
	CHECK(rpc_policy_is_admin(&p, &carol), "primary group 4242");
	CHECK(!rpc_policy_is_admin(&p, &dave), "group 10 is not an admin group");
	CHECK(!rpc_policy_is_admin(&noroot, &root), "root excluded when root_is_admin is false");
	CHECK(rpc_policy_is_admin(&noroot, &bob), "admin uid still admin");
	CHECK(!rpc_policy_is_admin(NULL, &root), "no policy: nobody");
}

static void test_codes(void)
{
	static const struct { int err, code; } t[] = {
		{ EPERM, RPC_ERR_PERMISSION }, { EACCES, RPC_ERR_PERMISSION },
		{ ENOENT, RPC_ERR_NOT_FOUND }, { ENODEV, RPC_ERR_NOT_FOUND },
		{ ENXIO, RPC_ERR_NOT_FOUND }, { EBUSY, RPC_ERR_BUSY },
		{ ENOSPC, RPC_ERR_CAPACITY }, { ENOMEM, RPC_ERR_CAPACITY },
		{ E2BIG, RPC_ERR_CAPACITY }, { EIO, RPC_ERR_KERNEL },
		{ EFAULT, RPC_ERR_KERNEL }, { EEXIST, RPC_ERR_STATE },
		{ EOPNOTSUPP, RPC_ERR_UNSUPPORTED }, { EINVAL, RPC_ERR_INVALID_PARAMS },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(rpc_errno_to_code(-t[i].err) == t[i].code, "errno %d", t[i].err);
		CHECK(rpc_errno_to_code(t[i].err) == t[i].code, "errno +%d", t[i].err);
	}
	CHECK(strcmp(rpc_code_message(RPC_ERR_PARSE), "Parse error") == 0, "message");
	CHECK(strcmp(rpc_code_message(RPC_ERR_PERMISSION), "Permission denied") == 0, "message");
}

static void test_calls(void)
{
	char path[128];
	struct rpc_server *s = srv_start("calls.sock", NULL, path, sizeof(path));
	struct cli *c = cli_connect(path);
	json_t *j;

	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"h\\u00e9llo\",\"n\":7},\"id\":1}");
	CHECK(j && json_integer_value(json_object_get(j, "id")) == 1, "%s", dumps(j));
	CHECK(strcmp(str_of(json_object_get(j, "result"), "text"), "h\xc3\xa9llo") == 0, "%s", dumps(j));
	CHECK(json_integer_value(json_object_get(json_object_get(j, "result"), "n")) == 7, "%s", dumps(j));
	CHECK(strcmp(str_of(j, "jsonrpc"), "2.0") == 0, "%s", dumps(j));
	json_decref(j);

	/* id: string, null, fractional; params order irrelevant; CRLF */
	j = cli_call(c, "{\"id\":\"abc\",\"params\":{\"b\":2,\"a\":40},\"method\":\"add\",\"jsonrpc\":\"2.0\"}\r");
	CHECK(j && strcmp(str_of(j, "id"), "abc") == 0 &&
	      json_integer_value(json_object_get(j, "result")) == 42, "%s", dumps(j));
	json_decref(j);
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":2},\"id\":null}");
	CHECK(j && json_is_null(json_object_get(j, "id")) &&
	      json_integer_value(json_object_get(j, "result")) == 3, "%s", dumps(j));
	json_decref(j);
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":2},\"id\":1.5}");
	CHECK(j && json_real_value(json_object_get(j, "id")) == 1.5, "%s", dumps(j));
	json_decref(j);

	/* blank lines are ignored; an empty params array is no params */
	cli_sendf(c, "\n  \r\n");
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"whoami\",\"params\":[],\"id\":9}");
	CHECK(j && json_integer_value(json_object_get(j, "id")) == 9 &&
	      json_object_get(j, "result"), "%s", dumps(j));
	json_decref(j);
	cli_close(c);
	rpc_server_free(s);
}

/* Send @line, expect error @code with id @id_json ("null", "2", "\"x\""). */
static void expect_error(struct cli *c, const char *line, int code,
			 const char *id_json, const char *msg_part,
			 const char *field)
{
	json_t *j = cli_call(c, line), *data;
	char *id = j ? json_dumps(json_object_get(j, "id"), JSON_ENCODE_ANY) : NULL;

	CHECK(j && err_code(j) == code, "%s -> %s (want %d)", line, dumps(j), code);
	CHECK(j && id && strcmp(id, id_json) == 0, "%s -> id %s (want %s)", line, id, id_json);
	CHECK(j && !json_object_get(j, "result"), "%s", dumps(j));
	if (msg_part)
		CHECK(j && strstr(err_msg(j), msg_part), "%s -> \"%s\" lacks \"%s\"", line,
		      err_msg(j), msg_part);
	if (field) {
		data = err_data(j);
		CHECK(strcmp(str_of(data, "field"), field) == 0, "%s -> field %s (want %s)",
		      line, dumps(data), field);
	}
	free(id);
	json_decref(j);
}

static void expect_errno(struct cli *c, int e, int code)
{
	char line[160];
	json_t *j, *data;

	snprintf(line, sizeof(line),
		 "{\"jsonrpc\":\"2.0\",\"method\":\"fail\",\"params\":{\"errno\":%d},\"id\":%d}", e, e);
	j = cli_call(c, line);
	data = err_data(j);
	CHECK(j && err_code(j) == code, "errno %d -> %s (want %d)", e, dumps(j), code);
	CHECK(json_integer_value(json_object_get(data, "errno")) == e, "%s", dumps(j));
	CHECK(strcmp(str_of(data, "name"), strerrorname_np(e)) == 0, "%s", dumps(j));
	CHECK(strcmp(str_of(data, "message"), strerror(e)) == 0, "%s", dumps(j));
	json_decref(j);
}

static void test_errors(void)
{
	char path[128];
	struct rpc_server *s = srv_start("errors.sock", NULL, path, sizeof(path));
	struct cli *c = cli_connect(path);
	struct rpc_stats st;
	json_t *j;

	/* -32700 */
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1", RPC_ERR_PARSE, "null", "Parse error", NULL);
	expect_error(c, "not json at all", RPC_ERR_PARSE, "null", NULL, NULL);
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"method\":\"add\",\"id\":1}", RPC_ERR_PARSE, "null", NULL, NULL);
	expect_error(c, "{\"a\":1} trailing", RPC_ERR_PARSE, "null", NULL, NULL);
	expect_error(c, "\"\xff\xfe\"", RPC_ERR_PARSE, "null", NULL, NULL);
	/* -32600 */
	expect_error(c, "[]", RPC_ERR_INVALID_REQUEST, "null", "empty batch", NULL);
	expect_error(c, "5", RPC_ERR_INVALID_REQUEST, "null", NULL, NULL);
	expect_error(c, "{\"method\":\"echo\",\"id\":2}", RPC_ERR_INVALID_REQUEST, "2", "jsonrpc", NULL);
	expect_error(c, "{\"jsonrpc\":\"1.0\",\"method\":\"echo\",\"id\":3}", RPC_ERR_INVALID_REQUEST, "3", "2.0", NULL);
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":5,\"id\":4}", RPC_ERR_INVALID_REQUEST, "4", "method", NULL);
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":{\"a\":1}}", RPC_ERR_INVALID_REQUEST, "null", "id", NULL);
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":true}", RPC_ERR_INVALID_REQUEST, "null", "id", NULL);
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"parmas\":{},\"id\":5}", RPC_ERR_INVALID_REQUEST, "5", "parmas", NULL);
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":\"x\",\"id\":6}", RPC_ERR_INVALID_REQUEST, "6", "params", NULL);
	/* invalid requests get an answer even without an id */
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":7}", RPC_ERR_INVALID_REQUEST, "null", NULL, NULL);
	/* -32601 */
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":7}", RPC_ERR_METHOD_NOT_FOUND, "7", "nope", NULL);
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":\"m\"}");
	CHECK(strcmp(str_of(err_data(j), "method"), "nope") == 0, "%s", dumps(j));
	json_decref(j);
	/* -32602, naming the field */
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{},\"id\":8}",
		     RPC_ERR_INVALID_PARAMS, "8", "missing field \"text\"", "text");
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":8}",
		     RPC_ERR_INVALID_PARAMS, "8", "missing field \"text\"", "text");
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":5},\"id\":9}",
		     RPC_ERR_INVALID_PARAMS, "9", "field \"text\": expected string, got integer", "text");
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"a\",\"n\":\"x\"},\"id\":10}",
		     RPC_ERR_INVALID_PARAMS, "10", "field \"n\"", "n");
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"a\",\"colour\":1},\"id\":11}",
		     RPC_ERR_INVALID_PARAMS, "11", "unknown field colour", "colour");
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"nested\",\"params\":{\"ring\":{\"slots\":\"x\"}},\"id\":12}",
		     RPC_ERR_INVALID_PARAMS, "12", "field \"ring.slots\"", "ring.slots");
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"nested\",\"params\":{\"ring\":{}},\"id\":13}",
		     RPC_ERR_INVALID_PARAMS, "13", "missing field \"ring.slots\"", "ring.slots");
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"nested\",\"params\":{\"ring\":{\"slots\":1,\"depth\":2}},\"id\":14}",
		     RPC_ERR_INVALID_PARAMS, "14", "unknown field depth in ring", "ring.depth");
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"nested\",\"params\":{\"ring\":{\"slots\":1},\"names\":[\"a\",3]},\"id\":15}",
		     RPC_ERR_INVALID_PARAMS, "15", "field \"names[1]\"", "names[1]");
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"nested\",\"params\":{\"ring\":5},\"id\":16}",
		     RPC_ERR_INVALID_PARAMS, "16", "field \"ring\": expected object", "ring");
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\"a\"],\"id\":17}",
		     RPC_ERR_INVALID_PARAMS, "17", "by name", NULL);
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"whoami\",\"params\":{\"x\":1},\"id\":18}",
		     RPC_ERR_INVALID_PARAMS, "18", "unknown field x", "x");
	/* application codes from errno */
	expect_errno(c, EPERM, RPC_ERR_PERMISSION);
	expect_errno(c, ENOENT, RPC_ERR_NOT_FOUND);
	expect_errno(c, EBUSY, RPC_ERR_BUSY);
	expect_errno(c, ENOSPC, RPC_ERR_CAPACITY);
	expect_errno(c, EIO, RPC_ERR_KERNEL);
	expect_errno(c, EEXIST, RPC_ERR_STATE);
	expect_errno(c, EOPNOTSUPP, RPC_ERR_UNSUPPORTED);
	expect_errno(c, EINVAL, RPC_ERR_INVALID_PARAMS);
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"fail\",\"params\":{\"errno\":16,\"context\":true},\"id\":20}");
	CHECK(err_code(j) == RPC_ERR_BUSY &&
	      strcmp(err_msg(j), "Failed to frob vale0:p: Device or resource busy") == 0 &&
	      strcmp(str_of(err_data(j), "name"), "EBUSY") == 0, "%s", dumps(j));
	json_decref(j);
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"config.fail\",\"id\":21}");
	CHECK(err_code(j) == RPC_ERR_CONFIG && strstr(err_msg(j), "Configuration refused") &&
	      json_array_size(json_object_get(err_data(j), "errors")) == 1, "%s", dumps(j));
	json_decref(j);
	/* -32603: handler bugs are reported, not crashed on */
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"bad.fds\",\"id\":22}", RPC_ERR_INTERNAL, "22", NULL, NULL);
	expect_error(c, "{\"jsonrpc\":\"2.0\",\"method\":\"bad.format\",\"params\":{\"x\":1},\"id\":23}", RPC_ERR_INTERNAL, "23", NULL, NULL);
	/* the connection is still good after all that */
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":2,\"b\":2},\"id\":99}");
	CHECK(json_integer_value(json_object_get(j, "result")) == 4, "%s", dumps(j));
	json_decref(j);
	st = stats(s);
	CHECK(st.errors >= 40 && st.clients == 1, "errors %llu clients %u",
	      (unsigned long long)st.errors, st.clients);
	cli_close(c);
	rpc_server_free(s);
}

static void test_notifications_and_batch(void)
{
	char path[128];
	struct rpc_server *s = srv_start("batch.sock", NULL, path, sizeof(path));
	struct cli *c = cli_connect(path);
	struct reply r;
	json_t *j, *e;
	char *line;

	/* Notifications (no id) run but get no reply, even on error. */
	cli_sendf(c, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1}}\n"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}\n"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{}}\n"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"admin.poke\"}\n"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"fd.fail\"}\n"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"fd.pipe\",\"params\":{\"texts\":[\"lost\"]}}\n"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":5,\"b\":5},\"id\":\"after\"}\n");
	r = cli_reply(c, 3000);
	CHECK(r.j && strcmp(str_of(r.j, "id"), "after") == 0 &&
	      json_integer_value(json_object_get(r.j, "result")) == 10, "%s", dumps(r.j));
	CHECK(c->nfds == 0 && r.nfds == 0, "a notification's descriptors are not sent");
	reply_free(&r);

	/* A batch: responses in order, none for notifications. */
	j = cli_call(c, "[{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":2},\"id\":1},"
			"{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1}},"
			"{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":2},"
			"7,"
			"{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"t\"},\"id\":3}]");
	CHECK(json_is_array(j) && json_array_size(j) == 4, "%s", dumps(j));
	e = json_array_get(j, 0);
	CHECK(json_integer_value(json_object_get(e, "id")) == 1 &&
	      json_integer_value(json_object_get(e, "result")) == 3, "%s", dumps(e));
	e = json_array_get(j, 1);
	CHECK(json_integer_value(json_object_get(e, "id")) == 2 && err_code(e) == RPC_ERR_METHOD_NOT_FOUND, "%s", dumps(e));
	e = json_array_get(j, 2);
	CHECK(json_is_null(json_object_get(e, "id")) && err_code(e) == RPC_ERR_INVALID_REQUEST, "%s", dumps(e));
	e = json_array_get(j, 3);
	CHECK(json_integer_value(json_object_get(e, "id")) == 3 &&
	      strcmp(str_of(json_object_get(e, "result"), "text"), "t") == 0, "%s", dumps(e));
	json_decref(j);

	/* A batch of notifications only: no line at all. */
	cli_sendf(c, "[{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1}},"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}]\n");
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":0,\"b\":0},\"id\":\"z\"}");
	CHECK(j && strcmp(str_of(j, "id"), "z") == 0, "%s", dumps(j));
	json_decref(j);

	/* A batch whose results carry descriptors: all go with the batch line. */
	cli_sendf(c, "[{\"jsonrpc\":\"2.0\",\"method\":\"fd.pipe\",\"params\":{\"texts\":[\"A\"]},\"id\":1},"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"fd.fail\",\"id\":2},"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"fd.pipe\",\"params\":{\"texts\":[\"B\",\"C\"]},\"id\":3}]\n");
	r = cli_reply(c, 3000);
	CHECK(json_array_size(r.j) == 3 && r.nfds == 3 && c->nfds == 0, "%s nfds %zu", dumps(r.j), r.nfds);
	for (size_t i = 0; i < r.nfds && i < 3; i++) {
		char b[8] = { 0 };

		CHECK(read(r.fds[i], b, sizeof(b) - 1) == 1 && b[0] == "ABC"[i], "fd %zu read \"%s\"", i, b);
	}
	reply_free(&r);

	/* Only the last line may lack its "\n", at the end of input. */
	cli_sendf(c, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":3,\"b\":4},\"id\":\"last\"}");
	shutdown(c->fd, SHUT_WR);
	j = cli_next(c, 3000);
	CHECK(j && strcmp(str_of(j, "id"), "last") == 0 &&
	      json_integer_value(json_object_get(j, "result")) == 7, "%s", dumps(j));
	json_decref(j);
	line = cli_line(c, 2000);
	CHECK(!line && c->eof, "the server closes after the last reply");
	free(line);
	cli_close(c);
	pump_for(5);
	CHECK(stats(s).clients == 0, "clients %u", stats(s).clients);
	rpc_server_free(s);
}

static void test_peercred(void)
{
	char path[128];
	struct rpc_server *s = srv_start("cred.sock", NULL, path, sizeof(path));
	struct cli *c = cli_connect(path);
	gid_t groups[256];
	int n = getgroups(256, groups);
	json_t *j, *res, *g;
	bool all = true;

	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"whoami\",\"id\":1}");
	res = json_object_get(j, "result");
	CHECK(json_integer_value(json_object_get(res, "uid")) == (json_int_t)getuid(), "%s", dumps(j));
	CHECK(json_integer_value(json_object_get(res, "gid")) == (json_int_t)getgid(), "%s", dumps(j));
	CHECK(json_integer_value(json_object_get(res, "pid")) == (json_int_t)getpid(), "%s", dumps(j));
	CHECK(json_is_true(json_object_get(res, "groups_known")), "%s", dumps(j));
	g = json_object_get(res, "groups");
	for (int i = 0; i < n; i++) {
		bool found = false;

		for (size_t k = 0; k < json_array_size(g); k++)
			found |= json_integer_value(json_array_get(g, k)) == groups[i];
		all &= found;
	}
	CHECK(all && (int)json_array_size(g) == n, "groups %s, getgroups() %d", dumps(g), n);
	json_decref(j);
	cli_close(c);
	rpc_server_free(s);
}

static void test_fds(void)
{
	char path[128];
	struct rpc_server *s = srv_start("fds.sock", NULL, path, sizeof(path));
	struct cli *c = cli_connect(path);
	int before = (pump_for(5), count_fds()); /* once the server has accepted */
	struct reply r;
	json_t *fds;
	char b[16];

	/* Two descriptors, in the order of result.fds. */
	cli_sendf(c, "{\"jsonrpc\":\"2.0\",\"method\":\"fd.pipe\",\"params\":{\"texts\":[\"first\",\"second\"]},\"id\":1}\n");
	r = cli_reply(c, 3000);
	fds = json_object_get(json_object_get(r.j, "result"), "fds");
	CHECK(json_array_size(fds) == 2 && strcmp(json_string_value(json_array_get(fds, 0)), "p0") == 0 &&
	      strcmp(json_string_value(json_array_get(fds, 1)), "p1") == 0, "%s", dumps(r.j));
	CHECK(r.nfds == 2 && !c->ctrunc, "received %zu", r.nfds);
	if (r.nfds == 2) {
		memset(b, 0, sizeof(b));
		CHECK(read(r.fds[0], b, sizeof(b) - 1) == 5 && strcmp(b, "first") == 0, "fd0 \"%s\"", b);
		memset(b, 0, sizeof(b));
		CHECK(read(r.fds[1], b, sizeof(b) - 1) == 6 && strcmp(b, "second") == 0, "fd1 \"%s\"", b);
		CHECK(fcntl(r.fds[0], F_GETFD) & FD_CLOEXEC, "MSG_CMSG_CLOEXEC honoured");
	}
	reply_free(&r);

	/* The handed write end works: what the client writes, the daemon side reads. */
	cli_sendf(c, "{\"jsonrpc\":\"2.0\",\"method\":\"fd.sink\",\"id\":2}\n");
	r = cli_reply(c, 3000);
	CHECK(r.nfds == 1, "%s", dumps(r.j));
	if (r.nfds == 1) {
		CHECK(write(r.fds[0], "ping", 4) == 4, "write to the received fd");
		memset(b, 0, sizeof(b));
		CHECK(read(sink_r, b, sizeof(b) - 1) == 4 && strcmp(b, "ping") == 0, "sink read \"%s\"", b);
	}
	reply_free(&r);

	/*
	 * Pipelined: lines without descriptors around lines with them, sent in
	 * one write and read back in one go: each line gets its own.
	 */
	cli_sendf(c, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1},\"id\":10}\n"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"fd.pipe\",\"params\":{\"texts\":[\"x\"]},\"id\":11}\n"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"fd.fail\",\"id\":12}\n"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"fd.pipe\",\"params\":{\"texts\":[\"y\",\"z\"]},\"id\":13}\n"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":2,\"b\":2},\"id\":14}\n");
	pump_for(20);
	for (int id = 10; id <= 14; id++) {
		static const char *want[] = { "", "x", "", "yz", "" };

		r = cli_reply(c, 3000);
		CHECK(json_integer_value(json_object_get(r.j, "id")) == id, "%s", dumps(r.j));
		CHECK(r.nfds == strlen(want[id - 10]), "id %d: %zu fds", id, r.nfds);
		for (size_t i = 0; i < r.nfds; i++) {
			char ch = 0;

			CHECK(read(r.fds[i], &ch, 1) == 1 && ch == want[id - 10][i], "id %d fd %zu: %c", id, i, ch);
		}
		if (id == 12)
			CHECK(err_code(r.j) == RPC_ERR_BUSY, "%s", dumps(r.j));
		reply_free(&r);
	}
	CHECK(c->nfds == 0, "%zu descriptors left over", c->nfds);

	/* Over RPC_MAX_FDS on one line: the call fails, nothing leaks. */
	{
		char req[1024];
		size_t o = 0;

		o += (size_t)snprintf(req + o, sizeof(req) - o,
				      "{\"jsonrpc\":\"2.0\",\"method\":\"fd.pipe\",\"params\":{\"texts\":[");
		for (int i = 0; i <= RPC_MAX_FDS; i++)
			o += (size_t)snprintf(req + o, sizeof(req) - o, "%s\"t\"", i ? "," : "");
		snprintf(req + o, sizeof(req) - o, "]},\"id\":30}");
		r.j = cli_call(c, req);
		CHECK(err_code(r.j) == RPC_ERR_CAPACITY && c->nfds == 0, "%s", dumps(r.j));
		reply_free(&r);
	}
	CHECK(stats(s).fds_sent == 6, "fds_sent %llu", (unsigned long long)stats(s).fds_sent);
	CHECK(count_fds() == before + 1, "descriptors: %d before, %d after (+ the sink)", before, count_fds());
	close(sink_r);
	sink_r = -1;
	cli_close(c);
	rpc_server_free(s);
}

/*
 * A child that becomes uid/gid 65534 with supplementary group 4242, calls
 * whoami and admin.poke and exits 0 if admin.poke answered as @want_code
 * says (0: allowed). Root only.
 */
static int child_call(const char *path, int want_code)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	gid_t g = 4242;
	struct timeval tv = { .tv_sec = 5 };
	char buf[4096];
	size_t len = 0;
	json_t *j;
	int fd;

	if (setgroups(1, &g) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
		return 10;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sun_set(&sa, path);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 11;
	static const char req[] =
		"{\"jsonrpc\":\"2.0\",\"method\":\"whoami\",\"id\":1}\n"
		"{\"jsonrpc\":\"2.0\",\"method\":\"admin.poke\",\"id\":2}\n";
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1)
		return 12;
	while (len < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		char *nl;

		if (n <= 0)
			return 13;
		len += (size_t)n;
		buf[len] = '\0';
		nl = strchr(buf, '\n');
		if (nl && strchr(nl + 1, '\n'))
			break;
	}
	j = json_loadb(buf, (size_t)(strchr(buf, '\n') - buf), 0, NULL);
	j = json_object_get(j, "result");
	if (json_integer_value(json_object_get(j, "uid")) != 65534 ||
	    json_integer_value(json_object_get(j, "gid")) != 65534 ||
	    json_integer_value(json_array_get(json_object_get(j, "groups"), 0)) != 4242)
		return 14;
	j = json_loads(strchr(buf, '\n') + 1, JSON_DISABLE_EOF_CHECK, NULL);
	if (want_code == 0)
		return json_is_true(json_object_get(json_object_get(j, "result"), "poked")) ? 0 : 15;
	return err_code(j) == want_code ? 0 : 16;
}

static int run_child(const char *path, int want_code)
{
	uint64_t end = now_ms() + 10000;
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(child_call(path, want_code)); /* _exit: no LSan report of the parent's heap */
	while (now_ms() < end) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
		pump();
		usleep(500);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 101;
}

static void test_privilege(void)
{
	char path[128];
	struct rpc_server *s = srv_start("priv.sock", NULL, path, sizeof(path));
	struct cli *c = cli_connect(path);
	uid_t me = getuid();
	gid_t mygid = getgid(), other_gid = mygid + 4242;
	uid_t other_uid = me + 4242;
	struct rpc_policy exclude = {
		.root_is_admin = false,
		.admin_uids = &other_uid, .n_admin_uids = 1,
		.admin_gids = &other_gid, .n_admin_gids = 1,
	};
	struct rpc_policy by_gid = { .admin_gids = &mygid, .n_admin_gids = 1 };
	json_t *j;

	/* Default policy: root only. */
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"admin.poke\",\"id\":1}");
	if (me == 0)
		CHECK(json_is_true(json_object_get(json_object_get(j, "result"), "poked")), "%s", dumps(j));
	else
		CHECK(err_code(j) == RPC_ERR_PERMISSION, "%s", dumps(j));
	json_decref(j);

	/* An admin set without us: refused, with the method named; public methods still work. */
	CHECK(rpc_server_set_policy(s, &exclude) == 0, "set_policy");
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"admin.poke\",\"id\":2}");
	CHECK(err_code(j) == RPC_ERR_PERMISSION &&
	      strcmp(str_of(err_data(j), "method"), "admin.poke") == 0 &&
	      strcmp(str_of(err_data(j), "required"), "admin") == 0, "%s", dumps(j));
	json_decref(j);
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"whoami\",\"id\":3}");
	CHECK(json_is_false(json_object_get(json_object_get(j, "result"), "admin")), "%s", dumps(j));
	json_decref(j);
	/* Refused notifications do not run and get no reply. */
	cli_sendf(c, "{\"jsonrpc\":\"2.0\",\"method\":\"admin.poke\"}\n");
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1},\"id\":4}");
	CHECK(json_integer_value(json_object_get(j, "id")) == 4, "%s", dumps(j));
	json_decref(j);

	/* Our group in the admin set: allowed, on the same connection. */
	CHECK(rpc_server_set_policy(s, &by_gid) == 0, "set_policy");
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"admin.poke\",\"id\":5}");
	CHECK(json_is_true(json_object_get(json_object_get(j, "result"), "poked")), "%s", dumps(j));
	json_decref(j);
	cli_close(c);
	rpc_server_free(s);

	/* A real unprivileged peer (root only: needs setuid). */
	if (me == 0) {
		struct rpc_policy root_only = { .root_is_admin = true };
		gid_t g4242 = 4242;
		struct rpc_policy group4242 = { .root_is_admin = true, .admin_gids = &g4242, .n_admin_gids = 1 };
		int rc;

		s = srv_start("priv2.sock", NULL, path, sizeof(path));
		chmod(dir, 0711);
		chmod(path, 0666);
		rpc_server_set_policy(s, &root_only);
		rc = run_child(path, RPC_ERR_PERMISSION);
		CHECK(rc == 0, "uid 65534 refused admin.poke: child exit %d", rc);
		rpc_server_set_policy(s, &group4242);
		rc = run_child(path, 0);
		CHECK(rc == 0, "uid 65534 in supplementary group 4242 allowed: child exit %d", rc);
		chmod(dir, 0700);
		rpc_server_free(s);
	} else {
		printf("  (not root: the setuid child of test_privilege is skipped)\n");
	}
}

static void test_stall_and_vanish(void)
{
	char path[128];
	struct rpc_server *s = srv_start("stall.sock", NULL, path, sizeof(path));
	struct cli *a = cli_connect(path), *b = cli_connect(path), *v, *w;
	json_t *j;

	/* A sends half a line and stalls; B is served meanwhile. */
	cli_sendf(a, "{\"jsonrpc\":\"2.0\",\"method\":\"ad");
	pump_for(10);
	for (int i = 0; i < 3; i++) {
		j = cli_call(b, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1},\"id\":\"b\"}");
		CHECK(j && strcmp(str_of(j, "id"), "b") == 0, "%s", dumps(j));
		json_decref(j);
	}
	/* A completes its line and gets its answer. */
	j = cli_call(a, "d\",\"params\":{\"a\":20,\"b\":22},\"id\":\"a\"}");
	CHECK(j && strcmp(str_of(j, "id"), "a") == 0 &&
	      json_integer_value(json_object_get(j, "result")) == 42, "%s", dumps(j));
	json_decref(j);

	/* V vanishes mid-request; W vanishes with answers still unread. */
	v = cli_connect(path);
	w = cli_connect(path);
	pump_for(5);
	CHECK(stats(s).clients == 4, "clients %u", stats(s).clients);
	cli_sendf(v, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"te");
	for (int i = 0; i < 200; i++)
		cli_sendf(w, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"%0200d\"},\"id\":%d}\n", i, i);
	pump_for(5);
	cli_close(v);
	cli_close(w);
	pump_for(20);
	CHECK(stats(s).clients == 2, "clients %u after two vanished", stats(s).clients);
	j = cli_call(b, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1},\"id\":\"b2\"}");
	CHECK(j && strcmp(str_of(j, "id"), "b2") == 0, "%s", dumps(j));
	json_decref(j);
	cli_close(a);
	cli_close(b);
	pump_for(5);
	CHECK(stats(s).clients == 0, "clients %u", stats(s).clients);
	rpc_server_free(s);
}

static void test_oversize(void)
{
	char path[128];
	struct rpc_server *s = srv_start("big.sock", NULL, path, sizeof(path));
	struct cli *a = cli_connect(path), *b = cli_connect(path), *c;
	size_t big = RPC_DEFAULT_MAX_LINE + 6000;
	char *junk = malloc(big + 64);
	json_t *j;
	char *line;

	/* A line of exactly max_line bytes is fine. */
	{
		const char *head = "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1,\"params\":{\"text\":\"";
		size_t hl = strlen(head), fill = RPC_DEFAULT_MAX_LINE - hl - 3;

		memcpy(junk, head, hl);
		memset(junk + hl, 'x', fill);
		memcpy(junk + hl + fill, "\"}}", 4);
		CHECK(strlen(junk) == RPC_DEFAULT_MAX_LINE, "%zu", strlen(junk));
		j = cli_call(b, junk);
		CHECK(j && strlen(str_of(json_object_get(j, "result"), "text")) == fill, "max_line accepted");
		json_decref(j);
	}

	/* Over the limit without any "\n": error, then the connection closes. */
	memset(junk, 'x', big);
	CHECK(cli_send(a, junk, big), "send");
	j = cli_next(a, 3000);
	CHECK(j && err_code(j) == RPC_ERR_INVALID_REQUEST && strstr(err_msg(j), "too large") &&
	      json_is_null(json_object_get(j, "id")) &&
	      json_integer_value(json_object_get(err_data(j), "limit")) == RPC_DEFAULT_MAX_LINE,
	      "%s", dumps(j));
	json_decref(j);
	line = cli_line(a, 2000);
	CHECK(!line && a->eof, "closed after the error");
	free(line);

	/* Over the limit with its "\n" in the same write. */
	c = cli_connect(path);
	memset(junk, ' ', big);
	junk[big] = '\n';
	cli_send(c, junk, big + 1);
	j = cli_next(c, 3000);
	CHECK(j && err_code(j) == RPC_ERR_INVALID_REQUEST, "%s", dumps(j));
	json_decref(j);
	line = cli_line(c, 2000);
	CHECK(!line && c->eof, "closed after the error");
	free(line);

	/* B was not disturbed. */
	j = cli_call(b, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1},\"id\":2}");
	CHECK(j && json_integer_value(json_object_get(j, "result")) == 2, "%s", dumps(j));
	json_decref(j);
	CHECK(stats(s).oversize == 2, "oversize %llu", (unsigned long long)stats(s).oversize);
	free(junk);
	cli_close(a);
	cli_close(b);
	cli_close(c);
	rpc_server_free(s);
}

static void test_pipeline(void)
{
	char path[128];
	struct rpc_server *s = srv_start("pipe.sock", NULL, path, sizeof(path));
	struct cli *c = cli_connect(path);
	size_t cap = 1000 * 100, o = 0;
	char *req = malloc(cap);
	int good = 0;

	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(req + o, cap - o,
				      "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":%d,\"b\":1},\"id\":%d}\n",
				      i, i);
	/* One write() of the whole lot (the socket buffer holds it). */
	CHECK(write(c->fd, req, o) == (ssize_t)o, "one write of %zu bytes", o);
	for (int i = 0; i < 1000; i++) {
		struct reply r = cli_reply(c, 3000);

		if (json_integer_value(json_object_get(r.j, "id")) == i &&
		    json_integer_value(json_object_get(r.j, "result")) == i + 1)
			good++;
		else if (good == i)
			printf("  reply %d: %s\n", i, dumps(r.j));
		reply_free(&r);
	}
	CHECK(good == 1000, "%d of 1000 answered in order", good);
	free(req);
	cli_close(c);
	rpc_server_free(s);
}

/*
 * A client that sends much and reads nothing is throttled (its requests
 * wait), not dropped, and the others are served meanwhile.
 */
static void test_backpressure(void)
{
	struct rpc_options o = { .out_high = 16 * 1024, .out_max = 64 * 1024 };
	char path[128];
	struct rpc_server *s = srv_start("slow.sock", &o, path, sizeof(path));
	struct cli *a = cli_connect(path), *b = cli_connect(path);
	const int n = 3000;
	size_t cap = (size_t)n * 700, len = 0, sent = 0;
	char *req = malloc(cap);
	int good = 0, next = 0;
	uint64_t end;
	json_t *j;

	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(req + len, cap - len,
					"{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"%0500d\",\"n\":%d},\"id\":%d}\n",
					i, i, i);
	/* Write without reading until nothing more goes in for a while. */
	end = now_ms() + 300;
	while (sent < len && now_ms() < end) {
		ssize_t w = send(a->fd, req + sent, len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w > 0) {
			sent += (size_t)w;
			end = now_ms() + 300;
		}
		pump();
	}
	CHECK(sent < len, "the server stopped reading the slow client (%zu of %zu sent)", sent, len);
	CHECK(stats(s).throttled >= 1, "throttled %llu", (unsigned long long)stats(s).throttled);
	j = cli_call(b, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1},\"id\":\"b\"}");
	CHECK(j && strcmp(str_of(j, "id"), "b") == 0, "other client served while A is throttled: %s", dumps(j));
	json_decref(j);

	/* Now A reads: every response arrives, in order. */
	end = now_ms() + 20000;
	while (next < n && now_ms() < end) {
		char *line;

		if (sent < len) {
			ssize_t w = send(a->fd, req + sent, len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);

			if (w > 0)
				sent += (size_t)w;
		}
		line = cli_line(a, 50);
		if (!line)
			continue;
		j = json_loads(line, 0, NULL);
		if (json_integer_value(json_object_get(j, "id")) == next &&
		    json_integer_value(json_object_get(json_object_get(j, "result"), "n")) == next)
			good++;
		next++;
		json_decref(j);
		free(line);
	}
	CHECK(good == n, "%d of %d responses, in order", good, n);
	CHECK(stats(s).dropped_slow == 0 && stats(s).clients == 2, "no client dropped");
	free(req);
	cli_close(a);
	cli_close(b);
	rpc_server_free(s);
}

static void test_subscribe(void)
{
	struct rpc_options o = { .out_high = 16 * 1024, .out_max = 64 * 1024 };
	char path[128];
	struct rpc_server *s = srv_start("events.sock", &o, path, sizeof(path));
	struct cli *sub = cli_connect(path), *slow = cli_connect(path), *other = cli_connect(path);
	json_t *j, *params;
	char *big;
	int got = 0, blobs = 0, r;

	j = cli_call(sub, "{\"jsonrpc\":\"2.0\",\"method\":\"events.subscribe\",\"id\":1}");
	CHECK(json_is_true(json_object_get(json_object_get(j, "result"), "subscribed")), "%s", dumps(j));
	json_decref(j);
	j = cli_call(slow, "{\"jsonrpc\":\"2.0\",\"method\":\"events.subscribe\",\"params\":{},\"id\":1}");
	json_decref(j);
	expect_error(other, "{\"jsonrpc\":\"2.0\",\"method\":\"events.subscribe\",\"params\":{\"topic\":\"x\"},\"id\":2}",
		     RPC_ERR_INVALID_PARAMS, "2", "topic", "topic");
	CHECK(stats(s).subscribers == 2, "subscribers %u", stats(s).subscribers);

	/* A notification reaches the subscribers, not the others. */
	params = json_pack("{s:s, s:i}", "object", "vale0:p", "seq", 1);
	r = rpc_server_notify(s, "port.changed", params);
	json_decref(params);
	CHECK(r == 2, "queued for %d", r);
	j = cli_next(sub, 3000);
	CHECK(j && strcmp(str_of(j, "method"), "port.changed") == 0 && !json_object_get(j, "id") &&
	      strcmp(str_of(json_object_get(j, "params"), "object"), "vale0:p") == 0 &&
	      strcmp(str_of(j, "jsonrpc"), "2.0") == 0, "%s", dumps(j));
	json_decref(j);
	j = cli_call(other, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1},\"id\":3}");
	CHECK(json_integer_value(json_object_get(j, "id")) == 3, "no event for a non-subscriber: %s", dumps(j));
	json_decref(j);

	/* From inside a handler: the caller, a subscriber, sees the event before its reply. */
	cli_sendf(sub, "{\"jsonrpc\":\"2.0\",\"method\":\"notify.me\",\"params\":{\"x\":1},\"id\":4}\n");
	j = cli_next(sub, 3000);
	CHECK(strcmp(str_of(j, "method"), "test.event") == 0, "%s", dumps(j));
	json_decref(j);
	j = cli_next(sub, 3000);
	CHECK(json_integer_value(json_object_get(j, "id")) == 4 &&
	      json_integer_value(json_object_get(json_object_get(j, "result"), "delivered")) == 2, "%s", dumps(j));
	json_decref(j);

	/* A subscriber that never reads is dropped past out_max; the others carry on. */
	big = malloc(4096);
	memset(big, 'e', 4095);
	big[4095] = '\0';
	params = json_pack("{s:s}", "blob", big);
	for (int i = 0; i < 400 && stats(s).dropped_slow == 0; i++) {
		rpc_server_notify(s, "blob", params);
		blobs++;
		pump();
		while ((j = cli_next(sub, 0)) != NULL) {
			got += strcmp(str_of(j, "method"), "blob") == 0;
			json_decref(j);
		}
	}
	json_decref(params);
	free(big);
	/* Drain the rest of what sub has been sent. */
	while ((j = cli_next(sub, 200)) != NULL) {
		got += strcmp(str_of(j, "method"), "blob") == 0;
		json_decref(j);
	}
	CHECK(stats(s).dropped_slow == 1, "dropped_slow %llu after %d blobs",
	      (unsigned long long)stats(s).dropped_slow, blobs);
	CHECK(got == blobs, "sub got %d of %d blobs", got, blobs);
	{
		/* slow gets what was queued before the drop, then EOF */
		char *line;
		int n = 0;

		while ((line = cli_line(slow, 500)) != NULL) {
			n++;
			free(line);
		}
		CHECK(slow->eof && n > 0, "slow: %d lines then EOF (eof %d)", n, slow->eof);
	}
	CHECK(stats(s).subscribers == 1, "subscribers %u", stats(s).subscribers);
	j = cli_call(sub, "{\"jsonrpc\":\"2.0\",\"method\":\"events.unsubscribe\",\"id\":5}");
	CHECK(json_is_false(json_object_get(json_object_get(j, "result"), "subscribed")) &&
	      stats(s).subscribers == 0, "%s", dumps(j));
	json_decref(j);
	CHECK(rpc_server_notify(s, "nobody", NULL) == 0, "nobody listens");
	cli_close(sub);
	cli_close(slow);
	cli_close(other);
	rpc_server_free(s);
}

static void test_emfile(void)
{
	struct rpc_options o = { .accept_pause_ms = 100 };
	char path[128];
	struct rpc_server *s = srv_start("emfile.sock", &o, path, sizeof(path));
	struct cli *c = cli_connect(path); /* queued in the backlog, not accepted */
	struct rlimit old, low;
	uint64_t t0;
	int probe;
	json_t *j;

	watch = "not accepting";
	watched = false;
	getrlimit(RLIMIT_NOFILE, &old);
	probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
	close(probe);
	low = old;
	low.rlim_cur = (rlim_t)probe; /* no descriptor left to accept with */
	CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0, "setrlimit");
	t0 = now_ms();
	for (int i = 0; i < 50; i++) {
		pump();
		usleep(200);
	}
	/* One pause per accept_pause_ms at most: not spinning on EMFILE. */
	CHECK(stats(s).accept_pauses >= 1 &&
	      stats(s).accept_pauses <= (now_ms() - t0) / 100 + 1 && stats(s).accepted == 0,
	      "accepting paused %llu times in %llu ms",
	      (unsigned long long)stats(s).accept_pauses, (unsigned long long)(now_ms() - t0));
	setrlimit(RLIMIT_NOFILE, &old);
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1},\"id\":1}");
	CHECK(j && json_integer_value(json_object_get(j, "result")) == 2 &&
	      stats(s).accepted == 1, "accepted after the pause: %s", dumps(j));
	CHECK(watched, "the pause was logged");
	watch = NULL;
	json_decref(j);
	cli_close(c);
	rpc_server_free(s);
}

static void test_max_clients(void)
{
	struct rpc_options o = { .max_clients = 2 };
	char path[128];
	struct rpc_server *s = srv_start("max.sock", &o, path, sizeof(path));
	struct cli *a = cli_connect(path), *b = cli_connect(path), *c;
	json_t *j;

	pump_for(5);
	c = cli_connect(path);
	j = cli_next(c, 3000);
	CHECK(j && err_code(j) == RPC_ERR_CAPACITY, "%s", dumps(j));
	json_decref(j);
	CHECK(!cli_line(c, 1000) && c->eof, "refused client closed");
	CHECK(stats(s).refused == 1 && stats(s).clients == 2, "refused %llu",
	      (unsigned long long)stats(s).refused);
	cli_close(a);
	cli_close(b);
	cli_close(c);
	rpc_server_free(s);

	/* Per user: one uid cannot take every slot (admins are not capped per uid). */
	o.max_clients = 10;
	o.max_clients_per_uid = 2;
	s = srv_start("peruid.sock", &o, path, sizeof(path));
	rpc_server_set_policy(s, &(struct rpc_policy){ .root_is_admin = false });
	a = cli_connect(path);
	b = cli_connect(path);
	pump_for(5);
	c = cli_connect(path);
	j = cli_next(c, 3000);
	CHECK(j && err_code(j) == RPC_ERR_CAPACITY && strstr(err_msg(j), "this user"), "%s", dumps(j));
	json_decref(j);
	CHECK(!cli_line(c, 1000) && c->eof, "refused client closed");
	cli_close(c);
	cli_close(a);
	pump_for(5);
	c = cli_connect(path);
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1},\"id\":1}");
	CHECK(j && json_integer_value(json_object_get(j, "result")) == 2, "a slot freed: %s", dumps(j));
	json_decref(j);
	CHECK(stats(s).refused == 1 && stats(s).clients == 2, "refused %llu clients %u",
	      (unsigned long long)stats(s).refused, stats(s).clients);
	{
		/* An admin is not capped per uid. */
		uid_t me = getuid();
		struct cli *d;

		rpc_server_set_policy(s, &(struct rpc_policy){ .admin_uids = &me, .n_admin_uids = 1 });
		d = cli_connect(path);
		j = cli_call(d, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1},\"id\":1}");
		CHECK(j && json_integer_value(json_object_get(j, "result")) == 2,
		      "an admin's third connection: %s", dumps(j));
		json_decref(j);
		cli_close(d);
	}
	cli_close(b);
	cli_close(c);
	rpc_server_free(s);
}

/* A good client's call works (the attack of the test does not hurt it). */
static void good_call(struct cli *g, const char *when)
{
	json_t *j = cli_call(g, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":2,\"b\":3},\"id\":\"g\"}");

	CHECK(j && json_integer_value(json_object_get(j, "result")) == 5,
	      "good client %s: %s", when, dumps(j));
	json_decref(j);
}

/* The entries of a batch and of its replies: max_batch, max_reply. */
static void test_batch_limits(void)
{
	struct rpc_options o = { .max_batch = 4, .max_reply = 1500 };
	char path[128], *big;
	struct rpc_server *s = srv_start("batch.sock", &o, path, sizeof(path));
	struct cli *a = cli_connect(path), *g = cli_connect(path);
	unsigned before;
	json_t *j, *e;

	/* Over max_batch: one error, nothing run. */
	before = n_counted;
	j = cli_call(a, "[{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":1},"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":2},"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":3},"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":4},"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":5}]");
	CHECK(json_is_object(j) && err_code(j) == RPC_ERR_INVALID_REQUEST &&
	      json_is_null(json_object_get(j, "id")) &&
	      strstr(err_msg(j), "batch of 5 entries, the limit is 4 (limits.max_batch)") &&
	      json_integer_value(json_object_get(err_data(j), "limit")) == 4 &&
	      json_integer_value(json_object_get(err_data(j), "entries")) == 5,
	      "batch over max_batch: %s", dumps(j));
	CHECK(n_counted == before && stats(s).big_batches == 1, "nothing of it ran (%u)",
	      n_counted - before);
	json_decref(j);
	good_call(g, "after a refused batch");

	/* At max_batch it runs. */
	j = cli_call(a, "[{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":1},"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":2},"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":3},"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":4}]");
	CHECK(json_array_size(j) == 4 && n_counted == before + 4, "a batch of 4: %s", dumps(j));
	json_decref(j);

	/* Replies: 3 echoes of 400 bytes fit in 1500, the 4th crosses it. */
	big = malloc(401);
	memset(big, 'x', 400);
	big[400] = '\0';
	cli_sendf(a, "[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"%s\"},\"id\":1},"
		  "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"%s\"},\"id\":2},"
		  "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"%s\"},\"id\":3},"
		  "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"%s\"},\"id\":\"cut\"}]\n",
		  big, big, big, big);
	j = cli_next(a, 3000);
	CHECK(json_array_size(j) == 4, "4 replies: %s", dumps(j));
	for (size_t i = 0; i < 3; i++)
		CHECK(strlen(str_of(json_object_get(json_array_get(j, i), "result"), "text")) == 400,
		      "reply %zu whole", i);
	e = json_array_get(j, 3);
	CHECK(err_code(e) == RPC_ERR_CAPACITY && strcmp(str_of(e, "id"), "cut") == 0 &&
	      strstr(err_msg(e), "limits.max_reply_bytes") && strstr(err_msg(e), "ran") &&
	      json_integer_value(json_object_get(err_data(e), "limit")) == 1500,
	      "the 4th is cut: %s", dumps(e));
	json_decref(j);

	/* After the cut, the rest do not run; notifications get nothing. */
	before = n_counted;
	cli_sendf(a, "[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"%s%s%s%s\"},\"id\":1},"
		  "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":2},"
		  "{\"jsonrpc\":\"2.0\",\"method\":\"count\"},"
		  "{\"jsonrpc\":\"2.0\",\"method\":\"count\",\"id\":4}]\n", big, big, big, big);
	j = cli_next(a, 3000);
	CHECK(json_array_size(j) == 3 && n_counted == before, "3 errors, nothing counted: %s", dumps(j));
	for (size_t i = 0; i < json_array_size(j); i++)
		CHECK(err_code(json_array_get(j, i)) == RPC_ERR_CAPACITY, "entry %zu -32004", i);
	CHECK(strstr(err_msg(json_array_get(j, 1)), "not run"), "%s", dumps(json_array_get(j, 1)));
	json_decref(j);

	/* A single request whose reply is too large; its descriptors are closed. */
	cli_sendf(a, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"%s%s%s%s\"},\"id\":7}\n",
		  big, big, big, big);
	j = cli_next(a, 3000);
	CHECK(err_code(j) == RPC_ERR_CAPACITY && json_integer_value(json_object_get(j, "id")) == 7,
	      "single reply cut: %s", dumps(j));
	json_decref(j);
	free(big);
	CHECK(stats(s).replies_cut == 5, "replies_cut %llu", (unsigned long long)stats(s).replies_cut);
	good_call(g, "after cut replies");
	good_call(a, "on the cutting connection");
	cli_close(a);
	cli_close(g);
	rpc_server_free(s);
}

/* Subscribers that never read: each is dropped at out_max, all at out_total. */
static void test_output_total(void)
{
	struct rpc_options o = { .out_high = 8192, .max_reply = 8192, .max_line = 4096,
				 .max_batch = 4, .out_max = 64 * 1024, .out_total = 160 * 1024 };
	char path[128], *blob;
	struct rpc_server *s = srv_start("total.sock", &o, path, sizeof(path));
	struct cli *slow[6], *reader = cli_connect(path), *g = cli_connect(path);
	size_t peak = 0;
	int got = 0, sent = 0;
	json_t *j, *params;

	for (int i = 0; i < 6; i++) {
		slow[i] = cli_connect(path);
		j = cli_call(slow[i], "{\"jsonrpc\":\"2.0\",\"method\":\"events.subscribe\",\"id\":1}");
		json_decref(j);
	}
	j = cli_call(reader, "{\"jsonrpc\":\"2.0\",\"method\":\"events.subscribe\",\"id\":1}");
	json_decref(j);
	blob = malloc(2049);
	memset(blob, 'b', 2048);
	blob[2048] = '\0';
	params = json_pack("{s:s}", "blob", blob);
	/* Until every slow one is gone (their socket buffers fill first). */
	for (int i = 0; i < 5000 && stats(s).subscribers > 1; i++) {
		rpc_server_notify(s, "blob", params);
		sent++;
		if (stats(s).out_queued > peak)
			peak = stats(s).out_queued;
		pump();
		while ((j = cli_next(reader, 0)) != NULL) {
			got += strcmp(str_of(j, "method"), "blob") == 0;
			json_decref(j);
		}
		if (i % 100 == 0)
			good_call(g, "while subscribers pile up output");
	}
	while ((j = cli_next(reader, 200)) != NULL) {
		got += strcmp(str_of(j, "method"), "blob") == 0;
		json_decref(j);
	}
	CHECK(peak <= 160 * 1024, "output queued peaked at %zu, the limit is %u", peak, 160 * 1024);
	CHECK(stats(s).subscribers == 1 && stats(s).dropped_slow + stats(s).dropped_total == 6 &&
	      stats(s).dropped_total >= 1,
	      "6 slow subscribers dropped (%llu over out_max, %llu over out_total), %u left",
	      (unsigned long long)stats(s).dropped_slow, (unsigned long long)stats(s).dropped_total,
	      stats(s).subscribers);
	CHECK(got == sent, "the reading subscriber got %d of %d", got, sent);
	for (int i = 0; i < 6; i++) {
		char *line;

		while ((line = cli_line(slow[i], 300)) != NULL)
			free(line);
		CHECK(slow[i]->eof, "slow %d closed", i);
		cli_close(slow[i]);
	}
	CHECK(stats(s).out_queued == 0, "nothing queued at the end: %llu",
	      (unsigned long long)stats(s).out_queued);
	good_call(g, "after");
	json_decref(params);
	free(blob);
	cli_close(reader);
	cli_close(g);
	rpc_server_free(s);
}

/* The last slots are for admins; the refusal says why. */
static void test_admin_slots(void)
{
	struct rpc_options o = { .max_clients = 4, .admin_reserve = 2 };
	uid_t me = getuid();
	struct rpc_policy nobody = { .root_is_admin = false };
	struct rpc_policy just_me = { .root_is_admin = false, .admin_uids = &me, .n_admin_uids = 1 };
	char path[128];
	struct rpc_server *s = srv_start("slots.sock", &o, path, sizeof(path));
	struct cli *c[5];
	json_t *j;

	rpc_server_set_policy(s, &nobody);
	c[0] = cli_connect(path);
	c[1] = cli_connect(path);
	pump_for(5);
	c[2] = cli_connect(path);
	j = cli_next(c[2], 3000);
	CHECK(j && err_code(j) == RPC_ERR_CAPACITY &&
	      strstr(err_msg(j), "the last 2 of 4 slots are kept for admins (limits.admin_slots)"),
	      "non-admin refused: %s", dumps(j));
	json_decref(j);
	CHECK(!cli_line(c[2], 1000) && c[2]->eof, "refused client closed");
	cli_close(c[2]);

	rpc_server_set_policy(s, &just_me);
	c[2] = cli_connect(path);
	c[3] = cli_connect(path);
	pump_for(5);
	good_call(c[2], "an admin in a kept slot");
	good_call(c[3], "an admin in the last slot");
	c[4] = cli_connect(path);
	j = cli_next(c[4], 3000);
	CHECK(j && err_code(j) == RPC_ERR_CAPACITY && strstr(err_msg(j), "(limits.max_clients)"),
	      "over max_clients: %s", dumps(j));
	json_decref(j);
	CHECK(stats(s).refused == 2, "refused %llu", (unsigned long long)stats(s).refused);
	for (int i = 0; i < 5; i++)
		cli_close(c[i]);
	rpc_server_free(s);
}

/* Half-sent lines, unread output and idleness are timed out; the others are served. */
static void test_timeouts(void)
{
	struct rpc_options o = { .line_timeout_ms = 600, .write_timeout_ms = 1000,
				 .idle_timeout_ms = 2500, .out_high = 16 * 1024 };
	char path[128];
	struct rpc_server *s = srv_start("timeouts.sock", &o, path, sizeof(path));
	struct cli *half[20], *g = cli_connect(path), *sub, *reader, *idle;
	const char *req = "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":2,\"b\":3},\"id\":\"g\"}\n";
	size_t rl = strlen(req);
	uint64_t t0;
	json_t *j;
	int ok = 0;

	for (int i = 0; i < 20; i++) {
		half[i] = cli_connect(path);
		cli_sendf(half[i], "{\"jsonrpc\":\"2.0\",\"meth");
	}
	n_timeout_logs = 0;
	sub = cli_connect(path);
	j = cli_call(sub, "{\"jsonrpc\":\"2.0\",\"method\":\"events.subscribe\",\"id\":1}");
	json_decref(j);
	t0 = now_ms();
	/* A good client that sends its lines in two halves 50 ms apart keeps going. */
	while (now_ms() - t0 < 1000) {
		cli_send(g, req, rl / 2);
		pump_for(50);
		cli_send(g, req + rl / 2, rl - rl / 2);
		j = cli_next(g, 2000);
		ok += j && json_integer_value(json_object_get(j, "result")) == 5;
		json_decref(j);
	}
	CHECK(ok >= 3 && !g->eof, "the split-line client was served %d times", ok);
	for (int i = 0; i < 20; i++) {
		j = cli_next(half[i], 2000);
		CHECK(j && err_code(j) == RPC_ERR_CAPACITY &&
		      strstr(err_msg(j), "unfinished (22 bytes) for 600 ms (limits.line_timeout)"),
		      "half-sent %d: %s", i, dumps(j));
		json_decref(j);
		CHECK(!cli_line(half[i], 1000) && half[i]->eof, "half-sent %d closed", i);
		cli_close(half[i]);
	}
	/* 20 timeouts at once (more than one tick closes): 10 warnings, then quiet. */
	CHECK(n_timeout_logs == 10, "%u warnings logged for 20 timeouts (rate limit 10)",
	      n_timeout_logs);

	/* A reader that stops reading: its output does not move for write_timeout. */
	reader = cli_connect(path);
	{
		size_t cap = 2000 * 600, len = 0;
		char *buf = malloc(cap);

		for (int i = 0; i < 2000; i++)
			len += (size_t)snprintf(buf + len, cap - len,
						"{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"text\":\"%0500d\"},\"id\":%d}\n",
						i, i);
		t0 = now_ms();
		while (!reader->eof && now_ms() - t0 < 5000) {
			send(reader->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			pump_for(20);
			good_call(g, "while a reader stalls"); /* and g is not idle */
			if (stats(s).timeouts >= 21)
				break;
		}
		free(buf);
	}
	CHECK(stats(s).timeouts == 21 && stats(s).clients == 2,
	      "the stalled reader timed out after %llu ms (timeouts %llu, clients %u)",
	      (unsigned long long)(now_ms() - t0), (unsigned long long)stats(s).timeouts,
	      stats(s).clients);
	cli_close(reader);
	good_call(g, "after the stalled reader");

	/* Idle: a silent connection goes, a subscriber stays. */
	idle = cli_connect(path);
	pump_for(3000);
	j = cli_next(idle, 2000);
	CHECK(j && strstr(err_msg(j), "idle for 2500 ms (limits.idle_timeout)"), "idle: %s", dumps(j));
	json_decref(j);
	CHECK(!cli_line(idle, 1000) && idle->eof, "idle one closed");
	CHECK(!sub->eof, "the subscriber stays");
	cli_close(idle);
	cli_close(sub);
	cli_close(g);
	rpc_server_free(s);
}

/*
 * Fairness: 16 connections with batches buffered (and never reading) do
 * not make a good client wait for all of them: it waits for one turn of
 * each at most (a batch, or REQUESTS_PER_RUN requests), not for
 * everything buffered. The loop runs one iteration per pump here, as
 * the daemon's does between two polls.
 */
static void test_fairness(void)
{
	char path[128];
	struct rpc_server *s = srv_start("fair.sock", NULL, path, sizeof(path));
	struct cli *att[16], *g = cli_connect(path);
	size_t cap = 32 * 80 + 16, len = 0;
	char *line = malloc(cap);
	uint64_t before, waited, t0;
	json_t *j;

	good_call(g, "before");
	len += (size_t)snprintf(line + len, cap - len, "[");
	for (int i = 0; i < 32; i++)
		len += (size_t)snprintf(line + len, cap - len,
					"%s{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":%d,\"b\":1},\"id\":%d}",
					i ? "," : "", i, i);
	len += (size_t)snprintf(line + len, cap - len, "]\n");
	for (int i = 0; i < 16; i++) {
		att[i] = cli_connect(path);
		/* Fill the socket without letting the server run. */
		for (int k = 0; k < 200; k++)
			if (send(att[i]->fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL) <= 0)
				break;
	}
	pump_flags = EVLOOP_ONCE | EVLOOP_NONBLOCK;
	pump(); /* accept them */
	pump(); /* one turn each */
	before = adds_served;
	t0 = now_ms();
	cli_sendf(g, "{\"jsonrpc\":\"2.0\",\"method\":\"mark\",\"id\":\"g\"}\n");
	/*
	 * The 16 attackers used their whole budget: they run at the heavy
	 * level, which waits while a normal one (the good call) has work, so
	 * the good call is served before any more of theirs; without the
	 * levels it would wait for a round of all 16 batches of 32.
	 */
	j = cli_next(g, 5000);
	CHECK(j && json_is_true(json_object_get(j, "result")), "good call: %s", dumps(j));
	json_decref(j);
	waited = adds_at_mark - before;
	CHECK(waited <= 32, "the good call waited for %llu requests of others (%llu ms)",
	      (unsigned long long)waited,
	      (unsigned long long)(now_ms() - t0));
	pump_flags = EVLOOP_NONBLOCK;
	for (int i = 0; i < 16; i++)
		cli_close(att[i]);
	cli_close(g);
	free(line);
	rpc_server_free(s);
}

static void test_socket_setup(void)
{
	char path[128], file[128];
	struct rpc_server *s, *s2;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	struct cli *c;
	json_t *j;
	int fd, r;

	rpc_server_new(base, methods, sizeof(methods) / sizeof(methods[0]),
		       &(struct rpc_options){ .log = test_log }, NULL, &s);

	/* Not a socket: left alone. */
	snprintf(file, sizeof(file), "%s/file.sock", dir);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	r = rpc_server_listen_path(s, file, 0660, (gid_t)-1);
	CHECK(r == -EEXIST && stat(file, &st) == 0 && S_ISREG(st.st_mode), "r %d", r);

	/* A stale socket (nobody listening) is replaced. */
	snprintf(path, sizeof(path), "%s/stale.sock", dir);
	sun_set(&sa, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode), "stale socket made");
	r = rpc_server_listen_path(s, path, 0640, getgid());
	CHECK(r == 0, "listen over a stale socket: %d (%s)", r, last_log);
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0640 &&
	      st.st_gid == getgid(), "mode %o gid %u", st.st_mode & 07777, (unsigned)st.st_gid);

	/* In use: refused, and the live socket stays. */
	rpc_server_new(base, methods, sizeof(methods) / sizeof(methods[0]),
		       &(struct rpc_options){ .log = test_log }, NULL, &s2);
	r = rpc_server_listen_path(s2, path, 0660, (gid_t)-1);
	CHECK(r == -EADDRINUSE, "r %d", r);
	c = cli_connect(path);
	j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1},\"id\":1}");
	CHECK(json_integer_value(json_object_get(j, "result")) == 2, "%s", dumps(j));
	json_decref(j);
	cli_close(c);

	/* The group: root may give it away; others get a warning and go on. */
	{
		char p2[128];

		snprintf(p2, sizeof(p2), "%s/group.sock", dir);
		r = rpc_server_listen_path(s2, p2, 0660, (gid_t)4242);
		if (geteuid() == 0)
			CHECK(r == 0 && stat(p2, &st) == 0 && st.st_gid == 4242, "r %d gid %u", r, (unsigned)st.st_gid);
		else
			CHECK(r == 0 && strstr(last_log, "ignoring"), "r %d log %s", r, last_log);
		rpc_server_free(s2);
		CHECK(stat(p2, &st) < 0 && errno == ENOENT, "socket unlinked at free");
	}

	/* Born under umask 0177: check the bits with a permissive mode request. */
	{
		char p3[128];

		rpc_server_new(base, methods, sizeof(methods) / sizeof(methods[0]),
			       &(struct rpc_options){ .log = test_log }, NULL, &s2);
		snprintf(p3, sizeof(p3), "%s/open.sock", dir);
		r = rpc_server_listen_path(s2, p3, 0666, (gid_t)-1);
		CHECK(r == 0 && stat(p3, &st) == 0 && (st.st_mode & 0777) == 0666, "mode %o", st.st_mode & 0777);
		rpc_server_free(s2);
	}

	/* A name too long for sun_path. */
	{
		char longp[200];

		memset(longp, 'a', sizeof(longp) - 1);
		longp[sizeof(longp) - 1] = '\0';
		CHECK(rpc_server_listen_path(s, longp, 0660, (gid_t)-1) == -ENAMETOOLONG, "long path");
	}

	/* Socket activation: an already listening fd. */
	{
		char p4[128];
		int p[2];

		snprintf(p4, sizeof(p4), "%s/activated.sock", dir);
		sun_set(&sa, p4);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 16) == 0, "bind");
		rpc_server_new(base, methods, sizeof(methods) / sizeof(methods[0]),
			       &(struct rpc_options){ .log = test_log }, NULL, &s2);
		CHECK(rpc_server_listen_fd(s2, fd) == 0, "listen_fd");
		c = cli_connect(p4);
		j = cli_call(c, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":2,\"b\":3},\"id\":1}");
		CHECK(json_integer_value(json_object_get(j, "result")) == 5, "%s", dumps(j));
		json_decref(j);
		cli_close(c);
		rpc_server_free(s2);
		CHECK(stat(p4, &st) == 0, "a passed-in socket's file is not ours to unlink");
		unlink(p4);

		rpc_server_new(base, methods, sizeof(methods) / sizeof(methods[0]),
			       &(struct rpc_options){ .log = test_log }, NULL, &s2);
		CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe");
		CHECK(rpc_server_listen_fd(s2, p[0]) == -ENOTSOCK, "a pipe is refused");
		close(p[1]);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		CHECK(rpc_server_listen_fd(s2, fd) == -EINVAL, "a socket that does not listen is refused");
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		CHECK(rpc_server_listen_fd(s2, fd) == -EINVAL, "a datagram socket is refused");
		rpc_server_free(s2);
	}

	rpc_server_free(s);
	CHECK(stat(path, &st) < 0 && errno == ENOENT, "socket unlinked at free");
	unlink(file);
}

static int eval_str(struct rpc_server *s, const struct rpc_peer *peer,
		    const char *line, char **resp)
{
	return rpc_server_eval(s, peer, line, strlen(line), resp);
}

static void test_eval(void)
{
	struct rpc_server *s;
	struct rpc_peer peer = { .uid = 1000, .gid = 1000, .pid = 1 };
	char *resp;
	int n;

	rpc_server_new(base, methods, sizeof(methods) / sizeof(methods[0]),
		       &(struct rpc_options){ .log = test_log }, NULL, &s);
	n = eval_str(s, &peer, "{\"jsonrpc\":\"2.0\",\"method\":\"whoami\",\"id\":1}", &resp);
	CHECK(n == 0 && resp && strstr(resp, "\"uid\":1000") && !strchr(resp, '\n'), "%d %s", n, resp);
	free(resp);
	n = eval_str(s, &peer, "{\"jsonrpc\":\"2.0\",\"method\":\"admin.poke\",\"id\":1}", &resp);
	CHECK(n == 0 && resp && strstr(resp, "-32001"), "%d %s", n, resp);
	free(resp);
	n = eval_str(s, &peer, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":{\"a\":1,\"b\":1}}", &resp);
	CHECK(n == 0 && !resp, "notification: no response");
	n = eval_str(s, &peer, "{\"jsonrpc\":\"2.0\",\"method\":\"fd.pipe\",\"params\":{\"texts\":[\"a\",\"b\"]},\"id\":1}", &resp);
	CHECK(n == 2 && resp && strstr(resp, "\"fds\":[\"p0\",\"p1\"]"), "%d %s", n, resp);
	free(resp);
	/* A deferred call runs inline: its gate must be open first. */
	gate_setup();
	gate_open(1);
	n = eval_str(s, &peer, GATE(5, ",\"id\":1"), &resp);
	CHECK(n == 1 && resp && strstr(resp, "\"tag\":5"), "deferred call inline: %d %s", n, resp);
	free(resp);
	n = eval_str(s, &peer, "{\"jsonrpc\":\"2.0\",\"method\":\"events.subscribe\",\"id\":1}", &resp);
	CHECK(n == 0 && resp && stats(s).subscribers == 0, "eval does not subscribe anything real");
	free(resp);
	rpc_server_free(s);
}

/* -- Deferred calls ------------------------------------------------------------ */

/* Run the loop until @n works have begun (at most 5 s); whether they did. */
static bool gate_wait_started(unsigned n)
{
	uint64_t end = now_ms() + 5000;

	while (atomic_load(&gate_started) < n && now_ms() < end) {
		pump();
		usleep(500);
	}
	return atomic_load(&gate_started) >= n;
}

static bool gate_wait_released(unsigned n)
{
	uint64_t end = now_ms() + 5000;

	while (gate_released < n && now_ms() < end) {
		pump();
		usleep(500);
	}
	return gate_released >= n;
}

/* A reply of gate @tag with its descriptor, which reads "g". */
static void check_gate_reply(json_t *j, const int *fds, size_t nfds, json_int_t tag)
{
	char b = 0;

	CHECK(json_integer_value(json_object_get(json_object_get(j, "result"), "tag")) == tag,
	      "gate %lld answered: %s", (long long)tag, dumps(j));
	CHECK(nfds == 1 && read(fds[0], &b, 1) == 1 && b == 'g',
	      "gate %lld: its descriptor came (%zu)", (long long)tag, nfds);
}

/*
 * A deferred call holds its own connection only: another connection is
 * answered while it waits; its connection's next request is answered
 * after it; a batch keeps its order and sends one line with every
 * descriptor; a failed or unanswered (notification) job's descriptor is
 * closed; release() runs once per job.
 */
static void test_deferred(void)
{
	char path[128];
	struct rpc_server *s;
	struct cli *a, *b;
	struct reply r;
	char *line;
	json_t *j;
	int fds0;

	gate_setup();
	fds0 = count_fds();
	s = srv_start("defer.sock", NULL, path, sizeof(path));
	a = cli_connect(path);
	b = cli_connect(path);
	atomic_store(&gate_started, 0);
	gate_released = 0;

	CHECK(cli_sendf(a, GATE(1, ",\"id\":1") "\n" ECHO(",\"id\":2") "\n"), "send");
	CHECK(gate_wait_started(1), "the job began");
	j = cli_call(b, ECHO(",\"id\":9"));
	CHECK(j && json_object_get(j, "result"), "another connection is served meanwhile: %s", dumps(j));
	json_decref(j);
	line = cli_line(a, 200);
	CHECK(!line, "nothing for the waiting connection while its gate is shut: %s", line);
	free(line);
	gate_open(1);
	r = cli_reply(a, 3000);
	CHECK(json_integer_value(json_object_get(r.j, "id")) == 1, "the deferred call first");
	check_gate_reply(r.j, r.fds, r.nfds, 1);
	reply_free(&r);
	j = cli_next(a, 3000);
	CHECK(json_integer_value(json_object_get(j, "id")) == 2, "then the next request: %s", dumps(j));
	json_decref(j);

	/* A batch: gate, echo, a failing gate, a gate notification. */
	gate_open(3);
	CHECK(cli_sendf(a, "[" GATE(2, ",\"id\":3") "," ECHO(",\"id\":4") "," GATE(-1, ",\"id\":5")
			   "," GATE(3, "") "]\n"), "send batch");
	r = cli_reply(a, 3000);
	CHECK(json_array_size(r.j) == 3, "one line, three responses: %s", dumps(r.j));
	CHECK(json_integer_value(json_object_get(json_array_get(r.j, 0), "id")) == 3 &&
	      json_integer_value(json_object_get(json_array_get(r.j, 1), "id")) == 4 &&
	      err_code(json_array_get(r.j, 2)) == RPC_ERR_BUSY, "in order: %s", dumps(r.j));
	check_gate_reply(json_array_get(r.j, 0), r.fds, r.nfds, 2);
	reply_free(&r);
	CHECK(gate_wait_released(4), "every job released (%u)", gate_released);

	/* The client goes away while its job runs: released, nothing sent. */
	CHECK(cli_sendf(a, GATE(6, ",\"id\":6") "\n"), "send");
	CHECK(gate_wait_started(5), "the job began");
	cli_close(a);
	pump_for(20);
	gate_open(1);
	CHECK(gate_wait_released(5), "the job of a vanished client released (%u)", gate_released);
	cli_close(b);
	rpc_server_free(s);
	CHECK(count_fds() == fds0, "no descriptor left: %d, was %d", count_fds(), fds0);
}

/*
 * The end of the input after a deferred request (`printf ... | socat`):
 * the reply still comes, then the server closes.
 */
static void test_deferred_eof(void)
{
	char path[128];
	struct rpc_server *s;
	struct cli *a;
	struct reply r;
	char *line;

	gate_setup();
	s = srv_start("defer-eof.sock", NULL, path, sizeof(path));
	a = cli_connect(path);
	atomic_store(&gate_started, 0);
	gate_released = 0;
	CHECK(cli_sendf(a, GATE(7, ",\"id\":7")), "send, no newline");
	CHECK(shutdown(a->fd, SHUT_WR) == 0, "shutdown");
	CHECK(gate_wait_started(1), "the job began");
	pump_for(20);
	gate_open(1);
	r = cli_reply(a, 3000);
	check_gate_reply(r.j, r.fds, r.nfds, 7);
	reply_free(&r);
	line = cli_line(a, 3000);
	CHECK(!line && a->eof, "then the server closed: %s", line);
	free(line);
	cli_close(a);

	/* Freed while a job is in work(): it waits for it, then releases. */
	a = cli_connect(path);
	CHECK(cli_sendf(a, GATE(8, ",\"id\":8") "\n"), "send");
	CHECK(gate_wait_started(2), "the job began");
	gate_open(1);
	rpc_server_free(s);
	CHECK(gate_released == 2, "the job in progress released by rpc_server_free (%u)", gate_released);
	cli_close(a);
}

/*
 * A uid that is not an admin runs RPC_WORKERS_PER_UID jobs at once; the
 * next waits, and an admin's job does not wait for it.
 */
static void test_deferred_fairness(void)
{
	const struct rpc_policy nobody = { .root_is_admin = false };
	const uid_t me = getuid();
	const struct rpc_policy me_admin = { .root_is_admin = true, .admin_uids = &me, .n_admin_uids = 1 };
	struct cli *c[RPC_WORKERS_PER_UID + 2];
	const unsigned n = RPC_WORKERS_PER_UID + 1;
	char path[128];
	struct rpc_server *s;
	unsigned i;

	gate_setup();
	s = srv_start("defer-fair.sock", NULL, path, sizeof(path));
	CHECK(rpc_server_set_policy(s, &nobody) == 0, "set_policy");
	atomic_store(&gate_started, 0);
	gate_released = 0;
	for (i = 0; i < n; i++) {
		c[i] = cli_connect(path);
		CHECK(cli_sendf(c[i], GATE(%u, ",\"id\":1") "\n", i), "send");
	}
	CHECK(gate_wait_started(RPC_WORKERS_PER_UID), "%u jobs began", RPC_WORKERS_PER_UID);
	pump_for(300);
	CHECK(atomic_load(&gate_started) == RPC_WORKERS_PER_UID,
	      "the uid's next job waits (%u began)", atomic_load(&gate_started));
	CHECK(rpc_server_set_policy(s, &me_admin) == 0, "set_policy");
	c[n] = cli_connect(path);
	CHECK(cli_sendf(c[n], GATE(%u, ",\"id\":1") "\n", n), "send");
	CHECK(gate_wait_started(RPC_WORKERS_PER_UID + 1), "an admin's job does not wait for it");
	gate_open(n + 1);
	for (i = 0; i <= n; i++) {
		struct reply r = cli_reply(c[i], 5000);

		check_gate_reply(r.j, r.fds, r.nfds, i);
		reply_free(&r);
		cli_close(c[i]);
	}
	rpc_server_free(s);
}

static const struct check_case cases[] = {
	CHECK_CASE(policy),
	CHECK_CASE(codes),
	CHECK_CASE(calls),
	CHECK_CASE(errors),
	CHECK_CASE(notifications_and_batch),
	CHECK_CASE(peercred),
	CHECK_CASE(fds),
	CHECK_CASE(privilege),
	CHECK_CASE(stall_and_vanish),
	CHECK_CASE(oversize),
	CHECK_CASE(pipeline),
	CHECK_CASE(backpressure),
	CHECK_CASE(subscribe),
	CHECK_CASE(emfile),
	CHECK_CASE(max_clients),
	CHECK_CASE(batch_limits),
	CHECK_CASE(output_total),
	CHECK_CASE(admin_slots),
	CHECK_CASE(timeouts),
	CHECK_CASE(fairness),
	CHECK_CASE(socket_setup),
	CHECK_CASE(eval),
	CHECK_CASE(deferred),
	CHECK_CASE(deferred_eof),
	CHECK_CASE(deferred_fairness),
};

int main(int argc, char **argv)
{
	int fds_at_start, r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/test_rpc.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	base = event_base_new();
	if (!base)
		return 2;
	gate_setup();	/* kept to the end: not a leak of a case */
	fds_at_start = count_fds();

	r = CHECK_RUN(argc, argv, cases);
	if (r == 0)
		CHECK(count_fds() == fds_at_start, "descriptors: %d at start, %d at end",
		      fds_at_start, count_fds());
	event_base_free(base);
	rmdir(dir);
	return check_exit(r);
}
