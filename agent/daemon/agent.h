/*
 * agent.h - the daemon's wiring: one agent puts the sources, the engine,
 * MQTT, the actions, the override store and the control socket on one
 * event loop. The parts never see the agent; they get a narrow context
 * and report through callbacks, which land here.
 *
 * Every tick (agent.interval_s): read hwmon, start a BMC read if none is
 * outstanding, evaluate, and hand state changes and decisions to the
 * event sink (log, MQTT) and the actions.
 */
#ifndef THERMWATCH_AGENT_H
#define THERMWATCH_AGENT_H

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"
#include "engine.h"
#include "loop.h"
#include "source.h"

struct agent;
struct ctl_ops;

/* Start on loop l. Takes ownership of conf (the caller must not cnf_free
 * it, even on failure). priv_socket: the privileged part's socket
 * (thermwatch-priv.socket), where the hooks run and the BMC watchdog is
 * armed; NULL: both here. NULL when the engine cannot be created. */
struct agent *agent_create(struct agent_conf *conf, struct loop *l,
    bool dry_run, const char *priv_socket);
/* Stop every part, free. NULL is a no-op. */
void agent_free(struct agent *a);
/* Re-read the config file; keep the old one when the new one is invalid. */
void agent_reload(struct agent *a);
/* Rescan hwmon chips (SIGUSR2, the udev rule, thermwatchctl rescan). */
void agent_rescan(struct agent *a);
/* Log the sensor table and the host state (SIGUSR1). */
void agent_dump(struct agent *a);

/* The configuration in force. */
const struct agent_conf *agent_conf(const struct agent *a);
/* --dry-run or actions.dry_run (which a reload may change). */
bool agent_dry_run(const struct agent *a);
/* The operations the control socket's commands run on an agent (its arg
 * is the agent). */
const struct ctl_ops *agent_ctl_ops(void);

/* thermwatchd --once --json: sample every source once, print a JSON
 * array. Returns 0, or 1 when no source could be read. */
int agent_once_json(const struct agent_conf *conf, FILE *out);

/* Resolve class, trip and trip source for a reading under conf's sensors
 * rules. Returns false when the sensor is ignored. */
bool agent_resolve(const struct agent_conf *conf, const struct src_reading *r,
    enum eng_class *cls, double *trip_c, enum eng_trip_src *src,
    const char **trip_from);

#endif
