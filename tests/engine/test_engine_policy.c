/*
 * test_engine_policy.c - table-driven unit tests for rules 5-7 of the
 * engine's contract: zone alarm with quorum and tier order, overrides
 * (bounds, floor, expiry, quiet), the static and none baselines; plus the
 * configuration check, names and sensor bookkeeping.
 */
#include "fixture.h"

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
		{ 0, 0, false }, { 3, 1, false }, /* 1 of 4 */
		{ 3, 2, true },                   /* 2 of 4 */
		{ 9, 4, false },                  /* 4 of 10 */
		{ 9, 5, true },                   /* 5 of 10 */
		{ 1, 1, false },                  /* fraction ok, count not */
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
		add_peers(
		    f.e, cases[i].peers, cases[i].rising, rise, f.t * 1000);
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
		double slope = 2.0 / 60.0; /* 2 C/min, Hosting365 */

		fix_init(&f, ENG_CLASS_INLET);
		f.conf.tier = tiers[i];
		fix_start(&f, ENG_CLASS_INLET);
		fix_hold(&f, 22, 30);
		for (k = 0; k < 2000; k++) {
			add_peers(f.e, 6, 6, slope, f.t * 1000);
			fix_hold(&f, 22, 1); /* own inlet flat */
			if (f.out.state >= ENG_STATE_HOT && hot_at[i] < 0)
				hot_at[i] = k;
		}
		assert_true(f.out.zone_alarm);
		/* Peers alone never shut a host down: its own inlet is
		 * flat. */
		assert_int_equal(f.n_dec[ENG_ACT_SHUTDOWN], 0);
		fix_done(&f);
	}
	print_message(
	    "tier 0 hot at %d s, tier 6 at %d s\n", hot_at[0], hot_at[1]);
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

/* In a zone alarm the tier widens the migrate and shutdown margins too:
 * at the same rising inlet a tier 4 host shuts down, a tier 0 host only
 * warns. With its own inlet flat and short of its warn margin, the wider
 * shutdown margin does not apply (peers alone never shut a host down);
 * the migrate one does. */
static void
test_zone_tier_margins(void **state)
{
	static const struct {
		int tier;
		bool rising;
		enum eng_state want;
	} cases[] = {
		{ 0, true, ENG_STATE_WARN },
		{ 4, true, ENG_STATE_CRITICAL },
		/* flat past its own warn level, but it was there before the
		 * alarm: no rise of its own, no tier margin (it migrates) */
		{ 4, false, ENG_STATE_HOT },
		{ 6, false, ENG_STATE_HOT },
	};
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fix f;
		const struct eng_class_conf *cc;
		double mult, v;

		fix_init(&f, ENG_CLASS_INLET);
		f.conf.tier = cases[i].tier;
		/* no eta from any slope: margins only */
		f.conf.cls[ENG_CLASS_INLET].max_trend_c_per_s = 1e-3;
		f.conf.policy.zone_rise_c_per_h = 1000;
		cc = &f.conf.cls[ENG_CLASS_INLET];
		mult = 1 + f.conf.policy.tier_lead_factor * cases[i].tier;
		/* inside the tier's shutdown margin, outside tier 0's */
		v = cc->trip_c - cc->shutdown.margin_c * mult + 0.5;
		if (cases[i].tier == 0)
			v = cc->trip_c - cc->shutdown.margin_c * 3 + 0.5;
		assert_true(v < cc->trip_c - cc->shutdown.margin_c);
		if (cases[i].tier == 6)
			assert_true(v < cc->trip_c - cc->warn.margin_c);
		fix_start(&f, ENG_CLASS_INLET);
		fix_hold(&f, cases[i].rising ? v - 3 : v, 400);
		for (k = 0; k < 400; k++) {
			struct eng_peer p;
			int j;

			for (j = 0; j < 4; j++) {
				memset(&p, 0, sizeof(p));
				snprintf(p.host, sizeof(p.host), "p%d", j);
				p.inlet_c = f.conf.policy.zone_high_c + 2;
				p.t_ms = f.t * 1000;
				eng_peer_update(f.e, &p);
			}
			fix_hold(
			    &f, cases[i].rising ? v - 3 + 3.0 * k / 399 : v, 1);
		}
		print_message("tier %d %s: %s\n", cases[i].tier,
		    cases[i].rising ? "rising" : "flat", f.out.reason);
		assert_true(f.out.zone_alarm);
		assert_int_equal(f.out.state, cases[i].want);
		fix_done(&f);
	}
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
		{ "cpu.shutdown.margin_c", 0.5, 600, 1 }, /* < floor */
		{ "inlet.migrate.lead_s", 900, 600, 0 },
		{ "inlet.shutdown.lead_s", 1, 600, 1 }, /* < min lead */
		{ "cpu.trip_c", 96, 600, 0 },
		{ "cpu.trip_c", 90, 600, 1 },  /* > override_max_tighten_c */
		{ "cpu.trip_c", 120, 600, 1 }, /* may only lower */
		{ "exhaust.warn.margin_c", 500, 600, 1 },
		{ "quiet", 1, 600, 0 },
		{ "quiet", 1, 0, -1 }, /* ttl required */
		{ "quiet", 1, -5, -1 },
		{ "quiet", 1, 1e9, -1 }, /* ttl > max */
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
			assert_true(
			    eng_override_bounds(f.e, o->key, &min, &max));
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
	assert_int_equal(eng_override_set(f.e, "quiet", 1, 60, "maint", "ops",
			     f.t * 1000, err, sizeof(err)),
	    0);
	fix_hold(&f, 50, 59);
	assert_int_equal(eng_override_count(f.e), 1);
	fix_hold(&f, 50, 1);
	assert_int_equal(eng_override_count(f.e), 0);
	assert_int_equal(f.out.n_expired, 1);
	assert_string_equal(f.out.expired[0], "quiet");
	assert_int_equal(eng_override_clear(f.e, "quiet"), -1);
	fix_done(&f);
}

/* The settings with the overrides in force are kept from one evaluation
 * to the next (ovr_effective_all): an override that expires between two
 * evaluations with nothing else changed, one set or cleared between
 * them, and a reload all count at the very next evaluation. */
static void
test_override_cache(void **state)
{
	struct fix f;
	char err[128];
	int i;

	(void)state;
	fix_init(&f, ENG_CLASS_CPU);
	fix_start(&f, ENG_CLASS_CPU);
	fix_hold(&f, 60, 10);
	assert_float_equal(view(&f).headroom_c, 40.0, 1e-9);
	assert_int_equal(eng_override_set(f.e, "cpu.trip_c", 97, 30, "fan",
			     "ops", f.t * 1000, err, sizeof(err)),
	    0);
	/* in force for its 30 s, evaluation after evaluation */
	for (i = 0; i < 29; i++) {
		fix_hold(&f, 60, 1);
		assert_float_equal(view(&f).headroom_c, 37.0, 1e-9);
		assert_int_equal(f.out.n_expired, 0);
	}
	/* expired at the next one: the same reading, no other change */
	fix_hold(&f, 60, 1);
	assert_int_equal(f.out.n_expired, 1);
	assert_float_equal(view(&f).headroom_c, 40.0, 1e-9);
	fix_hold(&f, 60, 5);
	assert_float_equal(view(&f).headroom_c, 40.0, 1e-9);
	/* set, then cleared, between two evaluations each */
	assert_int_equal(eng_override_set(f.e, "cpu.trip_c", 98, 3600, "fan",
			     "ops", f.t * 1000, err, sizeof(err)),
	    0);
	fix_hold(&f, 60, 1);
	assert_float_equal(view(&f).headroom_c, 38.0, 1e-9);
	assert_int_equal(eng_override_clear(f.e, "cpu.trip_c"), 0);
	fix_hold(&f, 60, 1);
	assert_float_equal(view(&f).headroom_c, 40.0, 1e-9);
	/* a reload that widens the warn margin past the headroom: warn */
	assert_int_equal(view(&f).level, 0);
	f.conf.cls[ENG_CLASS_CPU].warn.margin_c = 45.0;
	eng_reconfigure(f.e, &f.conf);
	fix_hold(&f, 60, 1 + (int)f.conf.cls[ENG_CLASS_CPU].persist_s);
	assert_int_equal(view(&f).level, 1);
	assert_int_equal(f.out.state, ENG_STATE_WARN);
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
	assert_int_equal(eng_override_set(f.e, "quiet", 1, 3600, "maint", "ops",
			     f.t * 1000, err, sizeof(err)),
	    0);
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
			     3600, "benchmark", "ops", 0, err, sizeof(err)),
	    1);
	floor_at = cc->trip_c - f.conf.policy.floor_margin_c;
	{
		double min, max;

		assert_true(eng_override_bounds(
		    f.e, "other.shutdown.margin_c", &min, &max));
		assert_float_equal(min, f.conf.policy.floor_margin_c, 0);
	}
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
	f.conf.policy.override_max_tighten_c = 20; /* the config allows it */
	fix_start(&f, ENG_CLASS_CPU);
	fix_hold(&f, 70, 30);
	assert_int_equal(f.out.state, ENG_STATE_OK);
	assert_int_equal(eng_override_set(f.e, "cpu.trip_c", 80, 3600,
			     "weak fan", "ops", f.t * 1000, err, sizeof(err)),
	    0);
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
	static const enum eng_policy_kind kinds[] = { ENG_POLICY_THERMWATCH,
		ENG_POLICY_STATIC, ENG_POLICY_NONE };
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

	c.cls[ENG_CLASS_CPU].shutdown.margin_c = 1.0; /* below floor 2 */
	assert_int_equal(eng_conf_validate(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "floor"));

	eng_conf_defaults(&c);
	c.cls[ENG_CLASS_INLET].filter_window = 4;
	assert_int_equal(eng_conf_validate(&c, err, sizeof(err)), -1);

	eng_conf_defaults(&c);
	c.cls[ENG_CLASS_EXHAUST].migrate.margin_c = 20; /* > warn 12 */
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
		assert_int_equal(
		    eng_class_from_name(eng_class_name((enum eng_class)i)), i);
	for (i = 0; i <= ENG_POLICY_NONE; i++)
		assert_int_equal(eng_policy_from_name(
				     eng_policy_name((enum eng_policy_kind)i)),
		    i);
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
	assert_int_equal(
	    eng_sensor_add(f.e, "chip/temp1", ENG_CLASS_CPU, 95, ENG_TRIP_HW),
	    0);
	i = eng_sensor_add(
	    f.e, "chip/temp2", ENG_CLASS_OTHER, NAN, ENG_TRIP_HW);
	assert_int_equal(i, 1);
	assert_int_equal(eng_sensor_find(f.e, "chip/temp2"), 1);
	{
		struct eng_sensor_view v;

		eng_sensor_view(f.e, i, &v);
		assert_int_equal(v.trip_src, ENG_TRIP_CLASS_DEFAULT);
		assert_float_equal(
		    v.trip_c, f.conf.cls[ENG_CLASS_OTHER].trip_c, 1e-9);
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

/* Capacity is the caller's choice at create time (1,024 sensors and
 * more); a refused registration is visible: -1, the output's count and a
 * degraded host that says why. */
static void
test_capacity(void **state)
{
	static const int caps[] = { 1, 64, 1024, ENG_SENSORS_LIMIT };
	struct eng_conf conf;
	size_t k;

	(void)state;
	eng_conf_defaults(&conf);
	assert_null(eng_create_sized(&conf, 0));
	assert_null(eng_create_sized(&conf, ENG_SENSORS_LIMIT + 1));
	{
		struct eng *e = eng_create(&conf);

		assert_int_equal(eng_sensor_capacity(e), ENG_MAX_SENSORS);
		eng_free(e);
	}
	for (k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
		struct eng *e = eng_create_sized(&conf, caps[k]);
		struct eng_output out;
		int i, t;

		assert_non_null(e);
		assert_int_equal(eng_sensor_capacity(e), caps[k]);
		for (i = 0; i < caps[k]; i++) {
			char id[32];

			snprintf(id, sizeof(id), "s%d", i);
			assert_int_equal(
			    eng_sensor_add(e, id, (enum eng_class)(i % 4), 90,
				ENG_TRIP_HW),
			    i);
		}
		/* an id already there is no new sensor */
		assert_int_equal(
		    eng_sensor_add(e, "s0", ENG_CLASS_CPU, 90, ENG_TRIP_HW), 0);
		for (t = 1; t <= 20; t++) {
			for (i = 0; i < caps[k]; i++)
				feed1(e, i, t * 1000, 30 + (i % 7) * 0.1);
			eng_evaluate(e, t * 1000, &out);
		}
		assert_int_equal(out.state, ENG_STATE_OK);
		assert_int_equal(out.sensors_refused, 0);
		assert_int_equal(eng_sensor_add(e, "one-too-many",
				     ENG_CLASS_CPU, 90, ENG_TRIP_HW),
		    -1);
		assert_int_equal(eng_sensor_count(e), caps[k]);
		eng_evaluate(e, 21 * 1000, &out);
		assert_int_equal(out.sensors_refused, 1);
		assert_int_equal(out.state, ENG_STATE_DEGRADED);
		assert_non_null(strstr(out.reason, "capacity"));
		eng_free(e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zone_quorum_table),
		cmocka_unit_test(test_zone_stale_peers),
		cmocka_unit_test(test_zone_tier_order),
		cmocka_unit_test(test_zone_slope_shutdown),
		cmocka_unit_test(test_zone_tier_margins),
		cmocka_unit_test(test_override_table),
		cmocka_unit_test(test_override_expiry),
		cmocka_unit_test(test_override_cache),
		cmocka_unit_test(test_override_quiet),
		cmocka_unit_test(test_override_floor),
		cmocka_unit_test(test_override_trip),
		cmocka_unit_test(test_policy_static_and_none),
		cmocka_unit_test(test_conf_validate),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sensors_and_reconfigure),
		cmocka_unit_test(test_capacity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
