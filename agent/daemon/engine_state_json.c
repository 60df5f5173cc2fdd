/*
 * engine_state_json.c - the engine state file's format: engine snapshots
 * to JSON (cJSON) and back, refusing anything we would not have written,
 * and the rule of whose and how old a file may seed an engine. See
 * engine_state.h.
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
#define FUTURE_SLOP_S 2.0 /* wall clocks of one host, a few s apart */

size_t
est_max_bytes(int max_sensors)
{
	/* a point: two numbers of at most 24 characters and two commas */
	size_t per_sensor = 1024 + 2 * ENG_ID_LEN + ENG_SNAP_POINTS * 52;

	if (max_sensors < 1)
		max_sensors = 1;
	return 4096 + (size_t)max_sensors * per_sensor;
}

/*
 * The writer: one sensor object and ENG_SNAP_POINTS nodes for each points
 * array, made once (the daemon keeps its writer) with number nodes that print
 * our own text (json_num.h: cJSON's text for such numbers, without its sprintf
 * and sscanf per number); each sensor sets their values, links in the members
 * and points it has, is printed into a kept buffer by cJSON and goes into
 * the document as a raw node. A save makes two nodes a sensor, not one per
 * number (at 1,024 sensors in a rise, ~130,000 nodes and 10 MB before).
 */
enum member {
	M_ID,
	M_CLASS,
	M_NOISE,
	M_RESOLUTION,
	M_LAST_AGE,
	M_LAST,
	M_RISE_AGE,
	M_RISE_FROM,
	M_RISE_PEAK,
	M_AGES,
	M_VALUES,
	M_COUNT
};

static const char *const member_names[M_COUNT] = { "id", "class", "noise_c",
	"resolution_c", "last_age_ms", "last_c", "rise_age_ms", "rise_from_c",
	"rise_peak_c", "age_ms", "value_c" };

struct est_writer {
	cJSON *root, *sensors;
	cJSON *obj;        /* the sensor object; its members: */
	cJSON *m[M_COUNT]; /* kept out of obj between sensors */
	/* the point nodes made so far: as many as the most points a
	 * save has had (none while no sensor is in a rise) */
	cJSON *age[ENG_SNAP_POINTS], *val[ENG_SNAP_POINTS];
	int n_pt;
	char text[M_COUNT + 2 * ENG_SNAP_POINTS][JNUM_LEN];
	char *buf; /* a sensor object's text */
	size_t buflen, total;
	/* version 2: the lines go through chunk (chunk_cap bytes, made at
	 * the first est_write_begin) to sink */
	char *chunk;
	size_t chunk_cap, used;
	int (*sink)(void *arg, const void *buf, size_t n);
	void *sink_arg;
	int err;   /* the first failure, -errno */
	int lines; /* sensor lines written */
};

static void
detach_all(cJSON *o)
{
	while (o->child != NULL)
		cJSON_DetachItemViaPointer(o, o->child);
}

void
est_writer_free(struct est_writer *w)
{
	int k;

	if (w == NULL)
		return;
	if (w->obj != NULL)
		detach_all(w->obj);
	for (k = 0; k < M_COUNT; k++) {
		if (w->m[k] != NULL && (k == M_AGES || k == M_VALUES))
			detach_all(w->m[k]);
		cJSON_Delete(w->m[k]);
	}
	for (k = 0; k < w->n_pt; k++) {
		cJSON_Delete(w->age[k]);
		cJSON_Delete(w->val[k]);
	}
	cJSON_Delete(w->obj);
	cJSON_Delete(w->root);
	free(w->buf);
	free(w->chunk);
	free(w);
}

static bool
writer_nodes(struct est_writer *w)
{
	int k, t = 0;

	w->obj = cJSON_CreateObject();
	w->m[M_ID] = cJSON_CreateStringReference("");
	w->m[M_CLASS] = cJSON_CreateStringReference("");
	w->m[M_AGES] = cJSON_CreateArray();
	w->m[M_VALUES] = cJSON_CreateArray();
	for (k = M_NOISE; k <= M_RISE_PEAK; k++)
		w->m[k] = jnum_node(w->text[t++]);
	if (w->obj == NULL)
		return false;
	for (k = 0; k < M_COUNT; k++)
		if (w->m[k] == NULL)
			return false;
	return true;
}

/* Point nodes for n points (made once, kept); false when out of memory. */
static bool
point_nodes(struct est_writer *w, int n)
{
	for (; w->n_pt < n; w->n_pt++) {
		int t = M_COUNT + 2 * w->n_pt;

		w->age[w->n_pt] = jnum_node(w->text[t]);
		w->val[w->n_pt] = jnum_node(w->text[t + 1]);
		if (w->age[w->n_pt] == NULL || w->val[w->n_pt] == NULL) {
			cJSON_Delete(w->age[w->n_pt]);
			cJSON_Delete(w->val[w->n_pt]);
			w->age[w->n_pt] = w->val[w->n_pt] = NULL;
			return false;
		}
	}
	return true;
}

static void
put(struct est_writer *w, enum member k)
{
	cJSON_AddItemToObjectCS(w->obj, member_names[k], w->m[k]);
}

/* o's text in w->buf (kept, grown to the longest); false when out of
 * memory. */
static bool
print_obj(struct est_writer *w, cJSON *o)
{
	for (;;) {
		if (w->buflen > 0 &&
		    cJSON_PrintPreallocated(o, w->buf, (int)w->buflen, 0))
			return true;
		size_t want = w->buflen > 0 ? 2 * w->buflen : 4096;
		char *b = realloc(w->buf, want);

		if (b == NULL)
			return false;
		w->buf = b;
		w->buflen = want;
	}
}

/* The sensor's text in w->buf; false when out of memory. */
static bool
sensor_text(struct est_writer *w, const struct eng_snap_sensor *s)
{
	int k, n = 0;

	detach_all(w->obj);
	detach_all(w->m[M_AGES]);
	detach_all(w->m[M_VALUES]);
	w->m[M_ID]->valuestring = (char *)s->id;
	w->m[M_CLASS]->valuestring = (char *)eng_class_name(s->cls);
	jnum_set(w->m[M_NOISE], s->noise_c);
	jnum_set(w->m[M_RESOLUTION], s->resolution_c);
	put(w, M_ID);
	put(w, M_CLASS);
	put(w, M_NOISE);
	put(w, M_RESOLUTION);
	if (s->has_value) {
		jnum_set_int(w->m[M_LAST_AGE], s->last_age_ms);
		jnum_set(w->m[M_LAST], s->last_c);
		put(w, M_LAST_AGE);
		put(w, M_LAST);
	}
	if (s->rising) {
		jnum_set_int(w->m[M_RISE_AGE], s->rise_age_ms);
		jnum_set(w->m[M_RISE_FROM], s->rise_from_c);
		jnum_set(w->m[M_RISE_PEAK], s->rise_peak_c);
		put(w, M_RISE_AGE);
		put(w, M_RISE_FROM);
		put(w, M_RISE_PEAK);
		/* The trend points only of a sensor in a rise, the one whose
		 * slope a restart must not lose: a calm sensor's slope comes
		 * back within a few samples. */
		n = s->n_points < ENG_SNAP_POINTS ? s->n_points
						  : ENG_SNAP_POINTS;
	}
	if (n > 0) {
		if (!point_nodes(w, n))
			return false;
		for (k = 0; k < n; k++) {
			jnum_set_int(w->age[k], s->age_ms[k]);
			jnum_set(w->val[k], s->value_c[k]);
			cJSON_AddItemToArray(w->m[M_AGES], w->age[k]);
			cJSON_AddItemToArray(w->m[M_VALUES], w->val[k]);
		}
		put(w, M_AGES);
		put(w, M_VALUES);
	}
	return print_obj(w, w->obj);
}

static cJSON *
sensor_json(struct est_writer *w, const struct eng_snap_sensor *s)
{
	return sensor_text(w, s) ? cJSON_CreateRaw(w->buf) : NULL;
}

struct est_writer *
est_writer_new_chunked(size_t chunk)
{
	struct est_writer *w = calloc(1, sizeof(*w));

	if (w != NULL && !writer_nodes(w)) {
		est_writer_free(w);
		return NULL;
	}
	if (w != NULL)
		w->chunk_cap = chunk > 0 ? chunk : 1;
	return w;
}

struct est_writer *
est_writer_new(void)
{
	return est_writer_new_chunked(EST_CHUNK);
}

/* The members of the file's header (both versions) into o. */
static void
header(cJSON *o, int version, const struct est_meta *m,
    const struct eng_snap_host *h)
{
	char iso[32] = "?";
	struct tm tm;
	time_t t = (time_t)m->wall_s;

	if (gmtime_r(&t, &tm) != NULL)
		strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddNumberToObject(o, "v", version);
	cJSON_AddNumberToObject(o, "engine_snapshot", ENG_SNAP_VERSION);
	cJSON_AddStringToObject(o, "written", iso);
	cJSON_AddNumberToObject(o, "wall", floor(m->wall_s * 1000) / 1000);
	cJSON_AddNumberToObject(o, "mono_ms", (double)m->mono_ms);
	cJSON_AddStringToObject(o, "boot_id", m->boot_id);
	cJSON_AddStringToObject(o, "host", m->host);
	cJSON_AddStringToObject(o, "machine_id", m->machine_id);
	cJSON_AddNumberToObject(o, "rho", h->rho);
	cJSON_AddNumberToObject(o, "rho_learnt_s", h->rho_learnt_s);
}

/* --- version 2: a line per JSON document, through the chunk --- */

static void
flush(struct est_writer *w)
{
	if (w->err == 0 && w->used > 0)
		w->err = w->sink(w->sink_arg, w->chunk, w->used);
	w->used = 0;
}

/* text and a newline into the chunk, which goes to the sink when full
 * (a line may be cut anywhere by that: the reader joins it again) */
static void
emit_line(struct est_writer *w, const char *text)
{
	size_t n = strlen(text) + 1, k;

	while (w->err == 0 && n > 0) {
		k = w->chunk_cap - w->used;
		if (k > n)
			k = n;
		if (k == n) { /* the rest, with the newline */
			memcpy(w->chunk + w->used, text, n - 1);
			w->chunk[w->used + n - 1] = '\n';
		} else {
			memcpy(w->chunk + w->used, text, k);
		}
		w->used += k;
		text += k;
		n -= k;
		if (w->used == w->chunk_cap)
			flush(w);
	}
}

/* o printed as one line; o is deleted */
static void
emit_obj(struct est_writer *w, cJSON *o)
{
	if (w->err == 0 && (o == NULL || !print_obj(w, o)))
		w->err = -ENOMEM;
	else
		emit_line(w, w->buf);
	cJSON_Delete(o);
}

int
est_write_begin(struct est_writer *w, const struct est_meta *m,
    const struct eng_snap_host *h,
    int (*sink)(void *arg, const void *buf, size_t n), void *arg)
{
	cJSON *o;

	w->sink = sink;
	w->sink_arg = arg;
	w->err = 0;
	w->used = 0;
	w->lines = 0;
	if (w->chunk == NULL && (w->chunk = malloc(w->chunk_cap)) == NULL)
		return w->err = -ENOMEM;
	if ((o = cJSON_CreateObject()) != NULL)
		header(o, EST_VERSION, m, h);
	emit_obj(w, o);
	return w->err;
}

int
est_write_sensor(struct est_writer *w, const struct eng_snap_sensor *s)
{
	if (w->err != 0)
		return w->err;
	if (!sensor_text(w, s))
		return w->err = -ENOMEM;
	emit_line(w, w->buf);
	w->lines++;
	return w->err;
}

int
est_write_end(struct est_writer *w)
{
	cJSON *o = cJSON_CreateObject();

	if (o != NULL &&
	    cJSON_AddNumberToObject(o, "sensors", w->lines) == NULL) {
		cJSON_Delete(o);
		o = NULL;
	}
	emit_obj(w, o);
	flush(w);
	return w->err;
}

struct text {
	char *p;
	size_t len, cap;
};

static int
to_text(void *arg, const void *buf, size_t n)
{
	struct text *t = arg;
	char *bigger;

	if (t->len + n + 1 > t->cap) {
		size_t cap = 2 * (t->len + n + 1);

		if ((bigger = realloc(t->p, cap)) == NULL)
			return -ENOMEM;
		t->p = bigger;
		t->cap = cap;
	}
	memcpy(t->p + t->len, buf, n);
	t->len += n;
	t->p[t->len] = '\0';
	return 0;
}

char *
est_encode_lines(const struct est_meta *m, const struct eng_snap_host *h,
    const struct eng_snap_sensor *s, int n, size_t chunk)
{
	struct est_writer *w = est_writer_new_chunked(chunk);
	struct text t = { NULL, 0, 0 };
	int i, rc = -ENOMEM;

	if (w != NULL && (rc = est_write_begin(w, m, h, to_text, &t)) == 0) {
		for (i = 0; i < n && rc == 0; i++)
			rc = est_write_sensor(w, &s[i]);
		if (rc == 0)
			rc = est_write_end(w);
	}
	est_writer_free(w);
	if (rc != 0) {
		free(t.p);
		return NULL;
	}
	return t.p;
}

bool
est_json_begin(struct est_writer *w, const struct est_meta *m,
    const struct eng_snap_host *h)
{
	cJSON_Delete(w->root);
	w->sensors = NULL;
	w->total = 0;
	if ((w->root = cJSON_CreateObject()) == NULL)
		return false;
	header(w->root, 1, m, h);
	w->sensors = cJSON_AddArrayToObject(w->root, "sensors");
	return w->sensors != NULL;
}

void
est_json_add(struct est_writer *w, const struct eng_snap_sensor *s)
{
	cJSON *raw;

	if (w->sensors == NULL)
		return;
	raw = sensor_json(w, s);
	if (raw == NULL || !cJSON_AddItemToArray(w->sensors, raw)) {
		cJSON_Delete(raw);
		w->sensors = NULL; /* out of memory: no file */
		return;
	}
	w->total += strlen(raw->valuestring) + 1;
}

char *
est_json_finish(struct est_writer *w)
{
	char *text = NULL;
	size_t len;

	/* printed once into a buffer of about its size (the sensors' texts
	 * and their commas, the header), not grown by doubling */
	len = w->total + 1024 + 4 * EST_ID_LEN;
	if (w->sensors != NULL && (text = malloc(len)) != NULL &&
	    !cJSON_PrintPreallocated(w->root, text, (int)len, 0)) {
		free(text);
		text = cJSON_PrintUnformatted(w->root);
	}
	cJSON_Delete(w->root);
	w->root = w->sensors = NULL;
	w->total = 0;
	return text;
}

char *
est_encode(const struct est_meta *m, const struct eng_snap_host *h,
    const struct eng_snap_sensor *s, int n)
{
	struct est_writer *w = est_writer_new();
	char *text = NULL;
	int i;

	if (w != NULL && est_json_begin(w, m, h)) {
		for (i = 0; i < n; i++)
			est_json_add(w, &s[i]);
		text = est_json_finish(w);
	}
	est_writer_free(w);
	return text;
}

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

static int
sensor(struct dec *d, const cJSON *o, const struct eng_conf *conf,
    struct eng_snap_sensor *s)
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

/* The header's members but "v" (both versions). */
static int
decode_header(struct dec *d, const cJSON *root, struct est_file *out)
{
	double snap = 0;

	if (num(d, root, "engine_snapshot", 0, 1e9, false, &snap) < 0 ||
	    snap != ENG_SNAP_VERSION)
		return fail(d, "%s", "of another engine snapshot version");
	if (meta(d, root, &out->meta) < 0 ||
	    num(d, root, "rho", 0, MAX_RHO, false, &out->host.rho) < 0 ||
	    num(d, root, "rho_learnt_s", 0, MAX_MODEL_S, false,
		&out->host.rho_learnt_s) < 0)
		return -1;
	out->host.version = ENG_SNAP_VERSION;
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
		if (sensor(d, o, r->conf, r->scratch) < 0 ||
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
	if (sensor(d, o, r->conf, &out->s[out->n]) < 0)
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
	if (decode_header(d, root, r->out) < 0)
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
			rc = decode_header(&d, o, r->out);
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
