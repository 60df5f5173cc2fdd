/*
 * test_conf_actions.c - the "actions" group: defaults, hooks as argv
 * arrays, range checks with the line, unknown keys, and the effective
 * config printed by --check-config parsing back to the same values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf.h"
#define CONF_TEST_NAME "t.conf"
#include "conf_load.h"

static void
test_defaults(void **state)
{
	struct agent_conf c;
	char *msgs = NULL;

	(void)state;
	assert_int_equal(load("", &c, &msgs), 0);
	assert_false(c.actions.dry_run);
	assert_null(c.actions.hook[ACT_NOTIFY].argv);
	assert_null(c.actions.hook[ACT_MIGRATE].argv);
	assert_null(c.actions.hook[ACT_BOOT_HOLD].argv);
	assert_non_null(c.actions.hook[ACT_SHUTDOWN].argv);
	assert_string_equal(c.actions.hook[ACT_SHUTDOWN].argv[0], "systemctl");
	assert_string_equal(c.actions.hook[ACT_SHUTDOWN].argv[1], "poweroff");
	assert_null(c.actions.hook[ACT_SHUTDOWN].argv[2]);
	assert_true(c.actions.boot_guard);
	assert_true(c.actions.event_ack_wait_s > 0);
	assert_int_equal(c.actions.migrate_retries, 3);
	cnf_free(&c);
	free(msgs);
}

static void
test_hooks(void **state)
{
	static const char text[] =
	    "actions = {\n"
	    "  dry_run = true;\n"
	    "  notify = [ \"/usr/local/bin/page\", \"--room\", \"b 12\" ];\n"
	    "  migrate = [ \"/x/migrate.sh\" ];\n"
	    "  shutdown = [ \"/sbin/shutdown\", \"-h\", \"now\" ];\n"
	    "  on_boot_hold = [ ];\n"
	    "  migrate_timeout_s = 900; migrate_retries = 0;\n"
	    "  migrate_backoff_s = 5; migrate_backoff_max_s = 5;\n"
	    "  watchdog_margin_s = 20; event_ack_wait_s = 0;\n"
	    "  resume_margin_c = 7.5; resume_hold_s = 0; boot_guard = false;\n"
	    "};\n";
	struct agent_conf c;
	char *msgs = NULL;

	(void)state;
	assert_int_equal(load(text, &c, &msgs), 0);
	assert_true(c.actions.dry_run);
	/* argv elements are passed as they are: no splitting, no shell */
	assert_string_equal(c.actions.hook[ACT_NOTIFY].argv[2], "b 12");
	assert_null(c.actions.hook[ACT_NOTIFY].argv[3]);
	assert_string_equal(
	    c.actions.hook[ACT_MIGRATE].argv[0], "/x/migrate.sh");
	assert_string_equal(c.actions.hook[ACT_SHUTDOWN].argv[2], "now");
	assert_null(c.actions.hook[ACT_BOOT_HOLD].argv);
	assert_true(c.actions.hook[ACT_MIGRATE].timeout_s == 900.0);
	assert_int_equal(c.actions.migrate_retries, 0);
	assert_true(c.actions.watchdog_margin_s == 20.0);
	assert_true(c.actions.event_ack_wait_s == 0.0);
	assert_true(c.actions.resume_margin_c == 7.5);
	assert_false(c.actions.boot_guard);
	cnf_free(&c);
	free(msgs);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("actions = {\n notfy = [ \"/x\" ];\n};\n", "t.conf:2:");
	expect_error("actions = { notfy = [ \"/x\" ]; };\n", "notify");
	expect_error("actions = { shutdown = [ ]; };\n", "must not be empty");
	expect_error(
	    "actions = { notify = \"/bin/page me\"; };\n", "array of strings");
	expect_error("actions = { migrate = [ \"/x\", 3 ]; };\n",
	    "mismatched element type");
	expect_error(
	    "actions = { migrate = [ \"\" ]; };\n", "must not be empty");
	expect_error("actions = { notify_timeout_s = 0; };\n",
	    "out of range (min 0.1, max 86400)");
	expect_error("actions = { migrate_retries = 101; };\n", "out of range");
	expect_error("actions = { migrate_backoff_s = 60; "
		     "migrate_backoff_max_s = 10; };\n",
	    "must not be below");
	expect_error(
	    "actions = {\n\n event_ack_wait_s = 61; };\n", "t.conf:3:");
	expect_error("actions = { resume_margin_c = -1; };\n", "out of range");
	expect_error("actions = { kill_after_s = \"5\"; };\n", "number");
}

/* --check-config prints the effective config; it must load back the same. */
static void
test_emit_roundtrip(void **state)
{
	static const char text[] =
	    "actions = { notify = [ \"/a\", \"b c\" ]; shutdown_retries = 4;"
	    " watchdog_wait_s = 1.5; on_boot_hold = [ \"/h\" ]; };\n";
	struct agent_conf c, d;
	char *msgs = NULL, *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(load(text, &c, &msgs), 0);
	free(msgs);
	msgs = NULL;
	f = open_memstream(&out, &len);
	assert_non_null(f);
	cnf_print(&c, f);
	fclose(f);
	assert_non_null(strstr(out, "notify_timeout_s"));
	assert_int_equal(load(out, &d, &msgs), 0);
	assert_string_equal(d.actions.hook[ACT_NOTIFY].argv[1], "b c");
	assert_string_equal(d.actions.hook[ACT_BOOT_HOLD].argv[0], "/h");
	assert_null(d.actions.hook[ACT_MIGRATE].argv);
	assert_string_equal(d.actions.hook[ACT_SHUTDOWN].argv[0], "systemctl");
	assert_int_equal(d.actions.shutdown_retries, 4);
	assert_true(d.actions.watchdog_wait_s == 1.5);
	assert_true(d.actions.resume_hold_s == c.actions.resume_hold_s);
	cnf_free(&c);
	cnf_free(&d);
	free(msgs);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_emit_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
