/*
 * eng_int.h - internals shared by the engine's source files. Not part of
 * the API: the daemon and the simulator include engine.h only.
 */
#ifndef THERMWATCH_ENG_INT_H
#define THERMWATCH_ENG_INT_H

#include <stdint.h>

#include "engine.h"

#define NO_TIME     INT64_MIN
#define LEVEL_COUNT 4   /* none, warn, migrate, shutdown */
#define TREND_MIN_N 8   /* fewer points: no slope at all */
#define HALF_MIN_N  4   /* per half, for the shape test */
#define DECEL_RATIO 0.9 /* recent slope < this x older */
/* How much whole-degree steps can tilt a half window's line, in C: the
 * slope jitter a half window's test allows for is QUANT_C / half. */
#define QUANT_C      0.3
#define QUANT_RISE_C 1.0  /* least fitted rise over a window */
#define LEAD_CLEAR   1.25 /* eta must exceed lead x this */
#define LEAD_PENDING 1.1  /* a pending level holds up to this */

/* Why a sensor sits at its level; the names end up in decision codes. */
enum cause { CAUSE_NONE, CAUSE_MARGIN, CAUSE_ETA, CAUSE_ZONE, CAUSE_STALE };

/* Running sums for a least-squares line; t in s relative to t0_ms. */
struct lsq {
	double n, t, tt, v, tv, vv;
};

struct lsq_fit {
	bool ok;
	double slope;
	double se; /* standard error of the slope */
	double tmean;
	double vmean;
};

/* float halves the ring's cache footprint; the running sums are double
 * and are built from the stored (rounded) values, so they stay exact. */
struct tpoint {
	float t;
	float v;
};

/* The trend ring: full window [beg, end), recent half [mid, end), recent
 * quarter [qtr, end). */
struct trend {
	struct tpoint *ring; /* ENG_TREND_CAP points */
	uint32_t beg, mid, qtr, end;
	int64_t t0_ms;
	int64_t last_ms;
	double win_s; /* spacing_ms is for this window */
	int64_t spacing_ms;
	uint32_t since_rebase;
	struct lsq full;
	struct lsq rec;
	struct lsq qrt;
};

struct sensor {
	char id[ENG_ID_LEN];
	enum eng_class cls;
	double trip_c;
	enum eng_trip_src trip_src;
	bool removed;
	int64_t added_ms; /* first evaluate after add */

	/* validation */
	int64_t last_ms; /* last accepted sample, NO_TIME none */
	double last_v;
	bool pending; /* a jump awaiting confirmation */
	double pend_v;
	int64_t pend_ms;
	uint64_t accepted;
	uint64_t rejected;
	const char *last_reject;

	/* filter */
	double med[ENG_MAX_FILTER];
	int med_n;
	int med_i;
	double filtered;

	struct trend tr;

	/* results of the last evaluation */
	bool dirty; /* new sample since the last slope */
	bool stale;
	bool extrap;
	double slope;
	double raw_eta; /* own data, before zone slope */
	double eta;
	double headroom;
	double value_used; /* filtered or extrapolated */
	double trip_used;

	/* level machine */
	int level;
	enum cause cause;
	bool zone_cause; /* eta came from the zone slope */
	int64_t above_since[LEVEL_COUNT];
	int64_t clear_since[LEVEL_COUNT];
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
	double sd_margin_own; /* shutdown margin before the tier */
	double hyst;
	int64_t persist_ms;
	int64_t hold_ms;
	int64_t stale_ms;
};

struct eng {
	struct eng_conf conf;
	int n_sensors;
	int cap_sensors;
	int refused;            /* sensor registrations refused (table full) */
	struct sensor *sensors; /* cap_sensors of them */
	struct tpoint *points;  /* one block for every ring */
	int n_peers;
	struct peer peers[ENG_MAX_PEERS];
	int16_t peer_hash[ENG_PEER_HASH];
	int16_t lru_head, lru_tail;
	struct eng_zone_summary zone;    /* as of the last evaluation */
	struct eng_zone_summary zone_in; /* from eng_zone_set() */
	bool zone_ext;
	int n_ovr;
	struct eng_override ovr[ENG_MAX_OVERRIDES];

	enum eng_state state;
	int64_t since_ms;
	bool started;
	bool accepting;
	bool zone_alarm;
	int64_t zone_lost_ms;
	double zone_slope;
	char reason[ENG_REASON_LEN];
	/* The reason is rebuilt only when what it says changes: formatting
	 * it every tick would cost more than the rest of the evaluation. */
	struct {
		bool valid;
		enum eng_state state;
		int worst, level, n_missing, missing, refused;
		enum cause cause;
	} rkey;
};

/* trend.c */
void trend_reset(struct trend *tr);
void trend_push(struct trend *tr, int64_t t_ms, double value, double window_s);
struct lsq_fit lsq_solve(const struct lsq *s);
/* Eta to trip from the trend (INFINITY when not rising significantly);
 * *slope gets the significant slope or 0. */
double trend_eta(const struct trend *tr, double min_slope, double max_slope,
    double sigma, double value, double headroom, double max_lead,
    double window_s, double *slope);

/* override.c */
void ovr_expire(struct eng *e, int64_t now_ms, struct eng_output *out);
void ovr_effective(
    const struct eng *e, enum eng_class c, bool zone, struct eff_class *ef);
bool ovr_quiet(const struct eng *e);

/* zone.c */
void peers_init(struct eng *e);
bool zone_signals(const struct eng_policy_conf *pc, const struct eng_peer *q);
void zone_update(struct eng *e, int64_t now_ms, struct eng_output *out);

/* evaluate.c */
void eval_run(struct eng *e, int64_t now_ms, struct eng_output *out);

#endif
