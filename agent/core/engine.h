/*
 * engine.h - thermwatch policy engine (pure: no I/O, no globals, no clock,
 * no allocation after eng_create()).
 *
 * The daemon, the simulator and the tests all drive this same code:
 *
 *	e = eng_create(&conf);                  once, at start
 *	idx = eng_sensor_add(e, "chip/label", ENG_CLASS_CPU, 98.0, ENG_TRIP_HW);
 *	every tick:
 *		eng_feed(e, &reading)		each reading since the last tick
 *		eng_peer_update(e, &peer)	each zone peer summary received
 *		eng_evaluate(e, now_ms, &out)
 *		act on out.decisions[], log out.reason when out.changed
 *	eng_free(e)
 *
 * Temperatures are in degrees Celsius (double), times are monotonic
 * milliseconds (int64_t) supplied by the caller, durations in config are
 * seconds (double).
 */
#ifndef THERMWATCH_ENGINE_H
#define THERMWATCH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENG_MAX_SENSORS   128  /* capacity of eng_create() */
#define ENG_SENSORS_LIMIT 4096 /* largest capacity of eng_create_sized() */
#define ENG_MAX_PEERS     256
#define ENG_MAX_OVERRIDES 32
#define ENG_MAX_DECISIONS 8
#define ENG_ID_LEN        96
#define ENG_REASON_LEN    256
#define ENG_MAX_TIER      9
#define ENG_MAX_FILTER    9   /* largest median filter window */
#define ENG_TREND_CAP     256 /* points kept per sensor for the trend */
#define ENG_KEY_LEN       48
#define ENG_HOST_LEN      64
#define ENG_ZONE_SAMPLE   1024 /* members a zone median looks at */

enum eng_class {
	ENG_CLASS_CPU,
	ENG_CLASS_INLET,
	ENG_CLASS_EXHAUST,
	ENG_CLASS_OTHER,
	ENG_CLASS_COUNT
};

/* Host states. CRITICAL is final for the life of the engine (one boot). */
enum eng_state {
	ENG_STATE_OK,
	ENG_STATE_WARN,
	ENG_STATE_HOT,
	ENG_STATE_CRITICAL,
	ENG_STATE_DEGRADED,
	ENG_STATE_COUNT
};

/* Where a sensor's trip point comes from. */
enum eng_trip_src {
	ENG_TRIP_HW,     /* hardware limit (hwmon crit/emergency, BMC UC/UNR) */
	ENG_TRIP_CONFIG, /* sensors = ( { trip_c = ... } ) */
	ENG_TRIP_CLASS_DEFAULT /* classes.<class>.trip_c */
};

/* Quality of one sample, as the source saw it. */
enum eng_quality {
	ENG_Q_OK,
	ENG_Q_UNAVAILABLE, /* "reading unavailable", read error, no value */
	ENG_Q_FAULT        /* hardware fault flag set */
};

/* Which policy drives the decisions (the simulator compares them). */
enum eng_policy_kind {
	ENG_POLICY_THERMWATCH, /* the full engine */
	ENG_POLICY_STATIC,     /* plain thresholds, no trend, no persistence */
	ENG_POLICY_NONE        /* never decides anything */
};

enum eng_action {
	ENG_ACT_NOTIFY,   /* state changed: tell people */
	ENG_ACT_MIGRATE,  /* move load away */
	ENG_ACT_SHUTDOWN, /* graceful shutdown now */
	ENG_ACT_HOLD      /* keep (or stop) accepting load, no action */
};

/* One level: entered when headroom <= margin_c, or eta <= lead_s. */
struct eng_level {
	double margin_c;
	double lead_s;
};

struct eng_class_conf {
	double trip_c;      /* default trip when the hardware has none */
	double min_valid_c; /* physical range; outside = rejected */
	double max_valid_c;
	double max_rate_c_per_s;   /* faster jumps need confirmation */
	double filter_window;      /* samples in the median filter (odd) */
	double trend_window_s;     /* least-squares window */
	double min_slope_c_per_s;  /* slopes below this are "not rising" */
	struct eng_level warn;     /* warn.lead_s: warn eta_s */
	struct eng_level migrate;  /* migrate.lead_s: migrate_lead_s */
	struct eng_level shutdown; /* shutdown.lead_s: shutdown_lead_s */
	double hysteresis_c;
	double persist_s;          /* a level must hold this long to enter */
	double hold_s;             /* ...and be clear this long to leave */
	double stale_s;            /* no valid sample for this long = stale */
	double worst_slew_c_per_s; /* assumed rise of a stale sensor when hot */
	/* added by the engine */
	double max_trend_c_per_s; /* eta uses at most this slope; 0 = no cap
				     (a cpu rising faster follows its load
				     and settles) */
};

struct eng_policy_conf {
	enum eng_policy_kind kind;
	double shutdown_safety_factor; /* shutdown lead is multiplied by this */
	double floor_margin_c;  /* shutdown level never above trip - this */
	bool stale_extrapolate; /* extrapolate stale sensors when hot */
	double max_override_ttl_s;
	/* zone alarm */
	int zone_quorum_count;
	double zone_quorum_fraction;
	double zone_rise_c_per_h; /* inlet slope that counts as "rising" */
	double zone_high_c;       /* inlet value that counts as "high" */
	double peer_stale_s;
	double tier_lead_factor; /* extra lead per tier step below top */
	/* added by the engine */
	double trend_sigma;         /* slope must exceed this many std errors */
	double sentinel_near_c;     /* a sentinel value is believed only
				       this close to the filtered value */
	double min_shutdown_lead_s; /* overrides cannot lower shutdown lead
				       below this */
	double zone_hold_s;         /* zone alarm ends after quorum is lost
				       for this long */
	/* overrides (override.h): how far one may tighten the shutdown side */
	double override_max_tighten_c;   /* shutdown level down at most this */
	double override_max_lead_factor; /* shutdown lead x this at most */
	/* how evidence is weighed (thermwatch.conf(5), EVIDENCE) */
	double wait_fraction;       /* persistence never longer than this
				       fraction of the time left to trip */
	int confirm_samples;        /* independent samples that confirm a
				       level (the first one included) */
	double horizon_factor;      /* a rise is extrapolated at most this
				       many times as far ahead as it has
				       been seen to last */
	double frozen_delta_c;      /* the evidence moved this much while a
				       sensor repeated one value: frozen */
	double sibling_tolerance_c; /* an inlet this much hotter than
				       its host's exhaust and cpu is
				       implausible */
};

struct eng_conf {
	struct eng_class_conf cls[ENG_CLASS_COUNT];
	struct eng_policy_conf policy;
	int tier;                /* this host's tier, 0 = most important */
	char host[ENG_HOST_LEN]; /* this host; peers with this name are
				    ignored (our own echo) */
};

struct eng_reading {
	int sensor;   /* index from eng_sensor_add() */
	int64_t t_ms; /* monotonic time of the sample */
	double value_c;
	enum eng_quality quality;
};

/* What the engine currently thinks of one sensor. */
enum eng_sensor_status {
	ENG_SENSOR_NEW, /* no valid sample yet */
	ENG_SENSOR_VALID,
	ENG_SENSOR_STALE,
	ENG_SENSOR_REMOVED
};

struct eng_sensor_view {
	const char *id;
	enum eng_class cls;
	double trip_c;
	enum eng_trip_src trip_src;
	enum eng_sensor_status status;
	double value_c;       /* last accepted raw value */
	double filtered_c;    /* NAN before the first valid sample */
	double slope_c_per_s; /* 0 when not significant */
	double eta_s;         /* seconds to trip; INFINITY when not rising */
	double headroom_c;    /* trip - filtered */
	int level;            /* 0 none, 1 warn, 2 migrate, 3 shutdown */
	bool extrapolated;    /* not trusted: value_used comes from other
				 evidence (see substitute_c) */
	uint64_t accepted;
	uint64_t rejected;
	const char *last_reject; /* reason of the last rejection, or NULL */
	/* how the engine reads it (thermwatch.conf(5), EVIDENCE) */
	bool frozen;      /* repeats one value while its evidence moved */
	bool implausible; /* an inlet above its host's exhaust and cpu */
	double rising_s;  /* seen rising for this long; 0 when not */
	double slope_now_c_per_s; /* the rate its predicted course starts
				     from */
	double asymptote_c;     /* settling: where it is going; NAN otherwise */
	double tau_s;           /* settling: its time constant; NAN otherwise */
	double eta_projected_s; /* the predicted course's time to trip,
				   believed (eta_s) or not yet */
	double noise_c;         /* measured noise of its samples */
	double value_used_c;    /* what the levels use: filtered_c, or the
				   substitute when not trusted */
	const char *evidence;   /* where a substitute comes from: "zone",
				   "inlet", "model"; NULL when none */
};

/* A zone peer's inlet summary, as received (t_ms is local receive time). */
struct eng_peer {
	char host[ENG_HOST_LEN];
	int tier;
	double inlet_c;
	double slope_c_per_s;
	enum eng_state state;
	int64_t t_ms;
};

/*
 * A zone in numbers: what the zone alarm, the zone slope and the tier
 * order are decided from. Made by eng_zone_summarize() from peer
 * summaries that are fresh (received within policy.peer_stale_s of
 * now_ms); the engine makes its own from its peer table, or takes one
 * from the caller (eng_zone_set).
 */
struct eng_zone_summary {
	int64_t t_ms;         /* when it was made (the caller's monotonic ms) */
	int members;          /* fresh summaries counted */
	int signals;          /* of which inlet rising or high (the quorum) */
	double slope_c_per_s; /* median slope of the signalling
				 members; 0 when none */
	double median_slope_c_per_s;   /* median slope of all members */
	double inlet_median_c;         /* NAN when no member */
	double inlet_max_c;            /* NAN when no member */
	int running[ENG_MAX_TIER + 1]; /* members not critical, by tier */
	int sampled;                   /* members the medians looked at (at most
					  ENG_ZONE_SAMPLE, spread over the zone) */
	bool self_included; /* set by the caller when the receiving host's
			       own summary is among the peers summarized */
};

/*
 * Decision codes (static strings):
 *	NOTIFY		state.ok state.warn state.hot state.critical
 *			state.degraded
 *	MIGRATE		migrate.margin migrate.eta migrate.zone migrate.stale
 *	SHUTDOWN	shutdown.margin shutdown.eta shutdown.zone
 *			shutdown.stale
 *	HOLD		hold.stop hold.resume
 * The suffix says what put the worst sensor at its level: headroom under
 * the margin, its own eta, the zone's slope, or extrapolation while stale.
 * Order within one output: NOTIFY, HOLD, MIGRATE, SHUTDOWN. "quiet" drops
 * NOTIFY and MIGRATE (counted in n_suppressed), never SHUTDOWN or HOLD.
 */
struct eng_decision {
	enum eng_action action;
	const char *code;            /* machine code, e.g. "shutdown.eta" */
	char reason[ENG_REASON_LEN]; /* names sensor, value, level, eta */
	int sensor;                  /* -1 when not about one sensor */
	double value_c;
	double trip_c;
	double eta_s;
};

struct eng_output {
	enum eng_state state;
	enum eng_state prev_state;
	bool changed;                /* state changed in this evaluation */
	char reason[ENG_REASON_LEN]; /* why the state is what it is, with
					the figures from when that arose;
					frozen once critical (a string:
					the bytes after its end are not
					written) */
	int64_t since_ms;            /* when the current state was entered */
	double eta_s;                /* host-wide shortest eta */
	int worst_sensor;            /* -1 if none */
	bool zone_alarm;
	bool accepting_load;
	int n_decisions;
	struct eng_decision decisions[ENG_MAX_DECISIONS];
	int n_suppressed;          /* decisions dropped by "quiet" */
	int zone_members;          /* fresh peers + this host */
	int zone_signals;          /* of which inlet rising or high */
	double zone_slope_c_per_s; /* median slope of the signalling ones */
	int sensors_refused;       /* eng_sensor_add() calls refused for
				      want of capacity, ever */
	int n_expired;             /* overrides that expired in this call */
	char expired[ENG_MAX_OVERRIDES][ENG_KEY_LEN];
};

struct eng_override {
	char key[ENG_KEY_LEN]; /* e.g. "cpu.shutdown.margin_c", "quiet" */
	double value;
	int64_t expires_ms; /* monotonic */
	char reason[128];
	char author[64];
};

struct eng;

/* Defaults for every class and the policy (documented in thermwatch.conf(5)).
 */
void eng_conf_defaults(struct eng_conf *conf);
/* Check a configuration for consistency; 0 or -1 with a message in err. */
int eng_conf_validate(const struct eng_conf *conf, char *err, size_t errlen);

/* An engine for up to ENG_MAX_SENSORS sensors; NULL when out of memory. */
struct eng *eng_create(const struct eng_conf *conf);
/* The same for up to max_sensors (1..ENG_SENSORS_LIMIT) sensors: all the
 * memory is taken here, none later. NULL when out of memory or when
 * max_sensors is out of range. */
struct eng *eng_create_sized(const struct eng_conf *conf, int max_sensors);

/*
 * What an engine is sized for, when its caller knows what it needs (the
 * simulator holds thousands of engines):
 *
 *	struct eng_size sz;
 *	eng_size_defaults(&sz);		what eng_create() takes
 *	sz.max_sensors = 3;
 *	sz.sample_interval_s = 1.0;	sensors sampled every second
 *	sz.max_peers = 0;		zone summaries by eng_zone_set()
 *	e = eng_create_opts(&conf, &sz);
 *
 * sample_interval_s is the shortest time between two samples of one
 * sensor (a lower bound: a timer that may fire a little early gives a
 * little less; 0 = unknown). Each sensor's trend ring then holds the
 * points that its class's trend window can hold at that interval
 * (eng_trend_capacity(conf, sample_interval_s) is the most of any class,
 * ENG_TREND_CAP at most). Every result is the same as with full rings. A
 * sensor that changes class, or an eng_reconfigure() to a longer window,
 * gets a longer ring (up to eng_trend_capacity() at creation) while the
 * shorter rings of the sensors added so far leave room for it. Samples
 * closer together than that, or windows longer still, still work: the
 * ring then keeps only its newest points (a shorter window).
 *
 * A trend point takes four bytes (and 24 for every 32, and 8 for each
 * gap longer than 65.534 s that the window can hold, and two more): a
 * trend keeps times to the ms and values to 0.001 C, so hwmon's values
 * (whole millidegrees) exactly and others rounded to the nearest
 * millidegree; its sums are exact sums of those values. A ring with more
 * jumps of over 32.767 C between successive points than that lets its
 * oldest points go early.
 *
 * max_peers (0..ENG_MAX_PEERS) is the size of the peer table; with 0
 * there is none and eng_peer_update() ignores every summary.
 * max_overrides (0..ENG_MAX_OVERRIDES) bounds eng_override_set().
 * NULL when out of memory or when a figure is out of range.
 */
struct eng_size {
	int max_sensors;          /* 1..ENG_SENSORS_LIMIT */
	double sample_interval_s; /* > 0: rings sized to it; 0: full rings */
	int max_peers;            /* 0..ENG_MAX_PEERS */
	int max_overrides;        /* 0..ENG_MAX_OVERRIDES */
	/* NULL: the engine copies conf->cls. Else ENG_CLASS_COUNT class
	 * settings equal to conf->cls that the engine reads from here
	 * instead of keeping a copy (the simulator's engines share one):
	 * they must outlive the engine, and change only in place followed
	 * by eng_reconfigure() of every engine that shares them (which then
	 * reads them, not its conf->cls). Not equal to conf->cls: copied. */
	const struct eng_class_conf *classes;
};
void eng_size_defaults(struct eng_size *sz);
struct eng *
eng_create_opts(const struct eng_conf *conf, const struct eng_size *sz);
/* Trend points per sensor for this configuration and sample interval. */
int eng_trend_capacity(const struct eng_conf *conf, double sample_interval_s);
/* The engine's trend points per sensor (the most, for the longest
 * window), and the bytes it allocated (the slots of sensors not
 * registered yet, and what shorter rings leave, are never touched:
 * allocated, but not resident). */
int eng_trend_points(const struct eng *e);
size_t eng_memory(const struct eng *e);

void eng_free(struct eng *e);
/* Swap in a new configuration, keeping sensors, history, state and overrides
 * (an engine that shares its classes, eng_size.classes, keeps reading
 * those: conf->cls is then not used). */
void eng_reconfigure(struct eng *e, const struct eng_conf *conf);

/* Register a sensor; returns its index, or -1 when the engine already has
 * eng_sensor_capacity() sensors (each refusal is counted: the output's
 * sensors_refused, and the host is degraded while any was refused).
 * Registering an id again returns the existing index and updates
 * class/trip. */
int eng_sensor_add(struct eng *e, const char *id, enum eng_class cls,
    double trip_c, enum eng_trip_src trip_src);
/* The sensor is gone (chip removed): it counts as missing, never as a reason
 * to shut down by itself. */
void eng_sensor_remove(struct eng *e, int sensor);
int eng_sensor_count(const struct eng *e);
int eng_sensor_capacity(const struct eng *e);
int eng_sensor_find(const struct eng *e, const char *id);
void
eng_sensor_view(const struct eng *e, int sensor, struct eng_sensor_view *v);

/* Feed one sample. Cheap: validation, filter and trend update only. */
void eng_feed(struct eng *e, const struct eng_reading *r);
/* A peer's summary: O(1) (hash on the host name). The table keeps
 * ENG_MAX_PEERS hosts (eng_size.max_peers); when full, the one heard from
 * longest ago makes room. Summaries with this host's own name are
 * ignored. */
void eng_peer_update(struct eng *e, const struct eng_peer *p);
/*
 * Zone summaries for callers that hold many hosts (the simulator): one
 * O(n) pass over n peer summaries (stale ones, by now_ms and
 * policy.peer_stale_s, are left out), then the same summary for every
 * engine in the zone:
 *
 *	eng_zone_summarize(peers, n, now_ms, &conf.policy, &zs);
 *	zs.self_included = true;	(each host's own summary is in peers)
 *	for each engine of the zone: eng_zone_set(e, &zs);
 *
 * Once set, eng_evaluate() uses the last summary given instead of the
 * peer table (a summary older than peer_stale_s counts as no peers);
 * eng_zone_set(e, NULL) goes back to the table. When self_included is
 * false the engine adds its own inlet summary to the counts.
 */
void eng_zone_summarize(const struct eng_peer *peers, int n, int64_t now_ms,
    const struct eng_policy_conf *pc, struct eng_zone_summary *zs);
void eng_zone_set(struct eng *e, const struct eng_zone_summary *zs);
/*
 * The host's CPU utilisation: the share of all its CPUs' time spent busy
 * over the interval that ends at now_ms, in [0, 1]; NAN when it is not
 * known (the caller cannot read it). The host's own measure of its load,
 * beside the sensors: a cpu that warms more than its load explains is
 * warmer air. Call at most once per tick, before eng_evaluate(); a value
 * older than the class's stale_s counts as unknown.
 */
void eng_host_busy(struct eng *e, int64_t now_ms, double busy);
/* Decide. Call once per tick after feeding. */
void eng_evaluate(struct eng *e, int64_t now_ms, struct eng_output *out);
/*
 * Cache hints for a caller that feeds and evaluates many engines in turn
 * (prefetch.c): each step reads only memory the step before hinted, so
 * issue them a few engines ahead of the one being evaluated (the object
 * of the engine three ahead, the sensors of the one two ahead, the ring
 * points of the next). They change nothing; NULL is ignored.
 */
void eng_prefetch_object(const struct eng *e);
void eng_prefetch_sensors(const struct eng *e);
void eng_prefetch_points(const struct eng *e);
/*
 * An engine's state saved and put back in place (eng_hint.c), for a
 * caller that runs engines ahead speculatively and may have to undo it:
 * eng_state_save() writes eng_state_size() bytes to buf, what feeding
 * readings and evaluating at times from from_ms to until_ms (and
 * eng_zone_set()) can change; eng_state_restore() puts them back into
 * the same engine, which must not have had sensors added, its
 * configuration or overrides set, or readings or evaluations outside
 * that span in between.
 */
size_t eng_state_size(const struct eng *e, int64_t from_ms, int64_t until_ms);
void eng_state_save(
    const struct eng *e, int64_t from_ms, int64_t until_ms, void *buf);
void eng_state_restore(struct eng *e, const void *buf);

/* This host's own inlet summary, for publishing to zone peers.
 * Returns false when there is no valid inlet sensor. */
bool eng_inlet_summary(const struct eng *e, int64_t now_ms, struct eng_peer *p);

/*
 * Overrides. ttl_s is required (> 0, <= policy.max_override_ttl_s).
 * Returns 0 when applied as asked, 1 when applied but clamped (err says
 * how), -1 when refused (err says why).
 */
int eng_override_set(struct eng *e, const char *key, double value, double ttl_s,
    const char *reason, const char *author, int64_t now_ms, char *err,
    size_t errlen);
int eng_override_clear(struct eng *e, const char *key);
int eng_override_count(const struct eng *e);
const struct eng_override *eng_override_get(const struct eng *e, int i);

/* Current host state (as of the last eng_evaluate). */
enum eng_state eng_state(const struct eng *e);
int eng_peer_count(const struct eng *e);

/*
 * Override keys: "quiet" (value != 0: no notify/migrate decisions, never
 * affects shutdown), "<class>.trip_c" (may only lower a sensor's trip),
 * "<class>.<level>.margin_c" and "<class>.<level>.lead_s" with <class> one
 * of cpu, inlet, exhaust, other and <level> one of warn, migrate, shutdown.
 * Returns true and fills the bounds of an accepted value when key is valid;
 * eng_override_key_valid() gives the bounds under the default config,
 * eng_override_bounds() under the engine's own (floor, min lead, trips).
 */
bool eng_override_key_valid(const char *key, double *min, double *max);
bool eng_override_bounds(
    const struct eng *e, const char *key, double *min, double *max);

/*
 * Snapshots, for a state file across a restart (no blind start): what
 * the engine has learnt of each sensor (a thinned copy of its recent
 * trend, its noise and resolution, the rise it is in) and of the host
 * (the exhaust/cpu model of its inlet; the zone alarm's references and
 * the load tracking, version 2). Times are ages, in ms before the
 * snapshot.
 *
 *	at exit, or every minute:
 *		eng_snapshot_host(e, now_ms, &h); for each sensor i:
 *		eng_snapshot_sensor(e, i, now_ms, &s[i]);   (0, or -1)
 *	at start, after registering the sensors, before the first sample:
 *		eng_restore_host(e, &h, now_ms, gap_ms);
 *		for each saved sensor: eng_restore_sensor(e, &s[i], now_ms,
 *		    gap_ms);
 *
 * gap_ms is how long the agent was down (the wall clock's difference
 * between the save and now). A sensor is restored only by its id, into a
 * registered sensor of the same class that has no sample yet (the index,
 * or -1); points older than the trend window and a rise across a gap of
 * more than a third of it are dropped.
 *
 * The host: rho always (version 1 and 2). The zone alarm's references
 * (where the host's cpu, exhaust and model inlet stood when the alarm
 * began) only when the alarm could not have ended while the agent was
 * down: the gap and the time its quorum had been lost at the snapshot
 * together shorter than policy.zone_hold_s. The new engine does not take
 * the zone alarm back from the snapshot: it comes back from the peers,
 * and when none is in force at the first evaluation the references go.
 * The load tracking (how long the cpu - exhaust gap has held, and the
 * air warmed) across a gap of less than a third of the longer of the cpu
 * and exhaust trend windows, as a rise; the warming only with the
 * alarm's references. The busy references of a zone alarm
 * (eng_host_busy) are not kept.
 *
 * The host (version 4): the cpu levels the load has been seen settled at
 * (busy.c: what a load explains of a cpu's rise), each with the air it
 * was learnt in, from any earlier boot and after any gap: a level is
 * used only while the air is known and then lowered by as much as the
 * air is cooler now than then, never raised (one learnt in cooler air
 * explains less than the load would now: on the safe side); a level the
 * cpu is seen settled at again is learnt afresh. The utilisation's
 * envelopes (the load the cpu may still show) only from this boot across
 * a gap of less than a third of the cpu's trend window, as a rise; else
 * they start afresh (nothing bounded until they close in).
 *
 * A sensor (version 3): the run of one raw value it is in, with where its
 * evidence stood when the run began (found frozen or not yet), its last
 * trusted reference, and the inlet step down it is held implausible for
 * (one a host: not into an engine that holds one), across a gap of less
 * than a third of its class's trend window, as a rise: a frozen sensor
 * stays untrusted after the restart. Its value when the zone alarm began
 * only with the alarm's references (eng_restore_host first). A snapshot
 * of version 2 has none of them (has_run and step_held false).
 */
#define ENG_SNAP_VERSION 4
#define ENG_SNAP_POINTS  ENG_TREND_CAP
#define ENG_SNAP_BUSY    20 /* the busy levels' bins, 0.05 of load wide */

struct eng_snap_sensor {
	char id[ENG_ID_LEN];
	int cls;             /* enum eng_class */
	double noise_c;      /* measured noise */
	double resolution_c; /* smallest change seen; 0 unknown */
	bool has_value;
	int64_t last_age_ms; /* the last accepted sample */
	double last_c;
	bool rising;
	int64_t rise_age_ms; /* rising for this long */
	double rise_from_c;
	double rise_peak_c;
	/* version 3: the run of one raw value the sensor is in (has_run):
	 * run_n samples of run_c for run_age_ms, the noise's variance when
	 * it began; frozen, and since when the evidence has moved without
	 * it (frozen_cond_age_ms, -1 none); the evidence when it began and
	 * at its last trusted evaluation (enum evsrc src, 0 none; the
	 * evidence, its rho, the sensor's value, the age); its value when
	 * the zone alarm began (NAN none) */
	bool has_run;
	bool frozen;
	uint32_t run_n;
	int64_t run_age_ms;
	double run_c;
	double run_noise_var;
	int64_t frozen_cond_age_ms;
	struct eng_snap_ref {
		int src;
		double ev, rho, v;
		int64_t age_ms;
	} run_ref, trusted_ref;
	double alarm_v0_c;
	/* version 3: the inlet step down held implausible (step_held):
	 * the value before and the step's, the host's smoothed cpu and
	 * exhaust at the step (NAN: none) */
	bool step_held;
	double step_from_c, step_to_c, step_ev_c[2];
	int n_points; /* newest first */
	int64_t age_ms[ENG_SNAP_POINTS];
	double value_c[ENG_SNAP_POINTS]; /* filtered */
};

struct eng_snap_host {
	int version; /* ENG_SNAP_VERSION; 1: rho only (the rest ignored) */
	double rho;  /* inlet = exhaust - rho (cpu - exhaust) */
	double rho_learnt_s;
	/* the zone alarm's references, when in one and taken (has_alarm):
	 * it began alarm_age_ms ago, its quorum lost alarm_lost_age_ms ago
	 * (-1: held); the smoothed cpu and exhaust then, the rho then and
	 * the model inlet then */
	bool has_alarm;
	int64_t alarm_age_ms;
	int64_t alarm_lost_age_ms;
	double alarm_cpu_c, alarm_exhaust_c, alarm_rho, alarm_model_c;
	/* the model inlet smoothed over the model's own time, over
	 * model_slow_s seconds (0: none) */
	double model_slow_c, model_slow_s;
	/* the load tracking (has_load): the cpu - exhaust gap within half
	 * of policy.frozen_delta_c of load_gap_c for load_age_ms; the air
	 * warmed for warm_age_ms (-1: not) */
	bool has_load;
	int64_t load_age_ms;
	double load_gap_c;
	int64_t warm_age_ms;
	/* version 4: the cpu levels the load was seen settled at (the
	 * host's smoothed cpu, busy_c, at the lower envelope's load,
	 * busy_lo, with the air then: its own inlets, else the zone's, NAN
	 * unknown), n_busy of them, one a bin of busy_lo; and the
	 * utilisation's envelopes (has_busy_env: smoothed, upper, lower,
	 * the smoothed cpu over their time) */
	int n_busy;
	struct eng_snap_busy {
		double lo, c, air_c;
	} busy[ENG_SNAP_BUSY];
	bool has_busy_env;
	double busy_u, busy_hi, busy_env_lo, busy_cpu_slow_c;
};

int eng_snapshot_sensor(const struct eng *e, int sensor, int64_t now_ms,
    struct eng_snap_sensor *out);
/* The same with at most max_points points (0: none), thinned evenly from
 * the newest back as eng_snapshot_sensor thins ENG_SNAP_POINTS: a state
 * file that writes fewer reads no more of the ring than it writes. */
int eng_snapshot_sensor_max(const struct eng *e, int sensor, int64_t now_ms,
    int max_points, struct eng_snap_sensor *out);
int eng_restore_sensor(struct eng *e, const struct eng_snap_sensor *in,
    int64_t now_ms, int64_t gap_ms);
void eng_snapshot_host(
    const struct eng *e, int64_t now_ms, struct eng_snap_host *out);
/* What came back of the host (ENG_SNAP_KEPT_* bits; 0: nothing). */
#define ENG_SNAP_KEPT_MODEL 1 /* rho */
#define ENG_SNAP_KEPT_ALARM 2 /* the zone alarm's references */
#define ENG_SNAP_KEPT_LOAD  4 /* the load tracking */
#define ENG_SNAP_KEPT_BUSY  8 /* a busy level, or more */
#define ENG_SNAP_KEPT_ENV   16 /* the utilisation's envelopes */
int eng_restore_host(struct eng *e, const struct eng_snap_host *in,
    int64_t now_ms, int64_t gap_ms);

const char *eng_state_name(enum eng_state s);
const char *eng_class_name(enum eng_class c);
const char *eng_action_name(enum eng_action a);
const char *eng_trip_src_name(enum eng_trip_src s);
/* Parse names back; -1 when unknown. */
int eng_class_from_name(const char *name);
int eng_policy_from_name(const char *name);
const char *eng_policy_name(enum eng_policy_kind k);
const char *eng_level_name(int level);

/*
 * Would eng_override_set() with these arguments apply the override (0),
 * apply it clamped (1) or refuse it (-1)? err says how or why, in the same
 * words. Changes nothing.
 */
int eng_override_check(const struct eng *e, const char *key, double value,
    double ttl_s, char *err, size_t errlen);
/* The "quiet" override is in force: no notify or migrate decisions (and no
 * migrating on a zone alarm); shutdown is never affected. */
bool eng_quiet(const struct eng *e);

#endif
