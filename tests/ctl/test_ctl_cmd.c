/*
 * test_ctl_cmd.c - control commands and persisted overrides without a
 * socket and without an agent: ctl_handle() on a real engine and a real
 * override store (ovs_create() reading back what ovs_apply() wrote), the
 * rest of the daemon stood in for by struct ctl_ops; and the daemon's own
 * ctl_ops on an agent made by agent_create().
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
#include "override_store.h"

struct fx {
	char dir[64];
	struct loop *l;
	struct agent_conf conf;
	struct eng *eng;
	struct ovs *ovs;
	int events; /* override events seen */
	char last_event[32];
	int rescans;
	bool hold; /* the stand-in boot guard */
};

static void
on_event(void *arg, const char *type, cJSON *fields)
{
	struct fx *f = arg;

	f->events++;
	snprintf(f->last_event, sizeof(f->last_event), "%s", type);
	cJSON_Delete(fields);
}

static void
store_up(struct fx *f)
{
	struct ovs_env env = { f->l, f->eng, &f->conf, on_event, f };

	f->ovs = ovs_create(&env);
	assert_non_null(f->ovs);
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
	cnf_defaults(&f->conf);
	snprintf(f->conf.agent.host, sizeof(f->conf.agent.host), "t1");
	f->conf.agent.state_dir = f->dir; /* not the conf's: not freed */
	f->eng = eng_create(&f->conf.engine);
	assert_non_null(f->eng);
	store_up(f);
	*state = f;
	return 0;
}

static void
rm_in(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	ovs_free(f->ovs);
	eng_free(f->eng);
	cnf_free(&f->conf);
	loop_free(f->l);
	rm_in(f->dir, OVR_FILE);
	rm_in(f->dir, OVR_FILE ".corrupt");
	rmdir(f->dir);
	free(f);
	return 0;
}

/* --- the stand-ins for the rest of the daemon ------------------------- */

static cJSON *
t_status(void *arg)
{
	struct fx *f = arg;
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "host", f->conf.agent.host);
	return r;
}

static cJSON *
t_sensors(void *arg)
{
	(void)arg;
	return cJSON_CreateArray();
}

static cJSON *
t_overrides(void *arg)
{
	struct fx *f = arg;

	return ovs_list_json(f->ovs, loop_now_ms(f->l));
}

static double
t_max_ttl(void *arg)
{
	return ((struct fx *)arg)->conf.engine.policy.max_override_ttl_s;
}

static int
t_check(void *arg, const char *key, double value, double ttl_s, char *msg,
    size_t len)
{
	return eng_override_check(
	    ((struct fx *)arg)->eng, key, value, ttl_s, msg, len);
}

static int
t_set(void *arg, const char *key, double value, double ttl_s,
    const char *reason, const char *author, const char *via, char *msg,
    size_t len)
{
	return ovs_apply(((struct fx *)arg)->ovs, key, value, ttl_s, reason,
	    author, via, msg, len);
}

static int
t_clear(void *arg, const char *key, const char *author, const char *via,
    char *msg, size_t len)
{
	return ovs_clear(((struct fx *)arg)->ovs, key, author, via, msg, len);
}

static int
t_hold_clear(void *arg, const char *who, const char *reason, char *was,
    size_t wlen, char *err, size_t errlen)
{
	struct fx *f = arg;

	(void)reason;
	if (!f->hold) {
		snprintf(err, errlen, "not in hold");
		return -1;
	}
	f->hold = false;
	snprintf(was, wlen, "held for %s", who);
	return 0;
}

static int
t_rescan(void *arg)
{
	return ++((struct fx *)arg)->rescans;
}

static const struct ctl_ops ops = {
	.status = t_status,
	.sensors = t_sensors,
	.overrides = t_overrides,
	.max_ttl_s = t_max_ttl,
	.override_check = t_check,
	.override_set = t_set,
	.override_clear = t_clear,
	.hold_clear = t_hold_clear,
	.rescan = t_rescan,
};

static const struct ctl_peer peer = { 0, 1, "root" };

/* Run one request; returns the response (caller frees). */
static cJSON *
req(struct fx *f, const char *line)
{
	cJSON *r = ctl_handle(&ops, f, &peer, line, strlen(line));

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

static const cJSON *
result_of(const cJSON *r, const char *member)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(r, "result");

	return member == NULL ? res
			      : cJSON_GetObjectItemCaseSensitive(res, member);
}

/* --- the command layer ------------------------------------------------ */

static void
test_views_and_ids(void **state)
{
	struct fx *f = *state;
	cJSON *r;

	r = req(f, "{\"v\":1,\"cmd\":\"status\",\"id\":\"q7\"}");
	assert_true(ok(r));
	assert_string_equal(
	    cJSON_GetObjectItemCaseSensitive(r, "cmd")->valuestring, "status");
	assert_string_equal(
	    cJSON_GetObjectItemCaseSensitive(r, "id")->valuestring, "q7");
	assert_string_equal(result_of(r, "host")->valuestring, "t1");
	cJSON_Delete(r);
	r = req(f, "{\"v\":1,\"cmd\":\"sensors\",\"id\":3}");
	assert_true(ok(r));
	assert_true(cJSON_IsArray(result_of(r, NULL)));
	assert_int_equal(
	    cJSON_GetObjectItemCaseSensitive(r, "id")->valueint, 3);
	cJSON_Delete(r);
	r = req(f, "{\"v\":1,\"cmd\":\"status\",\"verbose\":true}");
	assert_false(ok(r));
	assert_string_equal(
	    error_of(r), "unknown field \"verbose\" for status");
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
		{ "{\"v\":1,\"cmd\":\"override-set\",\"key\":\"quiet\","
		  "\"value\":1,\"ttl_s\":90000,\"reason\":\"r\"}",
		    "quiet: ttl 90000 s is out of range (more than 0, at most "
		    "14400 s = policy.max_override_ttl_s)" },
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
	assert_int_equal(eng_override_count(f->eng), 0);
	assert_int_equal(f->events, 0); /* refused before the store */
}

static void
test_set_clamp_clear(void **state)
{
	struct fx *f = *state;
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
	    "to 2 (allowed 2..8); not applied (--clamp applies the clamped "
	    "value)");
	cJSON_Delete(r);
	assert_int_equal(eng_override_count(f->eng), 0);
	r = req(f,
	    "{\"v\":1,\"cmd\":\"override-set\",\"key\":"
	    "\"cpu.shutdown.margin_c\",\"value\":0.5,\"ttl_s\":600,"
	    "\"reason\":\"test\",\"by\":\"alice\",\"clamp\":true}");
	assert_true(ok(r));
	assert_true(cJSON_IsTrue(result_of(r, "clamped")));
	assert_float_equal(result_of(r, "value")->valuedouble, 2.0, 1e-9);
	assert_string_equal(
	    result_of(r, "author")->valuestring, "alice (root)");
	cJSON_Delete(r);
	assert_int_equal(eng_override_count(f->eng), 1);
	assert_string_equal(f->last_event, "override");

	/* a refused replacement leaves the override in force untouched */
	expires = eng_override_get(f->eng, 0)->expires_ms;
	r = req(f,
	    "{\"v\":1,\"cmd\":\"override-set\",\"key\":"
	    "\"cpu.shutdown.margin_c\",\"value\":500,\"ttl_s\":60,"
	    "\"reason\":\"typo\"}");
	assert_false(ok(r));
	cJSON_Delete(r);
	assert_int_equal(eng_override_count(f->eng), 1);
	assert_float_equal(eng_override_get(f->eng, 0)->value, 2.0, 1e-9);
	assert_string_equal(eng_override_get(f->eng, 0)->reason, "test");
	assert_true(eng_override_get(f->eng, 0)->expires_ms == expires);

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
	assert_int_equal(eng_override_count(f->eng), 0);
}

static void
test_hold_clear_and_rescan(void **state)
{
	struct fx *f = *state;
	cJSON *r;

	r = req(f, "{\"v\":1,\"cmd\":\"hold-clear\"}");
	assert_false(ok(r));
	assert_string_equal(error_of(r), "not in hold");
	cJSON_Delete(r);
	f->hold = true;
	r = req(f, "{\"v\":1,\"cmd\":\"hold-clear\",\"reason\":\"fixed\"}");
	assert_true(ok(r));
	assert_string_equal(result_of(r, "was")->valuestring, "held for root");
	assert_string_equal(result_of(r, "by")->valuestring, "root");
	cJSON_Delete(r);
	r = req(f, "{\"v\":1,\"cmd\":\"rescan\"}");
	assert_true(ok(r));
	assert_int_equal(result_of(r, "sensors")->valueint, 1);
	cJSON_Delete(r);
	assert_int_equal(f->rescans, 1);
}

/* --- the override store ----------------------------------------------- */

static void
test_check_changes_nothing(void **state)
{
	struct fx *f = *state;
	char msg[256];
	int64_t expires;

	assert_int_equal(ovs_apply(f->ovs, "cpu.warn.lead_s", 100, 600, "a",
			     "bob", "test", msg, sizeof(msg)),
	    0);
	expires = eng_override_get(f->eng, 0)->expires_ms;
	assert_int_equal(eng_override_check(f->eng, "cpu.warn.lead_s", 1e9, 60,
			     msg, sizeof(msg)),
	    1);
	assert_non_null(strstr(msg, "clamped"));
	assert_int_equal(
	    eng_override_check(f->eng, "quiet", 1, 1e9, msg, sizeof(msg)), -1);
	assert_int_equal(eng_override_count(f->eng), 1);
	assert_float_equal(eng_override_get(f->eng, 0)->value, 100, 0);
	assert_true(eng_override_get(f->eng, 0)->expires_ms == expires);
	assert_false(eng_quiet(f->eng));
	assert_int_equal(ovs_apply(f->ovs, "quiet", 1, 60, "maintenance", "bob",
			     "test", msg, sizeof(msg)),
	    0);
	assert_true(eng_quiet(f->eng));
}

static void
test_persist_restore(void **state)
{
	struct fx *f = *state;
	const struct eng_override *o;
	char msg[256];
	int64_t left;

	assert_int_equal(ovs_apply(f->ovs, "quiet", 1, 3600, "maintenance",
			     "bob", "test", msg, sizeof(msg)),
	    0);
	assert_int_equal(ovs_apply(f->ovs, "inlet.trip_c", 1000, 600, "x",
			     "bob", "test", msg, sizeof(msg)),
	    1);
	assert_int_equal(ovs_apply(f->ovs, "quiet", 1, 1e9, "too long", "bob",
			     "test", msg, sizeof(msg)),
	    -1);
	assert_non_null(strstr(msg, "exceeds the maximum"));
	assert_string_equal(f->last_event, "override_rejected");
	/* a restart: a new engine and store on the same state dir */
	ovs_free(f->ovs);
	eng_free(f->eng);
	f->eng = eng_create(&f->conf.engine);
	store_up(f);
	assert_int_equal(eng_override_count(f->eng), 2);
	o = eng_override_get(f->eng, 0);
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
restart_store(struct fx *f, const char *file)
{
	ovs_free(f->ovs);
	eng_free(f->eng);
	write_file(f, file);
	f->eng = eng_create(&f->conf.engine);
	store_up(f);
}

static void
test_expired_and_corrupt(void **state)
{
	struct fx *f = *state;
	char text[512], path[128];
	struct stat st;

	snprintf(text, sizeof(text),
	    "{\"v\":1,\"overrides\":["
	    "{\"key\":\"quiet\",\"value\":1,\"expires_unix\":%ld,"
	    "\"reason\":\"old\",\"author\":\"a\"},"
	    "{\"key\":\"cpu.warn.lead_s\",\"value\":100,\"expires_unix\":%ld,"
	    "\"reason\":\"new\",\"author\":\"a\"},"
	    "{\"key\":7}]}",
	    (long)time(NULL) - 10, (long)time(NULL) + 100);
	restart_store(f, text);
	assert_int_equal(eng_override_count(f->eng), 1);
	assert_string_equal(
	    eng_override_get(f->eng, 0)->key, "cpu.warn.lead_s");

	restart_store(f, "{\"v\":1,\"overrides\":[");
	assert_int_equal(eng_override_count(f->eng), 0);
	snprintf(path, sizeof(path), "%s/%s.corrupt", f->dir, OVR_FILE);
	assert_int_equal(stat(path, &st), 0);
}

/* --- the daemon's own operations, on an agent it made ---------------- */

/* requests of the daemon's own operations (strlen: no NUL sent) */
#define STATUS "{\"v\":1,\"cmd\":\"status\"}"
#define HOLD   "{\"v\":1,\"cmd\":\"hold-clear\"}"

/* An agent without sensors (hwmon off), its state and socket in f->dir. */
static void
agent_conf_in(const struct fx *f, struct agent_conf *conf, const char *host)
{
	cnf_defaults(conf);
	snprintf(conf->agent.host, sizeof(conf->agent.host), "%s", host);
	conf->agent.state_dir = f->dir;
	snprintf(conf->control.socket, sizeof(conf->control.socket),
	    "%s/ctl.sock", f->dir);
	conf->hwmon.enabled = false;
}

static void
test_agent_status(void **state)
{
	struct fx *f = *state;
	struct agent_conf conf;
	struct agent *a;
	cJSON *r;

	agent_conf_in(f, &conf, "t2");
	a = agent_create(&conf, f->l, true, NULL);
	assert_non_null(a);
	assert_int_equal(loop_run_once(f->l, 0), 0); /* the first tick */
	r = ctl_handle(agent_ctl_ops(), a, &peer, STATUS, strlen(STATUS));
	assert_true(ok(r));
	assert_string_equal(result_of(r, "host")->valuestring, "t2");
	assert_true(cJSON_IsNull(result_of(r, "eta_s")));
	assert_true(cJSON_IsTrue(result_of(r, "dry_run")));
	assert_true(cJSON_IsNull(result_of(r, "hold")));
	assert_string_equal(result_of(r, "mqtt")->valuestring, "disabled");
	cJSON_Delete(r);
	r = ctl_handle(agent_ctl_ops(), a, &peer, HOLD, strlen(HOLD));
	assert_false(ok(r));
	assert_string_equal(error_of(r), "not in hold");
	cJSON_Delete(r);
	agent_free(a);
}

/* After a thermal shutdown the boot guard holds the host: the control
 * socket says so with the same fields as the MQTT state payload. */
static void
test_agent_status_hold(void **state)
{
	struct fx *f = *state;
	struct agent_conf conf;
	struct agent *a;
	char path[512];
	FILE *rec;
	cJSON *r;

	agent_conf_in(f, &conf, "t3");
	snprintf(path, sizeof(path), "%s/thermal-shutdown", f->dir);
	rec = fopen(path, "w");
	assert_non_null(rec);
	fprintf(rec,
	    "{\"reason\":\"cpu at 97 C\","
	    "\"time_utc\":\"2026-01-01T00:00:00Z\"}\n");
	fclose(rec);
	a = agent_create(&conf, f->l, true, NULL);
	assert_non_null(a);
	assert_int_equal(loop_run_once(f->l, 0), 0);
	r = ctl_handle(agent_ctl_ops(), a, &peer, STATUS, strlen(STATUS));
	assert_true(ok(r));
	assert_string_equal(result_of(r, "state")->valuestring, "hold");
	assert_string_equal(
	    result_of(r, "engine_state")->valuestring, "degraded");
	assert_true(cJSON_IsFalse(result_of(r, "accepting_load")));
	assert_non_null(strstr(
	    result_of(r, "reason")->valuestring, "last shutdown was thermal"));
	assert_string_equal(result_of(r, "reason")->valuestring,
	    result_of(r, "hold")->valuestring);
	cJSON_Delete(r);
	agent_free(a);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_views_and_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_set_clamp_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_hold_clear_and_rescan, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_check_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_persist_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_expired_and_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_agent_status, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_agent_status_hold, setup, teardown),
	};

	log_init("test_ctl_cmd", true, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
