#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Build the libFuzzer targets with clang in their own build tree and run
# each for a bounded time (CTest label "fuzz").
#   tests/fuzz/run.sh [SECONDS]      default 30 seconds per target
# The tree is $NETMAPD_FUZZ_BUILD (default build-fuzz/ at the top of the
# checkout); its corpus-*/ folders keep what the fuzzer found between runs,
# and a crash leaves NAME-crash-* files there (reproduce: run
# build-fuzz/tests/fuzz/fuzz_NAME FILE).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}
build=${NETMAPD_FUZZ_BUILD:-build-fuzz}

if ! command -v clang >/dev/null; then
	echo "fuzz: clang is needed (bash tests/deps.sh installs it)" >&2
	exit 1
fi
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DNETMAPD_FUZZ=ON \
	-DNETMAPD_FUZZ_SECONDS="$secs" -DNETMAPD_VM_TESTS=OFF \
	-DNETMAPD_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz
ctest --test-dir "$build" -L fuzz --output-on-failure
