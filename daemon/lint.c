// SPDX-License-Identifier: BSD-2-Clause
/*
 * lint - warnings about a valid configuration (lint.h): what loads and
 * applies, but is probably not what was meant.
 */
#include "lint.h"

#include <grp.h>
#include <pwd.h>
#include <string.h>

static bool user_exists(const struct nmd_principal *p)
{
	return p->numeric || getpwnam(p->name) != NULL;
}

static bool group_exists(const struct nmd_principal *p)
{
	return p->numeric || getgrnam(p->name) != NULL;
}

static void lint_access(const struct nmd_access *a, const char *what, struct diags *w)
{
	for (size_t i = 0; i < a->n_users; i++)
		if (!user_exists(&a->users[i]))
			diag_add(w, a->users[i].mark.line, a->users[i].mark.column,
				 "warning: %s: user \"%s\" does not exist on this host: the rule grants nothing to it until it does",
				 what, a->users[i].name);
	for (size_t i = 0; i < a->n_groups; i++)
		if (!group_exists(&a->groups[i]))
			diag_add(w, a->groups[i].mark.line, a->groups[i].mark.column,
				 "warning: %s: group \"%s\" does not exist on this host: the rule grants nothing to it until it does",
				 what, a->groups[i].name);
}

/* The first port of a switch called @name (its part after ':'), or NULL. */
static const struct nmd_port *port_named(const struct nmd_config *c, const char *name)
{
	for (size_t s = 0; s < c->n_switches; s++)
		for (size_t i = 0; i < c->switches[s].n_ports; i++)
			if (c->switches[s].ports[i].kind == NMD_PORT_EPHEMERAL &&
			    !strcmp(c->switches[s].ports[i].name, name))
				return &c->switches[s].ports[i];
	return NULL;
}

void config_lint(const struct nmd_config *c, struct diags *w)
{
	char what[NMD_REQ_IFNAMSIZ + 32];

	for (size_t s = 0; s < c->n_switches; s++)
		for (size_t i = 0; i < c->switches[s].n_ports; i++) {
			const struct nmd_port *p = &c->switches[s].ports[i];

			snprintf(what, sizeof(what), "access of %s", p->full);
			lint_access(&p->access, what, w);
		}
	for (size_t i = 0; i < c->n_pipes; i++) {
		const struct nmd_pipe *pi = &c->pipes[i];
		const struct nmd_port *p;

		snprintf(what, sizeof(what), "access of the pipes of %s", pi->parent);
		lint_access(&pi->access, what, w);
		if (pi->parent_port)
			continue;
		p = port_named(c, pi->parent);
		if (p)
			diag_add(w, pi->parent_mark.line, pi->parent_mark.column,
				 "warning: pipes: parent \"%s\" is not a port of the file, so netmap makes an implicit parent of that name with a region of its own; did you mean the port \"%s\" (parent: %s)?",
				 pi->parent, p->full, p->full);
	}
	for (size_t i = 0; i < c->n_monitors; i++) {
		snprintf(what, sizeof(what), "access of the monitor of %s", c->monitors[i].target);
		lint_access(&c->monitors[i].access, what, w);
	}
	for (size_t i = 0; i < c->n_regions; i++)
		lint_access(&c->regions[i].shared_by, "regions: shared_by", w);
	lint_access(&c->admin, "admin", w);
	if (c->socket.group.name && !group_exists(&c->socket.group))
		diag_add(w, c->socket.group.mark.line, c->socket.group.mark.column,
			 "warning: socket: group \"%s\" does not exist on this host: the socket keeps root's group and only root can use it (systemd-sysusers creates \"netmap\")",
			 c->socket.group.name);
}
