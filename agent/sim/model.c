/*
 * model.c - the thermal model and the virtual sensors.
 *
 * Each zone is one lumped heat capacity C (air, racks, servers, walls):
 *
 *	C dT/dt = P_it + P_other + UA (T_building - T) - P_cool
 *	P_cool  = clamp(P_it + P_other + UA (T_b - T) + C (T - T_set) / tau,
 *	                0, sum of the units' available capacity)
 *
 * so with enough capacity the room returns to its setpoint with time
 * constant tau, and without cooling it heats at (P_it + P_other) / C at
 * first, then more slowly as the walls take heat (Khankari 2011: the
 * heating rate starts at its maximum and decays exponentially). Hosts:
 *
 *	P_host  = P_idle + (P_max - P_idle) min(1, load vms / capacity)
 *	inlet   = T + offset			(rack position, hot spot)
 *	cpu     =  inlet + d_fast + d_slow	(two-pole Foster network:)
 *	d_fast  -> f R_cpu P_host		(die, tau 2 s)
 *	d_slow  -> (1 - f) R_cpu P_host		(heatsink, tau_cpu)
 *	exhaust -> inlet + R_exh P_host		(first-order lag tau_exh)
 *
 * The equations and the source of every default are in thermwatch-sim(1).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "run.h"

/* Die and heat spreader: a load step shows within seconds. */
#define MDL_TAU_DIE_S 2.0

/* ---- PRNG: splitmix64 seeding xoshiro256** (public domain algorithms
 * by Vigna; written here from their definitions). ---- */

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

/* Marsaglia's polar method; keeps the second value. */
double
rng_normal(struct sim_rng *r)
{
	double u, v, q;

	if (r->has_spare) {
		r->has_spare = false;
		return r->spare;
	}
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

/* ---- the room ---- */

double
mdl_building_c(const struct sim_run *r, int64_t now_ms)
{
	const struct sim_scenario *s = r->scn;
	double h = (s->start_tod_s + now_ms / 1000.0) / 3600.0;

	return s->building_c + r->building_shift_c +
	    s->building_swing_c *
	    cos(2 * M_PI * (h - s->building_peak_h) / 24.0);
}

void
mdl_host_power(struct sim_host *h)
{
	double u = h->capacity > 0 ? h->load * h->vms / h->capacity : 0;

	if (u > 1)
		u = 1;
	h->power_w = h->idle_w + (h->max_w - h->idle_w) * u;
}

static int64_t
next_at(struct sim_run *r, double per_h)
{
	double dt;

	if (per_h <= 0)
		return INT64_MAX;
	dt = rng_exp(&r->rng, 3600.0 / per_h);
	if (dt > 1e12)
		return INT64_MAX;
	return r->now_ms + (int64_t)(dt * 1000) + 1;
}

void
mdl_init_host(struct sim_run *r, struct sim_host *h, const struct sim_group *g)
{
	const struct sim_faults *f = &r->scn->faults;
	const struct sim_zone_def *zd = &r->scn->zones[h->zone];
	double dt = r->tick_ms / 1000.0;
	int s;

	h->idle_w = g->idle_w;
	h->max_w = g->max_w;
	h->load = 1;
	h->vms = h->vms_start = g->vms;
	h->capacity = g->capacity_vms;
	h->inlet_off_c = g->inlet_offset_c +
	    g->inlet_spread_c * rng_normal(&r->rng);
	h->inlet_off_to = h->inlet_off_c;
	h->r_cpu = g->r_cpu_k_per_w;
	h->r_exh = g->r_exhaust_k_per_w;
	h->cpu_fast = g->cpu_fast_fraction;
	h->k_fast = 1 - exp(-dt / MDL_TAU_DIE_S);
	h->k_cpu = 1 - exp(-dt / g->tau_cpu_s);
	h->k_exh = 1 - exp(-dt / g->tau_exhaust_s);
	mdl_host_power(h);
	h->t_inlet = zd->setpoint_c + h->inlet_off_c;
	h->d_fast = h->cpu_fast * h->r_cpu * h->power_w;
	h->d_slow = (1 - h->cpu_fast) * h->r_cpu * h->power_w;
	h->t_cpu = h->t_inlet + h->d_fast + h->d_slow;
	h->t_exh = h->t_inlet + h->r_exh * h->power_w;
	for (s = 0; s < SIM_NSENS; s++) {
		struct sim_sens *ss = &h->sens[s];

		ss->trip_c = g->trip_c[s];
		ss->noise_c = f->noise_c[s];
		ss->next_glitch_ms = next_at(r, f->glitch_per_h);
		ss->next_dropout_ms = next_at(r, f->dropout_per_h);
		ss->next_stale_ms = next_at(r, f->stale_per_h);
		ss->dropout_until_ms = -1;
		ss->stale_until_ms = -1;
		ss->fault = SIM_F_OK;
		ss->eng_idx = -1;
	}
}

void
mdl_step_zone(struct sim_run *r, int zi)
{
	const struct sim_zone_def *zd = &r->scn->zones[zi];
	struct sim_zone *z = &r->zone[zi];
	double dt = r->tick_ms / 1000.0, tb, cap = 0, demand, heat, ext;
	int i;

	for (i = 0; i < zd->n_coolers; i++) {
		if (r->now_ms >= z->ramp_end_ms[i])
			z->cool_frac[i] = z->cool_to[i];
		else if (r->now_ms > z->ramp_start_ms[i]) {
			double a = (double)(r->now_ms - z->ramp_start_ms[i]) /
			    (double)(z->ramp_end_ms[i] - z->ramp_start_ms[i]);

			z->cool_frac[i] = z->cool_from[i] +
			    a * (z->cool_to[i] - z->cool_from[i]);
		}
		cap += zd->coolers[i].capacity_w * z->cool_frac[i];
	}
	heat = zd->other_heat_w;
	for (i = z->first_host; i < z->first_host + z->n_hosts; i++)
		if (r->host[i].powered)
			heat += r->host[i].power_w;
	tb = mdl_building_c(r, r->now_ms);
	ext = zd->ua_w_per_k * (tb - z->t_air);
	demand = heat + ext +
	    zd->heat_capacity_j_per_k * (z->t_air - zd->setpoint_c) /
		zd->control_tau_s;
	if (demand < 0)
		demand = 0;
	if (demand > cap)
		demand = cap;
	z->cap_w = cap;
	z->cool_w = demand;
	z->heat_w = heat;
	z->dtdt = (heat + ext - demand) / zd->heat_capacity_j_per_k;
	z->t_air += z->dtdt * dt;
	if (z->t_air > z->peak_c)
		z->peak_c = z->t_air;
}

double
mdl_true_value(const struct sim_host *h, int s)
{
	switch (s) {
	case SIM_S_INLET:
		return h->t_inlet;
	case SIM_S_CPU:
		return h->t_cpu;
	default:
		return h->t_exh;
	}
}

int
mdl_step_host(struct sim_run *r, struct sim_host *h)
{
	int s;

	mdl_host_power(h);
	if (h->inlet_off_c != h->inlet_off_to) {
		double d = h->inlet_off_to - h->inlet_off_c;

		if (fabs(d) <= h->inlet_off_rate)
			h->inlet_off_c = h->inlet_off_to;
		else
			h->inlet_off_c += d > 0 ? h->inlet_off_rate
						: -h->inlet_off_rate;
	}
	h->t_inlet = r->zone[h->zone].t_air + h->inlet_off_c;
	h->d_fast += (h->cpu_fast * h->r_cpu * h->power_w - h->d_fast) *
	    h->k_fast;
	h->d_slow += ((1 - h->cpu_fast) * h->r_cpu * h->power_w - h->d_slow) *
	    h->k_cpu;
	h->t_cpu = h->t_inlet + h->d_fast + h->d_slow;
	h->t_exh += (h->t_inlet + h->r_exh * h->power_w - h->t_exh) * h->k_exh;
	for (s = 0; s < SIM_NSENS; s++)
		if (mdl_true_value(h, s) >= h->sens[s].trip_c)
			return s;
	return -1;
}

/* What broken sensors really report (FIELD.md: lm-sensors #461 127 °C,
 * netdata #23673 3892314 °C, and the 0 / -128 / 255 sentinels). */
static double
glitch_value(struct sim_run *r, double v)
{
	static const double sentinel[] = { 127, 0, -128, 255, 3892314 };
	uint64_t k = rng_next(&r->rng) % 7;

	if (k < 5)
		return sentinel[k];
	return k == 5 ? v + 40 : v - 25;
}

bool
mdl_sample(struct sim_run *r, struct sim_host *h, int s, struct eng_reading *rd)
{
	const struct sim_faults *f = &r->scn->faults;
	struct sim_sens *ss = &h->sens[s];
	int64_t now = r->now_ms;
	double v;

	if (ss->fault == SIM_F_STALE || now < ss->stale_until_ms)
		return false;
	if (now >= ss->next_stale_ms) {
		ss->stale_until_ms = now + (int64_t)(f->stale_s * 1000);
		ss->next_stale_ms = next_at(r, f->stale_per_h);
		if (ss->next_stale_ms < ss->stale_until_ms &&
		    ss->next_stale_ms != INT64_MAX)
			ss->next_stale_ms = ss->stale_until_ms + 1;
		return false;
	}
	rd->sensor = ss->eng_idx;
	rd->t_ms = now;
	rd->quality = ENG_Q_OK;
	if (now >= ss->next_dropout_ms) {
		ss->dropout_until_ms = now + (int64_t)(f->dropout_s * 1000);
		ss->next_dropout_ms = next_at(r, f->dropout_per_h);
	}
	if (ss->fault == SIM_F_DEAD || now < ss->dropout_until_ms) {
		rd->quality = ENG_Q_UNAVAILABLE;
		rd->value_c = NAN;
		return true;
	}
	if (ss->fault == SIM_F_STUCK) {
		rd->value_c = ss->stuck_c;
		return true;
	}
	v = mdl_true_value(h, s);
	if (ss->noise_c > 0)
		v += ss->noise_c * rng_normal(&r->rng);
	if (now >= ss->next_glitch_ms) {
		v = glitch_value(r, v);
		ss->next_glitch_ms = next_at(r, f->glitch_per_h);
	}
	rd->value_c = v;
	return true;
}
