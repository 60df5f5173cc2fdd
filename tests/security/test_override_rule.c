/*
 * test_override_rule.c - no override can start a shutdown (override.h):
 * the issue's one message, every shutdown-side key at every extreme, the
 * current value and eta, trip and margin together, zone and site scope,
 * a reload that lowers the maximum. Only the public engine API.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "override.h"

struct fx {
	struct eng_conf conf;
	struct eng *e;
	int cpu, inlet;
	int64_t t_ms;
	struct eng_output out;
	int shutdowns;
};

static void
fx_start(struct fx *f)
{
	f->e = eng_create(&f->conf);
	assert_non_null(f->e);
	f->cpu = eng_sensor_add(f->e, "coretemp/Package id 0", ENG_CLASS_CPU,
	    f->conf.cls[ENG_CLASS_CPU].trip_c, ENG_TRIP_CLASS_DEFAULT);
	f->inlet = eng_sensor_add(f->e, "bmc/Inlet Temp", ENG_CLASS_INLET,
	    f->conf.cls[ENG_CLASS_INLET].trip_c, ENG_TRIP_CLASS_DEFAULT);
	assert_true(f->cpu >= 0 && f->inlet >= 0);
}

static void
fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	eng_conf_defaults(&f->conf);
	fx_start(f);
}

/* n seconds of cpu and inlet readings (cpu rising by slope C/s). */
static void
fx_run(struct fx *f, double cpu, double slope, double inlet, int n)
{
	struct eng_reading r;
	int i, k;

	for (i = 0; i < n; i++) {
		f->t_ms += 1000;
		r.t_ms = f->t_ms;
		r.quality = ENG_Q_OK;
		r.sensor = f->cpu;
		r.value_c = cpu + slope * i;
		eng_feed(f->e, &r);
		r.sensor = f->inlet;
		r.value_c = inlet;
		eng_feed(f->e, &r);
		eng_evaluate(f->e, f->t_ms, &f->out);
		for (k = 0; k < f->out.n_decisions; k++)
			if (f->out.decisions[k].action == ENG_ACT_SHUTDOWN)
				f->shutdowns++;
	}
}

static int
set(struct fx *f, const char *key, double value, char *err, size_t len)
{
	return eng_override_set(
	    f->e, key, value, 3600, "test", "mallory", f->t_ms, err, len);
}

static const struct eng_override *
in_force(const struct fx *f, const char *key)
{
	int i;

	for (i = 0; i < eng_override_count(f->e); i++)
		if (strcmp(eng_override_get(f->e, i)->key, key) == 0)
			return eng_override_get(f->e, i);
	return NULL;
}

/* The issue: {"key":"cpu.trip_c","value":5} for a zone, then a site, then
 * this host; and the same with margin 100 and lead 86400. */
static void
test_issue_message(void **state)
{
	static const struct {
		const char *key;
		double value;
	} shots[] = { { "cpu.trip_c", 5 }, { "cpu.shutdown.margin_c", 100 },
		{ "cpu.shutdown.lead_s", 86400 }, { "inlet.trip_c", 5 },
		{ "inlet.shutdown.margin_c", 100 },
		{ "inlet.shutdown.lead_s", 86400 } };
	struct fx f;
	char err[256];
	double applied;
	size_t i;
	int rc;

	(void)state;
	fx_init(&f);
	fx_run(&f, 45, 0, 24, 60);
	assert_int_equal(f.out.state, ENG_STATE_OK);
	for (i = 0; i < sizeof(shots) / sizeof(shots[0]); i++) {
		rc = eng_override_check_scope(f.e, shots[i].key, shots[i].value,
		    60, ENG_SCOPE_ZONE, &applied, err, sizeof(err));
		assert_int_equal(rc, -1);
		assert_non_null(
		    strstr(err, "only a request for this one host"));
		rc = eng_override_check_scope(f.e, shots[i].key, shots[i].value,
		    60, ENG_SCOPE_SITE, &applied, err, sizeof(err));
		assert_int_equal(rc, -1);
		assert_non_null(strstr(err, "whole site"));
		/* for this host: clamped into the config's maximum (MQTT
		 * refuses a clamped request as a whole; here it is set) */
		rc = set(&f, shots[i].key, shots[i].value, err, sizeof(err));
		print_message(
		    "%s = %g: %d %s\n", shots[i].key, shots[i].value, rc, err);
		assert_int_equal(rc, 1);
	}
	/* most of the hour they are in force, at 45 C cpu, 24 C inlet:
	 * nothing happens */
	fx_run(&f, 45, 0, 24, 3000);
	assert_int_equal(f.shutdowns, 0);
	assert_true(f.out.state != ENG_STATE_CRITICAL);
	/* the levels moved down by the maximum, no more */
	assert_float_equal(in_force(&f, "cpu.trip_c")->value,
	    f.conf.cls[ENG_CLASS_CPU].trip_c -
		f.conf.policy.override_max_tighten_c,
	    1e-9);
	fx_run(&f, 95 - f.conf.cls[ENG_CLASS_CPU].shutdown.margin_c - 1.5, 0,
	    24, 120);
	assert_int_equal(f.shutdowns, 0);
	eng_free(f.e);
}

/*
 * Property: whatever shutdown-side overrides are set, with whatever
 * values, a host whose sensors stay below (config shutdown level -
 * override_max_tighten_c - hysteresis) never goes critical.
 */
static void
test_no_value_starts_a_shutdown(void **state)
{
	static const char *const keys[] = { "cpu.trip_c",
		"cpu.shutdown.margin_c", "cpu.shutdown.lead_s", "inlet.trip_c",
		"inlet.shutdown.margin_c", "inlet.shutdown.lead_s",
		"cpu.migrate.margin_c", "cpu.warn.margin_c", "quiet" };
	uint32_t x = 12345;
	int round, k;

	(void)state;
	for (round = 0; round < 40; round++) {
		struct fx f;
		const struct eng_class_conf *cc, *ic;
		double cpu, inlet;
		char err[256];

		fx_init(&f);
		cc = &f.conf.cls[ENG_CLASS_CPU];
		ic = &f.conf.cls[ENG_CLASS_INLET];
		x = x * 1103515245u + 12345u;
		cpu = cc->trip_c - cc->shutdown.margin_c -
		    f.conf.policy.override_max_tighten_c - cc->hysteresis_c -
		    0.5 - (x >> 16) % 40;
		inlet = ic->trip_c - ic->shutdown.margin_c -
		    f.conf.policy.override_max_tighten_c - ic->hysteresis_c -
		    0.5 - (x >> 8) % 15;
		fx_run(&f, cpu, 0, inlet, 60);
		for (k = 0; k < 12; k++) {
			x = x * 1103515245u + 12345u;
			set(&f, keys[(x >> 16) % 9],
			    (double)((int)(x % 2000000) - 1000000) / 100.0, err,
			    sizeof(err));
			fx_run(&f, cpu, 0, inlet, 30);
		}
		fx_run(&f, cpu, 0, inlet, 600);
		assert_int_equal(f.shutdowns, 0);
		assert_true(f.out.state != ENG_STATE_CRITICAL);
		eng_free(f.e);
	}
}

/* A tightening that would put the level at the value (+ hysteresis) is
 * refused; one just above is taken; relaxing is always taken. */
static void
test_current_value(void **state)
{
	struct fx f;
	const struct eng_class_conf *cc;
	double hot;
	char err[256];

	(void)state;
	fx_init(&f);
	cc = &f.conf.cls[ENG_CLASS_CPU];
	/* 93 C: shutdown level 97 (trip 100 - margin 3), hysteresis 3 */
	hot = cc->trip_c - cc->shutdown.margin_c - 4;
	fx_run(&f, hot, 0, 24, 60);
	assert_int_equal(set(&f, "cpu.shutdown.margin_c",
			     cc->shutdown.margin_c + 1.5, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "an override never starts a shutdown"));
	assert_non_null(strstr(err, "coretemp/Package id 0"));
	assert_int_equal(
	    set(&f, "cpu.trip_c", cc->trip_c - 2, err, sizeof(err)), -1);
	assert_null(in_force(&f, "cpu.trip_c"));
	/* level 96.5 > 93 + 3 */
	assert_int_equal(set(&f, "cpu.shutdown.margin_c",
			     cc->shutdown.margin_c + 0.5, err, sizeof(err)),
	    0);
	/* relaxing is taken whatever the value */
	assert_int_equal(set(&f, "cpu.shutdown.margin_c",
			     f.conf.policy.floor_margin_c, err, sizeof(err)),
	    0);
	fx_run(&f, hot, 0, 24, 300);
	assert_int_equal(f.shutdowns, 0);
	eng_free(f.e);
}

/* A lead that would take in the eta of a rising sensor is refused. */
static void
test_current_eta(void **state)
{
	struct fx f;
	struct eng_sensor_view v;
	const struct eng_class_conf *cc;
	char err[256];

	(void)state;
	fx_init(&f);
	cc = &f.conf.cls[ENG_CLASS_CPU];
	/* rising 4 C/min from 30 C: at 70 C after 10 min, eta ~450 s:
	 * over the shutdown lead (x 1.25), within twice the lead (x 1.25) */
	fx_run(&f, 30, 4.0 / 60, 24, 600);
	eng_sensor_view(f.e, f.cpu, &v);
	print_message("eta %.0f s, lead %.0f s\n", v.eta_s,
	    cc->shutdown.lead_s * f.conf.policy.shutdown_safety_factor);
	assert_true(isfinite(v.eta_s));
	assert_true(v.eta_s < cc->shutdown.lead_s *
		f.conf.policy.override_max_lead_factor *
		f.conf.policy.shutdown_safety_factor * 1.25);
	assert_true(v.eta_s >
	    cc->shutdown.lead_s * f.conf.policy.shutdown_safety_factor * 1.25);
	assert_int_equal(
	    set(&f, "cpu.shutdown.lead_s",
		cc->shutdown.lead_s * f.conf.policy.override_max_lead_factor,
		err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "within the shutdown lead"));
	/* over the maximum: clamped to it, and refused for the same reason */
	assert_int_equal(
	    set(&f, "cpu.shutdown.lead_s", 86400, err, sizeof(err)), -1);
	assert_int_equal(eng_override_count(f.e), 0);
	eng_free(f.e);
}

/* The trip and the margin together move the level at most the maximum. */
static void
test_trip_and_margin_together(void **state)
{
	struct fx f;
	const struct eng_class_conf *cc;
	double min, max, tight;
	char err[256];

	(void)state;
	fx_init(&f);
	cc = &f.conf.cls[ENG_CLASS_CPU];
	tight = f.conf.policy.override_max_tighten_c;
	fx_run(&f, 50, 0, 24, 30);
	assert_int_equal(
	    set(&f, "cpu.trip_c", cc->trip_c - 3, err, sizeof(err)), 0);
	assert_true(
	    eng_override_bounds(f.e, "cpu.shutdown.margin_c", &min, &max));
	assert_float_equal(max, cc->shutdown.margin_c + tight - 3, 1e-9);
	assert_int_equal(set(&f, "cpu.shutdown.margin_c",
			     cc->shutdown.margin_c + 4, err, sizeof(err)),
	    1);
	assert_float_equal(in_force(&f, "cpu.shutdown.margin_c")->value,
	    cc->shutdown.margin_c + tight - 3, 1e-9);
	/* relaxing the margin does not widen the trip's own bound */
	assert_int_equal(set(&f, "cpu.shutdown.margin_c",
			     f.conf.policy.floor_margin_c, err, sizeof(err)),
	    0);
	assert_true(eng_override_bounds(f.e, "cpu.trip_c", &min, &max));
	assert_float_equal(min, cc->trip_c - tight, 1e-9);
	eng_free(f.e);
}

/* Zone and site: quiet, warn and migrate only. */
static void
test_scope(void **state)
{
	static const char *const side[] = { "cpu.trip_c",
		"exhaust.shutdown.margin_c", "other.shutdown.lead_s" };
	static const char *const fine[] = { "quiet", "cpu.warn.margin_c",
		"inlet.migrate.lead_s", "exhaust.migrate.margin_c" };
	struct fx f;
	char err[256];
	double min, max, v;
	size_t i;

	(void)state;
	fx_init(&f);
	fx_run(&f, 50, 0, 24, 30);
	for (i = 0; i < 3; i++) {
		assert_true(eng_override_shutdown_side(side[i]));
		assert_true(eng_override_bounds(f.e, side[i], &min, &max));
		/* neither way: not even the relaxing end */
		assert_int_equal(eng_override_check_scope(f.e, side[i], min, 60,
				     ENG_SCOPE_ZONE, &v, err, sizeof(err)),
		    -1);
		assert_int_equal(eng_override_check_scope(f.e, side[i], max, 60,
				     ENG_SCOPE_SITE, &v, err, sizeof(err)),
		    -1);
		assert_int_equal(eng_override_check_scope(f.e, side[i], max, 60,
				     ENG_SCOPE_HOST, &v, err, sizeof(err)),
		    0);
	}
	for (i = 0; i < 4; i++) {
		assert_false(eng_override_shutdown_side(fine[i]));
		assert_int_equal(eng_override_check_scope(f.e, fine[i], 1, 60,
				     ENG_SCOPE_SITE, &v, err, sizeof(err)),
		    0);
	}
	assert_string_equal(eng_scope_name(ENG_SCOPE_ZONE), "zone");
	eng_free(f.e);
}

/* A reload that lowers the maximum tightens overrides in force too. */
static void
test_reload_lowers_maximum(void **state)
{
	struct fx f;
	const struct eng_class_conf *cc;
	char err[256];
	int i;

	(void)state;
	fx_init(&f);
	cc = &f.conf.cls[ENG_CLASS_CPU];
	f.conf.policy.override_max_tighten_c = 10;
	eng_reconfigure(f.e, &f.conf);
	/* 85 C: a shutdown level of 90 is above 85 + hysteresis */
	fx_run(&f, 85, 0, 24, 60);
	assert_int_equal(set(&f, "cpu.shutdown.margin_c",
			     cc->shutdown.margin_c + 7, err, sizeof(err)),
	    0);
	f.conf.policy.override_max_tighten_c = 0;
	eng_reconfigure(f.e, &f.conf);
	/* slowly up to 91 C, past the override's level (90), well below
	 * the config's (97): no shutdown, the override counts for nothing */
	for (i = 0; i < 6; i++)
		fx_run(&f, 85 + i, 0, 24, 100);
	fx_run(&f, 91, 0, 24, 300);
	assert_int_equal(f.shutdowns, 0);
	assert_true(f.out.state != ENG_STATE_CRITICAL);
	eng_free(f.e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_message),
		cmocka_unit_test(test_no_value_starts_a_shutdown),
		cmocka_unit_test(test_current_value),
		cmocka_unit_test(test_current_eta),
		cmocka_unit_test(test_trip_and_margin_together),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_reload_lowers_maximum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
