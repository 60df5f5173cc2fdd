/*
 * engine_state_decode.c - the engine state file's format, reading: JSON
 * (cJSON) back to engine snapshots, refusing anything we would not have
 * written, and the rule of whose and how old a file may seed an engine.
 * Writing: engine_state_json.c. See engine_state.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "engine_state.h"
#include "json_num.h"
#include "json_strict.h"

/* Bounds of what a file may say (ours never say more). */
#define MAX_AGE_MS    (7LL * 24 * 3600 * 1000) /* a point, a last value */
#define MAX_RISE_MS   (365LL * 24 * 3600 * 1000)
#define MAX_MODEL_S   (10.0 * 365 * 24 * 3600)
#define MAX_RHO       100.0
#define MAX_MODEL_C   1000.0 /* a model inlet, however far off */
#define FUTURE_SLOP_S 2.0    /* wall clocks of one host, a few s apart */

/* --- decoding: every member checked, any doubt refuses the file --- */

struct dec {
	char *why;
	size_t len;
};

static int
fail(struct dec *d, const char *fmt, const char *what)
{
	snprintf(d->why, d->len, fmt, what);
	return -1;
}

/* A number member within [lo, hi]; required unless opt (then *v stays). */
static int
num(struct dec *d, const cJSON *o, const char *key, double lo, double hi,
    bool opt, double *v)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	if (j == NULL && opt)
		return 0;
	if (!cJSON_IsNumber(j))
		return fail(d, "\"%s\" is missing or not a number", key);
	if (!isfinite(j->valuedouble) || j->valuedouble < lo ||
	    j->valuedouble > hi)
		return fail(d, "\"%s\" is out of range", key);
	*v = j->valuedouble;
	return 0;
}

/* A whole number of ms in [0, hi]. */
static int
ms(struct dec *d, const cJSON *o, const char *key, int64_t hi, bool opt,
    int64_t *v)
{
	double x = NAN;

	if (num(d, o, key, 0, (double)hi, opt, &x) < 0)
		return -1;
	if (isnan(x))
		return 0;
	if (x != floor(x))
		return fail(d, "\"%s\" is not a whole number", key);
	*v = (int64_t)x;
	return 0;
}

static int
str(struct dec *d, const cJSON *o, const char *key, char *buf, size_t len)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsString(j))
		return fail(d, "\"%s\" is missing or not a string", key);
	if (strlen(j->valuestring) >= len)
		return fail(d, "\"%s\" is too long", key);
	memcpy(buf, j->valuestring, strlen(j->valuestring) + 1);
	return 0;
}

static int
points(struct dec *d, const cJSON *o, const struct eng_class_conf *cc,
    struct eng_snap_sensor *s)
{
	const cJSON *ages = cJSON_GetObjectItemCaseSensitive(o, "age_ms");
	const cJSON *vals = cJSON_GetObjectItemCaseSensitive(o, "value_c");
	const cJSON *a, *v;
	int n;

	if (ages == NULL && vals == NULL)
		return 0; /* a sensor not in a rise: none written */
	if (!cJSON_IsArray(ages) || !cJSON_IsArray(vals))
		return fail(d, "%s: points are not arrays", s->id);
	n = cJSON_GetArraySize(ages);
	if (n != cJSON_GetArraySize(vals) || n > ENG_SNAP_POINTS)
		return fail(
		    d, "%s: points of unequal or too great number", s->id);
	for (a = ages->child, v = vals->child; a != NULL && v != NULL;
	     a = a->next, v = v->next) {
		int k = s->n_points;

		if (!cJSON_IsNumber(a) || !cJSON_IsNumber(v) ||
		    !(a->valuedouble >= 0 && a->valuedouble <= MAX_AGE_MS) ||
		    a->valuedouble != floor(a->valuedouble) ||
		    !(v->valuedouble >= cc->min_valid_c &&
			v->valuedouble <= cc->max_valid_c))
			return fail(d, "%s: a point is out of range", s->id);
		s->age_ms[k] = (int64_t)a->valuedouble;
		s->value_c[k] = v->valuedouble;
		if (k > 0 && s->age_ms[k] < s->age_ms[k - 1])
			return fail(
			    d, "%s: points are not newest first", s->id);
		s->n_points++;
	}
	return 0;
}

static void warn(
    struct est_file *out, const char *group, const char *why, const char *what);

/* enum evsrc (eng_int.h) by its name in a file (engine_state_json.c);
 * -1 unknown */
static int
src_of(const cJSON *o, const char *key)
{
	static const char *const names[] = { "zone", "inlet", "model" };
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
	int k;

	for (k = 0; cJSON_IsString(j) && k < 3; k++)
		if (strcmp(j->valuestring, names[k]) == 0)
			return k + 1;
	return -1;
}

/* An evidence reference of group g (its members src, ev_c, rho, the
 * sensor's value c_key and age_key, no older than max_age_ms). */
static int
ref(struct dec *d, const cJSON *g, const char *c_key, const char *age_key,
    double lo, double hi, int64_t max_age_ms, struct eng_snap_ref *r)
{
	r->src = src_of(g, "src");
	r->rho = 0;
	if (r->src < 0)
		return fail(d, "\"%s\" is missing or unknown", "src");
	return num(d, g, "ev_c", -MAX_MODEL_C, MAX_MODEL_C, false, &r->ev) <
		    0 ||
		num(d, g, "rho", 0, MAX_RHO, true, &r->rho) < 0 ||
		num(d, g, c_key, lo, hi, false, &r->v) < 0 ||
		ms(d, g, age_key, max_age_ms, false, &r->age_ms) < 0
	    ? -1
	    : 0;
}

/*
 * Engine snapshot 3's groups of a sensor, each optional and checked on
 * its own: "run" (its run of one value, frozen or a candidate),
 * "trusted" (its last trusted reference) and "step" (the inlet step it
 * holds). A malformed or out-of-range one is left out with what needs it
 * and said in out->warn (the sensor and the member); the rest stands.
 */
static void
sensor_v3(const cJSON *o, const struct eng_class_conf *cc,
    struct eng_snap_sensor *s, struct est_file *out)
{
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(o, "run");
	const cJSON *tr = cJSON_GetObjectItemCaseSensitive(o, "trusted");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "step");
	double lo = cc->min_valid_c, hi = cc->max_valid_c, n = 0, noise = 0;
	char why[128], what[160];
	struct dec d = { why, sizeof(why) };

	s->alarm_v0_c = s->step_from_c = s->step_to_c = NAN;
	s->step_ev_c[0] = s->step_ev_c[1] = NAN;
	s->frozen_cond_age_ms = -1;
	s->trusted_ref.age_ms = s->run_ref.age_ms = -1;
	if (tr != NULL &&
	    (!cJSON_IsObject(tr) ||
		ref(&d, tr, "c", "age_ms", lo, hi, MAX_RISE_MS,
		    &s->trusted_ref) < 0)) {
		if (!cJSON_IsObject(tr))
			snprintf(why, sizeof(why), "not an object");
		snprintf(what, sizeof(what),
		    "sensor %s: its last trusted reference not restored",
		    s->id);
		warn(out, "trusted", why, what);
		memset(&s->trusted_ref, 0, sizeof(s->trusted_ref));
		s->trusted_ref.age_ms = -1;
	}
	if (run != NULL) {
		const cJSON *fz = cJSON_GetObjectItemCaseSensitive(
		    run, "frozen");
		int rc = -1;

		if (!cJSON_IsObject(run))
			snprintf(why, sizeof(why), "not an object");
		else if (num(&d, run, "n", 3, 4294967295.0, false, &n) < 0 ||
		    n != floor(n) ||
		    num(&d, run, "c", lo, hi, false, &s->run_c) < 0 ||
		    ms(&d, run, "age_ms", MAX_RISE_MS, false, &s->run_age_ms) <
			0 ||
		    num(&d, run, "noise_c", 0, hi - lo, false, &noise) < 0 ||
		    ms(&d, run, "cond_age_ms", s->run_age_ms, true,
			&s->frozen_cond_age_ms) < 0 ||
		    ref(&d, run, "ref_c", "ref_age_ms", lo, hi, s->run_age_ms,
			&s->run_ref) < 0 ||
		    num(&d, run, "alarm_v0_c", lo, hi, true, &s->alarm_v0_c) <
			0)
			; /* why: said */
		else if (fz != NULL && !cJSON_IsBool(fz))
			fail(&d, "\"%s\" is not true or false", "frozen");
		else
			rc = 0;
		if (rc < 0) {
			if (n != floor(n))
				snprintf(why, sizeof(why),
				    "\"n\" is not a whole number");
			snprintf(what, sizeof(what),
			    "sensor %s: its run of one value not restored",
			    s->id);
			warn(out, "run", why, what);
			s->alarm_v0_c = NAN;
			s->frozen_cond_age_ms = -1;
			memset(&s->run_ref, 0, sizeof(s->run_ref));
		} else {
			s->has_run = true;
			s->run_n = (uint32_t)n;
			s->run_noise_var = noise * noise;
			s->frozen = cJSON_IsTrue(fz);
		}
	}
	if (st != NULL) {
		int rc = -1;

		if (!cJSON_IsObject(st))
			snprintf(why, sizeof(why), "not an object");
		else if (s->cls != ENG_CLASS_INLET)
			snprintf(why, sizeof(why), "not an inlet");
		else if (num(&d, st, "from_c", lo, hi, false, &s->step_from_c) <
			0 ||
		    num(&d, st, "to_c", lo, hi, false, &s->step_to_c) < 0 ||
		    num(&d, st, "cpu_c", -MAX_MODEL_C, MAX_MODEL_C, true,
			&s->step_ev_c[0]) < 0 ||
		    num(&d, st, "exhaust_c", -MAX_MODEL_C, MAX_MODEL_C, true,
			&s->step_ev_c[1]) < 0)
			; /* why: said */
		else if (isnan(s->step_ev_c[0]) && isnan(s->step_ev_c[1]))
			snprintf(why, sizeof(why),
			    "neither \"cpu_c\" nor \"exhaust_c\"");
		else
			rc = 0;
		if (rc < 0) {
			snprintf(what, sizeof(what),
			    "sensor %s: its held step not restored", s->id);
			warn(out, "step", why, what);
			s->step_from_c = s->step_to_c = NAN;
			s->step_ev_c[0] = s->step_ev_c[1] = NAN;
		} else
			s->step_held = true;
	}
}

static int
sensor(struct dec *d, const cJSON *o, const struct eng_conf *conf,
    struct eng_snap_sensor *s, struct est_file *out)
{
	const struct eng_class_conf *cc;
	char cls[16];
	double lo, hi, span;

	memset(s, 0, sizeof(*s));
	if (!cJSON_IsObject(o))
		return fail(d, "%s", "a sensor is not an object");
	if (str(d, o, "id", s->id, sizeof(s->id)) < 0 || s->id[0] == '\0' ||
	    str(d, o, "class", cls, sizeof(cls)) < 0)
		return fail(d, "%s", "a sensor has no valid id or class");
	s->cls = eng_class_from_name(cls);
	if (s->cls < 0 || s->cls >= ENG_CLASS_COUNT)
		return fail(d, "%s: unknown class", s->id);
	cc = &conf->cls[s->cls];
	lo = cc->min_valid_c;
	hi = cc->max_valid_c;
	span = hi - lo;
	s->last_c = s->rise_from_c = s->rise_peak_c = NAN;
	if (num(d, o, "noise_c", 0, span, false, &s->noise_c) < 0 ||
	    num(d, o, "resolution_c", 0, span, false, &s->resolution_c) < 0 ||
	    ms(d, o, "last_age_ms", MAX_AGE_MS, true, &s->last_age_ms) < 0 ||
	    num(d, o, "last_c", lo, hi, true, &s->last_c) < 0 ||
	    ms(d, o, "rise_age_ms", MAX_RISE_MS, true, &s->rise_age_ms) < 0 ||
	    num(d, o, "rise_from_c", lo, hi, true, &s->rise_from_c) < 0 ||
	    num(d, o, "rise_peak_c", lo, hi, true, &s->rise_peak_c) < 0)
		return -1;
	s->has_value = cJSON_GetObjectItemCaseSensitive(o, "last_age_ms") !=
	    NULL;
	if (s->has_value != !isnan(s->last_c))
		return fail(d, "%s: last_age_ms without last_c", s->id);
	s->rising = cJSON_GetObjectItemCaseSensitive(o, "rise_age_ms") != NULL;
	if (s->rising != (!isnan(s->rise_from_c) && !isnan(s->rise_peak_c)))
		return fail(d, "%s: an incomplete rise", s->id);
	sensor_v3(o, cc, s, out);
	return points(d, o, cc, s);
}

static int
meta(struct dec *d, const cJSON *root, struct est_meta *m)
{
	int64_t mono = 0;

	if (str(d, root, "host", m->host, sizeof(m->host)) < 0 ||
	    str(d, root, "machine_id", m->machine_id, sizeof(m->machine_id)) <
		0 ||
	    str(d, root, "boot_id", m->boot_id, sizeof(m->boot_id)) < 0 ||
	    num(d, root, "wall", 0, 1e11, false, &m->wall_s) < 0 ||
	    ms(d, root, "mono_ms", (int64_t)1 << 53, false, &mono) < 0)
		return -1;
	m->mono_ms = mono;
	return 0;
}

/* One more thing of the host left out, for the daemon to say. */
static void
warn(struct est_file *out, const char *group, const char *why, const char *what)
{
	size_t n = strlen(out->warn);

	snprintf(out->warn + n, sizeof(out->warn) - n, "%s\"%s\": %s: %s",
	    n > 0 ? "; " : "", group, why, what);
}

/* Group `key` of the header: NULL when absent; when not an object,
 * NULL too, with a warning. */
static const cJSON *
group(
    const cJSON *root, const char *key, const char *what, struct est_file *out)
{
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, key);

	if (g != NULL && !cJSON_IsObject(g)) {
		warn(out, key, "not an object", what);
		return NULL;
	}
	return g;
}

/*
 * Engine snapshot 2's members of the host: the zone alarm's references,
 * the slow model and the load tracking. Each is optional and checked on
 * its own: a malformed or out-of-range one is left out with what needs
 * it, and said in out->warn; the rest of the file stands.
 */
static void
decode_host_v2(
    const cJSON *root, const struct eng_conf *conf, struct est_file *out)
{
	const struct eng_class_conf *cpu = &conf->cls[ENG_CLASS_CPU];
	const struct eng_class_conf *exh = &conf->cls[ENG_CLASS_EXHAUST];
	struct eng_snap_host *h = &out->host;
	char why[128];
	struct dec d = { why, sizeof(why) };
	const cJSON *g;
	double slow_c = NAN, slow_s = NAN;

	h->alarm_lost_age_ms = h->warm_age_ms = -1;
	g = group(
	    root, "alarm", "the zone alarm's references not restored", out);
	if (g != NULL) {
		if (ms(&d, g, "age_ms", MAX_RISE_MS, false, &h->alarm_age_ms) <
			0 ||
		    ms(&d, g, "lost_age_ms", h->alarm_age_ms, true,
			&h->alarm_lost_age_ms) < 0 ||
		    num(&d, g, "cpu_c", cpu->min_valid_c, cpu->max_valid_c,
			false, &h->alarm_cpu_c) < 0 ||
		    num(&d, g, "exhaust_c", exh->min_valid_c, exh->max_valid_c,
			false, &h->alarm_exhaust_c) < 0 ||
		    num(&d, g, "rho", 0, MAX_RHO, false, &h->alarm_rho) < 0 ||
		    num(&d, g, "model_c", -MAX_MODEL_C, MAX_MODEL_C, false,
			&h->alarm_model_c) < 0)
			warn(out, "alarm", why,
			    "the zone alarm's references not restored");
		else
			h->has_alarm = true;
	}
	g = group(root, "model_slow", "the slow model not restored", out);
	if (g != NULL) {
		if (num(&d, g, "c", -MAX_MODEL_C, MAX_MODEL_C, false, &slow_c) <
			0 ||
		    num(&d, g, "s", 0, MAX_MODEL_S, false, &slow_s) < 0) {
			warn(out, "model_slow", why,
			    "the slow model not restored");
		} else {
			h->model_slow_c = slow_c;
			h->model_slow_s = slow_s;
		}
	}
	g = group(root, "load", "the load tracking not restored", out);
	if (g != NULL) {
		if (ms(&d, g, "age_ms", MAX_RISE_MS, false, &h->load_age_ms) <
			0 ||
		    num(&d, g, "gap_c", cpu->min_valid_c - exh->max_valid_c,
			cpu->max_valid_c - exh->min_valid_c, false,
			&h->load_gap_c) < 0) {
			warn(
			    out, "load", why, "the load tracking not restored");
			return;
		}
		h->has_load = true;
		if (ms(&d, g, "warm_age_ms", h->load_age_ms, true,
			&h->warm_age_ms) < 0) {
			h->warm_age_ms = -1;
			warn(
			    out, "load", why, "the air's warming not restored");
		}
	}
}

/* A busy level of "levels" into *x, its bin not in *bins: 0, or -1
 * with why. */
static int
busy_level(struct dec *d, const cJSON *l, const struct eng_conf *conf,
    struct eng_snap_busy *x, uint32_t *bins)
{
	const struct eng_class_conf *cpu = &conf->cls[ENG_CLASS_CPU];
	const struct eng_class_conf *in = &conf->cls[ENG_CLASS_INLET];
	int i;

	x->air_c = NAN;
	if (!cJSON_IsObject(l))
		return fail(d, "%s", "not an object");
	if (num(d, l, "lo", 0, 1, false, &x->lo) < 0 ||
	    num(d, l, "c", cpu->min_valid_c, cpu->max_valid_c, false, &x->c) <
		0 ||
	    num(d, l, "air_c", in->min_valid_c, in->max_valid_c, true,
		&x->air_c) < 0)
		return -1;
	i = (int)(x->lo * ENG_SNAP_BUSY);
	i = i >= ENG_SNAP_BUSY ? ENG_SNAP_BUSY - 1 : i;
	if (*bins & (1u << i))
		return fail(d, "%s", "\"lo\" in the bin of another level");
	*bins |= 1u << i;
	return 0;
}

/*
 * Engine snapshot 4's member of the host: the busy levels and the
 * utilisation's envelopes, "busy". Checked whole: a malformed or
 * out-of-range member drops the group (said in out->warn, naming it),
 * the rest of the file stands.
 */
static void
decode_host_v4(
    const cJSON *root, const struct eng_conf *conf, struct est_file *out)
{
	const struct eng_class_conf *cpu = &conf->cls[ENG_CLASS_CPU];
	static const char what[] = "the busy levels not restored";
	struct eng_snap_host *h = &out->host, b;
	char why[128], where[160];
	struct dec d = { why, sizeof(why) };
	const cJSON *g = group(root, "busy", what, out), *a, *l, *env;
	uint32_t bins = 0;

	if (g == NULL)
		return;
	memset(&b, 0, sizeof(b));
	a = cJSON_GetObjectItemCaseSensitive(g, "levels");
	if (a != NULL && !cJSON_IsArray(a)) {
		warn(out, "busy", "\"levels\" is not an array", what);
		return;
	}
	cJSON_ArrayForEach(l, a)
	{
		if (b.n_busy == ENG_SNAP_BUSY) {
			warn(out, "busy", "\"levels\" has too many", what);
			return;
		}
		if (busy_level(&d, l, conf, &b.busy[b.n_busy], &bins) < 0) {
			snprintf(where, sizeof(where), "\"levels\" %d: %s",
			    b.n_busy, why);
			warn(out, "busy", where, what);
			return;
		}
		b.n_busy++;
	}
	env = cJSON_GetObjectItemCaseSensitive(g, "env");
	if (env != NULL &&
	    (!cJSON_IsObject(env) ||
		num(&d, env, "u", 0, 1, false, &b.busy_u) < 0 ||
		num(&d, env, "hi", 0, 1, false, &b.busy_hi) < 0 ||
		num(&d, env, "lo", 0, b.busy_hi, false, &b.busy_env_lo) < 0 ||
		num(&d, env, "cpu_slow_c", cpu->min_valid_c, cpu->max_valid_c,
		    false, &b.busy_cpu_slow_c) < 0)) {
		snprintf(where, sizeof(where), "\"env\": %s",
		    cJSON_IsObject(env) ? why : "not an object");
		warn(out, "busy", where, what);
		return;
	}
	b.has_busy_env = env != NULL;
	h->n_busy = b.n_busy;
	memcpy(h->busy, b.busy, sizeof(h->busy));
	h->has_busy_env = b.has_busy_env;
	h->busy_u = b.busy_u;
	h->busy_hi = b.busy_hi;
	h->busy_env_lo = b.busy_env_lo;
	h->busy_cpu_slow_c = b.busy_cpu_slow_c;
}

/* The header's members but "v" (both versions). */
static int
decode_header(struct dec *d, const cJSON *root, const struct eng_conf *conf,
    struct est_file *out)
{
	double snap = 0;

	if (num(d, root, "engine_snapshot", 0, 1e9, false, &snap) < 0 ||
	    snap != floor(snap) || snap < 1 || snap > ENG_SNAP_VERSION)
		return fail(d, "%s", "of another engine snapshot version");
	if (meta(d, root, &out->meta) < 0 ||
	    num(d, root, "rho", 0, MAX_RHO, false, &out->host.rho) < 0 ||
	    num(d, root, "rho_learnt_s", 0, MAX_MODEL_S, false,
		&out->host.rho_learnt_s) < 0)
		return -1;
	out->host.version = (int)snap;
	if (out->host.version >= 2)
		decode_host_v2(root, conf, out);
	if (out->host.version >= 4)
		decode_host_v4(root, conf, out);
	return 0;
}

/* One more sensor: to r->take, or into out (room for it made) when its
 * id was not seen before. */
static int
add_sensor(struct dec *d, struct est_reader *r, const cJSON *o)
{
	struct est_file *out = r->out;
	struct eng_snap_sensor *more;
	int k, cap;

	if (r->n >= r->max_sensors)
		return fail(d, "%s", "more sensors than agent.max_sensors");
	if (r->take != NULL) {
		if (sensor(d, o, r->conf, r->scratch, out) < 0 ||
		    r->take(r->take_arg, r->scratch, d->why, d->len) < 0)
			return -1;
		r->n++;
		return 0;
	}
	if (out->n == r->cap) {
		cap = r->cap > 0 ? 2 * r->cap : 16;
		if (cap > r->max_sensors)
			cap = r->max_sensors;
		more = realloc(out->s, (size_t)cap * sizeof(*out->s));
		if (more == NULL)
			return fail(d, "%s", "out of memory");
		out->s = more;
		r->cap = cap;
	}
	if (sensor(d, o, r->conf, &out->s[out->n], out) < 0)
		return -1;
	for (k = 0; k < out->n; k++)
		if (strcmp(out->s[k].id, out->s[out->n].id) == 0)
			return fail(
			    d, "sensor %s is there twice", out->s[k].id);
	out->n++;
	r->n++;
	return 0;
}

/* Version 1: the whole file one document, its sensors an array. */
static int
decode_v1(struct dec *d, struct est_reader *r, const cJSON *root)
{
	const cJSON *arr, *e;
	double v = 0;

	if (num(d, root, "v", 0, 1e9, false, &v) < 0 || v != 1)
		return fail(d, "%s",
		    "not a version 1 engine state file (nor the header line "
		    "of a version 2 one)");
	if (decode_header(d, root, r->conf, r->out) < 0)
		return -1;
	arr = cJSON_GetObjectItemCaseSensitive(root, "sensors");
	if (!cJSON_IsArray(arr))
		return fail(d, "%s", "\"sensors\" is not an array");
	if (cJSON_GetArraySize(arr) > r->max_sensors)
		return fail(d, "%s", "more sensors than agent.max_sensors");
	cJSON_ArrayForEach(e, arr)
	{
		if (add_sensor(d, r, e) < 0)
			return -1;
	}
	return 0;
}

void
est_reader_init(struct est_reader *r, const struct eng_conf *conf,
    int max_sensors, struct est_file *out)
{
	memset(r, 0, sizeof(*r));
	memset(out, 0, sizeof(*out));
	r->conf = conf;
	r->max_sensors = max_sensors;
	r->out = out;
}

/* A version 2 line after the header: a sensor, or the end. */
static int
v2_line(struct dec *d, struct est_reader *r, const cJSON *o)
{
	double n = -1;

	if (r->ended)
		return fail(d, "%s", "more after the end line");
	if (!cJSON_IsObject(o))
		return fail(d, "%s", "a sensor is not an object");
	if (cJSON_GetObjectItemCaseSensitive(o, "id") != NULL)
		return add_sensor(d, r, o);
	/* the end: how many sensor lines came before it */
	if (num(d, o, "sensors", 0, 1e9, false, &n) < 0)
		return fail(d, "%s", "neither a sensor nor the end line");
	if (n != (double)r->n)
		return fail(d, "%s",
		    "the end line's count is not the number of sensor lines");
	r->ended = true;
	return 0;
}

int
est_reader_line(struct est_reader *r, const char *line, size_t len, char *why,
    size_t whylen)
{
	struct dec d = { why, whylen };
	char err[128];
	double v = 0;
	cJSON *o;
	int rc;

	if (r->failed)
		return -1;
	r->line++;
	if (r->line > 1 && r->version == 1)
		rc = fail(&d, "%s", "more after the document");
	else if ((o = json_parse_strict(line, len, err, sizeof(err))) == NULL)
		rc = fail(&d, "%s", err);
	else {
		if (r->line > 1)
			rc = v2_line(&d, r, o);
		else if (!cJSON_IsObject(o))
			rc = fail(&d, "%s", "not a JSON object");
		else if (cJSON_GetObjectItemCaseSensitive(o, "sensors") !=
			NULL ||
		    num(&d, o, "v", 0, 1e9, false, &v) < 0 || v != 2) {
			/* not a version 2 header: the whole file, or refused */
			r->version = 1;
			rc = decode_v1(&d, r, o);
		} else {
			r->version = 2;
			rc = decode_header(&d, o, r->conf, r->out);
		}
		cJSON_Delete(o);
	}
	if (rc < 0) {
		/* where, in a file of lines */
		if (r->version == 2) {
			char at[256];

			snprintf(at, sizeof(at), "line %d: %s", r->line, why);
			snprintf(why, whylen, "%s", at);
		}
		r->failed = true;
		est_file_free(r->out);
	}
	return rc;
}

int
est_reader_end(struct est_reader *r, char *why, size_t whylen)
{
	struct dec d = { why, whylen };

	if (r->failed)
		return -1;
	if (r->line == 0)
		fail(&d, "%s", "empty: not valid JSON");
	else if (r->version == 2 && !r->ended)
		fail(&d, "%s", "cut short: no end line");
	else
		return 0;
	r->failed = true;
	est_file_free(r->out);
	return -1;
}

int
est_decode(const char *text, size_t len, const struct eng_conf *conf,
    int max_sensors, struct est_file *out, char *why, size_t whylen)
{
	struct est_reader r;
	struct dec d = { why, whylen };
	const char *nl, *end = text + len;

	est_reader_init(&r, conf, max_sensors, out);
	if (len > est_max_bytes(max_sensors))
		return fail(&d, "%s", "larger than any file we write");
	/* as fio_read_lines hands them: none after a last newline */
	while (text < end) {
		nl = memchr(text, '\n', (size_t)(end - text));
		if (nl == NULL)
			nl = end;
		if (est_reader_line(
			&r, text, (size_t)(nl - text), why, whylen) < 0)
			return -1;
		text = nl + 1;
	}
	return est_reader_end(&r, why, whylen);
}

void
est_file_free(struct est_file *f)
{
	free(f->s);
	f->s = NULL;
	f->n = 0;
}

int
est_check_meta(const struct est_meta *m, const struct est_meta *me,
    int64_t max_age_ms, int64_t *gap_ms, char *why, size_t whylen)
{
	double wall_gap_s = me->wall_s - m->wall_s;

	if (strcmp(m->host, me->host) != 0) {
		snprintf(why, whylen, "written by host \"%s\", not this one",
		    m->host);
		return -1;
	}
	if (m->machine_id[0] != '\0' && me->machine_id[0] != '\0' &&
	    strcmp(m->machine_id, me->machine_id) != 0) {
		snprintf(why, whylen, "written on another machine (%s)",
		    m->machine_id);
		return -1;
	}
	if (m->boot_id[0] != '\0' && strcmp(m->boot_id, me->boot_id) == 0) {
		/* One boot: the monotonic clock is not set back or forth. */
		*gap_ms = me->mono_ms - m->mono_ms;
		if (*gap_ms < 0) {
			snprintf(why, whylen,
			    "written %.1f s in the future "
			    "(monotonic clock)",
			    (double)-*gap_ms / 1000.0);
			return -1;
		}
	} else {
		if (wall_gap_s < -FUTURE_SLOP_S) {
			snprintf(why, whylen,
			    "written %.0f s in the future "
			    "(clock set back?)",
			    -wall_gap_s);
			return -1;
		}
		*gap_ms = wall_gap_s > 0 ? (int64_t)llround(wall_gap_s * 1000)
					 : 0;
	}
	if (*gap_ms > max_age_ms) {
		snprintf(why, whylen,
		    "written %.0f s ago, longer than the "
		    "trend window (%.0f s): it says nothing "
		    "of the slope now",
		    (double)*gap_ms / 1000.0, (double)max_age_ms / 1000.0);
		return -1;
	}
	return 0;
}
