/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netmap.h - the netmap kernel/user ABI (API version 14).
 *
 * Everything in this file is shared between the netmap kernel module and
 * the programs that drive it through /dev/netmap: the ioctl numbers, the
 * request structures they carry, and the objects that live in the shared
 * memory region a bound file descriptor maps (netmap_if, netmap_ring,
 * netmap_slot, packet buffers).
 *
 * Names, values, sizes and offsets are fixed by netmap API version 14, so
 * that programs built against netmap's own headers run unchanged on this
 * implementation.  The sizes and offsets quoted in the comments are those
 * of x86_64 (LP64); tests/unit/test_abi_layout.c checks every one of them.
 *
 * Conventions used in the comments:
 *   (in)     written by the user, read by the kernel;
 *   (out)    written by the kernel, read by the user;
 *   (in/out) the user proposes a value, the kernel writes back what it used.
 *
 * Shared memory is writable by the user at all times.  The fields marked
 * NM_USER_RO are const for userspace builds as a compile-time courtesy, but
 * the kernel must never trust a value it reads back from shared memory: it
 * keeps its own copy and validates every index the user hands back.
 *
 * Userspace convenience helpers (ring/buffer address arithmetic) are in
 * <net/netmap_user.h>.
 */
#ifndef NET_NETMAP_H
#define NET_NETMAP_H

#ifdef __KERNEL__
#include <linux/types.h>	/* uint*_t, int*_t, ssize_t */
#include <linux/ioctl.h>	/* _IO, _IOWR */
#include <linux/if.h>		/* IFNAMSIZ */
#include <linux/time_types.h>	/* struct __kernel_old_timeval */
#else
#include <stdint.h>
#include <sys/types.h>		/* ssize_t */
#include <sys/time.h>		/* struct timeval */
#include <sys/ioctl.h>		/* _IO, _IOWR */
#include <net/if.h>		/* IFNAMSIZ */
/*
 * glibc hides IFNAMSIZ in strict ISO C modes (-std=c11) and only offers
 * POSIX IF_NAMESIZE; the structures below and their users need the name.
 */
#ifndef IFNAMSIZ
#define IFNAMSIZ	IF_NAMESIZE
#endif
#endif

/*
 * Fields of shared-memory objects that only the kernel writes.  They are
 * const when seen from userspace; the kernel module sees them writable.
 */
#ifdef __KERNEL__
#define NM_USER_RO
#else
#define NM_USER_RO const
#endif

/* ------------------------------------------------------------------------
 * Versions and limits
 */

#define NETMAP_API		14	/* version this header describes */
#define NETMAP_MIN_API		14	/* NIOCCTRL accepts MIN_API..MAX_API */
#define NETMAP_MAX_API		15

#define NETMAP_DEVICE_NAME	"/dev/netmap"

#define NM_CACHE_ALIGN		128	/* alignment of netmap_ring::sem */
#define NETMAP_REQ_IFNAMSIZ	64	/* size of nmreq_header::nr_name */
/* Upper bound for a request body plus all of its options, in bytes. */
#define NETMAP_REQ_MAXSIZE	4096

/* ------------------------------------------------------------------------
 * Shared memory: slots
 *
 * One slot describes one packet buffer of a ring.  16 bytes.
 */
struct netmap_slot {
	/*
	 * Index of the buffer in the buffer pool.  The user may replace it
	 * with another buffer it owns (zero-copy swap) and must then set
	 * NS_BUF_CHANGED.  Indices 0 and 1 are reserved and never real.
	 */
	uint32_t buf_idx;	/*  0 */
	/*
	 * Length of the data in the buffer (of this fragment only).
	 * TX: written by the user.  RX: written by the kernel.
	 */
	uint16_t len;		/*  4 */
	uint16_t flags;		/*  6 NS_* below */
	/*
	 * NS_INDIRECT: user virtual address of the payload (VALE TX only).
	 * With the OFFSETS option: the low bits selected by
	 * netmap_ring::offset_mask hold the packet offset in the buffer.
	 */
	uint64_t ptr;		/*  8 */
};

/* netmap_slot::flags */
#define NS_BUF_CHANGED	0x0001	/* (in) buf_idx was changed; the kernel
				 * also sets it when it swaps buffers */
#define NS_REPORT	0x0002	/* (in) request a TX completion report */
#define NS_FORWARD	0x0004	/* (in) pass to the peer ring (host <-> NIC);
				 * only on rings with NR_FORWARD */
#define NS_NO_LEARN	0x0008	/* (in) VALE: do not learn the source MAC */
#define NS_INDIRECT	0x0010	/* (in) VALE TX: payload is at user addr ptr */
#define NS_MOREFRAG	0x0020	/* (in/out) more fragments follow */
#define NS_TXMON	0x0040	/* (out) monitor RX slot seen on TX side */

/*
 * High byte of flags.  VALE TX: destination port override.  VALE RX: the
 * number of slots left in this packet, this one included (NS_RFRAGS).
 */
#define NS_PORT_SHIFT	8
#define NS_PORT_MASK	(0xff << NS_PORT_SHIFT)
#define NS_RFRAGS(_slot)	(((_slot)->flags >> NS_PORT_SHIFT) & 0xff)

/* Longest chain of NS_MOREFRAG slots that makes up one packet. */
#define NETMAP_MAX_FRAGS	64

/* ------------------------------------------------------------------------
 * Shared memory: rings
 *
 * A ring is a 256-byte header followed by num_slots slots.  The user owns
 * the slots in [head, tail); the kernel owns the others.  One slot always
 * stays empty, so a ring holds at most num_slots - 1 packets.
 *
 *   TX: the user fills slots from head on, moves head and cur past them
 *       and calls txsync; the kernel sends them and moves tail forward as
 *       slots become free again.
 *   RX: the kernel puts received packets in [head, tail); the user
 *       consumes them and moves head forward to give the slots back.
 *   cur may run ahead of head (at most up to tail): poll()/select() then
 *   wake up only once tail has gone past cur.
 *
 * At every sync the kernel requires old_head <= head <= cur <= tail
 * (modulo num_slots); if the check fails the ring is reset to the
 * kernel's state and the sync does nothing.
 */
struct netmap_ring {
	/*
	 * Offset, in bytes, from the start of this ring to the start of the
	 * buffer pool (may be negative): buffer i starts at
	 * (char *)ring + buf_ofs + i * nr_buf_size.
	 */
	NM_USER_RO int64_t	buf_ofs;	/*   0 (out) */
	NM_USER_RO uint32_t	num_slots;	/*   8 (out) not always 2^n */
	NM_USER_RO uint32_t	nr_buf_size;	/*  12 (out) bytes per buffer */
	NM_USER_RO uint16_t	ringid;		/*  16 (out) index of the ring */
	NM_USER_RO uint16_t	dir;		/*  18 (out) 0 = TX, 1 = RX */

	uint32_t		head;		/*  20 (in) first user slot */
	uint32_t		cur;		/*  24 (in) wakeup point */
	/*
	 * First slot owned by the kernel.  Only the kernel writes it; a
	 * value written by the user is silently restored at the next sync.
	 */
	uint32_t		tail;		/*  28 (out) */

	uint32_t		flags;		/*  32 (in) NR_TIMESTAMP, NR_FORWARD */
	uint32_t		pad1;		/*  36 */

	/* Time of the last sync; updated only when NR_TIMESTAMP is set. */
#ifdef __KERNEL__
	/* The kernel's name for the layout of the user's struct timeval. */
	struct __kernel_old_timeval ts;		/*  40 (out) */
#else
	struct timeval		ts;		/*  40 (out) */
#endif

	/*
	 * Non-zero only if the port was registered with the OFFSETS option:
	 * the bits of netmap_slot::ptr that hold the packet offset.
	 */
	NM_USER_RO uint64_t	offset_mask;	/*  56 (out) */
	/* Required alignment, in bytes, of TX packet starts (offsets). */
	NM_USER_RO uint64_t	buf_align;	/*  64 (out) */

	/* Opaque room reserved for the kernel; not used by userspace. */
	uint8_t			sem[128]
		__attribute__((__aligned__(NM_CACHE_ALIGN)));	/* 128 */

	struct netmap_slot	slot[];		/* 256 num_slots entries */
};

/* netmap_ring::flags, written by the user */
#define NR_TIMESTAMP	0x0002	/* update ts at every sync */
#define NR_FORWARD	0x0004	/* honour NS_FORWARD on this ring */

/* ------------------------------------------------------------------------
 * Shared memory: the interface descriptor
 *
 * REGISTER returns the offset of this fd's netmap_if in the mapped region
 * (nr_offset).  It is followed by ring_ofs[], one entry per ring of the
 * port, in this order:
 *
 *   hardware TX rings   [0, ni_tx_rings)
 *   host TX rings       [ni_tx_rings, + ni_host_tx_rings)
 *   hardware RX rings   [ni_tx_rings + ni_host_tx_rings, + ni_rx_rings)
 *   host RX rings       [... + ni_rx_rings, + ni_host_rx_rings)
 *
 * Each entry is the offset of that ring relative to the netmap_if itself.
 * Rings that are not bound to this fd have ring_ofs == 0.
 */
struct netmap_if {
	NM_USER_RO char		ni_name[IFNAMSIZ];	/*  0 port name, may be cut */
	NM_USER_RO uint32_t	ni_version;		/* 16 unused */
	NM_USER_RO uint32_t	ni_flags;		/* 20 NI_* below */
	NM_USER_RO uint32_t	ni_tx_rings;		/* 24 hardware TX rings */
	NM_USER_RO uint32_t	ni_rx_rings;		/* 28 hardware RX rings */
	/*
	 * Head of the list of extra buffers (REGISTER nr_extra_bufs); 0 means
	 * none.  The first uint32_t of each buffer holds the index of the
	 * next one, 0 ends the list.  The user may change the list freely;
	 * whatever is on it at close() is freed by the kernel.
	 */
	uint32_t		ni_bufs_head;		/* 32 (in/out) */
	/* Host rings; never 0 (a port without host rings reports 1). */
	NM_USER_RO uint32_t	ni_host_tx_rings;	/* 36 */
	NM_USER_RO uint32_t	ni_host_rx_rings;	/* 40 */
	uint32_t		ni_spare1[3];		/* 44 */
	NM_USER_RO ssize_t	ring_ofs[];		/* 56 */
};

/* netmap_if::ni_flags */
#define NI_PRIV_MEM	0x1	/* the port uses a private allocator */

/* ------------------------------------------------------------------------
 * NIOCCTRL: request header
 *
 * Every NIOCCTRL request is an nmreq_header that points at a body (whose
 * type depends on nr_reqtype) and at an optional linked list of options.
 * The kernel copies the header back even when the request fails; the body
 * is copied back only on success.
 */
struct nmreq_header {
	uint16_t	nr_version;	/*  0 (in) NETMAP_MIN_API..NETMAP_MAX_API */
	uint16_t	nr_reqtype;	/*  2 (in) NETMAP_REQ_* */
	uint32_t	nr_reserved;	/*  4 (in) must be 0, else EINVAL */
	/*
	 * Port name.  The kernel forces nr_name[63] = 0.  VALE_LIST writes
	 * the name of the port it found back here.
	 */
	char		nr_name[NETMAP_REQ_IFNAMSIZ];	/*  8 (in/out) */
	/* User pointer to the first struct nmreq_option, or 0. */
	uint64_t	nr_options;	/* 72 (in) */
	/*
	 * User pointer to the body.  Must be 0 for request types without a
	 * body (VALE_DELIF, SYNC_KLOOP_STOP, CSB_ENABLE) and non-zero for
	 * all others; a mismatch gives EINVAL.
	 */
	uint64_t	nr_body;	/* 80 (in) */
};

/* nmreq_header::nr_reqtype; an unknown value gives EINVAL */
enum {
	NETMAP_REQ_REGISTER = 1,		/* nmreq_register */
	NETMAP_REQ_PORT_INFO_GET = 2,		/* nmreq_port_info_get */
	NETMAP_REQ_VALE_ATTACH = 3,		/* nmreq_vale_attach */
	NETMAP_REQ_VALE_DETACH = 4,		/* nmreq_vale_detach */
	NETMAP_REQ_VALE_LIST = 5,		/* nmreq_vale_list */
	NETMAP_REQ_PORT_HDR_SET = 6,		/* nmreq_port_hdr */
	NETMAP_REQ_PORT_HDR_GET = 7,		/* nmreq_port_hdr */
	NETMAP_REQ_VALE_NEWIF = 8,		/* nmreq_vale_newif */
	NETMAP_REQ_VALE_DELIF = 9,		/* no body */
	NETMAP_REQ_VALE_POLLING_ENABLE = 10,	/* nmreq_vale_polling */
	NETMAP_REQ_VALE_POLLING_DISABLE = 11,	/* nmreq_vale_polling */
	NETMAP_REQ_POOLS_INFO_GET = 12,		/* nmreq_pools_info */
	NETMAP_REQ_SYNC_KLOOP_START = 13,	/* nmreq_sync_kloop_start */
	NETMAP_REQ_SYNC_KLOOP_STOP = 14,	/* no body */
	NETMAP_REQ_CSB_ENABLE = 15,		/* no body; needs OPT_CSB */
};

/* ------------------------------------------------------------------------
 * NIOCCTRL: request bodies
 */

/*
 * NETMAP_REQ_REGISTER: bind the fd to the port nr_name.  EBUSY if the fd
 * is already bound.  On success the kernel writes back the counts, sizes,
 * nr_mem_id, nr_extra_bufs and nr_offset; nr_mode, nr_ringid and nr_flags
 * come back unchanged (except that a zero-copy monitor gets
 * NR_MONITOR_TX | NR_MONITOR_RX added to nr_flags).
 */
struct nmreq_register {
	uint64_t	nr_offset;	/*  0 (out) netmap_if offset in region */
	uint64_t	nr_memsize;	/*  8 (out) size of the region to mmap */
	uint32_t	nr_tx_slots;	/* 16 (in/out) slots per TX ring, 0=default */
	uint32_t	nr_rx_slots;	/* 20 (in/out) slots per RX ring, 0=default */
	uint16_t	nr_tx_rings;	/* 24 (in/out) hardware TX rings */
	uint16_t	nr_rx_rings;	/* 26 (in/out) hardware RX rings */
	uint16_t	nr_host_tx_rings; /* 28 (in/out) host TX rings */
	uint16_t	nr_host_rx_rings; /* 30 (in/out) host RX rings */
	uint16_t	nr_mem_id;	/* 32 (in/out) allocator; 0 = kernel picks */
	uint16_t	nr_ringid;	/* 34 (in) ring for ONE_NIC / ONE_SW */
	uint32_t	nr_mode;	/* 36 (in) NR_REG_* */
	uint32_t	nr_extra_bufs;	/* 40 (in/out) wanted / granted */
	uint32_t	pad1;		/* 44 */
	uint64_t	nr_flags;	/* 48 (in) NR_* flags below */
};

/* nmreq_register::nr_mode: which rings the fd is bound to */
enum {
	NR_REG_DEFAULT = 0,	/* legacy API only; means ALL_NIC */
	NR_REG_ALL_NIC = 1,	/* all hardware rings */
	NR_REG_SW = 2,		/* all host rings                  "^"   */
	NR_REG_NIC_SW = 3,	/* all hardware and host rings     "*"   */
	NR_REG_ONE_NIC = 4,	/* hardware ring pair nr_ringid    "-N"  */
	NR_REG_PIPE_MASTER = 5,	/* deprecated: NIOCCTRL gives EINVAL */
	NR_REG_PIPE_SLAVE = 6,	/* deprecated: NIOCCTRL gives EINVAL */
	NR_REG_NULL = 7,	/* null port on an existing nr_mem_id */
	NR_REG_ONE_SW = 8,	/* host ring pair nr_ringid        "^N"  */
};

/* nmreq_register::nr_flags (also legacy nmreq::nr_flags above bit 3) */
#define NR_MONITOR_TX		0x100	/* monitor the TX rings of nr_name */
#define NR_MONITOR_RX		0x200	/* monitor the RX rings of nr_name */
#define NR_ZCOPY_MON		0x400	/* zero-copy monitor (TX and RX) */
#define NR_EXCLUSIVE		0x800	/* exclusive use of the bound rings */
/*				0x1000	   unused */
#define NR_RX_RINGS_ONLY	0x2000	/* bind RX rings only */
#define NR_TX_RINGS_ONLY	0x4000	/* bind TX rings only */
#define NR_ACCEPT_VNET_HDR	0x8000	/* user handles virtio-net headers;
					 * without it a port with a header
					 * fails to register with EIO */
#define NR_DO_RX_POLL		0x10000	/* poll() runs rxsync even w/o POLLIN */
#define NR_NO_TX_POLL		0x20000	/* poll() runs txsync only on POLLOUT */

/*
 * NETMAP_REQ_PORT_INFO_GET: the fd need not be bound.  With an empty
 * nr_name only the size of allocator nr_mem_id (0 meaning 1) is returned.
 */
struct nmreq_port_info_get {
	uint64_t	nr_memsize;	/*  0 (out) */
	uint32_t	nr_tx_slots;	/*  8 (out) */
	uint32_t	nr_rx_slots;	/* 12 (out) */
	uint16_t	nr_tx_rings;	/* 16 (out) */
	uint16_t	nr_rx_rings;	/* 18 (out) */
	uint16_t	nr_host_tx_rings; /* 20 (out) */
	uint16_t	nr_host_rx_rings; /* 22 (out) */
	uint16_t	nr_mem_id;	/* 24 (in/out) */
	uint16_t	pad[3];		/* 26 */
};

/*
 * NETMAP_REQ_VALE_ATTACH: nr_name is "valeB:ifname".  Of reg only nr_mode
 * (NR_REG_ALL_NIC, or NR_REG_NIC_SW to attach the host stack too) and
 * nr_mem_id are used.
 */
struct nmreq_vale_attach {
	struct nmreq_register reg;	/*  0 (in) */
	uint32_t	port_index;	/* 56 (out) */
	uint32_t	pad1;		/* 60 */
};

/* NETMAP_REQ_VALE_DETACH: nr_name is "valeB:ifname". */
struct nmreq_vale_detach {
	uint32_t	port_index;	/*  0 (out) */
	uint32_t	pad1;		/*  4 */
};

/*
 * NETMAP_REQ_VALE_LIST.  With nr_name "valeB:port": return its indices
 * (nr_port_idx = NM_BDG_NOPORT if the port is not found).  With an empty
 * nr_name: return the first port at or after (nr_bridge_idx, nr_port_idx)
 * and write its name into nr_name; ENOENT marks the end.
 */
struct nmreq_vale_list {
	uint16_t	nr_bridge_idx;	/*  0 (in/out) */
	uint16_t	pad1;		/*  2 */
	uint32_t	nr_port_idx;	/*  4 (in/out) */
};

/*
 * NETMAP_REQ_PORT_HDR_SET / _GET: virtio-net header length of a VALE
 * port; SET accepts 0, 10 or 12.
 */
struct nmreq_port_hdr {
	uint32_t	nr_hdr_len;	/*  0 (in for SET, out for GET) */
	uint32_t	pad1;		/*  4 */
};

/*
 * NETMAP_REQ_VALE_NEWIF: create the persistent VALE port nr_name (no
 * "vale" prefix).  All fields are (in/out): the values used are written
 * back, also on EEXIST.
 */
struct nmreq_vale_newif {
	uint32_t	nr_tx_slots;	/*  0 */
	uint32_t	nr_rx_slots;	/*  4 */
	uint16_t	nr_tx_rings;	/*  8 */
	uint16_t	nr_rx_rings;	/* 10 */
	uint16_t	nr_mem_id;	/* 12 */
	uint16_t	pad1;		/* 14 */
};

/*
 * NETMAP_REQ_VALE_POLLING_ENABLE / _DISABLE: kernel threads that poll the
 * rings of a system interface attached to a VALE switch.
 */
struct nmreq_vale_polling {
	uint32_t	nr_mode;		/*  0 (in) NETMAP_POLLING_MODE_* */
	uint32_t	nr_first_cpu_id;	/*  4 (in) */
	uint32_t	nr_num_polling_cpus;	/*  8 (in) */
	uint32_t	pad1;			/* 12 */
};

#define NETMAP_POLLING_MODE_SINGLE_CPU	1	/* one thread on first cpu */
#define NETMAP_POLLING_MODE_MULTI_CPU	2	/* one thread per ring */

/*
 * NETMAP_REQ_POOLS_INFO_GET: layout of the memory region of port nr_name
 * (an empty name fails).  Offsets are from the start of the region; also
 * the in/out part of the EXTMEM option.
 */
struct nmreq_pools_info {
	uint64_t	nr_memsize;		/*  0 */
	uint16_t	nr_mem_id;		/*  8 */
	uint16_t	pad1[3];		/* 10 */
	uint64_t	nr_if_pool_offset;	/* 16 */
	uint32_t	nr_if_pool_objtotal;	/* 24 */
	uint32_t	nr_if_pool_objsize;	/* 28 */
	uint64_t	nr_ring_pool_offset;	/* 32 */
	uint32_t	nr_ring_pool_objtotal;	/* 40 */
	uint32_t	nr_ring_pool_objsize;	/* 44 */
	uint64_t	nr_buf_pool_offset;	/* 48 */
	uint32_t	nr_buf_pool_objtotal;	/* 56 */
	uint32_t	nr_buf_pool_objsize;	/* 60 */
};

/*
 * NETMAP_REQ_SYNC_KLOOP_START: run the kernel sync loop for the bound
 * rings of a fd in CSB mode.  Blocks inside the ioctl until
 * NETMAP_REQ_SYNC_KLOOP_STOP is issued on the same fd.
 */
struct nmreq_sync_kloop_start {
	uint32_t	sleep_us;	/*  0 (in) sleep between iterations */
	uint32_t	pad1;		/*  4 */
};

/* ------------------------------------------------------------------------
 * NIOCCTRL: options
 *
 * Options form a singly linked list of user pointers starting at
 * nmreq_header::nr_options.  Each option is a 24-byte nmreq_option header
 * directly followed by its body in the same user buffer.  The kernel
 * always writes nro_status back; the body is copied back only if both
 * the request and the option succeeded.
 */
struct nmreq_option {
	uint64_t	nro_next;	/*  0 (in) next option, 0 ends the list */
	uint32_t	nro_reqtype;	/*  8 (in) NETMAP_REQ_OPT_*; 0 = EINVAL */
	/*
	 * 0 if the option was recognised and processed, otherwise an errno
	 * (EOPNOTSUPP for an option that is unknown or was not used).
	 */
	uint32_t	nro_status;	/* 12 (out) */
	/* Total size, header included, for variable-size options; else 0. */
	uint64_t	nro_size;	/* 16 (in) */
};

/* nmreq_option::nro_reqtype */
enum {
	NETMAP_REQ_OPT_EXTMEM = 1,		/* nmreq_opt_extmem */
	NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS = 2,	/* nmreq_opt_sync_kloop_eventfds */
	NETMAP_REQ_OPT_CSB = 3,			/* nmreq_opt_csb */
	NETMAP_REQ_OPT_SYNC_KLOOP_MODE = 4,	/* nmreq_opt_sync_kloop_mode */
	NETMAP_REQ_OPT_OFFSETS = 5,		/* nmreq_opt_offsets */
	NETMAP_REQ_OPT_MAX = 6,			/* first unknown type */
};

/*
 * NETMAP_REQ_OPT_EXTMEM (with REGISTER): use user memory at nro_usrptr as
 * the memory region; nro_info gives the wanted pool sizes and returns the
 * ones used.
 */
struct nmreq_opt_extmem {
	struct nmreq_option	nro_opt;	/*  0 */
	uint64_t		nro_usrptr;	/* 24 (in) */
	struct nmreq_pools_info	nro_info;	/* 32 (in/out) */
};

/*
 * NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS (with SYNC_KLOOP_START): one entry
 * per bound ring, or the request fails.  nro_opt.nro_size is the total
 * size in bytes: 24 + 8 * number of entries.
 */
struct nmreq_opt_sync_kloop_eventfds {
	struct nmreq_option	nro_opt;	/*  0 */
	struct {
		int32_t	ioeventfd;	/* (in) application -> kernel kick */
		int32_t	irqfd;		/* (in) kernel -> application kick */
	} eventfds[];				/* 24 */
};

/*
 * NETMAP_REQ_OPT_CSB (with REGISTER or CSB_ENABLE; needs NR_EXCLUSIVE):
 * user pointers to arrays of nm_csb_atok / nm_csb_ktoa, one entry per
 * bound ring, each aligned to 64 bytes.
 */
struct nmreq_opt_csb {
	struct nmreq_option	nro_opt;	/*  0 */
	uint64_t		csb_atok;	/* 24 (in) */
	uint64_t		csb_ktoa;	/* 32 (in) */
};

/* NETMAP_REQ_OPT_SYNC_KLOOP_MODE (with SYNC_KLOOP_START). */
struct nmreq_opt_sync_kloop_mode {
	struct nmreq_option	nro_opt;	/*  0 */
	uint32_t		mode;		/* 24 (in) NM_OPT_SYNC_KLOOP_* */
	uint32_t		pad1;		/* 28 */
};

#define NM_OPT_SYNC_KLOOP_DIRECT_TX	1	/* TX handled directly on kick */
#define NM_OPT_SYNC_KLOOP_DIRECT_RX	2	/* RX handled directly on kick */

/*
 * NETMAP_REQ_OPT_OFFSETS (with REGISTER): let slots carry a packet offset
 * inside their buffer, in the low bits of netmap_slot::ptr.
 */
struct nmreq_opt_offsets {
	struct nmreq_option	nro_opt;		/*  0 */
	/* Largest offset the user will use; <= buffer size and it must
	 * fit in nro_offset_bits. */
	uint64_t		nro_max_offset;		/* 24 (in) */
	/* Offset the kernel puts in every slot at register time; <= max. */
	uint64_t		nro_initial_offset;	/* 32 (in) */
	/* Bits of ptr used for the offset (<= 64); 0 means 64. */
	uint32_t		nro_offset_bits;	/* 40 (in) */
	/* Alignment of packet starts in TX buffers. */
	uint32_t		nro_tx_align;		/* 44 (in) */
	/* Minimum buffer space wanted past the offset. */
	uint64_t		nro_min_gap;		/* 48 (in) */
};

/*
 * NETMAP_REQ_OPT_PORT_STATS: a netmapd extension, not part of netmap. With
 * PORT_INFO_GET (by name) it returns the counters of a VALE port, a NIC
 * ("eth1": all its rings; "eth1^": its host rings only), a pipe end ("p{1",
 * "p}1") or the monitors of a port ("vale0:a/rt#3" as the monitor was
 * named at REGISTER, or "vale0:a/rt" for every monitor of vale0:a in that
 * mode; PORT_INFO_GET then describes the first of them). With VALE_LIST (by
 * name) it returns those of a VALE port. Old applications never send it,
 * so the ABI is unchanged; a kernel without it leaves nro_status =
 * EOPNOTSUPP, one without the fields after rx_drops leaves them 0 (kind
 * NM_PORT_STATS_KIND_UNKNOWN). A frame a port takes from its TX ring and
 * cannot send on counts in tx_errors (there is no tx_drops). Counters are
 * read without stopping the traffic: each is exact, their set may be
 * slightly out of step; they start at 0 when the object is created.
 * Invariant over a switch: the copies the senders attempted (one per
 * destination of each frame) = sum of rx_packets + rx_drops. A pipe counts
 * slots, not frames (a frame of several NS_MOREFRAG slots counts several);
 * its ends never drop (a full ring stops the sender). A monitor's rx
 * counters are the copies it got and those dropped because its ring was
 * full.
 */
#define NETMAP_REQ_OPT_PORT_STATS	0x4e4d0001u

enum {
	NM_PORT_STATS_KIND_UNKNOWN = 0,	/* a kernel without the field */
	NM_PORT_STATS_KIND_VALE = 1,	/* a port of a switch ("vale0:a", "vale0:eth1^") */
	NM_PORT_STATS_KIND_NIC = 2,	/* a NIC in netmap mode, all its rings */
	NM_PORT_STATS_KIND_NIC_HOST = 3,	/* the host rings of a NIC ("eth1^") */
	NM_PORT_STATS_KIND_PIPE = 4,	/* an end of a pipe */
	NM_PORT_STATS_KIND_MONITOR = 5,	/* monitors of a port */
};

struct nmreq_opt_port_stats {
	struct nmreq_option	nro_opt;	/*  0 */
	uint64_t	tx_packets;	/* 24 (out) frames taken from the TX rings */
	uint64_t	tx_bytes;	/* 32 (out) */
	uint64_t	tx_errors;	/* 40 (out) bad slots, runts, too-long chains,
					 *    frames sent while on no switch */
	uint64_t	rx_packets;	/* 48 (out) frames copied into the RX rings */
	uint64_t	rx_bytes;	/* 56 (out) */
	uint64_t	rx_drops;	/* 64 (out) frames dropped: RX ring full */
	uint64_t	rx_errors;	/* 72 (out) a monitor's slots with a bad buffer */
	uint32_t	kind;		/* 80 (out) NM_PORT_STATS_KIND_* */
	uint32_t	nr_objects;	/* 84 (out) monitors summed; 1 for the others */
	uint64_t	reserved[2];	/* 88 */
};

/*
 * The netmapd release this module comes from, also its MODULE_VERSION
 * (/sys/module/netmap/version). netmapd compares it with its own to find
 * a stale module after an upgrade; it equals the project's version.
 */
#define NETMAPD_MODULE_VERSION	"0.1.0"

/*
 * netmapd extension requests (not part of netmap): nr_reqtype values
 * 0x4e00..0x4eff ('N' in the high byte) belong to this module; netmap's
 * own types are small numbers and a kernel without the extension answers
 * EINVAL (unknown type), which is how a caller detects it.
 *
 * NETMAP_REQ_NMD_WATCH_ADD / NETMAP_REQ_NMD_WATCH_DEL: release watches.
 * Both need CAP_NET_ADMIN in the user namespace that owns the caller's
 * network namespace (EPERM otherwise, nothing changes). The first ADD on an
 * fd that is not bound makes that fd a *watcher* for good (a bound fd: EBUSY;
 * a watcher cannot be bound later: REGISTER gives EBUSY). ADD with nr_fd >= 0
 * registers the open file that nr_fd (an fd of the caller) refers to, which
 * must be a /dev/netmap file (else EINVAL; no such fd: EBADF), with
 * nr_cookie. The watcher keeps no reference to that file: when its last
 * reference goes (every fd of it closed, in every process it was passed
 * to, and every mapping of its region unmapped), the kernel unbinds it and
 * then queues nr_cookie on the watcher. read() on the watcher returns
 * queued cookies as an array of uint64_t (at most len / 8; blocks while none
 * unless O_NONBLOCK: EAGAIN); poll() reports POLLIN while one is queued. ADD
 * with nr_fd == -1 only makes the fd a watcher (a probe). A watcher holds at
 * most nr_max watches (registered or queued and not yet read; ENOSPC past
 * it), each charged to the caller's memory cgroup. DEL removes every watch
 * of the watcher with nr_cookie, registered or queued (ENOENT if none;
 * nr_fd is ignored). Closing the watcher drops its watches; a file that is
 * watched by several watchers (or twice) reports to each. nr_count returns
 * the watcher's watches after the request. A non-watcher fd: DEL and read()
 * give EINVAL.
 */
#define NETMAP_REQ_NMD_WATCH_ADD	0x4e01
#define NETMAP_REQ_NMD_WATCH_DEL	0x4e02

struct nmreq_nmd_watch {
	int32_t		nr_fd;		/*  0 (in) ADD: fd to watch, -1: none */
	uint32_t	nr_flags;	/*  4 (in) must be 0 */
	uint64_t	nr_cookie;	/*  8 (in) reported on release; DEL: which */
	uint32_t	nr_count;	/* 16 (out) watches held by the watcher */
	uint32_t	nr_max;		/* 20 (out) the most it may hold */
};

/*
 * Communication Status Block entries, one pair per bound ring, used
 * instead of the ring's head/cur/tail when the fd is in CSB mode.
 */

/* Application to kernel.  64 bytes. */
struct nm_csb_atok {
	uint32_t	head;		/*  0 (in) like netmap_ring::head */
	uint32_t	cur;		/*  4 (in) like netmap_ring::cur */
	uint32_t	appl_need_kick;	/*  8 (in) app wants a notification */
	uint32_t	sync_flags;	/* 12 (in) flags for the next sync */
	uint32_t	pad[12];	/* 16 */
};

/* Kernel to application.  64 bytes. */
struct nm_csb_ktoa {
	uint32_t	hwcur;		/*  0 (out) last head the kernel took */
	uint32_t	hwtail;		/*  4 (out) like netmap_ring::tail */
	uint32_t	kern_need_kick;	/*  8 (out) kernel wants a kick */
	uint32_t	pad[13];	/* 12 */
};

/* ------------------------------------------------------------------------
 * Legacy API: NIOCGINFO and NIOCREGIF take a struct nmreq.  60 bytes.
 *
 * The kernel turns each call into the equivalent NIOCCTRL request; see
 * the ABI notes for the exact mapping.  nr_version must be >= 14.
 */
struct nmreq {
	char		nr_name[IFNAMSIZ];	/*  0 (in) port name */
	uint32_t	nr_version;		/* 16 (in) NETMAP_API */
	uint32_t	nr_offset;		/* 20 (out) netmap_if offset */
	uint32_t	nr_memsize;		/* 24 (out) region size */
	uint32_t	nr_tx_slots;		/* 28 (in/out) */
	uint32_t	nr_rx_slots;		/* 32 (in/out) */
	uint16_t	nr_tx_rings;		/* 36 (in/out) */
	uint16_t	nr_rx_rings;		/* 38 (in/out) */
	uint16_t	nr_ringid;		/* 40 (in) NETMAP_RING_MASK etc. */
	uint16_t	nr_cmd;			/* 42 (in) 0 or NETMAP_BDG_* */
	uint16_t	nr_arg1;		/* 44 (in/out) command argument */
	uint16_t	nr_arg2;		/* 46 (in/out) mem_id */
	uint32_t	nr_arg3;		/* 48 (in/out) extra buffers */
	/* NR_REG_* in bits 0..3 (NR_REG_MASK), plus the NR_* flags. */
	uint32_t	nr_flags;		/* 52 (in) */
	uint32_t	spare2[1];		/* 56 */
};

/* nmreq::nr_cmd */
#define NETMAP_BDG_ATTACH	1	/* VALE_ATTACH */
#define NETMAP_BDG_DETACH	2	/* VALE_DETACH */
#define NETMAP_BDG_REGOPS	3	/* kernel-internal, never converted */
#define NETMAP_BDG_LIST		4	/* NIOCGINFO: VALE_LIST */
#define NETMAP_BDG_VNET_HDR	5	/* PORT_HDR_SET, nr_arg1 = length */
#define NETMAP_BDG_NEWIF	6	/* VALE_NEWIF */
#define NETMAP_BDG_DELIF	7	/* VALE_DELIF */
#define NETMAP_PT_HOST_CREATE	8	/* unsupported */
#define NETMAP_PT_HOST_DELETE	9	/* unsupported */
#define NETMAP_BDG_POLLING_ON	10	/* VALE_POLLING_ENABLE */
#define NETMAP_BDG_POLLING_OFF	11	/* VALE_POLLING_DISABLE */
#define NETMAP_VNET_HDR_GET	12	/* PORT_HDR_GET */

/* nmreq::nr_arg1 with NETMAP_BDG_ATTACH: attach the host stack too. */
#define NETMAP_BDG_HOST		1

/* nmreq::nr_ringid */
#define NETMAP_RING_MASK	0x0fff	/* ring number */
#define NETMAP_NO_TX_POLL	0x1000	/* becomes NR_NO_TX_POLL */
#define NETMAP_SW_RING		0x2000	/* with NR_REG_DEFAULT: NR_REG_SW */
#define NETMAP_HW_RING		0x4000	/* with NR_REG_DEFAULT: NR_REG_ONE_NIC */
#define NETMAP_DO_RX_POLL	0x8000	/* becomes NR_DO_RX_POLL */

/* nmreq::nr_flags: the NR_REG_* mode lives in the low four bits. */
#define NR_REG_MASK		0xf

/* nmreq_vale_list::nr_port_idx when the named port was not found. */
#define NM_BDG_NOPORT		255

/* ------------------------------------------------------------------------
 * NIOCCONFIG: opaque configuration for external modules.  272 bytes.
 */
#define NM_IFRDATA_LEN		256

struct nm_ifreq {
	char	nifr_name[IFNAMSIZ];	/*   0 */
	char	data[NM_IFRDATA_LEN];	/*  16 */
};

/* ------------------------------------------------------------------------
 * ioctls on a /dev/netmap file descriptor.
 *
 * The argument is copied in with exactly sizeof() of its type and always
 * copied back, also on failure.  NIOCTXSYNC/NIOCRXSYNC take no argument:
 * they sync every ring bound to the fd and never block.
 */
#define NIOCGINFO	_IOWR('i', 145, struct nmreq)		/* legacy */
#define NIOCREGIF	_IOWR('i', 146, struct nmreq)		/* legacy */
#define NIOCTXSYNC	_IO('i', 148)
#define NIOCRXSYNC	_IO('i', 149)
#define NIOCCONFIG	_IOWR('i', 150, struct nm_ifreq)
#define NIOCCTRL	_IOWR('i', 151, struct nmreq_header)

#endif /* NET_NETMAP_H */
