/*
 * sim.h - thermwatch-sim: a room simulator driving the real policy engine.
 * The scenario (what a file says) and the random numbers.
 *
 * Modules:
 *	scenario.c	libconfig scenario files: top level, zones, hosts
 *	scn_event.c	...the events list
 *	scn_util.c	times, durations, clock labels, finding scenarios
 *	builtin.c	the built-in AC-failure scenario (no argument)
 *	rng.c		random numbers (xoshiro256**)
 *	model.c		thermal model of zones and hosts
 *	sensors.c	the virtual sensors and their faults
 *	events.c	the event queue: repeats, jitter, windows, undo
 *	peers.c		zone peer exchange (MQTT as the agents use it)
 *	agent.c		one virtual agent: engine, restarts, overrides, clock
 *	hooks.c		the agent's hooks: migrate and shutdown, retries
 *	workload.c	load units (VMs), migrations, power-off
 *	danger.c	the room's real danger, for false actions
 *	run.c		the clock: one tick of everything, recording
 *	metrics.c	outcomes per run and per tier, the oracle
 *	report.c	timeline, summary, comparison table, JSON, CSV
 *	seeds.c		--seeds: many runs, --jobs threads, the min/median/max
 *	svg.c		the plot
 *	publish.c	--mqtt
 *	main.c		command line
 *
 * Simulated time is an integer number of milliseconds from the start of
 * the scenario; nothing here reads a clock except main.c for wall_s.
 */
#ifndef THERMWATCH_SIM_H
#define THERMWATCH_SIM_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"

#define SIM_NAME_LEN    48
#define SIM_MAX_ZONES   32
#define SIM_MAX_COOLERS 8
#define SIM_MAX_GROUPS  16
#define SIM_MAX_HOSTS   100000
#define SIM_NOTE_LEN    128
#define SIM_ZOOM_S      7200.0 /* the plot's close-up of the incident */

/* The three sensors every virtual host has. Inlet and exhaust are read
 * from the BMC (IPMI), the CPU from hwmon (coretemp). */
enum sim_sensor { SIM_S_INLET, SIM_S_CPU, SIM_S_EXHAUST, SIM_NSENS };

/* Random sensor imperfections, for every sensor of every host. */
struct sim_faults {
	double noise_c[SIM_NSENS]; /* standard deviation */
	double glitch_per_h;       /* single bogus samples, per sensor */
	double dropout_per_h;      /* "reading unavailable" periods */
	double dropout_s;
	double stale_per_h; /* no sample at all (hung BMC) */
	double stale_s;
};

/* How long the agent's actions really take (independent of the lead
 * times the engine is configured with). */
struct sim_actions {
	double link_gbps;       /* migration network of one host */
	double migrate_setup_s; /* per VM: connect, start, switch over */
	double dirty_factor;    /* pre-copy rounds: memory sent x this */
	double migrate_spread;  /* lognormal sigma of one VM's time */
	double migrate_fail_p;  /* one VM's migration fails */
	double migrate_w;       /* extra power on source and target */
	double shutdown_median_s;
	double shutdown_spread;  /* lognormal sigma */
	double shutdown_hang_p;  /* a stuck service... */
	double shutdown_hang_s;  /* ...until its stop timeout */
	double fixed_migrate_s;  /* > 0: the whole evacuation takes this */
	double fixed_shutdown_s; /* > 0: a shutdown takes exactly this */
};

/* hosts = ( { ... } ): count identical hosts. */
struct sim_group {
	char prefix[SIM_NAME_LEN];
	int count;
	int tier;
	int vms; /* load units at start */
	int capacity_vms;
	double vm_memory_gb;
	double idle_w;
	double max_w;          /* at capacity_vms, fans at base speed */
	double inlet_offset_c; /* rack position, hot spot */
	double inlet_spread_c; /* per-host random offset (stddev) */
	double inlet_swing_c;  /* diurnal inlet swing (amplitude) */
	double inlet_swing_peak_h;
	double recirc_share; /* exhaust share of the inlet air, no cooling */
	double trip_c[SIM_NSENS]; /* hardware trips */
	double throttle_cpu_c;    /* CPU throttles here (TCC) */
	double r_cpu_k_per_w;
	double cpu_fast_fraction; /* of the rise that follows at once */
	double tau_cpu_s;         /* the rest: the heatsink */
	double r_exhaust_k_per_w;
	double tau_exhaust_s;
	double fan_w;       /* fan power at base speed (part of idle_w) */
	double fan_max;     /* top fan speed / base speed */
	double fan_start_c; /* fans speed up above this inlet... */
	double fan_full_c;  /* ...and are at fan_max here */
	bool proc_stat;     /* the agent reads the CPU utilisation (busy) */
	int line;
};

struct sim_cooler {
	char name[SIM_NAME_LEN];
	double capacity_w;
};

struct sim_zone_def {
	char name[SIM_NAME_LEN];
	double heat_capacity_j_per_k; /* air and IT equipment */
	double structure_j_per_k;     /* walls, floor, racks */
	double structure_w_per_k;     /* air <-> structure */
	double ua_w_per_k;            /* exchange with the building */
	double setpoint_c;
	double control_tau_s; /* how fast cooling pulls back */
	double other_heat_w;  /* network, UPS, lights */
	int n_coolers;
	struct sim_cooler coolers[SIM_MAX_COOLERS];
	int n_groups;
	struct sim_group groups[SIM_MAX_GROUPS];
	int line;
};

enum sim_ev_kind {
	SIM_EV_COOLING,    /* a cooler's capacity becomes a fraction */
	SIM_EV_BUILDING,   /* building temperature shifts */
	SIM_EV_SENSOR,     /* a sensor fails (or is repaired) */
	SIM_EV_LOAD,       /* hosts' utilisation changes */
	SIM_EV_INLET,      /* hosts' inlet offset shifts (hot spot) */
	SIM_EV_PEERS,      /* zone peer messages lost (dead broker) */
	SIM_EV_BMC,        /* the BMC hangs: IPMI readings late or missing */
	SIM_EV_RESTART,    /* the agent restarts: state lost or kept */
	SIM_EV_CLOCK,      /* the wall clock steps */
	SIM_EV_OVERRIDE,   /* an operator sets an override */
	SIM_EV_HOOK,       /* a hook fails or hangs */
	SIM_EV_CPU_COOLER, /* a CPU cooler (fan, pump) fails */
	SIM_EV_COUNT
};

enum sim_fault {
	SIM_F_OK,     /* repaired */
	SIM_F_DEAD,   /* "reading unavailable" */
	SIM_F_STALE,  /* no samples at all */
	SIM_F_STUCK,  /* a constant value */
	SIM_F_FROZEN, /* the last value, repeated */
	SIM_F_COUNT
};

enum sim_hook_fault { SIM_HOOK_OK, SIM_HOOK_FAIL, SIM_HOOK_HANG };
#define SIM_HOOK_MIGRATE  1
#define SIM_HOOK_SHUTDOWN 2

struct sim_event {
	enum sim_ev_kind kind;
	double at_s;
	double every_s;           /* > 0: repeats */
	double jitter_s;          /* each occurrence moves by up to +- this */
	double until_s;           /* no occurrence after this (< 0: none) */
	int count;                /* at most this many occurrences (0: any) */
	double duration_s;        /* > 0: undone after this */
	int zone;                 /* -1: all zones */
	int cooler;               /* -1: all coolers of the zone */
	double capacity;          /* fraction of nominal, 0..1 */
	double ramp_s;            /* linear change over this time */
	double delta_c;           /* building or inlet shift */
	double delta_s;           /* clock step */
	char hosts[SIM_NAME_LEN]; /* fnmatch pattern */
	int sensor;               /* enum sim_sensor, -1 all */
	int fault;                /* enum sim_fault, or sim_hook_fault */
	int hook;                 /* SIM_HOOK_* mask */
	double value_c;           /* stuck value */
	bool keep_state;          /* restart: state = "kept" */
	double load;              /* utilisation multiplier */
	double late_s;            /* BMC: readings this old, 0: none */
	double factor;            /* cpu_cooler: heatsink resistance x */
	char key[ENG_KEY_LEN];    /* override */
	double value;
	double ttl_s;
	char note[SIM_NOTE_LEN];
	int line;
};

struct sim_scenario {
	char name[SIM_NAME_LEN];
	char description[256];
	char file[PATH_MAX]; /* "" for the built-in text */
	double duration_s;
	double tick_s;
	double peer_interval_s;
	int start_wday; /* 0 Mon .. 6 Sun, -1 none */
	double start_tod_s;
	uint64_t seed;
	double building_c;
	double building_swing_c;
	double building_peak_h;
	struct sim_faults faults;
	struct sim_actions actions;
	int n_zones;
	struct sim_zone_def zones[SIM_MAX_ZONES];
	int n_events;
	struct sim_event *events; /* sorted by at_s, then line */
};

/* scenario.c */
/* Parse; errors go to err as "file:line: message". Returns the number of
 * errors (0 = ok). name is used in messages. Free with scn_free (also
 * after errors). */
int scn_parse_string(
    const char *name, const char *text, struct sim_scenario *s, FILE *err);
int scn_parse_file(const char *path, struct sim_scenario *s, FILE *err);
void scn_free(struct sim_scenario *s);
int scn_total_hosts(const struct sim_scenario *s);

/* scn_event.c (internal to the parser) */
struct cnf_ctx;
struct config_setting_t;
void scn_parse_events(struct cnf_ctx *c, const struct config_setting_t *root,
    struct sim_scenario *s);
const char *scn_sensor_name(int sensor);
const char *scn_kind_name(enum sim_ev_kind k);

/* scn_util.c */
/* Resolve a command-line scenario name: an existing path, else NAME.conf
 * in the installed scenarios directory, else in the source tree. */
int scn_resolve(const char *name, char *path, size_t len);
/* Print the scenarios found in the installed directory and the source
 * tree: name, description, file. */
void scn_list(FILE *out);
/* "90", "90s", "15m", "6h", "7d" -> seconds; -1 when malformed. */
double scn_parse_duration(const char *s);
/* "Fri 19:00" or "Fri 19:00:30": seconds since Monday 00:00; -1. */
double scn_parse_weekclock(const char *s);
/* "Fri 19:00" relative to the scenario start, or "+90m"; -1 when
 * malformed. */
double scn_parse_when(const struct sim_scenario *s, const char *when);
/* Label for a simulated time, "Fri 19:04:10" or "+7h04m". */
void scn_clock_label(
    const struct sim_scenario *s, double t_s, char *buf, size_t len);
/* Hours since midnight at simulated time t_s. */
double scn_hour_of_day(const struct sim_scenario *s, double t_s);

/* builtin.c */
extern const char sim_builtin_name[];
extern const char sim_builtin_text[];

/* ---- rng.c: splitmix64 seeding a xoshiro256** state. ---- */
struct sim_rng {
	uint64_t s[4];
	double spare;
	bool has_spare;
};

void rng_seed(struct sim_rng *r, uint64_t seed);
/* An independent stream for (seed, stream, index): hosts, events... */
void rng_seed_stream(
    struct sim_rng *r, uint64_t seed, uint64_t stream, uint64_t index);
uint64_t rng_next(struct sim_rng *r);
double rng_uniform(struct sim_rng *r); /* [0, 1) */
/* mean 0, sd 1: a pair at a time (rng_normal_pair), the second kept */
double rng_normal_pair(struct sim_rng *r);
static inline double
rng_normal(struct sim_rng *r)
{
	if (r->has_spare) {
		r->has_spare = false;
		return r->spare;
	}
	return rng_normal_pair(r);
}
double rng_exp(struct sim_rng *r, double mean);
/* median x exp(sigma N(0,1)) */
double rng_lognormal(struct sim_rng *r, double median, double sigma);

#endif
