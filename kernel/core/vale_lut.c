// SPDX-License-Identifier: BSD-2-Clause
/*
 * vale_lut.c - the MAC learning table of a VALE switch; see vale_lut.h.
 */
#ifndef NM_USERSPACE
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#endif

#include "vale_lut.h"

void nm_vale_lut_init(struct nm_vale_lut *lut)
{
	u32 i;

	for (i = 0; i < NM_VALE_LUT_SIZE; i++)
		WRITE_ONCE(lut->e[i], 0);
}

void nm_vale_lut_forget(struct nm_vale_lut *lut, u8 port)
{
	u32 i;

	for (i = 0; i < NM_VALE_LUT_SIZE; i++) {
		u64 v = READ_ONCE(lut->e[i]);

		if ((v & NM_VALE_LUT_VALID) && (v & 0xff) == port)
			WRITE_ONCE(lut->e[i], 0);
	}
}
