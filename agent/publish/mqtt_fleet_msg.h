/*
 * mqtt_fleet_msg.h - the fleet's part of the payloads: what a host offers
 * the others of its site in its retained state (spare capacity, the URI
 * to migrate to), and the state and status messages as another host (or
 * thermwatchctl fleet) reads them. See thermwatch-mqtt(7), state.
 */
#ifndef THERMWATCH_MQTT_FLEET_MSG_H
#define THERMWATCH_MQTT_FLEET_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define MQM_URI_LEN   256
#define MQM_NAME_LEN  64
#define MQM_STATE_LEN 16

/* What a host offers: -1 and "" are unknown / none. */
struct mqm_offer {
	int spare_vms;    /* more guests it takes */
	int spare_mem_mb; /* MiB free for guests */
	char uri[MQM_URI_LEN];
};

void mqm_offer_init(struct mqm_offer *o);
/* Any of spare_vms, spare_mem_mb known. */
bool mqm_offer_has_capacity(const struct mqm_offer *o);
bool mqm_offer_same(const struct mqm_offer *a, const struct mqm_offer *b);
/* Add "capacity" (when known) and "migrate_uri" (when set) to a state. */
void mqm_offer_add(cJSON *state, const struct mqm_offer *o);
/*
 * The capacity command's output: one JSON object with spare_vms and/or
 * spare_mem_mb, integers >= 0 (other members are ignored). Only the
 * capacity of o is set. 0, or -1 with the reason in err.
 */
int mqm_capacity_parse(const char *text, size_t len, struct mqm_offer *o,
    char *err, size_t errlen);

/* A host's retained state, as read by another. */
struct mqm_host_state {
	char zone[MQM_NAME_LEN];
	char host[MQM_NAME_LEN];
	int tier;
	char state[MQM_STATE_LEN];
	bool accepting_load;
	bool zone_alarm;
	int64_t ts_ms;          /* the sender's wall clock */
	struct mqm_offer offer; /* capacity members that are not integers
				   >= 0 are unknown; uri as published */
};

/*
 * Parse a state payload published on <prefix>/site/zone/host/state: its
 * site, zone and host must be those of the topic (the broker's ACL vouches
 * for the topic). 0, or -1 with the reason in err.
 */
int mqm_host_state_parse(const char *payload, size_t len, const char *site,
    const char *zone, const char *host, struct mqm_host_state *s, char *err,
    size_t errlen);
/* A status payload: *online is true for "online". 0, or -1. */
int mqm_status_parse(
    const char *payload, size_t len, bool *online, char *err, size_t errlen);

#endif
