// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_nmctl_cli - the nmctl binary against a fake netmapd (nmd_fake.c) on
 * a unix socket in a private folder under /tmp: outputs of show (table,
 * dot, json), stats --prometheus, status, plan, apply and events against
 * the golden files; the exit codes (0 ok, 1 refused, 2 usage, 3
 * unreachable) with their hints; and `nmctl exec`, which runs this same
 * program with --child to check what a handed-over program sees: fds 3..,
 * LISTEN_PID = its pid, LISTEN_FDS, LISTEN_FDNAMES, NMD_PORTS, and ports
 * that libnmd maps without asking anyone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libnmd.h"
#include "nmd_fake.h"

#include "check.h"

static char dir[64], sock[128], outp[128], errp[128];
static char *out, *err;
static char file[160], self[4096];
static pid_t srv;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t n = 0;

	if (!f)
		return strdup("");
	if (getdelim(&s, &n, '\0', f) < 0) {
		free(s);
		s = strdup("");
	}
	fclose(f);
	return s;
}

/*
 * Run nmctl -s SOCK ARGS (NULL-terminated) as @uid (-1: as we are);
 * stdout/stderr in out/err. Returns the exit code; 98 if nmctl could not
 * be run as @uid.
 */
static int vnmctl(int uid, const char *stdin_text, va_list ap)
{
	char *argv[32];
	int argc = 0, st;
	pid_t pid;

	argv[argc++] = (char *)NMCTL_PATH;
	argv[argc++] = (char *)"-s";
	argv[argc++] = sock;
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	argv[argc] = NULL;
	free(out);
	free(err);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		dup2(o, 1);
		dup2(e, 2);
		close(o);
		close(e);
		if (stdin_text) {
			int p[2];

			if (pipe(p) < 0 || write(p[1], stdin_text, strlen(stdin_text)) < 0)
				_exit(99);
			close(p[1]);
			dup2(p[0], 0);
		}
		if (uid >= 0 && (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
				 setresuid(uid, uid, uid) < 0))
			_exit(98);
		execv(argv[0], argv);
		_exit(98);
	}
	waitpid(pid, &st, 0);
	out = slurp(outp);
	err = slurp(errp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int nmctl(const char *stdin_text, ...)
{
	va_list ap;
	int rc;

	va_start(ap, stdin_text);
	rc = vnmctl(-1, stdin_text, ap);
	va_end(ap);
	return rc;
}

static int nmctl_as(int uid, ...)
{
	va_list ap;
	int rc;

	va_start(ap, uid);
	rc = vnmctl(uid, NULL, ap);
	va_end(ap);
	return rc;
}

static void golden(const char *name, const char *got)
{
	char path[512];
	char *want;

	snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
	want = slurp(path);
	CHECK(!strcmp(want, got), "%s differs; got:\n%s", name, got);
	free(want);
}

/* `nmctl exec ... -- test_nmctl_cli --child N`: what the program sees. */
static int child(int want)
{
	struct nmd_port **ports;
	size_t n;
	char pid[32];
	const char *lp = getenv("LISTEN_PID"), *names = getenv("LISTEN_FDNAMES");
	const char *desc = getenv("NMD_PORTS");
	int r;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	CHECK(lp && !strcmp(lp, pid), "LISTEN_PID %s is me (%s)", lp ? lp : "(unset)", pid);
	CHECK(names && !strcmp(names, want == 2 ? "vale0.vm1:pipe" : "vale0.vm1"), "LISTEN_FDNAMES %s",
	      names ? names : "(unset)");
	CHECK(desc && !strstr(desc, "\"fds\"") && strstr(desc, "\"label\":\"vale0.vm1\""), "NMD_PORTS %s",
	      desc ? desc : "(unset)");
	for (int i = 0; i < want; i++)
		CHECK(fcntl(3 + i, F_GETFD) == 0, "fd %d open without FD_CLOEXEC", 3 + i);
	CHECK(fcntl(3 + want, F_GETFD) < 0, "no fd %d", 3 + want);
	r = nmd_ports_from_env(&ports, &n);
	CHECK(r == want && n == (size_t)want, "ports from env: %d", r);
	if (r == want) {
		struct nmd_port *p = nmd_ports_find(ports, n, "vale0.vm1");

		CHECK(p && p->fd == 3 && !strcmp(p->name, "vale0:vm1"), "first port");
		CHECK(p && p->nifp->ni_tx_rings == FAKE_TX_RINGS &&
		      !memcmp((char *)p->mem + FAKE_MAGIC_OFS, FAKE_MAGIC, sizeof(FAKE_MAGIC)),
		      "mapped without the daemon");
		if (want == 2)
			CHECK(nmd_ports_find(ports, n, "pipe") == ports[1], "labelled second port");
		nmd_ports_free(ports, n);
	}
	CHECK(!getenv("LISTEN_FDS") && !getenv("NMD_PORTS"), "variables unset");
	return failed ? 10 : 0;
}

/* Outputs against the golden files. */
static void test_outputs(void)
{
	int rc;

	rc = nmctl(NULL, "show", NULL);
	CHECK(rc == 0, "show: %d %s", rc, err);
	golden("show.txt", out);
	rc = nmctl(NULL, "show", "--format", "dot", NULL);
	CHECK(rc == 0, "show dot: %d", rc);
	golden("show.dot", out);
	rc = nmctl(NULL, "show", "--json", NULL);
	{
		json_t *j = json_loads(out, 0, NULL);

		CHECK(rc == 0 && json_is_array(json_object_get(j, "switches")) &&
		      json_array_size(json_object_get(j, "holders")) == 2, "show --json: %s", out);
		json_decref(j);
	}
	rc = nmctl(NULL, "--json", "show", "--format", "table", NULL);
	CHECK(rc == 0, "explicit format wins");
	golden("show.txt", out);
	rc = nmctl(NULL, "stats", "--prometheus", NULL);
	CHECK(rc == 0, "stats --prometheus: %d", rc);
	golden("stats.prom", out);
	rc = nmctl(NULL, "stats", NULL);
	CHECK(rc == 0, "stats");
	golden("stats.txt", out);
	rc = nmctl(NULL, "status", NULL);
	CHECK(rc == 0, "status");
	golden("status.txt", out);
	rc = nmctl(NULL, "mod", "info", NULL);
	CHECK(rc == 0, "module info, by a unique prefix");
	golden("module-info.txt", out);
	rc = nmctl(NULL, "port", "list", NULL);
	CHECK(rc == 0, "port list");
	golden("port-list.txt", out);
	rc = nmctl(NULL, "events", "--count", "2", NULL);
	CHECK(rc == 0, "events: %d %s", rc, err);
	golden("events.txt", out);
	rc = nmctl(NULL, "events", "-n", "1", "--json", NULL);
	CHECK(rc == 0 && !strncmp(out, "{\"jsonrpc\":\"2.0\",\"method\":\"event\"", 33) &&
	      strchr(out, '\n') == out + strlen(out) - 1, "events --json: one raw line: %s", out);
	rc = nmctl(NULL, "port", "open", "vale0:vm1", NULL);
	CHECK(rc == 0 && strstr(out, "memsize:") && strstr(out, "handle:"), "port open: %s", out);
	rc = nmctl(NULL, "port", "close", "5", NULL);
	CHECK(rc == 0 && !strcmp(out, "Handle 5 closed.\n"), "port close: %s", out);
}

/* plan / apply, from a file and from stdin. */
static void test_plan_apply(void)
{
	int rc;

	rc = nmctl(NULL, "plan", file, NULL);
	CHECK(rc == 0, "plan");
	golden("plan.txt", out);
	rc = nmctl("version: 1\n", "plan", "-", NULL);
	CHECK(rc == 0, "plan from stdin");
	golden("plan.txt", out);
	rc = nmctl(NULL, "apply", file, NULL);
	CHECK(rc == 0 && !strncmp(out, "Plan:\n  1. create", 17) && strstr(out, "Applied: 3 actions.\n"),
	      "apply: %s", out);
}

/* Refusals: exit code 1 and its hints. */
static void test_refused(void)
{
	int rc;

	rc = nmctl("switches:\n  - name: bad\n", "plan", "-", NULL);
	CHECK(rc == 1 && strstr(err, "Configuration refused") && strstr(err, "<config>:3:5:") &&
	      strstr(err, "netmapd --check"), "bad config: %d %s", rc, err);
	rc = nmctl("apply-denied\n", "apply", "-", NULL);
	CHECK(rc == 1 && strstr(err, "only root and the admins"), "apply denied: %d %s", rc, err);
	rc = nmctl(NULL, "port", "open", "vale0:secret", NULL);
	CHECK(rc == 1 && strstr(err, "permission denied: ask an admin to add you to the access list of vale0:secret in /etc/netmapd/netmapd.yaml"),
	      "refused with hint: %d %s", rc, err);
	rc = nmctl(NULL, "--json", "port", "open", "vale0:secret", NULL);
	{
		json_t *j = json_loads(out, 0, NULL);

		CHECK(rc == 1 && json_integer_value(json_object_get(json_object_get(j, "error"), "code")) == -32001,
		      "JSON error: %s", out);
		json_decref(j);
	}
	rc = nmctl(NULL, "port", "open", "nosuch", NULL);
	CHECK(rc == 1 && strstr(err, "nmctl show"), "not found: %s", err);
}

/* Usage errors: exit code 2. */
static void test_usage(void)
{
	int rc;

	rc = nmctl(NULL, NULL);
	CHECK(rc == 2, "no command: %d", rc);
	rc = nmctl(NULL, "frobnicate", NULL);
	CHECK(rc == 2 && strstr(err, "unknown command"), "unknown command");
	rc = nmctl(NULL, "s", NULL);
	CHECK(rc == 2 && strstr(err, "ambiguous"), "ambiguous prefix");
	rc = nmctl(NULL, "plan", NULL);
	CHECK(rc == 2, "plan without file");
	rc = nmctl(NULL, "plan", "/nonexistent/x.yaml", NULL);
	CHECK(rc == 2 && strstr(err, "cannot read"), "unreadable file: %d", rc);
	rc = nmctl(NULL, "show", "--format", "svg", NULL);
	CHECK(rc == 2, "bad format");
	rc = nmctl(NULL, "port", "close", "abc", NULL);
	CHECK(rc == 2, "bad handle");
	rc = nmctl(NULL, "exec", "--", "true", NULL);
	CHECK(rc == 2, "exec without ports");
	rc = nmctl(NULL, "show", "--help", NULL);
	CHECK(rc == 0 && strstr(out, "usage: nmctl show"), "command help");
}

/* exec: the child's view, CMD's status. */
static void test_exec(void)
{
	int rc;

	rc = nmctl(NULL, "exec", "--port", "vale0:vm1", "--", self, "--child", "1", NULL);
	CHECK(rc == 0, "exec one port: %d\n%s%s", rc, out, err);
	rc = nmctl(NULL, "exec", "--port", "vale0:vm1", "-p", "v0{1=pipe", self, "--child", "2", NULL);
	CHECK(rc == 0, "exec two ports, labelled, no --: %d\n%s%s", rc, out, err);
	rc = nmctl(NULL, "exec", "--port", "vale0:vm1", "--", "sh", "-c", "exit 7", NULL);
	CHECK(rc == 7, "exec: CMD's status: %d", rc);
	rc = nmctl(NULL, "exec", "--port", "vale0:vm1", "--", "sh", "-c", "kill -TERM $$", NULL);
	CHECK(rc == 128 + SIGTERM, "exec: killed CMD: %d", rc);
	rc = nmctl(NULL, "exec", "--port", "vale0:vm1", "--", "/nonexistent/cmd", NULL);
	CHECK(rc == 127 && strstr(err, "cannot run /nonexistent/cmd"), "exec: cannot run: %d %s", rc, err);
	rc = nmctl(NULL, "exec", "--port", "vale0:secret", "--", "true", NULL);
	CHECK(rc == 1 && strstr(err, "access list of vale0:secret"), "exec refused: %d %s", rc, err);
	rc = nmctl(NULL, "exec", "--port", "a=b:c", "--", "true", NULL);
	CHECK(rc == 2, "label with ':'");
}

static void test_wait(void)
{
	int rc;

	/* A value the daemon refuses: no talk of versions. */
	rc = nmctl(NULL, "port", "open", "bad/name", NULL);
	CHECK(rc == 1 && strstr(err, "refused a value given for bad/name") && !strstr(err, "version"),
	      "invalid params hint: %d %s", rc, err);
	/* wait: applied at once. */
	rc = nmctl(NULL, "wait", "--timeout", "5", NULL);
	CHECK(rc == 0 && !strcmp(out, "applied\n"), "wait when applied: %d %s", rc, out);
	rc = nmctl(NULL, "wait", "--timeout", "x", NULL);
	CHECK(rc == 2, "wait: bad timeout");
	rc = nmctl(NULL, "apply", "--confirm", "0", file, NULL);
	CHECK(rc == 2, "apply --confirm 0 is a usage error");
	/*
	 * A socket we may not use: waiting will not let us in, so wait ends
	 * at once and says which group to join (the private folder of the
	 * socket refuses nobody's uid; root is needed to become nobody).
	 */
	if (geteuid() == 0) {
		rc = nmctl_as(65534, "wait", "--timeout", "30", NULL);
		if (rc == 98)
			printf("note: nmctl cannot run as uid 65534 here; wait on EACCES not checked\n");
		else
			CHECK(rc == 3 && strstr(err, "Permission denied") &&
			      strstr(err, "hint: the socket is for group"),
			      "wait on a socket that refuses us: %d %s", rc, err);
	}
}

/* Unreachable: after the fake stops (so: the last case), and a wrong path. */
static void test_unreachable(void)
{
	int rc;

	fake_stop(srv);
	srv = 0;
	rc = nmctl(NULL, "status", NULL);
	CHECK(rc == 3 && strstr(err, "systemctl status netmapd"), "unreachable: %d %s", rc, err);
	rc = nmctl(NULL, "--json", "status", NULL);
	CHECK(rc == 3 && strstr(out, "\"code\": -32099") && !strstr(out, "\"code\": 0"),
	      "unreachable as JSON: never code 0: %s", out);
	rc = nmctl(NULL, "wait", "--timeout", "0.3", NULL);
	CHECK(rc == 3 && strstr(err, "cannot be reached"), "wait without a daemon: %d %s", rc, err);
	rc = nmctl(NULL, "exec", "--port", "vale0:vm1", "--", "true", NULL);
	CHECK(rc == 3, "exec unreachable: %d", rc);
}

static const struct check_case cases[] = {
	CHECK_CASE(outputs),
	CHECK_CASE(plan_apply),
	CHECK_CASE(refused),
	CHECK_CASE(usage),
	CHECK_CASE(exec),
	CHECK_CASE(wait),
	CHECK_CASE(unreachable),
};

int main(int argc, char **argv)
{
	ssize_t sl;
	FILE *f;
	int r;

	if (argc == 3 && !strcmp(argv[1], "--child"))
		return child(atoi(argv[2]));
	signal(SIGPIPE, SIG_IGN);
	setenv("TZ", "UTC", 1);
	snprintf(dir, sizeof(dir), "/tmp/test_nmctl.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock, sizeof(sock), "%s/nmd.sock", dir);
	snprintf(outp, sizeof(outp), "%s/out", dir);
	snprintf(errp, sizeof(errp), "%s/err", dir);
	snprintf(file, sizeof(file), "%s/good.yaml", dir);
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	f = fopen(file, "w");
	if (sl < 0 || !f)
		return 1;
	self[sl] = '\0';
	fputs("version: 1\n", f);
	fclose(f);
	srv = fake_start(sock, GOLDEN_DIR);
	r = CHECK_RUN(argc, argv, cases);
	if (srv)
		fake_stop(srv);
	free(out);
	free(err);
	unlink(file);
	unlink(outp);
	unlink(errp);
	unlink(sock);
	rmdir(dir);
	return check_exit(r);
}
