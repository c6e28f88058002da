// SPDX-License-Identifier: BSD-2-Clause
/*
 * nmreq - request helpers: the port name grammar (the one parser of port
 * names on the client side: libnetmap, and through it the traffic tools and
 * the matching of ports netmapd handed over), the option list of a request,
 * and PORT_INFO_GET for a mem_id.
 *
 *   portspec := prefix name [ringspec] [/flags] [@memid] {@option}
 *   prefix   := "netmap:" (dropped) | "vale" [A-Za-z0-9_]* ":" (kept)
 *   name     := [A-Za-z0-9_.]+ [ ("{" | "}") [A-Za-z0-9_]+ ]
 *   ringspec := ^ | ^N | * | -N          (0 <= N < 4095)
 *   flags    := [xztrRT]+
 *   memid    := N > 0
 *   option   := name ( "=" value | ":" key=value {"," key=value} )
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libnetmap.h"
#include "libnetmap-internal.h"

#define NM_RING_MAX 4095	/* ring numbers are below this (12 bits, all ones reserved) */

static bool is_ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* @n characters of @s, all [A-Za-z0-9_] (plus '.' if @dot); n > 0 unless @empty_ok. */
static bool is_ident(const char *s, size_t n, bool dot, bool empty_ok)
{
	if (n == 0)
		return empty_ok;
	for (size_t i = 0; i < n; i++)
		if (!is_ident_char(s[i]) && !(dot && s[i] == '.'))
			return false;
	return true;
}

/* Check "port" or "port{id" / "port}id" of @len bytes; @dot allows '.' in port. */
static int check_port_part(const char *s, size_t len, bool dot, char *why, size_t whylen)
{
	size_t plen = strcspn(s, "{}");

	if (plen > len)
		plen = len;
	if (plen == 0) {
		snprintf(why, whylen, "empty port name");
		return -1;
	}
	if (!is_ident(s, plen, dot, false)) {
		snprintf(why, whylen, "bad character in port name (want [A-Za-z0-9_%s])",
			 dot ? "." : "");
		return -1;
	}
	if (plen < len && !is_ident(s + plen + 1, len - plen - 1, false, false)) {
		snprintf(why, whylen, "the pipe id after '%c' must be [A-Za-z0-9_]+", s[plen]);
		return -1;
	}
	return 0;
}

int nm_name_decode(const char **pspec, char *name, char *why, size_t whylen)
{
	const char *spec = *pspec, *p, *end;
	size_t keep = 0, n;

	if (!strncmp(spec, "netmap:", 7)) {
		p = spec + 7;
	} else if (!strncmp(spec, "vale", 4)) {
		const char *colon = strchr(spec, ':');

		if (!colon || !is_ident(spec + 4, (size_t)(colon - spec - 4), false, true)) {
			snprintf(why, whylen, "a VALE port is valeB:PORT, B of [A-Za-z0-9_]");
			goto err;
		}
		keep = (size_t)(colon + 1 - spec);
		p = colon + 1;
	} else {
		snprintf(why, whylen, "unknown prefix (want netmap: or valeB:)");
		goto err;
	}
	end = p + strcspn(p, "-*^/@");
	n = (size_t)(end - p);
	if (memchr(p, ':', n)) {
		snprintf(why, whylen, "a second ':' in the name");
		goto err;
	}
	if (check_port_part(p, n, keep == 0, why, whylen) < 0)
		goto err;
	if (keep + n >= NETMAP_REQ_IFNAMSIZ) {
		snprintf(why, whylen, "name too long (at most %d bytes)", NETMAP_REQ_IFNAMSIZ - 1);
		goto err;
	}
	memcpy(name, spec, keep);
	memcpy(name + keep, p, n);
	name[keep + n] = '\0';
	*pspec = end;
	return 0;
err:
	errno = EINVAL;
	return -1;
}

void nmreq_header_init(struct nmreq_header *h, uint16_t reqtype, void *body)
{
	memset(h, 0, sizeof(*h));
	h->nr_version = NETMAP_API;
	h->nr_reqtype = reqtype;
	h->nr_body = (uintptr_t)body;
}

int nmreq_header_decode(const char **pspec, struct nmreq_header *h, struct nmctx *ctx)
{
	char name[NETMAP_REQ_IFNAMSIZ], why[128];
	const char *spec = *pspec;

	if (nm_name_decode(&spec, name, why, sizeof(why)) < 0) {
		nmctx_ferror(ctx, "%s: %s", *pspec, why);
		errno = EINVAL;
		return -1;
	}
	memcpy(h->nr_name, name, sizeof(h->nr_name));
	*pspec = spec;
	return 0;
}

/* A decimal at *pp (at least one digit) below @limit; advances *pp. */
static bool parse_num(const char **pp, unsigned long limit, unsigned long *v)
{
	const char *p = *pp;
	unsigned long n = 0;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (unsigned long)(*p - '0');
		if (n >= limit)
			return false;
	}
	*pp = p;
	*v = n;
	return true;
}

/* The ring suffix at *pp into @r. 0, or -1 with @why. */
static int decode_rings(const char **pp, struct nmreq_register *r, char *why, size_t whylen)
{
	const char *p = *pp;
	unsigned long n;

	r->nr_mode = NR_REG_ALL_NIC;
	r->nr_ringid = 0;
	if (*p == '*') {
		r->nr_mode = NR_REG_NIC_SW;
		p++;
	} else if (*p == '^') {
		r->nr_mode = NR_REG_SW;
		p++;
		if (isdigit((unsigned char)*p)) {
			if (!parse_num(&p, NM_RING_MAX, &n))
				goto bad_ring;
			r->nr_mode = NR_REG_ONE_SW;
			r->nr_ringid = (uint16_t)n;
		}
	} else if (*p == '-') {
		p++;
		if (!parse_num(&p, NM_RING_MAX, &n))
			goto bad_ring;
		r->nr_mode = NR_REG_ONE_NIC;
		r->nr_ringid = (uint16_t)n;
	}
	*pp = p;
	return 0;
bad_ring:
	snprintf(why, whylen, "a ring number 0..%d must follow '%c'", NM_RING_MAX - 1, (*pp)[0]);
	return -1;
}

/* "/flags" at *pp (after the '/'), up to '@' or the end. */
static int decode_flags(const char **pp, uint64_t *flags, char *why, size_t whylen)
{
	const char *p = *pp;

	if (*p == '\0' || *p == '@') {
		snprintf(why, whylen, "'/' without flags");
		return -1;
	}
	for (; *p && *p != '@'; p++) {
		switch (*p) {
		case 'x': *flags |= NR_EXCLUSIVE; break;
		case 'z': *flags |= NR_ZCOPY_MON; break;
		case 't': *flags |= NR_MONITOR_TX; break;
		case 'r': *flags |= NR_MONITOR_RX; break;
		case 'R': *flags |= NR_RX_RINGS_ONLY; break;
		case 'T': *flags |= NR_TX_RINGS_ONLY; break;
		default:
			snprintf(why, whylen, "unknown flag '%c' (want x z t r R T)", *p);
			return -1;
		}
	}
	*pp = p;
	return 0;
}

int nmreq_register_decode(const char **pmode, struct nmreq_register *r, struct nmctx *ctx)
{
	struct nmreq_register t = *r;
	const char *p = *pmode;
	unsigned long n;
	char why[96];

	t.nr_flags = 0;
	if (decode_rings(&p, &t, why, sizeof(why)) < 0)
		goto err;
	for (;;) {
		if (*p == '/') {
			p++;
			if (decode_flags(&p, &t.nr_flags, why, sizeof(why)) < 0)
				goto err;
		} else if (*p == '@' && isdigit((unsigned char)p[1])) {
			p++;
			if (!parse_num(&p, 65536, &n) || n == 0) {
				snprintf(why, sizeof(why), "bad mem_id (want 1..65535)");
				goto err;
			}
			if (t.nr_mem_id && t.nr_mem_id != n) {
				snprintf(why, sizeof(why), "mem_id %lu conflicts with %u", n,
					 t.nr_mem_id);
				goto err;
			}
			t.nr_mem_id = (uint16_t)n;
		} else if (*p == '@' && p[1] == '\0') {
			snprintf(why, sizeof(why), "'@' at the end");
			goto err;
		} else if (*p == '@' || *p == '\0') {
			break;	/* options, or the end */
		} else {
			snprintf(why, sizeof(why), "unexpected '%c'", *p);
			goto err;
		}
	}
	*r = t;
	*pmode = p;
	return 0;
err:
	nmctx_ferror(ctx, "%s: %s", *pmode, why);
	errno = EINVAL;
	return -1;
}

/* Key @k (@n bytes, '-' read as '_') in @prs, or -1. */
static int find_key(const struct nmreq_opt_parser *prs, const char *k, size_t n)
{
	for (int i = 0; i < prs->nr_keys; i++) {
		const char *key = prs->keys[i].key;
		size_t j;

		for (j = 0; j < n && key[j]; j++)
			if ((k[j] == '-' ? '_' : k[j]) != (key[j] == '-' ? '_' : key[j]))
				break;
		if (j == n && key[j] == '\0')
			return i;
	}
	return -1;
}

/* Fill pctx->keys from "k=v,k=v" (@body is modified). 0 or -1 with @why. */
static int parse_keys(struct nmreq_opt_parser *prs, char *body, struct nmreq_parse_ctx *pctx,
		      char *why, size_t whylen)
{
	char *save = NULL, *kv;

	for (kv = strtok_r(body, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		int i = find_key(prs, kv, eq ? (size_t)(eq - kv) : strlen(kv));

		if (i < 0) {
			snprintf(why, whylen, "unknown key '%.*s'",
				 (int)(eq ? (size_t)(eq - kv) : strlen(kv)), kv);
			return -1;
		}
		if (!eq || (!eq[1] && !(prs->keys[i].flags & NMREQ_OPTK_ALLOWEMPTY))) {
			snprintf(why, whylen, "key '%s' needs =value", prs->keys[i].key);
			return -1;
		}
		if (pctx->keys[prs->keys[i].id]) {
			snprintf(why, whylen, "key '%s' given twice", prs->keys[i].key);
			return -1;
		}
		pctx->keys[prs->keys[i].id] = eq + 1;
	}
	return 0;
}

/* One option "name[=v|:k=v,...]" (@o is modified). 0, or -1 with errno. */
static int decode_one(char *o, struct nmreq_opt_parser *parsers, void *token, struct nmctx *ctx,
		      const char *whole)
{
	struct nmreq_parse_ctx pctx = { .ctx = ctx, .token = token };
	struct nmreq_opt_parser *prs;
	size_t nlen = strcspn(o, ":=");
	char *body = o[nlen] ? o + nlen + 1 : NULL;
	char why[96];
	int i;

	for (prs = parsers; prs; prs = prs->next)
		if (strlen(prs->prefix) == nlen && !strncmp(prs->prefix, o, nlen))
			break;
	if (!prs) {
		snprintf(why, sizeof(why), "unknown option '%.*s'", (int)nlen, o);
		goto einval;
	}
	if (prs->flags & NMREQ_OPTF_DISABLED) {
		nmctx_ferror(ctx, "%s: option '%s' is disabled", whole, prs->prefix);
		errno = EOPNOTSUPP;
		return -1;
	}
	if (!body || (!*body && !(prs->flags & NMREQ_OPTF_ALLOWEMPTY))) {
		if (!body && (prs->flags & NMREQ_OPTF_ALLOWEMPTY))
			goto parse;
		snprintf(why, sizeof(why), "option '%s': missing body", prs->prefix);
		goto einval;
	}
	if (o[nlen] == '=') {
		if (prs->default_key < 0) {
			snprintf(why, sizeof(why), "option '%s' has no default key", prs->prefix);
			goto einval;
		}
		pctx.keys[prs->keys[prs->default_key].id] = body;
	} else if (parse_keys(prs, body, &pctx, why, sizeof(why)) < 0) {
		goto einval;
	}
	for (i = 0; i < prs->nr_keys; i++) {
		if ((prs->keys[i].flags & NMREQ_OPTK_MUSTSET) && !pctx.keys[prs->keys[i].id]) {
			snprintf(why, sizeof(why), "option '%s': key '%s' is required", prs->prefix,
				 prs->keys[i].key);
			goto einval;
		}
	}
parse:
	return prs->parse(&pctx) < 0 ? -1 : 0;
einval:
	nmctx_ferror(ctx, "%s: %s", whole, why);
	errno = EINVAL;
	return -1;
}

int nmreq_options_decode(const char *opt, struct nmreq_opt_parser *parsers, void *token,
			 struct nmctx *ctx)
{
	char *copy, *o, *next;
	int r = 0;

	if (!opt || !*opt)
		return 0;
	if (*opt != '@') {
		nmctx_ferror(ctx, "%s: options must start with '@'", opt);
		errno = EINVAL;
		return -1;
	}
	copy = strdup(opt + 1);
	if (!copy) {
		nmctx_ferror(ctx, "%s: out of memory", opt);
		errno = ENOMEM;
		return -1;
	}
	for (o = copy; o && r == 0; o = next) {
		next = strchr(o, '@');
		if (next)
			*next++ = '\0';
		if (!*o) {
			nmctx_ferror(ctx, "%s: empty option", opt);
			errno = EINVAL;
			r = -1;
			break;
		}
		r = decode_one(o, parsers, token, ctx, opt);
	}
	free(copy);
	return r;
}

int32_t nmreq_get_mem_id(const char **portname, struct nmctx *ctx)
{
	struct nmreq_port_info_get pi;
	struct nmreq_header h;
	const char *p = *portname;
	int fd, e;

	nmreq_header_init(&h, NETMAP_REQ_PORT_INFO_GET, &pi);
	memset(&pi, 0, sizeof(pi));
	if (nmreq_header_decode(&p, &h, ctx) < 0)
		return -1;
	fd = open(NETMAP_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		nmctx_ferror(ctx, "%s: open %s: %s", *portname, NETMAP_DEVICE_NAME, strerror(e));
		errno = e;
		return -1;
	}
	if (ioctl(fd, NIOCCTRL, &h) < 0) {
		e = errno;
		close(fd);
		nmctx_ferror(ctx, "%s: PORT_INFO_GET: %s", h.nr_name, strerror(e));
		errno = e;
		return -1;
	}
	close(fd);
	*portname = p;
	return pi.nr_mem_id;
}

void nmreq_push_option(struct nmreq_header *h, struct nmreq_option *o)
{
	o->nro_next = h->nr_options;
	h->nr_options = (uintptr_t)o;
}

void nmreq_remove_option(struct nmreq_header *h, struct nmreq_option *o)
{
	uint64_t *link = &h->nr_options;

	while (*link) {
		struct nmreq_option *cur = (struct nmreq_option *)(uintptr_t)*link;

		if (cur == o) {
			*link = o->nro_next;
			o->nro_next = 0;
			return;
		}
		link = &cur->nro_next;
	}
}

struct nmreq_option *nmreq_find_option(struct nmreq_header *h, uint32_t type)
{
	struct nmreq_option *o;

	nmreq_foreach_option(h, o)
		if (o->nro_reqtype == type)
			return o;
	return NULL;
}

void nmreq_free_options(struct nmreq_header *h)
{
	struct nmreq_option *o = (struct nmreq_option *)(uintptr_t)h->nr_options, *next;

	for (; o; o = next) {
		next = (struct nmreq_option *)(uintptr_t)o->nro_next;
		free(o);
	}
	h->nr_options = 0;
}

const char *nmreq_option_name(uint32_t type)
{
	switch (type) {
	case NETMAP_REQ_OPT_EXTMEM: return "extmem";
	case NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS: return "sync-kloop-eventfds";
	case NETMAP_REQ_OPT_CSB: return "csb";
	case NETMAP_REQ_OPT_SYNC_KLOOP_MODE: return "sync-kloop-mode";
	case NETMAP_REQ_OPT_OFFSETS: return "offsets";
	default: return "unknown";
	}
}
