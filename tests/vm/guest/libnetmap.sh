# SPDX-License-Identifier: BSD-2-Clause
# libnetmap and the NETMAP_WITH_LIBS helpers as applications use them, with
# programs built against a staged install with pkg-config (nml_example:
# netmap(4)'s nm_open/poll/nm_inject/nm_dispatch; nml_pktgen and nml_bridge:
# netmap's pkt-gen and bridge on nmport_*). Every receiver counts only the
# test's own frames.
#
#  as root, no daemon:
#    1. pipe      nml_pktgen tx lnp{1 ==> lnp}1 nml_example rx
#    2. zerocopy  nml_example tx lnz{1 ==> lnz}1 =nml_bridge=> lnz{2 ==> lnz}2 nml_pktgen rx
#    3. VALE+NIC  nml_example tx vale7:x -> vale7 -> vale7:y =nml_bridge=> netmap:lna
#                 -veth-> netmap:lnb nml_pktgen rx
#  as uid 1000, the same binaries, netmapd running (/dev/netmap is 0600 root):
#    4. nml_example tx vale9:u1 (handed by `nmctl exec`, NMD_FALLBACK=handed)
#       -> vale9 -> vale9:u3 =nml_bridge (asks netmapd)=> vale8:w1 -> vale8
#       -> vale8:w2 nml_pktgen rx (asks netmapd)
#    5. refusals: a port outside the file, another uid, NMD_FALLBACK=off.
. /tests/lib.sh
[ -c /dev/netmap ] || fail "/dev/netmap missing (module-load must run first)"
[ -d /sys/module/veth ] || insmod /lib/modules/veth.ko || fail "insmod veth"
T0=$(cut -d' ' -f1 /proc/uptime)
# Seconds since the start, for the log (the test must stay short under TCG).
elapsed() { awk -v t0="$T0" '{ printf "%.1f", $1 - t0 }' /proc/uptime; }
W=/tmp/libnetmap-test
S=/run/netmapd/libnetmap.sock
N=300
rm -rf "$W"
mkdir -p "$W" /run/netmapd
DPID=
BG=

cleanup() {
	rc=$?
	for p in $BG; do kill -9 "$p" 2>/dev/null || true; done
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null
	[ $rc = 0 ] || { echo "--- daemon log"; cat "$W/daemon.log" 2>/dev/null; }
	$IP link del lna 2>/dev/null || true
	exit $rc
}
trap cleanup EXIT

# bg NAME CMD...: start CMD in the background (output in $W/NAME), wait for its "ready".
bg() {
	_n=$1
	shift
	"$@" >"$W/$_n" 2>"$W/$_n.err" &
	_p=$!
	BG="$BG $_p"
	eval "PID_$_n=$_p"
	_i=0
	until grep -q '^ready' "$W/$_n" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 $_p 2>/dev/null; then
			cat "$W/$_n" "$W/$_n.err"
			fail "$_n did not get ready"
		fi
		sleep 0.05
	done
}

# done_ok NAME WORD: NAME exited 0 and printed "WORD $N".
done_ok() {
	eval "_p=\$PID_$1"
	wait "$_p" || { cat "$W/$1" "$W/$1.err"; fail "$1 exited with $?"; }
	grep -q "^$2 $N\$" "$W/$1" || { cat "$W/$1" "$W/$1.err"; fail "$1: no '$2 $N'"; }
}

# --- 1. pipe -------------------------------------------------------------
bg rx1 nml_example rx 'netmap:lnp}1' $N 20
nml_pktgen tx 'netmap:lnp{1' $N 20 >"$W/tx1" 2>&1 || { cat "$W/tx1"; fail "nml_pktgen tx on a pipe"; }
done_ok rx1 received
ok "pipe: nml_pktgen (libnetmap) -> nml_example (nm_dispatch): $N frames ($(elapsed) s)"

# --- 2. bridge, zero-copy between two pipes of one parent -----------------
bg rx2 nml_pktgen rx 'netmap:lnz}2' $N 20
bg br2 nml_bridge 'netmap:lnz}1' 'netmap:lnz{2' $N 20
grep -q '^ready zerocopy' "$W/br2" || fail "pipes of one parent: the bridge did not see one region"
nml_example tx 'netmap:lnz{1' $N 20 >"$W/tx2" 2>&1 || { cat "$W/tx2"; fail "nml_example tx (nm_inject)"; }
done_ok br2 forwarded
done_ok rx2 received
ok "zero-copy bridge over pipes: $N frames ($(elapsed) s)"

# --- 3. VALE, copy bridge, veth NIC --------------------------------------
$IP link add lna type veth peer name lnb
for i in lna lnb; do
	echo 1 >/proc/sys/net/ipv6/conf/$i/disable_ipv6 2>/dev/null || true
	$IP link set $i up
done
bg rx3 nml_pktgen rx netmap:lnb $N 25
bg br3 nml_bridge vale7:y netmap:lna $N 25
grep -q '^ready copy' "$W/br3" || fail "VALE port and NIC: the bridge should copy"
nml_example tx vale7:x $N 25 >"$W/tx3" 2>&1 || { cat "$W/tx3"; fail "nml_example tx on vale7:x"; }
done_ok br3 forwarded
done_ok rx3 received
ok "VALE -> copy bridge -> veth NIC: $N frames ($(elapsed) s)"
$IP link del lna

# --- 4. the same binaries as uid 1000, through netmapd --------------------
cat >"$W/netmapd.yaml" <<EOT
version: 1
socket:
  path: $S
  mode: "0666"
  group: 0
admin:
  users: [0]
switches:
  - name: vale9
    ports:
      - ephemeral: u1
        access:
          users: [1000]
      - ephemeral: u3
        access:
          users: [1000]
  - name: vale8
    ports:
      - ephemeral: w1
        access:
          users: [1000]
      - ephemeral: w2
        access:
          users: [1000]
EOT
export NETMAPD_SOCKET=$S
netmapd -c "$W/netmapd.yaml" --state "$W/state.json" --no-module >"$W/daemon.log" 2>&1 &
DPID=$!
i=0
until nmctl status >/dev/null 2>&1; do
	i=$((i + 1))
	{ [ $i -le 100 ] && kill -0 $DPID 2>/dev/null; } || fail "netmapd did not come up"
	sleep 0.1
done
bg rx4 runas 1000 1000 nml_pktgen rx vale8:w2 $N 25
bg br4 runas 1000 1000 nml_bridge vale9:u3 vale8:w1 $N 25
runas 1000 1000 nmctl exec --port vale9:u1 -- env NMD_FALLBACK=handed \
	nml_example tx vale9:u1 $N 25 >"$W/tx4" 2>&1 || { cat "$W/tx4"; fail "tx on the handed port"; }
done_ok br4 forwarded
done_ok rx4 received
ok "uid 1000: nm_open on a handed fd -> bridge and sink asking netmapd: $N frames ($(elapsed) s)"

# --- 5. refusals -----------------------------------------------------------
refused() {	# refused WHY CMD...: CMD fails, saying WHY on stderr
	_why=$1
	shift
	if "$@" >"$W/ref" 2>&1; then cat "$W/ref"; fail "accepted: $*"; fi
	grep -q "$_why" "$W/ref" || { cat "$W/ref"; fail "no '$_why' from: $*"; }
}
refused "Permission denied" runas 1000 1000 nml_example rx vale9:other 1 2
refused "Permission denied" runas 2000 2000 nml_bridge vale9:u3 vale8:w1 1 2
refused "Permission denied.*NMD_FALLBACK=off" runas 1000 1000 env NMD_FALLBACK=off nml_pktgen rx vale8:w2 1 2
ok "refused: ports outside the file, another uid, the fallback turned off ($(elapsed) s)"
echo "libnetmap: $(elapsed) s"
