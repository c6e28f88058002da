# SPDX-License-Identifier: BSD-2-Clause
# Crash safety of netmapd (issue 13, SECURITY.md rule 7) on the real module
# and a real NIC (a veth): the daemon is killed with SIGKILL right after
# each step of an apply that changes something (every NIOCCTRL that
# changes the kernel, every NIC ioctl that changes a setting, every state
# file write: the LD_PRELOAD shim nm_crash.so), for N = 1, 2, ... until
# the apply runs to its end. After each kill the daemon is started again
# (no shim) with an empty file: from the state file the crash left (its
# intent included) it must remove everything it made and leave the NIC
# with exactly its original settings (every feature's requested/active
# bit, up, promiscuous, read by nm_nicprep's own ioctls), no netdev and no
# VALE port behind: anything the state did not know would stay. Once, a
# restart with the whole file after a kill right after the NIC's prepare
# must finish the apply and know every netdev. Then: a damaged state file
# (truncated, a FIFO, a symlink) is moved aside and the daemon starts; a
# FIFO or a symlink as the configuration is refused at once. (The removal
# direction, every step of every kind, is crash-tested on the host:
# tests/unit/test_engine.c.) Each start of the daemon takes 2-3 s in TCG.
. /tests/lib.sh
[ -c /dev/netmap ] || fail "/dev/netmap missing (module-load must run first)"
W=/tmp/nmcrash
S=/run/nmcrash/sock
CONF=$W/netmapd.yaml
ST=$W/state.json
LOG=$W/daemon.log
SHIM=/usr/local/bin/nm_crash.so
C="nmd_client -s $S"
DPID=
rm -rf "$W"
mkdir -p "$W"
[ -d /sys/module/veth ] || insmod /lib/modules/veth.ko || fail "insmod veth"
$IP link add cra type veth peer name crb || fail "veth"

cleanup() {
	rc=$?
	[ -n "$DPID" ] && kill -KILL $DPID 2>/dev/null
	[ $rc = 0 ] || { echo "--- daemon log (tail)"; tail -n 60 "$LOG"; echo "--- state"; cat "$ST"; }
	$IP link del cra 2>/dev/null
	for d in cr0; do [ -e /sys/class/net/$d ] && echo "left behind: $d"; done
	exit $rc
}
trap cleanup EXIT

conf_full() {
	cat >"$CONF" <<EOT
version: 1
socket:
  path: $S
  mode: "0600"
admin:
  users: [0]
switches:
  - name: vale0
    ports:
      - persistent: cr0
      - nic: cra
        host: true
pipes:
  - parent: cr0
    ids: [1]
EOT
}
conf_empty() {
	printf 'version: 1\nsocket:\n  path: %s\n  mode: "0600"\nadmin:\n  users: [0]\n' "$S" >"$CONF"
}

# start [ENV...]: start netmapd (with ENV); 0 once it answers, 1 if it died.
start() {
	env "$@" netmapd -c "$CONF" --state "$ST" --no-module >>"$LOG" 2>&1 &
	DPID=$!
	i=0
	until $C call status >/dev/null 2>&1; do
		if ! kill -0 $DPID 2>/dev/null; then
			wait $DPID
			DRC=$?
			DPID=
			return 1
		fi
		i=$((i + 1))
		[ $i -lt 600 ] || fail "netmapd neither came up nor died"
		sleep 0.05
	done
	return 0
}
stop() {
	kill -TERM $DPID
	wait $DPID || fail "netmapd did not stop cleanly"
	DPID=
}
# The daemon has applied its file: topology.plan is empty.
applied() {
	out=$($C call topology.plan) || fail "topology.plan ($1): $out"
	echo "$out" | grep -q '"empty":true' || fail "$1: not applied: $out"
}
# Every netdev that was not there at the start is in the state file.
known() {
	for d in $(ls /sys/class/net); do
		grep -qx "$d" $W/netdevs.before && continue
		grep -q "\"name\":\"$d\"" "$ST" || fail "$1: netdev $d exists, the state does not know it"
	done
}
# SIGHUP with the empty file, wait for the state to be empty, then stop.
empty_and_stop() {
	conf_empty
	kill -HUP $DPID
	i=0
	until grep -q '"objects": \[\]}' "$ST" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 600 ] || fail "$1: the empty file was not applied"
		sleep 0.05
	done
	sw=$($C call switch.list) || fail "switch.list"
	echo "$sw" | grep -q 'vale0:' && fail "$1: ports left on vale0: $sw"
	stop
}
# The NIC and the netdevs as at the start.
pristine() {
	nm_nicprep snapshot cra >$W/nic.now
	cmp -s $W/nic.before $W/nic.now || { diff $W/nic.before $W/nic.now; fail "$1: cra not restored"; }
	ls /sys/class/net | sort >$W/netdevs.now
	cmp -s $W/netdevs.before $W/netdevs.now ||
		{ diff $W/netdevs.before $W/netdevs.now; fail "$1: netdevs left behind"; }
}

nm_nicprep snapshot cra >$W/nic.before
ls /sys/class/net | sort >$W/netdevs.before
grep flags $W/nic.before
t0=$(date +%s)

echo "== kill -9 after each step of applying the file; restart with an empty file"
n=1
while :; do
	rm -f "$ST" $W/steps
	conf_full
	if start NETMAPD_CRASH_AT=$n NETMAPD_CRASH_LOG=$W/steps LD_PRELOAD=$SHIM; then
		applied "no kill at step $n"
		total=$((n - 1))
		stop	# still under the shim: a reload would count on
		conf_empty
		start || fail "the start with an empty file"
		stop
		pristine "the run without a kill"
		break
	fi
	[ "$DRC" = 137 ] || fail "step $n: netmapd exited $DRC, not killed"
	echo "step $n: killed after $(tail -n 1 $W/steps)"
	conf_empty
	start || fail "step $n: the restart failed"
	grep -q '"objects": \[\]}' "$ST" || fail "step $n: the state is not empty: $(cat $ST)"
	stop
	pristine "step $n"
	n=$((n + 1))
	[ $n -lt 100 ] || fail "the apply never ends"
done
[ "$total" -ge 10 ] || fail "only $total steps: the shim does not see the daemon's calls"
cat $W/steps
ok "killed after each of the $total steps of the apply: the next start removed everything and restored cra exactly ($(($(date +%s) - t0)) s)"

echo "== killed right after the NIC's prepare: the next start finishes the apply"
k=$(grep -m1 -n 'setflags cra' $W/steps | cut -d: -f1)
k=$(sed -n "${k}p" $W/steps | cut -d' ' -f1)
rm -f "$ST" $W/steps
conf_full
start NETMAPD_CRASH_AT=$((k + 1)) NETMAPD_CRASH_LOG=$W/steps LD_PRELOAD=$SHIM && fail "not killed"
tail -n 1 $W/steps
grep -q '"intent": {"op":"make","object":{"kind":"nic","name":"cra"' "$ST" ||
	fail "no intent for cra's prepare: $(cat $ST)"
grep -q '"was_promisc":false' "$ST" || fail "the intent lacks cra's originals: $(cat $ST)"
start || fail "the restart failed"
applied "restart after the prepare"
known "restart after the prepare"
grep -q "recovery: NIC cra was being prepared" "$LOG" || fail "the recovery is not logged"
nm_nicprep snapshot cra | grep -q "flags up=1 promisc=1" || fail "cra not prepared"
empty_and_stop "restart after the prepare"
pristine "restart after the prepare"
ok "the intent had cra's originals; the restart restored them, applied the file, knew every netdev"

echo "== damaged state files are moved aside; the daemon starts"
for kind in truncated fifo symlink; do
	conf_full
	rm -f "$ST" "$ST".damaged-* $W/elsewhere
	case $kind in
	truncated) printf '{"version": 1, "objects": [\n {"kind":"persis' >"$ST" ;;
	fifo) mkfifo "$ST" ;;
	symlink) echo '{"version": 1, "objects": []}' >$W/elsewhere; ln -s $W/elsewhere "$ST" ;;
	esac
	: >"$LOG"
	start || { cat "$LOG"; fail "$kind state: the daemon did not start"; }
	applied "$kind state"
	grep -q "error: .*state file $ST is damaged: moved aside to $ST.damaged-" "$LOG" ||
		{ cat "$LOG"; fail "$kind state: not logged"; }
	ls "$ST".damaged-* >/dev/null 2>&1 || fail "$kind state: not kept aside"
	[ -f "$ST" ] && [ ! -L "$ST" ] || fail "$kind state: no new state file"
	[ $kind != symlink ] || [ "$(cat $W/elsewhere)" = '{"version": 1, "objects": []}' ] ||
		fail "the symlink was followed"
	empty_and_stop "$kind state"
	pristine "$kind state"
	ok "$kind state file: moved aside to $(ls -d "$ST".damaged-*), logged, daemon started"
done

echo "== a FIFO or a symlink as the configuration: refused at once"
conf_full
mv "$CONF" $W/real.yaml
mkfifo "$CONF"
rc=0
timeout 10 netmapd -c "$CONF" --state "$ST" --no-module >$W/out 2>&1 || rc=$?
cat $W/out
expect_eq "FIFO configuration: exit" $rc 1
grep -q "not a regular file (a FIFO)" $W/out || fail "FIFO: no reason"
rm -f "$CONF"
ln -s $W/real.yaml "$CONF"
rc=0
timeout 10 netmapd -c "$CONF" --state "$ST" --no-module >$W/out 2>&1 || rc=$?
cat $W/out
expect_eq "symlinked configuration: exit" $rc 1
grep -q "symbolic link" $W/out || fail "symlink: no reason"
ok "FIFO and symlink configurations refused at once"
