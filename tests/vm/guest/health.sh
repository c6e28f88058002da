# SPDX-License-Identifier: BSD-2-Clause
# Health of the real netmapd on netmap.ko: `nmctl status` exits 0 applied,
# 4 degraded (a reload was refused, the previous topology runs), 5 not
# applied (the first apply failed); `nmctl reload` exits 1 on a refused file
# (what systemctl reload runs); `nmctl wait` returns at once when applied
# and times out with the status code otherwise; `nmctl apply --confirm`
# rolls back when not confirmed in time (the persistent port it made goes)
# and keeps the apply when `nmctl confirm` comes, and a netmapd killed
# (-9) before the confirmation comes back with the topology before that
# apply, leaking nothing; `nmctl plan` refuses a
# NIC with an address, and names the file in its messages.
. /tests/lib.sh
[ -c /dev/netmap ] || fail "/dev/netmap missing (module-load must run first)"
W=/tmp/health-test
S=/run/netmapd/health.sock
CONF=$W/netmapd.yaml
LOG=$W/daemon.log
rm -rf "$W"
mkdir -p "$W" /run/netmapd
export NETMAPD_SOCKET=$S
DPID=

head_conf() {
	cat <<EOT
version: 1
socket:
  path: $S
  mode: "0600"
  group: 0
EOT
}
{ head_conf; cat <<EOT
switches:
  - name: vale3
    ports:
      - persistent: nmh0
EOT
} >"$CONF"
{ head_conf; cat <<EOT
switches:
  - name: vale3
    ports:
      - persistent: nmh0
      - persistent: nmh1
EOT
} >"$W/two.yaml"

dump_log() { echo "--- daemon log"; cat "$LOG"; echo "---"; }
trap 'rc=$?; [ $rc = 0 ] || dump_log; [ -n "$DPID" ] && kill -TERM $DPID 2>/dev/null; exit $rc' EXIT

rc_of() {
	set +e
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	set -e
	echo "$rc"
}
state() { nmctl --json status | sed -n 's/^ *"state": "\(.*\)",*$/\1/p'; }
# No wait for the daemon: `nmctl wait` and status 3 are what is tested.
start() { NM_UP_TRIES=0 start_netmapd "$1"; }
# start_answering CONF: start, then wait until netmapd answers, in whatever
# state (`nmctl status` exits with something else than 3, unreachable).
start_answering() {
	start "$1"
	i=0
	until [ "$(rc_of nmctl status)" != 3 ]; do
		i=$((i + 1))
		[ $i -le 100 ] || fail "netmapd did not come up on $1"
		sleep 0.1
	done
}

# --- 1. applied: wait returns, status 0 -----------------------------------
start "$CONF"
expect_eq "nmctl wait (daemon starting)" "$(rc_of nmctl wait --timeout 20)" 0
expect_eq "status exit when applied" "$(rc_of nmctl status)" 0
expect_eq "state" "$(state)" applied
grep -q '^applied_at: *20[0-9-]*T[0-9:]*Z$' "$W/out" || fail "no ISO applied_at: $(cat "$W/out")"
[ -e /sys/class/net/nmh0 ] || fail "nmh0 not created"
ok "applied: wait 0, status 0, applied_at in ISO 8601"

# --- 2. a refused reload: degraded, exit codes ----------------------------
cp "$CONF" "$W/good.yaml"
printf 'version: 1\nswitches:\n  - name: vale3\n\tports: []\n' >"$CONF"
expect_eq "nmctl reload of a bad file" "$(rc_of nmctl reload)" 1
cat "$W/err"
grep -q "tabs are not allowed" "$W/err" || fail "reload error does not say why"
expect_eq "status exit when degraded" "$(rc_of nmctl status)" 4
expect_eq "state" "$(state)" degraded
expect_eq "nmctl wait when degraded" "$(rc_of nmctl wait --timeout 0.5)" 4
grep -q "degraded" "$W/err" || fail "wait: $(cat "$W/err")"
[ -e /sys/class/net/nmh0 ] || fail "nmh0 gone after a refused reload"
cp "$W/good.yaml" "$CONF"
expect_eq "nmctl reload of the good file" "$(rc_of nmctl reload)" 0
expect_eq "status exit after a good reload" "$(rc_of nmctl status)" 0
ok "refused reload: exit 1, degraded (4) until a good reload"

# --- 3. plan: the file's name, a NIC in use --------------------------------
printf 'version: 1\nswitches:\n  - name: vale3\n    ports:\n      - ephemeral: [x]\n' >"$W/bad.yaml"
expect_eq "plan of a bad file" "$(rc_of nmctl plan "$W/bad.yaml")" 1
grep -q "$W/bad.yaml:5:" "$W/err" || fail "plan does not name the file: $(cat "$W/err")"
$IP link add nmhv0 type veth peer name nmhv1
$IP addr add 10.77.0.1/24 dev nmhv0
{ head_conf; printf 'switches:\n  - name: vale3\n    ports:\n      - persistent: nmh0\n      - nic: nmhv0\n'; } >"$W/nic.yaml"
expect_eq "plan of a NIC with an address" "$(rc_of nmctl plan "$W/nic.yaml")" 1
grep -q "nmhv0 is in use by the host (nmhv0 has address 10.77.0.1/24)" "$W/out" ||
	fail "plan: $(cat "$W/out" "$W/err")"
expect_eq "apply of a NIC with an address" "$(rc_of nmctl apply "$W/nic.yaml")" 1
$IP link del nmhv0
ok "plan names the file and refuses the NIC in use before apply"

# --- 4. apply --confirm: rolled back unless confirmed ----------------------
expect_eq "apply --confirm 2" "$(rc_of nmctl apply --confirm 2 "$W/two.yaml")" 0
grep -q "nmctl confirm" "$W/out" || fail "apply --confirm: $(cat "$W/out")"
[ -e /sys/class/net/nmh1 ] || fail "nmh1 not created"
expect_eq "state while confirming" "$(state)" confirming
expect_eq "reload while confirming" "$(rc_of nmctl reload)" 1
i=0
while [ -e /sys/class/net/nmh1 ]; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "nmh1 still there 10 s after the confirmation time"
	sleep 0.1
done
expect_eq "state after the rollback" "$(state)" applied
grep -q "rolled back" "$LOG" || fail "no rollback in the log"
[ -e /sys/class/net/nmh0 ] || fail "the rollback removed nmh0"
expect_eq "confirm with nothing pending" "$(rc_of nmctl confirm)" 1
expect_eq "apply --confirm 60" "$(rc_of nmctl apply --confirm 60 "$W/two.yaml")" 0
expect_eq "nmctl confirm" "$(rc_of nmctl confirm)" 0
expect_eq "state after confirm" "$(state)" applied
[ -e /sys/class/net/nmh1 ] || fail "nmh1 gone after confirm"
ok "apply --confirm: rolled back after 2 s; kept when confirmed"

# --- 4b. kill -9 inside the confirmation window ----------------------------
# The unconfirmed apply (nmh1 goes, nmh2 comes) is not kept: the next start
# applies the configuration before it (two.yaml, from the state file), even
# though the file it is started with is the unconfirmed one; nothing is
# left that the state does not know.
{ head_conf; printf 'switches:\n  - name: vale3\n    ports:\n      - persistent: nmh0\n      - persistent: nmh2\n'; } >"$W/next.yaml"
expect_eq "apply --confirm 600" "$(rc_of nmctl apply --confirm 600 "$W/next.yaml")" 0
[ -e /sys/class/net/nmh2 ] && [ ! -e /sys/class/net/nmh1 ] || fail "next.yaml not applied"
grep -q '"confirm": {"config":"'"$W/next.yaml"'"' "$W/state.json" ||
	fail "no pending confirmation in the state file: $(cat "$W/state.json")"
kill -KILL $DPID
wait $DPID 2>/dev/null || true
DPID=
start_answering "$W/next.yaml"
expect_eq "status after the restart" "$(rc_of nmctl status)" 4
grep -q "not confirmed before netmapd stopped" "$W/out" || fail "status: $(cat "$W/out")"
grep -q "rolled back to $W/two.yaml" "$LOG" || fail "no rollback at start in the log"
expect_eq "netdevs after the restart" "$(ls /sys/class/net | grep '^nmh' | tr '\n' ' ')" "nmh0 nmh1 "
nmctl --json show >"$W/show.json"
grep -o '"vale3:[a-z0-9]*"' "$W/show.json" | sort -u | tr '\n' ' ' >"$W/ports"
expect_eq "vale3's ports after the restart" "$(cat "$W/ports")" '"vale3:nmh0" "vale3:nmh1" '
grep -q confirm "$W/state.json" && fail "the state file still has the confirmation"
grep -o '"name":"[^"]*"' "$W/state.json" | sort -u | tr '\n' ' ' >"$W/owned"
expect_eq "owned after the restart" "$(cat "$W/owned")" \
	'"name":"nmh0" "name":"nmh1" "name":"vale3:nmh0" "name":"vale3:nmh1" '
ok "kill -9 in the confirmation window: the next start rolled back, nothing leaked"

# --- 5. nothing applied: status 5 ------------------------------------------
echo "version: 1" >"$W/empty.yaml"
run nmctl apply "$W/empty.yaml" >/dev/null
stop_netmapd
{ head_conf; printf 'switches:\n  - name: vale3\n    ports:\n      - nic: nmhnone0\n'; } >"$W/nonic.yaml"
start_answering "$W/nonic.yaml"
expect_eq "status exit when nothing is applied" "$(rc_of nmctl status)" 5
grep -q "nmhnone0" "$W/out" || fail "status does not say why: $(cat "$W/out")"
expect_eq "nmctl wait when nothing is applied" "$(rc_of nmctl wait --timeout 0.5)" 5
stop_netmapd
expect_eq "nmctl wait without a daemon" "$(rc_of nmctl wait --timeout 0.3)" 3
ok "health test done"
