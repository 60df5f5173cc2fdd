/*
 * test_zone_lead.c - the zone's slope may bring a trusted sensor's warn
 * and migrate forward; its shutdown only where the sensor rises with the
 * air (an inlet, or a cpu or exhaust with the host's own evidence of
 * warmer air), never for a cpu or exhaust that rises from load.
 *
 * The attack: forged peer summaries claim a fast zone rise, the host's
 * inlet is trusted and steady, and an ordinary load (a step, a ramp, a
 * pulse, a train of pulses) makes its cpu and exhaust rise. Each run is
 * paired with the same host, the same noise, without peers: the peers
 * must not bring a shutdown forward. The control: the room really warms,
 * the host's inlet, exhaust and cpu rise with it, and the same peers
 * (a little ahead of it, as hosts nearer the failure are) still bring
 * the shutdown forward.
 *
 * The host: power p(t) heats the cpu rc C/W over its air through one lag
 * (tau_c) and the exhaust re C/W over it through a longer one (tau_e:
 * the heat reaches the air through the heatsink); the inlet reads the
 * air through a short lag (tau_i).
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

/* the shapes drawn, in the order drawn */
static const enum load_kind kinds[] = { LOAD_STEP, LOAD_RAMP, LOAD_PULSE,
	LOAD_TRAIN };
#define N_KINDS ((int)(sizeof(kinds) / sizeof(kinds[0])))

/* One run's world: the host and what happens to it, from t0 (the alarm's
 * start, seconds). */
struct world {
	int tier;
	double p0;     /* W: idle */
	double rc, re; /* C/W: cpu and exhaust over the air, settled */
	double tau_c, tau_e, tau_i;
	/* the load: its height (W) over p0, its start (s from t0), hold
	 * and rise */
	struct load_shape load;
	bool busy;        /* the host's utilisation is given to the engine */
	double zone_rate; /* C/min the peers claim, from t0 */
	double air_rate;  /* C/min the air really warms (control) */
	int64_t t_end;    /* s after t0 */
};

struct result {
	int64_t sd_t;    /* first shutdown, s after t0; INT64_MAX none */
	char code[32];   /* its decision code */
	double cpu_max;  /* the cpu's highest true value before it */
	double own_head; /* its cpu's and exhaust's least headroom then */
	bool migrated;   /* a migrate decision came first */
};

static const int64_t t0 = 2 * 3600; /* rho long learnt */

static double
load_w(const struct world *w, int64_t t)
{
	return load_at(&w->load, t - t0);
}

/* The utilisation that goes with the load: 20 % at p0, 90 % at the
 * load's height (linear in the power: any monotone relation would do). */
static double
busy_of(const struct world *w, double load)
{
	return 0.2 + 0.7 * (w->load.h > 0.0 ? load / w->load.h : 0.0);
}

/* Roughly normal, standard deviation sd. */
static double
gauss(struct rng *r, double sd)
{
	double u = 0.0;

	for (int i = 0; i < 4; i++)
		u += rng_uniform(r);
	return (u - 2.0) * sd * 1.7320508;
}

static double
lag(double y, double target, double tau)
{
	return y + (target - y) * (1.0 - exp(-1.0 / tau));
}

static struct result
run(const struct world *w, uint64_t noise_seed, bool peers)
{
	/* the host's noise alike with and without peers */
	struct rng r = { noise_seed }, rp = { noise_seed ^ 0x9e1 };
	struct eng_conf conf;
	struct eng *e = host_engine(&conf, w->tier);
	double air = 22.0, p = w->p0;
	double cpu = air + w->rc * p, exh = air + w->re * p, in = air;
	struct result res = { INT64_MAX, "", cpu, INFINITY, false };

	for (int64_t t = 1; t <= t0 + w->t_end; t++) {
		struct eng_output out;
		double zone = 22.0;

		if (t > t0) {
			air += w->air_rate / 60.0;
			zone += w->zone_rate * (double)(t - t0) / 60.0;
		}
		p = w->p0 + load_w(w, t);
		eng_host_busy(
		    e, t * 1000, w->busy ? busy_of(w, p - w->p0) : NAN);
		cpu = lag(cpu, air + w->rc * p, w->tau_c);
		exh = lag(exh, air + w->re * p, w->tau_e);
		in = lag(in, air, w->tau_i);
		for (int i = 0; peers && i < 6; i++)
			peer1(e, i, t * 1000, zone + gauss(&rp, 0.1),
			    t > t0 ? w->zone_rate / 60.0 : 0.0,
			    t > t0 ? ENG_STATE_WARN : ENG_STATE_OK);
		feed1(e, 0, t * 1000, in + gauss(&r, 0.15));
		feed1(e, 1, t * 1000, exh + gauss(&r, 0.3));
		feed1(e, 2, t * 1000, cpu + gauss(&r, 0.8));
		eng_evaluate(e, t * 1000, &out);
		if (cpu > res.cpu_max)
			res.cpu_max = cpu;
		for (int i = 0; i < out.n_decisions; i++) {
			res.migrated |= out.decisions[i].action ==
			    ENG_ACT_MIGRATE;
			if (out.decisions[i].action != ENG_ACT_SHUTDOWN)
				continue;
			res.sd_t = t - t0;
			snprintf(res.code, sizeof(res.code), "%s",
			    out.decisions[i].code);
			res.own_head = fmin(
			    conf.cls[ENG_CLASS_CPU].trip_c - cpu,
			    conf.cls[ENG_CLASS_EXHAUST].trip_c - exh);
		}
		if (res.sd_t != INT64_MAX)
			break;
	}
	eng_free(e);
	return res;
}

/* "+123 s", "never" */
static const char *
when(char *buf, size_t len, int64_t t)
{
	if (t == INT64_MAX)
		snprintf(buf, len, "never");
	else
		snprintf(buf, len, "%+lld s", (long long)t);
	return buf;
}

static void
show(const char *what, const struct world *w, const struct result *a,
    const struct result *b)
{
	char ta[32], tb[32];

	print_message("%s: tier %d, %s of %.0f W over %.0f at %+lld s (len "
		      "%lld, ramp %lld), busy %s, rc %.2f re %.3f tau_c %.0f "
		      "tau_e %.0f, zone %.1f C/min, air %.1f C/min: alone %s, "
		      "peers %s (%s, cpu max %.1f C, own headroom %.1f C)\n",
	    what, w->tier, load_kind_name(w->load.kind), w->load.h, w->p0,
	    (long long)w->load.at, (long long)w->load.len,
	    (long long)w->load.ramp, w->busy ? "given" : "unknown", w->rc,
	    w->re, w->tau_c, w->tau_e, w->zone_rate, w->air_rate,
	    when(ta, sizeof(ta), a->sd_t), when(tb, sizeof(tb), b->sd_t),
	    b->code, b->cpu_max, b->own_head);
}

/* A host drawn at random: idle cpu 35-55 C, its load taking it to
 * 70-85 C (far below its trip, 100 C, less its shutdown margin). */
static struct world
draw(struct rng *r, int round)
{
	struct world w;
	double peak = rng_range(r, 70.0, 85.0);

	memset(&w, 0, sizeof(w));
	w.tier = round % 4;
	w.load.kind = kinds[round / 4 % N_KINDS];
	w.rc = rng_range(r, 0.08, 0.2);
	w.re = w.rc * rng_range(r, 0.2, 0.45);
	w.p0 = rng_range(r, 13.0, 33.0) / w.rc;
	w.load.h = (peak - 22.0) / w.rc - w.p0;
	w.tau_c = rng_range(r, 10.0, 120.0);
	w.tau_e = w.tau_c + rng_range(r, 10.0, 200.0);
	w.tau_i = rng_range(r, 5.0, 60.0);
	w.load.at = (int64_t)rng_range(r, -600.0, 1200.0);
	w.load.len = (int64_t)rng_range(r, 30.0, 900.0);
	w.load.ramp = (int64_t)rng_range(r, 30.0, 900.0);
	w.t_end = 3600;
	return w;
}

/* Forged zone alarm, a trusted steady inlet, load shapes on tiers 0-3:
 * the peers bring no shutdown forward, with or without the host's
 * utilisation given to the engine (given, it follows the load: a real
 * burst under a forged alarm). Their claimed rise (2-8 C/min) puts the
 * cpu's zone eta (its headroom over the zone's slope) well inside its
 * shutdown lead at 70-85 C. */
static void
test_forged_zone_load_no_earlier_shutdown(void **state)
{
	struct rng r = { seed ^ 0x2e1d };
	int rounds = 48, earlier = 0, alone_sd = 0, migrated = 0;

	(void)state;
	for (int round = 0; round < rounds; round++) {
		struct world w = draw(&r, round);
		uint64_t ns = rng_next(&r);
		struct result a, b;

		w.zone_rate = rng_range(&r, 2.0, 8.0);
		for (int busy = 0; busy < 2; busy++) {
			w.busy = busy;
			a = run(&w, ns, false);
			b = run(&w, ns, true);
			alone_sd += a.sd_t != INT64_MAX;
			migrated += b.migrated;
			if (b.sd_t < a.sd_t) {
				earlier++;
				show("EARLIER", &w, &a, &b);
			} else if (round < 2) {
				show("run", &w, &a, &b);
			}
		}
	}
	print_message("%d runs: the peers brought %d shutdowns forward (%d "
		      "shut down without peers), migrated in %d\n",
	    2 * rounds, earlier, alone_sd, migrated);
	assert_int_equal(earlier, 0);
	/* the attack is real: the peers' word did move the host */
	assert_true(migrated * 4 >= 2 * rounds * 3);
}

/* The room really warms (0.8-2 C/min), the host's inlet, exhaust and cpu
 * rise with it, its load steady, and the peers are half a degree a
 * minute ahead of it: the zone's eta still brings the shutdown forward,
 * on the zone's word, with or without the host's utilisation given. */
static void
test_real_warming_zone_shuts_down_earlier(void **state)
{
	struct rng r = { seed ^ 0x77a3 };
	int rounds = 16, earlier = 0, zone = 0;

	(void)state;
	for (int round = 0; round < rounds; round++) {
		struct world w = draw(&r, round);
		uint64_t ns = rng_next(&r);
		struct result a, b;

		w.load.h = 0.0; /* its own load steady: the room alone warms
				   it */
		w.air_rate = rng_range(&r, 0.8, 2.0);
		w.zone_rate = w.air_rate * 1.5;
		w.t_end = 4 * 3600;
		w.busy = round % 2;
		a = run(&w, ns, false);
		b = run(&w, ns, true);
		if (round < 4 || !(b.sd_t < a.sd_t))
			show(b.sd_t < a.sd_t ? "run" : "NOT EARLIER", &w, &a,
			    &b);
		/* both shut down: the room does reach the trips */
		assert_true(a.sd_t != INT64_MAX);
		assert_true(b.sd_t != INT64_MAX);
		earlier += b.sd_t < a.sd_t;
		zone += strcmp(b.code, "shutdown.zone") == 0;
	}
	print_message("%d runs: the peers brought %d shutdowns forward, %d "
		      "on the zone's eta\n",
	    rounds, earlier, zone);
	assert_int_equal(earlier, rounds);
	/* most on the zone's eta itself (the rest on a tier's wider
	 * margin, which the zone's alarm brings too) */
	assert_true(zone * 4 >= rounds * 3);
}

/*
 * A hot spot of a zone: the host's air warms at 0.4-0.8 C/min while the
 * zone's median inlet creeps at 0.1-0.2 C/min, and its inlet freezes at
 * 22 C as the warming begins (tiers 0-3, steady load). Found frozen
 * against the zone, the inlet takes the zone's substitute, which moves
 * with the zone's median, not with this host's air (on 0e2d8bc: 18.6-19.8
 * C under the air when that reaches the inlet's trip, TW_SEED 1-3). Where
 * the host's own cpu and exhaust say the air is warmer, the substitute
 * follows them: it reads within 8 C of the air (4.2-5.3 C at seeds 1-8:
 * the model's lag behind the ramp). A host whose air is the zone's, its
 * load stepping by up to 30 % either way, is not read warmer than its
 * air by more than 2.5 C (the model's overshoot in a load change's lag:
 * 0.2-1.6 C at 78 of 80 seeds, 2.0 at seeds 53 and 54 and one other: a
 * load drop of 26 % with an exhaust of tau 226 s, 206 s after it, the
 * cpu - exhaust gap shrinking faster than the exhaust falls. KNOWN GAP:
 * the model is held off for a trend window after a load change, not
 * until the exhaust has settled).
 */
static void
hot_spot_run(struct rng *r, bool hot, double *under, double *over)
{
	struct eng_conf conf;
	int tier = (int)(rng_next(r) % 4);
	struct eng *e = host_engine(&conf, tier);
	double rc = rng_range(r, 0.08, 0.2), re = rc * rng_range(r, 0.2, 0.45);
	double p0 = rng_range(r, 15.0, 35.0) / rc, p = p0;
	double tau_c = rng_range(r, 10.0, 120.0);
	double tau_e = tau_c + rng_range(r, 10.0, 200.0);
	double zrate = rng_range(r, 0.1, 0.2);
	double arate = hot ? rng_range(r, 0.4, 0.8) : zrate;
	/* the hot spot's load steady (a load change holds the model off
	 * for a trend window); the other's steps by up to 30 % */
	double step = hot ? 0.0 : rng_range(r, -0.3, 0.3);
	int64_t t_step = (int64_t)rng_range(r, 1200.0, 2400.0);
	double air = 22.0, cpu = air + rc * p, exh = air + re * p;
	double trip = conf.cls[ENG_CLASS_INLET].trip_c;
	struct rng rp = { rng_next(r) };

	*under = *over = 0.0;
	for (int64_t t = 1; t <= t0 + 3 * 3600 && air < trip; t++) {
		struct eng_output out;
		struct eng_sensor_view v;
		double zone = 22.0;

		if (t > t0) {
			air += arate / 60.0;
			zone += zrate * (double)(t - t0) / 60.0;
		}
		if (t == t0 + t_step)
			p = p0 * (1.0 + step);
		cpu = lag(cpu, air + rc * p, tau_c);
		exh = lag(exh, air + re * p, tau_e);
		for (int i = 0; i < 6; i++)
			peer1(e, i, t * 1000, zone + gauss(&rp, 0.1),
			    t > t0 ? zrate / 60.0 : 0.0, ENG_STATE_OK);
		feed1(e, 0, t * 1000, t >= t0 ? 22.0 : air + gauss(r, 0.15));
		feed1(e, 1, t * 1000, exh + gauss(r, 0.3));
		feed1(e, 2, t * 1000, cpu + gauss(r, 0.8));
		eng_evaluate(e, t * 1000, &out);
		eng_sensor_view(e, 0, &v);
		if (!v.extrapolated)
			continue;
		*under = air - v.value_used_c;
		if (v.value_used_c - air > *over)
			*over = v.value_used_c - air;
	}
	eng_free(e);
}

static void
test_hot_spot_substitute_follows_own_air(void **state)
{
	struct rng r = { seed ^ 0x5b07 };
	double worst_under = -INFINITY, worst_over = 0.0;
	int rounds = 12;

	(void)state;
	for (int round = 0; round < rounds; round++) {
		double under, over;

		hot_spot_run(&r, true, &under, &over);
		worst_under = fmax(worst_under, under);
		worst_over = fmax(worst_over, over);
		hot_spot_run(&r, false, &under, &over);
		worst_over = fmax(worst_over, over);
	}
	print_message("hot spots: substitute at most %.1f C under the air at "
		      "trip; at most %.1f C over the air\n",
	    worst_under, worst_over);
	assert_true(worst_under < 8.0);
	assert_true(worst_over < 2.5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forged_zone_load_no_earlier_shutdown),
		cmocka_unit_test(test_real_warming_zone_shuts_down_earlier),
		cmocka_unit_test(test_hot_spot_substitute_follows_own_air),
	};

	seed = test_seed("engine_zone_lead");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
