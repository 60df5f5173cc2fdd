/*
 * cli_mqtt.c - the MQTT client of watch and top: shared options, their
 * defaults from the configuration, the connection. See cli_mqtt.h.
 */
#include "cli_mqtt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
cli_mqtt_init(struct cli_mqtt *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->broker.host, sizeof(o->broker.host), "127.0.0.1");
	o->broker.port = 1883;
	o->site = o->zone = o->host = "+";
	snprintf(o->prefix, sizeof(o->prefix), "thermwatch/v1");
}

int
cli_mqtt_opt(struct cli_mqtt *o, int ch, const char *arg, const char *cmd)
{
	switch (ch) {
	case 'b':
		if (mqtt_conf_parse_broker(arg, &o->broker) != 0)
			return cli_usage_error("%s: bad --broker \"%s\" "
					       "(HOST:PORT, mqtt://HOST[:PORT] "
					       "or mqtts://HOST[:PORT])",
			    cmd, arg);
		o->have_broker = true;
		return 0;
	case 'u':
		o->user = arg;
		return 0;
	case 'P':
		o->pwfile = arg;
		return 0;
	case 'S':
		o->site = arg;
		return 0;
	case 'Z':
		o->zone = arg;
		return 0;
	case 'H':
		o->host = arg;
		return 0;
	default:
		return 1;
	}
}

void
cli_mqtt_defaults(struct cli_mqtt *o, const struct cli *c)
{
	if (!c->have_conf)
		return;
	snprintf(o->prefix, sizeof(o->prefix), "%s", c->conf.mqtt.topic_prefix);
	if (!o->have_broker && c->conf.mqtt.n_brokers > 0)
		o->broker = c->conf.mqtt.brokers[0];
	if (o->user == NULL && c->conf.mqtt.username[0] != '\0')
		o->user = c->conf.mqtt.username;
	if (o->pwfile == NULL && c->conf.mqtt.password_file[0] != '\0')
		o->pwfile = c->conf.mqtt.password_file;
}

/* TLS as configured, for the configured broker only; an mqtts:// broker
 * given on the command line is checked against the system's CAs. */
static int
setup_tls(struct mosquitto *m, const struct cli_mqtt *o, const struct cli *c)
{
	const struct mqtt_tls_conf *t = &c->conf.mqtt.tls;
	int r;

	if (o->have_broker || !c->have_conf || !t->enabled) {
		if (!o->broker.tls)
			return 0;
		r = mosquitto_tls_set(
		    m, NULL, MQC_SYSTEM_CA_PATH, NULL, NULL, NULL);
	} else {
		r = mosquitto_tls_set(m, t->ca_file[0] ? t->ca_file : NULL,
		    t->ca_path[0] ? t->ca_path : NULL,
		    t->cert_file[0] ? t->cert_file : NULL,
		    t->key_file[0] ? t->key_file : NULL, NULL);
	}
	if (r != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "thermwatchctl: TLS setup: %s\n",
		    mosquitto_strerror(r));
		return -1;
	}
	return 0;
}

struct mosquitto *
cli_mqtt_connect(const struct cli_mqtt *o, const struct cli *c, void *arg,
    void (*setup)(struct mosquitto *m))
{
	struct mosquitto *m;
	char id[64], pw[256];
	int r;

	if (o->pwfile != NULL && cli_read_secret(o->pwfile, pw, sizeof(pw)) < 0)
		return NULL;
	mosquitto_lib_init();
	snprintf(id, sizeof(id), "thermwatchctl-%ld", (long)getpid());
	m = mosquitto_new(id, true, arg);
	if (m == NULL) {
		fprintf(stderr, "thermwatchctl: mosquitto_new failed\n");
		explicit_bzero(pw, sizeof(pw));
		mosquitto_lib_cleanup();
		return NULL;
	}
	if (o->user != NULL)
		mosquitto_username_pw_set(
		    m, o->user, o->pwfile != NULL ? pw : NULL);
	explicit_bzero(pw, sizeof(pw));
	if (setup_tls(m, o, c) < 0)
		goto fail;
	if (setup != NULL)
		setup(m);
	r = mosquitto_connect(m, o->broker.host, o->broker.port, 30);
	if (r != MOSQ_ERR_SUCCESS) {
		fprintf(stderr,
		    "thermwatchctl: cannot connect to the MQTT "
		    "broker %s:%d: %s\n",
		    o->broker.host, o->broker.port,
		    r == MOSQ_ERR_ERRNO ? strerror(errno)
					: mosquitto_strerror(r));
		goto fail;
	}
	return m;
fail:
	cli_mqtt_close(m);
	return NULL;
}

void
cli_mqtt_close(struct mosquitto *m)
{
	if (m == NULL)
		return;
	mosquitto_disconnect(m);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
}
