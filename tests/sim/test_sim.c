/*
 * test_sim.c - unit tests of the simulator's model and scenario parser.
 *
 * The physics checks hold the defaults to the figures in FIELD.md: a dense
 * room that loses all cooling reaches a 45 C inlet in minutes to tens of
 * minutes (Hosting365 ~2 C/min; Opengate 3 min for 5 kW cabinets; small
 * rooms slower), and with its cooling a room holds its setpoint.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static void
test_builtin_is_shipped_file(void **state)
{
	char *txt = slurp(TW_SRC_DIR "/tests/scenarios/ac-failure.conf");

	(void)state;
	assert_string_equal(sim_builtin_text, txt);
	free(txt);
}

static struct sim_scenario scn;

static void
setup_run(struct sim_run *r, enum eng_policy_kind k)
{
	struct sim_opts o;

	assert_int_equal(
	    scn_parse_string("builtin", sim_builtin_text, &scn, stderr), 0);
	memset(&o, 0, sizeof(o));
	eng_conf_defaults(&o.conf);
	o.policy = k;
	o.seed = 1;
	assert_int_equal(run_init(r, &scn, &o), 0);
}

/* Zone A without cooling: the physics alone, no engine decisions. */
static void
test_room_heats_plausibly(void **state)
{
	struct sim_run r;
	double t0, rate, trip_t = -1, hottest;
	int i, z = 0, k;

	(void)state;
	setup_run(&r, ENG_POLICY_NONE);
	for (k = 0; k < scn.zones[0].n_coolers; k++)
		r.zone[0].cool_frac[k] = r.zone[0].cool_to[k] = 0;
	t0 = r.zone[z].t_air;
	for (r.now_ms = 0; r.now_ms <= 3600 * 1000; r.now_ms += r.tick_ms) {
		mdl_step_zone(&r, z);
		hottest = -100;
		for (i = r.zone[z].first_host;
		     i < r.zone[z].first_host + r.zone[z].n_hosts; i++) {
			mdl_step_host(&r, &r.host[i]);
			hottest = fmax(hottest, r.host[i].t_inlet);
		}
		if (r.now_ms == 60 * 1000) {
			rate = r.zone[z].t_air - t0;
			/* °C per minute in the first minute */
			assert_true(rate > 0.3 && rate < 2.5);
		}
		if (trip_t < 0 && hottest >= 45)
			trip_t = r.now_ms / 1000.0;
	}
	/* minutes to tens of minutes, not seconds or days */
	assert_true(trip_t > 180 && trip_t < 3600);
	run_done(&r);
	scn_free(&scn);
}

static void
test_room_holds_setpoint(void **state)
{
	struct sim_run r;
	int z;

	(void)state;
	setup_run(&r, ENG_POLICY_NONE);
	for (r.now_ms = 0; r.now_ms <= 86400 * 1000; r.now_ms += r.tick_ms)
		for (z = 0; z < r.n_zones; z++) {
			mdl_step_zone(&r, z);
			assert_true(fabs(r.zone[z].t_air -
					scn.zones[z].setpoint_c) < 0.5);
		}
	run_done(&r);
	scn_free(&scn);
}

/* The CPU follows a load step as a two-pole network: 60 % within seconds
 * (die, tau 2 s), the rest with the heatsink (tau_cpu_s = 60). */
static void
test_cpu_lag(void **state)
{
	struct sim_run r;
	struct sim_host *h;
	double before, target, frac, want;
	int k;

	(void)state;
	setup_run(&r, ENG_POLICY_NONE);
	h = &r.host[0];
	mdl_step_host(&r, h);
	before = h->t_cpu;
	h->vms = h->hw->capacity;
	mdl_host_power(&r, h);
	target = h->t_inlet + h->r_cpu_eff * h->p_cpu;
	for (k = 1; k <= 120; k++) {
		mdl_step_host(&r, h);
		frac = (h->t_cpu - before) / (target - before);
		want = 0.6 * (1 - exp(-k / 2.0)) + 0.4 * (1 - exp(-k / 60.0));
		assert_true(fabs(frac - want) < 0.01);
		if (k == 10)
			assert_true(frac > 0.6 && frac < 0.7);
	}
	run_done(&r);
	scn_free(&scn);
}

static void
test_rng(void **state)
{
	struct sim_rng a, b;
	double s = 0, s2 = 0, v;
	int i, n = 200000;

	(void)state;
	rng_seed(&a, 42);
	rng_seed(&b, 42);
	for (i = 0; i < 100; i++)
		assert_true(rng_next(&a) == rng_next(&b));
	for (i = 0; i < n; i++) {
		v = rng_normal(&a);
		s += v;
		s2 += v * v;
	}
	assert_true(fabs(s / n) < 0.01);
	assert_true(fabs(sqrt(s2 / n) - 1) < 0.01);
	rng_seed(&b, 43);
	assert_true(rng_next(&a) != rng_next(&b));
}

static void
test_times(void **state)
{
	struct sim_scenario s;
	char buf[32];

	(void)state;
	assert_true(scn_parse_duration("90") == 90);
	assert_true(scn_parse_duration("15m") == 900);
	assert_true(scn_parse_duration("6h") == 21600);
	assert_true(scn_parse_duration("7d") == 604800);
	assert_true(scn_parse_duration("7x") < 0);
	assert_true(scn_parse_duration("1d12h") == 129600);
	assert_true(scn_parse_duration("1h30m") == 5400);
	assert_true(scn_parse_duration("1h30") < 0);
	assert_true(scn_parse_duration("h") < 0);
	assert_true(scn_parse_duration("-1") < 0);
	assert_true(scn_parse_duration("") < 0);
	assert_int_equal(
	    scn_parse_string("t",
		"start = \"Fri 12:00\";\n"
		"zones = ( { name = \"A\"; hosts = ( { count = 1; } ); } );\n",
		&s, stderr),
	    0);
	assert_true(scn_parse_when(&s, "Fri 19:00") == 7 * 3600);
	assert_true(scn_parse_when(&s, "Mon 08:00") == 68 * 3600);
	assert_true(scn_parse_when(&s, "+2h") == 7200);
	assert_true(scn_parse_when(&s, "Fry 19:00") < 0);
	scn_clock_label(&s, 7 * 3600 + 61, buf, sizeof(buf));
	assert_string_equal(buf, "Fri 19:01:01");
	scn_free(&s);
}

/* Parser errors carry the right line and every one is reported. */
static void
test_errors(void **state)
{
	struct sim_scenario s;
	char *out = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&out, &len);
	int n;

	(void)state;
	n = scn_parse_string("x.conf",
	    "name = \"x\";\n"
	    "tick_s = 500.0;\n"
	    "zones = ( { name = \"A\";\n"
	    "  hosts = ( { count = 2; idle_w = 300.0; max_w = 100.0; } );\n"
	    "  cooling = ( { name = \"c\"; capacity_kws = 3.0; } ); } );\n"
	    "events = ( { kind = \"cooling\"; zone = \"A\"; } );\n",
	    &s, err);
	fclose(err);
	assert_int_equal(n, 4);
	assert_non_null(strstr(out, "x.conf:2: 'tick_s'"));
	assert_non_null(strstr(out, "x.conf:4: max_w (100) is below"));
	assert_non_null(strstr(out, "x.conf:5: "));
	assert_non_null(strstr(out, "capacity_kw"));
	assert_non_null(strstr(out, "x.conf:6: event without \"at\""));
	free(out);
	scn_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_is_shipped_file),
		cmocka_unit_test(test_room_heats_plausibly),
		cmocka_unit_test(test_room_holds_setpoint),
		cmocka_unit_test(test_cpu_lag),
		cmocka_unit_test(test_rng),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
