/*
 * agent_int.h - the wiring module's own state, shared by its files only:
 * agent.c (life cycle, the tick), agent_sensors.c (readings into the
 * engine), agent_act.c (decisions into actions), agent_ctl.c (the control
 * socket's view) and agent_mqtt.c (the broker's view). No part of the
 * agent (sources, publish, actions, control, override store) sees it.
 */
#ifndef THERMWATCH_AGENT_INT_H
#define THERMWATCH_AGENT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "agent_table.h"
#include "mqtt.h"
#include "prom_metrics.h"
#include "source.h"

/* agent.max_sensors, at most */
#define AGENT_SENSORS_LIMIT CNF_SENSORS_LIMIT

struct hwm;
struct bmc;
struct mq;
struct act;
struct ctl;
struct ovs;
struct est;
struct fleet;
struct capacity;
struct prv;
struct cpb;

struct agent {
	struct agent_conf conf;
	struct loop *loop;
	struct eng *eng;
	struct hwm *hwm;
	struct bmc *bmc;      /* NULL when ipmi is disabled */
	struct mq *mq;        /* NULL when mqtt is disabled */
	struct act *act;      /* actions */
	struct ctl *ctl;      /* control socket, NULL when off */
	struct ovs *ovs;      /* persisted overrides */
	struct est *est;      /* the engine's state across a restart */
	struct prv *prv;      /* the privileged part, NULL: hooks run here */
	struct cpb *cpb;      /* /proc/stat; NULL when out of memory */
	double cpu_busy;      /* the last tick's figure (cpubusy.h), or NAN */
	struct fleet *fleet;  /* the site's hosts; NULL without MQTT */
	struct capacity *cap; /* this host's offer; NULL without MQTT */
	struct prom_counts counts; /* from the events, for the metrics */
	bool metrics_failing;      /* the textfile could not be written */
	bool dry_run;              /* --dry-run (see agent_dry_run) */
	int64_t started_ms;
	bool settled;                 /* every source has answered once */
	int64_t slow_hwmon_logged_ms; /* rate limit of the slow-read warning */
	uint64_t ticks;
	int64_t trimmed_ms;    /* the last malloc_trim of agent_tick */
	struct eng_output out; /* the last evaluation */
	int tick_timer;
	int rescan_timer;
	int watchdog_timer;
	/* The sensor table (agent_table.h); sensors and n_sensors mirror
	 * tab.s and tab.n for the readers of the table. */
	struct agent_table tab;
	struct agent_sensor *sensors;
	int n_sensors;
	int max_sensors;   /* the engine's capacity, fixed at the start */
	unsigned scan_gen; /* hwmon scans so far */
	int refused;       /* sensors not monitored for want of room */
	int refused_told;  /* the count last warned about */
	int refused_last;  /* the slot of the latest refused, or -1 */
};

/*
 * agent.c: the event sink. Every state change, decision, action result,
 * override change and rejected input goes through here: published
 * (queued while the broker is away). fields is consumed; may be NULL.
 */
void agent_event(struct agent *a, const char *type, cJSON *fields);

/* agent_sensors.c */
/* Start hwmon and the IPMI source as configured; stop them. */
void agent_sources_start(struct agent *a);
void agent_sources_stop(struct agent *a);
/* Read hwmon, poll the BMC. False while the first BMC read is pending. */
bool agent_sources_read(struct agent *a, int64_t now_ms);
/* A source found a sensor: resolve its class and trip under the sensors
 * rules, register it with the engine; returns its handle (src_attach_cb). */
int agent_attach(void *arg, const struct src_reading *r);
/* A source's reading, by its handle: fed to the engine. */
void agent_on_reading(void *arg, const struct src_reading *r);
/* hwmon sensors that went away are missing, not hot. */
void agent_check_removed(struct agent *a);
/* The periodic rescan: only when the chips or the config changed. */
void agent_rescan_check(struct agent *a);

/* agent_act.c */
struct act *agent_act_start(struct agent *a);
/* Log and announce a->out, hand its decisions to the actions. */
void agent_act_dispatch(struct agent *a, int64_t now_ms);

/* agent_ctl.c: the control socket on a->conf.control (a->ctl). */
void agent_ctl_start(struct agent *a);
void agent_ctl_reload(struct agent *a);

/* agent_fleet.c: the fleet view (a->fleet) and this host's offer
 * (a->cap), with MQTT only. */
void agent_fleet_start(struct agent *a);
void agent_fleet_stop(struct agent *a);
/* After a reload swapped a->conf; true when MQTT must re-subscribe. */
bool agent_fleet_reload(struct agent *a);
/* mq callbacks (arg is the agent). */
void agent_fleet_on_site(void *arg, const struct mq_site_msg *m);
void agent_fleet_on_connection(void *arg, bool up);
/* THERMWATCH_DESTINATIONS (malloc'ed), NULL when there is no view. */
char *agent_fleet_destinations(void *arg);

/* agent_metrics.c: the Prometheus textfile (prometheus.textfile). */
/* Count an event (agent_event calls it). */
void agent_metrics_count(struct agent *a, const char *type, const cJSON *f);
/* Write the metrics file, after each evaluation. */
void agent_metrics_write(struct agent *a, int64_t now_ms);

/* agent_mqtt.c: MQTT when mqtt.enabled (a->mq stays NULL otherwise or on
 * error: the agent protects the host without a broker). */
void agent_mqtt_start(struct agent *a);
void agent_mqtt_stop(struct agent *a);
/* After an evaluation: state, telemetry, peer, overrides. True when it
 * made the sensors document (one-off, the size of the sensor table). */
bool agent_mqtt_tick(struct agent *a, int64_t now_ms);
/* Queue an event; fields is not consumed. */
void agent_mqtt_event(struct agent *a, const char *type, const cJSON *fields);
/* After a reload swapped a->conf: restart MQTT if its settings changed. */
void agent_mqtt_reload(struct agent *a);

#endif
