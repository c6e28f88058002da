#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Instructions and data accesses per frame of the datapath core, counted by
# callgrind inside nm_kring_sync() (both syncs of a transfer, per packet):
# under TCG these, not the host's cycles, are what a frame costs.
#
#   tests/bench/core_instr.sh [--cases "pipe vale-2port ..."] [--packets N]
#                             [--out DIR]
#
# Builds bench_core from the tree, the core (kernel/core/) with the kernel's
# code generation flags (-O2 -fno-strict-aliasing -mno-sse -mno-red-zone), into DIR (default
# /tmp/nm-core-instr), runs `bench_core --case C --packets N` under
# `valgrind --tool=callgrind --cache-sim=yes` and prints per case:
#   INSTR case=C pkts=N instr_per_pkt=X data_per_pkt=X
# Cases: bench_core's RESULT names (default: pipe vale-2port vale-drop-unknown).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cases="pipe vale-2port vale-drop-unknown" pkts=2000000 out=/tmp/nm-core-instr
while [ $# -gt 0 ]; do
	case $1 in
	--cases) cases=$2; shift 2 ;;
	--packets) pkts=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	-h|--help) sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "core_instr.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
	echo "core_instr.sh: needs valgrind (callgrind_annotate)" >&2
	exit 2
fi
mkdir -p "$out"
srcs=$(sed -n '/^set(NM_CORE_SOURCES/,/^)/s/^ *\(core\/[a-z_]*\.c\)$/\1/p' "$top/kernel/CMakeLists.txt" |
	sed "s|^|$top/kernel/|")
# The core with the kernel's flags; the driver (floating point) without -mno-sse.
objs=
for s in $srcs; do
	o=$out/$(basename "$s" .c).o
	${CC:-cc} -c -O2 -g -fno-strict-aliasing -mno-sse -mno-red-zone -DNM_USERSPACE \
		-I"$top/kernel/core" -I"$top/include" -o "$o" "$s"
	objs="$objs $o"
done
# shellcheck disable=SC2086
${CC:-cc} -O2 -g -DNM_USERSPACE -I"$top/kernel/core" -I"$top/include" -o "$out/bench_core" \
	"$here/bench_core.c" $objs
for c in $cases; do
	res=$(valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file="$out/cg.$c" \
		"$out/bench_core" --case "$c" --packets "$pkts" 2>/dev/null | grep '^RESULT')
	n=$(echo "$res" | sed -n 's/.* pkts=\([0-9]*\).*/\1/p')
	# Inclusive cost of nm_kring_sync: Ir and Dr + Dw (the events of --cache-sim).
	# Lines: "IR (P%) DR (P%) DW (P%)  FILE:FUNCTION [OBJECT]".
	callgrind_annotate --inclusive=yes --show=Ir,Dr,Dw "$out/cg.$c" 2>/dev/null |
		awk -v c="$c" -v n="$n" '!found && $7 ~ /:nm_kring_sync$/ { for (i = 1; i <= 5; i += 2) gsub(",", "", $i);
			printf "INSTR case=%s pkts=%s instr_per_pkt=%.1f data_per_pkt=%.1f\n", c, n,
			       $1 / n, ($3 + $5) / n; found = 1 }
			END { if (!found) { print "INSTR case=" c " no nm_kring_sync in the profile"; exit 1 } }'
done
