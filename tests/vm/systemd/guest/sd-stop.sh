# SPDX-License-Identifier: BSD-2-Clause
# systemd scenario, last step: `systemctl stop netmapd` stops it cleanly
# (STOPPING=1, exit 0: inactive, not failed), the socket goes, the module
# stays loaded (unload_on_stop: false), and nmctl says the daemon is gone.
# Then a start whose first apply fails (a NIC that does not exist): READY
# comes in the documented not-applied state, so `systemctl start` succeeds,
# STATUS= says why, `nmctl status` and `nmctl wait` exit 5; a stop ends it.
. /tests/lib.sh
check() { expect_eq "$2" "$3" "$1"; }  # check LABEL ACTUAL EXPECTED
pid=$(systemctl show -p MainPID --value netmapd)
t0=$(date +%s)
sleep 1
systemctl stop netmapd
echo "systemctl stop netmapd: $(( $(date +%s) - t0 - 1 )) s"
check "state after stop" "$(systemctl is-active netmapd || true)" inactive
check "result" "$(systemctl show -p Result --value netmapd)" success
echo "--- journal of the stop"
journalctl -u netmapd --no-pager -o cat --since "@$t0" | tee /run/nm-sd/stop.log
grep -qi "stopping" /run/nm-sd/stop.log || fail "the daemon did not say it was stopping"
kill -0 "$pid" 2>/dev/null && fail "pid $pid still runs"
[ ! -S /run/netmapd/netmapd.sock ] || echo "NOTE: the socket file stays (the directory is preserved)"
grep -q '^netmap ' /proc/modules || fail "the module was unloaded (unload_on_stop is false)"
set +e
nmctl status >/run/nm-sd/status.out 2>&1
rc=$?
set -e
cat /run/nm-sd/status.out
check "nmctl status after stop" "$rc" 3
ok "stopped cleanly"

cp /etc/netmapd/netmapd.yaml /run/nm-sd/stop-good.yaml
printf 'version: 1\nswitches:\n  - name: vale9\n    ports:\n      - nic: nmnone0\n' \
	>/etc/netmapd/netmapd.yaml
systemctl start netmapd || {
	journalctl -u netmapd --no-pager -o cat | tail -n 20
	fail "systemctl start with a file that cannot be applied"
}
check "active though not applied" "$(systemctl is-active netmapd)" active
st=$(systemctl show -p StatusText --value netmapd)
case $st in
"not-applied: "*nmnone0*) ok "StatusText: $st" ;;
*) fail "StatusText of a failed first apply: $st" ;;
esac
set +e
nmctl status >/run/nm-sd/status.out 2>&1
rc=$?
nmctl wait --timeout 1 >/run/nm-sd/wait.out 2>&1
wrc=$?
set -e
cat /run/nm-sd/status.out /run/nm-sd/wait.out
check "nmctl status, nothing applied" "$rc" 5
check "nmctl wait, nothing applied" "$wrc" 5
grep -q nmnone0 /run/nm-sd/status.out || fail "nmctl status does not say why"
systemctl stop netmapd
install -m 0644 /run/nm-sd/stop-good.yaml /etc/netmapd/netmapd.yaml
ok "a failed first apply: active, not-applied in STATUS=, status and wait exit 5"
