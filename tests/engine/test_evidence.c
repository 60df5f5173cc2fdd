/*
 * test_evidence.c - seeded property tests of how the engine weighs
 * evidence (thermwatch.conf(5), EVIDENCE), over classes of inputs:
 *
 * - every steady ramp, from any start temperature, at 0.01 to 3 C/s,
 *   sampled every 0.25 to 2 s, any shutdown lead from a tenth of the
 *   default to it (whole-degree sensors: the default), with or without history
 * before it (an engine started mid-ramp), noisy or whole-degree, with or
 * without a hole of missing readings (a hung reader, a restart) in the ramp's
 *   trend window before the lead is due: the shutdown
 *   decision leaves at least shutdown.lead_s before trip when the ramp
 *   lasts long enough to be seen for the lead (from its start to trip:
 *   twice the effective lead, plus the time to rise out of its noise
 *   band), and otherwise comes at most 3 samples after the value
 *   reaches the shutdown level;
 * - every train of load steps of up to +30 C (first- or second-order
 *   responses, time constants 0.5 s to 5 min) that settles below the
 *   migrate level: no migrate and no shutdown, ever;
 * - a frozen inlet never hides a room ramp that its host's exhaust and
 *   cpu (or its zone) show: the host still shuts down before the inlet's
 *   true trip;
 * - a sensor frozen at a hot value never holds a host hot once its
 *   evidence shows the room cooled: no action follows.
 *
 * TW_SEED=N replays a run (the seed is printed); each ramp round has its
 * own generator, so TW_SEED=N TW_TRACE=round also prints that round's
 * last two minutes as the engine saw them, whatever the engine decided
 * in the rounds before; TW_SEED=N TW_TRACE_STEPS=round prints every
 * sample of that load-step round with the engine's reason.
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

static const double intervals[] = { 0.25, 0.5, 1.0, 2.0 };

static double
pick_interval(struct rng *r)
{
	return intervals[rng_next(r) % 4];
}

/* A sample as a sensor reports it: noise, then maybe whole degrees. */
static double
sample(struct rng *r, double v, double noise, bool quant)
{
	v += rng_range(r, -noise, noise);
	return quant ? floor(v) : v;
}

static const struct eng_level *
level_of(const struct eng_class_conf *cc, int k)
{
	return k == 1 ? &cc->warn : k == 2 ? &cc->migrate : &cc->shutdown;
}

static void
test_ramps(void **state)
{
	struct rng seeds = { seed ^ 0xa1 };
	int round, n_lead = 0, n_fast = 0, n_fail = 0;
	double worst_lead = INFINITY;
	int worst_late = -99;
	int trace = getenv("TW_TRACE") ? atoi(getenv("TW_TRACE")) : -1;

	(void)state;
	for (round = 0; round < 400; round++) {
		/* a round of its own: the same ramp whatever the engine
		 * decided in the rounds before */
		struct rng r = { rng_next(&seeds) };
		enum eng_class cls = (enum eng_class)(round % ENG_CLASS_COUNT);
		struct eng_conf conf;
		const struct eng_class_conf *cc;
		struct eng_output out;
		struct eng *e;
		/* 0.01 to 3 C/s, up to what the class's air or metal can
		 * do (faster is a sensor fault: max_rate_c_per_s) */
		double rate = 0.01 * pow(300.0, rng_uniform(&r)); /* C/s */
		double dt = pick_interval(&r), noise = rng_range(&r, 0, 0.5);
		bool quant = rng_next(&r) % 3 == 0;
		double trip, lvl, start, t_ramp, t_trip, t_total, l_eff;
		int64_t k, k_level = -1, k_decide = -1;
		double hole_beg = -1.0, hole_end = -1.0;
		int s;

		eng_conf_defaults(&conf);
		/* any shutdown lead from a tenth of the default to it (the
		 * default for whole-degree sensors: see thermwatchd(8)
		 * BUGS): a short lead is a short time to get the slope
		 * right */
		conf.cls[cls].shutdown.lead_s *= pow(
		    quant ? 1.0 : 10.0, -rng_uniform(&r));
		conf.policy.min_shutdown_lead_s = conf.cls[cls].shutdown.lead_s;
		assert_int_equal(eng_conf_validate(&conf, NULL, 0), 0);
		cc = &conf.cls[cls];
		if (rate > 0.5 * cc->max_rate_c_per_s)
			rate = 0.5 * cc->max_rate_c_per_s;
		trip = cc->trip_c;
		lvl = trip - cc->shutdown.margin_c;
		l_eff = cc->shutdown.lead_s *
		    conf.policy.shutdown_safety_factor;
		start = rng_range(&r, trip - 60, lvl - 1);
		/* half the runs start mid-ramp, with no history at all */
		t_ramp = rng_next(&r) & 1 ? 0.0 : rng_range(&r, 30, 400);
		t_total = (trip - start) / rate;
		t_trip = t_ramp + t_total;
		/* a third of the runs miss readings for 2 to 30 s, ending
		 * at least twice the lead before trip: fresh samples again
		 * well before the decision is due */
		if (rng_next(&r) % 3 == 0) {
			double len = rng_range(&r, 2.0, 30.0);

			hole_end = t_trip - 2.0 * l_eff - rng_range(&r, 0, 60);
			hole_beg = hole_end - len;
		}
		e = eng_create(&conf);
		s = eng_sensor_add(e, "ramp", cls, trip, ENG_TRIP_HW);
		for (k = 0;; k++) {
			double t = (double)k * dt, x = t - t_ramp;
			double v = start + (x > 0 ? x * rate : 0.0);

			/* reached: every sample is at or past the level */
			if (v - noise >= lvl && k_level < 0)
				k_level = k;
			if (t < hole_beg || t >= hole_end)
				feed1(e, s, (int64_t)llround(t * 1000) + 1,
				    sample(&r, v, noise, quant));
			eng_evaluate(e, (int64_t)llround(t * 1000) + 1, &out);
			if (trace == round && t_trip - t < 120) {
				struct eng_sensor_view sv;

				eng_sensor_view(e, s, &sv);
				print_message("t %.2f left %.1f v %.2f f %.2f "
					      "slope %.3f now %.3f eta %.1f "
					      "proj %.1f rising %.0f lvl %d "
					      "asym %.1f\n",
				    t, t_trip - t, v, sv.filtered_c,
				    sv.slope_c_per_s, sv.slope_now_c_per_s,
				    sv.eta_s, sv.eta_projected_s, sv.rising_s,
				    sv.level, sv.asymptote_c);
			}
			if (out.state == ENG_STATE_CRITICAL) {
				k_decide = k;
				break;
			}
			assert_false(x < 0 && out.state == ENG_STATE_CRITICAL);
			/* past trip the hardware is off; look a little
			 * further only to see when the decision came */
			if (v > trip + 10 || k > 400000)
				break;
		}
		assert_true(k_decide >= 0);
		/* Long enough to be seen rising, out of its noise band, for
		 * the (effective) lead before the lead is due. */
		if (t_total >=
		    2.0 * l_eff + (3.0 * noise + (quant ? 1.0 : 0.3)) / rate) {
			double left = t_trip - (double)k_decide * dt;

			n_lead++;
			if (left < worst_lead)
				worst_lead = left;
			if (left < cc->shutdown.lead_s) {
				n_fail++;
				print_message("round %d: %s %.3f C/s from %.1f "
					      "every %.2f s noise %.2f%s, "
					      "hole %.1f s ending %.0f s "
					      "before trip: %.1f s left, "
					      "lead %.1f s\n",
				    round, eng_class_name(cls), rate, start, dt,
				    noise, quant ? " whole-degree" : "",
				    hole_end - hole_beg, t_trip - hole_end,
				    left, cc->shutdown.lead_s);
			}
		} else {
			/* decided before the level: -1 */
			int late = k_level < 0 ? -1 : (int)(k_decide - k_level);

			n_fast++;
			if (late > worst_late)
				worst_late = late;
			if (late > 3) {
				n_fail++;
				print_message("round %d: %s %.3f C/s from %.1f "
					      "every %.2f s noise %.2f%s, "
					      "hole %.1f s: %d samples after "
					      "the level\n",
				    round, eng_class_name(cls), rate, start, dt,
				    noise, quant ? " whole-degree" : "",
				    hole_end - hole_beg, late);
			}
		}
		eng_free(e);
	}
	print_message("%d slow ramps: least left %.0f s; %d fast ramps: at "
		      "most %d samples after the shutdown level; %d late\n",
	    n_lead, worst_lead, n_fast, worst_late, n_fail);
	assert_int_equal(n_fail, 0);
}

/* One pole of a load response: x follows u with time constant tau. */
static double
pole(double x, double u, double tau, double dt)
{
	return x + (u - x) * (1.0 - exp(-dt / tau));
}

static void
test_load_steps(void **state)
{
	static const enum eng_class classes[] = { ENG_CLASS_CPU,
		ENG_CLASS_EXHAUST, ENG_CLASS_OTHER };
	struct rng r = { seed ^ 0xa2 };
	int round;
	const char *tr_env = getenv("TW_TRACE_STEPS");
	int trace = tr_env ? atoi(tr_env) : -1;

	(void)state;
	for (round = 0; round < 150; round++) {
		enum eng_class cls = classes[round % 3];
		struct eng_conf conf;
		const struct eng_class_conf *cc;
		struct eng_output out;
		struct eng *e;
		double dt = pick_interval(&r), noise = rng_range(&r, 0, 0.6);
		bool quant = rng_next(&r) % 3 == 0;
		double S = rng_range(&r, 3, 30), frac = rng_uniform(&r);
		double tf = rng_range(&r, 0.5, 5), ts = rng_range(&r, 5, 300);
		double mig, base, xf = 0, xs = 0, u = 0, t, next = 300;
		double horizon = 4 * 3600;
		int s, n_steps = 0;

		eng_conf_defaults(&conf);
		cc = &conf.cls[cls];
		mig = cc->trip_c - cc->migrate.margin_c;
		/* it settles below the migrate level, noise and all */
		base = rng_range(&r, mig - S - 25, mig - S - noise - 1.5);
		e = eng_create(&conf);
		s = eng_sensor_add(e, "load", cls, cc->trip_c, ENG_TRIP_HW);
		for (t = 0; t < horizon; t += dt) {
			double v;

			if (t >= next) {
				/* a burst, a job, a benchmark: up for a
				 * while, then down again */
				/* ...and again, sometimes before the last
				 * one has settled */
				u = u > 0.5 ? 0.0 : 1.0;
				if (u > 0.5)
					next = t + rng_range(&r, 10, 3600);
				else if (rng_next(&r) & 1)
					next = t + rng_range(&r, 5, 300);
				else
					next = t + rng_range(&r, 60, 3600);
				n_steps++;
			}
			xf = pole(xf, u, tf, dt);
			xs = pole(xs, u, ts, dt);
			v = base + S * (frac * xf + (1 - frac) * xs);
			feed1(e, s, (int64_t)llround(t * 1000) + 1,
			    sample(&r, v, noise, quant));
			eng_evaluate(e, (int64_t)llround(t * 1000) + 1, &out);
			if (round == trace)
				print_message("%.2f %.3f u %.0f %s\n", t, v, u,
				    out.reason);
			if (out.state >= ENG_STATE_HOT)
				print_message("round %d: %s %.0f + %.1f C "
					      "(%.0f%% tau %.1f s, "
					      "tau %.0f s) every %.2f s noise "
					      "%.2f%s, t %.0f: %s\n",
				    round, eng_class_name(cls), base, S,
				    100 * frac, tf, ts, dt, noise,
				    quant ? " quant" : "", t, out.reason);
			assert_true(out.state < ENG_STATE_HOT);
		}
		assert_true(n_steps > 2);
		eng_free(e);
	}
}

/* A host with an inlet, a cpu and an exhaust in a room whose air ramps;
 * the inlet freezes at a random moment. With peers > 0 the zone's hosts
 * see the same air. */
struct room_case {
	double rate;   /* C/s of the air, from the ramp on */
	double t_ramp; /* s */
	double t_freeze;
	double d_cpu, d_exh; /* above the inlet (the host's power) */
	double dt;
	int peers;
};

static double
run_room(struct rng *r, const struct room_case *c, double *left)
{
	struct eng_conf conf;
	struct eng_output out;
	struct eng *e;
	double t, trip, frozen = NAN;
	int in, cpu, exh;

	eng_conf_defaults(&conf);
	snprintf(conf.host, sizeof(conf.host), "me");
	e = eng_create(&conf);
	trip = conf.cls[ENG_CLASS_INLET].trip_c;
	in = eng_sensor_add(e, "bmc/inlet", ENG_CLASS_INLET, trip, ENG_TRIP_HW);
	cpu = eng_sensor_add(
	    e, "coretemp/pkg", ENG_CLASS_CPU, 100, ENG_TRIP_HW);
	exh = eng_sensor_add(
	    e, "bmc/exhaust", ENG_CLASS_EXHAUST, 75, ENG_TRIP_HW);
	*left = NAN;
	for (t = 0; t < 20000; t += c->dt) {
		double air = 22.0 +
		    (t > c->t_ramp ? (t - c->t_ramp) * c->rate : 0.0);
		int64_t ms = (int64_t)llround(t * 1000) + 1;

		if (t >= c->t_freeze && isnan(frozen))
			frozen = sample(r, air, 0.2, false);
		feed1(e, in, ms,
		    isnan(frozen) ? sample(r, air, 0.2, false) : frozen);
		feed1(e, cpu, ms, sample(r, air + c->d_cpu, 0.8, false));
		feed1(e, exh, ms, sample(r, air + c->d_exh, 0.3, false));
		if (c->peers > 0 && fmod(t, 10.0) < c->dt) {
			int i;

			for (i = 0; i < c->peers; i++) {
				struct eng_peer p = { .tier = 1,
					.inlet_c = air + i - c->peers / 2.0,
					.slope_c_per_s = t > c->t_ramp + 120
					    ? c->rate
					    : 0.0,
					.state = ENG_STATE_OK,
					.t_ms = ms };

				snprintf(p.host, sizeof(p.host), "peer%d", i);
				eng_peer_update(e, &p);
			}
		}
		eng_evaluate(e, ms, &out);
		if (out.state == ENG_STATE_CRITICAL) {
			*left = (trip - air) / c->rate;
			break;
		}
		if (air >= trip)
			break;
	}
	eng_free(e);
	return frozen;
}

static void
test_frozen_inlet_never_hides(void **state)
{
	struct rng r = { seed ^ 0xa3 };
	double least = INFINITY;
	int round;

	(void)state;
	for (round = 0; round < 120; round++) {
		struct room_case c;
		double left, t_warn;

		c.rate = rng_range(&r, 0.3, 3.0) / 60.0;
		c.t_ramp = rng_range(&r, 600, 1200);
		c.d_cpu = rng_range(&r, 20, 45);
		c.d_exh = rng_range(&r, 5, 15);
		c.dt = pick_interval(&r) * 2;
		c.peers = round % 3 == 0 ? 0 : 3 + (int)(rng_next(&r) % 20);
		/* frozen before the ramp, or during it up to the warn level
		 * (35 C) */
		t_warn = c.t_ramp + (35.0 - 22.0) / c.rate;
		c.t_freeze = rng_range(&r, c.t_ramp - 300, t_warn);
		run_room(&r, &c, &left);
		if (!(left > 0))
			print_message("%.2f C/min frozen at +%.0f s, cpu +%.0f "
				      "exhaust +%.0f, %d peers: left %.0f s\n",
			    c.rate * 60, c.t_freeze - c.t_ramp, c.d_cpu,
			    c.d_exh, c.peers, left);
		assert_true(left > 0);
		if (left < least)
			least = left;
	}
	print_message("frozen inlets: shut down at least %.0f s before "
		      "trip\n",
	    least);
}

/*
 * A hole in the readings restarts the median filter, so the first sample
 * after it is taken unfiltered: a one-sample spike there (any hole of 3 to
 * 60 s, any interval, any spike the validation lets through, up to the
 * class's highest valid value) is still nothing: never hot, never
 * critical.
 */
static void
test_spike_after_hole(void **state)
{
	struct rng r = { seed ^ 0xa3 };
	int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		enum eng_class cls = (enum eng_class)(round % ENG_CLASS_COUNT);
		struct eng_conf conf;
		const struct eng_class_conf *cc;
		struct eng_output out;
		struct eng *e;
		double dt = pick_interval(&r), hole = rng_range(&r, 3, 60);
		double noise = rng_range(&r, 0, 0.3), base, spike, t = 0;
		bool quant = rng_next(&r) % 3 == 0;
		int s, k;

		eng_conf_defaults(&conf);
		cc = &conf.cls[cls];
		base = rng_range(
		    &r, cc->trip_c - 40, cc->trip_c - cc->warn.margin_c - 2);
		spike = rng_range(&r, base + 5, cc->max_valid_c);
		e = eng_create(&conf);
		s = eng_sensor_add(e, "x", cls, cc->trip_c, ENG_TRIP_HW);
		for (k = 0;; k++) {
			double v = sample(&r, base, noise, quant);

			if (t >= 300 && t < 300 + hole) {
				t += dt;
				continue;
			}
			if (t >= 300 + hole && t < 300 + hole + dt)
				v = spike;
			feed1(e, s, (int64_t)llround(t * 1000) + 1, v);
			eng_evaluate(e, (int64_t)llround(t * 1000) + 1, &out);
			if (out.state >= ENG_STATE_HOT)
				print_message(
				    "round %d: %s %.1f C every %.2f s, "
				    "hole %.1f s, spike %.1f C: %s\n",
				    round, eng_class_name(cls), base, dt, hole,
				    spike, out.reason);
			assert_true(out.state < ENG_STATE_HOT);
			t += dt;
			if (t > 300 + hole + 600)
				break;
		}
		eng_free(e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ramps),
		cmocka_unit_test(test_load_steps),
		cmocka_unit_test(test_frozen_inlet_never_hides),
		cmocka_unit_test(test_spike_after_hole),
	};

	(void)level_of;
	seed = test_seed("engine_evidence");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
