/*
 * agent_mqtt.c - the broker's view of the agent: MQTT started, stopped
 * and restarted with the config, fed after every evaluation; zone peers
 * into the engine; remote overrides into the override store, refused as a
 * whole when the engine would clamp them, and when a zone or site request
 * touches the shutdown side (override.h). Part of the wiring module.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "action.h"
#include "agent_int.h"
#include "capacity.h"
#include "log.h"
#include "mqtt.h"
#include "override.h"
#include "override_store.h"

static void
on_peer(void *arg, const struct eng_peer *p)
{
	struct agent *a = arg;

	eng_peer_update(a->eng, p);
}

static void
refuse(struct agent *a, const struct mq_override_req *r, const char *msg)
{
	cJSON *f = cJSON_CreateObject();

	log_warnx("override %s by %s via %s refused: %s", r->key, r->author,
	    r->via, msg);
	cJSON_AddStringToObject(f, "action", r->clear ? "clear" : "set");
	cJSON_AddStringToObject(f, "key", r->key);
	if (!r->clear) {
		cJSON_AddNumberToObject(f, "value", r->value);
		cJSON_AddNumberToObject(f, "ttl_s", r->ttl_s);
	}
	cJSON_AddStringToObject(f, "reason", r->reason);
	cJSON_AddStringToObject(f, "author", r->author);
	cJSON_AddStringToObject(f, "via", r->via);
	cJSON_AddStringToObject(f, "message", msg);
	if (r->id[0] != '\0')
		cJSON_AddStringToObject(f, "id", r->id);
	agent_event(a, "override_rejected", f);
}

/*
 * Through the daemon's override module, like the control socket: applied,
 * persisted, announced. But a remote request is not interactive: nobody
 * would see that the engine clamped it, so a value outside the engine's
 * bounds is refused as a whole (an override in force for that key stays).
 */
static int
on_override(void *arg, const struct mq_override_req *r, int64_t now_ms,
    char *err, size_t errlen)
{
	struct agent *a = arg;
	char msg[256];
	int rc;

	(void)now_ms;
	if (a->ovs == NULL) {
		snprintf(err, errlen, "overrides unavailable (out of memory)");
		refuse(a, r, err);
		return -1;
	}
	if (r->clear) {
		ovs_set_id(a->ovs, r->id);
		rc = ovs_clear(a->ovs, r->key, r->author, r->via, err, errlen);
		ovs_set_id(a->ovs, NULL);
		if (rc < 0 && strncmp(err, "no override", 11) == 0)
			refuse(a, r, err); /* ovs_clear said nothing */
		return rc;
	}
	rc = eng_override_check_scope(a->eng, r->key, r->value, r->ttl_s,
	    r->scope == MQ_SCOPE_SITE       ? ENG_SCOPE_SITE
		: r->scope == MQ_SCOPE_ZONE ? ENG_SCOPE_ZONE
					    : ENG_SCOPE_HOST,
	    NULL, err, errlen);
	if (rc < 0) {
		refuse(a, r, err);
		return -1;
	}
	if (rc == 1) {
		snprintf(msg, sizeof(msg),
		    "value out of bounds, not applied "
		    "(%s)",
		    err);
		snprintf(err, errlen, "%s", msg);
		refuse(a, r, msg);
		return -1;
	}
	ovs_set_id(a->ovs, r->id);
	rc = ovs_apply(a->ovs, r->key, r->value, r->ttl_s, r->reason, r->author,
	    r->via, err, errlen);
	ovs_set_id(a->ovs, NULL);
	return rc;
}

void
agent_mqtt_start(struct agent *a)
{
	const struct mq_callbacks cb = {
		.peer = on_peer,
		.override = on_override,
		.announces = true,
		.connection = agent_fleet_on_connection,
		.site = a->fleet != NULL ? agent_fleet_on_site : NULL,
	};

	if (!a->conf.mqtt.enabled)
		return;
	a->mq = mq_create(a->loop, &a->conf.mqtt, &a->conf.agent,
	    a->conf.agent.state_dir, &cb, a);
	if (a->mq == NULL)
		log_warnx("mqtt disabled: see the messages above; the host "
			  "is still protected locally");
	else if (a->cap != NULL)
		mq_set_offer(a->mq, capacity_offer(a->cap));
}

void
agent_mqtt_stop(struct agent *a)
{
	mq_free(a->mq);
	a->mq = NULL;
	agent_fleet_on_connection(a, false);
}

bool
agent_mqtt_tick(struct agent *a, int64_t now_ms)
{
	uint64_t made;

	if (a->mq == NULL)
		return false;
	made = mq_sensors_made(a->mq);
	mq_set_hold(a->mq, act_hold_reason(a->act));
	mq_publish_state(a->mq, &a->out, now_ms);
	mq_set_sensor_limits(a->mq, a->max_sensors, a->refused);
	mq_publish_telemetry(a->mq, a->eng, &a->out, now_ms);
	mq_publish_peer(a->mq, a->eng, now_ms);
	mq_publish_overrides(a->mq, a->eng, now_ms);
	return mq_sensors_made(a->mq) != made;
}

void
agent_mqtt_event(struct agent *a, const char *type, const cJSON *fields)
{
	if (a->mq == NULL)
		return;
	mq_publish_event(
	    a->mq, type, fields != NULL ? cJSON_Duplicate(fields, true) : NULL);
}

void
agent_mqtt_reload(struct agent *a)
{
	bool resubscribe = agent_fleet_reload(a);

	if (a->mq == NULL && !a->conf.mqtt.enabled)
		return;
	if (a->mq != NULL && !resubscribe &&
	    mq_same_conf(
		a->mq, &a->conf.mqtt, &a->conf.agent, a->conf.agent.state_dir))
		return;
	log_info("mqtt: settings changed, restarting the connection");
	agent_mqtt_stop(a);
	agent_mqtt_start(a);
}
