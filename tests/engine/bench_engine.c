/*
 * bench_engine.c - throughput of the engine: N sensors x T samples, one
 * eng_evaluate() per tick of N readings, as the daemon and the simulator
 * drive it. Prints readings per second and nanoseconds per reading.
 *
 *	bench_engine [N [T]]	defaults: 64 sensors, 200000 samples each
 *
 * Not a test: nothing here asserts a speed. The signals are prepared
 * before the clock starts so only the engine is measured.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine.h"
#include "harness.h"

#define PATTERN 4096 /* samples per sensor prepared in advance */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
run(struct eng *e, int n, long t_max, const double *sig, bool evaluate,
    uint64_t *decisions)
{
	struct eng_output out;
	struct eng_reading r = { .quality = ENG_Q_OK };
	double t0 = now_s();
	long t;
	int i;

	for (t = 1; t <= t_max; t++) {
		r.t_ms = (int64_t)t * 1000;
		for (i = 0; i < n; i++) {
			r.sensor = i;
			r.value_c =
			    sig[(size_t)i * PATTERN + (size_t)(t % PATTERN)];
			eng_feed(e, &r);
		}
		if (evaluate) {
			eng_evaluate(e, r.t_ms, &out);
			*decisions += (uint64_t)out.n_decisions;
		}
	}
	return now_s() - t0;
}

/* Bytes an engine of n sensors allocates: as created here (full rings,
 * a peer table), and sized as the simulator sizes one (1 s samples, no
 * peer table: eng_create_opts). */
static void
print_memory(const struct eng_conf *conf, int n)
{
	struct eng_size sz;
	struct eng *full, *sized;

	eng_size_defaults(&sz);
	sz.max_sensors = n;
	full = eng_create_opts(conf, &sz);
	sz.sample_interval_s = 1.0;
	sz.max_peers = 0;
	sized = eng_create_opts(conf, &sz);
	if (full != NULL && sized != NULL)
		printf("memory: %zu bytes an engine of %d sensors (%d trend "
		       "points a sensor, %d peers); %zu sized for 1 s "
		       "samples without peers (%d points)\n",
		    eng_memory(full), n, eng_trend_points(full), ENG_MAX_PEERS,
		    eng_memory(sized), eng_trend_points(sized));
	eng_free(full);
	eng_free(sized);
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 64;
	long t_max = argc > 2 ? atol(argv[2]) : 200000;
	struct rng r = { 20261125 };
	struct eng_conf conf;
	uint64_t decisions = 0;
	double *sig, secs, total;
	int pass, i, k;

	if (n < 1 || n > ENG_SENSORS_LIMIT || t_max < 1) {
		fprintf(stderr,
		    "usage: bench_engine [1..%d sensors "
		    "[samples]]\n",
		    ENG_SENSORS_LIMIT);
		return 2;
	}
	sig = malloc(sizeof(*sig) * (size_t)n * PATTERN);
	if (sig == NULL)
		return 1;
	/* Realistic mix: noisy flat sensors of every class, with a glitch
	 * now and then. The pattern is periodic and flat on average, so
	 * no state change disturbs the measurement. */
	for (i = 0; i < n; i++) {
		/* cpu, inlet, exhaust, other, like the classes below */
		static const double level[] = { 55.0, 24.0, 38.0, 45.0 };
		double base = level[i % 4];

		for (k = 0; k < PATTERN; k++) {
			double v = base + rng_range(&r, -0.5, 0.5);

			if (rng_next(&r) % 5000 == 0)
				v = 127.0;
			sig[(size_t)i * PATTERN + (size_t)k] = v;
		}
	}
	eng_conf_defaults(&conf);
	total = (double)n * (double)t_max;
	for (pass = 0; pass < 2; pass++) {
		struct eng *e = eng_create_sized(&conf, n);

		if (e == NULL)
			return 1;
		for (i = 0; i < n; i++) {
			char id[32];
			enum eng_class c = (enum eng_class)(i % 4);

			snprintf(id, sizeof(id), "bench/%d", i);
			eng_sensor_add(e, id, c, conf.cls[c].trip_c,
			    ENG_TRIP_CLASS_DEFAULT);
		}
		secs = run(e, n, t_max, sig, pass == 1, &decisions);
		printf("%-18s %d sensors x %ld samples: %.3f s, "
		       "%.2f M readings/s, %.1f ns/reading\n",
		    pass == 0 ? "feed only" : "feed + evaluate", n, t_max, secs,
		    total / secs / 1e6, secs * 1e9 / total);
		eng_free(e);
	}
	printf("decisions: %" PRIu64 "\n", decisions);
	print_memory(&conf, n);
	free(sig);
	return 0;
}
