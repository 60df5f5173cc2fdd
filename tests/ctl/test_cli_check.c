/*
 * test_cli_check.c - thermwatchctl status --check without a daemon: the
 * exit code of every state, the plugin line and its perfdata, a text that
 * must not break the line format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_check.h"

static void
test_codes(void **state)
{
	(void)state;
	assert_int_equal(check_state_code("ok", NULL), CHECK_OK);
	assert_int_equal(check_state_code("warn", NULL), CHECK_WARNING);
	assert_int_equal(check_state_code("degraded", NULL), CHECK_WARNING);
	assert_int_equal(check_state_code("hot", NULL), CHECK_CRITICAL);
	assert_int_equal(check_state_code("critical", NULL), CHECK_CRITICAL);
	assert_int_equal(check_state_code("hold", "ok"), CHECK_WARNING);
	assert_int_equal(check_state_code("hold", "warn"), CHECK_WARNING);
	/* a hold never hides what the engine sees underneath */
	assert_int_equal(check_state_code("hold", "hot"), CHECK_CRITICAL);
	assert_int_equal(check_state_code("bogus", NULL), CHECK_UNKNOWN);
	assert_int_equal(check_state_code(NULL, NULL), CHECK_UNKNOWN);
	assert_int_equal(check_state_code("hold", "bogus"), CHECK_WARNING);
	assert_string_equal(check_code_name(CHECK_CRITICAL), "CRITICAL");
	assert_string_equal(check_code_name((enum check_code)7), "UNKNOWN");
}

/* Run check_report on JSON texts; the printed line in a static buffer. */
static const char *
report(const char *status, const char *sensors, enum check_code *code)
{
	static char buf[2048];
	cJSON *st = cJSON_Parse(status), *se = NULL;
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(st);
	assert_non_null(f);
	if (sensors != NULL)
		assert_non_null(se = cJSON_Parse(sensors));
	*code = check_report(f, st, se);
	fclose(f);
	cJSON_Delete(st);
	cJSON_Delete(se);
	return buf;
}

static void
test_line(void **state)
{
	enum check_code code;
	const char *line;

	(void)state;
	line = report("{\"state\":\"hot\",\"reason\":\"cpu | at 80\\nC\","
		      "\"eta_s\":412.4,\"accepting_load\":false,"
		      "\"zone_alarm\":true,\"zone_signals\":3,"
		      "\"zone_members\":4}",
	    "[{\"class\":\"cpu\",\"status\":\"valid\",\"used_c\":80,"
	    "\"trip_c\":100,\"assumed\":false},"
	    "{\"class\":\"cpu\",\"status\":\"stale\",\"used_c\":84.25,"
	    "\"trip_c\":98,\"assumed\":true},"
	    "{\"class\":\"inlet\",\"status\":\"stale\",\"used_c\":null,"
	    "\"trip_c\":45,\"assumed\":false},"
	    "{\"class\":\"other\",\"status\":\"ignored\",\"value_c\":30}]",
	    &code);
	assert_int_equal(code, CHECK_CRITICAL);
	assert_string_equal(line,
	    "THERMWATCH CRITICAL - state hot, zone cooling alarm, not "
	    "accepting load: cpu / at 80 C | eta_s=412s;;;0 "
	    "zone_signals=3;;;0;4 cpu_c=84.2;;;;98.0 sensors=3;;;0 "
	    "missing=1;;;0 assumed=1;;;0\n");

	/* not rising, no sensors view, a hold */
	line = report("{\"state\":\"hold\",\"engine_state\":\"ok\","
		      "\"reason\":\"last shutdown was thermal\","
		      "\"eta_s\":null,\"accepting_load\":false}",
	    NULL, &code);
	assert_int_equal(code, CHECK_WARNING);
	assert_string_equal(line,
	    "THERMWATCH WARNING - state hold (engine ok), not accepting "
	    "load: last shutdown was thermal | eta_s=U\n");

	line = report("{\"reason\":\"?\"}", NULL, &code);
	assert_int_equal(code, CHECK_UNKNOWN);
	assert_string_equal(
	    line, "THERMWATCH UNKNOWN - the daemon's status has no state\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
