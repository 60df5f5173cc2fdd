/*
 * test_stuck_step.c - an inlet that steps further than air can (beyond its
 * class's max_rate_c_per_s, confirmed by the sample after it) while the
 * host's own cpu and exhaust do not follow is the sensor's doing: it is
 * not trusted (its substitute stands in) until they follow it or the
 * reading comes back. The class, over a randomised grid (TW_SEED):
 *
 *   - stuck: the inlet sticks at a value 8-20 C cooler than the air
 *     (beyond the class's rate over two samples), before, at or after a
 *     cooling failure (the air ramps 0.5-3 C/min from 15 min in) or in a
 *     calm room; whole-degree or fine; every 0.5-2 s; a host with or
 *     without an exhaust, with or without peers. It is never trusted
 *     again while it reads the stuck value (the air does not cool); a
 *     host that can be protected (peers, and an exhaust for the own
 *     evidence a shutdown on them needs) is shut down before the air
 *     reaches trip; in a calm room it neither migrates nor shuts down.
 *     (A warmer step is left alone: a cooling loss steps an inlet up
 *     faster than the class's rate.)
 *   - a real step (the air itself jumps 4-15 C up or down, the cpu and the
 *     exhaust following through their time constants) is believed again
 *     once they have moved their time constants' share of
 *     policy.frozen_delta_c; a drop makes no action (a rise of 6-11 C
 *     at once reads as a steep one, that the engine acted on before this
 *     rule as it does now).
 *   - a cooler glitch of 2-20 samples that comes back makes no action,
 *     and the inlet is trusted again within a few samples of its return
 *     (a warmer one is trusted as it was before this rule).
 *
 * The code before this rule failed the first (a stuck inlet trusted at its
 * value until the frozen check found it out, and never in a calm room,
 * where a warm one shut the host down).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "harness.h"

static uint64_t seed;

enum { IN, CPU, EXH };

/* A host in a room: the air, the cpu and the exhaust over it through
 * their time constants, peers that see the same air. */
struct host {
	struct eng_conf conf;
	struct eng *e;
	int idx[3];   /* sensor indexes (-1: none) */
	double d_cpu; /* settled cpu and exhaust over the air */
	double d_exh;
	double tau_c; /* their time constants, s */
	double tau_e;
	double cpu, exh; /* the true values */
	double dt;       /* the sample interval, s */
	bool quant;      /* whole-degree sensors */
	int peers;
	int shutdowns, migrates;
	bool critical;
	/* what the reasons said of an untrusted inlet: a step its own
	 * evidence does not follow, or above its exhaust and cpu */
	bool said_step, said_above;
	double last_peer_t;
};

static void
host_init(struct host *h, struct rng *r, bool exhaust, int peers)
{
	static const double dts[] = { 0.5, 1.0, 1.0, 2.0 };

	memset(h, 0, sizeof(*h));
	eng_conf_defaults(&h->conf);
	snprintf(h->conf.host, sizeof(h->conf.host), "me");
	h->e = eng_create(&h->conf);
	assert_non_null(h->e);
	h->idx[IN] = eng_sensor_add(h->e, "bmc/inlet", ENG_CLASS_INLET,
	    h->conf.cls[ENG_CLASS_INLET].trip_c, ENG_TRIP_HW);
	h->idx[CPU] = eng_sensor_add(h->e, "coretemp/pkg", ENG_CLASS_CPU,
	    h->conf.cls[ENG_CLASS_CPU].trip_c, ENG_TRIP_HW);
	h->idx[EXH] = exhaust
	    ? eng_sensor_add(h->e, "bmc/exhaust", ENG_CLASS_EXHAUST,
		  h->conf.cls[ENG_CLASS_EXHAUST].trip_c, ENG_TRIP_HW)
	    : -1;
	h->d_cpu = rng_range(r, 20, 40);
	h->d_exh = rng_range(r, 5, 15);
	h->tau_c = rng_range(r, 10, 60);
	h->tau_e = rng_range(r, 30, 180);
	h->dt = dts[rng_next(r) % 4];
	h->quant = rng_next(r) % 3 == 0;
	h->peers = peers;
	h->last_peer_t = -1e9;
	h->cpu = NAN;
}

static double
reading(struct rng *r, const struct host *h, double v, double noise)
{
	v += noise * rng_range(r, -1.0, 1.0);
	return h->quant ? floor(v) : v;
}

/* One sample interval at time t (s): the host's air, what its inlet
 * reads (NAN: the air, with noise), the air's slope for the peers. */
static void
host_step(struct host *h, struct rng *r, double t, double air, double inlet,
    double slope)
{
	int64_t ms = (int64_t)llround(t * 1000.0) + 1;
	struct eng_output out;
	int i;

	if (isnan(h->cpu)) {
		h->cpu = air + h->d_cpu;
		h->exh = air + h->d_exh;
	}
	h->cpu += (air + h->d_cpu - h->cpu) * (1.0 - exp(-h->dt / h->tau_c));
	h->exh += (air + h->d_exh - h->exh) * (1.0 - exp(-h->dt / h->tau_e));
	if (h->peers > 0 && t - h->last_peer_t >= 5.0) {
		h->last_peer_t = t;
		for (i = 0; i < h->peers; i++)
			peer1(h->e, i, ms, air + 0.3 * (i - h->peers / 2),
			    slope, ENG_STATE_OK);
	}
	feed1(h->e, h->idx[IN], ms,
	    isnan(inlet) ? reading(r, h, air, 0.2) : inlet);
	feed1(h->e, h->idx[CPU], ms, reading(r, h, h->cpu, 1.0));
	if (h->idx[EXH] >= 0)
		feed1(h->e, h->idx[EXH], ms, reading(r, h, h->exh, 0.4));
	eng_evaluate(h->e, ms, &out);
	for (i = 0; i < out.n_decisions; i++) {
		h->shutdowns += out.decisions[i].action == ENG_ACT_SHUTDOWN;
		h->migrates += out.decisions[i].action == ENG_ACT_MIGRATE;
	}
	h->critical = h->critical || out.state == ENG_STATE_CRITICAL;
	h->said_step = h->said_step ||
	    strstr(out.reason,
		"a step down its cpu and exhaust do not "
		"follow") != NULL;
	h->said_above = h->said_above ||
	    strstr(out.reason, "above its exhaust and cpu") != NULL;
}

static bool
inlet_trusted(const struct host *h)
{
	struct eng_sensor_view v;

	eng_sensor_view(h->e, h->idx[IN], &v);
	return v.status == ENG_SENSOR_VALID && !v.frozen && !v.implausible;
}

enum onset { ON_BEFORE, ON_AT, ON_AFTER, ON_CALM, ON_COUNT };
static const char *const onset_name[ON_COUNT] = { "before", "at", "after",
	"calm" };

/* The air: 22 C plus the host's spot, a failure at t_fail (none in a
 * calm room) from which it rises at rate C/s. */
static double
air_at(double t, double base, double t_fail, double rate)
{
	return base + (t > t_fail ? (t - t_fail) * rate : 0.0);
}

static void
test_stuck_inlet_not_trusted(void **state)
{
	struct rng r = { seed ^ 0x57c };
	int round, untrusted_evals = 0, said_step = 0;
	double least = INFINITY;

	(void)state;
	for (round = 0; round < 160; round++) {
		enum onset on = (enum onset)(round % ON_COUNT);
		bool exhaust = (round / ON_COUNT) % 2 == 0;
		int peers = round % 3 == 0 ? 0 : 3 + (int)(rng_next(&r) % 12);
		struct host h;
		double base = 22.0 + rng_range(&r, 0, 3);
		double rate = rng_range(&r, 0.5, 3.0) / 60.0;
		double t_fail = on == ON_CALM ? INFINITY : 900.0;
		double t_stick, off, stuck = NAN, t, t_conf = INFINITY;
		double trip, left = NAN, t_end;
		/* the zone's word in its place, and the host's own cpu,
		 * exhaust and model to back a shutdown on it (the model
		 * alone lags the air through the exhaust's time constant:
		 * that is no part of this rule, test_zone_lead's) */
		bool protectable = exhaust && peers > 0;

		host_init(&h, &r, exhaust, peers);
		trip = h.conf.cls[ENG_CLASS_INLET].trip_c;
		switch (on) {
		case ON_BEFORE:
			t_stick = 900.0 - rng_range(&r, 60, 600);
			break;
		case ON_AT:
			t_stick = 900.0;
			break;
		case ON_AFTER: /* up to where the air is 5 C from trip */
			t_stick = 900.0 +
			    rng_range(&r, 30, (trip - 5.0 - base) / rate);
			break;
		default:
			t_stick = rng_range(&r, 400, 900);
			break;
		}
		/* beyond the class's rate over two samples (the second
		 * confirms the first), always */
		off = rng_range(&r, 4.0 * fmax(h.dt, 1.0) + 4.0, 20.0);
		t_end = on == ON_CALM ? 2400.0 : 900.0 + (trip - base) / rate;
		for (t = 0.0; t < t_end; t += h.dt) {
			double air = air_at(t, base, t_fail, rate);
			double slope = t > t_fail ? rate : 0.0;

			if (t >= t_stick && isnan(stuck)) {
				stuck = air - off;
				if (h.quant)
					stuck = floor(stuck);
				/* confirmed at the next sample, judged at the
				 * evaluation after it */
				t_conf = t + 2.0 * h.dt;
			}
			host_step(&h, &r, t, air, stuck, slope);
			if (t >= t_conf) {
				/* the air never cools here */
				if (inlet_trusted(&h))
					print_message("round %d: %s, %s "
						      "exhaust, %d peers, "
						      "every %.1f s%s: stuck "
						      "at %.1f (air %.1f) "
						      "trusted at +%.0f s\n",
					    round, onset_name[on],
					    exhaust ? "an" : "no", peers, h.dt,
					    h.quant ? " whole" : "", stuck, air,
					    t - t_stick);
				assert_false(inlet_trusted(&h));
				untrusted_evals++;
			}
			if (h.critical && isnan(left))
				left = (trip - air) / (rate > 0 ? rate : 1);
		}
		if (on == ON_CALM) {
			if (h.migrates + h.shutdowns > 0)
				print_message("round %d: calm, stuck at %.1f: "
					      "%d migrates, %d shutdowns\n",
				    round, stuck, h.migrates, h.shutdowns);
			assert_int_equal(h.migrates + h.shutdowns, 0);
			assert_false(h.critical);
		} else if (protectable) {
			if (!(left > 0))
				print_message("round %d: %s, stuck at %.1f, %s "
					      "exhaust, %d peers, %.2f C/min: "
					      "not shut down before trip\n",
				    round, onset_name[on], stuck,
				    exhaust ? "an" : "no", peers, rate * 60);
			assert_true(left > 0);
			if (left < least)
				least = left;
		}
		/* the reason names the step, never "above its exhaust"
		 * (the stuck value is below the air) */
		assert_false(h.said_above);
		said_step += h.said_step;
		eng_free(h.e);
	}
	assert_true(untrusted_evals > 0);
	assert_true(said_step > 0);
	print_message("stuck inlets: shut down at least %.0f s before the "
		      "air's trip\n",
	    least);
}

/* The inlet reads the air after the step (its filtered value nearer the
 * new air than the old). */
static bool
at_new(const struct host *h, double after, double d)
{
	struct eng_sensor_view v;

	eng_sensor_view(h->e, h->idx[IN], &v);
	return fabs(v.filtered_c - after) < d / 2.0;
}

/* The air itself jumps (recirculation at a cooling loss, a cooler back):
 * the inlet is believed again once the host's cpu and exhaust have had
 * the time to move policy.frozen_delta_c (or half the step) its way;
 * in a calm room, nothing acts. */
static void
test_real_step_believed(void **state)
{
	struct rng r = { seed ^ 0x57d };
	int round;
	double worst = 0.0;

	(void)state;
	for (round = 0; round < 120; round++) {
		bool exhaust = round % 2 == 0;
		bool down = (round / 2) % 2 == 0;
		struct host h;
		double d = rng_range(&r, 4.0, 11.0), before, after, t;
		double t_step = rng_range(&r, 400, 800), need, bound;
		double t_believed = NAN;

		host_init(&h, &r, exhaust, round % 3 == 0 ? 0 : 8);
		/* beyond the class's rate over two samples */
		d = fmax(d, 4.0 * fmax(h.dt, 1.0) + 2.0);
		/* clear of the warn level (35 C) and its hysteresis */
		before = down ? 22.0 + d : 22.0;
		after = down ? 22.0 : 22.0 + d;
		need = fmin(h.conf.policy.frozen_delta_c, d / 2.0);
		/* the faster of the two to move need, its smoothing, the
		 * confirmation and the noise */
		bound = -fmin(h.tau_c, exhaust ? h.tau_e : INFINITY) *
			log(1.0 - need / d) +
		    30.0 + 4.0 * h.dt;
		for (t = 0.0; t < t_step + 900.0; t += h.dt) {
			double air = t < t_step ? before : after;

			host_step(&h, &r, t, air, NAN, 0.0);
			if (t > t_step && isnan(t_believed) &&
			    inlet_trusted(&h) && at_new(&h, after, d))
				t_believed = t - t_step;
		}
		if (!(t_believed <= bound))
			print_message("round %d: air %.1f -> %.1f, every %.1f "
				      "s, tau cpu %.0f exhaust %.0f%s: "
				      "believed after %.0f s (bound %.0f)\n",
			    round, before, after, h.dt, h.tau_c,
			    exhaust ? h.tau_e : 0.0, h.quant ? " whole" : "",
			    t_believed, bound);
		assert_true(t_believed <= bound);
		if (down && h.migrates + h.shutdowns > 0)
			print_message("round %d: air %.1f -> %.1f, %s exhaust, "
				      "every %.1f s: %d migrates, %d "
				      "shutdowns\n",
			    round, before, after, exhaust ? "an" : "no", h.dt,
			    h.migrates, h.shutdowns);
		/* a real rise of 6-11 C at once reads as a steep one: the
		 * engine may act on it, as it did before this rule */
		if (down) {
			assert_int_equal(h.migrates + h.shutdowns, 0);
			assert_false(h.critical);
		}
		if (t_believed > worst)
			worst = t_believed;
		eng_free(h.e);
	}
	print_message("real steps: believed within %.0f s\n", worst);
}

/* A cooler glitch beyond the class's rate that lasts 2-20 samples and
 * comes back: nothing acts, and the inlet is trusted again within a few
 * samples of its return. */
static void
test_glitch_returns(void **state)
{
	struct rng r = { seed ^ 0x57e };
	int round;

	(void)state;
	for (round = 0; round < 160; round++) {
		bool exhaust = round % 2 == 0;
		struct host h;
		double base = rng_range(&r, 20, 30), g, t, t0, t1;
		int n;

		host_init(&h, &r, exhaust, round % 3 == 0 ? 0 : 8);
		g = rng_range(&r, 4.0 * fmax(h.dt, 1.0) + 3.0, 35.0);
		g = -fmin(g, base + 5.0); /* cooler: the class */
		n = 2 + (int)(rng_next(&r) % 19);
		t0 = rng_range(&r, 400, 800);
		t1 = t0 + n * h.dt;
		for (t = 0.0; t < t1 + 600.0; t += h.dt) {
			double v = t >= t0 && t < t1 ? base + g : NAN;

			host_step(&h, &r, t, base, v, 0.0);
			/* back: the median's window, the confirmation of
			 * the jump back and an evaluation */
			if (t >= t1 + 5.0 * h.dt + 1.0) {
				if (!inlet_trusted(&h))
					print_message("round %d: %.1f %+.1f "
						      "for %d samples every "
						      "%.1f s: not trusted "
						      "%.0f s after\n",
					    round, base, g, n, h.dt, t - t1);
				assert_true(inlet_trusted(&h));
			}
		}
		assert_int_equal(h.migrates + h.shutdowns, 0);
		assert_false(h.critical);
		eng_free(h.e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stuck_inlet_not_trusted),
		cmocka_unit_test(test_real_step_believed),
		cmocka_unit_test(test_glitch_returns),
	};

	seed = test_seed("engine_stuck_step");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
