# SPDX-License-Identifier: BSD-2-Clause
# bash completion for netmapd(8): options, and configuration files for the
# options that take one.

_netmapd()
{
	local cur prev words cword
	_init_completion || return

	case $prev in
	-c | --config | --plan | --state | -n | --check)
		_filedir '@(yaml|yml|json)'
		return
		;;
	--socket | --device)
		_filedir
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "--check --no-host --config --plan --state --socket
			--no-module --no-release-watch --device --verbose --help --version" -- "$cur"))
		return
	fi
	_filedir '@(yaml|yml)'
} &&
	complete -F _netmapd netmapd
