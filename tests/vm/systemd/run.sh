#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Boot a real Debian (systemd as init) under qemu with netmapd installed the
# way users install it, and run the tests of tests/vm/systemd/guest/.
#
#   run.sh --series 6.1 --out DIR --stage STAGE --tests "a:120 b:60"
#          [--progs "bin1 bin2"] [--timeout SECONDS]
#
# STAGE is a `DESTDIR=STAGE cmake --install` of a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr: it is copied over the cached Debian root
# (rootfs.sh) as a second initramfs archive, with netmap.ko and veth.ko in
# /lib/modules/KVER/extra (depmod'ed, so `modprobe netmap` works), the
# guest tests in /tests and the programs in /usr/local/bin. Results land in
# DIR/results and DIR/logs exactly as for the busybox VM (tests/vm/parse.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vm=$(cd "$here/.." && pwd)
top=$(cd "$here/../../.." && pwd)
series= out= stage= tests= progs= timeout=900
while [ $# -gt 0 ]; do
	case $1 in
	--series) series=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--stage) stage=$2; shift 2 ;;
	--tests) tests=$2; shift 2 ;;
	--progs) progs=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$series" ] && [ -n "$out" ] && [ -n "$stage" ] && [ -n "$tests" ] ||
	{ echo "run.sh: --series, --out, --stage and --tests are required" >&2; exit 2; }
[ -x "$stage/usr/sbin/netmapd" ] || { echo "run.sh: $stage has no usr/sbin/netmapd" >&2; exit 2; }
say() { echo "[vm-systemd-$series] $*"; }
mkdir -p "$out" && out=$(cd "$out" && pwd)
rm -rf "$out/results" "$out/logs" "$out/overlay"
mkdir -p "$out/results" "$out/logs"

eval "$("$vm/kernels.sh" info "$series")"
base=$("$here/rootfs.sh")
say "root: $base"

say "building netmap.ko against $KDIR"
"$top/kernel/kbuild.sh" "$KDIR" "$out/kmod" >"$out/kbuild.log" 2>&1 || {
	cat "$out/kbuild.log"; echo "FAIL module build" >"$out/results/build"; exit 1; }
echo PASS >"$out/results/build"

o=$out/overlay
mkdir -p "$o/tests" "$o/usr/local/bin"
cp -a "$stage"/. "$o"/
# bookworm is merged-/usr: /lib, /bin and /sbin are symlinks into /usr, and
# a directory of that name in the overlay would replace the link.
for d in lib bin sbin; do
	if [ -d "$o/$d" ]; then
		mkdir -p "$o/usr/$d"
		cp -a "$o/$d"/. "$o/usr/$d"/
		rm -rf "${o:?}/$d"
	fi
done
mods=$o/usr/lib/modules/$KVER
mkdir -p "$mods/extra"
cp "$out/kmod/kernel/netmap.ko" "$mods/extra/"
v=$(find "$MODDIR/kernel" -name 'veth.ko*' | head -n1)
case $v in
*.xz) xz -dc "$v" >"$mods/extra/veth.ko" ;;
*) cp "$v" "$mods/extra/veth.ko" ;;
esac
touch "$mods/modules.order" "$mods/modules.builtin" "$mods/modules.builtin.modinfo"
depmod -b "$o/usr" "$KVER"
# Users are made by systemd-sysusers from the installed sysusers.d at boot.
for p in $progs; do cp "$p" "$o/usr/local/bin/"; done
: >"$o/tests/list"
for t in $tests; do
	name=${t%%:*}
	to=120
	[ "$name" != "$t" ] && to=${t#*:}
	cp "$here/guest/$name.sh" "$o/tests/$name.sh"
	echo "$name $to" >>"$o/tests/list"
done
cp "$here/guest/lib.sh" "$o/tests/lib.sh"
# Data the guest tests read (topologies).
cp "$here"/guest/*.yaml "$o/tests/" 2>/dev/null || true
(cd "$o" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/overlay.cpio.gz"
# The kernel unpacks concatenated archives in order: the overlay wins.
cat "$base" "$out/overlay.cpio.gz" >"$out/initrd.gz"

say "booting $KVER with systemd (timeout ${timeout}s)"
start=$(date +%s)
set +e
timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
	-accel tcg,thread=multi -smp 2 -m 2048 -nographic -no-reboot -net none \
	-kernel "$VMLINUZ" -initrd "$out/initrd.gz" \
	-append "console=ttyS0 rdinit=/lib/systemd/systemd panic=-1 oops=panic loglevel=4 no_timer_check tsc=reliable systemd.show_status=0" \
	</dev/null >"$out/console.log" 2>&1
qrc=$?
set -e
say "qemu exited with $qrc after $(( $(date +%s) - start ))s"
"$vm/parse.sh" "$out/console.log" "$out"
if [ ! -f "$out/results/.done" ]; then
	say "the boot did not reach its end; last lines:"
	tail -n 30 "$out/console.log"
	exit 1
fi
say "done: $(grep -l PASS "$out"/results/* | wc -l) passed, $(grep -L PASS "$out"/results/* | wc -l) failed"
