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
 *
 * A room stepped in blocks (block.c) touches each engine once a block,
 * in its agents' pass, and the exchange is folded into it: a host's
 * summary for the exchange that ends the block is taken there, after
 * its last tick (zx_precollect), and what an exchange delivers waits
 * there too (zx_exchange with defer, zx_deliver), the engine in the
 * caches either way. Both are what the exchange itself would do: a
 * summary depends on nothing but the engine and the host, which nothing
 * changes between the block's end and the exchange unless an event
 * runs then (the summaries are then taken again); eng_zone_set() only
 * stores the zone's summary.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

/* What an exchange delivers, per receiver: 2 * the index of its
 * summary + self_included, or -1. */
struct zx_out {
	int64_t at_ms; /* the exchange; INT64_MIN: none */
	int *to;
	struct eng_zone_summary *zs; /* one per zone and receiver clock */
	int n_zs;
	int zs_cap;
};

struct sim_peers {
	struct eng_peer *buf; /* the summaries one receiver hears */
	int64_t *offs;        /* distinct receiver clock offsets */
	/* what the last exchange delivers, when deferred (cur), and what
	 * the one that began a block's guess delivered (kept, zx_keep) */
	struct zx_out cur, kept;
	bool deferred; /* cur is not yet known to be delivered */
	bool have_kept;
	/* summaries taken ahead, for the exchange at pre_ms: a host's is
	 * good when its pre_gen is ok_gen (a block that went through) */
	unsigned *pre_gen;
	unsigned gen;    /* of the block running */
	unsigned ok_gen; /* of the last block that went through */
	int64_t pre_ms;
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
	r->peers->cur.to = calloc(n, sizeof(int));
	r->peers->kept.to = calloc(n, sizeof(int));
	r->peers->cur.at_ms = r->peers->kept.at_ms = INT64_MIN;
	r->peers->pre_gen = calloc(n, sizeof(*r->peers->pre_gen));
	r->peers->pre_ms = INT64_MIN;
	return r->peers->buf != NULL && r->peers->offs != NULL &&
		r->peers->cur.to != NULL && r->peers->kept.to != NULL &&
		r->peers->pre_gen != NULL
	    ? 0
	    : -1;
}

void
zx_free(struct sim_run *r)
{
	if (r->peers == NULL)
		return;
	free(r->peers->buf);
	free(r->peers->offs);
	free(r->peers->cur.to);
	free(r->peers->cur.zs);
	free(r->peers->kept.to);
	free(r->peers->kept.zs);
	free(r->peers->pre_gen);
	free(r->peers);
	r->peers = NULL;
}

/* Host h's own summary, as it would publish it at now_ms (the engine
 * names it after its host and tier, agent_start sets both). */
static void
summary(const struct sim_run *r, struct sim_host *h, int64_t now_ms)
{
	h->summary_ok = can_publish(r, h) &&
	    eng_inlet_summary(h->eng, now_ms, &h->summary);
	if (h->summary_ok && h->have_out)
		h->summary.state = h->state;
}

/* Each host's own summary now: the one taken ahead when it is good. */
static void
collect(struct sim_run *r, int a, int b, bool ahead)
{
	const struct sim_peers *p = r->peers;
	int i;

	for (i = a; i < b; i++)
		if (!ahead || p->pre_gen[i] != p->ok_gen)
			summary(r, &r->host[i], r->now_ms);
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

/* Give host i what the exchange delivers to it. */
static void
give(struct sim_run *r, int i, const struct eng_zone_summary *zs, bool self)
{
	struct eng_zone_summary mine = *zs;

	mine.self_included = self;
	eng_zone_set(r->host[i].eng, &mine);
}

/* Summarize what receivers with clock offset off_ms hear, and give it to
 * each of them (or note what each is to get, when deferred). */
static void
deliver(struct sim_run *r, int a, int b, int64_t off_ms)
{
	struct sim_peers *p = r->peers;
	struct zx_out *o = &p->cur;
	struct eng_peer *buf = p->buf;
	struct eng_zone_summary one, *zs = &one;
	int i, n = 0, dropped = 0;

	/* (out of memory: delivered now, as without defer) */
	if (p->deferred &&
	    sim_grow((void **)&o->zs, &o->zs_cap, o->n_zs, sizeof(*zs)) < 0) {
		zx_deliver_all(r);
		p->deferred = false;
		o->at_ms = INT64_MIN;
	}
	if (p->deferred)
		zs = &o->zs[o->n_zs];

	for (i = a; i < b; i++) {
		if (!r->host[i].summary_ok)
			continue;
		if (fresh_for(r, off_ms, &r->host[i]))
			buf[n++] = r->host[i].summary;
		else
			dropped++;
	}
	eng_zone_summarize(buf, n, r->now_ms, &r->opt.conf.policy, zs);
	for (i = a; i < b; i++) {
		struct sim_host *to = &r->host[i];

		if (!can_publish(r, to) || to->wall_off_ms != off_ms)
			continue;
		/* its own summary is in buf when it published one and its
		 * clock kept it (its own clock always does) */
		if (p->deferred)
			o->to[i] = 2 * o->n_zs + to->summary_ok;
		else
			give(r, i, zs, to->summary_ok);
		r->res.peers_dropped_age += (uint64_t)dropped;
	}
	if (p->deferred)
		o->n_zs++;
}

void
zx_exchange(struct sim_run *r, bool defer, bool events)
{
	struct sim_peers *p = r->peers;
	bool ahead = !events && p->pre_ms == r->now_ms;
	int z, k, n;

	p->deferred = defer;
	p->cur.n_zs = 0;
	p->cur.at_ms = defer ? r->now_ms : INT64_MIN;
	if (defer)
		memset(p->cur.to, 0xff, (size_t)r->n_hosts * sizeof(int));
	for (z = 0; z < r->n_zones; z++) {
		int a = r->zone[z].first_host, b = a + r->zone[z].n_hosts;

		if (r->zone[z].peers_lost > 0)
			continue;
		collect(r, a, b, ahead);
		n = receiver_clocks(r, a, b);
		for (k = 0; k < n; k++)
			deliver(r, a, b, p->offs[k]);
	}
	p->pre_ms = INT64_MIN;
}

static void
give_out(struct sim_run *r, const struct zx_out *o, int i)
{
	if (o->to[i] >= 0)
		give(r, i, &o->zs[o->to[i] / 2], o->to[i] % 2 != 0);
}

void
zx_deliver(struct sim_run *r, int i)
{
	if (r->peers->deferred)
		give_out(r, &r->peers->cur, i);
}

void
zx_deliver_all(struct sim_run *r)
{
	int i;

	if (!r->peers->deferred)
		return;
	for (i = 0; i < r->n_hosts; i++)
		zx_deliver(r, i);
}

void
zx_delivered(struct sim_run *r)
{
	r->peers->deferred = false;
}

void
zx_keep(struct sim_run *r)
{
	struct sim_peers *p = r->peers;
	struct zx_out t;

	if (p->have_kept)
		return;
	t = p->kept;
	p->kept = p->cur;
	p->cur = t;
	p->cur.at_ms = INT64_MIN;
	p->have_kept = true;
}

void
zx_forget(struct sim_run *r)
{
	r->peers->have_kept = false;
}

void
zx_undo(struct sim_run *r, int64_t start_ms)
{
	struct sim_peers *p = r->peers;
	const struct zx_out *o = p->have_kept ? &p->kept : &p->cur;
	int i;

	if (o->at_ms == start_ms)
		for (i = 0; i < r->n_hosts; i++)
			give_out(r, o, i);
	p->deferred = false;
	p->have_kept = false;
	p->pre_ms = INT64_MIN;
}

void
zx_block_start(struct sim_run *r)
{
	r->peers->gen++;
}

void
zx_precollect(struct sim_run *r, int i, int64_t at_ms)
{
	summary(r, &r->host[i], at_ms);
	r->peers->pre_gen[i] = r->peers->gen;
}

void
zx_block_done(struct sim_run *r, int64_t next_ms)
{
	r->peers->ok_gen = r->peers->gen;
	r->peers->pre_ms = next_ms;
}
