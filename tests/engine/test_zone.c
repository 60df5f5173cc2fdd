/*
 * test_zone.c - the zone peers: the peer table against a plain model
 * (random updates, evictions of the longest silent), the zone summary
 * against a sort-based reference, the same zone alarm whether the
 * engine summarizes its own table or is handed a summary, and the alarm
 * lasting until the zone is back (not restarting with a flickering
 * quorum).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "harness.h"

static uint64_t seed;

static void
mkpeer(struct eng_peer *p, int id, struct rng *r, int64_t t_ms)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->host, sizeof(p->host), "host-%d", id);
	p->tier = (int)(rng_next(r) % (ENG_MAX_TIER + 1));
	p->inlet_c = rng_range(r, 18, 45);
	p->slope_c_per_s = rng_range(r, -0.01, 0.04);
	p->state = rng_next(r) % 5 == 0 ? ENG_STATE_CRITICAL : ENG_STATE_OK;
	p->t_ms = t_ms;
}

/* The table holds the ENG_MAX_PEERS most recently heard hosts, each once:
 * checked through the summary's member count against a model. */
static void
test_peer_table_model(void **state)
{
	enum { IDS = 700 };
	static int64_t heard[IDS];
	struct rng r = { seed ^ 0x7171 };
	struct eng_conf conf;
	struct eng_output out;
	struct eng *e;
	int step;

	(void)state;
	eng_conf_defaults(&conf);
	conf.policy.peer_stale_s = 1e6; /* nobody goes stale here */
	snprintf(conf.host, sizeof(conf.host), "host-0");
	e = eng_create(&conf);
	assert_non_null(e);
	memset(heard, 0, sizeof(heard));
	for (step = 1; step <= 20000; step++) {
		/* a working set that drifts, so evictions happen */
		int lo = (step / 40) % (IDS - 300);
		int id = lo + (int)(rng_next(&r) % 300);
		struct eng_peer p;
		int expect = 0, i;

		mkpeer(&p, id, &r, step);
		eng_peer_update(e, &p);
		if (id != 0)
			heard[id] = step;
		if (step % 997 != 0 && step != 20000)
			continue;
		/* model: the ENG_MAX_PEERS most recent distinct hosts */
		{
			int64_t cut;
			int64_t tmp[IDS];
			int n = 0;

			for (i = 0; i < IDS; i++)
				if (heard[i] > 0)
					tmp[n++] = heard[i];
			/* selection of the cut-off time */
			cut = 0;
			if (n > ENG_MAX_PEERS) {
				int j, k;

				for (j = 0; j < n; j++)
					for (k = j + 1; k < n; k++)
						if (tmp[k] > tmp[j]) {
							int64_t t = tmp[j];

							tmp[j] = tmp[k];
							tmp[k] = t;
						}
				cut = tmp[ENG_MAX_PEERS - 1];
			}
			for (i = 0; i < IDS; i++)
				if (heard[i] > 0 && heard[i] >= cut)
					expect++;
		}
		eng_evaluate(e, step, &out);
		assert_int_equal(eng_peer_count(e),
		    expect < ENG_MAX_PEERS ? expect : ENG_MAX_PEERS);
		/* no sensor: this host is no member, only peers count */
		assert_int_equal(out.zone_members, eng_peer_count(e));
	}
	eng_free(e);
}

/* Updating one host again and again keeps one entry with the latest. */
static void
test_peer_table_update(void **state)
{
	struct rng r = { seed ^ 0x7272 };
	struct eng_conf conf;
	struct eng_output out;
	struct eng *e;
	struct eng_peer p;
	int i;

	(void)state;
	eng_conf_defaults(&conf);
	snprintf(conf.host, sizeof(conf.host), "me");
	e = eng_create(&conf);
	for (i = 0; i < 1000; i++) {
		mkpeer(&p, i % 3, &r, 1000);
		p.inlet_c = 20;
		p.slope_c_per_s = i >= 997 ? 1.0 : 0.0;
		eng_peer_update(e, &p);
	}
	/* our own echo is ignored */
	snprintf(p.host, sizeof(p.host), "me");
	eng_peer_update(e, &p);
	assert_int_equal(eng_peer_count(e), 3);
	eng_evaluate(e, 2000, &out);
	assert_int_equal(out.zone_members, 3);
	assert_int_equal(out.zone_signals, 3);
	assert_true(out.zone_alarm);
	assert_true(fabs(out.zone_slope_c_per_s - 1.0) < 1e-12);
	eng_free(e);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
ref_median(double *a, int n)
{
	if (n == 0)
		return NAN;
	qsort(a, (size_t)n, sizeof(*a), cmp_double);
	return n & 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2.0;
}

/* eng_zone_summarize == a sort-based reference, for zones of every size
 * up to the sampling limit, with stale and duplicate values. */
static void
test_zone_summary_reference(void **state)
{
	static struct eng_peer peers[ENG_ZONE_SAMPLE];
	static double sig[ENG_ZONE_SAMPLE], all[ENG_ZONE_SAMPLE],
	    inl[ENG_ZONE_SAMPLE];
	struct rng r = { seed ^ 0x7373 };
	struct eng_conf conf;
	int round;

	(void)state;
	eng_conf_defaults(&conf);
	for (round = 0; round < 400; round++) {
		int n = round < 20
		    ? round
		    : (int)(rng_next(&r) % (ENG_ZONE_SAMPLE - 1));
		int64_t now = 1000000;
		struct eng_zone_summary zs;
		int i, m = 0, ns = 0, running[ENG_MAX_TIER + 1] = { 0 };
		double rise = conf.policy.zone_rise_c_per_h / 3600.0, mx = NAN;

		for (i = 0; i < n; i++) {
			mkpeer(&peers[i], i, &r,
			    rng_next(&r) % 6 == 0 ? 0 : now - 5000);
			/* ties, as whole-degree sensors make */
			if (rng_next(&r) % 3 == 0)
				peers[i].inlet_c = floor(peers[i].inlet_c);
			if (rng_next(&r) % 4 == 0)
				peers[i].slope_c_per_s = rise;
		}
		eng_zone_summarize(peers, n, now, &conf.policy, &zs);
		for (i = 0; i < n; i++) {
			const struct eng_peer *q = &peers[i];

			if (now - q->t_ms > conf.policy.peer_stale_s * 1000)
				continue;
			all[m] = q->slope_c_per_s;
			inl[m++] = q->inlet_c;
			if (!(mx >= q->inlet_c))
				mx = q->inlet_c;
			if (q->state != ENG_STATE_CRITICAL)
				running[q->tier]++;
			if (q->inlet_c >= conf.policy.zone_high_c ||
			    q->slope_c_per_s >= rise)
				sig[ns++] = q->slope_c_per_s;
		}
		assert_int_equal(zs.members, m);
		assert_int_equal(zs.signals, ns);
		assert_int_equal(zs.sampled, m);
		assert_memory_equal(zs.running, running, sizeof(running));
		assert_true(
		    zs.slope_c_per_s == (ns ? ref_median(sig, ns) : 0.0));
		assert_true(
		    zs.median_slope_c_per_s == (m ? ref_median(all, m) : 0.0));
		if (m == 0) {
			assert_true(isnan(zs.inlet_median_c));
			assert_true(isnan(zs.inlet_max_c));
		} else {
			assert_true(zs.inlet_median_c == ref_median(inl, m));
			assert_true(zs.inlet_max_c == mx);
		}
	}
}

/* A zone larger than ENG_ZONE_SAMPLE: counts are exact, the medians come
 * from an even sample and stay between the quartiles. */
static void
test_zone_summary_large(void **state)
{
	enum { N = 5000 };
	static struct eng_peer peers[N];
	struct rng r = { seed ^ 0x7474 };
	struct eng_conf conf;
	struct eng_zone_summary zs;
	int i;

	(void)state;
	eng_conf_defaults(&conf);
	for (i = 0; i < N; i++) {
		mkpeer(&peers[i], i, &r, 1000);
		peers[i].inlet_c = 20.0 + 10.0 * i / N; /* median 25 */
	}
	eng_zone_summarize(peers, N, 2000, &conf.policy, &zs);
	assert_int_equal(zs.members, N);
	assert_true(zs.sampled <= ENG_ZONE_SAMPLE);
	assert_true(zs.sampled >= ENG_ZONE_SAMPLE / 2);
	assert_true(zs.inlet_median_c > 22.5 && zs.inlet_median_c < 27.5);
	assert_true(zs.inlet_max_c == peers[N - 1].inlet_c);
}

/* The zone alarm is the same whether the engine summarizes its own peer
 * table or is handed the summary of the same peers. */
static void
test_zone_set_equivalent(void **state)
{
	struct rng r = { seed ^ 0x7575 };
	int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		struct eng_peer peers[40];
		struct eng_conf conf;
		struct eng_output a, b;
		struct eng_zone_summary zs;
		struct eng *e1, *e2;
		int n = (int)(rng_next(&r) % 40), i;
		int64_t now = 100000;

		eng_conf_defaults(&conf);
		conf.policy.zone_quorum_count = 1 + (int)(rng_next(&r) % 3);
		e1 = eng_create(&conf);
		e2 = eng_create(&conf);
		for (i = 0; i < n; i++) {
			mkpeer(&peers[i], i, &r, now - 1000);
			eng_peer_update(e1, &peers[i]);
		}
		eng_zone_summarize(peers, n, now, &conf.policy, &zs);
		eng_zone_set(e2, &zs);
		eng_evaluate(e1, now, &a);
		eng_evaluate(e2, now, &b);
		assert_int_equal(a.zone_members, b.zone_members);
		assert_int_equal(a.zone_signals, b.zone_signals);
		assert_int_equal(a.zone_alarm, b.zone_alarm);
		assert_true(a.zone_slope_c_per_s == b.zone_slope_c_per_s);
		assert_int_equal(a.state, b.state);
		/* an old summary counts as no peers */
		eng_evaluate(e2,
		    now + (int64_t)(conf.policy.peer_stale_s * 1000) + 1, &b);
		assert_int_equal(b.zone_members, 0);
		/* and NULL goes back to the (now stale) table */
		eng_zone_set(e2, NULL);
		eng_evaluate(e2, now + 1, &b);
		assert_int_equal(b.zone_members, 0);
		eng_free(e1);
		eng_free(e2);
	}
}

static bool
quorum(const struct eng_conf *conf, const struct eng_output *o)
{
	return o->zone_members > 0 &&
	    o->zone_signals >= conf->policy.zone_quorum_count &&
	    o->zone_signals >=
	    conf->policy.zone_quorum_fraction * o->zone_members;
}

/* n peers at inlet c (spread +-0.5 C) rising s C/s (+-10 %), summarized
 * and handed to e at now. */
static void
hand_zone(struct eng *e, const struct eng_conf *conf, struct rng *r, int n,
    double c, double s, int64_t now)
{
	struct eng_peer p[64];
	struct eng_zone_summary zs;
	int i;

	for (i = 0; i < n; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		snprintf(p[i].host, sizeof(p[i].host), "host-%d", i);
		p[i].tier = i % (ENG_MAX_TIER + 1);
		p[i].inlet_c = c + rng_range(r, -0.5, 0.5);
		p[i].slope_c_per_s = s * rng_range(r, 0.9, 1.1);
		p[i].state = ENG_STATE_OK;
		p[i].t_ms = now;
	}
	eng_zone_summarize(p, n, now, &conf->policy, &zs);
	eng_zone_set(e, &zs);
}

/*
 * A zone heating at about policy.zone_rise_c_per_h gains and loses its
 * quorum: the alarm starts once and holds, however long the quorum stays
 * lost, while the zone stays above where it stood when the alarm began;
 * it ends zone_hold_s after the quorum once the zone cools back fast (a
 * repair) or is back under that level, and at once after the hold when
 * no peer is heard (nothing to compare).
 */
static void
test_zone_alarm_until_back(void **state)
{
	struct rng r = { seed ^ 0x2b2b };
	int round;

	(void)state;
	for (round = 0; round < 60; round++) {
		struct eng_conf conf;
		struct eng_output o;
		struct eng *e;
		int n = 8 + (int)(rng_next(&r) % 40), k, starts = 0, end;
		double rise, c = rng_range(&r, 22, 30);
		int64_t now = 0, hold, lost = -1, t_end;
		double c0 = NAN;
		bool was = false;

		eng_conf_defaults(&conf);
		/* the rate only: no inlet is "high" */
		conf.policy.zone_high_c = 100;
		rise = conf.policy.zone_rise_c_per_h / 3600.0;
		hold = (int64_t)(conf.policy.zone_hold_s * 1000);
		e = eng_create(&conf);
		assert_non_null(e);
		/* 1 h of a rate that hovers about the "rising" one: 5 to 10
		 * min over it, as long under it, the zone always warming */
		for (k = 0; k < 360; k++) {
			double s = (k / 45) % 2 == 0 ? rng_range(&r, 1.05, 1.3)
						     : rng_range(&r, 0.5, 0.95);

			now += 10000;
			c += s * rise * 10;
			hand_zone(e, &conf, &r, n, c, s * rise, now);
			eng_evaluate(e, now, &o);
			if (o.zone_alarm && !was && starts++ == 0)
				c0 = c;
			was = o.zone_alarm;
			lost = quorum(&conf, &o) ? -1 : lost < 0 ? now : lost;
		}
		assert_true(was);
		assert_int_equal(starts, 1);
		/* the end: a repair (cooling back at twice the rising rate),
		 * back under the start at a crawl, or no peer heard */
		end = round % 3;
		t_end = now;
		for (k = 0; k < 1440; k++) {
			now += 10000;
			if (end == 0)
				c -= 2 * rise * 10;
			else if (end == 1)
				c -= 0.5 * rise * 10;
			hand_zone(e, &conf, &r, end == 2 ? 0 : n, c,
			    end == 0 ? -2 * rise : -0.5 * rise, now);
			eng_evaluate(e, now, &o);
			lost = quorum(&conf, &o) ? -1 : lost < 0 ? now : lost;
			if (!o.zone_alarm)
				break;
		}
		assert_false(o.zone_alarm);
		assert_true(lost >= 0);
		/* never before the hold */
		assert_true(now - lost >= hold);
		/* the repair and the silence: as soon as the hold allows */
		if (end != 1)
			assert_true(
			    now <= (lost + hold > t_end ? lost + hold : t_end) +
				10000);
		/* the crawl: not before the zone is back where it began (the
		 * medians of peers spread +-0.5 C, then and now) */
		if (end == 1)
			assert_true(c <= c0 + 1.0);
		eng_free(e);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_table_model),
		cmocka_unit_test(test_peer_table_update),
		cmocka_unit_test(test_zone_summary_reference),
		cmocka_unit_test(test_zone_summary_large),
		cmocka_unit_test(test_zone_set_equivalent),
		cmocka_unit_test(test_zone_alarm_until_back),
	};

	seed = test_seed("engine_zone");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
