/*
 * test_conf_engine.c - the "classes" and "policy" groups: parsing, errors
 * with line numbers, the engine's consistency check, and emit -> parse.
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
#include <libconfig.h>

#include "conf_engine.h"

struct parsed {
	struct eng_conf conf;
	int errors;
	char msg[2048];
};

static void
parse(const char *text, struct parsed *p)
{
	struct cnf_ctx ctx = { .file = "test.conf", .errors = 0 };
	const config_setting_t *root;
	config_t cfg;
	FILE *err;

	memset(p, 0, sizeof(*p));
	eng_conf_defaults(&p->conf);
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE)
		fail_msg("libconfig: %s at line %d", config_error_text(&cfg),
		    config_error_line(&cfg));
	err = fmemopen(p->msg, sizeof(p->msg) - 1, "w");
	assert_non_null(err);
	ctx.err = err;
	root = config_root_setting(&cfg);
	engine_conf_parse(&ctx, cnf_group(&ctx, root, "classes"),
	    cnf_group(&ctx, root, "policy"), &p->conf);
	fclose(err);
	p->errors = ctx.errors;
	config_destroy(&cfg);
}

static void
test_parse_values(void **state)
{
	static const char text[] =
	    "classes = {\n"
	    "  cpu = { trip_c = 95; persist_s = 4;\n"
	    "    warn = { margin_c = 20.0; eta_s = 2400; };\n"
	    "    migrate = { margin_c = 9; lead_s = 900; };\n"
	    "    shutdown = { margin_c = 4; lead_s = 240; }; };\n"
	    "  inlet = { trend_window_s = 240; filter_window = 5;\n"
	    "    max_trend_c_per_s = 0.5; };\n"
	    "};\n"
	    "policy = { kind = \"static\"; zone_quorum_count = 3;\n"
	    "  floor_margin_c = 2.5; stale_extrapolate = false;\n"
	    "  wait_fraction = 0.1; confirm_samples = 3;\n"
	    "  horizon_factor = 0.5; frozen_delta_c = 3;\n"
	    "  sibling_tolerance_c = 4.5; };\n";
	struct parsed p;
	struct eng_conf def;

	(void)state;
	eng_conf_defaults(&def);
	parse(text, &p);
	assert_int_equal(p.errors, 0);
	assert_float_equal(p.conf.cls[ENG_CLASS_CPU].trip_c, 95, 1e-9);
	assert_float_equal(p.conf.cls[ENG_CLASS_CPU].persist_s, 4, 1e-9);
	assert_float_equal(p.conf.cls[ENG_CLASS_CPU].warn.lead_s, 2400, 1e-9);
	assert_float_equal(p.conf.cls[ENG_CLASS_CPU].migrate.lead_s, 900, 1e-9);
	assert_float_equal(
	    p.conf.cls[ENG_CLASS_CPU].shutdown.margin_c, 4, 1e-9);
	assert_float_equal(
	    p.conf.cls[ENG_CLASS_INLET].trend_window_s, 240, 1e-9);
	assert_float_equal(p.conf.cls[ENG_CLASS_INLET].filter_window, 5, 0);
	assert_float_equal(
	    p.conf.cls[ENG_CLASS_INLET].max_trend_c_per_s, 0.5, 1e-9);
	/* untouched keys keep their defaults */
	assert_float_equal(p.conf.cls[ENG_CLASS_INLET].trip_c,
	    def.cls[ENG_CLASS_INLET].trip_c, 0);
	assert_int_equal(p.conf.policy.kind, ENG_POLICY_STATIC);
	assert_int_equal(p.conf.policy.zone_quorum_count, 3);
	assert_float_equal(p.conf.policy.floor_margin_c, 2.5, 1e-9);
	assert_false(p.conf.policy.stale_extrapolate);
	assert_float_equal(p.conf.policy.wait_fraction, 0.1, 1e-9);
	assert_int_equal(p.conf.policy.confirm_samples, 3);
	assert_float_equal(p.conf.policy.horizon_factor, 0.5, 1e-9);
	assert_float_equal(p.conf.policy.frozen_delta_c, 3, 1e-9);
	assert_float_equal(p.conf.policy.sibling_tolerance_c, 4.5, 1e-9);
}

static void
test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want; /* substring of the message */
	} cases[] = {
		{ "classes = { cpu = { trip = 90; }; };", "trip_c" },
		{ "classes = { gpu = { trip_c = 90; }; };", "gpu" },
		{ "classes = { cpu = { persist_s = -1; }; };", "persist_s" },
		{ "classes = { cpu = { warn = { lead_s = 10; }; }; };",
		    "lead_s" },
		{ "classes = { cpu = { filter_window = 4; }; };", "odd" },
		{ "classes = { inlet = { shutdown = { margin_c = 1; }; }; };",
		    "floor" },
		{ "classes = { exhaust = { migrate = { margin_c = 30; }; };"
		  " };",
		    "margins" },
		{ "policy = { kind = \"thermwach\"; };", "thermwatch" },
		{ "policy = { zone_quorum_fraction = 1.5; };",
		    "zone_quorum_fraction" },
		{ "policy = { max_override_ttl_s = \"1h\"; };",
		    "max_override_ttl_s" },
		{ "policy = { wait_fraction = 0; };", "wait_fraction" },
		{ "policy = { confirm_samples = 0; };", "confirm_samples" },
		{ "policy = { confirm_samples = 2.5; };", "confirm_samples" },
		{ "policy = { horizon_factor = 20; };", "horizon_factor" },
		{ "policy = { frozen_delta_c = -1; };", "frozen_delta_c" },
		{ "policy = {\n  sibling_tolerance_c = 0; };", "test.conf:2" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parsed p;

		parse(cases[i].text, &p);
		print_message("%s -> %s", cases[i].text, p.msg);
		assert_true(p.errors >= 1);
		assert_non_null(strstr(p.msg, cases[i].want));
		assert_non_null(strstr(p.msg, "test.conf"));
	}
}

/* What --check-config prints parses back to the same configuration. */
static void
test_emit_roundtrip(void **state)
{
	struct parsed p;
	struct eng_conf c;
	config_t cfg;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int i;

	(void)state;
	eng_conf_defaults(&c);
	c.cls[ENG_CLASS_EXHAUST].trip_c = 72.5;
	c.cls[ENG_CLASS_OTHER].hold_s = 33;
	c.policy.kind = ENG_POLICY_NONE;
	c.policy.zone_rise_c_per_h = 12.5;
	c.policy.wait_fraction = 0.3;
	c.policy.confirm_samples = 4;
	c.policy.horizon_factor = 2;
	c.policy.frozen_delta_c = 1.5;
	c.policy.sibling_tolerance_c = 5;
	config_init(&cfg);
	engine_conf_emit(config_root_setting(&cfg), &c);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	config_write(&cfg, f);
	fclose(f);
	config_destroy(&cfg);

	parse(buf, &p);
	assert_int_equal(p.errors, 0);
	for (i = 0; i < ENG_CLASS_COUNT; i++) {
		const struct eng_class_conf *a = &c.cls[i], *b = &p.conf.cls[i];

		assert_float_equal(a->trip_c, b->trip_c, 1e-6);
		assert_float_equal(a->min_valid_c, b->min_valid_c, 1e-6);
		assert_float_equal(a->max_valid_c, b->max_valid_c, 1e-6);
		assert_float_equal(a->trend_window_s, b->trend_window_s, 1e-6);
		assert_float_equal(a->warn.lead_s, b->warn.lead_s, 1e-6);
		assert_float_equal(
		    a->migrate.margin_c, b->migrate.margin_c, 1e-6);
		assert_float_equal(
		    a->shutdown.lead_s, b->shutdown.lead_s, 1e-6);
		assert_float_equal(a->hold_s, b->hold_s, 1e-6);
		assert_float_equal(
		    a->worst_slew_c_per_s, b->worst_slew_c_per_s, 1e-6);
		assert_float_equal(
		    a->max_trend_c_per_s, b->max_trend_c_per_s, 1e-6);
	}
	assert_int_equal(p.conf.policy.kind, ENG_POLICY_NONE);
	assert_float_equal(p.conf.policy.zone_rise_c_per_h, 12.5, 1e-6);
	assert_float_equal(p.conf.policy.shutdown_safety_factor,
	    c.policy.shutdown_safety_factor, 1e-6);
	assert_float_equal(p.conf.policy.wait_fraction, 0.3, 1e-6);
	assert_int_equal(p.conf.policy.confirm_samples, 4);
	assert_float_equal(p.conf.policy.horizon_factor, 2, 1e-6);
	assert_float_equal(p.conf.policy.frozen_delta_c, 1.5, 1e-6);
	assert_float_equal(p.conf.policy.sibling_tolerance_c, 5, 1e-6);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_emit_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
