// SPDX-License-Identifier: BSD-2-Clause
/*
 * nicprep - getting a NIC ready for netmap, and putting it back (see
 * nicprep.h).
 *
 * Offloads are ethtool "features" (ETH_SS_FEATURES): named bits that each
 * kernel numbers in its own way, so names are looked up in the string table
 * every time (ETHTOOL_GSSET_INFO, ETHTOOL_GSTRINGS) and a struct nic_saved
 * keeps names, never bit numbers: a state file stays right across a kernel
 * upgrade. ETHTOOL_GFEATURES gives four masks per word: available (what the
 * driver lets us change; an active feature that is not available is
 * "[fixed]" and skipped), requested (the kernel's wanted_features), active,
 * never_changed. ETHTOOL_SFEATURES writes "requested" for the bits in
 * .valid; the kernel then resolves dependencies and the driver may refuse
 * part of it (ETHTOOL_F_WISH), so what was changed is always learned by
 * reading the masks again, never assumed.
 *
 * What is saved, and why restoring it is exact: nic_prepare() only asks to
 * turn off features that are active and changeable, and records those whose
 * requested or active bit actually went from on to off. Restoring asks for
 * exactly those bits on again. Features outside the list that the kernel
 * drops by itself as a consequence (hardware TLS offload when tx
 * checksumming goes off, say) keep their requested bit, so they come back
 * with what they depend on. Flags: IFF_UP and IFF_PROMISC are set only if they were clear
 * and cleared on restore only if we set them. Flow control: rx/tx pause are
 * turned off (autonegotiation of pause is left as it is), the previous
 * values saved and written back.
 *
 * Link flaps: many drivers reset the NIC (link down and up) for each
 * feature change, and a switch running spanning tree may then mute the
 * port for seconds. So all features go off in one ETHTOOL_SFEATURES and
 * come back in one, the offloads are changed before a NIC that was down is
 * brought up, and pause autonegotiation is not touched. nic_reassert()
 * turns promiscuous mode off and on again, as netmap's LINUX README says
 * some drivers need after netmap's own down/up.
 *
 * A NIC with an IPv4/IPv6 address or a route through it is in use
 * (nic_in_use(), rtnetlink dumps of RTM_GETADDR and RTM_GETROUTE filtered by
 * ifindex). What the kernel gives every interface that is up is not "use":
 * IPv6 link-local addresses (fe80::/10), and the routes that go with them
 * (fe80::/64, the local and anycast fe80:: routes) and the multicast route
 * ff00::/8 are ignored.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nicprep.h"
#include "util.h"

int nicprep_fail_before;

/* ------------------------------------------------------------------------
 * Which features go off
 */

/*
 * The offloads netmap cannot live with, by ethtool name. Checksums: every
 * tx-checksum-* bit (ipv4, ip-generic, ipv6, sctp, fcoe-crc) and
 * rx-checksum. Segmentation: TSO in all its variants (tx-tcp-segmentation,
 * -ecn-, -mangleid-, tx-tcp6-, and whatever tx-tcp*-segmentation a newer
 * kernel adds), UDP segmentation and software GSO, each of which hands the
 * device (and so netmap's host rings) frames bigger than a slot. Receive
 * aggregation: GRO, hardware GRO, LRO (generic netmap sees frames after GRO).
 * rx VLAN offload (tags stripped by the NIC would be lost to netmap).
 * Tunnel segmentation (tx-gre-, tx-udp_tnl-...) is left alone: it only
 * applies to encapsulated traffic of a tunnel riding on this NIC, which a
 * NIC without addresses cannot carry.
 */
static const char *const offload_names[] = {
	"rx-checksum",
	"tx-generic-segmentation",
	"tx-udp-segmentation",
	"rx-gro",
	"rx-gro-hw",
	"rx-lro",
	"rx-vlan-hw-parse",
};

bool nic_offload_feature(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < ELEMENTSOF(offload_names); i++)
		if (streq(name, offload_names[i]))
			return true;
	if (startswith(name, "tx-checksum-") && n > strlen("tx-checksum-"))
		return true;
	/* tx-tcp-segmentation, tx-tcp6-..., tx-tcp-ecn-..., tx-tcp-mangleid-... */
	if (startswith(name, "tx-tcp") && n >= strlen("tx-tcp-segmentation") &&
	    streq(name + n - strlen("-segmentation"), "-segmentation"))
		return true;
	return false;
}

/* ------------------------------------------------------------------------
 * ioctls
 */

static int ctl_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT))
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return fd < 0 ? -errno : fd;
}

/* >= 0 (SFEATURES returns ETHTOOL_F_* flags) or -errno. */
static int eth_ioctl(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr;
	int r;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	r = ioctl(fd, SIOCETHTOOL, &ifr);
	return r < 0 ? -errno : r;
}

static int flags_get(int fd, const char *ifname, unsigned *flags)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	*flags = (unsigned short)ifr.ifr_flags;
	return 0;
}

/* Set or clear @bit (IFF_UP, IFF_PROMISC), leaving the other flags alone. */
static int flag_set(int fd, const char *ifname, unsigned bit, bool on)
{
	struct ifreq ifr;
	unsigned flags;
	int r;

	r = flags_get(fd, ifname, &flags);
	if (r < 0)
		return r;
	if (!!(flags & bit) == on)
		return 0;
	flags = on ? flags | bit : flags & ~bit;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_flags = (short)flags;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return -errno;
	return 0;
}

/* The feature string table and the masks of one interface. */
struct feats {
	uint32_t n;				/* strings */
	char (*names)[ETH_GSTRING_LEN];
	struct ethtool_gfeatures *gf;		/* gf->size blocks */
};

static void feats_done(struct feats *f)
{
	free(f->names);
	free(f->gf);
	memset(f, 0, sizeof(*f));
}

static int feats_load_names(int fd, const char *ifname, struct feats *f)
{
	union {	/* the header and one data word: the count of ETH_SS_FEATURES */
		struct ethtool_sset_info hdr;
		uint8_t buf[sizeof(struct ethtool_sset_info) + sizeof(uint32_t)];
	} si;
	struct ethtool_gstrings *gs;
	uint32_t count;
	int r;

	memset(&si, 0, sizeof(si));
	si.hdr.cmd = ETHTOOL_GSSET_INFO;
	si.hdr.sset_mask = 1ULL << ETH_SS_FEATURES;
	r = eth_ioctl(fd, ifname, &si);
	if (r < 0)
		return r;
	count = si.hdr.data[0];
	if (!(si.hdr.sset_mask & (1ULL << ETH_SS_FEATURES)) || count == 0 || count > 4096)
		return -EOPNOTSUPP;
	gs = calloc(1, sizeof(*gs) + (size_t)count * ETH_GSTRING_LEN);
	if (!gs)
		return -ENOMEM;
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = count;
	r = eth_ioctl(fd, ifname, gs);
	if (r < 0 || gs->len > count) {
		free(gs);
		return r < 0 ? r : -EIO;
	}
	f->n = gs->len;
	f->names = malloc((size_t)f->n * ETH_GSTRING_LEN);
	if (!f->names) {
		free(gs);
		return -ENOMEM;
	}
	memcpy(f->names, gs->data, (size_t)f->n * ETH_GSTRING_LEN);
	for (uint32_t i = 0; i < f->n; i++)
		f->names[i][ETH_GSTRING_LEN - 1] = '\0';
	free(gs);
	return 0;
}

/* (Re)read the masks into f->gf, sized as the kernel says. */
static int feats_read(int fd, const char *ifname, struct feats *f)
{
	uint32_t words = (f->n + 31) / 32;
	int r;

	for (int tries = 0; tries < 2; tries++) {
		struct ethtool_gfeatures *gf;

		gf = calloc(1, sizeof(*gf) + words * sizeof(gf->features[0]));
		if (!gf)
			return -ENOMEM;
		gf->cmd = ETHTOOL_GFEATURES;
		gf->size = words;
		r = eth_ioctl(fd, ifname, gf);
		if (r < 0) {
			free(gf);
			return r;
		}
		if (gf->size > words) {	/* more words than strings said: ask again */
			words = gf->size;
			free(gf);
			continue;
		}
		free(f->gf);
		f->gf = gf;
		return 0;
	}
	return -EIO;
}

static int feats_find(const struct feats *f, const char *name)
{
	for (uint32_t i = 0; i < f->n; i++)
		if (streq(f->names[i], name))
			return (int)i;
	return -1;
}

enum mask { M_AVAILABLE, M_REQUESTED, M_ACTIVE };

static bool feat_bit(const struct ethtool_gfeatures *gf, uint32_t i, enum mask m)
{
	const struct ethtool_get_features_block *b;
	uint32_t bit = 1U << (i % 32);

	if (i / 32 >= gf->size)
		return false;
	b = &gf->features[i / 32];
	switch (m) {
	case M_AVAILABLE:
		return b->available & bit;
	case M_REQUESTED:
		return b->requested & bit;
	case M_ACTIVE:
		return b->active & bit;
	}
	return false;
}

/*
 * ETHTOOL_SFEATURES: set requested to @on for the features with the
 * indexes @idx. Returns the ETHTOOL_F_* flags or -errno.
 */
static int feats_write(int fd, const char *ifname, const struct feats *f,
		       const int *idx, size_t n, bool on)
{
	_cleanup_free_ struct ethtool_sfeatures *sf = NULL;
	uint32_t words = f->gf->size;

	sf = calloc(1, sizeof(*sf) + words * sizeof(sf->features[0]));
	if (!sf)
		return -ENOMEM;
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = words;
	for (size_t k = 0; k < n; k++) {
		uint32_t i = (uint32_t)idx[k], bit = 1U << (i % 32);

		sf->features[i / 32].valid |= bit;
		if (on)
			sf->features[i / 32].requested |= bit;
	}
	return eth_ioctl(fd, ifname, sf);
}

/* ------------------------------------------------------------------------
 * The steps
 */

static int features_off(int fd, const char *ifname, struct nic_saved *saved,
			char *why, size_t why_len)
{
	_cleanup_free_ struct ethtool_gfeatures *before = NULL;
	_cleanup_free_ int *idx = NULL;
	struct feats f = { 0 };
	size_t n = 0;
	int r;

	r = feats_load_names(fd, ifname, &f);
	if (r >= 0)
		r = feats_read(fd, ifname, &f);
	if (r < 0) {
		why_set(why, why_len, "%s: cannot read the offload settings: %s",
			ifname, strerror(-r));
		goto out;
	}
	idx = calloc(f.n, sizeof(*idx));
	if (!idx) {
		r = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < f.n; i++)
		/* Off already, or fixed ("[fixed]" in ethtool -k): nothing to do. */
		if (nic_offload_feature(f.names[i]) && feat_bit(f.gf, i, M_ACTIVE) &&
		    feat_bit(f.gf, i, M_AVAILABLE))
			idx[n++] = (int)i;
	if (n == 0)
		goto out;
	if (n > NIC_SAVED_MAX_FEATURES) {
		/* Before changing anything: we could not record it all. */
		r = -E2BIG;
		why_set(why, why_len, "%s: %zu offloads to turn off, more than the %d that can be saved",
			ifname, n, NIC_SAVED_MAX_FEATURES);
		goto out;
	}
	before = TAKE_PTR(f.gf);
	{
		struct feats tmp = { .n = f.n, .names = f.names, .gf = before };

		r = feats_write(fd, ifname, &tmp, idx, n, false);
	}
	if (r < 0) {
		why_set(why, why_len, "%s: cannot turn off offloads: %s", ifname, strerror(-r));
		goto out;
	}
	/*
	 * Learn what changed by reading again (the driver may have taken only
	 * part of it: ETHTOOL_F_WISH). If even that fails, assume all of it
	 * changed: restoring a feature that is already on is harmless.
	 */
	r = feats_read(fd, ifname, &f);
	for (size_t k = 0; k < n; k++) {
		uint32_t i = (uint32_t)idx[k];
		bool changed = r < 0 ||
			(feat_bit(before, i, M_REQUESTED) && !feat_bit(f.gf, i, M_REQUESTED)) ||
			(feat_bit(before, i, M_ACTIVE) && !feat_bit(f.gf, i, M_ACTIVE));

		if (!changed)
			continue;
		snprintf(saved->features[saved->n_features], sizeof(saved->features[0]),
			 "%s", f.names[i]);
		saved->n_features++;
	}
	if (r < 0) {
		why_set(why, why_len, "%s: cannot read the offload settings back: %s",
			ifname, strerror(-r));
		goto out;
	}
	r = 0;
out:
	feats_done(&f);
	return r;
}

static int features_restore(int fd, const char *ifname, const struct nic_saved *saved)
{
	_cleanup_free_ int *idx = NULL;
	struct feats f = { 0 };
	size_t n = 0;
	int r, first = 0;

	if (saved->n_features == 0)
		return 0;
	r = feats_load_names(fd, ifname, &f);
	if (r >= 0)
		r = feats_read(fd, ifname, &f);
	if (r < 0)
		goto out;
	idx = calloc(saved->n_features, sizeof(*idx));
	if (!idx) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < saved->n_features; k++) {
		int i = feats_find(&f, saved->features[k]);

		if (i < 0) {
			/* A feature this kernel does not know (state from another kernel). */
			if (!first)
				first = -ENOENT;
			continue;
		}
		/* Not changeable any more: the kernel brings it back if it can. */
		if (!feat_bit(f.gf, (uint32_t)i, M_AVAILABLE))
			continue;
		idx[n++] = i;
	}
	if (n == 0) {
		r = 0;
		goto out;
	}
	r = feats_write(fd, ifname, &f, idx, n, true);
	if (r < 0)
		goto out;
	/* Check that each is wanted again (active may still wait on a dependency). */
	r = feats_read(fd, ifname, &f);
	if (r < 0)
		goto out;
	for (size_t k = 0; k < n; k++)
		if (!feat_bit(f.gf, (uint32_t)idx[k], M_REQUESTED))
			r = -EIO;
out:
	feats_done(&f);
	if (!first && r < 0)
		first = r;
	return first;
}

static int pause_off(int fd, const char *ifname, struct nic_saved *saved,
		     char *why, size_t why_len)
{
	struct ethtool_pauseparam old = { .cmd = ETHTOOL_GPAUSEPARAM }, pp, now;
	int r;

	r = eth_ioctl(fd, ifname, &old);
	if (r == -EOPNOTSUPP)
		return 0;	/* no flow control to turn off (veth, ...) */
	if (r < 0) {
		why_set(why, why_len, "%s: cannot read the flow control settings: %s",
			ifname, strerror(-r));
		return r;
	}
	if (!old.rx_pause && !old.tx_pause)
		return 0;
	/* Pause autonegotiation stays: with it, rx/tx off means "advertise none". */
	pp = old;
	pp.cmd = ETHTOOL_SPAUSEPARAM;
	pp.rx_pause = 0;
	pp.tx_pause = 0;
	r = eth_ioctl(fd, ifname, &pp);
	if (r == -EOPNOTSUPP)
		return 0;	/* reported but fixed: skipped */
	if (r < 0) {
		why_set(why, why_len, "%s: cannot turn off flow control: %s",
			ifname, strerror(-r));
		return r;
	}
	now = (struct ethtool_pauseparam){ .cmd = ETHTOOL_GPAUSEPARAM };
	r = eth_ioctl(fd, ifname, &now);
	if (r >= 0 && now.autoneg == old.autoneg && now.rx_pause == old.rx_pause &&
	    now.tx_pause == old.tx_pause)
		return 0;	/* the driver took nothing */
	saved->set_pause = true;
	saved->pause_autoneg = old.autoneg;
	saved->pause_rx = old.rx_pause;
	saved->pause_tx = old.tx_pause;
	return 0;
}

static int pause_restore(int fd, const char *ifname, const struct nic_saved *saved)
{
	struct ethtool_pauseparam pp = {
		.cmd = ETHTOOL_SPAUSEPARAM,
		.autoneg = saved->pause_autoneg,
		.rx_pause = saved->pause_rx,
		.tx_pause = saved->pause_tx,
	};
	int r;

	if (!saved->set_pause)
		return 0;
	r = eth_ioctl(fd, ifname, &pp);
	return r < 0 ? r : 0;
}

/* Undo, in reverse order of nic_prepare(); goes on after an error. */
static int restore_saved(int fd, const char *ifname, const struct nic_saved *saved)
{
	int r, first = 0;

	if (saved->set_up) {
		r = flag_set(fd, ifname, IFF_UP, false);
		if (r < 0 && !first)
			first = r;
	}
	if (saved->set_promisc) {
		r = flag_set(fd, ifname, IFF_PROMISC, false);
		if (r < 0 && !first)
			first = r;
	}
	r = pause_restore(fd, ifname, saved);
	if (r < 0 && !first)
		first = r;
	r = features_restore(fd, ifname, saved);
	if (r < 0 && !first)
		first = r;
	return first;
}

static bool ifname_ok(const char *ifname)
{
	size_t n = ifname ? strlen(ifname) : 0;

	return n > 0 && n < IFNAMSIZ && !strchr(ifname, '/') && !strchr(ifname, ':');
}

/* The test hook (nicprep.h): fail before @step. */
static int injected(int step, const char *ifname, char *why, size_t why_len)
{
	if (nicprep_fail_before != step)
		return 0;
	why_set(why, why_len, "%s: injected failure before step %d", ifname, step);
	return -EIO;
}

/*
 * Open the control socket into *fdp (the caller closes it) and record
 * @ifname's up and promiscuous flags, as they are now, in @saved.
 */
static int flags_read(const char *ifname, struct nic_saved *saved, int *fdp, char *why,
		      size_t why_len)
{
	unsigned flags;
	int r;

	*fdp = ctl_socket();
	if (*fdp < 0) {
		why_set(why, why_len, "socket: %s", strerror(-*fdp));
		return *fdp;
	}
	r = flags_get(*fdp, ifname, &flags);
	if (r < 0) {
		why_set(why, why_len, "%s: %s", ifname, strerror(-r));
		return r;
	}
	saved->was_up = flags & IFF_UP;
	saved->was_promisc = flags & IFF_PROMISC;
	return 0;
}

/* What nic_prepare()'s steps act on. */
struct prep_ctx {
	int fd;
	const char *ifname;
	const struct nmd_nic_prep *prep;
	bool bridged;
	struct nic_saved *saved;
	char *why;
	size_t why_len;
};

static int step_offloads(const struct prep_ctx *c)
{
	if (c->prep->offloads != NMD_OFFLOADS_OFF)
		return 0;
	return features_off(c->fd, c->ifname, c->saved, c->why, c->why_len);
}

static int step_flow_control(const struct prep_ctx *c)
{
	if (c->prep->flow_control != NMD_FLOW_CONTROL_OFF)
		return 0;
	return pause_off(c->fd, c->ifname, c->saved, c->why, c->why_len);
}

static int step_promisc(const struct prep_ctx *c)
{
	int r;

	if (!c->bridged || !c->prep->promiscuous || c->saved->was_promisc)
		return 0;
	r = flag_set(c->fd, c->ifname, IFF_PROMISC, true);
	if (r < 0) {
		why_set(c->why, c->why_len, "%s: cannot set promiscuous mode: %s", c->ifname,
			strerror(-r));
		return r;
	}
	c->saved->set_promisc = true;
	return 0;
}

static int step_up(const struct prep_ctx *c)
{
	int r;

	if (c->saved->was_up)
		return 0;
	r = flag_set(c->fd, c->ifname, IFF_UP, true);
	if (r < 0) {
		why_set(c->why, c->why_len, "%s: cannot bring it up: %s", c->ifname, strerror(-r));
		return r;
	}
	c->saved->set_up = true;
	return 0;
}

/* In order; each records in saved what it changed, for restore_saved(). */
static const struct {
	int step;	/* NIC_STEP_*: a test may fail the preparation before it */
	int (*run)(const struct prep_ctx *c);
} prep_steps[] = {
	{ NIC_STEP_OFFLOADS, step_offloads },
	{ NIC_STEP_FLOW_CONTROL, step_flow_control },
	{ NIC_STEP_PROMISC, step_promisc },
	{ NIC_STEP_UP, step_up },
};

int nic_prepare(const char *ifname, const struct nmd_nic_prep *prep, bool bridged,
		struct nic_saved *saved, char *why, size_t why_len)
{
	_cleanup_close_ int fd = -1;
	int r;

	memset(saved, 0, sizeof(*saved));
	why_set(why, why_len, "%s", "");
	if (!ifname_ok(ifname)) {
		why_set(why, why_len, "'%s' is not an interface name", ifname ? ifname : "");
		return -EINVAL;
	}
	if (!prep->force) {
		r = nic_in_use(ifname, why, why_len);
		if (r < 0)
			return r;
		if (r > 0) {
			size_t n = why ? strnlen(why, why_len) : 0;

			if (why && n < why_len)
				snprintf(why + n, why_len - n, "; set force: true to take it anyway");
			return -EBUSY;
		}
	}
	r = flags_read(ifname, saved, &fd, why, why_len);
	if (r < 0)
		return r;

	for (size_t i = 0; i < ELEMENTSOF(prep_steps); i++) {
		r = injected(prep_steps[i].step, ifname, why, why_len);
		if (r == 0)
			r = prep_steps[i].run(&(struct prep_ctx){ fd, ifname, prep, bridged, saved,
								   why, why_len });
		if (r < 0)
			goto err_undo;
	}
	r = injected(NIC_STEP_DONE, ifname, why, why_len);
	if (r < 0)
		goto err_undo;
	saved->valid = true;
	return 0;

err_undo:
	if (restore_saved(fd, ifname, saved) < 0 && why) {
		size_t n = strnlen(why, why_len);

		if (n < why_len)
			snprintf(why + n, why_len - n, " (and undoing what was done failed too)");
	}
	memset(saved, 0, sizeof(*saved));
	return r;
}

/* The offloads nic_prepare() would turn off: active and changeable (nic_observe()). */
static int features_observe(int fd, const char *ifname, struct nic_saved *saved, char *why,
			    size_t why_len)
{
	struct feats f = { 0 };
	int r;

	r = feats_load_names(fd, ifname, &f);
	if (r >= 0)
		r = feats_read(fd, ifname, &f);
	if (r < 0) {
		why_set(why, why_len, "%s: cannot read the offload settings: %s", ifname,
			strerror(-r));
		goto out;
	}
	for (uint32_t i = 0; i < f.n; i++) {
		if (!nic_offload_feature(f.names[i]) || !feat_bit(f.gf, i, M_ACTIVE) ||
		    !feat_bit(f.gf, i, M_AVAILABLE))
			continue;
		if (saved->n_features == NIC_SAVED_MAX_FEATURES) {
			r = -E2BIG;
			why_set(why, why_len, "%s: more offloads to turn off than the %d that can be saved",
				ifname, NIC_SAVED_MAX_FEATURES);
			goto out;
		}
		snprintf(saved->features[saved->n_features++], sizeof(saved->features[0]), "%s",
			 f.names[i]);
	}
	r = 0;
out:
	feats_done(&f);
	return r;
}

int nic_observe(const char *ifname, const struct nmd_nic_prep *prep, bool bridged,
		struct nic_saved *saved, char *why, size_t why_len)
{
	_cleanup_close_ int fd = -1;
	int r;

	memset(saved, 0, sizeof(*saved));
	why_set(why, why_len, "%s", "");
	if (!ifname_ok(ifname)) {
		why_set(why, why_len, "'%s' is not an interface name", ifname ? ifname : "");
		return -EINVAL;
	}
	r = flags_read(ifname, saved, &fd, why, why_len);
	if (r < 0)
		return r;
	saved->set_up = !saved->was_up;
	saved->set_promisc = bridged && prep->promiscuous && !saved->was_promisc;
	if (prep->offloads == NMD_OFFLOADS_OFF) {
		r = features_observe(fd, ifname, saved, why, why_len);
		if (r < 0) {
			memset(saved, 0, sizeof(*saved));
			return r;
		}
	}
	if (prep->flow_control == NMD_FLOW_CONTROL_OFF) {
		struct ethtool_pauseparam pp = { .cmd = ETHTOOL_GPAUSEPARAM };

		r = eth_ioctl(fd, ifname, &pp);
		if (r < 0 && r != -EOPNOTSUPP) {
			why_set(why, why_len, "%s: cannot read the flow control settings: %s",
				ifname, strerror(-r));
			memset(saved, 0, sizeof(*saved));
			return r;
		}
		if (r >= 0 && (pp.rx_pause || pp.tx_pause)) {
			saved->set_pause = true;
			saved->pause_autoneg = pp.autoneg;
			saved->pause_rx = pp.rx_pause;
			saved->pause_tx = pp.tx_pause;
		}
	}
	saved->valid = true;
	return 0;
}

int nic_restore(const char *ifname, const struct nic_saved *saved)
{
	_cleanup_close_ int fd = -1;

	if (!saved->valid)
		return 0;
	if (!ifname_ok(ifname))
		return -EINVAL;
	fd = ctl_socket();
	if (fd < 0)
		return fd;
	return restore_saved(fd, ifname, saved);
}

int nic_reassert(const char *ifname, const struct nic_saved *saved)
{
	_cleanup_close_ int fd = -1;
	unsigned flags;
	int r;

	if (!saved->valid || !saved->set_promisc)
		return 0;
	if (!ifname_ok(ifname))
		return -EINVAL;
	fd = ctl_socket();
	if (fd < 0)
		return fd;
	r = flags_get(fd, ifname, &flags);
	if (r < 0)
		return r;
	/*
	 * The kernel's flag may still say promiscuous while the driver has
	 * reprogrammed its filter without it: off and on again makes it
	 * program the filter anew (netmap's LINUX README).
	 */
	if (flags & IFF_PROMISC) {
		r = flag_set(fd, ifname, IFF_PROMISC, false);
		if (r < 0)
			return r;
	}
	return flag_set(fd, ifname, IFF_PROMISC, true);
}

/* ------------------------------------------------------------------------
 * In use? (rtnetlink)
 */

struct use_ctx {
	const char *ifname;
	int ifindex;
	char *why;
	size_t why_len;
};

/* Calls @cb for each message of a dump; stops early when it returns > 0. */
static int nl_dump(uint16_t type, const void *body, size_t body_len,
		   int (*cb)(const struct nlmsghdr *nh, struct use_ctx *u),
		   struct use_ctx *u)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	const size_t buf_len = 65536;
	struct {
		struct nlmsghdr nh;
		char body[64];
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	uint32_t seq = 1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	buf = malloc(buf_len);
	if (!buf)
		return -ENOMEM;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(body_len);
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	memcpy(NLMSG_DATA(&req.nh), body, body_len);
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	for (;;) {
		ssize_t len = recv(fd, buf, buf_len, 0);
		struct nlmsghdr *nh;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (len == 0)
			return -EIO;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			int r;

			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EIO;
				return e->error ? e->error : -EIO;
			}
			r = cb(nh, u);
			if (r != 0)
				return r;
		}
	}
}

static bool ip6_link_local(const unsigned char *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool ip6_multicast(const unsigned char *a)
{
	return a[0] == 0xff;
}

static int addr_cb(const struct nlmsghdr *nh, struct use_ctx *u)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	const struct rtattr *rta;
	const void *addr = NULL, *local = NULL;
	char text[INET6_ADDRSTRLEN];
	int len;

	if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return 0;
	if ((int)ifa->ifa_index != u->ifindex ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return 0;
	len = (int)IFA_PAYLOAD(nh);
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t want = ifa->ifa_family == AF_INET ? 4 : 16;

		if (RTA_PAYLOAD(rta) < want)
			continue;
		if (rta->rta_type == IFA_ADDRESS)
			addr = RTA_DATA(rta);
		else if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
	}
	if (local)	/* IPv4 point-to-point: IFA_ADDRESS is the peer */
		addr = local;
	if (!addr)
		return 0;
	if (ifa->ifa_family == AF_INET6 && ip6_link_local(addr))
		return 0;	/* every IPv6 interface that is up has one */
	inet_ntop(ifa->ifa_family, addr, text, sizeof(text));
	why_set(u->why, u->why_len, "%s has address %s/%u", u->ifname, text,
		ifa->ifa_prefixlen);
	return 1;
}

static const char *table_name(uint32_t t, char *buf, size_t len)
{
	switch (t) {
	case RT_TABLE_MAIN:
		return "main";
	case RT_TABLE_LOCAL:
		return "local";
	case RT_TABLE_DEFAULT:
		return "default";
	}
	snprintf(buf, len, "%u", t);
	return buf;
}

static int route_cb(const struct nlmsghdr *nh, struct use_ctx *u)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	const struct rtattr *rta;
	const unsigned char *dst = NULL, *gw = NULL;
	unsigned char zero[16] = { 0 };
	char dtext[INET6_ADDRSTRLEN], gtext[INET6_ADDRSTRLEN + 8], tbuf[16];
	uint32_t table;
	size_t alen;
	bool ours = false;
	int len;

	if (nh->nlmsg_type != RTM_NEWROUTE || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return 0;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return 0;
	if (rtm->rtm_flags & RTM_F_CLONED)
		return 0;
	alen = rtm->rtm_family == AF_INET ? 4 : 16;
	table = rtm->rtm_table;
	len = (int)RTM_PAYLOAD(nh);
	for (rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		switch (rta->rta_type) {
		case RTA_DST:
			if (RTA_PAYLOAD(rta) >= alen)
				dst = RTA_DATA(rta);
			break;
		case RTA_GATEWAY:
			if (RTA_PAYLOAD(rta) >= alen)
				gw = RTA_DATA(rta);
			break;
		case RTA_TABLE:
			if (RTA_PAYLOAD(rta) >= sizeof(uint32_t))
				memcpy(&table, RTA_DATA(rta), sizeof(table));
			break;
		case RTA_OIF:
			if (RTA_PAYLOAD(rta) >= sizeof(int)) {
				int oif;

				memcpy(&oif, RTA_DATA(rta), sizeof(oif));
				if (oif == u->ifindex)
					ours = true;
			}
			break;
		case RTA_MULTIPATH: {
			const struct rtnexthop *nhp = RTA_DATA(rta);
			int left = (int)RTA_PAYLOAD(rta);

			while (left >= (int)sizeof(*nhp) && nhp->rtnh_len >= sizeof(*nhp) &&
			       nhp->rtnh_len <= left) {
				if (nhp->rtnh_ifindex == u->ifindex)
					ours = true;
				left -= RTNH_ALIGN(nhp->rtnh_len);
				nhp = RTNH_NEXT(nhp);
			}
			break;
		}
		}
	}
	if (!ours)
		return 0;
	if (!dst)
		dst = zero;
	/* The kernel's own IPv6 routes of any interface that is up. */
	if (rtm->rtm_family == AF_INET6 &&
	    ((rtm->rtm_dst_len >= 10 && ip6_link_local(dst)) ||
	     (rtm->rtm_dst_len >= 8 && ip6_multicast(dst))))
		return 0;
	gtext[0] = '\0';
	if (gw) {
		char g[INET6_ADDRSTRLEN];

		inet_ntop(rtm->rtm_family, gw, g, sizeof(g));
		snprintf(gtext, sizeof(gtext), " via %s", g);
	}
	if (rtm->rtm_dst_len == 0)
		snprintf(dtext, sizeof(dtext), "default");
	else
		inet_ntop(rtm->rtm_family, dst, dtext, sizeof(dtext));
	if (rtm->rtm_dst_len == 0)
		why_set(u->why, u->why_len, "%s has a route to default%s (table %s)",
			u->ifname, gtext, table_name(table, tbuf, sizeof(tbuf)));
	else
		why_set(u->why, u->why_len, "%s has a route to %s/%u%s (table %s)",
			u->ifname, dtext, rtm->rtm_dst_len, gtext,
			table_name(table, tbuf, sizeof(tbuf)));
	return 1;
}

int nic_in_use(const char *ifname, char *why, size_t why_len)
{
	struct use_ctx u = { .ifname = ifname, .why = why, .why_len = why_len };
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct rtmsg rtm = { .rtm_family = AF_UNSPEC };
	int r;

	why_set(why, why_len, "%s", "");
	if (!ifname_ok(ifname)) {
		why_set(why, why_len, "'%s' is not an interface name", ifname ? ifname : "");
		return -EINVAL;
	}
	u.ifindex = (int)if_nametoindex(ifname);
	if (u.ifindex == 0) {
		r = -errno;
		why_set(why, why_len, "%s: %s", ifname, strerror(-r));
		return r;
	}
	r = nl_dump(RTM_GETADDR, &ifa, sizeof(ifa), addr_cb, &u);
	if (r == 0)
		r = nl_dump(RTM_GETROUTE, &rtm, sizeof(rtm), route_cb, &u);
	if (r < 0)
		why_set(why, why_len, "%s: cannot list addresses and routes: %s",
			ifname, strerror(-r));
	return r;
}

/* ------------------------------------------------------------------------
 * JSON
 */

/*
 * {"valid": true, "was_up": false, "set_up": true, "was_promisc": false,
 *  "set_promisc": true, "features": ["rx-checksum", ...],
 *  "pause": null | {"autoneg": true, "rx": true, "tx": true}}
 */
json_t *nic_saved_to_json(const struct nic_saved *saved)
{
	json_t *j, *feats, *pause;

	feats = json_array();
	if (!feats)
		return NULL;
	for (size_t i = 0; i < saved->n_features && i < NIC_SAVED_MAX_FEATURES; i++)
		if (json_array_append_new(feats, json_string(saved->features[i])) < 0) {
			json_decref(feats);
			return NULL;
		}
	if (saved->set_pause)
		pause = json_pack("{s:b, s:b, s:b}", "autoneg", saved->pause_autoneg,
				  "rx", saved->pause_rx, "tx", saved->pause_tx);
	else
		pause = json_null();
	if (!pause) {
		json_decref(feats);
		return NULL;
	}
	j = json_pack("{s:b, s:b, s:b, s:b, s:b, s:o, s:o}",
		      "valid", saved->valid, "was_up", saved->was_up, "set_up", saved->set_up,
		      "was_promisc", saved->was_promisc, "set_promisc", saved->set_promisc,
		      "features", feats, "pause", pause);
	return j;	/* "o" stole feats and pause, even on failure */
}

static bool feature_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(((struct nic_saved *)0)->features[0]) ||
	    n >= ETH_GSTRING_LEN)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_'))
			return false;
	return true;
}

int nic_saved_from_json(const json_t *j, struct nic_saved *saved)
{
	struct nic_saved s;
	json_t *feats = NULL, *pause = NULL;
	int valid, was_up, set_up, was_promisc, set_promisc;
	json_error_t err;
	size_t i;
	json_t *v;

	memset(saved, 0, sizeof(*saved));
	memset(&s, 0, sizeof(s));
	if (!j || json_unpack_ex((json_t *)j, &err, JSON_STRICT,
				 "{s:b, s:b, s:b, s:b, s:b, s:o, s:o}",
				 "valid", &valid, "was_up", &was_up, "set_up", &set_up,
				 "was_promisc", &was_promisc, "set_promisc", &set_promisc,
				 "features", &feats, "pause", &pause) < 0)
		return -EINVAL;
	s.valid = valid;
	s.was_up = was_up;
	s.set_up = set_up;
	s.was_promisc = was_promisc;
	s.set_promisc = set_promisc;
	/* We only set what was clear. */
	if ((s.set_up && s.was_up) || (s.set_promisc && s.was_promisc))
		return -EINVAL;
	if (!json_is_array(feats) || json_array_size(feats) > NIC_SAVED_MAX_FEATURES)
		return -EINVAL;
	json_array_foreach(feats, i, v) {
		const char *name = json_string_value(v);

		if (!name || strlen(name) != json_string_length(v) || !feature_name_ok(name))
			return -EINVAL;
		for (size_t k = 0; k < s.n_features; k++)
			if (streq(s.features[k], name))
				return -EINVAL;
		snprintf(s.features[s.n_features], sizeof(s.features[0]), "%s", name);
		s.n_features++;
	}
	if (!json_is_null(pause)) {
		int autoneg, rx, tx;

		if (json_unpack_ex(pause, &err, JSON_STRICT, "{s:b, s:b, s:b}",
				   "autoneg", &autoneg, "rx", &rx, "tx", &tx) < 0)
			return -EINVAL;
		s.set_pause = true;
		s.pause_autoneg = autoneg;
		s.pause_rx = rx;
		s.pause_tx = tx;
	}
	/* Something saved but not valid makes no sense: it would never be restored. */
	if (!s.valid && (s.set_up || s.set_promisc || s.set_pause || s.n_features))
		return -EINVAL;
	*saved = s;
	return 0;
}
