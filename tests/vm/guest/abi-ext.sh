# SPDX-License-Identifier: BSD-2-Clause
# netmap behaviours beyond the basic ABI (nm_abi_ext, tests/vm/progs/nm_abi_ext.c):
# copy monitors of an idle port (pipe end, VALE port, NIC on a veth pair)
# see every frame as it arrives.
. /tests/lib.sh
NM_PARAMS="verbose=1 priv_buf_num=8192 bridge_batch=512 max_bridges=4"
# shellcheck disable=SC2086
ensure_netmap $NM_PARAMS

if [ -d /sys/module/veth ] || insmod /lib/modules/veth.ko 2>/dev/null; then
	run $IP link add nmxa type veth peer name nmxb || fail "veth pair nmxa/nmxb"
	for d in nmxa nmxb; do
		# No IPv6 chatter in the rings (frames are tagged anyway).
		echo 1 >/proc/sys/net/ipv6/conf/$d/disable_ipv6 2>/dev/null || true
		run $IP link set $d up || fail "ip link set $d up"
	done
else
	echo "note: no veth.ko, the NIC subtest is skipped"
fi

rc=0
run nm_abi_ext || rc=$?
$IP link del nmxa 2>/dev/null || true
[ $rc = 0 ] || fail "nm_abi_ext exited with $rc"
ok "nm_abi_ext: all subtests passed"
