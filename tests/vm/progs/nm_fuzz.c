// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_fuzz - a bounded, seedable, reproducible fuzzer of the /dev/netmap
 * surface.
 *
 *   nm_fuzz [--seed N] [--calls N] [--seconds S] [--trace-from N] [--keep-going]
 *           [--dev PATH]
 *   nm_fuzz --selftest     one packet over a pipe: the module still works
 *   nm_fuzz --unpriv [--seed N] [--calls N] [--seconds S] [--nic IF0,IF1]
 *                          as uid 65534 with handed fds only (see "--unpriv"
 *                          below): nothing but the handed ports may change
 *
 * --dev runs against another device; with --keep-going and /dev/null it
 * exercises the fuzzer's own code on the host (e.g. under ASan/UBSan).
 *
 * It runs until it has made --calls system calls on netmap file descriptors
 * or --seconds have passed, whichever comes first, over a fixed pool of fds
 * that it closes and reopens:
 *  - NIOCCTRL with random and mutated nmreq_header: versions, nr_reserved,
 *    request types (also out of range), names (random bytes, overlong, no
 *    NUL, pipe/vale/null grammar fragments such as "a{", "}1", "x{1}2",
 *    "vale0:"), bodies (NULL, garbage, valid-ish, straddling an unmapped
 *    page) and option chains (type 0, unknown, duplicates, loops, long
 *    lists, nro_size garbage, pointers to unmapped or kernel memory);
 *  - legacy NIOCREGIF/NIOCGINFO with random nr_cmd, flags and ringid, and
 *    random ioctl numbers of netmap's 'i' group;
 *  - NIOCTXSYNC/NIOCRXSYNC, poll, select and epoll on bound and unbound fds;
 *  - on bound ports (mostly pipes): random head/cur/tail, slot buf_idx/len/
 *    flags/ptr and read-only ring fields written into the shared rings
 *    before syncs, polls and closes, and real traffic between pipe ends
 *    and between ports of a VALE bridge;
 *  - mmap with random offsets and lengths (also past the end), mremap,
 *    madvise, mprotect, mlock, partial munmap, mappings outliving their fd;
 *  - with --nic IF0,IF1 (a veth pair): NIC names in requests, and races of
 *    two threads on VALE_ATTACH/DETACH (with and without host rings),
 *    POLLING_ENABLE/DISABLE, REGISTER of the NICs and of their switch
 *    ports, PORT_STATS and traffic from an ephemeral port through IF0 (IF0
 *    only ever on switch "valen0", IF1 on "valen1", so no frame from the
 *    wire reaches the fuzzer's own switches and no loop forms); after each
 *    race both NICs are detached and must be (DETACH then gives ENXIO);
 *  - bursts of pipes on one parent, and child processes that bind pipes of
 *    parent "k" (one of them, "k}9", has its peer "k{9" in this process,
 *    which keeps syncing it) and are killed with SIGKILL at random moments,
 *    often while blocked in poll().
 *
 * Everything derives from the seed, which is printed.  Only the children
 * add timing noise, and no random choice of this process depends on what
 * they do, so a run replays call for call.  To replay a failure, rerun with
 * the same seed and --trace-from a little before the failing call: every
 * call from there on is printed.  Progress is printed every 10000 calls.
 *
 * Invariants checked (each one a rule of NETMAP-ABI.md / netmap(4)):
 *  - REGISTER: the reply matches the region (nr_offset, rings and slots
 *    inside nr_memsize, netmap_if counts equal to the reply, host counts
 *    never 0, the rings of the mode bound and no others, mode/ringid/flags
 *    unchanged, extra buffers <= asked and exactly that many on the
 *    ni_bufs_head list); POOLS_INFO_GET/PORT_INFO_GET agree with it; a new
 *    pipe has every slot on a distinct buffer, none reserved;
 *  - NIOCCTRL: never succeeds with a bad version, nr_reserved, request
 *    type or body presence; gives back nr_body/nr_options/nro_next as they
 *    were and never leaks nr_reserved; REGISTER on a bound fd fails;
 *  - rings: from a settled ring, a head/cur outside rhead..rtail (or >= n)
 *    is refused and the ring reset to rhead, a legal one is accepted, a
 *    slot with a buffer outside the region (or a TX len over the buffer
 *    size) is refused and the ring works again once repaired; a pipe
 *    delivers exactly the bytes and lengths sent, and so does a VALE bridge
 *    (all of them, to a port with one RX ring with room);
 *  - unbound fds: sync fails, mmap fails, poll reports POLLERR;
 *  - mmap: nothing past the end of the region maps or is served, every
 *    page inside it is, also after mremap/madvise/fork/close of the fd.
 *
 * At the end it prints, per request type, how many calls succeeded and how
 * many failed with which errno, so a run shows that it explored both.
 *
 * Exit status: 0, or 1 when the kernel broke an invariant it must keep
 * (a sync that accepted corrupt ring indexes, a REGISTER reply that does
 * not match the region, a buffer index outside the region handed to
 * userspace, a page beyond the region served by mmap, an unbound fd that
 * syncs, ...), or 2 on a usage error.  Oopses and warnings are caught by
 * the VM harness's kernel-log check, not here.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <net/netmap.h>
#include <net/netmap_user.h>

#include "nm_drop.h"

#define NPOOL		8	/* fds in the pool */
#define MAXFILES	48	/* open files + files kept alive by mappings only */
#define MAXRINGS	32	/* rings per file whose position we remember */
#define MAXMAPS		12	/* extra mappings alive at once */
#define MAXVALE		16	/* persistent VALE objects to undo at exit */
#define ARENA_PAGES	4	/* RW pages for headers, bodies, options */
#define BODY_OFF	256	/* body area in the arena */
#define OPT_OFF		1024	/* options area in the arena */
#define TAIL_ROOM	512	/* last bytes of the arena: for straddlers */
#define NERR		136	/* errno buckets */
static const char *DEV = "/dev/netmap";

/* ------------------------------------------------------------------------
 * Randomness: splitmix64, one stream for the whole run.
 */
static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); 0 if n == 0. */
static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

static const uint32_t interesting32[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511,
	512, 1023, 1024, 2047, 2048, 4095, 4096, 4097, 8191, 8192, 65535,
	65536, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
};
#define NINTERESTING (sizeof(interesting32) / sizeof(interesting32[0]))

/* A 32-bit value biased towards boundaries and small numbers. */
static uint32_t rnd_u32(void)
{
	switch (rnd(4)) {
	case 0:
	case 1:
		return interesting32[rnd(NINTERESTING)];
	case 2:
		return rnd(17);
	default:
		return (uint32_t)rnd64();
	}
}

static uint64_t rnd_u64(void)
{
	switch (rnd(4)) {
	case 0:
		return (uint64_t)rnd_u32();
	case 1:
		return ~(uint64_t)rnd(17);
	case 2:
		return 1ULL << rnd(64);
	default:
		return rnd64();
	}
}

static void fill_random(void *p, size_t len)
{
	unsigned char *c = p;

	while (len--)
		*c++ = (unsigned char)rnd64();
}

/* ------------------------------------------------------------------------
 * Statistics: calls per kind of request and errno.
 */
enum kind {
	K_CTRL = 0,		/* + nr_reqtype 0..15 */
	K_CTRL_BIG = 16,	/* nr_reqtype > 15 */
	K_REGIF,
	K_GINFO,
	K_CONFIG,
	K_RANDIOCTL,
	K_TXSYNC,
	K_RXSYNC,
	K_POLL,
	K_SELECT,
	K_EPOLL,
	K_MMAP,
	K_MREMAP,
	K_MM,
	K_MUNMAP,
	K_OPEN,
	K_CLOSE,
	K_NKINDS
};

static const char *const kind_name[K_NKINDS] = {
	"CTRL reqtype 0", "CTRL REGISTER", "CTRL PORT_INFO_GET",
	"CTRL VALE_ATTACH", "CTRL VALE_DETACH", "CTRL VALE_LIST",
	"CTRL PORT_HDR_SET", "CTRL PORT_HDR_GET", "CTRL VALE_NEWIF",
	"CTRL VALE_DELIF", "CTRL POLLING_ENABLE", "CTRL POLLING_DISABLE",
	"CTRL POOLS_INFO_GET", "CTRL SYNC_KLOOP_START", "CTRL SYNC_KLOOP_STOP",
	"CTRL CSB_ENABLE", "CTRL reqtype>15", "NIOCREGIF (legacy)",
	"NIOCGINFO (legacy)", "NIOCCONFIG", "random 'i' ioctl", "NIOCTXSYNC",
	"NIOCRXSYNC", "poll", "select", "epoll", "mmap", "mremap",
	"madvise/mprotect/mlock", "munmap", "open", "close",
};

static uint64_t stats[K_NKINDS][NERR];
static uint64_t calls;		/* system calls made on netmap fds/mappings */
static uint64_t trace_from = UINT64_MAX;
static uint64_t seed;
static bool keep_going;
static unsigned int nviolations;

/* Extra counters, to see which parts of the state space were reached. */
static struct {
	uint64_t ops, binds, fresh_checked, precise, precise_bad_rejected,
		precise_good_accepted, precise_slot_rejected, recoveries,
		pair_transfers, pair_packets, vale_transfers, vale_frames, scribbles, forks, kills,
		bursts, burst_regs_ok, zombies, beyond_sigbus, poll_err_unbound,
		nic_races, nic_attached, nic_polled, nic_frames;
} xs;

/* --nic IF0,IF1: two interfaces (a veth pair) for the NIC requests, or none. */
static char nic_names[2][16];
static bool have_nics;

static void count(enum kind k, int err)
{
	calls++;
	if (err < 0 || err >= NERR)
		err = NERR - 1;
	stats[k][err]++;
}

static bool tracing(void)
{
	return calls + 1 >= trace_from;
}

__attribute__((format(printf, 1, 2)))
static void trace(const char *fmt, ...)
{
	va_list ap;

	if (!tracing())
		return;
	printf("#%" PRIu64 " ", calls + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Like trace(), for a line about the call just made. */
__attribute__((format(printf, 1, 2)))
static void trace_ret(const char *fmt, ...)
{
	va_list ap;

	if (calls < trace_from)
		return;
	printf("#%" PRIu64 " ", calls);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static const char *errname(int e)
{
	const char *n;

	if (e == 0)
		return "ok";
	n = strerrorname_np(e);
	return n ? n : "E?";
}

static void kill_child(void);
static void cleanup_vale(void);

static void print_stats(double secs)
{
	int k, e;

	printf("nm_fuzz: per request type: calls, then ok and errno counts\n");
	for (k = 0; k < K_NKINDS; k++) {
		uint64_t tot = 0;

		for (e = 0; e < NERR; e++)
			tot += stats[k][e];
		if (!tot)
			continue;
		printf("  %-24s %8" PRIu64 " ", kind_name[k], tot);
		for (e = 0; e < NERR; e++)
			if (stats[k][e])
				printf(" %s=%" PRIu64, errname(e), stats[k][e]);
		putchar('\n');
	}
	printf("nm_fuzz: ops %" PRIu64 " binds %" PRIu64 " fresh-checked %" PRIu64
	       " precise %" PRIu64 " (bad rejected %" PRIu64 ", good accepted %" PRIu64
	       ", bad slot rejected %" PRIu64 ", recovered %" PRIu64 ")\n",
	       xs.ops, xs.binds, xs.fresh_checked, xs.precise, xs.precise_bad_rejected,
	       xs.precise_good_accepted, xs.precise_slot_rejected, xs.recoveries);
	printf("nm_fuzz: pair transfers %" PRIu64 " (%" PRIu64 " packets) vale transfers %" PRIu64
	       " (%" PRIu64 " frames) scribbles %" PRIu64
	       " forks %" PRIu64 " kills %" PRIu64 " bursts %" PRIu64 " (%" PRIu64
	       " pipes) zombies %" PRIu64 " sigbus-beyond-end %" PRIu64
	       " pollerr-unbound %" PRIu64 "\n",
	       xs.pair_transfers, xs.pair_packets, xs.vale_transfers, xs.vale_frames, xs.scribbles,
	       xs.forks, xs.kills,
	       xs.bursts, xs.burst_regs_ok, xs.zombies, xs.beyond_sigbus,
	       xs.poll_err_unbound);
	if (have_nics)
		printf("nm_fuzz: nic races %" PRIu64 " (attached %" PRIu64 ", polling on %" PRIu64
		       ", frames sent %" PRIu64 ")\n", xs.nic_races, xs.nic_attached, xs.nic_polled,
		       xs.nic_frames);
	printf("nm_fuzz: done: seed=%" PRIu64 " calls=%" PRIu64 " seconds=%.1f violations=%u\n",
	       seed, calls, secs, nviolations);
}

static struct timespec t_start;
static double slowest_secs;
static const char *slowest_op = "-";

static double elapsed(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t_start.tv_sec) + (t.tv_nsec - t_start.tv_nsec) / 1e9;
}

/* The kernel broke a rule: say what, and how to replay it. */
__attribute__((format(printf, 1, 2)))
static void violation(const char *fmt, ...)
{
	va_list ap;

	nviolations++;
	printf("VIOLATION at call %" PRIu64 " (seed %" PRIu64 "): ", calls, seed);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n  replay: nm_fuzz --seed %" PRIu64 " --calls %" PRIu64 " --trace-from %" PRIu64 "\n",
	       seed, calls, calls > 300 ? calls - 300 : 1);
	if (keep_going)
		return;
	kill_child();
	cleanup_vale();
	print_stats(elapsed());
	exit(1);
}

/* ------------------------------------------------------------------------
 * Reading memory that may fault (mappings of the region).
 */
static sigjmp_buf touch_jb;
static volatile sig_atomic_t touching;

static void on_fault(int sig)
{
	if (touching)
		siglongjmp(touch_jb, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* 0 if the byte at p can be read, else the signal it raised. */
static int touch(const volatile char *p)
{
	int sig;

	sig = sigsetjmp(touch_jb, 1);
	if (sig) {
		touching = 0;
		return sig;
	}
	touching = 1;
	(void)*p;
	touching = 0;
	return 0;
}

/* ------------------------------------------------------------------------
 * Files: the pool of fds, and what we know about each open file.
 */
struct ring_ref {
	size_t off;		/* ring header, from the start of the region */
	uint32_t n;		/* num_slots when bound */
	uint32_t bufsz;
	int64_t buf_ofs;
	uint16_t id;
	bool tx;
};

struct nmfile {
	bool used;
	int fd;			/* -1 once closed while mappings keep it alive */
	bool bound;
	bool name_known;	/* name is exactly what the kernel bound */
	bool child_port;	/* shared with child processes: no exact checks */
	bool csb;		/* may be in CSB mode */
	bool not_the_port;	/* a null port or a monitor: not the port named */
	bool dontfork;
	char name[NETMAP_REQ_IFNAMSIZ];
	uint64_t memsize;
	uint64_t nifp_off;
	uint16_t mem_id;
	uint32_t nrx_port;	/* RX rings of the port (ni_rx_rings) */
	uint32_t buf_total;	/* buffers in the pool, 0 = unknown */
	uint64_t buf_pool_off;	/* offset of the buffer pool, if known */
	bool pool_known;
	int nrings;
	struct ring_ref rings[MAXRINGS];
	char *mem;		/* main mapping of the whole region, or NULL */
	int nmaps;		/* mappings referencing this file (main included) */
};

static struct nmfile files[MAXFILES];
static int pool[NPOOL];

struct xmap {
	char *p;
	size_t len;
	uint64_t off;		/* file offset of p */
	int file;		/* -1 = unused slot */
	bool readable;
};
static struct xmap xmaps[MAXMAPS];

static int epfd = -1;
static pid_t child_pid = -1;	/* > 0 until reaped */
static bool child_active;	/* from fork until the scheduled kill */
static int child_ops_left;

/*
 * While a child lives, this process holds the master end "k{9" whose slave
 * end the child binds, and keeps sending and receiving on it, so the child
 * dies with a live peer.  The calls made on it do not depend on randomness,
 * and no random choice depends on their results: runs stay reproducible.
 */
static struct {
	int fd;
	char *mem;
	uint64_t memsize;
	struct netmap_ring *tx, *rx;
} kpeer = { .fd = -1 };

static char *arena;		/* ARENA_PAGES RW pages, then a PROT_NONE page */
static size_t arena_len;
static char *guard;
static long pagesz;

static int file_alloc(int fd)
{
	int i;

	for (i = 0; i < MAXFILES; i++) {
		if (!files[i].used) {
			memset(&files[i], 0, sizeof(files[i]));
			files[i].used = true;
			files[i].fd = fd;
			return i;
		}
	}
	return -1;
}

static void file_maybe_free(int fi)
{
	struct nmfile *f = &files[fi];

	if (f->fd < 0 && f->nmaps == 0)
		f->used = false;
}

static void file_unmap_main(int fi)
{
	struct nmfile *f = &files[fi];
	int rc;

	if (!f->mem)
		return;
	rc = munmap(f->mem, f->memsize);
	count(K_MUNMAP, rc ? errno : 0);
	f->mem = NULL;
	f->nmaps--;
}

static void xmap_drop(int i)
{
	struct xmap *x = &xmaps[i];
	int rc, fi = x->file;

	if (fi < 0)
		return;
	rc = munmap(x->p, x->len);
	count(K_MUNMAP, rc ? errno : 0);
	x->file = -1;
	files[fi].nmaps--;
	file_maybe_free(fi);
}

static int xmap_add(char *p, size_t len, uint64_t off, int fi, bool readable)
{
	int i;

	for (i = 0; i < MAXMAPS; i++) {
		if (xmaps[i].file < 0) {
			xmaps[i] = (struct xmap){ p, len, off, fi, readable };
			files[fi].nmaps++;
			return i;
		}
	}
	return -1;
}

/*
 * Close a pool slot.  Sometimes the main mapping outlives the fd (the file,
 * and so its binding, stays alive until that mapping goes).
 */
static void pool_close(int slot, bool zombie_ok)
{
	int fi = pool[slot], rc;
	struct nmfile *f;

	if (fi < 0)
		return;
	f = &files[fi];
	if (f->mem && zombie_ok && chance(10) &&
	    xmap_add(f->mem, f->memsize, 0, fi, true) >= 0) {
		f->nmaps--;	/* moved to the xmap */
		f->mem = NULL;
		xs.zombies++;
	}
	file_unmap_main(fi);
	trace("close fd%d (%s)", f->fd, f->bound ? f->name : "unbound");
	rc = close(f->fd);
	count(K_CLOSE, rc ? errno : 0);
	f->fd = -1;
	f->nrings = 0;
	pool[slot] = -1;
	file_maybe_free(fi);
}

static int pool_open(int slot)
{
	int fd, fi, flags = O_RDWR;

	if (pool[slot] >= 0)
		return pool[slot];
	if (chance(20))
		flags |= O_CLOEXEC;
	if (chance(3))
		flags |= O_NONBLOCK;
	fd = open(DEV, flags);
	count(K_OPEN, fd < 0 ? errno : 0);
	if (fd < 0)
		return -1;
	fi = file_alloc(fd);
	if (fi < 0) {
		close(fd);
		count(K_CLOSE, 0);
		return -1;
	}
	pool[slot] = fi;
	trace("open slot%d -> fd%d", slot, fd);
	return fi;
}

/* A random open pool file, opening one if needed; -1 if none. */
static int pick_file(void)
{
	int slot = (int)rnd(NPOOL);

	if (pool[slot] < 0 && pool_open(slot) < 0)
		return -1;
	return pool[slot];
}

static int pick_bound_mapped(void)
{
	int cand[NPOOL], n = 0, i;

	for (i = 0; i < NPOOL; i++) {
		int fi = pool[i];

		if (fi >= 0 && files[fi].bound && files[fi].mem && files[fi].nrings &&
		    !files[fi].csb)	/* CSB mode: only its loop syncs */
			cand[n++] = fi;
	}
	return n ? cand[rnd((uint32_t)n)] : -1;
}

/* ------------------------------------------------------------------------
 * Port names.
 */
static const char *const parents[] = { "a", "b", "c", "d" };

static bool is_ident(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* The split the kernel makes: last '{', else last '}'. */
static const char *pipe_sep(const char *name)
{
	const char *s = strrchr(name, '{');

	return s ? s : strrchr(name, '}');
}

/* parent [A-Za-z0-9_]+, one separator, id [A-Za-z0-9_]+ */
static bool well_formed_pipe(const char *name)
{
	const char *s = pipe_sep(name);

	return s && is_ident(name, (size_t)(s - name)) && is_ident(s + 1, strlen(s + 1));
}

static bool pipe_peer(const char *name, char *peer)
{
	const char *s = pipe_sep(name);

	if (!s)
		return false;
	strcpy(peer, name);
	peer[s - name] = *s == '{' ? '}' : '{';
	return true;
}

static bool is_child_name(const char *name)
{
	return name[0] == 'k' && (name[1] == '{' || name[1] == '}');
}

static void rnd_ident(char *out, size_t len)
{
	static const char set[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = set[rnd(sizeof(set) - 1)];
	out[len] = 0;
}

static void gen_pipe_name(char *out, size_t sz)
{
	char parent[24], id[12];
	char sep = chance(50) ? '{' : '}';

	if (chance(3))
		rnd_ident(parent, 1 + rnd(12));
	else
		strcpy(parent, parents[rnd(4)]);
	if (chance(85))
		snprintf(id, sizeof(id), "%u", rnd(3));
	else
		rnd_ident(id, 1 + rnd(6));
	snprintf(out, sz, "%s%c%s", parent, sep, id);
}

static const char *const fragments[] = {
	"a{", "}1", "x{1}2", "{", "}", "{}", "}{", "{1", "a{{1", "a}}1",
	"a{1{2", "a{1}2", "a}1{2", "vale0:", "vale0:a", "vale0:a{1", "vale:x",
	"valeX:y", "vale0:0123456789abcdefg", "vale0:0", "vale_1:p}3", "vale0:vale0:a",
	"null", "null:", "null:x", "lo", "eth0", "netmap:a{1", "a{1-3", "a{1^",
	"a{1*", "a{1/x", "a{1@1", "a{-1", "a{ 1", "a {1", "a{1\n", "a{\xff",
	"x{99999999999999999999", "{{{{{{{{", "}}}}}}}}", "a{0}0{0}0", "a{1/rt",
	"a{1/z", "vale0:a/r", "netmap:", ":", "a:b{1", "\xc3\xa9{1",
};
#define NFRAGMENTS (sizeof(fragments) / sizeof(fragments[0]))

/* A name for nr_name (64 bytes, not always NUL-terminated). */
static void gen_name(char name[NETMAP_REQ_IFNAMSIZ])
{
	size_t i, len;

	memset(name, 0, NETMAP_REQ_IFNAMSIZ);
	switch (rnd(20)) {
	case 0 ... 8:
		gen_pipe_name(name, NETMAP_REQ_IFNAMSIZ);
		break;
	case 9:
	case 10:
		if (have_nics && chance(15)) {
			/* a NIC, its switch ports and pipes (never attached here: op_ctrl) */
			const char *nic = nic_names[rnd(2)];

			switch (rnd(5)) {
			case 0:
				snprintf(name, NETMAP_REQ_IFNAMSIZ, "%s", nic);
				break;
			case 1:
				snprintf(name, NETMAP_REQ_IFNAMSIZ, "valen%u:%s", rnd(2), nic);
				break;
			case 2:
				snprintf(name, NETMAP_REQ_IFNAMSIZ, "valen%u:%s^", rnd(2), nic);
				break;
			case 3:
				snprintf(name, NETMAP_REQ_IFNAMSIZ, "%s{%u", nic, rnd(2));
				break;
			default:
				snprintf(name, NETMAP_REQ_IFNAMSIZ, "vale%u:%s", rnd(3), nic);
			}
			break;
		}
		snprintf(name, NETMAP_REQ_IFNAMSIZ, "%s", fragments[rnd(NFRAGMENTS)]);
		break;
	case 11:	/* random bytes, NUL-terminated */
		len = rnd(NETMAP_REQ_IFNAMSIZ);
		for (i = 0; i < len; i++)
			name[i] = (char)(1 + rnd(255));
		break;
	case 12:	/* 64 bytes, no NUL at all */
		for (i = 0; i < NETMAP_REQ_IFNAMSIZ; i++)
			name[i] = (char)(1 + rnd(255));
		break;
	case 13:	/* overlong pipe names around the 63/64 boundary */
		len = 55 + rnd(9);
		memset(name, 'p', len);
		name[len - 2] = chance(50) ? '{' : '}';
		name[len - 1] = '1';
		if (len == NETMAP_REQ_IFNAMSIZ && chance(50))
			name[NETMAP_REQ_IFNAMSIZ - 1] = '2';
		break;
	case 14:	/* a pipe name with one mutation */
		gen_pipe_name(name, NETMAP_REQ_IFNAMSIZ);
		len = strlen(name);
		i = rnd((uint32_t)len + 1);
		switch (rnd(4)) {
		case 0:
			name[i] = "{}:-^*/@ \x01\xff"[rnd(11)];
			break;
		case 1:
			if (len < NETMAP_REQ_IFNAMSIZ - 1) {
				memmove(name + i + 1, name + i, len - i + 1);
				name[i] = chance(50) ? '{' : '}';
			}
			break;
		case 2:
			if (len)
				memmove(name + i, name + i + 1, len - i);
			break;
		default:
			name[i] = (char)(1 + rnd(255));
		}
		break;
	case 15:	/* VALE grammar */
		snprintf(name, NETMAP_REQ_IFNAMSIZ, "vale%u:%c%u%s", rnd(3),
			 "apv"[rnd(3)], rnd(3), chance(30) ? "{1" : "");
		break;
	case 16:
		snprintf(name, NETMAP_REQ_IFNAMSIZ, "null%s%u", chance(50) ? ":" : "", rnd(3));
		break;
	case 17:	/* libnetmap syntax the kernel never sees */
		gen_pipe_name(name, NETMAP_REQ_IFNAMSIZ - 8);
		strcat(name, (const char *[]){ "-0", "-9", "^", "*", "/x", "/T", "@1", "@conf:rings=2" }[rnd(8)]);
		break;
	case 18:
		break;		/* empty */
	default:	/* pipes of pipes */
		snprintf(name, NETMAP_REQ_IFNAMSIZ, "%s%c%u%c%u", parents[rnd(4)],
			 chance(50) ? '{' : '}', rnd(3), chance(50) ? '{' : '}', rnd(3));
	}
}

/* ------------------------------------------------------------------------
 * Persistent VALE objects created by accident: undone at exit.
 */
struct vale_undo {
	uint16_t reqtype;	/* request that undoes it */
	char name[NETMAP_REQ_IFNAMSIZ];
};
static struct vale_undo vale_undo[MAXVALE];
static int nvale_undo;

static bool vale_room(void)
{
	return nvale_undo < MAXVALE;
}

static void vale_record(uint16_t undo, const char *name)
{
	if (nvale_undo < MAXVALE) {
		vale_undo[nvale_undo].reqtype = undo;
		snprintf(vale_undo[nvale_undo].name, NETMAP_REQ_IFNAMSIZ, "%.63s", name);
		nvale_undo++;
	}
}

/* ------------------------------------------------------------------------
 * NIOCCTRL building blocks.
 */
static size_t body_size(unsigned int t)
{
	static const size_t sz[16] = {
		0, sizeof(struct nmreq_register), sizeof(struct nmreq_port_info_get),
		sizeof(struct nmreq_vale_attach), sizeof(struct nmreq_vale_detach),
		sizeof(struct nmreq_vale_list), sizeof(struct nmreq_port_hdr),
		sizeof(struct nmreq_port_hdr), sizeof(struct nmreq_vale_newif), 0,
		sizeof(struct nmreq_vale_polling), sizeof(struct nmreq_vale_polling),
		sizeof(struct nmreq_pools_info), sizeof(struct nmreq_sync_kloop_start), 0, 0,
	};
	return t < 16 ? sz[t] : 0;
}

/* Addresses that must never be dereferenced successfully. */
static uint64_t bad_pointer(size_t objsize)
{
	switch (rnd(7)) {
	case 0:
		return (uint64_t)(uintptr_t)guard;
	case 1:		/* straddles into the guard page */
		return (uint64_t)(uintptr_t)(guard - 1 - rnd((uint32_t)(objsize > 1 ? objsize - 1 : 1)));
	case 2:
		return 0x10 + rnd(0x1000);
	case 3:
		return 0xffffffff81000000ULL + rnd(0x100000);
	case 4:
		return 0xffff888000000000ULL + ((uint64_t)rnd(1 << 20) << 12);
	case 5:
		return 0x8000000000000000ULL;
	default:
		return ~0ULL - rnd(64);
	}
}

static void gen_register(struct nmreq_register *r, bool sane)
{
	static const uint32_t slots[] = { 1, 2, 3, 4, 8, 16, 64, 100, 256, 512, 1000, 1024 };
	static const uint16_t rings[] = { 1, 2, 3, 4, 8, 16, 255, 256, 257, 1024, 65535 };
	static const uint32_t extras[] = { 1, 2, 5, 16, 100, 1000, 8192, 100000, 0xffffffff };
	static const uint64_t flagbits[] = {
		NR_EXCLUSIVE, NR_TX_RINGS_ONLY, NR_RX_RINGS_ONLY, NR_NO_TX_POLL,
		NR_DO_RX_POLL, NR_ACCEPT_VNET_HDR, NR_MONITOR_TX, NR_MONITOR_RX,
		NR_ZCOPY_MON, 0x1000, 0x1,
	};
	unsigned int i, nflags = sane ? 6 : 11;

	memset(r, 0, sizeof(*r));
	if (!sane && chance(25)) {
		fill_random(r, sizeof(*r));
		return;
	}
	if (chance(sane ? 80 : 65))
		r->nr_mode = NR_REG_ALL_NIC;
	else if (chance(50))
		r->nr_mode = NR_REG_ONE_NIC;
	else if (sane)
		r->nr_mode = NR_REG_ALL_NIC;
	else
		r->nr_mode = chance(85) ? rnd(12) : rnd_u32();
	r->nr_ringid = (uint16_t)(chance(80) ? 0 : chance(70) ? rnd(4) : rnd_u32());
	if (chance(35))
		for (i = 0; i < nflags; i++)
			if (chance(18))
				r->nr_flags |= flagbits[i];
	if (!sane && chance(4))
		r->nr_flags = rnd_u64();
	if (chance(40)) {
		r->nr_tx_slots = sane || chance(70) ? slots[rnd(12)] : rnd_u32();
		r->nr_rx_slots = chance(50) ? r->nr_tx_slots : slots[rnd(12)];
	}
	if (chance(20)) {
		r->nr_tx_rings = sane ? 1 + rnd(3) : rings[rnd(11)];
		r->nr_rx_rings = chance(50) ? r->nr_tx_rings : (uint16_t)(sane ? 1 + rnd(3) : rings[rnd(11)]);
	}
	if (!sane && chance(10)) {
		r->nr_host_tx_rings = (uint16_t)rnd_u32();
		r->nr_host_rx_rings = (uint16_t)rnd_u32();
	}
	if (chance(sane ? 3 : 15))
		r->nr_mem_id = (uint16_t)(chance(60) ? rnd(5) : rnd_u32());
	if (chance(sane ? 15 : 25))
		r->nr_extra_bufs = sane ? extras[rnd(5)] : extras[rnd(9)];
	if (!sane && chance(10)) {
		r->nr_offset = rnd64();
		r->nr_memsize = rnd64();
		r->pad1 = rnd_u32();
	}
}

/*
 * Headers and options are sometimes placed at odd addresses on purpose:
 * these types let this program access them there without undefined
 * behaviour (GCC allows lowering the alignment in a typedef).
 */
typedef struct nmreq_option __attribute__((aligned(1))) uopt_t;
typedef struct nmreq_header __attribute__((aligned(1))) uhdr_t;

/* An option chain in the arena; what we set, to check it comes back. */
#define MAXOPTS 320
struct optchain {
	int n;
	uopt_t *opt[MAXOPTS];
	uint64_t next[MAXOPTS];
	bool has_extmem, has_csb, has_any;
	bool aliased;		/* options overlap header or body */
};

/* The option body after the 24-byte header at o (maybe misaligned). */
static void gen_opt_body(uopt_t *o, uint32_t type, size_t room)
{
	union {
		struct nmreq_opt_extmem extmem;
		struct nmreq_opt_offsets offsets;
		struct nmreq_opt_csb csb;
		struct nmreq_opt_sync_kloop_mode mode;
		char raw[24 + 72];
	} u;

	if (room < 72)
		return;
	fill_random(u.raw, sizeof(u.raw));
	switch (type) {
	case NETMAP_REQ_OPT_OFFSETS: {
		struct nmreq_opt_offsets *of = &u.offsets;

		of->nro_max_offset = chance(60) ? rnd(4096) : rnd_u64();
		of->nro_initial_offset = chance(60) ? rnd(256) : rnd_u64();
		of->nro_offset_bits = chance(60) ? rnd(65) : rnd_u32();
		of->nro_tx_align = chance(60) ? 1u << rnd(8) : rnd_u32();
		of->nro_min_gap = chance(60) ? rnd(128) : rnd_u64();
		break;
	}
	case NETMAP_REQ_OPT_CSB: {
		struct nmreq_opt_csb *c = &u.csb;
		uint64_t a = (uint64_t)(uintptr_t)(arena + OPT_OFF);

		c->csb_atok = chance(50) ? a : chance(50) ? a + 8 : bad_pointer(64);
		c->csb_ktoa = chance(50) ? a + 1024 : chance(50) ? 0 : bad_pointer(64);
		break;
	}
	case NETMAP_REQ_OPT_SYNC_KLOOP_MODE:
		u.mode.mode = chance(70) ? rnd(4) : rnd_u32();
		break;
	case NETMAP_REQ_OPT_EXTMEM: {
		struct nmreq_opt_extmem *e = &u.extmem;

		e->nro_usrptr = chance(50) ? (uint64_t)(uintptr_t)arena : bad_pointer(4096);
		if (chance(50))
			memset(&e->nro_info, 0, sizeof(e->nro_info));
		break;
	}
	default:
		break;
	}
	memcpy((char *)o + 24, u.raw + 24, 72);
}

/*
 * Build a chain of options in the arena and return the value for
 * nr_options (0 for none).  Shapes: type 0, known types, unknown types,
 * duplicates, loops back to itself or an earlier option, long lists,
 * nro_size garbage, a last pointer to bad memory.
 */
static uint64_t gen_options(struct optchain *oc, uint64_t hdr_addr)
{
	size_t pos = OPT_OFF, end = arena_len - TAIL_ROOM;
	int n, i;
	uint32_t prev_type = 0;

	memset(oc, 0, sizeof(*oc));
	if (chance(60))
		return 0;
	oc->has_any = true;
	if (chance(8)) {
		oc->aliased = true;
		return chance(50) ? hdr_addr : bad_pointer(sizeof(struct nmreq_option));
	}
	n = chance(5) ? 100 + (int)rnd(200) : 1 + (int)rnd(5);
	for (i = 0; i < n; i++) {
		uopt_t *o;
		uint32_t type;
		size_t sz;

		if (chance(3))
			pos += 1 + rnd(7);	/* misaligned */
		if (pos + 24 + 72 > end)
			break;
		o = (void *)(arena + pos);
		if (i && chance(10))
			type = prev_type;	/* duplicate */
		else if (chance(8))
			type = 0;
		else if (chance(65))
			type = 1 + rnd(5);
		else if (chance(50))
			type = NETMAP_REQ_OPT_MAX + rnd(4);
		else
			type = rnd_u32();
		prev_type = type;
		memset(o, 0, sizeof(*o));
		o->nro_reqtype = type;
		o->nro_status = chance(50) ? 0 : rnd_u32();
		if (type == NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS)
			o->nro_size = chance(70) ? 24 + 8 * rnd(5) : rnd_u64();
		else
			o->nro_size = chance(80) ? 0 : rnd_u64();
		if (type == NETMAP_REQ_OPT_EXTMEM)
			oc->has_extmem = true;
		if (type == NETMAP_REQ_OPT_CSB)
			oc->has_csb = true;
		gen_opt_body(o, type, end - pos - 24);
		sz = n > 20 ? 24 : 24 + 72;
		oc->opt[oc->n++] = o;
		pos += sz;
		pos = (pos + 7) & ~(size_t)7;
	}
	for (i = 0; i < oc->n; i++) {
		uint64_t next;

		if (i + 1 < oc->n)
			next = (uint64_t)(uintptr_t)oc->opt[i + 1];
		else if (chance(85))
			next = 0;
		else if (chance(50))
			next = (uint64_t)(uintptr_t)oc->opt[rnd((uint32_t)oc->n)];	/* loop */
		else
			next = bad_pointer(sizeof(struct nmreq_option));
		oc->opt[i]->nro_next = next;
		oc->next[i] = next;
	}
	if (!oc->n)
		return 0;
	return (uint64_t)(uintptr_t)oc->opt[0];
}

struct ctrl {
	uhdr_t *hdr;
	bool hdr_checkable;	/* in valid memory, not aliased by body/options */
	uint64_t body_ptr, opt_ptr;
	void *body;		/* our body buffer, if the pointer is to it */
	struct optchain oc;
	uint32_t reserved_in;
};

/* Issue NIOCCTRL and check what must come back unchanged. */
static int ctrl_call(int fd, struct ctrl *c)
{
	int rc, err, i;
	unsigned int t = c->hdr_checkable ? c->hdr->nr_reqtype : 0;

	rc = ioctl(fd, NIOCCTRL, c->hdr);
	err = rc ? errno : 0;
	if (c->hdr_checkable)
		count(t > 15 ? K_CTRL_BIG : (enum kind)(K_CTRL + t), err);
	else
		count(K_CTRL_BIG, err);
	if (c->hdr_checkable) {
		trace_ret("  -> %s", errname(err));
		if (err != EFAULT || rc == 0) {
			if (c->hdr->nr_body != c->body_ptr || c->hdr->nr_options != c->opt_ptr)
				violation("NIOCCTRL (reqtype %u, %s) changed nr_body/nr_options: "
					  "%#" PRIx64 "/%#" PRIx64 " came back as %#" PRIx64 "/%#" PRIx64,
					  t, errname(err), c->body_ptr, c->opt_ptr,
					  c->hdr->nr_body, c->hdr->nr_options);
			if (c->reserved_in == 0 && c->hdr->nr_reserved != 0)
				violation("NIOCCTRL (reqtype %u, %s) leaked nr_reserved=%#x to userspace",
					  t, errname(err), c->hdr->nr_reserved);
		}
		if (!c->oc.aliased)
			for (i = 0; i < c->oc.n; i++)
				if (c->oc.opt[i]->nro_next != c->oc.next[i])
					violation("NIOCCTRL (reqtype %u, %s) changed nro_next of option %d: "
						  "%#" PRIx64 " came back as %#" PRIx64, t, errname(err), i,
						  c->oc.next[i], c->oc.opt[i]->nro_next);
	}
	return err;
}

static void ctrl_init(struct ctrl *c, uint16_t reqtype, const char *name, size_t bodylen)
{
	memset(c, 0, sizeof(*c));
	c->hdr = (void *)arena;
	memset(c->hdr, 0, sizeof(*c->hdr));
	c->hdr->nr_version = NETMAP_API;
	c->hdr->nr_reqtype = reqtype;
	/* name may fill all 64 bytes with no NUL */
	memcpy(c->hdr->nr_name, name, strnlen(name, sizeof(c->hdr->nr_name)));
	c->hdr_checkable = true;
	if (bodylen) {
		c->body = arena + BODY_OFF;
		memset(c->body, 0, bodylen);
		c->body_ptr = (uint64_t)(uintptr_t)c->body;
	}
	c->hdr->nr_body = c->body_ptr;
}

/* ------------------------------------------------------------------------
 * Binding: check a REGISTER reply against the region it describes.
 */
struct bindinfo {
	char name[NETMAP_REQ_IFNAMSIZ];
	uint64_t memsize, offset;
	uint16_t mem_id;
	uint32_t tx_slots, rx_slots;
	uint16_t tx_rings, rx_rings, host_tx, host_rx;
	bool have_host;		/* NIOCCTRL reply: host counts known */
	uint32_t extra_got;
	bool check_bind;	/* ALL_NIC / ONE_NIC without monitor flags */
	uint32_t mode;
	uint16_t ringid;
	uint64_t flags;
	bool special;		/* EXTMEM/CSB options: region may be the user's */
	bool legacy;
	bool name_unsure;	/* the kernel may have bound another name */
	/*
	 * NR_REG_NULL binds a null port (ABI §6 step 1), the monitor flags a
	 * monitor of the named port: the fd is not on the port of that name.
	 */
	bool null_port, monitor;
};

static bool buf_in_region(const struct nmfile *f, int64_t pool_off, uint32_t bufsz, uint32_t idx)
{
	int64_t start = pool_off + (int64_t)idx * bufsz;

	if (f->buf_total && idx >= f->buf_total)
		return false;
	return start >= 0 && (uint64_t)start + bufsz <= f->memsize;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* No other live file binds this pipe end or its peer: the pair is new. */
static bool fresh_end(const char *name, int self)
{
	char peer[NETMAP_REQ_IFNAMSIZ];
	int i;

	if (!well_formed_pipe(name) || is_child_name(name) || !pipe_peer(name, peer))
		return false;
	for (i = 0; i < MAXFILES; i++) {
		const struct nmfile *o = &files[i];

		if (i == self || !o->used || !o->bound)
			continue;
		if (!o->name_known || !strcmp(o->name, name) || !strcmp(o->name, peer))
			return false;
	}
	return true;
}

static void pools_check(int fi)
{
	struct nmfile *f = &files[fi];
	struct nmreq_pools_info *p;
	struct ctrl c;
	int err, i;

	ctrl_init(&c, NETMAP_REQ_POOLS_INFO_GET, f->name, sizeof(*p));
	p = c.body;
	trace("POOLS_INFO_GET fd%d \"%s\"", f->fd, f->name);
	err = ctrl_call(f->fd, &c);
	if (err)
		return;
	if (p->nr_memsize != f->memsize || p->nr_mem_id != f->mem_id)
		violation("POOLS_INFO_GET \"%s\": memsize %" PRIu64 " mem_id %u, REGISTER said %"
			  PRIu64 " %u", f->name, p->nr_memsize, p->nr_mem_id, f->memsize, f->mem_id);
	if (p->nr_if_pool_offset + (uint64_t)p->nr_if_pool_objtotal * p->nr_if_pool_objsize >
		    p->nr_ring_pool_offset ||
	    p->nr_ring_pool_offset + (uint64_t)p->nr_ring_pool_objtotal * p->nr_ring_pool_objsize >
		    p->nr_buf_pool_offset ||
	    p->nr_buf_pool_offset + (uint64_t)p->nr_buf_pool_objtotal * p->nr_buf_pool_objsize >
		    p->nr_memsize)
		violation("POOLS_INFO_GET \"%s\": pools overlap or pass the end: if %" PRIu64 "+%ux%u "
			  "ring %" PRIu64 "+%ux%u buf %" PRIu64 "+%ux%u memsize %" PRIu64, f->name,
			  p->nr_if_pool_offset, p->nr_if_pool_objtotal, p->nr_if_pool_objsize,
			  p->nr_ring_pool_offset, p->nr_ring_pool_objtotal, p->nr_ring_pool_objsize,
			  p->nr_buf_pool_offset, p->nr_buf_pool_objtotal, p->nr_buf_pool_objsize,
			  p->nr_memsize);
	for (i = 0; i < f->nrings; i++) {
		const struct ring_ref *rr = &f->rings[i];

		if ((int64_t)rr->off + rr->buf_ofs != (int64_t)p->nr_buf_pool_offset ||
		    rr->bufsz != p->nr_buf_pool_objsize)
			violation("\"%s\" ring %s%u: buffers at %" PRId64 " size %u, POOLS_INFO_GET "
				  "says %" PRIu64 " size %u", f->name, rr->tx ? "tx" : "rx", rr->id,
				  (int64_t)rr->off + rr->buf_ofs, rr->bufsz, p->nr_buf_pool_offset,
				  p->nr_buf_pool_objsize);
	}
	f->buf_total = p->nr_buf_pool_objtotal;
	f->buf_pool_off = p->nr_buf_pool_offset;
	f->pool_known = true;
}

static void port_info_check(int fi)
{
	struct nmfile *f = &files[fi];
	struct nmreq_port_info_get *pi;
	struct ctrl c;

	ctrl_init(&c, NETMAP_REQ_PORT_INFO_GET, "", sizeof(*pi));
	pi = c.body;
	pi->nr_mem_id = f->mem_id;
	trace("PORT_INFO_GET fd%d mem_id %u", f->fd, f->mem_id);
	if (ctrl_call(f->fd, &c))
		return;
	if (pi->nr_memsize != f->memsize)
		violation("PORT_INFO_GET mem_id %u: memsize %" PRIu64 ", REGISTER said %" PRIu64,
			  f->mem_id, pi->nr_memsize, f->memsize);
}

static void bind_file(int fi, const struct bindinfo *b)
{
	struct nmfile *f = &files[fi];
	struct netmap_if *nifp;
	uint32_t ntx, nrx, nhtx, nhrx, total, k, *bufs = NULL;
	size_t nbufs = 0, capbufs = 0;
	bool fresh;
	char *mem;
	int64_t pool_off = -1;

	xs.binds++;
	f->bound = true;
	/*
	 * A null port does not hold the port of its name: give it a name no
	 * pipe has.  A monitor keeps the monitored port alive: keep its name,
	 * so that the port is not taken for new, but never use its rings as
	 * that port's.
	 */
	snprintf(f->name, sizeof(f->name), "%s%.*s", b->null_port ? "null:" : "",
		 NETMAP_REQ_IFNAMSIZ - 6, b->name);
	f->not_the_port = b->null_port || b->monitor;
	f->name_known = !b->name_unsure &&
			(b->null_port || well_formed_pipe(f->name) || !pipe_sep(f->name));
	f->child_port = !well_formed_pipe(b->name) || is_child_name(b->name);
	f->memsize = b->memsize;
	f->nifp_off = b->offset;
	f->mem_id = b->mem_id;
	f->nrings = 0;
	f->pool_known = false;
	f->buf_total = 0;
	if (b->special)
		return;
	if (b->memsize == 0 || b->offset + sizeof(struct netmap_if) > b->memsize) {
		violation("REGISTER \"%s\": nr_offset %" PRIu64 " does not fit nr_memsize %" PRIu64,
			  f->name, b->offset, b->memsize);
		return;
	}
	if (b->check_bind && !b->legacy && b->mem_id == 0)
		violation("REGISTER \"%s\" returned nr_mem_id 0", f->name);
	mem = mmap(NULL, b->memsize, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	count(K_MMAP, mem == MAP_FAILED ? errno : 0);
	if (mem == MAP_FAILED) {
		if (errno != ENOMEM)
			violation("mmap of nr_memsize %" PRIu64 " after REGISTER \"%s\" failed: %s",
				  b->memsize, f->name, errname(errno));
		return;
	}
	f->mem = mem;
	f->nmaps++;
	if (touch(mem + b->offset)) {
		violation("REGISTER \"%s\": the netmap_if at %" PRIu64 " faults", f->name, b->offset);
		return;
	}
	nifp = (void *)(mem + b->offset);
	ntx = nifp->ni_tx_rings;
	nrx = nifp->ni_rx_rings;
	f->nrx_port = nrx;
	nhtx = nifp->ni_host_tx_rings;
	nhrx = nifp->ni_host_rx_rings;
	if (ntx != b->tx_rings || nrx != b->rx_rings)
		violation("\"%s\": netmap_if has %u tx %u rx rings, the reply said %u %u",
			  f->name, ntx, nrx, b->tx_rings, b->rx_rings);
	if (nhtx == 0 || nhrx == 0 ||
	    (b->have_host && (nhtx != (b->host_tx ? b->host_tx : 1u) ||
			      nhrx != (b->host_rx ? b->host_rx : 1u))))
		violation("\"%s\": netmap_if has %u/%u host rings, the reply said %u/%u (never 0 in the if)",
			  f->name, nhtx, nhrx, b->host_tx, b->host_rx);
	total = ntx + nhtx + nrx + nhrx;
	if (b->offset + sizeof(*nifp) + (uint64_t)total * sizeof(nifp->ring_ofs[0]) > b->memsize) {
		violation("\"%s\": ring_ofs[%u] passes the end of the region", f->name, total);
		return;
	}
	fresh = !b->legacy && b->check_bind && fresh_end(f->name, fi);
	for (k = 0; k < total; k++) {
		bool tx = k < ntx + nhtx;
		uint32_t idx = tx ? k : k - ntx - nhtx;
		bool host = idx >= (tx ? ntx : nrx);
		int64_t ofs = nifp->ring_ofs[k], roff;
		struct netmap_ring *r;
		uint32_t n, j, want;

		if (b->check_bind) {
			bool exp = false;

			if (!host) {
				uint32_t nr = tx ? ntx : nrx, pick;

				pick = b->ringid < nr ? b->ringid : 0;
				exp = !(b->flags & (tx ? NR_RX_RINGS_ONLY : NR_TX_RINGS_ONLY)) &&
				      (b->mode == NR_REG_ALL_NIC || idx == pick);
			}
			if (exp != (ofs != 0))
				violation("\"%s\" mode %u ringid %u flags %#" PRIx64 ": %s ring %u is %s",
					  f->name, b->mode, b->ringid, b->flags, tx ? "tx" : "rx", idx,
					  ofs ? "bound but should not be" : "not bound but should be");
		}
		if (!ofs)
			continue;
		roff = (int64_t)b->offset + ofs;
		if (roff < 0 || (uint64_t)roff + sizeof(struct netmap_ring) > b->memsize) {
			violation("\"%s\": %s ring %u at %" PRId64 " is outside the region (%" PRIu64 ")",
				  f->name, tx ? "tx" : "rx", idx, roff, b->memsize);
			continue;
		}
		r = (void *)(mem + roff);
		n = r->num_slots;
		if (n == 0 || (uint64_t)roff + sizeof(*r) + (uint64_t)n * sizeof(r->slot[0]) > b->memsize) {
			violation("\"%s\": %s ring %u with %u slots does not fit the region",
				  f->name, tx ? "tx" : "rx", idx, n);
			continue;
		}
		want = tx ? b->tx_slots : b->rx_slots;
		if (!host && n != want)
			violation("\"%s\": %s ring %u has %u slots, the reply said %u",
				  f->name, tx ? "tx" : "rx", idx, n, want);
		if (r->dir != (tx ? 0 : 1) || (!host && r->ringid != idx))
			violation("\"%s\": %s ring %u says dir %u ringid %u", f->name,
				  tx ? "tx" : "rx", idx, r->dir, r->ringid);
		if (r->nr_buf_size == 0 || (fresh && (r->head >= n || r->cur >= n || r->tail >= n))) {
			violation("\"%s\": %s ring %u: buf size %u head %u cur %u tail %u of %u",
				  f->name, tx ? "tx" : "rx", idx, r->nr_buf_size, r->head, r->cur, r->tail, n);
			continue;
		}
		if (pool_off < 0)
			pool_off = roff + r->buf_ofs;
		for (j = 0; j < n; j++) {
			uint32_t bi = r->slot[j].buf_idx;

			/*
			 * Only new rings are clean: in rings that existed before
			 * (the other end is bound) any user may have written
			 * anything into the slots.
			 */
			if (fresh) {
				if (!buf_in_region(f, roff + r->buf_ofs, r->nr_buf_size, bi))
					violation("new pipe \"%s\": %s ring %u slot %u: buf_idx %u is "
						  "outside the region", f->name, tx ? "tx" : "rx", idx, j, bi);
				if (bi < 2)
					violation("new pipe \"%s\": %s ring %u slot %u has reserved buffer %u",
						  f->name, tx ? "tx" : "rx", idx, j, bi);
				if (nbufs == capbufs) {
					capbufs = capbufs ? 2 * capbufs : 4096;
					bufs = realloc(bufs, capbufs * sizeof(*bufs));
					if (!bufs)
						abort();
				}
				bufs[nbufs++] = bi;
			}
		}
		if (f->nrings < MAXRINGS)
			f->rings[f->nrings++] = (struct ring_ref){
				.off = (size_t)roff, .n = n, .bufsz = r->nr_buf_size,
				.buf_ofs = r->buf_ofs, .id = (uint16_t)idx, .tx = tx,
			};
	}
	/* The extra buffers: exactly extra_got of them, in the region, distinct. */
	if (pool_off >= 0 && f->nrings) {
		uint32_t bi = nifp->ni_bufs_head, cnt = 0, bsz = f->rings[0].bufsz;

		while (bi && cnt <= b->extra_got) {
			if (!buf_in_region(f, pool_off, bsz, bi)) {
				violation("\"%s\": extra buffer %u (#%u of %u) is outside the region",
					  f->name, bi, cnt, b->extra_got);
				break;
			}
			if (nbufs == capbufs) {
				capbufs = capbufs ? 2 * capbufs : 4096;
				bufs = realloc(bufs, capbufs * sizeof(*bufs));
				if (!bufs)
					abort();
			}
			bufs[nbufs++] = bi;
			cnt++;
			bi = *(uint32_t *)(mem + pool_off + (int64_t)bi * bsz);
		}
		if (bi && cnt > b->extra_got)
			violation("\"%s\": ni_bufs_head list is longer than the %u buffers granted",
				  f->name, b->extra_got);
		else if (cnt != b->extra_got)
			violation("\"%s\": ni_bufs_head list has %u buffers, %u were granted",
				  f->name, cnt, b->extra_got);
	}
	/*
	 * The array holds the extra buffers, and for a new pipe the ring
	 * buffers too: all freshly allocated, so all distinct.
	 */
	if (nbufs > 1) {
		size_t i;

		qsort(bufs, nbufs, sizeof(*bufs), cmp_u32);
		for (i = 1; i < nbufs; i++)
			if (bufs[i] == bufs[i - 1])
				violation("%s \"%s\": buffer %u is handed out twice (rings + extra buffers)",
					  fresh ? "new pipe" : "port", f->name, bufs[i]);
	}
	if (fresh)
		xs.fresh_checked++;
	free(bufs);
	if (!b->name_unsure && !f->not_the_port)
		pools_check(fi);
	if (chance(30))
		port_info_check(fi);
}

/* ------------------------------------------------------------------------
 * Operations.
 */

/* A REGISTER reply, checked and turned into a bound file. */
static void register_done(int fi, const struct ctrl *c, const struct nmreq_register *in)
{
	const struct nmreq_register *r = c->body;
	struct bindinfo b;

	memset(&b, 0, sizeof(b));
	memcpy(b.name, c->hdr->nr_name, sizeof(b.name));
	b.name[sizeof(b.name) - 1] = 0;
	if (r->nr_mode != in->nr_mode || r->nr_ringid != in->nr_ringid ||
	    (!(in->nr_flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON)) &&
	     r->nr_flags != in->nr_flags))
		violation("REGISTER \"%s\" changed mode/ringid/flags %u/%u/%#" PRIx64 " into %u/%u/%#" PRIx64,
			  b.name, in->nr_mode, in->nr_ringid, in->nr_flags,
			  r->nr_mode, r->nr_ringid, r->nr_flags);
	if (r->nr_extra_bufs > in->nr_extra_bufs)
		violation("REGISTER \"%s\" granted %u extra buffers, %u were asked",
			  b.name, r->nr_extra_bufs, in->nr_extra_bufs);
	b.memsize = r->nr_memsize;
	b.offset = r->nr_offset;
	b.mem_id = r->nr_mem_id;
	b.tx_slots = r->nr_tx_slots;
	b.rx_slots = r->nr_rx_slots;
	b.tx_rings = r->nr_tx_rings;
	b.rx_rings = r->nr_rx_rings;
	b.host_tx = r->nr_host_tx_rings;
	b.host_rx = r->nr_host_rx_rings;
	b.have_host = true;
	b.extra_got = r->nr_extra_bufs;
	b.mode = in->nr_mode;
	b.ringid = in->nr_ringid;
	b.flags = in->nr_flags;
	b.check_bind = (in->nr_mode == NR_REG_ALL_NIC || in->nr_mode == NR_REG_ONE_NIC) &&
		       !(in->nr_flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON));
	b.special = c->oc.has_extmem || c->oc.has_csb;
	b.null_port = in->nr_mode == NR_REG_NULL;
	b.monitor = (in->nr_flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON)) != 0;
	files[fi].csb = c->oc.has_csb;
	bind_file(fi, &b);
}

/* A REGISTER on an unbound pool fd that has a good chance to succeed. */
static void op_register(void)
{
	int slot = (int)rnd(NPOOL), fi, err;
	struct nmreq_register in;
	struct ctrl c;
	char name[NETMAP_REQ_IFNAMSIZ];

	if (pool[slot] >= 0 && files[pool[slot]].bound) {
		if (chance(85))
			pool_close(slot, true);
	}
	fi = pool[slot] >= 0 ? pool[slot] : pool_open(slot);
	if (fi < 0)
		return;
	gen_pipe_name(name, sizeof(name));
	if (chance(15))	/* ephemeral VALE ports, a few bridges and ports */
		snprintf(name, sizeof(name), "vale%u:p%u%s", rnd(2), rnd(4), chance(10) ? "{1" : "");
	if (chance(5))
		gen_name(name);
	ctrl_init(&c, NETMAP_REQ_REGISTER, name, sizeof(in));
	gen_register(&in, true);
	memcpy(c.body, &in, sizeof(in));
	if (chance(10)) {
		c.opt_ptr = gen_options(&c.oc, (uint64_t)(uintptr_t)c.hdr);
		c.hdr->nr_options = c.opt_ptr;
		if (c.oc.aliased)
			c.hdr_checkable = c.opt_ptr != (uint64_t)(uintptr_t)c.hdr;
	}
	trace("REGISTER fd%d \"%.64s\" mode %u ringid %u flags %#" PRIx64 " slots %u/%u rings %u/%u "
	      "mem %u extra %u opts %d", files[fi].fd, name, in.nr_mode, in.nr_ringid, in.nr_flags,
	      in.nr_tx_slots, in.nr_rx_slots, in.nr_tx_rings, in.nr_rx_rings, in.nr_mem_id,
	      in.nr_extra_bufs, c.oc.n);
	err = ctrl_call(files[fi].fd, &c);
	if (err == 0) {
		if (files[fi].bound)
			violation("REGISTER \"%.64s\" succeeded on an fd already bound to \"%s\"",
				  name, files[fi].name);
		register_done(fi, &c, &in);
	}
}

/* NIOCCTRL with a random header. */
static void op_ctrl(void)
{
	int fi = pick_file(), err;
	struct ctrl c;
	struct nmreq_register in;
	unsigned int t;
	uint16_t version;
	size_t bl;
	char *hp;

	if (fi < 0)
		return;
	memset(&c, 0, sizeof(c));
	c.hdr = (void *)arena;
	c.hdr_checkable = true;
	memset(c.hdr, 0, sizeof(*c.hdr));
	/* request type */
	if (chance(82)) {
		static const uint8_t w[] = { 1, 1, 1, 1, 1, 1, 2, 2, 2, 12, 12, 12, 5, 3, 4, 6, 7, 8,
					     9, 10, 11, 13, 14, 15 };
		t = w[rnd(sizeof(w))];
	} else if (chance(40)) {
		t = 0;
	} else if (chance(60)) {
		t = 16 + rnd(8);
	} else {
		t = (uint16_t)rnd_u32();
	}
	/* our release watches (nm_watch tests them) would make fds unbindable watchers */
	if (t == NETMAP_REQ_NMD_WATCH_ADD || t == NETMAP_REQ_NMD_WATCH_DEL)
		t = NETMAP_REQ_PORT_INFO_GET;
	/* requests that would block, or create what we cannot undo */
	if (t == NETMAP_REQ_SYNC_KLOOP_START && files[fi].csb)
		t = NETMAP_REQ_SYNC_KLOOP_STOP;
	if ((t == NETMAP_REQ_VALE_NEWIF || t == NETMAP_REQ_VALE_ATTACH ||
	     t == NETMAP_REQ_VALE_POLLING_ENABLE) && !vale_room())
		t = NETMAP_REQ_PORT_INFO_GET;
	c.hdr->nr_reqtype = (uint16_t)t;
	version = chance(88) ? NETMAP_API :
		(uint16_t)(chance(50) ? (const uint16_t[]){ 0, 13, 15, 16, 0xffff }[rnd(5)] : rnd_u32());
	c.hdr->nr_version = version;
	c.reserved_in = chance(92) ? 0 : rnd_u32();
	c.hdr->nr_reserved = c.reserved_in;
	gen_name(c.hdr->nr_name);
	/*
	 * The NICs join switches only in op_nic_race (their own switches): one on
	 * a switch of ours would feed it frames from the wire.
	 */
	if (have_nics && (t == NETMAP_REQ_VALE_ATTACH || t == NETMAP_REQ_VALE_POLLING_ENABLE)) {
		char n[NETMAP_REQ_IFNAMSIZ + 1];

		memcpy(n, c.hdr->nr_name, NETMAP_REQ_IFNAMSIZ);
		n[NETMAP_REQ_IFNAMSIZ] = '\0';
		if (strstr(n, nic_names[0]) || strstr(n, nic_names[1]))
			c.hdr->nr_name[0] = 'x';
	}
	/* body */
	bl = body_size(t);
	c.body = arena + BODY_OFF;
	if (t == NETMAP_REQ_REGISTER) {
		gen_register(&in, chance(30));
		memcpy(c.body, &in, sizeof(in));
	} else if (chance(50)) {
		memset(c.body, 0, 128);
		if (t == NETMAP_REQ_PORT_INFO_GET)
			((struct nmreq_port_info_get *)c.body)->nr_mem_id = (uint16_t)(chance(70) ? rnd(4) : rnd_u32());
		if (t == NETMAP_REQ_VALE_ATTACH)
			((struct nmreq_vale_attach *)c.body)->reg.nr_mode = chance(50) ? NR_REG_ALL_NIC : NR_REG_NIC_SW;
		if (t == NETMAP_REQ_PORT_HDR_SET)
			((struct nmreq_port_hdr *)c.body)->nr_hdr_len = (const uint32_t[]){ 0, 10, 12, 11, 64 }[rnd(5)];
		if (t == NETMAP_REQ_VALE_POLLING_ENABLE || t == NETMAP_REQ_VALE_POLLING_DISABLE)
			((struct nmreq_vale_polling *)c.body)->nr_mode = rnd(4);
		if (t == NETMAP_REQ_SYNC_KLOOP_START)
			((struct nmreq_sync_kloop_start *)c.body)->sleep_us = rnd(1000);
	} else {
		fill_random(c.body, 128);
	}
	if (bl ? chance(88) : chance(12)) {
		c.body_ptr = (uint64_t)(uintptr_t)c.body;
	} else if (bl ? chance(40) : chance(90)) {
		c.body_ptr = 0;
	} else if (chance(15)) {
		c.body_ptr = (uint64_t)(uintptr_t)c.hdr;	/* body aliases the header */
		c.hdr_checkable = false;
	} else {
		c.body_ptr = bad_pointer(bl ? bl : 8);
	}
	c.hdr->nr_body = c.body_ptr;
	c.opt_ptr = gen_options(&c.oc, (uint64_t)(uintptr_t)c.hdr);
	c.hdr->nr_options = c.opt_ptr;
	if (c.oc.aliased && c.opt_ptr == (uint64_t)(uintptr_t)c.hdr)
		c.hdr_checkable = false;
	/* where the header itself lives */
	hp = (char *)c.hdr;
	if (chance(3)) {
		hp = guard - 1 - rnd(sizeof(struct nmreq_header) - 1);	/* straddles */
		memcpy(hp, c.hdr, (size_t)(guard - hp));
		c.hdr_checkable = false;
	} else if (chance(2)) {
		hp = NULL;
		c.hdr_checkable = false;
	} else if (chance(3)) {
		hp = arena + 1 + rnd(7);	/* misaligned copy */
		memmove(hp, c.hdr, sizeof(*c.hdr));
	}
	if (tracing())
		trace("CTRL fd%d v%u type %u res %#x name \"%.64s\" body %#" PRIx64 " opts %#"
		      PRIx64 " (%d)%s hdr %p", files[fi].fd, c.hdr->nr_version, t, c.reserved_in,
		      c.hdr->nr_name, c.body_ptr, c.opt_ptr, c.oc.n,
		      c.hdr_checkable ? "" : " (unchecked header)", (void *)hp);
	if (t == NETMAP_REQ_REGISTER && c.body_ptr == (uint64_t)(uintptr_t)c.body)
		trace("  body: mode %u ringid %u flags %#" PRIx64 " slots %u/%u rings %u/%u host %u/%u "
		      "mem %u extra %u offset %#" PRIx64 " memsize %#" PRIx64, in.nr_mode, in.nr_ringid,
		      in.nr_flags, in.nr_tx_slots, in.nr_rx_slots, in.nr_tx_rings, in.nr_rx_rings,
		      in.nr_host_tx_rings, in.nr_host_rx_rings, in.nr_mem_id, in.nr_extra_bufs,
		      in.nr_offset, in.nr_memsize);
	c.hdr = (void *)hp;
	if (!c.hdr_checkable) {
		int rc = ioctl(files[fi].fd, NIOCCTRL, hp);

		count(t > 15 ? K_CTRL_BIG : (enum kind)(K_CTRL + t), rc ? errno : 0);
		err = rc ? errno : 0;
		trace_ret("  -> %s", errname(err));
		if (err == 0 && t == NETMAP_REQ_CSB_ENABLE)
			files[fi].csb = true;	/* may be in CSB mode: START would loop */
		if (err == 0 && t == NETMAP_REQ_REGISTER && !files[fi].bound) {
			/* we cannot read the reply reliably: bound, layout unknown */
			files[fi].bound = true;
			files[fi].name_known = false;
			files[fi].child_port = true;
			files[fi].csb = true;	/* be careful with it */
			snprintf(files[fi].name, sizeof(files[fi].name), "?");
		}
		return;
	}
	err = ctrl_call(files[fi].fd, &c);
	if (err)
		return;
	switch (t) {
	case NETMAP_REQ_REGISTER:
		if (files[fi].bound)
			violation("REGISTER \"%s\" succeeded on an fd already bound to \"%s\"",
				  c.hdr->nr_name, files[fi].name);
		if (c.body_ptr != (uint64_t)(uintptr_t)c.body || version > NETMAP_MAX_API ||
		    version < NETMAP_MIN_API || c.reserved_in) {
			violation("REGISTER succeeded with version %u nr_reserved %#x body %#" PRIx64,
				  version, c.reserved_in, c.body_ptr);
			return;
		}
		register_done(fi, &c, &in);
		return;	/* the arena now holds other requests */
	case NETMAP_REQ_VALE_NEWIF:
		vale_record(NETMAP_REQ_VALE_DELIF, c.hdr->nr_name);
		break;
	case NETMAP_REQ_VALE_ATTACH:
		vale_record(NETMAP_REQ_VALE_DETACH, c.hdr->nr_name);
		break;
	case NETMAP_REQ_VALE_POLLING_ENABLE:
		vale_record(NETMAP_REQ_VALE_POLLING_DISABLE, c.hdr->nr_name);
		break;
	case NETMAP_REQ_CSB_ENABLE:
		if (c.oc.has_csb)
			files[fi].csb = true;	/* CSB mode: START would loop */
		break;
	case NETMAP_REQ_PORT_INFO_GET:
		if (((struct nmreq_port_info_get *)c.body)->nr_mem_id == 0)
			violation("PORT_INFO_GET \"%s\" succeeded with nr_mem_id 0", c.hdr->nr_name);
		break;
	default:
		break;
	}
	if (t > 15 || t == 0 || c.reserved_in || version < NETMAP_MIN_API ||
	    version > NETMAP_MAX_API || (bl != 0) != (c.body_ptr != 0))
		violation("NIOCCTRL succeeded with reqtype %u version %u nr_reserved %#x body %#" PRIx64,
			  t, version, c.reserved_in, c.body_ptr);
}

/* Legacy NIOCREGIF / NIOCGINFO with struct nmreq. */
static void op_legacy(void)
{
	int fi = pick_file(), rc, err;
	struct nmreq *r = (void *)(arena + BODY_OFF), in;
	bool regif = chance(70);
	unsigned long cmd = regif ? NIOCREGIF : NIOCGINFO;
	void *arg = r;
	char name[NETMAP_REQ_IFNAMSIZ];
	uint32_t mode;

	if (fi < 0)
		return;
	memset(r, 0, sizeof(*r));
	switch (rnd(4)) {
	case 0:
	case 1:
		gen_pipe_name(name, IFNAMSIZ);
		memcpy(r->nr_name, name, strlen(name));
		break;
	case 2:
		snprintf(r->nr_name, IFNAMSIZ, "%s", chance(50) ? parents[rnd(4)] : fragments[rnd(NFRAGMENTS)]);
		break;
	default:
		fill_random(r->nr_name, IFNAMSIZ);
	}
	r->nr_version = chance(85) ? NETMAP_API : (const uint32_t[]){ 0, 13, 15, 16, 100, 0xffffffff }[rnd(6)];
	r->nr_cmd = (uint16_t)(chance(65) ? 0 : chance(80) ? rnd(14) : rnd_u32());
	mode = chance(40) ? 0 : chance(30) ? NR_REG_ALL_NIC : chance(40) ? 5 + rnd(2) : rnd(16);
	r->nr_flags = mode;
	if (chance(20))
		r->nr_flags |= (const uint32_t[]){ NR_EXCLUSIVE, NR_TX_RINGS_ONLY, NR_RX_RINGS_ONLY,
						   NR_MONITOR_TX, NR_ZCOPY_MON }[rnd(5)];
	if (chance(4))
		r->nr_flags = rnd_u32();
	r->nr_ringid = (uint16_t)(chance(50) ? 0 : rnd(4));
	if (chance(30))
		r->nr_ringid |= (uint16_t)((const uint32_t[]){ NETMAP_NO_TX_POLL, NETMAP_SW_RING,
							      NETMAP_HW_RING, NETMAP_DO_RX_POLL }[rnd(4)]);
	if (chance(4))
		r->nr_ringid = (uint16_t)rnd_u32();
	if (chance(20)) {
		r->nr_tx_slots = rnd_u32();
		r->nr_rx_slots = chance(50) ? r->nr_tx_slots : rnd_u32();
	}
	if (chance(10))
		r->nr_tx_rings = r->nr_rx_rings = (uint16_t)rnd(4);
	if (chance(20))
		r->nr_arg1 = (uint16_t)rnd_u32();
	if (chance(10))
		r->nr_arg2 = (uint16_t)rnd(4);
	if (chance(15))
		r->nr_arg3 = chance(70) ? rnd(20) : rnd_u32();
	if (chance(5))
		r->spare2[0] = rnd_u32();
	if (regif && (r->nr_cmd == NETMAP_BDG_NEWIF || r->nr_cmd == NETMAP_BDG_ATTACH ||
		      r->nr_cmd == NETMAP_BDG_POLLING_ON) && !vale_room())
		r->nr_cmd = NETMAP_BDG_LIST;
	in = *r;
	if (chance(3))
		arg = chance(50) ? NULL : (void *)(guard - 1 - rnd(sizeof(*r) - 1));
	trace("%s fd%d \"%.16s\" v%u cmd %u flags %#x ringid %#x arg1 %u arg2 %u arg3 %u%s",
	      regif ? "NIOCREGIF" : "NIOCGINFO", files[fi].fd, r->nr_name, r->nr_version,
	      r->nr_cmd, r->nr_flags, r->nr_ringid, r->nr_arg1, r->nr_arg2, r->nr_arg3,
	      arg == r ? "" : " (bad pointer)");
	rc = ioctl(files[fi].fd, cmd, arg);
	err = rc ? errno : 0;
	count(regif ? K_REGIF : K_GINFO, err);
	trace_ret("  -> %s", errname(err));
	if (err || arg != r)
		return;
	if (in.nr_version < NETMAP_API)
		violation("%s succeeded with nr_version %u", regif ? "NIOCREGIF" : "NIOCGINFO",
			  in.nr_version);
	if (!regif)
		return;
	if (in.nr_cmd == NETMAP_BDG_NEWIF)
		vale_record(NETMAP_REQ_VALE_DELIF, in.nr_name);
	if (in.nr_cmd == NETMAP_BDG_ATTACH)
		vale_record(NETMAP_REQ_VALE_DETACH, in.nr_name);
	if (in.nr_cmd == NETMAP_BDG_POLLING_ON)
		vale_record(NETMAP_REQ_VALE_POLLING_DISABLE, in.nr_name);
	if (in.nr_cmd == 0) {
		struct bindinfo b;
		size_t nl = strnlen(in.nr_name, IFNAMSIZ);

		if (files[fi].bound)
			violation("NIOCREGIF \"%.16s\" succeeded on an fd already bound to \"%s\"",
				  in.nr_name, files[fi].name);
		memset(&b, 0, sizeof(b));
		memcpy(b.name, in.nr_name, nl);
		mode = in.nr_flags & NR_REG_MASK;
		if (mode == NR_REG_PIPE_MASTER || mode == NR_REG_PIPE_SLAVE)
			snprintf(b.name + nl, sizeof(b.name) - nl, "%c%u",
				 mode == NR_REG_PIPE_MASTER ? '{' : '}', in.nr_ringid & NETMAP_RING_MASK);
		b.memsize = r->nr_memsize;
		b.offset = r->nr_offset;
		b.mem_id = r->nr_arg2;
		b.tx_slots = r->nr_tx_slots;
		b.rx_slots = r->nr_rx_slots;
		b.tx_rings = r->nr_tx_rings;
		b.rx_rings = r->nr_rx_rings;
		b.extra_got = r->nr_arg3;
		b.legacy = true;
		b.null_port = mode == NR_REG_NULL;
		b.monitor = (in.nr_flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON)) != 0;
		/* 16 bytes without a NUL: netmap keeps 15 (strlcpy), we do not assume */
		b.name_unsure = nl == IFNAMSIZ;
		if (r->nr_arg3 > in.nr_arg3)
			violation("NIOCREGIF \"%s\" granted %u extra buffers, %u were asked",
				  b.name, r->nr_arg3, in.nr_arg3);
		bind_file(fi, &b);
	}
}

/* Random ioctl numbers of the 'i' group, and NIOCCONFIG. */
static void op_randioctl(void)
{
	int fi = pick_file(), rc;
	unsigned long cmd;
	void *arg = arena + BODY_OFF;
	enum kind k = K_RANDIOCTL;

	if (fi < 0)
		return;
	fill_random(arg, 512);
	if (chance(30)) {
		cmd = NIOCCONFIG;
		k = K_CONFIG;
	} else {
		unsigned int nr = chance(70) ? 140 + rnd(20) : rnd(256);
		unsigned int size = chance(50) ? (const unsigned int[]){ 0, 60, 88, 272, 8, 4 }[rnd(6)] : rnd(1 << 14);
		unsigned int dir = rnd(4);

		cmd = _IOC(dir, 'i', nr, size);
		/* the real ones, with garbage, are op_ctrl's and op_legacy's job */
		if (cmd == NIOCCTRL || cmd == NIOCREGIF || cmd == NIOCGINFO)
			cmd = _IOC(dir, 'i', 200, size);
	}
	if (chance(5))
		arg = chance(50) ? NULL : guard - 1 - rnd(64);
	trace("ioctl fd%d cmd %#lx arg %p", files[fi].fd, cmd, arg);
	rc = ioctl(files[fi].fd, cmd, arg);
	count(k, rc ? errno : 0);
	trace_ret("  -> %s", errname(rc ? errno : 0));
}

static int do_sync(int fi, bool tx)
{
	int rc, err;
	void *arg = chance(5) ? (void *)bad_pointer(8) : NULL;

	rc = ioctl(files[fi].fd, tx ? NIOCTXSYNC : NIOCRXSYNC, arg);
	err = rc ? errno : 0;
	count(tx ? K_TXSYNC : K_RXSYNC, err);
	trace_ret("%s fd%d (%s) -> %s", tx ? "TXSYNC" : "RXSYNC", files[fi].fd,
	      files[fi].bound ? files[fi].name : "unbound", errname(err));
	if (err == 0 && !files[fi].bound)
		violation("%s on an unbound fd succeeded (after failed REGISTERs only)",
			  tx ? "NIOCTXSYNC" : "NIOCRXSYNC");
	return err;
}

static void op_sync(void)
{
	int fi = pick_file();

	if (fi >= 0)
		do_sync(fi, chance(50));
}

static short rnd_events(void)
{
	static const short ev[] = { POLLIN, POLLOUT, POLLIN | POLLOUT, 0, POLLPRI,
				    POLLRDNORM | POLLWRNORM, POLLIN | POLLOUT | POLLPRI };
	return ev[rnd(7)];
}

static void poll_check(int fi, short revents)
{
	if (!files[fi].bound) {
		if (!(revents & POLLERR))
			violation("poll on an unbound fd returned %#x without POLLERR", revents);
		xs.poll_err_unbound++;
	}
}

static void op_poll(void)
{
	struct pollfd pfd[NPOOL];
	int fis[NPOOL], n = 0, i, rc;
	uint32_t how = rnd(100);

	if (how < 55) {
		int fi = pick_file();

		if (fi < 0)
			return;
		pfd[0] = (struct pollfd){ .fd = files[fi].fd, .events = rnd_events() };
		fis[0] = fi;
		n = 1;
	} else if (how < 75) {
		for (i = 0; i < NPOOL; i++) {
			if (pool[i] < 0 || chance(30))
				continue;
			pfd[n] = (struct pollfd){ .fd = files[pool[i]].fd, .events = rnd_events() };
			fis[n++] = pool[i];
		}
		if (!n)
			return;
	} else if (how < 87) {
		fd_set r, w, e;
		struct timeval tv = { 0, 0 };
		int maxfd = -1;

		FD_ZERO(&r);
		FD_ZERO(&w);
		FD_ZERO(&e);
		for (i = 0; i < NPOOL; i++) {
			int fd;

			if (pool[i] < 0)
				continue;
			fd = files[pool[i]].fd;
			if (chance(60))
				FD_SET(fd, &r);
			if (chance(60))
				FD_SET(fd, &w);
			if (chance(20))
				FD_SET(fd, &e);
			if (fd > maxfd)
				maxfd = fd;
		}
		if (maxfd < 0)
			return;
		rc = select(maxfd + 1, &r, &w, &e, &tv);
		count(K_SELECT, rc < 0 ? errno : 0);
		trace_ret("select -> %d", rc);
		return;
	} else {
		struct epoll_event ev[NPOOL];
		int fi = pick_file();

		if (fi < 0)
			return;
		if (chance(60)) {
			struct epoll_event e = {
				.events = (uint32_t)rnd_events() |
					  (chance(20) ? EPOLLET : 0) | (chance(10) ? EPOLLONESHOT : 0),
			};
			int op = chance(60) ? EPOLL_CTL_ADD : chance(50) ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;

			rc = epoll_ctl(epfd, op, files[fi].fd, &e);
			count(K_EPOLL, rc ? errno : 0);
			trace_ret("epoll_ctl %d fd%d -> %s", op, files[fi].fd, errname(rc ? errno : 0));
		}
		rc = epoll_wait(epfd, ev, NPOOL, 0);
		count(K_EPOLL, rc < 0 ? errno : 0);
		trace_ret("epoll_wait -> %d", rc);
		return;
	}
	rc = poll(pfd, (nfds_t)n, 0);
	count(K_POLL, rc < 0 ? errno : 0);
	trace_ret("poll %d fds -> %d", n, rc);
	if (rc < 0)
		return;
	for (i = 0; i < n; i++)
		poll_check(fis[i], pfd[i].revents);
}

/* ------------------------------------------------------------------------
 * Rings.
 */
static struct netmap_ring *ring_of(const struct nmfile *f, const struct ring_ref *rr)
{
	return (struct netmap_ring *)(void *)(f->mem + rr->off);
}

/* The base of the buffer pool as seen from this ring's mapping. */
static int64_t pool_of(const struct ring_ref *rr)
{
	return (int64_t)rr->off + rr->buf_ofs;
}

static bool idx_ok(const struct nmfile *f, const struct ring_ref *rr, uint32_t bi)
{
	return buf_in_region(f, pool_of(rr), rr->bufsz, bi);
}

/* A buffer a sync may accept: in the region and not one of the reserved 0, 1. */
static bool idx_usable(const struct nmfile *f, const struct ring_ref *rr, uint32_t bi)
{
	return bi >= 2 && idx_ok(f, rr, bi);
}

static uint32_t pick_index(uint32_t n, uint32_t near)
{
	switch (rnd(10)) {
	case 0 ... 3:
		return (near + rnd(n)) % n;
	case 4 ... 5:
		return (near + n - 1 - rnd(3)) % n;
	case 6:
		return n + rnd(3);
	case 7:
		return ~0u - rnd(2);
	case 8:
		return near;
	default:
		return rnd_u32();
	}
}

static uint32_t pick_buf(const struct nmfile *f, const struct ring_ref *rr)
{
	uint32_t total = f->buf_total ? f->buf_total :
		(uint32_t)((f->memsize - (uint64_t)pool_of(rr)) / rr->bufsz);

	switch (rnd(10)) {
	case 0 ... 3:
		return 2 + rnd(total > 2 ? total - 2 : 1);
	case 4:
		return rnd(2);
	case 5:
		return total - rnd(2);
	case 6:
		return total + rnd(100);
	case 7:
		return ~0u - rnd(2);
	default:
		return rnd_u32();
	}
}

/* Dist from a to b going forward on a ring of n. */
static uint32_t ring_dist(uint32_t a, uint32_t b, uint32_t n)
{
	return (b + n - a) % n;
}

/* netmap(4)'s rule: rhead <= head <= cur <= rtail, modulo n. */
static bool ring_valid(uint32_t h0, uint32_t t0, uint32_t head, uint32_t cur, uint32_t n)
{
	if (head >= n || cur >= n)
		return false;
	if (ring_dist(h0, head, n) > ring_dist(h0, t0, n))
		return false;
	return ring_dist(head, cur, n) <= ring_dist(head, t0, n);
}

/*
 * Sync twice if needed so that the ring and the kernel agree; returns
 * false if they do not (then nothing exact can be said about this ring).
 */
static bool settle(int fi, const struct ring_ref *rr)
{
	struct nmfile *f = &files[fi];
	struct netmap_ring *r = ring_of(f, rr);

	if (do_sync(fi, rr->tx) && do_sync(fi, rr->tx))
		return false;
	if (r->head >= rr->n || r->cur >= rr->n || r->tail >= rr->n)
		violation("\"%s\" %s ring %u: after a successful sync head %u cur %u tail %u of %u",
			  f->name, rr->tx ? "tx" : "rx", rr->id, r->head, r->cur, r->tail, rr->n);
	return true;
}

/*
 * The exact check: from a settled ring, write head/cur (and maybe a bad slot),
 * sync, and compare with what netmap(4) says must happen.
 */
static void op_precise(int fi, const struct ring_ref *rr)
{
	struct nmfile *f = &files[fi];
	struct netmap_ring *r = ring_of(f, rr);
	uint32_t n = rr->n, h0, t0, head, cur, j, bad_slot = 0, k;
	struct netmap_slot saved;
	bool valid, slots_ok = true, bad = false;
	int err;

	if (f->child_port || f->csb || !settle(fi, rr))
		return;
	xs.precise++;
	h0 = r->head;
	t0 = r->tail;
	switch (rnd(3)) {
	case 0:		/* invalid */
		do {
			head = chance(50) ? pick_index(n, h0) : h0;
			cur = chance(50) ? pick_index(n, head) : head;
		} while (ring_valid(h0, t0, head, cur, n) && chance(90));
		break;
	default:	/* valid, maybe with a bad slot */
		head = (h0 + rnd(ring_dist(h0, t0, n) + 1)) % n;
		cur = (head + rnd(ring_dist(head, t0, n) + 1)) % n;
		break;
	}
	valid = ring_valid(h0, t0, head, cur, n);
	if (valid) {
		/*
		 * The slots given to the kernel, [h0, head), must be usable for
		 * a "must accept": TX sends them, RX hands them back to the
		 * sender, and both check every buffer index (and TX lengths).
		 */
		for (j = h0; j != head; j = (j + 1) % n) {
			struct netmap_slot *s = &r->slot[j];

			if (!idx_usable(f, rr, s->buf_idx)) {
				slots_ok = false;
				break;
			}
			if (rr->tx) {
				s->len = (uint16_t)(s->len <= rr->bufsz ? s->len : 60);
				s->flags = 0;
			}
		}
		/* a null port drops what it is given without looking: pipes only */
		if (slots_ok && head != h0 && !f->not_the_port && chance(40)) {
			k = rnd(ring_dist(h0, head, n));
			bad_slot = (h0 + k) % n;
			saved = r->slot[bad_slot];
			if (!rr->tx || chance(50))
				r->slot[bad_slot].buf_idx = pick_buf(f, rr);
			else
				r->slot[bad_slot].len = (uint16_t)(rr->bufsz + 1 + rnd(65535 - rr->bufsz));
			r->slot[bad_slot].flags = NS_BUF_CHANGED;
			/* outside the region: must be refused (0 and 1: not asserted) */
			bad = !idx_ok(f, rr, r->slot[bad_slot].buf_idx) ||
			      (rr->tx && r->slot[bad_slot].len > rr->bufsz);
			if (!bad) {
				r->slot[bad_slot] = saved;
				if (rr->tx)
					r->slot[bad_slot].flags = 0;
			}
		}
	}
	trace("precise \"%s\" %s%u: h0 %u t0 %u n %u -> head %u cur %u (%s%s)", f->name,
	      rr->tx ? "tx" : "rx", rr->id, h0, t0, n, head, cur, valid ? "valid" : "invalid",
	      bad ? ", bad slot" : "");
	r->head = head;
	r->cur = cur;
	if (chance(20))
		*(volatile uint32_t *)&r->tail = pick_index(n, t0);
	err = do_sync(fi, rr->tx);
	if (!valid) {
		if (!err)
			violation("\"%s\" %s ring %u: sync accepted head %u cur %u with rhead %u rtail %u "
				  "(%u slots)", f->name, rr->tx ? "tx" : "rx", rr->id, head, cur, h0, t0, n);
		if (r->head != h0 || r->cur >= n || r->tail >= n)
			violation("\"%s\" %s ring %u: after rejecting head %u cur %u the ring reads "
				  "head %u cur %u tail %u (want head %u)", f->name,
				  rr->tx ? "tx" : "rx", rr->id, head, cur, r->head, r->cur, r->tail, h0);
		xs.precise_bad_rejected++;
		return;
	}
	if (bad) {
		uint32_t low = r->head, tail = r->tail;

		if (!err)
			violation("\"%s\" %s ring %u: sync accepted slot %u with buf_idx %u len %u "
				  "(buf size %u)", f->name, rr->tx ? "tx" : "rx", rr->id, bad_slot,
				  r->slot[bad_slot].buf_idx, r->slot[bad_slot].len, rr->bufsz);
		xs.precise_slot_rejected++;
		/*
		 * Repair the slot and ask again for what we wanted: the next
		 * correct call must work.  The kernel may have moved head back
		 * (to the bad slot, or to where it was): that is our new low.
		 */
		r->slot[bad_slot] = saved;
		if (rr->tx) {
			r->slot[bad_slot].len = 60;
			r->slot[bad_slot].flags = 0;
		}
		if (low >= n || tail >= n || !ring_valid(low, tail, head, cur, n)) {
			violation("\"%s\" %s ring %u: after refusing bad slot %u the ring reads head %u "
				  "tail %u (asked head %u cur %u, rhead %u rtail %u)", f->name,
				  rr->tx ? "tx" : "rx", rr->id, bad_slot, low, tail, head, cur, h0, t0);
			return;
		}
		r->head = head;
		r->cur = cur;
		err = do_sync(fi, rr->tx);
		if (err)
			violation("\"%s\" %s ring %u: the ring did not recover after bad slot %u was "
				  "repaired (head %u cur %u from %u): %s", f->name, rr->tx ? "tx" : "rx",
				  rr->id, bad_slot, head, cur, low, errname(err));
		xs.recoveries++;
		return;
	}
	if (!slots_ok)
		return;
	if (err)
		violation("\"%s\" %s ring %u: sync refused a valid head %u cur %u (rhead %u rtail %u "
			  "of %u): %s", f->name, rr->tx ? "tx" : "rx", rr->id, head, cur, h0, t0, n,
			  errname(err));
	if (r->head != head || r->tail >= n)
		violation("\"%s\" %s ring %u: after a good sync head %u (wrote %u) tail %u of %u",
			  f->name, rr->tx ? "tx" : "rx", rr->id, r->head, head, r->tail, n);
	xs.precise_good_accepted++;
}

/* Random writes into a bound port's shared memory, then a sync/poll/close. */
static void op_scribble(int fi, int ri)
{
	struct nmfile *f = &files[fi];
	const struct ring_ref *rr = &f->rings[ri];
	struct netmap_ring *r = ring_of(f, rr);
	struct netmap_if *nifp = (void *)(f->mem + f->nifp_off);
	unsigned char ro_ring[128], ro_if[56];
	uint32_t n = rr->n, i, wrote_head = 0, wrote_cur = 0;
	bool ro = chance(8), ro_nifp = chance(4), head_bad = false;
	int err = -1, act, slot;

	xs.scribbles++;
	if (ro) {
		memcpy(ro_ring, (void *)r, sizeof(ro_ring));
		fill_random((char *)r, 20);	/* buf_ofs num_slots nr_buf_size ringid dir */
		if (chance(50))
			fill_random((char *)r + 56, 16);	/* offset_mask buf_align */
	}
	if (ro_nifp) {
		memcpy(ro_if, nifp, sizeof(ro_if));
		fill_random(nifp, 32);
	}
	if (chance(40)) {
		wrote_head = chance(60) ? (r->head + rnd(n)) % n : pick_index(n, r->head);
		r->head = wrote_head;
		head_bad |= wrote_head >= n;
	}
	if (chance(40)) {
		wrote_cur = chance(60) ? (r->head % n + rnd(n)) % n : pick_index(n, r->cur % n);
		r->cur = wrote_cur;
		head_bad |= wrote_cur >= n;
	}
	if (chance(15))
		*(volatile uint32_t *)&r->tail = pick_index(n, r->tail % n);
	if (chance(45)) {
		for (i = rnd(8) + 1; i; i--) {
			struct netmap_slot *s;

			slot = chance(60) ? (int)((r->head % n + rnd(16)) % n) : (int)rnd(n);
			s = &r->slot[slot];
			if (chance(60))
				s->buf_idx = pick_buf(f, rr);
			if (chance(60))
				s->len = (uint16_t)(chance(50) ? 60 : chance(50) ? rr->bufsz + rnd(2) : rnd_u32());
			if (chance(60))
				s->flags = (uint16_t)(chance(50) ? (const uint16_t[]){ 0, NS_BUF_CHANGED,
					NS_REPORT, NS_MOREFRAG, NS_INDIRECT, NS_FORWARD,
					NS_BUF_CHANGED | NS_MOREFRAG }[rnd(7)] : rnd_u32());
			if (chance(20))
				s->ptr = rnd_u64();
		}
	}
	if (chance(10))
		r->flags = chance(50) ? (const uint32_t[]){ 0, NR_TIMESTAMP, NR_FORWARD,
			NR_TIMESTAMP | NR_FORWARD }[rnd(4)] : rnd_u32();
	if (chance(8))
		nifp->ni_bufs_head = pick_buf(f, rr);
	act = (int)rnd(100);
	trace("scribble \"%s\" %s%u (n %u) head %u cur %u tail %u%s%s, act %d", f->name,
	      rr->tx ? "tx" : "rx", rr->id, n, r->head, r->cur, r->tail, ro ? " +ro" : "",
	      ro_nifp ? " +nifp" : "", act);
	if (act < 30) {
		err = do_sync(fi, true);
	} else if (act < 62) {
		err = do_sync(fi, false);
	} else if (act < 80) {
		struct pollfd p = { .fd = f->fd, .events = rnd_events() };
		int rc = poll(&p, 1, 0);

		count(K_POLL, rc < 0 ? errno : 0);
		trace_ret("poll fd%d -> %d revents %#x", f->fd, rc, p.revents);
	} else if (act < 86) {
		struct epoll_event e = { .events = EPOLLIN | EPOLLOUT };
		struct epoll_event out[4];
		int rc = epoll_ctl(epfd, EPOLL_CTL_ADD, f->fd, &e);

		count(K_EPOLL, rc ? errno : 0);
		rc = epoll_wait(epfd, out, 4, 0);
		count(K_EPOLL, rc < 0 ? errno : 0);
	} else if (act < 93) {
		/* leave it for someone else to find */
	} else {
		int slot_i;

		if (ro)
			memcpy((void *)r, ro_ring, sizeof(ro_ring));
		if (ro_nifp)
			memcpy(nifp, ro_if, sizeof(ro_if));
		for (slot_i = 0; slot_i < NPOOL; slot_i++)
			if (pool[slot_i] == fi)
				pool_close(slot_i, true);
		return;
	}
	if (ro) {
		memcpy((void *)r, ro_ring, 20);
		memcpy((char *)r + 56, ro_ring + 56, 16);
	}
	if (ro_nifp)
		memcpy(nifp, ro_if, sizeof(ro_if));
	if (act < 62 && (act < 30) == rr->tx && !f->csb) {
		if (head_bad && err == 0)
			violation("\"%s\" %s ring %u: sync accepted head %u cur %u (%u slots)",
				  f->name, rr->tx ? "tx" : "rx", rr->id, wrote_head, wrote_cur, n);
		if (err == 0 && (r->tail >= n || r->head >= n || r->cur >= n))
			violation("\"%s\" %s ring %u: after a successful sync head %u cur %u tail %u of %u",
				  f->name, rr->tx ? "tx" : "rx", rr->id, r->head, r->cur, r->tail, n);
	}
}

/*
 * Send a few packets from one pipe end and receive them on the other: the
 * receiver must see exactly our lengths and bytes (buffers are swapped, not
 * copied, so the data moves with them).
 */
static void op_pair(int fi, const struct ring_ref *rr)
{
	struct nmfile *f = &files[fi], *g = NULL;
	struct netmap_ring *tx = ring_of(f, rr), *rx = NULL;
	const struct ring_ref *gr = NULL;
	char peer[NETMAP_REQ_IFNAMSIZ];
	uint32_t k, i, j, h0, t1, space, seqbase = (uint32_t)rnd64();
	uint32_t bis[64];
	uint16_t lens[64];
	int gi = -1, m, err;

	if (!rr->tx || f->child_port || f->csb || f->not_the_port || !pipe_peer(f->name, peer))
		return;
	for (i = 0; i < NPOOL && gi < 0; i++) {
		int o = pool[i];

		if (o < 0 || !files[o].bound || !files[o].mem || files[o].csb ||
		    files[o].not_the_port || strcmp(files[o].name, peer))
			continue;
		for (m = 0; m < files[o].nrings; m++) {
			if (!files[o].rings[m].tx && files[o].rings[m].id == rr->id) {
				gi = o;
				gr = &files[o].rings[m];
				break;
			}
		}
	}
	if (gi < 0)
		return;
	g = &files[gi];
	rx = ring_of(g, gr);
	if (!settle(fi, rr) || !settle(gi, gr))
		return;
	/* the receiver catches up first */
	rx->head = rx->cur = rx->tail;
	if (do_sync(gi, false))
		return;
	if (rx->head != rx->tail && !settle(gi, gr))
		return;
	h0 = tx->head;
	space = ring_dist(tx->cur, tx->tail, rr->n);
	k = 1 + rnd(64);
	if (k > space)
		k = space;
	if (!k)
		return;
	for (i = 0, j = h0; i < k; i++, j = (j + 1) % rr->n) {
		struct netmap_slot *s = &tx->slot[j];
		uint32_t *p, w;

		if (!idx_usable(f, rr, s->buf_idx) || rr->bufsz < 64)
			return;	/* garbage from earlier scribbles: not for this check */
		for (w = 0; w < i; w++)
			if (bis[w] == s->buf_idx)
				return;
		bis[i] = s->buf_idx;
		lens[i] = (uint16_t)(16 + rnd(rr->bufsz - 16 < 1500 ? rr->bufsz - 16 : 1500));
		p = (uint32_t *)(f->mem + pool_of(rr) + (int64_t)s->buf_idx * rr->bufsz);
		p[0] = 0x6e6d667a;	/* "nmfz" */
		p[1] = seqbase + i;
		p[2] = lens[i];
		p[3] = ~(seqbase + i);
		s->len = lens[i];
		s->flags = 0;
	}
	tx->head = tx->cur = (h0 + k) % rr->n;
	trace("pair \"%s\" -> \"%s\": %u packets from slot %u", f->name, g->name, k, h0);
	err = do_sync(fi, true);
	if (err)
		violation("\"%s\" tx ring %u: sending %u good packets after a successful sync failed: %s",
			  f->name, rr->id, k, errname(err));
	err = do_sync(gi, false);
	if (err)
		violation("\"%s\" rx ring %u: rxsync failed after the peer sent: %s",
			  g->name, gr->id, errname(err));
	t1 = rx->tail;
	if (t1 >= gr->n || ring_dist(rx->head, t1, gr->n) < k) {
		violation("pipe \"%s\" -> \"%s\": %u packets sent, the receiver sees %u (head %u tail %u)",
			  f->name, g->name, k, t1 < gr->n ? ring_dist(rx->head, t1, gr->n) : 0,
			  rx->head, t1);
		return;
	}
	for (i = 0, j = (t1 + gr->n - k) % gr->n; i < k; i++, j = (j + 1) % gr->n) {
		struct netmap_slot *s = &rx->slot[j];
		const uint32_t *p;

		if (!idx_ok(g, gr, s->buf_idx)) {
			violation("pipe \"%s\": rx slot %u has buf_idx %u outside the region",
				  g->name, j, s->buf_idx);
			return;
		}
		p = (const uint32_t *)(g->mem + pool_of(gr) + (int64_t)s->buf_idx * gr->bufsz);
		if (s->len != lens[i] || p[0] != 0x6e6d667a || p[1] != seqbase + i ||
		    p[2] != lens[i] || p[3] != ~(seqbase + i))
			violation("pipe \"%s\" -> \"%s\": packet %u of %u arrived as len %u "
				  "[%08x %08x %08x %08x], sent len %u seq %u in buffer %u (got buffer %u)",
				  f->name, g->name, i, k, s->len, p[0], p[1], p[2], p[3], lens[i],
				  seqbase + i, bis[i], s->buf_idx);
	}
	rx->head = rx->cur = t1;
	do_sync(gi, false);
	xs.pair_transfers++;
	xs.pair_packets += k;
}

/* "valeB:" of a plain VALE port name, or false. */
static bool vale_bridge(const char *name, char *br, size_t sz)
{
	const char *colon = strchr(name, ':');

	if (strncmp(name, "vale", 4) || !colon || pipe_sep(name) || (size_t)(colon - name) + 2 > sz)
		return false;
	memcpy(br, name, (size_t)(colon - name) + 1);
	br[colon - name + 1] = 0;
	return true;
}

#define VALE_MAGIC 0x6e6d6676	/* "nmfv" */

static void vale_frame(unsigned char *b, uint16_t len, uint32_t seq, uint8_t src)
{
	uint32_t w[3] = { VALE_MAGIC, seq, len };
	uint16_t i;

	memset(b, 0xff, 6);			/* broadcast: every other port */
	memcpy(b + 6, (const unsigned char[]){ 0x02, 0, 0, 0, 0, src }, 6);
	b[12] = 0x88;
	b[13] = 0xb5;
	memcpy(b + 14, w, sizeof(w));
	for (i = 26; i < len; i++)
		b[i] = (unsigned char)(seq * 7 + i);
}

/*
 * Broadcast frames from one VALE port to another on the same bridge: VALE
 * copies them, so what arrives must be byte for byte what was sent; with a
 * single RX ring with room, every frame must arrive.
 */
static void op_vale(int fi, const struct ring_ref *rr)
{
	struct nmfile *f = &files[fi], *g;
	struct netmap_ring *tx = ring_of(f, rr), *rx;
	const struct ring_ref *gr = NULL;
	char br[NETMAP_REQ_IFNAMSIZ], gbr[NETMAP_REQ_IFNAMSIZ];
	uint32_t k, i, j, h0, start, found = 0, seqbase = (uint32_t)rnd64(), bis[32];
	uint16_t lens[32];
	uint8_t src = (uint8_t)rnd(256);
	int gi = -1, m, err;

	if (!rr->tx || f->csb || f->not_the_port || !vale_bridge(f->name, br, sizeof(br)))
		return;
	for (i = 0; i < NPOOL && gi < 0; i++) {
		int o = pool[i];

		if (o < 0 || o == fi || !files[o].bound || !files[o].mem || files[o].csb ||
		    files[o].not_the_port || !strcmp(files[o].name, f->name) ||
		    !vale_bridge(files[o].name, gbr, sizeof(gbr)) || strcmp(br, gbr))
			continue;
		for (m = 0; m < files[o].nrings; m++) {
			if (!files[o].rings[m].tx) {
				gi = o;
				gr = &files[o].rings[m];
				break;
			}
		}
	}
	if (gi < 0)
		return;
	g = &files[gi];
	rx = ring_of(g, gr);
	if (!settle(fi, rr) || !settle(gi, gr))
		return;
	rx->head = rx->cur = rx->tail;
	if (do_sync(gi, false) || rx->tail >= gr->n)
		return;
	start = rx->head;
	/*
	 * VALE copies into the buffer already in each receiver slot.  Users
	 * may have written anything into the slots the kernel owns: check
	 * here only if every slot of the receiver holds its own good buffer.
	 */
	{
		uint32_t *ids = malloc(gr->n * sizeof(*ids));
		bool clean = ids != NULL;

		for (j = 0; clean && j < gr->n; j++) {
			ids[j] = rx->slot[j].buf_idx;
			clean = idx_usable(g, gr, ids[j]);
		}
		if (clean) {
			qsort(ids, gr->n, sizeof(*ids), cmp_u32);
			for (j = 1; clean && j < gr->n; j++)
				clean = ids[j] != ids[j - 1];
		}
		free(ids);
		if (!clean)
			return;
	}
	h0 = tx->head;
	k = 1 + rnd(32);
	if (k > ring_dist(tx->cur, tx->tail, rr->n))
		k = ring_dist(tx->cur, tx->tail, rr->n);
	if (k > gr->n - 1 - ring_dist(start, rx->tail, gr->n))
		k = gr->n - 1 - ring_dist(start, rx->tail, gr->n);
	if (!k || rr->bufsz < 64)
		return;
	for (i = 0, j = h0; i < k; i++, j = (j + 1) % rr->n) {
		struct netmap_slot *s = &tx->slot[j];
		uint32_t maxlen = rr->bufsz < 1514 ? rr->bufsz : 1514;

		if (!idx_usable(f, rr, s->buf_idx))
			return;
		for (m = 0; m < (int)i; m++)
			if (bis[m] == s->buf_idx)
				return;	/* one buffer in two slots: frames would overwrite */
		bis[i] = s->buf_idx;
		lens[i] = (uint16_t)(60 + rnd(maxlen - 60 + 1));
		vale_frame((unsigned char *)f->mem + pool_of(rr) + (int64_t)s->buf_idx * rr->bufsz,
			   lens[i], seqbase + i, src);
		s->len = lens[i];
		s->flags = 0;
	}
	tx->head = tx->cur = (h0 + k) % rr->n;
	trace("vale \"%s\" -> \"%s\": %u frames from slot %u", f->name, g->name, k, h0);
	err = do_sync(fi, true);
	if (err) {
		violation("\"%s\" tx ring %u: sending %u good frames after a successful sync failed: %s",
			  f->name, rr->id, k, errname(err));
		return;
	}
	err = do_sync(gi, false);
	if (err || rx->tail >= gr->n) {
		violation("\"%s\" rx ring %u: rxsync failed or tail %u after a peer sent: %s",
			  g->name, gr->id, rx->tail, errname(err));
		return;
	}
	for (j = start; j != rx->tail; j = (j + 1) % gr->n) {
		struct netmap_slot *s = &rx->slot[j];
		const unsigned char *b;
		unsigned char want[2048];
		uint32_t w[3];

		if (!idx_ok(g, gr, s->buf_idx)) {
			violation("VALE \"%s\": rx slot %u has buf_idx %u outside the region",
				  g->name, j, s->buf_idx);
			return;
		}
		if (s->len < 26 || s->len > gr->bufsz)
			continue;
		b = (const unsigned char *)g->mem + pool_of(gr) + (int64_t)s->buf_idx * gr->bufsz;
		memcpy(w, b + 14, sizeof(w));
		if (w[0] != VALE_MAGIC || w[1] - seqbase >= k)
			continue;
		i = w[1] - seqbase;
		vale_frame(want, lens[i], seqbase + i, src);
		if (s->len != lens[i] || memcmp(b, want, lens[i]))
			violation("VALE \"%s\" -> \"%s\": frame %u of %u arrived as len %u, sent len %u "
				  "(buffer %u)", f->name, g->name, i, k, s->len, lens[i], bis[i]);
		found++;
	}
	if (g->nrx_port == 1 && found != k)
		violation("VALE \"%s\" -> \"%s\": %u of %u broadcast frames arrived (receiver had "
			  "room)", f->name, g->name, found, k);
	rx->head = rx->cur = rx->tail;
	do_sync(gi, false);
	xs.vale_transfers++;
	xs.vale_frames += found;
}

static void op_ring(void)
{
	int fi = pick_bound_mapped(), ri;
	uint32_t how = rnd(100);

	if (fi < 0) {
		op_register();
		return;
	}
	ri = (int)rnd((uint32_t)files[fi].nrings);
	if (how < 35)
		op_precise(fi, &files[fi].rings[ri]);
	else if (how < 80)
		op_scribble(fi, ri);
	else if (how < 90)
		op_pair(fi, &files[fi].rings[ri]);
	else
		op_vale(fi, &files[fi].rings[ri]);
}

/* ------------------------------------------------------------------------
 * Memory mappings.
 */
static uint64_t roundup_page(uint64_t x)
{
	return (x + (uint64_t)pagesz - 1) & ~((uint64_t)pagesz - 1);
}

/* Touch up to 8 pages of [p, p+len) mapped at file offset off. */
static void touch_pages(const struct nmfile *f, char *p, size_t len, uint64_t off, const char *what)
{
	size_t np = len / (size_t)pagesz, i, pg;
	uint64_t end = roundup_page(f->memsize);

	for (i = 0; i < 8 && np; i++) {
		int sig;

		pg = i == 0 ? 0 : i == 1 ? np - 1 : rnd((uint32_t)np);
		sig = touch(p + pg * (size_t)pagesz);
		if (off + pg * (uint64_t)pagesz < end) {
			if (sig)
				violation("%s: page %zu of \"%s\" (offset %" PRIu64 ", region %" PRIu64
					  ") raised signal %d", what, pg, f->name,
					  off + pg * (uint64_t)pagesz, f->memsize, sig);
		} else if (!sig) {
			violation("%s: page at offset %" PRIu64 " beyond the region of \"%s\" (%" PRIu64
				  " bytes) was served", what, off + pg * (uint64_t)pagesz, f->name,
				  f->memsize);
		} else {
			xs.beyond_sigbus++;
		}
	}
}

static void op_mmap(void)
{
	int fi = pick_file(), prot, flags = MAP_SHARED;
	struct nmfile *f;
	uint64_t ms, off, len, ps = (uint64_t)pagesz;
	char *p;

	if (fi < 0)
		return;
	f = &files[fi];
	ms = f->bound && f->memsize ? f->memsize : 16 * ps;
	switch (rnd(8)) {
	case 0 ... 2:
		off = 0;
		break;
	case 3:
		off = ps * rnd((uint32_t)(ms / ps));
		break;
	case 4:
		off = roundup_page(ms) - ps;
		break;
	case 5:
		off = roundup_page(ms) + ps * rnd(2);
		break;
	case 6:
		off = 1 + rnd((uint32_t)ps - 1);
		break;
	default:
		off = (uint64_t)rnd_u32() << 12;
	}
	switch (rnd(6)) {
	case 0:
		len = ps;
		break;
	case 1:
		len = ms;
		break;
	case 2:
		len = ms > off ? ms - off : ps;
		break;
	case 3:
		len = (ms > off ? ms - off : 0) + ps;
		break;
	case 4:
		len = 1 + rnd((uint32_t)ms);
		break;
	default:
		len = chance(50) ? 0 : 2 * ps;
	}
	prot = chance(75) ? PROT_READ | PROT_WRITE : chance(60) ? PROT_READ :
	       (const int[]){ PROT_WRITE, PROT_NONE, PROT_READ | PROT_EXEC }[rnd(3)];
	if (chance(8))
		flags = MAP_PRIVATE;
	if (chance(3) && len <= (4u << 20))
		flags |= MAP_POPULATE;	/* every page faulted in: keep it small under TCG */
	trace("mmap fd%d (%s, memsize %" PRIu64 ") off %" PRIu64 " len %" PRIu64 " prot %d flags %#x",
	      f->fd, f->bound ? f->name : "unbound", f->memsize, off, len, prot, flags);
	p = mmap(NULL, len, prot, flags, f->fd, (off_t)off);
	count(K_MMAP, p == MAP_FAILED ? errno : 0);
	trace_ret("  -> %s", p == MAP_FAILED ? errname(errno) : "ok");
	if (p == MAP_FAILED)
		return;
	if (!f->bound)
		violation("mmap of an unbound fd succeeded (offset %" PRIu64 " len %" PRIu64 ")", off, len);
	if (f->memsize && off + roundup_page(len) > roundup_page(f->memsize))
		violation("mmap of \"%s\" past the end succeeded: offset %" PRIu64 " len %" PRIu64
			  " region %" PRIu64, f->name, off, len, f->memsize);
	if (f->memsize && (prot & PROT_READ))
		touch_pages(f, p, (size_t)len, off, "mmap");
	if (f->bound && !f->mem && off == 0 && len == f->memsize && prot == (PROT_READ | PROT_WRITE) &&
	    !(flags & MAP_PRIVATE) && f->nrings) {
		/* the region again, after an earlier munmap of the main mapping */
		f->mem = p;
		f->nmaps++;
		return;
	}
	if (chance(50) && xmap_add(p, (size_t)len, off, fi, (prot & PROT_READ) != 0) >= 0)
		return;
	count(K_MUNMAP, munmap(p, (size_t)len) ? errno : 0);
}

/* mremap, madvise, mprotect, mlock, msync, partial munmap. */
static void op_mm(void)
{
	int i = (int)rnd(MAXMAPS), rc;
	struct xmap *x = &xmaps[i];
	struct nmfile *f;
	size_t ps = (size_t)pagesz, np;

	if (x->file < 0) {
		/* on a main mapping instead: harmless advice only */
		int fi = pick_bound_mapped();
		static const int adv[] = { MADV_DONTNEED, MADV_WILLNEED, MADV_NORMAL,
					   MADV_SEQUENTIAL, MADV_RANDOM, MADV_DONTFORK, MADV_DOFORK,
					   MADV_COLD, MADV_PAGEOUT, MADV_NOHUGEPAGE, MADV_DONTDUMP };
		int a = adv[rnd(sizeof(adv) / sizeof(adv[0]))];
		uint32_t before;

		if (fi < 0)
			return;
		f = &files[fi];
		before = ring_of(f, &f->rings[0])->num_slots;
		rc = madvise(f->mem, f->memsize, a);
		count(K_MM, rc ? errno : 0);
		trace("madvise main \"%s\" %d -> %s", f->name, a, errname(rc ? errno : 0));
		if (a == MADV_DONTFORK && !rc)
			f->dontfork = true;
		if (a == MADV_DOFORK && !rc)
			f->dontfork = false;
		if (touch((char *)ring_of(f, &f->rings[0])))
			violation("\"%s\": ring header faults after madvise %d", f->name, a);
		if (ring_of(f, &f->rings[0])->num_slots != before)
			violation("\"%s\": ring num_slots %u became %u after madvise %d", f->name,
				  before, ring_of(f, &f->rings[0])->num_slots, a);
		return;
	}
	f = &files[x->file];
	np = x->len / ps;
	switch (rnd(7)) {
	case 0: {	/* grow or shrink */
		size_t nl = chance(70) ? x->len + ps * (1 + rnd(4)) : (np > 1 ? ps * (1 + rnd((uint32_t)np - 1)) : ps);
		char *q = mremap(x->p, x->len, nl, MREMAP_MAYMOVE);

		count(K_MREMAP, q == MAP_FAILED ? errno : 0);
		trace("mremap \"%s\" %zu -> %zu: %s", f->name, x->len, nl, q == MAP_FAILED ? errname(errno) : "ok");
		if (q == MAP_FAILED)
			return;
		x->p = q;
		x->len = nl;
		if (x->readable && f->memsize)
			touch_pages(f, q, nl, x->off, "mremap");
		return;
	}
	case 1: {	/* punch a hole: the vma splits */
		size_t a, b;

		if (np < 3)
			break;
		a = 1 + rnd((uint32_t)np - 2);
		b = 1 + rnd((uint32_t)(np - a - 1));
		rc = munmap(x->p + a * ps, b * ps);
		count(K_MUNMAP, rc ? errno : 0);
		trace("munmap hole \"%s\" pages %zu+%zu of %zu", f->name, a, b, np);
		if (rc)
			return;
		/* keep the head here, the tail in another slot if there is one */
		{
			char *tp = x->p + (a + b) * ps;
			size_t tl = x->len - (a + b) * ps;
			int fi = x->file;

			x->len = a * ps;
			if (xmap_add(tp, tl, x->off + (a + b) * ps, fi, x->readable) < 0) {
				count(K_MUNMAP, munmap(tp, tl) ? errno : 0);
			}
		}
		return;
	}
	case 2:
		rc = mprotect(x->p, x->len, chance(50) ? PROT_READ : PROT_READ | PROT_WRITE);
		count(K_MM, rc ? errno : 0);
		if (!rc)
			x->readable = true;
		trace("mprotect \"%s\" -> %s", f->name, errname(rc ? errno : 0));
		return;
	case 3:
		rc = mlock(x->p, x->len < 64 * ps ? x->len : 64 * ps);
		count(K_MM, rc ? errno : 0);
		trace("mlock \"%s\" -> %s", f->name, errname(rc ? errno : 0));
		if (!rc) {
			rc = munlock(x->p, x->len < 64 * ps ? x->len : 64 * ps);
			count(K_MM, rc ? errno : 0);
		}
		return;
	case 4:
		rc = msync(x->p, x->len, chance(50) ? MS_SYNC : MS_ASYNC | MS_INVALIDATE);
		count(K_MM, rc ? errno : 0);
		return;
	case 5:
		rc = madvise(x->p, x->len, chance(50) ? MADV_DONTNEED : MADV_PAGEOUT);
		count(K_MM, rc ? errno : 0);
		if (x->readable && f->memsize)
			touch_pages(f, x->p, x->len, x->off, "madvise");
		return;
	default:
		break;
	}
	if (x->readable && f->memsize)
		touch_pages(f, x->p, x->len, x->off, "extra mapping");
	trace("munmap xmap \"%s\"", f->name);
	xmap_drop(i);
}

/* ------------------------------------------------------------------------
 * Churn: open/close, bursts of pipes, children killed at random.
 */
static void op_churn(void)
{
	int slot = (int)rnd(NPOOL), i;

	if (chance(4)) {
		for (i = 0; i < NPOOL; i++)
			pool_close(i, true);
		return;
	}
	if (chance(10)) {
		int fd = open(DEV, O_RDWR);

		count(K_OPEN, fd < 0 ? errno : 0);
		if (fd >= 0)
			count(K_CLOSE, close(fd) ? errno : 0);
		return;
	}
	if (pool[slot] >= 0)
		pool_close(slot, true);
	else
		pool_open(slot);
}

static void op_burst(void)
{
	int fds[80], n = 8 + (int)rnd(72), i, fd, err;
	char parent[16];
	struct ctrl c;
	struct nmreq_register *r;

	xs.bursts++;
	snprintf(parent, sizeof(parent), "%s", chance(30) ? parents[rnd(4)] : "burst");
	trace("burst of %d pipes on \"%s\"", n, parent);
	for (i = 0; i < n; i++) {
		char name[32];

		fds[i] = fd = open(DEV, O_RDWR);
		count(K_OPEN, fd < 0 ? errno : 0);
		if (fd < 0)
			continue;
		snprintf(name, sizeof(name), "%s%c%d", parent, chance(80) ? '{' : '}', i);
		ctrl_init(&c, NETMAP_REQ_REGISTER, name, sizeof(*r));
		r = c.body;
		r->nr_mode = NR_REG_ALL_NIC;
		r->nr_tx_slots = r->nr_rx_slots = 2 + rnd(15);
		err = ctrl_call(fd, &c);
		if (!err)
			xs.burst_regs_ok++;
	}
	for (i = 0; i < n; i++) {
		int j = (int)rnd((uint32_t)n);

		if (fds[j] >= 0) {
			count(K_CLOSE, close(fds[j]) ? errno : 0);
			fds[j] = -1;
		}
	}
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			count(K_CLOSE, close(fds[i]) ? errno : 0);
}

/* A child: binds "k" pipe ends, moves packets, blocks in poll, until killed. */
static void child_main(int readyfd)
{
	struct {
		int fd;
		char *mem;
		uint64_t ms;
		struct netmap_ring *tx, *rx;
	} c[3];
	struct timespec t0, t;
	int i;

	for (i = 0; i < MAXFILES; i++) {
		if (!files[i].used)
			continue;
		if (files[i].mem && !files[i].dontfork) {
			(void)touch(files[i].mem);
			munmap(files[i].mem, files[i].memsize);
		}
		if (files[i].fd >= 0)
			close(files[i].fd);
	}
	for (i = 0; i < MAXMAPS; i++)
		if (xmaps[i].file >= 0)
			munmap(xmaps[i].p, xmaps[i].len);
	close(epfd);
	if (kpeer.fd >= 0) {
		munmap(kpeer.mem, kpeer.memsize);
		close(kpeer.fd);
	}
	if (write(readyfd, "r", 1) != 1)
		_exit(1);
	close(readyfd);
	memset(c, 0, sizeof(c));
	for (i = 0; i < 3; i++)
		c[i].fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct nmreq_header h;
		struct nmreq_register r;
		struct netmap_if *nifp;
		struct netmap_ring *ring;
		uint32_t n, j;

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 3)
			_exit(0);
		i = (int)rnd(3);
		if (c[i].fd < 0) {
			c[i].fd = open(DEV, O_RDWR);
			continue;
		}
		if (!c[i].mem) {
			memset(&h, 0, sizeof(h));
			memset(&r, 0, sizeof(r));
			h.nr_version = NETMAP_API;
			h.nr_reqtype = NETMAP_REQ_REGISTER;
			if (chance(25))
				snprintf(h.nr_name, sizeof(h.nr_name), "k}9");
			else
				snprintf(h.nr_name, sizeof(h.nr_name), "k%c%u",
					 chance(50) ? '{' : '}', rnd(3));
			h.nr_body = (uint64_t)(uintptr_t)&r;
			r.nr_mode = NR_REG_ALL_NIC;
			/*
			 * Small rings: they fit in the region of parent "k",
			 * which the parent process created (with "k{9"), so
			 * children never create regions: region ids, which
			 * the parent's requests name, stay reproducible.
			 */
			r.nr_tx_slots = r.nr_rx_slots = 64;
			if (chance(30))
				r.nr_flags = (const uint64_t[]){ NR_NO_TX_POLL, NR_DO_RX_POLL,
								 NR_EXCLUSIVE }[rnd(3)];
			if (ioctl(c[i].fd, NIOCCTRL, &h)) {
				if (chance(30)) {
					close(c[i].fd);
					c[i].fd = -1;
				}
				continue;
			}
			c[i].mem = mmap(NULL, r.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, c[i].fd, 0);
			if (c[i].mem == MAP_FAILED) {
				c[i].mem = NULL;
				close(c[i].fd);
				c[i].fd = -1;
				continue;
			}
			c[i].ms = r.nr_memsize;
			nifp = (void *)(c[i].mem + r.nr_offset);
			c[i].tx = c[i].rx = NULL;
			if (nifp->ring_ofs[0])
				c[i].tx = NETMAP_TXRING(nifp, 0);
			if (nifp->ring_ofs[nifp->ni_tx_rings + nifp->ni_host_tx_rings])
				c[i].rx = NETMAP_RXRING(nifp, 0);
			continue;
		}
		switch (rnd(7)) {
		case 0: {	/* send what fits */
			uint32_t tail;

			ring = c[i].tx;
			if (!ring)
				break;
			n = ring->num_slots;
			tail = ring->tail;
			if (ring->cur >= n || tail >= n)
				break;
			for (j = ring->cur; j != tail; j = (j + 1) % n)
				ring->slot[j].len = 60;
			ring->head = ring->cur = j;
			ioctl(c[i].fd, NIOCTXSYNC, NULL);
			break;
		}
		case 1: {
			struct pollfd p = { .fd = c[i].fd, .events = chance(50) ? POLLIN : POLLOUT };

			poll(&p, 1, (int)rnd(300));	/* blocks: the parent may kill us here */
			break;
		}
		case 2:
			ring = c[i].rx;
			ioctl(c[i].fd, NIOCRXSYNC, NULL);
			if (ring && ring->tail < ring->num_slots)
				ring->head = ring->cur = ring->tail;
			break;
		case 3:
			ring = chance(50) ? c[i].tx : c[i].rx;
			if (ring) {
				ring->head = rnd_u32() % (ring->num_slots + 2);
				ioctl(c[i].fd, ring == c[i].tx ? NIOCTXSYNC : NIOCRXSYNC, NULL);
			}
			break;
		case 4:
			if (chance(30)) {
				munmap(c[i].mem, c[i].ms);
				close(c[i].fd);
				c[i].mem = NULL;
				c[i].fd = -1;
			}
			break;
		default:
			ioctl(c[i].fd, NIOCTXSYNC, NULL);
			ioctl(c[i].fd, NIOCRXSYNC, NULL);
		}
	}
}

static void kpeer_close(void)
{
	if (kpeer.fd < 0)
		return;
	if (kpeer.mem)
		count(K_MUNMAP, munmap(kpeer.mem, kpeer.memsize) ? errno : 0);
	count(K_CLOSE, close(kpeer.fd) ? errno : 0);
	kpeer.fd = -1;
	kpeer.mem = NULL;
	kpeer.tx = kpeer.rx = NULL;
}

static void kpeer_open(void)
{
	struct nmreq_register *r;
	struct netmap_if *nifp;
	struct ctrl c;
	uint32_t ntx;

	kpeer.fd = open(DEV, O_RDWR);
	count(K_OPEN, kpeer.fd < 0 ? errno : 0);
	if (kpeer.fd < 0)
		return;
	ctrl_init(&c, NETMAP_REQ_REGISTER, "k{9", sizeof(*r));
	r = c.body;
	r->nr_mode = NR_REG_ALL_NIC;
	r->nr_tx_slots = r->nr_rx_slots = 64;
	if (ctrl_call(kpeer.fd, &c))
		return;
	kpeer.mem = mmap(NULL, r->nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, kpeer.fd, 0);
	count(K_MMAP, kpeer.mem == MAP_FAILED ? errno : 0);
	if (kpeer.mem == MAP_FAILED) {
		kpeer.mem = NULL;
		return;
	}
	kpeer.memsize = r->nr_memsize;
	/* bind_file() checks layouts; here just stay inside the mapping */
	if (r->nr_offset + sizeof(*nifp) + 4 * sizeof(ssize_t) > r->nr_memsize)
		return;
	nifp = NETMAP_IF(kpeer.mem, r->nr_offset);
	ntx = nifp->ni_tx_rings + nifp->ni_host_tx_rings;
	if (ntx != 2 || nifp->ni_rx_rings != 1)
		return;
	if (nifp->ring_ofs[0] > 0 &&
	    r->nr_offset + (uint64_t)nifp->ring_ofs[0] + sizeof(struct netmap_ring) +
	    16ULL * r->nr_tx_slots <= r->nr_memsize)
		kpeer.tx = NETMAP_TXRING(nifp, 0);
	if (nifp->ring_ofs[ntx] > 0 &&
	    r->nr_offset + (uint64_t)nifp->ring_ofs[ntx] + sizeof(struct netmap_ring) +
	    16ULL * r->nr_rx_slots <= r->nr_memsize)
		kpeer.rx = NETMAP_RXRING(nifp, 0);
}

/* Three calls on "k{9", whatever the child is doing. */
static void kpeer_tick(void)
{
	struct pollfd p;
	int rc;

	if (kpeer.fd < 0)
		return;
	if (kpeer.tx) {
		uint32_t n = kpeer.tx->num_slots, tail = kpeer.tx->tail, j = kpeer.tx->cur;

		if (j < n && tail < n) {
			for (; j != tail; j = (j + 1) % n)
				kpeer.tx->slot[j].len = 60;
			kpeer.tx->head = kpeer.tx->cur = j;
		}
	}
	if (kpeer.rx && kpeer.rx->tail < kpeer.rx->num_slots)
		kpeer.rx->head = kpeer.rx->cur = kpeer.rx->tail;
	rc = ioctl(kpeer.fd, NIOCTXSYNC, NULL);
	count(K_TXSYNC, rc ? errno : 0);
	rc = ioctl(kpeer.fd, NIOCRXSYNC, NULL);
	count(K_RXSYNC, rc ? errno : 0);
	p = (struct pollfd){ .fd = kpeer.fd, .events = POLLIN | POLLOUT };
	rc = poll(&p, 1, 0);
	count(K_POLL, rc < 0 ? errno : 0);
}

static void kill_child(void)
{
	int st;

	if (!child_active)
		return;
	if (child_pid > 0) {
		kill(child_pid, SIGKILL);
		waitpid(child_pid, &st, 0);
		xs.kills++;
	}
	child_pid = -1;
	child_active = false;
	kpeer_close();
}

static void op_fork(void)
{
	int p[2], ops = (int)rnd(200);
	char ch;
	uint64_t cseed = rnd64();
	pid_t pid;

	if (child_active)
		return;
	if (pipe(p))
		return;
	kpeer_open();
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		kpeer_close();
		return;
	}
	if (pid == 0) {
		close(p[0]);
		rng_state = cseed;
		trace_from = UINT64_MAX;
		child_main(p[1]);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &ch, 1) != 1) {
		/* it died early */
	}
	close(p[0]);
	child_pid = pid;
	child_active = true;
	child_ops_left = ops;
	xs.forks++;
	trace("fork child %d, kill after %d ops", pid, child_ops_left);
}

static void child_tick(void)
{
	int st;

	if (!child_active)
		return;
	kpeer_tick();
	if (--child_ops_left <= 0) {
		kill_child();
		return;
	}
	/* it may have ended by itself (3 s); reap it but keep the schedule */
	if (child_pid > 0 && waitpid(child_pid, &st, WNOHANG) == child_pid)
		child_pid = -1;
}

/* ------------------------------------------------------------------------
 * Exit: undo persistent VALE objects, close everything.
 */
static void cleanup_vale(void)
{
	int i, fd = open(DEV, O_RDWR);

	if (fd < 0)
		return;
	for (i = nvale_undo - 1; i >= 0; i--) {
		struct ctrl c;
		size_t bl = body_size(vale_undo[i].reqtype);

		ctrl_init(&c, vale_undo[i].reqtype, vale_undo[i].name, bl);
		printf("nm_fuzz: undo: reqtype %u \"%s\": %s\n", vale_undo[i].reqtype,
		       vale_undo[i].name, errname(ctrl_call(fd, &c)));
	}
	nvale_undo = 0;
	close(fd);
}

static void close_all(void)
{
	int i;

	kill_child();
	for (i = 0; i < NPOOL; i++)
		pool_close(i, false);
	for (i = 0; i < MAXMAPS; i++)
		xmap_drop(i);
	cleanup_vale();
}

/* ------------------------------------------------------------------------
 * --selftest: one packet over a pipe, as netmap(4)'s examples do it.
 */
static int selftest(void)
{
	struct nmreq_header h;
	struct nmreq_register r[2];
	struct netmap_if *nifp[2];
	struct netmap_ring *tx, *rx;
	char *mem[2];
	int fd[2], i;
	const char msg[] = "netmap still works after the fuzzer";

	for (i = 0; i < 2; i++) {
		fd[i] = open(DEV, O_RDWR);
		if (fd[i] < 0) {
			printf("selftest: open %s: %s\n", DEV, strerror(errno));
			return 1;
		}
		memset(&h, 0, sizeof(h));
		memset(&r[i], 0, sizeof(r[i]));
		h.nr_version = NETMAP_API;
		h.nr_reqtype = NETMAP_REQ_REGISTER;
		snprintf(h.nr_name, sizeof(h.nr_name), "nmselftest%c0", i ? '}' : '{');
		h.nr_body = (uint64_t)(uintptr_t)&r[i];
		r[i].nr_mode = NR_REG_ALL_NIC;
		if (ioctl(fd[i], NIOCCTRL, &h)) {
			printf("selftest: REGISTER %s: %s\n", h.nr_name, strerror(errno));
			return 1;
		}
		mem[i] = mmap(NULL, r[i].nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd[i], 0);
		if (mem[i] == MAP_FAILED) {
			printf("selftest: mmap %s: %s\n", h.nr_name, strerror(errno));
			return 1;
		}
		nifp[i] = NETMAP_IF(mem[i], r[i].nr_offset);
	}
	tx = NETMAP_TXRING(nifp[0], 0);
	rx = NETMAP_RXRING(nifp[1], 0);
	if (nm_ring_empty(tx)) {
		printf("selftest: no room in a new tx ring\n");
		return 1;
	}
	memcpy(NETMAP_BUF(tx, tx->slot[tx->cur].buf_idx), msg, sizeof(msg));
	tx->slot[tx->cur].len = sizeof(msg);
	tx->head = tx->cur = nm_ring_next(tx, tx->cur);
	if (ioctl(fd[0], NIOCTXSYNC, NULL) || ioctl(fd[1], NIOCRXSYNC, NULL)) {
		printf("selftest: sync: %s\n", strerror(errno));
		return 1;
	}
	if (nm_ring_empty(rx) || rx->slot[rx->cur].len != sizeof(msg) ||
	    memcmp(NETMAP_BUF(rx, rx->slot[rx->cur].buf_idx), msg, sizeof(msg))) {
		printf("selftest: the packet did not arrive intact\n");
		return 1;
	}
	printf("selftest: ok, one packet over nmselftest{0 -> }0\n");
	for (i = 0; i < 2; i++) {
		munmap(mem[i], r[i].nr_memsize);
		close(fd[i]);
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Main loop.
 */
static volatile sig_atomic_t stall_ticks;
static volatile uint64_t last_calls_seen;

static void on_alarm(int sig)
{
	char buf[96];
	int len;

	(void)sig;
	if (calls != last_calls_seen) {
		last_calls_seen = calls;
		stall_ticks = 0;
		return;
	}
	if (++stall_ticks == 30) {
		len = snprintf(buf, sizeof(buf), "nm_fuzz: no progress for 30 s at call %" PRIu64
			       " (seed %" PRIu64 ")\n", calls, seed);
		if (write(1, buf, (size_t)len) < 0)
			_exit(3);
	}
}


/* ------------------------------------------------------------------------
 * NICs on a switch (--nic): two threads race on attach, detach, polling,
 * REGISTER, counters and traffic of IF0 (switch valen0) and IF1 (valen1).
 * Each thread has its own generator, seeded from ours, and its own
 * counters, merged after the join: the main sequence stays reproducible.
 */
#define RACE_OPS	12

struct race {
	pthread_t tid;
	uint64_t rng;
	unsigned int id;
	uint32_t st[16][NERR];	/* per reqtype and errno, as stats[] */
	uint64_t txsyncs, attached, polled, frames;
};

static uint32_t race_rnd(struct race *r, uint32_t n)
{
	/* xorshift64*, private to the thread */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return (uint32_t)((r->rng * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

/* One NIOCCTRL on a fresh fd (or @fd if >= 0); errno or 0. */
static int race_ctrl(struct race *r, int fd, uint16_t type, const char *name, void *body,
		     uint64_t options)
{
	struct nmreq_header h;
	int own = fd < 0, err;

	if (own && (fd = open(DEV, O_RDWR)) < 0)
		return errno;
	memset(&h, 0, sizeof(h));
	h.nr_version = NETMAP_API;
	h.nr_reqtype = type;
	snprintf(h.nr_name, sizeof(h.nr_name), "%s", name);
	h.nr_body = (uint64_t)(uintptr_t)body;
	h.nr_options = options;
	err = ioctl(fd, NIOCCTRL, &h) ? errno : 0;
	if (own)
		close(fd);
	r->st[type & 15][err < NERR ? err : NERR - 1]++;
	return err;
}

/* Broadcast frames from an ephemeral port of valen0: they go out IF0. */
static void race_send(struct race *r)
{
	struct nmreq_register reg;
	struct nmreq_header h;
	struct netmap_ring *tx;
	char name[32];
	void *mem;
	int fd, err;
	unsigned int i, n = 1 + race_rnd(r, 16);

	fd = open(DEV, O_RDWR);
	if (fd < 0)
		return;
	memset(&h, 0, sizeof(h));
	memset(&reg, 0, sizeof(reg));
	h.nr_version = NETMAP_API;
	h.nr_reqtype = NETMAP_REQ_REGISTER;
	snprintf(name, sizeof(name), "valen0:r%u", r->id);
	snprintf(h.nr_name, sizeof(h.nr_name), "%s", name);
	h.nr_body = (uint64_t)(uintptr_t)&reg;
	reg.nr_mode = NR_REG_ALL_NIC;
	reg.nr_tx_slots = reg.nr_rx_slots = 64;
	err = ioctl(fd, NIOCCTRL, &h) ? errno : 0;
	r->st[NETMAP_REQ_REGISTER][err < NERR ? err : NERR - 1]++;
	if (err) {
		close(fd);
		return;
	}
	mem = mmap(NULL, reg.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		close(fd);
		return;
	}
	tx = NETMAP_TXRING(NETMAP_IF(mem, reg.nr_offset), 0);
	for (i = 0; i < n && !nm_ring_empty(tx); i++) {
		struct netmap_slot *sl = &tx->slot[tx->cur];
		unsigned char *b = (unsigned char *)NETMAP_BUF(tx, sl->buf_idx);

		memset(b, 0xff, 6);				/* broadcast */
		memcpy(b + 6, "\x02\x00\x00\x00\x00", 5);
		b[11] = (unsigned char)(0x10 + r->id);
		b[12] = 0x88;					/* local experimental type */
		b[13] = 0xb5;
		memset(b + 14, (int)i, 46);
		sl->len = race_rnd(r, 10) == 0 ? (uint16_t)(1500 + race_rnd(r, 600)) : 60;
		sl->flags = 0;
		tx->head = tx->cur = nm_ring_next(tx, tx->cur);
		r->frames++;
	}
	if (ioctl(fd, NIOCTXSYNC, NULL) == 0)
		r->txsyncs++;
	munmap(mem, reg.nr_memsize);
	close(fd);
}

static void *race_main(void *arg)
{
	struct race *r = arg;
	unsigned int k;

	for (k = 0; k < RACE_OPS; k++) {
		const unsigned int i = race_rnd(r, 2);
		char sw[32], port[48];
		int err;

		snprintf(sw, sizeof(sw), "valen%u:%s", i, nic_names[i]);
		switch (race_rnd(r, 10)) {
		case 0:
		case 1: {
			struct nmreq_vale_attach a;

			memset(&a, 0, sizeof(a));
			a.reg.nr_mode = race_rnd(r, 2) ? NR_REG_NIC_SW : NR_REG_ALL_NIC;
			if (race_ctrl(r, -1, NETMAP_REQ_VALE_ATTACH, sw, &a, 0) == 0)
				r->attached++;
			break;
		}
		case 2: {
			struct nmreq_vale_detach d;

			memset(&d, 0, sizeof(d));
			race_ctrl(r, -1, NETMAP_REQ_VALE_DETACH, sw, &d, 0);
			break;
		}
		case 3: {
			struct nmreq_vale_polling p;

			memset(&p, 0, sizeof(p));
			p.nr_mode = race_rnd(r, 4) ? 1 + race_rnd(r, 2) : race_rnd(r, 8);
			p.nr_first_cpu_id = race_rnd(r, 4) ? 0 : race_rnd(r, 3);
			p.nr_num_polling_cpus = race_rnd(r, 4) ? 1 : race_rnd(r, 3);
			if (race_ctrl(r, -1, NETMAP_REQ_VALE_POLLING_ENABLE,
				      race_rnd(r, 8) ? sw : nic_names[i], &p, 0) == 0)
				r->polled++;
			break;
		}
		case 4: {
			struct nmreq_vale_polling p;

			memset(&p, 0, sizeof(p));
			race_ctrl(r, -1, NETMAP_REQ_VALE_POLLING_DISABLE, sw, &p, 0);
			break;
		}
		case 5: {
			/* REGISTER of the NIC or of its switch ports: EBUSY while attached. */
			struct nmreq_register reg;
			int fd = open(DEV, O_RDWR);

			if (fd < 0)
				break;
			memset(&reg, 0, sizeof(reg));
			reg.nr_mode = race_rnd(r, 3) ? NR_REG_ALL_NIC : NR_REG_NIC_SW;
			switch (race_rnd(r, 3)) {
			case 0:
				snprintf(port, sizeof(port), "%s", nic_names[i]);
				break;
			case 1:
				snprintf(port, sizeof(port), "%s", sw);
				break;
			default:
				snprintf(port, sizeof(port), "%s^", sw);
			}
			err = race_ctrl(r, fd, NETMAP_REQ_REGISTER, port, &reg, 0);
			if (!err && race_rnd(r, 2)) {
				ioctl(fd, NIOCRXSYNC, NULL);
				usleep(race_rnd(r, 2000));
			}
			close(fd);
			break;
		}
		case 6: {
			struct nmreq_opt_port_stats st;
			struct nmreq_vale_list l;

			memset(&st, 0, sizeof(st));
			memset(&l, 0, sizeof(l));
			st.nro_opt.nro_reqtype = NETMAP_REQ_OPT_PORT_STATS;
			snprintf(port, sizeof(port), race_rnd(r, 2) ? "%s" : "%s^", sw);
			race_ctrl(r, -1, NETMAP_REQ_VALE_LIST, port, &l, (uintptr_t)&st);
			break;
		}
		case 7: {
			struct nmreq_port_info_get info;

			memset(&info, 0, sizeof(info));
			race_ctrl(r, -1, NETMAP_REQ_PORT_INFO_GET, race_rnd(r, 2) ? sw : nic_names[i],
				  &info, 0);
			break;
		}
		default:
			race_send(r);
		}
	}
	return NULL;
}

/* Detach both NICs (polling off first); afterwards neither may be attached. */
static void race_cleanup(void)
{
	struct race r;
	unsigned int i, k;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < 2; i++) {
		struct nmreq_vale_polling p;
		struct nmreq_vale_detach d;
		char sw[32];

		snprintf(sw, sizeof(sw), "valen%u:%s", i, nic_names[i]);
		memset(&p, 0, sizeof(p));
		memset(&d, 0, sizeof(d));
		race_ctrl(&r, -1, NETMAP_REQ_VALE_POLLING_DISABLE, sw, &p, 0);
		race_ctrl(&r, -1, NETMAP_REQ_VALE_DETACH, sw, &d, 0);
		if (race_ctrl(&r, -1, NETMAP_REQ_VALE_DETACH, sw, &d, 0) != ENXIO)
			violation("%s still attached after POLLING_DISABLE and DETACH", sw);
	}
	for (k = 0; k < 16; k++)
		for (i = 0; i < NERR; i++)
			while (r.st[k][i]--)
				count((enum kind)(K_CTRL + k), (int)i);
}

static void op_nic_race(void)
{
	struct race r[2];
	unsigned int i, k, e;

	memset(r, 0, sizeof(r));
	for (i = 0; i < 2; i++) {
		r[i].rng = rnd64() | 1;
		r[i].id = i;
	}
	trace("nic race");
	for (i = 0; i < 2; i++)
		if (pthread_create(&r[i].tid, NULL, race_main, &r[i]))
			r[i].tid = 0;
	for (i = 0; i < 2; i++) {
		if (!r[i].tid)
			continue;
		pthread_join(r[i].tid, NULL);
		for (k = 0; k < 16; k++)
			for (e = 0; e < NERR; e++)
				while (r[i].st[k][e]--)
					count((enum kind)(K_CTRL + k), (int)e);
		calls += r[i].txsyncs;
		xs.nic_attached += r[i].attached;
		xs.nic_polled += r[i].polled;
		xs.nic_frames += r[i].frames;
	}
	xs.nic_races++;
	race_cleanup();
}


/* ------------------------------------------------------------------------
 * --unpriv (issue 12): the fuzzer as an application netmapd handed port fds
 * to. Root binds valeU:a, pipe end u{0 and (with --nic) netmap:IF0, keeps
 * valeU:b and u}0, and builds what an attacker would like to change: the
 * persistent port nmfu0 on valeU, IF1 on switch valeUn with a polling
 * thread. Two children get the three fds over a unix socket (SCM_RIGHTS),
 * close everything else and drop to uid 65534 with no capabilities; the
 * second also becomes root of a user + network namespace of its own (when
 * the system allows it). Each fuzzes NIOCCTRL (mostly the topology
 * requests, also REGISTER and the info requests, with random names,
 * bodies, options), legacy NIOCREGIF/NIOCGINFO, random ioctls, syncs,
 * poll and mmap on the handed fds. A topology request or a rebind that
 * succeeds is a violation, and so is any other answer than EPERM (EBUSY
 * for a rebind) to a well-formed one. Afterwards root's view (VALE_LIST,
 * /sys/class/net, nm-poll threads) must be what it was, and the handed
 * ports must move exactly the bytes sent, both ways.
 */
#define U_NAMES		18

enum { U_VALE, U_PIPE, U_NIC, U_N };

struct uport {
	int fd;
	void *mem;
	uint64_t memsize;
	struct netmap_if *nifp;
};

static int u_nfds;			/* handed fds: 2, or 3 with a NIC */
static char u_names[U_NAMES][NETMAP_REQ_IFNAMSIZ];

/* NIOCCTRL @type with a zeroed (or given) body on a fresh fd, as root. */
static int u_root_ctrl(uint16_t type, const char *name, void *body)
{
	struct nmreq_vale_polling poll_body = { .nr_mode = NETMAP_POLLING_MODE_SINGLE_CPU,
						.nr_num_polling_cpus = 1 };
	struct nmreq_vale_attach attach_body = { .reg.nr_mode = NR_REG_ALL_NIC };
	struct nmreq_vale_detach detach_body;
	struct nmreq_vale_newif newif_body;
	struct nmreq_header h;
	int fd = open(DEV, O_RDWR), err;

	memset(&detach_body, 0, sizeof(detach_body));
	memset(&newif_body, 0, sizeof(newif_body));
	if (!body)
		body = type == NETMAP_REQ_VALE_POLLING_ENABLE ? (void *)&poll_body :
		       type == NETMAP_REQ_VALE_ATTACH ? (void *)&attach_body :
		       type == NETMAP_REQ_VALE_DETACH ? (void *)&detach_body :
		       type == NETMAP_REQ_VALE_NEWIF ? (void *)&newif_body :
		       type == NETMAP_REQ_VALE_POLLING_DISABLE ? (void *)&poll_body : NULL;
	memset(&h, 0, sizeof(h));
	h.nr_version = NETMAP_API;
	h.nr_reqtype = type;
	snprintf(h.nr_name, sizeof(h.nr_name), "%s", name);
	h.nr_body = (uint64_t)(uintptr_t)body;
	if (fd < 0)
		return errno;
	err = ioctl(fd, NIOCCTRL, &h) ? errno : 0;
	close(fd);
	return err;
}

static int u_open(struct uport *p, const char *name)
{
	struct nmreq_register r;
	struct nmreq_header h;

	memset(p, 0, sizeof(*p));
	memset(&r, 0, sizeof(r));
	memset(&h, 0, sizeof(h));
	r.nr_mode = NR_REG_ALL_NIC;
	h.nr_version = NETMAP_API;
	h.nr_reqtype = NETMAP_REQ_REGISTER;
	snprintf(h.nr_name, sizeof(h.nr_name), "%s", name);
	h.nr_body = (uint64_t)(uintptr_t)&r;
	p->fd = open(DEV, O_RDWR);
	if (p->fd < 0 || ioctl(p->fd, NIOCCTRL, &h))
		return errno;
	p->memsize = r.nr_memsize;
	p->mem = mmap(NULL, r.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->mem == MAP_FAILED)
		return errno;
	p->nifp = NETMAP_IF(p->mem, r.nr_offset);
	return 0;
}

static void u_cleanup(void)
{
	char n[NETMAP_REQ_IFNAMSIZ];

	if (have_nics) {
		snprintf(n, sizeof(n), "valeUn:%s", nic_names[1]);
		u_root_ctrl(NETMAP_REQ_VALE_POLLING_DISABLE, n, NULL);
		u_root_ctrl(NETMAP_REQ_VALE_DETACH, n, NULL);
	}
	u_root_ctrl(NETMAP_REQ_VALE_DETACH, "valeU:nmfu0", NULL);
	u_root_ctrl(NETMAP_REQ_VALE_DELIF, "nmfu0", NULL);
}

/* VALE_LIST, interfaces and polling threads, as one string. */
static void u_snapshot(char *out, size_t len)
{
	struct nmreq_vale_list l;
	struct dirent *e;
	size_t o = 0;
	DIR *d;
	int fd = open(DEV, O_RDWR);

	out[0] = '\0';
	memset(&l, 0, sizeof(l));
	for (;;) {
		struct nmreq_header h;

		memset(&h, 0, sizeof(h));
		h.nr_version = NETMAP_API;
		h.nr_reqtype = NETMAP_REQ_VALE_LIST;
		h.nr_body = (uint64_t)(uintptr_t)&l;
		if (fd < 0 || ioctl(fd, NIOCCTRL, &h) || o >= len)
			break;
		o += (size_t)snprintf(out + o, len - o, "vale %s\n", h.nr_name);
		l.nr_port_idx++;
	}
	if (fd >= 0)
		close(fd);
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

			snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
			if (e->d_name[0] < '1' || e->d_name[0] > '9' || !(f = fopen(path, "r")))
				continue;
			if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "nm-poll", 7))
				o += (size_t)snprintf(out + o, len - o, "thread %s %s", e->d_name, comm);
			fclose(f);
		}
		closedir(d);
	}
}


static bool u_priv_type(unsigned int t)
{
	return t == NETMAP_REQ_VALE_ATTACH || t == NETMAP_REQ_VALE_DETACH ||
	       t == NETMAP_REQ_VALE_NEWIF || t == NETMAP_REQ_VALE_DELIF ||
	       t == NETMAP_REQ_VALE_POLLING_ENABLE || t == NETMAP_REQ_VALE_POLLING_DISABLE ||
	       t == NETMAP_REQ_PORT_HDR_SET;
}

static void u_name(char name[NETMAP_REQ_IFNAMSIZ])
{
	if (chance(60))
		snprintf(name, NETMAP_REQ_IFNAMSIZ, "%s", u_names[rnd(U_NAMES)]);
	else
		gen_name(name);
}

/* NIOCCTRL on a handed fd, mostly the requests that need the privilege. */
static void u_op_ctrl(int fd)
{
	static const uint8_t types[] = { 3, 4, 8, 9, 10, 11, 6, 3, 4, 8, 9, 10, 11,
					 1, 1, 2, 2, 5, 12, 7, 13, 14, 15, 0 };
	unsigned int t = types[rnd(sizeof(types))];
	size_t bl = body_size(t);
	bool wellformed;
	struct ctrl c;
	char name[NETMAP_REQ_IFNAMSIZ];
	int err;

	u_name(name);
	ctrl_init(&c, (uint16_t)t, name, bl);
	if (bl && chance(40))
		fill_random(c.body, bl);
	else if (t == NETMAP_REQ_VALE_ATTACH)
		((struct nmreq_vale_attach *)c.body)->reg.nr_mode = chance(50) ? NR_REG_ALL_NIC : NR_REG_NIC_SW;
	else if (t == NETMAP_REQ_VALE_POLLING_ENABLE)
		((struct nmreq_vale_polling *)c.body)->nr_num_polling_cpus = 1;
	else if (t == NETMAP_REQ_REGISTER)
		gen_register(c.body, chance(50));
	if (chance(5)) {
		c.body_ptr = chance(50) ? 0 : bad_pointer(bl ? bl : 8);
		c.hdr->nr_body = c.body_ptr;
	}
	if (chance(5))
		c.hdr->nr_version = (uint16_t)rnd_u32();
	if (chance(3))
		c.hdr->nr_reserved = c.reserved_in = rnd_u32();
	c.opt_ptr = gen_options(&c.oc, (uint64_t)(uintptr_t)c.hdr);
	c.hdr->nr_options = c.opt_ptr;
	wellformed = c.hdr->nr_version == NETMAP_API && !c.reserved_in && !c.opt_ptr &&
		     c.body_ptr == (bl ? (uint64_t)(uintptr_t)c.body : 0);
	trace("unpriv CTRL fd%d type %u \"%.64s\" body %#" PRIx64 " opts %#" PRIx64 "%s", fd, t,
	      c.hdr->nr_name, c.body_ptr, c.opt_ptr, wellformed ? "" : " (malformed)");
	err = ctrl_call(fd, &c);
	if (u_priv_type(t) && (err == 0 || (wellformed && err != EPERM)))
		violation("uid %d: NIOCCTRL type %u \"%.64s\" gave %s, want EPERM", (int)geteuid(), t,
			  name, errname(err));
	if (t == NETMAP_REQ_REGISTER && (err == 0 || (wellformed && err != EBUSY)))
		violation("uid %d: REGISTER \"%.64s\" on a bound fd gave %s, want EBUSY",
			  (int)geteuid(), name, errname(err));
}

/* Legacy NIOCREGIF (mostly topology nr_cmd) and NIOCGINFO on a handed fd. */
static void u_op_legacy(int fd)
{
	static const uint8_t cmds[] = { 1, 2, 6, 7, 10, 11, 5, 1, 2, 6, 7, 10, 11, 0, 0, 4, 3, 8, 9, 12 };
	struct nmreq r;
	bool regif = chance(80), priv;
	char name[NETMAP_REQ_IFNAMSIZ];
	int err;

	memset(&r, 0, sizeof(r));
	u_name(name);
	memcpy(r.nr_name, name, sizeof(r.nr_name));
	r.nr_version = chance(92) ? NETMAP_API : rnd_u32();
	r.nr_cmd = chance(90) ? cmds[rnd(sizeof(cmds))] : (uint16_t)rnd_u32();
	r.nr_flags = chance(50) ? NR_REG_ALL_NIC : rnd_u32();
	r.nr_ringid = (uint16_t)rnd(4);
	r.nr_arg1 = (uint16_t)(chance(50) ? 1 : rnd_u32());
	r.nr_arg2 = (uint16_t)rnd(4);
	priv = regif && (r.nr_cmd == NETMAP_BDG_ATTACH || r.nr_cmd == NETMAP_BDG_DETACH ||
			 r.nr_cmd == NETMAP_BDG_NEWIF || r.nr_cmd == NETMAP_BDG_DELIF ||
			 r.nr_cmd == NETMAP_BDG_POLLING_ON || r.nr_cmd == NETMAP_BDG_POLLING_OFF ||
			 r.nr_cmd == NETMAP_BDG_VNET_HDR);
	trace("unpriv %s fd%d cmd %u \"%.16s\"", regif ? "NIOCREGIF" : "NIOCGINFO", fd, r.nr_cmd,
	      r.nr_name);
	err = ioctl(fd, regif ? NIOCREGIF : NIOCGINFO, &r) ? errno : 0;
	count(regif ? K_REGIF : K_GINFO, err);
	trace_ret("  -> %s", errname(err));
	if (priv && (err == 0 || (r.nr_version >= NETMAP_MIN_API && err != EPERM)))
		violation("uid %d: NIOCREGIF nr_cmd %u \"%.16s\" gave %s, want EPERM", (int)geteuid(),
			  r.nr_cmd, name, errname(err));
	if (regif && r.nr_cmd == 0 && (err == 0 || (r.nr_version >= NETMAP_MIN_API && err != EBUSY)))
		violation("uid %d: NIOCREGIF (rebind) \"%.16s\" gave %s, want EBUSY", (int)geteuid(),
			  name, errname(err));
}

/* Syncs and poll on untouched rings succeed; mmap maps the region and no more. */
static void u_op_io(int fd, const struct uport *p)
{
	uint32_t how = rnd(100);
	int err;

	if (how < 50) {
		bool tx = chance(50);

		err = ioctl(fd, tx ? NIOCTXSYNC : NIOCRXSYNC, NULL) ? errno : 0;
		count(tx ? K_TXSYNC : K_RXSYNC, err);
		if (err)
			violation("uid %d: %s on a handed fd failed: %s", (int)geteuid(),
				  tx ? "NIOCTXSYNC" : "NIOCRXSYNC", errname(err));
	} else if (how < 70) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
		int rc = poll(&pfd, 1, 0);

		count(K_POLL, rc < 0 ? errno : 0);
		if (rc < 0 || (pfd.revents & (POLLERR | POLLNVAL)))
			violation("uid %d: poll on a handed fd: rc %d revents %#x", (int)geteuid(), rc,
				  pfd.revents);
	} else {
		uint64_t pages = p->memsize / (uint64_t)pagesz;
		uint64_t off = chance(70) ? rnd((uint32_t)pages) : rnd((uint32_t)pages + 64);
		uint64_t n = 1 + (chance(70) ? rnd((uint32_t)(pages - (off < pages ? off : 0))) :
				  rnd((uint32_t)pages + 64));
		void *m = mmap(NULL, n * (uint64_t)pagesz, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			       (off_t)(off * (uint64_t)pagesz));
		bool inside = off + n <= pages;

		count(K_MMAP, m == MAP_FAILED ? errno : 0);
		if ((m != MAP_FAILED) != inside)
			violation("uid %d: mmap of pages %" PRIu64 "+%" PRIu64 " of %" PRIu64 " %s",
				  (int)geteuid(), off, n, pages, inside ? "failed" : "succeeded");
		if (m != MAP_FAILED)
			munmap(m, n * (uint64_t)pagesz);
	}
}

static void u_op_randioctl(int fd)
{
	unsigned long cmd = _IOC(rnd(4), 'i', chance(70) ? 140 + rnd(20) : rnd(256), rnd(300));
	int err;

	if (cmd == NIOCCTRL || cmd == NIOCREGIF || cmd == NIOCGINFO)
		return;	/* the real ones are u_op_ctrl's and u_op_legacy's */
	fill_random(arena + BODY_OFF, 512);
	err = ioctl(fd, cmd, arena + BODY_OFF) ? errno : 0;
	count(K_RANDIOCTL, err);
}


/* A child: receive the fds, drop privileges, fuzz. Exit 0, 1 (violation), 4 (no userns). */
static int u_child(int sock, bool userns, const struct uport *ports, uint64_t max_calls,
		   double max_secs)
{
	int fds[U_N], fd, n;
	char why[160];

	keep_going = false;
	for (fd = 3; fd < 1024; fd++)
		if (fd != sock)
			close(fd);
	n = drop_recv_fds(sock, fds, U_N);
	if (n != u_nfds) {
		printf("nm_fuzz: unpriv: received %d fds, want %d\n", n, u_nfds);
		return 1;
	}
	if (drop_privileges(why, sizeof(why))) {
		printf("nm_fuzz: unpriv: %s\n", why);
		return 1;
	}
	if (userns && (n = drop_userns(why, sizeof(why)))) {
		printf("nm_fuzz: unpriv: %s\n", n > 0 ? strerror(n) : why);
		return n > 0 ? 4 : 1;
	}
	printf("nm_fuzz: unpriv: child uid %d, no capabilities%s, %d handed fds\n", (int)geteuid(),
	       userns ? " (but CAP_NET_ADMIN in a user+net namespace of its own)" : "", u_nfds);
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	calls = 0;
	while (calls < max_calls && ((calls & 63) || elapsed() < max_secs)) {
		int i = (int)rnd((uint32_t)u_nfds);
		uint32_t op = rnd(100);

		if (op < 45)
			u_op_ctrl(fds[i]);
		else if (op < 70)
			u_op_legacy(fds[i]);
		else if (op < 80)
			u_op_randioctl(fds[i]);
		else
			u_op_io(fds[i], &ports[i]);
	}
	print_stats(elapsed());
	return nviolations ? 1 : 0;
}

/* @n frames of random lengths from @tx to @rx; exactly those bytes must arrive. */
static bool u_xfer(const struct uport *tx, const struct uport *rx, uint32_t n, uint8_t src,
		   const char *what)
{
	struct netmap_ring *t = NETMAP_TXRING(tx->nifp, 0), *r = NETMAP_RXRING(rx->nifp, 0);
	uint16_t lens[64];
	uint32_t i, got = 0, seqbase = (uint32_t)rnd64();
	unsigned char want[2048];

	ioctl(rx->fd, NIOCRXSYNC, NULL);
	r->head = r->cur = r->tail;	/* forget whatever came before */
	ioctl(rx->fd, NIOCRXSYNC, NULL);
	for (i = 0; i < n && i < 64 && !nm_ring_empty(t); i++) {
		struct netmap_slot *sl = &t->slot[t->cur];

		lens[i] = (uint16_t)(60 + rnd(1514 - 60 + 1));
		vale_frame((unsigned char *)NETMAP_BUF(t, sl->buf_idx), lens[i], seqbase + i, src);
		sl->len = lens[i];
		sl->flags = 0;
		t->head = t->cur = nm_ring_next(t, t->cur);
	}
	if (i != n || ioctl(tx->fd, NIOCTXSYNC, NULL) || ioctl(rx->fd, NIOCRXSYNC, NULL)) {
		violation("unpriv: %s: could not send %u frames (%u) or sync: %s", what, n, i,
			  errname(errno));
		return false;
	}
	for (; !nm_ring_empty(r); r->head = r->cur = nm_ring_next(r, r->cur)) {
		struct netmap_slot *sl = &r->slot[r->cur];

		if (got < n)
			vale_frame(want, lens[got], seqbase + got, src);
		if (got >= n || sl->len != lens[got] ||
		    memcmp(NETMAP_BUF(r, sl->buf_idx), want, lens[got]))
			violation("unpriv: %s: frame %u of %u is not what was sent (len %u)", what,
				  got, n, sl->len);
		got++;
	}
	ioctl(rx->fd, NIOCRXSYNC, NULL);
	if (got != n)
		violation("unpriv: %s: %u of %u frames arrived", what, got, n);
	return got == n;
}

/* Root's side: the topology, the children, the checks. Exit status of nm_fuzz. */
static int unpriv_main(uint64_t max_calls, double max_secs)
{
	static char before[16384], after[16384];
	struct uport ports[U_N], keep[2];
	char n1[NETMAP_REQ_IFNAMSIZ];
	int round, err;

	const char *fixed[U_NAMES] = { "valeU:a", "valeU:b", "valeU:nmfu0", "nmfu0", "u{0", "u}0",
				       "u{1", "valeU:c", "valeU:c{1", "z{1", "nmfu1", "valeU:",
				       "valeUn:", "valeW:", "", "", "", "" };

	/* Waiting for a child is no stall of ours (the VM test has a timeout). */
	setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 0 } }, NULL);
	for (int i = 0; i < U_NAMES; i++)
		snprintf(u_names[i], sizeof(u_names[i]), "%s", fixed[i]);
	if (have_nics) {
		snprintf(u_names[12], sizeof(u_names[12]), "valeUn:%s", nic_names[1]);
		snprintf(u_names[13], sizeof(u_names[13]), "valeW:%s", nic_names[0]);
		snprintf(u_names[14], sizeof(u_names[14]), "%s", nic_names[0]);
		snprintf(u_names[15], sizeof(u_names[15]), "%s", nic_names[1]);
		snprintf(u_names[16], sizeof(u_names[16]), "valeU:%s", nic_names[1]);
		snprintf(u_names[17], sizeof(u_names[17]), "%s{1", nic_names[1]);
	}
	u_cleanup();
	err = u_root_ctrl(NETMAP_REQ_VALE_NEWIF, "nmfu0", NULL);
	err = err ? err : u_root_ctrl(NETMAP_REQ_VALE_ATTACH, "valeU:nmfu0", NULL);
	snprintf(n1, sizeof(n1), "valeUn:%s", nic_names[1]);
	if (!err && have_nics)
		err = u_root_ctrl(NETMAP_REQ_VALE_ATTACH, n1, NULL);
	if (!err && have_nics)
		err = u_root_ctrl(NETMAP_REQ_VALE_POLLING_ENABLE, n1, NULL);
	u_nfds = have_nics ? 3 : 2;
	err = err ? err : u_open(&ports[U_VALE], "valeU:a");
	err = err ? err : u_open(&ports[U_PIPE], "u{0");
	err = err || !have_nics ? err : u_open(&ports[U_NIC], nic_names[0]);
	err = err ? err : u_open(&keep[0], "valeU:b");
	err = err ? err : u_open(&keep[1], "u}0");
	if (err) {
		printf("nm_fuzz: unpriv: setting up as root: %s\n", errname(err));
		u_cleanup();
		return 2;
	}
	printf("nm_fuzz: unpriv: seed %" PRIu64 " calls %" PRIu64 " seconds %.0f per child\n", seed,
	       max_calls / 2, max_secs / 2);
	u_snapshot(before, sizeof(before));
	for (round = 0; round < 2; round++) {
		int sv[2], fds[U_N], st = 0;
		pid_t pid;

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			return 2;
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			rng_state = seed + 0x9e3779b97f4a7c15ULL * (uint64_t)(round + 1);
			_exit(u_child(sv[1], round == 1, ports, max_calls / 2, max_secs / 2));
		}
		close(sv[1]);
		for (int i = 0; i < u_nfds; i++)
			fds[i] = ports[i].fd;
		if ((err = drop_send_fds(sv[0], fds, u_nfds)))
			printf("nm_fuzz: unpriv: sending the fds: %s\n", strerror(err));
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		close(sv[0]);
		keep_going = true;	/* report everything, clean up below */
		if (WIFEXITED(st) && WEXITSTATUS(st) == 4)
			printf("nm_fuzz: unpriv: no user namespaces here, second child skipped\n");
		else if (!WIFEXITED(st) || WEXITSTATUS(st))
			violation("unpriv: child %d ended with status %#x", round, st);
		u_snapshot(after, sizeof(after));
		if (strcmp(before, after))
			violation("unpriv: root's view changed:\nbefore:\n%safter:\n%s", before, after);
		u_xfer(&ports[U_VALE], &keep[0], 32, 0xa1, "valeU:a -> valeU:b");
		u_xfer(&keep[0], &ports[U_VALE], 32, 0xb1, "valeU:b -> valeU:a");
		u_xfer(&ports[U_PIPE], &keep[1], 32, 0xa2, "u{0 -> u}0");
		u_xfer(&keep[1], &ports[U_PIPE], 32, 0xb2, "u}0 -> u{0");
	}
	u_cleanup();
	printf("nm_fuzz: unpriv: done: %u violations; topology unchanged: %s\n", nviolations,
	       strcmp(before, after) ? "no" : "yes");
	return nviolations ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: nm_fuzz [--seed N] [--calls N] [--seconds S] [--trace-from N] [--keep-going]\n"
		"               [--dev PATH] [--nic IF0,IF1] [--unpriv]\n"
		"       nm_fuzz --selftest\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t max_calls = 100000, next_progress = 10000;
	double max_secs = 240;
	bool unpriv = false;
	struct sigaction sa;
	struct itimerval it = { { 1, 0 }, { 1, 0 } };
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	{
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		seed = (uint64_t)t.tv_sec ^ ((uint64_t)t.tv_nsec << 20);
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;

		if (!strcmp(a, "--selftest"))
			return selftest();
		if (!strcmp(a, "--keep-going")) {
			keep_going = true;
			continue;
		}
		if (!strcmp(a, "--unpriv")) {
			unpriv = true;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		errno = 0;
		if (!strcmp(a, "--seed"))
			seed = strtoull(argv[++i], &end, 0);
		else if (!strcmp(a, "--calls"))
			max_calls = strtoull(argv[++i], &end, 0);
		else if (!strcmp(a, "--seconds"))
			max_secs = strtod(argv[++i], &end);
		else if (!strcmp(a, "--trace-from"))
			trace_from = strtoull(argv[++i], &end, 0);
		else if (!strcmp(a, "--dev"))
			DEV = end = argv[++i], end += strlen(end);
		else if (!strcmp(a, "--nic")) {
			const char *v = argv[++i], *comma = strchr(v, ',');

			if (!comma || comma == v || comma - v >= 16 || !comma[1] ||
			    strlen(comma + 1) >= 16)
				usage();
			memcpy(nic_names[0], v, (size_t)(comma - v));
			strcpy(nic_names[1], comma + 1);
			have_nics = true;
			end = (char *)comma + 1 + strlen(comma + 1);
		}
		else
			usage();
		if (errno || *end)
			usage();
	}
	rng_state = seed;
	pagesz = sysconf(_SC_PAGESIZE);
	arena_len = (size_t)ARENA_PAGES * (size_t)pagesz;
	arena = mmap(NULL, arena_len + (size_t)pagesz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED || mprotect(arena + arena_len, (size_t)pagesz, PROT_NONE)) {
		perror("nm_fuzz: arena");
		return 2;
	}
	guard = arena + arena_len;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < NPOOL; i++)
		pool[i] = -1;
	for (i = 0; i < MAXMAPS; i++)
		xmaps[i].file = -1;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		perror("nm_fuzz: epoll_create1");
		return 2;
	}
	{
		int fd = open(DEV, O_RDWR);

		if (fd < 0) {
			printf("nm_fuzz: cannot open %s: %s\n", DEV, strerror(errno));
			return 2;
		}
		close(fd);
	}
	if (unpriv)
		return unpriv_main(max_calls, max_secs);
	printf("nm_fuzz: seed %" PRIu64 " calls %" PRIu64 " seconds %.0f (replay: nm_fuzz --seed %"
	       PRIu64 " --calls %" PRIu64 " --seconds %.0f)\n", seed, max_calls, max_secs, seed,
	       max_calls, max_secs);
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	while (calls < max_calls) {
		uint32_t op = rnd(1000);
		const char *name;
		double t;

		xs.ops++;
		if ((xs.ops & 15) == 0 && (t = elapsed()) >= max_secs) {
			printf("nm_fuzz: time limit reached\n");
			break;
		}
		if (calls >= next_progress) {
			printf("nm_fuzz: progress: %" PRIu64 " calls in %.1f s (slowest op: %s, %.0f ms)\n",
			       calls, elapsed(), slowest_op, slowest_secs * 1e3);
			slowest_secs = 0;
			next_progress += 10000;
		}
		child_tick();
		t = elapsed();
		if (op < 250)
			op_ctrl(), name = "ctrl";
		else if (op < 360)
			op_register(), name = "register";
		else if (op < 640)
			op_ring(), name = "ring";
		else if (op < 690)
			op_legacy(), name = "legacy";
		else if (op < 760)
			op_sync(), name = "sync";
		else if (op < 830)
			op_poll(), name = "poll";
		else if (op < 880)
			op_mmap(), name = "mmap";
		else if (op < 915)
			op_mm(), name = "mm";
		else if (op < 975)
			op_churn(), name = "churn";
		else if (op < 990)
			op_randioctl(), name = "ioctl";
		else if (op < 992)
			op_fork(), name = "fork";
		else if (op < 993 && chance(40))
			op_burst(), name = "burst";
		else if (have_nics && ((op == 995 && chance(25)) || xs.ops == 1000))
			/* Slow (grace periods in every detach): about ten per run. */
			op_nic_race(), name = "nic-race";
		else
			op_sync(), name = "sync";
		t = elapsed() - t;
		if (t > slowest_secs) {
			slowest_secs = t;
			slowest_op = name;
		}
	}
	close_all();
	print_stats(elapsed());
	return nviolations ? 1 : 0;
}
