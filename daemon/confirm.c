// SPDX-License-Identifier: BSD-2-Clause
/*
 * confirm - an apply that must be confirmed (`nmctl apply --confirm
 * SECONDS`, as `netplan try`): topology.apply with "confirm": SECONDS keeps
 * the configuration it replaced and arms a timer; topology.confirm
 * forgets it; when the timer fires first, the previous configuration is
 * applied again (a normal apply: what the confirmed one added goes, what
 * it removed comes back) and "topology.rolled_back" is sent.
 *
 * While a confirmation is pending, the health is CONFIRMING, and reloads
 * and other applies are refused (RPC_ERR_STATE): a second change on top
 * of an unconfirmed one would make "roll back" ambiguous.
 *
 * An unconfirmed apply is never kept, even when the daemon stops or dies
 * (kill -9, a crash, a reboot of /run aside) inside the window: before it
 * starts, the configuration it replaces (its name and the text of each of
 * its files) goes to the state file (engine_confirm_set(), written
 * atomically like the rest of the state), and leaves it when the apply is
 * confirmed, rolled back, or replaced by a later apply or reload. A start that finds it there applies
 * that previous configuration instead of the file on disk (which may be
 * the unconfirmed one): the state file tells the engine what the dead
 * daemon owned, so what the unconfirmed apply made is removed and what it
 * removed comes back, as for a rollback by the timer. The saved texts are
 * read in memory (config_load_texts()): no file on disk is written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <event2/event.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

void confirm_cancel(struct nmd_daemon *d)
{
	if (d->ev_confirm) {
		event_free(d->ev_confirm);
		d->ev_confirm = NULL;
	}
	config_free(d->confirm_prev);
	d->confirm_prev = NULL;
	d->confirm_deadline = 0;
}

static void on_confirm_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct nmd_daemon *d = arg;
	struct nmd_config *prev = d->confirm_prev;
	enum nmd_health back = d->confirm_prev_health;
	char why[DIAG_MSG_MAX + 512] = "";
	struct diags diag;
	int r;

	(void)fd;
	(void)what;
	d->confirm_prev = NULL;
	confirm_cancel(d);
	if (config_diags_init(&diag, prev) < 0) {
		config_free(prev);
		daemon_health(d, NMD_HEALTH_DEGRADED, "not confirmed in time, and out of memory "
			      "for the rollback");
		return;
	}
	log_msg(LOG_WARNING, "apply not confirmed in time: rolling back to %s", prev->file);
	r = daemon_apply(d, prev, NULL, &diag);
	if (r < 0) {
		diags_sort(&diag);
		if (diag.n)
			diag_format(&diag, 0, why, sizeof(why));
		log_fields(LOG_ERR, NMD_MSGID_ROLLBACK,
			   &(struct log_ctx){ .config_file = prev->file, .err = -r },
			   "rollback to %s failed: %s", prev->file, why[0] ? why : strerror(-r));
		config_free(prev);
		daemon_health(d, NMD_HEALTH_DEGRADED, "an unconfirmed apply could not be rolled "
			      "back: %s", why[0] ? why : strerror(-r));
		daemon_event(d, "topology.rollback_failed",
			     json_pack("{s:s}", "reason", why[0] ? why : strerror(-r)));
	} else {
		if (back == NMD_HEALTH_APPLIED || back == NMD_HEALTH_CONFIRMING)
			daemon_health(d, NMD_HEALTH_APPLIED, NULL);
		else
			daemon_health(d, back, "%s", d->confirm_prev_why);
		log_fields(LOG_NOTICE, NMD_MSGID_ROLLBACK,
			   &(struct log_ctx){ .config_file = d->config->file },
			   "rolled back to %s: the apply was not confirmed in time", d->config->file);
		daemon_event(d, "topology.rolled_back",
			     json_pack("{s:s, s:s}", "config", d->config->file, "reason",
				       "not confirmed in time"));
	}
	diags_done(&diag);
}

int confirm_arm(struct nmd_daemon *d, struct nmd_config *prev, unsigned seconds)
{
	struct timeval tv = { .tv_sec = (time_t)seconds };

	confirm_cancel(d);
	if (!d->base) {
		config_free(prev);
		return -EINVAL;
	}
	d->ev_confirm = evtimer_new(d->base, on_confirm_timeout, d);
	if (!d->ev_confirm || evtimer_add(d->ev_confirm, &tv) < 0) {
		config_free(prev);
		confirm_cancel(d);
		return -ENOMEM;
	}
	d->confirm_prev = prev;
	d->confirm_deadline = time(NULL) + (time_t)seconds;
	return 0;
}

int confirm_record(struct nmd_daemon *d, const struct nmd_config *next, unsigned seconds,
		   struct diags *diag)
{
	struct eng_confirm rec = { 0 };

	if (!d->config)
		return 0;	/* nothing to roll back to: apply_keep gives no prev */
	if (config_texts_size(d->config) > ENG_CONFIRM_TEXT_MAX) {
		/* The timer still rolls back; a crash inside the window keeps the files. */
		log_msg(LOG_WARNING, "apply --confirm: %s has more than %u bytes of text to keep; "
			"if netmapd stops before the confirmation, the next start applies the "
			"files on disk", d->config->file, ENG_CONFIRM_TEXT_MAX);
		return 0;
	}
	rec.file = next->file;
	rec.prev_file = d->config->file;
	rec.prev_texts = d->config->texts;
	rec.n_prev_texts = d->config->n_texts;
	rec.deadline = (int64_t)time(NULL) + seconds;
	return engine_confirm_set(d->engine, &rec, diag);
}

void confirm_forget(struct nmd_daemon *d)
{
	struct diags diag;

	if (!d->engine || !engine_confirm_get(d->engine) || diags_init(&diag, "state") < 0)
		return;
	if (engine_confirm_set(d->engine, NULL, &diag) < 0)
		log_diags(LOG_ERR, &diag);
	diags_done(&diag);
}

/* The rollback at start failed: nothing of the file applied, the record kept. */
static int recover_failed(struct nmd_daemon *d, const char *unconfirmed, const char *why)
{
	log_fields(LOG_ERR, NMD_MSGID_ROLLBACK,
		   &(struct log_ctx){ .config_file = d->config ? d->config->file : NULL },
		   "rolling back the unconfirmed apply of %s failed: %s", unconfirmed, why);
	daemon_health(d, NMD_HEALTH_NOT_APPLIED, "the unconfirmed apply of %s could not be "
		      "rolled back at start: %s; fix it and reload", unconfirmed, why);
	daemon_event(d, "topology.rollback_failed", json_pack("{s:s}", "reason", why));
	return 1;
}

/* @c is the configuration @p rolls back to, file by file, byte for byte. */
static bool same_texts(const struct nmd_config *c, const struct eng_confirm *p)
{
	if (!streq(c->file, p->prev_file) || c->n_texts != p->n_prev_texts)
		return false;
	for (size_t i = 0; i < c->n_texts; i++)
		if (!streq(c->texts[i].name, p->prev_texts[i].name) ||
		    !streq(c->texts[i].text, p->prev_texts[i].text))
			return false;
	return true;
}

int confirm_recover(struct nmd_daemon *d)
{
	const struct eng_confirm *p = engine_confirm_get(d->engine);
	struct nmd_config *prev = NULL;
	char unconfirmed[PATH_MAX], back[PATH_MAX], why[DIAG_MSG_MAX + 512] = "";
	struct diags diag;
	bool same;
	int r;

	if (!p)
		return 0;
	/* The record goes with the apply below: keep what the messages need. */
	snprintf(unconfirmed, sizeof(unconfirmed), "%s", p->file);
	snprintf(back, sizeof(back), "%s", p->prev_file);
	same = d->config && same_texts(d->config, p);
	log_fields(LOG_WARNING, NMD_MSGID_ROLLBACK, &(struct log_ctx){ .config_file = back },
		   "the apply of %s was not confirmed before netmapd stopped: rolling back to %s",
		   unconfirmed, back);
	if (diags_init(&diag, back) < 0)
		return recover_failed(d, unconfirmed, strerror(ENOMEM));
	r = daemon_load_texts(back, p->prev_texts, p->n_prev_texts, &prev, &diag);
	if (r == 0)
		r = daemon_apply(d, prev, NULL, &diag);
	if (r < 0) {
		config_free(prev);
		diags_sort(&diag);
		if (diag.n)
			diag_format(&diag, 0, why, sizeof(why));
		diags_done(&diag);
		return recover_failed(d, unconfirmed, why[0] ? why : strerror(-r));
	}
	diags_done(&diag);
	if (same)
		daemon_health(d, NMD_HEALTH_APPLIED, NULL);
	else
		daemon_health(d, NMD_HEALTH_DEGRADED, "the apply of %s was not confirmed before "
			      "netmapd stopped: rolled back to %s; %s is not in force (nmctl "
			      "reload applies it)", unconfirmed, back, d->config_path);
	log_fields(LOG_NOTICE, NMD_MSGID_ROLLBACK, &(struct log_ctx){ .config_file = back },
		   "rolled back to %s: the apply of %s was not confirmed before netmapd stopped",
		   back, unconfirmed);
	daemon_event(d, "topology.rolled_back",
		     json_pack("{s:s, s:s}", "config", back, "reason",
			       "not confirmed before the daemon stopped"));
	return 1;
}
