// SPDX-License-Identifier: BSD-2-Clause
/*
 * observe - what netmapd reports about the objects it runs, for operators:
 * the counters of every kind of port (the stats method), one object in
 * detail (object.get: geometry, region, counters, holders with their
 * process and systemd unit, access rule, monitors), the monitors and access
 * rules of the file for topology.get, and the checks of the doctor method
 * (a prepared NIC whose offloads came back, whose promiscuous mode or link
 * went away). The same NIC checks run every OBSERVE_PERIOD_S seconds and
 * log a change once, when it appears and when it is gone.
 *
 * Nothing here changes the kernel or the NICs: it reads (PORT_INFO_GET with
 * NETMAP_REQ_OPT_PORT_STATS, nic_observe(), sysfs, /proc).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <net/netmap.h>

#include "capacity.h"
#include "daemon.h"
#include "module.h"
#include "observe.h"

/* ---- the objects of the file ------------------------------------------- */

/* Calls @fn for every object of @c that has counters, in the file's order. */
/* Hand @o to @fn with its line in its own file (the config's lines are numbered across files). */
static void emit(const struct nmd_config *c, void (*fn)(void *, const struct obs_object *),
		 void *arg, const struct obs_object *o)
{
	struct obs_object t = *o;

	t.line = o->line ? config_line(c, o->line, &t.file) : 0;
	if (!t.line || streq(t.file, c->file))
		t.file = NULL;	/* named only when not the main file */
	fn(arg, &t);
}

static void for_each_object(const struct nmd_config *c,
			    void (*fn)(void *arg, const struct obs_object *o), void *arg)
{
	char name[NMD_REQ_IFNAMSIZ + 8];
	struct obs_object o;

	if (!c)
		return;
	for (size_t s = 0; s < c->n_switches; s++) {
		const struct nmd_switch *sw = &c->switches[s];

		for (size_t i = 0; i < sw->n_ports; i++) {
			const struct nmd_port *p = &sw->ports[i];

			/* As the switch lists it: "vale0:v0", "vale0:eth1" (full is "v0", "eth1"). */
			snprintf(name, sizeof(name), "%s:%s", sw->name, p->name);
			o = (struct obs_object){ .name = name, .kind = nmd_port_kind_name(p->kind),
						 .sw = sw->name, .line = p->mark.line,
						 .access = &p->access, .port = p };
			emit(c, fn, arg, &o);
			if (p->kind != NMD_PORT_NIC)
				continue;
			if (p->host) {
				/* The switch port of its host stack. */
				snprintf(name, sizeof(name), "%s:%s^", sw->name, p->name);
				o.kind = "nic_host";
				emit(c, fn, arg, &o);
			}
			/* The NIC itself (its rings), and its host rings when attached with them. */
			o = (struct obs_object){ .name = p->name, .kind = "nic_rings", .sw = sw->name,
						 .line = p->mark.line, .access = &p->access, .port = p,
						 .ifname = p->name };
			emit(c, fn, arg, &o);
			if (p->host) {
				snprintf(name, sizeof(name), "%s^", p->name);
				o.name = name;
				o.kind = "host_rings";
				emit(c, fn, arg, &o);
			}
		}
	}
	for (size_t i = 0; i < c->n_pipes; i++) {
		const struct nmd_pipe *pp = &c->pipes[i];

		for (size_t k = 0; k < pp->n_ids; k++) {
			for (int end = 0; end < 2; end++) {
				snprintf(name, sizeof(name), "%s%c%s", pp->parent, end ? '}' : '{',
					 pp->ids[k].id);
				o = (struct obs_object){ .name = name, .kind = "pipe",
							 .line = pp->ids[k].mark.line,
							 .access = &pp->access, .pipe = pp };
				emit(c, fn, arg, &o);
			}
		}
	}
	for (size_t i = 0; i < c->n_monitors; i++) {
		const struct nmd_monitor *m = &c->monitors[i];

		observe_monitor_name(m, name, sizeof(name));
		o = (struct obs_object){ .name = name, .kind = "monitor", .line = m->mark.line,
					 .access = &m->access, .monitor = m };
		emit(c, fn, arg, &o);
	}
}

void observe_monitor_name(const struct nmd_monitor *m, char *buf, size_t size)
{
	/* As the module names a monitor's port, without its "#N". */
	snprintf(buf, size, "%s/%s%s%s", m->target, m->mode & NMD_MONITOR_ZCOPY ? "z" : "",
		 !(m->mode & NMD_MONITOR_ZCOPY) && (m->mode & NMD_MONITOR_RX) ? "r" : "",
		 !(m->mode & NMD_MONITOR_ZCOPY) && (m->mode & NMD_MONITOR_TX) ? "t" : "");
}

static json_t *principals_json(const struct nmd_principal *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i].name));
	return a;
}

json_t *observe_access_json(const struct nmd_access *a)
{
	if (!a || !a->set)
		return json_null();
	return json_pack("{s:o, s:o}", "users", principals_json(a->users, a->n_users), "groups",
			 principals_json(a->groups, a->n_groups));
}

/* ---- counters ------------------------------------------------------------ */

static const char *stats_kind(uint32_t k)
{
	switch (k) {
	case NM_PORT_STATS_KIND_VALE:
		return "vale";
	case NM_PORT_STATS_KIND_NIC:
		return "nic_rings";
	case NM_PORT_STATS_KIND_NIC_HOST:
		return "host_rings";
	case NM_PORT_STATS_KIND_PIPE:
		return "pipe";
	case NM_PORT_STATS_KIND_MONITOR:
		return "monitor";
	default:
		return NULL;
	}
}

json_t *observe_counters_json(struct nmd_daemon *d, const char *name, const char *kind)
{
	struct kern_stats st = { 0 };
	int r = d->kern.ops->port_stats(d->kern.ctx, name, &st);
	json_t *j;

	if (!kind)
		kind = stats_kind(st.kind);
	if (r < 0) {
		/* A monitor or ephemeral port nobody has open does not exist: not an error. */
		if (r == -ENXIO && kind && (streq(kind, "monitor") || streq(kind, "ephemeral")))
			return json_pack("{s:s, s:s, s:i}", "name", name, "kind", kind, "open", 0);
		return json_pack("{s:s, s:s*, s:i}", "name", name, "kind", kind, "errno", -r);
	}
	j = json_pack("{s:s, s:s*, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name", name, "kind", kind,
		      "tx_packets", (json_int_t)st.tx_packets, "tx_bytes", (json_int_t)st.tx_bytes,
		      "tx_errors", (json_int_t)st.tx_errors, "rx_packets",
		      (json_int_t)st.rx_packets, "rx_bytes", (json_int_t)st.rx_bytes, "rx_drops",
		      (json_int_t)st.rx_drops, "rx_errors", (json_int_t)st.rx_errors);
	if (j && kind && !strcmp(kind, "monitor"))
		json_object_set_new(j, "open", json_integer(st.objects));
	return j;
}

struct stats_walk {
	struct nmd_daemon *d;
	json_t *ports;
};

static bool listed(const json_t *ports, const char *name)
{
	size_t i;
	json_t *x;

	json_array_foreach(ports, i, x)
		if (streq(json_string_value(json_object_get(x, "name")), name))
			return true;
	return false;
}

static void stats_one(void *arg, const struct obs_object *o)
{
	struct stats_walk *w = arg;

	if (!listed(w->ports, o->name))
		json_array_append_new(w->ports, observe_counters_json(w->d, o->name, o->kind));
}

json_t *observe_stats_json(struct nmd_daemon *d)
{
	struct stats_walk w = { .d = d, .ports = json_array() };
	struct kern_vale_port *v = NULL;
	size_t n = 0;

	if (!w.ports)
		return NULL;
	for_each_object(d->config, stats_one, &w);
	/* Ports the file does not name: opened by clients, made by hand. */
	if (d->kern.ops->vale_list(d->kern.ctx, &v, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			if (!listed(w.ports, v[i].name))
				json_array_append_new(w.ports,
						      observe_counters_json(d, v[i].name, "vale"));
		free(v);
	}
	return w.ports;
}

/* ---- topology.get additions --------------------------------------------- */

/* One row of topology.get's "access": who may open @name besides root and the admins. */
static json_t *access_row(const char *name, const char *kind, const struct nmd_access *a,
			  unsigned line, const char *file)
{
	bool set = a && a->set;

	return json_pack("{s:s, s:s, s:o, s:o, s:i, s:s*}", "object", name, "kind", kind, "users",
			 set ? principals_json(a->users, a->n_users) : json_array(), "groups",
			 set ? principals_json(a->groups, a->n_groups) : json_array(), "line",
			 (int)line, "file", file);
}

static void access_one(void *arg, const struct obs_object *o)
{
	json_t *a = arg;

	/* A NIC's rings share its port's rule: listed once, under the port. */
	if (streq(o->kind, "nic_rings") || streq(o->kind, "host_rings") ||
	    streq(o->kind, "nic_host"))
		return;
	json_array_append_new(a, access_row(o->name, o->kind, o->access, o->line, o->file));
}

void observe_topology(struct nmd_daemon *d, json_t *topo)
{
	json_t *mons = json_array(), *acc = json_array();
	const struct nmd_config *c = d->config;
	char name[NMD_REQ_IFNAMSIZ + 8];

	for (size_t i = 0; c && mons && i < c->n_monitors; i++) {
		const struct nmd_monitor *m = &c->monitors[i];
		const char *file;
		unsigned line;
		json_t *cnt;
		char *slash;

		observe_monitor_name(m, name, sizeof(name));
		slash = strrchr(name, '/');
		cnt = observe_counters_json(d, name, "monitor");
		line = config_line(c, m->mark.line, &file);
		if (streq(file, c->file))
			file = NULL;	/* named only when not the main file */
		json_array_append_new(mons, json_pack("{s:s, s:s, s:s, s:O*, s:i, s:s*}", "name", name,
						      "port", m->target, "mode", slash + 1, "open",
						      json_object_get(cnt, "open"), "line", (int)line,
						      "file", file));
		json_decref(cnt);
	}
	for_each_object(c, access_one, acc);
	json_object_set_new(topo, "monitors", mons);
	json_object_set_new(topo, "access", acc);
	if (c)
		json_array_append_new(acc, access_row("(admin)", "admin", &c->admin, 0, NULL));
}

/* ---- holders: process and unit ------------------------------------------- */

int observe_proc_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int observe_unit_of_cgroup(const char *cgroup, char *buf, size_t size)
{
	const char *best = NULL, *p = cgroup;
	size_t best_len = 0;

	/* The innermost component that is a unit: "app.service", "session-2.scope". */
	while (*p) {
		size_t len;

		p += strspn(p, "/");
		len = strcspn(p, "/\n");
		if ((len > 8 && !strncmp(p + len - 8, ".service", 8)) ||
		    (len > 6 && !strncmp(p + len - 6, ".scope", 6))) {
			best = p;
			best_len = len;
		}
		p += len;
		if (*p == '\n')
			break;
	}
	if (!best || best_len >= size)
		return -ENOENT;
	memcpy(buf, best, best_len);
	buf[best_len] = '\0';
	return 0;
}

int observe_proc_unit(pid_t pid, char *buf, size_t size)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	int r = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* cgroup v2: "0::/system.slice/app.service". */
	while (getline(&line, &cap, f) > 0) {
		if (!strncmp(line, "0::", 3)) {
			r = observe_unit_of_cgroup(line + 3, buf, size);
			break;
		}
	}
	free(line);
	fclose(f);
	return r;
}

void observe_holder_extras(json_t *j, pid_t pid)
{
	char buf[256];

	if (observe_proc_comm(pid, buf, sizeof(buf)) == 0)
		json_object_set_new(j, "comm", json_string(buf));
	if (observe_proc_unit(pid, buf, sizeof(buf)) == 0)
		json_object_set_new(j, "unit", json_string(buf));
}

/* ---- NIC drift ----------------------------------------------------------- */

/* "up", "down", ... from sysfs; "" if unknown. */
static void link_state(const struct nmd_daemon *d, const char *ifname, char *buf, size_t size)
{
	char path[512];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/class/net/%s/operstate",
		 d->opts.sysfs_root ? d->opts.sysfs_root : "/sys", ifname);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * What a prepared NIC lost: problems as JSON objects appended to @out
 * ({"check", "object", "severity", "message", "fix"}), and a bit mask of
 * them (NIC_DRIFT_*) returned.
 */
enum { NIC_DRIFT_OFFLOADS = 1, NIC_DRIFT_PROMISC = 2, NIC_DRIFT_DOWN = 4, NIC_DRIFT_LINK = 8 };

static json_t *finding(const char *check, const char *object, const char *severity,
		       const char *message, const char *fix)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "check", check, "object", object, "severity",
			 severity, "message", message, "fix", fix);
}

static unsigned nic_drift(struct nmd_daemon *d, const struct nmd_port *p, json_t *out)
{
	struct nic_saved now;
	unsigned bits = 0;
	char msg[1024], fix[512], link[32];
	int r;

	if (!d->kern.ops->nic_observe)
		return 0;
	r = d->kern.ops->nic_observe(d->kern.ctx, p->name, &p->prep, true, &now);
	if (r < 0)
		return 0;
	if (now.n_features && p->prep.offloads == NMD_OFFLOADS_OFF) {
		size_t len = (size_t)snprintf(msg, sizeof(msg), "offloads were turned back on %s:",
					      p->name);

		for (size_t i = 0; i < now.n_features && len < sizeof(msg); i++)
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, " %s",
						now.features[i]);
		snprintf(fix, sizeof(fix), "run `systemctl reload netmapd` (or `ethtool -K %s %s off`): "
			 "netmap's emulated adapter cannot use them", p->name, now.features[0]);
		if (out)
			json_array_append_new(out, finding("offloads", p->name, "error", msg, fix));
		bits |= NIC_DRIFT_OFFLOADS;
	}
	if (now.set_promisc && p->prep.promiscuous) {
		snprintf(msg, sizeof(msg), "promiscuous mode lost on %s: the switch gets only frames addressed to %s",
			 p->name, p->name);
		snprintf(fix, sizeof(fix), "`ip link set %s promisc on`, or `systemctl reload netmapd`",
			 p->name);
		if (out)
			json_array_append_new(out, finding("promiscuous", p->name, "error", msg, fix));
		bits |= NIC_DRIFT_PROMISC;
	}
	if (now.set_up) {
		snprintf(msg, sizeof(msg), "%s is administratively down", p->name);
		snprintf(fix, sizeof(fix), "`ip link set %s up`", p->name);
		if (out)
			json_array_append_new(out, finding("link", p->name, "error", msg, fix));
		bits |= NIC_DRIFT_DOWN;
	} else {
		link_state(d, p->name, link, sizeof(link));
		if (link[0] && strcmp(link, "up") && strcmp(link, "unknown")) {
			snprintf(msg, sizeof(msg), "%s has no link (operstate %s)", p->name, link);
			snprintf(fix, sizeof(fix), "check the cable or the peer of %s", p->name);
			if (out)
				json_array_append_new(out, finding("link", p->name, "warning", msg, fix));
			bits |= NIC_DRIFT_LINK;
		}
	}
	return bits;
}

/* The NICs of the file that are attached (prepared) now, per the engine. */
static bool nic_prepared(const json_t *topo, const char *name)
{
	size_t i;
	json_t *x;

	json_array_foreach(json_object_get(topo, "nics"), i, x)
		if (streq(json_string_value(json_object_get(x, "name")), name))
			return json_is_true(json_object_get(x, "prepared"));
	return false;
}

/* Calls @fn for each prepared NIC of the file. */
static void for_each_prepared_nic(struct nmd_daemon *d,
				  void (*fn)(struct nmd_daemon *d, const struct nmd_port *p, void *arg),
				  void *arg)
{
	const struct nmd_config *c = d->config;
	json_t *topo;

	if (!c || !d->engine || d->applies == 0)
		return;
	topo = engine_topology_json(d->engine);
	for (size_t s = 0; s < c->n_switches; s++)
		for (size_t i = 0; i < c->switches[s].n_ports; i++) {
			const struct nmd_port *p = &c->switches[s].ports[i];

			if (p->kind == NMD_PORT_NIC && nic_prepared(topo, p->name))
				fn(d, p, arg);
		}
	json_decref(topo);
}

static void drift_collect(struct nmd_daemon *d, const struct nmd_port *p, void *arg)
{
	nic_drift(d, p, arg);
}

/* The drift last logged for @ifname (a small list in the daemon). */
static unsigned *drift_slot(struct nmd_daemon *d, const char *ifname)
{
	struct obs_drift *v;

	for (size_t i = 0; i < d->n_drift; i++)
		if (streq(d->drift[i].ifname, ifname))
			return &d->drift[i].bits;
	v = realloc(d->drift, (d->n_drift + 1) * sizeof(*v));
	if (!v)
		return NULL;
	d->drift = v;
	snprintf(v[d->n_drift].ifname, sizeof(v[d->n_drift].ifname), "%s", ifname);
	v[d->n_drift].bits = 0;
	return &v[d->n_drift++].bits;
}

static void drift_log(struct nmd_daemon *d, const struct nmd_port *p, void *arg)
{
	json_t *found = json_array();
	unsigned bits = nic_drift(d, p, found), *last = drift_slot(d, p->name);
	const char *file;
	unsigned line = config_line(d->config, p->mark.line, &file);
	size_t i;
	json_t *x;

	(void)arg;
	if (last && bits != *last) {
		json_array_foreach(found, i, x)
			log_fields(LOG_WARNING, NMD_MSGID_NIC_DRIFT,
				   &(struct log_ctx){ .interface = p->name, .config_file = file,
						      .config_line = line },
				   "%s (%s)", json_string_value(json_object_get(x, "message")),
				   json_string_value(json_object_get(x, "fix")));
		if (!bits && *last)
			log_fields(LOG_NOTICE, NMD_MSGID_NIC_DRIFT,
				   &(struct log_ctx){ .interface = p->name, .config_file = file,
						      .config_line = line },
				   "%s is again as netmapd prepared it", p->name);
		*last = bits;
	}
	json_decref(found);
}

void observe_nics(struct nmd_daemon *d)
{
	for_each_prepared_nic(d, drift_log, NULL);
}


/* ---- object.get ---------------------------------------------------------- */

struct find {
	const char *name;
	struct obs_object o;
	char buf[NMD_REQ_IFNAMSIZ + 8];
	bool found;
};

static void find_one(void *arg, const struct obs_object *o)
{
	struct find *f = arg;

	/* A persistent port also by its own name: "v0" for "vale0:v0". */
	if (f->found || !(streq(o->name, f->name) ||
			  (o->port && o->port->kind == NMD_PORT_PERSISTENT && streq(o->kind, "persistent") &&
			   streq(o->port->full, f->name))))
		return;
	f->o = *o;
	snprintf(f->buf, sizeof(f->buf), "%s", o->name);
	f->o.name = f->buf;
	f->found = true;
}

static const char *region_of(const struct obs_object *o, char *buf, size_t size)
{
	if (o->port && (o->port->kind == NMD_PORT_NIC))
		return "global";
	if (o->port && o->port->memory) {
		if (streq(o->port->memory, "global"))
			return "global";
		snprintf(buf, size, "shared with %s", o->port->memory);
		return buf;
	}
	if (o->pipe) {
		snprintf(buf, size, "of the parent %s", o->pipe->parent);
		return buf;
	}
	if (o->monitor) {
		snprintf(buf, size, "of the monitored %s", o->monitor->target);
		return buf;
	}
	return "own";
}

static json_t *object_holders(const struct nmd_daemon *d, const char *name)
{
	json_t *all = holders_json(d), *mine = json_array();
	size_t i;
	json_t *h;

	json_array_foreach(all, i, h)
		if (streq(json_string_value(json_object_get(h, "name")), name))
			json_array_append(mine, h);
	json_decref(all);
	return mine;
}

int observe_object_json(struct nmd_daemon *d, const char *name, json_t **out)
{
	struct find f = { 0 };
	struct kern_reg reg = { 0 };
	char buf[256];
	json_t *j, *cnt;
	int r;

	f.name = name;
	for_each_object(d->config, find_one, &f);
	if (f.found)
		name = f.buf;
	if (!f.found) {
		struct kern_stats st;

		/* Not in the file: a port that exists (opened by a client, made by hand). */
		if (d->kern.ops->port_stats(d->kern.ctx, name, &st) < 0)
			return -ENOENT;
		f.o = (struct obs_object){ .name = name, .kind = stats_kind(st.kind) };
	}
	j = json_pack("{s:s, s:s*, s:s*}", "name", name, "kind", f.o.kind, "switch", f.o.sw);
	if (!j)
		return -ENOMEM;
	if (f.o.line) {
		json_object_set_new(j, "config", json_string(f.o.file ? f.o.file : d->config->file));
		json_object_set_new(j, "line", json_integer(f.o.line));
	}
	json_object_set_new(j, "access", f.found ? observe_access_json(f.o.access) : json_null());
	r = d->kern.ops->port_info(d->kern.ctx, name, &reg);
	if (r == 0) {
		json_object_set_new(j, "rings", json_pack("{s:i, s:i, s:i, s:i}", "tx",
							  (int)reg.tx_rings, "rx", (int)reg.rx_rings,
							  "host_tx", (int)reg.host_tx_rings, "host_rx",
							  (int)reg.host_rx_rings));
		json_object_set_new(j, "slots", json_pack("{s:i, s:i}", "tx", (int)reg.tx_slots, "rx",
							  (int)reg.rx_slots));
		json_object_set_new(j, "region", json_pack("{s:i, s:I, s:s}", "mem_id",
							   (int)reg.mem_id, "memsize",
							   (json_int_t)reg.memsize, "kind",
							   region_of(&f.o, buf, sizeof(buf))));
	} else {
		json_object_set_new(j, "exists", json_false());
		json_object_set_new(j, "errno", json_integer(-r));
	}
	cnt = observe_counters_json(d, name, f.o.kind);
	if (cnt) {
		json_object_del(cnt, "name");
		json_object_del(cnt, "kind");
		json_object_set_new(j, "counters", cnt);
	}
	json_object_set_new(j, "holders", object_holders(d, name));
	if (f.o.port && f.o.port->kind == NMD_PORT_NIC) {
		json_t *found = json_array();

		nic_drift(d, f.o.port, found);
		json_object_set_new(j, "problems", found);
	}
	*out = j;
	return 0;
}

/* The module: loaded, and the version this daemon was built with. */
static void doctor_module(struct nmd_daemon *d, json_t *out)
{
	const char *root = d->opts.sysfs_root ? d->opts.sysfs_root : MODULE_SYSFS_ROOT;
	char v[64], msg[512], fix[512];

	if (module_is_loaded(root, d->module_name) <= 0) {
		snprintf(msg, sizeof(msg), "module %s is not loaded", d->module_name);
		snprintf(fix, sizeof(fix), "`modprobe %s`; if it is missing for this kernel, `dkms status` tells whether it was built",
			 d->module_name);
		json_array_append_new(out, finding("module", d->module_name, "error", msg, fix));
		return;
	}
	if (module_version(root, d->module_name, v, sizeof(v)) < 0)
		snprintf(v, sizeof(v), "none");
	if (strcmp(v, NETMAPD_MODULE_VERSION)) {
		snprintf(msg, sizeof(msg), "module %s is version %s, netmapd is %s: a stale module after an upgrade?",
			 d->module_name, v, NETMAPD_MODULE_VERSION);
		snprintf(fix, sizeof(fix), "stop netmapd, `modprobe -r %s`, check `dkms status` and `modinfo %s`, start netmapd",
			 d->module_name, d->module_name);
		json_array_append_new(out, finding("module-version", d->module_name, "error", msg, fix));
	}
}

/*
 * A pool or the memory cap is reported from OBSERVE_HEADROOM_PCT used;
 * the value suggested leaves a quarter free (OBSERVE_HEADROOM_AIM % used).
 * Private regions are sized by netmap for their port: always nearly full,
 * not reported.
 */
#define OBSERVE_HEADROOM_PCT 90
#define OBSERVE_HEADROOM_AIM 75

static uint64_t headroom_aim(uint64_t need)
{
	return (need * 100 + OBSERVE_HEADROOM_AIM - 1) / OBSERVE_HEADROOM_AIM;
}

static void headroom_pool(const struct cap_region *g, int p, const char *file, json_t *out)
{
	static const char *const pool[CAP_POOLS] = { "netmap_ifs", "rings", "buffers" };
	static const char *const param[CAP_POOLS] = { "if_num", "ring_num", "buf_num" };
	uint64_t pct = g->need_num[p] * 100 / g->have_num[p], want = headroom_aim(g->need_num[p]);
	char msg[512], fix[512], more[32];

	if (pct < OBSERVE_HEADROOM_PCT)
		return;
	capacity_human((want - g->have_num[p]) * g->have_size[p], more, sizeof(more));
	snprintf(msg, sizeof(msg), "%s %" PRIu64 "%% used in the %s (%" PRIu64 " of %" PRIu64 ")",
		 pool[p], pct, g->name, g->need_num[p], g->have_num[p]);
	snprintf(fix, sizeof(fix), "raise %s to %" PRIu64 " (\"%s: %" PRIu64 "\" under \"module: params:\" in %s, then reload; %s more)",
		 param[p], want, param[p], want, file, more);
	json_array_append_new(out, finding("headroom", g->name, pct >= 100 ? "error" : "warning",
					   msg, fix));
}

void observe_headroom(const struct capacity *cap, const char *file, json_t *out)
{
	uint64_t have, pct, want;
	char msg[512], fix[512], used[32];

	for (size_t i = 0; i < cap->n_regions; i++)
		for (int p = 0; p < CAP_POOLS; p++)
			if (cap->regions[i].global && cap->regions[i].users &&
			    cap->regions[i].have_num[p])
				headroom_pool(&cap->regions[i], p, file, out);
	have = cap->max_mem_mb << 20;
	if (!have || !cap->total_bytes)
		return;
	pct = cap->total_bytes / (have / 100 ? have / 100 : 1);
	if (pct < OBSERVE_HEADROOM_PCT)
		return;
	want = (headroom_aim(cap->total_bytes) + (1u << 20) - 1) >> 20;
	capacity_human(cap->total_bytes, used, sizeof(used));
	snprintf(msg, sizeof(msg), "memory %" PRIu64 "%% used: the regions take %s of max_mem_mb %" PRIu64 " MiB%s",
		 pct, used, cap->max_mem_mb, cap->max_mem_default ? " (half of the RAM)" : "");
	snprintf(fix, sizeof(fix), "raise max_mem_mb to %" PRIu64 " (\"max_mem_mb: %" PRIu64 "\" under \"module: params:\" in %s, then reload)",
		 want, want, file);
	json_array_append_new(out, finding("headroom", "memory", pct >= 100 ? "error" : "warning",
					   msg, fix));
}

static void doctor_headroom(struct nmd_daemon *d, json_t *out)
{
	struct capacity *cap = NULL;
	struct diags tmp;

	if (!d->config || config_diags_init(&tmp, d->config) < 0)
		return;
	if (capacity_check(d->config, &cap, &tmp) != -ENOMEM && cap)
		observe_headroom(cap, d->config->file, out);
	capacity_free(cap);
	diags_done(&tmp);
}

json_t *observe_doctor_json(struct nmd_daemon *d)
{
	json_t *out = json_array();

	if (!out)
		return NULL;
	for_each_prepared_nic(d, drift_collect, out);
	doctor_module(d, out);
	doctor_headroom(d, out);
	if (d->applies == 0)
		json_array_append_new(out, finding("config", d->config_path, "error",
						   "the configuration is not applied",
						   "`nmctl status` and `journalctl -u netmapd` say why; fix the file and `systemctl reload netmapd`"));
	return out;
}
