# SPDX-License-Identifier: BSD-2-Clause
# The benchmark suite (issue 7), all cases in one boot; tests/bench/run.sh
# boots it and turns the SUITE lines into a CSV, a table and a chart.
#
#   case            program            path
#   pipe            nm_bench_pipe      nmbench{0 ==== netmap pipe ====> nmbench}0
#   pipe-pktgen-reuse nm-pktgen tx     nmpg{0 ==== pipe ====> nmpg}0 nm-pktgen rx (frames reused,
#                                      as netmap's pkt-gen does)
#   pipe-pktgen-touch nm-pktgen tx --touch-all: every frame written (as a sender that builds them)
#   vale-2port-pktgen nm-pktgen tx     valebg:s ==== VALE ====> valebg:r nm-pktgen rx (60 B, reuse)
#   vale-drop-*     nm-pktgen tx       the VALE drop path, rate of the sender (reuse):
#                                      unknown: unknown unicast MAC, no other port on the switch;
#                                      self: the destination MAC was learned on the sender's own port;
#                                      full: to the one other port, whose holder never reads
#   vale-2port      nm_bench_vale      valebv:s ==== VALE ====> valebv:r0 (60 and 1514 B)
#   vale-1toN       nm_bench_vale      valebv:s ==== VALE ====> valebv:r0..rN-1 (N = 2, 4, 8)
#   generic-veth    nm_bench_generic   netmap:nmsva (emulated adapter) ==== veth ====> netmap:nmsvb
#   af_packet-veth  af_packet_bench    TPACKET_V3 TX ring on nmsva ==== veth ====> V3 RX ring on nmsvb
#   af_xdp-veth     af_xdp_bench       XSK (copy, SKB mode) on nmsva ==== veth ====> XSK on nmsvb
#   socketpair      socketpair_bench   unix SOCK_SEQPACKET pair, sendmmsg/recvmmsg
#
# 60-byte frames (one 1514-byte VALE case), batches of 512, poll and busy
# mode where the program has both (VALE: busy). One line per case:
#   SUITE case=C size=B method=M mode=MD mpps=X ns_per_pkt=Y sent=N received=N lost=N
# (VALE: mpps is what each receiver got, averaged over the receivers; the
# drop cases: what the sender sent, received=sent, lost=0.)
#
# Fails when a case exits non-zero or prints no RESULT line, when a case
# received nothing or more than was sent, or when a lossless path (pipe,
# socketpair) lost or reordered a packet. It asserts nothing about speed.
#
# Seconds per case: 2 (short), or what /usr/local/bin/bench-suite.conf sets
# (run.sh --full writes "secs=20" there), or 20 with nm_bench=full on the
# kernel command line or "full" as $1.
. /tests/lib.sh
ensure_netmap

secs=2
mode=short
[ -f /usr/local/bin/bench-suite.conf ] && . /usr/local/bin/bench-suite.conf
[ "${1:-}" = full ] && secs=20 && mode=full
grep -q 'nm_bench=full' /proc/cmdline && secs=20 && mode=full

[ -d /sys/module/veth ] || insmod /lib/modules/veth.ko || fail "insmod veth"
# libxdp pins its dispatcher in bpffs
mkdir -p /sys/fs/bpf
grep -q ' /sys/fs/bpf ' /proc/mounts || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true
cleanup() { $IP link del nmsva 2>/dev/null || true; }
trap cleanup EXIT
echo "+ ip link add nmsva type veth peer name nmsvb"
$IP link add nmsva type veth peer name nmsvb
for i in nmsva nmsvb; do
	echo 1 >/proc/sys/net/ipv6/conf/$i/disable_ipv6 2>/dev/null || true
	$IP link set $i up
done

out=/tmp/bench-suite.out
: >"$out"
bad=0
# run CASE SIZE PROGRAM ARGS...: one SUITE line from the program's RESULT line
run() {
	c=$1 size=$2
	shift 2
	echo "+ $*"
	timeout $((secs + 60)) "$@" >/tmp/bench-case.out 2>&1
	rc=$?
	cat /tmp/bench-case.out
	line=$(grep '^RESULT ' /tmp/bench-case.out | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL: case $c ($size B): $1 printed no RESULT line (exit $rc)"
		echo "SUITE case=$c size=$size method=$1 mode=- mpps=fail ns_per_pkt=- sent=0 received=0 lost=0" >>"$out"
		bad=1
		return 0
	fi
	[ $rc = 0 ] || { echo "FAIL: case $c ($size B): $1 exited with $rc"; bad=1; }
	echo "$line" | awk -v c="$c" -v size="$size" '{
		for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
		m = kv["method"]; md = (kv["mode"] == "") ? "busy" : kv["mode"]
		if (m == "vale") {
			mpps = kv["mpps_rx_avg"]; recv = kv["rx_min"]; sent = kv["sent"]
			lost = sent - recv
		} else {
			mpps = kv["mpps"]; recv = kv["received"]; sent = kv["sent"]; lost = kv["lost"]
			if (kv["out_of_order"] + 0 > 0) lost = lost "+" kv["out_of_order"] "reord"
		}
		nspp = (mpps + 0 > 0) ? 1000 / mpps : 0
		printf "SUITE case=%s size=%s method=%s mode=%s mpps=%s ns_per_pkt=%.1f sent=%s received=%s lost=%s\n",
		       c, size, m, md, mpps, nspp, sent, recv, lost
	}' >>"$out"
}
# pg CASE MODE FRAMES TXPORT RXPORT [tx options]: one SUITE line from
# pg_run (lib.sh) for $secs s; mpps is the receiver's rate (the sender's
# without one).
pg() {
	c=$1 md=$2 fr=$3 txp=$4 rxp=$5
	shift 5
	pg_run "$md" "$fr" "$txp" "$rxp" "$secs" "$@"
	if [ $PG_RC != 0 ]; then
		echo "FAIL: case $c: nm-pktgen failed"
		echo "SUITE case=$c size=60 method=nm-pktgen-$fr mode=$md mpps=fail ns_per_pkt=- sent=0 received=0 lost=0" >>"$out"
		bad=1
		return 0
	fi
	awk -v c="$c" -v fr="$fr" -v md="$md" -v m="$PG_MPPS" -v s="$PG_SENT" -v r="$PG_RECV" 'BEGIN {
		printf "SUITE case=%s size=60 method=nm-pktgen-%s mode=%s mpps=%.3f ns_per_pkt=%.1f sent=%s received=%s lost=%s\n",
		       c, fr, md, m, (m > 0 ? 1000 / m : 0), s, r, s - r
	}' >>"$out"
}
na() {
	echo "SUITE case=$1 size=$2 method=$3 mode=$4 mpps=n/a ns_per_pkt=- sent=0 received=0 lost=0" >>"$out"
}

set +e
veth="--tx-if nmsva --rx-if nmsvb"
# nm-pktgen's sender on CPU 0, its receiver on CPU 1, as the other programs pin.
export PG_TX_CPU=0 PG_RX_CPU=1
for m in poll busy; do
	run pipe 60 nm_bench_pipe --mode $m --seconds $secs
done
for m in poll busy; do
	pg pipe-pktgen-reuse $m reuse 'nmpg{0' 'nmpg}0'
	pg pipe-pktgen-touch $m touch 'nmpg{1' 'nmpg}1'
done
run vale-2port 60 nm_bench_vale --receivers 1 --len 60 --seconds $secs
pg vale-2port-pktgen busy reuse valebg:s valebg:r -D 02:00:00:00:00:98
pg vale-drop-unknown busy reuse valebu:s - -D 02:00:00:00:00:99
pg vale-drop-self busy reuse valebs:s - -S 02:00:00:00:00:96 -D 02:00:00:00:00:96
pg vale-drop-full busy reuse valebf:s hold:valebf:r -D 02:00:00:00:00:97
run vale-2port 1514 nm_bench_vale --receivers 1 --len 1514 --seconds $secs
for n in 2 4 8; do
	run vale-1to$n 60 nm_bench_vale --receivers $n --len 60 --seconds $secs
done
for m in poll busy; do
	if command -v nm_bench_generic >/dev/null; then
		run generic-veth 60 nm_bench_generic --mode $m --seconds $secs $veth
	else
		echo "# nm_bench_generic: n/a (not built)"
		na generic-veth 60 generic $m
	fi
done
for m in poll busy; do
	run af_packet-veth 60 af_packet_bench --mode $m --seconds $secs $veth
done
for m in poll busy; do
	if command -v af_xdp_bench >/dev/null; then
		run af_xdp-veth 60 af_xdp_bench --mode $m --seconds $secs $veth
	else
		echo "# af_xdp_bench: n/a (not built: libxdp-dev missing at configure time)"
		na af_xdp-veth 60 af_xdp $m
	fi
done
for m in poll busy; do
	run socketpair 60 socketpair_bench --mode $m --seconds $secs
done
set -e

accel=TCG
dmesg | grep -q 'Hypervisor detected: KVM' && accel=KVM
echo
echo "bench-suite ($mode mode, ${secs} s per case, batches of 512, $(nproc) CPUs, $accel, $(uname -r))"
[ $accel = TCG ] && echo "TCG: absolute numbers are meaningless, compare ratios measured in this run"
cat "$out"
# Lossless paths must not lose; every case must have received something, never more than was sent.
awk '
/^SUITE / {
	for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
	if (kv["mpps"] == "n/a") next
	if (kv["mpps"] == "fail" || kv["received"] + 0 <= 0 || kv["received"] + 0 > kv["sent"] + 0) {
		print "FAIL: " kv["case"] " " kv["size"] " " kv["mode"] ": sent " kv["sent"] " received " kv["received"]
		bad = 1
	}
	if ((kv["case"] ~ /^pipe/ || kv["case"] == "socketpair") && kv["lost"] != "0") {
		print "FAIL: " kv["case"] " " kv["mode"] " is lossless but lost " kv["lost"]
		bad = 1
	}
}
END { exit bad }' "$out" || bad=1
[ $bad = 0 ] || fail "a benchmark case failed (see above)"
ok "bench-suite completed"
