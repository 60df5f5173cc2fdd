/*
 * snapshot.c - what the engine has learnt, out to a state file and back
 * into a new engine after a restart: each sensor's recent trend (a
 * thinned copy of its ring), its noise and resolution, the rise it is in,
 * and the host's: its sibling model, the zone alarm's references, the
 * load tracking and the cpu levels its loads were seen settled at. Restored,
 * the new engine's trends, rise ages and horizons carry on as if it had not
 * stopped, less the gap, and a zone alarm still in force after it is measured
 * from where it began, not from the (already warmed) restart.
 *
 * Times are kept as ages (ms before the snapshot), so the caller needs
 * no clock of the old engine: restoring with the gap (how long the agent
 * was down, from the wall clock) places them on the new engine's clock.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eng_int.h"

static void
snap_ref(const struct evref *r, uint8_t src, int64_t now_ms,
    struct eng_snap_ref *out)
{
	out->src = src;
	out->ev = r->ev;
	out->rho = r->rho;
	out->v = r->v;
	out->age_ms = r->t_ms != NO_TIME ? now_ms - r->t_ms : -1;
}

/* Version 3: the sensor's run of one value (its frozen check) and the
 * inlet step it holds (step.c). */
static void
snap_run(const struct eng *e, const struct sensor *s, int64_t now_ms,
    struct eng_snap_sensor *out)
{
	out->alarm_v0_c = s->alarm_v0;
	out->frozen_cond_age_ms = -1;
	out->has_run = s->run_since_ms != NO_TIME && s->last_ms != NO_TIME &&
	    !s->removed && !s->run_new;
	if (out->has_run) {
		out->frozen = s->frozen;
		out->run_n = s->run_n;
		out->run_age_ms = now_ms - s->run_since_ms;
		out->run_c = s->run_v;
		out->run_noise_var = s->run_noise_var;
		if (s->frozen_cond_ms != NO_TIME)
			out->frozen_cond_age_ms = now_ms - s->frozen_cond_ms;
		snap_ref(&s->run_ref, s->run_src, now_ms, &out->run_ref);
	}
	snap_ref(&s->trusted_ref, s->trusted_src, now_ms, &out->trusted_ref);
	out->step_held = s->step == STEP_HELD &&
	    e->step_slot == (int)(s - e->sensors) + 1;
	if (out->step_held) {
		out->step_from_c = e->step_from;
		out->step_to_c = e->step_to;
		out->step_ev_c[0] = e->step_ev[0];
		out->step_ev_c[1] = e->step_ev[1];
	}
}

int
eng_snapshot_sensor(const struct eng *e, int sensor, int64_t now_ms,
    struct eng_snap_sensor *out)
{
	return eng_snapshot_sensor_max(e, sensor, now_ms, ENG_SNAP_POINTS, out);
}

int
eng_snapshot_sensor_max(const struct eng *e, int sensor, int64_t now_ms,
    int max_points, struct eng_snap_sensor *out)
{
	const struct sensor *s;
	const struct trend *tr;
	uint32_t n, i, step;
	int k = 0;

	if (sensor < 0 || sensor >= e->n_sensors)
		return -1;
	s = &e->sensors[sensor];
	tr = &s->tr;
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", s->id);
	out->cls = s->cls;
	out->noise_c = sensor_noise(e, s);
	out->resolution_c = isfinite(s->resolution) ? s->resolution : 0.0;
	out->has_value = s->last_ms != NO_TIME && !s->removed;
	if (out->has_value) {
		out->last_age_ms = now_ms - s->last_ms;
		out->last_c = s->last_v;
	}
	out->rising = s->rise_since_ms != NO_TIME && !s->subst_mode;
	if (out->rising) {
		out->rise_age_ms = now_ms - s->rise_since_ms;
		out->rise_from_c = s->rise_v0;
		out->rise_peak_c = s->rise_peak;
	}
	snap_run(e, s, now_ms, out);
	/* The ring of a substitute holds no samples of the sensor's own. */
	n = s->subst_mode ? 0 : tr->end - tr->beg;
	if (max_points > ENG_SNAP_POINTS)
		max_points = ENG_SNAP_POINTS;
	if (max_points < 1)
		n = 0;
	step = n > 0 ? (n + (uint32_t)max_points - 1) / (uint32_t)max_points
		     : 1;
	if (step < 1)
		step = 1;
	/* thinned from the newest back, so the last point is always in */
	for (i = 0; i < n && k < max_points; i += step) {
		struct tabs p = trend_point(tr, tr->end - 1 - i);

		out->age_ms[k] = now_ms - (tr->t0_ms + p.t);
		out->value_c[k] = tabs_v(p);
		k++;
	}
	out->n_points = k;
	return 0;
}

/* An evidence reference of in, placed before the gap: its source one
 * there is, its evidence and value finite, and no older than bound_ms
 * (the run it belongs to); false (and r untouched) else. */
static bool
restore_ref(const struct eng_snap_ref *in, int64_t now_ms, int64_t gap_ms,
    int64_t bound_ms, struct evref *r, uint8_t *r_src)
{
	if (in->src <= EV_NONE || in->src >= EV_COUNT || !isfinite(in->ev) ||
	    !isfinite(in->v) || !(in->rho >= 0.0) || !isfinite(in->rho) ||
	    in->age_ms < 0 || in->age_ms > bound_ms)
		return false;
	*r_src = (uint8_t)in->src;
	r->ev = in->ev;
	r->rho = in->rho;
	r->v = in->v;
	r->t_ms = now_ms - gap_ms - in->age_ms;
	return true;
}

/*
 * Version 3: the run of one value a sensor was in, across a gap too short
 * to have hidden its end and a new run of the same value (a third of the
 * trend window, as a rise), with where its evidence stood when it began:
 * a sensor found frozen stays untrusted until the evidence or a new value
 * clears it, and one not yet found out is found out as soon as it would
 * have been without the restart. A run that comes back carries on if the
 * first sample repeats its value (track_raw), and ends else. Its value
 * when the zone alarm began only with the alarm's references (restored
 * first: eng_restore_host).
 */
static void
restore_run(struct eng *e, struct sensor *s, const struct eng_snap_sensor *in,
    int64_t now_ms, int64_t gap_ms, int64_t win_ms)
{
	int64_t at;

	if (!in->has_run || in->run_age_ms < 0 || in->run_n < 1 ||
	    !isfinite(in->run_c) || !(in->run_noise_var >= 0.0) ||
	    !isfinite(in->run_noise_var) || in->frozen_cond_age_ms < -1 ||
	    in->frozen_cond_age_ms > in->run_age_ms || gap_ms >= win_ms / 3)
		return;
	if (!restore_ref(&in->run_ref, now_ms, gap_ms, in->run_age_ms,
		&s->run_ref, &s->run_src))
		return;
	at = now_ms - gap_ms;
	s->run_v = in->run_c;
	s->run_since_ms = at - in->run_age_ms;
	s->run_n = in->run_n;
	s->run_noise_var = in->run_noise_var;
	s->run_new = false;
	s->frozen = in->frozen;
	s->frozen_cond_ms = in->frozen_cond_age_ms >= 0
	    ? at - in->frozen_cond_age_ms
	    : NO_TIME;
	restore_ref(&in->trusted_ref, now_ms, gap_ms, INT64_MAX / 4,
	    &s->trusted_ref, &s->trusted_src);
	if (isfinite(in->alarm_v0_c) && isfinite(e->alarm_cpu0))
		s->alarm_v0 = in->alarm_v0_c;
}

/* Version 3: the inlet step s held, across the same gap as a run, when
 * the engine holds none yet (one a host), with the last trusted
 * reference its substitute comes from: implausible until the host's
 * cpu or exhaust follows it or the reading undoes it (step.c). */
static void
restore_step(struct eng *e, struct sensor *s, const struct eng_snap_sensor *in,
    int64_t now_ms, int64_t gap_ms, int64_t win_ms)
{
	if (!in->step_held || s->cls != ENG_CLASS_INLET ||
	    gap_ms >= win_ms / 3 || !isfinite(in->step_from_c) ||
	    !isfinite(in->step_to_c) || !(in->step_to_c < in->step_from_c) ||
	    (!isfinite(in->step_ev_c[0]) && !isfinite(in->step_ev_c[1])) ||
	    (e->step_slot > 0 && e->step_slot <= e->n_sensors &&
		e->sensors[e->step_slot - 1].step != STEP_NONE))
		return;
	if (!restore_ref(&in->trusted_ref, now_ms, gap_ms, INT64_MAX / 4,
		&s->trusted_ref, &s->trusted_src))
		return;
	e->step_slot = (int)(s - e->sensors) + 1;
	e->step_from = in->step_from_c;
	e->step_to = in->step_to_c;
	e->step_ev[0] = in->step_ev_c[0];
	e->step_ev[1] = in->step_ev_c[1];
	s->step = STEP_HELD;
	s->implausible = true;
}

int
eng_restore_sensor(struct eng *e, const struct eng_snap_sensor *in,
    int64_t now_ms, int64_t gap_ms)
{
	const struct eng_class_conf *cc;
	struct sensor *s;
	int i, k;

	i = eng_sensor_find(e, in->id);
	if (i < 0 || gap_ms < 0)
		return -1;
	s = &e->sensors[i];
	if (s->last_ms != NO_TIME || (unsigned)in->cls != (unsigned)s->cls)
		return -1; /* only into a fresh sensor of the same class */
	cc = &e->conf.cls[s->cls];
	if (in->noise_c > 0.0 && in->has_value) {
		/* as if the last sample had just been taken twice */
		s->nz.var = in->noise_c * in->noise_c;
		s->nz.prev[0] = s->nz.prev[1] = in->last_c;
		s->nz.prev_ms = now_ms - gap_ms - in->last_age_ms;
		s->nz.prev_gap = 0; /* the next sample only spans the gap */
		s->nz.n = 2;
	}
	if (in->resolution_c > 0.0)
		s->resolution = in->resolution_c;
	/* Oldest first, as they came; what the gap left too old for the
	 * trend window the ring drops by itself. */
	trend_reset(&s->tr);
	for (k = in->n_points - 1; k >= 0; k--) {
		int64_t t_ms = now_ms - gap_ms - in->age_ms[k];

		if (!isfinite(in->value_c[k]) || in->age_ms[k] < 0)
			continue;
		trend_push(&s->tr, t_ms, in->value_c[k], &e->cls_win[s->cls]);
	}
	/* The rise goes on only across a gap too short to have hidden its
	 * end: a third of the trend window, as for a pause in it. */
	s->rise_since_ms = NO_TIME;
	if (in->rising && in->rise_age_ms >= 0 &&
	    gap_ms < (int64_t)(cc->trend_window_s * 1000.0 / 3.0)) {
		s->rise_since_ms = now_ms - gap_ms - in->rise_age_ms;
		s->rise_v0 = in->rise_from_c;
		s->rise_peak = in->rise_peak_c;
	}
	restore_run(
	    e, s, in, now_ms, gap_ms, (int64_t)(cc->trend_window_s * 1000.0));
	restore_step(
	    e, s, in, now_ms, gap_ms, (int64_t)(cc->trend_window_s * 1000.0));
	return i;
}

/* load_track()'s window (health.c): the longer of the cpu's and the
 * exhaust's trend windows, in ms */
static int64_t
load_window_ms(const struct eng *e)
{
	return (int64_t)(fmax(e->conf.cls[ENG_CLASS_CPU].trend_window_s,
			     e->conf.cls[ENG_CLASS_EXHAUST].trend_window_s) *
	    1000.0);
}

_Static_assert(ENG_SNAP_BUSY == BUSY_BINS, "a busy level a bin");

/* Version 4: the busy levels (busy.c), a restored one not seen again
 * with the air it was first learnt in, and the envelopes while the
 * utilisation is tracked. */
static void
snap_busy(const struct eng *e, struct eng_snap_host *out)
{
	for (int i = 0; i < BUSY_BINS; i++) {
		struct eng_snap_busy *b = &out->busy[out->n_busy];

		if (!(e->busy_seen & (1u << i)))
			continue;
		b->lo = e->busy_set_lo[i];
		b->c = e->busy_set_c[i];
		b->air_c = e->busy_set_air[i];
		out->n_busy++;
	}
	out->has_busy_env = e->busy_env_ms != NO_TIME && isfinite(e->busy_u) &&
	    isfinite(e->busy_hi) && isfinite(e->busy_lo) &&
	    isfinite(e->busy_cpu_slow);
	if (out->has_busy_env) {
		out->busy_u = e->busy_u;
		out->busy_hi = e->busy_hi;
		out->busy_env_lo = e->busy_lo;
		out->busy_cpu_slow_c = e->busy_cpu_slow;
	}
}

void
eng_snapshot_host(
    const struct eng *e, int64_t now_ms, struct eng_snap_host *out)
{
	memset(out, 0, sizeof(*out));
	out->version = ENG_SNAP_VERSION;
	out->rho = e->rho;
	out->rho_learnt_s = e->rho_learnt_s;
	out->alarm_lost_age_ms = out->warm_age_ms = -1;
	out->has_alarm = e->zone_alarm && e->zone_since_ms != NO_TIME &&
	    isfinite(e->alarm_cpu0) && isfinite(e->alarm_exh0) &&
	    isfinite(e->alarm_rho0) && isfinite(e->alarm_model0);
	if (out->has_alarm) {
		out->alarm_age_ms = now_ms - e->zone_since_ms;
		if (e->zone_lost_ms != NO_TIME)
			out->alarm_lost_age_ms = now_ms - e->zone_lost_ms;
		out->alarm_cpu_c = e->alarm_cpu0;
		out->alarm_exhaust_c = e->alarm_exh0;
		out->alarm_rho = e->alarm_rho0;
		out->alarm_model_c = e->alarm_model0;
	}
	if (e->model_slow_s > 0.0 && isfinite(e->model_slow)) {
		out->model_slow_c = e->model_slow;
		out->model_slow_s = e->model_slow_s;
	}
	out->has_load = e->load_steady && e->load_since_ms != NO_TIME &&
	    isfinite(e->load_gap0);
	if (out->has_load) {
		out->load_age_ms = now_ms - e->load_since_ms;
		out->load_gap_c = e->load_gap0;
		if (out->has_alarm && e->warm_since_ms != NO_TIME)
			out->warm_age_ms = now_ms - e->warm_since_ms;
	}
	snap_busy(e, out);
}

/* The alarm's references of in, when the alarm could not have ended in
 * the gap: its quorum lost (at the snapshot, or in the gap) for less
 * than policy.zone_hold_s all along. Whether the zone alarm is in force
 * again is for the first evaluation (health.c, alarm_ref: none in force,
 * they go). */
static bool
restore_alarm(struct eng *e, const struct eng_snap_host *in, int64_t gap_ms)
{
	int64_t lost = in->alarm_lost_age_ms > 0 ? in->alarm_lost_age_ms : 0;

	if (!in->has_alarm || in->alarm_age_ms < 0 ||
	    in->alarm_lost_age_ms < -1 || lost > in->alarm_age_ms ||
	    !isfinite(in->alarm_cpu_c) || !isfinite(in->alarm_exhaust_c) ||
	    !(in->alarm_rho >= 0.0) || !isfinite(in->alarm_rho) ||
	    !isfinite(in->alarm_model_c) ||
	    (double)(gap_ms + lost) >= e->conf.policy.zone_hold_s * 1000.0)
		return false;
	e->alarm_cpu0 = in->alarm_cpu_c;
	e->alarm_exh0 = in->alarm_exhaust_c;
	e->alarm_rho0 = in->alarm_rho;
	e->alarm_model0 = in->alarm_model_c;
	return true;
}

/* The load tracking of in (load_track, health.c), placed before the gap,
 * across a gap too short to have hidden a load change and its return:
 * a third of its window, as a rise. The air's warming only with the
 * alarm's references it was measured against. */
static bool
restore_load(struct eng *e, const struct eng_snap_host *in, int64_t now_ms,
    int64_t gap_ms, bool alarm)
{
	int64_t w = load_window_ms(e);

	if (!in->has_load || in->load_age_ms < 0 || !isfinite(in->load_gap_c) ||
	    gap_ms >= w / 3)
		return false;
	e->load_steady = true;
	e->load_since_ms = now_ms - gap_ms - in->load_age_ms;
	e->load_gap0 = in->load_gap_c;
	e->load_settled = now_ms - e->load_since_ms >= w;
	e->warm_since_ms = NO_TIME;
	if (alarm && in->warm_age_ms >= 0 && in->warm_age_ms <= in->load_age_ms)
		e->warm_since_ms = now_ms - gap_ms - in->warm_age_ms;
	e->model_settled = e->warm_since_ms != NO_TIME &&
	    now_ms - e->warm_since_ms >= w && e->load_settled;
	return true;
}

/* Version 4: the busy levels, each into its bin (the first of a bin;
 * one whose air is not known could never be checked, and is left out),
 * marked restored (busy_old: busy_ceiling lowers it by as much as the
 * air is cooler now); the envelopes across a gap of less than a third
 * of the cpu's trend window, kept until the utilisation is known again
 * (busy_track). The ENG_SNAP_KEPT_ bits of what came back. */
static int
restore_busy(struct eng *e, const struct eng_snap_host *in, int64_t now_ms,
    int64_t gap_ms)
{
	double win = e->conf.cls[ENG_CLASS_CPU].trend_window_s * 1000.0;
	int kept = 0;

	for (int k = 0; k < in->n_busy && k < ENG_SNAP_BUSY; k++) {
		const struct eng_snap_busy *b = &in->busy[k];
		int i;

		if (!(b->lo >= 0.0 && b->lo <= 1.0) || !isfinite(b->c) ||
		    !isfinite(b->air_c))
			continue;
		i = (int)(b->lo * BUSY_BINS);
		i = i >= BUSY_BINS ? BUSY_BINS - 1 : i;
		if (e->busy_seen & (1u << i))
			continue;
		e->busy_seen |= 1u << i;
		e->busy_old |= 1u << i;
		e->busy_set_c[i] = (float)b->c;
		e->busy_set_lo[i] = (float)b->lo;
		e->busy_set_air[i] = (float)b->air_c;
		kept = ENG_SNAP_KEPT_BUSY;
	}
	if (in->has_busy_env && (double)gap_ms * 3.0 < win &&
	    e->busy_env_ms == NO_TIME && in->busy_env_lo >= 0.0 &&
	    in->busy_env_lo <= in->busy_hi && in->busy_hi <= 1.0 &&
	    in->busy_u >= 0.0 && in->busy_u <= 1.0 &&
	    isfinite(in->busy_cpu_slow_c)) {
		e->busy_u = in->busy_u;
		e->busy_hi = in->busy_hi;
		e->busy_lo = in->busy_env_lo;
		e->busy_cpu_slow = in->busy_cpu_slow_c;
		e->busy_env_ms = now_ms - gap_ms;
		e->busy_env_kept = true;
		kept |= ENG_SNAP_KEPT_ENV;
	}
	return kept;
}

int
eng_restore_host(struct eng *e, const struct eng_snap_host *in, int64_t now_ms,
    int64_t gap_ms)
{
	int kept = 0;
	bool alarm;

	if (in->version < 1 || in->version > ENG_SNAP_VERSION)
		return 0;
	if (in->rho >= 0.0 && in->rho_learnt_s >= 0.0 && isfinite(in->rho) &&
	    isfinite(in->rho_learnt_s)) {
		e->rho = in->rho;
		e->rho_learnt_s = in->rho_learnt_s;
		kept |= ENG_SNAP_KEPT_MODEL;
	}
	/* version 1 held the model alone: what it lacks, a new engine's */
	if (in->version < 2 || gap_ms < 0)
		return kept;
	alarm = restore_alarm(e, in, gap_ms);
	if (alarm)
		kept |= ENG_SNAP_KEPT_ALARM;
	if (restore_load(e, in, now_ms, gap_ms, alarm))
		kept |= ENG_SNAP_KEPT_LOAD;
	if (in->model_slow_s > 0.0 && isfinite(in->model_slow_s) &&
	    isfinite(in->model_slow_c)) {
		e->model_slow = in->model_slow_c;
		e->model_slow_s = in->model_slow_s;
	}
	if (in->version >= 4)
		kept |= restore_busy(e, in, now_ms, gap_ms);
	return kept;
}
