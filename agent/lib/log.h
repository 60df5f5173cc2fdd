/*
 * log.h - logging for the agent (after OpenBSD's log.h).
 *
 * In the foreground (-f) messages go to stderr, otherwise to syslog (which
 * the journal picks up). log_warn appends strerror(errno); log_warnx does not.
 */
#ifndef THERMWATCH_LOG_H
#define THERMWATCH_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#define LOG_FMT(a, b) __attribute__((format(printf, a, b)))

void log_init(const char *progname, bool foreground, int verbose);
void log_set_verbose(int verbose);
void log_warn(const char *fmt, ...) LOG_FMT(1, 2);
void log_warnx(const char *fmt, ...) LOG_FMT(1, 2);
void log_info(const char *fmt, ...) LOG_FMT(1, 2);
void log_debug(const char *fmt, ...) LOG_FMT(1, 2);
/* Startup and configuration only: never on the path that protects hardware. */
void fatal(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_FMT(1, 2) __attribute__((noreturn));

#endif
