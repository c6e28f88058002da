// SPDX-License-Identifier: BSD-2-Clause
/*
 * config - read netmapd.yaml into struct nmd_config (see config.h).
 *
 * config_load() first reads the file, its includes and drop-ins into one
 * tree (cfgfiles.c); config_load_buffer() parses text alone.
 *
 * Two passes over a bounded YAML tree (yaml_doc.c):
 *
 *  1. the walk (cfgwalk.c with cfgkeys.c's tables): each mapping is checked
 *     against a table of its keys (unknown keys with a did-you-mean,
 *     duplicates, required ones), each value against its type and range,
 *     each name against names.h;
 *  2. the cross-checks (cfgcheck.c), on what the walk built: duplicates
 *     between objects, references, per-switch and per-parent limits.
 *
 * Both passes keep going after an error, to report as many as the diags
 * bound allows; -ENOMEM stops everything.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgcheck.h"
#include "cfgfiles.h"
#include "cfgkeys.h"
#include "cfgtopo.h"
#include "cfgwalk.h"
#include "util.h"
#include "yaml_doc.h"

#define SOCKET_PATH_DEFAULT "/run/netmapd/netmapd.sock"
#define SOCKET_MODE_DEFAULT 0660
#define SOCKET_GROUP_DEFAULT "netmap"

/* ---- entry points ---------------------------------------------------------- */

static int config_defaults(struct nmd_config *c, const char *name)
{
	c->file = strdup(name);
	c->module.load = strdup("netmap");
	c->socket.path = strdup(SOCKET_PATH_DEFAULT);
	c->socket.mode = SOCKET_MODE_DEFAULT;
	c->socket.group.name = strdup(SOCKET_GROUP_DEFAULT);
	c->nic_defaults = (struct nmd_nic_prep){
		.offloads = NMD_OFFLOADS_OFF,
		.promiscuous = true,
		.flow_control = NMD_FLOW_CONTROL_KEEP,
		.force = false,
	};
	c->handles = (struct nmd_handle_limits){
		.per_uid = NMD_HANDLES_PER_UID_DEFAULT,
		.total = NMD_HANDLES_TOTAL_DEFAULT,
		.pidfds_per_uid = NMD_PIDFDS_PER_UID_DEFAULT,
		.pidfds_total = NMD_PIDFDS_TOTAL_DEFAULT,
	};
	if (!c->file || !c->module.load || !c->socket.path ||
	    !c->socket.group.name)
		return -ENOMEM;
	return 0;
}

static void config_freep(struct nmd_config **c)
{
	config_free(*c);
}

/*
 * The configuration in the tree @root (freed here), named @name; the
 * texts of its files (@n of them, owned) become the configuration's.
 */
static int config_from_tree(const char *name, struct yaml_doc_node *root,
			    struct nmd_config_text *texts, size_t n,
			    struct nmd_config **ret, struct diags *d)
{
	_cleanup_(config_freep) struct nmd_config *c = NULL;
	struct cfgwalk w = { .d = d };
	int r;

	c = calloc(1, sizeof(*c));
	if (!c) {
		cfgfiles_texts_free(texts, n);
		yaml_doc_free(root);
		return -ENOMEM;
	}
	c->texts = texts;
	c->n_texts = n;
	r = config_defaults(c, name);
	if (r < 0) {
		yaml_doc_free(root);
		return r;
	}
	w.cfg = c;
	r = diags_init(&c->sources, name);
	if (r == 0)
		r = diags_copy_files(&c->sources, d);
	if (r < 0) {
		yaml_doc_free(root);
		return r;
	}
	if (!root) {
		r = diag_add(d, 0, 0, "the file is empty; it needs at least \"version: %d\"",
			     CONFIG_VERSION);
		goto out;
	}
	r = cfgkeys_walk(&w, root);
	if (r != -ENOMEM)
		r = cfgwalk_worse(r, cfgcheck_run(&w));
out:
	yaml_doc_free(root);
	if (r < 0)
		return r;
	if (d->n > 0) /* defensive: every reported error must fail the load */
		return -EINVAL;
	*ret = TAKE_PTR(c);
	return 0;
}

int config_load_buffer(const char *name, const void *buf, size_t len,
		       struct nmd_config **ret, struct diags *d)
{
	struct yaml_doc_node *root = NULL;
	struct nmd_config_text *text;
	int r;

	*ret = NULL;
	r = yaml_doc_parse(buf, len, NULL, d, &root);
	if (r < 0)
		return r;
	text = calloc(1, sizeof(*text));
	if (text) {
		text->name = strdup(name);
		text->text = strndup(buf, len);
	}
	if (!text || !text->name || !text->text) {
		cfgfiles_texts_free(text, 1);
		yaml_doc_free(root);
		return -ENOMEM;
	}
	return config_from_tree(name, root, text, 1, ret, d);
}

int config_load(const char *path, struct nmd_config **ret, struct diags *d)
{
	return config_load_texts(path, NULL, 0, ret, d);
}

int config_load_texts(const char *name, const struct nmd_config_text *v, size_t n,
		      struct nmd_config **ret, struct diags *d)
{
	struct yaml_doc_node *root = NULL;
	struct nmd_config_text *texts = NULL;
	size_t n_texts = 0;
	int r;

	*ret = NULL;
	r = cfgfiles_load(name, v, n, d, &root, &texts, &n_texts);
	if (r < 0)
		return r;
	return config_from_tree(name, root, texts, n_texts, ret, d);
}

size_t config_texts_size(const struct nmd_config *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_texts; i++)
		n += strlen(c->texts[i].text);
	return n;
}

void config_free(struct nmd_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_switches; i++) {
		struct nmd_switch *sw = &c->switches[i];

		for (size_t j = 0; j < sw->n_ports; j++) {
			free(sw->ports[j].memory);
			cfgkeys_access_clear(&sw->ports[j].access);
		}
		free(sw->ports);
	}
	free(c->switches);
	for (size_t i = 0; i < c->n_pipes; i++)
		cfgtopo_pipe_clear(&c->pipes[i]);
	free(c->pipes);
	for (size_t i = 0; i < c->n_monitors; i++)
		cfgkeys_access_clear(&c->monitors[i].access);
	free(c->monitors);
	for (size_t i = 0; i < c->n_regions; i++)
		cfgkeys_access_clear(&c->regions[i].shared_by);
	free(c->regions);
	cfgkeys_access_clear(&c->admin);
	cfgkeys_principal_clear(&c->socket.group);
	free(c->socket.path);
	free(c->module.load);
	diags_done(&c->sources);
	free(c->file);
	cfgfiles_texts_free(c->texts, c->n_texts);
	free(c);
}

int config_diags_init(struct diags *d, const struct nmd_config *c)
{
	int r = diags_init(d, c->file);

	if (r == 0)
		r = diags_copy_files(d, &c->sources);
	return r;
}

unsigned config_line(const struct nmd_config *c, unsigned line, const char **file)
{
	unsigned l = diag_local_line(&c->sources, line, file);

	if (!*file)
		*file = c->file;
	return l;
}

int64_t config_param(const struct nmd_config *c, enum modparam_id id)
{
	return c->module.params[id].set ? c->module.params[id].value :
					  modparams[id].def;
}

const struct nmd_port *config_find_port(const struct nmd_config *c,
					const char *full)
{
	for (size_t i = 0; i < c->n_switches; i++)
		for (size_t j = 0; j < c->switches[i].n_ports; j++)
			if (streq(c->switches[i].ports[j].full, full))
				return &c->switches[i].ports[j];
	return NULL;
}

int config_check_host(const struct nmd_config *c, int (*probe)(void *ctx, const char *ifname),
		      void *ctx, struct diags *d)
{
	int r = 0, e;

	for (size_t i = 0; i < c->n_switches; i++) {
		for (size_t j = 0; j < c->switches[i].n_ports; j++) {
			const struct nmd_port *p = &c->switches[i].ports[j];

			if (p->kind == NMD_PORT_NIC)
				continue;
			e = probe(ctx, p->name);
			if (e < 0)
				return e;
			if (e == CONFIG_IF_HOST || (e && p->kind == NMD_PORT_EPHEMERAL))
				r = diag_add(d, p->mark.line, p->mark.column,
					     "switch \"%s\": %s port \"%s\" is the name of a network interface of this host%s",
					     c->switches[i].name, nmd_port_kind_name(p->kind), p->name,
					     p->kind == NMD_PORT_EPHEMERAL
						     ? ": netmap would refuse to create it (attach the interface as nic:, or rename the port)"
						     : ": netmap cannot create it (rename the port)");
		}
	}
	for (size_t i = 0; i < c->n_pipes; i++) {
		const struct nmd_pipe *pi = &c->pipes[i];

		if (pi->parent_port || !pi->parent[0] || strchr(pi->parent, ':'))
			continue;
		e = probe(ctx, pi->parent);
		if (e < 0)
			return e;
		if (e)
			r = diag_add(d, pi->parent_mark.line, pi->parent_mark.column,
				     "pipes: parent \"%s\" is not a port of the file but a network interface of this host: its pipes would share that interface's memory",
				     pi->parent);
	}
	return r;
}

const char *nmd_port_kind_name(enum nmd_port_kind k)
{
	switch (k) {
	case NMD_PORT_EPHEMERAL:
		return "ephemeral";
	case NMD_PORT_PERSISTENT:
		return "persistent";
	case NMD_PORT_NIC:
		return "nic";
	}
	return "?";
}
