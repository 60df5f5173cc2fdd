/*
 * run.h - one simulation run: zones, hosts, engines, results.
 */
#ifndef THERMWATCH_SIM_RUN_H
#define THERMWATCH_SIM_RUN_H

#include "sim.h"

#define SIM_MAX_MIG 16 /* targets of one evacuation */
/* Rooms up to this size fit a core's own caches (about 6 KB of engine
 * and host memory per host-tick, against a 512 KB second-level cache):
 * cache hints would only cost instructions (about 5 % more). */
#define SIM_HINT_MIN_HOSTS 64

/* What the plot and the CSV show of a host. */
enum sim_hstate {
	SIM_H_OK,
	SIM_H_WARN,
	SIM_H_HOT,
	SIM_H_DEGRADED,
	SIM_H_MIGRATING,
	SIM_H_SHUTTING, /* graceful shutdown in progress */
	SIM_H_OFF,      /* shut down cleanly */
	SIM_H_TRIPPED,  /* hardware thermal trip: power lost */
	SIM_H_COUNT
};

/* One virtual sensor: random faults, scenario faults, what it last said
 * (its hardware trip is the host's trip_c[], with the physics). */
struct sim_sens {
	/* before this, nothing is due but a plain sample (sensors.c): no
	 * glitch, dropout or hang to start, none going on */
	int64_t quiet_until_ms;
	int64_t next_glitch_ms;
	int64_t next_dropout_ms;
	int64_t next_stale_ms;
	int64_t dropout_until_ms;
	int64_t stale_until_ms;
	enum sim_fault fault; /* from scenario events */
	int eng_idx;
	double stuck_c;
	double last_c; /* the last value delivered: "frozen" repeats it */
	bool have_last;
};

struct sim_mig {
	int target; /* host index */
	int n;      /* load units reserved there */
};

/* A hook and its retries, as thermwatchd runs them (action.c). */
struct sim_job {
	int attempt; /* of the run going on or the last one; 0 none */
	bool running;
	int64_t end_ms;   /* running: the run ends then (or is killed) */
	bool ok;          /* ...with this result */
	int fault;        /* enum sim_hook_fault when it started */
	int64_t retry_ms; /* a retry is due then; -1 none */
};

enum sim_sd_phase {
	SIM_SD_IDLE,
	SIM_SD_WAIT, /* event acked, BMC watchdog armed (bounded waits) */
	SIM_SD_HOOK, /* the shutdown hook runs, or waits for a retry */
	SIM_SD_OS,   /* the OS shuts down */
	SIM_SD_DONE  /* off, or the hook failed for good */
};

/* An override as the agent persists it: expiry in wall-clock time. */
struct sim_ovr {
	char key[ENG_KEY_LEN];
	double value;
	int64_t expires_wall_ms;
};

/* What the hosts of one group share: the constants of their hardware
 * (one per group, sim_run.hw). Every host's tick reads them, so out of
 * struct sim_host they stay in the caches while the hosts stream by. */
struct sim_hw {
	int capacity;             /* load units at full utilisation */
	double trip_c[SIM_NSENS]; /* hardware trips */
	double swing_c;           /* diurnal inlet swing */
	double recirc_share;      /* exhaust share of the inlet, no cooling */
	double idle_w;
	double max_w;
	double fan_w; /* fan power at base speed */
	double fan_max;
	double fan_start_c;
	double fan_full_c;
	double throttle_c;
	double r_cpu;
	double r_exh;
	double cpu_fast; /* fraction of R_cpu P in the die */
	double k_fast;   /* 1 - exp(-dt / tau) */
	double k_cpu;
	double k_exh;
	/* ...and what follows from them (mdl_init_hw) */
	double base_w;   /* idle_w - fan_w */
	double dyn_w;    /* max_w - idle_w */
	double k_cpu_1;  /* 1 - k_cpu */
	double k_fast_1; /* 1 - k_fast */
	double cpu_slow; /* 1 - cpu_fast */
	double k_die;    /* (1 - cpu_fast) k_cpu + cpu_fast k_fast */
	bool proc_stat;  /* the agent knows the host's CPU utilisation */
};

/*
 * One host. The fields are in the order a tick reads them, hot first
 * (every host, every tick: the rooms of 10,000 hosts stream through
 * this array), so that a tick touches as few cache lines as it can: the
 * physics (all the oracle's run reads), then what its agent reads every
 * tick, then what events, actions and reports use.
 */
struct sim_saved; /* agent.c */

struct sim_host {
	/* ---- physics, every tick (each host starts a cache line) ---- */
	_Alignas(64) const struct sim_hw *hw; /* its group's hardware */
	int zone;
	bool powered;
	bool throttled;
	int vms;
	int receiving; /* VMs arriving now (their extra power) */
	int mig_next;  /* mig[] entry of the VM moving now, -1 */
	double load;   /* utilisation multiplier (events) */
	double burst;  /* windowed load events, multiplied */
	double inlet_off_c;
	double inlet_off_to; /* hot-spot events ramp towards this */
	double cooler;       /* heatsink resistance multiplier (cpu_cooler) */
	double cooler_to;    /* ...ramps towards this */
	double swing_peak_h;
	double swing_now; /* its value now */
	double phi;       /* fan speed / base speed now */
	double p_fan;     /* fan power now */
	double p_base;    /* idle without fans, migrations */
	double p_dyn;     /* what the load adds (after throttling) */
	double p_cpu;     /* base + dyn: what heats the CPU */
	double r_cpu_eff; /* R_cpu at this airflow */
	double t_inlet;   /* true values */
	double t_cpu;
	double d_fast; /* the CPU's rise above inlet, two poles */
	double d_slow;
	double t_exh;
	double power_w;
	/* ---- the agent, every tick ---- */
	struct eng *eng;
	bool restart_due;        /* engine to be recreated at down_until */
	struct sim_saved *saved; /* restart with state kept: what
				    thermwatchd's state file holds */
	bool have_out;           /* it has evaluated since it started */
	bool eng_zone_alarm;     /* ...its zone alarm */
	bool accepting;          /* ...and whether it accepts load */
	bool alarmed;            /* warn or worse, or zone alarm */
	bool zone_alarm;         /* the agent's last zone alarm (its start) */
	bool bmc_ready;          /* a scan completed in this tick */
	enum eng_state state;    /* of its last evaluation */
	int zone_members;        /* ...the zone it saw */
	int bmc_hang;            /* hang windows in force */
	int64_t down_until_ms;   /* agent restarting: not running */
	double bmc_late_s;       /* > 0: each scan takes this long */
	struct sim_rng rng;      /* this host's sensors and draws */
	struct sim_sens sens[SIM_NSENS];
	/* the hooks' state that every tick checks (hooks.c) */
	enum sim_sd_phase sd_phase;
	int64_t wd_ms; /* the BMC watchdog cuts power then; -1 */
	struct sim_job mig_job;
	/* what other hosts' evacuations change here (workload.c) */
	int reserved;  /* incoming migrations */
	unsigned mark; /* scratch for target selection */
	/* ---- every peer interval ----
	 * (everything above is what a tick may change in a host of a quiet
	 * zone, its own or another host's: block.c saves it, and only it,
	 * to go back) */
	int peers_lost; /* windows: its MQTT traffic is lost */
	bool summary_ok;
	int64_t wall_off_ms; /* this host's wall clock minus the true one */
	struct eng_peer summary;
	/* ---- events, actions, reports ---- */
	char name[SIM_NAME_LEN];
	int tier;
	int group;
	double inlet_off_rate; /* K per tick */
	double cooler_rate;    /* per tick */
	/* the BMC (inlet and exhaust) */
	int64_t bmc_scan_done_ms;     /* the running scan delivers then */
	double bmc_scan_c[SIM_NSENS]; /* what the running scan read */
	double bmc_out_c[SIM_NSENS];  /* ...with these values */
	/* the agent */
	int restarts;
	int n_ovr;
	struct sim_ovr *ovr; /* persisted overrides */
	/* workload */
	int vms_start;
	enum sim_hstate hstate;
	int64_t trip_ms; /* -1 */
	int64_t down_ms; /* shutdown decided or tripped; -1 */
	/* the hooks (hooks.c) */
	struct sim_rng arng; /* how long this host's actions take */
	int hook_fault[2];   /* enum sim_hook_fault: migrate, shutdown */
	struct sim_job sd_job;
	/* the evacuation the migrate hook runs (workload.c) */
	int n_mig;
	struct sim_mig mig[SIM_MAX_MIG];
	int64_t vm_done_ms; /* it arrives (or fails) then */
	bool vm_fails;
	int mig_unplaced;     /* VMs this attempt found no room for */
	int mig_moved;        /* VMs moved by this attempt */
	int mig_tried;        /* ...moved or failed */
	int64_t mig_start_ms; /* this attempt started then */
	/* the shutdown sequence */
	int64_t sd_t0_ms;   /* decided; -1 */
	int64_t hook_at_ms; /* the hook runs then (event ack, BMC arm) */
	int64_t os_off_ms;  /* the OS has shut down then; -1 */
};

struct sim_zone {
	double t_air;
	double t_struct;                   /* walls, floor, racks */
	double dtdt;                       /* true rate of change, K/s */
	double cool_frac[SIM_MAX_COOLERS]; /* current fraction */
	double cool_from[SIM_MAX_COOLERS]; /* ramp start */
	double cool_to[SIM_MAX_COOLERS];
	int64_t ramp_start_ms[SIM_MAX_COOLERS];
	int64_t ramp_end_ms[SIM_MAX_COOLERS];
	double cap_nominal_w;
	double shortfall; /* 1 - available cooling / heat, 0..1 */
	double cap_w;     /* available cooling now */
	double cool_w;    /* delivered */
	double heat_w;    /* IT + other */
	double it_w;      /* the hosts' power, summed by the last tick */
	double it_acc;    /* ...and by this one, so far */
	int peers_lost;   /* windows: the zone's broker is gone */
	bool danger;      /* danger.c: as of danger_at_ms */
	int64_t danger_at_ms;
	int64_t danger_since_ms; /* -1: not in danger */
	int64_t first_trip_ms;   /* -1 */
	double peak_c;
	int64_t first_alarm_ms; /* -1 */
	int64_t first_zone_alarm_ms;
	int first_host;
	int n_hosts;
};

enum sim_log_kind {
	SIM_L_EVENT,      /* scenario event */
	SIM_L_ALARM,      /* first alarm in the zone */
	SIM_L_ZONE_ALARM, /* first cooling alarm in the zone */
	SIM_L_MIG_START,
	SIM_L_MIG_DONE,
	SIM_L_MIG_FAIL,
	SIM_L_SHUTDOWN, /* graceful shutdown started */
	SIM_L_OFF,
	SIM_L_TRIP,
	SIM_L_FALSE, /* an action without a thermal cause */
	SIM_L_AGENT, /* restarts, clock steps, overrides */
	SIM_L_COUNT
};

struct sim_log {
	int64_t t_ms;
	enum sim_log_kind kind;
	int zone;
	int host; /* -1 */
	int n;
	char text[SIM_NOTE_LEN + 64];
};

struct sim_tier_result {
	int hosts;
	int hard_trips;
	int graceful;
	int forced_offs;
	int survived;
	int vms_start; /* on its hosts */
	int vms_end;
	int vms_lost;              /* with its hosts */
	int migrations;            /* VMs moved off its hosts */
	int64_t first_shutdown_ms; /* -1 */
	int64_t last_shutdown_ms;  /* -1 */
};

/* What the oracle knows: the same room, the same seed, nobody acting
 * (metrics.c). */
struct sim_oracle {
	int64_t t0_ms;         /* the room came into danger; -1 never */
	int64_t first_trip_ms; /* the first hard trip from then; -1 none */
	int hard_trips;
	bool zone_trips[SIM_MAX_ZONES]; /* a host of the zone tripped */
};

/* An action the agents started: for lead times and needless actions. */
struct sim_act_rec {
	int64_t t_ms;
	int host;
	bool shutdown; /* else an evacuation (its first attempt) */
};

struct sim_result {
	int hosts;
	int hard_trips;
	int graceful_shutdowns;
	int migrations; /* load units moved */
	int migrations_cross_zone;
	int evacuations;          /* migrate hook runs (attempts) */
	int migrations_completed; /* ...that left no VM behind */
	int migrations_failed;    /* ...that failed (exit 1, killed) */
	int migrations_no_room;   /* ...that found no room for some VMs */
	int vm_migrations_failed; /* single VMs whose migration failed */
	int forced_offs;          /* the BMC watchdog cut the power */
	int shutdowns_failed;     /* the shutdown hook failed for good */
	double evac_s_sum;        /* time of the completed evacuations */
	double off_s_sum;         /* decision to clean power-off */
	int vms_start;
	int vms_end;
	int vms_lost;
	int actions;            /* evacuations (first attempts), shutdowns */
	int false_actions;      /* no real danger (danger.c) */
	int needless_actions;   /* in a zone the oracle saw no trip in */
	bool tier_order_held;   /* tier 0 went down last in every zone */
	bool tier_order_strict; /* every tier before the next */
	struct sim_oracle oracle;
	bool have_oracle;
	int64_t first_migrate_ms;  /* from the incident on; -1 */
	int64_t first_shutdown_ms; /* -1 */
	/* lead time before the oracle's first trip, as a fraction of the
	 * oracle's (incident to first trip): NAN when not defined */
	double lead_alarm;
	double lead_migrate;
	double lead_shutdown;
	int restarts;
	uint64_t peers_dropped_age; /* summaries too old by the clock */
	double throttled_s;         /* host-seconds with the CPU throttled */
	int64_t incident_ms;        /* first event making a zone worse, -1 */
	int64_t first_alarm_ms;     /* -1 */
	uint64_t readings;
	uint64_t rejected;
	double service_retained_pct;
	double peak_c[SIM_MAX_ZONES];
	struct sim_tier_result tier[ENG_MAX_TIER + 1];
	double wall_s;       /* set-up and ticks */
	double init_s;       /* set-up (wall) */
	double tick_cpu_s;   /* the ticks: the thread's CPU time */
	int64_t block_ticks; /* ticks stepped in blocks (block.c) */
};

/* Recorded series for the CSV and the plot. */
struct sim_rec {
	int n;
	double t0_s; /* the span it covers */
	double t1_s;
	int cap;
	double interval_s;
	double *t_s;
	double *air_c; /* [n * n_zones] */
	double *cap_kw;
	double *heat_kw;
	double *building_c;
	unsigned char *hstate; /* [n * n_hosts] */
	int *vms;              /* [n] running load units */
};

/* Called for every powered host after every evaluation: the place to
 * publish a virtual host's telemetry (MQTT). */
struct sim_run;
typedef void (*sim_host_cb)(void *arg, const struct sim_run *r,
    const struct sim_host *h, int64_t now_ms, const struct eng_output *out);

/* What the agent's configuration says beyond the engine (--config):
 * the parts of thermwatch.conf(5) the simulator models. */
struct sim_agent_conf {
	double peer_max_age_s; /* mqtt.peer_max_age_s */
	double migrate_timeout_s;
	double shutdown_timeout_s;
	int migrate_retries;
	double migrate_backoff_s;
	double migrate_backoff_max_s;
	int shutdown_retries;
	double shutdown_retry_s;
	double event_ack_wait_s;
	double watchdog_margin_s;
	double watchdog_wait_s;
	bool watchdog; /* ipmi.watchdog.enabled */
};

/* agentconf.c: thermwatch.conf's defaults, or what a loaded one says
 * (ac is a struct agent_conf, conf.h). */
int sim_agent_conf_defaults(struct sim_agent_conf *sa); /* -1: no memory */
struct agent_conf;
void
sim_agent_conf_from(const struct agent_conf *ac, struct sim_agent_conf *sa);

struct sim_opts {
	enum eng_policy_kind policy;
	struct eng_conf conf; /* engine part of --config, or defaults */
	struct sim_agent_conf agent;
	uint64_t seed;
	double duration_s; /* <= 0: the scenario's */
	double record_s;   /* <= 0: automatic */
	bool oracle;       /* physics only: no agents, nobody acts */
	bool record;
	sim_host_cb host_cb;
	void *host_cb_arg;
};

struct sim_evq;   /* events.c */
struct sim_peers; /* danger.c */
/* Is the zone heading for a trip if nobody acts? (cached per tick) */
bool danger_zone(struct sim_run *r, int zi);
/* Is one of the host's true temperatures within its warn margin? */
bool danger_host_near_trip(const struct sim_run *r, const struct sim_host *h);
/* Every peer interval: the zones' danger, the incident's start. */
void danger_watch(struct sim_run *r);

/* peers.c */

struct sim_run {
	const struct sim_scenario *scn;
	struct sim_opts opt;
	struct sim_rng rng; /* run-wide draws: migrations, placement */
	int64_t tick_ms;
	int64_t now_ms;
	int64_t end_ms;
	double building_shift_c;
	struct sim_evq *evq;
	struct sim_peers *peers;
	struct eng_output out; /* the evaluation of the host ticking now */
	int64_t peer_ms;       /* the peer exchange period */
	int64_t next_peer_ms;
	int64_t next_rec_ms;
	int64_t next_zoom_ms;
	int n_zones;
	struct sim_zone zone[SIM_MAX_ZONES];
	int n_hosts;
	struct sim_host *host;
	struct sim_hw *hw; /* [zone * SIM_MAX_GROUPS + group] */
	unsigned mark;     /* generation for sim_host.mark */
	int ovr_slots;     /* overrides an engine holds (agent.c) */
	int n_acts;
	int acts_cap;
	struct sim_act_rec *acts;
	int n_log;
	int log_cap;
	struct sim_log *log;
	struct sim_rec rec;   /* the whole run */
	struct sim_rec zoom;  /* around the incident, finer */
	int64_t zoom_from_ms; /* -1: no zoom */
	int64_t zoom_to_ms;
	struct sim_result res;
	struct sim_block *blk; /* block.c; NULL: tick by tick */
	bool guessing;         /* in a block with a quiet zone (block.c) */
	bool spoilt;           /* ...and the guess failed */
};

/* Room for one more element in a growing array (*cap doubles): 0, or
 * -1 when out of memory (the array is left as it was). */
int sim_grow(void **buf, int *cap, int n, size_t size);

/* Hosts matching an event: zone (or all) and the fnmatch pattern. */
bool run_host_matches(const struct sim_host *h, const struct sim_event *e);

/* model.c */
double mdl_building_c(const struct sim_run *r, int64_t now_ms);
void mdl_init_hw(
    const struct sim_run *r, struct sim_hw *hw, const struct sim_group *g);
void
mdl_init_host(struct sim_run *r, struct sim_host *h, const struct sim_group *g);
/* Fan speed over base speed at this inlet temperature (1..fan_max). */
double mdl_fan_speed(const struct sim_host *h, double inlet);
/* Utilisation 0..1 (load, bursts and VMs over capacity). */
double mdl_utilisation(const struct sim_host *h);
void mdl_host_power(const struct sim_run *r, struct sim_host *h);
void mdl_step_zone(struct sim_run *r, int z);
/* Advance a host's true temperatures; returns the sensor that reached its
 * hardware trip, or -1. */
int mdl_step_host(struct sim_run *r, struct sim_host *h);
double mdl_true_value(const struct sim_host *h, int s);

/* sensors.c */
void sens_init(struct sim_run *r, struct sim_host *h);
/* Once per tick before the samples: the slow BMC's scans. */
void sens_tick_bmc(struct sim_run *r, struct sim_host *h);
static inline void
sens_tick(struct sim_run *r, struct sim_host *h)
{
	if (h->bmc_late_s <= 0)
		h->bmc_ready = true;
	else
		sens_tick_bmc(r, h);
}
/* The sample a sensor delivers now: false when it delivers none. */
bool sens_sample_any(
    struct sim_run *r, struct sim_host *h, int s, struct eng_reading *rd);
/* ...nearly every tick, no fault in force and none of the sensor's
 * timers due: the true value with its noise, kept as the last. */
static inline bool
sens_sample(
    struct sim_run *r, struct sim_host *h, int s, struct eng_reading *rd)
{
	struct sim_sens *ss = &h->sens[s];
	int64_t now = r->now_ms;
	double v, noise;

	if (now >= ss->quiet_until_ms || ss->fault != SIM_F_OK ||
	    (s != SIM_S_CPU && (h->bmc_hang > 0 || h->bmc_late_s > 0)))
		return sens_sample_any(r, h, s, rd);
	v = s == SIM_S_INLET ? h->t_inlet
	    : s == SIM_S_CPU ? h->t_cpu
			     : h->t_exh;
	noise = r->scn->faults.noise_c[s];
	if (noise > 0)
		v += noise * rng_normal(&h->rng);
	ss->last_c = v;
	ss->have_last = true;
	rd->sensor = ss->eng_idx;
	rd->t_ms = now;
	rd->quality = ENG_Q_OK;
	rd->value_c = v;
	return true;
}
/* Scenario sensor faults and BMC windows. */
void sens_set_fault(
    struct sim_host *h, int sensor, enum sim_fault f, double value_c);
void sens_bmc(struct sim_run *r, struct sim_host *h, bool start, double late_s);

/* events.c */
int evq_init(struct sim_run *r);
/* Apply every event due at r->now_ms. */
void evq_run_due(struct sim_run *r);
/* When the next event is due (INT64_MAX: none). */
int64_t evq_next_ms(const struct sim_run *r);
void evq_free(struct sim_run *r);
/* When the first event that degrades the room is due (for the zoom). */
double evq_first_incident_s(const struct sim_scenario *s);

/* danger.c */
/* Is the zone heading for a trip if nobody acts? (cached per tick) */
bool danger_zone(struct sim_run *r, int zi);
/* Is one of the host's true temperatures within its warn margin? */
bool danger_host_near_trip(const struct sim_run *r, const struct sim_host *h);
/* Every peer interval: the zones' danger, the incident's start. */
void danger_watch(struct sim_run *r);

/* peers.c */
int zx_init(struct sim_run *r);
/* The exchange now (events: some ran at this tick). With defer, what it
 * delivers waits for zx_deliver, host by host (block.c), or for
 * zx_deliver_all, until zx_delivered says it is all delivered. */
void zx_exchange(struct sim_run *r, bool defer, bool events);
void zx_deliver(struct sim_run *r, int hi);
void zx_deliver_all(struct sim_run *r);
void zx_delivered(struct sim_run *r);
/* A guess that goes on over more blocks keeps what the exchange at its
 * start delivered (zx_keep) until it is known to hold (zx_forget) or is
 * undone: zx_undo delivers it again to the engines put back as they
 * were at start_ms, before it. */
void zx_keep(struct sim_run *r);
void zx_forget(struct sim_run *r);
void zx_undo(struct sim_run *r, int64_t start_ms);
/* A block (block.c) takes each host's summary for the exchange at its
 * end, after the host's last tick (zx_precollect); the exchange uses
 * them when the block went through (zx_block_done: the exchange at
 * next_ms, INT64_MIN when none ends it) and no event ran since. */
void zx_block_start(struct sim_run *r);
void zx_precollect(struct sim_run *r, int hi, int64_t at_ms);
void zx_block_done(struct sim_run *r, int64_t next_ms);
void zx_free(struct sim_run *r);

/* agent.c */
/* Overrides an engine may need at once: one per distinct key set by the
 * scenario's override events. */
int agent_override_slots(const struct sim_scenario *s);
int agent_start(struct sim_run *r, struct sim_host *h);
void agent_stop(struct sim_host *h);
/* Samples the host's engine rejected (0 without an engine). */
uint64_t agent_rejected(const struct sim_host *h);
/* The agent restarts: down for down_s, then a new engine. */
void agent_restart(
    struct sim_run *r, struct sim_host *h, double down_s, bool keep_state);
void agent_override(
    struct sim_run *r, struct sim_host *h, const struct sim_event *e);
void agent_clock_step(struct sim_run *r, struct sim_host *h, double step_s);
/* Feed, evaluate and act: one tick of a running agent. */
void agent_tick(struct sim_run *r, int hi);
/* One tick of a quiet agent, as agent_tick would do it, when all it
 * does is feed, evaluate and note the result in the host (block.c);
 * false when this tick would do more (an alarm, a decision, an expired
 * override): the host and its engine are then part-way changed and the
 * caller puts them back. */
bool agent_tick_quiet(struct sim_run *r, int hi);
/* Cache hints for the hosts after hi, which the tick reaches next. */
void agent_prefetch(const struct sim_run *r, int hi);
/* ...and for the part of host hi a tick reads, alone. */
void agent_prefetch_host(const struct sim_run *r, int hi);
bool agent_running(const struct sim_run *r, const struct sim_host *h);

/* hooks.c */
/* One decision of the host's engine (MIGRATE, SHUTDOWN). */
void hooks_decision(struct sim_run *r, int hi, const struct eng_decision *d);
/* Once per tick for every powered host: the zone alarm's start, retries,
 * hook runs ending, the shutdown sequence. */
void hooks_tick(struct sim_run *r, int hi);
/* After the agent's decisions: the critical state, the zone alarm's
 * start. */
void hooks_agent_tick(struct sim_run *r, int hi);
/* The agent restarts: a running migrate hook is killed, retries are
 * forgotten; a shutdown under way goes on. */
void hooks_agent_stopped(struct sim_run *r, int hi);
/* Is the host busy with an evacuation or a shutdown (for the plot)? */
bool hooks_migrating(const struct sim_host *h);

/* workload.c */
/* Plan an evacuation: reserve room on other hosts for the host's VMs;
 * the number of VMs it found no room for. */
int wl_plan(struct sim_run *r, int hi);
/* Start moving the next planned VM at start_ms (now, or when the last
 * one arrived); false when none is left. */
bool wl_next_vm(struct sim_run *r, int hi, int64_t start_ms);
/* The VM moving now arrives or fails. */
void wl_vm_done(struct sim_run *r, int hi);
/* Give back what is still reserved (a VM in flight is aborted). */
void wl_cancel(struct sim_run *r, int hi);
/* Power off: cleanly (the OS shut down), forced (watchdog), or a hard
 * thermal trip of this sensor. */
void wl_off(struct sim_run *r, int hi, bool clean);
void wl_trip(struct sim_run *r, int hi, int sensor);
/* Extra power of migrations on a host now, W. */
double wl_migration_w(const struct sim_run *r, const struct sim_host *h);

/* block.c: a quiet room stepped several ticks at a time */
struct sim_block;
/* NULL: out of memory (run_init makes none, and every tick is one
 * step, for an oracle run, a published run and THERMWATCH_SIM_STEP=tick) */
struct sim_block *blk_new(const struct sim_run *r);
void blk_free(struct sim_block *b);
/* Run the ticks from r->now_ms (at most to t_ms): one, or a block of
 * them when the room is quiet; r->now_ms is left at the last one run. */
void blk_run(struct sim_run *r, int64_t t_ms);

/* run.c */
/* The parts of a tick (run_tick runs them in this order): events,
 * zones and the peer exchange (what it delivers deferred: zx_exchange);
 * the hosts; the zones' new power and the recording. */
void run_tick_begin(struct sim_run *r, bool defer);
void run_tick_hosts(struct sim_run *r);
/* Host hi's part of run_tick_hosts. */
void run_host_tick(struct sim_run *r, int hi);
void run_tick_end(struct sim_run *r);
int run_init(
    struct sim_run *r, const struct sim_scenario *s, const struct sim_opts *o);
/* One tick at r->now_ms; run_until ticks while now_ms <= t_ms (and
 * leaves now_ms at the next tick); run_all runs to the end and sums up. */
void run_tick(struct sim_run *r);
void run_until(struct sim_run *r, int64_t t_ms);
void run_all(struct sim_run *r);
void run_done(struct sim_run *r);
void run_log(struct sim_run *r, enum sim_log_kind k, int zone, int host, int n,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void run_mark_incident(struct sim_run *r, int zone);
const char *run_policy_name(enum eng_policy_kind k);

/* metrics.c */
/* The oracle's figures from a finished oracle run. */
void metrics_oracle(const struct sim_run *oracle, struct sim_oracle *o);
/* Figures a finished run gets from the oracle (or none: NULL). */
void metrics_finish(struct sim_run *r, const struct sim_oracle *o);
/* Record an action the agents started. */
void metrics_action(struct sim_run *r, int host, bool shutdown);

/* report.c */
/* One figure of a run's outcome, for tables, JSON and statistics. */
struct rpt_metric {
	const char *key;   /* in the JSON */
	const char *label; /* in the tables */
	char kind;         /* 'n' number, 'd' duration (s), 'b' yes/no */
	int decimals;
	double (*get)(const struct sim_result *res); /* NAN: undefined */
};
extern const struct rpt_metric rpt_metrics[];
extern const int rpt_n_metrics;
void rpt_format(const struct rpt_metric *m, double v, char *buf, size_t len);
const struct rpt_metric *rpt_metric_find(const char *key); /* or NULL */
/* "1h04m", "3m09s", "42s"; "-" when negative or NAN */
void rpt_dur(double s, char *buf, size_t len);
void rpt_timeline(const struct sim_run *r, FILE *out);
void rpt_summary(const struct sim_run *r, FILE *out);
void rpt_compare(struct sim_run *const runs[], int n, FILE *out);
/* report_json.c */
/* One JSON object (cJSON); runs[0] is the main run, the others (--compare)
 * are listed under "compare". */
int rpt_json(struct sim_run *const runs[], int n, FILE *out);
struct cJSON;
/* A run's summary (and timeline) as a cJSON object. */
struct cJSON *rpt_run_json(const struct sim_run *r, bool with_events);
int rpt_csv(const struct sim_run *r, const char *path, FILE *err);

/* seeds.c */
#define SIM_MAX_JOBS 64
/* fn(arg, i) for every i in [0, n), on up to jobs threads. */
void par_for(int n, int jobs, void (*fn)(void *arg, int i), void *arg);
/* "7", "1-10", "1,4,7-9": the seeds, malloc'ed; -1 when malformed. */
int seeds_parse(const char *spec, uint64_t **out, int *n);
/* Run every seed (its oracle, then each policy), print a table per
 * policy (or JSON). -1 when a run could not be set up. */
int seeds_run(const struct sim_scenario *scn, const struct sim_opts *opt,
    const int *pol, int n_pol, const uint64_t *seed, int n_seeds, int jobs,
    bool json, FILE *out);

/* svg.c */
int svg_plot(const struct sim_run *r, const char *path, FILE *err);

#endif
