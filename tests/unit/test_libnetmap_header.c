// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_libnetmap_header - what a netmap application includes compiles in
 * strict ISO C11 (no GNU extensions, -Wall -Wextra -Werror): the
 * NETMAP_WITH_LIBS helpers and libnetmap.h together, nothing before them.
 * The functions are referenced so that their bodies are compiled too.
 */
#define NETMAP_WITH_LIBS
#include <net/netmap_user.h>
#include <libnetmap.h>

static void cb(unsigned char *arg, const struct nm_pkthdr *h, const unsigned char *buf)
{
	(void)arg;
	(void)h;
	(void)buf;
}

int main(void)
{
	struct nm_desc *d = nm_open("not-netmap", NULL, 0, NULL);
	struct nm_pkthdr h;
	int r = 0;

	if (d) {	/* never: not a netmap name */
		r += nm_dispatch(d, 1, cb, NULL) + nm_inject(d, "", 0);
		r += nm_nextpkt(d, &h) != NULL;
		r += nm_mmap(d, NULL) + nm_close(d);
	}
	r += nmport_enable_option("nosuch") == 0;
	return r;
}
