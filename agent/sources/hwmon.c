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

static const char *const trip_from_names[] = { NULL, "emergency", "crit" };

/* The sensor's hardware limits (NAN when absent). */
static void
read_limits(const struct hwm_lib *l, struct src_reading *r)
{
	r->max_c = read_limit(l->chip, l->feat, SENSORS_SUBFEATURE_TEMP_MAX);
	r->crit_c = read_limit(l->chip, l->feat, SENSORS_SUBFEATURE_TEMP_CRIT);
	r->emergency_c = read_limit(
	    l->chip, l->feat, SENSORS_SUBFEATURE_TEMP_EMERGENCY);
}

/* A reading of no sensor yet: no limits (NAN), no value. */
static void
reading_init(struct src_reading *r, int64_t t_ms)
{
	*r = (struct src_reading){ .source = "hwmon",
		.quality = ENG_Q_UNAVAILABLE,
		.value_c = NAN,
		.trip_c = NAN,
		.max_c = NAN,
		.crit_c = NAN,
		.emergency_c = NAN,
		.t_ms = t_ms,
		.handle = -1 };
}

/* The reading takes what does not change from cycle to cycle of the
 * sensor: id, class, trip, handle. */
static void
reading_of(const struct hwm_sensor *s, struct src_reading *r)
{
	r->id = s->id;
	r->cls = (enum eng_class)s->cls;
	r->trip_c = s->trip_c;
	r->trip_from = trip_from_names[s->trip_from];
	r->handle = s->handle;
}

/* The static part of the sensor: class and trip, from its limits; r, the
 * reading that attaches it, with the limits. */
static void
describe(struct hwm_sensor *s, const struct hwm_lib *l, const char *prefix,
    struct src_reading *r)
{
	struct src_reading lim;

	read_limits(l, &lim);
	s->cls = (uint8_t)hwm_class_of_chip(prefix);
	s->trip_c = NAN;
	s->trip_from = HWM_TRIP_NONE;
	if (plausible_limit(lim.emergency_c)) {
		s->trip_c = lim.emergency_c;
		s->trip_from = HWM_TRIP_EMERGENCY;
	} else if (plausible_limit(lim.crit_c)) {
		s->trip_c = lim.crit_c;
		s->trip_from = HWM_TRIP_CRIT;
	}
	reading_init(r, 0);
	reading_of(s, r);
	r->max_c = lim.max_c;
	r->crit_c = lim.crit_c;
	r->emergency_c = lim.emergency_c;
}

/* A new slot, and its libsensors part, zeroed; NULL when out of memory. */
static struct hwm_sensor *
next_slot(struct hwm *h)
{
	struct hwm_sensor *s;
	struct hwm_lib *l;
	int cap = h->cap;

	if (h->n == h->cap) {
		cap = h->cap > 0 ? h->cap * 2 : 64;
		s = realloc(h->s, (size_t)cap * sizeof(*s));
		if (s == NULL)
			return NULL;
		h->s = s;
		h->cap = cap;
	}
	if (h->lib == NULL || cap != h->cap_lib) {
		l = realloc(h->lib, (size_t)cap * sizeof(*l));
		if (l == NULL)
			return NULL;
		h->lib = l;
		h->cap_lib = cap;
	}
	memset(&h->lib[h->n], 0, sizeof(*h->lib));
	s = &h->s[h->n];
	memset(s, 0, sizeof(*s));
	s->fd_input = s->fd_fault = -1;
	s->handle = -1;
	return s;
}

/* One temperature feature: described, opened, attached. False when it
 * is not a sensor to read (no input, ignored, out of memory). */
static bool
add_feature(struct hwm *h, const sensors_chip_name *chip, const char *chipname,
    const sensors_feature *feat, const char *probe)
{
	struct hwm_sensor *s = next_slot(h);
	struct hwm_lib *l;
	struct src_reading r;
	char id[IDSTR_LEN], *label;

	if (s == NULL)
		return false;
	l = &h->lib[h->n];
	l->chip = chip;
	l->feat = feat;
	l->input_nr = subfeature(
	    chip, feat, SENSORS_SUBFEATURE_TEMP_INPUT, &l->input_name);
	if (l->input_nr < 0)
		return false;
	label = sensors_get_label(chip, feat);
	snprintf(id, sizeof(id), "%s/%s", chipname,
	    label != NULL ? label : feat->name);
	free(label);
	if (ignored(h, id) || (s->id = idstr_intern(id)) == NULL)
		return false;
	l->fault_nr = subfeature(
	    chip, feat, SENSORS_SUBFEATURE_TEMP_FAULT, &l->fault_name);
	l->alarm_nr = subfeature(
	    chip, feat, SENSORS_SUBFEATURE_TEMP_CRIT_ALARM, NULL);
	describe(s, l, chip->prefix, &r);
	s->handle = h->attach != NULL ? h->attach(h->attach_arg, &r) : 0;
	if (s->handle >= 0) {
		hwm_fd_open(s, l, probe);
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
		if (h->s[i].handle >= 0 && h->lib[i].fault_nr >= 0 &&
		    h->s[i].fd_fault < 0)
			return true;
	return false;
}

/*
 * When every attached sensor is read through its descriptors, libsensors'
 * configuration and chip list (~2 kB a chip, and the whole parsed
 * sensors3.conf) are not needed until the next scan: they go at the first
 * read after a scan, with the slots' pointers into them (h->lib).
 */
static void
release_lib(struct hwm *h)
{
	free(h->lib);
	h->lib = NULL;
	h->cap_lib = 0;
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
	free(h->lib);
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
	const struct hwm_sensor *slots;
	const struct hwm_lib *lib, *l = NULL;
	struct src_reading r;
	bool alarms = h->alarms;
	int i, n;

	if (h->inited && !h->need_lib && !alarms)
		release_lib(h);
	/* read once: the sink does not change the source */
	slots = h->s;
	lib = h->lib;
	n = h->n;
	reading_init(&r, now_ms);
	for (i = 0; i < n; i++) {
		const struct hwm_sensor *s = &slots[i];

		if (s->handle < 0)
			continue;
		if (lib != NULL)
			l = &lib[i];
		reading_of(s, &r);
		if (alarms && l != NULL) /* --once, which shows them */
			read_limits(l, &r);
		hwm_fd_read(s, l, alarms, &r);
		emit(arg, &r);
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
		if (strcmp(h->s[i].id, id) == 0)
			return h->s[i].fd_input >= 0 ? 1 : 0;
	return -1;
}
