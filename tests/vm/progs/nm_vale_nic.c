// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_vale_nic: the control requests of a NIC on a VALE switch, one per
 * invocation, for tests/vm/guest/vale-nic.sh (which sets up the veths and
 * the namespaces with the real `ip`):
 *
 *   nm_vale_nic [-e ERR] attach valeB:IF [sw]   VALE_ATTACH (sw: NR_REG_NIC_SW)
 *   nm_vale_nic [-e ERR] detach valeB:IF        VALE_DETACH
 *   nm_vale_nic [-e ERR] poll-on valeB:IF MODE FIRST N   POLLING_ENABLE
 *                                               (MODE: single|multi|NUMBER)
 *   nm_vale_nic [-e ERR] poll-off valeB:IF      POLLING_DISABLE
 *   nm_vale_nic [-e ERR] register NAME          REGISTER (then close)
 *   nm_vale_nic [-e ERR] hold NAME SECONDS      REGISTER and keep it bound
 *   nm_vale_nic [-e ERR] list valeB:P           VALE_LIST by name (+ counters)
 *   nm_vale_nic list-all                        VALE_LIST enumeration
 *   nm_vale_nic [-e ERR] stats valeB:IF         PORT_STATS via VALE_LIST:
 *                                               "tx_packets N rx_packets N ..."
 *   nm_vale_nic sniff valeB:P SECONDS [SRCMAC] [ETHERTYPE] [COUNT]
 *        open the ephemeral port valeB:P, count frames (from SRCMAC,
 *        of ETHERTYPE, hex; "-" = any) until COUNT (default 1) or SECONDS;
 *        exit 0 if COUNT were seen.
 *   nm_vale_nic blast NAME SECONDS DSTMAC
 *        REGISTER NAME (a NIC or a VALE port) and send 60-byte frames to
 *        DSTMAC as fast as the TX ring takes them; prints frames and rate.
 *   nm_vale_nic count NAME SECONDS
 *        REGISTER NAME and count what arrives for SECONDS; prints the rate.
 *
 * -e ERR: the errno expected (a number or EBUSY, EINVAL, ENXIO, EOPNOTSUPP,
 * 0): exit 0 if the request gave it, 1 otherwise. Without -e, exit 0 on
 * success and 1 on error. Each run prints one line saying what happened.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "nmt.h"

static const struct {
	const char *name;
	int err;
} errnames[] = {
	{ "0", 0 }, { "EBUSY", EBUSY }, { "EINVAL", EINVAL }, { "ENXIO", ENXIO },
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "ENOENT", ENOENT }, { "ENOMEM", ENOMEM },
	{ "EEXIST", EEXIST },
};

static int parse_err(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (!strcmp(s, errnames[i].name))
			return errnames[i].err;
	return atoi(s);
}

static int ctrl(uint16_t type, const char *name, void *body, uint64_t options)
{
	struct nmreq_header h;
	int fd = nmt_open(), err;

	if (fd < 0)
		return errno;
	nmt_hdr(&h, type, name, body);
	h.nr_options = options;
	err = nmt_ctrl(fd, &h);
	close(fd);
	return err;
}

static int cmd_attach(const char *name, int sw)
{
	struct nmreq_vale_attach a;
	int err;

	memset(&a, 0, sizeof(a));
	a.reg.nr_mode = sw ? NR_REG_NIC_SW : NR_REG_ALL_NIC;
	err = ctrl(NETMAP_REQ_VALE_ATTACH, name, &a, 0);
	if (!err)
		printf("attach %s%s: port_index %u\n", name, sw ? " (with host rings)" : "",
		       a.port_index);
	return err;
}

static int cmd_detach(const char *name)
{
	struct nmreq_vale_detach d;
	int err;

	memset(&d, 0, sizeof(d));
	err = ctrl(NETMAP_REQ_VALE_DETACH, name, &d, 0);
	if (!err)
		printf("detach %s: port_index %u\n", name, d.port_index);
	return err;
}

static int cmd_poll(const char *name, int on, const char *mode, const char *first, const char *n)
{
	struct nmreq_vale_polling p;

	memset(&p, 0, sizeof(p));
	if (on) {
		if (!strcmp(mode, "single"))
			p.nr_mode = NETMAP_POLLING_MODE_SINGLE_CPU;
		else if (!strcmp(mode, "multi"))
			p.nr_mode = NETMAP_POLLING_MODE_MULTI_CPU;
		else
			p.nr_mode = strtoul(mode, NULL, 0);
		p.nr_first_cpu_id = strtoul(first, NULL, 0);
		p.nr_num_polling_cpus = strtoul(n, NULL, 0);
	}
	return ctrl(on ? NETMAP_REQ_VALE_POLLING_ENABLE : NETMAP_REQ_VALE_POLLING_DISABLE,
		    name, &p, 0);
}

static int cmd_register(const char *name, unsigned hold_s)
{
	struct nmt_port p;
	int err = nmt_port_open(&p, name, NMT_OPTS(.no_mmap = true));

	if (err)
		return err;
	printf("registered %s: %u/%u rings, mem_id %u\n", name, p.reg.nr_tx_rings,
	       p.reg.nr_rx_rings, p.reg.nr_mem_id);
	fflush(stdout);
	if (hold_s)
		sleep(hold_s);
	nmt_port_close(&p);
	return 0;
}

static int cmd_list(const char *name, int print_stats)
{
	struct nmreq_opt_port_stats st;
	struct nmreq_vale_list l;
	struct nmreq_header h;
	int fd = nmt_open(), err;

	if (fd < 0)
		return errno;
	memset(&l, 0, sizeof(l));
	memset(&st, 0, sizeof(st));
	st.nro_opt.nro_reqtype = NETMAP_REQ_OPT_PORT_STATS;
	nmt_hdr(&h, NETMAP_REQ_VALE_LIST, name, &l);
	h.nr_options = (uintptr_t)&st;
	err = nmt_ctrl(fd, &h);
	close(fd);
	if (err)
		return err;
	if (print_stats) {
		if (st.nro_opt.nro_status)
			return st.nro_opt.nro_status;
		printf("tx_packets %llu tx_bytes %llu tx_errors %llu rx_packets %llu rx_bytes %llu rx_drops %llu\n",
		       (unsigned long long)st.tx_packets, (unsigned long long)st.tx_bytes,
		       (unsigned long long)st.tx_errors, (unsigned long long)st.rx_packets,
		       (unsigned long long)st.rx_bytes, (unsigned long long)st.rx_drops);
	} else {
		printf("%s bridge_idx %u port_idx %u (stats status %u)\n", name, l.nr_bridge_idx,
		       l.nr_port_idx, st.nro_opt.nro_status);
	}
	return 0;
}

static int cmd_list_all(void)
{
	struct nmreq_vale_list l;
	int fd = nmt_open(), err, n = 0;

	if (fd < 0)
		return errno;
	memset(&l, 0, sizeof(l));
	for (;;) {
		struct nmreq_header h;

		nmt_hdr(&h, NETMAP_REQ_VALE_LIST, "", &l);
		err = nmt_ctrl(fd, &h);
		if (err)
			break;
		printf("%s bridge_idx %u port_idx %u\n", h.nr_name, l.nr_bridge_idx, l.nr_port_idx);
		l.nr_port_idx++;
		n++;
	}
	close(fd);
	printf("%d ports\n", n);
	return err == ENOENT ? 0 : err;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

static int cmd_sniff(const char *name, unsigned secs, const char *smac, const char *etype,
		     unsigned want)
{
	uint8_t mac[6];
	bool any_mac = !smac || !strcmp(smac, "-");
	long et = (!etype || !strcmp(etype, "-")) ? -1 : strtol(etype, NULL, 16);
	long long end = nmt_now_ms() + secs * 1000LL;
	unsigned seen = 0, total = 0;
	struct nmt_port p;
	int err;

	if (!any_mac && parse_mac(smac, mac)) {
		fprintf(stderr, "bad MAC %s\n", smac);
		return EINVAL;
	}
	err = nmt_port_open(&p, name, NULL);
	if (err)
		return err;
	/* Ready: the caller may start the traffic now. */
	printf("sniffing on %s\n", name);
	fflush(stdout);
	while (seen < want && nmt_now_ms() < end) {
		struct pollfd pfd = { .fd = p.fd, .events = POLLIN };
		struct netmap_ring *r = nmt_rx(&p, 0);

		poll(&pfd, 1, 100);
		while (r->head != r->tail) {
			const struct netmap_slot *s = &r->slot[r->head];
			const uint8_t *b = (const uint8_t *)NETMAP_BUF(r, s->buf_idx);

			total++;
			if (s->len >= 14 && (any_mac || !memcmp(b + 6, mac, 6)) &&
			    (et < 0 || ((b[12] << 8) | b[13]) == et))
				seen++;
			r->head = r->cur = (r->head + 1 == r->num_slots) ? 0 : r->head + 1;
		}
	}
	nmt_port_close(&p);
	printf("sniff %s: %u matching of %u frames\n", name, seen, total);
	return seen >= want ? 0 : ETIMEDOUT;
}

static int cmd_blast(const char *name, unsigned secs, const char *dmac)
{
	uint8_t dst[6];
	unsigned long long sent = 0;
	long long t0, end;
	struct nmt_port p;
	int err;

	if (parse_mac(dmac, dst))
		return EINVAL;
	err = nmt_port_open(&p, name, NULL);
	if (err)
		return err;
	t0 = nmt_now_ms();
	end = t0 + secs * 1000LL;
	while (nmt_now_ms() < end) {
		struct netmap_ring *r = nmt_tx(&p, 0);
		struct pollfd pfd = { .fd = p.fd, .events = POLLOUT };

		while (r->head != r->tail) {
			struct netmap_slot *sl = &r->slot[r->head];
			uint8_t *b = (uint8_t *)NETMAP_BUF(r, sl->buf_idx);

			memcpy(b, dst, 6);
			memcpy(b + 6, "\x02\x00\x00\x00\x0b\x01", 6);
			b[12] = 0x88;
			b[13] = 0xb5;
			memset(b + 14, 0, 46);
			sl->len = 60;
			r->head = r->cur = (r->head + 1 == r->num_slots) ? 0 : r->head + 1;
			sent++;
		}
		poll(&pfd, 1, 10);
	}
	nmt_txsync(p.fd);
	nmt_port_close(&p);
	printf("blast %s: %llu frames in %u s: %.0f frames/s\n", name, sent, secs,
	       (double)sent / secs);
	return 0;
}

static int cmd_count(const char *name, unsigned secs)
{
	unsigned long long got = 0;
	long long end;
	struct nmt_port p;
	int err;

	err = nmt_port_open(&p, name, NULL);
	if (err)
		return err;
	printf("counting on %s\n", name);
	fflush(stdout);
	end = nmt_now_ms() + secs * 1000LL;
	while (nmt_now_ms() < end) {
		struct netmap_ring *r = nmt_rx(&p, 0);
		struct pollfd pfd = { .fd = p.fd, .events = POLLIN };

		poll(&pfd, 1, 100);
		got += (r->tail + r->num_slots - r->head) % r->num_slots;
		r->head = r->cur = r->tail;
	}
	nmt_port_close(&p);
	printf("count %s: %llu frames in %u s: %.0f frames/s\n", name, got, secs,
	       (double)got / secs);
	return got ? 0 : ETIMEDOUT;
}

static void usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of nm_vale_nic.c\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int expect = -1, err;
	const char *cmd;

	if (argc > 2 && !strcmp(argv[1], "-e")) {
		expect = parse_err(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc < 2)
		usage();
	cmd = argv[1];
	if (!strcmp(cmd, "attach") && argc >= 3)
		err = cmd_attach(argv[2], argc > 3 && !strcmp(argv[3], "sw"));
	else if (!strcmp(cmd, "detach") && argc == 3)
		err = cmd_detach(argv[2]);
	else if (!strcmp(cmd, "poll-on") && argc == 6)
		err = cmd_poll(argv[2], 1, argv[3], argv[4], argv[5]);
	else if (!strcmp(cmd, "poll-off") && argc == 3)
		err = cmd_poll(argv[2], 0, NULL, NULL, NULL);
	else if (!strcmp(cmd, "register") && argc == 3)
		err = cmd_register(argv[2], 0);
	else if (!strcmp(cmd, "hold") && argc == 4)
		err = cmd_register(argv[2], strtoul(argv[3], NULL, 0));
	else if (!strcmp(cmd, "list") && argc == 3)
		err = cmd_list(argv[2], 0);
	else if (!strcmp(cmd, "list-all"))
		err = cmd_list_all();
	else if (!strcmp(cmd, "stats") && argc == 3)
		err = cmd_list(argv[2], 1);
	else if (!strcmp(cmd, "blast") && argc == 5)
		err = cmd_blast(argv[2], strtoul(argv[3], NULL, 0), argv[4]);
	else if (!strcmp(cmd, "count") && argc == 4)
		err = cmd_count(argv[2], strtoul(argv[3], NULL, 0));
	else if (!strcmp(cmd, "sniff") && argc >= 4)
		err = cmd_sniff(argv[2], strtoul(argv[3], NULL, 0), argc > 4 ? argv[4] : NULL,
				argc > 5 ? argv[5] : NULL, argc > 6 ? strtoul(argv[6], NULL, 0) : 1);
	else
		usage();
	if (expect >= 0) {
		if (err == expect) {
			printf("ok: %s %s -> %s\n", cmd, argc > 2 ? argv[2] : "",
			       err ? strerror(err) : "success");
			return 0;
		}
		printf("FAIL: %s %s -> %s, want %s\n", cmd, argc > 2 ? argv[2] : "",
		       err ? strerror(err) : "success", expect ? strerror(expect) : "success");
		return 1;
	}
	if (err)
		printf("%s %s: %s\n", cmd, argc > 2 ? argv[2] : "", strerror(err));
	return err ? 1 : 0;
}
