/*
 * mqtt_agent.c - struct agent <-> mq_ glue (see mqtt_agent.h).
 */
#include "mqtt_agent.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "log.h"
#include "mqtt.h"

static void
on_peer(void *arg, const struct eng_peer *p)
{
	struct agent *a = arg;

	eng_peer_update(a->eng, p);
}

/*
 * A remote request is not interactive: nobody would see that the engine
 * clamped it. So a value outside the engine's bounds is refused as a whole
 * (the override in force for that key, if any, stays as it was).
 */
static int
on_override(void *arg, const struct mq_override_req *r, int64_t now_ms,
    char *err, size_t errlen)
{
	struct agent *a = arg;
	const struct eng_override *o;
	struct eng_override prev;
	bool had = false;
	char who[128], e2[256];
	int i, rc;

	if (r->clear) {
		if (eng_override_clear(a->eng, r->key) < 0) {
			snprintf(err, errlen, "no override \"%s\" in force",
			    r->key);
			return -1;
		}
		return 0;
	}
	for (i = 0; i < eng_override_count(a->eng); i++) {
		o = eng_override_get(a->eng, i);
		if (o != NULL && strcmp(o->key, r->key) == 0) {
			prev = *o;
			had = true;
		}
	}
	/* The engine keeps who asked; say it came over MQTT and at which
	 * scope, so thermwatchctl shows it too. */
	snprintf(who, sizeof(who), "%s (mqtt %s)", r->author,
	    r->scope == MQ_SCOPE_SITE ? "site" :
	    r->scope == MQ_SCOPE_ZONE ? "zone" : "host");
	rc = eng_override_set(a->eng, r->key, r->value, r->ttl_s, r->reason,
	    who, now_ms, err, errlen);
	if (rc != 1)
		return rc;
	snprintf(e2, sizeof(e2), "%s", err);
	eng_override_clear(a->eng, r->key);
	snprintf(err, errlen, "value out of bounds, not applied (%s)", e2);
	if (had && prev.expires_ms > now_ms)
		eng_override_set(a->eng, prev.key, prev.value,
		    (double)(prev.expires_ms - now_ms) / 1000.0, prev.reason,
		    prev.author, now_ms, e2, sizeof(e2));
	return -1;
}

void
mq_agent_start(struct agent *a)
{
	static const struct mq_callbacks cb = {
		.peer = on_peer,
		.override = on_override,
	};

	if (!a->conf.mqtt.enabled)
		return;
	a->mq = mq_create(a->loop, &a->conf.mqtt, &a->conf.agent,
	    a->conf.agent.state_dir, &cb, a);
	if (a->mq == NULL)
		log_warnx("mqtt disabled: see the messages above; the host "
		    "is still protected locally");
}

void
mq_agent_stop(struct agent *a)
{
	mq_free(a->mq);
	a->mq = NULL;
}

void
mq_agent_tick(struct agent *a, int64_t now_ms)
{
	if (a->mq == NULL)
		return;
	mq_publish_state(a->mq, &a->out, now_ms);
	mq_publish_telemetry(a->mq, a->eng, &a->out, now_ms);
	mq_publish_peer(a->mq, a->eng, now_ms);
	mq_publish_overrides(a->mq, a->eng, now_ms);
}

void
mq_agent_event(struct agent *a, const char *type, const cJSON *fields)
{
	if (a->mq == NULL)
		return;
	mq_publish_event(a->mq, type,
	    fields != NULL ? cJSON_Duplicate(fields, true) : NULL);
}

void
mq_agent_reload(struct agent *a)
{
	if (a->mq == NULL && !a->conf.mqtt.enabled)
		return;
	if (a->mq != NULL && mq_same_conf(a->mq, &a->conf.mqtt,
	    &a->conf.agent, a->conf.agent.state_dir))
		return;
	log_info("mqtt: settings changed, restarting the connection");
	mq_agent_stop(a);
	mq_agent_start(a);
}
