#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# `cmake --install` into a staging directory has the layout Debian expects,
# the DKMS source tree builds netmap.ko exactly as dkms.conf says, and the
# installed pkg-config file builds a small libnmd client.
#
#   check-install.sh BUILD_DIR STAGE_DIR [KDIR]
set -euo pipefail
build=$1
stage=$2
kdir=${3:-}
fail() { echo "install: FAIL: $*" >&2; exit 1; }

rm -rf "$stage"
DESTDIR="$stage" cmake --install "$build" >/dev/null
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
unitdir=$(sed -n 's/^NETMAPD_SYSTEMD_UNITDIR:PATH=//p' "$build/CMakeCache.txt")
[ "$prefix" = /usr ] || fail "configure the build with -DCMAKE_INSTALL_PREFIX=/usr (got $prefix)"

expect=(
	/usr/sbin/netmapd
	/etc/netmapd/netmapd.yaml
	"$unitdir/netmapd.service"
	"$unitdir/netmapd.socket"
	/usr/lib/sysusers.d/netmapd.conf
	/usr/lib/tmpfiles.d/netmapd.conf
	/usr/include/net/netmap.h
	/usr/include/net/netmap_user.h
	/usr/share/man/man5/netmapd.yaml.5
	/usr/share/doc/netmapd/examples/nic-bridge.yaml
	/usr/share/doc/netmapd/examples/showcase.yaml
	"/usr/src/netmap-$version/dkms.conf"
	"/usr/src/netmap-$version/kernel/Kbuild"
	"/usr/src/netmap-$version/include/net/netmap.h"
)
# Listed in extra-files.txt as they land (libnmd, nmctl, man pages, tools).
if [ -f "$(dirname "$0")/extra-files.txt" ]; then
	while read -r f; do
		[ -n "$f" ] && [ "${f#\#}" = "$f" ] && expect+=("$f")
	done <"$(dirname "$0")/extra-files.txt"
fi
for f in "${expect[@]}"; do
	[ -e "$stage$f" ] || fail "missing $f"
done
echo "install: ${#expect[@]} expected files present"

grep -q "ExecStart=/usr/sbin/netmapd" "$stage$unitdir/netmapd.service" ||
	fail "netmapd.service does not start /usr/sbin/netmapd"
# Nothing may land outside the FHS places above.
bad=$(cd "$stage" && find . -type f | grep -Ev '^\./(usr/(sbin|bin|lib|include|share|src)|etc/netmapd|lib/systemd)/' || true)
[ -z "$bad" ] || fail "unexpected files: $bad"

if [ -n "$kdir" ]; then
	# Run dkms.conf's MAKE line on a copy of the source tree, as dkms would.
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	mkdir -p "$work/netmap/$version"
	cp -r "$stage/usr/src/netmap-$version" "$work/netmap/$version/build"
	make_line=$(sed -n 's/^MAKE\[0\]="\(.*\)"$/\1/p' "$stage/usr/src/netmap-$version/dkms.conf")
	make_line=${make_line//'${kernel_source_dir}'/$kdir}
	make_line=${make_line//'${dkms_tree}'/$work}
	make_line=${make_line//'${PACKAGE_NAME}'/netmap}
	make_line=${make_line//'${PACKAGE_VERSION}'/$version}
	MAKEFLAGS= $make_line -s >/dev/null 2>&1 || fail "dkms MAKE failed: $make_line"
	[ -f "$work/netmap/$version/build/kernel/netmap.ko" ] || fail "dkms build made no netmap.ko"
	echo "install: dkms source tree builds netmap.ko against $(basename "$kdir")"
fi

if [ -f "$stage/usr/lib/x86_64-linux-gnu/pkgconfig/libnmd.pc" ] || [ -f "$stage/usr/lib/pkgconfig/libnmd.pc" ]; then
	pcdir=$(dirname "$(find "$stage/usr/lib" -name libnmd.pc | head -1)")
	src=$(dirname "$0")/pkgconfig-client.c
	out=$(mktemp -d)
	# pkg-config's sysroot support rewrites -I/-L into the staging tree;
	# jansson (Requires:) comes from the system.
	flags=$(PKG_CONFIG_SYSROOT_DIR="$stage" PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs libnmd)
	cc -std=c11 -Wall -Werror -o "$out/client" "$src" $flags ||
		fail "a client does not build with pkg-config libnmd ($flags)"
	LD_LIBRARY_PATH=$(dirname "$(find "$stage/usr/lib" -name 'libnmd.so*' | head -1)") "$out/client" ||
		fail "the pkg-config client does not run"
	rm -rf "$out"
	echo "install: pkg-config libnmd builds and runs a client"
fi
pcdir=$(dirname "$(find "$stage/usr/lib" -name libnetmap.pc | head -1)")
if [ -f "$pcdir/libnetmap.pc" ]; then
	src=$(dirname "$0")/pkgconfig-libnetmap.c
	out=$(mktemp -d)
	for how in shared static; do
		# The staged libnmd.so (libnetmap.so needs it) is found as it would be in /usr/lib.
		opt=; ldopt=-Wl,-rpath-link,$stage/usr/lib/x86_64-linux-gnu
		[ $how = static ] && opt=--static && ldopt=-static
		flags=$(PKG_CONFIG_SYSROOT_DIR="$stage" PKG_CONFIG_PATH="$pcdir" pkg-config $opt --cflags --libs libnetmap)
		cc -std=gnu11 -Wall -Werror -o "$out/nm-$how" "$src" $flags $ldopt ||
			fail "a netmap application does not build with pkg-config $opt libnetmap ($flags)"
		NETMAPD_SOCKET=/nonexistent/netmapd.sock LD_LIBRARY_PATH=$(dirname "$(find "$stage/usr/lib" -name 'libnetmap.so*' | head -1)") \
			"$out/nm-$how" 2>/dev/null || fail "the pkg-config libnetmap client ($how) does not run"
	done
	rm -rf "$out"
	echo "install: pkg-config libnetmap builds and runs a netmap application (shared and static)"
fi
echo "install: OK"
