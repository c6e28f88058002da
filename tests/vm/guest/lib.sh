# SPDX-License-Identifier: BSD-2-Clause
# Helpers for guest tests; source it with `. /tests/lib.sh`.
IP=/opt/bin/ip

fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

# run CMD [ARGS...]: print "+ CMD ARGS" on stderr (so that $(run ...) keeps
# only the command's output), then run it; its exit status is run's.
# Foreground only: after "run CMD &", $! is a subshell's pid, not CMD's, and
# killing it leaves CMD running.
run() {
	echo "+ $*" >&2
	"$@"
}

# wait_text FILE TEXT [SECS [COUNT]]: until programs in the background have
# written COUNT (default 1) lines that match TEXT (their ready lines) to
# FILE, however slow the machine; FILE may be a pattern of several files
# ("$W/atk.*"). A failure after SECS (default 30) seconds, a guard only.
wait_text() {
	_tries=0
	until [ "$(_text_count "$1" "$2")" -ge "${4:-1}" ]; do
		_tries=$((_tries + 1))
		[ $_tries -lt $((${3:-30} * 10)) ] || {
			# shellcheck disable=SC2086
			cat $1
			fail "$1: $(_text_count "$1" "$2") of ${4:-1} '$2' after ${3:-30} s"
		}
		sleep 0.1
	done
}

# shellcheck disable=SC2086
_text_count() { cat $1 2>/dev/null | grep -c -- "$2"; }

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	ok "$1 = $3"
}

# start_netmapd CONF [netmapd options...]: netmapd on CONF in the background
# (state $W/state.json, no module loading, its output appended to $LOG),
# its pid in DPID. Then it waits until the daemon answers on $S
# (`nmd_client -s $S call status` when the test has nmd_client, else
# `nmctl -s $S status` exiting 0) and fails with the log if the daemon exits
# or has not answered within NM_UP_TRIES tenths of a second (default 300);
# NM_UP_TRIES=0 returns at once.
start_netmapd() {
	_conf=$1
	shift
	echo "+ netmapd -c $_conf --state $W/state.json --no-module${*:+ $*} >>$LOG 2>&1 &" >&2
	netmapd -c "$_conf" --state "$W/state.json" --no-module "$@" >>"$LOG" 2>&1 &
	DPID=$!
	_tries=${NM_UP_TRIES:-300}
	[ "$_tries" = 0 ] && return 0
	_i=0
	until _netmapd_answers; do
		_i=$((_i + 1))
		if [ $_i -gt "$_tries" ] || ! kill -0 $DPID 2>/dev/null; then
			cat "$LOG"
			fail "netmapd did not come up"
		fi
		sleep 0.1
	done
	ok "netmapd is up (pid $DPID)"
}

_netmapd_answers() {
	if command -v nmd_client >/dev/null; then
		nmd_client -s "$S" call status >/dev/null 2>&1
	else
		nmctl -s "$S" status >/dev/null 2>&1
	fi
}

# stop_netmapd: SIGTERM to DPID; fails unless netmapd exits 0.
stop_netmapd() {
	echo "+ kill -TERM $DPID (netmapd)" >&2
	kill -TERM $DPID
	_rc=0
	wait $DPID || _rc=$?
	DPID=
	[ $_rc = 0 ] || fail "netmapd exit code $_rc after SIGTERM"
}

param() { cat "/sys/module/netmap/parameters/$1"; }

# Load netmap.ko if it is not loaded yet (tests may run alone).
ensure_netmap() {
	[ -d /sys/module/netmap ] || insmod "$NM_KO" "$@" || fail "insmod netmap.ko"
}

# pg_run MODE FRAMES TXPORT RXPORT SECS [tx options]: nm-pktgen tx for SECS s
# (MODE poll|busy, FRAMES reuse|touch) into TXPORT. RXPORT: a port that
# nm-pktgen rx counts, "hold:PORT" (bound by a process that never reads its
# RX ring) or "-" (none). Prints what the programs print and sets PG_RC (tx
# exit status), PG_SENT, PG_RECV (= PG_SENT without a receiver) and PG_MPPS
# (the receiver's rate, else the sender's). Files in /tmp/pg.*.
# PG_TX_CPU / PG_RX_CPU, when set, pin the sender / receiver to that CPU.
pg_run() {
	_md=$1 _fr=$2 _txp=$3 _rxp=$4 _secs=$5
	shift 5
	_b= _ta= _holder= _rxpid= _txpin= _rxpin=
	[ -n "${PG_TX_CPU:-}" ] && _txpin="taskset -c $PG_TX_CPU"
	[ -n "${PG_RX_CPU:-}" ] && _rxpin="taskset -c $PG_RX_CPU"
	[ "$_md" = busy ] && _b=--busy
	[ "$_fr" = touch ] && _ta=--touch-all
	case $_rxp in
	hold:*)
		nm-pktgen -i "${_rxp#hold:}" -f tx -R 1 -S 02:00:00:00:00:95 -D 02:00:00:00:00:97 -T 0 \
			>/dev/null 2>&1 &
		_holder=$!
		sleep 1 ;;
	-) ;;
	*)
		# shellcheck disable=SC2086
		$_rxpin nm-pktgen -i "$_rxp" -f rx -T 0 --json $_b >/tmp/pg.rx 2>/tmp/pg.rx.err &
		_rxpid=$!
		_tries=0
		until grep -q '"event":"ready"' /tmp/pg.rx.err 2>/dev/null || [ $_tries -ge 200 ]; do
			_tries=$((_tries + 1)); sleep 0.1
		done ;;
	esac
	echo "+ nm-pktgen -i $_txp -f tx $_b $_ta --duration $_secs $* (rx: $_rxp)"
	# shellcheck disable=SC2086
	timeout $((_secs + 60)) $_txpin nm-pktgen -i "$_txp" -f tx -T 0 --json $_b $_ta --duration "$_secs" "$@" \
		>/tmp/pg.tx 2>/tmp/pg.tx.err
	PG_RC=$?
	[ -n "$_holder" ] && { kill "$_holder"; wait "$_holder" 2>/dev/null; }
	if [ -n "$_rxpid" ]; then
		# tx drained its ring before exiting: everything was received by now
		sleep 0.5
		kill -INT "$_rxpid"
		wait "$_rxpid"
	fi
	cat /tmp/pg.tx
	[ -n "$_rxpid" ] && cat /tmp/pg.rx
	[ $PG_RC = 0 ] || cat /tmp/pg.tx.err
	PG_SENT=$(sed -n 's/.*"packets":\([^,}]*\).*/\1/p' /tmp/pg.tx | head -n1)
	PG_MPPS=$(sed -n 's/.*"mpps":\([^,}]*\).*/\1/p' /tmp/pg.tx | head -n1)
	PG_RECV=$PG_SENT
	if [ -n "$_rxpid" ]; then
		PG_RECV=$(sed -n 's/.*"packets":\([^,}]*\).*/\1/p' /tmp/pg.rx | head -n1)
		PG_MPPS=$(sed -n 's/.*"mpps":\([^,}]*\).*/\1/p' /tmp/pg.rx | head -n1)
	fi
	[ -n "$PG_SENT" ] && [ -n "$PG_RECV" ] || PG_RC=1
}
