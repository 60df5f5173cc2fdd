/*
 * mqtt_tele.c - telemetry schema 2: the layout taken from the engine, the
 * sensors message, and the telemetry document updated in place each
 * cycle. See mqtt_tele.h and thermwatch-mqtt(7).
 */
#include "mqtt_tele.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "json_num.h"

/* Members that are absent for most sensors: by position, where not at
 * their default (0, null, 0, "valid", 0, filtered_c, false). */
enum sparse_kind {
	SP_SLOPE,
	SP_ETA,
	SP_LEVEL,
	SP_STATUS,
	SP_REJECTED,
	SP_USED,
	SP_ASSUMED,
	SP_COUNT
};

static const char *const sparse_names[SP_COUNT] = { "slope_c_per_min", "eta_s",
	"level", "status", "rejected", "used_c", "assumed" };

struct sparse {
	cJSON *obj;    /* in the document only while it has members */
	cJSON **pool;  /* a node per position, keyed by t->keys, made the
			  first time the position needs one, then kept */
	bool attached; /* obj is in the document */
};

/* What the layout remembers of a sensor: a change means a new layout. */
struct entry {
	int eng;
	enum eng_class cls;
	double trip_c;
	enum eng_trip_src trip_src;
};

/* What telemetry and the sensors message use of a sensor's view this
 * cycle (72 bytes, not the whole eng_sensor_view: 176). */
struct view {
	const char *id; /* the engine's */
	double value_c, filtered_c, used_c, slope_c_per_s, eta_s;
	uint64_t rejected;
	int level;
	enum eng_sensor_status status;
	bool assumed;
};

struct mqm_tele {
	int n, cap;
	struct entry *layout;
	struct view *view; /* this cycle's, by position */
	char name[9];
	/* the telemetry document */
	cJSON *doc, *ts, *seq, *state, *zone_alarm;
	cJSON **value, **filtered;
	char (*text)[JNUM_LEN]; /* value_c, filtered_c, ts, seq (json_num.h) */
	struct sparse sp[SP_COUNT];
	char (*keys)[12]; /* "0", "1", ...: the sparse members' names */
	char *buf;
	size_t buflen;
};

struct mqm_tele *
mqm_tele_create(void)
{
	return calloc(1, sizeof(struct mqm_tele));
}

/* Take every pool node out of its object, so that the document never
 * owns them. */
static void
sparse_clear(struct sparse *sp)
{
	if (sp->obj != NULL)
		while (sp->obj->child != NULL)
			cJSON_DetachItemViaPointer(sp->obj, sp->obj->child);
}

static void
doc_free(struct mqm_tele *t)
{
	for (int k = 0; k < SP_COUNT; k++) {
		struct sparse *sp = &t->sp[k];

		sparse_clear(sp);
		if (sp->attached)
			cJSON_DetachItemViaPointer(t->doc, sp->obj);
		cJSON_Delete(sp->obj);
		for (int i = 0; sp->pool != NULL && i < t->n; i++) {
			if (sp->pool[i] != NULL && jnum_is_text(sp->pool[i]))
				free(sp->pool[i]->valuestring);
			cJSON_Delete(sp->pool[i]);
		}
		free(sp->pool);
		memset(sp, 0, sizeof(*sp));
	}
	cJSON_Delete(t->doc);
	t->doc = NULL;
	free(t->value);
	free(t->filtered);
	free(t->keys);
	free(t->text);
	t->value = t->filtered = NULL;
	t->keys = NULL;
	t->text = NULL;
}

void
mqm_tele_free(struct mqm_tele *t)
{
	if (t == NULL)
		return;
	doc_free(t);
	free(t->layout);
	free(t->view);
	free(t->buf);
	free(t);
}

static bool
same_entry(const struct entry *a, int eng, const struct eng_sensor_view *v)
{
	return a->eng == eng && a->cls == v->cls &&
	    a->trip_src == v->trip_src &&
	    (a->trip_c == v->trip_c || (isnan(a->trip_c) && isnan(v->trip_c)));
}

static void
name_layout(struct mqm_tele *t)
{
	uint32_t h = FNV32_INIT;

	for (int i = 0; i < t->n; i++) {
		const struct entry *l = &t->layout[i];
		const char *cls = eng_class_name(l->cls);
		const char *src = mqm_trip_src_name(l->trip_src);
		double trip = round(l->trip_c * 1000.0) / 1000.0;

		h = fnv32(h, t->view[i].id, strlen(t->view[i].id) + 1);
		h = fnv32(h, cls, strlen(cls) + 1);
		h = fnv32(h, &trip, sizeof(trip));
		h = fnv32(h, src, strlen(src) + 1);
	}
	snprintf(t->name, sizeof(t->name), "%08x", h);
}

static cJSON *
add_const(cJSON *obj, const char *key, cJSON *item)
{
	if (item != NULL && !cJSON_AddItemToObjectCS(obj, key, item)) {
		cJSON_Delete(item);
		return NULL;
	}
	return item;
}

/* The telemetry document for t->n positions. */
static bool
doc_build(struct mqm_tele *t)
{
	cJSON *d, *va, *fa;
	int i, k;

	doc_free(t);
	t->doc = d = cJSON_CreateObject();
	t->value = calloc((size_t)t->n + 1, sizeof(*t->value));
	t->filtered = calloc((size_t)t->n + 1, sizeof(*t->filtered));
	t->keys = calloc((size_t)t->n + 1, sizeof(*t->keys));
	t->text = calloc(2 * (size_t)t->n + 2, sizeof(*t->text));
	if (d == NULL || t->value == NULL || t->filtered == NULL ||
	    t->keys == NULL || t->text == NULL)
		return false;
	if (add_const(d, "v", cJSON_CreateNumber(MQM_TELE_VERSION)) == NULL ||
	    (t->ts = add_const(d, "ts", jnum_node(t->text[2 * t->n]))) ==
		NULL ||
	    (t->seq = add_const(d, "seq", jnum_node(t->text[2 * t->n + 1]))) ==
		NULL ||
	    add_const(d, "layout", cJSON_CreateStringReference(t->name)) ==
		NULL ||
	    (t->state = add_const(d, "state",
		 cJSON_CreateStringReference(eng_state_name(0)))) == NULL ||
	    (t->zone_alarm = add_const(d, "zone_alarm", cJSON_CreateFalse())) ==
		NULL ||
	    (va = add_const(d, "value_c", cJSON_CreateArray())) == NULL ||
	    (fa = add_const(d, "filtered_c", cJSON_CreateArray())) == NULL)
		return false;
	for (i = 0; i < t->n; i++) {
		snprintf(t->keys[i], sizeof(t->keys[i]), "%d", i);
		t->value[i] = jnum_node(t->text[2 * i]);
		t->filtered[i] = jnum_node(t->text[2 * i + 1]);
		if (!cJSON_AddItemToArray(va, t->value[i]) ||
		    !cJSON_AddItemToArray(fa, t->filtered[i]))
			return false;
	}
	for (k = 0; k < SP_COUNT; k++) {
		struct sparse *sp = &t->sp[k];

		sp->obj = cJSON_CreateObject();
		sp->pool = calloc((size_t)t->n + 1, sizeof(*sp->pool));
		if (sp->obj == NULL || sp->pool == NULL)
			return false;
	}
	return true;
}

static bool
grow(struct mqm_tele *t, int n)
{
	struct view *v;
	struct entry *l;

	if (n <= t->cap)
		return true;
	l = realloc(t->layout, (size_t)n * sizeof(*l));
	if (l == NULL)
		return false;
	t->layout = l;
	v = realloc(t->view, (size_t)n * sizeof(*v));
	if (v == NULL)
		return false;
	t->view = v;
	t->cap = n;
	return true;
}

bool
mqm_tele_sync(struct mqm_tele *t, const struct eng *e)
{
	int i, k = 0, n = eng_sensor_count(e);
	bool changed = false;

	if (!grow(t, n > 0 ? n : 1)) {
		doc_free(t);
		return false;
	}
	for (i = 0; i < n; i++) {
		struct eng_sensor_view ev;

		eng_sensor_view(e, i, &ev);
		if (ev.status == ENG_SENSOR_REMOVED)
			continue;
		if (k >= t->n || !same_entry(&t->layout[k], i, &ev)) {
			changed = true;
			t->layout[k].eng = i;
			t->layout[k].cls = ev.cls;
			t->layout[k].trip_c = ev.trip_c;
			t->layout[k].trip_src = ev.trip_src;
		}
		t->view[k++] = (struct view){ .id = ev.id,
			.value_c = ev.value_c,
			.filtered_c = ev.filtered_c,
			.used_c = mqm_used_c(&ev),
			.slope_c_per_s = ev.slope_c_per_s,
			.eta_s = ev.eta_s,
			.rejected = ev.rejected,
			.level = ev.level,
			.status = ev.status,
			.assumed = ev.extrapolated };
	}
	if (k != t->n || t->doc == NULL || t->name[0] == '\0')
		changed = true;
	if (!changed)
		return false;
	t->n = k;
	name_layout(t);
	if (!doc_build(t)) {
		doc_free(t);
		return false;
	}
	return true;
}

const char *
mqm_tele_layout(const struct mqm_tele *t)
{
	return t->name;
}

int
mqm_tele_count(const struct mqm_tele *t)
{
	return t->n;
}

char *
mqm_sensors(const struct mqm_tele *t, const struct mqm_id *id, int64_t ts_ms,
    uint64_t seq, int max_sensors, int refused)
{
	cJSON *o = mqm_header(id, ts_ms, seq), *arr, *s;

	if (o == NULL)
		return NULL;
	cJSON_SetNumberValue(cJSON_GetObjectItem(o, "v"), MQM_TELE_VERSION);
	cJSON_AddNumberToObject(o, "tier", id->tier);
	cJSON_AddStringToObject(o, "layout", t->name);
	cJSON_AddNumberToObject(o, "max_sensors", max_sensors);
	cJSON_AddNumberToObject(o, "refused", refused);
	arr = cJSON_AddArrayToObject(o, "sensors");
	for (int i = 0; arr != NULL && i < t->n; i++) {
		const struct entry *l = &t->layout[i];

		s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "id", t->view[i].id);
		cJSON_AddStringToObject(s, "class", eng_class_name(l->cls));
		mqm_add_num(s, "trip_c", l->trip_c);
		cJSON_AddStringToObject(
		    s, "trip_src", mqm_trip_src_name(l->trip_src));
		cJSON_AddItemToArray(arr, s);
	}
	return mqm_finish(o);
}

/* As JSON shows them (to 1e-3, null when not finite), equal. */
static bool
same_rounded(double a, double b)
{
	if (!isfinite(a) || !isfinite(b))
		return !isfinite(a) && !isfinite(b);
	return round(a * 1000.0) == round(b * 1000.0);
}

static void
sparse_put(
    struct mqm_tele *t, enum sparse_kind k, int i, double v, const char *text)
{
	cJSON *node = t->sp[k].pool[i];

	if (node == NULL) {
		char *buf = NULL;

		if (k != SP_ASSUMED && text == NULL &&
		    (buf = malloc(JNUM_LEN)) == NULL)
			return; /* out of memory: left out this time */
		node = k == SP_ASSUMED ? cJSON_CreateTrue()
		    : text != NULL     ? cJSON_CreateStringReference(text)
				       : jnum_node(buf);
		if (node == NULL) {
			free(buf);
			return;
		}
		t->sp[k].pool[i] = node;
	}
	if (text != NULL)
		node->valuestring = (char *)text;
	else if (k != SP_ASSUMED) /* true, always */
		jnum_set(node, v);
	cJSON_AddItemToObjectCS(t->sp[k].obj, t->keys[i], node);
}

static bool
print(struct mqm_tele *t)
{
	size_t want = (size_t)t->n * 64 + 512;

	for (;;) {
		if (t->buflen < want) {
			char *b = realloc(t->buf, want);

			if (b == NULL)
				return false;
			t->buf = b;
			t->buflen = want;
		}
		if (cJSON_PrintPreallocated(t->doc, t->buf, (int)t->buflen, 0))
			return true;
		want = t->buflen * 2; /* rare: a sparse member for each */
	}
}

const char *
mqm_telemetry2(
    struct mqm_tele *t, int64_t ts_ms, uint64_t seq, const struct eng_output *o)
{
	int i, k;

	if (t->doc == NULL)
		return NULL;
	jnum_set_int(t->ts, ts_ms);
	jnum_set_int(t->seq, (int64_t)seq);
	t->state->valuestring = (char *)eng_state_name(o->state);
	/* the type's low byte; the flags (a constant key) stay */
	t->zone_alarm->type = (t->zone_alarm->type & ~0xff) |
	    (o->zone_alarm ? cJSON_True : cJSON_False);
	for (k = 0; k < SP_COUNT; k++)
		sparse_clear(&t->sp[k]);
	for (i = 0; i < t->n; i++) {
		const struct view *v = &t->view[i];
		double slope = round(v->slope_c_per_s * 60.0 * 1000.0) / 1000.0;
		double used = v->used_c;

		jnum_set(t->value[i], v->value_c);
		jnum_set(t->filtered[i], v->filtered_c);
		if (isfinite(slope) && slope != 0.0)
			sparse_put(t, SP_SLOPE, i, slope, NULL);
		if (isfinite(v->eta_s))
			sparse_put(t, SP_ETA, i, v->eta_s, NULL);
		if (v->level != 0)
			sparse_put(t, SP_LEVEL, i, v->level, NULL);
		if (v->status != ENG_SENSOR_VALID)
			sparse_put(t, SP_STATUS, i, 0,
			    mqm_sensor_status_name(v->status));
		if (v->rejected != 0)
			sparse_put(
			    t, SP_REJECTED, i, (double)v->rejected, NULL);
		if (!same_rounded(used, v->filtered_c))
			sparse_put(t, SP_USED, i, used, NULL);
		if (v->assumed)
			sparse_put(t, SP_ASSUMED, i, 0, NULL);
	}
	/* a sparse member is in the message only when it has positions */
	for (k = 0; k < SP_COUNT; k++) {
		struct sparse *sp = &t->sp[k];
		bool want = sp->obj->child != NULL;

		if (want && !sp->attached)
			cJSON_AddItemToObjectCS(
			    t->doc, sparse_names[k], sp->obj);
		else if (!want && sp->attached)
			cJSON_DetachItemViaPointer(t->doc, sp->obj);
		sp->attached = want;
	}
	return print(t) ? t->buf : NULL;
}
