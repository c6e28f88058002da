#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The benchmark suite: one VM boot per kernel runs every case
# (tests/vm/guest/bench-suite.sh), then this script writes a CSV, a markdown
# table with ratios to AF_PACKET and a PNG chart.
#
#   tests/bench/run.sh [--series "6.1 6.12"] [--short | --full | --seconds N]
#                      [--build DIR] [--no-build] [--out DIR] [--results DIR]
#                      [--report-only]
#
#   --series   kernels to boot, one after the other (default: 6.1 6.12)
#   --short    2 s per case (default; CI)        --full   20 s per case
#   --seconds  any other time per case
#   --build    CMake build directory with the benchmark programs (default:
#              build/ at the top; configured and the programs built if needed;
#              --no-build takes the programs as they are, as CTest does)
#   --out      where the VMs' files go (default /tmp/nm-bench-suite)
#   --results  where the outputs go (default tests/bench/results):
#              bench-SERIES.csv (series,case,size,method,mode,mpps,ns_per_pkt)
#              per kernel, bench.md (the table) and bench.png (the chart;
#              skipped with a message when gnuplot is missing)
#   --report-only  no boot: remake the table and chart from the CSVs in --results
#
# Exits non-zero when a boot fails, the guest suite fails (a case printed no
# RESULT line, received nothing, or a lossless path lost a packet) or the
# kernel log shows a problem.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
series="6.1 6.12" secs=2 mode=short build=$top/build out=/tmp/nm-bench-suite results=$here/results nobuild=0 report=0
while [ $# -gt 0 ]; do
	case $1 in
	--series) series=$2; shift 2 ;;
	--short) secs=2 mode=short; shift ;;
	--full) secs=20 mode=full; shift ;;
	--seconds) secs=$2 mode=custom; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--no-build) nobuild=1; shift ;;
	--report-only) report=1; shift ;;
	--out) out=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	-h|--help) sed -n '3,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
mkdir -p "$out" "$results"
out=$(cd "$out" && pwd) results=$(cd "$results" && pwd)

# The programs; the guest prints n/a for a missing optional one
# (nm_bench_generic: the emulated adapter; af_xdp_bench: needs libxdp-dev).
progs_req="nm_bench_pipe nm_bench_vale af_packet_bench socketpair_bench nm-pktgen"
progs_opt="nm_bench_generic af_xdp_bench"
[ $report = 1 ] && nobuild=1
if [ $nobuild = 0 ]; then
	if [ ! -f "$build/CMakeCache.txt" ]; then
		echo "[bench] configuring $build"
		cmake -S "$top" -B "$build" >"$out/configure.log" 2>&1 || { cat "$out/configure.log"; exit 1; }
	fi
	targets=$(cmake --build "$build" --target help 2>/dev/null | sed -n 's/^\.\.\. \([^ ]*\).*/\1/p')
	want=
	for p in $progs_req $progs_opt; do
		echo "$targets" | grep -qx "$p" && want="$want $p"
	done
	echo "[bench] building$want"
	# shellcheck disable=SC2086
	cmake --build "$build" -j2 --target $want >"$out/build.log" 2>&1 || { tail -n 40 "$out/build.log"; exit 1; }
fi
progs=
for p in $progs_req $progs_opt; do
	[ $report = 1 ] && break
	f=$build/tests/bench/$p
	[ "$p" = nm-pktgen ] && f=$build/client/$p
	if [ -x "$f" ]; then
		progs="$progs $f"
	else
		echo "[bench] $p: not built"
	fi
done
# Seconds per case reach the guest as a file among the programs.
echo "secs=$secs mode=$mode" >"$out/bench-suite.conf"
progs="$progs $out/bench-suite.conf"
ncases=23
to=$((ncases * (secs + 25) + 60))

rc=0
for s in $series; do
	[ $report = 1 ] && break
	vm=$out/vm-$s
	echo "[bench] $s: booting ($mode, ${secs} s per case, guest timeout ${to}s)"
	if ! "$top/tests/vm/run.sh" --series "$s" --out "$vm" --tests "module-load:60 bench-suite:$to module-unload:60" \
		--progs "$progs" --timeout $((to + 300)) >"$out/run-$s.log" 2>&1; then
		cat "$out/run-$s.log"
		rc=1
	fi
	for r in bench-suite kernel-log; do
		v=$(cat "$vm/results/$r" 2>/dev/null || echo "no result")
		echo "[bench] $s: $r: $v"
		case $v in PASS*) ;; *) rc=1; [ -f "$vm/logs/$r.log" ] && cat "$vm/logs/$r.log" ;; esac
	done
	csv=$results/bench-$s.csv
	echo "series,case,size,method,mode,mpps,ns_per_pkt" >"$csv"
	sed -n 's/^SUITE //p' "$vm/logs/bench-suite.log" 2>/dev/null | awk -v s="$s" '{
		for (i = 1; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
		printf "%s,%s,%s,%s,%s,%s,%s\n", s, kv["case"], kv["size"], kv["method"], kv["mode"], kv["mpps"], kv["ns_per_pkt"]
	}' >>"$csv"
	echo "[bench] $s: $(($(wc -l <"$csv") - 1)) rows in $csv"
done

# The table: one row per case, size and mode; per kernel Mpps and the ratio
# to AF_PACKET on veth in the same mode (VALE runs busy: compared to busy).
accel=TCG
grep -qs 'Hypervisor detected: KVM' "$out"/vm-*/console.log && accel=KVM
md=$results/bench.md
csvs=
for s in $series; do csvs="$csvs $results/bench-$s.csv"; done
# shellcheck disable=SC2086
awk -F, -v series="$series" -v mode="$mode" -v secs="$secs" -v accel="$accel" -v date="$(date -u +%F)" '
FNR == 1 { next }
{
	key = $2 SUBSEP $3 SUBSEP $5
	if (!(key in seen)) { seen[key] = 1; order[++n] = key }
	mpps[$1, key] = $6
	if ($2 == "af_packet-veth") afp[$1, $5] = $6
}
END {
	ns = split(series, S, " ")
	printf "Benchmark suite, %s mode (%s s per case), 2 vCPUs, %s, %s.\n", mode, secs, accel, date
	if (accel == "TCG")
		print "TCG: absolute numbers are meaningless, compare ratios measured in this run."
	print "Mpps received (VALE: per receiver); x AF_PACKET = Mpps / AF_PACKET (veth) Mpps of the same kernel and mode.\n"
	hdr = "| case | bytes | mode |"; sep = "|---|---:|---|"
	for (k = 1; k <= ns; k++) { hdr = hdr " " S[k] " Mpps | x AF_PACKET |"; sep = sep "---:|---:|" }
	print hdr; print sep
	for (i = 1; i <= n; i++) {
		split(order[i], f, SUBSEP)
		line = "| " f[1] " | " f[2] " | " f[3] " |"
		for (k = 1; k <= ns; k++) {
			v = mpps[S[k], order[i]]; a = afp[S[k], f[3]]
			if (v == "") v = "-"
			r = (v + 0 > 0 && a + 0 > 0) ? sprintf("%.2f", v / a) : "-"
			line = line " " v " | " r " |"
		}
		print line
	}
}' $csvs >"$md"
echo
cat "$md"

# The chart: grouped bars, Mpps per case, one bar per kernel; log scale
# when the largest figure is over 20 times the smallest.
png=$results/bench.png
if ! command -v gnuplot >/dev/null; then
	echo "[bench] gnuplot not found: no chart (apt-get install gnuplot-nox)"
else
	dat=$out/bench.dat
	# one line per case: label TAB Mpps per kernel (NaN: not measured)
	# shellcheck disable=SC2086
	awk -F, -v series="$series" '
	FNR == 1 { next }
	{
		key = $2 " " $3 " " $5
		if (!(key in seen)) { seen[key] = 1; order[++n] = key }
		if ($6 + 0 > 0) v[$1, key] = $6
	}
	END {
		ns = split(series, S, " ")
		for (i = 1; i <= n; i++) {
			line = order[i]
			for (k = 1; k <= ns; k++) line = line "\t" ((S[k], order[i]) in v ? v[S[k], order[i]] : "NaN")
			print line
		}
	}' $csvs >"$dat"
	read -r lo hi <<<"$(awk -F'\t' '{ for (i = 2; i <= NF; i++) if ($i != "NaN") { x = $i + 0
		if (x > 0 && (lo == "" || x < lo)) lo = x; if (x > hi) hi = x } } END { print lo + 0, hi + 0 }' "$dat")"
	logscale=
	awk -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(lo > 0 && hi / lo > 20) }' && logscale="set logscale y"
	plots=
	col=2
	for s in $series; do
		plots="$plots${plots:+, }'$dat' using $col:xtic(1) title 'Linux $s'"
		col=$((col + 1))
	done
	title="netmapd benchmark suite ($mode, ${secs} s per case, $accel"
	[ "$accel" = TCG ] && title="$title: compare ratios only"
	title="$title)"
	if gnuplot >"$out/gnuplot.log" 2>&1 <<EOF
set terminal pngcairo size 1400,760 noenhanced font ",11"
set datafile separator "\t"
set rmargin 10
set bmargin 9
set output '$png'
set title "$title"
set ylabel 'Mpps (received; VALE: per receiver)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set xtics rotate by -35 scale 0
set key top right
set yrange [*:*]
$logscale
plot $plots
EOF
	then
		echo "[bench] chart: $png"
	else
		echo "[bench] gnuplot failed: no chart"; cat "$out/gnuplot.log"
	fi
fi
echo "[bench] CSV: $csvs"
echo "[bench] table: $md"
exit $rc
