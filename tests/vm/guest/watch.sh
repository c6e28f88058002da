# SPDX-License-Identifier: BSD-2-Clause
# Release watches (NETMAP_REQ_NMD_WATCH_ADD/DEL, our extension): every
# subtest of nm_watch (tests/vm/progs/nm_watch.c) as root; its unprivileged
# subtest drops to uid 65534 itself.
. /tests/lib.sh
ensure_netmap
run nm_watch || fail "nm_watch: a subtest failed"
ok "nm_watch: all subtests passed"
