/*
 * log.c - logging to stderr, the journal (with fields) or syslog.
 */
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "sdlib.h"

#define FIELDS_MAX 40 /* journal fields of one entry, ours included */
#define FIELD_LEN  1024

static bool to_stderr = true;
static int verbosity;
static const char *prog = "thermwatch";

void
log_init(const char *progname, bool foreground, int verbose)
{
	prog = progname;
	to_stderr = foreground;
	verbosity = verbose;
	if (!to_stderr)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_verbose(int verbose)
{
	verbosity = verbose;
}

static void
set_iov(struct iovec *v, const char *s)
{
	v->iov_base = (void *)(uintptr_t)s;
	v->iov_len = strlen(s);
}

/* msg plus n extra "NAME=value" fields: stderr, journal, else syslog. */
static void
emit(int pri, const char *msg, char fields[][FIELD_LEN], int n)
{
	struct iovec iov[FIELDS_MAX + 4];
	char m[1100], p[16], id[80];
	int i, k = 0;

	if (to_stderr) {
		fprintf(stderr, "%s: %s\n", prog, msg);
		fflush(stderr);
		return;
	}
	snprintf(m, sizeof(m), "MESSAGE=%s", msg);
	snprintf(p, sizeof(p), "PRIORITY=%d", pri);
	snprintf(id, sizeof(id), "SYSLOG_IDENTIFIER=%s", prog);
	set_iov(&iov[k++], m);
	set_iov(&iov[k++], p);
	set_iov(&iov[k++], id);
	for (i = 0; i < n && k < FIELDS_MAX + 3; i++)
		set_iov(&iov[k++], fields[i]);
	if (sdl_journal_sendv(iov, k) < 0)
		syslog(pri, "%s", msg);
}

static void
vlog(int pri, const char *fmt, va_list ap, int errnum)
{
	char msg[1024];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum) {
		n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(errnum));
	}
	emit(pri, msg, NULL, 0);
}

/* THERMWATCH_<KEY> for a member's key. */
static void
field_name(char *buf, size_t len, const char *key)
{
	size_t i, off;

	if (strcmp(key, "to") == 0)
		key = "state";
	else if (strcmp(key, "from") == 0)
		key = "prev_state";
	off = (size_t)snprintf(buf, len, "THERMWATCH_");
	for (i = 0; key[i] != '\0' && off + 1 < len; i++)
		buf[off++] = isalnum((unsigned char)key[i])
		    ? (char)toupper((unsigned char)key[i])
		    : '_';
	buf[off] = '\0';
}

void
log_json(int pri, const char *event, const cJSON *fields, const char *fmt, ...)
{
	static char f[FIELDS_MAX][FIELD_LEN];
	const cJSON *m;
	char msg[1024], name[64], *json;
	va_list ap;
	int n = 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (to_stderr) {
		emit(pri, msg, NULL, 0);
		return;
	}
	snprintf(f[n++], FIELD_LEN, "THERMWATCH_EVENT=%s", event);
	cJSON_ArrayForEach(m, fields)
	{
		if (n == FIELDS_MAX || m->string == NULL || cJSON_IsNull(m))
			continue;
		field_name(name, sizeof(name), m->string);
		if (cJSON_IsString(m)) {
			snprintf(
			    f[n++], FIELD_LEN, "%s=%s", name, m->valuestring);
		} else if (cJSON_IsNumber(m)) {
			snprintf(
			    f[n++], FIELD_LEN, "%s=%g", name, m->valuedouble);
		} else if (cJSON_IsBool(m)) {
			snprintf(f[n++], FIELD_LEN, "%s=%s", name,
			    cJSON_IsTrue(m) ? "true" : "false");
		} else if ((json = cJSON_PrintUnformatted(m)) != NULL) {
			snprintf(f[n++], FIELD_LEN, "%s=%s", name, json);
			free(json);
		}
	}
	emit(pri, msg, f, n);
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, saved);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, saved);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
