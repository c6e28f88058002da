/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_header_alone - the public headers compile on their own: nothing is
 * included before them, so a missing include in either header breaks the
 * build of this file.
 */
#include <net/netmap.h>
#include <net/netmap_user.h>

int
main(void)
{
	struct nmreq_header hdr = { .nr_version = NETMAP_API,
				    .nr_reqtype = NETMAP_REQ_REGISTER };
	struct nmreq_register reg = { .nr_mode = NR_REG_ALL_NIC };
	unsigned long req = NIOCCTRL;

	hdr.nr_body = (uint64_t)(uintptr_t)&reg;
	return (req != 0 && hdr.nr_body != 0 &&
		sizeof(struct netmap_ring) == 256) ? 0 : 1;
}
