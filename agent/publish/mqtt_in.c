/*
 * mqtt_in.c - incoming messages: zone peers and remote overrides.
 *
 * Peers: only the zone's <prefix>/<site>/<zone>/+/peer is subscribed, so
 * an agent's cost grows with its zone, not with the whole room. Own,
 * retained (a dead host's last word), stale, malformed and implausible
 * (value or slope) summaries are ignored and counted.
 *
 * Overrides: three topics (host, zone, site). Every request that is not
 * applied is counted and reported with the reason ("override_rejected",
 * coalesced under a flood by mqtt_limit.c): never a crash and never a
 * silent drop. The broker's ACL decides who may publish there
 * (broker-config/acl); with mqtt.override_keys a request must also be
 * signed by an operator's key (mqtt_trust.c); the author named in the
 * message is checked against mqtt.override_authors when that list is
 * set, and the engine bounds the value (override.h).
 */
#include "mqtt_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mqtt_protocol.h>

#include "json_strict.h"
#include "log.h"

void
mq_in_subscribe(struct mq *mq)
{
	char *subs[4];
	int n = 0, rc, mid;

	/*
	 * Retain-as-published: a retained override request (or a peer's
	 * retained summary) must be recognisable as such even when it comes
	 * live, so it can be refused; MQTT clears the flag otherwise.
	 * No-local: our own summaries need not come back to us.
	 */
	rc = mosquitto_subscribe_v5(mq->m, &mid, mq->t_peer_sub, 0,
	    MQTT_SUB_OPT_RETAIN_AS_PUBLISHED | MQTT_SUB_OPT_NO_LOCAL, NULL);
	if (rc != MOSQ_ERR_SUCCESS)
		log_warnx("mqtt: subscribe %s: %s", mq->t_peer_sub,
		    mosquitto_strerror(rc));
	mq_site_subscribe(mq);
	if (!mq->conf.overrides)
		return;
	subs[n++] = mq->t_set_host;
	subs[n++] = mq->t_set_zone;
	subs[n++] = mq->t_set_site;
	rc = mosquitto_subscribe_multiple(
	    mq->m, &mid, n, subs, 1, MQTT_SUB_OPT_RETAIN_AS_PUBLISHED, NULL);
	if (rc != MOSQ_ERR_SUCCESS)
		log_warnx("mqtt: subscribe override topics: %s",
		    mosquitto_strerror(rc));
}

static void
on_peer(struct mq *mq, const struct mosquitto_message *msg)
{
	struct eng_peer p;
	const char *host = msg->topic + mq->peer_pfx_len;
	size_t hlen = strcspn(host, "/");
	char hbuf[sizeof(p.host)];
	char err[160];
	int64_t ts, age;

	if (hlen == 0 || hlen >= sizeof(hbuf))
		goto ignore;
	memcpy(hbuf, host, hlen);
	hbuf[hlen] = '\0';
	if (strcmp(hbuf, mq->host) == 0)
		return; /* our own summary */
	if (msg->retain) {
		log_debug("mqtt: peer %s: retained summary ignored", hbuf);
		goto ignore;
	}
	if (msg->payloadlen > mq->conf.max_payload) {
		log_debug(
		    "mqtt: peer %s: %d bytes, ignored", hbuf, msg->payloadlen);
		goto ignore;
	}
	if (mqm_peer_parse(msg->payload, (size_t)msg->payloadlen, hbuf, &p, &ts,
		err, sizeof(err)) < 0) {
		log_debug("mqtt: peer %s: %s, ignored", hbuf, err);
		goto ignore;
	}
	/* Physically plausible only: a room's air within the range of our
	 * own inlet sensors, rising or falling no faster than
	 * mqtt.peer_max_slope_c_per_min. Peers can warn and shed load,
	 * never shut a host down (thermwatch.conf(5)); this keeps one
	 * broken or lying host from claiming 200 C rising 600 C/min. */
	if (!(p.inlet_c >= mq->conf.peer_min_c &&
		p.inlet_c <= mq->conf.peer_max_c) ||
	    !(fabs(p.slope_c_per_s) * 60.0 <=
		mq->conf.peer_max_slope_c_per_min)) {
		mq->st.peers_implausible++;
		if (mq->st.peers_implausible == 1 ||
		    mq->st.peers_implausible % 1000 == 0)
			log_warnx("mqtt: peer %s: inlet %.1f C, %.1f C/min is "
				  "implausible (%g..%g C, at most %g C/min), "
				  "ignored (%" PRIu64 " so far)",
			    hbuf, p.inlet_c, p.slope_c_per_s * 60.0,
			    mq->conf.peer_min_c, mq->conf.peer_max_c,
			    mq->conf.peer_max_slope_c_per_min,
			    mq->st.peers_implausible);
		goto ignore;
	}
	age = mq_wall_ms() - ts;
	if (mq->conf.peer_max_age_s > 0 &&
	    age > (int64_t)(mq->conf.peer_max_age_s * 1000.0)) {
		log_debug(
		    "mqtt: peer %s: %" PRId64 " ms old, ignored", hbuf, age);
		goto ignore;
	}
	p.t_ms = loop_now_ms(mq->loop);
	mq->st.peers_received++;
	if (mq->cb.peer != NULL)
		mq->cb.peer(mq->arg, &p);
	return;
ignore:
	mq->st.peers_ignored++;
}

static const char *
via_name(enum mq_scope s)
{
	return s == MQ_SCOPE_SITE ? "mqtt site"
	    : s == MQ_SCOPE_ZONE  ? "mqtt zone"
				  : "mqtt host";
}

/*
 * The override events have the same members whichever way an override
 * came (control socket or MQTT): action, key, value, ttl_s, reason (the
 * request's), author, via, message (why refused, or how clamped). The MQTT
 * layer adds topic, bytes and id.
 */
/*
 * The "id" a request that could not be believed names, to echo it back so
 * its sender can tell the answer: top level, or in a signed envelope's
 * request. Nothing in it is trusted: it is only echoed.
 */
static void
peek_id(const struct mosquitto_message *msg, char *buf, size_t len)
{
	cJSON *o, *in = NULL;
	const cJSON *s, *id;
	char err[64];

	buf[0] = '\0';
	o = json_parse_strict(
	    msg->payload, (size_t)msg->payloadlen, err, sizeof(err));
	s = cJSON_GetObjectItemCaseSensitive(o, "signed");
	if (cJSON_IsString(s))
		in = json_parse_strict(
		    s->valuestring, strlen(s->valuestring), err, sizeof(err));
	id = cJSON_GetObjectItemCaseSensitive(in != NULL ? in : o, "id");
	if (cJSON_IsString(id) && strlen(id->valuestring) < len &&
	    strlen(id->valuestring) < MQM_KEY_LEN)
		snprintf(buf, len, "%s", id->valuestring);
	cJSON_Delete(in);
	cJSON_Delete(o);
}

static void
reject(struct mq *mq, const struct mosquitto_message *msg, enum mq_scope scope,
    const struct mqm_override *r, const char *why)
{
	char id[MQM_KEY_LEN];

	cJSON *f = cJSON_CreateObject();

	mq->st.overrides_rejected++;
	cJSON_AddStringToObject(
	    f, "action", r != NULL && r->clear ? "clear" : "set");
	cJSON_AddStringToObject(f, "key", r != NULL ? r->key : "");
	if (r != NULL && !r->clear) {
		mqm_add_num(f, "value", r->value);
		mqm_add_num(f, "ttl_s", r->ttl_s);
	}
	if (r != NULL) {
		cJSON_AddStringToObject(f, "reason", r->reason);
		cJSON_AddStringToObject(f, "author", r->author);
	}
	cJSON_AddStringToObject(f, "via", via_name(scope));
	cJSON_AddStringToObject(f, "message", why);
	cJSON_AddStringToObject(f, "topic", msg->topic);
	cJSON_AddNumberToObject(f, "bytes", msg->payloadlen);
	/* A flood costs a counter each (mqtt_limit.c), not a log line and
	 * an event each. */
	if (!mq_limit_admit(mq, f, loop_now_ms(mq->loop))) {
		cJSON_Delete(f);
		return;
	}
	if (r != NULL)
		snprintf(id, sizeof(id), "%s", r->id);
	else
		peek_id(msg, id, sizeof(id));
	if (id[0] != '\0')
		cJSON_AddStringToObject(f, "id", id);
	log_warnx("mqtt: override request on %s rejected: %s", msg->topic, why);
	mq_queue_event(mq, "override_rejected", f, true);
}

static bool
author_ok(const struct mq *mq, const char *author)
{
	if (mq->conf.n_authors == 0)
		return true;
	for (int i = 0; i < mq->conf.n_authors; i++)
		if (strcmp(author, mq->conf.authors[i]) == 0)
			return true;
	return false;
}

static void
on_override(
    struct mq *mq, const struct mosquitto_message *msg, enum mq_scope scope)
{
	struct mqm_override r;
	struct mq_override_req req;
	char err[256], why[320];
	cJSON *f;
	int rc;

	if (!mq->conf.overrides) {
		reject(mq, msg, scope, NULL,
		    "remote overrides are disabled "
		    "(mqtt.overrides = false)");
		return;
	}
	if (msg->retain) {
		reject(mq, msg, scope, NULL,
		    "retained request refused: "
		    "publish override/set without the retain flag");
		return;
	}
	if (msg->payloadlen > mq->conf.max_payload) {
		snprintf(why, sizeof(why),
		    "payload of %d bytes is over "
		    "mqtt.max_payload (%d)",
		    msg->payloadlen, mq->conf.max_payload);
		reject(mq, msg, scope, NULL, why);
		return;
	}
	if ((rc = mq_trust_request(mq, msg, &r, why, sizeof(why))) < 0) {
		reject(mq, msg, scope, rc == -2 ? &r : NULL, why);
		return;
	}
	if (!author_ok(mq, r.author)) {
		snprintf(why, sizeof(why),
		    "author \"%s\" is not in "
		    "mqtt.override_authors",
		    r.author);
		reject(mq, msg, scope, &r, why);
		return;
	}
	if (mq->cb.override == NULL) {
		reject(mq, msg, scope, &r, "this agent takes no overrides");
		return;
	}
	memset(&req, 0, sizeof(req));
	req.key = r.key;
	req.value = r.value;
	req.ttl_s = r.ttl_s;
	req.clear = r.clear;
	req.reason = r.reason;
	req.author = r.author;
	req.id = r.id;
	req.scope = scope;
	req.via = via_name(scope);
	err[0] = '\0';
	rc = mq->cb.override(
	    mq->arg, &req, loop_now_ms(mq->loop), err, sizeof(err));
	if (rc < 0) {
		mq->st.overrides_rejected++;
		if (mq->cb.announces)
			return;
		reject(mq, msg, scope, &r,
		    err[0] != '\0' ? err : "refused by the engine");
		return;
	}
	mq->st.overrides_applied++;
	if (mq->cb.announces)
		return;
	log_info("mqtt: override %s %s by %s (%s)%s%s",
	    r.clear ? "clear" : "set", r.key, r.author, via_name(scope),
	    rc == 1 ? ": " : "", rc == 1 ? err : "");
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "action", r.clear ? "clear" : "set");
	cJSON_AddStringToObject(f, "key", r.key);
	if (!r.clear) {
		mqm_add_num(f, "value", r.value);
		mqm_add_num(f, "ttl_s", r.ttl_s);
	}
	cJSON_AddStringToObject(f, "reason", r.reason);
	cJSON_AddStringToObject(f, "author", r.author);
	cJSON_AddStringToObject(f, "via", via_name(scope));
	if (rc == 1)
		cJSON_AddStringToObject(f, "message", err);
	if (r.id[0] != '\0')
		cJSON_AddStringToObject(f, "id", r.id);
	mq_publish_event(mq, "override", f);
}

void
mq_in_message(struct mq *mq, const struct mosquitto_message *msg)
{
	bool match = false;

	if (msg->topic == NULL)
		return;
	if (strcmp(msg->topic, mq->t_set_host) == 0) {
		on_override(mq, msg, MQ_SCOPE_HOST);
		return;
	}
	if (strcmp(msg->topic, mq->t_set_zone) == 0) {
		on_override(mq, msg, MQ_SCOPE_ZONE);
		return;
	}
	if (strcmp(msg->topic, mq->t_set_site) == 0) {
		on_override(mq, msg, MQ_SCOPE_SITE);
		return;
	}
	if (mosquitto_topic_matches_sub(mq->t_peer_sub, msg->topic, &match) ==
		MOSQ_ERR_SUCCESS &&
	    match) {
		on_peer(mq, msg);
		return;
	}
	if (mq_site_message(mq, msg))
		return;
	log_debug("mqtt: unexpected message on %s, ignored", msg->topic);
}
