/*
 * fleet.h - the view of the other hosts of the site: a bounded table of
 * their retained states (from MQTT), when each is fresh, where load can
 * go (THERMWATCH_DESTINATIONS for the migrate hook) and how the tiers are
 * spread over the cooling zones. Pure: no I/O, no clock (monotonic and
 * wall times are handed in); the daemon and thermwatchctl fleet share it.
 *
 * A host is fresh while its last state message is younger than max_age_s
 * (by the sender's ts when it arrived, then by the local monotonic clock),
 * its status is not "offline" (its last will, or a clean stop) and its
 * local broker's bridge is not "0" (the whole host went dark).
 */
#ifndef THERMWATCH_FLEET_H
#define THERMWATCH_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "mqtt_fleet_msg.h"

/* THERMWATCH_DESTINATIONS is at most this long (thermwatchd(8)). */
#define FLEET_DEST_MAX 4096
/* After a (re)connect the retained states need a moment to arrive. */
#define FLEET_SETTLE_MS 1000

struct fleet_params {
	const char *zone; /* this host's zone; "" = none (thermwatchctl) */
	const char *host; /* this host, never in the table; "" = none */
	int max_hosts;
	double max_age_s;
};

struct fleet_host {
	char host[MQM_NAME_LEN];
	char zone[MQM_NAME_LEN];
	bool have_state; /* else only a status or bridge was seen */
	int tier;
	char state[MQM_STATE_LEN];
	bool accepting_load;
	bool zone_alarm;
	bool offline;           /* status "offline" */
	bool dark;              /* bridge "0" */
	int64_t fresh_until_ms; /* monotonic */
	struct mqm_offer offer;
};

struct fleet_stats {
	int hosts;        /* in the table */
	int fresh;        /* of which fresh now */
	uint64_t dropped; /* hosts not kept: the table was full */
	uint64_t states;  /* state messages taken */
};

/* How one tier is spread: hosts (fresh, this host included) and zones. */
struct fleet_tier {
	int hosts;
	int zones;
	char zone[MQM_NAME_LEN]; /* the zone, when zones == 1 */
};

struct fleet;

/* NULL on allocation failure. The params are copied. */
struct fleet *fleet_create(const struct fleet_params *p);
void fleet_free(struct fleet *f);

/* New params (a reload): hosts beyond max_hosts are dropped, stalest
 * first; a new max_age_s applies to the states that come next. */
void fleet_reconfigure(struct fleet *f, const struct fleet_params *p);

/* The broker connection came up (true) or went away. */
void fleet_connection(struct fleet *f, bool up, int64_t now_ms);
/* Whether there is a view of the fleet: connected and settled, or
 * disconnected for less than max_age_s after that. */
bool fleet_has_view(const struct fleet *f, int64_t now_ms);

/* A state message (already parsed, site checked) received at now_ms
 * (monotonic); wall_ms is the local wall clock. 0 taken, 1 ignored (this
 * host), -1 not kept (the table is full of fresh hosts). */
int fleet_state(struct fleet *f, const struct mqm_host_state *s, int64_t now_ms,
    int64_t wall_ms);
/* A status ("online"/"offline") or bridge ("1"/"0") message. */
void fleet_status(struct fleet *f, const char *zone, const char *host,
    bool online, int64_t now_ms);
void fleet_bridge(struct fleet *f, const char *zone, const char *host, bool up,
    int64_t now_ms);
/* A retained state was cleared (empty payload): forget the host. */
void fleet_forget(struct fleet *f, const char *host);

bool fleet_host_fresh(
    const struct fleet *f, const struct fleet_host *h, int64_t now_ms);
/* The hosts, ordered by name. */
int fleet_count(const struct fleet *f);
const struct fleet_host *fleet_get(const struct fleet *f, int i);
void
fleet_get_stats(const struct fleet *f, int64_t now_ms, struct fleet_stats *st);

/*
 * Where load can go: a JSON array (malloc'ed) of the fresh hosts in
 * another zone than this host's that accept load, best first (those that
 * publish a capacity, then by spare memory, spare VM slots, name), each
 * {host, zone, uri?, spare_vms?, spare_mem_mb?}, at most max_bytes long
 * (the worst are left out). NULL when there is no view (or no memory).
 */
char *
fleet_destinations(const struct fleet *f, int64_t now_ms, size_t max_bytes);
/* How many hosts fleet_destinations would consider (before the size
 * bound); -1 when there is no view. */
int fleet_destination_count(const struct fleet *f, int64_t now_ms);

/*
 * The tiers of the fresh hosts over the zones, tiers[0..ENG_MAX_TIER];
 * self_tier >= 0 adds this host (in params.zone), -1 does not.
 */
void fleet_tiers(const struct fleet *f, int64_t now_ms, int self_tier,
    struct fleet_tier tiers[ENG_MAX_TIER + 1]);

#endif
