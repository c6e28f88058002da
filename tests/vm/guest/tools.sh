# SPDX-License-Identifier: BSD-2-Clause
# The traffic tools (issue 7): nm-pktgen and nm-bridge against netmap.ko.
#
#   pipe:   nm-pktgen tx  tp{0 ==== pipe ====> tp}0 nm-pktgen rx      (60 and 1514 B;
#           IP/port ranges, 101 B: rx --check verifies every checksum)
#   vale:   nm-pktgen tx  vale0:a == vale0 ==> vale0:b nm-pktgen rx  (+ port counters)
#   rate:   nm-pktgen tx -R  tr{0 ==== pipe ====> tr}0 rx             (reported)
#   -p 2:   2 threads, ring i each, tm{0 ==== pipe ====> tm}0 2 threads
#   zcopy:  tx nb{0 => nb}0 <nm-bridge> nb}1 => nb{1 rx    (one parent: one region)
#   copy:   tx valeb1:c => valeb1:a <nm-bridge> valeb2:b => valeb2:d rx (two regions;
#           sent = received + what the VALE ports dropped)
#   ping:   nm-pktgen ping pp{0 ==== pipe ====> pp}0 nm-pktgen pong
#
# Counts must be exact: what tx pushed = what rx counted (packets and bytes)
# (across VALE switches: plus what their ports counted as dropped)
# = the VALE port counters (NETMAP_REQ_OPT_PORT_STATS, which nm-pktgen puts
# in its summary). Every summary is --json and checked to be one well-formed
# JSON object. Rates and RTTs are printed, not asserted (TCG).
. /tests/lib.sh
ensure_netmap

W=/tmp/tools
rm -rf $W
mkdir -p $W
T=60	# watchdog per program: SIGINT, so a hung one still prints its summary

# jget FILE KEY: the value of "KEY": in FILE (numbers, true/false, "strings");
# only for keys that occur once.
jget() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" "$1" | head -n1; }
# jsub FILE OBJ KEY: "KEY" inside the object "OBJ":{...}.
jsub() { sed -n "s/.*\"$2\":{[^}]*\"$3\":\([^,}]*\).*/\1/p" "$1" | head -n1; }

# json_lines FILE: every line is one JSON object, brackets balanced outside strings.
json_lines() {
	awk '{
		d = 0; s = 0; e = 0; bad = 0
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (s) { if (e) e = 0; else if (c == "\\") e = 1; else if (c == "\"") s = 0; continue }
			if (c == "\"") s = 1
			else if (c == "{" || c == "[") d++
			else if (c == "}" || c == "]") { d--; if (d < 0) bad = 1; if (d == 0 && i < length($0)) bad = 1 }
		}
		if (bad || d != 0 || s || substr($0, 1, 1) != "{") { print "bad JSON line " NR ": " $0; exit 1 }
	}' "$1" || { cat "$1"; fail "$1: malformed JSON"; }
}

# json_ok FILE: exactly one line, one well-formed object, no error.
json_ok() {
	[ "$(wc -l <"$1")" = 1 ] || { cat "$1"; fail "$1: not exactly one line of JSON"; }
	json_lines "$1"
	grep -q '"error":null' "$1" || { cat "$1"; fail "$1: reports an error"; }
}

# wait_ready FILE: the program printed its ready line (JSON event) on stderr.
wait_ready() { wait_text "$1" '"event":"ready"'; }

# tx_rx NAME TXPORT RXPORT N LEN RXOPTS [tx options]: rx in the background, then tx.
tx_rx() {
	name=$1 txp=$2 rxp=$3 n=$4 len=$5 rxopts=$6
	shift 6
	# shellcheck disable=SC2086
	timeout -s INT $T nm-pktgen -i "$rxp" -f rx -n "$n" -T 0 --json $rxopts >$W/$name.rx 2>$W/$name.rx.err &
	rxpid=$!
	wait_ready $W/$name.rx.err
	echo "+ nm-pktgen -i $txp -f tx -n $n -l $len $*"
	timeout -s INT $T nm-pktgen -i "$txp" -f tx -n "$n" -l "$len" -T 0 --json "$@" \
		>$W/$name.tx 2>$W/$name.tx.err || { cat $W/$name.tx $W/$name.tx.err; fail "$name: tx failed"; }
	wait $rxpid || { cat $W/$name.rx $W/$name.rx.err; fail "$name: rx failed"; }
	json_ok $W/$name.tx
	json_ok $W/$name.rx
	cat $W/$name.tx $W/$name.rx
	expect_eq "$name: tx packets" "$(jget $W/$name.tx packets)" "$n"
	expect_eq "$name: rx packets" "$(jget $W/$name.rx packets)" "$n"
	expect_eq "$name: tx bytes" "$(jget $W/$name.tx bytes)" $((n * len))
	expect_eq "$name: rx bytes" "$(jget $W/$name.rx bytes)" $((n * len))
}

# 1. Pipe: exact counts, short and long frames.
tx_rx pipe60 'tp{0' 'tp}0' 200000 60 ''
tx_rx pipe1514 'tp{1' 'tp}1' 20000 1514 ''
ok "pipe: rx count == tx count == N, bytes match"

#    Frame reuse: a pipe leaves the sender's buffers in its slots, so tx
#    writes each frame once per slot (1024 slots); --touch-all writes all.
w=$(jget $W/pipe60.tx frames_written)
expect_eq "pipe60: frames reused" "$(jget $W/pipe60.tx frames)" '"reuse"'
[ -n "$w" ] && [ "$w" -gt 0 ] && [ "$w" -le 1024 ] ||
	fail "pipe60: tx wrote $w frames whole for 200000 packets, want 1..1024 (one per slot)"
tx_rx touch 'tp{2' 'tp}2' 20000 60 '' --touch-all
expect_eq "touch: frames" "$(jget $W/touch.tx frames)" '"touch-all"'
expect_eq "touch: frames written" "$(jget $W/touch.tx frames_written)" 20000
ok "pipe: tx reuses prepared frames ($w written for 200000), --touch-all writes every one"

#    Address ranges, an odd length: rx --check verifies every IPv4/UDP checksum.
tx_rx ranges 'tk{0' 'tk}0' 50000 101 '--check' -s 10.0.0.250-10.0.1.3:65530-65535 -d 192.168.7.1-192.168.7.9:53
expect_eq "ranges: frames with a bad checksum" "$(jget $W/ranges.rx bad_checksums)" 0

# 2. VALE: exact counts and the port counters. VALE drops on a full ring, so
#    the sender is rate-limited and the receiver has 4096 slots (@conf:):
#    400 ms of slack for a receiver that TCG does not schedule.
tx_rx vale 'vale0:a' 'vale0:b@conf:slots=4096' 10000 60 '' -R 10000
expect_eq "vale: port vale0:a tx_packets" "$(jsub $W/vale.tx port_stats tx_packets)" 10000
expect_eq "vale: port vale0:a tx_bytes" "$(jsub $W/vale.tx port_stats tx_bytes)" $((10000 * 60))
expect_eq "vale: port vale0:b rx_packets" "$(jsub $W/vale.rx port_stats rx_packets)" 10000
expect_eq "vale: port vale0:b rx_bytes" "$(jsub $W/vale.rx port_stats rx_bytes)" $((10000 * 60))
expect_eq "vale: port vale0:b rx_drops" "$(jsub $W/vale.rx port_stats rx_drops)" 0

# 3. Rate: -R 20000 for 20000 packets should take about 1 s. Reported; the
#    bucket must never run ahead of the rate by more than 10 %.
tx_rx rate 'tr{0' 'tr}0' 20000 60 '' -R 20000
secs=$(jget $W/rate.tx seconds)
echo "rate: asked 20000 pps, sent 20000 packets in $secs s"
awk -v s="$secs" 'BEGIN { exit !(s >= 0.9) }' || fail "rate: 20000 packets at 20000 pps took only $secs s"
ok "rate: -R 20000 took $secs s (ideal 1.0)"

# 4. Threads: -p 2 binds ring i per thread on both ends (the pipe gets 2 rings).
tx_rx threads 'tm{0' 'tm}0' 100000 60 '-p 2' -p 2
expect_eq "threads: tx threads" "$(jget $W/threads.tx threads)" 2
expect_eq "threads: rx threads" "$(jget $W/threads.rx threads)" 2

# 5. Bridge, same region: pipes of one parent share its allocator.
bridge_case() {
	name=$1 txp=$2 a=$3 b=$4 rxp=$5 n=$6 want=$7
	shift 7
	timeout -s INT $T nm-pktgen -i "$rxp" -f rx -n "$n" -T 0 --json >$W/$name.rx 2>$W/$name.rx.err &
	rxpid=$!
	timeout -s INT $T nm-bridge -i "$a" -i "$b" --json >$W/$name.br 2>$W/$name.br.err &
	brpid=$!
	wait_ready $W/$name.rx.err
	wait_ready $W/$name.br.err
	echo "+ nm-pktgen -i $txp -f tx -n $n $*"
	timeout -s INT $T nm-pktgen -i "$txp" -f tx -n "$n" -T 0 --json "$@" >$W/$name.tx 2>$W/$name.tx.err ||
		{ cat $W/$name.tx $W/$name.tx.err; fail "$name: tx failed"; }
	wait $rxpid || { cat $W/$name.rx $W/$name.rx.err; fail "$name: rx failed"; }
	# Under load the bridge's watchdog may have stopped it already: rx has
	# counted every frame by now, so that is no failure (its summary stands).
	kill -INT $brpid 2>/dev/null || true
	wait $brpid || { cat $W/$name.br $W/$name.br.err; fail "$name: nm-bridge failed"; }
	json_ok $W/$name.br
	cat $W/$name.br.err $W/$name.br $W/$name.rx
	expect_eq "$name: bridge mode" "$(jget $W/$name.br mode)" "\"$want\""
	expect_eq "$name: rx packets" "$(jget $W/$name.rx packets)" "$n"
	expect_eq "$name: bridge a->b packets" "$(jsub $W/$name.br a_to_b packets)" "$n"
	expect_eq "$name: bridge a->b bytes" "$(jsub $W/$name.br a_to_b bytes)" $((n * 60))
	expect_eq "$name: bridge b->a packets" "$(jsub $W/$name.br b_to_a packets)" 0
}
bridge_case zcopy 'nb{0' 'nb}0' 'nb}1' 'nb{1' 100000 zerocopy

# 6. Bridge across regions: every ephemeral VALE port has its own allocator.
#    VALE drops at a full destination ring, at valeb1:a when the bridge is
#    not scheduled and at valeb2:d when rx is not, so how many arrive
#    depends on the host's load; what was sent, received and dropped adds up
#    exactly. Each stage is read (nm_vale --stats) once the one before it is
#    done, and waited for until it has taken in all that reached it.
# vstats PORT: VS_TX, VS_RX, VS_DROPS of a VALE port.
vstats() {
	_vs=$(run nm_vale --stats "$1") || fail "no counters for $1"
	echo "$1: $_vs"
	# shellcheck disable=SC2086
	set -- $_vs
	VS_TX=$2 VS_RX=$4 VS_DROPS=$6
}
n=10000
timeout -s INT $T nm-pktgen -i 'valeb2:d@conf:slots=4096' -f rx -T 100 --check --json \
	>$W/copy.rx 2>$W/copy.rx.err &
rxpid=$!
timeout -s INT $T nm-bridge -i 'valeb1:a@conf:slots=4096' -i 'valeb2:b' -T 100 --json \
	>$W/copy.br 2>$W/copy.br.err &
brpid=$!
wait_ready $W/copy.rx.err
wait_ready $W/copy.br.err
run timeout -s INT $T nm-pktgen -i 'valeb1:c' -f tx -n $n -T 0 -R 10000 --json >$W/copy.tx 2>$W/copy.tx.err ||
	{ cat $W/copy.tx $W/copy.tx.err; fail "copy: tx failed"; }
json_ok $W/copy.tx
expect_eq "copy: tx packets" "$(jget $W/copy.tx packets)" $n
#    tx is done, so valeb1:a has everything it will get (a VALE TXSYNC
#    forwards before it returns); the bridge then forwards all it received
#    (its report lines count after the TXSYNC), and rx takes what was not
#    dropped at valeb2:d.
vstats valeb1:a
a_rx=$VS_RX a_drops=$VS_DROPS
expect_eq "copy: valeb1:a received + dropped" $((a_rx + a_drops)) $n
wait_text $W/copy.br.err "\"a_to_b\":$a_rx,"
vstats valeb2:b
expect_eq "copy: valeb2:b tx_packets" "$VS_TX" "$a_rx"
vstats valeb2:d
d_rx=$VS_RX d_drops=$VS_DROPS
expect_eq "copy: valeb2:d received + dropped" $((d_rx + d_drops)) $a_rx
wait_text $W/copy.rx.err "\"packets\":$d_rx,"
kill -INT $brpid $rxpid
wait $brpid || { cat $W/copy.br $W/copy.br.err; fail "copy: nm-bridge failed"; }
wait $rxpid || { cat $W/copy.rx $W/copy.rx.err; fail "copy: rx failed"; }
json_ok $W/copy.br
json_ok $W/copy.rx
cat $W/copy.br $W/copy.rx
expect_eq "copy: bridge mode" "$(jget $W/copy.br mode)" '"copy"'
expect_eq "copy: bridge a->b packets" "$(jsub $W/copy.br a_to_b packets)" "$a_rx"
expect_eq "copy: bridge a->b bytes" "$(jsub $W/copy.br a_to_b bytes)" $((a_rx * 60))
expect_eq "copy: bridge a->b errors" "$(jsub $W/copy.br a_to_b errors)" 0
expect_eq "copy: bridge b->a packets" "$(jsub $W/copy.br b_to_a packets)" 0
expect_eq "copy: rx packets" "$(jget $W/copy.rx packets)" "$d_rx"
expect_eq "copy: rx bytes" "$(jget $W/copy.rx bytes)" $((d_rx * 60))
expect_eq "copy: frames with a bad checksum" "$(jget $W/copy.rx bad_checksums)" 0
[ "$d_rx" -gt 0 ] || fail "copy: nothing arrived ($a_drops dropped at valeb1:a, $d_drops at valeb2:d)"
expect_eq "copy: sent = received + dropped" $((d_rx + a_drops + d_drops)) $n
ok "copy: $n sent = $d_rx received + $a_drops dropped at valeb1:a + $d_drops at valeb2:d"

# 7. ping/pong over a pipe: RTT numbers.
timeout -s INT $T nm-pktgen -i 'pp}0' -f pong -T 0 --json >$W/pong 2>$W/pong.err &
pongpid=$!
wait_ready $W/pong.err
echo "+ nm-pktgen -i pp{0 -f ping -n 2000"
timeout -s INT $T nm-pktgen -i 'pp{0' -f ping -n 2000 -T 0 --json >$W/ping 2>$W/ping.err ||
	{ cat $W/ping $W/ping.err; fail "ping failed"; }
kill -INT $pongpid
wait $pongpid || { cat $W/pong $W/pong.err; fail "pong failed"; }
json_ok $W/ping
json_ok $W/pong
cat $W/ping $W/pong
expect_eq "ping: sent" "$(jget $W/ping sent)" 2000
expect_eq "ping: received" "$(jget $W/ping received)" 2000
expect_eq "pong: answered" "$(jget $W/pong packets)" 2000
for k in min avg p50 p99 max; do
	v=$(jsub $W/ping rtt_us $k)
	awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "ping: rtt $k = '$v'"
done
ok "ping rtt us: min $(jsub $W/ping rtt_us min) avg $(jsub $W/ping rtt_us avg) p50 $(jsub $W/ping rtt_us p50) p99 $(jsub $W/ping rtt_us p99) max $(jsub $W/ping rtt_us max)"

# 8. Text mode, periodic reports, SIGINT: an endless tx ends cleanly with a summary.
nm-pktgen -i 'ts}0' -f rx -T 200 >$W/text.rx 2>$W/text.rx.err &
rxpid=$!
nm-pktgen -i 'ts{0' -f tx -T 200 >$W/text.tx 2>$W/text.tx.err &
txpid=$!
sleep 2
kill -INT $txpid
wait $txpid || fail "tx after SIGINT exited with $?"
kill -INT $rxpid
wait $rxpid || fail "rx after SIGINT exited with $?"
cat $W/text.tx.err $W/text.tx $W/text.rx
grep -q 'Mpps' $W/text.tx.err || fail "no periodic report on stderr"
grep -q '^tx ts{0: [0-9]* packets' $W/text.tx || fail "no tx summary after SIGINT"
grep -q 'interrupted' $W/text.tx || fail "tx summary does not say interrupted"
ok "SIGINT: clean exit with reports and summary"

# 9. --json with reports: stdout is one object, stderr JSON lines only.
nm-pktgen -i 'tj}0' -f rx -T 100 --json >$W/jr 2>$W/jr.err &
rxpid=$!
wait_ready $W/jr.err
nm-pktgen -i 'tj{0' -f tx -T 100 --duration 1 --json >$W/jt 2>$W/jt.err || fail "tx --duration 1"
kill -INT $rxpid
wait $rxpid || fail "rx after SIGINT exited with $?"
cat $W/jt.err $W/jt
json_ok $W/jt
json_ok $W/jr
json_lines $W/jt.err
json_lines $W/jr.err
reports=$(grep -c '"event":"report"' $W/jt.err)
[ "$reports" -ge 3 ] || fail "--json -T 100 for 1 s gave $reports report lines"
expect_eq "rx counted what tx sent (--duration)" "$(jget $W/jr packets)" "$(jget $W/jt packets)"

# 10. Bad names are refused with a JSON error.
if nm-pktgen -i 'netmap:pipe{1}2' -f rx --json >$W/bad 2>&1; then fail "bad name accepted"; fi
grep -q '"error":"' $W/bad || { cat $W/bad; fail "no JSON error for a bad name"; }
ok "bad port name refused: $(cat $W/bad)"
