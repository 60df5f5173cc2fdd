/*
 * mqtt_publish.c - what the agent publishes: telemetry and the zone peer
 * summary at their intervals, the retained state and overrides when they
 * change, events through the persisted queue; and the module's getters.
 * See mqtt.h.
 */
#include "mqtt_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static bool
due(int64_t now_ms, int64_t last_ms, bool have, double interval_s)
{
	int64_t iv = (int64_t)(interval_s * 1000.0);
	int64_t slack = iv / 10 < 100 ? iv / 10 : 100;

	return !have || now_ms - last_ms >= iv - slack;
}

/* Schema 1: one document with every sensor's every member. */
static void
telemetry_v1(struct mq *mq, const struct eng *e, const struct eng_output *o)
{
	char *s;
	int mid;

	s = mqm_telemetry(&mq->id, mq_wall_ms(), ++mq->seq_telemetry, e, o);
	if (s != NULL)
		mq_send(mq, mq->t_telemetry, s, 0, false, &mid);
	free(s);
}

/* Schema 2: the retained sensors message when the layout or the limits
 * changed, then the compact telemetry. */
static void
telemetry_v2(struct mq *mq, const struct eng *e, const struct eng_output *o)
{
	const char *p;
	char *s;
	int mid;

	if (mq->tele == NULL && (mq->tele = mqm_tele_create()) == NULL)
		return;
	if (mqm_tele_sync(mq->tele, e) || !mq->sensors.sent ||
	    mq->limits_changed) {
		mq->sensors.ts_ms = mq_wall_ms();
		mq->sensors.seq = ++mq->seq_sensors;
		mq->sensors.max_sensors = mq->max_sensors;
		mq->sensors.refused = mq->refused;
		mq->sensors.sent = false; /* until it could be made */
		if ((s = mq_sensors_text(mq)) == NULL)
			return;
		mq->sensors.sent = true;
		mq->limits_changed = false;
		mq_send(mq, mq->t_sensors, s, 1, true, &mid);
		free(s);
	}
	p = mqm_telemetry2(mq->tele, mq_wall_ms(), ++mq->seq_telemetry, o);
	if (p != NULL)
		mq_send(mq, mq->t_telemetry, p, 0, false, &mid);
}

char *
mq_sensors_text(const struct mq *mq)
{
	return mqm_sensors(mq->tele, &mq->id, mq->sensors.ts_ms,
	    mq->sensors.seq, mq->sensors.max_sensors, mq->sensors.refused);
}

void
mq_publish_telemetry(struct mq *mq, const struct eng *e,
    const struct eng_output *o, int64_t now_ms)
{
	if (!mq->connected ||
	    !due(now_ms, mq->last_telemetry_ms, mq->have_telemetry,
		mq->conf.telemetry_interval_s))
		return;
	mq->last_telemetry_ms = now_ms;
	mq->have_telemetry = true;
	if (mq->conf.telemetry_version == 1)
		telemetry_v1(mq, e, o);
	else
		telemetry_v2(mq, e, o);
	mq_check_lost(mq);
}

void
mq_set_sensor_limits(struct mq *mq, int max_sensors, int refused)
{
	if (mq->max_sensors == max_sensors && mq->refused == refused)
		return;
	mq->max_sensors = max_sensors;
	mq->refused = refused;
	mq->limits_changed = true;
}

void
mq_publish_peer(struct mq *mq, const struct eng *e, int64_t now_ms)
{
	struct eng_peer p;
	char *s;
	int mid;

	if (!mq->connected ||
	    !due(now_ms, mq->last_peer_ms, mq->have_peer,
		mq->conf.peer_interval_s))
		return;
	mq->last_peer_ms = now_ms;
	mq->have_peer = true;
	if (!eng_inlet_summary(e, now_ms, &p))
		return;
	s = mqm_peer(&mq->id, mq_wall_ms(), ++mq->seq_peer, &p);
	if (s != NULL)
		mq_send(mq, mq->t_peer, s, 0, false, &mid);
	free(s);
	mq_check_lost(mq);
}

/*
 * The retained state goes out at once when the state, the load flag, the
 * zone alarm or the offer (mq_set_offer) changed; when only the reason's
 * figures moved (it names the worst sensor's value), at most once per
 * telemetry interval; unchanged, every mqtt.state_refresh_s.
 */
void
mq_set_hold(struct mq *mq, const char *reason)
{
	snprintf(
	    mq->hold, sizeof(mq->hold), "%s", reason != NULL ? reason : "");
}

void
mq_publish_state(struct mq *mq, const struct eng_output *o, int64_t now_ms)
{
	char sig[sizeof(mq->state_sig)];
	bool key_changed;
	char *s;
	int mid;

	snprintf(sig, sizeof(sig), "%d|%d|%d|%d|%s|", (int)o->state,
	    o->accepting_load, o->zone_alarm, (int)o->prev_state, mq->hold);
	key_changed = mq->state_json == NULL ||
	    strncmp(sig, mq->state_sig, strlen(sig)) != 0;
	snprintf(sig + strlen(sig), sizeof(sig) - strlen(sig), "%s", o->reason);
	/* re-sent now and then unchanged, so others can tell it is fresh */
	if (!key_changed &&
	    !due(now_ms, mq->last_state_ms, true, mq->conf.state_refresh_s) &&
	    (strcmp(sig, mq->state_sig) == 0 ||
		!due(now_ms, mq->last_state_ms, true,
		    mq->conf.telemetry_interval_s)))
		return;
	s = mqm_state_offer(&mq->id, mq_wall_ms(), ++mq->seq_state, o, now_ms,
	    mq->hold[0] != '\0' ? mq->hold : NULL,
	    mq->have_offer ? &mq->offer : NULL);
	if (s == NULL)
		return;
	memcpy(mq->state_sig, sig, sizeof(sig));
	mq->last_state_ms = now_ms;
	free(mq->state_json);
	mq->state_json = s;
	mq_send(mq, mq->t_state, s, 1, true, &mid);
	mq_check_lost(mq);
}

void
mq_publish_overrides(struct mq *mq, const struct eng *e, int64_t now_ms)
{
	const struct eng_override *ov;
	char *sig = NULL, *s;
	size_t len = 0;
	FILE *f;
	int i, n = eng_override_count(e), mid;

	/* the common case, no overrides then or now: nothing to build */
	if (n == 0 && mq->ovr_sig != NULL && mq->ovr_sig[0] == '\0')
		return;
	if ((f = open_memstream(&sig, &len)) == NULL)
		return;
	for (i = 0; i < n; i++)
		if ((ov = eng_override_get(e, i)) != NULL)
			fprintf(f, "%s=%.17g@%" PRId64 "/%s/%s;", ov->key,
			    ov->value, ov->expires_ms, ov->author, ov->reason);
	fclose(f);
	if (mq->ovr_sig != NULL && strcmp(sig, mq->ovr_sig) == 0) {
		free(sig);
		return;
	}
	s = mqm_overrides(&mq->id, mq_wall_ms(), ++mq->seq_ovr, e, now_ms);
	if (s == NULL) {
		free(sig);
		return;
	}
	free(mq->ovr_sig);
	mq->ovr_sig = sig;
	free(mq->ovr_json);
	mq->ovr_json = s;
	mq_send(mq, mq->t_override, s, 1, true, &mid);
	mq_check_lost(mq);
}

uint64_t
mq_queue_event(struct mq *mq, const char *type, cJSON *fields, bool noise)
{
	uint64_t seq = mqq_next_seq(mq->q);
	char *s = mqm_event(&mq->id, mq_wall_ms(), seq, type, fields);
	int dropped;

	if (s == NULL)
		return 0;
	if (noise) {
		if (mqq_push_noise(mq->q, seq, s) < 0) {
			free(s);
			if (mq->st.noise_not_queued++ == 0)
				log_warnx("mqtt: %d rejection events wait for "
					  "the broker already; more are only "
					  "counted",
				    MQQ_NOISE_MAX);
			return 0;
		}
	} else if ((dropped = mqq_push(mq->q, seq, s)) > 0) {
		mq->st.dropped += (uint64_t)dropped;
		if (mq->st.dropped == (uint64_t)dropped ||
		    mq->st.dropped % 1000 == 0)
			log_warnx("mqtt: event queue full (%d), %" PRIu64
				  " oldest events dropped so far",
			    mq->conf.queue_max, mq->st.dropped);
	}
	mq_flush_queue(mq);
	mq_check_lost(mq);
	return seq;
}

uint64_t
mq_publish_event(struct mq *mq, const char *type, cJSON *fields)
{
	if (strcmp(type, "override_rejected") == 0) {
		if (!mq_limit_admit(mq, fields, loop_now_ms(mq->loop))) {
			cJSON_Delete(fields);
			return 0;
		}
		return mq_queue_event(mq, type, fields, true);
	}
	return mq_queue_event(mq, type, fields, false);
}

uint64_t
mq_sensors_made(const struct mq *mq)
{
	return mq->seq_sensors;
}

bool
mq_connected(const struct mq *mq)
{
	return mq != NULL && mq->connected;
}

bool
mq_same_conf(const struct mq *mq, const struct mqtt_conf *c,
    const struct agent_group *id, const char *state_dir)
{
	return mqtt_conf_same(&mq->conf, c) &&
	    strcmp(mq->site, id->site) == 0 &&
	    strcmp(mq->zone, id->zone) == 0 &&
	    strcmp(mq->host, id->host) == 0 && mq->tier == id->tier &&
	    strcmp(mq->state_dir, state_dir != NULL ? state_dir : "") == 0;
}

void
mq_get_stats(const struct mq *mq, struct mq_stats *s)
{
	*s = mq->st;
	s->queued = mqq_count(mq->q);
	s->dropped = mqq_dropped_total(mq->q);
}
