# SPDX-License-Identifier: BSD-2-Clause
# Privilege (issue 12, kernel/README.md "Privilege"): a handed port fd is a
# key to its port and nothing more. nm_priv (tests/vm/progs/nm_priv.c) needs
# two veth pairs: pv0/pv1 (pv0 handed as netmap:pv0, pv1 on switch valen
# with a polling thread) and pw0/pw1 (pw0 unused: the target of attempts).
#
#   root:  valep = [nmp0 (persistent)]     valen = [pv1 + nm-poll thread]
#          vale0 = [a*, b]   pipe pp{0* / pp}0   netmap:pv0* <-veth-> pv1
#          pw0 <-veth-> pw1 (no netmap)
#   child (uid 65534, no capabilities) holds only the fds marked *
. /tests/lib.sh
ensure_netmap
[ -d /sys/module/veth ] || insmod /lib/modules/veth.ko || fail "insmod veth"

cleanup() {
	run nm_priv --cleanup || true
	$IP link del pv0 2>/dev/null || true
	$IP link del pw0 2>/dev/null || true
}
trap cleanup EXIT
for p in pv pw; do
	run $IP link add ${p}0 type veth peer name ${p}1 || fail "veth ${p}0/${p}1"
	for i in ${p}0 ${p}1; do
		echo 1 >/proc/sys/net/ipv6/conf/$i/disable_ipv6 2>/dev/null || true
		run $IP link set $i up
	done
done
# The userns subtest plays a user who makes a namespace of its own.
[ -e /proc/sys/kernel/unprivileged_userns_clone ] &&
	echo 1 >/proc/sys/kernel/unprivileged_userns_clone
run nm_priv -v || fail "nm_priv"
grep -q nm-poll /proc/[0-9]*/comm 2>/dev/null && fail "a polling thread is left"
ok "privilege tests passed, nothing left behind"
