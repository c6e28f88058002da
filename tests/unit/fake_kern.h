/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fake_kern - an in-memory kernel behind struct kern (daemon/kern.h), for
 * the engine's unit tests and the planning benchmark.
 *
 * It keeps what netmap and Linux would: netdevs (NICs that "exist", and
 * persistent VALE ports made by NEWIF), switches with their ports and
 * indexes, polling, pipe fds (real eventfds: closing one is real, and the
 * pipe is gone once its fd is closed), and each NIC's settings so that
 * prepare/restore can be checked. It follows the errno rules of
 * NETMAP-ABI §7 that the engine relies on (EEXIST, EBUSY while attached
 * or while a pipe is held, ENXIO for what does not exist).
 *
 * Failure injection: fake_fail(f, op, n, err) makes the n-th call of @op
 * from now fail with -err (once); FK_ANY counts every call that changes
 * something (attach, detach, newif, delif, polling, port_open, NIC
 * prepare/restore/reassert).
 *
 * Clients' ports: port_open of a VALE name ("vale0:vm1") hands out a fd
 * with the geometry of an ephemeral port (not listed by VALE_LIST: the
 * fake keeps only the ports the daemon makes), and port_stats of any VALE
 * name answers fake_set_tx_packets()'s count; other names without a pipe
 * suffix are ENXIO. fake_kern_watch() adds the release watch.
 *
 * fake_snapshot() prints the whole state in a canonical text form, so
 * that "the kernel is where it was" is a strcmp.
 */
#ifndef NETMAPD_FAKE_KERN_H
#define NETMAPD_FAKE_KERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern.h"

enum fake_op {
	FK_VALE_LIST,
	FK_ATTACH,
	FK_DETACH,
	FK_NEWIF,
	FK_DELIF,
	FK_POLLING_ENABLE,
	FK_POLLING_DISABLE,
	FK_PORT_OPEN,
	FK_PORT_INFO,
	FK_PORT_STATS,
	FK_NETDEV_EXISTS,
	FK_NIC_PREPARE,
	FK_NIC_RESTORE,
	FK_NIC_REASSERT,
	FK_ANY,		/* any call that changes something */
	FK__COUNT
};

struct fake_kern;

struct fake_kern *fake_new(void);
/* Frees the fake; the pipe fds belong to whoever opened them (the engine). */
void fake_free(struct fake_kern *f);
/* Fill @k with the fake's table and context. */
void fake_kern(struct fake_kern *f, struct kern *k);
/*
 * The same with the release watch (watch_open/add/del/read). One watcher
 * at a time: a new watch_open closes the previous one's write end.
 */
void fake_kern_watch(struct fake_kern *f, struct kern *k);
/* The kernel reports the release of the fd registered with @cookie (if it is). */
void fake_release(struct fake_kern *f, uint64_t cookie);
/* How many cookies are registered; the first in *@first (may be NULL). */
size_t fake_watched(const struct fake_kern *f, uint64_t *first);
/* The last port_open that succeeded (name included); NULL before any. */
const struct kern_open *fake_last_open(const struct fake_kern *f);
/* What port_stats reports as tx_packets for VALE ports (0 at first). */
void fake_set_tx_packets(struct fake_kern *f, uint64_t tx_packets);

/* A NIC that exists (offloads on, not promiscuous, up). @busy: it has addresses. */
int fake_add_nic(struct fake_kern *f, const char *name, bool busy);
/* A netdev that netmap cannot use as a VALE port (say a bridge br0); it answers like a NIC. */
int fake_add_netdev(struct fake_kern *f, const char *name);
/* A persistent VALE port made by hand (not by the engine). */
int fake_add_persistent(struct fake_kern *f, const char *name, uint32_t rings, uint32_t slots);
/* An ephemeral VALE port held by some client ("vale0:vm1"). */
int fake_add_ephemeral(struct fake_kern *f, const char *name);

void fake_fail(struct fake_kern *f, enum fake_op op, unsigned nth, int err);
/*
 * Crash injection: the @nth changing call (FK_ANY) from now "kills the
 * process": before it runs (@after false: nothing changed) or once it has
 * run (@after true), @cb(@arg) is called (the test copies the state file
 * as it is at that instant) and from then on every call fails with -EIO
 * and changes nothing, as if nobody were there to make it. fake_crash(f,
 * 0, ...) brings the kernel back to life (the next start).
 */
void fake_crash(struct fake_kern *f, unsigned nth, bool after, void (*cb)(void *), void *arg);
bool fake_dead(const struct fake_kern *f);
unsigned fake_calls(const struct fake_kern *f, enum fake_op op);

/* Canonical text of the state; malloc'ed. */
char *fake_snapshot(struct fake_kern *f);

/* Settings of a NIC as the fake keeps them; false if no such NIC. */
bool fake_nic_state(const struct fake_kern *f, const char *name, bool *offloads, bool *promisc,
		    bool *pause);
/* Is a pipe end held (an open fd on it)? */
bool fake_pipe_held(struct fake_kern *f, const char *name);

#endif /* NETMAPD_FAKE_KERN_H */
