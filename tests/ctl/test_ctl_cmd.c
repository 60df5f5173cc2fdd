/*
 * test_ctl_cmd.c - control commands and persisted overrides without a
 * socket: ctl_handle() on a struct agent with a real engine and loop, and
 * ovr_create() reading back what ovr_apply() wrote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "ctl_cmd.h"
#include "log.h"
#include "override.h"

struct fx {
	char dir[64];
	struct loop *l;
	struct agent a;
};

static void
agent_up(struct fx *f)
{
	memset(&f->a, 0, sizeof(f->a));
	cnf_defaults(&f->a.conf);
	snprintf(f->a.conf.agent.host, sizeof(f->a.conf.agent.host), "t1");
	snprintf(f->a.conf.agent.state_dir, sizeof(f->a.conf.agent.state_dir),
	    "%s", f->dir);
	f->a.loop = f->l;
	f->a.started_ms = loop_now_ms(f->l);
	f->a.eng = eng_create(&f->a.conf.engine);
	assert_non_null(f->a.eng);
	f->a.ovr = ovr_create(&f->a);
	assert_non_null(f->a.ovr);
}

static void
agent_down(struct fx *f)
{
	ovr_free(f->a.ovr);
	eng_free(f->a.eng);
	cnf_free(&f->a.conf);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/tw-ctlunit.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->l = loop_create();
	assert_non_null(f->l);
	agent_up(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	agent_down(f);
	loop_free(f->l);
	snprintf(cmd, sizeof(cmd), "%s/%s", f->dir, OVR_FILE);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/%s.corrupt", f->dir, OVR_FILE);
	unlink(cmd);
	rmdir(f->dir);
	free(f);
	return 0;
}

static const struct ctl_peer peer = { 0, 1, "root" };

/* Run one request; returns the response (caller frees). */
static cJSON *
req(struct fx *f, const char *line)
{
	cJSON *r = ctl_handle(
	    agent_ctl_ops(), &f->a, &peer, line, strlen(line));

	assert_non_null(r);
	return r;
}

static bool
ok(const cJSON *r)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"));
}

static const char *
error_of(const cJSON *r)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");

	return cJSON_IsString(e) ? e->valuestring : "";
}

static void
test_status(void **state)
{
	struct fx *f = *state;
	const cJSON *res;
	cJSON *r;

	eng_evaluate(f->a.eng, loop_now_ms(f->l), &f->a.out);
	r = req(f, "{\"v\":1,\"cmd\":\"status\"}");
	res = cJSON_GetObjectItemCaseSensitive(r, "result");
	assert_true(ok(r));
	assert_string_equal(
	    cJSON_GetObjectItemCaseSensitive(res, "host")->valuestring, "t1");
	assert_true(
	    cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(res, "eta_s")));
	cJSON_Delete(r);
}

static void
test_bad_requests(void **state)
{
	static const char *const bad[][2] = {
		{ "",
		    "malformed request: not valid JSON (one JSON object per "
		    "line)" },
		{ "{\"v\":1,\"cmd\":7}", "missing \"cmd\" (a string)" },
		{ "{\"v\":\"1\",\"cmd\":\"status\"}",
		    "unsupported protocol "
		    "version (this daemon speaks 1)" },
		{ "{\"v\":1,\"cmd\":\"override-set\",\"key\":\"quiet\","
		  "\"value\":1,\"ttl_s\":60,\"reason\":\"r\",\"by\":"
		  "\"abcdefghijklmnopqrstuvwxyz\"}",
		    "\"by\" is too long (max 24 bytes)" },
		{ "{\"v\":1,\"cmd\":\"override-set\",\"key\":\"cpu.nope\","
		  "\"value\":1,\"ttl_s\":60,\"reason\":\"r\"}",
		    NULL },
	};
	struct fx *f = *state;
	size_t i;
	cJSON *r;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = req(f, bad[i][0]);
		assert_false(ok(r));
		if (bad[i][1] != NULL)
			assert_string_equal(error_of(r), bad[i][1]);
		else
			assert_non_null(strstr(
			    error_of(r), "unknown override key \"cpu.nope\""));
		cJSON_Delete(r);
	}
	assert_int_equal(eng_override_count(f->a.eng), 0);
}

static void
test_set_clamp_clear(void **state)
{
	struct fx *f = *state;
	const cJSON *res;
	int64_t expires;
	cJSON *r;

	/* out of bounds: refused unless clamping is asked for */
	r = req(f,
	    "{\"v\":1,\"cmd\":\"override-set\",\"key\":"
	    "\"cpu.shutdown.margin_c\",\"value\":0.5,\"ttl_s\":600,"
	    "\"reason\":\"test\",\"by\":\"alice\"}");
	assert_false(ok(r));
	assert_string_equal(error_of(r),
	    "cpu.shutdown.margin_c: 0.5 clamped "
	    "to 2 (allowed 2..100); not applied (--clamp applies the clamped "
	    "value)");
	cJSON_Delete(r);
	assert_int_equal(eng_override_count(f->a.eng), 0);
	r = req(f,
	    "{\"v\":1,\"cmd\":\"override-set\",\"key\":"
	    "\"cpu.shutdown.margin_c\",\"value\":0.5,\"ttl_s\":600,"
	    "\"reason\":\"test\",\"by\":\"alice\",\"clamp\":true}");
	assert_true(ok(r));
	res = cJSON_GetObjectItemCaseSensitive(r, "result");
	assert_true(
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "clamped")));
	assert_float_equal(
	    cJSON_GetObjectItemCaseSensitive(res, "value")->valuedouble, 2.0,
	    1e-9);
	assert_string_equal(
	    cJSON_GetObjectItemCaseSensitive(res, "author")->valuestring,
	    "alice (root)");
	cJSON_Delete(r);
	assert_int_equal(eng_override_count(f->a.eng), 1);

	/* a refused replacement leaves the override in force untouched */
	expires = eng_override_get(f->a.eng, 0)->expires_ms;
	r = req(f,
	    "{\"v\":1,\"cmd\":\"override-set\",\"key\":"
	    "\"cpu.shutdown.margin_c\",\"value\":500,\"ttl_s\":60,"
	    "\"reason\":\"typo\"}");
	assert_false(ok(r));
	cJSON_Delete(r);
	assert_int_equal(eng_override_count(f->a.eng), 1);
	assert_float_equal(eng_override_get(f->a.eng, 0)->value, 2.0, 1e-9);
	assert_string_equal(eng_override_get(f->a.eng, 0)->reason, "test");
	assert_true(eng_override_get(f->a.eng, 0)->expires_ms == expires);

	r = req(f,
	    "{\"v\":1,\"cmd\":\"override-clear\",\"key\":"
	    "\"cpu.shutdown.margin_c\"}");
	assert_true(ok(r));
	cJSON_Delete(r);
	r = req(f,
	    "{\"v\":1,\"cmd\":\"override-clear\",\"key\":"
	    "\"cpu.shutdown.margin_c\"}");
	assert_false(ok(r));
	assert_string_equal(
	    error_of(r), "no override \"cpu.shutdown.margin_c\" in force");
	cJSON_Delete(r);
	assert_int_equal(eng_override_count(f->a.eng), 0);
}

static void
test_persist_restore(void **state)
{
	struct fx *f = *state;
	const struct eng_override *o;
	char msg[256];
	int64_t left;

	assert_int_equal(ovr_apply(&f->a, "quiet", 1, 3600, "maintenance",
			     "bob", "test", msg, sizeof(msg)),
	    0);
	assert_int_equal(ovr_apply(&f->a, "inlet.trip_c", 1000, 600, "x", "bob",
			     "test", msg, sizeof(msg)),
	    1);
	assert_int_equal(ovr_apply(&f->a, "quiet", 1, 1e9, "too long", "bob",
			     "test", msg, sizeof(msg)),
	    -1);
	assert_non_null(strstr(msg, "exceeds the maximum"));
	/* a restart: a new agent on the same state dir */
	agent_down(f);
	agent_up(f);
	assert_int_equal(eng_override_count(f->a.eng), 2);
	o = eng_override_get(f->a.eng, 0);
	assert_string_equal(o->key, "quiet");
	assert_string_equal(o->author, "bob");
	assert_string_equal(o->reason, "maintenance");
	left = o->expires_ms - loop_now_ms(f->l);
	assert_true(left > 3590 * 1000 && left <= 3600 * 1000);
}

static void
write_file(const struct fx *f, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, OVR_FILE);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_expired_and_corrupt(void **state)
{
	struct fx *f = *state;
	char text[512], path[128];
	struct stat st;

	agent_down(f);
	snprintf(text, sizeof(text),
	    "{\"v\":1,\"overrides\":["
	    "{\"key\":\"quiet\",\"value\":1,\"expires_unix\":%ld,"
	    "\"reason\":\"old\",\"author\":\"a\"},"
	    "{\"key\":\"cpu.warn.lead_s\",\"value\":100,\"expires_unix\":%ld,"
	    "\"reason\":\"new\",\"author\":\"a\"},"
	    "{\"key\":7}]}",
	    (long)time(NULL) - 10, (long)time(NULL) + 100);
	write_file(f, text);
	agent_up(f);
	assert_int_equal(eng_override_count(f->a.eng), 1);
	assert_string_equal(
	    eng_override_get(f->a.eng, 0)->key, "cpu.warn.lead_s");

	agent_down(f);
	write_file(f, "{\"v\":1,\"overrides\":[");
	agent_up(f);
	assert_int_equal(eng_override_count(f->a.eng), 0);
	snprintf(path, sizeof(path), "%s/%s.corrupt", f->dir, OVR_FILE);
	assert_int_equal(stat(path, &st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_set_clamp_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_persist_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_expired_and_corrupt, setup, teardown),
	};

	log_init("test_ctl_cmd", true, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
