# SPDX-License-Identifier: BSD-2-Clause
# systemd scenario, step 5: `systemctl reload netmapd` after editing the
# topology applies only the difference: a new pipe p0{2 appears, the new
# ephemeral port vale0:c becomes openable, and nothing else is touched (same
# pid, the pipe p0{1 keeps its region, v0 its ifindex).
. /tests/lib.sh
check() { expect_eq "$2" "$3" "$1"; }  # check LABEL ACTUAL EXPECTED
W=/run/nm-sd
region() { sed -n "s/^nmd_pass: fd [0-9]* = $1 .*region \\([0-9]*\\),.*/\\1/p" "$2"; }
runuser -u tester -- nmctl exec --port 'p0{1' --port 'p0}1' -- nmd_pass -n 1000 'p0{1' 'p0}1' \
	>"$W/r.before" 2>&1 || { cat "$W/r.before"; fail "pipe before the reload"; }
r0=$(region 'p0{1' "$W/r.before")
pid=$(systemctl show -p MainPID --value netmapd)
ifi=$(ip -o link show v0 | cut -d: -f1)

sed -e 's/^    ids: \[1\]$/    ids: [1, 2]/' \
    -e 's/^      - persistent: v0$/      - ephemeral: c\n        access:\n          groups: [netmap]\n      - persistent: v0/' \
    /etc/netmapd/netmapd.yaml >"$W/new.yaml"
grep -q "ids: \[1, 2\]" "$W/new.yaml" || fail "editing the topology (pipes)"
grep -q "ephemeral: c" "$W/new.yaml" || fail "editing the topology (ports)"
netmapd --check "$W/new.yaml"
echo "--- nmctl plan (what the reload will do)"
nmctl plan "$W/new.yaml" | tee "$W/plan"
grep -qi "remove\|destroy\|detach\|delete" "$W/plan" && fail "the plan removes something"
install -m 0644 "$W/new.yaml" /etc/netmapd/netmapd.yaml
t0=$(date +%s)
sleep 1
systemctl reload netmapd
check "active after reload" "$(systemctl is-active netmapd)" active
check "same pid after reload" "$(systemctl show -p MainPID --value netmapd)" "$pid"
st=$(systemctl show -p StatusText --value netmapd)
echo "$st" | grep -q reloaded || fail "StatusText after reload: $st"
ok "StatusText: $st"
echo "--- journal of the reload"
journalctl -u netmapd --no-pager -o cat --since "@$t0" | tee "$W/reload.log"
grep "applied:" "$W/reload.log" | grep -v "p0{2\|p0}2\|vale0:c\|access" && fail "the reload applied more than the difference"
nmctl show | tee "$W/show.r"
grep -q "p0{2" "$W/show.r" || fail "p0{2 not in nmctl show after the reload"
runuser -u tester -- nmctl exec --port 'p0{1' --port 'p0}1' --port 'p0{2' --port 'p0}2' \
	--port vale0:a --port vale0:c -- nmd_pass -n 10000 'p0{1' 'p0}1' 'p0{2' 'p0}2' vale0.a vale0.c \
	>"$W/r.after" 2>&1 || { cat "$W/r.after"; fail "ports after the reload"; }
cat "$W/r.after"
check "region of p0{1 after the reload" "$(region 'p0{1' "$W/r.after")" "$r0"
check "ifindex of v0 after the reload" "$(ip -o link show v0 | cut -d: -f1)" "$ifi"
ok "reload applied only the difference"

# A refused file: `systemctl reload` fails (ExecReload waits for the
# verdict over the socket), the topology keeps running, `nmctl status`
# exits 4 (degraded) until a good file is reloaded.
cp /etc/netmapd/netmapd.yaml "$W/good.yaml"
printf 'version: 1\nswitches:\n  - name: vale0\n\tports: []\n' >/etc/netmapd/netmapd.yaml
if systemctl reload netmapd; then
	fail "systemctl reload of a refused file succeeded"
fi
check "active after a refused reload" "$(systemctl is-active netmapd)" active
check "same pid after a refused reload" "$(systemctl show -p MainPID --value netmapd)" "$pid"
set +e; nmctl status >/dev/null; rc=$?; set -e
check "nmctl status after a refused reload" "$rc" 4
systemctl show -p StatusText --value netmapd | grep -q "^degraded: reload refused" ||
	fail "StatusText: $(systemctl show -p StatusText --value netmapd)"
install -m 0644 "$W/good.yaml" /etc/netmapd/netmapd.yaml
systemctl reload netmapd
nmctl wait --timeout 10
ok "refused reload: systemctl reload failed, degraded until the good file came back"

# Journal fields (netmapd(8) LOGGING), read back as journalctl gives them to
# a user: the actions of the start and of the reload (MESSAGE_ID= applied,
# INTERFACE= of the NIC, NETMAPD_PORT= and SWITCH= of a port, CONFIG_FILE=,
# CONFIG_LINE=), the refused reload above (its file, the line of the tab,
# ERRNO=) and an apply that was not confirmed in time (rolled back to the
# file).
tj=$(date +%s)
M_APPLIED=9a7c1d2e3f40415b8c6d7e8f90a1b2c3
M_ROLLBACK=c2d3e4f5a6b74c8d9e0f1a2b3c4d5e6f
M_REFUSED=7e8f9a0b1c2d4e3f8a5b6c7d8e9f0a1b
F=/etc/netmapd/netmapd.yaml
# The entries with MESSAGE_ID=$1 (since $2), one JSON object a line.
entries() {
	journalctl --sync
	journalctl --no-pager -o json _SYSTEMD_UNIT=netmapd.service MESSAGE_ID="$1" \
		${2:+--since "@$2"} | sed 's/" *: *"/":"/g'
}
# The entries of $1 (a file) that have every FIELD=VALUE given after it
# (FIELD= alone: any value).
having() {
	local f=$1 kv pat
	shift
	cp "$f" "$W/having"
	for kv in "$@"; do
		pat="\"${kv%%=*}\":\"${kv#*=}"
		[ -z "${kv#*=}" ] || pat="$pat\""
		grep -F "$pat" "$W/having" >"$W/having.n" || true
		mv "$W/having.n" "$W/having"
	done
	cat "$W/having"
}
need() {  # need LABEL FILE FIELD=VALUE...
	local label=$1 f=$2
	shift 2
	[ -n "$(having "$f" "$@")" ] || { echo "--- $f"; cat "$f"; fail "$label: no entry with $*"; }
	ok "journal: $label ($*)"
}
entries $M_APPLIED >"$W/j.applied"
need "start: the NIC prepared" "$W/j.applied" INTERFACE=nmv0 CONFIG_FILE=$F
need "start: the NIC attached" "$W/j.applied" NETMAPD_PORT=vale0:nmv0 SWITCH=vale0
nicline=$(grep -n "^      - nic: nmv0$" /tests/topology.yaml | cut -d: -f1)
need "start: its line" "$W/j.applied" INTERFACE=nmv0 CONFIG_LINE="$nicline"
need "start: a persistent port" "$W/j.applied" NETMAPD_PORT=v0 CONFIG_FILE=$F
need "reload: the new pipe" "$W/j.applied" "NETMAPD_PORT=p0{2" CONFIG_FILE=$F
entries $M_REFUSED "$t0" >"$W/j.refused"
need "refused reload" "$W/j.refused" CONFIG_FILE=$F CONFIG_LINE=4 ERRNO=22

t1=$(date +%s)
sleep 1
sed -e 's/^      - persistent: v0$/      - persistent: v0\n      - persistent: v9/' \
	"$W/good.yaml" >"$W/v9.yaml"
nmctl apply --confirm 1 "$W/v9.yaml" >/dev/null
wait_for 20 sh -c '! ip link show v9' || fail "v9 still there 20 s after its confirmation time"
wait_for 20 nmctl status || fail "not applied after the rollback: $(nmctl status 2>&1)"
entries $M_ROLLBACK "$t1" >"$W/j.rollback"
need "not confirmed, rolled back" "$W/j.rollback" CONFIG_FILE=$F
ok "journal fields read back ($(( $(date +%s) - tj )) s)"
