// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_cycles - open / REGISTER / mmap / munmap / close, many times over, on
 * netmap pipes (alternating ends, with extra buffers). Afterwards the
 * *_curr_* module parameters must be where they started and a last
 * REGISTER must still get everything it asks for: nothing leaked, nothing
 * exhausted.
 *
 * Nine cycles in ten use the parent "cy", kept alive by a holder fd
 * ("cy{hold") for the whole run, so its private region persists: a buffer,
 * ring or netmap_if not given back at close would run that region dry
 * within a few hundred cycles (priv_buf_num=8192 in the VM; each cycle
 * takes 4 x 64 ring buffers and 64 extra ones), which the per-cycle checks
 * see. The tenth cycle uses the parent "cz", which has no other user: each
 * such cycle creates and destroys the implicit parent and its region.
 *
 *   nm_cycles [-n CYCLES] [-v]     default 10000
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nmt.h"

#define SLOTS	64
#define EXTRA	64

static const char *const curr_names[] = {
	"if_curr_num", "if_curr_size", "ring_curr_num", "ring_curr_size",
	"buf_curr_num", "buf_curr_size",
};
#define NCURR (sizeof(curr_names) / sizeof(curr_names[0]))

static void read_curr(long long *v)
{
	size_t i;

	for (i = 0; i < NCURR; i++)
		v[i] = nmt_param(curr_names[i]);
}

/* One cycle; false (with a FAIL line) if anything is off. */
static bool cycle(unsigned i, const char *name)
{
	static uint32_t chain[EXTRA + 1];
	const struct nmt_reg_opts *o = NMT_OPTS(.tx_slots = SLOTS, .rx_slots = SLOTS,
					       .extra_bufs = EXTRA);
	struct netmap_ring *txr, *rxr;
	struct nmt_port p;
	uint32_t b, n = 0, j, k;
	bool ok;
	int err;

	err = nmt_port_open(&p, name, o);
	if (!CHECK_ERR(err, 0, "cycle %u: REGISTER %s", i, name))
		return false;
	txr = nmt_tx(&p, 0);
	rxr = nmt_rx(&p, 0);
	ok = CHECK(txr && rxr, "cycle %u: rings bound", i) &&
	     CHECK_EQ(p.reg.nr_extra_bufs, EXTRA, "cycle %u: extra buffers granted", i) &&
	     CHECK(txr->head == 0 && txr->cur == 0 && txr->tail == SLOTS - 1 &&
		   rxr->head == 0 && rxr->tail == 0,
		   "cycle %u: fresh rings (tx %u/%u/%u rx %u/%u)", i, txr->head, txr->cur,
		   txr->tail, rxr->head, rxr->tail);
	if (ok) {
		/* Walk the extra-buffer list: all valid, as many as granted. */
		for (b = p.nifp->ni_bufs_head; b && n <= EXTRA; n++) {
			if (!nmt_buf_ok(&p, txr, b))
				break;
			chain[n] = b;
			memcpy(&b, NETMAP_BUF(txr, b), sizeof(b));
		}
		ok = CHECK(b == 0 && n == EXTRA, "cycle %u: extra list of %u valid buffers (got %u)",
			   i, EXTRA, n);
		for (j = 0; ok && j < n; j++)
			for (k = j + 1; ok && k < n; k++)
				ok = CHECK(chain[j] != chain[k], "cycle %u: extra buffer %u listed twice",
					   i, chain[j]);
	}
	nmt_port_close(&p);
	return ok;
}

int main(int argc, char **argv)
{
	long long before[NCURR], after[NCURR], t0;
	unsigned cycles = 10000, i, fresh = 0;
	struct nmt_port hold;
	bool ok = true;
	size_t k;
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "n:v")) != -1) {
		switch (c) {
		case 'n':
			cycles = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'v':
			nmt_verbose = true;
			break;
		default:
			fprintf(stderr, "usage: nm_cycles [-n CYCLES] [-v]\n");
			return 2;
		}
	}
	read_curr(before);
	for (k = 0; k < NCURR; k++)
		CHECK(before[k] >= 0, "read %s", curr_names[k]);
	printf("before: ");
	for (k = 0; k < NCURR; k++)
		printf("%s=%lld ", curr_names[k], before[k]);
	printf("\n");

	if (!CHECK_ERR(nmt_port_open(&hold, "cy{hold", NMT_OPTS(.tx_slots = SLOTS,
								.rx_slots = SLOTS)), 0,
		       "REGISTER the holder cy{hold"))
		return 1;
	t0 = nmt_now_ms();
	for (i = 0; i < cycles && ok; i++) {
		static const char *const held[] = { "cy{0", "cy}0" };
		static const char *const own[] = { "cz{0", "cz}0" };

		if (i % 10 == 9) {
			ok = cycle(i, own[(i / 10) & 1]);
			fresh++;
		} else {
			ok = cycle(i, held[i & 1]);
		}
		if ((i + 1) % 1000 == 0)
			printf("%u cycles, %lld ms\n", i + 1, nmt_now_ms() - t0);
	}
	CHECK_EQ(i, cycles, "%u cycles (%u of them with a fresh parent and region)", cycles, fresh);
	nmt_port_close(&hold);

	/* Still everything there: a final register of each kind. */
	cycle(i, "cy{0");
	cycle(i + 1, "cz}0");

	read_curr(after);
	printf("after:  ");
	for (k = 0; k < NCURR; k++)
		printf("%s=%lld ", curr_names[k], after[k]);
	printf("\n");
	for (k = 0; k < NCURR; k++)
		CHECK_EQ(after[k], before[k], "%s back where it started", curr_names[k]);

	printf("%s: %u cycles in %lld ms, %u checks failed\n", nmt_checks_failed ? "FAIL" : "ok",
	       i, nmt_now_ms() - t0, nmt_checks_failed);
	return nmt_checks_failed ? 1 : 0;
}
