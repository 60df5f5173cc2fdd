/*
 * trend.c - the trend ring of one sensor: its filtered values over the
 * trend window, with running sums for a least-squares line over all of
 * them and prefix sums for the mean of any run of points.
 *
 * A point is four bytes: its time and value as steps from the point
 * before it (ms, and TREND_Q per degree C: hwmon's millidegrees, so
 * hwmon's values are kept exactly; others are rounded to the nearest
 * step). Every TREND_SUM_EVERY points a checkpoint holds the block's
 * first point in full and the prefix sums before it; a point is read
 * from its block's checkpoint (or from the oldest point, kept in full)
 * with at most TREND_SUM_EVERY - 1 steps, and a prefix sum is the
 * checkpoint's plus those points, added in the order a running sum adds
 * them: the same double as if every point kept its own. A step that
 * does not fit in a point (a gap longer than 65.534 s, a jump of more
 * than 32.767 C) puts the point in full in a spill slot; a ring has one
 * for every such gap its window can hold and two for jumps, and when
 * more jumps than that are in the ring its oldest points leave early,
 * up to the oldest one in a slot.
 *
 * Adding and evicting a point is O(1); the means of the thirds of any
 * recent span take a binary search over the checkpoints and a walk of
 * at most a block for each third. The sums are recomputed from the ring
 * every REBASE_EVERY pushes so that rounding cannot drift over a long
 * run (and when the times since t0 would outgrow 2^30 ms).
 *
 * A ring holds tr->cap points (ENG_TREND_CAP at most, fewer when the
 * engine is sized to its sample interval: eng_trend_capacity()). Which
 * points are kept, and when the sums are recomputed, do not depend on
 * the capacity: a ring that holds every point of the window gives the
 * same results at any size.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "eng_int.h"

#define SPILL_FREE INT32_MIN
#define STEP_T_MAX 0xfffe /* TREND_ESC marks a spilt point */
#define REL_T_MAX  (1 << 30)
#define V_Q_MAX    1e9 /* values beyond +-1e6 C are held there */
/* Pushes between two resums: the points are exact, so the sums drift
 * only by the rounding of this many additions and subtractions. */
#define REBASE_EVERY (4 * ENG_TREND_CAP)

static void
lsq_add(struct lsq *s, double t, double v)
{
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
	s->t -= t;
	s->tt -= t * t;
	s->v -= v;
	s->tv -= t * v;
	s->vv -= v * v;
}

double
lsq_se(const struct lsq *s, const struct lsq_fit *f)
{
	double syy = s->vv - s->v * f->vmean, sse;

	sse = syy - f->slope * f->sxy;
	if (sse < 0.0)
		sse = 0.0;
	return sqrt(sse / (f->n - 2.0) / f->sxx);
}

/* The checkpoints after the points, the spill slots after them. */
static struct tblock *
blocks(const struct trend *tr)
{
	return (struct tblock *)(tr->ring + tr->cap);
}

static struct tabs *
spill(const struct trend *tr)
{
	return (struct tabs *)(blocks(tr) + tr->cap / TREND_SUM_EVERY);
}

void
trend_reset(struct trend *tr)
{
	uint32_t k;

	tr->beg = tr->end = 0;
	tr->first.t = tr->first.v = 0;
	tr->last = tr->first;
	tr->base.t = tr->base.v = 0.0;
	tr->sum_last = tr->base;
	tr->t0_ms = NO_TIME;
	tr->last_ms = NO_TIME;
	tr->since_rebase = 0;
	tr->evicted = false;
	memset(&tr->full, 0, sizeof(tr->full));
	if (tr->ring != NULL)
		for (k = 0; k < tr->n_spill; k++)
			spill(tr)[k].t = SPILL_FREE;
}

int64_t
trend_spacing_ms(double window_s)
{
	int64_t w = (int64_t)(window_s * 1000.0);

	/* rounded up: at most TREND_SPAN_GAPS spacings in a window, so
	 * TREND_SPAN_GAPS + 2 points (six blocks) hold any window */
	return (w + TREND_SPAN_GAPS - 1) / TREND_SPAN_GAPS;
}

uint32_t
trend_spill(double window_s, uint32_t cap)
{
	/* gaps longer than a step within the window, the one a push
	 * brings before the window moves on, and two jumps */
	double n = floor(window_s * 1000.0 / (STEP_T_MAX + 1.0)) + 3.0;

	return n < (double)cap ? (uint32_t)n : cap;
}

uint32_t
trend_cap(uint32_t cap)
{
	return (cap + TREND_SUM_EVERY - 1) / TREND_SUM_EVERY * TREND_SUM_EVERY;
}

size_t
trend_bytes(uint32_t cap, uint32_t n_spill)
{
	cap = trend_cap(cap);
	return (size_t)cap * sizeof(struct tpoint) +
	    (size_t)(cap / TREND_SUM_EVERY) * sizeof(struct tblock) +
	    (size_t)n_spill * sizeof(struct tabs);
}

/* The ring position of point i (beg <= i <= end). */
static inline uint32_t
ring_pos(const struct trend *tr, uint32_t i)
{
	return i >= tr->cap ? i - tr->cap : i;
}

/* The point after a, stored as p. */
static inline __attribute__((always_inline)) struct tabs
step(const struct trend *tr, struct tabs a, struct tpoint p)
{
	if (p.dt == TREND_ESC)
		return spill(tr)[p.dv];
	a.t += p.dt;
	a.v += p.dv;
	return a;
}

/* s += a. */
static inline void
add_point(struct tsum *s, struct tabs a)
{
	s->t += tabs_t(a);
	s->v += tabs_v(a);
}

/* Where a walk to point i starts: the checkpoint of its block, or the
 * oldest point when that is in the block. */
static uint32_t
walk_from(const struct trend *tr, uint32_t i, struct tabs *a, struct tsum *sum)
{
	uint32_t j = i - i % TREND_SUM_EVERY; /* cap: whole blocks */

	if (j > tr->beg) {
		const struct tblock *b = &blocks(
		    tr)[ring_pos(tr, j) / TREND_SUM_EVERY];

		*a = b->first;
		if (sum != NULL)
			*sum = b->sum;
		return j;
	}
	*a = tr->first;
	if (sum != NULL)
		*sum = tr->base;
	return tr->beg;
}

struct tabs
trend_point(const struct trend *tr, uint32_t i)
{
	struct tabs a;
	uint32_t j = walk_from(tr, i, &a, NULL), k;
	/* a block's points are side by side in the ring (its capacity is
	 * a whole number of blocks) */
	const struct tpoint *p = &tr->ring[ring_pos(tr, j)];

	for (k = 1; k <= i - j; k++)
		a = step(tr, a, p[k]);
	return a;
}

/* Ring position pos holds point a, the first of its block: keep it and
 * the prefix sums before it. */
static inline void
checkpoint(
    struct trend *tr, uint32_t pos, const struct tsum *before, struct tabs a)
{
	if (pos % TREND_SUM_EVERY == 0) {
		struct tblock *b = &blocks(tr)[pos / TREND_SUM_EVERY];

		b->sum = *before;
		b->first = a;
	}
}

/* Move the time origin to the oldest point and resum exactly. */
static void
rebase(struct trend *tr)
{
	int32_t shift;
	struct tsum sum = { 0.0, 0.0 };
	struct tabs a;
	uint32_t i, k;

	if (tr->beg == tr->end)
		return;
	shift = tr->first.t;
	tr->t0_ms += shift;
	for (k = 0; k < tr->n_spill; k++)
		if (spill(tr)[k].t != SPILL_FREE)
			spill(tr)[k].t -= shift;
	tr->first.t -= shift;
	tr->last.t -= shift;
	memset(&tr->full, 0, sizeof(tr->full));
	tr->base = sum;
	a = tr->first;
	for (i = tr->beg; i < tr->end; i++) {
		uint32_t pos = ring_pos(tr, i);

		if (i > tr->beg)
			a = step(tr, a, tr->ring[pos]);
		lsq_add(&tr->full, tabs_t(a), tabs_v(a));
		checkpoint(tr, pos, &sum, a);
		add_point(&sum, a);
	}
	tr->sum_last = sum;
	tr->since_rebase = 0;
}

static inline __attribute__((always_inline)) void
evict_oldest(struct trend *tr)
{
	struct tabs a = tr->first;
	double t = tabs_t(a), v = tabs_v(a);

	lsq_sub(&tr->full, t, v);
	tr->evicted = true;
	tr->base.t += t;
	tr->base.v += v;
	/* the point after it (a spilt oldest point frees its slot) */
	if (tr->beg + 1 != tr->end) {
		struct tpoint p = tr->ring[ring_pos(tr, tr->beg + 1)];

		tr->first = step(tr, a, p);
	}
	{
		struct tpoint p = tr->ring[ring_pos(tr, tr->beg)];

		if (p.dt == TREND_ESC)
			spill(tr)[p.dv].t = SPILL_FREE;
	}
	/* keep beg below cap (end at most cap further) */
	if (++tr->beg == tr->cap) {
		tr->beg = 0;
		tr->end -= tr->cap;
	}
}

/* A free spill slot, or -1. */
static int
free_slot(const struct trend *tr)
{
	uint32_t k;

	for (k = 0; k < tr->n_spill; k++)
		if (spill(tr)[k].t == SPILL_FREE)
			return (int)k;
	return -1;
}

/* Point a follows the ring's newest point in a spill slot (the oldest
 * points leave while there is none; { 0, 0 }: the ring is empty). */
static __attribute__((noinline)) struct tpoint
spill_point(struct trend *tr, struct tabs a)
{
	struct tpoint p = { 0, 0 };
	int k;

	while ((k = free_slot(tr)) < 0 && tr->beg != tr->end)
		evict_oldest(tr);
	if (tr->beg != tr->end) {
		spill(tr)[k] = a;
		p.dt = TREND_ESC;
		p.dv = (int16_t)k;
	}
	return p;
}

/* Append point a (tr has room); its sums are the caller's. */
static inline __attribute__((always_inline)) void
append(struct trend *tr, struct tabs a)
{
	struct tpoint p = { 0, 0 };
	uint32_t pos;
	/* how a follows the newest point: a step, or a spill slot */
	int64_t dt = (int64_t)a.t - tr->last.t;
	int64_t dv = (int64_t)a.v - tr->last.v;

	if (tr->beg == tr->end) {
		tr->first = a; /* the oldest is read in full */
	} else if (dt >= 0 && dt <= STEP_T_MAX && dv >= INT16_MIN &&
	    dv <= INT16_MAX) {
		p.dt = (uint16_t)dt;
		p.dv = (int16_t)dv;
	} else if ((p = spill_point(tr, a)).dt != TREND_ESC) {
		tr->first = a;
	}
	pos = ring_pos(tr, tr->end);
	checkpoint(tr, pos, &tr->sum_last, a);
	tr->ring[pos] = p;
	tr->end++;
	tr->last = a;
}

void
trend_move(struct trend *tr, void *mem, uint32_t cap, uint32_t n_spill)
{
	struct tabs keep[ENG_TREND_CAP];
	uint32_t n, i;

	cap = trend_cap(cap);
	while (tr->end - tr->beg > cap)
		evict_oldest(tr);
	n = tr->end - tr->beg;
	for (i = 0; i < n; i++)
		keep[i] = trend_point(tr, tr->beg + i);
	tr->ring = mem;
	tr->cap = (uint16_t)cap; /* ENG_TREND_CAP at most */
	tr->n_spill = (uint16_t)n_spill;
	tr->beg = tr->end = 0;
	for (i = 0; i < n_spill; i++)
		spill(tr)[i].t = SPILL_FREE;
	/* the points in the new layout (fewer when they need more slots
	 * than it has), the checkpoints of it and a new time origin */
	for (i = 0; i < n; i++)
		append(tr, keep[i]);
	if (tr->end - tr->beg < n)
		tr->evicted = true;
	if (tr->end > tr->beg)
		rebase(tr);
}

void
trend_win_set(struct trend_win *w, double window_s)
{
	w->win_s = window_s;
	w->win_ms = (int64_t)(window_s * 1000.0);
	w->spacing_ms = trend_spacing_ms(window_s);
}

/* A time origin for a point at t_ms: the oldest point, or t_ms when
 * the ring is empty or its oldest point is too long before. */
static __attribute__((noinline)) void
new_origin(struct trend *tr, int64_t t_ms)
{
	if (tr->t0_ms != NO_TIME)
		rebase(tr);
	if (tr->t0_ms == NO_TIME || t_ms - tr->t0_ms > REL_T_MAX) {
		trend_reset(tr);
		tr->t0_ms = t_ms;
	}
}

static __attribute__((noinline)) void
evict_one(struct trend *tr)
{
	evict_oldest(tr);
}

void
trend_push(
    struct trend *tr, int64_t t_ms, double value, const struct trend_win *w)
{
	struct tabs a;
	struct tsum sum;
	double q;

	/* Keep the ring from filling before the window does: points
	 * closer than this to the previous one are left out. */
	if (tr->last_ms != NO_TIME && t_ms < tr->last_ms + w->spacing_ms)
		return;
	/* After a gap longer than the window nothing old would stay: start
	 * afresh, which also keeps the times since t0 small. */
	if (tr->last_ms != NO_TIME && t_ms - tr->last_ms > w->win_ms)
		trend_reset(tr);
	/* (one compare for both: NO_TIME is INT64_MIN) */
	if ((uint64_t)t_ms - (uint64_t)tr->t0_ms > REL_T_MAX)
		new_origin(tr, t_ms);
	if (tr->end - tr->beg == tr->cap)
		evict_one(tr);
	/* to the nearest step, half away from zero */
	q = value * TREND_Q;
	if (!(fabs(q) <= V_Q_MAX))
		q = q > 0.0 ? V_Q_MAX : q < 0.0 ? -V_Q_MAX : 0.0;
	a.t = (int32_t)(t_ms - tr->t0_ms);
	a.v = (int32_t)(q < 0.0 ? q - 0.5 : q + 0.5);
	/* the sums add the values as stored (what the prefix sums rebuilt
	 * from the ring add) */
	sum = tr->sum_last;
	append(tr, a);
	add_point(&sum, a);
	tr->sum_last = sum;
	lsq_add(&tr->full, tabs_t(a), tabs_v(a));
	tr->last_ms = t_ms;
	/* out: points more than the window before it (win_ms is the
	 * window's whole ms: the same as t < t_a - win_s in real numbers) */
	while (tr->beg != tr->end && (int64_t)a.t - tr->first.t > w->win_ms)
		evict_oldest(tr);
	if (++tr->since_rebase >= REBASE_EVERY)
		rebase(tr);
}

/* The time of point i read back from the newest one (n - 1 steps, not
 * up to a block's: the span of a few last points is asked every sample),
 * or from its block when a step between is spilt. */
double
trend_span_last(const struct trend *tr, uint32_t n)
{
	struct tabs a = tr->last;
	uint32_t i, j;

	if (tr->end - tr->beg < n || n < 2)
		return trend_span(tr);
	i = tr->end - n;
	for (j = tr->end - 1; j > i; j--) {
		struct tpoint p = tr->ring[ring_pos(tr, j)];

		if (p.dt == TREND_ESC) {
			a = trend_point(tr, i);
			break;
		}
		a.t -= p.dt;
	}
	return tabs_t(tr->last) - tabs_t(a);
}

/* A walk along the ring: point i (when i < end) and the prefix sums
 * just before it, as a running sum adds them. */
struct walk {
	uint32_t i;
	struct tabs a;
	struct tsum sum;
};

/* Walk w on to point i of the same block (w->i <= i < end: the block's
 * points are side by side in the ring). */
static inline void
walk_on(const struct trend *tr, struct walk *w, uint32_t i)
{
	const struct tpoint *p = &tr->ring[ring_pos(tr, w->i)];
	uint32_t k, n = i - w->i;

	for (k = 1; k <= n; k++) {
		add_point(&w->sum, w->a);
		w->a = step(tr, w->a, p[k]);
	}
	w->i = i;
}

/* Walk w to point i (beg <= i <= end): on from where it is when that is
 * in the block of i, else from the block's checkpoint (or from beg). */
static void
walk_to(const struct trend *tr, struct walk *w, uint32_t i)
{
	if (i == tr->end) {
		w->i = i;
		w->sum = tr->sum_last;
		return;
	}
	if (!(w->i <= i && w->i / TREND_SUM_EVERY == i / TREND_SUM_EVERY))
		w->i = walk_from(tr, i, &w->a, &w->sum);
	walk_on(tr, w, i);
}

/* The first point at or after time t (end when none) and the prefix sums
 * just before it, in w: a binary search over the checkpoints, then a walk
 * within one block. */
static void
lower_bound(const struct trend *tr, double t, struct walk *w)
{
	uint32_t lo, hi, i, first, last;
	const struct tpoint *p;

	w->i = tr->beg;
	w->a = tr->first;
	w->sum = tr->base;
	if (tr->beg == tr->end || !(tabs_t(tr->first) < t))
		return;
	/* the last block start after beg with its first point before t */
	lo = tr->beg / TREND_SUM_EVERY + 1;
	hi = (tr->end - 1) / TREND_SUM_EVERY + 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		uint32_t pos = ring_pos(tr, mid * TREND_SUM_EVERY);

		if (tabs_t(blocks(tr)[pos / TREND_SUM_EVERY].first) < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	i = (lo - 1) * TREND_SUM_EVERY;
	if (i > tr->beg) {
		const struct tblock *b = &blocks(
		    tr)[ring_pos(tr, i) / TREND_SUM_EVERY];

		w->a = b->first;
		w->sum = b->sum;
	} else {
		i = tr->beg;
	}
	/* point i is before t; the first after it that is not (within its
	 * block: the next block's first point is not before t) */
	p = &tr->ring[ring_pos(tr, i)];
	first = i;
	last = (i / TREND_SUM_EVERY + 1) * TREND_SUM_EVERY - 1;
	if (last > tr->end - 1)
		last = tr->end - 1;
	for (i++; i <= last; i++) {
		add_point(&w->sum, w->a);
		w->a = step(tr, w->a, p[i - first]);
		if (!(tabs_t(w->a) < t)) {
			w->i = i;
			return;
		}
	}
	/* (past the block: as the running sums go on) */
	for (; i < tr->end; i++) {
		add_point(&w->sum, w->a);
		w->a = step(tr, w->a, tr->ring[ring_pos(tr, i)]);
		if (!(tabs_t(w->a) < t)) {
			w->i = i;
			return;
		}
	}
	w->i = tr->end;
	w->sum = tr->sum_last;
}

bool
trend_thirds(const struct trend *tr, double span_s, struct thirds *th)
{
	uint32_t b[4], n;
	double ct[4], cv[4];
	struct walk w;
	int i;

	/* Thirds by count, not by time: a hole in the readings (a hung
	 * reader, a restart) then leaves no third empty, and the thirds'
	 * real mean times say how far apart they are. On evenly spaced
	 * points the two are the same. */
	lower_bound(tr, tabs_t(tr->last) - span_s, &w);
	b[0] = w.i;
	b[3] = tr->end;
	n = b[3] - b[0];
	if (n < 6)
		return false;
	b[1] = b[0] + n / 3;
	b[2] = b[0] + (2 * n) / 3;
	ct[0] = w.sum.t;
	cv[0] = w.sum.v;
	/* each on from the one before when it is in the same block */
	for (i = 1; i < 4; i++) {
		walk_to(tr, &w, b[i]);
		ct[i] = w.sum.t;
		cv[i] = w.sum.v;
	}
	for (i = 0; i < 3; i++) {
		double k = (double)(b[i + 1] - b[i]);

		th->n[i] = k;
		th->t[i] = (ct[i + 1] - ct[i]) / k;
		th->m[i] = (cv[i + 1] - cv[i]) / k;
	}
	th->t_end = tabs_t(tr->last);
	return th->t[2] > th->t[1] && th->t[1] > th->t[0];
}
