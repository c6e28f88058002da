# SPDX-License-Identifier: BSD-2-Clause
# bash completion for nm-bridge(1): options; after -i, the ports a daemon
# shows (`nmctl --json show`, one second at most) and env:LABEL for the
# ports `nmctl exec` handed over.

_nm_bridge_ports()
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

_nm_bridge()
{
	local cur prev words cword
	_init_completion -n := || return

	case $prev in
	-i)
		COMPREPLY=($(compgen -W "$(_nm_bridge_ports)" -- "$cur"))
		__ltrim_colon_completions "$cur"
		return
		;;
	-b | -T | --duration)
		return
		;;
	esac
	COMPREPLY=($(compgen -W "-i -b -T --busy --duration --json --help" -- "$cur"))
} &&
	complete -F _nm_bridge nm-bridge
