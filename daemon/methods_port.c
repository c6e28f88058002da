// SPDX-License-Identifier: BSD-2-Clause
/*
 * methods_port - port handles: port.open, port.close, port.list.
 *
 * port.open {"name": "vale0:vm1", "mode": "all"|"one"|"sw"|"nic_sw"|"one_sw"
 * (default "all"), "ring": N (for one/one_sw), "exclusive": bool, "flags":
 * ["monitor_tx", "monitor_rx", "zcopy_mon", "rx_rings_only",
 * "tx_rings_only", "accept_vnet_hdr", "do_rx_poll", "no_tx_poll"]}. The
 * name may carry netmap's suffixes ("vale0:vm1/r", "eth1^", "p0{1-0"):
 * portspec.c parses it as the kernel will see it, merged with mode, ring
 * and flags (conflicting rings are refused), and access_check_open()
 * decides on that parse (objects not in the configuration are for admins
 * only). Only the bare name goes to the kernel. It REGISTERs a new fd through the kernel backend, on a
 * worker thread (the connection waits, the others are served), and sends it with
 * the reply: {"handle", "name", "memsize", "offset", "mem_id", "tx_rings",
 * "rx_rings", "host_tx_rings", "host_rx_rings", "tx_slots", "rx_slots",
 * "fds": ["port"]}. The daemon keeps no copy of the fd: the port is the
 * client's, and goes when the client closes it or dies.
 *
 * The holders behind the handles (records, the release watch, pidfds and
 * their caps) are holders.c's.
 *
 * port.close {"handle"} (by the holder's uid or an admin) only drops the
 * record (and its kernel watch) and sends "port.closed": the daemon cannot
 * close a descriptor that lives in another process, so a client that wants
 * the port gone closes its fd (or exits). port.list shows the records,
 * i.e. who was handed what and still holds it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net/netmap.h>

#include "access.h"
#include "daemon.h"
#include "holders.h"
#include "observe.h"
#include "portspec.h"

static const struct {
	const char *name;
	uint32_t mode;
} modes[] = {
	{ "all", NR_REG_ALL_NIC }, { "sw", NR_REG_SW },	      { "nic_sw", NR_REG_NIC_SW },
	{ "one", NR_REG_ONE_NIC }, { "one_sw", NR_REG_ONE_SW },
};

static const struct {
	const char *name;
	uint64_t flag;
} flags[] = {
	{ "monitor_tx", NR_MONITOR_TX },
	{ "monitor_rx", NR_MONITOR_RX },
	{ "zcopy_mon", NR_ZCOPY_MON },
	{ "exclusive", NR_EXCLUSIVE },
	{ "rx_rings_only", NR_RX_RINGS_ONLY },
	{ "tx_rings_only", NR_TX_RINGS_ONLY },
	{ "accept_vnet_hdr", NR_ACCEPT_VNET_HDR },
	{ "do_rx_poll", NR_DO_RX_POLL },
	{ "no_tx_poll", NR_NO_TX_POLL },
};

/*
 * An ephemeral port of the file is created by the first open: ask for the
 * rings, slots and memory region the file gives it (the kernel ignores them
 * for a port that exists already). "memory: PORT" shares PORT's region,
 * which must exist (a persistent port, or an ephemeral one held open).
 */
static int port_open_geometry(struct rpc_call *call, struct nmd_daemon *d, const char *name,
			      struct kern_open *req)
{
	const struct nmd_port *p = d->config ? config_find_port(d->config, name) : NULL;
	struct kern_reg shared = { 0 };
	int r;

	/* A monitor lives in its port's region; it sizes its own rings. */
	if (!p || p->kind != NMD_PORT_EPHEMERAL || (req->flags & PS_MONITOR_FLAGS))
		return 0;
	req->tx_rings = p->tx_rings;
	req->rx_rings = p->rx_rings;
	req->tx_slots = p->tx_slots;
	req->rx_slots = p->rx_slots;
	if (!p->memory)
		return 0;
	if (streq(p->memory, "global")) {
		req->mem_id = 1;
		return 0;
	}
	r = d->kern.ops->port_info(d->kern.ctx, p->memory, &shared);
	if (r < 0)
		return rpc_call_errno(call, r,
				      "Cannot open %s: it shares the memory of %s, which does not exist now (open %s first)",
				      name, p->memory, p->memory);
	req->mem_id = shared.mem_id;
	return 0;
}

#define MODE_UNSET UINT32_MAX

/* The parameters of port.open. */
struct open_params {
	const char *name;
	uint32_t mode;	/* NR_REG_*, or MODE_UNSET */
	json_int_t ring; /* -1: none */
	bool exclusive;
	uint64_t flags;	/* NR_* of "flags" */
};

static int check_mode(struct rpc_call *call, const char *path, json_t *v, void *at)
{
	const char *m = json_string_value(v);

	for (size_t i = 0; i < ELEMENTSOF(modes); i++) {
		if (streq(modes[i].name, m)) {
			*(uint32_t *)at = modes[i].mode;
			return 0;
		}
	}
	return rpc_param_error(call, path, "one of all, one, sw, nic_sw, one_sw");
}

static int check_ring(struct rpc_call *call, const char *path, json_t *v, void *at)
{
	json_int_t ring = json_integer_value(v);

	if (ring < -1 || ring > 0xffff)
		return rpc_param_error(call, path, "0..65535");
	*(json_int_t *)at = ring;
	return 0;
}

static int check_flags(struct rpc_call *call, const char *path, json_t *v, void *at)
{
	uint64_t fl = 0;
	json_t *e;
	size_t i;

	json_array_foreach(v, i, e) {
		const char *f = json_string_value(e);
		size_t k;

		for (k = 0; f && k < ELEMENTSOF(flags) && !streq(flags[k].name, f); k++)
			;
		if (!f || k == ELEMENTSOF(flags))
			return rpc_param_error(call, path, "unknown flag %s%s%s", f ? "\"" : "",
					       f ? f : "(not a string)", f ? "\"" : "");
		fl |= flags[k].flag;
	}
	*(uint64_t *)at = fl;
	return 0;
}

static const struct rpc_param open_table[] = {
	RPC_PARAM_FIELD("name", RPC_PARAM_STRING, RPC_PARAM_REQUIRED, struct open_params, name, NULL),
	RPC_PARAM_FIELD("mode", RPC_PARAM_STRING, 0, struct open_params, mode, check_mode),
	RPC_PARAM_FIELD("ring", RPC_PARAM_INTEGER, 0, struct open_params, ring, check_ring),
	RPC_PARAM_FIELD("exclusive", RPC_PARAM_BOOLEAN, 0, struct open_params, exclusive, NULL),
	RPC_PARAM_FIELD("flags", RPC_PARAM_ARRAY, 0, struct open_params, flags, check_flags),
	{}
};

/* Parse the request's name with its mode, ring and flags (portspec.h), and check access. */
static int port_open_spec(struct rpc_call *call, const struct open_params *p, struct portspec *ps)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	const struct rpc_peer *peer = rpc_call_peer(call);
	uint64_t fl = p->flags | (p->exclusive ? NR_EXCLUSIVE : 0);
	json_int_t ring = p->ring;
	char why[256];

	if (portspec_parse(p->name, ps, why, sizeof(why)) < 0 ||
	    portspec_merge(ps, p->mode != MODE_UNSET, p->mode != MODE_UNSET ? p->mode : NR_REG_ALL_NIC,
			   ring >= 0,
			   (uint16_t)(ring < 0 ? 0 : ring), fl, why, sizeof(why)) < 0)
		return rpc_param_error(call, "name", "\"%s\" %s", p->name, why);
	if (access_check_open(d->config, ps, peer, rpc_call_is_admin(call), why, sizeof(why)) < 0) {
		log_msg(LOG_NOTICE, "port.open %s refused for uid %d: %s", p->name, (int)peer->uid, why);
		return rpc_call_error(call, RPC_ERR_PERMISSION, json_pack("{s:s}", "name", p->name),
				      "Permission denied: uid %d may not open %s: %s", (int)peer->uid,
				      p->name, why);
	}
	return 0;
}

/* The reply of port.open, the port's fd attached. */
static int port_open_reply(struct rpc_call *call, struct nmd_daemon *d, struct holder *h,
			   const struct kern_reg *reg, int fd)
{
	int r;

	rpc_call_set_result(call, json_pack(
		"{s:I, s:s, s:I, s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
		"handle", (json_int_t)h->handle, "name", h->name,
		"memsize", (json_int_t)reg->memsize, "offset", (json_int_t)reg->offset,
		"mem_id", (int)reg->mem_id, "tx_rings", (int)reg->tx_rings,
		"rx_rings", (int)reg->rx_rings, "host_tx_rings", (int)reg->host_tx_rings,
		"host_rx_rings", (int)reg->host_rx_rings, "tx_slots", (int)reg->tx_slots,
		"rx_slots", (int)reg->rx_slots));
	r = rpc_call_attach_fd(call, "port", fd);
	if (r < 0) {
		holders_forget(d, h);
		return r;
	}
	return 0;
}

/*
 * A port.open's REGISTER, run on a worker (DEFERRED CALLS in rpc.h): a
 * region of 20 MiB made for a new ephemeral port takes tens of ms, which
 * no other client should wait for. Made on the loop; work() uses only
 * open, ctx, req and full and fills fd, reg, err; done() is back on the
 * loop; release() closes an fd done() did not hand over.
 */
struct open_job {
	struct nmd_daemon *d;
	int (*open)(void *ctx, const struct kern_open *req, int *fd, struct kern_reg *reg);
	void *ctx;
	struct kern_open req;		/* req.name is full */
	char full[NMD_REQ_IFNAMSIZ];
	char *name;			/* as the client wrote it */
	const char *mode;		/* modes[].name */
	int fd, err;
	struct kern_reg reg;
};

static void open_work(void *arg)
{
	struct open_job *j = arg;

	j->err = j->open(j->ctx, &j->req, &j->fd, &j->reg);
}

/*
 * The record and the reply. The handle caps are checked again: other
 * opens of the uid may have finished meanwhile.
 */
static int open_done(struct rpc_call *call, void *arg)
{
	struct open_job *j = arg;
	struct nmd_daemon *d = j->d;
	const struct rpc_peer *peer = rpc_call_peer(call);
	struct holder *h;
	int r;

	if (j->err < 0)
		return rpc_call_errno(call, j->err, "Cannot open %s", j->name);
	r = holders_check_caps(call, d, peer->uid, rpc_call_is_admin(call));
	if (r < 0)
		return r;
	h = holders_add(call, d, j->fd, j->name, j->mode, j->req.flags & NR_EXCLUSIVE, peer,
			j->reg.mem_id, &r);
	if (!h)
		return r;
	/* The reply owns the fd from here, whatever happens. */
	r = port_open_reply(call, d, h, &j->reg, TAKE_FD(j->fd));
	if (r < 0)
		return r;
	log_msg(LOG_DEBUG, "port handle %llu: %s (%s) to uid %d pid %d",
		(unsigned long long)h->handle, j->name, h->mode, (int)peer->uid, (int)peer->pid);
	daemon_event(d, "port.opened", holders_entry_json(h));
	return 0;
}

static void open_release(void *arg)
{
	struct open_job *j = arg;

	if (j->fd >= 0)
		close(j->fd);
	free(j->name);
	free(j);
}

static const struct rpc_job_ops open_job_ops = {
	.work = open_work,
	.done = open_done,
	.release = open_release,
};

/* The job of an open of @ps (checked, geometry set in @req). */
static struct open_job *open_job_new(struct nmd_daemon *d, const char *name,
				     const struct portspec *ps, const struct kern_open *req)
{
	struct open_job *j = calloc(1, sizeof(*j));
	size_t i;

	if (!j || !(j->name = strdup(name))) {
		free(j);
		return NULL;
	}
	j->d = d;
	j->open = d->kern.ops->port_open_mt ? d->kern.ops->port_open_mt : d->kern.ops->port_open;
	j->ctx = d->kern.ctx;
	j->req = *req;
	snprintf(j->full, sizeof(j->full), "%s", ps->name.full);
	j->req.name = j->full;
	for (i = 0; i < ELEMENTSOF(modes) && modes[i].mode != ps->mode; i++)
		;
	j->mode = i < ELEMENTSOF(modes) ? modes[i].name : "all";
	j->fd = -1;
	return j;
}

int method_port_open(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	const struct rpc_peer *peer = rpc_call_peer(call);
	struct open_params p = { .mode = MODE_UNSET, .ring = -1 };
	struct kern_open req = { 0 };
	struct open_job *j;
	struct portspec ps;
	int r;

	r = rpc_params(call, params, open_table, &p);
	if (r < 0)
		return r;
	r = port_open_spec(call, &p, &ps);
	if (r < 0)
		return r;
	req.name = ps.name.full;
	req.mode = ps.mode;
	req.ringid = ps.ringid;
	req.flags = ps.flags;
	req.mem_id = ps.mem_id;	/* only root and admins get here with one */
	req.tx_rings = ps.conf[PS_CONF_TX_RINGS];
	req.rx_rings = ps.conf[PS_CONF_RX_RINGS];
	req.tx_slots = ps.conf[PS_CONF_TX_SLOTS];
	req.rx_slots = ps.conf[PS_CONF_RX_SLOTS];
	r = port_open_geometry(call, d, req.name, &req);
	if (r < 0)
		return r;
	r = holders_check_caps(call, d, peer->uid, rpc_call_is_admin(call));
	if (r < 0)
		return r;
	j = open_job_new(d, p.name, &ps, &req);
	if (!j)
		return -ENOMEM;
	/* A backend without port_open_mt runs it here, on the loop. */
	if (!d->kern.ops->port_open_mt)
		return rpc_call_run(call, &open_job_ops, j);
	return rpc_call_defer(call, &open_job_ops, j);
}

int method_port_close(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	const struct rpc_peer *peer = rpc_call_peer(call);
	static const struct rpc_param table[] = {
		{ .name = "handle", .type = RPC_PARAM_INTEGER, .flags = RPC_PARAM_REQUIRED },
		{}
	};
	json_int_t handle = 0;
	struct holder *h;
	json_t *ev;
	int r;

	r = rpc_params(call, params, table, &handle);
	if (r < 0)
		return r;
	h = handle > 0 ? holders_find(d, (uint64_t)handle) : NULL;
	if (!h)
		return rpc_call_error(call, RPC_ERR_NOT_FOUND, json_pack("{s:I}", "handle", handle),
				      "No handle %lld", (long long)handle);
	if (h->uid != peer->uid && !rpc_call_is_admin(call))
		return rpc_call_error(call, RPC_ERR_PERMISSION, json_pack("{s:I}", "handle", handle),
				      "Handle %lld is not yours", (long long)handle);
	ev = holders_entry_json(h);
	holders_forget(d, h);
	rpc_call_set_result(call, json_pack("{s:I, s:b}", "handle", handle, "closed", 1));
	daemon_event(d, "port.closed", ev);
	return 0;
}

int method_port_list(struct rpc_call *call, json_t *params)
{
	struct nmd_daemon *d = rpc_call_userdata(call);
	json_t *a;
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	a = holders_json(d);
	if (!a)
		return -ENOMEM;
	rpc_call_set_result(call, json_pack("{s:o}", "handles", a));
	return 0;
}
