// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_regrace - REGISTER makes a new ephemeral VALE port's private region
 * without holding the module's control lock (tests/vm/guest/memcap.sh).
 *
 *   nm_regrace [-v] [same] [distinct] [latency]
 *
 * same: RACE_THREADS threads REGISTER the same new name at once, over
 * RACE_ROUNDS rounds (a region layout of its own each round, so the module's
 * region cache cannot serve it and each thread makes one): every REGISTER
 * succeeds, all are bound to one port
 * (one mem_id, one memsize, the same ring 0), mem_used_kb grows by exactly
 * one region while they are open (a region made for a port another thread
 * created meanwhile is not left alive) and is back to its base after the
 * close; at the end mem_cached_kb is back to 0 too (it is 0 at the start;
 * the cache lets its regions go after about a second).
 * distinct: the threads REGISTER different new names at once: all
 * succeed, each with a region of its own, and everything goes back.
 * latency (a measurement, printed, not asserted): REGISTER of a port that
 * exists (another fd holds it) and PORT_INFO_GET of it, timed while
 * another thread creates and closes ephemeral ports whose regions the
 * cache cannot serve (the extra buffer count differs each time), and the
 * creator's own REGISTER times. Before the region was made outside the
 * lock, every request waited for the creator's allocation.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "nmt.h"

#define RACE_THREADS	4
#define RACE_ROUNDS	8
#define LAT_SAMPLES	200
#define LAT_MAX_MS	8000	/* the measurement stops after this, whatever it has */

static long long used_kb(void)
{
	return nmt_param("mem_used_kb");
}

static long long cached_kb(void)
{
	return nmt_param("mem_cached_kb");
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Wait up to 30 s for mem_cached_kb to read @kb. */
static long long cached_wait(long long kb)
{
	const long long end = nmt_now_ms() + 30000;
	long long c;

	while ((c = cached_kb()) >= 0 && c != kb && nmt_now_ms() < end)
		usleep(10 * 1000);
	return c;
}

/* ---- concurrent REGISTERs of new names --------------------------------- */

struct racer {
	pthread_t tid;
	pthread_barrier_t *go;
	char name[32];
	uint32_t extra;		/* extra buffers: a layout the cache cannot serve */
	int fd;
	int err;
	struct nmreq_header hdr;
	struct nmreq_register reg;
};

/* Open the fd first, then REGISTER together with the others (no mmap: nmt's map table is not thread-safe). */
static void *racer_fn(void *arg)
{
	struct racer *r = arg;

	nmt_reg_req(&r->hdr, &r->reg, r->name, NMT_OPTS(.extra_bufs = r->extra));
	pthread_barrier_wait(r->go);
	r->err = r->fd < 0 ? ENODEV : nmt_ctrl(r->fd, &r->hdr);
	return NULL;
}

/*
 * REGISTER PREFIX0 (@same) or PREFIXi on RACE_THREADS threads at once, asking
 * for @extra (+ i if not @same) extra buffers; 0 if every thread ran.
 */
static int race(struct racer rs[RACE_THREADS], const char *prefix, bool same, uint32_t extra)
{
	pthread_barrier_t go;
	int i, started = 0;

	pthread_barrier_init(&go, NULL, RACE_THREADS);
	for (i = 0; i < RACE_THREADS; i++) {
		memset(&rs[i], 0, sizeof(rs[i]));
		snprintf(rs[i].name, sizeof(rs[i].name), "%s%d", prefix, same ? 0 : i);
		rs[i].extra = extra + (same ? 0 : i);
		rs[i].go = &go;
		rs[i].fd = nmt_open();
	}
	for (i = 0; i < RACE_THREADS; i++)
		started += !pthread_create(&rs[i].tid, NULL, racer_fn, &rs[i]);
	if (started != RACE_THREADS) {
		/* The barrier never opens: nothing can be joined, the alarm ends us. */
		CHECK(0, "started %d of %d threads", started, RACE_THREADS);
		return -1;
	}
	for (i = 0; i < RACE_THREADS; i++)
		pthread_join(rs[i].tid, NULL);
	pthread_barrier_destroy(&go);
	return 0;
}

static void race_close(struct racer rs[RACE_THREADS])
{
	for (int i = 0; i < RACE_THREADS; i++)
		if (rs[i].fd >= 0)
			close(rs[i].fd);
}

/* Offset of ring 0 of TX in the region, as the netmap_if of @r says, without mapping all of it. */
static long long ring0_ofs(const struct racer *r)
{
	struct netmap_if *nifp;
	long long ofs;
	void *m;

	m = mmap(NULL, r->reg.nr_memsize, PROT_READ, MAP_SHARED, r->fd, 0);
	if (m == MAP_FAILED)
		return -1;
	nifp = NETMAP_IF(m, r->reg.nr_offset);
	ofs = (long long)r->reg.nr_offset + nifp->ring_ofs[0];
	munmap(m, r->reg.nr_memsize);
	return ofs;
}

static void test_same(void)
{
	struct racer rs[RACE_THREADS];
	long long base, region;
	unsigned bad = 0;

	/* The base once the cache let its regions go, which frees their pages. */
	if (!CHECK_EQ(cached_wait(0), 0, "the cache is empty (old regions expired)"))
		return;
	base = used_kb();
	if (!CHECK(base >= 0, "mem_used_kb readable (%lld)", base))
		return;
	for (int round = 0; round < RACE_ROUNDS; round++) {
		char prefix[32];
		int i;

		snprintf(prefix, sizeof(prefix), "valerace:s%d_", round);
		if (race(rs, prefix, true, 1 + round))
			return;
		for (i = 0; i < RACE_THREADS; i++) {
			bad += !CHECK_ERR(rs[i].err, 0, "round %d: REGISTER %s on thread %d",
					  round, rs[i].name, i);
			if (i && !rs[i].err && !rs[0].err)
				bad += !CHECK(rs[i].reg.nr_mem_id == rs[0].reg.nr_mem_id &&
					      rs[i].reg.nr_memsize == rs[0].reg.nr_memsize &&
					      ring0_ofs(&rs[i]) == ring0_ofs(&rs[0]),
					      "round %d: thread %d bound to the port of thread 0 (mem_id %u/%u)",
					      round, i, rs[i].reg.nr_mem_id, rs[0].reg.nr_mem_id);
		}
		/* Each round's region differs a little: its own extra buffers. */
		region = rs[0].err ? -1 : (long long)(rs[0].reg.nr_memsize >> 10);
		bad += !CHECK_EQ(used_kb(), base + region,
				 "round %d: one region of %lld KiB alive for %d fds", round, region,
				 RACE_THREADS);
		race_close(rs);
		bad += !CHECK_EQ(used_kb(), base, "round %d: mem_used_kb back to %lld after close",
				 round, base);
		if (bad)
			return;
	}
	printf("# %d rounds of %d threads registering one new name: one port each time\n",
	       RACE_ROUNDS, RACE_THREADS);
	CHECK_EQ(cached_wait(0), 0, "mem_cached_kb back to 0: every region freed at last");
}

static void test_distinct(void)
{
	struct racer rs[RACE_THREADS];
	long long base, sum = 0;
	int i, j;

	if (!CHECK_EQ(cached_wait(0), 0, "the cache is empty (old regions expired)"))
		return;
	base = used_kb();
	if (!CHECK(base >= 0, "mem_used_kb readable (%lld)", base))
		return;
	if (race(rs, "valerace:d", false, 100))
		return;
	for (i = 0; i < RACE_THREADS; i++) {
		if (!CHECK_ERR(rs[i].err, 0, "REGISTER %s on thread %d", rs[i].name, i))
			continue;
		sum += (long long)(rs[i].reg.nr_memsize >> 10);
		for (j = 0; j < i; j++)
			CHECK(rs[i].reg.nr_mem_id != rs[j].reg.nr_mem_id,
			      "%s and %s have regions of their own (%u, %u)", rs[i].name,
			      rs[j].name, rs[i].reg.nr_mem_id, rs[j].reg.nr_mem_id);
	}
	CHECK_EQ(used_kb(), base + sum, "mem_used_kb grew by the %d regions", RACE_THREADS);
	race_close(rs);
	CHECK_EQ(used_kb(), base, "mem_used_kb back to %lld after close", base);
	CHECK_EQ(cached_wait(0), 0, "mem_cached_kb back to 0: every region freed at last");
}

/* ---- latency of requests on an existing port while regions are made ----- */

static atomic_bool lat_stop;
static long long creator_us[4096];
static atomic_int creator_n, creator_err;

/* Create and close ephemeral ports whose regions the cache cannot serve. */
static void *creator_fn(void *arg)
{
	struct nmt_port x;
	uint32_t extra = 1;

	(void)arg;
	while (!atomic_load(&lat_stop)) {
		long long t0 = now_us();
		int err = nmt_port_open(&x, "valelat:x", NMT_OPTS(.extra_bufs = extra++,
								 .no_mmap = true));
		int n = atomic_load(&creator_n);

		if (err) {
			atomic_store(&creator_err, err);
			break;
		}
		if (n < (int)(sizeof(creator_us) / sizeof(creator_us[0]))) {
			creator_us[n] = now_us() - t0;
			atomic_store(&creator_n, n + 1);
		}
		nmt_port_close(&x);
	}
	return NULL;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static void print_lat(const char *what, long long *us, int n)
{
	if (n <= 0) {
		printf("# %s: no samples\n", what);
		return;
	}
	qsort(us, n, sizeof(*us), cmp_ll);
	printf("latency %s: n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms\n", what, n,
	       us[n / 2] / 1000.0, us[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1000.0,
	       us[n - 1] / 1000.0);
}

/* One REGISTER of the held port on a fresh fd, timed (the open and close are not). */
static long long reg_existing_us(void)
{
	struct nmreq_header h;
	struct nmreq_register r;
	long long t0, dt;
	int fd = nmt_open(), err;

	if (fd < 0)
		return -1;
	nmt_reg_req(&h, &r, "valelat:r", NULL);
	t0 = now_us();
	err = nmt_ctrl(fd, &h);
	dt = now_us() - t0;
	close(fd);
	return err ? -1 : dt;
}

static long long info_us(void)
{
	struct nmreq_port_info_get info;
	long long t0 = now_us();

	memset(&info, 0, sizeof(info));
	return nmt_port_info("valelat:r", &info) ? -1 : now_us() - t0;
}

static void test_latency(void)
{
	static long long reg_us[LAT_SAMPLES], inf_us[LAT_SAMPLES];
	const long long end = nmt_now_ms() + LAT_MAX_MS;
	struct nmt_port held;
	pthread_t creator;
	int n = 0, fails = 0;

	if (!CHECK_ERR(nmt_port_open(&held, "valelat:r", NULL), 0, "open valelat:r"))
		return;
	if (!CHECK(!pthread_create(&creator, NULL, creator_fn, NULL), "creator thread"))
		goto out;
	while (n < LAT_SAMPLES && nmt_now_ms() < end && !atomic_load(&creator_err)) {
		reg_us[n] = reg_existing_us();
		inf_us[n] = info_us();
		if (reg_us[n] < 0 || inf_us[n] < 0) {
			fails++;
			break;
		}
		n++;
		usleep(5000);
	}
	atomic_store(&lat_stop, true);
	pthread_join(creator, NULL);
	CHECK_ERR(atomic_load(&creator_err), 0, "the creator's REGISTERs");
	CHECK(!fails && n > 0, "%d REGISTER/PORT_INFO_GET pairs of valelat:r, none failed", n);
	print_lat("REGISTER of an existing port", reg_us, n);
	print_lat("PORT_INFO_GET of an existing port", inf_us, n);
	print_lat("REGISTER creating a port (cache miss)", creator_us, atomic_load(&creator_n));
out:
	nmt_port_close(&held);
}

static const struct nmt_test tests[] = {
	{ "same", test_same,
	  "threads registering one new ephemeral name at once all bind one port, nothing leaks" },
	{ "distinct", test_distinct,
	  "threads registering different new names at once all succeed, nothing leaks" },
	{ "latency", test_latency,
	  "prints REGISTER/PORT_INFO_GET latency of an existing port while regions are made" },
};

int main(int argc, char **argv)
{
	return nmt_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv, 120);
}
