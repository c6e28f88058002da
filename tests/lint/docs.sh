#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The man pages and READMEs hold text, not control characters: a "\f"
# written through a tool that expands escapes becomes a form feed, and
# `man` then prints the font letters ("ISECR" for \fISEC\fR). Also every
# man page must render without a troff error.
#   docs.sh SOURCE_DIR
set -eu
src=${1:?usage: docs.sh SOURCE_DIR}
cd "$src"
rc=0
pages=$(git ls-files '*.[1-8]' 2>/dev/null || find . -name '*.[1-8]' -not -path './build*')
docs=$(git ls-files '*.md' 2>/dev/null || find . -name '*.md' -not -path './build*')
for f in $pages $docs; do
	if LC_ALL=C grep -n "$(printf '[\001-\010\013\014\016-\037\177]')" "$f" >/dev/null; then
		echo "$f: control characters on lines $(LC_ALL=C grep -n "$(printf '[\001-\010\013\014\016-\037\177]')" "$f" | cut -d: -f1 | tr '\n' ' ')"
		rc=1
	fi
done
if command -v groff >/dev/null; then
	for f in $pages; do
		out=$(groff -man -Tutf8 -z "$f" 2>&1 | grep -iv 'cannot adjust line' || true)
		[ -z "$out" ] || { echo "$f: $out"; rc=1; }
	done
fi
[ $rc = 0 ] && echo "$(echo $pages $docs | wc -w) files clean"
exit $rc
