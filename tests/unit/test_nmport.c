// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_nmport - the port name grammar of client/nmport.c (what nm-pktgen
 * and nm-bridge accept): the nr_name, mode, ringid, flags, mem_id and
 * @conf: values each name gives, and the names that must be refused
 * (NETMAP-ABI.md §6, libnetmap's rules, with the "netmap:" prefix optional).
 * Also nmport_from_fd() on a hand-made region: the bound ring ranges come
 * from the non-zero ring_ofs entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nmport.h"

struct ok_case {
	const char *in;
	const char *nr_name;
	uint32_t mode;
	uint16_t ringid;
	uint64_t flags;
	uint16_t mem_id;
};

static const struct ok_case good[] = {
	{ "eth0", "eth0", NR_REG_ALL_NIC, 0, 0, 0 },
	{ "netmap:eth0", "eth0", NR_REG_ALL_NIC, 0, 0, 0 },
	{ "netmap:eth0-3", "eth0", NR_REG_ONE_NIC, 3, 0, 0 },
	{ "eth0^", "eth0", NR_REG_SW, 0, 0, 0 },
	{ "eth0^1", "eth0", NR_REG_ONE_SW, 1, 0, 0 },
	{ "eth0*", "eth0", NR_REG_NIC_SW, 0, 0, 0 },
	{ "vale0:p", "vale0:p", NR_REG_ALL_NIC, 0, 0, 0 },
	{ "vale:p", "vale:p", NR_REG_ALL_NIC, 0, 0, 0 },
	{ "valeB_1:port-2", "valeB_1:port", NR_REG_ONE_NIC, 2, 0, 0 },
	{ "x{1", "x{1", NR_REG_ALL_NIC, 0, 0, 0 },
	{ "netmap:x}1", "x}1", NR_REG_ALL_NIC, 0, 0, 0 },
	{ "netmap:pipe{in-7", "pipe{in", NR_REG_ONE_NIC, 7, 0, 0 },
	{ "vale0:v0/r", "vale0:v0", NR_REG_ALL_NIC, 0, NR_MONITOR_RX, 0 },
	{ "eth0/rt", "eth0", NR_REG_ALL_NIC, 0, NR_MONITOR_RX | NR_MONITOR_TX, 0 },
	{ "eth0/z", "eth0", NR_REG_ALL_NIC, 0, NR_ZCOPY_MON, 0 },
	{ "netmap:pipe{1/r", "pipe{1", NR_REG_ALL_NIC, 0, NR_MONITOR_RX, 0 },
	{ "eth0-1/xRT", "eth0", NR_REG_ONE_NIC, 1, NR_EXCLUSIVE | NR_RX_RINGS_ONLY |
	  NR_TX_RINGS_ONLY, 0 },
	{ "eth0@5", "eth0", NR_REG_ALL_NIC, 0, 0, 5 },
	{ "eth0@5@5", "eth0", NR_REG_ALL_NIC, 0, 0, 5 },
	{ "x{a_b@conf:rings=2", "x{a_b", NR_REG_ALL_NIC, 0, 0, 0 },
};

static const char *const bad[] = {
	"", "netmap:", "netmap:^", "netmap:{", "x{", "{1", "netmap:pipe{1}2",
	"netmap:eth0-", "eth0@", "eth0@0", "eth0@1@2", "netmap:vale0:0", "eth0:1",
	"vale0:", "vale-0:p", "eth0&", "eth0/", "eth0/q", "eth0-4095", "eth0@foo",
	"eth0@conf:", "eth0@conf:rings", "eth0@conf:bogus=1", "eth0@conf:rings=x",
	"eth0@conf:rings=70000", "eth0-1-2",
	"a_name_that_is_far_too_long_for_the_sixty_four_bytes_of_nr_name_xxxxx",
};

static void test_good(void)
{
	char err[NMPORT_ERRLEN];
	struct nmport_spec s;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const struct ok_case *c = &good[i];
		int r = nmport_parse(c->in, &s, err, sizeof(err));

		CHECK(r == 0, "%s: %d (%s)", c->in, r, err);
		if (r)
			continue;
		CHECK(!strcmp(s.nr_name, c->nr_name), "%s: nr_name %s, want %s", c->in, s.nr_name,
		      c->nr_name);
		CHECK(s.mode == c->mode, "%s: mode %u, want %u", c->in, s.mode, c->mode);
		CHECK(s.ringid == c->ringid, "%s: ringid %u", c->in, s.ringid);
		CHECK(s.flags == c->flags, "%s: flags %#llx", c->in, (unsigned long long)s.flags);
		CHECK(s.mem_id == c->mem_id, "%s: mem_id %u", c->in, s.mem_id);
	}
	CHECK(nmport_parse("x{1@conf:rings=2,tx-slots=256,rx_slots=512,host-rings=1", &s, err,
			   sizeof(err)) == 0, "@conf: %s", err);
	CHECK(s.tx_rings == 2 && s.rx_rings == 2 && s.tx_slots == 256 && s.rx_slots == 512 &&
	      s.host_tx_rings == 1 && s.host_rx_rings == 1, "@conf values %u %u %u %u %u %u",
	      s.tx_rings, s.rx_rings, s.tx_slots, s.rx_slots, s.host_tx_rings, s.host_rx_rings);
	CHECK(nmport_parse("eth0", &s, NULL, 0) == 0 && !s.has_ringspec, "no ringspec");
	CHECK(nmport_parse("eth0^", &s, NULL, 0) == 0 && s.has_ringspec, "ringspec ^");
}

static void test_bad(void)
{
	char err[NMPORT_ERRLEN];
	struct nmport_spec s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK(nmport_parse(bad[i], &s, err, sizeof(err)) == -EINVAL, "'%s' accepted", bad[i]);
		CHECK(err[0] != '\0', "'%s': no message", bad[i]);
	}
	CHECK(nmport_parse(NULL, &s, NULL, 0) == -EINVAL, "NULL accepted");
}

/*
 * A netmap_if with 2 hardware + 1 host TX rings and 2 + 1 RX rings, of which
 * only TX ring 1 and RX ring 1 are bound (as NR_REG_ONE_NIC 1 gives).
 */
static void test_from_fd(void)
{
	size_t size = 4096;
	char *mem = aligned_alloc(4096, size);
	struct nmreq_register reg;
	struct netmap_if *nifp;
	struct nmport p;
	char err[NMPORT_ERRLEN];

	if (!mem) {
		CHECK(mem, "alloc");
		return;
	}
	memset(mem, 0, size);
	memset(&reg, 0, sizeof(reg));
	reg.nr_offset = 256;
	reg.nr_memsize = size;
	reg.nr_mem_id = 7;
	nifp = NETMAP_IF(mem, reg.nr_offset);
	strcpy((char *)nifp->ni_name, "x{1");
	*(uint32_t *)&nifp->ni_tx_rings = 2;
	*(uint32_t *)&nifp->ni_rx_rings = 2;
	*(uint32_t *)&nifp->ni_host_tx_rings = 1;
	*(uint32_t *)&nifp->ni_host_rx_rings = 1;
	((ssize_t *)nifp->ring_ofs)[1] = 1024;		/* TX 1 */
	((ssize_t *)nifp->ring_ofs)[3 + 1] = 2048;	/* RX 1 */

	CHECK(nmport_from_fd(&p, 42, NULL, &reg, mem, false, err, sizeof(err)) == 0, "%s", err);
	CHECK(p.fd == 42 && !p.own_fd && !p.own_mem, "ownership");
	CHECK(!strcmp(p.name, "x{1"), "name from ni_name: %s", p.name);
	CHECK(p.first_tx == 1 && p.last_tx == 2, "tx range %u..%u", p.first_tx, p.last_tx);
	CHECK(p.first_rx == 1 && p.last_rx == 2, "rx range %u..%u", p.first_rx, p.last_rx);
	CHECK((char *)nmport_txring(&p, 1) == (char *)nifp + 1024, "TX ring address");
	CHECK((char *)nmport_rxring(&p, 1) == (char *)nifp + 2048, "RX ring address");
	nmport_close(&p);	/* owns nothing: must not close fd 42 or free mem */
	CHECK(p.fd == -1, "closed");

	/* A reply whose netmap_if lies outside the region is refused. */
	reg.nr_offset = size;
	CHECK(nmport_from_fd(&p, 42, "x", &reg, mem, false, err, sizeof(err)) == -EINVAL,
	      "offset past the region accepted");
	free(mem);
}

int main(void)
{
	test_good();
	test_bad();
	test_from_fd();
	return check_summary();
}
