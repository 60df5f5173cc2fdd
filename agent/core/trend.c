/*
 * trend.c - the trend ring of one sensor: its filtered values over the
 * trend window, with running sums for a least-squares line over all of
 * them and prefix sums for the mean of any run of points.
 *
 * A point is two floats; the prefix sums are kept as a checkpoint every
 * TREND_SUM_EVERY points (a prefix sum is its checkpoint plus at most
 * TREND_SUM_EVERY - 1 points, added in the order a running sum adds
 * them: the same double as if every point kept its own).
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
lsq_add(struct lsq *s, double t, double v)
{
	s->n += 1.0;
	s->t += t;
	s->tt += t * t;
	s->v += v;
	s->tv += t * v;
	s->vv += v * v;
}

/* The exact inverse of lsq_add (as adding the product with -1 was). */
static void
lsq_sub(struct lsq *s, double t, double v)
{
	s->n -= 1.0;
	s->t -= t;
	s->tt -= t * t;
	s->v -= v;
	s->tv -= t * v;
	s->vv -= v * v;
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
	tr->base.t = tr->base.v = 0.0;
	tr->sum_last = tr->base;
	tr->t0_ms = NO_TIME;
	tr->last_ms = NO_TIME;
	tr->since_rebase = 0;
	tr->win_s = 0.0;
	tr->evicted = false;
	memset(&tr->full, 0, sizeof(tr->full));
}

int64_t
trend_spacing_ms(double window_s)
{
	return (int64_t)(window_s * 1000.0) / (ENG_TREND_CAP - 64);
}

/* to = from + p. */
static inline void
add_point(struct tsum *to, const struct tsum *from, const struct tpoint *p)
{
	to->t = from->t + (double)p->t;
	to->v = from->v + (double)p->v;
}

static uint32_t
sums_n(uint32_t cap)
{
	return (cap + TREND_SUM_EVERY - 1) / TREND_SUM_EVERY;
}

/* The points of a ring of cap, rounded up to a whole number of sums
 * (the checkpoints after them are aligned for their doubles). */
static uint32_t
points_n(uint32_t cap)
{
	return (cap + 1u) & ~1u;
}

size_t
trend_bytes(uint32_t cap)
{
	return (size_t)points_n(cap) * sizeof(struct tpoint) +
	    (size_t)sums_n(cap) * sizeof(struct tsum);
}

static struct tsum *
checkpoints(const struct trend *tr)
{
	return (struct tsum *)(tr->ring + points_n(tr->cap));
}

/* Ring position pos holds the first point of its block: keep the
 * prefix sums before it. */
static inline void
checkpoint(struct trend *tr, uint32_t pos, const struct tsum *before)
{
	if (pos % TREND_SUM_EVERY == 0)
		checkpoints(tr)[pos / TREND_SUM_EVERY] = *before;
}

/* The ring position of point i (beg <= i <= end). */
static inline uint32_t
ring_pos(const struct trend *tr, uint32_t i)
{
	return i >= tr->cap ? i - tr->cap : i;
}

/* Move the time origin to the oldest point and resum exactly. */
static void
rebase(struct trend *tr)
{
	int64_t shift_ms;
	double shift;
	struct tsum sum = { 0.0, 0.0 };
	uint32_t n, pos;

	if (tr->beg == tr->end)
		return;
	shift_ms = (int64_t)llround(trend_at(tr, tr->beg)->t * 1000.0);
	shift = (double)shift_ms / 1000.0;
	tr->t0_ms += shift_ms;
	memset(&tr->full, 0, sizeof(tr->full));
	tr->base = sum;
	pos = tr->beg;
	for (n = tr->end - tr->beg; n > 0; n--) {
		struct tpoint *p = &tr->ring[pos];

		p->t = (float)(p->t - shift);
		lsq_add(&tr->full, p->t, p->v);
		checkpoint(tr, pos, &sum);
		add_point(&sum, &sum, p);
		if (++pos == tr->cap)
			pos = 0;
	}
	tr->sum_last = sum;
	tr->t_first = trend_at(tr, tr->beg)->t;
	tr->last = *trend_at(tr, tr->end - 1);
	tr->since_rebase = 0;
}

static inline void
evict_oldest(struct trend *tr)
{
	const struct tpoint *p = trend_at(tr, tr->beg);

	lsq_sub(&tr->full, p->t, p->v);
	tr->evicted = true;
	tr->base.t += p->t;
	tr->base.v += p->v;
	/* keep beg below cap (end at most cap further) */
	if (++tr->beg == tr->cap) {
		tr->beg = 0;
		tr->end -= tr->cap;
	}
	if (tr->beg != tr->end)
		tr->t_first = trend_at(tr, tr->beg)->t;
}

void
trend_move(struct trend *tr, void *mem, uint32_t cap)
{
	struct tpoint *ring = mem;
	uint32_t n = tr->end - tr->beg, i;

	while (n > cap) {
		evict_oldest(tr);
		n--;
	}
	for (i = 0; i < n; i++)
		ring[i] = *trend_at(tr, tr->beg + i);
	tr->ring = ring;
	tr->cap = cap;
	tr->beg = 0;
	tr->end = n;
	/* the checkpoints of the new layout (and a new time origin) */
	if (n > 0)
		rebase(tr);
}

void
trend_push(struct trend *tr, int64_t t_ms, double value, double window_s)
{
	struct tpoint *p;
	struct tsum sum;
	double oldest;
	uint32_t pos;

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
	/* (an empty ring's sums are its base) */
	sum = tr->sum_last;
	pos = ring_pos(tr, tr->end);
	checkpoint(tr, pos, &sum);
	p = &tr->last;
	p->t = (float)((double)(t_ms - tr->t0_ms) / 1000.0);
	p->v = (float)value;
	/* the sums add the floats as stored (what the prefix sums rebuilt
	 * from the ring add) */
	tr->sum_last.t = sum.t + p->t;
	tr->sum_last.v = sum.v + p->v;
	if (tr->end == tr->beg)
		tr->t_first = p->t;
	tr->ring[pos] = *p;
	tr->end++;
	lsq_add(&tr->full, p->t, p->v);
	tr->last_ms = t_ms;
	oldest = p->t - window_s;
	while (tr->beg != tr->end && tr->t_first < oldest)
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

/* Prefix sums just before point i (beg <= i <= end): from the
 * checkpoint of its block, or from beg when that is in the block. */
static void
before(const struct trend *tr, uint32_t i, double *ct, double *cv)
{
	uint32_t pos = ring_pos(tr, i), j;
	struct tsum sum;

	if (i == tr->end) {
		sum = tr->sum_last;
	} else {
		j = i - pos % TREND_SUM_EVERY;
		if (j > tr->beg) {
			sum = checkpoints(tr)[pos / TREND_SUM_EVERY];
		} else {
			j = tr->beg;
			sum = tr->base;
		}
		for (; j < i; j++) {
			const struct tpoint *p = trend_at(tr, j);

			sum.t += p->t;
			sum.v += p->v;
		}
	}
	*ct = sum.t;
	*cv = sum.v;
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
