// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_engine - the engine (daemon/engine*.c) against the fake kernel
 * (fake_kern.c): plans and their order, apply/plan idempotence, changes,
 * rollback at every step, ownership, conflicts, adoption, the state file
 * and the anchors.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgfiles.h"
#include "check.h"
#include "config.h"
#include "engine.h"
#include "fake_kern.h"

static char tmpdir[PATH_MAX];
static char state_path[PATH_MAX + 32];

static struct nmd_config *load(const char *yaml)
{
	struct nmd_config *c = NULL;
	struct diags d;

	diags_init(&d, "t.yaml");
	if (config_load_buffer("t.yaml", yaml, strlen(yaml), &c, &d) < 0) {
		diags_print(&d, stdout);
		c = NULL;
	}
	diags_done(&d);
	return c;
}

static struct nmd_config *load_file(const char *path)
{
	struct nmd_config *c = NULL;
	struct diags d;

	diags_init(&d, path);
	if (config_load(path, &c, &d) < 0) {
		diags_print(&d, stdout);
		c = NULL;
	}
	diags_done(&d);
	return c;
}

/* The plan as "kind object" lines. */
static char *plan_str(const struct eng_plan *p)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < p->n; i++)
		len += strlen(eng_action_name(p->v[i].kind)) + strlen(p->v[i].object) + 2;
	s = calloc(1, len);
	for (size_t i = 0; s && i < p->n; i++) {
		strcat(s, eng_action_name(p->v[i].kind));
		strcat(s, " ");
		strcat(s, p->v[i].object);
		strcat(s, "\n");
	}
	return s;
}

static char *plan_of(struct engine *e, const struct nmd_config *c, size_t *conflicts)
{
	struct eng_plan p;
	struct diags d;
	char *s = NULL;
	int r;

	diags_init(&d, "plan");
	r = engine_plan(e, c, &p, &d);
	if (r == 0) {
		s = plan_str(&p);
		if (conflicts)
			*conflicts = p.conflicts;
		eng_plan_done(&p);
	} else {
		diags_print(&d, stdout);
	}
	diags_done(&d);
	return s;
}

static int apply(struct engine *e, const struct nmd_config *c, bool quiet)
{
	struct diags d;
	int r;

	diags_init(&d, "apply");
	r = engine_apply(e, c, NULL, &d);
	if (r && !quiet)
		diags_print(&d, stdout);
	diags_done(&d);
	return r;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return strdup("<missing>");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

static struct engine *new_engine(struct kern *k)
{
	struct engine *e = NULL;
	struct diags d;

	diags_init(&d, "engine");
	if (engine_new(k, state_path, &e, &d) < 0)
		diags_print(&d, stdout);
	diags_done(&d);
	return e;
}

/*
 * The start of most scenarios: no state file, and a fake kernel in @k that
 * has NIC eth1 (@eth1_busy: with addresses, so prepare refuses it).
 */
static struct fake_kern *fresh_kernel(struct kern *k, bool eth1_busy)
{
	struct fake_kern *f = fake_new();

	if (!f)
		abort();
	unlink(state_path);
	fake_add_nic(f, "eth1", eth1_busy);
	fake_kern(f, k);
	return f;
}

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *_a = (a), *_b = (b);                               \
		CHECK(_a && _b && strcmp(_a, _b) == 0, "got:\n%s\nwant:\n%s", \
		      _a ? _a : "(null)", _b);                                 \
	} while (0)

static const char *const default_plan =
	"newif v0\n"
	"nic_prepare eth1\n"
	"attach vale0:v0\n"
	"attach vale0:eth1\n"
	"anchor_open v0{1\n"
	"anchor_open v0{2\n"
	"anchor_open capture{0\n";

/* conf/netmapd.yaml from nothing, apply, plan again, teardown. */
static void test_default(void)
{
	struct fake_kern *f;
	struct nmd_config *c = load_file(CONF_DIR "/examples/showcase.yaml");
	struct engine *e;
	struct kern k;
	const struct eng_anchor *an;
	char *s, *before;
	bool off, promisc, pause;
	size_t n, conflicts = 99;

	f = fresh_kernel(&k, false);
	before = fake_snapshot(f);
	e = new_engine(&k);
	CHECK(c && e, "setup");
	if (!c || !e)
		return;

	s = plan_of(e, c, &conflicts);
	CHECK_STR(s, default_plan);
	CHECK(conflicts == 0, "%zu conflicts", conflicts);
	free(s);

	/* The plan as JSON carries the file's lines. */
	{
		struct eng_plan p;
		json_t *j;

		engine_plan(e, c, &p, NULL);
		j = eng_plan_to_json(&p, NULL);
		CHECK(j && json_array_size(j) == 7, "json plan");
		CHECK(json_integer_value(json_object_get(json_array_get(j, 0), "line")) > 0,
		      "newif v0 has a line");
		CHECK(streq(json_string_value(json_object_get(json_array_get(j, 3), "action")),
			    "attach"), "attach");
		json_decref(j);
		eng_plan_done(&p);
	}

	CHECK(apply(e, c, false) == 0, "apply");
	s = fake_snapshot(f);
	CHECK(s && strstr(s, "port vale0:v0 ") && strstr(s, "port vale0:eth1 ") &&
	      strstr(s, "port vale0:eth1^ ") && strstr(s, "pipe v0{1\n") &&
	      strstr(s, "pipe capture{0\n") && strstr(s, "dev v0 kind=1 rings=1/1 slots=2048/2048"),
	      "kernel after apply:\n%s", s);
	free(s);
	CHECK(fake_nic_state(f, "eth1", &off, &promisc, &pause) && !off && promisc && !pause,
	      "eth1 prepared (offloads %d promisc %d pause %d)", off, promisc, pause);

	s = plan_of(e, c, NULL);
	CHECK_STR(s, "");
	free(s);
	{
		struct eng_plan done;

		CHECK(engine_apply(e, c, &done, NULL) == 0 && done.n == 0, "second apply is empty");
		eng_plan_done(&done);
	}

	/* Anchors: one per pipe, systemd-valid unique names, real fds. */
	n = engine_anchors(e, &an);
	CHECK(n == 3, "%zu anchors", n);
	for (size_t i = 0; i < n; i++) {
		CHECK(an[i].fdname[0] && !strchr(an[i].fdname, ':') && strlen(an[i].fdname) < 255,
		      "fdname %s", an[i].fdname);
		for (const char *p = an[i].fdname; *p; p++)
			CHECK(*p > 0x20 && *p < 0x7f, "fdname %s printable", an[i].fdname);
		for (size_t j = 0; j < i; j++)
			CHECK(!streq(an[i].fdname, an[j].fdname), "unique %s", an[i].fdname);
		CHECK(fcntl(an[i].fd, F_GETFD) >= 0, "fd of %s open", an[i].object);
	}

	/* The topology. */
	{
		json_t *t = engine_topology_json(e), *sw, *ports, *p;
		size_t i;
		bool seen = false;

		CHECK(t != NULL, "topology");
		sw = json_array_get(json_object_get(t, "switches"), 0);
		CHECK(streq(json_string_value(json_object_get(sw, "name")) ?: "", "vale0"),
		      "switch vale0");
		ports = json_object_get(sw, "ports");
		json_array_foreach(ports, i, p) {
			if (streq(json_string_value(json_object_get(p, "name")), "vale0:v0")) {
				seen = true;
				CHECK(streq(json_string_value(json_object_get(p, "kind")),
					    "persistent") &&
				      json_is_true(json_object_get(p, "owned")), "v0 in topology");
			}
		}
		CHECK(seen, "vale0:v0 listed");
		CHECK(json_array_size(json_object_get(t, "pipes")) == 3, "3 pipes");
		CHECK(json_array_size(json_object_get(t, "nics")) == 1, "1 nic");
		json_decref(t);
	}

	/* Teardown puts everything back, the NIC's settings included. */
	CHECK(engine_teardown(e, NULL) == 0, "teardown");
	s = fake_snapshot(f);
	CHECK_STR(s, before);
	free(s);
	s = read_file(state_path);
	CHECK(s && strstr(s, "\"objects\": []"), "empty state: %s", s);
	free(s);
	free(before);
	engine_free(e);
	config_free(c);
	fake_free(f);
}

static const char *const yaml_a =
	"version: 1\n"
	"switches:\n"
	"  - name: vale0\n"
	"    ports:\n"
	"      - persistent: v0\n"
	"      - persistent: v1\n"
	"        rings: 2\n"
	"      - nic: eth1\n"
	"        polling: { mode: single, cpus: 1 }\n"
	"      - ephemeral: vm1\n"
	"pipes:\n"
	"  - parent: v0\n"
	"    ids: [a]\n";

/* v1 removed, a switch added. */
static const char *const yaml_b =
	"version: 1\n"
	"switches:\n"
	"  - name: vale0\n"
	"    ports:\n"
	"      - persistent: v0\n"
	"      - nic: eth1\n"
	"        polling: { mode: single, cpus: 1 }\n"
	"      - ephemeral: vm1\n"
	"  - name: vale1\n"
	"    ports:\n"
	"      - persistent: w0\n"
	"pipes:\n"
	"  - parent: v0\n"
	"    ids: [a]\n";

/* v0 with other slots: it and what hangs on it are made again. */
static const char *const yaml_c =
	"version: 1\n"
	"switches:\n"
	"  - name: vale0\n"
	"    ports:\n"
	"      - persistent: v0\n"
	"        slots: 512\n"
	"      - nic: eth1\n"
	"        polling: { mode: single, cpus: 1 }\n"
	"      - ephemeral: vm1\n"
	"  - name: vale1\n"
	"    ports:\n"
	"      - persistent: w0\n"
	"pipes:\n"
	"  - parent: v0\n"
	"    ids: [a]\n";

static const char *const yaml_empty = "version: 1\n";

static void test_changes(void)
{
	struct fake_kern *f;
	struct nmd_config *a = load(yaml_a), *b = load(yaml_b), *c = load(yaml_c),
			  *z = load(yaml_empty);
	struct engine *e;
	struct kern k;
	char *s;

	f = fresh_kernel(&k, false);
	e = new_engine(&k);
	CHECK(a && b && c && z && e, "setup");
	if (!a || !b || !c || !z || !e)
		return;
	s = plan_of(e, a, NULL);
	CHECK_STR(s, "newif v0\nnewif v1\nnic_prepare eth1\nattach vale0:v0\nattach vale0:v1\n"
		     "attach vale0:eth1\npolling_enable vale0:eth1\nanchor_open v0{a\n");
	free(s);
	CHECK(apply(e, a, false) == 0, "apply a");

	s = plan_of(e, b, NULL);
	CHECK_STR(s, "detach vale0:v1\ndelif v1\nnewif w0\nattach vale1:w0\n");
	free(s);
	CHECK(apply(e, b, false) == 0, "apply b");
	s = plan_of(e, b, NULL);
	CHECK_STR(s, "");
	free(s);

	s = plan_of(e, c, NULL);
	CHECK_STR(s, "anchor_close v0{a\ndetach vale0:v0\ndelif v0\nnewif v0\nattach vale0:v0\n"
		     "anchor_open v0{a\n");
	free(s);
	CHECK(apply(e, c, false) == 0, "apply c");
	s = fake_snapshot(f);
	CHECK(s && strstr(s, "dev v0 kind=1 rings=1/1 slots=512/512"), "v0 remade:\n%s", s);
	free(s);

	/* Everything removed by an empty file, polling stopped before the detach. */
	s = plan_of(e, z, NULL);
	/* Each kind newest first: v0 was made again after w0. */
	CHECK_STR(s, "anchor_close v0{a\npolling_disable vale0:eth1\ndetach vale0:v0\n"
		     "detach vale1:w0\ndetach vale0:eth1\nnic_restore eth1\ndelif v0\ndelif w0\n");
	free(s);
	CHECK(apply(e, z, false) == 0, "apply empty");
	s = fake_snapshot(f);
	CHECK(s && !strstr(s, "port ") && !strstr(s, "pipe ") && !strstr(s, "dev v0"),
	      "all gone:\n%s", s);
	free(s);

	engine_free(e);
	config_free(a);
	config_free(b);
	config_free(c);
	config_free(z);
	fake_free(f);
}

/*
 * Make the k-th kernel call that changes something fail, for every k of an
 * apply: the kernel and the state file must be exactly where they were.
 */
static void rollback_every_step(const struct nmd_config *from, const struct nmd_config *to,
				const char *what)
{
	unsigned steps, k;

	/* Count the changing calls of a good run. */
	{
		struct fake_kern *f;
		struct engine *e;
		struct kern k0;
		unsigned c0;

		f = fresh_kernel(&k0, false);
		e = new_engine(&k0);
		if (from)
			apply(e, from, false);
		c0 = fake_calls(f, FK_ANY);
		CHECK(apply(e, to, false) == 0, "%s: good run", what);
		steps = fake_calls(f, FK_ANY) - c0;
		engine_free(e);
		fake_free(f);
	}
	CHECK(steps > 0, "%s: %u steps", what, steps);
	for (k = 1; k <= steps; k++) {
		struct fake_kern *f;
		struct engine *e;
		struct kern k0;
		char *snap0, *state0, *snap1, *state1;
		struct diags d;
		int r;

		f = fresh_kernel(&k0, false);
		e = new_engine(&k0);
		if (from)
			apply(e, from, false);
		else
			engine_teardown(e, NULL);	/* writes the empty state file */
		snap0 = fake_snapshot(f);
		state0 = read_file(state_path);
		fake_fail(f, FK_ANY, k, EIO);
		diags_init(&d, "apply");
		r = engine_apply(e, to, NULL, &d);
		CHECK(r < 0, "%s: step %u: failure reported (%d)", what, k, r);
		CHECK(d.n >= 2, "%s: step %u: reasons given", what, k);
		diags_done(&d);
		snap1 = fake_snapshot(f);
		state1 = read_file(state_path);
		CHECK(snap0 && snap1 && streq(snap0, snap1),
		      "%s: step %u: kernel differs:\nbefore:\n%s\nafter:\n%s", what, k, snap0, snap1);
		CHECK(state0 && state1 && streq(state0, state1),
		      "%s: step %u: state differs:\nbefore:\n%s\nafter:\n%s", what, k, state0, state1);
		/* And the next apply works from there. */
		CHECK(apply(e, to, false) == 0, "%s: step %u: apply after rollback", what, k);
		free(snap0);
		free(state0);
		free(snap1);
		free(state1);
		engine_free(e);
		fake_free(f);
	}
}

static void test_rollback(void)
{
	struct nmd_config *def = load_file(CONF_DIR "/examples/showcase.yaml");
	struct nmd_config *a = load(yaml_a), *b = load(yaml_b), *c = load(yaml_c),
			  *z = load(yaml_empty);

	if (!def || !a || !b || !c || !z) {
		CHECK(0, "configs");
		return;
	}
	rollback_every_step(NULL, def, "default");
	rollback_every_step(a, b, "a->b");
	rollback_every_step(b, c, "b->c");
	rollback_every_step(c, z, "c->empty");
	config_free(def);
	config_free(a);
	config_free(b);
	config_free(c);
	config_free(z);
}

/* What someone else made is never touched; what matches is adopted. */
static void test_unowned(void)
{
	struct nmd_config *a = load(yaml_a), *z = load(yaml_empty);
	struct kern k;
	struct fake_kern *f = fresh_kernel(&k, false);
	struct engine *e;
	char *s;

	fake_add_nic(f, "eth2", false);
	/* By hand: h0 on vale0, eth2 on vale5, a client on vale0:cl, and v0 as the file wants it. */
	fake_add_persistent(f, "h0", 1, 1024);
	k.ops->vale_attach(k.ctx, "vale0:h0", false, 0);
	k.ops->vale_attach(k.ctx, "vale5:eth2", true, 0);
	fake_add_ephemeral(f, "vale0:cl");
	fake_add_persistent(f, "v0", 1, 1024);
	k.ops->vale_attach(k.ctx, "vale0:v0", false, 0);

	e = new_engine(&k);
	s = plan_of(e, a, NULL);
	CHECK_STR(s, "adopt v0\nadopt vale0:v0\nnewif v1\nnic_prepare eth1\nattach vale0:v1\n"
		     "attach vale0:eth1\npolling_enable vale0:eth1\nanchor_open v0{a\n");
	free(s);
	CHECK(apply(e, a, false) == 0, "apply");
	CHECK(apply(e, z, false) == 0, "apply empty");
	s = fake_snapshot(f);
	CHECK(s && strstr(s, "dev h0 ") && strstr(s, "port vale0:h0 ") && strstr(s, "port vale5:eth2 ") &&
	      strstr(s, "port vale5:eth2^ ") && strstr(s, "port vale0:cl ") && !strstr(s, "dev v0 ") &&
	      !strstr(s, "dev v1 "),
	      "only ours removed (v0 was adopted):\n%s", s);
	free(s);
	CHECK(engine_teardown(e, NULL) == 0, "teardown");
	s = fake_snapshot(f);
	CHECK(s && strstr(s, "dev h0 ") && strstr(s, "port vale0:cl "), "teardown leaves h0:\n%s", s);
	free(s);
	engine_free(e);
	config_free(a);
	config_free(z);
	fake_free(f);
}

static void expect_conflict(void (*setup)(struct fake_kern *, struct kern *), const char *yaml,
			    const char *needle, const char *what)
{
	struct fake_kern *f = fake_new();
	struct nmd_config *c = yaml ? load(yaml) : load_file(CONF_DIR "/examples/showcase.yaml");
	struct engine *e;
	struct kern k;
	struct eng_plan p;
	struct diags d;
	char *before, *after, buf[DIAG_MSG_MAX + 64];
	bool found = false;
	int r;

	unlink(state_path);
	fake_kern(f, &k);
	setup(f, &k);
	e = new_engine(&k);
	before = fake_snapshot(f);
	CHECK(c && engine_plan(e, c, &p, NULL) == 0 && p.conflicts == 1, "%s: one conflict", what);
	for (size_t i = 0; i < p.n; i++)
		if (p.v[i].kind == ENG_CONFLICT && strstr(p.v[i].text, needle))
			found = true;
	CHECK(found, "%s: conflict says \"%s\"", what, needle);
	eng_plan_done(&p);
	diags_init(&d, "apply");
	r = engine_apply(e, c, NULL, &d);
	CHECK(r == -EEXIST, "%s: apply refused (%d)", what, r);
	found = false;
	for (size_t i = 0; i < d.n; i++)
		if (strstr(diag_format(&d, i, buf, sizeof(buf)), needle))
			found = true;
	CHECK(found, "%s: apply says why", what);
	diags_done(&d);
	after = fake_snapshot(f);
	CHECK(before && after && streq(before, after), "%s: nothing changed", what);
	free(before);
	free(after);
	engine_free(e);
	config_free(c);
	fake_free(f);
}

static void setup_v0_netdev(struct fake_kern *f, struct kern *k)
{
	(void)k;
	fake_add_nic(f, "eth1", false);
	fake_add_netdev(f, "v0");
}

static void setup_v0_other_slots(struct fake_kern *f, struct kern *k)
{
	(void)k;
	fake_add_nic(f, "eth1", false);
	fake_add_persistent(f, "v0", 1, 1024);
}

static void setup_eth1_elsewhere(struct fake_kern *f, struct kern *k)
{
	fake_add_nic(f, "eth1", false);
	k->ops->vale_attach(k->ctx, "vale7:eth1", false, 0);
}

static void setup_no_eth1(struct fake_kern *f, struct kern *k)
{
	(void)f;
	(void)k;
}

static void setup_capture_netdev(struct fake_kern *f, struct kern *k)
{
	(void)k;
	fake_add_nic(f, "eth1", false);
	fake_add_netdev(f, "capture");
}

static void setup_vm2_netdev(struct fake_kern *f, struct kern *k)
{
	(void)k;
	fake_add_nic(f, "eth1", false);
	fake_add_netdev(f, "vm2");
}

static void setup_eth1_no_host(struct fake_kern *f, struct kern *k)
{
	fake_add_nic(f, "eth1", false);
	k->ops->vale_attach(k->ctx, "vale0:eth1", false, 0);
}

static void test_conflicts(void)
{
	expect_conflict(setup_v0_netdev, NULL, "not a persistent VALE port", "v0 is a netdev");
	expect_conflict(setup_v0_other_slots, NULL, "the file wants", "v0 differs");
	expect_conflict(setup_eth1_elsewhere, NULL, "attached to another switch", "eth1 on vale7");
	expect_conflict(setup_no_eth1, NULL, "no such network interface", "no eth1");
	expect_conflict(setup_capture_netdev, NULL, "existing interface", "implicit parent");
	expect_conflict(setup_eth1_no_host, NULL, "without its host rings", "eth1 without host");
	expect_conflict(setup_vm2_netdev, NULL, "vm2 is a network interface of this host",
			"ephemeral vale0:vm2 named like a netdev");
}

/* A NIC that prepare refuses (addresses): rollback, and the reason. */
static void test_nic_busy(void)
{
	struct fake_kern *f;
	struct nmd_config *c = load_file(CONF_DIR "/examples/showcase.yaml");
	struct engine *e;
	struct kern k;
	char *before, *after;

	f = fresh_kernel(&k, true);
	e = new_engine(&k);
	before = fake_snapshot(f);
	CHECK(apply(e, c, true) == -EBUSY, "busy NIC refused");
	after = fake_snapshot(f);
	CHECK(before && after && streq(before, after), "rolled back:\n%s", after);
	free(before);
	free(after);
	engine_free(e);
	config_free(c);
	fake_free(f);
}

/* Restart: a new engine on the same state file, with and without the fd store. */
static void test_restart(void)
{
	struct fake_kern *f;
	struct nmd_config *c = load_file(CONF_DIR "/examples/showcase.yaml"), *z = load(yaml_empty);
	struct engine *e;
	struct kern k;
	const struct eng_anchor *an;
	struct { char name[64]; int fd; } store[8];
	size_t n;
	char *s, *st0, *st1;

	f = fresh_kernel(&k, false);
	e = new_engine(&k);
	CHECK(apply(e, c, false) == 0, "apply");
	/* The fd store keeps copies of the anchors. */
	n = engine_anchors(e, &an);
	for (size_t i = 0; i < n && i < 8; i++) {
		snprintf(store[i].name, sizeof(store[i].name), "%s", an[i].fdname);
		store[i].fd = dup(an[i].fd);
	}
	engine_free(e);		/* "kill -9": nothing torn down */

	/* The state file round-trips: loading and saving gives the same bytes. */
	st0 = read_file(state_path);
	e = new_engine(&k);
	CHECK(e != NULL, "restart");
	for (size_t i = 0; i < n; i++)
		CHECK(engine_adopt_anchor(e, store[i].name, store[i].fd) == 0, "adopt %s",
		      store[i].name);
	s = plan_of(e, c, NULL);
	CHECK_STR(s, "");
	free(s);
	CHECK(engine_apply(e, c, NULL, NULL) == 0, "apply after restart");
	st1 = read_file(state_path);
	CHECK(st0 && st1 && streq(st0, st1), "state round trip:\n%s\n%s", st0, st1);
	free(st0);
	free(st1);
	/* An unknown name is refused and its fd closed. */
	{
		int fd = dup(0);

		CHECK(engine_adopt_anchor(e, "anchor-nope", fd) == -ENOENT, "unknown fdname");
		CHECK(fcntl(fd, F_GETFD) < 0, "unknown anchor's fd closed");
	}
	engine_free(e);

	/* Without the fd store: the pipes vanished, the rest is adopted. */
	e = new_engine(&k);
	s = plan_of(e, c, NULL);
	CHECK_STR(s, "anchor_open v0{1\nanchor_open v0{2\nanchor_open capture{0\n");
	free(s);
	CHECK(apply(e, c, false) == 0, "apply");
	engine_free(e);

	/* Something of ours vanished behind our back: forgotten, planned again. */
	e = new_engine(&k);
	k.ops->vale_detach(k.ctx, "vale0:v0");
	s = plan_of(e, c, NULL);
	CHECK_STR(s, "attach vale0:v0\nanchor_open v0{1\nanchor_open v0{2\nanchor_open capture{0\n");
	free(s);
	CHECK(apply(e, c, false) == 0, "apply");
	engine_free(e);		/* the pipes go with their anchors */

	/* A persistent port of ours deleted by hand while we were down. */
	CHECK(k.ops->vale_detach(k.ctx, "vale0:v0") == 0 && k.ops->vale_delif(k.ctx, "v0") == 0,
	      "v0 deleted by hand");
	e = new_engine(&k);
	s = plan_of(e, c, NULL);
	CHECK_STR(s, "newif v0\nattach vale0:v0\nanchor_open v0{1\nanchor_open v0{2\n"
		     "anchor_open capture{0\n");
	free(s);
	CHECK(apply(e, c, false) == 0, "apply");
	CHECK(apply(e, z, false) == 0, "apply empty");
	s = fake_snapshot(f);
	CHECK(s && !strstr(s, "port ") && !strstr(s, "pipe ") && !strstr(s, "dev v0"),
	      "all gone:\n%s", s);
	free(s);
	engine_free(e);
	config_free(c);
	config_free(z);
	fake_free(f);
}

static void expect_bad_state(const char *text, const char *needle)
{
	struct fake_kern *f = fake_new();
	struct engine *e = NULL;
	struct kern k;
	struct diags d;
	char buf[DIAG_MSG_MAX + 64];
	int r;

	fake_kern(f, &k);
	write_file(state_path, text);
	diags_init(&d, "engine");
	r = engine_new(&k, state_path, &e, &d);
	CHECK(r == -EINVAL && !e, "bad state %s: refused (%d)", text, r);
	CHECK(d.n >= 1 && strstr(diag_format(&d, 0, buf, sizeof(buf)), needle),
	      "bad state %s: reason \"%s\" (got \"%s\")", text, needle, d.n ? buf : "");
	diags_done(&d);
	engine_free(e);
	fake_free(f);
}

static void test_state_file(void)
{
	expect_bad_state("{", "state file");
	expect_bad_state("[]", "not a netmapd state");
	expect_bad_state("{\"version\":2,\"objects\":[]}", "not a netmapd state");
	expect_bad_state("{\"version\":1}", "\"objects\"");
	expect_bad_state("{\"version\":1,\"objects\":[{\"kind\":\"bridge\",\"name\":\"x\",\"params\":{}}]}",
			 "kind");
	expect_bad_state("{\"version\":1,\"objects\":[{\"kind\":\"attach\",\"name\":\"vale0:x\"}]}",
			 "params");
	expect_bad_state("{\"version\":1,\"objects\":[{\"kind\":\"attach\",\"name\":\"eth1\",\"params\":{\"host\":true}}]}",
			 "name");
	expect_bad_state("{\"version\":1,\"objects\":[{\"kind\":\"persistent\",\"name\":\"vale0:v0\",\"params\":{}}]}",
			 "name");
	expect_bad_state("{\"version\":1,\"objects\":[{\"kind\":\"attach\",\"name\":\"vale0:x\",\"params\":{\"host\":1}}]}",
			 "params");
	expect_bad_state("{\"version\":1,\"objects\":[{\"kind\":\"nic\",\"name\":\"eth1\",\"params\":"
			 "{\"offloads\":\"off\",\"promiscuous\":true,\"flow_control\":\"keep\",\"force\":false,\"bridged\":true}}]}",
			 "nic_saved");
	expect_bad_state("{\"version\":1,\"objects\":[{\"kind\":\"attach\",\"name\":\"vale0:x\",\"params\":{\"host\":true}},"
			 "{\"kind\":\"attach\",\"name\":\"vale0:x\",\"params\":{\"host\":true}}]}",
			 "twice");
	expect_bad_state("{\"version\":1,\"objects\":[{\"kind\":\"anchor\",\"name\":\"p{1\",\"fdname\":\"a:b\","
			 "\"params\":{\"tx_rings\":1,\"rx_rings\":1,\"tx_slots\":0,\"rx_slots\":0}}]}",
			 "fdname");
	/* A missing file is an empty state. */
	{
		struct fake_kern *f = fake_new();
		struct engine *e = NULL;
		struct kern k;

		fake_kern(f, &k);
		unlink(state_path);
		CHECK(engine_new(&k, state_path, &e, NULL) == 0 && e, "missing state file");
		engine_free(e);
		fake_free(f);
	}
	unlink(state_path);
}

/*
 * A pending confirmation in the state file: on disk as soon as it is set
 * (before the apply it protects), through applies and a "kill -9", read
 * back exactly by the next engine, gone when cleared; a malformed one is a
 * damaged state. An unwritable state file refuses it (nothing recorded).
 */
static void test_confirm_record(void)
{
	static const char prev_text[] = "version: 1\nswitches:\n  - name: vale0\n"
					 "    ports:\n      - persistent: \"q\\\"1\"\n";
	struct fake_kern *f = fake_new();
	struct nmd_config *c = load(yaml_empty);
	struct nmd_config_text texts[] = {
		{ .name = "/etc/netmapd/netmapd.yaml", .text = (char *)prev_text },
	};
	struct eng_confirm rec = { .file = "/tmp/new.yaml", .prev_file = "/etc/netmapd/netmapd.yaml",
				   .prev_texts = texts, .n_prev_texts = 1, .deadline = 1733540000 };
	const struct eng_confirm *got;
	struct engine *e;
	struct kern k;
	struct diags d;
	char path[PATH_MAX + 64], *st0, *st1;

	unlink(state_path);
	fake_kern(f, &k);
	e = new_engine(&k);
	CHECK(e && !engine_confirm_get(e), "nothing pending at first");
	CHECK(engine_confirm_set(e, NULL, NULL) == 0, "clearing nothing");
	CHECK(access(state_path, F_OK) < 0, "clearing nothing writes nothing");
	CHECK(engine_confirm_set(e, &rec, NULL) == 0, "record");
	st0 = read_file(state_path);
	CHECK(st0 && strstr(st0, "\"confirm\": {") && strstr(st0, "\"/tmp/new.yaml\""),
	      "on disk before any apply:\n%s", st0);
	CHECK(apply(e, c, false) == 0, "an apply keeps it");
	engine_free(e);		/* "kill -9" */
	e = new_engine(&k);
	got = e ? engine_confirm_get(e) : NULL;
	CHECK(got && streq(got->file, rec.file) && streq(got->prev_file, rec.prev_file) &&
	      got->n_prev_texts == 1 && streq(got->prev_texts[0].name, rec.prev_file) &&
	      streq(got->prev_texts[0].text, prev_text) && got->deadline == rec.deadline,
	      "read back after a restart");
	CHECK(apply(e, c, false) == 0, "apply after the restart");
	st1 = read_file(state_path);
	CHECK(st0 && st1 && streq(st0, st1), "same bytes:\n%s\n%s", st0, st1);
	free(st0);
	free(st1);
	CHECK(engine_confirm_set(e, NULL, NULL) == 0 && !engine_confirm_get(e), "cleared");
	engine_free(e);
	e = new_engine(&k);
	CHECK(e && !engine_confirm_get(e), "cleared on disk");
	st0 = read_file(state_path);
	CHECK(st0 && !strstr(st0, "confirm"), "no confirm left:\n%s", st0);
	free(st0);
	engine_free(e);

	snprintf(path, sizeof(path), "%s/no-such-dir/state.json", tmpdir);
	CHECK(engine_new(&k, path, &e, NULL) == 0 && e, "engine_new");
	diags_init(&d, "confirm");
	CHECK(engine_confirm_set(e, &rec, &d) == -ENOENT && !engine_confirm_get(e),
	      "unwritable state: refused, nothing recorded");
	CHECK(d.n >= 1 && strstr(d.v[0].msg, "state file"), "says why: %s", d.n ? d.v[0].msg : "");
	diags_done(&d);
	engine_free(e);

	expect_bad_state("{\"version\":1,\"objects\":[],\"confirm\":{\"config\":\"a\",\"deadline\":1}}",
			 "\"confirm\" is not");
	expect_bad_state("{\"version\":1,\"objects\":[],\"confirm\":{\"config\":\"a\",\"deadline\":\"1\","
			 "\"previous\":{\"file\":\"b\",\"text\":\"version: 1\"}}}", "\"confirm\" is not");
	expect_bad_state("{\"version\":1,\"objects\":[],\"confirm\":{\"config\":\"a\",\"deadline\":1,"
			 "\"previous\":{\"file\":\"b\",\"text\":1}}}", "\"confirm\" is not");
	unlink(state_path);
	config_free(c);
	fake_free(f);
}

/*
 * A record of a configuration in several files (include:, drop-ins): every
 * file's name and text, in order, read back after a restart; the form of
 * one "text" that earlier versions wrote is read too; a record over the
 * limits (files, bytes) is refused, and one in the state file is damage.
 */
static void test_confirm_files(void)
{
	static char big[ENG_CONFIRM_TEXT_MAX / 2 + 1];
	struct nmd_config_text texts[CFGFILES_MAX + 1] = {
		{ .name = "/etc/netmapd/netmapd.yaml", .text = "version: 1\ninclude: common.yaml\n" },
		{ .name = "/etc/netmapd/common.yaml", .text = "switches: [{name: vale0}]\n" },
		{ .name = "/etc/netmapd/netmapd.yaml.d/10-a.yaml", .text = "" },
	};
	struct eng_confirm rec = { .file = "/tmp/new.yaml", .prev_file = "/etc/netmapd/netmapd.yaml",
				   .prev_texts = texts, .n_prev_texts = 3, .deadline = 1733540000 };
	struct fake_kern *f = fake_new();
	const struct eng_confirm *got;
	struct engine *e;
	struct kern k;
	bool same;

	unlink(state_path);
	fake_kern(f, &k);
	e = new_engine(&k);
	CHECK(e && engine_confirm_set(e, &rec, NULL) == 0, "record three files");
	engine_free(e);		/* "kill -9" */
	e = new_engine(&k);
	got = e ? engine_confirm_get(e) : NULL;
	same = got && got->n_prev_texts == 3 && streq(got->prev_file, rec.prev_file);
	for (size_t i = 0; same && i < 3; i++)
		same = streq(got->prev_texts[i].name, texts[i].name) &&
		       streq(got->prev_texts[i].text, texts[i].text);
	CHECK(same, "every file read back, in order");

	/* Over the limits: nothing recorded, the earlier record stays. */
	for (size_t i = 3; i <= CFGFILES_MAX; i++)
		texts[i] = texts[2];
	rec.n_prev_texts = CFGFILES_MAX + 1;
	CHECK(e && engine_confirm_set(e, &rec, NULL) == -E2BIG, "%d files refused", CFGFILES_MAX + 1);
	memset(big, 'a', sizeof(big) - 1);
	texts[1].text = texts[2].text = big;
	rec.n_prev_texts = 3;
	CHECK(e && engine_confirm_set(e, &rec, NULL) == -E2BIG, "more than %u bytes refused",
	      ENG_CONFIRM_TEXT_MAX);
	CHECK(e && engine_confirm_get(e) && engine_confirm_get(e)->n_prev_texts == 3,
	      "the earlier record is kept");
	engine_free(e);

	write_file(state_path, "{\"version\":1,\"objects\":[],\"confirm\":{\"config\":\"a\","
		   "\"deadline\":1,\"previous\":{\"file\":\"b\",\"text\":\"version: 1\\n\"}}}");
	e = new_engine(&k);
	got = e ? engine_confirm_get(e) : NULL;
	CHECK(got && got->n_prev_texts == 1 && streq(got->prev_texts[0].name, "b") &&
	      streq(got->prev_texts[0].text, "version: 1\n"), "the one-file form is read");
	engine_free(e);
	expect_bad_state("{\"version\":1,\"objects\":[],\"confirm\":{\"config\":\"a\",\"deadline\":1,"
			 "\"previous\":{\"file\":\"b\",\"files\":[]}}}", "\"confirm\" is not");
	expect_bad_state("{\"version\":1,\"objects\":[],\"confirm\":{\"config\":\"a\",\"deadline\":1,"
			 "\"previous\":{\"file\":\"b\",\"files\":[{\"name\":\"b\"}]}}}",
			 "\"confirm\" is not");
	unlink(state_path);
	fake_free(f);
}

/* Ports sharing a region: the region's owner is made first, its mem_id passed on. */
static void test_memory(void)
{
	static const char *const yaml =
		"version: 1\n"
		"switches:\n"
		"  - name: vale0\n"
		"    ports:\n"
		"      - persistent: m1\n"
		"        memory: m0\n"
		"      - persistent: m0\n"
		"      - persistent: g0\n"
		"        memory: global\n";
	struct fake_kern *f = fake_new();
	struct nmd_config *c = load(yaml);
	struct engine *e;
	struct kern k;
	struct kern_reg r0, r1, rg;
	char *s;

	unlink(state_path);
	fake_kern(f, &k);
	e = new_engine(&k);
	CHECK(c && e, "setup");
	if (!c || !e)
		return;
	s = plan_of(e, c, NULL);
	CHECK_STR(s, "newif m0\nnewif g0\nnewif m1\nattach vale0:m1\nattach vale0:m0\n"
		     "attach vale0:g0\n");
	free(s);
	CHECK(apply(e, c, false) == 0, "apply");
	CHECK(k.ops->port_info(k.ctx, "m0", &r0) == 0 && k.ops->port_info(k.ctx, "m1", &r1) == 0 &&
	      k.ops->port_info(k.ctx, "g0", &rg) == 0, "port_info");
	CHECK(r0.mem_id == r1.mem_id && r0.mem_id > 1, "m1 in m0's region (%u, %u)", r0.mem_id,
	      r1.mem_id);
	CHECK(rg.mem_id == 1, "g0 in the global region (%u)", rg.mem_id);
	s = plan_of(e, c, NULL);
	CHECK_STR(s, "");
	free(s);
	CHECK(engine_teardown(e, NULL) == 0, "teardown");
	engine_free(e);
	config_free(c);
	fake_free(f);
}

/* The state file cannot be written: the apply is undone. */
static void test_state_unwritable(void)
{
	struct fake_kern *f = fake_new();
	struct nmd_config *c = load_file(CONF_DIR "/examples/showcase.yaml");
	struct engine *e = NULL;
	struct kern k;
	struct diags d;
	char path[PATH_MAX + 64], *before, *after;
	int r;

	fake_add_nic(f, "eth1", false);
	fake_kern(f, &k);
	snprintf(path, sizeof(path), "%s/no-such-dir/state.json", tmpdir);
	CHECK(engine_new(&k, path, &e, NULL) == 0 && e, "engine_new");
	before = fake_snapshot(f);
	diags_init(&d, "apply");
	r = engine_apply(e, c, NULL, &d);
	CHECK(r == -ENOENT, "apply fails (%d)", r);
	CHECK(d.n >= 1 && strstr(d.v[0].msg, "state file"), "says why: %s", d.n ? d.v[0].msg : "");
	diags_done(&d);
	after = fake_snapshot(f);
	CHECK(before && after && streq(before, after), "kernel unchanged:\n%s", after);
	free(before);
	free(after);
	engine_free(e);
	config_free(c);
	fake_free(f);
}

/* ---- crash at every step (fake_crash) ---- */

static char crash_copy[PATH_MAX + 64];

/* The instant of the "kill -9": keep the state file as it is now. */
static void on_crash(void *arg)
{
	char *s = read_file(state_path);

	(void)arg;
	unlink(crash_copy);
	if (s && !streq(s, "<missing>"))
		write_file(crash_copy, s);
	free(s);
}

/* The next start: the state file as the crash left it, the engine made anew. */
static struct engine *restart_after_crash(struct kern *k, const char *what, unsigned step)
{
	struct engine *e = NULL;
	struct diags dmg, notes;
	int r;

	if (rename(crash_copy, state_path) < 0)
		unlink(state_path);
	diags_init(&dmg, "damage");
	diags_init(&notes, "recovery");
	r = engine_start(k, state_path, &e, &dmg, &notes);
	CHECK(r == 0 && e && dmg.n == 0, "%s: step %u: start after the crash (%d)", what, step, r);
	if (dmg.n)
		diags_print(&dmg, stdout);
	diags_done(&dmg);
	diags_done(&notes);
	return e;
}

/*
 * Kill the engine before and after each changing call of applying @to
 * (from @from): the next start, on the state file as the crash left it,
 * must apply @to, and an empty file then must give back the kernel as it
 * was before anything (the NIC's settings included): nothing leaked,
 * nothing restored to the wrong values.
 */
static void crash_every_step(const struct nmd_config *from, const struct nmd_config *to,
			     const char *what)
{
	struct nmd_config *z = load(yaml_empty);
	unsigned steps = 0;

	{
		struct fake_kern *f;
		struct engine *e;
		struct kern k0;
		unsigned c0;

		f = fresh_kernel(&k0, false);
		e = new_engine(&k0);
		if (from)
			apply(e, from, false);
		c0 = fake_calls(f, FK_ANY);
		CHECK(apply(e, to, false) == 0, "%s: good run", what);
		steps = fake_calls(f, FK_ANY) - c0;
		engine_free(e);
		fake_free(f);
	}
	CHECK(steps > 0, "%s: %u steps", what, steps);
	for (unsigned k = 1; k <= steps; k++) {
		for (int after = 0; after < 2; after++) {
			struct fake_kern *f;
			struct engine *e;
			struct kern k0;
			char *pristine, *snap, *st;
			size_t conflicts = 0;

			f = fresh_kernel(&k0, false);
			pristine = fake_snapshot(f);
			e = new_engine(&k0);
			if (from)
				apply(e, from, false);
			fake_crash(f, k, after, on_crash, NULL);
			apply(e, to, true);
			CHECK(fake_dead(f), "%s: step %u: crashed", what, k);
			engine_free(e);		/* the process is gone: its fds close */
			fake_crash(f, 0, false, NULL, NULL);
			e = restart_after_crash(&k0, what, k);
			if (!e) {
				free(pristine);
				fake_free(f);
				continue;
			}
			CHECK(apply(e, to, false) == 0, "%s: step %u%s: apply after restart", what, k,
			      after ? " (after)" : " (before)");
			st = plan_of(e, to, &conflicts);
			CHECK(st && streq(st, "") && !conflicts, "%s: step %u: plan then empty: %s",
			      what, k, st ? st : "");
			free(st);
			CHECK(apply(e, z, false) == 0, "%s: step %u: empty file", what, k);
			snap = fake_snapshot(f);
			CHECK(snap && streq(snap, pristine),
			      "%s: step %u%s: kernel not back where it was:\nwant:\n%swant:\n%s", what,
			      k, after ? " (after)" : " (before)", pristine, snap ? snap : "");
			st = read_file(state_path);
			CHECK(st && strstr(st, "\"objects\": []}"), "%s: step %u: state empty: %s", what,
			      k, st);
			free(st);
			free(snap);
			free(pristine);
			engine_free(e);
			fake_free(f);
		}
	}
	config_free(z);
}

static void test_crash(void)
{
	struct nmd_config *def = load_file(CONF_DIR "/examples/showcase.yaml");
	struct nmd_config *a = load(yaml_a), *b = load(yaml_b), *c = load(yaml_c),
			  *z = load(yaml_empty);

	CHECK(def && a && b && c && z, "setup");
	if (def && a && b && c && z) {
		crash_every_step(NULL, def, "crash: nothing -> default");
		crash_every_step(NULL, a, "crash: nothing -> a");
		crash_every_step(a, b, "crash: a -> b");
		crash_every_step(b, c, "crash: b -> c");
		crash_every_step(a, z, "crash: a -> empty");
	}
	config_free(def);
	config_free(a);
	config_free(b);
	config_free(c);
	config_free(z);
	unlink(crash_copy);
}

/* The NIC's intent holds its settings from before the prepare, never after. */
static void test_nic_intent(void)
{
	struct fake_kern *f;
	struct nmd_config *a = load(yaml_a);
	struct engine *e;
	struct kern k;
	char *s;

	f = fresh_kernel(&k, false);
	e = new_engine(&k);
	/* Die right after nic_prepare (the 3rd change of yaml_a: newif v0, newif v1). */
	fake_crash(f, 3, true, on_crash, NULL);
	apply(e, a, true);
	engine_free(e);
	s = read_file(crash_copy);
	CHECK(s && strstr(s, "\"intent\": {\"op\":\"make\",\"object\":{\"kind\":\"nic\",\"name\":\"eth1\""),
	      "intent of the prepare in the state: %s", s);
	CHECK(s && strstr(s, "\"was_promisc\":false,\"set_promisc\":true"),
	      "the original: not promiscuous: %s", s);
	free(s);
	fake_crash(f, 0, false, NULL, NULL);
	{
		bool off, promisc, pause;

		CHECK(fake_nic_state(f, "eth1", &off, &promisc, &pause) && !off && promisc,
		      "prepared when it died");
		e = restart_after_crash(&k, "nic intent", 3);
		CHECK(fake_nic_state(f, "eth1", &off, &promisc, &pause) && off && !promisc && pause,
		      "restored by the next start");
	}
	engine_free(e);
	config_free(a);
	fake_free(f);
}

/* Damaged state files: moved aside, the daemon starts empty; never blocks. */
static void expect_set_aside(const char *what, void (*make)(void))
{
	struct fake_kern *f = fake_new();
	struct engine *e = NULL;
	struct diags dmg, notes;
	struct kern k;
	char buf[DIAG_MSG_MAX + 64], pattern[PATH_MAX + 64];
	struct stat st;
	FILE *ls;
	int r, found = 0;

	fake_kern(f, &k);
	unlink(state_path);
	make();
	/* engine_new (--plan): an error, not a hang, nothing moved. */
	alarm(10);
	r = engine_new(&k, state_path, &e, NULL);
	CHECK(r < 0 && !e, "%s: engine_new refuses (%d)", what, r);
	CHECK(lstat(state_path, &st) == 0, "%s: engine_new leaves it", what);
	diags_init(&dmg, "damage");
	diags_init(&notes, "recovery");
	r = engine_start(&k, state_path, &e, &dmg, &notes);
	alarm(0);
	CHECK(r == 0 && e, "%s: the daemon starts (%d)", what, r);
	CHECK(dmg.n >= 2 && strstr(diag_format(&dmg, 0, buf, sizeof(buf)), state_path),
	      "%s: the reason, with the path: %s", what, dmg.n ? buf : "");
	CHECK(dmg.n >= 2 && strstr(diag_format(&dmg, 1, buf, sizeof(buf)), "damaged-"),
	      "%s: where it went: %s", what, dmg.n >= 2 ? buf : "");
	CHECK(lstat(state_path, &st) < 0 && errno == ENOENT, "%s: moved away", what);
	snprintf(pattern, sizeof(pattern), "ls -d %s.damaged-* 2>/dev/null", state_path);
	ls = popen(pattern, "r");
	while (ls && fgets(buf, sizeof(buf), ls)) {
		buf[strcspn(buf, "\n")] = '\0';
		found++;
		unlink(buf);
	}
	if (ls)
		pclose(ls);
	CHECK(found == 1, "%s: kept aside once (%d)", what, found);
	if (e) {
		const struct eng_anchor *an;

		CHECK(engine_anchors(e, &an) == 0, "%s: owns nothing", what);
	}
	diags_done(&dmg);
	diags_done(&notes);
	engine_free(e);
	fake_free(f);
}

static void mk_truncated(void)
{
	write_file(state_path, "{\"version\": 1, \"objects\": [\n {\"kind\":\"persistent\",\"na");
}

static void mk_garbage(void)
{
	write_file(state_path, "\x01\x02 not json at all \xff");
}

static void mk_version(void)
{
	write_file(state_path, "{\"version\": 7, \"objects\": []}");
}

static void mk_empty(void)
{
	write_file(state_path, "");
}

static char link_target[PATH_MAX + 32];

static void mk_symlink(void)
{
	write_file(link_target, "{\"version\": 1, \"objects\": []}");
	CHECK(symlink(link_target, state_path) == 0, "symlink");
}

static void mk_fifo(void)
{
	CHECK(mkfifo(state_path, 0600) == 0, "mkfifo");
}

static void mk_dir(void)
{
	CHECK(mkdir(state_path, 0700) == 0, "mkdir");
}

static void test_damaged_state(void)
{
	snprintf(link_target, sizeof(link_target), "%s/elsewhere.json", tmpdir);
	expect_set_aside("truncated", mk_truncated);
	expect_set_aside("garbage", mk_garbage);
	expect_set_aside("wrong version", mk_version);
	expect_set_aside("empty", mk_empty);
	expect_set_aside("symlink", mk_symlink);
	expect_set_aside("FIFO", mk_fifo);
	expect_set_aside("directory", mk_dir);
	/* The symlink's target is untouched: it was never followed. */
	{
		char *s = read_file(link_target);

		CHECK(s && streq(s, "{\"version\": 1, \"objects\": []}"), "target untouched: %s", s);
		free(s);
		unlink(link_target);
	}
}

static const struct check_case cases[] = {
	CHECK_CASE(default),
	CHECK_CASE(changes),
	CHECK_CASE(rollback),
	CHECK_CASE(unowned),
	CHECK_CASE(conflicts),
	CHECK_CASE(nic_busy),
	CHECK_CASE(restart),
	CHECK_CASE(state_file),
	CHECK_CASE(confirm_record),
	CHECK_CASE(confirm_files),
	CHECK_CASE(memory),
	CHECK_CASE(state_unwritable),
	CHECK_CASE(nic_intent),
	CHECK_CASE(crash),
	CHECK_CASE(damaged_state),
};

int main(int argc, char **argv)
{
	int r;

	/* tmpfs if there is one, as /run is for the daemon: fsync is free there. */
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_engine.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(state_path, sizeof(state_path), "%s/state.json", tmpdir);
	snprintf(crash_copy, sizeof(crash_copy), "%s/state.crash", tmpdir);

	r = CHECK_RUN(argc, argv, cases);

	unlink(state_path);
	rmdir(tmpdir);
	return check_exit(r);
}
