/*
 * top_model.h - what thermwatchctl top shows, without a screen: one row
 * per host (state, eta, load, zone alarm, hottest inlet and cpu, whether
 * its agent is online), made from the agents' MQTT messages or from the
 * local daemon's control socket (whose status and sensors come from the
 * same builders as the MQTT state and telemetry payloads), the zones in
 * a cooling alarm, and the order of the rows.
 */
#ifndef THERMWATCH_TOP_MODEL_H
#define THERMWATCH_TOP_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define TOP_NAME_LEN   64
#define TOP_STATE_LEN  16
#define TOP_REASON_LEN 256

enum top_sort {
	TOP_SORT_ETA,   /* soonest trip first; then the worst state */
	TOP_SORT_STATE, /* the worst state first */
	TOP_SORT_HOST,  /* site, zone, host */
	TOP_SORT_ZONE,  /* zone, then the worst state */
	TOP_SORT_TIER,  /* tier 0 (most important) first */
	TOP_SORT_INLET, /* hottest inlet first */
	TOP_SORT_CPU,   /* hottest cpu first */
	TOP_SORT_COUNT
};

struct top_host {
	char site[TOP_NAME_LEN];
	char zone[TOP_NAME_LEN];
	char host[TOP_NAME_LEN];
	int tier;                   /* -1 unknown */
	char state[TOP_STATE_LEN];  /* "" before a state message */
	char engine[TOP_STATE_LEN]; /* engine_state during a hold, or "" */
	char reason[TOP_REASON_LEN];
	double eta_s; /* INFINITY not rising, NAN unknown */
	bool accepting_load;
	bool zone_alarm;
	bool offline; /* status "offline" (last will) */
	char offline_why[TOP_NAME_LEN];
	double inlet_c, cpu_c; /* hottest used value, NAN unknown */
	bool assumed;          /* one of them is assumed (stale) */
	int64_t seen_ms;       /* newest message, wall clock ms */
};

/* A zone in a cooling alarm, as its hosts report it. */
struct top_zone {
	char site[TOP_NAME_LEN];
	char zone[TOP_NAME_LEN];
	int hosts;       /* hosts known in the zone */
	int alarm;       /* of which report the zone alarm (online) */
	int by_state[8]; /* hosts per top_severity() */
	double worst_eta_s;
	double inlet_max_c;
};

struct top_model {
	struct top_host *h;
	int n, cap;
	enum top_sort sort;
	bool reverse;
	uint64_t messages; /* taken into the model */
};

void top_model_init(struct top_model *m);
void top_model_done(struct top_model *m);

/* The row of site/zone/host, made when new; NULL when out of memory. */
struct top_host *top_model_host(
    struct top_model *m, const char *site, const char *zone, const char *host);

/*
 * One MQTT message: topic <prefix>/<site>/<zone>/<host>/<leaf> with leaf
 * state, status, telemetry or peer. 1 taken, 0 not for the model (other
 * topics, bad JSON). now_ms: wall clock, when the payload has no "ts".
 */
int top_model_message(struct top_model *m, const char *prefix,
    const char *topic, const void *payload, int len, int64_t now_ms);

/* The members of an MQTT state payload or a control socket status. */
void top_host_state(struct top_host *h, const cJSON *o);
/* An MQTT status payload: online or offline. */
void top_host_status(struct top_host *h, const cJSON *o);
/* Sensor objects (telemetry's "sensors", or the socket's sensors). */
void top_host_sensors(struct top_host *h, const cJSON *sensors);

/* 7 critical, 6 hot, 5 offline, 4 hold, 3 warn, 2 degraded, 1 ok,
 * 0 unknown. */
int top_severity(const struct top_host *h);
/* The state word a row shows: "offline" for an agent that is gone. */
const char *top_state_word(const struct top_host *h);

/* Order the rows by m->sort (and m->reverse). */
void top_model_sort(struct top_model *m);
const char *top_sort_name(enum top_sort s);

/*
 * The zones, alarmed ones first (most hosts reporting it first), into z
 * (at most max); returns how many there are in all.
 */
int top_model_zones(const struct top_model *m, struct top_zone *z, int max);

#endif
