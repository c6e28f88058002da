# SPDX-License-Identifier: BSD-2-Clause
# NIC preparation (daemon/nicprep.c, through nm_nicprep) on a veth: offloads
# off, promiscuous mode and up; then restored exactly (every feature's
# requested and active bit, IFF_UP, IFF_PROMISC, compared with nm_nicprep's
# own reader since the guest has no ethtool), also after a failure injected
# before each step. An address or a route refuses the NIC unless forced; an
# IPv6 link-local address and the kernel's fe80::/64 and ff00::/8 routes
# do not.
#
#   [npa] <---- veth ----> [npb]      (root namespace; npa is the "NIC")
. /tests/lib.sh
P=nm_nicprep
S=/tmp/nicprep
mkdir -p $S
[ -d /sys/module/veth ] || insmod /lib/modules/veth.ko || fail "insmod veth"
cleanup() { $IP link del npa 2>/dev/null || true; }
trap cleanup EXIT
$IP link add npa type veth peer name npb

# expect_same: the state of npa equals $S/before.
expect_same() {
	$P snapshot npa >$S/now
	if ! cmp -s $S/before $S/now; then
		diff $S/before $S/now || true
		fail "$1: npa is not as before"
	fi
	ok "$1: npa exactly as before"
}
# run_rc VAR CMD...: run CMD, its output in $out, its exit status in VAR.
run_rc() {
	_v=$1; shift
	_rc=0
	out=$("$@" 2>&1) || _rc=$?
	echo "$out"
	eval "$_v=$_rc"
}

$P snapshot npa >$S/before
grep -E 'checksum|segmentation|gro|lro|vlan-hw-parse|flags' $S/before
off=$($P offloads npa)
echo "$off"
on=${off#on=}; on=${on%% *}
[ "$on" -ge 5 ] || fail "veth should start with offloads on ($off)"
ok "veth starts with $on offloads on"

echo "== prepare, bridged: offloads off, promiscuous, up"
$P prepare npa $S/state bridged
cat $S/state; echo
expect_eq "offloads left on" "$($P offloads npa)" "on=0 left=0"
expect_eq "flags" "$($P snapshot npa | grep ^flags)" "flags up=1 promisc=1"
$P reassert npa $S/state
expect_eq "flags after reassert" "$($P snapshot npa | grep ^flags)" "flags up=1 promisc=1"
$P restore npa $S/state
expect_same "restore"

echo "== up already, not bridged: promiscuous mode untouched, left up"
$IP link set npa up
$P snapshot npa >$S/before
$P prepare npa $S/state flow-off
grep -q '"set_up": false' $S/state || fail "set_up should be false: $(cat $S/state)"
grep -q '"pause": null' $S/state || fail "veth has no flow control: $(cat $S/state)"
expect_eq "flags" "$($P snapshot npa | grep ^flags)" "flags up=1 promisc=0"
expect_eq "offloads left on" "$($P offloads npa | sed 's/on=[0-9]* //')" "left=0"
$P restore npa $S/state
expect_same "restore (up)"
$IP link set npa down
$P snapshot npa >$S/before

echo "== offloads: keep"
$P prepare npa $S/state bridged keep
grep -q '"features": \[\]' $S/state || fail "keep saved features: $(cat $S/state)"
expect_eq "offloads" "$($P offloads npa)" "$off"
$P restore npa $S/state
expect_same "restore (keep)"

echo "== a failure before each step is undone"
for step in 1 2 3 4 5; do
	run_rc rc $P prepare npa $S/state bridged fail=$step
	expect_eq "failure before step $step: exit" "$rc" 1
	expect_same "failure before step $step"
done

echo "== an address refuses the NIC unless forced"
$IP addr add 192.0.2.1/24 dev npa
run_rc rc $P inuse npa
expect_eq "inuse exit" "$rc" 3
expect_eq "inuse reason" "$out" "npa has address 192.0.2.1/24"
run_rc rc $P prepare npa $S/state bridged
expect_eq "refused exit" "$rc" 3
expect_eq "refused reason" "$out" "prepare npa: npa has address 192.0.2.1/24; set force: true to take it anyway (Device or resource busy)"
expect_same "refusal"
$P prepare npa $S/state bridged force
expect_eq "forced: offloads left on" "$($P offloads npa)" "on=0 left=0"
$P restore npa $S/state
expect_same "restore (forced)"
$IP addr flush dev npa

echo "== link-local IPv6 does not count, routes do"
$IP link set npb up
$IP link set npa up
sleep 1
$IP -6 addr show dev npa
$IP -6 route show table all dev npa
if $IP -6 route show table all dev npa | grep -q '^fe80::/64'; then
	run_rc rc $P inuse npa
	expect_eq "link-local only: inuse exit" "$rc" 0
else
	echo "note: no IPv6 on this kernel; link-local case not exercised"
fi
$IP route add 198.51.100.0/24 dev npa
run_rc rc $P prepare npa $S/state bridged
expect_eq "route: refused exit" "$rc" 3
expect_eq "route: reason" "$out" "prepare npa: npa has a route to 198.51.100.0/24 (table main); set force: true to take it anyway (Device or resource busy)"
$IP route del 198.51.100.0/24 dev npa
if [ -d /proc/sys/net/ipv6 ]; then
	$IP -6 route add 2001:db8:1::/48 dev npa
	run_rc rc $P inuse npa
	expect_eq "IPv6 route: inuse exit" "$rc" 3
	expect_eq "IPv6 route: reason" "$out" "npa has a route to 2001:db8:1::/48 (table main)"
	$IP -6 route del 2001:db8:1::/48 dev npa
fi
run_rc rc $P inuse npa
expect_eq "no route: inuse exit" "$rc" 0

echo "== up, with link-local: prepare and restore"
$P snapshot npa >$S/before
$P prepare npa $S/state bridged
expect_eq "offloads left on" "$($P offloads npa)" "on=0 left=0"
$P restore npa $S/state
expect_same "restore (up, link-local)"

echo "== lo: fixed features are skipped, the rest done and undone (forced: it has 127.0.0.1)"
$P snapshot lo >$S/lo-before
grep 'fixed=1' $S/lo-before | grep -E 'checksum|segmentation|gro|lro' || true
$P prepare lo $S/lo-state force
expect_eq "lo: changeable offloads left on" "$($P offloads lo | sed 's/on=[0-9]* //')" "left=0"
$P snapshot lo >$S/lo-mid
grep 'fixed=1' $S/lo-before >$S/lo-fixed-before || true
grep 'fixed=1' $S/lo-mid >$S/lo-fixed-mid || true
cmp -s $S/lo-fixed-before $S/lo-fixed-mid || fail "lo: a fixed feature changed"
ok "lo: fixed features untouched"
$P restore lo $S/lo-state
$P snapshot lo >$S/lo-after
cmp -s $S/lo-before $S/lo-after || { diff $S/lo-before $S/lo-after || true; fail "lo not as before"; }
ok "lo exactly as before"

echo "== a malformed state file is refused"
echo '{"valid": true}' >$S/bad
run_rc rc $P restore npa $S/bad
expect_eq "malformed state: exit" "$rc" 1
expect_same "malformed state changed nothing"
ok "nicprep"
