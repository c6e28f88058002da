# SPDX-License-Identifier: BSD-2-Clause
# Helpers for the systemd VM tests (bash, run with -e by the driver).
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; ok "$3"; }
# Wait up to $1 seconds for a command to succeed.
wait_for() {
	local t=$1; shift
	while ! "$@" >/dev/null 2>&1; do
		t=$((t - 1))
		[ "$t" -gt 0 ] || return 1
		sleep 1
	done
}
