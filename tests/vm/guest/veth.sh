# SPDX-License-Identifier: BSD-2-Clause
# The network test bed works: veth.ko loads, namespaces and a veth pair come
# up, and the two ends ping each other.
#
#   [ns a: va 10.99.0.1] <---- veth ----> [ns b: vb 10.99.0.2]
. /tests/lib.sh
insmod /lib/modules/veth.ko || fail "insmod veth"
$IP netns add a
$IP netns add b
$IP link add va netns a type veth peer name vb netns b
$IP -n a addr add 10.99.0.1/24 dev va
$IP -n b addr add 10.99.0.2/24 dev vb
$IP -n a link set va up
$IP -n b link set vb up
$IP netns exec a ping -c 2 -W 2 10.99.0.2 || fail "ping across veth"
ok "ping across veth"
$IP netns del a
$IP netns del b
