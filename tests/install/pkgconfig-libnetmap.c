// SPDX-License-Identifier: BSD-2-Clause
/*
 * An application of the netmap kind against the installed headers and
 * libnetmap, built by check-install.sh with `pkg-config --cflags --libs
 * libnetmap` (shared) and `--static`: it uses only the header-only
 * nm_open(), plus nmport_prepare(). With no /dev/netmap and no netmapd,
 * nm_open() must have gone through libnetmap's fallback (the message names
 * the socket), which proves the weak reference was resolved.
 */
#define NETMAP_WITH_LIBS
#include <net/netmap_user.h>
#include <libnetmap.h>

#include <stdio.h>
#include <string.h>

static char seen[1000];

static void keep(struct nmctx *ctx, const char *msg)
{
	(void)ctx;
	snprintf(seen, sizeof(seen), "%s", msg);
}

int main(void)
{
	struct nmctx ctx = *nmctx_get();
	struct nmport_d *d;

	ctx.error = keep;
	nmctx_set_default(&ctx);
	d = nmport_prepare("netmap:eth0-1/x");
	if (!d || d->reg.nr_mode != NR_REG_ONE_NIC || d->reg.nr_ringid != 1) {
		fprintf(stderr, "nmport_prepare: %s\n", seen);
		return 1;
	}
	nmport_undo_prepare(d);
	if (!nm_open_netmapd) {
		fprintf(stderr, "nm_open's netmapd fallback is not linked\n");
		return 1;
	}
	if (access(NETMAP_DEVICE_NAME, F_OK) != 0 &&
	    (nm_open("vale0:x", NULL, 0, NULL) != NULL || !strstr(seen, "/nonexistent"))) {
		fprintf(stderr, "nm_open without /dev/netmap: '%s'\n", seen);
		return 1;
	}
	printf("libnetmap client: ok\n");
	return 0;
}
