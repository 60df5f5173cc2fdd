/*
 * test_mqtt_tele.c - telemetry schema 2 against schema 1 on a real
 * engine: the sensors message and the compact telemetry together say
 * everything telemetry 1 says of every sensor (read back with
 * mqm_tele_expand: nothing a dashboard needs is lost); the layout changes
 * exactly when a sensor comes or goes or a class or trip changes; a
 * steady cycle allocates nothing; the numbers telemetry 2 prints itself
 * are the text cJSON prints for them, for values of every magnitude.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_tele.h"

static const struct mqm_id id = { "dc1", "r101", "hv01", 3 };

/* cJSON's allocations, counted */
static long allocs;

static void *
count_malloc(size_t n)
{
	allocs++;
	return malloc(n);
}

struct fix {
	struct eng_conf conf;
	struct eng *e;
	struct eng_output out;
	struct mqm_tele *t;
	int64_t now;
};

static struct fix *
setup(int n)
{
	struct fix *f = calloc(1, sizeof(*f));
	char name[64];

	eng_conf_defaults(&f->conf);
	f->e = n > ENG_MAX_SENSORS ? eng_create_sized(&f->conf, n)
				   : eng_create(&f->conf);
	assert_non_null(f->e);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "coretemp-isa-0000/Core %d", i);
		/* sensor 1, the one that rises, has a low trip: the host
		 * gets hot while it rises */
		assert_int_equal(
		    eng_sensor_add(f->e, name,
			i % 3 == 0 ? ENG_CLASS_INLET : ENG_CLASS_CPU,
			i % 3 == 0   ? 45.0
			    : i == 1 ? 40.0
				     : 100.0,
			ENG_TRIP_HW),
		    i);
	}
	f->t = mqm_tele_create();
	assert_non_null(f->t);
	f->now = 1000;
	return f;
}

static void
teardown(struct fix *f)
{
	mqm_tele_free(f->t);
	eng_free(f->e);
	free(f);
}

/* One cycle: every sensor gets value(i, cycle), then evaluate. */
static void
cycle(struct fix *f, double (*value)(int i, int64_t now))
{
	struct eng_reading r;

	for (int i = 0; i < eng_sensor_count(f->e); i++) {
		r.sensor = i;
		r.t_ms = f->now;
		r.value_c = value(i, f->now);
		r.quality = isnan(r.value_c) ? ENG_Q_UNAVAILABLE : ENG_Q_OK;
		eng_feed(f->e, &r);
	}
	eng_evaluate(f->e, f->now, &f->out);
	f->now += 1000;
}

static double
steady(int i, int64_t now)
{
	(void)now;
	return 30.0 + i * 0.125;
}

/* Sensor 1 rises 3 C/min from 30.125 C, with some noise; sensor 2
 * gives nothing; the rest steady. */
static double
rising(int i, int64_t now)
{
	if (i == 1)
		return 30.125 + (double)(now - 11000) / 20000.0 +
		    ((now / 1000) % 3 - 1) * 0.125;
	if (i == 2)
		return NAN;
	return steady(i, now);
}

/* Sensor 1 gives nothing any more; the others as in rising(). */
static double
silent(int i, int64_t now)
{
	return i == 1 ? NAN : rising(i, now);
}

static const cJSON *
member(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* Telemetry 1 of this moment, and the same rebuilt from the sensors
 * message and telemetry 2 (mqm_tele_expand, what thermwatchctl reads
 * them with): every member of every sensor the same. */
static void
compare_with_v1(struct fix *f, const char *sensors, const char *tele)
{
	char *v1 = mqm_telemetry(&id, 5, 1, f->e, &f->out);
	cJSON *a = cJSON_Parse(v1), *m = cJSON_Parse(sensors);
	cJSON *t = cJSON_Parse(tele), *x;
	const cJSON *list = member(a, "sensors"), *it;
	int n = cJSON_GetArraySize(list);

	assert_non_null(a);
	assert_non_null(m);
	assert_non_null(t);
	assert_int_equal(member(t, "v")->valueint, 2);
	assert_int_equal(member(m, "v")->valueint, 2);
	assert_string_equal(
	    member(t, "state")->valuestring, member(a, "state")->valuestring);
	assert_int_equal(cJSON_IsTrue(member(t, "zone_alarm")),
	    cJSON_IsTrue(member(a, "zone_alarm")));
	x = mqm_tele_expand(m, t);
	assert_non_null(x);
	assert_int_equal(cJSON_GetArraySize(x), n);
	for (int i = 0; i < n; i++) {
		const cJSON *s = cJSON_GetArrayItem(list, i);
		const cJSON *r = cJSON_GetArrayItem(x, i);

		assert_int_equal(cJSON_GetArraySize(r), cJSON_GetArraySize(s));
		cJSON_ArrayForEach(it, s)
		{
			const cJSON *y = member(r, it->string);

			if (y == NULL)
				fail_msg("sensor %d: no %s", i, it->string);
			/* trip - filtered, rounded once instead of twice */
			if (strcmp(it->string, "headroom_c") == 0 &&
			    cJSON_IsNumber(it) && cJSON_IsNumber(y) &&
			    fabs(it->valuedouble - y->valuedouble) < 0.0015)
				continue;
			if (!cJSON_Compare(it, y, true))
				fail_msg("sensor %d: %s differs: %s vs %s", i,
				    it->string, cJSON_PrintUnformatted(it),
				    cJSON_PrintUnformatted(y));
		}
	}
	/* another layout's telemetry is not read with this list */
	cJSON_ReplaceItemInObject(t, "layout", cJSON_CreateString("00000000"));
	assert_null(mqm_tele_expand(m, t));
	cJSON_Delete(x);
	cJSON_Delete(a);
	cJSON_Delete(m);
	cJSON_Delete(t);
	free(v1);
}

static char *
publish(struct fix *f, bool *layout_changed, char **sensors)
{
	const char *p;

	*layout_changed = mqm_tele_sync(f->t, f->e);
	if (*layout_changed) {
		free(*sensors);
		*sensors = mqm_sensors(f->t, &id, 7, 1, 1024, 0);
		assert_non_null(*sensors);
	}
	p = mqm_telemetry2(f->t, 9, 2, &f->out);
	assert_non_null(p);
	return strdup(p);
}

static void
test_nothing_lost(void **state)
{
	struct fix *f = setup(12);
	char *sensors = NULL, *tele;
	int used = 0, eta = 0;
	bool changed;

	(void)state;
	for (int k = 0; k < 160; k++) {
		cycle(f, k < 10 ? steady : rising);
		tele = publish(f, &changed, &sensors);
		assert_true(changed == (k == 0));
		compare_with_v1(f, sensors, tele);
		eta += strstr(tele, "\"eta_s\":{\"1\":") != NULL;
		free(tele);
	}
	/* sensor 1 rose with a time to trip in the later cycles (the
	 * engine believes an eta only as far ahead as the rise has lasted,
	 * policy.horizon_factor) */
	print_message("eta in %d of 160 cycles\n", eta);
	assert_true(eta > 0);
	/* by now sensor 1 is rising (slope), sensor 2 is stale */
	tele = publish(f, &changed, &sensors);
	assert_non_null(strstr(tele, "\"slope_c_per_min\":{"));
	assert_non_null(strstr(tele, "\"status\":{\"2\":\""));
	free(tele);
	/* the rising sensor falls silent: stale, and no used value (the
	 * stale sensor 2 has had one since it fell silent) */
	for (int k = 0; k < 60; k++) {
		cycle(f, silent);
		tele = publish(f, &changed, &sensors);
		compare_with_v1(f, sensors, tele);
		used += strstr(tele, "\"used_c\":{\"1\":null") != NULL;
		free(tele);
	}
	assert_true(used > 0);
	free(sensors);
	teardown(f);
}

static void
test_layout_changes(void **state)
{
	struct fix *f = setup(5);
	char *sensors = NULL, *tele, first[9], *v;
	bool changed;

	(void)state;
	cycle(f, steady);
	free(publish(f, &changed, &sensors));
	assert_true(changed);
	assert_int_equal(mqm_tele_count(f->t), 5);
	snprintf(first, sizeof(first), "%s", mqm_tele_layout(f->t));
	assert_int_equal(strlen(first), 8);
	/* values move: same layout */
	cycle(f, rising);
	free(publish(f, &changed, &sensors));
	assert_false(changed);
	assert_string_equal(mqm_tele_layout(f->t), first);
	/* a sensor goes: positions shift, a new layout and sensors message */
	eng_sensor_remove(f->e, 1);
	cycle(f, steady);
	tele = publish(f, &changed, &sensors);
	assert_true(changed);
	assert_int_equal(mqm_tele_count(f->t), 4);
	assert_string_not_equal(mqm_tele_layout(f->t), first);
	assert_null(strstr(sensors, "Core 1\""));
	compare_with_v1(f, sensors, tele);
	free(tele);
	/* it comes back: the first layout again, by the same name */
	eng_sensor_add(
	    f->e, "coretemp-isa-0000/Core 1", ENG_CLASS_CPU, 40.0, ENG_TRIP_HW);
	cycle(f, steady);
	free(publish(f, &changed, &sensors));
	assert_true(changed);
	assert_string_equal(mqm_tele_layout(f->t), first);
	/* a trip changes (a reload, a BMC threshold) */
	eng_sensor_add(f->e, "coretemp-isa-0000/Core 4", ENG_CLASS_CPU, 95.0,
	    ENG_TRIP_CONFIG);
	cycle(f, steady);
	tele = publish(f, &changed, &sensors);
	assert_true(changed);
	v = strstr(sensors,
	    "/Core 4\",\"class\":\"cpu\",\"trip_c\":95,"
	    "\"trip_src\":\"config\"");
	assert_non_null(v);
	compare_with_v1(f, sensors, tele);
	free(tele);
	/* the limits are in the sensors message */
	free(sensors);
	sensors = mqm_sensors(f->t, &id, 7, 3, 1000, 24);
	assert_non_null(strstr(sensors, "\"max_sensors\":1000,\"refused\":24"));
	free(sensors);
	teardown(f);
}

static void
test_cycles_allocate_nothing(void **state)
{
	cJSON_Hooks hooks = { count_malloc, free };
	struct fix *f = setup(64);
	char *sensors = NULL;
	bool changed;
	long before;

	(void)state;
	cJSON_InitHooks(&hooks);
	/* the first cycles make the document and the pool nodes */
	for (int k = 0; k < 30; k++) {
		cycle(f, rising);
		free(publish(f, &changed, &sensors));
	}
	before = allocs;
	for (int k = 0; k < 30; k++) {
		cycle(f, rising);
		assert_false(mqm_tele_sync(f->t, f->e));
		assert_non_null(mqm_telemetry2(f->t, 9, 2, &f->out));
	}
	assert_int_equal(allocs, before);
	cJSON_InitHooks(NULL);
	free(sensors);
	teardown(f);
}

/* values of every magnitude and sign, rounding edges, not finite */
static double
assorted(int i, int64_t now)
{
	static const double fixed[] = { 45.125, 45.1, 45.0, -0.5, 0.0, -0.0004,
		0.0005, 0.001, 123.4567, -273.15, 9999999999.999, 1e10, 1e12,
		-1e15, 1.5e300, NAN, INFINITY, 99.9995 };
	int nf = (int)(sizeof(fixed) / sizeof(fixed[0]));
	unsigned h = (unsigned)(i * 2654435761u) ^ (unsigned)now;

	if (i < nf)
		return fixed[i];
	/* mantissa and exponent from a hash: -1e7 .. 1e7 */
	return ((double)(h % 2000001u) - 1000000.0) /
	    pow(10.0, (double)((h >> 21) % 7) - 1.0);
}

/* "key":[...] as cJSON prints an array of the given numbers */
static char *
cjson_array(const char *key, const double *v, int n)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, key);
	char *s;

	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a,
		    cJSON_CreateNumber(
			isfinite(v[i]) ? round(v[i] * 1000.0) / 1000.0 : NAN));
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	memmove(s, s + 1, strlen(s)); /* without the braces */
	s[strlen(s) - 1] = '\0';
	return s;
}

static void
test_numbers_as_cjson_prints_them(void **state)
{
	struct fix *f = setup(120);
	int n = eng_sensor_count(f->e);
	double *val = calloc((size_t)n, sizeof(*val));
	double *flt = calloc((size_t)n, sizeof(*flt));
	char *sensors = NULL, *tele, *want;
	struct eng_sensor_view v;
	bool changed;

	(void)state;
	assert_non_null(val);
	assert_non_null(flt);
	for (int k = 0; k < 5; k++) {
		cycle(f, assorted);
		tele = publish(f, &changed, &sensors);
		for (int i = 0; i < n; i++) {
			eng_sensor_view(f->e, i, &v);
			val[i] = v.value_c;
			flt[i] = v.filtered_c;
		}
		want = cjson_array("value_c", val, n);
		if (strstr(tele, want) == NULL)
			fail_msg("cycle %d: want %s in %s", k, want, tele);
		free(want);
		want = cjson_array("filtered_c", flt, n);
		if (strstr(tele, want) == NULL)
			fail_msg("cycle %d: want %s in %s", k, want, tele);
		free(want);
		free(tele);
	}
	free(sensors);
	free(val);
	free(flt);
	teardown(f);
}

/*
 * The telemetry of this moment as plain cJSON builds and prints it (a
 * new document, cJSON number nodes rounded to 1e-3, null when not
 * finite), from the engine's views, by the schema's rules: the sparse
 * members in the order tele has them (it adds one when it first has
 * positions; the order is history, not content), then any tele lacks.
 */
static char *
oracle(struct fix *f, const char *tele, int64_t ts, uint64_t seq)
{
	static const char *const sparse[] = { "slope_c_per_min", "eta_s",
		"level", "status", "rejected", "used_c", "assumed" };
	enum { NSP = sizeof(sparse) / sizeof(sparse[0]) };
	cJSON *d = cJSON_CreateObject(), *va, *fa, *sp[NSP], *got;
	const cJSON *it;
	struct eng_sensor_view v;
	bool added[NSP] = { false };
	char key[16], *s;
	int k = 0;

	cJSON_AddNumberToObject(d, "v", 2);
	cJSON_AddNumberToObject(d, "ts", (double)ts);
	cJSON_AddNumberToObject(d, "seq", (double)seq);
	cJSON_AddStringToObject(d, "layout", mqm_tele_layout(f->t));
	cJSON_AddStringToObject(d, "state", eng_state_name(f->out.state));
	cJSON_AddBoolToObject(d, "zone_alarm", f->out.zone_alarm);
	va = cJSON_AddArrayToObject(d, "value_c");
	fa = cJSON_AddArrayToObject(d, "filtered_c");
	for (int j = 0; j < NSP; j++)
		sp[j] = cJSON_CreateObject();
	for (int i = 0; i < eng_sensor_count(f->e); i++) {
		double slope, used;

		eng_sensor_view(f->e, i, &v);
		if (v.status == ENG_SENSOR_REMOVED)
			continue;
		snprintf(key, sizeof(key), "%d", k++);
		mqm_add_num(va, "", v.value_c);
		mqm_add_num(fa, "", v.filtered_c);
		slope = round(v.slope_c_per_s * 60.0 * 1000.0) / 1000.0;
		used = v.extrapolated || v.status == ENG_SENSOR_VALID
		    ? v.value_used_c
		    : NAN;
		if (isfinite(slope) && slope != 0.0)
			mqm_add_num(sp[0], key, slope);
		if (isfinite(v.eta_s))
			mqm_add_num(sp[1], key, v.eta_s);
		if (v.level != 0)
			cJSON_AddNumberToObject(sp[2], key, v.level);
		if (v.status != ENG_SENSOR_VALID)
			cJSON_AddStringToObject(
			    sp[3], key, mqm_sensor_status_name(v.status));
		if (v.rejected != 0)
			cJSON_AddNumberToObject(sp[4], key, (double)v.rejected);
		if (isfinite(used) != isfinite(v.filtered_c) ||
		    (isfinite(used) &&
			round(used * 1000.0) != round(v.filtered_c * 1000.0)))
			mqm_add_num(sp[5], key, used);
		if (v.extrapolated)
			cJSON_AddTrueToObject(sp[6], key);
	}
	got = cJSON_Parse(tele);
	assert_non_null(got);
	/* in tele's order, then the rest */
	cJSON_ArrayForEach(
	    it, got) for (int j = 0; j < NSP;
			  j++) if (strcmp(it->string, sparse[j]) == 0 &&
	    sp[j]->child != NULL)
	{
		cJSON_AddItemToObject(d, sparse[j], sp[j]);
		added[j] = true;
	}
	for (int j = 0; j < NSP; j++)
		if (!added[j] && sp[j]->child != NULL) {
			cJSON_AddItemToObject(d, sparse[j], sp[j]);
			added[j] = true;
		}
	for (int j = 0; j < NSP; j++)
		if (!added[j])
			cJSON_Delete(sp[j]);
	cJSON_Delete(got);
	s = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	return s;
}

/* hwmon-like values, and values that stress the number formatting */
static double
wiggle(int i, int64_t now)
{
	if (i % 97 == 5 && now / 1000 % 20 > 12)
		return NAN;
	return (30000 + (i % 40) * 250 + (i % 64 == 1 ? now / 25 : 0) +
		   (int)((unsigned)(i * 7919 + now * 104729) % 700u)) /
	    1000.0;
}

static double
stress(int i, int64_t now)
{
	static const double fixed[] = { -0.5, 0.0, -0.0004, 0.0005, 123.4567,
		-273.15, 9999999999.999, 1e10, -1e15, 1.5e300, NAN, 99.9995,
		-40.125, 1e-9, -0.0, 5e9 };
	int nf = (int)(sizeof(fixed) / sizeof(fixed[0]));
	int k = (int)(now / 1000);

	if ((i + k) % 4 == 0)
		return assorted(i, now);
	return fixed[(i * 3 + k) % nf];
}

static void
test_bytes_as_cjson_builds_them(void **state)
{
	static const int sizes[] = { 1, 2, 32, 1024 };
	double (*const modes[])(int, int64_t) = { wiggle, stress, rising };
	int cycles = 0;

	(void)state;
	for (size_t a = 0; a < sizeof(sizes) / sizeof(sizes[0]); a++)
		for (size_t b = 0; b < sizeof(modes) / sizeof(modes[0]); b++) {
			struct fix *f = setup(sizes[a]);

			for (int k = 0; k < 40; k++) {
				int64_t ts = 1764547200000 + k * 100;
				const char *p;
				char *want;

				cycle(f, modes[b]);
				if (k == 25 && sizes[a] > 2) /* a new layout */
					eng_sensor_remove(f->e, 2);
				mqm_tele_sync(f->t, f->e);
				p = mqm_telemetry2(
				    f->t, ts, (uint64_t)k, &f->out);
				assert_non_null(p);
				want = oracle(f, p, ts, (uint64_t)k);
				if (strcmp(p, want) != 0)
					fail_msg(
					    "%d sensors, mode %zu, cycle %d:"
					    "\n got %.2000s\nwant %.2000s",
					    sizes[a], b, k, p, want);
				free(want);
				cycles++;
			}
			teardown(f);
		}
	print_message("%d telemetries as cJSON prints them\n", cycles);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_lost),
		cmocka_unit_test(test_layout_changes),
		cmocka_unit_test(test_cycles_allocate_nothing),
		cmocka_unit_test(test_numbers_as_cjson_prints_them),
		cmocka_unit_test(test_bytes_as_cjson_builds_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
