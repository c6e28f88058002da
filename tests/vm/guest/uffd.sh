# SPDX-License-Identifier: BSD-2-Clause
# No unbounded wait under the control mutex (issue 12): every subtest of
# nm_uffd (tests/vm/progs/nm_uffd.c) - a TXSYNC or poll() stuck on an
# NS_INDIRECT payload in a userfaultfd page nobody serves, while DETACH,
# PORT_INFO_GET, REGISTER, close() and another process go on - then the
# module unloads and loads again (with module-load's parameters, for the
# tests that follow).
. /tests/lib.sh
NM_PARAMS="verbose=1 priv_buf_num=8192 bridge_batch=512 max_bridges=4"
# shellcheck disable=SC2086
ensure_netmap $NM_PARAMS

run nm_uffd || fail "nm_uffd: a subtest failed"
ok "nm_uffd: all subtests passed"

tries=0
until rmmod netmap 2>/dev/null; do
	tries=$((tries + 1))
	[ $tries -lt 10 ] || fail "rmmod netmap refused after nm_uffd"
	sleep 0.2
done
ok "rmmod netmap after nm_uffd (retries: $tries)"
# shellcheck disable=SC2086
insmod "$NM_KO" $NM_PARAMS || fail "insmod netmap.ko $NM_PARAMS"
