/*
 * mqtt_trust.c - which remote override requests are believed.
 *
 * With mqtt.override_keys set, a request must be a signed envelope
 * (mqtt_sig.h) made for the topic it came on, by one of those keys, whose
 * request names the key as its author and carries a time stamp "ts" that
 * is within mqtt.override_max_age_s of this host's clock (not expired, not
 * from the future) and later than the last one accepted from that key
 * (not replayed). That last time stamp per key is written to
 * <state_dir>/override-replay.json before the request is acted on, so a
 * restart does not open the door to a replay; when it cannot be written,
 * the request is refused. Without keys, requests are taken unsigned (the
 * broker's ACL is then all that stands before them) and signed ones are
 * refused: this host could not check them.
 */
#include "mqtt_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "json_strict.h"
#include "log.h"

#define REPLAY_FILE "override-replay.json"
#define REPLAY_MAX  (64 * 1024)

static void
replay_path(const struct mq *mq, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", mq->state_dir, REPLAY_FILE);
}

static void
replay_load(struct mq *mq)
{
	char path[PATH_MAX + 32], *text, err[128];
	const cJSON *keys, *it;
	size_t len = 0;
	cJSON *root;
	FILE *f;
	int i;

	replay_path(mq, path, sizeof(path));
	if ((f = fopen(path, "re")) == NULL) {
		if (errno != ENOENT)
			log_warn("mqtt: %s", path);
		return;
	}
	text = malloc(REPLAY_MAX);
	if (text != NULL)
		len = fread(text, 1, REPLAY_MAX, f);
	fclose(f);
	root = text != NULL ? json_parse_strict(text, len, err, sizeof(err))
			    : NULL;
	free(text);
	keys = cJSON_GetObjectItemCaseSensitive(root, "keys");
	if (!cJSON_IsObject(keys)) {
		log_warnx("mqtt: %s is not a replay record, ignored; signed "
			  "requests already seen could be replayed until "
			  "they expire",
		    path);
		cJSON_Delete(root);
		return;
	}
	cJSON_ArrayForEach(it, keys)
	{
		for (i = 0; i < mq->n_keys; i++)
			if (cJSON_IsNumber(it) &&
			    strcmp(mq->keys[i].name, it->string) == 0)
				mq->key_last_ts[i] = (int64_t)it->valuedouble;
	}
	cJSON_Delete(root);
}

/* Write the last time stamps, key i's as ts; 0 or -1 with err. */
static int
replay_save(struct mq *mq, int i, int64_t ts, char *err, size_t errlen)
{
	char path[PATH_MAX + 32], *text;
	cJSON *root, *keys;
	int k, rc;

	if (mq->state_dir[0] == '\0') {
		mq->key_last_ts[i] = ts;
		return 0;
	}
	root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "v", 1);
	keys = cJSON_AddObjectToObject(root, "keys");
	for (k = 0; k < mq->n_keys; k++)
		if (k == i || mq->key_last_ts[k] > 0)
			cJSON_AddNumberToObject(keys, mq->keys[k].name,
			    (double)(k == i ? ts : mq->key_last_ts[k]));
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (mkdir(mq->state_dir, 0750) != 0 && errno != EEXIST)
		log_warn("mqtt: mkdir %s", mq->state_dir);
	replay_path(mq, path, sizeof(path));
	rc = text != NULL ? fio_replace(path, text, 0640) : -ENOMEM;
	free(text);
	if (rc != 0) {
		snprintf(err, errlen,
		    "cannot record the request's time stamp in %s: %s; not "
		    "applied",
		    path, strerror(-rc));
		return -1;
	}
	mq->key_last_ts[i] = ts;
	return 0;
}

int
mq_trust_init(struct mq *mq)
{
	int i;

	mq->n_keys = 0;
	if (mq->conf.n_keys > 0 &&
	    ((mq->keys = calloc((size_t)mq->conf.n_keys, sizeof(*mq->keys))) ==
		    NULL ||
		(mq->key_last_ts = calloc((size_t)mq->conf.n_keys,
		     sizeof(*mq->key_last_ts))) == NULL)) {
		log_warn("mqtt: override keys");
		return -1;
	}
	for (i = 0; i < mq->conf.n_keys; i++) {
		snprintf(mq->keys[i].name, sizeof(mq->keys[i].name), "%s",
		    mq->conf.keys[i].name);
		if (mqs_pk_decode(mq->conf.keys[i].key, mq->keys[i].pk) < 0) {
			log_warnx("mqtt: override key %s cannot be decoded",
			    mq->conf.keys[i].name);
			return -1;
		}
		mq->key_last_ts[i] = 0;
		mq->n_keys++;
	}
	if (mq->n_keys == 0) {
		if (mq->conf.overrides)
			log_info("mqtt: remote overrides are unsigned: the "
				 "broker's ACL decides who may send them "
				 "(mqtt.override_keys)");
		return 0;
	}
	if (mqs_init() < 0) {
		log_warnx("mqtt: libsodium cannot start");
		return -1;
	}
	if (mq->state_dir[0] == '\0')
		log_warnx("mqtt: no state_dir: signed requests seen before a "
			  "restart could be replayed until they expire");
	else
		replay_load(mq);
	log_info("mqtt: remote overrides must be signed by one of %d keys",
	    mq->n_keys);
	return 0;
}

/* The request's own checks once its signature is good. */
static int
check_signed(struct mq *mq, const struct mqs_key *key,
    const struct mqm_override *r, char *err, size_t errlen)
{
	double age, max = mq->conf.override_max_age_s;
	int i = (int)(key - mq->keys);

	if (strcmp(r->author, key->name) != 0) {
		snprintf(err, errlen,
		    "author \"%s\" is not the signing key \"%s\"", r->author,
		    key->name);
		return -1;
	}
	if (r->ts_ms == 0) {
		snprintf(err, errlen, "a signed request needs \"ts\"");
		return -1;
	}
	age = (double)(mq_wall_ms() - r->ts_ms) / 1000.0;
	if (age > max) {
		snprintf(err, errlen,
		    "expired: signed %.0f s ago, more than "
		    "mqtt.override_max_age_s (%.0f s)",
		    age, max);
		return -1;
	}
	if (-age > max) {
		snprintf(err, errlen,
		    "time stamp %.0f s in the future (more than "
		    "mqtt.override_max_age_s, %.0f s): check the clocks",
		    -age, max);
		return -1;
	}
	if (r->ts_ms <= mq->key_last_ts[i]) {
		snprintf(err, errlen,
		    "replayed: time stamp %" PRId64 " is not after the last "
		    "one accepted from key \"%s\" (%" PRId64 ")",
		    r->ts_ms, key->name, mq->key_last_ts[i]);
		return -1;
	}
	/* Spent from here on, whatever the engine says of it. */
	return replay_save(mq, i, r->ts_ms, err, errlen);
}

int
mq_trust_request(struct mq *mq, const struct mosquitto_message *msg,
    struct mqm_override *r, char *err, size_t errlen)
{
	const struct mqs_key *key;
	char *text = NULL, why[256];
	int rc;

	if (mq->n_keys == 0) {
		if (mqm_override_parse(msg->payload, (size_t)msg->payloadlen, r,
			why, sizeof(why)) < 0) {
			snprintf(err, errlen, "malformed request: %s", why);
			return -1;
		}
		return 0;
	}
	if (mqs_verify(msg->payload, (size_t)msg->payloadlen, msg->topic,
		mq->keys, mq->n_keys, &text, &key, err, errlen) < 0)
		return -1;
	rc = mqm_override_parse(text, strlen(text), r, why, sizeof(why));
	free(text);
	if (rc < 0) {
		snprintf(err, errlen, "signed request is malformed: %s", why);
		return -1;
	}
	if (check_signed(mq, key, r, err, errlen) < 0)
		return -2;
	log_info("mqtt: request %s signed by key %s", r->key, key->name);
	return 0;
}
