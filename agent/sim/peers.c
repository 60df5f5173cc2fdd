/*
 * peers.c - the zone peer exchange, as the agents do it over MQTT: every
 * peer_interval_s each running agent publishes its inlet summary to its
 * zone, and every running agent of the zone hears the others'.
 *
 * What a receiver hears is the same for every receiver with the same
 * view of the zone, so the zone is summarized once (eng_zone_summarize,
 * one O(n) pass) and the summary handed to each of them (eng_zone_set):
 * the exchange costs O(hosts), not O(hosts^2). Each host's own summary
 * is among those summarized, as the engine would add it itself.
 *
 * What the transport does is modelled as thermwatchd does it: a summary
 * carries its sender's wall-clock time and a receiver drops one older
 * than mqtt.peer_max_age_s by its own wall clock (mqtt_in.c), so hosts
 * whose clocks differ may hear different subsets: the zone is summarized
 * once per distinct receiver clock (there are few). A zone whose broker
 * is gone delivers nothing; a host whose own MQTT is cut neither sends
 * nor receives. A receiver that hears nothing keeps its last summary
 * until it is older than policy.peer_stale_s, as it would keep its peer
 * table.
 */
#include <stdio.h>
#include <stdlib.h>

#include "run.h"

struct sim_peers {
	struct eng_peer *buf; /* the summaries one receiver hears */
	int64_t *offs;        /* distinct receiver clock offsets */
};

static bool
can_publish(const struct sim_run *r, const struct sim_host *h)
{
	return agent_running(r, h) && h->peers_lost == 0;
}

int
zx_init(struct sim_run *r)
{
	size_t n = (size_t)(r->n_hosts > 0 ? r->n_hosts : 1);

	r->peers = calloc(1, sizeof(*r->peers));
	if (r->peers == NULL)
		return -1;
	r->peers->buf = calloc(n, sizeof(*r->peers->buf));
	r->peers->offs = calloc(n, sizeof(*r->peers->offs));
	return r->peers->buf != NULL && r->peers->offs != NULL ? 0 : -1;
}

void
zx_free(struct sim_run *r)
{
	if (r->peers == NULL)
		return;
	free(r->peers->buf);
	free(r->peers->offs);
	free(r->peers);
	r->peers = NULL;
}

/* Each host's own summary, as it would publish it now (the engine names
 * it after its host and tier, agent_start sets both). */
static void
collect(struct sim_run *r, int a, int b)
{
	int i;

	for (i = a; i < b; i++) {
		struct sim_host *h = &r->host[i];

		h->summary_ok = can_publish(r, h) &&
		    eng_inlet_summary(h->eng, r->now_ms, &h->summary);
		if (h->summary_ok && h->have_out)
			h->summary.state = h->state;
	}
}

/* Does a receiver whose wall clock is off by off_ms keep a summary from
 * this sender? (The transit itself takes no time here.) */
static bool
fresh_for(const struct sim_run *r, int64_t off_ms, const struct sim_host *from)
{
	double max_ms = r->opt.agent.peer_max_age_s * 1000.0;

	return max_ms <= 0 || (double)(off_ms - from->wall_off_ms) <= max_ms;
}

/* The distinct clock offsets of the zone's receivers: usually one. */
static int
receiver_clocks(struct sim_run *r, int a, int b)
{
	int64_t *offs = r->peers->offs;
	int i, k, n = 0;

	for (i = a; i < b; i++) {
		if (!can_publish(r, &r->host[i]))
			continue;
		for (k = 0; k < n && offs[k] != r->host[i].wall_off_ms; k++)
			;
		if (k == n)
			offs[n++] = r->host[i].wall_off_ms;
	}
	return n;
}

/* Summarize what receivers with clock offset off_ms hear, and give it to
 * each of them. */
static void
deliver(struct sim_run *r, int a, int b, int64_t off_ms)
{
	struct eng_peer *buf = r->peers->buf;
	struct eng_zone_summary zs;
	int i, n = 0, dropped = 0;

	for (i = a; i < b; i++) {
		if (!r->host[i].summary_ok)
			continue;
		if (fresh_for(r, off_ms, &r->host[i]))
			buf[n++] = r->host[i].summary;
		else
			dropped++;
	}
	eng_zone_summarize(buf, n, r->now_ms, &r->opt.conf.policy, &zs);
	for (i = a; i < b; i++) {
		struct sim_host *to = &r->host[i];

		if (!can_publish(r, to) || to->wall_off_ms != off_ms)
			continue;
		/* its own summary is in buf when it published one and its
		 * clock kept it (its own clock always does) */
		zs.self_included = to->summary_ok;
		eng_zone_set(to->eng, &zs);
		r->res.peers_dropped_age += (uint64_t)dropped;
	}
}

void
zx_exchange(struct sim_run *r)
{
	int z, k, n;

	for (z = 0; z < r->n_zones; z++) {
		int a = r->zone[z].first_host, b = a + r->zone[z].n_hosts;

		if (r->zone[z].peers_lost > 0)
			continue;
		collect(r, a, b);
		n = receiver_clocks(r, a, b);
		for (k = 0; k < n; k++)
			deliver(r, a, b, r->peers->offs[k]);
	}
}
