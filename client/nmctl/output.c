// SPDX-License-Identifier: BSD-2-Clause
/*
 * output - nmctl's renderers: key/value lists, aligned tables, the `show`
 * tables and Graphviz graph, plans and events. They read whatever members
 * the daemon's results have and show "-" for missing ones, so a field the
 * daemon adds or drops never breaks them; they never talk to the daemon.
 * Output is deterministic (members in the daemon's order), which the golden
 * tests rely on.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nmctl.h"

void out_json(FILE *f, const json_t *v)
{
	json_dumpf(v, f, JSON_INDENT(2) | JSON_ENCODE_ANY);
	fputc('\n', f);
}

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* An array whose items are all scalars (an empty one too). */
static bool is_scalar_array(const json_t *v)
{
	size_t i;
	json_t *x;

	if (!json_is_array(v))
		return false;
	json_array_foreach(v, i, x)
		if (!is_scalar(x))
			return false;
	return true;
}

static const char *scalar_text(const json_t *v, char *buf, size_t size)
{
	if (!v || json_is_null(v))
		return "-";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, size, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	if (json_is_real(v)) {
		snprintf(buf, size, "%g", json_real_value(v));
		return buf;
	}
	if (json_is_true(v))
		return "yes";
	if (json_is_false(v))
		return "no";
	return NULL;
}

const char *out_scalar(const json_t *v, char *buf, size_t size)
{
	const char *s = scalar_text(v, buf, size);

	if (s)
		return s;
	if (is_scalar_array(v)) {
		size_t i, len = 0;
		json_t *x;
		char tmp[64];

		if (json_array_size(v) == 0)
			return "-";
		buf[0] = '\0';
		json_array_foreach(v, i, x) {
			int n = snprintf(buf + len, size - len, "%s%s", i ? "," : "",
					 scalar_text(x, tmp, sizeof(tmp)));
			if (n < 0 || (size_t)n >= size - len)
				break;
			len += (size_t)n;
		}
		return buf;
	}
	{
		char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		snprintf(buf, size, "%s", d ? d : "?");
		free(d);
	}
	return buf;
}

static void indent_to(FILE *f, int indent)
{
	fprintf(f, "%*s", indent, "");
}

static void kv(FILE *f, const json_t *obj, int indent);

/* An array of objects under a key: a table, indented. */
static void table(FILE *f, const json_t *rows, const char *const *cols,
		  const char *empty, int indent);

static void kv(FILE *f, const json_t *obj, int indent)
{
	const char *k;
	json_t *v;
	size_t w = 0;
	char buf[512];

	json_object_foreach((json_t *)obj, k, v)
		if (is_scalar(v) || is_scalar_array(v))
			w = strlen(k) > w ? strlen(k) : w;
	json_object_foreach((json_t *)obj, k, v) {
		if (is_scalar(v) || is_scalar_array(v)) {
			indent_to(f, indent);
			fprintf(f, "%s:%*s %s\n", k, (int)(w - strlen(k)), "",
				out_scalar(v, buf, sizeof(buf)));
		}
	}
	/* Nested things after the plain values, each under its key. */
	json_object_foreach((json_t *)obj, k, v) {
		if (json_is_object(v)) {
			indent_to(f, indent);
			fprintf(f, "%s:\n", k);
			kv(f, v, indent + 2);
		} else if (json_is_array(v) && !is_scalar_array(v)) {
			indent_to(f, indent);
			fprintf(f, "%s:\n", k);
			table(f, v, NULL, "(none)", indent + 2);
		}
	}
}

void out_kv(FILE *f, const json_t *obj, int indent)
{
	char buf[512];

	if (json_is_object(obj))
		kv(f, obj, indent);
	else if (json_is_array(obj) && !is_scalar_array(obj))
		table(f, obj, NULL, "(none)", indent);
	else {
		indent_to(f, indent);
		fprintf(f, "%s\n", out_scalar(obj, buf, sizeof(buf)));
	}
}

struct col {
	const char *key;
	size_t width;
};

static int col_find(const struct col *c, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].key, key))
			return (int)i;
	return -1;
}

/* Tables show scalars and lists of scalars; nested objects stay for --json. */
static bool tabular(const json_t *v)
{
	return is_scalar(v) || is_scalar_array(v);
}

/* Epoch seconds @v as ISO 8601 UTC ("2026-11-18T11:06:40Z") in @buf, or NULL. */
static const char *iso_utc(const json_t *v, char *buf, size_t size)
{
	time_t t = (time_t)json_integer_value(v);
	struct tm tm;

	if (json_is_integer(v) && gmtime_r(&t, &tm) && strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return buf;
	return NULL;
}

/* A cell: epoch seconds in a "*_at" column as ISO 8601 UTC, else out_scalar(). */
static const char *cell(const json_t *row, const char *key, char *buf, size_t size)
{
	const json_t *v = json_object_get(row, key);
	size_t len = strlen(key);

	if (len > 3 && !strcmp(key + len - 3, "_at") && iso_utc(v, buf, size))
		return buf;
	return out_scalar(v, buf, size);
}

static void table(FILE *f, const json_t *rows, const char *const *cols,
		  const char *empty, int indent)
{
	size_t n = 0, cap = 16, i;
	struct col *c;
	json_t *row, *v;
	const char *k;
	char buf[512];

	if (!json_is_array(rows) || json_array_size(rows) == 0) {
		if (empty) {
			indent_to(f, indent);
			fprintf(f, "%s\n", empty);
		}
		return;
	}
	c = calloc(cap, sizeof(*c));
	if (!c)
		return;
	/* Preferred columns first, when some row has them. */
	for (; cols && *cols; cols++) {
		json_array_foreach(rows, i, row) {
			v = json_object_get(row, *cols);
			if (v && tabular(v)) {
				if (n == cap) {
					struct col *nc = realloc(c, 2 * cap * sizeof(*c));

					if (!nc)
						goto out;
					c = nc;
					cap *= 2;
				}
				c[n++] = (struct col){ .key = *cols };
				break;
			}
		}
	}
	json_array_foreach(rows, i, row) {
		if (!json_is_object(row))
			continue;
		json_object_foreach(row, k, v) {
			if (!tabular(v) || col_find(c, n, k) >= 0)
				continue;
			if (n == cap) {
				struct col *nc = realloc(c, 2 * cap * sizeof(*c));

				if (!nc)
					goto out;
				c = nc;
				cap *= 2;
			}
			c[n++] = (struct col){ .key = k };
		}
	}
	if (n == 0) {
		/* Rows that are not objects: one value per line. */
		json_array_foreach(rows, i, row) {
			indent_to(f, indent);
			fprintf(f, "%s\n", out_scalar(row, buf, sizeof(buf)));
		}
		goto out;
	}
	for (size_t j = 0; j < n; j++) {
		c[j].width = strlen(c[j].key);
		json_array_foreach(rows, i, row) {
			size_t w = strlen(cell(row, c[j].key, buf, sizeof(buf)));
			if (w > c[j].width)
				c[j].width = w;
		}
	}
	indent_to(f, indent);
	for (size_t j = 0; j < n; j++) {
		const char *s = c[j].key;

		for (; *s; s++)
			fputc(toupper((unsigned char)*s), f);
		if (j + 1 < n)
			fprintf(f, "%*s", (int)(c[j].width - strlen(c[j].key) + 2), "");
	}
	fputc('\n', f);
	json_array_foreach(rows, i, row) {
		indent_to(f, indent);
		for (size_t j = 0; j < n; j++) {
			const char *s = cell(row, c[j].key, buf, sizeof(buf));

			if (j + 1 < n)
				fprintf(f, "%-*s  ", (int)c[j].width, s);
			else
				fprintf(f, "%s", s);
		}
		fputc('\n', f);
	}
out:
	free(c);
}

void out_table(FILE *f, const json_t *rows, const char *const *cols, const char *empty)
{
	table(f, rows, cols, empty, 0);
}

void out_table_indent(FILE *f, const json_t *rows, const char *const *cols, const char *empty,
		      int indent)
{
	table(f, rows, cols, empty, indent);
}

const json_t *out_section(const json_t *topo, const char *key)
{
	const json_t *v = json_object_get(topo, key);

	return json_is_array(v) ? v : NULL;
}

/* The name of an object: "name", else "port", else "". */
static const char *name_of(const json_t *o)
{
	const char *s = json_string_value(json_object_get(o, "name"));

	if (!s)
		s = json_string_value(json_object_get(o, "port"));
	return s ? s : "";
}

/*
 * The ports of a topology: its own "ports" array if it has one, else the
 * ports of each switch with "switch" set. New reference.
 */
static json_t *all_ports(const json_t *topo)
{
	const json_t *sws = out_section(topo, "switches"), *own = out_section(topo, "ports");
	json_t *rows = json_array(), *sw, *p;
	size_t i, j;

	if (!rows)
		return NULL;
	if (own) {
		json_array_extend(rows, (json_t *)own);
		return rows;
	}
	json_array_foreach(sws, i, sw) {
		json_array_foreach(json_object_get(sw, "ports"), j, p) {
			json_t *row = json_object();

			if (!row)
				continue;
			json_object_set_new(row, "switch", json_string(name_of(sw)));
			if (json_is_object(p))
				json_object_update(row, p);
			else
				json_object_set(row, "name", p);
			json_array_append_new(rows, row);
		}
	}
	return rows;
}

/* Switch rows with "ports" replaced by their count. New reference. */
static json_t *switch_rows(const json_t *topo)
{
	json_t *rows = json_array(), *sw;
	size_t i;

	json_array_foreach(out_section(topo, "switches"), i, sw) {
		json_t *row = json_is_object(sw) ? json_copy(sw) : json_pack("{s:O}", "name", sw);
		json_t *ports = json_object_get(row, "ports");

		if (json_is_array(ports))
			json_object_set_new(row, "ports", json_integer((json_int_t)json_array_size(ports)));
		json_array_append_new(rows, row);
	}
	return rows;
}

/* Holders: port.list's array (or its "ports"/"holders" member), else topology's. */
static const json_t *holders_of(const json_t *topo, const json_t *ports)
{
	if (json_is_array(ports))
		return ports;
	if (out_section(ports, "handles"))
		return out_section(ports, "handles");
	if (out_section(ports, "ports"))
		return out_section(ports, "ports");
	if (out_section(ports, "holders"))
		return out_section(ports, "holders");
	return out_section(topo, "holders");
}

static void section(FILE *f, const char *title, const json_t *rows,
		    const char *const *cols, bool *first)
{
	if (!*first)
		fputc('\n', f);
	*first = false;
	fprintf(f, "%s\n", title);
	table(f, rows, cols, "(none)", 2);
}

void out_show_table(FILE *f, const json_t *topo, const json_t *ports)
{
	static const char *const sw_cols[] = { "name", "ports", NULL };
	static const char *const port_cols[] = { "switch", "name", "kind", "owned", NULL };
	static const char *const nic_cols[] = { "name", "switch", "prepared", NULL };
	static const char *const pipe_cols[] = { "name", "peer", "parent", "id", NULL };
	static const char *const mon_cols[] = { "port", "name", "mode", NULL };
	static const char *const hold_cols[] = { "handle", "name", "mode", "uid", "pid", "comm",
						 "unit", "opened_at", NULL };
	static const char *const acc_cols[] = { "object", "kind", "users", "groups", "line", NULL };
	static const char *const reg_cols[] = { "region", "kind", "users", "groups", "shared", "allowed",
						"objects", NULL };
	json_t *sw = switch_rows(topo), *p = all_ports(topo);
	bool first = true;

	section(f, "Switches", sw, sw_cols, &first);
	section(f, "Ports", p, port_cols, &first);
	section(f, "NICs", out_section(topo, "nics"), nic_cols, &first);
	section(f, "Pipes", out_section(topo, "pipes"), pipe_cols, &first);
	if (out_section(topo, "persistent"))
		section(f, "Persistent ports", out_section(topo, "persistent"), NULL, &first);
	if (out_section(topo, "monitors"))
		section(f, "Monitors", out_section(topo, "monitors"), mon_cols, &first);
	if (out_section(topo, "access"))
		section(f, "Access (who may open what besides root and the admins; - : nobody)",
			out_section(topo, "access"), acc_cols, &first);
	section(f, "Holders", holders_of(topo, ports), hold_cols, &first);
	/* Who can reach which memory region (root and admins reach all). */
	if (out_section(topo, "regions"))
		section(f, "Memory regions (who can reach them besides root and admins)",
			out_section(topo, "regions"), reg_cols, &first);
	json_decref(sw);
	json_decref(p);
}

/* A double-quoted DOT ID. */
static void dot_id(FILE *f, const char *prefix, const char *s)
{
	fprintf(f, "\"%s", prefix);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* The two ends of a pipe entry, whatever shape it has. false if unknown. */
static bool pipe_ends(const json_t *pipe, char *a, char *b, size_t size)
{
	const json_t *ends = json_object_get(pipe, "ends");
	const char *m = json_string_value(json_object_get(pipe, "master"));
	const char *s = json_string_value(json_object_get(pipe, "slave"));
	const char *peer = json_string_value(json_object_get(pipe, "peer"));
	const char *parent = json_string_value(json_object_get(pipe, "parent"));
	const json_t *id = json_object_get(pipe, "id");
	const char *name = json_string_value(json_object_get(pipe, "name"));

	if (json_is_string(pipe))
		name = json_string_value(pipe);
	if (json_array_size(ends) == 2 && json_is_string(json_array_get(ends, 0)) &&
	    json_is_string(json_array_get(ends, 1))) {
		snprintf(a, size, "%s", json_string_value(json_array_get(ends, 0)));
		snprintf(b, size, "%s", json_string_value(json_array_get(ends, 1)));
		return true;
	}
	if (name && peer) {
		snprintf(a, size, "%s", name);
		snprintf(b, size, "%s", peer);
		return true;
	}
	if (m && s) {
		snprintf(a, size, "%s", m);
		snprintf(b, size, "%s", s);
		return true;
	}
	if (parent && (json_is_integer(id) || json_is_string(id))) {
		char buf[64];
		const char *ids = out_scalar(id, buf, sizeof(buf));

		snprintf(a, size, "%s{%s", parent, ids);
		snprintf(b, size, "%s}%s", parent, ids);
		return true;
	}
	if (name && (strchr(name, '{') || strchr(name, '}'))) {
		char *x;

		snprintf(a, size, "%s", name);
		snprintf(b, size, "%s", name);
		x = strpbrk(a, "{}") ;
		/* a is the master end ("{"), b the slave ("}"). */
		if (*x == '}')
			*x = '{';
		x = strpbrk(b, "{}");
		if (*x == '{')
			*x = '}';
		return true;
	}
	return false;
}

/* A node: "\tPREFIX:ID [ATTRS, label=LABEL];" (@attrs may be ""). */
static void dot_node(FILE *f, const char *prefix, const char *id, const char *attrs,
		     const char *label)
{
	fputc('\t', f);
	dot_id(f, prefix, id);
	fprintf(f, " [%s%slabel=", attrs, *attrs ? ", " : "");
	dot_id(f, "", label);
	fprintf(f, "];\n");
}

/* An edge: "\tPA:A -> PB:B [ATTRS];". */
static void dot_edge(FILE *f, const char *pa, const char *a, const char *pb, const char *b,
		     const char *attrs)
{
	fputc('\t', f);
	dot_id(f, pa, a);
	fprintf(f, " -> ");
	dot_id(f, pb, b);
	fprintf(f, " [%s];\n", attrs);
}

/* The switches, their ports, and a NIC port's host side. */
static void dot_switches(FILE *f, const json_t *topo)
{
	json_t *sw, *p;
	size_t i, j;
	char buf[256];

	json_array_foreach(out_section(topo, "switches"), i, sw) {
		const char *sname = json_is_string(sw) ? json_string_value(sw) : name_of(sw);

		dot_node(f, "switch:", sname, "shape=box, style=bold", sname);
		json_array_foreach(json_object_get(sw, "ports"), j, p) {
			const char *pname = json_is_string(p) ? json_string_value(p) : name_of(p);
			const char *kind = json_string_value(json_object_get(p, "kind"));
			bool nic = kind && !strcmp(kind, "nic");
			bool host = json_is_true(json_object_get(p, "host"));

			dot_node(f, "port:", pname, nic ? "shape=ellipse, peripheries=2" : "shape=ellipse",
				 pname);
			dot_edge(f, "switch:", sname, "port:", pname, "dir=none");
			if (nic && host && !strchr(pname, '^')) {
				snprintf(buf, sizeof(buf), "%s^", pname);
				dot_node(f, "port:", buf, "shape=ellipse", buf);
				dot_edge(f, "switch:", sname, "port:", buf, "dir=none, label=\"host\"");
			}
		}
	}
}

/* The NICs and their switch ports: "vale0:eth1" and its host side "vale0:eth1^". */
static void dot_nics(FILE *f, const json_t *topo)
{
	json_t *sw, *p, *x;
	size_t i, j, k;

	json_array_foreach(out_section(topo, "nics"), i, x) {
		const char *nname = json_is_string(x) ? json_string_value(x) : name_of(x);

		dot_node(f, "nic:", nname, "shape=component", nname);
		json_array_foreach(out_section(topo, "switches"), j, sw) {
			json_array_foreach(json_object_get(sw, "ports"), k, p) {
				const char *pname = json_is_string(p) ? json_string_value(p) : name_of(p);
				const char *base = strchr(pname, ':');
				size_t nl = strlen(nname);

				if (!base || strncmp(base + 1, nname, nl) ||
				    (base[1 + nl] && strcmp(base + 1 + nl, "^")))
					continue;
				dot_edge(f, "nic:", nname, "port:", pname,
					 base[1 + nl] ? "dir=none, label=\"host stack\"" : "dir=none, style=bold");
			}
		}
	}
}

/* Pipes (both ends) and monitors. */
static void dot_pipes_monitors(FILE *f, const json_t *topo)
{
	json_t *x;
	size_t i;
	char buf[256];

	json_array_foreach(out_section(topo, "pipes"), i, x) {
		char a[128], b[128];

		if (!pipe_ends(x, a, b, sizeof(a)))
			continue;
		dot_node(f, "port:", a, "shape=ellipse", a);
		dot_node(f, "port:", b, "shape=ellipse", b);
		dot_edge(f, "port:", a, "port:", b, "dir=both, label=\"pipe\"");
	}
	json_array_foreach(out_section(topo, "monitors"), i, x) {
		const char *port = json_string_value(json_object_get(x, "port"));
		const char *mode = json_string_value(json_object_get(x, "mode"));
		const char *mname = json_string_value(json_object_get(x, "name"));

		if (!port)
			continue;
		if (!mname) {
			snprintf(buf, sizeof(buf), "%s/%s", port, mode ? mode : "rt");
			mname = buf;
		}
		dot_node(f, "monitor:", mname, "shape=ellipse, style=dashed", mname);
		dot_edge(f, "port:", port, "monitor:", mname, "style=dashed");
	}
}

/* Who may open an object, and who holds a port: notes beside them. */
static void dot_notes(FILE *f, const json_t *topo, const json_t *ports)
{
	json_t *x;
	size_t i;

	json_array_foreach(out_section(topo, "access"), i, x) {
		const char *obj = json_string_value(json_object_get(x, "object"));
		const char *kind = json_string_value(json_object_get(x, "kind"));
		char ub[128], gb[128], label[300], id[32];
		const char *users, *groups, *prefix;

		if (!obj || (kind && !strcmp(kind, "admin")))
			continue;
		users = out_scalar(json_object_get(x, "users"), ub, sizeof(ub));
		groups = out_scalar(json_object_get(x, "groups"), gb, sizeof(gb));
		if (!strcmp(users, "-") && !strcmp(groups, "-"))
			continue;
		snprintf(id, sizeof(id), "%zu", i);
		snprintf(label, sizeof(label), "users: %s\ngroups: %s", users, groups);
		prefix = kind && !strcmp(kind, "monitor") ? "monitor:" : "port:";
		/* Its object, labelled, in case nothing drew it (a port nobody opened). */
		dot_node(f, prefix, obj, "", obj);
		dot_node(f, "access:", id, "shape=note, style=dotted", label);
		dot_edge(f, "access:", id, prefix, obj, "style=dotted, arrowhead=none");
	}
	json_array_foreach(holders_of(topo, ports), i, x) {
		const char *port = json_string_value(json_object_get(x, "name"));
		const json_t *pid = json_object_get(x, "pid");
		char id[64], label[128], nb[32];

		if (!port)
			port = json_string_value(json_object_get(x, "port"));
		if (!port)
			continue;
		snprintf(id, sizeof(id), "%zu", i);
		snprintf(label, sizeof(label), "pid %s", out_scalar(pid, nb, sizeof(nb)));
		dot_node(f, "holder:", id, "shape=note", label);
		dot_edge(f, "holder:", id, "port:", port, "style=dotted");
	}
}

void out_show_dot(FILE *f, const json_t *topo, const json_t *ports)
{
	fprintf(f, "digraph netmapd {\n");
	fprintf(f, "\trankdir=LR;\n");
	fprintf(f, "\tnode [fontname=\"sans-serif\"];\n");
	dot_switches(f, topo);
	dot_nics(f, topo);
	dot_pipes_monitors(f, topo);
	dot_notes(f, topo, ports);
	fprintf(f, "}\n");
}

/* The list of actions of a plan result, whatever its shape. */
static const json_t *plan_actions(const json_t *plan)
{
	static const char *const keys[] = { "actions", "plan", "done", "steps", NULL };

	if (json_is_array(plan))
		return plan;
	for (const char *const *k = keys; *k; k++)
		if (json_is_array(json_object_get(plan, *k)))
			return json_object_get(plan, *k);
	return NULL;
}

void out_plan(FILE *f, const json_t *plan, const char *empty)
{
	const json_t *acts = plan_actions(plan);
	json_t *a;
	size_t i;
	char buf[256];

	if (json_array_size(acts) == 0) {
		fprintf(f, "%s\n", empty);
	} else {
		json_array_foreach(acts, i, a) {
			const char *text = json_string_value(json_object_get(a, "text"));
			const char *act = json_string_value(json_object_get(a, "action"));
			const char *obj = json_string_value(json_object_get(a, "object"));
			const json_t *line = json_object_get(a, "line");

			if (json_is_string(a))
				text = json_string_value(a);
			fprintf(f, "%3zu. ", i + 1);
			if (text)
				fprintf(f, "%s", text);
			else if (act)
				fprintf(f, "%s %s", act, obj ? obj : "");
			else
				fprintf(f, "%s", out_scalar(a, buf, sizeof(buf)));
			if (json_is_integer(line) && json_integer_value(line) > 0)
				fprintf(f, "  (line %lld)", (long long)json_integer_value(line));
			fputc('\n', f);
		}
	}
	if (json_is_object(plan)) {
		const json_t *conf = json_object_get(plan, "conflicts");

		if (json_is_integer(conf) && json_integer_value(conf) > 0)
			fprintf(f, "%lld conflict(s): objects that exist, are not netmapd's and do not match; the plan cannot be applied\n",
				(long long)json_integer_value(conf));
		else if (json_is_array(conf) && json_array_size(conf) > 0) {
			fprintf(f, "Conflicts (objects that exist, are not netmapd's and do not match):\n");
			json_array_foreach(conf, i, a)
				fprintf(f, "  %s\n", out_scalar(json_is_object(a) &&
					json_object_get(a, "text") ? json_object_get(a, "text") : a,
					buf, sizeof(buf)));
		}
	}
}

void out_event(FILE *f, const char *method, const json_t *params)
{
	const char *type = json_string_value(json_object_get(params, "type"));
	const json_t *t = json_object_get(params, "time");
	const char *k;
	json_t *v;
	char buf[512];

	if (iso_utc(t, buf, sizeof(buf)))
		fprintf(f, "%s ", buf);
	if (!strcmp(method, "event") && type)
		fprintf(f, "%s", type);
	else
		fprintf(f, "%s", method);
	if (json_is_object(params)) {
		json_object_foreach((json_t *)params, k, v) {
			const char *s;

			if ((type && !strcmp(k, "type")) || (json_is_integer(t) && !strcmp(k, "time")))
				continue;
			s = out_scalar(v, buf, sizeof(buf));
			fprintf(f, " %s=%s%s%s", k, strchr(s, ' ') ? "\"" : "", s,
				strchr(s, ' ') ? "\"" : "");
		}
	} else if (params) {
		fprintf(f, " %s", out_scalar(params, buf, sizeof(buf)));
	}
	fputc('\n', f);
}
