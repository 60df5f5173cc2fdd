/*
 * rng.c - the simulator's random numbers: splitmix64 seeding a
 * xoshiro256** state (public-domain algorithms by Blackman and Vigna,
 * written here from their definitions). Every stream is a pure function
 * of (seed, stream, index), so a host's noise does not depend on how many
 * other hosts there are or on the order in which threads run.
 */
#include <math.h>

#include "sim.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
rng_seed(struct sim_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
	r->has_spare = false;
}

void
rng_seed_stream(
    struct sim_rng *r, uint64_t seed, uint64_t stream, uint64_t index)
{
	uint64_t x = seed;
	uint64_t a = splitmix64(&x);

	x = a ^ (stream * 0xd1342543de82ef95ULL);
	a = splitmix64(&x);
	x = a ^ (index * 0xa0761d6478bd642fULL);
	rng_seed(r, splitmix64(&x));
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double
rng_uniform(struct sim_rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Marsaglia's polar method; keeps the second value (rng_normal, sim.h,
 * returns it). */
double
rng_normal_pair(struct sim_rng *r)
{
	double u, v, q;

	do {
		u = 2 * rng_uniform(r) - 1;
		v = 2 * rng_uniform(r) - 1;
		q = u * u + v * v;
	} while (q >= 1 || q == 0);
	q = sqrt(-2 * log(q) / q);
	r->spare = v * q;
	r->has_spare = true;
	return u * q;
}

double
rng_exp(struct sim_rng *r, double mean)
{
	return -mean * log(1 - rng_uniform(r));
}

double
rng_lognormal(struct sim_rng *r, double median, double sigma)
{
	if (sigma <= 0)
		return median;
	return median * exp(sigma * rng_normal(r));
}
