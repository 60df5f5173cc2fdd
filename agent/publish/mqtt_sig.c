/*
 * mqtt_sig.c - signed override requests (see mqtt_sig.h). The crypto is
 * libsodium's: crypto_sign_ed25519_detached / _verify_detached, base64
 * (through sodlib.h: loaded when first needed).
 */
#include "mqtt_sig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json_strict.h"
#include "sodlib.h"

#define MAX_REQUEST (64 * 1024)

int
mqs_init(void)
{
	return sdm_init() < 0 ? -1 : 0;
}

bool
mqs_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= MQS_NAME_LEN)
		return false;
	return strspn(name,
		   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789._@-") == n;
}

/* Exactly n bytes of base64 (original alphabet, padded) into bin. */
static int
b64_decode(const char *b64, unsigned char *bin, size_t n)
{
	size_t got = 0;
	const char *end = NULL;

	if (sdm_base642bin(bin, n, b64, strlen(b64), NULL, &got, &end,
		sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != n || end == NULL || *end != '\0')
		return -1;
	return 0;
}

int
mqs_pk_decode(const char *b64, unsigned char pk[MQS_PK_LEN])
{
	return b64_decode(b64, pk, MQS_PK_LEN);
}

char *
mqs_b64(const unsigned char *bin, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(
	    n, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(len);

	if (s != NULL &&
	    sdm_bin2base64(s, len, bin, n, sodium_base64_VARIANT_ORIGINAL) ==
		NULL) {
		free(s);
		s = NULL;
	}
	return s;
}

/* The bytes a signature covers (see mqtt_sig.h); malloc'ed, or NULL. */
static unsigned char *
message(const char *topic, const char *request, size_t *len)
{
	size_t c = sizeof(MQS_CONTEXT), t = strlen(topic) + 1,
	       r = strlen(request);
	unsigned char *m = malloc(c + t + r);

	if (m == NULL)
		return NULL;
	memcpy(m, MQS_CONTEXT, c);
	memcpy(m + c, topic, t);
	memcpy(m + c + t, request, r);
	*len = c + t + r;
	return m;
}

char *
mqs_sign(const char *topic, const char *request, const char *key_id,
    const unsigned char sk[MQS_SK_LEN])
{
	unsigned char sig[MQS_SIG_LEN], *m;
	size_t mlen;
	char *b64, *out = NULL;
	cJSON *o;

	if (mqs_init() < 0 || (m = message(topic, request, &mlen)) == NULL)
		return NULL;
	if (sdm_sign_detached(sig, NULL, m, mlen, sk) != 0) {
		free(m);
		return NULL;
	}
	free(m);
	if ((b64 = mqs_b64(sig, sizeof(sig))) == NULL)
		return NULL;
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

static const char *
member(const cJSON *o, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(m) ? m->valuestring : NULL;
}

int
mqs_verify(const char *payload, size_t len, const char *topic,
    const struct mqs_key *keys, int n, char **request,
    const struct mqs_key **key, char *err, size_t errlen)
{
	static const char *const known[] = { "v", "signed", "key_id", "sig",
		NULL };
	unsigned char sig[MQS_SIG_LEN], *m = NULL;
	const char *req, *kid, *s64;
	const cJSON *it, *v;
	size_t mlen;
	cJSON *o;
	int i, rc = -1;

	*request = NULL;
	*key = NULL;
	if (mqs_init() < 0) {
		snprintf(err, errlen, "libsodium cannot start");
		return -1;
	}
	if ((o = json_parse_strict(payload, len, err, errlen)) == NULL)
		return -1;
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "not a JSON object");
		goto out;
	}
	if (!cJSON_HasObjectItem(o, "signed")) {
		snprintf(err, errlen,
		    "unsigned request refused: this host takes signed "
		    "requests only (mqtt.override_keys)");
		goto out;
	}
	cJSON_ArrayForEach(it, o)
	{
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(it->string, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			snprintf(err, errlen,
			    "signed envelope: unknown member \"%.40s\"",
			    it->string);
			goto out;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "v");
	req = member(o, "signed");
	kid = member(o, "key_id");
	s64 = member(o, "sig");
	if (!cJSON_IsNumber(v) || v->valuedouble != 1 || req == NULL ||
	    req[0] == '\0' || strlen(req) > MAX_REQUEST || kid == NULL ||
	    s64 == NULL) {
		snprintf(err, errlen,
		    "signed envelope: needs \"v\": 1 and the strings "
		    "\"signed\", \"key_id\" and \"sig\"");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (strcmp(keys[i].name, kid) == 0)
			break;
	if (i == n) {
		snprintf(err, errlen,
		    "signed with key \"%.63s\", which is not in "
		    "mqtt.override_keys",
		    kid);
		goto out;
	}
	if (b64_decode(s64, sig, sizeof(sig)) < 0) {
		snprintf(err, errlen,
		    "\"sig\" is not the base64 of a %d-byte Ed25519 "
		    "signature",
		    MQS_SIG_LEN);
		goto out;
	}
	if ((m = message(topic, req, &mlen)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (sdm_verify_detached(sig, m, mlen, keys[i].pk) != 0) {
		snprintf(err, errlen,
		    "bad signature for key \"%s\" (forged, altered, or "
		    "signed for another topic)",
		    kid);
		goto out;
	}
	if ((*request = strdup(req)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	*key = &keys[i];
	rc = 0;
out:
	free(m);
	cJSON_Delete(o);
	return rc;
}

int
mqs_keygen(const char *name, const char *path, char *pk_b64, size_t pk_len,
    char *err, size_t errlen)
{
	unsigned char pk[MQS_PK_LEN], sk[MQS_SK_LEN];
	char *p64 = NULL, *s64 = NULL;
	int fd = -1, rc = -1;
	FILE *f;

	if (!mqs_name_ok(name)) {
		snprintf(err, errlen,
		    "key name \"%s\": 1 to 63 of A-Z a-z 0-9 . _ @ -", name);
		return -1;
	}
	if (mqs_init() < 0) {
		snprintf(err, errlen, "libsodium cannot start");
		return -1;
	}
	if (sdm_keypair(pk, sk) != 0) {
		snprintf(err, errlen, "libsodium cannot make a key pair");
		goto out;
	}
	p64 = mqs_b64(pk, sizeof(pk));
	s64 = mqs_b64(sk, sizeof(sk));
	if (p64 == NULL || s64 == NULL || strlen(p64) >= pk_len) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	fd = open(
	    path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	fprintf(f, "%s %s\n%s\n", MQS_KEY_MAGIC, name, s64);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		unlink(path);
		goto out;
	}
	fclose(f);
	snprintf(pk_b64, pk_len, "%s", p64);
	rc = 0;
out:
	sdm_memzero(sk, sizeof(sk));
	if (s64 != NULL) {
		sdm_memzero(s64, strlen(s64));
		free(s64);
	}
	free(p64);
	return rc;
}

int
mqs_read_secret(const char *path, char *name, size_t nlen,
    unsigned char sk[MQS_SK_LEN], char *err, size_t errlen)
{
	char buf[512], *nl, *second;
	struct stat st;
	ssize_t r;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen,
		    "%s: group or others may read it (mode %04o): chmod 600",
		    path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	r = read(fd, buf, sizeof(buf) - 1);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	buf[r] = '\0';
	nl = strchr(buf, '\n');
	if (nl == NULL ||
	    strncmp(buf, MQS_KEY_MAGIC " ", sizeof(MQS_KEY_MAGIC)) != 0)
		goto bad;
	*nl = '\0';
	second = nl + 1;
	second[strcspn(second, "\r\n")] = '\0';
	if (!mqs_name_ok(buf + sizeof(MQS_KEY_MAGIC)) ||
	    strlen(buf + sizeof(MQS_KEY_MAGIC)) >= nlen || mqs_init() < 0 ||
	    b64_decode(second, sk, MQS_SK_LEN) < 0)
		goto bad;
	snprintf(name, nlen, "%s", buf + sizeof(MQS_KEY_MAGIC));
	rc = 0;
	goto out;
bad:
	snprintf(err, errlen,
	    "%s: not a thermwatch secret key (thermwatchctl keygen)", path);
out:
	sdm_memzero(buf, sizeof(buf));
	close(fd);
	return rc;
}
