/*
 * mqtt_int.h - what mqtt.c (the connection), mqtt_setup.c (create,
 * free), mqtt_publish.c (outgoing) and mqtt_in.c (incoming peers and
 * overrides) share. Not for other modules.
 */
#ifndef THERMWATCH_MQTT_INT_H
#define THERMWATCH_MQTT_INT_H

#include <mosquitto.h>

#include "mqtt.h"
#include "mqtt_fleet_msg.h"
#include "mqtt_msg.h"
#include "mqtt_queue.h"
#include "mqtt_sig.h"
#include "mqtt_tele.h"

#define MQ_TOPIC_LEN 512 /* a longer topic is a configuration error */
#define MQ_WINDOW    16  /* events in flight at once */

/* mqtt_limit.c: rejections per source and window */
#define MQL_WINDOW_MS 10000
#define MQL_BURST     10 /* reported one by one per source and window */
#define MQL_SOURCES   16 /* told apart; more share one entry */

struct mq_src {
	bool used;
	char via[16];
	char who[64];
	int64_t start_ms;   /* the window began (monotonic) */
	int64_t start_wall; /* ... (wall clock, for the event) */
	int64_t last_ms;
	uint64_t n;          /* rejections in the window */
	uint64_t suppressed; /* of which not reported one by one */
	char last[160];      /* the last one's reason */
};

struct mq {
	struct loop *loop;
	struct mqtt_conf conf;
	char site[CNF_NAME_LEN];
	char zone[CNF_NAME_LEN];
	char host[CNF_NAME_LEN];
	int tier;
	char *state_dir; /* malloc'ed, "" = none */
	struct mqm_id id;
	struct mq_callbacks cb;
	void *arg;
	char client_id[MQC_NAME_LEN + 16];
	char *password;       /* NULL when none */
	int n_keys;           /* operators' keys (mqtt_trust.c) */
	struct mqs_key *keys; /* n_keys of them, NULL when none */
	int64_t *key_last_ts; /* last accepted, per key */

	/* topics (malloc'ed, each shorter than MQ_TOPIC_LEN) */
	char *t_telemetry;
	char *t_sensors;
	char *t_state;
	char *t_event;
	char *t_status;
	char *t_peer;
	char *t_override;
	char *t_set_host;
	char *t_set_zone;
	char *t_set_site;
	char *t_peer_sub;    /* <prefix>/<site>/<zone>/+/peer */
	size_t peer_pfx_len; /* strlen("<prefix>/<site>/<zone>/") */

	/* connection */
	struct mosquitto *m;
	int fd; /* watched fd, -1 when none */
	short fd_events;
	bool connected;              /* CONNACK accepted */
	bool lost;                   /* tear down after the current call */
	bool closing;                /* mq_free in progress */
	bool in_lib;                 /* inside mosquitto_loop_*() */
	int64_t connect_deadline_ms; /* CONNACK must come by then */
	int broker;                  /* index of the broker being tried */
	int round_fails;             /* whole rounds failed in a row */
	int conn_timer;
	int misc_timer;
	uint32_t rnd;
	bool warned_down; /* log a failing broker once per outage */

	/* events */
	struct mqq *q;
	int status_mid; /* the final "offline" in mq_free */
	bool status_acked;

	/* the fleet view (mqtt_site.c) */
	char *t_site_sub[3]; /* <prefix>/<site>/+/+/<leaf> (malloc'ed) */
	size_t site_pfx_len; /* strlen("<prefix>/<site>/") */
	struct mqm_offer offer;
	bool have_offer;

	/* latest state and overrides, re-sent on every connect */
	char *state_json;
	char state_sig[2 * ENG_REASON_LEN + 64];
	char hold[ENG_REASON_LEN]; /* "" when not held */
	char *ovr_json;
	char *ovr_sig;

	/* MQL_SOURCES + 1 (the last: "(others)"), made at the first
	 * rejection; NULL before */
	struct mq_src *lim;

	/* telemetry schema 2: the layout; what the latest sensors message
	 * said beside it, to print it again for a new connection (not kept
	 * as text: ~84 bytes a sensor) */
	struct mqm_tele *tele;
	struct {
		bool sent;
		int64_t ts_ms;
		uint64_t seq;
		int max_sensors, refused;
	} sensors;
	int max_sensors, refused;
	bool limits_changed;

	uint64_t seq_telemetry, seq_state, seq_status, seq_peer, seq_ovr,
	    seq_sensors;
	int64_t last_telemetry_ms, last_peer_ms, last_state_ms;
	bool have_telemetry, have_peer;
	struct mq_stats st;
};

/*
 * Reconnect delay after `rounds` whole rounds of the broker list failed:
 * min_s doubling per round up to max_s, times a jitter factor 0.75..1.25
 * from u in [0, 1].
 */
int64_t mq_backoff_ms(double min_s, double max_s, int rounds, double u);
/* *t = the topic printed from fmt (malloc'ed); -1 with a message logged
 * when it is MQ_TOPIC_LEN bytes or longer (a configuration error) or out
 * of memory. */
int
mq_topic(char **t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Wall clock, ms since the epoch. */
int64_t mq_wall_ms(void);
/* Keep the loop's fd watcher in step with libmosquitto's socket. */
void mq_sync_fd(struct mq *mq);
/* Publish a message now if connected (not queued). 0 or a MOSQ_ERR. */
int mq_send(struct mq *mq, const char *topic, const char *payload, int qos,
    bool retain, int *mid);

/* The latest sensors message (mq->sensors) printed again; malloc'ed,
 * NULL when out of memory. */
char *mq_sensors_text(const struct mq *mq);

/* Send queued events in order, a window of them awaiting PUBACK. */
void mq_flush_queue(struct mq *mq);
/* Tear down a connection marked lost, unless inside a libmosquitto call. */
void mq_check_lost(struct mq *mq);
/* Start connecting (timers); 0 or -1. */
int mq_conn_start(struct mq *mq);
/* Say "offline", disconnect (waits at most ~1.5 s), stop the timers. */
void mq_conn_stop(struct mq *mq);

/* Queue an event (noise: as noise, see mqtt_queue.h) without the rate
 * limit; fields consumed. Its seq, or 0 when not queued. */
uint64_t
mq_queue_event(struct mq *mq, const char *type, cJSON *fields, bool noise);

/* mqtt_limit.c: count a rejection (fields: its via, author, message);
 * true when it is to be logged and published in full, false when it is
 * only counted. The tick sends the summaries of windows that ended. */
bool mq_limit_admit(struct mq *mq, const cJSON *fields, int64_t now_ms);
void mq_limit_tick(struct mq *mq, int64_t now_ms);

/* mqtt_trust.c: decode the keys, load the replay record; 0 or -1. */
int mq_trust_init(struct mq *mq);
/*
 * The request in msg, as this host may believe it (signed, fresh, not
 * replayed when keys are set). 0 with r filled; -1 with err (r unknown);
 * -2 with err when r could be read but is refused.
 */
int mq_trust_request(struct mq *mq, const struct mosquitto_message *msg,
    struct mqm_override *r, char *err, size_t errlen);

/* mqtt_in.c: subscribe after CONNACK; dispatch one incoming message. */
void mq_in_subscribe(struct mq *mq);
void mq_in_message(struct mq *mq, const struct mosquitto_message *msg);

/* mqtt_site.c: the site's topics for the fleet view (when cb.site); 0 or
 * -1 (mq_topic). */
int mq_site_topics(struct mq *mq);
void mq_site_subscribe(struct mq *mq);
/* True when msg was on one of them (handled). */
bool mq_site_message(struct mq *mq, const struct mosquitto_message *msg);

#endif
