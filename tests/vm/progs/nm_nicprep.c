// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_nicprep - daemon/nicprep.c (linked in) as a command, for
 * tests/vm/guest/nicprep.sh. The guest has no ethtool(8), so this program
 * also reads an interface's features itself, with its own ioctls (not
 * nicprep.c's), for the script to compare before and after.
 *
 *   nm_nicprep snapshot IF    one line per feature "NAME req=R act=A fixed=F",
 *                             then "flags up=U promisc=P"
 *   nm_nicprep offloads IF    "on=N left=M": offloads on, and of those the
 *                             changeable ones (nic_offload_feature())
 *   nm_nicprep prepare IF FILE [force] [bridged] [keep] [flow-off] [fail=STEP]
 *                             nic_prepare(); the saved state goes to FILE (JSON)
 *   nm_nicprep restore IF FILE
 *   nm_nicprep reassert IF FILE
 *   nm_nicprep inuse IF       prints the reason
 *
 * Exit: 0 done (inuse: not in use), 3 refused as in use (-EBUSY) or in use,
 * 1 any other error (printed), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nicprep.h"

#define MAXF 256

struct snap {
	uint32_t n;
	char names[MAXF][ETH_GSTRING_LEN];
	uint32_t avail[MAXF / 32], req[MAXF / 32], act[MAXF / 32];
	unsigned flags;
};

static int eth(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

static int snap_take(const char *ifname, struct snap *s)
{
	union {
		struct ethtool_sset_info h;
		uint8_t buf[sizeof(struct ethtool_sset_info) + sizeof(uint32_t)];
	} si;
	static union {
		struct ethtool_gstrings h;
		uint8_t buf[sizeof(struct ethtool_gstrings) + MAXF * ETH_GSTRING_LEN];
	} gs;
	union {
		struct ethtool_gfeatures h;
		uint8_t buf[sizeof(struct ethtool_gfeatures) +
			    (MAXF / 32) * sizeof(struct ethtool_get_features_block)];
	} gf;
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), r;

	if (fd < 0)
		return -errno;
	memset(s, 0, sizeof(*s));
	memset(&si, 0, sizeof(si));
	si.h.cmd = ETHTOOL_GSSET_INFO;
	si.h.sset_mask = 1ULL << ETH_SS_FEATURES;
	r = eth(fd, ifname, &si);
	if (r == 0 && si.h.data[0] > MAXF)
		r = -E2BIG;
	if (r == 0) {
		memset(&gs, 0, sizeof(gs));
		gs.h.cmd = ETHTOOL_GSTRINGS;
		gs.h.string_set = ETH_SS_FEATURES;
		gs.h.len = si.h.data[0];
		r = eth(fd, ifname, &gs);
	}
	if (r == 0) {
		memset(&gf, 0, sizeof(gf));
		gf.h.cmd = ETHTOOL_GFEATURES;
		gf.h.size = MAXF / 32;
		r = eth(fd, ifname, &gf);
	}
	if (r == 0) {
		s->n = gs.h.len;
		memcpy(s->names, gs.h.data, sizeof(s->names));
		for (uint32_t w = 0; w < gf.h.size && w < MAXF / 32; w++) {
			s->avail[w] = gf.h.features[w].available;
			s->req[w] = gf.h.features[w].requested;
			s->act[w] = gf.h.features[w].active;
		}
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
			r = -errno;
		s->flags = (unsigned short)ifr.ifr_flags;
	}
	close(fd);
	return r;
}

static int bit(const uint32_t *m, uint32_t i)
{
	return !!(m[i / 32] & (1U << (i % 32)));
}

static int write_file(const char *path, const struct nic_saved *s)
{
	json_t *j = nic_saved_to_json(s);
	int r;

	if (!j)
		return -ENOMEM;
	r = json_dump_file(j, path, JSON_SORT_KEYS) < 0 ? -EIO : 0;
	json_decref(j);
	return r;
}

static int read_file(const char *path, struct nic_saved *s)
{
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);
	int r;

	if (!j) {
		fprintf(stderr, "%s: %s\n", path, err.text);
		return -EINVAL;
	}
	r = nic_saved_from_json(j, s);
	json_decref(j);
	return r;
}

static int usage(void)
{
	fprintf(stderr, "usage: nm_nicprep snapshot|offloads|inuse IF\n"
			"       nm_nicprep prepare IF FILE [force] [bridged] [keep] [flow-off] [fail=STEP]\n"
			"       nm_nicprep restore|reassert IF FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd, *ifname;
	struct nic_saved saved;
	struct snap s;
	char why[512] = "";
	int r;

	if (argc < 3)
		return usage();
	cmd = argv[1];
	ifname = argv[2];

	if (!strcmp(cmd, "snapshot") || !strcmp(cmd, "offloads")) {
		unsigned on = 0, left = 0;

		r = snap_take(ifname, &s);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", ifname, strerror(-r));
			return 1;
		}
		for (uint32_t i = 0; i < s.n; i++) {
			if (!strcmp(cmd, "snapshot"))
				printf("%s req=%d act=%d fixed=%d\n", s.names[i], bit(s.req, i),
				       bit(s.act, i), !bit(s.avail, i));
			if (nic_offload_feature(s.names[i]) && bit(s.act, i)) {
				on++;
				if (bit(s.avail, i)) {
					left++;
					if (!strcmp(cmd, "offloads"))
						fprintf(stderr, "still on: %s\n", s.names[i]);
				}
			}
		}
		if (!strcmp(cmd, "snapshot"))
			printf("flags up=%d promisc=%d\n", !!(s.flags & IFF_UP),
			       !!(s.flags & IFF_PROMISC));
		else
			printf("on=%u left=%u\n", on, left);
		return 0;
	}
	if (!strcmp(cmd, "inuse")) {
		r = nic_in_use(ifname, why, sizeof(why));
		printf("%s\n", r == 0 ? "not in use" : why);
		return r == 0 ? 0 : r > 0 ? 3 : 1;
	}
	if (argc < 4)
		return usage();
	if (!strcmp(cmd, "prepare")) {
		struct nmd_nic_prep prep = {
			.offloads = NMD_OFFLOADS_OFF,
			.promiscuous = true,
			.flow_control = NMD_FLOW_CONTROL_KEEP,
		};
		bool bridged = false;

		for (int i = 4; i < argc; i++) {
			if (!strcmp(argv[i], "force"))
				prep.force = true;
			else if (!strcmp(argv[i], "bridged"))
				bridged = true;
			else if (!strcmp(argv[i], "keep"))
				prep.offloads = NMD_OFFLOADS_KEEP;
			else if (!strcmp(argv[i], "flow-off"))
				prep.flow_control = NMD_FLOW_CONTROL_OFF;
			else if (!strncmp(argv[i], "fail=", 5))
				nicprep_fail_before = atoi(argv[i] + 5);
			else
				return usage();
		}
		r = nic_prepare(ifname, &prep, bridged, &saved, why, sizeof(why));
		if (r < 0) {
			printf("prepare %s: %s (%s)\n", ifname, why, strerror(-r));
			return r == -EBUSY ? 3 : 1;
		}
		printf("prepared %s: %zu features off%s%s%s\n", ifname, saved.n_features,
		       saved.set_up ? ", brought up" : "",
		       saved.set_promisc ? ", promiscuous" : "",
		       saved.set_pause ? ", flow control off" : "");
		for (size_t i = 0; i < saved.n_features; i++)
			printf("  off: %s\n", saved.features[i]);
		r = write_file(argv[3], &saved);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", argv[3], strerror(-r));
			nic_restore(ifname, &saved);
			return 1;
		}
		return 0;
	}
	if (!strcmp(cmd, "restore") || !strcmp(cmd, "reassert")) {
		r = read_file(argv[3], &saved);
		if (r < 0) {
			fprintf(stderr, "%s: malformed (%s)\n", argv[3], strerror(-r));
			return 1;
		}
		r = !strcmp(cmd, "restore") ? nic_restore(ifname, &saved)
					    : nic_reassert(ifname, &saved);
		if (r < 0) {
			printf("%s %s: %s\n", cmd, ifname, strerror(-r));
			return 1;
		}
		return 0;
	}
	return usage();
}
