// SPDX-License-Identifier: BSD-2-Clause
/*
 * What an application outside the tree writes against the installed
 * libnmd: built with `pkg-config --cflags --libs libnmd` by
 * check-install.sh. Without a daemon, connecting must fail cleanly with a
 * negative errno, and with no handed ports the environment yields none.
 */
#include <stdio.h>

#include <libnmd.h>

int main(void)
{
	struct nmd_port **ports = NULL;
	struct nmd_client *c;
	size_t n = 0;
	int r = 0;

	c = nmd_connect("/nonexistent/netmapd.sock", &r);
	if (c || r >= 0) {
		fprintf(stderr, "connect to a missing socket: expected an error, got %d\n", r);
		return 1;
	}
	if (nmd_ports_from_env(&ports, &n) < 0 || n != 0) {
		fprintf(stderr, "no LISTEN_FDS: expected no ports, got %zu\n", n);
		return 1;
	}
	nmd_ports_free(ports, n);
	printf("libnmd client: ok\n");
	return 0;
}
