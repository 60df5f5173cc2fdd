/*
 * mqtt_msg.c - build and parse the MQTT payloads (see mqtt_msg.h and
 * thermwatch-mqtt(7)).
 */
#include "mqtt_msg.h"

#include "mqtt_fleet_msg.h"
#include "mqtt_msg_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_strict.h"

#ifndef TW_VERSION
#define TW_VERSION "unknown"
#endif

static const char *const header_keys[] = { "v", "ts", "seq", "site", "zone",
	"host", "type", NULL };

cJSON *
mqm_header(const struct mqm_id *id, int64_t ts_ms, uint64_t seq)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "v", MQM_VERSION);
	cJSON_AddNumberToObject(o, "ts", (double)ts_ms);
	cJSON_AddNumberToObject(o, "seq", (double)seq);
	cJSON_AddStringToObject(o, "site", id->site);
	cJSON_AddStringToObject(o, "zone", id->zone);
	cJSON_AddStringToObject(o, "host", id->host);
	return o;
}

void
mqm_add_num(cJSON *o, const char *key, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, key, round(v * 1000.0) / 1000.0);
	else
		cJSON_AddNullToObject(o, key);
}

char *
mqm_finish(cJSON *o)
{
	char *s;

	if (o == NULL)
		return NULL;
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static const char *
status_name(enum eng_sensor_status s)
{
	switch (s) {
	case ENG_SENSOR_NEW:
		return "new";
	case ENG_SENSOR_VALID:
		return "valid";
	case ENG_SENSOR_STALE:
		return "stale";
	case ENG_SENSOR_REMOVED:
		return "removed";
	}
	return "unknown";
}

static const char *
trip_src_name(enum eng_trip_src s)
{
	switch (s) {
	case ENG_TRIP_HW:
		return "hardware";
	case ENG_TRIP_CONFIG:
		return "config";
	case ENG_TRIP_CLASS_DEFAULT:
		return "class-default";
	}
	return "unknown";
}

void
mqm_sensor_fields(cJSON *o, const struct eng_sensor_view *v)
{
	bool used = v->extrapolated || v->status == ENG_SENSOR_VALID;

	cJSON_AddStringToObject(o, "class", eng_class_name(v->cls));
	cJSON_AddStringToObject(o, "status", status_name(v->status));
	mqm_add_num(o, "value_c", v->value_c);
	mqm_add_num(o, "filtered_c", v->filtered_c);
	mqm_add_num(o, "used_c", used ? v->value_used_c : NAN);
	cJSON_AddBoolToObject(o, "assumed", v->extrapolated);
	mqm_add_num(o, "trip_c", v->trip_c);
	cJSON_AddStringToObject(o, "trip_src", trip_src_name(v->trip_src));
	mqm_add_num(o, "headroom_c", v->headroom_c);
	mqm_add_num(o, "slope_c_per_min", v->slope_c_per_s * 60.0);
	mqm_add_num(o, "eta_s", v->eta_s);
	cJSON_AddNumberToObject(o, "level", v->level);
	cJSON_AddNumberToObject(o, "rejected", (double)v->rejected);
}

char *
mqm_telemetry(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const struct eng *e, const struct eng_output *out)
{
	cJSON *o = mqm_header(id, ts_ms, seq), *arr, *s;
	struct eng_sensor_view v;
	int i, n = eng_sensor_count(e);

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "tier", id->tier);
	if (out != NULL) {
		cJSON_AddStringToObject(o, "state", eng_state_name(out->state));
		cJSON_AddBoolToObject(o, "zone_alarm", out->zone_alarm);
	}
	arr = cJSON_AddArrayToObject(o, "sensors");
	for (i = 0; i < n; i++) {
		eng_sensor_view(e, i, &v);
		if (v.status == ENG_SENSOR_REMOVED)
			continue;
		s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "id", v.id != NULL ? v.id : "");
		mqm_sensor_fields(s, &v);
		cJSON_AddItemToArray(arr, s);
	}
	return mqm_finish(o);
}

void
mqm_state_fields(cJSON *o, const struct eng_output *out, const char *hold)
{
	cJSON_AddStringToObject(
	    o, "state", hold != NULL ? "hold" : eng_state_name(out->state));
	if (hold != NULL)
		cJSON_AddStringToObject(
		    o, "engine_state", eng_state_name(out->state));
	cJSON_AddStringToObject(
	    o, "prev_state", eng_state_name(out->prev_state));
	cJSON_AddStringToObject(o, "reason", hold != NULL ? hold : out->reason);
	mqm_add_num(o, "eta_s", out->eta_s);
	cJSON_AddBoolToObject(
	    o, "accepting_load", hold == NULL && out->accepting_load);
	cJSON_AddBoolToObject(o, "zone_alarm", out->zone_alarm);
}

char *
mqm_state_hold(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const struct eng_output *out, int64_t now_ms, const char *hold)
{
	return mqm_state_offer(id, ts_ms, seq, out, now_ms, hold, NULL);
}

char *
mqm_state_offer(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const struct eng_output *out, int64_t now_ms, const char *hold,
    const struct mqm_offer *offer)
{
	cJSON *o = mqm_header(id, ts_ms, seq);
	int64_t since = ts_ms - (now_ms - out->since_ms);

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "tier", id->tier);
	mqm_state_fields(o, out, hold);
	cJSON_AddNumberToObject(o, "since", (double)since);
	if (offer != NULL)
		mqm_offer_add(o, offer);
	return mqm_finish(o);
}

char *
mqm_state(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const struct eng_output *out, int64_t now_ms)
{
	return mqm_state_hold(id, ts_ms, seq, out, now_ms, NULL);
}

static bool
is_header_key(const char *k)
{
	for (int i = 0; header_keys[i] != NULL; i++)
		if (strcmp(k, header_keys[i]) == 0)
			return true;
	return false;
}

char *
mqm_event(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const char *type, cJSON *fields)
{
	cJSON *o = mqm_header(id, ts_ms, seq), *it;

	if (o == NULL) {
		cJSON_Delete(fields);
		return NULL;
	}
	cJSON_AddStringToObject(o, "type", type);
	while (cJSON_IsObject(fields) && (it = fields->child) != NULL) {
		cJSON_DetachItemViaPointer(fields, it);
		if (it->string == NULL || is_header_key(it->string)) {
			cJSON_Delete(it);
			continue;
		}
		cJSON_AddItemToObject(o, it->string, it);
	}
	cJSON_Delete(fields);
	return mqm_finish(o);
}

char *
mqm_status(const struct mqm_id *id, int64_t ts_ms, uint64_t seq, bool online,
    const char *reason)
{
	cJSON *o = mqm_header(id, ts_ms, seq);

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "tier", id->tier);
	cJSON_AddStringToObject(o, "status", online ? "online" : "offline");
	cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddStringToObject(o, "version", TW_VERSION);
	return mqm_finish(o);
}

char *
mqm_peer(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const struct eng_peer *p)
{
	cJSON *o = mqm_header(id, ts_ms, seq);

	if (o == NULL)
		return NULL;
	cJSON_AddNumberToObject(o, "tier", id->tier);
	mqm_add_num(o, "inlet_c", p->inlet_c);
	mqm_add_num(o, "slope_c_per_min", p->slope_c_per_s * 60.0);
	cJSON_AddStringToObject(o, "state", eng_state_name(p->state));
	return mqm_finish(o);
}

char *
mqm_overrides(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const struct eng *e, int64_t now_ms)
{
	cJSON *o = mqm_header(id, ts_ms, seq), *arr, *x;
	const struct eng_override *ov;
	int i, n = eng_override_count(e);

	if (o == NULL)
		return NULL;
	arr = cJSON_AddArrayToObject(o, "overrides");
	for (i = 0; i < n; i++) {
		if ((ov = eng_override_get(e, i)) == NULL)
			continue;
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "key", ov->key);
		mqm_add_num(x, "value", ov->value);
		mqm_add_num(x, "expires_in_s",
		    (double)(ov->expires_ms - now_ms) / 1000.0);
		cJSON_AddNumberToObject(
		    x, "expires", (double)(ts_ms + (ov->expires_ms - now_ms)));
		cJSON_AddStringToObject(x, "reason", ov->reason);
		cJSON_AddStringToObject(x, "author", ov->author);
		cJSON_AddItemToArray(arr, x);
	}
	return mqm_finish(o);
}

/* --- parsing --------------------------------------------------------- */

static cJSON *
parse_object(const char *payload, size_t len, char *err, size_t errlen)
{
	cJSON *o;

	if (len == 0) {
		snprintf(err, errlen, "empty payload");
		return NULL;
	}
	o = json_parse_strict(payload, len, err, errlen);
	if (o == NULL)
		return NULL;
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "not a JSON object");
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int
check_version(const cJSON *o, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "v");

	if (!cJSON_IsNumber(v) || v->valuedouble != MQM_VERSION) {
		snprintf(err, errlen, "\"v\" must be %d", MQM_VERSION);
		return -1;
	}
	return 0;
}

/* An optional (required == false) or required string into buf. */
static int
get_str(const cJSON *o, const char *key, bool required, char *buf, size_t len,
    char *err, size_t errlen)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);

	if (s == NULL && !required)
		return 0;
	if (!cJSON_IsString(s) || s->valuestring[0] == '\0') {
		snprintf(err, errlen, "\"%s\" must be a non-empty string", key);
		return -1;
	}
	if (strlen(s->valuestring) >= len) {
		snprintf(err, errlen, "\"%s\" is longer than %zu characters",
		    key, len - 1);
		return -1;
	}
	for (const char *p = s->valuestring; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20) {
			snprintf(
			    err, errlen, "\"%s\" has control characters", key);
			return -1;
		}
	}
	snprintf(buf, len, "%s", s->valuestring);
	return 0;
}

static int
get_num(const cJSON *o, const char *key, double min, double max, double *out,
    char *err, size_t errlen)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble)) {
		snprintf(err, errlen, "\"%s\" must be a number", key);
		return -1;
	}
	if (n->valuedouble < min || n->valuedouble > max) {
		snprintf(err, errlen, "\"%s\" = %g is out of range (%g..%g)",
		    key, n->valuedouble, min, max);
		return -1;
	}
	*out = n->valuedouble;
	return 0;
}

static int
check_members(
    const cJSON *o, const char *const known[], char *err, size_t errlen)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, o)
	{
		int i;

		for (i = 0; known[i] != NULL; i++)
			if (strcmp(it->string, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			snprintf(err, errlen, "unknown member \"%.40s\"",
			    it->string);
			return -1;
		}
	}
	return 0;
}

static int
state_from_name(const char *s)
{
	for (int i = 0; i < ENG_STATE_COUNT; i++)
		if (strcmp(s, eng_state_name((enum eng_state)i)) == 0)
			return i;
	return -1;
}

int
mqm_peer_parse(const char *payload, size_t len, const char *topic_host,
    struct eng_peer *p, int64_t *ts_ms, char *err, size_t errlen)
{
	cJSON *o = parse_object(payload, len, err, errlen);
	char host[sizeof(p->host)], state[16];
	double tier, inlet, slope, ts;
	int st, rc = -1;

	if (o == NULL)
		return -1;
	if (check_version(o, err, errlen) < 0 ||
	    get_str(o, "host", true, host, sizeof(host), err, errlen) < 0 ||
	    get_num(o, "ts", 0, 1e15, &ts, err, errlen) < 0 ||
	    get_num(o, "tier", 0, ENG_MAX_TIER, &tier, err, errlen) < 0 ||
	    get_num(o, "inlet_c", -60, 200, &inlet, err, errlen) < 0 ||
	    get_num(o, "slope_c_per_min", -600, 600, &slope, err, errlen) < 0 ||
	    get_str(o, "state", true, state, sizeof(state), err, errlen) < 0)
		goto out;
	if (strcmp(host, topic_host) != 0) {
		snprintf(err, errlen,
		    "host \"%s\" published on the topic of "
		    "\"%s\"",
		    host, topic_host);
		goto out;
	}
	if ((st = state_from_name(state)) < 0) {
		snprintf(err, errlen, "unknown state \"%s\"", state);
		goto out;
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->host, sizeof(p->host), "%s", host);
	p->tier = (int)tier;
	p->inlet_c = inlet;
	p->slope_c_per_s = slope / 60.0;
	p->state = (enum eng_state)st;
	*ts_ms = (int64_t)ts;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

static bool
key_ok(const char *k)
{
	for (; *k != '\0'; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
			*k == '_' || *k == '.' || *k == '-'))
			return false;
	return true;
}

int
mqm_override_parse(const char *payload, size_t len, struct mqm_override *r,
    char *err, size_t errlen)
{
	static const char *const known[] = { "v", "ts", "key", "value", "ttl_s",
		"clear", "reason", "author", "id", NULL };
	cJSON *o = parse_object(payload, len, err, errlen);
	const cJSON *clear;
	int rc = -1;

	if (o == NULL)
		return -1;
	memset(r, 0, sizeof(*r));
	if (check_version(o, err, errlen) < 0 ||
	    check_members(o, known, err, errlen) < 0 ||
	    get_str(o, "key", true, r->key, sizeof(r->key), err, errlen) < 0 ||
	    get_str(o, "author", true, r->author, sizeof(r->author), err,
		errlen) < 0 ||
	    get_str(o, "reason", true, r->reason, sizeof(r->reason), err,
		errlen) < 0 ||
	    get_str(o, "id", false, r->id, sizeof(r->id), err, errlen) < 0)
		goto out;
	if (!key_ok(r->key)) {
		snprintf(err, errlen, "\"key\" may only hold a-z 0-9 _ . -");
		goto out;
	}
	if (cJSON_HasObjectItem(o, "ts")) {
		double ts;

		if (get_num(o, "ts", 1, 1e15, &ts, err, errlen) < 0)
			goto out;
		r->ts_ms = (int64_t)ts;
	}
	clear = cJSON_GetObjectItemCaseSensitive(o, "clear");
	if (clear != NULL && !cJSON_IsBool(clear)) {
		snprintf(err, errlen, "\"clear\" must be true or false");
		goto out;
	}
	r->clear = cJSON_IsTrue(clear);
	if (r->clear) {
		if (cJSON_HasObjectItem(o, "value") ||
		    cJSON_HasObjectItem(o, "ttl_s")) {
			snprintf(err, errlen,
			    "\"clear\" takes no value or "
			    "ttl_s");
			goto out;
		}
		r->value = NAN;
		r->ttl_s = 0;
	} else if (get_num(o, "value", -1e6, 1e6, &r->value, err, errlen) < 0 ||
	    get_num(o, "ttl_s", 1, 365 * 86400.0, &r->ttl_s, err, errlen) < 0) {
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

/* --- for the other payload files (mqtt_msg_int.h) ---------------------- */

cJSON *
mqm_parse_object(const char *payload, size_t len, char *err, size_t errlen)
{
	return parse_object(payload, len, err, errlen);
}

int
mqm_check_version(const cJSON *o, char *err, size_t errlen)
{
	return check_version(o, err, errlen);
}

int
mqm_get_str(const cJSON *o, const char *key, bool required, char *buf,
    size_t len, char *err, size_t errlen)
{
	return get_str(o, key, required, buf, len, err, errlen);
}

int
mqm_get_num(const cJSON *o, const char *key, double min, double max,
    double *out, char *err, size_t errlen)
{
	return get_num(o, key, min, max, out, err, errlen);
}
