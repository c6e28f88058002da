// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_nicprep - daemon/nicprep.c on the host.
 *
 * Always: the name table (which ethtool features go off), the JSON round
 * trip of struct nic_saved and its strict reading of malformed input, and
 * the argument checks. Then, if this process may make a network namespace
 * of its own (root, or CAP_SYS_ADMIN: unshare(CLONE_NEWNET)) and `ip` can
 * create a veth pair in it, the real thing on that veth: offloads off,
 * promiscuous mode and up, then put back exactly as before (every feature's
 * requested and active bit, IFF_UP, IFF_PROMISC), also after a failure
 * injected before each step; an address or a route refuses the NIC unless
 * forced, IPv6 link-local addresses and the kernel's fe80::/64 and
 * ff00::/8 routes do not. Without the namespace those checks are skipped
 * (the VM test tests/vm/guest/nicprep.sh runs them on both kernels).
 *
 * The feature snapshot here reads the masks with its own ioctls, so a bug
 * shared with nicprep.c's reader would not hide itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "nicprep.h"

/* ------------------------------------------------------------------------
 * Name table
 */

static void test_names(void)
{
	static const char *const off[] = {
		"rx-checksum", "tx-checksum-ipv4", "tx-checksum-ip-generic",
		"tx-checksum-ipv6", "tx-checksum-fcoe-crc", "tx-checksum-sctp",
		"tx-tcp-segmentation", "tx-tcp-ecn-segmentation",
		"tx-tcp-mangleid-segmentation", "tx-tcp6-segmentation",
		"tx-tcp-accecn-segmentation", "tx-udp-segmentation",
		"tx-generic-segmentation", "rx-gro", "rx-gro-hw", "rx-lro",
		"rx-vlan-hw-parse",
	};
	static const char *const keep[] = {
		"tx-scatter-gather", "tx-scatter-gather-fraglist", "highdma",
		"tx-vlan-hw-insert", "rx-vlan-filter", "rx-vlan-stag-filter",
		"rx-hashing", "rx-ntuple-filter", "rx-all", "rx-fcs", "loopback",
		"tx-gre-segmentation", "tx-udp_tnl-segmentation", "tx-gso-partial",
		"rx-gro-list", "rx-udp-gro-forwarding", "tx-nocache-copy",
		"tx-checksum-", "tx-tcp", "tx-tcp-", "rx-checksumx", "rx-gro-hwx",
		"", "hw-tc-offload", "esp-tx-csum-hw-offload",
	};

	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		CHECK(nic_offload_feature(off[i]), "%s goes off", off[i]);
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		CHECK(!nic_offload_feature(keep[i]), "'%s' stays", keep[i]);
}

/* ------------------------------------------------------------------------
 * JSON
 */

static bool saved_eq(const struct nic_saved *a, const struct nic_saved *b)
{
	if (a->valid != b->valid || a->was_up != b->was_up || a->set_up != b->set_up ||
	    a->was_promisc != b->was_promisc || a->set_promisc != b->set_promisc ||
	    a->n_features != b->n_features || a->set_pause != b->set_pause)
		return false;
	if (a->set_pause && (a->pause_autoneg != b->pause_autoneg ||
			     a->pause_rx != b->pause_rx || a->pause_tx != b->pause_tx))
		return false;
	for (size_t i = 0; i < a->n_features; i++)
		if (strcmp(a->features[i], b->features[i]))
			return false;
	return true;
}

/* to_json, dump to text, parse the text, from_json. */
static int round_trip(const struct nic_saved *in, struct nic_saved *out)
{
	json_t *j = nic_saved_to_json(in), *back;
	char *text;
	int r;

	if (!j)
		return -ENOMEM;
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		return -ENOMEM;
	back = json_loads(text, 0, NULL);
	free(text);
	if (!back)
		return -EIO;
	r = nic_saved_from_json(back, out);
	json_decref(back);
	return r;
}

static int from_text(const char *text, struct nic_saved *out)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	int r;

	/* A "saved" that was valid before must be wiped by a failed read. */
	memset(out, 0, sizeof(*out));
	out->valid = true;
	out->n_features = 3;
	if (!j)
		return -999;
	r = nic_saved_from_json(j, out);
	json_decref(j);
	return r;
}

#define GOOD_HEAD "{\"valid\":true,\"was_up\":false,\"set_up\":true,\"was_promisc\":false," \
		  "\"set_promisc\":true,"

static void test_json(void)
{
	struct nic_saved a, b;
	char text[4096];
	size_t n;
	static const char *const bad[] = {
		"[]", "null", "42", "\"x\"", "{}",
		/* a key missing */
		"{\"valid\":true,\"was_up\":false,\"set_up\":true,\"was_promisc\":false,"
		"\"features\":[],\"pause\":null}",
		/* a key too many */
		GOOD_HEAD "\"features\":[],\"pause\":null,\"extra\":1}",
		/* wrong types */
		"{\"valid\":1,\"was_up\":false,\"set_up\":true,\"was_promisc\":false,"
		"\"set_promisc\":true,\"features\":[],\"pause\":null}",
		GOOD_HEAD "\"features\":{},\"pause\":null}",
		GOOD_HEAD "\"features\":\"rx-gro\",\"pause\":null}",
		GOOD_HEAD "\"features\":[1],\"pause\":null}",
		GOOD_HEAD "\"features\":[null],\"pause\":null}",
		GOOD_HEAD "\"features\":[],\"pause\":false}",
		GOOD_HEAD "\"features\":[],\"pause\":[]}",
		/* feature names */
		GOOD_HEAD "\"features\":[\"\"],\"pause\":null}",
		GOOD_HEAD "\"features\":[\"RX-GRO\"],\"pause\":null}",
		GOOD_HEAD "\"features\":[\"rx gro\"],\"pause\":null}",
		GOOD_HEAD "\"features\":[\"rx-gro\\u0000x\"],\"pause\":null}",
		GOOD_HEAD "\"features\":[\"a23456789012345678901234567890123456789\"],\"pause\":null}",
		GOOD_HEAD "\"features\":[\"rx-gro\",\"rx-lro\",\"rx-gro\"],\"pause\":null}",
		/* pause */
		GOOD_HEAD "\"features\":[],\"pause\":{\"autoneg\":true,\"rx\":true}}",
		GOOD_HEAD "\"features\":[],\"pause\":{\"autoneg\":true,\"rx\":true,\"tx\":1}}",
		GOOD_HEAD "\"features\":[],\"pause\":{\"autoneg\":true,\"rx\":true,\"tx\":true,\"x\":true}}",
		/* contradictions */
		"{\"valid\":true,\"was_up\":true,\"set_up\":true,\"was_promisc\":false,"
		"\"set_promisc\":false,\"features\":[],\"pause\":null}",
		"{\"valid\":true,\"was_up\":false,\"set_up\":false,\"was_promisc\":true,"
		"\"set_promisc\":true,\"features\":[],\"pause\":null}",
		"{\"valid\":false,\"was_up\":false,\"set_up\":false,\"was_promisc\":false,"
		"\"set_promisc\":false,\"features\":[\"rx-gro\"],\"pause\":null}",
		"{\"valid\":false,\"was_up\":false,\"set_up\":true,\"was_promisc\":false,"
		"\"set_promisc\":false,\"features\":[],\"pause\":null}",
	};

	/* Everything set. */
	memset(&a, 0, sizeof(a));
	a.valid = true;
	a.set_up = true;
	a.was_promisc = true;
	a.set_pause = true;
	a.pause_autoneg = true;
	a.pause_tx = true;
	for (n = 0; n < NIC_SAVED_MAX_FEATURES; n++)
		snprintf(a.features[n], sizeof(a.features[n]), "tx-feature-%zu", n);
	a.n_features = n;
	CHECK(round_trip(&a, &b) == 0, "round trip, full");
	CHECK(saved_eq(&a, &b), "full saved comes back equal");

	/* The longest name ethtool can have (ETH_GSTRING_LEN - 1), and one more. */
	memset(&a, 0, sizeof(a));
	a.valid = true;
	a.was_up = true;
	memset(a.features[0], 'x', ETH_GSTRING_LEN - 1);
	a.n_features = 1;
	CHECK(round_trip(&a, &b) == 0, "round trip, 31-char name");
	CHECK(saved_eq(&a, &b), "31-char name comes back");
	a.features[0][ETH_GSTRING_LEN - 1] = 'x';
	CHECK(round_trip(&a, &b) == -EINVAL, "32-char name refused");

	/* Nothing saved (not valid) and no pause. */
	memset(&a, 0, sizeof(a));
	CHECK(round_trip(&a, &b) == 0, "round trip, empty");
	CHECK(saved_eq(&a, &b) && !b.valid, "empty saved comes back empty");

	/* The text itself, as a state file has it. */
	memset(&a, 0, sizeof(a));
	a.valid = true;
	a.set_up = true;
	snprintf(a.features[0], sizeof(a.features[0]), "rx-checksum");
	a.n_features = 1;
	{
		json_t *j = nic_saved_to_json(&a);
		char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

		CHECK(s && !strcmp(s, "{\"features\":[\"rx-checksum\"],\"pause\":null,"
				   "\"set_promisc\":false,\"set_up\":true,\"valid\":true,"
				   "\"was_promisc\":false,\"was_up\":false}"),
		      "JSON text: %s", s ? s : "(null)");
		free(s);
		json_decref(j);
	}

	/* A good one, then each way of breaking it. */
	CHECK(from_text(GOOD_HEAD "\"features\":[\"rx-gro\",\"tx-udp_tnl-segmentation\"],"
			"\"pause\":{\"autoneg\":false,\"rx\":true,\"tx\":false}}", &b) == 0 &&
	      b.valid && b.set_up && b.set_promisc && b.n_features == 2 && b.set_pause &&
	      b.pause_rx && !b.pause_tx && !b.pause_autoneg &&
	      !strcmp(b.features[1], "tx-udp_tnl-segmentation"), "good text reads");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = from_text(bad[i], &b);

		CHECK(r == -EINVAL, "malformed #%zu refused (%d): %s", i, r, bad[i]);
		CHECK(!b.valid && b.n_features == 0, "malformed #%zu leaves saved zeroed", i);
	}
	/* Too many features. */
	n = (size_t)snprintf(text, sizeof(text), GOOD_HEAD "\"features\":[");
	for (int i = 0; i <= NIC_SAVED_MAX_FEATURES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"f%d\"", i ? "," : "", i);
	snprintf(text + n, sizeof(text) - n, "],\"pause\":null}");
	CHECK(from_text(text, &b) == -EINVAL, "%d features refused", NIC_SAVED_MAX_FEATURES + 1);
	CHECK(nic_saved_from_json(NULL, &b) == -EINVAL, "NULL refused");
}

static void test_args(void)
{
	struct nmd_nic_prep prep = { .offloads = NMD_OFFLOADS_OFF, .promiscuous = true };
	struct nic_saved s;
	char why[256];

	CHECK(nic_in_use("", why, sizeof(why)) == -EINVAL, "empty name");
	CHECK(nic_in_use("a23456789012345678", why, sizeof(why)) == -EINVAL, "long name");
	CHECK(nic_in_use("nm-nonexistent0", why, sizeof(why)) == -ENODEV,
	      "missing interface: %s", why);
	CHECK(nic_prepare("nm-nonexistent0", &prep, true, &s, why, sizeof(why)) == -ENODEV &&
	      !s.valid, "prepare a missing interface: %s", why);
	prep.force = true;
	CHECK(nic_prepare("nm-nonexistent0", &prep, true, &s, why, sizeof(why)) == -ENODEV,
	      "prepare (forced) a missing interface: %s", why);
	CHECK(nic_prepare("../x", &prep, true, &s, NULL, 0) == -EINVAL, "bad name, no why");
	memset(&s, 0, sizeof(s));
	CHECK(nic_restore("nm-nonexistent0", &s) == 0, "restoring nothing does nothing");
	CHECK(nic_reassert("nm-nonexistent0", &s) == 0, "reasserting nothing does nothing");
}

/* ------------------------------------------------------------------------
 * For real, in a network namespace of our own
 */

struct snap {
	uint32_t n;
	char names[256][ETH_GSTRING_LEN];
	uint32_t avail[8], req[8], act[8];
	unsigned flags;	/* IFF_UP | IFF_PROMISC */
};

static int eth(const char *ifname, void *cmd)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), r;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	if (r < 0)
		r = -errno;
	close(fd);
	return r;
}

static bool snap_take(const char *ifname, struct snap *s)
{
	union {
		struct ethtool_sset_info h;
		uint8_t buf[sizeof(struct ethtool_sset_info) + sizeof(uint32_t)];
	} si = { .h = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_FEATURES } };
	static union {
		struct ethtool_gstrings h;
		uint8_t buf[sizeof(struct ethtool_gstrings) + 256 * ETH_GSTRING_LEN];
	} gs;
	union {
		struct ethtool_gfeatures h;
		uint8_t buf[sizeof(struct ethtool_gfeatures) +
			    (8) * sizeof(struct ethtool_get_features_block)];
	} gf = { .h = { .cmd = ETHTOOL_GFEATURES, .size = 8 } };
	struct ifreq ifr = { 0 };
	int fd;

	memset(s, 0, sizeof(*s));
	if (eth(ifname, &si) < 0 || si.h.data[0] > 256)
		return false;
	memset(&gs, 0, sizeof(gs));
	gs.h.cmd = ETHTOOL_GSTRINGS;
	gs.h.string_set = ETH_SS_FEATURES;
	gs.h.len = si.h.data[0];
	if (eth(ifname, &gs) < 0 || eth(ifname, &gf) < 0 || gf.h.size > 8)
		return false;
	s->n = gs.h.len;
	memcpy(s->names, gs.h.data, sizeof(s->names));
	for (uint32_t w = 0; w < gf.h.size; w++) {
		s->avail[w] = gf.h.features[w].available;
		s->req[w] = gf.h.features[w].requested;
		s->act[w] = gf.h.features[w].active;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		close(fd);
		return false;
	}
	close(fd);
	s->flags = (unsigned short)ifr.ifr_flags & (IFF_UP | IFF_PROMISC);
	return true;
}

static bool bit(const uint32_t *m, uint32_t i)
{
	return m[i / 32] & (1U << (i % 32));
}

/* Equal in every feature's requested and active bit and in the two flags. */
static bool snap_eq(const struct snap *a, const struct snap *b)
{
	bool eq = a->n == b->n && a->flags == b->flags;

	for (uint32_t i = 0; eq && i < a->n; i++)
		if (bit(a->req, i) != bit(b->req, i) || bit(a->act, i) != bit(b->act, i)) {
			printf("  differs: %s req %d/%d act %d/%d\n", a->names[i],
			       bit(a->req, i), bit(b->req, i), bit(a->act, i), bit(b->act, i));
			eq = false;
		}
	if (a->flags != b->flags)
		printf("  flags differ: %#x / %#x\n", a->flags, b->flags);
	return eq;
}

/* Offloads still on that could be turned off. */
static unsigned offloads_left(const struct snap *s)
{
	unsigned left = 0;

	for (uint32_t i = 0; i < s->n; i++)
		if (nic_offload_feature(s->names[i]) && bit(s->act, i) && bit(s->avail, i)) {
			printf("  still on: %s\n", s->names[i]);
			left++;
		}
	return left;
}

static unsigned offloads_on(const struct snap *s)
{
	unsigned on = 0;

	for (uint32_t i = 0; i < s->n; i++)
		on += nic_offload_feature(s->names[i]) && bit(s->act, i);
	return on;
}

static int sh(const char *cmd)
{
	int r = system(cmd);

	return r == -1 ? -1 : WEXITSTATUS(r);
}

static void test_veth(void)
{
	struct nmd_nic_prep prep = {
		.offloads = NMD_OFFLOADS_OFF, .promiscuous = true,
		.flow_control = NMD_FLOW_CONTROL_OFF,
	};
	struct snap before, after, mid;
	struct nic_saved s, s2;
	char why[256];
	int r;

	CHECK(snap_take("va", &before), "snapshot of va");
	CHECK(offloads_on(&before) >= 5, "veth starts with offloads on (%u)", offloads_on(&before));
	CHECK(!(before.flags & (IFF_UP | IFF_PROMISC)), "va starts down, not promiscuous");
	CHECK(nic_in_use("va", why, sizeof(why)) == 0, "va not in use: %s", why);

	/* Prepare, bridged: all off, promiscuous, up. */
	r = nic_prepare("va", &prep, true, &s, why, sizeof(why));
	CHECK(r == 0, "prepare va: %d %s", r, why);
	CHECK(s.valid && s.set_up && s.set_promisc && !s.was_up && !s.was_promisc &&
	      !s.set_pause && s.n_features > 0, "saved: up, promisc, %zu features", s.n_features);
	CHECK(snap_take("va", &mid) && offloads_left(&mid) == 0, "no offload left on");
	CHECK(mid.flags == (IFF_UP | IFF_PROMISC), "va up and promiscuous");
	CHECK(nic_reassert("va", &s) == 0, "reassert");
	CHECK(snap_take("va", &mid) && mid.flags == (IFF_UP | IFF_PROMISC),
	      "still promiscuous after reassert");
	/* Through the state file format, as after a daemon restart. */
	CHECK(round_trip(&s, &s2) == 0 && saved_eq(&s, &s2), "real saved round trips");
	CHECK(nic_restore("va", &s2) == 0, "restore va");
	CHECK(snap_take("va", &after) && snap_eq(&before, &after), "va exactly as before");

	/* Not bridged: promiscuous mode untouched. Up already: left up. */
	CHECK(sh("ip link set va up") == 0, "va up");
	CHECK(snap_take("va", &before), "snapshot");
	r = nic_prepare("va", &prep, false, &s, why, sizeof(why));
	CHECK(r == 0 && s.was_up && !s.set_up && !s.set_promisc, "prepare va, unbridged, up: %s", why);
	CHECK(snap_take("va", &mid) && mid.flags == IFF_UP && offloads_left(&mid) == 0,
	      "up, not promiscuous, offloads off");
	CHECK(nic_restore("va", &s) == 0, "restore");
	CHECK(snap_take("va", &after) && snap_eq(&before, &after), "as before (still up)");
	CHECK(sh("ip link set va down") == 0, "va down");

	/* Offloads kept: no feature touched. */
	prep.offloads = NMD_OFFLOADS_KEEP;
	CHECK(snap_take("va", &before), "snapshot");
	r = nic_prepare("va", &prep, true, &s, why, sizeof(why));
	CHECK(r == 0 && s.n_features == 0, "offloads: keep saves no feature");
	CHECK(snap_take("va", &mid) && offloads_on(&mid) == offloads_on(&before), "offloads still on");
	CHECK(nic_restore("va", &s) == 0, "restore");
	CHECK(snap_take("va", &after) && snap_eq(&before, &after), "as before");
	prep.offloads = NMD_OFFLOADS_OFF;

	/* A failure before each step: everything put back. */
	for (int step = NIC_STEP_OFFLOADS; step <= NIC_STEP_DONE; step++) {
		nicprep_fail_before = step;
		r = nic_prepare("va", &prep, true, &s, why, sizeof(why));
		nicprep_fail_before = 0;
		CHECK(r == -EIO && !s.valid && strstr(why, "injected"),
		      "failure before step %d: %d %s", step, r, why);
		CHECK(snap_take("va", &after) && snap_eq(&before, &after),
		      "failure before step %d undone", step);
	}

	/* A saved feature this kernel does not know: the rest is restored. */
	r = nic_prepare("va", &prep, true, &s, why, sizeof(why));
	CHECK(r == 0, "prepare: %s", why);
	snprintf(s.features[s.n_features++], sizeof(s.features[0]), "rx-no-such-thing");
	CHECK(nic_restore("va", &s) == -ENOENT, "unknown feature reported");
	CHECK(snap_take("va", &after) && snap_eq(&before, &after), "the rest restored");

	/* An address: refused unless forced, nothing changed by the refusal. */
	CHECK(sh("ip addr add 192.0.2.1/24 dev va") == 0, "address on va");
	CHECK(nic_in_use("va", why, sizeof(why)) == 1 &&
	      !strcmp(why, "va has address 192.0.2.1/24"), "in use: %s", why);
	r = nic_prepare("va", &prep, true, &s, why, sizeof(why));
	CHECK(r == -EBUSY && !s.valid &&
	      !strcmp(why, "va has address 192.0.2.1/24; set force: true to take it anyway"),
	      "refused: %d %s", r, why);
	CHECK(snap_take("va", &after) && snap_eq(&before, &after), "refusal changed nothing");
	prep.force = true;
	r = nic_prepare("va", &prep, true, &s, why, sizeof(why));
	CHECK(r == 0 && s.valid, "forced: %s", why);
	CHECK(nic_restore("va", &s) == 0, "restore");
	prep.force = false;
	CHECK(sh("ip addr flush dev va") == 0, "flush");
	CHECK(sh("ip addr add 2001:db8::1/64 dev va nodad") == 0, "IPv6 address on va");
	CHECK(nic_in_use("va", why, sizeof(why)) == 1 &&
	      !strcmp(why, "va has address 2001:db8::1/64"), "in use: %s", why);
	CHECK(sh("ip addr flush dev va") == 0, "flush");

	/* Up with its peer: link-local address and the kernel's routes do not count. */
	CHECK(sh("ip link set vb up && ip link set va up") == 0, "va, vb up");
	usleep(100 * 1000);
	if (sh("ip -6 addr show dev va | grep -q 'inet6 fe80:'") == 0 &&
	    sh("ip -6 route show table all dev va | grep -q '^fe80::/64'") == 0 &&
	    sh("ip -6 route show table all dev va | grep -q 'ff00::/8'") == 0) {
		CHECK(nic_in_use("va", why, sizeof(why)) == 0, "link-local only: not in use: %s", why);
	} else {
		printf("SKIP: no IPv6 link-local address on va\n");
	}
	CHECK(sh("ip route add 198.51.100.0/24 dev va") == 0, "route through va");
	CHECK(nic_in_use("va", why, sizeof(why)) == 1 &&
	      !strcmp(why, "va has a route to 198.51.100.0/24 (table main)"), "in use: %s", why);
	r = nic_prepare("va", &prep, true, &s, why, sizeof(why));
	CHECK(r == -EBUSY && strstr(why, "set force: true"), "route refuses: %s", why);
	CHECK(sh("ip route del 198.51.100.0/24 dev va") == 0, "route deleted");
	CHECK(sh("ip route add 203.0.113.0/24 dev va table 100") == 0, "route in table 100");
	CHECK(nic_in_use("va", why, sizeof(why)) == 1 &&
	      !strcmp(why, "va has a route to 203.0.113.0/24 (table 100)"), "in use: %s", why);
	CHECK(sh("ip route del 203.0.113.0/24 dev va table 100") == 0, "route deleted");
	CHECK(sh("ip route add default via 192.0.2.254 dev va onlink") == 0, "default route");
	CHECK(nic_in_use("va", why, sizeof(why)) == 1 &&
	      !strcmp(why, "va has a route to default via 192.0.2.254 (table main)"),
	      "in use: %s", why);
	CHECK(sh("ip route del default") == 0, "default route deleted");
	/* Multipath: va is the second next hop. */
	CHECK(sh("ip route add 10.9.0.0/16 nexthop dev vb nexthop dev va") == 0, "multipath route");
	CHECK(nic_in_use("va", why, sizeof(why)) == 1 &&
	      !strcmp(why, "va has a route to 10.9.0.0/16 (table main)"), "in use: %s", why);
	CHECK(sh("ip route del 10.9.0.0/16") == 0, "multipath route deleted");
	CHECK(nic_in_use("va", why, sizeof(why)) == 0, "not in use: %s", why);
	CHECK(sh("ip -6 route add 2001:db8:1::/48 dev va") == 0, "IPv6 route through va");
	CHECK(nic_in_use("va", why, sizeof(why)) == 1 &&
	      !strcmp(why, "va has a route to 2001:db8:1::/48 (table main)"), "in use: %s", why);
	CHECK(sh("ip -6 route del 2001:db8:1::/48 dev va") == 0, "IPv6 route deleted");
	CHECK(nic_in_use("va", why, sizeof(why)) == 0, "not in use again: %s", why);
}

/* lo: most features fixed. Those are skipped, the rest done and undone. */
static void test_lo(void)
{
	struct nmd_nic_prep prep = { .offloads = NMD_OFFLOADS_OFF, .promiscuous = true };
	struct snap before, mid, after;
	struct nic_saved s;
	char why[256];
	unsigned fixed_on = 0;
	int r;

	CHECK(snap_take("lo", &before), "snapshot of lo");
	for (uint32_t i = 0; i < before.n; i++)
		fixed_on += nic_offload_feature(before.names[i]) && bit(before.act, i) &&
			    !bit(before.avail, i);
	r = nic_prepare("lo", &prep, true, &s, why, sizeof(why));
	CHECK(r == 0, "prepare lo (%u fixed offloads on): %d %s", fixed_on, r, why);
	CHECK(snap_take("lo", &mid) && offloads_left(&mid) == 0, "changeable offloads off");
	for (uint32_t i = 0; i < before.n; i++)
		if (nic_offload_feature(before.names[i]) && bit(before.act, i) && !bit(before.avail, i))
			CHECK(bit(mid.act, i), "fixed %s still on", before.names[i]);
	for (size_t k = 0; k < s.n_features; k++)
		for (uint32_t i = 0; i < before.n; i++)
			if (!strcmp(before.names[i], s.features[k]))
				CHECK(bit(before.avail, i), "saved %s is changeable", s.features[k]);
	CHECK(nic_restore("lo", &s) == 0, "restore lo");
	CHECK(snap_take("lo", &after) && snap_eq(&before, &after), "lo as before");
}

/* veth and lo in a network namespace of our own, when the host lets us make one. */
static void test_real_interfaces(void)
{
	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: real interfaces (unshare(CLONE_NEWNET): %s)\n", strerror(errno));
	} else if (sh("ip link add va type veth peer name vb 2>/dev/null") != 0) {
		printf("SKIP: real interfaces (cannot create a veth pair)\n");
	} else {
		test_veth();
		test_lo();
	}
}

static const struct check_case cases[] = {
	CHECK_CASE(names),
	CHECK_CASE(json),
	CHECK_CASE(args),
	CHECK_CASE(real_interfaces),
};

CHECK_MAIN(cases)
