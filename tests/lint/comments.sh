#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Comments in the product's sources say what the code does and why, not
# which ticket it came from or what a later change might do: those go stale
# the day the ticket closes. Fails listing every line that points at an
# issue number, a "later issue" or a TODO/FIXME/XXX marker.
# Usage: comments.sh [TOP]
top=${1:-$(dirname "$0")/../..}
cd "$top" || exit 2
pattern='[Ii]ssues? #?[0-9]+|[Ll]ater (issue|change|session)s?|\<(TODO|FIXME)\>|\<XXX\>'
hits=$(grep -rnE "$pattern" kernel daemon client include \
	--include='*.c' --include='*.h' --include='Kbuild' --include='*.sh' 2>/dev/null)
if [ -n "$hits" ]; then
	echo "comments that point at issues or future work (say what the code does instead):"
	echo "$hits"
	exit 1
fi
echo "comments: no pointers to issues or future work in kernel/ daemon/ client/ include/"
