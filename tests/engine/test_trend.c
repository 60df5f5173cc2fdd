/*
 * test_trend.c - the trend ring's four-byte points against a plain model
 * (every point in full, in a list): the same points, in full, after every
 * push of seeded series with gaps longer than a step holds (65.534 s),
 * jumps larger than one (32.767 C), more of those than the ring has spill
 * slots, values that are not whole millidegrees, resets after gaps longer
 * than the window, and moves to rings of other sizes; the prefix sums of
 * the thirds and the least-squares sums equal to the model's sums of the
 * same points; the bytes a sensor takes, under a bound.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eng_int.h"
#include "harness.h"

#define MAXP 600

/* The model: points in full (ms since the epoch, TREND_Q steps), and
 * whether each went to a spill slot. */
struct model {
	int64_t t[MAXP];
	int32_t v[MAXP];
	bool spilt[MAXP];
	int n;
	int64_t last_ms;
	int spills; /* points that went to a slot */
	int early;  /* pushes that made the oldest leave for a slot */
};

static void
model_drop(struct model *m)
{
	memmove(m->t, m->t + 1, sizeof(m->t[0]) * (size_t)(m->n - 1));
	memmove(m->v, m->v + 1, sizeof(m->v[0]) * (size_t)(m->n - 1));
	memmove(
	    m->spilt, m->spilt + 1, sizeof(m->spilt[0]) * (size_t)(m->n - 1));
	m->n--;
}

static int
model_slots(const struct model *m)
{
	int i, k = 0;

	for (i = 0; i < m->n; i++)
		k += m->spilt[i];
	return k;
}

static void
model_push(struct model *m, const struct trend_win *w, uint32_t cap,
    uint32_t n_spill, int64_t t_ms, double value)
{
	int32_t q = (int32_t)llround(value * TREND_Q);
	bool spill;

	if (m->last_ms != NO_TIME && t_ms < m->last_ms + w->spacing_ms)
		return;
	if (m->last_ms != NO_TIME && t_ms - m->last_ms > w->win_ms)
		m->n = 0;
	if (m->n == (int)cap)
		model_drop(m);
	spill = m->n > 0 &&
	    (t_ms - m->t[m->n - 1] > 0xfffe || q - m->v[m->n - 1] > INT16_MAX ||
		q - m->v[m->n - 1] < INT16_MIN);
	if (spill) {
		/* no free slot: the oldest leave up to a spilt one */
		m->early += model_slots(m) >= (int)n_spill;
		while (m->n > 0 && model_slots(m) >= (int)n_spill) {
			bool freed = m->spilt[0];

			model_drop(m);
			if (freed)
				break;
		}
		if (m->n == 0)
			spill = false;
	}
	m->t[m->n] = t_ms;
	m->v[m->n] = q;
	m->spilt[m->n] = spill;
	m->spills += spill;
	m->n++;
	m->last_ms = t_ms;
	while (m->n > 0 && t_ms - m->t[0] > w->win_ms)
		model_drop(m);
}

/* th holds the thirds of the model's points from c to its newest: each
 * third's count, mean time and mean value as the model computes them. */
static void
assert_thirds_from(const struct trend *tr, const struct model *m, int c,
    const struct thirds *th)
{
	int b[4], k, j, n = m->n - c;

	b[0] = c;
	b[1] = c + n / 3;
	b[2] = c + (2 * n) / 3;
	b[3] = m->n;
	for (k = 0; k < 3; k++) {
		double st = 0.0, sv = 0.0;

		for (j = b[k]; j < b[k + 1]; j++) {
			st += (double)(m->t[j] - tr->t0_ms) / 1000.0;
			sv += (double)m->v[j] / TREND_Q;
		}
		assert_true(th->n[k] == (double)(b[k + 1] - b[k]));
		assert_true(fabs(th->t[k] - st / th->n[k]) <= 1e-6);
		assert_true(fabs(th->m[k] - sv / th->n[k]) <= 1e-6);
	}
}

static void
check_same(const struct trend *tr, const struct model *m)
{
	struct lsq full = { 0 };
	int i;

	assert_int_equal(tr->end - tr->beg, m->n);
	for (i = 0; i < m->n; i++) {
		struct tabs a = trend_point(tr, tr->beg + (uint32_t)i);

		assert_int_equal(tr->t0_ms + a.t, m->t[i]);
		assert_int_equal(a.v, m->v[i]);
		full.t += tabs_t(a);
		full.v += tabs_v(a);
	}
	if (m->n == 0)
		return;
	assert_int_equal(tr->t0_ms + tr->first.t, m->t[0]);
	assert_int_equal(tr->t0_ms + tr->last.t, m->t[m->n - 1]);
	assert_true(trend_n(tr) == (double)m->n);
	/* running sums against sums from scratch: rounding only */
	assert_true(fabs(tr->full.t - full.t) <= 1e-9 * (1.0 + fabs(full.t)));
	assert_true(fabs(tr->full.v - full.v) <= 1e-9 * (1.0 + fabs(full.v)));
	/* the thirds of the whole ring: means of the model's points */
	{
		struct thirds th;

		if (!trend_thirds(tr, INFINITY, &th) || m->n < 6)
			return;
		assert_thirds_from(tr, m, 0, &th);
	}
}

/* The thirds of the points from the model's point c on, asked for by a
 * span that starts halfway between points c - 1 and c: the search for the
 * span's first point walks from a checkpoint and hands back the prefix
 * sums before it, wherever c falls in a block. */
static void
check_thirds_from(const struct trend *tr, const struct model *m, int c)
{
	struct thirds th;
	double mid_s, span_s;

	if (c < 1 || m->n - c < 6)
		return;
	mid_s = ((double)(m->t[c - 1] + m->t[c]) / 2.0 - (double)tr->t0_ms) /
	    1000.0;
	span_s = tabs_t(tr->last) - mid_s;
	assert_true(trend_thirds(tr, span_s, &th));
	assert_thirds_from(tr, m, c, &th);
}

/* A seeded series: steps of about a second, some longer than a point's
 * step holds, some past the window; a random walk with jumps. */
static void
run_series(uint64_t seed, double win_s, uint32_t cap, int pushes, bool many)
{
	struct trend_win w;
	struct trend tr;
	struct model *m = calloc(1, sizeof(*m));
	uint32_t n_spill;
	void *mem, *mem2;
	struct rng rng = { seed };
	int64_t t = 1700000000000LL;
	double v = 40.0;
	int i;

	assert_non_null(m);
	trend_win_set(&w, win_s);
	n_spill = trend_spill(win_s, cap);
	mem = calloc(1, trend_bytes(cap, n_spill));
	mem2 = calloc(1, trend_bytes(cap / 2, 3));
	assert_non_null(mem);
	assert_non_null(mem2);
	memset(&tr, 0, sizeof(tr));
	trend_reset(&tr);
	trend_move(&tr, mem, cap, n_spill);
	m->last_ms = NO_TIME;
	for (i = 0; i < pushes; i++) {
		double r = rng_uniform(&rng);

		if (r < 0.03)
			t += 65535 + (int64_t)(rng_uniform(&rng) * 50000.0);
		else if (r < 0.035)
			t += w.win_ms + 1 +
			    (int64_t)(rng_uniform(&rng) * 1000.0);
		else
			t += 700 + (int64_t)(rng_uniform(&rng) * 900.0);
		if (rng_uniform(&rng) < (many ? 0.3 : 0.02))
			v += rng_uniform(&rng) < 0.5 ? -40.0 : 40.0;
		/* whole millidegrees, or not */
		v += (rng_uniform(&rng) - 0.5) * 0.4;
		if (rng_uniform(&rng) < 0.5)
			v = round(v * 1000.0) / 1000.0;
		trend_push(&tr, t, v, &w);
		model_push(m, &w, trend_cap(cap), n_spill, t, v);
		check_same(&tr, m);
		/* spans that start anywhere in a block: its first points,
		 * its last, the ring's middle, the fewest points a third
		 * reading takes */
		{
			static const int cuts[] = { 1, 2, TREND_SUM_EVERY - 1,
				TREND_SUM_EVERY, TREND_SUM_EVERY + 1 };
			size_t k;

			for (k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++)
				check_thirds_from(&tr, m, cuts[k]);
			check_thirds_from(&tr, m, m->n / 2);
			check_thirds_from(&tr, m, m->n - 6);
		}
	}
	/* the series did what it is for */
	assert_true(m->spills > 0);
	assert_true(!many || m->early > 0);
	/* a smaller ring with fewer slots keeps the newest it can */
	{
		trend_move(&tr, mem2, cap / 2, 3);
		assert_true(tr.end - tr.beg <= trend_cap(cap / 2));
		for (i = 0; i < (int)(tr.end - tr.beg); i++) {
			struct tabs a = trend_point(&tr, tr.beg + (uint32_t)i);
			int j = m->n - (int)(tr.end - tr.beg) + i;

			assert_int_equal(tr.t0_ms + a.t, m->t[j]);
			assert_int_equal(a.v, m->v[j]);
		}
		/* and pushes go on from there */
		t += w.spacing_ms + 1000;
		trend_push(&tr, t, v, &w);
		assert_int_equal(tr.t0_ms + tr.last.t, t);
	}
	free(mem2);
	free(mem);
	free(m);
}

static void
test_points_as_model(void **state)
{
	uint64_t base = test_seed("trend points");
	int k;

	(void)state;
	for (k = 0; k < 8; k++) {
		run_series(base + (uint64_t)k, 120.0, 194, 3000, false);
		run_series(base + (uint64_t)k, 180.0, 256, 3000, false);
		run_series(base + (uint64_t)k, 600.0, 256, 3000, false);
	}
}

/* More jumps than spill slots: the oldest points leave early. */
static void
test_spill_overflow(void **state)
{
	uint64_t base = test_seed("trend spill");
	int k;

	(void)state;
	for (k = 0; k < 8; k++)
		run_series(base + (uint64_t)k, 120.0, 194, 2000, true);
}

/* The points a ring must hold: every push the spacing lets in whose time
 * is within the window of the newest (times only, in a circle). */
#define WMODEL 1024
struct wmodel {
	int64_t t[WMODEL];
	int beg, n;
	int64_t last_ms;
	int most; /* the most it held */
};

static void
wmodel_push(struct wmodel *m, const struct trend_win *w, int64_t t_ms)
{
	if (m->last_ms != NO_TIME && t_ms < m->last_ms + w->spacing_ms)
		return;
	if (m->last_ms != NO_TIME && t_ms - m->last_ms > w->win_ms)
		m->n = 0;
	assert_true(m->n < WMODEL);
	m->t[(m->beg + m->n) % WMODEL] = t_ms;
	m->n++;
	m->last_ms = t_ms;
	while (m->n > 0 && t_ms - m->t[m->beg] > w->win_ms) {
		m->beg = (m->beg + 1) % WMODEL;
		m->n--;
	}
	if (m->n > m->most)
		m->most = m->n;
}

/* One window at one interval: a ring sized by eng_trend_capacity() for
 * samples iv_s apart (each up to `late` of an interval late, never
 * early) keeps every point of its window, for two windows and more. */
static void
window_fits(double win_s, double iv_s, double late, uint64_t seed)
{
	struct eng_conf conf;
	struct trend_win w;
	struct trend tr;
	struct wmodel *m = calloc(1, sizeof(*m));
	struct rng rng = { seed };
	int64_t iv_ms = (int64_t)llround(iv_s * 1000.0), k, pushes;
	int64_t t0 = 1700000000000LL;
	uint32_t cap, n_spill;
	void *mem;
	int c;

	assert_non_null(m);
	eng_conf_defaults(&conf);
	for (c = 0; c < ENG_CLASS_COUNT; c++)
		conf.cls[c].trend_window_s = win_s;
	cap = (uint32_t)eng_trend_capacity(&conf, iv_s);
	/* six blocks hold any window at any interval */
	assert_true(trend_cap(cap) <= TREND_SPAN_GAPS + 2);
	assert_true(trend_cap(cap) <= 6 * TREND_SUM_EVERY);
	trend_win_set(&w, win_s);
	n_spill = trend_spill(win_s, cap);
	mem = calloc(1, trend_bytes(cap, n_spill));
	assert_non_null(mem);
	memset(&tr, 0, sizeof(tr));
	trend_reset(&tr);
	trend_move(&tr, mem, cap, n_spill);
	m->last_ms = NO_TIME;
	pushes = (int64_t)(2.5 * win_s * 1000.0) / iv_ms + 10;
	for (k = 0; k < pushes; k++) {
		int64_t t = t0 + k * iv_ms +
		    (int64_t)(rng_uniform(&rng) * late * (double)iv_ms);
		struct tabs a;

		/* a slow sine: no jumps, no spill slots used */
		trend_push(&tr, t, 40.0 + sin((double)k * 0.01), &w);
		wmodel_push(m, &w, t);
		/* the ring has all of them: none left early */
		if ((int)(tr.end - tr.beg) != m->n)
			fail_msg("window %g s, interval %g s (late %g), push "
				 "%lld: ring %u points, window %d; cap %u",
			    win_s, iv_s, late, (long long)k, tr.end - tr.beg,
			    m->n, cap);
		a = trend_point(&tr, tr.beg);
		assert_true(tr.t0_ms + a.t == m->t[m->beg]);
	}
	/* the series filled the window */
	/* the series filled the window (points at most a spacing and a
	 * late interval apart) */
	assert_true(m->most >=
	    (int)(win_s /
		((double)w.spacing_ms / 1000.0 + iv_s * (1.0 + late))));
	free(mem);
	free(m);
}

/* The class of bug: a ring too small for its window (its oldest points
 * then leave before the window is over, and the trend spans less than
 * the configured window). Windows of the configurable range, where the
 * spacing is and is not a whole number of samples (19.1-36 s at 0.1 s
 * once needed a seventh block), windows of a whole number of blocks of
 * samples (32, 64, 160 s at 1 s: no slack from rounding up to a block),
 * at intervals from 1 ms (every spacing taken exactly: the most points a
 * window can hold) to a minute. */
static void
test_capacity_holds_window(void **state)
{
	static const double wins[] = { 5.0, 7.3, 19.1, 19.15, 23.456, 30.0,
		31.7, 32.0, 36.099, 36.1, 60.0, 64.0, 120.0, 160.0, 180.0,
		299.9, 600.0, 1234.5, 3600.0 };
	static const double ivs[] = { 0.001, 0.1, 0.15, 0.25, 0.333, 1.0, 2.5,
		10.0, 60.0 };
	uint64_t base = test_seed("trend window");
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(wins) / sizeof(wins[0]); i++)
		for (j = 0; j < sizeof(ivs) / sizeof(ivs[0]); j++) {
			/* the 1 ms series of the longest windows: one of them
			 */
			if (ivs[j] < 0.01 && wins[i] > 700.0 &&
			    wins[i] < 3600.0)
				continue;
			window_fits(wins[i], ivs[j], 0.0, base + i * 16 + j);
			if (ivs[j] >= 0.01)
				window_fits(wins[i], ivs[j], 0.5,
				    base + i * 16 + j + 1000);
		}
}

/* The memory of a ring: four bytes a point, a checkpoint for every 32,
 * a slot for every gap a step cannot hold within the window, and two. */
static void
test_bytes(void **state)
{
	(void)state;
	assert_int_equal(trend_cap(122), 128);
	assert_int_equal(trend_spill(120.0, 256), 4);
	assert_int_equal(trend_spill(3600.0, 256), 57);
	assert_int_equal(trend_spill(3600.0, 40), 40);
	assert_int_equal(TREND_SUM_EVERY, 32);
	assert_int_equal(trend_bytes(122, 4), 128 * 4 + 4 * 24 + 4 * 8);
}

/*
 * The engine's memory for one sensor (issue 17: the agent below
 * collectd's RSS at 1,024 sensors): its struct sensor and its ring, with
 * the default classes at 1 s and at 0.1 s. Bounds (bytes): at 1 s 672 +
 * 640 for the cpu, exhaust and other classes (120 s windows), 672 + 952
 * for the inlet (180 s); at 0.1 s 672 + 944 for the 120 s classes and
 * 672 + 952 for the inlet (six blocks: the spacing of trend_spacing_ms;
 * 1,096 / 1,104 in seven before). Before phase 7: 744 + 736 and
 * 744 + 1,096 at 1 s, 744 + 1,184 at 0.1 s.
 */
static void
test_sensor_bytes(void **state)
{
	static const double ivs[] = { 1.0, 0.1 };
	struct eng_conf conf;
	unsigned k;
	int c;

	(void)state;
	eng_conf_defaults(&conf);
	assert_true(sizeof(struct sensor) <= 672);
	for (k = 0; k < sizeof(ivs) / sizeof(ivs[0]); k++) {
		struct eng_size sz;
		struct eng *e;

		eng_size_defaults(&sz);
		sz.max_sensors = 1024;
		sz.sample_interval_s = ivs[k];
		e = eng_create_opts(&conf, &sz);
		assert_non_null(e);
		for (c = 0; c < ENG_CLASS_COUNT; c++) {
			size_t ring = trend_bytes(
			    e->cls_cap[c], e->cls_spill[c]);

			print_message("# %.1f s, class %d: sensor %zu + ring "
				      "%zu bytes\n",
			    ivs[k], c, sizeof(struct sensor), ring);
			if (ivs[k] < 1.0)
				assert_true(ring <=
				    (c == ENG_CLASS_INLET ? 952u : 944u));
			else
				assert_true(ring <=
				    (c == ENG_CLASS_INLET ? 952u : 640u));
		}
		eng_free(e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_points_as_model),
		cmocka_unit_test(test_spill_overflow),
		cmocka_unit_test(test_capacity_holds_window),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_sensor_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
