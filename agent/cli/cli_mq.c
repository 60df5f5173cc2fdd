/*
 * cli_mq.c - thermwatchctl's MQTT connection, shared by watch and fleet:
 * the broker, user and password file from the options or the config's
 * mqtt group (TLS too, unless --broker names another broker), a blocking
 * connect with clear messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>

#include "cli.h"

void
cli_mq_init(struct cli_mq *q)
{
	memset(q, 0, sizeof(*q));
	snprintf(q->broker.host, sizeof(q->broker.host), "127.0.0.1");
	q->broker.port = 1883;
	snprintf(q->prefix, sizeof(q->prefix), "thermwatch/v1");
}

int
cli_mq_option(struct cli_mq *q, int ch, const char *arg, const char *cmd)
{
	switch (ch) {
	case 'b':
		if (mqtt_conf_parse_broker(arg, &q->broker) != 0) {
			cli_usage_error(
			    "%s: bad --broker \"%s\" (HOST:PORT)", cmd, arg);
			return -1;
		}
		q->have_broker = true;
		return 1;
	case 'u':
		q->user = arg;
		return 1;
	case 'P':
		q->pwfile = arg;
		return 1;
	}
	return 0;
}

void
cli_mq_from_conf(struct cli_mq *q, const struct cli *c)
{
	if (!c->have_conf)
		return;
	snprintf(q->prefix, sizeof(q->prefix), "%s", c->conf.mqtt.topic_prefix);
	if (!q->have_broker && c->conf.mqtt.n_brokers > 0)
		q->broker = c->conf.mqtt.brokers[0];
	if (q->user == NULL && c->conf.mqtt.username[0] != '\0')
		q->user = c->conf.mqtt.username;
	if (q->pwfile == NULL && c->conf.mqtt.password_file[0] != '\0')
		q->pwfile = c->conf.mqtt.password_file;
}

int
cli_read_secret(const char *path, char *buf, size_t len)
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

static int
setup_tls(struct cli_mq *q, const struct cli *c)
{
	const struct mqtt_tls_conf *t = &c->conf.mqtt.tls;
	int r;

	if (!c->have_conf || !t->enabled || q->have_broker)
		return 0;
	r = mosquitto_tls_set(q->m, t->ca_file[0] ? t->ca_file : NULL,
	    t->ca_path[0] ? t->ca_path : NULL,
	    t->cert_file[0] ? t->cert_file : NULL,
	    t->key_file[0] ? t->key_file : NULL, NULL);
	if (r != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "thermwatchctl: TLS setup: %s\n",
		    mosquitto_strerror(r));
		return -1;
	}
	return 0;
}

int
cli_mq_connect(struct cli_mq *q, const struct cli *c, void *obj,
    cli_mq_connect_cb on_connect, cli_mq_message_cb on_message)
{
	char id[64], buf[256];
	int r;

	if (q->pwfile != NULL) {
		if (cli_read_secret(q->pwfile, buf, sizeof(buf)) != 0)
			return CLI_FAIL;
		q->pw = strdup(buf);
		explicit_bzero(buf, sizeof(buf));
		if (q->pw == NULL)
			return CLI_FAIL;
	}
	mosquitto_lib_init();
	q->lib = true;
	snprintf(id, sizeof(id), "thermwatchctl-%ld", (long)getpid());
	if ((q->m = mosquitto_new(id, true, obj)) == NULL) {
		fprintf(stderr, "thermwatchctl: mosquitto_new failed\n");
		return CLI_FAIL;
	}
	if (q->user != NULL)
		mosquitto_username_pw_set(q->m, q->user, q->pw);
	if (setup_tls(q, c) < 0)
		return CLI_FAIL;
	mosquitto_connect_callback_set(q->m, on_connect);
	mosquitto_message_callback_set(q->m, on_message);
	r = mosquitto_connect(q->m, q->broker.host, q->broker.port, 30);
	if (r != MOSQ_ERR_SUCCESS) {
		fprintf(stderr,
		    "thermwatchctl: cannot connect to the MQTT "
		    "broker %s:%d: %s\n",
		    q->broker.host, q->broker.port,
		    r == MOSQ_ERR_ERRNO ? strerror(errno)
					: mosquitto_strerror(r));
		return CLI_FAIL;
	}
	return CLI_OK;
}

void
cli_mq_refused(const struct cli_mq *q, int rc)
{
	fprintf(stderr,
	    "thermwatchctl: the broker %s:%d "
	    "refused the connection: %s\n",
	    q->broker.host, q->broker.port, mosquitto_connack_string(rc));
}

void
cli_mq_close(struct cli_mq *q)
{
	if (q->m != NULL) {
		mosquitto_disconnect(q->m);
		mosquitto_destroy(q->m);
	}
	q->m = NULL;
	if (q->lib)
		mosquitto_lib_cleanup();
	q->lib = false;
	if (q->pw != NULL) {
		explicit_bzero(q->pw, strlen(q->pw));
		free(q->pw);
	}
	q->pw = NULL;
}
