/*
 * test_zone_refire.c - a zone cooling alarm starts once per incident.
 *
 * A partial cooling loss (one unit off, the other at 60 %) heats zone A
 * at about the zone's "rising" rate and to a plateau near its "high"
 * level: the quorum comes and goes with the noise. Each new start of the
 * alarm runs the migrate hook again on every loaded host (thermwatchd
 * and the simulator both do), after the first evacuation shed enough
 * load that nothing would trip any more: false actions. The alarm must
 * hold until the zone is back (under where it stood when the alarm
 * began, or cooling back fast), and end after the repair.
 *
 * Rooms of 20 and 40 hosts in zone A (tiers 0-3; zone B with room for
 * only part of their load), the repair 2, 6 and 12 hours after the loss,
 * two seeds: no hard trip, at most one start of the alarm per host, no
 * false action made by one, and no host left in the alarm two hours
 * after the repair. (A tier-3 host whose own inlet first crosses its
 * tier's wider migrate level while the zone is still warming can be a
 * false action by the room's steady state: at most one per host.)
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "simtest.h"

static struct sim_scenario scn;

/* zone A of n hosts (n a multiple of 10) with cooling for them as in
 * partial-cooling-loss.conf, zone B with n / 2 hosts; the loss at 1 h,
 * the repair h hours later; the run ends two hours after it */
static char *
room(int n, int h)
{
	size_t len = 4096;
	char *t = malloc(len);

	if (t == NULL)
		return NULL;
	snprintf(t, len,
	    "name = \"refire\"; start = \"Tue 14:00\"; duration = %d;\n"
	    "tick_s = 1.0; peer_interval_s = 10.0; seed = 1;\n"
	    "building = { temp_c = 25.0; swing_c = 2.0; peak_hour = 15.0; };\n"
	    "sensors = { noise_inlet_c = 0.2; noise_cpu_c = 1.0;\n"
	    "  noise_exhaust_c = 0.4; };\n"
	    "zones = ( { name = \"A\"; heat_capacity_kj_per_k = %.1f;\n"
	    "  ua_w_per_k = %.1f; setpoint_c = 22.0; other_heat_w = %.1f;\n"
	    "  cooling = ( { name = \"a1\"; capacity_kw = %.2f; },\n"
	    "    { name = \"a2\"; capacity_kw = %.2f; } );\n"
	    "  hosts = ( { prefix = \"a-t0-\"; count = %d; tier = 0; vms = 10; "
	    "},\n"
	    "    { prefix = \"a-t1-\"; count = %d; tier = 1; vms = 10; },\n"
	    "    { prefix = \"a-t2-\"; count = %d; tier = 2; vms = 10; },\n"
	    "    { prefix = \"a-t3-\"; count = %d; tier = 3; vms = 10;\n"
	    "      inlet_offset_c = 2.0; } ); },\n"
	    "  { name = \"B\"; heat_capacity_kj_per_k = 600.0;\n"
	    "  ua_w_per_k = 250.0; setpoint_c = 22.0; other_heat_w = 1000.0;\n"
	    "  cooling = ( { name = \"b1\"; capacity_kw = %.2f; },\n"
	    "    { name = \"b2\"; capacity_kw = %.2f; } );\n"
	    "  hosts = ( { prefix = \"b-\"; count = %d; tier = 1; vms = 8; } "
	    "); "
	    "} );\n"
	    "events = (\n"
	    "  { at = 3600; kind = \"cooling\"; zone = \"A\"; cooler = "
	    "\"a1\";\n"
	    "    capacity = 0.0; },\n"
	    "  { at = 3600; kind = \"cooling\"; zone = \"A\"; cooler = "
	    "\"a2\";\n"
	    "    capacity = 0.6; ramp_s = 600.0; },\n"
	    "  { at = %d; kind = \"cooling\"; zone = \"A\"; cooler = \"*\";\n"
	    "    capacity = 1.0; ramp_s = 180.0; } );\n",
	    3600 * (h + 3), 900.0 * n / 40, 300.0 * n / 40, 2000.0 * n / 40,
	    12.0 * n / 40, 12.0 * n / 40, n / 10, n / 5, 3 * n / 10, 2 * n / 5,
	    8.0 * n / 40, 8.0 * n / 40, n / 2, 3600 * (h + 1));
	return t;
}

/* False actions that a start of the zone alarm made (the hook's reason
 * follows the verdict in the timeline), and the most false actions on
 * one host. */
static int
alarm_false(const struct sim_run *r, int *per_host_max)
{
	int i, n = 0, *per = calloc((size_t)r->n_hosts, sizeof(int));

	*per_host_max = 0;
	for (i = 0; per != NULL && i < r->n_log; i++) {
		if (r->log[i].kind != SIM_L_FALSE)
			continue;
		if (++per[r->log[i].host] > *per_host_max)
			*per_host_max = per[r->log[i].host];
		if (i + 1 < r->n_log && r->log[i + 1].host == r->log[i].host &&
		    strstr(r->log[i + 1].text, "zone cooling alarm") != NULL)
			n++;
	}
	free(per);
	return per == NULL ? -1 : n;
}

static void
one_room(int n, int h, uint64_t seed)
{
	struct sim_run r;
	char *txt = room(n, h);
	int *starts, i, worst = 0, by_alarm, per_host;
	int64_t t, end;
	bool *was;

	assert_non_null(txt);
	assert_int_equal(
	    st_setup_text(&r, &scn, txt, ENG_POLICY_THERMWATCH, seed), 0);
	free(txt);
	starts = calloc((size_t)r.n_hosts, sizeof(*starts));
	was = calloc((size_t)r.n_hosts, sizeof(*was));
	assert_non_null(starts);
	assert_non_null(was);
	end = ST_S(3600 * (h + 3)) - 1000;
	/* a zone alarm can only start at an exchange: every peer_interval_s */
	for (t = ST_S(10); t <= end; t += ST_S(10)) {
		run_until(&r, t);
		for (i = 0; i < r.n_hosts; i++) {
			bool on = r.host[i].powered && r.host[i].eng_zone_alarm;

			starts[i] += on && !was[i];
			was[i] = on;
		}
	}
	for (i = 0; i < r.n_hosts; i++) {
		if (starts[i] > worst)
			worst = starts[i];
		/* two hours after the repair the alarm is over */
		assert_false(was[i]);
	}
	by_alarm = alarm_false(&r, &per_host);
	if (worst > 1 || by_alarm != 0 || per_host > 1 || r.res.hard_trips > 0)
		fprintf(stderr,
		    "%d hosts, repair after %d h, seed %llu: %d alarm starts "
		    "on one host, %d false actions (%d by the alarm, at most "
		    "%d on one host), %d hard trips\n",
		    n, h, (unsigned long long)seed, worst, r.res.false_actions,
		    by_alarm, per_host, r.res.hard_trips);
	/* the loss raised the alarm on zone A's hosts, once */
	assert_int_equal(starts[0], 1);
	assert_int_equal(worst, 1);
	/* no false action came from the alarm; a host's own first crossing
	 * of its tier's level may be one (hooks.c), but only once */
	assert_int_equal(by_alarm, 0);
	assert_true(per_host <= 1);
	assert_int_equal(r.res.hard_trips, 0);
	free(starts);
	free(was);
	st_done(&r, &scn);
}

static void
test_refire_20(void **state)
{
	static const int hours[] = { 2, 6, 12 };
	int k;

	(void)state;
	for (k = 0; k < 3; k++) {
		one_room(20, hours[k], 1);
		one_room(20, hours[k], 2);
	}
}

static void
test_refire_40(void **state)
{
	static const int hours[] = { 2, 6, 12 };
	int k;

	(void)state;
	for (k = 0; k < 3; k++) {
		one_room(40, hours[k], 1);
		one_room(40, hours[k], 2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refire_20),
		cmocka_unit_test(test_refire_40),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
