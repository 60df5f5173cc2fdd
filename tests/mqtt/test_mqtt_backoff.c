/*
 * test_mqtt_backoff.c - the reconnect delay: doubling, cap, jitter
 * bounds; and the topics' bound (mq_topic).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mqtt_int.h"

static void
test_doubling_and_cap(void **state)
{
	(void)state;
	/* u = 0.5: no jitter */
	assert_int_equal(mq_backoff_ms(1, 60, 1, 0.5), 1000);
	assert_int_equal(mq_backoff_ms(1, 60, 2, 0.5), 2000);
	assert_int_equal(mq_backoff_ms(1, 60, 3, 0.5), 4000);
	assert_int_equal(mq_backoff_ms(1, 60, 6, 0.5), 32000);
	assert_int_equal(mq_backoff_ms(1, 60, 7, 0.5), 60000);
	assert_int_equal(mq_backoff_ms(1, 60, 1000, 0.5), 60000);
	assert_int_equal(mq_backoff_ms(0.2, 1, 0, 0.5), 200);
}

static void
test_jitter_bounds(void **state)
{
	(void)state;
	assert_int_equal(mq_backoff_ms(2, 60, 1, 0.0), 1500);
	assert_int_equal(mq_backoff_ms(2, 60, 1, 1.0), 2500);
	assert_int_equal(mq_backoff_ms(1, 60, 100, 0.0), 45000);
	assert_int_equal(mq_backoff_ms(1, 60, 100, 1.0), 75000);
}

/* A topic is made to its length; one of MQ_TOPIC_LEN bytes or more is
 * refused (a configuration error), not cut. */
static void
test_topic_bound(void **state)
{
	char host[MQ_TOPIC_LEN], *t = NULL;
	size_t room = MQ_TOPIC_LEN - 1 - strlen("p/s/z//telemetry");

	(void)state;
	assert_int_equal(mq_topic(&t, "%s/%s/%s/%s/telemetry", "thermwatch/v1",
			     "dc1", "r101", "hv01"),
	    0);
	assert_string_equal(t, "thermwatch/v1/dc1/r101/hv01/telemetry");
	free(t);
	/* the longest that fits, and one byte more */
	memset(host, 'h', room);
	host[room] = '\0';
	t = NULL;
	assert_int_equal(
	    mq_topic(&t, "%s/%s/%s/%s/telemetry", "p", "s", "z", host), 0);
	assert_int_equal(strlen(t), MQ_TOPIC_LEN - 1);
	free(t);
	host[room] = 'h';
	host[room + 1] = '\0';
	t = NULL;
	assert_int_equal(
	    mq_topic(&t, "%s/%s/%s/%s/telemetry", "p", "s", "z", host), -1);
	assert_null(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubling_and_cap),
		cmocka_unit_test(test_jitter_bounds),
		cmocka_unit_test(test_topic_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
