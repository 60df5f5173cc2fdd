/*
 * test_staircase.c - seeded property tests of stepped (quantised) and
 * slow-sampled sensors: a staircase of readings must be read for where
 * it is going, not for the rate it has left behind.
 *
 * - settle: a load step of +3 to +30 C (a first-order response with a
 *   time constant of 20 to 120 s, sometimes with a small fast part)
 *   settling toward an asymptote below the migrate level, read by a
 *   sensor that steps by 0.5, 1 or 2 C (floored or rounded), every 0.5 to
 *   5 s, with up to half a step of noise, on a cpu, an exhaust or an
 *   "other" sensor: never migrate, never shut down;
 * - climb: a cooling fault, the same sensors climbing steadily to trip at
 *   0.01 to 0.12 C/s: the shutdown leaves at
 *   least the class's shutdown lead before trip whenever the climb lasts
 *   long enough to be seen for it (twice the effective lead, plus the time
 *   to rise out of its noise and one step), as test_evidence.c asks of
 *   any ramp, and otherwise before trip.
 *
 * Sensors that step by 2 C are swept and their misses counted, not
 * asserted: both properties still fail for them now and then (see
 * thermwatchd(8) BUGS), less often than before staircases were read by
 * their step. So are settling steps beyond the reach of the trend's
 * thirds (fewer than ten samples a time constant, or fewer than two time
 * constants a trend window), of which about one in 10,000 is still read
 * as a climb.
 *
 * TW_SEED=N replays a run (the seed is printed); TW_TRACE_SETTLE=round
 * and TW_TRACE_CLIMB=round print a round's samples with the engine's
 * view of them.
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

static const double quanta[] = { 0.5, 1.0, 2.0 };
static const enum eng_class classes[] = { ENG_CLASS_CPU, ENG_CLASS_EXHAUST,
	ENG_CLASS_OTHER };

/* The sensor's stepped reading of v with noise: floored (whole degrees
 * truncated, as most drivers do) or rounded. */
static double
stepped(struct rng *r, double v, double noise, double q, bool round_q)
{
	v += rng_range(r, -noise, noise);
	return (round_q ? floor(v / q + 0.5) : floor(v / q)) * q;
}

/* 0.5 to 5 s, the common intervals more often. */
static double
pick_dt(struct rng *r)
{
	static const double dts[] = { 0.5, 1.0, 2.0, 3.0, 5.0 };

	return rng_next(r) % 2 ? dts[rng_next(r) % 5] : rng_range(r, 0.5, 5.0);
}

static void
trace_line(struct eng *e, int s, double t, double v, double x,
    const struct eng_output *out)
{
	struct eng_sensor_view sv;

	eng_sensor_view(e, s, &sv);
	print_message("t %.1f v %.3f read %.1f f %.1f slope %.4f now %.4f "
		      "eta %.1f proj %.1f rising %.0f asym %.2f: %s\n",
	    t, v, x, sv.filtered_c, sv.slope_c_per_s, sv.slope_now_c_per_s,
	    sv.eta_s, sv.eta_projected_s, sv.rising_s, sv.asymptote_c,
	    out->reason);
}

static void
test_settle(void **state)
{
	struct rng seeds = { seed ^ 0x5e77 };
	int round, n_fail = 0, n_rounds = 300, n_q[3] = { 0, 0, 0 };
	int n_reach = 0, n_out = 0;
	int trace = getenv("TW_TRACE_SETTLE") ? atoi(getenv("TW_TRACE_SETTLE"))
					      : -1;

	(void)state;
	for (round = 0; round < n_rounds; round++) {
		struct rng r = { rng_next(&seeds) };
		enum eng_class cls = classes[round % 3];
		int qi = (int)(rng_next(&r) % 3);
		double q = quanta[qi];
		bool round_q = rng_next(&r) & 1;
		double dt = pick_dt(&r);
		double tau = rng_range(&r, 20.0, 120.0);
		double tf = rng_range(&r, 0.5, 5.0);
		double frac = rng_next(&r) & 1 ? 0.0 : rng_range(&r, 0.0, 0.3);
		double noise = rng_range(&r, 0.0, 0.5 * q);
		double S = rng_range(&r, 3.0, 30.0);
		struct eng_conf conf;
		const struct eng_class_conf *cc;
		struct eng_output out;
		struct eng *e;
		double mig, asym, base, xs = 0.0, xf = 0.0, t, t_step, t_end;
		int s;

		eng_conf_defaults(&conf);
		cc = &conf.cls[cls];
		mig = cc->trip_c - cc->migrate.margin_c;
		/* The asymptote below the migrate level by more than the
		 * noise and one step (a floored reading is lower, a rounded
		 * one up to half a step higher), mostly close to it: where a
		 * rate read too high reaches trip soonest. */
		asym = mig - noise - q - 0.5 -
		    (rng_next(&r) % 4 ? rng_range(&r, 0.0, 2.0)
				      : rng_range(&r, 0.0, 15.0));
		base = asym - S;
		t_step = rng_range(&r, 200.0, 400.0);
		t_end = t_step + 10.0 * tau + 120.0;
		e = eng_create(&conf);
		s = eng_sensor_add(e, "load", cls, cc->trip_c, ENG_TRIP_HW);
		for (t = 0.0; t < t_end; t += dt) {
			int64_t ms = (int64_t)llround(t * 1000.0) + 1;
			double u = t >= t_step ? 1.0 : 0.0, v, x;

			xs += (u - xs) * (1.0 - exp(-dt / tau));
			xf += (u - xf) * (1.0 - exp(-dt / tf));
			v = base + S * ((1.0 - frac) * xs + frac * xf);
			x = stepped(&r, v, noise, q, round_q);
			feed1(e, s, ms, x);
			eng_evaluate(e, ms, &out);
			if (round == trace)
				trace_line(e, s, t, v, x, &out);
			if (out.state >= ENG_STATE_HOT &&
			    out.state != ENG_STATE_DEGRADED) {
				/* within the thirds' reach: ten samples a
				 * time constant, two time constants a trend
				 * window */
				bool reach = tau >= 10.0 * dt &&
				    2.0 * tau <= cc->trend_window_s;

				n_fail++;
				n_q[qi]++;
				if (qi < 2 && !reach)
					n_out++;
				else if (qi < 2)
					n_reach++;
				print_message(
				    "round %d: %s %.1f + %.1f C (%.0f%% "
				    "tau %.1f s, tau %.0f s) to %.2f, "
				    "migrate at %.0f, step %.1f C %s, every "
				    "%.2f s, noise %.2f, %.0f s after the "
				    "step: %s\n",
				    round, eng_class_name(cls), base, S,
				    100 * frac, tf, tau, asym, mig, q,
				    round_q ? "rounded" : "floored", dt, noise,
				    t - t_step, out.reason);
				break;
			}
		}
		eng_free(e);
	}
	print_message("%d settling steps of stepped sensors: %d read as "
		      "hot (%d, %d, %d by steps of 0.5, 1, 2 C; of steps up "
		      "to 1 C, %d beyond the thirds' reach)\n",
	    n_rounds, n_fail, n_q[0], n_q[1], n_q[2], n_out);
	/* steps of 2 C, and courses too fast for the interval or too slow
	 * for the window: known (thermwatchd(8) BUGS), counted only */
	assert_int_equal(n_reach, 0);
}

static void
test_climb(void **state)
{
	struct rng seeds = { seed ^ 0xc11b };
	int round, n_lead = 0, n_fail = 0, n_rounds = 300, n_coarse = 0;
	double worst = INFINITY, worst_ratio = INFINITY;
	int trace = getenv("TW_TRACE_CLIMB") ? atoi(getenv("TW_TRACE_CLIMB"))
					     : -1;

	(void)state;
	for (round = 0; round < n_rounds; round++) {
		struct rng r = { rng_next(&seeds) };
		enum eng_class cls = classes[round % 3];
		int qi = (int)(rng_next(&r) % 3);
		double q = quanta[qi];
		bool round_q = rng_next(&r) & 1;
		double dt = pick_dt(&r);
		double noise = rng_range(&r, 0.0, 0.5 * q);
		/* several rates, log-uniform: 0.6 to 7.2 C/min (a fan that
		 * stopped, a pump that failed, a clogged filter) */
		double rate = 0.01 * pow(12.0, rng_uniform(&r));
		struct eng_conf conf;
		const struct eng_class_conf *cc;
		struct eng_output out;
		struct eng *e;
		double trip, l_eff, start, t_ramp, t_trip, t_total, t;
		double decided = NAN;
		int s;

		eng_conf_defaults(&conf);
		cc = &conf.cls[cls];
		trip = cc->trip_c;
		l_eff = cc->shutdown.lead_s *
		    conf.policy.shutdown_safety_factor;
		/* from a settled load, well below the warn level */
		start = rng_range(
		    &r, trip - 60.0, trip - cc->warn.margin_c - 5);
		t_ramp = rng_range(&r, 200.0, 400.0);
		t_total = (trip - start) / rate;
		t_trip = t_ramp + t_total;
		e = eng_create(&conf);
		s = eng_sensor_add(e, "cpu", cls, trip, ENG_TRIP_HW);
		for (t = 0.0; t < t_trip + 60.0; t += dt) {
			int64_t ms = (int64_t)llround(t * 1000.0) + 1;
			double v = start +
			    (t > t_ramp ? (t - t_ramp) * rate : 0);
			double x = stepped(&r, v, noise, q, round_q);

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
		/* past trip the hardware is off: a decision there is none */
		if (isnan(decided))
			decided = t_trip + 60.0;
		if (t_total >= 2.0 * l_eff + (3.0 * noise + q) / rate) {
			double left = t_trip - decided;

			if (qi == 2) {
				/* steps of 2 C: known short (thermwatchd(8)
				 * BUGS), counted only */
				if (left < cc->shutdown.lead_s)
					n_coarse++;
				continue;
			}
			n_lead++;
			if (left < worst)
				worst = left;
			if (left / cc->shutdown.lead_s < worst_ratio)
				worst_ratio = left / cc->shutdown.lead_s;
			if (left < cc->shutdown.lead_s) {
				n_fail++;
				print_message(
				    "round %d: %s %.3f C/s from %.1f, step "
				    "%.1f C %s, every %.2f s, noise %.2f: "
				    "%.1f s left, lead %.0f s\n",
				    round, eng_class_name(cls), rate, start, q,
				    round_q ? "rounded" : "floored", dt, noise,
				    left, cc->shutdown.lead_s);
			}
		} else {
			/* too short to be seen for the lead: at least before
			 * trip, */
			assert_true(decided <= t_trip);
		}
	}
	print_message("%d climbs of stepped sensors held to the lead: least "
		      "left %.1f s, %.2f of the lead; %d short (steps of "
		      "2 C: %d short)\n",
	    n_lead, worst, worst_ratio, n_fail, n_coarse);
	assert_true(n_lead > n_rounds / 3);
	assert_int_equal(n_fail, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settle),
		cmocka_unit_test(test_climb),
	};

	seed = test_seed("engine_staircase");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
