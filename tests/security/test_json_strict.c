/*
 * test_json_strict.c - strict parsing of untrusted JSON: UTF-8, NUL,
 * duplicate members, depth, trailing bytes; and what it lets through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ctl_cmd.h"
#include "json_strict.h"
#include "mqtt_msg.h"

static void
refused(const char *text, size_t len, const char *why)
{
	char err[128] = "";
	cJSON *v = json_parse_strict(text, len, err, sizeof(err));

	if (v != NULL)
		fail_msg("accepted: %.*s", (int)len, text);
	if (strstr(err, why) == NULL)
		fail_msg("%.*s: \"%s\" does not say \"%s\"", (int)len, text,
		    err, why);
}

#define REFUSED(lit, why) refused(lit, sizeof(lit) - 1, why)

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(json_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5",
	    strlen("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5")));
	/* every class of invalid sequence */
	REFUSED("{\"r\":\"\xff\"}", "invalid UTF-8 at byte 6");
	REFUSED("{\"r\":\"\x80\"}", "invalid UTF-8");     /* lone cont. */
	REFUSED("{\"r\":\"\xc0\xaf\"}", "invalid UTF-8"); /* overlong / */
	REFUSED("{\"r\":\"\xe0\x80\xaf\"}", "invalid UTF-8");
	REFUSED("{\"r\":\"\xf0\x80\x80\xaf\"}", "invalid UTF-8");
	REFUSED("{\"r\":\"\xed\xa0\x80\"}", "invalid UTF-8"); /* surrogate */
	REFUSED("{\"r\":\"\xf4\x90\x80\x80\"}", "invalid UTF-8"); /* >10FFFF */
	REFUSED("{\"r\":\"\xc3\"}", "invalid UTF-8"); /* truncated */
	REFUSED("{\"r\":\"ab\xe2\x82\"}", "invalid UTF-8");
	/* in a member name too */
	REFUSED("{\"\xfe\":1}", "invalid UTF-8");
}

static void
test_nul_and_escapes(void **state)
{
	char err[128];
	cJSON *v;

	(void)state;
	REFUSED("{\"r\":\"a\0b\"}", "NUL byte at byte 7");
	REFUSED("{\"r\":\"a\\u0000b\"}", "\\u0000 escape");
	/* a lone surrogate escape: cJSON refuses it */
	REFUSED("{\"r\":\"\\udc00\"}", "not valid JSON");
	REFUSED("{\"r\":\"\\ud800\"}", "not valid JSON");
	/* an escaped backslash before u0000 is text, not an escape */
	v = json_parse_strict("{\"r\":\"\\\\u0000\"}", 15, err, sizeof(err));
	assert_non_null(v);
	assert_string_equal(
	    cJSON_GetObjectItem(v, "r")->valuestring, "\\u0000");
	cJSON_Delete(v);
	/* a valid pair is fine */
	v = json_parse_strict(
	    "{\"r\":\"\\ud83d\\udd25\"}", 20, err, sizeof(err));
	assert_non_null(v);
	assert_string_equal(
	    cJSON_GetObjectItem(v, "r")->valuestring, "\xf0\x9f\x94\xa5");
	cJSON_Delete(v);
}

static void
test_duplicates_and_depth(void **state)
{
	char deep[64];
	int i;

	(void)state;
	REFUSED("{\"key\":\"quiet\",\"value\":1,\"key\":\"cpu.trip_c\"}",
	    "duplicate member \"key\"");
	REFUSED("{\"a\":{\"b\":1,\"b\":2}}", "duplicate member \"b\"");
	REFUSED("[{\"x\":1},{\"y\":1,\"y\":1}]", "duplicate member \"y\"");
	for (i = 0; i < 20; i++)
		deep[i] = '[';
	for (; i < 40; i++)
		deep[i] = ']';
	refused(deep, 40, "nested deeper than 16");
	REFUSED("{\"a\":1} x", "not valid JSON");
	REFUSED("{\"a\":1}{}", "not valid JSON");
	REFUSED("", "not valid JSON");
}

static void
test_accepts(void **state)
{
	static const char ok[] =
	    " {\"a\":[1,{\"a\":2}],\"b\":\"\xc3\xa9\"}\r\n";
	char err[64];
	cJSON *v;

	(void)state;
	/* the same name in different objects is no duplicate */
	v = json_parse_strict(ok, sizeof(ok) - 1, err, sizeof(err));
	assert_non_null(v);
	cJSON_Delete(v);
	/* not NUL-terminated: only len bytes are read */
	v = json_parse_strict("{\"a\":1}garbage", 7, err, sizeof(err));
	assert_non_null(v);
	cJSON_Delete(v);
}

/* The MQTT parsers and the control socket use it: the payloads. */
static void
test_mqtt_requests(void **state)
{
	static const char bad_utf8[] = "{\"v\":1,\"key\":\"quiet\",\"value\":1,"
				       "\"ttl_s\":60,\"reason\":\"\xff\xfe\","
				       "\"author\":\"a\"}";
	static const char dup[] = "{\"v\":1,\"key\":\"quiet\",\"value\":1,"
				  "\"ttl_s\":60,\"reason\":\"r\",\"author\":"
				  "\"a\",\"key\":\"cpu.trip_c\"}";
	static const char peer[] = "{\"v\":1,\"ts\":1,\"host\":\"hv02\","
				   "\"tier\":1,\"inlet_c\":25,\"inlet_c\":"
				   "60,\"slope_c_per_min\":0,\"state\":\"ok\"}";
	struct mqm_override r;
	struct eng_peer p;
	int64_t ts;
	char err[128];

	(void)state;
	assert_int_equal(mqm_override_parse(bad_utf8, sizeof(bad_utf8) - 1, &r,
			     err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "invalid UTF-8"));
	assert_int_equal(
	    mqm_override_parse(dup, sizeof(dup) - 1, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "duplicate member \"key\"");
	assert_int_equal(mqm_peer_parse(peer, sizeof(peer) - 1, "hv02", &p, &ts,
			     err, sizeof(err)),
	    -1);
	assert_string_equal(err, "duplicate member \"inlet_c\"");
}

/* The control socket's requests go through it too (no command runs). */
static void
test_ctl_requests(void **state)
{
	static const char bad_utf8[] =
	    "{\"v\":1,\"cmd\":\"override-set\","
	    "\"key\":\"quiet\",\"value\":1,\"ttl_s\":"
	    "60,\"reason\":\"\xc0\xaf\"}";
	static const char dup[] = "{\"v\":1,\"cmd\":\"status\",\"cmd\":"
				  "\"rescan\"}";
	static const struct ctl_peer peer = { 1000, 1, "u" };
	static const struct ctl_ops none;
	const cJSON *e;
	cJSON *r;

	(void)state;
	r = ctl_handle(&none, NULL, &peer, bad_utf8, sizeof(bad_utf8) - 1);
	e = cJSON_GetObjectItem(r, "error");
	assert_non_null(strstr(e->valuestring, "invalid UTF-8 at byte"));
	cJSON_Delete(r);
	r = ctl_handle(&none, NULL, &peer, dup, sizeof(dup) - 1);
	e = cJSON_GetObjectItem(r, "error");
	assert_non_null(strstr(e->valuestring, "duplicate member \"cmd\""));
	cJSON_Delete(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_nul_and_escapes),
		cmocka_unit_test(test_duplicates_and_depth),
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_mqtt_requests),
		cmocka_unit_test(test_ctl_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
