/*
 * conf_mqtt.h - the "mqtt" group of thermwatch.conf.
 *
 *	mqtt = {
 *		enabled = true;
 *		brokers = [ "127.0.0.1:1883", "127.0.0.1:1884" ];
 *		username = "hv01";
 *		password_file = "/etc/thermwatch/mqtt.pw";
 *		tls = { ca_file = "..."; cert_file = "..."; key_file = "..."; };
 *	};
 *
 * The password is never in the main config: password_file holds it (first
 * line), so the config can be world-readable and printed by --check-config.
 */
#ifndef THERMWATCH_CONF_MQTT_H
#define THERMWATCH_CONF_MQTT_H

#include <limits.h>

#include "conf_util.h"

#define MQC_MAX_BROKERS 8
#define MQC_HOST_LEN    256
#define MQC_NAME_LEN    128
#define MQC_MAX_AUTHORS 32
#define MQC_MAX_KEYS    32

/* Where mqtts:// brokers' certificates are checked without a tls group. */
#define MQC_SYSTEM_CA_PATH "/etc/ssl/certs"

struct mqtt_broker {
	char host[MQC_HOST_LEN];
	int port;
	bool tls; /* written mqtts:// */
};

/* An operator's Ed25519 public key (signed remote overrides). */
struct mqtt_key_conf {
	char name[64];
	char key[64]; /* base64 of the 32-byte public key, as written */
};

/* The paths are "" when not set, else owned by the mqtt_conf's strs
 * (at most PATH_MAX - 1 bytes). */
struct mqtt_tls_conf {
	bool enabled; /* true when the tls group is present */
	const char *ca_file;
	const char *ca_path;
	const char *cert_file;
	const char *key_file;
	bool verify; /* check the broker's certificate + name */
};

struct mqtt_conf {
	bool enabled;
	int n_brokers; /* tried in order, then round again */
	struct mqtt_broker brokers[MQC_MAX_BROKERS];
	char client_id[MQC_NAME_LEN]; /* "" = "thermwatch-<host>" */
	char username[MQC_NAME_LEN];  /* "" = no user name */
	const char *password_file;    /* "" = no password */
	struct mqtt_tls_conf tls;
	int keepalive_s;
	double telemetry_interval_s;
	int telemetry_version; /* 1, or 2: telemetry + the sensors message */
	double peer_interval_s;
	double peer_max_age_s;  /* peers with an older ts are ignored */
	double state_refresh_s; /* the retained state re-sent this often */
	double peer_max_slope_c_per_min; /* steeper peer slopes: implausible */
	double peer_min_c; /* plausible peer inlet: classes.inlet's valid */
	double peer_max_c; /* range (set by conf.c, not keys of their own) */
	double reconnect_min_s; /* backoff: min, doubling up to max */
	double reconnect_max_s;
	char topic_prefix[MQC_NAME_LEN];
	int queue_max;   /* bound of the persisted event queue */
	bool overrides;  /* accept remote overrides */
	int max_payload; /* bytes; bigger incoming messages refused */
	int n_authors;   /* 0 = any author the broker let through */
	char authors[MQC_MAX_AUTHORS][64];
	int n_keys; /* > 0: remote overrides must be signed by one */
	struct mqtt_key_conf keys[MQC_MAX_KEYS];
	double override_max_age_s; /* a signed request older is expired */
	struct cnf_strs strs;      /* the paths above, as the file has them */
};

void mqtt_conf_defaults(struct mqtt_conf *c);
/* group may be NULL (absent: defaults stay). */
void mqtt_conf_parse(
    struct cnf_ctx *ctx, const config_setting_t *group, struct mqtt_conf *c);
void mqtt_conf_emit(config_setting_t *root, const struct mqtt_conf *c);
void mqtt_conf_free(struct mqtt_conf *c);
/* dst (not initialised) gets src with copies of its paths: 0, or -1 when
 * out of memory (dst then holds nothing to free). */
int mqtt_conf_copy(struct mqtt_conf *dst, const struct mqtt_conf *src);
/* The same settings (the paths by their text). */
bool mqtt_conf_same(const struct mqtt_conf *a, const struct mqtt_conf *b);

/* "host:port" (or "[v6]:port", or "host" = port 1883), or a URL
 * "mqtt://host[:port][/]" (1883) or "mqtts://host[:port][/]" (8883, TLS)
 * into b; 0 or -1. */
int mqtt_conf_parse_broker(const char *s, struct mqtt_broker *b);

#endif
