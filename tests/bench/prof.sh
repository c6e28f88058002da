#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Side-by-side rates and guest profiles in one boot per kernel: boots
# tests/vm/guest/bench-prof.sh with nm-pktgen, nm_bench_vale,
# nm_bench_generic and the host's perf (copied with its libraries).
#
#   tests/bench/prof.sh [--series "6.1 6.12"] [--rounds N] [--seconds S]
#                       [--no-profile] [--build DIR] [--out DIR]
#
# Prints the PROFSUM lines (median Mpps per case, ratio to VALE 2-port in
# the same round), PROFLOCK (pipe against VALE 2-port in one thread,
# nm_bench_lockstep) and PROFFIT (a pipe packet's time split into per-batch
# and per-packet parts, from batches of 64 and 512); per-round lines and the
# profiles are in OUT/vm-SERIES/logs/bench-prof.log.
# Exits non-zero when a boot, the guest script or the kernel log fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
series="6.1 6.12" rounds=3 secs=2 profile=1 build=$top/build out=/tmp/nm-bench-prof
while [ $# -gt 0 ]; do
	case $1 in
	--series) series=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--no-profile) profile=0; shift ;;
	--build) build=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h|--help) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/prof.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
progs=$build/client/nm-pktgen
[ -x "$progs" ] || { echo "bench/prof.sh: no $progs" >&2; exit 2; }
for p in "$build/tests/bench/nm_bench_vale" "$build/tests/bench/nm_bench_generic" \
	 "$build/tests/bench/nm_bench_lockstep"; do
	[ -x "$p" ] && progs="$progs $p"
done
if [ "$profile" = 1 ]; then
	perf=$(command -v perf) || { echo "bench/prof.sh: no perf on the host (linux-perf)" >&2; exit 2; }
	progs="$progs $perf"
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
echo "rounds=$rounds secs=$secs profile=$profile psecs=3" >"$out/bench-prof.conf"
to=$((rounds * 9 * (secs + 8) + profile * 5 * 20 + 60))
rc=0
for s in $series; do
	vm=$out/vm-$s
	echo "[prof] $s: booting (guest timeout ${to}s)"
	"$top/tests/vm/run.sh" --series "$s" --out "$vm" --tests "bench-prof:$to" --timeout $((to + 300)) \
		--progs "$progs $out/bench-prof.conf" >"$out/run-$s.log" 2>&1 || { cat "$out/run-$s.log"; rc=1; }
	for r in bench-prof kernel-log; do
		v=$(cat "$vm/results/$r" 2>/dev/null || echo "no result")
		echo "[prof] $s: $r: $v"
		case $v in PASS*) ;; *) rc=1 ;; esac
	done
	grep '^PROF\(SUM\|FIT\|LOCK\) ' "$vm/logs/bench-prof.log" 2>/dev/null | sed "s/^/[prof] $s: /" || rc=1
done
exit $rc
