/*
 * sensors.c - the virtual sensors: what a host's three sensors deliver to
 * its agent, with noise, single-sample glitches, "reading unavailable"
 * dropouts, hung readers, and the faults a scenario injects (dead, stale,
 * stuck at a value, frozen at the last value, a hung or slow BMC).
 *
 * Inlet and exhaust come from the BMC over IPMI, the CPU from hwmon. A
 * slow BMC (bmc event with late_s) completes one scan every late_s: its
 * values are those of the start of the scan, stamped when the agent gets
 * them (as thermwatchd stamps a reading when the read returns).
 */
#include <math.h>
#include <stdint.h>

#include "run.h"

static bool
on_bmc(int s)
{
	return s == SIM_S_INLET || s == SIM_S_EXHAUST;
}

static int64_t
next_at(struct sim_host *h, int64_t now_ms, double per_h)
{
	double dt;

	if (per_h <= 0)
		return INT64_MAX;
	dt = rng_exp(&h->rng, 3600.0 / per_h);
	if (dt > 1e12)
		return INT64_MAX;
	return now_ms + (int64_t)(dt * 1000) + 1;
}

void
sens_init(struct sim_run *r, struct sim_host *h)
{
	const struct sim_faults *f = &r->scn->faults;
	int s;

	for (s = 0; s < SIM_NSENS; s++) {
		struct sim_sens *ss = &h->sens[s];

		ss->quiet_until_ms = INT64_MIN;
		ss->next_glitch_ms = next_at(h, 0, f->glitch_per_h);
		ss->next_dropout_ms = next_at(h, 0, f->dropout_per_h);
		ss->next_stale_ms = next_at(h, 0, f->stale_per_h);
		ss->dropout_until_ms = -1;
		ss->stale_until_ms = -1;
		ss->fault = SIM_F_OK;
		ss->have_last = false;
		ss->eng_idx = -1;
	}
}

void
sens_set_fault(struct sim_host *h, int sensor, enum sim_fault f, double value_c)
{
	int s;

	for (s = 0; s < SIM_NSENS; s++) {
		if (sensor >= 0 && sensor != s)
			continue;
		h->sens[s].fault = f;
		h->sens[s].stuck_c = value_c;
	}
}

static void
bmc_scan_start(struct sim_run *r, struct sim_host *h)
{
	h->bmc_scan_done_ms = r->now_ms +
	    (int64_t)llround(h->bmc_late_s * 1000);
	h->bmc_scan_c[SIM_S_INLET] = h->t_inlet;
	h->bmc_scan_c[SIM_S_EXHAUST] = h->t_exh;
}

void
sens_bmc(struct sim_run *r, struct sim_host *h, bool start, double late_s)
{
	if (late_s <= 0) {
		h->bmc_hang += start ? 1 : -1;
		return;
	}
	h->bmc_late_s = start ? late_s : 0;
	if (start)
		bmc_scan_start(r, h);
}

/* What broken sensors really report (FIELD.md: lm-sensors #461 127 °C,
 * netdata #23673 3892314 °C, and the 0 / -128 / 255 sentinels). */
static double
glitch_value(struct sim_host *h, double v)
{
	static const double sentinel[] = { 127, 0, -128, 255, 3892314 };
	uint64_t k = rng_next(&h->rng) % 7;

	if (k < 5)
		return sentinel[k];
	return k == 5 ? v + 40 : v - 25;
}

void
sens_tick_bmc(struct sim_run *r, struct sim_host *h)
{
	h->bmc_ready = h->bmc_late_s <= 0 || r->now_ms >= h->bmc_scan_done_ms;
	if (h->bmc_late_s <= 0 || !h->bmc_ready)
		return;
	h->bmc_out_c[SIM_S_INLET] = h->bmc_scan_c[SIM_S_INLET];
	h->bmc_out_c[SIM_S_EXHAUST] = h->bmc_scan_c[SIM_S_EXHAUST];
	bmc_scan_start(r, h);
}

/* The true value the sensor sees now, or false when a slow BMC has not
 * finished its scan. */
static bool
true_value(struct sim_host *h, int s, double *v)
{
	if (!on_bmc(s) || h->bmc_late_s <= 0) {
		*v = mdl_true_value(h, s);
		return true;
	}
	if (!h->bmc_ready)
		return false;
	*v = h->bmc_out_c[s];
	return true;
}

/* Until when nothing but a plain sample is due, as the last sample
 * left the sensor's timers: none of its random faults starts before the
 * earliest of them, and none goes on (a window going on: none known). */
static void
quiet_until(struct sim_sens *ss, int64_t now)
{
	int64_t q = ss->next_glitch_ms;

	if (ss->next_dropout_ms < q)
		q = ss->next_dropout_ms;
	if (ss->next_stale_ms < q)
		q = ss->next_stale_ms;
	if (now < ss->stale_until_ms || now < ss->dropout_until_ms)
		q = INT64_MIN;
	ss->quiet_until_ms = q;
}

static bool
sample(struct sim_run *r, struct sim_host *h, int s, struct eng_reading *rd);

/* Any sample (sens_sample, run.h, takes the plain one itself): the
 * faults, windows and timers, and until when none of them is due. */
bool
sens_sample_any(
    struct sim_run *r, struct sim_host *h, int s, struct eng_reading *rd)
{
	bool ok = sample(r, h, s, rd);

	quiet_until(&h->sens[s], r->now_ms);
	return ok;
}

/* Any sample: faults, windows and timers. */
static bool
sample(struct sim_run *r, struct sim_host *h, int s, struct eng_reading *rd)
{
	const struct sim_faults *f = &r->scn->faults;
	struct sim_sens *ss = &h->sens[s];
	int64_t now = r->now_ms;
	double v;

	if (ss->fault == SIM_F_STALE || now < ss->stale_until_ms ||
	    (on_bmc(s) && h->bmc_hang > 0))
		return false;
	if (now >= ss->next_stale_ms) {
		ss->stale_until_ms = now + (int64_t)(f->stale_s * 1000);
		ss->next_stale_ms = next_at(h, now, f->stale_per_h);
		if (ss->next_stale_ms < ss->stale_until_ms &&
		    ss->next_stale_ms != INT64_MAX)
			ss->next_stale_ms = ss->stale_until_ms + 1;
		return false;
	}
	if (!true_value(h, s, &v))
		return false;
	rd->sensor = ss->eng_idx;
	rd->t_ms = now;
	rd->quality = ENG_Q_OK;
	if (now >= ss->next_dropout_ms) {
		ss->dropout_until_ms = now + (int64_t)(f->dropout_s * 1000);
		ss->next_dropout_ms = next_at(h, now, f->dropout_per_h);
	}
	if (ss->fault == SIM_F_DEAD || now < ss->dropout_until_ms) {
		rd->quality = ENG_Q_UNAVAILABLE;
		rd->value_c = NAN;
		return true;
	}
	if (ss->fault == SIM_F_STUCK) {
		rd->value_c = ss->stuck_c;
		return true;
	}
	if (ss->fault == SIM_F_FROZEN && ss->have_last) {
		rd->value_c = ss->last_c;
		return true;
	}
	if (f->noise_c[s] > 0)
		v += f->noise_c[s] * rng_normal(&h->rng);
	if (now >= ss->next_glitch_ms) {
		v = glitch_value(h, v);
		ss->next_glitch_ms = next_at(h, now, f->glitch_per_h);
	} else {
		ss->last_c = v;
		ss->have_last = true;
	}
	rd->value_c = v;
	return true;
}
