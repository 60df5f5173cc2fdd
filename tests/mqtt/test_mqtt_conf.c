/*
 * test_mqtt_conf.c - the "mqtt" group: defaults, every key, errors with
 * file:line, and the emitter read back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#define CONF_TEST_NAME "t.conf"
#include "conf_load.h"

static void
test_defaults(void **state)
{
	struct mqtt_conf c;

	(void)state;
	mqtt_conf_defaults(&c);
	assert_false(c.enabled);
	assert_int_equal(c.n_brokers, 1);
	assert_string_equal(c.brokers[0].host, "127.0.0.1");
	assert_int_equal(c.brokers[0].port, 1883);
	assert_string_equal(c.topic_prefix, "thermwatch/v1");
	assert_true(c.tls.verify);
	assert_int_equal(c.queue_max, 10000);
}

static void
test_all_keys(void **state)
{
	struct agent_conf c;
	char *msgs = NULL;

	(void)state;
	assert_int_equal(
	    load("mqtt = { enabled = true;\n"
		 " brokers = [ \"127.0.0.1:18830\", \"[::1]:1884\", "
		 "\"localhost\" ];\n"
		 " client_id = \"tw-a\"; username = \"hv01\";\n"
		 " password_file = \"/etc/tw.pw\";\n"
		 " tls = { ca_file = \"/ca.crt\"; cert_file = \"/c.crt\";\n"
		 "   key_file = \"/c.key\"; verify = false; };\n"
		 " keepalive_s = 10; telemetry_interval_s = 2.5;\n"
		 " peer_interval_s = 1; peer_max_age_s = 30;\n"
		 " reconnect_min_s = 0.5; reconnect_max_s = 20;\n"
		 " topic_prefix = \"tw/test\"; queue_max = 50;\n"
		 " overrides = false; max_payload = 512;\n"
		 " override_authors = [ \"alice\", \"bob\" ]; };\n",
		&c, &msgs),
	    0);
	assert_true(c.mqtt.enabled);
	assert_int_equal(c.mqtt.n_brokers, 3);
	assert_int_equal(c.mqtt.brokers[0].port, 18830);
	assert_string_equal(c.mqtt.brokers[1].host, "::1");
	assert_int_equal(c.mqtt.brokers[1].port, 1884);
	assert_int_equal(c.mqtt.brokers[2].port, 1883);
	assert_string_equal(c.mqtt.username, "hv01");
	assert_true(c.mqtt.tls.enabled);
	assert_false(c.mqtt.tls.verify);
	assert_string_equal(c.mqtt.tls.key_file, "/c.key");
	assert_int_equal(c.mqtt.keepalive_s, 10);
	assert_true(c.mqtt.telemetry_interval_s == 2.5);
	assert_string_equal(c.mqtt.topic_prefix, "tw/test");
	assert_int_equal(c.mqtt.queue_max, 50);
	assert_false(c.mqtt.overrides);
	assert_int_equal(c.mqtt.n_authors, 2);
	assert_string_equal(c.mqtt.authors[1], "bob");
	cnf_free(&c);
	free(msgs);
}

static void
test_errors(void **state)
{
	struct agent_conf c;
	char *msgs = NULL;
	int n;

	(void)state;
	n = load("mqtt = {\n"
		 " enabeld = true;\n"                    /* 2: typo */
		 " brokers = [ \"127.0.0.1:99999\" ];\n" /* 3: port */
		 " keepalive_s = 1;\n"                   /* 4: range */
		 " topic_prefix = \"a/#\";\n"            /* 5: wildcard */
		 " tls = { cert_file = \"/c\"; };\n"     /* 6: no ca, no key */
		 " password = \"secret\";\n"             /* 7: not a key */
		 "};\n",
	    &c, &msgs);
	assert_true(n >= 6);
	assert_non_null(strstr(msgs, "t.conf:2:"));
	assert_non_null(strstr(msgs, "enabled")); /* did you mean */
	assert_non_null(strstr(msgs, "t.conf:3:"));
	assert_non_null(strstr(msgs, "t.conf:4:"));
	assert_non_null(strstr(msgs, "t.conf:5:"));
	assert_non_null(strstr(msgs, "ca_file"));
	assert_non_null(strstr(msgs, "t.conf:7:"));
	cnf_free(&c);
	free(msgs);
}

static void
test_emit_reads_back(void **state)
{
	struct agent_conf c, d;
	char *msgs = NULL, *out = NULL;
	size_t len;
	FILE *f;

	(void)state;
	assert_int_equal(
	    load("mqtt = { enabled = true; brokers = "
		 "[ \"127.0.0.1:18830\", \"[::1]:1884\" ]; tls = { ca_file = "
		 "\"/ca\"; }; override_authors = [ \"alice\" ]; };\n",
		&c, &msgs),
	    0);
	free(msgs);
	msgs = NULL;
	f = open_memstream(&out, &len);
	assert_int_equal(cnf_print(&c, f), 0);
	fclose(f);
	assert_int_equal(load(out, &d, &msgs), 0);
	assert_int_equal(d.mqtt.n_brokers, 2);
	assert_string_equal(d.mqtt.brokers[1].host, "::1");
	assert_true(d.mqtt.tls.enabled);
	assert_string_equal(d.mqtt.tls.ca_file, "/ca");
	assert_int_equal(d.mqtt.n_authors, 1);
	cnf_free(&c);
	cnf_free(&d);
	free(out);
	free(msgs);
}

/* The paths are as long as the file has them, owned by the conf: a copy
 * (the MQTT client's) has its own, equal by text; another path, or any
 * other setting, and they differ. */
static void
test_copy_and_same(void **state)
{
	static const char text[] =
	    "mqtt = { enabled = true; password_file = \"/etc/tw/pw\";\n"
	    " tls = { ca_file = \"/ca.crt\"; cert_file = \"\"; }; };\n";
	struct agent_conf c, d;
	struct mqtt_conf m;
	char *msgs = NULL, long_path[PATH_MAX + 16];

	(void)state;
	assert_int_equal(load(text, &c, &msgs), 0);
	free(msgs);
	assert_int_equal(load(text, &d, &msgs), 0);
	free(msgs);
	assert_true(mqtt_conf_same(&c.mqtt, &d.mqtt)); /* other pointers */
	assert_ptr_not_equal(c.mqtt.tls.ca_file, d.mqtt.tls.ca_file);
	assert_int_equal(mqtt_conf_copy(&m, &c.mqtt), 0);
	cnf_free(&c); /* the copy keeps its own */
	assert_string_equal(m.password_file, "/etc/tw/pw");
	assert_string_equal(m.tls.ca_file, "/ca.crt");
	assert_string_equal(m.tls.cert_file, "");
	assert_string_equal(m.tls.key_file, "");
	assert_true(mqtt_conf_same(&m, &d.mqtt));
	d.mqtt.tls.ca_file = "/other.crt";
	assert_false(mqtt_conf_same(&m, &d.mqtt));
	d.mqtt.tls.ca_file = m.tls.ca_file;
	assert_true(mqtt_conf_same(&m, &d.mqtt));
	d.mqtt.keepalive_s++;
	assert_false(mqtt_conf_same(&m, &d.mqtt));
	mqtt_conf_free(&m);
	assert_string_equal(m.password_file, "");
	cnf_free(&d);

	/* a path's limit is still PATH_MAX - 1 bytes, an error at its line */
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	assert_true(asprintf(&msgs, "mqtt = {\n password_file = \"%s\"; };\n",
			long_path) > 0);
	expect_error(msgs, "t.conf:2: 'password_file' is too long");
	free(msgs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_emit_reads_back),
		cmocka_unit_test(test_copy_and_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
