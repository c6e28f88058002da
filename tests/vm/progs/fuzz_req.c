// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_req - what nm_fuzz puts in requests: port names (pipe and VALE
 * grammar fragments), the VALE objects it must undo at exit, request bodies,
 * option chains, and the NIOCCTRL call with its checks of what the kernel
 * gives back.
 */
#include "nm_fuzz.h"

bool is_ident(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

/* The split the kernel makes: last '{', else last '}'. */
const char *pipe_sep(const char *name)
{
	const char *s = strrchr(name, '{');

	return s ? s : strrchr(name, '}');
}

/* parent [A-Za-z0-9_]+, one separator, id [A-Za-z0-9_]+ */
bool well_formed_pipe(const char *name)
{
	const char *s = pipe_sep(name);

	return s && is_ident(name, (size_t)(s - name)) && is_ident(s + 1, strlen(s + 1));
}

bool pipe_peer(const char *name, char *peer)
{
	const char *s = pipe_sep(name);

	if (!s)
		return false;
	strcpy(peer, name);
	peer[s - name] = *s == '{' ? '}' : '{';
	return true;
}

bool is_child_name(const char *name)
{
	return name[0] == 'k' && (name[1] == '{' || name[1] == '}');
}

void rnd_ident(char *out, size_t len)
{
	static const char set[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	size_t i;

	for (i = 0; i < len; i++)
		out[i] = set[rnd(sizeof(set) - 1)];
	out[len] = 0;
}

void gen_pipe_name(char *out, size_t sz)
{
	char parent[24], id[12];
	char sep = chance(50) ? '{' : '}';

	if (chance(3))
		rnd_ident(parent, 1 + rnd(12));
	else
		strcpy(parent, parents[rnd(4)]);
	if (chance(85))
		snprintf(id, sizeof(id), "%u", rnd(3));
	else
		rnd_ident(id, 1 + rnd(6));
	snprintf(out, sz, "%s%c%s", parent, sep, id);
}

/* A name for nr_name (64 bytes, not always NUL-terminated). */
void gen_name(char name[NETMAP_REQ_IFNAMSIZ])
{
	size_t i, len;

	memset(name, 0, NETMAP_REQ_IFNAMSIZ);
	switch (rnd(20)) {
	case 0 ... 8:
		gen_pipe_name(name, NETMAP_REQ_IFNAMSIZ);
		break;
	case 9:
	case 10:
		if (have_nics && chance(15)) {
			/* a NIC, its switch ports and pipes (never attached here: op_ctrl) */
			const char *nic = nic_names[rnd(2)];

			switch (rnd(5)) {
			case 0:
				snprintf(name, NETMAP_REQ_IFNAMSIZ, "%s", nic);
				break;
			case 1:
				snprintf(name, NETMAP_REQ_IFNAMSIZ, "valen%u:%s", rnd(2), nic);
				break;
			case 2:
				snprintf(name, NETMAP_REQ_IFNAMSIZ, "valen%u:%s^", rnd(2), nic);
				break;
			case 3:
				snprintf(name, NETMAP_REQ_IFNAMSIZ, "%s{%u", nic, rnd(2));
				break;
			default:
				snprintf(name, NETMAP_REQ_IFNAMSIZ, "vale%u:%s", rnd(3), nic);
			}
			break;
		}
		snprintf(name, NETMAP_REQ_IFNAMSIZ, "%s", fragments[rnd(NFRAGMENTS)]);
		break;
	case 11:	/* random bytes, NUL-terminated */
		len = rnd(NETMAP_REQ_IFNAMSIZ);
		for (i = 0; i < len; i++)
			name[i] = (char)(1 + rnd(255));
		break;
	case 12:	/* 64 bytes, no NUL at all */
		for (i = 0; i < NETMAP_REQ_IFNAMSIZ; i++)
			name[i] = (char)(1 + rnd(255));
		break;
	case 13:	/* overlong pipe names around the 63/64 boundary */
		len = 55 + rnd(9);
		memset(name, 'p', len);
		name[len - 2] = chance(50) ? '{' : '}';
		name[len - 1] = '1';
		if (len == NETMAP_REQ_IFNAMSIZ && chance(50))
			name[NETMAP_REQ_IFNAMSIZ - 1] = '2';
		break;
	case 14:	/* a pipe name with one mutation */
		gen_pipe_name(name, NETMAP_REQ_IFNAMSIZ);
		len = strlen(name);
		i = rnd((uint32_t)len + 1);
		switch (rnd(4)) {
		case 0:
			name[i] = "{}:-^*/@ \x01\xff"[rnd(11)];
			break;
		case 1:
			if (len < NETMAP_REQ_IFNAMSIZ - 1) {
				memmove(name + i + 1, name + i, len - i + 1);
				name[i] = chance(50) ? '{' : '}';
			}
			break;
		case 2:
			if (len)
				memmove(name + i, name + i + 1, len - i);
			break;
		default:
			name[i] = (char)(1 + rnd(255));
		}
		break;
	case 15:	/* VALE grammar */
		snprintf(name, NETMAP_REQ_IFNAMSIZ, "vale%u:%c%u%s", rnd(3),
			 "apv"[rnd(3)], rnd(3), chance(30) ? "{1" : "");
		break;
	case 16:
		snprintf(name, NETMAP_REQ_IFNAMSIZ, "null%s%u", chance(50) ? ":" : "", rnd(3));
		break;
	case 17:	/* libnetmap syntax the kernel never sees */
		gen_pipe_name(name, NETMAP_REQ_IFNAMSIZ - 8);
		strcat(name, (const char *[]){ "-0", "-9", "^", "*", "/x", "/T", "@1", "@conf:rings=2" }[rnd(8)]);
		break;
	case 18:
		break;		/* empty */
	default:	/* pipes of pipes */
		snprintf(name, NETMAP_REQ_IFNAMSIZ, "%s%c%u%c%u", parents[rnd(4)],
			 chance(50) ? '{' : '}', rnd(3), chance(50) ? '{' : '}', rnd(3));
	}
}
struct vale_undo vale_undo[MAXVALE];
int nvale_undo;

bool vale_room(void)
{
	return nvale_undo < MAXVALE;
}

void vale_record(uint16_t undo, const char *name)
{
	if (nvale_undo < MAXVALE) {
		vale_undo[nvale_undo].reqtype = undo;
		snprintf(vale_undo[nvale_undo].name, NETMAP_REQ_IFNAMSIZ, "%.63s", name);
		nvale_undo++;
	}
}

/* ------------------------------------------------------------------------
 * NIOCCTRL building blocks.
 */
size_t body_size(unsigned int t)
{
	static const size_t sz[16] = {
		0, sizeof(struct nmreq_register), sizeof(struct nmreq_port_info_get),
		sizeof(struct nmreq_vale_attach), sizeof(struct nmreq_vale_detach),
		sizeof(struct nmreq_vale_list), sizeof(struct nmreq_port_hdr),
		sizeof(struct nmreq_port_hdr), sizeof(struct nmreq_vale_newif), 0,
		sizeof(struct nmreq_vale_polling), sizeof(struct nmreq_vale_polling),
		sizeof(struct nmreq_pools_info), sizeof(struct nmreq_sync_kloop_start), 0, 0,
	};
	return t < 16 ? sz[t] : 0;
}

/* Addresses that must never be dereferenced successfully. */
uint64_t bad_pointer(size_t objsize)
{
	switch (rnd(7)) {
	case 0:
		return (uint64_t)(uintptr_t)guard;
	case 1:		/* straddles into the guard page */
		return (uint64_t)(uintptr_t)(guard - 1 - rnd((uint32_t)(objsize > 1 ? objsize - 1 : 1)));
	case 2:
		return 0x10 + rnd(0x1000);
	case 3:
		return 0xffffffff81000000ULL + rnd(0x100000);
	case 4:
		return 0xffff888000000000ULL + ((uint64_t)rnd(1 << 20) << 12);
	case 5:
		return 0x8000000000000000ULL;
	default:
		return ~0ULL - rnd(64);
	}
}

void gen_register(struct nmreq_register *r, bool sane)
{
	static const uint32_t slots[] = { 1, 2, 3, 4, 8, 16, 64, 100, 256, 512, 1000, 1024 };
	static const uint16_t rings[] = { 1, 2, 3, 4, 8, 16, 255, 256, 257, 1024, 65535 };
	static const uint32_t extras[] = { 1, 2, 5, 16, 100, 1000, 8192, 100000, 0xffffffff };
	static const uint64_t flagbits[] = {
		NR_EXCLUSIVE, NR_TX_RINGS_ONLY, NR_RX_RINGS_ONLY, NR_NO_TX_POLL,
		NR_DO_RX_POLL, NR_ACCEPT_VNET_HDR, NR_MONITOR_TX, NR_MONITOR_RX,
		NR_ZCOPY_MON, 0x1000, 0x1,
	};
	unsigned int i, nflags = sane ? 6 : 11;

	memset(r, 0, sizeof(*r));
	if (!sane && chance(25)) {
		fill_random(r, sizeof(*r));
		return;
	}
	if (chance(sane ? 80 : 65))
		r->nr_mode = NR_REG_ALL_NIC;
	else if (chance(50))
		r->nr_mode = NR_REG_ONE_NIC;
	else if (sane)
		r->nr_mode = NR_REG_ALL_NIC;
	else
		r->nr_mode = chance(85) ? rnd(12) : rnd_u32();
	r->nr_ringid = (uint16_t)(chance(80) ? 0 : chance(70) ? rnd(4) : rnd_u32());
	if (chance(35))
		for (i = 0; i < nflags; i++)
			if (chance(18))
				r->nr_flags |= flagbits[i];
	if (!sane && chance(4))
		r->nr_flags = rnd_u64();
	if (chance(40)) {
		r->nr_tx_slots = sane || chance(70) ? slots[rnd(12)] : rnd_u32();
		r->nr_rx_slots = chance(50) ? r->nr_tx_slots : slots[rnd(12)];
	}
	if (chance(20)) {
		r->nr_tx_rings = sane ? 1 + rnd(3) : rings[rnd(11)];
		r->nr_rx_rings = chance(50) ? r->nr_tx_rings : (uint16_t)(sane ? 1 + rnd(3) : rings[rnd(11)]);
	}
	if (!sane && chance(10)) {
		r->nr_host_tx_rings = (uint16_t)rnd_u32();
		r->nr_host_rx_rings = (uint16_t)rnd_u32();
	}
	if (chance(sane ? 3 : 15))
		r->nr_mem_id = (uint16_t)(chance(60) ? rnd(5) : rnd_u32());
	if (chance(sane ? 15 : 25))
		r->nr_extra_bufs = sane ? extras[rnd(5)] : extras[rnd(9)];
	if (!sane && chance(10)) {
		r->nr_offset = rnd64();
		r->nr_memsize = rnd64();
		r->pad1 = rnd_u32();
	}
}

/* The option body after the 24-byte header at o (maybe misaligned). */
void gen_opt_body(uopt_t *o, uint32_t type, size_t room)
{
	union {
		struct nmreq_opt_extmem extmem;
		struct nmreq_opt_offsets offsets;
		struct nmreq_opt_csb csb;
		struct nmreq_opt_sync_kloop_mode mode;
		char raw[24 + 72];
	} u;

	if (room < 72)
		return;
	fill_random(u.raw, sizeof(u.raw));
	switch (type) {
	case NETMAP_REQ_OPT_OFFSETS: {
		struct nmreq_opt_offsets *of = &u.offsets;

		of->nro_max_offset = chance(60) ? rnd(4096) : rnd_u64();
		of->nro_initial_offset = chance(60) ? rnd(256) : rnd_u64();
		of->nro_offset_bits = chance(60) ? rnd(65) : rnd_u32();
		of->nro_tx_align = chance(60) ? 1u << rnd(8) : rnd_u32();
		of->nro_min_gap = chance(60) ? rnd(128) : rnd_u64();
		break;
	}
	case NETMAP_REQ_OPT_CSB: {
		struct nmreq_opt_csb *c = &u.csb;
		uint64_t a = (uint64_t)(uintptr_t)(arena + OPT_OFF);

		c->csb_atok = chance(50) ? a : chance(50) ? a + 8 : bad_pointer(64);
		c->csb_ktoa = chance(50) ? a + 1024 : chance(50) ? 0 : bad_pointer(64);
		break;
	}
	case NETMAP_REQ_OPT_SYNC_KLOOP_MODE:
		u.mode.mode = chance(70) ? rnd(4) : rnd_u32();
		break;
	case NETMAP_REQ_OPT_EXTMEM: {
		struct nmreq_opt_extmem *e = &u.extmem;

		e->nro_usrptr = chance(50) ? (uint64_t)(uintptr_t)arena : bad_pointer(4096);
		if (chance(50))
			memset(&e->nro_info, 0, sizeof(e->nro_info));
		break;
	}
	default:
		break;
	}
	memcpy((char *)o + 24, u.raw + 24, 72);
}

/*
 * Build a chain of options in the arena and return the value for
 * nr_options (0 for none).  Shapes: type 0, known types, unknown types,
 * duplicates, loops back to itself or an earlier option, long lists,
 * nro_size garbage, a last pointer to bad memory.
 */
uint64_t gen_options(struct optchain *oc, uint64_t hdr_addr)
{
	size_t pos = OPT_OFF, end = arena_len - TAIL_ROOM;
	int n, i;
	uint32_t prev_type = 0;

	memset(oc, 0, sizeof(*oc));
	if (chance(60))
		return 0;
	oc->has_any = true;
	if (chance(8)) {
		oc->aliased = true;
		return chance(50) ? hdr_addr : bad_pointer(sizeof(struct nmreq_option));
	}
	n = chance(5) ? 100 + (int)rnd(200) : 1 + (int)rnd(5);
	for (i = 0; i < n; i++) {
		uopt_t *o;
		uint32_t type;
		size_t sz;

		if (chance(3))
			pos += 1 + rnd(7);	/* misaligned */
		if (pos + 24 + 72 > end)
			break;
		o = (void *)(arena + pos);
		if (i && chance(10))
			type = prev_type;	/* duplicate */
		else if (chance(8))
			type = 0;
		else if (chance(65))
			type = 1 + rnd(5);
		else if (chance(50))
			type = NETMAP_REQ_OPT_MAX + rnd(4);
		else
			type = rnd_u32();
		prev_type = type;
		memset(o, 0, sizeof(*o));
		o->nro_reqtype = type;
		o->nro_status = chance(50) ? 0 : rnd_u32();
		if (type == NETMAP_REQ_OPT_SYNC_KLOOP_EVENTFDS)
			o->nro_size = chance(70) ? 24 + 8 * rnd(5) : rnd_u64();
		else
			o->nro_size = chance(80) ? 0 : rnd_u64();
		if (type == NETMAP_REQ_OPT_EXTMEM)
			oc->has_extmem = true;
		if (type == NETMAP_REQ_OPT_CSB)
			oc->has_csb = true;
		gen_opt_body(o, type, end - pos - 24);
		sz = n > 20 ? 24 : 24 + 72;
		oc->opt[oc->n++] = o;
		pos += sz;
		pos = (pos + 7) & ~(size_t)7;
	}
	for (i = 0; i < oc->n; i++) {
		uint64_t next;

		if (i + 1 < oc->n)
			next = (uint64_t)(uintptr_t)oc->opt[i + 1];
		else if (chance(85))
			next = 0;
		else if (chance(50))
			next = (uint64_t)(uintptr_t)oc->opt[rnd((uint32_t)oc->n)];	/* loop */
		else
			next = bad_pointer(sizeof(struct nmreq_option));
		oc->opt[i]->nro_next = next;
		oc->next[i] = next;
	}
	if (!oc->n)
		return 0;
	return (uint64_t)(uintptr_t)oc->opt[0];
}

/* Issue NIOCCTRL and check what must come back unchanged. */
int ctrl_call(int fd, struct ctrl *c)
{
	int rc, err, i;
	unsigned int t = c->hdr_checkable ? c->hdr->nr_reqtype : 0;

	rc = ioctl(fd, NIOCCTRL, c->hdr);
	err = rc ? errno : 0;
	if (c->hdr_checkable)
		count(t > 15 ? K_CTRL_BIG : (enum kind)(K_CTRL + t), err);
	else
		count(K_CTRL_BIG, err);
	if (c->hdr_checkable) {
		trace_ret("  -> %s", errname(err));
		if (err != EFAULT || rc == 0) {
			if (c->hdr->nr_body != c->body_ptr || c->hdr->nr_options != c->opt_ptr)
				violation("NIOCCTRL (reqtype %u, %s) changed nr_body/nr_options: "
					  "%#" PRIx64 "/%#" PRIx64 " came back as %#" PRIx64 "/%#" PRIx64,
					  t, errname(err), c->body_ptr, c->opt_ptr,
					  c->hdr->nr_body, c->hdr->nr_options);
			if (c->reserved_in == 0 && c->hdr->nr_reserved != 0)
				violation("NIOCCTRL (reqtype %u, %s) leaked nr_reserved=%#x to userspace",
					  t, errname(err), c->hdr->nr_reserved);
		}
		if (!c->oc.aliased)
			for (i = 0; i < c->oc.n; i++)
				if (c->oc.opt[i]->nro_next != c->oc.next[i])
					violation("NIOCCTRL (reqtype %u, %s) changed nro_next of option %d: "
						  "%#" PRIx64 " came back as %#" PRIx64, t, errname(err), i,
						  c->oc.next[i], c->oc.opt[i]->nro_next);
	}
	return err;
}

void ctrl_init(struct ctrl *c, uint16_t reqtype, const char *name, size_t bodylen)
{
	memset(c, 0, sizeof(*c));
	c->hdr = (void *)arena;
	memset(c->hdr, 0, sizeof(*c->hdr));
	c->hdr->nr_version = NETMAP_API;
	c->hdr->nr_reqtype = reqtype;
	/* name may fill all 64 bytes with no NUL */
	memcpy(c->hdr->nr_name, name, strnlen(name, sizeof(c->hdr->nr_name)));
	c->hdr_checkable = true;
	if (bodylen) {
		c->body = arena + BODY_OFF;
		memset(c->body, 0, bodylen);
		c->body_ptr = (uint64_t)(uintptr_t)c->body;
	}
	c->hdr->nr_body = c->body_ptr;
}
