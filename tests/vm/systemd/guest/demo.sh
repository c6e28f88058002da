# SPDX-License-Identifier: BSD-2-Clause
# What tests/demo.sh shows (the README's first command): netmapd started by
# systemd with the example topology the package installs as documentation
# (/usr/share/doc/netmapd/examples/showcase.yaml, from conf/examples/),
# installed as /etc/netmapd/netmapd.yaml, `nmctl show`, and an application
# run by an unprivileged user with `nmctl exec`, passing traffic through the
# VALE switch vale0 and the pipe capture{0 <-> capture}0 on the fds it was
# handed, while /dev/netmap stays root's. The example's NIC eth1 is one end
# of a veth pair here; alice is the user the example's access lists name.
. /tests/lib.sh
check() { expect_eq "$2" "$3" "$1"; }  # check LABEL ACTUAL EXPECTED
N=${NMD_PASS_FRAMES:-1000000}
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

modprobe veth
ip link add eth1 type veth peer name eth1-peer
ip link set eth1-peer up
useradd -M -G netmap alice
install -m 0644 /usr/share/doc/netmapd/examples/showcase.yaml /etc/netmapd/netmapd.yaml
ok "prepared: veth eth1 <-> eth1-peer (the example's NIC), user alice in group netmap, the showcase topology as /etc/netmapd/netmapd.yaml"

say systemctl start netmapd
t0=$(date +%s)
systemctl start netmapd || {
	journalctl -u netmapd --no-pager -o cat | tail -n 30
	fail "systemctl start netmapd"
}
say systemctl status netmapd
systemctl status --no-pager netmapd | sed -n '1,6p'
echo "(started in $(( $(date +%s) - t0 )) s; netmap.ko loaded by netmapd: $(grep -c '^netmap ' /proc/modules))"
check "netmapd is active" "$(systemctl is-active netmapd)" active

say nmctl show
nmctl show
say "nmctl show --format dot   # for Graphviz: nmctl show --format dot | dot -Tsvg"
nmctl show --format dot | head -n 8
echo "	..."

say ls -l /dev/netmap /run/netmapd/netmapd.sock
ls -l /dev/netmap /run/netmapd/netmapd.sock
say "runuser -u alice -- nmctl exec --port vale0:vm1 --port vale0:vm2 --port 'capture{0' --port 'capture}0' -- nmd_pass -n $N vale0.vm1 vale0.vm2 'capture{0' 'capture}0'"
set +e
runuser -u alice -- nmctl exec --port vale0:vm1 --port vale0:vm2 \
	--port 'capture{0' --port 'capture}0' -- \
	nmd_pass -n "$N" vale0.vm1 vale0.vm2 'capture{0' 'capture}0'
rc=$?
set -e
check "alice's application" "$rc" 0

useradd -M mallory
say "runuser -u mallory -- nmctl exec --port vale0:vm1 -- nmd_pass ...   # mallory is not in group netmap"
set +e
runuser -u mallory -- nmctl exec --port vale0:vm1 --port vale0:vm2 -- nmd_pass vale0.vm1 vale0.vm2
rc=$?
set -e
echo "(exit $rc)"
[ "$rc" -ne 0 ] || fail "mallory was let in"

say systemctl stop netmapd
systemctl stop netmapd
check "netmapd after stop" "$(systemctl is-active netmapd || true)" inactive
