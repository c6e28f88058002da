// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmport.c - open a netmap port by name (see nmport.h for the grammar).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nmport.h"

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -e;
}

static bool is_ident(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* Decimal number at *pp (at least one digit), at most @max. */
static bool parse_num(const char **pp, unsigned long max, unsigned long *out)
{
	const char *p = *pp;
	unsigned long v = 0;

	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return false;
		p++;
	}
	*pp = p;
	*out = v;
	return true;
}

/* Check the NAME part: pipes, VALE prefix, allowed characters. */
static int check_name(const char *name, bool had_prefix, char *err, size_t errlen)
{
	const char *pipe = strrchr(name, '{');
	const char *colon = strchr(name, ':');
	size_t i, n = strlen(name);

	if (!pipe)
		pipe = strrchr(name, '}');
	if (pipe) {
		if (pipe == name)
			return fail(err, errlen, EINVAL, "%s: pipe without a parent name", name);
		if (!is_ident(pipe + 1, strlen(pipe + 1)))
			return fail(err, errlen, EINVAL,
				    "%s: pipe id must be [A-Za-z0-9_]+", name);
		n = (size_t)(pipe - name);	/* check the parent below */
	}
	if (colon) {
		/* "valeB:port": B is [A-Za-z0-9_]*, one colon, non-empty port. */
		if (had_prefix || strncmp(name, "vale", 4) != 0)
			return fail(err, errlen, EINVAL,
				    "%s: ':' only in VALE names (valeB:port, no netmap: prefix)", name);
		if (colon > name + 4 && !is_ident(name + 4, (size_t)(colon - name - 4)))
			return fail(err, errlen, EINVAL, "%s: bad VALE switch name", name);
		if (strchr(colon + 1, ':') || colon[1] == '\0' ||
		    (pipe && pipe == colon + 1))
			return fail(err, errlen, EINVAL, "%s: bad VALE port name", name);
	}
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!isalnum((unsigned char)c) && c != '_' && c != '.' && c != ':' &&
		    c != '{' && c != '}')
			return fail(err, errlen, EINVAL, "%s: bad character '%c' in port name",
				    name, c);
	}
	return 0;
}

/* One KEY=VAL of @conf:. Keys may use - or _. */
static int conf_kv(struct nmport_spec *s, const char *k, size_t klen, unsigned long v)
{
	static const char *const keys[] = {
		"rings", "tx_rings", "rx_rings", "host_rings", "host_tx_rings",
		"host_rx_rings", "slots", "tx_slots", "rx_slots",
	};
	char key[32];
	size_t i;

	if (klen == 0 || klen >= sizeof(key))
		return -EINVAL;
	for (i = 0; i < klen; i++)
		key[i] = k[i] == '-' ? '_' : k[i];
	key[klen] = '\0';
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			break;
	if (i < 6 && v > 0xffff)
		return -EINVAL;
	switch (i) {
	case 0: s->tx_rings = s->rx_rings = (uint16_t)v; break;
	case 1: s->tx_rings = (uint16_t)v; break;
	case 2: s->rx_rings = (uint16_t)v; break;
	case 3: s->host_tx_rings = s->host_rx_rings = (uint16_t)v; break;
	case 4: s->host_tx_rings = (uint16_t)v; break;
	case 5: s->host_rx_rings = (uint16_t)v; break;
	case 6: s->tx_slots = s->rx_slots = (uint32_t)v; break;
	case 7: s->tx_slots = (uint32_t)v; break;
	case 8: s->rx_slots = (uint32_t)v; break;
	default: return -EINVAL;
	}
	return 0;
}

int nmport_parse(const char *name, struct nmport_spec *s, char *err, size_t errlen)
{
	const char *p = name, *end;
	bool had_prefix = false;
	unsigned long v;
	size_t n;
	int r;

	memset(s, 0, sizeof(*s));
	s->mode = NR_REG_ALL_NIC;
	if (!name || !*name)
		return fail(err, errlen, EINVAL, "empty port name");
	if (!strncmp(name, "env:", 4)) {
		if (!name[4] || strlen(name + 4) >= sizeof(s->env_label))
			return fail(err, errlen, EINVAL, "%s: bad label", name);
		snprintf(s->env_label, sizeof(s->env_label), "%s", name + 4);
		snprintf(s->nr_name, sizeof(s->nr_name), "%s", name + 4);
		return 0;
	}
	if (!strncmp(p, "netmap:", 7)) {
		p += 7;
		had_prefix = true;
	}
	end = p + strcspn(p, "-*^/@");
	n = (size_t)(end - p);
	if (n == 0)
		return fail(err, errlen, EINVAL, "%s: empty port name", name);
	if (n >= sizeof(s->nr_name))
		return fail(err, errlen, EINVAL, "%s: port name too long", name);
	memcpy(s->nr_name, p, n);
	s->nr_name[n] = '\0';
	r = check_name(s->nr_name, had_prefix, err, errlen);
	if (r)
		return r;
	p = end;

	/* Rings. */
	if (*p == '-') {
		p++;
		if (!parse_num(&p, 4094, &v))
			return fail(err, errlen, EINVAL, "%s: '-' needs a ring number (0..4094)", name);
		s->mode = NR_REG_ONE_NIC;
		s->ringid = (uint16_t)v;
		s->has_ringspec = true;
	} else if (*p == '*') {
		p++;
		s->mode = NR_REG_NIC_SW;
		s->has_ringspec = true;
	} else if (*p == '^') {
		p++;
		s->mode = NR_REG_SW;
		if (isdigit((unsigned char)*p)) {
			if (!parse_num(&p, 4094, &v))
				return fail(err, errlen, EINVAL, "%s: bad host ring number", name);
			s->mode = NR_REG_ONE_SW;
			s->ringid = (uint16_t)v;
		}
		s->has_ringspec = true;
	}

	/* Flags. */
	if (*p == '/') {
		p++;
		if (*p == '\0' || *p == '@')
			return fail(err, errlen, EINVAL, "%s: '/' without flags", name);
		for (; *p && *p != '@'; p++) {
			switch (*p) {
			case 'x': s->flags |= NR_EXCLUSIVE; break;
			case 'z': s->flags |= NR_ZCOPY_MON; break;
			case 't': s->flags |= NR_MONITOR_TX; break;
			case 'r': s->flags |= NR_MONITOR_RX; break;
			case 'R': s->flags |= NR_RX_RINGS_ONLY; break;
			case 'T': s->flags |= NR_TX_RINGS_ONLY; break;
			default:
				return fail(err, errlen, EINVAL, "%s: unknown flag '%c'", name, *p);
			}
		}
	}

	/* @MEMID and @conf:... */
	while (*p == '@') {
		p++;
		if (isdigit((unsigned char)*p)) {
			if (!parse_num(&p, 0xffff, &v) || v == 0)
				return fail(err, errlen, EINVAL, "%s: bad mem_id", name);
			if (s->mem_id && s->mem_id != v)
				return fail(err, errlen, EINVAL, "%s: two different mem_ids", name);
			s->mem_id = (uint16_t)v;
		} else if (!strncmp(p, "conf:", 5)) {
			p += 5;
			do {
				const char *k = p, *eq = p + strcspn(p, "=,@");

				if (*eq != '=')
					return fail(err, errlen, EINVAL, "%s: @conf: wants key=value", name);
				p = eq + 1;
				if (!parse_num(&p, 0xffffffffUL, &v) ||
				    conf_kv(s, k, (size_t)(eq - k), v))
					return fail(err, errlen, EINVAL, "%s: bad @conf: entry '%.*s'",
						    name, (int)(eq - k), k);
			} while (*p == ',' && *++p);
		} else {
			return fail(err, errlen, EINVAL, "%s: unknown option '@%s'", name, p);
		}
	}
	if (*p)
		return fail(err, errlen, EINVAL, "%s: unexpected '%s'", name, p);
	return 0;
}

int nmport_from_fd(struct nmport *p, int fd, const char *name, const struct nmreq_register *reg,
		   void *mem, bool take_fd, char *err, size_t errlen)
{
	struct netmap_if *nifp;
	unsigned int i, ntx, nrx;
	int first, last;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (reg->nr_memsize == 0 || reg->nr_offset + sizeof(struct netmap_if) > reg->nr_memsize)
		return fail(err, errlen, EINVAL, "%s: bad registration (offset %llu, memsize %llu)",
			    name ? name : "port", (unsigned long long)reg->nr_offset,
			    (unsigned long long)reg->nr_memsize);
	if (!mem) {
		mem = mmap(NULL, reg->nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (mem == MAP_FAILED)
			return fail(err, errlen, errno, "%s: mmap of %llu bytes: %s",
				    name ? name : "port", (unsigned long long)reg->nr_memsize,
				    strerror(errno));
		p->own_mem = true;
	}
	nifp = NETMAP_IF(mem, reg->nr_offset);
	p->fd = fd;
	p->own_fd = take_fd;
	p->reg = *reg;
	p->mem = mem;
	p->nifp = nifp;
	snprintf(p->name, sizeof(p->name), "%s", name ? name : nifp->ni_name);

	/* The bound rings are those with a non-zero ring_ofs (as libnetmap). */
	ntx = nifp->ni_tx_rings + nifp->ni_host_tx_rings;
	nrx = nifp->ni_rx_rings + nifp->ni_host_rx_rings;
	first = last = -1;
	for (i = 0; i < ntx; i++) {
		if (nifp->ring_ofs[i]) {
			if (first < 0)
				first = (int)i;
			last = (int)i;
		}
	}
	p->first_tx = first < 0 ? 0 : (uint16_t)first;
	p->last_tx = first < 0 ? 0 : (uint16_t)(last + 1);
	first = last = -1;
	for (i = 0; i < nrx; i++) {
		if (nifp->ring_ofs[ntx + i]) {
			if (first < 0)
				first = (int)i;
			last = (int)i;
		}
	}
	p->first_rx = first < 0 ? 0 : (uint16_t)first;
	p->last_rx = first < 0 ? 0 : (uint16_t)(last + 1);
	return 0;
}

int nmport_open_spec(struct nmport *p, const struct nmport_spec *s, char *err, size_t errlen)
{
	struct nmreq_register reg;
	struct nmreq_header h;
	int fd, r;

	if (s->env_label[0])
		return nmport_from_env(p, s->env_label, err, errlen);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	fd = open(NETMAP_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, errno, "open %s: %s", NETMAP_DEVICE_NAME, strerror(errno));
	memset(&h, 0, sizeof(h));
	memset(&reg, 0, sizeof(reg));
	h.nr_version = NETMAP_API;
	h.nr_reqtype = NETMAP_REQ_REGISTER;
	memcpy(h.nr_name, s->nr_name, sizeof(h.nr_name));
	h.nr_body = (uintptr_t)&reg;
	reg.nr_mode = s->mode;
	reg.nr_ringid = s->ringid;
	reg.nr_flags = s->flags;
	reg.nr_mem_id = s->mem_id;
	reg.nr_tx_slots = s->tx_slots;
	reg.nr_rx_slots = s->rx_slots;
	reg.nr_tx_rings = s->tx_rings;
	reg.nr_rx_rings = s->rx_rings;
	reg.nr_host_tx_rings = s->host_tx_rings;
	reg.nr_host_rx_rings = s->host_rx_rings;
	if (ioctl(fd, NIOCCTRL, &h) < 0) {
		r = errno;
		close(fd);
		return fail(err, errlen, r, "%s: REGISTER: %s", s->nr_name, strerror(r));
	}
	r = nmport_from_fd(p, fd, s->nr_name, &reg, NULL, true, err, errlen);
	if (r) {
		close(fd);
		p->fd = -1;
	}
	return r;
}

int nmport_open(struct nmport *p, const char *name, char *err, size_t errlen)
{
	struct nmport_spec s;
	int r;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	r = nmport_parse(name, &s, err, errlen);
	if (r)
		return r;
	return nmport_open_spec(p, &s, err, errlen);
}

void nmport_close(struct nmport *p)
{
	if (p->own_mem && p->mem)
		munmap(p->mem, p->reg.nr_memsize);
	if (p->own_fd && p->fd >= 0)
		close(p->fd);
	p->mem = NULL;
	p->nifp = NULL;
	p->fd = -1;
}

int nmport_vale_stats(const char *nr_name, struct nmreq_opt_port_stats *st)
{
	struct nmreq_port_info_get pi;
	struct nmreq_header h;
	int fd, r = 0;

	memset(st, 0, sizeof(*st));
	memset(&pi, 0, sizeof(pi));
	memset(&h, 0, sizeof(h));
	st->nro_opt.nro_reqtype = NETMAP_REQ_OPT_PORT_STATS;
	h.nr_version = NETMAP_API;
	h.nr_reqtype = NETMAP_REQ_PORT_INFO_GET;
	snprintf(h.nr_name, sizeof(h.nr_name), "%s", nr_name);
	h.nr_body = (uintptr_t)&pi;
	h.nr_options = (uintptr_t)st;
	fd = open(NETMAP_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, NIOCCTRL, &h) < 0)
		r = -errno;
	else if (st->nro_opt.nro_status)
		r = -(int)st->nro_opt.nro_status;
	close(fd);
	return r;
}
