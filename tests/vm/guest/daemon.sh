# SPDX-License-Identifier: BSD-2-Clause
# netmapd end to end (issue 6) against the real module, without systemd:
# the daemon runs in the background with --no-module (module-load loaded
# netmap.ko), its socket in /run/netmapd. Checked: apply of a topology
# (persistent ports on vale0, a pipe) and the kernel objects exist; the plan
# is then empty; a changed file + SIGHUP applies only the difference; an
# invalid file + SIGHUP changes nothing and says where; kill -9 and a new
# start adopts everything (the netdevs keep their ifindex, plan empty);
# uid 1000 gets port fds over the socket, maps them and passes packets over
# a pipe and between two VALE ports; uid 2000 is refused (-32001, no fd);
# malformed, half-sent and oversize requests get errors while another
# client is served; a holder that dies is dropped from port.list with an
# event; the port.open round trip benchmark and the daemon's RSS; under
# fdstore_sim (a stand-in for systemd) the daemon takes its socket from
# LISTEN_FDS and hands the pipes' anchors to the fd store, and after kill -9
# takes them back and runs no action; READY, RELOADING, WATCHDOG and
# STOPPING reach the notify socket; an empty topology removes what the
# daemon made, and SIGTERM stops it (exit 0) so that module-unload finds
# the module free.
. /tests/lib.sh
[ -c /dev/netmap ] || fail "/dev/netmap missing (module-load must run first)"
W=/tmp/netmapd-test
S=/run/netmapd/netmapd.sock
CONF=$W/netmapd.yaml
LOG=$W/daemon.log
rm -rf "$W"
mkdir -p "$W"
C="nmd_client -s $S"
DPID=
# The daemon sets priv_if_num as its file says (runtime-writable: 100 clients
# of the benchmark register one port at once); put it back at the end.
old_priv_if_num=$(param priv_if_num)

topology() { # $1: extra ports, $2: extra pipe ids
	cat >"$CONF" <<EOT
version: 1
module:
  params:
    priv_buf_num: 8192
    priv_if_num: 128
socket:
  path: $S
  mode: "0666"
  group: 0
admin:
  users: [0]
switches:
  - name: vale0
    ports:
      - persistent: nmd0
        access:
          users: [1000]
      - ephemeral: a
        access:
          users: [1000]
      - ephemeral: b
        access:
          users: [1000]
$1
pipes:
  - parent: nmd0
    ids: [1$2]
    access:
      users: [1000]
monitors:
  - port: vale0:a
    mode: r
    access:
      users: [1000]
  - port: vale0:a
    mode: z
    access:
      users: [1001]
regions:
  - memory: vale0:a
    shared_by:
      users: [1000, 1001]
EOT
}

dump_log() { echo "--- daemon log"; cat "$LOG"; echo "---"; }
trap 'rc=$?; [ $rc = 0 ] || dump_log; [ -n "$DPID" ] && kill -TERM $DPID 2>/dev/null;
      echo $old_priv_if_num >/sys/module/netmap/parameters/priv_if_num; exit $rc' EXIT

subscribed() { # FILE: wait until the wait-event client there has subscribed
	i=0
	until grep -q subscribed "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 300 ] || { cat "$1"; fail "the event client did not subscribe"; }
		sleep 0.1
	done
}

plan_empty() {
	out=$($C call topology.plan) || fail "topology.plan: $out"
	echo "$out" | grep -q '"empty":true' || fail "plan not empty ($1): $out"
	ok "plan is empty ($1)"
}

# --- 1. apply -------------------------------------------------------------
topology "" ""
run netmapd --check "$CONF" || fail "netmapd --check"
start_netmapd "$CONF"
run $C call status
sw=$($C call switch.list) || fail "switch.list"
echo "$sw"
echo "$sw" | grep -q '"vale0:nmd0"' || fail "vale0:nmd0 not attached"
[ -e /sys/class/net/nmd0 ] || fail "netdev nmd0 missing"
ok "persistent port nmd0 exists and is attached to vale0"
topo=$($C call topology.get) || fail "topology.get"
echo "$topo"
echo "$topo" | grep -q 'nmd0{1' || fail "pipe nmd0{1 not in topology.get"
ok "pipe nmd0{1 is anchored"
plan_empty "after the first apply"
netmapd --plan "$CONF" --state "$W/state.json" >"$W/plan.out" 2>&1 || { cat "$W/plan.out"; fail "netmapd --plan"; }
cat "$W/plan.out"
grep -q 'nothing to do' "$W/plan.out" || fail "netmapd --plan is not empty"
ok "netmapd --plan: nothing to do"
mi=$($C call module.info) || fail "module.info"
echo "$mi"
expect_eq "priv_if_num written by the daemon" "$(param priv_if_num)" 128
echo "$mi" | grep -q '"drift":\[\]' || fail "module.info reports drift"
ifindex0=$(cat /sys/class/net/nmd0/ifindex)

# --- 2. change + SIGHUP: only the difference -----------------------------
topology "      - persistent: nmd1
        access:
          users: [1000]" ", 2"
nmd_client -s $S wait-event topology.applied 60 >"$W/ev1" 2>&1 &
EV=$!
subscribed "$W/ev1"
before=$(grep -c 'applied:' "$LOG" || true)
kill -HUP $DPID
wait $EV || { cat "$W/ev1"; fail "no topology.applied event after SIGHUP"; }
cat "$W/ev1"
after=$(grep -c 'applied:' "$LOG" || true)
grep 'applied:' "$LOG" | tail -n $((after - before))
[ -e /sys/class/net/nmd1 ] || fail "nmd1 not created by the reload"
run $C call switch.list | grep -q '"vale0:nmd1"' || fail "nmd1 not attached"
run $C call topology.get | grep -q 'nmd0{2' || fail "pipe nmd0{2 missing"
grep 'applied:' "$LOG" | tail -n $((after - before)) | grep -q 'nmd0 \|nmd0{1\|nmd0)' &&
	fail "the reload touched objects that did not change"
[ $((after - before)) -le 4 ] || fail "the reload ran $((after - before)) actions"
expect_eq "nmd0 ifindex after reload" "$(cat /sys/class/net/nmd0/ifindex)" "$ifindex0"
ok "SIGHUP applied only the difference ($((after - before)) actions)"
plan_empty "after the reload"
cp "$CONF" "$W/good.yaml"

# --- 3. invalid file + SIGHUP: nothing changes ---------------------------
printf 'version: 1\nswitches:\n  - name: vale0\n    ports:\n      - persistent: "bad name"\n' >"$CONF"
swb=$($C call switch.list)
kill -HUP $DPID
i=0
until $C call status | grep -q '"reload_failures":1'; do
	i=$((i + 1))
	[ $i -lt 300 ] || fail "the invalid reload was not counted"
	kill -0 $DPID || fail "netmapd died on an invalid file"
	sleep 0.1
done
st=$($C call status)
echo "$st"
echo "$st" | grep -q 'reload refused' || fail "STATUS does not say the reload was refused"
grep -q 'netmapd.yaml:5:[0-9]*:' "$LOG" || fail "no file:line:col in the log"
grep 'netmapd.yaml:5:' "$LOG" | tail -n 1
expect_eq "switch.list after the invalid reload" "$($C call switch.list)" "$swb"
[ -e /sys/class/net/nmd1 ] || fail "nmd1 vanished"
ok "invalid file: refused with file:line:col, nothing changed"
cp "$W/good.yaml" "$CONF"

# --- 4. kill -9 and start again: adopt ------------------------------------
kill -9 $DPID
wait $DPID 2>/dev/null || true
DPID=
rm -f "$S"
start_netmapd "$CONF"
plan_empty "after kill -9 and restart"
expect_eq "nmd0 ifindex after restart" "$(cat /sys/class/net/nmd0/ifindex)" "$ifindex0"
run $C call switch.list | grep -q '"vale0:nmd1"' || fail "nmd1 not attached after restart"
run $C call topology.get | grep -q 'nmd0{2' || fail "pipe nmd0{2 missing after restart"
ok "restarted daemon adopted its objects"

# --- 5. unprivileged clients ----------------------------------------------
run runas 1000 1000 nmd_client -s $S xfer 'nmd0{1' 'nmd0}1' 2000 || fail "uid 1000: pipe transfer"
ok "uid 1000 passed 2000 packets over pipe nmd0{1 -> nmd0}1"
run runas 1000 1000 nmd_client -s $S xfer vale0:a vale0:b 2000 || fail "uid 1000: VALE transfer"
ok "uid 1000 passed 2000 packets vale0:a -> vale0:b"
run runas 2000 2000 nmd_client -s $S expect-error -32001 port.open '{"name":"vale0:a"}' ||
	fail "uid 2000 was not refused"
run runas 2000 2000 nmd_client -s $S expect-error -32001 port.open '{"name":"nmd0}1"}' ||
	fail "uid 2000 was not refused a pipe end"
run runas 1000 1000 nmd_client -s $S expect-error -32001 port.open '{"name":"vale7:x"}' ||
	fail "uid 1000 opened an object outside the file"
run runas 1000 1000 nmd_client -s $S expect-error -32001 topology.apply '{}' ||
	fail "uid 1000 may apply"
# Issue 13: the kernel would take "a^" as a port name and create it.
for n in 'vale0:a^' 'vale0:b^' 'vale0:a*' 'vale0:a^0'; do
	run runas 1000 1000 nmd_client -s $S expect-error -32001 port.open "{\"name\":\"$n\"}" ||
		fail "uid 1000 opened $n"
done
run runas 1000 1000 nmd_client -s $S expect-error -32602 port.open '{"name":"vale0:a/q"}' ||
	fail "a name netmap's grammar does not allow was not refused as invalid"
run $C call switch.list | grep -q '\^' && fail "a port with '^' in its name appeared on vale0"
ok "refusals: -32001 and no fd; vale0:a^ and friends refused, no port a^ created"
run runas 1000 1000 nmd_client -s $S robust || fail "malformed/half-sent requests"

# --- 6. holders -----------------------------------------------------------
# The module reports the fd's release (its records go with "port.released").
: >"$W/hold"
runas 1000 1000 nmd_client -s $S hold vale0:a 60 >"$W/hold" 2>&1 &
HP=$!
i=0
until grep -q opened "$W/hold"; do i=$((i + 1)); [ $i -lt 300 ] || fail "hold did not open"; sleep 0.1; done
pl=$($C call port.list)
echo "$pl"
echo "$pl" | grep -q "\"pid\":$HP" || fail "port.list does not show holder $HP"
# Monitors of vale0:a (in netmap mode now): r for uid 1000, z for uid 1001,
# every entry consulted, modes from the name and the flags together.
run runas 1000 1000 nmd_client -s $S call port.open '{"name":"vale0:a/r"}' >/dev/null ||
	fail "uid 1000 could not open vale0:a/r, the form netmapd.yaml(5) documents"
runas 1000 1000 nmd_client -s $S call port.open '{"name":"vale0:a","flags":["monitor_rx"]}' \
	>/dev/null || fail "uid 1000 could not open a monitor_rx of vale0:a"
runas 1000 1000 nmd_client -s $S expect-error -32001 port.open \
	'{"name":"vale0:a/r","flags":["zcopy_mon"]}' || fail "uid 1000 got a zero-copy monitor"
runas 1000 1000 nmd_client -s $S expect-error -32001 port.open \
	'{"name":"vale0:a","flags":["monitor_tx"]}' || fail "uid 1000 got a TX monitor"
run runas 1001 1001 nmd_client -s $S call port.open '{"name":"vale0:a/z"}' >/dev/null ||
	fail "uid 1001 was refused the z monitor of the second entry"
run runas 1001 1001 nmd_client -s $S expect-error -32001 port.open '{"name":"vale0:a/r"}' ||
	fail "uid 1001 got mode r"
ok "monitors: vale0:a/r for uid 1000, /z for uid 1001 (second entry), nothing more"
# The monitors' one-shot clients have exited; once their records are gone,
# the next port.released can only be the holder's.
i=0
until [ "$($C call port.list | grep -o '"handle":' | wc -l)" = 1 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the monitors' records were not released"; sleep 0.1
done
nmd_client -s $S wait-event port.released 60 >"$W/ev2" 2>&1 &
EV=$!
subscribed "$W/ev2"
kill -9 $HP
wait $EV || { cat "$W/ev2"; fail "no port.released event"; }
cat "$W/ev2"
run $C call port.list | grep -q "\"pid\":$HP" && fail "dead holder still listed"
ok "a dead holder is dropped from port.list, with an event"

# --- 7. numbers -----------------------------------------------------------
bench_rpc "$S" vale0:a 2000 100 20 $DPID 2>&1 | tail -n 20 >"$W/bench" || true
cat "$W/bench"
grep -q 'failed calls' "$W/bench" && fail "bench_rpc: calls failed"
grep -q 'port.open, 100 clients' "$W/bench" || fail "bench_rpc did not finish"
run $C call stats

# --- 8. under a simulated systemd: socket activation and the fd store ----
kill -TERM $DPID
wait $DPID || fail "netmapd exit code after SIGTERM"
DPID=
[ ! -e "$S" ] || fail "socket left behind"
ok "netmapd stopped by SIGTERM"
# No daemon: --plan computes from the kernel and the state file. The ports
# are still there and owned; the pipes went with the daemon's anchors.
netmapd --plan "$CONF" --state "$W/state.json" >"$W/plan2.out" 2>&1 || { cat "$W/plan2.out"; fail "netmapd --plan (local)"; }
cat "$W/plan2.out"
grep -q 'planned by the running daemon' "$W/plan2.out" && fail "--plan asked a daemon that is not there"
[ "$(grep -c 'pipe nmd0{' "$W/plan2.out")" = 2 ] || fail "--plan (local) does not re-open the 2 pipes"
grep -q 'persistent port' "$W/plan2.out" && fail "--plan (local) would re-create ports it owns"
ok "netmapd --plan without a daemon: only the 2 pipes to re-open"
wait_for() { # PATTERN COUNT
	i=0
	until [ "$(grep -c "$1" "$W/sim.out" || true)" -ge "$2" ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || { cat "$W/sim.out"; fail "no $2 x '$1' from fdstore_sim"; }
		sleep 0.1
	done
}
fdstore_sim "$S" /run/netmapd/notify -- netmapd -c "$CONF" --state "$W/state.json" --no-module \
	>"$W/sim.out" 2>>"$LOG" &
DPID=$!
wait_for '^ready' 1
grep -q 'socket systemd passed' "$LOG" || fail "the passed socket was not used"
wait_for '^stored anchor' 2
cat "$W/sim.out"
ok "socket activation; both pipe anchors handed to the fd store"
before=$(grep -c 'applied:' "$LOG" || true)
kill -USR1 $DPID
wait_for '^ready' 2
after=$(grep -c 'applied:' "$LOG" || true)
cat "$W/sim.out"
expect_eq "actions run by the restart with the fd store" $((after - before)) 0
[ "$(grep -c 'taken back from the fd store' "$LOG")" -ge 2 ] || fail "anchors not taken back"
plan_empty "after kill -9 and a restart with the fd store"
run $C call topology.get | grep -q '"nmd0{2","peer":"nmd0}2","owned":true,"held":true' ||
	fail "pipe nmd0{2 not held after the restart"
ok "kill -9 under the fd store: the pipes' anchors came back, nothing was re-created"
kill -HUP $DPID
wait_for '^reloading' 1
wait_for '^ready' 3
wait_for '^watchdog' 4
ok "sd_notify: RELOADING=1 then READY=1 on SIGHUP; WATCHDOG=1 every half WATCHDOG_USEC"

# --- 9. remove everything, stop -------------------------------------------
run $C call topology.apply '{"config":"version: 1\n"}' || fail "apply of an empty topology"
[ ! -e /sys/class/net/nmd0 ] || fail "nmd0 still exists after the empty apply"
[ ! -e /sys/class/net/nmd1 ] || fail "nmd1 still exists after the empty apply"
ok "an empty topology removes what the daemon made"
wait_for '^removed anchor' 2
kill -TERM $DPID
wait $DPID || fail "netmapd (under fdstore_sim) did not exit 0 on SIGTERM"
DPID=
[ ! -e "$S" ] || fail "socket left behind"
grep -q '^stopping' "$W/sim.out" || fail "no STOPPING=1"
cat "$W/sim.out"
ok "netmapd stopped (STOPPING=1); the fd store let go of the anchors"
