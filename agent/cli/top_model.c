/*
 * top_model.c - the rows and zones of thermwatchctl top, from MQTT
 * messages or the control socket's answers. See top_model.h.
 */
#include "top_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"

static const char *const sort_names[TOP_SORT_COUNT] = { "eta", "state", "host",
	"zone", "tier", "inlet", "cpu" };

void
top_model_init(struct top_model *m)
{
	memset(m, 0, sizeof(*m));
}

void
top_model_done(struct top_model *m)
{
	free(m->h);
	memset(m, 0, sizeof(*m));
}

struct top_host *
top_model_host(
    struct top_model *m, const char *site, const char *zone, const char *host)
{
	struct top_host *h;
	int i;

	for (i = 0; i < m->n; i++) {
		h = &m->h[i];
		if (strcmp(h->host, host) == 0 && strcmp(h->zone, zone) == 0 &&
		    strcmp(h->site, site) == 0)
			return h;
	}
	if (m->n == m->cap) {
		int cap = m->cap > 0 ? m->cap * 2 : 64;
		struct top_host *p = realloc(m->h, (size_t)cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		m->h = p;
		m->cap = cap;
	}
	h = &m->h[m->n++];
	memset(h, 0, sizeof(*h));
	snprintf(h->site, sizeof(h->site), "%s", site);
	snprintf(h->zone, sizeof(h->zone), "%s", zone);
	snprintf(h->host, sizeof(h->host), "%s", host);
	h->tier = -1;
	h->eta_s = h->inlet_c = h->cpu_c = NAN;
	return h;
}

static void
copy(char *dst, size_t len, const cJSON *o, const char *key)
{
	const char *s = json_str(o, key, NULL);

	if (s != NULL)
		snprintf(dst, len, "%s", s);
}

static void
take_tier(struct top_host *h, const cJSON *o)
{
	double t = json_num(o, "tier");

	if (t >= 0 && t <= 99)
		h->tier = (int)t;
}

void
top_host_state(struct top_host *h, const cJSON *o)
{
	const cJSON *eta = cJSON_GetObjectItemCaseSensitive(o, "eta_s");

	copy(h->state, sizeof(h->state), o, "state");
	h->engine[0] = '\0';
	copy(h->engine, sizeof(h->engine), o, "engine_state");
	h->reason[0] = '\0';
	copy(h->reason, sizeof(h->reason), o, "reason");
	/* null: not rising (the payloads write no INFINITY) */
	h->eta_s = cJSON_IsNumber(eta) ? eta->valuedouble
	    : cJSON_IsNull(eta)        ? INFINITY
				       : NAN;
	h->accepting_load = json_true(o, "accepting_load");
	h->zone_alarm = json_true(o, "zone_alarm");
	take_tier(h, o);
}

void
top_host_status(struct top_host *h, const cJSON *o)
{
	const char *st = json_str(o, "status", "");

	h->offline = strcmp(st, "offline") == 0;
	h->offline_why[0] = '\0';
	if (h->offline)
		copy(h->offline_why, sizeof(h->offline_why), o, "reason");
	take_tier(h, o);
}

/* The value the engine decides on; older payloads: the filtered one. */
static double
used_value(const cJSON *s)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(s, "used_c");
	const char *st = json_str(s, "status", "");

	if (u != NULL)
		return json_num(s, "used_c");
	return strcmp(st, "valid") == 0 ? json_num(s, "filtered_c") : NAN;
}

void
top_host_sensors(struct top_host *h, const cJSON *sensors)
{
	const cJSON *s;
	double inlet = NAN, cpu = NAN, v;
	bool assumed = false;

	cJSON_ArrayForEach(s, sensors)
	{
		const char *cls = json_str(s, "class", "");

		v = used_value(s);
		if (isnan(v))
			continue;
		if (strcmp(cls, "inlet") == 0 && !(v <= inlet))
			inlet = v;
		else if (strcmp(cls, "cpu") == 0 && !(v <= cpu))
			cpu = v;
		else
			continue;
		assumed = assumed || json_true(s, "assumed");
	}
	h->inlet_c = inlet;
	h->cpu_c = cpu;
	h->assumed = assumed;
}

/* An inlet summary for the zone peers: the inlet when telemetry has none. */
static void
take_peer(struct top_host *h, const cJSON *o)
{
	if (isnan(h->inlet_c))
		h->inlet_c = json_num(o, "inlet_c");
	take_tier(h, o);
}

/* Split <prefix>/<site>/<zone>/<host>/<leaf>; false when it is not one. */
static bool
split_topic(const char *topic, const char *prefix, char parts[4][TOP_NAME_LEN])
{
	size_t n = strlen(prefix), len;
	const char *p, *slash;
	int i;

	if (strncmp(topic, prefix, n) != 0 || topic[n] != '/')
		return false;
	p = topic + n + 1;
	for (i = 0; i < 4; i++) {
		slash = strchr(p, '/');
		if ((slash == NULL) != (i == 3))
			return false;
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || len >= TOP_NAME_LEN)
			return false;
		memcpy(parts[i], p, len);
		parts[i][len] = '\0';
		p = slash != NULL ? slash + 1 : p + len;
	}
	return true;
}

int
top_model_message(struct top_model *m, const char *prefix, const char *topic,
    const void *payload, int len, int64_t now_ms)
{
	char part[4][TOP_NAME_LEN];
	const char *leaf = part[3];
	struct top_host *h;
	cJSON *o;
	double ts;

	if (!split_topic(topic, prefix, part) ||
	    (strcmp(leaf, "state") != 0 && strcmp(leaf, "status") != 0 &&
		strcmp(leaf, "telemetry") != 0 && strcmp(leaf, "peer") != 0))
		return 0;
	if (len <= 0 ||
	    (o = cJSON_ParseWithLength(payload, (size_t)len)) == NULL)
		return 0;
	h = cJSON_IsObject(o) ? top_model_host(m, part[0], part[1], part[2])
			      : NULL;
	if (h == NULL) {
		cJSON_Delete(o);
		return 0;
	}
	if (strcmp(leaf, "state") == 0)
		top_host_state(h, o);
	else if (strcmp(leaf, "status") == 0)
		top_host_status(h, o);
	else if (strcmp(leaf, "telemetry") == 0)
		top_host_sensors(
		    h, cJSON_GetObjectItemCaseSensitive(o, "sensors"));
	else
		take_peer(h, o);
	ts = json_num(o, "ts");
	if (isnan(ts) || ts > (double)now_ms)
		ts = (double)now_ms; /* no ts, or a clock ahead of ours */
	if ((int64_t)ts > h->seen_ms)
		h->seen_ms = (int64_t)ts;
	cJSON_Delete(o);
	m->messages++;
	return 1;
}

int
top_severity(const struct top_host *h)
{
	static const char *const order[] = { "", "ok", "degraded", "warn",
		"hold", NULL, "hot", "critical" };
	int i;

	if (h->offline)
		return 5;
	for (i = 1; i < 8; i++)
		if (order[i] != NULL && strcmp(h->state, order[i]) == 0)
			return i;
	return 0;
}

const char *
top_state_word(const struct top_host *h)
{
	if (h->offline)
		return "offline";
	return h->state[0] != '\0' ? h->state : "?";
}

const char *
top_sort_name(enum top_sort s)
{
	return (unsigned)s < TOP_SORT_COUNT ? sort_names[s] : "?";
}

/* a before b: -1; NAN (unknown) last in both directions */
static int
cmp_num(double a, double b, bool descending)
{
	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	if (a == b)
		return 0;
	return (a < b) != descending ? -1 : 1;
}

static int
cmp_name(const struct top_host *a, const struct top_host *b)
{
	int c = strcmp(a->site, b->site);

	if (c == 0)
		c = strcmp(a->zone, b->zone);
	return c != 0 ? c : strcmp(a->host, b->host);
}

static int
cmp_host(const void *pa, const void *pb, void *arg)
{
	const struct top_host *a = pa, *b = pb;
	enum top_sort sort_key = *(const enum top_sort *)arg;
	int c = 0, worse = top_severity(b) - top_severity(a);
	double ea = top_severity(a) == 5 ? NAN : a->eta_s;
	double eb = top_severity(b) == 5 ? NAN : b->eta_s;

	switch (sort_key) {
	case TOP_SORT_ETA:
		/* a finite eta first, soonest first; the rest by state */
		c = cmp_num(
		    isfinite(ea) ? ea : NAN, isfinite(eb) ? eb : NAN, false);
		if (c == 0)
			c = worse;
		break;
	case TOP_SORT_STATE:
		c = worse != 0 ? worse : cmp_num(ea, eb, false);
		break;
	case TOP_SORT_HOST:
		break;
	case TOP_SORT_ZONE:
		c = strcmp(a->site, b->site);
		if (c == 0)
			c = strcmp(a->zone, b->zone);
		if (c == 0)
			c = worse;
		break;
	case TOP_SORT_TIER:
		c = cmp_num(a->tier < 0 ? NAN : a->tier,
		    b->tier < 0 ? NAN : b->tier, false);
		if (c == 0)
			c = worse;
		break;
	case TOP_SORT_INLET:
		c = cmp_num(a->inlet_c, b->inlet_c, true);
		break;
	case TOP_SORT_CPU:
		c = cmp_num(a->cpu_c, b->cpu_c, true);
		break;
	case TOP_SORT_COUNT:
		break;
	}
	return c != 0 ? c : cmp_name(a, b);
}

void
top_model_sort(struct top_model *m)
{
	int i;

	if (m->n > 1)
		qsort_r(
		    m->h, (size_t)m->n, sizeof(m->h[0]), cmp_host, &m->sort);
	if (!m->reverse)
		return;
	for (i = 0; i < m->n / 2; i++) {
		struct top_host t = m->h[i];

		m->h[i] = m->h[m->n - 1 - i];
		m->h[m->n - 1 - i] = t;
	}
}

static int
cmp_zone(const void *pa, const void *pb)
{
	const struct top_zone *a = pa, *b = pb;
	int c;

	if ((a->alarm > 0) != (b->alarm > 0))
		return a->alarm > 0 ? -1 : 1;
	if (a->alarm != b->alarm)
		return b->alarm - a->alarm;
	c = strcmp(a->site, b->site);
	return c != 0 ? c : strcmp(a->zone, b->zone);
}

int
top_model_zones(const struct top_model *m, struct top_zone *z, int max)
{
	struct top_zone *all;
	int i, j, n = 0;

	all = calloc((size_t)(m->n > 0 ? m->n : 1), sizeof(*all));
	if (all == NULL)
		return 0;
	for (i = 0; i < m->n; i++) {
		const struct top_host *h = &m->h[i];

		for (j = 0; j < n; j++)
			if (strcmp(all[j].zone, h->zone) == 0 &&
			    strcmp(all[j].site, h->site) == 0)
				break;
		if (j == n) {
			snprintf(
			    all[n].site, sizeof(all[n].site), "%s", h->site);
			snprintf(
			    all[n].zone, sizeof(all[n].zone), "%s", h->zone);
			all[n].worst_eta_s = all[n].inlet_max_c = NAN;
			n++;
		}
		all[j].hosts++;
		all[j].by_state[top_severity(h)]++;
		if (h->offline)
			continue;
		all[j].alarm += h->zone_alarm;
		if (isfinite(h->eta_s) && !(h->eta_s >= all[j].worst_eta_s))
			all[j].worst_eta_s = h->eta_s;
		if (!isnan(h->inlet_c) && !(h->inlet_c <= all[j].inlet_max_c))
			all[j].inlet_max_c = h->inlet_c;
	}
	qsort(all, (size_t)n, sizeof(*all), cmp_zone);
	memcpy(z, all, (size_t)(n < max ? n : max) * sizeof(*z));
	free(all);
	return n;
}
