// SPDX-License-Identifier: BSD-2-Clause
/* toolport - the traffic tools' port names on libnetmap (see toolport.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "toolport.h"

static char last_err[TOOLPORT_ERRLEN];
static struct nmctx tool_ctx;
static bool tool_ctx_set;

static void catch_error(struct nmctx *ctx, const char *msg)
{
	(void)ctx;
	snprintf(last_err, sizeof(last_err), "%s", msg);
}

/* Catch libnetmap's messages from now on (descriptors keep their context). */
static void catch_errors(void)
{
	if (tool_ctx_set)
		return;
	tool_ctx = *nmctx_get();
	tool_ctx.error = catch_error;
	tool_ctx.verbose = 1;
	nmctx_set_default(&tool_ctx);
	tool_ctx_set = true;
}

static void take_error(char *err, size_t errlen, const char *arg)
{
	if (!last_err[0])
		snprintf(last_err, sizeof(last_err), "%s: %s", arg, strerror(errno));
	snprintf(err, errlen, "%s", last_err);
	last_err[0] = '\0';
}

bool toolport_spec(const char *arg, char *spec, size_t speclen, char *err, size_t errlen)
{
	const char *name;

	if (!strncmp(arg, "env:", 4)) {
		name = nmport_handed_name(arg + 4);
		if (!name) {
			snprintf(err, errlen, "%s: no such port was handed to this process (%s; "
				 "run it as: nmctl exec --port NAME -- ...)", arg, strerror(errno));
			return false;
		}
		snprintf(spec, speclen, "%s", name);
	} else if (!strncmp(arg, "netmap:", 7) || !strncmp(arg, "vale", 4)) {
		snprintf(spec, speclen, "%s", arg);
	} else {
		snprintf(spec, speclen, "netmap:%s", arg);
	}
	return true;
}

struct nmport_d *toolport_prepare(const char *arg, char *err, size_t errlen)
{
	char spec[256];
	struct nmport_d *d;

	catch_errors();
	if (!toolport_spec(arg, spec, sizeof(spec), err, errlen))
		return NULL;
	d = nmport_prepare(spec);
	if (!d)
		take_error(err, errlen, arg);
	return d;
}

int toolport_open_desc(struct nmport_d *d, char *err, size_t errlen)
{
	if (nmport_open_desc(d) == 0)
		return 0;
	take_error(err, errlen, d->hdr.nr_name);
	return -1;
}

struct nmport_d *toolport_open(const char *arg, char *err, size_t errlen)
{
	struct nmport_d *d = toolport_prepare(arg, err, errlen);

	if (d && toolport_open_desc(d, err, errlen) < 0) {
		nmport_undo_prepare(d);
		return NULL;
	}
	return d;
}
