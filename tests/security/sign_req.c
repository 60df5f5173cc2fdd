/*
 * sign_req.c - sign an arbitrary override request for the tests: what
 * thermwatchctl would never send (an old or missing "ts", another
 * author), so that the agent's checks can be tried.
 *
 *	sign_req KEYFILE TOPIC REQUEST-JSON	prints the envelope
 */
#include <stdio.h>
#include <stdlib.h>

#include "mqtt_sig.h"

int
main(int argc, char **argv)
{
	unsigned char sk[MQS_SK_LEN];
	char name[MQS_NAME_LEN], err[256], *env;

	if (argc != 4) {
		fprintf(stderr, "usage: sign_req KEYFILE TOPIC REQUEST\n");
		return 2;
	}
	if (mqs_read_secret(argv[1], name, sizeof(name), sk, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "sign_req: %s\n", err);
		return 1;
	}
	env = mqs_sign(argv[2], argv[3], name, sk);
	if (env == NULL)
		return 1;
	printf("%s\n", env);
	free(env);
	return 0;
}
