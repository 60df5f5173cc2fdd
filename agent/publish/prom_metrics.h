/*
 * prom_metrics.h - what thermwatchd exports to Prometheus (every metric is
 * described in thermwatchd(8), Metrics): the sensors as the engine sees
 * them, the host state, the zone alarm, the overrides, the actions, the
 * agent's health (readings, BMC, broker, event queue) and the fleet view.
 * The daemon fills a snapshot each cycle; nothing here knows the agent.
 */
#ifndef THERMWATCH_PROM_METRICS_H
#define THERMWATCH_PROM_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "conf_actions.h"
#include "engine.h"
#include "mqtt.h"
#include "prom.h"

/* Hook results, as in the "action" events. */
#define PROM_RESULTS 6
extern const char *const prom_result_names[PROM_RESULTS];

/* Counted by the daemon from its events. */
struct prom_counts {
	uint64_t actions[ACT_KIND_COUNT][PROM_RESULTS];
	uint64_t decisions[4]; /* by enum eng_action */
	uint64_t state_changes;
	uint64_t overrides_rejected;
};

struct prom_snapshot {
	const char *site, *zone, *host, *version;
	int tier;
	const struct eng *eng;
	const struct eng_output *out;
	int64_t now_ms;    /* monotonic */
	double now_wall_s; /* the same moment, wall clock */
	const char *hold;  /* the boot guard's reason, NULL when none */
	bool dry_run;
	double start_time_s; /* wall clock */
	uint64_t evaluations;
	/* agent.max_sensors and the sensors found beyond it */
	int max_sensors, sensors_refused;
	/* the host's CPU utilisation, 0 to 1 (NAN: unknown) */
	double cpu_busy;
	/* by engine sensor index, eng_sensor_count() long (may be NULL):
	 * seconds since the source's last reading, its source name */
	const double *sensor_age_s;
	const char *const *sensor_source;
	const struct prom_counts *counts;
	/* the actions */
	int hooks_running;
	bool shutdown_started;
	/* the BMC (have_bmc: ipmi enabled) */
	bool have_bmc;
	uint64_t bmc_ok, bmc_failed, bmc_timeout;
	int bmc_consecutive_failures;
	double bmc_last_duration_s;
	/* the broker (have_mq: mqtt enabled) */
	bool have_mq;
	struct mq_stats mq;
	/* the fleet view (have_fleet); destinations -1: no view */
	bool have_fleet;
	int fleet_hosts, fleet_fresh, destinations;
	int tier_hosts[ENG_MAX_TIER + 1];
	int tier_zones[ENG_MAX_TIER + 1];
	/* this host's offer: -1 unknown */
	int spare_vms, spare_mem_mb;
	bool have_capacity_command;
	uint64_t capacity_runs, capacity_failures;
};

/* Every metric of the snapshot into p. */
void prom_metrics(struct prom *p, const struct prom_snapshot *s);

#endif
