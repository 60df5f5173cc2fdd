/*
 * trend.c - the trend ring of one sensor: its filtered values over the
 * trend window, with running sums for a least-squares line over all of
 * them and prefix sums for the mean of any run of points.
 *
 * Adding and evicting a point is O(1); the means of the thirds of any
 * recent span take two binary searches. The sums are recomputed from the
 * ring every ENG_TREND_CAP pushes so that rounding cannot drift over a
 * long run.
 *
 * A ring holds tr->cap points (ENG_TREND_CAP at most, fewer when the
 * engine is sized to its sample interval: eng_trend_capacity()). Which
 * points are kept, and when the sums are recomputed, do not depend on
 * the capacity: a ring that holds every point of the window gives the
 * same results at any size.
 */
#include <math.h>
#include <string.h>

#include "eng_int.h"

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

struct lsq_fit
lsq_solve(const struct lsq *s)
{
	struct lsq_fit f = { .ok = false };

	if (s->n < 3.0)
		return f;
	f.tmean = s->t / s->n;
	f.vmean = s->v / s->n;
	f.sxx = s->tt - s->t * f.tmean;
	if (f.sxx <= 1e-9)
		return f;
	f.sxy = s->tv - s->t * f.vmean;
	f.slope = f.sxy / f.sxx;
	f.ok = true;
	return f;
}

double
lsq_se(const struct lsq *s, const struct lsq_fit *f)
{
	double syy = s->vv - s->v * f->vmean, sse;

	sse = syy - f->slope * f->sxy;
	if (sse < 0.0)
		sse = 0.0;
	return sqrt(sse / (s->n - 2.0) / f->sxx);
}

void
trend_reset(struct trend *tr)
{
	tr->beg = tr->end = 0;
	tr->t_first = 0.0f;
	tr->base_t = tr->base_v = 0.0;
	tr->t0_ms = NO_TIME;
	tr->last_ms = NO_TIME;
	tr->since_rebase = 0;
	tr->win_s = 0.0;
	memset(&tr->full, 0, sizeof(tr->full));
}

int64_t
trend_spacing_ms(double window_s)
{
	return (int64_t)(window_s * 1000.0) / (ENG_TREND_CAP - 64);
}

/* Move the time origin to the oldest point and resum exactly. */
static void
rebase(struct trend *tr)
{
	int64_t shift_ms;
	double shift, ct = 0.0, cv = 0.0;
	uint32_t i;

	if (tr->beg == tr->end)
		return;
	shift_ms = (int64_t)llround(trend_at(tr, tr->beg)->t * 1000.0);
	shift = (double)shift_ms / 1000.0;
	tr->t0_ms += shift_ms;
	memset(&tr->full, 0, sizeof(tr->full));
	tr->base_t = tr->base_v = 0.0;
	for (i = tr->beg; i != tr->end; i++) {
		struct tpoint *p = trend_at(tr, i);

		p->t = (float)(p->t - shift);
		lsq_add(&tr->full, p->t, p->v, 1.0);
		ct += p->t;
		cv += p->v;
		p->ct = ct;
		p->cv = cv;
	}
	tr->t_first = trend_at(tr, tr->beg)->t;
	tr->last = *trend_at(tr, tr->end - 1);
	tr->since_rebase = 0;
}

static void
evict_oldest(struct trend *tr)
{
	const struct tpoint *p = trend_at(tr, tr->beg);

	lsq_add(&tr->full, p->t, p->v, -1.0);
	tr->base_t = p->ct;
	tr->base_v = p->cv;
	/* keep beg below cap (end at most cap further) */
	if (++tr->beg == tr->cap) {
		tr->beg = 0;
		tr->end -= tr->cap;
	}
	if (tr->beg != tr->end)
		tr->t_first = trend_at(tr, tr->beg)->t;
}

void
trend_push(struct trend *tr, int64_t t_ms, double value, double window_s)
{
	struct tpoint *p;
	double ct = tr->base_t, cv = tr->base_v;

	/* Keep the ring from filling before the window does: points
	 * closer than this to the previous one are left out. */
	if (tr->win_s != window_s) {
		tr->win_s = window_s;
		tr->win_ms = (int64_t)(window_s * 1000.0);
		tr->spacing_ms = trend_spacing_ms(window_s);
	}
	if (tr->last_ms != NO_TIME && t_ms < tr->last_ms + tr->spacing_ms)
		return;
	/* After a gap longer than the window nothing old would stay: start
	 * afresh, which also keeps the float times small. */
	if (tr->last_ms != NO_TIME && t_ms - tr->last_ms > tr->win_ms)
		trend_reset(tr);
	if (tr->t0_ms == NO_TIME)
		tr->t0_ms = t_ms;
	if (tr->end - tr->beg == tr->cap)
		evict_oldest(tr);
	if (tr->end != tr->beg) {
		ct = tr->last.ct;
		cv = tr->last.cv;
	}
	p = &tr->last;
	p->t = (float)((double)(t_ms - tr->t0_ms) / 1000.0);
	p->v = (float)value;
	p->ct = ct + p->t;
	p->cv = cv + p->v;
	if (tr->end == tr->beg)
		tr->t_first = p->t;
	*trend_at(tr, tr->end) = *p;
	tr->end++;
	lsq_add(&tr->full, p->t, p->v, 1.0);
	tr->last_ms = t_ms;
	while (tr->beg != tr->end && tr->t_first < p->t - window_s)
		evict_oldest(tr);
	if (++tr->since_rebase >= ENG_TREND_CAP)
		rebase(tr);
}

double
trend_span_last(const struct trend *tr, uint32_t n)
{
	if (tr->end - tr->beg < n || n < 2)
		return trend_span(tr);
	return tr->last.t - trend_at(tr, tr->end - n)->t;
}

/* First point at or after time t (end when none). */
static uint32_t
lower_bound(const struct trend *tr, double t)
{
	uint32_t lo = tr->beg, n = tr->end - tr->beg;

	while (n > 0) {
		uint32_t half = n / 2;

		if (trend_at(tr, lo + half)->t < t) {
			lo += half + 1;
			n -= half + 1;
		} else {
			n = half;
		}
	}
	return lo;
}

/* Prefix sums just before point i. */
static void
before(const struct trend *tr, uint32_t i, double *ct, double *cv)
{
	if (i == tr->beg) {
		*ct = tr->base_t;
		*cv = tr->base_v;
	} else {
		*ct = trend_at(tr, i - 1)->ct;
		*cv = trend_at(tr, i - 1)->cv;
	}
}

bool
trend_thirds(const struct trend *tr, double span_s, struct thirds *th)
{
	uint32_t b[4], n;
	double ct[4], cv[4];
	int i;

	/* Thirds by count, not by time: a hole in the readings (a hung
	 * reader, a restart) then leaves no third empty, and the thirds'
	 * real mean times say how far apart they are. On evenly spaced
	 * points the two are the same. */
	b[0] = lower_bound(tr, tr->last.t - span_s);
	b[3] = tr->end;
	n = b[3] - b[0];
	if (n < 6)
		return false;
	b[1] = b[0] + n / 3;
	b[2] = b[0] + (2 * n) / 3;
	for (i = 0; i < 4; i++)
		before(tr, b[i], &ct[i], &cv[i]);
	for (i = 0; i < 3; i++) {
		double k = (double)(b[i + 1] - b[i]);

		th->n[i] = k;
		th->t[i] = (ct[i + 1] - ct[i]) / k;
		th->m[i] = (cv[i + 1] - cv[i]) / k;
	}
	th->t_end = tr->last.t;
	return th->t[2] > th->t[1] && th->t[1] > th->t[0];
}
