/*
 * create.c - the engine object's memory: what an engine is sized for
 * (sensors, trend points per sensor, peers, overrides), taken once at
 * creation and never later, and its configuration swapped in place.
 *
 * A trend ring holds the points of one trend window. How many that can
 * be follows from the configuration: a point is kept at most every
 * trend_spacing_ms() of the window (so 192 points, six blocks, cover any
 * window), and no more often than the sensor is sampled. An engine told
 * its sample interval gives each ring just that many points for its
 * class's window (carved one after the other from one block); the points
 * kept, and so every result, are the same as with full rings.
 *
 * The class settings are the engine's own copy (after the object), or
 * settings it shares with other engines (eng_size.classes): many
 * engines of one room then hold one copy between them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eng_int.h"

void
eng_size_defaults(struct eng_size *sz)
{
	memset(sz, 0, sizeof(*sz));
	sz->max_sensors = ENG_MAX_SENSORS;
	sz->sample_interval_s = 0.0;
	sz->max_peers = ENG_MAX_PEERS;
	sz->max_overrides = ENG_MAX_OVERRIDES;
}

/* Points a ring needs for a window of w_s at samples iv_ms apart (iv_ms
 * rounded down: a lower bound), ENG_TREND_CAP at most. */
static int
window_capacity(double w_s, int64_t iv_ms)
{
	int64_t gap_ms = trend_spacing_ms(w_s), n;

	if (gap_ms < iv_ms)
		gap_ms = iv_ms;
	if (gap_ms < 1 || !(w_s * 1000.0 < (double)INT32_MAX))
		return ENG_TREND_CAP;
	/* Points at least gap_ms apart within a window of w_s (times are
	 * whole ms, and a point leaves once more than the window's whole ms
	 * before the newest): one more than the window holds gaps, and one
	 * more for samples a little closer than the interval (a timer that
	 * fires early, a read that came late and the next one on time). At
	 * the spacing, whatever the interval, this is at most
	 * TREND_SPAN_GAPS + 2 (trend_spacing_ms rounds up); at an interval
	 * longer than the spacing, fewer. */
	n = (int64_t)floor(w_s * 1000.0 / (double)gap_ms) + 2;
	if (n < TREND_MIN_N + 2)
		n = TREND_MIN_N + 2;
	return n < ENG_TREND_CAP ? (int)n : ENG_TREND_CAP;
}

/* The points a ring of class c needs (ENG_TREND_CAP without a sample
 * interval). */
static int
class_capacity(
    const struct eng_class_conf *cls, int c, double sample_interval_s)
{
	if (!(sample_interval_s > 0.0) || !isfinite(sample_interval_s))
		return ENG_TREND_CAP;
	return window_capacity(
	    cls[c].trend_window_s, (int64_t)floor(sample_interval_s * 1000.0));
}

int
eng_trend_capacity(const struct eng_conf *conf, double sample_interval_s)
{
	int c, need = 0;

	for (c = 0; c < ENG_CLASS_COUNT; c++)
		if (class_capacity(conf->cls, c, sample_interval_s) > need)
			need = class_capacity(conf->cls, c, sample_interval_s);
	return need;
}

/* Each class's trend window, and its rings as long as the window needs
 * (ring_cap at most). */
static void
size_classes(struct eng *e)
{
	uint32_t cap, spill;
	int c, n;

	for (c = 0; c < ENG_CLASS_COUNT; c++) {
		trend_win_set(&e->cls_win[c], e->conf.cls[c].trend_window_s);
		n = class_capacity(e->conf.cls, c, e->sample_interval_s);
		cap = (uint32_t)n < e->ring_cap ? (uint32_t)n : e->ring_cap;
		spill = trend_spill(e->conf.cls[c].trend_window_s, cap);
		/* (both ENG_TREND_CAP at most) */
		e->cls_cap[c] = (uint16_t)cap;
		e->cls_spill[c] = (uint16_t)(spill < e->spill_cap
			? spill
			: e->spill_cap);
	}
}

/* The spill slots of the rings a block is sized for (a longer window
 * after a reconfiguration gets no more). */
static uint32_t
spill_capacity(const struct eng_conf *conf, uint32_t ring_cap)
{
	uint32_t n = 0, k;
	int c;

	for (c = 0; c < ENG_CLASS_COUNT; c++) {
		k = trend_spill(conf->cls[c].trend_window_s, ring_cap);
		if (k > n)
			n = k;
	}
	return n;
}

void
eng_sensor_ring(struct eng *e, struct sensor *s)
{
	uint32_t cap = e->cls_cap[s->cls], spill = e->cls_spill[s->cls];
	size_t need = trend_bytes(cap, spill);

	if (s->tr.ring != NULL && s->tr.cap >= cap && s->tr.n_spill >= spill)
		return;
	/* rings of ring_cap fit for the sensors added so far (the rest of
	 * the block is kept for those to come): a longer ring for a class
	 * taken over never leaves a new sensor without one */
	if (e->points_used + need > (size_t)e->n_sensors * e->ring_bytes)
		return; /* no room left: the ring it has */
	trend_move(&s->tr, (char *)e->points + e->points_used, cap, spill);
	e->points_used += need;
}

static uint32_t
hash_buckets(int max_peers)
{
	uint32_t n = 2;

	/* a power of two, at most half full */
	while (n < 2u * (uint32_t)max_peers)
		n *= 2;
	return n;
}

struct eng *
eng_create(const struct eng_conf *conf)
{
	return eng_create_sized(conf, ENG_MAX_SENSORS);
}

struct eng *
eng_create_sized(const struct eng_conf *conf, int max_sensors)
{
	struct eng_size sz;

	eng_size_defaults(&sz);
	sz.max_sensors = max_sensors;
	return eng_create_opts(conf, &sz);
}

/* The noise table follows the sensors, the ids the noise: each part
 * keeps its alignment because each size is a multiple of the next's. */
_Static_assert(sizeof(struct sensor) % _Alignof(struct noise) == 0,
    "noise after sensors stays aligned");

static size_t
sensor_block_bytes(int cap)
{
	return (size_t)cap *
	    (sizeof(struct sensor) + sizeof(struct noise) + ENG_ID_LEN);
}

/* Everything of conf but its classes. */
static void
take_conf(struct eng *e, const struct eng_conf *conf)
{
	e->conf.policy = conf->policy;
	e->conf.tier = conf->tier;
	memcpy(e->conf.host, conf->host, sizeof(e->conf.host));
}

struct eng *
eng_create_opts(const struct eng_conf *conf, const struct eng_size *sz)
{
	struct eng *e;
	/* shared classes only when they are the very ones of conf */
	bool share = sz->classes != NULL &&
	    memcmp(sz->classes, conf->cls, sizeof(conf->cls)) == 0;
	int i;

	if (sz->max_sensors < 1 || sz->max_sensors > ENG_SENSORS_LIMIT ||
	    sz->max_peers < 0 || sz->max_peers > ENG_MAX_PEERS ||
	    sz->max_overrides < 0 || sz->max_overrides > ENG_MAX_OVERRIDES)
		return NULL;
	e = calloc(1, sizeof(*e) + (share ? 0 : sizeof(conf->cls)));
	if (e == NULL)
		return NULL;
	if (share) {
		e->conf.cls = sz->classes;
	} else {
		memcpy(e->own_cls, conf->cls, sizeof(conf->cls));
		e->conf.cls = e->own_cls;
	}
	e->cap_sensors = sz->max_sensors;
	e->ring_cap = (uint32_t)eng_trend_capacity(conf, sz->sample_interval_s);
	e->cap_peers = sz->max_peers;
	e->hash_mask = hash_buckets(sz->max_peers) - 1;
	e->cap_ovr = sz->max_overrides;
	/* The sensors, their noise and their ids in one block: at 1,024
	 * sensors it is large enough to be mapped afresh, so the slots a
	 * host never fills are never touched and cost no resident memory.
	 * Apart, the smaller tables came from the heap, where a cleared
	 * table is resident in whole (98 kB of noise for 32 sensors). */
	e->sensors = calloc(1, sensor_block_bytes(e->cap_sensors));
	if (e->sensors != NULL) {
		e->snz = (struct noise *)(e->sensors + e->cap_sensors);
		e->ids = (char *)(e->snz + e->cap_sensors);
	}
	e->spill_cap = spill_capacity(conf, e->ring_cap);
	e->ring_bytes = trend_bytes(e->ring_cap, e->spill_cap);
	e->points = calloc((size_t)e->cap_sensors, e->ring_bytes);
	e->sample_interval_s = sz->sample_interval_s;
	if (e->cap_peers > 0) {
		e->peers = calloc((size_t)e->cap_peers, sizeof(*e->peers));
		e->peer_hash = calloc(
		    (size_t)e->hash_mask + 1, sizeof(*e->peer_hash));
	}
	if (e->cap_ovr > 0)
		e->ovr = calloc((size_t)e->cap_ovr, sizeof(*e->ovr));
	if (e->sensors == NULL || e->snz == NULL || e->ids == NULL ||
	    e->points == NULL ||
	    (e->cap_peers > 0 && (e->peers == NULL || e->peer_hash == NULL)) ||
	    (e->cap_ovr > 0 && e->ovr == NULL)) {
		eng_free(e);
		return NULL;
	}
	/* each sensor's ring is set when it is added (eng_sensor_add): the
	 * slots not used yet are never touched and cost no resident memory */
	take_conf(e, conf);
	size_classes(e);
	e->conf_gen = 1; /* no cached settings yet (eff_gen 0) */
	e->state = ENG_STATE_OK;
	e->since_ms = NO_TIME;
	e->accepting = true;
	e->zone_lost_ms = NO_TIME;
	e->zone_since_ms = NO_TIME;
	e->tier_wait_until_ms = NO_TIME;
	e->last_eval_ms = NO_TIME;
	for (i = 0; i < EV_COUNT; i++)
		e->ev_sm[i] = NAN;
	for (i = 0; i < ENG_CLASS_COUNT; i++)
		e->cls_sm[i] = NAN;
	e->alarm_cpu0 = e->alarm_exh0 = e->alarm_rho0 = NAN;
	e->host_busy = NAN;
	e->host_busy_ms = NO_TIME;
	e->busy_env_ms = NO_TIME;
	e->busy_u = e->busy_hi = e->busy_lo = NAN;
	e->zone.inlet_median_c = e->zone.inlet_max_c = NAN;
	peers_init(e);
	snprintf(e->reason, sizeof(e->reason), "starting");
	return e;
}

size_t
eng_memory(const struct eng *e)
{
	size_t n = sizeof(*e);

	if (e->conf.cls == e->own_cls)
		n += sizeof(e->own_cls[0]) * ENG_CLASS_COUNT;

	n += sensor_block_bytes(e->cap_sensors);
	n += (size_t)e->cap_sensors * e->ring_bytes;
	if (e->cap_peers > 0)
		n += (size_t)e->cap_peers * sizeof(*e->peers) +
		    ((size_t)e->hash_mask + 1) * sizeof(*e->peer_hash);
	n += (size_t)e->cap_ovr * sizeof(*e->ovr);
	return n;
}

int
eng_trend_points(const struct eng *e)
{
	return (int)e->ring_cap;
}

void
eng_free(struct eng *e)
{
	if (e == NULL)
		return;
	free(e->ovr);
	free(e->peer_hash);
	free(e->peers);
	free(e->points);
	free(e->sensors); /* with snz and ids */
	free(e);
}

void
eng_reconfigure(struct eng *e, const struct eng_conf *conf)
{
	int i;

	take_conf(e, conf);
	if (e->conf.cls == e->own_cls)
		memcpy(e->own_cls, conf->cls, sizeof(conf->cls));
	e->conf_gen++; /* the cached effective settings are stale */
	size_classes(e);
	/* A smaller filter window only looks at the newest values. */
	for (i = 0; i < e->n_sensors; i++) {
		struct sensor *s = &e->sensors[i];
		int w = (int)e->conf.cls[s->cls].filter_window;

		eng_sensor_ring(e, s); /* a longer trend window */
		if (s->med_n > w)
			s->med_n = w;
		if (s->med_i >= w)
			s->med_i = 0;
	}
}
