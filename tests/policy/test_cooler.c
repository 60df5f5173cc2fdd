/*
 * test_cooler.c - the simulator's cpu_cooler fault, used by the fast
 * cooler failure scenario: the heatsink's resistance grows by the factor
 * over ramp_s, the die heads for factor times further above the inlet at
 * the heatsink's time constant, trips when throttling does not hold it;
 * with a duration it is repaired and the CPU comes back.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "simtest.h"

static struct sim_scenario scn;

static void
test_cooler_trips(void **state)
{
	struct sim_run r;
	double before, after10, other;

	(void)state;
	assert_int_equal(
	    st_setup(&r, &scn, "capacity_vms = 8; throttle_cpu_c = 100.0;",
		"{ at = 600; kind = \"cpu_cooler\"; hosts = "
		"\"h01\"; factor = 8.0; ramp_s = 2.0; }",
		ENG_POLICY_NONE, 1),
	    0);
	run_until(&r, ST_S(599));
	before = r.host[0].t_cpu;
	other = r.host[1].t_cpu;
	run_until(&r, ST_S(610));
	after10 = r.host[0].t_cpu;
	/* R_cpu 0.1, 40% in the heatsink, 400 W: the heatsink's 16 C
	 * become 128 C at tau 60 s: about 1.8 C/s at first */
	assert_true(after10 - before > 10.0);
	assert_true(after10 - before < 25.0);
	assert_true(fabs(r.host[1].t_cpu - other) < 0.5);
	run_until(&r, ST_S(900));
	assert_int_equal(r.res.hard_trips, 1);
	assert_true(r.host[0].trip_ms > ST_S(610));
	assert_true(r.host[1].powered);
	st_done(&r, &scn);
}

static void
test_cooler_repaired(void **state)
{
	struct sim_run r;
	double before;

	(void)state;
	assert_int_equal(
	    st_setup(&r, &scn, "capacity_vms = 16;",
		"{ at = 600; kind = \"cpu_cooler\"; hosts = \"h02\"; "
		"factor = 2.0; ramp_s = 10.0; duration = \"20m\"; }",
		ENG_POLICY_NONE, 1),
	    0);
	run_until(&r, ST_S(599));
	before = r.host[1].t_cpu;
	run_until(&r, ST_S(1700));
	/* settled higher: the heatsink's share doubled */
	assert_true(r.host[1].t_cpu > before + 4.0);
	assert_int_equal(r.res.hard_trips, 0);
	run_until(&r, ST_S(3600));
	assert_true(fabs(r.host[1].t_cpu - before) < 0.5);
	st_done(&r, &scn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cooler_trips),
		cmocka_unit_test(test_cooler_repaired),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
