/*
 * publish.h - thermwatch-sim --mqtt: the virtual hosts publish on MQTT
 * with the agent's own payload builders (mqtt_msg.c), so a dashboard or
 * "thermwatchctl watch" sees a rehearsal exactly as it would see the room.
 *
 * Simulated time runs far faster than real time, so telemetry is thinned
 * to one message per host every interval_s of simulated time; state
 * changes and decisions are all published (state retained, QoS 1).
 * Timestamps are the wall clock at the start plus the simulated time.
 */
#ifndef THERMWATCH_SIM_PUBLISH_H
#define THERMWATCH_SIM_PUBLISH_H

#include <stddef.h>

#include "run.h"

struct simpub;

/* broker is "host:port" (loopback expected); NULL with err on failure. */
struct simpub *simpub_create(const char *broker, const char *site,
    double interval_s, char *err, size_t errlen);
/* The sim_host_cb for struct sim_opts. */
void simpub_host(void *arg, const struct sim_run *r, const struct sim_host *h,
    int64_t now_ms, const struct eng_output *out);
/* Wait (bounded) for QoS 1 acks, print a one-line summary, disconnect. */
void simpub_free(struct simpub *p, FILE *summary);

#endif
