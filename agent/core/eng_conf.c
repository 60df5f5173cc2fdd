/*
 * eng_conf.c - engine defaults, consistency checks and names.
 *
 * The defaults come from ../shared/FIELD.md: CPU crit 100 C (coretemp),
 * inlet 45 C (Dell inlet UC 47, HP ambient 42), exhaust 75 C (Dell UC),
 * ASHRAE's 20 C/h maximum rate of change for the zone, Oxide's assumed
 * 0.5 C/s worst slew for a CPU, ~2 C/min room rise after a chiller loss.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eng_int.h"

struct class_default {
	double trip, vmin, vmax, rate, window, minslope;
	double warn_m, warn_eta, mig_m, mig_lead, sd_m, sd_lead;
	double hyst, persist, hold, stale, slew, max_trend;
};

static const struct class_default class_defaults[ENG_CLASS_COUNT] = {
	/* cpu: fast sensor, load steps settle in tens of seconds */
	[ENG_CLASS_CPU] = { 100, 5, 130, 10, 120, 0.005, 15, 900, 8, 300, 3,
	    120, 3, 15, 60, 10, 0.5, 0 },
	/* inlet: slow air, BMC readings that may lag a minute */
	[ENG_CLASS_INLET] = { 45, -10, 70, 2, 180, 0.005, 10, 3600, 6, 600, 3,
	    120, 1, 10, 300, 60, 0.05, 0 },
	[ENG_CLASS_EXHAUST] = { 75, -10, 110, 5, 120, 0.003, 12, 1800, 7, 600,
	    3, 120, 2, 5, 120, 60, 0.1, 0 },
	[ENG_CLASS_OTHER] = { 90, -10, 150, 10, 120, 0.003, 12, 1800, 7, 600, 3,
	    120, 2, 5, 120, 30, 0.2, 0 },
};

void
eng_conf_defaults(struct eng_conf *conf)
{
	int c;

	memset(conf, 0, sizeof(*conf));
	for (c = 0; c < ENG_CLASS_COUNT; c++) {
		const struct class_default *d = &class_defaults[c];
		struct eng_class_conf *cc = &conf->cls[c];

		cc->trip_c = d->trip;
		cc->min_valid_c = d->vmin;
		cc->max_valid_c = d->vmax;
		cc->max_rate_c_per_s = d->rate;
		cc->filter_window = 3;
		cc->trend_window_s = d->window;
		cc->min_slope_c_per_s = d->minslope;
		cc->warn.margin_c = d->warn_m;
		cc->warn.lead_s = d->warn_eta;
		cc->migrate.margin_c = d->mig_m;
		cc->migrate.lead_s = d->mig_lead;
		cc->shutdown.margin_c = d->sd_m;
		cc->shutdown.lead_s = d->sd_lead;
		cc->hysteresis_c = d->hyst;
		cc->persist_s = d->persist;
		cc->hold_s = d->hold;
		cc->stale_s = d->stale;
		cc->worst_slew_c_per_s = d->slew;
		cc->max_trend_c_per_s = d->max_trend;
	}
	conf->policy.kind = ENG_POLICY_THERMWATCH;
	conf->policy.shutdown_safety_factor = 1.75;
	conf->policy.floor_margin_c = 2.0;
	conf->policy.stale_extrapolate = true;
	conf->policy.max_override_ttl_s = 4 * 3600.0;
	conf->policy.zone_quorum_count = 2;
	conf->policy.zone_quorum_fraction = 0.5;
	conf->policy.zone_rise_c_per_h = 20.0;
	conf->policy.zone_high_c = 35.0;
	conf->policy.peer_stale_s = 60.0;
	conf->policy.tier_lead_factor = 0.5;
	conf->policy.trend_sigma = 3.0;
	conf->policy.sentinel_near_c = 10.0;
	conf->policy.min_shutdown_lead_s = 30.0;
	conf->policy.zone_hold_s = 300.0;
	conf->policy.override_max_tighten_c = 5.0;
	conf->policy.override_max_lead_factor = 2.0;
	conf->policy.wait_fraction = 0.2;
	conf->policy.confirm_samples = 2;
	conf->policy.horizon_factor = 1.0;
	conf->policy.frozen_delta_c = 2.0;
	conf->policy.sibling_tolerance_c = 3.0;
	conf->tier = 2;
}

#define CHECK(cond, ...)                                    \
	do {                                                \
		if (!(cond)) {                              \
			snprintf(err, errlen, __VA_ARGS__); \
			return -1;                          \
		}                                           \
	} while (0)

static int
check_class(const struct eng_conf *conf, int c, char *err, size_t errlen)
{
	const struct eng_class_conf *cc = &conf->cls[c];
	const char *n = eng_class_name((enum eng_class)c);
	int w = (int)cc->filter_window;

	CHECK(cc->min_valid_c < cc->max_valid_c,
	    "classes.%s: min_valid_c (%g) must be below max_valid_c (%g)", n,
	    cc->min_valid_c, cc->max_valid_c);
	CHECK(cc->trip_c > cc->min_valid_c && cc->trip_c <= cc->max_valid_c,
	    "classes.%s: trip_c (%g) must lie in (min_valid_c, max_valid_c]", n,
	    cc->trip_c);
	CHECK(
	    w == cc->filter_window && w >= 1 && w <= ENG_MAX_FILTER && (w & 1),
	    "classes.%s: filter_window (%g) must be odd, 1..%d", n,
	    cc->filter_window, ENG_MAX_FILTER);
	CHECK(cc->max_rate_c_per_s > 0,
	    "classes.%s: max_rate_c_per_s must "
	    "be positive",
	    n);
	CHECK(cc->trend_window_s > 0,
	    "classes.%s: trend_window_s must be "
	    "positive",
	    n);
	CHECK(cc->warn.margin_c >= cc->migrate.margin_c &&
		cc->migrate.margin_c >= cc->shutdown.margin_c,
	    "classes.%s: margins must not increase from warn (%g) over "
	    "migrate (%g) to shutdown (%g)",
	    n, cc->warn.margin_c, cc->migrate.margin_c, cc->shutdown.margin_c);
	CHECK(cc->warn.lead_s >= cc->migrate.lead_s &&
		cc->migrate.lead_s >= cc->shutdown.lead_s,
	    "classes.%s: lead times must not increase from warn (%g) over "
	    "migrate (%g) to shutdown (%g)",
	    n, cc->warn.lead_s, cc->migrate.lead_s, cc->shutdown.lead_s);
	CHECK(cc->shutdown.margin_c >= conf->policy.floor_margin_c,
	    "classes.%s: shutdown.margin_c (%g) is below policy.floor_margin_c"
	    " (%g)",
	    n, cc->shutdown.margin_c, conf->policy.floor_margin_c);
	CHECK(cc->shutdown.lead_s >= conf->policy.min_shutdown_lead_s,
	    "classes.%s: shutdown.lead_s (%g) is below "
	    "policy.min_shutdown_lead_s (%g)",
	    n, cc->shutdown.lead_s, conf->policy.min_shutdown_lead_s);
	CHECK(cc->hysteresis_c >= 0 && cc->persist_s >= 0 && cc->hold_s >= 0,
	    "classes.%s: hysteresis_c, persist_s and hold_s must not be "
	    "negative",
	    n);
	CHECK(cc->stale_s > 0, "classes.%s: stale_s must be positive", n);
	CHECK(cc->worst_slew_c_per_s > 0,
	    "classes.%s: worst_slew_c_per_s "
	    "must be positive",
	    n);
	CHECK(cc->max_trend_c_per_s == 0 ||
		cc->max_trend_c_per_s >= cc->min_slope_c_per_s,
	    "classes.%s: max_trend_c_per_s must be 0 (no cap) or at least "
	    "min_slope_c_per_s",
	    n);
	return 0;
}

int
eng_conf_validate(const struct eng_conf *conf, char *err, size_t errlen)
{
	const struct eng_policy_conf *p = &conf->policy;
	int c;

	if (errlen > 0)
		err[0] = '\0';
	CHECK((unsigned)p->kind <= ENG_POLICY_NONE, "policy.kind: unknown");
	CHECK(p->shutdown_safety_factor >= 1.0,
	    "policy.shutdown_safety_factor (%g) must be at least 1",
	    p->shutdown_safety_factor);
	CHECK(p->floor_margin_c >= 0,
	    "policy.floor_margin_c must not be "
	    "negative");
	CHECK(p->max_override_ttl_s > 0,
	    "policy.max_override_ttl_s must be "
	    "positive");
	CHECK(p->zone_quorum_count >= 1,
	    "policy.zone_quorum_count must be "
	    "at least 1");
	CHECK(p->zone_quorum_fraction >= 0 && p->zone_quorum_fraction <= 1,
	    "policy.zone_quorum_fraction must be in 0..1");
	CHECK(p->zone_rise_c_per_h > 0,
	    "policy.zone_rise_c_per_h must be "
	    "positive");
	CHECK(p->peer_stale_s > 0, "policy.peer_stale_s must be positive");
	CHECK(p->tier_lead_factor >= 0,
	    "policy.tier_lead_factor must not be "
	    "negative");
	CHECK(p->trend_sigma >= 0, "policy.trend_sigma must not be negative");
	CHECK(p->min_shutdown_lead_s >= 0,
	    "policy.min_shutdown_lead_s must "
	    "not be negative");
	CHECK(p->zone_hold_s >= 0, "policy.zone_hold_s must not be negative");
	CHECK(p->wait_fraction > 0 && p->wait_fraction <= 1,
	    "policy.wait_fraction (%g) must be in (0, 1]", p->wait_fraction);
	CHECK(p->confirm_samples >= 1 && p->confirm_samples <= 10,
	    "policy.confirm_samples (%d) must be in 1..10", p->confirm_samples);
	CHECK(p->horizon_factor > 0, "policy.horizon_factor must be positive");
	CHECK(p->frozen_delta_c > 0, "policy.frozen_delta_c must be positive");
	CHECK(p->sibling_tolerance_c > 0,
	    "policy.sibling_tolerance_c must be positive");
	CHECK(conf->tier >= 0 && conf->tier <= ENG_MAX_TIER,
	    "tier (%d) must be in 0..%d", conf->tier, ENG_MAX_TIER);
	for (c = 0; c < ENG_CLASS_COUNT; c++)
		if (check_class(conf, c, err, errlen) < 0)
			return -1;
	return 0;
}

static const char *const state_names[ENG_STATE_COUNT] = { "ok", "warn", "hot",
	"critical", "degraded" };
static const char *const class_names[ENG_CLASS_COUNT] = { "cpu", "inlet",
	"exhaust", "other" };
static const char *const action_names[] = { "notify", "migrate", "shutdown",
	"hold" };
static const char *const trip_src_names[] = { "hw", "config", "class" };
static const char *const policy_names[] = { "thermwatch", "static", "none" };
static const char *const level_names[LEVEL_COUNT] = { "none", "warn", "migrate",
	"shutdown" };

const char *
eng_state_name(enum eng_state s)
{
	return (unsigned)s < ENG_STATE_COUNT ? state_names[s] : "?";
}

const char *
eng_class_name(enum eng_class c)
{
	return (unsigned)c < ENG_CLASS_COUNT ? class_names[c] : "?";
}

const char *
eng_action_name(enum eng_action a)
{
	return (unsigned)a <= ENG_ACT_HOLD ? action_names[a] : "?";
}

const char *
eng_trip_src_name(enum eng_trip_src s)
{
	return (unsigned)s <= ENG_TRIP_CLASS_DEFAULT ? trip_src_names[s] : "?";
}

const char *
eng_policy_name(enum eng_policy_kind k)
{
	return (unsigned)k <= ENG_POLICY_NONE ? policy_names[k] : "?";
}

const char *
eng_level_name(int level)
{
	return level >= 0 && level < LEVEL_COUNT ? level_names[level] : "?";
}

int
eng_class_from_name(const char *name)
{
	int i;

	for (i = 0; i < ENG_CLASS_COUNT; i++)
		if (strcmp(name, class_names[i]) == 0)
			return i;
	return -1;
}

int
eng_policy_from_name(const char *name)
{
	int i;

	for (i = 0; i <= ENG_POLICY_NONE; i++)
		if (strcmp(name, policy_names[i]) == 0)
			return i;
	return -1;
}
