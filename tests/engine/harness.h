/*
 * harness.h - small helpers shared by the engine tests and the benchmark:
 * a seeded PRNG and a one-sensor driver. Header-only (static inline) so
 * each test program stays a single translation unit plus tw_core.
 */
#ifndef THERMWATCH_TEST_HARNESS_H
#define THERMWATCH_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

struct rng {
	uint64_t s;
};

/* splitmix64: tiny, fast and good enough for test signals. */
static inline uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double
rng_uniform(struct rng *r)
{
	return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

/* Uniform in [lo, hi). */
static inline double
rng_range(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_uniform(r);
}

/* Noise of about sd: the sum of three uniforms, within +-3 sd. */
static inline double
rng_noise(struct rng *r, double sd)
{
	return sd * (rng_uniform(r) + rng_uniform(r) + rng_uniform(r) - 1.5) *
	    2.0;
}

static inline double
clamp01(double x)
{
	return x < 0.0 ? 0.0 : x > 1.0 ? 1.0 : x;
}

/* TW_SEED from the environment reproduces a run; otherwise a fresh seed.
 * Either way it is printed, so a failure can be replayed. */
static inline uint64_t
test_seed(const char *what)
{
	const char *env = getenv("TW_SEED");
	uint64_t seed;

	if (env != NULL && *env != '\0')
		seed = strtoull(env, NULL, 0);
	else
		seed = (uint64_t)time(NULL) * 2654435761ULL ^
		    (uint64_t)getpid();
	printf("# %s: seed %" PRIu64 " (set TW_SEED=%" PRIu64 " to replay)\n",
	    what, seed, seed);
	fflush(stdout);
	return seed;
}

/*
 * A load shape, shared by the tests that drive a host's load: from at (s,
 * on the caller's clock) the load rises by h (h < 0: falls), in one of
 *
 *	step		at once, and stays
 *	pulse		at once, for len s, then back
 *	ramp		along a ramp of ramp s, and stays
 *	train		len s on, len s off, and again
 *	ramp-drop	along a ramp of ramp s, held len s, then back at once
 */
enum load_kind {
	LOAD_STEP,
	LOAD_PULSE,
	LOAD_RAMP,
	LOAD_TRAIN,
	LOAD_RAMP_DROP,
	LOAD_KINDS
};

struct load_shape {
	enum load_kind kind;
	double h;     /* the load's height over where it was */
	int64_t at;   /* s: its start */
	int64_t len;  /* s at its height (pulse, train: each; ramp-drop) */
	int64_t ramp; /* s to reach it (ramp, ramp-drop) */
};

static inline const char *
load_kind_name(enum load_kind k)
{
	switch (k) {
	case LOAD_STEP:
		return "step";
	case LOAD_PULSE:
		return "pulse";
	case LOAD_RAMP:
		return "ramp";
	case LOAD_TRAIN:
		return "train";
	case LOAD_RAMP_DROP:
		return "ramp-drop";
	default:
		return "?";
	}
}

/* The load the shape adds at time t (s, the clock of l->at). */
static inline double
load_at(const struct load_shape *l, int64_t t)
{
	int64_t x = t - l->at;

	if (x < 0)
		return 0.0;
	switch (l->kind) {
	case LOAD_STEP:
		return l->h;
	case LOAD_PULSE:
		return x < l->len ? l->h : 0.0;
	case LOAD_RAMP:
		return x < l->ramp ? l->h * (double)x / (double)l->ramp : l->h;
	case LOAD_TRAIN:
		return (x / l->len) % 2 == 0 ? l->h : 0.0;
	default: /* up along a ramp, held, then off at once */
		if (x < l->ramp)
			return l->h * (double)x / (double)l->ramp;
		return x < l->ramp + l->len ? l->h : 0.0;
	}
}

static inline void
feed1(struct eng *e, int sensor, int64_t t_ms, double v)
{
	struct eng_reading r = { .sensor = sensor,
		.t_ms = t_ms,
		.value_c = v,
		.quality = ENG_Q_OK };

	eng_feed(e, &r);
}

/* The summary of peer "peer<i>" of tier 0 (the most important: a host
 * never waits for them), as it would arrive over MQTT at t_ms. */
static inline void
peer1(struct eng *e, int i, int64_t t_ms, double inlet_c, double slope_c_per_s,
    enum eng_state state)
{
	struct eng_peer q;

	memset(&q, 0, sizeof(q));
	snprintf(q.host, sizeof(q.host), "peer%d", i);
	q.tier = 0;
	q.inlet_c = inlet_c;
	q.slope_c_per_s = slope_c_per_s;
	q.state = state;
	q.t_ms = t_ms;
	eng_peer_update(e, &q);
}

/* An engine of host "me" on tier with an inlet (sensor 0), an exhaust (1)
 * and a cpu (2), each at its class's default trip; conf gets the
 * defaults it was made from. Exits on failure. */
static inline struct eng *
host_engine(struct eng_conf *conf, int tier)
{
	static const enum eng_class cls[] = { ENG_CLASS_INLET,
		ENG_CLASS_EXHAUST, ENG_CLASS_CPU };
	static const char *const id[] = { "in", "exh", "cpu" };
	struct eng *e;

	eng_conf_defaults(conf);
	snprintf(conf->host, sizeof(conf->host), "me");
	conf->tier = tier;
	e = eng_create(conf);
	for (int i = 0; e != NULL && i < 3; i++) {
		if (eng_sensor_add(e, id[i], cls[i], conf->cls[cls[i]].trip_c,
			ENG_TRIP_HW) != i) {
			fprintf(stderr, "host_engine: sensor %s not added\n",
			    id[i]);
			exit(1);
		}
	}
	if (e == NULL) {
		fprintf(stderr, "host_engine: no engine\n");
		exit(1);
	}
	return e;
}

#endif
