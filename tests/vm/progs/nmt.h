/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmt - a tiny test library for the programs that run against netmap.ko in
 * the test VM. It talks to /dev/netmap directly (no libnetmap), so that the
 * tests exercise exactly the ABI of NETMAP-ABI.md.
 *
 * Checks: CHECK(cond, fmt, ...) counts, prints "FAIL: ... (file:line)" when
 * cond is false (and "ok: ..." too with -v), and returns cond so a test can
 * stop early:
 *
 *	if (!CHECK_ERR(nmt_ctrl(fd, &hdr), 0, "register"))
 *		return;
 *
 * Subtests: nmt_main() runs each test function in a forked child, with an
 * alarm, so that a crash, a hang or a leaked fd of one test cannot spoil the
 * others, and the kernel sees every port of a test released (process exit)
 * before the next one starts. Each subtest runs in its own process group;
 * whatever it forked and left behind is killed and reaped before the next
 * subtest. A subtest that made no check at all, or that was killed by a
 * signal, fails. One line per subtest (plus its failed checks), then "N
 * passed, N failed"; the exit status is 1 if anything failed.
 *
 * Ports: nmt_port_open() builds an nmreq_header + nmreq_register, opens
 * /dev/netmap, registers and maps the region. Helpers return 0 or an errno
 * value (never -1), so CHECK_ERR(call, EXPECTED, ...) reads naturally.
 */
#ifndef NMT_H
#define NMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/netmap.h>
#include <net/netmap_user.h>

/* ------------------------------------------------------------------------
 * Checks
 */
extern unsigned nmt_checks_ok, nmt_checks_failed;
/* Print passing checks and notes too (-v on the command line of nmt_main). */
extern bool nmt_verbose;

bool nmt_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool nmt_check_err(int got, int want, const char *file, int line,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool nmt_check_eq(long long got, long long want, const char *file, int line,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Print a note line ("# ...") in the test's output (with -v only). */
void nmt_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Skip the running subtest: print "SKIP: NAME (reason)" and end it. A
 * skipped subtest is neither passed nor failed (unless checks failed before
 * the call); the summary line then says how many were skipped.
 */
void nmt_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define CHECK(cond, ...) nmt_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* got and want are errno values (0 = success). */
#define CHECK_ERR(got, want, ...) \
	nmt_check_err((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ(got, want, ...) \
	nmt_check_eq((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
/* The call failed with some error, whichever. */
#define CHECK_FAILS(got, ...) \
	nmt_check((got) != 0, __FILE__, __LINE__, __VA_ARGS__)

/* ------------------------------------------------------------------------
 * Subtests
 */
struct nmt_test {
	const char *name;
	void (*fn)(void);
	const char *what;	/* one line: what it proves */
};

/*
 * Run the tests (all, or those named on the command line; "-l" lists them,
 * "-v" prints every check).
 * Each runs in a child with @timeout_s seconds of alarm. Returns the exit
 * status for main().
 */
int nmt_main(const struct nmt_test *tests, size_t n, int argc, char **argv,
	     unsigned timeout_s);

/* ------------------------------------------------------------------------
 * Raw requests
 */

/* open("/dev/netmap", O_RDWR); -1 with a FAIL line on failure. */
int nmt_open(void);
/* Zero @h and fill version 14, @reqtype, @name (may be NULL), @body. */
void nmt_hdr(struct nmreq_header *h, uint16_t reqtype, const char *name, void *body);
/* ioctl(fd, NIOCCTRL, h): 0 or errno. */
int nmt_ctrl(int fd, struct nmreq_header *h);
/* ioctl(fd, req, arg): 0 or errno. */
int nmt_ioctl(int fd, unsigned long req, void *arg);
/* NIOCTXSYNC / NIOCRXSYNC: 0 or errno. */
int nmt_txsync(int fd);
int nmt_rxsync(int fd);

/* PORT_INFO_GET of @name on a fresh fd (mem_id in/out through @info). */
int nmt_port_info(const char *name, struct nmreq_port_info_get *info);
/* POOLS_INFO_GET of @name on a fresh fd. */
int nmt_pools_info(const char *name, struct nmreq_pools_info *info);

/* ------------------------------------------------------------------------
 * Ports
 */

/* What to ask REGISTER for. Zero means the default (mode 0 = ALL_NIC). */
struct nmt_reg_opts {
	uint32_t mode;
	uint16_t ringid;
	uint64_t flags;
	uint16_t tx_rings, rx_rings;
	uint32_t tx_slots, rx_slots;
	uint32_t extra_bufs;
	uint16_t mem_id;
	uint16_t version;	/* 0 = NETMAP_API */
	uint64_t options;	/* user pointer to the first option */
	bool no_mmap;
};
#define NMT_OPTS(...) (&(struct nmt_reg_opts){ __VA_ARGS__ })

struct nmt_port {
	int fd;			/* -1 when closed */
	struct nmreq_header hdr;
	struct nmreq_register reg;	/* as returned by the kernel */
	void *mem;			/* NULL when not mapped */
	size_t memsize;
	struct netmap_if *nifp;
};

/* Fill @h/@r for a REGISTER of @name with @o (NULL = defaults). */
void nmt_reg_req(struct nmreq_header *h, struct nmreq_register *r,
		 const char *name, const struct nmt_reg_opts *o);

/*
 * Open /dev/netmap, REGISTER @name with @o, mmap nr_memsize. Returns 0 or
 * the errno of the failing step (the port is then closed: p->fd == -1). A
 * failing mmap prints a FAIL line, a failing REGISTER does not (tests often
 * expect it).
 */
int nmt_port_open(struct nmt_port *p, const char *name, const struct nmt_reg_opts *o);
void nmt_port_close(struct nmt_port *p);

/* Total ring_ofs[] entries of a netmap_if. */
static inline unsigned nmt_nrings(const struct netmap_if *nifp)
{
	return nifp->ni_tx_rings + nifp->ni_host_tx_rings +
	       nifp->ni_rx_rings + nifp->ni_host_rx_rings;
}

/* Tell the helpers about a mapping made by hand (buffer address checks). */
void nmt_map_add(void *mem, size_t len);
void nmt_map_del(void *mem);

/* Hardware TX/RX ring @i of a port, or NULL if it is not bound (ring_ofs 0). */
struct netmap_ring *nmt_tx(const struct nmt_port *p, unsigned i);
struct netmap_ring *nmt_rx(const struct nmt_port *p, unsigned i);

/* Is buffer index @idx inside the port's mapping, and not a reserved one? */
bool nmt_buf_ok(const struct nmt_port *p, const struct netmap_ring *r, uint32_t idx);

/* ------------------------------------------------------------------------
 * Packets. A test packet carries a 32-bit sequence number and a 32-bit tag
 * at its start and is filled with a pattern derived from both.
 */

/* Put one packet at ring->cur and advance head and cur. 0 if the ring is full. */
int nmt_put(struct netmap_ring *r, uint32_t seq, uint32_t tag, uint16_t len);
/* Put up to @n packets (seq from *seq on, increasing it); returns how many. */
unsigned nmt_put_many(struct netmap_ring *r, uint32_t *seq, uint32_t tag,
		      uint16_t len, unsigned n);
/*
 * Check the packet in slot @i of @r: length @len, sequence @seq, tag and
 * pattern. Returns true if it is right; does not count as a check.
 */
bool nmt_pkt_ok(const struct netmap_ring *r, uint32_t i, uint32_t seq,
		uint32_t tag, uint16_t len);
/* Write a test packet (as nmt_put does) into the buffer at @buf. */
void nmt_pkt_fill(void *buf, uint32_t seq, uint32_t tag, uint16_t len);
/* Sequence number of the packet in slot @i. */
uint32_t nmt_pkt_seq(const struct netmap_ring *r, uint32_t i);

/* Consume @n packets at head (head = cur = head + n). */
void nmt_consume(struct netmap_ring *r, unsigned n);

/* Milliseconds of CLOCK_MONOTONIC. */
long long nmt_now_ms(void);

/* Read an unsigned module parameter; -1 if it cannot be read. */
long long nmt_param(const char *name);
/* Write a module parameter; 0 or errno. */
int nmt_param_set(const char *name, long long value);

/*
 * What root can see of netmap, as one string to compare before and after:
 * a line "vale NAME" for each port VALE_LIST gives on device @dev (NULL:
 * /dev/netmap; none if it does not open), "if NAME" for each interface in
 * /sys/class/net, "thread PID COMM" for each nm-poll kernel thread.
 * Truncated at @len.
 */
void nmt_snapshot(const char *dev, char *out, size_t len);

#endif /* NMT_H */
