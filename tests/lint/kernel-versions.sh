#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# kernel/compat.h is the only file of the module that knows kernel versions
# (Kbuild force-includes it everywhere): an API change is absorbed there,
# once, instead of in #if blocks spread over the sources. Fails listing
# every other line of kernel/ that tests or includes the version, and
# fails if compat.h is not force-included.
#   kernel-versions.sh SOURCE_DIR
set -eu
k=${1:?usage: kernel-versions.sh SOURCE_DIR}/kernel
hits=$(grep -rnE 'LINUX_VERSION_CODE|KERNEL_VERSION|LINUX_VERSION_(MAJOR|PATCHLEVEL|SUBLEVEL)|<(linux|generated/uapi/linux)/version\.h>' \
	"$k" --include='*.c' --include='*.h' | grep -v "^$k/compat\.h:" || true)
if [ -n "$hits" ]; then
	echo "kernel version tests outside kernel/compat.h (absorb the API change there):"
	echo "$hits"
	exit 1
fi
grep -q -- '-include $(src)/compat.h' "$k/Kbuild" || {
	echo "kernel/Kbuild does not force-include compat.h"
	exit 1
}
echo "kernel-versions: only kernel/compat.h tests kernel versions"
