/*
 * walltime.c - wall-clock time and its ISO 8601 text. See walltime.h.
 */
#include "walltime.h"

#include <stdio.h>
#include <time.h>

double
wt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
wt_of_mono(int64_t mono_ms, int64_t now_ms)
{
	return wt_now() + (double)(mono_ms - now_ms) / 1000.0;
}

/*
 * The fields by snprintf, not strftime(): strftime() runs tzset(), which
 * looks at /etc/localtime again each time (an open, two fstat, two reads,
 * a seek and a close on each engine state save) for a text in UTC. Years
 * outside 1000-9999, which %Y prints otherwise than %04d, go to strftime().
 */
int
wt_iso(double unix_s, char *buf, size_t len)
{
	time_t t = (time_t)unix_s;
	struct tm tm;
	int n;

	if (gmtime_r(&t, &tm) == NULL)
		goto fail;
	if (tm.tm_year >= 1000 - 1900 && tm.tm_year <= 9999 - 1900) {
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		if (n > 0 && (size_t)n < len)
			return 0;
	} else if (strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) != 0) {
		return 0;
	}
fail:
	snprintf(buf, len, "?");
	return -1;
}
