// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmctx_pthreads - the thread-safe default context: a copy of the built-in
 * one plus a mutex as its lock. libnetmap.h refers to nmctx_threadsafe, so
 * a static link pulls this file (and its constructor) in.
 */
#include <pthread.h>

#include "libnetmap.h"

int nmctx_threadsafe;

static pthread_mutex_t nmctx_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct nmctx nmctx_ts;

static void nmctx_mutex_lock(struct nmctx *ctx, int lock)
{
	(void)ctx;
	if (lock)
		pthread_mutex_lock(&nmctx_mutex);
	else
		pthread_mutex_unlock(&nmctx_mutex);
}

void __attribute__((constructor)) nmctx_set_threadsafe(void)
{
	struct nmctx *old = nmctx_get();

	if (old == &nmctx_ts)
		return;
	nmctx_ts = *old;
	nmctx_ts.lock = nmctx_mutex_lock;
	nmctx_set_default(&nmctx_ts);
}
