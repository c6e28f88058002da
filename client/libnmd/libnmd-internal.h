/* SPDX-License-Identifier: BSD-2-Clause */
/* libnmd-internal - helpers shared by libnmd's files; not installed. */
#ifndef LIBNMD_INTERNAL_H
#define LIBNMD_INTERNAL_H

#include "libnmd.h"

/* Set @err (may be NULL) to @code and a formatted message. */
__attribute__((visibility("hidden")))
void nmd_set_error(struct nmd_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* LIBNMD_INTERNAL_H */
