/*
 * conf_mqtt.c - parse and emit the "mqtt" group.
 */
#include "conf_mqtt.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
mqtt_conf_defaults(struct mqtt_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->enabled = false;
	c->n_brokers = 1;
	snprintf(c->brokers[0].host, sizeof(c->brokers[0].host), "127.0.0.1");
	c->brokers[0].port = 1883;
	c->tls.verify = true;
	c->keepalive_s = 30;
	c->telemetry_interval_s = 10.0;
	c->peer_interval_s = 5.0;
	c->peer_max_age_s = 60.0;
	c->state_refresh_s = 60.0;
	c->reconnect_min_s = 1.0;
	c->reconnect_max_s = 60.0;
	snprintf(c->topic_prefix, sizeof(c->topic_prefix), "thermwatch/v1");
	c->queue_max = 10000;
	c->overrides = true;
	c->max_payload = 1024;
}

int
mqtt_conf_parse_broker(const char *s, struct mqtt_broker *b)
{
	const char *colon, *host = s;
	size_t hlen;
	char *end;
	long port = 1883;

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
			    "mqtt.brokers: \"%s\" is not "
			    "host:port (port 1..65535)",
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
	cnf_get_string(ctx, g, "ca_file", t->ca_file, sizeof(t->ca_file));
	cnf_get_string(ctx, g, "ca_path", t->ca_path, sizeof(t->ca_path));
	cnf_get_string(ctx, g, "cert_file", t->cert_file, sizeof(t->cert_file));
	cnf_get_string(ctx, g, "key_file", t->key_file, sizeof(t->key_file));
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
		"telemetry_interval_s", "peer_interval_s", "peer_max_age_s",
		"state_refresh_s", "reconnect_min_s", "reconnect_max_s",
		"topic_prefix", "queue_max", "overrides", "max_payload",
		"override_authors", NULL };
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
	cnf_get_string(ctx, group, "password_file", c->password_file,
	    sizeof(c->password_file));
	parse_tls(ctx, group, c);
	cnf_get_int(ctx, group, "keepalive_s", 5, 3600, &c->keepalive_s);
	cnf_get_double(ctx, group, "telemetry_interval_s", 0.1, 3600,
	    &c->telemetry_interval_s);
	cnf_get_double(
	    ctx, group, "peer_interval_s", 0.1, 3600, &c->peer_interval_s);
	cnf_get_double(
	    ctx, group, "peer_max_age_s", 0, 86400, &c->peer_max_age_s);
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
		    strchr(b->host, ':') != NULL ? "[%s]:%d" : "%s:%d", b->host,
		    b->port);
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
	cnf_emit_double(g, "peer_interval_s", c->peer_interval_s);
	cnf_emit_double(g, "peer_max_age_s", c->peer_max_age_s);
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
}

void
mqtt_conf_free(struct mqtt_conf *c)
{
	(void)c;
}
