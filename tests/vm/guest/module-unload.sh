# SPDX-License-Identifier: BSD-2-Clause
# Unload netmap.ko: it must go cleanly and take /dev/netmap with it.
. /tests/lib.sh
[ -d /sys/module/netmap ] || fail "netmap is not loaded"
rmmod netmap || fail "rmmod netmap"
[ ! -e /dev/netmap ] || fail "/dev/netmap still exists"
[ ! -d /sys/module/netmap ] || fail "/sys/module/netmap still exists"
ok "unloaded"
# A second load/unload cycle works too.
insmod "$NM_KO" || fail "reload"
rmmod netmap || fail "second rmmod"
ok "reload and unload"
