/*
 * scn_util.c - the scenario's times (durations, weekday clocks, labels)
 * and where scenario files are found.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim.h"

#ifndef TW_DATADIR
#define TW_DATADIR "/usr/local/share"
#endif
#define SCN_INSTALLED TW_DATADIR "/thermwatch/scenarios"

static const char *const wdays[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	"Sun", NULL };

/* "90" (seconds), or number-unit pairs: "90s", "15m", "6h", "7d",
 * "1d12h", "1h30m". */
double
scn_parse_duration(const char *s)
{
	double v, total = 0;
	char *end;
	bool unit = false;

	if (s == NULL || *s == '\0')
		return -1;
	while (*s != '\0') {
		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		v = strtod(s, &end);
		if (errno != 0 || end == s || !isfinite(v) || v < 0)
			return -1;
		switch (*end) {
		case '\0':
			/* a bare number is seconds, alone */
			return unit ? -1 : v;
		case 's':
			total += v;
			break;
		case 'm':
			total += v * 60;
			break;
		case 'h':
			total += v * 3600;
			break;
		case 'd':
			total += v * 86400;
			break;
		default:
			return -1;
		}
		unit = true;
		s = end + 1;
	}
	return total;
}

double
scn_parse_weekclock(const char *s)
{
	int d, h, m, sec = 0, n = 0;
	char day[4];

	if (sscanf(s, "%3s %d:%d%n", day, &h, &m, &n) != 3)
		return -1;
	if (s[n] == ':') {
		int n2 = 0;

		if (sscanf(s + n, ":%d%n", &sec, &n2) != 1)
			return -1;
		n += n2;
	}
	if (s[n] != '\0' || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 ||
	    sec > 59)
		return -1;
	for (d = 0; wdays[d] != NULL; d++)
		if (strcmp(day, wdays[d]) == 0)
			break;
	if (wdays[d] == NULL)
		return -1;
	return d * 86400.0 + h * 3600.0 + m * 60.0 + sec;
}

double
scn_parse_when(const struct sim_scenario *s, const char *when)
{
	double w, st;

	if (when[0] == '+')
		return scn_parse_duration(when + 1);
	if (s->start_wday < 0)
		return -1;
	w = scn_parse_weekclock(when);
	if (w < 0)
		return -1;
	st = s->start_wday * 86400.0 + s->start_tod_s;
	w -= st;
	if (w < 0)
		w += 7 * 86400.0;
	return w;
}

void
scn_clock_label(const struct sim_scenario *s, double t_s, char *buf, size_t len)
{
	long long t = llround(t_s);

	if (s->start_wday >= 0) {
		long long a = t +
		    (long long)(s->start_wday * 86400.0 + s->start_tod_s);
		int d = (int)((a / 86400) % 7);
		long long r = a % 86400;

		snprintf(buf, len, "%s %02lld:%02lld:%02lld", wdays[d],
		    r / 3600, (r / 60) % 60, r % 60);
	} else
		snprintf(buf, len, "+%lldh%02lldm%02llds", t / 3600,
		    (t / 60) % 60, t % 60);
}

double
scn_hour_of_day(const struct sim_scenario *s, double t_s)
{
	return fmod((s->start_tod_s + t_s) / 3600.0, 24.0);
}

static bool
is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int
scn_resolve(const char *name, char *path, size_t len)
{
	char src[PATH_MAX];
	const char *p;
	size_t n;

	if (is_file(name) || strchr(name, '/') != NULL) {
		snprintf(path, len, "%s", name);
		return is_file(name) ? 0 : -ENOENT;
	}
	/* "ac-failure" or "ac-failure.conf" */
	n = strlen(name);
	if (n > 5 && strcmp(name + n - 5, ".conf") == 0)
		n -= 5;
	if ((size_t)snprintf(
		path, len, "%s/%.*s.conf", SCN_INSTALLED, (int)n, name) < len &&
	    is_file(path))
		return 0;
	/* The source tree this binary was built from: __FILE__ is
	 * ".../agent/sim/scn_util.c" under CMake. */
	snprintf(src, sizeof(src), "%s", __FILE__);
	p = strstr(src, "agent/sim/scn_util.c");
	if (p != NULL &&
	    (size_t)snprintf(path, len, "%.*stests/scenarios/%.*s.conf",
		(int)(p - src), src, (int)n, name) < len &&
	    is_file(path))
		return 0;
	snprintf(path, len, "%s", name);
	return -ENOENT;
}

static void
list_dir(const char *dir, FILE *out)
{
	struct dirent **ents;
	struct sim_scenario *s;
	char path[PATH_MAX];
	FILE *null;
	int i, n;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return;
	s = malloc(sizeof(*s));
	null = fopen("/dev/null", "we");
	for (i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (s != NULL && null != NULL && l > 5 &&
		    strcmp(ents[i]->d_name + l - 5, ".conf") == 0 &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			ents[i]->d_name) < sizeof(path)) {
			if (scn_parse_file(path, s, null) == 0)
				fprintf(out, "%-32s %s\n  %s\n", s->name,
				    s->description, path);
			else
				fprintf(out, "%-32s (has errors)\n  %s\n",
				    ents[i]->d_name, path);
			scn_free(s);
		}
		free(ents[i]);
	}
	free(ents);
	free(s);
	if (null != NULL)
		fclose(null);
}

void
scn_list(FILE *out)
{
	char src[PATH_MAX];
	const char *p;

	list_dir(SCN_INSTALLED, out);
	snprintf(src, sizeof(src), "%s", __FILE__);
	p = strstr(src, "agent/sim/scn_util.c");
	if (p != NULL) {
		snprintf(src + (p - src), sizeof(src) - (size_t)(p - src),
		    "tests/scenarios");
		list_dir(src, out);
	}
}
