/*
 * conf_actions.c - parse and emit the "actions" group.
 */
#include "conf_actions.h"

#include <string.h>

void
actions_conf_defaults(struct actions_conf *c)
{
	memset(c, 0, sizeof(*c));
}

void
actions_conf_parse(struct cnf_ctx *ctx, const config_setting_t *group,
    struct actions_conf *c)
{
	static const char *const known[] = { "dry_run", NULL };

	if (group == NULL)
		return;
	cnf_check_keys(ctx, group, "actions", known);
	cnf_get_bool(ctx, group, "dry_run", &c->dry_run);
}

void
actions_conf_emit(config_setting_t *root, const struct actions_conf *c)
{
	config_setting_t *g = cnf_emit_group(root, "actions");

	cnf_emit_bool(g, "dry_run", c->dry_run);
}

void
actions_conf_free(struct actions_conf *c)
{
	(void)c;
}
