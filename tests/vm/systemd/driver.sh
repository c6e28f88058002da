#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Test driver inside the systemd VM: runs /tests/NAME.sh for each line of
# /tests/list ("NAME TIMEOUT") between the markers tests/vm/parse.sh reads
# (the same as the busybox VM's init), then the kernel log, then powers off.
export PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
echo "@@NM-BOOTED $(uname -r) systemd $(systemctl --version | head -n1)"
while read -r name timeout; do
	[ -n "$name" ] || continue
	echo "@@NM-BEGIN $name"
	timeout -k 5 "${timeout:-120}" bash -e "/tests/$name.sh" </dev/null 2>&1
	rc=$?
	echo "@@NM-END $name $rc"
done </tests/list
echo "@@NM-DMESG-BEGIN"
dmesg
echo "@@NM-DMESG-END"
echo "@@NM-DONE"
systemctl --no-block poweroff
