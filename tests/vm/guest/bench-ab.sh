# SPDX-License-Identifier: BSD-2-Clause
# Two builds of netmap.ko side by side in one boot, alternating, for the
# cases nm-pktgen measures (tests/bench/ab.sh builds them and boots this):
#
#   pipe-reuse   nm-pktgen tx nmab{0 ==== pipe ====> nmab}0 nm-pktgen rx, frames reused (busy)
#   pipe-touch   the same with --touch-all: every frame written
#   vale-2port   valeab:s ==== VALE ====> valeab:r (60 B, reuse; the receiver's rate)
#   drop-unknown valeau:s alone on its switch, unknown unicast destination (the sender's rate)
#   drop-self    valeas:s to the MAC it sends from (learned on its own port)
#   drop-full    valeaf:s to valeaf:r, whose holder never reads
#
# The modules are programs of the boot: /usr/local/bin/netmap-a.ko and
# netmap-b.ko. Each round loads A, runs every case, unloads it, then B (the
# order alternates between rounds), so both see the same host load. One
# line per run and a summary per case (medians, ratio B/A):
#   AB ko=a|b round=R case=C mpps=X sent=N received=N
#   ABSUM case=C a=X b=X ratio=X
# Rounds and seconds per case: /usr/local/bin/bench-ab.conf (rounds=3
# secs=2 by default). Fails when a case fails or a pipe loses a packet;
# asserts nothing about speed.
. /tests/lib.sh

rounds=3
secs=2
[ -f /usr/local/bin/bench-ab.conf ] && . /usr/local/bin/bench-ab.conf
for k in a b; do
	[ -f /usr/local/bin/netmap-$k.ko ] || fail "no /usr/local/bin/netmap-$k.ko (run tests/bench/ab.sh)"
done
[ -d /sys/module/netmap ] && { rmmod netmap || fail "rmmod netmap"; }

out=/tmp/bench-ab.out
: >"$out"
bad=0
# Sender on CPU 0, receiver on CPU 1 (under TCG an unpinned pair often
# shares one vCPU and the pipe then moves one ring per time slice).
export PG_TX_CPU=0 PG_RX_CPU=1
# run_ko KO ROUND: every case on module KO.
run_ko() {
	k=$1 r=$2
	insmod /usr/local/bin/netmap-$k.ko || fail "insmod netmap-$k.ko"
	while read -r c md fr txp rxp opts; do
		# shellcheck disable=SC2086
		pg_run "$md" "$fr" "$txp" "$rxp" "$secs" $opts </dev/null
		if [ $PG_RC != 0 ]; then
			echo "FAIL: $k round $r case $c"
			bad=1
			continue
		fi
		case $c in pipe-*)
			[ "$PG_SENT" = "$PG_RECV" ] || { echo "FAIL: $k $c lost packets"; bad=1; } ;;
		esac
		echo "AB ko=$k round=$r case=$c mpps=$PG_MPPS sent=$PG_SENT received=$PG_RECV" | tee -a "$out"
	done <<CASES
pipe-reuse busy reuse nmab{0 nmab}0
pipe-touch busy touch nmab{1 nmab}1
vale-2port busy reuse valeab:s valeab:r -D 02:00:00:00:00:98
drop-unknown busy reuse valeau:s - -D 02:00:00:00:00:99
drop-self busy reuse valeas:s - -S 02:00:00:00:00:96 -D 02:00:00:00:00:96
drop-full busy reuse valeaf:s hold:valeaf:r -D 02:00:00:00:00:97
CASES
	rmmod netmap || fail "rmmod netmap-$k"
}

r=1
while [ $r -le $rounds ]; do
	if [ $((r % 2)) = 1 ]; then run_ko a $r; run_ko b $r; else run_ko b $r; run_ko a $r; fi
	r=$((r + 1))
done

accel=TCG
dmesg | grep -q 'Hypervisor detected: KVM' && accel=KVM
echo
echo "bench-ab ($rounds rounds, ${secs} s per case, busy, 60 B, $(nproc) CPUs, $accel, $(uname -r)): Mpps, median per case"
cat "$out"
awk '
/^AB / {
	for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
	c = kv["case"]; k = kv["ko"]
	if (!(c in seen)) { seen[c] = 1; order[++n] = c }
	v[c, k, ++cnt[c, k]] = kv["mpps"] + 0
}
function median(c, k,    m, i, j, t, a) {
	m = cnt[c, k]
	for (i = 1; i <= m; i++) a[i] = v[c, k, i]
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return m ? (m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2) : 0
}
END {
	for (i = 1; i <= n; i++) {
		c = order[i]; a = median(c, "a"); b = median(c, "b")
		printf "ABSUM case=%s a=%.3f b=%.3f ratio=%s\n", c, a, b, (a > 0 ? sprintf("%.2f", b / a) : "-")
	}
}' "$out"
[ $bad = 0 ] || fail "a case failed (see above)"
ok "bench-ab completed"
