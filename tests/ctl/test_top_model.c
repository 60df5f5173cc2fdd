/*
 * test_top_model.c - thermwatchctl top without a terminal: MQTT messages
 * into rows (what counts, what is ignored; telemetry of schema 2 through
 * the sensors message), the order of every sort key, the zones in an
 * alarm.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "top_draw.h"
#include "top_model.h"

#define NOW 1764000000000LL
#define PFX "thermwatch/v1"

static int
msg(struct top_model *m, const char *topic, const char *json)
{
	return top_model_message(m, PFX, topic, json, (int)strlen(json), NOW);
}

static void
state(struct top_model *m, const char *zone, const char *host, const char *st,
    const char *eta, bool alarm)
{
	char topic[256], json[512];

	snprintf(topic, sizeof(topic), PFX "/dc1/%s/%s/state", zone, host);
	snprintf(json, sizeof(json),
	    "{\"v\":1,\"ts\":%lld,\"tier\":2,\"state\":\"%s\",\"reason\":"
	    "\"r\",\"eta_s\":%s,\"accepting_load\":%s,\"zone_alarm\":%s}",
	    NOW - 5000, st, eta, strcmp(st, "ok") == 0 ? "true" : "false",
	    alarm ? "true" : "false");
	assert_int_equal(msg(m, topic, json), 1);
}

static void
order(struct top_model *m, enum top_sort s, const char *want)
{
	char got[256] = "";
	int i;

	m->sort = s;
	top_model_sort(m);
	for (i = 0; i < m->n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
		    i > 0 ? " " : "", m->h[i].host);
	assert_string_equal(got, want);
}

static void
test_messages(void **st)
{
	struct top_model m;
	struct top_host *h;

	(void)st;
	top_model_init(&m);
	/* not for the model */
	assert_int_equal(msg(&m, "other/v1/dc1/r1/h1/state", "{}"), 0);
	assert_int_equal(msg(&m, PFX "/dc1/r1/h1/event", "{}"), 0);
	assert_int_equal(msg(&m, PFX "/dc1/r1/state", "{}"), 0);
	assert_int_equal(msg(&m, PFX "/dc1/r1/h1/override/set", "{}"), 0);
	assert_int_equal(msg(&m, PFX "/dc1/r1/h1/state", "not json"), 0);
	assert_int_equal(msg(&m, PFX "/dc1/r1/h1/state", "[1]"), 0);
	assert_int_equal(m.n, 0);

	state(&m, "r1", "h1", "hold", "null", false);
	h = &m.h[0];
	assert_string_equal(h->state, "hold");
	assert_true(isinf(h->eta_s));
	assert_int_equal(h->tier, 2);
	assert_true(h->seen_ms == NOW - 5000);
	assert_int_equal(msg(&m, PFX "/dc1/r1/h1/telemetry",
			     "{\"ts\":1764000001000,\"sensors\":["
			     "{\"class\":\"inlet\",\"status\":\"valid\","
			     "\"used_c\":24.5},"
			     "{\"class\":\"cpu\",\"status\":\"stale\","
			     "\"used_c\":91,\"assumed\":true},"
			     "{\"class\":\"cpu\",\"status\":\"valid\","
			     "\"used_c\":70},"
			     "{\"class\":\"inlet\",\"status\":\"stale\","
			     "\"used_c\":null}]}"),
	    1);
	assert_true(h->inlet_c == 24.5);
	assert_true(h->cpu_c == 91);
	assert_true(h->assumed);
	/* a clock ahead of ours counts as now */
	assert_true(h->seen_ms == NOW);
	assert_int_equal(msg(&m, PFX "/dc1/r1/h1/status",
			     "{\"status\":\"offline\",\"reason\":\"connection "
			     "lost\"}"),
	    1);
	assert_true(h->offline);
	assert_string_equal(top_state_word(h), "offline");
	assert_int_equal(top_severity(h), 5);
	assert_string_equal(h->offline_why, "connection lost");
	assert_int_equal(msg(&m, PFX "/dc1/r1/h1/status",
			     "{\"status\":\"online\",\"reason\":\"started\"}"),
	    1);
	assert_false(h->offline);
	assert_string_equal(top_state_word(h), "hold");
	assert_int_equal(m.n, 1);
	top_model_done(&m);
}

/* Telemetry of schema 2, read through the host's sensors message: the
 * same row as the schema 1 message above says; a telemetry that comes
 * first waits for it; another layout's is not misread. */
static void
test_telemetry2(void **st)
{
	static const char sensors[] =
	    "{\"v\":2,\"ts\":1764000000000,\"tier\":1,\"layout\":"
	    "\"0000abcd\",\"max_sensors\":1024,\"refused\":0,\"sensors\":["
	    "{\"id\":\"a/in\",\"class\":\"inlet\",\"trip_c\":45,"
	    "\"trip_src\":\"hardware\"},"
	    "{\"id\":\"b/c0\",\"class\":\"cpu\",\"trip_c\":100,"
	    "\"trip_src\":\"hardware\"},"
	    "{\"id\":\"b/c1\",\"class\":\"cpu\",\"trip_c\":100,"
	    "\"trip_src\":\"hardware\"},"
	    "{\"id\":\"c/in\",\"class\":\"inlet\",\"trip_c\":45,"
	    "\"trip_src\":\"hardware\"}]}";
	static const char tele[] =
	    "{\"v\":2,\"ts\":1764000001000,\"seq\":5,\"layout\":"
	    "\"0000abcd\",\"state\":\"hold\",\"zone_alarm\":false,"
	    "\"value_c\":[24.5,80,70,30],\"filtered_c\":[24.5,80,70,30],"
	    "\"status\":{\"1\":\"stale\",\"3\":\"stale\"},"
	    "\"used_c\":{\"1\":91,\"3\":null},\"assumed\":{\"1\":true}}";
	struct top_model m;
	struct top_host *h;

	(void)st;
	top_model_init(&m);
	state(&m, "r1", "h1", "hold", "null", false);
	h = &m.h[0];
	assert_int_equal(msg(&m, PFX "/dc1/r1/h1/telemetry", tele), 1);
	assert_true(isnan(h->inlet_c)); /* waits for the layout */
	assert_int_equal(msg(&m, PFX "/dc1/r1/h1/sensors", sensors), 1);
	assert_true(h->inlet_c == 24.5);
	assert_true(h->cpu_c == 91);
	assert_true(h->assumed);
	assert_int_equal(h->tier, 1);
	/* a telemetry of another layout leaves the figures alone */
	assert_int_equal(msg(&m, PFX "/dc1/r1/h1/telemetry",
			     "{\"v\":2,\"layout\":\"ffff0000\",\"value_c\":"
			     "[1],\"filtered_c\":[1]}"),
	    1);
	assert_true(h->inlet_c == 24.5);
	top_model_done(&m);
}

static void
test_sort(void **st)
{
	struct top_model m;

	(void)st;
	top_model_init(&m);
	state(&m, "r1", "a", "ok", "null", false);
	state(&m, "r1", "b", "critical", "null", true);
	state(&m, "r2", "c", "hot", "300", true);
	state(&m, "r2", "d", "warn", "60", true);
	state(&m, "r1", "e", "degraded", "null", false);
	m.h[0].inlet_c = 30;
	m.h[2].inlet_c = 35;
	m.h[3].tier = 0;
	/* a finite eta first, soonest first; the rest by state */
	order(&m, TOP_SORT_ETA, "d c b e a");
	order(&m, TOP_SORT_STATE, "b c d e a");
	order(&m, TOP_SORT_HOST, "a b e c d");
	order(&m, TOP_SORT_ZONE, "b e a c d");
	order(&m, TOP_SORT_TIER, "d b c e a");
	/* unknown values last in either direction */
	order(&m, TOP_SORT_INLET, "c a b e d");
	m.reverse = true;
	order(&m, TOP_SORT_ETA, "a e b c d");
	assert_string_equal(top_sort_name(TOP_SORT_CPU), "cpu");
	top_model_done(&m);
}

static void
test_zones(void **st)
{
	struct top_model m;
	struct top_zone z[4];

	(void)st;
	top_model_init(&m);
	state(&m, "r1", "a", "ok", "null", false);
	state(&m, "r2", "b", "warn", "600", true);
	state(&m, "r2", "c", "hot", "120", true);
	state(&m, "r2", "d", "critical", "30", true);
	/* an offline host no longer reports the alarm */
	assert_int_equal(msg(&m, PFX "/dc1/r2/d/status",
			     "{\"status\":\"offline\",\"reason\":\"x\"}"),
	    1);
	assert_int_equal(top_model_zones(&m, z, 4), 2);
	assert_string_equal(z[0].zone, "r2");
	assert_int_equal(z[0].hosts, 3);
	assert_int_equal(z[0].alarm, 2);
	assert_true(z[0].worst_eta_s == 120);
	assert_int_equal(z[0].by_state[5], 1);
	assert_string_equal(z[1].zone, "r1");
	assert_int_equal(z[1].alarm, 0);
	assert_int_equal(top_model_zones(&m, z, 1), 2);
	top_model_done(&m);
}

static void
test_eta_format(void **st)
{
	char b[16];

	(void)st;
	top_fmt_eta(42.4, b, sizeof(b));
	assert_string_equal(b, "42s");
	top_fmt_eta(725, b, sizeof(b));
	assert_string_equal(b, "12m05s");
	top_fmt_eta(3 * 3600 + 7 * 60 + 30, b, sizeof(b));
	assert_string_equal(b, "3h07m");
	top_fmt_eta(2 * 86400 + 4 * 3600, b, sizeof(b));
	assert_string_equal(b, "2d04h");
	top_fmt_eta(INFINITY, b, sizeof(b));
	assert_string_equal(b, "-");
	top_fmt_eta(NAN, b, sizeof(b));
	assert_string_equal(b, "?");
	/* the longest that fits, and a finite one too large for lround()
	 * (a peer's payload is any double) */
	top_fmt_eta(99 * 86400 + 23 * 3600, b, sizeof(b));
	assert_string_equal(b, "99d23h");
	top_fmt_eta(100 * 86400, b, sizeof(b));
	assert_string_equal(b, ">99d");
	top_fmt_eta(1e300, b, sizeof(b));
	assert_string_equal(b, ">99d");
}

/* thermwatchctl's durations (status, sensors): the same bounds */
static void
test_duration_format(void **st)
{
	char b[32];

	(void)st;
	cli_fmt_duration(2.5, b, sizeof(b));
	assert_string_equal(b, "2.5s");
	cli_fmt_duration(3725, b, sizeof(b));
	assert_string_equal(b, "1h2m5s");
	cli_fmt_duration(2 * 86400 + 3 * 3600 + 60, b, sizeof(b));
	assert_string_equal(b, "2d3h1m");
	cli_fmt_duration(-1, b, sizeof(b));
	assert_string_equal(b, "-");
	cli_fmt_duration(INFINITY, b, sizeof(b));
	assert_string_equal(b, "-");
	cli_fmt_duration(999999999, b, sizeof(b));
	assert_string_equal(b, "11574d1h46m");
	/* too large for lround(), or for any duration here */
	cli_fmt_duration(1e9, b, sizeof(b));
	assert_string_equal(b, ">31y");
	cli_fmt_duration(1e300, b, sizeof(b));
	assert_string_equal(b, ">31y");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_telemetry2),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_eta_format),
		cmocka_unit_test(test_duration_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
