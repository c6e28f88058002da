// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_procs - processes: churn of the fd pool, bursts of pipes on one
 * parent, and children bound to pipes of parent "k" killed at random
 * moments.
 */
#include "nm_fuzz.h"

/* ------------------------------------------------------------------------
 * Churn: open/close, bursts of pipes, children killed at random.
 */
void op_churn(void)
{
	int slot = (int)rnd(NPOOL), i;

	if (chance(4)) {
		for (i = 0; i < NPOOL; i++)
			pool_close(i, true);
		return;
	}
	if (chance(10)) {
		int fd = open(DEV, O_RDWR);

		count(K_OPEN, fd < 0 ? errno : 0);
		if (fd >= 0)
			count(K_CLOSE, close(fd) ? errno : 0);
		return;
	}
	if (pool[slot] >= 0)
		pool_close(slot, true);
	else
		pool_open(slot);
}

void op_burst(void)
{
	int fds[80], n = 8 + (int)rnd(72), i, fd, err;
	char parent[16];
	struct ctrl c;
	struct nmreq_register *r;

	xs.bursts++;
	snprintf(parent, sizeof(parent), "%s", chance(30) ? parents[rnd(4)] : "burst");
	trace("burst of %d pipes on \"%s\"", n, parent);
	for (i = 0; i < n; i++) {
		char name[32];

		fds[i] = fd = open(DEV, O_RDWR);
		count(K_OPEN, fd < 0 ? errno : 0);
		if (fd < 0)
			continue;
		snprintf(name, sizeof(name), "%s%c%d", parent, chance(80) ? '{' : '}', i);
		ctrl_init(&c, NETMAP_REQ_REGISTER, name, sizeof(*r));
		r = c.body;
		r->nr_mode = NR_REG_ALL_NIC;
		r->nr_tx_slots = r->nr_rx_slots = 2 + rnd(15);
		err = ctrl_call(fd, &c);
		if (!err)
			xs.burst_regs_ok++;
	}
	for (i = 0; i < n; i++) {
		int j = (int)rnd((uint32_t)n);

		if (fds[j] >= 0) {
			count(K_CLOSE, close(fds[j]) ? errno : 0);
			fds[j] = -1;
		}
	}
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			count(K_CLOSE, close(fds[i]) ? errno : 0);
}

/* A child: binds "k" pipe ends, moves packets, blocks in poll, until killed. */
void child_main(int readyfd)
{
	struct {
		int fd;
		char *mem;
		uint64_t ms;
		struct netmap_ring *tx, *rx;
	} c[3];
	struct timespec t0, t;
	int i;

	for (i = 0; i < MAXFILES; i++) {
		if (!files[i].used)
			continue;
		if (files[i].mem && !files[i].dontfork) {
			(void)touch(files[i].mem);
			munmap(files[i].mem, files[i].memsize);
		}
		if (files[i].fd >= 0)
			close(files[i].fd);
	}
	for (i = 0; i < MAXMAPS; i++)
		if (xmaps[i].file >= 0)
			munmap(xmaps[i].p, xmaps[i].len);
	close(epfd);
	if (kpeer.fd >= 0) {
		munmap(kpeer.mem, kpeer.memsize);
		close(kpeer.fd);
	}
	if (write(readyfd, "r", 1) != 1)
		_exit(1);
	close(readyfd);
	memset(c, 0, sizeof(c));
	for (i = 0; i < 3; i++)
		c[i].fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct nmreq_header h;
		struct nmreq_register r;
		struct netmap_if *nifp;
		struct netmap_ring *ring;
		uint32_t n, j;

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 3)
			_exit(0);
		i = (int)rnd(3);
		if (c[i].fd < 0) {
			c[i].fd = open(DEV, O_RDWR);
			continue;
		}
		if (!c[i].mem) {
			memset(&h, 0, sizeof(h));
			memset(&r, 0, sizeof(r));
			h.nr_version = NETMAP_API;
			h.nr_reqtype = NETMAP_REQ_REGISTER;
			if (chance(25))
				snprintf(h.nr_name, sizeof(h.nr_name), "k}9");
			else
				snprintf(h.nr_name, sizeof(h.nr_name), "k%c%u",
					 chance(50) ? '{' : '}', rnd(3));
			h.nr_body = (uint64_t)(uintptr_t)&r;
			r.nr_mode = NR_REG_ALL_NIC;
			/*
			 * Small rings: they fit in the region of parent "k",
			 * which the parent process created (with "k{9"), so
			 * children never create regions: region ids, which
			 * the parent's requests name, stay reproducible.
			 */
			r.nr_tx_slots = r.nr_rx_slots = 64;
			if (chance(30))
				r.nr_flags = (const uint64_t[]){ NR_NO_TX_POLL, NR_DO_RX_POLL,
								 NR_EXCLUSIVE }[rnd(3)];
			if (ioctl(c[i].fd, NIOCCTRL, &h)) {
				if (chance(30)) {
					close(c[i].fd);
					c[i].fd = -1;
				}
				continue;
			}
			c[i].mem = mmap(NULL, r.nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, c[i].fd, 0);
			if (c[i].mem == MAP_FAILED) {
				c[i].mem = NULL;
				close(c[i].fd);
				c[i].fd = -1;
				continue;
			}
			c[i].ms = r.nr_memsize;
			nifp = (void *)(c[i].mem + r.nr_offset);
			c[i].tx = c[i].rx = NULL;
			if (nifp->ring_ofs[0])
				c[i].tx = NETMAP_TXRING(nifp, 0);
			if (nifp->ring_ofs[nifp->ni_tx_rings + nifp->ni_host_tx_rings])
				c[i].rx = NETMAP_RXRING(nifp, 0);
			continue;
		}
		switch (rnd(7)) {
		case 0: {	/* send what fits */
			uint32_t tail;

			ring = c[i].tx;
			if (!ring)
				break;
			n = ring->num_slots;
			tail = ring->tail;
			if (ring->cur >= n || tail >= n)
				break;
			for (j = ring->cur; j != tail; j = (j + 1) % n)
				ring->slot[j].len = 60;
			ring->head = ring->cur = j;
			ioctl(c[i].fd, NIOCTXSYNC, NULL);
			break;
		}
		case 1: {
			struct pollfd p = { .fd = c[i].fd, .events = chance(50) ? POLLIN : POLLOUT };

			poll(&p, 1, (int)rnd(300));	/* blocks: the parent may kill us here */
			break;
		}
		case 2:
			ring = c[i].rx;
			ioctl(c[i].fd, NIOCRXSYNC, NULL);
			if (ring && ring->tail < ring->num_slots)
				ring->head = ring->cur = ring->tail;
			break;
		case 3:
			ring = chance(50) ? c[i].tx : c[i].rx;
			if (ring) {
				ring->head = rnd_u32() % (ring->num_slots + 2);
				ioctl(c[i].fd, ring == c[i].tx ? NIOCTXSYNC : NIOCRXSYNC, NULL);
			}
			break;
		case 4:
			if (chance(30)) {
				munmap(c[i].mem, c[i].ms);
				close(c[i].fd);
				c[i].mem = NULL;
				c[i].fd = -1;
			}
			break;
		default:
			ioctl(c[i].fd, NIOCTXSYNC, NULL);
			ioctl(c[i].fd, NIOCRXSYNC, NULL);
		}
	}
}

void kpeer_close(void)
{
	if (kpeer.fd < 0)
		return;
	if (kpeer.mem)
		count(K_MUNMAP, munmap(kpeer.mem, kpeer.memsize) ? errno : 0);
	count(K_CLOSE, close(kpeer.fd) ? errno : 0);
	kpeer.fd = -1;
	kpeer.mem = NULL;
	kpeer.tx = kpeer.rx = NULL;
}

void kpeer_open(void)
{
	struct nmreq_register *r;
	struct netmap_if *nifp;
	struct ctrl c;
	uint32_t ntx;

	kpeer.fd = open(DEV, O_RDWR);
	count(K_OPEN, kpeer.fd < 0 ? errno : 0);
	if (kpeer.fd < 0)
		return;
	ctrl_init(&c, NETMAP_REQ_REGISTER, "k{9", sizeof(*r));
	r = c.body;
	r->nr_mode = NR_REG_ALL_NIC;
	r->nr_tx_slots = r->nr_rx_slots = 64;
	if (ctrl_call(kpeer.fd, &c))
		return;
	kpeer.mem = mmap(NULL, r->nr_memsize, PROT_READ | PROT_WRITE, MAP_SHARED, kpeer.fd, 0);
	count(K_MMAP, kpeer.mem == MAP_FAILED ? errno : 0);
	if (kpeer.mem == MAP_FAILED) {
		kpeer.mem = NULL;
		return;
	}
	kpeer.memsize = r->nr_memsize;
	/* bind_file() checks layouts; here just stay inside the mapping */
	if (r->nr_offset + sizeof(*nifp) + 4 * sizeof(ssize_t) > r->nr_memsize)
		return;
	nifp = NETMAP_IF(kpeer.mem, r->nr_offset);
	ntx = nifp->ni_tx_rings + nifp->ni_host_tx_rings;
	if (ntx != 2 || nifp->ni_rx_rings != 1)
		return;
	if (nifp->ring_ofs[0] > 0 &&
	    r->nr_offset + (uint64_t)nifp->ring_ofs[0] + sizeof(struct netmap_ring) +
	    16ULL * r->nr_tx_slots <= r->nr_memsize)
		kpeer.tx = NETMAP_TXRING(nifp, 0);
	if (nifp->ring_ofs[ntx] > 0 &&
	    r->nr_offset + (uint64_t)nifp->ring_ofs[ntx] + sizeof(struct netmap_ring) +
	    16ULL * r->nr_rx_slots <= r->nr_memsize)
		kpeer.rx = NETMAP_RXRING(nifp, 0);
}

/* Three calls on "k{9", whatever the child is doing. */
void kpeer_tick(void)
{
	struct pollfd p;
	int rc;

	if (kpeer.fd < 0)
		return;
	if (kpeer.tx) {
		uint32_t n = kpeer.tx->num_slots, tail = kpeer.tx->tail, j = kpeer.tx->cur;

		if (j < n && tail < n) {
			for (; j != tail; j = (j + 1) % n)
				kpeer.tx->slot[j].len = 60;
			kpeer.tx->head = kpeer.tx->cur = j;
		}
	}
	if (kpeer.rx && kpeer.rx->tail < kpeer.rx->num_slots)
		kpeer.rx->head = kpeer.rx->cur = kpeer.rx->tail;
	rc = ioctl(kpeer.fd, NIOCTXSYNC, NULL);
	count(K_TXSYNC, rc ? errno : 0);
	rc = ioctl(kpeer.fd, NIOCRXSYNC, NULL);
	count(K_RXSYNC, rc ? errno : 0);
	p = (struct pollfd){ .fd = kpeer.fd, .events = POLLIN | POLLOUT };
	rc = poll(&p, 1, 0);
	count(K_POLL, rc < 0 ? errno : 0);
}

void kill_child(void)
{
	int st;

	if (!child_active)
		return;
	if (child_pid > 0) {
		kill(child_pid, SIGKILL);
		waitpid(child_pid, &st, 0);
		xs.kills++;
	}
	child_pid = -1;
	child_active = false;
	kpeer_close();
}

void op_fork(void)
{
	int p[2], ops = (int)rnd(200);
	char ch;
	uint64_t cseed = rnd64();
	pid_t pid;

	if (child_active)
		return;
	if (pipe(p))
		return;
	kpeer_open();
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		kpeer_close();
		return;
	}
	if (pid == 0) {
		close(p[0]);
		rng_state = cseed;
		trace_from = UINT64_MAX;
		child_main(p[1]);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &ch, 1) != 1) {
		/* it died early */
	}
	close(p[0]);
	child_pid = pid;
	child_active = true;
	child_ops_left = ops;
	xs.forks++;
	trace("fork child %d, kill after %d ops", pid, child_ops_left);
}

void child_tick(void)
{
	int st;

	if (!child_active)
		return;
	kpeer_tick();
	if (--child_ops_left <= 0) {
		kill_child();
		return;
	}
	/* it may have ended by itself (3 s); reap it but keep the schedule */
	if (child_pid > 0 && waitpid(child_pid, &st, WNOHANG) == child_pid)
		child_pid = -1;
}
