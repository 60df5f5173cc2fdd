/*
 * test_sign.c - signed override requests (mqtt_sig.h): the documented
 * bytes are what is signed (checked with libsodium directly), and every
 * change of key, topic, request or signature is caught; key files; the
 * config's override_keys and mqtt:// broker URLs.
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

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <sodium.h>

#include "conf.h"
#include "conf_load.h"
#include "mqtt_sig.h"

#define TOPIC "thermwatch/v1/dc1/r101/hv01/override/set"
#define REQ                                                               \
	"{\"v\":1,\"key\":\"quiet\",\"value\":1,\"ttl_s\":60,\"reason\":" \
	"\"caf\\u00e9\",\"author\":\"alice\",\"ts\":1764061200000}"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tw-sign.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(mqs_init(), 0);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Sign with libsodium directly over the bytes thermwatch-mqtt(7) names:
 * "thermwatch-override-v1" NUL topic NUL request. */
static char *
envelope_by_hand(const unsigned char *sk, const char *topic,
    const char *request, const char *key_id)
{
	unsigned char m[1024], sig[64];
	size_t n = 0;
	char *b64, *out;
	cJSON *o;

	memcpy(m, "thermwatch-override-v1", 22);
	n = 22;
	m[n++] = 0;
	memcpy(m + n, topic, strlen(topic));
	n += strlen(topic);
	m[n++] = 0;
	memcpy(m + n, request, strlen(request));
	n += strlen(request);
	crypto_sign_ed25519_detached(sig, NULL, m, n, sk);
	b64 = mqs_b64(sig, sizeof(sig));
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "v", 1);
	cJSON_AddStringToObject(o, "signed", request);
	cJSON_AddStringToObject(o, "key_id", key_id);
	cJSON_AddStringToObject(o, "sig", b64);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(b64);
	return out;
}

static int
verify(const char *env, const char *topic, const struct mqs_key *keys, int n,
    char *err, size_t len)
{
	const struct mqs_key *k;
	char *req = NULL;
	int rc = mqs_verify(
	    env, strlen(env), topic, keys, n, &req, &k, err, len);

	if (rc == 0)
		assert_string_equal(req,
		    "{\"v\":1,\"key\":\"quiet\",\"value\":1,"
		    "\"ttl_s\":60,\"reason\":\"caf\xc3\xa9\","
		    "\"author\":\"alice\",\"ts\":"
		    "1764061200000}");
	free(req);
	return rc;
}

static void
test_format(void **state)
{
	unsigned char sk[64], sk2[64];
	struct mqs_key keys[2];
	char path[128], name[64], pk[64], err[256], *env, *mine;
	const char *req = "{\"v\":1,\"key\":\"quiet\",\"value\":1,\"ttl_s\":60,"
			  "\"reason\":\"caf\xc3\xa9\",\"author\":\"alice\","
			  "\"ts\":1764061200000}";

	(void)state;
	snprintf(path, sizeof(path), "%s/alice.key", dir);
	assert_int_equal(
	    mqs_keygen("alice", path, pk, sizeof(pk), err, sizeof(err)), 0);
	assert_int_equal(
	    mqs_read_secret(path, name, sizeof(name), sk, err, sizeof(err)), 0);
	assert_string_equal(name, "alice");
	snprintf(keys[0].name, sizeof(keys[0].name), "bob");
	crypto_sign_ed25519_keypair(keys[0].pk, sk2);
	snprintf(keys[1].name, sizeof(keys[1].name), "alice");
	assert_int_equal(mqs_pk_decode(pk, keys[1].pk), 0);

	/* the documented bytes, signed by hand, verify */
	env = envelope_by_hand(sk, TOPIC, req, "alice");
	assert_int_equal(verify(env, TOPIC, keys, 2, err, sizeof(err)), 0);
	/* and mqs_sign signs the same bytes (Ed25519 is deterministic) */
	mine = mqs_sign(TOPIC, req, "alice", sk);
	assert_string_equal(mine, env);
	free(mine);
	/* another topic, another key */
	assert_int_equal(verify(env, "thermwatch/v1/dc1/r101/_all/override/set",
			     keys, 2, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "bad signature for key \"alice\""));
	assert_int_equal(verify(env, TOPIC, keys, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not in mqtt.override_keys"));
	free(env);
	/* signed by bob's secret under alice's name: forged */
	env = envelope_by_hand(sk2, TOPIC, req, "alice");
	assert_int_equal(verify(env, TOPIC, keys, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad signature"));
	free(env);
	sodium_memzero(sk, sizeof(sk));
}

static void
test_tampering(void **state)
{
	static const char *const bad[][2] = {
		{ REQ, "unsigned request refused" },
		{ "{\"v\":1,\"signed\":\"{}\",\"key_id\":\"alice\"}",
		    "needs \"v\": 1 and the strings" },
		{ "{\"v\":2,\"signed\":\"{}\",\"key_id\":\"alice\",\"sig\":"
		  "\"\"}",
		    "needs \"v\": 1" },
		{ "{\"v\":1,\"signed\":\"{}\",\"key_id\":\"alice\",\"sig\":"
		  "\"AAAA\"}",
		    "is not the base64 of a 64-byte" },
		{ "{\"v\":1,\"signed\":\"{}\",\"key_id\":\"alice\",\"sig\":"
		  "\"x\",\"sig\":\"y\"}",
		    "duplicate member \"sig\"" },
		{ "{\"v\":1,\"signed\":\"{}\",\"key_id\":\"alice\",\"sig\":"
		  "\"x\",\"more\":1}",
		    "unknown member \"more\"" },
		{ "[1]", "not a JSON object" },
	};
	struct mqs_key k = { "alice", { 0 } };
	const struct mqs_key *kp;
	char err[256], *req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mqs_verify(bad[i][0], strlen(bad[i][0]), TOPIC,
				     &k, 1, &req, &kp, err, sizeof(err)),
		    -1);
		if (strstr(err, bad[i][1]) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i][0], err,
			    bad[i][1]);
		assert_null(req);
	}
}

static void
test_key_files(void **state)
{
	unsigned char sk[64];
	char path[128], name[64], pk[64], err[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/k.key", dir);
	assert_int_equal(
	    mqs_keygen("bad name", path, pk, sizeof(pk), err, sizeof(err)), -1);
	assert_int_equal(
	    mqs_keygen("ops@dc1", path, pk, sizeof(pk), err, sizeof(err)), 0);
	assert_int_equal(
	    mqs_keygen("ops@dc1", path, pk, sizeof(pk), err, sizeof(err)),
	    -1); /* never over an existing file */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(
	    mqs_read_secret(path, name, sizeof(name), sk, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(
	    mqs_read_secret(path, name, sizeof(name), sk, err, sizeof(err)), 0);
	assert_string_equal(name, "ops@dc1");
}

static void
test_conf(void **state)
{
	struct agent_conf c;
	struct mqtt_broker b;
	char *msgs = NULL, text[512];
	unsigned char pk[32], sk[64];
	char *b64;

	(void)state;
	assert_int_equal(mqtt_conf_parse_broker("mqtt://zone-a1", &b), 0);
	assert_string_equal(b.host, "zone-a1");
	assert_int_equal(b.port, 1883);
	assert_false(b.tls);
	assert_int_equal(mqtt_conf_parse_broker("mqtts://zone-a1/", &b), 0);
	assert_int_equal(b.port, 8883);
	assert_true(b.tls);
	assert_int_equal(mqtt_conf_parse_broker("mqtts://[::1]:9883", &b), 0);
	assert_string_equal(b.host, "::1");
	assert_int_equal(b.port, 9883);
	assert_int_equal(mqtt_conf_parse_broker("mqtt://u:p@h", &b), -1);
	assert_int_equal(mqtt_conf_parse_broker("mqtt://h/x", &b), -1);
	assert_int_equal(mqtt_conf_parse_broker("ws://h:9001", &b), -1);
	assert_int_equal(mqtt_conf_parse_broker("mqtt://", &b), -1);
	expect_error("mqtt = { brokers = [ \"mqtt://u:p@h\" ]; };",
	    "test.conf:1: mqtt.brokers: \"mqtt://u:p@h\" is not host:port, "
	    "mqtt://host[:port] or mqtts://host[:port]");

	crypto_sign_ed25519_keypair(pk, sk);
	b64 = mqs_b64(pk, sizeof(pk));
	snprintf(text, sizeof(text),
	    "mqtt = { brokers = [ \"mqtts://zone-a1\" ];\n"
	    "  override_keys = ( { name = \"alice\"; key = \"%s\"; } );\n"
	    "  override_max_age_s = 30; };",
	    b64);
	assert_int_equal(load(text, &c, &msgs), 0);
	assert_int_equal(c.mqtt.n_keys, 1);
	assert_string_equal(c.mqtt.keys[0].key, b64);
	assert_true(c.mqtt.brokers[0].tls);
	free(msgs);
	cnf_free(&c);
	expect_error("mqtt = {\n override_keys = ( { name = \"alice\"; key = "
		     "\"QUFBQQ==\"; } ); };",
	    "test.conf:2: mqtt.override_keys \"alice\": \"key\" must be the "
	    "base64 Ed25519 public key");
	snprintf(text, sizeof(text),
	    "mqtt = { override_keys = ( { name = \"a\"; key = \"%s\"; },\n"
	    "  { name = \"a\"; key = \"%s\"; } ); };",
	    b64, b64);
	expect_error(text, "test.conf:2: mqtt.override_keys: \"a\" twice");
	expect_error("mqtt = { override_keys = ( { name = \"a b\"; key = "
		     "\"x\"; } ); };",
	    "\"name\" is 1 to 63 of");
	free(b64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_key_files, setup, teardown),
		cmocka_unit_test(test_conf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
