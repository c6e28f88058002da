# SPDX-License-Identifier: BSD-2-Clause
# systemd scenario, step 1 (the later sd-*.sh steps build on it): the test
# topology (topology.yaml) installed as /etc/netmapd/netmapd.yaml, a short
# watchdog in a drop-in, `systemctl start netmapd`: active, READY reached,
# the daemon's STATUS= shown by systemd, netmap.ko loaded by the daemon
# (libkmod, by name), the topology applied; `nmctl show` saved for the
# restart step.
. /tests/lib.sh
check() { expect_eq "$2" "$3" "$1"; }  # check LABEL ACTUAL EXPECTED
W=/run/nm-sd
mkdir -p "$W"
# tests/vm/systemd/guest/topology.yaml, copied into /tests by run.sh.
topo=/tests/topology.yaml
[ -f "$topo" ] || fail "topology.yaml is missing (tests/vm/systemd/run.sh copies guest/*.yaml)"

# Users: tester is in group netmap (made by sysusers.d), outsider is not.
getent group netmap >/dev/null || fail "group netmap missing"
id tester >/dev/null 2>&1 || useradd -M -G netmap tester
id outsider >/dev/null 2>&1 || useradd -M outsider
ok "users: $(id tester); $(id outsider)"

# The NIC of the topology: one end of a veth pair.
modprobe veth
ip link show nmv0 >/dev/null 2>&1 || ip link add nmv0 type veth peer name nmv1
ip link set nmv1 up
ok "veth nmv0 <-> nmv1"
# What netmapd must give back when nmv0 leaves (sd-nic-leave.sh).
ethtool -k nmv0 | grep -v '\[fixed\]' >"$W/nmv0.features.before"
ip -o link show nmv0 | grep -o '<[^>]*>' >"$W/nmv0.flags.before"

! grep -q '^netmap ' /proc/modules || fail "netmap.ko is loaded before netmapd started"
install -d /etc/netmapd
install -m 0644 "$topo" /etc/netmapd/netmapd.yaml
# A short watchdog, so that the watchdog step does not wait 20 s.
install -d /etc/systemd/system/netmapd.service.d
cat >/etc/systemd/system/netmapd.service.d/test.conf <<'EOT'
[Service]
WatchdogSec=6s
TimeoutAbortSec=5s
EOT
systemctl daemon-reload

t0=$(date +%s)
systemctl start netmapd || {
	systemctl status --no-pager netmapd || true
	journalctl -u netmapd --no-pager -o cat | tail -n 40
	fail "systemctl start netmapd failed"
}
echo "systemctl start netmapd: $(( $(date +%s) - t0 )) s"
check "netmapd is active" "$(systemctl is-active netmapd)" active
check "WatchdogUSec (the drop-in)" "$(systemctl show -p WatchdogUSec --value netmapd)" 6s
st=$(systemctl show -p StatusText --value netmapd)
[ -n "$st" ] || fail "no STATUS= from netmapd"
ok "StatusText: $st"
echo "$st" | grep -qi "fail\|refused\|nothing applied" && fail "the topology was not applied: $st"
grep -q '^netmap ' /proc/modules || fail "netmapd did not load netmap.ko"
ok "netmap.ko loaded by netmapd: $(grep '^netmap ' /proc/modules)"
check "/dev/netmap" "$(stat -c '%a %U' /dev/netmap)" "600 root"
check "socket" "$(stat -c '%a %G' /run/netmapd/netmapd.sock)" "660 netmap"
systemctl show -p MainPID --value netmapd >"$W/pid.1"
echo "--- systemctl status netmapd"
systemctl status --no-pager netmapd | head -n 12 || true
echo "--- journal"
journalctl -u netmapd --no-pager -o cat | tail -n 25
echo "--- nmctl status"
nmctl status
echo "--- nmctl show"
nmctl show | tee "$W/show.1"
nmctl --json show >"$W/show.1.json"
grep -q "p0{1" "$W/show.1" || fail "pipe p0{1 is not in nmctl show"
grep -q "v0" "$W/show.1" || fail "persistent port v0 is not in nmctl show"
ip link show v0 >/dev/null || fail "persistent port v0 is not a netdev"
ip -o link show v0 | cut -d: -f1 >"$W/v0.ifindex"
ok "topology applied"
if grep -q nmv0 "$W/show.1"; then
	ok "NIC nmv0 attached: $(ip -o link show nmv0 | cut -d' ' -f2-3)"
else
	echo "NOTE: nmv0 is not in nmctl show"
fi
