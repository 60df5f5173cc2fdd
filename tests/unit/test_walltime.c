/*
 * test_walltime.c - wt_iso() writes what strftime("%Y-%m-%dT%H:%M:%SZ")
 * writes for the same gmtime_r() fields (it no longer calls strftime for
 * years 1000-9999): the epoch, leap days, ends of months and years, the end
 * of 9999 and beyond, before 1970, and a spread of times between; "?"
 * and -1 when the buffer is too short.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "walltime.h"

static void
check_iso(double s)
{
	char want[64], got[64];
	time_t t = (time_t)s;
	struct tm tm;

	assert_non_null(gmtime_r(&t, &tm));
	assert_true(
	    strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
	assert_int_equal(wt_iso(s, got, sizeof(got)), 0);
	if (strcmp(want, got) != 0)
		fail_msg("%.0f: strftime %s, wt_iso %s", s, want, got);
}

static void
test_edges(void **state)
{
	static const double at[] = { 0, 1, 59, 60, 86399, 86400,
		951782400,    /* 2000-02-29 */
		951868799,    /* 2000-02-29T23:59:59 */
		1796142894,   /* 2026-12-01 */
		4107542399,   /* 2100-02-28T23:59:59 */
		4107542400,   /* 2100-03-01, not a leap day */
		253402300799, /* 9999-12-31T23:59:59 */
		253402300800, /* 10000-01-01 */
		-1, -86400, -2208988800 /* 1900-01-01 */,
		-62167219200 /* 0000-01-01 */, -30610224000 /* 1000-01-01 */,
		-30610224001 /* 0999-12-31T23:59:59 */ };

	(void)state;
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		check_iso(at[i]);
}

static void
test_spread(void **state)
{
	uint64_t x = 88172645463325252ull;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* 1900 to 2300, and fractions of a second */
		check_iso(-2208988800.0 + (double)(x % 12622780800ull) +
		    (double)(x % 1000) / 1000.0);
	}
}

static void
test_short_buffer(void **state)
{
	char b[20];

	(void)state;
	/* "2026-12-01T16:34:54Z" is 20 characters and its NUL */
	assert_int_equal(wt_iso(1796142894, b, sizeof(b)), -1);
	assert_string_equal(b, "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
