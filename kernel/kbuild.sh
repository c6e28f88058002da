#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Build netmap.ko against one kernel's headers, out of the source tree.
#
#   kernel/kbuild.sh KDIR OUTDIR
#
# Kbuild writes its objects next to the sources (M=), so to build for several
# kernels from one checkout we mirror the sources into OUTDIR (symlinks) and
# build there. NETMAP_WERROR=1 (the default here) turns warnings into errors.
set -eu
kdir=$1
out=$2
src=$(cd "$(dirname "$0")" && pwd)
[ -f "$kdir/Makefile" ] || { echo "kbuild.sh: no kernel build tree at $kdir" >&2; exit 1; }
mkdir -p "$out/kernel"
out=$(cd "$out" && pwd)   # Kbuild needs an absolute M=
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
