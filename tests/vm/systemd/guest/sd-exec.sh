# SPDX-License-Identifier: BSD-2-Clause
# systemd scenario, step 2: an unprivileged user in group netmap runs an
# application with `nmctl exec`; the application (nmd_pass, linked with the
# installed libnmd.so) cannot open /dev/netmap (0600 root) yet passes
# traffic through the VALE switch vale0 and the pipe p0{1 <-> p0}1 on the
# fds it was handed. A user outside group netmap is refused, clearly.
# Meanwhile nm_bcast sends broadcasts on nmv1, the far end of the switch's
# NIC: the switch floods them to vale0:b too, where they take receive slots
# that nmd_pass must count; it accepts a VALE loss only as far as those
# foreign frames explain it (none on the pipe).
. /tests/lib.sh
check() { expect_eq "$2" "$3" "$1"; }  # check LABEL ACTUAL EXPECTED
W=/run/nm-sd
N=${NMD_PASS_FRAMES:-500000}
ls -l /dev/netmap /run/netmapd/netmapd.sock
check "/dev/netmap" "$(stat -c '%a %U' /dev/netmap)" "600 root"
echo "--- tester ($(id tester)): nmctl exec ... -- nmd_pass"
nm_bcast nmv1 20000 200 >"$W/bcast.out" 2>&1 &
bcast=$!
set +e
runuser -u tester -- nmctl exec --port vale0:a --port vale0:b --port 'p0{1' --port 'p0}1' -- \
	nmd_pass -n "$N" vale0.a vale0.b 'p0{1' 'p0}1' >"$W/exec.out" 2>&1
rc=$?
set -e
kill "$bcast" 2>/dev/null || true
wait "$bcast" 2>/dev/null || true
cat "$W/exec.out"
check "nmctl exec nmd_pass as tester" "$rc" 0
grep -q "open(/dev/netmap): Permission denied" "$W/exec.out" || fail "nmd_pass could open /dev/netmap"
grep -q "vale0.a .*-> vale0.b .* $N sent, [0-9]* received, [0-9]* lost, 0 damaged" "$W/exec.out" ||
	fail "VALE transfer"
grep -q "p0{1 .*-> p0}1 .* $N received, 0 lost, 0 damaged" "$W/exec.out" || fail "pipe transfer"
ok "tester passed $N frames through vale0 and through the pipe"

echo "--- tester runs nmd_pass without nmctl exec"
set +e
runuser -u tester -- nmd_pass vale0.a vale0.b >"$W/noexec.out" 2>&1
rc=$?
set -e
cat "$W/noexec.out"
check "nmd_pass without handed ports" "$rc" 4

echo "--- outsider ($(id outsider)): nmctl exec"
set +e
runuser -u outsider -- nmctl exec --port vale0:a --port vale0:b -- nmd_pass vale0.a vale0.b \
	>"$W/outsider.out" 2>&1
rc=$?
set -e
cat "$W/outsider.out"
[ "$rc" -ne 0 ] || fail "outsider's nmctl exec succeeded"
grep -q "nmd_pass:" "$W/outsider.out" && fail "nmd_pass ran for outsider"
grep -qi "permission\|denied\|not allowed\|group netmap\|access" "$W/outsider.out" ||
	fail "outsider's refusal does not say why"
ok "outsider refused (exit $rc) with: $(head -n1 "$W/outsider.out")"
