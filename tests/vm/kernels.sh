#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Find, fetch and unpack the Debian kernels the VM tests boot.
#
#   kernels.sh packages          print the image and header package names
#                                (one "series image headers" line per kernel)
#   kernels.sh info SERIES       fetch the image if needed, print shell
#                                assignments: KVER VMLINUZ MODDIR KDIR KCHROOT
#   kernels.sh prepare newest    make or refresh the unstable chroot and the
#                                newest kernel (network; tests/deps.sh runs it)
#
# SERIES is 6.1 (bookworm's linux-image-amd64), 6.12 (the newest
# linux-image-6.12.*+deb12-amd64 whose headers bookworm also ships) or
# newest (the newest linux-image-*-amd64 in Debian unstable).
# Images are fetched with `apt-get download` and unpacked with `dpkg -x` into
# the cache ($NETMAPD_VM_CACHE, default ~/.cache/netmapd/vm): installing them
# would run update-initramfs for nothing. Headers must be installed (their
# Makefiles refer to /usr/src); tests/deps.sh does that.
#
# newest: unstable's headers need unstable's compiler and libc, so they live
# in a minimal unstable chroot (~/.cache/netmapd/sid, debootstrap), where
# kernel/kbuild.sh builds the module (KCHROOT names it; empty for the
# others). `prepare` records what it found in the chroot's
# /etc/netmapd-newest ("KVER"); `info newest` reads only that, never the
# network. When unstable cannot be reached or a step fails, `prepare` writes
# the reason to the cache's newest.unavailable, and `info newest` exits 3
# with the reason: the VM harness then reports vm-newest/* as skipped with
# it, never as passed. If an earlier `prepare` succeeded, its kernel stays
# in use and `info newest` adds a "kernels.sh: note:" line with the reason.
set -euo pipefail

cache=${NETMAPD_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netmapd/vm}
chroot_dir=${NETMAPD_SID_CHROOT:-$(dirname "$cache")/sid}
mirror=${NETMAPD_SID_MIRROR:-http://deb.debian.org/debian}
unavailable=$cache/newest.unavailable
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
# unstable's Release file can be past its Valid-Until date; it is still signed.
sid_apt() {
	$SUDO chroot "$chroot_dir" env DEBIAN_FRONTEND=noninteractive \
		apt-get -o Acquire::Check-Valid-Until=false -qq "$@"
}

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
	*) echo "kernels.sh: unknown series '$1' (6.1, 6.12 or newest)" >&2; return 1 ;;
	esac
}

# The unstable chroot, made once (debootstrap into a temporary folder, then
# renamed: an interrupted run leaves no half chroot behind).
sid_chroot() {
	[ -x "$chroot_dir/usr/bin/apt-get" ] && return 0
	echo "kernels.sh: debootstrap unstable into $chroot_dir (about 5 minutes)" >&2
	$SUDO rm -rf "$chroot_dir.tmp"
	mkdir -p "$(dirname "$chroot_dir")"
	$SUDO debootstrap --variant=minbase sid "$chroot_dir.tmp" "$mirror" >"$cache/sid-debootstrap.log" 2>&1 ||
		{ tail -n 5 "$cache/sid-debootstrap.log" >&2; return 1; }
	$SUDO mv "$chroot_dir.tmp" "$chroot_dir"
}

# The plain amd64 flavour's newest version in the chroot's lists: 7.2.13+deb14.
sid_newest_version() {
	$SUDO chroot "$chroot_dir" apt-cache pkgnames linux-image- |
		sed -n 's/^linux-image-\([0-9][^-]*\)-amd64$/\1/p' | sort -V | tail -n1
}

prepare_newest() {
	local lists ver kver dir p
	mkdir -p "$cache"
	sid_chroot || { echo "debootstrap of Debian unstable from $mirror failed" >"$unavailable"; return 1; }
	# Refresh the lists once a day: the newest kernel moves, the cache should not churn.
	lists=$chroot_dir/var/lib/apt/lists
	if [ -z "$(find "$lists" -maxdepth 1 -name '*_Packages' -mmin -1440 2>/dev/null | head -n1)" ]; then
		sid_apt update || { echo "apt-get update in the unstable chroot failed ($mirror)" >"$unavailable"; return 1; }
	fi
	ver=$(sid_newest_version)
	[ -n "$ver" ] || { echo "no linux-image-*-amd64 in Debian unstable's lists" >"$unavailable"; return 1; }
	kver=$ver-amd64
	if [ ! -d "$chroot_dir/usr/src/linux-headers-$kver" ]; then
		echo "kernels.sh: installing linux-headers-$kver in the unstable chroot" >&2
		sid_apt install -y --no-install-recommends "linux-headers-$kver" make >/dev/null ||
			{ echo "cannot install linux-headers-$kver in the unstable chroot" >"$unavailable"; return 1; }
	fi
	dir=$cache/$kver
	if [ ! -f "$dir/.unpacked" ]; then
		echo "kernels.sh: fetching linux-image-$kver into $dir" >&2
		$SUDO rm -rf "$chroot_dir/tmp/kdeb" "$dir" && $SUDO mkdir -p "$chroot_dir/tmp/kdeb" "$dir/root"
		# Since 7.x the image is split: linux-binary-* has the kernel, linux-modules-* the
		# modules; older images hold both. Take whichever the version has.
		for p in "linux-binary-$kver" "linux-modules-$kver"; do
			$SUDO chroot "$chroot_dir" sh -c "cd /tmp/kdeb && apt-get -o Acquire::Check-Valid-Until=false -qq download $p" >/dev/null 2>&1 || true
		done
		ls "$chroot_dir"/tmp/kdeb/*.deb >/dev/null 2>&1 ||
			$SUDO chroot "$chroot_dir" sh -c "cd /tmp/kdeb && apt-get -o Acquire::Check-Valid-Until=false -qq download linux-image-$kver" >/dev/null 2>&1 ||
			{ echo "cannot download the linux-image-$kver packages" >"$unavailable"; return 1; }
		for p in "$chroot_dir"/tmp/kdeb/*.deb; do dpkg -x "$p" "$dir/root"; done
		$SUDO rm -rf "$chroot_dir/tmp/kdeb"
		touch "$dir/.unpacked"
	fi
	echo "$kver" | $SUDO tee "$chroot_dir/etc/netmapd-newest" >/dev/null
	rm -f "$unavailable"
	echo "kernels.sh: newest = $kver (Debian unstable)" >&2
}

info_newest() {
	local kver dir f
	if [ ! -f "$chroot_dir/etc/netmapd-newest" ]; then
		if [ -f "$unavailable" ]; then
			echo "kernels.sh: the newest kernel is unavailable: $(cat "$unavailable")" >&2
		else
			echo "kernels.sh: the newest kernel is not prepared (tests/deps.sh runs: tests/vm/kernels.sh prepare newest)" >&2
		fi
		return 3
	fi
	read -r kver <"$chroot_dir/etc/netmapd-newest"
	dir=$cache/$kver
	for f in "$dir/root/usr/lib/modules/$kver/vmlinuz" "$dir/root/boot/vmlinuz-$kver"; do
		[ -f "$f" ] && break
	done
	[ -f "$f" ] && [ -d "$chroot_dir/usr/src/linux-headers-$kver" ] || {
		echo "kernels.sh: the newest kernel ($kver) is incomplete in $dir: run tests/vm/kernels.sh prepare newest" >&2
		return 3; }
	echo "KVER=$kver"
	echo "VMLINUZ=$f"
	if [ -d "$dir/root/usr/lib/modules/$kver/kernel" ]; then
		echo "MODDIR=$dir/root/usr/lib/modules/$kver"
	else
		echo "MODDIR=$dir/root/lib/modules/$kver"
	fi
	echo "KDIR=/usr/src/linux-headers-$kver"
	echo "KCHROOT=$chroot_dir"
	# A failed refresh leaves the cached kernel usable, but it may no longer be the newest.
	[ ! -f "$unavailable" ] ||
		echo "kernels.sh: note: the last refresh failed ($(cat "$unavailable")); testing the cached $kver" >&2
}

info() {
	local series=$1 line img hdr kver dir
	if [ "$series" = newest ]; then
		info_newest
		return
	fi
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
	echo "KCHROOT="
}

case ${1:-} in
packages) pkgs 6.1; pkgs 6.12 ;;
info) info "${2:?series}" ;;
prepare)
	[ "${2:-}" = newest ] || { echo "usage: kernels.sh prepare newest" >&2; exit 2; }
	prepare_newest ;;
*) echo "usage: kernels.sh packages | info SERIES | prepare newest" >&2; exit 2 ;;
esac
