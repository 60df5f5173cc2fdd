/*
 * mqtt_tele.c - telemetry schema 2: the layout taken from the engine, the
 * sensors message, and the telemetry document updated in place each
 * cycle. See mqtt_tele.h and thermwatch-mqtt(7).
 */
#include "mqtt_tele.h"

#include <limits.h>
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

/* A sparse member's node with its own number text and key (the position
 * it was last used for, in decimal): made the first time a kind needs
 * that many members in one cycle, then reused in order. */
struct spnode {
	cJSON n;
	char text[JNUM_LEN];
	char key[12];
	int pos; /* -1: not keyed yet */
};

struct sparse {
	cJSON *obj;           /* in the document only while it has members */
	struct spnode **pool; /* made so far (cap), used this cycle (used) */
	int used, cap;
	bool attached; /* obj is in the document */
};

/* What the layout remembers of a sensor (24 bytes): a change means a
 * new layout. id is the engine's, taken again each cycle. */
struct entry {
	const char *id;
	double trip_c;
	int eng;
	uint8_t cls;      /* enum eng_class */
	uint8_t trip_src; /* enum eng_trip_src */
};

/*
 * A position's value_c and filtered_c (112 bytes, in one array: no
 * allocation and no pointer of its own per sensor): one node, in
 * value_c's array, and the two numbers' texts. The node shows one of
 * them at a time: filtered_c's while filtered_c is printed into a buffer
 * of its own (the document's "filtered_c", a raw node), then value_c's
 * while the document is printed. r is what jnum_set left in the node's
 * valuedouble for each, so that it sets a text again only when its number
 * changed; a text is "" while cJSON prints that number itself (a number
 * node, JNUM_MAX or more).
 */
struct pos {
	cJSON n;
	double r[2];
	char text[2][JNUM_LEN];
};

enum { V_VALUE, V_FILTERED };

struct mqm_tele {
	int n, cap;
	struct entry *layout;
	char name[9];
	/* the telemetry document */
	cJSON *doc, *ts, *seq, *state, *zone_alarm, *va, *fa;
	struct pos *vals;       /* by position; va's children */
	int shown;              /* which of their numbers they show */
	char text[3][JNUM_LEN]; /* v, ts, seq */
	struct sparse sp[SP_COUNT];
	char *buf, *fbuf; /* the document; filtered_c (fa's text) */
	size_t buflen, fbuflen;
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
	sp->used = 0;
}

/* The document goes; the sparse objects and pools stay for the next. The
 * nodes of t->vals and the pools are never the document's to free. */
static void
doc_free(struct mqm_tele *t)
{
	for (int k = 0; k < SP_COUNT; k++) {
		struct sparse *sp = &t->sp[k];

		sparse_clear(sp);
		if (sp->attached)
			cJSON_DetachItemViaPointer(t->doc, sp->obj);
		sp->attached = false;
	}
	if (t->va != NULL)
		t->va->child = NULL;
	cJSON_Delete(t->doc);
	t->doc = t->va = t->fa = NULL;
	free(t->vals);
	t->vals = NULL;
}

void
mqm_tele_free(struct mqm_tele *t)
{
	if (t == NULL)
		return;
	doc_free(t);
	for (int k = 0; k < SP_COUNT; k++) {
		struct sparse *sp = &t->sp[k];

		cJSON_Delete(sp->obj);
		for (int i = 0; i < sp->cap; i++)
			free(sp->pool[i]);
		free(sp->pool);
	}
	free(t->layout);
	free(t->buf);
	free(t->fbuf);
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

		h = fnv32(h, l->id, strlen(l->id) + 1);
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
	cJSON *d, *v;
	int i, k;

	doc_free(t);
	t->doc = d = cJSON_CreateObject();
	t->vals = calloc((size_t)t->n + 1, sizeof(*t->vals));
	if (d == NULL || t->vals == NULL)
		return false;
	/* "v" too: cJSON would print it with sprintf and read it back each
	 * time */
	if ((v = add_const(d, "v", jnum_node(t->text[0]))) == NULL ||
	    (t->ts = add_const(d, "ts", jnum_node(t->text[1]))) == NULL ||
	    (t->seq = add_const(d, "seq", jnum_node(t->text[2]))) == NULL ||
	    add_const(d, "layout", cJSON_CreateStringReference(t->name)) ==
		NULL ||
	    (t->state = add_const(d, "state",
		 cJSON_CreateStringReference(eng_state_name(0)))) == NULL ||
	    (t->zone_alarm = add_const(d, "zone_alarm", cJSON_CreateFalse())) ==
		NULL ||
	    (t->va = add_const(d, "value_c", cJSON_CreateArray())) == NULL ||
	    (t->fa = add_const(
		 d, "filtered_c", cJSON_CreateStringReference("[]"))) == NULL)
		return false;
	jnum_set_int(v, MQM_TELE_VERSION);
	/* raw text by reference (fbuf is not the document's to free); the
	 * flags (a constant key, a reference) stay */
	t->fa->type = (t->fa->type & ~0xff) | cJSON_Raw;
	for (i = 0; i < t->n; i++) {
		struct pos *p = &t->vals[i];

		jnum_init(&p->n, p->text[V_FILTERED]);
		memcpy(p->text[V_VALUE], p->text[V_FILTERED], JNUM_LEN);
		if (!cJSON_AddItemToArray(t->va, &p->n))
			return false;
	}
	t->shown = V_FILTERED;
	for (k = 0; k < SP_COUNT; k++)
		if (t->sp[k].obj == NULL &&
		    (t->sp[k].obj = cJSON_CreateObject()) == NULL)
			return false;
	return true;
}

static bool
grow(struct mqm_tele *t, int n)
{
	struct entry *l;

	if (n <= t->cap)
		return true;
	l = realloc(t->layout, (size_t)n * sizeof(*l));
	if (l == NULL)
		return false;
	t->layout = l;
	t->cap = n;
	return true;
}

/* As JSON shows them (to 1e-3, null when not finite), equal. */
static bool
same_rounded(double a, double b)
{
	if (a == b) /* most often: used_c is filtered_c */
		return true;
	if (!isfinite(a) || !isfinite(b))
		return !isfinite(a) && !isfinite(b);
	return round(a * 1000.0) == round(b * 1000.0);
}

/* The pool's next node for kind k, keyed by position i; NULL when out
 * of memory (the member is left out this time). */
static struct spnode *
sparse_node(struct sparse *sp, enum sparse_kind k, int i)
{
	struct spnode *n, **pool;
	char tmp[12], *p = tmp + sizeof(tmp);
	unsigned u = (unsigned)i;

	if (sp->used == sp->cap) {
		pool = realloc(sp->pool, (size_t)(sp->cap + 1) * sizeof(*pool));
		if (pool == NULL)
			return NULL;
		sp->pool = pool;
		if ((n = malloc(sizeof(*n))) == NULL)
			return NULL;
		jnum_init(&n->n, n->text);
		if (k == SP_ASSUMED)
			n->n.type = cJSON_True;
		else if (k == SP_STATUS)
			n->n.type = cJSON_String | cJSON_IsReference;
		n->pos = -1;
		sp->pool[sp->cap++] = n;
	}
	n = sp->pool[sp->used++];
	if (n->pos != i) { /* the key: i in decimal */
		*--p = '\0';
		do {
			*--p = (char)('0' + u % 10);
			u /= 10;
		} while (u != 0);
		memcpy(n->key, p, (size_t)(tmp + sizeof(tmp) - p));
		n->pos = i;
	}
	return n;
}

static void
sparse_put(
    struct mqm_tele *t, enum sparse_kind k, int i, double v, const char *text)
{
	struct spnode *n = sparse_node(&t->sp[k], k, i);

	if (n == NULL)
		return;
	if (text != NULL)
		n->n.valuestring = (char *)text;
	else if (k != SP_ASSUMED) /* true, always */
		jnum_set(&n->n, v);
	cJSON_AddItemToObjectCS(t->sp[k].obj, n->key, &n->n);
}

/* The node shows number w of its position (its text, or the number
 * cJSON prints). */
static void
pos_show(struct pos *p, int w)
{
	p->n.valuestring = p->text[w];
	p->n.valuedouble = p->r[w];
	p->n.type = (p->n.type & ~0xff) |
	    (p->text[w][0] != '\0' ? cJSON_Raw : cJSON_Number);
}

/* Number w of the position is v now. */
static void
pos_set(struct pos *p, int w, double v)
{
	pos_show(p, w);
	jnum_set(&p->n, v);
	p->r[w] = p->n.valuedouble;
	if ((p->n.type & 0xff) == cJSON_Number)
		p->text[w][0] = '\0';
}

/* Position k of the document takes this cycle's view of its sensor (its
 * node left showing filtered_c). */
static void
put_values(struct mqm_tele *t, int k, const struct eng_sensor_view *v)
{
	double slope = 0.0;
	double used = mqm_used_c(v);

	pos_set(&t->vals[k], V_VALUE, v->value_c);
	pos_set(&t->vals[k], V_FILTERED, v->filtered_c);
	if (v->slope_c_per_s != 0.0)
		slope = round(v->slope_c_per_s * 60.0 * 1000.0) / 1000.0;
	if (isfinite(slope) && slope != 0.0)
		sparse_put(t, SP_SLOPE, k, slope, NULL);
	if (isfinite(v->eta_s))
		sparse_put(t, SP_ETA, k, v->eta_s, NULL);
	if (v->level != 0)
		sparse_put(t, SP_LEVEL, k, v->level, NULL);
	if (v->status != ENG_SENSOR_VALID)
		sparse_put(
		    t, SP_STATUS, k, 0, mqm_sensor_status_name(v->status));
	if (v->rejected != 0)
		sparse_put(t, SP_REJECTED, k, (double)v->rejected, NULL);
	if (!same_rounded(used, v->filtered_c))
		sparse_put(t, SP_USED, k, used, NULL);
	if (v->extrapolated)
		sparse_put(t, SP_ASSUMED, k, 0, NULL);
}

/* Each cycle's one pass over the engine's sensors: the layout compared,
 * and while it holds, the values set in the document. A changed layout
 * makes a new document, filled by a second pass. */
bool
mqm_tele_sync(struct mqm_tele *t, const struct eng *e)
{
	struct eng_sensor_view ev;
	int i, k = 0, n = eng_sensor_count(e);
	bool changed = t->doc == NULL || t->name[0] == '\0';

	if (!grow(t, n > 0 ? n : 1)) {
		doc_free(t);
		return false;
	}
	for (k = 0; k < SP_COUNT; k++)
		sparse_clear(&t->sp[k]);
	t->shown = V_FILTERED;
	for (i = 0, k = 0; i < n; i++) {
		eng_sensor_view(e, i, &ev);
		if (ev.status == ENG_SENSOR_REMOVED)
			continue;
		if (k >= t->n || !same_entry(&t->layout[k], i, &ev)) {
			changed = true;
			t->layout[k].eng = i;
			t->layout[k].cls = (uint8_t)ev.cls;
			t->layout[k].trip_c = ev.trip_c;
			t->layout[k].trip_src = (uint8_t)ev.trip_src;
		}
		t->layout[k].id = ev.id;
		if (!changed)
			put_values(t, k, &ev);
		k++;
	}
	if (k != t->n)
		changed = true;
	if (!changed)
		return false;
	t->n = k;
	name_layout(t);
	if (!doc_build(t)) {
		doc_free(t);
		return false;
	}
	for (k = 0; k < t->n; k++) {
		eng_sensor_view(e, t->layout[k].eng, &ev);
		put_values(t, k, &ev);
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

		/* constant keys and the strings by reference: five nodes a
		 * sensor, no copies (at 1,024 sensors the copies were ~330 kB
		 * of the heap's peak) */
		s = cJSON_CreateObject();
		if (s == NULL ||
		    add_const(s, "id", cJSON_CreateStringReference(l->id)) ==
			NULL ||
		    add_const(s, "class",
			cJSON_CreateStringReference(eng_class_name(l->cls))) ==
			NULL ||
		    add_const(s, "trip_c",
			isfinite(l->trip_c)
			    ? cJSON_CreateNumber(
				  round(l->trip_c * 1000.0) / 1000.0)
			    : cJSON_CreateNull()) == NULL ||
		    add_const(s, "trip_src",
			cJSON_CreateStringReference(
			    mqm_trip_src_name(l->trip_src))) == NULL ||
		    !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			cJSON_Delete(o);
			return NULL;
		}
	}
	return mqm_finish(o);
}

/* Printed into a kept buffer, sized to the text the first time (want),
 * and grown by half when a cycle has more to say. */
static bool
print_into(const cJSON *item, char **buf, size_t *len, size_t want)
{
	for (;;) {
		if (*len < want) {
			char *b = realloc(*buf, want);

			if (b == NULL)
				return false;
			*buf = b;
			*len = want;
		}
		if (cJSON_PrintPreallocated((cJSON *)item, *buf, (int)*len, 0))
			return true;
		if (*len > INT_MAX / 2) /* not for want of room */
			return false;
		want = *len + *len / 2 + 64;
	}
}

/* filtered_c (the nodes showing it), then the document, in which the
 * nodes show value_c and filtered_c is that text: cJSON prints both. */
static bool
print(struct mqm_tele *t)
{
	size_t flen;

	if (t->shown != V_FILTERED) {
		for (int k = 0; k < t->n; k++)
			pos_show(&t->vals[k], V_FILTERED);
		t->shown = V_FILTERED;
	}
	/* 7 bytes a number ("45.125,") and then some */
	if (!print_into(t->va, &t->fbuf, &t->fbuflen, (size_t)t->n * 8 + 64))
		return false;
	flen = strlen(t->fbuf);
	t->fa->valuestring = t->fbuf;
	for (int k = 0; k < t->n; k++)
		pos_show(&t->vals[k], V_VALUE);
	t->shown = V_VALUE;
	return print_into(t->doc, &t->buf, &t->buflen, 2 * flen + 512);
}

const char *
mqm_telemetry2(
    struct mqm_tele *t, int64_t ts_ms, uint64_t seq, const struct eng_output *o)
{
	int k;

	if (t->doc == NULL)
		return NULL;
	jnum_set_int(t->ts, ts_ms);
	jnum_set_int(t->seq, (int64_t)seq);
	t->state->valuestring = (char *)eng_state_name(o->state);
	/* the type's low byte; the flags (a constant key) stay */
	t->zone_alarm->type = (t->zone_alarm->type & ~0xff) |
	    (o->zone_alarm ? cJSON_True : cJSON_False);
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
