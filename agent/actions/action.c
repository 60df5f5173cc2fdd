/*
 * action.c - the actions' entry points (create, free, one decision, one
 * tick, stats) and what every action carries: its id and the context its
 * hook is told about. See action.h.
 */
#include "action.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "action_int.h"
#include "log.h"

bool
act_dry_run(const struct act *act)
{
	return act->env.dry_run || act->env.conf->actions.dry_run;
}

void
act_event(struct act *act, const char *type, cJSON *fields)
{
	if (act->env.event != NULL)
		act->env.event(act->env.arg, type, fields);
	else
		cJSON_Delete(fields);
}

void
act_new_id(struct act *act, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%" PRId64 "-%u", act->env.conf->agent.host,
	    act->t0_wall_s, ++act->seq);
}

void
act_ctx_fill(struct act *act, struct act_ctx *ctx, enum act_kind kind,
    const struct eng_decision *d)
{
	const struct eng_output *o = act->env.out;
	struct eng_sensor_view v;

	memset(ctx, 0, sizeof(*ctx));
	ctx->kind = kind;
	ctx->attempt = 1;
	act_new_id(act, ctx->id, sizeof(ctx->id));
	snprintf(
	    ctx->state, sizeof(ctx->state), "%s", eng_state_name(o->state));
	snprintf(ctx->prev_state, sizeof(ctx->prev_state), "%s",
	    eng_state_name(o->prev_state));
	snprintf(ctx->reason, sizeof(ctx->reason), "%s",
	    d != NULL ? d->reason : o->reason);
	ctx->value_c = NAN;
	ctx->trip_c = NAN;
	ctx->eta_s = INFINITY;
	if (d == NULL)
		return;
	snprintf(
	    ctx->code, sizeof(ctx->code), "%s", d->code != NULL ? d->code : "");
	if (d->sensor >= 0) {
		eng_sensor_view(act->env.eng, d->sensor, &v);
		snprintf(ctx->sensor, sizeof(ctx->sensor), "%s", v.id);
	}
	ctx->value_c = d->value_c;
	ctx->trip_c = d->trip_c;
	ctx->eta_s = d->eta_s;
}

struct act *
act_create(const struct act_env *env)
{
	const struct actions_conf *c = &env->conf->actions;
	struct act *act;
	int k;

	act = calloc(1, sizeof(*act));
	if (act == NULL) {
		log_warn("actions");
		return NULL;
	}
	act->env = *env;
	act->t0_wall_s = (int64_t)time(NULL);
	act->notify.act = act->migrate.act = act->shutdown.act =
	    act->boot_hold.act = act;
	act->notify.ctx.kind = ACT_NOTIFY;
	act->migrate.ctx.kind = ACT_MIGRATE;
	act->shutdown.ctx.kind = ACT_SHUTDOWN;
	act->boot_hold.ctx.kind = ACT_BOOT_HOLD;
	act->cool_since_ms = -1;
	for (k = 0; k < ACT_KIND_COUNT; k++) {
		char buf[PATH_MAX];
		char *const *argv = c->hook[k].argv;
		int rc;

		if (argv == NULL || argv[0] == NULL)
			continue;
		rc = act_hook_resolve(argv[0], buf, sizeof(buf));
		if (rc < 0)
			log_warnx("actions.%s: %s: %s (the hook will fail "
				  "until it is installed)",
			    act_kind_names[k], argv[0], strerror(-rc));
	}
	act_shutdown_check_conf(act);
	act_guard_start(act);
	return act;
}

void
act_free(struct act *act)
{
	if (act == NULL)
		return;
	act_job_cancel_retry(act, &act->notify);
	act_job_cancel_retry(act, &act->migrate);
	act_job_cancel_retry(act, &act->shutdown);
	act_job_cancel_retry(act, &act->boot_hold);
	act_shutdown_stop(act);
	act_hook_abandon(act->notify.h, true);
	act_hook_abandon(act->migrate.h, true);
	act_hook_abandon(act->boot_hold.h, true);
	if (act->shutdown.h != NULL)
		log_info("shutdown hook (pid %d) left running",
		    (int)act_hook_pid(act->shutdown.h));
	act_hook_abandon(act->shutdown.h, false);
	free(act);
}

void
act_decision(struct act *act, const struct eng_decision *d, int64_t now_ms)
{
	struct act_ctx ctx;

	if (act == NULL)
		return;
	switch (d->action) {
	case ENG_ACT_NOTIFY:
		act_ctx_fill(act, &ctx, ACT_NOTIFY, d);
		act_notify(act, &ctx);
		break;
	case ENG_ACT_MIGRATE:
		act_migrate_start(act, d);
		break;
	case ENG_ACT_SHUTDOWN:
		act_shutdown_start(act, d, now_ms);
		break;
	case ENG_ACT_HOLD:
		/* accepting load or not: published by the agent, no hook */
		break;
	}
}

void
act_tick(struct act *act, const struct eng_output *o, int64_t now_ms)
{
	if (act == NULL)
		return;
	if (act->migrate.retry_timer > 0 && !act_still_hot(act)) {
		log_info("migrate %s: host no longer hot, retries stopped",
		    act->migrate.ctx.id);
		act_job_cancel_retry(act, &act->migrate);
	}
	if (o->zone_alarm && !act->zone_alarm &&
	    o->state != ENG_STATE_CRITICAL && act->sd_phase == ACT_SD_IDLE)
		act_migrate_zone(act, o);
	act->zone_alarm = o->zone_alarm;
	act_guard_tick(act, o, now_ms);
}

void
act_get_stats(const struct act *act, struct act_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (act == NULL)
		return;
	st->shutdown_started = act->sd_phase != ACT_SD_IDLE;
	st->migrate_running = act->migrate.h != NULL;
	st->migrate_retry_pending = act->migrate.retry_timer > 0;
	st->hooks_running = (act->notify.h != NULL) + (act->migrate.h != NULL) +
	    (act->shutdown.h != NULL) + (act->boot_hold.h != NULL);
	st->runs = act->runs;
	st->failures = act->failures;
}
