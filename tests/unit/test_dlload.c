/*
 * test_dlload.c - libraries loaded on first use: libsystemd is not
 * mapped while no systemd variable asks for it (sdn_notify and the
 * watchdog do nothing then, as libsystemd's would); libsodium is not
 * mapped until a sodlib function is called, then is (its ABI name still
 * resolves), and signs and verifies: a signature made through it
 * verifies, an altered message does not; sdm_memzero zeroes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdnotify.h"
#include "sodlib.h"

/* A mapping of this process whose path has name in it. */
static bool
mapped(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	bool found = false;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, name) != NULL;
	fclose(f);
	return found;
}

static void
test_systemd_not_loaded_without_systemd(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	assert_int_equal(sdn_notify("READY=1"), 0);
	assert_int_equal(sdn_watchdog_interval_ms(), 0);
	assert_false(mapped("libsystemd"));
}

static void
test_sodium_on_first_use(void **state)
{
	unsigned char pk[crypto_sign_ed25519_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_ed25519_SECRETKEYBYTES];
	unsigned char sig[crypto_sign_ed25519_BYTES];
	unsigned char msg[] = "thermwatch override";
	char b64[128];
	unsigned char back[sizeof(pk)];
	size_t got = 0;

	(void)state;
	assert_false(mapped("libsodium"));
	assert_true(sdm_init() >= 0);
	assert_true(mapped("libsodium"));
	assert_int_equal(sdm_keypair(pk, sk), 0);
	assert_int_equal(
	    sdm_sign_detached(sig, NULL, msg, sizeof(msg) - 1, sk), 0);
	assert_int_equal(sdm_verify_detached(sig, msg, sizeof(msg) - 1, pk), 0);
	msg[0] ^= 1;
	assert_int_not_equal(
	    sdm_verify_detached(sig, msg, sizeof(msg) - 1, pk), 0);
	/* base64 both ways */
	assert_non_null(sdm_bin2base64(
	    b64, sizeof(b64), pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL));
	assert_int_equal(sdm_base642bin(back, sizeof(back), b64, strlen(b64),
			     NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL),
	    0);
	assert_int_equal(got, sizeof(pk));
	assert_memory_equal(back, pk, sizeof(pk));
	sdm_memzero(sk, sizeof(sk));
	for (size_t i = 0; i < sizeof(sk); i++)
		assert_int_equal(sk[i], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_systemd_not_loaded_without_systemd),
		cmocka_unit_test(test_sodium_on_first_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
