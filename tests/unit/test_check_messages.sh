#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# `netmapd --check` on each tests/unit/golden/check/NAME.yaml: its exit code
# and its messages (stderr, with the host's RAM figures replaced by "N")
# must be NAME.txt's ("rc=N" on the first line). NMD_UPDATE_GOLDEN=1
# rewrites the .txt files. Fixtures use only what every Linux host has (lo,
# root) so that the messages do not depend on the machine.
#   test_check_messages.sh NETMAPD GOLDEN_DIR
netmapd=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
dir=$2
fail=0 pass=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
for y in "$dir"/*.yaml; do
	name=$(basename "$y" .yaml)
	(cd "$dir" && "$netmapd" --check "$name.yaml" >/dev/null 2>"$tmp/err"; echo "rc=$?" >"$tmp/rc")
	{ cat "$tmp/rc"; sed -e 's/([0-9.]* [KMG]iB, MemTotal)/(N, MemTotal)/' \
		-e 's/the [0-9.]* [KMG]iB this host has free/the N this host has free/' "$tmp/err"; } >"$tmp/got"
	if [ "${NMD_UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$tmp/got" "$dir/$name.txt"
	fi
	if cmp -s "$tmp/got" "$dir/$name.txt"; then
		pass=$((pass + 1))
	else
		echo "FAIL $name:"
		diff -u "$dir/$name.txt" "$tmp/got"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
