/*
 * mqtt_msg.h - thermwatch MQTT payloads (JSON through cJSON), built and
 * parsed here so that the schema lives in one place, next to
 * thermwatch-mqtt(7). No I/O: unit tests drive it directly.
 *
 * Every payload is an object with "v" (schema version, MQM_VERSION),
 * "ts" (wall clock, ms since the epoch), "seq" (per topic kind) and the
 * identity "site", "zone", "host".
 */
#ifndef THERMWATCH_MQTT_MSG_H
#define THERMWATCH_MQTT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine.h"

#define MQM_VERSION    1
#define MQM_KEY_LEN    48
#define MQM_TEXT_LEN   128
#define MQM_AUTHOR_LEN 64

struct mqm_id {
	const char *site;
	const char *zone;
	const char *host;
	int tier;
};

/* A parsed override/set request. */
struct mqm_override {
	char key[MQM_KEY_LEN];
	double value; /* NAN for "clear" */
	double ttl_s; /* 0 for "clear" */
	bool clear;
	char reason[MQM_TEXT_LEN];
	char author[MQM_AUTHOR_LEN];
	char id[MQM_KEY_LEN]; /* request id, optional, echoed */
	int64_t ts_ms;        /* "ts" (ms since the epoch), 0 when absent */
};

/* A new object with v, ts, seq and the identity. */
cJSON *mqm_header(const struct mqm_id *id, int64_t ts_ms, uint64_t seq);
/* Add v as a number, or null when not finite; rounded to 1e-3. */
void mqm_add_num(cJSON *o, const char *key, double v);
/* Serialise and delete o; malloc'ed string or NULL. */
char *mqm_finish(cJSON *o);

/*
 * The one view of the host's state, shared by the MQTT state payload and
 * the control socket's "status" (thermwatchctl): state ("hold" while the
 * boot guard holds the host, hold being its reason, else NULL), engine_state
 * (during a hold only), prev_state, reason, eta_s, accepting_load (false
 * during a hold) and zone_alarm, added to o.
 */
void mqm_state_fields(cJSON *o, const struct eng_output *out, const char *hold);
/*
 * The one view of a sensor, shared by the telemetry payload and the
 * control socket's "sensors": class, status, value_c, filtered_c, used_c
 * (the value the engine decides on: filtered_c, or the value it assumes
 * for a stale sensor it extrapolates; null while it counts as missing),
 * assumed, trip_c, trip_src, headroom_c, slope_c_per_min, eta_s, level
 * (0 none, 1 warn, 2 migrate, 3 shutdown) and rejected, added to o.
 */
void mqm_sensor_fields(cJSON *o, const struct eng_sensor_view *v);

char *mqm_telemetry(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const struct eng *e, const struct eng_output *o);
/* hold: NULL, or why the boot guard holds the host: then "state" is
 * "hold", "engine_state" the engine's state and accepting_load false. */
char *mqm_state_hold(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const struct eng_output *o, int64_t now_ms, const char *hold);
struct mqm_offer;
/* The same, with what the host offers the others of its site (spare
 * capacity, migration URI; see mqtt_fleet_msg.h); offer may be NULL. */
char *mqm_state_offer(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const struct eng_output *o, int64_t now_ms, const char *hold,
    const struct mqm_offer *offer);
char *mqm_state(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const struct eng_output *o, int64_t now_ms);
/* fields is consumed (may be NULL): its members are moved into the event. */
char *mqm_event(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const char *type, cJSON *fields);
char *mqm_status(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    bool online, const char *reason);
char *mqm_peer(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const struct eng_peer *p);
char *mqm_overrides(const struct mqm_id *id, int64_t ts_ms, uint64_t seq,
    const struct eng *e, int64_t now_ms);

/*
 * Parse a peer summary. topic_host is the host level of the topic (the
 * broker's ACL vouches for it); a payload naming another host is refused.
 * *ts_ms gets the sender's ts. 0, or -1 with the reason in err.
 */
int mqm_peer_parse(const char *payload, size_t len, const char *topic_host,
    struct eng_peer *p, int64_t *ts_ms, char *err, size_t errlen);
/* Parse an override/set request; 0, or -1 with the reason in err. */
int mqm_override_parse(const char *payload, size_t len, struct mqm_override *r,
    char *err, size_t errlen);

#endif
