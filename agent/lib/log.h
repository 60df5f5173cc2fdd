/*
 * log.h - logging for the agent (after OpenBSD's log.h).
 *
 * In the foreground (-f) messages go to stderr, otherwise to the journal
 * (sd_journal_send, with SYSLOG_IDENTIFIER the program's name), or to
 * syslog where there is no journal. log_warn appends strerror(errno);
 * log_warnx does not. log_json adds an event's fields to the entry.
 */
#ifndef THERMWATCH_LOG_H
#define THERMWATCH_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

#include <cjson/cJSON.h>

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

void log_init(const char *progname, bool foreground, int verbose);
void log_set_verbose(int verbose);
void log_warn(const char *fmt, ...) LOG_FMT(1, 2);
void log_warnx(const char *fmt, ...) LOG_FMT(1, 2);
void log_info(const char *fmt, ...) LOG_FMT(1, 2);
void log_debug(const char *fmt, ...) LOG_FMT(1, 2);
/*
 * One entry at priority pri (LOG_INFO, LOG_WARNING...) for an event: in
 * the journal, besides the message, THERMWATCH_EVENT=event and one field
 * per member of fields (a JSON object, may be NULL), named
 * THERMWATCH_<MEMBER> in upper case, except "to" (THERMWATCH_STATE) and
 * "from" (THERMWATCH_PREV_STATE). Numbers as %g, booleans as true/false,
 * objects and arrays as JSON. In the foreground only the message.
 */
void log_json(int pri, const char *event, const cJSON *fields, const char *fmt,
    ...) LOG_FMT(4, 5);
/* Startup and configuration only: never on the path that protects hardware. */
void fatal(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));

#endif
