/*
 * shutdown.c - the graceful shutdown sequence: record it, publish the
 * "shutdown" event and arm the BMC watchdog at the same time, run the
 * shutdown hook once the broker acked the event and the BMC confirmed the
 * watchdog (or their waits ran out). See action.h.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action_int.h"
#include "jsonutil.h"
#include "log.h"

#define SD_POLL_MS 10
#define WD_MAX_S   6553 /* 16 bits of 100 ms */

/* The broker's acknowledged and queued events; false without a broker. */
static bool
event_acks(const struct act *act, uint64_t *acked, int *queued)
{
	return act->env.event_acks != NULL &&
	    act->env.event_acks(act->env.arg, acked, queued);
}

static double
shutdown_lead(const struct act *act, int sensor)
{
	const struct eng_conf *ec = &act->env.conf->engine;
	struct eng_sensor_view v;
	double lead = 0;
	int c;

	if (sensor >= 0) {
		eng_sensor_view(act->env.eng, sensor, &v);
		return ec->cls[v.cls].shutdown.lead_s;
	}
	for (c = 0; c < ENG_CLASS_COUNT; c++)
		if (ec->cls[c].shutdown.lead_s > lead)
			lead = ec->cls[c].shutdown.lead_s;
	return lead;
}

static void shutdown_advance(struct act *act);

static int64_t
sd_poll_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct act *act = arg;

	(void)l;
	(void)now_ms;
	shutdown_advance(act);
	if (act->sd_phase != ACT_SD_WAIT) {
		act->sd_poll_timer = 0;
		return LOOP_NOMORE;
	}
	return SD_POLL_MS;
}

static void
wd_done(void *arg, int ok, const char *msg)
{
	struct act_wd_token *t = arg;
	struct act *act = t->act;
	cJSON *f;

	if (t->dead) {
		free(t);
		return;
	}
	act->wd_token = NULL;
	free(t);
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "id", act->shutdown.ctx.id);
	cJSON_AddStringToObject(f, "result", ok ? "armed" : "failed");
	cJSON_AddNumberToObject(f, "countdown_s", act->wd_countdown_s);
	cJSON_AddStringToObject(f, "message", msg != NULL ? msg : "");
	if (ok) {
		log_json(LOG_INFO, "watchdog", f,
		    "shutdown %s: BMC watchdog armed, power down in %d s: %s",
		    act->shutdown.ctx.id, act->wd_countdown_s,
		    msg != NULL ? msg : "");
	} else {
		log_json(LOG_WARNING, "watchdog", f,
		    "shutdown %s: BMC watchdog not armed: %s",
		    act->shutdown.ctx.id, msg != NULL ? msg : "");
		act->wd_countdown_s = 0;
	}
	act_event(act, "watchdog", f);
	act->wd_wait = false;
	shutdown_advance(act);
}

static void
shutdown_advance(struct act *act)
{
	int64_t now = loop_now_ms(act->env.loop);
	uint64_t acked;
	int queued;

	if (act->sd_phase != ACT_SD_WAIT)
		return;
	if (act->ack_wait) {
		if (event_acks(act, &acked, &queued) &&
		    acked >= act->ack_target) {
			act->ack_wait = false;
			log_info("shutdown %s: the broker has the event "
				 "(%" PRId64 " ms)",
			    act->shutdown.ctx.id, now - act->sd_t0_ms);
		} else if (now >= act->ack_deadline_ms) {
			act->ack_wait = false;
			log_warnx("shutdown %s: no ack from the broker within "
				  "%.1f s, going on (the event stays queued)",
			    act->shutdown.ctx.id,
			    act->env.conf->actions.event_ack_wait_s);
		}
	}
	if (act->wd_wait && now >= act->wd_deadline_ms) {
		act->wd_wait = false;
		log_warnx("shutdown %s: the BMC did not confirm the watchdog "
			  "within %.1f s, going on",
		    act->shutdown.ctx.id,
		    act->env.conf->actions.watchdog_wait_s);
	}
	if (act->ack_wait || act->wd_wait) {
		if (act->sd_poll_timer == 0) {
			act->sd_poll_timer = loop_add_timer(
			    act->env.loop, SD_POLL_MS, sd_poll_cb, act);
			if (act->sd_poll_timer < 0) {
				/* Without a timer we cannot wait: go on. */
				act->sd_poll_timer = 0;
				act->ack_wait = act->wd_wait = false;
			} else {
				return;
			}
		} else {
			return;
		}
	}
	act->sd_phase = ACT_SD_HOOK;
	if (act->sd_poll_timer > 0)
		loop_del_timer(act->env.loop, act->sd_poll_timer);
	act->sd_poll_timer = 0;
	act_job_run(&act->shutdown);
}

void
act_shutdown_start(
    struct act *act, const struct eng_decision *d, int64_t now_ms)
{
	const struct agent_conf *conf = act->env.conf;
	const struct actions_conf *c = &conf->actions;
	struct act_ctx *ctx = &act->shutdown.ctx;
	bool wd = act->env.watchdog_ready != NULL &&
	    act->env.watchdog_ready(act->env.arg) &&
	    conf->ipmi.watchdog.enabled;
	bool dry = act_dry_run(act);
	struct act_wd_token *t;
	uint64_t acked;
	int queued;
	double lead, cd;
	cJSON *f;

	if (act->sd_phase != ACT_SD_IDLE) {
		log_info("shutdown: already started (%s)", ctx->id);
		return;
	}
	act->sd_phase = ACT_SD_WAIT;
	act->sd_t0_ms = now_ms;
	act_job_cancel_retry(act, &act->migrate);
	act_ctx_fill(act, ctx, ACT_SHUTDOWN, d);
	lead = shutdown_lead(act, d->sensor);
	cd = ceil(lead + c->watchdog_margin_s);
	if (cd < 1)
		cd = 1;
	if (cd > WD_MAX_S)
		cd = WD_MAX_S;
	act->wd_countdown_s = wd ? (int)cd : 0;
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "id", ctx->id);
	cJSON_AddStringToObject(f, "state", ctx->state);
	cJSON_AddStringToObject(f, "code", ctx->code);
	cJSON_AddStringToObject(f, "reason", ctx->reason);
	cJSON_AddStringToObject(f, "sensor", ctx->sensor);
	json_add_num(f, "value_c", ctx->value_c);
	json_add_num(f, "trip_c", ctx->trip_c);
	json_add_num(f, "eta_s", ctx->eta_s);
	cJSON_AddNumberToObject(f, "lead_s", lead);
	if (wd)
		cJSON_AddNumberToObject(f, "watchdog_s", cd);
	else
		cJSON_AddNullToObject(f, "watchdog_s");
	cJSON_AddBoolToObject(f, "dry_run", dry);
	log_json(LOG_WARNING, "shutdown", f, "%sthermal shutdown %s: %s",
	    dry ? "dry run: " : "", ctx->id, ctx->reason);

	/* 1. the record, before anything can power the host off */
	if (dry)
		log_info("dry run: would record the thermal shutdown in %s",
		    conf->agent.state_dir);
	else
		act_record_write(act, ctx);

	/* 2. the event, and the watchdog at the same time */
	act->ack_wait = false;
	if (c->event_ack_wait_s > 0 && event_acks(act, &acked, &queued)) {
		act->ack_wait = true;
		act->ack_target = acked + (uint64_t)queued + 1;
		act->ack_deadline_ms = now_ms +
		    (int64_t)(c->event_ack_wait_s * 1000.0);
	}
	act_event(act, "shutdown", f);

	act->wd_wait = false;
	if (!wd) {
		log_info("shutdown %s: no BMC watchdog configured, the hook "
			 "has no hardware fallback",
		    ctx->id);
	} else if (dry) {
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "id", ctx->id);
		cJSON_AddStringToObject(f, "result", "dry_run");
		cJSON_AddNumberToObject(f, "countdown_s", cd);
		log_json(LOG_INFO, "watchdog", f,
		    "dry run: would arm the BMC watchdog: power down in %d s",
		    (int)cd);
		act_event(act, "watchdog", f);
		act->wd_countdown_s = 0;
	} else if ((t = calloc(1, sizeof(*t))) == NULL) {
		log_warn("shutdown %s: BMC watchdog", ctx->id);
		act->wd_countdown_s = 0;
	} else {
		t->act = act;
		act->wd_token = t;
		act->wd_wait = true;
		act->wd_deadline_ms = now_ms +
		    (int64_t)(c->watchdog_wait_s * 1000.0);
		if (act->env.watchdog_arm(act->env.arg, (int)cd, wd_done, t) <
		    0) {
			log_warnx("shutdown %s: BMC watchdog busy, not armed",
			    ctx->id);
			act->wd_token = NULL;
			act->wd_wait = false;
			act->wd_countdown_s = 0;
			free(t);
		}
	}
	/* 3. the hook, when both are done (maybe right now) */
	shutdown_advance(act);
}

void
act_shutdown_check_conf(const struct act *act)
{
	const struct agent_conf *conf = act->env.conf;
	const struct actions_conf *c = &conf->actions;
	const struct eng_conf *ec = &conf->engine;
	int k;

	for (k = 0; k < ENG_CLASS_COUNT; k++) {
		double spare = ec->cls[k].shutdown.lead_s *
		    (ec->policy.shutdown_safety_factor - 1.0);

		if (conf->ipmi.enabled && conf->ipmi.watchdog.enabled &&
		    c->watchdog_margin_s >= spare)
			log_warnx(
			    "actions.watchdog_margin_s (%g s) is not "
			    "below the %s shutdown lead's safety spare "
			    "(%g s): the BMC may power down only after the "
			    "predicted trip",
			    c->watchdog_margin_s,
			    eng_class_name((enum eng_class)k), spare);
	}
}

void
act_shutdown_stop(struct act *act)
{
	if (act->sd_poll_timer > 0)
		loop_del_timer(act->env.loop, act->sd_poll_timer);
	act->sd_poll_timer = 0;
	if (act->wd_token != NULL)
		act->wd_token->dead = true; /* freed by wd_done */
	act->wd_token = NULL;
}
