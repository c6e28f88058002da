#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Boot one Debian kernel under qemu (TCG) and run a list of guest tests.
#
#   run.sh --series 6.1 --out DIR --tests "a b c" [--progs "bin1 bin2"]
#          [--timeout SECONDS] [--mem MB]
#
# Builds netmap.ko for that kernel (kernel/kbuild.sh), packs an initramfs with
# busybox, the module, veth.ko, iproute2, the listed programs with their shared
# libraries and the guest tests (tests/vm/guest/NAME.sh), boots it and splits
# the console log into DIR/results/NAME (PASS or FAIL) and DIR/logs/NAME.log.
# The kernel log is checked for BUG, Oops, WARNING, general protection faults,
# call traces and leak reports; its verdict is the result "kernel-log".
# Exits non-zero when the boot did not reach its end (crash, panic, timeout).
# Exits 77 (CTest's skip) when the series' kernel is unavailable (newest: the
# unstable archive could not be reached); every result then reads "SKIP
# reason", which result.sh reports as skipped, never as passed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
series= out= tests= progs= timeout=900 mem=1536 append_extra=
while [ $# -gt 0 ]; do
	case $1 in
	--series) series=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--tests) tests=$2; shift 2 ;;
	--progs) progs=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$series" ] && [ -n "$out" ] && [ -n "$tests" ] || { echo "run.sh: --series, --out and --tests are required" >&2; exit 2; }

say() { echo "[vm-$series] $*"; }
mkdir -p "$out" && out=$(cd "$out" && pwd)

rm -rf "$out/results" "$out/logs" "$out/initramfs"
mkdir -p "$out/results" "$out/logs"
set +e
kinfo=$("$here/kernels.sh" info "$series" 2>"$out/kernels.err")
krc=$?
set -e
if [ "$krc" = 3 ]; then
	why=$(tail -n 1 "$out/kernels.err")
	say "SKIPPED: $why"
	for t in build kernel-log $tests; do echo "SKIP $why" >"$out/results/${t%%:*}"; done
	exit 77
fi
[ "$krc" = 0 ] || { cat "$out/kernels.err" >&2; exit 1; }
eval "$kinfo"
say "kernel $KVER"
sed -n 's/^kernels.sh: note: /note: /p' "$out/kernels.err" | while read -r l; do say "$l"; done

say "building netmap.ko against $KDIR${KCHROOT:+ in $KCHROOT}"
"$top/kernel/kbuild.sh" "$KDIR" "$out/kmod" ${KCHROOT:+"$KCHROOT"} >"$out/kbuild.log" 2>&1 || {
	cat "$out/kbuild.log"; echo "FAIL module build" >"$out/results/build"; exit 1; }
echo PASS >"$out/results/build"

root=$out/initramfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,opt/bin,lib/modules,etc,proc,sys,dev,tmp,run,tests}
cp /bin/busybox "$root/bin/busybox"
ln -sf busybox "$root/bin/sh"
cp "$here/init.sh" "$root/init"
chmod +x "$root/init"
cp "$out/kmod/kernel/netmap.ko" "$root/lib/modules/netmap.ko"

# Unpack compressed modules (Debian 6.12 ships .ko.xz); busybox insmod wants plain ELF.
add_module() {
	local m
	m=$(find "$MODDIR/kernel" -name "$1.ko*" | head -n1)
	[ -n "$m" ] || { echo "run.sh: module $1 not found in $MODDIR" >&2; exit 1; }
	case $m in
	*.xz) xz -dc "$m" >"$root/lib/modules/$1.ko" ;;
	*.zst) zstd -qdc "$m" >"$root/lib/modules/$1.ko" ;;
	*) cp "$m" "$root/lib/modules/$1.ko" ;;
	esac
}
add_module veth

# Copy a dynamically linked program with the libraries ldd names, at the same paths.
add_prog() {
	local src=$1 dst=$2 lib
	mkdir -p "$root$(dirname "$dst")"
	cp "$src" "$root$dst"
	for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
add_prog "$(command -v ip)" /opt/bin/ip
for p in $progs; do add_prog "$p" "/usr/local/bin/$(basename "$p")"; done

: >"$root/tests/list"
for t in $tests; do
	name=${t%%:*}
	to=120
	[ "$name" != "$t" ] && to=${t#*:}
	cp "$here/guest/$name.sh" "$root/tests/$name.sh"
	echo "$name $to" >>"$root/tests/list"
done
cp "$here"/guest/lib.sh "$root/tests/lib.sh"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.gz"

say "booting $KVER (timeout ${timeout}s)"
start=$(date +%s)
set +e
# tsc=reliable: under TCG on a loaded host the clocksource watchdog sees the
# TSC skew against the HPET and marks it unstable; switching sched_clock then
# live-patches kernel text on every CPU, which oopsed the 7.2 guest in CI
# (int3 in sched_clock_cpu), and the HPET it switches to is slow to emulate.
# QEMU's TSC follows the host clock on every vCPU, so it is reliable here.
timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
	-accel tcg,thread=multi -smp 2 -m "$mem" -nographic -no-reboot -net none \
	-kernel "$VMLINUZ" -initrd "$out/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 oops=panic loglevel=4 no_timer_check tsc=reliable $append_extra" \
	</dev/null >"$out/console.log" 2>&1
qrc=$?
set -e
say "qemu exited with $qrc after $(( $(date +%s) - start ))s"

"$here/parse.sh" "$out/console.log" "$out"

if [ ! -f "$out/results/.done" ]; then
	say "the boot did not reach its end; last lines:"
	tail -n 30 "$out/console.log"
	exit 1
fi
say "done: $(grep -l PASS "$out"/results/* | wc -l) passed, $(grep -L PASS "$out"/results/* | wc -l) failed"
