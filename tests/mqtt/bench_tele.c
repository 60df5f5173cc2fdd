/*
 * bench_tele.c - the per-cycle telemetry path (mqm_tele_sync and
 * mqm_telemetry2) alone, on a real engine, for counting instructions
 * and heap bytes:
 *
 *	bench_tele [-s sensors] [-c cycles] [-v steady|wiggle|stress] [-d]
 *
 * Every cycle feeds each sensor a value (-v: steady, a hwmon-like wiggle
 * in millidegrees, or values that stress the number formatting), lets
 * the engine evaluate, then runs tele_cycle(): the sync and the print.
 * It prints the heap the telemetry builder holds (mallinfo2, after the
 * cycles, less what was held before it was made). -d prints every
 * sensors message and telemetry instead (to compare two builds byte for
 * byte). Instructions per cycle:
 *
 *	valgrind --tool=callgrind --toggle-collect=tele_cycle \
 *	    build/tests/mqtt/bench_tele -s 32 -c 200
 *
 * (callgrind's total over -c cycles; the first cycle makes the document).
 * Built, not run by ctest.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mqtt_tele.h"

static const struct mqm_id id = { "dc1", "r101", "hv01", 3 };

static const char *mode = "wiggle";

static double
value(int i, int k)
{
	static const double fixed[] = { -0.5, 0.0, -0.0004, 0.0005, 123.4567,
		-273.15, 9999999999.999, 1e10, -1e15, 1.5e300, NAN, 99.9995,
		-40.125, 1e-9 };
	int nf = (int)(sizeof(fixed) / sizeof(fixed[0]));

	if (strcmp(mode, "steady") == 0)
		return 30.0 + (i % 64) * 0.125;
	if (strcmp(mode, "stress") == 0) {
		unsigned h = (unsigned)(i * 2654435761u) ^
		    (unsigned)(k * 40503u);

		if ((i + k) % 3 != 0)
			return fixed[(i + k) % nf];
		return ((double)(h % 2000001u) - 1000000.0) /
		    pow(10.0, (double)((h >> 21) % 7) - 1.0);
	}
	/* hwmon: whole millidegrees that move a little each cycle; one
	 * sensor in 64 rises, one in 97 falls silent for a while */
	if (i % 97 == 5 && k % 50 > 30)
		return NAN;
	return (30000 + (i % 40) * 250 + (i % 64 == 1 ? 40 * k : 0) +
		   (int)((unsigned)(i * 7919 + k * 104729) % 700u)) /
	    1000.0;
}

static struct mqm_tele *t;
static char *sensors_msg;

/* The measured part: what mq_publish_telemetry does (the sensors message
 * only on a layout change). */
__attribute__((noinline)) static const char *
tele_cycle(
    const struct eng *e, const struct eng_output *o, int64_t now, uint64_t seq)
{
	if (mqm_tele_sync(t, e)) {
		free(sensors_msg);
		sensors_msg = mqm_sensors(t, &id, now, seq, 1024, 0);
	}
	return mqm_telemetry2(t, now, seq, o);
}

int
main(int argc, char **argv)
{
	int n = 32, cycles = 100, c;
	bool dump = false;
	struct eng_conf conf;
	struct eng *e;
	struct eng_output out;
	struct eng_reading r;
	struct mallinfo2 m0, m1;
	char name[64], *last = NULL;
	int64_t now = 1000;

	while ((c = getopt(argc, argv, "s:c:v:d")) != -1) {
		switch (c) {
		case 's':
			n = atoi(optarg);
			break;
		case 'c':
			cycles = atoi(optarg);
			break;
		case 'v':
			mode = optarg;
			break;
		case 'd':
			dump = true;
			break;
		default:
			fprintf(stderr,
			    "usage: bench_tele [-s sensors] [-c cycles] "
			    "[-v steady|wiggle|stress] [-d]\n");
			return 2;
		}
	}
	eng_conf_defaults(&conf);
	if ((e = eng_create_sized(&conf, n)) == NULL)
		return 1;
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "coretemp-isa-%04d/Core %d", i / 8,
		    i % 8);
		if (eng_sensor_add(e, name,
			i % 3 == 0 ? ENG_CLASS_INLET : ENG_CLASS_CPU,
			i % 3 == 0 ? 45.0 : 100.0, ENG_TRIP_HW) != i) {
			fprintf(stderr, "bench_tele: sensor %d refused\n", i);
			return 1;
		}
	}
	m0 = mallinfo2();
	if ((t = mqm_tele_create()) == NULL)
		return 1;
	for (int k = 0; k < cycles; k++) {
		const char *p;

		for (int i = 0; i < n; i++) {
			r.sensor = i;
			r.t_ms = now;
			r.value_c = value(i, k);
			r.quality = isnan(r.value_c) ? ENG_Q_UNAVAILABLE
						     : ENG_Q_OK;
			eng_feed(e, &r);
		}
		eng_evaluate(e, now, &out);
		last = sensors_msg;
		p = tele_cycle(e, &out, now, (uint64_t)k + 1);
		if (p == NULL) {
			fprintf(stderr, "bench_tele: no telemetry\n");
			return 1;
		}
		if (dump) {
			if (sensors_msg != last || k == 0)
				printf("%s\n", sensors_msg);
			printf("%s\n", p);
		}
		now += 100;
	}
	free(sensors_msg); /* sent and freed, in the daemon */
	sensors_msg = NULL;
	m1 = mallinfo2();
	if (!dump)
		printf("sensors %d cycles %d telemetry %zu bytes, heap held "
		       "%zu bytes (%zu mmapped)\n",
		    n, cycles, strlen(mqm_telemetry2(t, now, 1, &out)),
		    (m1.uordblks + m1.hblkhd) - (m0.uordblks + m0.hblkhd),
		    m1.hblkhd - m0.hblkhd);
	mqm_tele_free(t);
	eng_free(e);
	return 0;
}
