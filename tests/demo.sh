#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The system's main job, end to end, as it stands today: build everything,
# check the example topology with netmapd, boot Debian's 6.1 kernel in qemu,
# load netmap.ko, pass packets over a netmap pipe, measure it, unload.
set -euo pipefail
cd "$(dirname "$0")/.."
series=${1:-6.1}

echo "== demo: installing what is missing"
bash tests/deps.sh
echo "== demo: building"
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)"
echo "== demo: netmapd checks the example topology (no kernel needed)"
build/daemon/netmapd --check conf/netmapd.yaml
echo "== demo: booting Linux $series in qemu (software emulation, ~30 s)"
tests/vm/run.sh --series "$series" --out build/demo-"$series" --tests demo:300 \
	--progs "build/tests/vm/progs/nm_example build/tests/bench/nm_bench_pipe"
echo "== demo: what happened inside the VM"
cat build/demo-"$series"/logs/demo.log
tests/vm/result.sh build/demo-"$series" demo >/dev/null
tests/vm/result.sh build/demo-"$series" kernel-log >/dev/null
echo "== demo: done; the kernel log was clean"
