/*
 * mqtt.h - thermwatch on MQTT (libmosquitto driven by our own poll loop).
 *
 * Topics under <prefix>/<site>/<zone>/<host>/ (prefix "thermwatch/v1"):
 *	telemetry	QoS 0	every telemetry_interval_s
 *	sensors		QoS 1	retained; telemetry 2's layout, on change
 *	state		QoS 1	retained; on change and on (re)connect
 *	event		QoS 1	queued, persisted, in order
 *	status		QoS 1	retained "online"; the will says "offline"
 *	peer		QoS 0	inlet summary for the zone peers
 *	override	QoS 1	retained: the overrides in force
 *	override/set	in	remote override requests for this host
 * plus <prefix>/<site>/<zone>/_all/override/set (zone) and
 * <prefix>/<site>/_all/_all/override/set (site), the zone's
 * <prefix>/<site>/<zone>/+/peer and, for the fleet view, the site's
 * <prefix>/<site>/+/+/{state,status,bridge}. See thermwatch-mqtt(7).
 *
 * Nothing here blocks the loop except mosquitto_connect(), which blocks in
 * connect(2) (and getaddrinfo for names): use a broker on loopback that
 * bridges upstream (broker-config/bridge.conf). Reconnects back off
 * exponentially with jitter and go through the broker list in order.
 *
 * Usable without struct agent (the simulator publishes virtual hosts).
 */
#ifndef THERMWATCH_MQTT_H
#define THERMWATCH_MQTT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "conf.h"
#include "engine.h"
#include "loop.h"

struct mq;

enum mq_scope { MQ_SCOPE_HOST, MQ_SCOPE_ZONE, MQ_SCOPE_SITE };

/* A remote override request that passed the schema and size checks. */
struct mq_override_req {
	const char *key;
	double value; /* NAN when clear */
	double ttl_s; /* 0 when clear */
	bool clear;
	const char *reason;
	const char *author;
	const char *id; /* request id ("" when none) */
	enum mq_scope scope;
	const char *via; /* "mqtt host", "mqtt zone", "mqtt site" */
};

/* The site's leaf topics the fleet view reads. */
enum mq_site_leaf { MQ_SITE_STATE, MQ_SITE_STATUS, MQ_SITE_BRIDGE };

/* A message of another host of the site (any zone), on
 * <prefix>/<site>/<zone>/<host>/{state,status,bridge}. */
struct mq_site_msg {
	const char *zone; /* from the topic */
	const char *host;
	enum mq_site_leaf leaf;
	const char *payload; /* not NUL-terminated; len 0: a retained
				message was cleared */
	size_t len;
	bool retained;
};

struct mq_callbacks {
	/* A zone peer's summary (own messages and bad ones are filtered;
	 * p->t_ms is the local receive time). May be NULL. */
	void (*peer)(void *arg, const struct eng_peer *p);
	/*
	 * Apply an override (eng_override_set/clear). Return 0 applied,
	 * 1 applied but clamped, -1 refused; err says how or why. Unless
	 * announces is set, the mq module publishes the "override" or
	 * "override_rejected" event. NULL: remote overrides are refused.
	 */
	int (*override)(void *arg, const struct mq_override_req *r,
	    int64_t now_ms, char *err, size_t errlen);
	/* The override callback emits the events itself (the daemon's
	 * override module does, for every channel alike). */
	bool announces;
	/* The broker connection came up (true) or went away. May be NULL. */
	void (*connection)(void *arg, bool up);
	/* The other hosts of the site (mqtt_site.c). NULL: their topics
	 * are not subscribed. */
	void (*site)(void *arg, const struct mq_site_msg *m);
};

struct mq_stats {
	bool connected;
	int broker; /* index in brokers[] of the last try */
	uint64_t connects;
	uint64_t published; /* messages handed to libmosquitto */
	uint64_t events_acked;
	int queued;       /* events waiting for a PUBACK */
	uint64_t dropped; /* events dropped (queue full) */
	uint64_t peers_received;
	uint64_t peers_ignored;     /* own, stale, malformed, implausible */
	uint64_t peers_implausible; /* of which out of physical bounds */
	uint64_t overrides_applied;
	uint64_t overrides_rejected;
	uint64_t rejections;           /* rejection events asked for */
	uint64_t rejections_coalesced; /* of which only counted */
	uint64_t noise_not_queued;     /* noise budget spent */
	uint64_t denied;               /* PUBACK >= 0x80 (e.g. ACL) */
};

/*
 * Start: load the persisted queue from state_dir (NULL or "" keeps it in
 * memory only) and begin connecting from a loop timer. The conf and id are
 * copied. NULL on failure, with a message logged.
 */
struct mq *mq_create(struct loop *l, const struct mqtt_conf *c,
    const struct agent_group *id, const char *state_dir,
    const struct mq_callbacks *cb, void *arg);
/* Publish "offline", disconnect cleanly (waits at most ~1 s), free. */
void mq_free(struct mq *mq);

/*
 * The publishers below are cheap to call every tick: telemetry and peer
 * are rate-limited to their intervals, state and overrides are sent when
 * they changed (and again after a reconnect). They never block and never
 * fail the caller: when the broker is away, QoS 0 messages are skipped
 * and state/overrides are sent once it is back.
 */
void mq_publish_telemetry(struct mq *mq, const struct eng *e,
    const struct eng_output *o, int64_t now_ms);
/* For the sensors message (telemetry schema 2): agent.max_sensors and the
 * sensors left out for want of room; a change re-sends the message. */
void mq_set_sensor_limits(struct mq *mq, int max_sensors, int refused);
void
mq_publish_state(struct mq *mq, const struct eng_output *o, int64_t now_ms);
void mq_publish_peer(struct mq *mq, const struct eng *e, int64_t now_ms);
void mq_publish_overrides(struct mq *mq, const struct eng *e, int64_t now_ms);
/*
 * Queue an event (QoS 1, in order, persisted; delivered after a reconnect
 * or a restart). fields is consumed (may be NULL); its members are added
 * to the payload beside v, ts, seq, site, zone, host and type.
 * "override_rejected" events are noise: rate-limited per source (the
 * first MQL_BURST per 10 s, then one "rejections" event that counts the
 * rest) and queued within a small budget of their own, so that no flood
 * of them can push out a real event (mqtt_queue.h).
 * Returns the event's seq, or 0 when it was not queued.
 */
uint64_t mq_publish_event(struct mq *mq, const char *type, cJSON *fields);

/* What this host offers the others of its site, published in its state
 * (NULL: nothing); re-sent at once when it changed. See mqtt_site.c. */
struct mqm_offer;
void mq_set_offer(struct mq *mq, const struct mqm_offer *offer);

/* The boot guard's hold (NULL when none): the state topic then says
 * "hold" with this reason. Takes effect at the next mq_publish_state. */
void mq_set_hold(struct mq *mq, const char *reason);
bool mq_connected(const struct mq *mq);
/* How many sensors documents (telemetry schema 2) were made so far: one is
 * the size of the sensor table, made at the start and on each change. */
uint64_t mq_sensors_made(const struct mq *mq);
/* Whether mq runs with these settings (a reload compares). */
bool mq_same_conf(const struct mq *mq, const struct mqtt_conf *c,
    const struct agent_group *id, const char *state_dir);
void mq_get_stats(const struct mq *mq, struct mq_stats *s);

#endif
