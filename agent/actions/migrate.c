/*
 * migrate.c - the migrate hook: on the engine's MIGRATE decision and when
 * a zone alarm starts; never two at once, never once the shutdown
 * sequence runs; retried (action_job.c) while the host is still hot. See
 * action.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "action_int.h"
#include "log.h"

bool
act_still_hot(const struct act *act)
{
	const struct eng_output *o = act->env.out;

	return o->state == ENG_STATE_HOT ||
	    (o->zone_alarm && o->state != ENG_STATE_CRITICAL);
}

void
act_migrate_start(struct act *act, const struct eng_decision *d)
{
	struct act_job *job = &act->migrate;

	if (act->sd_phase != ACT_SD_IDLE) {
		log_info("migrate: not started, the shutdown sequence runs");
		return;
	}
	if (job->h != NULL) {
		log_info("migrate %s still running, not starting another",
		    job->ctx.id);
		return;
	}
	if (job->retry_timer > 0) {
		log_info("migrate %s waits for its retry, not starting "
			 "another",
		    job->ctx.id);
		return;
	}
	act_ctx_fill(act, &job->ctx, ACT_MIGRATE, d);
	act_job_run(job);
}

void
act_migrate_zone(struct act *act, const struct eng_output *o)
{
	struct eng_sensor_view v;
	struct eng_decision d;

	if (eng_quiet(act->env.eng)) {
		log_info("zone alarm: migrate suppressed (quiet)");
		return;
	}
	memset(&d, 0, sizeof(d));
	d.action = ENG_ACT_MIGRATE;
	d.code = "migrate.zone";
	d.sensor = o->worst_sensor;
	d.value_c = NAN;
	d.trip_c = NAN;
	d.eta_s = o->eta_s;
	snprintf(d.reason, sizeof(d.reason), "%s", o->reason);
	if (d.sensor >= 0) {
		eng_sensor_view(act->env.eng, d.sensor, &v);
		d.value_c = v.filtered_c;
		d.trip_c = v.trip_c;
	}
	log_info("zone alarm: migrating load away");
	act_migrate_start(act, &d);
}
