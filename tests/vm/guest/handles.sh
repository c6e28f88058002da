# SPDX-License-Identifier: BSD-2-Clause
# netmapd's handle records (issue 13) against the real module: uid 1000
# opens and closes a port 3000 times and the records come back to the
# baseline (the release watch reclaims each one when its fd is released);
# 300 live processes that each hold a port cost the daemon no descriptor
# each; the per-uid cap refuses with -32004 and data.limit "per_uid" while
# root still opens; and with --no-release-watch (a module without the
# extension) one pidfd per process, capped by pidfds_per_uid. The daemon's
# fd count and record count are printed before, during and after.
. /tests/lib.sh
[ -c /dev/netmap ] || fail "/dev/netmap missing (module-load must run first)"
W=/tmp/netmapd-handles
S=/run/netmapd/handles.sock
CONF=$W/netmapd.yaml
LOG=$W/daemon.log
rm -rf "$W"
mkdir -p "$W"
C="nmd_client -s $S"
DPID=
# Every holder shares vale0:a's region: room for 512 netmap_ifs (the file
# sets it); put the parameter back at the end.
old_priv_if_num=$(param priv_if_num)
cleanup() {
	touch "$W/stop0" "$W/stop1" "$W/stop2" "$W/stop3"
	[ -z "$DPID" ] || kill -9 $DPID 2>/dev/null || true
	wait
	echo "$old_priv_if_num" >/sys/module/netmap/parameters/priv_if_num
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cat >"$CONF" <<EOT
version: 1
module:
  params:
    priv_if_num: 512
socket:
  path: $S
  mode: "0666"
  group: 0
switches:
  - name: vale0
    ports:
      - ephemeral: a
        access:
          users: [1000]
handles:
  per_uid: 400
  pidfds_per_uid: 8
# 300 processes of uid 1000 connect at once to take their ports: more than
# the default 64 connections per uid (limits:, attack.sh's subject). Here
# the subject is the handles, so connections are not what may refuse them.
limits:
  max_clients_per_uid: 1024
EOT

fds() { ls /proc/$DPID/fd | wc -l; }
records() { $C call port.list | grep -o '"handle":' | wc -l; }
# wait_records N: the records reach N (releases are read by the daemon's loop).
wait_records() {
	i=0
	until [ "$(records)" = "$1" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "records: $(records), want $1"
		sleep 0.1
	done
}
show() { echo "$1: daemon fds $(fds), records $(records)"; }
# wait_fds MAX: the daemon's fds come down to MAX (clients' connections close
# asynchronously); fails if they do not.
wait_fds() {
	i=0
	until [ "$(fds)" -le "$1" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "daemon fds: $(fds), want <= $1"
		sleep 0.1
	done
}

# --- 1. open-then-close rounds ------------------------------------------------
start_netmapd "$CONF"
run $C call status | grep -q '"release_watch":true' || fail "status: no release watch"
# One holder keeps vale0:a (and its region) alive, so that a round costs a
# REGISTER, not a new port: it is part of the baseline.
runas 1000 1000 nmd_handles -s $S live vale0:a 1 "$W/stop0" >"$W/live0" 2>&1 &
L0=$!
wait_text "$W/live0" "^live 1" 120
show "before"
base_fds=$(fds)
base_rec=$(records)
runas 1000 1000 nmd_handles -s $S rounds vale0:a 3000 >"$W/rounds" 2>&1 || { cat "$W/rounds"; fail "rounds"; }
cat "$W/rounds"
wait_records "$base_rec"
show "after 3000 rounds"
ok "3000 open-then-close rounds: records back to $base_rec"
grep -q "fd released" "$LOG" || true

# --- 2. live processes --------------------------------------------------------
N=300
runas 1000 1000 nmd_handles -s $S live vale0:a $N "$W/stop1" >"$W/live" 2>&1 &
LP=$!
wait_text "$W/live" "^live" 120
cat "$W/live"
grep -q "^live $N" "$W/live" || fail "not every process got its port"
# One more than before: the watcher, opened with the first record.
wait_fds $((base_fds + 1))
during_fds=$(fds)
show "$N live holders"
expect_eq "records with $N live holders" "$(records)" $((base_rec + N))
ok "the daemon's fds stay bounded: $base_fds -> $during_fds with $N holders"
touch "$W/stop1"
wait $LP || fail "nmd_handles live"
wait_records "$base_rec"
show "after the $N processes were killed"
ok "killed holders: records back to $base_rec"

# --- 3. the per-uid cap ---------------------------------------------------------
runas 1000 1000 nmd_handles -s $S cap vale0:a 1000 "$W/stop2" >"$W/cap" 2>&1 &
CP=$!
wait_text "$W/cap" "^opened" 120
cat "$W/cap"
# 399: the baseline holder is uid 1000's too.
grep -q "^opened 399 code -32004 limit per_uid" "$W/cap" || fail "per_uid cap: $(cat "$W/cap")"
run runas 1000 1000 nmd_client -s $S expect-error -32004 port.open '{"name":"vale0:a"}' ||
	fail "uid 1000 at its cap was not refused with -32004"
run $C call port.open '{"name":"vale0:a"}' >/dev/null || fail "root could not open at uid 1000's cap"
show "uid 1000 at its cap"
ok "per_uid 400: the 401st handle of uid 1000 is -32004 (limit per_uid), root still opens"
touch "$W/stop2"
wait $CP || true
wait_records "$base_rec"
touch "$W/stop0"
wait $L0 || true
wait_records 0
stop_netmapd

# --- 4. without the release watch: pidfds -----------------------------------------
start_netmapd "$CONF" --no-release-watch
run $C call status | grep -q '"release_watch":false' || fail "status: release watch not off"
base_fds=$(fds)
show "pidfd mode, before"
runas 1000 1000 nmd_handles -s $S live vale0:a 12 "$W/stop3" >"$W/live3" 2>&1 &
LP=$!
wait_text "$W/live3" "^live" 120
cat "$W/live3"
grep -q "^live 8" "$W/live3" || fail "pidfds_per_uid 8: $(cat "$W/live3")"
show "pidfd mode, 12 processes"
expect_eq "records in pidfd mode" "$(records)" 8
wait_fds $((base_fds + 8))
grep -q "pidfds_per_uid" "$LOG" || fail "the refusal was not logged"
ok "pidfd mode: 8 processes watched, the other 4 refused (pidfds_per_uid)"
touch "$W/stop3"
wait $LP || true
wait_records 0
show "pidfd mode, after"
ok "pidfd mode: records back to 0"
stop_netmapd
