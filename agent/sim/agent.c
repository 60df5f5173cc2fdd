/*
 * agent.c - one virtual thermwatchd: its engine (created at start,
 * freed and created again on a restart, with the sensors registered
 * again), its wall clock, and the overrides it persists.
 *
 * A restart with state = "kept" keeps what thermwatchd's state file
 * holds after a clean stop (engine_state.c): the host's model, the zone
 * alarm's references and the load tracking (eng_restore_host says when
 * they come back), and each
 * sensor's noise, resolution, last value and rise, with the trend points
 * of a sensor in a rise (at most SIM_STATE_POINTS, thinned as the
 * daemon's are); the new engine gets them back with the down time as the
 * gap. The default, "lost", is a restart without a usable file (a new
 * boot: the daemon refuses a file of another boot).
 *
 * As thermwatchd does, the agent stores an override's expiry as
 * wall-clock time and, when it starts, applies again the overrides still
 * in force with the time they have left by its wall clock; the engine
 * itself only ever sees the monotonic clock. So a wall-clock step changes
 * nothing in a running engine, but it does change how long a persisted
 * override lasts across a restart, and which peer summaries look too old
 * (peers.c).
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

static const enum eng_class sens_class[SIM_NSENS] = { ENG_CLASS_INLET,
	ENG_CLASS_CPU, ENG_CLASS_EXHAUST };

/* thermwatchd's EST_POINTS: the points a saved rise keeps */
#define SIM_STATE_POINTS 64

struct sim_saved {
	int64_t at_ms;
	struct eng_snap_host host;
	bool has[SIM_NSENS];
	struct eng_snap_sensor sens[SIM_NSENS];
};

/* What thermwatchd's state file would hold after a clean stop now. */
static struct sim_saved *
state_save(const struct sim_run *r, const struct sim_host *h)
{
	struct sim_saved *sv = calloc(1, sizeof(*sv));
	int s;

	if (sv == NULL)
		return NULL;
	sv->at_ms = r->now_ms;
	eng_snapshot_host(h->eng, r->now_ms, &sv->host);
	for (s = 0; s < SIM_NSENS; s++) {
		struct eng_snap_sensor *sn = &sv->sens[s];
		int i = h->sens[s].eng_idx;

		if (eng_snapshot_sensor_max(h->eng, i, r->now_ms, 1, sn) != 0 ||
		    (!sn->has_value && sn->n_points == 0))
			continue;
		if (sn->rising)
			eng_snapshot_sensor_max(
			    h->eng, i, r->now_ms, SIM_STATE_POINTS, sn);
		sv->has[s] = true;
	}
	return sv;
}

static void
state_restore(const struct sim_run *r, struct sim_host *h)
{
	struct sim_saved *sv = h->saved;
	int s;

	h->saved = NULL;
	if (sv == NULL)
		return;
	eng_restore_host(h->eng, &sv->host, r->now_ms, r->now_ms - sv->at_ms);
	for (s = 0; s < SIM_NSENS; s++)
		if (sv->has[s])
			eng_restore_sensor(h->eng, &sv->sens[s], r->now_ms,
			    r->now_ms - sv->at_ms);
	free(sv);
}

static int64_t
wall_now(const struct sim_run *r, const struct sim_host *h)
{
	return r->now_ms + h->wall_off_ms;
}

bool
agent_running(const struct sim_run *r, const struct sim_host *h)
{
	(void)r;
	return h->powered && h->eng != NULL;
}

static void
ovr_forget(struct sim_host *h, const char *key)
{
	int i;

	for (i = 0; i < h->n_ovr; i++)
		if (strcmp(h->ovr[i].key, key) == 0) {
			h->ovr[i] = h->ovr[--h->n_ovr];
			return;
		}
}

/* The overrides still in force, with the time they have left by this
 * host's wall clock (override.c, restore_one). */
static void
ovr_restore(struct sim_run *r, struct sim_host *h)
{
	char err[160];
	int i = 0;

	while (i < h->n_ovr) {
		struct sim_ovr *o = &h->ovr[i];
		double left = (double)(o->expires_wall_ms - wall_now(r, h)) /
		    1000.0;

		if (left <= 0 ||
		    eng_override_set(h->eng, o->key, o->value, left, "restored",
			"thermwatch-sim", r->now_ms, err, sizeof(err)) < 0) {
			run_log(r, SIM_L_AGENT, h->zone, (int)(h - r->host), 0,
			    "override %s not restored (%s)", o->key,
			    left <= 0 ? "expired by the wall clock" : err);
			*o = h->ovr[--h->n_ovr];
			continue;
		}
		i++;
	}
}

/* Overrides an engine may hold at once: one per distinct key the
 * scenario's override events set (the engine keeps one per key), so that
 * no engine is refused one it would have taken with the full table. */
int
agent_override_slots(const struct sim_scenario *s)
{
	int i, j, n = 0;

	for (i = 0; i < s->n_events && n < ENG_MAX_OVERRIDES; i++) {
		const struct sim_event *e = &s->events[i];

		if (e->kind != SIM_EV_OVERRIDE)
			continue;
		for (j = 0; j < i; j++)
			if (s->events[j].kind == SIM_EV_OVERRIDE &&
			    strcmp(s->events[j].key, e->key) == 0)
				break;
		if (j == i)
			n++;
	}
	return n;
}

/*
 * The engine is sized for what the simulator gives it (the daemon's
 * takes the defaults): three sensors, sampled at most once a tick (so
 * its trend rings hold one trend window of ticks), no peer table (the
 * zone comes as one summary, peers.c), and the overrides the scenario
 * sets. Its results are those of a full-sized engine.
 */
int
agent_start(struct sim_run *r, struct sim_host *h)
{
	struct eng_conf conf = r->opt.conf;
	struct eng_size sz;
	char id[ENG_ID_LEN];
	int s;

	conf.tier = h->tier;
	snprintf(conf.host, sizeof(conf.host), "%s", h->name);
	conf.policy.kind = r->opt.policy;
	eng_size_defaults(&sz);
	sz.max_sensors = SIM_NSENS;
	sz.sample_interval_s = (double)r->tick_ms / 1000.0;
	sz.max_peers = 0;
	sz.max_overrides = r->ovr_slots;
	/* every host's engine reads the run's one copy of the class
	 * settings (the run never changes them) */
	sz.classes = r->opt.conf.cls;
	h->eng = eng_create_opts(&conf, &sz);
	if (h->eng == NULL)
		return -1;
	for (s = 0; s < SIM_NSENS; s++) {
		snprintf(
		    id, sizeof(id), "sim:%s/%s", h->name, scn_sensor_name(s));
		h->sens[s].eng_idx = eng_sensor_add(
		    h->eng, id, sens_class[s], h->hw->trip_c[s], ENG_TRIP_HW);
		if (h->sens[s].eng_idx < 0)
			return -1;
	}
	h->have_out = false;
	h->accepting = true;
	h->restart_due = false;
	state_restore(r, h);
	ovr_restore(r, h);
	return 0;
}

void
agent_stop(struct sim_host *h)
{
	eng_free(h->eng);
	h->eng = NULL;
	free(h->saved);
	h->saved = NULL;
}

uint64_t
agent_rejected(const struct sim_host *h)
{
	struct eng_sensor_view v;
	uint64_t n = 0;
	int s;

	if (h->eng == NULL)
		return 0;
	for (s = 0; s < SIM_NSENS; s++) {
		eng_sensor_view(h->eng, h->sens[s].eng_idx, &v);
		n += v.rejected;
	}
	return n;
}

void
agent_restart(
    struct sim_run *r, struct sim_host *h, double down_s, bool keep_state)
{
	struct sim_saved *sv;

	if (!h->powered)
		return;
	r->res.rejected += agent_rejected(h);
	if (h->eng != NULL)
		sv = keep_state ? state_save(r, h) : NULL;
	else { /* still down: the file it left stays, or none */
		sv = keep_state ? h->saved : NULL;
		h->saved = NULL;
	}
	agent_stop(h);
	h->saved = sv;
	hooks_agent_stopped(r, (int)(h - r->host));
	h->down_until_ms = r->now_ms + (int64_t)(down_s * 1000);
	h->restart_due = true;
	h->restarts++;
	r->res.restarts++;
	run_log(r, SIM_L_AGENT, h->zone, (int)(h - r->host), 0,
	    "agent restarts (down %.0f s): engine state %s", down_s,
	    sv != NULL ? "kept" : "lost");
}

void
agent_clock_step(struct sim_run *r, struct sim_host *h, double step_s)
{
	h->wall_off_ms += (int64_t)(step_s * 1000);
	run_log(r, SIM_L_AGENT, h->zone, (int)(h - r->host), 0,
	    "wall clock steps %+.0f s", step_s);
}

void
agent_override(struct sim_run *r, struct sim_host *h, const struct sim_event *e)
{
	const char *why = e->note[0] ? e->note : "scenario";
	struct sim_ovr *o, *n;
	char err[160] = "";
	int rc;

	if (!agent_running(r, h)) {
		run_log(r, SIM_L_AGENT, h->zone, (int)(h - r->host), 0,
		    "override %s not set: the agent is not running", e->key);
		return;
	}
	rc = eng_override_set(h->eng, e->key, e->value, e->ttl_s, why,
	    "thermwatch-sim", r->now_ms, err, sizeof(err));
	run_log(r, SIM_L_AGENT, h->zone, (int)(h - r->host), 0,
	    "override %s = %g for %.0f s%s%s", e->key, e->value, e->ttl_s,
	    rc < 0       ? ": refused: "
		: rc > 0 ? ": clamped: "
			 : "",
	    err);
	if (rc < 0)
		return;
	ovr_forget(h, e->key);
	n = realloc(h->ovr, sizeof(*n) * (size_t)(h->n_ovr + 1));
	if (n == NULL)
		return;
	h->ovr = n;
	o = &h->ovr[h->n_ovr++];
	snprintf(o->key, sizeof(o->key), "%s", e->key);
	o->value = e->value;
	o->expires_wall_ms = wall_now(r, h) + (int64_t)(e->ttl_s * 1000);
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

	h->alarmed = is_alarm(&r->out);
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
		    "first alarm in the zone: %s is %s: %s", h->name,
		    eng_state_name(r->out.state), r->out.reason);
	}
	if (r->out.zone_alarm && z->first_zone_alarm_ms < 0) {
		z->first_zone_alarm_ms = r->now_ms;
		run_log(r, SIM_L_ZONE_ALARM, h->zone, hi, 0,
		    "zone cooling alarm (seen first by %s: %d of %d hosts "
		    "signal, zone slope %.2f C/min)",
		    h->name, r->out.zone_signals, r->out.zone_members,
		    r->out.zone_slope_c_per_s * 60);
	}
}

/*
 * A room of thousands of hosts does not fit the caches: each host's
 * engine would be fetched from memory line by line as its evaluation
 * asks for it. Instead the tick of host hi starts loading, in steps
 * that each read only what the step before loaded (prefetch.c): the hot
 * part of the host four ahead, the engine object of the host three
 * ahead, the sensors of the engine two ahead and the ring points of the
 * next one.
 */
static const struct eng *
eng_ahead(const struct sim_run *r, int hi)
{
	return hi < r->n_hosts ? r->host[hi].eng : NULL;
}

void
agent_prefetch_host(const struct sim_run *r, int hi)
{
	const char *c;
	size_t k, hot = offsetof(struct sim_host, peers_lost);

	if (hi >= r->n_hosts)
		return;
	c = (const char *)&r->host[hi];
	/* the part of the host every tick reads (run.h) */
#pragma GCC unroll 32
	for (k = 0; k < hot; k += 64)
		__builtin_prefetch(c + k, 1, 3);
	__builtin_prefetch(c + hot - 1, 1, 3);
}

void
agent_prefetch(const struct sim_run *r, int hi)
{
	agent_prefetch_host(r, hi + 4);
	eng_prefetch_object(eng_ahead(r, hi + 3));
	eng_prefetch_sensors(eng_ahead(r, hi + 2));
	eng_prefetch_points(eng_ahead(r, hi + 1));
}

/*
 * The host's CPU utilisation as thermwatchd reads it from /proc/stat:
 * the share of its CPUs' time busy over the last interval (a tick, here),
 * which counts the work of its VMs and of the migrations it sends or
 * receives (their power's share of the CPU's dynamic power), whether or
 * not the CPU is throttled. NAN for a host without /proc/stat.
 */
static double
host_busy(const struct sim_run *r, const struct sim_host *h)
{
	double u;

	if (!h->hw->proc_stat)
		return NAN;
	u = mdl_utilisation(h);
	if ((h->receiving != 0 || h->mig_next >= 0) && h->hw->dyn_w > 0)
		u += wl_migration_w(r, h) / h->hw->dyn_w;
	return u < 1 ? u : 1;
}

static void
feed(struct sim_run *r, struct sim_host *h)
{
	struct eng_reading rd;
	int s;

	sens_tick(r, h);
	for (s = 0; s < SIM_NSENS; s++)
		if (sens_sample(r, h, s, &rd)) {
			eng_feed(h->eng, &rd);
			r->res.readings++;
		}
	eng_host_busy(h->eng, r->now_ms, host_busy(r, h));
	eng_evaluate(h->eng, r->now_ms, &r->out);
}

/* What the host keeps of its engine's output. */
static void
keep(struct sim_host *h, const struct eng_output *o)
{
	h->have_out = true;
	h->state = o->state;
	h->eng_zone_alarm = o->zone_alarm;
	h->zone_members = o->zone_members;
	h->accepting = o->accepting_load;
}

bool
agent_tick_quiet(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];
	int s;

	feed(r, h);
	/* note_alarm, the decisions, hooks_agent_tick and the overrides
	 * would act on more than this host (hooks_decision ignores the
	 * other decisions) */
	if (is_alarm(&r->out) || h->alarmed || r->out.n_expired > 0)
		return false;
	for (s = 0; s < r->out.n_decisions && s < ENG_MAX_DECISIONS; s++)
		if (r->out.decisions[s].action == ENG_ACT_MIGRATE ||
		    r->out.decisions[s].action == ENG_ACT_SHUTDOWN)
			return false;
	keep(h, &r->out);
	h->zone_alarm = false;
	return true;
}

void
agent_tick(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];
	int s;

	if (h->restart_due && r->now_ms >= h->down_until_ms &&
	    agent_start(r, h) < 0)
		run_log(r, SIM_L_AGENT, h->zone, hi, 0,
		    "agent cannot start (out of memory)");
	if (!agent_running(r, h))
		return;
	feed(r, h);
	keep(h, &r->out);
	for (s = 0; s < r->out.n_expired; s++)
		ovr_forget(h, r->out.expired[s]);
	note_alarm(r, hi);
	for (s = 0; s < r->out.n_decisions && s < ENG_MAX_DECISIONS; s++)
		hooks_decision(r, hi, &r->out.decisions[s]);
	hooks_agent_tick(r, hi);
	if (r->opt.host_cb != NULL)
		r->opt.host_cb(r->opt.host_cb_arg, r, h, r->now_ms, &r->out);
}
