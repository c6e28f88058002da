# SPDX-License-Identifier: BSD-2-Clause
# Pipe throughput against AF_PACKET over veth, in one boot ("Measure it" of
# issue 3). Prints a table and the ratio; passes when every case completes
# and both sides counted packets. It asserts nothing about speed.
#
#   netmap:     nm_bench_pipe:  [sender] nmbench{0 ==== pipe ====> nmbench}0 [receiver]
#   AF_PACKET:  af_packet_bench:
#       [ns nmba: sender, TX ring on nmbva] ---- veth ----> [ns nmbb: receiver, V3 RX ring on nmbvb]
#
# Short mode (default, for CI): 3 s per case. Full mode: 20 s per case, with
# NM_BENCH=full in the environment (on the guest kernel command line, which
# init passes on), nm_bench=full on the command line, or "full" as $1.
. /tests/lib.sh
ensure_netmap

mode=${1:-${NM_BENCH:-short}}
grep -q 'nm_bench=full' /proc/cmdline && mode=full
case $mode in
full) secs=20 ;;
*) mode=short; secs=3 ;;
esac

[ -d /sys/module/veth ] || insmod /lib/modules/veth.ko || fail "insmod veth"
cleanup() {
	$IP netns del nmba 2>/dev/null || true
	$IP netns del nmbb 2>/dev/null || true
}
trap cleanup EXIT
echo "+ ip netns add nmba; ip netns add nmbb"
$IP netns add nmba
$IP netns add nmbb
echo "+ ip link add nmbva netns nmba type veth peer name nmbvb netns nmbb"
$IP link add nmbva netns nmba type veth peer name nmbvb netns nmbb
$IP -n nmba link set nmbva up
$IP -n nmbb link set nmbvb up

out=/tmp/bench-pipe.out
: >"$out"
# Each case ends by itself; the timeout only guards against a hung kernel.
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
	run nm_bench_pipe --mode $m --seconds $secs
	run af_packet_bench --mode $m --seconds $secs \
		--tx-netns /run/netns/nmba --tx-if nmbva --rx-netns /run/netns/nmbb --rx-if nmbvb
done
set -e

accel=TCG
dmesg | grep -q 'Hypervisor detected: KVM' && accel=KVM
echo
echo "bench-pipe ($mode mode, ${secs} s per case, 60-byte packets, batches of 512, $(nproc) CPUs, $accel)"
[ $accel = TCG ] && echo "TCG: ratios only (qemu emulates the CPU; absolute numbers mean little)"
awk '
/^RESULT / {
	delete kv
	for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
	m = kv["method"]; md = kv["mode"]
	printf "  %-10s %-5s %12s %12s %9s %10s\n", m, md, kv["sent"], kv["received"], kv["mpps"], kv["ns_per_pkt"]
	mpps[m, md] = kv["mpps"]
	if (kv["mpps"] + 0 > best[m] + 0) best[m] = kv["mpps"]
	if (kv["received"] + 0 <= 0) bad = 1
}
BEGIN { printf "  %-10s %-5s %12s %12s %9s %10s\n", "method", "mode", "sent", "received", "Mpps", "ns/pkt" }
END {
	for (k = 1; k <= 2; k++) {
		md = k == 1 ? "poll" : "busy"
		a = mpps["af_packet", md]; p = mpps["pipe", md]
		if (a + 0 > 0) printf "ratio pipe/AF_PACKET (%s): %.1f\n", md, p / a
	}
	if (best["af_packet"] + 0 > 0)
		printf "ratio pipe/AF_PACKET (best of each): %.1f\n", best["pipe"] / best["af_packet"]
	exit bad
}' "$out" || fail "a case received nothing"
ok "bench-pipe completed"
