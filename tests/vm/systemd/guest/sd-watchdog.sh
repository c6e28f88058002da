# SPDX-License-Identifier: BSD-2-Clause
# systemd scenario, step 4: a hung daemon (SIGSTOP) misses its watchdog
# pings; systemd (WatchdogSec=6s, the drop-in of sd-start.sh) aborts it and
# Restart=on-failure starts it again: NRestarts goes up, the service is
# active with a new pid, and the topology is still there.
. /tests/lib.sh
check() { expect_eq "$2" "$3" "$1"; }  # check LABEL ACTUAL EXPECTED
W=/run/nm-sd
pid=$(systemctl show -p MainPID --value netmapd)
n0=$(systemctl show -p NRestarts --value netmapd)
echo "netmapd pid $pid, NRestarts $n0, WatchdogUSec $(systemctl show -p WatchdogUSec --value netmapd)"
t0=$(date +%s)
kill -STOP "$pid"
restarted() {
	[ "$(systemctl show -p NRestarts --value netmapd)" -gt "$n0" ] &&
		[ "$(systemctl is-active netmapd)" = active ] &&
		[ "$(systemctl show -p MainPID --value netmapd)" != "$pid" ]
}
# WatchdogSec 6 + TimeoutAbortSec 5 + RestartSec 1 + start, under TCG.
wait_for 60 restarted || {
	systemctl status --no-pager netmapd || true
	kill -CONT "$pid" 2>/dev/null || true
	fail "systemd did not restart the hung daemon within 60 s"
}
ok "watchdog: restarted after $(( $(date +%s) - t0 )) s; NRestarts $n0 -> $(systemctl show -p NRestarts --value netmapd), pid $pid -> $(systemctl show -p MainPID --value netmapd)"
journalctl -u netmapd --no-pager -o cat --since "@$t0" | grep -i "watchdog\|abort\|start" | head -n 8 || true
nmctl show >"$W/show.wd"
diff -u <(sed '/^Holders/,$d' "$W/show.1") <(sed '/^Holders/,$d' "$W/show.wd") ||
	fail "nmctl show changed across the watchdog restart"
ok "nmctl show unchanged across the watchdog restart"
