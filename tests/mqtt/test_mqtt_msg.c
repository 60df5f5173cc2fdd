/*
 * test_mqtt_msg.c - payload building and the parsers for what comes in
 * from the network (override requests, peer summaries).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_msg.h"

static const struct mqm_id id = { "dc1", "r101", "hv01", 3 };

static int
ovr(const char *json, struct mqm_override *r, char *err, size_t len)
{
	return mqm_override_parse(json, strlen(json), r, err, len);
}

static void
test_override_valid(void **state)
{
	struct mqm_override r;
	char err[256];

	(void)state;
	assert_int_equal(ovr("{\"v\":1,\"key\":\"cpu.shutdown.margin_c\","
			     "\"value\":4.5,\"ttl_s\":600,\"reason\":\"bench\","
			     "\"author\":\"alice\",\"id\":\"r1\"}",
			     &r, err, sizeof(err)),
	    0);
	assert_string_equal(r.key, "cpu.shutdown.margin_c");
	assert_true(r.value == 4.5);
	assert_true(r.ttl_s == 600);
	assert_false(r.clear);
	assert_string_equal(r.author, "alice");
	assert_string_equal(r.id, "r1");
	assert_int_equal(ovr("{\"v\":1,\"key\":\"quiet\",\"clear\":true,"
			     "\"reason\":\"done\",\"author\":\"bob\"}",
			     &r, err, sizeof(err)),
	    0);
	assert_true(r.clear);
	assert_true(isnan(r.value));
}

static void
test_override_invalid(void **state)
{
	static const struct {
		const char *json;
		const char *why;
	} bad[] = {
		{ "", "empty" },
		{ "not json", "not valid JSON" },
		{ "[1,2]", "not a JSON object" },
		{ "{\"key\":\"a\",\"value\":1,\"ttl_s\":1,\"reason\":\"r\","
		  "\"author\":\"a\"}",
		    "\"v\"" },
		{ "{\"v\":2,\"key\":\"a\",\"value\":1,\"ttl_s\":1,"
		  "\"reason\":\"r\",\"author\":\"a\"}",
		    "\"v\"" },
		{ "{\"v\":1,\"key\":\"a\",\"value\":1,\"ttl_s\":1,"
		  "\"reason\":\"r\"}",
		    "\"author\"" },
		{ "{\"v\":1,\"key\":\"a\",\"value\":1,\"ttl_s\":1,"
		  "\"author\":\"a\"}",
		    "\"reason\"" },
		{ "{\"v\":1,\"key\":\"a\",\"value\":\"1\",\"ttl_s\":1,"
		  "\"reason\":\"r\",\"author\":\"a\"}",
		    "\"value\"" },
		{ "{\"v\":1,\"key\":\"a\",\"value\":1,\"ttl_s\":0,"
		  "\"reason\":\"r\",\"author\":\"a\"}",
		    "\"ttl_s\"" },
		{ "{\"v\":1,\"key\":\"a\",\"value\":1,"
		  "\"reason\":\"r\",\"author\":\"a\"}",
		    "\"ttl_s\"" },
		{ "{\"v\":1,\"key\":\"A B\",\"value\":1,\"ttl_s\":5,"
		  "\"reason\":\"r\",\"author\":\"a\"}",
		    "\"key\"" },
		{ "{\"v\":1,\"key\":\"a\",\"value\":1,\"ttl_s\":5,"
		  "\"reason\":\"r\",\"author\":\"a\",\"extra\":1}",
		    "unknown member" },
		{ "{\"v\":1,\"key\":\"a\",\"clear\":true,\"value\":3,"
		  "\"reason\":\"r\",\"author\":\"a\"}",
		    "\"clear\"" },
		{ "{\"v\":1,\"key\":\"a\",\"value\":1,\"ttl_s\":5,"
		  "\"reason\":\"r\",\"author\":\"a\\u0001\"}",
		    "control" },
		{ "{\"v\":1,\"key\":"
		  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaa\",\"value\":1,\"ttl_s\":5,\"reason\":\"r\","
		  "\"author\":\"a\"}",
		    "longer" },
		{ "{\"v\":1,\"key\":\"a\",\"value\":1e300,\"ttl_s\":5,"
		  "\"reason\":\"r\",\"author\":\"a\"}",
		    "out of range" },
	};
	struct mqm_override r;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ovr(bad[i].json, &r, err, sizeof(err)), -1);
		if (strstr(err, bad[i].why) == NULL)
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err,
			    bad[i].why);
	}
	/* a NUL byte inside the payload */
	assert_int_equal(
	    mqm_override_parse("{\"v\":1}\0x", 9, &r, err, sizeof(err)), -1);
}

static void
test_peer_roundtrip(void **state)
{
	struct eng_peer p = { 0 }, q;
	int64_t ts;
	char err[128], *s;

	(void)state;
	p.inlet_c = 27.25;
	p.slope_c_per_s = 0.05;
	p.state = ENG_STATE_WARN;
	s = mqm_peer(&id, 1764000000000, 9, &p);
	assert_non_null(s);
	assert_int_equal(
	    mqm_peer_parse(s, strlen(s), "hv01", &q, &ts, err, sizeof(err)), 0);
	assert_string_equal(q.host, "hv01");
	assert_int_equal(q.tier, 3);
	assert_true(fabs(q.inlet_c - 27.25) < 1e-9);
	assert_true(fabs(q.slope_c_per_s - 0.05) < 1e-6);
	assert_int_equal(q.state, ENG_STATE_WARN);
	assert_true(ts == 1764000000000);
	/* another host's topic: refused */
	assert_int_equal(
	    mqm_peer_parse(s, strlen(s), "hv02", &q, &ts, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "hv02"));
	free(s);
	s = "{\"v\":1,\"ts\":1,\"host\":\"hv02\",\"tier\":1,\"inlet_c\":999,"
	    "\"slope_c_per_min\":0,\"state\":\"ok\"}";
	assert_int_equal(
	    mqm_peer_parse(s, strlen(s), "hv02", &q, &ts, err, sizeof(err)),
	    -1);
	s = "{\"v\":1,\"ts\":1,\"host\":\"hv02\",\"tier\":1,\"inlet_c\":20,"
	    "\"slope_c_per_min\":0,\"state\":\"melting\"}";
	assert_int_equal(
	    mqm_peer_parse(s, strlen(s), "hv02", &q, &ts, err, sizeof(err)),
	    -1);
}

static void
test_event_header_wins(void **state)
{
	cJSON *f = cJSON_CreateObject(), *o;
	char *s;

	(void)state;
	cJSON_AddStringToObject(f, "host", "evil");
	cJSON_AddNumberToObject(f, "seq", 999);
	cJSON_AddStringToObject(f, "reason", "because");
	s = mqm_event(&id, 1764000000123, 7, "state", f);
	o = cJSON_Parse(s);
	assert_non_null(o);
	assert_string_equal(
	    cJSON_GetObjectItem(o, "host")->valuestring, "hv01");
	assert_int_equal(cJSON_GetObjectItem(o, "seq")->valueint, 7);
	assert_int_equal(cJSON_GetObjectItem(o, "v")->valueint, 1);
	assert_string_equal(
	    cJSON_GetObjectItem(o, "type")->valuestring, "state");
	assert_string_equal(
	    cJSON_GetObjectItem(o, "reason")->valuestring, "because");
	assert_true(
	    cJSON_GetObjectItem(o, "ts")->valuedouble == 1764000000123.0);
	cJSON_Delete(o);
	free(s);
}

static void
test_state_payload(void **state)
{
	struct eng_output out = { 0 };
	cJSON *o;
	char *s;

	(void)state;
	out.state = ENG_STATE_HOT;
	out.prev_state = ENG_STATE_WARN;
	snprintf(out.reason, sizeof(out.reason), "inlet eta 300 s");
	out.since_ms = 5000;
	out.eta_s = INFINITY;
	out.accepting_load = false;
	out.zone_alarm = true;
	s = mqm_state(&id, 1764000010000, 2, &out, 8000);
	o = cJSON_Parse(s);
	assert_string_equal(
	    cJSON_GetObjectItem(o, "state")->valuestring, "hot");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "eta_s")));
	assert_true(
	    cJSON_GetObjectItem(o, "since")->valuedouble == 1764000007000.0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "zone_alarm")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "accepting_load")));
	cJSON_Delete(o);
	free(s);
}

static void
test_state_hold(void **state)
{
	struct eng_output out = { 0 };
	cJSON *o;
	char *s;

	(void)state;
	out.state = ENG_STATE_OK;
	out.prev_state = ENG_STATE_OK;
	snprintf(out.reason, sizeof(out.reason), "ok: 2 sensors");
	out.eta_s = INFINITY;
	out.accepting_load = true;
	s = mqm_state_hold(&id, 1764000010000, 3, &out, 8000,
	    "thermal shutdown, not yet cool");
	o = cJSON_Parse(s);
	assert_non_null(o);
	assert_string_equal(
	    cJSON_GetObjectItem(o, "state")->valuestring, "hold");
	assert_string_equal(
	    cJSON_GetObjectItem(o, "engine_state")->valuestring, "ok");
	assert_string_equal(cJSON_GetObjectItem(o, "reason")->valuestring,
	    "thermal shutdown, not yet cool");
	/* a held host never takes load, whatever the engine says */
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "accepting_load")));
	cJSON_Delete(o);
	free(s);
	/* without a hold there is no engine_state */
	s = mqm_state_hold(&id, 1764000010000, 4, &out, 8000, NULL);
	o = cJSON_Parse(s);
	assert_string_equal(cJSON_GetObjectItem(o, "state")->valuestring, "ok");
	assert_null(cJSON_GetObjectItem(o, "engine_state"));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "accepting_load")));
	cJSON_Delete(o);
	free(s);
}

static double
member(const cJSON *o, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(m) ? m->valuedouble : NAN;
}

/* used_c: what the engine decides on; assumed when it extrapolates a
 * stale sensor, missing (null) when it does not. */
static void
test_sensor_fields(void **state)
{
	struct eng_sensor_view v = { 0 };
	cJSON *o;

	(void)state;
	v.id = "coretemp/Package id 0";
	v.cls = ENG_CLASS_CPU;
	v.trip_c = 100;
	v.status = ENG_SENSOR_VALID;
	v.value_c = 81.5;
	v.filtered_c = 81;
	v.value_used_c = 81;
	v.slope_c_per_s = 0.01;
	v.eta_s = 1900;
	v.headroom_c = 19;
	v.level = 2;
	o = cJSON_CreateObject();
	mqm_sensor_fields(o, &v);
	assert_true(member(o, "used_c") == 81);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "assumed")));
	assert_true(member(o, "level") == 2);
	assert_true(member(o, "slope_c_per_min") == 0.6);
	assert_string_equal(
	    cJSON_GetObjectItem(o, "status")->valuestring, "valid");
	cJSON_Delete(o);

	/* stale while hot: the engine assumes it kept rising */
	v.status = ENG_SENSOR_STALE;
	v.extrapolated = true;
	v.value_used_c = 90.25;
	v.headroom_c = 9.75;
	v.level = 3;
	o = cJSON_CreateObject();
	mqm_sensor_fields(o, &v);
	assert_true(member(o, "value_c") == 81.5);
	assert_true(member(o, "used_c") == 90.25);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "assumed")));
	assert_string_equal(
	    cJSON_GetObjectItem(o, "status")->valuestring, "stale");
	cJSON_Delete(o);

	/* stale and not extrapolated: missing, no value is used */
	v.extrapolated = false;
	v.level = 0;
	o = cJSON_CreateObject();
	mqm_sensor_fields(o, &v);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "used_c")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(o, "assumed")));
	cJSON_Delete(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_override_valid),
		cmocka_unit_test(test_override_invalid),
		cmocka_unit_test(test_peer_roundtrip),
		cmocka_unit_test(test_event_header_wins),
		cmocka_unit_test(test_state_payload),
		cmocka_unit_test(test_state_hold),
		cmocka_unit_test(test_sensor_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
