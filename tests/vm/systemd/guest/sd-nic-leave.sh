# SPDX-License-Identifier: BSD-2-Clause
# systemd scenario: a NIC taken by netmapd is prepared (offloads off,
# promiscuous, up) and, when the topology no longer has it, detached and put
# back exactly as it was before netmapd touched it (sd-start.sh saved that).
. /tests/lib.sh
W=/run/nm-sd
[ -f "$W/nmv0.features.before" ] || fail "sd-start did not save nmv0's settings"
ethtool -k nmv0 | grep -q '^rx-checksumming: off' || fail "nmv0 joined vale0 with rx checksum offload on"
ip -o link show nmv0 | grep -q PROMISC || fail "nmv0 joined vale0 without promiscuous mode"
ok "nmv0 prepared: offloads off, promiscuous"

grep -v '^      - nic: nmv0$' /etc/netmapd/netmapd.yaml >"$W/no-nic.yaml"
grep -q 'nic: nmv0' "$W/no-nic.yaml" && fail "editing the topology"
install -m 0644 "$W/no-nic.yaml" /etc/netmapd/netmapd.yaml
systemctl reload netmapd
expect_eq "$(systemctl is-active netmapd)" active "netmapd active after dropping nmv0"
nmctl show >"$W/show.nonic"
grep -q nmv0 "$W/show.nonic" && fail "nmv0 still in nmctl show"
ethtool -k nmv0 | grep -v '\[fixed\]' >"$W/nmv0.features.after"
diff "$W/nmv0.features.before" "$W/nmv0.features.after" || fail "nmv0's offloads differ from before netmapd"
ip -o link show nmv0 | grep -o '<[^>]*>' >"$W/nmv0.flags.after"
diff "$W/nmv0.flags.before" "$W/nmv0.flags.after" || fail "nmv0's flags differ from before netmapd"
ok "nmv0 left vale0 and has its offloads and flags back: $(cat "$W/nmv0.flags.after")"
