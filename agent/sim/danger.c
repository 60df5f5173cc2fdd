/*
 * danger.c - is the room really in danger? The simulator knows the truth
 * the engine can only estimate: where each zone is heading under the
 * conditions of the moment, if nobody acted.
 *
 * A zone is in danger when, at the steady state of the conditions it
 * will be in an hour from now if nobody acts - its cooling units at the
 * capacity their ramps reach by then, hot spots at the size theirs reach,
 * the building and the power of its running hosts as they are - some
 * running host of the zone would reach a hardware trip (an hour: longer
 * than a migration or a shutdown takes, and than a room without cooling
 * takes to trip; a ramp of days is not danger until it comes close):
 *
 *	T_ss   = setpoint, when the cooling can hold it, else
 *	         T_b + (P_it + P_other - P_cool,max) / UA
 *	inlet  = T_ss + offset (in an hour) + swing
 *	         + s dT / (1 - s),  s = recirc_share (1 - cooling / heat),
 *	                            dT = R_exh P / phi
 *	exhaust = inlet + dT
 *	cpu    = inlet + R_cpu' P_cpu, but not above the throttle point
 *	         unless the base power alone takes it there
 *
 * (the structure only delays the steady state). An action on a host is
 * a false action when its zone is not in danger and none of the host's
 * true temperatures is within its class's warn margin of its trip: it
 * cost service and bought nothing, however fast the room was rising.
 */
#include <math.h>

#include "run.h"

#define DANGER_HORIZON_MS (3600 * 1000)

static const enum eng_class sens_class[SIM_NSENS] = { ENG_CLASS_INLET,
	ENG_CLASS_CPU, ENG_CLASS_EXHAUST };

/* A cooling unit's fraction as its ramp leaves it at time t. */
static double
frac_at(const struct sim_zone *z, int i, int64_t t)
{
	if (t >= z->ramp_end_ms[i] || z->ramp_end_ms[i] <= z->ramp_start_ms[i])
		return z->cool_to[i];
	return z->cool_from[i] +
	    (z->cool_to[i] - z->cool_from[i]) *
	    (double)(t - z->ramp_start_ms[i]) /
	    (double)(z->ramp_end_ms[i] - z->ramp_start_ms[i]);
}

/* A host's inlet offset as its hot-spot ramp leaves it at now + H. */
static double
offset_ahead(const struct sim_run *r, const struct sim_host *h)
{
	double d = h->inlet_off_to - h->inlet_off_c, step;

	/* no ramp: its rate, with the host's cold fields, stays unread
	 * (this pass reads every host of the room) */
	if (d == 0)
		return h->inlet_off_to;
	step = h->inlet_off_rate * DANGER_HORIZON_MS / r->tick_ms;
	if (fabs(d) <= step)
		return h->inlet_off_to;
	return h->inlet_off_c + (d > 0 ? step : -step);
}

/* The zone's air temperature at the steady state, or INFINITY. */
static double
steady_air(const struct sim_run *r, int zi, double *shortfall)
{
	const struct sim_zone_def *zd = &r->scn->zones[zi];
	const struct sim_zone *z = &r->zone[zi];
	double cap = 0, heat = zd->other_heat_w, tb, hold;
	int i;

	for (i = 0; i < zd->n_coolers; i++)
		cap += zd->coolers[i].capacity_w *
		    frac_at(z, i, r->now_ms + DANGER_HORIZON_MS);
	for (i = z->first_host; i < z->first_host + z->n_hosts; i++)
		if (r->host[i].powered)
			heat += r->host[i].power_w;
	*shortfall = heat > 0 ? fmax(0, 1 - cap / heat) : 0;
	tb = mdl_building_c(r, r->now_ms);
	/* what the cooling must remove to hold the setpoint */
	hold = heat + zd->ua_w_per_k * (tb - zd->setpoint_c);
	if (cap >= hold)
		return zd->setpoint_c;
	if (zd->ua_w_per_k <= 0)
		return INFINITY;
	return tb + (heat - cap) / zd->ua_w_per_k;
}

/* Would this host reach a trip at the zone's steady state? The fans'
 * speed depends on the inlet and the inlet (through recirculation) on
 * the fans: a few rounds find where they settle. */
static bool
host_trips(const struct sim_run *r, const struct sim_host *h, double t_air,
    double shortfall)
{
	double s = h->hw->recirc_share * shortfall, dt = 0, inlet = 0, cpu, p;
	double phi = h->phi, pw = h->p_base + h->p_dyn;
	/* (what the rounds do not change, once) */
	double room = t_air + offset_ahead(r, h) + h->swing_now;
	int k;

	for (k = 0; k < 4; k++) {
		p = pw + h->hw->fan_w * phi * phi * phi;
		dt = h->hw->r_exh * p / phi;
		inlet = room + s * dt / (1 - s);
		phi = mdl_fan_speed(h, inlet);
	}
	if (inlet >= h->hw->trip_c[SIM_S_INLET] ||
	    inlet + dt >= h->hw->trip_c[SIM_S_EXHAUST])
		return true;
	cpu = inlet +
	    h->r_cpu_eff *
		(h->hw->cpu_fast + (1 - h->hw->cpu_fast) * h->cooler_to) * pw;
	if (cpu > h->hw->throttle_c)
		cpu = fmax(h->hw->throttle_c, inlet + h->r_cpu_eff * h->p_base);
	return cpu >= h->hw->trip_c[SIM_S_CPU];
}

bool
danger_zone(struct sim_run *r, int zi)
{
	struct sim_zone *z = &r->zone[zi];
	double f, t;
	int i;

	if (z->danger_at_ms == r->now_ms)
		return z->danger;
	z->danger_at_ms = r->now_ms;
	z->danger = false;
	t = steady_air(r, zi, &f);
	for (i = z->first_host; i < z->first_host + z->n_hosts && !z->danger;
	     i++)
		if (r->host[i].powered)
			z->danger = !isfinite(t) ||
			    host_trips(r, &r->host[i], t, f);
	return z->danger;
}

bool
danger_host_near_trip(const struct sim_run *r, const struct sim_host *h)
{
	int s;

	for (s = 0; s < SIM_NSENS; s++)
		if (mdl_true_value(h, s) >= h->hw->trip_c[s] -
			r->opt.conf.cls[sens_class[s]].warn.margin_c)
			return true;
	return false;
}

void
danger_watch(struct sim_run *r)
{
	int z;

	for (z = 0; z < r->n_zones; z++) {
		if (!danger_zone(r, z)) {
			r->zone[z].danger_since_ms = -1;
			continue;
		}
		if (r->zone[z].danger_since_ms < 0)
			r->zone[z].danger_since_ms = r->now_ms;
		if (r->res.incident_ms < 0)
			run_mark_incident(r, z);
	}
}
