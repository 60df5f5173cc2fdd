/*
 * agent.h - the daemon core: wires the sources, the engine, MQTT, the
 * actions and the control socket onto one event loop.
 *
 * Every tick (agent.interval_s): read hwmon, start a BMC read if none is
 * outstanding, feed the engine, evaluate, and hand state changes and
 * decisions to the event sink (log, MQTT, actions).
 */
#ifndef THERMWATCH_AGENT_H
#define THERMWATCH_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "engine.h"
#include "loop.h"
#include "source.h"

struct hwm;
struct bmc;
struct mq;
struct act;
struct ctl;
struct ovr;
struct ctl_ops;

/* What the agent remembers of each sensor beside the engine's view. */
struct agent_sensor {
	char id[ENG_ID_LEN];
	bool used;
	bool ignored;            /* by hwmon.ignore or a sensors rule */
	int eng_idx;             /* -1 when ignored */
	const char *trip_from;   /* "crit", "config", "class-default"... */
	struct src_reading last; /* the last reading from its source */
};

struct agent {
	struct agent_conf conf;
	struct loop *loop;
	struct eng *eng;
	struct hwm *hwm;
	struct bmc *bmc; /* NULL when ipmi is disabled */
	struct mq *mq;   /* NULL when mqtt is disabled */
	struct act *act; /* actions */
	struct ctl *ctl; /* control socket, NULL when off */
	struct ovr *ovr; /* persisted overrides (override.c) */
	bool dry_run;    /* --dry-run (see agent_dry_run) */
	bool foreground;
	int64_t started_ms;
	bool settled;                 /* every source has answered once */
	int64_t slow_hwmon_logged_ms; /* rate limit of the slow-read warning */
	uint64_t ticks;
	struct eng_output out; /* the last evaluation */
	int tick_timer;
	int rescan_timer;
	int watchdog_timer;
	int n_sensors;
	struct agent_sensor sensors[ENG_MAX_SENSORS];
};

/* --dry-run or actions.dry_run (which a reload may change). */
static inline bool
agent_dry_run(const struct agent *a)
{
	return a->dry_run || a->conf.actions.dry_run;
}

/* Take ownership of conf (the caller must not cnf_free it). 0 or -1. */
int agent_init(
    struct agent *a, struct agent_conf *conf, struct loop *l, bool dry_run);
void agent_done(struct agent *a);
/* Re-read the config file; keep the old one when the new one is invalid. */
void agent_reload(struct agent *a);
/* One sampling + evaluation cycle (the tick timer calls it). */
void agent_tick(struct agent *a, int64_t now_ms);

/*
 * The event sink: every state change, decision, action result, override
 * change and rejected input goes through here. Logged, and published
 * (queued while the broker is away). fields is consumed; may be NULL.
 */
void agent_event(struct agent *a, const char *type, cJSON *fields);

/* Rescan hwmon chips (SIGUSR2, the udev rule). */
void agent_rescan(struct agent *a);
/* Log the sensor table and the host state (SIGUSR1). */
void agent_dump(struct agent *a);

/* A source's reading: resolve class and trip, register, feed. */
void agent_on_reading(void *arg, const struct src_reading *r);

/* thermwatchd --once --json: sample every source once, print a JSON
 * array. Returns 0, or 1 when no source could be read. */
int agent_once_json(const struct agent_conf *conf, FILE *out);

/* agent_ctl.c: the control socket on a->conf.control (a->ctl), and the
 * operations its commands run on an agent. */
void agent_ctl_start(struct agent *a);
void agent_ctl_reload(struct agent *a);
const struct ctl_ops *agent_ctl_ops(void);

/* Resolve class, trip and trip source for a reading under conf. Returns
 * false when the sensor is ignored. */
bool agent_resolve(const struct agent_conf *conf, const struct src_reading *r,
    enum eng_class *cls, double *trip_c, enum eng_trip_src *src,
    const char **trip_from);

#endif
