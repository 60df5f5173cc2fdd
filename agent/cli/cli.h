/*
 * cli.h - thermwatchctl internals: one file per part (socket client,
 * output, MQTT watch, SOL console), main() in thermwatchctl.c.
 */
#ifndef THERMWATCH_CLI_H
#define THERMWATCH_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include <getopt.h>
#include <mosquitto.h>

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

/* The first line of a password file into buf; -1 with a message. */
int cli_read_password(const char *path, char *buf, size_t len);
/* Monotonic seconds. */
double cli_now_s(void);

/* A broker connection (cli_mqtt.c): options, else the config. */
struct cli_mqtt {
	struct mqtt_broker broker;
	bool have_broker; /* --broker given */
	const char *user;
	const char *pwfile;
	int protocol; /* MQTT_PROTOCOL_V311 or _V5 */
};

/* --broker ARG into o; -1 with the usage error printed. */
int cli_mqtt_broker(struct cli_mqtt *o, const char *arg, const char *what);
/* Connect (blocking); on_connect as for mosquitto_connect_callback_set.
 * NULL with a message printed. */
struct mosquitto *cli_mqtt_connect(struct cli *c, struct cli_mqtt *o, void *obj,
    void (*on_connect)(struct mosquitto *, void *, int));
void cli_mqtt_close(struct mosquitto *m);

/* Remote overrides over MQTT (cli_remote.c): the options of "override
 * set/clear" that send a request to the broker instead of the socket. */
struct cli_remote {
	struct cli_mqtt mq;
	bool on;             /* any of these options given */
	const char *keyfile; /* --key: sign with it */
	const char *to;      /* --to SITE[/ZONE[/HOST]] */
	const char *id;      /* --id */
	double wait_s;       /* --wait: for answers; 0 none, < 0 5 s */
};

/* Handle one of the remote options (getopt's ch and optarg): 1 taken,
 * 0 not a remote option, -1 bad (usage error printed). */
int cli_remote_opt(struct cli_remote *r, int ch, const char *arg);
/* local getopt_long entries and the remote ones into out[n] (ends with
 * { NULL }); 0, or -1 when n is too small. */
int cli_remote_merge(const struct option *local, struct option *out, size_t n);
/* thermwatchctl keygen NAME [--out FILE] (cli_remote.c). */
int cli_keygen(struct cli *c, int argc, char **argv);
/* Send req (key, value, ttl_s or clear, reason; consumed), wait for the
 * agents' answers, print them; the exit code. by: --by, or NULL. */
int cli_remote_send(
    struct cli *c, struct cli_remote *r, cJSON *req, const char *by);

int cli_watch(struct cli *c, int argc, char **argv);
int cli_console(struct cli *c, int argc, char **argv);

#endif
