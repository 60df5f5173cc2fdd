/*
 * rss_engine.c - the resident memory of one engine (issue 17): creates
 * one engine sized with eng_size.sample_interval_s, adds N sensors of a
 * class (or of the four in turn) with ids of about 40 characters, feeds
 * them a noisy sine for T ticks with an evaluation a tick, and prints
 * the growth of RssAnon (/proc/self/status) per sensor, eng_memory(),
 * and each class's ring bytes.
 *
 *	rss_engine [N [INTERVAL_S [TICKS [cpu|inlet|exhaust|other|mix]]]]
 *	defaults: 1024 sensors, 1 s, 2000 ticks, cpu
 *
 * Not a test: nothing here asserts a size (test_trend.c bounds the ring
 * bytes). RssAnon moves in pages: compare runs of the same N.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eng_int.h"
#include "harness.h"

static long
rss_anon_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int
main(int argc, char **argv)
{
	static const char *names[] = { "cpu", "inlet", "exhaust", "other" };
	int n = argc > 1 ? atoi(argv[1]) : 1024;
	double iv = argc > 2 ? atof(argv[2]) : 1.0;
	long ticks = argc > 3 ? atol(argv[3]) : 2000;
	const char *cls = argc > 4 ? argv[4] : "cpu";
	int only = -1, i, c;
	struct eng_conf conf;
	struct eng_size sz;
	struct eng_output out;
	struct rng r = { 20261201 };
	struct eng *e;
	long before, after, t;

	for (c = 0; c < ENG_CLASS_COUNT; c++)
		if (strcmp(cls, names[c]) == 0)
			only = c;
	if (n < 1 || n > ENG_SENSORS_LIMIT || !(iv > 0.0) || ticks < 1 ||
	    (only < 0 && strcmp(cls, "mix") != 0)) {
		fprintf(stderr,
		    "usage: rss_engine [N [INTERVAL_S [TICKS "
		    "[cpu|inlet|exhaust|other|mix]]]]\n");
		return 2;
	}
	eng_conf_defaults(&conf);
	eng_size_defaults(&sz);
	sz.max_sensors = n;
	sz.sample_interval_s = iv;
	before = rss_anon_kb();
	e = eng_create_opts(&conf, &sz);
	if (e == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		char id[64];

		c = only >= 0 ? only : i % ENG_CLASS_COUNT;
		snprintf(id, sizeof(id),
		    "rack%02d-host%03d/hwmon/coretemp-%04d", i % 40, i / 8, i);
		if (eng_sensor_add(e, id, (enum eng_class)c, conf.cls[c].trip_c,
			ENG_TRIP_CLASS_DEFAULT) != i)
			return 1;
	}
	for (t = 1; t <= ticks; t++) {
		int64_t t_ms = (int64_t)llround((double)t * iv * 1000.0);

		for (i = 0; i < n; i++) {
			struct eng_reading rd = { .quality = ENG_Q_OK };

			rd.sensor = i;
			rd.t_ms = t_ms;
			rd.value_c = 40.0 + 5.0 * sin((double)t_ms / 60000.0) +
			    rng_range(&r, -0.3, 0.3);
			eng_feed(e, &rd);
		}
		eng_evaluate(e, t_ms, &out);
	}
	after = rss_anon_kb();
	printf("%d %s sensors, %.3g s, %ld ticks: RssAnon +%ld kB, %.0f B a "
	       "sensor; eng_memory %zu B; trend points %d\n",
	    n, cls, iv, ticks, after - before,
	    (double)(after - before) * 1024.0 / n, eng_memory(e),
	    eng_trend_points(e));
	for (c = 0; c < ENG_CLASS_COUNT; c++)
		printf("  %-8s ring %u points, %zu B\n", names[c],
		    trend_cap(e->cls_cap[c]),
		    trend_bytes(e->cls_cap[c], e->cls_spill[c]));
	eng_free(e);
	return 0;
}
