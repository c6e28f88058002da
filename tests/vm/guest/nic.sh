# SPDX-License-Identifier: BSD-2-Clause
# NIC ports (issue 5): the emulated adapter on a veth pair.
#
#   [root ns: nica, netmap:nica] <---- veth ----> [ns nicb: nicb 10.0.0.1/24]
#
#   0. modes, ring counts, illegal ring indexes, bad slots (nm_nic bad)
#   1. ARP + ICMP responder for 10.0.0.2 on netmap:nica; ping from nicb works
#   2. kill -9 of the responder mid-traffic gives nica back: the normal stack
#      (nica 10.0.0.2/24) pings nicb
#   3. host rings: nm_nic bridges nica and its stack (NS_FORWARD, then by
#      copying through the host TX / hardware TX rings); the stack's ping of
#      nicb goes through it
#   4. counts: frames sent on hw TX = frames nicb received = PORT_STATS
#   5. the interface is deleted while bound: the port dies, nothing breaks
#   6. kill -9 of nm_bench_generic flooding netmap:nicc -> netmap:nicd (pool
#      skbs in flight, queued in nicd's RX queue), then the pair is deleted
. /tests/lib.sh
ensure_netmap
[ -d /sys/module/veth ] || insmod /lib/modules/veth.ko || fail "insmod veth"

cleanup() {
	kill -9 $resp 2>/dev/null || true
	$IP link del nica 2>/dev/null || true
	$IP netns del nicb 2>/dev/null || true
}
resp=
trap cleanup EXIT
nsb() { $IP netns exec nicb "$@"; }

run $IP netns add nicb
run $IP link add nica type veth peer name nicb netns nicb
# No IPv6 chatter on nica: its frames would reach the rings too.
echo 1 >/proc/sys/net/ipv6/conf/nica/disable_ipv6 2>/dev/null || true
run $IP link set nica up
run $IP -n nicb addr add 10.0.0.1/24 dev nicb
run $IP -n nicb link set nicb up
run $IP -n nicb link set lo up
sleep 1

echo "+ 0. nm_nic bad nica"
run nm_nic bad nica || fail "bad input on NIC rings"
ok "modes, geometry and illegal indexes"

echo "+ 1. responder"
nm_nic responder nica 10.0.0.2 30 >/tmp/resp.out 2>&1 &
resp=$!
wait_text /tmp/resp.out "responder on"
nsb ping -c 5 -W 3 10.0.0.2 || { cat /tmp/resp.out; fail "ping of the netmap responder"; }
ok "ping of 10.0.0.2 answered by the responder on netmap:nica"

echo "+ 2. kill -9 mid-traffic"
nsb ping -A -w 3 10.0.0.2 >/tmp/ping-flood.out 2>&1 &
flood=$!
sleep 1
kill -9 $resp
wait $resp 2>/dev/null || true
resp=
cat /tmp/resp.out
wait $flood || true
tail -n 3 /tmp/ping-flood.out
run $IP link show nica >/dev/null || fail "nica gone"
run $IP addr add 10.0.0.2/24 dev nica
run $IP -n nicb neigh flush dev nicb || true
ping -c 3 -W 3 10.0.0.1 || fail "stack ping after the responder was killed"
ok "nica works through the stack again"

for mode in fwd copy; do
	echo "+ 3. host rings ($mode)"
	run $IP neigh flush dev nica || true
	nm_nic host nica 8 $mode >/tmp/host.out 2>&1 &
	resp=$!
	wait_text /tmp/host.out "host bridge on"
	ping -c 3 -W 3 10.0.0.1 || { kill -9 $resp; cat /tmp/host.out; fail "stack ping through the host rings ($mode)"; }
	wait $resp || { cat /tmp/host.out; fail "nm_nic host $mode"; }
	resp=
	cat /tmp/host.out
	ok "stack <-> host rings <-> wire ($mode)"
done
ping -c 1 -W 3 10.0.0.1 || fail "stack ping after the host-ring bridge"

echo "+ 4. counts"
run $IP addr del 10.0.0.2/24 dev nica
before=$(nsb cat /sys/class/net/nicb/statistics/rx_packets)
run nm_nic count nica 500 || fail "nm_nic count"
after=$(nsb cat /sys/class/net/nicb/statistics/rx_packets)
expect_eq "frames nicb received" $((after - before)) 500

echo "+ 5. interface deleted while bound"
nm_nic hold nica 4 >/tmp/hold.out 2>&1 &
resp=$!
sleep 1
run $IP link del nica
wait $resp || { cat /tmp/hold.out; fail "nm_nic hold"; }
resp=
cat /tmp/hold.out
dmesg | grep -q "nica: interface unregistered" || fail "no dead-port message"
ok "port died with its interface"

echo "+ 6. kill -9 of a flood between two netmap veth ends, then delete them"
run $IP link add nicc type veth peer name nicd
for i in nicc nicd; do
	echo 1 >/proc/sys/net/ipv6/conf/$i/disable_ipv6 2>/dev/null || true
	run $IP link set $i up
done
nm_bench_generic --mode busy --seconds 20 --tx-if nicc --rx-if nicd >/tmp/flood.out 2>&1 &
resp=$!
sleep 3
kill -9 $resp
wait $resp 2>/dev/null || true
resp=
run $IP link del nicc || fail "delete nicc after the flood"
ok "frames in flight when both ports went away"

run $IP netns del nicb
trap - EXIT
ok "nic"
