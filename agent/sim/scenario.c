/*
 * scenario.c - scenario files (libconfig) into struct sim_scenario.
 *
 * Every error is "file:line: message" and parsing goes on, so one run
 * reports all of them; unknown keys are errors with a suggestion.
 */
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "conf_util.h"
#include "sim.h"

#ifndef TW_DATADIR
#define TW_DATADIR "/usr/local/share"
#endif
#define SCN_INSTALLED TW_DATADIR "/thermwatch/scenarios"

static const char *const wdays[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	"Sun", NULL };

static const char *const top_keys[] = { "name", "description", "duration",
	"start", "tick_s", "peer_interval_s", "migrate_s", "shutdown_s", "seed",
	"building", "sensors", "zones", "events", NULL };
static const char *const building_keys[] = { "temp_c", "swing_c", "peak_hour",
	NULL };
static const char *const sensors_keys[] = { "noise_inlet_c", "noise_cpu_c",
	"noise_exhaust_c", "glitch_per_h", "dropout_per_h", "dropout_s",
	"stale_per_h", "stale_s", NULL };
static const char *const zone_keys[] = { "name", "heat_capacity_kj_per_k",
	"ua_w_per_k", "setpoint_c", "control_tau_s", "other_heat_w", "cooling",
	"hosts", NULL };
static const char *const cooler_keys[] = { "name", "capacity_kw", NULL };
static const char *const group_keys[] = { "prefix", "count", "tier", "vms",
	"capacity_vms", "idle_w", "max_w", "inlet_offset_c", "inlet_spread_c",
	"trip_inlet_c", "trip_cpu_c", "trip_exhaust_c", "r_cpu_k_per_w",
	"cpu_fast_fraction", "tau_cpu_s", "r_exhaust_k_per_w", "tau_exhaust_s",
	NULL };
static const char *const event_keys[] = { "at", "kind", "zone", "cooler",
	"capacity", "ramp_s", "delta_c", "hosts", "sensor", "fault", "value_c",
	"load", "note", NULL };
static const char *const kind_names[] = { "cooling", "building", "sensor",
	"load", "inlet", NULL };
static const char *const fault_names[] = { "ok", "dead", "stale", "stuck",
	NULL };
static const char *const sensor_names[] = { "inlet", "cpu", "exhaust", NULL };

const char *
scn_sensor_name(int sensor)
{
	if (sensor < 0 || sensor >= SIM_NSENS)
		return "all";
	return sensor_names[sensor];
}

double
scn_parse_duration(const char *s)
{
	char *end;
	double v, mul = 1;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || !isfinite(v) || v < 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 's':
			mul = 1;
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		default:
			return -1;
		}
		if (end[1] != '\0')
			return -1;
	}
	return v * mul;
}

/* "Fri 19:00" or "Fri 19:00:30": seconds since Monday 00:00; -1 if bad. */
static double
parse_weekclock(const char *s)
{
	int d, h, m, sec = 0, n = 0;
	char day[4];

	if (sscanf(s, "%3s %d:%d%n", day, &h, &m, &n) != 3)
		return -1;
	if (s[n] == ':') {
		int n2 = 0;

		if (sscanf(s + n, ":%d%n", &sec, &n2) != 1)
			return -1;
		n += n2;
	}
	if (s[n] != '\0' || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 ||
	    sec > 59)
		return -1;
	for (d = 0; wdays[d] != NULL; d++)
		if (strcmp(day, wdays[d]) == 0)
			break;
	if (wdays[d] == NULL)
		return -1;
	return d * 86400.0 + h * 3600.0 + m * 60.0 + sec;
}

double
scn_parse_when(const struct sim_scenario *s, const char *when)
{
	double w, st;

	if (when[0] == '+')
		return scn_parse_duration(when + 1);
	if (s->start_wday < 0)
		return -1;
	w = parse_weekclock(when);
	if (w < 0)
		return -1;
	st = s->start_wday * 86400.0 + s->start_tod_s;
	w -= st;
	if (w < 0)
		w += 7 * 86400.0;
	return w;
}

void
scn_clock_label(const struct sim_scenario *s, double t_s, char *buf, size_t len)
{
	long long t = llround(t_s);

	if (s->start_wday >= 0) {
		long long a = t +
		    (long long)(s->start_wday * 86400.0 + s->start_tod_s);
		int d = (int)((a / 86400) % 7);
		long long r = a % 86400;

		snprintf(buf, len, "%s %02lld:%02lld:%02lld", wdays[d],
		    r / 3600, (r / 60) % 60, r % 60);
	} else
		snprintf(buf, len, "+%lldh%02lldm%02llds", t / 3600,
		    (t / 60) % 60, t % 60);
}

int
scn_total_hosts(const struct sim_scenario *s)
{
	int z, g, n = 0;

	for (z = 0; z < s->n_zones; z++)
		for (g = 0; g < s->zones[z].n_groups; g++)
			n += s->zones[z].groups[g].count;
	return n;
}

/* A time: a number of seconds, "+90m" from the start, or "Fri 19:00". */
static bool
get_time(struct cnf_ctx *c, const struct sim_scenario *s,
    const config_setting_t *g, const char *key, double *out)
{
	const config_setting_t *v = config_setting_get_member(g, key);
	double t;

	if (v == NULL)
		return false;
	switch (config_setting_type(v)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
	case CONFIG_TYPE_FLOAT:
		t = config_setting_get_float(v);
		if (config_setting_type(v) != CONFIG_TYPE_FLOAT)
			t = (double)config_setting_get_int64(v);
		break;
	case CONFIG_TYPE_STRING:
		t = scn_parse_when(s, config_setting_get_string(v));
		if (t < 0) {
			cnf_error(c, v,
			    "%s: \"%s\" is not a time (seconds, "
			    "\"+6h\", or \"Fri 19:00\" with start set)",
			    key, config_setting_get_string(v));
			return false;
		}
		break;
	default:
		cnf_error(
		    c, v, "%s: expected a number of seconds or a string", key);
		return false;
	}
	if (!(t >= 0) || t > 365 * 86400.0) {
		cnf_error(
		    c, v, "%s: %g out of range (min 0, max 1 year)", key, t);
		return false;
	}
	*out = t;
	return true;
}

static void
parse_group(
    struct cnf_ctx *c, const config_setting_t *gs, struct sim_group *g, int idx)
{
	cnf_check_keys(c, gs, "hosts entry", group_keys);
	snprintf(g->prefix, sizeof(g->prefix), "h%d-", idx);
	g->count = 1;
	g->tier = 0;
	g->vms = 8;
	g->capacity_vms = 16;
	g->idle_w = 120;
	g->max_w = 400;
	g->inlet_offset_c = 1.0;
	g->inlet_spread_c = 0.5;
	g->trip_c[SIM_S_INLET] = 45;
	g->trip_c[SIM_S_CPU] = 100;
	g->trip_c[SIM_S_EXHAUST] = 75;
	g->r_cpu_k_per_w = 0.10;
	g->cpu_fast_fraction = 0.6;
	g->tau_cpu_s = 60;
	g->r_exhaust_k_per_w = 0.04;
	g->tau_exhaust_s = 90;
	g->line = config_setting_source_line(gs);
	cnf_get_string(c, gs, "prefix", g->prefix, sizeof(g->prefix));
	cnf_get_int(c, gs, "count", 0, SIM_MAX_HOSTS, &g->count);
	cnf_get_int(c, gs, "tier", 0, ENG_MAX_TIER, &g->tier);
	cnf_get_int(c, gs, "capacity_vms", 1, 1000, &g->capacity_vms);
	cnf_get_int(c, gs, "vms", 0, 1000, &g->vms);
	if (g->vms > g->capacity_vms)
		cnf_error(c, gs, "vms (%d) exceeds capacity_vms (%d)", g->vms,
		    g->capacity_vms);
	cnf_get_double(c, gs, "idle_w", 0, 5000, &g->idle_w);
	cnf_get_double(c, gs, "max_w", 0, 10000, &g->max_w);
	if (g->max_w < g->idle_w)
		cnf_error(c, gs, "max_w (%g) is below idle_w (%g)", g->max_w,
		    g->idle_w);
	cnf_get_double(c, gs, "inlet_offset_c", -10, 30, &g->inlet_offset_c);
	cnf_get_double(c, gs, "inlet_spread_c", 0, 10, &g->inlet_spread_c);
	cnf_get_double(c, gs, "trip_inlet_c", 20, 80, &g->trip_c[SIM_S_INLET]);
	cnf_get_double(c, gs, "trip_cpu_c", 40, 150, &g->trip_c[SIM_S_CPU]);
	cnf_get_double(
	    c, gs, "trip_exhaust_c", 30, 120, &g->trip_c[SIM_S_EXHAUST]);
	cnf_get_double(c, gs, "r_cpu_k_per_w", 0, 1, &g->r_cpu_k_per_w);
	cnf_get_double(c, gs, "cpu_fast_fraction", 0, 1, &g->cpu_fast_fraction);
	cnf_get_double(c, gs, "tau_cpu_s", 0.1, 3600, &g->tau_cpu_s);
	cnf_get_double(c, gs, "r_exhaust_k_per_w", 0, 1, &g->r_exhaust_k_per_w);
	cnf_get_double(c, gs, "tau_exhaust_s", 0.1, 3600, &g->tau_exhaust_s);
}

static void
parse_zone(struct cnf_ctx *c, const config_setting_t *zs,
    struct sim_zone_def *z, int idx, int *nhosts)
{
	const config_setting_t *l;
	double kj = 900;
	int i, n;

	cnf_check_keys(c, zs, "zones entry", zone_keys);
	snprintf(z->name, sizeof(z->name), "Z%d", idx);
	z->ua_w_per_k = 300;
	z->setpoint_c = 22;
	z->control_tau_s = 300;
	z->other_heat_w = 0;
	z->line = config_setting_source_line(zs);
	cnf_get_string(c, zs, "name", z->name, sizeof(z->name));
	cnf_get_double(c, zs, "heat_capacity_kj_per_k", 1, 1e6, &kj);
	z->heat_capacity_j_per_k = kj * 1000;
	cnf_get_double(c, zs, "ua_w_per_k", 0, 1e5, &z->ua_w_per_k);
	cnf_get_double(c, zs, "setpoint_c", 10, 35, &z->setpoint_c);
	cnf_get_double(c, zs, "control_tau_s", 10, 7200, &z->control_tau_s);
	cnf_get_double(c, zs, "other_heat_w", 0, 1e6, &z->other_heat_w);

	l = config_setting_get_member(zs, "cooling");
	if (l != NULL && !config_setting_is_list(l))
		cnf_error(c, l, "cooling: expected a list ( { ... }, ... )");
	else if (l != NULL) {
		n = config_setting_length(l);
		if (n > SIM_MAX_COOLERS) {
			cnf_error(c, l, "cooling: too many units (max %d)",
			    SIM_MAX_COOLERS);
			n = SIM_MAX_COOLERS;
		}
		for (i = 0; i < n; i++) {
			const config_setting_t *cs = config_setting_get_elem(
			    l, i);
			struct sim_cooler *u = &z->coolers[i];
			double kw = 10;

			if (!config_setting_is_group(cs)) {
				cnf_error(c, cs,
				    "cooling entry: expected "
				    "{ name = ...; capacity_kw = ...; }");
				continue;
			}
			cnf_check_keys(c, cs, "cooling entry", cooler_keys);
			/* the zone name is cut so that the suffix fits */
			snprintf(u->name, sizeof(u->name), "%.*s-cool%d",
			    (int)sizeof(u->name) - 16, z->name, i);
			cnf_get_string(c, cs, "name", u->name, sizeof(u->name));
			cnf_get_double(c, cs, "capacity_kw", 0, 10000, &kw);
			u->capacity_w = kw * 1000;
		}
		z->n_coolers = n;
	}

	l = config_setting_get_member(zs, "hosts");
	if (l == NULL) {
		cnf_error(c, zs, "zone \"%s\": no hosts", z->name);
		return;
	}
	if (!config_setting_is_list(l)) {
		cnf_error(c, l, "hosts: expected a list ( { ... }, ... )");
		return;
	}
	n = config_setting_length(l);
	if (n > SIM_MAX_GROUPS) {
		cnf_error(
		    c, l, "hosts: too many entries (max %d)", SIM_MAX_GROUPS);
		n = SIM_MAX_GROUPS;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *gs = config_setting_get_elem(l, i);

		if (!config_setting_is_group(gs)) {
			cnf_error(c, gs, "hosts entry: expected { ... }");
			continue;
		}
		parse_group(c, gs, &z->groups[i], i);
		*nhosts += z->groups[i].count;
	}
	z->n_groups = n;
}

static int
zone_index(const struct sim_scenario *s, const char *name)
{
	int i;

	for (i = 0; i < s->n_zones; i++)
		if (strcmp(s->zones[i].name, name) == 0)
			return i;
	return -1;
}

static void
parse_event(struct cnf_ctx *c, struct sim_scenario *s,
    const config_setting_t *es, struct sim_event *e)
{
	char buf[SIM_NAME_LEN];
	int k = SIM_EV_COOLING, v;

	cnf_check_keys(c, es, "events entry", event_keys);
	memset(e, 0, sizeof(*e));
	e->zone = -1;
	e->cooler = -1;
	e->sensor = -1;
	e->capacity = 0;
	e->load = 1;
	e->line = config_setting_source_line(es);
	snprintf(e->hosts, sizeof(e->hosts), "*");
	if (!get_time(c, s, es, "at", &e->at_s) &&
	    config_setting_get_member(es, "at") == NULL)
		cnf_error(c, es, "event without \"at\"");
	cnf_get_enum(c, es, "kind", kind_names, &k);
	e->kind = (enum sim_ev_kind)k;
	if (cnf_get_string(c, es, "zone", buf, sizeof(buf))) {
		e->zone = zone_index(s, buf);
		if (e->zone < 0)
			cnf_error(c, config_setting_get_member(es, "zone"),
			    "zone: no zone named \"%s\"", buf);
	}
	if (cnf_get_string(c, es, "cooler", buf, sizeof(buf)) &&
	    strcmp(buf, "*") != 0) {
		int z, i;

		for (z = 0; z < s->n_zones && e->cooler < 0; z++) {
			if (e->zone >= 0 && z != e->zone)
				continue;
			for (i = 0; i < s->zones[z].n_coolers; i++)
				if (strcmp(s->zones[z].coolers[i].name, buf) ==
				    0) {
					e->cooler = i;
					e->zone = z;
				}
		}
		if (e->cooler < 0)
			cnf_error(c, config_setting_get_member(es, "cooler"),
			    "cooler: no cooling unit named \"%s\"", buf);
	}
	if (e->kind == SIM_EV_COOLING && e->zone < 0 &&
	    config_setting_get_member(es, "zone") == NULL)
		cnf_error(c, es, "cooling event needs a zone");
	cnf_get_double(c, es, "capacity", 0, 1, &e->capacity);
	cnf_get_double(c, es, "ramp_s", 0, 86400, &e->ramp_s);
	cnf_get_double(c, es, "delta_c", -30, 30, &e->delta_c);
	cnf_get_string(c, es, "hosts", e->hosts, sizeof(e->hosts));
	v = -1;
	if (config_setting_get_member(es, "sensor") != NULL &&
	    cnf_get_enum(c, es, "sensor", sensor_names, &v))
		e->sensor = v;
	v = SIM_F_DEAD;
	cnf_get_enum(c, es, "fault", fault_names, &v);
	e->fault = (enum sim_fault)v;
	cnf_get_double(c, es, "value_c", -150, 4e6, &e->value_c);
	cnf_get_double(c, es, "load", 0, 10, &e->load);
	cnf_get_string(c, es, "note", e->note, sizeof(e->note));
}

static void
defaults(struct sim_scenario *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "unnamed");
	s->duration_s = 86400;
	s->tick_s = 1;
	s->peer_interval_s = 10;
	s->migrate_s = -1;
	s->shutdown_s = -1;
	s->start_wday = -1;
	s->seed = 1;
	s->building_c = 24;
	s->building_swing_c = 1;
	s->building_peak_h = 15;
	s->faults.noise_c[SIM_S_INLET] = 0.2;
	s->faults.noise_c[SIM_S_CPU] = 1.0;
	s->faults.noise_c[SIM_S_EXHAUST] = 0.4;
	s->faults.glitch_per_h = 0;
	s->faults.dropout_s = 30;
	s->faults.stale_s = 60;
}

static int
cmp_event(const void *a, const void *b)
{
	const struct sim_event *x = a, *y = b;

	if (x->at_s != y->at_s)
		return x->at_s < y->at_s ? -1 : 1;
	return x->line - y->line;
}

static void
parse_root(
    struct cnf_ctx *c, const config_setting_t *root, struct sim_scenario *s)
{
	const config_setting_t *g, *l, *v;
	char buf[64];
	int i, n, seed, nhosts = 0;

	cnf_check_keys(c, root, "scenario", top_keys);
	cnf_get_string(c, root, "name", s->name, sizeof(s->name));
	cnf_get_string(
	    c, root, "description", s->description, sizeof(s->description));
	if ((v = config_setting_get_member(root, "start")) != NULL &&
	    cnf_get_string(c, root, "start", buf, sizeof(buf))) {
		double w = parse_weekclock(buf);

		if (w < 0)
			cnf_error(c, v,
			    "start: \"%s\" is not like \"Fri "
			    "12:00\"",
			    buf);
		else {
			s->start_wday = (int)(w / 86400);
			s->start_tod_s = w - s->start_wday * 86400.0;
		}
	}
	if ((v = config_setting_get_member(root, "duration")) != NULL) {
		if (config_setting_type(v) == CONFIG_TYPE_STRING) {
			s->duration_s = scn_parse_duration(
			    config_setting_get_string(v));
			if (s->duration_s <= 0 || s->duration_s > 366 * 86400.0)
				cnf_error(c, v,
				    "duration: \"%s\" is not a "
				    "duration like \"72h\" (max 366d)",
				    config_setting_get_string(v));
		} else
			cnf_get_double(c, root, "duration", 1, 366 * 86400.0,
			    &s->duration_s);
	}
	cnf_get_double(c, root, "tick_s", 0.1, 60, &s->tick_s);
	cnf_get_double(
	    c, root, "peer_interval_s", 0.1, 3600, &s->peer_interval_s);
	cnf_get_double(c, root, "migrate_s", 1, 86400, &s->migrate_s);
	cnf_get_double(c, root, "shutdown_s", 1, 86400, &s->shutdown_s);
	if (cnf_get_int(c, root, "seed", 0, INT_MAX, &seed))
		s->seed = (uint64_t)seed;

	if ((g = cnf_group(c, root, "building")) != NULL) {
		cnf_check_keys(c, g, "building", building_keys);
		cnf_get_double(c, g, "temp_c", -30, 60, &s->building_c);
		cnf_get_double(c, g, "swing_c", 0, 30, &s->building_swing_c);
		cnf_get_double(c, g, "peak_hour", 0, 24, &s->building_peak_h);
	}
	if ((g = cnf_group(c, root, "sensors")) != NULL) {
		struct sim_faults *f = &s->faults;

		cnf_check_keys(c, g, "sensors", sensors_keys);
		cnf_get_double(
		    c, g, "noise_inlet_c", 0, 20, &f->noise_c[SIM_S_INLET]);
		cnf_get_double(
		    c, g, "noise_cpu_c", 0, 20, &f->noise_c[SIM_S_CPU]);
		cnf_get_double(
		    c, g, "noise_exhaust_c", 0, 20, &f->noise_c[SIM_S_EXHAUST]);
		cnf_get_double(c, g, "glitch_per_h", 0, 3600, &f->glitch_per_h);
		cnf_get_double(
		    c, g, "dropout_per_h", 0, 3600, &f->dropout_per_h);
		cnf_get_double(c, g, "dropout_s", 0, 86400, &f->dropout_s);
		cnf_get_double(c, g, "stale_per_h", 0, 3600, &f->stale_per_h);
		cnf_get_double(c, g, "stale_s", 0, 86400, &f->stale_s);
	}

	l = config_setting_get_member(root, "zones");
	if (l == NULL || !config_setting_is_list(l) ||
	    config_setting_length(l) == 0) {
		cnf_error(c, l != NULL ? l : root,
		    "zones: expected a "
		    "non-empty list ( { name = \"A\"; ... }, ... )");
	} else {
		n = config_setting_length(l);
		if (n > SIM_MAX_ZONES) {
			cnf_error(
			    c, l, "zones: too many (max %d)", SIM_MAX_ZONES);
			n = SIM_MAX_ZONES;
		}
		for (i = 0; i < n; i++) {
			const config_setting_t *zs = config_setting_get_elem(
			    l, i);

			if (!config_setting_is_group(zs)) {
				cnf_error(c, zs,
				    "zones entry: expected "
				    "{ ... }");
				continue;
			}
			parse_zone(c, zs, &s->zones[i], i, &nhosts);
			if (zone_index(s, s->zones[i].name) >= 0)
				cnf_error(c, zs, "zone \"%s\" defined twice",
				    s->zones[i].name);
			s->n_zones = i + 1;
		}
		if (nhosts > SIM_MAX_HOSTS)
			cnf_error(c, l, "%d hosts in all (max %d)", nhosts,
			    SIM_MAX_HOSTS);
	}

	l = config_setting_get_member(root, "events");
	if (l != NULL && !config_setting_is_list(l))
		cnf_error(c, l, "events: expected a list ( { ... }, ... )");
	else if (l != NULL) {
		n = config_setting_length(l);
		if (n > SIM_MAX_EVENTS) {
			cnf_error(
			    c, l, "events: too many (max %d)", SIM_MAX_EVENTS);
			n = SIM_MAX_EVENTS;
		}
		for (i = 0; i < n; i++) {
			const config_setting_t *es = config_setting_get_elem(
			    l, i);

			if (!config_setting_is_group(es)) {
				cnf_error(c, es,
				    "events entry: expected "
				    "{ at = ...; kind = ...; }");
				continue;
			}
			parse_event(c, s, es, &s->events[s->n_events++]);
		}
		qsort(s->events, s->n_events, sizeof(s->events[0]), cmp_event);
	}
}

static int
parse_config(
    const char *name, config_t *cf, int rc, struct sim_scenario *s, FILE *err)
{
	struct cnf_ctx c = { .file = name, .err = err, .errors = 0 };

	if (rc != CONFIG_TRUE) {
		fprintf(err, "%s:%d: %s\n", name, config_error_line(cf),
		    config_error_text(cf));
		return 1;
	}
	parse_root(&c, config_root_setting(cf), s);
	return c.errors;
}

int
scn_parse_string(
    const char *name, const char *text, struct sim_scenario *s, FILE *err)
{
	config_t cf;
	int n;

	defaults(s);
	config_init(&cf);
	n = parse_config(name, &cf, config_read_string(&cf, text), s, err);
	config_destroy(&cf);
	return n;
}

int
scn_parse_file(const char *path, struct sim_scenario *s, FILE *err)
{
	config_t cf;
	FILE *f;
	int n;

	defaults(s);
	f = fopen(path, "re");
	if (f == NULL) {
		fprintf(err, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	config_init(&cf);
	n = parse_config(path, &cf, config_read(&cf, f), s, err);
	config_destroy(&cf);
	fclose(f);
	snprintf(s->file, sizeof(s->file), "%s", path);
	return n;
}

static bool
is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int
scn_resolve(const char *name, char *path, size_t len)
{
	char src[PATH_MAX];
	const char *p;
	size_t n;

	if (is_file(name) || strchr(name, '/') != NULL) {
		snprintf(path, len, "%s", name);
		return is_file(name) ? 0 : -ENOENT;
	}
	/* "ac-failure" or "ac-failure.conf" */
	n = strlen(name);
	if (n > 5 && strcmp(name + n - 5, ".conf") == 0)
		n -= 5;
	if ((size_t)snprintf(
		path, len, "%s/%.*s.conf", SCN_INSTALLED, (int)n, name) < len &&
	    is_file(path))
		return 0;
	/* The source tree this binary was built from: __FILE__ is
	 * ".../agent/sim/scenario.c" under CMake. */
	snprintf(src, sizeof(src), "%s", __FILE__);
	p = strstr(src, "agent/sim/scenario.c");
	if (p != NULL &&
	    (size_t)snprintf(path, len, "%.*stests/scenarios/%.*s.conf",
		(int)(p - src), src, (int)n, name) < len &&
	    is_file(path))
		return 0;
	snprintf(path, len, "%s", name);
	return -ENOENT;
}

static void
list_dir(const char *dir, FILE *out)
{
	struct dirent **ents;
	struct sim_scenario *s;
	char path[PATH_MAX];
	FILE *null;
	int i, n;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return;
	s = malloc(sizeof(*s));
	null = fopen("/dev/null", "we");
	for (i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (s != NULL && null != NULL && l > 5 &&
		    strcmp(ents[i]->d_name + l - 5, ".conf") == 0 &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			ents[i]->d_name) < sizeof(path)) {
			if (scn_parse_file(path, s, null) == 0)
				fprintf(out, "%-32s %s\n  %s\n", s->name,
				    s->description, path);
			else
				fprintf(out, "%-32s (has errors)\n  %s\n",
				    ents[i]->d_name, path);
		}
		free(ents[i]);
	}
	free(ents);
	free(s);
	if (null != NULL)
		fclose(null);
}

void
scn_list(FILE *out)
{
	char src[PATH_MAX];
	const char *p;

	list_dir(SCN_INSTALLED, out);
	snprintf(src, sizeof(src), "%s", __FILE__);
	p = strstr(src, "agent/sim/scenario.c");
	if (p != NULL) {
		snprintf(src + (p - src), sizeof(src) - (size_t)(p - src),
		    "tests/scenarios");
		list_dir(src, out);
	}
}
