/*
 * mqtt_tele.h - telemetry schema 2 (thermwatch-mqtt(7)): the retained
 * "sensors" message, which holds what does not change from cycle to
 * cycle (ids, classes, trip points) and the layout that telemetry
 * follows, and the compact per-cycle "telemetry": the values by position
 * in that layout, and what is rarely not at its default (slope, eta,
 * level, status, rejected samples) only for the positions where it is
 * not.
 *
 * The telemetry document is built once per layout with cJSON and updated
 * in place each cycle (numbers set, nodes from a pool linked in and out,
 * printed into a kept buffer): a cycle builds no JSON by hand and
 * allocates nothing (a pool node is made the first time a position has a
 * sparse member, then kept). One node per position serves value_c and
 * filtered_c: cJSON prints the array with the filtered numbers into a
 * buffer of its own, which the document holds as a raw member, then the
 * document with the values. No I/O: unit tests drive it directly.
 *
 *	t = mqm_tele_create();
 *	every telemetry interval:
 *		if (mqm_tele_sync(t, e))	the layout changed
 *			publish mqm_sensors(t, ...), retained
 *		publish mqm_telemetry2(t, ...)
 */
#ifndef THERMWATCH_MQTT_TELE_H
#define THERMWATCH_MQTT_TELE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "mqtt_msg.h"

#define MQM_TELE_VERSION 2

struct mqm_tele;

struct mqm_tele *mqm_tele_create(void);
void mqm_tele_free(struct mqm_tele *t);

/*
 * Take this cycle's view of the engine's sensors (those not removed, in
 * the engine's order: the layout). True when the layout changed (a sensor
 * came or went, a class or trip changed): the sensors message must then
 * go out before the next telemetry. False also when out of memory (then
 * mqm_telemetry2 returns NULL).
 */
bool mqm_tele_sync(struct mqm_tele *t, const struct eng *e);
/* The layout's name: 8 hex digits, a hash of its sensors' ids, classes
 * and trips; "" before the first sync. */
const char *mqm_tele_layout(const struct mqm_tele *t);
int mqm_tele_count(const struct mqm_tele *t);

/* The sensors message of the current layout (malloc'ed, NULL when out of
 * memory). max_sensors and refused: agent.max_sensors and the sensors
 * left out for want of room. */
char *mqm_sensors(const struct mqm_tele *t, const struct mqm_id *id,
    int64_t ts_ms, uint64_t seq, int max_sensors, int refused);
/* This cycle's telemetry from the views of the last sync, printed into
 * t's buffer: valid until the next call. NULL when out of memory. */
const char *mqm_telemetry2(struct mqm_tele *t, int64_t ts_ms, uint64_t seq,
    const struct eng_output *o);

/*
 * Telemetry 2 read back (mqtt_tele_read.c, for consumers): the sensor
 * objects of telemetry 1 (id, class, status, value_c, filtered_c, used_c,
 * assumed, trip_c, trip_src, headroom_c, slope_c_per_min, eta_s, level,
 * rejected) from a sensors message and a telemetry of its layout. A new
 * array, or NULL when the layouts differ or a member is malformed.
 */
cJSON *mqm_tele_expand(const cJSON *sensors_msg, const cJSON *telemetry);

#endif
