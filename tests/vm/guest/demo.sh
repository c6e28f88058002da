# SPDX-License-Identifier: BSD-2-Clause
# The demo's guest side: load netmap.ko, show what it provides, unload it.
. /tests/lib.sh
echo "\$ insmod netmap.ko"
insmod "$NM_KO"
echo "\$ ls -l /dev/netmap"
ls -l /dev/netmap
echo "\$ grep netmap /proc/misc"
grep netmap /proc/misc
echo "\$ head /sys/module/netmap/parameters/*"
for p in /sys/module/netmap/parameters/*; do
	printf '  %-18s %s\n' "$(basename "$p")" "$(cat "$p")"
done
echo "\$ rmmod netmap"
rmmod netmap
[ ! -e /dev/netmap ] || fail "/dev/netmap still there after rmmod"
echo "\$ dmesg | grep netmap"
dmesg | grep 'netmap:'
