# SPDX-License-Identifier: BSD-2-Clause
# The installed pieces are where systemd looks for them.
. /tests/lib.sh
systemctl cat netmapd.service >/dev/null || fail "netmapd.service is not installed"
systemctl cat netmapd.socket >/dev/null || fail "netmapd.socket is not installed"
getent group netmap >/dev/null || fail "sysusers.d did not create group netmap"
ok "units installed, group netmap exists"
modprobe netmap && rmmod netmap || fail "modprobe netmap (dkms-like /lib/modules/extra) failed"
ok "modprobe netmap works"
