/*
 * engine_state_calm.c - how often the engine state is saved, and what a
 * timed save of a calm host would hold, coarsely (est_calm_sig): the
 * same as the last save's, it is skipped (engine_state.h,
 * est_max_skip_ms).
 */
#include <math.h>
#include <string.h>

#include "conf.h"
#include "engine_state_int.h"

int64_t
est_save_period_ms(const struct agent_conf *c)
{
	double w = 3600.0, p;
	int i;

	for (i = 0; i < ENG_CLASS_COUNT; i++)
		if (c->engine.cls[i].trend_window_s < w)
			w = c->engine.cls[i].trend_window_s;
	p = w / 12.0;
	if (p < c->agent.interval_s)
		p = c->agent.interval_s;
	if (p < EST_MIN_PERIOD_S)
		p = EST_MIN_PERIOD_S;
	return (int64_t)(p * 1000.0);
}

int64_t
est_max_skip_ms(const struct agent_conf *c)
{
	double w = 3600.0;
	int64_t p = est_save_period_ms(c), m;
	int i;

	for (i = 0; i < ENG_CLASS_COUNT; i++)
		if (c->engine.cls[i].trend_window_s < w)
			w = c->engine.cls[i].trend_window_s;
	m = (int64_t)(w / 3.0 * 1000.0);
	return m > p ? m : p;
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	/* FNV-1a over the eight bytes of v */
	for (int k = 0; k < 8; k++, v >>= 8)
		h = (h ^ (v & 0xff)) * 0x100000001b3ull;
	return h;
}

/* 1.25^(k - COARSE_K), k = 0 .. 2 * COARSE_K: the steps of coarse() */
#define COARSE_K 128
static double coarse_step[2 * COARSE_K + 1];

/* A noise or rho in steps of a quarter of itself: what a restore would
 * seed differs from the last save's by less than the noise estimate's
 * own wobble. The step k with 1.25^k <= x < 1.25^(k+1), found among
 * powers of 1.25 made once, not by log(): libm's log() reads tables
 * that would keep 128 kB of libm resident for this alone. Beyond
 * 1.25^+-128 (4e-13, 2.5e12) the first or last step. */
static int64_t
coarse(double x)
{
	int lo = 0, hi = 2 * COARSE_K;

	if (!(x > 0) || !isfinite(x))
		return 0;
	if (coarse_step[COARSE_K] != 1.0) {
		coarse_step[COARSE_K] = 1.0;
		for (int k = 1; k <= COARSE_K; k++) {
			coarse_step[COARSE_K + k] =
			    coarse_step[COARSE_K + k - 1] * 1.25;
			coarse_step[COARSE_K - k] =
			    coarse_step[COARSE_K - k + 1] / 1.25;
		}
	}
	/* the last step <= x (the first when none is) */
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (coarse_step[mid] <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return (int64_t)(lo - COARSE_K) + 1000;
}

/*
 * Whether the host is calm (no sensor in a rise), and then in *sig what a
 * save now would hold, coarsely: the sensors with values, their classes
 * and resolutions, their noise in steps of a quarter, whether each is
 * frozen or holds a step, the host's model.
 */
bool
est_calm_sig(struct est *s, int64_t now, uint64_t *sig)
{
	struct eng_snap_sensor snap;
	struct eng_snap_host h;
	uint64_t x = 0xcbf29ce484222325ull, res;
	int i;

	for (i = 0; i < eng_sensor_count(s->env.eng); i++) {
		if (eng_snapshot_sensor_max(s->env.eng, i, now, 1, &snap) !=
			0 ||
		    (!snap.has_value && snap.n_points == 0))
			continue; /* not written */
		if (snap.rising)
			return false;
		memcpy(&res, &snap.resolution_c, sizeof(res));
		x = mix(x, (uint64_t)i);
		x = mix(x, (uint64_t)snap.cls << 1 | snap.has_value);
		x = mix(x, (uint64_t)coarse(snap.noise_c));
		x = mix(x, res);
		/* found frozen, or a step held: saved when that changes */
		x = mix(x, (uint64_t)snap.frozen << 1 | snap.step_held);
	}
	eng_snapshot_host(s->env.eng, now, &h);
	x = mix(x, (uint64_t)coarse(h.rho));
	x = mix(x, h.rho_learnt_s > 0);
	/* the zone alarm's references and the load tracking, which change
	 * only when taken again (the ages aside): saved when they do */
	x = mix(x,
	    (uint64_t)h.has_alarm << 2 | (uint64_t)h.has_load << 1 |
		(h.warm_age_ms >= 0));
	if (h.has_alarm) {
		memcpy(&res, &h.alarm_cpu_c, sizeof(res));
		x = mix(x, res);
		x = mix(x, (uint64_t)(h.alarm_lost_age_ms >= 0));
	}
	if (h.has_load) {
		memcpy(&res, &h.load_gap_c, sizeof(res));
		x = mix(x, res);
	}
	*sig = x;
	return true;
}
