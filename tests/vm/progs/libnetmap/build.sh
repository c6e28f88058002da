#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Build the libnetmap guest programs the way an application outside the
# tree would: against a staged install of the headers, libnetmap and libnmd
# (their installed files, copied to the paths `cmake --install` gives them
# under /usr), with `pkg-config --static --cflags --libs libnetmap`; static,
# so the guest needs no libraries.
#
#   build.sh CC SRC_DIR OUT_DIR LIBDIR LIBNETMAP_A LIBNMD_A NETMAP_PC NMD_PC PROGRAM...
set -eu
cc=$1 src=$2 out=$3 libdir=$4 netmap_a=$5 nmd_a=$6 netmap_pc=$7 nmd_pc=$8
shift 8
stage=$out/stage
rm -rf "$stage"
mkdir -p "$stage/usr/include/net" "$stage/usr/$libdir/pkgconfig"
cp "$src"/include/net/netmap.h "$src"/include/net/netmap_user.h "$stage/usr/include/net/"
cp "$src"/include/libnmd.h "$src"/client/libnetmap/libnetmap.h "$stage/usr/include/"
cp "$netmap_a" "$nmd_a" "$stage/usr/$libdir/"
cp "$netmap_pc" "$nmd_pc" "$stage/usr/$libdir/pkgconfig/"
flags=$(PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_PATH=$stage/usr/$libdir/pkgconfig \
	pkg-config --static --cflags --libs libnetmap)
for p in "$@"; do
	# shellcheck disable=SC2086
	"$cc" -std=gnu11 -O2 -Wall -Wextra -Werror -o "$out/$p" "$src/tests/vm/progs/libnetmap/$p.c" \
		$flags -static
done
