// SPDX-License-Identifier: BSD-2-Clause
/*
 * rpc_params - decoding a handler's parameters with a table (rpc.h): each
 * entry names its field, so every error names the field by construction.
 * Fields are checked in table order, a nested object's fields before the
 * fields after it, and the members no entry names last, as one error.
 */
#define _GNU_SOURCE
#include "rpc_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

/* Longest field path an error names ("ring.slots"); longer ones are cut. */
#define PATH_MAX_LEN 256

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "real";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	case JSON_NULL: return "null";
	}
	return "?";
}

static void path_join(char *buf, size_t size, const char *parent, const char *name)
{
	snprintf(buf, size, "%s%s%s", parent, *parent ? "." : "", name);
}

int rpc_param_error(struct rpc_call *call, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return rpc_call_error(call, RPC_ERR_INVALID_PARAMS, json_pack("{s:s}", "field", path),
			      "Invalid params: field \"%s\": %s", path, msg);
}

/* Whether @v has the entry's type; the type's name for the error if not. */
static const char *type_mismatch(enum rpc_param_type t, const json_t *v)
{
	switch (t) {
	case RPC_PARAM_STRING: return json_is_string(v) ? NULL : "string";
	case RPC_PARAM_INTEGER: return json_is_integer(v) ? NULL : "integer";
	case RPC_PARAM_NUMBER: return json_is_number(v) ? NULL : "real or integer";
	case RPC_PARAM_BOOLEAN: return json_is_boolean(v) ? NULL : "true or false";
	case RPC_PARAM_OBJECT: return json_is_object(v) ? NULL : "object";
	case RPC_PARAM_ARRAY: return json_is_array(v) ? NULL : "array";
	case RPC_PARAM_ANY: return NULL;
	}
	return NULL;
}

static void store(const struct rpc_param *p, json_t *v, void *dest)
{
	char *at = (char *)dest + p->offset;

	switch (p->type) {
	case RPC_PARAM_STRING:
		*(const char **)at = json_string_value(v);
		break;
	case RPC_PARAM_INTEGER:
		*(json_int_t *)at = json_integer_value(v);
		break;
	case RPC_PARAM_NUMBER:
		*(double *)at = json_number_value(v);
		break;
	case RPC_PARAM_BOOLEAN:
		*(bool *)at = json_is_true(v);
		break;
	case RPC_PARAM_OBJECT:
	case RPC_PARAM_ARRAY:
	case RPC_PARAM_ANY:
		*(json_t **)at = v;
		break;
	}
}

static bool named(const struct rpc_param *table, const char *key)
{
	for (const struct rpc_param *p = table; p && p->name; p++)
		if (streq(p->name, key))
			return true;
	return false;
}

/* -32602 for the members of @obj that no entry of @table names. */
static int unknown_fields(struct rpc_call *call, json_t *obj, const struct rpc_param *table,
			  const char *path)
{
	char list[512] = "", first[PATH_MAX_LEN] = "";
	const char *key;
	unsigned n = 0;
	size_t len = 0;
	json_t *v;

	json_object_foreach(obj, key, v) {
		if (named(table, key))
			continue;
		if (n++ == 0)
			path_join(first, sizeof(first), path, key);
		if (len < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
						n > 1 ? ", " : "", key);
	}
	if (n == 0)
		return 0;
	return rpc_call_error(call, RPC_ERR_INVALID_PARAMS, json_pack("{s:s}", "field", first),
			      "Invalid params: unknown field%s %s%s%s", n > 1 ? "s" : "",
			      list, *path ? " in " : "", path);
}

static int dispatch_object(struct rpc_call *call, json_t *obj, const struct rpc_param *table,
			   void *dest, const char *path, unsigned depth);

/* One entry: presence, type, then its nested table, check or store. */
static int dispatch_one(struct rpc_call *call, json_t *obj, const struct rpc_param *p,
			void *dest, const char *parent, unsigned depth)
{
	char path[PATH_MAX_LEN];
	const char *want;
	json_t *v = json_object_get(obj, p->name);

	path_join(path, sizeof(path), parent, p->name);
	if (!v) {
		if (!(p->flags & RPC_PARAM_REQUIRED))
			return 0;
		return rpc_call_error(call, RPC_ERR_INVALID_PARAMS, json_pack("{s:s}", "field", path),
				      "Invalid params: missing field \"%s\"", path);
	}
	if ((unsigned)p->type > RPC_PARAM_ANY || (p->fields && p->type != RPC_PARAM_OBJECT)) {
		rpc_log(call->s, LOG_ERR, "BUG: %s: parameter table entry \"%s\" is invalid",
			call->m ? call->m->name : "?", path);
		return rpc_call_error(call, RPC_ERR_INTERNAL, NULL,
				      "Internal error: bad parameter table");
	}
	want = type_mismatch(p->type, v);
	if (want)
		return rpc_param_error(call, path, "expected %s, got %s", want, type_name(v));
	if (p->fields)
		return dispatch_object(call, v, p->fields, dest, path, depth + 1);
	if (p->check)
		return p->check(call, path, v, (char *)dest + p->offset);
	store(p, v, dest);
	return 0;
}

static int dispatch_object(struct rpc_call *call, json_t *obj, const struct rpc_param *table,
			   void *dest, const char *path, unsigned depth)
{
	int r;

	if (depth > 8) {
		rpc_log(call->s, LOG_ERR, "BUG: %s: parameter tables nest too deep",
			call->m ? call->m->name : "?");
		return rpc_call_error(call, RPC_ERR_INTERNAL, NULL,
				      "Internal error: bad parameter table");
	}
	for (const struct rpc_param *p = table; p && p->name; p++) {
		r = dispatch_one(call, obj, p, dest, path, depth);
		if (r < 0)
			return r;
	}
	return unknown_fields(call, obj, table, path);
}

int rpc_params(struct rpc_call *call, json_t *params, const struct rpc_param *table, void *dest)
{
	return dispatch_object(call, params, table, dest, "", 0);
}
