/*
 * test_actions.c - the agent's actions in the simulator: how long
 * migrations and shutdowns take (from VM memory and link speed, from a
 * distribution with hangs), what they cost in power, and what the
 * daemon's retries, timeouts and BMC watchdog make of failing hooks.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "simtest.h"

static struct sim_scenario scn;

static void
decide(struct sim_run *r, int hi, enum eng_action a)
{
	struct eng_decision d;

	memset(&d, 0, sizeof(d));
	d.action = a;
	d.sensor = -1;
	snprintf(d.reason, sizeof(d.reason), "test");
	hooks_decision(r, hi, &d);
}

/* Eight 16 GB VMs over 10 Gbit/s, pre-copy x1.3, 5 s setup, no spread:
 * 8 x (5 + 128 / 10 x 1.3) = 173.1 s, one after the other; the source
 * and the VM's target draw migrate_w more while it moves. */
static void
test_migration_time(void **state)
{
	struct sim_run r;
	double idle_src, idle_dst;

	(void)state;
	assert_int_equal(
	    st_setup_two(&r, &scn, "vm_memory_gb = 16.0; capacity_vms = 20;",
		"", ENG_POLICY_NONE, 1),
	    0);
	/* as if in the file: actions = { migrate_spread = 0.0; } */
	scn.actions.migrate_spread = 0;
	run_until(&r, ST_S(100));
	idle_src = r.host[0].power_w;
	idle_dst = r.host[4].power_w;
	decide(&r, 0, ENG_ACT_MIGRATE);
	run_until(&r, ST_S(110));
	assert_true(hooks_migrating(&r.host[0]));
	assert_true(r.host[0].power_w > idle_src + 29);
	/* the targets: hosts of the other zone */
	assert_true(r.host[4].power_w + r.host[5].power_w + r.host[6].power_w +
		r.host[7].power_w >
	    4 * idle_dst + 29);
	run_until(&r, ST_S(100 + 172));
	assert_true(hooks_migrating(&r.host[0]));
	run_until(&r, ST_S(100 + 175));
	assert_false(hooks_migrating(&r.host[0]));
	assert_int_equal(r.host[0].vms, 0);
	assert_int_equal(r.res.migrations, 8);
	/* none to the source's own zone, which has room too */
	assert_int_equal(r.res.migrations_cross_zone, 8);
	assert_int_equal(r.host[1].vms + r.host[2].vms + r.host[3].vms, 3 * 8);
	assert_int_equal(r.res.migrations_completed, 1);
	assert_true(fabs(r.res.evac_s_sum - 173.1) < 1.5);
	/* the source is idle now, the targets carry its load */
	run_until(&r, ST_S(300));
	assert_true(r.host[0].power_w < idle_src - 100);
	st_done(&r, &scn);
}

/* With a spread, the same seed gives the same times, another seed other
 * times, and the median stays near the formula. */
static void
test_migration_spread(void **state)
{
	struct sim_run r;
	double t[3];
	int k;
	uint64_t seeds[3] = { 1, 1, 2 };

	(void)state;
	for (k = 0; k < 3; k++) {
		assert_int_equal(st_setup_two(&r, &scn, "vm_memory_gb = 16.0;",
				     "", ENG_POLICY_NONE, seeds[k]),
		    0);
		decide(&r, 0, ENG_ACT_MIGRATE);
		run_until(&r, ST_S(3600));
		t[k] = r.res.evac_s_sum;
		assert_int_equal(r.res.migrations_completed, 1);
		st_done(&r, &scn);
	}
	assert_true(t[0] == t[1]);
	assert_true(t[0] != t[2]);
	assert_true(t[0] > 80 && t[0] < 400);
}

/* An evacuation longer than actions.migrate_timeout_s (600 s) is killed:
 * what moved stays moved, the rest stays; with policy none the host is
 * not hot, so there is no retry. */
static void
test_migration_timeout(void **state)
{
	struct sim_run r;

	(void)state;
	assert_int_equal(st_setup_two(&r, &scn, "vm_memory_gb = 64.0;", "",
			     ENG_POLICY_NONE, 1),
	    0);
	scn.actions.migrate_spread = 0;
	scn.actions.link_gbps = 1;
	/* 5 + 512 x 1.3 = 670.6 s a VM: not one fits in 600 s */
	decide(&r, 0, ENG_ACT_MIGRATE);
	run_until(&r, ST_S(599));
	assert_true(hooks_migrating(&r.host[0]));
	run_until(&r, ST_S(601));
	assert_false(hooks_migrating(&r.host[0]));
	assert_int_equal(r.host[0].vms, 8);
	assert_int_equal(r.res.migrations_failed, 1);
	assert_int_equal(st_count_log(&r, SIM_L_MIG_FAIL, "killed"), 1);
	assert_int_equal(r.host[4].reserved + r.host[5].reserved +
		r.host[6].reserved + r.host[7].reserved,
	    0);
	st_done(&r, &scn);
}

/* A hot host whose migrate hook fails: retried after 30, 60, 120 s
 * (migrate_backoff_s doubling) while it stays hot, three times at most;
 * a hanging hook is killed at its timeout. The host's inlet rises to its
 * migrate level slowly (17 C in 30 min): a faster rise heading for trip
 * is a shutdown, not a migration. */
static void
test_migrate_hook_fail(void **state)
{
	struct sim_run r;

	(void)state;
	assert_int_equal(st_setup_two(&r, &scn, "",
			     "{ at = 60; kind = \"hook\"; hosts = \"h01\"; "
			     "action = \"migrate\"; fault = \"fail\"; },"
			     "{ at = 60; kind = \"inlet\"; hosts = \"h01\"; "
			     "delta_c = 17.0; ramp_s = 1800.0; }",
			     ENG_POLICY_THERMWATCH, 1),
	    0);
	run_until(&r, ST_S(3600));
	assert_int_equal(r.host[0].mig_job.attempt, 4);
	assert_int_equal(st_count_log(&r, SIM_L_MIG_START, "fails"), 4);
	assert_int_equal(r.res.migrations_failed, 4);
	assert_int_equal(r.res.migrations, 0);
	assert_int_equal(r.host[0].vms, 8);
	st_done(&r, &scn);

	assert_int_equal(st_setup_two(&r, &scn, "",
			     "{ at = 1500; kind = \"hook\"; hosts = \"h01\"; "
			     "action = \"migrate\"; fault = \"hang\"; "
			     "duration = \"15m\"; },"
			     "{ at = 60; kind = \"inlet\"; hosts = \"h01\"; "
			     "delta_c = 17.0; ramp_s = 1800.0; }",
			     ENG_POLICY_THERMWATCH, 1),
	    0);
	run_until(&r, ST_S(3600));
	/* hung for 600 s, killed, retried 30 s later: hangs again until
	 * the window ends, killed at 600 s; the third attempt works */
	assert_int_equal(st_count_log(&r, SIM_L_MIG_START, "hangs"), 2);
	assert_int_equal(st_count_log(&r, SIM_L_MIG_FAIL, "killed"), 2);
	assert_int_equal(r.res.migrations_completed, 1);
	assert_int_equal(r.host[0].vms, 0);
	st_done(&r, &scn);
}

/* A clean shutdown: the hook runs once the event is out, then the OS
 * takes shutdown_median_s (no spread), or that plus shutdown_hang_s when
 * a service hangs. */
static void
test_shutdown_time(void **state)
{
	struct sim_run r;
	int hang;

	(void)state;
	for (hang = 0; hang <= 1; hang++) {
		assert_int_equal(
		    st_setup_two(&r, &scn, "", "", ENG_POLICY_NONE, 1), 0);
		scn.actions.shutdown_spread = 0;
		scn.actions.shutdown_hang_p = hang;
		run_until(&r, ST_S(100));
		decide(&r, 0, ENG_ACT_SHUTDOWN);
		run_until(&r, ST_S(100 + 60 + 90 * hang));
		assert_true(r.host[0].powered);
		run_until(&r, ST_S(100 + 63 + 90 * hang));
		assert_false(r.host[0].powered);
		assert_int_equal(r.res.graceful_shutdowns, 1);
		assert_int_equal(r.res.vms_lost, 8);
		st_done(&r, &scn);
	}
}

/* A shutdown hook that fails: tried 1 + shutdown_retries (2) times, then
 * the host is unprotected; with the BMC watchdog armed, the power is cut
 * lead + watchdog_margin_s after the decision. */
static void
test_shutdown_hook_fail(void **state)
{
	struct sim_run r;
	const char *ev = "{ at = 0; kind = \"hook\"; action = \"shutdown\"; "
			 "fault = \"fail\"; }";
	double lead = 0;
	int k;

	(void)state;
	assert_int_equal(st_setup_two(&r, &scn, "", ev, ENG_POLICY_NONE, 1), 0);
	decide(&r, 0, ENG_ACT_SHUTDOWN);
	run_until(&r, ST_S(3600));
	assert_true(r.host[0].powered);
	assert_int_equal(r.host[0].sd_job.attempt, 3);
	assert_int_equal(r.res.shutdowns_failed, 1);
	assert_int_equal(st_count_log(&r, SIM_L_MIG_FAIL, "unprotected"), 1);
	st_done(&r, &scn);

	assert_int_equal(st_setup_two(&r, &scn, "", ev, ENG_POLICY_NONE, 1), 0);
	r.opt.agent.watchdog = true;
	for (k = 0; k < ENG_CLASS_COUNT; k++)
		lead = fmax(lead, r.opt.conf.cls[k].shutdown.lead_s);
	decide(&r, 0, ENG_ACT_SHUTDOWN);
	run_until(&r, ST_S(ceil(lead + r.opt.agent.watchdog_margin_s) - 1));
	assert_true(r.host[0].powered);
	run_until(&r, ST_S(ceil(lead + r.opt.agent.watchdog_margin_s) + 1));
	assert_false(r.host[0].powered);
	assert_int_equal(r.res.forced_offs, 1);
	assert_int_equal(r.res.graceful_shutdowns, 0);
	st_done(&r, &scn);
}

/* The scenario's fixed times (migrate_s, shutdown_s) replace the
 * distributions. */
static void
test_fixed_times(void **state)
{
	struct sim_run r;

	(void)state;
	assert_int_equal(st_setup_two(&r, &scn, "", "", ENG_POLICY_NONE, 1), 0);
	scn.actions.fixed_migrate_s = 400;
	scn.actions.fixed_shutdown_s = 200;
	decide(&r, 1, ENG_ACT_SHUTDOWN);
	decide(&r, 0, ENG_ACT_MIGRATE);
	run_until(&r, ST_S(3600));
	assert_true(fabs(r.res.evac_s_sum - 400) < 2);
	assert_true(fabs(r.res.off_s_sum - 201) < 2);
	st_done(&r, &scn);
}

/* An agent restart kills a running migrate hook; what moved stays. */
static void
test_restart_kills_migration(void **state)
{
	struct sim_run r;

	(void)state;
	assert_int_equal(st_setup_two(&r, &scn, "vm_memory_gb = 16.0;",
			     "{ at = 60; kind = \"restart\"; hosts = \"h01\"; "
			     "duration = 5; }",
			     ENG_POLICY_NONE, 1),
	    0);
	scn.actions.migrate_spread = 0;
	decide(&r, 0, ENG_ACT_MIGRATE);
	run_until(&r, ST_S(600));
	assert_false(hooks_migrating(&r.host[0]));
	/* 21.64 s a VM: two had moved at 60 s */
	assert_int_equal(r.res.migrations, 2);
	assert_int_equal(r.host[0].vms, 6);
	assert_int_equal(st_count_log(&r, SIM_L_MIG_FAIL, "restart kills"), 1);
	st_done(&r, &scn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migration_time),
		cmocka_unit_test(test_migration_spread),
		cmocka_unit_test(test_migration_timeout),
		cmocka_unit_test(test_migrate_hook_fail),
		cmocka_unit_test(test_shutdown_time),
		cmocka_unit_test(test_shutdown_hook_fail),
		cmocka_unit_test(test_fixed_times),
		cmocka_unit_test(test_restart_kills_migration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
