/*
 * hooks.c - what thermwatchd's actions (action.c) do with the engine's
 * decisions, with the times the real things take:
 *
 * migrate	on a MIGRATE decision and when a zone alarm starts (not when
 *		critical or shutting down, not when "quiet"); never two at
 *		once. The hook evacuates the host (workload.c) and exits 0
 *		when no VM is left, 1 otherwise; actions.migrate_timeout_s
 *		kills it. A failed run is retried migrate_backoff_s later,
 *		doubling up to migrate_backoff_max_s, while the host is hot
 *		or its zone alarm lasts, at most migrate_retries times.
 * shutdown	once, on a SHUTDOWN decision (or the critical state): the
 *		event goes out and the BMC watchdog is armed (when
 *		ipmi.watchdog.enabled); the hook runs when the broker has
 *		acked (event_ack_wait_s at most) and the BMC has confirmed
 *		(watchdog_wait_s at most). "systemctl poweroff" returns at
 *		once; then the OS takes its time. A failed hook is retried
 *		shutdown_retry_s later, shutdown_retries times. The armed
 *		watchdog cuts the power lead + watchdog_margin_s after it
 *		was armed, whatever happened.
 * faults	(hook events) "fail": the hook exits 1 after a second,
 *		having done nothing; "hang": it does nothing until its
 *		timeout kills it.
 */
#include <math.h>
#include <string.h>

#include "run.h"

#define HOOK_FAIL_MS 1000 /* a failing hook gives up after this */

static bool
still_hot(const struct sim_host *h)
{
	return h->have_out &&
	    (h->state == ENG_STATE_HOT ||
		(h->eng_zone_alarm && h->state != ENG_STATE_CRITICAL));
}

static bool
quiet(const struct sim_host *h)
{
	int i;

	for (i = 0; h->eng != NULL && i < eng_override_count(h->eng); i++) {
		const struct eng_override *o = eng_override_get(h->eng, i);

		if (o != NULL && strcmp(o->key, "quiet") == 0 && o->value != 0)
			return true;
	}
	return false;
}

/* A new action: recorded, and judged against the room's real danger. */
static void
new_action(struct sim_run *r, int hi, bool shutdown)
{
	struct sim_host *h = &r->host[hi];

	metrics_action(r, hi, shutdown);
	if (danger_zone(r, h->zone) || danger_host_near_trip(r, h))
		return;
	r->res.false_actions++;
	run_log(r, SIM_L_FALSE, h->zone, hi, 0,
	    "%s was a FALSE action: the room was in no danger (inlet %.1f, "
	    "cpu %.1f, exhaust %.1f C really)",
	    shutdown ? "shutdown" : "migration", h->t_inlet, h->t_cpu,
	    h->t_exh);
}

bool
hooks_migrating(const struct sim_host *h)
{
	return h->mig_job.running;
}

/* ---- migrate ---- */

static void
mig_run(struct sim_run *r, int hi, const char *why)
{
	struct sim_host *h = &r->host[hi];
	struct sim_job *j = &h->mig_job;
	int fault = h->hook_fault[0], unplaced, vms = h->vms;

	j->fault = fault;
	j->attempt++;
	j->running = true;
	j->retry_ms = -1;
	j->ok = false;
	j->end_ms = r->now_ms +
	    (int64_t)(r->opt.agent.migrate_timeout_s * 1000);
	r->res.evacuations++;
	if (j->attempt == 1)
		new_action(r, hi, false);
	h->mig_start_ms = r->now_ms;
	if (fault != SIM_HOOK_OK) {
		h->n_mig = 0;
		h->mig_next = -1;
		if (fault == SIM_HOOK_FAIL)
			j->end_ms = r->now_ms + HOOK_FAIL_MS;
		run_log(r, SIM_L_MIG_START, h->zone, hi, 0,
		    "migrate hook (attempt %d) %s: %s", j->attempt,
		    fault == SIM_HOOK_FAIL ? "fails" : "hangs", why);
		return;
	}
	unplaced = wl_plan(r, hi);
	if (unplaced > 0)
		r->res.migrations_no_room++;
	run_log(r, SIM_L_MIG_START, h->zone, hi, vms - unplaced,
	    "migrating %d of %d VMs to %d hosts (attempt %d)%s: %s",
	    vms - unplaced, vms, h->n_mig, j->attempt,
	    unplaced ? "; no room for the rest" : "", why);
	if (!wl_next_vm(r, hi, r->now_ms))
		j->end_ms = r->now_ms + HOOK_FAIL_MS; /* nowhere to go */
}

static void
mig_end(struct sim_run *r, int hi, bool killed)
{
	struct sim_host *h = &r->host[hi];
	struct sim_job *j = &h->mig_job;
	const struct sim_agent_conf *ac = &r->opt.agent;
	bool ok = !killed && j->fault == SIM_HOOK_OK && h->vms == 0;
	int retries;

	wl_cancel(r, hi);
	j->running = false;
	if (ok) {
		r->res.migrations_completed++;
		r->res.evac_s_sum += (r->now_ms - h->mig_start_ms) / 1000.0;
		run_log(r, SIM_L_MIG_DONE, h->zone, hi, h->mig_moved,
		    "migrated %d VMs in %.0f s, none left", h->mig_moved,
		    (r->now_ms - h->mig_start_ms) / 1000.0);
		return;
	}
	r->res.migrations_failed++;
	retries = still_hot(h) && h->sd_phase == SIM_SD_IDLE
	    ? ac->migrate_retries
	    : 0;
	if (j->attempt <= retries)
		j->retry_ms = r->now_ms +
		    (int64_t)(fmin(ac->migrate_backoff_s *
				      pow(2.0, j->attempt - 1),
				  ac->migrate_backoff_max_s) *
			1000);
	run_log(r, SIM_L_MIG_FAIL, h->zone, hi, h->vms,
	    "migrate hook %s (attempt %d): %d VMs moved, %d left; %s",
	    killed ? "killed at its timeout" : "exit 1", j->attempt,
	    h->mig_moved, h->vms,
	    j->retry_ms >= 0 ? "retry later" : "no retry");
}

static void
mig_start(struct sim_run *r, int hi, const char *why)
{
	struct sim_host *h = &r->host[hi];

	if (h->sd_phase != SIM_SD_IDLE || h->mig_job.running ||
	    h->mig_job.retry_ms >= 0 || h->vms == 0)
		return;
	h->mig_job.attempt = 0;
	mig_run(r, hi, why);
}

static void
mig_step(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];
	struct sim_job *j = &h->mig_job;

	if (!j->running) {
		if (j->retry_ms < 0 || r->now_ms < j->retry_ms)
			return;
		j->retry_ms = -1;
		if (still_hot(h) && h->sd_phase == SIM_SD_IDLE)
			mig_run(r, hi, "retry");
		return;
	}
	while (h->mig_next >= 0 && r->now_ms >= h->vm_done_ms &&
	    r->now_ms < j->end_ms) {
		int64_t at = h->vm_done_ms;

		wl_vm_done(r, hi);
		wl_next_vm(r, hi, at);
	}
	if (j->fault == SIM_HOOK_OK && h->mig_next < 0 && h->n_mig > 0)
		mig_end(r, hi, false); /* the plan is done */
	else if (r->now_ms >= j->end_ms)
		mig_end(r, hi,
		    j->fault == SIM_HOOK_HANG ||
			(j->fault == SIM_HOOK_OK && h->n_mig > 0));
}

/* ---- shutdown ---- */

/* The shutdown lead of the decision's sensor class (action.c), else the
 * longest. */
static double
shutdown_lead(const struct sim_run *r, const struct sim_host *h,
    const struct eng_decision *d)
{
	const struct eng_conf *c = &r->opt.conf;
	struct eng_sensor_view v;
	double lead = 0;
	int k;

	if (d != NULL && d->sensor >= 0 && h->eng != NULL) {
		eng_sensor_view(h->eng, d->sensor, &v);
		return c->cls[v.cls].shutdown.lead_s;
	}
	for (k = 0; k < ENG_CLASS_COUNT; k++)
		lead = fmax(lead, c->cls[k].shutdown.lead_s);
	return lead;
}

static double
os_seconds(struct sim_run *r, struct sim_host *h)
{
	const struct sim_actions *a = &r->scn->actions;
	double t;

	if (a->fixed_shutdown_s > 0)
		return a->fixed_shutdown_s;
	t = rng_lognormal(&h->arng, a->shutdown_median_s, a->shutdown_spread);
	if (a->shutdown_hang_p > 0 &&
	    rng_uniform(&h->arng) < a->shutdown_hang_p)
		t += a->shutdown_hang_s;
	return t;
}

static void
sd_start(struct sim_run *r, int hi, const struct eng_decision *d)
{
	struct sim_host *h = &r->host[hi];
	const struct sim_agent_conf *ac = &r->opt.agent;
	struct sim_tier_result *t = &r->res.tier[h->tier];
	double wait = r->tick_ms / 1000.0;
	bool mqtt = h->peers_lost == 0 && r->zone[h->zone].peers_lost == 0;

	if (h->sd_phase != SIM_SD_IDLE)
		return;
	new_action(r, hi, true);
	h->sd_phase = SIM_SD_WAIT;
	h->sd_t0_ms = r->now_ms;
	if (h->down_ms < 0)
		h->down_ms = r->now_ms;
	h->mig_job.retry_ms = -1;
	if (!mqtt)
		wait = fmax(wait, ac->event_ack_wait_s);
	if (ac->watchdog && h->bmc_hang > 0)
		wait = fmax(wait, ac->watchdog_wait_s);
	else if (ac->watchdog)
		h->wd_ms = r->now_ms +
		    (int64_t)(ceil(shutdown_lead(r, h, d) +
				  ac->watchdog_margin_s) *
			1000);
	h->hook_at_ms = r->now_ms + (int64_t)(wait * 1000);
	if (t->first_shutdown_ms < 0)
		t->first_shutdown_ms = r->now_ms;
	t->last_shutdown_ms = r->now_ms;
	run_log(r, SIM_L_SHUTDOWN, h->zone, hi, h->vms,
	    "graceful shutdown (tier %d, %d VMs on it%s): %s", h->tier, h->vms,
	    h->mig_job.running ? ", migration still running" : "",
	    d != NULL ? d->reason : r->out.reason);
}

static void
sd_hook_run(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];
	struct sim_job *j = &h->sd_job;
	int fault = h->hook_fault[1];

	j->fault = fault;
	j->attempt++;
	j->running = true;
	j->retry_ms = -1;
	j->ok = fault == SIM_HOOK_OK;
	j->end_ms = r->now_ms +
	    (fault == SIM_HOOK_HANG
		    ? (int64_t)(r->opt.agent.shutdown_timeout_s * 1000)
		    : fault == SIM_HOOK_FAIL ? HOOK_FAIL_MS
					     : r->tick_ms);
}

static void
sd_hook_end(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];
	struct sim_job *j = &h->sd_job;
	double os;

	j->running = false;
	if (j->ok) {
		os = os_seconds(r, h);
		h->sd_phase = SIM_SD_OS;
		h->os_off_ms = r->now_ms + (int64_t)(os * 1000);
		return;
	}
	if (j->attempt <= r->opt.agent.shutdown_retries) {
		j->retry_ms = r->now_ms +
		    (int64_t)(r->opt.agent.shutdown_retry_s * 1000);
		return;
	}
	h->sd_phase = SIM_SD_DONE;
	r->res.shutdowns_failed++;
	run_log(r, SIM_L_MIG_FAIL, h->zone, hi, h->vms,
	    "shutdown hook failed %d times; %s", j->attempt,
	    h->wd_ms >= 0 ? "the BMC watchdog will cut the power"
			  : "no BMC watchdog: the host is unprotected");
}

static void
sd_step(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];
	struct sim_job *j = &h->sd_job;

	if (h->sd_phase == SIM_SD_WAIT && r->now_ms >= h->hook_at_ms) {
		h->sd_phase = SIM_SD_HOOK;
		sd_hook_run(r, hi);
	}
	if (h->sd_phase == SIM_SD_HOOK) {
		if (j->running && r->now_ms >= j->end_ms)
			sd_hook_end(r, hi);
		else if (!j->running && j->retry_ms >= 0 &&
		    r->now_ms >= j->retry_ms)
			sd_hook_run(r, hi);
	}
	if (h->sd_phase == SIM_SD_OS && r->now_ms >= h->os_off_ms)
		wl_off(r, hi, true);
	else if (h->powered && h->wd_ms >= 0 && r->now_ms >= h->wd_ms)
		wl_off(r, hi, false);
}

/* ---- the agent's calls ---- */

void
hooks_decision(struct sim_run *r, int hi, const struct eng_decision *d)
{
	if (d->action == ENG_ACT_MIGRATE)
		mig_start(r, hi, d->reason);
	else if (d->action == ENG_ACT_SHUTDOWN)
		sd_start(r, hi, d);
}

void
hooks_agent_tick(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];

	/* critical means a shutdown was decided, whatever the decisions */
	if (h->state == ENG_STATE_CRITICAL)
		sd_start(r, hi, NULL);
	if (h->eng_zone_alarm && !h->zone_alarm &&
	    h->state != ENG_STATE_CRITICAL && !quiet(h))
		mig_start(r, hi, "zone cooling alarm");
	h->zone_alarm = h->eng_zone_alarm;
}

void
hooks_agent_stopped(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];

	if (h->mig_job.running) {
		wl_cancel(r, hi);
		run_log(r, SIM_L_MIG_FAIL, h->zone, hi, h->vms,
		    "the agent's restart kills the migrate hook: %d VMs "
		    "moved, %d left",
		    h->mig_moved, h->vms);
	}
	memset(&h->mig_job, 0, sizeof(h->mig_job));
	h->mig_job.retry_ms = -1;
	h->zone_alarm = false;
	if (h->sd_phase == SIM_SD_WAIT || h->sd_phase == SIM_SD_HOOK) {
		h->sd_phase = SIM_SD_IDLE;
		memset(&h->sd_job, 0, sizeof(h->sd_job));
		h->sd_job.retry_ms = -1;
	}
}

void
hooks_tick(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];

	/* most hosts, most of the time: nothing runs, nothing is due */
	if (!h->powered ||
	    (!h->mig_job.running && h->mig_job.retry_ms < 0 &&
		h->sd_phase == SIM_SD_IDLE && h->wd_ms < 0))
		return;
	mig_step(r, hi);
	if (h->powered)
		sd_step(r, hi);
}
