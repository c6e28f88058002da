// SPDX-License-Identifier: BSD-2-Clause
/*
 * nm_crash.so - crash injection for the real netmapd, by LD_PRELOAD
 * (tests/vm/guest/crash.sh). It counts the daemon's steps that change
 * something outside the process, and kill -9's the process right after the
 * Nth one completes, as a crash or an OOM kill would at that instant:
 *
 *   - NIOCCTRL requests that change the kernel: REGISTER (a pipe anchor),
 *     VALE_ATTACH, VALE_DETACH, VALE_NEWIF, VALE_DELIF, polling on/off;
 *   - NIC changes: SIOCSIFFLAGS, SIOCETHTOOL with ETHTOOL_SFEATURES or
 *     ETHTOOL_SPAUSEPARAM;
 *   - state file writes: rename() (the atomic replace of the state file).
 *
 * Reads (VALE_LIST, PORT_INFO_GET, SIOCGIFFLAGS, ETHTOOL_G*) are not
 * steps: killing before or after them is the same state.
 *
 *   NETMAPD_CRASH_AT=N   kill after step N (unset or 0: count only)
 *   NETMAPD_CRASH_LOG=F  append one line per step to F ("N what"), so the
 *                        test can tell an apply that ran to its end
 *
 * Test code only: nothing of it is in netmapd.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <net/netmap.h>

static unsigned long steps, crash_at;
static int log_fd = -1;
static int inited;

static void init(void)
{
	const char *s;

	if (inited)
		return;
	inited = 1;
	s = getenv("NETMAPD_CRASH_AT");
	crash_at = s ? strtoul(s, NULL, 10) : 0;
	s = getenv("NETMAPD_CRASH_LOG");
	if (s)
		log_fd = open(s, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

/* One step done: log it, and die if it is the one. */
static void step(const char *what, const char *name)
{
	char line[160];
	int n;

	init();
	steps++;
	n = snprintf(line, sizeof(line), "%lu %s %s%s\n", steps, what, name,
		     steps == crash_at ? " KILLED" : "");
	if (log_fd >= 0 && n > 0)
		(void)!write(log_fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	if (steps == crash_at)
		kill(getpid(), SIGKILL);
}

static const char *ctrl_name(uint16_t t)
{
	switch (t) {
	case NETMAP_REQ_REGISTER:
		return "register";
	case NETMAP_REQ_VALE_ATTACH:
		return "attach";
	case NETMAP_REQ_VALE_DETACH:
		return "detach";
	case NETMAP_REQ_VALE_NEWIF:
		return "newif";
	case NETMAP_REQ_VALE_DELIF:
		return "delif";
	case NETMAP_REQ_VALE_POLLING_ENABLE:
		return "polling_enable";
	case NETMAP_REQ_VALE_POLLING_DISABLE:
		return "polling_disable";
	}
	return NULL;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	const char *what = NULL, *name = "";
	char ifname[IFNAMSIZ + 1] = "";
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	if (req == NIOCCTRL && arg) {
		const struct nmreq_header *h = arg;

		what = ctrl_name(h->nr_reqtype);
		name = h->nr_name;
	} else if ((req == SIOCSIFFLAGS || req == SIOCETHTOOL) && arg) {
		const struct ifreq *ifr = arg;

		snprintf(ifname, sizeof(ifname), "%s", ifr->ifr_name);
		name = ifname;
		if (req == SIOCSIFFLAGS) {
			what = "setflags";
		} else if (ifr->ifr_data) {
			uint32_t cmd;

			memcpy(&cmd, ifr->ifr_data, sizeof(cmd));
			what = cmd == ETHTOOL_SFEATURES ? "sfeatures" :
			       cmd == ETHTOOL_SPAUSEPARAM ? "spauseparam" : NULL;
		}
	}
	r = real(fd, req, arg);
	if (what)
		step(what, name);
	return r;
}

int rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);
	int r;

	if (!real)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	r = real(from, to);
	step("rename", to);
	return r;
}
