# SPDX-License-Identifier: BSD-2-Clause
# systemd scenario, step 3: `systemctl restart netmapd` keeps what lives
# only while an fd holds it, through systemd's fd store: the pipe p0{1 (an
# implicit parent: without its anchor it would vanish and come back in a
# new memory region) and the NIC nmv0. `nmctl show` is unchanged (holders
# aside); the persistent port keeps its ifindex; a process holding the
# pipe across the restart still passes traffic afterwards.
. /tests/lib.sh
check() { expect_eq "$2" "$3" "$1"; }  # check LABEL ACTUAL EXPECTED
W=/run/nm-sd
N=${NMD_PASS_FRAMES:-200000}
strip() { sed '/^Holders/,$d' "$1"; }
region() { sed -n 's/^nmd_pass: fd [0-9]* = p0{1 .*region \([0-9]*\),.*/\1/p' "$1"; }

# The region of the pipe before, seen by an application.
runuser -u tester -- nmctl exec --port 'p0{1' --port 'p0}1' -- nmd_pass -n 1000 'p0{1' 'p0}1' \
	>"$W/pipe.before" 2>&1 || { cat "$W/pipe.before"; fail "pipe before the restart"; }
r0=$(region "$W/pipe.before")
[ -n "$r0" ] || { cat "$W/pipe.before"; fail "no region in nmd_pass's output"; }
ok "pipe p0{1 in region $r0 before the restart"
systemctl show -p NFileDescriptorStore netmapd 2>/dev/null || true

# A holder across the restart: passes traffic, waits, passes again.
rm -f "$W/go"
runuser -u tester -- nmctl exec --port 'p0{1' --port 'p0}1' -- \
	nmd_pass -n "$N" -w "$W/go" 'p0{1' 'p0}1' >"$W/holder.out" 2>&1 &
hpid=$!
wait_for 60 grep -q "holding the ports" "$W/holder.out" || { cat "$W/holder.out"; fail "holder did not start"; }
ok "a holder of p0{1/p0}1 passed traffic and waits"
# The holder as `nmctl show NAME` gives it: pid, process name, the systemd
# unit it runs in (the driver's, as /proc says), ISO time.
unit=$(sed -n 's#^0::.*/\([^/]*\.\(service\|scope\)\)$#\1#p' "/proc/$hpid/cgroup")
nmctl show 'p0{1' | tee "$W/show.holder"
[ -n "$unit" ] && grep -Eq "^    [0-9]+ +[0-9]+ +nmctl +$unit +[0-9]+ +[a-z_]+ +20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z " \
	"$W/show.holder" || fail "show p0{1: no holder row with nmctl, unit '$unit' and an ISO time"
ok "holder of p0{1: process nmctl in $unit"

pid1=$(systemctl show -p MainPID --value netmapd)
ifi1=$(ip -o link show v0 | cut -d: -f1)
nic1=$(ip -o link show nmv0 | cut -d: -f1)
nmctl show >"$W/show.pre"
t0=$(date +%s)
systemctl restart netmapd
echo "systemctl restart netmapd: $(( $(date +%s) - t0 )) s"
check "active after restart" "$(systemctl is-active netmapd)" active
pid2=$(systemctl show -p MainPID --value netmapd)
[ "$pid1" != "$pid2" ] || fail "MainPID did not change ($pid1): no restart"
ok "restarted: pid $pid1 -> $pid2; StatusText: $(systemctl show -p StatusText --value netmapd)"
echo "--- journal of the new daemon"
journalctl -u netmapd --no-pager -o cat _PID="$pid2" | head -n 25 || true

nmctl show >"$W/show.2"
if ! diff -u <(strip "$W/show.pre") <(strip "$W/show.2"); then
	fail "nmctl show changed across the restart"
fi
if ! diff -u <(strip "$W/show.1") <(strip "$W/show.2") >/dev/null; then
	echo "NOTE: nmctl show differs from the one after start (the steps between opened ports):"
	diff -u <(strip "$W/show.1") <(strip "$W/show.2") || true
fi
ok "nmctl show is unchanged across the restart (holders aside)"
check "ifindex of v0" "$(ip -o link show v0 | cut -d: -f1)" "$ifi1"
check "ifindex of nmv0" "$(ip -o link show nmv0 | cut -d: -f1)" "$nic1"

touch "$W/go"
set +e
wait "$hpid"
rc=$?
set -e
cat "$W/holder.out"
check "the holder's second round after the restart" "$rc" 0
[ "$(grep -c "p0{1 .* $N received, 0 lost, 0 damaged" "$W/holder.out")" = 2 ] || fail "holder rounds"
ok "the pipe passed traffic across the restart"

# Nobody holds the pipe now but the daemon (its anchor, from the fd store).
runuser -u tester -- nmctl exec --port 'p0{1' --port 'p0}1' -- nmd_pass -n 1000 'p0{1' 'p0}1' \
	>"$W/pipe.after" 2>&1 || { cat "$W/pipe.after"; fail "pipe after the restart"; }
r1=$(region "$W/pipe.after")
check "region of p0{1 after the restart (fd store)" "$r1" "$r0"

# A second restart with no other holder at all: only the fd store keeps it.
systemctl restart netmapd
check "active after the second restart" "$(systemctl is-active netmapd)" active
runuser -u tester -- nmctl exec --port 'p0{1' --port 'p0}1' -- nmd_pass -n 1000 'p0{1' 'p0}1' \
	>"$W/pipe.after2" 2>&1 || { cat "$W/pipe.after2"; fail "pipe after the second restart"; }
check "region of p0{1 after a restart with no holder but the fd store" \
	"$(region "$W/pipe.after2")" "$r0"
nmctl show >"$W/show.3"
diff -u <(strip "$W/show.pre") <(strip "$W/show.3") || fail "nmctl show changed across the second restart"
ok "nmctl show unchanged after the second restart"
