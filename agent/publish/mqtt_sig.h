/*
 * mqtt_sig.h - signed override requests: Ed25519 (libsodium), so that a
 * broker or bridge password alone cannot change a threshold. Shared by
 * thermwatchd (verify) and thermwatchctl (sign, keygen). No I/O but the
 * key file helpers; see thermwatch-mqtt(7) for the format:
 *
 *	{"v":1,"signed":"<request JSON text>","key_id":"alice",
 *	 "sig":"<base64 of the 64-byte Ed25519 signature>"}
 *
 * The signature covers exactly these bytes:
 *
 *	"thermwatch-override-v1" NUL <topic> NUL <request JSON text>
 *
 * with the topic the envelope is published on (a request signed for one
 * host's topic is worth nothing on another's, or on a zone's), and the
 * request text as it stands in "signed" once the JSON string is decoded.
 * The request itself is the unsigned request of thermwatch-mqtt(7); a
 * signed one must carry "ts" (ms since the epoch) and name the key as its
 * "author".
 */
#ifndef THERMWATCH_MQTT_SIG_H
#define THERMWATCH_MQTT_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MQS_CONTEXT   "thermwatch-override-v1"
#define MQS_PK_LEN    32 /* crypto_sign_ed25519_PUBLICKEYBYTES */
#define MQS_SK_LEN    64 /* crypto_sign_ed25519_SECRETKEYBYTES */
#define MQS_SIG_LEN   64 /* crypto_sign_ed25519_BYTES */
#define MQS_NAME_LEN  64
#define MQS_KEY_MAGIC "thermwatch-ed25519-secret-v1"

/* An operator's public key, as in mqtt.override_keys. */
struct mqs_key {
	char name[MQS_NAME_LEN];
	unsigned char pk[MQS_PK_LEN];
};

/* libsodium ready (sodium_init); 0 or -1. Safe to call again. */
int mqs_init(void);

/* A key name: 1..63 of A-Z a-z 0-9 . _ @ -. */
bool mqs_name_ok(const char *name);
/* Base64 (original alphabet, padded) of a 32-byte public key into pk;
 * 0 or -1. */
int mqs_pk_decode(const char *b64, unsigned char pk[MQS_PK_LEN]);
/* Base64 of n bytes into a malloc'ed string (NULL when out of memory). */
char *mqs_b64(const unsigned char *bin, size_t n);

/*
 * Make an envelope: sign request (a JSON text) for topic with sk under
 * key_id. A malloc'ed string, or NULL.
 */
char *mqs_sign(const char *topic, const char *request, const char *key_id,
    const unsigned char sk[MQS_SK_LEN]);

/*
 * Open an envelope published on topic: the key it names must be one of
 * keys[0..n), the signature good. On success returns 0, *request gets the
 * signed request text (malloc'ed) and *key the key that signed it; else
 * -1 with the reason in err.
 */
int mqs_verify(const char *payload, size_t len, const char *topic,
    const struct mqs_key *keys, int n, char **request,
    const struct mqs_key **key, char *err, size_t errlen);

/*
 * Key files. A secret key file holds two lines: MQS_KEY_MAGIC and the
 * key's name, then the base64 of the 64-byte secret key. It is written
 * mode 0600, never over an existing file; read only when neither group
 * nor others may read it. 0, or -1 with err.
 */
int mqs_keygen(const char *name, const char *path, char *pk_b64, size_t pk_len,
    char *err, size_t errlen);
int mqs_read_secret(const char *path, char *name, size_t nlen,
    unsigned char sk[MQS_SK_LEN], char *err, size_t errlen);

#endif
