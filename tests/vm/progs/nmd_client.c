// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmd_client - a netmapd test client for the VM tests (tests/vm/guest/
 * daemon.sh). It speaks the daemon's socket, receives port fds with
 * SCM_RIGHTS, maps them and moves packets.
 *
 *   nmd_client [-s SOCKET] call METHOD [PARAMS-JSON]
 *       print the response line; exit 0 on a result, 3 on an error
 *   nmd_client [-s SOCKET] expect-error CODE METHOD [PARAMS-JSON]
 *       exit 0 iff the call fails with CODE and no fd came with it
 *   nmd_client [-s SOCKET] xfer TX-PORT RX-PORT N
 *       port.open both (each its own fd), mmap, send N frames on TX-PORT's
 *       ring 0, receive them in order on RX-PORT's ring 0
 *   nmd_client [-s SOCKET] hold PORT SECONDS
 *       port.open PORT, print the handle, keep the fd for SECONDS
 *   nmd_client [-s SOCKET] wait-event TYPE SECONDS
 *       subscribe; exit 0 when an event of TYPE arrives (printed)
 *   nmd_client [-s SOCKET] robust
 *       malformed JSON, half-sent and oversize requests on some connections
 *       while another is served normally
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#include <net/netmap.h>
#include <net/netmap_user.h>

#include "nmd_conn.h"

static const char *sock_path = "/run/netmapd/netmapd.sock";

static json_t *params_arg(const char *s)
{
	json_error_t e;
	json_t *j;

	if (!s)
		return NULL;
	j = json_loads(s, 0, &e);
	if (!j || !json_is_object(j)) {
		fprintf(stderr, "nmd_client: params: %s\n", j ? "not an object" : e.text);
		exit(2);
	}
	return j;
}

static void connect_or_die(struct nmdc *c)
{
	int r = nmdc_connect(c, sock_path);

	if (r < 0) {
		fprintf(stderr, "nmd_client: connect %s: %s\n", sock_path, strerror(-r));
		exit(1);
	}
}

static int cmd_call(const char *method, const char *params, long want_code)
{
	struct nmdc *c = malloc(sizeof(*c));
	json_t *p = params_arg(params), *j;
	int fds[NMDC_MAX_FDS];
	size_t nfds = 0;
	int err, rc;
	char *s;

	connect_or_die(c);
	j = nmdc_call(c, method, p, fds, &nfds, &err);
	json_decref(p);
	if (!j) {
		fprintf(stderr, "nmd_client: %s: %s\n", method, strerror(-err));
		return 1;
	}
	s = json_dumps(j, JSON_COMPACT);
	printf("%s\n", s);
	free(s);
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	if (want_code) {
		json_int_t code = json_integer_value(json_object_get(json_object_get(j, "error"), "code"));

		rc = code == want_code && nfds == 0 ? 0 : 1;
		if (rc)
			fprintf(stderr, "nmd_client: wanted error %ld and no fd, got %lld (%zu fds)\n",
				want_code, (long long)code, nfds);
	} else {
		rc = json_object_get(j, "result") ? 0 : 3;
	}
	json_decref(j);
	nmdc_close(c);
	free(c);
	return rc;
}

struct port {
	int fd;
	void *mem;
	size_t memsize;
	struct netmap_if *nifp;
	json_int_t handle;
};

static int port_open(struct nmdc *c, const char *name, struct port *p)
{
	json_t *params = json_pack("{s:s}", "name", name), *j, *res;
	int fds[NMDC_MAX_FDS];
	size_t nfds = 0;
	int err;

	j = nmdc_call(c, "port.open", params, fds, &nfds, &err);
	json_decref(params);
	if (!j) {
		fprintf(stderr, "port.open %s: %s\n", name, strerror(-err));
		return -1;
	}
	res = json_object_get(j, "result");
	if (!res || nfds != 1) {
		char *s = json_dumps(j, JSON_COMPACT);

		fprintf(stderr, "port.open %s: %s (%zu fds)\n", name, s, nfds);
		free(s);
		json_decref(j);
		return -1;
	}
	p->fd = fds[0];
	p->memsize = (size_t)json_integer_value(json_object_get(res, "memsize"));
	p->handle = json_integer_value(json_object_get(res, "handle"));
	p->mem = mmap(NULL, p->memsize, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->mem == MAP_FAILED) {
		perror("mmap");
		json_decref(j);
		return -1;
	}
	p->nifp = NETMAP_IF(p->mem, json_integer_value(json_object_get(res, "offset")));
	printf("opened %s: handle %lld fd %d memsize %zu mem_id %lld rings %lld/%lld slots %lld\n",
	       name, (long long)p->handle, p->fd, p->memsize,
	       (long long)json_integer_value(json_object_get(res, "mem_id")),
	       (long long)json_integer_value(json_object_get(res, "tx_rings")),
	       (long long)json_integer_value(json_object_get(res, "rx_rings")),
	       (long long)json_integer_value(json_object_get(res, "tx_slots")));
	json_decref(j);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int cmd_xfer(const char *txname, const char *rxname, long n)
{
	struct nmdc *c = malloc(sizeof(*c));
	struct port tx, rx;
	struct netmap_ring *txr, *rxr;
	long sent = 0, got = 0, bad = 0;
	uint64_t deadline;

	connect_or_die(c);
	if (port_open(c, txname, &tx) < 0 || port_open(c, rxname, &rx) < 0)
		return 1;
	txr = NETMAP_TXRING(tx.nifp, 0);
	rxr = NETMAP_RXRING(rx.nifp, 0);
	deadline = now_ms() + 20000;
	while (got < n && now_ms() < deadline) {
		struct pollfd pfd = { .fd = rx.fd, .events = POLLIN };
		unsigned batch = 0;

		while (sent < n && nm_ring_space(txr) && batch < 64) {
			struct netmap_slot *s = &txr->slot[txr->cur];
			unsigned char *b = (unsigned char *)NETMAP_BUF(txr, s->buf_idx);
			uint32_t seq = (uint32_t)sent;

			memset(b, 0xff, 6);                               /* broadcast */
			memcpy(b + 6, "\x02\x00\x00\x00\x00\x01", 6);
			b[12] = 0x88;
			b[13] = 0xb5;                                     /* local experimental */
			memcpy(b + 14, &seq, 4);
			memset(b + 18, 0xa5, 42);
			s->len = 60;
			txr->head = txr->cur = nm_ring_next(txr, txr->cur);
			sent++;
			batch++;
		}
		ioctl(tx.fd, NIOCTXSYNC, NULL);
		poll(&pfd, 1, 50);
		ioctl(rx.fd, NIOCRXSYNC, NULL);
		while (!nm_ring_empty(rxr)) {
			struct netmap_slot *s = &rxr->slot[rxr->cur];
			unsigned char *b = (unsigned char *)NETMAP_BUF(rxr, s->buf_idx);
			uint32_t seq;

			memcpy(&seq, b + 14, 4);
			if (s->len != 60 || seq != (uint32_t)got || b[12] != 0x88)
				bad++;
			got++;
			rxr->head = rxr->cur = nm_ring_next(rxr, rxr->cur);
		}
	}
	printf("xfer %s -> %s: %ld sent, %ld received, %ld bad\n", txname, rxname, sent, got, bad);
	munmap(tx.mem, tx.memsize);
	munmap(rx.mem, rx.memsize);
	close(tx.fd);
	close(rx.fd);
	nmdc_close(c);
	free(c);
	return sent == n && got == n && bad == 0 ? 0 : 1;
}

static int cmd_hold(const char *name, long seconds)
{
	struct nmdc *c = malloc(sizeof(*c));
	struct port p;

	connect_or_die(c);
	if (port_open(c, name, &p) < 0)
		return 1;
	fflush(stdout);
	sleep((unsigned)seconds);
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
	fprintf(stderr, "nmd_client: timeout\n");
	_exit(4);
}

static int cmd_wait_event(const char *type, long seconds)
{
	struct nmdc *c = malloc(sizeof(*c));
	json_t *j;
	int err;

	connect_or_die(c);
	j = nmdc_call(c, "events.subscribe", NULL, NULL, NULL, &err);
	if (!j || !json_object_get(j, "result"))
		return 1;
	json_decref(j);
	printf("subscribed\n");
	fflush(stdout);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)seconds);
	for (;;) {
		const char *t;

		j = nmdc_read_line(c, NULL, NULL, &err);
		if (!j)
			return 1;
		t = json_string_value(json_object_get(json_object_get(j, "params"), "type"));
		if (t && strcmp(t, type) == 0) {
			char *s = json_dumps(j, JSON_COMPACT);

			printf("%s\n", s);
			free(s);
			json_decref(j);
			return 0;
		}
		json_decref(j);
	}
}

/* Send @line raw on @c and return the code of the response's error, 0 for a result. */
static long raw_call(struct nmdc *c, const char *line, int *err)
{
	json_t *j;
	long code;

	if ((*err = nmdc_send_raw(c, line, strlen(line))) < 0)
		return -1;
	j = nmdc_read_line(c, NULL, NULL, err);
	if (!j)
		return -1;
	code = json_object_get(j, "result")
		       ? 0
		       : (long)json_integer_value(json_object_get(json_object_get(j, "error"), "code"));
	json_decref(j);
	return code;
}

static int fails;
#define EXPECT(cond, ...)                                                                          \
	do {                                                                                       \
		if (cond) {                                                                        \
			printf("ok: ");                                                            \
		} else {                                                                           \
			printf("FAIL: ");                                                          \
			fails++;                                                                   \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

static int cmd_robust(void)
{
	static char big[70000];
	struct nmdc *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *g = malloc(sizeof(*g)),
		    *o = malloc(sizeof(*o));
	uint64_t t0;
	long code;
	int err;

	signal(SIGALRM, on_alarm);
	alarm(30);
	connect_or_die(a);
	connect_or_die(b);
	connect_or_die(g);
	connect_or_die(o);
	/* a: half a request, and it stays there. */
	{
		static const char half[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"meth";

		EXPECT(nmdc_send_raw(a, half, strlen(half)) == 0, "half a request sent");
	}
	/* b: not JSON, then a good request on the same connection. */
	code = raw_call(b, "{not json at all\n", &err);
	EXPECT(code == -32700, "malformed JSON: %ld", code);
	code = raw_call(b, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"status\"}\n", &err);
	EXPECT(code == 0, "the same connection still works: %ld", code);
	code = raw_call(b, "[]\n", &err);
	EXPECT(code == -32600, "empty batch: %ld", code);
	code = raw_call(b, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"status\",\"params\":[1]}\n", &err);
	EXPECT(code == -32602, "positional params: %ld", code);
	code = raw_call(b, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"no.such\"}\n", &err);
	EXPECT(code == -32601, "unknown method: %ld", code);
	code = raw_call(b, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"port.open\",\"params\":{\"name\":5}}\n",
			&err);
	EXPECT(code == -32602, "wrong type: %ld", code);
	/* g: served at once while a is half-sent. */
	t0 = now_ms();
	code = raw_call(g, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"status\"}\n", &err);
	EXPECT(code == 0 && now_ms() - t0 < 2000, "another client is served (%llu ms)",
	       (unsigned long long)(now_ms() - t0));
	/* o: a line over the limit: -32600, then closed. */
	memset(big, 'x', sizeof(big));
	big[0] = '"';
	nmdc_send_raw(o, big, sizeof(big));
	{
		json_t *j = nmdc_read_line(o, NULL, NULL, &err);

		code = j ? (long)json_integer_value(json_object_get(json_object_get(j, "error"), "code"))
			 : -1;
		json_decref(j);
		EXPECT(code == -32600, "oversize line: %ld", code);
		j = nmdc_read_line(o, NULL, NULL, &err);
		EXPECT(!j, "and the connection is closed");
		json_decref(j);
	}
	/* a: finish the request. */
	code = raw_call(a, "od\":\"status\"}\n", &err);
	EXPECT(code == 0, "the half-sent request completes: %ld", code);
	code = raw_call(g, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"status\"}\n", &err);
	EXPECT(code == 0, "still serving");
	nmdc_close(a);
	nmdc_close(b);
	nmdc_close(g);
	nmdc_close(o);
	return fails ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: nmd_client [-s SOCKET] call METHOD [PARAMS] | expect-error CODE "
			"METHOD [PARAMS] | xfer TX RX N | hold PORT SECONDS | wait-event TYPE "
			"SECONDS | robust\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		sock_path = argv[2];
		i = 3;
	}
	if (i >= argc)
		usage();
	if (!strcmp(argv[i], "call") && argc - i >= 2)
		return cmd_call(argv[i + 1], argc - i > 2 ? argv[i + 2] : NULL, 0);
	if (!strcmp(argv[i], "expect-error") && argc - i >= 3)
		return cmd_call(argv[i + 2], argc - i > 3 ? argv[i + 3] : NULL,
				strtol(argv[i + 1], NULL, 10));
	if (!strcmp(argv[i], "xfer") && argc - i == 4)
		return cmd_xfer(argv[i + 1], argv[i + 2], strtol(argv[i + 3], NULL, 10));
	if (!strcmp(argv[i], "hold") && argc - i == 3)
		return cmd_hold(argv[i + 1], strtol(argv[i + 2], NULL, 10));
	if (!strcmp(argv[i], "wait-event") && argc - i == 3)
		return cmd_wait_event(argv[i + 1], strtol(argv[i + 2], NULL, 10));
	if (!strcmp(argv[i], "robust") && argc - i == 1)
		return cmd_robust();
	usage();
	return 2;
}
