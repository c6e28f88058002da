#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Find, fetch and unpack the Debian kernels the VM tests boot.
#
#   kernels.sh packages          print the image and header package names
#                                (one "series image headers" line per kernel)
#   kernels.sh info SERIES       fetch the image if needed, print shell
#                                assignments: KVER VMLINUZ MODDIR KDIR
#
# SERIES is 6.1 (bookworm's linux-image-amd64) or 6.12 (the newest
# linux-image-6.12.*+deb12-amd64 whose headers bookworm also ships).
# Images are fetched with `apt-get download` and unpacked with `dpkg -x` into
# the cache ($NETMAPD_VM_CACHE, default ~/.cache/netmapd/vm): installing them
# would run update-initramfs for nothing. Headers must be installed (their
# Makefiles refer to /usr/src); tests/deps.sh does that.
set -euo pipefail

cache=${NETMAPD_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netmapd/vm}

pkg_6_1() {
	local img
	img=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-6\.1\.[^ ]*-amd64\)$/\1/p' | head -n1)
	[ -n "$img" ] || { echo "kernels.sh: cannot resolve linux-image-amd64 (run apt-get update)" >&2; return 1; }
	echo "6.1 $img ${img/linux-image-/linux-headers-}"
}

pkg_6_12() {
	local v
	# Newest 6.12.N whose image and headers are both in the archive.
	for v in $(apt-cache pkgnames linux-headers-6.12. 2>/dev/null |
		sed -n 's/^linux-headers-6\.12\.\([0-9]*\)+deb12-amd64$/\1/p' | sort -rn); do
		if apt-cache show "linux-image-6.12.$v+deb12-amd64" >/dev/null 2>&1; then
			echo "6.12 linux-image-6.12.$v+deb12-amd64 linux-headers-6.12.$v+deb12-amd64"
			return 0
		fi
	done
	echo "kernels.sh: no 6.12 kernel with headers in the apt lists (run apt-get update)" >&2
	return 1
}

pkgs() {
	case $1 in
	6.1) pkg_6_1 ;;
	6.12) pkg_6_12 ;;
	*) echo "kernels.sh: unknown series '$1' (6.1 or 6.12)" >&2; return 1 ;;
	esac
}

info() {
	local series=$1 line img hdr kver dir
	line=$(pkgs "$series")
	read -r _ img hdr <<<"$line"
	kver=${img#linux-image-}
	dir=$cache/$kver
	if [ ! -f "$dir/.unpacked" ]; then
		echo "kernels.sh: fetching $img into $dir" >&2
		rm -rf "$dir" && mkdir -p "$dir/deb"
		(cd "$dir/deb" && apt-get download "$img" >&2)
		dpkg -x "$dir"/deb/*.deb "$dir/root"
		rm -rf "$dir/deb"
		touch "$dir/.unpacked"
	fi
	[ -d "/usr/src/$hdr" ] || { echo "kernels.sh: $hdr is not installed (run tests/deps.sh)" >&2; return 1; }
	echo "KVER=$kver"
	echo "VMLINUZ=$dir/root/boot/vmlinuz-$kver"
	echo "MODDIR=$dir/root/lib/modules/$kver"
	echo "KDIR=/usr/src/$hdr"
}

case ${1:-} in
packages) pkgs 6.1; pkgs 6.12 ;;
info) info "${2:?series}" ;;
*) echo "usage: kernels.sh packages | info SERIES" >&2; exit 2 ;;
esac
