/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern - the daemon's whole view of the kernel, as one table of operations:
 * netmap requests on /dev/netmap, netdev queries and NIC preparation.
 *
 * Two backends implement it: the real one (kern_netmap.c: NIOCCTRL on
 * /dev/netmap, sysfs, nicprep.c) and a fake, in-memory one for the unit
 * tests of the planner (tests/unit/fake_kern.c). The engine and the RPC
 * methods never call ioctl() themselves, so everything above this table is
 * testable on the host; the proof that it works is the VM tests, which run
 * the real backend against the real module.
 *
 * Conventions: every operation returns 0 or a negative errno (what the
 * kernel said, unchanged, so that callers can report "kernel errno" to
 * clients). @ctx is the backend's own state. Names are netmap's: "vale0:p",
 * "v0" (a persistent port), "eth1", "v0{1". Nothing here keeps a pointer to
 * the caller's strings. Not thread-safe (the daemon is one event loop),
 * but port_open_mt, made for worker threads.
 */
#ifndef NETMAPD_KERN_H
#define NETMAPD_KERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "nicprep.h"

/* What REGISTER returned (struct nmreq_register's reply fields). */
struct kern_reg {
	uint64_t memsize;
	uint64_t offset;	/* of this fd's netmap_if in the region */
	uint16_t mem_id;
	uint32_t tx_rings, rx_rings, host_tx_rings, host_rx_rings;
	uint32_t tx_slots, rx_slots;
	uint32_t extra_bufs;
};

/* A REGISTER to make: the fields of struct nmreq_register a caller sets. */
struct kern_open {
	const char *name;	/* nr_name, e.g. "vale0:vm1", "v0{1", "eth1^" */
	uint32_t mode;		/* NR_REG_* */
	uint16_t ringid;	/* for NR_REG_ONE_NIC / NR_REG_ONE_SW */
	uint64_t flags;		/* NR_* flags, e.g. NR_EXCLUSIVE */
	uint16_t mem_id;	/* 0: the port's own */
	uint32_t tx_rings, rx_rings, tx_slots, rx_slots; /* 0: defaults */
	uint32_t extra_bufs;
};

/* One port of a VALE switch as VALE_LIST enumerates it. */
struct kern_vale_port {
	char name[NMD_REQ_IFNAMSIZ];	/* "valeB:P" */
	uint32_t bridge_idx, port_idx;
};

/*
 * Counters of a port (NETMAP_REQ_OPT_PORT_STATS); all zero if unknown.
 * kind: NM_PORT_STATS_KIND_* (0 from a module without the field);
 * objects: how many monitors were summed (1 for other ports).
 */
struct kern_stats {
	uint64_t tx_packets, tx_bytes, tx_errors;
	uint64_t rx_packets, rx_bytes, rx_drops, rx_errors;
	uint32_t kind, objects;
};

struct kern_ops {
	/*
	 * Every port of every switch. *ports is malloc'ed (the caller frees
	 * it), *n its length; 0 and n == 0 when there is none.
	 */
	int (*vale_list)(void *ctx, struct kern_vale_port **ports, size_t *n);
	/* VALE_ATTACH "valeB:X" (X a persistent port or a NIC); @host: with host rings. */
	int (*vale_attach)(void *ctx, const char *name, bool host, uint16_t mem_id);
	int (*vale_detach)(void *ctx, const char *name);
	/* VALE_NEWIF / VALE_DELIF of a persistent port (a netdev). */
	int (*vale_newif)(void *ctx, const char *name, uint32_t tx_rings, uint32_t rx_rings,
			  uint32_t tx_slots, uint32_t rx_slots, uint16_t mem_id);
	int (*vale_delif)(void *ctx, const char *name);
	/* POLLING_ENABLE / DISABLE on "valeB:NIC". */
	int (*polling_enable)(void *ctx, const char *name, const struct nmd_polling *p);
	int (*polling_disable)(void *ctx, const char *name);

	/*
	 * Open /dev/netmap and REGISTER: a new fd (O_CLOEXEC) in *fd, owned by
	 * the caller, and the reply in *reg. Nothing is left open on failure.
	 */
	int (*port_open)(void *ctx, const struct kern_open *req, int *fd, struct kern_reg *reg);
	/*
	 * Optional (may be NULL: port_open on the loop only): port_open for
	 * a worker thread, concurrent with every other operation of the
	 * table. It touches nothing of @ctx that changes after the backend
	 * was made (no why()), and the caller keeps @ctx alive meanwhile.
	 */
	int (*port_open_mt)(void *ctx, const struct kern_open *req, int *fd, struct kern_reg *reg);
	/* PORT_INFO_GET (never creates anything). */
	int (*port_info)(void *ctx, const char *name, struct kern_reg *reg);
	/*
	 * Counters of a VALE port, a NIC ("eth1", host rings "eth1^"), a pipe
	 * end, or the monitors "P/MODE" (NETMAP_REQ_OPT_PORT_STATS); with
	 * @reg (may be NULL) the port's geometry too (PORT_INFO_GET).
	 */
	int (*port_stats)(void *ctx, const char *name, struct kern_stats *st);

	/* 1 if a netdev @ifname exists, 0 if not, or a negative errno. */
	int (*netdev_exists)(void *ctx, const char *ifname);
	/*
	 * NIC preparation (nicprep.h): save what is there into *saved, then
	 * apply @prep. On failure nothing is left changed. nic_restore puts
	 * back what nic_prepare saved.
	 */
	int (*nic_prepare)(void *ctx, const char *ifname, const struct nmd_nic_prep *prep,
			   bool bridged, struct nic_saved *saved);
	int (*nic_restore)(void *ctx, const char *ifname, const struct nic_saved *saved);
	/*
	 * nic_observe() of nicprep.h: what nic_prepare would change, read
	 * without changing anything (the NIC's original settings, for the
	 * write-ahead intent in the state file). May be NULL only in test
	 * backends without NICs: the intent then records no originals.
	 */
	int (*nic_observe)(void *ctx, const char *ifname, const struct nmd_nic_prep *prep,
			   bool bridged, struct nic_saved *saved);

	/*
	 * Optional (may be NULL): a one-line reason for the last failure, when
	 * the backend knows more than the errno (nic_prepare's "eth1 has
	 * address 10.0.0.1/24"). NULL when there is none.
	 */
	const char *(*why)(void *ctx);
	/*
	 * Optional (may be NULL): nic_reassert() of nicprep.h, called after a
	 * prepared NIC was attached (some drivers drop promiscuous mode).
	 */
	int (*nic_reassert)(void *ctx, const char *ifname, const struct nic_saved *saved);

	/*
	 * Optional (may be NULL: not supported): release watches, netmap.ko's
	 * NETMAP_REQ_NMD_WATCH_ADD/DEL. watch_open makes a new watcher fd
	 * (O_CLOEXEC | O_NONBLOCK, the caller's) in *wfd; -EOPNOTSUPP on a
	 * module without the extension. watch_add reports @cookie on @wfd once
	 * the open file of @fd is released everywhere; watch_del forgets
	 * @cookie (-ENOENT if unknown). watch_read reads up to @n released
	 * cookies into @c: how many (0: none now), or a negative errno.
	 */
	int (*watch_open)(void *ctx, int *wfd);
	int (*watch_add)(void *ctx, int wfd, int fd, uint64_t cookie);
	int (*watch_del)(void *ctx, int wfd, uint64_t cookie);
	int (*watch_read)(void *ctx, int wfd, uint64_t *c, size_t n);

	/*
	 * Optional (may be NULL: never in use): nic_in_use() of nicprep.h, 1
	 * if @ifname carries addresses or routes (the reason in @why), 0, or
	 * -errno. The plan uses it to refuse, in advance, what nic_prepare
	 * would refuse.
	 */
	int (*nic_in_use)(void *ctx, const char *ifname, char *why, size_t why_len);
};

struct kern {
	const struct kern_ops *ops;
	void *ctx;
};

/*
 * The real backend. @dev is the control device ("/dev/netmap" unless a
 * test says otherwise). kern_netmap_close() frees what kern_netmap_new()
 * made (not the fds handed out by port_open).
 */
int kern_netmap_new(const char *dev, struct kern *k);
/*
 * What an errno from opening the control device @dev means, for people:
 * "/dev/netmap is missing: is netmap.ko loaded ..., is the module built for
 * this kernel (dkms status)?" for ENOENT/ENODEV/ENXIO. Returns @buf.
 */
const char *kern_dev_why(const char *dev, int err, char *buf, size_t len);
void kern_netmap_close(struct kern *k);

#endif /* NETMAPD_KERN_H */
