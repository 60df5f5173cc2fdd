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
 * also tightens overrides already in place).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "eng_int.h"

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

/* The bounds an override value is clamped into. */
static void
key_bounds(const struct eng_conf *conf, struct okey k, double *min, double *max)
{
	const struct eng_class_conf *cc;

	switch (k.kind) {
	case OK_QUIET:
		*min = 0;
		*max = 1;
		break;
	case OK_TRIP:
		/* A trip override may only lower trips. */
		cc = &conf->cls[k.cls];
		*min = cc->min_valid_c;
		*max = cc->trip_c;
		break;
	case OK_MARGIN:
		*min = k.level == 3 ? conf->policy.floor_margin_c : 0.0;
		*max = MAX_MARGIN_C;
		break;
	case OK_LEAD:
		*min = k.level == 3 ? conf->policy.min_shutdown_lead_s : 0.0;
		*max = MAX_LEAD_S;
		break;
	default:
		*min = *max = NAN;
		break;
	}
}

bool
eng_override_key_valid(const char *key, double *min, double *max)
{
	struct eng_conf def;
	struct okey k = parse_key(key);

	if (k.kind == OK_INVALID)
		return false;
	eng_conf_defaults(&def);
	key_bounds(&def, k, min, max);
	return true;
}

bool
eng_override_bounds(
    const struct eng *e, const char *key, double *min, double *max)
{
	struct okey k = parse_key(key);

	if (k.kind == OK_INVALID)
		return false;
	key_bounds(&e->conf, k, min, max);
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

/* The checks of eng_override_set(): 0, 1 with the clamped value in *v,
 * or -1; err says how or why. */
static int
validate(const struct eng *e, const char *key, double value, double ttl_s,
    double *v, char *err, size_t errlen)
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
	key_bounds(&e->conf, k, &min, &max);
	if (k.kind == OK_QUIET)
		*v = value != 0.0 ? 1.0 : 0.0;
	if (*v < min || *v > max) {
		*v = *v < min ? min : max;
		snprintf(err, errlen, "%s: %g clamped to %g (allowed %g..%g)",
		    key, value, *v, min, max);
		ret = 1;
	}
	if (find(e, key) < 0 && e->n_ovr >= ENG_MAX_OVERRIDES) {
		snprintf(err, errlen, "too many overrides (max %d)",
		    ENG_MAX_OVERRIDES);
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

	ret = validate(e, key, value, ttl_s, &v, err, errlen);
	if (ret < 0)
		return ret;
	i = find(e, key);
	if (i < 0)
		i = e->n_ovr++;
	o = &e->ovr[i];
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

static double
clamp(double v, double min, double max)
{
	return v < min ? min : v > max ? max : v;
}

void
ovr_effective(
    const struct eng *e, enum eng_class c, bool zone, struct eff_class *ef)
{
	const struct eng_class_conf *cc = &e->conf.cls[c];
	const struct eng_policy_conf *p = &e->conf.policy;
	double tier_mult = 1.0, min, max;
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

	for (i = 0; i < e->n_ovr; i++) {
		struct okey k = parse_key(e->ovr[i].key);

		if (k.cls != (int)c)
			continue;
		key_bounds(&e->conf, k, &min, &max);
		if (k.kind == OK_TRIP)
			ef->trip_max = clamp(e->ovr[i].value, min, max);
		else if (k.kind == OK_MARGIN)
			ef->margin[k.level] = clamp(e->ovr[i].value, min, max);
		else if (k.kind == OK_LEAD)
			ef->lead[k.level] = clamp(e->ovr[i].value, min, max);
	}
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

int
eng_override_check(const struct eng *e, const char *key, double value,
    double ttl_s, char *err, size_t errlen)
{
	double v;

	return validate(e, key, value, ttl_s, &v, err, errlen);
}

bool
eng_quiet(const struct eng *e)
{
	return ovr_quiet(e);
}
