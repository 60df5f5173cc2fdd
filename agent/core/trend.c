/*
 * trend.c - windowed least-squares slope and time-to-trip.
 *
 * Each sensor keeps its filtered values in a ring with running sums for
 * three windows: the full trend window, its recent half and its recent
 * quarter. Adding and
 * evicting a point is O(1); the sums are recomputed from the ring every
 * ENG_TREND_CAP pushes so that rounding cannot drift over a long run.
 * The older half is the difference of two sums, and so is the quarter
 * before the recent one.
 */
#include <math.h>
#include <string.h>

#include "eng_int.h"

#define CAP_MASK (ENG_TREND_CAP - 1)

_Static_assert((ENG_TREND_CAP & CAP_MASK) == 0, "ring size: power of two");

static void
lsq_add(struct lsq *s, double t, double v, double sign)
{
	s->n += sign;
	s->t += sign * t;
	s->tt += sign * t * t;
	s->v += sign * v;
	s->tv += sign * t * v;
	s->vv += sign * v * v;
}

static void
lsq_sub(struct lsq *out, const struct lsq *a, const struct lsq *b)
{
	out->n = a->n - b->n;
	out->t = a->t - b->t;
	out->tt = a->tt - b->tt;
	out->v = a->v - b->v;
	out->tv = a->tv - b->tv;
	out->vv = a->vv - b->vv;
}

struct lsq_fit
lsq_solve(const struct lsq *s)
{
	struct lsq_fit f = { .ok = false };
	double sxx, sxy, syy, sse;

	if (s->n < 3.0)
		return f;
	f.tmean = s->t / s->n;
	f.vmean = s->v / s->n;
	sxx = s->tt - s->t * f.tmean;
	if (sxx <= 1e-9)
		return f;
	sxy = s->tv - s->t * f.vmean;
	syy = s->vv - s->v * f.vmean;
	f.slope = sxy / sxx;
	sse = syy - f.slope * sxy;
	if (sse < 0.0)
		sse = 0.0;
	f.se = sqrt(sse / (s->n - 2.0) / sxx);
	f.ok = true;
	return f;
}

void
trend_reset(struct trend *tr)
{
	tr->beg = tr->mid = tr->qtr = tr->end = 0;
	tr->t0_ms = NO_TIME;
	tr->last_ms = NO_TIME;
	tr->since_rebase = 0;
	tr->win_s = 0.0;
	memset(&tr->full, 0, sizeof(tr->full));
	memset(&tr->rec, 0, sizeof(tr->rec));
	memset(&tr->qrt, 0, sizeof(tr->qrt));
}

/* Move the time origin to the oldest point and resum exactly. */
static void
rebase(struct trend *tr)
{
	int64_t shift_ms;
	double shift;
	uint32_t i;

	if (tr->beg == tr->end)
		return;
	shift_ms = (int64_t)llround(tr->ring[tr->beg & CAP_MASK].t * 1000.0);
	shift = (double)shift_ms / 1000.0;
	tr->t0_ms += shift_ms;
	memset(&tr->full, 0, sizeof(tr->full));
	memset(&tr->rec, 0, sizeof(tr->rec));
	memset(&tr->qrt, 0, sizeof(tr->qrt));
	for (i = tr->beg; i != tr->end; i++) {
		struct tpoint *p = &tr->ring[i & CAP_MASK];

		p->t = (float)(p->t - shift);
		lsq_add(&tr->full, p->t, p->v, 1.0);
		if ((int32_t)(i - tr->mid) >= 0)
			lsq_add(&tr->rec, p->t, p->v, 1.0);
		if ((int32_t)(i - tr->qtr) >= 0)
			lsq_add(&tr->qrt, p->t, p->v, 1.0);
	}
	tr->since_rebase = 0;
}

static void
evict_oldest(struct trend *tr)
{
	const struct tpoint *p = &tr->ring[tr->beg & CAP_MASK];

	lsq_add(&tr->full, p->t, p->v, -1.0);
	if (tr->mid == tr->beg) {
		lsq_add(&tr->rec, p->t, p->v, -1.0);
		tr->mid++;
	}
	if (tr->qtr == tr->beg) {
		lsq_add(&tr->qrt, p->t, p->v, -1.0);
		tr->qtr++;
	}
	tr->beg++;
}

void
trend_push(struct trend *tr, int64_t t_ms, double value, double window_s)
{
	struct tpoint *p;
	double t, v;

	/* Keep the ring from filling before the window does: points
	 * closer than this to the previous one are left out. */
	if (tr->win_s != window_s) {
		tr->win_s = window_s;
		tr->spacing_ms = (int64_t)(window_s * 1000.0) /
		    (ENG_TREND_CAP - 64);
	}
	if (tr->last_ms != NO_TIME && t_ms < tr->last_ms + tr->spacing_ms)
		return;
	/* After a gap longer than the window nothing old would stay: start
	 * afresh, which also keeps the float times small. */
	if (tr->last_ms != NO_TIME &&
	    t_ms - tr->last_ms > (int64_t)(window_s * 1000.0))
		trend_reset(tr);
	if (tr->t0_ms == NO_TIME)
		tr->t0_ms = t_ms;
	if (tr->end - tr->beg == ENG_TREND_CAP)
		evict_oldest(tr);
	p = &tr->ring[tr->end & CAP_MASK];
	p->t = (float)((double)(t_ms - tr->t0_ms) / 1000.0);
	p->v = (float)value;
	t = p->t;
	v = p->v;
	tr->end++;
	lsq_add(&tr->full, t, v, 1.0);
	lsq_add(&tr->rec, t, v, 1.0);
	lsq_add(&tr->qrt, t, v, 1.0);
	tr->last_ms = t_ms;

	while (
	    tr->beg != tr->end && tr->ring[tr->beg & CAP_MASK].t < t - window_s)
		evict_oldest(tr);
	while (tr->mid != tr->end &&
	    tr->ring[tr->mid & CAP_MASK].t < t - window_s / 2.0) {
		p = &tr->ring[tr->mid & CAP_MASK];
		lsq_add(&tr->rec, p->t, p->v, -1.0);
		tr->mid++;
	}
	while (tr->qtr != tr->end &&
	    tr->ring[tr->qtr & CAP_MASK].t < t - window_s / 4.0) {
		p = &tr->ring[tr->qtr & CAP_MASK];
		lsq_add(&tr->qrt, p->t, p->v, -1.0);
		tr->qtr++;
	}
	if (++tr->since_rebase >= ENG_TREND_CAP)
		rebase(tr);
}

/*
 * The straight line over the whole window is not trusted alone:
 *
 * - A rise that slows down (a load step settling, a room approaching a
 *   new equilibrium) is not a straight line, and the line would predict a
 *   trip that never comes. When the recent half's slope is significantly
 *   below the older half's, the rise is modelled as an exponential
 *   approach v(t) = A - (A - v) exp(-t / tau): tau from the ratio of the
 *   two slopes, the asymptote A from the current value and slope.
 * - A rise that has only just begun (the older half is flat) is the
 *   onset of a load step far more often than of a cooling failure, which
 *   rises steadily. The eta then uses the older half's slope: a rise
 *   counts at its full rate once it has lasted half a window.
 */
/* The exponential approach through two slopes fo (older) and fr (recent). */
static double
exp_eta(const struct trend *tr, struct lsq_fit fo, struct lsq_fit fr,
    double value, double headroom)
{
	double tau, s_now, a, t_last;

	if (fr.slope <= 0.0)
		return INFINITY; /* it has stopped rising */
	tau = (fr.tmean - fo.tmean) / log(fo.slope / fr.slope);
	t_last = tr->ring[(tr->end - 1) & CAP_MASK].t;
	s_now = fr.slope * exp(-(t_last - fr.tmean) / tau);
	a = value + s_now * tau;
	if (a <= value + headroom)
		return INFINITY; /* settles below trip */
	return tau * log((a - value) / (a - value - headroom));
}

/* Is the rise from fo to fr slowing down significantly? */
static bool
decelerating(struct lsq_fit fo, struct lsq_fit fr, double se)
{
	return fo.slope > 0.0 && fo.slope - fr.slope > se &&
	    fr.slope < DECEL_RATIO * fo.slope;
}

/* sigma times the standard error of a difference of two slopes over
 * spans of span_s, allowing for whole-degree steps: over a span those
 * alone can tilt a line by about QUANT_C / span. */
static double
diff_se(struct lsq_fit a, struct lsq_fit b, double sigma, double span_s)
{
	double sq = QUANT_C / (span_s > 1.0 ? span_s : 1.0);

	return sigma * sqrt(a.se * a.se + b.se * b.se + 2.0 * sq * sq);
}

static double
shape_eta(const struct trend *tr, double sigma, double value, double headroom,
    double slope, double half_s)
{
	struct lsq old, qold;
	struct lsq_fit fo, fr, qo, qr;
	double se, eta;

	lsq_sub(&old, &tr->full, &tr->rec);
	if (old.n < HALF_MIN_N || tr->rec.n < HALF_MIN_N)
		return headroom / slope;
	fo = lsq_solve(&old);
	fr = lsq_solve(&tr->rec);
	if (!fo.ok || !fr.ok)
		return headroom / slope;
	se = diff_se(fo, fr, sigma, half_s);
	if (decelerating(fo, fr, se))
		return exp_eta(tr, fo, fr, value, headroom);
	if (fr.slope - fo.slope > se) {
		if (fo.slope <= 0.0)
			return INFINITY;
		return headroom / fo.slope;
	}
	/* A step that began in the older half and is settling now shows
	 * its curve only within the recent half: the same test on its two
	 * quarters. */
	eta = headroom / slope;
	lsq_sub(&qold, &tr->rec, &tr->qrt);
	if (qold.n >= HALF_MIN_N && tr->qrt.n >= HALF_MIN_N) {
		qo = lsq_solve(&qold);
		qr = lsq_solve(&tr->qrt);
		if (qo.ok && qr.ok &&
		    decelerating(qo, qr, diff_se(qo, qr, sigma, half_s / 2.0)))
			eta = fmax(eta, exp_eta(tr, qo, qr, value, headroom));
	}
	/* A jump early in the window still tilts the whole line, so the
	 * recent half counts when it is clearly slower (whole-degree steps
	 * make a half's slope jitter). Each of these corrections is evidence
	 * that the line is too pessimistic: the longest eta stands. */
	if (slope - fr.slope > se)
		eta = fmax(
		    eta, fr.slope <= 0.0 ? INFINITY : headroom / fr.slope);
	return eta;
}

double
trend_eta(const struct trend *tr, double min_slope, double max_slope,
    double sigma, double value, double headroom, double max_lead,
    double window_s, double *slope)
{
	struct lsq_fit f;
	double eta;

	*slope = 0.0;
	/* A partial window says little, least of all about whole-degree
	 * sensors flickering between two values: wait for (nearly) all of
	 * it. */
	if (tr->full.n < TREND_MIN_N ||
	    tr->ring[(tr->end - 1) & CAP_MASK].t -
		    tr->ring[tr->beg & CAP_MASK].t <
		0.9 * window_s)
		return headroom <= 0.0 ? 0.0 : INFINITY;
	f = lsq_solve(&tr->full);
	/* A whole-degree sensor flickering between two values can line up
	 * into what looks like a slope: the fitted rise over the window
	 * must be at least one step. */
	if (!f.ok || f.slope <= min_slope || f.slope <= sigma * f.se ||
	    f.slope * window_s < QUANT_RISE_C)
		return headroom <= 0.0 ? 0.0 : INFINITY;
	*slope = f.slope;
	if (headroom <= 0.0)
		return 0.0;
	eta = headroom / f.slope;
	/* The shape test costs a few more divisions and logs: only worth
	 * it when the straight line says something might happen. */
	if (eta <= max_lead * 4.0)
		eta = shape_eta(
		    tr, sigma, value, headroom, f.slope, window_s / 2.0);
	if (max_slope > 0.0 && eta < headroom / max_slope)
		eta = headroom / max_slope;
	return eta;
}
