# SPDX-License-Identifier: BSD-2-Clause
# 10,000 open/register/mmap/munmap/close cycles on pipes, alternating ends,
# with extra buffers (tests/vm/progs/nm_cycles.c): every cycle gets what it
# asks for and the *_curr_* figures end where they started.
. /tests/lib.sh
ensure_netmap verbose=1 priv_buf_num=8192 bridge_batch=512 max_bridges=4
run nm_cycles -n "${NM_CYCLES:-10000}" || fail "nm_cycles"
ok "10000 cycles, nothing exhausted, *_curr_* unchanged"
