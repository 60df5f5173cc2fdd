/*
 * test_actions.c - the actions module on its own (act_create with a
 * struct act_env: a real loop, engine and hooks, stand-ins for the BMC
 * watchdog and the broker): notify, the migrate retries, the shutdown
 * sequence waiting for the broker's ack and the watchdog, the dry run,
 * the boot guard, and the zone alarm under the engine's quiet rule. The
 * hook is tests/e2e/hooks/record.sh.
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
#include <unistd.h>

#include "action.h"
#include "conf.h"
#include "conf_load.h"
#include "log.h"

#define HOOK TW_SRC_DIR "/tests/e2e/hooks/record.sh"

struct fx {
	char dir[64];
	char rec[128];
	struct loop *l;
	struct agent_conf conf;
	struct eng *eng;
	struct eng_output out;
	struct act *act;
	/* what the stand-ins saw and say */
	char events[32][32];
	cJSON *fields[32];
	int n_events;
	bool wd_ready;
	int wd_countdown; /* armed with, 0 = never */
	act_wd_done_cb wd_done;
	void *wd_arg;
	bool broker;
	uint64_t acked;
	int queued;
};

static void
on_event(void *arg, const char *type, cJSON *fields)
{
	struct fx *f = arg;

	if (f->n_events < 32) {
		snprintf(
		    f->events[f->n_events], sizeof(f->events[0]), "%s", type);
		f->fields[f->n_events++] = fields;
	} else {
		cJSON_Delete(fields);
	}
}

static bool
wd_ready(void *arg)
{
	return ((struct fx *)arg)->wd_ready;
}

static int
wd_arm(void *arg, int countdown_s, act_wd_done_cb done, void *done_arg)
{
	struct fx *f = arg;

	f->wd_countdown = countdown_s;
	f->wd_done = done;
	f->wd_arg = done_arg;
	return 0;
}

static bool
event_acks(void *arg, uint64_t *acked, int *queued)
{
	struct fx *f = arg;

	*acked = f->acked;
	*queued = f->queued;
	return f->broker;
}

/* Load the config with the recording hook in MODE for every action;
 * backoff_s: the first migrate retry; ack_s: event_ack_wait_s. */
static void
fx_conf(struct fx *f, const char *mode, double backoff_s, double ack_s)
{
	char text[2048], *msgs = NULL;

	snprintf(text, sizeof(text),
	    "agent = { host = \"a1\"; state_dir = \"%s\"; };\n"
	    "actions = { notify = [ \"%s\", \"%s\", \"%s\" ];\n"
	    " migrate = [ \"%s\", \"%s\", \"%s\" ];\n"
	    " shutdown = [ \"%s\", \"%s\", \"%s\" ];\n"
	    " on_boot_hold = [ \"%s\", \"%s\" ];\n"
	    " migrate_retries = 2; migrate_backoff_s = %g;\n"
	    " migrate_backoff_max_s = 1.0; event_ack_wait_s = %g;\n"
	    " watchdog_wait_s = 2.0; resume_hold_s = 0.2; };\n"
	    "ipmi = { enabled = true; driver = \"lan\"; host = \"h\";\n"
	    " watchdog = { enabled = true; }; };\n",
	    f->dir, HOOK, f->rec, mode, HOOK, f->rec, mode, HOOK, f->rec, mode,
	    HOOK, f->rec, backoff_s, ack_s);
	if (load(text, &f->conf, &msgs) != 0)
		fail_msg("config: %s", msgs);
	free(msgs);
}

static void
fx_start(struct fx *f, bool dry_run)
{
	struct act_env env = {
		.loop = f->l,
		.conf = &f->conf,
		.eng = f->eng,
		.out = &f->out,
		.dry_run = dry_run,
		.event = on_event,
		.watchdog_ready = wd_ready,
		.watchdog_arm = wd_arm,
		.event_acks = event_acks,
		.arg = f,
	};

	f->eng = eng_create(&f->conf.engine);
	assert_non_null(f->eng);
	env.eng = f->eng;
	memset(&f->out, 0, sizeof(f->out));
	f->out.state = ENG_STATE_OK;
	f->out.worst_sensor = -1;
	f->out.eta_s = INFINITY;
	f->act = act_create(&env);
	assert_non_null(f->act);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/tw-actunit.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->rec, sizeof(f->rec), "%s/rec", f->dir);
	f->l = loop_create();
	assert_non_null(f->l);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	int i;

	act_free(f->act);
	eng_free(f->eng);
	cnf_free(&f->conf);
	loop_free(f->l);
	for (i = 0; i < f->n_events; i++)
		cJSON_Delete(f->fields[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Run the loop until pred holds, at most ms. */
static bool
run_until(struct fx *f, bool (*pred)(struct fx *), int ms)
{
	int64_t end = loop_clock_ms() + ms;

	while (!pred(f) && loop_clock_ms() < end)
		assert_int_equal(loop_run_once(f->l, 20), 0);
	return pred(f);
}

static void
run_for(struct fx *f, int ms)
{
	int64_t end = loop_clock_ms() + ms;

	while (loop_clock_ms() < end)
		assert_int_equal(loop_run_once(f->l, 20), 0);
}

/* How many hook runs of action (the recording file's lines). */
static int
runs(const struct fx *f, const char *action)
{
	char line[1024], want[64];
	FILE *fp = fopen(f->rec, "r");
	int n = 0;

	if (fp == NULL)
		return 0;
	snprintf(want, sizeof(want), " action=%s ", action);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, want) != NULL)
			n++;
	fclose(fp);
	return n;
}

/* The index of the nth event of type (from 0), or -1. */
static int
event_at(const struct fx *f, const char *type, int nth)
{
	int i;

	for (i = 0; i < f->n_events; i++)
		if (strcmp(f->events[i], type) == 0 && nth-- == 0)
			return i;
	return -1;
}

static const char *
field_str(const struct fx *f, int i, const char *key)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(f->fields[i], key);

	return cJSON_IsString(m) ? m->valuestring : "";
}

static bool
idle(struct fx *f)
{
	struct act_stats st;

	act_get_stats(f->act, &st);
	return st.hooks_running == 0 && !st.migrate_retry_pending;
}

static void
decide(struct fx *f, enum eng_action a, const char *code)
{
	struct eng_decision d;

	memset(&d, 0, sizeof(d));
	d.action = a;
	d.code = code;
	d.sensor = -1;
	d.value_c = d.trip_c = NAN;
	d.eta_s = INFINITY;
	snprintf(d.reason, sizeof(d.reason), "test %s", code);
	act_decision(f->act, &d, loop_now_ms(f->l));
}

static void
test_notify(void **state)
{
	struct fx *f = *state;
	int i;

	fx_conf(f, "ok", 0.1, 2.0);
	fx_start(f, false);
	f->out.state = ENG_STATE_WARN;
	f->out.prev_state = ENG_STATE_OK;
	decide(f, ENG_ACT_NOTIFY, "warn.level");
	decide(f, ENG_ACT_NOTIFY, "warn.again"); /* waits for the first */
	assert_true(run_until(f, idle, 5000));
	assert_int_equal(runs(f, "notify"), 2);
	i = event_at(f, "action", 0);
	assert_true(i >= 0);
	assert_string_equal(field_str(f, i, "action"), "notify");
	assert_string_equal(field_str(f, i, "result"), "ok");
	assert_string_equal(field_str(f, i, "state"), "warn");
	assert_true(event_at(f, "action", 1) > i);
}

static void
test_migrate_retries(void **state)
{
	struct fx *f = *state;
	int i;

	fx_conf(f, "fail", 0.1, 2.0);
	fx_start(f, false);
	f->out.state = ENG_STATE_HOT;
	decide(f, ENG_ACT_MIGRATE, "migrate.level");
	decide(f, ENG_ACT_MIGRATE, "migrate.again"); /* not a second one */
	assert_true(run_until(f, idle, 10000));
	/* the first attempt and migrate_retries = 2 more, then it gives up */
	assert_int_equal(runs(f, "migrate"), 3);
	i = event_at(f, "action", 0);
	assert_string_equal(field_str(f, i, "result"), "failed");
	assert_non_null(
	    cJSON_GetObjectItemCaseSensitive(f->fields[i], "retry_in_s"));
	i = event_at(f, "action", 2);
	assert_null(
	    cJSON_GetObjectItemCaseSensitive(f->fields[i], "retry_in_s"));
}

static bool
retry_pending(struct fx *f)
{
	struct act_stats st;

	act_get_stats(f->act, &st);
	return st.migrate_retry_pending;
}

static void
test_migrate_stops_when_cool(void **state)
{
	struct fx *f = *state;
	struct act_stats st;

	fx_conf(f, "fail", 0.5, 2.0);
	fx_start(f, false);
	f->out.state = ENG_STATE_HOT;
	decide(f, ENG_ACT_MIGRATE, "migrate.level");
	/* the failed run ends (a loaded machine may take a while to run
	 * the hook), then its retry waits */
	assert_true(run_until(f, retry_pending, 5000));
	f->out.state = ENG_STATE_WARN;
	act_tick(f->act, &f->out, loop_now_ms(f->l));
	act_get_stats(f->act, &st);
	assert_false(st.migrate_retry_pending);
	run_for(f, 800);
	assert_int_equal(runs(f, "migrate"), 1);
}

static bool
shutdown_ran(struct fx *f)
{
	return runs(f, "shutdown") > 0 && idle(f);
}

static void
test_shutdown_waits_for_ack_and_watchdog(void **state)
{
	struct fx *f = *state;
	char path[128];
	struct stat st;
	int sd, wd, ac;

	fx_conf(f, "ok", 0.1, 2.0);
	f->wd_ready = true;
	f->broker = true;
	f->acked = 10;
	f->queued = 2;
	fx_start(f, false);
	f->out.state = ENG_STATE_CRITICAL;
	decide(f, ENG_ACT_SHUTDOWN, "shutdown.level");
	/* recorded at once, before anything can power the host off */
	snprintf(path, sizeof(path), "%s/thermal-shutdown", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(f->wd_countdown > 0);
	run_for(f, 300);
	assert_int_equal(runs(f, "shutdown"), 0); /* neither is there yet */
	f->wd_done(f->wd_arg, 1, "armed");
	run_for(f, 100);
	assert_int_equal(runs(f, "shutdown"), 0); /* the ack is missing */
	f->acked = 13; /* 10 + the 2 queued + the shutdown event */
	assert_true(run_until(f, shutdown_ran, 5000));
	sd = event_at(f, "shutdown", 0);
	wd = event_at(f, "watchdog", 0);
	ac = event_at(f, "action", 0);
	assert_true(sd >= 0 && wd > sd && ac > wd);
	assert_string_equal(field_str(f, wd, "result"), "armed");
	assert_string_equal(field_str(f, ac, "action"), "shutdown");
	/* once per boot */
	decide(f, ENG_ACT_SHUTDOWN, "shutdown.again");
	run_for(f, 200);
	assert_int_equal(runs(f, "shutdown"), 1);
}

static void
test_shutdown_without_ack(void **state)
{
	struct fx *f = *state;
	int64_t t0;

	fx_conf(f, "ok", 0.1, 0.3);
	f->broker = true; /* a broker that never acks */
	fx_start(f, false);
	f->out.state = ENG_STATE_CRITICAL;
	t0 = loop_clock_ms();
	decide(f, ENG_ACT_SHUTDOWN, "shutdown.level");
	assert_int_equal(f->wd_countdown, 0); /* no BMC: not armed */
	assert_true(run_until(f, shutdown_ran, 5000));
	assert_true(loop_clock_ms() - t0 >= 300);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
	    f->fields[event_at(f, "shutdown", 0)], "watchdog_s")));
}

static void
test_dry_run(void **state)
{
	struct fx *f = *state;
	char path[128];
	struct stat st;
	int i;

	fx_conf(f, "ok", 0.1, 2.0);
	f->wd_ready = true;
	fx_start(f, true);
	f->out.state = ENG_STATE_CRITICAL;
	decide(f, ENG_ACT_NOTIFY, "critical.level");
	decide(f, ENG_ACT_SHUTDOWN, "shutdown.level");
	run_for(f, 300);
	assert_int_equal(runs(f, "notify") + runs(f, "shutdown"), 0);
	assert_int_equal(f->wd_countdown, 0);
	snprintf(path, sizeof(path), "%s/thermal-shutdown", f->dir);
	assert_int_not_equal(stat(path, &st), 0);
	i = event_at(f, "action", 0);
	assert_string_equal(field_str(f, i, "result"), "dry_run");
	i = event_at(f, "watchdog", 0);
	assert_string_equal(field_str(f, i, "result"), "dry_run");
}

static bool
hold_ran(struct fx *f)
{
	return runs(f, "on_boot_hold") > 0 && idle(f);
}

static void
test_boot_guard(void **state)
{
	struct fx *f = *state;
	char path[128], err[128];
	struct stat st;
	FILE *fp;
	int i;

	fx_conf(f, "ok", 0.1, 2.0);
	snprintf(path, sizeof(path), "%s/thermal-shutdown", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\"v\":1,\"time_utc\":\"2026-01-01T00:00:00Z\","
	      "\"reason\":\"inlet hot\"}\n",
	    fp);
	fclose(fp);
	fx_start(f, false);
	assert_non_null(act_hold_reason(f->act));
	assert_non_null(strstr(act_hold_reason(f->act), "inlet hot"));
	assert_true(event_at(f, "hold", 0) >= 0);
	assert_true(run_until(f, hold_ran, 5000));
	assert_int_equal(runs(f, "notify"), 1);
	assert_int_equal(
	    act_hold_clear(f->act, "alice", "fixed", err, sizeof(err)), 0);
	assert_null(act_hold_reason(f->act));
	i = event_at(f, "hold_cleared", 0);
	assert_string_equal(field_str(f, i, "who"), "alice");
	assert_int_not_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/thermal-shutdown.cleared", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(
	    act_hold_clear(f->act, "alice", "again", err, sizeof(err)), -1);
	assert_string_equal(err, "not in hold");
}

static void
test_zone_alarm_and_quiet(void **state)
{
	struct fx *f = *state;
	char msg[128];

	fx_conf(f, "ok", 0.1, 2.0);
	fx_start(f, false);
	assert_int_equal(eng_override_set(f->eng, "quiet", 1, 60, "r", "a",
			     loop_now_ms(f->l), msg, sizeof(msg)),
	    0);
	f->out.state = ENG_STATE_WARN;
	f->out.zone_alarm = true;
	act_tick(f->act, &f->out, loop_now_ms(f->l));
	run_for(f, 300);
	assert_int_equal(runs(f, "migrate"), 0); /* quiet: the engine says */
	/* the alarm ends and starts again, no longer quiet */
	assert_int_equal(eng_override_clear(f->eng, "quiet"), 0);
	f->out.zone_alarm = false;
	act_tick(f->act, &f->out, loop_now_ms(f->l));
	f->out.zone_alarm = true;
	act_tick(f->act, &f->out, loop_now_ms(f->l));
	assert_true(run_until(f, idle, 5000));
	assert_int_equal(runs(f, "migrate"), 1);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_notify),
		T(test_migrate_retries),
		T(test_migrate_stops_when_cool),
		T(test_shutdown_waits_for_ack_and_watchdog),
		T(test_shutdown_without_ack),
		T(test_dry_run),
		T(test_boot_guard),
		T(test_zone_alarm_and_quiet),
	};
#undef T

	log_init("test_actions", true, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
