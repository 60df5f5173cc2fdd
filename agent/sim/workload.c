/*
 * workload.c - load units (VMs), evacuation and graceful shutdown.
 *
 * An evacuation reserves room on other hosts (another zone first, the
 * hosts with the most room first) and takes migrate_s: the VMs go one
 * after the other (live migrations run in sequence), so the source cools
 * and the targets warm gradually. A VM whose target went down stays. It
 * fails when no host has room or accepts load. A graceful shutdown takes
 * shutdown_s; then the host's heat leaves the room and the load still on
 * it is lost.
 */
#include <math.h>
#include <string.h>

#include "run.h"

static int
spare(const struct sim_host *h)
{
	return h->capacity - h->vms - h->reserved;
}

static bool
can_take(const struct sim_run *r, int src, int j)
{
	const struct sim_host *t = &r->host[j];

	return j != src && t->powered && t->shutdown_start_ms < 0 &&
	    t->mig_done_ms < 0 && t->accepting && spare(t) > 0;
}

/* The best target: another zone first, then most room, then index. */
static int
pick_target(const struct sim_run *r, int src)
{
	int j, best = -1, bz = 0, bs = 0;

	for (j = 0; j < r->n_hosts; j++) {
		int other, sp;

		if (r->host[j].mark == r->mark || !can_take(r, src, j))
			continue;
		other = r->host[j].zone != r->host[src].zone;
		sp = spare(&r->host[j]);
		if (best < 0 || other > bz || (other == bz && sp > bs)) {
			best = j;
			bz = other;
			bs = sp;
		}
	}
	return best;
}

bool
wl_action_is_false(const struct sim_run *r, const struct sim_host *h)
{
	static const enum eng_class cls[SIM_NSENS] = { ENG_CLASS_INLET,
		ENG_CLASS_CPU, ENG_CLASS_EXHAUST };
	const struct eng_conf *c = &r->opt.conf;
	double rise = c->policy.zone_rise_c_per_h > 0
	    ? c->policy.zone_rise_c_per_h
	    : 20;
	int s;

	/* The room is heating: acting early is the point. */
	if (r->zone[h->zone].dtdt * 3600 >= rise)
		return false;
	for (s = 0; s < SIM_NSENS; s++)
		if (mdl_true_value(h, s) >=
		    h->sens[s].trip_c - c->cls[cls[s]].warn.margin_c)
			return false;
	return true;
}

static void
check_false(struct sim_run *r, int hi, const char *what)
{
	struct sim_host *h = &r->host[hi];

	if (!wl_action_is_false(r, h))
		return;
	r->res.false_actions++;
	run_log(r, SIM_L_FALSE, h->zone, hi, 0,
	    "%s was a FALSE action: "
	    "inlet %.1f, cpu %.1f, exhaust %.1f C really",
	    what, h->t_inlet, h->t_cpu, h->t_exh);
}

void
wl_migrate(struct sim_run *r, int hi, const char *why)
{
	struct sim_host *h = &r->host[hi];
	int left, n;
	uint64_t zmask = 0;

	if (!h->powered || h->shutdown_start_ms >= 0 || h->mig_done_ms >= 0 ||
	    h->vms == 0 || r->now_ms < h->mig_retry_ms)
		return;
	r->mark++; /* hosts marked with it are taken */
	h->n_mig = 0;
	left = h->vms;
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
		zmask |= 1ULL << r->host[j].zone;
	}
	check_false(r, hi, "migration");
	if (h->n_mig == 0) {
		r->res.migrations_failed++;
		h->mig_retry_ms = r->now_ms + (int64_t)(r->migrate_s * 1000);
		run_log(r, SIM_L_MIG_FAIL, h->zone, hi, h->vms,
		    "cannot migrate %d VMs: no host has room or accepts load",
		    h->vms);
		(void)why;
		return;
	}
	h->mig_start_ms = r->now_ms;
	h->mig_done_ms = r->now_ms + (int64_t)(r->migrate_s * 1000);
	h->mig_total = h->vms - left;
	h->mig_sent = h->mig_ok = h->mig_cross = 0;
	{
		char zs[64] = "";
		size_t o = 0;
		int z;

		for (z = 0; z < r->n_zones; z++)
			if (zmask & (1ULL << z))
				o += (size_t)snprintf(zs + o, sizeof(zs) - o,
				    "%s%s", o ? "," : "",
				    r->scn->zones[z].name);
		run_log(r, SIM_L_MIG_START, h->zone, hi, h->vms - left,
		    "migrating %d of %d VMs to zone %s (%d hosts): %s",
		    h->vms - left, h->vms, zs, h->n_mig, why);
	}
}

static void
cancel_migration(struct sim_run *r, struct sim_host *h)
{
	int i;

	for (i = 0; i < h->n_mig; i++)
		r->host[h->mig[i].target].reserved -= h->mig[i].n;
	h->n_mig = 0;
	h->mig_total = h->mig_sent = 0;
	h->mig_done_ms = -1;
}

static void
lose_load(struct sim_run *r, struct sim_host *h)
{
	cancel_migration(r, h);
	r->res.vms_lost += h->vms;
	h->vms = 0;
	h->powered = false;
}

static void
tier_shutdown(struct sim_run *r, const struct sim_host *h)
{
	struct sim_tier_result *t = &r->res.tier[h->tier];

	if (t->first_shutdown_ms < 0)
		t->first_shutdown_ms = r->now_ms;
	t->last_shutdown_ms = r->now_ms;
}

void
wl_shutdown(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];

	if (!h->powered || h->shutdown_start_ms >= 0)
		return;
	check_false(r, hi, "shutdown");
	h->shutdown_start_ms = r->now_ms;
	h->off_ms = r->now_ms + (int64_t)(r->shutdown_s * 1000);
	tier_shutdown(r, h);
	run_log(r, SIM_L_SHUTDOWN, h->zone, hi, h->vms,
	    "graceful shutdown (tier %d, %d VMs on it%s): %s", h->tier, h->vms,
	    h->mig_done_ms >= 0 ? ", migration still running" : "",
	    h->have_out ? h->out.reason : "");
}

void
wl_trip(struct sim_run *r, int hi, int sensor)
{
	struct sim_host *h = &r->host[hi];

	r->res.hard_trips++;
	r->res.tier[h->tier].hard_trips++;
	h->trip_ms = r->now_ms;
	run_log(r, SIM_L_TRIP, h->zone, hi, h->vms,
	    "HARD TRIP: %s %.1f C reached the hardware trip %.1f C; power "
	    "lost with %d VMs",
	    scn_sensor_name(sensor), mdl_true_value(h, sensor),
	    h->sens[sensor].trip_c, h->vms);
	lose_load(r, h);
	h->hstate = SIM_H_TRIPPED;
}

/* Move one VM of the running evacuation. */
static void
send_one(struct sim_run *r, struct sim_host *h)
{
	struct sim_host *t;
	int i;

	for (i = 0; i < h->n_mig && h->mig[i].n == 0; i++)
		;
	if (i == h->n_mig)
		return;
	t = &r->host[h->mig[i].target];
	h->mig[i].n--;
	t->reserved--;
	h->mig_sent++;
	if (!t->powered || t->shutdown_start_ms >= 0)
		return;
	t->vms++;
	h->vms--;
	h->mig_ok++;
	if (t->zone != h->zone)
		h->mig_cross++;
}

void
wl_step(struct sim_run *r, int hi)
{
	struct sim_host *h = &r->host[hi];

	if (!h->powered)
		return;
	if (h->mig_done_ms >= 0) {
		int64_t span = h->mig_done_ms - h->mig_start_ms;
		int due = span <= 0 || r->now_ms >= h->mig_done_ms
		    ? h->mig_total
		    : (int)((r->now_ms - h->mig_start_ms) * h->mig_total /
			  span);

		while (h->mig_sent < due)
			send_one(r, h);
	}
	if (h->mig_done_ms >= 0 && r->now_ms >= h->mig_done_ms) {
		h->n_mig = 0;
		h->mig_done_ms = -1;
		h->mig_retry_ms = r->now_ms;
		r->res.migrations += h->mig_ok;
		r->res.migrations_cross_zone += h->mig_cross;
		run_log(r, SIM_L_MIG_DONE, h->zone, hi, h->mig_ok,
		    "migrated %d VMs (%d to another zone), %d left", h->mig_ok,
		    h->mig_cross, h->vms);
		h->mig_total = h->mig_sent = 0;
	}
	if (h->off_ms >= 0 && r->now_ms >= h->off_ms) {
		r->res.graceful_shutdowns++;
		r->res.tier[h->tier].graceful++;
		if (h->vms)
			run_log(r, SIM_L_OFF, h->zone, hi, h->vms,
			    "powered off cleanly; %d VMs stopped with it",
			    h->vms);
		else
			run_log(r, SIM_L_OFF, h->zone, hi, 0,
			    "powered off cleanly (no load left on it)");
		lose_load(r, h);
		h->hstate = SIM_H_OFF;
	}
}
