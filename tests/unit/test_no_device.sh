#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The real netmapd without its control device (--device pointing nowhere,
# as on a host whose netmap.ko is not built for the running kernel): the
# first apply of a pipe fails and says that the device is missing and to
# look at `dkms status`, not "open pipe work{0: No such file or directory";
# the daemon still serves its socket, `nmctl status` exits 5 (not applied)
# with that reason, and `nmctl doctor` exits 1, finding that device (the
# daemon's, not /dev/netmap) missing.
#   test_no_device.sh NETMAPD NMCTL
netmapd=$1 nmctl=$2
unset NOTIFY_SOCKET LISTEN_FDS LISTEN_PID
tmp=$(mktemp -d) || exit 1
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
cat >"$tmp/pipes.yaml" <<EOT
version: 1
socket:
  path: $tmp/s.sock
pipes:
  - parent: work
    ids: [0]
EOT
"$netmapd" -c "$tmp/pipes.yaml" --no-module --device "$tmp/no-netmap" --state "$tmp/state.json" \
	>"$tmp/log" 2>&1 &
pid=$!
i=0
while :; do
	"$nmctl" -s "$tmp/s.sock" status >"$tmp/out" 2>&1
	rc=$?
	[ $rc != 3 ] && break
	i=$((i + 1))
	[ $i -le 200 ] || { cat "$tmp/log"; echo "FAIL: netmapd did not answer"; exit 1; }
	sleep 0.1
done
cat "$tmp/out"
fail=0
[ $rc = 5 ] || { echo "FAIL: nmctl status exit $rc, want 5 (not applied)"; fail=1; }
want="open pipe work{0: $tmp/no-netmap is missing: is netmap.ko loaded (lsmod | grep netmap), and is the module built for this kernel (dkms status)?"
grep -q "^reason: .*pipes.yaml:6:11: " "$tmp/out" && grep -qF "$want" "$tmp/out" ||
	{ echo "FAIL: the reason does not name the device"; fail=1; }
grep -qF "$want" "$tmp/log" || { cat "$tmp/log"; echo "FAIL: the log does not name the device"; fail=1; }
"$nmctl" -s "$tmp/s.sock" doctor >"$tmp/doc" 2>&1
rc=$?
cat "$tmp/doc"
[ $rc = 1 ] || { echo "FAIL: doctor exit $rc, want 1"; fail=1; }
grep -q "^error   device  *$tmp/no-netmap: $tmp/no-netmap missing: " "$tmp/doc" ||
	{ echo "FAIL: doctor does not check the daemon's device"; fail=1; }
grep -q "^error   config  *$tmp/pipes.yaml: the configuration is not applied" "$tmp/doc" ||
	{ echo "FAIL: doctor does not say the configuration is not applied"; fail=1; }
[ $fail = 0 ] && echo "ok"
exit $fail
