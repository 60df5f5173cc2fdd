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
/* The same, with the reason of a failure in err instead of on stderr. */
cJSON *
cli_request_err(const struct cli *c, cJSON *req, char *err, size_t errlen);
/* A view without arguments (status, sensors, overrides): the result,
 * detached, or NULL with why in err (no daemon, refused...). */
cJSON *cli_ask(const struct cli *c, const char *cmd, char *err, size_t errlen);

/* The first line of a password file into buf, without its newline; 0, or
 * -1 with the reason printed. */
int cli_read_secret(const char *path, char *buf, size_t len);

/* "90", "90s", "15m", "2h", "1d", "1h30m" -> seconds; -1 when invalid. */
double cli_parse_duration(const char *s);
/* 3725 -> "1h2m5s"; negative or non-finite -> "-". */
void cli_fmt_duration(double s, char *buf, size_t len);

/* Human output of a successful response's result. */
void cli_print_status(const cJSON *r);
void cli_print_sensors(const cJSON *r);
void cli_print_overrides(const cJSON *r);
void cli_print_overrides_one(const cJSON *r);

int cli_watch(struct cli *c, int argc, char **argv);
int cli_fleet(struct cli *c, int argc, char **argv);
/* status --check (cli_check.c; argv without --check): a monitoring
 * plugin's line and exit code, UNKNOWN (3) on bad arguments too. */
int cli_check(struct cli *c, int argc, char **argv);
int cli_console(struct cli *c, int argc, char **argv);
/* top (cli_top.c): the live table of the hosts. */
int cli_top(struct cli *c, int argc, char **argv);

#endif
