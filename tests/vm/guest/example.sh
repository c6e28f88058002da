# SPDX-License-Identifier: BSD-2-Clause
# A program written only from netmap(4)'s examples (legacy NIOCREGIF, mmap,
# NETMAP_TXRING/RXRING, poll) passes 100000 numbered packets over the pipe
# ex{0 -> ex}0 (tests/vm/progs/nm_example.c).
. /tests/lib.sh
ensure_netmap verbose=1 priv_buf_num=8192 bridge_batch=512 max_bridges=4
run nm_example 100000 || fail "nm_example"
ok "netmap(4)-style sender and receiver over a pipe"
