#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The system's main job, end to end (the README's first command): install
# what is missing, build, install into a staging directory the way a package
# installs (/usr, /etc, systemd units, sysusers.d, libnmd with pkg-config),
# build a small netmap application against that installed libnmd, then boot
# Debian 12 with systemd as init in qemu with the stage in it. Inside:
# `systemctl start netmapd` with the example topology (conf/examples/showcase.yaml,
# installed as /etc/netmapd/netmapd.yaml), `nmctl show`, and the application
# run by an unprivileged user with `nmctl exec`, passing packets through the
# VALE switch and a netmap pipe, with the figures. The guest's side is
# tests/vm/systemd/guest/demo.sh.
#
#   bash tests/demo.sh [6.1|6.12]      (everything lands in build-demo/)
set -euo pipefail
cd "$(dirname "$0")/.."
series=${1:-6.1}
top=$(pwd)
b=$top/build-demo
bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

bold "demo: installing what is missing (tests/deps.sh)"
bash tests/deps.sh

bold "demo: building netmapd, nmctl, libnmd (build-demo/)"
mkdir -p "$b"
cmake -S . -B "$b" -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF >"$b/cmake.log" 2>&1 || {
	cat "$b/cmake.log"; exit 1; }
cmake --build "$b" -j"$(nproc)" >"$b/build.log" 2>&1 || { tail -n 40 "$b/build.log"; exit 1; }
echo "built (log: build-demo/build.log)"

bold "demo: netmapd checks the example topology conf/examples/showcase.yaml (no kernel needed)"
"$b/daemon/netmapd" --check conf/examples/showcase.yaml

bold "demo: installing into a stage, as a package would (build-demo/stage)"
rm -rf "$b/stage"
DESTDIR=$b/stage cmake --install "$b" >"$b/install.log" 2>&1 || { cat "$b/install.log"; exit 1; }
(cd "$b/stage" && find . -type f \( -path './usr/sbin/*' -o -path './usr/bin/*' -o -name '*.so.*' \
	-o -name '*.service' -o -name '*.socket' -o -name '*.pc' -o -path './etc/*' \
	-o -path '*/sysusers.d/*' -o -path '*/tmpfiles.d/*' \) | sed 's|^\.|  |' | sort)

bold "demo: building an application against the installed libnmd (pkg-config libnmd)"
pc=$(find "$b/stage" -name libnmd.pc -printf '%h\n' | head -n1)
cflags=$(PKG_CONFIG_PATH=$pc PKG_CONFIG_SYSROOT_DIR=$b/stage pkg-config --cflags libnmd)
libs=$(PKG_CONFIG_PATH=$pc PKG_CONFIG_SYSROOT_DIR=$b/stage pkg-config --libs libnmd)
echo "cc -O2 -o nmd_pass tests/vm/systemd/nmd_pass.c \$(pkg-config --cflags --libs libnmd)"
echo "   = $cflags $libs"
# shellcheck disable=SC2086
cc -O2 -Wall -Wextra -o "$b/nmd_pass" tests/vm/systemd/nmd_pass.c $cflags $libs

bold "demo: booting Debian 12 (systemd as init, Linux $series) in qemu with the stage installed"
echo "(software emulation: about two minutes; the first run also debootstraps the root, about a minute)"
vm=$b/vm
mkdir -p "$vm"
: >"$vm/console.log"
# Show the guest's side as it happens: the lines of the demo test.
tail -n +1 -F "$vm/console.log" 2>/dev/null |
	awk '/@@NM-BEGIN demo/ { on = 1; next } /@@NM-END demo/ { on = 0 }
	     on { sub(/\r$/, ""); print; fflush() }' &
tailer=$!
set +e
tests/vm/systemd/run.sh --series "$series" --out "$vm" --stage "$b/stage" --tests "boot:120 demo:300" \
	--progs "$b/nmd_pass" --timeout 900 >"$b/vm.log" 2>&1
rc=$?
set -e
sleep 1
kill "$tailer" 2>/dev/null || true
wait "$tailer" 2>/dev/null || true
if [ $rc -ne 0 ]; then
	cat "$b/vm.log"
	echo "demo: the VM run failed (console: $vm/console.log)"
	exit 1
fi
bold "demo: results"
fail=0
for t in build boot demo kernel-log; do
	if tests/vm/result.sh "$vm" "$t" >/dev/null 2>&1; then
		echo "  $t: PASS"
	else
		echo "  $t: FAIL (see $vm/logs/$t.log)"
		fail=1
	fi
done
[ $fail = 0 ] || exit 1
echo "demo: done; the guest kernel log was clean"
