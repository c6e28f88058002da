# SPDX-License-Identifier: BSD-2-Clause
# Emulated ("generic") NIC adapter against AF_PACKET on the same veth pair, in
# one boot (issue 5). Prints a table and the ratios; passes when every case
# completes and both sides counted packets. It asserts nothing about speed.
#
#   generic:    nm_bench_generic: [sender] netmap:nmgva hw TX ==== veth ====> netmap:nmgvb hw RX [receiver]
#   AF_PACKET:  af_packet_bench:  [sender] TX ring (V3) on nmgva ==== veth ====> V3 RX ring on nmgvb [receiver]
#
# TX Mpps = frames the sender got out / seconds, RX Mpps = frames the
# receiver got / seconds. Short mode (default, for CI): 3 s per case. Full
# mode: 20 s per case (NM_BENCH=full, nm_bench=full on the kernel command
# line, or "full" as $1).
. /tests/lib.sh
ensure_netmap

mode=${1:-${NM_BENCH:-short}}
grep -q 'nm_bench=full' /proc/cmdline && mode=full
case $mode in
full) secs=20 ;;
*) mode=short; secs=3 ;;
esac

[ -d /sys/module/veth ] || insmod /lib/modules/veth.ko || fail "insmod veth"
cleanup() { $IP link del nmgva 2>/dev/null || true; }
trap cleanup EXIT
echo "+ ip link add nmgva type veth peer name nmgvb"
$IP link add nmgva type veth peer name nmgvb
for i in nmgva nmgvb; do
	echo 1 >/proc/sys/net/ipv6/conf/$i/disable_ipv6 2>/dev/null || true
	$IP link set $i up
done

# verbose=1 makes the module log its hw TX skb reuse when a port goes off.
verbose=$(param verbose)
echo 1 >/sys/module/netmap/parameters/verbose
out=/tmp/bench-generic.out
: >"$out"
run() {
	echo "+ $*"
	timeout $((secs + 40)) "$@" >/tmp/bench-case.out 2>&1
	rc=$?
	cat /tmp/bench-case.out
	cat /tmp/bench-case.out >>"$out"
	[ $rc = 0 ] || fail "$1 exited with $rc"
}
set +e
for m in poll busy; do
	run nm_bench_generic --mode $m --seconds $secs --tx-if nmgva --rx-if nmgvb
	run af_packet_bench --mode $m --seconds $secs --tx-if nmgva --rx-if nmgvb
done
set -e
echo "$verbose" >/sys/module/netmap/parameters/verbose

accel=TCG
dmesg | grep -q 'Hypervisor detected: KVM' && accel=KVM
echo
echo "bench-generic ($mode mode, ${secs} s per case, 60-byte frames, batches of 512, veth, $(nproc) CPUs, $accel)"
[ $accel = TCG ] && echo "TCG: ratios only (qemu emulates the CPU; absolute numbers mean little)"
awk '
/^RESULT / {
	delete kv
	for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
	m = kv["method"]; md = kv["mode"]; s = kv["seconds"] + 0
	tx = s > 0 ? kv["sent"] / s / 1e6 : 0
	printf "  %-10s %-5s %12s %12s %8.3f %8.3f\n", m, md, kv["sent"], kv["received"], tx, kv["mpps"]
	txm[m, md] = tx; rxm[m, md] = kv["mpps"]
	if (kv["received"] + 0 <= 0) bad = 1
}
BEGIN { printf "  %-10s %-5s %12s %12s %8s %8s\n", "method", "mode", "sent", "received", "TX Mpps", "RX Mpps" }
END {
	for (k = 1; k <= 2; k++) {
		md = k == 1 ? "poll" : "busy"
		if (txm["af_packet", md] > 0 && rxm["af_packet", md] > 0)
			printf "ratio generic/AF_PACKET (%s): TX %.1f  RX %.1f\n", md,
			       txm["generic", md] / txm["af_packet", md], rxm["generic", md] / rxm["af_packet", md]
	}
	exit bad
}' "$out" || fail "a case received nothing"
dmesg | grep 'nmgva: netmap mode off' | tail -n 2 || true
ok "bench-generic completed"
