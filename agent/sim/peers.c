/*
 * peers.c - the zone peer exchange, as the agents do it over MQTT: every
 * peer_interval_s each running agent publishes its inlet summary to its
 * zone; every other running agent of the zone receives it.
 *
 * What the transport does to the summaries is modelled as thermwatchd
 * does it: a summary carries the sender's wall-clock time, and a receiver
 * drops one that is older than mqtt.peer_max_age_s by its own wall clock
 * (mqtt_in.c), so a clock step matters here and only here. A zone whose
 * broker is gone (peers event) delivers nothing; a host whose own MQTT
 * is cut neither sends nor receives.
 */
#include <stdio.h>

#include "run.h"

static bool
can_publish(const struct sim_run *r, const struct sim_host *h)
{
	return agent_running(r, h) && h->peers_lost == 0;
}

/* Each host's own summary, as it would publish it now. */
static void
collect(struct sim_run *r, int a, int b)
{
	int i;

	for (i = a; i < b; i++) {
		struct sim_host *h = &r->host[i];

		h->summary_ok = can_publish(r, h) &&
		    eng_inlet_summary(h->eng, r->now_ms, &h->summary);
		if (!h->summary_ok)
			continue;
		snprintf(
		    h->summary.host, sizeof(h->summary.host), "%s", h->name);
		h->summary.tier = h->tier;
		h->summary.t_ms = r->now_ms;
		if (h->have_out)
			h->summary.state = h->out.state;
	}
}

/* The receiver's wall clock minus the sender's: how old the summary
 * looks to the receiver (the transit itself takes no time here). */
static bool
too_old(const struct sim_run *r, const struct sim_host *to,
    const struct sim_host *from)
{
	double max_ms = r->opt.agent.peer_max_age_s * 1000.0;

	return max_ms > 0 &&
	    (double)(to->wall_off_ms - from->wall_off_ms) > max_ms;
}

void
peers_exchange(struct sim_run *r)
{
	int z, i, j;

	for (z = 0; z < r->n_zones; z++) {
		int a = r->zone[z].first_host, b = a + r->zone[z].n_hosts;

		if (r->zone[z].peers_lost > 0)
			continue;
		collect(r, a, b);
		for (j = a; j < b; j++) {
			struct sim_host *to = &r->host[j];

			if (!can_publish(r, to))
				continue;
			for (i = a; i < b; i++) {
				if (i == j || !r->host[i].summary_ok)
					continue;
				if (too_old(r, to, &r->host[i])) {
					r->res.peers_dropped_age++;
					continue;
				}
				eng_peer_update(to->eng, &r->host[i].summary);
			}
		}
	}
}
