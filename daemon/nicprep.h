/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nicprep - getting a NIC ready for netmap, and putting it back.
 *
 * netmap's emulated adapter cannot use offloads (a TSO super-frame does not
 * fit a slot, a checksum left to the hardware is never computed), and a NIC
 * bridged by a VALE switch must take frames addressed to others. So before
 * a NIC joins, the daemon brings it up, turns off rx/tx checksum, TSO, GSO,
 * GRO, LRO and rx VLAN offload (struct nmd_nic_prep.offloads), sets
 * promiscuous mode where bridged, and optionally turns off flow control;
 * it remembers exactly what it changed in a struct nic_saved and restores
 * that, and only that, when the NIC leaves or the daemon tears down.
 *
 * A NIC that carries IP addresses or routes is in use by the host: it is
 * refused (-EBUSY, with the reason in @why) unless the file says force.
 *
 * Everything goes through ioctls on an AF_INET datagram socket (SIOCETHTOOL
 * with the feature strings of ETH_SS_FEATURES, SIOC[GS]IFFLAGS) and
 * rtnetlink (addresses, routes), so it works on any driver ethtool(8)
 * works on. Functions return 0 or a negative errno. Root (CAP_NET_ADMIN)
 * is needed for the changes; reading works for anyone.
 */
#ifndef NETMAPD_NICPREP_H
#define NETMAPD_NICPREP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config.h"

/*
 * Room for every feature nic_offload_feature() names on today's kernels (17
 * names; a real NIC has fewer) with some to spare. nic_prepare() refuses,
 * before changing anything, a NIC that would need more.
 */
#define NIC_SAVED_MAX_FEATURES 32

/* What nic_prepare() changed, to be undone by nic_restore(). */
struct nic_saved {
	bool valid;
	bool was_up;		/* IFF_UP before (only restored if we set it) */
	bool set_up;
	bool was_promisc;	/* IFF_PROMISC before */
	bool set_promisc;
	/* Features we turned off, by ethtool name ("rx-checksum", "tx-tcp-segmentation"...). */
	char features[NIC_SAVED_MAX_FEATURES][40];
	size_t n_features;
	/* Flow control, if we changed it. */
	bool set_pause;
	bool pause_autoneg, pause_rx, pause_tx;
};

/*
 * Save the state of @ifname, then apply @prep (promiscuous mode only if
 * @bridged and prep->promiscuous). Refuses a NIC with addresses or routes
 * unless prep->force (-EBUSY, reason in @why). On failure, whatever was
 * changed is put back. @why (may be NULL) gets a one-line reason.
 */
int nic_prepare(const char *ifname, const struct nmd_nic_prep *prep, bool bridged,
		struct nic_saved *saved, char *why, size_t why_len);
/*
 * What nic_prepare(@ifname, @prep, @bridged) would change, read without
 * changing anything: a struct nic_saved as if every step had taken (the
 * flags as they are now, every offload that is on and changeable, the pause
 * settings). It is what the daemon writes in its state file before a
 * prepare (the write-ahead intent): nic_restore() of it puts back exactly
 * the settings read here whether the prepare that followed ran fully, in
 * part or not at all, since every restore step only sets a value back to
 * what was read (turning on a feature that is on, clearing a flag that is
 * clear, writing the pause values there were, change nothing). Never
 * re-read after a prepare: the settings would be the changed ones.
 * -E2BIG (before anything) as nic_prepare() for too many offloads.
 */
int nic_observe(const char *ifname, const struct nmd_nic_prep *prep, bool bridged,
		struct nic_saved *saved, char *why, size_t why_len);
/* Undo what @saved says was changed. Goes on after an error, returns the first. */
int nic_restore(const char *ifname, const struct nic_saved *saved);
/*
 * Some drivers drop promiscuous mode when netmap takes the NIC (down/up):
 * set it again if @saved says we set it.
 */
int nic_reassert(const char *ifname, const struct nic_saved *saved);

/*
 * 1 if @ifname has an IPv4/IPv6 address or a route through it (any table),
 * 0 if not, or -errno (-ENODEV: no such interface). @why gets the first
 * one found: "eth1 has address 192.0.2.1/24", "eth1 has a route to
 * default via 192.0.2.254 (table main)". Not counted, since every interface
 * that is up has them: IPv6 link-local addresses (fe80::/10), the routes
 * that go with them (fe80::/64, the local and anycast fe80:: routes) and
 * the multicast route ff00::/8.
 */
int nic_in_use(const char *ifname, char *why, size_t why_len);

/* For the daemon's state file: a JSON object, and back (-EINVAL if malformed). */
/*
 * Format: {"valid": bool, "was_up": bool, "set_up": bool, "was_promisc": bool,
 * "set_promisc": bool, "features": ["rx-checksum", ...], "pause": null or
 * {"autoneg": bool, "rx": bool, "tx": bool}}. Reading is strict: every key
 * present with its type, no other key, feature names [a-z0-9_-] and unique,
 * no set_X with was_X, nothing saved unless valid; else -EINVAL and *saved
 * zeroed. to_json returns NULL only when out of memory.
 */
json_t *nic_saved_to_json(const struct nic_saved *saved);
int nic_saved_from_json(const json_t *j, struct nic_saved *saved);

/*
 * Whether nic_prepare() turns off the ethtool feature @name when offloads
 * are off: rx-checksum, every tx-checksum-*, every TSO variant
 * (tx-tcp*-segmentation), tx-udp-segmentation, tx-generic-segmentation,
 * rx-gro, rx-gro-hw, rx-lro, rx-vlan-hw-parse.
 */
bool nic_offload_feature(const char *name);

/*
 * For tests only: make nic_prepare() fail with -EIO just before step
 * @nicprep_fail_before (after the earlier steps were applied), to prove
 * that the undo puts everything back. 0, the default, injects nothing.
 */
enum {
	NIC_STEP_OFFLOADS = 1,
	NIC_STEP_FLOW_CONTROL,
	NIC_STEP_PROMISC,
	NIC_STEP_UP,
	NIC_STEP_DONE,		/* everything applied, then fail */
};
extern int nicprep_fail_before;

#endif /* NETMAPD_NICPREP_H */
