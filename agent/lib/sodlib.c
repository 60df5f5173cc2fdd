/*
 * sodlib.c - libsodium's functions that we use, resolved from
 * libsodium.so.23 the first time one is called. See sodlib.h.
 */
#include "sodlib.h"

#include <stdbool.h>
#include <string.h>

#include "dlload.h"

typedef int init_fn(void);
typedef int b642bin_fn(unsigned char *, size_t, const char *, size_t,
    const char *, size_t *, const char **, int);
typedef char *bin2b64_fn(char *, size_t, const unsigned char *, size_t, int);
typedef int sign_fn(unsigned char *, unsigned long long *,
    const unsigned char *, unsigned long long, const unsigned char *);
typedef int verify_fn(const unsigned char *, const unsigned char *,
    unsigned long long, const unsigned char *);
typedef int keypair_fn(unsigned char *, unsigned char *);
typedef void memzero_fn(void *, size_t);

_Static_assert(DLL_SAME_TYPE(sodium_init, init_fn), "sodium_init");
_Static_assert(
    DLL_SAME_TYPE(sodium_base642bin, b642bin_fn), "sodium_base642bin");
_Static_assert(
    DLL_SAME_TYPE(sodium_bin2base64, bin2b64_fn), "sodium_bin2base64");
_Static_assert(DLL_SAME_TYPE(crypto_sign_ed25519_detached, sign_fn),
    "crypto_sign_ed25519_detached");
_Static_assert(DLL_SAME_TYPE(crypto_sign_ed25519_verify_detached, verify_fn),
    "crypto_sign_ed25519_verify_detached");
_Static_assert(DLL_SAME_TYPE(crypto_sign_ed25519_keypair, keypair_fn),
    "crypto_sign_ed25519_keypair");
_Static_assert(DLL_SAME_TYPE(sodium_memzero, memzero_fn), "sodium_memzero");

static struct {
	struct dll_once once;
	init_fn *init;
	b642bin_fn *base642bin;
	bin2b64_fn *bin2base64;
	sign_fn *sign;
	verify_fn *verify;
	keypair_fn *keypair;
	memzero_fn *memzero;
} so;

static bool
load(void)
{
	const struct dll_sym syms[] = {
		DLL_SYM("sodium_init", so.init),
		DLL_SYM("sodium_base642bin", so.base642bin),
		DLL_SYM("sodium_bin2base64", so.bin2base64),
		DLL_SYM("crypto_sign_ed25519_detached", so.sign),
		DLL_SYM("crypto_sign_ed25519_verify_detached", so.verify),
		DLL_SYM("crypto_sign_ed25519_keypair", so.keypair),
		DLL_SYM("sodium_memzero", so.memzero),
	};

	/* the ABI name of libsodium 1.0.14 and later */
	return dll_load(&so.once, "libsodium.so.23", syms,
	    (int)(sizeof(syms) / sizeof(syms[0])));
}

int
sdm_init(void)
{
	return load() ? so.init() : -1;
}

int
sdm_base642bin(unsigned char *bin, size_t bin_maxlen, const char *b64,
    size_t b64_len, const char *ignore, size_t *bin_len, const char **b64_end,
    int variant)
{
	return load() ? so.base642bin(bin, bin_maxlen, b64, b64_len, ignore,
			    bin_len, b64_end, variant)
		      : -1;
}

char *
sdm_bin2base64(char *b64, size_t b64_maxlen, const unsigned char *bin,
    size_t bin_len, int variant)
{
	return load() ? so.bin2base64(b64, b64_maxlen, bin, bin_len, variant)
		      : NULL;
}

int
sdm_sign_detached(unsigned char *sig, unsigned long long *siglen_p,
    const unsigned char *m, unsigned long long mlen, const unsigned char *sk)
{
	return load() ? so.sign(sig, siglen_p, m, mlen, sk) : -1;
}

int
sdm_verify_detached(const unsigned char *sig, const unsigned char *m,
    unsigned long long mlen, const unsigned char *pk)
{
	return load() ? so.verify(sig, m, mlen, pk) : -1;
}

int
sdm_keypair(unsigned char *pk, unsigned char *sk)
{
	return load() ? so.keypair(pk, sk) : -1;
}

void
sdm_memzero(void *p, size_t len)
{
	if (load())
		so.memzero(p, len);
	else
		explicit_bzero(p, len);
}
