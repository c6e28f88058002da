# SPDX-License-Identifier: BSD-2-Clause
# CSB mode and SYNC_KLOOP_START/STOP (tests/vm/progs/nm_kloop.c): a thread
# loops while the main thread moves frames through the CSB on a pipe and a
# VALE pair, in sleep, notification and direct modes; the refusals; an
# unprivileged holder of a handed fd loops its own ring only.
. /tests/lib.sh
ensure_netmap
run nm_kloop || fail "nm_kloop: a subtest failed"
ok "nm_kloop: all subtests passed"
