# SPDX-License-Identifier: BSD-2-Clause
# Load netmap.ko with non-default parameters; /dev/netmap and every parameter
# must appear with the values given.
. /tests/lib.sh
[ ! -d /sys/module/netmap ] || fail "netmap already loaded"
insmod "$NM_KO" verbose=1 priv_buf_num=8192 bridge_batch=512 max_bridges=4 || fail "insmod"
[ -c /dev/netmap ] || fail "/dev/netmap is not a character device"
major=$(stat -c %t /dev/netmap)
expect_eq "major of /dev/netmap (hex)" "$major" a
expect_eq "mode of /dev/netmap (root only: netmapd hands out fds)" "$(stat -c %a /dev/netmap)" 600
grep -q ' netmap$' /proc/misc || fail "netmap not in /proc/misc"
expect_eq verbose "$(param verbose)" 1
expect_eq priv_buf_num "$(param priv_buf_num)" 8192
expect_eq bridge_batch "$(param bridge_batch)" 512
expect_eq max_bridges "$(param max_bridges)" 4
expect_eq buf_num "$(param buf_num)" 163840
expect_eq buf_size "$(param buf_size)" 2048
for p in if_num if_size ring_num ring_size buf_num buf_size \
	 priv_if_num priv_if_size priv_ring_num priv_ring_size priv_buf_num priv_buf_size \
	 if_curr_num if_curr_size ring_curr_num ring_curr_size buf_curr_num buf_curr_size \
	 admode fwd generic_rings generic_ringsize generic_mit no_timestamp txsync_retry \
	 max_mem_mb mem_used_kb; do
	[ -r "/sys/module/netmap/parameters/$p" ] || fail "parameter $p missing"
done
ok "all parameters present"
# Writable at run time, read-only where it must be.
echo 2 > /sys/module/netmap/parameters/verbose
expect_eq "verbose after write" "$(param verbose)" 2
echo 0 > /sys/module/netmap/parameters/verbose
if echo 5 > /sys/module/netmap/parameters/buf_curr_num 2>/dev/null; then
	fail "buf_curr_num is writable"
fi
ok "buf_curr_num is read-only"
# The device opens (busybox: a redirection opens and closes it).
: </dev/netmap || fail "cannot open /dev/netmap"
ok "open/close /dev/netmap"
