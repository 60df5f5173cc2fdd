/*
 * mq_check.c - validate thermwatch MQTT payloads against the schema of
 * thermwatch-mqtt(7).
 *
 *	mosquitto_sub -v -t 'thermwatch/v1/#' | mq_check [-q]
 *
 * Each input line is "topic payload". Every member of every payload must
 * be documented (unknown members are errors, so the man page stays
 * complete), of the documented type, and the identity must match the
 * topic. Prints one line per error and a summary "N messages, N errors";
 * exits 1 when there were errors or no message at all.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

enum type {
	T_STR,
	T_NUM,
	T_NUMNULL,
	T_INT,
	T_BOOL,
	T_ARR,
	T_OBJ,
	T_STATE,
	T_CLASS,
	T_ANY
};

struct field {
	const char *name;
	enum type type;
	bool required;
};

static int errors;
static const char *cur_topic;

static void
err(const char *fmt, const char *a, const char *b)
{
	errors++;
	printf("ERROR %s: ", cur_topic);
	printf(fmt, a, b);
	printf("\n");
}

static const char *const states[] = { "ok", "warn", "hot", "critical",
	"degraded", "hold", NULL };
static const char *const classes[] = { "cpu", "inlet", "exhaust", "other",
	NULL };

static bool
in(const char *s, const char *const set[])
{
	for (int i = 0; set[i] != NULL; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static bool
type_ok(const cJSON *v, enum type t)
{
	switch (t) {
	case T_STR:
		return cJSON_IsString(v);
	case T_NUM:
		return cJSON_IsNumber(v) && isfinite(v->valuedouble);
	case T_NUMNULL:
		return cJSON_IsNull(v) || cJSON_IsNumber(v);
	case T_INT:
		return cJSON_IsNumber(v) &&
		    v->valuedouble == floor(v->valuedouble);
	case T_BOOL:
		return cJSON_IsBool(v);
	case T_ARR:
		return cJSON_IsArray(v);
	case T_OBJ:
		return cJSON_IsObject(v);
	case T_STATE:
		return cJSON_IsString(v) && in(v->valuestring, states);
	case T_CLASS:
		return cJSON_IsString(v) && in(v->valuestring, classes);
	case T_ANY:
		return true;
	}
	return false;
}

/* Check o against fields[]; strict: members not listed are errors. */
static void
check_fields(
    const cJSON *o, const struct field *f, bool strict, const char *what)
{
	const cJSON *it;
	int i;

	for (i = 0; f[i].name != NULL; i++) {
		it = cJSON_GetObjectItemCaseSensitive(o, f[i].name);
		if (it == NULL) {
			if (f[i].required)
				err("%s: missing \"%s\"", what, f[i].name);
			continue;
		}
		if (!type_ok(it, f[i].type))
			err("%s: \"%s\" has the wrong type", what, f[i].name);
	}
	if (!strict)
		return;
	cJSON_ArrayForEach(it, o)
	{
		for (i = 0; f[i].name != NULL; i++)
			if (strcmp(f[i].name, it->string) == 0)
				break;
		if (f[i].name == NULL)
			err("%s: undocumented member \"%s\"", what, it->string);
	}
}

#define HDR                                                                  \
	{ "v", T_INT, true }, { "ts", T_INT, true }, { "seq", T_INT, true }, \
	    { "site", T_STR, true }, { "zone", T_STR, true },                \
	{                                                                    \
		"host", T_STR, true                                          \
	}

static const struct field f_telemetry[] = { HDR, { "tier", T_INT, true },
	{ "state", T_STATE, false }, { "zone_alarm", T_BOOL, false },
	{ "sensors", T_ARR, true }, { NULL, 0, 0 } };
static const struct field f_sensor[] = { { "id", T_STR, true },
	{ "class", T_CLASS, true }, { "status", T_STR, true },
	{ "value_c", T_NUMNULL, true }, { "filtered_c", T_NUMNULL, true },
	{ "used_c", T_NUMNULL, true }, { "assumed", T_BOOL, true },
	{ "trip_c", T_NUMNULL, true }, { "trip_src", T_STR, true },
	{ "headroom_c", T_NUMNULL, true },
	{ "slope_c_per_min", T_NUMNULL, true }, { "eta_s", T_NUMNULL, true },
	{ "level", T_INT, true }, { "rejected", T_INT, true }, { NULL, 0, 0 } };
static const struct field f_state[] = { HDR, { "tier", T_INT, true },
	{ "state", T_STATE, true }, { "prev_state", T_STATE, true },
	{ "reason", T_STR, true }, { "since", T_INT, true },
	{ "eta_s", T_NUMNULL, true }, { "accepting_load", T_BOOL, true },
	{ "zone_alarm", T_BOOL, true }, { "engine_state", T_STATE, false },
	{ "capacity", T_OBJ, false }, { "migrate_uri", T_STR, false },
	{ NULL, 0, 0 } };
static const struct field f_capacity[] = { { "spare_vms", T_INT, false },
	{ "spare_mem_mb", T_INT, false }, { NULL, 0, 0 } };
static const struct field f_status[] = { HDR, { "tier", T_INT, true },
	{ "status", T_STR, true }, { "reason", T_STR, true },
	{ "version", T_STR, true }, { NULL, 0, 0 } };
static const struct field f_peer[] = { HDR, { "tier", T_INT, true },
	{ "inlet_c", T_NUM, true }, { "slope_c_per_min", T_NUM, true },
	{ "state", T_STATE, true }, { NULL, 0, 0 } };
static const struct field f_override[] = { HDR, { "overrides", T_ARR, true },
	{ NULL, 0, 0 } };
static const struct field f_ovitem[] = { { "key", T_STR, true },
	{ "value", T_NUM, true }, { "expires_in_s", T_NUM, true },
	{ "expires", T_INT, true }, { "reason", T_STR, true },
	{ "author", T_STR, true }, { NULL, 0, 0 } };

/* Events: the header, "type", and per type its documented members. */
static const struct field f_ev_state[] = { HDR, { "type", T_STR, true },
	{ "from", T_STATE, true }, { "to", T_STATE, true },
	{ "reason", T_STR, true }, { NULL, 0, 0 } };
static const struct field f_ev_decision[] = { HDR, { "type", T_STR, true },
	{ "action", T_STR, true }, { "state", T_STATE, true },
	{ "code", T_STR, true }, { "reason", T_STR, true },
	{ "sensor", T_STR, false }, { "value_c", T_NUM, false },
	{ "trip_c", T_NUM, false }, { "eta_s", T_NUM, false }, { NULL, 0, 0 } };
static const struct field f_ev_dropped[] = { HDR, { "type", T_STR, true },
	{ "first_seq", T_INT, true }, { "last_seq", T_INT, true },
	{ "count", T_INT, true }, { "queue_max", T_INT, true },
	{ "reason", T_STR, true }, { "noise", T_INT, false },
	{ "connected", T_BOOL, false }, { NULL, 0, 0 } };
static const struct field f_ev_rejections[] = { HDR, { "type", T_STR, true },
	{ "via", T_STR, true }, { "author", T_STR, true },
	{ "count", T_INT, true }, { "coalesced", T_INT, true },
	{ "window_s", T_NUM, true }, { "since", T_INT, true },
	{ "last_message", T_STR, true }, { "message", T_STR, true },
	{ NULL, 0, 0 } };
static const struct field f_ev_override[] = { HDR, { "type", T_STR, true },
	{ "action", T_STR, true }, { "key", T_STR, true },
	{ "value", T_NUM, false }, { "ttl_s", T_NUM, false },
	{ "reason", T_STR, false }, { "author", T_STR, false },
	{ "via", T_STR, true }, { "message", T_STR, false },
	{ "id", T_STR, false }, { NULL, 0, 0 } };
static const struct field f_ev_rejected[] = { HDR, { "type", T_STR, true },
	{ "action", T_STR, true }, { "key", T_STR, true },
	{ "value", T_NUM, false }, { "ttl_s", T_NUM, false },
	{ "reason", T_STR, false }, { "author", T_STR, false },
	{ "via", T_STR, true }, { "message", T_STR, true },
	{ "topic", T_STR, false }, { "bytes", T_INT, false },
	{ "id", T_STR, false }, { NULL, 0, 0 } };
static const struct field f_ev_other[] = { HDR, { "type", T_STR, true },
	{ NULL, 0, 0 } };

static void
check_event(const cJSON *o)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");
	const char *type = cJSON_IsString(t) ? t->valuestring : "";

	if (strcmp(type, "state") == 0)
		check_fields(o, f_ev_state, true, "event state");
	else if (strcmp(type, "decision") == 0)
		check_fields(o, f_ev_decision, true, "event decision");
	else if (strcmp(type, "dropped") == 0)
		check_fields(o, f_ev_dropped, true, "event dropped");
	else if (strcmp(type, "override") == 0)
		check_fields(o, f_ev_override, true, "event override");
	else if (strcmp(type, "override_rejected") == 0)
		check_fields(o, f_ev_rejected, true, "event override_rejected");
	else if (strcmp(type, "rejections") == 0)
		check_fields(o, f_ev_rejections, true, "event rejections");
	else
		check_fields(o, f_ev_other, false, "event");
}

/* topic = <prefix>/<site>/<zone>/<host>/<leaf...>: the identity matches. */
static void
check_identity(const cJSON *o, char **lv, int n)
{
	static const char *const keys[] = { "site", "zone", "host" };
	const cJSON *it;
	int i;

	for (i = 0; i < 3; i++) {
		it = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
		if (cJSON_IsString(it) && n >= 6 &&
		    strcmp(it->valuestring, lv[2 + i]) != 0)
			err("\"%s\" does not match the topic (%s)", keys[i],
			    lv[2 + i]);
	}
	it = cJSON_GetObjectItemCaseSensitive(o, "v");
	if (!cJSON_IsNumber(it) || it->valuedouble != 1)
		err("%s%s", "\"v\" is not 1", "");
	it = cJSON_GetObjectItemCaseSensitive(o, "ts");
	if (cJSON_IsNumber(it) && it->valuedouble < 1e12)
		err("%s%s", "\"ts\" is not in ms since the epoch", "");
}

static void
check_array(
    const cJSON *o, const char *key, const struct field *f, const char *what)
{
	const cJSON *it, *a = cJSON_GetObjectItemCaseSensitive(o, key);

	cJSON_ArrayForEach(it, a)
	{
		if (!cJSON_IsObject(it))
			err("%s: %s", what, "not an object");
		else
			check_fields(it, f, true, what);
	}
}

int
main(int argc, char **argv)
{
	char *line = NULL, *lv[16], *tcopy, *sp, *payload;
	size_t sz = 0;
	ssize_t len;
	int n, msgs = 0;
	bool quiet = argc > 1 && strcmp(argv[1], "-q") == 0;
	cJSON *o;

	while ((len = getline(&line, &sz, stdin)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = '\0';
		payload = sp + 1;
		cur_topic = line;
		tcopy = strdup(line);
		n = 0;
		for (char *s = strtok(tcopy, "/"); s != NULL && n < 16;
		     s = strtok(NULL, "/"))
			lv[n++] = s;
		/* skip what operators publish and the bridges' "1"/"0" */
		if (n < 6 || strcmp(lv[n - 1], "set") == 0 ||
		    strcmp(lv[n - 1], "bridge") == 0 ||
		    strcmp(lv[n - 1], "uplink") == 0) {
			free(tcopy);
			continue;
		}
		msgs++;
		o = cJSON_Parse(payload);
		if (!cJSON_IsObject(o)) {
			err("%s%s", "payload is not a JSON object", "");
		} else {
			const char *leaf = lv[n - 1];

			check_identity(o, lv, n);
			if (strcmp(leaf, "telemetry") == 0) {
				check_fields(o, f_telemetry, true, leaf);
				check_array(o, "sensors", f_sensor, "sensor");
			} else if (strcmp(leaf, "state") == 0) {
				check_fields(o, f_state, true, leaf);
				if (cJSON_IsObject(
					cJSON_GetObjectItem(o, "capacity")))
					check_fields(
					    cJSON_GetObjectItem(o, "capacity"),
					    f_capacity, true, "capacity");
			} else if (strcmp(leaf, "status") == 0) {
				check_fields(o, f_status, true, leaf);
			} else if (strcmp(leaf, "peer") == 0) {
				check_fields(o, f_peer, true, leaf);
			} else if (strcmp(leaf, "override") == 0) {
				check_fields(o, f_override, true, leaf);
				check_array(
				    o, "overrides", f_ovitem, "override");
			} else if (strcmp(leaf, "event") == 0) {
				check_event(o);
			} else {
				err("unknown topic leaf \"%s\"%s", leaf, "");
			}
			if (!quiet)
				printf("checked %s\n", line);
		}
		cJSON_Delete(o);
		free(tcopy);
	}
	free(line);
	printf("%d messages, %d errors\n", msgs, errors);
	return errors == 0 && msgs > 0 ? 0 : 1;
}
