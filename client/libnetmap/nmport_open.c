// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmport_open - register, mmap and their undo; open, close, clone, inject.
 *
 * Where the fd comes from (nmport_register()), in this order:
 *   1. a port netmapd handed to this process that matches the request;
 *   2. open(/dev/netmap) + NIOCCTRL REGISTER;
 *   3. if that open failed for lack of access or of a device, port.open
 *      through netmapd's socket.
 * After it, nothing depends on the way: the kernel state belongs to the
 * open file, and nmport_mmap() needs only nr_memsize, nr_offset, nr_mem_id.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libnetmap.h"
#include "libnetmap-internal.h"

/* Report a failed REGISTER: each failed option, else the call itself. */
static void report_register(struct nmport_d *d, int e)
{
	struct nmreq_option *o;
	int n = 0;

	nmreq_foreach_option(&d->hdr, o) {
		if (o->nro_status) {
			nmctx_ferror(d->ctx, "%s: option %s: %s", d->hdr.nr_name,
				     nmreq_option_name(o->nro_reqtype), strerror((int)o->nro_status));
			n++;
		}
	}
	if (!n)
		nmctx_ferror(d->ctx, "%s: %s", d->hdr.nr_name, strerror(e));
}

int nmport_register(struct nmport_d *d)
{
	int fd, e;

	if (d->register_done) {
		nmctx_ferror(d->ctx, "%s: already registered", d->hdr.nr_name);
		errno = EINVAL;
		return -1;
	}
	fd = nm_fallback_handed(d->ctx, &d->hdr, &d->reg);
	if (fd < 0 && errno != ENOENT)
		return -1;
	if (fd >= 0)
		goto done;
	fd = open(NETMAP_DEVICE_NAME, O_RDWR);
	if (fd < 0) {
		e = errno;
		if (!nm_fallback_eligible(e)) {
			nmctx_ferror(d->ctx, "%s: open %s: %s", d->hdr.nr_name, NETMAP_DEVICE_NAME,
				     strerror(e));
			errno = e;
			return -1;
		}
		fd = nm_fallback_daemon(d->ctx, &d->hdr, &d->reg, e);
		if (fd < 0)
			return -1;
		goto done;
	}
	if (ioctl(fd, NIOCCTRL, &d->hdr) < 0) {
		e = errno;
		report_register(d, e);
		close(fd);
		errno = e;
		return -1;
	}
done:
	d->fd = fd;
	d->register_done = 1;
	return 0;
}

void nmport_undo_register(struct nmport_d *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	d->register_done = 0;
}

/* The run of non-zero ring_ofs[base .. base+n-1]: [first, last], or [n, n-1]. */
static void ring_range(const struct netmap_if *nifp, unsigned base, unsigned n, uint16_t *first,
		       uint16_t *last)
{
	unsigned i = 0;

	while (i < n && !nifp->ring_ofs[base + i])
		i++;
	*first = (uint16_t)i;
	while (i < n && nifp->ring_ofs[base + i])
		i++;
	*last = (uint16_t)(i - 1);
}

/* The region of mem_id @id in @ctx, mapped (and listed) if new. Under the lock. */
static struct nmem_d *region_get(struct nmport_d *d)
{
	struct nmctx *ctx = d->ctx;
	struct nmem_d *m;
	void *p;

	for (m = ctx->mem_descs; m; m = m->next)
		if (m->mem_id == d->reg.nr_mem_id)
			return m;
	m = nmctx_malloc(ctx, sizeof(*m));
	if (!m) {
		nmctx_ferror(ctx, "%s: out of memory", d->hdr.nr_name);
		errno = ENOMEM;
		return NULL;
	}
	memset(m, 0, sizeof(*m));
	if (d->extmem) {
		m->mem = (void *)(uintptr_t)d->extmem->nro_usrptr;
		m->size = d->extmem->nro_info.nr_memsize;
		m->is_extmem = 1;
	} else {
		p = mmap(NULL, d->reg.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
		if (p == MAP_FAILED) {
			int e = errno;

			nmctx_ferror(ctx, "%s: mmap of %llu bytes: %s", d->hdr.nr_name,
				     (unsigned long long)d->reg.nr_memsize, strerror(e));
			nmctx_free(ctx, m);
			errno = e;
			return NULL;
		}
		m->mem = p;
		m->size = d->reg.nr_memsize;
	}
	m->mem_id = d->reg.nr_mem_id;
	m->next = ctx->mem_descs;
	if (m->next)
		m->next->prev = m;
	ctx->mem_descs = m;
	return m;
}

int nmport_mmap(struct nmport_d *d)
{
	struct netmap_if *nifp;
	struct nmem_d *m;
	unsigned ntx;

	if (d->mmap_done || !d->register_done) {
		nmctx_ferror(d->ctx, "%s: %s", d->hdr.nr_name,
			     d->mmap_done ? "already mapped" : "not registered");
		errno = EINVAL;
		return -1;
	}
	nmctx_lock(d->ctx);
	m = region_get(d);
	if (m)
		m->refcount++;
	nmctx_unlock(d->ctx);
	if (!m)
		return -1;
	if (d->reg.nr_offset + sizeof(struct netmap_if) > m->size) {
		d->mem = m;
		nmport_undo_mmap(d);
		nmctx_ferror(d->ctx, "%s: netmap_if at %llu outside the %zu-byte region",
			     d->hdr.nr_name, (unsigned long long)d->reg.nr_offset, m->size);
		errno = EINVAL;
		return -1;
	}
	d->mem = m;
	d->nifp = nifp = NETMAP_IF(m->mem, d->reg.nr_offset);
	ntx = nifp->ni_tx_rings + nifp->ni_host_tx_rings;
	ring_range(nifp, 0, ntx, &d->first_tx_ring, &d->last_tx_ring);
	ring_range(nifp, ntx, nifp->ni_rx_rings + nifp->ni_host_rx_rings, &d->first_rx_ring,
		   &d->last_rx_ring);
	d->cur_tx_ring = d->first_tx_ring;
	d->cur_rx_ring = d->first_rx_ring;
	d->mmap_done = 1;
	return 0;
}

void nmport_undo_mmap(struct nmport_d *d)
{
	struct nmctx *ctx = d->ctx;
	struct nmem_d *m = d->mem;

	if (m) {
		nmctx_lock(ctx);
		if (--m->refcount <= 0) {
			if (!m->is_extmem)
				munmap(m->mem, m->size);
			if (m->prev)
				m->prev->next = m->next;
			else
				ctx->mem_descs = m->next;
			if (m->next)
				m->next->prev = m->prev;
			nmctx_free(ctx, m);
		}
		nmctx_unlock(ctx);
	}
	d->mem = NULL;
	d->nifp = NULL;
	d->first_tx_ring = d->last_tx_ring = d->cur_tx_ring = 0;
	d->first_rx_ring = d->last_rx_ring = d->cur_rx_ring = 0;
	d->mmap_done = 0;
}

int nmport_open_desc(struct nmport_d *d)
{
	int e;

	if (nmport_register(d) < 0)
		return -1;
	if (nmport_mmap(d) < 0) {
		e = errno;
		nmport_undo_register(d);
		errno = e;
		return -1;
	}
	return 0;
}

void nmport_undo_open_desc(struct nmport_d *d)
{
	nmport_undo_mmap(d);
	nmport_undo_register(d);
}

struct nmport_d *nmport_open(const char *spec)
{
	struct nmport_d *d = nmport_prepare(spec);
	int e;

	if (!d)
		return NULL;
	if (nmport_open_desc(d) < 0) {
		e = errno;
		nmport_close(d);
		errno = e;
		return NULL;
	}
	return d;
}

void nmport_close(struct nmport_d *d)
{
	if (!d)
		return;
	nmport_undo_open_desc(d);
	nmport_undo_prepare(d);
}

struct nmport_d *nmport_clone(struct nmport_d *d)
{
	struct nmport_d *c;

	if (d->extmem && !d->register_done) {
		nmctx_ferror(d->ctx, "%s: cannot clone an unregistered extmem port",
			     d->hdr.nr_name);
		errno = EINVAL;
		return NULL;
	}
	c = nm_port_new_in(d->ctx);	/* @d's context, whatever the default is now */
	if (!c)
		return NULL;
	c->hdr = d->hdr;
	c->hdr.nr_body = (uintptr_t)&c->reg;
	c->hdr.nr_options = 0;
	c->reg = d->reg;
	return c;
}

int nmport_inject(struct nmport_d *d, const void *buf, size_t size)
{
	return nm_rings_inject(d->nifp, d->first_tx_ring, d->last_tx_ring, &d->cur_tx_ring, buf,
			       size);
}
