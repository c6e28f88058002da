# SPDX-License-Identifier: BSD-2-Clause
# Monitors (issue 5): every subtest of nm_monitor (tests/vm/progs/nm_monitor.c):
# copy monitors /t /r /rt and zero-copy /z on pipes, VALE ports and NIC ports
# (a veth pair), several at once, errors, the monitored port closing under its
# monitors, a monitor that never reads, monitors coming and going under
# another process's traffic. Then the module must still unload and load again (no
# reference left behind by a monitor), with module-load's parameters.
. /tests/lib.sh
NM_PARAMS="verbose=1 priv_buf_num=8192 bridge_batch=512 max_bridges=4"
# shellcheck disable=SC2086
ensure_netmap $NM_PARAMS

# NIC ports: a veth pair, both ends in netmap mode during copy_nic and
# zcopy_nic (skipped if veth.ko is missing).
if [ -d /sys/module/veth ] || insmod /lib/modules/veth.ko 2>/dev/null; then
	run $IP link add nmva type veth peer name nmvb || fail "veth pair nmva/nmvb"
	for d in nmva nmvb; do
		# No IPv6 chatter: its frames would reach the rings too.
		echo 1 >/proc/sys/net/ipv6/conf/$d/disable_ipv6 2>/dev/null || true
		run $IP link set $d up || fail "ip link set $d up"
	done
else
	echo "note: no veth.ko, the NIC subtests are skipped"
fi

rc=0
run nm_monitor || rc=$?
$IP link del nmva 2>/dev/null || true
[ $rc = 0 ] && ok "nm_monitor: all subtests passed" || echo "FAIL: nm_monitor exited with $rc"

# No monitor, port or region may be left: the module unloads.
tries=0
until rmmod netmap 2>/dev/null; do
	tries=$((tries + 1))
	[ $tries -lt 10 ] || fail "rmmod netmap refused after the monitor tests"
	sleep 1
done
ok "netmap.ko unloaded after the monitor tests (retries: $tries)"
# shellcheck disable=SC2086
insmod "$NM_KO" $NM_PARAMS || fail "insmod netmap.ko again"
ok "netmap.ko loaded again"
exit $rc
