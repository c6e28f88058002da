# SPDX-License-Identifier: BSD-2-Clause
# The VALE switch (issue 4): every subtest of nm_vale (tests/vm/progs/nm_vale.c),
# then at shell level: a persistent port is a real netdev that `ip link`
# shows while it exists and not after DELIF, and the module unloads after all
# the VALE sequences (netmap issue #882), also with a persistent port left
# behind. The module is loaded again with module-load's parameters, so the
# tests that follow find the same state.
. /tests/lib.sh
NM_PARAMS="verbose=1 priv_buf_num=8192 bridge_batch=512 max_bridges=4"
# shellcheck disable=SC2086
ensure_netmap $NM_PARAMS

rc=0
run nm_vale || rc=$?
# ports254 lowers priv_buf_num for its duration; put it back even if it died.
echo 8192 > /sys/module/netmap/parameters/priv_buf_num
[ $rc = 0 ] && ok "nm_vale: all subtests passed (see SKIP lines above, if any)" ||
	echo "FAIL: nm_vale exited with $rc"

# A persistent port in ip link.
run nm_vale --newif nmv9 || fail "NEWIF nmv9"
$IP link show dev nmv9 >/tmp/link 2>&1 || { cat /tmp/link; fail "ip link show dev nmv9"; }
grep -q 'nmv9' /tmp/link || fail "ip link output does not name nmv9"
run $IP -o link | grep -q ': nmv9[:@]' || fail "nmv9 missing from ip -o link"
ok "ip link shows persistent port nmv9: $(head -n1 /tmp/link)"
# Up and down: the stack may transmit on it (the port drops what it gets).
if $IP link set dev nmv9 up 2>/tmp/up; then
	ok "ip link set nmv9 up"
	sleep 1
	run $IP link set dev nmv9 down || fail "ip link set nmv9 down"
else
	echo "note: ip link set nmv9 up refused: $(cat /tmp/up)"
fi
run nm_vale --delif nmv9 || fail "DELIF nmv9"
if $IP link show dev nmv9 >/dev/null 2>&1; then
	fail "nmv9 still in ip link after DELIF"
fi
run $IP -o link | grep -q ': nmv9[:@]' && fail "nmv9 still in ip -o link after DELIF"
ok "nmv9 gone from ip link after DELIF"

# After all the VALE sequences above (#882 included) the module unloads.
tries=0
until rmmod netmap 2>/dev/null; do
	tries=$((tries + 1))
	[ $tries -lt 10 ] || fail "rmmod netmap refused after the VALE tests"
	sleep 0.2
done
ok "rmmod netmap after the VALE tests (retries: $tries)"
# shellcheck disable=SC2086
insmod "$NM_KO" $NM_PARAMS || fail "insmod netmap.ko $NM_PARAMS"

# A persistent port left behind: rmmod either removes it or is refused until
# it is deleted (assumes: either is fine; never an oops or a stuck module).
run nm_vale --newif nmv8 || fail "NEWIF nmv8"
if rmmod netmap 2>/dev/null; then
	[ ! -e /sys/class/net/nmv8 ] || fail "rmmod succeeded but nmv8 is still there"
	ok "rmmod with persistent port nmv8 left: module gone, nmv8 gone"
else
	[ -e /sys/class/net/nmv8 ] || fail "rmmod refused but nmv8 vanished"
	run nm_vale --delif nmv8 || fail "DELIF nmv8 after the refused rmmod"
	rmmod netmap || fail "rmmod after DELIF nmv8"
	ok "rmmod refused while nmv8 existed, worked after DELIF"
fi
# shellcheck disable=SC2086
insmod "$NM_KO" $NM_PARAMS || fail "insmod netmap.ko $NM_PARAMS (2)"
[ -c /dev/netmap ] || fail "/dev/netmap missing after reload"
exit $rc
