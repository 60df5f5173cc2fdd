/*
 * fleet.c - the table of the site's hosts and what is read from it: fresh
 * or not, the migrate hook's destinations, the tiers over the zones. See
 * fleet.h.
 */
#include "fleet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_fleet.h"

struct fleet {
	char zone[MQM_NAME_LEN];
	char host[MQM_NAME_LEN];
	int max_hosts;
	int64_t max_age_ms;
	bool connected;
	bool settled_once;
	int64_t up_ms;   /* connected since */
	int64_t down_ms; /* disconnected since */
	int n, cap;
	struct fleet_host *h; /* ordered by host name */
	uint64_t dropped;
	uint64_t states;
};

struct fleet *
fleet_create(const struct fleet_params *p)
{
	struct fleet *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	snprintf(
	    f->zone, sizeof(f->zone), "%s", p->zone != NULL ? p->zone : "");
	snprintf(
	    f->host, sizeof(f->host), "%s", p->host != NULL ? p->host : "");
	f->max_hosts = p->max_hosts > 0 ? p->max_hosts : 1;
	f->max_age_ms = (int64_t)(p->max_age_s * 1000.0);
	return f;
}

static void remove_at(struct fleet *f, int i);
static int find_host(const struct fleet *f, const char *host);

void
fleet_reconfigure(struct fleet *f, const struct fleet_params *p)
{
	int i, victim;

	snprintf(
	    f->zone, sizeof(f->zone), "%s", p->zone != NULL ? p->zone : "");
	snprintf(
	    f->host, sizeof(f->host), "%s", p->host != NULL ? p->host : "");
	f->max_hosts = p->max_hosts > 0 ? p->max_hosts : 1;
	f->max_age_ms = (int64_t)(p->max_age_s * 1000.0);
	while (f->n > f->max_hosts) {
		for (victim = 0, i = 1; i < f->n; i++)
			if (f->h[i].fresh_until_ms <
			    f->h[victim].fresh_until_ms)
				victim = i;
		remove_at(f, victim);
	}
	if ((i = find_host(f, f->host)) >= 0)
		remove_at(f, i);
}

void
fleet_free(struct fleet *f)
{
	if (f == NULL)
		return;
	free(f->h);
	free(f);
}

void
fleet_connection(struct fleet *f, bool up, int64_t now_ms)
{
	if (up == f->connected)
		return;
	if (!up && now_ms - f->up_ms >= FLEET_SETTLE_MS)
		f->settled_once = true;
	f->connected = up;
	if (up)
		f->up_ms = now_ms;
	else
		f->down_ms = now_ms;
}

bool
fleet_has_view(const struct fleet *f, int64_t now_ms)
{
	if (f->connected)
		return now_ms - f->up_ms >= FLEET_SETTLE_MS;
	return f->settled_once && now_ms - f->down_ms < f->max_age_ms;
}

bool
fleet_host_fresh(
    const struct fleet *f, const struct fleet_host *h, int64_t now_ms)
{
	(void)f;
	return h->have_state && !h->offline && !h->dark &&
	    now_ms < h->fresh_until_ms;
}

/* The index of host, or -(insertion point) - 1. */
static int
find_host(const struct fleet *f, const char *host)
{
	int lo = 0, hi = f->n - 1, mid, c;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(f->h[mid].host, host);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static void
remove_at(struct fleet *f, int i)
{
	memmove(&f->h[i], &f->h[i + 1], (size_t)(f->n - i - 1) * sizeof(*f->h));
	f->n--;
}

/* Room for one more: grow, or give up the stalest host that is not
 * fresh. False when every kept host is fresh. */
static bool
make_room(struct fleet *f, int64_t now_ms)
{
	struct fleet_host *nh;
	int i, victim = -1, ncap;

	if (f->n < f->cap)
		return true;
	if (f->n < f->max_hosts) {
		ncap = f->cap == 0 ? 16 : f->cap * 2;
		if (ncap > f->max_hosts)
			ncap = f->max_hosts;
		nh = realloc(f->h, (size_t)ncap * sizeof(*nh));
		if (nh != NULL) {
			f->h = nh;
			f->cap = ncap;
			return true;
		}
	}
	for (i = 0; i < f->n; i++)
		if (!fleet_host_fresh(f, &f->h[i], now_ms) &&
		    (victim < 0 ||
			f->h[i].fresh_until_ms < f->h[victim].fresh_until_ms))
			victim = i;
	if (victim < 0)
		return false;
	remove_at(f, victim);
	return true;
}

/* The host's entry, made when new; NULL when there is no room. */
static struct fleet_host *
entry(struct fleet *f, const char *zone, const char *host, int64_t now_ms)
{
	struct fleet_host *e;
	int i = find_host(f, host);

	if (i >= 0) {
		e = &f->h[i];
		snprintf(e->zone, sizeof(e->zone), "%s", zone);
		return e;
	}
	if (!make_room(f, now_ms)) {
		f->dropped++;
		return NULL;
	}
	i = find_host(f, host); /* make_room may have moved it */
	i = -i - 1;
	memmove(&f->h[i + 1], &f->h[i], (size_t)(f->n - i) * sizeof(*f->h));
	f->n++;
	e = &f->h[i];
	memset(e, 0, sizeof(*e));
	snprintf(e->host, sizeof(e->host), "%s", host);
	snprintf(e->zone, sizeof(e->zone), "%s", zone);
	mqm_offer_init(&e->offer);
	return e;
}

int
fleet_state(struct fleet *f, const struct mqm_host_state *s, int64_t now_ms,
    int64_t wall_ms)
{
	struct fleet_host *e;
	int64_t age;

	if (strcmp(s->host, f->host) == 0)
		return 1;
	if ((e = entry(f, s->zone, s->host, now_ms)) == NULL)
		return -1;
	/* a sender's clock ahead of ours makes the state new, not older */
	age = wall_ms - s->ts_ms;
	if (age < 0)
		age = 0;
	e->have_state = true;
	e->tier = s->tier;
	snprintf(e->state, sizeof(e->state), "%s", s->state);
	e->accepting_load = s->accepting_load;
	e->zone_alarm = s->zone_alarm;
	e->offer = s->offer;
	e->fresh_until_ms = now_ms + f->max_age_ms - age;
	f->states++;
	return 0;
}

/* Another host's entry (made when new), or NULL. */
static struct fleet_host *
other_host(struct fleet *f, const char *zone, const char *host, int64_t now)
{
	return strcmp(host, f->host) != 0 ? entry(f, zone, host, now) : NULL;
}

void
fleet_status(struct fleet *f, const char *zone, const char *host, bool online,
    int64_t now_ms)
{
	struct fleet_host *e = other_host(f, zone, host, now_ms);

	if (e != NULL)
		e->offline = !online;
}

void
fleet_bridge(struct fleet *f, const char *zone, const char *host, bool up,
    int64_t now_ms)
{
	struct fleet_host *e = other_host(f, zone, host, now_ms);

	if (e != NULL)
		e->dark = !up;
}

void
fleet_forget(struct fleet *f, const char *host)
{
	int i = find_host(f, host);

	if (i >= 0)
		remove_at(f, i);
}

int
fleet_count(const struct fleet *f)
{
	return f->n;
}

const struct fleet_host *
fleet_get(const struct fleet *f, int i)
{
	return i >= 0 && i < f->n ? &f->h[i] : NULL;
}

void
fleet_get_stats(const struct fleet *f, int64_t now_ms, struct fleet_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->hosts = f->n;
	for (int i = 0; i < f->n; i++)
		if (fleet_host_fresh(f, &f->h[i], now_ms))
			st->fresh++;
	st->dropped = f->dropped;
	st->states = f->states;
}

/* --- destinations ------------------------------------------------------ */

static bool
is_destination(const struct fleet *f, const struct fleet_host *h, int64_t now)
{
	return fleet_host_fresh(f, h, now) && h->accepting_load &&
	    strcmp(h->zone, f->zone) != 0;
}

/* Best first: capacity published, more memory, more VM slots, name. */
static int
by_room(const void *a, const void *b)
{
	const struct fleet_host *x = *(const struct fleet_host *const *)a;
	const struct fleet_host *y = *(const struct fleet_host *const *)b;
	bool cx = mqm_offer_has_capacity(&x->offer);
	bool cy = mqm_offer_has_capacity(&y->offer);

	if (cx != cy)
		return cx ? -1 : 1;
	if (x->offer.spare_mem_mb != y->offer.spare_mem_mb)
		return x->offer.spare_mem_mb > y->offer.spare_mem_mb ? -1 : 1;
	if (x->offer.spare_vms != y->offer.spare_vms)
		return x->offer.spare_vms > y->offer.spare_vms ? -1 : 1;
	return strcmp(x->host, y->host);
}

static cJSON *
destination_json(const struct fleet_host *h)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "host", h->host);
	cJSON_AddStringToObject(o, "zone", h->zone);
	if (h->offer.uri[0] != '\0' && fleet_conf_uri_ok(h->offer.uri))
		cJSON_AddStringToObject(o, "uri", h->offer.uri);
	if (h->offer.spare_vms >= 0)
		cJSON_AddNumberToObject(o, "spare_vms", h->offer.spare_vms);
	if (h->offer.spare_mem_mb >= 0)
		cJSON_AddNumberToObject(
		    o, "spare_mem_mb", h->offer.spare_mem_mb);
	return o;
}

int
fleet_destination_count(const struct fleet *f, int64_t now_ms)
{
	int i, n = 0;

	if (!fleet_has_view(f, now_ms))
		return -1;
	for (i = 0; i < f->n; i++)
		if (is_destination(f, &f->h[i], now_ms))
			n++;
	return n;
}

/* The array of the first k of best[] that fit in max_bytes. */
static cJSON *
fitting(const struct fleet_host *const *best, int n, size_t max_bytes)
{
	cJSON *arr = cJSON_CreateArray(), *o;
	size_t total = 2; /* [] */
	char *s;
	int i;

	if (arr == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((o = destination_json(best[i])) == NULL ||
		    (s = cJSON_PrintUnformatted(o)) == NULL) {
			cJSON_Delete(o);
			break;
		}
		total += strlen(s) + (i > 0 ? 1 : 0);
		free(s);
		if (total > max_bytes) {
			cJSON_Delete(o);
			break;
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

char *
fleet_destinations(const struct fleet *f, int64_t now_ms, size_t max_bytes)
{
	const struct fleet_host **best;
	cJSON *arr;
	char *s;
	int i, n = 0;

	if (!fleet_has_view(f, now_ms))
		return NULL;
	best = calloc((size_t)f->n + 1, sizeof(*best));
	if (best == NULL)
		return NULL;
	for (i = 0; i < f->n; i++)
		if (is_destination(f, &f->h[i], now_ms))
			best[n++] = &f->h[i];
	qsort(best, (size_t)n, sizeof(*best), by_room);
	arr = fitting(best, n, max_bytes);
	free(best);
	s = arr != NULL ? cJSON_PrintUnformatted(arr) : NULL;
	cJSON_Delete(arr);
	return s;
}

/* --- tiers over zones ---------------------------------------------------- */

struct tz {
	int tier;
	const char *zone;
};

static int
by_tier_zone(const void *a, const void *b)
{
	const struct tz *x = a, *y = b;

	if (x->tier != y->tier)
		return x->tier < y->tier ? -1 : 1;
	return strcmp(x->zone, y->zone);
}

void
fleet_tiers(const struct fleet *f, int64_t now_ms, int self_tier,
    struct fleet_tier tiers[ENG_MAX_TIER + 1])
{
	struct tz *v = calloc((size_t)f->n + 1, sizeof(*v));
	int i, n = 0;

	memset(tiers, 0, sizeof(*tiers) * (ENG_MAX_TIER + 1));
	if (v == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		const struct fleet_host *h = &f->h[i];

		if (fleet_host_fresh(f, h, now_ms) && h->tier >= 0 &&
		    h->tier <= ENG_MAX_TIER)
			v[n++] = (struct tz){ h->tier, h->zone };
	}
	if (self_tier >= 0 && self_tier <= ENG_MAX_TIER)
		v[n++] = (struct tz){ self_tier, f->zone };
	qsort(v, (size_t)n, sizeof(*v), by_tier_zone);
	for (i = 0; i < n; i++) {
		struct fleet_tier *t = &tiers[v[i].tier];

		t->hosts++;
		if (i == 0 || v[i - 1].tier != v[i].tier ||
		    strcmp(v[i - 1].zone, v[i].zone) != 0) {
			t->zones++;
			snprintf(t->zone, sizeof(t->zone), "%s", v[i].zone);
		}
	}
	free(v);
}
