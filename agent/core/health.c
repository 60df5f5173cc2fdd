/*
 * health.c - whether a sensor can be trusted, and what stands in for it
 * when it cannot.
 *
 * Evidence about the air a host breathes comes from three sources:
 *
 *	zone	the median inlet of the zone's hosts (peer summaries)
 *	inlet	the host's own trusted inlet sensors
 *	model	the inlet implied by the host's exhaust and cpu: both sit
 *		above the inlet by an amount proportional to the host's
 *		power (exhaust - inlet = Re P, cpu - exhaust = (Rc - Re) P),
 *		so inlet = exhaust - rho (cpu - exhaust) whatever the load,
 *		with rho = (exhaust - inlet) / (cpu - exhaust) learnt while
 *		all three are trusted
 *
 * An inlet takes the zone, else the model; a cpu, exhaust or other sensor
 * takes the host's inlet, else the zone: each follows the air it is in.
 *
 * A sensor is frozen when it repeats one value while its evidence moves
 * by more than policy.frozen_delta_c (plus two steps of its resolution):
 * no working sensor stands still while the air around it warms or cools
 * that much. An inlet is implausible when it reads more than
 * policy.sibling_tolerance_c above both its host's exhaust and its cpu:
 * air leaves a server warmer than it came in, and implausible too, from
 * a step down beyond what air can do (its class's max_rate_c_per_s,
 * confirmed by the sample after it) until the host's own cpu or exhaust
 * follows it (step.c). A stale sensor has no
 * recent sample. None of these is trusted: its own readings may warn but
 * never act (evaluate.c), and it is replaced by a substitute, its value
 * at the last trusted moment plus how far its evidence moved since, so
 * that it hides no danger the evidence shows and invents none.
 */
#include <math.h>

#include "eng_int.h"

static bool
trusted(const struct sensor *s)
{
	return !s->removed && s->last_ms != NO_TIME && !s->stale &&
	    !s->frozen && !s->implausible && !isnan(s->filtered);
}

/*
 * One sample's word on the noise: how far the middle one of the last three
 * lies off the line through the other two, at their real times (a steady
 * rise does not disturb it, nor does a hole in the readings). Its variance
 * is the noise's times 1 + w0^2 + w2^2, the weights of the line (1.5 on
 * even spacing, where it is a second difference over 2).
 */
static bool
line_dev(const struct noise *n, int64_t gap, double v, double *x)
{
	double dev;

	if (n->n < 2)
		return false;
	if (gap == n->prev_gap) {
		/* evenly spaced, the usual case: w0 = w2 = 1/2 */
		dev = n->prev[0] - 0.5 * (n->prev[1] + v);
		*x = dev * dev * (1.0 / 1.5);
	} else if (gap > 0 && n->prev_gap > 0) {
		double g1 = (double)n->prev_gap, g2 = (double)gap;
		double w0 = g2 / (g1 + g2), w2 = g1 / (g1 + g2);

		dev = n->prev[0] - (w0 * n->prev[1] + w2 * v);
		*x = dev * dev / (1.0 + w0 * w0 + w2 * w2);
	} else {
		return false; /* no spacing known yet (a restore) */
	}
	return true;
}

void
noise_add(struct noise *n, int64_t t_ms, double v)
{
	int64_t gap = t_ms - n->prev_ms;
	double x, known, cap;

	if (line_dev(n, gap, v, &x)) {
		/* A step is a change, not noise: one value may raise the
		 * estimate only as far as four times the noise known. */
		known = isnan(n->var) ? NOISE_INIT_C * NOISE_INIT_C : n->var;
		if (known < NOISE_MIN_C * NOISE_MIN_C)
			known = NOISE_MIN_C * NOISE_MIN_C;
		cap = 16.0 * known;
		if (x > cap)
			x = cap;
		if (isnan(n->var))
			n->var = x;
		else
			n->var += (x - n->var) / 32.0;
	}
	if (n->n >= 1)
		n->prev_gap = gap < INT32_MAX ? (int32_t)gap : INT32_MAX;
	n->prev[1] = n->prev[0];
	n->prev[0] = v;
	n->prev_ms = t_ms;
	if (n->n < 2)
		n->n++;
}

/* The noise of the series that feeds the sensor's ring. */
double
sensor_noise(const struct eng *e, const struct sensor *s)
{
	const struct noise *n = s->subst_mode ? sensor_snz(e, s) : &s->nz;
	double sd;

	if (n->n < 2 || !(n->var >= 0.0))
		return NOISE_INIT_C;
	sd = sqrt(n->var);
	return sd > NOISE_MIN_C ? sd : NOISE_MIN_C;
}

static void
learn_rho(struct eng *e, const struct host_view *hv, int64_t now_ms)
{
	double in = hv->mean[ENG_CLASS_INLET], cpu = hv->mean[ENG_CLASS_CPU];
	double exh = hv->mean[ENG_CLASS_EXHAUST], dt, obs;

	if (hv->n[ENG_CLASS_INLET] == 0 || hv->n[ENG_CLASS_CPU] == 0 ||
	    hv->n[ENG_CLASS_EXHAUST] == 0 || e->last_eval_ms == NO_TIME)
		return;
	/* Only where the gaps say something: the host draws power and the
	 * sensors are in the order air and heat flow. */
	if (cpu - exh < 2.0 || exh - in < 0.5)
		return;
	dt = (double)(now_ms - e->last_eval_ms) / 1000.0;
	if (dt <= 0.0)
		return;
	if (dt > 10.0)
		dt = 10.0;
	obs = (exh - in) / (cpu - exh);
	if (obs > 5.0)
		obs = 5.0;
	if (e->rho_learnt_s <= 0.0)
		e->rho = obs;
	else
		e->rho += (obs - e->rho) * dt / (RHO_TAU_S + dt);
	e->rho_learnt_s += dt;
}

static void
smooth(double *sm, double v, double dt)
{
	if (!isfinite(v))
		*sm = NAN;
	else if (!isfinite(*sm) || dt <= 0.0)
		*sm = v;
	else
		*sm += (v - *sm) * dt / (EV_SMOOTH_S + dt);
}

/* The model adds the cpu's and exhaust's noise together: its value is
 * smoothed over EV_SMOOTH_S before it is compared or stood in for a
 * sensor (the zone's median and the inlet need little, and lose little). */
static void
smooth_evidence(struct eng *e, int64_t now_ms)
{
	struct host_view *hv = e->hv;
	double dt = e->last_eval_ms == NO_TIME
	    ? 0.0
	    : (double)(now_ms - e->last_eval_ms) / 1000.0;
	int i;

	for (i = 0; i < EV_COUNT; i++) {
		smooth(&e->ev_sm[i], hv->ev[i], dt);
		hv->ev_sm[i] = e->ev_sm[i];
	}
	for (i = 0; i < ENG_CLASS_COUNT; i++)
		smooth(&e->cls_sm[i], hv->n[i] > 0 ? hv->mean[i] : NAN, dt);
	/* and slowly, over the model's own time (its rho's): where it
	 * stood before the last minutes' load steps */
	if (!isfinite(hv->ev_sm[EV_MODEL])) {
		e->model_slow_s = 0.0;
	} else if (e->model_slow_s <= 0.0 || dt <= 0.0) {
		e->model_slow = hv->ev_sm[EV_MODEL];
		e->model_slow_s = dt > 0.0 ? dt : 1e-3;
	} else {
		e->model_slow += (hv->ev_sm[EV_MODEL] - e->model_slow) * dt /
		    (RHO_TAU_S + dt);
		e->model_slow_s += dt;
	}
}

/* Where the host's own cpu and exhaust stood when the zone alarm began:
 * at the first evaluation of the alarm that has them and a learnt rho. */
static void
alarm_ref(struct eng *e)
{
	if (!e->zone_alarm) {
		e->alarm_cpu0 = e->alarm_exh0 = e->alarm_rho0 = NAN;
		return;
	}
	if (isfinite(e->alarm_cpu0) || !isfinite(e->hv->ev[EV_MODEL]) ||
	    !isfinite(e->cls_sm[ENG_CLASS_CPU]) ||
	    !isfinite(e->cls_sm[ENG_CLASS_EXHAUST]))
		return;
	e->alarm_cpu0 = e->cls_sm[ENG_CLASS_CPU];
	e->alarm_exh0 = e->cls_sm[ENG_CLASS_EXHAUST];
	e->alarm_rho0 = e->rho;
	/* A load step of the last minutes holds the model below the air
	 * while the cpu leads the exhaust: its recovery is no warming. */
	e->alarm_model0 = e->alarm_exh0 -
	    e->rho * (e->alarm_cpu0 - e->alarm_exh0);
	if (e->model_slow_s > 0.0 && e->model_slow > e->alarm_model0)
		e->alarm_model0 = e->model_slow;
}

/*
 * Warmer air raises a host's cpu, its exhaust and the inlet they imply
 * alike. More load raises the cpu and the exhaust but not the implied
 * inlet (the model is made to be blind to load; in the lag of a change it
 * moves the other way), and less load lowers the cpu: only the air moves
 * all three up together. Compared with the rho of the alarm's start, so
 * that rho's learning is not taken for warming.
 */
bool
health_air_warmed(const struct eng *e, double by)
{
	double cpu = e->cls_sm[ENG_CLASS_CPU];
	double exh = e->cls_sm[ENG_CLASS_EXHAUST];
	double rho = e->alarm_rho0;

	if (!isfinite(e->alarm_cpu0) || !isfinite(cpu) || !isfinite(exh))
		return false;
	return cpu - e->alarm_cpu0 > by && exh - e->alarm_exh0 > by &&
	    (exh - rho * (cpu - exh)) - e->alarm_model0 > by;
}

/*
 * The model is blind to load only once the host's load has settled: in
 * the lag of a change the cpu and the exhaust move at their own paces,
 * and the model with them (below the air while the cpu leads on a rise,
 * above it while it leads on a fall), for as long as their time
 * constants say. Each such change moves the gap between the cpu and the
 * exhaust (the load's own measure: (Rc - Re) P), and warmer air does
 * not. So the load is settled once that gap has held within
 * policy.frozen_delta_c / 2 for a whole trend window of the cpu and the
 * exhaust (load_settled), and the model reads
 * the air's warming once the warming has held as long with the gap
 * steady (model_settled).
 */
static void
load_track(struct eng *e, int64_t now_ms)
{
	double gap = e->cls_sm[ENG_CLASS_CPU] - e->cls_sm[ENG_CLASS_EXHAUST];
	double by = e->conf.policy.frozen_delta_c;
	int64_t w =
	    (int64_t)(fmax(e->conf.cls[ENG_CLASS_CPU].trend_window_s,
			  e->conf.cls[ENG_CLASS_EXHAUST].trend_window_s) *
		1000.0);

	if (!isfinite(gap)) {
		e->load_steady = e->load_settled = e->model_settled = false;
		return;
	}
	if (!e->load_steady || fabs(gap - e->load_gap0) > by / 2.0) {
		e->load_steady = true;
		e->load_since_ms = now_ms;
		e->load_gap0 = gap;
		e->warm_since_ms = NO_TIME;
	}
	e->load_settled = now_ms - e->load_since_ms >= w;
	if (!health_air_warmed(e, by))
		e->warm_since_ms = NO_TIME;
	else if (e->warm_since_ms == NO_TIME)
		e->warm_since_ms = now_ms;
	e->model_settled = e->warm_since_ms != NO_TIME &&
	    now_ms - e->warm_since_ms >= w && e->load_settled;
}

/*
 * The host's own sensors say the air it breathes is warmer, not that it
 * works harder. Warmer air raises the cpu, the exhaust and the model
 * inlet alike; more load raises the cpu and the exhaust and leaves the
 * model where it was once they settle. In the lag of a load change the
 * model moves too, but the heat reaches the exhaust air through the
 * heatsink, so the exhaust follows the cpu: on more load the cpu leads
 * and the model dips (and recovers to where it was), on less load it
 * overshoots while the cpu falls. Either of:
 *
 *   - the air warmed (the cpu, the exhaust and the model each up by more
 *     than policy.frozen_delta_c since the zone alarm began) and held so
 *     for a trend window with the load settled (model_settled);
 *   - a rise in progress: the cpu and the exhaust each up by more than
 *     frozen_delta_c and both rising now, the model not falling and not
 *     below where it stood when the alarm began (a load change's dip or
 *     its recovery is no warming). Where the zone rises too fast to wait
 *     for the model (the air moves more than frozen_delta_c in a trend
 *     window: the exhaust's lag behind the air holds the model back as
 *     long), the last is not asked: peers that forge so steep a rise
 *     still need the host's cpu and exhaust rising together with the
 *     model not falling;
 *   - the cpu warmer than its load explains (busy_warm: the host's CPU
 *     utilisation given, busy_track), which needs neither the exhaust
 *     nor the model.
 */
bool
health_air_evidence(const struct eng *e)
{
	const struct host_view *hv = e->hv;
	double by = e->conf.policy.frozen_delta_c, model, w;

	if (e->busy_warm)
		return true;
	if (!isfinite(e->alarm_cpu0))
		return false;
	if (e->model_settled)
		return true;
	if (!(e->cls_sm[ENG_CLASS_CPU] - e->alarm_cpu0 > by &&
		e->cls_sm[ENG_CLASS_EXHAUST] - e->alarm_exh0 > by &&
		hv->slope[ENG_CLASS_CPU] > 0.0 &&
		hv->slope[ENG_CLASS_EXHAUST] > 0.0 &&
		hv->ev_slope[EV_MODEL] >= 0.0))
		return false;
	w = fmax(e->conf.cls[ENG_CLASS_CPU].trend_window_s,
	    e->conf.cls[ENG_CLASS_EXHAUST].trend_window_s);
	if (e->zone_heating && e->zone_slope * w > by)
		return true;
	model = e->cls_sm[ENG_CLASS_EXHAUST] -
	    e->alarm_rho0 *
		(e->cls_sm[ENG_CLASS_CPU] - e->cls_sm[ENG_CLASS_EXHAUST]);
	return model >= e->alarm_model0;
}

void
health_begin(struct eng *e, int64_t now_ms)
{
	struct host_view *hv = e->hv;
	int i, c;

	for (c = 0; c < ENG_CLASS_COUNT; c++) {
		hv->n[c] = 0;
		hv->mean[c] = hv->slope[c] = 0.0;
		hv->rise_s[c] = INFINITY;
	}
	for (i = 0; i < e->n_sensors; i++) {
		const struct sensor *s = &e->sensors[i];
		double rise = 0.0;

		if (!trusted(s))
			continue;
		c = s->cls;
		hv->n[c]++;
		hv->mean[c] += s->filtered;
		hv->slope[c] += s->slope;
		if (s->rise_since_ms != NO_TIME)
			rise = (double)(now_ms - s->rise_since_ms) / 1000.0;
		if (rise < hv->rise_s[c])
			hv->rise_s[c] = rise;
	}
	for (c = 0; c < ENG_CLASS_COUNT; c++) {
		if (hv->n[c] == 0) {
			hv->mean[c] = hv->slope[c] = NAN;
			hv->rise_s[c] = 0.0;
			continue;
		}
		hv->mean[c] /= hv->n[c];
		hv->slope[c] /= hv->n[c];
	}
	learn_rho(e, hv, now_ms);

	for (i = 0; i < EV_COUNT; i++) {
		hv->ev[i] = hv->ev_slope[i] = NAN;
		hv->ev_rise_s[i] = 0.0;
	}
	if (e->zone.members >= 2 && isfinite(e->zone.inlet_median_c)) {
		hv->ev[EV_ZONE] = e->zone.inlet_median_c;
		hv->ev_slope[EV_ZONE] = e->zone.median_slope_c_per_s;
		if (e->zone_alarm && e->zone_since_ms != NO_TIME)
			hv->ev_rise_s[EV_ZONE] = (double)(now_ms -
						     e->zone_since_ms) /
			    1000.0;
	}
	if (hv->n[ENG_CLASS_INLET] > 0) {
		hv->ev[EV_INLET] = hv->mean[ENG_CLASS_INLET];
		hv->ev_slope[EV_INLET] = hv->slope[ENG_CLASS_INLET];
		hv->ev_rise_s[EV_INLET] = hv->rise_s[ENG_CLASS_INLET];
	}
	if (e->rho_learnt_s >= RHO_MIN_S && hv->n[ENG_CLASS_CPU] > 0 &&
	    hv->n[ENG_CLASS_EXHAUST] > 0) {
		double cpu = hv->mean[ENG_CLASS_CPU];
		double exh = hv->mean[ENG_CLASS_EXHAUST];
		double scpu = hv->slope[ENG_CLASS_CPU];
		double sexh = hv->slope[ENG_CLASS_EXHAUST];

		hv->ev[EV_MODEL] = exh - e->rho * (cpu - exh);
		hv->ev_slope[EV_MODEL] = sexh - e->rho * (scpu - sexh);
		hv->ev_rise_s[EV_MODEL] = fmin(
		    hv->rise_s[ENG_CLASS_CPU], hv->rise_s[ENG_CLASS_EXHAUST]);
	}
	smooth_evidence(e, now_ms);
	alarm_ref(e);
	load_track(e, now_ms);
	busy_track(e, now_ms);
}

/*
 * The evidence of a source now, smoothed or not. A reference to the model
 * keeps the rho it was taken with: rho goes on learning (from a frozen
 * inlet too, until it is found out), and a substitute must move with the
 * air, not with rho.
 */
static double
ev_now(const struct eng *e, enum evsrc src, double rho, bool sm)
{
	double cpu, exh;

	if (src == EV_NONE)
		return NAN;
	if (src != EV_MODEL || !isfinite(e->hv->ev[EV_MODEL]))
		return sm ? e->hv->ev_sm[src] : e->hv->ev[src];
	cpu = sm ? e->cls_sm[ENG_CLASS_CPU] : e->hv->mean[ENG_CLASS_CPU];
	exh = sm ? e->cls_sm[ENG_CLASS_EXHAUST]
		 : e->hv->mean[ENG_CLASS_EXHAUST];
	return exh - rho * (cpu - exh);
}

static inline enum evsrc
source_of(const struct host_view *hv, enum eng_class c)
{
	if (c == ENG_CLASS_INLET) {
		if (isfinite(hv->ev[EV_ZONE]))
			return EV_ZONE;
		if (isfinite(hv->ev[EV_MODEL]))
			return EV_MODEL;
		return EV_NONE;
	}
	if (isfinite(hv->ev[EV_INLET]))
		return EV_INLET;
	if (isfinite(hv->ev[EV_ZONE]))
		return EV_ZONE;
	return EV_NONE;
}

static void
set_ref(const struct eng *e, struct evref *r, uint8_t *r_src, enum evsrc src,
    double v, int64_t t_ms)
{
	*r_src = (uint8_t)src;
	r->rho = e->rho;
	r->ev = ev_now(e, src, r->rho, true);
	r->v = v;
	r->t_ms = t_ms;
}

/*
 * Repeating one value while the evidence moved. The zone and the host's
 * inlet are direct evidence: the move must hold for the persistence time.
 * The model lags through the cpu's and exhaust's own time constants after
 * a load change, and a whole-degree sensor in a steady room repeats its
 * value for hours: for those the move must hold for a whole trend window.
 * Only for a fine-grained noisy sensor, whose exact repeats are themselves
 * a sign, is that shortened to a fraction of the time the evidence leaves
 * before trip (it may be the very danger the value hides).
 */
static void
check_frozen(const struct eng *e, struct sensor *s, const struct eff_class *ef,
    enum evsrc src, int64_t now_ms)
{
	const struct eng_policy_conf *p = &e->conf.policy;
	const struct eng_class_conf *cc = &e->conf.cls[s->cls];
	double step = s->resolution < 1.0 ? s->resolution : 1.0, moved;
	int64_t need = ef->persist_ms;
	bool cond;

	if (s->stale || s->removed || s->last_ms == NO_TIME ||
	    (s->run_n < 3 && !s->frozen) || src == EV_NONE) {
		s->frozen_cond_ms = NO_TIME;
		return;
	}
	moved = ev_now(e, src, s->run_ref.rho, true) - s->run_ref.ev;
	cond = s->run_n >= 3 && s->run_src == src &&
	    fabs(moved) > p->frozen_delta_c + 2.0 * step;
	if (!cond) {
		s->frozen_cond_ms = NO_TIME;
		/* back where it was: the value agrees with its evidence */
		if (s->frozen && s->run_src == src &&
		    fabs(moved) < p->frozen_delta_c / 2.0)
			s->frozen = false;
		return;
	}
	if (s->frozen_cond_ms == NO_TIME)
		s->frozen_cond_ms = now_ms;
	if (src == EV_MODEL) {
		need = (int64_t)(cc->trend_window_s * 1000.0);
		/* fine-grained: its noise dwarfed its resolution when the
		 * run began, so exact repeats are unusual */
		bool fine = isfinite(s->resolution) &&
		    16.0 * s->resolution * s->resolution < s->run_noise_var;

		if (fine && e->hv->ev_slope[src] > 0.0) {
			double h = s->trip_c - (s->run_v + moved);
			double left = h > 0.0 ? h / e->hv->ev_slope[src] : 0.0;

			if (p->wait_fraction * left * 1000.0 < (double)need)
				need = (int64_t)(p->wait_fraction * left *
				    1000.0);
		}
	}
	if (now_ms - s->frozen_cond_ms >= need)
		s->frozen = true;
}

static void
check_implausible(const struct eng *e, struct sensor *s,
    const struct eff_class *ef, bool fresh, int64_t now_ms)
{
	const struct host_view *hv = e->hv;
	double limit = -INFINITY;
	bool cond;

	if (s->cls != ENG_CLASS_INLET || s->stale || isnan(s->filtered))
		return;
	if (hv->n[ENG_CLASS_CPU] > 0)
		limit = hv->mean[ENG_CLASS_CPU];
	if (hv->n[ENG_CLASS_EXHAUST] > 0 && hv->mean[ENG_CLASS_EXHAUST] > limit)
		limit = hv->mean[ENG_CLASS_EXHAUST];
	if (!fresh)
		return;
	cond = isfinite(limit) &&
	    s->filtered > limit + e->conf.policy.sibling_tolerance_c;
	if (!cond) {
		s->impl_cond_ms = NO_TIME;
		s->impl_n = 0;
		s->impl_above = false;
		return;
	}
	if (s->impl_cond_ms == NO_TIME)
		s->impl_cond_ms = now_ms;
	if (s->impl_n < UINT8_MAX)
		s->impl_n++;
	if (s->impl_n >= e->conf.policy.confirm_samples &&
	    now_ms - s->impl_cond_ms >= ef->persist_ms)
		s->impl_above = true;
}

/* An inlet's step released (step_check): trusted again, its run of one
 * value measured from now, where it agrees with its evidence (a
 * whole-degree inlet that stepped with the air repeats its value while
 * the evidence catches up: not frozen for that). */
static void
step_released(
    const struct eng *e, struct sensor *s, enum evsrc src, int64_t now_ms)
{
	if (s->run_since_ms == NO_TIME || s->run_new)
		return;
	set_ref(e, &s->run_ref, &s->run_src, src, s->run_v, now_ms);
	s->frozen = false;
	s->frozen_cond_ms = NO_TIME;
}

/* The zone heats and its air is rising now (its signalling members'
 * median slope at least policy.zone_rise_c_per_h), not on a plateau. */
static bool
zone_rising(const struct eng *e)
{
	return e->zone_heating &&
	    e->zone_slope >= e->conf.policy.zone_rise_c_per_h / 3600.0;
}

/*
 * An inlet that has stopped delivering (no sample for SILENT_GAPS of its
 * own sample gaps, and SILENT_MIN_S at least) while its zone rises is
 * stale from then on, not only after its class's stale_s: that allows for
 * a BMC that lags in a calm room, but in a rise the last value falls
 * behind the air by the zone's slope every second, and what stands in
 * for a stale inlet (its last value plus how far the zone's inlets have
 * moved since) is what the peers see now. Outside a zone alarm nothing
 * changes.
 */
#define SILENT_GAPS  3
#define SILENT_MIN_S 10.0
static bool
silent_in_rise(const struct eng *e, const struct sensor *s, int64_t now_ms)
{
	double gap = (double)s->nz.prev_gap / 1000.0, silent;

	if (s->stale || !zone_rising(e) || s->cls != ENG_CLASS_INLET ||
	    s->last_ms == NO_TIME || s->nz.prev_gap <= 0)
		return false;
	silent = (double)(now_ms - s->last_ms) / 1000.0;
	return silent > fmax(SILENT_GAPS * gap, SILENT_MIN_S);
}

void
health_sensor(
    struct eng *e, struct sensor *s, const struct eff_class *ef, int64_t now_ms)
{
	enum evsrc src = source_of(e->hv, s->cls);

	if (silent_in_rise(e, s, now_ms))
		s->stale = true;
	if (s->run_new) {
		set_ref(e, &s->run_ref, &s->run_src, src, s->run_v,
		    s->run_since_ms);
		s->run_new = false;
	}
	check_frozen(e, s, ef, src, now_ms);
	if (step_check(e, s))
		step_released(e, s, src, now_ms);
	check_implausible(e, s, ef, s->dirty, now_ms);
	s->implausible = s->impl_above || s->step != STEP_NONE;
	/* The reference pairs a value with the evidence of its own time: it
	 * moves on with a new sample (or a new source), not while the
	 * sensor is silent and not yet stale (its last value would be
	 * paired with evidence that moved on without it, and a substitute
	 * would start that much low). */
	if (trusted(s) &&
	    (s->trusted_src != src || s->trusted_ref.t_ms == NO_TIME ||
		s->last_ms > s->trusted_ref.t_ms))
		set_ref(e, &s->trusted_ref, &s->trusted_src, src, s->filtered,
		    now_ms);
}

/*
 * The zone's median speaks for the zone, not for this host's spot in it:
 * an inlet's zone substitute is no lower than the inlet the host's own
 * cpu and exhaust imply, where that is higher. The model is read with the
 * rho of the reference (the inlet's last trusted moment, or where its run
 * of one value began): rho goes on learning from a frozen inlet until it
 * is found out, and would pull the model down to the frozen value. It is
 * blind to load only once the load has settled: in the lag of a load
 * change it overshoots the air (the cpu falls first), so until then it
 * counts policy.frozen_delta_c less.
 */
static void
model_floor(const struct eng *e, struct sensor *s, const struct evref *ref)
{
	double less = e->load_settled ? 0.0 : e->conf.policy.frozen_delta_c;
	double sm, raw;

	if (!isfinite(e->hv->ev[EV_MODEL]) || !(ref->rho > 0.0))
		return;
	sm = ev_now(e, EV_MODEL, ref->rho, true) - less;
	raw = ev_now(e, EV_MODEL, ref->rho, false) - less;
	if (sm > s->value_used)
		s->value_used = sm;
	if (raw > s->subst_raw)
		s->subst_raw = raw;
}

bool
health_substitute(const struct eng *e, struct sensor *s, int64_t now_ms)
{
	/* A frozen sensor's run began at a value it had (its last true
	 * one); one that stepped where air cannot did not. */
	bool run = s->frozen && s->step == STEP_NONE;
	const struct evref *ref = run ? &s->run_ref : &s->trusted_ref;
	enum evsrc ref_src = run ? s->run_src : s->trusted_src;
	enum evsrc src = source_of(e->hv, s->cls);

	double moved;

	(void)now_ms;
	if (src == EV_NONE || ref_src != src || !isfinite(ref->ev) ||
	    !isfinite(ref->v))
		return false;
	moved = ev_now(e, src, ref->rho, true) - ref->ev;
	/* A stale sensor whose evidence has not moved is simply missing:
	 * its last value is all there is, and that says nothing new. */
	if (s->stale && !s->frozen && !s->implausible &&
	    fabs(moved) < e->conf.policy.frozen_delta_c / 2.0)
		return false;
	s->value_used = ref->v + moved;
	s->subst_raw = ref->v + (ev_now(e, src, ref->rho, false) - ref->ev);
	s->subst_src = src;
	if (s->cls == ENG_CLASS_INLET && src == EV_ZONE) {
		/* Smoothing trails a rise by its slope times EV_SMOOTH_S: while
		 * the zone rises (zone_rising), the zone's substitute is no
		 * lower than its unsmoothed median says (a median of the
		 * peers' filtered inlets, with little noise of its own). */
		if (zone_rising(e) && s->subst_raw > s->value_used)
			s->value_used = s->subst_raw;
		model_floor(e, s, ref);
	}
	return true;
}
