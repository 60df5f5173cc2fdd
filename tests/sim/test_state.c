/*
 * test_state.c - an engine's saved state (eng_hint.c) puts back all of
 * its memory: engines of random shapes (sensors and classes, trend
 * windows, sample intervals, peer tables, overrides) are fed random
 * series (noise, ramps, whole degrees, jumps, gaps shorter and longer
 * than a window, frozen runs, glitches, dropouts), and at random times
 * their whole memory is copied, their state saved for a random span,
 * readings, evaluations and zone summaries run over that span, the
 * state put back and the whole memory compared with the copy, byte for
 * byte. A field that feeding or evaluating changes and the save leaves
 * out fails here, whatever block of engine memory it is in. Seeded
 * (printed; TW_SEED=N replays a run).
 */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "eng_int.h"
#include "engine/harness.h"

/* Every block of an engine's memory (create.c: eng_create_opts). */
struct mem {
	char *p;
	size_t n;
	const char *name;
};

static size_t
blocks(const struct eng *e, struct mem m[8])
{
	size_t own = e->conf.cls == e->own_cls
	    ? sizeof(e->own_cls[0]) * ENG_CLASS_COUNT
	    : 0;
	size_t k = 0;

	m[k++] = (struct mem){ (char *)e, sizeof(*e) + own, "object" };
	m[k++] = (struct mem){ (char *)e->sensors,
		(size_t)e->cap_sensors * sizeof(*e->sensors), "sensors" };
	m[k++] = (struct mem){ (char *)e->snz,
		(size_t)e->cap_sensors * sizeof(*e->snz), "snz" };
	m[k++] = (struct mem){ e->ids, e->ids_used, "ids" };
	m[k++] = (struct mem){ (char *)e->points,
		(size_t)e->cap_sensors * e->ring_bytes, "points" };
	if (e->cap_peers > 0) {
		m[k++] = (struct mem){ (char *)e->peers,
			(size_t)e->cap_peers * sizeof(*e->peers), "peers" };
		m[k++] = (struct mem){ (char *)e->peer_hash,
			((size_t)e->hash_mask + 1) * sizeof(*e->peer_hash),
			"peer_hash" };
	}
	if (e->cap_ovr > 0)
		m[k++] = (struct mem){ (char *)e->ovr,
			(size_t)e->cap_ovr * sizeof(*e->ovr), "ovr" };
	return k;
}

static char *
copy_all(const struct eng *e)
{
	struct mem m[8];
	size_t k = blocks(e, m), i, n = 0;
	char *buf, *o;

	for (i = 0; i < k; i++)
		n += m[i].n;
	o = buf = malloc(n);
	assert_non_null(buf);
	for (i = 0; i < k; i++) {
		memcpy(o, m[i].p, m[i].n);
		o += m[i].n;
	}
	return buf;
}

/* The engine's memory is what copy_all() copied (else: where not). */
static void
assert_same(const struct eng *e, const char *copy, uint64_t seed, int round)
{
	struct mem m[8];
	size_t k = blocks(e, m), i, j;
	const char *o = copy;

	for (i = 0; i < k; i++) {
		if (memcmp(o, m[i].p, m[i].n) != 0) {
			for (j = 0; o[j] == m[i].p[j]; j++)
				;
			fail_msg("seed %" PRIu64 " round %d: %s differs at "
				 "byte %zu of %zu",
			    seed, round, m[i].name, j, m[i].n);
		}
		o += m[i].n;
	}
}

/* One sensor's series. */
struct series {
	double v, slope; /* C, C per s */
	double step;     /* whole degrees: 1, else 0 */
	int frozen;      /* ticks left repeating the value */
	int64_t gap_until;
	double held;
};

struct room {
	struct rng g;
	struct eng *e;
	int n;
	int64_t tick_ms;
	int64_t now_ms;
	struct series s[ENG_MAX_SENSORS];
};

/* One tick of readings (at t_ms) and an evaluation. */
static void
tick(struct room *m, int64_t t_ms)
{
	struct eng_output out;
	int i;

	for (i = 0; i < m->n; i++) {
		struct series *s = &m->s[i];
		struct eng_reading rd = { .sensor = i, .t_ms = t_ms };
		uint64_t u = rng_next(&m->g) % 1000;
		double v;

		s->v += s->slope * (double)m->tick_ms / 1000.0;
		if (u < 3)
			s->slope = rng_range(&m->g, -0.05, 0.2);
		if (t_ms < s->gap_until)
			continue;
		if (u >= 3 && u < 5) /* a gap: shorter or longer than windows */
			s->gap_until = t_ms +
			    (int64_t)rng_range(&m->g, 5000, 400000);
		if (u >= 5 && u < 8) /* a jump that needs a spill slot */
			s->v += rng_range(&m->g, -45.0, 45.0);
		if (u >= 8 && u < 10)
			s->frozen = (int)(rng_next(&m->g) % 400);
		v = s->v + rng_range(&m->g, -0.3, 0.3);
		if (s->step > 0)
			v = floor(v);
		if (s->frozen > 0) {
			s->frozen--;
			v = s->held;
		}
		s->held = v;
		rd.value_c = v;
		rd.quality = u < 12 ? ENG_Q_UNAVAILABLE : ENG_Q_OK;
		if (u >= 12 && u < 14)
			rd.value_c = u == 12 ? NAN : 127.0;
		eng_feed(m->e, &rd);
	}
	if (rng_next(&m->g) % 10 == 0) {
		struct eng_zone_summary z;

		memset(&z, 0, sizeof(z));
		z.t_ms = t_ms;
		z.members = (int)(rng_next(&m->g) % 20);
		z.signals = (int)(rng_next(&m->g) % (z.members + 1));
		z.slope_c_per_s = rng_range(&m->g, 0, 0.05);
		z.median_slope_c_per_s = z.slope_c_per_s / 2;
		z.inlet_median_c = rng_range(&m->g, 18, 40);
		z.inlet_max_c = z.inlet_median_c + 2;
		z.running[1] = z.members;
		z.sampled = z.members;
		eng_zone_set(m->e, &z);
	}
	if (m->e->cap_peers > 0 && rng_next(&m->g) % 4 == 0) {
		struct eng_peer p;

		memset(&p, 0, sizeof(p));
		snprintf(p.host, sizeof(p.host), "peer%02d",
		    (int)(rng_next(&m->g) % 12));
		p.tier = 1;
		p.inlet_c = rng_range(&m->g, 18, 40);
		p.slope_c_per_s = rng_range(&m->g, 0, 0.05);
		p.t_ms = t_ms;
		eng_peer_update(m->e, &p);
	}
	eng_evaluate(m->e, t_ms, &out);
}

static const double intervals_s[] = { 0.0, 0.1, 0.5, 1.0, 2.0, 5.0 };

/* An engine of a random shape with its series. */
static void
room_new(struct room *m, uint64_t seed)
{
	struct eng_conf conf;
	struct eng_size sz;
	double iv;
	int c, i;

	memset(m, 0, sizeof(*m));
	m->g.s = seed ? seed : 1;
	eng_conf_defaults(&conf);
	for (c = 0; c < ENG_CLASS_COUNT; c++)
		if (rng_next(&m->g) % 2)
			conf.cls[c].trend_window_s = rng_range(&m->g, 20, 1800);
	eng_size_defaults(&sz);
	m->n = 1 + (int)(rng_next(&m->g) % 6);
	sz.max_sensors = m->n + (int)(rng_next(&m->g) % 3);
	iv = intervals_s[rng_next(&m->g) % 6];
	sz.sample_interval_s = iv;
	sz.max_peers = rng_next(&m->g) % 3 == 0 ? 16 : 0;
	sz.max_overrides = (int)(rng_next(&m->g) % 3);
	m->tick_ms = iv > 0 ? (int64_t)(iv * 1000) : 1000;
	if (rng_next(&m->g) % 4 == 0)
		m->tick_ms *= 2; /* sampled slower than sized for */
	snprintf(conf.host, sizeof(conf.host), "h");
	m->e = eng_create_opts(&conf, &sz);
	assert_non_null(m->e);
	for (i = 0; i < m->n; i++) {
		char id[32];
		enum eng_class cls = (enum eng_class)(
		    rng_next(&m->g) % ENG_CLASS_COUNT);

		snprintf(id, sizeof(id), "s%d", i);
		assert_true(
		    eng_sensor_add(m->e, id, cls, 100.0, ENG_TRIP_HW) == i);
		m->s[i].v = rng_range(&m->g, 20, 60);
		m->s[i].slope = rng_range(&m->g, -0.01, 0.05);
		m->s[i].step = rng_next(&m->g) % 3 == 0 ? 1 : 0;
		m->s[i].gap_until = INT64_MIN;
	}
	m->now_ms = (int64_t)(rng_next(&m->g) % 100000);
}

/* Run n ticks from now. */
static void
run(struct room *m, int n)
{
	for (; n > 0; n--) {
		tick(m, m->now_ms);
		m->now_ms += m->tick_ms;
	}
}

static void
test_restore_all(void **state)
{
	uint64_t seed = test_seed("state"), saved = 0, whole = 0;
	struct rng top = { seed ? seed : 1 };
	int round;

	(void)state;
	for (round = 0; round < 60; round++) {
		struct room m;
		int k;

		room_new(&m, rng_next(&top));
		if (m.e->cap_ovr > 0)
			assert_true(eng_override_set(m.e, "inlet.warn.margin_c",
					6.0, rng_range(&m.g, 1, 900), "test",
					"t", m.now_ms, NULL, 0) >= 0);
		run(&m, (int)(rng_next(&m.g) % 3000));
		for (k = 0; k < 12; k++) {
			int64_t from = m.now_ms, until;
			int h = 1 + (int)(rng_next(&m.g) % 300);
			char *copy = copy_all(m.e), *buf;
			size_t n;

			/* the span asked for, and ticks within it */
			until = from + (int64_t)(h - 1) * m.tick_ms +
			    (int64_t)(rng_next(&m.g) % (uint64_t)m.tick_ms);
			n = eng_state_size(m.e, from, until);
			buf = malloc(n);
			assert_non_null(buf);
			eng_state_save(m.e, from, until, buf);
			saved += n;
			whole += eng_state_size(m.e, from, INT64_MAX / 2);
			run(&m, h);
			eng_state_restore(m.e, buf);
			assert_same(m.e, copy, seed, round);
			free(buf);
			free(copy);
			/* and on from there, as it was */
			m.now_ms = from;
			run(&m, (int)(rng_next(&m.g) % 600));
		}
		eng_free(m.e);
	}
	printf("# saved %" PRIu64 " bytes for the spans asked, %" PRIu64
	       " for unbounded ones\n",
	    saved, whole);
}

/* A simulator's engine (three sensors sampled every second, the default
 * classes) saves less for a short span than for an unbounded one. */
static void
test_saves_less(void **state)
{
	struct eng_conf conf;
	struct eng_size sz;
	struct eng *e;
	size_t s64, all;
	int i;

	(void)state;
	eng_conf_defaults(&conf);
	eng_size_defaults(&sz);
	sz.max_sensors = 3;
	sz.sample_interval_s = 1.0;
	sz.max_peers = 0;
	sz.max_overrides = 0;
	e = eng_create_opts(&conf, &sz);
	assert_non_null(e);
	assert_int_equal(eng_sensor_add(e, "i", ENG_CLASS_INLET, 45, 0), 0);
	assert_int_equal(eng_sensor_add(e, "c", ENG_CLASS_CPU, 100, 0), 1);
	assert_int_equal(eng_sensor_add(e, "x", ENG_CLASS_EXHAUST, 75, 0), 2);
	for (i = 0; i < 4000; i++) {
		struct eng_output out;

		feed1(e, 0, i * 1000, 24.0 + 0.1 * sin(i / 50.0));
		feed1(e, 1, i * 1000, 50.0 + 0.5 * sin(i / 7.0));
		feed1(e, 2, i * 1000, 35.0 + 0.2 * sin(i / 9.0));
		eng_evaluate(e, i * 1000, &out);
	}
	s64 = eng_state_size(e, 4000000, 4000000 + 63000);
	all = eng_state_size(e, 4000000, INT64_MAX / 2);
	printf("# a simulator's engine: %zu bytes for 64 ticks, %zu in all "
	       "(%zu bytes of memory)\n",
	    s64, all, eng_memory(e));
	assert_true(s64 < all);
	assert_true(all <= eng_memory(e) + 64);
	eng_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restore_all),
		cmocka_unit_test(test_saves_less),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
