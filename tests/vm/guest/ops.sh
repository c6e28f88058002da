# SPDX-License-Identifier: BSD-2-Clause
# Day-2 operations against the real netmapd and netmap.ko:
#
#            vale2 (VALE)                   pipe opp{1 <-> opp}1
#     +--------+--------+                   (implicit parent opp)
#  vale2:a  vale2:b   vale2:opa (+ opa^) -- veth -- opb
#     \__ monitor vale2:a/rt
#
# While nm-pktgen sends from vale2:a (flooded to b, the NIC opa and its
# host stack opa^) and a monitor copies vale2:a: `nmctl top --once` shows
# rates, `nmctl stats` counters of the VALE port, the monitor, the NIC's
# rings and its host rings (whose tx_errors are frames the stack's backlog
# refused); a pipe counts exactly what went through it.
# `nmctl show NAME` describes one object (with its holder: pid, process
# name, ISO time), `nmctl show` lists the monitor and the access rules.
# `nmctl doctor` is clean, then finds the NIC whose offloads were turned
# back on (and whose promiscuous mode went) behind the daemon's back, exits
# 1, and the daemon logs it; then the NIC without carrier (its peer down),
# then down itself.
. /tests/lib.sh
[ -c /dev/netmap ] || fail "/dev/netmap missing (module-load must run first)"
W=/tmp/ops-test
S=/run/netmapd/ops.sock
CONF=$W/netmapd.yaml
LOG=$W/daemon.log
rm -rf "$W"
mkdir -p "$W" /run/netmapd
export NETMAPD_SOCKET=$S
DPID=
PIDS=
BACKLOG=
[ -d /sys/module/veth ] || insmod /lib/modules/veth.ko || fail "insmod veth"
$IP link add opa type veth peer name opb
$IP link set opa up
$IP link set opb up
# doctor checks that the socket's group exists: the guest may have no
# /etc/group, so gid 0 gets a name for the duration of the test.
GROUPS_SAVED=
if ! grep -q '^[^:]*:[^:]*:0:' /etc/group 2>/dev/null; then
	[ -e /etc/group ] && { cp /etc/group "$W/group.saved"; GROUPS_SAVED=1; }
	echo "root:x:0:" >>/etc/group
	GROUPS_SAVED=${GROUPS_SAVED:-new}
fi
cleanup() {
	rc=$?
	case $GROUPS_SAVED in
	1) cp "$W/group.saved" /etc/group ;;
	new) rm -f /etc/group ;;
	esac
	[ $rc = 0 ] || { echo "--- daemon log"; cat "$LOG"; }
	for p in $PIDS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	# Leave no switch behind for the tests after this one.
	echo "version: 1" >"$W/empty.yaml"
	[ -n "$BACKLOG" ] && echo "$BACKLOG" >/proc/sys/net/core/netdev_max_backlog
	[ -n "$DPID" ] && nmctl apply "$W/empty.yaml" >/dev/null 2>&1
	[ -n "$DPID" ] && { kill -TERM $DPID 2>/dev/null; wait $DPID; }
	$IP link del opa 2>/dev/null
	exit $rc
}
trap cleanup EXIT

# What the daemon's preparation turns off, to turn it back on later.
nm_nicprep prepare opa "$W/saved" bridged >/dev/null || fail "nm_nicprep prepare"
nm_nicprep restore opa "$W/saved" || fail "nm_nicprep restore"

cat >"$CONF" <<EOT
version: 1
socket:
  path: $S
  mode: "0666"
  group: 0
admin:
  users: [0]
switches:
  - name: vale2
    ports:
      - ephemeral: a
        access:
          users: [1000]
      - ephemeral: b
      - nic: opa
        host: true
pipes:
  - parent: opp
    ids: [1]
    access:
      groups: [0]
monitors:
  - port: vale2:a
    mode: rt
EOT
start_netmapd "$CONF"

# stat NAME COLUMN: the COLUMN (TX_PACKETS, RX_DROPS, OPEN...) of NAME's row
# in the ports table of `nmctl stats`.
stat() {
	nmctl stats | awk -v n="$1" -v c="$2" '
		$1 == "NAME" { for (i = 1; i <= NF; i++) col[$i] = i }
		$1 == n { print $(col[c]); exit }'
}
expect_eq "kind of opp{1" "$(stat 'opp{1' KIND)" pipe
expect_eq "kind of opa" "$(stat opa KIND)" nic_rings
expect_eq "kind of opa^" "$(stat 'opa^' KIND)" host_rings
expect_eq "monitor not open yet" "$(stat vale2:a/rt OPEN)" 0
expect_eq "vale2:a not open yet" "$(stat vale2:a OPEN)" 0

# --- 1. a pipe counts what went through it, exactly ------------------------
nm-pktgen -i 'opp}1' -f rx -n 5000 -T 0 >"$W/pipe-rx" 2>&1 &
PRX=$!
sleep 0.5
nm-pktgen -i 'opp{1' -f tx -n 5000 -l 60 -T 0 >"$W/pipe-tx" 2>&1 || fail "pipe tx"
wait $PRX || fail "pipe rx"
expect_eq "opp{1 tx_packets" "$(stat 'opp{1' TX_PACKETS)" 5000
expect_eq "opp{1 tx_bytes" "$(stat 'opp{1' TX_BYTES)" 300000
expect_eq "opp}1 rx_packets" "$(stat 'opp}1' RX_PACKETS)" 5000
expect_eq "opp}1 rx_bytes" "$(stat 'opp}1' RX_BYTES)" 300000

# --- 2. traffic: VALE port, monitor, NIC -----------------------------------
# The receiver gets vale2:b from the daemon: a holder with a pid and a name.
nmctl exec --port vale2:b -- nm-pktgen -i env:vale2.b -f rx -T 0 >/dev/null 2>&1 &
PIDS="$PIDS $!"
nm-pktgen -i vale2:a -f tx -R 20000 -T 0 --duration 60 -D ff:ff:ff:ff:ff:ff >"$W/tx" 2>&1 &
TX=$!
PIDS="$PIDS $TX"
sleep 1
nm-pktgen -i vale2:a/rt -f rx -T 0 >/dev/null 2>&1 &
PIDS="$PIDS $!"
sleep 1
run nmctl top --once --interval 1 | tee "$W/top"
rate=$(awk '$1 == "vale2:a" { print $5 }' "$W/top")
[ -n "$rate" ] && [ "$rate" != 0 ] || fail "nmctl top: no tx rate for vale2:a ($rate)"
ok "nmctl top: vale2:a sends $rate frames/s"
rate=$(awk '$1 == "vale2:a/rt" { print $3 }' "$W/top")
[ -n "$rate" ] && [ "$rate" != 0 ] || fail "nmctl top: no rate for the monitor ($rate)"
ok "nmctl top: the monitor gets $rate frames/s"
run nmctl stats | tee "$W/stats"
a1=$(stat vale2:a TX_PACKETS)
m1=$(stat vale2:a/rt RX_PACKETS)
n1=$(stat opa TX_PACKETS)
h1=$(( $(stat 'opa^' TX_PACKETS) + $(stat 'opa^' RX_PACKETS) ))
expect_eq "monitors open" "$(stat vale2:a/rt OPEN)" 1
sleep 1
[ "$(stat vale2:a TX_PACKETS)" -gt "$a1" ] || fail "vale2:a tx_packets did not move"
[ "$(stat vale2:a/rt RX_PACKETS)" -gt "$m1" ] || fail "monitor rx_packets did not move"
[ "$(stat opa TX_PACKETS)" -gt "$n1" ] || fail "NIC opa tx_packets did not move"
h2=$(( $(stat 'opa^' TX_PACKETS) + $(stat 'opa^' RX_PACKETS) ))
[ "$h2" -gt "$h1" ] || fail "the host rings opa^ counted nothing ($h1 then $h2)"
ok "counters of vale2:a, its monitor, the NIC opa and its host rings opa^ move"
run nmctl stats --prometheus >"$W/prom"
grep -q '^netmapd_up 1$' "$W/prom" || fail "netmapd_up"
grep -q '^netmapd_config_applied 1$' "$W/prom" || fail "netmapd_config_applied"
grep -q '^# HELP netmapd_port_rx_packets_total ' "$W/prom" || fail "no HELP"
grep -q '^netmapd_port_rx_packets_total{port="vale2:a/rt",kind="monitor"} [1-9]' "$W/prom" ||
	fail "monitor counter"
ok "Prometheus: up, config_applied, HELP, the monitor's counter"

# --- 3. show ---------------------------------------------------------------
run nmctl show vale2:a | tee "$W/show-a"
grep -q '^vale2:a (ephemeral on vale2)$' "$W/show-a" || fail "show vale2:a: title"
grep -q '^  rings:    tx 1, rx 1' "$W/show-a" || fail "show vale2:a: rings"
grep -q '^  slots:    tx 1024, rx 1024 per ring' "$W/show-a" || fail "show vale2:a: slots"
grep -q '^  region:   mem_id [0-9]* (own)' "$W/show-a" || fail "show vale2:a: region"
grep -q '^  access:   users 1000; groups -' "$W/show-a" || fail "show vale2:a: access"
run nmctl show vale2:b | tee "$W/show-b"
grep -Eq '^    [0-9]+ +[0-9]+ +nmctl +.* 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z ' "$W/show-b" ||
	fail "show vale2:b: no holder with its process name and an ISO time"
run nmctl port list | tee "$W/ports"
grep -Eq '^[0-9]+ +vale2:b .* 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z' "$W/ports" ||
	fail "port list: no ISO time"
run nmctl show 'opp{1' | tee "$W/show-p"
grep -q '^  counters: tx 5000 packets 300000 bytes' "$W/show-p" || fail "show opp{1: counters"
run nmctl show vale2:a/rt | tee "$W/show-m"
grep -q '^  rings:    tx 1, rx 1' "$W/show-m" || fail "show of the monitor: rings"
run nmctl show >"$W/show"
grep -A2 '^Monitors' "$W/show" | grep -q 'vale2:a  *vale2:a/rt  *rt  *1' || { cat "$W/show"; fail "Monitors section"; }
grep -A20 '^Access' "$W/show" | grep -q '^  opp}1  *pipe  *-  *0 ' || { cat "$W/show"; fail "Access section"; }
run nmctl show --format dot | grep -q '"port:vale2:a" -> "monitor:vale2:a/rt"' || fail "monitor in dot"
ok "show NAME (holder: pid, process name, ISO time), monitors and access in show and dot"
kill $TX 2>/dev/null
wait $TX

# --- 2b. the host rings' tx_errors: frames the stack refused ----------------
# A host TX slot becomes an skb for netif_rx(); with the stack's backlog
# full (net.core.netdev_max_backlog, here 1 so that it overflows) the frame
# is dropped: a tx_error of opa^, also counted by the kernel (second column
# of /proc/net/softnet_stat), as are veth's drops into opb's backlog (which
# veth reports: tx_errors of opa's hardware ring). Every frame the switch
# gave the host ring is either sent or an error, exactly once.
softnet_drops() {
	sd=0
	while read -r _ d _; do sd=$((sd + 0x$d)); done </proc/net/softnet_stat
	echo $sd
}
host_done() { echo $(( $(stat 'opa^' TX_PACKETS) + $(stat 'opa^' TX_ERRORS) )); }
BACKLOG=$(cat /proc/sys/net/core/netdev_max_backlog)
g0=$(stat 'vale2:opa^' RX_PACKETS)
d0=$(host_done)
he0=$(stat 'opa^' TX_ERRORS)
ne0=$(stat opa TX_ERRORS)
sd0=$(softnet_drops)
echo 1 >/proc/sys/net/core/netdev_max_backlog
nm-pktgen -i vale2:a -f tx -n 3000 -l 60 -T 0 -D ff:ff:ff:ff:ff:ff >"$W/tx-host" 2>&1 || fail "tx to opa^"
# The switch may still be handing the last ones over (a work item).
given() { echo $(( $(stat 'vale2:opa^' RX_PACKETS) - g0 )); }
i=0
while [ "$(( $(host_done) - d0 ))" != "$(given)" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
g=$(given)
echo "$BACKLOG" >/proc/sys/net/core/netdev_max_backlog
# Read in this order, each error already has its backlog drop.
he=$(( $(stat 'opa^' TX_ERRORS) - he0 ))
ne=$(( $(stat opa TX_ERRORS) - ne0 ))
sd=$(( $(softnet_drops) - sd0 ))
echo "opa^: the switch gave it $g frames; $he tx_errors (opa, all rings: $ne); softnet_stat drops $sd"
expect_eq "opa^ tx_packets + tx_errors = what the switch gave it" "$(( $(host_done) - d0 ))" "$g"
[ "$g" -gt 0 ] && [ "$he" -gt 0 ] || fail "no frame refused by the stack with a backlog of 1 ($g given, $he errors)"
[ "$he" -le "$ne" ] && [ "$ne" -le "$sd" ] ||
	fail "opa counts $ne tx_errors (opa^ $he), more than the $sd frames the backlogs refused"
ok "opa^ tx_errors ($he) are frames the stack's backlog refused ($sd)"

# --- 4. doctor ---------------------------------------------------------------
# doctor_expect RC WHAT: nmctl doctor's findings into $W/doc (shown), and its exit code.
doctor_expect() {
	rc=0
	nmctl doctor >"$W/doc" 2>&1 || rc=$?
	cat "$W/doc"
	expect_eq "$2" "$rc" "$1"
}
doctor_expect 0 "doctor on a healthy host"
# Behind the daemon's back: offloads back on, promiscuous mode off.
nm_nicprep restore opa "$W/saved" || fail "turning the offloads back on"
doctor_expect 1 "doctor exit code"
grep -q '^error   offloads  *opa: offloads were turned back on opa:' "$W/doc" || fail "no offloads finding"
grep -q 'fix: run `systemctl reload netmapd`' "$W/doc" || fail "no fix"
grep -q 'promiscuous mode lost on opa' "$W/doc" || fail "no promiscuous finding"
grep -q 'offloads were turned back on opa' "$LOG" || fail "the daemon did not log it"
ok "doctor finds the offloads and promiscuous mode lost on opa; the daemon logs it"

# --- 5. the link: the peer goes down (no carrier), then opa itself ---------
$IP link set opb down
i=0
while [ "$(cat /sys/class/net/opa/operstate)" = up ]; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "opa still up 10 s after its peer went down"
	sleep 0.1
done
doctor_expect 1 "doctor exit code, no carrier"
grep -q "^warning link  *opa: opa has no link (operstate $(cat /sys/class/net/opa/operstate))" "$W/doc" ||
	fail "no link finding"
$IP link set opa down
doctor_expect 1 "doctor exit code, opa down"
grep -q '^error   link  *opa: opa is administratively down' "$W/doc" || fail "no down finding"
grep -q 'fix: `ip link set opa up`' "$W/doc" || fail "no fix for the down link"
ok "doctor finds opa without carrier, then administratively down"
