/*
 * conf_actions.c - parse and emit the "actions" group.
 */
#include "conf_actions.h"

#include <stdlib.h>
#include <string.h>

const char *const act_kind_names[ACT_KIND_COUNT] = { "notify", "migrate",
	"shutdown", "on_boot_hold" };

static const char *const timeout_keys[ACT_KIND_COUNT] = { "notify_timeout_s",
	"migrate_timeout_s", "shutdown_timeout_s", "on_boot_hold_timeout_s" };

void
actions_conf_defaults(struct actions_conf *c)
{
	static char *const poweroff[] = { "systemctl", "poweroff", NULL };

	memset(c, 0, sizeof(*c));
	c->dry_run = false;
	c->hook[ACT_NOTIFY].timeout_s = 30.0;
	c->hook[ACT_MIGRATE].timeout_s = 600.0;
	c->hook[ACT_SHUTDOWN].timeout_s = 120.0;
	c->hook[ACT_BOOT_HOLD].timeout_s = 60.0;
	/* NULL on OOM: then actions_conf_parse reports it. */
	c->hook[ACT_SHUTDOWN].argv = cnf_strv_dup(poweroff);
	c->kill_after_s = 5.0;
	c->output_max_bytes = 16384;
	c->migrate_retries = 3;
	c->migrate_backoff_s = 30.0;
	c->migrate_backoff_max_s = 300.0;
	c->shutdown_retries = 2;
	c->shutdown_retry_s = 10.0;
	c->event_ack_wait_s = 2.0;
	c->watchdog_margin_s = 30.0;
	c->watchdog_wait_s = 5.0;
	c->boot_guard = true;
	c->resume_margin_c = 5.0;
	c->resume_hold_s = 600.0;
}

static void
parse_hook(struct cnf_ctx *ctx, const config_setting_t *group, enum act_kind k,
    struct actions_hook_conf *h)
{
	const char *key = act_kind_names[k];
	const config_setting_t *s;
	int i;

	cnf_get_double(
	    ctx, group, timeout_keys[k], 0.1, 86400.0, &h->timeout_s);
	if (!cnf_get_strv(ctx, group, key, k == ACT_SHUTDOWN, &h->argv))
		return;
	s = config_setting_get_member(group, key);
	h->line = s != NULL ? (int)config_setting_source_line(s) : 0;
	for (i = 0; h->argv[i] != NULL; i++) {
		if (h->argv[i][0] == '\0' && i == 0)
			cnf_error(ctx, s,
			    "'%s': the program (first element) "
			    "must not be empty",
			    key);
	}
	if (h->argv[0] == NULL) {
		/* notify = [ ]: no hook. */
		cnf_strv_free(h->argv);
		h->argv = NULL;
	}
}

void
actions_conf_parse(
    struct cnf_ctx *ctx, const config_setting_t *group, struct actions_conf *c)
{
	static const char *const known[] = { "dry_run", "notify", "migrate",
		"shutdown", "on_boot_hold", "notify_timeout_s",
		"migrate_timeout_s", "shutdown_timeout_s",
		"on_boot_hold_timeout_s", "kill_after_s", "output_max_bytes",
		"migrate_retries", "migrate_backoff_s", "migrate_backoff_max_s",
		"shutdown_retries", "shutdown_retry_s", "event_ack_wait_s",
		"watchdog_margin_s", "watchdog_wait_s", "boot_guard",
		"resume_margin_c", "resume_hold_s", NULL };
	int k;

	if (c->hook[ACT_SHUTDOWN].argv == NULL)
		cnf_error(ctx, group, "actions: out of memory");
	if (group == NULL)
		return;
	cnf_check_keys(ctx, group, "actions", known);
	cnf_get_bool(ctx, group, "dry_run", &c->dry_run);
	for (k = 0; k < ACT_KIND_COUNT; k++)
		parse_hook(ctx, group, (enum act_kind)k, &c->hook[k]);
	cnf_get_double(ctx, group, "kill_after_s", 0.1, 60.0, &c->kill_after_s);
	cnf_get_int(
	    ctx, group, "output_max_bytes", 0, 1048576, &c->output_max_bytes);
	cnf_get_int(ctx, group, "migrate_retries", 0, 100, &c->migrate_retries);
	cnf_get_double(ctx, group, "migrate_backoff_s", 0.1, 3600.0,
	    &c->migrate_backoff_s);
	cnf_get_double(ctx, group, "migrate_backoff_max_s", 0.1, 86400.0,
	    &c->migrate_backoff_max_s);
	if (c->migrate_backoff_max_s < c->migrate_backoff_s)
		cnf_error(ctx,
		    config_setting_get_member(group, "migrate_backoff_max_s") !=
			    NULL
			? config_setting_get_member(
			      group, "migrate_backoff_max_s")
			: group,
		    "'migrate_backoff_max_s' (%g) must not be below "
		    "'migrate_backoff_s' (%g)",
		    c->migrate_backoff_max_s, c->migrate_backoff_s);
	cnf_get_int(
	    ctx, group, "shutdown_retries", 0, 10, &c->shutdown_retries);
	cnf_get_double(
	    ctx, group, "shutdown_retry_s", 0.1, 600.0, &c->shutdown_retry_s);
	cnf_get_double(
	    ctx, group, "event_ack_wait_s", 0.0, 60.0, &c->event_ack_wait_s);
	cnf_get_double(ctx, group, "watchdog_margin_s", 0.0, 3600.0,
	    &c->watchdog_margin_s);
	cnf_get_double(
	    ctx, group, "watchdog_wait_s", 0.0, 60.0, &c->watchdog_wait_s);
	cnf_get_bool(ctx, group, "boot_guard", &c->boot_guard);
	cnf_get_double(
	    ctx, group, "resume_margin_c", 0.0, 50.0, &c->resume_margin_c);
	cnf_get_double(
	    ctx, group, "resume_hold_s", 0.0, 86400.0, &c->resume_hold_s);
}

void
actions_conf_emit(config_setting_t *root, const struct actions_conf *c)
{
	config_setting_t *g = cnf_emit_group(root, "actions");
	int k;

	cnf_emit_bool(g, "dry_run", c->dry_run);
	for (k = 0; k < ACT_KIND_COUNT; k++)
		cnf_emit_strv(g, act_kind_names[k], c->hook[k].argv);
	for (k = 0; k < ACT_KIND_COUNT; k++)
		cnf_emit_double(g, timeout_keys[k], c->hook[k].timeout_s);
	cnf_emit_double(g, "kill_after_s", c->kill_after_s);
	cnf_emit_int(g, "output_max_bytes", c->output_max_bytes);
	cnf_emit_int(g, "migrate_retries", c->migrate_retries);
	cnf_emit_double(g, "migrate_backoff_s", c->migrate_backoff_s);
	cnf_emit_double(g, "migrate_backoff_max_s", c->migrate_backoff_max_s);
	cnf_emit_int(g, "shutdown_retries", c->shutdown_retries);
	cnf_emit_double(g, "shutdown_retry_s", c->shutdown_retry_s);
	cnf_emit_double(g, "event_ack_wait_s", c->event_ack_wait_s);
	cnf_emit_double(g, "watchdog_margin_s", c->watchdog_margin_s);
	cnf_emit_double(g, "watchdog_wait_s", c->watchdog_wait_s);
	cnf_emit_bool(g, "boot_guard", c->boot_guard);
	cnf_emit_double(g, "resume_margin_c", c->resume_margin_c);
	cnf_emit_double(g, "resume_hold_s", c->resume_hold_s);
}

void
actions_conf_free(struct actions_conf *c)
{
	int k;

	for (k = 0; k < ACT_KIND_COUNT; k++) {
		cnf_strv_free(c->hook[k].argv);
		c->hook[k].argv = NULL;
	}
}
