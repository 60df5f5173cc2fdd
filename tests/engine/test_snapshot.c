/*
 * test_snapshot.c - restarts with a state file: a snapshot restored into
 * a new engine carries its trends and rises across a short gap, so a
 * restart in the middle of a ramp acts as early as no restart would (and
 * much earlier than a blind start); a long gap carries nothing stale;
 * restore refuses what does not fit.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <stdio.h>

#include <cmocka.h>

#include "engine.h"
#include "harness.h"

static uint64_t seed;

static struct eng *
mk(struct eng_conf *conf, enum eng_class cls)
{
	struct eng *e;

	eng_conf_defaults(conf);
	e = eng_create(conf);
	assert_non_null(e);
	assert_int_equal(
	    eng_sensor_add(e, "x", cls, conf->cls[cls].trip_c, ENG_TRIP_HW), 0);
	return e;
}

/* Seconds of ramp (from t_from to the decision), or -1. */
static int
run_ramp(struct eng *e, struct rng *r, double start, double rate, int t_from,
    int t_to, double noise)
{
	struct eng_output out;
	int t;

	for (t = t_from; t < t_to; t++) {
		feed1(e, 0, t * 1000LL,
		    start + rate * t + rng_range(r, -noise, noise));
		eng_evaluate(e, t * 1000LL, &out);
		if (out.state == ENG_STATE_CRITICAL)
			return t;
	}
	return -1;
}

/* A ramp of random rate and noise; the agent restarts in its middle,
 * down for a few seconds. With the snapshot the decision comes about
 * when it would have without the restart; without it, later. */
static void
test_restart_mid_ramp(void **state)
{
	struct rng r = { seed ^ 0xb1 };
	int round, better = 0, rounds = 0, like_gap = 0;

	(void)state;
	for (round = 0; round < 30; round++) {
		enum eng_class cls = round % 2 ? ENG_CLASS_CPU
					       : ENG_CLASS_EXHAUST;
		struct eng_conf conf;
		struct eng_snap_sensor ss;
		struct eng_snap_host sh;
		struct eng *a, *b, *c, *d;
		double rate = rng_range(&r, 0.03, 0.12);
		double noise = rng_range(&r, 0.1, 0.6);
		double trip, start;
		int cut, gap = (int)rng_range(&r, 1, 15), ta, tb, tc, td;
		struct rng ra, rb, rc, rd;

		a = mk(&conf, cls);
		trip = conf.cls[cls].trip_c;
		start = trip - 40;
		/* the same noise for all three */
		ra = rb = rc = rd = (struct rng){ rng_next(&r) };
		cut = (int)(rng_range(&r, 0.3, 0.6) * 40 / rate);
		ta = run_ramp(a, &ra, start, rate, 1, 4000, noise);
		/* b: the same up to the cut, then saved and restored */
		eng_free(a);
		a = mk(&conf, cls);
		tb = run_ramp(a, &rb, start, rate, 1, cut, noise);
		if (tb >= 0) { /* decided before the cut: nothing to test */
			eng_free(a);
			continue;
		}
		assert_int_equal(
		    eng_snapshot_sensor(a, 0, cut * 1000LL, &ss), 0);
		eng_snapshot_host(a, &sh);
		eng_free(a);
		b = mk(&conf, cls);
		eng_restore_host(b, &sh);
		assert_int_equal(eng_restore_sensor(b, &ss,
				     (cut + gap) * 1000LL, gap * 1000LL),
		    0);
		/* the samples it missed while down are gone */
		for (tb = 0; tb < gap; tb++)
			(void)rng_next(&rb);
		tb = run_ramp(b, &rb, start, rate, cut + gap, 4000, noise);
		/* d: no restart, but no samples for the same gap */
		d = mk(&conf, cls);
		td = run_ramp(d, &rd, start, rate, 1, cut, noise);
		for (tc = 0; tc < gap; tc++)
			(void)rng_next(&rd);
		td = run_ramp(d, &rd, start, rate, cut + gap, 4000, noise);
		eng_free(d);
		/* c: a blind start after the same gap */
		for (tc = 1; tc < cut + gap; tc++)
			(void)rng_next(&rc);
		c = mk(&conf, cls);
		tc = run_ramp(c, &rc, start, rate, cut + gap, 4000, noise);
		print_message("%s %.3f C/s noise %.2f, cut at %d s for %d s: "
			      "decided at %d (no restart), %d (restored), "
			      "%d (blind), %d (gap, no restart)\n",
		    eng_class_name(cls), rate, noise, cut, gap, ta, tb, tc, td);
		assert_true(ta > 0 && tb > 0 && tc > 0 && td > 0);
		/* never later than a blind start, and mostly as early as an
		 * agent that only missed the gap's samples, give or take the
		 * samples a new engine must see again (its filter window and
		 * its confirmation). A blind engine can be luckier than one
		 * that never stopped (at the margin, a sample early on its
		 * own filter's values): then as early as that one. */
		assert_true(tb <= tc || tb <= ta);
		better += tb < tc;
		rounds++;
		like_gap += tb <= td + (int)conf.cls[cls].filter_window +
			conf.policy.confirm_samples;
		eng_free(b);
		eng_free(c);
	}
	print_message("restored: %d of %d rounds earlier than blind, %d as "
		      "early as a gap without restart\n",
	    better, rounds, like_gap);
	assert_true(better > 10);
	/* "mostly": over 80 random seeds the share was 0.89 to 1.0; a
	 * bound at 0.9 failed one run in about twenty, so 0.8 */
	assert_true(like_gap * 10 >= rounds * 8);
}

/* A gap longer than the trend window carries no trend and no rise. */
static void
test_long_gap(void **state)
{
	struct eng_conf conf;
	struct eng_snap_sensor ss;
	struct eng_sensor_view v;
	struct eng *a, *b;
	struct rng r = { seed ^ 0xb2 };
	int gap;

	(void)state;
	a = mk(&conf, ENG_CLASS_CPU);
	run_ramp(a, &r, 40, 0.05, 1, 600, 0.3);
	eng_sensor_view(a, 0, &v);
	assert_true(v.rising_s > 100);
	assert_int_equal(eng_snapshot_sensor(a, 0, 600 * 1000LL, &ss), 0);
	assert_true(ss.rising);
	assert_true(ss.n_points > 10 && ss.n_points <= ENG_SNAP_POINTS);
	assert_true(ss.age_ms[0] <= ss.age_ms[1]);
	eng_free(a);
	gap = (int)conf.cls[ENG_CLASS_CPU].trend_window_s * 2;
	b = mk(&conf, ENG_CLASS_CPU);
	assert_int_equal(
	    eng_restore_sensor(b, &ss, (600 + gap) * 1000LL, gap * 1000LL), 0);
	feed1(b, 0, (601 + gap) * 1000LL, 40 + 0.05 * (601 + gap));
	{
		struct eng_output out;

		eng_evaluate(b, (601 + gap) * 1000LL, &out);
	}
	eng_sensor_view(b, 0, &v);
	assert_true(v.rising_s == 0);
	eng_free(b);
}

/* Only into a registered, fresh sensor of the same class. */
static void
test_restore_refuses(void **state)
{
	struct eng_conf conf;
	struct eng_snap_sensor ss;
	struct eng *a, *b;
	struct rng r = { seed ^ 0xb3 };

	(void)state;
	a = mk(&conf, ENG_CLASS_INLET);
	run_ramp(a, &r, 22, 0.0, 1, 60, 0.2);
	assert_int_equal(eng_snapshot_sensor(a, 0, 60000, &ss), 0);
	assert_int_equal(eng_snapshot_sensor(a, 5, 60000, &ss), -1);
	assert_int_equal(eng_snapshot_sensor(a, 0, 60000, &ss), 0);
	b = mk(&conf, ENG_CLASS_CPU); /* "x" is a cpu here */
	assert_int_equal(eng_restore_sensor(b, &ss, 61000, 1000), -1);
	eng_free(b);
	b = mk(&conf, ENG_CLASS_INLET);
	snprintf(ss.id, sizeof(ss.id), "y");
	assert_int_equal(eng_restore_sensor(b, &ss, 61000, 1000), -1);
	snprintf(ss.id, sizeof(ss.id), "x");
	assert_int_equal(eng_restore_sensor(b, &ss, 61000, -5), -1);
	feed1(b, 0, 61000, 22);
	/* it has a sample already */
	assert_int_equal(eng_restore_sensor(b, &ss, 61000, 1000), -1);
	eng_free(b);
	eng_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart_mid_ramp),
		cmocka_unit_test(test_long_gap),
		cmocka_unit_test(test_restore_refuses),
	};

	seed = test_seed("engine_snapshot");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
