// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_libnmd - libnmd against a fake netmapd (nmd_fake.c) on a real unix
 * socket in a private folder under /tmp: connect errors, framing (split
 * lines, CRLF, blank lines, notifications between responses), descriptors
 * by SCM_RIGHTS (pairing, close-on-exec, too many, too few), daemon errors,
 * oversize lines, a server that vanishes mid-response, wrong ids, garbage,
 * timeouts, port.open + mmap of a memfd laid out like a netmap region, and
 * the hand-over variables (LISTEN_PID/LISTEN_FDS/NMD_PORTS), in a forked
 * child so that fds 3.. can be set up.
 *
 * At the end the process must have the descriptors it started with.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libnmd.h"
#include "nmd_fake.h"

#include "check.h"

static char dir[64], sock[128];

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the DIR's own */
}

static struct nmd_client *conn(void)
{
	int r;
	struct nmd_client *c = nmd_connect(sock, &r);

	CHECK(c != NULL, "connect: %s", strerror(-r));
	return c;
}

static void test_connect_errors(void)
{
	char p[160], longp[200];
	int r = 0, s;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(p, sizeof(p), "%s/none.sock", dir);
	CHECK(nmd_connect(p, &r) == NULL && r == -ENOENT, "missing socket: %d", r);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	CHECK(nmd_connect(longp, &r) == NULL && r == -ENAMETOOLONG, "long path: %d", r);
	/* A socket file nobody listens on. */
	snprintf(p, sizeof(p), "%s/dead.sock", dir);
	memcpy(sa.sun_path, p, strlen(p) + 1);	/* p is short: dir is /tmp/... */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind");
	close(s);
	CHECK(nmd_connect(p, &r) == NULL && r == -ECONNREFUSED, "dead socket: %d", r);
	/* NULL path: $NETMAPD_SOCKET. */
	setenv(NMD_SOCKET_ENV, sock, 1);
	{
		struct nmd_client *c = nmd_connect(NULL, &r);

		CHECK(c && !strcmp(nmd_client_path(c), sock), "env socket");
		nmd_disconnect(c);
	}
	unsetenv(NMD_SOCKET_ENV);
}

static void test_calls(void)
{
	struct nmd_client *c = conn();
	struct nmd_error e = { 0 };
	json_t *res;
	const char *method;
	json_t *params;
	int r;

	r = nmd_call(c, "echo", json_pack("{s:i, s:s}", "a", 1, "b", "\xc3\xa9"), &res, NULL, NULL, &e);
	CHECK(r == 0 && json_integer_value(json_object_get(res, "a")) == 1, "echo: %d %s", r, e.message);
	CHECK(res && !strcmp(json_string_value(json_object_get(res, "b")), "\xc3\xa9"), "utf-8");
	json_decref(res);
	/* Without params; several calls in a row keep ids in step. */
	for (int i = 0; i < 5; i++) {
		r = nmd_call(c, "echo", NULL, &res, NULL, NULL, &e);
		CHECK(r == 0 && json_is_null(res), "echo null %d: %d", i, r);
		json_decref(res);
	}
	/* Params must be an object (stolen anyway). */
	r = nmd_call(c, "echo", json_integer(3), &res, NULL, NULL, &e);
	CHECK(r == -EINVAL, "non-object params: %d", r);
	/* One byte per write, blank lines and CRLF. */
	r = nmd_call(c, "split", NULL, &res, NULL, NULL, &e);
	CHECK(r == 0 && !strcmp(json_string_value(json_object_get(res, "split")), "yes"),
	      "split: %d %s", r, e.message);
	json_decref(res);
	/* A notification before the response is kept; the fd pairs with the response. */
	{
		int fds[2] = { -1, -1 };
		size_t n = 2;

		r = nmd_call(c, "notify_then", NULL, &res, fds, &n, &e);
		CHECK(r == 0 && n == 1 && fds[0] >= 0, "notify_then: %d n=%zu", r, n);
		CHECK(res && !json_object_get(res, "fds"), "fds member removed");
		CHECK(fds[0] >= 0 && (fcntl(fds[0], F_GETFD) & FD_CLOEXEC), "received fd is cloexec");
		{
			struct stat st;

			CHECK(fstat(fds[0], &st) == 0 && st.st_size == FAKE_MEMSIZE, "it is the region");
		}
		close(fds[0]);
		json_decref(res);
		r = nmd_next_event(c, &method, &params, 0, &e);
		CHECK(r == 1 && !strcmp(method, "event") &&
		      !strcmp(json_string_value(json_object_get(params, "type")), "x"), "queued event");
		json_decref(params);
		r = nmd_next_event(c, &method, &params, 0, &e);
		CHECK(r == 0, "no more events: %d", r);
		r = nmd_next_event(c, &method, &params, 50, &e);
		CHECK(r == 0, "timeout 50 ms: %d", r);
	}
	/* Two descriptors in order; fds NULL closes them; too little room. */
	{
		int fds[2] = { -1, -1 }, before;
		size_t n = 2;
		struct stat st;

		r = nmd_call(c, "fds2", NULL, &res, fds, &n, &e);
		CHECK(r == 0 && n == 2, "fds2: %d %zu", r, n);
		CHECK(fstat(fds[0], &st) == 0 && S_ISREG(st.st_mode) && st.st_size == FAKE_MEMSIZE,
		      "first is the memfd");
		CHECK(fstat(fds[1], &st) == 0 && S_ISFIFO(st.st_mode), "second is the pipe");
		close(fds[0]);
		close(fds[1]);
		json_decref(res);
		before = count_fds();
		r = nmd_call(c, "fds2", NULL, &res, NULL, NULL, &e);
		CHECK(r == 0 && count_fds() == before, "fds NULL: closed (%d)", r);
		json_decref(res);
		n = 1;
		r = nmd_call(c, "fds2", NULL, &res, fds, &n, &e);
		CHECK(r == -ENOBUFS && n == 0 && res == NULL && count_fds() == before,
		      "too little room: %d %zu", r, n);
		/* The stream is still in step. */
		r = nmd_call(c, "echo", json_pack("{s:i}", "z", 9), &res, NULL, NULL, &e);
		CHECK(r == 0 && json_integer_value(json_object_get(res, "z")) == 9, "after ENOBUFS");
		json_decref(res);
	}
	/* A daemon error. */
	r = nmd_call(c, "deny", NULL, &res, NULL, NULL, &e);
	CHECK(r == -EREMOTEIO && e.code == NMD_ERR_PERMISSION && !strcmp(e.message, "Permission denied"),
	      "deny: %d %d %s", r, e.code, e.message);
	CHECK(json_array_size(json_object_get(e.data, "errors")) == 2, "error data");
	nmd_error_clear(&e);
	CHECK(e.data == NULL && e.code == 0, "cleared");
	r = nmd_call(c, "no.such.method", NULL, &res, NULL, NULL, &e);
	CHECK(r == -EREMOTEIO && e.code == NMD_ERR_METHOD_NOT_FOUND, "unknown method: %d", e.code);
	nmd_error_clear(&e);
	nmd_disconnect(c);
}

/* Each failure that leaves the stream out of step breaks the client for good. */
static void test_broken(void)
{
	struct nmd_client *c;
	struct nmd_error e = { 0 };
	json_t *res;
	int r;

	c = conn();
	nmd_client_set_max_line(c, 1024);
	r = nmd_call(c, "big", NULL, &res, NULL, NULL, &e);
	CHECK(r == -EMSGSIZE && e.code == 0 && strstr(e.message, "limit"), "oversize: %d %s", r, e.message);
	r = nmd_call(c, "echo", NULL, &res, NULL, NULL, &e);
	CHECK(r == -EMSGSIZE, "still broken: %d", r);
	nmd_error_clear(&e);
	nmd_disconnect(c);

	c = conn();
	r = nmd_call(c, "vanish", NULL, &res, NULL, NULL, &e);
	CHECK(r == -ECONNRESET && strstr(e.message, "middle"), "vanish: %d %s", r, e.message);
	nmd_disconnect(c);

	c = conn();
	r = nmd_call(c, "badid", NULL, &res, NULL, NULL, &e);
	CHECK(r == -EPROTO, "bad id: %d", r);
	nmd_disconnect(c);

	c = conn();
	r = nmd_call(c, "garbage", NULL, &res, NULL, NULL, &e);
	CHECK(r == -EPROTO && strstr(e.message, "JSON"), "garbage: %d %s", r, e.message);
	nmd_disconnect(c);

	c = conn();
	{
		int fds[4];
		size_t n = 4;
		int before = count_fds();

		r = nmd_call(c, "fds_missing", NULL, &res, fds, &n, &e);
		CHECK(r == -EPROTO && n == 0, "fds missing: %d", r);
		nmd_disconnect(c);
		CHECK(count_fds() == before - 1, "the stray fd is closed with the client");
	}

	c = conn();
	nmd_client_set_timeout(c, 100);
	r = nmd_call(c, "silent", NULL, &res, NULL, NULL, &e);
	CHECK(r == -ETIMEDOUT, "timeout: %d", r);
	r = nmd_call(c, "echo", NULL, &res, NULL, NULL, &e);
	CHECK(r == -ETIMEDOUT, "broken after a timeout: %d", r);
	nmd_disconnect(c);
}

static void test_ports(void)
{
	int before = count_fds();
	struct nmd_client *c = conn();
	struct nmd_error e = { 0 };
	struct nmd_port *p = NULL;
	struct nmd_port_opts o = { .mode = NMD_MODE_ONE, .ring = 1 };
	json_t *res;
	int r;

	r = nmd_port_open(c, "vale0:vm1", NULL, &p, &e);
	CHECK(r == 0 && p, "port open: %d %s", r, e.message);
	if (p) {
		CHECK(!strcmp(p->name, "vale0:vm1") && !strcmp(p->label, "vale0.vm1"), "names");
		CHECK(p->memsize == FAKE_MEMSIZE && p->offset == FAKE_OFFSET && p->mem_id == 3, "sizes");
		CHECK(p->nifp->ni_tx_rings == FAKE_TX_RINGS && p->nifp->ni_rx_rings == FAKE_RX_RINGS,
		      "nifp: %u %u", p->nifp->ni_tx_rings, p->nifp->ni_rx_rings);
		CHECK(!strcmp(p->nifp->ni_name, "vale0:vm1"), "ni_name");
		CHECK(!memcmp((char *)p->mem + FAKE_MAGIC_OFS, FAKE_MAGIC, sizeof(FAKE_MAGIC)), "magic");
		CHECK(p->tx_rings == FAKE_TX_RINGS && p->tx_slots == 1024 && p->host_rx_rings == 1, "counts");
		CHECK(json_is_integer(p->handle), "handle");
		CHECK(fcntl(p->fd, F_GETFD) & FD_CLOEXEC, "port fd cloexec");
		{
			json_int_t h = json_integer_value(p->handle);

			nmd_port_close(c, p);
			r = nmd_call(c, "last_close", NULL, &res, NULL, NULL, &e);
			CHECK(r == 0 && json_integer_value(json_object_get(res, "handle")) == h,
			      "port.close sent for handle %lld", (long long)h);
			json_decref(res);
		}
	}
	r = nmd_port_open(c, "x", &o, &p, &e);
	CHECK(r == 0, "mode one");
	nmd_port_close(NULL, p);
	r = nmd_port_open(c, "vale0:secret", NULL, &p, &e);
	CHECK(r == -EREMOTEIO && e.code == NMD_ERR_PERMISSION && !p, "refused: %d", r);
	nmd_error_clear(&e);
	/* A descriptor that cannot be mapped (a pipe): an error, nothing left open. */
	r = nmd_port_open(c, "pipe", NULL, &p, &e);
	CHECK(r < 0 && r != -EREMOTEIO && !p && strstr(e.message, "cannot map"), "pipe: %d %s", r, e.message);
	o.mode = (enum nmd_port_mode)42;
	r = nmd_port_open(c, "x", &o, &p, &e);
	CHECK(r == -EINVAL, "bad mode");
	nmd_disconnect(c);
	CHECK(count_fds() == before, "no fds left: %d vs %d", count_fds(), before);

	/* nmd_port_map() checks the description before mapping. */
	{
		struct { const char *json; int want; } cases[] = {
			{ "{\"memsize\": 1048576, \"offset\": 4096}", 0 },
			{ "{\"memsize\": 1048576, \"offset\": 1048576}", -EINVAL },
			{ "{\"memsize\": 1048576, \"offset\": 1048570}", -EINVAL },
			{ "{\"memsize\": 0, \"offset\": 0}", -EINVAL },
			{ "{\"offset\": 0}", -EINVAL },
			{ "{\"memsize\": \"big\", \"offset\": 0}", -EINVAL },
			{ "{\"memsize\": 1048576, \"offset\": -1}", -EINVAL },
			{ "{\"memsize\": 1048576, \"offset\": 0, \"tx_rings\": 5000000000}", -EINVAL },
			{ "{\"memsize\": 1048576, \"offset\": 0, \"mem_id\": 70000}", -EINVAL },
			{ "[]", -EINVAL },
		};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			json_t *info = json_loads(cases[i].json, 0, NULL);
			int fd = fake_region("m");

			r = nmd_port_map(fd, info, &p);
			CHECK(r == cases[i].want, "map %s: %d", cases[i].json, r);
			if (r == 0) {
				CHECK(!strcmp(p->label, "") && p->handle == NULL, "no name, no handle");
				nmd_port_close(NULL, p);
			}
			json_decref(info);
		}
		CHECK(count_fds() == before, "nmd_port_map closes the fd on failure");
	}
}

/* In a child: fds 3.. set up like nmctl exec does, then nmd_ports_from_env(). */
static int env_child(int mode)
{
	struct nmd_port **ports = NULL;
	size_t n = 0;
	char pid[32];
	int r, a = fake_region("vale0:vm1"), b = fake_region("v0{1");

	passed = failed = 0;	/* this child's own checks */

	/* fds 3 and 4: out of the way first. */
	a = fcntl(a, F_DUPFD, 10);
	b = fcntl(b, F_DUPFD, 10);
	dup2(a, 3);
	dup2(b, 4);
	close(a);
	close(b);
	snprintf(pid, sizeof(pid), "%d", mode == 1 ? (int)getppid() : (int)getpid());
	setenv("LISTEN_PID", pid, 1);
	setenv("LISTEN_FDS", mode == 2 ? "x2" : "2", 1);
	setenv("LISTEN_FDNAMES", "vm1:pipe", 1);
	setenv("NMD_PORTS", mode == 3 ?
	       "[{\"label\":\"vm1\",\"memsize\":1048576,\"offset\":4096}]" :
	       "[{\"label\":\"vm1\",\"name\":\"vale0:vm1\",\"memsize\":1048576,\"offset\":4096,\"tx_rings\":2},"
	       "{\"label\":\"pipe\",\"name\":\"v0{1\",\"memsize\":1048576,\"offset\":4096}]", 1);
	r = nmd_ports_from_env(&ports, &n);
	CHECK(!getenv("LISTEN_PID") && !getenv("LISTEN_FDS") && !getenv("LISTEN_FDNAMES") &&
	      !getenv("NMD_PORTS"), "variables unset (mode %d)", mode);
	switch (mode) {
	case 0: {
		struct nmd_port *p = nmd_ports_find(ports, n, "vm1");

		CHECK(r == 2 && n == 2, "two ports: %d", r);
		CHECK(p && p->fd == 3 && p->tx_rings == 2 && !strcmp(p->name, "vale0:vm1"), "vm1");
		CHECK(p && p->nifp->ni_rx_rings == FAKE_RX_RINGS, "mapped");
		CHECK(p && (fcntl(3, F_GETFD) & FD_CLOEXEC), "cloexec now");
		CHECK(nmd_ports_find(ports, n, "v0{1") == ports[1], "find by name");
		CHECK(nmd_ports_find(ports, n, "nope") == NULL, "find none");
		nmd_ports_free(ports, n);
		CHECK(fcntl(3, F_GETFD) < 0 && fcntl(4, F_GETFD) < 0, "closed by free");
		break;
	}
	case 1:
		CHECK(r == 0 && n == 0 && !ports, "LISTEN_PID of another process: ignored (%d)", r);
		CHECK(fcntl(3, F_GETFD) >= 0, "fds left alone");
		break;
	case 2:
		CHECK(r == -EINVAL, "bad LISTEN_FDS: %d", r);
		break;
	case 3:
		CHECK(r == -EINVAL, "NMD_PORTS of the wrong length: %d", r);
		break;
	}
	/* Nothing set: nothing handed. */
	r = nmd_ports_from_env(&ports, &n);
	CHECK(r == 0 && n == 0, "no variables: %d", r);
	return failed ? 1 : 0;
}

static void test_env(void)
{
	for (int mode = 0; mode < 4; mode++) {
		int st;
		pid_t pid = fork();

		if (pid == 0)
			_exit(env_child(mode));
		waitpid(pid, &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "env child mode %d", mode);
	}
}

static const struct check_case cases[] = {
	CHECK_CASE(connect_errors),
	CHECK_CASE(calls),
	CHECK_CASE(broken),
	CHECK_CASE(ports),
	CHECK_CASE(env),
};

int main(int argc, char **argv)
{
	int fds_at_start, r;
	pid_t srv;

	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/test_libnmd.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock, sizeof(sock), "%s/nmd.sock", dir);
	srv = fake_start(sock, GOLDEN_DIR);
	fds_at_start = count_fds();

	r = CHECK_RUN(argc, argv, cases);

	if (r == 0)
		CHECK(count_fds() == fds_at_start, "descriptors: %d at start, %d at end",
		      fds_at_start, count_fds());
	fake_stop(srv);
	{
		char p[160];

		snprintf(p, sizeof(p), "%s/dead.sock", dir);
		unlink(p);
		unlink(sock);
		rmdir(dir);
	}
	return check_exit(r);
}
