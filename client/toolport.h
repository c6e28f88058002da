/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * toolport.h - how nm-pktgen and nm-bridge name their ports, on libnetmap.
 *
 * The tools accept what libnetmap's nmport_open() accepts, plus two
 * shorthands: a name without "netmap:" or "valeB:" is an interface or
 * persistent port ("eth0" is "netmap:eth0"), and "env:LABEL" is the port
 * netmapd handed to the process under fd label (or port name) LABEL
 * (`nmctl exec --port NAME[=LABEL] -- nm-pktgen -i env:LABEL`). libnetmap
 * takes handed ports and asks netmapd by itself; the shorthand only names
 * the port.
 *
 * Errors: libnetmap's messages are caught (not printed) and returned in
 * @err, so each tool prints them its own way (JSON with --json).
 */
#ifndef TOOLPORT_H
#define TOOLPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <libnetmap.h>

#define TOOLPORT_ERRLEN 512

/* The libnetmap portspec for a tool's -i argument, into @spec; false with @err. */
bool toolport_spec(const char *arg, char *spec, size_t speclen, char *err, size_t errlen);

/* nmport_prepare() of the -i argument. NULL with @err. */
struct nmport_d *toolport_prepare(const char *arg, char *err, size_t errlen);

/* nmport_open_desc(). 0, or -1 with @err (@d stays prepared). */
int toolport_open_desc(struct nmport_d *d, char *err, size_t errlen);

/* prepare + open_desc; NULL with @err. */
struct nmport_d *toolport_open(const char *arg, char *err, size_t errlen);

/* Bound ring ranges are inclusive in libnetmap; these say "none". */
static inline bool toolport_no_tx(const struct nmport_d *d)
{
	return d->first_tx_ring > d->last_tx_ring;
}

static inline bool toolport_no_rx(const struct nmport_d *d)
{
	return d->first_rx_ring > d->last_rx_ring;
}

#endif /* TOOLPORT_H */
