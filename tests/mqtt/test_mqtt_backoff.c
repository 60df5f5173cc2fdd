/*
 * test_mqtt_backoff.c - the reconnect delay: doubling, cap, jitter bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubling_and_cap),
		cmocka_unit_test(test_jitter_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
