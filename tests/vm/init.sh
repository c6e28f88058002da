#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# /init of the test VM (busybox sh). Runs the tests named in /tests/list, in
# order, each between markers the host parses:
#   @@NM-BEGIN name / ...output... / @@NM-END name rc
# then prints the kernel log between @@NM-DMESG-BEGIN/END and powers off.
# A test is /tests/NAME.sh, run with `sh -e`; the programs it uses are in
# /usr/local/bin, the real iproute2 is /opt/bin/ip.
/bin/busybox --install -s /bin
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /tmp /run /var/run /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /dev/shm
mkdir -p /run/netns
hostname nmvm
ip link set lo up 2>/dev/null
echo "@@NM-BOOTED $(uname -r)"

export NM_KO=/lib/modules/netmap.ko
while read -r name timeout; do
	[ -n "$name" ] || continue
	echo "@@NM-BEGIN $name"
	timeout "${timeout:-120}" sh -e "/tests/$name.sh" </dev/null 2>&1
	rc=$?
	echo "@@NM-END $name $rc"
done </tests/list

echo "@@NM-DMESG-BEGIN"
dmesg
echo "@@NM-DMESG-END"
echo "@@NM-DONE"
sync
poweroff -f
