/*
 * conf_engine.h - the "classes" and "policy" groups of thermwatch.conf,
 * read into the engine's struct eng_conf.
 */
#ifndef THERMWATCH_CONF_ENGINE_H
#define THERMWATCH_CONF_ENGINE_H

#include "conf_util.h"
#include "engine.h"

/* Either group may be NULL (absent: the defaults from eng_conf_defaults stay).
 */
void engine_conf_parse(struct cnf_ctx *ctx, const config_setting_t *classes,
    const config_setting_t *policy, struct eng_conf *c);
void engine_conf_emit(config_setting_t *root, const struct eng_conf *c);

#endif
