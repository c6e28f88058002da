// SPDX-License-Identifier: BSD-2-Clause
/*
 * fdstore_sim - just enough of systemd to test netmapd's fd store and socket
 * activation in the VM, which has no systemd (tests/vm/guest/daemon.sh).
 *
 *   fdstore_sim SOCKET NOTIFY -- COMMAND [ARGS...]
 *
 * Listens on the unix socket SOCKET and passes it to COMMAND as
 * LISTEN_FDS with the name "netmapd.sock"; receives sd_notify messages on
 * the datagram socket NOTIFY (NOTIFY_SOCKET), keeps the fds sent with
 * FDSTORE=1 under their FDNAME (FDSTOREREMOVE=1 drops one) and passes them
 * back, named, after the socket when COMMAND starts again. SIGUSR1: kill
 * -9 COMMAND and start it again (a crash and Restart=). SIGHUP: forward it
 * (systemctl reload). SIGTERM: forward it, wait, exit with COMMAND's status. Prints one line per event on
 * stdout: "ready PID", "watchdog PID" (WATCHDOG_USEC is 1 s), "stopping
 * PID", "reloading PID", "status TEXT", "stored NAME", "removed NAME",
 * "started PID with N fds", "killed PID", "exited STATUS".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_STORED 64

static struct {
	char name[256];
	int fd;
} stored[MAX_STORED];
static int n_stored, lsock;
static char **cmd;
static const char *notify_path;

static int unix_socket(const char *path, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror(path);
		exit(1);
	}
	if (type == SOCK_STREAM && listen(s, 128) < 0) {
		perror("listen");
		exit(1);
	}
	return s;
}

static pid_t start(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		char names[MAX_STORED * 260] = "netmapd.sock", num[32];
		int n = 1 + n_stored;

		/* fds 3.. : the socket, then the stored ones (dup2 clears CLOEXEC). */
		int tmp[MAX_STORED + 1];

		tmp[0] = fcntl(lsock, F_DUPFD_CLOEXEC, 100);
		for (int i = 0; i < n_stored; i++)
			tmp[i + 1] = fcntl(stored[i].fd, F_DUPFD_CLOEXEC, 100);
		for (int i = 0; i < n; i++)
			dup2(tmp[i], 3 + i);
		for (int i = 0; i < n_stored; i++) {
			strcat(names, ":");
			strcat(names, stored[i].name);
		}
		snprintf(num, sizeof(num), "%d", n);
		setenv("LISTEN_FDS", num, 1);
		setenv("LISTEN_FDNAMES", names, 1);
		snprintf(num, sizeof(num), "%d", (int)getpid());
		setenv("LISTEN_PID", num, 1);
		setenv("NOTIFY_SOCKET", notify_path, 1);
		/* WatchdogSec=1s: pings expected every 0.5 s. */
		setenv("WATCHDOG_USEC", "1000000", 1);
		setenv("WATCHDOG_PID", num, 1);
		{
			sigset_t all;

			sigfillset(&all);
			sigprocmask(SIG_UNBLOCK, &all, NULL);
		}
		execvp(cmd[0], cmd);
		perror(cmd[0]);
		_exit(127);
	}
	printf("started %d with %d fds\n", (int)pid, 1 + n_stored);
	return pid;
}

static void field(const char *msg, const char *key, char *out, size_t len)
{
	const char *p = msg;
	size_t k = strlen(key);

	out[0] = '\0';
	while (p && *p) {
		if (!strncmp(p, key, k)) {
			size_t n = strcspn(p + k, "\n");

			if (n >= len)
				n = len - 1;
			memcpy(out, p + k, n);
			out[n] = '\0';
			return;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

static void on_notify(int ns, pid_t child)
{
	char msg[4096], name[256], cbuf[CMSG_SPACE(64 * sizeof(int))];
	struct iovec iov = { msg, sizeof(msg) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	int fds[64], nfds = 0;
	ssize_t n = recvmsg(ns, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

	if (n < 0)
		return;
	msg[n] = '\0';
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int) && nfds < 64; i++)
				fds[nfds++] = ((int *)CMSG_DATA(cm))[i];
	if (strstr(msg, "READY=1"))
		printf("ready %d\n", (int)child);
	if (strstr(msg, "WATCHDOG=1"))
		printf("watchdog %d\n", (int)child);
	if (strstr(msg, "STOPPING=1"))
		printf("stopping %d\n", (int)child);
	if (strstr(msg, "RELOADING=1"))
		printf("reloading %d\n", (int)child);
	field(msg, "STATUS=", name, sizeof(name));
	if (name[0])
		printf("status %s\n", name);
	field(msg, "FDNAME=", name, sizeof(name));
	if (strstr(msg, "FDSTORE=1") && name[0] && nfds) {
		int i;

		for (i = 0; i < n_stored && strcmp(stored[i].name, name); i++)
			;
		if (i < n_stored) {
			close(stored[i].fd);
		} else if (n_stored < MAX_STORED) {
			n_stored++;
		} else {
			close(fds[0]);
			nfds = 0;
		}
		if (nfds) {
			snprintf(stored[i].name, sizeof(stored[i].name), "%s", name);
			stored[i].fd = fds[0];
			printf("stored %s\n", name);
			for (int k = 1; k < nfds; k++)
				close(fds[k]);
		}
		return;
	}
	for (int k = 0; k < nfds; k++)
		close(fds[k]);
	if (strstr(msg, "FDSTOREREMOVE=1") && name[0]) {
		for (int i = 0; i < n_stored; i++) {
			if (strcmp(stored[i].name, name))
				continue;
			close(stored[i].fd);
			stored[i] = stored[--n_stored];
			printf("removed %s\n", name);
			break;
		}
	}
}

int main(int argc, char **argv)
{
	sigset_t mask;
	struct pollfd pfd[2];
	pid_t child;
	int ns, sfd, status;

	if (argc < 5 || strcmp(argv[3], "--")) {
		fprintf(stderr, "usage: fdstore_sim SOCKET NOTIFY -- COMMAND [ARGS...]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	notify_path = argv[2];
	cmd = argv + 4;
	lsock = unix_socket(argv[1], SOCK_STREAM);
	chmod(argv[1], 0666);
	ns = unix_socket(notify_path, SOCK_DGRAM);
	{
		int one = 1;

		setsockopt(ns, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	child = start();
	pfd[0] = (struct pollfd){ .fd = ns, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		struct signalfd_siginfo si;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return 1;
		if (pfd[0].revents & POLLIN)
			on_notify(ns, child);
		if (!(pfd[1].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGUSR1) {
			kill(child, SIGKILL);
			waitpid(child, &status, 0);
			/* What it sent before dying is in the queue: take it first. */
			while (poll(pfd, 1, 0) > 0)
				on_notify(ns, child);
			printf("killed %d\n", (int)child);
			child = start();
		} else if (si.ssi_signo == SIGHUP) {
			kill(child, SIGHUP);
		} else if (si.ssi_signo == SIGTERM) {
			kill(child, SIGTERM);
			waitpid(child, &status, 0);
			while (poll(pfd, 1, 0) > 0)
				on_notify(ns, child);
			printf("exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128);
			unlink(argv[1]);
			unlink(notify_path);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
		} else if (si.ssi_signo == SIGCHLD) {
			if (waitpid(child, &status, WNOHANG) == child) {
				printf("exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128);
				return 1;
			}
		}
	}
}
