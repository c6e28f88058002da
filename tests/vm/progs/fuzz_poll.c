// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_poll - NIOCTXSYNC/NIOCRXSYNC, poll, select and epoll on bound and
 * unbound fds.
 */
#include "nm_fuzz.h"

int do_sync(int fi, bool tx)
{
	int rc, err;
	void *arg = chance(5) ? (void *)bad_pointer(8) : NULL;

	rc = ioctl(files[fi].fd, tx ? NIOCTXSYNC : NIOCRXSYNC, arg);
	err = rc ? errno : 0;
	count(tx ? K_TXSYNC : K_RXSYNC, err);
	trace_ret("%s fd%d (%s) -> %s", tx ? "TXSYNC" : "RXSYNC", files[fi].fd,
	      files[fi].bound ? files[fi].name : "unbound", errname(err));
	if (err == 0 && !files[fi].bound)
		violation("%s on an unbound fd succeeded (after failed REGISTERs only)",
			  tx ? "NIOCTXSYNC" : "NIOCRXSYNC");
	return err;
}

void op_sync(void)
{
	int fi = pick_file();

	if (fi >= 0)
		do_sync(fi, chance(50));
}

short rnd_events(void)
{
	static const short ev[] = { POLLIN, POLLOUT, POLLIN | POLLOUT, 0, POLLPRI,
				    POLLRDNORM | POLLWRNORM, POLLIN | POLLOUT | POLLPRI };
	return ev[rnd(7)];
}

void poll_check(int fi, short revents)
{
	if (!files[fi].bound) {
		if (!(revents & POLLERR))
			violation("poll on an unbound fd returned %#x without POLLERR", revents);
		xs.poll_err_unbound++;
	}
}

void op_poll(void)
{
	struct pollfd pfd[NPOOL];
	int fis[NPOOL], n = 0, i, rc;
	uint32_t how = rnd(100);

	if (how < 55) {
		int fi = pick_file();

		if (fi < 0)
			return;
		pfd[0] = (struct pollfd){ .fd = files[fi].fd, .events = rnd_events() };
		fis[0] = fi;
		n = 1;
	} else if (how < 75) {
		for (i = 0; i < NPOOL; i++) {
			if (pool[i] < 0 || chance(30))
				continue;
			pfd[n] = (struct pollfd){ .fd = files[pool[i]].fd, .events = rnd_events() };
			fis[n++] = pool[i];
		}
		if (!n)
			return;
	} else if (how < 87) {
		fd_set r, w, e;
		struct timeval tv = { 0, 0 };
		int maxfd = -1;

		FD_ZERO(&r);
		FD_ZERO(&w);
		FD_ZERO(&e);
		for (i = 0; i < NPOOL; i++) {
			int fd;

			if (pool[i] < 0)
				continue;
			fd = files[pool[i]].fd;
			if (chance(60))
				FD_SET(fd, &r);
			if (chance(60))
				FD_SET(fd, &w);
			if (chance(20))
				FD_SET(fd, &e);
			if (fd > maxfd)
				maxfd = fd;
		}
		if (maxfd < 0)
			return;
		rc = select(maxfd + 1, &r, &w, &e, &tv);
		count(K_SELECT, rc < 0 ? errno : 0);
		trace_ret("select -> %d", rc);
		return;
	} else {
		struct epoll_event ev[NPOOL];
		int fi = pick_file();

		if (fi < 0)
			return;
		if (chance(60)) {
			struct epoll_event e = {
				.events = (uint32_t)rnd_events() |
					  (chance(20) ? EPOLLET : 0) | (chance(10) ? EPOLLONESHOT : 0),
			};
			int op = chance(60) ? EPOLL_CTL_ADD : chance(50) ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;

			rc = epoll_ctl(epfd, op, files[fi].fd, &e);
			count(K_EPOLL, rc ? errno : 0);
			trace_ret("epoll_ctl %d fd%d -> %s", op, files[fi].fd, errname(rc ? errno : 0));
		}
		rc = epoll_wait(epfd, ev, NPOOL, 0);
		count(K_EPOLL, rc < 0 ? errno : 0);
		trace_ret("epoll_wait -> %d", rc);
		return;
	}
	rc = poll(pfd, (nfds_t)n, 0);
	count(K_POLL, rc < 0 ? errno : 0);
	trace_ret("poll %d fds -> %d", n, rc);
	if (rc < 0)
		return;
	for (i = 0; i < n; i++)
		poll_check(fis[i], pfd[i].revents);
}
