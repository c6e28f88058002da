// SPDX-License-Identifier: BSD-2-Clause
/*
 * NIOCCTRL (NETMAP-ABI §2, §4). The steps, in the reference's order:
 *
 *   1. copy in the 88-byte header, force nr_name[63] = 0;
 *   2. nr_version in [NETMAP_MIN_API, NETMAP_MAX_API], else EINVAL;
 *   3. nr_reserved == 0, else EINVAL; a known nr_reqtype, else EINVAL;
 *   4. nr_body present exactly when the type has a body, else EINVAL; copy
 *      in exactly the body size of the type;
 *   5. copy in the option list within netmap's budget (nm_opts_copyin()),
 *      else EMSGSIZE (this also ends a list of unknown options that loops);
 *      every option starts as EOPNOTSUPP; type 0 is EINVAL; the same known
 *      type twice makes both EINVAL and ends the walk (a list that loops
 *      back onto a known option); unknown types stay EOPNOTSUPP;
 *   6. the privilege check (nm_ctrl_may_change(), EPERM: ours, see below),
 *      then run the request; a REGISTER with an option still EOPNOTSUPP fails
 *      with EOPNOTSUPP (options a request does not take stay so);
 *   7. copy back: option headers always (unless step 5 failed on size or a
 *      bad pointer), an option body only if the request and the option
 *      succeeded, the request body only on success, the header always. Our
 *      copies keep the user's pointers, so they go back unchanged.
 *
 * Everything here is kernel copies of user memory; no user pointer is
 * dereferenced except through copy_{from,to}_user().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>
#include <net/netmap.h>

#include "ctrl.h"
#include "kloop.h"
#include "mem.h"
#include "monitor.h"
#include "params.h"
#include "port.h"
#include "vale.h"
#include "watch.h"

union nm_req_body {
	struct nmreq_register reg;
	struct nmreq_port_info_get info;
	struct nmreq_vale_attach attach;
	struct nmreq_vale_detach detach;
	struct nmreq_vale_list list;
	struct nmreq_port_hdr port_hdr;
	struct nmreq_vale_newif newif;
	struct nmreq_vale_polling polling;
	struct nmreq_pools_info pools;
	struct nmreq_sync_kloop_start kloop;
	struct nmreq_nmd_watch watch;
};

/* Body size of a request type; -1 for an unknown type. */
static int nm_req_body_size(u16 type)
{
	switch (type) {
	case NETMAP_REQ_REGISTER:		return sizeof(struct nmreq_register);
	case NETMAP_REQ_PORT_INFO_GET:		return sizeof(struct nmreq_port_info_get);
	case NETMAP_REQ_VALE_ATTACH:		return sizeof(struct nmreq_vale_attach);
	case NETMAP_REQ_VALE_DETACH:		return sizeof(struct nmreq_vale_detach);
	case NETMAP_REQ_VALE_LIST:		return sizeof(struct nmreq_vale_list);
	case NETMAP_REQ_PORT_HDR_SET:
	case NETMAP_REQ_PORT_HDR_GET:		return sizeof(struct nmreq_port_hdr);
	case NETMAP_REQ_VALE_NEWIF:		return sizeof(struct nmreq_vale_newif);
	case NETMAP_REQ_VALE_POLLING_ENABLE:
	case NETMAP_REQ_VALE_POLLING_DISABLE:	return sizeof(struct nmreq_vale_polling);
	case NETMAP_REQ_POOLS_INFO_GET:		return sizeof(struct nmreq_pools_info);
	case NETMAP_REQ_SYNC_KLOOP_START:	return sizeof(struct nmreq_sync_kloop_start);
	case NETMAP_REQ_NMD_WATCH_ADD:
	case NETMAP_REQ_NMD_WATCH_DEL:		return sizeof(struct nmreq_nmd_watch);
	case NETMAP_REQ_VALE_DELIF:
	case NETMAP_REQ_SYNC_KLOOP_STOP:
	case NETMAP_REQ_CSB_ENABLE:		return 0;
	default:				return -1;
	}
}

/* ---- privilege -------------------------------------------------------- */

/*
 * The requests that need the privilege: those that create, delete, attach
 * or detach an object other fds see or that outlives the request, start or
 * stop kernel threads, or change a port for every fd bound to it.
 *
 * PORT_HDR_SET (a port's virtio-net header length, for all its users) is in
 * the list already. SYNC_KLOOP_START/STOP and CSB_ENABLE act only on the
 * caller's own binding and run in the caller's threads (kloop.h), so the
 * bound fd is all they need; were they to start a kernel thread or touch
 * another fd's rings, they would belong here. Options of REGISTER bind only
 * the caller's fd; an option
 * that creates a shared object (EXTMEM makes a region others can join) must
 * be checked with nm_ctrl_may_change() where it is handled. Legacy commands
 * are checked as the NIOCCTRL type they stand for (legacy.c); netmap's
 * passthrough (NETMAP_PT_HOST_*) would start threads: it has no type and is
 * refused for everyone.
 */
static bool nm_ctrl_req_changes(u16 type)
{
	switch (type) {
	case NETMAP_REQ_VALE_ATTACH:
	case NETMAP_REQ_VALE_DETACH:
	case NETMAP_REQ_VALE_NEWIF:
	case NETMAP_REQ_VALE_DELIF:
	case NETMAP_REQ_VALE_POLLING_ENABLE:
	case NETMAP_REQ_VALE_POLLING_DISABLE:
	case NETMAP_REQ_PORT_HDR_SET:
	case NETMAP_REQ_NMD_WATCH_ADD:	/* netmapd's release watches (watch.c) */
	case NETMAP_REQ_NMD_WATCH_DEL:
		return true;
	default:
		return false;
	}
}

/*
 * CAP_NET_ADMIN of the calling task (current's credentials, not the file's)
 * in the user namespace that owns its network namespace, as netmap asks of
 * a NIC's owner. And, because this module's VALE switches, persistent ports
 * and polling threads are shared by every namespace (netmap keeps switches
 * per network namespace; we do not), also in the initial user namespace:
 * else anyone could unshare(CLONE_NEWUSER | CLONE_NEWNET), be "root" there,
 * and detach or delete the host's ports with a handed fd. When switches
 * become per namespace, the second test can go.
 */
static bool nm_ctrl_capable(bool audit)
{
	struct user_namespace *ns = current->nsproxy->net_ns->user_ns;

	if (audit)
		return ns_capable(ns, CAP_NET_ADMIN) &&
		       (ns == &init_user_ns || ns_capable(&init_user_ns, CAP_NET_ADMIN));
	return ns_capable_noaudit(ns, CAP_NET_ADMIN) &&
	       (ns == &init_user_ns || ns_capable_noaudit(&init_user_ns, CAP_NET_ADMIN));
}

int nm_ctrl_may_change(u16 reqtype)
{
	if (!nm_ctrl_req_changes(reqtype) || nm_ctrl_capable(true))
		return 0;
	nm_dbg("request type %u needs CAP_NET_ADMIN (pid %d, uid %u): EPERM\n", reqtype,
	       task_pid_nr(current), from_kuid(&init_user_ns, current_uid()));
	return -EPERM;
}

bool nm_ctrl_may_create(void)
{
	return nm_ctrl_capable(false);
}

/* ---- options ---------------------------------------------------------- */

/*
 * The budget of an option list, counted as netmap counts it: the kernel
 * copies the request into one buffer of NM_OPT_BUF bytes (the user's body
 * and options pointers, a table of NETMAP_REQ_OPT_MAX option pointers, the
 * body, then per option its user pointer, its header and the body of a
 * known type); besides, the body plus every option header and known body
 * must fit in NETMAP_REQ_MAXSIZE. Either overflow is EMSGSIZE, and it is
 * also what ends a list of unknown options that loops.
 */
#define NM_OPT_PTR	sizeof(u64)
#define NM_OPT_BUF	((2 + NETMAP_REQ_OPT_MAX) * NM_OPT_PTR + NETMAP_REQ_MAXSIZE + \
			 NETMAP_REQ_OPT_MAX * NM_OPT_PTR)
#define NM_OPT_MAX_N	(NM_OPT_BUF / (NM_OPT_PTR + sizeof(struct nmreq_option)))

struct nm_opt {
	struct nmreq_option __user *uptr;	/* where it lives in userspace */
	struct nmreq_option hdr;		/* our copy; nro_next is the user's */
	u32 body_size;
	u32 body_off;				/* in nm_opts.bodies */
};

struct nm_opts {
	unsigned int n;				/* options read (and copied back) */
	struct nm_opt *by_type[NETMAP_REQ_OPT_MAX];
	struct nm_opt *port_stats;		/* NETMAP_REQ_OPT_PORT_STATS (ours) */
	struct nm_opt opt[NM_OPT_MAX_N];
	u8 bodies[NETMAP_REQ_MAXSIZE];
	u32 bodies_used;
	u64 buf_used, req_used;			/* the two budgets above */
};

/* Body bytes of a known option type, as the reference copies them. */
static u64 nm_opt_body_size(const struct nmreq_option *o)
{
	switch (o->nro_reqtype) {
	case NETMAP_REQ_OPT_EXTMEM:
		return sizeof(struct nmreq_opt_extmem) - sizeof(*o);
	case NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS:
		return o->nro_size > sizeof(*o) ? o->nro_size - sizeof(*o) : 0;
	case NETMAP_REQ_OPT_CSB:
		return sizeof(struct nmreq_opt_csb) - sizeof(*o);
	case NETMAP_REQ_OPT_SYNC_KLOOP_MODE:
		return sizeof(struct nmreq_opt_sync_kloop_mode) - sizeof(*o);
	case NETMAP_REQ_OPT_OFFSETS:
		return sizeof(struct nmreq_opt_offsets) - sizeof(*o);
	case NETMAP_REQ_OPT_PORT_STATS:
		return sizeof(struct nmreq_opt_port_stats) - sizeof(*o);
	default:
		return 0;
	}
}

/*
 * The slot of a known type in @opts: NULL for a type we skip (unknown to
 * netmap and to us). Types past NETMAP_REQ_OPT_MAX that are ours have a
 * slot of their own.
 */
static struct nm_opt **nm_opt_slot(struct nm_opts *opts, u32 type)
{
	if (type == NETMAP_REQ_OPT_PORT_STATS)
		return &opts->port_stats;
	return type < NETMAP_REQ_OPT_MAX ? &opts->by_type[type] : NULL;
}

/*
 * Copy in the body of the known option @o. Returns 0, -EMSGSIZE (over
 * either budget) or -EFAULT.
 */
static int nm_opt_copyin_body(struct nm_opts *opts, struct nm_opt *o)
{
	const u64 bsize = nm_opt_body_size(&o->hdr);

	if (o->hdr.nro_size > NETMAP_REQ_MAXSIZE || bsize > NETMAP_REQ_MAXSIZE ||
	    opts->req_used + bsize > NETMAP_REQ_MAXSIZE || opts->buf_used + bsize > NM_OPT_BUF)
		return -EMSGSIZE;
	if (!bsize)
		return 0;
	o->body_size = bsize;
	o->body_off = opts->bodies_used;
	if (copy_from_user(opts->bodies + o->body_off, o->uptr + 1, bsize))
		return -EFAULT;
	opts->bodies_used += bsize;
	opts->req_used += bsize;
	opts->buf_used += bsize;
	return 0;
}

/*
 * Read the list at @uptr; the request body takes @bsize bytes of the
 * budget. Every option starts as EOPNOTSUPP (a request that uses one sets
 * its status); type 0 is EINVAL and the walk goes on; a known type seen
 * before makes both EINVAL and ends the walk there (a list that loops back
 * onto a known option ends at once); unknown types are skipped. Returns 0,
 * -EINVAL (statuses say which options; they are copied back), or
 * -EMSGSIZE/-EFAULT (nothing is copied back: opts->n is reset).
 */
static int nm_opts_copyin(struct nm_opts *opts, u64 uptr, u64 bsize)
{
	int err = 0, e;

	opts->buf_used = (2 + NETMAP_REQ_OPT_MAX) * NM_OPT_PTR + bsize;
	opts->req_used = bsize;
	while (uptr) {
		struct nm_opt *o, **slot;

		if (opts->buf_used + NM_OPT_PTR + sizeof(o->hdr) > NM_OPT_BUF ||
		    opts->req_used + sizeof(o->hdr) > NETMAP_REQ_MAXSIZE || opts->n >= NM_OPT_MAX_N)
			goto err_size;
		o = &opts->opt[opts->n];
		o->uptr = u64_to_user_ptr(uptr);
		if (copy_from_user(&o->hdr, o->uptr, sizeof(o->hdr)))
			goto err_fault;
		opts->n++;
		opts->buf_used += NM_OPT_PTR + sizeof(o->hdr);
		opts->req_used += sizeof(o->hdr);
		uptr = o->hdr.nro_next;
		o->hdr.nro_status = EOPNOTSUPP;
		if (o->hdr.nro_reqtype == 0) {
			nm_dbg("option type 0 is invalid\n");
			o->hdr.nro_status = EINVAL;
			err = -EINVAL;
			continue;
		}
		slot = nm_opt_slot(opts, o->hdr.nro_reqtype);
		if (!slot)
			continue;
		if (*slot) {
			nm_dbg("option type 0x%x given twice\n", o->hdr.nro_reqtype);
			o->hdr.nro_status = EINVAL;
			(*slot)->hdr.nro_status = EINVAL;
			return -EINVAL;
		}
		*slot = o;
		e = nm_opt_copyin_body(opts, o);
		if (e == -EMSGSIZE)
			goto err_size;
		if (e)
			goto err_fault;
	}
	return err;

err_size:
	nm_dbg("option list over %d bytes or looping\n", NETMAP_REQ_MAXSIZE);
	opts->n = 0;
	return -EMSGSIZE;
err_fault:
	opts->n = 0;
	return -EFAULT;
}

/* Write the statuses (and bodies of what succeeded) back; returns @err or -EFAULT. */
static int nm_opts_copyout(struct nm_opts *opts, int err)
{
	unsigned int i;

	for (i = 0; i < opts->n; i++) {
		struct nm_opt *o = &opts->opt[i];

		if (copy_to_user(o->uptr, &o->hdr, sizeof(o->hdr)))
			return -EFAULT;
		if (!err && !o->hdr.nro_status && o->body_size &&
		    copy_to_user(o->uptr + 1, opts->bodies + o->body_off, o->body_size))
			return -EFAULT;
	}
	return err;
}

/* An option no part of the request took: REGISTER must fail. */
static int nm_opts_unsupported(const struct nm_opts *opts)
{
	unsigned int i;

	for (i = 0; opts && i < opts->n; i++)
		if (opts->opt[i].hdr.nro_status == EOPNOTSUPP)
			return -EOPNOTSUPP;
	return 0;
}

/*
 * NETMAP_REQ_OPT_EXTMEM of a REGISTER: the region on the caller's memory,
 * made before the lookup and named to it as nr_mem_id (a port that exists
 * keeps its region, as in netmap). Returns the region (the caller puts it
 * after the REGISTER: the port holds its own reference), NULL without the
 * option, or an ERR_PTR that fails the request (EPERM without the
 * privilege, nm_ctrl_may_change()'s rule); the status is set on every
 * attempt and, on success, the layout made is written back in the body.
 */
static struct nm_mem *nm_opt_extmem(struct nm_opts *opts, struct nmreq_register *req)
{
	struct nm_opt *o = opts ? opts->by_type[NETMAP_REQ_OPT_EXTMEM] : NULL;
	struct nmreq_opt_extmem e;
	struct nm_mem *mem;
	u8 *body;

	if (!o || o->hdr.nro_status != EOPNOTSUPP)
		return o ? ERR_PTR(-(int)o->hdr.nro_status) : NULL;
	/* A region others can join (by nr_mem_id), on long-term pinned pages. */
	if (!nm_ctrl_capable(true)) {
		nm_dbg("OPT_EXTMEM needs CAP_NET_ADMIN (pid %d): EPERM\n", task_pid_nr(current));
		o->hdr.nro_status = EPERM;
		return ERR_PTR(-EPERM);
	}
	/* The body: everything after the option header (one memcpy over the fields). */
	body = (u8 *)&e + sizeof(e.nro_opt);
	memcpy(body, opts->bodies + o->body_off, o->body_size);
	mem = nm_mem_create_extmem(e.nro_usrptr, &e.nro_info);
	o->hdr.nro_status = IS_ERR(mem) ? -PTR_ERR(mem) : 0;
	if (IS_ERR(mem))
		return mem;
	memcpy(opts->bodies + o->body_off, body, o->body_size);
	req->nr_mem_id = nm_mem_id(mem);
	return mem;
}

/* Write @max into the nro_max_offset of OFFSETS option @o's body copy. */
static void nm_opt_offsets_max(struct nm_opts *opts, struct nm_opt *o, u64 max)
{
	memcpy(opts->bodies + o->body_off +
	       offsetof(struct nmreq_opt_offsets, nro_max_offset) - sizeof(o->hdr), &max, sizeof(max));
}

/*
 * NETMAP_REQ_OPT_OFFSETS of a REGISTER: the checks that need no port
 * (each EINVAL: bits > 64, max not representable in the mask, initial >
 * max; bits 0 or 64 mean all 64). Returns the option (its status taken:
 * the port's checks come at bind time, struct nm_reg_offsets), NULL
 * without it, or an ERR_PTR.
 */
static struct nm_opt *nm_opt_offsets(struct nm_opts *opts, struct nm_reg_offsets *ro)
{
	struct nm_opt *o = opts ? opts->by_type[NETMAP_REQ_OPT_OFFSETS] : NULL;
	struct nmreq_opt_offsets b;

	if (!o || o->hdr.nro_status != EOPNOTSUPP)
		return o ? ERR_PTR(-(int)o->hdr.nro_status) : NULL;
	memcpy((u8 *)&b + sizeof(b.nro_opt), opts->bodies + o->body_off, o->body_size);
	ro->mask = b.nro_offset_bits > 0 && b.nro_offset_bits < 64 ?
		   (1ULL << b.nro_offset_bits) - 1 : ~0ULL;
	ro->max = b.nro_max_offset;
	ro->initial = b.nro_initial_offset;
	ro->gap = b.nro_min_gap;
	if (b.nro_offset_bits > 64 || ro->max > ro->mask || ro->initial > ro->max) {
		nm_dbg("OPT_OFFSETS: bits %u, max %llu, initial %llu: EINVAL\n",
		       b.nro_offset_bits, ro->max, ro->initial);
		o->hdr.nro_status = EINVAL;
		return ERR_PTR(-EINVAL);
	}
	o->hdr.nro_status = 0;
	return o;
}

static int nm_ctrl_register_csb(struct nm_priv *priv, const char *name,
				struct nmreq_register *reg, struct nm_opts *opts,
				struct nm_reg_offsets *offs);

/* REGISTER with its options: OFFSETS, EXTMEM, then CSB (nm_ctrl_register_csb()). */
static int nm_ctrl_register(struct nm_priv *priv, struct nmreq_header *hdr,
			    struct nmreq_register *req, struct nm_opts *opts)
{
	struct nm_reg_offsets ro = {};
	struct nm_opt *off = nm_opt_offsets(opts, &ro);
	struct nm_mem *ext;
	int err;

	if (IS_ERR(off))
		return PTR_ERR(off);
	ext = nm_opt_extmem(opts, req);
	if (IS_ERR(ext))
		return PTR_ERR(ext);
	err = nm_ctrl_register_csb(priv, hdr->nr_name, req, opts, off ? &ro : NULL);
	nm_mem_put(ext);
	if (off && ro.err) {
		off->hdr.nro_status = -ro.err;
	} else if (off && !err) {
		/* The max in force comes back; the rest of the body as given. */
		nm_opt_offsets_max(opts, off, ro.eff_max);
	}
	return err;
}

/* ---- dispatch --------------------------------------------------------- */

/*
 * Answer NETMAP_REQ_OPT_PORT_STATS, if given and nobody answered it yet:
 * @kind is the NM_PORT_STATS_KIND_* of the counters in @st for @nobj
 * objects, or -errno for the option's status.
 */
static void nm_opt_port_stats_put(struct nm_opts *opts, int kind, const struct nm_port_stats *st,
				  u32 nobj)
{
	struct nm_opt *o = opts ? opts->port_stats : NULL;
	struct nmreq_opt_port_stats body = {
		.tx_packets = st->tx_packets,
		.tx_bytes = st->tx_bytes,
		.tx_errors = st->tx_errors,
		.rx_packets = st->rx_packets,
		.rx_bytes = st->rx_bytes,
		.rx_drops = st->rx_drops,
		.rx_errors = st->rx_errors,
		.kind = kind,
		.nr_objects = nobj,
	};

	if (!o || o->hdr.nro_status != EOPNOTSUPP)
		return;
	if (kind < 0) {
		o->hdr.nro_status = -kind;
		return;
	}
	/* The body as copied out: everything after the option header. */
	memcpy(opts->bodies + o->body_off, &body.tx_packets, o->body_size);
	o->hdr.nro_status = 0;
}

/*
 * NETMAP_REQ_OPT_PORT_STATS on a request that succeeded for port @name:
 * the counters, or status EINVAL for a port that has none. Monitors are
 * counted by PORT_INFO_GET itself (nm_ctrl_info_get()).
 */
static void nm_opt_port_stats(struct nm_opts *opts, const char *name)
{
	struct nm_opt *o = opts ? opts->port_stats : NULL;
	struct nm_port_stats st = {};

	if (!o || o->hdr.nro_status != EOPNOTSUPP)
		return;
	nm_opt_port_stats_put(opts, nm_port_stats_by_name(name, &st), &st, 1);
}

/* ---- CSB and the sync loop (kloop.h) ---------------------------------- */

static struct nm_opt *nm_opt_get(struct nm_opts *opts, u32 type)
{
	return opts ? opts->by_type[type] : NULL;
}

/*
 * REGISTER with NETMAP_REQ_OPT_CSB: the CSB is pinned after the binding is
 * made and before it is published, with nm_ctrl_lock released; a failure
 * undoes the binding and is the option's status.
 */
static int nm_ctrl_register_csb(struct nm_priv *priv, const char *name,
				struct nmreq_register *reg, struct nm_opts *opts,
				struct nm_reg_offsets *offs)
{
	struct nm_opt *o = nm_opt_get(opts, NETMAP_REQ_OPT_CSB);
	struct nm_csb_req csb;
	int err;

	if (!o)
		return nm_port_register(priv, name, reg, nm_opts_unsupported(opts), offs);
	o->hdr.nro_status = 0;
	err = nm_port_register_ex(priv, name, reg, nm_opts_unsupported(opts), offs, false);
	if (err) {
		o->hdr.nro_status = EOPNOTSUPP;
		return err;
	}
	memcpy(&csb, opts->bodies + o->body_off, sizeof(csb));
	err = nm_csb_enable(priv, &csb);
	o->hdr.nro_status = -err;
	if (err) {
		nm_kloop_release(priv);
		nm_port_unbind(priv);
		return err;
	}
	nm_port_publish(priv);
	return 0;
}

static int nm_ctrl_csb_enable(struct nm_priv *priv, struct nm_opts *opts)
{
	struct nm_opt *o = nm_opt_get(opts, NETMAP_REQ_OPT_CSB);
	struct nm_csb_req csb;
	int err;

	if (!o)
		return -EINVAL;
	memcpy(&csb, opts->bodies + o->body_off, sizeof(csb));
	err = nm_csb_enable_req(priv, &csb);
	o->hdr.nro_status = -err;
	return err;
}

static int nm_ctrl_kloop_start(struct nm_priv *priv, const struct nmreq_sync_kloop_start *body,
			       struct nm_opts *opts)
{
	struct nm_opt *mode = nm_opt_get(opts, NETMAP_REQ_OPT_SYNC_KLOOP_MODE);
	struct nm_opt *efds = nm_opt_get(opts, NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS);
	struct nm_kloop_req req = { .sleep_us = body->sleep_us };

	if (mode) {
		req.mode = (const u32 *)(opts->bodies + mode->body_off);
		req.mode_status = &mode->hdr.nro_status;
	}
	if (efds) {
		req.efds = opts->bodies + efds->body_off;
		req.efds_size = efds->hdr.nro_size;
		req.efds_status = &efds->hdr.nro_status;
	}
	return nm_kloop_start(priv, &req);
}

/*
 * PORT_INFO_GET: a port, or monitors by name ("P/rt", "P/rt#3"; monitor.h)
 * with their counters in the PORT_STATS option if one was given.
 */
static int nm_ctrl_info_get(struct nmreq_header *hdr, struct nmreq_port_info_get *info,
			    struct nm_opts *opts)
{
	struct nm_port_stats st = {};
	char pname[NETMAP_REQ_IFNAMSIZ];
	size_t len = strlen(hdr->nr_name);
	int err;

	if (!nm_mon_is_name(hdr->nr_name)) {
		/* "eth1^" (the host rings of a NIC, as libnetmap writes it): eth1. */
		strscpy(pname, hdr->nr_name, sizeof(pname));
		if (len > 1 && pname[len - 1] == '^' && !nm_vale_is_name(pname))
			pname[len - 1] = '\0';
		err = nm_port_info_get(pname, info, nm_ctrl_may_create());
		if (!err)
			nm_opt_port_stats(opts, hdr->nr_name);
		return err;
	}
	err = nm_mon_info_stats(hdr->nr_name, info, &st);
	if (err < 0)
		return err;
	nm_opt_port_stats_put(opts, NM_PORT_STATS_KIND_MONITOR, &st, err);
	return 0;
}

static int nm_ctrl_run(struct nm_priv *priv, struct nmreq_header *hdr,
		       union nm_req_body *body, struct nm_opts *opts)
{
	int err;

	/* Before any lookup: a lookup may create what the name calls for. */
	err = nm_ctrl_may_change(hdr->nr_reqtype);
	if (err)
		return err;
	switch (hdr->nr_reqtype) {
	case NETMAP_REQ_REGISTER:
		return nm_ctrl_register(priv, hdr, &body->reg, opts);
	case NETMAP_REQ_PORT_INFO_GET:
		return nm_ctrl_info_get(hdr, &body->info, opts);
	case NETMAP_REQ_POOLS_INFO_GET:
		return nm_port_pools_info_get(hdr->nr_name, &body->pools, nm_ctrl_may_create());
	case NETMAP_REQ_VALE_LIST: {
		const bool by_name = hdr->nr_name[0];

		/* A name, if given, must be a VALE name. */
		if (by_name && strncmp(hdr->nr_name, "vale", 4))
			return -EINVAL;
		err = nm_vale_list(hdr->nr_name, &body->list);
		/* Counters only for one port named by the caller. */
		if (!err && by_name && body->list.nr_port_idx != NM_BDG_NOPORT)
			nm_opt_port_stats(opts, hdr->nr_name);
		return err;
	}
	case NETMAP_REQ_VALE_ATTACH:
		return nm_vale_attach(hdr->nr_name, &body->attach);
	case NETMAP_REQ_VALE_DETACH:
		return nm_vale_detach(hdr->nr_name, &body->detach);
	case NETMAP_REQ_VALE_NEWIF:
		return nm_vale_newif(hdr->nr_name, &body->newif);
	case NETMAP_REQ_VALE_DELIF:
		return nm_vale_delif(hdr->nr_name);
	case NETMAP_REQ_VALE_POLLING_ENABLE:
		return nm_vale_polling_enable(hdr->nr_name, &body->polling);
	case NETMAP_REQ_VALE_POLLING_DISABLE:
		return nm_vale_polling_disable(hdr->nr_name);
	case NETMAP_REQ_NMD_WATCH_ADD:
	case NETMAP_REQ_NMD_WATCH_DEL:
		return nm_watch_ctrl(priv, hdr->nr_reqtype, &body->watch);
	case NETMAP_REQ_CSB_ENABLE:
		return nm_ctrl_csb_enable(priv, opts);
	case NETMAP_REQ_SYNC_KLOOP_START:
		return nm_ctrl_kloop_start(priv, &body->kloop, opts);
	case NETMAP_REQ_SYNC_KLOOP_STOP:
		return nm_kloop_stop(priv);
	case NETMAP_REQ_PORT_HDR_SET:
		return nm_vale_port_hdr_set(hdr->nr_name, &body->port_hdr);
	case NETMAP_REQ_PORT_HDR_GET:
		return nm_vale_port_hdr_get(hdr->nr_name, &body->port_hdr, nm_ctrl_may_create());
	default:
		pr_info_ratelimited("request type %u not supported\n", hdr->nr_reqtype);
		return -EOPNOTSUPP;
	}
}

long nm_ctrl_ioctl(struct nm_priv *priv, void __user *uhdr)
{
	struct nmreq_header hdr;
	union nm_req_body body;
	struct nm_opts *opts = NULL;
	int bsize = 0;
	int err;

	if (copy_from_user(&hdr, uhdr, sizeof(hdr)))
		return -EFAULT;
	hdr.nr_name[sizeof(hdr.nr_name) - 1] = '\0';

	if (hdr.nr_version < NETMAP_MIN_API || hdr.nr_version > NETMAP_MAX_API) {
		nm_dbg("API mismatch: got %u, need %u..%u\n", hdr.nr_version,
		       NETMAP_MIN_API, NETMAP_MAX_API);
		err = -EINVAL;
		goto out;
	}
	if (hdr.nr_reserved) {
		nm_dbg("nr_reserved must be 0\n");
		err = -EINVAL;
		goto out;
	}
	bsize = nm_req_body_size(hdr.nr_reqtype);
	if (bsize < 0) {
		nm_dbg("unknown request type %u\n", hdr.nr_reqtype);
		bsize = 0;
		err = -EINVAL;
		goto out;
	}
	if (!!bsize != !!hdr.nr_body) {
		nm_dbg("request type %u: nr_body %s\n", hdr.nr_reqtype,
		       bsize ? "missing" : "must be NULL");
		bsize = 0;
		err = -EINVAL;
		goto out;
	}
	if (bsize && copy_from_user(&body, u64_to_user_ptr(hdr.nr_body), bsize)) {
		bsize = 0;
		err = -EFAULT;
		goto out;
	}
	if (hdr.nr_options) {
		opts = kvzalloc(sizeof(*opts), GFP_KERNEL);
		if (!opts) {
			err = -ENOMEM;
			goto out;
		}
		err = nm_opts_copyin(opts, hdr.nr_options, bsize);
		if (err)
			goto out_opts;
	}
	err = nm_ctrl_run(priv, &hdr, &body, opts);
out_opts:
	if (opts)
		err = nm_opts_copyout(opts, err);
	if (!err && bsize && copy_to_user(u64_to_user_ptr(hdr.nr_body), &body, bsize))
		err = -EFAULT;
out:
	kvfree(opts);
	if (copy_to_user(uhdr, &hdr, sizeof(hdr)))
		return -EFAULT;
	return err;
}
