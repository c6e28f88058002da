#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Turn a guest console log into per-test results.
#
#   parse.sh CONSOLE_LOG OUTDIR
#
# Writes OUTDIR/results/NAME ("PASS" or "FAIL ...") and OUTDIR/logs/NAME.log for
# every test between @@NM-BEGIN/@@NM-END markers, and the verdict on the
# kernel log as the result "kernel-log": it fails on BUG, Oops, WARNING,
# general protection faults, call traces, lockups, refcount and list
# corruption, leak reports (ours print "netmap: LEAK"), or a boot that did not
# reach @@NM-DONE. Markers are matched anywhere in a line: the serial console
# can put escape codes before them.
set -euo pipefail
log=$1 out=$2
mkdir -p "$out/results" "$out/logs"
rm -f "$out/results/.done"

tr -d '\r' <"$log" | awk -v res="$out/results" -v logs="$out/logs" '
	/@@NM-BEGIN / { sub(/.*@@NM-BEGIN /, ""); cur = $1; printf "" > (logs "/" cur ".log"); next }
	/@@NM-END /   { sub(/.*@@NM-END /, ""); f = res "/" $1;
	                print ($2 == 0 ? "PASS" : "FAIL exit " $2) > f; close(f); cur = ""; next }
	/@@NM-DMESG-BEGIN/ { cur = "dmesg"; next }
	/@@NM-DMESG-END/   { cur = ""; next }
	/@@NM-DONE/ { print "done" > (res "/.done") }
	cur != "" { print > (logs "/" cur ".log") }
'

pattern='(^|[^A-Za-z])BUG[: ]|Oops|WARNING:|general protection|Call Trace:|[Kk]ernel panic|unreferenced object|memory leak|netmap: LEAK|refcount_t:|list_add corruption|list_del corruption|stack-protector|soft lockup|hung_task|blocked for more than'
if grep -aEn "$pattern" "$log" >"$out/logs/kernel-log.log" 2>/dev/null; then
	echo "FAIL kernel log shows a problem" >"$out/results/kernel-log"
elif [ ! -f "$out/results/.done" ]; then
	echo "FAIL boot did not finish" >"$out/results/kernel-log"
	tail -n 40 "$log" >"$out/logs/kernel-log.log"
else
	echo PASS >"$out/results/kernel-log"
	grep -a 'netmap' "$out/logs/dmesg.log" >"$out/logs/kernel-log.log" 2>/dev/null || true
fi
