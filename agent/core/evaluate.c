/*
 * evaluate.c - from sensors, peers and overrides to one host state and
 * the decisions that follow from its changes.
 *
 * Per sensor, each level (warn, migrate, shutdown) has an entry condition
 * (headroom <= margin, or eta <= lead) that must hold for persist_s, and
 * a clear condition (headroom > margin + hysteresis and eta > 1.25 x lead)
 * that must hold for hold_s before the sensor drops a level. The host
 * takes the highest sensor level; a zone alarm makes it at least warn.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eng_int.h"

/* Machine codes, static so decisions can point at them. */
static const char *const migrate_codes[] = { "migrate.margin", "migrate.margin",
	"migrate.eta", "migrate.zone", "migrate.stale" };
static const char *const shutdown_codes[] = { "shutdown.margin",
	"shutdown.margin", "shutdown.eta", "shutdown.zone", "shutdown.stale" };
static const char *const state_codes[ENG_STATE_COUNT] = { "state.ok",
	"state.warn", "state.hot", "state.critical", "state.degraded" };

static void
since(int64_t *t, bool cond, int64_t now_ms)
{
	if (!cond)
		*t = NO_TIME;
	else if (*t == NO_TIME)
		*t = now_ms;
}

/*
 * have: h and eta are meaningful; otherwise every level clears.
 * eta_sd is the eta the shutdown level uses (see sensor_eval).
 */
static void
level_step(struct sensor *s, const struct eff_class *ef, bool have, double h,
    double eta, double eta_sd, enum cause eta_cause, int64_t now_ms)
{
	int k, up = 0;

	for (k = 1; k < LEVEL_COUNT; k++) {
		double e = k == 3 ? eta_sd : eta;
		/* Once pending, an eta that wobbles a little above the lead
		 * (noise, whole-degree steps) does not restart the count. */
		double lead = s->above_since[k] != NO_TIME
		    ? ef->lead[k] * LEAD_PENDING
		    : ef->lead[k];
		bool cond = have && (h <= ef->margin[k] || e <= lead);
		bool clear = !have ||
		    (h > ef->margin[k] + ef->hyst &&
			e > ef->lead[k] * LEAD_CLEAR);

		since(&s->above_since[k], cond, now_ms);
		since(&s->clear_since[k], clear, now_ms);
	}
	for (k = LEVEL_COUNT - 1; k > 0; k--) {
		if (s->above_since[k] != NO_TIME &&
		    now_ms - s->above_since[k] >= ef->persist_ms) {
			up = k;
			break;
		}
	}
	if (up > s->level) {
		s->level = up;
		s->cause = h <= ef->margin[up] ? CAUSE_MARGIN : eta_cause;
		if (up == 3 && s->cause == CAUSE_ZONE && eta_sd > eta)
			s->cause = CAUSE_ETA;
		if (eta_cause == CAUSE_STALE)
			s->cause = CAUSE_STALE;
		return;
	}
	while (s->level > 0 && s->clear_since[s->level] != NO_TIME &&
	    now_ms - s->clear_since[s->level] >= ef->hold_ms)
		s->level--;
	if (s->level == 0)
		s->cause = CAUSE_NONE;
}

static void
sensor_static(struct sensor *s, const struct eff_class *ef, double trip)
{
	int k;

	s->level = 0;
	s->cause = CAUSE_NONE;
	s->slope = 0.0;
	s->eta = INFINITY;
	if (s->removed || s->stale || s->last_ms == NO_TIME)
		return;
	s->value_used = s->last_v;
	s->headroom = trip - s->last_v;
	for (k = LEVEL_COUNT - 1; k > 0; k--) {
		if (s->headroom <= ef->margin[k]) {
			s->level = k;
			s->cause = CAUSE_MARGIN;
			break;
		}
	}
}

static void
sensor_eval(
    struct eng *e, struct sensor *s, const struct eff_class *ef, int64_t now_ms)
{
	const struct eng_class_conf *cc = &e->conf.cls[s->cls];
	const struct eng_policy_conf *p = &e->conf.policy;
	double trip, h, eta, eta_sd, slope, rate;
	enum cause ec = CAUSE_ETA;

	if (s->added_ms == NO_TIME)
		s->added_ms = now_ms;
	s->stale = s->last_ms != NO_TIME && now_ms - s->last_ms > ef->stale_ms;
	trip = s->trip_c < ef->trip_max ? s->trip_c : ef->trip_max;
	s->trip_used = trip;
	s->zone_cause = false;
	if (p->kind == ENG_POLICY_STATIC) {
		sensor_static(s, ef, trip);
		return;
	}
	if (!s->removed && s->last_ms != NO_TIME && !s->stale) {
		s->extrap = false;
		h = trip - s->filtered;
		/* The median filter makes neighbouring points alike, so the
		 * residuals understate the noise by about sqrt(window). */
		eta = trend_eta(&s->tr, cc->min_slope_c_per_s,
		    cc->max_trend_c_per_s,
		    p->trend_sigma * sqrt(cc->filter_window), s->filtered, h,
		    ef->lead[1], cc->trend_window_s, &slope);
		s->slope = slope;
		s->raw_eta = eta;
		eta_sd = eta;
		if (e->zone_alarm && e->zone_slope > 0.0) {
			double ez = h <= 0.0 ? 0.0 : h / e->zone_slope;

			if (ez < eta) {
				eta = ez;
				ec = CAUSE_ZONE;
				s->zone_cause = true;
				/* Peers' summaries come over the network: they
				 * may warn and shed load, but a shutdown also
				 * needs this sensor itself to be rising. */
				if (slope > 0.0)
					eta_sd = ez;
			}
		}
		s->value_used = s->filtered;
		s->headroom = h;
		s->eta = eta;
		/* Likewise the tier's wider shutdown margin: it needs the
		 * sensor's own data to be rising or past its warn margin. */
		if (e->zone_alarm && slope <= 0.0 && h > ef->margin[1] &&
		    ef->margin[3] > ef->sd_margin_own) {
			struct eff_class own = *ef;

			own.margin[3] = own.sd_margin_own;
			level_step(s, &own, true, h, eta, eta_sd, ec, now_ms);
			return;
		}
		level_step(s, ef, true, h, eta, eta_sd, ec, now_ms);
		return;
	}
	/* Stale while the host is hot: a BMC that hangs because it is
	 * overheating must not hide a trip. Assume it keeps rising at its
	 * last slope or the class's worst slew, whichever is faster. Only
	 * a sensor that was itself at a level counts: a cool disk sensor
	 * that stops answering tells nothing about the heat. */
	if (s->stale && !s->removed && p->stale_extrapolate &&
	    !isnan(s->filtered) &&
	    (s->extrap || (e->state == ENG_STATE_HOT && s->level >= 1))) {
		s->extrap = true;
		rate = s->slope > cc->worst_slew_c_per_s
		    ? s->slope
		    : cc->worst_slew_c_per_s;
		s->value_used = s->filtered +
		    rate * (double)(now_ms - s->last_ms) / 1000.0;
		h = trip - s->value_used;
		eta = h <= 0.0 ? 0.0 : h / rate;
		s->headroom = h;
		s->eta = eta;
		level_step(s, ef, true, h, eta, eta, CAUSE_STALE, now_ms);
		return;
	}
	/* Missing: it only ever makes the host degraded, and whatever
	 * level it had decays through the normal hold time. */
	s->extrap = false;
	s->eta = INFINITY;
	s->headroom = NAN;
	level_step(s, ef, false, 0.0, INFINITY, INFINITY, CAUSE_NONE, now_ms);
}

static bool
sensor_missing(
    const struct sensor *s, const struct eff_class *ef, int64_t now_ms)
{
	if (s->removed || (s->stale && !s->extrap))
		return true;
	return s->last_ms == NO_TIME && now_ms - s->added_ms > ef->stale_ms;
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

static void
fmt_eta(char *buf, size_t len, double eta)
{
	if (isinf(eta))
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%.0f s", eta);
}

static void
sensor_reason(char *buf, size_t len, const char *state, const struct sensor *s,
    const struct eff_class *ef, double now_ms)
{
	char eta[32];
	int k = s->level;

	fmt_eta(eta, sizeof(eta), s->eta);
	switch (s->cause) {
	case CAUSE_STALE:
		snprintf(buf, len,
		    "%s: %s stale for %.0f s while hot, "
		    "assumed at %.1f C, eta %s to trip %.1f C, %s level "
		    "lead %.0f s",
		    state, s->id, (now_ms - (double)s->last_ms) / 1000.0,
		    s->value_used, eta, s->trip_used, eng_level_name(k),
		    ef->lead[k]);
		break;
	case CAUSE_ETA:
	case CAUSE_ZONE:
		snprintf(buf, len,
		    "%s: %s at %.1f C rising %.2f C/min%s, "
		    "eta %s to trip %.1f C, %s level lead %.0f s",
		    state, s->id, s->value_used, 60.0 * s->slope,
		    s->cause == CAUSE_ZONE ? " (zone slope)" : "", eta,
		    s->trip_used, eng_level_name(k), ef->lead[k]);
		break;
	default:
		snprintf(buf, len,
		    "%s: %s at %.1f C, %s level %.1f C "
		    "(trip %.1f C - %.1f), eta %s",
		    state, s->id, s->value_used, eng_level_name(k),
		    s->trip_used - ef->margin[k], s->trip_used, ef->margin[k],
		    eta);
		break;
	}
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
			add_decision(out, ENG_ACT_MIGRATE, migrate_codes[cause],
			    e, worst);
	}
	if (e->state == ENG_STATE_CRITICAL && prev != ENG_STATE_CRITICAL)
		add_decision(
		    out, ENG_ACT_SHUTDOWN, shutdown_codes[cause], e, worst);
}

void
eval_run(struct eng *e, int64_t now_ms, struct eng_output *out)
{
	struct eff_class ef[ENG_CLASS_COUNT];
	const struct sensor *w = NULL, *missing = NULL;
	enum eng_state prev = e->state, next;
	enum cause cause = CAUSE_NONE;
	bool was_accepting = e->accepting;
	int i, level = 0, n_missing = 0, worst = -1, missing_i = -1;
	char buf[ENG_REASON_LEN];

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
	if (e->conf.policy.kind == ENG_POLICY_THERMWATCH)
		zone_update(e, now_ms, out);
	for (i = 0; i < ENG_CLASS_COUNT; i++)
		ovr_effective(e, (enum eng_class)i, e->zone_alarm, &ef[i]);

	for (i = 0; i < e->n_sensors; i++) {
		struct sensor *s = &e->sensors[i];
		const struct eff_class *f = &ef[s->cls];

		sensor_eval(e, s, f, now_ms);
		if (sensor_missing(s, f, now_ms)) {
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
	if (w != NULL) {
		level = w->level;
		cause = w->cause;
	}
	if (e->zone_alarm && level < 1) {
		level = 1;
		cause = CAUSE_ZONE;
	}

	if (e->state == ENG_STATE_CRITICAL)
		next = ENG_STATE_CRITICAL;
	else if (level == 3)
		next = ENG_STATE_CRITICAL;
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

	/* The reason of a shutdown stays as it was decided. Otherwise it
	 * says why the state is what it is, with the figures of the moment
	 * that reason arose. */
	if (prev != ENG_STATE_CRITICAL &&
	    (!e->rkey.valid || e->rkey.state != next ||
		e->rkey.level != level || e->rkey.cause != cause ||
		e->rkey.n_missing != n_missing ||
		e->rkey.refused != e->refused || e->rkey.missing != missing_i ||
		(level > 0 && e->rkey.worst != worst))) {
		const char *sn = eng_state_name(next);

		if (e->conf.policy.kind == ENG_POLICY_NONE)
			snprintf(buf, sizeof(buf), "ok: policy none");
		else if (cause == CAUSE_ZONE && w != NULL && w->level == 0)
			snprintf(buf, sizeof(buf),
			    "%s: zone cooling alarm, "
			    "%d of %d hosts with inlet rising or high, zone "
			    "slope %.1f C/h",
			    sn, out->zone_signals, out->zone_members,
			    e->zone_slope * 3600.0);
		else if (cause == CAUSE_ZONE && w == NULL)
			snprintf(
			    buf, sizeof(buf), "%s: zone cooling alarm", sn);
		else if (level > 0)
			sensor_reason(buf, sizeof(buf), sn, w, &ef[w->cls],
			    (double)now_ms);
		else if (e->n_sensors == 0)
			snprintf(buf, sizeof(buf), "%s: no sensors", sn);
		else if (e->refused > 0 && n_missing == 0)
			snprintf(buf, sizeof(buf),
			    "%s: %d sensors not watched: the engine's "
			    "capacity of %d sensors is reached",
			    sn, e->refused, e->cap_sensors);
		else if (n_missing > 0)
			snprintf(buf, sizeof(buf),
			    "%s: %s %s (%d of %d "
			    "sensors missing)",
			    sn, missing->id,
			    missing->removed ? "removed"
				: missing->last_ms == NO_TIME
				? "has no valid sample"
				: "is stale",
			    n_missing, e->n_sensors);
		else if (w != NULL)
			snprintf(buf, sizeof(buf),
			    "%s: %d sensors within "
			    "limits",
			    sn, e->n_sensors);
		else
			snprintf(buf, sizeof(buf), "%s: no readings yet", sn);
		memcpy(e->reason, buf, sizeof(e->reason));
		e->rkey.valid = true;
		e->rkey.state = next;
		e->rkey.level = level;
		e->rkey.cause = cause;
		e->rkey.n_missing = n_missing;
		e->rkey.refused = e->refused;
		e->rkey.missing = missing_i;
		e->rkey.worst = worst;
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
	memcpy(out->reason, e->reason, sizeof(out->reason));
	out->since_ms = e->since_ms;
	out->worst_sensor = worst;
	out->eta_s = INFINITY;
	for (i = 0; i < e->n_sensors; i++)
		if (e->sensors[i].eta < out->eta_s)
			out->eta_s = e->sensors[i].eta;
	out->sensors_refused = e->refused;
	out->zone_alarm = e->zone_alarm;
	out->accepting_load = e->accepting;
}
