/*
 * test_conf.c - config parsing: a good file and every kind of bad one,
 * each with the exact line reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "conf_load.h"

/* Load text; return the error count and the messages in *msgs. */
static void
test_good_file(void **state)
{
	static const char text[] =
	    "agent = { site = \"kth\"; zone = \"flemingsberg\"; "
	    "host = \"hv01\"; tier = 3; interval_s = 2; rescan_s = 30.0;\n"
	    "  state_dir = \"/tmp/tw\"; };\n"
	    "hwmon = { enabled = true; ignore = [ \"nvme-*\", \"acpitz-*\" ]; "
	    "};\n"
	    "ipmi = { enabled = false; };\n"
	    "sensors = (\n"
	    "  { match = \"coretemp-*/Package id 0\"; class = \"cpu\"; "
	    "trip_c = 98.0; },\n"
	    "  { match = \"lm75-*\"; class = \"inlet\"; },\n"
	    "  { match = \"acpitz-*\"; ignore = true; }\n"
	    ");\n"
	    "mqtt = { enabled = false; };\n"
	    "actions = { dry_run = true; };\n"
	    "control = { socket = \"/run/tw.sock\"; mode = \"0640\"; };\n";
	struct agent_conf c;
	char *msgs = NULL;
	const struct sensor_rule *r;

	(void)state;
	assert_int_equal(load(text, &c, &msgs), 0);
	assert_string_equal(msgs, "");
	assert_string_equal(c.agent.site, "kth");
	assert_string_equal(c.agent.zone, "flemingsberg");
	assert_string_equal(c.agent.host, "hv01");
	assert_int_equal(c.agent.tier, 3);
	assert_int_equal(c.engine.tier, 3);
	assert_true(c.agent.interval_s == 2.0);
	assert_true(c.agent.rescan_s == 30.0);
	assert_string_equal(c.agent.state_dir, "/tmp/tw");
	assert_int_equal(c.hwmon.n_ignore, 2);
	assert_string_equal(c.hwmon.ignore[1], "acpitz-*");
	assert_int_equal(c.n_rules, 3);
	assert_true(c.actions.dry_run);
	assert_string_equal(c.control.socket, "/run/tw.sock");
	assert_int_equal(c.control.mode, 0640);

	r = cnf_match_rule(&c, "coretemp-isa-0000/Package id 0");
	assert_non_null(r);
	assert_int_equal(r->cls, ENG_CLASS_CPU);
	assert_true(r->trip_c == 98.0);
	assert_int_equal(r->line, 6);
	r = cnf_match_rule(&c, "lm75-i2c-3-4c/temp1");
	assert_non_null(r);
	assert_int_equal(r->cls, ENG_CLASS_INLET);
	assert_true(r->trip_c != r->trip_c); /* NAN: keep */
	assert_null(cnf_match_rule(&c, "k10temp-pci-00c3/Tctl"));
	cnf_free(&c);
	free(msgs);
}

static void
test_defaults(void **state)
{
	struct agent_conf c;
	char *msgs = NULL;
	char host[256];

	(void)state;
	assert_int_equal(load("", &c, &msgs), 0);
	gethostname(host, sizeof(host));
	host[strcspn(host, ".")] = '\0';
	assert_string_equal(c.agent.host, host);
	assert_true(c.agent.interval_s == 1.0);
	assert_int_equal(c.agent.tier, 2);
	assert_true(c.hwmon.enabled);
	assert_false(c.actions.dry_run);
	assert_string_equal(c.control.socket, "/run/thermwatch/control.sock");
	cnf_free(&c);
	free(msgs);
}

static void
test_syntax_error_line(void **state)
{
	(void)state;
	expect_error("agent = {\n  site = \"kth\";\n  tier = = 2;\n};\n",
	    "test.conf:3: syntax error");
	expect_error("agent = {\n  site = \"kth;\n};\n", "test.conf:");
}

static void
test_unknown_key_suggests(void **state)
{
	(void)state;
	expect_error("agent = {\n  site = \"kth\";\n  intervall = 1.0;\n};\n",
	    "test.conf:3: unknown setting 'intervall' in group 'agent' "
	    "(did you mean 'interval_s'?)");
	expect_error("\n\nhwmon = { enabeld = true; };\n",
	    "test.conf:3: unknown setting 'enabeld' in group 'hwmon' "
	    "(did you mean 'enabled'?)");
	expect_error("agnet = { };\n",
	    "test.conf:1: unknown setting 'agnet' in group '(top level)' "
	    "(did you mean 'agent'?)");
	expect_error("sensors = ( { match = \"x\"; trip = 9.0; } );\n",
	    "test.conf:1: unknown setting 'trip' in group 'sensors' "
	    "(did you mean 'trip_c'?)");
	expect_error("agent = { zzzzzz = 1; };\n",
	    "test.conf:1: unknown setting 'zzzzzz' in group 'agent'\n");
}

static void
test_wrong_type(void **state)
{
	(void)state;
	expect_error("agent = {\n tier = \"two\";\n};\n",
	    "test.conf:2: 'tier' must be an integer, not a string");
	expect_error("agent = { interval_s = \"1\"; };\n",
	    "test.conf:1: 'interval_s' must be a number, not a string");
	expect_error("hwmon = { enabled = 1; };\n",
	    "test.conf:1: 'enabled' must be true or false, not an integer");
	expect_error("hwmon = { ignore = \"nvme-*\"; };\n",
	    "test.conf:1: 'ignore' must be an array of strings");
	expect_error("agent = 5;\n", "test.conf:1: 'agent' must be a group");
	expect_error("sensors = ( { match = \"x\"; class = \"gpu\"; } );\n",
	    "'class' = \"gpu\" is not one of cpu, inlet, exhaust, other");
}

static void
test_out_of_range(void **state)
{
	(void)state;
	expect_error("agent = {\n\n tier = 12;\n};\n",
	    "test.conf:3: 'tier' = 12 is out of range (min 0, max 9)");
	expect_error("agent = { interval_s = 0.01; };\n",
	    "test.conf:1: 'interval_s' = 0.01 is out of range "
	    "(min 0.1, max 60)");
	expect_error("sensors = ( { match = \"x\"; trip_c = 900.0; } );\n",
	    "'trip_c' = 900 is out of range");
	expect_error("agent = { rescan_s = 1.0; };\n",
	    "'rescan_s' must be 0 (off) or at least 5");
	expect_error("control = { mode = \"0777\"; };\n",
	    "'mode' = \"0777\" must be an octal file mode");
	expect_error("agent = { host = \"hv/01\"; };\n",
	    "'host' must be a non-empty name without '/'");
	expect_error("agent = { state_dir = \"relative\"; };\n",
	    "'state_dir' must be an absolute path");
}

static void
test_sensor_rule_without_match(void **state)
{
	(void)state;
	expect_error("sensors = (\n { class = \"cpu\"; }\n);\n",
	    "test.conf:2: 'sensors' entry 1 has no 'match' pattern");
}

/* The ignore patterns and the sensors rules take the room the file needs
 * (none without them), up to their limits, which are errors at their
 * line. */
static void
test_lists_sized_to_the_file(void **state)
{
	struct agent_conf c;
	char *msgs = NULL, *text;
	size_t len = 0;
	FILE *f;
	int i;

	(void)state;
	assert_int_equal(load("agent = { site = \"s\"; };\n", &c, &msgs), 0);
	assert_null(c.rules);
	assert_null(c.hwmon.ignore);
	assert_int_equal(c.n_rules + c.hwmon.n_ignore, 0);
	cnf_free(&c);
	free(msgs);

	/* at the limits: every one kept */
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fprintf(f, "hwmon = { ignore = [ ");
	for (i = 0; i < CNF_MAX_IGNORE; i++)
		fprintf(f, "%s\"x%d-*\"", i > 0 ? ", " : "", i);
	fprintf(f, " ]; };\nsensors = (\n");
	for (i = 0; i < CNF_MAX_RULES; i++)
		fprintf(f, "%s{ match = \"r%d-*\"; trip_c = %d.0; }\n",
		    i > 0 ? "," : "", i, 40 + i);
	fprintf(f, ");\n");
	fclose(f);
	assert_int_equal(load(text, &c, &msgs), 0);
	assert_int_equal(c.hwmon.n_ignore, CNF_MAX_IGNORE);
	assert_string_equal(c.hwmon.ignore[CNF_MAX_IGNORE - 1], "x31-*");
	assert_int_equal(c.n_rules, CNF_MAX_RULES);
	assert_true(c.rules[CNF_MAX_RULES - 1].trip_c == 40.0 + 63);
	assert_int_equal(c.rules[CNF_MAX_RULES - 1].line, 3 + 63);
	assert_ptr_equal(cnf_match_rule(&c, "r63-a"), &c.rules[63]);
	cnf_free(&c);
	free(msgs);
	free(text);

	/* one more of each: an error at its line */
	len = 0;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	fprintf(f, "sensors = (\n");
	for (i = 0; i <= CNF_MAX_RULES; i++)
		fprintf(f, "%s{ match = \"r%d-*\"; }\n", i > 0 ? "," : "", i);
	fprintf(f, ");\nhwmon = { ignore = [ ");
	for (i = 0; i <= CNF_MAX_IGNORE; i++)
		fprintf(f, "%s\"x%d\"", i > 0 ? ", " : "", i);
	fprintf(f, " ]; };\n");
	fclose(f);
	assert_int_equal(load(text, &c, &msgs), 2);
	assert_non_null(strstr(msgs, "test.conf:66: more than 64 'sensors'"));
	assert_non_null(
	    strstr(msgs, "test.conf:68: 'ignore' has more than 32 patterns"));
	assert_int_equal(c.n_rules, CNF_MAX_RULES);
	assert_int_equal(c.hwmon.n_ignore, CNF_MAX_IGNORE);
	cnf_free(&c);
	free(msgs);
	free(text);
}

/* The paths are as long as the file has them, owned by the conf (a copy
 * takes them over), still at most PATH_MAX - 1 bytes, and "" after
 * cnf_free. */
static void
test_paths_owned(void **state)
{
	struct agent_conf c, taken;
	char *msgs = NULL, *text, long_path[PATH_MAX + 1];

	(void)state;
	assert_int_equal(load("agent = { state_dir = \"/x/y\"; };\n"
			      "hwmon = { sensors_conf = \"/s.conf\"; };\n"
			      "prometheus = { textfile = \"/p/t.prom\"; };\n",
			     &c, &msgs),
	    0);
	free(msgs);
	taken = c; /* as the agent takes the loaded conf */
	assert_string_equal(taken.path, "test.conf");
	assert_string_equal(taken.agent.state_dir, "/x/y");
	assert_string_equal(taken.hwmon.sensors_conf, "/s.conf");
	assert_string_equal(taken.prometheus.textfile, "/p/t.prom");
	cnf_free(&taken);
	assert_string_equal(taken.agent.state_dir, "");
	assert_string_equal(taken.path, "");

	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	assert_true(asprintf(&text, "agent = {\n state_dir = \"%s\"; };\n",
			long_path) > 0);
	expect_error(
	    text, "test.conf:2: 'state_dir' is too long (at most 4095");
	free(text);
}

static void
test_all_errors_reported(void **state)
{
	struct agent_conf c;
	char *msgs = NULL;

	(void)state;
	assert_int_equal(load("agent = {\n tier = 99;\n intervall = 1;\n};\n"
			      "hwmon = {\n enabled = \"yes\";\n};\n",
			     &c, &msgs),
	    3);
	assert_non_null(strstr(msgs, "test.conf:2:"));
	assert_non_null(strstr(msgs, "test.conf:3:"));
	assert_non_null(strstr(msgs, "test.conf:6:"));
	cnf_free(&c);
	free(msgs);
}

static void
test_missing_file(void **state)
{
	struct agent_conf c;
	char *msgs = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&msgs, &len);

	(void)state;
	assert_int_equal(cnf_load("/nonexistent/thermwatch.conf", &c, err), 1);
	fclose(err);
	assert_non_null(strstr(msgs,
	    "/nonexistent/thermwatch.conf: cannot "
	    "open: No such file or directory"));
	cnf_free(&c);
	free(msgs);
}

static void
test_file_line_from_file(void **state)
{
	char path[] = "/tmp/tw-conf-XXXXXX";
	struct agent_conf c;
	char *msgs = NULL, want[128];
	size_t len = 0;
	FILE *err, *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# comment\nagent = {\n  site = \"a\";\n\n  intervall = 2;\n};\n",
	    f);
	fclose(f);
	err = open_memstream(&msgs, &len);
	assert_int_equal(cnf_load(path, &c, err), 1);
	fclose(err);
	snprintf(want, sizeof(want), "%s:5: unknown setting 'intervall'", path);
	assert_non_null(strstr(msgs, want));
	unlink(path);
	cnf_free(&c);
	free(msgs);
}

static void
test_print_roundtrip(void **state)
{
	struct agent_conf c, d;
	char *msgs = NULL, *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(load("agent = { site = \"s1\"; tier = 0; };\n"
			      "sensors = ( { match = \"a*\"; class = \"inlet\";"
			      " trip_c = 40.0; } );\n"
			      "control = { mode = \"0600\"; };\n",
			     &c, &msgs),
	    0);
	free(msgs);
	msgs = NULL;
	f = open_memstream(&out, &len);
	assert_int_equal(cnf_print(&c, f), 0);
	fclose(f);
	/* the effective config is itself a valid config with the same values */
	assert_int_equal(load(out, &d, &msgs), 0);
	assert_string_equal(d.agent.site, "s1");
	assert_int_equal(d.agent.tier, 0);
	assert_int_equal(d.n_rules, 1);
	assert_int_equal(d.rules[0].cls, ENG_CLASS_INLET);
	assert_int_equal(d.control.mode, 0600);
	assert_true(d.engine.cls[ENG_CLASS_CPU].trip_c ==
	    c.engine.cls[ENG_CLASS_CPU].trip_c);
	cnf_free(&c);
	cnf_free(&d);
	free(out);
	free(msgs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_syntax_error_line),
		cmocka_unit_test(test_unknown_key_suggests),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_sensor_rule_without_match),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_lists_sized_to_the_file),
		cmocka_unit_test(test_paths_owned),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_file_line_from_file),
		cmocka_unit_test(test_print_roundtrip),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
