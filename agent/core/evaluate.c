/*
 * evaluate.c - from sensors, peers and overrides to one host state and
 * the decisions that follow from its changes.
 *
 * The host takes the highest level of its sensors (sensor.c); a zone
 * alarm makes it at least warn. With no level, a sensor that is missing,
 * stale, frozen or implausible makes it degraded.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eng_int.h"

static const char *const state_codes[ENG_STATE_COUNT] = { "state.ok",
	"state.warn", "state.hot", "state.critical", "state.degraded" };

/* Missing: it tells nothing about the heat; the host is degraded. */
static bool
sensor_missing(
    const struct sensor *s, const struct eff_class *ef, int64_t now_ms)
{
	if (s->removed || (s->stale && !s->extrap))
		return true;
	return s->last_ms == NO_TIME && now_ms - s->added_ms > ef->stale_ms;
}

/* Not missing, but not trusted either: it also makes the host degraded. */
static bool
sensor_untrusted(const struct sensor *s)
{
	return !s->removed && (s->frozen || s->implausible || s->stale);
}

/* Is a more urgent than b? */
static bool
worse(const struct sensor *a, const struct sensor *b)
{
	if (b == NULL)
		return true;
	if (a->level != b->level)
		return a->level > b->level;
	if (a->eta != b->eta)
		return a->eta < b->eta;
	return a->headroom < b->headroom;
}

static struct eng_decision *
add_decision(struct eng_output *out, enum eng_action a, const char *code,
    const struct eng *e, int worst)
{
	struct eng_decision *d;

	if (out->n_decisions >= ENG_MAX_DECISIONS)
		return NULL;
	d = &out->decisions[out->n_decisions++];
	d->action = a;
	d->code = code;
	d->sensor = worst;
	d->value_c = NAN;
	d->trip_c = NAN;
	d->eta_s = INFINITY;
	if (worst >= 0) {
		const struct sensor *s = &e->sensors[worst];

		d->value_c = s->value_used;
		d->trip_c = s->trip_used;
		d->eta_s = s->eta;
	}
	snprintf(d->reason, sizeof(d->reason), "%s", e->reason);
	return d;
}

static void
decide(struct eng *e, enum eng_state prev, bool was_accepting, int worst,
    enum cause cause, struct eng_output *out)
{
	bool quiet = ovr_quiet(e);
	struct eng_decision *d;

	if (e->state != prev) {
		if (quiet)
			out->n_suppressed++;
		else
			add_decision(out, ENG_ACT_NOTIFY, state_codes[e->state],
			    e, worst);
	}
	if (e->accepting != was_accepting) {
		d = add_decision(out, ENG_ACT_HOLD,
		    e->accepting ? "hold.resume" : "hold.stop", e, worst);
		if (d != NULL)
			snprintf(d->reason, sizeof(d->reason),
			    "%s load: %.220s",
			    e->accepting ? "accepting" : "not accepting",
			    e->zone_alarm ? "zone cooling alarm" : e->reason);
	}
	if (e->state == ENG_STATE_HOT && prev != ENG_STATE_HOT &&
	    prev != ENG_STATE_CRITICAL) {
		if (quiet)
			out->n_suppressed++;
		else
			add_decision(out, ENG_ACT_MIGRATE,
			    cause_code(ENG_ACT_MIGRATE, cause), e, worst);
	}
	if (e->state == ENG_STATE_CRITICAL && prev != ENG_STATE_CRITICAL)
		add_decision(out, ENG_ACT_SHUTDOWN,
		    cause_code(ENG_ACT_SHUTDOWN, cause), e, worst);
}

static const char *
untrusted_why(const struct sensor *s)
{
	if (s->removed)
		return "removed";
	if (s->last_ms == NO_TIME)
		return "has no valid sample";
	if (s->frozen)
		return "is frozen";
	if (s->implausible)
		return "is implausible";
	return "is stale";
}

/* The state's reason, with the figures of now. */
static void
make_reason(struct eng *e, enum eng_state next, int level, enum cause cause,
    const struct sensor *w, const struct eff_class *ef,
    const struct sensor *missing, int n_missing, int64_t now_ms,
    const struct eng_output *out)
{
	const char *sn = eng_state_name(next);
	char *buf = e->reason;
	size_t len = sizeof(e->reason);

	if (e->conf.policy.kind == ENG_POLICY_NONE)
		snprintf(buf, len, "ok: policy none");
	else if (cause == CAUSE_ZONE && (w == NULL || w->level == 0))
		snprintf(buf, len,
		    "%s: zone cooling alarm, %d of %d hosts with inlet rising "
		    "or high, zone rising %.2f C/min",
		    sn, out->zone_signals, out->zone_members,
		    60.0 * e->zone_slope);
	else if (level > 0) {
		reason_sensor(buf, len, sn, e, w, &ef[w->cls], now_ms);
		if (level == 3 && next == ENG_STATE_HOT)
			snprintf(buf + strlen(buf), len - strlen(buf),
			    "; waiting for the less important hosts of the "
			    "zone");
	} else if (e->n_sensors == 0)
		snprintf(buf, len, "%s: no sensors", sn);
	else if (n_missing > 0)
		snprintf(buf, len, "%s: %s %s (%d of %d sensors not trusted)",
		    sn, missing->id, untrusted_why(missing), n_missing,
		    e->n_sensors);
	else if (e->refused > 0)
		snprintf(buf, len,
		    "%s: %d sensors not watched: the engine's capacity of %d "
		    "sensors is reached",
		    sn, e->refused, e->cap_sensors);
	else if (w != NULL)
		snprintf(
		    buf, len, "%s: %d sensors within limits", sn, e->n_sensors);
	else
		snprintf(buf, len, "%s: no readings yet", sn);
}

/* Does the reason say the zone alarm's words (make_reason's second
 * case)? Their figures are the zone's counts and slope only. */
static bool
zone_words(const struct eng *e, enum cause cause, const struct sensor *w)
{
	return e->conf.policy.kind != ENG_POLICY_NONE && cause == CAUSE_ZONE &&
	    (w == NULL || w->level == 0);
}

/* ...and did it say them last, from the very figures of now? */
static bool
zone_words_same(const struct eng *e, enum cause cause, const struct sensor *w,
    const struct eng_output *out)
{
	return e->rkey.zone_words && zone_words(e, cause, w) &&
	    e->rkey.zone_signals == out->zone_signals &&
	    e->rkey.zone_members == out->zone_members &&
	    /* bit for bit: -0.0 is printed "-0.00" */
	    memcmp(&e->rkey.zone_slope, &e->zone_slope, sizeof(double)) == 0;
}

/* The reason made anew, and what it was made from. */
static void
remake_reason(struct eng *e, enum eng_state next, int level, enum cause cause,
    const struct sensor *w, const struct eff_class *ef,
    const struct sensor *missing, int n_missing, int worst, int missing_i,
    int64_t now_ms, const struct eng_output *out)
{
	make_reason(
	    e, next, level, cause, w, ef, missing, n_missing, now_ms, out);
	e->reason_ms = now_ms;
	e->rkey.valid = true;
	e->rkey.state = next;
	e->rkey.level = level;
	e->rkey.cause = cause;
	e->rkey.n_missing = n_missing;
	e->rkey.missing = missing_i;
	e->rkey.refused = e->refused;
	e->rkey.worst = worst;
	e->rkey.zone_words = zone_words(e, cause, w);
	e->rkey.zone_signals = out->zone_signals;
	e->rkey.zone_members = out->zone_members;
	e->rkey.zone_slope = e->zone_slope;
}

/*
 * Tier order: in a zone alarm a host shuts down on a prediction (an eta,
 * the zone's slope, a tier's wider margin) only once no less important
 * host of its zone is still running (as their summaries say); until then
 * it migrates. Like every wait, this one is bounded by the time left: at
 * most policy.wait_fraction of the time to trip there was when it began.
 * Its own shutdown level never waits: a sensor of its own at its own
 * shutdown margin is the last margin there is.
 */
static bool
tier_waits(struct eng *e, const struct eff_class *ef, int64_t now_ms)
{
	double left = INFINITY;
	int i, t;
	bool others = false;

	for (t = e->conf.tier + 1; e->zone_alarm && t <= ENG_MAX_TIER; t++)
		others = others || e->zone.running[t] > 0;
	for (i = 0; others && i < e->n_sensors; i++) {
		const struct sensor *s = &e->sensors[i];

		if (s->level == 3 && s->cause == CAUSE_MARGIN &&
		    s->headroom <= ef[s->cls].sd_margin_own)
			others = false;
		if (s->level == 3 && s->eta < left)
			left = s->eta;
	}
	if (!others) {
		e->tier_wait_until_ms = NO_TIME;
		return false;
	}
	if (e->tier_wait_until_ms == NO_TIME)
		e->tier_wait_until_ms = now_ms +
		    (int64_t)(e->conf.policy.wait_fraction *
			(isfinite(left) ? left : 0.0) * 1000.0);
	return now_ms < e->tier_wait_until_ms;
}

void
eval_run(struct eng *e, int64_t now_ms, struct eng_output *out)
{
	const struct eff_class *ef;
	const struct sensor *w = NULL, *missing = NULL;
	enum eng_state prev = e->state, next;
	enum cause cause = CAUSE_NONE;
	bool was_accepting = e->accepting;
	int i, level = 0, n_missing = 0, worst = -1, missing_i = -1;
	struct host_view hv; /* health_begin() builds it */

	/* Not a memset: the arrays are only read up to their counts. */
	out->n_decisions = 0;
	out->n_suppressed = 0;
	out->n_expired = 0;
	out->zone_members = 0;
	out->zone_signals = 0;
	out->zone_slope_c_per_s = 0.0;
	ovr_expire(e, now_ms, out);
	if (!e->started) {
		e->started = true;
		e->since_ms = now_ms;
	}
	e->hv = &hv;
	if (e->conf.policy.kind == ENG_POLICY_THERMWATCH) {
		zone_update(e, now_ms, out);
		health_begin(e, now_ms);
	} else {
		memset(&hv, 0, sizeof(hv)); /* no evidence is built */
	}
	/* The tiers' wider levels hold while the zone heats, and after its
	 * quorum only until the zone is back (zone.c): no action follows a
	 * recovery. */
	ef = ovr_effective_all(e, e->zone_heating);

	for (i = 0; i < e->n_sensors; i++) {
		struct sensor *s = &e->sensors[i];
		const struct eff_class *f = &ef[s->cls];

		sensor_eval(e, s, f, now_ms);
		if (sensor_missing(s, f, now_ms) || sensor_untrusted(s)) {
			if (n_missing++ == 0) {
				missing = s;
				missing_i = i;
			}
			if (s->level == 0)
				continue;
		}
		if (isnan(s->value_used) && s->level == 0)
			continue;
		if (worse(s, w)) {
			w = s;
			worst = i;
		}
	}
	e->last_eval_ms = now_ms;
	if (w != NULL) {
		level = w->level;
		cause = w->cause;
	}
	if (e->zone_alarm && level < 1) {
		level = 1;
		cause = CAUSE_ZONE;
	}

	if (level != 3)
		e->tier_wait_until_ms = NO_TIME;
	if (e->state == ENG_STATE_CRITICAL)
		next = ENG_STATE_CRITICAL;
	else if (level == 3 && !tier_waits(e, ef, now_ms))
		next = ENG_STATE_CRITICAL;
	else if (level == 3)
		next = ENG_STATE_HOT;
	else if (level == 2)
		next = ENG_STATE_HOT;
	else if (level == 1)
		next = ENG_STATE_WARN;
	else if (n_missing > 0 || e->n_sensors == 0 || e->refused > 0)
		next = ENG_STATE_DEGRADED;
	else
		next = ENG_STATE_OK;
	if (e->conf.policy.kind == ENG_POLICY_NONE)
		next = ENG_STATE_OK;

	/* The reason says why the state is what it is, with the figures
	 * of now: rebuilt when what it says changes, and at most once a
	 * second while its figures move. */
	if (!e->rkey.valid || e->rkey.state != next || e->rkey.level != level ||
	    e->rkey.cause != cause || e->rkey.n_missing != n_missing ||
	    e->rkey.missing != missing_i || e->rkey.refused != e->refused ||
	    (level > 0 && e->rkey.worst != worst)) {
		remake_reason(e, next, level, cause, w, ef, missing, n_missing,
		    worst, missing_i, now_ms, out);
	} else if ((level > 0 || e->zone_alarm) &&
	    now_ms - e->reason_ms >= 1000) {
		/* the zone alarm's words from the figures they were made
		 * from: the same string (a second's rebuild all the same) */
		if (zone_words_same(e, cause, w, out))
			e->reason_ms = now_ms;
		else
			remake_reason(e, next, level, cause, w, ef, missing,
			    n_missing, worst, missing_i, now_ms, out);
	}

	e->state = next;
	if (next != prev)
		e->since_ms = now_ms;
	e->accepting = !e->zone_alarm &&
	    (next == ENG_STATE_OK || next == ENG_STATE_DEGRADED);
	if (e->conf.policy.kind == ENG_POLICY_NONE)
		e->accepting = true;
	else
		decide(e, prev, was_accepting, worst, cause, out);

	out->state = next;
	out->prev_state = prev;
	out->changed = next != prev;
	/* the string, not the buffer: a short reason is one cache line */
	memcpy(out->reason, e->reason, strlen(e->reason) + 1);
	out->since_ms = e->since_ms;
	out->worst_sensor = worst;
	out->eta_s = INFINITY;
	for (i = 0; i < e->n_sensors; i++)
		if (e->sensors[i].eta < out->eta_s)
			out->eta_s = e->sensors[i].eta;
	out->sensors_refused = e->refused;
	out->zone_alarm = e->zone_alarm;
	out->accepting_load = e->accepting;
	e->hv = NULL;
}
