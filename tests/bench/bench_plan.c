// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_plan - how long netmapd's engine takes to plan and to apply a
 * topology of 64 switches x 16 persistent ports (1024 NEWIF + 1024
 * ATTACH), against the in-memory fake kernel (tests/unit/fake_kern.c), and
 * the process's RSS afterwards.
 *
 * What it measures is the engine's own cost: observation, planning, the
 * journal and the state file (rewritten atomically after every step, as in
 * the daemon). The kernel's cost is not in it: the figure with the real
 * netmap.ko comes from the VM test (the daemon's e2e test applies the same
 * topology), where each step is one NIOCCTRL plus, for NEWIF, a
 * register_netdev().
 *
 *   bench_plan [STATE_DIR]     (default /dev/shm: the daemon's /run is a tmpfs too)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "engine.h"
#include "fake_kern.h"

#define SWITCHES 64
#define PORTS 16

/*
 * CPU time of the process: the engine is single-threaded and never sleeps
 * here, and wall time on a loaded build host measures the other jobs.
 * The wall time of the whole apply is printed too.
 */
static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

static char *topology_yaml(void)
{
	size_t cap = 64 + SWITCHES * (32 + PORTS * 32), len = 0;
	char *s = malloc(cap);

	if (!s)
		return NULL;
	len += (size_t)snprintf(s + len, cap - len,
				"version: 1\nmodule:\n  params:\n    max_bridges: %d\nswitches:\n",
				SWITCHES);
	for (int i = 0; i < SWITCHES; i++) {
		len += (size_t)snprintf(s + len, cap - len, "  - name: vale%d\n    ports:\n", i);
		for (int j = 0; j < PORTS; j++)
			len += (size_t)snprintf(s + len, cap - len, "      - persistent: p%d_%d\n", i, j);
	}
	return s;
}

static int run(const char *state, const char *label)
{
	struct fake_kern *f = fake_new();
	struct nmd_config *c = NULL;
	struct engine *e = NULL;
	struct eng_plan p;
	struct diags d;
	struct kern k;
	char *yaml = topology_yaml();
	double t0, w0, w_apply, t_load, t_plan, t_apply, t_plan2, t_restart, t_teardown;
	size_t actions, again, adopted = 0;
	int r;

	if (!f || !yaml)
		return 1;
	fake_kern(f, &k);
	if (state)
		unlink(state);
	diags_init(&d, "bench.yaml");
	t0 = now_ms();
	r = config_load_buffer("bench.yaml", yaml, strlen(yaml), &c, &d);
	t_load = now_ms() - t0;
	if (r) {
		diags_print(&d, stderr);
		return 1;
	}
	r = engine_new(&k, state, &e, &d);
	if (r) {
		diags_print(&d, stderr);
		return 1;
	}

	t0 = now_ms();
	r = engine_plan(e, c, &p, &d);
	t_plan = now_ms() - t0;
	actions = p.n;
	eng_plan_done(&p);

	t0 = now_ms();
	w0 = wall_ms();
	r = r ? r : engine_apply(e, c, NULL, &d);
	t_apply = now_ms() - t0;
	w_apply = wall_ms() - w0;

	t0 = now_ms();
	r = r ? r : engine_plan(e, c, &p, &d);
	t_plan2 = now_ms() - t0;
	again = r ? 0 : p.n;
	if (!r)
		eng_plan_done(&p);

	/* A restart: read the state file, observe, plan (empty: everything adopted). */
	engine_free(e);
	e = NULL;
	t0 = now_ms();
	r = r ? r : engine_new(&k, state, &e, &d);
	r = r ? r : engine_plan(e, c, &p, &d);
	t_restart = now_ms() - t0;
	if (!r) {
		adopted = p.n;	/* 0 with a state file; without one, everything is adopted */
		eng_plan_done(&p);
	}

	t0 = now_ms();
	r = r ? r : engine_teardown(e, &d);
	t_teardown = now_ms() - t0;
	if (r) {
		diags_print(&d, stderr);
		fprintf(stderr, "bench_plan: failed: %s\n", strerror(-r));
		return 1;
	}
	printf("%-20s CPU ms: load %.1f | plan %zu actions %.1f | apply %.1f (%.1f us/action; wall %.1f) | "
	       "plan again %.1f (%zu actions) | restart+plan %.1f (%zu actions) | teardown %.1f\n",
	       label, t_load, actions, t_plan, t_apply, t_apply * 1e3 / (double)actions, w_apply,
	       t_plan2,
	       again, t_restart, adopted, t_teardown);
	engine_free(e);
	config_free(c);
	diags_done(&d);
	fake_free(f);
	free(yaml);
	if (state)
		unlink(state);
	return again || (state && adopted) ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/dev/shm";
	char state[4096];
	int r;

	snprintf(state, sizeof(state), "%s/bench_plan.%d.json", dir, (int)getpid());
	printf("bench_plan: %d switches x %d persistent ports, fake kernel (engine cost only)\n",
	       SWITCHES, PORTS);
	r = run(NULL, "no state file:");
	r |= run(state, "state file (tmpfs):");
	printf("RSS %ld KiB, peak %ld KiB (includes the fake kernel's tables)\n",
	       status_kb("VmRSS:"), status_kb("VmHWM:"));
	printf("note: with the real netmap.ko the figures come from the VM e2e test\n");
	return r;
}
