/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmport.h - open a netmap port by name, for the traffic tools.
 *
 * Two ways in:
 *
 *   nmport_open(&p, "netmap:eth0-1", ...)  parse the name (netmap's port
 *        grammar, below), open /dev/netmap, REGISTER, mmap the region;
 *   nmport_from_fd(&p, fd, name, &reg, mem)  adopt a fd that somebody else
 *        (later: libnmd, handing out ports of netmapd) already bound: the
 *        REGISTER reply says where the netmap_if is and how big the region
 *        is; mem is the region if the caller mapped it already, else NULL
 *        and nmport maps it.
 *
 * Both end with the same filled struct nmport: the fd, the region, the
 * netmap_if and the range of bound rings in each direction. The tools use
 * nothing else, so they work the same on ports they opened and on ports
 * they were given.
 *
 * Port names (what nmport_parse() accepts), after libnetmap:
 *
 *   [netmap:]NAME[RINGS][/FLAGS][@MEMID][@conf:KEY=VAL,...]
 *   NAME   an interface (eth0), a VALE port (vale0:p, the "valeX:" part
 *          is kept in nr_name), a pipe end (x{1 master, x}1 slave: the id
 *          after { or } is [A-Za-z0-9_]+); the name ends at the first of
 *          - * ^ / @
 *   RINGS  none: all hardware rings (NR_REG_ALL_NIC)
 *          -N   hardware ring pair N (NR_REG_ONE_NIC)
 *          ^    all host rings (NR_REG_SW), ^N host ring pair N (ONE_SW)
 *          *    hardware and host rings (NR_REG_NIC_SW)
 *   FLAGS  x NR_EXCLUSIVE, z NR_ZCOPY_MON, t NR_MONITOR_TX,
 *          r NR_MONITOR_RX, R NR_RX_RINGS_ONLY, T NR_TX_RINGS_ONLY
 *   MEMID  @N, N > 0: register on allocator N
 *   @conf: rings, tx-rings, rx-rings, host-rings, host-tx-rings,
 *          host-rx-rings, slots, tx-slots, rx-slots (ring/slot counts asked
 *          for in REGISTER)
 *
 * Unlike libnetmap the "netmap:" prefix may be left out ("eth0" and
 * "netmap:eth0" are the same port). Bad names give -EINVAL and a message.
 *
 *   env:LABEL  a port netmapd handed to this process (`nmctl exec --port
 *          NAME[=LABEL] -- nm-pktgen -i env:LABEL`, see libnmd(3)): LABEL
 *          is its fd name (the port name with ':' turned into '.', or the
 *          LABEL given to nmctl) or its port name; it is already bound and
 *          mapped, so no /dev/netmap access is needed.
 *
 * Functions return 0 or a negative errno and never exit(); on error they
 * write a one-line reason into @err (if not NULL).
 */
#ifndef NMPORT_H
#define NMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/netmap.h>
#include <net/netmap_user.h>

/* A parsed port name: what goes into nmreq_header + nmreq_register. */
struct nmport_spec {
	char nr_name[NETMAP_REQ_IFNAMSIZ];	/* name as the kernel sees it */
	uint32_t mode;				/* NR_REG_* */
	uint16_t ringid;			/* ONE_NIC / ONE_SW */
	uint64_t flags;				/* NR_* */
	uint16_t mem_id;			/* 0: the kernel picks */
	/* @conf: values, 0 = default. */
	uint32_t tx_slots, rx_slots;
	uint16_t tx_rings, rx_rings, host_tx_rings, host_rx_rings;
	bool has_ringspec;			/* -N ^ ^N * given */
	char env_label[NETMAP_REQ_IFNAMSIZ];	/* "env:LABEL": a handed port */
};

/* An open (bound and mapped) port. */
struct nmport {
	int fd;					/* -1 when closed */
	bool own_fd;				/* close it in nmport_close() */
	char name[NETMAP_REQ_IFNAMSIZ];		/* nr_name it was bound as */
	struct nmreq_register reg;		/* the REGISTER reply */
	void *mem;				/* the region, reg.nr_memsize bytes */
	bool own_mem;				/* munmap it in nmport_close() */
	struct netmap_if *nifp;
	/* Bound rings, as indexes for NETMAP_TXRING/RXRING: [first, last). */
	uint16_t first_tx, last_tx;
	uint16_t first_rx, last_rx;
};

#define NMPORT_ERRLEN 160

/* Parse @name into @s (zeroed first). 0 or -EINVAL. */
int nmport_parse(const char *name, struct nmport_spec *s, char *err, size_t errlen);

/* Open /dev/netmap, REGISTER @s, mmap. On error @p is closed (fd -1). */
int nmport_open_spec(struct nmport *p, const struct nmport_spec *s, char *err, size_t errlen);

/* nmport_parse() + nmport_open_spec(). */
int nmport_open(struct nmport *p, const char *name, char *err, size_t errlen);

/*
 * Adopt a fd bound by someone else: @reg is its REGISTER reply (nr_offset,
 * nr_memsize, ring counts, nr_mem_id), @name the port's name (for
 * messages, may be NULL), @mem the region if already mapped (the caller
 * keeps owning it) or NULL to map it here. If @take_fd, nmport_close()
 * closes the fd. On error nothing is closed.
 */
int nmport_from_fd(struct nmport *p, int fd, const char *name, const struct nmreq_register *reg,
		   void *mem, bool take_fd, char *err, size_t errlen);

/*
 * The port netmapd handed to this process under @label (nmport_env.c):
 * libnmd's nmd_ports_from_env() reads LISTEN_FDS/NMD_PORTS once; the fd and
 * mapping stay libnmd's for the life of the process. -ENOENT if no such
 * port was handed over.
 */
int nmport_from_env(struct nmport *p, const char *label, char *err, size_t errlen);

/* Unmap and close what the port owns; safe on a closed port. */
void nmport_close(struct nmport *p);

static inline struct netmap_ring *nmport_txring(const struct nmport *p, unsigned int i)
{
	return NETMAP_TXRING(p->nifp, i);
}

static inline struct netmap_ring *nmport_rxring(const struct nmport *p, unsigned int i)
{
	return NETMAP_RXRING(p->nifp, i);
}

/*
 * Counters of a VALE port (NETMAP_REQ_OPT_PORT_STATS on PORT_INFO_GET, a
 * netmapd extension), by name on a fresh fd. 0, -EOPNOTSUPP (kernel or port
 * without them) or another negative errno.
 */
int nmport_vale_stats(const char *nr_name, struct nmreq_opt_port_stats *st);

#endif /* NMPORT_H */
