/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * portspec - what a port.open request asks the kernel for, parsed the way
 * our netmap.ko will read it. Pure: no I/O, no configuration.
 *
 * A client names a port in netmap's portspec grammar (NETMAP-ABI §6,
 * libnetmap's nmport_parse):
 *
 *   [netmap:]NAME[RINGS][/FLAGS][@MEMID][@conf:KEY=VAL,...]
 *
 *   NAME   up to the first of - * ^ / @ ; classified as the kernel's
 *          REGISTER does with nr_name (kernel/port.c nm_port_lookup): a
 *          '{' or '}' makes it a pipe end (the last '{', else the last '}',
 *          splits parent and id; the id is [A-Za-z0-9_]+, the parent is not
 *          a pipe); else "vale..." is a VALE port valeB:P (B of
 *          [A-Za-z0-9_], P 1..15 characters); else an interface name (a NIC
 *          or a persistent port, Linux's rules);
 *   RINGS  -N hardware ring pair N, ^ all host rings, ^N host ring pair N,
 *          * hardware and host rings; none: all hardware rings;
 *   FLAGS  x exclusive, z zero-copy monitor, t/r copy monitor of TX/RX,
 *          R RX rings only, T TX rings only;
 *   @N     memory region N (N > 0);
 *   @conf: rings, tx-rings, rx-rings, host-rings, host-tx-rings,
 *          host-rx-rings, slots, tx-slots, rx-slots.
 *
 * Only NAME goes to the kernel as nr_name; the rest becomes nr_mode,
 * nr_ringid, nr_flags, nr_mem_id and counts. So the kernel never sees a
 * '^', '/', '-' or '@' in a name (it would take them as part of a port
 * name and create, say, VALE port "a^"). Anything the parser cannot
 * classify is an error, with a phrase saying why.
 *
 * portspec_merge() adds what the request says outside the name (port.open
 * "mode", "ring", "flags", "exclusive"): flags are combined; rings given
 * both ways must agree, except that "mode": "all" alone (every client's
 * default) yields to the rings of the name.
 */
#ifndef NETMAPD_PORTSPEC_H
#define NETMAPD_PORTSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"

enum ps_kind {
	PS_PLAIN, /* an interface name: NIC, persistent port (or anything in the kernel's registry) */
	PS_VALE,  /* valeB:P */
	PS_PIPE,  /* parent{id, parent}id */
};

enum ps_conf {
	PS_CONF_TX_RINGS,
	PS_CONF_RX_RINGS,
	PS_CONF_HOST_TX_RINGS,
	PS_CONF_HOST_RX_RINGS,
	PS_CONF_TX_SLOTS,
	PS_CONF_RX_SLOTS,
	PS_CONF__COUNT
};

/* A name as the kernel classifies it (also used for a pipe's parent). */
struct ps_name {
	enum ps_kind kind;
	char full[NMD_REQ_IFNAMSIZ]; /* the whole nr_name */
	char sw[NMD_IFNAMSIZ];       /* PS_VALE: "vale0" */
	char port[NMD_IFNAMSIZ];     /* PS_VALE: "vm1"; PS_PLAIN: the interface */
};

struct portspec {
	struct ps_name name;              /* what goes into nr_name */
	/* PS_PIPE: the parent (PS_VALE or PS_PLAIN), the id, which end. */
	struct ps_name parent;
	char pipe_id[NMD_REQ_IFNAMSIZ];
	bool slave;                       /* '}' */

	uint32_t mode;                    /* NR_REG_*: ALL_NIC, ONE_NIC, SW, NIC_SW, ONE_SW */
	uint16_t ringid;
	bool ringspec;                    /* the name gave the rings */
	uint64_t flags;                   /* NR_* */
	uint16_t mem_id;                  /* 0: not asked */
	bool conf_set[PS_CONF__COUNT];
	uint32_t conf[PS_CONF__COUNT];
};

/* NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON */
#define PS_MONITOR_FLAGS 0x700ull

/*
 * Parse @s into *ps. 0, or -EINVAL with a phrase in @why that follows the
 * quoted name ("\"vale0:a/q\": unknown flag 'q' after '/' ...").
 */
int portspec_parse(const char *s, struct portspec *ps, char *why, size_t len);

/*
 * Merge the request's rings and flags. @mode_given: "mode" was in the
 * request (NR_REG_* in @mode); @ring_given: "ring" was (@ring). 0 or
 * -EINVAL with @why.
 */
int portspec_merge(struct portspec *ps, bool mode_given, uint32_t mode, bool ring_given,
		   uint16_t ring, uint64_t flags, char *why, size_t len);

/* Does the request bind host rings (SW, NIC_SW, ONE_SW)? */
bool portspec_host(const struct portspec *ps);

/* The monitor modes asked for, as NMD_MONITOR_* bits (0: not a monitor). */
unsigned portspec_monitor(const struct portspec *ps);

/* Classify @s as the kernel does a plain nr_name (no suffixes). 0 or -EINVAL + @why. */
int portspec_classify(const char *s, struct ps_name *n, char *why, size_t len);

#endif /* NETMAPD_PORTSPEC_H */
