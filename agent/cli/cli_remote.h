/*
 * cli_remote.h - "override set/clear ... --broker" and "keygen" of
 * thermwatchctl (cli_remote.c): a request sent to the agents over MQTT,
 * signed with the operator's key, and their answers.
 */
#ifndef THERMWATCH_CLI_REMOTE_H
#define THERMWATCH_CLI_REMOTE_H

#include <getopt.h>

#include "cli.h"
#include "cli_mqtt.h"

struct cli_remote {
	struct cli_mqtt mq;
	bool on;             /* any of these options given */
	const char *keyfile; /* --key: sign with it */
	const char *to;      /* --to SITE[/ZONE[/HOST]] */
	const char *id;      /* --id */
	double wait_s;       /* --wait: for answers; 0 none, < 0 5 s */
};

void cli_remote_init(struct cli_remote *r);
/* Handle one of the remote options (getopt's ch and optarg): 1 taken,
 * 0 not a remote option, -1 bad (usage error printed). */
int cli_remote_opt(struct cli_remote *r, int ch, const char *arg);
/* local getopt_long entries and the remote ones into out[n] (ends with
 * { NULL }); 0, or -1 when n is too small. */
int cli_remote_merge(const struct option *local, struct option *out, size_t n);
/* Send req (key, value, ttl_s or clear, reason; consumed), wait for the
 * agents' answers, print them; the exit code. by: --by, or NULL. */
int cli_remote_send(
    struct cli *c, struct cli_remote *r, cJSON *req, const char *by);
/* thermwatchctl keygen NAME [--out FILE]. */
int cli_keygen(struct cli *c, int argc, char **argv);

#endif
