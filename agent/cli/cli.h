/*
 * cli.h - thermwatchctl internals: one file per part (socket client,
 * output, MQTT connection, watch, fleet, SOL console), main() in
 * thermwatchctl.c.
 */
#ifndef THERMWATCH_CLI_H
#define THERMWATCH_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "conf.h"

/* Exit codes. */
#define CLI_OK    0
#define CLI_FAIL  1 /* the daemon said no, or is not there */
#define CLI_USAGE 2 /* bad arguments */

struct cli {
	const char *socket; /* resolved control socket path */
	const char *config; /* -c, or NULL */
	bool json;
	bool have_conf; /* conf was loaded */
	struct agent_conf conf;
};

/* Print a message (and the usage line when usage) and return CLI_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_usage(FILE *out);

/* Load the config (-c, or the default one when readable) once. 0 or -1
 * with a message printed (only when -c was given or required). */
int cli_load_conf(struct cli *c, bool required);

/*
 * One request over the control socket. Returns the response object, or
 * NULL with a message printed (daemon not running: names the socket).
 */
cJSON *cli_request(const struct cli *c, cJSON *req);

/* "90", "90s", "15m", "2h", "1d", "1h30m" -> seconds; -1 when invalid. */
double cli_parse_duration(const char *s);
/* 3725 -> "1h2m5s"; negative or non-finite -> "-". */
void cli_fmt_duration(double s, char *buf, size_t len);

/* Human output of a successful response's result. */
void cli_print_status(const cJSON *r);
void cli_print_sensors(const cJSON *r);
void cli_print_overrides(const cJSON *r);
void cli_print_overrides_one(const cJSON *r);

/* The first line of a password file into buf; 0, or -1 with a message. */
int cli_read_secret(const char *path, char *buf, size_t len);

/* cli_mq.c: the MQTT connection of watch and fleet. */
struct mosquitto;
struct mosquitto_message;
typedef void (*cli_mq_connect_cb)(struct mosquitto *m, void *obj, int rc);
typedef void (*cli_mq_message_cb)(
    struct mosquitto *m, void *obj, const struct mosquitto_message *msg);
struct cli_mq {
	struct mqtt_broker broker;
	bool have_broker; /* --broker: not the config's (nor its TLS) */
	const char *user;
	const char *pwfile;
	char prefix[MQC_NAME_LEN];
	char *pw;
	bool lib;
	struct mosquitto *m;
};
void cli_mq_init(struct cli_mq *q);
/* getopt's 'b' (--broker), 'u' (--user), 'P' (--password-file): 1 taken,
 * 0 not one of them, -1 bad (usage error printed: return CLI_USAGE). */
int cli_mq_option(struct cli_mq *q, int ch, const char *arg, const char *cmd);
/* What the options left open, from the config's mqtt group. */
void cli_mq_from_conf(struct cli_mq *q, const struct cli *c);
/* Read the password, connect (blocking). CLI_OK, or CLI_FAIL with a
 * message; cli_mq_close in either case. */
int cli_mq_connect(struct cli_mq *q, const struct cli *c, void *obj,
    cli_mq_connect_cb on_connect, cli_mq_message_cb on_message);
/* The CONNACK's refusal rc, as a message. */
void cli_mq_refused(const struct cli_mq *q, int rc);
void cli_mq_close(struct cli_mq *q);

int cli_watch(struct cli *c, int argc, char **argv);
int cli_fleet(struct cli *c, int argc, char **argv);
int cli_console(struct cli *c, int argc, char **argv);

#endif
