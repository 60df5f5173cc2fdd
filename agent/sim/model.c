/*
 * model.c - the thermal model of zones and hosts.
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

/* The host's own daily inlet swing (sun on a wall, a neighbour's heat):
 * what the building's swing does not bring through working cooling. */
static double
swing(const struct sim_run *r, const struct sim_host *h)
{
	double hr;

	if (h->swing_c == 0)
		return 0;
	hr = scn_hour_of_day(r->scn, r->now_ms / 1000.0);
	return h->swing_c * cos(2 * M_PI * (hr - h->swing_peak_h) / 24.0);
}

void
mdl_host_power(const struct sim_run *r, struct sim_host *h)
{
	double u = h->capacity > 0 ? h->load * h->burst * h->vms / h->capacity
				   : 0;

	if (u > 1)
		u = 1;
	h->power_w = h->idle_w + (h->max_w - h->idle_w) * u +
	    wl_migration_w(r, h);
}

void
mdl_init_host(struct sim_run *r, struct sim_host *h, const struct sim_group *g)
{
	const struct sim_zone_def *zd = &r->scn->zones[h->zone];
	double dt = r->tick_ms / 1000.0;

	h->idle_w = g->idle_w;
	h->max_w = g->max_w;
	h->load = 1;
	h->burst = 1;
	h->vms = h->vms_start = g->vms;
	h->capacity = g->capacity_vms;
	h->inlet_off_c = g->inlet_offset_c +
	    g->inlet_spread_c * rng_normal(&h->rng);
	h->inlet_off_to = h->inlet_off_c;
	/* a host's daily swing peaks within an hour or so of its group's */
	h->swing_c = g->inlet_swing_c;
	h->swing_peak_h = g->inlet_swing_peak_h + rng_normal(&h->rng);
	h->r_cpu = g->r_cpu_k_per_w;
	h->r_exh = g->r_exhaust_k_per_w;
	h->cpu_fast = g->cpu_fast_fraction;
	h->k_fast = 1 - exp(-dt / MDL_TAU_DIE_S);
	h->k_cpu = 1 - exp(-dt / g->tau_cpu_s);
	h->k_exh = 1 - exp(-dt / g->tau_exhaust_s);
	mdl_host_power(r, h);
	h->t_inlet = zd->setpoint_c + h->inlet_off_c + swing(r, h);
	h->d_fast = h->cpu_fast * h->r_cpu * h->power_w;
	h->d_slow = (1 - h->cpu_fast) * h->r_cpu * h->power_w;
	h->t_cpu = h->t_inlet + h->d_fast + h->d_slow;
	h->t_exh = h->t_inlet + h->r_exh * h->power_w;
	sens_init(r, h, g);
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
	heat = zd->other_heat_w + z->it_w;
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

	mdl_host_power(r, h);
	if (h->inlet_off_c != h->inlet_off_to) {
		double d = h->inlet_off_to - h->inlet_off_c;

		if (fabs(d) <= h->inlet_off_rate)
			h->inlet_off_c = h->inlet_off_to;
		else
			h->inlet_off_c += d > 0 ? h->inlet_off_rate
						: -h->inlet_off_rate;
	}
	h->t_inlet = r->zone[h->zone].t_air + h->inlet_off_c + swing(r, h);
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
