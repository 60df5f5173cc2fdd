/*
 * mqtt_queue.h - the bounded, persisted, in-order queue of MQTT events.
 *
 * libmosquitto keeps unsent QoS 1 messages in process memory only and
 * without a bound (FIELD.md item 8), so events go through this queue
 * instead: an entry leaves it only when the broker acknowledged it
 * (PUBACK), and every change is appended to a log file in state_dir, so an
 * agent restart while the broker is down keeps the events.
 *
 * The log is line based:
 *	#thermwatch-mqtt-queue 1 next=<seq>	header
 *	+<seq> <json>				an event was queued
 *	D<seq> <first> <last> <count> <json>	the "dropped" record
 *	-<seq>					acknowledged or dropped
 * and is rewritten (compacted, then renamed over) at open and whenever it
 * holds many more lines than entries. A torn last line is ignored.
 *
 * When the queue is full the oldest event is dropped. The drops are
 * summed up in one "dropped" record at the head of the queue: its seq is
 * that of the last dropped event, so sequence numbers stay increasing in
 * delivery order, and a consumer sees which range it lost.
 *
 * Two classes share the queue, in one order: real events (state changes,
 * decisions, actions, override changes) and noise (rejected requests,
 * already rate-limited upstream). Noise has its own small budget
 * (MQQ_NOISE_MAX) on top of max: a noise event that finds the budget
 * spent is not queued at all (and takes no seq), and a real event is only
 * ever dropped when max real events wait, never to make room for noise.
 * Noise is logged as "~<seq> <json>".
 */
#ifndef THERMWATCH_MQTT_QUEUE_H
#define THERMWATCH_MQTT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MQQ_NOISE_MAX 64 /* noise events queued at most, besides max */
#define MQQ_RING_MIN  16 /* entries the ring starts with and keeps */

struct mqq;

struct mqq_entry {
	uint64_t seq;
	int mid; /* libmosquitto message id in flight, 0 = none */
	bool acked;
	bool noise;          /* a noise event (see above) */
	bool is_drop;        /* the "dropped" summary record */
	uint64_t drop_first; /* dropped seq range and count (is_drop) */
	uint64_t drop_last;
	uint64_t drop_count;
	char *json; /* payload, NUL-terminated */
	size_t len;
};

/* What a "dropped" record sums up. */
struct mqq_drop {
	uint64_t seq;   /* the record's: that of the last dropped event */
	uint64_t first; /* the range of dropped seqs */
	uint64_t last;
	uint64_t count; /* events dropped, noise included */
	uint64_t noise; /* of which noise (since this run) */
};

/* Builds the payload of a "dropped" record (malloc'ed string, or NULL). */
typedef char *(*mqq_drop_fn)(void *arg, const struct mqq_drop *d);

/*
 * Open (create) the queue. path NULL keeps it in memory only. max is the
 * bound on events (the dropped record comes on top). Entries found in the
 * file are kept, oldest dropped when over max. NULL on failure (errno).
 */
struct mqq *mqq_open(const char *path, int max, mqq_drop_fn drop, void *arg);
void mqq_close(struct mqq *q);

/* The seq the next pushed event must carry. Survives restarts. */
uint64_t mqq_next_seq(const struct mqq *q);
/* Queue a real event: json (taken over, free()d by the queue), which
 * carries seq == mqq_next_seq(). Returns the number of events dropped to
 * make room. */
int mqq_push(struct mqq *q, uint64_t seq, char *json);
/* Queue a noise event the same way: 0, or -1 when the noise budget is
 * spent (json is then not taken, and seq stays free). */
int mqq_push_noise(struct mqq *q, uint64_t seq, char *json);

int mqq_count(const struct mqq *q);
/* Entries the queue has room for now (its ring grows and shrinks). */
int mqq_slots(const struct mqq *q);
/* Entry i from the head (oldest), or NULL. */
struct mqq_entry *mqq_at(struct mqq *q, int i);
/* A PUBACK for mid: the entry is done. Returns its seq, or 0 if unknown. */
uint64_t mqq_ack_mid(struct mqq *q, int mid);
/* The connection is gone: nothing is in flight any more. */
void mqq_reset_inflight(struct mqq *q);
/* Totals since open. */
uint64_t mqq_dropped_total(const struct mqq *q);
uint64_t mqq_noise_refused(const struct mqq *q); /* budget spent */
int mqq_noise_count(const struct mqq *q);        /* queued now */
/* Write errors of the log (the queue goes on in memory). */
int mqq_io_errors(const struct mqq *q);

#endif
