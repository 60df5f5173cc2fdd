/*
 * test_engine.c - table-driven unit tests for the policy engine, one
 * group per rule of the engine's contract (DESIGN.md "Engine semantics").
 *
 * Expected values come from the rules and the configuration (trip minus
 * margin, lead times, ttl), never from re-running the engine's formulas.
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

/* One engine, one sensor, a clock in whole seconds. */
struct fix {
	struct eng_conf conf;
	struct eng *e;
	int s;
	int64_t t;		/* seconds */
	struct eng_output out;
	int n_dec[4];		/* decisions seen, by action */
	char last_code[4][32];
};

static void
fix_init(struct fix *f, enum eng_class cls __attribute__((unused)))
{
	memset(f, 0, sizeof(*f));
	eng_conf_defaults(&f->conf);
}

static void
fix_start(struct fix *f, enum eng_class cls)
{
	f->e = eng_create(&f->conf);
	assert_non_null(f->e);
	f->s = eng_sensor_add(f->e, "chip/temp1", cls, f->conf.cls[cls].trip_c,
	    ENG_TRIP_CLASS_DEFAULT);
	assert_int_equal(f->s, 0);
}

static void
fix_eval(struct fix *f)
{
	int i;

	eng_evaluate(f->e, f->t * 1000, &f->out);
	for (i = 0; i < f->out.n_decisions; i++) {
		const struct eng_decision *d = &f->out.decisions[i];

		f->n_dec[d->action]++;
		snprintf(f->last_code[d->action], sizeof(f->last_code[0]),
		    "%s", d->code);
		/* Every decision explains itself. */
		assert_non_null(d->code);
		assert_true(strlen(d->reason) > 0);
	}
}

/* Hold value v for n seconds, one sample and one evaluation a second. */
static void
fix_hold(struct fix *f, double v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		f->t++;
		feed1(f->e, f->s, f->t * 1000, v);
		fix_eval(f);
	}
}

static void
fix_done(struct fix *f)
{
	eng_free(f->e);
	f->e = NULL;
}

static struct eng_sensor_view
view(const struct fix *f)
{
	struct eng_sensor_view v;

	eng_sensor_view(f->e, f->s, &v);
	return v;
}

/* ---- rule 1: validation ---- */

struct val_case {
	const char *name;
	enum eng_class cls;
	double history;		/* held for 10 s first; NAN = no history */
	double sample;
	enum eng_quality q;
	const char *reject;	/* expected last_reject, NULL = accepted */
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
		    .t_ms = (f.t + 1) * 1000, .value_c = c->sample,
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
	fix_hold(&f, 80, 2);		/* 30 C in 1 s > 10 C/s, then again */
	v = view(&f);
	assert_int_equal(v.accepted, 12);
	assert_int_equal(v.rejected, 0);
	assert_float_equal(v.value_c, 80, 1e-9);

	fix_hold(&f, 120, 1);		/* spike, then back */
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
		{ { 50, 58, 51 }, 51 },	/* one outlier is ignored */
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

/* A clean ramp gives back its own slope, and eta = headroom / slope. */
static void
test_trend_linear(void **state)
{
	static const struct {
		enum eng_class cls;
		double start, rate;	/* C, C/s */
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
		double cap, rate;
		int n;

		fix_init(&f, cases[i].cls);
		n = (int)f.conf.cls[cases[i].cls].trend_window_s + 5;
		fix_start(&f, cases[i].cls);
		for (k = 0; k < n; k++)
			fix_hold(&f, cases[i].start + cases[i].rate * k, 1);
		v = view(&f);
		assert_float_equal(v.slope_c_per_s, cases[i].rate, 1e-6);
		/* eta takes the slope at most at max_trend_c_per_s */
		cap = f.conf.cls[cases[i].cls].max_trend_c_per_s;
		rate = cap > 0 && cap < cases[i].rate ? cap : cases[i].rate;
		assert_float_equal(v.eta_s, v.headroom_c / rate,
		    1e-3 * v.eta_s);
		fix_done(&f);
	}
}

/* Noise alone never makes a slope. */
static void
test_trend_noise_flat(void **state)
{
	struct rng r = { 12345 };
	struct fix f;
	int k;

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	fix_start(&f, ENG_CLASS_CPU);
	for (k = 0; k < 3600; k++) {
		fix_hold(&f, 55 + rng_range(&r, -0.5, 0.5), 1);
		if (!(view(&f).eta_s > f.conf.cls[ENG_CLASS_CPU].warn.lead_s))
			print_message("k %d eta %g slope %g\n", k, view(&f).eta_s, view(&f).slope_c_per_s);
		assert_true(view(&f).eta_s > f.conf.cls[ENG_CLASS_CPU].warn.lead_s);
		assert_int_equal(f.out.state, ENG_STATE_OK);
	}
	fix_done(&f);
}

/* A load step that settles well below trip is not a rise to trip. */
static void
test_trend_settling_step(void **state)
{
	struct fix f;
	int k, worst = 0;

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	fix_start(&f, ENG_CLASS_CPU);
	fix_hold(&f, 40, 120);
	for (k = 1; k <= 600; k++) {
		fix_hold(&f, 40 + 35 * (1 - exp(-k / 10.0)), 1);
		if (f.out.state != ENG_STATE_DEGRADED &&
		    (int)f.out.state > worst)
			worst = f.out.state;
	}
	assert_true(worst <= ENG_STATE_WARN);
	assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 0);
	assert_int_equal(f.n_dec[ENG_ACT_MIGRATE], 0);
	fix_done(&f);
}

/* ---- rules 3 and 4: levels, persistence, hysteresis, hold, states ---- */

struct level_case {
	enum eng_class cls;
	int level;		/* 1 warn, 2 migrate, 3 shutdown */
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
	return level == 1 ? &cc->warn : level == 2 ? &cc->migrate :
	    &cc->shutdown;
}

/* A flat value just inside a margin enters the level after persist_s,
 * not before. */
static void
test_levels_margin_persist(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(level_cases) / sizeof(level_cases[0]); i++) {
		const struct level_case *c = &level_cases[i];
		const struct eng_class_conf *cc;
		struct fix f;
		double v;
		int persist, k;

		fix_init(&f, c->cls);
		cc = &f.conf.cls[c->cls];
		fix_start(&f, c->cls);
		v = cc->trip_c - level_of(cc, c->level)->margin_c;
		persist = (int)ceil(cc->persist_s);
		fix_hold(&f, v - 0.05, 300);
		assert_true(f.out.state < c->want);
		/* The median of 3 passes the new value on its second sample;
		 * from then on the level must hold for persist_s. */
		for (k = 0; k < persist + 1; k++) {
			fix_hold(&f, v + 0.3, 1);
			assert_true(f.out.state < c->want);
		}
		fix_hold(&f, v + 0.3, 1);
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
	inside = warn_at - cc->hysteresis_c / 2;	/* below level, in band */
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
	/* Walk up in small steps that the rate check accepts. */
	while (view(&f).value_c < cc->trip_c - cc->migrate.margin_c + 1)
		fix_hold(&f, view(&f).value_c + 2, 1);
	fix_hold(&f, view(&f).value_c, 20);
	assert_int_equal(f.out.state, ENG_STATE_HOT);
	assert_int_equal(f.n_dec[ENG_ACT_MIGRATE], 1);
	assert_int_equal(f.n_dec[ENG_ACT_HOLD], 1);
	assert_false(f.out.accepting_load);
	assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 0);

	fix_hold(&f, cc->trip_c - cc->shutdown.margin_c + 0.5, 30);
	assert_int_equal(f.out.state, ENG_STATE_CRITICAL);
	assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 1);
	assert_true(strncmp(f.last_code[ENG_ACT_SHUTDOWN], "shutdown.", 9)
	    == 0);
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

/* Stale while hot: extrapolated at the worst slew, shuts down in time;
 * with stale_extrapolate off it does not. */
static void
test_stale_extrapolation(void **state)
{
	int on;

	(void)state;
	for (on = 0; on <= 1; on++) {
		struct fix f;
		const struct eng_class_conf *cc;
		double v;
		int k;

		fix_init(&f, ENG_CLASS_INLET);
		f.conf.policy.stale_extrapolate = on;
		cc = &f.conf.cls[ENG_CLASS_INLET];
		fix_start(&f, ENG_CLASS_INLET);
		v = cc->trip_c - cc->migrate.margin_c + 1;
		fix_hold(&f, v - 2, 30);
		fix_hold(&f, v, 300);
		assert_int_equal(f.out.state, ENG_STATE_HOT);
		for (k = 0; k < 3600 && f.out.state != ENG_STATE_CRITICAL;
		    k++) {
			f.t++;
			fix_eval(&f);
		}
		if (on) {
			double age = (double)k;
			/* Reaching trip at the worst slew takes this long
			 * after the last sample; shutdown must come with at
			 * least the shutdown lead left. */
			double to_trip = (cc->trip_c - v) /
			    cc->worst_slew_c_per_s;

			assert_int_equal(f.out.state, ENG_STATE_CRITICAL);
			assert_string_equal(f.last_code[ENG_ACT_SHUTDOWN],
			    "shutdown.stale");
			assert_true(age > cc->stale_s);
			assert_true(to_trip - age >= 0 ||
			    age <= cc->stale_s + cc->persist_s + 1);
		} else {
			assert_int_not_equal(f.out.state,
			    ENG_STATE_CRITICAL);
			assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 0);
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
	cool = eng_sensor_add(f.e, "disk/temp1", ENG_CLASS_OTHER, 60,
	    ENG_TRIP_HW);
	for (k = 0; k < 300; k++) {
		f.t++;
		feed1(f.e, f.s, f.t * 1000, k < 30 ? 60.0 :
		    cc->trip_c - cc->migrate.margin_c + 1);
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

/* ---- rule 5: zone alarm ---- */

static void
add_peers(struct eng *e, int n, int n_rising, double slope, int64_t t_ms)
{
	struct eng_peer p;
	int i;

	for (i = 0; i < n; i++) {
		memset(&p, 0, sizeof(p));
		snprintf(p.host, sizeof(p.host), "peer%02d", i);
		p.tier = i % (ENG_MAX_TIER + 1);
		p.inlet_c = 24;
		p.slope_c_per_s = i < n_rising ? slope : 0.0;
		p.state = ENG_STATE_OK;
		p.t_ms = t_ms;
		eng_peer_update(e, &p);
	}
}

static void
test_zone_quorum_table(void **state)
{
	static const struct {
		int peers, rising;
		bool alarm;
	} cases[] = {
		/* defaults: count 2, fraction 0.5; this host is a member */
		{ 0, 0, false },
		{ 3, 1, false },	/* 1 of 4 */
		{ 3, 2, true },		/* 2 of 4 */
		{ 9, 4, false },	/* 4 of 10 */
		{ 9, 5, true },		/* 5 of 10 */
		{ 1, 1, false },	/* fraction ok, count not */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fix f;
		double rise;

		fix_init(&f, ENG_CLASS_INLET);
		fix_start(&f, ENG_CLASS_INLET);
		rise = 3 * f.conf.policy.zone_rise_c_per_h / 3600.0;
		fix_hold(&f, 22, 30);
		add_peers(f.e, cases[i].peers, cases[i].rising, rise,
		    f.t * 1000);
		fix_hold(&f, 22, 1);
		print_message("zone case %zu\n", i);
		assert_int_equal(f.out.zone_alarm, cases[i].alarm);
		if (cases[i].alarm) {
			assert_true(f.out.state >= ENG_STATE_WARN);
			assert_false(f.out.accepting_load);
			assert_int_equal(f.n_dec[ENG_ACT_HOLD], 1);
		} else {
			assert_int_equal(f.out.state, ENG_STATE_OK);
			assert_true(f.out.accepting_load);
			assert_int_equal(f.n_dec[ENG_ACT_HOLD], 0);
		}
		fix_done(&f);
	}
}

/* Stale peers do not count. */
static void
test_zone_stale_peers(void **state)
{
	struct fix f;

	(void)state;
	fix_init(&f, ENG_CLASS_INLET);
	fix_start(&f, ENG_CLASS_INLET);
	fix_hold(&f, 22, 200);
	add_peers(f.e, 5, 5, 0.01,
	    (f.t - (int64_t)f.conf.policy.peer_stale_s - 10) * 1000);
	fix_hold(&f, 22, 1);
	assert_false(f.out.zone_alarm);
	assert_int_equal(f.out.zone_members, 1);
	fix_done(&f);
}

/* In a zone alarm the zone slope drives the eta, and a higher tier
 * number (less important) gets hot first. */
static void
test_zone_tier_order(void **state)
{
	int tiers[2] = { 0, 6 }, hot_at[2] = { -1, -1 }, i, k;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct fix f;
		double slope = 2.0 / 60.0;	/* 2 C/min, Hosting365 */

		fix_init(&f, ENG_CLASS_INLET);
		f.conf.tier = tiers[i];
		fix_start(&f, ENG_CLASS_INLET);
		fix_hold(&f, 22, 30);
		for (k = 0; k < 2000; k++) {
			add_peers(f.e, 6, 6, slope, f.t * 1000);
			fix_hold(&f, 22, 1);	/* own inlet flat */
			if (f.out.state >= ENG_STATE_HOT && hot_at[i] < 0)
				hot_at[i] = k;
		}
		assert_true(f.out.zone_alarm);
		/* Peers alone never shut a host down: its own inlet is
		 * flat. */
		assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 0);
		fix_done(&f);
	}
	print_message("tier 0 hot at %d s, tier 6 at %d s\n", hot_at[0],
	    hot_at[1]);
	assert_true(hot_at[1] >= 0);
	assert_true(hot_at[0] < 0 || hot_at[1] < hot_at[0]);
}

/* With its own inlet rising too, the zone's faster slope brings the
 * shutdown forward (code shutdown.zone). */
static void
test_zone_slope_shutdown(void **state)
{
	int crit_at[2] = { -1, -1 }, zone, k;
	char code[2][32] = { "", "" };

	(void)state;
	for (zone = 0; zone <= 1; zone++) {
		struct fix f;

		fix_init(&f, ENG_CLASS_INLET);
		fix_start(&f, ENG_CLASS_INLET);
		fix_hold(&f, 25, 300);
		for (k = 0; k < 3000 && f.out.state != ENG_STATE_CRITICAL;
		    k++) {
			if (zone)
				add_peers(f.e, 6, 6, 3.0 / 60, f.t * 1000);
			fix_hold(&f, 25 + 0.5 / 60 * k, 1);
		}
		crit_at[zone] = f.out.state == ENG_STATE_CRITICAL ? k : -1;
		snprintf(code[zone], sizeof(code[zone]), "%s",
		    f.last_code[ENG_ACT_SHUTDOWN]);
		fix_done(&f);
	}
	print_message("critical at %d s alone, %d s in zone alarm (%s)\n",
	    crit_at[0], crit_at[1], code[1]);
	assert_true(crit_at[1] > 0);
	assert_true(crit_at[0] < 0 || crit_at[1] < crit_at[0]);
	assert_string_equal(code[1], "shutdown.zone");
}

/* ---- rule 6: overrides ---- */

static void
test_override_table(void **state)
{
	static const struct {
		const char *key;
		double value, ttl;
		int want;
	} cases[] = {
		{ "cpu.shutdown.margin_c", 5, 600, 0 },
		{ "cpu.shutdown.margin_c", 0.5, 600, 1 },	/* < floor */
		{ "inlet.migrate.lead_s", 900, 600, 0 },
		{ "inlet.shutdown.lead_s", 1, 600, 1 },	/* < min lead */
		{ "cpu.trip_c", 90, 600, 0 },
		{ "cpu.trip_c", 120, 600, 1 },	/* may only lower */
		{ "exhaust.warn.margin_c", 500, 600, 1 },
		{ "quiet", 1, 600, 0 },
		{ "quiet", 1, 0, -1 },			/* ttl required */
		{ "quiet", 1, -5, -1 },
		{ "quiet", 1, 1e9, -1 },		/* ttl > max */
		{ "cpu.shutdown.margin", 5, 600, -1 },
		{ "gpu.trip_c", 5, 600, -1 },
		{ "cpu.panic.lead_s", 5, 600, -1 },
		{ "", 5, 600, -1 },
		{ "cpu.trip_c", NAN, 600, -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fix f;
		char err[128];
		int ret;

		fix_init(&f, ENG_CLASS_CPU);
		fix_start(&f, ENG_CLASS_CPU);
		ret = eng_override_set(f.e, cases[i].key, cases[i].value,
		    cases[i].ttl, "test", "ops", 0, err, sizeof(err));
		print_message("override %s=%g ttl %g: %d %s\n", cases[i].key,
		    cases[i].value, cases[i].ttl, ret, err);
		assert_int_equal(ret, cases[i].want);
		assert_int_equal(eng_override_count(f.e), ret < 0 ? 0 : 1);
		if (ret != 0)
			assert_true(strlen(err) > 0);
		if (ret >= 0) {
			const struct eng_override *o = eng_override_get(f.e, 0);
			double min, max;

			assert_true(eng_override_key_valid(o->key, &min, &max));
			assert_true(o->value >= min && o->value <= max);
			assert_string_equal(o->author, "ops");
			assert_string_equal(o->reason, "test");
		}
		fix_done(&f);
	}
}

static void
test_override_expiry(void **state)
{
	struct fix f;
	char err[128];

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	fix_start(&f, ENG_CLASS_CPU);
	fix_hold(&f, 50, 1);
	assert_int_equal(eng_override_set(f.e, "quiet", 1, 60, "maint",
	    "ops", f.t * 1000, err, sizeof(err)), 0);
	fix_hold(&f, 50, 59);
	assert_int_equal(eng_override_count(f.e), 1);
	fix_hold(&f, 50, 1);
	assert_int_equal(eng_override_count(f.e), 0);
	assert_int_equal(f.out.n_expired, 1);
	assert_string_equal(f.out.expired[0], "quiet");
	assert_int_equal(eng_override_clear(f.e, "quiet"), -1);
	fix_done(&f);
}

/* quiet suppresses notify and migrate, never shutdown. */
static void
test_override_quiet(void **state)
{
	struct fix f;
	const struct eng_class_conf *cc;
	char err[128];

	(void)state;
	fix_init(&f, ENG_CLASS_EXHAUST);
	cc = &f.conf.cls[ENG_CLASS_EXHAUST];
	fix_start(&f, ENG_CLASS_EXHAUST);
	fix_hold(&f, 40, 10);
	assert_int_equal(eng_override_set(f.e, "quiet", 1, 3600, "maint",
	    "ops", f.t * 1000, err, sizeof(err)), 0);
	while (view(&f).value_c < cc->trip_c - cc->shutdown.margin_c + 0.5)
		fix_hold(&f, view(&f).value_c + 1, 1);
	fix_hold(&f, view(&f).value_c, 30);
	assert_int_equal(f.out.state, ENG_STATE_CRITICAL);
	assert_int_equal(f.n_dec[ENG_ACT_NOTIFY], 0);
	assert_int_equal(f.n_dec[ENG_ACT_MIGRATE], 0);
	assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 1);
	fix_done(&f);
}

/* The floor holds: an override asking for a 0.5 C shutdown margin still
 * shuts down at trip - floor_margin_c. */
static void
test_override_floor(void **state)
{
	struct fix f;
	const struct eng_class_conf *cc;
	char err[128];
	double floor_at;

	(void)state;
	fix_init(&f, ENG_CLASS_OTHER);
	cc = &f.conf.cls[ENG_CLASS_OTHER];
	fix_start(&f, ENG_CLASS_OTHER);
	assert_int_equal(eng_override_set(f.e, "other.shutdown.margin_c", 0.5,
	    3600, "benchmark", "ops", 0, err, sizeof(err)), 1);
	floor_at = cc->trip_c - f.conf.policy.floor_margin_c;
	fix_hold(&f, floor_at - 3, 30);
	fix_hold(&f, floor_at - 1.5, 1);
	fix_hold(&f, floor_at + 0.3, 30);
	assert_int_equal(f.out.state, ENG_STATE_CRITICAL);
	fix_done(&f);
}

/* A lowered trip moves every level down with it. */
static void
test_override_trip(void **state)
{
	struct fix f;
	const struct eng_class_conf *cc;
	char err[128];

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	cc = &f.conf.cls[ENG_CLASS_CPU];
	fix_start(&f, ENG_CLASS_CPU);
	fix_hold(&f, 70, 30);
	assert_int_equal(f.out.state, ENG_STATE_OK);
	assert_int_equal(eng_override_set(f.e, "cpu.trip_c", 80, 3600, "weak fan",
	    "ops", f.t * 1000, err, sizeof(err)), 0);
	fix_hold(&f, 70, 30);
	/* 70 is within cpu's migrate margin of 80 */
	assert_true(80 - 70 <= cc->migrate.margin_c + 2);
	assert_true(f.out.state >= ENG_STATE_WARN);
	fix_done(&f);
}

/* ---- rule 7: baselines ---- */

static void
test_policy_static_and_none(void **state)
{
	static const enum eng_policy_kind kinds[] = {
		ENG_POLICY_THERMWATCH, ENG_POLICY_STATIC, ENG_POLICY_NONE
	};
	/* one spike to 150 on a cpu at 50: only the static baseline,
	 * which has no validation or persistence, acts on it */
	static const int want_shutdowns[] = { 0, 1, 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct fix f;

		fix_init(&f, ENG_CLASS_CPU);
		f.conf.policy.kind = kinds[i];
		fix_start(&f, ENG_CLASS_CPU);
		fix_hold(&f, 50, 30);
		fix_hold(&f, 150, 1);
		fix_hold(&f, 50, 30);
		assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], want_shutdowns[i]);
		if (kinds[i] == ENG_POLICY_NONE)
			assert_int_equal(f.out.state, ENG_STATE_OK);
		fix_done(&f);
	}
}

/* ---- configuration, names ---- */

static void
test_conf_validate(void **state)
{
	struct eng_conf c;
	char err[256];

	(void)state;
	eng_conf_defaults(&c);
	assert_int_equal(eng_conf_validate(&c, err, sizeof(err)), 0);

	c.cls[ENG_CLASS_CPU].shutdown.margin_c = 1.0;	/* below floor 2 */
	assert_int_equal(eng_conf_validate(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "floor"));

	eng_conf_defaults(&c);
	c.cls[ENG_CLASS_INLET].filter_window = 4;
	assert_int_equal(eng_conf_validate(&c, err, sizeof(err)), -1);

	eng_conf_defaults(&c);
	c.cls[ENG_CLASS_EXHAUST].migrate.margin_c = 20;	/* > warn 12 */
	assert_int_equal(eng_conf_validate(&c, err, sizeof(err)), -1);

	eng_conf_defaults(&c);
	c.cls[ENG_CLASS_OTHER].min_valid_c = 200;
	assert_int_equal(eng_conf_validate(&c, err, sizeof(err)), -1);

	eng_conf_defaults(&c);
	c.policy.shutdown_safety_factor = 0.5;
	assert_int_equal(eng_conf_validate(&c, err, sizeof(err)), -1);
}

static void
test_names(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < ENG_CLASS_COUNT; i++)
		assert_int_equal(eng_class_from_name(
		    eng_class_name((enum eng_class)i)), i);
	for (i = 0; i <= ENG_POLICY_NONE; i++)
		assert_int_equal(eng_policy_from_name(
		    eng_policy_name((enum eng_policy_kind)i)), i);
	assert_int_equal(eng_class_from_name("gpu"), -1);
	assert_string_equal(eng_state_name(ENG_STATE_HOT), "hot");
	assert_string_equal(eng_action_name(ENG_ACT_SHUTDOWN), "shutdown");
	assert_string_equal(eng_trip_src_name(ENG_TRIP_HW), "hw");
}

/* Re-adding an id returns the same index; a bad trip falls back to the
 * class default; reconfigure keeps the state. */
static void
test_sensors_and_reconfigure(void **state)
{
	struct fix f;
	struct eng_conf c2;
	int i;

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	fix_start(&f, ENG_CLASS_CPU);
	assert_int_equal(eng_sensor_add(f.e, "chip/temp1", ENG_CLASS_CPU, 95,
	    ENG_TRIP_HW), 0);
	i = eng_sensor_add(f.e, "chip/temp2", ENG_CLASS_OTHER, NAN,
	    ENG_TRIP_HW);
	assert_int_equal(i, 1);
	assert_int_equal(eng_sensor_find(f.e, "chip/temp2"), 1);
	{
		struct eng_sensor_view v;

		eng_sensor_view(f.e, i, &v);
		assert_int_equal(v.trip_src, ENG_TRIP_CLASS_DEFAULT);
		assert_float_equal(v.trip_c,
		    f.conf.cls[ENG_CLASS_OTHER].trip_c, 1e-9);
	}
	eng_sensor_remove(f.e, 1);
	fix_hold(&f, 92, 60);
	assert_true(f.out.state >= ENG_STATE_HOT);
	c2 = f.conf;
	c2.cls[ENG_CLASS_CPU].filter_window = 1;
	eng_reconfigure(f.e, &c2);
	fix_hold(&f, 92, 1);
	assert_true(f.out.state >= ENG_STATE_HOT);
	assert_int_equal(eng_sensor_count(f.e), 2);
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
		cmocka_unit_test(test_stale_extrapolation),
		cmocka_unit_test(test_stale_cool_sensor_not_extrapolated),
		cmocka_unit_test(test_zone_quorum_table),
		cmocka_unit_test(test_zone_stale_peers),
		cmocka_unit_test(test_zone_tier_order),
		cmocka_unit_test(test_zone_slope_shutdown),
		cmocka_unit_test(test_override_table),
		cmocka_unit_test(test_override_expiry),
		cmocka_unit_test(test_override_quiet),
		cmocka_unit_test(test_override_floor),
		cmocka_unit_test(test_override_trip),
		cmocka_unit_test(test_policy_static_and_none),
		cmocka_unit_test(test_conf_validate),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sensors_and_reconfigure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
