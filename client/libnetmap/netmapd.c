// SPDX-License-Identifier: BSD-2-Clause
/*
 * netmapd - where an unprivileged process gets its ports: those netmapd
 * handed it at exec (nmctl exec: LISTEN_FDS + NMD_PORTS, read once through
 * libnmd), or port.open over netmapd's socket (libnmd's client), whose
 * access rules decide. Used by nmport_register() and, through the weak
 * symbol nm_open_netmapd(), by the header-only nm_open().
 *
 * $NMD_FALLBACK: "off" (neither), "handed" (handed ports only), anything
 * else or unset: both. The socket is libnmd's ($NETMAPD_SOCKET or
 * /run/netmapd/netmapd.sock).
 *
 * A handed port matches a request for the same nr_name when the request has
 * no ring suffix and no monitor flags, or when it asks for exactly what the
 * handed name says (same mode, ring and monitor flags); "/R" or "/T" in the
 * request do not matter. The
 * process keeps the handed fds; a request gets a duplicate, so closing the
 * port does not lose it for a later open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libnmd.h>

#include "libnetmap.h"
#include "libnetmap-internal.h"

#define NM_FALLBACK_ENV "NMD_FALLBACK"

/*
 * Flags that make a registration watch another port's rings (monitors): a
 * handed port is not what such a request asks for. NR_RX/TX_RINGS_ONLY are
 * not among them: a handed port binding both directions serves either.
 */
#define NM_MATCH_FLAGS (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON)

/* A handed port with its name parsed as a request. */
struct handed {
	struct nmd_port *port;
	char spec[NETMAP_REQ_IFNAMSIZ + 8];	/* "netmap:eth1", "vale0:p" */
	char nr_name[NETMAP_REQ_IFNAMSIZ];
	struct nmreq_register reg;		/* nr_mode, nr_ringid, nr_flags */
	bool parsed;
};

static pthread_once_t handed_once = PTHREAD_ONCE_INIT;
static struct nmd_port **handed_ports;
static struct handed *handed;
static size_t handed_n;
static int handed_err;

enum fallback_level { FB_OFF, FB_HANDED, FB_ALL };

static enum fallback_level fallback_level(void)
{
	const char *v = getenv(NM_FALLBACK_ENV);

	if (v && (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no")))
		return FB_OFF;
	if (v && !strcmp(v, "handed"))
		return FB_HANDED;
	return FB_ALL;
}

/* Parse a handed port's name with the request grammar (nmreq.c). */
static void handed_parse(struct handed *h)
{
	struct nmctx quiet = *nmctx_get();
	struct nmreq_header hdr;
	const char *p;

	quiet.verbose = 0;
	snprintf(h->spec, sizeof(h->spec), "%s%s", strncmp(h->port->name, "vale", 4) ?
		 "netmap:" : "", h->port->name);
	memset(&hdr, 0, sizeof(hdr));
	memset(&h->reg, 0, sizeof(h->reg));
	p = h->spec;
	if (nmreq_header_decode(&p, &hdr, &quiet) < 0 ||
	    nmreq_register_decode(&p, &h->reg, &quiet) < 0)
		return;
	memcpy(h->nr_name, hdr.nr_name, sizeof(h->nr_name));
	h->parsed = true;
}

static void handed_load(void)
{
	int r = nmd_ports_from_env(&handed_ports, &handed_n);

	if (r < 0) {
		handed_err = -r;
		return;
	}
	handed = calloc(handed_n ? handed_n : 1, sizeof(*handed));
	if (!handed) {
		nmd_ports_free(handed_ports, handed_n);
		handed_ports = NULL;
		handed_n = 0;
		handed_err = ENOMEM;
		return;
	}
	for (size_t i = 0; i < handed_n; i++) {
		handed[i].port = handed_ports[i];
		handed_parse(&handed[i]);
	}
}

static bool handed_matches(const struct handed *h, const struct nmreq_header *hdr,
			   const struct nmreq_register *reg)
{
	if (!h->parsed || strcmp(h->nr_name, hdr->nr_name))
		return false;
	if (reg->nr_mode == NR_REG_ALL_NIC && !(reg->nr_flags & NM_MATCH_FLAGS))
		return true;
	return reg->nr_mode == h->reg.nr_mode && reg->nr_ringid == h->reg.nr_ringid &&
	       (reg->nr_flags & NM_MATCH_FLAGS) == (h->reg.nr_flags & NM_MATCH_FLAGS);
}

/* Fill REGISTER's outputs in @reg from a port description. */
static void reg_from_port(struct nmreq_register *reg, const struct nmd_port *p)
{
	reg->nr_offset = p->offset;
	reg->nr_memsize = p->memsize;
	reg->nr_mem_id = p->mem_id;
	reg->nr_tx_rings = (uint16_t)p->tx_rings;
	reg->nr_rx_rings = (uint16_t)p->rx_rings;
	reg->nr_host_tx_rings = (uint16_t)p->host_tx_rings;
	reg->nr_host_rx_rings = (uint16_t)p->host_rx_rings;
	reg->nr_tx_slots = p->tx_slots;
	reg->nr_rx_slots = p->rx_slots;
}

int nm_fallback_handed(struct nmctx *ctx, const struct nmreq_header *hdr,
		       struct nmreq_register *reg)
{
	int fd, e;

	if (fallback_level() == FB_OFF)
		goto none;
	pthread_once(&handed_once, handed_load);
	for (size_t i = 0; i < handed_n; i++) {
		if (!handed_matches(&handed[i], hdr, reg))
			continue;
		fd = fcntl(handed[i].port->fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			e = errno;
			nmctx_ferror(ctx, "%s: duplicating the handed fd: %s", hdr->nr_name,
				     strerror(e));
			errno = e;
			return -1;
		}
		reg_from_port(reg, handed[i].port);
		if (reg->nr_mode == NR_REG_ALL_NIC && !(reg->nr_flags & NM_MATCH_FLAGS)) {
			reg->nr_mode = handed[i].reg.nr_mode;
			reg->nr_ringid = handed[i].reg.nr_ringid;
		}
		return fd;
	}
none:
	errno = ENOENT;
	return -1;
}

const char *nmport_handed_name(const char *label)
{
	struct nmd_port *p;

	pthread_once(&handed_once, handed_load);
	p = nmd_ports_find(handed_ports, handed_n, label);
	if (!p) {
		errno = handed_err ? handed_err : ENOENT;
		return NULL;
	}
	for (size_t i = 0; i < handed_n; i++)
		if (handed[i].port == p)
			return handed[i].spec;
	errno = ENOENT;
	return NULL;
}

bool nm_fallback_eligible(int open_errno)
{
	return open_errno == EACCES || open_errno == EPERM || open_errno == ENOENT ||
	       open_errno == ENODEV || open_errno == ENXIO;
}

/* port.open's "mode" for nr_mode, or NULL if netmapd has none. */
static const char *mode_name(uint32_t mode)
{
	switch (mode) {
	case NR_REG_ALL_NIC: return "all";
	case NR_REG_ONE_NIC: return "one";
	case NR_REG_SW: return "sw";
	case NR_REG_NIC_SW: return "nic_sw";
	case NR_REG_ONE_SW: return "one_sw";
	default: return NULL;
	}
}

/* port.open's params for the request; NULL with @why on what it cannot carry. */
static json_t *open_params(const struct nmreq_header *hdr, const struct nmreq_register *reg,
			   const char **why)
{
	static const struct {
		uint64_t flag;
		const char *name;
	} fl[] = {
		{ NR_MONITOR_TX, "monitor_tx" },	 { NR_MONITOR_RX, "monitor_rx" },
		{ NR_ZCOPY_MON, "zcopy_mon" },		 { NR_RX_RINGS_ONLY, "rx_rings_only" },
		{ NR_TX_RINGS_ONLY, "tx_rings_only" },	 { NR_ACCEPT_VNET_HDR, "accept_vnet_hdr" },
		{ NR_DO_RX_POLL, "do_rx_poll" },	 { NR_NO_TX_POLL, "no_tx_poll" },
	};
	const char *mode = mode_name(reg->nr_mode);
	json_t *p, *flags;

	if (!mode) {
		*why = "netmapd opens no port in this ring mode";
		return NULL;
	}
	if (hdr->nr_options) {
		*why = "request options (extmem, offsets) cannot go through netmapd";
		return NULL;
	}
	*why = "out of memory";
	p = json_pack("{s:s, s:s, s:b}", "name", hdr->nr_name, "mode", mode, "exclusive",
		      (reg->nr_flags & NR_EXCLUSIVE) != 0);
	flags = json_array();
	if (!p || !flags || json_object_set_new(p, "flags", flags) < 0) {
		json_decref(p);
		return NULL;
	}
	if ((reg->nr_mode == NR_REG_ONE_NIC || reg->nr_mode == NR_REG_ONE_SW) &&
	    json_object_set_new(p, "ring", json_integer(reg->nr_ringid)) < 0) {
		json_decref(p);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		if ((reg->nr_flags & fl[i].flag) &&
		    json_array_append_new(flags, json_string(fl[i].name)) < 0) {
			json_decref(p);
			return NULL;
		}
	}
	return p;
}

/* The errno for a daemon refusal: its data.errno, else by code. */
static int daemon_errno(const struct nmd_error *e)
{
	json_t *v = json_object_get(e->data, "errno");

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return (int)json_integer_value(v);
	switch (e->code) {
	case NMD_ERR_PERMISSION: return EACCES;
	case NMD_ERR_NOT_FOUND: return ENOENT;
	case NMD_ERR_BUSY: return EBUSY;
	case NMD_ERR_CAPACITY: return ENOSPC;
	case NMD_ERR_INVALID_PARAMS: return EINVAL;
	case NMD_ERR_UNSUPPORTED: return EOPNOTSUPP;
	default: return EIO;
	}
}

/* port.open on @c: the fd, with @reg's outputs filled; -1 with errno, reported. */
static int daemon_open(struct nmctx *ctx, struct nmd_client *c, const struct nmreq_header *hdr,
		       struct nmreq_register *reg, json_t *params)
{
	struct nmd_error err = { 0 };
	struct nmd_port *port;
	json_t *res = NULL;
	int fds[NMD_MAX_FDS], r, fd;
	size_t nfds = NMD_MAX_FDS;

	r = nmd_call(c, "port.open", params, &res, fds, &nfds, &err);
	if (r == -EREMOTEIO) {
		nmctx_ferror(ctx, "%s: netmapd: %s", hdr->nr_name, err.message);
		r = -daemon_errno(&err);
		goto out;
	}
	if (r == 0 && nfds != 1) {
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		json_decref(res);
		r = -EPROTO;
	} else if (r == 0) {
		r = nmd_port_map(fds[0], res, &port);	/* takes fds[0] */
		json_decref(res);
	}
	if (r < 0) {
		nmctx_ferror(ctx, "%s: netmapd port.open: %s%s%s", hdr->nr_name, strerror(-r),
			     err.message[0] ? ": " : "", err.message);
		goto out;
	}
	/* Keep the fd; the mapping is nmport_mmap()'s (or nm_mmap()'s) to make. */
	fd = port->fd;
	port->fd = -1;
	reg_from_port(reg, port);
	nmd_port_close(NULL, port);
	nmd_error_clear(&err);
	return fd;
out:
	nmd_error_clear(&err);
	errno = -r;
	return -1;
}

int nm_fallback_daemon(struct nmctx *ctx, const struct nmreq_header *hdr,
		       struct nmreq_register *reg, int open_errno)
{
	struct nmd_client *c;
	const char *why;
	json_t *params;
	int r, fd;

	if (fallback_level() != FB_ALL) {
		nmctx_ferror(ctx, "%s: open %s: %s (and %s=%s: netmapd not asked)", hdr->nr_name,
			     NETMAP_DEVICE_NAME, strerror(open_errno), NM_FALLBACK_ENV,
			     getenv(NM_FALLBACK_ENV));
		errno = open_errno;
		return -1;
	}
	params = open_params(hdr, reg, &why);
	if (!params) {
		nmctx_ferror(ctx, "%s: open %s: %s, and %s", hdr->nr_name, NETMAP_DEVICE_NAME,
			     strerror(open_errno), why);
		errno = open_errno;
		return -1;
	}
	c = nmd_connect(NULL, &r);
	if (!c) {
		const char *path = getenv(NMD_SOCKET_ENV);

		json_decref(params);
		nmctx_ferror(ctx, "%s: open %s: %s, and netmapd is not reachable at %s: %s",
			     hdr->nr_name, NETMAP_DEVICE_NAME, strerror(open_errno),
			     path ? path : NMD_DEFAULT_SOCKET, strerror(-r));
		errno = open_errno;
		return -1;
	}
	/* The port outlives the connection: netmapd watches the fd, not us. */
	fd = daemon_open(ctx, c, hdr, reg, params);
	r = errno;
	nmd_disconnect(c);
	errno = r;
	return fd;
}

/* The legacy request as a header and register body (modes as NIOCREGIF reads them). */
static void legacy_to_reg(const struct nmreq *req, struct nmreq_header *hdr,
			  struct nmreq_register *reg)
{
	uint32_t mode = req->nr_flags & NR_REG_MASK;

	nmreq_header_init(hdr, NETMAP_REQ_REGISTER, reg);
	memset(reg, 0, sizeof(*reg));
	snprintf(hdr->nr_name, sizeof(hdr->nr_name), "%.*s", (int)sizeof(req->nr_name),
		 req->nr_name);
	if (mode == NR_REG_DEFAULT)
		mode = req->nr_ringid & NETMAP_SW_RING ? NR_REG_SW :
		       req->nr_ringid & NETMAP_HW_RING ? NR_REG_ONE_NIC : NR_REG_ALL_NIC;
	if (mode == NR_REG_PIPE_MASTER || mode == NR_REG_PIPE_SLAVE) {
		size_t n = strlen(hdr->nr_name);

		snprintf(hdr->nr_name + n, sizeof(hdr->nr_name) - n, "%c%u",
			 mode == NR_REG_PIPE_MASTER ? '{' : '}', req->nr_ringid & NETMAP_RING_MASK);
		mode = NR_REG_ALL_NIC;
	}
	reg->nr_mode = mode;
	reg->nr_ringid = req->nr_ringid & NETMAP_RING_MASK;
	reg->nr_flags = req->nr_flags & ~(uint32_t)NR_REG_MASK;
	if (req->nr_ringid & NETMAP_NO_TX_POLL)
		reg->nr_flags |= NR_NO_TX_POLL;
	if (req->nr_ringid & NETMAP_DO_RX_POLL)
		reg->nr_flags |= NR_DO_RX_POLL;
}

int nm_open_netmapd(struct nmreq *req, int open_errno);

int nm_open_netmapd(struct nmreq *req, int open_errno)
{
	struct nmctx *ctx = nmctx_get();
	struct nmreq_register reg;
	struct nmreq_header hdr;
	int fd;

	legacy_to_reg(req, &hdr, &reg);
	if (open_errno == 0)
		fd = nm_fallback_handed(ctx, &hdr, &reg);
	else if (!nm_fallback_eligible(open_errno))
		return errno = open_errno, -1;
	else
		fd = nm_fallback_daemon(ctx, &hdr, &reg, open_errno);
	if (fd < 0)
		return -1;
	if (reg.nr_memsize > UINT32_MAX || reg.nr_offset > UINT32_MAX) {
		close(fd);
		nmctx_ferror(ctx, "%s: region of %llu bytes too big for the legacy nm_open()",
			     hdr.nr_name, (unsigned long long)reg.nr_memsize);
		errno = EOVERFLOW;
		return -1;
	}
	req->nr_offset = (uint32_t)reg.nr_offset;
	req->nr_memsize = (uint32_t)reg.nr_memsize;
	req->nr_tx_rings = reg.nr_tx_rings;
	req->nr_rx_rings = reg.nr_rx_rings;
	req->nr_tx_slots = reg.nr_tx_slots;
	req->nr_rx_slots = reg.nr_rx_slots;
	req->nr_arg2 = reg.nr_mem_id;
	return fd;
}
