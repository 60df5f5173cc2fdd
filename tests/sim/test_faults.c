/*
 * test_faults.c - each fault and event kind of the simulator shown on a
 * small room (simtest.h): what the engine is fed, what the agent does.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "simtest.h"

static struct sim_scenario scn;

static void
view(const struct sim_host *h, int s, struct eng_sensor_view *v)
{
	assert_non_null(h->eng);
	eng_sensor_view(h->eng, h->sens[s].eng_idx, v);
}

/* A frozen sensor repeats its last value while the truth moves on; the
 * other hosts' sensors follow the truth; after the window it follows
 * the truth again. */
static void
test_frozen(void **state)
{
	struct sim_run r;
	struct eng_sensor_view v;
	double at_freeze;

	(void)state;
	assert_int_equal(st_setup(&r, &scn, "",
			     "{ at = 600; kind = \"inlet\"; delta_c = 10.0; "
			     "ramp_s = 1200.0; },"
			     "{ at = 599; kind = \"sensor\"; hosts = \"h01\"; "
			     "sensor = \"inlet\"; fault = \"frozen\"; "
			     "duration = \"30m\"; }",
			     ENG_POLICY_NONE, 1),
	    0);
	run_until(&r, ST_S(598));
	at_freeze = r.host[0].t_inlet;
	run_until(&r, ST_S(1800));
	view(&r.host[0], SIM_S_INLET, &v);
	assert_true(fabs(v.value_c - at_freeze) < 1e-9);
	assert_true(r.host[0].t_inlet > at_freeze + 8);
	view(&r.host[1], SIM_S_INLET, &v);
	assert_true(fabs(v.value_c - r.host[1].t_inlet) < 0.01);
	run_until(&r, ST_S(2500));
	view(&r.host[0], SIM_S_INLET, &v);
	assert_true(fabs(v.value_c - r.host[0].t_inlet) < 0.01);
	st_done(&r, &scn);
}

/* Events repeat every hour for a day, each moved by up to 5 min from
 * the run's seed and undone after 10 min; count and until end them. */
static void
test_repeat(void **state)
{
	struct sim_run r, q;
	const char *ev = "{ at = 1800; every = \"1h\"; jitter = \"5m\"; "
			 "kind = \"load\"; load = 1.5; duration = \"10m\"; "
			 "note = \"burst\"; },"
			 "{ at = 0; every = \"2h\"; count = 3; "
			 "kind = \"building\"; delta_c = 0.0; "
			 "note = \"three\"; },"
			 "{ at = 0; every = \"6h\"; until = \"+13h\"; "
			 "kind = \"building\"; delta_c = 0.0; "
			 "note = \"until\"; }";
	int i, n = 0, moved = 0, same = 1;
	struct sim_scenario s2;

	(void)state;
	assert_int_equal(st_setup(&r, &scn, "", ev, ENG_POLICY_NONE, 1), 0);
	assert_int_equal(st_setup(&q, &s2, "", ev, ENG_POLICY_NONE, 2), 0);
	run_until(&r, r.end_ms);
	run_until(&q, q.end_ms);
	for (i = 0; i < r.n_log; i++) {
		const struct sim_log *l = &r.log[i];
		double off;

		if (l->kind != SIM_L_EVENT || strcmp(l->text, "burst") != 0)
			continue;
		off = fmod(l->t_ms / 1000.0 - 1800, 3600);
		if (off > 1800)
			off -= 3600;
		assert_true(fabs(off) <= 300);
		moved += fabs(off) > 1;
		n++;
	}
	/* 1800 + k h for k = 0..23 (the last may jitter past the end) */
	assert_true(n >= 23 && n <= 24);
	assert_true(moved > n / 2);
	assert_int_equal(st_count_log(&r, SIM_L_EVENT, "end of: burst"), n);
	assert_int_equal(st_count_log(&r, SIM_L_EVENT, "three"), 3);
	assert_int_equal(st_count_log(&r, SIM_L_EVENT, "until"), 3);
	/* another seed moves them elsewhere */
	for (i = 0; i < r.n_log && i < q.n_log; i++)
		if (r.log[i].t_ms != q.log[i].t_ms)
			same = 0;
	assert_int_equal(same, 0);
	/* the load was 1.5 during each window and 1 after */
	assert_true(fabs(r.host[0].burst - 1) < 1e-12);
	st_done(&r, &scn);
	st_done(&q, &s2);
}

/* No small fixed limit: a month of events, 500 of them, parses and runs
 * in order. */
static void
test_many_events(void **state)
{
	struct sim_run r;
	char *ev = malloc(500 * 64), *p = ev;
	int i;

	(void)state;
	for (i = 0; i < 500; i++)
		p += sprintf(p,
		    "%s{ at = %d; kind = \"building\"; "
		    "delta_c = 0.0; }",
		    i ? "," : "", 86400 - i * 100);
	assert_int_equal(st_setup(&r, &scn, "", ev, ENG_POLICY_NONE, 1), 0);
	assert_int_equal(scn.n_events, 500);
	for (i = 1; i < scn.n_events; i++)
		assert_true(scn.events[i - 1].at_s <= scn.events[i].at_s);
	run_until(&r, r.end_ms);
	assert_int_equal(st_count_log(&r, SIM_L_EVENT, NULL), 500);
	free(ev);
	st_done(&r, &scn);
}

/* A hung BMC delivers no inlet or exhaust sample (the CPU goes on, it is
 * read from hwmon); a slow one delivers one scan every late_s, with the
 * values of the start of the scan. */
static void
test_bmc(void **state)
{
	struct sim_run r;
	struct eng_sensor_view a, b, c, d;

	(void)state;
	assert_int_equal(st_setup(&r, &scn, "",
			     "{ at = 100; kind = \"bmc\"; hosts = \"h01\"; "
			     "duration = 300; },"
			     "{ at = 1000; kind = \"bmc\"; hosts = \"h02\"; "
			     "late_s = 30.0; duration = \"1h\"; },"
			     "{ at = 1000; kind = \"inlet\"; delta_c = 10.0; "
			     "ramp_s = 1000.0; }",
			     ENG_POLICY_NONE, 1),
	    0);
	run_until(&r, ST_S(110));
	view(&r.host[0], SIM_S_INLET, &a);
	view(&r.host[0], SIM_S_CPU, &b);
	run_until(&r, ST_S(390));
	view(&r.host[0], SIM_S_INLET, &c);
	view(&r.host[0], SIM_S_CPU, &d);
	assert_true(c.accepted == a.accepted);
	assert_true(d.accepted >= b.accepted + 270);
	run_until(&r, ST_S(500));
	view(&r.host[0], SIM_S_INLET, &c);
	assert_true(c.accepted >= a.accepted + 90);

	run_until(&r, ST_S(1100));
	view(&r.host[1], SIM_S_INLET, &a);
	run_until(&r, ST_S(1400));
	view(&r.host[1], SIM_S_INLET, &b);
	/* one sample per 30 s scan */
	assert_true(
	    b.accepted - a.accepted >= 9 && b.accepted - a.accepted <= 11);
	/* the inlet rises 0.6 K/min: a 30 s old value is ~0.3 K low */
	assert_true(r.host[1].t_inlet - b.value_c > 0.1);
	assert_true(r.host[1].t_inlet - b.value_c < 1.0);
	st_done(&r, &scn);
}

/* A dead broker: no peer summaries for the window; once they are older
 * than peer_stale_s every host sees only itself; afterwards the zone
 * is whole again. */
static void
test_peers_lost(void **state)
{
	struct sim_run r;

	(void)state;
	assert_int_equal(st_setup(&r, &scn, "",
			     "{ at = 600; kind = \"peers\"; zone = \"A\"; "
			     "duration = \"10m\"; note = \"broker down\"; }",
			     ENG_POLICY_THERMWATCH, 1),
	    0);
	run_until(&r, ST_S(590));
	assert_int_equal(r.host[0].zone_members, 4);
	run_until(&r, ST_S(1190));
	assert_int_equal(r.host[0].zone_members, 1);
	assert_int_equal(r.host[3].zone_members, 1);
	run_until(&r, ST_S(1300));
	assert_int_equal(r.host[0].zone_members, 4);
	st_done(&r, &scn);
}

/* An agent restart frees the engine (state lost) and starts a new one
 * after the down time, with the sensors registered again. */
static void
test_restart(void **state)
{
	struct sim_run r;
	struct eng_sensor_view v;

	(void)state;
	assert_int_equal(st_setup(&r, &scn, "",
			     "{ at = 1000; kind = \"restart\"; "
			     "hosts = \"h0[12]\"; duration = 30; }",
			     ENG_POLICY_THERMWATCH, 1),
	    0);
	run_until(&r, ST_S(999));
	view(&r.host[0], SIM_S_INLET, &v);
	assert_true(v.accepted >= 999);
	run_until(&r, ST_S(1010));
	assert_false(agent_running(&r, &r.host[0]));
	assert_null(r.host[0].eng);
	assert_true(agent_running(&r, &r.host[2]));
	run_until(&r, ST_S(1100));
	assert_true(agent_running(&r, &r.host[0]));
	view(&r.host[0], SIM_S_INLET, &v);
	/* only what it has read since the restart */
	assert_true(v.accepted >= 65 && v.accepted <= 75);
	assert_int_equal(r.host[0].restarts, 1);
	assert_int_equal(r.host[1].restarts, 1);
	assert_int_equal(r.host[2].restarts, 0);
	assert_int_equal(r.res.restarts, 2);
	assert_int_equal(st_count_log(&r, SIM_L_AGENT, "engine state lost"), 2);
	st_done(&r, &scn);
}

/* Run the room through a cooling failure, with the given extra events;
 * return the decisions' trace as text. */
static char *
trace(const char *extra, uint64_t *dropped)
{
	struct sim_run r;
	char ev[1024], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int i;

	snprintf(ev, sizeof(ev),
	    "{ at = 600; kind = \"cooling\"; zone = \"A\"; capacity = 0.0; },"
	    "{ at = 600; kind = \"inlet\"; delta_c = 20.0; ramp_s = 1800.0; }"
	    "%s",
	    extra);
	assert_int_equal(
	    st_setup(&r, &scn, "", ev, ENG_POLICY_THERMWATCH, 3), 0);
	run_until(&r, ST_S(6 * 3600));
	for (i = 0; i < r.n_log; i++)
		if (r.log[i].kind != SIM_L_AGENT &&
		    r.log[i].kind != SIM_L_EVENT)
			fprintf(f, "%lld %d %d %s\n", (long long)r.log[i].t_ms,
			    r.log[i].kind, r.log[i].host, r.log[i].text);
	*dropped = r.res.peers_dropped_age;
	fclose(f);
	st_done(&r, &scn);
	return out;
}

/* Wall-clock steps of hours: the engine runs on the monotonic clock and
 * decides exactly the same. Only the peer summaries' age check uses the
 * wall clock: a host whose clock alone jumps ahead drops its peers'
 * summaries (they look hours old). */
static void
test_clock_step(void **state)
{
	uint64_t d0, d1, d2;
	char *a = trace("", &d0);
	char *b = trace(",{ at = 300; kind = \"clock\"; step = \"+3h\"; },"
			"{ at = 1200; kind = \"clock\"; step = \"-5h\"; }",
	    &d1);
	char *c = trace(",{ at = 300; kind = \"clock\"; hosts = \"h01\"; "
			"step = \"+2h\"; }",
	    &d2);

	(void)state;
	assert_true(strstr(a, "shutdown") != NULL);
	assert_string_equal(a, b);
	assert_int_equal(d0, 0);
	assert_int_equal(d1, 0);
	assert_true(d2 > 0);
	free(a);
	free(b);
	free(c);
}

/* A restart mid-ramp with state = "kept" gives the new engine what
 * thermwatchd's state file holds (the sensor's rise and trend points,
 * across the down time); with "lost" (the default) it starts blank. */
static void
test_restart_state(void **state)
{
	struct sim_run r;
	struct eng_sensor_view kept, lost, before;

	(void)state;
	assert_int_equal(
	    st_setup(&r, &scn, "",
		"{ at = 600; kind = \"cooling\"; zone = \"A\"; "
		"capacity = 0.0; },"
		"{ at = 600; kind = \"inlet\"; delta_c = 20.0; "
		"ramp_s = 1800.0; },"
		"{ at = 1200; kind = \"restart\"; hosts = \"h01\"; "
		"duration = 10; state = \"kept\"; },"
		"{ at = 1200; kind = \"restart\"; hosts = \"h02\"; "
		"duration = 10; }",
		ENG_POLICY_THERMWATCH, 1),
	    0);
	run_until(&r, ST_S(1199));
	view(&r.host[0], SIM_S_INLET, &before);
	assert_true(before.rising_s > 60.0);
	run_until(&r, ST_S(1220));
	assert_true(agent_running(&r, &r.host[0]));
	assert_true(agent_running(&r, &r.host[1]));
	view(&r.host[0], SIM_S_INLET, &kept);
	view(&r.host[1], SIM_S_INLET, &lost);
	/* the rise goes on from where it was, the down time included */
	assert_true(kept.rising_s >= before.rising_s + 20.0);
	assert_true(lost.rising_s < 15.0);
	assert_true(kept.noise_c == before.noise_c);
	assert_int_equal(st_count_log(&r, SIM_L_AGENT, "engine state kept"), 1);
	assert_int_equal(st_count_log(&r, SIM_L_AGENT, "engine state lost"), 1);
	st_done(&r, &scn);
}

/* Overrides are persisted with a wall-clock expiry: a restart applies
 * again those still in force by the agent's wall clock, so a clock step
 * before the restart decides whether it survives. */
static void
test_override_restart(void **state)
{
	const char *base = "{ at = 100; kind = \"override\"; "
			   "key = \"inlet.warn.margin_c\"; value = 8.0; "
			   "ttl = \"1h\"; },"
			   "{ at = 1000; kind = \"restart\"; duration = 5; }";
	char ev[512];
	struct sim_run r;

	(void)state;
	assert_int_equal(
	    st_setup(&r, &scn, "", base, ENG_POLICY_THERMWATCH, 1), 0);
	run_until(&r, ST_S(990));
	assert_int_equal(eng_override_count(r.host[0].eng), 1);
	run_until(&r, ST_S(1100));
	assert_int_equal(eng_override_count(r.host[0].eng), 1);
	run_until(&r, ST_S(3800));
	assert_int_equal(eng_override_count(r.host[0].eng), 0);
	st_done(&r, &scn);

	snprintf(ev, sizeof(ev),
	    "%s,{ at = 500; kind = \"clock\"; hosts = \"h01\"; "
	    "step = \"+2h\"; }",
	    base);
	assert_int_equal(
	    st_setup(&r, &scn, "", ev, ENG_POLICY_THERMWATCH, 1), 0);
	run_until(&r, ST_S(990));
	/* the running engine is not affected by the step */
	assert_int_equal(eng_override_count(r.host[0].eng), 1);
	run_until(&r, ST_S(1100));
	assert_int_equal(eng_override_count(r.host[0].eng), 0);
	assert_int_equal(eng_override_count(r.host[1].eng), 1);
	assert_int_equal(
	    st_count_log(&r, SIM_L_AGENT, "expired by the wall clock"), 1);
	st_done(&r, &scn);
}

/* Engines hold as many overrides as the scenario has distinct keys
 * (agent_override_slots): every key fits, a key set again takes no
 * second slot, and a restart restores them all. */
static void
test_override_slots(void **state)
{
	const char *ev =
	    "{ at = 100; kind = \"override\"; key = \"quiet\"; value = 1.0; "
	    "ttl = \"1h\"; },"
	    "{ at = 110; kind = \"override\"; key = \"inlet.warn.margin_c\"; "
	    "value = 8.0; ttl = \"1h\"; },"
	    "{ at = 120; kind = \"override\"; key = \"quiet\"; value = 0.0; "
	    "ttl = \"1h\"; },"
	    "{ at = 130; kind = \"override\"; key = \"cpu.trip_c\"; "
	    "value = 90.0; ttl = \"1h\"; },"
	    "{ at = 1000; kind = \"restart\"; duration = 5; }";
	struct sim_run r;

	(void)state;
	assert_int_equal(
	    st_setup(&r, &scn, "", ev, ENG_POLICY_THERMWATCH, 1), 0);
	assert_int_equal(r.ovr_slots, 3);
	run_until(&r, ST_S(990));
	assert_int_equal(eng_override_count(r.host[0].eng), 3);
	assert_int_equal(st_count_log(&r, SIM_L_AGENT, "refused"), 0);
	run_until(&r, ST_S(1100));
	assert_int_equal(eng_override_count(r.host[0].eng), 3);
	assert_int_equal(st_count_log(&r, SIM_L_AGENT, "not restored"), 0);
	st_done(&r, &scn);
}

/* A per-host daily inlet swing: about +-3 K around the hour set, each
 * host's peak within a few hours of it. */
static void
test_diurnal(void **state)
{
	struct sim_run r;
	double lo = 1e9, hi = -1e9, t_hi = 0;

	(void)state;
	assert_int_equal(
	    st_setup(&r, &scn,
		"inlet_swing_c = 3.0; inlet_swing_peak_hour = 15.0;", "",
		ENG_POLICY_NONE, 1),
	    0);
	for (; r.now_ms <= r.end_ms; r.now_ms += r.tick_ms) {
		run_tick(&r);
		if (r.host[2].t_inlet > hi) {
			hi = r.host[2].t_inlet;
			t_hi = r.now_ms / 3600000.0;
		}
		lo = fmin(lo, r.host[2].t_inlet);
	}
	assert_true(hi - lo > 5.5 && hi - lo < 6.5);
	assert_true(t_hi > 12 && t_hi < 18);
	st_done(&r, &scn);
}

/* Keys that mean nothing for the kind, and bad windows, are errors. */
static void
test_event_errors(void **state)
{
	struct sim_run r;
	char *out = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&out, &len);
	FILE *old = stderr;

	(void)state;
	stderr = err;
	assert_true(
	    st_setup(&r, &scn, "",
		"{ at = 1; kind = \"clock\"; load = 2.0; },\n"
		"{ at = 1; kind = \"load\"; load = 0.0; duration = 60; },\n"
		"{ at = 1; kind = \"building\"; count = 3; },\n"
		"{ at = 1; kind = \"sensor\"; fault = \"stuck\"; },\n"
		"{ at = 1; kind = \"override\"; key = \"nope\"; }",
		ENG_POLICY_NONE, 1) > 0);
	stderr = old;
	fclose(err);
	assert_non_null(strstr(out, "load: not a key of a \"clock\" event"));
	assert_non_null(strstr(out, "clock event needs step"));
	assert_non_null(strstr(out, "needs load > 0"));
	assert_non_null(strstr(out, "until and count need every"));
	assert_non_null(strstr(out, "needs value_c"));
	assert_non_null(strstr(out, "valid key"));
	assert_non_null(strstr(out, "needs ttl"));
	free(out);
	scn_free(&scn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frozen),
		cmocka_unit_test(test_repeat),
		cmocka_unit_test(test_many_events),
		cmocka_unit_test(test_bmc),
		cmocka_unit_test(test_peers_lost),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_restart_state),
		cmocka_unit_test(test_clock_step),
		cmocka_unit_test(test_override_restart),
		cmocka_unit_test(test_override_slots),
		cmocka_unit_test(test_diurnal),
		cmocka_unit_test(test_event_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
