// SPDX-License-Identifier: BSD-2-Clause
/* portspec - port.open names parsed as netmap.ko will read them (see portspec.h). */
#include "portspec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <net/netmap.h>

#include "config.h"
#include "util.h"

static _printf_(3, 4) int bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool is_id_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Characters an interface name may not have, as the kernel and Linux see it. */
static const char *ifname_bad(const char *s, size_t n)
{
	if (n == 0)
		return "is empty";
	if (n >= NMD_IFNAMSIZ)
		return "is longer than 15 characters (IFNAMSIZ)";
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return "is not a valid interface name";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f || c == '/' || c == ':' || c == '{' || c == '}')
			return "has a character an interface name cannot have";
	}
	return NULL;
}

/* A name without '{' or '}': VALE or plain, as nm_vale_is_name()/nm_vale_split() decide. */
static int classify_port(const char *s, struct ps_name *n, char *why, size_t len)
{
	const char *colon, *w;
	size_t blen;

	memset(n, 0, sizeof(*n));
	if (strlen(s) >= sizeof(n->full))
		return bad(why, len, "is longer than %d characters", NMD_REQ_IFNAMSIZ - 1);
	snprintf(n->full, sizeof(n->full), "%s", s);
	if (strncmp(s, "vale", 4)) {
		/* Not VALE: the kernel looks for a registered port, then an interface. */
		n->kind = PS_PLAIN;
		w = ifname_bad(s, strlen(s));
		if (w)
			return bad(why, len, "interface name \"%s\" %s", s, w);
		snprintf(n->port, sizeof(n->port), "%s", s);
		return 0;
	}
	n->kind = PS_VALE;
	colon = strchr(s, ':');
	if (!colon)
		return bad(why, len, "starts with \"vale\" but has no ':' (a VALE port is valeB:PORT)");
	blen = (size_t)(colon - s);
	if (blen >= NMD_IFNAMSIZ)
		return bad(why, len, "switch name is longer than 15 characters");
	for (size_t i = 4; i < blen; i++)
		if (!is_id_char(s[i]))
			return bad(why, len, "switch name has a character outside [0-9a-zA-Z_]");
	w = ifname_bad(colon + 1, strlen(colon + 1));
	if (w)
		return bad(why, len, "VALE port name \"%s\" %s", colon + 1, w);
	memcpy(n->sw, s, blen);
	snprintf(n->port, sizeof(n->port), "%s", colon + 1);
	return 0;
}

int portspec_classify(const char *s, struct ps_name *n, char *why, size_t len)
{
	if (strpbrk(s, "{}"))
		return bad(why, len, "is a pipe name");
	return classify_port(s, n, why, len);
}

/* NAME: the kernel's lookup order (after the monitor and null cases): pipe, VALE, plain. */
static int parse_name(struct portspec *ps, const char *s, size_t n, char *why, size_t len)
{
	char name[NMD_REQ_IFNAMSIZ];
	char *sep;
	int r;

	if (n == 0)
		return bad(why, len, "has an empty port name");
	if (n >= sizeof(name))
		return bad(why, len, "port name is longer than %d characters", NMD_REQ_IFNAMSIZ - 1);
	memcpy(name, s, n);
	name[n] = '\0';
	sep = strrchr(name, '{');
	if (!sep)
		sep = strrchr(name, '}');
	if (!sep)
		return classify_port(name, &ps->name, why, len);

	/* A pipe end: the parent is looked up as a port of its own. */
	memset(&ps->name, 0, sizeof(ps->name));
	ps->name.kind = PS_PIPE;
	snprintf(ps->name.full, sizeof(ps->name.full), "%s", name);
	ps->slave = *sep == '}';
	if (!sep[1])
		return bad(why, len, "has no pipe id after '%c'", *sep);
	for (const char *c = sep + 1; *c; c++)
		if (!is_id_char(*c))
			return bad(why, len, "pipe id \"%s\" has a character outside [0-9a-zA-Z_]",
				   sep + 1);
	snprintf(ps->pipe_id, sizeof(ps->pipe_id), "%s", sep + 1);
	*sep = '\0';
	if (!name[0])
		return bad(why, len, "has a pipe without a parent");
	if (strpbrk(name, "{}"))
		return bad(why, len, "has a pipe of a pipe (the parent \"%s\" is a pipe name)", name);
	r = classify_port(name, &ps->parent, why, len);
	return r;
}

/* Decimal at *pp, at least one digit, at most @max. */
static bool parse_num(const char **pp, unsigned long max, unsigned long *out)
{
	const char *p = *pp;
	unsigned long v = 0;

	if (!is_digit(*p))
		return false;
	for (; is_digit(*p); p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return false;
	}
	*pp = p;
	*out = v;
	return true;
}

static int parse_rings(struct portspec *ps, const char **pp, char *why, size_t len)
{
	const char *p = *pp;
	unsigned long v;

	switch (*p) {
	case '-':
		p++;
		if (!parse_num(&p, 4094, &v))
			return bad(why, len, "'-' must be followed by a ring number 0..4094");
		ps->mode = NR_REG_ONE_NIC;
		ps->ringid = (uint16_t)v;
		break;
	case '*':
		p++;
		ps->mode = NR_REG_NIC_SW;
		break;
	case '^':
		p++;
		ps->mode = NR_REG_SW;
		if (is_digit(*p)) {
			if (!parse_num(&p, 4094, &v))
				return bad(why, len, "'^' must be followed by a host ring number 0..4094, or nothing");
			ps->mode = NR_REG_ONE_SW;
			ps->ringid = (uint16_t)v;
		}
		break;
	default:
		return 0;
	}
	ps->ringspec = true;
	*pp = p;
	return 0;
}

static int parse_flags(struct portspec *ps, const char **pp, char *why, size_t len)
{
	static const struct {
		char c;
		uint64_t flag;
	} tab[] = {
		{ 'x', NR_EXCLUSIVE },	    { 'z', NR_ZCOPY_MON },	{ 't', NR_MONITOR_TX },
		{ 'r', NR_MONITOR_RX },	    { 'R', NR_RX_RINGS_ONLY }, { 'T', NR_TX_RINGS_ONLY },
	};
	const char *p = *pp;

	if (*p != '/')
		return 0;
	p++;
	if (!*p || *p == '@')
		return bad(why, len, "has nothing after '/' (flags are x z t r R T)");
	for (; *p && *p != '@'; p++) {
		size_t i;

		for (i = 0; i < ELEMENTSOF(tab) && tab[i].c != *p; i++)
			;
		if (i == ELEMENTSOF(tab))
			return bad(why, len, "has an unknown flag '%c' after '/' (flags are x z t r R T)",
				   *p);
		ps->flags |= tab[i].flag;
	}
	*pp = p;
	return 0;
}

/* One KEY=VALUE of @conf:, "-" in keys read as "_". */
static int conf_kv(struct portspec *ps, const char *k, size_t klen, unsigned long v, char *why,
		   size_t len)
{
	static const struct {
		const char *key;
		int a, b; /* enum ps_conf, -1 for none */
	} keys[] = {
		{ "rings", PS_CONF_TX_RINGS, PS_CONF_RX_RINGS },
		{ "tx_rings", PS_CONF_TX_RINGS, -1 },
		{ "rx_rings", PS_CONF_RX_RINGS, -1 },
		{ "host_rings", PS_CONF_HOST_TX_RINGS, PS_CONF_HOST_RX_RINGS },
		{ "host_tx_rings", PS_CONF_HOST_TX_RINGS, -1 },
		{ "host_rx_rings", PS_CONF_HOST_RX_RINGS, -1 },
		{ "slots", PS_CONF_TX_SLOTS, PS_CONF_RX_SLOTS },
		{ "tx_slots", PS_CONF_TX_SLOTS, -1 },
		{ "rx_slots", PS_CONF_RX_SLOTS, -1 },
	};
	char key[32];

	if (!klen || klen >= sizeof(key))
		return bad(why, len, "has an empty or overlong @conf: key");
	for (size_t i = 0; i < klen; i++)
		key[i] = k[i] == '-' ? '_' : k[i];
	key[klen] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		int idx[2] = { keys[i].a, keys[i].b };

		if (!streq(keys[i].key, key))
			continue;
		if (keys[i].a < PS_CONF_TX_SLOTS && v > 0xffff)
			return bad(why, len, "@conf: %s is larger than 65535", key);
		for (int j = 0; j < 2; j++) {
			if (idx[j] < 0)
				continue;
			if (ps->conf_set[idx[j]])
				return bad(why, len, "@conf: sets %s twice", key);
			ps->conf_set[idx[j]] = true;
			ps->conf[idx[j]] = (uint32_t)v;
		}
		return 0;
	}
	return bad(why, len, "has an unknown @conf: key \"%s\"", key);
}

/* "@conf:k=v,k=v" up to the next '@' or the end; *pp is after "@conf:". */
static int parse_conf(struct portspec *ps, const char **pp, char *why, size_t len)
{
	const char *p = *pp;

	for (;;) {
		const char *k = p, *eq;
		unsigned long v;
		int r;

		eq = p + strcspn(p, "=,@");
		if (*eq != '=')
			return bad(why, len, "@conf: wants KEY=NUMBER[,KEY=NUMBER...]");
		p = eq + 1;
		if (!parse_num(&p, 0xffffffffUL, &v))
			return bad(why, len, "@conf: %.*s= wants a number", (int)(eq - k), k);
		r = conf_kv(ps, k, (size_t)(eq - k), v, why, len);
		if (r)
			return r;
		if (*p != ',')
			break;
		p++;
	}
	*pp = p;
	return 0;
}

static int parse_at(struct portspec *ps, const char **pp, char *why, size_t len)
{
	const char *p = *pp;
	unsigned long v;
	int r;

	while (*p == '@') {
		p++;
		if (is_digit(*p)) {
			if (!parse_num(&p, 0xffff, &v) || v == 0)
				return bad(why, len, "@N wants a memory region 1..65535");
			if (ps->mem_id && ps->mem_id != v)
				return bad(why, len, "names two memory regions (@%u and @%lu)",
					   (unsigned)ps->mem_id, v);
			ps->mem_id = (uint16_t)v;
		} else if (!strncmp(p, "conf:", 5)) {
			p += 5;
			r = parse_conf(ps, &p, why, len);
			if (r)
				return r;
		} else if (!*p) {
			return bad(why, len, "ends with '@'");
		} else {
			return bad(why, len,
				   "has an option netmapd does not take (only @N and @conf:; @extmem:, @share= and @offset: are not available through netmapd)");
		}
	}
	*pp = p;
	return 0;
}

int portspec_parse(const char *s, struct portspec *ps, char *why, size_t len)
{
	const char *p = s, *end;
	int r;

	memset(ps, 0, sizeof(*ps));
	ps->mode = NR_REG_ALL_NIC;
	if (!s || !*s)
		return bad(why, len, "is empty");
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return bad(why, len, "has a space or a control character");
	if (!strncmp(p, "netmap:", 7))
		p += 7;
	end = p + strcspn(p, "-*^/@");
	/* libnetmap: a VALE name keeps its own prefix ("netmap:vale0:a" is refused). */
	if (p != s && memchr(p, ':', (size_t)(end - p)))
		return bad(why, len, "has a ':' after \"netmap:\" (VALE ports are named valeB:PORT, without netmap:)");
	r = parse_name(ps, p, (size_t)(end - p), why, len);
	if (r)
		return r;
	p = end;
	r = parse_rings(ps, &p, why, len);
	if (!r)
		r = parse_flags(ps, &p, why, len);
	if (!r)
		r = parse_at(ps, &p, why, len);
	if (r)
		return r;
	if (*p)
		return bad(why, len, "has \"%s\" after the port name that netmap's grammar does not allow there (rings - * ^, then /flags, then @options)",
			   p);
	return 0;
}

int portspec_merge(struct portspec *ps, bool mode_given, uint32_t mode, bool ring_given,
		   uint16_t ring, uint64_t flags, char *why, size_t len)
{
	/* "mode": "all" is every client's default: the name's rings win over it. */
	if (mode_given && mode == NR_REG_ALL_NIC && !ring_given)
		mode_given = false;
	if (ps->ringspec && ((mode_given && mode != ps->mode) || (ring_given && ring != ps->ringid)))
		return bad(why, len, "gives the rings in the name and differently in \"mode\"/\"ring\"");
	if (!ps->ringspec) {
		if (mode_given)
			ps->mode = mode;
		if (ring_given)
			ps->ringid = ring;
	}
	if (ps->mode != NR_REG_ONE_NIC && ps->mode != NR_REG_ONE_SW && ps->ringid)
		return bad(why, len, "gives a ring number without mode one or one_sw");
	ps->flags |= flags;
	return 0;
}

bool portspec_host(const struct portspec *ps)
{
	return ps->mode == NR_REG_SW || ps->mode == NR_REG_NIC_SW || ps->mode == NR_REG_ONE_SW;
}

unsigned portspec_monitor(const struct portspec *ps)
{
	unsigned m = 0;

	if (ps->flags & NR_MONITOR_RX)
		m |= NMD_MONITOR_RX;
	if (ps->flags & NR_MONITOR_TX)
		m |= NMD_MONITOR_TX;
	if (ps->flags & NR_ZCOPY_MON)
		m |= NMD_MONITOR_ZCOPY;
	return m;
}
