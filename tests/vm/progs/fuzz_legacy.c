// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_legacy - the legacy ioctls: NIOCREGIF/NIOCGINFO with struct nmreq,
 * and random ioctl numbers of netmap's 'i' group.
 */
#include "nm_fuzz.h"

/* Legacy NIOCREGIF / NIOCGINFO with struct nmreq. */
void op_legacy(void)
{
	int fi = pick_file(), rc, err;
	struct nmreq *r = (void *)(arena + BODY_OFF), in;
	bool regif = chance(70);
	unsigned long cmd = regif ? NIOCREGIF : NIOCGINFO;
	void *arg = r;
	char name[NETMAP_REQ_IFNAMSIZ];
	uint32_t mode;

	if (fi < 0)
		return;
	memset(r, 0, sizeof(*r));
	switch (rnd(4)) {
	case 0:
	case 1:
		gen_pipe_name(name, IFNAMSIZ);
		memcpy(r->nr_name, name, strlen(name));
		break;
	case 2:
		snprintf(r->nr_name, IFNAMSIZ, "%s", chance(50) ? parents[rnd(4)] : fragments[rnd(NFRAGMENTS)]);
		break;
	default:
		fill_random(r->nr_name, IFNAMSIZ);
	}
	r->nr_version = chance(85) ? NETMAP_API : (const uint32_t[]){ 0, 13, 15, 16, 100, 0xffffffff }[rnd(6)];
	r->nr_cmd = (uint16_t)(chance(65) ? 0 : chance(80) ? rnd(14) : rnd_u32());
	mode = chance(40) ? 0 : chance(30) ? NR_REG_ALL_NIC : chance(40) ? 5 + rnd(2) : rnd(16);
	r->nr_flags = mode;
	if (chance(20))
		r->nr_flags |= (const uint32_t[]){ NR_EXCLUSIVE, NR_TX_RINGS_ONLY, NR_RX_RINGS_ONLY,
						   NR_MONITOR_TX, NR_ZCOPY_MON }[rnd(5)];
	if (chance(4))
		r->nr_flags = rnd_u32();
	r->nr_ringid = (uint16_t)(chance(50) ? 0 : rnd(4));
	if (chance(30))
		r->nr_ringid |= (uint16_t)((const uint32_t[]){ NETMAP_NO_TX_POLL, NETMAP_SW_RING,
							      NETMAP_HW_RING, NETMAP_DO_RX_POLL }[rnd(4)]);
	if (chance(4))
		r->nr_ringid = (uint16_t)rnd_u32();
	if (chance(20)) {
		r->nr_tx_slots = rnd_u32();
		r->nr_rx_slots = chance(50) ? r->nr_tx_slots : rnd_u32();
	}
	if (chance(10))
		r->nr_tx_rings = r->nr_rx_rings = (uint16_t)rnd(4);
	if (chance(20))
		r->nr_arg1 = (uint16_t)rnd_u32();
	if (chance(10))
		r->nr_arg2 = (uint16_t)rnd(4);
	if (chance(15))
		r->nr_arg3 = chance(70) ? rnd(20) : rnd_u32();
	if (chance(5))
		r->spare2[0] = rnd_u32();
	if (regif && (r->nr_cmd == NETMAP_BDG_NEWIF || r->nr_cmd == NETMAP_BDG_ATTACH ||
		      r->nr_cmd == NETMAP_BDG_POLLING_ON) && !vale_room())
		r->nr_cmd = NETMAP_BDG_LIST;
	in = *r;
	if (chance(3))
		arg = chance(50) ? NULL : (void *)(guard - 1 - rnd(sizeof(*r) - 1));
	trace("%s fd%d \"%.16s\" v%u cmd %u flags %#x ringid %#x arg1 %u arg2 %u arg3 %u%s",
	      regif ? "NIOCREGIF" : "NIOCGINFO", files[fi].fd, r->nr_name, r->nr_version,
	      r->nr_cmd, r->nr_flags, r->nr_ringid, r->nr_arg1, r->nr_arg2, r->nr_arg3,
	      arg == r ? "" : " (bad pointer)");
	rc = ioctl(files[fi].fd, cmd, arg);
	err = rc ? errno : 0;
	count(regif ? K_REGIF : K_GINFO, err);
	trace_ret("  -> %s", errname(err));
	if (err || arg != r)
		return;
	if (in.nr_version < NETMAP_API)
		violation("%s succeeded with nr_version %u", regif ? "NIOCREGIF" : "NIOCGINFO",
			  in.nr_version);
	if (!regif)
		return;
	if (in.nr_cmd == NETMAP_BDG_NEWIF)
		vale_record(NETMAP_REQ_VALE_DELIF, in.nr_name);
	if (in.nr_cmd == NETMAP_BDG_ATTACH)
		vale_record(NETMAP_REQ_VALE_DETACH, in.nr_name);
	if (in.nr_cmd == NETMAP_BDG_POLLING_ON)
		vale_record(NETMAP_REQ_VALE_POLLING_DISABLE, in.nr_name);
	if (in.nr_cmd == 0) {
		struct bindinfo b;
		size_t nl = strnlen(in.nr_name, IFNAMSIZ);

		if (files[fi].bound)
			violation("NIOCREGIF \"%.16s\" succeeded on an fd already bound to \"%s\"",
				  in.nr_name, files[fi].name);
		memset(&b, 0, sizeof(b));
		memcpy(b.name, in.nr_name, nl);
		mode = in.nr_flags & NR_REG_MASK;
		if (mode == NR_REG_PIPE_MASTER || mode == NR_REG_PIPE_SLAVE)
			snprintf(b.name + nl, sizeof(b.name) - nl, "%c%u",
				 mode == NR_REG_PIPE_MASTER ? '{' : '}', in.nr_ringid & NETMAP_RING_MASK);
		bind_geometry(&b, &(struct nmreq_register){
			.nr_offset = r->nr_offset, .nr_memsize = r->nr_memsize,
			.nr_tx_slots = r->nr_tx_slots, .nr_rx_slots = r->nr_rx_slots,
			.nr_tx_rings = r->nr_tx_rings, .nr_rx_rings = r->nr_rx_rings,
			.nr_mem_id = r->nr_arg2, .nr_extra_bufs = r->nr_arg3 });
		b.legacy = true;
		b.null_port = mode == NR_REG_NULL;
		b.monitor = (in.nr_flags & (NR_MONITOR_TX | NR_MONITOR_RX | NR_ZCOPY_MON)) != 0;
		/* 16 bytes without a NUL: netmap keeps 15 (strlcpy), we do not assume */
		b.name_unsure = nl == IFNAMSIZ;
		if (r->nr_arg3 > in.nr_arg3)
			violation("NIOCREGIF \"%s\" granted %u extra buffers, %u were asked",
				  b.name, r->nr_arg3, in.nr_arg3);
		bind_file(fi, &b);
	}
}

/* Random ioctl numbers of the 'i' group, and NIOCCONFIG. */
void op_randioctl(void)
{
	int fi = pick_file(), rc;
	unsigned long cmd;
	void *arg = arena + BODY_OFF;
	enum kind k = K_RANDIOCTL;

	if (fi < 0)
		return;
	fill_random(arg, 512);
	if (chance(30)) {
		cmd = NIOCCONFIG;
		k = K_CONFIG;
	} else {
		unsigned int nr = chance(70) ? 140 + rnd(20) : rnd(256);
		unsigned int size = chance(50) ? (const unsigned int[]){ 0, 60, 88, 272, 8, 4 }[rnd(6)] : rnd(1 << 14);
		unsigned int dir = rnd(4);

		cmd = _IOC(dir, 'i', nr, size);
		/* the real ones, with garbage, are op_ctrl's and op_legacy's job */
		if (cmd == NIOCCTRL || cmd == NIOCREGIF || cmd == NIOCGINFO)
			cmd = _IOC(dir, 'i', 200, size);
	}
	if (chance(5))
		arg = chance(50) ? NULL : guard - 1 - rnd(64);
	trace("ioctl fd%d cmd %#lx arg %p", files[fi].fd, cmd, arg);
	rc = ioctl(files[fi].fd, cmd, arg);
	count(k, rc ? errno : 0);
	trace_ret("  -> %s", errname(rc ? errno : 0));
}
