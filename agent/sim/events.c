/*
 * events.c - the scenario's events in time order: a binary heap of
 * occurrences. A repeating event (every) puts its next occurrence in the
 * heap when one fires, moved by a uniform jitter drawn from the run's
 * seed; a windowed event (duration) puts its own end in the heap, and the
 * end undoes what the start did. So a month of daily bursts costs a few
 * heap entries at a time, whatever its length.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

#define EVQ_STREAM 0x6576656e74ULL /* "event" */

struct evq_item {
	int64_t at_ms;
	uint64_t seq;
	int ev; /* index into scn->events */
	int k;  /* occurrence number */
	bool end;
	double saved[SIM_MAX_COOLERS]; /* cooling: targets before */
};

struct sim_evq {
	struct evq_item *heap;
	int n;
	int cap;
	uint64_t seq;
	struct sim_rng rng;
};

static bool
before(const struct evq_item *a, const struct evq_item *b)
{
	if (a->at_ms != b->at_ms)
		return a->at_ms < b->at_ms;
	if (a->end != b->end)
		return a->end; /* a window ends before the next one starts */
	if (a->ev != b->ev)
		return a->ev < b->ev;
	return a->seq < b->seq;
}

static int
push(struct sim_evq *q, struct evq_item *it)
{
	int i;

	if (sim_grow((void **)&q->heap, &q->cap, q->n, sizeof(*it)) < 0)
		return -1;
	it->seq = q->seq++;
	i = q->n++;
	while (i > 0 && before(it, &q->heap[(i - 1) / 2])) {
		q->heap[i] = q->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	q->heap[i] = *it;
	return 0;
}

static void
pop(struct sim_evq *q, struct evq_item *out)
{
	struct evq_item last;
	int i = 0;

	*out = q->heap[0];
	last = q->heap[--q->n];
	for (;;) {
		int c = 2 * i + 1;

		if (c >= q->n)
			break;
		if (c + 1 < q->n && before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->n > 0)
		q->heap[i] = last;
}

/* Occurrence k of event ev, unless the event has no more. */
static int
schedule(struct sim_run *r, int ev, int k)
{
	const struct sim_event *e = &r->scn->events[ev];
	struct evq_item it;
	double t = e->at_s;

	if (k > 0) {
		if (e->every_s <= 0 || (e->count > 0 && k >= e->count))
			return 0;
		t += k * e->every_s;
		if (e->until_s >= 0 && t > e->until_s)
			return 0;
	}
	if (e->jitter_s > 0)
		t += e->jitter_s * (2 * rng_uniform(&r->evq->rng) - 1);
	if (t < 0)
		t = 0;
	if (t * 1000 > (double)r->end_ms)
		return 0;
	memset(&it, 0, sizeof(it));
	it.at_ms = (int64_t)llround(t * 1000);
	it.ev = ev;
	it.k = k;
	return push(r->evq, &it);
}

int
evq_init(struct sim_run *r)
{
	int i;

	r->evq = calloc(1, sizeof(*r->evq));
	if (r->evq == NULL)
		return -1;
	rng_seed_stream(&r->evq->rng, r->opt.seed, EVQ_STREAM, 0);
	for (i = 0; i < r->scn->n_events; i++)
		if (schedule(r, i, 0) < 0)
			return -1;
	return 0;
}

void
evq_free(struct sim_run *r)
{
	if (r->evq != NULL)
		free(r->evq->heap);
	free(r->evq);
	r->evq = NULL;
}

double
evq_first_incident_s(const struct sim_scenario *s)
{
	int i;

	for (i = 0; i < s->n_events; i++) {
		const struct sim_event *e = &s->events[i];

		if ((e->kind == SIM_EV_COOLING && e->capacity < 1) ||
		    (e->kind == SIM_EV_BUILDING && e->delta_c > 0) ||
		    (e->kind == SIM_EV_INLET && e->delta_c > 0) ||
		    (e->kind == SIM_EV_CPU_COOLER && e->factor > 1))
			return e->at_s;
	}
	return -1;
}

static void
cooling(struct sim_run *r, const struct sim_event *e, struct evq_item *it)
{
	int z, i;

	for (z = 0; z < r->n_zones; z++) {
		struct sim_zone *zn = &r->zone[z];

		if (e->zone >= 0 && e->zone != z)
			continue;
		for (i = 0; i < r->scn->zones[z].n_coolers; i++) {
			double to = it->end ? it->saved[i] : e->capacity;

			if (e->cooler >= 0 && e->cooler != i)
				continue;
			if (!it->end)
				it->saved[i] = zn->cool_to[i];
			zn->cool_from[i] = zn->cool_frac[i];
			zn->cool_to[i] = to;
			zn->ramp_start_ms[i] = r->now_ms;
			zn->ramp_end_ms[i] = r->now_ms +
			    (int64_t)(e->ramp_s * 1000);
		}
	}
}

static void
peers(struct sim_run *r, const struct sim_event *e, int d)
{
	int z, i;

	if (strcmp(e->hosts, "*") == 0) {
		/* the zone's broker (or every zone's) */
		for (z = 0; z < r->n_zones; z++)
			if (e->zone < 0 || e->zone == z)
				r->zone[z].peers_lost += d;
		return;
	}
	for (i = 0; i < r->n_hosts; i++)
		if (run_host_matches(&r->host[i], e))
			r->host[i].peers_lost += d;
}

static void
inlet(struct sim_run *r, struct sim_host *h, const struct sim_event *e,
    double delta)
{
	double ticks = e->ramp_s * 1000.0 / (double)r->tick_ms;

	h->inlet_off_to += delta;
	h->inlet_off_rate = fabs(h->inlet_off_to - h->inlet_off_c) /
	    (ticks > 1 ? ticks : 1);
}

/* A CPU cooler fails (or is repaired): the heatsink's thermal resistance
 * goes to factor times its own over ramp_s. */
static void
cpu_cooler(
    struct sim_run *r, struct sim_host *h, const struct sim_event *e, bool end)
{
	double ticks = e->ramp_s * 1000.0 / (double)r->tick_ms;

	h->cooler_to = end ? 1.0 : e->factor;
	h->cooler_rate = fabs(h->cooler_to - h->cooler) /
	    (ticks > 1 ? ticks : 1);
}

/* Start (or end) of an event on one host. */
static void
host_event(
    struct sim_run *r, struct sim_host *h, const struct sim_event *e, bool end)
{
	switch (e->kind) {
	case SIM_EV_SENSOR:
		sens_set_fault(
		    h, e->sensor, end ? SIM_F_OK : e->fault, e->value_c);
		break;
	case SIM_EV_LOAD:
		if (e->duration_s <= 0)
			h->load = e->load;
		else if (end)
			h->burst /= e->load;
		else
			h->burst *= e->load;
		break;
	case SIM_EV_INLET:
		inlet(r, h, e, end ? -e->delta_c : e->delta_c);
		break;
	case SIM_EV_BMC:
		sens_bmc(r, h, !end, e->late_s);
		break;
	case SIM_EV_RESTART:
		if (!end)
			agent_restart(r, h, e->duration_s, e->keep_state);
		break;
	case SIM_EV_CLOCK:
		agent_clock_step(r, h, e->delta_s);
		break;
	case SIM_EV_OVERRIDE:
		agent_override(r, h, e);
		break;
	case SIM_EV_CPU_COOLER:
		cpu_cooler(r, h, e, end);
		break;
	case SIM_EV_HOOK:
		if (e->hook & SIM_HOOK_MIGRATE)
			h->hook_fault[0] = end ? SIM_HOOK_OK : e->fault;
		if (e->hook & SIM_HOOK_SHUTDOWN)
			h->hook_fault[1] = end ? SIM_HOOK_OK : e->fault;
		break;
	default:
		break;
	}
}

static void
apply(struct sim_run *r, struct evq_item *it)
{
	const struct sim_event *e = &r->scn->events[it->ev];
	int i;

	if (it->end)
		run_log(r, SIM_L_EVENT, e->zone, -1, 0, "end of: %s",
		    e->note[0] ? e->note : scn_kind_name(e->kind));
	else
		run_log(r, SIM_L_EVENT, e->zone, -1, 0, "%s",
		    e->note[0] ? e->note : scn_kind_name(e->kind));
	switch (e->kind) {
	case SIM_EV_COOLING:
		cooling(r, e, it);
		break;
	case SIM_EV_BUILDING:
		r->building_shift_c += it->end ? -e->delta_c : e->delta_c;
		break;
	case SIM_EV_PEERS:
		peers(r, e, it->end ? -1 : 1);
		break;
	default:
		for (i = 0; i < r->n_hosts; i++)
			if (run_host_matches(&r->host[i], e))
				host_event(r, &r->host[i], e, it->end);
		break;
	}
}

int64_t
evq_next_ms(const struct sim_run *r)
{
	return r->evq->n > 0 ? r->evq->heap[0].at_ms : INT64_MAX;
}

void
evq_run_due(struct sim_run *r)
{
	struct sim_evq *q = r->evq;
	struct evq_item it;

	while (q->n > 0 && q->heap[0].at_ms <= r->now_ms) {
		pop(q, &it);
		apply(r, &it);
		if (it.end)
			continue;
		/* a restart's duration is its down time, no undo */
		if (r->scn->events[it.ev].duration_s > 0 &&
		    r->scn->events[it.ev].kind != SIM_EV_RESTART) {
			struct evq_item end = it;

			end.end = true;
			end.at_ms = r->now_ms +
			    (int64_t)llround(
				r->scn->events[it.ev].duration_s * 1000);
			if (end.at_ms <= r->end_ms)
				push(q, &end);
		}
		schedule(r, it.ev, it.k + 1);
	}
}
