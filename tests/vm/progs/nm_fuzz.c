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

#include "nm_fuzz.h"

const char *DEV = "/dev/netmap";

/* ------------------------------------------------------------------------
 * Randomness: splitmix64, one stream for the whole run.
 */
uint64_t rng_state;

uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); 0 if n == 0. */
uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

/* A 32-bit value biased towards boundaries and small numbers. */
uint32_t rnd_u32(void)
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

uint64_t rnd_u64(void)
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

void fill_random(void *p, size_t len)
{
	unsigned char *c = p;

	while (len--)
		*c++ = (unsigned char)rnd64();
}

uint64_t stats[K_NKINDS][NERR];
uint64_t calls;		/* system calls made on netmap fds/mappings */
uint64_t trace_from = UINT64_MAX;
uint64_t seed;
bool keep_going;
unsigned int nviolations;
struct xs_state xs;

/* --nic IF0,IF1: two interfaces (a veth pair) for the NIC requests, or none. */
char nic_names[2][16];
bool have_nics;

void count(enum kind k, int err)
{
	calls++;
	if (err < 0 || err >= NERR)
		err = NERR - 1;
	stats[k][err]++;
}

bool tracing(void)
{
	return calls + 1 >= trace_from;
}

void trace(const char *fmt, ...)
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
void trace_ret(const char *fmt, ...)
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

const char *errname(int e)
{
	const char *n;

	if (e == 0)
		return "ok";
	n = strerrorname_np(e);
	return n ? n : "E?";
}

void print_stats(double secs)
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

struct timespec t_start;
double slowest_secs;
const char *slowest_op = "-";

double elapsed(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t_start.tv_sec) + (t.tv_nsec - t_start.tv_nsec) / 1e9;
}

/* The kernel broke a rule: say what, and how to replay it. */
void violation(const char *fmt, ...)
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
sigjmp_buf touch_jb;
volatile sig_atomic_t touching;

void on_fault(int sig)
{
	if (touching)
		siglongjmp(touch_jb, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* 0 if the byte at p can be read, else the signal it raised. */
int touch(const volatile char *p)
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

struct nmfile files[MAXFILES];
int pool[NPOOL];
struct xmap xmaps[MAXMAPS];

int epfd = -1;
pid_t child_pid = -1;	/* > 0 until reaped */
bool child_active;	/* from fork until the scheduled kill */
int child_ops_left;
struct kpeer_state kpeer = { .fd = -1 };

char *arena;		/* ARENA_PAGES RW pages, then a PROT_NONE page */
size_t arena_len;
char *guard;
long pagesz;

int file_alloc(int fd)
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

void file_maybe_free(int fi)
{
	struct nmfile *f = &files[fi];

	if (f->fd < 0 && f->nmaps == 0)
		f->used = false;
}

void file_unmap_main(int fi)
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

void xmap_drop(int i)
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

int xmap_add(char *p, size_t len, uint64_t off, int fi, bool readable)
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
void pool_close(int slot, bool zombie_ok)
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

int pool_open(int slot)
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
int pick_file(void)
{
	int slot = (int)rnd(NPOOL);

	if (pool[slot] < 0 && pool_open(slot) < 0)
		return -1;
	return pool[slot];
}

int pick_bound_mapped(void)
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
 * Exit: undo persistent VALE objects, close everything.
 */
void cleanup_vale(void)
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

void close_all(void)
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
int selftest(void)
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
volatile sig_atomic_t stall_ticks;
volatile uint64_t last_calls_seen;

void on_alarm(int sig)
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

void usage(void)
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
