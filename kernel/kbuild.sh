#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Build netmap.ko against one kernel's headers, out of the source tree.
#
#   kernel/kbuild.sh KDIR OUTDIR [CHROOT]
#
# With CHROOT (tests/vm/kernels.sh's KCHROOT: a Debian unstable root whose
# headers need its own compiler and libc), the build runs inside it: in a
# private mount namespace, the checkout and OUTDIR are bind-mounted at the
# same paths in the chroot (the mirror's symlinks are absolute) and /proc is
# mounted (objtool wants it); the mounts go with the namespace. Needs root.
#
# Kbuild writes its objects next to the sources (M=), so to build for several
# kernels from one checkout we mirror the sources into OUTDIR (symlinks) and
# build there. NETMAP_WERROR=1 (the default here) turns warnings into errors.
set -eu
kdir=$1
out=$2
root=${3:-}
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/kernel"
out=$(cd "$out" && pwd)   # Kbuild needs an absolute M=
if [ -n "$root" ]; then
	top=$(cd "$src/.." && pwd)
	[ -f "$root$kdir/Makefile" ] || { echo "kbuild.sh: no kernel build tree at $kdir in $root" >&2; exit 1; }
	[ "$(id -u)" = 0 ] || { echo "kbuild.sh: building in the chroot $root needs root" >&2; exit 1; }
	exec unshare -m sh -euc '
		root=$1 top=$2 out=$3 kdir=$4
		mkdir -p "$root$top" "$root$out" "$root/proc"
		mount --bind "$top" "$root$top"
		mount --bind "$out" "$root$out"
		mount -t proc proc "$root/proc"
		exec chroot "$root" sh "$top/kernel/kbuild.sh" "$kdir" "$out"' \
		kbuild "$root" "$top" "$out" "$kdir"
fi
[ -f "$kdir/Makefile" ] || { echo "kbuild.sh: no kernel build tree at $kdir" >&2; exit 1; }
for f in "$src"/*.c "$src"/*.h "$src"/Kbuild; do
	ln -sf "$f" "$out/kernel/"
done
# Sources may live in subdirectories (the OS-independent core).
for d in "$src"/*/; do
	[ -d "$d" ] || continue
	mkdir -p "$out/kernel/$(basename "$d")"
	for f in "$d"*.c "$d"*.h; do [ -e "$f" ] && ln -sf "$f" "$out/kernel/$(basename "$d")/"; done
done
ln -sfn "$src/../include" "$out/include"
# Run our own make (not a CMake-driven sub-make without a jobserver).
MAKEFLAGS= make -s -j"$(nproc)" -C "$kdir" M="$out/kernel" NETMAP_WERROR="${NETMAP_WERROR:-1}" modules
echo "built $out/kernel/netmap.ko for $(basename "$kdir")"
