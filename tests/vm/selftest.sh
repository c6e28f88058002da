#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Host test of the harness itself: parse.sh and result.sh must turn console
# logs into the right verdicts, and must be able to fail; a series whose
# kernel is unavailable must come out skipped with the reason, not passed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0
check() { # check WHAT EXPECTED(0|1) CMD...
	local what=$1 want=$2 got=0
	shift 2
	"$@" >/dev/null 2>&1 || got=1
	if [ "$got" = "$want" ]; then pass=$((pass + 1)); else failed=$((failed + 1)); echo "FAIL: $what"; fi
}

esc=$'\e[0m'
cat >"$tmp/good.log" <<LOG
[    1.0] booting
@@NM-BOOTED 6.1
${esc}@@NM-BEGIN alpha
ok: something
@@NM-END alpha 0
@@NM-BEGIN beta
FAIL: beta broke
${esc}@@NM-END beta 1
@@NM-DMESG-BEGIN
[    1.2] netmap: loaded
@@NM-DMESG-END
@@NM-DONE
LOG
"$here/parse.sh" "$tmp/good.log" "$tmp/good"
check "passing test passes" 0 "$here/result.sh" "$tmp/good" alpha
check "failing test fails" 1 "$here/result.sh" "$tmp/good" beta
check "missing test fails" 1 "$here/result.sh" "$tmp/good" gamma
check "clean kernel log passes" 0 "$here/result.sh" "$tmp/good" kernel-log
check "test output is kept" 0 grep -q "ok: something" "$tmp/good/logs/alpha.log"

for bad in "BUG: unable to handle page fault" "Oops: 0000 [#1] SMP" \
	"WARNING: CPU: 0 PID: 1 at kernel/foo.c:1" "general protection fault, probably" \
	"netmap: LEAK: 3 buffers" "refcount_t: underflow; use-after-free."; do
	sed "s|netmap: loaded|$bad|" "$tmp/good.log" >"$tmp/bad.log"
	rm -rf "$tmp/bad"
	"$here/parse.sh" "$tmp/bad.log" "$tmp/bad"
	check "kernel log with '$bad' fails" 1 "$here/result.sh" "$tmp/bad" kernel-log
done
sed '/@@NM-DONE/d; /@@NM-DMESG/d; /BEGIN beta/,$d' "$tmp/good.log" >"$tmp/cut.log"
"$here/parse.sh" "$tmp/cut.log" "$tmp/cut"
check "boot cut short fails the kernel log" 1 "$here/result.sh" "$tmp/cut" kernel-log
check "test after the cut has no result" 1 "$here/result.sh" "$tmp/cut" beta
check "DEBUG: is not a BUG" 0 bash -c "sed 's/netmap: loaded/DEBUG: fine/' '$tmp/good.log' >'$tmp/d.log' && '$here/parse.sh' '$tmp/d.log' '$tmp/d' && '$here/result.sh' '$tmp/d' kernel-log"

# A series whose kernel is unavailable (newest, unstable unreachable): run.sh
# exits 77 before building anything, every result is "SKIP reason", and
# result.sh reports each as skipped (77) with the reason, never as passed.
mkdir -p "$tmp/cache"
echo "apt-get update in the unstable chroot failed (selftest)" >"$tmp/cache/newest.unavailable"
skip_rc() { # skip_rc OUTFILE CMD...: CMD's exit status, its output in OUTFILE
	local out=$1 rc=0
	shift
	"$@" >"$out" 2>&1 || rc=$?
	echo "$rc"
}
rc=$(skip_rc "$tmp/skip.out" env NETMAPD_VM_CACHE="$tmp/cache" NETMAPD_SID_CHROOT="$tmp/nosid" \
	"$here/run.sh" --series newest --out "$tmp/skip" --tests "alpha beta:30")
check "unavailable kernel: run.sh exits 77" 0 test "$rc" = 77
check "unavailable kernel: run.sh says why" 0 grep -q "SKIPPED: .*(selftest)" "$tmp/skip.out"
for t in build kernel-log alpha beta; do
	rc=$(skip_rc "$tmp/skip-$t.out" "$here/result.sh" "$tmp/skip" "$t")
	check "unavailable kernel: $t is skipped (77), not passed" 0 test "$rc" = 77
	check "unavailable kernel: $t prints the reason" 0 grep -q "failed (selftest)" "$tmp/skip-$t.out"
done

echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
