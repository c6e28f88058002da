#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Compare two versions of netmap.ko in one boot per kernel: build the module
# from two source trees (A: the reference, e.g. an older checkout; B: this
# one by default) and run tests/vm/guest/bench-ab.sh, which loads them in
# turn and measures each case with nm-pktgen (pipe with frames reused and
# touched, VALE 2-port, the VALE drop path).
#
#   tests/bench/ab.sh --a DIR [--b DIR] [--series "6.1 6.12"] [--rounds N]
#                     [--seconds S] [--build DIR] [--out DIR]
#
#   --a, --b   top directories of the two source trees (their kernel/)
#   --build    CMake build directory with nm-pktgen (default build/)
#   --out      where the VMs' files go (default /tmp/nm-bench-ab)
# Prints the ABSUM lines (median Mpps of A and B per case, ratio B/A).
# Exits non-zero when a build, a boot, the guest script or the kernel log fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
a= b=$top series="6.1 6.12" rounds=3 secs=2 build=$top/build out=/tmp/nm-bench-ab
while [ $# -gt 0 ]; do
	case $1 in
	--a) a=$(cd "$2" && pwd); shift 2 ;;
	--b) b=$(cd "$2" && pwd); shift 2 ;;
	--series) series=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--seconds) secs=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h|--help) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/ab.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
[ -n "$a" ] || { echo "bench/ab.sh: --a DIR is required" >&2; exit 2; }
[ -x "$build/client/nm-pktgen" ] || { echo "bench/ab.sh: no $build/client/nm-pktgen" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
echo "rounds=$rounds secs=$secs" >"$out/bench-ab.conf"
rc=0
for s in $series; do
	eval "$("$top/tests/vm/kernels.sh" info "$s")"
	for k in a b; do
		src=$a
		[ $k = b ] && src=$b
		echo "[ab] $s: building netmap.ko $k from $src"
		"$src/kernel/kbuild.sh" "$KDIR" "$out/kmod-$k-$s" >"$out/kbuild-$k-$s.log" 2>&1 ||
			{ cat "$out/kbuild-$k-$s.log"; exit 1; }
		cp "$out/kmod-$k-$s/kernel/netmap.ko" "$out/netmap-$k.ko"
	done
	vm=$out/vm-$s
	to=$((rounds * 2 * 6 * (secs + 15) + 120))
	echo "[ab] $s: booting (guest timeout ${to}s)"
	"$top/tests/vm/run.sh" --series "$s" --out "$vm" --tests "bench-ab:$to" --timeout $((to + 300)) \
		--progs "$build/client/nm-pktgen $out/netmap-a.ko $out/netmap-b.ko $out/bench-ab.conf" \
		>"$out/run-$s.log" 2>&1 || { cat "$out/run-$s.log"; rc=1; }
	for r in bench-ab kernel-log; do
		v=$(cat "$vm/results/$r" 2>/dev/null || echo "no result")
		echo "[ab] $s: $r: $v"
		case $v in PASS*) ;; *) rc=1 ;; esac
	done
	grep '^ABSUM ' "$vm/logs/bench-ab.log" 2>/dev/null | sed "s/^/[ab] $s: /" || rc=1
done
exit $rc
