/*
 * sim.h - thermwatch-sim: a room simulator driving the real policy engine.
 *
 * Modules:
 *	scenario.c	libconfig scenario files into struct sim_scenario
 *	builtin.c	the built-in AC-failure scenario (no argument)
 *	model.c		thermal model of zones and hosts, sensor faults
 *	run.c		the clock: engines, zone peers, workload, recording
 *	workload.c	load units (VMs), migration and graceful shutdown
 *	report.c	timeline, comparison table, JSON and CSV
 *	svg.c		the plot
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
#define SIM_MAX_ZONES   8
#define SIM_MAX_COOLERS 8
#define SIM_MAX_GROUPS  16
#define SIM_MAX_EVENTS  64
#define SIM_MAX_HOSTS   1024
#define SIM_MAX_MIG     16 /* targets of one evacuation */
#define SIM_NOTE_LEN    128
#define SIM_ZOOM_S      7200.0 /* the plot's close-up of the incident */

/* The three sensors every virtual host has. */
enum sim_sensor { SIM_S_INLET, SIM_S_CPU, SIM_S_EXHAUST, SIM_NSENS };

/* Sensor imperfections, applied to every sensor of every host. */
struct sim_faults {
	double noise_c[SIM_NSENS]; /* standard deviation */
	double glitch_per_h;       /* single bogus samples, per sensor */
	double dropout_per_h;      /* "reading unavailable" periods */
	double dropout_s;
	double stale_per_h; /* no sample at all (hung BMC) */
	double stale_s;
};

/* hosts = ( { ... } ): count identical hosts. */
struct sim_group {
	char prefix[SIM_NAME_LEN];
	int count;
	int tier;
	int vms; /* load units at start */
	int capacity_vms;
	double idle_w;
	double max_w;             /* at capacity_vms */
	double inlet_offset_c;    /* rack position, hot spot */
	double inlet_spread_c;    /* per-host random offset (stddev) */
	double trip_c[SIM_NSENS]; /* hardware trips */
	double r_cpu_k_per_w;
	double cpu_fast_fraction; /* of the rise that follows at once */
	double tau_cpu_s;         /* the rest: the heatsink */
	double r_exhaust_k_per_w;
	double tau_exhaust_s;
	int line;
};

struct sim_cooler {
	char name[SIM_NAME_LEN];
	double capacity_w;
};

struct sim_zone_def {
	char name[SIM_NAME_LEN];
	double heat_capacity_j_per_k;
	double ua_w_per_k; /* exchange with the building */
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
	SIM_EV_COOLING,  /* a cooler's capacity becomes a fraction */
	SIM_EV_BUILDING, /* building temperature shifts */
	SIM_EV_SENSOR,   /* a sensor fails (or is repaired) */
	SIM_EV_LOAD,     /* hosts' utilisation changes */
	SIM_EV_INLET     /* hosts' inlet offset shifts (hot spot) */
};

enum sim_fault {
	SIM_F_OK,    /* repaired */
	SIM_F_DEAD,  /* "reading unavailable" */
	SIM_F_STALE, /* no samples at all */
	SIM_F_STUCK  /* a constant value */
};

struct sim_event {
	enum sim_ev_kind kind;
	double at_s;
	int zone;                 /* -1: all zones */
	int cooler;               /* -1: all coolers of the zone */
	double capacity;          /* fraction of nominal, 0..1 */
	double ramp_s;            /* linear change over this time */
	double delta_c;           /* building shift */
	char hosts[SIM_NAME_LEN]; /* fnmatch pattern */
	int sensor;               /* enum sim_sensor, -1 all */
	enum sim_fault fault;
	double value_c; /* stuck value */
	double load;    /* utilisation multiplier */
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
	double migrate_s; /* < 0: the engine config's lead */
	double shutdown_s;
	int start_wday; /* 0 Mon .. 6 Sun, -1 none */
	double start_tod_s;
	uint64_t seed;
	double building_c;
	double building_swing_c;
	double building_peak_h;
	struct sim_faults faults;
	int n_zones;
	struct sim_zone_def zones[SIM_MAX_ZONES];
	int n_events;
	struct sim_event events[SIM_MAX_EVENTS];
};

/* scenario.c */
/* Parse; errors go to err as "file:line: message". Returns the number of
 * errors (0 = ok). name is used in messages. */
int scn_parse_string(
    const char *name, const char *text, struct sim_scenario *s, FILE *err);
int scn_parse_file(const char *path, struct sim_scenario *s, FILE *err);
/* Resolve a command-line scenario name: an existing path, else NAME.conf
 * in the installed scenarios directory, else in the source tree. */
int scn_resolve(const char *name, char *path, size_t len);
/* Print the scenarios found in the installed directory and the source
 * tree: name, description, file. */
void scn_list(FILE *out);
/* "90", "90s", "15m", "6h", "7d" -> seconds; -1 when malformed. */
double scn_parse_duration(const char *s);
/* "Fri 19:00" relative to the scenario start; -1 when malformed. */
double scn_parse_when(const struct sim_scenario *s, const char *when);
/* Label for a simulated time, "Fri 19:04:10" or "+7h04m". */
void scn_clock_label(
    const struct sim_scenario *s, double t_s, char *buf, size_t len);
int scn_total_hosts(const struct sim_scenario *s);
const char *scn_sensor_name(int sensor);

/* builtin.c */
extern const char sim_builtin_name[];
extern const char sim_builtin_text[];

/* ---- PRNG: splitmix64 seeding a xoshiro256** state. ---- */
struct sim_rng {
	uint64_t s[4];
	double spare;
	bool has_spare;
};

void rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t rng_next(struct sim_rng *r);
double rng_uniform(struct sim_rng *r); /* [0, 1) */
double rng_normal(struct sim_rng *r);  /* mean 0, sd 1 */
double rng_exp(struct sim_rng *r, double mean);

#endif
