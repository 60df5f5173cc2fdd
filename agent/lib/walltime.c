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

int
wt_iso(double unix_s, char *buf, size_t len)
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		snprintf(buf, len, "?");
		return -1;
	}
	return 0;
}
