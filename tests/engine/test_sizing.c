/*
 * test_sizing.c - an engine sized to what it needs (eng_create_opts):
 * trend rings sized to the sample interval decide exactly as full ones
 * (the same series into both, every output and every sensor view
 * compared bit for bit, snapshots and restores included); the capacity
 * rule; no peer table and a bounded override table; samples faster than
 * the engine was sized for still work; class settings shared by many
 * engines (eng_size.classes) decide as copied ones, also after a
 * reload. Prints the bytes of a simulator host's engine against a
 * default one.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "harness.h"

#define NSENS 7

static uint64_t seed;

static const enum eng_class classes[NSENS] = { ENG_CLASS_INLET, ENG_CLASS_INLET,
	ENG_CLASS_CPU, ENG_CLASS_CPU, ENG_CLASS_EXHAUST, ENG_CLASS_EXHAUST,
	ENG_CLASS_OTHER };

/* Equal to the bit, NANs and infinities included. */
static bool
same(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

static bool
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
compare_out(const struct eng_output *a, const struct eng_output *b, long t)
{
	int i;

	if (a->state != b->state || a->changed != b->changed ||
	    strcmp(a->reason, b->reason) != 0 || a->since_ms != b->since_ms ||
	    !same(a->eta_s, b->eta_s) || a->worst_sensor != b->worst_sensor ||
	    a->zone_alarm != b->zone_alarm ||
	    a->accepting_load != b->accepting_load ||
	    a->n_decisions != b->n_decisions ||
	    a->zone_members != b->zone_members ||
	    a->zone_signals != b->zone_signals ||
	    !same(a->zone_slope_c_per_s, b->zone_slope_c_per_s))
		fail_msg("t=%ld s: outputs differ: \"%s\" vs \"%s\"", t,
		    a->reason, b->reason);
	for (i = 0; i < a->n_decisions; i++) {
		const struct eng_decision *x = &a->decisions[i];
		const struct eng_decision *y = &b->decisions[i];

		if (x->action != y->action || !same_str(x->code, y->code) ||
		    strcmp(x->reason, y->reason) != 0 ||
		    x->sensor != y->sensor || !same(x->value_c, y->value_c) ||
		    !same(x->trip_c, y->trip_c) || !same(x->eta_s, y->eta_s))
			fail_msg("t=%ld s: decision %d differs: %s vs %s", t, i,
			    x->reason, y->reason);
	}
}

static void
compare_views(const struct eng *a, const struct eng *b, long t)
{
	int i;

	for (i = 0; i < eng_sensor_count(a); i++) {
		struct eng_sensor_view x, y;

		eng_sensor_view(a, i, &x);
		eng_sensor_view(b, i, &y);
		if (x.status != y.status || !same(x.filtered_c, y.filtered_c) ||
		    !same(x.slope_c_per_s, y.slope_c_per_s) ||
		    !same(x.eta_s, y.eta_s) ||
		    !same(x.headroom_c, y.headroom_c) || x.level != y.level ||
		    x.extrapolated != y.extrapolated ||
		    x.accepted != y.accepted || x.rejected != y.rejected ||
		    x.frozen != y.frozen || x.implausible != y.implausible ||
		    !same(x.rising_s, y.rising_s) ||
		    !same(x.slope_now_c_per_s, y.slope_now_c_per_s) ||
		    !same(x.asymptote_c, y.asymptote_c) ||
		    !same(x.tau_s, y.tau_s) ||
		    !same(x.eta_projected_s, y.eta_projected_s) ||
		    !same(x.noise_c, y.noise_c) ||
		    !same(x.value_used_c, y.value_used_c) ||
		    !same_str(x.evidence, y.evidence))
			fail_msg("t=%ld s: sensor %d differs: slope %g/%g "
				 "eta %g/%g",
			    t, i, x.slope_c_per_s, y.slope_c_per_s, x.eta_s,
			    y.eta_s);
	}
}

static void
compare_snaps(const struct eng *a, const struct eng *b, int64_t now_ms)
{
	static struct eng_snap_sensor x, y;
	int i, k;

	for (i = 0; i < eng_sensor_count(a); i++) {
		assert_int_equal(eng_snapshot_sensor(a, i, now_ms, &x), 0);
		assert_int_equal(eng_snapshot_sensor(b, i, now_ms, &y), 0);
		assert_int_equal(x.n_points, y.n_points);
		assert_true(x.rising == y.rising && x.has_value == y.has_value);
		assert_true(same(x.noise_c, y.noise_c));
		assert_true(same(x.rise_from_c, y.rise_from_c));
		for (k = 0; k < x.n_points; k++) {
			assert_true(x.age_ms[k] == y.age_ms[k]);
			assert_true(same(x.value_c[k], y.value_c[k]));
		}
	}
}

static struct eng *
mk(const struct eng_conf *conf, const struct eng_size *sz)
{
	struct eng *e = eng_create_opts(conf, sz);
	char id[32];
	int i;

	assert_non_null(e);
	for (i = 0; i < NSENS; i++) {
		snprintf(id, sizeof(id), "host/%d", i);
		assert_int_equal(
		    eng_sensor_add(e, id, classes[i],
			conf->cls[classes[i]].trip_c, ENG_TRIP_CLASS_DEFAULT),
		    i);
	}
	return e;
}

/* A room's hour: noise, whole-degree sensors, glitches, a cpu load step
 * that settles, dropouts (some longer than the trend window), and a
 * cooling failure that ramps everything up to a shutdown. */
static double
signal(struct rng *r, int i, double t_s, bool quantised)
{
	static const double base[ENG_CLASS_COUNT] = { 55.0, 24.0, 38.0, 45.0 };
	enum eng_class c = classes[i];
	double v = base[c] + rng_range(r, -0.3, 0.3);

	if (c == ENG_CLASS_CPU && t_s > 600.0 && t_s < 1500.0)
		v += 25.0 * (1.0 - exp(-(t_s - 600.0) / 40.0));
	if (t_s > 2400.0) {
		double rise = (t_s - 2400.0) * 0.02;

		v += c == ENG_CLASS_INLET ? rise : rise * 1.3;
	}
	if (rng_next(r) % 700 == 0)
		v += 40.0; /* a one-sample glitch */
	return quantised ? floor(v) : v;
}

struct run_stats {
	long evaluations;
	long decisions;
};

/* The same series into a default and a sized engine; both restart from
 * a snapshot half-way. */
static void
run_pair(double iv_s, uint64_t sd, struct run_stats *st)
{
	struct eng_conf conf;
	struct eng_size full, sized;
	struct eng *a, *b;
	struct eng_output oa, ob;
	struct rng r = { sd };
	bool quantised = sd % 2 == 0, restarted = false;
	int64_t t_ms = 0, gap_until = -1;
	static struct eng_snap_sensor snap[2][NSENS];
	int i;

	eng_conf_defaults(&conf);
	eng_size_defaults(&full);
	full.max_sensors = NSENS;
	sized = full;
	sized.sample_interval_s = iv_s;
	sized.max_peers = 0;
	sized.classes = conf.cls; /* shared, not copied */
	a = mk(&conf, &full);
	b = mk(&conf, &sized);
	assert_int_equal(eng_trend_points(a), ENG_TREND_CAP);
	assert_int_equal(eng_trend_points(b), eng_trend_capacity(&conf, iv_s));
	while (t_ms < 3600 * 1000) {
		/* at least iv_s apart, often more */
		t_ms += (int64_t)(iv_s * 1000.0) +
		    (rng_next(&r) % 3 == 0 ? (int64_t)(rng_next(&r) % 1500)
					   : 0);
		if (gap_until < 0 && rng_next(&r) % 400 == 0)
			gap_until = t_ms + (int64_t)(rng_next(&r) % 250000);
		if (gap_until >= 0 && t_ms >= gap_until)
			gap_until = -1;
		for (i = 0; gap_until < 0 && i < NSENS; i++) {
			double v = signal(
			    &r, i, (double)t_ms / 1000.0, quantised);

			feed1(a, i, t_ms, v);
			feed1(b, i, t_ms, v);
		}
		eng_evaluate(a, t_ms, &oa);
		eng_evaluate(b, t_ms, &ob);
		compare_out(&oa, &ob, (long)(t_ms / 1000));
		compare_views(a, b, (long)(t_ms / 1000));
		st->evaluations++;
		st->decisions += oa.n_decisions;
		if (!restarted && t_ms >= 1800 * 1000) {
			/* a restart: snapshot, new engines, restore */
			struct eng_snap_host ha, hb;
			int64_t down_ms = 5000;

			restarted = true;
			compare_snaps(a, b, t_ms);
			eng_snapshot_host(a, t_ms, &ha);
			eng_snapshot_host(b, t_ms, &hb);
			for (i = 0; i < NSENS; i++) {
				eng_snapshot_sensor(a, i, t_ms, &snap[0][i]);
				eng_snapshot_sensor(b, i, t_ms, &snap[1][i]);
			}
			eng_free(a);
			eng_free(b);
			a = mk(&conf, &full);
			b = mk(&conf, &sized);
			eng_restore_host(a, &ha, t_ms + down_ms, down_ms);
			eng_restore_host(b, &hb, t_ms + down_ms, down_ms);
			t_ms += down_ms;
			for (i = 0; i < NSENS; i++) {
				assert_int_equal(
				    eng_restore_sensor(
					a, &snap[0][i], t_ms, down_ms),
				    i);
				assert_int_equal(
				    eng_restore_sensor(
					b, &snap[1][i], t_ms, down_ms),
				    i);
			}
		}
	}
	compare_snaps(a, b, t_ms);
	eng_free(a);
	eng_free(b);
}

static void
test_sized_same_results(void **state)
{
	static const double intervals[] = { 0.1, 0.25, 0.5, 1.0, 2.0, 5.0,
		15.0 };
	struct run_stats st = { 0, 0 };
	size_t k;
	int rep;

	(void)state;
	for (k = 0; k < sizeof(intervals) / sizeof(intervals[0]); k++)
		for (rep = 0; rep < 2; rep++)
			run_pair(
			    intervals[k], seed + k * 2 + (uint64_t)rep, &st);
	printf("# %ld evaluations compared, %ld decisions among them\n",
	    st.evaluations, st.decisions);
	/* the comparison saw the engine decide, not only sit idle */
	assert_true(st.decisions > 20);
}

/* Points a sized engine's sensor keeps after n s of 1 s samples. */
static int
points_after(struct eng *e, int sensor, int64_t *t_ms, int n)
{
	static struct eng_snap_sensor snap;
	struct eng_output out;
	int k;

	for (k = 0; k < n; k++) {
		*t_ms += 1000;
		feed1(e, sensor, *t_ms, 30.0 + 0.01 * (double)k);
		eng_evaluate(e, *t_ms, &out);
	}
	assert_int_equal(eng_snapshot_sensor(e, sensor, *t_ms, &snap), 0);
	return snap.n_points;
}

/* A ring is as long as its class's window needs: a sensor that changes
 * class, or whose class's window grows at a reload, gets a longer one
 * (its points kept) and then holds the whole longer window. */
static void
test_ring_follows_class(void **state)
{
	struct eng_conf conf;
	struct eng_size sz;
	struct eng *e;
	int64_t t_ms = 0;
	double cpu_w, inlet_w;
	char id[8];
	int n, i;

	(void)state;
	eng_conf_defaults(&conf);
	cpu_w = conf.cls[ENG_CLASS_CPU].trend_window_s;
	inlet_w = conf.cls[ENG_CLASS_INLET].trend_window_s;
	assert_true(inlet_w > cpu_w + 10.0);
	eng_size_defaults(&sz);
	sz.max_sensors = 8;
	sz.sample_interval_s = 1.0;
	e = eng_create_opts(&conf, &sz);
	assert_non_null(e);
	/* (a longer ring comes from what the shorter ones of the sensors
	 * added so far leave: the block keeps room for those to come) */
	for (i = 0; i < 8; i++) {
		snprintf(id, sizeof(id), "%c", 'a' + i);
		assert_int_equal(eng_sensor_add(e, id, ENG_CLASS_CPU, 90.0,
				     ENG_TRIP_CLASS_DEFAULT),
		    i);
	}
	/* the cpu window at 1 s: about cpu_w points */
	n = points_after(e, 0, &t_ms, (int)inlet_w + 30);
	assert_true(n >= (int)cpu_w && n <= (int)cpu_w + 2);
	/* now an inlet: its points kept, then the inlet window */
	assert_int_equal(eng_sensor_add(e, "a", ENG_CLASS_INLET, 40.0,
			     ENG_TRIP_CLASS_DEFAULT),
	    0);
	assert_true(points_after(e, 0, &t_ms, 1) >= n);
	n = points_after(e, 0, &t_ms, (int)inlet_w + 30);
	assert_true(n >= (int)inlet_w && n <= (int)inlet_w + 2);
	/* a reload that lengthens the cpu window lengthens cpu rings */
	conf.cls[ENG_CLASS_CPU].trend_window_s = inlet_w;
	eng_reconfigure(e, &conf);
	n = points_after(e, 1, &t_ms, (int)inlet_w + 30);
	assert_true(n >= (int)inlet_w && n <= (int)inlet_w + 2);
	eng_free(e);
}

/* The rule: the most points a window can hold at the interval (or at the
 * spacing every ring keeps), never more than ENG_TREND_CAP. */
static void
test_capacity_rule(void **state)
{
	struct eng_conf conf;
	double iv;

	(void)state;
	eng_conf_defaults(&conf);
	assert_int_equal(eng_trend_capacity(&conf, 0.0), ENG_TREND_CAP);
	assert_int_equal(eng_trend_capacity(&conf, NAN), ENG_TREND_CAP);
	assert_int_equal(eng_trend_capacity(&conf, -1.0), ENG_TREND_CAP);
	for (iv = 0.1; iv < 100.0; iv *= 1.37) {
		int cap = eng_trend_capacity(&conf, iv), c, need = 0;

		for (c = 0; c < ENG_CLASS_COUNT; c++) {
			double w = conf.cls[c].trend_window_s;
			/* the spacing: the window over 190, rounded up to
			 * a ms */
			double gap = fmax(
			    iv, ceil(w * 1000.0 / 190.0) / 1000.0);

			if ((int)(w / gap) + 1 > need)
				need = (int)(w / gap) + 1;
		}
		assert_true(cap >= need);
		assert_true(cap <= need + 3 || cap == 8);
		assert_true(cap <= ENG_TREND_CAP);
		/* six blocks of 32 at most, at any interval */
		assert_true(cap <= 192);
	}
	/* a longer window needs more */
	conf.cls[ENG_CLASS_INLET].trend_window_s = 600.0;
	assert_true(eng_trend_capacity(&conf, 5.0) > 100);
}

/* Samples closer than the engine was sized for, and a window made longer
 * than the rings: the rings keep their newest points, the engine still
 * sees a rise. */
static void
test_faster_than_sized(void **state)
{
	struct eng_conf conf;
	struct eng_size sz;
	struct eng_output out;
	struct eng_sensor_view v;
	struct eng *e;
	int t;

	(void)state;
	eng_conf_defaults(&conf);
	eng_size_defaults(&sz);
	sz.max_sensors = 1;
	sz.sample_interval_s = 10.0;
	e = eng_create_opts(&conf, &sz);
	assert_non_null(e);
	assert_true(eng_trend_points(e) < 32);
	assert_int_equal(
	    eng_sensor_add(e, "i", ENG_CLASS_INLET, 80.0, ENG_TRIP_HW), 0);
	/* 1 s samples: the ring keeps the newest ~20 s of a 0.06 C/s ramp */
	for (t = 1; t <= 300; t++) {
		feed1(e, 0, t * 1000LL, 22.0 + 0.06 * t);
		eng_evaluate(e, t * 1000LL, &out);
	}
	eng_sensor_view(e, 0, &v);
	assert_true(v.slope_c_per_s > 0.03 && v.slope_c_per_s < 0.09);
	conf.cls[ENG_CLASS_INLET].trend_window_s = 3600.0;
	eng_reconfigure(e, &conf);
	for (; t <= 400; t++) {
		feed1(e, 0, t * 1000LL, 22.0 + 0.06 * t);
		eng_evaluate(e, t * 1000LL, &out);
	}
	eng_sensor_view(e, 0, &v);
	assert_true(v.slope_c_per_s > 0.03 && v.slope_c_per_s < 0.09);
	eng_free(e);
}

static void
test_no_peers_bounded_overrides(void **state)
{
	struct eng_conf conf;
	struct eng_size sz;
	struct eng_peer p;
	struct eng_output out;
	struct eng *e;
	char err[160];

	(void)state;
	eng_conf_defaults(&conf);
	eng_size_defaults(&sz);
	sz.max_sensors = 1;
	sz.max_peers = 0;
	sz.max_overrides = 1;
	e = eng_create_opts(&conf, &sz);
	assert_non_null(e);
	memset(&p, 0, sizeof(p));
	snprintf(p.host, sizeof(p.host), "peer1");
	p.inlet_c = 30.0;
	p.t_ms = 1000;
	eng_peer_update(e, &p);
	assert_int_equal(eng_peer_count(e), 0);
	eng_evaluate(e, 1000, &out);
	assert_int_equal(out.zone_members, 0);
	assert_int_equal(eng_override_set(e, "quiet", 1, 60, "r", "a", 1000,
			     err, sizeof(err)),
	    0);
	assert_int_equal(eng_override_set(e, "inlet.warn.margin_c", 5, 60, "r",
			     "a", 1000, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "max 1"));
	eng_free(e);
	/* out of range */
	sz.max_peers = ENG_MAX_PEERS + 1;
	assert_null(eng_create_opts(&conf, &sz));
	sz.max_peers = 0;
	sz.max_overrides = -1;
	assert_null(eng_create_opts(&conf, &sz));
	/* a small table still forgets the oldest */
	sz.max_overrides = 0;
	sz.max_peers = 3;
	e = eng_create_opts(&conf, &sz);
	assert_non_null(e);
	for (int i = 0; i < 10; i++) {
		snprintf(p.host, sizeof(p.host), "peer%d", i);
		eng_peer_update(e, &p);
	}
	assert_int_equal(eng_peer_count(e), 3);
	eng_free(e);
}

/* What a simulated host's engine costs next to a default one: no peer
 * table, rings for 1 s samples. */
static void
test_memory(void **state)
{
	static const int counts[] = { 3, 4, 8 };
	struct eng_conf conf;
	struct eng_size sz;
	size_t k;

	(void)state;
	eng_conf_defaults(&conf);
	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		struct eng *full, *sim;
		size_t a, b;

		eng_size_defaults(&sz);
		sz.max_sensors = counts[k];
		full = eng_create_opts(&conf, &sz);
		sz.sample_interval_s = 1.0;
		sz.max_peers = 0;
		sim = eng_create_opts(&conf, &sz);
		assert_non_null(full);
		assert_non_null(sim);
		a = eng_memory(full);
		b = eng_memory(sim);
		printf("# %d sensors, 1 s samples: %zu bytes an engine by "
		       "default, %zu sized (no peers, %d trend points a "
		       "sensor)\n",
		    counts[k], a, b, eng_trend_points(sim));
		assert_true(eng_trend_points(sim) < ENG_TREND_CAP);
		assert_true(b + (size_t)ENG_MAX_PEERS * 100 < a);
		eng_free(full);
		eng_free(sim);
	}
}

/* Shared classes cost no memory of the engine's and decide as a copy
 * does, also after they change in place and the engine is reconfigured;
 * classes that differ from the configuration's are copied. */
static void
test_shared_classes(void **state)
{
	struct eng_conf conf, other, wider;
	struct eng_class_conf shared[ENG_CLASS_COUNT];
	struct eng_size sz;
	struct eng *own, *sh, *odd;
	struct eng_output oa, ob;
	struct rng r = { seed };
	int64_t t_ms = 0;
	int i;

	(void)state;
	eng_conf_defaults(&conf);
	memcpy(shared, conf.cls, sizeof(shared));
	eng_size_defaults(&sz);
	sz.max_sensors = NSENS;
	own = mk(&conf, &sz);
	sz.classes = shared;
	sh = mk(&conf, &sz);
	other = conf;
	other.cls[ENG_CLASS_INLET].trip_c += 1.0;
	odd = eng_create_opts(&other, &sz);
	assert_non_null(odd);
	assert_int_equal(eng_memory(own) - eng_memory(sh), sizeof(shared));
	assert_int_equal(eng_memory(odd), eng_memory(own));
	/* a reload: wider filters and longer trend windows, in place */
	wider = conf;
	for (i = 0; i < ENG_CLASS_COUNT; i++) {
		wider.cls[i].filter_window = 5;
		wider.cls[i].trend_window_s *= 1.5;
	}
	while (t_ms < 2400 * 1000) {
		t_ms += 1000;
		if (t_ms == 1200 * 1000) {
			memcpy(shared, wider.cls, sizeof(shared));
			eng_reconfigure(own, &wider);
			eng_reconfigure(sh, &conf); /* its cls not read */
		}
		for (i = 0; i < NSENS; i++) {
			double v = signal(&r, i, (double)t_ms / 1000.0, false);

			feed1(own, i, t_ms, v);
			feed1(sh, i, t_ms, v);
		}
		eng_evaluate(own, t_ms, &oa);
		eng_evaluate(sh, t_ms, &ob);
		compare_out(&oa, &ob, (long)(t_ms / 1000));
		compare_views(own, sh, (long)(t_ms / 1000));
	}
	eng_free(odd);
	eng_free(sh);
	eng_free(own);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sized_same_results),
		cmocka_unit_test(test_capacity_rule),
		cmocka_unit_test(test_ring_follows_class),
		cmocka_unit_test(test_faster_than_sized),
		cmocka_unit_test(test_no_peers_bounded_overrides),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_shared_classes),
	};

	seed = test_seed("engine_sizing");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
