// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmt - test helpers for programs that drive /dev/netmap directly. See nmt.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nmt.h"

unsigned nmt_checks_ok, nmt_checks_failed;
bool nmt_verbose;

/* ------------------------------------------------------------------------
 * Checks
 */

static const char *errname(int e)
{
	const char *n;

	if (e == 0)
		return "0";
	n = strerrorname_np(e);
	return n ? n : "E?";
}

static bool report(bool ok, const char *file, int line, const char *extra,
		   const char *fmt, va_list ap)
{
	if (ok)
		nmt_checks_ok++;
	else
		nmt_checks_failed++;
	if (ok && !nmt_verbose)
		return ok;
	printf("    %s: ", ok ? "ok" : "FAIL");
	vprintf(fmt, ap);
	if (!ok) {
		if (extra)
			printf(" [%s]", extra);
		printf(" (%s:%d)", file, line);
	}
	printf("\n");
	return ok;
}

bool nmt_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ok, file, line, NULL, fmt, ap);
	va_end(ap);
	return ok;
}

bool nmt_check_err(int got, int want, const char *file, int line, const char *fmt, ...)
{
	char extra[96];
	va_list ap;

	snprintf(extra, sizeof(extra), "got %s (%d), want %s (%d)",
		 errname(got), got, errname(want), want);
	va_start(ap, fmt);
	report(got == want, file, line, extra, fmt, ap);
	va_end(ap);
	return got == want;
}

bool nmt_check_eq(long long got, long long want, const char *file, int line,
		  const char *fmt, ...)
{
	char extra[96];
	va_list ap;

	snprintf(extra, sizeof(extra), "got %lld (0x%llx), want %lld (0x%llx)",
		 got, (unsigned long long)got, want, (unsigned long long)want);
	va_start(ap, fmt);
	report(got == want, file, line, extra, fmt, ap);
	va_end(ap);
	return got == want;
}

void nmt_note(const char *fmt, ...)
{
	va_list ap;

	if (!nmt_verbose)
		return;
	printf("    # ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* ------------------------------------------------------------------------
 * Subtests
 */

/* Exit status of a subtest child that called nmt_skip() without failures. */
#define NMT_EXIT_SKIP 4
static const char *nmt_current;	/* name of the running subtest (child) */

void nmt_skip(const char *fmt, ...)
{
	va_list ap;

	printf("SKIP: %s (", nmt_current ? nmt_current : "?");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(")\n");
	fflush(stdout);
	_exit(nmt_checks_failed ? 1 : NMT_EXIT_SKIP);
}

static bool selected(const char *name, int argc, char **argv)
{
	int i, any = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		any = 1;
		if (!strcmp(argv[i], name))
			return true;
	}
	return !any;
}

int nmt_main(const struct nmt_test *tests, size_t n, int argc, char **argv,
	     unsigned timeout_s)
{
	unsigned passed = 0, failed = 0, skipped = 0;
	size_t i;
	int a;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Orphans of a subtest (children of its children) come back to us. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-v"))
			nmt_verbose = true;
		if (!strcmp(argv[a], "-l")) {
			for (i = 0; i < n; i++)
				printf("%-24s %s\n", tests[i].name, tests[i].what);
			return 0;
		}
	}
	for (i = 0; i < n; i++) {
		const struct nmt_test *t = &tests[i];
		long long t0;
		pid_t pid;
		int st;

		if (!selected(t->name, argc, argv))
			continue;
		if (nmt_verbose)
			printf("== %s: %s\n", t->name, t->what);
		fflush(stdout);
		t0 = nmt_now_ms();
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			setpgid(0, 0);
			nmt_current = t->name;
			nmt_checks_ok = nmt_checks_failed = 0;
			alarm(timeout_s);
			t->fn();
			fflush(stdout);
			if (nmt_checks_failed)
				_exit(1);
			_exit(nmt_checks_ok ? 0 : 3);
		}
		setpgid(pid, pid);	/* also here: no race with the child */
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		/* Kill and reap what the subtest left behind, so that its
		 * ports are released before the next subtest starts. */
		kill(-pid, SIGKILL);
		while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			printf("ok: %s (%lld ms)\n", t->name, nmt_now_ms() - t0);
			passed++;
			continue;
		}
		if (WIFEXITED(st) && WEXITSTATUS(st) == NMT_EXIT_SKIP) {
			skipped++;	/* the child printed its SKIP line */
			continue;
		}
		failed++;
		if (WIFSIGNALED(st))
			printf("FAIL: %s (killed by signal %d%s)\n", t->name, WTERMSIG(st),
			       WTERMSIG(st) == SIGALRM ? ": timeout" : "");
		else if (WEXITSTATUS(st) == 3)
			printf("FAIL: %s (made no check)\n", t->name);
		else
			printf("FAIL: %s (checks failed)\n", t->name);
	}
	if (skipped)
		printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	else
		printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

/* ------------------------------------------------------------------------
 * Raw requests
 */

int nmt_open(void)
{
	int fd = open(NETMAP_DEVICE_NAME, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		CHECK(0, "open %s: %s", NETMAP_DEVICE_NAME, strerror(errno));
	return fd;
}

void nmt_hdr(struct nmreq_header *h, uint16_t reqtype, const char *name, void *body)
{
	memset(h, 0, sizeof(*h));
	h->nr_version = NETMAP_API;
	h->nr_reqtype = reqtype;
	if (name)
		strncpy(h->nr_name, name, sizeof(h->nr_name) - 1);
	h->nr_body = (uintptr_t)body;
}

int nmt_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? errno : 0;
}

int nmt_ctrl(int fd, struct nmreq_header *h)
{
	return nmt_ioctl(fd, NIOCCTRL, h);
}

int nmt_txsync(int fd)
{
	return ioctl(fd, NIOCTXSYNC, NULL) ? errno : 0;
}

int nmt_rxsync(int fd)
{
	return ioctl(fd, NIOCRXSYNC, NULL) ? errno : 0;
}

static int info_req(uint16_t type, const char *name, void *body)
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

int nmt_port_info(const char *name, struct nmreq_port_info_get *info)
{
	return info_req(NETMAP_REQ_PORT_INFO_GET, name, info);
}

int nmt_pools_info(const char *name, struct nmreq_pools_info *info)
{
	return info_req(NETMAP_REQ_POOLS_INFO_GET, name, info);
}

/* ------------------------------------------------------------------------
 * Ports
 */

/* Mapped regions of this process, so buffer addresses can be checked. */
#define NMT_MAX_MAPS 512
static struct { char *lo, *hi; } maps[NMT_MAX_MAPS];

void nmt_map_add(void *mem, size_t len)
{
	int i;

	for (i = 0; i < NMT_MAX_MAPS; i++) {
		if (!maps[i].lo) {
			maps[i].lo = mem;
			maps[i].hi = (char *)mem + len;
			return;
		}
	}
}

void nmt_map_del(void *mem)
{
	int i;

	for (i = 0; i < NMT_MAX_MAPS; i++)
		if (maps[i].lo == mem)
			maps[i].lo = maps[i].hi = NULL;
}

/* [p, p + len) lies inside one mapped region. */
static bool addr_ok(const void *p, size_t len)
{
	const char *c = p;
	int i;

	for (i = 0; i < NMT_MAX_MAPS; i++)
		if (maps[i].lo && c >= maps[i].lo && c + len <= maps[i].hi && c + len >= c)
			return true;
	return false;
}

void nmt_reg_req(struct nmreq_header *h, struct nmreq_register *r,
		 const char *name, const struct nmt_reg_opts *o)
{
	static const struct nmt_reg_opts def;

	if (!o)
		o = &def;
	memset(r, 0, sizeof(*r));
	nmt_hdr(h, NETMAP_REQ_REGISTER, name, r);
	if (o->version)
		h->nr_version = o->version;
	h->nr_options = o->options;
	r->nr_mode = o->mode ? o->mode : NR_REG_ALL_NIC;
	r->nr_ringid = o->ringid;
	r->nr_flags = o->flags;
	r->nr_tx_rings = o->tx_rings;
	r->nr_rx_rings = o->rx_rings;
	r->nr_tx_slots = o->tx_slots;
	r->nr_rx_slots = o->rx_slots;
	r->nr_extra_bufs = o->extra_bufs;
	r->nr_mem_id = o->mem_id;
}

int nmt_port_open(struct nmt_port *p, const char *name, const struct nmt_reg_opts *o)
{
	void *mem;
	int fd, err;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	fd = nmt_open();
	if (fd < 0)
		return ENODEV;
	nmt_reg_req(&p->hdr, &p->reg, name, o);
	err = nmt_ctrl(fd, &p->hdr);
	if (err) {
		close(fd);
		return err;
	}
	p->fd = fd;
	if (o && o->no_mmap)
		return 0;
	if (!p->reg.nr_memsize || p->reg.nr_offset + sizeof(struct netmap_if) > p->reg.nr_memsize) {
		CHECK(0, "%s: REGISTER reply memsize %llu offset %llu is unusable", name,
		      (unsigned long long)p->reg.nr_memsize,
		      (unsigned long long)p->reg.nr_offset);
		nmt_port_close(p);
		return EPROTO;
	}
	mem = mmap(NULL, p->reg.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		err = errno;
		CHECK(0, "%s: mmap of %llu bytes: %s", name,
		      (unsigned long long)p->reg.nr_memsize, strerror(err));
		nmt_port_close(p);
		return err;
	}
	p->mem = mem;
	p->memsize = p->reg.nr_memsize;
	nmt_map_add(mem, p->memsize);
	p->nifp = NETMAP_IF(mem, p->reg.nr_offset);
	if (!addr_ok(p->nifp, sizeof(*p->nifp) + nmt_nrings(p->nifp) * sizeof(ssize_t)) ||
	    nmt_nrings(p->nifp) > 4 * 1024) {
		CHECK(0, "%s: netmap_if ring counts (%u %u %u %u) run past the region", name,
		      p->nifp->ni_tx_rings, p->nifp->ni_host_tx_rings,
		      p->nifp->ni_rx_rings, p->nifp->ni_host_rx_rings);
		nmt_port_close(p);
		return EPROTO;
	}
	return 0;
}

void nmt_port_close(struct nmt_port *p)
{
	if (p->mem) {
		nmt_map_del(p->mem);
		munmap(p->mem, p->memsize);
	}
	if (p->fd >= 0)
		close(p->fd);
	p->mem = NULL;
	p->nifp = NULL;
	p->fd = -1;
}

static struct netmap_ring *ring_at(const struct nmt_port *p, unsigned idx)
{
	struct netmap_ring *r;
	ssize_t ofs;

	if (!p->nifp || idx >= nmt_nrings(p->nifp))
		return NULL;
	ofs = p->nifp->ring_ofs[idx];
	if (!ofs)
		return NULL;
	r = (struct netmap_ring *)((char *)p->nifp + ofs);
	if (!addr_ok(r, sizeof(*r)) ||
	    !addr_ok(r, sizeof(*r) + (size_t)r->num_slots * sizeof(struct netmap_slot))) {
		CHECK(0, "ring_ofs[%u] = %zd points outside the region", idx, ofs);
		return NULL;
	}
	return r;
}

struct netmap_ring *nmt_tx(const struct nmt_port *p, unsigned i)
{
	if (!p->nifp || i >= p->nifp->ni_tx_rings)
		return NULL;
	return ring_at(p, i);
}

struct netmap_ring *nmt_rx(const struct nmt_port *p, unsigned i)
{
	if (!p->nifp || i >= p->nifp->ni_rx_rings)
		return NULL;
	return ring_at(p, i + p->nifp->ni_tx_rings + p->nifp->ni_host_tx_rings);
}

bool nmt_buf_ok(const struct nmt_port *p, const struct netmap_ring *r, uint32_t idx)
{
	const char *b;

	if (idx < 2 || !r->nr_buf_size)
		return false;
	b = NETMAP_BUF(r, idx);
	return p->mem && b >= (char *)p->mem &&
	       b + r->nr_buf_size <= (char *)p->mem + p->memsize &&
	       b + r->nr_buf_size > b;
}

/* ------------------------------------------------------------------------
 * Packets
 */

static uint8_t pattern(uint32_t seq, uint32_t tag, unsigned k)
{
	return (uint8_t)(seq * 31u + tag * 7u + k);
}

static char *slot_buf(const struct netmap_ring *r, uint32_t i, size_t len)
{
	char *b;

	if (i >= r->num_slots)
		return NULL;
	b = NETMAP_BUF(r, r->slot[i].buf_idx);
	if (!addr_ok(b, len ? len : 1))
		return NULL;
	return b;
}

void nmt_pkt_fill(void *buf, uint32_t seq, uint32_t tag, uint16_t len)
{
	char *b = buf;
	unsigned k;

	memcpy(b, &seq, 4);
	memcpy(b + 4, &tag, 4);
	for (k = 8; k < len; k++)
		b[k] = (char)pattern(seq, tag, k);
}

int nmt_put(struct netmap_ring *r, uint32_t seq, uint32_t tag, uint16_t len)
{
	uint32_t i = r->cur;
	char *b;

	if (nm_ring_empty(r))
		return 0;
	if (len < 8)
		len = 8;
	b = slot_buf(r, i, len);
	if (!b) {
		CHECK(0, "tx slot %u has buf_idx %u outside the mapping", i, r->slot[i].buf_idx);
		return 0;
	}
	nmt_pkt_fill(b, seq, tag, len);
	r->slot[i].len = len;
	r->slot[i].flags = 0;
	r->head = r->cur = nm_ring_next(r, i);
	return 1;
}

unsigned nmt_put_many(struct netmap_ring *r, uint32_t *seq, uint32_t tag,
		      uint16_t len, unsigned n)
{
	unsigned done = 0;

	while (done < n && nmt_put(r, *seq, tag, len)) {
		(*seq)++;
		done++;
	}
	return done;
}

bool nmt_pkt_ok(const struct netmap_ring *r, uint32_t i, uint32_t seq,
		uint32_t tag, uint16_t len)
{
	uint32_t s, t;
	unsigned k;
	char *b;

	if (i >= r->num_slots || r->slot[i].len != len || len < 8)
		return false;
	b = slot_buf(r, i, len);
	if (!b)
		return false;
	memcpy(&s, b, 4);
	memcpy(&t, b + 4, 4);
	if (s != seq || t != tag)
		return false;
	for (k = 8; k < len; k++)
		if ((uint8_t)b[k] != pattern(seq, tag, k))
			return false;
	return true;
}

uint32_t nmt_pkt_seq(const struct netmap_ring *r, uint32_t i)
{
	uint32_t s = 0xffffffffu;
	char *b = slot_buf(r, i, 4);

	if (b)
		memcpy(&s, b, 4);
	return s;
}

void nmt_consume(struct netmap_ring *r, unsigned n)
{
	uint32_t h = r->head;

	while (n--)
		h = nm_ring_next(r, h);
	r->head = r->cur = h;
}

long long nmt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long nmt_param(const char *name)
{
	char path[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/netmap/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int nmt_param_set(const char *name, long long value)
{
	char path[256];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/sys/module/netmap/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return errno;
	if (fprintf(f, "%lld\n", value) < 0)
		err = EIO;
	if (fclose(f) && !err)
		err = errno;
	return err;
}

/* nmt_snapshot(): the "vale" lines. */
static size_t snapshot_vale(const char *dev, char *out, size_t len)
{
	struct nmreq_vale_list l;
	struct nmreq_header h;
	size_t o = 0;
	int fd = open(dev ? dev : NETMAP_DEVICE_NAME, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 0;
	memset(&l, 0, sizeof(l));
	for (;;) {
		nmt_hdr(&h, NETMAP_REQ_VALE_LIST, "", &l);
		if (nmt_ctrl(fd, &h) || o >= len)
			break;
		o += (size_t)snprintf(out + o, len - o, "vale %s\n", h.nr_name);
		l.nr_port_idx++;
	}
	close(fd);
	return o;
}

void nmt_snapshot(const char *dev, char *out, size_t len)
{
	struct dirent *e;
	size_t o;
	DIR *d;

	out[0] = '\0';
	o = snapshot_vale(dev, out, len);
	if ((d = opendir("/sys/class/net"))) {
		while ((e = readdir(d)) && o < len)
			if (e->d_name[0] != '.')
				o += (size_t)snprintf(out + o, len - o, "if %s\n", e->d_name);
		closedir(d);
	}
	if ((d = opendir("/proc"))) {
		while ((e = readdir(d)) && o < len) {
			char path[300], comm[32] = "";
			FILE *f;

			if (e->d_name[0] < '1' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
			if (!(f = fopen(path, "r")))
				continue;
			if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "nm-poll", 7))
				o += (size_t)snprintf(out + o, len - o, "thread %s %s", e->d_name, comm);
			fclose(f);
		}
		closedir(d);
	}
}
