// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmctx - the context of libnetmap calls: where error messages go, how
 * memory is allocated, the lock that guards the list of mapped regions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "libnetmap.h"

static void default_error(struct nmctx *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s\n", msg);
}

static void *default_malloc(struct nmctx *ctx, size_t sz)
{
	(void)ctx;
	return malloc(sz);
}

static void default_free(struct nmctx *ctx, void *p)
{
	(void)ctx;
	free(p);
}

static struct nmctx nmctx_global = {
	.verbose = 1,
	.error = default_error,
	.malloc = default_malloc,
	.free = default_free,
};

static struct nmctx *nmctx_default = &nmctx_global;

struct nmctx *nmctx_get(void)
{
	return nmctx_default;
}

struct nmctx *nmctx_set_default(struct nmctx *ctx)
{
	struct nmctx *old = nmctx_default;

	nmctx_default = ctx;
	return old;
}

void nmctx_ferror(struct nmctx *ctx, const char *fmt, ...)
{
	char msg[1000];
	va_list ap;
	int n;

	if (!ctx->verbose)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		ctx->error(ctx, "internal error");
	else if ((size_t)n >= sizeof(msg))
		ctx->error(ctx, "error message too long");
	else
		ctx->error(ctx, msg);
}

void *nmctx_malloc(struct nmctx *ctx, size_t sz)
{
	return ctx->malloc(ctx, sz);
}

void nmctx_free(struct nmctx *ctx, void *p)
{
	ctx->free(ctx, p);
}

void nmctx_lock(struct nmctx *ctx)
{
	if (ctx->lock)
		ctx->lock(ctx, 1);
}

void nmctx_unlock(struct nmctx *ctx)
{
	if (ctx->lock)
		ctx->lock(ctx, 0);
}
