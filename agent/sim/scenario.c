/*
 * scenario.c - scenario files (libconfig) into struct sim_scenario: the
 * top level, the zones and their host groups. The events list is parsed
 * in scn_event.c.
 *
 * Every error is "file:line: message" and parsing goes on, so one run
 * reports all of them; unknown keys are errors with a suggestion.
 */
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_util.h"
#include "sim.h"

/* The structure's defaults: its heat capacity over the air and
 * equipment's, and how fast it takes heat from the air (C / H_s). */
#define SCN_STRUCT_RATIO 20.0
#define SCN_STRUCT_TAU_S 1800.0

static const char *const top_keys[] = { "name", "description", "duration",
	"start", "tick_s", "peer_interval_s", "migrate_s", "shutdown_s", "seed",
	"building", "sensors", "actions", "zones", "events", NULL };
static const char *const building_keys[] = { "temp_c", "swing_c", "peak_hour",
	NULL };
static const char *const sensors_keys[] = { "noise_inlet_c", "noise_cpu_c",
	"noise_exhaust_c", "glitch_per_h", "dropout_per_h", "dropout_s",
	"stale_per_h", "stale_s", NULL };
static const char *const actions_keys[] = { "link_gbps", "migrate_setup_s",
	"dirty_factor", "migrate_spread", "migrate_fail_p", "migrate_w",
	"shutdown_median_s", "shutdown_spread", "shutdown_hang_p",
	"shutdown_hang_s", NULL };
static const char *const zone_keys[] = { "name", "heat_capacity_kj_per_k",
	"structure_kj_per_k", "structure_w_per_k", "ua_w_per_k", "setpoint_c",
	"control_tau_s", "other_heat_w", "cooling", "hosts", NULL };
static const char *const cooler_keys[] = { "name", "capacity_kw", NULL };
static const char *const group_keys[] = { "prefix", "count", "tier", "vms",
	"capacity_vms", "vm_memory_gb", "idle_w", "max_w", "inlet_offset_c",
	"inlet_spread_c", "inlet_swing_c", "inlet_swing_peak_hour",
	"recirc_share", "trip_inlet_c", "trip_cpu_c", "trip_exhaust_c",
	"throttle_cpu_c", "fan_w", "fan_max", "fan_start_c", "fan_full_c",
	"r_cpu_k_per_w", "cpu_fast_fraction", "tau_cpu_s", "r_exhaust_k_per_w",
	"tau_exhaust_s", "proc_stat", NULL };

int
scn_total_hosts(const struct sim_scenario *s)
{
	int z, g, n = 0;

	for (z = 0; z < s->n_zones; z++)
		for (g = 0; g < s->zones[z].n_groups; g++)
			n += s->zones[z].groups[g].count;
	return n;
}

static void
group_defaults(struct sim_group *g, int idx)
{
	snprintf(g->prefix, sizeof(g->prefix), "h%d-", idx);
	g->count = 1;
	g->tier = 0;
	g->vms = 8;
	g->capacity_vms = 16;
	g->vm_memory_gb = 8;
	g->idle_w = 120;
	g->max_w = 400;
	g->inlet_offset_c = 1.0;
	g->inlet_spread_c = 0.5;
	g->inlet_swing_c = 0;
	g->inlet_swing_peak_h = 15;
	g->recirc_share = 0.3;
	g->trip_c[SIM_S_INLET] = 45;
	g->trip_c[SIM_S_CPU] = 100;
	g->trip_c[SIM_S_EXHAUST] = 75;
	g->throttle_cpu_c = 0; /* after parsing: trip_cpu_c - 3 */
	g->r_cpu_k_per_w = 0.10;
	g->cpu_fast_fraction = 0.6;
	g->tau_cpu_s = 60;
	g->r_exhaust_k_per_w = 0.04;
	g->tau_exhaust_s = 90;
	g->fan_w = 15;
	g->fan_max = 1.6;
	g->fan_start_c = 25;
	g->fan_full_c = 35;
	g->proc_stat = true;
}

static void
parse_group(
    struct cnf_ctx *c, const config_setting_t *gs, struct sim_group *g, int idx)
{
	cnf_check_keys(c, gs, "hosts entry", group_keys);
	group_defaults(g, idx);
	g->line = config_setting_source_line(gs);
	cnf_get_string(c, gs, "prefix", g->prefix, sizeof(g->prefix));
	cnf_get_int(c, gs, "count", 0, SIM_MAX_HOSTS, &g->count);
	cnf_get_int(c, gs, "tier", 0, ENG_MAX_TIER, &g->tier);
	cnf_get_int(c, gs, "capacity_vms", 1, 1000, &g->capacity_vms);
	cnf_get_int(c, gs, "vms", 0, 1000, &g->vms);
	if (g->vms > g->capacity_vms)
		cnf_error(c, gs, "vms (%d) exceeds capacity_vms (%d)", g->vms,
		    g->capacity_vms);
	cnf_get_double(c, gs, "vm_memory_gb", 0.01, 4096, &g->vm_memory_gb);
	cnf_get_double(c, gs, "idle_w", 0, 5000, &g->idle_w);
	cnf_get_double(c, gs, "max_w", 0, 10000, &g->max_w);
	if (g->max_w < g->idle_w)
		cnf_error(c, gs, "max_w (%g) is below idle_w (%g)", g->max_w,
		    g->idle_w);
	cnf_get_double(c, gs, "inlet_offset_c", -10, 30, &g->inlet_offset_c);
	cnf_get_double(c, gs, "inlet_spread_c", 0, 10, &g->inlet_spread_c);
	cnf_get_double(c, gs, "inlet_swing_c", 0, 15, &g->inlet_swing_c);
	cnf_get_double(
	    c, gs, "inlet_swing_peak_hour", 0, 24, &g->inlet_swing_peak_h);
	cnf_get_double(c, gs, "recirc_share", 0, 0.9, &g->recirc_share);
	cnf_get_double(c, gs, "trip_inlet_c", 20, 80, &g->trip_c[SIM_S_INLET]);
	cnf_get_double(c, gs, "trip_cpu_c", 40, 150, &g->trip_c[SIM_S_CPU]);
	cnf_get_double(
	    c, gs, "trip_exhaust_c", 30, 120, &g->trip_c[SIM_S_EXHAUST]);
	cnf_get_double(c, gs, "throttle_cpu_c", 30, 150, &g->throttle_cpu_c);
	if (g->throttle_cpu_c <= 0)
		g->throttle_cpu_c = g->trip_c[SIM_S_CPU] - 3;
	else if (g->throttle_cpu_c > g->trip_c[SIM_S_CPU])
		cnf_error(c, gs, "throttle_cpu_c (%g) is above trip_cpu_c (%g)",
		    g->throttle_cpu_c, g->trip_c[SIM_S_CPU]);
	cnf_get_double(c, gs, "r_cpu_k_per_w", 0, 1, &g->r_cpu_k_per_w);
	cnf_get_double(c, gs, "cpu_fast_fraction", 0, 1, &g->cpu_fast_fraction);
	cnf_get_double(c, gs, "tau_cpu_s", 0.1, 3600, &g->tau_cpu_s);
	cnf_get_double(c, gs, "r_exhaust_k_per_w", 0, 1, &g->r_exhaust_k_per_w);
	cnf_get_double(c, gs, "tau_exhaust_s", 0.1, 3600, &g->tau_exhaust_s);
	cnf_get_bool(c, gs, "proc_stat", &g->proc_stat);
	cnf_get_double(c, gs, "fan_w", 0, 2000, &g->fan_w);
	if (g->fan_w > g->idle_w)
		cnf_error(c, gs, "fan_w (%g) is more than idle_w (%g)",
		    g->fan_w, g->idle_w);
	cnf_get_double(c, gs, "fan_max", 1, 5, &g->fan_max);
	cnf_get_double(c, gs, "fan_start_c", 0, 60, &g->fan_start_c);
	cnf_get_double(c, gs, "fan_full_c", 0, 80, &g->fan_full_c);
	if (g->fan_full_c <= g->fan_start_c)
		cnf_error(c, gs,
		    "fan_full_c (%g) must be above fan_start_c (%g)",
		    g->fan_full_c, g->fan_start_c);
}

static void
parse_coolers(
    struct cnf_ctx *c, const config_setting_t *l, struct sim_zone_def *z)
{
	int i, n;

	if (!config_setting_is_list(l)) {
		cnf_error(c, l, "cooling: expected a list ( { ... }, ... )");
		return;
	}
	n = config_setting_length(l);
	if (n > SIM_MAX_COOLERS) {
		cnf_error(
		    c, l, "cooling: too many units (max %d)", SIM_MAX_COOLERS);
		n = SIM_MAX_COOLERS;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *cs = config_setting_get_elem(l, i);
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

static void
parse_zone(struct cnf_ctx *c, const config_setting_t *zs,
    struct sim_zone_def *z, int idx, int *nhosts)
{
	const config_setting_t *l;
	double kj = 900, skj = -1;
	int i, n;

	cnf_check_keys(c, zs, "zones entry", zone_keys);
	snprintf(z->name, sizeof(z->name), "Z%d", idx);
	z->ua_w_per_k = 300;
	z->setpoint_c = 22;
	z->control_tau_s = 300;
	z->other_heat_w = 0;
	z->structure_w_per_k = -1;
	z->line = config_setting_source_line(zs);
	cnf_get_string(c, zs, "name", z->name, sizeof(z->name));
	cnf_get_double(c, zs, "heat_capacity_kj_per_k", 1, 1e6, &kj);
	z->heat_capacity_j_per_k = kj * 1000;
	cnf_get_double(c, zs, "structure_kj_per_k", 0, 1e8, &skj);
	z->structure_j_per_k = skj * 1000;
	cnf_get_double(
	    c, zs, "structure_w_per_k", 0, 1e6, &z->structure_w_per_k);
	/* by default in proportion to the air and equipment */
	if (skj < 0)
		z->structure_j_per_k = SCN_STRUCT_RATIO *
		    z->heat_capacity_j_per_k;
	if (z->structure_w_per_k < 0)
		z->structure_w_per_k = z->heat_capacity_j_per_k /
		    SCN_STRUCT_TAU_S;
	cnf_get_double(c, zs, "ua_w_per_k", 0, 1e5, &z->ua_w_per_k);
	cnf_get_double(c, zs, "setpoint_c", 10, 35, &z->setpoint_c);
	cnf_get_double(c, zs, "control_tau_s", 10, 7200, &z->control_tau_s);
	cnf_get_double(c, zs, "other_heat_w", 0, 1e7, &z->other_heat_w);

	l = config_setting_get_member(zs, "cooling");
	if (l != NULL)
		parse_coolers(c, l, z);

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

static void
defaults(struct sim_scenario *s)
{
	struct sim_actions *a = &s->actions;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "unnamed");
	s->duration_s = 86400;
	s->tick_s = 1;
	s->peer_interval_s = 10;
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
	a->link_gbps = 10;
	a->migrate_setup_s = 5;
	a->dirty_factor = 1.3;
	a->migrate_spread = 0.3;
	a->migrate_fail_p = 0;
	a->migrate_w = 30;
	a->shutdown_median_s = 60;
	a->shutdown_spread = 0.4;
	a->shutdown_hang_p = 0.02;
	a->shutdown_hang_s = 90;
	a->fixed_migrate_s = -1;
	a->fixed_shutdown_s = -1;
}

static void
parse_sections(
    struct cnf_ctx *c, const config_setting_t *root, struct sim_scenario *s)
{
	const config_setting_t *g;

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
	if ((g = cnf_group(c, root, "actions")) != NULL) {
		struct sim_actions *a = &s->actions;

		cnf_check_keys(c, g, "actions", actions_keys);
		cnf_get_double(c, g, "link_gbps", 0.01, 1000, &a->link_gbps);
		cnf_get_double(
		    c, g, "migrate_setup_s", 0, 3600, &a->migrate_setup_s);
		cnf_get_double(c, g, "dirty_factor", 1, 100, &a->dirty_factor);
		cnf_get_double(
		    c, g, "migrate_spread", 0, 3, &a->migrate_spread);
		cnf_get_double(
		    c, g, "migrate_fail_p", 0, 1, &a->migrate_fail_p);
		cnf_get_double(c, g, "migrate_w", 0, 2000, &a->migrate_w);
		cnf_get_double(
		    c, g, "shutdown_median_s", 1, 86400, &a->shutdown_median_s);
		cnf_get_double(
		    c, g, "shutdown_spread", 0, 3, &a->shutdown_spread);
		cnf_get_double(
		    c, g, "shutdown_hang_p", 0, 1, &a->shutdown_hang_p);
		cnf_get_double(
		    c, g, "shutdown_hang_s", 0, 86400, &a->shutdown_hang_s);
	}
}

static void
parse_zones(
    struct cnf_ctx *c, const config_setting_t *root, struct sim_scenario *s)
{
	const config_setting_t *l = config_setting_get_member(root, "zones");
	int i, j, n, nhosts = 0;

	if (l == NULL || !config_setting_is_list(l) ||
	    config_setting_length(l) == 0) {
		cnf_error(c, l != NULL ? l : root,
		    "zones: expected a "
		    "non-empty list ( { name = \"A\"; ... }, ... )");
		return;
	}
	n = config_setting_length(l);
	if (n > SIM_MAX_ZONES) {
		cnf_error(c, l, "zones: too many (max %d)", SIM_MAX_ZONES);
		n = SIM_MAX_ZONES;
	}
	for (i = 0; i < n; i++) {
		const config_setting_t *zs = config_setting_get_elem(l, i);

		if (!config_setting_is_group(zs)) {
			cnf_error(c, zs, "zones entry: expected { ... }");
			continue;
		}
		parse_zone(c, zs, &s->zones[i], i, &nhosts);
		for (j = 0; j < i; j++)
			if (strcmp(s->zones[j].name, s->zones[i].name) == 0)
				cnf_error(c, zs, "zone \"%s\" defined twice",
				    s->zones[i].name);
		s->n_zones = i + 1;
	}
	if (nhosts > SIM_MAX_HOSTS)
		cnf_error(
		    c, l, "%d hosts in all (max %d)", nhosts, SIM_MAX_HOSTS);
}

static void
parse_root(
    struct cnf_ctx *c, const config_setting_t *root, struct sim_scenario *s)
{
	const config_setting_t *v;
	char buf[64];
	int seed;

	cnf_check_keys(c, root, "scenario", top_keys);
	cnf_get_string(c, root, "name", s->name, sizeof(s->name));
	cnf_get_string(
	    c, root, "description", s->description, sizeof(s->description));
	if ((v = config_setting_get_member(root, "start")) != NULL &&
	    cnf_get_string(c, root, "start", buf, sizeof(buf))) {
		double w = scn_parse_weekclock(buf);

		if (w < 0)
			cnf_error(c, v,
			    "start: \"%s\" is not like \"Fri 12:00\"", buf);
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
	cnf_get_double(
	    c, root, "migrate_s", 1, 86400, &s->actions.fixed_migrate_s);
	cnf_get_double(
	    c, root, "shutdown_s", 1, 86400, &s->actions.fixed_shutdown_s);
	if (cnf_get_int(c, root, "seed", 0, INT_MAX, &seed))
		s->seed = (uint64_t)seed;
	parse_sections(c, root, s);
	parse_zones(c, root, s);
	scn_parse_events(c, root, s);
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
	s->file[0] = '\0';
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

void
scn_free(struct sim_scenario *s)
{
	free(s->events);
	s->events = NULL;
	s->n_events = 0;
}
