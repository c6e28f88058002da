# SPDX-License-Identifier: BSD-2-Clause
# The network test bed works: veth.ko loads, namespaces and a veth pair come
# up, and the two ends ping each other.
#
#   [ns a: va 10.99.0.1] <---- veth ----> [ns b: vb 10.99.0.2]
. /tests/lib.sh
insmod /lib/modules/veth.ko || fail "insmod veth"
run $IP netns add a
run $IP netns add b
run $IP link add va netns a type veth peer name vb netns b
run $IP -n a addr add 10.99.0.1/24 dev va
run $IP -n b addr add 10.99.0.2/24 dev vb
run $IP -n a link set va up
run $IP -n b link set vb up
run $IP netns exec a ping -c 2 -W 2 10.99.0.2 || fail "ping across veth"
ok "ping across veth"
run $IP netns del a
run $IP netns del b
