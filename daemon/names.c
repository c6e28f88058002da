// SPDX-License-Identifier: BSD-2-Clause
/* names - rules for switch, port, interface, pipe and user names (see names.h). */
#include "names.h"

#include <string.h>

#include "util.h"

static bool is_id_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_';
}

static const char *check_id(const char *s, size_t max)
{
	size_t i;

	if (!*s)
		return "is empty";
	for (i = 0; s[i]; i++)
		if (!is_id_char(s[i]))
			return "has a character outside [0-9a-zA-Z_]";
	if (i > max)
		return max == NMD_IFNAMSIZ - 1 ?
			"is longer than 15 characters (IFNAMSIZ)" :
			"is too long";
	return NULL;
}

const char *name_check_switch(const char *s)
{
	if (!*s)
		return "is empty";
	if (!startswith(s, "vale"))
		return "does not start with \"vale\"";
	if (!s[4])
		return "has nothing after \"vale\" (write vale0, vale_lan, ...)";
	for (size_t i = 4; s[i]; i++)
		if (!is_id_char(s[i]))
			return "has a character outside [0-9a-zA-Z_] after \"vale\"";
	if (strlen(s) > NMD_IFNAMSIZ - 1)
		return "is longer than 15 characters (IFNAMSIZ)";
	return NULL;
}

const char *name_check_vale_port(const char *s)
{
	return check_id(s, NMD_IFNAMSIZ - 1);
}

const char *name_check_persistent(const char *s)
{
	const char *why = check_id(s, NMD_IFNAMSIZ - 1);

	if (why)
		return why;
	if (startswith(s, "vale"))
		return "starts with \"vale\", which netmap reads as a VALE switch port";
	return NULL;
}

const char *name_check_netdev(const char *s)
{
	size_t i;

	if (!*s)
		return "is empty";
	if (streq(s, ".") || streq(s, ".."))
		return "is not a valid interface name";
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '/' || c == ':' || c <= ' ' || c == 0x7f)
			return "has a character Linux does not allow in an interface name ('/', ':', white space or control)";
		if (c == '{' || c == '}')
			return "has '{' or '}', which netmap reads as a pipe";
	}
	if (i > NMD_IFNAMSIZ - 1)
		return "is longer than 15 characters (IFNAMSIZ)";
	if (startswith(s, "vale"))
		return "starts with \"vale\", which netmap reads as a VALE switch port";
	return NULL;
}

const char *name_check_pipe_id(const char *s)
{
	return check_id(s, NMD_REQ_IFNAMSIZ - 1);
}

const char *name_check_principal(const char *s, bool *numeric, uint32_t *id)
{
	size_t i;

	*numeric = false;
	if (!*s)
		return "is empty";
	if (s[0] >= '0' && s[0] <= '9') {
		uint64_t v = 0;

		for (i = 0; s[i]; i++) {
			if (s[i] < '0' || s[i] > '9')
				return "is neither a name (it starts with a digit) nor a numeric id";
			v = v * 10 + (uint64_t)(s[i] - '0');
			if (v > 4294967294u)
				return "is a numeric id larger than 4294967294";
		}
		*numeric = true;
		*id = (uint32_t)v;
		return NULL;
	}
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      s[0] == '_'))
		return "does not start with a letter or '_'";
	for (i = 1; s[i]; i++) {
		if (is_id_char(s[i]) || s[i] == '.' || s[i] == '-')
			continue;
		if (s[i] == '$' && !s[i + 1])
			continue;
		return "has a character outside [0-9a-zA-Z_.-]";
	}
	if (i > NMD_PRINCIPAL_MAX)
		return "is longer than 32 characters";
	return NULL;
}

const char *name_check_module(const char *s)
{
	size_t i;

	if (!*s)
		return "is empty";
	for (i = 0; s[i]; i++)
		if (!is_id_char(s[i]) && s[i] != '-')
			return "has a character outside [0-9a-zA-Z_-] (give an absolute path to load a file)";
	if (i > 55)
		return "is longer than 55 characters";
	return NULL;
}
