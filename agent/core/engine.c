/*
 * engine.c - sensors, and the per-sample path: validation, median filter
 * and trend update (the engine object's memory: create.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eng_int.h"

/* Values that broken sensors and drivers report instead of a reading. */
static const double sentinels[4] = { 0.0, -128.0, 127.0, 255.0 };

static void
sensor_init(struct sensor *s)
{
	struct tpoint *ring = s->tr.ring;
	uint16_t cap = s->tr.cap, n_spill = s->tr.n_spill;
	int k;

	memset(s, 0, sizeof(*s));
	s->tr.ring = ring;
	s->tr.cap = cap;
	s->tr.n_spill = n_spill;
	s->added_ms = NO_TIME;
	s->last_ms = NO_TIME;
	s->filtered = NAN;
	s->slope = 0.0;
	s->eta = INFINITY;
	s->eta_proj = INFINITY;
	s->headroom = NAN;
	s->value_used = NAN;
	s->resolution = INFINITY;
	s->nz.var = NAN;
	s->run_since_ms = NO_TIME;
	s->rise_since_ms = NO_TIME;
	s->flat_since_ms = NO_TIME;
	s->alarm_v0 = NAN;
	s->frozen_cond_ms = NO_TIME;
	s->impl_cond_ms = NO_TIME;
	s->run_src = s->trusted_src = EV_NONE;
	s->run_ref.ev = s->trusted_ref.ev = NAN;
	s->run_ref.t_ms = s->trusted_ref.t_ms = NO_TIME;
	s->pr.eta = INFINITY;
	s->pr.since_ms = NO_TIME;
	for (k = 0; k < LEVEL_COUNT - 1; k++) {
		s->above_since[k] = NO_TIME;
		s->clear_since[k] = NO_TIME;
	}
	trend_reset(&s->tr);
}

int
eng_sensor_add(struct eng *e, const char *id, enum eng_class cls, double trip_c,
    enum eng_trip_src trip_src)
{
	struct sensor *s;
	int i;

	if ((unsigned)cls >= ENG_CLASS_COUNT)
		cls = ENG_CLASS_OTHER;
	/* A NAN or absurd trip would disable protection: use the class's. */
	if (!isfinite(trip_c) || trip_c <= e->conf.cls[cls].min_valid_c) {
		trip_c = e->conf.cls[cls].trip_c;
		trip_src = ENG_TRIP_CLASS_DEFAULT;
	}
	i = eng_sensor_find(e, id);
	if (i < 0) {
		if (e->n_sensors >= e->cap_sensors) {
			e->refused++;
			return -1;
		}
		i = e->n_sensors++;
		sensor_init(&e->sensors[i]);
		/* appended to the pool, cut to ENG_ID_LEN - 1 characters as
		 * it always was */
		e->sensors[i].id = e->ids + e->ids_used;
		snprintf(e->ids + e->ids_used, ENG_ID_LEN, "%s", id);
		e->ids_used += strlen(e->ids + e->ids_used) + 1;
	}
	s = &e->sensors[i];
	s->cls = cls;
	eng_sensor_ring(e, s); /* its class's, when it has none that long */
	s->trip_c = trip_c;
	s->trip_src = trip_src;
	if (s->removed) {
		s->removed = false;
		s->added_ms = NO_TIME;
	}
	return i;
}

void
eng_sensor_remove(struct eng *e, int sensor)
{
	if (sensor < 0 || sensor >= e->n_sensors)
		return;
	e->sensors[sensor].removed = true;
	e->sensors[sensor].pending = false;
}

int
eng_sensor_count(const struct eng *e)
{
	return e->n_sensors;
}

int
eng_sensor_capacity(const struct eng *e)
{
	return e->cap_sensors;
}

int
eng_sensor_find(const struct eng *e, const char *id)
{
	const char *p = e->ids;
	int i;

	/* the pool in index order: no sensor's memory is touched */
	for (i = 0; i < e->n_sensors; i++, p += strlen(p) + 1)
		if (strcmp(p, id) == 0)
			return i;
	return -1;
}

static const char *
evidence_name(enum evsrc src)
{
	switch (src) {
	case EV_ZONE:
		return "zone";
	case EV_INLET:
		return "inlet";
	case EV_MODEL:
		return "model";
	default:
		return NULL;
	}
}

void
eng_sensor_view(const struct eng *e, int sensor, struct eng_sensor_view *v)
{
	const struct sensor *s;

	memset(v, 0, sizeof(*v));
	if (sensor < 0 || sensor >= e->n_sensors) {
		v->filtered_c = v->value_c = v->headroom_c = NAN;
		v->asymptote_c = v->tau_s = v->value_used_c = NAN;
		v->eta_s = v->eta_projected_s = INFINITY;
		return;
	}
	s = &e->sensors[sensor];
	v->id = s->id;
	v->cls = s->cls;
	v->trip_c = s->trip_c;
	v->trip_src = s->trip_src;
	if (s->removed)
		v->status = ENG_SENSOR_REMOVED;
	else if (s->last_ms == NO_TIME)
		v->status = ENG_SENSOR_NEW;
	else if (s->stale)
		v->status = ENG_SENSOR_STALE;
	else
		v->status = ENG_SENSOR_VALID;
	v->value_c = s->last_ms == NO_TIME ? NAN : s->last_v;
	v->filtered_c = s->filtered;
	v->slope_c_per_s = s->slope;
	v->eta_s = s->eta;
	if (!isnan(s->headroom))
		v->headroom_c = s->headroom;
	else
		v->headroom_c = s->trip_c - s->filtered;
	v->level = s->level;
	v->extrapolated = s->extrap;
	v->accepted = s->accepted;
	v->rejected = s->rejected;
	v->last_reject = s->last_reject;
	v->frozen = s->frozen;
	v->implausible = s->implausible;
	v->rising_s = s->rise_since_ms == NO_TIME || e->last_eval_ms == NO_TIME
	    ? 0.0
	    : (double)(e->last_eval_ms - s->rise_since_ms) / 1000.0;
	v->slope_now_c_per_s = s->pr.slope_now;
	v->asymptote_c = s->pr.shape == SHAPE_SETTLING ? s->pr.asym : NAN;
	v->tau_s = s->pr.shape == SHAPE_SETTLING ? s->pr.tau : NAN;
	v->eta_projected_s = s->eta_proj;
	v->noise_c = sensor_noise(e, s);
	v->value_used_c = s->value_used;
	v->evidence = s->extrap ? evidence_name(s->subst_src) : NULL;
}

static void
reject(struct sensor *s, const char *why)
{
	s->rejected++;
	s->last_reject = why;
}

static double
median(const double *v, int n)
{
	double a[ENG_MAX_FILTER];
	int i, j;

	/* Insertion sort: n is at most ENG_MAX_FILTER. */
	for (i = 0; i < n; i++) {
		double x = v[i];

		for (j = i; j > 0 && a[j - 1] > x; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
	if (n & 1)
		return a[n / 2];
	return (a[n / 2 - 1] + a[n / 2]) / 2.0;
}

/*
 * What the raw values say about the sensor itself: its noise (health.c:
 * noise_add), its
 * resolution (the smallest change seen), and runs of one repeated value
 * (a frozen sensor repeats its last value exactly).
 */
static void
track_raw(struct sensor *s, int64_t t_ms, double v)
{
	if (s->nz.n >= 1) {
		double d = fabs(v - s->nz.prev[0]);

		if (d > 1e-6 && d < s->resolution)
			s->resolution = d;
	}
	noise_add(&s->nz, t_ms, v);
	if (s->run_since_ms != NO_TIME && fabs(v - s->run_v) <= 1e-6) {
		s->run_n++;
		return;
	}
	s->run_v = v;
	s->run_since_ms = t_ms;
	s->run_n = 1;
	s->run_new = true;
	s->run_noise_var = s->nz.var;
	s->frozen = false;
	s->frozen_cond_ms = NO_TIME;
}

static void
accept(struct eng *e, struct sensor *s, int64_t t_ms, double v)
{
	const struct eng_class_conf *cc = &e->conf.cls[s->cls];
	int w = (int)cc->filter_window;

	if (w < 1)
		w = 1;
	if (w > ENG_MAX_FILTER)
		w = ENG_MAX_FILTER;
	/* After a gap the old values say nothing about the new ones: a gap
	 * longer than the stale time, or longer than the filter's own span
	 * at the sensor's pace (the median of w samples stands for the
	 * value (w - 1) / 2 samples ago; across a hole it would put a value
	 * from before the hole at a time after it, a point off the line that
	 * bends the trend). */
	if (s->last_ms != NO_TIME &&
	    (t_ms - s->last_ms > (int64_t)(cc->stale_s * 1000.0) ||
		(s->nz.prev_gap > 0 &&
		    t_ms - s->last_ms > (int64_t)w * s->nz.prev_gap)))
		s->med_n = s->med_i = 0;
	track_raw(s, t_ms, v);
	s->accepted++;
	s->last_ms = t_ms;
	s->last_v = v;
	s->med[s->med_i] = v;
	if (++s->med_i >= w)
		s->med_i = 0;
	if (s->med_n < w)
		s->med_n++;
	if (s->med_n == 3) {
		/* the usual case, without the sort */
		double a = s->med[0], b = s->med[1], c = s->med[2];
		/* min and max without branches: noise makes the order of
		 * three samples a coin toss the branch predictor loses */
		double lo = a < b ? a : b, hi = a < b ? b : a;
		double hc = hi < c ? hi : c;

		s->filtered = lo > hc ? lo : hc;
	} else {
		/* Two samples (after a start or a restart of the filter):
		 * the lower, so that a value counts only when both say it,
		 * as two of three do in the full filter (their mean would
		 * pass half a one-sample spike). */
		s->filtered = s->med_n == 1 ? v
		    : s->med_n == 2         ? fmin(s->med[0], s->med[1])
					    : median(s->med, s->med_n);
	}
	if (!s->subst_mode)
		trend_push(&s->tr, t_ms, s->filtered, &e->cls_win[s->cls]);
	s->dirty = true;
}

static bool
is_sentinel(const struct eng *e, const struct sensor *s, double v)
{
	size_t i;

	/* (most values are none of them: four compares, no loop) */
	if (v != sentinels[0] && v != sentinels[1] && v != sentinels[2] &&
	    v != sentinels[3])
		return false;
	for (i = 0; i < sizeof(sentinels) / sizeof(sentinels[0]); i++) {
		if (v != sentinels[i])
			continue;
		/* Believed only when the sensor was already near it. */
		if (isnan(s->filtered) ||
		    fabs(s->filtered - v) > e->conf.policy.sentinel_near_c)
			return true;
	}
	return false;
}

void
eng_feed(struct eng *e, const struct eng_reading *r)
{
	const struct eng_class_conf *cc;
	struct sensor *s;
	double v = r->value_c, allowed, dt, jump;

	if (r->sensor < 0 || r->sensor >= e->n_sensors)
		return;
	s = &e->sensors[r->sensor];
	if (s->removed)
		return;
	cc = &e->conf.cls[s->cls];
	if (r->quality != ENG_Q_OK) {
		reject(s, r->quality == ENG_Q_FAULT ? "fault" : "unavailable");
		return;
	}
	if (isnan(v)) {
		reject(s, "nan");
		return;
	}
	if (s->last_ms != NO_TIME && r->t_ms <= s->last_ms) {
		reject(s, "out of order");
		return;
	}
	/* The static baseline is a plain threshold check on raw values. */
	if (e->conf.policy.kind == ENG_POLICY_STATIC) {
		accept(e, s, r->t_ms, v);
		return;
	}
	if (!(v >= cc->min_valid_c && v <= cc->max_valid_c)) {
		reject(s, "range");
		return;
	}
	if (is_sentinel(e, s, v)) {
		reject(s, "sentinel");
		return;
	}
	if (s->last_ms == NO_TIME) {
		accept(e, s, r->t_ms, v);
		return;
	}
	/* A jump faster than the class can heat or cool is held back until
	 * the next sample confirms it. Quantised sensors step by a whole
	 * degree, so the allowance is for at least one second. */
	jump = fabs(v - s->last_v);
	allowed = cc->max_rate_c_per_s;
	if (!(jump <= allowed && allowed >= 0.0)) {
		/* a step within one second's rate is within any longer
		 * allowance: the division only for the rest */
		dt = (double)(r->t_ms - s->last_ms) / 1000.0;
		allowed = cc->max_rate_c_per_s * (dt > 1.0 ? dt : 1.0);
	}
	if (jump <= allowed) {
		if (s->pending) {
			s->pending = false;
			reject(s, "jump");
		}
		accept(e, s, r->t_ms, v);
		return;
	}
	if (s->pending) {
		dt = (double)(r->t_ms - s->pend_ms) / 1000.0;
		allowed = cc->max_rate_c_per_s * (dt > 1.0 ? dt : 1.0);
		if (fabs(v - s->pend_v) <= allowed) {
			/* Confirmed: both samples stand. */
			s->pending = false;
			step_seen(e, cc, s, s->pend_v);
			accept(e, s, s->pend_ms, s->pend_v);
			accept(e, s, r->t_ms, v);
			return;
		}
		reject(s, "jump");
	}
	s->pending = true;
	s->pend_v = v;
	s->pend_ms = r->t_ms;
}

bool
inlet_summary_numbers(const struct eng *e, int64_t now_ms, struct eng_peer *p)
{
	const struct sensor *best = NULL;
	int i;

	for (i = 0; i < e->n_sensors; i++) {
		const struct sensor *s = &e->sensors[i];
		int64_t stale_ms;

		/* Only what this host trusts goes to its peers: a frozen
		 * or implausible inlet would mislead the zone. */
		if (s->cls != ENG_CLASS_INLET || s->removed ||
		    s->last_ms == NO_TIME || isnan(s->filtered) || s->frozen ||
		    s->implausible)
			continue;
		stale_ms = (int64_t)(e->conf.cls[s->cls].stale_s * 1000.0);
		if (now_ms - s->last_ms > stale_ms)
			continue;
		if (best == NULL || s->filtered > best->filtered)
			best = s;
	}
	if (best == NULL)
		return false;
	p->host[0] = '\0';
	p->tier = e->conf.tier;
	p->inlet_c = best->filtered;
	p->slope_c_per_s = best->slope;
	p->state = e->state;
	p->t_ms = now_ms;
	return true;
}

bool
eng_inlet_summary(const struct eng *e, int64_t now_ms, struct eng_peer *p)
{
	memset(p, 0, sizeof(*p));
	if (!inlet_summary_numbers(e, now_ms, p))
		return false;
	/* p is cleared: the name and its terminator (a format here was 1 %
	 * of a simulated room's instructions) */
	memcpy(
	    p->host, e->conf.host, strnlen(e->conf.host, sizeof(p->host) - 1));
	return true;
}

enum eng_state
eng_state(const struct eng *e)
{
	return e->state;
}

void
eng_evaluate(struct eng *e, int64_t now_ms, struct eng_output *out)
{
	eval_run(e, now_ms, out);
}
