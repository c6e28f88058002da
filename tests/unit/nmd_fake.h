/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nmd_fake - a fake netmapd for libnmd's and nmctl's host tests: a forked
 * process serving JSON-RPC lines on a real unix socket, one connection at a
 * time, sending descriptors with SCM_RIGHTS as netmapd does (on the
 * sendmsg() that carries the first byte of the line that announces them).
 *
 * Methods (see nmd_fake.c): canned results read from GOLDEN_DIR/<method>.json
 * (status, topology.get, port.list, stats, module.info, topology.plan,
 * topology.apply), port.open (a memfd laid out like a netmap region, or a
 * pipe for the name "pipe"; "vale0:secret" is refused with -32001),
 * port.close, events.subscribe (then the notifications of events.json), and
 * misbehaviours for the framing tests: echo, split, notify_then, fds2,
 * fds_missing, deny, big, vanish, badid, garbage, silent, last_close.
 */
#ifndef NMD_FAKE_H
#define NMD_FAKE_H

#include <sys/types.h>

/* The fake region: FAKE_MEMSIZE bytes, netmap_if at FAKE_OFFSET, FAKE_MAGIC at FAKE_MAGIC_OFS. */
#define FAKE_MEMSIZE (1u << 20)
#define FAKE_OFFSET 4096u
#define FAKE_MAGIC_OFS 8192u
#define FAKE_MAGIC "netmapd-fake-region"
#define FAKE_TX_RINGS 2
#define FAKE_RX_RINGS 3

/* Fork a server on @path (removed first) answering from @golden_dir. Returns its pid. */
pid_t fake_start(const char *path, const char *golden_dir);
/* Kill it and wait. */
void fake_stop(pid_t pid);
/* A memfd laid out like a region (for tests of nmd_port_map()). */
int fake_region(const char *name);

#endif /* NMD_FAKE_H */
