/*
 * test_hwmon.c - the hwmon source against libsensors on a fake hwmon
 * tree: every value it reads (pread on kept-open files, or
 * sensors_get_value where a compute statement applies) equals what
 * sensors_get_value returns for the same feature. Run by hwmon_read.sh
 * inside a private mount namespace that holds the tree; argv[1] picks
 * the scenario:
 *
 *	small	coretemp (label from sensors3.conf), lm75 (compute), nct6775
 *		(compute that is the identity at the value of the scan),
 *		k10temp (plain); values changed, a fault, a chip emptied
 *	many	the 1,024-sensor tree, read completely
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sensors/sensors.h>

#include "hwmon.h"

#define MAX_READINGS 4096

struct got {
	int n;
	struct src_reading r[MAX_READINGS];
};

static struct hwmon_conf conf;
static struct got got;

static void
collect(void *arg, const struct src_reading *r)
{
	struct got *g = arg;

	assert_true(g->n < MAX_READINGS);
	g->r[g->n++] = *r;
}

static int
attach_all(void *arg, const struct src_reading *r)
{
	int *next = arg;

	assert_int_equal(r->handle, -1);
	return (*next)++;
}

/* Every temperature input as libsensors names it: id -> chip, number. */
struct lib_sensor {
	char id[ENG_ID_LEN];
	const sensors_chip_name *chip;
	int nr;
};
static struct lib_sensor lib[MAX_READINGS];
static int n_lib;

static void
list_library(void)
{
	const sensors_chip_name *chip;
	const sensors_feature *feat;
	const sensors_subfeature *sf;
	char chipname[64], *label;
	int c = 0, f;

	n_lib = 0;
	while ((chip = sensors_get_detected_chips(NULL, &c)) != NULL) {
		sensors_snprintf_chip_name(chipname, sizeof(chipname), chip);
		f = 0;
		while ((feat = sensors_get_features(chip, &f)) != NULL) {
			if (feat->type != SENSORS_FEATURE_TEMP)
				continue;
			assert_true(n_lib < MAX_READINGS);
			label = sensors_get_label(chip, feat);
			snprintf(lib[n_lib].id, sizeof(lib[n_lib].id), "%s/%s",
			    chipname, label);
			free(label);
			sf = sensors_get_subfeature(
			    chip, feat, SENSORS_SUBFEATURE_TEMP_INPUT);
			assert_non_null(sf);
			lib[n_lib].chip = chip;
			lib[n_lib].nr = sf->number;
			n_lib++;
		}
	}
}

/* What sensors_get_value says for the input of the sensor named id
 * ("chip/label", as the hwmon source names it); -2: no such sensor.
 * The hwmon source lists in libsensors' order, so look there first. */
static int
library_value(int hint, const char *id, double *v)
{
	for (int k = 0; k < n_lib; k++) {
		int i = (hint + k) % n_lib;

		if (strcmp(lib[i].id, id) == 0)
			return sensors_get_value(lib[i].chip, lib[i].nr, v);
	}
	return -2;
}

static const struct src_reading *
find(const char *id)
{
	for (int i = 0; i < got.n; i++)
		if (strcmp(got.r[i].id, id) == 0)
			return &got.r[i];
	fail_msg("no reading of %s", id);
	return NULL;
}

/* Read once; every reading equals libsensors' value (or both fail). */
static void
read_and_compare(struct hwm *h)
{
	double v;
	int rc;

	got.n = 0;
	hwm_read(h, 1000, collect, &got);
	assert_int_equal(got.n, hwm_count(h));
	list_library();
	assert_int_equal(n_lib, got.n);
	for (int i = 0; i < got.n; i++) {
		const struct src_reading *r = &got.r[i];

		rc = library_value(i, r->id, &v);
		assert_int_not_equal(rc, -2);
		if (rc != 0) {
			assert_true(isnan(r->value_c));
			assert_int_equal(r->quality, ENG_Q_UNAVAILABLE);
			continue;
		}
		if (r->value_c != v)
			fail_msg("%s: read %.17g, libsensors %.17g", r->id,
			    r->value_c, v);
	}
}

/* Write a value in place, as tests/fakehwmon.sh set does. */
static void
set_value(const char *path, const char *text)
{
	FILE *f = fopen(path, "r+");

	assert_non_null(f);
	assert_true(fprintf(f, "%s\n", text) > 0);
	assert_int_equal(fflush(f), 0);
	assert_int_equal(ftruncate(fileno(f), (off_t)strlen(text) + 1), 0);
	fclose(f);
}

static struct hwm *
start(const char *sensors_conf, bool alarms)
{
	static int next;
	char err[256];
	struct hwm *h;

	memset(&conf, 0, sizeof(conf));
	conf.enabled = true;
	conf.sensors_conf = sensors_conf;
	next = 0;
	h = hwm_create(&conf, attach_all, &next, err, sizeof(err));
	if (h == NULL)
		fail_msg("hwm_create: %s", err);
	assert_int_equal(next, hwm_count(h));
	hwm_read_alarms(h, alarms);
	return h;
}

static void
test_small(void **state)
{
	static const char *const texts[] = { "0", "-0", "125", "-40000",
		"999999999999999", "-999999999999999", "1234567890123456",
		"45000 ", " 45000", "+45000", "45.5", "4e4", "12abc", "-" };
	const char *cf = getenv("TW_SENSORS_CONF");
	struct hwm *h;

	(void)state;
	assert_non_null(cf);
	h = start(cf, true);
	assert_int_equal(hwm_count(h), 4);
	read_and_compare(h);
	/* the label statement applies, the compute ones choose the path */
	assert_int_equal(
	    hwm_reads_direct(h, "coretemp-virtual-0/CPU Package"), 1);
	assert_int_equal(hwm_reads_direct(h, "k10temp-virtual-0/Tctl"), 1);
	assert_int_equal(hwm_reads_direct(h, "lm75-virtual-0/temp1"), 0);
	/* identity at 0 C, the value at the scan: the probe still sees it */
	assert_int_equal(hwm_reads_direct(h, "nct6775-virtual-0/temp1"), 0);
	assert_int_equal(hwm_count_library(h), 2);
	/* compute statements: libsensors stays, alarms or not */
	hwm_read_alarms(h, false);
	read_and_compare(h);
	assert_true(hwm_holds_library(h));
	hwm_read_alarms(h, true);
	assert_true(find("lm75-virtual-0/temp1")->value_c == 2 * 30.5 - 10);
	assert_true(find("coretemp-virtual-0/CPU Package")->value_c == 45.0);

	/* every kind of text reads as libsensors reads it: the plain
	 * integers hwmon files hold (parsed without strtod) and what is
	 * not one (left to strtod) */
	for (size_t k = 0; k < sizeof(texts) / sizeof(*texts); k++) {
		set_value("/sys/class/hwmon/hwmon0/temp1_input", texts[k]);
		read_and_compare(h);
	}

	/* values written in place are seen through the open files */
	set_value("/sys/class/hwmon/hwmon0/temp1_input", "71250");
	set_value("/sys/class/hwmon/hwmon1/temp1_input", "-5500");
	set_value("/sys/class/hwmon/hwmon2/temp1_input", "20000");
	set_value("/sys/class/hwmon/hwmon3/temp1_input", "100000");
	read_and_compare(h);
	assert_true(find("coretemp-virtual-0/CPU Package")->value_c == 71.25);
	assert_true(find("lm75-virtual-0/temp1")->value_c == 2 * -5.5 - 10);
	assert_true(find("nct6775-virtual-0/temp1")->value_c == 40.0);
	assert_true(find("k10temp-virtual-0/Tctl")->value_c == 100.0);
	assert_int_equal(find("k10temp-virtual-0/Tctl")->quality, ENG_Q_OK);

	/* the fault flag, and the crit alarm */
	set_value("/sys/class/hwmon/hwmon3/temp1_fault", "1");
	set_value("/sys/class/hwmon/hwmon0/temp1_crit_alarm", "1");
	read_and_compare(h);
	assert_int_equal(find("k10temp-virtual-0/Tctl")->quality, ENG_Q_FAULT);
	assert_string_equal(find("k10temp-virtual-0/Tctl")->hw_state, "fault");
	assert_string_equal(
	    find("coretemp-virtual-0/CPU Package")->hw_state, "alarm");

	/* a file with no number: unavailable by both paths */
	set_value("/sys/class/hwmon/hwmon0/temp1_input", "x");
	read_and_compare(h);
	assert_int_equal(
	    find("coretemp-virtual-0/CPU Package")->quality, ENG_Q_UNAVAILABLE);
	assert_false(hwm_changed(h));
	hwm_free(h);
}

static void
test_many(void **state)
{
	struct hwm *h;
	char err[256];
	FILE *f;

	(void)state;
	h = start("/dev/null", true);
	assert_int_equal(hwm_count(h), 1024);
	assert_int_equal(hwm_count_library(h), 0);
	read_and_compare(h);
	for (int i = 0; i < got.n; i++) {
		assert_int_equal(got.r[i].handle, i);
		assert_int_equal(got.r[i].quality, ENG_Q_OK);
		assert_true(got.r[i].value_c >= 40 && got.r[i].value_c <= 47);
		assert_int_equal(got.r[i].cls, ENG_CLASS_CPU);
		assert_true(got.r[i].trip_c == 100.0);
	}
	hwm_free(h);

	/* no compute statement, no alarms: libsensors goes at the first
	 * read; the reads stay libsensors' values; a rescan brings it back
	 * until the next read */
	h = start("/dev/null", false);
	assert_true(hwm_holds_library(h));
	got.n = 0;
	hwm_read(h, 1000, collect, &got);
	assert_int_equal(got.n, 1024);
	assert_false(hwm_holds_library(h));
	f = fopen("/dev/null", "r");
	assert_non_null(f);
	assert_int_equal(sensors_init(f), 0); /* the test's own, to compare */
	fclose(f);
	read_and_compare(h);
	sensors_cleanup();
	assert_int_equal(hwm_rescan(h, err, sizeof(err)), 1024);
	assert_true(hwm_holds_library(h));
	got.n = 0;
	hwm_read(h, 1000, collect, &got);
	assert_int_equal(got.n, 1024);
	assert_false(hwm_holds_library(h));
	hwm_free(h);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest small[] = { cmocka_unit_test(test_small) };
	const struct CMUnitTest many[] = { cmocka_unit_test(test_many) };

	if (argc == 2 && strcmp(argv[1], "small") == 0)
		return cmocka_run_group_tests(small, NULL, NULL);
	if (argc == 2 && strcmp(argv[1], "many") == 0)
		return cmocka_run_group_tests(many, NULL, NULL);
	fprintf(stderr, "usage: test_hwmon small|many\n");
	return 2;
}
