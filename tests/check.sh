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
for series in 6.1 6.12 newest; do
	kver=$(tests/vm/kernels.sh info "$series" 2>&1 | sed -n 's/^KVER=//p;s/^kernels.sh: //p' | head -n1)
	echo "   vm-$series: ${kver:-unavailable}"
done
cmake -S . -B build -DNETMAPD_WERROR=ON -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"
