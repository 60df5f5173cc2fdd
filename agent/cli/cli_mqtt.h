/*
 * cli_mqtt.h - thermwatchctl's MQTT client for the commands that follow
 * the agents on the broker (watch, top): the options they share (broker,
 * user, password file, site, zone, host), their defaults from the mqtt
 * group of the configuration, and the connection (TLS as configured).
 * A CLI may block, so the callers drive it with mosquitto_loop().
 */
#ifndef THERMWATCH_CLI_MQTT_H
#define THERMWATCH_CLI_MQTT_H

#include <stdbool.h>

#include <mosquitto.h>

#include "cli.h"

struct cli_mqtt {
	struct mqtt_broker broker; /* default 127.0.0.1:1883 */
	bool have_broker;          /* --broker given */
	const char *user;
	const char *pwfile;
	const char *site, *zone, *host; /* topic levels; default "+" */
	char prefix[MQC_NAME_LEN];      /* mqtt.topic_prefix */
};

/* The long options of cli_mqtt_opt(), to put in a command's table. */
/* clang-format off */
#define CLI_MQTT_OPTIONS \
	{ "broker", required_argument, NULL, 'b' }, \
	{ "user", required_argument, NULL, 'u' }, \
	{ "password-file", required_argument, NULL, 'P' }, \
	{ "site", required_argument, NULL, 'S' }, \
	{ "zone", required_argument, NULL, 'Z' }, \
	{ "host", required_argument, NULL, 'H' }
/* clang-format on */
#define CLI_MQTT_SHORTOPTS "b:u:P:S:Z:H:"

void cli_mqtt_init(struct cli_mqtt *o);
/*
 * Take one getopt result of the shared options: 0 taken, 1 not one of
 * them, or CLI_USAGE with the message printed (cmd names the command).
 */
int cli_mqtt_opt(struct cli_mqtt *o, int ch, const char *arg, const char *cmd);
/* After the options: fill what was not given from c's configuration. */
void cli_mqtt_defaults(struct cli_mqtt *o, const struct cli *c);
/*
 * A client (clean session, id "thermwatchctl-<pid>") with userdata arg,
 * connected to o->broker, or NULL with the reason printed. Calls
 * mosquitto_lib_init(); cli_mqtt_close() undoes it all. Set the callbacks
 * with setup(m) before the connection is made (may be NULL).
 */
struct mosquitto *cli_mqtt_connect(const struct cli_mqtt *o,
    const struct cli *c, void *arg, void (*setup)(struct mosquitto *m));
void cli_mqtt_close(struct mosquitto *m);

#endif
