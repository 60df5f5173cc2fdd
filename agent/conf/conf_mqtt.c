/*
 * conf_mqtt.c - parse and emit the "mqtt" group.
 */
#include "conf_mqtt.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sodlib.h"

void
mqtt_conf_defaults(struct mqtt_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->enabled = false;
	c->n_brokers = 1;
	snprintf(c->brokers[0].host, sizeof(c->brokers[0].host), "127.0.0.1");
	c->brokers[0].port = 1883;
	c->password_file = "";
	c->tls.ca_file = c->tls.ca_path = "";
	c->tls.cert_file = c->tls.key_file = "";
	c->tls.verify = true;
	c->keepalive_s = 30;
	c->telemetry_interval_s = 10.0;
	c->telemetry_version = 2;
	c->peer_interval_s = 5.0;
	c->peer_max_age_s = 60.0;
	c->peer_max_slope_c_per_min = 10.0;
	c->state_refresh_s = 60.0;
	c->reconnect_min_s = 1.0;
	c->reconnect_max_s = 60.0;
	snprintf(c->topic_prefix, sizeof(c->topic_prefix), "thermwatch/v1");
	c->queue_max = 10000;
	c->overrides = true;
	c->max_payload = 1024;
	c->override_max_age_s = 300.0;
}

int
mqtt_conf_parse_broker(const char *s, struct mqtt_broker *b)
{
	const char *colon, *host = s;
	size_t hlen, slen;
	char *end, buf[MQC_HOST_LEN + 16];
	long port = 1883;
	bool tls = false;

	/* As mosquitto_sub -L and Telegraf write them. */
	if (strncmp(s, "mqtt://", 7) == 0 || strncmp(s, "mqtts://", 8) == 0) {
		tls = s[4] == 's';
		port = tls ? 8883 : 1883;
		s += tls ? 8 : 7;
		slen = strlen(s);
		if (slen > 0 && s[slen - 1] == '/')
			slen--;
		if (slen == 0 || slen >= sizeof(buf) ||
		    memchr(s, '/', slen) != NULL ||
		    memchr(s, '@', slen) != NULL)
			return -1;
		memcpy(buf, s, slen);
		buf[slen] = '\0';
		s = host = buf;
	} else if (strstr(s, "://") != NULL) {
		return -1;
	}

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL)
			return -1;
		host = s + 1;
		hlen = (size_t)(rb - host);
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (rb[1] != '\0' && colon == NULL)
			return -1;
	} else {
		colon = strrchr(s, ':');
		hlen = colon != NULL ? (size_t)(colon - s) : strlen(s);
	}
	if (hlen == 0 || hlen >= sizeof(b->host))
		return -1;
	if (colon != NULL) {
		port = strtol(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || port < 1 ||
		    port > 65535)
			return -1;
	}
	memcpy(b->host, host, hlen);
	b->host[hlen] = '\0';
	b->port = (int)port;
	b->tls = tls;
	return 0;
}

static void
parse_brokers(
    struct cnf_ctx *ctx, const config_setting_t *group, struct mqtt_conf *c)
{
	const config_setting_t *s = config_setting_get_member(group, "brokers");
	char **v = NULL;
	int n = 0;

	if (!cnf_get_strv(ctx, group, "brokers", true, &v))
		return;
	for (n = 0; v[n] != NULL; n++)
		;
	if (n > MQC_MAX_BROKERS) {
		cnf_error(ctx, s, "mqtt.brokers: %d brokers (max %d)", n,
		    MQC_MAX_BROKERS);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (mqtt_conf_parse_broker(v[i], &c->brokers[i]) < 0) {
			cnf_error(ctx, s,
			    "mqtt.brokers: \"%s\" is not host:port, "
			    "mqtt://host[:port] or mqtts://host[:port] (port "
			    "1..65535; no user, password or path in a URL)",
			    v[i]);
			goto out;
		}
	}
	c->n_brokers = n;
out:
	cnf_strv_free(v);
}

static void
parse_authors(
    struct cnf_ctx *ctx, const config_setting_t *group, struct mqtt_conf *c)
{
	const config_setting_t *s;
	char **v = NULL;
	int n;

	if (!cnf_get_strv(ctx, group, "override_authors", false, &v))
		return;
	s = config_setting_get_member(group, "override_authors");
	for (n = 0; v[n] != NULL; n++) {
		if (n >= MQC_MAX_AUTHORS ||
		    strlen(v[n]) >= sizeof(c->authors[0]) || v[n][0] == '\0') {
			cnf_error(ctx, s,
			    "mqtt.override_authors: at most %d "
			    "non-empty names of < %zu characters",
			    MQC_MAX_AUTHORS, sizeof(c->authors[0]));
			n = 0;
			break;
		}
		snprintf(c->authors[n], sizeof(c->authors[n]), "%s", v[n]);
	}
	c->n_authors = n;
	cnf_strv_free(v);
}

/* A key name: 1..63 of A-Z a-z 0-9 . _ @ - (as thermwatchctl keygen). */
static bool
key_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 64 &&
	    strspn(s,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		"0123456789._@-") == n;
}

/* override_keys = ( { name = "alice"; key = "<base64>"; }, ... ); */
static void
parse_keys(
    struct cnf_ctx *ctx, const config_setting_t *group, struct mqtt_conf *c)
{
	static const char *const known[] = { "name", "key", NULL };
	const config_setting_t *list = config_setting_get_member(
				   group, "override_keys"),
			       *e;
	unsigned char pk[32];
	struct mqtt_key_conf *k;
	const char *end;
	size_t got;
	int i, j, n;

	if (list == NULL)
		return;
	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		cnf_error(ctx, list,
		    "mqtt.override_keys must be a list ( { name = ...; key = "
		    "...; }, ... )");
		return;
	}
	n = config_setting_length(list);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			cnf_error(ctx, e,
			    "mqtt.override_keys entry %d must be a group",
			    i + 1);
			continue;
		}
		if (c->n_keys >= MQC_MAX_KEYS) {
			cnf_error(ctx, e, "more than %d mqtt.override_keys",
			    MQC_MAX_KEYS);
			return;
		}
		k = &c->keys[c->n_keys];
		cnf_check_keys(ctx, e, "mqtt.override_keys", known);
		if (!cnf_get_string(ctx, e, "name", k->name, sizeof(k->name)) ||
		    !key_name_ok(k->name)) {
			cnf_error(ctx, e,
			    "mqtt.override_keys entry %d: \"name\" is 1 to 63 "
			    "of A-Z a-z 0-9 . _ @ -",
			    i + 1);
			continue;
		}
		for (j = 0; j < c->n_keys; j++)
			if (strcmp(c->keys[j].name, k->name) == 0)
				cnf_error(ctx, e,
				    "mqtt.override_keys: \"%s\" twice",
				    k->name);
		if (!cnf_get_string(ctx, e, "key", k->key, sizeof(k->key)) ||
		    sdm_base642bin(pk, sizeof(pk), k->key, strlen(k->key), NULL,
			&got, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    got != sizeof(pk) || *end != '\0') {
			cnf_error(ctx, e,
			    "mqtt.override_keys \"%s\": \"key\" must be the "
			    "base64 Ed25519 public key thermwatchctl keygen "
			    "printed",
			    k->name);
			continue;
		}
		c->n_keys++;
	}
}

static void
parse_tls(
    struct cnf_ctx *ctx, const config_setting_t *group, struct mqtt_conf *c)
{
	static const char *const known[] = { "ca_file", "ca_path", "cert_file",
		"key_file", "verify", NULL };
	const config_setting_t *g = cnf_group(ctx, group, "tls");
	struct mqtt_tls_conf *t = &c->tls;

	if (g == NULL)
		return;
	cnf_check_keys(ctx, g, "mqtt.tls", known);
	t->enabled = true;
	cnf_get_owned(ctx, g, "ca_file", PATH_MAX, &c->strs, &t->ca_file);
	cnf_get_owned(ctx, g, "ca_path", PATH_MAX, &c->strs, &t->ca_path);
	cnf_get_owned(ctx, g, "cert_file", PATH_MAX, &c->strs, &t->cert_file);
	cnf_get_owned(ctx, g, "key_file", PATH_MAX, &c->strs, &t->key_file);
	cnf_get_bool(ctx, g, "verify", &t->verify);
	if (t->ca_file[0] == '\0' && t->ca_path[0] == '\0')
		cnf_error(ctx, g, "mqtt.tls: ca_file or ca_path is required");
	if ((t->cert_file[0] == '\0') != (t->key_file[0] == '\0'))
		cnf_error(ctx, g,
		    "mqtt.tls: cert_file and key_file go "
		    "together");
}

void
mqtt_conf_parse(
    struct cnf_ctx *ctx, const config_setting_t *group, struct mqtt_conf *c)
{
	static const char *const known[] = { "enabled", "brokers", "client_id",
		"username", "password_file", "tls", "keepalive_s",
		"telemetry_interval_s", "telemetry_version", "peer_interval_s",
		"peer_max_age_s", "peer_max_slope_c_per_min", "state_refresh_s",
		"reconnect_min_s", "reconnect_max_s", "topic_prefix",
		"queue_max", "overrides", "max_payload", "override_authors",
		"override_keys", "override_max_age_s", NULL };
	const config_setting_t *s;

	if (group == NULL)
		return;
	cnf_check_keys(ctx, group, "mqtt", known);
	cnf_get_bool(ctx, group, "enabled", &c->enabled);
	parse_brokers(ctx, group, c);
	cnf_get_string(
	    ctx, group, "client_id", c->client_id, sizeof(c->client_id));
	cnf_get_string(
	    ctx, group, "username", c->username, sizeof(c->username));
	cnf_get_owned(
	    ctx, group, "password_file", PATH_MAX, &c->strs, &c->password_file);
	parse_tls(ctx, group, c);
	cnf_get_int(ctx, group, "keepalive_s", 5, 3600, &c->keepalive_s);
	cnf_get_double(ctx, group, "telemetry_interval_s", 0.1, 3600,
	    &c->telemetry_interval_s);
	cnf_get_int(
	    ctx, group, "telemetry_version", 1, 2, &c->telemetry_version);
	cnf_get_double(
	    ctx, group, "peer_interval_s", 0.1, 3600, &c->peer_interval_s);
	cnf_get_double(
	    ctx, group, "peer_max_age_s", 0, 86400, &c->peer_max_age_s);
	cnf_get_double(ctx, group, "peer_max_slope_c_per_min", 0.1, 600,
	    &c->peer_max_slope_c_per_min);
	cnf_get_double(
	    ctx, group, "state_refresh_s", 1, 3600, &c->state_refresh_s);
	cnf_get_double(
	    ctx, group, "reconnect_min_s", 0.1, 600, &c->reconnect_min_s);
	cnf_get_double(
	    ctx, group, "reconnect_max_s", 0.1, 3600, &c->reconnect_max_s);
	if (c->reconnect_max_s < c->reconnect_min_s) {
		s = config_setting_get_member(group, "reconnect_max_s");
		cnf_error(ctx, s != NULL ? s : group,
		    "mqtt.reconnect_max_s "
		    "(%g) is below reconnect_min_s (%g)",
		    c->reconnect_max_s, c->reconnect_min_s);
	}
	if (cnf_get_string(ctx, group, "topic_prefix", c->topic_prefix,
		sizeof(c->topic_prefix))) {
		size_t n = strlen(c->topic_prefix);

		s = config_setting_get_member(group, "topic_prefix");
		if (n == 0 || c->topic_prefix[0] == '/' ||
		    c->topic_prefix[n - 1] == '/' ||
		    strpbrk(c->topic_prefix, "+#") != NULL)
			cnf_error(ctx, s,
			    "mqtt.topic_prefix: \"%s\": no "
			    "leading or trailing '/', no '+' or '#'",
			    c->topic_prefix);
	}
	cnf_get_int(ctx, group, "queue_max", 10, 1000000, &c->queue_max);
	cnf_get_bool(ctx, group, "overrides", &c->overrides);
	cnf_get_int(ctx, group, "max_payload", 128, 65536, &c->max_payload);
	parse_authors(ctx, group, c);
	parse_keys(ctx, group, c);
	cnf_get_double(
	    ctx, group, "override_max_age_s", 5, 86400, &c->override_max_age_s);
	if (strpbrk(c->client_id, "+#/") != NULL) {
		s = config_setting_get_member(group, "client_id");
		cnf_error(ctx, s, "mqtt.client_id: no '+', '#' or '/'");
	}
}

void
mqtt_conf_emit(config_setting_t *root, const struct mqtt_conf *c)
{
	config_setting_t *g = cnf_emit_group(root, "mqtt");
	char *bv[MQC_MAX_BROKERS + 1];
	char *av[MQC_MAX_AUTHORS + 1];
	char buf[MQC_MAX_BROKERS][MQC_HOST_LEN + 16];
	int i;

	cnf_emit_bool(g, "enabled", c->enabled);
	for (i = 0; i < c->n_brokers; i++) {
		const struct mqtt_broker *b = &c->brokers[i];

		snprintf(buf[i], sizeof(buf[i]),
		    strchr(b->host, ':') != NULL ? "%s[%s]:%d" : "%s%s:%d",
		    b->tls ? "mqtts://" : "", b->host, b->port);
		bv[i] = buf[i];
	}
	bv[i] = NULL;
	cnf_emit_strv(g, "brokers", bv);
	cnf_emit_string(g, "client_id", c->client_id);
	cnf_emit_string(g, "username", c->username);
	cnf_emit_string(g, "password_file", c->password_file);
	if (c->tls.enabled) {
		config_setting_t *t = cnf_emit_group(g, "tls");

		cnf_emit_string(t, "ca_file", c->tls.ca_file);
		cnf_emit_string(t, "ca_path", c->tls.ca_path);
		cnf_emit_string(t, "cert_file", c->tls.cert_file);
		cnf_emit_string(t, "key_file", c->tls.key_file);
		cnf_emit_bool(t, "verify", c->tls.verify);
	}
	cnf_emit_int(g, "keepalive_s", c->keepalive_s);
	cnf_emit_double(g, "telemetry_interval_s", c->telemetry_interval_s);
	cnf_emit_int(g, "telemetry_version", c->telemetry_version);
	cnf_emit_double(g, "peer_interval_s", c->peer_interval_s);
	cnf_emit_double(g, "peer_max_age_s", c->peer_max_age_s);
	cnf_emit_double(
	    g, "peer_max_slope_c_per_min", c->peer_max_slope_c_per_min);
	cnf_emit_double(g, "state_refresh_s", c->state_refresh_s);
	cnf_emit_double(g, "reconnect_min_s", c->reconnect_min_s);
	cnf_emit_double(g, "reconnect_max_s", c->reconnect_max_s);
	cnf_emit_string(g, "topic_prefix", c->topic_prefix);
	cnf_emit_int(g, "queue_max", c->queue_max);
	cnf_emit_bool(g, "overrides", c->overrides);
	cnf_emit_int(g, "max_payload", c->max_payload);
	for (i = 0; i < c->n_authors; i++)
		av[i] = (char *)(uintptr_t)c->authors[i];
	av[i] = NULL;
	cnf_emit_strv(g, "override_authors", av);
	if (c->n_keys > 0) {
		config_setting_t *list = config_setting_add(
		    g, "override_keys", CONFIG_TYPE_LIST);

		for (i = 0; i < c->n_keys; i++) {
			config_setting_t *e = config_setting_add(
			    list, NULL, CONFIG_TYPE_GROUP);

			cnf_emit_string(e, "name", c->keys[i].name);
			cnf_emit_string(e, "key", c->keys[i].key);
		}
	}
	cnf_emit_double(g, "override_max_age_s", c->override_max_age_s);
}

void
mqtt_conf_free(struct mqtt_conf *c)
{
	cnf_strs_free(&c->strs);
	c->password_file = "";
	c->tls.ca_file = c->tls.ca_path = "";
	c->tls.cert_file = c->tls.key_file = "";
}

/* The path fields, for copies and comparisons. */
static const size_t path_fields[] = {
	offsetof(struct mqtt_conf, password_file),
	offsetof(struct mqtt_conf, tls.ca_file),
	offsetof(struct mqtt_conf, tls.ca_path),
	offsetof(struct mqtt_conf, tls.cert_file),
	offsetof(struct mqtt_conf, tls.key_file),
};
#define N_PATHS (sizeof(path_fields) / sizeof(path_fields[0]))

static const char **
path_at(struct mqtt_conf *c, size_t k)
{
	return (const char **)(void *)((char *)c + path_fields[k]);
}

int
mqtt_conf_copy(struct mqtt_conf *dst, const struct mqtt_conf *src)
{
	memcpy(dst, src, sizeof(*dst));
	memset(&dst->strs, 0, sizeof(dst->strs));
	for (size_t k = 0; k < N_PATHS; k++) {
		const char **p = path_at(dst, k);

		if ((*p)[0] == '\0')
			*p = ""; /* not src's, which may be owned */
		else if ((*p = cnf_strs_add(&dst->strs, *p)) == NULL) {
			mqtt_conf_free(dst);
			return -1;
		}
	}
	return 0;
}

/* Byte for byte (the whole struct, as copied), but the paths by text. */
bool
mqtt_conf_same(const struct mqtt_conf *a, const struct mqtt_conf *b)
{
	struct mqtt_conf x, y;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	for (size_t k = 0; k < N_PATHS; k++) {
		if (strcmp(*path_at(&x, k), *path_at(&y, k)) != 0)
			return false;
		*path_at(&x, k) = *path_at(&y, k) = NULL;
	}
	memset(&x.strs, 0, sizeof(x.strs));
	memset(&y.strs, 0, sizeof(y.strs));
	return memcmp(&x, &y, sizeof(x)) == 0;
}
