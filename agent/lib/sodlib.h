/*
 * sodlib.h - the libsodium functions thermwatch uses, resolved from
 * libsodium.so.23 the first time one is called (dlopen(3)): a host
 * without override keys never maps libsodium (120 kB of RSS). The same
 * arguments and results as libsodium's (<sodium.h> for the sizes and
 * variants); when it cannot be loaded they fail (-1, NULL) and
 * sdm_memzero still zeroes (explicit_bzero(3)).
 */
#ifndef THERMWATCH_SODLIB_H
#define THERMWATCH_SODLIB_H

#include <stddef.h>

#include <sodium.h>

int sdm_init(void); /* sodium_init */
int sdm_base642bin(unsigned char *bin, size_t bin_maxlen, const char *b64,
    size_t b64_len, const char *ignore, size_t *bin_len, const char **b64_end,
    int variant);
char *sdm_bin2base64(char *b64, size_t b64_maxlen, const unsigned char *bin,
    size_t bin_len, int variant);
int sdm_sign_detached(unsigned char *sig, unsigned long long *siglen_p,
    const unsigned char *m, unsigned long long mlen, const unsigned char *sk);
int sdm_verify_detached(const unsigned char *sig, const unsigned char *m,
    unsigned long long mlen, const unsigned char *pk);
int sdm_keypair(unsigned char *pk, unsigned char *sk);
void sdm_memzero(void *p, size_t len);

#endif
