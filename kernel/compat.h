/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * compat.h - the one place that absorbs differences between kernel versions.
 *
 * Kbuild force-includes this file into every object of netmap.ko, so the rest
 * of the module is written against the newest kernel's API and never tests
 * LINUX_VERSION_CODE itself (tests/lint/kernel-versions.sh fails if it does).
 * CI proves 6.1, 6.12 and Debian unstable's newest kernel (README.md,
 * "Kernels CI proves"); anything older than 6.1 is not supported. Each entry
 * below names the release that changed the API.
 */
#ifndef NM_COMPAT_H
#define NM_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "netmap.ko needs Linux 6.1 or newer"
#endif

/* vm_flags_set(): 6.3 made vma->vm_flags read-only and added the setters. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
#define vm_flags_set(vma, flags)	((vma)->vm_flags |= (flags))
#endif

/*
 * hrtimer_setup(): 6.13 added it (timer, callback, clock, mode) and 6.15
 * removed hrtimer_init(), which left the callback to be assigned after.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
/* A macro: this header comes first, before <linux/hrtimer.h> (and pr_fmt). */
#define hrtimer_setup(timer, fn, clock_id, mode)		\
	do {							\
		hrtimer_init((timer), (clock_id), (mode));	\
		(timer)->function = (fn);			\
	} while (0)
#endif

/* eventfd_signal(): 6.8 dropped the count argument (it was always 1). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#define nm_eventfd_signal(ctx)	eventfd_signal((ctx), 1)
#else
#define nm_eventfd_signal(ctx)	eventfd_signal(ctx)
#endif

/*
 * get_unaligned_be64() and the like (the core's MAC loads): 6.12 moved
 * <asm/unaligned.h> to <linux/unaligned.h>. Included here, not named in a
 * macro for nm_os.h: GNU C defines "linux" as 1, which would rewrite the path.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#include <asm/unaligned.h>
#else
#include <linux/unaligned.h>
#endif

#endif /* NM_COMPAT_H */
