/*
 * test_mqtt_queue.c - the persisted event queue: order, acks, restart,
 * bound with the "dropped" record, torn log lines; real events are never
 * dropped to make room for noise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mqtt_queue.h"

static char dir[64];
static char path[128];
static struct mqq_drop last_drop;

static char *
mkdrop(void *arg, const struct mqq_drop *d)
{
	char *s = malloc(160);

	(void)arg;
	last_drop = *d;
	snprintf(s, 160,
	    "{\"type\":\"dropped\",\"seq\":%" PRIu64 ",\"first_seq\":%" PRIu64
	    ",\"last_seq\":%" PRIu64 ",\"count\":%" PRIu64 ",\"noise\":%" PRIu64
	    "}",
	    d->seq, d->first, d->last, d->count, d->noise);
	return s;
}

static char *
ev(uint64_t seq)
{
	char *s = malloc(64);

	snprintf(s, 64, "{\"seq\":%" PRIu64 "}", seq);
	return s;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tw-mqq.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/q", dir);
	return 0;
}

static int
teardown(void **state)
{
	char tmp[160];

	(void)state;
	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	rmdir(dir);
	return 0;
}

static void
push_n(struct mqq *q, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t s = mqq_next_seq(q);

		mqq_push(q, s, ev(s));
	}
}

static void
test_order_and_ack(void **state)
{
	struct mqq *q = mqq_open(path, 100, mkdrop, NULL);

	(void)state;
	assert_non_null(q);
	assert_int_equal(mqq_next_seq(q), 1);
	push_n(q, 5);
	assert_int_equal(mqq_count(q), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(mqq_at(q, i)->seq, (uint64_t)i + 1);
	/* acks out of order: the head leaves only when it is acked */
	mqq_at(q, 0)->mid = 10;
	mqq_at(q, 1)->mid = 11;
	assert_int_equal(mqq_ack_mid(q, 11), 2);
	assert_int_equal(mqq_count(q), 5);
	assert_int_equal(mqq_ack_mid(q, 10), 1);
	assert_int_equal(mqq_count(q), 3);
	assert_int_equal(mqq_at(q, 0)->seq, 3);
	assert_int_equal(mqq_ack_mid(q, 99), 0); /* unknown mid */
	mqq_at(q, 0)->mid = 12;
	mqq_reset_inflight(q);
	assert_int_equal(mqq_at(q, 0)->mid, 0);
	mqq_close(q);
}

/* ack the n oldest (they are in flight one after the other) */
static void
ack_n(struct mqq *q, int n)
{
	for (int i = 0; i < n; i++) {
		mqq_at(q, 0)->mid = 1000 + i;
		assert_int_not_equal(mqq_ack_mid(q, 1000 + i), 0);
	}
}

static void
assert_in_order(struct mqq *q, uint64_t first)
{
	for (int i = 0; i < mqq_count(q); i++)
		assert_int_equal(mqq_at(q, i)->seq, first + (uint64_t)i);
}

/* The ring grows as events wait, with its head anywhere, keeps their
 * order, never beyond the bound, and is given back when all are acked. */
static void
test_ring_grows_in_order(void **state)
{
	struct mqq *q = mqq_open(NULL, 300, mkdrop, NULL);

	(void)state;
	assert_non_null(q);
	assert_int_equal(mqq_slots(q), 0); /* nothing waits: no ring */
	push_n(q, 10);
	assert_int_equal(mqq_slots(q), MQQ_RING_MIN);
	ack_n(q, 7); /* the head is now in the middle of the ring */
	push_n(q, 3 * MQQ_RING_MIN);
	assert_int_equal(mqq_count(q), 3 + 3 * MQQ_RING_MIN);
	assert_int_equal(mqq_slots(q), 4 * MQQ_RING_MIN);
	assert_in_order(q, 8);
	ack_n(q, 5);
	push_n(q, 2);
	assert_in_order(q, 13);
	/* an outage: up to the bound, no more */
	push_n(q, 1000);
	assert_int_equal(mqq_count(q), 301); /* 300 and the dropped record */
	assert_true(mqq_slots(q) <= 300 + MQQ_NOISE_MAX + 1);
	assert_true(mqq_at(q, 0)->is_drop);
	for (int i = 2; i < mqq_count(q); i++)
		assert_int_equal(mqq_at(q, i)->seq, mqq_at(q, i - 1)->seq + 1);
	/* the broker is back: all acked, the ring goes */
	ack_n(q, mqq_count(q));
	assert_int_equal(mqq_count(q), 0);
	assert_int_equal(mqq_slots(q), 0);
	push_n(q, 1);
	assert_int_equal(mqq_slots(q), MQQ_RING_MIN);
	mqq_close(q);
}

static void
test_restart_keeps_events(void **state)
{
	struct mqq *q = mqq_open(path, 100, mkdrop, NULL);

	(void)state;
	push_n(q, 4);
	mqq_at(q, 0)->mid = 7;
	mqq_ack_mid(q, 7);
	mqq_close(q); /* as if the agent was killed */

	q = mqq_open(path, 100, mkdrop, NULL);
	assert_non_null(q);
	assert_int_equal(mqq_count(q), 3);
	assert_int_equal(mqq_at(q, 0)->seq, 2);
	assert_string_equal(mqq_at(q, 2)->json, "{\"seq\":4}");
	assert_int_equal(mqq_next_seq(q), 5);
	/* everything acked: seq still goes on after a restart */
	for (int i = 0; i < 3; i++)
		mqq_at(q, i)->mid = 20 + i;
	for (int i = 0; i < 3; i++)
		mqq_ack_mid(q, 20 + i);
	assert_int_equal(mqq_count(q), 0);
	mqq_close(q);
	q = mqq_open(path, 100, mkdrop, NULL);
	assert_int_equal(mqq_count(q), 0);
	assert_int_equal(mqq_next_seq(q), 5);
	mqq_close(q);
}

static void
test_bound_drops_oldest(void **state)
{
	struct mqq *q = mqq_open(path, 10, mkdrop, NULL);
	struct mqq_entry *d;
	uint64_t prev;

	(void)state;
	push_n(q, 10);
	assert_int_equal(mqq_dropped_total(q), 0);
	push_n(q, 5); /* seq 11..15: 1..5 dropped */
	assert_int_equal(mqq_dropped_total(q), 5);
	assert_int_equal(mqq_count(q), 11); /* 10 events + the record */
	d = mqq_at(q, 0);
	assert_true(d->is_drop);
	assert_int_equal(d->drop_first, 1);
	assert_int_equal(d->drop_last, 5);
	assert_int_equal(d->drop_count, 5);
	assert_int_equal(d->seq, 5);
	assert_non_null(strstr(d->json, "\"count\":5"));
	/* seq increases in delivery order */
	prev = 0;
	for (int i = 0; i < mqq_count(q); i++) {
		assert_true(mqq_at(q, i)->seq > prev);
		prev = mqq_at(q, i)->seq;
	}
	assert_int_equal(mqq_at(q, 1)->seq, 6);
	assert_int_equal(mqq_at(q, 10)->seq, 15);
	mqq_close(q);

	/* the record survives a restart and goes on counting */
	q = mqq_open(path, 10, mkdrop, NULL);
	assert_int_equal(mqq_count(q), 11);
	assert_true(mqq_at(q, 0)->is_drop);
	push_n(q, 1);
	d = mqq_at(q, 0);
	assert_int_equal(d->drop_count, 6);
	assert_int_equal(d->drop_first, 1);
	assert_int_equal(d->drop_last, 6);
	assert_int_equal(mqq_at(q, 1)->seq, 7);
	mqq_close(q);

	/* a smaller bound at restart drops more, still summed up */
	q = mqq_open(path, 4, mkdrop, NULL);
	assert_int_equal(mqq_count(q), 5);
	assert_int_equal(mqq_at(q, 0)->drop_count, 12);
	assert_int_equal(mqq_at(q, 1)->seq, 13);
	mqq_close(q);
}

static void
test_drop_record_in_flight_not_folded(void **state)
{
	struct mqq *q = mqq_open(NULL, 10, mkdrop, NULL);

	(void)state;
	push_n(q, 12);
	assert_int_equal(mqq_at(q, 0)->drop_count, 2);
	mqq_at(q, 0)->mid = 5; /* the record is being sent */
	push_n(q, 1);
	/* a new record counts only the new loss */
	assert_int_equal(mqq_at(q, 0)->drop_count, 1);
	assert_int_equal(mqq_at(q, 0)->drop_first, 3);
	assert_int_equal(mqq_dropped_total(q), 3);
	mqq_close(q);
}

static void
test_torn_and_garbage_lines(void **state)
{
	FILE *f = fopen(path, "w");
	struct mqq *q;

	(void)state;
	fputs("#thermwatch-mqtt-queue 1 next=40\n", f);
	fputs("+41 {\"a\":1}\n", f);
	fputs("garbage\n", f);
	fputs("+42 {\"a\":2}\n", f);
	fputs("-41\n", f);
	fputs("+43 {\"a\":3}", f); /* torn: no newline */
	fclose(f);
	q = mqq_open(path, 100, mkdrop, NULL);
	assert_non_null(q);
	assert_int_equal(mqq_count(q), 1);
	assert_int_equal(mqq_at(q, 0)->seq, 42);
	assert_int_equal(mqq_next_seq(q), 43);
	mqq_close(q);
}

static void
test_compaction_keeps_log_small(void **state)
{
	struct mqq *q = mqq_open(path, 20, mkdrop, NULL);
	FILE *f;
	int lines = 0, c;

	(void)state;
	for (int i = 0; i < 500; i++) {
		push_n(q, 1);
		mqq_at(q, 0)->mid = 1;
		mqq_ack_mid(q, 1);
	}
	push_n(q, 3);
	mqq_close(q);
	f = fopen(path, "r");
	while ((c = fgetc(f)) != EOF)
		lines += c == '\n';
	fclose(f);
	assert_true(lines < 2 * 21 + 64 + 2);
	q = mqq_open(path, 20, mkdrop, NULL);
	assert_int_equal(mqq_count(q), 3);
	assert_int_equal(mqq_at(q, 0)->seq, 501);
	mqq_close(q);
}

/* --- real events and noise (mqtt_queue.h) --------------------------- */

static char *
ev_of(const char *kind, uint64_t seq)
{
	char *s = malloc(64);

	snprintf(s, 64, "{\"%s\":%" PRIu64 "}", kind, seq);
	return s;
}

static int
real(struct mqq *q)
{
	uint64_t s = mqq_next_seq(q);

	return mqq_push(q, s, ev_of("real", s));
}

static int
noise(struct mqq *q)
{
	uint64_t s = mqq_next_seq(q);
	char *j = ev_of("noise", s);
	int rc = mqq_push_noise(q, s, j);

	if (rc < 0)
		free(j);
	return rc;
}

static int
count_real(struct mqq *q)
{
	int i, n = 0;

	for (i = 0; i < mqq_count(q); i++)
		if (!mqq_at(q, i)->noise && !mqq_at(q, i)->is_drop)
			n++;
	return n;
}

/* Noise first, then real events up to the bound: nothing real dropped. */
static void
test_noise_first(void **state)
{
	struct mqq *q = mqq_open(path, 50, mkdrop, NULL);
	int i, dropped = 0;

	(void)state;
	for (i = 0; i < 1000; i++)
		noise(q);
	assert_int_equal(mqq_noise_count(q), MQQ_NOISE_MAX);
	assert_int_equal(mqq_noise_refused(q), 1000 - MQQ_NOISE_MAX);
	/* refused noise took no seq: no gap */
	assert_int_equal(mqq_next_seq(q), MQQ_NOISE_MAX + 1);
	for (i = 0; i < 50; i++)
		dropped += real(q);
	assert_int_equal(dropped, 0);
	assert_int_equal(count_real(q), 50);
	mqq_close(q);
}

/* Property: for any interleaving of R real events and any amount of
 * noise, exactly max(0, R - max) real events are dropped, and they are
 * the oldest. */
static void
test_interleavings(void **state)
{
	uint32_t x = 7;
	int round;

	(void)state;
	for (round = 0; round < 50; round++) {
		struct mqq *q = mqq_open(NULL, 40, mkdrop, NULL);
		uint64_t first_real_kept = 0;
		int r = 0, n = 0, real_dropped = 0, i;

		while (r < 120) {
			x = x * 1103515245u + 12345u;
			if ((x >> 16) % 100 < 80) {
				noise(q);
				n++;
			} else {
				real(q);
				r++;
			}
		}
		for (i = 0; i < mqq_count(q); i++) {
			struct mqq_entry *e = mqq_at(q, i);

			if (e->is_drop)
				real_dropped = (int)(e->drop_count -
				    last_drop.noise);
			else if (!e->noise && first_real_kept == 0)
				first_real_kept = e->seq;
		}
		assert_int_equal(count_real(q), 40);
		assert_int_equal(real_dropped, 120 - 40);
		assert_true(mqq_noise_count(q) <= MQQ_NOISE_MAX);
		assert_true(n > 0);
		mqq_close(q);
	}
}

/* The classes are kept in the log and come back after a restart. */
static void
test_noise_restart(void **state)
{
	struct mqq *q = mqq_open(path, 10, mkdrop, NULL);
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		real(q);
		noise(q);
	}
	mqq_close(q);
	q = mqq_open(path, 10, mkdrop, NULL);
	assert_int_equal(mqq_count(q), 10);
	assert_int_equal(mqq_noise_count(q), 5);
	for (i = 0; i < 10; i++)
		assert_int_equal(mqq_at(q, i)->noise, i % 2 == 1);
	mqq_close(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_order_and_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_restart_keeps_events, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_bound_drops_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_drop_record_in_flight_not_folded, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_torn_and_garbage_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_compaction_keeps_log_small, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_noise_first, setup, teardown),
		cmocka_unit_test(test_interleavings),
		cmocka_unit_test(test_ring_grows_in_order),
		cmocka_unit_test_setup_teardown(
		    test_noise_restart, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
