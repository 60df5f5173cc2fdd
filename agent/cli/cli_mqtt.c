/*
 * cli_mqtt.c - thermwatchctl's connection to an MQTT broker (watch,
 * remote overrides): the broker, login and TLS from the options, else
 * from the config. A CLI may block: plain mosquitto_connect().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int
cli_read_password(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		fprintf(stderr,
		    "thermwatchctl: cannot read password file "
		    "%s: %s\n",
		    path, strerror(errno));
		return -1;
	}
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

double
cli_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
cli_mqtt_broker(struct cli_mqtt *o, const char *arg, const char *what)
{
	if (mqtt_conf_parse_broker(arg, &o->broker) != 0) {
		cli_usage_error("%s: bad --broker \"%s\" (HOST:PORT, "
				"mqtt://HOST[:PORT] or mqtts://HOST[:PORT])",
		    what, arg);
		return -1;
	}
	o->have_broker = true;
	return 0;
}

struct mosquitto *
cli_mqtt_connect(struct cli *c, struct cli_mqtt *o, void *obj,
    void (*on_connect)(struct mosquitto *, void *, int))
{
	const struct mqtt_tls_conf *t = NULL;
	const char *pwfile = o->pwfile, *user = o->user;
	struct mosquitto *m;
	char id[64], pwbuf[256], *pw = NULL;
	int r;

	if (c->have_conf) {
		if (!o->have_broker && c->conf.mqtt.n_brokers > 0)
			o->broker = c->conf.mqtt.brokers[0];
		if (user == NULL && c->conf.mqtt.username[0] != '\0')
			user = c->conf.mqtt.username;
		if (pwfile == NULL && c->conf.mqtt.password_file[0] != '\0')
			pwfile = c->conf.mqtt.password_file;
		if (c->conf.mqtt.tls.enabled && !o->have_broker)
			t = &c->conf.mqtt.tls;
	}
	if (!o->have_broker && !c->have_conf) {
		snprintf(o->broker.host, sizeof(o->broker.host), "127.0.0.1");
		o->broker.port = 1883;
	}
	if (pwfile != NULL) {
		if (cli_read_password(pwfile, pwbuf, sizeof(pwbuf)) != 0)
			return NULL;
		pw = pwbuf;
	}
	mosquitto_lib_init();
	snprintf(id, sizeof(id), "thermwatchctl-%ld", (long)getpid());
	m = mosquitto_new(id, true, obj);
	if (m == NULL) {
		fprintf(stderr, "thermwatchctl: mosquitto_new failed\n");
		goto fail;
	}
	mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION,
	    o->protocol != 0 ? o->protocol : MQTT_PROTOCOL_V311);
	if (user != NULL)
		mosquitto_username_pw_set(m, user, pw);
	if (t != NULL || o->broker.tls) {
		r = mosquitto_tls_set(m,
		    t != NULL && t->ca_file[0] ? t->ca_file : NULL,
		    t != NULL && t->ca_path[0]        ? t->ca_path
			: t == NULL || !t->ca_file[0] ? MQC_SYSTEM_CA_PATH
						      : NULL,
		    t != NULL && t->cert_file[0] ? t->cert_file : NULL,
		    t != NULL && t->key_file[0] ? t->key_file : NULL, NULL);
		if (r != MOSQ_ERR_SUCCESS) {
			fprintf(stderr, "thermwatchctl: TLS setup: %s\n",
			    mosquitto_strerror(r));
			goto fail;
		}
	}
	mosquitto_connect_callback_set(m, on_connect);
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
	explicit_bzero(pwbuf, sizeof(pwbuf));
	return m;
fail:
	if (m != NULL)
		mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	explicit_bzero(pwbuf, sizeof(pwbuf));
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
