#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Debian root the systemd VM test boots: debootstrap'ed once, packed as
# a gzip'ed cpio (the whole root is the initramfs: no disk image, no root
# privileges to mount one) and cached.
#
#   rootfs.sh          prints the path of the cached archive, building it if needed
#
# Cache: ${NETMAPD_CACHE:-~/.cache/netmapd}/rootfs/bookworm-HASH.cpio.gz, HASH
# covering the package list and this script, so a change rebuilds it. Needs
# root (debootstrap) and deb.debian.org (or $NETMAPD_MIRROR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${NETMAPD_CACHE:-$HOME/.cache/netmapd}/rootfs
mirror=${NETMAPD_MIRROR:-http://deb.debian.org/debian}
# What netmapd, nmctl and the tests need at run time, plus systemd itself.
pkgs=systemd,systemd-sysv,udev,dbus,iproute2,kmod,passwd,procps,socat,ethtool,iputils-ping,libevent-core-2.1-7,libjansson4,libyaml-0-2,libsystemd0,libkmod2

hash=$(cat "$0" "$here/driver.sh" "$here/nm-driver.service" | sha256sum | cut -c1-12)
archive=$cache/bookworm-$hash.cpio.gz
if [ -f "$archive" ]; then
	echo "$archive"
	exit 0
fi
command -v debootstrap >/dev/null || { echo "rootfs.sh: debootstrap is missing (tests/deps.sh installs it)" >&2; exit 1; }
mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "rootfs.sh: debootstrap bookworm into $work (about a minute)" >&2
debootstrap --variant=minbase --include="$pkgs" bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
	tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
r=$work/root
echo nmvm >"$r/etc/hostname"
: >"$r/etc/machine-id"
# The driver runs the tests once the system is up, then powers off.
install -m 0755 "$here/driver.sh" "$r/usr/local/sbin/nm-driver"
install -m 0644 "$here/nm-driver.service" "$r/etc/systemd/system/nm-driver.service"
ln -sf /etc/systemd/system/nm-driver.service "$r/etc/systemd/system/multi-user.target.wants/nm-driver.service"
# Nothing logs in on the console; the driver owns it.
ln -sf /dev/null "$r/etc/systemd/system/serial-getty@ttyS0.service"
ln -sf /dev/null "$r/etc/systemd/system/getty@tty1.service"
rm -rf "$r/var/cache/apt/archives"/*.deb "$r/var/lib/apt/lists"/*
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/rootfs.cpio.gz"
mv "$work/rootfs.cpio.gz" "$archive"
# Older archives of this cache are stale.
find "$cache" -maxdepth 1 -name 'bookworm-*.cpio.gz' ! -name "$(basename "$archive")" -delete
echo "$archive"
