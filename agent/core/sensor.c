/*
 * sensor.c - one sensor's level (none, warn, migrate, shutdown) from its
 * evidence.
 *
 * Each piece of evidence is a pair (headroom, eta): the sensor's own
 * reading and prediction, the zone's slope applied to its headroom, or a
 * substitute for an untrusted sensor. A level is pending while any pair
 * is within it (headroom <= margin, or eta <= lead), and entered once it
 * has been seen on policy.confirm_samples independent samples and for a
 * wait of persist_s, never longer than policy.wait_fraction of the time
 * left to trip. It is left when every pair has been clear of it (with
 * hysteresis) for hold_s. An untrusted sensor's own pair may enter warn,
 * never more: it never acts alone.
 *
 * An eta is believed only as far ahead as the rise has been seen to last
 * (times policy.horizon_factor): a load step settling below trip never
 * gets there (its straight-line eta stays longer than its age whenever
 * the asymptote is more than 1/e^2 of the step below trip), a rise that
 * keeps going does.
 */
#include <math.h>
#include <string.h>

#include "eng_int.h"

/* The conditions of one evaluation, gathered from every pair. */
struct lvl_in {
	bool cond[LEVEL_COUNT];
	bool clear[LEVEL_COUNT];
	enum cause why[LEVEL_COUNT];
	double time_left; /* s: the wait is at most a fraction of it */
	bool fresh;       /* an independent sample (or evidence) arrived */
};

static void
lvl_init(struct lvl_in *in, bool fresh)
{
	int k;

	for (k = 0; k < LEVEL_COUNT; k++) {
		in->cond[k] = false;
		in->clear[k] = true;
		in->why[k] = CAUSE_NONE;
	}
	in->time_left = INFINITY;
	in->fresh = fresh;
}

/*
 * What entering the shutdown level takes once its condition holds, s, at
 * this sensor's pace: the condition is seen at the next sample, then
 * confirmed on policy.confirm_samples samples (the first counts) and for
 * a wait of at most wait_fraction of the time left, which ends on a
 * sample too. Counted before the lead, not taken from it.
 */
static double
wait_before(const struct sensor *s, const struct eff_class *ef, double eta)
{
	double gap = (double)s->nz.prev_gap / 1000.0;
	double persist = (double)ef->persist_ms / 1000.0;
	double confirm = gap * (ef->confirm_samples - 1);

	if (ef->wait_fraction * eta < persist)
		persist = ef->wait_fraction * eta;
	if (gap > 0.0)
		persist = ceil(persist / gap) * gap;
	return gap + (persist > confirm ? persist : confirm);
}

/*
 * One pair. eta_sd is the eta the shutdown level uses (the zone's slope
 * counts there only when the sensor itself rises). Levels above max_level
 * can be neither entered nor held by this pair.
 */
static void
pair_levels(struct lvl_in *in, const struct sensor *s,
    const struct eff_class *ef, double h, double eta, double eta_sd,
    enum cause m_cause, enum cause e_cause, int min_level, int max_level)
{
	int k;

	for (k = min_level; k <= max_level && k < LEVEL_COUNT; k++) {
		double et = k == 3 ? eta_sd : eta;
		double wait = k == 3 && isfinite(et) ? wait_before(s, ef, et)
						     : 0.0;
		/* Once pending, an eta that wobbles a little above the lead
		 * (noise, whole-degree steps) does not restart the count. */
		double lead = wait +
		    (s->above_since[LVL(k)] != NO_TIME
			    ? ef->lead[k] * LEAD_PENDING
			    : ef->lead[k]);
		bool c = h <= ef->margin[k] || et <= lead;

		if (c && !in->cond[k]) {
			in->cond[k] = true;
			in->why[k] = h <= ef->margin[k] ? m_cause : e_cause;
		}
		if (!(h > ef->margin[k] + ef->hyst &&
			et > ef->lead[k] * LEAD_CLEAR))
			in->clear[k] = false;
	}
}

static void
pair(struct lvl_in *in, const struct sensor *s, const struct eff_class *ef,
    double h, double eta, double eta_sd, enum cause m_cause, enum cause e_cause,
    int max_level)
{
	pair_levels(in, s, ef, h, eta, eta_sd, m_cause, e_cause, 1, max_level);
}

/* How soon this pair could reach trip: its own eta, or its headroom at
 * the class's worst plausible slew when it rises slower than that. */
static void
pair_time_left(
    struct lvl_in *in, double h, double eta, double slope, double worst_slew)
{
	double tl;

	if (h <= 0.0)
		tl = 0.0;
	else
		tl = h / (slope > worst_slew ? slope : worst_slew);
	if (eta < tl)
		tl = eta;
	if (tl < in->time_left)
		in->time_left = tl;
}

static void
since(int64_t *t, bool cond, int64_t now_ms)
{
	if (!cond)
		*t = NO_TIME;
	else if (*t == NO_TIME)
		*t = now_ms;
}

static void
level_step(const struct eng *e, struct sensor *s, const struct eff_class *ef,
    const struct lvl_in *in, int64_t now_ms)
{
	const struct eng_policy_conf *p = &e->conf.policy;
	double wait_ms = p->wait_fraction * in->time_left * 1000.0;
	int k, up = 0;

	if (wait_ms > (double)ef->persist_ms)
		wait_ms = (double)ef->persist_ms;
	for (k = 1; k < LEVEL_COUNT; k++) {
		if (!in->cond[k]) {
			s->above_since[LVL(k)] = NO_TIME;
			s->above_n[LVL(k)] = 0;
		} else {
			if (s->above_since[LVL(k)] == NO_TIME) {
				s->above_since[LVL(k)] = now_ms;
				s->above_n[LVL(k)] = 0;
			}
			if (in->fresh && s->above_n[LVL(k)] < UINT8_MAX)
				s->above_n[LVL(k)]++;
			s->cond_cause[LVL(k)] = in->why[k];
		}
		since(&s->clear_since[LVL(k)], in->clear[k], now_ms);
	}
	for (k = LEVEL_COUNT - 1; k > 0; k--) {
		/* A reading at or past the shutdown level waits for its
		 * confirmation only: the level is the last margin there is. */
		bool at_shutdown = k == 3 &&
		    s->cond_cause[LVL(k)] == CAUSE_MARGIN;

		if (s->above_since[LVL(k)] != NO_TIME &&
		    s->above_n[LVL(k)] >= p->confirm_samples &&
		    (at_shutdown ||
			(double)(now_ms - s->above_since[LVL(k)]) >= wait_ms)) {
			up = k;
			break;
		}
	}
	if (up > s->level) {
		s->level = up;
		s->cause = s->cond_cause[LVL(up)];
		return;
	}
	while (s->level > 0 && s->clear_since[LVL(s->level)] != NO_TIME &&
	    now_ms - s->clear_since[LVL(s->level)] >= ef->hold_ms)
		s->level--;
	if (s->level == 0)
		s->cause = CAUSE_NONE;
	else if (in->cond[s->level])
		s->cause = in->why[s->level]; /* what holds it there now */
}

static void
sensor_static(struct sensor *s, const struct eff_class *ef, double trip)
{
	int k;

	s->level = 0;
	s->cause = CAUSE_NONE;
	s->slope = 0.0;
	s->eta = s->eta_proj = INFINITY;
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

/* One step of a stepped sensor (a whole-degree one, or coarser), C; 0
 * where its steps are finer than its noise (dithered away). */
static double
coarse_step(const struct eng *e, const struct sensor *s)
{
	/* below the floor of any noise: fine, without measuring it */
	if (!(s->resolution > NOISE_MIN_C))
		return 0.0;
	return step_of(s->resolution, sensor_noise(e, s));
}

/*
 * A rise first seen as one straight line over the whole ring, when the
 * ring begins at the sensor's first reading (a start, a restart, a gap
 * longer than the window: nothing before it is known), began no later
 * than that reading: its age counts from there, not from when enough
 * points had come to see it. That is never older than the true rise (an
 * onset inside the ring would not read as one line over all of it), so
 * what the age bounds (sensor.c: the horizon) still holds; a start in
 * the middle of a ramp is not blind for the points it takes to see it.
 */
static void
blind_start(struct sensor *s)
{
	const struct trend *tr = &s->tr;

	if (tr->evicted || tr->beg == tr->end || s->pr.shape != SHAPE_STEADY ||
	    !s->pr.whole)
		return;
	s->rise_since_ms = tr->t0_ms + tr->first.t;
	s->rise_v0 = tabs_v(tr->first);
}

/* A new sample: where is the sensor going, and since when has it been
 * rising? */
static void
update_prediction(const struct eng *e, struct sensor *s, double value,
    double trip, int64_t now_ms)
{
	const struct eng_class_conf *cc = &e->conf.cls[s->cls];
	struct pred_in in = {
		.value = value,
		.trip = trip,
		.min_slope = cc->min_slope_c_per_s,
		.sigma = e->conf.policy.trend_sigma,
		.noise = sensor_noise(e, s),
		.filter_window = cc->filter_window,
		.max_span = s->rise_since_ms == NO_TIME
		    ? INFINITY
		    : (double)(now_ms - s->rise_since_ms) / 1000.0,
		.resolution = s->resolution,
	};
	double band;

	predict(&s->tr, &in, &s->pr);
	/* The rise's age: from when the value left the band of its noise
	 * around where the rise began (noise alone makes brief "rises"
	 * that go nowhere: they have no age), kept through a reading or two
	 * that do not rise, given up after a third of the trend window
	 * without a rise, or as soon as the value falls back from its peak
	 * by more than its noise. An onset after a pause (flat, then a
	 * rise) is a new rise. */
	/* whole-degree sensors step a degree at a time, coarser ones by
	 * their step */
	band = in.sigma * in.noise +
	    fmax(QUANT_C,
		s->resolution < 1.0 ? s->resolution
				    : quant_scale(s->resolution, in.noise));
	/* A fall from the peak ends the rise only once it is evidence, not
	 * noise: the peak is the highest of many noisy readings (biased up
	 * by the noise), a dip one reading (biased down), so one reading
	 * below it says nothing on a long noisy climb. A fall held over
	 * more readings than the filter spans (a median of filter_window
	 * readings shares all but one with the next: its noise reaches
	 * that far) is a fall, and so is one reading below the peak by
	 * twice the band (past both extremes of the noise, the peak's up and
	 * the reading's down): a load drop ends its rise at once where it
	 * falls that far, within filter_window + 1 readings where it falls
	 * less. */
	if (s->rise_since_ms != NO_TIME && value < s->rise_peak - band) {
		if (++s->pr.fall_n > cc->filter_window ||
		    value < s->rise_peak - 2.0 * band)
			s->rise_since_ms = NO_TIME;
	} else {
		s->pr.fall_n = 0;
	}
	if (s->rise_since_ms == NO_TIME)
		s->pr.fall_n = 0;
	if (s->pr.rising) {
		if (s->rise_since_ms == NO_TIME ||
		    (s->pr.shape == SHAPE_ONSET &&
			s->flat_since_ms != NO_TIME)) {
			s->rise_since_ms = s->pr.since_ms;
			s->rise_v0 = s->rise_peak = value;
			blind_start(s);
		} else if (s->pr.since_ms < s->rise_since_ms &&
		    value > s->rise_v0 + band) {
			s->rise_since_ms = s->pr.since_ms;
		}
		if (value <= s->rise_v0 + band)
			s->rise_since_ms =
			    now_ms; /* not yet out of the noise */
		if (value > s->rise_peak)
			s->rise_peak = value;
		s->flat_since_ms = NO_TIME;
	} else if (s->rise_since_ms != NO_TIME) {
		if (s->flat_since_ms == NO_TIME)
			s->flat_since_ms = now_ms;
		if (now_ms - s->flat_since_ms >=
		    (int64_t)(cc->trend_window_s * 1000.0 / 3.0))
			s->rise_since_ms = NO_TIME;
	}
}

/*
 * How far the filtered reading may trail the true value on a rise, C: the
 * median of filter_window samples is the value of (w - 1) / 2 samples ago,
 * and a reading is only as fine as the sensor's steps (a whole-degree
 * sensor's true value can be up to a degree above what it reads) where
 * they are coarser than its noise.
 */
static double
reading_lag(const struct eng *e, const struct sensor *s)
{
	const struct eng_class_conf *cc = &e->conf.cls[s->cls];
	double samples = (double)(((int)cc->filter_window - 1) / 2);

	return s->pr.slope_now * samples * (double)s->nz.prev_gap / 1000.0 +
	    coarse_step(e, s);
}

/* The eta of a pair from the prediction as the headroom now says, and
 * whether it is believed: only as far ahead as the rise has lasted. */
static double
believed_eta(const struct eng *e, struct sensor *s, double h, int64_t now_ms)
{
	const struct eng_class_conf *cc = &e->conf.cls[s->cls];
	double age = 0.0, eta;

	if (h <= 0.0)
		s->eta_proj = 0.0;
	else if (!s->pr.rising)
		return s->eta_proj = INFINITY;
	else if (s->pr.shape == SHAPE_SETTLING || s->pr.slope_now <= 0.0)
		s->eta_proj = s->pr.eta;
	else
		s->eta_proj = fmax(h - reading_lag(e, s), 0.0) /
		    s->pr.slope_now;
	if (s->rise_since_ms != NO_TIME)
		age = (double)(now_ms - s->rise_since_ms) / 1000.0;
	/* A substitute's series starts when the sensor is found out; the
	 * evidence behind it has been seen rising for as long as it has. */
	if (s->subst_mode && s->pr.rising &&
	    e->hv->ev_rise_s[s->subst_src] > age)
		age = e->hv->ev_rise_s[s->subst_src];
	eta = s->eta_proj;
	if (eta > 0.0 && eta > e->conf.policy.horizon_factor * age)
		eta = INFINITY;
	/* a cpu's rise its load explains, to a level below its trip: none
	 * of its eta is believed while it reads no more (busy.c). That
	 * level is learnt from the host's cpus together (their smoothed
	 * mean), so it speaks for a cpu only while it reads as they do, not
	 * for one below them (a socket whose cooler failed, rising from
	 * under the others: its own course, as before any level was
	 * learnt) */
	if (s->cls == ENG_CLASS_CPU && !s->subst_mode && eta > 0.0) {
		double cap = busy_ceiling(e);

		if (s->filtered <= cap && cap < s->filtered + h &&
		    s->filtered >= e->cls_sm[ENG_CLASS_CPU] - e->busy_set_band)
			eta = INFINITY;
	}
	/* an optional cap on the slope an eta assumes (off by default) */
	if (cc->max_trend_c_per_s > 0.0 && h > 0.0 &&
	    eta < h / cc->max_trend_c_per_s)
		eta = h / cc->max_trend_c_per_s;
	return eta;
}

/* Does the host's own trusted evidence back a shutdown of an inlet the
 * zone stands in for: warmer air, not more load (a slope is NAN where a
 * class has no trusted sensor)? An own inlet rising significantly, the
 * cpu, exhaust and model inlet showing warmer air, or the cpu warmer than
 * its load explains (health_air_evidence), or the model inlet, read with
 * the load settled, at or past the inlet's own shutdown level. A cpu or
 * exhaust merely rising is a load burst as often as warmer air: alone it
 * is no evidence. */
static bool
own_evidence(
    const struct eng *e, const struct sensor *s, const struct eff_class *ef)
{
	const struct host_view *hv = e->hv;

	if (hv->slope[ENG_CLASS_INLET] > 0.0 || health_air_evidence(e))
		return true;
	return e->load_settled && s->cls == ENG_CLASS_INLET &&
	    s->trip_c - hv->ev_sm[EV_MODEL] <= ef->sd_margin_own;
}

/* The ring holds what the levels read: the samples, or the substitute
 * while the sensor has one. A switch starts the ring (and the rise)
 * afresh: the two series do not join. */
static void
set_mode(const struct eng *e, struct sensor *s, bool subst)
{
	struct noise *snz = sensor_snz(e, s);

	if (s->subst_mode == subst)
		return;
	s->subst_mode = subst;
	trend_reset(&s->tr);
	s->rise_since_ms = s->flat_since_ms = NO_TIME;
	s->pr.rising = false;
	s->pr.shape = SHAPE_NONE;
	s->pr.slope = s->pr.slope_now = 0.0;
	s->pr.eta = INFINITY;
	memset(snz, 0, sizeof(*snz));
	snz->var = NAN;
}

/*
 * Does this trusted sensor rise with the air, for the zone's word to count
 * towards a shutdown? An inlet does; a cpu or an exhaust only while the
 * host's own trusted inlets rise too, and a cpu while it is warmer than
 * its load explains (busy_warm: the host's utilisation given). A load
 * burst raises a cpu and an exhaust, and the inlet they imply is no sure
 * sign either: a load step just before the zone alarm holds it low, and
 * its recovery reads as warming (model_settled).
 */
static bool
rises_with_air(const struct eng *e, const struct sensor *s)
{
	return s->cls == ENG_CLASS_INLET ||
	    e->hv->slope[ENG_CLASS_INLET] > 0.0 ||
	    (s->cls == ENG_CLASS_CPU && e->busy_warm);
}

/* The zone's line to this headroom in a zone alarm (INFINITY outside
 * one, or beyond the horizon the alarm's age allows). */
static double
zone_eta(const struct eng *e, double h, int64_t now_ms)
{
	double ez, age;

	if (!e->zone_heating || !(e->zone_slope > 0.0))
		return INFINITY;
	ez = h <= 0.0 ? 0.0 : h / e->zone_slope;
	age = (double)(now_ms - e->zone_since_ms) / 1000.0;
	/* the horizon holds for the zone's line as for any other: a room
	 * finds a new balance too */
	return ez > e->conf.policy.horizon_factor * age ? INFINITY : ez;
}

/* The trusted sensor's own pair, with the zone's slope in a zone alarm. */
static void
trusted_pair(struct eng *e, struct sensor *s, const struct eff_class *ef,
    double h, double eta, int64_t now_ms, struct lvl_in *in)
{
	double eta_sd = eta, ez = zone_eta(e, h, now_ms);
	bool sd_zone = false;

	if (ez < eta) {
		/* Peers' summaries come over the network: they may
		 * warn and shed load, but a shutdown on the zone's
		 * eta also needs this sensor itself to rise, with
		 * the air. Else the shutdown keeps its own eta. */
		eta = ez;
		s->eta = ez;
		s->zone_cause = true;
		if (s->pr.rising && rises_with_air(e, s)) {
			eta_sd = ez;
			sd_zone = true;
		}
	}
	if (!s->pr.rising) {
		/* A shutdown needs the host's own evidence: a sensor that
		 * does not rise shuts down only at its own trip less its
		 * own shutdown margin, widened by the tier only once its own
		 * reading is past its configured warn level and has itself
		 * risen (by more than policy.frozen_delta_c) since the zone
		 * alarm began: peers alone widen nothing. An override of
		 * the margin or of the trip, the zone's slope, may bring
		 * warn and migrate forward, never this. */
		struct eff_class own = *ef;
		double h_own = h;

		if (isfinite(s->trip_c) && s->trip_c > s->trip_used)
			h_own += s->trip_c - s->trip_used;
		own.margin[3] = h_own <= ef->warn_margin_own &&
			s->filtered - s->alarm_v0 >
			    e->conf.policy.frozen_delta_c
		    ? ef->sd_margin_tier
		    : ef->sd_margin_own;
		pair_levels(in, s, ef, h, eta, eta_sd, CAUSE_MARGIN,
		    s->zone_cause ? CAUSE_ZONE : CAUSE_ETA, 1, 2);
		pair_levels(in, s, &own, h_own, h_own <= 0.0 ? 0.0 : INFINITY,
		    h_own <= 0.0 ? 0.0 : INFINITY, CAUSE_MARGIN, CAUSE_ETA, 3,
		    3);
		return;
	}
	pair_levels(in, s, ef, h, eta, eta_sd, CAUSE_MARGIN,
	    s->zone_cause ? CAUSE_ZONE : CAUSE_ETA, 1, 2);
	if (e->zone_heating && !rises_with_air(e, s)) {
		/* The tier's wider shutdown lead is the zone's word too:
		 * a cpu or exhaust rising from load keeps its own. */
		struct eff_class own = *ef;

		own.lead[3] = ef->lead[3] /
		    (1.0 + e->conf.policy.tier_lead_factor * e->conf.tier);
		pair_levels(
		    in, s, &own, h, eta, eta_sd, CAUSE_MARGIN, CAUSE_ETA, 3, 3);
		return;
	}
	pair_levels(in, s, ef, h, eta, eta_sd, CAUSE_MARGIN,
	    sd_zone ? CAUSE_ZONE : CAUSE_ETA, 3, 3);
}

void
sensor_eval(
    struct eng *e, struct sensor *s, const struct eff_class *ef, int64_t now_ms)
{
	const struct eng_class_conf *cc = &e->conf.cls[s->cls];
	bool fresh = s->dirty, have, trusted, subst = false;
	double trip, h, eta;
	struct lvl_in in;

	s->dirty = false;
	if (s->added_ms == NO_TIME)
		s->added_ms = now_ms;
	s->stale = s->last_ms != NO_TIME && now_ms - s->last_ms > ef->stale_ms;
	trip = s->trip_c < ef->trip_max ? s->trip_c : ef->trip_max;
	s->trip_used = trip;
	s->zone_cause = false;
	s->extrap = false;
	s->subst_src = EV_NONE;
	if (e->conf.policy.kind == ENG_POLICY_STATIC) {
		sensor_static(s, ef, trip);
		return;
	}
	have = !s->removed && s->last_ms != NO_TIME;
	health_sensor(e, s, ef, now_ms);
	trusted = have && !s->stale && !s->frozen && !s->implausible;
	if (have && !trusted && (!s->stale || e->conf.policy.stale_extrapolate))
		subst = health_substitute(e, s, now_ms);
	set_mode(e, s, subst);
	if (subst) {
		/* The substitute is a series of its own, read like samples. */
		trend_push(&s->tr, now_ms, s->subst_raw, &e->cls_win[s->cls]);
		noise_add(sensor_snz(e, s), now_ms, s->subst_raw);
		update_prediction(e, s, s->value_used, trip, now_ms);
	} else if (have && !s->stale && fresh) {
		update_prediction(e, s, s->filtered, trip, now_ms);
	} else if (!have || s->stale) {
		s->rise_since_ms = NO_TIME;
	}
	lvl_init(&in, fresh || subst);
	s->slope = s->pr.slope;
	s->eta = INFINITY;
	s->headroom = NAN;
	if (subst) {
		/* What the evidence says instead: it may act. */
		enum cause c = s->stale ? CAUSE_STALE
		    : s->frozen         ? CAUSE_FROZEN
					: CAUSE_IMPLAUSIBLE;

		h = trip - s->value_used;
		eta = believed_eta(e, s, h, now_ms);
		if (s->subst_src == EV_ZONE)
			eta = fmin(eta, zone_eta(e, h, now_ms));
		s->extrap = true;
		s->headroom = h;
		s->eta = eta;
		/* The zone's inlet in place of the host's own may warn and
		 * migrate; a shutdown also needs the host's own evidence. */
		pair(&in, s, ef, h, eta, eta, c, c,
		    s->subst_src == EV_ZONE && !own_evidence(e, s, ef) ? 2 : 3);
		pair_time_left(&in, h, s->eta_proj, s->pr.slope_now,
		    cc->worst_slew_c_per_s);
	}
	if (have && !s->stale) {
		/* The sensor's own reading. Untrusted, it may warn, never
		 * act: its own prediction is not even read. */
		h = trip - s->filtered;
		if (!subst) {
			s->value_used = s->filtered;
			s->headroom = h;
		}
		if (trusted) {
			/* where it stood when the zone's alarm began */
			if (!e->zone_alarm)
				s->alarm_v0 = NAN;
			else if (isnan(s->alarm_v0))
				s->alarm_v0 = s->filtered;
			eta = believed_eta(e, s, h, now_ms);
			s->eta = eta;
			/* The common case, cheaply: nothing pending, nothing
			 * held, nowhere near a level. */
			if (s->level == 0 && !s->pr.rising &&
			    !e->zone_heating && h > ef->margin[1] &&
			    s->above_since[LVL(1)] == NO_TIME &&
			    s->above_since[LVL(2)] == NO_TIME &&
			    s->above_since[LVL(3)] == NO_TIME) {
				s->cause = CAUSE_NONE;
				return;
			}
			trusted_pair(e, s, ef, h, eta, now_ms, &in);
			pair_time_left(&in, h, s->eta_proj, s->pr.slope_now,
			    cc->worst_slew_c_per_s);
		} else {
			pair(&in, s, ef, h, INFINITY, INFINITY, CAUSE_MARGIN,
			    CAUSE_ETA, 1);
		}
	} else if (!subst) {
		s->value_used = NAN;
	}
	level_step(e, s, ef, &in, now_ms);
}
