# SPDX-License-Identifier: BSD-2-Clause
# Conformance tests of netmap.ko against the netmap ABI (issue 3): every
# subtest of nm_conform (tests/vm/progs/nm_conform.c), then the module's
# lifetime rules at shell level: `rmmod netmap` is refused while a process
# holds a port (by its fd, or only by a mapping after closing the fd) and
# succeeds once that process is killed. The module is loaded again with
# module-load's parameters, so the tests that follow find the same state.
. /tests/lib.sh
NM_PARAMS="verbose=1 priv_buf_num=8192 bridge_batch=512 max_bridges=4"
# shellcheck disable=SC2086
ensure_netmap $NM_PARAMS

rc=0
run nm_conform || rc=$?
[ $rc = 0 ] && ok "nm_conform: all subtests passed" || echo "FAIL: nm_conform exited with $rc"

# hold_and_unload MODE: a background `nm_conform MODE rmh{0 FILE` holds a
# pipe port; rmmod must fail while it lives and work after SIGKILL.
hold_and_unload() {
	rm -f /tmp/held
	nm_conform "$1" 'rmh{0' /tmp/held &
	pid=$!
	i=0
	while [ ! -e /tmp/held ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then
			kill -9 $pid 2>/dev/null || true
			fail "holder ($1) did not register rmh{0"
		fi
		sleep 0.1
	done
	if rmmod netmap 2>/dev/null; then
		kill -9 $pid 2>/dev/null || true
		fail "rmmod netmap succeeded while a process holds a port ($1)"
	fi
	[ -d /sys/module/netmap ] || fail "netmap vanished after a refused rmmod"
	ok "rmmod refused while a process holds a port ($1)"
	kill -9 $pid
	wait $pid 2>/dev/null || true
	tries=0
	until rmmod netmap 2>/dev/null; do
		tries=$((tries + 1))
		[ $tries -lt 10 ] || fail "rmmod netmap still refused after the holder ($1) was killed"
		sleep 0.2
	done
	[ ! -e /dev/netmap ] || fail "/dev/netmap still there after rmmod"
	ok "rmmod works after the holder ($1) was killed (retries: $tries)"
	# shellcheck disable=SC2086
	insmod "$NM_KO" $NM_PARAMS || fail "insmod netmap.ko $NM_PARAMS"
	[ -c /dev/netmap ] || fail "/dev/netmap missing after reload"
	expect_eq "priv_buf_num after reload" "$(param priv_buf_num)" 8192
}
hold_and_unload --hold
hold_and_unload --hold-map
exit $rc
