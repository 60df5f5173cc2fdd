/*
 * test_rise_age.c - seeded property tests of a rise's age (sensor.c
 * update_prediction), which bounds how far ahead its eta is believed
 * (horizon_factor x age):
 *
 * - climb: a steady climb to trip at 1 to 10 C/min on a noisy sensor
 *   (sd 0.1 to 1.0 C), read every 0.5 to 5 s, on a cpu or an "other"
 *   sensor: one noisy reading below the rise's peak must not take its age
 *   away, so the shutdown comes before trip, and leaves at least half
 *   the class's shutdown lead whenever the climb lasts long enough to be
 *   seen for it (twice the effective lead plus the time to rise out of
 *   its noise). Short of the whole lead: counted, not asserted (about one
 *   climb in 100-200 at noise of 0.5 C or more: 97-118 s left of 120;
 *   "other" sensors read every 3.5 s or more climbing under 2 C/min,
 *   whose rise is read flat long enough to lose its age, among them);
 * - ended: a rise that really ends (a load ramp up for 5 to 15 min, then
 *   the load dropped) does not lend its age to a second, unrelated rise
 *   shortly after (a load step settling below the migrate level, quick
 *   enough that its eta would be believed with the first rise's age):
 *   never a shutdown.
 *
 * TW_SEED=N replays a run (the seed is printed); TW_TRACE_CLIMB=round and
 * TW_TRACE_ENDED=round print a round's readings with the engine's view.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "harness.h"

static uint64_t seed;

static const enum eng_class classes[] = { ENG_CLASS_CPU, ENG_CLASS_OTHER };

/* 0.5 to 5 s, the common intervals more often. */
static double
pick_dt(struct rng *r)
{
	static const double dts[] = { 0.5, 1.0, 2.0, 3.0, 5.0 };

	return rng_next(r) % 2 ? dts[rng_next(r) % 5] : rng_range(r, 0.5, 5.0);
}

static int
trace_round(const char *var)
{
	const char *v = getenv(var);

	return v != NULL ? atoi(v) : -1;
}

static void
trace_line(struct eng *e, int s, double t, double v, double x,
    const struct eng_output *out)
{
	struct eng_sensor_view sv;

	eng_sensor_view(e, s, &sv);
	print_message("t %.1f v %.3f read %.2f f %.2f slope %.4f now %.4f "
		      "eta %.1f proj %.1f rising %.0f: %s\n",
	    t, v, x, sv.filtered_c, sv.slope_c_per_s, sv.slope_now_c_per_s,
	    sv.eta_s, sv.eta_projected_s, sv.rising_s, out->reason);
}

static void
test_climb(void **state)
{
	struct rng seeds = { seed ^ 0x41c3e };
	int n_rounds = 240, n_lead = 0, n_fail = 0, n_short = 0, trips = 0;
	double worst = INFINITY;
	int trace = trace_round("TW_TRACE_CLIMB");

	(void)state;
	for (int round = 0; round < n_rounds; round++) {
		struct rng r = { rng_next(&seeds) };
		enum eng_class cls = classes[round % 2];
		double dt = pick_dt(&r);
		double noise = rng_range(&r, 0.1, 1.0);
		/* 1 to 10 C/min, log-uniform */
		double rate = pow(10.0, rng_uniform(&r)) / 60.0;
		struct eng_conf conf;
		const struct eng_class_conf *cc;
		struct eng_output out;
		struct eng *e;
		double trip, l_eff, start, t_ramp, t_total, t_trip, t;
		double decided = NAN;
		int s;

		eng_conf_defaults(&conf);
		cc = &conf.cls[cls];
		trip = cc->trip_c;
		l_eff = cc->shutdown.lead_s *
		    conf.policy.shutdown_safety_factor;
		start = rng_range(
		    &r, trip - 60.0, trip - cc->warn.margin_c - 5);
		t_ramp = rng_range(&r, 200.0, 400.0);
		t_total = (trip - start) / rate;
		t_trip = t_ramp + t_total;
		e = eng_create(&conf);
		s = eng_sensor_add(e, "s", cls, trip, ENG_TRIP_HW);
		for (t = 0.0; t < t_trip + 60.0; t += dt) {
			int64_t ms = (int64_t)llround(t * 1000.0) + 1;
			double v = start +
			    (t > t_ramp ? (t - t_ramp) * rate : 0.0);
			double x = v + rng_noise(&r, noise);

			feed1(e, s, ms, x);
			eng_evaluate(e, ms, &out);
			if (round == trace)
				trace_line(e, s, t, v, x, &out);
			if (out.state == ENG_STATE_CRITICAL) {
				decided = t;
				break;
			}
		}
		eng_free(e);
		if (isnan(decided)) {
			trips++;
			print_message("round %d: %s %.3f C/s, every %.2f s, "
				      "noise %.2f: no shutdown before trip\n",
			    round, eng_class_name(cls), rate, dt, noise);
			continue;
		}
		if (t_total >= 2.0 * l_eff + 3.0 * noise / rate) {
			double left = t_trip - decided;

			n_lead++;
			worst = fmin(worst, left);
			if (left < cc->shutdown.lead_s) {
				/* short of the lead: counted. Asserted: half
				 * of it. Seen short (2026-12-02, 30 random
				 * seeds: 1-2 of ~170 climbs at 6 of them,
				 * 97-118 s left of 120): noise of 0.5 C or
				 * more, where a rise's age still ends or starts
				 * late (an "other" sensor read every 3.5 s or
				 * more under 2 C/min reads flat long enough to
				 * lose it; at sd 0.9 a fall past twice the band
				 * does) */
				if (left < cc->shutdown.lead_s / 2.0)
					n_fail++;
				else
					n_short++;
				print_message(
				    "round %d: %s %.3f C/s from %.1f, "
				    "every %.2f s, noise %.2f: %.1f s "
				    "left, lead %.0f s\n",
				    round, eng_class_name(cls), rate, start, dt,
				    noise, left, cc->shutdown.lead_s);
			}
		}
	}
	print_message("%d noisy climbs: least left %.1f s; %d short of the "
		      "lead (counted), %d short of half of it, %d without a "
		      "shutdown before trip\n",
	    n_lead, worst, n_short, n_fail, trips);
	assert_true(n_lead > n_rounds / 2);
	assert_int_equal(trips, 0);
	assert_int_equal(n_fail, 0);
}

/* One run of the ended-rise course: a ramp, the load dropped, a second
 * rise. The time of the shutdown after the second rise's start, or NAN;
 * *lent: the most the rise's age exceeded the second rise's own. */
static double
ended_run(struct rng r, enum eng_class cls, const double *p, bool trace,
    const char **why, double *lent)
{
	static char reason[256];
	double dt = p[0], noise = p[1], base = p[2], t_up = p[3], up = p[4];
	double t_down = p[5], t_two = p[6], tau = p[7], step = p[8];
	double t_end = t_two + 6.0 * tau, t, at = NAN;
	struct eng_sensor_view sv;
	struct eng_conf conf;
	struct eng_output out;
	struct eng *e;
	int s;

	*lent = -INFINITY;
	eng_conf_defaults(&conf);
	e = eng_create(&conf);
	s = eng_sensor_add(e, "s", cls, conf.cls[cls].trip_c, ENG_TRIP_HW);
	for (t = 0.0; t < t_end; t += dt) {
		int64_t ms = (int64_t)llround(t * 1000.0) + 1;
		double v = base, x;

		if (t > 100.0 && t <= 100.0 + t_up)
			v += up * (t - 100.0) / t_up;
		else if (t > 100.0 + t_up && t <= t_down)
			v += up * exp(-(t - 100.0 - t_up) / 8.0);
		if (t > t_two)
			v += step * (1.0 - exp(-(t - t_two) / tau));
		x = v + rng_noise(&r, noise);
		feed1(e, s, ms, x);
		eng_evaluate(e, ms, &out);
		if (trace)
			trace_line(e, s, t, v, x, &out);
		eng_sensor_view(e, s, &sv);
		if (t > t_two && sv.rising_s - (t - t_two) > *lent)
			*lent = sv.rising_s - (t - t_two);
		if (out.state == ENG_STATE_CRITICAL) {
			at = t - t_two;
			snprintf(reason, sizeof(reason), "%s", out.reason);
			*why = reason;
			break;
		}
	}
	eng_free(e);
	return at;
}

/*
 * The guard: after the second rise's start, the rise's age is never older
 * than the second rise (beyond the sample that straddles its start): the
 * first rise's age is not lent to it. The second rise may still shut down
 * on its own course now and then (a fast noisy settling step read as a
 * climb, sampled coarsely: its own class); those are counted, not
 * asserted.
 */
static void
test_ended(void **state)
{
	struct rng seeds = { seed ^ 0xe4dedULL };
	int n_rounds = 240, n_lent = 0, n_sd = 0;
	double most = -INFINITY;
	int trace = trace_round("TW_TRACE_ENDED");

	(void)state;
	for (int round = 0; round < n_rounds; round++) {
		struct rng r = { rng_next(&seeds) };
		enum eng_class cls = classes[round % 2];
		struct eng_conf conf;
		const struct eng_class_conf *cc;
		double p[9], at, lent;
		const char *why = "";

		eng_conf_defaults(&conf);
		cc = &conf.cls[cls];
		p[0] = pick_dt(&r);
		p[1] = rng_range(&r, 0.1, 1.0);
		p[2] = rng_range(&r, cc->trip_c - 40.0, cc->trip_c - 30.0);
		/* the first rise: a load ramp of 5 to 15 min, well below the
		 * warn level, */
		p[3] = rng_range(&r, 300.0, 900.0);
		p[4] = rng_range(&r, 8.0, 15.0);
		/* then the load dropped (back to base, in seconds: p[5] ends
		 * the fall's course), */
		p[5] = 100.0 + p[3] + 300.0;
		/* and once the fall is seen (most of it, then four readings:
		 * the filter's reach), up to 20 s later (too soon for flat
		 * readings to end the first rise, too soon to read the second
		 * as an onset after a pause), an unrelated load step settling
		 * below the migrate level, fast enough that its eta would be
		 * believed with the first rise's age */
		p[6] = 100.0 + p[3] + 10.0 + 4.0 * p[0] +
		    rng_range(&r, 0.0, 20.0);
		p[7] = rng_range(&r, 30.0, 90.0);
		p[8] = cc->trip_c - cc->migrate.margin_c - 3.0 - p[2];
		at = ended_run(r, cls, p, round == trace, &why, &lent);
		most = fmax(most, lent);
		if (!isnan(at))
			n_sd++;
		if (lent > p[0] || !isnan(at))
			print_message("round %d: %s ramp +%.1f C over %.0f s, "
				      "dropped, %.0f s later a step +%.1f C "
				      "(tau %.0f s), every %.2f s, noise "
				      "%.2f: age lent %.0f s, shutdown at "
				      "%.0f s (%s)\n",
			    round, eng_class_name(cls), p[4], p[3], p[6] - p[5],
			    p[8], p[7], p[0], p[1], lent, at,
			    isnan(at) ? "none" : why);
		if (lent > p[0])
			n_lent++;
	}
	print_message("%d rises after a rise that ended: %d older than "
		      "themselves (the most %.1f s), %d shut down on their "
		      "own course\n",
	    n_rounds, n_lent, most, n_sd);
	assert_int_equal(n_lent, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_climb),
		cmocka_unit_test(test_ended),
	};

	seed = test_seed("engine_rise_age");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
