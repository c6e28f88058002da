/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * nm_drop.h - what the privilege tests (nm_priv, nm_fuzz --unpriv) need to
 * play the unprivileged application netmapd hands port fds to: pass fds
 * over a unix socket with SCM_RIGHTS, as the daemon does; drop to a uid/gid
 * with no supplementary groups and an empty capability set, and prove it
 * with capget(); optionally become "root" of a new user and network
 * namespace, as any user can where unprivileged user namespaces are on.
 * Header only (static functions): nm_fuzz is built from one file.
 */
#ifndef NM_DROP_H
#define NM_DROP_H

#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <linux/capability.h>

#define DROP_UID	65534	/* nobody */
#define DROP_GID	65534	/* nogroup */
#define DROP_MAXFDS	16

/* Send @n fds in one message with SCM_RIGHTS. 0 or errno. */
static int drop_send_fds(int sock, const int *fds, int n)
{
	char ctl[CMSG_SPACE(sizeof(int) * DROP_MAXFDS)];
	char byte = 'f';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n) };
	struct cmsghdr *c;

	if (n < 1 || n > DROP_MAXFDS)
		return EINVAL;
	memset(ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	return sendmsg(sock, &m, 0) == 1 ? 0 : errno;
}

/* Receive up to @max fds sent by drop_send_fds(); how many, or -1. */
static int drop_recv_fds(int sock, int *fds, int max)
{
	char ctl[CMSG_SPACE(sizeof(int) * DROP_MAXFDS)];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int n;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return -1;
	n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	if (n > max)
		return -1;
	memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)n);
	return n;
}

/* Effective and permitted capability sets of this process (64 bits each). */
static int drop_caps(uint64_t *eff, uint64_t *perm)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return errno;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	return 0;
}

/*
 * Become DROP_UID/DROP_GID with no supplementary groups; the kernel clears
 * every capability when all uids leave 0. Then check with capget() that the
 * effective and permitted sets are empty. 0, or a message in @why.
 */
static int drop_privileges(char *why, size_t len)
{
	uint64_t eff, perm;

	if (setgroups(0, NULL) || setresgid(DROP_GID, DROP_GID, DROP_GID) ||
	    setresuid(DROP_UID, DROP_UID, DROP_UID)) {
		snprintf(why, len, "dropping to uid %d: %s", DROP_UID, strerror(errno));
		return -1;
	}
	if (drop_caps(&eff, &perm) || eff || perm) {
		snprintf(why, len, "capabilities not empty after the drop: effective %#llx permitted %#llx",
			 (unsigned long long)eff, (unsigned long long)perm);
		return -1;
	}
	if (getuid() != DROP_UID || geteuid() != DROP_UID || getgid() != DROP_GID ||
	    getgroups(0, NULL) != 0) {
		snprintf(why, len, "ids not dropped: uid %d euid %d gid %d groups %d", (int)getuid(),
			 (int)geteuid(), (int)getgid(), getgroups(0, NULL));
		return -1;
	}
	return 0;
}

/*
 * After drop_privileges(): a new user namespace and a network namespace it
 * owns, where this process has every capability (CAP_NET_ADMIN included,
 * checked). 0, or the errno of unshare() (EPERM, EINVAL, ENOSPC: user
 * namespaces are off for unprivileged users here), or -1 with @why.
 */
static int drop_userns(char *why, size_t len)
{
	uint64_t eff, perm;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return errno;
	if (drop_caps(&eff, &perm) || !(eff & (1ULL << CAP_NET_ADMIN))) {
		snprintf(why, len, "no CAP_NET_ADMIN in the new user namespace (effective %#llx)",
			 (unsigned long long)eff);
		return -1;
	}
	return 0;
}

#endif /* NM_DROP_H */
