// SPDX-License-Identifier: BSD-2-Clause
/*
 * engine_state - the engine's owned objects and their state file.
 *
 * The state file is what survives a crash or a restart: the objects this
 * daemon made or took, with what it needs to undo them (a NIC's saved
 * settings, a persistent port's parameters). Format (version 1):
 *
 *   {"version":1,"objects":[
 *     {"kind":"persistent","name":"v0","params":{"tx_rings":1,...,"memory":"","mem_id":0}},
 *     {"kind":"nic","name":"eth1","params":{"offloads":"off",...},"nic_saved":{...}},
 *     {"kind":"attach","name":"vale0:eth1","params":{"host":true}},
 *     {"kind":"polling","name":"vale0:eth1","params":{"mode":"single","first_cpu":0,"ncpus":1}},
 *     {"kind":"anchor","name":"v0{1","fdname":"anchor-v0%7B1","params":{...}}],
 *    "intent":{"op":"make","object":{"kind":"nic","name":"eth1",...,"nic_saved":{...}}},
 *    "confirm":{"config":"/tmp/new.yaml","deadline":1733540000,
 *               "previous":{"file":"/etc/netmapd/netmapd.yaml","files":[
 *                 {"name":"/etc/netmapd/netmapd.yaml","text":"version: 1\n..."},
 *                 {"name":"/etc/netmapd/netmapd.yaml.d/10-lab.yaml","text":"..."}]}}}
 *
 * "intent" (optional) is the write-ahead record of the one change in
 * progress (engine_int.h, struct eng_intent): written before the kernel or
 * the NIC is touched, replaced by the outcome (the object in "objects", or
 * gone from it) after. For a NIC being prepared its "nic_saved" holds the
 * settings read BEFORE the prepare (nic_observe()), so that the next start
 * after a crash restores those, never the changed ones.
 *
 * "confirm" (optional) is an apply waiting for `nmctl confirm` (engine.h,
 * struct eng_confirm): written before that apply starts and removed when
 * it is confirmed or rolled back, so that the next start after a crash or
 * a stop inside the window applies "previous" again instead of keeping the
 * unconfirmed change (the daemon does that: confirm.c). "previous" holds
 * every file of that configuration (its includes and drop-ins), the main
 * one first; {"file": NAME, "text": TEXT}, the one-file form of earlier
 * versions, is read as well.
 *
 * Objects are written in the order they were made, one per line, from a
 * text made once per object (rewriting the file after each of the 2048
 * steps of a 1024-port apply must stay cheap); a rollback puts objects
 * back where they were, so it gives back the same bytes. The file is
 * replaced atomically: written to a temporary file in the same directory,
 * fsync'ed, renamed over the old one, and the directory fsync'ed, so a
 * reader (or the next start after a crash) sees the old or the new state,
 * never a mix. Reading is strict: anything unexpected is an error with the
 * reason, since guessing could make the daemon delete what it does not own
 * (the daemon then moves the file aside: engine_start()). The file is opened
 * with O_NOFOLLOW | O_NONBLOCK and must be a regular file of at most
 * STATE_MAX_BYTES.
 */
#define _GNU_SOURCE
#include "engine_int.h"
#include "cfgfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATE_VERSION 1
/* A state of 65536 objects is ~30 MB of JSON; more is not a state of ours. */
#define STATE_MAX_BYTES (64 << 20)

static const char *const kind_names[OBJ__COUNT] = {
	[OBJ_PERSISTENT] = "persistent",
	[OBJ_NIC] = "nic",
	[OBJ_ATTACH] = "attach",
	[OBJ_POLLING] = "polling",
	[OBJ_ANCHOR] = "anchor",
};

const char *eng_obj_kind_name(enum eng_obj_kind k)
{
	return (unsigned)k < OBJ__COUNT ? kind_names[k] : "?";
}

struct eng_obj *eng_obj_find(struct engine *e, enum eng_obj_kind kind, const char *name)
{
	for (size_t i = 0; i < e->n_objs; i++)
		if (e->objs[i].kind == kind && streq(e->objs[i].name, name))
			return &e->objs[i];
	return NULL;
}

struct eng_obj *eng_obj_insert(struct engine *e, size_t pos, const struct eng_obj *o)
{
	struct eng_obj *n;
	json_t *j;
	char *text;

	if (pos > e->n_objs)
		pos = e->n_objs;
	/* The text first: the state file is written from it, so the object needs it. */
	j = eng_obj_to_json(o);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return NULL;
	if (e->cap_js < e->n_objs + 1) {
		size_t cap = e->cap_js ? e->cap_js * 2 : 16;
		char **v = realloc(e->js, cap * sizeof(*v));

		if (!v) {
			free(text);
			return NULL;
		}
		e->js = v;
		e->cap_js = cap;
	}
	n = array_push(&e->objs, &e->n_objs, &e->cap_objs, sizeof(*n));
	if (!n) {
		free(text);
		return NULL;
	}
	memmove(&e->objs[pos + 1], &e->objs[pos], (e->n_objs - 1 - pos) * sizeof(*n));
	memmove(&e->js[pos + 1], &e->js[pos], (e->n_objs - 1 - pos) * sizeof(*e->js));
	e->objs[pos] = *o;
	e->js[pos] = text;
	return &e->objs[pos];
}

struct eng_obj *eng_obj_add(struct engine *e, const struct eng_obj *o)
{
	return eng_obj_insert(e, e->n_objs, o);
}

void eng_obj_del(struct engine *e, struct eng_obj *o)
{
	size_t i = (size_t)(o - e->objs);

	free(e->js[i]);
	memmove(&e->objs[i], &e->objs[i + 1], (e->n_objs - i - 1) * sizeof(*o));
	memmove(&e->js[i], &e->js[i + 1], (e->n_objs - i - 1) * sizeof(*e->js));
	e->n_objs--;
}

void eng_obj_clear(struct engine *e)
{
	for (size_t i = 0; i < e->n_objs; i++)
		free(e->js[i]);
	e->n_objs = 0;
}

/*
 * "anchor-" and the name with every byte outside [A-Za-z0-9_.-] as %XX:
 * reversible, unique, and valid for systemd (printable ASCII, no ':', at
 * most 255). A name whose encoding does not fit gets a hash instead (the
 * state file maps fdnames to objects, so any unique name works).
 */
void eng_anchor_fdname(const char *name, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	uint64_t h = 0xcbf29ce484222325ull;
	const char *s;

	o = (size_t)snprintf(buf, len, "anchor-");
	for (s = name; *s && o + 4 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-') {
			buf[o++] = (char)ch;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[ch >> 4];
			buf[o++] = hex[ch & 15];
		}
	}
	buf[o] = '\0';
	if (!*s)
		return;
	for (s = name; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;	/* FNV-1a */
	snprintf(buf, len, "anchor-h%016" PRIx64, h);
}

/* ---- to JSON ---- */

static const char *const offloads_names[] = { "off", "keep" };
static const char *const flow_names[] = { "keep", "off" };
static const char *const polling_names[] = { "none", "single", "multi" };

static json_t *prep_to_json(const struct nmd_nic_prep *p, bool bridged)
{
	return json_pack("{s:s, s:b, s:s, s:b, s:b}",
			 "offloads", offloads_names[p->offloads == NMD_OFFLOADS_KEEP],
			 "promiscuous", p->promiscuous,
			 "flow_control", flow_names[p->flow_control == NMD_FLOW_CONTROL_OFF],
			 "force", p->force, "bridged", bridged);
}

json_t *eng_obj_to_json(const struct eng_obj *o)
{
	json_t *j, *params = NULL;

	switch (o->kind) {
	case OBJ_PERSISTENT:
		params = json_pack("{s:I, s:I, s:I, s:I, s:s, s:i}",
				   "tx_rings", (json_int_t)o->tx_rings,
				   "rx_rings", (json_int_t)o->rx_rings,
				   "tx_slots", (json_int_t)o->tx_slots,
				   "rx_slots", (json_int_t)o->rx_slots,
				   "memory", o->memory, "mem_id", (int)o->mem_id);
		break;
	case OBJ_ANCHOR:
		params = json_pack("{s:I, s:I, s:I, s:I}",
				   "tx_rings", (json_int_t)o->tx_rings,
				   "rx_rings", (json_int_t)o->rx_rings,
				   "tx_slots", (json_int_t)o->tx_slots,
				   "rx_slots", (json_int_t)o->rx_slots);
		break;
	case OBJ_ATTACH:
		params = json_pack("{s:b}", "host", o->host);
		break;
	case OBJ_NIC:
		params = prep_to_json(&o->prep, o->bridged);
		break;
	case OBJ_POLLING:
		params = json_pack("{s:s, s:I, s:I}",
				   "mode", polling_names[o->polling.mode <= NMD_POLLING_MULTI ?
							 o->polling.mode : 0],
				   "first_cpu", (json_int_t)o->polling.first_cpu,
				   "ncpus", (json_int_t)o->polling.ncpus);
		break;
	case OBJ__COUNT:
		break;
	}
	if (!params)
		return NULL;
	j = json_pack("{s:s, s:s, s:o}", "kind", eng_obj_kind_name(o->kind), "name", o->name,
		      "params", params);
	if (!j)
		return NULL;
	if (o->kind == OBJ_NIC) {
		json_t *s = nic_saved_to_json(&o->saved);

		if (!s || json_object_set_new(j, "nic_saved", s)) {
			json_decref(j);
			return NULL;
		}
	}
	if (o->kind == OBJ_ANCHOR && json_object_set_new(j, "fdname", json_string(o->fdname))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The intent as the state file holds it: {"op":"make","object":{...}}. */
static json_t *intent_to_json(const struct eng_intent *in)
{
	json_t *o = eng_obj_to_json(&in->obj);

	if (!o)
		return NULL;
	return json_pack("{s:s, s:o}", "op", in->make ? "make" : "remove", "object", o);
}

int eng_intent_set(struct engine *e, bool make, const struct eng_obj *o)
{
	json_t *j;

	eng_intent_clear(e);
	e->intent.make = make;
	e->intent.obj = *o;
	e->intent.obj.fd = -1;
	j = intent_to_json(&e->intent);
	e->intent.js = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!e->intent.js)
		return -ENOMEM;
	e->intent.set = true;
	return 0;
}

void eng_intent_clear(struct engine *e)
{
	free(e->intent.js);
	memset(&e->intent, 0, sizeof(e->intent));
	e->intent.obj.fd = -1;
}

void eng_confirm_clear(struct engine *e)
{
	free(e->confirm.file);
	free(e->confirm.prev_file);
	cfgfiles_texts_free(e->confirm.prev_texts, e->confirm.n_prev_texts);
	free(e->confirm_js);
	memset(&e->confirm, 0, sizeof(e->confirm));
	e->confirm_js = NULL;
}

/* 0 when @c is complete and within the limits of engine.h, else -EINVAL or -E2BIG. */
static int confirm_check(const struct eng_confirm *c)
{
	size_t bytes = 0;

	if (!c->file || !c->prev_file || !c->n_prev_texts || !c->prev_texts)
		return -EINVAL;
	if (c->n_prev_texts > CFGFILES_MAX)
		return -E2BIG;
	for (size_t i = 0; i < c->n_prev_texts; i++) {
		if (!c->prev_texts[i].name || !c->prev_texts[i].text)
			return -EINVAL;
		bytes += strlen(c->prev_texts[i].text);
	}
	return bytes > ENG_CONFIRM_TEXT_MAX ? -E2BIG : 0;
}

/* {"file": NAME, "files": [{"name", "text"}, ...]} of @c's previous configuration. */
static json_t *confirm_previous_json(const struct eng_confirm *c)
{
	json_t *files = json_array();

	for (size_t i = 0; files && i < c->n_prev_texts; i++) {
		if (json_array_append_new(files, json_pack("{s:s, s:s}", "name",
							   c->prev_texts[i].name, "text",
							   c->prev_texts[i].text)) < 0) {
			json_decref(files);
			return NULL;
		}
	}
	return files ? json_pack("{s:s, s:o}", "file", c->prev_file, "files", files) : NULL;
}

/*
 * Copy @c into e->confirm with its text for the state file; -EINVAL and
 * -E2BIG (confirm_check()) change nothing, -ENOMEM leaves none.
 */
static int confirm_put(struct engine *e, const struct eng_confirm *c)
{
	struct nmd_config_text *t;
	json_t *j;
	int r;

	r = confirm_check(c);
	if (r < 0)
		return r;	/* what was recorded stays */
	eng_confirm_clear(e);
	e->confirm.file = strdup(c->file);
	e->confirm.prev_file = strdup(c->prev_file);
	t = e->confirm.prev_texts = calloc(c->n_prev_texts, sizeof(*t));
	for (size_t i = 0; t && i < c->n_prev_texts; i++, e->confirm.n_prev_texts++) {
		t[i].name = strdup(c->prev_texts[i].name);
		t[i].text = strdup(c->prev_texts[i].text);
		if (!t[i].name || !t[i].text)
			t = NULL;
	}
	e->confirm.deadline = c->deadline;
	j = json_pack("{s:s, s:I, s:o}", "config", c->file, "deadline",
		      (json_int_t)c->deadline, "previous", confirm_previous_json(c));
	e->confirm_js = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!e->confirm.file || !e->confirm.prev_file || !t || !e->confirm_js) {
		eng_confirm_clear(e);
		return -ENOMEM;
	}
	return 0;
}

int engine_confirm_set(struct engine *e, const struct eng_confirm *c, struct diags *d)
{
	int r;

	if (!c && !e->confirm.file)
		return 0;
	if (!c) {
		eng_confirm_clear(e);
		return eng_state_save(e, d);
	}
	r = confirm_put(e, c);
	if (r < 0)
		return eng_err(d, NULL, "state file %s: cannot record the confirmation: %s",
			       e->state_path ? e->state_path : "-", strerror(-r)), r;
	r = eng_state_save(e, d);
	if (r < 0)
		eng_confirm_clear(e);
	return r;
}

const struct eng_confirm *engine_confirm_get(const struct engine *e)
{
	return e->confirm.file ? &e->confirm : NULL;
}

/*
 * The file's text: the objects' cached texts, one per line, in the order
 * they were made, then the intent if one is in progress.
 */
static char *state_text(const struct engine *e)
{
	static const char head[] = "{\"version\": 1, \"objects\": [";
	static const char ihead[] = ", \"intent\": ";
	static const char chead[] = ", \"confirm\": ";
	size_t len = sizeof(head) + sizeof(ihead) + sizeof(chead) + 8, o;
	char *s;

	for (size_t i = 0; i < e->n_objs; i++)
		len += strlen(e->js[i]) + 3;
	if (e->intent.set)
		len += strlen(e->intent.js);
	if (e->confirm_js)
		len += strlen(e->confirm_js);
	s = malloc(len);
	if (!s)
		return NULL;
	o = sizeof(head) - 1;
	memcpy(s, head, o);
	for (size_t i = 0; i < e->n_objs; i++) {
		size_t l = strlen(e->js[i]);

		memcpy(s + o, i ? ",\n " : "\n ", i ? 3 : 2);
		o += i ? 3 : 2;
		memcpy(s + o, e->js[i], l);
		o += l;
	}
	memcpy(s + o, e->n_objs ? "\n]" : "]", e->n_objs ? 2 : 1);
	o += e->n_objs ? 2 : 1;
	if (e->intent.set) {
		memcpy(s + o, ihead, sizeof(ihead) - 1);
		o += sizeof(ihead) - 1;
		memcpy(s + o, e->intent.js, strlen(e->intent.js));
		o += strlen(e->intent.js);
	}
	if (e->confirm_js) {
		memcpy(s + o, chead, sizeof(chead) - 1);
		o += sizeof(chead) - 1;
		memcpy(s + o, e->confirm_js, strlen(e->confirm_js));
		o += strlen(e->confirm_js);
	}
	memcpy(s + o, "}", 2);
	return s;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int eng_state_save(struct engine *e, struct diags *d)
{
	_cleanup_free_ char *text = NULL, *tmp = NULL, *dircopy = NULL;
	int fd, r, dfd;

	if (!e->state_path)
		return 0;
	text = state_text(e);
	if (!text || asprintf(&tmp, "%s.tmpXXXXXX", e->state_path) < 0) {
		tmp = NULL;
		eng_err(d, NULL, "state file %s: out of memory", e->state_path);
		return -ENOMEM;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		eng_err(d, NULL, "state file %s: cannot create %s: %s", e->state_path, tmp,
			strerror(-r));
		return r;
	}
	r = write_all(fd, text, strlen(text));
	if (!r)
		r = write_all(fd, "\n", 1);
	if (!r && fchmod(fd, 0644) < 0)
		r = -errno;
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, e->state_path) < 0)
		r = -errno;
	if (r) {
		unlink(tmp);
		eng_err(d, NULL, "state file %s: cannot write: %s", e->state_path, strerror(-r));
		return r;
	}
	/* The rename itself must reach the disk (it is a /run tmpfs usually: cheap). */
	dircopy = strdup(e->state_path);
	if (dircopy) {
		dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
	}
	return 0;
}

/* ---- from JSON ---- */

static int get_u32(const json_t *params, const char *key, uint32_t max, uint32_t *out)
{
	json_t *v = json_object_get(params, key);
	json_int_t x;

	if (!json_is_integer(v))
		return -EINVAL;
	x = json_integer_value(v);
	if (x < 0 || (uint64_t)x > max)
		return -EINVAL;
	*out = (uint32_t)x;
	return 0;
}

static int get_bool(const json_t *params, const char *key, bool *out)
{
	json_t *v = json_object_get(params, key);

	if (!json_is_boolean(v))
		return -EINVAL;
	*out = json_is_true(v);
	return 0;
}

static int get_enum(const json_t *params, const char *key, const char *const *names, size_t n,
		    unsigned *out)
{
	const char *s = json_string_value(json_object_get(params, key));

	for (size_t i = 0; s && i < n; i++)
		if (streq(s, names[i])) {
			*out = (unsigned)i;
			return 0;
		}
	return -EINVAL;
}

static int get_name(const json_t *j, const char *key, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(j, key));

	if (!s || strlen(s) >= len)
		return -EINVAL;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x21 || (unsigned char)*c >= 0x7f)
			return -EINVAL;
	strcpy(buf, s);
	return 0;
}

/* One object; on error, *what says which part is wrong. */
static int obj_from_json(const json_t *j, struct eng_obj *o, const char **what)
{
	const json_t *params;
	unsigned k = 0, x = 0;
	uint32_t m = 0;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	*what = "not an object";
	if (!json_is_object(j))
		return -EINVAL;
	*what = "bad or missing \"kind\"";
	if (get_enum(j, "kind", kind_names, OBJ__COUNT, &k))
		return -EINVAL;
	o->kind = (enum eng_obj_kind)k;
	*what = "bad or missing \"name\"";
	if (get_name(j, "name", o->name, sizeof(o->name)) || !o->name[0])
		return -EINVAL;
	/* Attachments and polling are "valeB:port"; the others are not switch ports. */
	if ((o->kind == OBJ_ATTACH || o->kind == OBJ_POLLING) !=
	    (startswith(o->name, "vale") && strchr(o->name, ':') && strchr(o->name, ':')[1]))
		return -EINVAL;
	params = json_object_get(j, "params");
	*what = "bad or missing \"params\"";
	if (!json_is_object(params))
		return -EINVAL;
	switch (o->kind) {
	case OBJ_PERSISTENT:
		if (get_name(params, "memory", o->memory, sizeof(o->memory)))
			return -EINVAL;
		if (get_u32(params, "mem_id", UINT16_MAX, &m))
			return -EINVAL;
		o->mem_id = (uint16_t)m;
		/* fall through */
	case OBJ_ANCHOR:
		if (get_u32(params, "tx_rings", 65535, &o->tx_rings) ||
		    get_u32(params, "rx_rings", 65535, &o->rx_rings) ||
		    get_u32(params, "tx_slots", UINT32_MAX, &o->tx_slots) ||
		    get_u32(params, "rx_slots", UINT32_MAX, &o->rx_slots))
			return -EINVAL;
		if (o->kind == OBJ_ANCHOR) {
			*what = "bad or missing \"fdname\"";
			if (get_name(j, "fdname", o->fdname, sizeof(o->fdname)) ||
			    strchr(o->fdname, ':'))
				return -EINVAL;
		}
		break;
	case OBJ_ATTACH:
		if (get_bool(params, "host", &o->host))
			return -EINVAL;
		break;
	case OBJ_NIC:
		if (get_enum(params, "offloads", offloads_names, 2, &x))
			return -EINVAL;
		o->prep.offloads = x ? NMD_OFFLOADS_KEEP : NMD_OFFLOADS_OFF;
		if (get_enum(params, "flow_control", flow_names, 2, &x))
			return -EINVAL;
		o->prep.flow_control = x ? NMD_FLOW_CONTROL_OFF : NMD_FLOW_CONTROL_KEEP;
		if (get_bool(params, "promiscuous", &o->prep.promiscuous) ||
		    get_bool(params, "force", &o->prep.force) ||
		    get_bool(params, "bridged", &o->bridged))
			return -EINVAL;
		*what = "bad or missing \"nic_saved\"";
		if (nic_saved_from_json(json_object_get(j, "nic_saved"), &o->saved))
			return -EINVAL;
		break;
	case OBJ_POLLING:
		if (get_enum(params, "mode", polling_names, 3, &x) || x == 0)
			return -EINVAL;
		o->polling.mode = x == 1 ? NMD_POLLING_SINGLE : NMD_POLLING_MULTI;
		if (get_u32(params, "first_cpu", NMD_MAX_CPU, &o->polling.first_cpu) ||
		    get_u32(params, "ncpus", NMD_MAX_CPU + 1, &o->polling.ncpus))
			return -EINVAL;
		break;
	case OBJ__COUNT:
		return -EINVAL;
	}
	return 0;
}

/*
 * The state file's bytes, read without following a symlink or blocking
 * (O_NOFOLLOW | O_NONBLOCK: a FIFO put there must not hang the start),
 * from a regular file of at most STATE_MAX_BYTES. -ENOENT if missing; any
 * other error is a damaged file, with the reason in @d.
 */
static int state_read(const char *path, char **buf, size_t *len, struct diags *d)
{
	char why[160];
	int r;

	r = read_regular_file(path, STATE_MAX_BYTES, buf, len, why, sizeof(why));
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return eng_err(d, NULL, "state file %s: %s", path, why), r;
	if (*len > STATE_MAX_BYTES) {
		free(*buf);
		*buf = NULL;
		return eng_err(d, NULL, "state file %s: larger than %d bytes", path,
			       STATE_MAX_BYTES);
	}
	return 0;
}

static int load_intent(struct engine *e, const json_t *j, struct diags *d)
{
	const char *op = json_string_value(json_object_get(j, "op"));
	const char *what = NULL;
	struct eng_obj o;

	if (!json_is_object(j) || !op || (!streq(op, "make") && !streq(op, "remove")) ||
	    json_object_size(j) != 2)
		return eng_err(d, NULL, "state file %s: \"intent\" is not {\"op\": \"make\" or \"remove\", \"object\": {...}}",
			       e->state_path);
	if (obj_from_json(json_object_get(j, "object"), &o, &what))
		return eng_err(d, NULL, "state file %s: intent: %s", e->state_path, what);
	if (eng_intent_set(e, streq(op, "make"), &o))
		return -ENOMEM;
	return 0;
}

/* The texts of "previous": {"file", "files": [...]}, or the one-file {"file", "text"}. */
static int load_previous(const json_t *prev, struct eng_confirm *c)
{
	const json_t *files = json_object_get(prev, "files"), *f;
	size_t i;

	c->prev_file = (char *)json_string_value(json_object_get(prev, "file"));
	if (!json_is_object(prev) || json_object_size(prev) != 2 || !c->prev_file)
		return -EINVAL;
	if (!files) {
		c->prev_texts = calloc(1, sizeof(*c->prev_texts));
		if (!c->prev_texts)
			return -ENOMEM;
		c->n_prev_texts = 1;
		c->prev_texts[0].name = c->prev_file;
		c->prev_texts[0].text = (char *)json_string_value(json_object_get(prev, "text"));
		return c->prev_texts[0].text ? 0 : -EINVAL;
	}
	if (!json_is_array(files) || !json_array_size(files) ||
	    json_array_size(files) > CFGFILES_MAX)
		return -EINVAL;
	c->prev_texts = calloc(json_array_size(files), sizeof(*c->prev_texts));
	if (!c->prev_texts)
		return -ENOMEM;
	c->n_prev_texts = json_array_size(files);
	json_array_foreach(files, i, f) {
		c->prev_texts[i].name = (char *)json_string_value(json_object_get(f, "name"));
		c->prev_texts[i].text = (char *)json_string_value(json_object_get(f, "text"));
		if (!json_is_object(f) || json_object_size(f) != 2 || !c->prev_texts[i].name ||
		    !c->prev_texts[i].text)
			return -EINVAL;
	}
	return 0;
}

static int load_confirm(struct engine *e, const json_t *j, struct diags *d)
{
	const json_t *dl = json_object_get(j, "deadline");
	struct eng_confirm c = {
		.file = (char *)json_string_value(json_object_get(j, "config")),
	};
	int r = load_previous(json_object_get(j, "previous"), &c);

	if (r == 0 && (!json_is_object(j) || json_object_size(j) != 3 || !c.file ||
		       !json_is_integer(dl) || json_integer_value(dl) < 0))
		r = -EINVAL;
	c.deadline = json_integer_value(dl);
	if (r == 0)
		r = confirm_put(e, &c);
	free(c.prev_texts);	/* the strings are the JSON tree's */
	if (r == -EINVAL || r == -E2BIG)
		return eng_err(d, NULL, "state file %s: \"confirm\" is not {\"config\": NAME, "
			       "\"deadline\": SECONDS, \"previous\": {\"file\": NAME, \"files\": "
			       "[{\"name\": NAME, \"text\": TEXT}, ...]}} (at most %d files, %u bytes of text)",
			       e->state_path, CFGFILES_MAX, ENG_CONFIRM_TEXT_MAX);
	return r;
}

int eng_state_load(struct engine *e, struct diags *d)
{
	_cleanup_free_ char *buf = NULL;
	json_error_t jerr;
	json_t *root, *objs, *v;
	size_t i, len = 0;
	int r = 0;

	if (!e->state_path)
		return 0;
	r = state_read(e->state_path, &buf, &len, d);
	if (r == -ENOENT)
		return 0;	/* first start: nothing owned */
	if (r)
		return r;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return eng_err(d, NULL, "state file %s:%d:%d: %s", e->state_path, jerr.line,
			       jerr.column, jerr.text);
	if (!json_is_object(root) ||
	    !json_is_integer(json_object_get(root, "version")) ||
	    json_integer_value(json_object_get(root, "version")) != STATE_VERSION) {
		r = eng_err(d, NULL, "state file %s: not a netmapd state (want {\"version\":%d,...})",
			    e->state_path, STATE_VERSION);
		goto out;
	}
	objs = json_object_get(root, "objects");
	if (!json_is_array(objs)) {
		r = eng_err(d, NULL, "state file %s: \"objects\" is missing or not a list",
			    e->state_path);
		goto out;
	}
	json_array_foreach(objs, i, v) {
		struct eng_obj o;
		const char *what = NULL;

		if (obj_from_json(v, &o, &what)) {
			r = eng_err(d, NULL, "state file %s: object %zu: %s", e->state_path, i, what);
			goto out;
		}
		if (eng_obj_find(e, o.kind, o.name)) {
			r = eng_err(d, NULL, "state file %s: object %zu: %s %s listed twice",
				    e->state_path, i, eng_obj_kind_name(o.kind), o.name);
			goto out;
		}
		if (!eng_obj_add(e, &o)) {
			r = -ENOMEM;
			goto out;
		}
	}
	v = json_object_get(root, "intent");
	if (v)
		r = load_intent(e, v, d);
	v = json_object_get(root, "confirm");
	if (v && !r)
		r = load_confirm(e, v, d);
out:
	json_decref(root);
	if (r) {
		eng_obj_clear(e);
		eng_intent_clear(e);
		eng_confirm_clear(e);
	}
	return r;
}

int eng_state_set_aside(struct engine *e, char *aside, size_t len)
{
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);

	if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	for (int n = 1; n < 100; n++) {
		struct stat st;
		int w = n == 1 ? snprintf(aside, len, "%s.damaged-%s", e->state_path, stamp)
			       : snprintf(aside, len, "%s.damaged-%s-%d", e->state_path, stamp, n);

		if (w < 0 || (size_t)w >= len)
			return -ENAMETOOLONG;
		if (lstat(aside, &st) == 0)
			continue;	/* never overwrite an earlier one */
		if (rename(e->state_path, aside) < 0)
			return -errno;
		return 0;
	}
	return -EEXIST;
}
