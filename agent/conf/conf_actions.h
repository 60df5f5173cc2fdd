/*
 * conf_actions.h - the "actions" group of thermwatch.conf.
 */
#ifndef THERMWATCH_CONF_ACTIONS_H
#define THERMWATCH_CONF_ACTIONS_H

#include "conf_util.h"

struct actions_conf {
	bool dry_run;
};

void actions_conf_defaults(struct actions_conf *c);
/* group may be NULL (absent: defaults stay). */
void actions_conf_parse(struct cnf_ctx *ctx, const config_setting_t *group,
    struct actions_conf *c);
void actions_conf_emit(config_setting_t *root, const struct actions_conf *c);
void actions_conf_free(struct actions_conf *c);

#endif
