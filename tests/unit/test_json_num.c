/*
 * test_json_num.c - a json_num node prints the same text as cJSON prints
 * for the number rounded to 1e-3: for values of every magnitude and
 * sign, rounding edges, -0, values too long for the buffer, integers,
 * not finite; and again after each change (a kept node set over and
 * over, as telemetry does each cycle).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_num.h"

/* what cJSON prints for v as a number */
static char *
cjson_text(double v)
{
	cJSON *n = cJSON_CreateNumber(v);
	char *s = cJSON_PrintUnformatted(n);

	cJSON_Delete(n);
	return s;
}

static char *
our_text(cJSON *n)
{
	return cJSON_PrintUnformatted(n);
}

static void
check_double(cJSON *n, double v)
{
	double r = isfinite(v) ? round(v * 1000.0) / 1000.0 : NAN;
	char *want = cjson_text(r), *got;

	jnum_set(n, v);
	got = our_text(n);
	if (strcmp(want, got) != 0)
		fail_msg("%.17g: cJSON prints %s, we %s", v, want, got);
	free(want);
	free(got);
}

static void
test_doubles(void **state)
{
	static const double fixed[] = { 45.125, 45.1, 45.0, -0.5, 0.0, -0.0,
		-0.0004, 0.0004, 0.0005, -0.0005, 0.001, 123.4567, -273.15,
		99.9995, 1e-9, 9999999999.999, -999999999.999, 1e10, -1e10,
		1e12, -1e15, 1e15, 1.5e300, -1.5e300, DBL_MIN, NAN, INFINITY,
		-INFINITY, 4503599627370495.5, 0.1 + 0.2 };
	char buf[JNUM_LEN];
	cJSON *n = jnum_node(buf);
	uint64_t h = 88172645463325252u;

	(void)state;
	assert_non_null(n);
	assert_true(jnum_is_text(n));
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		check_double(n, fixed[i]);
	/* the same again (unchanged: not printed again) and back */
	check_double(n, 45.125);
	check_double(n, 45.125);
	check_double(n, 1e12);
	check_double(n, 1e12);
	check_double(n, -0.0);
	check_double(n, 0.0);
	/* random mantissas and exponents, 1e-4 .. 1e13, both signs */
	for (int i = 0; i < 200000; i++) {
		double m, v;

		h ^= h << 13, h ^= h >> 7, h ^= h << 17; /* xorshift64 */
		m = (double)(h % 10000000u) / 1e6;
		v = m * pow(10.0, (double)((h >> 24) % 18) - 4.0);
		check_double(n, (h >> 40) & 1 ? -v : v);
	}
	assert_true(jnum_is_text(n));
	cJSON_Delete(n); /* does not free buf */
}

static void
test_integers(void **state)
{
	static const int64_t fixed[] = { 0, 1, -1, 1796004306043,
		999999999999999, -99999999999999, 1000000000000000, INT64_MAX,
		INT64_MIN };
	char buf[JNUM_LEN];
	cJSON *n = jnum_node(buf);

	(void)state;
	assert_non_null(n);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		char *want = cjson_text((double)fixed[i]), *got;

		jnum_set_int(n, fixed[i]);
		got = our_text(n);
		/* cJSON prints a double: the same number, maybe as 1e+18 */
		if (strcmp(want, got) != 0 &&
		    strtod(want, NULL) != strtod(got, NULL))
			fail_msg("%lld: cJSON %s, we %s", (long long)fixed[i],
			    want, got);
		if (llabs(fixed[i]) < 1000000000000000 &&
		    strcmp(want, got) != 0)
			fail_msg("%lld: cJSON %s, we %s", (long long)fixed[i],
			    want, got);
		free(want);
		free(got);
	}
	cJSON_Delete(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_integers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
