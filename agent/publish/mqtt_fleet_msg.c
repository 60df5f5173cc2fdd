/*
 * mqtt_fleet_msg.c - build and parse the fleet's part of the payloads (see
 * mqtt_fleet_msg.h and thermwatch-mqtt(7)).
 */
#include "mqtt_fleet_msg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mqtt_msg.h"
#include "mqtt_msg_int.h"

#define MAX_COUNT 1e9

void
mqm_offer_init(struct mqm_offer *o)
{
	memset(o, 0, sizeof(*o));
	o->spare_vms = -1;
	o->spare_mem_mb = -1;
}

bool
mqm_offer_has_capacity(const struct mqm_offer *o)
{
	return o->spare_vms >= 0 || o->spare_mem_mb >= 0;
}

bool
mqm_offer_same(const struct mqm_offer *a, const struct mqm_offer *b)
{
	return a->spare_vms == b->spare_vms &&
	    a->spare_mem_mb == b->spare_mem_mb && strcmp(a->uri, b->uri) == 0;
}

void
mqm_offer_add(cJSON *state, const struct mqm_offer *o)
{
	cJSON *cap;

	if (mqm_offer_has_capacity(o)) {
		cap = cJSON_AddObjectToObject(state, "capacity");
		if (o->spare_vms >= 0)
			cJSON_AddNumberToObject(cap, "spare_vms", o->spare_vms);
		if (o->spare_mem_mb >= 0)
			cJSON_AddNumberToObject(
			    cap, "spare_mem_mb", o->spare_mem_mb);
	}
	if (o->uri[0] != '\0')
		cJSON_AddStringToObject(state, "migrate_uri", o->uri);
}

/* A count: an integer >= 0, else -1 (unknown). */
static int
count(const cJSON *o, const char *key)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(n) || !isfinite(n->valuedouble) ||
	    n->valuedouble < 0 || n->valuedouble > MAX_COUNT ||
	    floor(n->valuedouble) != n->valuedouble)
		return -1;
	return (int)n->valuedouble;
}

static void
capacity_from(const cJSON *cap, struct mqm_offer *o)
{
	o->spare_vms = count(cap, "spare_vms");
	o->spare_mem_mb = count(cap, "spare_mem_mb");
}

int
mqm_capacity_parse(
    const char *text, size_t len, struct mqm_offer *o, char *err, size_t errlen)
{
	cJSON *c;

	/* a command ends its output with a newline */
	while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL)
		len--;
	if ((c = mqm_parse_object(text, len, err, errlen)) == NULL)
		return -1;
	capacity_from(c, o);
	cJSON_Delete(c);
	if (!mqm_offer_has_capacity(o)) {
		snprintf(err, errlen,
		    "neither \"spare_vms\" nor \"spare_mem_mb\" is an "
		    "integer >= 0");
		return -1;
	}
	return 0;
}

static int
same_name(
    const cJSON *o, const char *key, const char *want, char *err, size_t errlen)
{
	char buf[MQM_NAME_LEN];

	if (mqm_get_str(o, key, true, buf, sizeof(buf), err, errlen) < 0)
		return -1;
	if (strcmp(buf, want) != 0) {
		snprintf(err, errlen, "\"%s\" is \"%s\", the topic says \"%s\"",
		    key, buf, want);
		return -1;
	}
	return 0;
}

static int
get_bool(const cJSON *o, const char *key, bool *out, char *err, size_t errlen)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsBool(b)) {
		snprintf(err, errlen, "\"%s\" must be true or false", key);
		return -1;
	}
	*out = cJSON_IsTrue(b);
	return 0;
}

int
mqm_host_state_parse(const char *payload, size_t len, const char *site,
    const char *zone, const char *host, struct mqm_host_state *s, char *err,
    size_t errlen)
{
	cJSON *o = mqm_parse_object(payload, len, err, errlen);
	const cJSON *cap;
	double tier, ts;
	int rc = -1;

	if (o == NULL)
		return -1;
	memset(s, 0, sizeof(*s));
	mqm_offer_init(&s->offer);
	if (mqm_check_version(o, err, errlen) < 0 ||
	    same_name(o, "site", site, err, errlen) < 0 ||
	    same_name(o, "zone", zone, err, errlen) < 0 ||
	    same_name(o, "host", host, err, errlen) < 0 ||
	    mqm_get_num(o, "ts", 0, 1e15, &ts, err, errlen) < 0 ||
	    mqm_get_num(o, "tier", 0, ENG_MAX_TIER, &tier, err, errlen) < 0 ||
	    mqm_get_str(o, "state", true, s->state, sizeof(s->state), err,
		errlen) < 0 ||
	    get_bool(o, "accepting_load", &s->accepting_load, err, errlen) <
		0 ||
	    get_bool(o, "zone_alarm", &s->zone_alarm, err, errlen) < 0)
		goto out;
	if (floor(tier) != tier) {
		snprintf(err, errlen, "\"tier\" must be an integer");
		goto out;
	}
	if (mqm_get_str(o, "migrate_uri", false, s->offer.uri,
		sizeof(s->offer.uri), err, errlen) < 0)
		goto out;
	cap = cJSON_GetObjectItemCaseSensitive(o, "capacity");
	if (cap != NULL && !cJSON_IsNull(cap)) {
		if (!cJSON_IsObject(cap)) {
			snprintf(err, errlen, "\"capacity\" must be an object");
			goto out;
		}
		capacity_from(cap, &s->offer);
	}
	snprintf(s->zone, sizeof(s->zone), "%s", zone);
	snprintf(s->host, sizeof(s->host), "%s", host);
	s->tier = (int)tier;
	s->ts_ms = (int64_t)ts;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

int
mqm_status_parse(
    const char *payload, size_t len, bool *online, char *err, size_t errlen)
{
	cJSON *o = mqm_parse_object(payload, len, err, errlen);
	char st[16];
	int rc = -1;

	if (o == NULL)
		return -1;
	if (mqm_check_version(o, err, errlen) < 0 ||
	    mqm_get_str(o, "status", true, st, sizeof(st), err, errlen) < 0)
		goto out;
	if (strcmp(st, "online") != 0 && strcmp(st, "offline") != 0) {
		snprintf(err, errlen, "unknown status \"%s\"", st);
		goto out;
	}
	*online = strcmp(st, "online") == 0;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}
