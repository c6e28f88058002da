#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# client/completion/nmctl.bash with stand-ins for bash-completion's helpers
# and for nmctl (which prints golden/topology.json): commands, options,
# values, and port names taken from `nmctl --json show`.
#   test_nmctl_completion.sh COMPLETION_FILE GOLDEN_DIR
set -u
comp=$1 golden=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\ncat %s/topology.json\n' "$golden" >"$tmp/nmctl"
chmod +x "$tmp/nmctl"
PATH=$tmp:$PATH

_init_completion() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
__ltrim_colon_completions() { :; }
_filedir() { COMPREPLY=(FILES); }
_command_offset() { COMPREPLY=("CMD@$1"); }
# shellcheck source=/dev/null
. "$comp"

passed=0 failed=0
t() { # WANT WORDS...
	local want=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_nmctl
	if [ "${COMPREPLY[*]}" = "$want" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: '$*' completes to '${COMPREPLY[*]}', want '$want'"
	fi
}
t "status show stats" nmctl s
t "top" nmctl to
t "--once --interval --count" nmctl top -
t "-s --socket -j --json -h --help -V --version" nmctl -
t "--format" nmctl show --f
t "table json dot" nmctl show --format ""
t "list open close" nmctl port ""
t "capture{0 capture}0 v0{1 v0}1 vale0:eth1 vale0:eth1^ vale0:v0 vale0:vm1 vale0:vm1/rt" nmctl port open ""
t "vale0:eth1 vale0:eth1^ vale0:v0 vale0:vm1 vale0:vm1/rt" nmctl -s /x exec --port vale0
t "CMD@5" nmctl exec --port vale0:vm1 -- ""
t "--prometheus" nmctl stats --p
t "FILES" nmctl apply ""
t "info" nmctl module ""
t "wait" nmctl w
t "--timeout" nmctl wait --t
t "--confirm" nmctl apply --c
t "FILES" nmctl apply --confirm 30 ""
t "confirm" nmctl conf
# The other tools' completions (same stand-ins; _t runs another function).
for f in netmapd nm-tools; do
	# shellcheck source=/dev/null
	. "$(dirname "$comp")/$f.bash"
done
tf() { # FUNCTION WANT WORDS...
	local fn=$1 want=$2
	shift 2
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	"$fn"
	if [ "${COMPREPLY[*]}" = "$want" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: '$*' completes to '${COMPREPLY[*]}', want '$want'"
	fi
}
tf _netmapd "--check" netmapd --che
tf _netmapd "FILES" netmapd --check ""
tf _netmapd "--no-host --no-module --no-release-watch" netmapd --no
tf _nm_tools "tx rx ping pong" nm-pktgen -f ""
tf _nm_tools "vale0:eth1 vale0:eth1^ vale0:v0 vale0:vm1 vale0:vm1/rt" nm-pktgen -i vale0
LISTEN_FDNAMES=a.b:c.d
tf _nm_tools "env:a.b env:c.d" nm-pktgen -i env
unset LISTEN_FDNAMES
tf _nm_tools "--busy" nm-bridge --b
tf _nm_tools "capture{0 capture}0" nm-bridge -i cap
tf _nm_tools "--busy --duration --json --help" /usr/bin/nm-bridge --
tf _nm_tools "-i -b -T --busy --duration --json --help" nm-bridge -f ""
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
