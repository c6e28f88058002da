#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The datapath core (kernel/core/*.c) is built twice: into netmap.ko by
# kernel/Kbuild (core/NAME.o) and for userspace by kernel/CMakeLists.txt
# (NM_CORE_SOURCES, core/NAME.c). The two lists must name the same files,
# and every core/*.c must be in them, or the host tests and the module
# test different code.
#   core-sources.sh SOURCE_DIR
set -eu
k=${1:?usage: core-sources.sh SOURCE_DIR}/kernel
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sed -n '/^set(NM_CORE_SOURCES/,/)/p' "$k/CMakeLists.txt" |
	grep -o 'core/[A-Za-z0-9_]*\.c' | sed 's/\.c$//' | sort >"$tmp/cmake"
grep -v '^[[:space:]]*#' "$k/Kbuild" | grep -o 'core/[A-Za-z0-9_]*\.o' | sed 's/\.o$//' |
	sort -u >"$tmp/kbuild"
(cd "$k" && ls core/*.c) | sed 's/\.c$//' | sort >"$tmp/files"

rc=0
if ! diff -u "$tmp/kbuild" "$tmp/cmake" >"$tmp/d1"; then
	echo "kernel/Kbuild (-) and NM_CORE_SOURCES in kernel/CMakeLists.txt (+) differ:"
	cat "$tmp/d1"
	rc=1
fi
if ! diff -u "$tmp/files" "$tmp/kbuild" >"$tmp/d2"; then
	echo "kernel/core/*.c (-) and the core objects of kernel/Kbuild (+) differ:"
	cat "$tmp/d2"
	rc=1
fi
[ -s "$tmp/cmake" ] || { echo "no NM_CORE_SOURCES found in kernel/CMakeLists.txt"; rc=1; }
[ $rc = 0 ] && echo "core sources agree: $(tr '\n' ' ' <"$tmp/cmake")"
exit $rc
