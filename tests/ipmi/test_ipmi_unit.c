/*
 * test_ipmi_unit.c - the parts of the IPMI source that need no BMC: the
 * "ipmi" config group, the password file rules and the class guess.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bmc.h"
#include "bmc_int.h"
#include "conf_ipmi.h"

/* Parse text (a whole config file) into *c; returns the error count and
 * leaves the messages in msgs. */
static int
parse(const char *text, struct ipmi_conf *c, char *msgs, size_t len)
{
	struct cnf_ctx ctx = { "test.conf", NULL, 0 };
	config_t cfg;
	FILE *err;

	err = fmemopen(msgs, len, "w");
	assert_non_null(err);
	ctx.err = err;
	memset(msgs, 0, len);
	config_init(&cfg);
	ipmi_conf_defaults(c);
	assert_true(config_read_string(&cfg, text));
	ipmi_conf_parse(
	    &ctx, cnf_group(&ctx, config_root_setting(&cfg), "ipmi"), c);
	config_destroy(&cfg);
	fclose(err);
	return ctx.errors;
}

static void
test_defaults(void **state)
{
	struct ipmi_conf c;
	char msgs[2048];

	(void)state;
	assert_int_equal(parse("agent = { };", &c, msgs, sizeof(msgs)), 0);
	assert_false(c.enabled);
	assert_int_equal(c.driver, IPMI_DRV_AUTO);
	assert_int_equal(c.privilege, IPMI_PRIV_USER);
	assert_int_equal(c.cipher_suite, 3);
	assert_int_equal(c.trip, IPMI_TRIP_UC);
	assert_true(c.temperature_only);
	assert_true(c.deadline_s > c.timeout_s);
	assert_false(c.watchdog.enabled);
	assert_int_equal(c.watchdog.action, IPMI_WD_POWER_DOWN);
	assert_int_equal(c.watchdog.privilege, IPMI_PRIV_OPERATOR);
}

static void
test_lan(void **state)
{
	struct ipmi_conf c;
	char msgs[2048];

	(void)state;
	assert_int_equal(
	    parse("ipmi = { enabled = true; driver = \"lan\";\n"
		  " host = \"bmc1.example:623\"; username = \"mon\";\n"
		  " password_file = \"/etc/thermwatch/bmc.pw\";\n"
		  " privilege = \"operator\"; cipher_suite = 17;\n"
		  " workarounds = [ \"opensesspriv\", \"intel20\" ];\n"
		  " timeout_s = 2; retransmit_s = 0.5; deadline_s = 5;\n"
		  " interval_s = 10; backoff_max_s = 120;\n"
		  " thresholds_refresh_s = 60;\n"
		  " trip_threshold = \"upper-non-recoverable\";\n"
		  " temperature_only = false;\n"
		  " watchdog = { enabled = true; action = \"power-cycle\";\n"
		  "  privilege = \"admin\"; countdown_s = 600; }; };",
		&c, msgs, sizeof(msgs)),
	    0);
	assert_true(c.enabled);
	assert_int_equal(c.driver, IPMI_DRV_LAN);
	assert_string_equal(c.host, "bmc1.example:623");
	assert_string_equal(c.username, "mon");
	assert_string_equal(c.password_file, "/etc/thermwatch/bmc.pw");
	assert_int_equal(c.privilege, IPMI_PRIV_OPERATOR);
	assert_int_equal(c.cipher_suite, 17);
	assert_int_equal(c.workarounds, IPMI_WA_OPENSESSPRIV | IPMI_WA_INTEL20);
	assert_true(c.timeout_s == 2.0 && c.retransmit_s == 0.5);
	assert_true(c.deadline_s == 5.0 && c.interval_s == 10.0);
	assert_true(c.backoff_max_s == 120.0);
	assert_true(c.thresholds_refresh_s == 60.0);
	assert_int_equal(c.trip, IPMI_TRIP_UNR);
	assert_false(c.temperature_only);
	assert_true(c.watchdog.enabled);
	assert_int_equal(c.watchdog.action, IPMI_WD_POWER_CYCLE);
	assert_int_equal(c.watchdog.privilege, IPMI_PRIV_ADMIN);
	assert_true(c.watchdog.countdown_s == 600.0);
}

static void
test_errors(void **state)
{
	struct ipmi_conf c;
	char msgs[4096];

	(void)state;
	/* Every mistake is reported, each with its line. */
	assert_int_equal(parse("ipmi = {\n"
			       " driver = \"lann\";\n"            /* 2 */
			       " host = \"bad host\";\n"          /* 3 */
			       " password = \"x\";\n"             /* 4 */
			       " password_file = \"relative\";\n" /* 5 */
			       " cipher_suite = 99;\n"            /* 6 */
			       " workarounds = [ \"nosuch\" ];\n" /* 7 */
			       " timeout_s = 0.01;\n"             /* 8 */
			       " colour = 1;\n"                   /* 9 */
			       "};",
			     &c, msgs, sizeof(msgs)),
	    8);
	assert_non_null(strstr(msgs, "test.conf:2: "));
	assert_non_null(strstr(msgs, "did you mean \"lan\""));
	assert_non_null(strstr(msgs, "test.conf:3: 'host' = \"bad host\""));
	assert_non_null(strstr(msgs, "test.conf:4: no passwords"));
	assert_non_null(strstr(msgs, "test.conf:5: 'password_file'"));
	assert_non_null(strstr(msgs, "test.conf:6: 'cipher_suite' = 99"));
	assert_non_null(strstr(msgs, "test.conf:7: unknown IPMI workaround"));
	assert_non_null(strstr(msgs, "test.conf:8: 'timeout_s'"));
	assert_non_null(strstr(msgs, "test.conf:9: "));

	assert_int_equal(parse("ipmi = { enabled = true; driver = \"lan\"; };",
			     &c, msgs, sizeof(msgs)),
	    1);
	assert_non_null(strstr(msgs, "needs 'host'"));
	assert_int_equal(
	    parse("ipmi = { host = \"x\"; };", &c, msgs, sizeof(msgs)), 1);
	assert_non_null(strstr(msgs, "only used with driver = \"lan\""));
	assert_int_equal(parse("ipmi = { timeout_s = 5; deadline_s = 5; };", &c,
			     msgs, sizeof(msgs)),
	    1);
	assert_non_null(strstr(msgs, "deadline_s (5) must be longer"));
	assert_int_equal(parse("ipmi = { watchdog = { privilege = \"user\";"
			       " countdown_s = 7000; }; };",
			     &c, msgs, sizeof(msgs)),
	    2);
	assert_non_null(strstr(msgs, "Set Watchdog Timer needs"));
	assert_non_null(strstr(msgs, "'countdown_s' = 7000"));
}

static void
test_hosts(void **state)
{
	static const char *const good[] = { "127.0.0.1", "127.0.0.1:19623",
		"bmc-1.example.org", "[::1]", "[::1]:623", NULL };
	static const char *const bad[] = { "", "a:b", "h:0", "h:65536", "h:1:2",
		"[::1", "[::1]x", ":623", NULL };
	struct ipmi_conf c;
	char text[256], msgs[2048];
	int i;

	(void)state;
	for (i = 0; good[i] != NULL; i++) {
		snprintf(text, sizeof(text),
		    "ipmi = { driver = \"lan\"; "
		    "host = \"%s\"; };",
		    good[i]);
		assert_int_equal(parse(text, &c, msgs, sizeof(msgs)), 0);
		assert_string_equal(c.host, good[i]);
	}
	for (i = 0; bad[i] != NULL; i++) {
		snprintf(text, sizeof(text),
		    "ipmi = { driver = \"lan\"; "
		    "host = \"%s\"; };",
		    bad[i]);
		assert_int_not_equal(parse(text, &c, msgs, sizeof(msgs)), 0);
	}
}

static void
test_port(void **state)
{
	struct ipmi_conf c;
	char msgs[2048];

	(void)state;
	assert_int_equal(parse("ipmi = { driver = \"lan\"; host = \"bmc1\";"
			       " port = 19623; };",
			     &c, msgs, sizeof(msgs)),
	    0);
	assert_string_equal(c.host, "bmc1:19623");
	assert_int_equal(parse("ipmi = { driver = \"lan\"; host = \"[::1]\";"
			       " port = 623; };",
			     &c, msgs, sizeof(msgs)),
	    0);
	assert_string_equal(c.host, "[::1]:623");
	assert_int_equal(parse("ipmi = { driver = \"lan\"; host = \"b:1\";"
			       " port = 623; };",
			     &c, msgs, sizeof(msgs)),
	    1);
	assert_non_null(strstr(msgs, "give one of them"));
	assert_int_equal(
	    parse("ipmi = { port = 623; };", &c, msgs, sizeof(msgs)), 1);
	assert_non_null(strstr(msgs, "'port' is only used with"));
	assert_int_equal(parse("ipmi = { driver = \"lan\"; host = \"b\";"
			       " port = 0; };",
			     &c, msgs, sizeof(msgs)),
	    1);
}

static void
test_emit_roundtrip(void **state)
{
	struct ipmi_conf a, b;
	char msgs[2048], *text = NULL;
	size_t len = 0;
	config_t cfg;
	FILE *f;

	(void)state;
	assert_int_equal(
	    parse("ipmi = { enabled = true; driver = \"lan\";"
		  " host = \"127.0.0.1:19623\"; username = \"mon\";"
		  " password_file = \"/x/pw\"; workarounds = [ "
		  "\"opensesspriv\" ];"
		  " trip_threshold = \"upper-non-recoverable\";"
		  " watchdog = { enabled = true; countdown_s = 90; }; };",
		&a, msgs, sizeof(msgs)),
	    0);
	config_init(&cfg);
	ipmi_conf_emit(config_root_setting(&cfg), &a);
	f = open_memstream(&text, &len);
	config_write(&cfg, f);
	fclose(f);
	config_destroy(&cfg);
	assert_int_equal(parse(text, &b, msgs, sizeof(msgs)), 0);
	free(text);
	assert_memory_equal(&a, &b, sizeof(a));
}

/* Write content to a temp file with mode; returns its path (static). */
static const char *
pwfile(const void *content, size_t len, mode_t mode)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/tw-pw.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void
expect_pw(const void *content, size_t len, mode_t mode, const char *want,
    const char *errpart)
{
	char buf[BMC_PW_MAX + 1], err[512];
	const char *p = pwfile(content, len, mode);
	int rv;

	rv = bmc_password_load(p, buf, sizeof(buf), err, sizeof(err));
	if (want != NULL) {
		assert_int_equal(rv, 0);
		assert_string_equal(buf, want);
	} else {
		assert_int_equal(rv, -1);
		assert_non_null(strstr(err, p));
		assert_non_null(strstr(err, errpart));
	}
	unlink(p);
}

static void
test_password_file(void **state)
{
	char buf[BMC_PW_MAX + 1], err[512];

	(void)state;
	expect_pw("monpw\n", 6, 0600, "monpw", NULL);
	expect_pw("monpw", 5, 0640, "monpw", NULL);
	expect_pw("p w!\r\n", 6, 0400, "p w!", NULL);
	expect_pw(
	    "12345678901234567890\n", 21, 0600, "12345678901234567890", NULL);
	expect_pw("123456789012345678901\n", 22, 0600, NULL, "at most 20");
	expect_pw("", 0, 0600, NULL, "is empty");
	expect_pw("\n", 1, 0600, NULL, "is empty");
	expect_pw("a\nb\n", 4, 0600, NULL, "more than one line");
	expect_pw("a\0b\n", 4, 0600, NULL, "control or binary");
	expect_pw("\x7f\x45LF\x02\x01", 6, 0600, NULL, "control or binary");
	expect_pw("monpw\n", 6, 0644, NULL, "readable by everyone");
	assert_int_equal(bmc_password_load("/nonexistent/pw", buf, sizeof(buf),
			     err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err,
	    "cannot read password file "
	    "/nonexistent/pw"));
	assert_int_equal(
	    bmc_password_load("/tmp", buf, sizeof(buf), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	/* No file: empty password (anonymous setups). */
	assert_int_equal(
	    bmc_password_load("", buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, "");
}

static void
test_class_of_name(void **state)
{
	(void)state;
	assert_int_equal(bmc_class_of_name("Inlet Temp"), ENG_CLASS_INLET);
	assert_int_equal(bmc_class_of_name("System Ambient"), ENG_CLASS_INLET);
	assert_int_equal(
	    bmc_class_of_name("Front Panel Temp"), ENG_CLASS_INLET);
	assert_int_equal(bmc_class_of_name("Exhaust Temp"), ENG_CLASS_EXHAUST);
	assert_int_equal(bmc_class_of_name("Outlet Temp"), ENG_CLASS_EXHAUST);
	assert_int_equal(bmc_class_of_name("CPU1 Temp"), ENG_CLASS_CPU);
	assert_int_equal(bmc_class_of_name("cpu_temp"), ENG_CLASS_CPU);
	assert_int_equal(bmc_class_of_name("PCH Temp"), ENG_CLASS_OTHER);
	assert_int_equal(bmc_class_of_name("DIMM A1"), ENG_CLASS_OTHER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_lan),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_emit_roundtrip),
		cmocka_unit_test(test_password_file),
		cmocka_unit_test(test_class_of_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
