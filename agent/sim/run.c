/*
 * run.c - the simulation clock: events, the thermal model, one engine per
 * virtual host, zone peer summaries, actions, recording.
 *
 * One tick:
 *	1. scenario events due now
 *	2. zones (cooling, heat balance), then hosts' true temperatures;
 *	   a host whose true temperature reaches a hardware trip loses power
 *	3. every peer_interval_s: each powered host's inlet summary goes to
 *	   its zone peers, as the agents exchange them over MQTT
 *	4. each powered host: its sensors' samples are fed to its engine,
 *	   the engine evaluates, its decisions are carried out
 *	5. migrations and shutdowns that are due complete
 */
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

static const enum eng_class sens_class[SIM_NSENS] = { ENG_CLASS_INLET,
	ENG_CLASS_CPU, ENG_CLASS_EXHAUST };

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

void
run_log(struct sim_run *r, enum sim_log_kind k, int zone, int host, int n,
    const char *fmt, ...)
{
	struct sim_log *l;
	va_list ap;

	if (r->n_log == r->log_cap) {
		int cap = r->log_cap ? r->log_cap * 2 : 256;
		struct sim_log *nl = realloc(r->log, sizeof(*nl) * (size_t)cap);

		if (nl == NULL)
			return;
		r->log = nl;
		r->log_cap = cap;
	}
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
	const struct sim_scenario *s = r->scn;
	double at = -1, end = r->end_ms / 1000.0, from;
	int i;

	r->zoom_from_ms = r->zoom_to_ms = -1;
	for (i = 0; i < s->n_events && at < 0; i++) {
		const struct sim_event *e = &s->events[i];

		if ((e->kind == SIM_EV_COOLING && e->capacity < 1) ||
		    (e->kind == SIM_EV_BUILDING && e->delta_c > 0) ||
		    (e->kind == SIM_EV_INLET && e->delta_c > 0))
			at = e->at_s;
	}
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
	if (h->shutdown_start_ms >= 0)
		return SIM_H_SHUTTING;
	if (h->mig_done_ms >= 0)
		return SIM_H_MIGRATING;
	if (!h->have_out)
		return SIM_H_OK;
	switch (h->out.state) {
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

static int
add_host_engine(struct sim_run *r, struct sim_host *h)
{
	struct eng_conf conf = r->opt.conf;
	char id[ENG_ID_LEN];
	int s;

	conf.tier = h->tier;
	snprintf(conf.host, sizeof(conf.host), "%s", h->name);
	conf.policy.kind = r->opt.policy;
	h->eng = eng_create(&conf);
	if (h->eng == NULL)
		return -1;
	for (s = 0; s < SIM_NSENS; s++) {
		snprintf(
		    id, sizeof(id), "sim:%s/%s", h->name, scn_sensor_name(s));
		h->sens[s].eng_idx = eng_sensor_add(
		    h->eng, id, sens_class[s], h->sens[s].trip_c, ENG_TRIP_HW);
		if (h->sens[s].eng_idx < 0)
			return -1;
	}
	return 0;
}

static double
max_lead(const struct eng_conf *c, bool shutdown)
{
	double v = 0;
	int s;

	for (s = 0; s < SIM_NSENS; s++) {
		const struct eng_class_conf *k = &c->cls[sens_class[s]];
		double l = shutdown ? k->shutdown.lead_s : k->migrate.lead_s;

		if (l > v)
			v = l;
	}
	return v > 0 ? v : 60;
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
	rng_seed(&r->rng, o->seed);
	r->tick_ms = (int64_t)llround(s->tick_s * 1000);
	if (r->tick_ms < 1)
		r->tick_ms = 1;
	dur = o->duration_s > 0 ? o->duration_s : s->duration_s;
	r->end_ms = (int64_t)llround(dur * 1000);
	r->migrate_s = s->migrate_s > 0 ? s->migrate_s
					: max_lead(&o->conf, false);
	r->shutdown_s = s->shutdown_s > 0 ? s->shutdown_s
					  : max_lead(&o->conf, true);
	r->n_zones = s->n_zones;
	r->n_hosts = scn_total_hosts(s);
	r->host = calloc(
	    (size_t)(r->n_hosts ? r->n_hosts : 1), sizeof(*r->host));
	if (r->host == NULL)
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

		zn->t_air = zd->setpoint_c;
		zn->peak_c = zn->t_air;
		zn->first_alarm_ms = -1;
		zn->first_zone_alarm_ms = -1;
		zn->first_host = hi;
		for (k = 0; k < zd->n_coolers; k++) {
			zn->cool_frac[k] = zn->cool_from[k] = zn->cool_to[k] =
			    1;
			zn->ramp_start_ms[k] = zn->ramp_end_ms[k] = 0;
		}
		for (g = 0; g < zd->n_groups; g++) {
			const struct sim_group *gr = &zd->groups[g];

			for (k = 0; k < gr->count; k++, hi++) {
				struct sim_host *h = &r->host[hi];

				/* cut the prefix so that any number fits */
				snprintf(h->name, sizeof(h->name), "%.*s%02d",
				    (int)sizeof(h->name) - 12, gr->prefix,
				    k + 1);
				h->zone = z;
				h->group = g;
				h->tier = gr->tier;
				h->powered = true;
				h->accepting = true;
				h->mig_done_ms = -1;
				h->mig_retry_ms = 0;
				h->off_ms = -1;
				h->shutdown_start_ms = -1;
				h->trip_ms = -1;
				mdl_init_host(r, h, gr);
				if (add_host_engine(r, h) < 0)
					return -1;
				r->res.vms_start += h->vms;
				r->res.tier[h->tier].hosts++;
			}
		}
		zn->n_hosts = hi - zn->first_host;
	}
	r->res.hosts = r->n_hosts;
	r->zoom_from_ms = -1;
	if (o->record &&
	    (rec_alloc(r, &r->rec, 0, r->end_ms / 1000.0, o->record_s) < 0 ||
		zoom_alloc(r) < 0))
		return -1;
	return 0;
}

static void
mark_incident(struct sim_run *r, int z)
{
	if (z >= 0)
		r->zone[z].incident = true;
	if (r->res.incident_ms < 0) {
		r->res.incident_ms = r->now_ms;
		r->res.first_alarm_ms = -1;
	}
}

static void
apply_cooling(struct sim_run *r, const struct sim_event *e, int z)
{
	struct sim_zone *zn = &r->zone[z];
	int i;

	for (i = 0; i < r->scn->zones[z].n_coolers; i++) {
		if (e->cooler >= 0 && e->cooler != i)
			continue;
		if (e->capacity < zn->cool_frac[i])
			mark_incident(r, z);
		zn->cool_from[i] = zn->cool_frac[i];
		zn->cool_to[i] = e->capacity;
		zn->ramp_start_ms[i] = r->now_ms;
		zn->ramp_end_ms[i] = r->now_ms + (int64_t)(e->ramp_s * 1000);
	}
}

static void
apply_event(struct sim_run *r, const struct sim_event *e)
{
	int z, i, s;

	run_log(r, SIM_L_EVENT, e->zone, -1, 0, "%s",
	    e->note[0] ? e->note : "scenario event");
	switch (e->kind) {
	case SIM_EV_COOLING:
		for (z = 0; z < r->n_zones; z++)
			if (e->zone < 0 || e->zone == z)
				apply_cooling(r, e, z);
		break;
	case SIM_EV_BUILDING:
		r->building_shift_c += e->delta_c;
		if (e->delta_c > 0)
			mark_incident(r, -1);
		break;
	case SIM_EV_SENSOR:
	case SIM_EV_LOAD:
	case SIM_EV_INLET:
		for (i = 0; i < r->n_hosts; i++) {
			struct sim_host *h = &r->host[i];

			if ((e->zone >= 0 && h->zone != e->zone) ||
			    fnmatch(e->hosts, h->name, 0) != 0)
				continue;
			if (e->kind == SIM_EV_LOAD) {
				h->load = e->load;
				continue;
			}
			if (e->kind == SIM_EV_INLET) {
				double ticks = e->ramp_s * 1000.0 /
				    (double)r->tick_ms;

				h->inlet_off_to += e->delta_c;
				h->inlet_off_rate = fabs(h->inlet_off_to -
							h->inlet_off_c) /
				    (ticks > 1 ? ticks : 1);
				if (e->delta_c > 0)
					mark_incident(r, h->zone);
				continue;
			}
			for (s = 0; s < SIM_NSENS; s++) {
				if (e->sensor >= 0 && e->sensor != s)
					continue;
				h->sens[s].fault = e->fault;
				h->sens[s].stuck_c = e->value_c;
			}
		}
		break;
	}
}

static void
exchange_peers(struct sim_run *r)
{
	int z, i, j;

	for (z = 0; z < r->n_zones; z++) {
		int a = r->zone[z].first_host, b = a + r->zone[z].n_hosts;

		for (i = a; i < b; i++) {
			struct sim_host *h = &r->host[i];

			h->summary_ok = h->powered &&
			    eng_inlet_summary(h->eng, r->now_ms, &h->summary);
			if (!h->summary_ok)
				continue;
			snprintf(h->summary.host, sizeof(h->summary.host), "%s",
			    h->name);
			h->summary.tier = h->tier;
			h->summary.t_ms = r->now_ms;
			if (h->have_out)
				h->summary.state = h->out.state;
		}
		for (j = a; j < b; j++) {
			if (!r->host[j].powered)
				continue;
			for (i = a; i < b; i++)
				if (i != j && r->host[i].summary_ok)
					eng_peer_update(r->host[j].eng,
					    &r->host[i].summary);
		}
	}
}

static bool
is_alarm(const struct eng_output *o)
{
	return o->zone_alarm || o->state == ENG_STATE_WARN ||
	    o->state == ENG_STATE_HOT || o->state == ENG_STATE_CRITICAL;
}

static void
note_alarm(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];
	struct sim_zone *z = &r->zone[h->zone];

	bool was = h->alarmed;

	h->alarmed = is_alarm(&h->out);
	if (!h->alarmed)
		return;
	/* The first alarm raised at or after the incident (an alarm that was
	 * already on before it does not count as a detection). */
	if (!was && r->res.first_alarm_ms < 0 &&
	    (r->res.incident_ms < 0 || r->now_ms >= r->res.incident_ms))
		r->res.first_alarm_ms = r->now_ms;
	if (z->first_alarm_ms < 0) {
		z->first_alarm_ms = r->now_ms;
		run_log(r, SIM_L_ALARM, h->zone, hi, 0,
		    "first alarm in the "
		    "zone: %s is %s: %s",
		    h->name, eng_state_name(h->out.state), h->out.reason);
	}
	if (h->out.zone_alarm && z->first_zone_alarm_ms < 0) {
		z->first_zone_alarm_ms = r->now_ms;
		run_log(r, SIM_L_ZONE_ALARM, h->zone, hi, 0,
		    "zone cooling "
		    "alarm (seen first by %s: %d of %d hosts signal, zone "
		    "slope %.2f C/min)",
		    h->name, h->out.zone_signals, h->out.zone_members,
		    h->out.zone_slope_c_per_s * 60);
	}
}

static void
host_tick(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];
	struct eng_reading rd;
	int s, d;

	for (s = 0; s < SIM_NSENS; s++)
		if (mdl_sample(r, h, s, &rd)) {
			eng_feed(h->eng, &rd);
			r->res.readings++;
		}
	eng_evaluate(h->eng, r->now_ms, &h->out);
	h->have_out = true;
	h->accepting = h->out.accepting_load;
	note_alarm(r, hi);
	for (d = 0; d < h->out.n_decisions && d < ENG_MAX_DECISIONS; d++) {
		switch (h->out.decisions[d].action) {
		case ENG_ACT_MIGRATE:
			wl_migrate(r, hi, h->out.decisions[d].reason);
			break;
		case ENG_ACT_SHUTDOWN:
			wl_shutdown(r, hi);
			break;
		default:
			break;
		}
	}
	/* critical means a shutdown was decided, whatever the decisions. */
	if (h->out.state == ENG_STATE_CRITICAL)
		wl_shutdown(r, hi);
	if (r->opt.host_cb != NULL)
		r->opt.host_cb(r->opt.host_cb_arg, r, h, r->now_ms, &h->out);
}

static void
finish(struct sim_run *r)
{
	struct sim_result *res = &r->res;
	int i, s, z;

	res->vms_end = 0;
	for (i = 0; i < r->n_hosts; i++) {
		struct sim_host *h = &r->host[i];

		if (h->powered) {
			res->vms_end += h->vms;
			res->tier[h->tier].survived++;
		}
		for (s = 0; s < SIM_NSENS; s++) {
			struct eng_sensor_view v;

			eng_sensor_view(h->eng, h->sens[s].eng_idx, &v);
			res->rejected += v.rejected;
		}
	}
	res->service_retained_pct = res->vms_start > 0
	    ? 100.0 * res->vms_end / res->vms_start
	    : 100.0;
	for (z = 0; z < r->n_zones; z++)
		res->peak_c[z] = r->zone[z].peak_c;
}

void
run_all(struct sim_run *r)
{
	int64_t peer_ms = (int64_t)llround(r->scn->peer_interval_s * 1000);
	int64_t rec_ms = (int64_t)llround(r->rec.interval_s * 1000);
	int64_t zoom_ms = (int64_t)llround(r->zoom.interval_s * 1000);
	int64_t next_peer = 0, next_rec = 0, next_zoom = r->zoom_from_ms;
	int i, z, s;

	if (peer_ms < r->tick_ms)
		peer_ms = r->tick_ms;
	for (r->now_ms = 0; r->now_ms <= r->end_ms; r->now_ms += r->tick_ms) {
		while (r->next_event < r->scn->n_events &&
		    r->scn->events[r->next_event].at_s * 1000 <=
			(double)r->now_ms)
			apply_event(r, &r->scn->events[r->next_event++]);
		for (z = 0; z < r->n_zones; z++)
			mdl_step_zone(r, z);
		for (i = 0; i < r->n_hosts; i++) {
			if (!r->host[i].powered)
				continue;
			s = mdl_step_host(r, &r->host[i]);
			if (s >= 0)
				wl_trip(r, i, s);
		}
		if (r->now_ms >= next_peer) {
			exchange_peers(r);
			next_peer += peer_ms;
		}
		for (i = 0; i < r->n_hosts; i++)
			if (r->host[i].powered)
				host_tick(r, i);
		for (i = 0; i < r->n_hosts; i++)
			wl_step(r, i);
		if (r->opt.record && r->now_ms >= next_rec) {
			record(r, &r->rec);
			next_rec += rec_ms;
		}
		if (r->zoom_from_ms >= 0 && r->now_ms >= next_zoom &&
		    r->now_ms <= r->zoom_to_ms) {
			record(r, &r->zoom);
			next_zoom += zoom_ms;
		}
	}
	r->now_ms -= r->tick_ms;
	finish(r);
}

void
run_done(struct sim_run *r)
{
	int i;

	for (i = 0; i < r->n_hosts; i++)
		eng_free(r->host[i].eng);
	free(r->host);
	free(r->log);
	rec_free(&r->rec);
	rec_free(&r->zoom);
	memset(r, 0, sizeof(*r));
}
