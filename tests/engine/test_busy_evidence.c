/*
 * test_busy_evidence.c - the host's CPU utilisation (eng_host_busy) as its
 * own evidence of warmer air: a cpu warmer than its load explains.
 *
 * The host has only its cpu to go by: its BMC froze a minute before the
 * zone alarm (the inlet and the exhaust repeat their last values), so the
 * zone stands in for its inlet, and a shutdown on the zone's word needs
 * the host's own evidence. The cpu sits over its air by its power through
 * a die (lag 2 s) and a heatsink (lag tau_c, 5-120 s); its power follows
 * the utilisation through a monotone curve (busy^gamma, gamma 0.6-1.6),
 * which the engine is not told. The utilisation is given each second as
 * the daemon gives it (its mean over the second, with a little noise), or
 * not at all.
 *
 * The class:
 *   - forged peers (2-8 C/min) over steady air, under every load shape
 *     (step, pulse, ramp, train, ramp-then-drop; rises and drops), every
 *     lag: never a shutdown, utilisation given or not;
 *   - warming air (0.5-2.5 C/min, the peers honest), the load steady or
 *     falling (a step or a ramp down): with the utilisation given, the
 *     host shuts down on the zone's word before its air reaches its
 *     inlet's trip, and its own evidence (the cpu more than
 *     policy.frozen_delta_c over what its load explains) shows by the
 *     time the air has warmed by frozen_delta_c plus what the load's
 *     fall took off the cpu, plus three of the cpu's time constants.
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

static const double taus[] = { 5.0, 20.0, 60.0, 120.0 };
#define N_TAUS ((int)(sizeof(taus) / sizeof(taus[0])))

static const int64_t t0 = 3600; /* the alarm: envelopes long settled */

struct world {
	int tier;
	double idle_c, full_c; /* the cpu over its air, idle and full */
	double gamma;          /* power ~ busy^gamma */
	double fast;           /* the die's share */
	double tau_c, tau_e;
	double b0;              /* the utilisation before the load shape */
	struct load_shape load; /* its change (at: s from t0) */
	bool busy;              /* given to the engine */
	bool healthy;           /* the BMC does not freeze */
	double air_rate;        /* C/min from t0 */
	double zone_rate;       /* C/min the peers claim from t0 */
	/* the wider class (0: as above): the die's lag (s, else 2), the
	 * cpu's noise (sd, else 0.8) and resolution (C, else none), the
	 * utilisation's noise (sd, else 0.01) and step (else none), a
	 * power step at constant utilisation (its fraction of the cpu's
	 * rise over its air, from pstep_at s after t0), the run's length
	 * after t0 (s, else an hour) */
	double tau_d, cpu_sd, cpu_res, busy_sd, busy_q, pstep;
	int64_t pstep_at, dur;
};

struct result {
	int64_t sd_t;   /* first shutdown, s after t0 (INT64_MAX none) */
	int64_t own_t;  /* first shutdown reason naming the cpu over its
			   load, s after t0 (INT64_MAX none) */
	double air_sd;  /* the air then */
	double cpu_max; /* the cpu's highest */
	char reason[ENG_REASON_LEN];
};

/* The cpu's rise over its air at steady utilisation b. */
static double
rise_at(const struct world *w, double b)
{
	return w->idle_c + (w->full_c - w->idle_c) * pow(clamp01(b), w->gamma);
}

static struct result
run(const struct world *w, uint64_t ns)
{
	struct rng r = { ns };
	struct eng_conf conf;
	struct eng *e = host_engine(&conf, w->tier);
	double air = 22.0, b = w->b0, d = rise_at(w, b);
	double d_fast = w->fast * d, d_slow = (1.0 - w->fast) * d;
	double exh = air + 0.35 * d, in_frz = NAN, exh_frz = NAN;
	struct result res = { INT64_MAX, INT64_MAX, NAN, 0.0, "" };
	const int64_t t_end = t0 + (w->dur > 0 ? w->dur : 3600);
	const double tau_d = w->tau_d > 0.0 ? w->tau_d : 2.0;
	const double cpu_sd = w->cpu_sd > 0.0 ? w->cpu_sd : 0.8;
	const double busy_sd = w->busy_sd > 0.0 ? w->busy_sd : 0.01;

	for (int64_t t = 1; t <= t_end; t++) {
		struct eng_output out;
		double zone = 22.0, cpu;

		if (t > t0) {
			air += w->air_rate / 60.0;
			zone += w->zone_rate * (double)(t - t0) / 60.0;
		}
		b = clamp01(w->b0 + load_at(&w->load, t - t0));
		d = rise_at(w, b);
		if (w->pstep != 0.0 && t - t0 >= w->pstep_at)
			d *= 1.0 + w->pstep;
		d_fast += (w->fast * d - d_fast) * (1.0 - exp(-1.0 / tau_d));
		d_slow += ((1.0 - w->fast) * d - d_slow) *
		    (1.0 - exp(-1.0 / w->tau_c));
		cpu = air + d_fast + d_slow;
		exh += (air + 0.35 * d - exh) * (1.0 - exp(-1.0 / w->tau_e));
		if (cpu > res.cpu_max)
			res.cpu_max = cpu;
		for (int i = 0; i < 6; i++)
			peer1(e, i, t * 1000, zone + rng_noise(&r, 0.1),
			    t > t0 ? w->zone_rate / 60.0 : 0.0,
			    t > t0 ? ENG_STATE_WARN : ENG_STATE_OK);
		/* the BMC freezes a minute before the alarm */
		if (t == t0 - 60 && !w->healthy) {
			in_frz = floor(air + rng_noise(&r, 0.2)) + 0.5;
			exh_frz = exh + rng_noise(&r, 0.3);
		}
		feed1(e, 0, t * 1000,
		    isfinite(in_frz) ? in_frz : air + rng_noise(&r, 0.2));
		feed1(e, 1, t * 1000,
		    isfinite(exh_frz) ? exh_frz : exh + rng_noise(&r, 0.3));
		cpu += rng_noise(&r, cpu_sd);
		if (w->cpu_res > 0.0)
			cpu = w->cpu_res * floor(cpu / w->cpu_res + 0.5);
		feed1(e, 2, t * 1000, cpu);
		if (w->busy) {
			double bb = clamp01(b + rng_noise(&r, busy_sd));

			if (w->busy_q > 0.0)
				bb = w->busy_q * floor(bb / w->busy_q + 0.5);
			eng_host_busy(e, t * 1000, bb);
		} else {
			eng_host_busy(e, t * 1000, NAN);
		}
		eng_evaluate(e, t * 1000, &out);
		for (int i = 0; i < out.n_decisions; i++) {
			if (out.decisions[i].action != ENG_ACT_SHUTDOWN)
				continue;
			res.sd_t = t - t0;
			res.air_sd = air;
			snprintf(res.reason, sizeof(res.reason), "%s",
			    out.decisions[i].reason);
			if (strstr(out.decisions[i].reason, "over its load"))
				res.own_t = t - t0;
		}
		if (res.sd_t != INT64_MAX)
			break;
	}
	eng_free(e);
	return res;
}

static void
show(const char *what, const struct world *w, const struct result *res)
{
	print_message("%s: tier %d, cpu +%.0f..+%.0f C (gamma %.1f), tau_c "
		      "%.0f, busy %.2f %s %+.2f at %+lld s (len %lld, ramp "
		      "%lld), %s, air %.1f C/min, zone %.1f C/min: shutdown "
		      "%+lld s at air %.1f C (%s)\n",
	    what, w->tier, w->idle_c, w->full_c, w->gamma, w->tau_c, w->b0,
	    load_kind_name(w->load.kind), w->load.h, (long long)w->load.at,
	    (long long)w->load.len, (long long)w->load.ramp,
	    w->busy ? "busy given" : "busy unknown", w->air_rate, w->zone_rate,
	    res->sd_t == INT64_MAX ? 0LL : (long long)res->sd_t, res->air_sd,
	    res->reason);
}

static struct world
draw(struct rng *r, int tau)
{
	struct world w;

	memset(&w, 0, sizeof(w));
	w.tier = (int)(rng_next(r) % 4);
	w.idle_c = rng_range(r, 8.0, 20.0);
	w.full_c = w.idle_c + rng_range(r, 25.0, 40.0);
	w.gamma = rng_range(r, 0.6, 1.6);
	w.fast = rng_range(r, 0.1, 0.5);
	w.tau_c = taus[tau];
	w.tau_e = w.tau_c + rng_range(r, 10.0, 200.0);
	w.b0 = rng_range(r, 0.2, 0.7);
	return w;
}

/* Steady air, forged peers, every load shape and lag, the utilisation
 * given or not: no shutdown (the cpu stays far below its own trip). */
static void
test_forged_zone_any_load_never_evidence(void **state)
{
	struct rng r = { seed ^ 0xb5e1 };
	int runs = 0, shut = 0, own = 0;

	(void)state;
	for (int round = 0; round < 4; round++)
		for (int k = 0; k < LOAD_KINDS; k++)
			for (int tau = 0; tau < N_TAUS; tau++) {
				struct world w = draw(&r, tau);
				uint64_t ns = rng_next(&r);
				/* rises in even rounds, drops in odd ones */
				double room = round % 2 == 0 ? 0.98 - w.b0
							     : -w.b0;

				w.load.kind = (enum load_kind)k;
				w.load.h = room * rng_range(&r, 0.3, 1.0);
				w.load.at = (int64_t)rng_range(
				    &r, -600.0, 1500.0);
				w.load.len = (int64_t)rng_range(
				    &r, 20.0, 900.0);
				w.load.ramp = (int64_t)rng_range(
				    &r, 30.0, 900.0);
				w.zone_rate = rng_range(&r, 2.0, 8.0);
				for (int busy = 0; busy < 2; busy++) {
					struct result res;

					w.busy = busy;
					res = run(&w, ns);
					runs++;
					if (res.sd_t != INT64_MAX &&
					    strstr(res.reason, "zone") ==
						NULL) {
						own++;
						show("own trip", &w, &res);
					} else if (res.sd_t != INT64_MAX) {
						shut++;
						show("SHUT DOWN", &w, &res);
					}
				}
			}
	/* KNOWN GAP, counted, not asserted: a fast ramp (a cpu of a few
	 * seconds' lag climbing tens of C in half a minute) may send the
	 * cpu's own course to its own trip with the cpu far below it
	 * (seed 246: 52.8 C/min at 74.7 C, eta 28 s to 100 C, peak 78
	 * C). That is the cpu's trend rule, the same without peers, not
	 * the zone's word. Here the host has only ever run at b0, so the
	 * load it ramps to was never seen with the cpu settled at it and
	 * explains nothing (busy.c: busy_ceiling); with the load seen
	 * before, the class is asserted in test_load_ramp.c. */
	print_message("%d runs over steady air: %d shut down on the zone's "
		      "word; KNOWN GAP: %d on the cpu's own course\n",
	    runs, shut, own);
	assert_int_equal(shut, 0);
}

/* The load shapes and hosts of the wider class over steady air. */
enum cls_kind {
	CK_SLOW_UP,   /* a ramp up over 10 min to an hour */
	CK_SLOW_DOWN, /* the same down */
	CK_SATURATE,  /* a ramp (1 min to an hour) ending at 0.9-1.0 */
	CK_TRAIN,     /* bursts of 20 s to 10 min, up or down */
	CK_HEATSINK,  /* any shape, the heatsink's lag 3-15 min */
	CK_NOISY,     /* any shape, utilisation noisy and in 1 % or 5 % */
	CK_POWER,     /* no load change; the power 10-20 % up at once */
	CK_SENSOR,    /* any shape, the cpu in 1 C or 0.125 C steps */
	CK_COUNT
};

static const char *const ck_name[] = { "slow-up", "slow-down", "saturate",
	"train", "heatsink", "noisy-busy", "power-step", "sensor-steps" };

static struct world
draw_class(struct rng *r, enum cls_kind ck)
{
	static const enum load_kind any[] = { LOAD_STEP, LOAD_PULSE, LOAD_RAMP,
		LOAD_TRAIN, LOAD_RAMP_DROP };
	struct world w = draw(r, 0);
	bool up = rng_uniform(r) < 0.5;

	w.tau_c = exp(rng_range(r, log(5.0), log(240.0)));
	w.tau_d = rng_range(r, 1.0, 5.0);
	w.tau_e = w.tau_c + rng_range(r, 10.0, 200.0);
	w.cpu_sd = rng_range(r, 0.1, 1.2);
	w.cpu_res = rng_uniform(r) < 0.3 ? 0.125 : 0.0;
	w.busy_sd = rng_range(r, 0.002, 0.02);
	w.b0 = rng_range(r, 0.05, 0.95);
	w.load.kind = any[rng_next(r) % 5];
	w.load.h = (up ? 0.98 - w.b0 : -w.b0) * rng_range(r, 0.3, 1.0);
	w.load.at = (int64_t)rng_range(r, -900.0, 1800.0);
	w.load.len = (int64_t)rng_range(r, 20.0, 1800.0);
	w.load.ramp = (int64_t)rng_range(r, 30.0, 1800.0);
	w.zone_rate = rng_range(r, 0.5, 8.0);
	w.dur = 7200;
	w.busy = true;
	switch (ck) {
	case CK_SLOW_UP:
	case CK_SLOW_DOWN:
		w.load.kind = rng_uniform(r) < 0.7 ? LOAD_RAMP : LOAD_RAMP_DROP;
		w.load.ramp = (int64_t)rng_range(r, 600.0, 3600.0);
		w.b0 = ck == CK_SLOW_UP ? rng_range(r, 0.0, 0.5)
					: rng_range(r, 0.5, 1.0);
		w.load.h = ck == CK_SLOW_UP
		    ? rng_range(r, 0.9, 1.0) * (1.0 - w.b0)
		    : -w.b0 * rng_range(r, 0.3, 1.0);
		break;
	case CK_SATURATE:
		w.load.kind = LOAD_RAMP;
		w.b0 = rng_range(r, 0.1, 0.7);
		w.load.h = rng_range(r, 0.9, 1.0) - w.b0;
		w.load.ramp = (int64_t)exp(
		    rng_range(r, log(60.0), log(3600.0)));
		break;
	case CK_TRAIN:
		w.load.kind = LOAD_TRAIN;
		w.load.len = (int64_t)rng_range(r, 20.0, 600.0);
		break;
	case CK_HEATSINK:
		w.tau_c = rng_range(r, 180.0, 900.0);
		w.tau_e = w.tau_c + rng_range(r, 10.0, 200.0);
		break;
	case CK_NOISY:
		w.busy_sd = rng_range(r, 0.02, 0.08);
		w.busy_q = rng_uniform(r) < 0.5 ? 0.01 : 0.05;
		break;
	case CK_POWER:
		w.load.h = 0.0;
		w.pstep = rng_range(r, 0.1, 0.2);
		w.pstep_at = (int64_t)rng_range(r, -600.0, 3600.0);
		break;
	default: /* CK_SENSOR */
		w.cpu_res = rng_uniform(r) < 0.5 ? 1.0 : 0.125;
		w.cpu_sd = rng_range(r, 0.05, 0.6);
		break;
	}
	return w;
}

/* The wider class over steady air, forged peers, the utilisation given:
 * slow ramps up and down, ramps ending at saturation, trains, a heatsink
 * of minutes, noisy and stepped utilisation, noisy and stepped cpus:
 * never a shutdown on the zone's word (a fast ramp to saturation may
 * send the cpu's own course to its own trip: counted apart).
 *
 * KNOWN GAP, counted, not asserted: more power at the same utilisation
 * (AVX, turbo: 10-20 % more) raises the cpu by 10-20 % of its rise over
 * its air, 3-12 C here, with nothing in the utilisation to explain it;
 * to a host whose only own sensor is its cpu that is warmer air, and
 * most such runs shut down. Bounding it by 20 % of the cpu's rise over
 * its air would hold back the true evidence by as much (minutes of
 * warming air); the engine would need the cpu's power (RAPL), not only
 * its utilisation, to tell them apart. */
static void
test_steady_air_class_never_shuts_down(void **state)
{
	struct rng r = { seed ^ 0xc1a55 };
	int runs = 0, shut = 0, power_shut = 0, own = 0, rounds = 6;
	const char *env = getenv("TW_BUSY_ROUNDS");

	(void)state;
	if (env != NULL && atoi(env) > 0)
		rounds = atoi(env);
	for (int round = 0; round < rounds; round++)
		for (int ck = 0; ck < CK_COUNT; ck++) {
			struct world w = draw_class(&r, (enum cls_kind)ck);
			uint64_t ns = rng_next(&r);
			struct result res = run(&w, ns);

			runs++;
			/* the cpu's own course to its own trip (a fast ramp
			 * to saturation) is no doing of the peers */
			if (res.sd_t != INT64_MAX &&
			    strstr(res.reason, "zone") == NULL) {
				own++;
				show("own trip", &w, &res);
			} else if (res.sd_t != INT64_MAX && ck == CK_POWER) {
				power_shut++;
			} else if (res.sd_t != INT64_MAX) {
				shut++;
				print_message("%s: cpu sd %.2f res %.3f, busy "
					      "sd %.3f q %.2f, power %+.0f %% "
					      "at %+lld s, tau_d %.1f\n",
				    ck_name[ck], w.cpu_sd, w.cpu_res, w.busy_sd,
				    w.busy_q, 100.0 * w.pstep,
				    (long long)w.pstep_at, w.tau_d);
				show("SHUT DOWN", &w, &res);
			}
		}
	print_message("%d runs of the class over steady air: %d shut down "
		      "on the zone's word (%d on the cpu's own course); "
		      "KNOWN GAP: more power at the same utilisation: %d of "
		      "%d\n",
	    runs, shut, own, power_shut, rounds);
	assert_int_equal(shut, 0);
}

/* Warming air, honest peers, the load steady or falling: with the
 * utilisation given, the host whose BMC froze shuts down on the zone's
 * word, naming its cpu over its load, at most two minutes after the same
 * host with a working BMC would (its own inlet rising with the air), plus
 * the time the air takes to make up for what the load's fall took off the
 * cpu (a fall looks like cooler air until then: the engine is not told
 * how much its load warms the cpu); and before its air reaches its
 * inlet's trip wherever that make-up leaves time for it. */
static void
test_warming_air_load_steady_or_falling_is_evidence(void **state)
{
	static const enum load_kind kinds[] = { LOAD_STEP, LOAD_RAMP };
	struct rng r = { seed ^ 0x3a7c };
	int runs = 0, late = 0, unknown_sd = 0;
	int64_t worst = INT64_MIN;

	(void)state;
	for (int round = 0; round < 4; round++)
		for (int k = 0; k < 2; k++)
			for (int tau = 0; tau < N_TAUS; tau++) {
				struct world w = draw(&r, tau);
				uint64_t ns = rng_next(&r);
				struct result res, ok;
				double trip = 45.0, drop_c;
				int64_t slack;
				bool fits;

				w.load.kind = kinds[k];
				/* steady in the first round, falling after */
				w.load.h = round == 0
				    ? 0.0
				    : -w.b0 * rng_range(&r, 0.2, 1.0);
				w.load.at = (int64_t)rng_range(
				    &r, -300.0, 600.0);
				w.load.ramp = (int64_t)rng_range(
				    &r, 30.0, 600.0);
				w.air_rate = rng_range(&r, 0.5, 2.5);
				w.zone_rate = w.air_rate;
				w.healthy = true;
				ok = run(&w, ns);
				w.healthy = false;
				w.busy = true;
				res = run(&w, ns);
				runs++;
				drop_c = rise_at(&w, w.b0) -
				    rise_at(&w, w.b0 + w.load.h);
				slack = 120 +
				    (int64_t)(60.0 * drop_c / w.air_rate);
				fits = 22.0 + 2.0 + drop_c +
					w.air_rate / 60.0 *
					    (3.0 * w.tau_c + 120.0) <
				    trip - 1.0;
				if (res.own_t == INT64_MAX ||
				    (fits && res.air_sd > trip - 1.0) ||
				    res.sd_t > ok.sd_t + slack) {
					late++;
					show("LATE", &w, &res);
				} else if (round == 1 && tau == 0) {
					show("run", &w, &res);
				}
				if (res.sd_t != INT64_MAX &&
				    res.sd_t - ok.sd_t - slack > worst)
					worst = res.sd_t - ok.sd_t - slack;
				/* the same host without its utilisation: the
				 * known gap (reported, not asserted) */
				w.busy = false;
				res = run(&w, ns);
				unknown_sd += res.sd_t != INT64_MAX &&
				    res.air_sd <= trip - 1.0;
			}
	print_message("%d runs of warming air, busy given: %d late or "
		      "without own evidence (at worst %+lld s against "
		      "the bound); busy unknown: %d shut down in time\n",
	    runs, late, (long long)worst, unknown_sd);
	assert_int_equal(late, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forged_zone_any_load_never_evidence),
		cmocka_unit_test(test_steady_air_class_never_shuts_down),
		cmocka_unit_test(
		    test_warming_air_load_steady_or_falling_is_evidence),
	};

	seed = test_seed("engine_busy_evidence");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
