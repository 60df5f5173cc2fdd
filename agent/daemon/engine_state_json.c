/*
 * engine_state_json.c - the engine state file's format, writing: engine
 * snapshots to JSON (cJSON), version 2 a document a line through a chunk,
 * version 1 one document. Reading: engine_state_decode.c. See
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
#include "walltime.h"

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
	/* engine snapshot 3: the groups "run", "trusted" and "step" */
	M_RUN,
	M_RUN_FROZEN, /* true, only when frozen */
	M_RUN_SRC,
	M_RUN_N, /* numbers from here to M_STEP_EXH, groups aside */
	M_RUN_C,
	M_RUN_AGE,
	M_RUN_NOISE,
	M_RUN_COND_AGE,
	M_RUN_EV,
	M_RUN_RHO,
	M_RUN_REF_C,
	M_RUN_REF_AGE,
	M_RUN_ALARM_V0,
	M_TRUSTED,
	M_TR_SRC,
	M_TR_EV,
	M_TR_RHO,
	M_TR_C,
	M_TR_AGE,
	M_STEP,
	M_STEP_FROM,
	M_STEP_TO,
	M_STEP_CPU,
	M_STEP_EXH,
	M_COUNT
};

static const char *const member_names[M_COUNT] = { "id", "class", "noise_c",
	"resolution_c", "last_age_ms", "last_c", "rise_age_ms", "rise_from_c",
	"rise_peak_c", "age_ms", "value_c", "run", "frozen", "src", "n", "c",
	"age_ms", "noise_c", "cond_age_ms", "ev_c", "rho", "ref_c",
	"ref_age_ms", "alarm_v0_c", "trusted", "src", "ev_c", "rho", "c",
	"age_ms", "step", "from_c", "to_c", "cpu_c", "exhaust_c" };

/* The objects among the members (detached from before a sensor). */
static bool
is_group(int k)
{
	return k == M_AGES || k == M_VALUES || k == M_RUN || k == M_TRUSTED ||
	    k == M_STEP;
}

static bool
is_string(int k)
{
	return k == M_ID || k == M_CLASS || k == M_RUN_SRC || k == M_TR_SRC;
}

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
		if (w->m[k] != NULL && is_group(k))
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
	w->m[M_RUN] = cJSON_CreateObject();
	w->m[M_TRUSTED] = cJSON_CreateObject();
	w->m[M_STEP] = cJSON_CreateObject();
	w->m[M_RUN_FROZEN] = cJSON_CreateTrue();
	w->m[M_RUN_SRC] = cJSON_CreateStringReference("");
	w->m[M_TR_SRC] = cJSON_CreateStringReference("");
	for (k = M_NOISE; k < M_COUNT; k++)
		if (!is_group(k) && !is_string(k) && k != M_RUN_FROZEN)
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

static void
put_in(struct est_writer *w, enum member g, enum member k)
{
	cJSON_AddItemToObjectCS(w->m[g], member_names[k], w->m[k]);
}

/* a number member of group g, when finite */
static void
put_num(struct est_writer *w, enum member g, enum member k, double v)
{
	if (!isfinite(v))
		return;
	jnum_set(w->m[k], v);
	put_in(w, g, k);
}

/* enum evsrc (eng_int.h) in a file: engine_state_decode.c reads them */
static const char *const src_names[] = { "none", "zone", "inlet", "model" };

static const char *
src_name(int src)
{
	return src > 0 && src < (int)(sizeof(src_names) / sizeof(src_names[0]))
	    ? src_names[src]
	    : NULL;
}

/*
 * Engine snapshot 3's members of a sensor: its run of one value while it
 * is frozen or a candidate (three samples or more, the frozen check's
 * least), with its evidence when the run began; its last trusted
 * reference with either; the inlet step it holds.
 */
static void
sensor_v3(struct est_writer *w, const struct eng_snap_sensor *s)
{
	const char *src = src_name(s->run_ref.src);
	const char *tsrc = src_name(s->trusted_ref.src);
	bool run = s->has_run && s->run_n >= 3 && src != NULL &&
	    s->run_ref.age_ms >= 0;

	if (run) {
		detach_all(w->m[M_RUN]);
		jnum_set_int(w->m[M_RUN_N], (int64_t)s->run_n);
		jnum_set(w->m[M_RUN_C], s->run_c);
		jnum_set_int(w->m[M_RUN_AGE], s->run_age_ms);
		put_in(w, M_RUN, M_RUN_N);
		put_in(w, M_RUN, M_RUN_C);
		put_in(w, M_RUN, M_RUN_AGE);
		/* its noise, not the variance (1e-3 would round a fine
		 * sensor's to 0) */
		jnum_set(w->m[M_RUN_NOISE], sqrt(s->run_noise_var));
		put_in(w, M_RUN, M_RUN_NOISE);
		if (s->frozen)
			put_in(w, M_RUN, M_RUN_FROZEN);
		if (s->frozen_cond_age_ms >= 0) {
			jnum_set_int(
			    w->m[M_RUN_COND_AGE], s->frozen_cond_age_ms);
			put_in(w, M_RUN, M_RUN_COND_AGE);
		}
		w->m[M_RUN_SRC]->valuestring = (char *)src;
		put_in(w, M_RUN, M_RUN_SRC);
		put_num(w, M_RUN, M_RUN_EV, s->run_ref.ev);
		put_num(w, M_RUN, M_RUN_RHO, s->run_ref.rho);
		put_num(w, M_RUN, M_RUN_REF_C, s->run_ref.v);
		jnum_set_int(w->m[M_RUN_REF_AGE], s->run_ref.age_ms);
		put_in(w, M_RUN, M_RUN_REF_AGE);
		put_num(w, M_RUN, M_RUN_ALARM_V0, s->alarm_v0_c);
		put(w, M_RUN);
	}
	if ((run || s->step_held) && tsrc != NULL &&
	    s->trusted_ref.age_ms >= 0 && isfinite(s->trusted_ref.ev) &&
	    isfinite(s->trusted_ref.v)) {
		detach_all(w->m[M_TRUSTED]);
		w->m[M_TR_SRC]->valuestring = (char *)tsrc;
		put_in(w, M_TRUSTED, M_TR_SRC);
		put_num(w, M_TRUSTED, M_TR_EV, s->trusted_ref.ev);
		put_num(w, M_TRUSTED, M_TR_RHO, s->trusted_ref.rho);
		put_num(w, M_TRUSTED, M_TR_C, s->trusted_ref.v);
		jnum_set_int(w->m[M_TR_AGE], s->trusted_ref.age_ms);
		put_in(w, M_TRUSTED, M_TR_AGE);
		put(w, M_TRUSTED);
	}
	if (s->step_held) {
		detach_all(w->m[M_STEP]);
		put_num(w, M_STEP, M_STEP_FROM, s->step_from_c);
		put_num(w, M_STEP, M_STEP_TO, s->step_to_c);
		put_num(w, M_STEP, M_STEP_CPU, s->step_ev_c[0]);
		put_num(w, M_STEP, M_STEP_EXH, s->step_ev_c[1]);
		put(w, M_STEP);
	}
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
	sensor_v3(w, s);
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

/* Engine snapshot 2's members of the host, those it has, into o. */
static void
host_v2(cJSON *o, const struct eng_snap_host *h)
{
	cJSON *g;

	if (h->has_alarm && (g = cJSON_AddObjectToObject(o, "alarm")) != NULL) {
		cJSON_AddNumberToObject(g, "age_ms", (double)h->alarm_age_ms);
		if (h->alarm_lost_age_ms >= 0)
			cJSON_AddNumberToObject(
			    g, "lost_age_ms", (double)h->alarm_lost_age_ms);
		cJSON_AddNumberToObject(g, "cpu_c", h->alarm_cpu_c);
		cJSON_AddNumberToObject(g, "exhaust_c", h->alarm_exhaust_c);
		cJSON_AddNumberToObject(g, "rho", h->alarm_rho);
		cJSON_AddNumberToObject(g, "model_c", h->alarm_model_c);
	}
	if (h->model_slow_s > 0 &&
	    (g = cJSON_AddObjectToObject(o, "model_slow")) != NULL) {
		cJSON_AddNumberToObject(g, "c", h->model_slow_c);
		cJSON_AddNumberToObject(g, "s", h->model_slow_s);
	}
	if (h->has_load && (g = cJSON_AddObjectToObject(o, "load")) != NULL) {
		cJSON_AddNumberToObject(g, "age_ms", (double)h->load_age_ms);
		cJSON_AddNumberToObject(g, "gap_c", h->load_gap_c);
		if (h->warm_age_ms >= 0)
			cJSON_AddNumberToObject(
			    g, "warm_age_ms", (double)h->warm_age_ms);
	}
}

/* Engine snapshot 4's busy levels and envelopes, those it has, into o:
 * "busy":{"levels":[{"lo":..,"c":..,"air_c":..},...],"env":{..}} */
static void
host_v4(cJSON *o, const struct eng_snap_host *h)
{
	cJSON *g, *a, *l;

	if ((h->n_busy <= 0 && !h->has_busy_env) ||
	    (g = cJSON_AddObjectToObject(o, "busy")) == NULL)
		return;
	a = h->n_busy > 0 ? cJSON_AddArrayToObject(g, "levels") : NULL;
	for (int i = 0; a != NULL && i < h->n_busy && i < ENG_SNAP_BUSY; i++) {
		if ((l = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddNumberToObject(l, "lo", h->busy[i].lo);
		cJSON_AddNumberToObject(l, "c", h->busy[i].c);
		if (isfinite(h->busy[i].air_c))
			cJSON_AddNumberToObject(l, "air_c", h->busy[i].air_c);
		cJSON_AddItemToArray(a, l);
	}
	if (h->has_busy_env &&
	    (g = cJSON_AddObjectToObject(g, "env")) != NULL) {
		cJSON_AddNumberToObject(g, "u", h->busy_u);
		cJSON_AddNumberToObject(g, "hi", h->busy_hi);
		cJSON_AddNumberToObject(g, "lo", h->busy_env_lo);
		cJSON_AddNumberToObject(g, "cpu_slow_c", h->busy_cpu_slow_c);
	}
}

/* The members of the file's header (both versions) into o. */
static void
header(cJSON *o, int version, const struct est_meta *m,
    const struct eng_snap_host *h)
{
	char iso[32];

	wt_iso(m->wall_s, iso, sizeof(iso)); /* "?" when it cannot */
	int snap = h->version >= 1 && h->version <= ENG_SNAP_VERSION
	    ? h->version
	    : ENG_SNAP_VERSION;

	cJSON_AddNumberToObject(o, "v", version);
	cJSON_AddNumberToObject(o, "engine_snapshot", snap);
	cJSON_AddStringToObject(o, "written", iso);
	cJSON_AddNumberToObject(o, "wall", floor(m->wall_s * 1000) / 1000);
	cJSON_AddNumberToObject(o, "mono_ms", (double)m->mono_ms);
	cJSON_AddStringToObject(o, "boot_id", m->boot_id);
	cJSON_AddStringToObject(o, "host", m->host);
	cJSON_AddStringToObject(o, "machine_id", m->machine_id);
	cJSON_AddNumberToObject(o, "rho", h->rho);
	cJSON_AddNumberToObject(o, "rho_learnt_s", h->rho_learnt_s);
	if (snap >= 2)
		host_v2(o, h);
	if (snap >= 4)
		host_v4(o, h);
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
