# SPDX-License-Identifier: BSD-2-Clause
# Helpers for guest tests; source it with `. /tests/lib.sh`.
IP=/opt/bin/ip

fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	ok "$1 = $3"
}

param() { cat "/sys/module/netmap/parameters/$1"; }

# Load netmap.ko if it is not loaded yet (tests may run alone).
ensure_netmap() {
	[ -d /sys/module/netmap ] || insmod "$NM_KO" "$@" || fail "insmod netmap.ko"
}
