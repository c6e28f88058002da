#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# CTest's view of one guest test: print its log and pass or fail as the guest
# said. A test with no result did not run (the boot died before it). A
# result "SKIP reason" (run.sh: the kernel is unavailable) exits 77, CTest's
# skip, with the reason printed.
#   result.sh OUTDIR NAME
out=$1 name=$2
[ -f "$out/logs/$name.log" ] && cat "$out/logs/$name.log"
if [ ! -f "$out/results/$name" ]; then
	echo "$name: no result: the VM boot did not reach this test (see $out/console.log)"
	exit 1
fi
read -r verdict _ <"$out/results/$name"
echo "$name: $(cat "$out/results/$name")"
[ "$verdict" = SKIP ] && exit 77
[ "$verdict" = PASS ]
