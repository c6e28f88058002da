#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Install what building and testing netmapd needs on Debian 12: compilers and
# CMake, the libraries the daemon uses, qemu and busybox for the VM tests, and
# the headers of the kernels the VM tests boot (6.1 and 6.12 here, the newest
# in an unstable chroot). Installs
# only what is missing, so running it again does nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
apt_get() {
	# INITRD=No: the 6.12 headers pull in the image package, whose initramfs we never use.
	$SUDO env DEBIAN_FRONTEND=noninteractive INITRD=No apt-get "$@"
}

pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libevent-dev libjansson-dev libyaml-dev libsystemd-dev libkmod-dev libcmocka-dev
      qemu-system-x86 busybox-static iproute2 cpio gzip xz-utils kmod socat systemd debootstrap
      libxdp-dev libbpf-dev libelf-dev zlib1g-dev gnuplot-nox)

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
	done
}

updated=0
if ! apt-cache show linux-image-amd64 >/dev/null 2>&1; then
	echo "deps: apt-get update (package lists are empty)"
	apt_get update -qq
	updated=1
fi
read -r -a kpkgs <<<"$("$here/vm/kernels.sh" packages | awk '{print $3}' | tr '\n' ' ')"
todo=$(missing "${pkgs[@]}" "${kpkgs[@]}")
if [ -n "$todo" ]; then
	echo "deps: installing:" $todo
	[ "$updated" = 1 ] || apt_get update -qq
	# shellcheck disable=SC2086
	apt_get install -y -qq --no-install-recommends $todo >/dev/null
fi
echo "deps: all present (kernel headers: ${kpkgs[*]})"

# The newest kernel (Debian unstable's, in a chroot: tests/vm/kernels.sh).
# Not reaching unstable is not fatal here: vm-newest/* then report skipped
# with the reason.
if "$here/vm/kernels.sh" prepare newest; then
	echo "deps: newest kernel: $("$here/vm/kernels.sh" info newest | sed -n 's/^KVER=//p')"
else
	why=$(cat "${NETMAPD_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netmapd/vm}/newest.unavailable" 2>/dev/null || true)
	if kver=$("$here/vm/kernels.sh" info newest 2>/dev/null | sed -n 's/^KVER=//p') && [ -n "$kver" ]; then
		echo "deps: WARNING: could not refresh the newest kernel ($why); vm-newest/* test the cached $kver"
	else
		echo "deps: WARNING: the newest kernel is unavailable, vm-newest/* will be skipped: $why"
	fi
fi
