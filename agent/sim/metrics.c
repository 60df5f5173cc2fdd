/*
 * metrics.c - what a run's outcome is worth: per tier, the tier order,
 * and the lead times against an oracle.
 *
 * The oracle is the same scenario and seed with nobody acting (physics
 * only, run.c): it knows when the room really came into danger (t0,
 * danger.c) and when the first host would then have tripped. A lead
 * time is measured back from that first trip, as a fraction of the
 * oracle's own (t0 to first trip): 1 is as early as knowing the failure
 * at t0, 0 is at the moment the first host would have died, negative is
 * later. An action is needless when the oracle saw no host of its zone
 * trip at all (the outage ended in time).
 */
#include <math.h>
#include <stdlib.h>

#include "run.h"

void
metrics_action(struct sim_run *r, int host, bool shutdown)
{
	struct sim_act_rec *a;

	if (sim_grow((void **)&r->acts, &r->acts_cap, r->n_acts, sizeof(*a)) <
	    0)
		return;
	a = &r->acts[r->n_acts++];
	a->t_ms = r->now_ms;
	a->host = host;
	a->shutdown = shutdown;
}

void
metrics_oracle(const struct sim_run *oracle, struct sim_oracle *o)
{
	int z;

	o->t0_ms = oracle->res.incident_ms;
	o->first_trip_ms = -1;
	o->hard_trips = oracle->res.hard_trips;
	for (z = 0; z < oracle->n_zones; z++) {
		int64_t t = oracle->zone[z].first_trip_ms;

		o->zone_trips[z] = t >= 0;
		if (t >= 0 && t >= o->t0_ms &&
		    (o->first_trip_ms < 0 || t < o->first_trip_ms))
			o->first_trip_ms = t;
	}
}

/* Tier 0 goes down last in every zone (held), and every tier before the
 * next more important one (strict); only hosts that went down count. */
static void
tier_order(struct sim_run *r)
{
	int z, i, t, u;

	r->res.tier_order_held = r->res.tier_order_strict = true;
	for (z = 0; z < r->n_zones; z++) {
		int64_t first[ENG_MAX_TIER + 1], last[ENG_MAX_TIER + 1];
		const struct sim_zone *zn = &r->zone[z];

		for (t = 0; t <= ENG_MAX_TIER; t++)
			first[t] = last[t] = -1;
		for (i = zn->first_host; i < zn->first_host + zn->n_hosts;
		     i++) {
			const struct sim_host *h = &r->host[i];

			if (h->down_ms < 0)
				continue;
			if (first[h->tier] < 0 || h->down_ms < first[h->tier])
				first[h->tier] = h->down_ms;
			if (h->down_ms > last[h->tier])
				last[h->tier] = h->down_ms;
		}
		for (t = 1; t <= ENG_MAX_TIER; t++)
			if (first[0] >= 0 && last[t] > first[0])
				r->res.tier_order_held = false;
		for (t = 1; t <= ENG_MAX_TIER; t++)
			for (u = 0; u < t; u++)
				if (first[u] >= 0 && last[t] > first[u])
					r->res.tier_order_strict = false;
	}
}

static double
lead(const struct sim_oracle *o, int64_t t_ms)
{
	if (o == NULL || o->t0_ms < 0 || o->first_trip_ms <= o->t0_ms ||
	    t_ms < 0)
		return NAN;
	return (double)(o->first_trip_ms - t_ms) /
	    (double)(o->first_trip_ms - o->t0_ms);
}

void
metrics_finish(struct sim_run *r, const struct sim_oracle *o)
{
	struct sim_result *res = &r->res;
	int64_t t0 = o != NULL && o->t0_ms >= 0 ? o->t0_ms : res->incident_ms;
	int i;

	tier_order(r);
	res->first_migrate_ms = res->first_shutdown_ms = -1;
	res->needless_actions = 0;
	res->actions = r->n_acts;
	for (i = 0; i < r->n_acts; i++) {
		const struct sim_act_rec *a = &r->acts[i];
		int64_t *first = a->shutdown ? &res->first_shutdown_ms
					     : &res->first_migrate_ms;

		if (t0 >= 0 && a->t_ms >= t0 && *first < 0)
			*first = a->t_ms;
		if (o != NULL && !o->zone_trips[r->host[a->host].zone])
			res->needless_actions++;
	}
	res->have_oracle = o != NULL;
	if (o != NULL)
		res->oracle = *o;
	res->lead_alarm = lead(o, res->first_alarm_ms);
	res->lead_migrate = lead(o, res->first_migrate_ms);
	res->lead_shutdown = lead(o, res->first_shutdown_ms);
}
