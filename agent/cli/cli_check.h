/*
 * cli_check.h - thermwatchctl status --check: the host's state as a
 * monitoring plugin reports it (the monitoring-plugins convention that
 * Icinga, Nagios, Checkmk and Zabbix run as it is): one line of text with
 * performance data, and the exit code. See thermwatchctl(8), CHECK MODE.
 */
#ifndef THERMWATCH_CLI_CHECK_H
#define THERMWATCH_CLI_CHECK_H

#include <stdio.h>

#include <cjson/cJSON.h>

enum check_code {
	CHECK_OK = 0,
	CHECK_WARNING = 1,
	CHECK_CRITICAL = 2,
	CHECK_UNKNOWN = 3
};

/* "OK", "WARNING", "CRITICAL" or "UNKNOWN". */
const char *check_code_name(enum check_code c);

/*
 * The code of a host state: ok OK; warn, degraded and hold WARNING; hot
 * and critical CRITICAL; anything else UNKNOWN. During a hold the
 * engine's own state counts too (engine_state, may be NULL): the worse
 * of the two.
 */
enum check_code check_state_code(const char *state, const char *engine_state);

/*
 * Print the plugin line for a "status" result and a "sensors" result
 * (NULL when it could not be had: no temperatures in the perfdata), and
 * return its code.
 */
enum check_code
check_report(FILE *out, const cJSON *status, const cJSON *sensors);

/* Print "THERMWATCH UNKNOWN - why" and return CHECK_UNKNOWN. */
enum check_code check_unknown(FILE *out, const char *why);

#endif
