// SPDX-License-Identifier: BSD-2-Clause
/*
 * kern_netmap - the real backend of kern.h: NIOCCTRL requests on
 * /dev/netmap (NETMAP-ABI §2, §7), netdev lookups, and NIC preparation
 * through nicprep.c.
 *
 * One control fd, opened on first use and kept: control requests (LIST,
 * ATTACH, NEWIF, PORT_INFO_GET...) never bind it, so it can be reused for
 * all of them. Opening lazily means a kern made before the module is
 * loaded still works once it is; while /dev/netmap is missing the requests
 * fail with -ENOENT. port_open() opens a new fd per call: a registration
 * lives as long as its fd, and the caller owns it. port_open_mt() is the
 * same for worker threads: it reads only kn->dev, which never changes.
 *
 * Every ioctl result is returned as the kernel gave it (negative errno),
 * with EINTR retried: requests are short and never block.
 */
#include "kern.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <net/netmap.h>

#include "util.h"

struct kern_netmap {
	char *dev;
	int fd;			/* control fd, -1 until first use */
	char why[256];		/* reason of the last nic_prepare failure */
};

const char *kern_dev_why(const char *dev, int err, char *buf, size_t len)
{
	switch (err < 0 ? -err : err) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		snprintf(buf, len, "%s is missing: is netmap.ko loaded (lsmod | grep netmap), and is the module built for this kernel (dkms status)?",
			 dev);
		break;
	case EACCES:
	case EPERM:
		snprintf(buf, len, "%s: permission denied: netmapd must run as root", dev);
		break;
	default:
		snprintf(buf, len, "%s: %s", dev, strerror(err < 0 ? -err : err));
	}
	return buf;
}

/* open() of the control device; on failure kn->why says what is wrong with it. */
static int kn_open_dev(struct kern_netmap *kn, int flags)
{
	int fd = open(kn->dev, flags);

	if (fd < 0) {
		int r = -errno;

		kern_dev_why(kn->dev, r, kn->why, sizeof(kn->why));
		return r;
	}
	return fd;
}

static int kn_ctl_fd(struct kern_netmap *kn)
{
	if (kn->fd < 0) {
		int fd = kn_open_dev(kn, O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return fd;
		kn->fd = fd;
	}
	return kn->fd;
}

/* Copy @name into a header's nr_name; -ENAMETOOLONG if it does not fit. */
static int kn_hdr(struct nmreq_header *h, uint16_t type, const char *name, void *body)
{
	memset(h, 0, sizeof(*h));
	h->nr_version = NETMAP_API;
	h->nr_reqtype = type;
	if (name) {
		if (strlen(name) >= sizeof(h->nr_name))
			return -ENAMETOOLONG;
		strcpy(h->nr_name, name);
	}
	h->nr_body = (uint64_t)(uintptr_t)body;
	return 0;
}

static int kn_ioctl(int fd, struct nmreq_header *h)
{
	int r;

	do
		r = ioctl(fd, NIOCCTRL, h);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static int kn_ctrl(struct kern_netmap *kn, struct nmreq_header *h)
{
	int fd = kn_ctl_fd(kn);

	if (fd < 0)
		return fd;
	return kn_ioctl(fd, h);
}

static int kn_vale_list(void *ctx, struct kern_vale_port **ports, size_t *n)
{
	struct kern_netmap *kn = ctx;
	struct kern_vale_port *v = NULL;
	size_t nv = 0, cap = 0;
	struct nmreq_vale_list body = { 0 };
	struct nmreq_header h;
	int r;

	*ports = NULL;
	*n = 0;
	for (;;) {
		struct kern_vale_port *p;

		kn_hdr(&h, NETMAP_REQ_VALE_LIST, NULL, &body);
		r = kn_ctrl(kn, &h);
		if (r == -ENOENT)
			break;			/* the end */
		if (r < 0) {
			free(v);
			return r;
		}
		p = array_push(&v, &nv, &cap, sizeof(*v));
		if (!p) {
			free(v);
			return -ENOMEM;
		}
		h.nr_name[sizeof(h.nr_name) - 1] = '\0';
		snprintf(p->name, sizeof(p->name), "%s", h.nr_name);
		p->bridge_idx = body.nr_bridge_idx;
		p->port_idx = body.nr_port_idx;
		/* The next port at or after this one + 1; bounded by the kernel's tables. */
		if (nv > 64u * 1024u) {
			free(v);
			return -E2BIG;
		}
		body.nr_port_idx++;
	}
	*ports = v;
	*n = nv;
	return 0;
}

static int kn_vale_attach(void *ctx, const char *name, bool host, uint16_t mem_id)
{
	struct nmreq_vale_attach body = { 0 };
	struct nmreq_header h;
	int r = kn_hdr(&h, NETMAP_REQ_VALE_ATTACH, name, &body);

	if (r)
		return r;
	body.reg.nr_mode = host ? NR_REG_NIC_SW : NR_REG_ALL_NIC;
	body.reg.nr_mem_id = mem_id;
	return kn_ctrl(ctx, &h);
}

static int kn_vale_detach(void *ctx, const char *name)
{
	struct nmreq_vale_detach body = { 0 };
	struct nmreq_header h;
	int r = kn_hdr(&h, NETMAP_REQ_VALE_DETACH, name, &body);

	return r ? r : kn_ctrl(ctx, &h);
}

static int kn_vale_newif(void *ctx, const char *name, uint32_t tx_rings, uint32_t rx_rings,
			 uint32_t tx_slots, uint32_t rx_slots, uint16_t mem_id)
{
	struct nmreq_vale_newif body = {
		.nr_tx_slots = tx_slots,
		.nr_rx_slots = rx_slots,
		.nr_tx_rings = (uint16_t)tx_rings,
		.nr_rx_rings = (uint16_t)rx_rings,
		.nr_mem_id = mem_id,
	};
	struct nmreq_header h;
	int r;

	if (tx_rings > UINT16_MAX || rx_rings > UINT16_MAX)
		return -EINVAL;
	r = kn_hdr(&h, NETMAP_REQ_VALE_NEWIF, name, &body);
	return r ? r : kn_ctrl(ctx, &h);
}

static int kn_vale_delif(void *ctx, const char *name)
{
	struct nmreq_header h;
	int r = kn_hdr(&h, NETMAP_REQ_VALE_DELIF, name, NULL);	/* no body: nr_body 0 */

	return r ? r : kn_ctrl(ctx, &h);
}

static int kn_polling(void *ctx, uint16_t type, const char *name, const struct nmd_polling *p)
{
	struct nmreq_vale_polling body = { 0 };
	struct nmreq_header h;
	int r = kn_hdr(&h, type, name, &body);

	if (r)
		return r;
	if (p) {
		body.nr_mode = p->mode == NMD_POLLING_MULTI ? NETMAP_POLLING_MODE_MULTI_CPU
							     : NETMAP_POLLING_MODE_SINGLE_CPU;
		body.nr_first_cpu_id = p->first_cpu;
		body.nr_num_polling_cpus = p->ncpus ? p->ncpus : 1;
	}
	return kn_ctrl(ctx, &h);
}

static int kn_polling_enable(void *ctx, const char *name, const struct nmd_polling *p)
{
	if (!p || p->mode == NMD_POLLING_NONE)
		return -EINVAL;
	return kn_polling(ctx, NETMAP_REQ_VALE_POLLING_ENABLE, name, p);
}

static int kn_polling_disable(void *ctx, const char *name)
{
	return kn_polling(ctx, NETMAP_REQ_VALE_POLLING_DISABLE, name, NULL);
}

static void kn_reg_reply(const struct nmreq_register *body, struct kern_reg *reg)
{
	*reg = (struct kern_reg){
		.memsize = body->nr_memsize,
		.offset = body->nr_offset,
		.mem_id = body->nr_mem_id,
		.tx_rings = body->nr_tx_rings,
		.rx_rings = body->nr_rx_rings,
		.host_tx_rings = body->nr_host_tx_rings,
		.host_rx_rings = body->nr_host_rx_rings,
		.tx_slots = body->nr_tx_slots,
		.rx_slots = body->nr_rx_slots,
		.extra_bufs = body->nr_extra_bufs,
	};
}

/*
 * Open @dev and REGISTER @req on the new fd. @why (may be NULL) gets what
 * is wrong with the device when it cannot be opened. Uses nothing else,
 * so it may run on any thread.
 */
static int kn_register(const char *dev, const struct kern_open *req, int *fdp,
		       struct kern_reg *reg, char *why, size_t why_len)
{
	struct nmreq_register body = {
		.nr_tx_slots = req->tx_slots,
		.nr_rx_slots = req->rx_slots,
		.nr_tx_rings = (uint16_t)req->tx_rings,
		.nr_rx_rings = (uint16_t)req->rx_rings,
		.nr_mem_id = req->mem_id,
		.nr_ringid = req->ringid,
		.nr_mode = req->mode,
		.nr_extra_bufs = req->extra_bufs,
		.nr_flags = req->flags,
	};
	struct nmreq_header h;
	int fd, r;

	*fdp = -1;
	if (req->tx_rings > UINT16_MAX || req->rx_rings > UINT16_MAX)
		return -EINVAL;
	r = kn_hdr(&h, NETMAP_REQ_REGISTER, req->name, &body);
	if (r)
		return r;
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (why)
			kern_dev_why(dev, r, why, why_len);
		return r;
	}
	r = kn_ioctl(fd, &h);
	if (r) {
		close(fd);
		return r;
	}
	if (reg)
		kn_reg_reply(&body, reg);
	*fdp = fd;
	return 0;
}

static int kn_port_open(void *ctx, const struct kern_open *req, int *fdp, struct kern_reg *reg)
{
	struct kern_netmap *kn = ctx;

	kn->why[0] = '\0';
	return kn_register(kn->dev, req, fdp, reg, kn->why, sizeof(kn->why));
}

/* kn->dev is set once by kern_netmap_new(): nothing else of kn is used. */
static int kn_port_open_mt(void *ctx, const struct kern_open *req, int *fdp, struct kern_reg *reg)
{
	const struct kern_netmap *kn = ctx;

	return kn_register(kn->dev, req, fdp, reg, NULL, 0);
}

/*
 * PORT_INFO_GET, optionally with our PORT_STATS option (@st != NULL).
 * The option's status tells whether counters came back: EOPNOTSUPP from a
 * kernel without the extension, EINVAL for a port that has none.
 */
static int kn_info(struct kern_netmap *kn, const char *name, struct kern_reg *reg,
		   struct kern_stats *st)
{
	struct nmreq_port_info_get body = { 0 };
	struct nmreq_opt_port_stats opt = { 0 };
	struct nmreq_header h;
	int r;

	if (!name || !name[0])
		return -EINVAL;	/* an empty name asks about a region, not a port */
	r = kn_hdr(&h, NETMAP_REQ_PORT_INFO_GET, name, &body);
	if (r)
		return r;
	if (st) {
		opt.nro_opt.nro_reqtype = NETMAP_REQ_OPT_PORT_STATS;
		h.nr_options = (uint64_t)(uintptr_t)&opt;
	}
	r = kn_ctrl(kn, &h);
	if (r)
		return r;
	if (reg) {
		*reg = (struct kern_reg){
			.memsize = body.nr_memsize,
			.mem_id = body.nr_mem_id,
			.tx_rings = body.nr_tx_rings,
			.rx_rings = body.nr_rx_rings,
			.host_tx_rings = body.nr_host_tx_rings,
			.host_rx_rings = body.nr_host_rx_rings,
			.tx_slots = body.nr_tx_slots,
			.rx_slots = body.nr_rx_slots,
		};
	}
	if (st) {
		if (opt.nro_opt.nro_status)
			return -(int)opt.nro_opt.nro_status;
		*st = (struct kern_stats){
			.tx_packets = opt.tx_packets,
			.tx_bytes = opt.tx_bytes,
			.tx_errors = opt.tx_errors,
			.rx_packets = opt.rx_packets,
			.rx_bytes = opt.rx_bytes,
			.rx_drops = opt.rx_drops,
			.rx_errors = opt.rx_errors,
			.kind = opt.kind,
			.objects = opt.nr_objects,
		};
	}
	return 0;
}

static int kn_port_info(void *ctx, const char *name, struct kern_reg *reg)
{
	return kn_info(ctx, name, reg, NULL);
}

static int kn_port_stats(void *ctx, const char *name, struct kern_stats *st)
{
	memset(st, 0, sizeof(*st));
	return kn_info(ctx, name, NULL, st);
}

/*
 * sysfs, not if_nametoindex(): SIOCGIFINDEX on a name that does not exist
 * makes the kernel try request_module("netdev-NAME") when the caller has
 * CAP_NET_ADMIN, i.e. run modprobe once per missing name (40 ms each in the
 * VM, a log line each on a host). if_nametoindex() is only the fallback
 * when /sys is not mounted. Both see the daemon's network namespace.
 */
static int kn_nic_in_use(void *ctx, const char *ifname, char *why, size_t why_len)
{
	(void)ctx;
	return nic_in_use(ifname, why, why_len);
}

static int kn_netdev_exists(void *ctx, const char *ifname)
{
	char path[64 + IF_NAMESIZE];
	struct stat sb;

	(void)ctx;
	if (!ifname[0] || strlen(ifname) >= IF_NAMESIZE || strchr(ifname, '/') ||
	    streq(ifname, ".") || streq(ifname, ".."))
		return 0;
	if (stat("/sys/class/net", &sb) < 0)
		return if_nametoindex(ifname) ? 1 : errno == ENODEV || errno == ENXIO ? 0 : -errno;
	snprintf(path, sizeof(path), "/sys/class/net/%s", ifname);
	if (stat(path, &sb) == 0)
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

static int kn_nic_prepare(void *ctx, const char *ifname, const struct nmd_nic_prep *prep,
			  bool bridged, struct nic_saved *saved)
{
	struct kern_netmap *kn = ctx;

	kn->why[0] = '\0';
	return nic_prepare(ifname, prep, bridged, saved, kn->why, sizeof(kn->why));
}

static int kn_nic_observe(void *ctx, const char *ifname, const struct nmd_nic_prep *prep,
			  bool bridged, struct nic_saved *saved)
{
	struct kern_netmap *kn = ctx;

	kn->why[0] = '\0';
	return nic_observe(ifname, prep, bridged, saved, kn->why, sizeof(kn->why));
}

static int kn_nic_restore(void *ctx, const char *ifname, const struct nic_saved *saved)
{
	(void)ctx;
	return nic_restore(ifname, saved);
}

static int kn_nic_reassert(void *ctx, const char *ifname, const struct nic_saved *saved)
{
	(void)ctx;
	return nic_reassert(ifname, saved);
}

static const char *kn_why(void *ctx)
{
	struct kern_netmap *kn = ctx;

	return kn->why[0] ? kn->why : NULL;
}

/* ---- release watches (our extension) ---- */

static int kn_watch_req(int wfd, uint16_t type, int fd, uint64_t cookie)
{
	struct nmreq_nmd_watch body = { .nr_fd = fd, .nr_cookie = cookie };
	struct nmreq_header h;

	kn_hdr(&h, type, NULL, &body);
	return kn_ioctl(wfd, &h);
}

/*
 * A module without the extension does not know the request type: EINVAL
 * (as netmap answers any unknown type), reported as -EOPNOTSUPP.
 */
static int kn_watch_open(void *ctx, int *wfd)
{
	struct kern_netmap *kn = ctx;
	int fd, r;

	*wfd = -1;
	fd = open(kn->dev, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	r = kn_watch_req(fd, NETMAP_REQ_NMD_WATCH_ADD, -1, 0);
	if (r < 0) {
		close(fd);
		return r == -EINVAL ? -EOPNOTSUPP : r;
	}
	*wfd = fd;
	return 0;
}

static int kn_watch_add(void *ctx, int wfd, int fd, uint64_t cookie)
{
	(void)ctx;
	return kn_watch_req(wfd, NETMAP_REQ_NMD_WATCH_ADD, fd, cookie);
}

static int kn_watch_del(void *ctx, int wfd, uint64_t cookie)
{
	(void)ctx;
	return kn_watch_req(wfd, NETMAP_REQ_NMD_WATCH_DEL, -1, cookie);
}

static int kn_watch_read(void *ctx, int wfd, uint64_t *c, size_t n)
{
	ssize_t r;

	(void)ctx;
	do
		r = read(wfd, c, n * sizeof(*c));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return errno == EAGAIN ? 0 : -errno;
	return (int)(r / (ssize_t)sizeof(*c));
}

static const struct kern_ops kern_netmap_ops = {
	.vale_list = kn_vale_list,
	.vale_attach = kn_vale_attach,
	.vale_detach = kn_vale_detach,
	.vale_newif = kn_vale_newif,
	.vale_delif = kn_vale_delif,
	.polling_enable = kn_polling_enable,
	.polling_disable = kn_polling_disable,
	.port_open = kn_port_open,
	.port_open_mt = kn_port_open_mt,
	.port_info = kn_port_info,
	.port_stats = kn_port_stats,
	.netdev_exists = kn_netdev_exists,
	.nic_prepare = kn_nic_prepare,
	.nic_restore = kn_nic_restore,
	.nic_observe = kn_nic_observe,
	.why = kn_why,
	.nic_reassert = kn_nic_reassert,
	.watch_open = kn_watch_open,
	.watch_add = kn_watch_add,
	.watch_del = kn_watch_del,
	.watch_read = kn_watch_read,
	.nic_in_use = kn_nic_in_use,
};

int kern_netmap_new(const char *dev, struct kern *k)
{
	struct kern_netmap *kn = calloc(1, sizeof(*kn));

	if (!kn)
		return -ENOMEM;
	kn->dev = strdup(dev ? dev : "/dev/netmap");
	if (!kn->dev) {
		free(kn);
		return -ENOMEM;
	}
	kn->fd = -1;
	k->ops = &kern_netmap_ops;
	k->ctx = kn;
	return 0;
}

void kern_netmap_close(struct kern *k)
{
	struct kern_netmap *kn;

	if (!k || !k->ctx)
		return;
	kn = k->ctx;
	if (kn->fd >= 0)
		close(kn->fd);
	free(kn->dev);
	free(kn);
	k->ctx = NULL;
	k->ops = NULL;
}
