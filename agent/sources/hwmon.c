/*
 * hwmon.c - libsensors source.
 */
#include "hwmon.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sensors/error.h>
#include <sensors/sensors.h>

struct hwm_sensor {
	const sensors_chip_name *chip;
	char id[ENG_ID_LEN];
	enum eng_class cls;
	int input_nr;
	int fault_nr; /* -1 when absent */
	int alarm_nr; /* crit_alarm, -1 when absent */
	double max_c, crit_c, emergency_c;
};

struct hwm {
	struct hwmon_conf conf;
	bool inited;
	int n;
	struct hwm_sensor s[ENG_MAX_SENSORS];
};

enum eng_class
hwm_class_of_chip(const char *prefix)
{
	static const char *const cpu[] = { "coretemp", "k10temp", "zenpower",
		"k8temp", "via_cputemp", NULL };
	int i;

	for (i = 0; cpu[i] != NULL; i++)
		if (strcmp(prefix, cpu[i]) == 0)
			return ENG_CLASS_CPU;
	return ENG_CLASS_OTHER;
}

static int
init_lib(struct hwm *h, char *err, size_t errlen)
{
	FILE *f = NULL;
	int r;

	if (h->conf.sensors_conf[0] != '\0') {
		f = fopen(h->conf.sensors_conf, "re");
		if (f == NULL) {
			snprintf(err, errlen, "%s: %s", h->conf.sensors_conf,
			    strerror(errno));
			return -1;
		}
	}
	r = sensors_init(f);
	if (f != NULL)
		fclose(f);
	if (r != 0) {
		snprintf(err, errlen, "libsensors: %s", sensors_strerror(r));
		return -1;
	}
	h->inited = true;
	return 0;
}

static double
read_limit(const sensors_chip_name *chip, const sensors_feature *feat,
    sensors_subfeature_type type)
{
	const sensors_subfeature *sf;
	double v;

	sf = sensors_get_subfeature(chip, feat, type);
	if (sf == NULL || sensors_get_value(chip, sf->number, &v) != 0)
		return NAN;
	return v;
}

static int
subfeature_nr(const sensors_chip_name *chip, const sensors_feature *feat,
    sensors_subfeature_type type)
{
	const sensors_subfeature *sf = sensors_get_subfeature(chip, feat, type);

	return sf != NULL ? sf->number : -1;
}

static bool
ignored(const struct hwm *h, const char *id)
{
	int i;

	for (i = 0; i < h->conf.n_ignore; i++)
		if (fnmatch(h->conf.ignore[i], id, 0) == 0)
			return true;
	return false;
}

static void
scan(struct hwm *h)
{
	const sensors_chip_name *chip;
	const sensors_feature *feat;
	struct hwm_sensor *s;
	char chipname[64];
	int c = 0, f;
	char *label;

	h->n = 0;
	while ((chip = sensors_get_detected_chips(NULL, &c)) != NULL) {
		if (sensors_snprintf_chip_name(
			chipname, sizeof(chipname), chip) < 0)
			continue;
		f = 0;
		while ((feat = sensors_get_features(chip, &f)) != NULL) {
			if (feat->type != SENSORS_FEATURE_TEMP)
				continue;
			if (h->n >= ENG_MAX_SENSORS)
				return;
			s = &h->s[h->n];
			s->input_nr = subfeature_nr(
			    chip, feat, SENSORS_SUBFEATURE_TEMP_INPUT);
			if (s->input_nr < 0)
				continue;
			label = sensors_get_label(chip, feat);
			snprintf(s->id, sizeof(s->id), "%s/%s", chipname,
			    label != NULL ? label : feat->name);
			free(label);
			if (ignored(h, s->id))
				continue;
			s->chip = chip;
			s->cls = hwm_class_of_chip(chip->prefix);
			s->fault_nr = subfeature_nr(
			    chip, feat, SENSORS_SUBFEATURE_TEMP_FAULT);
			s->alarm_nr = subfeature_nr(
			    chip, feat, SENSORS_SUBFEATURE_TEMP_CRIT_ALARM);
			s->max_c = read_limit(
			    chip, feat, SENSORS_SUBFEATURE_TEMP_MAX);
			s->crit_c = read_limit(
			    chip, feat, SENSORS_SUBFEATURE_TEMP_CRIT);
			s->emergency_c = read_limit(
			    chip, feat, SENSORS_SUBFEATURE_TEMP_EMERGENCY);
			h->n++;
		}
	}
}

struct hwm *
hwm_create(const struct hwmon_conf *c, char *err, size_t errlen)
{
	struct hwm *h = calloc(1, sizeof(*h));

	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->conf = *c;
	if (init_lib(h, err, errlen) != 0) {
		free(h);
		return NULL;
	}
	scan(h);
	return h;
}

void
hwm_free(struct hwm *h)
{
	if (h == NULL)
		return;
	if (h->inited)
		sensors_cleanup();
	free(h);
}

int
hwm_rescan(struct hwm *h, char *err, size_t errlen)
{
	if (h->inited)
		sensors_cleanup();
	h->inited = false;
	h->n = 0;
	if (init_lib(h, err, errlen) != 0)
		return -1;
	scan(h);
	return h->n;
}

/* A limit is plausible when it is a finite value above 0 degC. */
static bool
plausible_limit(double v)
{
	return isfinite(v) && v > 0.0 && v < 250.0;
}

void
hwm_read(struct hwm *h, int64_t now_ms, src_emit_cb emit, void *arg)
{
	struct src_reading r;
	struct hwm_sensor *s;
	double v, flag;
	int i;

	for (i = 0; i < h->n; i++) {
		s = &h->s[i];
		memset(&r, 0, sizeof(r));
		memcpy(r.id, s->id, sizeof(r.id));
		r.source = "hwmon";
		r.cls = s->cls;
		r.t_ms = now_ms;
		r.max_c = s->max_c;
		r.crit_c = s->crit_c;
		r.emergency_c = s->emergency_c;
		r.trip_c = NAN;
		if (plausible_limit(s->emergency_c)) {
			r.trip_c = s->emergency_c;
			r.trip_from = "emergency";
		} else if (plausible_limit(s->crit_c)) {
			r.trip_c = s->crit_c;
			r.trip_from = "crit";
		}
		r.quality = ENG_Q_OK;
		r.hw_state = "nominal";
		if (sensors_get_value(s->chip, s->input_nr, &v) != 0) {
			r.value_c = NAN;
			r.quality = ENG_Q_UNAVAILABLE;
			r.hw_state = NULL;
		} else {
			r.value_c = v;
		}
		/* libsensors still returns a number when the fault flag is
		 * set, so the flag must be read separately. */
		if (s->fault_nr >= 0 &&
		    sensors_get_value(s->chip, s->fault_nr, &flag) == 0 &&
		    flag != 0.0) {
			r.quality = ENG_Q_FAULT;
			r.hw_state = "fault";
		} else if (r.quality == ENG_Q_OK && s->alarm_nr >= 0 &&
		    sensors_get_value(s->chip, s->alarm_nr, &flag) == 0 &&
		    flag != 0.0) {
			r.hw_state = "alarm";
		}
		emit(arg, &r);
	}
}

bool
hwm_has(const struct hwm *h, const char *id)
{
	int i;

	for (i = 0; i < h->n; i++)
		if (strcmp(h->s[i].id, id) == 0)
			return true;
	return false;
}

int
hwm_count(const struct hwm *h)
{
	return h->n;
}
