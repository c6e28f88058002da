// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_rpc - netmapd's port.open round trip: a request goes out, the
 * response line and its SCM_RIGHTS fd come back. Measured with 1 client
 * (sequential) and with C concurrent clients (each with one request in
 * flight, all multiplexed with poll() in this process); p50/p99/max of
 * port.open only (each is followed, unmeasured, by closing the fd and a
 * port.close of the handle, so the daemon's records do not grow; "No
 * handle" is fine there: the release of the fd may have dropped it). One more
 * fd on PORT is held for the whole run, so the port and its memory region
 * exist throughout: what is measured is the RPC and a REGISTER on an
 * existing port, not the creation of a region. With C clients up to C fds
 * are registered at once: PORT's region needs that many netmap_if objects
 * (priv_if_num). Also the daemon's RSS (VmRSS, VmHWM of /proc/PID/status)
 * before and after.
 *
 *   bench_rpc SOCKET PORT N CLIENTS N-PER-CLIENT [DAEMON-PID]
 *
 * Runs in the VM (tests/vm/guest/daemon.sh) against the real module; it
 * prints numbers and asserts no speed (exit 1 only if calls fail).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "nmd_conn.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *v, size_t n, uint64_t wall_ns)
{
	if (!n) {
		printf("%-28s no samples\n", what);
		return;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("%-28s n=%zu p50=%.1f us p99=%.1f us max=%.1f us, %.0f opens/s\n", what, n,
	       v[n / 2] / 1e3, v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e3,
	       v[n - 1] / 1e3, wall_ns ? n / (wall_ns / 1e9) : 0);
}

static void rss(const char *when, long pid)
{
	char path[64], line[256];
	FILE *f;

	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	printf("daemon %-8s", when);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6) || !strncmp(line, "VmHWM:", 6)) {
			line[strcspn(line, "\n")] = '\0';
			printf("  %s", line);
		}
	printf("\n");
	fclose(f);
}

static char *req_line(const char *method, json_t *params, long id)
{
	json_t *r = json_pack("{s:s, s:s, s:I, s:o}", "jsonrpc", "2.0", "method", method, "id",
			      (json_int_t)id, "params", params);
	char *s = json_dumps(r, JSON_COMPACT);
	size_t n = strlen(s);

	json_decref(r);
	s = realloc(s, n + 2);
	s[n] = '\n';
	s[n + 1] = '\0';
	return s;
}

struct client {
	struct nmdc c;
	bool closing;   /* the request in flight is the unmeasured port.close */
	unsigned left;  /* port.opens still to do */
	uint64_t t0;
	long id;
};

static int send_next(struct client *k, const char *port, json_int_t handle)
{
	char *line;
	int r;

	if (handle > 0) {
		line = req_line("port.close", json_pack("{s:I}", "handle", handle), ++k->id);
		k->closing = true;
	} else {
		line = req_line("port.open", json_pack("{s:s}", "name", port), ++k->id);
		k->closing = false;
		k->t0 = now_ns();
	}
	r = nmdc_send_raw(&k->c, line, strlen(line));
	free(line);
	return r;
}

/* Handle one response line of @k; returns -1 on a failed call. */
static int on_response(struct client *k, json_t *j, int *fds, size_t nfds, const char *port,
		       uint64_t *lat, size_t *n_lat)
{
	json_t *res = json_object_get(j, "result");
	json_int_t handle = 0;

	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	/*
	 * The fd was closed before port.close: a daemon whose module reports
	 * releases has dropped the record already ("No handle", -32002).
	 */
	if (!res && k->closing &&
	    json_integer_value(json_object_get(json_object_get(j, "error"), "code")) == -32002)
		res = json_null();
	if (!res) {
		char *s = json_dumps(j, JSON_COMPACT);

		fprintf(stderr, "bench_rpc: %s\n", s);
		free(s);
		return -1;
	}
	if (!k->closing) {
		lat[(*n_lat)++] = now_ns() - k->t0;
		k->left--;
		handle = json_integer_value(json_object_get(res, "handle"));
		if (nfds != 1)
			return -1;
	} else if (!k->left) {
		return 1; /* done */
	}
	return send_next(k, port, handle) < 0 ? -1 : 0;
}

static int run(const char *sock, const char *port, unsigned clients, unsigned per,
	       uint64_t *lat, size_t *n_lat, uint64_t *wall)
{
	struct client *k = calloc(clients, sizeof(*k));
	struct pollfd *pf = calloc(clients, sizeof(*pf));
	unsigned active = clients;
	uint64_t t0;
	int fails = 0;

	for (unsigned i = 0; i < clients; i++) {
		if (nmdc_connect(&k[i].c, sock) < 0) {
			perror("connect");
			return -1;
		}
		k[i].left = per;
		pf[i].fd = k[i].c.sock;
		pf[i].events = POLLIN;
	}
	t0 = now_ns();
	for (unsigned i = 0; i < clients; i++)
		send_next(&k[i], port, 0);
	while (active) {
		if (poll(pf, clients, 10000) <= 0) {
			fprintf(stderr, "bench_rpc: timeout\n");
			return -1;
		}
		for (unsigned i = 0; i < clients; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (nmdc_fill(&k[i].c) <= 0) {
				fprintf(stderr, "bench_rpc: client %u lost\n", i);
				return -1;
			}
			while (memchr(k[i].c.buf, '\n', k[i].c.len)) {
				int fds[NMDC_MAX_FDS], err, r;
				size_t nfds = 0;
				json_t *j = nmdc_read_line(&k[i].c, fds, &nfds, &err);

				if (!j)
					return -1;
				r = on_response(&k[i], j, fds, nfds, port, lat, n_lat);
				json_decref(j);
				if (r < 0)
					fails++;
				if (r != 0) {
					pf[i].fd = -1;
					active--;
					break;
				}
			}
		}
	}
	*wall = now_ns() - t0;
	for (unsigned i = 0; i < clients; i++)
		nmdc_close(&k[i].c);
	free(k);
	free(pf);
	return fails;
}

int main(int argc, char **argv)
{
	unsigned n, clients, per;
	uint64_t *lat, wall = 0;
	size_t n_lat = 0;
	long pid = 0;
	char label[64];
	int f1, f2;

	if (argc < 6) {
		fprintf(stderr, "usage: bench_rpc SOCKET PORT N CLIENTS N-PER-CLIENT [DAEMON-PID]\n");
		return 2;
	}
	n = (unsigned)strtoul(argv[3], NULL, 10);
	clients = (unsigned)strtoul(argv[4], NULL, 10);
	per = (unsigned)strtoul(argv[5], NULL, 10);
	if (argc > 6)
		pid = strtol(argv[6], NULL, 10);
	lat = calloc((size_t)n + (size_t)clients * per + 1, sizeof(*lat));
	/* The keeper: PORT exists for the whole run. */
	{
		static struct nmdc keeper;
		json_t *p = json_pack("{s:s}", "name", argv[2]), *j;
		int kfds[NMDC_MAX_FDS], err;
		size_t nk = 0;

		if (nmdc_connect(&keeper, argv[1]) < 0) {
			perror("connect");
			return 1;
		}
		j = nmdc_call(&keeper, "port.open", p, kfds, &nk, &err);
		json_decref(p);
		if (!j || !json_object_get(j, "result") || nk != 1) {
			fprintf(stderr, "bench_rpc: cannot open %s\n", argv[2]);
			return 1;
		}
		json_decref(j);
	}
	rss("before", pid);
	f1 = run(argv[1], argv[2], 1, n, lat, &n_lat, &wall);
	report("port.open, 1 client", lat, n_lat, wall);
	n_lat = 0;
	f2 = run(argv[1], argv[2], clients, per, lat, &n_lat, &wall);
	snprintf(label, sizeof(label), "port.open, %u clients", clients);
	report(label, lat, n_lat, wall);
	rss("after", pid);
	free(lat);
	if (f1 || f2)
		fprintf(stderr, "bench_rpc: %d failed calls\n", (f1 < 0 ? 1 : f1) + (f2 < 0 ? 1 : f2));
	return f1 || f2 ? 1 : 0;
}
