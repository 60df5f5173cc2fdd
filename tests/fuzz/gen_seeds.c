/*
 * gen_seeds.c - write the signed seeds of fuzz_override (envelopes signed
 * with seed_key.h's test key) into a directory:
 *
 *	gen_seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "mqtt_sig.h"
#include "seed_key.h"

static const char *const requests[] = {
	"{\"v\":1,\"key\":\"inlet.warn.margin_c\",\"value\":12,\"ttl_s\":600,"
	"\"reason\":\"chiller maintenance\",\"author\":\"alice\","
	"\"ts\":1764061200000,\"id\":\"CHG-1\"}",
	"{\"v\":1,\"key\":\"quiet\",\"clear\":true,\"reason\":\"done\","
	"\"author\":\"alice\",\"ts\":1764061200001}",
	"{\"v\":1,\"key\":\"cpu.trip_c\",\"value\":5,\"ttl_s\":60,\"reason\":"
	"\"r\",\"author\":\"alice\",\"ts\":1764061200002}",
};

int
main(int argc, char **argv)
{
	unsigned char pk[MQS_PK_LEN], sk[MQS_SK_LEN];
	char path[4096], *env;
	size_t i;
	FILE *f;

	if (argc != 2 || mqs_init() < 0)
		return 2;
	crypto_sign_ed25519_seed_keypair(pk, sk, SEED_KEY);
	for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		env = mqs_sign(SEED_TOPIC, requests[i], "alice", sk);
		snprintf(path, sizeof(path), "%s/signed-%zu.json", argv[1], i);
		if (env == NULL || (f = fopen(path, "w")) == NULL)
			return 1;
		fputs(env, f);
		fclose(f);
		free(env);
	}
	return 0;
}
