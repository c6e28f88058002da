/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * log - netmapd's messages, with syslog priorities: to the journal (with
 * structured fields) when stderr is the stream systemd connected
 * (JOURNAL_STREAM), else "netmapd: <prio>: message" lines on stderr.
 * LOG_DEBUG is dropped unless verbose. Not thread-safe: the daemon has one
 * thread.
 */
#ifndef NETMAPD_LOG_H
#define NETMAPD_LOG_H

#include <stdbool.h>
#include <syslog.h>

#include "diag.h"
#include "util.h"

/* Choose the sink once at start: the journal if stderr is it (JOURNAL_STREAM). */
void log_setup(bool verbose);
void log_msg(int prio, const char *fmt, ...) _printf_(2, 3);

/*
 * Log "@fmt: strerror(@err)" with ERRNO= and return -@err (@err may be
 * given either sign), for the code that logs an error and returns it:
 *	return log_errno(LOG_ERR, r, "cannot listen on %s", path);
 */
int log_errno(int prio, int err, const char *fmt, ...) _printf_(3, 4);

/*
 * Structured journal fields of a message (NULL/0: not sent): INTERFACE=,
 * NETMAPD_PORT=, SWITCH=, CONFIG_FILE=, CONFIG_LINE=, ERRNO= (positive).
 * On stderr only the message is printed.
 */
struct log_ctx {
	const char *interface, *port, *sw, *config_file;
	unsigned config_line;
	int err;
};
/* MESSAGE_ID= values (journalctl MESSAGE_ID=...; catalogued in netmapd(8)). */
#define NMD_MSGID_APPLIED	"9a7c1d2e3f40415b8c6d7e8f90a1b2c3"
#define NMD_MSGID_APPLY_FAILED	"4b1e6f0a2c3d4e5f8a9b0c1d2e3f4a5b"
#define NMD_MSGID_ROLLBACK	"c2d3e4f5a6b74c8d9e0f1a2b3c4d5e6f"
#define NMD_MSGID_RELOAD_REFUSED "7e8f9a0b1c2d4e3f8a5b6c7d8e9f0a1b"
#define NMD_MSGID_NIC_DRIFT	"5d6e7f8091a24b3c8d4e5f60718293a4"
void log_fields(int prio, const char *msgid, const struct log_ctx *ctx, const char *fmt, ...)
	_printf_(4, 5);
/* Every message of @d at @prio, "file:line:col: msg". */
void log_diags(int prio, const struct diags *d);
/*
 * log_diags() with CONFIG_FILE=, CONFIG_LINE=, ERRNO= (@err, positive) and
 * @msgid per message, and INTERFACE= or NETMAPD_PORT= and SWITCH= when the
 * line is a port of @c (may be NULL).
 */
struct nmd_config;
void log_diags_fields(int prio, const char *msgid, const struct diags *d, int err,
		      const struct nmd_config *c);
/* An rpc_log_fn. */
void log_rpc(void *userdata, int prio, const char *msg);

#endif /* NETMAPD_LOG_H */
