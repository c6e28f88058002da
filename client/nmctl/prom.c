// SPDX-License-Identifier: BSD-2-Clause
/*
 * prom - the stats result in Prometheus' text exposition format, so that
 * `nmctl stats --prometheus > /var/lib/prometheus/node-exporter/netmapd.prom`
 * (node_exporter's textfile collector) or a tiny HTTP wrapper is all it
 * takes to scrape netmapd.
 *
 * The mapping is generic, so new counters appear without changes here:
 *   {"uptime": 5}                          netmapd_uptime 5
 *   {"rpc": {"requests": 9}}               netmapd_rpc_requests_total 9
 *   {"ports": [{"name": "vale0:vm1", "tx_packets": 3}]}
 *                                          netmapd_port_tx_packets_total{port="vale0:vm1"} 3
 *   {"ports": {"vale0:vm1": {"tx_packets": 3}}}   the same
 * A list named like "ports" gives the label "port" (its singular); the label
 * value is the item's "name", and the item's other strings ("kind") are
 * labels too. Fields named like counters (packets, bytes, drops, errors,
 * requests, ... anywhere in the name) are counters with the _total suffix;
 * other numbers are gauges; booleans are 0/1; other strings are skipped, and
 * so is "monotonic" (the daemon's clock, for rates). Samples of one metric
 * are grouped under one # HELP and # TYPE line, metrics sorted by name.
 * netmapd_up (1: netmapd answered; nmctl prints 0 when it cannot reach it)
 * and netmapd_config_applied are gauges of the stats result.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nmctl.h"

struct sample {
	char *metric;		/* full name, with _total for counters */
	char *labels;		/* "" or {a="b",...} */
	char value[48];
	bool counter;
	size_t seq;		/* to keep the daemon's order within a metric */
};

struct samples {
	struct sample *v;
	size_t n, cap;
};

static const char *const counter_words[] = {
	"packets", "bytes", "drops", "dropped", "errors", "requests", "accepted",
	"refused", "notifications", "oversize", "throttled", "sent", "received",
	"pauses", "calls", "syncs", "opens", "closes", "reloads", "applies",
	"restarts", "failures", "total", NULL,
};

/* A counter if a word of the field ("tx_packets": packets) says so. */
static bool is_counter(const char *field)
{
	const char *w = field;

	while (*w) {
		size_t len = strcspn(w, "_");

		for (const char *const *c = counter_words; *c; c++)
			if (strlen(*c) == len && !strncmp(w, *c, len))
				return true;
		w += len;
		if (*w == '_')
			w++;
	}
	return false;
}

/* Metric-name characters: [a-zA-Z0-9_], others become '_'. */
static void append_name(char *dst, size_t size, const char *part)
{
	size_t len = strlen(dst);

	if (len && len + 1 < size)
		dst[len++] = '_';
	for (; *part && len + 1 < size; part++)
		dst[len++] = isalnum((unsigned char)*part) ? (char)tolower((unsigned char)*part) : '_';
	dst[len] = '\0';
}

/* "ports" -> "port", "switches" -> "switch", "nics" -> "nic". */
static void singular(const char *plural, char *out, size_t size)
{
	size_t len = strlen(plural);

	snprintf(out, size, "%s", plural);
	if (len > 4 && !strcmp(plural + len - 4, "ches"))
		out[len - 2] = '\0';
	else if (len > 1 && plural[len - 1] == 's')
		out[len - 1] = '\0';
}

static void add(struct samples *s, const char *metric, const char *labels,
		const json_t *v, bool counter)
{
	struct sample *x;

	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		struct sample *nv = realloc(s->v, ncap * sizeof(*nv));

		if (!nv)
			return;
		s->v = nv;
		s->cap = ncap;
	}
	x = &s->v[s->n];
	if (json_is_integer(v))
		snprintf(x->value, sizeof(x->value), "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(x->value, sizeof(x->value), "%.17g", json_real_value(v));
	else if (json_is_boolean(v))
		snprintf(x->value, sizeof(x->value), "%d", json_is_true(v) ? 1 : 0);
	else
		return;
	{
		size_t ml = strlen(metric);
		bool has_total = ml > 6 && !strcmp(metric + ml - 6, "_total");

		if (asprintf(&x->metric, "%s%s", metric,
			     counter && !has_total ? "_total" : "") < 0)
			return;
	}
	x->labels = strdup(labels);
	if (!x->labels) {
		free(x->metric);
		return;
	}
	x->counter = counter;
	x->seq = s->n;
	s->n++;
}

/* A label value with \, " and newline escaped. */
static void label_value(char *dst, size_t size, const char *v)
{
	size_t len = 0;

	for (; *v && len + 3 < size; v++) {
		if (*v == '\\' || *v == '"') {
			dst[len++] = '\\';
			dst[len++] = *v;
		} else if (*v == '\n') {
			dst[len++] = '\\';
			dst[len++] = 'n';
		} else {
			dst[len++] = *v;
		}
	}
	dst[len] = '\0';
}

static void walk(struct samples *s, const char *prefix, const char *labels,
		 const json_t *o, int depth);

/* An item of a named list: its scalars are samples labelled with its name. */
static void item(struct samples *s, const char *prefix, const char *labels,
		 const char *label, const char *name, const json_t *o, int depth)
{
	char lv[256], nl[1024];
	size_t len = strlen(labels);

	const char *k;
	json_t *v;

	label_value(lv, sizeof(lv), name);
	if (len)	/* "{a="b"}" -> "{a="b",label="name"}" */
		snprintf(nl, sizeof(nl), "%.*s,%s=\"%s\"}", (int)(len - 1), labels, label, lv);
	else
		snprintf(nl, sizeof(nl), "{%s=\"%s\"}", label, lv);
	/* The item's other strings: more labels ({port="vale0:a",kind="vale"}). */
	json_object_foreach((json_t *)o, k, v) {
		size_t nlen = strlen(nl);
		char key[64];

		if (!json_is_string(v) || !strcmp(k, "name"))
			continue;
		key[0] = '\0';
		append_name(key, sizeof(key), k);
		label_value(lv, sizeof(lv), json_string_value(v));
		snprintf(nl + nlen - 1, sizeof(nl) - nlen + 1, ",%s=\"%s\"}", key, lv);
	}
	walk(s, prefix, nl, o, depth + 1);
}

static void walk(struct samples *s, const char *prefix, const char *labels,
		 const json_t *o, int depth)
{
	const char *k;
	json_t *v;

	if (depth > 8 || !json_is_object(o))
		return;
	json_object_foreach((json_t *)o, k, v) {
		char name[256];

		snprintf(name, sizeof(name), "%s", prefix);
		if (!strcmp(k, "monotonic"))
			continue;
		if (json_is_number(v) || json_is_boolean(v)) {
			append_name(name, sizeof(name), k);
			add(s, name, labels, v, is_counter(k));
		} else if (json_is_array(v)) {
			char sg[64], sub[256];
			size_t i;
			json_t *x;

			singular(k, sg, sizeof(sg));
			snprintf(sub, sizeof(sub), "%s", prefix);
			append_name(sub, sizeof(sub), sg);
			json_array_foreach(v, i, x) {
				const char *n = json_string_value(json_object_get(x, "name"));
				char idx[24];

				if (!n) {
					snprintf(idx, sizeof(idx), "%zu", i);
					n = idx;
				}
				item(s, sub, labels, sg, n, x, depth);
			}
		} else if (json_is_object(v)) {
			/* A map of objects keyed by name, or a group of values. */
			bool map = json_object_size(v) > 0;
			const char *k2;
			json_t *v2;

			json_object_foreach(v, k2, v2)
				if (!json_is_object(v2))
					map = false;
			if (map) {
				char sg[64], sub[256];

				singular(k, sg, sizeof(sg));
				snprintf(sub, sizeof(sub), "%s", prefix);
				append_name(sub, sizeof(sub), sg);
				json_object_foreach(v, k2, v2)
					item(s, sub, labels, sg, k2, v2, depth);
			} else {
				append_name(name, sizeof(name), k);
				walk(s, name, labels, v, depth + 1);
			}
		}
	}
}

static int cmp_sample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	int c = strcmp(x->metric, y->metric);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* # HELP of the metrics we know; others get their name in words. */
static const struct {
	const char *metric, *help;
} helps[] = {
	{ "netmapd_up", "1 if netmapd answered the stats request, 0 if it could not be reached" },
	{ "netmapd_config_applied", "1 if the configuration in force was applied, 0 if it was refused or failed" },
	{ "netmapd_port_tx_packets_total", "Frames (pipes: slots) taken from the TX rings of the port" },
	{ "netmapd_port_tx_bytes_total", "Bytes taken from the TX rings of the port" },
	{ "netmapd_port_tx_errors_total", "Frames the port took from its TX rings and could not send (bad slots, no switch, driver or host stack refused)" },
	{ "netmapd_port_rx_packets_total", "Frames put in the RX rings of the port (monitors: copies)" },
	{ "netmapd_port_rx_bytes_total", "Bytes put in the RX rings of the port" },
	{ "netmapd_port_rx_drops_total", "Frames dropped because the RX ring of the port was full" },
	{ "netmapd_port_rx_errors_total", "Monitor slots given back with a bad buffer" },
	{ "netmapd_port_errno", "errno of the counter request for a port the module cannot count" },
	{ "netmapd_port_open", "Monitors of this port and mode that are open" },
};

static void help_line(FILE *f, const char *metric)
{
	const char *p;

	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (!strcmp(helps[i].metric, metric)) {
			fprintf(f, "# HELP %s %s\n", metric, helps[i].help);
			return;
		}
	/* netmapd_rpc_requests_total: "netmapd rpc requests". */
	fprintf(f, "# HELP %s netmapd", metric);
	for (p = metric + strlen("netmapd"); *p && strcmp(p, "_total"); p++)
		fputc(*p == '_' ? ' ' : *p, f);
	fputc('\n', f);
}

void out_prometheus_down(FILE *f)
{
	help_line(f, "netmapd_up");
	fprintf(f, "# TYPE netmapd_up gauge\nnetmapd_up 0\n");
}

void out_prometheus(FILE *f, const json_t *stats)
{
	struct samples s = { 0 };
	const char *last = "";

	walk(&s, "netmapd", "", stats, 0);
	if (s.n)
		qsort(s.v, s.n, sizeof(*s.v), cmp_sample);
	for (size_t i = 0; i < s.n; i++) {
		if (strcmp(last, s.v[i].metric)) {
			help_line(f, s.v[i].metric);
			fprintf(f, "# TYPE %s %s\n", s.v[i].metric,
				s.v[i].counter ? "counter" : "gauge");
			last = s.v[i].metric;
		}
		fprintf(f, "%s%s %s\n", s.v[i].metric, s.v[i].labels, s.v[i].value);
	}
	for (size_t i = 0; i < s.n; i++) {
		free(s.v[i].metric);
		free(s.v[i].labels);
	}
	free(s.v);
}
