/*
 * hwmon.c - the hwmon source's discovery: libsensors started with the
 * configured sensors3.conf, the temperature features found with their
 * ids, classes and limits, each attached to the sink once per scan, and
 * the fingerprint that tells a periodic check whether a rescan is due.
 * The per-cycle reads are in hwmon_fd.c. See hwmon.h.
 */
#include "hwmon_int.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sensors/error.h>

#include "fnv.h"

#define HWMON_CLASS "/sys/class/hwmon"

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

	if (h->conf->sensors_conf[0] != '\0') {
		f = fopen(h->conf->sensors_conf, "re");
		if (f == NULL) {
			snprintf(err, errlen, "%s: %s", h->conf->sensors_conf,
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

/* The subfeature's number and file name (libsensors' own); -1 and NULL
 * when absent. */
static int
subfeature(const sensors_chip_name *chip, const sensors_feature *feat,
    sensors_subfeature_type type, const char **name)
{
	const sensors_subfeature *sf = sensors_get_subfeature(chip, feat, type);

	if (name != NULL)
		*name = sf != NULL ? sf->name : NULL;
	return sf != NULL ? sf->number : -1;
}

static bool
ignored(const struct hwm *h, const char *id)
{
	int i;

	for (i = 0; i < h->conf->n_ignore; i++)
		if (fnmatch(h->conf->ignore[i], id, 0) == 0)
			return true;
	return false;
}

/* A limit is plausible when it is a finite value above 0 degC. */
static bool
plausible_limit(double v)
{
	return isfinite(v) && v > 0.0 && v < 250.0;
}

/* The static part of the sensor's readings: id, class, limits, trip. */
static void
describe(struct hwm_sensor *s, const sensors_feature *feat)
{
	struct src_reading *r = &s->r;

	r->source = "hwmon";
	r->cls = hwm_class_of_chip(s->chip->prefix);
	r->max_c = read_limit(s->chip, feat, SENSORS_SUBFEATURE_TEMP_MAX);
	r->crit_c = read_limit(s->chip, feat, SENSORS_SUBFEATURE_TEMP_CRIT);
	r->emergency_c = read_limit(
	    s->chip, feat, SENSORS_SUBFEATURE_TEMP_EMERGENCY);
	r->trip_c = NAN;
	if (plausible_limit(r->emergency_c)) {
		r->trip_c = r->emergency_c;
		r->trip_from = "emergency";
	} else if (plausible_limit(r->crit_c)) {
		r->trip_c = r->crit_c;
		r->trip_from = "crit";
	}
	r->value_c = NAN;
	r->quality = ENG_Q_UNAVAILABLE;
	r->handle = -1;
}

static struct hwm_sensor *
next_slot(struct hwm *h)
{
	struct hwm_sensor *s;
	int cap;

	if (h->n == h->cap) {
		cap = h->cap > 0 ? h->cap * 2 : 64;
		s = realloc(h->s, (size_t)cap * sizeof(*s));
		if (s == NULL)
			return NULL;
		h->s = s;
		h->cap = cap;
	}
	s = &h->s[h->n];
	memset(s, 0, sizeof(*s));
	s->fd_input = s->fd_fault = -1;
	return s;
}

/* One temperature feature: described, opened, attached. False when it
 * is not a sensor to read (no input, ignored, out of memory). */
static bool
add_feature(struct hwm *h, const sensors_chip_name *chip, const char *chipname,
    const sensors_feature *feat, const char *probe)
{
	struct hwm_sensor *s = next_slot(h);
	char id[IDSTR_LEN], *label;

	if (s == NULL)
		return false;
	s->chip = chip;
	s->input_nr = subfeature(
	    chip, feat, SENSORS_SUBFEATURE_TEMP_INPUT, &s->input_name);
	if (s->input_nr < 0)
		return false;
	label = sensors_get_label(chip, feat);
	snprintf(id, sizeof(id), "%s/%s", chipname,
	    label != NULL ? label : feat->name);
	free(label);
	if (ignored(h, id) || (s->r.id = idstr_intern(id)) == NULL)
		return false;
	s->fault_nr = subfeature(
	    chip, feat, SENSORS_SUBFEATURE_TEMP_FAULT, &s->fault_name);
	s->alarm_nr = subfeature(
	    chip, feat, SENSORS_SUBFEATURE_TEMP_CRIT_ALARM, NULL);
	describe(s, feat);
	s->r.handle = h->attach != NULL ? h->attach(h->attach_arg, &s->r) : 0;
	if (s->r.handle >= 0) {
		hwm_fd_open(s, probe);
		if (s->fd_input < 0)
			h->n_lib++;
	}
	h->n++;
	return true;
}

static void
close_all(struct hwm *h)
{
	for (int i = 0; i < h->n; i++)
		hwm_fd_close(&h->s[i]);
	h->n = 0;
	h->n_lib = 0;
}

/* Of the chips' names, of the libsensors configuration: what a periodic
 * check compares, a hash of the names and inode numbers. */
static uint64_t
stat_mark(uint64_t x, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return fnv64(x, "-", 1);
	x = fnv64(x, &st.st_ino, sizeof(st.st_ino));
	x = fnv64(x, &st.st_size, sizeof(st.st_size));
	return fnv64(x, &st.st_mtim, sizeof(st.st_mtim));
}

static uint64_t
dir_mark(uint64_t x, const char *path, bool stat_entries)
{
	char sub[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(path);

	if (d == NULL)
		return fnv64(x, "-", 1);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		x = fnv64(x, de->d_name, strlen(de->d_name) + 1);
		x = fnv64(x, &de->d_ino, sizeof(de->d_ino));
		if (stat_entries &&
		    snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) <
			(int)sizeof(sub))
			x = stat_mark(x, sub);
	}
	closedir(d);
	return x;
}

static uint64_t
fingerprint(const struct hwm *h)
{
	uint64_t x = FNV64_INIT;

	x = dir_mark(x, HWMON_CLASS, false);
	if (h->conf->sensors_conf[0] != '\0')
		return stat_mark(x, h->conf->sensors_conf);
	/* sensors_init(NULL): these files, as libsensors reads them */
	x = stat_mark(x, "/etc/sensors3.conf");
	x = stat_mark(x, "/etc/sensors.conf");
	return dir_mark(x, "/etc/sensors.d", true);
}

/* Do the reads need libsensors: an input with a compute statement, or a
 * fault flag that could not be opened? (crit_alarm, for --once, too.) */
static bool
reads_need_lib(const struct hwm *h)
{
	if (h->n_lib > 0)
		return true;
	for (int i = 0; i < h->n; i++)
		if (h->s[i].r.handle >= 0 && h->s[i].fault_nr >= 0 &&
		    h->s[i].fd_fault < 0)
			return true;
	return false;
}

/*
 * When every attached sensor is read through its descriptors, libsensors'
 * configuration and chip list (~2 kB a chip, and the whole parsed
 * sensors3.conf) are not needed until the next scan: they go at the first
 * read after a scan, with their pointers in the slots.
 */
static void
release_lib(struct hwm *h)
{
	for (int i = 0; i < h->n; i++) {
		struct hwm_sensor *s = &h->s[i];

		s->chip = NULL;
		s->input_name = s->fault_name = NULL;
		s->fault_nr = s->alarm_nr = -1; /* read by fd, or not at all */
	}
	sensors_cleanup();
	h->inited = false;
}

static void
scan(struct hwm *h)
{
	const sensors_chip_name *chip;
	const sensors_feature *feat;
	char chipname[64], probe[PATH_MAX];
	int c = 0, f;

	h->fingerprint = fingerprint(h);
	hwm_probe_begin(probe, sizeof(probe));
	while ((chip = sensors_get_detected_chips(NULL, &c)) != NULL) {
		if (sensors_snprintf_chip_name(
			chipname, sizeof(chipname), chip) < 0)
			continue;
		f = 0;
		while ((feat = sensors_get_features(chip, &f)) != NULL)
			if (feat->type == SENSORS_FEATURE_TEMP)
				add_feature(h, chip, chipname, feat, probe);
	}
	hwm_probe_end(probe);
	h->need_lib = reads_need_lib(h);
}

struct hwm *
hwm_create(const struct hwmon_conf *c, src_attach_cb attach, void *arg,
    char *err, size_t errlen)
{
	struct hwm *h = calloc(1, sizeof(*h));

	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->conf = c;
	h->attach = attach;
	h->attach_arg = arg;
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
	close_all(h);
	if (h->inited)
		sensors_cleanup();
	free(h->s);
	free(h);
}

int
hwm_rescan(struct hwm *h, char *err, size_t errlen)
{
	close_all(h);
	if (h->inited)
		sensors_cleanup();
	h->inited = false;
	if (init_lib(h, err, errlen) != 0)
		return -1;
	scan(h);
	return h->n;
}

bool
hwm_changed(struct hwm *h)
{
	return fingerprint(h) != h->fingerprint;
}

void
hwm_read(struct hwm *h, int64_t now_ms, src_emit_cb emit, void *arg)
{
	struct hwm_sensor *s;
	int i;

	if (h->inited && !h->need_lib && !h->alarms)
		release_lib(h);
	for (i = 0; i < h->n; i++) {
		s = &h->s[i];
		if (s->r.handle < 0)
			continue;
		hwm_fd_read(s, h->alarms);
		s->r.t_ms = now_ms;
		emit(arg, &s->r);
	}
}

void
hwm_read_alarms(struct hwm *h, bool on)
{
	char err[256];

	h->alarms = on;
	/* the flags are read through libsensors: back, with a scan that
	 * attaches every sensor again (none when set before the first read,
	 * as --once does) */
	if (on && !h->inited && hwm_rescan(h, err, sizeof(err)) < 0)
		h->alarms = false;
}

bool
hwm_holds_library(const struct hwm *h)
{
	return h->inited;
}

int
hwm_count(const struct hwm *h)
{
	return h->n;
}

int
hwm_count_library(const struct hwm *h)
{
	return h->n_lib;
}

int
hwm_reads_direct(const struct hwm *h, const char *id)
{
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->s[i].r.id, id) == 0)
			return h->s[i].fd_input >= 0 ? 1 : 0;
	return -1;
}
