/*
 * conf_engine.c - the "classes" and "policy" groups into struct eng_conf.
 *
 * classes = {
 *	cpu = {
 *		trip_c = 100.0; min_valid_c = 5.0; max_valid_c = 130.0;
 *		warn = { margin_c = 15.0; eta_s = 1800.0; };
 *		migrate = { margin_c = 8.0; lead_s = 600.0; };
 *		shutdown = { margin_c = 3.0; lead_s = 120.0; };
 *		...
 *	};
 *	inlet = { ... }; exhaust = { ... }; other = { ... };
 * };
 * policy = { kind = "thermwatch"; floor_margin_c = 2.0; ... };
 *
 * Ranges here catch typos and absurd values; the consistency between
 * values (margins ordered, shutdown margin above the floor, ...) is
 * eng_conf_validate()'s job, so the engine and this parser agree.
 */
#include "conf_engine.h"

#include <stdio.h>

static const char *const class_keys[] = { "trip_c", "min_valid_c",
	"max_valid_c", "max_rate_c_per_s", "filter_window", "trend_window_s",
	"min_slope_c_per_s", "warn", "migrate", "shutdown", "hysteresis_c",
	"persist_s", "hold_s", "stale_s", "worst_slew_c_per_s",
	"max_trend_c_per_s", NULL };
static const char *const warn_keys[] = { "margin_c", "eta_s", NULL };
static const char *const level_keys[] = { "margin_c", "lead_s", NULL };
static const char *const policy_keys[] = { "kind", "shutdown_safety_factor",
	"floor_margin_c", "stale_extrapolate", "max_override_ttl_s",
	"zone_quorum_count", "zone_quorum_fraction", "zone_rise_c_per_h",
	"zone_high_c", "peer_stale_s", "tier_lead_factor", "trend_sigma",
	"sentinel_near_c", "min_shutdown_lead_s", "zone_hold_s",
	"override_max_tighten_c", "override_max_lead_factor", "wait_fraction",
	"confirm_samples", "horizon_factor", "frozen_delta_c",
	"sibling_tolerance_c", NULL };
static const char *const kinds[] = { "thermwatch", "static", "none", NULL };

static void
parse_level(struct cnf_ctx *ctx, const config_setting_t *cls, const char *cname,
    const char *key, struct eng_level *l)
{
	const config_setting_t *g = cnf_group(ctx, cls, key);
	const char *lead_key = "lead_s";
	char what[48];

	if (g == NULL)
		return;
	snprintf(what, sizeof(what), "classes.%s.%s", cname, key);
	/* warn has an eta_s where the other levels have a lead_s: warning
	 * early is about attention, not about how long an action takes. */
	if (key[0] == 'w') {
		cnf_check_keys(ctx, g, what, warn_keys);
		lead_key = "eta_s";
	} else {
		cnf_check_keys(ctx, g, what, level_keys);
	}
	cnf_get_double(ctx, g, "margin_c", 0.0, 100.0, &l->margin_c);
	cnf_get_double(ctx, g, lead_key, 0.0, 86400.0, &l->lead_s);
}

static void
parse_class(struct cnf_ctx *ctx, const config_setting_t *g, const char *name,
    struct eng_class_conf *cc)
{
	char what[32];
	int fw = (int)cc->filter_window;

	if (g == NULL)
		return;
	snprintf(what, sizeof(what), "classes.%s", name);
	cnf_check_keys(ctx, g, what, class_keys);
	cnf_get_double(ctx, g, "trip_c", -50.0, 200.0, &cc->trip_c);
	cnf_get_double(ctx, g, "min_valid_c", -100.0, 100.0, &cc->min_valid_c);
	cnf_get_double(ctx, g, "max_valid_c", 0.0, 500.0, &cc->max_valid_c);
	cnf_get_double(
	    ctx, g, "max_rate_c_per_s", 0.01, 1000.0, &cc->max_rate_c_per_s);
	if (cnf_get_int(ctx, g, "filter_window", 1, ENG_MAX_FILTER, &fw))
		cc->filter_window = fw;
	cnf_get_double(
	    ctx, g, "trend_window_s", 5.0, 3600.0, &cc->trend_window_s);
	cnf_get_double(
	    ctx, g, "min_slope_c_per_s", 0.0, 1.0, &cc->min_slope_c_per_s);
	parse_level(ctx, g, name, "warn", &cc->warn);
	parse_level(ctx, g, name, "migrate", &cc->migrate);
	parse_level(ctx, g, name, "shutdown", &cc->shutdown);
	cnf_get_double(ctx, g, "hysteresis_c", 0.0, 50.0, &cc->hysteresis_c);
	cnf_get_double(ctx, g, "persist_s", 0.0, 600.0, &cc->persist_s);
	cnf_get_double(ctx, g, "hold_s", 0.0, 86400.0, &cc->hold_s);
	cnf_get_double(ctx, g, "stale_s", 1.0, 86400.0, &cc->stale_s);
	cnf_get_double(
	    ctx, g, "worst_slew_c_per_s", 0.001, 10.0, &cc->worst_slew_c_per_s);
	cnf_get_double(
	    ctx, g, "max_trend_c_per_s", 0.0, 10.0, &cc->max_trend_c_per_s);
}

static void
parse_policy(
    struct cnf_ctx *ctx, const config_setting_t *g, struct eng_policy_conf *p)
{
	int kind = (int)p->kind;

	if (g == NULL)
		return;
	cnf_check_keys(ctx, g, "policy", policy_keys);
	if (cnf_get_enum(ctx, g, "kind", kinds, &kind))
		p->kind = (enum eng_policy_kind)kind;
	cnf_get_double(ctx, g, "shutdown_safety_factor", 1.0, 10.0,
	    &p->shutdown_safety_factor);
	cnf_get_double(ctx, g, "floor_margin_c", 0.0, 50.0, &p->floor_margin_c);
	cnf_get_bool(ctx, g, "stale_extrapolate", &p->stale_extrapolate);
	cnf_get_double(ctx, g, "max_override_ttl_s", 60.0, 604800.0,
	    &p->max_override_ttl_s);
	cnf_get_int(ctx, g, "zone_quorum_count", 1, ENG_MAX_PEERS,
	    &p->zone_quorum_count);
	cnf_get_double(
	    ctx, g, "zone_quorum_fraction", 0.0, 1.0, &p->zone_quorum_fraction);
	cnf_get_double(
	    ctx, g, "zone_rise_c_per_h", 0.1, 1000.0, &p->zone_rise_c_per_h);
	cnf_get_double(ctx, g, "zone_high_c", 0.0, 100.0, &p->zone_high_c);
	cnf_get_double(ctx, g, "peer_stale_s", 1.0, 3600.0, &p->peer_stale_s);
	cnf_get_double(
	    ctx, g, "tier_lead_factor", 0.0, 10.0, &p->tier_lead_factor);
	cnf_get_double(ctx, g, "trend_sigma", 0.0, 20.0, &p->trend_sigma);
	cnf_get_double(
	    ctx, g, "sentinel_near_c", 0.0, 100.0, &p->sentinel_near_c);
	cnf_get_double(ctx, g, "min_shutdown_lead_s", 0.0, 3600.0,
	    &p->min_shutdown_lead_s);
	cnf_get_double(ctx, g, "zone_hold_s", 0.0, 86400.0, &p->zone_hold_s);
	cnf_get_double(ctx, g, "override_max_tighten_c", 0.0, 50.0,
	    &p->override_max_tighten_c);
	cnf_get_double(ctx, g, "override_max_lead_factor", 1.0, 10.0,
	    &p->override_max_lead_factor);
	cnf_get_double(ctx, g, "wait_fraction", 0.01, 1.0, &p->wait_fraction);
	cnf_get_int(ctx, g, "confirm_samples", 1, 10, &p->confirm_samples);
	cnf_get_double(ctx, g, "horizon_factor", 0.1, 10.0, &p->horizon_factor);
	cnf_get_double(ctx, g, "frozen_delta_c", 0.1, 50.0, &p->frozen_delta_c);
	cnf_get_double(
	    ctx, g, "sibling_tolerance_c", 0.1, 50.0, &p->sibling_tolerance_c);
}

void
engine_conf_parse(struct cnf_ctx *ctx, const config_setting_t *classes,
    const config_setting_t *policy, struct eng_conf *c)
{
	static const char *const cls_names[] = { "cpu", "inlet", "exhaust",
		"other", NULL };
	char err[256];
	int i, before = ctx->errors;

	if (classes != NULL) {
		cnf_check_keys(ctx, classes, "classes", cls_names);
		for (i = 0; i < ENG_CLASS_COUNT; i++)
			parse_class(ctx, cnf_group(ctx, classes, cls_names[i]),
			    cls_names[i], &c->cls[i]);
	}
	parse_policy(ctx, policy, &c->policy);
	/* Cross-checks only make sense on values that parsed. */
	if (ctx->errors == before && eng_conf_validate(c, err, sizeof(err)) < 0)
		cnf_error(ctx, classes != NULL ? classes : policy, "%s", err);
}

static void
emit_level(config_setting_t *cls, const char *key, const char *lead_key,
    const struct eng_level *l)
{
	config_setting_t *g = cnf_emit_group(cls, key);

	cnf_emit_double(g, "margin_c", l->margin_c);
	cnf_emit_double(g, lead_key, l->lead_s);
}

void
engine_conf_emit(config_setting_t *root, const struct eng_conf *c)
{
	config_setting_t *classes = cnf_emit_group(root, "classes");
	config_setting_t *p;
	int i;

	for (i = 0; i < ENG_CLASS_COUNT; i++) {
		const struct eng_class_conf *cc = &c->cls[i];
		config_setting_t *g = cnf_emit_group(
		    classes, eng_class_name((enum eng_class)i));

		cnf_emit_double(g, "trip_c", cc->trip_c);
		cnf_emit_double(g, "min_valid_c", cc->min_valid_c);
		cnf_emit_double(g, "max_valid_c", cc->max_valid_c);
		cnf_emit_double(g, "max_rate_c_per_s", cc->max_rate_c_per_s);
		cnf_emit_int(g, "filter_window", (int)cc->filter_window);
		cnf_emit_double(g, "trend_window_s", cc->trend_window_s);
		cnf_emit_double(g, "min_slope_c_per_s", cc->min_slope_c_per_s);
		emit_level(g, "warn", "eta_s", &cc->warn);
		emit_level(g, "migrate", "lead_s", &cc->migrate);
		emit_level(g, "shutdown", "lead_s", &cc->shutdown);
		cnf_emit_double(g, "hysteresis_c", cc->hysteresis_c);
		cnf_emit_double(g, "persist_s", cc->persist_s);
		cnf_emit_double(g, "hold_s", cc->hold_s);
		cnf_emit_double(g, "stale_s", cc->stale_s);
		cnf_emit_double(
		    g, "worst_slew_c_per_s", cc->worst_slew_c_per_s);
		cnf_emit_double(g, "max_trend_c_per_s", cc->max_trend_c_per_s);
	}
	p = cnf_emit_group(root, "policy");
	cnf_emit_string(p, "kind", eng_policy_name(c->policy.kind));
	cnf_emit_double(
	    p, "shutdown_safety_factor", c->policy.shutdown_safety_factor);
	cnf_emit_double(p, "floor_margin_c", c->policy.floor_margin_c);
	cnf_emit_bool(p, "stale_extrapolate", c->policy.stale_extrapolate);
	cnf_emit_double(p, "max_override_ttl_s", c->policy.max_override_ttl_s);
	cnf_emit_int(p, "zone_quorum_count", c->policy.zone_quorum_count);
	cnf_emit_double(
	    p, "zone_quorum_fraction", c->policy.zone_quorum_fraction);
	cnf_emit_double(p, "zone_rise_c_per_h", c->policy.zone_rise_c_per_h);
	cnf_emit_double(p, "zone_high_c", c->policy.zone_high_c);
	cnf_emit_double(p, "peer_stale_s", c->policy.peer_stale_s);
	cnf_emit_double(p, "tier_lead_factor", c->policy.tier_lead_factor);
	cnf_emit_double(p, "trend_sigma", c->policy.trend_sigma);
	cnf_emit_double(p, "sentinel_near_c", c->policy.sentinel_near_c);
	cnf_emit_double(
	    p, "min_shutdown_lead_s", c->policy.min_shutdown_lead_s);
	cnf_emit_double(p, "zone_hold_s", c->policy.zone_hold_s);
	cnf_emit_double(
	    p, "override_max_tighten_c", c->policy.override_max_tighten_c);
	cnf_emit_double(
	    p, "override_max_lead_factor", c->policy.override_max_lead_factor);
	cnf_emit_double(p, "wait_fraction", c->policy.wait_fraction);
	cnf_emit_int(p, "confirm_samples", c->policy.confirm_samples);
	cnf_emit_double(p, "horizon_factor", c->policy.horizon_factor);
	cnf_emit_double(p, "frozen_delta_c", c->policy.frozen_delta_c);
	cnf_emit_double(
	    p, "sibling_tolerance_c", c->policy.sibling_tolerance_c);
}
