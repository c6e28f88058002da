# SPDX-License-Identifier: BSD-2-Clause
# Side-by-side rates and guest profiles of the datapath, in one boot
# (tests/bench/prof.sh boots it; not a CI test: it asserts no speed).
#
# 1. Rates: ROUNDS rounds of the nm-pktgen cases below, busy, 60 B, the
#    order of the cases reversed every other round so that no case always
#    runs first or last. One line per run, then per case the median and
#    the ratios to VALE 2-port measured in the same round:
#      PROF round=R case=C mpps=X sent=N received=N
#      PROFSUM case=C median=X min=X max=X ratio_to_vale2=MEDIAN(min-max)
#        pipe-reuse   nmpf{0 ==== pipe ====> nmpf}0, frames reused
#        pipe-touch   the same with --touch-all
#        vale-2port   valepf:s ==== VALE ====> valepf:r (the receiver's rate)
#        drop-unknown valepu:s alone, unknown unicast MAC (the sender's rate)
#        drop-self    valeps:s to its own learned MAC
#        drop-full    valepx:s to valepx:r, whose holder never reads
#        lock-pipe    nm_bench_lockstep: one thread, nmpl{0 -> nmpl}0
#        lock-pipe64  the same with batches of 64 instead of 512
#        lock-vale    nm_bench_lockstep: one thread, valepl:s -> valepl:r
#    The lock- cases (when nm_bench_lockstep is among the programs) measure
#    the CPU cost per packet in one thread, whatever the host's other load;
#    PROFLOCK gives pipe / VALE of each round, PROFFIT splits a pipe
#    packet's time into a per-batch part (one NIOCTXSYNC and one NIOCRXSYNC:
#    two system calls) and a per-packet part (time per packet at batch b =
#    per_packet + per_batch / b, from batches of 64 and 512):
#      PROFLOCK ratio_pipe_to_vale=MEDIAN(min-max) rounds=N
#      PROFFIT case=lock-pipe per_batch_ns=X per_packet_ns=X batch_share_at_512=P%
# 2. Profiles (PROFILE=1): `perf record -e cpu-clock -a` for PSECS seconds
#    in the middle of a run of each case, then the symbols over 0.5 % of
#    the benchmark processes' samples (kernel, netmap.ko and the programs):
#    pipe-reuse, vale-2port, vale-1to4 (nm_bench_vale), drop-unknown,
#    generic-veth (nm_bench_generic on veth, the emulated adapter).
#
# Settings: /usr/local/bin/bench-prof.conf (rounds=3 secs=2 profile=1 psecs=3).
# Needs perf among the programs for the profiles (a perf of any version
# reads cpu-clock samples; module symbols come from /proc/kallsyms).
. /tests/lib.sh
ensure_netmap

rounds=3
secs=2
profile=1
psecs=3
[ -f /usr/local/bin/bench-prof.conf ] && . /usr/local/bin/bench-prof.conf

out=/tmp/bench-prof.out
: >"$out"
bad=0
# Failures are counted in $bad and reported at the end.
set +e
# one CASE ROUND: run CASE once with pg_run, append a PROF line.
one() {
	c=$1 r=$2
	case $c in
	pipe-reuse) set -- busy reuse 'nmpf{0' 'nmpf}0' ;;
	pipe-touch) set -- busy touch 'nmpf{1' 'nmpf}1' ;;
	vale-2port) set -- busy reuse valepf:s valepf:r -D 02:00:00:00:00:98 ;;
	drop-unknown) set -- busy reuse valepu:s - -D 02:00:00:00:00:99 ;;
	drop-self) set -- busy reuse valeps:s - -S 02:00:00:00:00:96 -D 02:00:00:00:00:96 ;;
	drop-full) set -- busy reuse valepx:s hold:valepx:r -D 02:00:00:00:00:97 ;;
	lock-*)
		case $c in
		lock-pipe) set -- --pipe nmpl ;;
		lock-pipe64) set -- --pipe nmpl --batch 64 ;;
		*) set -- --vale valepl ;;
		esac
		echo "+ nm_bench_lockstep $* --seconds $secs"
		nm_bench_lockstep "$@" --seconds "$secs" >/tmp/lock.out 2>&1
		lrc=$?
		cat /tmp/lock.out
		m=$(sed -n 's/^RESULT .* mpps=\([^ ]*\).*/\1/p' /tmp/lock.out)
		if [ $lrc != 0 ] || [ -z "$m" ]; then
			echo "FAIL: round $r case $c"
			bad=1
			return 0
		fi
		echo "PROF round=$r case=$c mpps=$m" | tee -a "$out"
		return 0 ;;
	*) fail "unknown case $c" ;;
	esac
	md=$1 fr=$2 txp=$3 rxp=$4
	shift 4
	pg_run "$md" "$fr" "$txp" "$rxp" "$secs" "$@" </dev/null
	if [ $PG_RC != 0 ]; then
		echo "FAIL: round $r case $c"
		bad=1
		return 0
	fi
	case $c in pipe-*)
		[ "$PG_SENT" = "$PG_RECV" ] || { echo "FAIL: $c lost packets"; bad=1; } ;;
	esac
	echo "PROF round=$r case=$c mpps=$PG_MPPS sent=$PG_SENT received=$PG_RECV" | tee -a "$out"
}

# Sender on CPU 0, receiver on CPU 1, as the other benchmark programs pin.
export PG_TX_CPU=0 PG_RX_CPU=1
cases="pipe-reuse pipe-touch vale-2port drop-unknown drop-self drop-full"
command -v nm_bench_lockstep >/dev/null && cases="$cases lock-pipe lock-pipe64 lock-vale"
rev=
for c in $cases; do rev="$c $rev"; done
r=1
while [ $r -le "$rounds" ]; do
	list=$cases
	[ $((r % 2)) = 0 ] && list=$rev
	for c in $list; do one "$c" "$r"; done
	r=$((r + 1))
done

accel=TCG
dmesg | grep -q 'Hypervisor detected: KVM' && accel=KVM
echo
echo "bench-prof ($rounds rounds, ${secs} s per case, busy, 60 B, $(nproc) CPUs, $accel, $(uname -r)): Mpps"
cat "$out"
awk '
/^PROF / {
	for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
	c = kv["case"]; r = kv["round"]
	if (!(c in seen)) { seen[c] = 1; order[++n] = c }
	v[c, r] = kv["mpps"] + 0; has[c, r] = 1
	if (r > maxr) maxr = r
}
function sort(a, m,    i, j, t) {
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
}
function med(a, m) { return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
END {
	for (i = 1; i <= n; i++) {
		c = order[i]; m = 0; k = 0
		delete x; delete q
		for (r = 1; r <= maxr; r++) {
			if (!has[c, r]) continue
			x[++m] = v[c, r]
			if (has["vale-2port", r] && v["vale-2port", r] > 0)
				q[++k] = v[c, r] / v["vale-2port", r]
		}
		if (!m) continue
		sort(x, m); sort(q, k)
		printf "PROFSUM case=%s median=%.3f min=%.3f max=%.3f ratio_to_vale2=%s\n", c,
		       med(x, m), x[1], x[m], k ? sprintf("%.2f(%.2f-%.2f)", med(q, k), q[1], q[k]) : "-"
		mm[c] = med(x, m)
	}
	# ns per packet at batch b: per_packet + per_batch / b (medians of b = 64 and 512)
	if (mm["lock-pipe64"] > 0 && mm["lock-pipe"] > 0) {
		t64 = 1000 / mm["lock-pipe64"]; t512 = 1000 / mm["lock-pipe"]
		ps = (t64 - t512) / (1 / 64 - 1 / 512)
		printf "PROFFIT case=lock-pipe per_batch_ns=%.0f per_packet_ns=%.1f batch_share_at_512=%.0f%%\n",
		       ps, t512 - ps / 512, 100 * ps / 512 / t512
	}
	k = 0
	delete q
	for (r = 1; r <= maxr; r++)
		if (has["lock-pipe", r] && v["lock-vale", r] > 0)
			q[++k] = v["lock-pipe", r] / v["lock-vale", r]
	if (k) {
		sort(q, k)
		printf "PROFLOCK ratio_pipe_to_vale=%.2f(%.2f-%.2f) rounds=%d\n", med(q, k), q[1], q[k], k
	}
}' "$out"

# prof CASE CMD...: CMD in the background (it runs psecs + 3 s), perf in the middle.
# Symbols are shown for the samples of the benchmark's own processes: under
# TCG the idle vCPUs' samples (native_safe_halt) are many and say nothing.
# (comm names are cut to 15 characters)
comms=nm-pktgen,nm_bench_vale,nm_bench_generi
prof() {
	c=$1
	shift
	echo
	echo "== profile $c: $*"
	"$@" >/tmp/prof-case.out 2>&1 &
	pid=$!
	sleep 1.5
	perf record -N -q -e cpu-clock -a -F 1999 -o /tmp/perf.data -- sleep "$psecs" >/tmp/perf.rec 2>&1 ||
		{ cat /tmp/perf.rec; echo "FAIL: perf record ($c)"; bad=1; }
	wait $pid || { cat /tmp/prof-case.out; echo "FAIL: $c exited non-zero"; bad=1; }
	grep -h 'RESULT\|"mpps"' /tmp/prof-case.out | tail -n 2
	echo "-- all samples by command and object (idle CPUs: swapper)"
	perf report -i /tmp/perf.data --stdio --no-children --sort comm,dso -q --percent-limit 1 2>/dev/null |
		grep -v '^$' | head -n 12
	echo "-- samples of the benchmark's processes by symbol (>= 0.5 % of them)"
	perf report -i /tmp/perf.data --stdio --no-children --comms "$comms" --percentage relative \
		--sort dso,sym -q --percent-limit 0.5 2>/dev/null | grep -v '^$' | head -n 50
}

if [ "$profile" = 1 ]; then
	command -v perf >/dev/null || fail "no perf among the programs"
	echo 0 >/proc/sys/kernel/kptr_restrict
	echo -1 >/proc/sys/kernel/perf_event_paranoid
	[ -d /sys/module/veth ] || insmod /lib/modules/veth.ko || fail "insmod veth"
	$IP link add nmpva type veth peer name nmpvb || fail "veth pair"
	for i in nmpva nmpvb; do
		echo 1 >/proc/sys/net/ipv6/conf/$i/disable_ipv6 2>/dev/null || true
		$IP link set $i up
	done
	ps=$((psecs + 3))
	prof pipe-reuse sh -c ". /tests/lib.sh; pg_run busy reuse 'nmpq{0' 'nmpq}0' $ps"
	prof vale-2port sh -c ". /tests/lib.sh; pg_run busy reuse valeqf:s valeqf:r $ps -D 02:00:00:00:00:98"
	prof drop-unknown sh -c ". /tests/lib.sh; pg_run busy reuse valequ:s - $ps -D 02:00:00:00:00:99"
	if command -v nm_bench_vale >/dev/null; then
		prof vale-1to4 nm_bench_vale --receivers 4 --len 60 --seconds $ps
	fi
	if command -v nm_bench_generic >/dev/null; then
		prof generic-veth nm_bench_generic --mode busy --seconds $ps --tx-if nmpva --rx-if nmpvb
	fi
	$IP link del nmpva
fi
[ $bad = 0 ] || fail "a case failed (see above)"
ok "bench-prof completed"
