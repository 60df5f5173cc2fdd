/*
 * test_engine_prop.c - seeded randomized property tests of the engine.
 *
 * Each test draws its cases from a PRNG seeded by test_seed() (printed;
 * TW_SEED=N replays a run). The properties are the contract's:
 *
 * - a flat signal with +-0.5 C noise and rare single-sample glitches over
 *   a simulated week never leaves ok and decides nothing;
 * - a single spike to 150 C causes nothing;
 * - (ramps, load steps and frozen sensors: test_evidence.c)
 * - the state only moves by the rules (persistence up, hysteresis and
 *   hold down, critical final);
 * - overrides stay inside their bounds and expire;
 * - the zone alarm follows the quorum rule exactly.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "harness.h"

static uint64_t seed;

static int
decisions_of(const struct eng_output *out)
{
	return out->n_decisions + out->n_suppressed;
}

/* One glitch of a kind seen in the field (FIELD.md item 1). */
static void
glitch(struct rng *r, struct eng_reading *rd)
{
	static const double bogus[] = { 150.0, 127.0, 0.0, -128.0, 255.0,
		3892314.0, -40.0, 110.0 };

	switch (rng_next(r) % 4) {
	case 0:
		rd->value_c = NAN;
		break;
	case 1:
		rd->quality = ENG_Q_UNAVAILABLE;
		break;
	default:
		rd->value_c =
		    bogus[rng_next(r) % (sizeof(bogus) / sizeof(bogus[0]))];
		break;
	}
}

static void
test_flat_week(void **state)
{
	static const struct {
		enum eng_class cls;
		double level;
	} sens[] = {
		{ ENG_CLASS_CPU, 55 },
		{ ENG_CLASS_CPU, 62 },
		{ ENG_CLASS_INLET, 24 },
		{ ENG_CLASS_EXHAUST, 38 },
		{ ENG_CLASS_OTHER, 45 },
		/* whole degrees, flickering between 30 and 31 */
		{ ENG_CLASS_INLET, -31 },
		{ ENG_CLASS_CPU, -70 },
	};
	const int n = sizeof(sens) / sizeof(sens[0]);
	struct rng r = { seed ^ 0x1111 };
	struct eng_conf conf;
	struct eng_output out;
	struct eng *e;
	int64_t t, week = 7 * 24 * 3600;
	uint64_t glitches = 0, rejected = 0;
	int i, ids[16];

	(void)state;
	eng_conf_defaults(&conf);
	e = eng_create(&conf);
	assert_non_null(e);
	for (i = 0; i < n; i++) {
		char id[32];

		snprintf(id, sizeof(id), "s%d", i);
		ids[i] = eng_sensor_add(e, id, sens[i].cls,
		    conf.cls[sens[i].cls].trip_c, ENG_TRIP_CLASS_DEFAULT);
	}
	for (t = 1; t <= week; t++) {
		for (i = 0; i < n; i++) {
			double lv = fabs(sens[i].level);
			struct eng_reading rd = { .sensor = ids[i],
				.t_ms = t * 1000,
				.value_c = lv + rng_range(&r, -0.5, 0.5),
				.quality = ENG_Q_OK };

			if (sens[i].level < 0)
				rd.value_c = floor(rd.value_c);

			/* about one glitch per sensor per three hours */
			if (rng_next(&r) % 10000 == 0) {
				glitch(&r, &rd);
				glitches++;
			}
			eng_feed(e, &rd);
		}
		eng_evaluate(e, t * 1000, &out);
		if (out.state != ENG_STATE_OK || decisions_of(&out) != 0)
			print_message("t=%" PRId64 " state %s: %s\n", t,
			    eng_state_name(out.state), out.reason);
		assert_int_equal(out.state, ENG_STATE_OK);
		assert_int_equal(decisions_of(&out), 0);
	}
	for (i = 0; i < n; i++) {
		struct eng_sensor_view v;

		eng_sensor_view(e, ids[i], &v);
		rejected += v.rejected;
	}
	print_message(
	    "%" PRIu64 " glitches, %" PRIu64 " rejected\n", glitches, rejected);
	assert_true(glitches > 100);
	assert_true(rejected >= glitches / 2);
	eng_free(e);
}

static void
test_single_spike(void **state)
{
	struct rng r = { seed ^ 0x2222 };
	int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		enum eng_class cls = (enum eng_class)(
		    rng_next(&r) % ENG_CLASS_COUNT);
		struct eng_conf conf;
		struct eng_output out;
		struct eng *e;
		double base;
		int s, spike_at = 30 + (int)(rng_next(&r) % 600), k;

		eng_conf_defaults(&conf);
		base = rng_range(&r, 20,
		    conf.cls[cls].trip_c - conf.cls[cls].warn.margin_c - 3);
		e = eng_create(&conf);
		s = eng_sensor_add(
		    e, "x", cls, conf.cls[cls].trip_c, ENG_TRIP_CLASS_DEFAULT);
		for (k = 1; k < spike_at + 900; k++) {
			double v = base + rng_range(&r, -0.5, 0.5);

			feed1(e, s, k * 1000, k == spike_at ? 150.0 : v);
			eng_evaluate(e, k * 1000, &out);
			if (out.state != ENG_STATE_OK)
				print_message("%s at %.1f, spike at %d, t=%d: "
					      "%s\n",
				    eng_class_name(cls), base, spike_at, k,
				    out.reason);
			assert_int_equal(out.state, ENG_STATE_OK);
			assert_int_equal(decisions_of(&out), 0);
		}
		eng_free(e);
	}
}

/* Rule check on random walks: every level change of the one sensor is
 * justified by the headroom/eta history the engine itself reported: a
 * level is entered after its condition held on policy.confirm_samples
 * samples, and (except a value at the shutdown level) for persist_s or
 * policy.wait_fraction of the time left at the class's worst slew,
 * whichever is shorter; it is left after being clear for hold_s. */
static void
test_state_rules(void **state)
{
	enum { N = 4000 };
	static double hr[N], eta[N];
	struct rng r = { seed ^ 0x4444 };
	int round;

	(void)state;
	for (round = 0; round < 40; round++) {
		enum eng_class cls = (enum eng_class)(
		    rng_next(&r) % ENG_CLASS_COUNT);
		struct eng_conf conf;
		struct eng_output out;
		struct eng *e;
		const struct eng_class_conf *cc;
		double v, margin[4], lead[4];
		int s, k, level = 0, hold;
		enum eng_state prev = ENG_STATE_OK;

		eng_conf_defaults(&conf);
		cc = &conf.cls[cls];
		margin[1] = cc->warn.margin_c;
		margin[2] = cc->migrate.margin_c;
		margin[3] = cc->shutdown.margin_c;
		lead[1] = cc->warn.lead_s;
		lead[2] = cc->migrate.lead_s;
		lead[3] = cc->shutdown.lead_s *
		    conf.policy.shutdown_safety_factor;
		hold = (int)ceil(cc->hold_s);
		e = eng_create(&conf);
		s = eng_sensor_add(e, "walk", cls, cc->trip_c, ENG_TRIP_HW);
		v = cc->trip_c - margin[1] - 5;
		for (k = 0; k < N; k++) {
			struct eng_sensor_view sv;
			int j;

			/* piecewise steady with noise, steps now and then */
			if (rng_next(&r) % 150 == 0)
				v = cc->trip_c -
				    rng_range(&r, 1.0, margin[1] + 8);
			feed1(e, s, (k + 1) * 1000LL,
			    v + rng_range(&r, -0.3, 0.3));
			eng_evaluate(e, (k + 1) * 1000LL, &out);
			eng_sensor_view(e, s, &sv);
			hr[k] = sv.headroom_c;
			eta[k] = sv.eta_s;
			if (prev == ENG_STATE_CRITICAL)
				assert_int_equal(out.state, ENG_STATE_CRITICAL);
			if (sv.level > level) {
				/* entered: the condition held (an eta pending
				 * may be up to 10% over) */
				int L = sv.level, need, held = 0;
				double sl = sv.slope_now_c_per_s >
					cc->worst_slew_c_per_s
				    ? sv.slope_now_c_per_s
				    : cc->worst_slew_c_per_s;
				double tl = fmin(
				    hr[k] / sl, sv.eta_projected_s);
				double wait = conf.policy.wait_fraction * tl;

				if (wait > cc->persist_s)
					wait = cc->persist_s;
				if (L == 3 && hr[k] <= margin[3])
					wait = 0;
				need = (int)floor(wait);
				if (need < conf.policy.confirm_samples - 1)
					need = conf.policy.confirm_samples - 1;
				for (j = k; j >= 0 &&
				     (hr[j] <= margin[L] ||
					 eta[j] <= 1.1 * lead[L]);
				     j--)
					held++;
				if (held < need + 1) {
					print_message(
					    "%s level %d at %d: held %d "
					    "samples, %d needed (tl %.1f)\n",
					    eng_class_name(cls), L, k, held,
					    need + 1, tl);
					for (j = k - 12; j <= k; j++)
						print_message(
						    "  %d: hr %.2f eta "
						    "%.0f\n",
						    j, hr[j], eta[j]);
				}
				assert_true(held >= need + 1);
			} else if (sv.level < level) {
				/* left: every level given up was clear (with
				 * hysteresis) for hold_s */
				int lv;

				for (lv = sv.level + 1; lv <= level; lv++)
					for (j = k - hold + 1; j <= k; j++)
						assert_true(j >= 0 &&
						    hr[j] > margin[lv] +
							    cc->hysteresis_c &&
						    eta[j] > lead[lv]);
			}
			level = sv.level;
			prev = out.state;
			if (out.state == ENG_STATE_CRITICAL)
				break;
		}
		eng_free(e);
	}
}

static void
test_override_bounds(void **state)
{
	static const char *const keys[] = { "quiet", "cpu.trip_c",
		"inlet.trip_c", "cpu.warn.margin_c", "cpu.shutdown.margin_c",
		"inlet.shutdown.margin_c", "exhaust.migrate.lead_s",
		"other.shutdown.lead_s", "inlet.warn.lead_s", "bogus",
		"cpu.shutdown" };
	struct rng r = { seed ^ 0x5555 };
	struct eng_conf conf;
	struct eng *e;
	int round;

	(void)state;
	eng_conf_defaults(&conf);
	e = eng_create(&conf);
	for (round = 0; round < 2000; round++) {
		const char *key =
		    keys[rng_next(&r) % (sizeof(keys) / sizeof(keys[0]))];
		double value = rng_range(&r, -200, 400);
		double ttl = rng_range(
		    &r, -100, 2 * conf.policy.max_override_ttl_s);
		double min, max, emin = NAN, emax = NAN;
		bool valid = eng_override_key_valid(key, &min, &max);
		char err[128];
		int ret, i;

		/* the engine's bounds: the config's, narrowed by the other
		 * override of the same shutdown level */
		if (valid)
			assert_true(eng_override_bounds(e, key, &emin, &emax));
		ret = eng_override_set(e, key, value, ttl, "r", "a",
		    round * 1000LL, err, sizeof(err));
		if (!valid || !(ttl > 0) ||
		    ttl > conf.policy.max_override_ttl_s) {
			assert_int_equal(ret, -1);
			continue;
		}
		assert_true(ret >= 0);
		if (strcmp(key, "quiet") != 0)
			assert_int_equal(ret, value < emin || value > emax);
		assert_true(emin >= min && emax <= max);
		for (i = 0; i < eng_override_count(e); i++) {
			const struct eng_override *o = eng_override_get(e, i);

			assert_true(eng_override_key_valid(o->key, &min, &max));
			assert_true(o->value >= min && o->value <= max);
			assert_true(o->expires_ms <= round * 1000LL +
				(int64_t)(conf.policy.max_override_ttl_s *
				    1000.0) +
				1);
		}
	}
	/* Everything expires once the longest ttl has passed. */
	{
		struct eng_output out;

		eng_evaluate(e,
		    2000 * 1000LL +
			(int64_t)(conf.policy.max_override_ttl_s * 1000.0) + 1,
		    &out);
		assert_int_equal(eng_override_count(e), 0);
	}
	eng_free(e);
}

static void
test_zone_quorum(void **state)
{
	struct rng r = { seed ^ 0x6666 };
	int round;

	(void)state;
	for (round = 0; round < 300; round++) {
		struct eng_conf conf;
		struct eng_output out;
		struct eng *e;
		int n = (int)(rng_next(&r) % 40), i, fresh = 0, sig = 0;
		double rise;
		bool want;

		eng_conf_defaults(&conf);
		conf.policy.zone_quorum_count = 1 + (int)(rng_next(&r) % 4);
		conf.policy.zone_quorum_fraction = rng_range(&r, 0, 1);
		rise = conf.policy.zone_rise_c_per_h / 3600.0;
		e = eng_create(&conf);
		for (i = 0; i < n; i++) {
			struct eng_peer p;
			bool stale = rng_next(&r) % 5 == 0;
			bool rising = rng_next(&r) % 2 == 0;
			bool high = rng_next(&r) % 4 == 0;

			memset(&p, 0, sizeof(p));
			snprintf(p.host, sizeof(p.host), "h%d", i);
			p.inlet_c = high ? conf.policy.zone_high_c + 1 : 23;
			p.slope_c_per_s = rising ? rise * 2 : rise / 4;
			p.t_ms = stale ? 0 : 1000 * 1000;
			eng_peer_update(e, &p);
			if (!stale) {
				fresh++;
				sig += rising || high;
			}
		}
		eng_evaluate(e, 1000 * 1000 + 1000, &out);
		want = sig >= conf.policy.zone_quorum_count &&
		    sig >= conf.policy.zone_quorum_fraction * fresh;
		assert_int_equal(out.zone_members, fresh);
		assert_int_equal(out.zone_signals, sig);
		assert_int_equal(out.zone_alarm, want);
		assert_int_equal(out.accepting_load, !want);
		eng_free(e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat_week),
		cmocka_unit_test(test_single_spike),
		cmocka_unit_test(test_state_rules),
		cmocka_unit_test(test_override_bounds),
		cmocka_unit_test(test_zone_quorum),
	};

	seed = test_seed("engine_prop");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
