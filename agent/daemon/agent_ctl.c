/*
 * agent_ctl.c - the control socket's view of the agent: the "status" and
 * "sensors" results, and the struct ctl_ops that points the commands at
 * the override store, the boot guard and the sensor rescan. Part of the
 * wiring module.
 */
#include <stdio.h>
#include <string.h>

#include "action.h"
#include "agent_int.h"
#include "ctl.h"
#include "jsonutil.h"
#include "mqtt.h"
#include "mqtt_msg.h"
#include "override_store.h"
#include "walltime.h"

/* State, reason, eta, load and zone alarm: the same function builds them
 * for the MQTT state payload (mqm_state_fields), so the two never differ. */
static cJSON *
status_json(void *arg)
{
	struct agent *a = arg;
	const struct eng_output *o = &a->out;
	int64_t now = loop_now_ms(a->loop);
	const char *hold = a->act != NULL ? act_hold_reason(a->act) : NULL;
	cJSON *r = cJSON_CreateObject();
	char since[32];

	cJSON_AddStringToObject(r, "version", TW_VERSION);
	cJSON_AddStringToObject(r, "host", a->conf.agent.host);
	cJSON_AddStringToObject(r, "site", a->conf.agent.site);
	cJSON_AddStringToObject(r, "zone", a->conf.agent.zone);
	cJSON_AddNumberToObject(r, "tier", a->conf.agent.tier);
	mqm_state_fields(r, o, hold);
	if (wt_iso(wt_of_mono(o->since_ms, now), since, sizeof(since)) == 0)
		cJSON_AddStringToObject(r, "since", since);
	cJSON_AddNumberToObject(
	    r, "in_state_s", (double)(now - o->since_ms) / 1000.0);
	cJSON_AddNumberToObject(r, "zone_members", o->zone_members);
	cJSON_AddNumberToObject(r, "zone_signals", o->zone_signals);
	cJSON_AddBoolToObject(r, "dry_run", agent_dry_run(a));
	if (hold != NULL)
		cJSON_AddStringToObject(r, "hold", hold);
	else
		cJSON_AddNullToObject(r, "hold");
	cJSON_AddNumberToObject(
	    r, "uptime_s", (double)(now - a->started_ms) / 1000.0);
	json_add_num(r, "cpu_busy", a->cpu_busy); /* null while unknown */
	cJSON_AddNumberToObject(r, "sensors", eng_sensor_count(a->eng));
	cJSON_AddNumberToObject(r, "overrides", eng_override_count(a->eng));
	cJSON_AddStringToObject(r, "mqtt",
	    a->mq == NULL             ? "disabled"
		: mq_connected(a->mq) ? "connected"
				      : "disconnected");
	return r;
}

/* The engine's view of the sensor as telemetry has it (mqm_sensor_fields),
 * and what only this host knows: source, trip_from, the sample counts. */
static cJSON *
sensor_json(const struct agent *a, const struct agent_sensor *s)
{
	cJSON *j = cJSON_CreateObject();
	struct eng_sensor_view v;

	cJSON_AddStringToObject(j, "id", s->id);
	cJSON_AddStringToObject(
	    j, "source", s->source != NULL ? s->source : "?");
	if (s->eng_idx < 0) {
		cJSON_AddStringToObject(j, "class", eng_class_name(s->src_cls));
		json_add_num(j, "value_c", s->last_c);
		cJSON_AddStringToObject(j, "status",
		    s->ignored       ? "ignored"
			: s->refused ? "not monitored"
				     : "removed");
		return j;
	}
	eng_sensor_view(a->eng, s->eng_idx, &v);
	mqm_sensor_fields(j, &v);
	cJSON_AddStringToObject(j, "trip_from",
	    s->trip_from != NULL ? s->trip_from
				 : eng_trip_src_name(v.trip_src));
	cJSON_AddNumberToObject(j, "accepted", (double)v.accepted);
	if (v.last_reject != NULL)
		cJSON_AddStringToObject(j, "last_reject", v.last_reject);
	else
		cJSON_AddNullToObject(j, "last_reject");
	return j;
}

static cJSON *
sensors_json(void *arg)
{
	struct agent *a = arg;
	cJSON *arr = cJSON_CreateArray();
	int i;

	for (i = 0; i < a->n_sensors; i++)
		cJSON_AddItemToArray(arr, sensor_json(a, &a->sensors[i]));
	return arr;
}

static const char no_store[] = "overrides unavailable (out of memory)";

static cJSON *
overrides_json(void *arg)
{
	struct agent *a = arg;

	if (a->ovs == NULL)
		return cJSON_CreateArray();
	return ovs_list_json(a->ovs, loop_now_ms(a->loop));
}

static double
max_ttl_s(void *arg)
{
	const struct agent *a = arg;

	return a->conf.engine.policy.max_override_ttl_s;
}

static int
override_check(void *arg, const char *key, double value, double ttl_s,
    char *msg, size_t len)
{
	struct agent *a = arg;

	return eng_override_check(a->eng, key, value, ttl_s, msg, len);
}

static int
override_set(void *arg, const char *key, double value, double ttl_s,
    const char *reason, const char *author, const char *via, char *msg,
    size_t len)
{
	struct agent *a = arg;

	if (a->ovs == NULL) {
		snprintf(msg, len, "%s", no_store);
		return -1;
	}
	return ovs_apply(
	    a->ovs, key, value, ttl_s, reason, author, via, msg, len);
}

static int
override_clear(void *arg, const char *key, const char *author, const char *via,
    char *msg, size_t len)
{
	struct agent *a = arg;

	if (a->ovs == NULL) {
		snprintf(msg, len, "%s", no_store);
		return -1;
	}
	return ovs_clear(a->ovs, key, author, via, msg, len);
}

static int
hold_clear(void *arg, const char *who, const char *reason, char *was,
    size_t wlen, char *err, size_t errlen)
{
	struct agent *a = arg;
	const char *r;

	if (a->act == NULL) {
		snprintf(err, errlen,
		    "no boot guard: the actions module is not running");
		return -1;
	}
	r = act_hold_reason(a->act);
	snprintf(was, wlen, "%s", r != NULL ? r : "");
	return act_hold_clear(a->act, who, reason, err, errlen);
}

static int
rescan(void *arg)
{
	struct agent *a = arg;

	agent_rescan(a);
	return eng_sensor_count(a->eng);
}

static const struct ctl_ops ops = {
	.status = status_json,
	.sensors = sensors_json,
	.overrides = overrides_json,
	.max_ttl_s = max_ttl_s,
	.override_check = override_check,
	.override_set = override_set,
	.override_clear = override_clear,
	.hold_clear = hold_clear,
	.rescan = rescan,
};

const struct ctl_ops *
agent_ctl_ops(void)
{
	return &ops;
}

void
agent_ctl_start(struct agent *a)
{
	const struct ctl_env env = { a->loop, &ops, a };

	a->ctl = ctl_create(&env, a->conf.control.socket, a->conf.control.mode);
}

void
agent_ctl_reload(struct agent *a)
{
	const struct ctl_env env = { a->loop, &ops, a };

	a->ctl = ctl_reload(
	    a->ctl, &env, a->conf.control.socket, a->conf.control.mode);
}
