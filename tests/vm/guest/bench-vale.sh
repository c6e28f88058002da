# SPDX-License-Identifier: BSD-2-Clause
# VALE forwarding throughput in one boot ("Measure it" of issue 4): 2-port
# forwarding with 60- and 1514-byte frames, 1-to-N broadcast for N = 2, 4, 8,
# and the pipe figure for reference. Prints a table; passes when every case
# completes and every receiver counted packets (never more than were sent).
# It asserts nothing about speed.
#
#   nm_bench_vale: [sender] valebv:s ==== switch valebv ====> valebv:r0 .. r{N-1} [receivers]
#   nm_bench_pipe: [sender] nmbench{0 ==== pipe ====> nmbench}0 [receiver]
#
# Short mode (default, for CI): 2 s per case. Full mode: 20 s per case, with
# NM_BENCH=full in the environment, nm_bench=full on the kernel command
# line, or "full" as $1.
. /tests/lib.sh
ensure_netmap

mode=${1:-${NM_BENCH:-short}}
grep -q 'nm_bench=full' /proc/cmdline && mode=full
case $mode in
full) secs=20 ;;
*) mode=short; secs=2 ;;
esac

out=/tmp/bench-vale.out
: >"$out"
# Each case ends by itself; the timeout only guards against a hung kernel.
run() {
	tag=$1
	shift
	echo "+ $*"
	timeout $((secs + 40)) "$@" >/tmp/bench-case.out 2>&1
	rc=$?
	cat /tmp/bench-case.out
	sed -n "s/^RESULT /RESULT case=$tag /p" /tmp/bench-case.out >>"$out"
	[ $rc = 0 ] || fail "$1 exited with $rc"
}
set +e
run 2-port nm_bench_vale --receivers 1 --len 60 --seconds $secs
run 2-port nm_bench_vale --receivers 1 --len 1514 --seconds $secs
for n in 2 4 8; do
	run 1-to-$n nm_bench_vale --receivers $n --len 60 --seconds $secs
done
run pipe nm_bench_pipe --mode busy --seconds $secs
set -e

accel=TCG
dmesg | grep -q 'Hypervisor detected: KVM' && accel=KVM
echo
echo "bench-vale ($mode mode, ${secs} s per case, busy NIOCTXSYNC/NIOCRXSYNC, batches of 512, $(nproc) CPUs, $accel)"
[ $accel = TCG ] && echo "TCG: ratios only (qemu emulates the CPU; absolute numbers mean little)"
awk '
/^RESULT / {
	delete kv
	for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
	c = kv["case"]
	if (kv["method"] == "pipe") {
		printf "  %-8s %5s %10s %24s\n", c, 60, "-", kv["mpps"] " (received)"
		pipe = kv["mpps"]
		if (kv["received"] + 0 <= 0) bad = 1
		next
	}
	per = kv["receivers"] == 1 ? kv["mpps_rx_avg"] : \
		kv["mpps_rx_min"] "/" kv["mpps_rx_avg"] "/" kv["mpps_rx_max"]
	printf "  %-8s %5s %10s %24s\n", c, kv["len"], kv["mpps_sent"], per
	if (c == "2-port" && kv["len"] == 60) fwd = kv["mpps_rx_avg"]
	if (kv["rx_min"] + 0 <= 0 || kv["rx_max"] + 0 > kv["sent"] + 0) bad = 1
}
BEGIN { printf "  %-8s %5s %10s %24s\n", "case", "bytes", "Mpps sent", "Mpps rx per receiver" }
END {
	print "  (1-to-N: min/avg/max over the N receivers)"
	if (pipe + 0 > 0) printf "ratio 2-port VALE (60 B) / pipe: %.2f\n", fwd / pipe
	exit bad
}' "$out" || fail "a case received nothing or more than was sent"
ok "bench-vale completed"
