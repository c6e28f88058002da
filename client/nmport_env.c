// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmport_env.c - "env:LABEL" ports: what netmapd handed to this process
 * (nmctl exec, or a systemd unit running it), through libnmd. See nmport.h.
 *
 * libnmd's nmd_ports_from_env() can be called once (it unsets the
 * variables), so the ports it returns are kept here for the life of the
 * process; an nmport made from one borrows its fd and mapping.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libnmd.h>

#include "nmport.h"

static struct nmd_port **env_ports;
static size_t env_n;
static int env_err = 1;		/* 1: not read yet */

int nmport_from_env(struct nmport *p, const char *label, char *err, size_t errlen)
{
	struct nmd_port *port = NULL;
	struct nmreq_register reg;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (env_err == 1)
		env_err = nmd_ports_from_env(&env_ports, &env_n);
	if (env_err < 0) {
		snprintf(err, errlen, "env:%s: the handed ports cannot be read: %s", label,
			 strerror(-env_err));
		return env_err;
	}
	port = nmd_ports_find(env_ports, env_n, label);
	if (!port) {
		snprintf(err, errlen,
			 "env:%s: no such port was handed to this process (%zu were; "
			 "run it as: nmctl exec --port NAME -- ...)", label, env_n);
		return -ENOENT;
	}
	memset(&reg, 0, sizeof(reg));
	reg.nr_offset = port->offset;
	reg.nr_memsize = port->memsize;
	reg.nr_mem_id = port->mem_id;
	reg.nr_tx_rings = port->tx_rings;
	reg.nr_rx_rings = port->rx_rings;
	reg.nr_host_tx_rings = port->host_tx_rings;
	reg.nr_host_rx_rings = port->host_rx_rings;
	reg.nr_tx_slots = port->tx_slots;
	reg.nr_rx_slots = port->rx_slots;
	return nmport_from_fd(p, port->fd, port->name, &reg, port->mem, false, err, errlen);
}
