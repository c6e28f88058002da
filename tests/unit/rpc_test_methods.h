/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rpc_test_methods.h - the methods that test_rpc and the fuzz_rpc target
 * both serve, so the tests check the handlers the fuzzer drives:
 *   echo {text, n?, flag?, f?}      -> {text, n}: flat parameters of each type;
 *   nested {ring: {slots, rings?}, names?: [2 strings], any?}
 *                                   -> {slots, any?}: nested objects and arrays,
 *                                      errors naming "ring.slots", "names[1]";
 *   fail {errno: 1..200, context?}  -> that errno as an error, with a message
 *                                      of its own when "context";
 *   admin.poke                      -> {poked: true}, for admins only;
 *   events.subscribe/unsubscribe    (rpc.c's own).
 * A program lists RPC_TEST_METHODS first in its method table, then its own.
 */
#ifndef NM_TEST_RPC_TEST_METHODS_H
#define NM_TEST_RPC_TEST_METHODS_H

#include "rpc.h"

int rpc_test_echo(struct rpc_call *call, json_t *params);
int rpc_test_nested(struct rpc_call *call, json_t *params);
int rpc_test_fail(struct rpc_call *call, json_t *params);
int rpc_test_admin_poke(struct rpc_call *call, json_t *params);

#define RPC_TEST_METHODS							\
	{ "echo", rpc_test_echo, RPC_PRIV_PUBLIC },				\
	{ "nested", rpc_test_nested, RPC_PRIV_PUBLIC },				\
	{ "fail", rpc_test_fail, RPC_PRIV_PUBLIC },				\
	{ "admin.poke", rpc_test_admin_poke, RPC_PRIV_ADMIN },			\
	{ "events.subscribe", rpc_method_events_subscribe, RPC_PRIV_PUBLIC },	\
	{ "events.unsubscribe", rpc_method_events_unsubscribe, RPC_PRIV_PUBLIC }

#endif /* NM_TEST_RPC_TEST_METHODS_H */
