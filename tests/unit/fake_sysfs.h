/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fake_sysfs.h - the part of sysfs the doctor tests fake: netmap.ko's
 * version file under a directory that stands for /sys.
 */
#ifndef NM_TEST_FAKE_SYSFS_H
#define NM_TEST_FAKE_SYSFS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Write @version into @root/module/netmap/version (the directories made
 * as needed); its path in @path. Whether it was written.
 */
static inline bool fake_module_version(const char *root, const char *version, char *path,
				       size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/module", root);
	mkdir(path, 0700);
	snprintf(path, len, "%s/module/netmap", root);
	mkdir(path, 0700);
	snprintf(path, len, "%s/module/netmap/version", root);
	f = fopen(path, "w");
	return f && fprintf(f, "%s\n", version) > 0 && fclose(f) == 0;
}

/* Remove what fake_module_version() made under @root (not @root). */
static inline void fake_module_version_remove(const char *root)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/module/netmap/version", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/module/netmap", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/module", root);
	rmdir(path);
}

#endif /* NM_TEST_FAKE_SYSFS_H */
