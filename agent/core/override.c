/*
 * override.c - operator overrides: bounded, attributed, expiring.
 *
 * Key grammar:
 *	quiet
 *	<class>.trip_c
 *	<class>.<level>.margin_c
 *	<class>.<level>.lead_s
 * with <class> cpu|inlet|exhaust|other and <level> warn|migrate|shutdown.
 *
 * Bounds are enforced twice: when an override is set (so the operator is
 * told) and again whenever it is used (so a reload that raises the floor
 * also tightens overrides already in place). The rule that makes an
 * override unable to start a shutdown is in override.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eng_int.h"
#include "override.h"

#define MAX_MARGIN_C 100.0
#define MAX_LEAD_S   86400.0

enum okind { OK_INVALID, OK_QUIET, OK_TRIP, OK_MARGIN, OK_LEAD };

struct okey {
	enum okind kind;
	int cls;
	int level;
};

static const char *const lvl_names[] = { "warn", "migrate", "shutdown" };

static struct okey
parse_key(const char *key)
{
	struct okey k = { OK_INVALID, -1, 0 };
	char cls[16];
	const char *dot, *rest;
	size_t n;
	int i;

	if (strcmp(key, "quiet") == 0) {
		k.kind = OK_QUIET;
		return k;
	}
	dot = strchr(key, '.');
	if (dot == NULL || (n = (size_t)(dot - key)) >= sizeof(cls))
		return k;
	memcpy(cls, key, n);
	cls[n] = '\0';
	k.cls = eng_class_from_name(cls);
	if (k.cls < 0)
		return k;
	rest = dot + 1;
	if (strcmp(rest, "trip_c") == 0) {
		k.kind = OK_TRIP;
		return k;
	}
	for (i = 0; i < 3; i++) {
		n = strlen(lvl_names[i]);
		if (strncmp(rest, lvl_names[i], n) != 0 || rest[n] != '.')
			continue;
		k.level = i + 1;
		if (strcmp(rest + n + 1, "margin_c") == 0)
			k.kind = OK_MARGIN;
		else if (strcmp(rest + n + 1, "lead_s") == 0)
			k.kind = OK_LEAD;
		return k;
	}
	return k;
}

/* The bounds an override value is clamped into, from the config alone. */
static void
key_bounds(const struct eng_class_conf *cls, const struct eng_policy_conf *p,
    struct okey k, double *min, double *max)
{
	const struct eng_class_conf *cc;

	switch (k.kind) {
	case OK_QUIET:
		*min = 0;
		*max = 1;
		break;
	case OK_TRIP:
		/* A trip override may only lower trips, and not far. */
		cc = &cls[k.cls];
		*min = cc->trip_c - p->override_max_tighten_c;
		if (*min < cc->min_valid_c)
			*min = cc->min_valid_c;
		*max = cc->trip_c;
		break;
	case OK_MARGIN:
		cc = &cls[k.cls];
		*min = k.level == 3 ? p->floor_margin_c : 0.0;
		*max = k.level == 3
		    ? cc->shutdown.margin_c + p->override_max_tighten_c
		    : MAX_MARGIN_C;
		break;
	case OK_LEAD:
		cc = &cls[k.cls];
		*min = k.level == 3 ? p->min_shutdown_lead_s : 0.0;
		*max = k.level == 3
		    ? cc->shutdown.lead_s * p->override_max_lead_factor
		    : MAX_LEAD_S;
		if (*max < *min)
			*max = *min;
		break;
	default:
		*min = *max = NAN;
		break;
	}
}

static bool
moves_level(struct okey k)
{
	return k.kind == OK_TRIP || (k.kind == OK_MARGIN && k.level == 3);
}

static bool
shutdown_side(struct okey k)
{
	return moves_level(k) || (k.kind == OK_LEAD && k.level == 3);
}

static double
clamp(double v, double min, double max)
{
	return v < min ? min : v > max ? max : v;
}

static int find(const struct eng *e, const char *key);

/*
 * How far down the other override of a class's shutdown level (the margin
 * for a trip key, the trip for a margin key) moves that level, in C;
 * negative when it relaxes it, 0 when there is none.
 */
static double
other_move(const struct eng *e, struct okey k)
{
	const struct eng_class_conf *cc = &e->conf.cls[k.cls];
	const char *cn = eng_class_name((enum eng_class)k.cls);
	struct okey o = { k.kind == OK_TRIP ? OK_MARGIN : OK_TRIP, k.cls, 3 };
	char key[ENG_KEY_LEN];
	double min, max;
	int i;

	snprintf(key, sizeof(key),
	    o.kind == OK_TRIP ? "%s.trip_c" : "%s.shutdown.margin_c", cn);
	if ((i = find(e, key)) < 0)
		return 0.0;
	key_bounds(e->conf.cls, &e->conf.policy, o, &min, &max);
	if (o.kind == OK_TRIP)
		return cc->trip_c - clamp(e->ovr[i].value, min, max);
	return clamp(e->ovr[i].value, min, max) - cc->shutdown.margin_c;
}

/* key_bounds, and the trip and margin overrides of a class together move
 * its shutdown level at most policy.override_max_tighten_c. */
static void
engine_bounds(const struct eng *e, struct okey k, double *min, double *max)
{
	const struct eng_class_conf *cc;
	double left;

	key_bounds(e->conf.cls, &e->conf.policy, k, min, max);
	if (!moves_level(k))
		return;
	cc = &e->conf.cls[k.cls];
	left = e->conf.policy.override_max_tighten_c - other_move(e, k);
	if (left < 0)
		left = 0;
	if (k.kind == OK_TRIP && cc->trip_c - left > *min)
		*min = cc->trip_c - left < *max ? cc->trip_c - left : *max;
	if (k.kind == OK_MARGIN && cc->shutdown.margin_c + left < *max)
		*max = cc->shutdown.margin_c + left > *min
		    ? cc->shutdown.margin_c + left
		    : *min;
}

bool
eng_override_key_valid(const char *key, double *min, double *max)
{
	struct eng_conf def;
	struct okey k = parse_key(key);

	if (k.kind == OK_INVALID)
		return false;
	eng_conf_defaults(&def);
	key_bounds(def.cls, &def.policy, k, min, max);
	return true;
}

bool
eng_override_bounds(
    const struct eng *e, const char *key, double *min, double *max)
{
	struct okey k = parse_key(key);

	if (k.kind == OK_INVALID)
		return false;
	engine_bounds(e, k, min, max);
	return true;
}

static int
find(const struct eng *e, const char *key)
{
	int i;

	for (i = 0; i < e->n_ovr; i++)
		if (strcmp(e->ovr[i].key, key) == 0)
			return i;
	return -1;
}

static const char *const scope_names[] = { "host", "zone", "site" };

const char *
eng_scope_name(enum eng_scope s)
{
	return (unsigned)s <= ENG_SCOPE_SITE ? scope_names[s] : "unknown";
}

bool
eng_override_shutdown_side(const char *key)
{
	return shutdown_side(parse_key(key));
}

static void effective(const struct eng *e, enum eng_class c, bool zone,
    const struct eng_override *cand, struct eff_class *ef);

/*
 * Would the override key = v, on its own and now, make a sensor of its
 * class critical? Only a tightening can: a shutdown level moved down to
 * the sensor's value (plus hysteresis), or a shutdown lead grown past the
 * sensor's eta (x LEAD_CLEAR, the eta a level needs to clear). -1 with
 * err when so.
 */
static int
check_not_starting(const struct eng *e, struct okey k, const char *key,
    double v, char *err, size_t errlen)
{
	struct eng_override cand;
	struct eff_class before, after;
	struct eng_sensor_view sv;
	double x, lb, la;
	int i;

	memset(&cand, 0, sizeof(cand));
	snprintf(cand.key, sizeof(cand.key), "%s", key);
	cand.value = v;
	effective(e, (enum eng_class)k.cls, e->zone_alarm, NULL, &before);
	effective(e, (enum eng_class)k.cls, e->zone_alarm, &cand, &after);
	for (i = 0; i < eng_sensor_count(e); i++) {
		eng_sensor_view(e, i, &sv);
		if ((int)sv.cls != k.cls || sv.status == ENG_SENSOR_REMOVED)
			continue;
		x = sv.filtered_c;
		if (isnan(x) || (!isnan(sv.value_c) && sv.value_c > x))
			x = sv.value_c;
		if (isnan(x))
			continue;
		lb = fmin(sv.trip_c, before.trip_max) - before.margin[3];
		la = fmin(sv.trip_c, after.trip_max) - after.margin[3];
		if (la < lb && la <= x + after.hyst) {
			snprintf(err, errlen,
			    "%s: %g would put the shutdown level of %s at "
			    "%.1f C, not above its %.1f C + hysteresis %.1f C: "
			    "an override never starts a shutdown",
			    key, v, sv.id, la, x, after.hyst);
			return -1;
		}
		if (after.lead[3] > before.lead[3] &&
		    sv.eta_s <= after.lead[3] * LEAD_CLEAR) {
			snprintf(err, errlen,
			    "%s: %g would put the eta of %s (%.0f s) within "
			    "the shutdown lead (%.0f s): an override never "
			    "starts a shutdown",
			    key, v, sv.id, sv.eta_s, after.lead[3]);
			return -1;
		}
	}
	return 0;
}

/* The checks of eng_override_set(): 0, 1 with the clamped value in *v,
 * or -1; err says how or why. */
static int
validate(const struct eng *e, const char *key, double value, double ttl_s,
    enum eng_scope scope, double *v, char *err, size_t errlen)
{
	struct okey k = parse_key(key);
	double min, max;
	int ret = 0;

	if (errlen > 0)
		err[0] = '\0';
	*v = value;
	if (k.kind == OK_INVALID || strlen(key) >= ENG_KEY_LEN) {
		snprintf(err, errlen, "unknown override key \"%s\"", key);
		return -1;
	}
	if (!isfinite(value)) {
		snprintf(err, errlen, "%s: value must be a finite number", key);
		return -1;
	}
	if (!(ttl_s > 0)) {
		snprintf(
		    err, errlen, "%s: a ttl is required (seconds > 0)", key);
		return -1;
	}
	if (ttl_s > e->conf.policy.max_override_ttl_s) {
		snprintf(err, errlen,
		    "%s: ttl %.0f s exceeds the maximum of "
		    "%.0f s (policy.max_override_ttl_s)",
		    key, ttl_s, e->conf.policy.max_override_ttl_s);
		return -1;
	}
	if (scope != ENG_SCOPE_HOST && shutdown_side(k)) {
		snprintf(err, errlen,
		    "%s: moves the shutdown level or lead, which only a "
		    "request for this one host may do, not one for the whole "
		    "%s",
		    key, eng_scope_name(scope));
		return -1;
	}
	engine_bounds(e, k, &min, &max);
	if (k.kind == OK_QUIET)
		*v = value != 0.0 ? 1.0 : 0.0;
	if (*v < min || *v > max) {
		*v = *v < min ? min : max;
		snprintf(err, errlen, "%s: %g clamped to %g (allowed %g..%g)",
		    key, value, *v, min, max);
		ret = 1;
	}
	if (shutdown_side(k) &&
	    check_not_starting(e, k, key, *v, err, errlen) < 0)
		return -1;
	if (find(e, key) < 0 && e->n_ovr >= e->cap_ovr) {
		snprintf(
		    err, errlen, "too many overrides (max %d)", e->cap_ovr);
		return -1;
	}
	return ret;
}

int
eng_override_set(struct eng *e, const char *key, double value, double ttl_s,
    const char *reason, const char *author, int64_t now_ms, char *err,
    size_t errlen)
{
	struct eng_override *o;
	double v;
	int i, ret;

	ret = validate(e, key, value, ttl_s, ENG_SCOPE_HOST, &v, err, errlen);
	if (ret < 0)
		return ret;
	i = find(e, key);
	if (i < 0)
		i = e->n_ovr++;
	o = &e->ovr[i];
	e->eff_valid = false;
	memset(o, 0, sizeof(*o));
	snprintf(o->key, sizeof(o->key), "%s", key);
	o->value = v;
	o->expires_ms = now_ms + (int64_t)ceil(ttl_s * 1000.0);
	snprintf(o->reason, sizeof(o->reason), "%s", reason ? reason : "");
	snprintf(o->author, sizeof(o->author), "%s", author ? author : "");
	return ret;
}

static void
remove_at(struct eng *e, int i)
{
	e->eff_valid = false;
	e->n_ovr--;
	if (i != e->n_ovr)
		memmove(&e->ovr[i], &e->ovr[i + 1],
		    (size_t)(e->n_ovr - i) * sizeof(e->ovr[0]));
}

int
eng_override_clear(struct eng *e, const char *key)
{
	int i = find(e, key);

	if (i < 0)
		return -1;
	remove_at(e, i);
	return 0;
}

int
eng_override_count(const struct eng *e)
{
	return e->n_ovr;
}

const struct eng_override *
eng_override_get(const struct eng *e, int i)
{
	if (i < 0 || i >= e->n_ovr)
		return NULL;
	return &e->ovr[i];
}

void
ovr_expire(struct eng *e, int64_t now_ms, struct eng_output *out)
{
	int i = 0;

	while (i < e->n_ovr) {
		if (e->ovr[i].expires_ms > now_ms) {
			i++;
			continue;
		}
		if (out->n_expired < ENG_MAX_OVERRIDES)
			snprintf(out->expired[out->n_expired++], ENG_KEY_LEN,
			    "%s", e->ovr[i].key);
		remove_at(e, i);
	}
}

bool
ovr_quiet(const struct eng *e)
{
	int i = find(e, "quiet");

	return i >= 0 && e->ovr[i].value != 0.0;
}

/* Apply one override (clamped into its bounds) to ef. */
static void
apply_one(const struct eng *e, enum eng_class c, const struct eng_override *o,
    struct eff_class *ef)
{
	struct okey k = parse_key(o->key);
	double min, max;

	if (k.cls != (int)c)
		return;
	key_bounds(e->conf.cls, &e->conf.policy, k, &min, &max);
	if (k.kind == OK_TRIP)
		ef->trip_max = clamp(o->value, min, max);
	else if (k.kind == OK_MARGIN)
		ef->margin[k.level] = clamp(o->value, min, max);
	else if (k.kind == OK_LEAD)
		ef->lead[k.level] = clamp(o->value, min, max);
}

/* Class c's settings with the overrides in force, cand (when not NULL)
 * in place of the one with its key. */
static void
effective(const struct eng *e, enum eng_class c, bool zone,
    const struct eng_override *cand, struct eff_class *ef)
{
	const struct eng_class_conf *cc = &e->conf.cls[c];
	const struct eng_policy_conf *p = &e->conf.policy;
	double tier_mult = 1.0, moved;
	int i;

	ef->trip_max = INFINITY;
	ef->margin[0] = -INFINITY;
	ef->lead[0] = -INFINITY;
	ef->margin[1] = cc->warn.margin_c;
	ef->lead[1] = cc->warn.lead_s;
	ef->margin[2] = cc->migrate.margin_c;
	ef->lead[2] = cc->migrate.lead_s;
	ef->margin[3] = cc->shutdown.margin_c;
	ef->lead[3] = cc->shutdown.lead_s;
	ef->hyst = cc->hysteresis_c;
	ef->persist_ms = (int64_t)(cc->persist_s * 1000.0);
	ef->hold_ms = (int64_t)(cc->hold_s * 1000.0);
	ef->stale_ms = (int64_t)(cc->stale_s * 1000.0);
	ef->wait_fraction = p->wait_fraction;
	ef->confirm_samples = p->confirm_samples;

	for (i = 0; i < e->n_ovr; i++)
		if (cand == NULL || strcmp(e->ovr[i].key, cand->key) != 0)
			apply_one(e, c, &e->ovr[i], ef);
	if (cand != NULL)
		apply_one(e, c, cand, ef);
	/* Trip and margin overrides together move the shutdown level at
	 * most override_max_tighten_c (a reload may have lowered it). */
	moved = (isinf(ef->trip_max) ? 0.0 : cc->trip_c - ef->trip_max) +
	    ef->margin[3] - cc->shutdown.margin_c;
	if (moved > p->override_max_tighten_c)
		ef->margin[3] -= moved - p->override_max_tighten_c;
	/* The floor holds whatever the config or an override says. */
	if (ef->margin[3] < p->floor_margin_c)
		ef->margin[3] = p->floor_margin_c;
	if (ef->lead[3] < p->min_shutdown_lead_s)
		ef->lead[3] = p->min_shutdown_lead_s;
	ef->lead[3] *= p->shutdown_safety_factor;
	/* In a zone alarm the less important hosts move first: their
	 * migrate and shutdown levels, both margins and leads, grow with
	 * the tier number. Leads alone would not do: in a slow rise every
	 * host reaches its shutdown margin at about the same time. */
	if (zone)
		tier_mult = 1.0 + p->tier_lead_factor * e->conf.tier;
	/* The host's own shutdown margin: the config's (floored), or an
	 * override's where that is narrower. A wider one, like the tier's,
	 * is a signal from outside that needs the host's own rise. */
	ef->sd_margin_own = cc->shutdown.margin_c > p->floor_margin_c
	    ? cc->shutdown.margin_c
	    : p->floor_margin_c;
	if (ef->margin[3] < ef->sd_margin_own)
		ef->sd_margin_own = ef->margin[3];
	ef->sd_margin_tier = ef->sd_margin_own * tier_mult;
	ef->warn_margin_own = cc->warn.margin_c;
	ef->lead[2] *= tier_mult;
	ef->lead[3] *= tier_mult;
	ef->margin[2] *= tier_mult;
	ef->margin[3] *= tier_mult;
}

void
ovr_effective(
    const struct eng *e, enum eng_class c, bool zone, struct eff_class *ef)
{
	effective(e, c, zone, NULL, ef);
}

const struct eff_class *
ovr_effective_all(struct eng *e, bool zone)
{
	int c;

	/* what effective() reads: the configuration (conf_gen), the
	 * overrides (eff_valid; an expiry removes one, ovr_expire) and the
	 * zone flag */
	if (!e->eff_valid || e->eff_zone != zone || e->eff_gen != e->conf_gen) {
		for (c = 0; c < ENG_CLASS_COUNT; c++)
			effective(e, (enum eng_class)c, zone, NULL, &e->eff[c]);
		e->eff_valid = true;
		e->eff_zone = zone;
		e->eff_gen = e->conf_gen;
	}
	return e->eff;
}

int
eng_override_check(const struct eng *e, const char *key, double value,
    double ttl_s, char *err, size_t errlen)
{
	double v;

	return validate(e, key, value, ttl_s, ENG_SCOPE_HOST, &v, err, errlen);
}

int
eng_override_check_scope(const struct eng *e, const char *key, double value,
    double ttl_s, enum eng_scope scope, double *applied, char *err,
    size_t errlen)
{
	double v;
	int rc = validate(e, key, value, ttl_s, scope, &v, err, errlen);

	if (applied != NULL)
		*applied = v;
	return rc;
}

bool
eng_quiet(const struct eng *e)
{
	return ovr_quiet(e);
}
