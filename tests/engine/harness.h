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

static inline void
feed1(struct eng *e, int sensor, int64_t t_ms, double v)
{
	struct eng_reading r = { .sensor = sensor,
		.t_ms = t_ms,
		.value_c = v,
		.quality = ENG_Q_OK };

	eng_feed(e, &r);
}

#endif
