// SPDX-License-Identifier: BSD-2-Clause
/*
 * log - netmapd's messages (see log.h): the journal, with structured
 * fields, when stderr is connected to it; "netmapd: ..." lines on stderr
 * otherwise.
 */
#include "log.h"

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

static bool log_journal, log_verbose;

void log_setup(bool verbose)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	log_verbose = verbose;
	log_journal = false;
	/* JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected; it is
	 * only ours if stderr is still that stream. */
	if (e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
		log_journal = true;
}

static void log_vmsg(int prio, const char *fmt, va_list ap)
{
	static const char *const prefix[] = {
		[LOG_EMERG] = "emergency: ", [LOG_ALERT] = "alert: ",
		[LOG_CRIT] = "critical: ",   [LOG_ERR] = "error: ",
		[LOG_WARNING] = "warning: ", [LOG_NOTICE] = "",
		[LOG_INFO] = "",             [LOG_DEBUG] = "debug: ",
	};
	char buf[2048];

	if (prio >= LOG_DEBUG && !log_verbose)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_journal) {
		sd_journal_print(prio, "%s", buf);
		return;
	}
	fprintf(stderr, "netmapd: %s%s\n", prio >= 0 && prio <= LOG_DEBUG ? prefix[prio] : "",
		buf);
}

void log_fields(int prio, const char *msgid, const struct log_ctx *ctx, const char *fmt, ...)
{
	char msg[2048], m[2100], f[8][512];
	struct iovec iov[9];
	int n = 0;
	va_list ap;

	if (prio >= LOG_DEBUG && !log_verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!log_journal) {
		log_msg(prio, "%s", msg);
		return;
	}
	/* sd_journal_sendv(): only the fields that are set. */
#define FIELD(...) snprintf(f[n], sizeof(f[n]), __VA_ARGS__), n++
	FIELD("PRIORITY=%d", prio);
	if (msgid)
		FIELD("MESSAGE_ID=%s", msgid);
	if (ctx && ctx->interface)
		FIELD("INTERFACE=%s", ctx->interface);
	if (ctx && ctx->port)
		FIELD("NETMAPD_PORT=%s", ctx->port);
	if (ctx && ctx->sw)
		FIELD("SWITCH=%s", ctx->sw);
	if (ctx && ctx->config_file)
		FIELD("CONFIG_FILE=%s", ctx->config_file);
	if (ctx && ctx->config_line)
		FIELD("CONFIG_LINE=%u", ctx->config_line);
	if (ctx && ctx->err)
		FIELD("ERRNO=%d", ctx->err);
#undef FIELD
	for (int i = 0; i < n; i++)
		iov[i] = (struct iovec){ .iov_base = f[i], .iov_len = strlen(f[i]) };
	snprintf(m, sizeof(m), "MESSAGE=%s", msg);
	iov[n++] = (struct iovec){ .iov_base = m, .iov_len = strlen(m) };
	sd_journal_sendv(iov, n);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
}

void log_diags(int prio, const struct diags *d)
{
	char buf[DIAG_MSG_MAX + 512];

	for (size_t i = 0; i < d->n; i++)
		log_msg(prio, "%s", diag_format(d, i, buf, sizeof(buf)));
	if (d->truncated)
		log_msg(prio, "%s: more problems not shown", d->file);
}

/* The port of @c written at @line (a NIC, a persistent port...), or NULL. */
static const struct nmd_port *port_at_line(const struct nmd_config *c, unsigned line)
{
	for (size_t i = 0; c && line && i < c->n_switches; i++)
		for (size_t j = 0; j < c->switches[i].n_ports; j++)
			if (c->switches[i].ports[j].mark.line == line)
				return &c->switches[i].ports[j];
	return NULL;
}

void log_diags_fields(int prio, const char *msgid, const struct diags *d, int err,
		      const struct nmd_config *c)
{
	char buf[DIAG_MSG_MAX + 512];

	for (size_t i = 0; i < d->n; i++) {
		const struct nmd_port *p = port_at_line(c, d->v[i].line);
		bool nic = p && p->kind == NMD_PORT_NIC;
		const char *file;
		unsigned line = diag_local_line(d, d->v[i].line, &file);

		log_fields(prio, msgid,
			   &(struct log_ctx){ .config_file = file ? file : d->file,
					      .config_line = line, .err = err, .interface = nic ? p->name : NULL,
					      .port = p && !nic ? p->full : NULL,
					      .sw = p ? c->switches[p->sw].name : NULL },
			   "%s", diag_format(d, i, buf, sizeof(buf)));
	}
	if (d->truncated)
		log_fields(prio, msgid, &(struct log_ctx){ .config_file = d->file, .err = err },
			   "%s: more problems not shown", d->file);
}

void log_rpc(void *userdata, int prio, const char *msg)
{
	(void)userdata;
	log_msg(prio, "rpc: %s", msg);
}


int log_errno(int prio, int err, const char *fmt, ...)
{
	const int e = err < 0 ? -err : err;
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fields(prio, NULL, &(struct log_ctx){ .err = e }, "%s: %s", msg, strerror(e));
	return -e;
}
