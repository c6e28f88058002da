/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nm_fuzz.h - what the parts of nm_fuzz share (nm_fuzz.c: the run, the fd
 * pool and the checks' bookkeeping; fuzz_*.c: one surface of /dev/netmap
 * each): limits, types, tables, the state of the run and every function.
 * One process, one thread but for fuzz_nic.c's racers: no locking.
 */
#ifndef NM_FUZZ_H
#define NM_FUZZ_H

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

static const uint32_t interesting32[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511,
	512, 1023, 1024, 2047, 2048, 4095, 4096, 4097, 8191, 8192, 65535,
	65536, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
};
#define NINTERESTING (sizeof(interesting32) / sizeof(interesting32[0]))

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

/* Extra counters, to see which parts of the state space were reached. */
struct xs_state {
	uint64_t ops, binds, fresh_checked, precise, precise_bad_rejected,
		precise_good_accepted, precise_slot_rejected, recoveries,
		pair_transfers, pair_packets, vale_transfers, vale_frames, scribbles, forks, kills,
		bursts, burst_regs_ok, zombies, beyond_sigbus, poll_err_unbound,
		nic_races, nic_attached, nic_polled, nic_frames;
};

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

struct xmap {
	char *p;
	size_t len;
	uint64_t off;		/* file offset of p */
	int file;		/* -1 = unused slot */
	bool readable;
};

/*
 * While a child lives, this process holds the master end "k{9" whose slave
 * end the child binds, and keeps sending and receiving on it, so the child
 * dies with a live peer.  The calls made on it do not depend on randomness,
 * and no random choice depends on their results: runs stay reproducible.
 */
struct kpeer_state {
	int fd;
	char *mem;
	uint64_t memsize;
	struct netmap_ring *tx, *rx;
};

/* ------------------------------------------------------------------------
 * Port names.
 */
static const char *const parents[] = { "a", "b", "c", "d" };

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

/* ------------------------------------------------------------------------
 * Persistent VALE objects created by accident: undone at exit.
 */
struct vale_undo {
	uint16_t reqtype;	/* request that undoes it */
	char name[NETMAP_REQ_IFNAMSIZ];
};

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

struct ctrl {
	uhdr_t *hdr;
	bool hdr_checkable;	/* in valid memory, not aliased by body/options */
	uint64_t body_ptr, opt_ptr;
	void *body;		/* our body buffer, if the pointer is to it */
	struct optchain oc;
	uint32_t reserved_in;
};

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

#define VALE_MAGIC 0x6e6d6676	/* "nmfv" */


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

/* The state of the run and the functions of every part. */
extern const char *DEV;
extern uint64_t rng_state;
uint64_t rnd64(void);
uint32_t rnd(uint32_t n);
bool chance(unsigned int pct);
uint32_t rnd_u32(void);
uint64_t rnd_u64(void);
void fill_random(void *p, size_t len);
extern uint64_t stats[K_NKINDS][NERR];
extern uint64_t calls;
extern uint64_t trace_from;
extern uint64_t seed;
extern bool keep_going;
extern unsigned int nviolations;
extern struct xs_state xs;
extern char nic_names[2][16];
extern bool have_nics;
void count(enum kind k, int err);
bool tracing(void);
__attribute__((format(printf, 1, 2)))
void trace(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void trace_ret(const char *fmt, ...);
const char *errname(int e);
void print_stats(double secs);
extern struct timespec t_start;
extern double slowest_secs;
extern const char *slowest_op;
double elapsed(void);
__attribute__((format(printf, 1, 2)))
void violation(const char *fmt, ...);
extern sigjmp_buf touch_jb;
extern volatile sig_atomic_t touching;
void on_fault(int sig);
int touch(const volatile char *p);
extern struct nmfile files[MAXFILES];
extern int pool[NPOOL];
extern struct xmap xmaps[MAXMAPS];
extern int epfd;
extern pid_t child_pid;
extern bool child_active;
extern int child_ops_left;
extern struct kpeer_state kpeer;
extern char *arena;
extern size_t arena_len;
extern char *guard;
extern long pagesz;
int file_alloc(int fd);
void file_maybe_free(int fi);
void file_unmap_main(int fi);
void xmap_drop(int i);
int xmap_add(char *p, size_t len, uint64_t off, int fi, bool readable);
void pool_close(int slot, bool zombie_ok);
int pool_open(int slot);
int pick_file(void);
int pick_bound_mapped(void);
bool is_ident(const char *s, size_t len);
const char *pipe_sep(const char *name);
bool well_formed_pipe(const char *name);
bool pipe_peer(const char *name, char *peer);
bool is_child_name(const char *name);
void rnd_ident(char *out, size_t len);
void gen_pipe_name(char *out, size_t sz);
void gen_name(char name[NETMAP_REQ_IFNAMSIZ]);
extern struct vale_undo vale_undo[MAXVALE];
extern int nvale_undo;
bool vale_room(void);
void vale_record(uint16_t undo, const char *name);
size_t body_size(unsigned int t);
uint64_t bad_pointer(size_t objsize);
void gen_register(struct nmreq_register *r, bool sane);
void gen_opt_body(uopt_t *o, uint32_t type, size_t room);
uint64_t gen_options(struct optchain *oc, uint64_t hdr_addr);
int ctrl_call(int fd, struct ctrl *c);
void ctrl_init(struct ctrl *c, uint16_t reqtype, const char *name, size_t bodylen);
bool buf_in_region(const struct nmfile *f, int64_t pool_off, uint32_t bufsz, uint32_t idx);
int cmp_u32(const void *a, const void *b);
bool fresh_end(const char *name, int self);
void pools_check(int fi);
void port_info_check(int fi);
/*
 * The region and ring geometry of a REGISTER reply into @b (NIOCREGIF's
 * fields given in a register body: no host rings).
 */
void bind_geometry(struct bindinfo *b, const struct nmreq_register *r);
void bind_file(int fi, const struct bindinfo *b);
void register_done(int fi, const struct ctrl *c, const struct nmreq_register *in);
void op_register(void);
void op_ctrl(void);
void op_legacy(void);
void op_randioctl(void);
int do_sync(int fi, bool tx);
void op_sync(void);
short rnd_events(void);
void poll_check(int fi, short revents);
void op_poll(void);
struct netmap_ring *ring_of(const struct nmfile *f, const struct ring_ref *rr);
int64_t pool_of(const struct ring_ref *rr);
bool idx_ok(const struct nmfile *f, const struct ring_ref *rr, uint32_t bi);
bool idx_usable(const struct nmfile *f, const struct ring_ref *rr, uint32_t bi);
uint32_t pick_index(uint32_t n, uint32_t near);
uint32_t pick_buf(const struct nmfile *f, const struct ring_ref *rr);
uint32_t ring_dist(uint32_t a, uint32_t b, uint32_t n);
bool ring_valid(uint32_t h0, uint32_t t0, uint32_t head, uint32_t cur, uint32_t n);
bool settle(int fi, const struct ring_ref *rr);
void op_precise(int fi, const struct ring_ref *rr);
void op_scribble(int fi, int ri);
void op_pair(int fi, const struct ring_ref *rr);
bool vale_bridge(const char *name, char *br, size_t sz);
void vale_frame(unsigned char *b, uint16_t len, uint32_t seq, uint8_t src);
void op_vale(int fi, const struct ring_ref *rr);
void op_ring(void);
uint64_t roundup_page(uint64_t x);
void touch_pages(const struct nmfile *f, char *p, size_t len, uint64_t off, const char *what);
void op_mmap(void);
void op_mm(void);
void op_churn(void);
void op_burst(void);
void child_main(int readyfd);
void kpeer_close(void);
void kpeer_open(void);
void kpeer_tick(void);
void kill_child(void);
void op_fork(void);
void child_tick(void);
void cleanup_vale(void);
void close_all(void);
int selftest(void);
extern volatile sig_atomic_t stall_ticks;
extern volatile uint64_t last_calls_seen;
void on_alarm(int sig);
uint32_t race_rnd(struct race *r, uint32_t n);
int race_ctrl(struct race *r, int fd, uint16_t type, const char *name, void *body,
		     uint64_t options);
void race_send(struct race *r);
void *race_main(void *arg);
void race_cleanup(void);
void op_nic_race(void);
extern int u_nfds;
extern char u_names[U_NAMES][NETMAP_REQ_IFNAMSIZ];
int u_root_ctrl(uint16_t type, const char *name, void *body);
int u_open(struct uport *p, const char *name);
void u_cleanup(void);
bool u_priv_type(unsigned int t);
void u_name(char name[NETMAP_REQ_IFNAMSIZ]);
void u_op_ctrl(int fd);
void u_op_legacy(int fd);
void u_op_io(int fd, const struct uport *p);
void u_op_randioctl(int fd);
int u_child(int sock, bool userns, const struct uport *ports, uint64_t max_calls,
		   double max_secs);
bool u_xfer(const struct uport *tx, const struct uport *rx, uint32_t n, uint8_t src,
		   const char *what);
int unpriv_main(uint64_t max_calls, double max_secs);
void usage(void);

#endif /* NM_FUZZ_H */
