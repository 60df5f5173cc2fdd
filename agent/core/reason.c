/*
 * reason.c - the words: why a sensor sits at its level, with the figures
 * of now (value, level, eta, slope, the evidence behind a substitute),
 * and the decision codes.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eng_int.h"

const char *
cause_code(enum eng_action a, enum cause c)
{
	static const char *const mig[CAUSE_COUNT] = { "migrate.margin",
		"migrate.margin", "migrate.eta", "migrate.zone",
		"migrate.stale", "migrate.frozen", "migrate.implausible" };
	static const char *const sd[CAUSE_COUNT] = { "shutdown.margin",
		"shutdown.margin", "shutdown.eta", "shutdown.zone",
		"shutdown.stale", "shutdown.frozen", "shutdown.implausible" };

	if ((unsigned)c >= CAUSE_COUNT)
		c = CAUSE_NONE;
	return a == ENG_ACT_SHUTDOWN ? sd[c] : mig[c];
}

static void
fmt_eta(char *buf, size_t len, double eta)
{
	if (isinf(eta))
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%.0f s", eta);
}

static const char *
source_name(enum evsrc src)
{
	switch (src) {
	case EV_ZONE:
		return "the zone's inlets";
	case EV_INLET:
		return "the host's inlet";
	case EV_MODEL:
		return "the host's exhaust and cpu";
	default:
		return "nothing";
	}
}

/* "rising 1.20 C/min for 240 s", "settling towards 84.0 C (tau 40 s)" */
static void
fmt_trend(char *buf, size_t len, const struct sensor *s, int64_t now_ms)
{
	double age = s->rise_since_ms == NO_TIME
	    ? 0.0
	    : (double)(now_ms - s->rise_since_ms) / 1000.0;

	if (s->pr.shape == SHAPE_SETTLING)
		snprintf(buf, len,
		    "rising %.2f C/min, settling towards %.1f C (tau %.0f s)",
		    60.0 * s->pr.slope_now, s->pr.asym, s->pr.tau);
	else if (s->pr.rising)
		snprintf(buf, len, "rising %.2f C/min for %.0f s",
		    60.0 * s->pr.slope_now, age);
	else
		snprintf(buf, len, "not rising");
}

void
reason_sensor(char *buf, size_t len, const char *state, const struct eng *e,
    const struct sensor *s, const struct eff_class *ef, int64_t now_ms)
{
	char eta[32], tr[96];
	int k = s->level;
	double lvl_c = s->trip_used - ef->margin[k];

	fmt_eta(eta, sizeof(eta), s->eta);
	switch (s->cause) {
	case CAUSE_STALE:
	case CAUSE_FROZEN:
	case CAUSE_IMPLAUSIBLE: {
		char what[96];

		if (s->cause == CAUSE_STALE)
			snprintf(what, sizeof(what), "stale for %.0f s",
			    (double)(now_ms - s->last_ms) / 1000.0);
		else if (s->cause == CAUSE_FROZEN)
			snprintf(what, sizeof(what),
			    "frozen at %.1f C for %.0f s", s->run_v,
			    (double)(now_ms - s->run_since_ms) / 1000.0);
		else if (s->step != STEP_NONE)
			snprintf(what, sizeof(what),
			    "implausible (%.1f C, a step down its cpu and "
			    "exhaust do not follow)",
			    s->filtered);
		else
			snprintf(what, sizeof(what),
			    "implausible (%.1f C, above its exhaust and cpu)",
			    s->filtered);
		snprintf(buf, len,
		    "%s: %s %s; %s say %.1f C (%+.2f C/min), %s level %.1f "
		    "C, eta %s to trip %.1f C",
		    state, s->id, what, source_name(s->subst_src),
		    s->value_used, 60.0 * s->pr.slope_now, eng_level_name(k),
		    lvl_c, eta, s->trip_used);
		break;
	}
	case CAUSE_ZONE:
		snprintf(buf, len,
		    "%s: %s at %.1f C, zone rising %.2f C/min: eta %s to trip "
		    "%.1f C, %s level lead %.0f s",
		    state, s->id, s->value_used, 60.0 * e->zone_slope, eta,
		    s->trip_used, eng_level_name(k), ef->lead[k]);
		break;
	case CAUSE_ETA:
		fmt_trend(tr, sizeof(tr), s, now_ms);
		snprintf(buf, len,
		    "%s: %s at %.1f C %s, eta %s to trip %.1f C, %s level "
		    "lead %.0f s",
		    state, s->id, s->value_used, tr, eta, s->trip_used,
		    eng_level_name(k), ef->lead[k]);
		break;
	default:
		snprintf(buf, len,
		    "%s: %s at %.1f C, %s level %.1f C (trip %.1f C - %.1f), "
		    "eta %s",
		    state, s->id, s->value_used, eng_level_name(k), lvl_c,
		    s->trip_used, ef->margin[k], eta);
		break;
	}
	/* A shutdown on the zone's word: the host's own evidence, where it
	 * is its cpu warmer than its load explains (health.c) */
	if (k == LEVEL_COUNT - 1 && e->busy_warm &&
	    (s->cause == CAUSE_ZONE || s->subst_src == EV_ZONE)) {
		size_t n = strlen(buf);

		if (n < len)
			snprintf(buf + n, len - n,
			    "; cpu +%.1f C over its load (%.0f %% busy)",
			    e->busy_by, 100.0 * e->busy_u);
	}
}
