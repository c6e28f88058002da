# SPDX-License-Identifier: BSD-2-Clause
# bash completion for nmctl(8): commands, options, files, and port names
# (asked from the daemon with `nmctl --json show`, only when a port name is
# wanted, with a one-second limit, so a missing daemon costs nothing).

_nmctl_ports()
{
	local sock=$1
	timeout 1 nmctl ${sock:+-s "$sock"} --json show 2>/dev/null |
		grep -oE '"(name|peer)": "[^"]*"' |
		sed -e 's/^"[a-z]*": "//' -e 's/"$//' |
		grep -E '[:{}]' | sort -u
}

_nmctl()
{
	local cur prev words cword
	_init_completion -n := || return

	local commands="status wait show top doctor plan apply confirm port module events stats reload exec"
	local globals="-s --socket -j --json -h --help -V --version"
	local sock= cmd= sub= i

	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-s | --socket) sock=${words[i + 1]}; ((i++)) ;;
		--socket=*) sock=${words[i]#--socket=} ;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=${words[i]}
			elif [[ -z $sub ]]; then
				sub=${words[i]}
			fi
			;;
		esac
	done

	case $prev in
	-s | --socket)
		_filedir
		return
		;;
	--format)
		COMPREPLY=($(compgen -W "table json dot" -- "$cur"))
		return
		;;
	--mode)
		COMPREPLY=($(compgen -W "all one sw nic_sw one_sw" -- "$cur"))
		return
		;;
	--port | -p)
		if [[ $cmd == exec ]]; then
			COMPREPLY=($(compgen -W "$(_nmctl_ports "$sock")" -- "$cur"))
			__ltrim_colon_completions "$cur"
			return
		fi
		;;
	--ring | --count | -n | --interval | --timeout | --confirm)
		return
		;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$globals" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	case $cmd in
	show)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--format --json" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_nmctl_ports "$sock")" -- "$cur"))
			__ltrim_colon_completions "$cur"
		fi
		;;
	top)
		COMPREPLY=($(compgen -W "--once --interval --count" -- "$cur"))
		;;
	plan)
		_filedir '@(yaml|yml)'
		;;
	apply)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--confirm" -- "$cur"))
		else
			_filedir '@(yaml|yml)'
		fi
		;;
	wait)
		COMPREPLY=($(compgen -W "--timeout" -- "$cur"))
		;;
	port)
		case $sub in
		"") COMPREPLY=($(compgen -W "list open close" -- "$cur")) ;;
		open)
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W "--mode --ring --exclusive" -- "$cur"))
			else
				COMPREPLY=($(compgen -W "$(_nmctl_ports "$sock")" -- "$cur"))
				__ltrim_colon_completions "$cur"
			fi
			;;
		esac
		;;
	module)
		[[ -z $sub ]] && COMPREPLY=($(compgen -W "info" -- "$cur"))
		;;
	events)
		COMPREPLY=($(compgen -W "--count --json" -- "$cur"))
		;;
	stats)
		COMPREPLY=($(compgen -W "--prometheus --json" -- "$cur"))
		;;
	exec)
		# After "--" (or the first word that is not an option): CMD and its arguments.
		for ((i = 2; i < cword; i++)); do
			if [[ ${words[i]} == -- ]]; then
				_command_offset $((i + 1))
				return
			fi
		done
		COMPREPLY=($(compgen -W "--port --" -- "$cur"))
		;;
	esac
} &&
	complete -F _nmctl nmctl
