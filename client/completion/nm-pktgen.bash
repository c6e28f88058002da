# SPDX-License-Identifier: BSD-2-Clause
# bash completion for nm-pktgen(1): options and their fixed values; after
# -i, the ports a daemon shows (`nmctl --json show`, one second at most)
# and env:LABEL for the ports `nmctl exec` handed over.

_nm_tools_ports()
{
	local l
	for l in ${LISTEN_FDNAMES:+${LISTEN_FDNAMES//:/ }}; do
		echo "env:$l"
	done
	timeout 1 nmctl --json show 2>/dev/null |
		grep -oE '"(name|peer)": "[^"]*"' |
		sed -e 's/^"[a-z]*": "//' -e 's/"$//' |
		grep -E '[:{}]' | sort -u
}

_nm_pktgen()
{
	local cur prev words cword
	_init_completion -n := || return

	case $prev in
	-i)
		COMPREPLY=($(compgen -W "$(_nm_tools_ports)" -- "$cur"))
		__ltrim_colon_completions "$cur"
		return
		;;
	-f)
		COMPREPLY=($(compgen -W "tx rx ping pong" -- "$cur"))
		return
		;;
	-l | -b | -n | -R | -S | -D | -s | -d | -p | -T | -w | --duration)
		return
		;;
	esac
	COMPREPLY=($(compgen -W "-i -f -l -b -n -R -S -D -s -d -p -T -w --duration --busy
		--check --touch-all --json --help" -- "$cur"))
} &&
	complete -F _nm_pktgen nm-pktgen
