/*
 * test_priv_proto.c - the protocol between thermwatchd and its privileged
 * part: every request and reply survives encode and parse, and everything
 * outside the fixed set is refused, with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "priv_proto.h"

static int
parse(const char *msg, struct prv_request *r, char *why, size_t len)
{
	char req[16];

	return prv_request_parse(
	    msg, strlen(msg), r, req, sizeof(req), why, len);
}

/* The request is refused and why names the problem. */
static void
refused(const char *msg, const char *because)
{
	struct prv_request r;
	char why[256];

	if (parse(msg, &r, why, sizeof(why)) == 0)
		fail_msg("accepted: %s", msg);
	if (strstr(why, because) == NULL)
		fail_msg("%s: refused because \"%s\", expected \"%s\"", msg,
		    why, because);
}

static void
test_run_round_trip(void **state)
{
	struct prv_request r, back;
	char buf[PRV_MSG_MAX + 1], req[16], why[256];
	int n;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.type = PRV_REQ_RUN;
	snprintf(r.id, sizeof(r.id), "hv01-1700000000-3");
	r.kind = ACT_SHUTDOWN;
	r.attempt = 2;
	r.dry_run = true;
	r.n_env = 2;
	snprintf(r.env[0].name, sizeof(r.env[0].name), "THERMWATCH_STATE");
	snprintf(r.env[0].value, sizeof(r.env[0].value), "critical");
	snprintf(r.env[1].name, sizeof(r.env[1].name), "THERMWATCH_REASON");
	snprintf(r.env[1].value, sizeof(r.env[1].value),
	    "cpu 97.0 C, trip 100.0 C, \"eta\" 42 s \\ é");
	n = prv_request_encode(&r, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(prv_request_parse(buf, (size_t)n, &back, req,
			     sizeof(req), why, sizeof(why)),
	    0);
	assert_string_equal(req, "run");
	assert_int_equal(back.type, PRV_REQ_RUN);
	assert_string_equal(back.id, r.id);
	assert_int_equal(back.kind, ACT_SHUTDOWN);
	assert_int_equal(back.attempt, 2);
	assert_true(back.dry_run);
	assert_int_equal(back.n_env, 2);
	assert_string_equal(back.env[1].name, "THERMWATCH_REASON");
	assert_string_equal(back.env[1].value, r.env[1].value);
}

static void
test_other_requests(void **state)
{
	struct prv_request r;
	char why[256];

	(void)state;
	assert_int_equal(
	    parse("{\"req\":\"hello\",\"version\":1}", &r, why, sizeof(why)),
	    0);
	assert_int_equal(r.type, PRV_REQ_HELLO);
	assert_int_equal(
	    parse("{\"req\":\"kill\",\"id\":\"a-1\"}", &r, why, sizeof(why)),
	    0);
	assert_int_equal(r.type, PRV_REQ_KILL);
	assert_int_equal(parse("{\"req\":\"watchdog\",\"countdown_s\":330}", &r,
			     why, sizeof(why)),
	    0);
	assert_int_equal(r.countdown_s, 330);
	assert_int_equal(
	    parse("{\"req\":\"reload\"}", &r, why, sizeof(why)), 0);
	assert_int_equal(r.type, PRV_REQ_RELOAD);
}

/* Anything outside the fixed set of requests and fields. */
static void
test_refused_requests(void **state)
{
	(void)state;
	refused("", "message of 0 bytes");
	refused("not json", "not JSON");
	refused("[1,2]", "not a JSON object");
	refused("{\"req\":\"exec\",\"argv\":[\"/bin/sh\"]}", "no such request");
	refused("{\"req\":\"run_program\"}", "no such request");
	refused("{\"cmd\":\"run\"}", "no such request");
	refused("{\"req\":\"hello\",\"version\":2}", "version 2");
	refused("{\"req\":\"reload\",\"path\":\"/tmp/evil.conf\"}",
	    "unknown field \"path\"");
	refused("{\"req\":\"run\",\"id\":\"a\",\"kind\":\"shutdown\","
		"\"attempt\":1,\"dry_run\":false,\"env\":{},"
		"\"argv\":[\"/bin/sh\",\"-c\",\"reboot\"]}",
	    "unknown field \"argv\"");
	refused("{\"req\":\"run\",\"id\":\"a\",\"kind\":\"shell\","
		"\"attempt\":1,\"dry_run\":false,\"env\":{}}",
	    "no hook kind \"shell\"");
	refused("{\"req\":\"run\",\"id\":\"../../x\",\"kind\":\"notify\","
		"\"attempt\":1,\"dry_run\":false,\"env\":{}}",
	    "bad id");
	refused("{\"req\":\"run\",\"id\":\"a\",\"kind\":\"notify\","
		"\"attempt\":0,\"dry_run\":false,\"env\":{}}",
	    "\"attempt\" must be an integer from 1 to 1000");
	refused("{\"req\":\"run\",\"id\":\"a\",\"kind\":\"notify\","
		"\"attempt\":1.5,\"dry_run\":false,\"env\":{}}",
	    "\"attempt\" must be an integer");
	refused("{\"req\":\"run\",\"id\":\"a\",\"kind\":\"notify\","
		"\"attempt\":1,\"dry_run\":\"no\",\"env\":{}}",
	    "\"dry_run\" must be true or false");
	refused("{\"req\":\"run\",\"id\":\"a\",\"kind\":\"notify\","
		"\"attempt\":1,\"env\":{}}",
	    "\"dry_run\" must be true or false");
	refused("{\"req\":\"watchdog\",\"countdown_s\":0}",
	    "\"countdown_s\" must be an integer from 1 to 6553");
	refused("{\"req\":\"watchdog\",\"countdown_s\":100000}",
	    "\"countdown_s\" must be an integer from 1 to 6553");
	refused("{\"req\":\"kill\",\"id\":7}", "\"id\" must be a string");
}

/* The environment: THERMWATCH_* with printable values, nothing else. */
static void
test_refused_env(void **state)
{
	static const char *const bad[] = { "PATH", "LD_PRELOAD", "BASH_ENV",
		"IFS", "thermwatch_state", "THERMWATCH_", "THERMWATCH_A-B",
		"THERMWATCH_STATE " };
	char msg[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(msg, sizeof(msg),
		    "{\"req\":\"run\",\"id\":\"a\",\"kind\":\"notify\","
		    "\"attempt\":1,\"dry_run\":false,\"env\":{\"%s\":\"x\"}}",
		    bad[i]);
		refused(msg, "refused");
	}
	refused("{\"req\":\"run\",\"id\":\"a\",\"kind\":\"notify\","
		"\"attempt\":1,\"dry_run\":false,"
		"\"env\":{\"THERMWATCH_REASON\":\"a\\nb\"}}",
	    "variable \"THERMWATCH_REASON\" refused");
	refused("{\"req\":\"run\",\"id\":\"a\",\"kind\":\"notify\","
		"\"attempt\":1,\"dry_run\":false,"
		"\"env\":{\"THERMWATCH_TIER\":2}}",
	    "variable \"THERMWATCH_TIER\" refused");
	assert_true(prv_env_ok("THERMWATCH_ETA_S", "42"));
	assert_true(prv_env_ok("THERMWATCH_VALUE_C", ""));
	assert_false(prv_env_ok("THERMWATCH_X", "a\tb"));
}

/* The limits: too many variables, a value too long, a message too long. */
static void
test_limits(void **state)
{
	static char msg[PRV_MSG_MAX * 2];
	struct prv_request r;
	char why[256];
	size_t off;
	int i;

	(void)state;
	off = (size_t)snprintf(msg, sizeof(msg),
	    "{\"req\":\"run\",\"id\":\"a\",\"kind\":\"notify\","
	    "\"attempt\":1,\"dry_run\":false,\"env\":{");
	for (i = 0; i <= PRV_ENV_MAX; i++)
		off += (size_t)snprintf(msg + off, sizeof(msg) - off,
		    "%s\"THERMWATCH_V%d\":\"x\"", i > 0 ? "," : "", i);
	snprintf(msg + off, sizeof(msg) - off, "}}");
	refused(msg, "more than 32 variables");

	off = (size_t)snprintf(msg, sizeof(msg),
	    "{\"req\":\"run\",\"id\":\"a\",\"kind\":\"notify\","
	    "\"attempt\":1,\"dry_run\":false,\"env\":{\"THERMWATCH_X\":\"");
	memset(msg + off, 'a', PRV_ENV_VALUE_MAX + 1);
	snprintf(msg + off + PRV_ENV_VALUE_MAX + 1,
	    sizeof(msg) - off - PRV_ENV_VALUE_MAX - 1, "\"}}");
	refused(msg, "variable \"THERMWATCH_X\" refused");

	memset(msg, ' ', PRV_MSG_MAX + 1);
	memcpy(msg, "{\"req\":\"reload\"}", 16);
	assert_int_equal(prv_request_parse(msg, PRV_MSG_MAX + 1, &r, why,
			     sizeof(why), why, sizeof(why)),
	    -1);
	/* the same message within the limit is fine */
	assert_int_equal(prv_request_parse(msg, PRV_MSG_MAX, &r, why,
			     sizeof(why), why, sizeof(why)),
	    0);
}

/* The agent never sends what privd would refuse. */
static void
test_encode_refuses_bad(void **state)
{
	struct prv_request r;
	char buf[PRV_MSG_MAX + 1];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.type = PRV_REQ_RUN;
	snprintf(r.id, sizeof(r.id), "a b");
	r.kind = ACT_NOTIFY;
	r.attempt = 1;
	assert_int_equal(prv_request_encode(&r, buf, sizeof(buf)), -1);
	snprintf(r.id, sizeof(r.id), "ok-1");
	r.n_env = 1;
	snprintf(r.env[0].name, sizeof(r.env[0].name), "LD_PRELOAD");
	assert_int_equal(prv_request_encode(&r, buf, sizeof(buf)), -1);
	snprintf(r.env[0].name, sizeof(r.env[0].name), "THERMWATCH_OK");
	assert_true(prv_request_encode(&r, buf, sizeof(buf)) > 0);
	r.type = PRV_REQ_WATCHDOG;
	r.countdown_s = PRV_COUNTDOWN_MAX + 1;
	assert_int_equal(prv_request_encode(&r, buf, sizeof(buf)), -1);
}

static void
test_replies(void **state)
{
	struct prv_reply r, back;
	char buf[PRV_MSG_MAX + 1], why[256];
	int n;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.type = PRV_REP_DONE;
	snprintf(r.id, sizeof(r.id), "hv01-1-1");
	r.status = PRV_DRY_RUN;
	r.exit_code = -1;
	r.duration_s = 0.25;
	snprintf(r.program, sizeof(r.program), "systemctl");
	snprintf(r.text, sizeof(r.text), "systemctl poweroff");
	n = prv_reply_encode(&r, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(
	    prv_reply_parse(buf, (size_t)n, &back, why, sizeof(why)), 0);
	assert_int_equal(back.type, PRV_REP_DONE);
	assert_int_equal(back.status, PRV_DRY_RUN);
	assert_int_equal(back.exit_code, -1);
	assert_string_equal(back.program, "systemctl");
	assert_string_equal(back.text, "systemctl poweroff");

	memset(&r, 0, sizeof(r));
	r.type = PRV_REP_LINE;
	snprintf(r.id, sizeof(r.id), "x");
	r.stream = 2;
	snprintf(r.text, sizeof(r.text), "tab\there");
	n = prv_reply_encode(&r, buf, sizeof(buf));
	assert_int_equal(
	    prv_reply_parse(buf, (size_t)n, &back, why, sizeof(why)), 0);
	assert_string_equal(back.text, "tab\there");
	assert_int_equal(back.stream, 2);

	assert_int_equal(prv_reply_parse("{\"rep\":\"done\",\"id\":\"x\"}", 24,
			     &back, why, sizeof(why)),
	    -1);
	assert_int_equal(
	    prv_reply_parse("{\"rep\":\"sudo\"}", 14, &back, why, sizeof(why)),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_round_trip),
		cmocka_unit_test(test_other_requests),
		cmocka_unit_test(test_refused_requests),
		cmocka_unit_test(test_refused_env),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_encode_refuses_bad),
		cmocka_unit_test(test_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
