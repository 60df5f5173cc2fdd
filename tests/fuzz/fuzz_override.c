/*
 * fuzz_override.c - libFuzzer target: a remote override request as it
 * comes off the broker: unsigned (mqm_override_parse), and as a signed
 * envelope (mqs_verify with a fixed test key, then the request inside).
 * The seed corpus holds envelopes signed by that key (gen_seeds.c), so
 * the fuzzer starts past the signature check on the request text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mqtt_msg.h"
#include "mqtt_sig.h"
#include "seed_key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mqs_key key = { .name = "alice" };
	static int ready;
	const struct mqs_key *k;
	struct mqm_override r;
	unsigned char sk[MQS_SK_LEN];
	char err[256], *req = NULL;

	if (!ready) {
		if (mqs_init() < 0)
			abort();
		crypto_sign_ed25519_seed_keypair(key.pk, sk, SEED_KEY);
		ready = 1;
	}
	(void)mqm_override_parse(
	    (const char *)data, size, &r, err, sizeof(err));
	if (mqs_verify((const char *)data, size, SEED_TOPIC, &key, 1, &req, &k,
		err, sizeof(err)) == 0) {
		(void)mqm_override_parse(
		    req, strlen(req), &r, err, sizeof(err));
		free(req);
	}
	return 0;
}
