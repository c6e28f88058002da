# SPDX-License-Identifier: BSD-2-Clause
# The installed pieces are where systemd looks for them, and the installed
# default /etc/netmapd/netmapd.yaml starts cleanly: no warning from
# `netmapd --check`, applied after `systemctl start` (then stopped, and the
# module unloaded, for the scenario's first step).
. /tests/lib.sh
systemctl cat netmapd.service >/dev/null || fail "netmapd.service is not installed"
systemctl cat netmapd.socket >/dev/null || fail "netmapd.socket is not installed"
getent group netmap >/dev/null || fail "sysusers.d did not create group netmap"
ok "units installed, group netmap exists"
modprobe netmap && rmmod netmap || fail "modprobe netmap (dkms-like /lib/modules/extra) failed"
ok "modprobe netmap works"

W=/run/nm-sd
mkdir -p "$W"
grep -q "ephemeral: app0" /etc/netmapd/netmapd.yaml || fail "not the packaged default configuration"
netmapd --check 2>"$W/default.check" || { cat "$W/default.check"; fail "netmapd --check of the default"; }
[ ! -s "$W/default.check" ] || { cat "$W/default.check"; fail "netmapd --check of the default warns"; }
systemctl start netmapd || { journalctl -u netmapd --no-pager -o cat | tail -n 20; fail "start with the default"; }
nmctl wait --timeout 30 || fail "the default configuration is not applied"
nmctl status
st=$(systemctl show -p StatusText --value netmapd)
case $st in
running*) ok "StatusText: $st" ;;
*) fail "StatusText with the default configuration: $st" ;;
esac
systemctl stop netmapd
rmmod netmap || fail "netmap.ko still held after the default's stop"
ok "the default configuration starts cleanly and is applied"
