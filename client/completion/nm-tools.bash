# SPDX-License-Identifier: BSD-2-Clause
# bash completion for nm-pktgen(1) and nm-bridge(1), installed under both
# names: options and their fixed values; after -i, the ports a daemon shows
# (`nmctl --json show`, one second at most) and env:LABEL for the ports
# `nmctl exec` handed over.

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

_nm_tools()
{
	local cur prev words cword valued functions opts
	_init_completion -n := || return

	# valued: options whose value has no completion; functions: -f's values.
	case ${words[0]##*/} in
	nm-bridge)
		valued="-b -T --duration"
		functions=
		opts="-i -b -T --busy --duration --json --help"
		;;
	*)
		valued="-l -b -n -R -S -D -s -d -p -T -w --duration"
		functions="tx rx ping pong"
		opts="-i -f -l -b -n -R -S -D -s -d -p -T -w --duration --busy
			--check --touch-all --json --help"
		;;
	esac
	if [ "$prev" = -i ]; then
		COMPREPLY=($(compgen -W "$(_nm_tools_ports)" -- "$cur"))
		__ltrim_colon_completions "$cur"
		return
	fi
	if [ "$prev" = -f ] && [ -n "$functions" ]; then
		COMPREPLY=($(compgen -W "$functions" -- "$cur"))
		return
	fi
	case " $valued " in
	*" $prev "*) return ;;
	esac
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
} &&
	complete -F _nm_tools nm-pktgen nm-bridge
