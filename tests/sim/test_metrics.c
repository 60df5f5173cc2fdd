/*
 * test_metrics.c - the figures a run is judged by: the room's real
 * danger (and so false actions), the tier order, lead times against the
 * oracle, needless actions.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "simtest.h"

static struct sim_scenario scn;

/* The small room holds with its cooling; without it (4 kW -> 0) it
 * heads for 24 + 1 kW / 300 W/K + recirculation: about 30 C, no trip;
 * with a 20 K hot spot coming on h01, h01 would trip. */
static void
test_danger(void **state)
{
	struct sim_run r;

	(void)state;
	assert_int_equal(st_setup(&r, &scn, "",
			     "{ at = 100; kind = \"cooling\"; zone = \"A\"; "
			     "capacity = 0.0; },"
			     "{ at = 200; kind = \"inlet\"; hosts = \"h01\"; "
			     "delta_c = 20.0; ramp_s = 3600.0; }",
			     ENG_POLICY_NONE, 1),
	    0);
	run_until(&r, ST_S(50));
	assert_false(danger_zone(&r, 0));
	run_until(&r, ST_S(150));
	assert_false(danger_zone(&r, 0));
	/* the hot spot has barely begun, but where it goes is a trip */
	run_until(&r, ST_S(210));
	assert_true(r.host[0].t_inlet < 35);
	assert_true(danger_zone(&r, 0));
	assert_true(
	    r.res.incident_ms >= ST_S(200) && r.res.incident_ms <= ST_S(210));
	st_done(&r, &scn);
}

/* A slow creep: cooling falls to less than the load, the room rises a
 * few degrees an hour (well under ASHRAE's 20 C/h) but heads for a
 * trip: acting then is not a false action. Acting in a calm room is. */
static void
test_false_action(void **state)
{
	struct sim_run r;
	struct eng_decision d;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.action = ENG_ACT_SHUTDOWN;
	d.sensor = -1;
	assert_int_equal(st_setup(&r, &scn,
			     "idle_w = 400.0; max_w = 800.0; "
			     "trip_inlet_c = 34.0; inlet_offset_c = 0.0;",
			     "{ at = 600; kind = \"cooling\"; zone = \"A\"; "
			     "capacity = 0.15; ramp_s = 3600.0; }",
			     ENG_POLICY_NONE, 1),
	    0);
	run_until(&r, ST_S(300));
	d.action = ENG_ACT_MIGRATE; /* the heat stays in the room */
	hooks_decision(&r, 3, &d);
	assert_int_equal(r.res.false_actions, 1);
	d.action = ENG_ACT_SHUTDOWN;
	run_until(&r, ST_S(4000));
	assert_true(r.zone[0].dtdt * 3600 < 20);
	assert_true(danger_zone(&r, 0));
	hooks_decision(&r, 0, &d);
	assert_int_equal(r.res.false_actions, 1);
	st_done(&r, &scn);
}

static void
down(struct sim_run *r, int i, int tier, int64_t t)
{
	r->host[i].tier = tier;
	r->host[i].down_ms = t;
}

/* Tier 0 last (held) and every tier before the next (strict), per zone;
 * hosts that never went down do not count. */
static void
test_tier_order(void **state)
{
	struct sim_run r;

	(void)state;
	assert_int_equal(st_setup(&r, &scn, "", "", ENG_POLICY_NONE, 1), 0);
	down(&r, 0, 3, 100);
	down(&r, 1, 1, 300);
	down(&r, 2, 2, 200);
	down(&r, 3, 0, 400);
	metrics_finish(&r, NULL);
	assert_true(r.res.tier_order_held);
	assert_true(r.res.tier_order_strict);
	down(&r, 1, 1, 150); /* tier 1 before tier 2 */
	metrics_finish(&r, NULL);
	assert_true(r.res.tier_order_held);
	assert_false(r.res.tier_order_strict);
	down(&r, 0, 3, 500); /* tier 3 after tier 0 */
	metrics_finish(&r, NULL);
	assert_false(r.res.tier_order_held);
	down(&r, 0, 3, -1); /* it never went down */
	down(&r, 3, 0, -1);
	metrics_finish(&r, NULL);
	assert_true(r.res.tier_order_held);
	st_done(&r, &scn);
}

/* Lead times against the oracle: 1 at the failure, 0 at the oracle's
 * first trip; actions in a zone that never tripped are needless. */
static void
test_oracle(void **state)
{
	struct sim_run r;
	struct sim_oracle o;

	(void)state;
	assert_int_equal(st_setup(&r, &scn, "", "", ENG_POLICY_NONE, 1), 0);
	memset(&o, 0, sizeof(o));
	o.t0_ms = ST_S(1000);
	o.first_trip_ms = ST_S(2000);
	o.zone_trips[0] = true;
	r.res.first_alarm_ms = ST_S(1100);
	r.now_ms = ST_S(900); /* before the failure: not a lead */
	metrics_action(&r, 0, false);
	r.now_ms = ST_S(1250);
	metrics_action(&r, 1, false);
	r.now_ms = ST_S(2100);
	metrics_action(&r, 2, true);
	metrics_finish(&r, &o);
	assert_true(fabs(r.res.lead_alarm - 0.9) < 1e-9);
	assert_true(fabs(r.res.lead_migrate - 0.75) < 1e-9);
	assert_true(fabs(r.res.lead_shutdown + 0.1) < 1e-9);
	assert_int_equal(r.res.needless_actions, 0);
	o.zone_trips[0] = false;
	o.first_trip_ms = -1;
	metrics_finish(&r, &o);
	assert_int_equal(r.res.needless_actions, 3);
	assert_true(isnan(r.res.lead_alarm));
	st_done(&r, &scn);
}

/* The oracle run is the policy none run's physics without its agents:
 * the same trips at the same times. */
static void
test_oracle_is_none(void **state)
{
	const char *ev = "{ at = 600; kind = \"cooling\"; zone = \"A\"; "
			 "capacity = 0.0; },"
			 "{ at = 600; kind = \"inlet\"; delta_c = 22.0; "
			 "ramp_s = 1800.0; }";
	struct sim_run a, b;
	struct sim_scenario s2;
	struct sim_opts o;
	int i;

	(void)state;
	assert_int_equal(st_setup(&a, &scn, "", ev, ENG_POLICY_NONE, 4), 0);
	run_all(&a);
	assert_true(a.res.hard_trips > 0);
	assert_int_equal(st_setup(&b, &s2, "", ev, ENG_POLICY_NONE, 4), 0);
	o = b.opt;
	run_done(&b);
	o.oracle = true;
	assert_int_equal(run_init(&b, &s2, &o), 0);
	run_all(&b);
	assert_int_equal(a.res.hard_trips, b.res.hard_trips);
	for (i = 0; i < a.n_hosts; i++)
		assert_true(a.host[i].trip_ms == b.host[i].trip_ms);
	assert_true(a.res.incident_ms == b.res.incident_ms);
	st_done(&a, &scn);
	st_done(&b, &s2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_danger),
		cmocka_unit_test(test_false_action),
		cmocka_unit_test(test_tier_order),
		cmocka_unit_test(test_oracle),
		cmocka_unit_test(test_oracle_is_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
