/*
 * zone.c - zone peers: the peer table (hash + least-recently-heard list,
 * O(1) per update), the zone summary (one O(n) pass over any array of
 * peer summaries) and the zone alarm that follows from it.
 *
 * A caller with many hosts in one process (the simulator) computes one
 * summary per zone with eng_zone_summarize() and hands it to every
 * engine with eng_zone_set(); the daemon feeds peers one by one with
 * eng_peer_update() and the engine summarizes its own table.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eng_int.h"

#define NO_SLOT (-1)

/* Slot numbers are int16_t; the hash has e->hash_mask + 1 buckets (a
 * power of two, create.c), at most half of them in use. */
_Static_assert(ENG_MAX_PEERS <= INT16_MAX, "peer slots fit int16_t");

/* FNV-1a over the host name. */
static uint32_t
name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void
peers_init(struct eng *e)
{
	int i;

	e->n_peers = 0;
	e->lru_head = e->lru_tail = NO_SLOT;
	if (e->peer_hash == NULL)
		return;
	for (i = 0; i <= (int)e->hash_mask; i++)
		e->peer_hash[i] = NO_SLOT;
}

static int
hash_find(const struct eng *e, const char *host, uint32_t h)
{
	uint32_t i = h & e->hash_mask;

	while (e->peer_hash[i] != NO_SLOT) {
		const struct peer *p = &e->peers[e->peer_hash[i]];

		if (p->hash == h && strcmp(p->p.host, host) == 0)
			return (int)i;
		i = (i + 1) & e->hash_mask;
	}
	return -(int)i - 1; /* the free bucket, encoded */
}

/* Linear probing without tombstones: shift the following entries back
 * into the hole they would have probed through. */
static void
hash_delete(struct eng *e, uint32_t i)
{
	uint32_t j = i, k;

	e->peer_hash[i] = NO_SLOT;
	for (;;) {
		j = (j + 1) & e->hash_mask;
		if (e->peer_hash[j] == NO_SLOT)
			return;
		k = e->peers[e->peer_hash[j]].hash & e->hash_mask;
		/* k (home of entry j) cyclically in (i, j]: it stays. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		e->peer_hash[i] = e->peer_hash[j];
		e->peer_hash[j] = NO_SLOT;
		i = j;
	}
}

static void
lru_unlink(struct eng *e, int s)
{
	struct peer *p = &e->peers[s];

	if (p->prev != NO_SLOT)
		e->peers[p->prev].next = p->next;
	else
		e->lru_head = p->next;
	if (p->next != NO_SLOT)
		e->peers[p->next].prev = p->prev;
	else
		e->lru_tail = p->prev;
}

static void
lru_append(struct eng *e, int s)
{
	struct peer *p = &e->peers[s];

	p->prev = e->lru_tail;
	p->next = NO_SLOT;
	if (e->lru_tail != NO_SLOT)
		e->peers[e->lru_tail].next = (int16_t)s;
	else
		e->lru_head = (int16_t)s;
	e->lru_tail = (int16_t)s;
}

void
eng_peer_update(struct eng *e, const struct eng_peer *p)
{
	char host[ENG_HOST_LEN];
	uint32_t h;
	int b, s;

	if (e->cap_peers == 0)
		return; /* no table: zone summaries come by eng_zone_set() */
	snprintf(host, sizeof(host), "%.*s", ENG_HOST_LEN - 1, p->host);
	if (host[0] == '\0' || strcmp(host, e->conf.host) == 0)
		return;
	h = name_hash(host);
	b = hash_find(e, host, h);
	if (b >= 0) {
		s = e->peer_hash[b];
		lru_unlink(e, s);
	} else {
		if (e->n_peers < e->cap_peers) {
			s = e->n_peers++;
		} else {
			/* Full: forget the one heard from longest ago. */
			s = e->lru_head;
			lru_unlink(e, s);
			hash_delete(e,
			    (uint32_t)hash_find(
				e, e->peers[s].p.host, e->peers[s].hash));
			b = hash_find(e, host, h);
		}
		e->peer_hash[-b - 1] = (int16_t)s;
	}
	e->peers[s].p = *p;
	memcpy(e->peers[s].p.host, host, sizeof(host));
	e->peers[s].hash = h;
	if (e->peers[s].p.tier < 0)
		e->peers[s].p.tier = 0;
	if (e->peers[s].p.tier > ENG_MAX_TIER)
		e->peers[s].p.tier = ENG_MAX_TIER;
	lru_append(e, s);
}

int
eng_peer_count(const struct eng *e)
{
	return e->n_peers;
}

/* ---- the summary ---- */

/* k-th smallest of a[0..n) (reorders a): Hoare's selection with a
 * median-of-three pivot, O(n) on average. */
static double
select_kth(double *a, int n, int k)
{
	int lo = 0, hi = n - 1;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2, i = lo, j = hi;
		double x = a[lo], y = a[mid], z = a[hi], pv, t;

		pv = x < y ? (y < z          ? y
				     : x < z ? z
					     : x)
			   : (x < z          ? x
				     : y < z ? z
					     : y);
		while (i <= j) {
			while (a[i] < pv)
				i++;
			while (a[j] > pv)
				j--;
			if (i <= j) {
				t = a[i];
				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return a[k];
	}
	return a[k];
}

static double
median_of(double *a, int n)
{
	double hi;

	if (n <= 0)
		return NAN;
	hi = select_kth(a, n, n / 2);
	if (n & 1)
		return hi;
	/* the largest of the lower half, which the selection left there */
	{
		double lo = a[0];
		int i;

		for (i = 1; i < n / 2; i++)
			if (a[i] > lo)
				lo = a[i];
		return (lo + hi) / 2.0;
	}
}

bool
zone_signals(const struct eng_policy_conf *pc, const struct eng_peer *q)
{
	return q->inlet_c >= pc->zone_high_c ||
	    q->slope_c_per_s >= pc->zone_rise_c_per_h / 3600.0;
}

/*
 * One pass over n summaries laid out stride bytes apart (an array of
 * struct eng_peer, or the peer table), plus one extra (this host) when
 * not NULL. The medians look at up to ENG_ZONE_SAMPLE members, spread
 * evenly over a larger zone; counts, maxima and tiers see every one.
 */
static void
summarize(const void *base, size_t stride, int n, const struct eng_peer *extra,
    int64_t now_ms, const struct eng_policy_conf *pc,
    struct eng_zone_summary *zs)
{
	double sig[ENG_ZONE_SAMPLE], all[ENG_ZONE_SAMPLE], inl[ENG_ZONE_SAMPLE];
	int64_t stale_ms = (int64_t)(pc->peer_stale_s * 1000.0);
	int i, n_sig = 0, n_all = 0, every = 1;

	memset(zs, 0, sizeof(*zs));
	zs->t_ms = now_ms;
	zs->inlet_max_c = NAN;
	if (n + 1 > ENG_ZONE_SAMPLE)
		every = (n + ENG_ZONE_SAMPLE) / ENG_ZONE_SAMPLE;
	for (i = 0; i <= n; i++) {
		const struct eng_peer *q;
		bool s;
		int t;

		if (i < n)
			q = (const struct eng_peer *)((const char *)base +
			    (size_t)i * stride);
		else if ((q = extra) == NULL)
			break;
		if ((q->host[0] == '\0' && q != extra) ||
		    now_ms - q->t_ms > stale_ms || !isfinite(q->inlet_c) ||
		    !isfinite(q->slope_c_per_s))
			continue;
		s = zone_signals(pc, q);
		zs->members++;
		zs->signals += s;
		t = q->tier < 0              ? 0
		    : q->tier > ENG_MAX_TIER ? ENG_MAX_TIER
					     : q->tier;
		if (q->state != ENG_STATE_CRITICAL)
			zs->running[t]++;
		if (!(zs->inlet_max_c >= q->inlet_c))
			zs->inlet_max_c = q->inlet_c;
		if (i % every != 0 && i < n)
			continue;
		if (n_all == ENG_ZONE_SAMPLE)
			continue;
		all[n_all] = q->slope_c_per_s;
		inl[n_all++] = q->inlet_c;
		if (s)
			sig[n_sig++] = q->slope_c_per_s;
	}
	zs->sampled = n_all;
	zs->slope_c_per_s = n_sig > 0 ? median_of(sig, n_sig) : 0.0;
	zs->median_slope_c_per_s = n_all > 0 ? median_of(all, n_all) : 0.0;
	zs->inlet_median_c = median_of(inl, n_all);
}

void
eng_zone_summarize(const struct eng_peer *peers, int n, int64_t now_ms,
    const struct eng_policy_conf *pc, struct eng_zone_summary *zs)
{
	summarize(peers, sizeof(*peers), n < 0 ? 0 : n, NULL, now_ms, pc, zs);
}

void
eng_zone_set(struct eng *e, const struct eng_zone_summary *zs)
{
	if (zs == NULL) {
		e->zone_ext = false;
		return;
	}
	e->zone_ext = true;
	e->zone_in = *zs;
}

/* ---- the alarm ---- */

/*
 * Is the danger that raised the alarm gone? A lost quorum alone does not
 * say so: a zone that heats at about zone_rise_c_per_h, or sits at about
 * zone_high_c, gains and loses its quorum with the noise, and each new
 * start of the alarm runs the migrate hook again on every host. The
 * zone's own figures do say so: its median inlet back under where it
 * stood when the alarm began (the heat that raised it is gone), or the
 * zone cooling back at the rate that counts as rising (a repair). With
 * nothing to compare (no member, no median, none when it began) the lost
 * quorum is all there is.
 */
static bool
zone_back(const struct eng_policy_conf *pc, const struct eng_zone_summary *z,
    double from_c)
{
	if (z->members == 0 || !isfinite(z->inlet_median_c) ||
	    !isfinite(from_c))
		return true;
	return z->inlet_median_c <= from_c ||
	    z->median_slope_c_per_s <= -pc->zone_rise_c_per_h / 3600.0;
}

void
zone_update(struct eng *e, int64_t now_ms, struct eng_output *out)
{
	const struct eng_policy_conf *pc = &e->conf.policy;
	struct eng_zone_summary *z = &e->zone;
	struct eng_peer me;
	/* every evaluation: the numbers only (this host is the extra
	 * member by position, not by name) */
	bool quorum, back = true, self = inlet_summary_numbers(e, now_ms, &me);

	if (!e->zone_ext) {
		/* This host counts as a member of its own zone. */
		summarize(e->peers != NULL ? &e->peers[0].p : NULL,
		    sizeof(struct peer), e->n_peers, self ? &me : NULL, now_ms,
		    pc, z);
	} else {
		*z = e->zone_in;
		/* An old summary is as stale as the peers in it. */
		if (now_ms - z->t_ms > (int64_t)(pc->peer_stale_s * 1000.0)) {
			memset(z, 0, sizeof(*z));
			z->inlet_median_c = z->inlet_max_c = NAN;
		}
		if (self && !z->self_included) {
			bool s = zone_signals(pc, &me);

			z->members++;
			z->signals += s;
			if (s && z->signals == 1)
				z->slope_c_per_s = me.slope_c_per_s;
			if (me.state != ENG_STATE_CRITICAL)
				z->running[e->conf.tier]++;
			if (!(z->inlet_max_c >= me.inlet_c))
				z->inlet_max_c = me.inlet_c;
		}
	}
	quorum = z->members > 0 && z->signals >= pc->zone_quorum_count &&
	    z->signals >= pc->zone_quorum_fraction * z->members;
	if (quorum) {
		if (!e->zone_alarm) {
			e->zone_since_ms = now_ms;
			e->zone_from_c = z->inlet_median_c;
		}
		e->zone_alarm = true;
		e->zone_lost_ms = NO_TIME;
		e->zone_slope = z->slope_c_per_s;
	} else if (e->zone_alarm) {
		back = zone_back(pc, z, e->zone_from_c);
		if (e->zone_lost_ms == NO_TIME)
			e->zone_lost_ms = now_ms;
		if (now_ms - e->zone_lost_ms >=
			(int64_t)(pc->zone_hold_s * 1000.0) &&
		    back)
			e->zone_alarm = false;
	}
	/* The tiers' wider levels hold while the quorum does and the zone
	 * is not cooling back (a plateau in a hot room still presses), and
	 * after the quorum while the zone is not back (the same flicker of
	 * the quorum would otherwise take them away and give them back, and
	 * each return is a new migrate decision); never after a recovery. */
	e->zone_heating = quorum
	    ? e->zone_slope > -pc->zone_rise_c_per_h / 3600.0
	    : e->zone_alarm && !back;
	out->zone_members = z->members;
	out->zone_signals = z->signals;
	out->zone_slope_c_per_s = e->zone_alarm ? e->zone_slope : 0.0;
}
