// SPDX-License-Identifier: BSD-2-Clause
/*
 * runas - run a command as another uid, for the VM tests (the guest has no
 * su or setpriv): runas UID GID[,SUPPLEMENTARY...] COMMAND [ARGS...]
 * Sets the supplementary groups (the list after the first gid, possibly
 * empty), the gid, then the uid, and execs COMMAND (PATH is searched).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	gid_t groups[64];
	size_t n = 0;
	uid_t uid;
	gid_t gid;
	char *s, *tok, *save = NULL;

	if (argc < 4) {
		fprintf(stderr, "usage: runas UID GID[,GID...] COMMAND [ARGS...]\n");
		return 2;
	}
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	s = strdup(argv[2]);
	tok = strtok_r(s, ",", &save);
	gid = (gid_t)strtoul(tok ? tok : "0", NULL, 10);
	while ((tok = strtok_r(NULL, ",", &save)) && n < 64)
		groups[n++] = (gid_t)strtoul(tok, NULL, 10);
	free(s);
	if (setgroups(n, groups) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		perror("runas");
		return 126;
	}
	execvp(argv[3], argv + 3);
	perror(argv[3]);
	return 127;
}
