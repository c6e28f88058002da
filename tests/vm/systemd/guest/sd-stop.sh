# SPDX-License-Identifier: BSD-2-Clause
# systemd scenario, last step: `systemctl stop netmapd` stops it cleanly
# (STOPPING=1, exit 0: inactive, not failed), the socket goes, the module
# stays loaded (unload_on_stop: false), and nmctl says the daemon is gone.
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
