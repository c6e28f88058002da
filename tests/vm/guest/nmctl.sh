# SPDX-License-Identifier: BSD-2-Clause
# nmctl and libnmd against the real netmapd and netmap.ko (issue 8):
#
#          vale1 (VALE)                 pipe nmc0{1 <-> nmc0}1
#     +-------+--------+                (in nmc0's memory)
#  vale1:vm1  vale1:vm2  vale1:nmc0 (persistent)
#
# The daemon runs in the background (--no-module). Checked: nmctl's outputs
# (show as table, JSON and Graphviz, plan) against golden text; exit codes
# and hints (1 refused, 2 usage, 3 unreachable, 127 for a command that
# cannot run); `nmctl exec` started as uid 1000 runs nm_handed, which
# cannot open /dev/netmap (0600 root) yet passes packets through vale1 and
# through the pipe on the ports it was handed (fds 3.., LISTEN_*,
# NMD_PORTS; libnmd.so maps them); the holders show in `nmctl show`
# meanwhile; events and Prometheus stats; apply of an empty topology.
. /tests/lib.sh
[ -c /dev/netmap ] || fail "/dev/netmap missing (module-load must run first)"
expect_eq "mode of /dev/netmap" "$(stat -c %a /dev/netmap)" 600
W=/tmp/nmctl-test
S=/run/netmapd/nmctl.sock
CONF=$W/netmapd.yaml
LOG=$W/daemon.log
rm -rf "$W"
mkdir -p "$W" /run/netmapd
export NETMAPD_SOCKET=$S
DPID=

cat >"$CONF" <<EOT
version: 1
socket:
  path: $S
  mode: "0666"
  group: 0
admin:
  users: [0]
switches:
  - name: vale1
    ports:
      - ephemeral: vm1
        access:
          users: [1000]
      - ephemeral: vm2
        access:
          users: [1000]
      - persistent: nmc0
        access:
          users: [1000]
pipes:
  - parent: nmc0
    ids: [1]
    access:
      users: [1000]
EOT

dump_log() { echo "--- daemon log"; cat "$LOG"; echo "---"; }
trap 'rc=$?; [ $rc = 0 ] || dump_log; [ -n "$DPID" ] && kill -TERM $DPID 2>/dev/null; exit $rc' EXIT

# expect_out NAME: compare $W/NAME (what nmctl printed) with stdin.
expect_out() {
	cat >"$W/$1.want"
	if ! cmp -s "$W/$1.want" "$W/$1"; then
		echo "--- $1: got"
		cat "$W/$1"
		diff -u "$W/$1.want" "$W/$1" || true
		fail "$1 differs from the golden output"
	fi
	ok "$1 matches the golden output"
}

# rc_of CMD...: the exit code, with stdout/stderr in $W/out, $W/err.
rc_of() {
	set +e
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	set -e
	echo "$rc"
}

# --- 0. before the daemon: unreachable -----------------------------------
expect_eq "nmctl status without a daemon" "$(rc_of nmctl status)" 3
grep -q "systemctl status netmapd" "$W/err" || fail "no hint: $(cat "$W/err")"
ok "unreachable: exit 3 with the hint"

start_netmapd "$CONF"
run nmctl status

# --- 1. golden outputs ----------------------------------------------------
run nmctl plan "$CONF" >"$W/plan"
expect_out plan <<'EOT'
Nothing to do: the topology already matches.
EOT
run nmctl show >"$W/show"
expect_out show <<'EOT'
Switches
  NAME   PORTS
  vale1  1

Ports
  SWITCH  NAME        KIND        OWNED  INDEX
  vale1   vale1:nmc0  persistent  yes    0

NICs
  (none)

Pipes
  NAME    PEER    OWNED  HELD  FDNAME
  nmc0{1  nmc0}1  yes    yes   anchor-nmc0%7B1

Persistent ports
  NAME  OWNED  TX_RINGS  RX_RINGS  TX_SLOTS  RX_SLOTS
  nmc0  yes    1         1         1024      1024

Monitors
  (none)

Access (who may open what besides root and the admins; - : nobody)
  OBJECT      KIND        USERS  GROUPS  LINE
  vale1:vm1   ephemeral   1000   -       11
  vale1:vm2   ephemeral   1000   -       14
  vale1:nmc0  persistent  1000   -       17
  nmc0{1      pipe        1000   -       22
  nmc0}1      pipe        1000   -       22
  (admin)     admin       0      -       0

Holders
  (none)

Memory regions (who can reach them besides root and admins)
  REGION     KIND  USERS  GROUPS  SHARED  ALLOWED  OBJECTS
  vale1:vm1  port  1000   -       no      no       port vale1:vm1
  vale1:vm2  port  1000   -       no      no       port vale1:vm2
  nmc0       port  1000   -       no      no       port nmc0,pipes of nmc0
EOT
run nmctl show --format dot >"$W/show.dot"
expect_out show.dot <<'EOT'
digraph netmapd {
	rankdir=LR;
	node [fontname="sans-serif"];
	"switch:vale1" [shape=box, style=bold, label="vale1"];
	"port:vale1:nmc0" [shape=ellipse, label="vale1:nmc0"];
	"switch:vale1" -> "port:vale1:nmc0" [dir=none];
	"port:nmc0{1" [shape=ellipse, label="nmc0{1"];
	"port:nmc0}1" [shape=ellipse, label="nmc0}1"];
	"port:nmc0{1" -> "port:nmc0}1" [dir=both, label="pipe"];
	"port:vale1:vm1" [label="vale1:vm1"];
	"access:0" [shape=note, style=dotted, label="users: 1000\ngroups: -"];
	"access:0" -> "port:vale1:vm1" [style=dotted, arrowhead=none];
	"port:vale1:vm2" [label="vale1:vm2"];
	"access:1" [shape=note, style=dotted, label="users: 1000\ngroups: -"];
	"access:1" -> "port:vale1:vm2" [style=dotted, arrowhead=none];
	"port:vale1:nmc0" [label="vale1:nmc0"];
	"access:2" [shape=note, style=dotted, label="users: 1000\ngroups: -"];
	"access:2" -> "port:vale1:nmc0" [style=dotted, arrowhead=none];
	"port:nmc0{1" [label="nmc0{1"];
	"access:3" [shape=note, style=dotted, label="users: 1000\ngroups: -"];
	"access:3" -> "port:nmc0{1" [style=dotted, arrowhead=none];
	"port:nmc0}1" [label="nmc0}1"];
	"access:4" [shape=note, style=dotted, label="users: 1000\ngroups: -"];
	"access:4" -> "port:nmc0}1" [style=dotted, arrowhead=none];
}
EOT
run nmctl --json show >"$W/show.json"
expect_out show.json <<'EOT'
{
  "switches": [
    {
      "name": "vale1",
      "ports": [
        {
          "name": "vale1:nmc0",
          "kind": "persistent",
          "owned": true,
          "index": 0
        }
      ]
    }
  ],
  "pipes": [
    {
      "name": "nmc0{1",
      "peer": "nmc0}1",
      "owned": true,
      "held": true,
      "fdname": "anchor-nmc0%7B1"
    }
  ],
  "nics": [],
  "persistent": [
    {
      "name": "nmc0",
      "owned": true,
      "tx_rings": 1,
      "rx_rings": 1,
      "tx_slots": 1024,
      "rx_slots": 1024
    }
  ],
  "config": "/tmp/nmctl-test/netmapd.yaml",
  "regions": [
    {
      "region": "vale1:vm1",
      "kind": "port",
      "objects": [
        "port vale1:vm1"
      ],
      "users": [
        "1000"
      ],
      "groups": [],
      "shared": false,
      "allowed": false
    },
    {
      "region": "vale1:vm2",
      "kind": "port",
      "objects": [
        "port vale1:vm2"
      ],
      "users": [
        "1000"
      ],
      "groups": [],
      "shared": false,
      "allowed": false
    },
    {
      "region": "nmc0",
      "kind": "port",
      "objects": [
        "port nmc0",
        "pipes of nmc0"
      ],
      "users": [
        "1000"
      ],
      "groups": [],
      "shared": false,
      "allowed": false
    }
  ],
  "monitors": [],
  "access": [
    {
      "object": "vale1:vm1",
      "kind": "ephemeral",
      "users": [
        "1000"
      ],
      "groups": [],
      "line": 11
    },
    {
      "object": "vale1:vm2",
      "kind": "ephemeral",
      "users": [
        "1000"
      ],
      "groups": [],
      "line": 14
    },
    {
      "object": "vale1:nmc0",
      "kind": "persistent",
      "users": [
        "1000"
      ],
      "groups": [],
      "line": 17
    },
    {
      "object": "nmc0{1",
      "kind": "pipe",
      "users": [
        "1000"
      ],
      "groups": [],
      "line": 22
    },
    {
      "object": "nmc0}1",
      "kind": "pipe",
      "users": [
        "1000"
      ],
      "groups": [],
      "line": 22
    },
    {
      "object": "(admin)",
      "kind": "admin",
      "users": [
        "0"
      ],
      "groups": [],
      "line": 0
    }
  ],
  "holders": []
}
EOT
run nmctl module info
run nmctl port list

# --- 2. exit codes and hints ----------------------------------------------
expect_eq "unknown command" "$(rc_of nmctl frobnicate)" 2
expect_eq "plan without a file" "$(rc_of nmctl plan)" 2
expect_eq "port open as uid 2000" "$(rc_of runas 2000 2000 nmctl port open vale1:vm1)" 1
cat "$W/err"
grep -q "ask an admin to add you to the access list of vale1:vm1 in /etc/netmapd/netmapd.yaml" "$W/err" ||
	fail "no access-list hint"
expect_eq "apply as uid 1000 (not an admin)" "$(rc_of runas 1000 1000 nmctl apply "$CONF")" 1
cat "$W/err"
expect_eq "uid 1000 opens a port outside the file" "$(rc_of runas 1000 1000 nmctl port open vale1:nosuch)" 1
cat "$W/err"
expect_eq "exec as uid 2000" "$(rc_of runas 2000 2000 nmctl exec --port vale1:vm1 -- true)" 1
expect_eq "exec of a missing command" "$(rc_of runas 1000 1000 nmctl exec --port vale1:vm1 -- /nonexistent)" 127
expect_eq "exec: the command's status" "$(rc_of runas 1000 1000 nmctl exec --port vale1:vm1 -- sh -c 'exit 9')" 9
ok "exit codes"

# --- 3. events, then nmctl exec as uid 1000 -------------------------------
nmctl events --count 2 >"$W/events" 2>&1 &
EV=$!
sleep 0.5
rc=$(rc_of runas 1000 1000 nmctl exec --port vale1:vm1=a --port vale1:vm2=b \
	--port 'nmc0{1=pm' --port 'nmc0}1=ps' -- nm_handed 20000 a b pm ps)
cat "$W/out" "$W/err"
cp "$W/out" "$W/handed"
expect_eq "nmctl exec nm_handed (as uid 1000)" "$rc" 0
grep -q "a -> b: 20000 sent, 20000 received, 0 bad" "$W/handed" || fail "VALE transfer"
grep -q "pm -> ps: 20000 sent, 20000 received, 0 bad" "$W/handed" || fail "pipe transfer"
ok "uid 1000, without /dev/netmap, passed 20000 packets through vale1 and 20000 through a pipe"
wait $EV || fail "nmctl events"
cat "$W/events"
grep -q "port.opened .*name=vale1:vm1" "$W/events" || fail "no port.opened event"
ok "events"

# nm-pktgen on ports netmapd handed it (env:LABEL), as uid 1000: the sink
# and the generator each get one end of the pipe from their own nmctl exec.
runas 1000 1000 nmctl exec --port 'nmc0}1=sink' -- nm-pktgen -i env:sink -f rx -n 5000 --json \
	>"$W/pg-rx" 2>"$W/pg-rx.err" &
PGRX=$!
sleep 1
runas 1000 1000 nmctl exec --port 'nmc0{1=gen' -- nm-pktgen -i env:gen -f tx -n 5000 -l 60 --json \
	>"$W/pg-tx" 2>"$W/pg-tx.err" || { cat "$W/pg-tx" "$W/pg-tx.err"; fail "nm-pktgen tx on env:gen"; }
wait $PGRX || { cat "$W/pg-rx" "$W/pg-rx.err"; fail "nm-pktgen rx on env:sink"; }
cat "$W/pg-tx" "$W/pg-rx"
grep -q '"packets":5000,' "$W/pg-tx" || fail "nm-pktgen tx did not send 5000"
grep -q '"packets":5000,' "$W/pg-rx" || fail "nm-pktgen rx did not receive 5000"
ok "nm-pktgen on handed ports: 5000 sent, 5000 received over nmc0{1 -> nmc0}1"

# The holder shows while the program runs.
run runas 1000 1000 nmctl exec --port vale1:vm1 -- nmctl show >"$W/held"
cat "$W/held"
grep -A3 '^Holders' "$W/held" | grep -q "vale1:vm1  all   1000" || fail "holder not shown"
ok "nmctl show lists the holder"

# --- 4. stats --------------------------------------------------------------
run nmctl stats --prometheus >"$W/prom"
cat "$W/prom"
grep -q '^netmapd_rpc_requests_total [0-9]' "$W/prom" || fail "no rpc counter"
grep -q '^# TYPE netmapd_port_tx_packets_total counter' "$W/prom" || fail "no port counter"
grep -q '^netmapd_port_tx_packets_total{port="vale1:nmc0",kind="persistent"} ' "$W/prom" || fail "no counter for vale1:nmc0"
ok "Prometheus text"

# --- 5. empty topology, stop ----------------------------------------------
echo "version: 1" >"$W/empty.yaml"
run nmctl apply "$W/empty.yaml" | tee "$W/apply"
grep -q "^Applied: [1-9]" "$W/apply" || fail "apply of the empty topology did nothing"
[ ! -e /sys/class/net/nmc0 ] || fail "nmc0 still exists"
kill -TERM $DPID
wait $DPID
rc=$?
DPID=
expect_eq "netmapd exit code" "$rc" 0
ok "nmctl test done"
