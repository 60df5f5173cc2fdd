/*
 * model.c - the thermal model of zones and hosts.
 *
 * A zone is two lumped heat capacities: the air with the IT equipment
 * (C, fast) and the structure - walls, floor, racks - (C_s, slow),
 * coupled by H_s:
 *
 *	C   dT/dt   = P_it + P_other + UA (T_b - T) + H_s (T_s - T) - P_cool
 *	C_s dT_s/dt = H_s (T - T_s)
 *	P_cool = clamp(P_it + P_other + UA (T_b - T) + H_s (T_s - T)
 *	               + C (T - T_set) / tau, 0, available capacity)
 *
 * so with enough capacity the room returns to its setpoint with time
 * constant tau, and without cooling it heats at (P_it + P_other) / C at
 * first, then more slowly as the structure takes heat: the heating rate
 * starts at its maximum and decays (Khankari 2011). A host:
 *
 *	short   = 1 - available cooling / heat, 0..1 (the cold air the
 *	          units cannot supply, which hot air takes the place of)
 *	s       = recirc_share short	  exhaust share of the inlet air
 *	inlet   = (1 - s) (T + offset + swing) + s exhaust
 *	phi     = 1 .. fan_max with the inlet from fan_start_c to fan_full_c
 *	P_host  = P_idle - fan_w + fan_w phi^3 + P_dyn + migrations
 *	P_dyn   = (P_max - P_idle) min(1, load vms / capacity), cut down so
 *	          that the CPU stays at throttle_cpu_c (throttling)
 *	R_cpu'  = R_cpu (0.5 + 0.5 phi^-0.8)  (the heatsink's half of it
 *	          falls with the airflow)
 *	cpu     = inlet + d_fast + d_slow	  two-pole Foster network:
 *	d_fast -> f_cpu R_cpu' (P_host - fans)	  die, lag 2 s
 *	d_slow -> (1 - f_cpu) R_cpu' (...)	  heatsink, lag tau_cpu
 *	exhaust -> inlet + R_exh P_host / phi	  first-order lag tau_exh
 *
 * The equations and the source of every default are in thermwatch-sim(1).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "run.h"

/* Die and heat spreader: a load step shows within seconds. */
#define MDL_TAU_DIE_S 2.0

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

	if (h->hw->swing_c == 0)
		return 0;
	hr = scn_hour_of_day(r->scn, r->now_ms / 1000.0);
	return h->hw->swing_c * cos(2 * M_PI * (hr - h->swing_peak_h) / 24.0);
}

/* Fan speed over base speed at this inlet temperature. */
double
mdl_fan_speed(const struct sim_host *h, double inlet)
{
	double x;

	if (h->hw->fan_max <= 1 || inlet <= h->hw->fan_start_c)
		return 1;
	x = (inlet - h->hw->fan_start_c) /
	    (h->hw->fan_full_c - h->hw->fan_start_c);
	return 1 + (h->hw->fan_max - 1) * (x < 1 ? x : 1);
}

double
mdl_utilisation(const struct sim_host *h)
{
	double u = h->hw->capacity > 0
	    ? h->load * h->burst * h->vms / h->hw->capacity
	    : 0;

	return u < 1 ? u : 1;
}

void
mdl_host_power(const struct sim_run *r, struct sim_host *h)
{
	double phi = mdl_fan_speed(h, h->t_inlet);

	h->phi = phi;
	h->p_fan = phi == 1 ? h->hw->fan_w : h->hw->fan_w * phi * phi * phi;
	h->r_cpu_eff = phi == 1 ? h->hw->r_cpu
				: h->hw->r_cpu * (0.5 + 0.5 * pow(phi, -0.8));
	h->p_base = h->hw->idle_w - h->hw->fan_w;
	/* (what migrations add: nothing on nearly every host, every tick) */
	if (h->receiving != 0 || h->mig_next >= 0)
		h->p_base += wl_migration_w(r, h);
	h->p_dyn = (h->hw->max_w - h->hw->idle_w) * mdl_utilisation(h);
	h->p_cpu = h->p_base + h->p_dyn;
	h->power_w = h->p_cpu + h->p_fan;
	h->throttled = false;
}

void
mdl_init_hw(
    const struct sim_run *r, struct sim_hw *hw, const struct sim_group *g)
{
	double dt = r->tick_ms / 1000.0;
	int s;

	hw->capacity = g->capacity_vms;
	hw->proc_stat = g->proc_stat;
	for (s = 0; s < SIM_NSENS; s++)
		hw->trip_c[s] = g->trip_c[s];
	hw->swing_c = g->inlet_swing_c;
	hw->recirc_share = g->recirc_share;
	hw->idle_w = g->idle_w;
	hw->max_w = g->max_w;
	hw->fan_w = g->fan_w;
	hw->fan_max = g->fan_max;
	hw->fan_start_c = g->fan_start_c;
	hw->fan_full_c = g->fan_full_c;
	hw->throttle_c = g->throttle_cpu_c;
	hw->r_cpu = g->r_cpu_k_per_w;
	hw->r_exh = g->r_exhaust_k_per_w;
	hw->cpu_fast = g->cpu_fast_fraction;
	hw->k_fast = 1 - exp(-dt / MDL_TAU_DIE_S);
	hw->k_cpu = 1 - exp(-dt / g->tau_cpu_s);
	hw->k_exh = 1 - exp(-dt / g->tau_exhaust_s);
	/* what a tick computes of them (the same doubles) */
	hw->base_w = hw->idle_w - hw->fan_w;
	hw->dyn_w = hw->max_w - hw->idle_w;
	hw->k_cpu_1 = 1 - hw->k_cpu;
	hw->k_fast_1 = 1 - hw->k_fast;
	hw->cpu_slow = 1 - hw->cpu_fast;
	hw->k_die = (1 - hw->cpu_fast) * hw->k_cpu + hw->cpu_fast * hw->k_fast;
}

void
mdl_init_host(struct sim_run *r, struct sim_host *h, const struct sim_group *g)
{
	const struct sim_zone_def *zd = &r->scn->zones[h->zone];

	h->load = 1;
	h->burst = 1;
	h->vms = h->vms_start = g->vms;
	h->inlet_off_c = g->inlet_offset_c +
	    g->inlet_spread_c * rng_normal(&h->rng);
	h->inlet_off_to = h->inlet_off_c;
	h->cooler = h->cooler_to = 1;
	/* a host's daily swing peaks within an hour or so of its group's */
	h->swing_peak_h = g->inlet_swing_peak_h + rng_normal(&h->rng);
	h->swing_now = swing(r, h);
	h->t_inlet = zd->setpoint_c + h->inlet_off_c + h->swing_now;
	mdl_host_power(r, h);
	/* the steady state, throttled if the load asks too much */
	if (h->r_cpu_eff > 0 &&
	    h->t_inlet + h->r_cpu_eff * h->p_cpu > h->hw->throttle_c) {
		h->p_dyn = fmax(0,
		    (h->hw->throttle_c - h->t_inlet) / h->r_cpu_eff -
			h->p_base);
		h->p_cpu = h->p_base + h->p_dyn;
		h->power_w = h->p_cpu + h->p_fan;
	}
	h->d_fast = h->hw->cpu_fast * h->r_cpu_eff * h->p_cpu;
	h->d_slow = (1 - h->hw->cpu_fast) * h->r_cpu_eff * h->p_cpu;
	h->t_cpu = h->t_inlet + h->d_fast + h->d_slow;
	h->t_exh = h->t_inlet + h->hw->r_exh * h->power_w / h->phi;
	sens_init(r, h);
}

static double
cooling_capacity(struct sim_run *r, int zi)
{
	const struct sim_zone_def *zd = &r->scn->zones[zi];
	struct sim_zone *z = &r->zone[zi];
	double cap = 0;
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
	return cap;
}

void
mdl_step_zone(struct sim_run *r, int zi)
{
	const struct sim_zone_def *zd = &r->scn->zones[zi];
	struct sim_zone *z = &r->zone[zi];
	double dt = r->tick_ms / 1000.0, cap, demand, heat, ext, wall;

	cap = cooling_capacity(r, zi);
	heat = zd->other_heat_w + z->it_w;
	ext = zd->ua_w_per_k * (mdl_building_c(r, r->now_ms) - z->t_air);
	wall = zd->structure_w_per_k * (z->t_struct - z->t_air);
	demand = heat + ext + wall +
	    zd->heat_capacity_j_per_k * (z->t_air - zd->setpoint_c) /
		zd->control_tau_s;
	if (demand < 0)
		demand = 0;
	if (demand > cap)
		demand = cap;
	z->cap_w = cap;
	z->shortfall = heat > 0 ? 1 - cap / heat : 0;
	if (z->shortfall < 0)
		z->shortfall = 0;
	z->cool_w = demand;
	z->heat_w = heat;
	z->dtdt = (heat + ext + wall - demand) / zd->heat_capacity_j_per_k;
	if (zd->structure_j_per_k > 0)
		z->t_struct -= wall / zd->structure_j_per_k * dt;
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

/*
 * The CPU's thermal control (Intel TCC and the like) acts within
 * milliseconds: the core gives up speed so that the die does not pass
 * throttle_cpu_c. Here: the power that lands the die exactly there at
 * the end of this tick, when what the load asks would pass it; never
 * below the base power (idle, fans, migrations).

 *
 * A host's tick computes mdl_host_power() and then that, on the host's
 * values kept at hand (the same operations in the same order, so the
 * same doubles), and writes the host's fields once.
 */
int
mdl_step_host(struct sim_run *r, struct sim_host *h)
{
	const struct sim_hw *hw = h->hw;
	const struct sim_zone *z = &r->zone[h->zone];
	double s = hw->recirc_share * z->shortfall, room, inlet, phi, p_fan;
	double rr, p_base, p_dyn, p_cpu, power, d_fast, d_slow, t_cpu, t_exh;
	bool throttled = false;

	if (h->inlet_off_c != h->inlet_off_to) {
		double d = h->inlet_off_to - h->inlet_off_c;

		if (fabs(d) <= h->inlet_off_rate)
			h->inlet_off_c = h->inlet_off_to;
		else
			h->inlet_off_c += d > 0 ? h->inlet_off_rate
						: -h->inlet_off_rate;
	}
	if (h->cooler != h->cooler_to) {
		double d = h->cooler_to - h->cooler;

		if (fabs(d) <= h->cooler_rate)
			h->cooler = h->cooler_to;
		else
			h->cooler += d > 0 ? h->cooler_rate : -h->cooler_rate;
	}
	h->swing_now = hw->swing_c == 0 ? 0 : swing(r, h);
	room = z->t_air + h->inlet_off_c + h->swing_now;
	t_exh = h->t_exh;
	inlet = s > 0 ? (1 - s) * room + s * t_exh : room;
	/* mdl_host_power() */
	phi = mdl_fan_speed(h, inlet);
	p_fan = phi == 1 ? hw->fan_w : hw->fan_w * phi * phi * phi;
	rr = phi == 1 ? hw->r_cpu : hw->r_cpu * (0.5 + 0.5 * pow(phi, -0.8));
	p_base = hw->base_w;
	if (h->receiving != 0 || h->mig_next >= 0)
		p_base += wl_migration_w(r, h);
	p_dyn = hw->dyn_w * mdl_utilisation(h);
	p_cpu = p_base + p_dyn;
	power = p_cpu + p_fan;
	d_fast = h->d_fast;
	d_slow = h->d_slow;
	/* throttle() */
	if (!(p_dyn <= 0 || rr <= 0)) {
		double head = hw->throttle_c - inlet - d_slow * hw->k_cpu_1 -
		    d_fast * hw->k_fast_1;
		double per_w = rr * hw->k_die;

		if (!(p_cpu * per_w <= head)) {
			double p = head / per_w - p_base;

			p_dyn = p > 0 ? p : 0;
			p_cpu = p_base + p_dyn;
			power = p_cpu + p_fan;
			throttled = true;
		}
	}
	d_fast += (hw->cpu_fast * rr * p_cpu - d_fast) * hw->k_fast;
	/* a failed fan or pump: the heatsink's part of the resistance */
	d_slow += (hw->cpu_slow * rr * h->cooler * p_cpu - d_slow) * hw->k_cpu;
	t_cpu = inlet + d_fast + d_slow;
	t_exh += (inlet + hw->r_exh * power / phi - t_exh) * hw->k_exh;
	h->t_inlet = inlet;
	h->phi = phi;
	h->p_fan = p_fan;
	h->r_cpu_eff = rr;
	h->p_base = p_base;
	h->p_dyn = p_dyn;
	h->p_cpu = p_cpu;
	h->power_w = power;
	h->throttled = throttled;
	h->d_fast = d_fast;
	h->d_slow = d_slow;
	h->t_cpu = t_cpu;
	h->t_exh = t_exh;
	if (throttled)
		r->res.throttled_s += r->tick_ms / 1000.0;
	if (inlet >= hw->trip_c[SIM_S_INLET])
		return SIM_S_INLET;
	if (t_cpu >= hw->trip_c[SIM_S_CPU])
		return SIM_S_CPU;
	if (t_exh >= hw->trip_c[SIM_S_EXHAUST])
		return SIM_S_EXHAUST;
	return -1;
}
