/*
 * workload.c - load units (VMs): where an evacuation puts them, how long
 * each live migration takes, and what is lost when a host goes down.
 *
 * An evacuation reserves room on hosts of other zones (never its own,
 * as thermwatchd) that are up, not shutting down, not evacuating and
 * whose engine accepts load: the hosts with the most room first. The
 * VMs then go one after the other (nova's default
 * max_concurrent_live_migrations = 1), each taking
 *
 *	(migrate_setup_s + 8 vm_memory_gb / link_gbps x dirty_factor)
 *	    x lognormal(0, migrate_spread)
 *
 * seconds, and each failing with migrate_fail_p (it stays). While a VM
 * moves, source and target each draw migrate_w more. A VM whose target
 * went down meanwhile stays too.
 */
#include <math.h>
#include <string.h>

#include "run.h"

static int
spare(const struct sim_host *h)
{
	return h->hw->capacity - h->vms - h->reserved;
}

static bool
can_take(const struct sim_run *r, int src, int j)
{
	const struct sim_host *t = &r->host[j];

	return j != src && t->powered && t->sd_phase == SIM_SD_IDLE &&
	    !t->mig_job.running && t->accepting && spare(t) > 0;
}

/* The best target: the host of another zone with the most room, then
 * index. Never one of the source's own zone: thermwatchd hands the
 * migrate hook only hosts of other zones (fleet.c, is_destination), since
 * a zone that evacuates shares its air with every host in it. */
static int
pick_target(const struct sim_run *r, int src)
{
	int j, best = -1, bs = 0;

	for (j = 0; j < r->n_hosts; j++) {
		int sp;

		if (r->host[j].mark == r->mark ||
		    r->host[j].zone == r->host[src].zone ||
		    !can_take(r, src, j))
			continue;
		sp = spare(&r->host[j]);
		if (best < 0 || sp > bs) {
			best = j;
			bs = sp;
		}
	}
	return best;
}

int
wl_plan(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];
	int left = h->vms, n;

	/* the targets' agents may be ticks behind in a block (block.c):
	 * the block is run again tick by tick */
	r->spoilt |= r->guessing;
	r->mark++; /* hosts marked with it are taken */
	h->n_mig = 0;
	h->mig_next = -1;
	h->mig_moved = 0;
	h->mig_tried = 0;
	while (left > 0 && h->n_mig < SIM_MAX_MIG) {
		int j = pick_target(r, hi);

		if (j < 0)
			break;
		r->host[j].mark = r->mark;
		n = spare(&r->host[j]);
		if (n > left)
			n = left;
		r->host[j].reserved += n;
		h->mig[h->n_mig].target = j;
		h->mig[h->n_mig].n = n;
		h->n_mig++;
		left -= n;
	}
	h->mig_unplaced = left;
	return left;
}

static double
vm_seconds(struct sim_run *r, struct sim_host *h)
{
	const struct sim_actions *a = &r->scn->actions;
	const struct sim_group *g = &r->scn->zones[h->zone].groups[h->group];
	double t;

	if (a->fixed_migrate_s > 0) {
		int i, n = 0;

		/* the whole evacuation takes fixed_migrate_s */
		for (i = 0; i < h->n_mig; i++)
			n += h->mig[i].n;
		return a->fixed_migrate_s /
		    (n + h->mig_moved > 0 ? n + h->mig_moved : 1);
	}
	t = a->migrate_setup_s +
	    8 * g->vm_memory_gb / a->link_gbps * a->dirty_factor;
	return rng_lognormal(&h->arng, t, a->migrate_spread);
}

bool
wl_next_vm(struct sim_run *r, int hi, int64_t start_ms)
{
	struct sim_host *h = &r->host[hi];
	int i;

	for (i = 0; i < h->n_mig && h->mig[i].n == 0; i++)
		;
	if (i == h->n_mig || h->vms == 0) {
		h->mig_next = -1;
		return false;
	}
	h->mig_next = i;
	h->vm_done_ms = start_ms + (int64_t)llround(vm_seconds(r, h) * 1000);
	h->vm_fails = r->scn->actions.migrate_fail_p > 0 &&
	    rng_uniform(&h->arng) < r->scn->actions.migrate_fail_p;
	r->host[h->mig[i].target].receiving++;
	return true;
}

void
wl_vm_done(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];
	struct sim_host *t;

	if (h->mig_next < 0)
		return;
	t = &r->host[h->mig[h->mig_next].target];
	h->mig[h->mig_next].n--;
	h->mig_tried++;
	t->reserved--;
	t->receiving--;
	h->mig_next = -1;
	if (h->vm_fails) {
		r->res.vm_migrations_failed++;
		return;
	}
	if (!t->powered || t->sd_phase != SIM_SD_IDLE)
		return;
	t->vms++;
	h->vms--;
	h->mig_moved++;
	r->res.migrations++;
	r->res.tier[h->tier].migrations++;
	if (t->zone != h->zone)
		r->res.migrations_cross_zone++;
}

void
wl_cancel(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];
	int i;

	if (h->mig_next >= 0)
		r->host[h->mig[h->mig_next].target].receiving--;
	for (i = 0; i < h->n_mig; i++)
		r->host[h->mig[i].target].reserved -= h->mig[i].n;
	h->n_mig = 0;
	h->mig_next = -1;
}

double
wl_migration_w(const struct sim_run *r, const struct sim_host *h)
{
	int n = h->receiving + (h->mig_next >= 0 ? 1 : 0);

	return n * r->scn->actions.migrate_w;
}

/* The host is down: its load is gone, nothing moves to or from it. */
static void
lose_load(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];

	wl_cancel(r, hi);
	h->mig_job.running = false;
	h->mig_job.retry_ms = -1;
	r->res.vms_lost += h->vms;
	r->res.tier[h->tier].vms_lost += h->vms;
	h->vms = 0;
	h->powered = false;
}

void
wl_off(struct sim_run *r, int hi, bool clean)
{
	struct sim_host *h = &r->host[hi];

	if (clean) {
		r->res.graceful_shutdowns++;
		r->res.tier[h->tier].graceful++;
		r->res.off_s_sum += (r->now_ms - h->sd_t0_ms) / 1000.0;
	} else {
		r->res.forced_offs++;
		r->res.tier[h->tier].forced_offs++;
	}
	if (clean && h->vms == 0)
		run_log(r, SIM_L_OFF, h->zone, hi, 0,
		    "powered off cleanly (no load left on it)");
	else
		run_log(r, SIM_L_OFF, h->zone, hi, h->vms,
		    "%s; %d VMs stopped with it",
		    clean ? "powered off cleanly"
			  : "the BMC watchdog cut the power (the shutdown "
			    "hung)",
		    h->vms);
	lose_load(r, hi);
	h->sd_phase = SIM_SD_DONE;
	h->hstate = SIM_H_OFF;
}

void
wl_trip(struct sim_run *r, int hi, int sensor)
{
	struct sim_host *h = &r->host[hi];

	r->res.hard_trips++;
	r->res.tier[h->tier].hard_trips++;
	h->trip_ms = r->now_ms;
	if (h->down_ms < 0)
		h->down_ms = r->now_ms;
	if (r->zone[h->zone].first_trip_ms < 0)
		r->zone[h->zone].first_trip_ms = r->now_ms;
	run_log(r, SIM_L_TRIP, h->zone, hi, h->vms,
	    "HARD TRIP: %s %.1f C reached the hardware trip %.1f C; power "
	    "lost with %d VMs",
	    scn_sensor_name(sensor), mdl_true_value(h, sensor),
	    h->hw->trip_c[sensor], h->vms);
	lose_load(r, hi);
	h->hstate = SIM_H_TRIPPED;
}
