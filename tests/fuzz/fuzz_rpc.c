/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_rpc - libFuzzer target for netmapd's JSON-RPC request parser and
 * dispatcher (daemon/rpc*.c): one input is one request line, handled by
 * rpc_server_eval() against a method table that exercises parameter
 * unpacking (flat, optional, nested, arrays), errno mapping, the admin
 * check (test_rpc's methods, rpc_test_methods.c) and descriptor attachment. Built with -fsanitize=fuzzer,address,
 * undefined, so memory errors, leaks and undefined behaviour are crashes;
 * besides those it aborts when a response breaks the protocol:
 *   - not one line of JSON (a "\n" inside, or unparsable);
 *   - an object without "jsonrpc": "2.0" and "id", or without exactly one
 *     of "result" and "error"; an empty batch array;
 *   - an error code outside the documented set, a message that is not a
 *     string, or -32602 without naming a field when one was at fault;
 *   - descriptors attached but not announced in result.fds, or the
 *     reverse.
 * Run it with tests/fuzz/run.sh.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rpc.h"
#include "rpc_test_methods.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Attaches @count descriptors (of /dev/null); fails after if "fail". */
struct fds_params {
	json_int_t count;
	bool fail;
};

static const struct rpc_param fds_table[] = {
	RPC_PARAM_FIELD("count", RPC_PARAM_INTEGER, RPC_PARAM_REQUIRED, struct fds_params, count,
			NULL),
	RPC_PARAM_FIELD("fail", RPC_PARAM_BOOLEAN, 0, struct fds_params, fail, NULL),
	{}
};

static int m_fds(struct rpc_call *call, json_t *params)
{
	struct fds_params p = { 0 };
	json_int_t count;
	bool fail;
	int r = rpc_params(call, params, fds_table, &p);

	if (r < 0)
		return r;
	count = p.count;
	fail = p.fail;
	if (count < 0 || count > RPC_MAX_FDS + 2)
		return -ERANGE;
	for (json_int_t i = 0; i < count; i++) {
		r = rpc_call_attach_fd(call, "null", open("/dev/null", O_RDONLY | O_CLOEXEC));
		if (r < 0)
			return rpc_call_errno(call, r, "attach");
	}
	rpc_call_set_result(call, json_pack("{s:I}", "count", count));
	return fail ? -EBUSY : 0;
}

static const struct rpc_method methods[] = {
	RPC_TEST_METHODS,
	{ "fds", m_fds, RPC_PRIV_PUBLIC },
};

static void quiet(void *userdata, int priority, const char *msg)
{
	(void)userdata;
	(void)priority;
	(void)msg;
}

static bool known_code(json_int_t c)
{
	switch (c) {
	case RPC_ERR_PARSE: case RPC_ERR_INVALID_REQUEST:
	case RPC_ERR_METHOD_NOT_FOUND: case RPC_ERR_INVALID_PARAMS:
	case RPC_ERR_INTERNAL: case RPC_ERR_PERMISSION: case RPC_ERR_NOT_FOUND:
	case RPC_ERR_BUSY: case RPC_ERR_CAPACITY: case RPC_ERR_KERNEL:
	case RPC_ERR_STATE: case RPC_ERR_UNSUPPORTED: case RPC_ERR_CONFIG:
		return true;
	default:
		return false;
	}
}

/* Checks one response object; returns the descriptors it announces. */
static size_t check_response(json_t *r)
{
	json_t *result, *error, *fds;

	if (!json_is_object(r))
		abort();
	if (!json_is_string(json_object_get(r, "jsonrpc")) ||
	    strcmp(json_string_value(json_object_get(r, "jsonrpc")), "2.0") != 0)
		abort();
	if (!json_object_get(r, "id") || json_object_size(r) != 3)
		abort();
	result = json_object_get(r, "result");
	error = json_object_get(r, "error");
	if (!result == !error)
		abort();
	if (error) {
		json_t *code = json_object_get(error, "code"), *data;

		if (!json_is_integer(code) || !known_code(json_integer_value(code)))
			abort();
		if (!json_is_string(json_object_get(error, "message")))
			abort();
		data = json_object_get(error, "data");
		if (json_integer_value(code) == RPC_ERR_INVALID_PARAMS && data &&
		    json_object_get(data, "field") &&
		    !json_is_string(json_object_get(data, "field")))
			abort();
		return 0;
	}
	fds = json_object_get(result, "fds");
	if (json_is_object(result) && fds) {
		if (!json_is_array(fds))
			abort();
		return json_array_size(fds);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_base *base;
	static struct rpc_server *s;
	static gid_t groups[] = { 4242 };
	struct rpc_peer peer = {
		.uid = 1000, .gid = 1000, .pid = 1,
		.groups = groups, .n_groups = 0, .groups_known = true,
	};
	size_t announced = 0, i;
	char *resp = NULL;
	json_t *j, *e;
	int n;

	if (!s) {
		static const gid_t admin = 4242;
		struct rpc_policy p = { .root_is_admin = true, .admin_gids = &admin, .n_admin_gids = 1 };
		struct rpc_options o = { .max_line = 16384, .log = quiet };

		base = event_base_new();
		if (!base || rpc_server_new(base, methods, sizeof(methods) / sizeof(methods[0]),
					    &o, NULL, &s) < 0 ||
		    rpc_server_set_policy(s, &p) < 0)
			abort();
	}
	/* The last byte picks the peer: an admin (by group) or not. */
	if (size && (data[size - 1] & 1))
		peer.n_groups = 1;

	n = rpc_server_eval(s, &peer, (const char *)data, size, &resp);
	if (n < 0)
		return 0; /* out of memory */
	if (!resp) {
		if (n != 0)
			abort();
		return 0;
	}
	if (strchr(resp, '\n'))
		abort();
	j = json_loads(resp, 0, NULL);
	if (!j)
		abort();
	if (json_is_array(j)) {
		if (json_array_size(j) == 0)
			abort();
		json_array_foreach(j, i, e)
			announced += check_response(e);
	} else {
		announced = check_response(j);
	}
	if (announced != (size_t)n)
		abort();
	json_decref(j);
	free(resp);
	return 0;
}
