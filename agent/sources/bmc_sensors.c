/*
 * bmc_sensors.c - the parent's table of BMC sensors (record ids, names,
 * thresholds) and the readings made from it: sensor ids, classes, hardware
 * limits and the trip point.
 */
#include "bmc_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum eng_class
bmc_class_of_name(const char *name)
{
	if (strcasestr(name, "inlet") != NULL ||
	    strcasestr(name, "ambient") != NULL ||
	    strcasestr(name, "front panel") != NULL)
		return ENG_CLASS_INLET;
	if (strcasestr(name, "exhaust") != NULL ||
	    strcasestr(name, "outlet") != NULL)
		return ENG_CLASS_EXHAUST;
	if (strcasestr(name, "cpu") != NULL)
		return ENG_CLASS_CPU;
	return ENG_CLASS_OTHER;
}

struct bmc_sens *
bmc_table_find(struct bmc_table *t, int rid)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (t->s[i].rid == rid)
			return &t->s[i];
	return NULL;
}

void
bmc_table_free(struct bmc_table *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

static void
reset(struct bmc_table *t, struct bmc_sens *s, const char *name)
{
	s->unc = s->uc = s->unr = NAN;
	s->id = NULL;
	s->thr_known = false;
	snprintf(s->name, sizeof(s->name), "%s", name);
	t->new_sensor = true;
}

struct bmc_sens *
bmc_table_add(struct bmc_table *t, int rid, int num, const char *name)
{
	struct bmc_sens *s = bmc_table_find(t, rid);

	/* The SDR changed under the same record id: start over. */
	if (s != NULL && strcmp(s->name, name) != 0)
		reset(t, s, name);
	if (s == NULL) {
		if (t->n == t->cap) {
			int cap = t->cap > 0 ? 2 * t->cap : 32;
			struct bmc_sens *ns = realloc(
			    t->s, (size_t)cap * sizeof(*ns));

			if (ns == NULL)
				return NULL;
			t->s = ns;
			t->cap = cap;
		}
		s = &t->s[t->n++];
		memset(s, 0, sizeof(*s));
		s->rid = rid;
		reset(t, s, name);
	}
	s->num = num;
	return s;
}

static const char *
hw_state(char c)
{
	switch (c) {
	case 'n':
		return "nominal";
	case 'w':
		return "warning";
	case 'c':
		return "critical";
	default:
		return NULL;
	}
}

static void
set_trip(
    const struct ipmi_conf *c, const struct bmc_sens *s, struct src_reading *r)
{
	double first = c->trip == IPMI_TRIP_UNR ? s->unr : s->uc;
	double second = c->trip == IPMI_TRIP_UNR ? s->uc : s->unr;
	const char *fn = c->trip == IPMI_TRIP_UNR ? "upper-non-recoverable"
						  : "upper-critical";
	const char *sn = c->trip == IPMI_TRIP_UNR ? "upper-critical"
						  : "upper-non-recoverable";

	/* The configured threshold, else the other upper one, else none
	 * (the engine then uses the class default). */
	if (!isnan(first)) {
		r->trip_c = first;
		r->trip_from = fn;
	} else if (!isnan(second)) {
		r->trip_c = second;
		r->trip_from = sn;
	} else {
		r->trip_c = NAN;
		r->trip_from = NULL;
	}
}

void
bmc_reading(const struct bmc_table *t, const struct bmc_sens *s,
    const struct ipmi_conf *c, const struct bmc_rec *rec, int64_t t_ms,
    struct src_reading *r)
{
	char id[IDSTR_LEN];
	bool dup = false;
	int i;

	/* A name seen twice gets its sensor number. */
	for (i = 0; i < t->n; i++)
		if (&t->s[i] != s && strcmp(t->s[i].name, s->name) == 0)
			dup = true;
	memset(r, 0, sizeof(*r));
	if (dup)
		snprintf(id, sizeof(id), "ipmi:%s/%s #%d", bmc_conf_label(c),
		    s->name, s->num);
	else
		snprintf(
		    id, sizeof(id), "ipmi:%s/%s", bmc_conf_label(c), s->name);
	/* the same text gives the same pointer: no copy after the first */
	r->id = idstr_intern(id);
	r->source = "ipmi";
	r->cls = bmc_class_of_name(s->name);
	r->value_c = rec->value;
	r->quality = isnan(r->value_c) ? ENG_Q_UNAVAILABLE : ENG_Q_OK;
	r->max_c = s->unc;
	r->crit_c = s->uc;
	r->emergency_c = s->unr;
	set_trip(c, s, r);
	r->hw_state = hw_state(rec->state);
	r->t_ms = t_ms;
	r->handle = s->handle;
}
