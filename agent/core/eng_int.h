/*
 * eng_int.h - internals shared by the engine's source files. Not part of
 * the API: the daemon and the simulator include engine.h only.
 */
#ifndef THERMWATCH_ENG_INT_H
#define THERMWATCH_ENG_INT_H

#include <math.h>
#include <stdint.h>

#include "engine.h"

#define NO_TIME     INT64_MIN
#define LEVEL_COUNT 4   /* none, warn, migrate, shutdown */
#define TREND_MIN_N 6   /* fewer points: no slope at all */
#define DECEL_RATIO 0.9 /* settling: D2 < this x D1 */
/* Whole-degree sensors: a third's mean can be off by about this much,
 * and a rise must fit at least one step over the span to count. */
#define QUANT_C      0.3
#define QUANT_RISE_C 1.0
#define LEAD_CLEAR   1.25  /* eta must exceed lead x this */
#define LEAD_PENDING 1.1   /* a pending level holds up to this */
#define NOISE_MIN_C  0.05  /* floor of a sensor's measured noise */
#define NOISE_INIT_C 0.5   /* assumed before it is measured */
#define RHO_TAU_S    600.0 /* the sibling model learns over this */
#define RHO_MIN_S    120.0 /* ...and is used after this much */
#define EV_SMOOTH_S  10.0  /* evidence is smoothed over this */
/* The host's CPU utilisation (eng_host_busy, busy.c: busy_track): it is
 * smoothed over BUSY_IN_TAU_S (no slower than any cpu follows its power),
 * and two envelopes of it relax over BUSY_ENV_TAU_S once the cpu has
 * settled (within its noise of itself smoothed as long: they bound the
 * load the cpu still shows); a load within BUSY_TOL of where it was
 * counts as no higher. */
#define BUSY_IN_TAU_S  5.0
#define BUSY_ENV_TAU_S 300.0
#define BUSY_TOL       0.02
#define BUSY_BINS      20 /* references: by busy_lo, 0.05 wide */
/* No cpu sits more than this much further over its air at full load
 * than idle (a cpu's trip less the coolest air): the most a load
 * change of the whole range may explain. */
#define BUSY_SWING_C 80.0

/* Why a sensor sits at its level; the names end up in decision codes. */
enum cause {
	CAUSE_NONE,
	CAUSE_MARGIN,
	CAUSE_ETA,
	CAUSE_ZONE,
	CAUSE_STALE,  /* stale: a substitute from other evidence */
	CAUSE_FROZEN, /* frozen: a substitute from other evidence */
	CAUSE_IMPLAUSIBLE,
	CAUSE_COUNT
};

/* An inlet's step beyond its class's max_rate_c_per_s (confirmed by the
 * sample after it): untrusted from eng_feed() on, its own evidence taken
 * at the next evaluation, held until that evidence follows the step or
 * the reading undoes it (step.c: step_check). */
enum step {
	STEP_NONE,
	STEP_NEW,  /* seen by eng_feed, not yet by an evaluation */
	STEP_HELD, /* the host's own evidence has not followed it */
};

/* Where a substitute for an untrusted sensor comes from. */
enum evsrc {
	EV_NONE,
	EV_ZONE,  /* the zone's median inlet */
	EV_INLET, /* the host's own trusted inlets */
	EV_MODEL, /* the inlet implied by the host's exhaust and cpu */
	EV_COUNT
};

/* Running sums for a least-squares line; t in s relative to t0_ms. Their
 * count is the ring's (end - beg), not kept twice. */
struct lsq {
	double t, tt, v, tv, vv;
};

/* The line through the sums; its slope's standard error (a square root
 * and two divisions) only when asked for: lsq_se(). */
struct lsq_fit {
	bool ok;
	double n; /* the points */
	double slope;
	double tmean;
	double vmean;
	double sxx, sxy;
};

/* A point in full: its time in ms since the ring's t0_ms and its value
 * in TREND_Q steps (hwmon's millidegrees: lossless for hwmon, whose
 * values are whole millidegrees; other values round to the nearest). */
#define TREND_Q 1000.0
struct tabs {
	int32_t t;
	int32_t v;
};

/* Seconds since t0 and degrees C of a point in full (every sum and fit
 * takes these doubles: the same values wherever they are read). */
static inline double
tabs_t(struct tabs a)
{
	return (double)a.t / 1000.0;
}
static inline double
tabs_v(struct tabs a)
{
	return (double)a.v / TREND_Q;
}

/* A point of the ring, four bytes: its time and value as steps from the
 * point before it (ms and TREND_Q). A step that does not fit (a gap
 * longer than 65.534 s, a jump of more than 32.767 C between ring
 * points) is escaped: dt is TREND_ESC and dv the spill slot that holds
 * the point in full. */
#define TREND_ESC 0xffffu
struct tpoint {
	uint16_t dt;
	int16_t dv;
};

/* Sums of t and v. */
struct tsum {
	double t;
	double v;
};

/* Points per block: each block has a checkpoint with its first point in
 * full and the prefix sums just before it; the prefix sums at any point
 * are its block's checkpoint plus the block's points before it, added
 * in the same order as a running sum would add them (so the very same
 * double). A ring's capacity is a whole number of blocks. */
#define TREND_SUM_EVERY 32
struct tblock {
	struct tsum sum;
	struct tabs first;
};

/* The trend ring: points [beg, end) within the trend window, cap of
 * them at most; beg < cap, so point i is at ring[i] or ring[i - cap].
 * After the cap points, the ring's memory holds a checkpoint for every
 * TREND_SUM_EVERY of them (checkpoint k belongs to the point at
 * ring[k * TREND_SUM_EVERY] while it is in), then n_spill spill slots
 * (t INT32_MIN: free). */
struct trend {
	struct tpoint *ring;
	uint16_t cap; /* ENG_TREND_CAP at most */
	uint16_t n_spill;
	uint16_t since_rebase;
	bool evicted; /* a point left since the ring began (or reset): it
			 no longer starts at the sensor's first reading */
	uint32_t beg, end;
	/* the oldest and the newest point in full (the per-sample path
	 * and the span read no ring memory but the point evicted) */
	struct tabs first;
	struct tabs last;
	struct tsum sum_last; /* prefix sums before end (base when empty) */
	struct tsum base;     /* prefix sums just before beg */
	int64_t t0_ms;
	int64_t last_ms;
	struct lsq full;
};

/* A trend window and what follows from it (one for each class, in the
 * engine: trend_win_set()). */
struct trend_win {
	double win_s;
	int64_t win_ms;
	int64_t spacing_ms; /* trend_spacing_ms(win_s) */
};

/* The means of the three thirds (times in s, as in the ring). */
struct thirds {
	double n[3], t[3], m[3];
	double t_end;
};

enum shape { SHAPE_NONE, SHAPE_STEADY, SHAPE_SETTLING, SHAPE_ONSET };

struct pred_in {
	double value; /* filtered, now */
	double trip;
	double min_slope;
	double sigma; /* how many standard errors make a difference */
	double noise; /* the sensor's noise, C */
	double filter_window;
	double max_span;   /* s: the rise's known age (the shape is read
			      after its onset), INFINITY before one */
	double resolution; /* C: the smallest change seen (stepped_by) */
};

/* One step of a stepped sensor (a whole-degree one), C; 0 where its steps
 * are finer than its noise (dithered away). */
static inline double
stepped_by(double resolution, double noise)
{
	double step = isfinite(resolution) ? fmin(resolution, 1.0) : 0.0;

	/* below the floor of any noise: fine, without measuring it */
	if (step <= NOISE_MIN_C)
		return 0.0;
	return step > noise ? step : 0.0;
}

/* One step of a stepped sensor, C, however coarse (stepped_by holds a
 * step to a degree at most): a sensor that steps by 2 C moves a third's
 * mean, and its reading trails its true value, by up to 2 C. */
static inline double
step_of(double resolution, double noise)
{
	double step = isfinite(resolution) ? resolution : 0.0;

	if (step <= NOISE_MIN_C)
		return 0.0;
	return step > noise ? step : 0.0;
}

/* How many whole degrees a stepped sensor's step is, at least 1: the
 * quantisation allowances (QUANT_C, QUANT_RISE_C) are a whole degree's
 * and grow with a coarser step. */
static inline double
quant_scale(double resolution, double noise)
{
	return fmax(1.0, step_of(resolution, noise));
}

struct pred {
	bool rising;
	bool whole; /* read over the whole span asked for */
	/* not predict()'s (it leaves it): sensor.c update_prediction's
	 * count of readings in a row fallen from the rise's peak (in the
	 * struct's hole: struct sensor has none) */
	uint8_t fall_n;
	enum shape shape;
	double slope;     /* the significant least-squares slope, else 0 */
	double slope_now; /* the rate the predicted course starts from */
	double asym;      /* SHAPE_SETTLING: asymptote and time constant */
	double tau;
	double eta;       /* time to trip on the predicted course */
	int64_t since_ms; /* rising since at least this, or NO_TIME */
};

/* A series' noise, from second differences (which a steady rise does not
 * disturb: the variance of v[i] - 2 v[i-1] + v[i-2] is six times the
 * noise's). */
struct noise {
	double prev[2];
	int64_t prev_ms; /* when prev[0] came */
	double var;
	int32_t prev_gap; /* ms between prev[1] and prev[0]: the sensor's
			     pace, its last gap (0: none yet; INT32_MAX at
			     most) */
	int32_t n;
};

/* What the evidence said at a reference time (a substitute is the value
 * then plus how far the evidence moved since); its source (enum evsrc) is
 * the sensor's run_src or trusted_src. */
struct evref {
	double rho; /* EV_MODEL: the rho of then */
	double ev;  /* the evidence's value then */
	double v;   /* the sensor's value then */
	int64_t t_ms;
};

/*
 * One sensor. Laid out by use, without holes: first what every sample
 * touches (eng_feed: validation, filter, noise, runs, the ring), then
 * what every evaluation touches, then the rarely used (counts read by
 * views, the reason of the last rejection, the id). Enums and flags are
 * one byte each; every value that enters arithmetic keeps its type.
 * The level machine's arrays are for levels 1..3 (LVL(k) is the index
 * of level k).
 */
#define LVL(k) ((k)-1)
struct sensor {
	/* every sample */
	int64_t last_ms; /* last accepted sample, NO_TIME none */
	double last_v;
	double filtered;
	uint64_t accepted;
	double med[ENG_MAX_FILTER]; /* the median filter's window */
	uint8_t cls;                /* enum eng_class */
	uint8_t med_n;
	uint8_t med_i;
	bool removed;
	bool pending;    /* a jump awaiting confirmation */
	bool dirty;      /* new sample since the last evaluation */
	bool subst_mode; /* the ring holds the substitute, not the samples */
	bool run_new;    /* the run began after the last evaluation */
	/* a run of identical raw values */
	uint32_t run_n;
	bool frozen;
	bool implausible;
	bool stale;
	bool extrap; /* value_used is a substitute */
	double run_v;
	int64_t run_since_ms;
	double run_noise_var; /* the sensor's noise when the run began */
	double resolution;    /* smallest change seen between samples */
	/* noise: second differences of the values that feed the ring */
	struct noise nz; /* the sensor's own samples */
	struct trend tr;
	double pend_v;
	int64_t pend_ms;

	/* every evaluation: its results */
	struct pred pr;
	int64_t added_ms; /* first evaluate after add */
	double trip_c;
	double trip_used;
	double value_used; /* filtered or substitute */
	double headroom;
	double slope;
	double eta;            /* believed: drives the levels */
	double eta_proj;       /* the predicted course's, believed or not */
	int64_t rise_since_ms; /* NO_TIME: not rising */
	int64_t flat_since_ms; /* not rising since (the rise kept) */
	double rise_peak;      /* highest value since the rise began */
	double rise_v0;        /* the value where it began */
	double alarm_v0;       /* its value when the zone alarm began */
	double subst_raw;      /* the substitute from unsmoothed evidence */
	/* level machine */
	int8_t level;
	uint8_t cause;                       /* enum cause */
	bool zone_cause;                     /* eta came from the zone slope */
	uint8_t subst_src;                   /* enum evsrc */
	uint8_t cond_cause[LEVEL_COUNT - 1]; /* enum cause, by LVL(k) */
	uint8_t trip_src;                    /* enum eng_trip_src */
	/* fresh evaluations with the condition, up to UINT8_MAX (more
	 * than policy.confirm_samples can ask for) */
	uint8_t above_n[LEVEL_COUNT - 1];
	uint8_t impl_n;
	uint8_t run_src;     /* enum evsrc of run_ref */
	uint8_t trusted_src; /* enum evsrc of trusted_ref */
	uint8_t step;        /* enum step: step.c step_check */
	bool impl_above;     /* above its exhaust and cpu: check_implausible */
	int64_t above_since[LEVEL_COUNT - 1];
	int64_t clear_since[LEVEL_COUNT - 1];
	/* health */
	int64_t frozen_cond_ms; /* evidence moved, value did not, since */
	int64_t impl_cond_ms;
	struct evref run_ref;     /* when the run of identical values began */
	struct evref trusted_ref; /* last evaluation while trusted, fresh */
	/* the substitute's noise, while it has one: sensor_snz() */

	/* rarely: views, reasons, lookups (eng_prefetch_sensors() stops
	 * here) */
	uint64_t rejected;
	const char *last_reject;
	const char *id; /* in the engine's id pool (struct eng: ids) */
};

/* The peer table: dense slots, a hash of the names (open addressing,
 * slot numbers) and a list from least to most recently heard. */
struct peer {
	struct eng_peer p;
	uint32_t hash;
	int16_t prev, next;
};

/* Class settings after overrides, floor and tier are applied. */
struct eff_class {
	double trip_max; /* "<class>.trip_c" override, or INF */
	double margin[LEVEL_COUNT];
	double lead[LEVEL_COUNT];
	double sd_margin_own;   /* shutdown margin of the host's own: no
				   tier, no override that widens it */
	double sd_margin_tier;  /* the same, widened by the tier */
	double warn_margin_own; /* the config's warn margin */
	double hyst;
	int64_t persist_ms;
	int64_t hold_ms;
	int64_t stale_ms;
	double wait_fraction; /* policy.wait_fraction */
	int confirm_samples;  /* policy.confirm_samples */
};

/* One evaluation's view of the host's trusted sensors, by class. */
struct host_view {
	int n[ENG_CLASS_COUNT];
	double mean[ENG_CLASS_COUNT];   /* filtered values */
	double slope[ENG_CLASS_COUNT];  /* mean significant slope */
	double rise_s[ENG_CLASS_COUNT]; /* shortest rise among them, s */
	/* the evidence each source gives now (NAN: none) */
	double ev[EV_COUNT];
	double ev_slope[EV_COUNT];
	double ev_rise_s[EV_COUNT]; /* how long it has been rising */
	double ev_sm[EV_COUNT];     /* ev, smoothed over EV_SMOOTH_S */
};

/* An eng_conf whose class settings may be shared by many engines (see
 * eng_size.classes) rather than copied into each. */
struct eng_cfg {
	const struct eng_class_conf *cls; /* ENG_CLASS_COUNT of them */
	struct eng_policy_conf policy;
	int tier;
	char host[ENG_HOST_LEN];
};

struct eng {
	struct eng_cfg conf;
	/* bumped by every eng_reconfigure(): the settings cached in eff are
	 * for one generation of the configuration (not saved by
	 * eng_state_save, which does not cover reconfigurations) */
	uint32_t conf_gen;
	int n_sensors;
	int cap_sensors;
	int refused;            /* sensor registrations refused (table full) */
	struct sensor *sensors; /* cap_sensors of them */
	/* the noise of each sensor's substitute (sensor_snz()): written
	 * only while a sensor has one, so that its pages stay untouched on
	 * a host whose sensors are all trusted */
	struct noise *snz;
	char *ids; /* the sensors' ids one after the other, in
		      index order (cap_sensors * ENG_ID_LEN) */
	size_t ids_used;
	struct tpoint *points; /* one block for every ring (trend_bytes) */
	uint32_t ring_cap;     /* points per ring (eng_trend_capacity) */
	/* A ring holds what its class's window needs (at most ring_cap
	 * points and spill_cap slots): rings are carved from points one
	 * after the other, points_used bytes so far (cap_sensors rings of
	 * ring_bytes fit in all). */
	uint32_t spill_cap;
	size_t ring_bytes;
	uint16_t cls_cap[ENG_CLASS_COUNT];
	uint16_t cls_spill[ENG_CLASS_COUNT];
	struct trend_win cls_win[ENG_CLASS_COUNT]; /* each class's window */
	size_t points_used;
	double sample_interval_s; /* as created (eng_size) */
	int n_peers;
	int cap_peers;
	struct peer *peers; /* cap_peers of them, NULL when none */
	int16_t *peer_hash; /* hash_mask + 1 buckets */
	uint32_t hash_mask;
	int16_t lru_head, lru_tail;
	struct eng_zone_summary zone;    /* as of the last evaluation */
	struct eng_zone_summary zone_in; /* from eng_zone_set() */
	bool zone_ext;
	int n_ovr;
	int cap_ovr;
	struct eng_override *ovr; /* cap_ovr of them */
	/* Each class's settings with the overrides in force
	 * (ovr_effective_all), for zone heating or not (eff_zone): valid
	 * while eff_valid (cleared when an override is set, cleared or
	 * expires) and eff_gen is conf_gen. Saved and put back with the
	 * overrides (eng_hint.c), so that it always matches them. */
	bool eff_valid;
	bool eff_zone;
	uint32_t eff_gen;
	struct eff_class eff[ENG_CLASS_COUNT];

	enum eng_state state;
	int64_t since_ms;
	bool started;
	bool accepting;
	bool zone_alarm;
	bool zone_heating; /* quorum now, and the zone not cooling back */
	int64_t zone_since_ms;
	int64_t tier_wait_until_ms; /* waiting for less important hosts */
	int64_t zone_lost_ms;
	double zone_slope;
	double zone_from_c; /* the zone's median inlet when its alarm began
			       (NAN: none known); the alarm ends only once
			       the zone is back under it (zone.c) */
	int64_t last_eval_ms;

	/* The inlet step held (step.c: step_seen, step_check),
	 * one a host (a struct sensor has no room for it): its sensor's
	 * index + 1 (0: none), the filtered value before, the value, and
	 * the smoothed cpu and exhaust at the step (NAN: none); and the
	 * last warmer step of an inlet (up_slot: index + 1, 0 none). */
	int step_slot, up_slot;
	double step_from, step_to, step_ev[2];
	double up_from, up_to;

	/* the sibling model: inlet = exhaust - rho (cpu - exhaust) */
	double rho;
	double rho_learnt_s;
	struct host_view *hv;   /* during eval_run(): its own, on the stack
				   (rebuilt by every evaluation) */
	double ev_sm[EV_COUNT]; /* smoothed evidence, kept across calls */
	double cls_sm[ENG_CLASS_COUNT]; /* smoothed class means */
	/* the smoothed cpu and exhaust when the zone alarm began, and the
	 * rho of then (NAN outside an alarm): health_air_warmed() */
	double alarm_cpu0, alarm_exh0, alarm_rho0;
	/* the model inlet then: the higher of the smoothed one and the
	 * slow one (a load step just before reads it low) */
	double alarm_model0;
	/* the model inlet smoothed over RHO_TAU_S (model_slow_s: seconds of
	 * it, 0 none yet) */
	double model_slow, model_slow_s;
	/* load_track() (health.c): the cpu - exhaust gap (the host's load)
	 * within policy.frozen_delta_c / 2 of load_gap0 since
	 * load_since_ms, for a whole trend window: load_settled; the air
	 * warmed (health_air_warmed) since warm_since_ms (NO_TIME: not),
	 * as long and with the load settled: model_settled */
	bool load_steady, load_settled, model_settled;
	int64_t load_since_ms, warm_since_ms;
	double load_gap0;

	/* eng_host_busy(): the host's CPU utilisation in [0, 1] (NAN: not
	 * known) and when it was given (NO_TIME: never) */
	double host_busy;
	int64_t host_busy_ms;
	/* busy_track() (busy.c): busy smoothed (busy_u), its upper and
	 * lower envelopes (busy_hi, busy_lo), updated at busy_env_ms
	 * (NO_TIME: busy not known); in a zone alarm, for each bin of
	 * busy_lo (k / BUSY_BINS to (k + 1) / BUSY_BINS), the lowest
	 * smoothed cpu since it began there (busy_ref[k], NAN none) and
	 * busy_lo then (busy_ref_lo[k]), for the bins busy_bin0 to busy_bin1
	 * (those between the lowest and the highest visited; none while
	 * busy_ref_on is false);
	 * busy_warm: the cpu more than policy.frozen_delta_c plus its noise
	 * band (busy_band) above one of them taken at a load no lower than
	 * the most the cpu can show now (warmer air or lost cooling) */
	double busy_u, busy_hi, busy_lo;
	/* the smoothed cpu smoothed again over BUSY_ENV_TAU_S: an envelope
	 * relaxes only while the cpu is within its noise band of it (no
	 * longer on its way after a load change) */
	double busy_cpu_slow;
	int64_t busy_env_ms;
	float busy_ref[BUSY_BINS];
	float busy_ref_lo[BUSY_BINS];
	bool busy_ref_on;
	uint8_t busy_bin0, busy_bin1;
	double busy_by;   /* busy_warm: by how much (C), at busy_u */
	double busy_band; /* what noise alone may make of it (C) */
	bool busy_warm;
	/* busy_track(): what the load has been seen to do (busy_ceiling):
	 * for each bin of busy_lo (0.05 wide) where the cpu was seen settled
	 * (bit i of busy_seen), the smoothed cpu then (busy_set_c[i]) and
	 * busy_lo then (busy_set_lo[i]); kept while the utilisation is not
	 * known, and across a restart (snapshot.c) */
	float busy_set_c[BUSY_BINS];
	float busy_set_lo[BUSY_BINS];
	uint32_t busy_seen;
	double busy_set_band; /* the cpu's noise band then (NAN: none) */
	/* the air each level was learnt in (busy_air(); NAN unknown),
	 * smoothed as the level; bit i of busy_old: level i restored from
	 * a snapshot, not yet seen again (busy_ceiling: used lowered by as
	 * much as the air is cooler now, never raised) */
	float busy_set_air[BUSY_BINS];
	uint32_t busy_old;
	/* the envelopes restored (snapshot.c) and not yet carried on by a
	 * known utilisation: kept over an unknown one until then */
	bool busy_env_kept;

	char reason[ENG_REASON_LEN];
	int64_t reason_ms;
	/* The reason is rebuilt when what it says changes, and at most once
	 * a second while its figures move. */
	struct {
		bool valid;
		enum eng_state state;
		int worst, level, n_missing, missing, refused;
		enum cause cause;
		/* the zone alarm's words: their figures when last made */
		bool zone_words;
		int zone_signals, zone_members;
		double zone_slope;
	} rkey;
	/* conf.cls when they are not shared: the engine's own copy */
	struct eng_class_conf own_cls[];
};

/* trend.c */
/* Point i of the ring in full, for beg <= i < end. */
struct tabs trend_point(const struct trend *tr, uint32_t i);
/* The ring entry of point i (beg <= i <= end, within the capacity). */
static inline const struct tpoint *
trend_ring_at(const struct trend *tr, uint32_t i)
{
	return &tr->ring[i >= tr->cap ? i - tr->cap : i];
}
/* Points closer than this to the previous one are left out of a ring
 * for this window: the window's ms / TREND_SPAN_GAPS, rounded up, so a
 * window holds at most TREND_SPAN_GAPS spacings and a ring of
 * TREND_SPAN_GAPS + 2 points (six blocks of TREND_SUM_EVERY, below
 * ENG_TREND_CAP) spans it at any sample interval (eng_trend_capacity). */
#define TREND_SPAN_GAPS 190
int64_t trend_spacing_ms(double window_s);
/* The spill slots a ring for this window needs: one for every gap too
 * long for a step that its window can hold, and two for jumps. */
uint32_t trend_spill(double window_s, uint32_t cap);
/* The capacity of a ring that holds cap points (a whole number of
 * blocks). */
uint32_t trend_cap(uint32_t cap);
/* The memory of a ring of trend_cap(cap) points with n_spill slots (a
 * multiple of 8 bytes), and its ring in a block of such rings. */
size_t trend_bytes(uint32_t cap, uint32_t n_spill);
/* Give tr (empty, or with the points it has) a ring of trend_cap(cap)
 * points and n_spill slots at mem, trend_bytes() of it; the newest
 * points are kept, as many as fit. */
void trend_move(struct trend *tr, void *mem, uint32_t cap, uint32_t n_spill);
void trend_reset(struct trend *tr);
void trend_win_set(struct trend_win *w, double window_s);
void trend_push(
    struct trend *tr, int64_t t_ms, double value, const struct trend_win *w);
/* The line through the sums of n points (inline: it is asked every
 * evaluation, and its fit is read in place). */
static inline struct lsq_fit
lsq_solve(const struct lsq *s, double n)
{
	struct lsq_fit f = { .ok = false, .n = n };

	if (n < 3.0)
		return f;
	f.tmean = s->t / n;
	f.vmean = s->v / n;
	f.sxx = s->tt - s->t * f.tmean;
	if (f.sxx <= 1e-9)
		return f;
	f.sxy = s->tv - s->t * f.vmean;
	f.slope = f.sxy / f.sxx;
	f.ok = true;
	return f;
}
/* The points of a ring's sums (tr->full). */
static inline double
trend_n(const struct trend *tr)
{
	return (double)(tr->end - tr->beg);
}
/* The standard error of an ok fit's slope. */
double lsq_se(const struct lsq *s, const struct lsq_fit *f);
/* The time the ring's points span. */
static inline double
trend_span(const struct trend *tr)
{
	if (tr->end - tr->beg < 2)
		return 0.0;
	return tabs_t(tr->last) - tabs_t(tr->first);
}
/* The time the last n points span (the whole ring when it has fewer). */
double trend_span_last(const struct trend *tr, uint32_t n);
/* The points of the last span_s seconds in three thirds of equal count
 * (each with its real mean time); false when there are fewer than six. */
bool trend_thirds(const struct trend *tr, double span_s, struct thirds *th);

/* create.c: give sensor s the ring its class needs (when the block has
 * room: else it keeps the ring it has) */
void eng_sensor_ring(struct eng *e, struct sensor *s);

/* engine.c: eng_inlet_summary() without the host name (host[0] = 0) */
bool
inlet_summary_numbers(const struct eng *e, int64_t now_ms, struct eng_peer *p);

/* predict.c */
void predict(const struct trend *tr, const struct pred_in *in, struct pred *p);

/* health.c */
void health_begin(struct eng *e, int64_t now_ms);
void health_sensor(struct eng *e, struct sensor *s, const struct eff_class *ef,
    int64_t now_ms);
bool health_substitute(const struct eng *e, struct sensor *s, int64_t now_ms);
/* Has the air this host breathes warmed since the zone alarm began, as its
 * own cpu and exhaust show it: both, and the inlet they imply, up by more
 * than by? */
bool health_air_warmed(const struct eng *e, double by);
bool health_air_evidence(const struct eng *e);
/* busy.c: the cpu warmer than its load explains (e->busy_warm) */
void busy_track(struct eng *e, int64_t now_ms);
/* The most a cpu may read that the load now explains, C (NAN: nothing
 * learnt to bound it): busy.c */
double busy_ceiling(const struct eng *e);
/* The air a busy level is learnt in: the host's own inlets smoothed,
 * else the zone's (NAN: neither): busy.c */
double busy_air(const struct eng *e);
double sensor_noise(const struct eng *e, const struct sensor *s);
/* The noise of s's substitute (read and written only in subst_mode). */
static inline struct noise *
sensor_snz(const struct eng *e, const struct sensor *s)
{
	return &e->snz[s - e->sensors];
}
void noise_add(struct noise *n, int64_t t_ms, double v);

/* override.c */
void ovr_expire(struct eng *e, int64_t now_ms, struct eng_output *out);
/* Each class's settings with the overrides in force (zone: the zone
 * heating), from the cache when nothing changed since they were
 * computed: call ovr_expire() first. */
const struct eff_class *ovr_effective_all(struct eng *e, bool zone);
void ovr_effective(
    const struct eng *e, enum eng_class c, bool zone, struct eff_class *ef);
bool ovr_quiet(const struct eng *e);

/* zone.c */
void peers_init(struct eng *e);
bool zone_signals(const struct eng_policy_conf *pc, const struct eng_peer *q);
void zone_update(struct eng *e, int64_t now_ms, struct eng_output *out);

/* reason.c */
void
reason_sensor(char *buf, size_t len, const char *state, const struct eng *e,
    const struct sensor *s, const struct eff_class *ef, int64_t now_ms);
const char *cause_code(enum eng_action a, enum cause c);

/* sensor.c */
void sensor_eval(struct eng *e, struct sensor *s, const struct eff_class *ef,
    int64_t now_ms);

/* evaluate.c */
void eval_run(struct eng *e, int64_t now_ms, struct eng_output *out);

/* step.c: an inlet's step down beyond its class's max_rate_c_per_s, held
 * implausible until the host's cpu or exhaust follows it or the reading
 * undoes it, one a host. step_seen: eng_feed(), v the first of the two
 * samples that confirm s's jump. step_check: each evaluation, before
 * s->implausible is set from s->step; true when the step is released now
 * (the caller measures its run of one value from then on). */
void step_seen(
    struct eng *e, const struct eng_class_conf *cc, struct sensor *s, double v);
bool step_check(struct eng *e, struct sensor *s);

#endif
