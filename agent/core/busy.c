/*
 * busy.c - the host's CPU utilisation (eng_host_busy) and what it says
 * about the air: a cpu warmer than its load explains (busy_track, one
 * kind of own evidence in health_air_evidence()).
 */
#include <math.h>

#include "eng_int.h"

void
eng_host_busy(struct eng *e, int64_t now_ms, double busy)
{
	if (!isfinite(busy) || busy < 0.0 || busy > 1.0) {
		e->host_busy = NAN;
		e->host_busy_ms = NO_TIME;
		return;
	}
	e->host_busy = busy;
	e->host_busy_ms = now_ms;
}

/*
 * What noise alone may put between the smoothed cpu (cls_sm) now and the
 * lowest it read at a reference, C: policy.trend_sigma of its standard
 * error at either end, plus a step of a stepped cpu (one that steps
 * further than its noise can sit a whole step off with no change at
 * all). The smoothed cpu is each sample's measured noise averaged over
 * EV_SMOOTH_S at the pace of the sensor's samples or of the evaluations,
 * whichever is slower: its variance is the noise's times g / (2
 * EV_SMOOTH_S + g), g that pace in s. The noisiest cpu sensor counts. A
 * minimum kept over a long alarm and a value looked at every second are
 * both extremes of that noise: without this band a noisy cpu (1 C sd:
 * about 0.24 C smoothed) read 2 C over its load on noise alone.
 */
static double
busy_noise_band(const struct eng *e, double dt)
{
	double band = 0.0;
	int i;

	for (i = 0; i < e->n_sensors; i++) {
		const struct sensor *s = &e->sensors[i];
		double sd, g, b;

		if (s->removed || s->cls != ENG_CLASS_CPU ||
		    s->last_ms == NO_TIME)
			continue;
		sd = sensor_noise(e, s);
		g = (double)s->nz.prev_gap / 1000.0;
		if (!(g >= dt))
			g = dt;
		if (!(g > 0.0))
			g = 1.0;
		b = 2.0 * e->conf.policy.trend_sigma * sd *
			sqrt(g / (2.0 * EV_SMOOTH_S + g)) +
		    stepped_by(s->resolution, sd);
		if (b > band)
			band = b;
	}
	return band;
}

/*
 * The cpu warmer than its load explains. A cpu sits above the air it
 * breathes by an amount that grows with its power, which grows with the
 * host's CPU utilisation (busy), and follows a change of it with the lag
 * of its die and heatsink. Whatever that relation and that lag, the load
 * the cpu shows at any moment lies between two envelopes of busy
 * (smoothed over BUSY_IN_TAU_S, no slower than any cpu): the upper one
 * follows a rise at once, the lower one follows a fall at once, and each
 * relaxes towards busy over BUSY_ENV_TAU_S only while the cpu is no
 * longer on its way: while the smoothed cpu lies within its noise band
 * (busy_noise_band) of itself smoothed over BUSY_ENV_TAU_S (busy_cpu_slow).
 * A cpu still cooling after a load drop holds the upper envelope up, one
 * still warming after a rise holds the lower one down, however slow its
 * heatsink: the envelopes wait for what the cpu shows, not for a time
 * assumed longer than any cpu's. Unknown busy starts them at 0 and 1:
 * nothing is bounded until they close in.
 *
 * So a cpu now more than policy.frozen_delta_c plus its noise band above
 * what it read at an earlier moment of the zone alarm, when the lower
 * envelope was no lower than the upper one is now (less BUSY_TOL), warmed
 * more than its load explains: the air it breathes is warmer, or its
 * cooling is lost (a danger to the host either way). A load rise, a burst
 * or a train of them raises the upper envelope with it, and a drop lowers
 * the lower one at once: neither is taken for warming. The lowest cpu of
 * each bin of the lower envelope is kept (busy_ref), with the envelope
 * then: that minimum, and the cpu now looked at every evaluation of a
 * long alarm, are both extremes of the cpu's noise, which the band
 * covers. Without busy (NAN, or older than the cpu's stale_s) or a
 * trusted cpu there is no such evidence, and the bins start afresh.
 *
 * Not covered: more power at the same utilisation (AVX, turbo) raises the
 * cpu with nothing in busy to explain it, as warmer air does.
 */
void
busy_track(struct eng *e, int64_t now_ms)
{
	const struct eng_class_conf *cc = &e->conf.cls[ENG_CLASS_CPU];
	double cpu = e->cls_sm[ENG_CLASS_CPU], b = e->host_busy, dt = 0.0;
	double moving = NAN, band = NAN, k = 0.0;
	int i;

	e->busy_warm = false;
	if (!isfinite(b) || e->host_busy_ms == NO_TIME ||
	    (double)(now_ms - e->host_busy_ms) > cc->stale_s * 1000.0) {
		/* (restored envelopes wait for the first utilisation) */
		if (!e->busy_env_kept)
			e->busy_env_ms = NO_TIME;
		e->busy_ref_on = false;
		return;
	}
	/* restored envelopes carry on only if the utilisation came back
	 * within a third of the cpu's trend window of the snapshot, as a
	 * rise (snapshot.c) */
	if (e->busy_env_kept) {
		e->busy_env_kept = false;
		if (e->busy_env_ms != NO_TIME &&
		    (double)(now_ms - e->busy_env_ms) * 3.0 >=
			cc->trend_window_s * 1000.0)
			e->busy_env_ms = NO_TIME;
	}
	if (e->busy_env_ms == NO_TIME) {
		e->busy_u = b;
		e->busy_hi = 1.0;
		e->busy_lo = 0.0;
		e->busy_cpu_slow = cpu;
	} else if (now_ms > e->busy_env_ms) {
		dt = (double)(now_ms - e->busy_env_ms) / 1000.0;
		e->busy_u += (b - e->busy_u) * dt / (BUSY_IN_TAU_S + dt);
		k = dt / (BUSY_ENV_TAU_S + dt);
		/* the cpu still on its way: further than its noise from
		 * where it stood over the envelopes' time */
		moving = cpu - e->busy_cpu_slow;
		band = busy_noise_band(e, dt);
		if (!isfinite(e->busy_cpu_slow))
			e->busy_cpu_slow = cpu;
		else
			e->busy_cpu_slow += (cpu - e->busy_cpu_slow) * k;
		if (e->busy_u > e->busy_hi)
			e->busy_hi = e->busy_u;
		else if (!(moving < -band))
			e->busy_hi += (e->busy_u - e->busy_hi) * k;
		if (e->busy_u < e->busy_lo)
			e->busy_lo = e->busy_u;
		else if (!(moving > band))
			e->busy_lo += (e->busy_u - e->busy_lo) * k;
	}
	e->busy_env_ms = now_ms;
	e->busy_set_band = band;
	/* the cpu settled: it shows at least the lower envelope's load
	 * (busy_ceiling) */
	if (isfinite(band) && isfinite(cpu) && fabs(moving) <= band) {
		double air = busy_air(e);

		i = (int)(e->busy_lo * BUSY_BINS);
		i = i < 0 ? 0 : i >= BUSY_BINS ? BUSY_BINS - 1 : i;
		/* a restored level seen again: learnt afresh, in this air */
		if (!(e->busy_seen & (1u << i)) || (e->busy_old & (1u << i))) {
			e->busy_seen |= 1u << i;
			e->busy_old &= ~(1u << i);
			e->busy_set_c[i] = (float)cpu;
			e->busy_set_lo[i] = (float)e->busy_lo;
			e->busy_set_air[i] = (float)air;
		} else {
			e->busy_set_c[i] += (float)((cpu - e->busy_set_c[i]) *
			    k);
			e->busy_set_lo[i] +=
			    (float)((e->busy_lo - e->busy_set_lo[i]) * k);
			if (!isfinite(air) || !isfinite(e->busy_set_air[i]))
				e->busy_set_air[i] = (float)air;
			else
				e->busy_set_air[i] +=
				    (float)((air - e->busy_set_air[i]) * k);
		}
	}
	if (!e->zone_alarm || !isfinite(cpu)) {
		e->busy_ref_on = false;
		return;
	}
	i = (int)(e->busy_lo * BUSY_BINS);
	i = i < 0 ? 0 : i >= BUSY_BINS ? BUSY_BINS - 1 : i;
	if (!e->busy_ref_on) {
		e->busy_ref_on = true;
		e->busy_bin0 = e->busy_bin1 = (uint8_t)i;
		e->busy_ref[i] = NAN;
	}
	for (; e->busy_bin0 > i; e->busy_bin0--)
		e->busy_ref[e->busy_bin0 - 1] = NAN;
	for (; e->busy_bin1 < i; e->busy_bin1++)
		e->busy_ref[e->busy_bin1 + 1] = NAN;
	if (!(e->busy_ref[i] <= cpu)) {
		e->busy_ref[i] = (float)cpu;
		e->busy_ref_lo[i] = (float)e->busy_lo;
	}
	/* the most the cpu rose over what its load may explain since a
	 * reference: all of the rise where the load may show no more now
	 * than then (within BUSY_TOL), less BUSY_SWING_C for all of the
	 * difference where it may show more */
	e->busy_by = -INFINITY;
	for (i = e->busy_bin0; i <= e->busy_bin1; i++) {
		double more = e->busy_hi - BUSY_TOL - e->busy_ref_lo[i];
		double by = cpu - e->busy_ref[i] -
		    (more > 0.0 ? BUSY_SWING_C * more : 0.0);

		if (by > e->busy_by) /* (NAN: a bin not visited) */
			e->busy_by = by;
	}
	e->busy_band = isfinite(band) ? band : busy_noise_band(e, dt);
	e->busy_warm = e->busy_by >
	    e->conf.policy.frozen_delta_c + e->busy_band;
}

/*
 * The most a cpu may read that its load now explains, C. A cpu's power,
 * and so its rise over its air, grows with its load: a cpu seen settled
 * (busy_track: the cpu within its noise band of where it stood over the
 * envelopes' time) showed at least the load of the lower envelope then
 * (busy_lo), and reads no more at any load up to that one, air and
 * cooling as they were. The load the cpu may show now is at most the
 * upper envelope (busy_hi: a rise at once); the least cpu seen settled
 * at a load no lower than that (or up to a bin, 0.05, lower, plus
 * BUSY_SWING_C for the difference) bounds what the load explains, plus
 * the cpu's noise band. Nothing is explained by a load never seen settled:
 * a load above any seen, the utilisation not known, or no history (a
 * start with no level restored) give NAN. A cpu above it, however it
 * got there, is its own course: its heat path or its air, not its load
 * (sensor.c).
 *
 * A level restored from a snapshot (busy_old: learnt before a restart,
 * not seen again since) was learnt in other air: the cpu sits over its
 * air by what its load adds, so in air cooler now by some amount the
 * same load reads that much less. It counts only while the air it was
 * learnt in and the air now are both known (busy_air), lowered by as
 * much as the air is cooler now, never raised: one learnt in cooler air
 * explains less than the load would now (a false alarm at worst, as
 * with no level), never more.
 */
double
busy_ceiling(const struct eng *e)
{
	double c = INFINITY, air = NAN;

	if (e->busy_env_ms == NO_TIME || e->busy_seen == 0 ||
	    !isfinite(e->busy_set_band))
		return NAN;
	if (e->busy_old != 0)
		air = busy_air(e);
	for (int i = 0; i < BUSY_BINS; i++) {
		double under = e->busy_hi - e->busy_set_lo[i];
		double level = e->busy_set_c[i];

		if (!(e->busy_seen & (1u << i)))
			continue;
		if (e->busy_old & (1u << i)) {
			if (!isfinite(air) || !isfinite(e->busy_set_air[i]))
				continue;
			level -= fmax(e->busy_set_air[i] - air, 0.0);
		}
		/* up to a bin under the load now: the most that much load
		 * may add */
		if (under <= 1.0 / BUSY_BINS &&
		    level + BUSY_SWING_C * fmax(under, 0.0) < c)
			c = level + BUSY_SWING_C * fmax(under, 0.0);
	}
	return isfinite(c) ? c + e->busy_set_band : NAN;
}

double
busy_air(const struct eng *e)
{
	if (isfinite(e->ev_sm[EV_INLET]))
		return e->ev_sm[EV_INLET];
	return e->ev_sm[EV_ZONE];
}
