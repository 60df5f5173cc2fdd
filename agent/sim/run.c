/*
 * run.c - the simulation clock: sets up the hosts and runs the ticks.
 *
 * One tick:
 *	1. scenario events due now (events.c)
 *	2. zones (cooling, heat balance), then hosts' true temperatures;
 *	   a host whose true temperature reaches a hardware trip loses power
 *	3. every peer_interval_s: the zone peer exchange (peers.c)
 *	4. each running agent: its sensors' samples are fed to its engine,
 *	   the engine evaluates, its decisions are carried out (agent.c)
 *	5. migrations and shutdowns that are due complete (workload.c)
 *	6. recording for the CSV and the plot
 */
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

const char *
run_policy_name(enum eng_policy_kind k)
{
	switch (k) {
	case ENG_POLICY_THERMWATCH:
		return "thermwatch";
	case ENG_POLICY_STATIC:
		return "static";
	default:
		return "none";
	}
}

int
sim_grow(void **buf, int *cap, int n, size_t size)
{
	void *nb;
	int c;

	if (n < *cap)
		return 0;
	c = *cap > 0 ? *cap * 2 : 64;
	nb = realloc(*buf, size * (size_t)c);
	if (nb == NULL)
		return -1;
	*buf = nb;
	*cap = c;
	return 0;
}

void
run_log(struct sim_run *r, enum sim_log_kind k, int zone, int host, int n,
    const char *fmt, ...)
{
	struct sim_log *l;
	va_list ap;

	if (sim_grow((void **)&r->log, &r->log_cap, r->n_log, sizeof(*l)) < 0)
		return;
	l = &r->log[r->n_log++];
	l->t_ms = r->now_ms;
	l->kind = k;
	l->zone = zone;
	l->host = host;
	l->n = n;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
}

static int
rec_alloc(
    struct sim_run *r, struct sim_rec *c, double from_s, double to_s, double iv)
{
	size_t n, z = (size_t)r->n_zones;
	double tick = r->tick_ms / 1000.0;

	if (iv <= 0)
		iv = (to_s - from_s) / 1500.0;
	iv = tick * ceil(iv / tick);
	if (iv < tick)
		iv = tick;
	c->interval_s = iv;
	c->t0_s = from_s;
	c->t1_s = to_s;
	n = (size_t)((to_s - from_s) / iv) + 2;
	c->cap = (int)n;
	c->t_s = calloc(n, sizeof(double));
	c->air_c = calloc(n * z, sizeof(double));
	c->cap_kw = calloc(n * z, sizeof(double));
	c->heat_kw = calloc(n * z, sizeof(double));
	c->building_c = calloc(n, sizeof(double));
	c->vms = calloc(n, sizeof(int));
	c->hstate = calloc(n * (size_t)r->n_hosts, 1);
	if (!c->t_s || !c->air_c || !c->cap_kw || !c->heat_kw ||
	    !c->building_c || !c->vms || !c->hstate)
		return -1;
	return 0;
}

static void
rec_free(struct sim_rec *c)
{
	free(c->t_s);
	free(c->air_c);
	free(c->cap_kw);
	free(c->heat_kw);
	free(c->building_c);
	free(c->vms);
	free(c->hstate);
}

/* The plot zooms on the two hours after the first event that makes a zone
 * worse, when the run is much longer than that. */
static int
zoom_alloc(struct sim_run *r)
{
	double at = evq_first_incident_s(r->scn), end = r->end_ms / 1000.0;
	double from;

	r->zoom_from_ms = r->zoom_to_ms = -1;
	if (at < 0 || at >= end || end < 3 * SIM_ZOOM_S)
		return 0;
	from = fmax(0, at - SIM_ZOOM_S / 12);
	r->zoom_from_ms = (int64_t)(from * 1000);
	r->zoom_to_ms = (int64_t)(fmin(end, from + SIM_ZOOM_S) * 1000);
	return rec_alloc(r, &r->zoom, from, r->zoom_to_ms / 1000.0, 0);
}

static enum sim_hstate
host_state(const struct sim_host *h)
{
	if (h->trip_ms >= 0)
		return SIM_H_TRIPPED;
	if (!h->powered)
		return SIM_H_OFF;
	if (h->sd_phase != SIM_SD_IDLE)
		return SIM_H_SHUTTING;
	if (hooks_migrating(h))
		return SIM_H_MIGRATING;
	if (!h->have_out)
		return SIM_H_OK;
	switch (h->state) {
	case ENG_STATE_WARN:
		return SIM_H_WARN;
	case ENG_STATE_HOT:
		return SIM_H_HOT;
	case ENG_STATE_CRITICAL:
		return SIM_H_SHUTTING;
	case ENG_STATE_DEGRADED:
		return SIM_H_DEGRADED;
	default:
		return SIM_H_OK;
	}
}

static void
record(struct sim_run *r, struct sim_rec *c)
{
	int z, i, k = c->n, vms = 0;

	if (k >= c->cap)
		return;
	c->t_s[k] = r->now_ms / 1000.0;
	c->building_c[k] = mdl_building_c(r, r->now_ms);
	for (z = 0; z < r->n_zones; z++) {
		c->air_c[k * r->n_zones + z] = r->zone[z].t_air;
		c->cap_kw[k * r->n_zones + z] = r->zone[z].cap_w / 1000;
		c->heat_kw[k * r->n_zones + z] = r->zone[z].heat_w / 1000;
	}
	for (i = 0; i < r->n_hosts; i++) {
		c->hstate[(size_t)k * (size_t)r->n_hosts + (size_t)i] =
		    (unsigned char)host_state(&r->host[i]);
		if (r->host[i].powered)
			vms += r->host[i].vms;
	}
	c->vms[k] = vms;
	c->n++;
}

bool
run_host_matches(const struct sim_host *h, const struct sim_event *e)
{
	return (e->zone < 0 || h->zone == e->zone) &&
	    (strcmp(e->hosts, "*") == 0 || fnmatch(e->hosts, h->name, 0) == 0);
}

static int
init_host(struct sim_run *r, struct sim_host *h, int z, int g, int k, int idx)
{
	const struct sim_group *gr = &r->scn->zones[z].groups[g];

	/* cut the prefix so that any number fits */
	snprintf(h->name, sizeof(h->name), "%.*s%02d",
	    (int)sizeof(h->name) - 12, gr->prefix, k + 1);
	rng_seed_stream(&h->rng, r->opt.seed, 1, (uint64_t)idx);
	h->hw = &r->hw[z * SIM_MAX_GROUPS + g];
	h->zone = z;
	h->group = g;
	h->tier = gr->tier;
	h->powered = true;
	h->accepting = true;
	h->trip_ms = -1;
	h->down_ms = -1;
	h->mig_next = -1;
	h->mig_job.retry_ms = -1;
	h->sd_job.retry_ms = -1;
	h->sd_t0_ms = -1;
	h->os_off_ms = -1;
	h->wd_ms = -1;
	rng_seed_stream(&h->arng, r->opt.seed, 2, (uint64_t)idx);
	mdl_init_host(r, h, gr);
	r->zone[z].it_w += h->power_w;
	if (!r->opt.oracle && agent_start(r, h) < 0)
		return -1;
	r->res.vms_start += h->vms;
	r->res.tier[h->tier].hosts++;
	r->res.tier[h->tier].vms_start += h->vms;
	return 0;
}

/* The hosts, each starting a cache line (struct sim_host is aligned to
 * one), zeroed: so that the part of a host a tick reads spans as few
 * lines as its size allows. */
static struct sim_host *
host_array(int n)
{
	size_t size = (size_t)(n > 0 ? n : 1) * sizeof(struct sim_host);
	void *p = aligned_alloc(_Alignof(struct sim_host), size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

int
run_init(
    struct sim_run *r, const struct sim_scenario *s, const struct sim_opts *o)
{
	int z, g, k, t, hi = 0;
	double dur;

	memset(r, 0, sizeof(*r));
	r->scn = s;
	r->opt = *o;
	rng_seed_stream(&r->rng, o->seed, 0, 0);
	r->tick_ms = (int64_t)llround(s->tick_s * 1000);
	if (r->tick_ms < 1)
		r->tick_ms = 1;
	dur = o->duration_s > 0 ? o->duration_s : s->duration_s;
	r->end_ms = (int64_t)llround(dur * 1000);
	r->n_zones = s->n_zones;
	r->n_hosts = scn_total_hosts(s);
	r->ovr_slots = agent_override_slots(s);
	r->host = host_array(r->n_hosts);
	r->hw = calloc(
	    (size_t)(s->n_zones > 0 ? s->n_zones : 1) * SIM_MAX_GROUPS,
	    sizeof(*r->hw));
	if (r->host == NULL || r->hw == NULL)
		return -1;
	r->res.incident_ms = -1;
	r->res.first_alarm_ms = -1;
	for (t = 0; t <= ENG_MAX_TIER; t++) {
		r->res.tier[t].first_shutdown_ms = -1;
		r->res.tier[t].last_shutdown_ms = -1;
	}
	for (z = 0; z < s->n_zones; z++) {
		const struct sim_zone_def *zd = &s->zones[z];
		struct sim_zone *zn = &r->zone[z];

		zn->t_air = zn->t_struct = zd->setpoint_c;
		zn->peak_c = zn->t_air;
		zn->first_alarm_ms = -1;
		zn->first_zone_alarm_ms = -1;
		zn->first_trip_ms = -1;
		zn->danger_since_ms = -1;
		zn->danger_at_ms = INT64_MIN;
		zn->first_host = hi;
		for (k = 0; k < zd->n_coolers; k++) {
			zn->cool_frac[k] = zn->cool_from[k] = zn->cool_to[k] =
			    1;
			zn->ramp_start_ms[k] = zn->ramp_end_ms[k] = 0;
			zn->cap_nominal_w += zd->coolers[k].capacity_w;
		}
		for (g = 0; g < zd->n_groups; g++)
			mdl_init_hw(
			    r, &r->hw[z * SIM_MAX_GROUPS + g], &zd->groups[g]);
		for (g = 0; g < zd->n_groups; g++)
			for (k = 0; k < zd->groups[g].count; k++, hi++)
				if (init_host(r, &r->host[hi], z, g, k, hi) < 0)
					return -1;
		zn->n_hosts = hi - zn->first_host;
	}
	r->res.hosts = r->n_hosts;
	r->peer_ms = (int64_t)llround(s->peer_interval_s * 1000);
	if (r->peer_ms < r->tick_ms)
		r->peer_ms = r->tick_ms;
	r->zoom_from_ms = -1;
	if (evq_init(r) < 0 || (!o->oracle && zx_init(r) < 0))
		return -1;
	if (o->record &&
	    (rec_alloc(r, &r->rec, 0, r->end_ms / 1000.0, o->record_s) < 0 ||
		zoom_alloc(r) < 0))
		return -1;
	r->next_zoom_ms = r->zoom_from_ms;
	if (!o->oracle && o->host_cb == NULL) {
		const char *step = getenv("THERMWATCH_SIM_STEP");

		if ((step == NULL || strcmp(step, "tick") != 0) &&
		    (r->blk = blk_new(r)) == NULL)
			return -1;
	}
	return 0;
}

void
run_mark_incident(struct sim_run *r, int z)
{
	(void)z;
	if (r->res.incident_ms < 0) {
		r->res.incident_ms = r->now_ms;
		r->res.first_alarm_ms = -1;
	}
}

static void
finish(struct sim_run *r)
{
	struct sim_result *res = &r->res;
	int i, z;

	res->vms_end = 0;
	for (i = 0; i < r->n_hosts; i++) {
		struct sim_host *h = &r->host[i];

		if (h->powered) {
			res->vms_end += h->vms;
			res->tier[h->tier].survived++;
			res->tier[h->tier].vms_end += h->vms;
		}
		res->rejected += agent_rejected(h);
	}
	res->service_retained_pct = res->vms_start > 0
	    ? 100.0 * res->vms_end / res->vms_start
	    : 100.0;
	for (z = 0; z < r->n_zones; z++)
		res->peak_c[z] = r->zone[z].peak_c;
}

/*
 * One pass over the hosts does everything a host does in a tick, so each
 * host's data is touched once: its physics, its agent, its hooks. The
 * zones step first, with the hosts' power of the previous tick. In a
 * room larger than the caches, each host's tick starts loading the
 * memory of the hosts after it (agent_prefetch). A quiet room goes
 * several ticks at a time (block.c), with the same results.
 */
void
run_tick_begin(struct sim_run *r, bool defer)
{
	bool events = evq_next_ms(r) <= r->now_ms;
	int z;

	evq_run_due(r);
	for (z = 0; z < r->n_zones; z++) {
		mdl_step_zone(r, z);
		r->zone[z].it_acc = 0;
	}
	if (r->now_ms >= r->next_peer_ms) {
		danger_watch(r);
		if (!r->opt.oracle)
			zx_exchange(r, defer, events);
		r->next_peer_ms += r->peer_ms;
	}
}

void
run_host_tick(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];
	int s;

	if (!h->powered)
		return;
	s = mdl_step_host(r, h);
	if (s >= 0) {
		wl_trip(r, hi, s);
		return;
	}
	r->zone[h->zone].it_acc += h->power_w;
	if (r->opt.oracle)
		return;
	agent_tick(r, hi);
	hooks_tick(r, hi);
}

void
run_tick_hosts(struct sim_run *r)
{
	bool hints = !r->opt.oracle && r->n_hosts > SIM_HINT_MIN_HOSTS;
	int i;

	for (i = 0; i < r->n_hosts; i++) {
		if (hints)
			agent_prefetch(r, i);
		run_host_tick(r, i);
	}
}

void
run_tick_end(struct sim_run *r)
{
	int z;

	for (z = 0; z < r->n_zones; z++)
		r->zone[z].it_w = r->zone[z].it_acc;
	if (r->opt.record && r->now_ms >= r->next_rec_ms) {
		record(r, &r->rec);
		r->next_rec_ms += (int64_t)llround(r->rec.interval_s * 1000);
	}
	if (r->zoom_from_ms >= 0 && r->now_ms >= r->next_zoom_ms &&
	    r->now_ms <= r->zoom_to_ms) {
		record(r, &r->zoom);
		r->next_zoom_ms += (int64_t)llround(r->zoom.interval_s * 1000);
	}
}

void
run_tick(struct sim_run *r)
{
	run_tick_begin(r, false);
	run_tick_hosts(r);
	run_tick_end(r);
}

void
run_until(struct sim_run *r, int64_t t_ms)
{
	if (t_ms > r->end_ms)
		t_ms = r->end_ms;
	for (; r->now_ms <= t_ms; r->now_ms += r->tick_ms) {
		if (r->blk != NULL)
			blk_run(r, t_ms);
		else
			run_tick(r);
	}
}

void
run_all(struct sim_run *r)
{
	run_until(r, r->end_ms);
	r->now_ms -= r->tick_ms;
	finish(r);
}

void
run_done(struct sim_run *r)
{
	int i;

	for (i = 0; i < r->n_hosts; i++) {
		agent_stop(&r->host[i]);
		free(r->host[i].ovr);
	}
	blk_free(r->blk);
	free(r->host);
	free(r->hw);
	evq_free(r);
	zx_free(r);
	free(r->acts);
	free(r->log);
	rec_free(&r->rec);
	rec_free(&r->zoom);
	memset(r, 0, sizeof(*r));
}
