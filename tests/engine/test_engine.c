/*
 * test_engine.c - table-driven unit tests for the policy engine: rules 1-4
 * of the contract (DESIGN.md "Engine semantics"): validation, filter and
 * trend, levels with persistence/hysteresis/hold, states, missing and
 * stale sensors. test_engine_policy.c has the zone, overrides, baselines.
 *
 * Expected values come from the rules and the configuration (trip minus
 * margin, lead times, ttl), never from re-running the engine's formulas.
 */
#include "fixture.h"

/* ---- rule 1: validation ---- */

struct val_case {
	const char *name;
	enum eng_class cls;
	double history; /* held for 10 s first; NAN: none */
	double sample;
	enum eng_quality q;
	const char *reject; /* expected last_reject, NULL = accepted */
};

static const struct val_case val_cases[] = {
	{ "plain", ENG_CLASS_CPU, 50, 51, ENG_Q_OK, NULL },
	{ "nan", ENG_CLASS_CPU, 50, NAN, ENG_Q_OK, "nan" },
	{ "unavailable", ENG_CLASS_CPU, 50, 50, ENG_Q_UNAVAILABLE,
	    "unavailable" },
	{ "fault", ENG_CLASS_INLET, 22, 22, ENG_Q_FAULT, "fault" },
	{ "nct6793 garbage", ENG_CLASS_OTHER, 40, 3892314, ENG_Q_OK, "range" },
	{ "below range", ENG_CLASS_CPU, 50, -40, ENG_Q_OK, "range" },
	{ "255 on board", ENG_CLASS_OTHER, 40, 255, ENG_Q_OK, "range" },
	{ "127 far from value", ENG_CLASS_CPU, 50, 127, ENG_Q_OK, "sentinel" },
	{ "127 first sample", ENG_CLASS_CPU, NAN, 127, ENG_Q_OK, "sentinel" },
	{ "0 on inlet", ENG_CLASS_INLET, 22, 0, ENG_Q_OK, "sentinel" },
	{ "-128", ENG_CLASS_OTHER, 30, -128, ENG_Q_OK, "range" },
	{ "0 near 0 is believed", ENG_CLASS_INLET, 1, 0, ENG_Q_OK, NULL },
	{ "jump held back", ENG_CLASS_CPU, 50, 90, ENG_Q_OK, "pending" },
	{ "inlet jump held back", ENG_CLASS_INLET, 22, 30, ENG_Q_OK,
	    "pending" },
};

static void
test_validation_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(val_cases) / sizeof(val_cases[0]); i++) {
		const struct val_case *c = &val_cases[i];
		struct eng_reading r;
		struct eng_sensor_view v;
		struct fix f;

		fix_init(&f, c->cls);
		fix_start(&f, c->cls);
		if (!isnan(c->history))
			fix_hold(&f, c->history, 10);
		eng_sensor_view(f.e, f.s, &v);
		r = (struct eng_reading){ .sensor = f.s,
			.t_ms = (f.t + 1) * 1000,
			.value_c = c->sample,
			.quality = c->q };
		eng_feed(f.e, &r);
		{
			struct eng_sensor_view w = view(&f);

			print_message("case %s\n", c->name);
			if (c->reject == NULL) {
				assert_int_equal(w.accepted, v.accepted + 1);
				assert_int_equal(w.rejected, v.rejected);
			} else if (strcmp(c->reject, "pending") == 0) {
				/* neither accepted nor rejected yet */
				assert_int_equal(w.accepted, v.accepted);
				assert_int_equal(w.rejected, v.rejected);
			} else {
				assert_int_equal(w.accepted, v.accepted);
				assert_int_equal(w.rejected, v.rejected + 1);
				assert_string_equal(w.last_reject, c->reject);
			}
		}
		fix_done(&f);
	}
}

/* A jump is accepted when the next sample confirms it, dropped when the
 * next sample goes back. */
static void
test_jump_confirmation(void **state)
{
	struct fix f;
	struct eng_sensor_view v;

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	fix_start(&f, ENG_CLASS_CPU);
	fix_hold(&f, 50, 10);
	fix_hold(&f, 80, 2); /* 30 C in 1 s > 10 C/s, then again */
	v = view(&f);
	assert_int_equal(v.accepted, 12);
	assert_int_equal(v.rejected, 0);
	assert_float_equal(v.value_c, 80, 1e-9);

	fix_hold(&f, 120, 1); /* spike, then back */
	fix_hold(&f, 80, 1);
	v = view(&f);
	assert_int_equal(v.accepted, 13);
	assert_int_equal(v.rejected, 1);
	assert_string_equal(v.last_reject, "jump");
	assert_float_equal(v.value_c, 80, 1e-9);
	fix_done(&f);
}

/* ---- rule 2: filter and trend ---- */

static void
test_median_filter(void **state)
{
	static const struct {
		double in[3];
		double want;
	} cases[] = {
		{ { 50, 52, 51 }, 51 },
		{ { 50, 58, 51 }, 51 }, /* one outlier is ignored */
		{ { 60, 55, 50 }, 55 },
		{ { 50, 50, 57 }, 50 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fix f;

		fix_init(&f, ENG_CLASS_CPU);
		fix_start(&f, ENG_CLASS_CPU);
		fix_hold(&f, cases[i].in[0], 1);
		fix_hold(&f, cases[i].in[1], 1);
		fix_hold(&f, cases[i].in[2], 1);
		assert_float_equal(view(&f).filtered_c, cases[i].want, 1e-9);
		fix_done(&f);
	}
}

/* A clean ramp gives back its own slope; its projected eta is the
 * headroom / slope of the true value, believed (eta_s) only once the rise
 * has lasted that long (the horizon). The filtered value trails the ramp
 * by (filter_window - 1) / 2 samples, and a reading may trail it by one
 * step of the sensor's resolution (here one sample's rise) where that is
 * coarser than its noise: both come off the headroom, one sample (1 s)
 * each here. */
static void
test_trend_linear(void **state)
{
	static const struct {
		enum eng_class cls;
		double start, rate; /* C, C/s */
	} cases[] = {
		{ ENG_CLASS_CPU, 40, 0.02 },
		{ ENG_CLASS_CPU, 40, 0.1 },
		{ ENG_CLASS_INLET, 20, 0.01 },
		{ ENG_CLASS_EXHAUST, 30, 0.05 },
	};
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fix f;
		struct eng_sensor_view v;
		int n;

		fix_init(&f, cases[i].cls);
		n = (int)f.conf.cls[cases[i].cls].trend_window_s + 5;
		fix_start(&f, cases[i].cls);
		for (k = 0; k < 4 * n; k++) {
			fix_hold(&f, cases[i].start + cases[i].rate * k, 1);
			v = view(&f);
			if (k < n)
				continue;
			assert_float_equal(
			    v.slope_c_per_s, cases[i].rate, 1e-6);
			assert_float_equal(v.eta_projected_s,
			    v.headroom_c / cases[i].rate -
				(f.conf.cls[cases[i].cls].filter_window - 1) /
				    2.0 -
				(cases[i].rate > v.noise_c ? 1.0 : 0.0),
			    1e-3 * v.eta_projected_s);
			if (v.eta_projected_s <= v.rising_s)
				assert_true(v.eta_s == v.eta_projected_s);
			else
				assert_true(isinf(v.eta_s));
		}
		fix_done(&f);
	}
}

/* Noise alone never makes a slope. */
static void
test_trend_noise_flat(void **state)
{
	struct rng r = { 12345 };
	struct fix f;
	double warn_eta;
	int k;

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	fix_start(&f, ENG_CLASS_CPU);
	warn_eta = f.conf.cls[ENG_CLASS_CPU].warn.lead_s;
	for (k = 0; k < 3600; k++) {
		struct eng_sensor_view v;

		fix_hold(&f, 55 + rng_range(&r, -0.5, 0.5), 1);
		v = view(&f);
		if (!(v.eta_s > warn_eta))
			print_message("k %d eta %g slope %g\n", k, v.eta_s,
			    v.slope_c_per_s);
		assert_true(v.eta_s > warn_eta);
		assert_int_equal(f.out.state, ENG_STATE_OK);
	}
	fix_done(&f);
}

/* A load step that settles well below trip is not a rise to trip: no
 * shutdown, and for the smaller ones no migration either. (A CPU step
 * that settles within ~10 C of trip can look like a rise to trip for a
 * while; see thermwatch.conf(5).) */
static void
test_trend_settling_step(void **state)
{
	static const struct {
		double from, to, tau;
		enum eng_state worst;
	} cases[] = {
		{ 40, 75, 10, ENG_STATE_WARN },
		{ 40, 80, 5, ENG_STATE_WARN },
		{ 40, 85, 30, ENG_STATE_WARN },
		{ 60, 85, 60, ENG_STATE_WARN },
		{ 50, 88, 30, ENG_STATE_HOT },
	};
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rng r = { 77 + i };
		struct fix f;
		int worst = 0;

		fix_init(&f, ENG_CLASS_CPU);
		fix_start(&f, ENG_CLASS_CPU);
		fix_hold(&f, cases[i].from, 300);
		for (k = 1; k <= 900; k++) {
			fix_hold(&f,
			    cases[i].from +
				(cases[i].to - cases[i].from) *
				    (1 - exp(-k / cases[i].tau)) +
				rng_range(&r, -0.5, 0.5),
			    1);
			if (f.out.state != ENG_STATE_DEGRADED &&
			    (int)f.out.state > worst)
				worst = f.out.state;
		}
		print_message("step %g -> %g tau %g: worst %s\n", cases[i].from,
		    cases[i].to, cases[i].tau, eng_state_name(worst));
		assert_true(worst <= (int)cases[i].worst);
		assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 0);
		if (cases[i].worst < ENG_STATE_HOT)
			assert_int_equal(f.n_dec[ENG_ACT_MIGRATE], 0);
		fix_done(&f);
	}
}

/* ---- rules 3 and 4: levels, persistence, hysteresis, hold, states ---- */

struct level_case {
	enum eng_class cls;
	int level; /* 1 warn, 2 migrate, 3 shutdown */
	enum eng_state want;
};

static const struct level_case level_cases[] = {
	{ ENG_CLASS_CPU, 1, ENG_STATE_WARN },
	{ ENG_CLASS_CPU, 2, ENG_STATE_HOT },
	{ ENG_CLASS_CPU, 3, ENG_STATE_CRITICAL },
	{ ENG_CLASS_INLET, 1, ENG_STATE_WARN },
	{ ENG_CLASS_INLET, 2, ENG_STATE_HOT },
	{ ENG_CLASS_INLET, 3, ENG_STATE_CRITICAL },
	{ ENG_CLASS_EXHAUST, 2, ENG_STATE_HOT },
	{ ENG_CLASS_OTHER, 3, ENG_STATE_CRITICAL },
};

static const struct eng_level *
level_of(const struct eng_class_conf *cc, int level)
{
	return level == 1 ? &cc->warn
	    : level == 2  ? &cc->migrate
			  : &cc->shutdown;
}

/* A flat value just inside a margin enters the level once confirmed by
 * policy.confirm_samples samples and after persist_s, shortened to
 * policy.wait_fraction of the time left at the class's worst slew; the
 * shutdown level waits for the confirmation only. */
static void
test_levels_margin_persist(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(level_cases) / sizeof(level_cases[0]); i++) {
		const struct level_case *c = &level_cases[i];
		const struct eng_class_conf *cc;
		struct fix f;
		double v, margin, wait;
		int enter, k;

		fix_init(&f, c->cls);
		cc = &f.conf.cls[c->cls];
		fix_start(&f, c->cls);
		margin = level_of(cc, c->level)->margin_c;
		v = cc->trip_c - margin;
		wait = f.conf.policy.wait_fraction * (margin - 0.3) /
		    cc->worst_slew_c_per_s;
		if (wait > cc->persist_s)
			wait = cc->persist_s;
		if (c->level == 3)
			wait = 0;
		/* The median of 3 passes the new value on its second sample
		 * (k = 1); from then on it must be confirmed and wait. */
		enter = 1 + (int)ceil(wait);
		if (enter < f.conf.policy.confirm_samples)
			enter = f.conf.policy.confirm_samples;
		fix_hold(&f, v - 0.05, 300);
		assert_true(f.out.state < c->want);
		for (k = 0; k < enter; k++) {
			fix_hold(&f, v + 0.3, 1);
			assert_true(f.out.state < c->want);
		}
		fix_hold(&f, v + 0.3, 1);
		print_message("%s level %d: entered after %d samples\n",
		    eng_class_name(c->cls), c->level, enter + 1);
		assert_int_equal(f.out.state, c->want);
		fix_done(&f);
	}
}

/* Leaving a level needs headroom > margin + hysteresis for hold_s. */
static void
test_levels_hysteresis_hold(void **state)
{
	struct fix f;
	const struct eng_class_conf *cc;
	double warn_at, inside, clear;
	int hold;

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	cc = &f.conf.cls[ENG_CLASS_CPU];
	fix_start(&f, ENG_CLASS_CPU);
	warn_at = cc->trip_c - cc->warn.margin_c;
	inside = warn_at - cc->hysteresis_c / 2; /* in the band */
	clear = warn_at - cc->hysteresis_c - 1.0;
	hold = (int)cc->hold_s;

	fix_hold(&f, warn_at - 2, 30);
	fix_hold(&f, warn_at + 0.5, 30);
	assert_int_equal(f.out.state, ENG_STATE_WARN);
	/* Inside the hysteresis band: stays for ever. */
	fix_hold(&f, inside, hold * 3);
	assert_int_equal(f.out.state, ENG_STATE_WARN);
	/* Clear: still warn until hold_s has passed. */
	fix_hold(&f, clear, hold - 5);
	assert_int_equal(f.out.state, ENG_STATE_WARN);
	fix_hold(&f, clear, 10);
	assert_int_equal(f.out.state, ENG_STATE_OK);
	/* One NOTIFY per change: ok->warn, warn->ok. */
	assert_int_equal(f.n_dec[ENG_ACT_NOTIFY], 2);
	fix_done(&f);
}

/* ok -> hot -> critical: notify each time, migrate on hot, shutdown on
 * critical; critical is final. */
static void
test_decisions_sequence(void **state)
{
	struct fix f;
	const struct eng_class_conf *cc;

	(void)state;
	fix_init(&f, ENG_CLASS_EXHAUST);
	cc = &f.conf.cls[ENG_CLASS_EXHAUST];
	fix_start(&f, ENG_CLASS_EXHAUST);
	fix_hold(&f, 40, 60);
	assert_int_equal(f.out.state, ENG_STATE_OK);
	assert_true(f.out.accepting_load);
	/* A step (confirmed by its second sample), then steady: no trend
	 * to extrapolate, the margin decides. */
	fix_hold(&f, cc->trip_c - cc->migrate.margin_c + 1, 20);
	assert_int_equal(f.out.state, ENG_STATE_HOT);
	assert_int_equal(f.n_dec[ENG_ACT_MIGRATE], 1);
	assert_int_equal(f.n_dec[ENG_ACT_HOLD], 1);
	assert_false(f.out.accepting_load);
	assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 0);

	fix_hold(&f, cc->trip_c - cc->shutdown.margin_c + 0.5, 30);
	assert_int_equal(f.out.state, ENG_STATE_CRITICAL);
	assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 1);
	assert_true(
	    strncmp(f.last_code[ENG_ACT_SHUTDOWN], "shutdown.", 9) == 0);
	assert_non_null(strstr(f.out.reason, "chip/temp1"));

	/* Final: cooling down changes nothing and decides nothing more. */
	fix_hold(&f, 40, 3600);
	assert_int_equal(f.out.state, ENG_STATE_CRITICAL);
	assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 1);
	fix_done(&f);
}

/* A ramp is caught by its eta (code shutdown.eta) well before the
 * shutdown margin. */
static void
test_eta_shutdown(void **state)
{
	struct fix f;
	const struct eng_class_conf *cc;
	int k;

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	cc = &f.conf.cls[ENG_CLASS_CPU];
	fix_start(&f, ENG_CLASS_CPU);
	fix_hold(&f, 40, 120);
	for (k = 0; f.out.state != ENG_STATE_CRITICAL && k < 2000; k++)
		fix_hold(&f, 40 + 0.08 * k, 1);
	assert_int_equal(f.out.state, ENG_STATE_CRITICAL);
	assert_string_equal(f.last_code[ENG_ACT_SHUTDOWN], "shutdown.eta");
	assert_true(40 + 0.08 * k < cc->trip_c - cc->shutdown.margin_c);
	fix_done(&f);
}

/* ---- rule 4: degraded, missing, stale extrapolation ---- */

static void
test_degraded_stale_and_removed(void **state)
{
	struct fix f;
	const struct eng_class_conf *cc;

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	cc = &f.conf.cls[ENG_CLASS_CPU];
	fix_start(&f, ENG_CLASS_CPU);
	fix_hold(&f, 50, 30);
	assert_int_equal(f.out.state, ENG_STATE_OK);
	/* No samples: stale after stale_s. */
	f.t += (int64_t)cc->stale_s + 1;
	fix_eval(&f);
	assert_int_equal(f.out.state, ENG_STATE_DEGRADED);
	assert_int_equal(view(&f).status, ENG_SENSOR_STALE);
	fix_hold(&f, 50, 5);
	assert_int_equal(f.out.state, ENG_STATE_OK);
	eng_sensor_remove(f.e, f.s);
	fix_eval(&f);
	assert_int_equal(f.out.state, ENG_STATE_DEGRADED);
	assert_int_equal(view(&f).status, ENG_SENSOR_REMOVED);
	fix_done(&f);
}

/* A hot sensor that is removed never causes a shutdown by itself. */
static void
test_removed_hot_sensor_no_shutdown(void **state)
{
	struct fix f;
	const struct eng_class_conf *cc;
	int k;

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	cc = &f.conf.cls[ENG_CLASS_CPU];
	fix_start(&f, ENG_CLASS_CPU);
	fix_hold(&f, 60, 30);
	/* A step (confirmed by its second sample), then steady. */
	fix_hold(&f, cc->trip_c - cc->migrate.margin_c + 1, 120);
	assert_int_equal(f.out.state, ENG_STATE_HOT);
	eng_sensor_remove(f.e, f.s);
	for (k = 0; k < 3600; k++) {
		f.t++;
		fix_eval(&f);
		assert_int_not_equal(f.out.state, ENG_STATE_CRITICAL);
	}
	assert_int_equal(f.out.state, ENG_STATE_DEGRADED);
	assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 0);
	fix_done(&f);
}

/* Zone peers whose inlets read air + offset, every 10 s. */
static void
zone_peers(struct fix *f, int n, double air, double slope)
{
	int i;

	if (f->t % 10 != 0)
		return;
	for (i = 0; i < n; i++) {
		struct eng_peer p = { .tier = 1,
			.inlet_c = air + 0.5 * i - 0.25 * n,
			.slope_c_per_s = slope,
			.state = ENG_STATE_OK,
			.t_ms = f->t * 1000 };

		snprintf(p.host, sizeof(p.host), "peer%d", i);
		eng_peer_update(f->e, &p);
	}
}

/*
 * A stale sensor (a hung BMC) is replaced by what the evidence says: its
 * last value plus how far its zone's inlets moved since. A rising zone
 * makes the host migrate (code migrate.stale) before the air reaches
 * trip, and, with no rise of the host's own, never shuts it down;
 * a recovering zone makes it cooler, never hotter; with no evidence at
 * all, or with policy.stale_extrapolate off, it only makes the host
 * degraded and never acts.
 */
static void
test_stale_substitute(void **state)
{
	static const struct {
		int peers;
		double slope; /* C/s of the zone's air after the gap */
		bool extrapolate;
		bool migrate; /* the zone alone: migrate, never shut down */
	} cases[] = {
		{ 6, 1.0 / 60, true, true },
		{ 6, -1.0 / 60, true, false },
		{ 0, 0, true, false },
		{ 6, 1.0 / 60, false, false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fix f;
		const struct eng_class_conf *cc;
		double air, v;
		int k;

		fix_init(&f, ENG_CLASS_INLET);
		f.conf.policy.stale_extrapolate = cases[i].extrapolate;
		cc = &f.conf.cls[ENG_CLASS_INLET];
		fix_start(&f, ENG_CLASS_INLET);
		v = 30.0;
		air = v;
		for (k = 0; k < 330; k++) {
			zone_peers(&f, cases[i].peers, air, 0);
			fix_hold(&f, v, 1);
		}
		assert_int_equal(f.out.state, ENG_STATE_OK);
		/* The BMC hangs: no more samples; the zone goes on (a
		 * recovering one for ten minutes). */
		for (k = 0; k < 3600 && f.out.state != ENG_STATE_HOT &&
		     f.out.state != ENG_STATE_CRITICAL;
		     k++) {
			f.t++;
			if (cases[i].slope > 0 || k < 600)
				air += cases[i].slope;
			zone_peers(&f, cases[i].peers, air, cases[i].slope);
			fix_eval(&f);
			if (air >= cc->trip_c)
				break;
		}
		print_message("case %zu: %s after %d s, air %.1f C: %s\n", i,
		    eng_state_name(f.out.state), k, air, f.out.reason);
		if (cases[i].migrate) {
			assert_int_equal(f.out.state, ENG_STATE_HOT);
			assert_string_equal(
			    f.last_code[ENG_ACT_MIGRATE], "migrate.stale");
			assert_true(air < cc->trip_c);
			assert_non_null(strstr(f.out.reason, "zone"));
			/* on to the trip: still no shutdown from the zone */
			for (; k < 3600 && air < cc->trip_c + 2; k++) {
				f.t++;
				air += cases[i].slope;
				zone_peers(
				    &f, cases[i].peers, air, cases[i].slope);
				fix_eval(&f);
			}
			assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 0);
		} else {
			/* degraded, or warn in the zone's alarm */
			assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 0);
			assert_int_equal(f.n_dec[ENG_ACT_MIGRATE], 0);
			assert_true(f.out.state == ENG_STATE_DEGRADED ||
			    (f.out.state == ENG_STATE_WARN &&
				f.out.zone_alarm));
		}
		fix_done(&f);
	}
}

/* A cool sensor that goes stale while another makes the host hot is not
 * extrapolated: it makes nothing worse than it was. */
static void
test_stale_cool_sensor_not_extrapolated(void **state)
{
	struct fix f;
	const struct eng_class_conf *cc;
	int cool, k;

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	cc = &f.conf.cls[ENG_CLASS_CPU];
	fix_start(&f, ENG_CLASS_CPU);
	cool = eng_sensor_add(
	    f.e, "disk/temp1", ENG_CLASS_OTHER, 60, ENG_TRIP_HW);
	for (k = 0; k < 300; k++) {
		f.t++;
		feed1(f.e, f.s, f.t * 1000,
		    k < 30 ? 60.0 : cc->trip_c - cc->migrate.margin_c + 1);
		if (k < 30)
			feed1(f.e, cool, f.t * 1000, 35.0);
		fix_eval(&f);
	}
	assert_int_equal(f.out.state, ENG_STATE_HOT);
	{
		struct eng_sensor_view v;

		eng_sensor_view(f.e, cool, &v);
		assert_int_equal(v.status, ENG_SENSOR_STALE);
		assert_false(v.extrapolated);
	}
	assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 0);
	fix_done(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validation_table),
		cmocka_unit_test(test_jump_confirmation),
		cmocka_unit_test(test_median_filter),
		cmocka_unit_test(test_trend_linear),
		cmocka_unit_test(test_trend_noise_flat),
		cmocka_unit_test(test_trend_settling_step),
		cmocka_unit_test(test_levels_margin_persist),
		cmocka_unit_test(test_levels_hysteresis_hold),
		cmocka_unit_test(test_decisions_sequence),
		cmocka_unit_test(test_eta_shutdown),
		cmocka_unit_test(test_degraded_stale_and_removed),
		cmocka_unit_test(test_removed_hot_sensor_no_shutdown),
		cmocka_unit_test(test_stale_substitute),
		cmocka_unit_test(test_stale_cool_sensor_not_extrapolated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
