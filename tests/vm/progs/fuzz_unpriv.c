// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_unpriv - --unpriv: as uid 65534 with handed fds only, nothing but
 * the handed ports may change.
 */
#include "nm_fuzz.h"
#include "nm_drop.h"
#include "nmt.h"

int u_nfds;			/* handed fds: 2, or 3 with a NIC */
char u_names[U_NAMES][NETMAP_REQ_IFNAMSIZ];

/* NIOCCTRL @type with a zeroed (or given) body on a fresh fd, as root. */
int u_root_ctrl(uint16_t type, const char *name, void *body)
{
	struct nmreq_vale_polling poll_body = { .nr_mode = NETMAP_POLLING_MODE_SINGLE_CPU,
						.nr_num_polling_cpus = 1 };
	struct nmreq_vale_attach attach_body = { .reg.nr_mode = NR_REG_ALL_NIC };
	struct nmreq_vale_detach detach_body;
	struct nmreq_vale_newif newif_body;
	struct nmreq_header h;
	int fd = open(DEV, O_RDWR), err;

	memset(&detach_body, 0, sizeof(detach_body));
	memset(&newif_body, 0, sizeof(newif_body));
	if (!body)
		body = type == NETMAP_REQ_VALE_POLLING_ENABLE ? (void *)&poll_body :
		       type == NETMAP_REQ_VALE_ATTACH ? (void *)&attach_body :
		       type == NETMAP_REQ_VALE_DETACH ? (void *)&detach_body :
		       type == NETMAP_REQ_VALE_NEWIF ? (void *)&newif_body :
		       type == NETMAP_REQ_VALE_POLLING_DISABLE ? (void *)&poll_body : NULL;
	memset(&h, 0, sizeof(h));
	h.nr_version = NETMAP_API;
	h.nr_reqtype = type;
	snprintf(h.nr_name, sizeof(h.nr_name), "%s", name);
	h.nr_body = (uint64_t)(uintptr_t)body;
	if (fd < 0)
		return errno;
	err = ioctl(fd, NIOCCTRL, &h) ? errno : 0;
	close(fd);
	return err;
}

int u_open(struct uport *p, const char *name)
{
	struct nmreq_register r;
	struct nmreq_header h;

	memset(p, 0, sizeof(*p));
	memset(&r, 0, sizeof(r));
	memset(&h, 0, sizeof(h));
	r.nr_mode = NR_REG_ALL_NIC;
	h.nr_version = NETMAP_API;
	h.nr_reqtype = NETMAP_REQ_REGISTER;
	snprintf(h.nr_name, sizeof(h.nr_name), "%s", name);
	h.nr_body = (uint64_t)(uintptr_t)&r;
	p->fd = open(DEV, O_RDWR);
	if (p->fd < 0 || ioctl(p->fd, NIOCCTRL, &h))
		return errno;
	p->memsize = r.nr_memsize;
	p->mem = mmap(NULL, r.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->mem == MAP_FAILED)
		return errno;
	p->nifp = NETMAP_IF(p->mem, r.nr_offset);
	return 0;
}

void u_cleanup(void)
{
	char n[NETMAP_REQ_IFNAMSIZ];

	if (have_nics) {
		snprintf(n, sizeof(n), "valeUn:%s", nic_names[1]);
		u_root_ctrl(NETMAP_REQ_VALE_POLLING_DISABLE, n, NULL);
		u_root_ctrl(NETMAP_REQ_VALE_DETACH, n, NULL);
	}
	u_root_ctrl(NETMAP_REQ_VALE_DETACH, "valeU:nmfu0", NULL);
	u_root_ctrl(NETMAP_REQ_VALE_DELIF, "nmfu0", NULL);
}

bool u_priv_type(unsigned int t)
{
	return t == NETMAP_REQ_VALE_ATTACH || t == NETMAP_REQ_VALE_DETACH ||
	       t == NETMAP_REQ_VALE_NEWIF || t == NETMAP_REQ_VALE_DELIF ||
	       t == NETMAP_REQ_VALE_POLLING_ENABLE || t == NETMAP_REQ_VALE_POLLING_DISABLE ||
	       t == NETMAP_REQ_PORT_HDR_SET;
}

void u_name(char name[NETMAP_REQ_IFNAMSIZ])
{
	if (chance(60))
		snprintf(name, NETMAP_REQ_IFNAMSIZ, "%s", u_names[rnd(U_NAMES)]);
	else
		gen_name(name);
}

/* NIOCCTRL on a handed fd, mostly the requests that need the privilege. */
void u_op_ctrl(int fd)
{
	static const uint8_t types[] = { 3, 4, 8, 9, 10, 11, 6, 3, 4, 8, 9, 10, 11,
					 1, 1, 2, 2, 5, 12, 7, 13, 14, 15, 0 };
	unsigned int t = types[rnd(sizeof(types))];
	size_t bl = body_size(t);
	bool wellformed;
	struct ctrl c;
	char name[NETMAP_REQ_IFNAMSIZ];
	int err;

	u_name(name);
	ctrl_init(&c, (uint16_t)t, name, bl);
	if (bl && chance(40))
		fill_random(c.body, bl);
	else if (t == NETMAP_REQ_VALE_ATTACH)
		((struct nmreq_vale_attach *)c.body)->reg.nr_mode = chance(50) ? NR_REG_ALL_NIC : NR_REG_NIC_SW;
	else if (t == NETMAP_REQ_VALE_POLLING_ENABLE)
		((struct nmreq_vale_polling *)c.body)->nr_num_polling_cpus = 1;
	else if (t == NETMAP_REQ_REGISTER)
		gen_register(c.body, chance(50));
	if (chance(5)) {
		c.body_ptr = chance(50) ? 0 : bad_pointer(bl ? bl : 8);
		c.hdr->nr_body = c.body_ptr;
	}
	if (chance(5))
		c.hdr->nr_version = (uint16_t)rnd_u32();
	if (chance(3))
		c.hdr->nr_reserved = c.reserved_in = rnd_u32();
	c.opt_ptr = gen_options(&c.oc, (uint64_t)(uintptr_t)c.hdr);
	c.hdr->nr_options = c.opt_ptr;
	wellformed = c.hdr->nr_version == NETMAP_API && !c.reserved_in && !c.opt_ptr &&
		     c.body_ptr == (bl ? (uint64_t)(uintptr_t)c.body : 0);
	trace("unpriv CTRL fd%d type %u \"%.64s\" body %#" PRIx64 " opts %#" PRIx64 "%s", fd, t,
	      c.hdr->nr_name, c.body_ptr, c.opt_ptr, wellformed ? "" : " (malformed)");
	err = ctrl_call(fd, &c);
	if (u_priv_type(t) && (err == 0 || (wellformed && err != EPERM)))
		violation("uid %d: NIOCCTRL type %u \"%.64s\" gave %s, want EPERM", (int)geteuid(), t,
			  name, errname(err));
	if (t == NETMAP_REQ_REGISTER && (err == 0 || (wellformed && err != EBUSY)))
		violation("uid %d: REGISTER \"%.64s\" on a bound fd gave %s, want EBUSY",
			  (int)geteuid(), name, errname(err));
}

/* Legacy NIOCREGIF (mostly topology nr_cmd) and NIOCGINFO on a handed fd. */
void u_op_legacy(int fd)
{
	static const uint8_t cmds[] = { 1, 2, 6, 7, 10, 11, 5, 1, 2, 6, 7, 10, 11, 0, 0, 4, 3, 8, 9, 12 };
	struct nmreq r;
	bool regif = chance(80), priv;
	char name[NETMAP_REQ_IFNAMSIZ];
	int err;

	memset(&r, 0, sizeof(r));
	u_name(name);
	memcpy(r.nr_name, name, sizeof(r.nr_name));
	r.nr_version = chance(92) ? NETMAP_API : rnd_u32();
	r.nr_cmd = chance(90) ? cmds[rnd(sizeof(cmds))] : (uint16_t)rnd_u32();
	r.nr_flags = chance(50) ? NR_REG_ALL_NIC : rnd_u32();
	r.nr_ringid = (uint16_t)rnd(4);
	r.nr_arg1 = (uint16_t)(chance(50) ? 1 : rnd_u32());
	r.nr_arg2 = (uint16_t)rnd(4);
	priv = regif && (r.nr_cmd == NETMAP_BDG_ATTACH || r.nr_cmd == NETMAP_BDG_DETACH ||
			 r.nr_cmd == NETMAP_BDG_NEWIF || r.nr_cmd == NETMAP_BDG_DELIF ||
			 r.nr_cmd == NETMAP_BDG_POLLING_ON || r.nr_cmd == NETMAP_BDG_POLLING_OFF ||
			 r.nr_cmd == NETMAP_BDG_VNET_HDR);
	trace("unpriv %s fd%d cmd %u \"%.16s\"", regif ? "NIOCREGIF" : "NIOCGINFO", fd, r.nr_cmd,
	      r.nr_name);
	err = ioctl(fd, regif ? NIOCREGIF : NIOCGINFO, &r) ? errno : 0;
	count(regif ? K_REGIF : K_GINFO, err);
	trace_ret("  -> %s", errname(err));
	if (priv && (err == 0 || (r.nr_version >= NETMAP_MIN_API && err != EPERM)))
		violation("uid %d: NIOCREGIF nr_cmd %u \"%.16s\" gave %s, want EPERM", (int)geteuid(),
			  r.nr_cmd, name, errname(err));
	if (regif && r.nr_cmd == 0 && (err == 0 || (r.nr_version >= NETMAP_MIN_API && err != EBUSY)))
		violation("uid %d: NIOCREGIF (rebind) \"%.16s\" gave %s, want EBUSY", (int)geteuid(),
			  name, errname(err));
}

/* Syncs and poll on untouched rings succeed; mmap maps the region and no more. */
void u_op_io(int fd, const struct uport *p)
{
	uint32_t how = rnd(100);
	int err;

	if (how < 50) {
		bool tx = chance(50);

		err = ioctl(fd, tx ? NIOCTXSYNC : NIOCRXSYNC, NULL) ? errno : 0;
		count(tx ? K_TXSYNC : K_RXSYNC, err);
		if (err)
			violation("uid %d: %s on a handed fd failed: %s", (int)geteuid(),
				  tx ? "NIOCTXSYNC" : "NIOCRXSYNC", errname(err));
	} else if (how < 70) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
		int rc = poll(&pfd, 1, 0);

		count(K_POLL, rc < 0 ? errno : 0);
		if (rc < 0 || (pfd.revents & (POLLERR | POLLNVAL)))
			violation("uid %d: poll on a handed fd: rc %d revents %#x", (int)geteuid(), rc,
				  pfd.revents);
	} else {
		uint64_t pages = p->memsize / (uint64_t)pagesz;
		uint64_t off = chance(70) ? rnd((uint32_t)pages) : rnd((uint32_t)pages + 64);
		uint64_t n = 1 + (chance(70) ? rnd((uint32_t)(pages - (off < pages ? off : 0))) :
				  rnd((uint32_t)pages + 64));
		void *m = mmap(NULL, n * (uint64_t)pagesz, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			       (off_t)(off * (uint64_t)pagesz));
		bool inside = off + n <= pages;

		count(K_MMAP, m == MAP_FAILED ? errno : 0);
		if ((m != MAP_FAILED) != inside)
			violation("uid %d: mmap of pages %" PRIu64 "+%" PRIu64 " of %" PRIu64 " %s",
				  (int)geteuid(), off, n, pages, inside ? "failed" : "succeeded");
		if (m != MAP_FAILED)
			munmap(m, n * (uint64_t)pagesz);
	}
}

void u_op_randioctl(int fd)
{
	unsigned long cmd = _IOC(rnd(4), 'i', chance(70) ? 140 + rnd(20) : rnd(256), rnd(300));
	int err;

	if (cmd == NIOCCTRL || cmd == NIOCREGIF || cmd == NIOCGINFO)
		return;	/* the real ones are u_op_ctrl's and u_op_legacy's */
	fill_random(arena + BODY_OFF, 512);
	err = ioctl(fd, cmd, arena + BODY_OFF) ? errno : 0;
	count(K_RANDIOCTL, err);
}

/* A child: receive the fds, drop privileges, fuzz. Exit 0, 1 (violation), 4 (no userns). */
int u_child(int sock, bool userns, const struct uport *ports, uint64_t max_calls,
		   double max_secs)
{
	int fds[U_N], fd, n;
	char why[160];

	keep_going = false;
	for (fd = 3; fd < 1024; fd++)
		if (fd != sock)
			close(fd);
	n = drop_recv_fds(sock, fds, U_N);
	if (n != u_nfds) {
		printf("nm_fuzz: unpriv: received %d fds, want %d\n", n, u_nfds);
		return 1;
	}
	if (drop_privileges(why, sizeof(why))) {
		printf("nm_fuzz: unpriv: %s\n", why);
		return 1;
	}
	if (userns && (n = drop_userns(why, sizeof(why)))) {
		printf("nm_fuzz: unpriv: %s\n", n > 0 ? strerror(n) : why);
		return n > 0 ? 4 : 1;
	}
	printf("nm_fuzz: unpriv: child uid %d, no capabilities%s, %d handed fds\n", (int)geteuid(),
	       userns ? " (but CAP_NET_ADMIN in a user+net namespace of its own)" : "", u_nfds);
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	calls = 0;
	while (calls < max_calls && ((calls & 63) || elapsed() < max_secs)) {
		int i = (int)rnd((uint32_t)u_nfds);
		uint32_t op = rnd(100);

		if (op < 45)
			u_op_ctrl(fds[i]);
		else if (op < 70)
			u_op_legacy(fds[i]);
		else if (op < 80)
			u_op_randioctl(fds[i]);
		else
			u_op_io(fds[i], &ports[i]);
	}
	print_stats(elapsed());
	return nviolations ? 1 : 0;
}

/* @n frames of random lengths from @tx to @rx; exactly those bytes must arrive. */
bool u_xfer(const struct uport *tx, const struct uport *rx, uint32_t n, uint8_t src,
		   const char *what)
{
	struct netmap_ring *t = NETMAP_TXRING(tx->nifp, 0), *r = NETMAP_RXRING(rx->nifp, 0);
	uint16_t lens[64];
	uint32_t i, got = 0, seqbase = (uint32_t)rnd64();
	unsigned char want[2048];

	ioctl(rx->fd, NIOCRXSYNC, NULL);
	r->head = r->cur = r->tail;	/* forget whatever came before */
	ioctl(rx->fd, NIOCRXSYNC, NULL);
	for (i = 0; i < n && i < 64 && !nm_ring_empty(t); i++) {
		struct netmap_slot *sl = &t->slot[t->cur];

		lens[i] = (uint16_t)(60 + rnd(1514 - 60 + 1));
		vale_frame((unsigned char *)NETMAP_BUF(t, sl->buf_idx), lens[i], seqbase + i, src);
		sl->len = lens[i];
		sl->flags = 0;
		t->head = t->cur = nm_ring_next(t, t->cur);
	}
	if (i != n || ioctl(tx->fd, NIOCTXSYNC, NULL) || ioctl(rx->fd, NIOCRXSYNC, NULL)) {
		violation("unpriv: %s: could not send %u frames (%u) or sync: %s", what, n, i,
			  errname(errno));
		return false;
	}
	for (; !nm_ring_empty(r); r->head = r->cur = nm_ring_next(r, r->cur)) {
		struct netmap_slot *sl = &r->slot[r->cur];

		if (got < n)
			vale_frame(want, lens[got], seqbase + got, src);
		if (got >= n || sl->len != lens[got] ||
		    memcmp(NETMAP_BUF(r, sl->buf_idx), want, lens[got]))
			violation("unpriv: %s: frame %u of %u is not what was sent (len %u)", what,
				  got, n, sl->len);
		got++;
	}
	ioctl(rx->fd, NIOCRXSYNC, NULL);
	if (got != n)
		violation("unpriv: %s: %u of %u frames arrived", what, got, n);
	return got == n;
}

/* Root's side: the topology, the children, the checks. Exit status of nm_fuzz. */
int unpriv_main(uint64_t max_calls, double max_secs)
{
	static char before[16384], after[16384];
	struct uport ports[U_N], keep[2];
	char n1[NETMAP_REQ_IFNAMSIZ];
	int round, err;

	const char *fixed[U_NAMES] = { "valeU:a", "valeU:b", "valeU:nmfu0", "nmfu0", "u{0", "u}0",
				       "u{1", "valeU:c", "valeU:c{1", "z{1", "nmfu1", "valeU:",
				       "valeUn:", "valeW:", "", "", "", "" };

	/* Waiting for a child is no stall of ours (the VM test has a timeout). */
	setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 0 } }, NULL);
	for (int i = 0; i < U_NAMES; i++)
		snprintf(u_names[i], sizeof(u_names[i]), "%s", fixed[i]);
	if (have_nics) {
		snprintf(u_names[12], sizeof(u_names[12]), "valeUn:%s", nic_names[1]);
		snprintf(u_names[13], sizeof(u_names[13]), "valeW:%s", nic_names[0]);
		snprintf(u_names[14], sizeof(u_names[14]), "%s", nic_names[0]);
		snprintf(u_names[15], sizeof(u_names[15]), "%s", nic_names[1]);
		snprintf(u_names[16], sizeof(u_names[16]), "valeU:%s", nic_names[1]);
		snprintf(u_names[17], sizeof(u_names[17]), "%s{1", nic_names[1]);
	}
	u_cleanup();
	err = u_root_ctrl(NETMAP_REQ_VALE_NEWIF, "nmfu0", NULL);
	err = err ? err : u_root_ctrl(NETMAP_REQ_VALE_ATTACH, "valeU:nmfu0", NULL);
	snprintf(n1, sizeof(n1), "valeUn:%s", nic_names[1]);
	if (!err && have_nics)
		err = u_root_ctrl(NETMAP_REQ_VALE_ATTACH, n1, NULL);
	if (!err && have_nics)
		err = u_root_ctrl(NETMAP_REQ_VALE_POLLING_ENABLE, n1, NULL);
	u_nfds = have_nics ? 3 : 2;
	err = err ? err : u_open(&ports[U_VALE], "valeU:a");
	err = err ? err : u_open(&ports[U_PIPE], "u{0");
	err = err || !have_nics ? err : u_open(&ports[U_NIC], nic_names[0]);
	err = err ? err : u_open(&keep[0], "valeU:b");
	err = err ? err : u_open(&keep[1], "u}0");
	if (err) {
		printf("nm_fuzz: unpriv: setting up as root: %s\n", errname(err));
		u_cleanup();
		return 2;
	}
	printf("nm_fuzz: unpriv: seed %" PRIu64 " calls %" PRIu64 " seconds %.0f per child\n", seed,
	       max_calls / 2, max_secs / 2);
	nmt_snapshot(DEV, before, sizeof(before));
	for (round = 0; round < 2; round++) {
		int sv[2], fds[U_N], st = 0;
		pid_t pid;

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			return 2;
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			rng_state = seed + 0x9e3779b97f4a7c15ULL * (uint64_t)(round + 1);
			_exit(u_child(sv[1], round == 1, ports, max_calls / 2, max_secs / 2));
		}
		close(sv[1]);
		for (int i = 0; i < u_nfds; i++)
			fds[i] = ports[i].fd;
		if ((err = drop_send_fds(sv[0], fds, u_nfds)))
			printf("nm_fuzz: unpriv: sending the fds: %s\n", strerror(err));
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		close(sv[0]);
		keep_going = true;	/* report everything, clean up below */
		if (WIFEXITED(st) && WEXITSTATUS(st) == 4)
			printf("nm_fuzz: unpriv: no user namespaces here, second child skipped\n");
		else if (!WIFEXITED(st) || WEXITSTATUS(st))
			violation("unpriv: child %d ended with status %#x", round, st);
		nmt_snapshot(DEV, after, sizeof(after));
		if (strcmp(before, after))
			violation("unpriv: root's view changed:\nbefore:\n%safter:\n%s", before, after);
		u_xfer(&ports[U_VALE], &keep[0], 32, 0xa1, "valeU:a -> valeU:b");
		u_xfer(&keep[0], &ports[U_VALE], 32, 0xb1, "valeU:b -> valeU:a");
		u_xfer(&ports[U_PIPE], &keep[1], 32, 0xa2, "u{0 -> u}0");
		u_xfer(&keep[1], &ports[U_PIPE], 32, 0xb2, "u}0 -> u{0");
	}
	u_cleanup();
	printf("nm_fuzz: unpriv: done: %u violations; topology unchanged: %s\n", nviolations,
	       strcmp(before, after) ? "no" : "yes");
	return nviolations ? 1 : 0;
}
