/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_config - libFuzzer target for netmapd's configuration: the bounded
 * YAML reader, the schema walk and cross-checks, and the capacity check,
 * on arbitrary bytes. Built with -fsanitize=fuzzer,address,undefined, so
 * any memory error, leak or undefined behaviour is a crash; besides those,
 * it aborts when the loader breaks its own contract:
 *   - a failed load (other than -ENOMEM) carries at least one message;
 *   - a successful load carries none, and has version 1;
 *   - no message holds a control character (they are escaped);
 *   - positions are either both 0 or both >= 1.
 * Run it with tests/fuzz/run.sh.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "capacity.h"
#include "config.h"
#include "diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nmd_config *c = NULL;
	struct capacity *cap = NULL;
	char line[DIAG_MSG_MAX + 64];
	struct diags d;
	int r;

	if (diags_init(&d, "fuzz.yaml") < 0)
		return 0;
	r = config_load_buffer("fuzz.yaml", data, size, &c, &d);
	if (r == 0) {
		if (d.n != 0 || !c || c->version != 1)
			abort();
		r = capacity_check(c, &cap, &d);
		if (r == -ENOSPC && d.n == 0)
			abort();
		if (r == 0 && d.n != 0)
			abort();
	} else if (r != -ENOMEM) {
		if (c || d.n == 0)
			abort();
	}
	diags_sort(&d);
	for (size_t i = 0; i < d.n; i++) {
		if (!d.v[i].line != !d.v[i].column)
			abort();
		for (const char *p = d.v[i].msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				abort();
		diag_format(&d, i, line, sizeof(line));
	}
	capacity_free(cap);
	config_free(c);
	diags_done(&d);
	return 0;
}
