// SPDX-License-Identifier: BSD-2-Clause
/*
 * env - pick up the ports a process was handed at exec (nmctl exec, or a
 * service manager), the way sd_listen_fds(3) picks up sockets:
 *
 *   LISTEN_PID=<this pid>  LISTEN_FDS=n  fds 3 .. 3+n-1
 *   LISTEN_FDNAMES=label1:label2:...   (informational here)
 *   NMD_PORTS=[{"label":..., "name":..., "memsize":..., "offset":..., ...}]
 *
 * NMD_PORTS describes the fds in order, so the program can mmap them without
 * asking netmapd (it may not even be allowed to connect). The variables are
 * unset in every case so that children do not take the fds for theirs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libnmd.h"
#include "libnmd-internal.h"

#define LISTEN_FDS_START 3

static void unset_all(void)
{
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	unsetenv("NMD_PORTS");
}

/* A decimal number without sign, spaces or trailing garbage. */
static int parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	if (!s || !*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static int from_env(struct nmd_port ***ret, size_t *ret_n)
{
	const char *s_pid = getenv("LISTEN_PID"), *s_fds = getenv("LISTEN_FDS");
	const char *s_ports = getenv("NMD_PORTS");
	unsigned long pid, nfds;
	struct nmd_port **v;
	json_t *desc;
	size_t i;
	int r;

	if (!s_pid || !s_fds)
		return 0;
	if (parse_ulong(s_pid, &pid) < 0 || parse_ulong(s_fds, &nfds) < 0)
		return -EINVAL;
	if (pid != (unsigned long)getpid())
		return 0;	/* meant for another process (our parent) */
	if (nfds == 0)
		return 0;
	if (nfds > INT_MAX - LISTEN_FDS_START || !s_ports)
		return -EINVAL;
	desc = json_loads(s_ports, 0, NULL);
	if (!json_is_array(desc) || json_array_size(desc) != nfds) {
		json_decref(desc);
		return -EINVAL;
	}
	for (i = 0; i < nfds; i++) {
		if (fcntl(LISTEN_FDS_START + (int)i, F_GETFD) < 0 ||
		    !json_is_object(json_array_get(desc, i))) {
			json_decref(desc);
			return -EINVAL;
		}
	}
	v = calloc(nfds, sizeof(*v));
	if (!v) {
		json_decref(desc);
		return -ENOMEM;
	}
	for (i = 0; i < nfds; i++) {
		r = nmd_port_map(LISTEN_FDS_START + (int)i, json_array_get(desc, i), &v[i]);
		if (r < 0) {
			/* nmd_port_map() closed fd i; close the rest as well. */
			for (size_t j = i + 1; j < nfds; j++)
				close(LISTEN_FDS_START + (int)j);
			nmd_ports_free(v, i);
			json_decref(desc);
			return r;
		}
	}
	json_decref(desc);
	*ret = v;
	*ret_n = nfds;
	return (int)nfds;
}

int nmd_ports_from_env(struct nmd_port ***ports, size_t *n)
{
	int r;

	*ports = NULL;
	*n = 0;
	r = from_env(ports, n);
	unset_all();
	return r;
}

struct nmd_port *nmd_ports_find(struct nmd_port *const *ports, size_t n,
				const char *label)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ports[i]->label, label))
			return ports[i];
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ports[i]->name, label))
			return ports[i];
	return NULL;
}

void nmd_ports_free(struct nmd_port **ports, size_t n)
{
	if (!ports)
		return;
	for (size_t i = 0; i < n; i++)
		nmd_port_close(NULL, ports[i]);
	free(ports);
}
