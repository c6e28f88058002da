// SPDX-License-Identifier: BSD-2-Clause
/*
 * port - a netmap port handed out by netmapd: port.open, mmap() of its
 * region, and the way back (munmap, close, port.close).
 *
 * The daemon registered the fd (NETMAP_REQ_REGISTER) before sending it; all
 * a client does is map nr_memsize bytes and find the netmap_if at nr_offset,
 * which the port.open result (or NMD_PORTS) reports as "memsize"/"offset".
 * Sizes are checked against the mapping before the first pointer is made
 * from them, so a bad description fails with -EINVAL and never a crash.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libnmd.h"
#include "libnmd-internal.h"

static const char *const mode_names[] = {
	[NMD_MODE_ALL] = "all",
	[NMD_MODE_ONE] = "one",
	[NMD_MODE_SW] = "sw",
	[NMD_MODE_NIC_SW] = "nic_sw",
	[NMD_MODE_ONE_SW] = "one_sw",
};

const char *nmd_port_mode_name(enum nmd_port_mode mode)
{
	if ((unsigned)mode >= sizeof(mode_names) / sizeof(mode_names[0]))
		return NULL;
	return mode_names[mode];
}

void nmd_label_from_name(const char *name, char *label, size_t size)
{
	size_t i;

	if (!size)
		return;
	for (i = 0; name[i] && i + 1 < size; i++)
		label[i] = name[i] == ':' ? '.' : name[i];
	label[i] = '\0';
}

/* An unsigned member of @o, or @def when absent; -1 when present but not one. */
static int get_u64(const json_t *o, const char *key, uint64_t def, uint64_t *v)
{
	json_t *j = json_object_get(o, key);

	if (!j) {
		*v = def;
		return 0;
	}
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	*v = (uint64_t)json_integer_value(j);
	return 0;
}

int nmd_port_map(int fd, const json_t *info, struct nmd_port **ret)
{
	uint64_t memsize, offset, mem_id, v[6];
	static const char *const counts[6] = {
		"tx_rings", "rx_rings", "host_tx_rings", "host_rx_rings",
		"tx_slots", "rx_slots",
	};
	const char *name, *label;
	struct nmd_port *p;
	void *mem;
	int r;

	*ret = NULL;
	if (fd < 0 || !json_is_object(info)) {
		r = -EINVAL;
		goto err_fd;
	}
	if (!json_is_integer(json_object_get(info, "memsize")) ||
	    !json_is_integer(json_object_get(info, "offset")) ||
	    get_u64(info, "memsize", 0, &memsize) < 0 ||
	    get_u64(info, "offset", 0, &offset) < 0 ||
	    get_u64(info, "mem_id", 0, &mem_id) < 0 || mem_id > UINT16_MAX) {
		r = -EINVAL;
		goto err_fd;
	}
	for (int i = 0; i < 6; i++) {
		if (get_u64(info, counts[i], 0, &v[i]) < 0 || v[i] > UINT32_MAX) {
			r = -EINVAL;
			goto err_fd;
		}
	}
	/* The netmap_if header must lie inside the region. */
	if (memsize == 0 || memsize > SIZE_MAX || offset >= memsize ||
	    memsize - offset < sizeof(struct netmap_if)) {
		r = -EINVAL;
		goto err_fd;
	}
	name = json_string_value(json_object_get(info, "name"));
	label = json_string_value(json_object_get(info, "label"));

	p = calloc(1, sizeof(*p));
	if (!p) {
		r = -ENOMEM;
		goto err_fd;
	}
	mem = mmap(NULL, (size_t)memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		r = -errno;
		goto err_free;
	}
	/* The descriptor may have come from anywhere (fd 3 of an exec). */
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	p->fd = fd;
	p->mem = mem;
	p->memsize = (size_t)memsize;
	p->offset = offset;
	p->mem_id = (uint16_t)mem_id;
	p->nifp = NETMAP_IF(mem, offset);
	p->tx_rings = (uint32_t)v[0];
	p->rx_rings = (uint32_t)v[1];
	p->host_tx_rings = (uint32_t)v[2];
	p->host_rx_rings = (uint32_t)v[3];
	p->tx_slots = (uint32_t)v[4];
	p->rx_slots = (uint32_t)v[5];
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "");
	if (label)
		snprintf(p->label, sizeof(p->label), "%s", label);
	else
		nmd_label_from_name(p->name, p->label, sizeof(p->label));
	p->handle = json_incref(json_object_get(info, "handle"));
	*ret = p;
	return 0;

err_free:
	free(p);
err_fd:
	close(fd);
	return r;
}

int nmd_port_open(struct nmd_client *c, const char *name,
		  const struct nmd_port_opts *opts, struct nmd_port **ret,
		  struct nmd_error *err)
{
	static const struct nmd_port_opts defaults = { .mode = NMD_MODE_ALL };
	const char *mode;
	json_t *params, *res = NULL;
	int fds[NMD_MAX_FDS];
	size_t nfds = NMD_MAX_FDS;
	int r;

	*ret = NULL;
	nmd_error_clear(err);
	if (!opts)
		opts = &defaults;
	mode = nmd_port_mode_name(opts->mode);
	if (!name || !mode) {
		nmd_set_error(err, 0, "invalid port name or mode");
		return -EINVAL;
	}
	params = json_pack("{s:s, s:s}", "name", name, "mode", mode);
	if (!params)
		return -ENOMEM;
	if (opts->mode == NMD_MODE_ONE || opts->mode == NMD_MODE_ONE_SW)
		json_object_set_new(params, "ring", json_integer(opts->ring));
	if (opts->exclusive)
		json_object_set_new(params, "exclusive", json_true());
	r = nmd_call(c, "port.open", params, &res, fds, &nfds, err);
	if (r < 0)
		return r;
	if (nfds != 1) {
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		json_decref(res);
		nmd_set_error(err, 0, "port.open answered with %zu descriptors instead of 1", nfds);
		return -EPROTO;
	}
	if (!json_object_get(res, "name"))
		json_object_set_new(res, "name", json_string(name));
	r = nmd_port_map(fds[0], res, ret);
	if (r < 0)
		nmd_set_error(err, 0, "cannot map port %s: %s", name,
			      r == -EINVAL ? "bad memsize/offset in the reply" : strerror(-r));
	/* The fd is closed now if mapping failed: the daemon frees the handle
	 * with the connection, or at the next port.close. */
	json_decref(res);
	return r;
}

void nmd_port_close(struct nmd_client *c, struct nmd_port *p)
{
	if (!p)
		return;
	if (c && p->handle) {
		json_t *params = json_pack("{s:O}", "handle", p->handle);

		if (params)
			nmd_call(c, "port.close", params, NULL, NULL, NULL, NULL);
	}
	if (p->mem)
		munmap(p->mem, p->memsize);
	if (p->fd >= 0)
		close(p->fd);
	json_decref(p->handle);
	free(p);
}
