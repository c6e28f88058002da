// SPDX-License-Identifier: BSD-2-Clause
/* fake_kern - an in-memory kernel behind struct kern (see fake_kern.h). */
#define _GNU_SOURCE
#include "fake_kern.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <net/netmap.h>

#include "util.h"

#define FK_MAX_SWITCHES 64	/* max_bridges allows up to 1024; 64 for bench_plan */
#define FK_MAX_PORTS 254

enum fk_dev_kind { DEV_NIC, DEV_PERSISTENT, DEV_OTHER };

struct fk_dev {
	char name[NMD_IFNAMSIZ];
	enum fk_dev_kind kind;
	uint32_t tx_rings, rx_rings, tx_slots, rx_slots;
	uint16_t mem_id;
	bool own_mem;		/* a region of its own (its id changes when remade) */
	/* NIC settings */
	bool busy, offloads, promisc, up, pause;
	unsigned prepared;
};

struct fk_port {
	char port[NMD_REQ_IFNAMSIZ];	/* part after ':' ("eth1", "eth1^", "vm1") */
	bool used;
	bool polling;
	bool ephemeral;
};

struct fk_switch {
	char name[NMD_IFNAMSIZ];
	bool used;
	struct fk_port ports[FK_MAX_PORTS];
	unsigned nports;
};

struct fk_pipe {
	char name[NMD_REQ_IFNAMSIZ];
	int fd;
};

static void fk_fmt(char *buf, size_t len, const char *fmt, ...) _printf_(3, 4);
static void fk_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

struct fake_kern {
	struct fk_dev *devs;
	size_t n_devs, cap_devs;
	struct fk_switch sw[FK_MAX_SWITCHES];
	struct fk_pipe *pipes;
	size_t n_pipes, cap_pipes;
	uint16_t next_mem_id;
	unsigned calls[FK__COUNT];
	unsigned fail_at[FK__COUNT];	/* absolute call number that fails, 0: none */
	int fail_err[FK__COUNT];
	/* fake_crash(): the FK_ANY call number to die at, how, and who to tell. */
	unsigned crash_at;
	bool crash_after, dead;
	void (*on_crash)(void *);
	void *on_crash_arg;
	/* The last port_open that succeeded, its name copied. */
	struct kern_open last_open;
	char last_open_name[NMD_REQ_IFNAMSIZ];
	uint64_t tx_packets;	/* what port_stats reports for a VALE port */
	/* The release watch (fake_watch()): the cookies registered, the watcher's write end. */
	uint64_t watched[4096];
	size_t n_watched;
	int watch_wr;
	unsigned watch_opens;
};

static void fk_die(struct fake_kern *f)
{
	f->dead = true;
	f->crash_at = 0;
	if (f->on_crash)
		f->on_crash(f->on_crash_arg);
}

static int fk_hit(struct fake_kern *f, enum fake_op op, bool mutating)
{
	int r = 0;

	if (f->dead)
		return -EIO;
	if (mutating && f->crash_at && f->calls[FK_ANY] + 1 == f->crash_at && !f->crash_after) {
		fk_die(f);
		return -EIO;
	}
	f->calls[op]++;
	if (f->fail_at[op] && f->calls[op] == f->fail_at[op]) {
		f->fail_at[op] = 0;
		r = -f->fail_err[op];
	}
	if (mutating) {
		f->calls[FK_ANY]++;
		if (!r && f->fail_at[FK_ANY] && f->calls[FK_ANY] == f->fail_at[FK_ANY]) {
			f->fail_at[FK_ANY] = 0;
			r = -f->fail_err[FK_ANY];
		}
	}
	return r;
}

/*
 * The call fk_hit() let through is done; if it was the one to die after,
 * die now (the change made, nothing after it).
 */
static int fk_done(struct fake_kern *f, int r)
{
	if (f->crash_at && f->crash_after && f->calls[FK_ANY] == f->crash_at)
		fk_die(f);
	return r;
}

void fake_crash(struct fake_kern *f, unsigned nth, bool after, void (*cb)(void *), void *arg)
{
	f->crash_at = nth ? f->calls[FK_ANY] + nth : 0;
	f->crash_after = after;
	f->on_crash = cb;
	f->on_crash_arg = arg;
	f->dead = false;
}

bool fake_dead(const struct fake_kern *f)
{
	return f->dead;
}

void fake_fail(struct fake_kern *f, enum fake_op op, unsigned nth, int err)
{
	f->fail_at[op] = nth ? f->calls[op] + nth : 0;
	f->fail_err[op] = err;
}

unsigned fake_calls(const struct fake_kern *f, enum fake_op op)
{
	return f->calls[op];
}

static struct fk_dev *dev_find(struct fake_kern *f, const char *name)
{
	for (size_t i = 0; i < f->n_devs; i++)
		if (streq(f->devs[i].name, name))
			return &f->devs[i];
	return NULL;
}

static struct fk_dev *dev_add(struct fake_kern *f, const char *name, enum fk_dev_kind kind)
{
	struct fk_dev *d;

	if (strlen(name) >= NMD_IFNAMSIZ || dev_find(f, name))
		return NULL;
	d = array_push(&f->devs, &f->n_devs, &f->cap_devs, sizeof(*d));
	if (!d)
		return NULL;
	strcpy(d->name, name);
	d->kind = kind;
	d->tx_rings = d->rx_rings = 1;
	d->tx_slots = d->rx_slots = 1024;
	d->offloads = true;
	d->up = true;
	d->pause = true;
	return d;
}

static struct fk_switch *sw_find(struct fake_kern *f, const char *name, bool create)
{
	struct fk_switch *free_sw = NULL;

	for (int i = 0; i < FK_MAX_SWITCHES; i++) {
		if (f->sw[i].used && streq(f->sw[i].name, name))
			return &f->sw[i];
		if (!f->sw[i].used && !free_sw)
			free_sw = &f->sw[i];
	}
	if (!create || !free_sw || strlen(name) >= NMD_IFNAMSIZ)
		return NULL;
	memset(free_sw, 0, sizeof(*free_sw));
	free_sw->used = true;
	strcpy(free_sw->name, name);
	return free_sw;
}

static struct fk_port *port_find(struct fk_switch *s, const char *port)
{
	for (int i = 0; s && i < FK_MAX_PORTS; i++)
		if (s->ports[i].used && streq(s->ports[i].port, port))
			return &s->ports[i];
	return NULL;
}

/* Attached to any switch? */
static bool attached_anywhere(struct fake_kern *f, const char *port)
{
	for (int i = 0; i < FK_MAX_SWITCHES; i++)
		if (f->sw[i].used && port_find(&f->sw[i], port))
			return true;
	return false;
}

static struct fk_port *port_add(struct fk_switch *s, const char *port)
{
	for (int i = 0; i < FK_MAX_PORTS; i++) {
		if (s->ports[i].used)
			continue;
		memset(&s->ports[i], 0, sizeof(s->ports[i]));
		s->ports[i].used = true;
		fk_fmt(s->ports[i].port, sizeof(s->ports[i].port), "%s", port);
		s->nports++;
		return &s->ports[i];
	}
	return NULL;
}

static void port_del(struct fk_switch *s, struct fk_port *p)
{
	p->used = false;
	if (--s->nports == 0)
		s->used = false;	/* netmap destroys an empty switch */
}

/* Split "valeB:P" into its switch and port; -EINVAL if it is not one. */
static int split(const char *name, char *sw, char *port)
{
	const char *c = strchr(name, ':');

	if (!startswith(name, "vale") || !c || (size_t)(c - name) >= NMD_IFNAMSIZ || !c[1] ||
	    strlen(c + 1) >= NMD_REQ_IFNAMSIZ)
		return -EINVAL;
	memcpy(sw, name, (size_t)(c - name));
	sw[c - name] = '\0';
	strcpy(port, c + 1);
	return 0;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Forget pipes whose fd was closed (by whoever held it). */
static void pipes_gc(struct fake_kern *f)
{
	size_t o = 0;

	for (size_t i = 0; i < f->n_pipes; i++)
		if (fd_open(f->pipes[i].fd))
			f->pipes[o++] = f->pipes[i];
	f->n_pipes = o;
}

/* Is some pipe of parent @parent held? */
static bool parent_has_pipes(struct fake_kern *f, const char *parent)
{
	size_t n = strlen(parent);

	pipes_gc(f);
	for (size_t i = 0; i < f->n_pipes; i++)
		if (!strncmp(f->pipes[i].name, parent, n) &&
		    (f->pipes[i].name[n] == '{' || f->pipes[i].name[n] == '}'))
			return true;
	return false;
}

/* ---- the ops ---- */

static int fk_vale_list(void *ctx, struct kern_vale_port **ports, size_t *n)
{
	struct fake_kern *f = ctx;
	struct kern_vale_port *v = NULL;
	size_t nv = 0, cap = 0;
	int r = fk_hit(f, FK_VALE_LIST, false);

	*ports = NULL;
	*n = 0;
	if (r)
		return r;
	for (int i = 0; i < FK_MAX_SWITCHES; i++) {
		for (int j = 0; f->sw[i].used && j < FK_MAX_PORTS; j++) {
			struct kern_vale_port *p;

			if (!f->sw[i].ports[j].used)
				continue;
			p = array_push(&v, &nv, &cap, sizeof(*v));
			if (!p) {
				free(v);
				return -ENOMEM;
			}
			fk_fmt(p->name, sizeof(p->name), "%s:%s", f->sw[i].name,
				 f->sw[i].ports[j].port);
			p->bridge_idx = (uint32_t)i;
			p->port_idx = (uint32_t)j;
		}
	}
	*ports = v;
	*n = nv;
	return 0;
}

static int fk_vale_attach(void *ctx, const char *name, bool host, uint16_t mem_id)
{
	struct fake_kern *f = ctx;
	char swn[NMD_REQ_IFNAMSIZ], port[NMD_REQ_IFNAMSIZ], hport[NMD_REQ_IFNAMSIZ + 2];
	struct fk_switch *s;
	struct fk_dev *d;
	int r = fk_hit(f, FK_ATTACH, true);

	(void)mem_id;
	if (r)
		return r;
	if (split(name, swn, port))
		return -EINVAL;
	d = dev_find(f, port);
	if (!d)
		return -ENXIO;
	if (attached_anywhere(f, port))
		return -EBUSY;
	if (host && d->kind != DEV_NIC)
		return -EINVAL;
	s = sw_find(f, swn, true);
	if (!s)
		return -ENOMEM;
	if (s->nports + 1u + host > FK_MAX_PORTS) {
		if (!s->nports)
			s->used = false;
		return -ENOMEM;
	}
	port_add(s, port);
	if (host) {
		fk_fmt(hport, sizeof(hport), "%s^", port);
		port_add(s, hport);
	}
	return 0;
}

static int fk_vale_detach(void *ctx, const char *name)
{
	struct fake_kern *f = ctx;
	char swn[NMD_REQ_IFNAMSIZ], port[NMD_REQ_IFNAMSIZ], hport[NMD_REQ_IFNAMSIZ + 2];
	struct fk_switch *s;
	struct fk_port *p, *h;
	int r = fk_hit(f, FK_DETACH, true);

	if (r)
		return r;
	if (split(name, swn, port))
		return -EINVAL;
	s = sw_find(f, swn, false);
	p = port_find(s, port);
	if (!p || p->ephemeral)
		return -ENXIO;
	if (p->polling)
		return -EBUSY;
	fk_fmt(hport, sizeof(hport), "%s^", port);
	h = port_find(s, hport);
	if (h)
		port_del(s, h);
	port_del(s, p);
	return 0;
}

static int fk_vale_newif(void *ctx, const char *name, uint32_t tx_rings, uint32_t rx_rings,
			 uint32_t tx_slots, uint32_t rx_slots, uint16_t mem_id)
{
	struct fake_kern *f = ctx;
	struct fk_dev *d;
	int r = fk_hit(f, FK_NEWIF, true);

	if (r)
		return r;
	if (!name[0] || strlen(name) >= NMD_IFNAMSIZ || startswith(name, "vale") ||
	    strpbrk(name, ":{}/ "))
		return -EINVAL;
	if (dev_find(f, name))
		return -EEXIST;
	if (mem_id > 1 && mem_id >= f->next_mem_id)
		return -EINVAL;
	d = dev_add(f, name, DEV_PERSISTENT);
	if (!d)
		return -ENOMEM;
	d->tx_rings = tx_rings ? tx_rings : 1;
	d->rx_rings = rx_rings ? rx_rings : 1;
	d->tx_slots = tx_slots ? tx_slots : 1024;
	d->rx_slots = rx_slots ? rx_slots : 1024;
	d->mem_id = mem_id ? mem_id : f->next_mem_id++;
	d->own_mem = !mem_id;
	return 0;
}

static int fk_vale_delif(void *ctx, const char *name)
{
	struct fake_kern *f = ctx;
	struct fk_dev *d;
	int r = fk_hit(f, FK_DELIF, true);

	if (r)
		return r;
	d = dev_find(f, name);
	if (!d)
		return -ENXIO;
	if (d->kind != DEV_PERSISTENT)
		return -EINVAL;
	if (attached_anywhere(f, name) || parent_has_pipes(f, name))
		return -EBUSY;
	memmove(d, d + 1, (size_t)(&f->devs[f->n_devs] - (d + 1)) * sizeof(*d));
	f->n_devs--;
	return 0;
}

static struct fk_port *polling_port(struct fake_kern *f, const char *name, int *err)
{
	char swn[NMD_REQ_IFNAMSIZ], port[NMD_REQ_IFNAMSIZ];
	struct fk_port *p;
	struct fk_dev *d;

	*err = -EINVAL;
	if (split(name, swn, port))
		return NULL;
	p = port_find(sw_find(f, swn, false), port);
	if (!p)
		return NULL;
	d = dev_find(f, port);
	if (!d || d->kind != DEV_NIC) {
		*err = -EOPNOTSUPP;
		return NULL;
	}
	return p;
}

static int fk_polling_enable(void *ctx, const char *name, const struct nmd_polling *pl)
{
	struct fake_kern *f = ctx;
	struct fk_port *p;
	int r = fk_hit(f, FK_POLLING_ENABLE, true);

	if (r)
		return r;
	if (!pl || pl->mode == NMD_POLLING_NONE)
		return -EINVAL;
	p = polling_port(f, name, &r);
	if (!p)
		return r;
	if (p->polling)
		return -EBUSY;
	p->polling = true;
	return 0;
}

static int fk_polling_disable(void *ctx, const char *name)
{
	struct fake_kern *f = ctx;
	struct fk_port *p;
	int r = fk_hit(f, FK_POLLING_DISABLE, true);

	if (r)
		return r;
	p = polling_port(f, name, &r);
	if (!p)
		return r;
	if (!p->polling)
		return -EINVAL;
	p->polling = false;
	return 0;
}

/*
 * A VALE port opened by a client: a fd and the geometry of an ephemeral
 * port in a region of its own. The fake does not list it in VALE_LIST.
 */
static int fk_open_vale(struct fake_kern *f, const struct kern_open *req, int *fd,
			struct kern_reg *reg)
{
	*fd = eventfd(0, EFD_CLOEXEC);
	if (*fd < 0)
		return -errno;
	if (reg)
		*reg = (struct kern_reg){ .memsize = 4u << 20, .offset = 4096, .mem_id = 2,
					  .tx_rings = 1, .rx_rings = 1, .host_tx_rings = 1,
					  .host_rx_rings = 1, .tx_slots = 1024, .rx_slots = 1024 };
	f->last_open = *req;
	fk_fmt(f->last_open_name, sizeof(f->last_open_name), "%s", req->name);
	f->last_open.name = f->last_open_name;
	return 0;
}

static int fk_port_open(void *ctx, const struct kern_open *req, int *fd, struct kern_reg *reg)
{
	struct fake_kern *f = ctx;
	char parent[NMD_REQ_IFNAMSIZ];
	const char *b;
	struct fk_pipe *p;
	int r = fk_hit(f, FK_PORT_OPEN, true);

	*fd = -1;
	if (r)
		return r;
	if (strlen(req->name) >= NMD_REQ_IFNAMSIZ)
		return -EINVAL;
	b = strpbrk(req->name, "{}");
	if (!b && startswith(req->name, "vale"))
		return fk_open_vale(f, req, fd, reg);
	if (!b)
		return -ENXIO;	/* the fake opens no NIC */
	if (!b[1] || b == req->name)
		return -EINVAL;
	if (req->mode != NR_REG_ALL_NIC && req->mode != NR_REG_ONE_NIC)
		return -EINVAL;
	memcpy(parent, req->name, (size_t)(b - req->name));
	parent[b - req->name] = '\0';
	if (!startswith(parent, "vale")) {
		struct fk_dev *d = dev_find(f, parent);

		/* A netdev that is neither a VALE port nor a NIC cannot be a parent. */
		if (d && d->kind == DEV_OTHER)
			return -EOPNOTSUPP;
	}
	*fd = eventfd(0, EFD_CLOEXEC);
	if (*fd < 0)
		return -errno;
	pipes_gc(f);
	/* A record with this fd number is of an fd closed since: forget it. */
	for (size_t i = 0; i < f->n_pipes; i++)
		if (f->pipes[i].fd == *fd)
			f->pipes[i--] = f->pipes[--f->n_pipes];
	p = array_push(&f->pipes, &f->n_pipes, &f->cap_pipes, sizeof(*p));
	if (!p) {
		close(*fd);
		*fd = -1;
		return -ENOMEM;
	}
	fk_fmt(p->name, sizeof(p->name), "%s", req->name);
	p->fd = *fd;
	f->last_open = *req;
	fk_fmt(f->last_open_name, sizeof(f->last_open_name), "%s", req->name);
	f->last_open.name = f->last_open_name;
	if (reg)
		*reg = (struct kern_reg){ .memsize = 1u << 20, .mem_id = 7,
					  .tx_rings = req->tx_rings ? req->tx_rings : 1,
					  .rx_rings = req->rx_rings ? req->rx_rings : 1,
					  .tx_slots = req->tx_slots ? req->tx_slots : 1024,
					  .rx_slots = req->rx_slots ? req->rx_slots : 1024 };
	return 0;
}

static int fk_port_info(void *ctx, const char *name, struct kern_reg *reg)
{
	struct fake_kern *f = ctx;
	char swn[NMD_REQ_IFNAMSIZ], port[NMD_REQ_IFNAMSIZ];
	struct fk_dev *d;
	int r = fk_hit(f, FK_PORT_INFO, false);

	if (r)
		return r;
	memset(reg, 0, sizeof(*reg));
	if (!split(name, swn, port)) {
		if (!port_find(sw_find(f, swn, false), port))
			return -ENXIO;
		d = dev_find(f, port);
		if (!d) {	/* an ephemeral port */
			*reg = (struct kern_reg){ .tx_rings = 1, .rx_rings = 1, .tx_slots = 1024,
						  .rx_slots = 1024, .mem_id = 3 };
			return 0;
		}
	} else {
		d = dev_find(f, name);
		if (!d)
			return -ENXIO;
	}
	if (d->kind == DEV_OTHER)
		return -EOPNOTSUPP;
	reg->tx_rings = d->tx_rings;
	reg->rx_rings = d->rx_rings;
	reg->tx_slots = d->tx_slots;
	reg->rx_slots = d->rx_slots;
	reg->mem_id = d->kind == DEV_NIC ? 1 : d->mem_id;
	reg->host_tx_rings = reg->host_rx_rings = d->kind == DEV_NIC;
	return 0;
}

static int fk_port_stats(void *ctx, const char *name, struct kern_stats *st)
{
	struct fake_kern *f = ctx;
	struct kern_reg reg;
	int r = fk_hit(f, FK_PORT_STATS, false);

	memset(st, 0, sizeof(*st));
	if (r)
		return r;
	if (startswith(name, "vale") && !strpbrk(name, "{}")) {
		st->tx_packets = f->tx_packets;
		return 0;
	}
	return fk_port_info(ctx, name, &reg);
}

static int fk_netdev_exists(void *ctx, const char *ifname)
{
	struct fake_kern *f = ctx;
	int r = fk_hit(f, FK_NETDEV_EXISTS, false);

	if (r)
		return r;
	return dev_find(f, ifname) != NULL;
}

static int fk_nic_prepare(void *ctx, const char *ifname, const struct nmd_nic_prep *prep,
			  bool bridged, struct nic_saved *saved)
{
	struct fake_kern *f = ctx;
	struct fk_dev *d;
	int r = fk_hit(f, FK_NIC_PREPARE, true);

	memset(saved, 0, sizeof(*saved));
	if (r)
		return r;
	d = dev_find(f, ifname);
	if (!d)
		return -ENXIO;
	if (d->kind != DEV_NIC)
		return -EOPNOTSUPP;
	if (d->busy && !prep->force)
		return -EBUSY;
	saved->valid = true;
	saved->was_up = d->up;
	if (!d->up) {
		d->up = true;
		saved->set_up = true;
	}
	if (prep->offloads == NMD_OFFLOADS_OFF && d->offloads) {
		d->offloads = false;
		fk_fmt(saved->features[0], sizeof(saved->features[0]), "rx-checksum");
		fk_fmt(saved->features[1], sizeof(saved->features[1]), "tx-tcp-segmentation");
		saved->n_features = 2;
	}
	saved->was_promisc = d->promisc;
	if (bridged && prep->promiscuous && !d->promisc) {
		d->promisc = true;
		saved->set_promisc = true;
	}
	if (prep->flow_control == NMD_FLOW_CONTROL_OFF && d->pause) {
		d->pause = false;
		saved->set_pause = true;
		saved->pause_rx = saved->pause_tx = true;
	}
	d->prepared++;
	return 0;
}

static int fk_nic_restore(void *ctx, const char *ifname, const struct nic_saved *saved)
{
	struct fake_kern *f = ctx;
	struct fk_dev *d;
	int r = fk_hit(f, FK_NIC_RESTORE, true);

	if (r)
		return r;
	d = dev_find(f, ifname);
	if (!d)
		return -ENXIO;
	if (!saved->valid)
		return -EINVAL;
	if (saved->n_features)
		d->offloads = true;
	if (saved->set_promisc)
		d->promisc = false;
	if (saved->set_up)
		d->up = false;
	if (saved->set_pause)
		d->pause = saved->pause_rx || saved->pause_tx;
	if (d->prepared)	/* restoring what was never prepared changes nothing */
		d->prepared--;
	return 0;
}

static int fk_nic_reassert(void *ctx, const char *ifname, const struct nic_saved *saved)
{
	struct fake_kern *f = ctx;
	struct fk_dev *d;
	int r = fk_hit(f, FK_NIC_REASSERT, true);

	if (r)
		return r;
	d = dev_find(f, ifname);
	if (!d)
		return -ENXIO;
	if (saved->set_promisc)
		d->promisc = true;
	return 0;
}

/* What nic_prepare would change, as fk_nic_prepare does it; changes nothing. */
static int fk_nic_observe(void *ctx, const char *ifname, const struct nmd_nic_prep *prep,
			  bool bridged, struct nic_saved *saved)
{
	struct fake_kern *f = ctx;
	struct fk_dev *d;

	memset(saved, 0, sizeof(*saved));
	if (f->dead)
		return -EIO;
	d = dev_find(f, ifname);
	if (!d)
		return -ENXIO;
	saved->valid = true;
	saved->was_up = d->up;
	saved->set_up = !d->up;
	saved->was_promisc = d->promisc;
	saved->set_promisc = bridged && prep->promiscuous && !d->promisc;
	if (prep->offloads == NMD_OFFLOADS_OFF && d->offloads) {
		fk_fmt(saved->features[0], sizeof(saved->features[0]), "rx-checksum");
		fk_fmt(saved->features[1], sizeof(saved->features[1]), "tx-tcp-segmentation");
		saved->n_features = 2;
	}
	if (prep->flow_control == NMD_FLOW_CONTROL_OFF && d->pause) {
		saved->set_pause = true;
		saved->pause_rx = saved->pause_tx = true;
	}
	return 0;
}

/* The changing calls, each followed by fk_done() (fake_crash() after it). */
static int w_attach(void *ctx, const char *name, bool host, uint16_t mem_id)
{
	return fk_done(ctx, fk_vale_attach(ctx, name, host, mem_id));
}

static int w_detach(void *ctx, const char *name)
{
	return fk_done(ctx, fk_vale_detach(ctx, name));
}

static int w_newif(void *ctx, const char *name, uint32_t tx_rings, uint32_t rx_rings,
		   uint32_t tx_slots, uint32_t rx_slots, uint16_t mem_id)
{
	return fk_done(ctx, fk_vale_newif(ctx, name, tx_rings, rx_rings, tx_slots, rx_slots,
					  mem_id));
}

static int w_delif(void *ctx, const char *name)
{
	return fk_done(ctx, fk_vale_delif(ctx, name));
}

static int w_polling_enable(void *ctx, const char *name, const struct nmd_polling *p)
{
	return fk_done(ctx, fk_polling_enable(ctx, name, p));
}

static int w_polling_disable(void *ctx, const char *name)
{
	return fk_done(ctx, fk_polling_disable(ctx, name));
}

static int w_port_open(void *ctx, const struct kern_open *req, int *fd, struct kern_reg *reg)
{
	return fk_done(ctx, fk_port_open(ctx, req, fd, reg));
}

static int w_nic_prepare(void *ctx, const char *ifname, const struct nmd_nic_prep *prep,
			 bool bridged, struct nic_saved *saved)
{
	return fk_done(ctx, fk_nic_prepare(ctx, ifname, prep, bridged, saved));
}

static int w_nic_restore(void *ctx, const char *ifname, const struct nic_saved *saved)
{
	return fk_done(ctx, fk_nic_restore(ctx, ifname, saved));
}

static int w_nic_reassert(void *ctx, const char *ifname, const struct nic_saved *saved)
{
	return fk_done(ctx, fk_nic_reassert(ctx, ifname, saved));
}

/*
 * The release watch: the watcher is the read end of a pipe, and
 * fake_release() writes a cookie to the other end as the kernel would once
 * the fd registered with it is closed everywhere.
 */
static int fk_watch_open(void *ctx, int *wfd)
{
	struct fake_kern *f = ctx;
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	if (f->watch_wr >= 0)
		close(f->watch_wr);
	f->watch_wr = p[1];
	*wfd = p[0];
	f->watch_opens++;
	return 0;
}

static int fk_watch_add(void *ctx, int wfd, int fd, uint64_t cookie)
{
	struct fake_kern *f = ctx;

	(void)wfd;
	if (fd < 0)
		return -EBADF;
	if (f->n_watched >= ELEMENTSOF(f->watched))
		return -ENOSPC;
	f->watched[f->n_watched++] = cookie;
	return 0;
}

static bool fk_unwatch(struct fake_kern *f, uint64_t cookie)
{
	for (size_t i = 0; i < f->n_watched; i++) {
		if (f->watched[i] == cookie) {
			f->watched[i] = f->watched[--f->n_watched];
			return true;
		}
	}
	return false;
}

static int fk_watch_del(void *ctx, int wfd, uint64_t cookie)
{
	(void)wfd;
	return fk_unwatch(ctx, cookie) ? 0 : -ENOENT;
}

static int fk_watch_read(void *ctx, int wfd, uint64_t *c, size_t n)
{
	ssize_t r = read(wfd, c, n * sizeof(*c));

	(void)ctx;
	if (r < 0)
		return errno == EAGAIN ? 0 : -errno;
	return (int)(r / (ssize_t)sizeof(*c));
}

static const struct kern_ops fake_ops = {
	.vale_list = fk_vale_list,
	.vale_attach = w_attach,
	.vale_detach = w_detach,
	.vale_newif = w_newif,
	.vale_delif = w_delif,
	.polling_enable = w_polling_enable,
	.polling_disable = w_polling_disable,
	.port_open = w_port_open,
	.port_info = fk_port_info,
	.port_stats = fk_port_stats,
	.netdev_exists = fk_netdev_exists,
	.nic_prepare = w_nic_prepare,
	.nic_restore = w_nic_restore,
	.nic_observe = fk_nic_observe,
	.why = NULL,
	.nic_reassert = w_nic_reassert,
};

/* fake_ops and the release watch: a module that has the extension. */
static struct kern_ops fake_ops_watch;

/* ---- setup and inspection ---- */

struct fake_kern *fake_new(void)
{
	struct fake_kern *f = calloc(1, sizeof(*f));

	if (f) {
		f->next_mem_id = 2;
		f->watch_wr = -1;
	}
	return f;
}

void fake_free(struct fake_kern *f)
{
	if (!f)
		return;
	if (f->watch_wr >= 0)
		close(f->watch_wr);
	free(f->devs);
	free(f->pipes);
	free(f);
}

void fake_kern(struct fake_kern *f, struct kern *k)
{
	k->ops = &fake_ops;
	k->ctx = f;
}

void fake_kern_watch(struct fake_kern *f, struct kern *k)
{
	fake_ops_watch = fake_ops;
	fake_ops_watch.watch_open = fk_watch_open;
	fake_ops_watch.watch_add = fk_watch_add;
	fake_ops_watch.watch_del = fk_watch_del;
	fake_ops_watch.watch_read = fk_watch_read;
	k->ops = &fake_ops_watch;
	k->ctx = f;
}

void fake_release(struct fake_kern *f, uint64_t cookie)
{
	if (fk_unwatch(f, cookie) && write(f->watch_wr, &cookie, sizeof(cookie)) != sizeof(cookie))
		abort();
}

size_t fake_watched(const struct fake_kern *f, uint64_t *first)
{
	if (first && f->n_watched)
		*first = f->watched[0];
	return f->n_watched;
}

const struct kern_open *fake_last_open(const struct fake_kern *f)
{
	return f->last_open.name ? &f->last_open : NULL;
}

void fake_set_tx_packets(struct fake_kern *f, uint64_t tx_packets)
{
	f->tx_packets = tx_packets;
}

int fake_add_nic(struct fake_kern *f, const char *name, bool busy)
{
	struct fk_dev *d = dev_add(f, name, DEV_NIC);

	if (!d)
		return -EEXIST;
	d->busy = busy;
	return 0;
}

int fake_add_netdev(struct fake_kern *f, const char *name)
{
	return dev_add(f, name, DEV_OTHER) ? 0 : -EEXIST;
}

int fake_add_persistent(struct fake_kern *f, const char *name, uint32_t rings, uint32_t slots)
{
	struct fk_dev *d = dev_add(f, name, DEV_PERSISTENT);

	if (!d)
		return -EEXIST;
	d->tx_rings = d->rx_rings = rings;
	d->tx_slots = d->rx_slots = slots;
	d->mem_id = f->next_mem_id++;
	d->own_mem = true;
	return 0;
}

int fake_add_ephemeral(struct fake_kern *f, const char *name)
{
	char swn[NMD_REQ_IFNAMSIZ], port[NMD_REQ_IFNAMSIZ];
	struct fk_switch *s;
	struct fk_port *p;

	if (split(name, swn, port))
		return -EINVAL;
	s = sw_find(f, swn, true);
	if (!s)
		return -ENOMEM;
	p = port_add(s, port);
	if (!p)
		return -ENOMEM;
	p->ephemeral = true;
	return 0;
}

bool fake_nic_state(const struct fake_kern *f, const char *name, bool *offloads, bool *promisc,
		    bool *pause)
{
	for (size_t i = 0; i < f->n_devs; i++) {
		const struct fk_dev *d = &f->devs[i];

		if (d->kind == DEV_NIC && streq(d->name, name)) {
			*offloads = d->offloads;
			*promisc = d->promisc;
			*pause = d->pause;
			return true;
		}
	}
	return false;
}

bool fake_pipe_held(struct fake_kern *f, const char *name)
{
	pipes_gc(f);
	for (size_t i = 0; i < f->n_pipes; i++)
		if (streq(f->pipes[i].name, name))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *fake_snapshot(struct fake_kern *f)
{
	char **lines = NULL, *out = NULL;
	size_t n = 0, cap = 0, len = 0;
	char buf[256];

	pipes_gc(f);
#define LINE(...)                                                              \
	do {                                                                   \
		char **l = array_push(&lines, &n, &cap, sizeof(*lines));       \
		fk_fmt(buf, sizeof(buf), __VA_ARGS__);                       \
		if (!l || !(*l = strdup(buf)))                                 \
			goto out;                                              \
	} while (0)
	for (size_t i = 0; i < f->n_devs; i++) {
		const struct fk_dev *d = &f->devs[i];

		LINE("dev %s kind=%d rings=%u/%u slots=%u/%u mem=%u offloads=%d promisc=%d up=%d pause=%d prepared=%u",
		     d->name, d->kind, d->tx_rings, d->rx_rings, d->tx_slots, d->rx_slots,
		     d->own_mem ? 0 : d->mem_id, d->offloads, d->promisc, d->up, d->pause, d->prepared);
	}
	for (int i = 0; i < FK_MAX_SWITCHES; i++)
		for (int j = 0; f->sw[i].used && j < FK_MAX_PORTS; j++)
			if (f->sw[i].ports[j].used)
				LINE("port %s:%s idx=%d polling=%d eph=%d", f->sw[i].name,
				     f->sw[i].ports[j].port, j, f->sw[i].ports[j].polling,
				     f->sw[i].ports[j].ephemeral);
	for (size_t i = 0; i < f->n_pipes; i++)
		LINE("pipe %s", f->pipes[i].name);
#undef LINE
	if (n)
		qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++)
		len += strlen(lines[i]) + 1;
	out = malloc(len + 1);
	if (out) {
		out[0] = '\0';
		for (size_t i = 0, o = 0; i < n; i++) {
			size_t l = strlen(lines[i]);

			memcpy(out + o, lines[i], l);
			out[o + l] = '\n';
			o += l + 1;
			out[o] = '\0';
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	return out;
}
