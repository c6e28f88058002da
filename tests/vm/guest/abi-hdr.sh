# SPDX-License-Identifier: BSD-2-Clause
# netmap behaviours its own tests exercise (nm_abi_hdr, tests/vm/progs/nm_abi_hdr.c):
# PORT_HDR_SET/GET and the switch between header lengths 0/10/12, host ring
# counts at REGISTER on a NIC (a veth pair hr0/hr1 made here, hr0 with 4 TX
# queues so that the stack's queue picks the host RX ring), a persistent
# port on two switches, option list loops and budget.
. /tests/lib.sh
ensure_netmap
[ -d /sys/module/veth ] || insmod /lib/modules/veth.ko || fail "insmod veth"
cleanup() {
	$IP link del hr0 2>/dev/null || true
}
trap cleanup EXIT
run $IP link add hr0 numtxqueues 4 numrxqueues 4 type veth peer name hr1 || fail "ip link add hr0"
run $IP link set hr0 up && $IP link set hr1 up || fail "ip link set up"
run nm_abi_hdr || fail "nm_abi_hdr"
ok "nm_abi_hdr: all subtests passed"
