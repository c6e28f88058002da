// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_bcast - traffic from a NIC's link that no netmap program asked for:
 *
 *   nm_bcast IFNAME COUNT INTERVAL_US
 *
 * sends COUNT 60-byte broadcast frames (EtherType 0x88b6, IEEE local
 * experimental 2) on IFNAME, one every INTERVAL_US microseconds, through an
 * AF_PACKET socket, and prints how many went out. sd-exec.sh runs it on the
 * far end of the switch's NIC while nmd_pass moves frames between two VALE
 * ports: the switch floods the broadcasts to both, so they take receive
 * slots nmd_pass's window must count (the cause of a flake once seen in CI).
 * Exit: 0 sent, 1 socket or interface error, 2 usage.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ETHERTYPE_NOISE 0x88b6

int main(int argc, char **argv)
{
	unsigned char f[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0x77, 0x77,
				ETHERTYPE_NOISE >> 8, ETHERTYPE_NOISE & 0xff };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	long count, sent = 0;
	useconds_t interval;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: nm_bcast IFNAME COUNT INTERVAL_US\n");
		return 2;
	}
	count = strtol(argv[2], NULL, 10);
	interval = (useconds_t)strtoul(argv[3], NULL, 10);
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "nm_bcast: no interface %s\n", argv[1]);
		return 1;
	}
	memset(sll.sll_addr, 0xff, 6);
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETHERTYPE_NOISE));
	if (fd < 0) {
		perror("nm_bcast: socket");
		return 1;
	}
	for (long i = 0; i < count; i++) {
		if (sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&sll, sizeof(sll)) == sizeof(f))
			sent++;
		usleep(interval);
	}
	close(fd);
	printf("nm_bcast: %ld of %ld frames sent on %s\n", sent, count, argv[1]);
	return 0;
}
