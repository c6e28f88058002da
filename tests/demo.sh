#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The system's main job, end to end, as it stands today: build everything,
# boot Debian's 6.1 kernel in qemu, load netmap.ko, show /dev/netmap and the
# module parameters, and unload it again.
set -euo pipefail
cd "$(dirname "$0")/.."
series=${1:-6.1}

echo "== demo: installing what is missing"
bash tests/deps.sh
echo "== demo: building"
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)"
echo "== demo: booting Linux $series in qemu (software emulation, ~10 s)"
tests/vm/run.sh --series "$series" --out build/demo-"$series" --tests demo
echo "== demo: what happened inside the VM"
cat build/demo-"$series"/logs/demo.log
tests/vm/result.sh build/demo-"$series" demo >/dev/null
tests/vm/result.sh build/demo-"$series" kernel-log >/dev/null
echo "== demo: done; the kernel log was clean"
