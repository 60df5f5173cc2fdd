/*
 * prefetch.c - cache hints for a caller that evaluates many engines in
 * turn (the simulator, thousands of hosts a tick): start loading the
 * memory the next engines' feed and evaluation will touch while this one
 * runs, so that a room larger than the caches costs no more per host
 * than a small one. Hints only: nothing is written, and a hint for
 * memory that turns out not to be needed costs a little bandwidth.
 *
 * An engine's memory sits behind two pointers (its sensors, their
 * rings), so the hint comes in three steps, each reading only what the
 * step before brought in; a caller issues them a few engines apart:
 *
 *	eng_prefetch_object(next 3); eng_prefetch_sensors(next 2);
 *	eng_prefetch_points(next 1); then feed and evaluate this one.
 */
#include <stddef.h>

#include "eng_int.h"

#define LINE 64

/* Every line of [p, p + n), for writing (the engine updates most of what
 * it reads); the last byte's line too, as p need not start a line. */
static inline __attribute__((always_inline)) void
lines(const void *p, size_t n)
{
	const char *c = p;
	size_t k;

	/* n is a constant here: straight-line code, no loop to count */
#pragma GCC unroll 64
	for (k = 0; k < n; k += LINE)
		__builtin_prefetch(c + k, 1, 3);
	__builtin_prefetch(c + n - 1, 1, 3);
}

void
eng_prefetch_object(const struct eng *e)
{
	if (e == NULL)
		return;
	lines(e, sizeof(*e));
	if (e->conf.cls == e->own_cls) /* shared ones stay in the cache */
		lines(e->own_cls, sizeof(e->own_cls[0]) * ENG_CLASS_COUNT);
}

/* The sensors' rarely used tail (views, reasons, lookups) is left out. */
void
eng_prefetch_sensors(const struct eng *e)
{
	int i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n_sensors; i++)
		lines(&e->sensors[i], offsetof(struct sensor, rejected));
}

/* The slot the next point goes to and the point after the oldest (which
 * a push may evict: the newest and the oldest are kept in full in the
 * sensor) of each ring. */
void
eng_prefetch_points(const struct eng *e)
{
	int i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n_sensors; i++) {
		const struct trend *tr = &e->sensors[i].tr;

		if (tr->ring == NULL || tr->cap == 0)
			continue;
		__builtin_prefetch(trend_ring_at(tr, tr->beg + 1), 0, 3);
		if (tr->end - tr->beg < tr->cap)
			__builtin_prefetch(trend_ring_at(tr, tr->end), 1, 3);
	}
}
