# SPDX-License-Identifier: BSD-2-Clause
# Netmap memory is bounded (issue 12):
#  1. max_mem_mb: default half of the RAM, 0 writes the default back,
#     mem_used_kb is read-only; nm_memcap cap shows the region that would
#     cross the cap refused with ENOMEM and one kernel log line per refusal
#     naming the parameter, smaller regions still made, usage back to the
#     baseline after close.
#  1b. the region cache: nm_memcap recycle fills a closed ephemeral port's
#     buffers, sees its region kept (mem_cached_kb) and reopens the port:
#     every buffer byte is zero, and one of the reopens (100 ms apart, until
#     one does, 30 s at most) took the kept region. nm_memcap splice: a
#     region whose buffer page a pipe holds (vmsplice) is not kept, the pipe
#     keeps its bytes, the next user gets zeroed buffers apart from it.
#  1c. nm_regrace: threads REGISTERing one new ephemeral name at once all
#     bind one port (one region alive, none left after close), different
#     names at once all succeed; latency of REGISTER/PORT_INFO_GET of an
#     existing port while another thread makes regions (printed).
#  2. memory cgroup: a process in a child cgroup with memory.max 48M makes
#     VALE ports (REGISTER, then VALE_NEWIF) until ENOMEM; memory.current
#     never passes memory.max, nothing is OOM-killed, closing gives the pages
#     back; persistent ports stay charged to the cgroup after their creator
#     exits until VALE_DELIF; root outside the cgroup still makes regions and
#     they are not charged to it.
. /tests/lib.sh
NM_PARAMS="verbose=1 priv_buf_num=8192 bridge_batch=512 max_bridges=4"
# shellcheck disable=SC2086
ensure_netmap $NM_PARAMS

# ---- 1. the cap -------------------------------------------------------------
total_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
dflt=$((total_kb / 2048))
expect_eq "max_mem_mb default (MemTotal/2)" "$(param max_mem_mb)" "$dflt"
echo 100 > /sys/module/netmap/parameters/max_mem_mb || fail "write max_mem_mb"
expect_eq "max_mem_mb written" "$(param max_mem_mb)" 100
echo 0 > /sys/module/netmap/parameters/max_mem_mb || fail "write max_mem_mb 0"
expect_eq "max_mem_mb 0 means the default" "$(param max_mem_mb)" "$dflt"
if echo x > /sys/module/netmap/parameters/max_mem_mb 2>/dev/null; then
	fail "max_mem_mb accepted 'x'"
fi
if echo 5 > /sys/module/netmap/parameters/mem_used_kb 2>/dev/null; then
	fail "mem_used_kb is writable"
fi
ok "max_mem_mb refuses garbage, mem_used_kb is read-only"
base=$(param mem_used_kb)
echo "mem_used_kb at start: $base"

# The refusal line is pr_warn_ratelimited (10 per 5 s per call site): earlier
# tests of this boot may have used the window, so wait for a fresh one. The
# lines are counted after a mark of our own, not in the whole ring, which the
# earlier tests' messages may wrap meanwhile.
sleep 6
mark="nm-memcap-mark-$$"
echo "$mark" >/dev/kmsg
nm_memcap -v cap >/tmp/memcap.out 2>&1 || { cat /tmp/memcap.out; fail "nm_memcap cap"; }
cat /tmp/memcap.out
refusals=$(sed -n 's/^refusals=//p' /tmp/memcap.out)
[ -n "$refusals" ] || fail "nm_memcap printed no refusals= line"
lines=$(dmesg | sed -n "/$mark/,\$p" | grep -c 'would exceed max_mem_mb' || true)
expect_eq "kernel log lines naming max_mem_mb (one per refusal)" "$lines" "$refusals"
dmesg | grep 'would exceed max_mem_mb' | tail -n 1
# A closed ephemeral port's region is kept for reuse and given back zeroed.
run nm_memcap -v recycle || fail "nm_memcap recycle: a kept region"
# A region whose page a pipe still holds (vmsplice) is never kept.
run nm_memcap -v splice || fail "nm_memcap splice: a region with a page in a pipe"
dmesg | grep 'would exceed max_mem_mb' | tail -n 1 |
	grep -q '/sys/module/netmap/parameters/max_mem_mb' || fail "the log line does not say where to raise it"
expect_eq "mem_used_kb back to the start" "$(param mem_used_kb)" "$base"
expect_eq "max_mem_mb restored" "$(param max_mem_mb)" "$dflt"
# REGISTER makes a new ephemeral port's region outside the control lock:
# racing REGISTERs of one new name bind one port, nothing leaks. With
# verbose, a region made that way and never used is logged as "region 0
# freed" (it never got an id): their count shows the race was run.
verbose=$(param verbose)
echo 1 > /sys/module/netmap/parameters/verbose || fail "write verbose"
mark="nm-regrace-mark-$$"
echo "$mark" >/dev/kmsg
run nm_regrace -v same distinct || fail "nm_regrace same distinct"
echo "$verbose" > /sys/module/netmap/parameters/verbose
echo "regions made without the lock and left unused (another thread created the port first): $(dmesg | sed -n "/$mark/,\$p" | grep -c 'region 0 freed')"
# The latency of requests on an existing port while regions are made (printed only).
run nm_regrace -v latency || fail "nm_regrace latency"

# ---- 2. memory cgroup -----------------------------------------------------------
cg=/sys/fs/cgroup
mounted=
if [ ! -e $cg/cgroup.controllers ]; then
	mount -t cgroup2 none $cg || fail "mount cgroup2 on $cg"
	mounted=1
fi
grep -qw memory $cg/cgroup.controllers || fail "no memory controller in $(cat $cg/cgroup.controllers)"
echo +memory > $cg/cgroup.subtree_control || fail "enable +memory"
t=$cg/nmtest
mkdir $t || fail "mkdir $t"
cleanup() {
	nm_memcap delif nmcg 64 >/dev/null 2>&1
	rmdir $t 2>/dev/null
	echo -memory > $cg/cgroup.subtree_control 2>/dev/null
	[ -z "$mounted" ] || umount $cg
}
trap cleanup EXIT
echo 48M > $t/memory.max || fail "memory.max"
echo 0 > $t/memory.swap.max 2>/dev/null || true
echo "cgroup $t: memory.max $(cat $t/memory.max)"

# In the cgroup: REGISTER ephemeral ports until ENOMEM, then close them.
# shellcheck disable=SC2016
sh -c 'echo $$ > '$t'/cgroup.procs && exec nm_memcap fill reg vale8:c 64 '$t \
	>/tmp/fill.out 2>&1 || { cat /tmp/fill.out; fail "fill reg in the cgroup"; }
cat /tmp/fill.out
grep -q '^REGISTER vale8:c[0-9]*: Cannot allocate memory after [1-9]' /tmp/fill.out ||
	fail "REGISTER in the cgroup did not end with ENOMEM"
ok "REGISTER in a 48M cgroup: $(sed -n 's/.*memory after \([0-9]*\).*/\1/p' /tmp/fill.out) region(s), then ENOMEM"

# In the cgroup: VALE_NEWIF until ENOMEM; the ports outlive the process.
# shellcheck disable=SC2016
sh -c 'echo $$ > '$t'/cgroup.procs && exec nm_memcap fill newif nmcg 64 '$t \
	>/tmp/fill.out 2>&1 || { cat /tmp/fill.out; fail "fill newif in the cgroup"; }
cat /tmp/fill.out
n=$(sed -n 's/^VALE_NEWIF nmcg[0-9]*: Cannot allocate memory after \([0-9]*\).*/\1/p' /tmp/fill.out)
[ -n "$n" ] && [ "$n" -ge 1 ] || fail "VALE_NEWIF in the cgroup did not end with ENOMEM"
[ ! -e /sys/class/net/nmcg$n ] || fail "the refused NEWIF left netdev nmcg$n"
held=$(cat $t/memory.current)
echo "creator gone, $n persistent port(s) left: memory.current $((held / 1024)) KiB, mem_used_kb $(param mem_used_kb)"

# Root, outside the cgroup, still makes regions, not charged to the cgroup.
nm_memcap fill reg vale8:r 2 $t >/tmp/fill.out 2>&1 || { cat /tmp/fill.out; fail "fill reg as root"; }
cat /tmp/fill.out
grep -q '^REGISTER vale8:r1: no failure after 2' /tmp/fill.out || fail "root outside the cgroup could not make 2 regions"
now=$(cat $t/memory.current)
[ "$now" -le $((held + 1048576)) ] || fail "root's regions were charged to the cgroup ($held -> $now)"
ok "root outside the cgroup made 2 regions; the cgroup stayed at $((now / 1024)) KiB"

nm_memcap delif nmcg "$n" || fail "VALE_DELIF nmcg*"
after=$(cat $t/memory.current)
echo "after VALE_DELIF: memory.current $((after / 1024)) KiB (was $((held / 1024)) KiB)"
[ "$after" -lt $((held / 2)) ] || fail "memory.current did not drop after VALE_DELIF"
ok "persistent ports stayed charged to their creator's cgroup until VALE_DELIF"
grep -E '^(oom|oom_kill) ' $t/memory.events
expect_eq "OOM kills in the cgroup" "$(sed -n 's/^oom_kill //p' $t/memory.events)" 0
peak=$(cat $t/memory.peak 2>/dev/null || echo 0)
[ "$peak" -le $((48 * 1048576)) ] || fail "memory.peak $peak above memory.max"
echo "memory.peak $((peak / 1024)) KiB of memory.max 49152 KiB"
expect_eq "mem_used_kb back to the start" "$(param mem_used_kb)" "$base"
