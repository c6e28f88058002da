// SPDX-License-Identifier: BSD-2-Clause
/*
 * vale_vnet.c - forwarding between VALE ports of different virtio-net
 * header lengths; see vale_vnet.h. This is the slow path of the
 * forwarder: it works byte range by byte range over the source fragments
 * and the destination slots, never on a linear copy of the packet.
 */
#ifndef NM_USERSPACE
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#endif

#include "vale_vnet.h"

#define VNET_F_NEEDS_CSUM	1
#define VNET_GSO_NONE		0
#define VNET_GSO_TCPV4		1
#define VNET_GSO_UDP		3
#define VNET_GSO_TCPV6		4
#define VNET_GSO_ECN		0x80

#define ETH_HLEN_		14
#define HDRS_MAX		(ETH_HLEN_ + 60 + 60)	/* Ethernet, IPv4 with options, TCP with options */

/* The source packet, read at any offset across its fragments. */
struct vsrc {
	const struct nm_vale_ft *ft;
	u32 nfrags;
	u32 len;
};

/* A frame being written into the destination ring from slot `first`. */
struct vout {
	struct nm_kring *rx;
	u32 first;
	u32 bs;
};

static const u8 *vsrc_at(const struct vsrc *s, u32 off, u32 *room)
{
	u32 i;

	for (i = 0; i < s->nfrags; i++) {
		if (off < s->ft[i].len) {
			*room = s->ft[i].len - off;
			return s->ft[i].buf + off;
		}
		off -= s->ft[i].len;
	}
	*room = 0;
	return NULL;
}

static void vsrc_read(const struct vsrc *s, u32 off, u8 *dst, u32 len)
{
	while (len) {
		u32 room;
		const u8 *b = vsrc_at(s, off, &room);

		if (!b)
			return;		/* callers check the lengths first */
		if (room > len)
			room = len;
		__builtin_memcpy(dst, b, room);
		dst += room;
		off += room;
		len -= room;
	}
}

static u8 *vout_at(const struct vout *o, u32 off, u32 *room)
{
	const u32 n = o->rx->num_slots;
	const u32 slot = (o->first + off / o->bs) % n;
	u8 *buf = nm_os_buf_addr(o->rx->mem, READ_ONCE(o->rx->ring->slot[slot].buf_idx));

	*room = o->bs - off % o->bs;
	return buf + off % o->bs;
}

static void vout_put(const struct vout *o, u32 off, const u8 *src, u32 len)
{
	while (len) {
		u32 room;
		u8 *d = vout_at(o, off, &room);

		if (room > len)
			room = len;
		if (src) {
			__builtin_memcpy(d, src, room);
			src += room;
		} else {
			__builtin_memset(d, 0, room);
		}
		off += room;
		len -= room;
	}
}

/* Copy @len source bytes from @soff to frame offset @off. */
static void vout_from_src(const struct vout *o, u32 off, const struct vsrc *s, u32 soff, u32 len)
{
	while (len) {
		u32 sroom, droom, c;
		const u8 *b = vsrc_at(s, soff, &sroom);
		u8 *d = vout_at(o, off, &droom);

		if (!b)
			return;
		c = len < sroom ? len : sroom;
		if (c > droom)
			c = droom;
		__builtin_memcpy(d, b, c);
		off += c;
		soff += c;
		len -= c;
	}
}

/* Ones' complement sum of @len bytes as 16-bit big-endian words, unfolded. */
static u64 csum_add(u64 sum, const u8 *b, u32 len, bool odd)
{
	u64 s = 0;
	u32 i;

	for (i = 0; i + 1 < len; i += 2)
		s += (u32)b[i] << 8 | b[i + 1];
	if (len & 1)
		s += (u32)b[len - 1] << 8;
	if (odd) {
		/* The bytes sit one position later in the checksummed data. */
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		s = ((s & 0xff) << 8) | (s >> 8);
	}
	return sum + s;
}

static u16 csum_fold(u64 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (u16)~s;
}

/* Sum of frame bytes [off, off + len), @base being the offset where the sum starts. */
static u64 vout_sum(const struct vout *o, u32 off, u32 len, u32 base, u64 sum)
{
	while (len) {
		u32 room;
		const u8 *d = vout_at(o, off, &room);

		if (room > len)
			room = len;
		sum = csum_add(sum, d, room, (off - base) & 1);
		off += room;
		len -= room;
	}
	return sum;
}

/* Slots, lengths and flags of a frame of @tot bytes written at o->first. */
static u32 vout_finish(const struct vout *o, u32 tot)
{
	const u32 n = o->rx->num_slots;
	const u32 need = tot ? (tot + o->bs - 1) / o->bs : 1;
	u32 k;

	for (k = 0; k < need; k++) {
		struct netmap_slot *d = &o->rx->ring->slot[(o->first + k) % n];
		const u32 left = need - k;

		d->len = (u16)(left > 1 ? o->bs : tot - k * o->bs);
		d->flags = (u16)(left << NS_PORT_SHIFT) | (left > 1 ? NS_MOREFRAG : 0);
	}
	return need;
}

static u32 slots_for(u32 tot, u32 bs)
{
	return tot ? (tot + bs - 1) / bs : 1;
}

static u16 get_be16(const u8 *b)
{
	return (u16)(b[0] << 8 | b[1]);
}

static void put_be16(u8 *b, u16 v)
{
	b[0] = (u8)(v >> 8);
	b[1] = (u8)v;
}

static u16 get_le16(const u8 *b)
{
	return (u16)(b[0] | b[1] << 8);
}

/* The headers of a GSO packet, as parsed from its first bytes. */
struct gso_hdrs {
	u8 h[HDRS_MAX];
	u32 l3, l4, hlen;	/* offsets of IP and L4 headers, length of all of them */
	bool v6, tcp;
};

static bool gso_parse(const struct vsrc *s, u32 off, u32 plen, u8 type, struct gso_hdrs *g)
{
	u32 want = plen < HDRS_MAX ? plen : HDRS_MAX;
	u16 proto;
	u8 l4p;

	vsrc_read(s, off, g->h, want);
	if (want < ETH_HLEN_ + 20)
		return false;
	proto = get_be16(g->h + 12);
	g->l3 = ETH_HLEN_;
	if (proto == 0x0800 && type != VNET_GSO_TCPV6) {
		u32 ihl = (g->h[g->l3] & 0xf) * 4u;

		if ((g->h[g->l3] >> 4) != 4 || ihl < 20)
			return false;
		g->v6 = false;
		l4p = g->h[g->l3 + 9];
		g->l4 = g->l3 + ihl;
	} else if (proto == 0x86dd && type != VNET_GSO_TCPV4) {
		g->v6 = true;
		l4p = g->h[g->l3 + 6];
		g->l4 = g->l3 + 40;
	} else {
		return false;
	}
	g->tcp = type != VNET_GSO_UDP;
	if (l4p != (g->tcp ? 6 : 17) || g->l4 + (g->tcp ? 20 : 8) > want)
		return false;
	g->hlen = g->l4 + (g->tcp ? (g->h[g->l4 + 12] >> 4) * 4u : 8u);
	return (!g->tcp || g->hlen >= g->l4 + 20) && g->hlen <= want &&
	       g->hlen < NM_VALE_VNET_MFS;
}

/* Pseudo-header sum for an L4 segment of @l4len bytes. */
static u64 gso_pseudo(const struct gso_hdrs *g, u32 l4len)
{
	u64 sum = g->tcp ? 6 : 17;

	if (g->v6)
		sum = csum_add(sum, g->h + g->l3 + 8, 32, false);
	else
		sum = csum_add(sum, g->h + g->l3 + 12, 8, false);
	return sum + l4len;
}

/*
 * Write segment @i, payload [@pos, @pos + @len) of the packet whose
 * payload starts at source offset @soff, as one frame at o->first.
 */
static u32 gso_segment(const struct vout *o, const struct vsrc *s, u32 soff,
		       const struct gso_hdrs *g, u32 i, u32 pos, u32 len, bool last)
{
	u8 h[HDRS_MAX];
	const u32 l4len = g->hlen - g->l4 + len;
	u64 sum;
	u16 c;

	__builtin_memcpy(h, g->h, g->hlen);
	if (g->v6) {
		put_be16(h + g->l3 + 4, (u16)l4len);
	} else {
		put_be16(h + g->l3 + 2, (u16)(g->hlen - g->l3 + len));
		put_be16(h + g->l3 + 4, (u16)(get_be16(g->h + g->l3 + 4) + i));
		put_be16(h + g->l3 + 10, 0);
		put_be16(h + g->l3 + 10, csum_fold(csum_add(0, h + g->l3, g->l4 - g->l3, false)));
	}
	if (g->tcp) {
		u8 *t = h + g->l4;
		u32 seq = (u32)get_be16(t + 4) << 16 | get_be16(t + 6);

		seq += pos;
		put_be16(t + 4, (u16)(seq >> 16));
		put_be16(t + 6, (u16)seq);
		if (!last)
			t[13] &= (u8)~0x09;	/* FIN, PSH: last segment only */
		if (i)
			t[13] &= (u8)~0x80;	/* CWR: first segment only */
		put_be16(t + 16, 0);
	} else {
		put_be16(h + g->l4 + 4, (u16)l4len);
		put_be16(h + g->l4 + 6, 0);
	}
	vout_put(o, 0, h, g->hlen);
	vout_from_src(o, g->hlen, s, soff + g->hlen + pos, len);
	sum = csum_add(gso_pseudo(g, l4len), h + g->l4, g->hlen - g->l4, false);
	sum = vout_sum(o, g->hlen, len, g->l4, sum);
	c = csum_fold(sum);
	if (!g->tcp && !c)
		c = 0xffff;
	put_be16(h + g->l4 + (g->tcp ? 16 : 6), c);
	vout_put(o, g->l4 + (g->tcp ? 16 : 6), h + g->l4 + (g->tcp ? 16 : 6), 2);
	return vout_finish(o, g->hlen + len);
}

/* A GSO packet without header: segments of at most NM_VALE_VNET_MFS bytes. */
static u32 vnet_gso(const struct vsrc *s, u32 soff, u8 type, struct nm_kring *rx, u32 tail,
		    u32 space, u32 *frames)
{
	const u32 n = rx->num_slots, bs = rx->buf_size;
	const u32 plen = s->len - soff;
	struct gso_hdrs g;
	struct vout o = { .rx = rx, .bs = bs };
	u32 segp, total, need = 0, nseg, i, pos, used = 0;

	if (!gso_parse(s, soff, plen, type, &g))
		return 0;
	segp = NM_VALE_VNET_MFS - g.hlen;
	total = plen - g.hlen;
	nseg = total ? (total + segp - 1) / segp : 1;
	for (i = 0, pos = 0; i < nseg; i++, pos += segp) {
		const u32 len = total - pos < segp ? total - pos : segp;

		if (slots_for(g.hlen + len, bs) > 255)
			return 0;
		need += slots_for(g.hlen + len, bs);
	}
	if (need > space)
		return 0;
	for (i = 0, pos = 0; i < nseg; i++, pos += segp) {
		const u32 len = total - pos < segp ? total - pos : segp;

		o.first = (tail + used) % n;
		used += gso_segment(&o, s, soff, &g, i, pos, len, i + 1 == nseg);
	}
	*frames = nseg;
	return used;
}

u32 nm_vale_vnet_copy(const struct nm_vale_txq *q, const struct nm_vale_pkt *p, u32 sh,
		      struct nm_kring *rx, u32 tail, u32 space, u32 dh, u32 *frames)
{
	const struct vsrc s = { .ft = q->ft + p->first, .nfrags = p->nfrags, .len = p->bytes };
	const struct vout o = { .rx = rx, .first = tail, .bs = rx->buf_size };
	u8 vh[NM_VALE_VNET_HDR_LEN_MRG] = { 0 };
	u32 plen, tot, cs = 0, co = 0;
	bool csum = false;

	*frames = 1;
	if (s.len < sh)
		return 0;
	plen = s.len - sh;
	vsrc_read(&s, 0, vh, sh < dh ? sh : dh);
	if (sh && !dh) {
		u8 type;

		vsrc_read(&s, 0, vh, sh);
		type = vh[1] & (u8)~VNET_GSO_ECN;
		if (type == VNET_GSO_TCPV4 || type == VNET_GSO_TCPV6 || type == VNET_GSO_UDP)
			return vnet_gso(&s, sh, type, rx, tail, space, frames);
		if (type != VNET_GSO_NONE) {
			nm_os_prlim("vale: unknown gso_type %u in a virtio-net header, packet dropped\n",
				    vh[1]);
			return 0;
		}
		if (vh[0] & VNET_F_NEEDS_CSUM) {
			cs = get_le16(vh + 6);
			co = get_le16(vh + 8);
			if (cs + co + 2 > plen)
				return 0;
			csum = true;
		}
	}
	tot = dh + plen;
	if (slots_for(tot, o.bs) > space || slots_for(tot, o.bs) > 255)
		return 0;
	if (dh) {
		/* The common prefix of both headers, then zeros. */
		vout_put(&o, 0, vh, dh);
	}
	vout_from_src(&o, dh, &s, sh, plen);
	if (csum) {
		u8 c[2];

		put_be16(c, csum_fold(vout_sum(&o, cs, plen - cs, cs, 0)));
		vout_put(&o, cs + co, c, 2);
	}
	return vout_finish(&o, tot);
}
