// SPDX-License-Identifier: BSD-2-Clause
/*
 * rpc_params - decoding a handler's parameters, with errors that name the
 * offending field.
 */
#define _GNU_SOURCE
#include "rpc_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

/*
 * Which field a failed json_unpack_ex() was at. jansson reports the
 * position of the format character it failed on (1-based), but not the
 * key; walk the format the way jansson does, taking the keys from a copy
 * of the arguments, until that position. Unpack arguments are all
 * pointers, so each is read as one (const char * for keys).
 */
struct fmt_walk {
	const char *fmt;
	size_t i;
	int target;
	va_list ap;
	bool found, bad;
	char path[256];
};

static char fw_tok(struct fmt_walk *w)
{
	while (w->fmt[w->i] && strchr(" \t\n,:", w->fmt[w->i]))
		w->i++;
	return w->fmt[w->i];
}

static bool fw_at(struct fmt_walk *w, const char *path)
{
	if (w->i + 1 != (size_t)w->target)
		return false;
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->found = true;
	return true;
}

static void fw_value(struct fmt_walk *w, const char *path, unsigned depth)
{
	char sub[sizeof(w->path)];
	unsigned k = 0;
	char c = fw_tok(w);

	if (fw_at(w, path))
		return;
	if (depth > 32) {
		w->bad = true;
		return;
	}
	switch (c) {
	case '{':
		w->i++;
		for (;;) {
			const char *key;

			c = fw_tok(w);
			if (c == '}') {
				fw_at(w, path); /* JSON_STRICT: keys left over */
				w->i++;
				return;
			}
			if (c == '!' || c == '*') {
				w->i++;
				continue;
			}
			if (c != 's') {
				w->bad = true;
				return;
			}
			w->i++;
			key = va_arg(w->ap, const char *);
			if (fw_tok(w) == '?')
				w->i++;
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "",
				 key ? key : "?");
			fw_value(w, sub, depth + 1);
			if (w->found || w->bad)
				return;
		}
	case '[':
		w->i++;
		for (;;) {
			c = fw_tok(w);
			if (c == ']') {
				fw_at(w, path);
				w->i++;
				return;
			}
			if (c == '!' || c == '*') {
				w->i++;
				continue;
			}
			snprintf(sub, sizeof(sub), "%s[%u]", path, k++);
			fw_value(w, sub, depth + 1);
			if (w->found || w->bad)
				return;
		}
	case 's':
		w->i++;
		(void)va_arg(w->ap, void *);
		if (fw_tok(w) == '%') {
			w->i++;
			(void)va_arg(w->ap, void *);
		}
		return;
	case 'n':
		w->i++;
		return;
	case 'b': case 'i': case 'I': case 'f': case 'F': case 'o': case 'O':
		w->i++;
		(void)va_arg(w->ap, void *);
		return;
	default:
		w->bad = true;
		return;
	}
}

int rpc_unpack(struct rpc_call *call, json_t *params, const char *fmt, ...)
{
	struct fmt_walk w = { .fmt = fmt };
	const char *field, *rest;
	char text[JSON_ERROR_TEXT_LENGTH];
	json_error_t e;
	json_t *data = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = json_vunpack_ex(params, &e, JSON_STRICT, fmt, ap);
	va_end(ap);
	if (r == 0)
		return 0;

	if (streq(e.source, "<format>") || streq(e.source, "<args>") ||
	    json_error_code(&e) == json_error_invalid_format ||
	    json_error_code(&e) == json_error_null_value) {
		rpc_log(call->s, LOG_ERR, "BUG: %s: parameter format \"%s\": %s",
			call->m ? call->m->name : "?", fmt, e.text);
		return rpc_call_error(call, RPC_ERR_INTERNAL, NULL,
				      "Internal error: bad parameter format");
	}

	w.target = e.position;
	va_start(w.ap, fmt);
	fw_value(&w, "", 0);
	va_end(w.ap);
	field = w.found ? w.path : "";

	snprintf(text, sizeof(text), "%s", e.text);
	if (text[0] >= 'A' && text[0] <= 'Z' && !(text[1] >= 'A' && text[1] <= 'Z'))
		text[0] = (char)(text[0] - 'A' + 'a');

	switch (json_error_code(&e)) {
	case json_error_item_not_found:
		data = json_pack("{s:s}", "field", field);
		return rpc_call_error(call, RPC_ERR_INVALID_PARAMS, data,
				      "Invalid params: missing field \"%s\"", field);
	case json_error_end_of_input_expected:
		/* "2 object item(s) left unpacked: zz, yy" */
		rest = strstr(e.text, "left unpacked: ");
		if (rest && strstr(e.text, "object item")) {
			char first[JSON_ERROR_TEXT_LENGTH], path[sizeof(w.path) + JSON_ERROR_TEXT_LENGTH];

			rest += strlen("left unpacked: ");
			snprintf(first, sizeof(first), "%.*s", (int)strcspn(rest, ","), rest);
			snprintf(path, sizeof(path), "%s%s%s", field, *field ? "." : "", first);
			data = json_pack("{s:s}", "field", path);
			return rpc_call_error(call, RPC_ERR_INVALID_PARAMS, data,
					      "Invalid params: unknown field%s %s%s%s",
					      strchr(rest, ',') ? "s" : "", rest,
					      *field ? " in " : "", field);
		}
		break;
	default:
		break;
	}
	if (*field) {
		data = json_pack("{s:s}", "field", field);
		return rpc_call_error(call, RPC_ERR_INVALID_PARAMS, data,
				      "Invalid params: field \"%s\": %s", field, text);
	}
	return rpc_call_error(call, RPC_ERR_INVALID_PARAMS, NULL,
			      "Invalid params: %s", text);
}
