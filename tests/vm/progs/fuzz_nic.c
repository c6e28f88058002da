// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_nic - --nic IF0,IF1: races of two threads on VALE_ATTACH/DETACH,
 * POLLING_ENABLE/DISABLE, REGISTER and PORT_STATS of the NICs and their
 * switch ports (the VALE control surface).
 */
#include "nm_fuzz.h"

uint32_t race_rnd(struct race *r, uint32_t n)
{
	/* xorshift64*, private to the thread */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return (uint32_t)((r->rng * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

/* One NIOCCTRL on a fresh fd (or @fd if >= 0); errno or 0. */
int race_ctrl(struct race *r, int fd, uint16_t type, const char *name, void *body,
		     uint64_t options)
{
	struct nmreq_header h;
	int own = fd < 0, err;

	if (own && (fd = open(DEV, O_RDWR)) < 0)
		return errno;
	memset(&h, 0, sizeof(h));
	h.nr_version = NETMAP_API;
	h.nr_reqtype = type;
	snprintf(h.nr_name, sizeof(h.nr_name), "%s", name);
	h.nr_body = (uint64_t)(uintptr_t)body;
	h.nr_options = options;
	err = ioctl(fd, NIOCCTRL, &h) ? errno : 0;
	if (own)
		close(fd);
	r->st[type & 15][err < NERR ? err : NERR - 1]++;
	return err;
}

/* Broadcast frames from an ephemeral port of valen0: they go out IF0. */
void race_send(struct race *r)
{
	struct nmreq_register reg;
	struct nmreq_header h;
	struct netmap_ring *tx;
	char name[32];
	void *mem;
	int fd, err;
	unsigned int i, n = 1 + race_rnd(r, 16);

	fd = open(DEV, O_RDWR);
	if (fd < 0)
		return;
	memset(&h, 0, sizeof(h));
	memset(&reg, 0, sizeof(reg));
	h.nr_version = NETMAP_API;
	h.nr_reqtype = NETMAP_REQ_REGISTER;
	snprintf(name, sizeof(name), "valen0:r%u", r->id);
	snprintf(h.nr_name, sizeof(h.nr_name), "%s", name);
	h.nr_body = (uint64_t)(uintptr_t)&reg;
	reg.nr_mode = NR_REG_ALL_NIC;
	reg.nr_tx_slots = reg.nr_rx_slots = 64;
	err = ioctl(fd, NIOCCTRL, &h) ? errno : 0;
	r->st[NETMAP_REQ_REGISTER][err < NERR ? err : NERR - 1]++;
	if (err) {
		close(fd);
		return;
	}
	mem = mmap(NULL, reg.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		close(fd);
		return;
	}
	tx = NETMAP_TXRING(NETMAP_IF(mem, reg.nr_offset), 0);
	for (i = 0; i < n && !nm_ring_empty(tx); i++) {
		struct netmap_slot *sl = &tx->slot[tx->cur];
		unsigned char *b = (unsigned char *)NETMAP_BUF(tx, sl->buf_idx);

		memset(b, 0xff, 6);				/* broadcast */
		memcpy(b + 6, "\x02\x00\x00\x00\x00", 5);
		b[11] = (unsigned char)(0x10 + r->id);
		b[12] = 0x88;					/* local experimental type */
		b[13] = 0xb5;
		memset(b + 14, (int)i, 46);
		sl->len = race_rnd(r, 10) == 0 ? (uint16_t)(1500 + race_rnd(r, 600)) : 60;
		sl->flags = 0;
		tx->head = tx->cur = nm_ring_next(tx, tx->cur);
		r->frames++;
	}
	if (ioctl(fd, NIOCTXSYNC, NULL) == 0)
		r->txsyncs++;
	munmap(mem, reg.nr_memsize);
	close(fd);
}

void *race_main(void *arg)
{
	struct race *r = arg;
	unsigned int k;

	for (k = 0; k < RACE_OPS; k++) {
		const unsigned int i = race_rnd(r, 2);
		char sw[32], port[48];
		int err;

		snprintf(sw, sizeof(sw), "valen%u:%s", i, nic_names[i]);
		switch (race_rnd(r, 10)) {
		case 0:
		case 1: {
			struct nmreq_vale_attach a;

			memset(&a, 0, sizeof(a));
			a.reg.nr_mode = race_rnd(r, 2) ? NR_REG_NIC_SW : NR_REG_ALL_NIC;
			if (race_ctrl(r, -1, NETMAP_REQ_VALE_ATTACH, sw, &a, 0) == 0)
				r->attached++;
			break;
		}
		case 2: {
			struct nmreq_vale_detach d;

			memset(&d, 0, sizeof(d));
			race_ctrl(r, -1, NETMAP_REQ_VALE_DETACH, sw, &d, 0);
			break;
		}
		case 3: {
			struct nmreq_vale_polling p;

			memset(&p, 0, sizeof(p));
			p.nr_mode = race_rnd(r, 4) ? 1 + race_rnd(r, 2) : race_rnd(r, 8);
			p.nr_first_cpu_id = race_rnd(r, 4) ? 0 : race_rnd(r, 3);
			p.nr_num_polling_cpus = race_rnd(r, 4) ? 1 : race_rnd(r, 3);
			if (race_ctrl(r, -1, NETMAP_REQ_VALE_POLLING_ENABLE,
				      race_rnd(r, 8) ? sw : nic_names[i], &p, 0) == 0)
				r->polled++;
			break;
		}
		case 4: {
			struct nmreq_vale_polling p;

			memset(&p, 0, sizeof(p));
			race_ctrl(r, -1, NETMAP_REQ_VALE_POLLING_DISABLE, sw, &p, 0);
			break;
		}
		case 5: {
			/* REGISTER of the NIC or of its switch ports: EBUSY while attached. */
			struct nmreq_register reg;
			int fd = open(DEV, O_RDWR);

			if (fd < 0)
				break;
			memset(&reg, 0, sizeof(reg));
			reg.nr_mode = race_rnd(r, 3) ? NR_REG_ALL_NIC : NR_REG_NIC_SW;
			switch (race_rnd(r, 3)) {
			case 0:
				snprintf(port, sizeof(port), "%s", nic_names[i]);
				break;
			case 1:
				snprintf(port, sizeof(port), "%s", sw);
				break;
			default:
				snprintf(port, sizeof(port), "%s^", sw);
			}
			err = race_ctrl(r, fd, NETMAP_REQ_REGISTER, port, &reg, 0);
			if (!err && race_rnd(r, 2)) {
				ioctl(fd, NIOCRXSYNC, NULL);
				usleep(race_rnd(r, 2000));
			}
			close(fd);
			break;
		}
		case 6: {
			struct nmreq_opt_port_stats st;
			struct nmreq_vale_list l;

			memset(&st, 0, sizeof(st));
			memset(&l, 0, sizeof(l));
			st.nro_opt.nro_reqtype = NETMAP_REQ_OPT_PORT_STATS;
			snprintf(port, sizeof(port), race_rnd(r, 2) ? "%s" : "%s^", sw);
			race_ctrl(r, -1, NETMAP_REQ_VALE_LIST, port, &l, (uintptr_t)&st);
			break;
		}
		case 7: {
			struct nmreq_port_info_get info;

			memset(&info, 0, sizeof(info));
			race_ctrl(r, -1, NETMAP_REQ_PORT_INFO_GET, race_rnd(r, 2) ? sw : nic_names[i],
				  &info, 0);
			break;
		}
		default:
			race_send(r);
		}
	}
	return NULL;
}

/* Detach both NICs (polling off first); afterwards neither may be attached. */
void race_cleanup(void)
{
	struct race r;
	unsigned int i, k;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < 2; i++) {
		struct nmreq_vale_polling p;
		struct nmreq_vale_detach d;
		char sw[32];

		snprintf(sw, sizeof(sw), "valen%u:%s", i, nic_names[i]);
		memset(&p, 0, sizeof(p));
		memset(&d, 0, sizeof(d));
		race_ctrl(&r, -1, NETMAP_REQ_VALE_POLLING_DISABLE, sw, &p, 0);
		race_ctrl(&r, -1, NETMAP_REQ_VALE_DETACH, sw, &d, 0);
		if (race_ctrl(&r, -1, NETMAP_REQ_VALE_DETACH, sw, &d, 0) != ENXIO)
			violation("%s still attached after POLLING_DISABLE and DETACH", sw);
	}
	for (k = 0; k < 16; k++)
		for (i = 0; i < NERR; i++)
			while (r.st[k][i]--)
				count((enum kind)(K_CTRL + k), (int)i);
}

void op_nic_race(void)
{
	struct race r[2];
	unsigned int i, k, e;

	memset(r, 0, sizeof(r));
	for (i = 0; i < 2; i++) {
		r[i].rng = rnd64() | 1;
		r[i].id = i;
	}
	trace("nic race");
	for (i = 0; i < 2; i++)
		if (pthread_create(&r[i].tid, NULL, race_main, &r[i]))
			r[i].tid = 0;
	for (i = 0; i < 2; i++) {
		if (!r[i].tid)
			continue;
		pthread_join(r[i].tid, NULL);
		for (k = 0; k < 16; k++)
			for (e = 0; e < NERR; e++)
				while (r[i].st[k][e]--)
					count((enum kind)(K_CTRL + k), (int)e);
		calls += r[i].txsyncs;
		xs.nic_attached += r[i].attached;
		xs.nic_polled += r[i].polled;
		xs.nic_frames += r[i].frames;
	}
	xs.nic_races++;
	race_cleanup();
}
