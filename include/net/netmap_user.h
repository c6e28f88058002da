/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netmap_user.h - userspace helpers for the netmap shared memory region.
 *
 * After REGISTER (or legacy NIOCREGIF) and mmap() of nr_memsize bytes at
 * "mem", every object is reached from relative references:
 *
 *	struct netmap_if *nifp = NETMAP_IF(mem, req.nr_offset);
 *	struct netmap_ring *txr = NETMAP_TXRING(nifp, i);
 *	struct netmap_ring *rxr = NETMAP_RXRING(nifp, i);
 *	char *buf = NETMAP_BUF(ring, ring->slot[ring->cur].buf_idx);
 *
 * A typical TX loop:
 *
 *	while (!nm_ring_empty(txr)) {
 *		struct netmap_slot *s = &txr->slot[txr->cur];
 *		fill(NETMAP_BUF(txr, s->buf_idx), &s->len);
 *		txr->head = txr->cur = nm_ring_next(txr, txr->cur);
 *	}
 *	ioctl(fd, NIOCTXSYNC, NULL);
 *
 * Only macros and static inline functions live here; nothing to link.
 *
 * With NETMAP_WITH_LIBS defined before the include, netmap's pcap-like
 * helpers come too (nm_open, nm_close, nm_mmap, nm_inject, nm_dispatch,
 * nm_nextpkt, struct nm_desc): see the end of this file.
 */
#ifndef NET_NETMAP_USER_H
#define NET_NETMAP_USER_H

#ifdef __KERNEL__
#error "net/netmap_user.h is for userspace programs only"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>		/* memcpy */
#include <net/netmap.h>

/*
 * Branch hints.  netmap's own header provides likely()/unlikely() and
 * some programs rely on that, so define them unless the program did.
 */
#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

/* The netmap_if at offset _ofs (nr_offset) of the region mapped at _base. */
#define NETMAP_IF(_base, _ofs) \
	((struct netmap_if *)(void *)((char *)(_base) + (_ofs)))

/*
 * TX ring _i of _nifp.  Hardware rings are 0 .. ni_tx_rings - 1, host
 * rings follow them.  Only rings bound to the fd have a non-zero
 * ring_ofs; for the others the result is the netmap_if itself.
 */
#define NETMAP_TXRING(_nifp, _i) \
	((struct netmap_ring *)(void *)((char *)(_nifp) + \
		(_nifp)->ring_ofs[(_i)]))

/* RX ring _i of _nifp: RX entries of ring_ofs[] follow all TX ones. */
#define NETMAP_RXRING(_nifp, _i) \
	((struct netmap_ring *)(void *)((char *)(_nifp) + \
		(_nifp)->ring_ofs[(_i) + (_nifp)->ni_tx_rings + \
				  (_nifp)->ni_host_tx_rings]))

/* Start of buffer _idx, as a char pointer. */
#define NETMAP_BUF(_ring, _idx) \
	((char *)(_ring) + (_ring)->buf_ofs + \
	 ((size_t)(_idx) * (_ring)->nr_buf_size))

/* Index of the buffer that starts at (or contains) _buf. */
#define NETMAP_BUF_IDX(_ring, _buf) \
	((uint32_t)(((char *)(_buf) - ((char *)(_ring) + (_ring)->buf_ofs)) / \
		    (_ring)->nr_buf_size))

/*
 * Packet offsets (NETMAP_REQ_OPT_OFFSETS).  The offset of the packet in
 * its buffer lives in the bits of slot->ptr selected by ring->offset_mask
 * (0 when the option is not in use, so the offset reads as 0).
 */
#define NETMAP_ROFFSET(_ring, _slot) \
	((_slot)->ptr & (_ring)->offset_mask)

#define NETMAP_WOFFSET(_ring, _slot, _off) do {				\
	(_slot)->ptr = ((_slot)->ptr & ~(_ring)->offset_mask) |	\
		       ((uint64_t)(_off) & (_ring)->offset_mask);	\
} while (0)

/* Start of the packet of _slot: its buffer plus its offset. */
#define NETMAP_BUF_OFFSET(_ring, _slot) \
	(NETMAP_BUF(_ring, (_slot)->buf_idx) + NETMAP_ROFFSET(_ring, _slot))

/* The slot index after _i, wrapping at num_slots (not always 2^n). */
static inline uint32_t
nm_ring_next(const struct netmap_ring *ring, uint32_t i)
{
	return unlikely(i + 1 == ring->num_slots) ? 0 : i + 1;
}

/*
 * Slots the user may still use from cur on: free slots on a TX ring,
 * received packets on an RX ring.  That is tail - cur modulo num_slots,
 * so it is 0 exactly when nm_ring_empty() is true.  With head == cur
 * (the usual case) it is also tail - head.
 */
static inline uint32_t
nm_ring_space(const struct netmap_ring *ring)
{
	int64_t n = (int64_t)ring->tail - (int64_t)ring->cur;

	if (n < 0)
		n += ring->num_slots;
	return (uint32_t)n;
}

/*
 * True when no slot is available at cur: nothing to receive (RX) or no
 * room to transmit (TX).  poll() blocks in exactly this state.
 */
static inline int
nm_ring_empty(const struct netmap_ring *ring)
{
	return ring->cur == ring->tail;
}

/*
 * True if a TX ring still holds packets that the kernel has not finished
 * sending: the ring is idle only when tail sits one slot before head.
 */
static inline int
nm_tx_pending(const struct netmap_ring *ring)
{
	return nm_ring_next(ring, ring->tail) != ring->head;
}

/*
 * Copy a packet of len bytes from src to dst (note the argument order).
 * Short packets whose length is a multiple of 64 are copied in 64-byte
 * blocks, which the compiler turns into a few wide moves; anything else
 * goes to memcpy().  Never writes past dst + len.
 */
static inline void
nm_pkt_copy(const void *src, void *dst, int len)
{
	const char *s = (const char *)src;
	char *d = (char *)dst;

	if (unlikely(len <= 0))
		return;
	if (unlikely(len >= 1024 || (len % 64) != 0)) {
		memcpy(d, s, (size_t)len);
		return;
	}
	for (; len > 0; len -= 64, s += 64, d += 64)
		memcpy(d, s, 64);
}

/*
 * Copy one packet of @size bytes into the first TX ring of [first, last]
 * (inclusive, starting at *cur and wrapping) that has room for all of it
 * between cur and tail; a packet longer than a buffer takes several slots
 * chained with NS_MOREFRAG. Moves head = cur past it, sets *cur to the ring
 * used and returns @size; 0 when no ring had room. No system call: the
 * caller syncs (poll, NIOCTXSYNC). Slot offsets are not used. This is
 * nm_inject() and libnetmap's nmport_inject().
 */
static inline int
nm_rings_inject(struct netmap_if *nifp, uint16_t first, uint16_t last, uint16_t *cur,
		const void *buf, size_t size)
{
	unsigned int c, ri = *cur;

	if (first > last)
		return 0;
	for (c = 0; c <= (unsigned int)(last - first); c++, ri++) {
		struct netmap_ring *ring;
		const char *src = (const char *)buf;
		size_t rem = size, need;
		uint32_t i;

		if (ri < first || ri > last)
			ri = first;
		ring = NETMAP_TXRING(nifp, ri);
		need = size ? (size + ring->nr_buf_size - 1) / ring->nr_buf_size : 1;
		if (nm_ring_space(ring) < need)
			continue;
		for (i = ring->cur; rem > ring->nr_buf_size; i = nm_ring_next(ring, i)) {
			struct netmap_slot *s = &ring->slot[i];

			nm_pkt_copy(src, NETMAP_BUF(ring, s->buf_idx), (int)ring->nr_buf_size);
			s->len = (uint16_t)ring->nr_buf_size;
			s->flags = NS_MOREFRAG;
			src += ring->nr_buf_size;
			rem -= ring->nr_buf_size;
		}
		nm_pkt_copy(src, NETMAP_BUF(ring, ring->slot[i].buf_idx), (int)rem);
		ring->slot[i].len = (uint16_t)rem;
		ring->slot[i].flags = 0;
		ring->head = ring->cur = nm_ring_next(ring, i);
		*cur = (uint16_t)ri;
		return (int)size;
	}
	return 0;
}

#ifndef ND
#include <stdio.h>
#include <sys/time.h>
/* Debug output: "sss.uuuuuu func [line] message" on stderr; RD at most lps/s. */
#define ND(_fmt, ...) do {} while (0)
#define D(_fmt, ...)							\
	do {								\
		struct timeval _t0;					\
		gettimeofday(&_t0, NULL);				\
		fprintf(stderr, "%03d.%06d %s [%d] " _fmt "\n",		\
			(int)(_t0.tv_sec % 1000), (int)_t0.tv_usec,	\
			__func__, __LINE__, ##__VA_ARGS__);		\
	} while (0)
#define RD(_lps, _fmt, ...)						\
	do {								\
		static time_t _rd_sec;					\
		static int _rd_cnt;					\
		struct timeval _rd_t;					\
		gettimeofday(&_rd_t, NULL);				\
		if (_rd_sec != _rd_t.tv_sec) {				\
			_rd_sec = _rd_t.tv_sec;				\
			_rd_cnt = 0;					\
		}							\
		if (_rd_cnt++ < (_lps))					\
			D(_fmt, ##__VA_ARGS__);				\
	} while (0)
#endif

#if defined(NETMAP_WITH_LIBS) && !defined(HAVE_NETMAP_WITH_LIBS)
#define HAVE_NETMAP_WITH_LIBS
/*
 * netmap's pcap-like helpers, header-only: programs compile them, so only
 * the names and types are an interface.
 *
 *	struct nm_desc *d = nm_open("netmap:eth0", NULL, 0, NULL);
 *	struct pollfd pfd = { .fd = NETMAP_FD(d), .events = POLLIN };
 *	for (;;) {
 *		poll(&pfd, 1, -1);
 *		nm_dispatch(d, -1, handler, NULL);
 *	}
 *	nm_close(d);
 *
 * nm_open() takes "netmap:NAME" or "valeB:PORT" with the suffixes of
 * nm_parse() below; any other name returns NULL with errno 0 (not a netmap
 * name). Registration uses the legacy NIOCREGIF.
 *
 * netmapd: when the program is linked with libnetmap (pkg-config libnetmap;
 * its Libs keep the library linked even if only these helpers are used),
 * nm_open() also takes a port netmapd handed to the process (nmctl exec)
 * and, when /dev/netmap cannot be opened, asks netmapd for the port; see
 * libnetmap(3). Without libnetmap the weak reference below is NULL and
 * nm_open() behaves as netmap's.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct nm_desc;

struct nm_pkthdr {		/* the first three fields are pcap_pkthdr's */
	struct timeval ts;
	uint32_t caplen;	/* bytes in buf (contiguous fragments) */
	uint32_t len;		/* bytes of the whole packet */
	uint64_t flags;		/* NM_MORE_PKTS: not the last of this dispatch */
	struct nm_desc *d;
	struct netmap_slot *slot;
	uint8_t *buf;
};
#define NM_MORE_PKTS	1

struct nm_stat {		/* pcap_stat; nothing here updates it */
	unsigned int ps_recv;
	unsigned int ps_drop;
	unsigned int ps_ifdrop;
};

#define NM_ERRBUF_SIZE	512

struct nm_desc {
	struct nm_desc *self;	/* == this when valid: IS_NETMAP_DESC() */
	int fd;
	void *mem;
	size_t memsize;
	int done_mmap;		/* mem is ours to munmap */
	struct netmap_if * const nifp;
	uint16_t first_tx_ring, last_tx_ring, cur_tx_ring;	/* inclusive */
	uint16_t first_rx_ring, last_rx_ring, cur_rx_ring;
	struct nmreq req;	/* the legacy request, as registered */
	struct nm_pkthdr hdr;
	struct netmap_ring * const some_ring;
	void * const buf_start;
	void * const buf_end;
	int snaplen;
	int promisc;
	int to_ms;
	char *errbuf;
	uint32_t if_flags;
	uint32_t if_reqcap;
	uint32_t if_curcap;
	struct nm_stat st;
	char msg[NM_ERRBUF_SIZE];
};

#define P2NMD(p)		((const struct nm_desc *)(p))
#define IS_NETMAP_DESC(d)	((d) && P2NMD(d)->self == P2NMD(d))
#define NETMAP_FD(d)		(P2NMD(d)->fd)

typedef void (*nm_cb_t)(unsigned char *, const struct nm_pkthdr *, const unsigned char *d);

/* nm_open() flags; the low 16 bits go to nr_ringid. */
#define NM_OPEN_NO_MMAP		0x040000	/* no mmap (a parent's is shared) */
#define NM_OPEN_IFNAME		0x080000	/* name, ringid, flags from the parent */
#define NM_OPEN_ARG1		0x100000	/* nr_arg1 from the parent */
#define NM_OPEN_ARG2		0x200000	/* nr_arg2 (mem_id) from the parent */
#define NM_OPEN_ARG3		0x400000	/* nr_arg3 (extra buffers) from the parent */
#define NM_OPEN_RING_CFG	0x800000	/* ring and slot counts from the parent */

/*
 * libnetmap's netmapd fallback (weak: NULL unless linked). With
 * @open_errno 0: the fd of a matching port handed to this process, or -1
 * with errno ENOENT if none. Else (open(/dev/netmap) failed with it): the
 * fd of the port netmapd opened for us, or -1 with errno. On success the
 * outputs of @req (nr_offset, nr_memsize, counts, nr_arg2) are filled in.
 */
extern int nm_open_netmapd(struct nmreq *req, int open_errno) __attribute__((weak));

static inline int
nm_parse_fail_(char *err, const char *msg)
{
	if (err)
		snprintf(err, 80, "%s", msg);
	errno = EINVAL;
	return -1;
}

/*
 * Parse @ifname into d->req: "netmap:NAME" (prefix dropped) or
 * "valeB:PORT" (kept), NAME shorter than 16 bytes and ending at the first
 * of - * ^ { } / @, then one of ^ (host rings), * (NIC and host), -N (ring
 * N), {N / }N (pipe N master/slave), then /FLAGS (x z t r R T) and @MEMID.
 * ORs the mode into nr_flags and N into nr_ringid, assigns nr_arg2.
 * 0, or -1 with errno EINVAL and a message (< 80 bytes) in @err.
 */
static inline int
nm_parse(const char *ifname, struct nm_desc *d, char *err)
{
	const char *port, *p;
	uint32_t mode = NR_REG_ALL_NIC, flags = 0;
	long num, ringid = 0, memid = 0;
	size_t namelen;
	char *end;
	int is_vale = !strncmp(ifname, "vale", 4);

	if (is_vale) {
		port = strchr(ifname, ':');
		if (!port)
			return nm_parse_fail_(err, "missing ':' in vale name");
		for (p = ifname + 4; p < port; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				return nm_parse_fail_(err, "invalid bridge name");
		port++;
	} else if (!strncmp(ifname, "netmap:", 7)) {
		port = ifname + 7;
	} else {
		return nm_parse_fail_(err, "invalid port name");
	}
	for (p = port; *p && !strchr("-*^{}/@", *p); p++)
		if (is_vale && !isalnum((unsigned char)*p) && *p != '_')
			return nm_parse_fail_(err, "invalid character in vale port name");
	namelen = (size_t)(p - (is_vale ? ifname : port));
	if (namelen >= sizeof(d->req.nr_name))
		return nm_parse_fail_(err, "name too long");
	memcpy(d->req.nr_name, is_vale ? ifname : port, namelen);
	d->req.nr_name[namelen] = '\0';

	/* The ring suffix: one of ^ * -N {N }N. */
	if (*p == '^' || *p == '*') {
		mode = *p++ == '^' ? NR_REG_SW : NR_REG_NIC_SW;
	} else if (*p == '-' || *p == '{' || *p == '}') {
		mode = *p == '-' ? NR_REG_ONE_NIC :
		       *p == '{' ? NR_REG_PIPE_MASTER : NR_REG_PIPE_SLAVE;
		if (!*++p)
			return nm_parse_fail_(err, "unexpected end of port name");
		num = strtol(p, &end, 10);
		if (num < 0 || num >= NETMAP_RING_MASK)
			return nm_parse_fail_(err, "invalid ring id");
		ringid = num;
		p = end;
	}
	/* Then /FLAGS and @MEMID, each at most once. */
	while (*p) {
		if (*p == '/' && !flags) {
			if (!*++p || *p == '@')
				return nm_parse_fail_(err, "missing flags");
			for (; *p && *p != '@'; p++) {
				switch (*p) {
				case 'x': flags |= NR_EXCLUSIVE; break;
				case 'z': flags |= NR_ZCOPY_MON; break;
				case 't': flags |= NR_MONITOR_TX; break;
				case 'r': flags |= NR_MONITOR_RX; break;
				case 'R': flags |= NR_RX_RINGS_ONLY; break;
				case 'T': flags |= NR_TX_RINGS_ONLY; break;
				default: return nm_parse_fail_(err, "unrecognized flag");
				}
			}
		} else if (*p == '@') {
			if (memid)
				return nm_parse_fail_(err, "double setting of mem_id");
			if (!*++p)
				return nm_parse_fail_(err, "unexpected end of port name");
			memid = strtol(p, &end, 10);
			if (memid <= 0 || memid > 0xffff || end == p)
				return nm_parse_fail_(err, "invalid mem_id");
			p = end;
		} else {
			return nm_parse_fail_(err, "unexpected character in port name");
		}
	}
	d->req.nr_flags |= mode | flags;
	d->req.nr_ringid |= (uint16_t)ringid;
	d->req.nr_arg2 = (uint16_t)memid;
	d->self = d;
	return 0;
}

/*
 * Map the region of @d (or share @parent's when it maps the same mem_id)
 * and find the netmap_if and a ring. 0, or EINVAL (positive) if mmap fails.
 */
static inline int
nm_mmap(struct nm_desc *d, const struct nm_desc *parent)
{
	struct netmap_if *nifp;
	struct netmap_ring *r;

	if (d->done_mmap)
		return 0;
	if (IS_NETMAP_DESC(parent) && parent->mem && parent->req.nr_arg2 == d->req.nr_arg2) {
		d->mem = parent->mem;
		d->memsize = parent->memsize;
	} else {
		void *mem = mmap(0, d->req.nr_memsize, PROT_WRITE | PROT_READ, MAP_SHARED,
				 d->fd, 0);

		if (mem == MAP_FAILED)
			return EINVAL;
		d->mem = mem;
		d->memsize = d->req.nr_memsize;
		d->done_mmap = 1;
	}
	nifp = NETMAP_IF(d->mem, d->req.nr_offset);
	r = NETMAP_RXRING(nifp, d->first_rx_ring);
	if ((void *)r == (void *)nifp)	/* ring_ofs 0: no RX ring bound */
		r = NETMAP_TXRING(nifp, d->first_tx_ring);
	*(struct netmap_if **)(uintptr_t)&d->nifp = nifp;
	*(struct netmap_ring **)(uintptr_t)&d->some_ring = r;
	*(void **)(uintptr_t)&d->buf_start = NETMAP_BUF(r, 0);
	*(void **)(uintptr_t)&d->buf_end = (char *)d->mem + d->memsize;
	return 0;
}

/* Close and free @d. 0, or EINVAL (positive) if @d is not a descriptor. */
static inline int
nm_close(struct nm_desc *d)
{
	if (!IS_NETMAP_DESC(d))
		return EINVAL;
	if (d->done_mmap && d->mem)
		munmap(d->mem, d->memsize);
	if (d->fd >= 0)
		close(d->fd);
	memset((void *)d, 0, sizeof(*d));
	free(d);
	return 0;
}

/* The fd of d->req: a handed port, NIOCREGIF, or netmapd. -1 with errno. */
static inline int
nm_open_fd_(struct nm_desc *d, const char **why)
{
	int fd, e;

	if (nm_open_netmapd) {
		fd = nm_open_netmapd(&d->req, 0);
		if (fd >= 0 || errno != ENOENT) {
			*why = "handed port";
			return fd;
		}
	}
	fd = open(NETMAP_DEVICE_NAME, O_RDWR);
	if (fd < 0) {
		*why = "cannot open /dev/netmap";
		e = errno;
		if (nm_open_netmapd)
			return nm_open_netmapd(&d->req, e);
		return -1;
	}
	if (ioctl(fd, NIOCREGIF, &d->req)) {
		e = errno;
		close(fd);
		*why = "NIOCREGIF failed";
		errno = e;
		return -1;
	}
	return fd;
}

/* Import what @flags ask for from @parent into d->req (nm_open step 5). */
static inline void
nm_open_import_(struct nm_desc *d, const struct nm_desc *parent, uint64_t flags)
{
	d->req.nr_arg1 = flags & NM_OPEN_ARG1 ? parent->req.nr_arg1 : 4;
	if (flags & NM_OPEN_ARG2)
		d->req.nr_arg2 = parent->req.nr_arg2;
	d->req.nr_arg3 = flags & NM_OPEN_ARG3 ? parent->req.nr_arg3 : 0;
	if (flags & NM_OPEN_RING_CFG) {
		d->req.nr_tx_slots = parent->req.nr_tx_slots;
		d->req.nr_rx_slots = parent->req.nr_rx_slots;
		d->req.nr_tx_rings = parent->req.nr_tx_rings;
		d->req.nr_rx_rings = parent->req.nr_rx_rings;
	}
	if (flags & NM_OPEN_IFNAME) {
		memcpy(d->req.nr_name, parent->req.nr_name, sizeof(d->req.nr_name));
		d->req.nr_ringid = parent->req.nr_ringid;
		d->req.nr_flags = parent->req.nr_flags;
	}
}

/* The bound ring range from the mode that was asked for (nm_open step 8). */
static inline void
nm_open_rings_(struct nm_desc *d)
{
	uint16_t ntx = d->req.nr_tx_rings, nrx = d->req.nr_rx_rings;

	switch (d->req.nr_flags & NR_REG_MASK) {
	case NR_REG_SW:
		d->first_tx_ring = d->last_tx_ring = ntx;
		d->first_rx_ring = d->last_rx_ring = nrx;
		break;
	case NR_REG_ALL_NIC:
		d->first_tx_ring = d->first_rx_ring = 0;
		d->last_tx_ring = (uint16_t)(ntx - 1);
		d->last_rx_ring = (uint16_t)(nrx - 1);
		break;
	case NR_REG_NIC_SW:
		d->first_tx_ring = d->first_rx_ring = 0;
		d->last_tx_ring = ntx;
		d->last_rx_ring = nrx;
		break;
	case NR_REG_ONE_NIC:
		d->first_tx_ring = d->last_tx_ring = d->req.nr_ringid & NETMAP_RING_MASK;
		d->first_rx_ring = d->last_rx_ring = d->req.nr_ringid & NETMAP_RING_MASK;
		break;
	default:
		d->first_tx_ring = d->last_tx_ring = 0;
		d->first_rx_ring = d->last_rx_ring = 0;
		break;
	}
	d->cur_tx_ring = d->first_tx_ring;
	d->cur_rx_ring = d->first_rx_ring;
}

/*
 * Open and register @ifname (see nm_parse()), starting from @req if not
 * NULL, importing from @arg what @new_flags say (NM_OPEN_*; the low 16
 * bits: NETMAP_NO_TX_POLL, NETMAP_DO_RX_POLL), and map the region (shared
 * with @arg when the mem_ids match). NULL with errno on failure (0: not a
 * netmap name).
 */
static inline struct nm_desc *
nm_open(const char *ifname, const struct nmreq *req, uint64_t new_flags,
	const struct nm_desc *arg)
{
	const char *why = "";
	char errmsg[80];
	struct nm_desc *d;
	int e;

	if (strncmp(ifname, "netmap:", 7) && strncmp(ifname, "vale", 4)) {
		errno = 0;
		return NULL;
	}
	d = (struct nm_desc *)calloc(1, sizeof(*d));
	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->self = d;
	d->fd = -1;
	if (req)
		d->req = *req;
	if (!(new_flags & NM_OPEN_IFNAME) && nm_parse(ifname, d, errmsg) < 0) {
		why = errmsg;
		goto fail;
	}
	d->req.nr_version = NETMAP_API;
	d->req.nr_ringid &= NETMAP_RING_MASK;
	if (IS_NETMAP_DESC(arg) && new_flags)
		nm_open_import_(d, arg, new_flags);
	d->req.nr_ringid |= new_flags & (NETMAP_NO_TX_POLL | NETMAP_DO_RX_POLL);
	d->fd = nm_open_fd_(d, &why);
	if (d->fd < 0)
		goto fail;
	nm_open_rings_(d);
	if ((!(new_flags & NM_OPEN_NO_MMAP) || arg) && nm_mmap(d, arg)) {
		why = "mmap failed";
		goto fail;
	}
	return d;
fail:
	e = errno;
	nm_close(d);
#ifdef D
	D("%s %s", why, ifname);
#else
	fprintf(stderr, "nm_open: %s %s\n", why, ifname);
#endif
	errno = e ? e : EINVAL;
	return NULL;
}

/* pcap_inject(): @size if queued on a TX ring (not yet sent), 0 if no room. */
static inline int
nm_inject(struct nm_desc *d, const void *buf, size_t size)
{
	return nm_rings_inject(d->nifp, d->first_tx_ring, d->last_tx_ring, &d->cur_tx_ring,
			       buf, size);
}

/*
 * pcap_dispatch(): call @cb for up to @cnt (<= 0: all) packets received on
 * the RX rings (no system call: poll or NIOCRXSYNC first). A packet of
 * several NS_MOREFRAG slots is one call: hdr->len is its length, hdr->buf
 * its first buffer and hdr->caplen what lies there contiguously. Every call
 * but the last of a dispatch has NM_MORE_PKTS in hdr->flags. Returns the
 * number of packets.
 */
static inline int
nm_dispatch(struct nm_desc *d, int cnt, nm_cb_t cb, unsigned char *arg)
{
	int n = d->last_rx_ring - d->first_rx_ring + 1;
	int c, got = 0, ri = d->cur_rx_ring;

	d->hdr.buf = NULL;
	d->hdr.flags = NM_MORE_PKTS;
	d->hdr.d = d;
	if (cnt <= 0)
		cnt = -1;
	for (c = 0; c < n && cnt != got; c++, ri++) {
		struct netmap_ring *ring;

		if (ri < d->first_rx_ring || ri > d->last_rx_ring)
			ri = d->first_rx_ring;
		ring = NETMAP_RXRING(d->nifp, ri);
		for (; !nm_ring_empty(ring) && cnt != got; got++) {
			uint32_t i = ring->cur;
			struct netmap_slot *slot = &ring->slot[i];
			uint8_t *prev;

			if (d->hdr.buf)		/* the previous packet, one late */
				cb(arg, &d->hdr, d->hdr.buf);
			d->hdr.slot = slot;
			d->hdr.buf = prev = (uint8_t *)NETMAP_BUF(ring, slot->buf_idx);
			d->hdr.len = d->hdr.caplen = slot->len;
			while (slot->flags & NS_MOREFRAG) {
				uint32_t plen = slot->len;
				uint8_t *nbuf;

				i = nm_ring_next(ring, i);
				slot = &ring->slot[i];
				d->hdr.len += slot->len;
				nbuf = (uint8_t *)NETMAP_BUF(ring, slot->buf_idx);
				if (prev && plen == ring->nr_buf_size &&
				    nbuf - prev == (ptrdiff_t)ring->nr_buf_size) {
					d->hdr.caplen += slot->len;
					prev = nbuf;
				} else {
					prev = NULL;
				}
			}
			d->hdr.ts.tv_sec = ring->ts.tv_sec;
			d->hdr.ts.tv_usec = ring->ts.tv_usec;
			ring->head = ring->cur = nm_ring_next(ring, i);
		}
	}
	if (d->hdr.buf) {
		d->hdr.flags = 0;
		cb(arg, &d->hdr, d->hdr.buf);
	}
	d->cur_rx_ring = (uint16_t)(ri > d->last_rx_ring ? d->first_rx_ring : ri);
	return got;
}

/*
 * pcap_next(): the buffer of the next received slot (one slot, fragments
 * are not joined) and its ts, len, caplen in @hdr; NULL when every RX ring
 * is empty. No system call.
 */
static inline unsigned char *
nm_nextpkt(struct nm_desc *d, struct nm_pkthdr *hdr)
{
	unsigned int n, ri = d->cur_rx_ring;

	if (d->first_rx_ring > d->last_rx_ring)
		return NULL;
	for (n = 0; n <= (unsigned int)(d->last_rx_ring - d->first_rx_ring); n++, ri++) {
		struct netmap_ring *ring;
		struct netmap_slot *slot;

		if (ri < d->first_rx_ring || ri > d->last_rx_ring)
			ri = d->first_rx_ring;
		ring = NETMAP_RXRING(d->nifp, ri);
		if (nm_ring_empty(ring))
			continue;
		slot = &ring->slot[ring->cur];
		hdr->ts.tv_sec = ring->ts.tv_sec;
		hdr->ts.tv_usec = ring->ts.tv_usec;
		hdr->len = hdr->caplen = slot->len;
		ring->head = ring->cur = nm_ring_next(ring, ring->cur);
		d->cur_rx_ring = (uint16_t)ri;
		return (unsigned char *)NETMAP_BUF(ring, slot->buf_idx);
	}
	return NULL;
}
#endif /* NETMAP_WITH_LIBS */

#endif /* NET_NETMAP_USER_H */
