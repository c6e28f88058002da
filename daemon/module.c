// SPDX-License-Identifier: BSD-2-Clause
/*
 * module - netmap.ko's lifecycle with libkmod and sysfs (see module.h).
 *
 * Parameters are read and written as decimal integers (booleans as 0/1; a
 * kernel bool parameter reads "Y"/"N", taken as 1/0). A write goes to the
 * sysfs file; the kernel checks it again, so a refused write is reported,
 * not retried.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libkmod.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <net/netmap.h>

#include "module.h"
#include "util.h"

void module_name(const struct nmd_module *m, char *buf, size_t len)
{
	const char *s = m->load ? m->load : "netmap";
	size_t n;

	if (m->load_is_path) {
		const char *slash = strrchr(s, '/');

		s = slash ? slash + 1 : s;
	}
	n = strcspn(s, ".");
	if (!m->load_is_path)
		n = strlen(s);
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* modprobe treats '-' and '_' alike; sysfs shows '_'. */
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
}

int module_is_loaded(const char *root, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/module/%s", root, name);
	if (stat(path, &st) == 0)
		return S_ISDIR(st.st_mode) ? 1 : 0;
	return errno == ENOENT ? 0 : -errno;
}

/* Read a small sysfs file into @buf, without the trailing newline. */
static int read_small(const char *path, char *buf, size_t len)
{
	_cleanup_close_ int fd = -1;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static int parse_value(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (streq(s, "Y") || streq(s, "y")) {
		*v = 1;
		return 0;
	}
	if (streq(s, "N") || streq(s, "n")) {
		*v = 0;
		return 0;
	}
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

int module_version(const char *root, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/module/%s/version", root, name);
	return read_small(path, buf, len);
}

int module_refcnt(const char *root, const char *name)
{
	char path[PATH_MAX], buf[32];
	int64_t v;
	int r;

	snprintf(path, sizeof(path), "%s/module/%s/refcnt", root, name);
	r = read_small(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	r = parse_value(buf, &v);
	if (r < 0)
		return r;
	return v < 0 || v > INT_MAX ? -ERANGE : (int)v;
}

char *module_options(const struct nmd_config *c)
{
	size_t cap = 1, len = 0;
	char *s;

	for (size_t i = 0; i < MP__COUNT; i++)
		if (c->module.params[i].set)
			cap += strlen(modparams[i].name) + 24;
	s = malloc(cap);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < MP__COUNT; i++) {
		if (!c->module.params[i].set)
			continue;
		len += (size_t)snprintf(s + len, cap - len, "%s%s=%" PRId64, len ? " " : "",
					modparams[i].name, c->module.params[i].value);
	}
	return s;
}

int module_load(const struct nmd_config *c, char *why, size_t why_len)
{
	const struct nmd_module *m = &c->module;
	struct kmod_ctx *ctx = NULL;
	struct kmod_module *mod = NULL;
	struct kmod_list *list = NULL, *l;
	_cleanup_free_ char *opts = NULL;
	char name[64];
	int r;

	module_name(m, name, sizeof(name));
	r = module_is_loaded(MODULE_SYSFS_ROOT, name);
	if (r != 0)
		return r < 0 ? r : 0;
	opts = module_options(c);
	if (!opts)
		return -ENOMEM;
	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		why_set(why, why_len, "libkmod: cannot create a context");
		return -ENOMEM;
	}
	if (m->load_is_path) {
		r = kmod_module_new_from_path(ctx, m->load, &mod);
		if (r < 0) {
			why_set(why, why_len, "%s: %s", m->load, strerror(-r));
			goto out;
		}
		r = kmod_module_insert_module(mod, 0, opts);
		if (r < 0)
			why_set(why, why_len, "insert %s %s: %s", m->load, opts, strerror(-r));
		goto out;
	}
	r = kmod_module_new_from_lookup(ctx, m->load, &list);
	if (r < 0) {
		why_set(why, why_len, "look up module %s: %s", m->load, strerror(-r));
		goto out;
	}
	if (!list) {
		r = -ENOENT;
		why_set(why, why_len, "module %s not found (modules.dep of %s)", m->load,
			"the running kernel");
		goto out;
	}
	kmod_list_foreach(l, list) {
		struct kmod_module *x = kmod_module_get_module(l);

		r = kmod_module_probe_insert_module(x, 0, opts, NULL, NULL, NULL);
		kmod_module_unref(x);
		if (r < 0) {
			why_set(why, why_len, "modprobe %s %s: %s", m->load, opts, strerror(-r));
			break;
		}
	}
out:
	if (list)
		kmod_module_unref_list(list);
	if (mod)
		kmod_module_unref(mod);
	kmod_unref(ctx);
	return r < 0 ? r : 0;
}

int module_params_read(const char *root, const char *name, const struct nmd_config *c,
		       struct module_param_state st[MP__COUNT])
{
	char path[PATH_MAX], buf[64];
	unsigned found = 0;

	for (size_t i = 0; i < MP__COUNT; i++) {
		struct module_param_state *p = &st[i];
		struct stat sb;

		memset(p, 0, sizeof(*p));
		p->set = c && c->module.params[i].set;
		p->want = c ? config_param(c, (enum modparam_id)i) : modparams[i].def;
		snprintf(path, sizeof(path), "%s/module/%s/parameters/%s", root, name,
			 modparams[i].name);
		if (stat(path, &sb) < 0 || read_small(path, buf, sizeof(buf)) < 0 ||
		    parse_value(buf, &p->value) < 0)
			continue;
		p->present = true;
		p->writable = (sb.st_mode & S_IWUSR) != 0;
		p->drift = p->set && p->value != p->want;
		found++;
	}
	return found ? 0 : -ENOENT;
}

static int write_param(const char *root, const char *name, const char *param, int64_t v)
{
	char path[PATH_MAX], buf[32];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	int len;

	snprintf(path, sizeof(path), "%s/module/%s/parameters/%s", root, name, param);
	len = snprintf(buf, sizeof(buf), "%" PRId64 "\n", v);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, (size_t)len);
	if (n < 0)
		return -errno;
	return n == len ? 0 : -EIO;
}

int module_params_sync(const char *root, const char *name, const struct nmd_config *c,
		       unsigned *fixed, unsigned *left)
{
	struct module_param_state st[MP__COUNT];
	unsigned nf = 0, nl = 0;
	int r, first = 0;

	r = module_params_read(root, name, c, st);
	if (r < 0)
		return r;
	for (size_t i = 0; i < MP__COUNT; i++) {
		if (!st[i].drift)
			continue;
		if (!st[i].writable || modparams[i].load_only) {
			nl++;
			continue;
		}
		r = write_param(root, name, modparams[i].name, st[i].want);
		if (r < 0) {
			nl++;
			if (!first)
				first = r;
			continue;
		}
		nf++;
	}
	if (fixed)
		*fixed = nf;
	if (left)
		*left = nl;
	return first;
}

int module_unload(const char *root, const char *name, char *why, size_t why_len)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod = NULL;
	int r;

	r = module_is_loaded(root, name);
	if (r <= 0)
		return r;
	r = module_refcnt(root, name);
	if (r < 0) {
		why_set(why, why_len, "cannot read the refcnt of %s: %s", name, strerror(-r));
		return r;
	}
	if (r > 0) {
		why_set(why, why_len, "%s is in use (refcnt %d): left loaded", name, r);
		return -EBUSY;
	}
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	r = kmod_module_new_from_name(ctx, name, &mod);
	if (r == 0) {
		r = kmod_module_remove_module(mod, 0);
		if (r < 0)
			why_set(why, why_len, "unload %s: %s", name, strerror(-r));
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	return r < 0 ? r : 0;
}

json_t *module_info_json(const char *root, const char *name, const struct nmd_config *c)
{
	struct module_param_state st[MP__COUNT];
	json_t *j, *params, *drift;
	int loaded = module_is_loaded(root, name);
	int refcnt = loaded > 0 ? module_refcnt(root, name) : 0;

	j = json_object();
	params = json_object();
	drift = json_array();
	if (!j || !params || !drift)
		goto nomem;
	json_object_set_new(j, "name", json_string(name));
	json_object_set_new(j, "loaded", json_boolean(loaded > 0));
	if (loaded > 0 && refcnt >= 0)
		json_object_set_new(j, "refcnt", json_integer(refcnt));
	if (loaded > 0) {
		char v[64];

		/* A module without MODULE_VERSION predates it: stale too. */
		if (module_version(root, name, v, sizeof(v)) < 0)
			v[0] = '\0';
		json_object_set_new(j, "version", v[0] ? json_string(v) : json_null());
		json_object_set_new(j, "version_expected", json_string(NETMAPD_MODULE_VERSION));
		json_object_set_new(j, "version_ok", json_boolean(!strcmp(v, NETMAPD_MODULE_VERSION)));
	}
	if (c) {
		json_object_set_new(j, "load", json_string(c->module.load));
		json_object_set_new(j, "unload_on_stop", json_boolean(c->module.unload_on_stop));
	}
	if (loaded > 0 && module_params_read(root, name, c, st) == 0) {
		for (size_t i = 0; i < MP__COUNT; i++) {
			json_t *d;

			if (!st[i].present)
				continue;
			json_object_set_new(params, modparams[i].name, json_integer(st[i].value));
			if (!st[i].drift)
				continue;
			d = json_pack("{s:s, s:I, s:I, s:b}", "name", modparams[i].name,
				      "want", (json_int_t)st[i].want, "have",
				      (json_int_t)st[i].value, "writable",
				      st[i].writable && !modparams[i].load_only);
			if (d)
				json_array_append_new(drift, d);
		}
	}
	json_object_set_new(j, "params", params);
	json_object_set_new(j, "drift", drift);
	return j;
nomem:
	json_decref(j);
	json_decref(params);
	json_decref(drift);
	return NULL;
}
