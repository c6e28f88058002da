# SPDX-License-Identifier: BSD-2-Clause
# The demo's guest side: load netmap.ko, show what it provides, pass packets
# over a netmap pipe with a program written from netmap(4)'s examples, then
# unload the module.
. /tests/lib.sh
echo "\$ insmod netmap.ko"
insmod "$NM_KO"
echo "\$ ls -l /dev/netmap"
ls -l /dev/netmap
echo "\$ grep . /sys/module/netmap/parameters/{buf,ring,if}_num ..."
for p in buf_num buf_size ring_num ring_size if_num if_size priv_buf_num bridge_batch max_bridges; do
	printf '  %-14s %s\n' "$p" "$(param $p)"
done
echo "\$ nm_example        # sender on pipe ex{0, receiver on ex}0, zero-copy"
nm_example
echo "\$ nm_bench_pipe --seconds 2   # pipe throughput (TCG: slow CPU emulation)"
nm_bench_pipe --seconds 2 | grep -E 'RESULT|Mpps' || true
echo "\$ rmmod netmap"
rmmod netmap
[ ! -e /dev/netmap ] || fail "/dev/netmap still there after rmmod"
echo "\$ dmesg | grep netmap"
dmesg | grep 'netmap:'
