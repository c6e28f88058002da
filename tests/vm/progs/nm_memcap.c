// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_memcap - netmap memory is bounded (issue 12, tests/vm/guest/memcap.sh).
 *
 *   nm_memcap [-v] [cap]               the max_mem_mb cap (nmt subtest)
 *   nm_memcap fill reg|newif PREFIX MAX CGROUP_DIR
 *                                      make regions until one fails: REGISTER
 *                                      of ephemeral ports PREFIX0, PREFIX1, ...
 *                                      (e.g. vale5:c) or VALE_NEWIF of PREFIX0 ...
 *                                      (netdev names); print the numbers of the
 *                                      memory cgroup in CGROUP_DIR after each
 *   nm_memcap delif PREFIX N           VALE_DELIF of PREFIX0 .. PREFIX(N-1)
 *
 * cap: with max_mem_mb set so that exactly two default VALE ports fit next
 * to what exists, a port with many extra buffers, a third port and a
 * VALE_NEWIF are refused with ENOMEM (no netdev appears), a default port
 * still fits after the big refusal, and mem_used_kb goes back to its
 * baseline when everything is closed. It prints "refusals=N": the shell
 * checks that the kernel log got exactly N lines naming max_mem_mb.
 *
 * recycle: a closed ephemeral port's region (its buffers filled with 0xab)
 * shows in mem_cached_kb, and a later open of the same port takes it back
 * with every buffer byte zero.
 *
 * splice: a buffer page vmsplice()d into a pipe when the port is closed
 * keeps the region out of the cache; the pipe reads the old bytes and the
 * next user's buffers are zero and apart from it.
 *
 * fill reg: the ports stay open until the first failure, then all close
 * and, if this process is in that cgroup, its memory.current must drop by
 * (3/4 of) their regions within 10 s (the module's region cache keeps a
 * freed ephemeral port's region charged for a second); it
 * exits 0 if at least one region was made and the first failure was ENOMEM
 * (or MAX regions were made: the caller greps which). fill newif leaves the persistent ports behind (the shell
 * looks at the cgroup after this process is gone, then deletes them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "nmt.h"

#define CAP_SWITCH "vale9:"
#define FILL_MAX 256

static long long used_kb(void)
{
	return nmt_param("mem_used_kb");
}

static int ctrl(uint16_t type, const char *name, void *body)
{
	struct nmreq_header h;
	int fd, err;

	fd = nmt_open();
	if (fd < 0)
		return ENODEV;
	nmt_hdr(&h, type, name, body);
	err = nmt_ctrl(fd, &h);
	close(fd);
	return err;
}

static int newif(const char *name)
{
	struct nmreq_vale_newif b;

	memset(&b, 0, sizeof(b));
	return ctrl(NETMAP_REQ_VALE_NEWIF, name, &b);
}

static int delif(const char *name)
{
	return ctrl(NETMAP_REQ_VALE_DELIF, name, NULL);
}

static bool netdev_exists(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	return stat(path, &st) == 0;
}

/* ---- the cap ---------------------------------------------------------- */

static void test_cap(void)
{
	const long long old_cap = nmt_param("max_mem_mb");
	struct nmt_port a, big, c, d;
	long long base, region, cap_mb;
	unsigned refusals = 0;

	if (!CHECK(old_cap > 0, "max_mem_mb readable and not 0 (%lld)", old_cap))
		return;
	base = used_kb();
	if (!CHECK(base >= 0, "mem_used_kb readable (%lld KiB)", base))
		return;
	if (!CHECK_ERR(nmt_port_open(&a, CAP_SWITCH "a", NULL), 0, "open " CAP_SWITCH "a"))
		return;
	region = used_kb() - base;
	if (!CHECK(region > 1024, "a default VALE port's region is counted (%lld KiB)", region))
		goto out_a;
	/* Room for exactly two such regions: cap < base + 3 * region. */
	cap_mb = (base + 2 * region) / 1024 + 1;
	printf("# baseline %lld KiB, one VALE port region %lld KiB, max_mem_mb %lld -> %lld\n",
	       base, region, old_cap, cap_mb);
	if (!CHECK_ERR(nmt_param_set("max_mem_mb", cap_mb), 0, "write max_mem_mb"))
		goto out_a;
	CHECK_EQ(nmt_param("max_mem_mb"), cap_mb, "max_mem_mb reads back");

	/* Extra buffers are region memory: 60000 of them do not fit. */
	CHECK_ERR(nmt_port_open(&big, CAP_SWITCH "big", NMT_OPTS(.extra_bufs = 60000)),
		  ENOMEM, "a port with 60000 extra buffers is refused");
	refusals++;
	CHECK_EQ(used_kb(), base + region, "the refused region is not counted");
	/* So do rings: 4 + 4 rings of 4096 slots are more than the room left. */
	CHECK_ERR(nmt_port_open(&big, CAP_SWITCH "big",
				NMT_OPTS(.tx_rings = 4, .rx_rings = 4,
					 .tx_slots = 4096, .rx_slots = 4096)),
		  ENOMEM, "a port with 8 rings of 4096 slots is refused");
	refusals++;
	if (!CHECK_ERR(nmt_port_open(&c, CAP_SWITCH "c", NULL), 0,
		       "a default port still fits after the refusals"))
		goto out_cap;
	printf("# two ports open: mem_used_kb %lld of %lld KiB\n", used_kb(), cap_mb * 1024);
	CHECK_ERR(nmt_port_open(&d, CAP_SWITCH "d", NULL), ENOMEM,
		  "a third port crosses max_mem_mb: ENOMEM");
	refusals++;
	CHECK_ERR(newif("nmcap0"), ENOMEM, "VALE_NEWIF over max_mem_mb: ENOMEM");
	refusals++;
	CHECK(!netdev_exists("nmcap0"), "no netdev nmcap0 after the refused NEWIF");
	CHECK_EQ(used_kb(), base + 2 * region, "refusals left mem_used_kb alone");

	/* A persistent port counts until it is deleted. */
	nmt_port_close(&c);
	CHECK_EQ(used_kb(), base + region, "closing a port gives its region back");
	if (CHECK_ERR(newif("nmcap0"), 0, "VALE_NEWIF fits again")) {
		CHECK_EQ(used_kb(), base + 2 * region, "the persistent port's region counts");
		CHECK_ERR(delif("nmcap0"), 0, "VALE_DELIF nmcap0");
		CHECK_EQ(used_kb(), base + region, "VALE_DELIF gives it back");
	}
out_cap:
	CHECK_ERR(nmt_param_set("max_mem_mb", old_cap), 0, "max_mem_mb back to %lld", old_cap);
out_a:
	nmt_port_close(&a);
	CHECK_EQ(used_kb(), base, "mem_used_kb back to its baseline after close");
	printf("refusals=%u\n", refusals);
}

/* ---- the region cache ------------------------------------------------- */

#define RECYCLE_PORT "valerc:a"
#define RECYCLE_TRIES 300	/* opens 100 ms apart: 30 s at the most */

/* The buffer pool of @p's region: from buffer 0 to the end of the mapping. */
static unsigned char *buf_area(const struct nmt_port *p, size_t *len)
{
	struct netmap_ring *r = nmt_tx(p, 0);
	unsigned char *b = (unsigned char *)r + r->buf_ofs;

	*len = (size_t)((unsigned char *)p->mem + p->memsize - b);
	return b;
}

static long long cached_kb(void)
{
	return nmt_param("mem_cached_kb");
}

/* Wait up to 30 s for mem_cached_kb to satisfy @cmp against @kb. */
static long long cached_wait(bool at_least, long long kb)
{
	const long long end = nmt_now_ms() + 30000;
	long long c;

	while ((c = cached_kb()) >= 0 && (at_least ? c < kb : c != kb) && nmt_now_ms() < end)
		usleep(2000);
	return c;
}

/* Open the port, count the non-zero bytes of its buffers, fill them with 0xab. */
static bool recycle_open(struct nmt_port *p, size_t *dirty, long long *kb)
{
	unsigned char *b;
	size_t len, i;

	if (!CHECK_ERR(nmt_port_open(p, RECYCLE_PORT, NULL), 0, "open " RECYCLE_PORT))
		return false;
	b = buf_area(p, &len);
	for (i = 0; i < len; i++)
		*dirty += b[i] != 0;
	memset(b, 0xab, len);
	*kb = (long long)(p->memsize >> 10);
	return true;
}

/*
 * A freed ephemeral port's region is kept and reused zeroed: what one user
 * wrote never reaches the next. Each open of the port finds its buffers
 * zero and leaves them full of 0xab; the first one's region must show in
 * mem_cached_kb after the close. The later opens, 100 ms apart, each
 * compare mem_cached_kb around the REGISTER: it falls by the region's size
 * when the open took a kept region. A kept region is reusable once zeroed
 * (a work item: how soon depends on the load) and for about 1 s after, and
 * every close keeps one more, so the opens go on until one reuses.
 */
static void test_recycle(void)
{
	struct nmt_port p;
	long long kb, before, after;
	size_t dirty = 0;
	int t;
	bool reused = false;

	if (!CHECK_EQ(cached_wait(false, 0), 0, "the cache is empty (old regions expired)"))
		return;
	if (!recycle_open(&p, &dirty, &kb))
		return;
	nmt_port_close(&p);
	if (!CHECK(cached_wait(true, kb) >= kb, "the closed port's region is kept (%lld KiB)", kb))
		return;
	for (t = 1; t <= RECYCLE_TRIES && !reused; t++) {
		usleep(100 * 1000);
		before = cached_kb();
		if (!recycle_open(&p, &dirty, &kb))
			return;
		after = cached_kb();
		nmt_port_close(&p);
		reused = before - after == kb;
	}
	printf("# opens after the first: %d, a kept region reused: %s\n", t - 1, reused ? "yes" : "no");
	CHECK_EQ(dirty, 0, "every byte of every new region's buffers is zero");
	CHECK(reused, "a kept region was reused within %d opens", RECYCLE_TRIES);
}

/*
 * A page of the region that a pipe still holds when the port goes: vmsplice()
 * (no SPLICE_F_GIFT) puts a reference to the user page in the pipe. The
 * region must not be kept for reuse (mem_cached_kb does not grow), the pipe
 * keeps what was written there, and the next open of the port gets zeroed
 * buffers that are not that page (what it writes does not show in the pipe).
 */
static void test_splice(void)
{
	const size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *b, *pg, *got;
	struct nmt_port p;
	size_t dirty = 0, len, i, bad = 0;
	struct iovec iov;
	long long kb, c0;
	int pfd[2];

	if (!CHECK_EQ((c0 = cached_wait(false, 0)), 0, "the cache is empty (old regions expired)"))
		return;
	if (!recycle_open(&p, &dirty, &kb))	/* buffers now full of 0xab */
		return;
	b = buf_area(&p, &len);
	pg = (unsigned char *)(((uintptr_t)b + ps - 1) & ~(uintptr_t)(ps - 1));
	if (!CHECK(pg + ps <= b + len && !pipe(pfd), "a whole buffer page and a pipe")) {
		nmt_port_close(&p);
		return;
	}
	iov = (struct iovec){ .iov_base = pg, .iov_len = ps };
	CHECK_EQ(vmsplice(pfd[1], &iov, 1, 0), (long long)ps, "vmsplice of a buffer page");
	nmt_port_close(&p);
	/* The last reference went in close()/munmap(); a kept region would count for 1 s. */
	usleep(200 * 1000);
	CHECK_EQ(cached_kb(), c0, "the region with a page in the pipe was not kept");
	if (recycle_open(&p, &dirty, &kb)) {	/* zero, then 0xab again */
		memset(buf_area(&p, &len), 0x5a, len);
		nmt_port_close(&p);
	}
	CHECK_EQ(dirty, 0, "every byte of the new region's buffers is zero");
	got = malloc(ps);
	if (CHECK(got && read(pfd[0], got, ps) == (ssize_t)ps, "read the page back from the pipe"))
		for (i = 0; i < ps; i++)
			bad += got[i] != 0xab;
	CHECK_EQ(bad, 0, "the pipe still holds what was written, nothing of the next user");
	free(got);
	close(pfd[0]);
	close(pfd[1]);
}

/* ---- memory cgroup fill ----------------------------------------------- */

/* A figure of the cgroup in KiB ("max" = -1, unreadable = -2). */
static long long cg_kb(const char *dir, const char *file)
{
	char path[512], buf[64];
	long long v = -2;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -2;
	if (fgets(buf, sizeof(buf), f))
		v = strncmp(buf, "max", 3) ? strtoll(buf, NULL, 10) / 1024 : -1;
	fclose(f);
	return v;
}

static void cg_print(const char *what, const char *cg)
{
	printf("%s: memory.current %lld KiB, memory.peak %lld KiB, memory.max %lld KiB, mem_used_kb %lld\n",
	       what, cg_kb(cg, "memory.current"), cg_kb(cg, "memory.peak"),
	       cg_kb(cg, "memory.max"), used_kb());
}

/* Is this process in the cgroup at @dir ("0::/PATH" of /proc/self/cgroup)? */
static bool in_cgroup(const char *dir)
{
	char line[256];
	size_t dl = strlen(dir), pl;
	bool in = false;
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		pl = strlen(line + 3);
		in = pl > 1 && dl >= pl && !strcmp(dir + dl - pl, line + 3);
	}
	fclose(f);
	return in;
}

static int fill(bool reg, const char *prefix, unsigned max, const char *cg)
{
	static struct nmt_port ports[FILL_MAX];
	char name[64] = "";
	long long used0;
	unsigned n;
	int err = 0;

	if (max > FILL_MAX)
		max = FILL_MAX;
	used0 = used_kb();
	cg_print("before", cg);
	for (n = 0; n < max; n++) {
		snprintf(name, sizeof(name), "%s%u", prefix, n);
		err = reg ? nmt_port_open(&ports[n], name, NULL) : newif(name);
		if (err)
			break;
		printf("%s %s: ok; ", reg ? "REGISTER" : "VALE_NEWIF", name);
		cg_print("after", cg);
	}
	printf("%s %s: %s after %u region(s)\n", reg ? "REGISTER" : "VALE_NEWIF", name,
	       err ? strerror(err) : "no failure", n);
	cg_print("at the failure", cg);
	if (reg && n && in_cgroup(cg)) {
		long long cur = cg_kb(cg, "memory.current");
		long long region = (used_kb() - used0) / n;

		long long until;

		for (unsigned i = 0; i < n; i++)
			nmt_port_close(&ports[i]);
		cg_print("all closed", cg);
		/*
		 * The pages went back: at least 3/4 of the regions' size. The
		 * module keeps a freed ephemeral port's region charged for 1 s
		 * (its region cache), so wait up to 10 s.
		 */
		until = nmt_now_ms() + 10000;
		while (cg_kb(cg, "memory.current") > cur - (long long)n * region * 3 / 4 &&
		       nmt_now_ms() < until)
			usleep(100 * 1000);
		cg_print("given back", cg);
		if (cg_kb(cg, "memory.current") > cur - (long long)n * region * 3 / 4) {
			printf("FAIL: memory.current did not drop by the regions closed (%u x %lld KiB)\n",
			       n, region);
			return 1;
		}
	}
	return n >= 1 && (err == ENOMEM || n == max) ? 0 : 1;
}

static int delif_all(const char *prefix, unsigned n)
{
	char name[64];
	int rc = 0;

	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%u", prefix, i);
		int err = delif(name);

		if (err && err != ENXIO) {
			printf("VALE_DELIF %s: %s\n", name, strerror(err));
			rc = 1;
		}
	}
	return rc;
}

static const struct nmt_test tests[] = {
	{ "cap", test_cap,
	  "max_mem_mb refuses the region that would cross it (ENOMEM), smaller ones fit, usage returns to baseline" },
	{ "recycle", test_recycle,
	  "a closed ephemeral port's region is kept (mem_cached_kb) and reused with every buffer zero" },
	{ "splice", test_splice,
	  "a region whose page a pipe holds (vmsplice) is not kept; the pipe and the next user stay apart" },
};

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "fill"))
		return fill(!strcmp(argv[2], "reg"), argv[3], (unsigned)atoi(argv[4]), argv[5]);
	if (argc == 4 && !strcmp(argv[1], "delif"))
		return delif_all(argv[2], (unsigned)atoi(argv[3]));
	return nmt_main(tests, sizeof(tests) / sizeof(tests[0]), argc, argv, 120);
}
