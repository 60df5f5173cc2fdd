/*
 * cli_fmt.c - durations, and the human-readable tables of thermwatchctl.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonutil.h"

double
cli_parse_duration(const char *s)
{
	double total = 0, v, mult;
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s) && *s != '.')
			return -1;
		v = strtod(s, &end);
		if (end == s || !isfinite(v) || v < 0)
			return -1;
		s = end;
		switch (*s) {
		case '\0':
			mult = 1;
			break;
		case 's':
			mult = 1;
			s++;
			break;
		case 'm':
			mult = 60;
			s++;
			break;
		case 'h':
			mult = 3600;
			s++;
			break;
		case 'd':
			mult = 86400;
			s++;
			break;
		default:
			return -1;
		}
		total += v * mult;
	}
	return total;
}

void
cli_fmt_duration(double s, char *buf, size_t len)
{
	long t, d, h, m;

	if (!isfinite(s) || s < 0) {
		snprintf(buf, len, "-");
		return;
	}
	if (s < 10 && s != floor(s)) {
		snprintf(buf, len, "%.1fs", s);
		return;
	}
	if (s >= 1e9) { /* no duration here lasts 31 years; and lround()
			 * of a large finite double does not fit a long */
		snprintf(buf, len, ">31y");
		return;
	}
	t = lround(s);
	d = t / 86400;
	h = t % 86400 / 3600;
	m = t % 3600 / 60;
	t %= 60;
	if (d > 0)
		snprintf(buf, len, "%ldd%ldh%ldm", d, h, m);
	else if (h > 0)
		snprintf(buf, len, "%ldh%ldm%lds", h, m, t);
	else if (m > 0)
		snprintf(buf, len, "%ldm%lds", m, t);
	else
		snprintf(buf, len, "%lds", t);
}

void
cli_print_status(const cJSON *r)
{
	char d1[32], d2[32];
	const char *hold = json_str(r, "hold", NULL);

	printf("host:       %s (site %s, zone %s, tier %.0f)\n",
	    json_str(r, "host", "?"), json_str(r, "site", "?"),
	    json_str(r, "zone", "?"), json_num(r, "tier"));
	cli_fmt_duration(json_num(r, "in_state_s"), d1, sizeof(d1));
	if (json_str(r, "engine_state", NULL) != NULL)
		printf("state:      %s (boot guard); engine %s since %s (%s)\n",
		    json_str(r, "state", "?"), json_str(r, "engine_state", "?"),
		    json_str(r, "since", "?"), d1);
	else
		printf("state:      %s since %s (%s)\n",
		    json_str(r, "state", "?"), json_str(r, "since", "?"), d1);
	printf("reason:     %s\n",
	    *json_str(r, "reason", "") != '\0' ? json_str(r, "reason", "")
					       : "-");
	cli_fmt_duration(json_num(r, "eta_s"), d1, sizeof(d1));
	printf("eta:        %s\n",
	    isfinite(json_num(r, "eta_s")) ? d1 : "- (not rising)");
	if (json_true(r, "zone_alarm"))
		printf("zone:       COOLING ALARM (%.0f of %.0f hosts "
		       "signalling)\n",
		    json_num(r, "zone_signals"), json_num(r, "zone_members"));
	else
		printf("zone:       no alarm (%.0f hosts seen)\n",
		    json_num(r, "zone_members"));
	printf("load:       %s\n",
	    json_true(r, "accepting_load") ? "accepting" : "not accepting");
	printf("hold:       %s\n", hold != NULL ? hold : "none");
	printf("dry run:    %s\n",
	    json_true(r, "dry_run") ? "yes (no actions)" : "no");
	if (isfinite(json_num(r, "cpu_busy")))
		printf("cpu busy:   %.0f%%\n", json_num(r, "cpu_busy") * 100.0);
	else if (cJSON_HasObjectItem(r, "cpu_busy"))
		printf("cpu busy:   - (unknown)\n");
	printf("sensors:    %.0f\n", json_num(r, "sensors"));
	printf("overrides:  %.0f\n", json_num(r, "overrides"));
	printf("mqtt:       %s\n", json_str(r, "mqtt", "?"));
	cli_fmt_duration(json_num(r, "uptime_s"), d2, sizeof(d2));
	printf("uptime:     %s (thermwatchd %s)\n", d2,
	    json_str(r, "version", "?"));
}

static void
fmt_num(char *buf, size_t len, double v, const char *fmt)
{
	if (isfinite(v))
		snprintf(buf, len, fmt, v);
	else
		snprintf(buf, len, "-");
}

static const char *
level_name(double level)
{
	static const char *const names[] = { "-", "warn", "migrate",
		"shutdown" };

	if (!(level >= 0 && level <= 3))
		return "?";
	return names[(int)level];
}

/*
 * USED is the value the engine decides on (used_c): the filtered value,
 * or, marked "*", the value it assumes for a stale sensor; "-" while the
 * sensor counts as missing.
 */
void
cli_print_sensors(const cJSON *r)
{
	const cJSON *s;
	int w = 6, n, assumed = 0;
	char val[16], used[16], slope[16], eta[32], trip[16], rej[24];

	cJSON_ArrayForEach(s, r)
	{
		n = (int)strlen(json_str(s, "id", "?"));
		if (n > w)
			w = n > 48 ? 48 : n;
	}
	if (cJSON_GetArraySize(r) == 0) {
		printf("no sensors\n");
		return;
	}
	printf("%-*s %-6s %-7s %6s %7s %9s %8s %6s %-14s %-8s %-7s %5s\n", w,
	    "SENSOR", "SOURCE", "CLASS", "VALUE", "USED", "SLOPE/min", "ETA",
	    "TRIP", "TRIP FROM", "LEVEL", "STATUS", "REJ");
	cJSON_ArrayForEach(s, r)
	{
		bool a = json_true(s, "assumed");

		fmt_num(val, sizeof(val), json_num(s, "value_c"), "%.1f");
		fmt_num(used, sizeof(used), json_num(s, "used_c"),
		    a ? "%.1f*" : "%.1f ");
		fmt_num(slope, sizeof(slope), json_num(s, "slope_c_per_min"),
		    "%+.2f");
		cli_fmt_duration(json_num(s, "eta_s"), eta, sizeof(eta));
		fmt_num(trip, sizeof(trip), json_num(s, "trip_c"), "%.1f");
		fmt_num(rej, sizeof(rej), json_num(s, "rejected"), "%.0f");
		printf("%-*.*s %-6s %-7s %6s %7s %9s %8s %6s %-14s %-8s %-7s "
		       "%5s\n",
		    w, w, json_str(s, "id", "?"), json_str(s, "source", "?"),
		    json_str(s, "class", "?"), val, used, slope, eta, trip,
		    json_str(s, "trip_from", "-"),
		    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(s, "level"))
			? level_name(json_num(s, "level"))
			: "-",
		    json_str(s, "status", "?"), rej);
		assumed += a;
	}
	if (assumed > 0)
		printf("* assumed: the sensor is stale, frozen or implausible; "
		       "its last trusted value moved as far as its evidence "
		       "(the host's other sensors) has moved since\n");
}

void
cli_print_overrides(const cJSON *r)
{
	const cJSON *o;
	char left[32];
	int w = 3, n;

	if (cJSON_GetArraySize(r) == 0) {
		printf("no overrides in force\n");
		return;
	}
	cJSON_ArrayForEach(o, r)
	{
		n = (int)strlen(json_str(o, "key", "?"));
		if (n > w)
			w = n;
	}
	printf("%-*s %8s %-10s %-20s %-16s %s\n", w, "KEY", "VALUE",
	    "EXPIRES IN", "EXPIRES", "AUTHOR", "REASON");
	cJSON_ArrayForEach(o, r)
	{
		cli_fmt_duration(
		    json_num(o, "expires_in_s"), left, sizeof(left));
		printf("%-*s %8g %-10s %-20s %-16s %s\n", w,
		    json_str(o, "key", "?"), json_num(o, "value"), left,
		    json_str(o, "expires", "?"), json_str(o, "author", "?"),
		    json_str(o, "reason", ""));
	}
}

void
cli_print_overrides_one(const cJSON *r)
{
	char left[32];

	cli_fmt_duration(json_num(r, "expires_in_s"), left, sizeof(left));
	printf("override %s = %g until %s (%s), by %s: %s\n",
	    json_str(r, "key", "?"), json_num(r, "value"),
	    json_str(r, "expires", "?"), left, json_str(r, "author", "?"),
	    json_str(r, "reason", ""));
}
