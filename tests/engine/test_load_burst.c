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
    const struct load_shape *b, enum inlet_kind ik, double zone_rate,
    bool peers, bool busy)
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
		double zone = 22.0, in, pw = h.p0 + load_at(b, t - t_alarm);

		host_step(&h, pw);
		/* the utilisation that goes with the power (in proportion:
		 * any monotone relation would do), 90 % at the burst's
		 * height */
		eng_host_busy(
		    e, t * 1000, busy ? 0.9 * pw / (h.p0 + b->h) : NAN);
		if (t >= t_alarm)
			zone += zone_rate * (double)(t - t_alarm) / 60.0;
		for (i = 0; i < (peers ? 8 : 0); i++) {
			struct eng_peer p;

			memset(&p, 0, sizeof(p));
			snprintf(p.host, sizeof(p.host), "peer-%d", i);
			p.tier = i % (ENG_MAX_TIER + 1);
			p.inlet_c = zone + rng_noise(r, 0.2);
			p.slope_c_per_s = t >= t_alarm ? zone_rate / 60.0 : 0.0;
			p.state = t < t_alarm ? ENG_STATE_OK
			    : zone > 30.0     ? ENG_STATE_HOT
					      : ENG_STATE_WARN;
			p.t_ms = t * 1000;
			eng_peer_update(e, &p);
		}
		in = h.air + rng_noise(r, 0.2);
		if (ik == IN_QUIET)
			in = floor(in + 0.5);
		else if (t >= t_alarm - 60)
			in = 22.0;
		feed1(e, 0, t * 1000, in);
		feed1(e, 1, t * 1000, h.exh + rng_noise(r, 0.4));
		feed1(e, 2, t * 1000,
		    h.air + h.d_fast + h.d_slow + rng_noise(r, 1.0));
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
	int trains = 0, train_shut = 0, busy_added = 0;

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
		struct load_shape b = {
			.kind = (enum load_kind)(round % LOAD_KINDS),
			.h = rng_range(&r, 30.0, 300.0),
			.at = starts[(round / LOAD_KINDS) % 6],
			.len = (int64_t)rng_range(&r, 20.0, 1200.0),
			.ramp = (int64_t)rng_range(&r, 30.0, 1800.0),
		};
		enum inlet_kind ik = (enum inlet_kind)((round / 2) % IN_COUNT);
		int tier = round % 4;
		/* slower than policy.frozen_delta_c a trend window (1 C/min):
		 * health.c asks no more of a faster forged rise than the
		 * cpu and exhaust rising with the model not falling */
		double rate = rng_range(&r, 0.05, 0.8);
		struct outcome o, alone, ob, alone_b;
		struct rng r0, rb, rb0;
		bool added;

		/* the heat reaches the exhaust air through the heatsink:
		 * the exhaust follows a load change no sooner than it */
		h.tau_e = h.tau_c + rng_range(&r, 0.0, 150.0);
		/* the cpu stays under its trip at the burst's height */
		if (h.air + h.rc * (h.p0 + b.h) > 80.0)
			b.h = (80.0 - h.air) / h.rc - h.p0;
		r0 = rb = rb0 = r;
		alone = forged_run(&r0, tier, &h, &b, ik, rate, false, false);
		o = forged_run(&r, tier, &h, &b, ik, rate, true, false);
		/* the same host, noise and burst, its utilisation given to
		 * the engine: it explains the burst, and adds no shutdown */
		alone_b = forged_run(&rb0, tier, &h, &b, ik, rate, false, true);
		ob = forged_run(&rb, tier, &h, &b, ik, rate, true, true);
		added = ob.shutdowns > alone_b.shutdowns &&
		    !(o.shutdowns > alone.shutdowns);
		busy_added += added;
		runs++;
		if ((o.shutdowns > 0 && alone.shutdowns == 0) || added ||
		    round < 8)
			print_message("tier %d, %s inlet, zone %.2f C/min; "
				      "%s of %.0f W over %.0f at %+lld s (len "
				      "%lld, ramp %lld), rc %.3f re %.3f "
				      "tau_c %.0f tau_e %.0f: %d shutdowns, "
				      "%d migrates; busy given: %d shutdowns\n",
			    tier, ik == IN_FROZEN ? "frozen" : "quiet", rate,
			    load_kind_name(b.kind), b.h, h.p0, (long long)b.at,
			    (long long)b.len, (long long)b.ramp, h.rc, h.re,
			    h.tau_c, h.tau_e, o.shutdowns, o.migrates,
			    ob.shutdowns);
		/* its own cpu near its own trip may shut it down, as it
		 * would without peers; the peers add no shutdown */
		if (b.kind == LOAD_TRAIN) {
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
	print_message("utilisation given: %d runs shut down that did not "
		      "without it\n",
	    busy_added);
	/* the host's utilisation explains the burst: it brings no
	 * shutdown the same run did not have without it */
	assert_int_equal(busy_added, 0);
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
	 * peers brought migration, in most runs (the inlet found out in
	 * 120 to 143 of 160 over 25 seeds) */
	assert_true(found > runs * 2 / 3);
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
