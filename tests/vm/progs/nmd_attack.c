// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmd_attack - hostile and good clients of netmapd for the attack test
 * (tests/vm/guest/attack.sh, issue 13). Each attack holds its connections
 * for a while and then reports what the daemon did to them.
 *
 *   nmd_attack [-s SOCK] good PORT N
 *       hold PORT, then N rounds of port.open PORT (the fd checked)
 *       + port.close + close of the fd, each with a 5 s bound; prints p50/p99/max
 *       of port.open in ms.
 *       Exit 1 if a connect or call failed or took longer than 5 s.
 *   nmd_attack [-s SOCK] batch-check N
 *       a batch of N port.list: exit 0 iff one -32600 error names
 *       limits.max_batch
 *   nmd_attack [-s SOCK] bigbatch CONNS SECONDS MAXBATCH
 *       CONNS connections write batches of MAXBATCH port.list as fast as
 *       the socket takes them and never read
 *   nmd_attack [-s SOCK] half CONNS SECONDS
 *       CONNS connections each send part of a line and nothing more;
 *       a connection the daemon times out is opened again (the attacker
 *       keeps the pressure on)
 *   nmd_attack [-s SOCK] subs CONNS SECONDS
 *       CONNS subscribers that never read their events
 *   nmd_attack [-s SOCK] churn PORT SECONDS
 *       port.open/port.close in a loop (events for the subscribers)
 *   nmd_attack [-s SOCK] flood CONNS SECONDS
 *       CONNS idle connections
 *
 * An attack also ends early once the file $NMD_ATTACK_STOP (if set) exists,
 * so that a test can hold the connections for exactly as long as its
 * checks take, however slow the machine.
 *
 * Every attack prints one line "ATTACK name: ..." with how many
 * connections were refused (-32004 "too many clients"), timed out
 * ("Timeout:"), dropped for unread output ("output"), or closed otherwise.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include "nmd_conn.h"

static const char *sock_path = "/run/netmapd/netmapd.sock";

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* -- the good client ------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmd_good(const char *port, int n)
{
	struct nmdc *c = malloc(sizeof(*c));
	struct timeval tv = { .tv_sec = 5 };
	uint64_t *lat = calloc((size_t)n, sizeof(*lat));
	int failed = 0, r, err, hold_fd = -1;

	r = nmdc_connect(c, sock_path);
	if (r < 0) {
		printf("GOOD uid %u: connect: %s\n", getuid(), strerror(-r));
		return 1;
	}
	/* A reply that takes more than 5 s fails the call. */
	setsockopt(c->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/*
	 * Hold the port first (not measured): each measured open then
	 * registers one more fd on a port that exists, as an application's
	 * would, instead of creating the port and its memory region.
	 */
	{
		json_t *p = json_pack("{s:s}", "name", port), *j;
		size_t nfds = 0;

		j = nmdc_call(c, "port.open", p, &hold_fd, &nfds, &err);
		json_decref(p);
		if (!j || !json_object_get(j, "result") || nfds != 1) {
			char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

			printf("GOOD uid %u: cannot hold %s: %s\n", getuid(), port, s ? s : strerror(-err));
			return 1;
		}
		json_decref(j);
	}
	for (int i = 0; i < n; i++) {
		json_t *p = json_pack("{s:s}", "name", port), *j, *res;
		int fds[NMDC_MAX_FDS];
		size_t nfds = 0;
		uint64_t t0 = now_us();

		j = nmdc_call(c, "port.open", p, fds, &nfds, &err);
		lat[i] = now_us() - t0;
		json_decref(p);
		res = json_object_get(j, "result");
		if (!j || !res || nfds != 1 || lat[i] > 5000000) {
			char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

			printf("GOOD uid %u: port.open %s #%d failed after %llu ms: %s\n", getuid(),
			       port, i, (unsigned long long)(lat[i] / 1000),
			       s ? s : strerror(-err));
			free(s);
			failed++;
			json_decref(j);
			for (size_t k = 0; k < nfds; k++)
				close(fds[k]);
			if (!j)
				break; /* the connection is gone */
			continue;
		}
		/*
		 * port.close while the fd is still open, as libnmd does: once the
		 * fd is released everywhere the daemon drops the record by itself
		 * (the module's release watch) and port.close would find nothing.
		 */
		p = json_pack("{s:O}", "handle", json_object_get(res, "handle"));
		json_decref(j);
		j = nmdc_call(c, "port.close", p, NULL, NULL, &err);
		json_decref(p);
		close(fds[0]);
		if (!j || !json_object_get(j, "result")) {
			printf("GOOD uid %u: port.close failed\n", getuid());
			failed++;
		}
		json_decref(j);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	printf("GOOD uid %u: %d port.open of %s, %d failed; p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
	       getuid(), n, port, failed, lat[n / 2] / 1000.0,
	       lat[(n * 99 + 99) / 100 - 1] / 1000.0, lat[n - 1] / 1000.0);
	close(hold_fd);
	nmdc_close(c);
	free(c);
	free(lat);
	return failed ? 1 : 0;
}

/* -- attackers -------------------------------------------------------------- */

struct conn {
	int fd;
	bool closed;    /* the daemon closed it (EOF seen) */
	char why[96];   /* the first error message it sent */
};

struct tally {
	unsigned opened, refused, timeouts, output, closed, still_open;
};

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS &&
	    errno != EAGAIN) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* Read what is there without waiting: note the first error message, mark EOF. */
static void conn_peek(struct conn *c)
{
	char buf[65536];

	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		char *m;

		if (n == 0) {
			c->closed = true;
			return;
		}
		if (n < 0)
			return;
		buf[n] = '\0';
		m = strstr(buf, "\"message\":\"");
		if (m && !c->why[0] && (strstr(buf, "Timeout") || strstr(buf, "Capacity"))) {
			m += strlen("\"message\":\"");
			snprintf(c->why, sizeof(c->why), "%.*s", (int)strcspn(m, "\""), m);
		}
	}
}

static void tally_conn(struct tally *t, const struct conn *c)
{
	if (!c->closed) {
		t->still_open++;
		return;
	}
	if (strstr(c->why, "too many clients"))
		t->refused++;
	else if (strstr(c->why, "Timeout"))
		t->timeouts++;
	else if (strstr(c->why, "output"))
		t->output++;
	else
		t->closed++;
}

static void tally_print(const char *name, const struct tally *t, const struct conn *cs, int n)
{
	const char *example = "";

	for (int i = 0; i < n; i++)
		if (cs[i].why[0]) {
			example = cs[i].why;
			break;
		}
	printf("ATTACK %s uid %u: %u connections opened; %u refused, %u timed out, %u dropped "
	       "for unread output, %u closed otherwise, %u still open%s%s\n", name, getuid(),
	       t->opened, t->refused, t->timeouts, t->output, t->closed, t->still_open,
	       example[0] ? "; e.g. " : "", example);
}

static void send_all_nb(int fd, const char *s, size_t len)
{
	(void)!send(fd, s, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static char *batch_line(int n, size_t *len)
{
	static const char one[] = "{\"jsonrpc\":\"2.0\",\"method\":\"port.list\",\"id\":%d}";
	size_t cap = (size_t)n * 64 + 16, l = 0;
	char *s = malloc(cap);

	s[l++] = '[';
	for (int i = 0; i < n; i++) {
		l += (size_t)snprintf(s + l, cap - l, one, i);
		s[l++] = i + 1 < n ? ',' : ']';
	}
	s[l++] = '\n';
	s[l] = '\0';
	*len = l;
	return s;
}

static int cmd_batch_check(int n)
{
	struct nmdc *c = malloc(sizeof(*c));
	size_t len;
	char *line = batch_line(n, &len);
	json_t *j;
	int err, ok;

	if (nmdc_connect(c, sock_path) < 0 || nmdc_send_raw(c, line, len) < 0)
		return 1;
	j = nmdc_read_line(c, NULL, NULL, &err);
	ok = j && json_integer_value(json_object_get(json_object_get(j, "error"), "code")) == -32600 &&
	     strstr(json_string_value(json_object_get(json_object_get(j, "error"), "message")) ?: "",
		    "limits.max_batch");
	printf("BATCH of %d port.list (%zu bytes): %s\n", n, len,
	       j ? json_string_value(json_object_get(json_object_get(j, "error"), "message")) ?: "a result"
		 : "no reply");
	json_decref(j);
	free(line);
	nmdc_close(c);
	free(c);
	return ok ? 0 : 1;
}

/* The test's stop file ($NMD_ATTACK_STOP) exists. */
static bool stop_requested(void)
{
	const char *f = getenv("NMD_ATTACK_STOP");

	return f && *f && access(f, F_OK) == 0;
}

/*
 * The common loop: @n connections set up by @setup, then for @secs every
 * 200 ms @poke is called on each; at the end each is peeked and tallied.
 */
static int run_attack(const char *name, int n, int secs, bool reopen,
		      int (*setup)(struct conn *), void (*poke)(struct conn *))
{
	struct conn *cs = calloc((size_t)n, sizeof(*cs));
	struct tally t = { 0 };
	uint64_t end = now_us() + (uint64_t)secs * 1000000;

	for (int i = 0; i < n; i++) {
		cs[i].fd = raw_connect();
		if (cs[i].fd >= 0) {
			t.opened++;
			if (setup && setup(&cs[i]) < 0)
				cs[i].closed = true;
		} else {
			cs[i].closed = true;
			snprintf(cs[i].why, sizeof(cs[i].why), "connect: %s", strerror(-cs[i].fd));
		}
	}
	/* The test may wait for this line: every connection is made (or refused). */
	printf("READY %s uid %u: %u connections opened\n", name, getuid(), t.opened);
	while (now_us() < end && !stop_requested()) {
		for (int i = 0; i < n; i++) {
			if (cs[i].fd < 0)
				continue;
			if (poke)
				poke(&cs[i]);
			if (!reopen)
				continue;
			conn_peek(&cs[i]);
			/* Timed out: again. Refused: not again (no connect storm). */
			if (cs[i].closed && strstr(cs[i].why, "Timeout")) {
				tally_conn(&t, &cs[i]);
				close(cs[i].fd);
				memset(&cs[i], 0, sizeof(cs[i]));
				cs[i].fd = raw_connect();
				if (cs[i].fd >= 0) {
					t.opened++;
					if (setup)
						setup(&cs[i]);
				}
			}
		}
		usleep(200000);
	}
	for (int i = 0; i < n; i++) {
		if (cs[i].fd >= 0) {
			conn_peek(&cs[i]);
			tally_conn(&t, &cs[i]);
			close(cs[i].fd);
		} else {
			t.closed++;
		}
	}
	tally_print(name, &t, cs, n);
	free(cs);
	return 0;
}

static char *bb_line;
static size_t bb_len;

static void poke_bigbatch(struct conn *c)
{
	/* As much as the socket takes; never a byte read. */
	for (int k = 0; k < 64; k++)
		if (send(c->fd, bb_line, bb_len, MSG_DONTWAIT | MSG_NOSIGNAL) <= 0)
			break;
}

static int setup_half(struct conn *c)
{
	send_all_nb(c->fd, "{\"jsonrpc\":\"2.0\",\"method\":\"port.li", 33);
	return 0;
}

static int setup_sub(struct conn *c)
{
	static const char req[] = "{\"jsonrpc\":\"2.0\",\"method\":\"events.subscribe\",\"id\":1}\n";
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	char buf[512];
	ssize_t n;

	send_all_nb(c->fd, req, sizeof(req) - 1);
	/* Read the reply only: then never again. */
	if (poll(&p, 1, 5000) <= 0)
		return -1;
	n = recv(c->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!strstr(buf, "\"subscribed\":true")) {
		char *m = strstr(buf, "\"message\":\"");

		if (m) {
			m += strlen("\"message\":\"");
			snprintf(c->why, sizeof(c->why), "%.*s", (int)strcspn(m, "\""), m);
		}
		return -1;
	}
	return 0;
}

static int cmd_churn(const char *port, int secs)
{
	struct nmdc *c = malloc(sizeof(*c));
	uint64_t end = now_us() + (uint64_t)secs * 1000000;
	unsigned ops = 0, fails = 0;
	int err;

	if (nmdc_connect(c, sock_path) < 0)
		return 1;
	while (now_us() < end && !stop_requested()) {
		json_t *p = json_pack("{s:s}", "name", port), *j, *res;
		int fds[NMDC_MAX_FDS];
		size_t nfds = 0;

		j = nmdc_call(c, "port.open", p, fds, &nfds, &err);
		json_decref(p);
		res = json_object_get(j, "result");
		for (size_t k = 0; k < nfds; k++)
			close(fds[k]);
		if (!res) {
			fails++;
			json_decref(j);
			if (!j)
				break;
			continue;
		}
		p = json_pack("{s:O}", "handle", json_object_get(res, "handle"));
		json_decref(j);
		j = nmdc_call(c, "port.close", p, NULL, NULL, &err);
		json_decref(p);
		json_decref(j);
		ops++;
	}
	printf("CHURN uid %u: %u port.open/close rounds on %s, %u failed\n", getuid(), ops, port, fails);
	nmdc_close(c);
	free(c);
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		sock_path = argv[2];
		i = 3;
	}
	if (argc - i >= 3 && strcmp(argv[i], "good") == 0)
		return cmd_good(argv[i + 1], atoi(argv[i + 2]));
	if (argc - i >= 2 && strcmp(argv[i], "batch-check") == 0)
		return cmd_batch_check(atoi(argv[i + 1]));
	if (argc - i >= 4 && strcmp(argv[i], "bigbatch") == 0) {
		bb_line = batch_line(atoi(argv[i + 3]), &bb_len);
		return run_attack("bigbatch", atoi(argv[i + 1]), atoi(argv[i + 2]), false, NULL,
				  poke_bigbatch);
	}
	if (argc - i >= 3 && strcmp(argv[i], "half") == 0)
		return run_attack("half", atoi(argv[i + 1]), atoi(argv[i + 2]), true, setup_half, NULL);
	if (argc - i >= 3 && strcmp(argv[i], "subs") == 0)
		return run_attack("subs", atoi(argv[i + 1]), atoi(argv[i + 2]), false, setup_sub, NULL);
	if (argc - i >= 3 && strcmp(argv[i], "churn") == 0)
		return cmd_churn(argv[i + 1], atoi(argv[i + 2]));
	if (argc - i >= 3 && strcmp(argv[i], "flood") == 0)
		return run_attack("flood", atoi(argv[i + 1]), atoi(argv[i + 2]), false, NULL, NULL);
	fprintf(stderr, "usage: nmd_attack [-s SOCK] good PORT N | batch-check N | "
		"bigbatch CONNS SECS MAXBATCH | half CONNS SECS | subs CONNS SECS | "
		"churn PORT SECS | flood CONNS SECS\n");
	return 2;
}
