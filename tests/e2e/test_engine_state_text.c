/*
 * test_engine_state_text.c - the engine state file's writer prints the
 * sensors, byte for byte, as cJSON prints a tree of one node per member
 * and point (how the file was written before, and what the decoder and
 * old files expect): for calm sensors with and without a value, rising
 * ones with no points or a full window, numbers with more than three
 * decimals, negative, negative zero, and past json_num's range.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine_state.h"

#define N 6

static double
milli(double v)
{
	return round(v * 1000.0) / 1000.0;
}

/* The sensors array as a tree of cJSON nodes, one per number. */
static char *
reference(const struct eng_snap_sensor *s, int n)
{
	cJSON *arr = cJSON_CreateArray(), *j, *ages, *vals;
	char *text;

	for (int i = 0; i < n; i++) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "id", s[i].id);
		cJSON_AddStringToObject(j, "class", eng_class_name(s[i].cls));
		cJSON_AddNumberToObject(j, "noise_c", milli(s[i].noise_c));
		cJSON_AddNumberToObject(
		    j, "resolution_c", milli(s[i].resolution_c));
		if (s[i].has_value) {
			cJSON_AddNumberToObject(
			    j, "last_age_ms", (double)s[i].last_age_ms);
			cJSON_AddNumberToObject(
			    j, "last_c", milli(s[i].last_c));
		}
		if (s[i].rising) {
			cJSON_AddNumberToObject(
			    j, "rise_age_ms", (double)s[i].rise_age_ms);
			cJSON_AddNumberToObject(
			    j, "rise_from_c", milli(s[i].rise_from_c));
			cJSON_AddNumberToObject(
			    j, "rise_peak_c", milli(s[i].rise_peak_c));
		}
		if (s[i].rising && s[i].n_points > 0) {
			ages = cJSON_AddArrayToObject(j, "age_ms");
			vals = cJSON_AddArrayToObject(j, "value_c");
			for (int k = 0; k < s[i].n_points; k++) {
				cJSON_AddItemToArray(ages,
				    cJSON_CreateNumber((double)s[i].age_ms[k]));
				cJSON_AddItemToArray(vals,
				    cJSON_CreateNumber(milli(s[i].value_c[k])));
			}
		}
		cJSON_AddItemToArray(arr, j);
	}
	text = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	return text;
}

static void
fill(struct eng_snap_sensor *s, int i)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "chip-isa-%04d/temp \"%d\"", i, i);
	s->cls = i % ENG_CLASS_COUNT;
	s->noise_c = 0.0123456 * i;
	s->resolution_c = i % 2 ? 1 : 0.125;
	s->has_value = i != 0;
	s->last_age_ms = 250 * i;
	s->last_c = 40.0 + 1.0 / 3.0 * i - (i == 3 ? 80.0 : 0.0);
	s->rising = i >= 2;
	s->rise_age_ms = i == 5 ? 30000000000LL : 60000 + i;
	s->rise_from_c = i == 4 ? -0.0004 : 35.5;
	s->rise_peak_c = 71.9999;
	/* sensor 1 has points but is calm: they are not written; 2 rises
	 * with none; 3..5 have a full window, 5 a short one */
	s->n_points = i == 2 ? 0 : i == 5 ? 7 : EST_POINTS;
	for (int k = 0; k < s->n_points; k++) {
		s->age_ms[k] = 250 + 503LL * k;
		s->value_c[k] = 71.0 - 0.0137 * k * i - (k == 9 ? 100.0 : 0.0);
	}
}

static void
test_same_text_as_a_tree(void **state)
{
	static struct eng_snap_sensor s[N];
	struct eng_snap_host h = { .version = ENG_SNAP_VERSION,
		.rho = 0.4123456789,
		.rho_learnt_s = 600 };
	struct est_meta m = { .host = "h1",
		.machine_id = "m1",
		.boot_id = "b1",
		.wall_s = 1764468000.25,
		.mono_ms = 123456 };
	char *want, *got, *sensors;

	(void)state;
	for (int i = 0; i < N; i++)
		fill(&s[i], i);
	for (int n = 0; n <= N; n++) {
		want = reference(s, n);
		got = est_encode(&m, &h, s, n);
		assert_non_null(want);
		assert_non_null(got);
		/* the last member, then the document's end */
		sensors = strstr(got, ",\"sensors\":");
		assert_non_null(sensors);
		sensors += strlen(",\"sensors\":");
		assert_int_equal(sensors[strlen(sensors) - 1], '}');
		sensors[strlen(sensors) - 1] = '\0';
		assert_string_equal(sensors, want);
		free(want);
		free(got);
	}
}

/* One writer kept from save to save, as the daemon keeps it: its point
 * nodes are made as a save first needs them (a short rise, then longer
 * ones, then none), and every save's text is a fresh writer's. */
static void
test_kept_writer(void **state)
{
	static struct eng_snap_sensor s[N];
	static const int order[] = { 5, 0, 3, 5, 1 };
	struct eng_snap_host h = {
		.version = ENG_SNAP_VERSION, .rho = 0.5, .rho_learnt_s = 60
	};
	struct est_meta m = { .host = "h1",
		.machine_id = "m1",
		.boot_id = "b1",
		.wall_s = 1764468000.25,
		.mono_ms = 1 };
	struct est_writer *w = est_writer_new();
	char *want, *got;

	(void)state;
	assert_non_null(w);
	for (int i = 0; i < N; i++)
		fill(&s[i], i);
	for (size_t r = 0; r < sizeof(order) / sizeof(order[0]); r++) {
		int first = order[r];

		want = est_encode(&m, &h, &s[first], N - first);
		assert_true(est_json_begin(w, &m, &h));
		for (int i = first; i < N; i++)
			est_json_add(w, &s[i]);
		got = est_json_finish(w);
		assert_non_null(want);
		assert_non_null(got);
		assert_string_equal(got, want);
		free(want);
		free(got);
	}
	est_writer_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_text_as_a_tree),
		cmocka_unit_test(test_kept_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
