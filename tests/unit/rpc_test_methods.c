// SPDX-License-Identifier: BSD-2-Clause
/* rpc_test_methods.c - the shared test methods (rpc_test_methods.h). */
#include <stdbool.h>
#include <stdio.h>

#include "rpc_test_methods.h"

struct echo_params {
	const char *text;
	json_int_t n;
	bool flag;
	double f;
};

static const struct rpc_param echo_table[] = {
	RPC_PARAM_FIELD("text", RPC_PARAM_STRING, RPC_PARAM_REQUIRED, struct echo_params, text, NULL),
	RPC_PARAM_FIELD("n", RPC_PARAM_INTEGER, 0, struct echo_params, n, NULL),
	RPC_PARAM_FIELD("flag", RPC_PARAM_BOOLEAN, 0, struct echo_params, flag, NULL),
	RPC_PARAM_FIELD("f", RPC_PARAM_NUMBER, 0, struct echo_params, f, NULL),
	{}
};

int rpc_test_echo(struct rpc_call *call, json_t *params)
{
	struct echo_params p = { 0 };
	int r = rpc_params(call, params, echo_table, &p);

	if (r < 0)
		return r;
	rpc_call_set_result(call, json_pack("{s:s, s:I}", "text", p.text, "n", p.n));
	return 0;
}

struct nested_params {
	json_int_t slots, rings;
	const char *names[2];
	json_t *any;
};

/* "names": exactly two strings; a wrong element is named "names[i]". */
static int check_names(struct rpc_call *call, const char *path, json_t *v, void *at)
{
	const char **names = at;
	char sub[64];
	json_t *e;
	size_t i;

	if (json_array_size(v) != 2)
		return rpc_param_error(call, path, "expected 2 names");
	json_array_foreach(v, i, e) {
		snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
		if (!json_is_string(e))
			return rpc_param_error(call, sub, "expected string");
		names[i] = json_string_value(e);
	}
	return 0;
}

static const struct rpc_param ring_table[] = {
	RPC_PARAM_FIELD("slots", RPC_PARAM_INTEGER, RPC_PARAM_REQUIRED, struct nested_params, slots,
			NULL),
	RPC_PARAM_FIELD("rings", RPC_PARAM_INTEGER, 0, struct nested_params, rings, NULL),
	{}
};

static const struct rpc_param nested_table[] = {
	{ .name = "ring", .type = RPC_PARAM_OBJECT, .flags = RPC_PARAM_REQUIRED, .fields = ring_table },
	RPC_PARAM_FIELD("names", RPC_PARAM_ARRAY, 0, struct nested_params, names, check_names),
	RPC_PARAM_FIELD("any", RPC_PARAM_ANY, 0, struct nested_params, any, NULL),
	{}
};

int rpc_test_nested(struct rpc_call *call, json_t *params)
{
	struct nested_params p = { .rings = 1 };
	int r = rpc_params(call, params, nested_table, &p);

	if (r < 0)
		return r;
	rpc_call_set_result(call, json_pack("{s:I, s:O?}", "slots", p.slots, "any", p.any));
	return 0;
}

struct fail_params {
	json_int_t e;
	bool with_msg;
};

static int check_errno(struct rpc_call *call, const char *path, json_t *v, void *at)
{
	json_int_t e = json_integer_value(v);

	if (e < 1 || e > 200)
		return rpc_param_error(call, path, "out of range");
	*(json_int_t *)at = e;
	return 0;
}

static const struct rpc_param fail_table[] = {
	RPC_PARAM_FIELD("errno", RPC_PARAM_INTEGER, RPC_PARAM_REQUIRED, struct fail_params, e,
			check_errno),
	RPC_PARAM_FIELD("context", RPC_PARAM_BOOLEAN, 0, struct fail_params, with_msg, NULL),
	{}
};

int rpc_test_fail(struct rpc_call *call, json_t *params)
{
	struct fail_params p = { 0 };
	int r = rpc_params(call, params, fail_table, &p);

	if (r < 0)
		return r;
	if (p.with_msg)
		return rpc_call_errno(call, -(int)p.e, "Failed to frob %s", "vale0:p");
	return -(int)p.e;
}

int rpc_test_admin_poke(struct rpc_call *call, json_t *params)
{
	int r = rpc_params(call, params, NULL, NULL);

	if (r < 0)
		return r;
	rpc_call_set_result(call, json_pack("{s:b}", "poked", 1));
	return 0;
}
