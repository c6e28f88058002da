#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Run every test of the project:
#   1. host unit tests built with AddressSanitizer + UBSan (build-asan/);
#   2. the libFuzzer targets (YAML config, JSON-RPC), 20 s each (build-fuzz/);
#   3. the normal build with -Werror (build/): host tests, the harness
#      self-test, and netmap.ko in qemu on Debian's 6.1 and 6.12 kernels and
#      on Debian unstable's newest (skipped, with the reason, if unreachable).
# Exits non-zero if anything fails. Safe to run again; builds are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== check: installing what is missing"
bash tests/deps.sh

echo "== check: sanitizer build (ASan + UBSan), host unit tests"
cmake -S . -B build-asan -DNETMAPD_SANITIZE=ON -DNETMAPD_VM_TESTS=OFF -DNETMAPD_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== check: libFuzzer targets (clang), 20 s each"
bash tests/fuzz/run.sh 20

echo "== check: build with -Werror, host tests and VM tests (6.1, 6.12, newest)"
# The kernel each series boots, or why it cannot (kernels.sh info exits 3:
# its vm-SERIES/* are then skipped, not failed; this must not stop check.sh).
for series in 6.1 6.12 newest; do
	info=$(tests/vm/kernels.sh info "$series" 2>&1) || true
	kver=$(sed -n 's/^KVER=//p' <<<"$info")
	if [ -n "$kver" ]; then
		echo "   vm-$series: $kver"
		sed -n 's/^kernels.sh: note: /     note: /p' <<<"$info"
	else
		echo "   vm-$series: unavailable: $(sed -n 's/^kernels.sh: //p' <<<"$info" | tail -n 1)"
	fi
done
cmake -S . -B build -DNETMAPD_WERROR=ON -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build build -j"$jobs"
rc=0
ctest --test-dir build --output-on-failure -j"$jobs" || rc=$?
# CTest prints "***Skipped" but not a skipped test's output: say why here.
for series in 6.1 6.12 newest; do
	f=build/vm-$series/results/build
	[ -f "$f" ] && read -r verdict why <"$f" && [ "$verdict" = SKIP ] &&
		echo "check: vm-$series/* SKIPPED, not passed: ${why#kernels.sh: }"
done
exit $rc
