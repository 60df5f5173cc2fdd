/*
 * cli_check.c - thermwatchctl status --check: the control socket's status
 * and sensors turned into a monitoring plugin's line and exit code (see
 * cli_check.h and thermwatchctl(8), CHECK MODE). The state comes as the
 * daemon says it, never judged again here: the exit code only maps it.
 */
#include "cli_check.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "ctl_proto.h"
#include "jsonutil.h"

static const struct {
	const char *state;
	enum check_code code;
} state_codes[] = {
	{ "ok", CHECK_OK }, { "warn", CHECK_WARNING },
	{ "degraded", CHECK_WARNING },  /* protection partly blind */
	{ "hold", CHECK_WARNING },      /* back after a thermal shutdown */
	{ "hot", CHECK_CRITICAL },      /* load is being moved away */
	{ "critical", CHECK_CRITICAL }, /* shutting down */
};

static const char *const class_names[] = { "cpu", "inlet", "exhaust", "other" };

const char *
check_code_name(enum check_code c)
{
	switch (c) {
	case CHECK_OK:
		return "OK";
	case CHECK_WARNING:
		return "WARNING";
	case CHECK_CRITICAL:
		return "CRITICAL";
	case CHECK_UNKNOWN:
		break;
	}
	return "UNKNOWN";
}

static enum check_code
code_of(const char *state)
{
	size_t i;

	for (i = 0;
	     state != NULL && i < sizeof(state_codes) / sizeof(state_codes[0]);
	     i++)
		if (strcmp(state, state_codes[i].state) == 0)
			return state_codes[i].code;
	return CHECK_UNKNOWN;
}

enum check_code
check_state_code(const char *state, const char *engine_state)
{
	enum check_code c = code_of(state), e;

	if (c == CHECK_UNKNOWN || engine_state == NULL)
		return c;
	e = code_of(engine_state);
	return e != CHECK_UNKNOWN && e > c ? e : c;
}

/* Text of the plugin line: no '|' (it starts the perfdata), no line
 * breaks or other control characters (one line). */
static void
put_text(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '|')
			fputc('/', out);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

/* Perfdata of the sensors: the hottest value the engine decides on per
 * class (its trip as max), how many there are, how many are missing and
 * how many are assumed. */
static void
put_sensor_perf(FILE *out, const cJSON *sensors)
{
	double hot[4] = { NAN, NAN, NAN, NAN },
	       trip[4] = { NAN, NAN, NAN, NAN };
	int n = 0, missing = 0, assumed = 0, k;
	const cJSON *s;

	cJSON_ArrayForEach(s, sensors)
	{
		const char *cls = json_str(s, "class", NULL),
			   *st = json_str(s, "status", NULL);
		double v = json_num(s, "used_c");

		if (st != NULL &&
		    (strcmp(st, "ignored") == 0 || strcmp(st, "removed") == 0))
			continue;
		n++;
		if (isnan(v)) {
			missing++;
			continue;
		}
		assumed += json_true(s, "assumed");
		for (k = 0; k < 4; k++)
			if (cls != NULL && strcmp(cls, class_names[k]) == 0 &&
			    !(v <= hot[k])) {
				hot[k] = v;
				trip[k] = json_num(s, "trip_c");
			}
	}
	for (k = 0; k < 4; k++) {
		if (isnan(hot[k]))
			continue;
		fprintf(out, " %s_c=%.1f;;;", class_names[k], hot[k]);
		if (isfinite(trip[k]))
			fprintf(out, ";%.1f", trip[k]);
	}
	fprintf(out, " sensors=%d;;;0 missing=%d;;;0 assumed=%d;;;0", n,
	    missing, assumed);
}

enum check_code
check_report(FILE *out, const cJSON *status, const cJSON *sensors)
{
	const char *state = json_str(status, "state", NULL);
	const char *engine = json_str(status, "engine_state", NULL);
	const char *reason = json_str(status, "reason", NULL);
	double eta = json_num(status, "eta_s");
	enum check_code code;

	if (state == NULL)
		return check_unknown(out, "the daemon's status has no state");
	code = check_state_code(state, engine);
	fprintf(out, "THERMWATCH %s - state ", check_code_name(code));
	put_text(out, state);
	if (engine != NULL) {
		fputs(" (engine ", out);
		put_text(out, engine);
		fputc(')', out);
	}
	if (json_true(status, "zone_alarm"))
		fputs(", zone cooling alarm", out);
	if (!json_true(status, "accepting_load"))
		fputs(", not accepting load", out);
	if (reason != NULL && reason[0] != '\0') {
		fputs(": ", out);
		put_text(out, reason);
	}
	/* 'U': undetermined, the plugins' word for "not rising" here */
	if (isfinite(eta))
		fprintf(out, " | eta_s=%.0fs;;;0", eta);
	else
		fputs(" | eta_s=U", out);
	if (isfinite(json_num(status, "zone_members")))
		fprintf(out, " zone_signals=%.0f;;;0;%.0f",
		    json_num(status, "zone_signals"),
		    json_num(status, "zone_members"));
	if (cJSON_IsArray(sensors))
		put_sensor_perf(out, sensors);
	fputc('\n', out);
	return code;
}

enum check_code
check_unknown(FILE *out, const char *why)
{
	fputs("THERMWATCH UNKNOWN - ", out);
	put_text(out, why);
	fputc('\n', out);
	return CHECK_UNKNOWN;
}

int
cli_check(struct cli *c, int argc, char **argv)
{
	cJSON *status, *sensors;
	char err[512] = "";
	int code;

	/* a plugin answers UNKNOWN to bad arguments, never CRITICAL (2) */
	if (argc > 1 || c->json) {
		snprintf(err, sizeof(err), "status --check: %s",
		    c->json ? "prints the plugin line, not JSON (no --json)"
			    : "takes no other argument");
		if (argc > 1)
			snprintf(err + strlen(err), sizeof(err) - strlen(err),
			    " (got %.64s)", argv[1]);
		return check_unknown(stdout, err);
	}
	status = cli_ask(c, CTL_CMD_STATUS, err, sizeof(err));
	if (status == NULL)
		return check_unknown(stdout, err);
	/* the state decides; without the sensors only their perfdata is
	 * missing */
	sensors = cli_ask(c, CTL_CMD_SENSORS, err, sizeof(err));
	code = check_report(stdout, status, sensors);
	cJSON_Delete(status);
	cJSON_Delete(sensors);
	return code;
}
