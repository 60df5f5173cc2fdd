/*
 * agent_act.c - where a decision goes: the engine's output logged and
 * announced, its decisions handed to the actions; and what the actions
 * see of the rest (events, the BMC watchdog, the broker's acks). Part of
 * the wiring module.
 */
#include <math.h>

#include "action.h"
#include "agent_int.h"
#include "bmc.h"
#include "log.h"
#include "mqtt.h"
#include "priv_client.h"

static void
act_on_event(void *arg, const char *type, cJSON *fields)
{
	agent_event(arg, type, fields);
}

/* With a privileged part, the watchdog is armed there (its own BMC
 * session and credentials); else through the agent's IPMI source. */
static bool
act_watchdog_ready(void *arg)
{
	const struct agent *a = arg;

	if (a->prv != NULL)
		return prv_ready(a->prv);
	return a->bmc != NULL;
}

static int
act_watchdog_arm(void *arg, int countdown_s, act_wd_done_cb done, void *darg)
{
	struct agent *a = arg;

	if (a->prv != NULL)
		return prv_watchdog_arm(a->prv, countdown_s, done, darg);
	if (a->bmc == NULL)
		return -1;
	return bmc_watchdog_arm(a->bmc, countdown_s, done, darg);
}

static bool
act_event_acks(void *arg, uint64_t *acked, int *queued)
{
	const struct agent *a = arg;
	struct mq_stats st;

	if (a->mq == NULL)
		return false;
	mq_get_stats(a->mq, &st);
	*acked = st.events_acked;
	*queued = st.queued;
	return true;
}

struct act *
agent_act_start(struct agent *a)
{
	struct act_env env = {
		.loop = a->loop,
		.conf = &a->conf,
		.eng = a->eng,
		.out = &a->out,
		.dry_run = a->dry_run,
		.priv = a->prv,
		.event = act_on_event,
		.watchdog_ready = act_watchdog_ready,
		.watchdog_arm = act_watchdog_arm,
		.event_acks = act_event_acks,
		.destinations = agent_fleet_destinations,
		.arg = a,
	};

	return act_create(&env);
}

static cJSON *
decision_json(const struct eng_decision *d, const struct agent *a)
{
	cJSON *o = cJSON_CreateObject();
	struct eng_sensor_view v;

	cJSON_AddStringToObject(o, "action", eng_action_name(d->action));
	cJSON_AddStringToObject(o, "state", eng_state_name(a->out.state));
	cJSON_AddStringToObject(o, "code", d->code != NULL ? d->code : "");
	cJSON_AddStringToObject(o, "reason", d->reason);
	if (d->sensor >= 0) {
		eng_sensor_view(a->eng, d->sensor, &v);
		cJSON_AddStringToObject(o, "sensor", v.id);
	}
	if (isfinite(d->value_c))
		cJSON_AddNumberToObject(o, "value_c", d->value_c);
	if (isfinite(d->trip_c))
		cJSON_AddNumberToObject(o, "trip_c", d->trip_c);
	if (isfinite(d->eta_s))
		cJSON_AddNumberToObject(o, "eta_s", d->eta_s);
	return o;
}

void
agent_act_dispatch(struct agent *a, int64_t now_ms)
{
	const struct eng_output *o = &a->out;
	cJSON *f;
	int i;

	if (o->changed) {
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(
		    f, "from", eng_state_name(o->prev_state));
		cJSON_AddStringToObject(f, "to", eng_state_name(o->state));
		cJSON_AddStringToObject(f, "reason", o->reason);
		log_json(LOG_INFO, "state", f, "state %s -> %s: %s",
		    eng_state_name(o->prev_state), eng_state_name(o->state),
		    o->reason);
		agent_event(a, "state", f);
	}
	for (i = 0; i < o->n_decisions; i++) {
		const struct eng_decision *d = &o->decisions[i];

		f = decision_json(d, a);
		log_json(LOG_INFO, "decision", f, "decision %s (%s): %s",
		    eng_action_name(d->action), d->code != NULL ? d->code : "",
		    d->reason);
		agent_event(a, "decision", f);
		act_decision(a->act, d, now_ms);
	}
	act_tick(a->act, o, now_ms);
}
