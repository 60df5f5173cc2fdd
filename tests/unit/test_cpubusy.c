/*
 * test_cpubusy.c - the host's CPU utilisation (agent/sources/cpubusy.c)
 * against fake /proc/stat files rewritten between reads (the module keeps
 * its descriptor open, as on /proc): the figure of a normal interval
 * (guest time counted once, steal not busy), counters that go backwards
 * or do not move, garbled, short and long lines, a missing file that
 * comes back, kernels with fewer or more fields; one warning per failure
 * and one line for the recovery, not one a cycle; the real /proc/stat.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cpubusy.h"
#include "log.h"

/* cmocka 1.1 has no assert_double_equal */
#define assert_near(got, want)                                           \
	do {                                                             \
		double g_ = (got), w_ = (want);                          \
		if (!(fabs(g_ - w_) <= 1e-12))                           \
			fail_msg("%s: %.17g, want %.17g", #got, g_, w_); \
	} while (0)

static char dir[64];
static char path[128];
static char logpath[128];
static int saved_stderr = -1;

/* The rest of a fake /proc/stat after its first line. */
static const char rest[] = "cpu0 1 2 3 4 5 6 7 8 9 10\n"
			   "intr 123456 0 9 0\nctxt 99\nbtime 1700000000\n";

static void
put(const char *first_line)
{
	FILE *f = fopen(path, "w"); /* truncated: the same file, kept open */

	assert_non_null(f);
	fprintf(f, "%s\n%s", first_line, rest);
	assert_int_equal(fclose(f), 0);
}

/* Lines of the log captured so far that contain s. */
static int
logged(const char *s)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(logpath, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, s) != NULL)
			n++;
	fclose(f);
	return n;
}

static int
setup(void **state)
{
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tw-cpubusy.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/stat", dir);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
	log_init("test_cpubusy", true, 0);
	return 0;
}

static int
teardown(void **state)
{
	char line[512];
	FILE *f;

	(void)state;
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	f = fopen(logpath, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		printf("# %s", line);
	if (f != NULL)
		fclose(f);
	unlink(path);
	unlink(logpath);
	rmdir(dir);
	return 0;
}

static void
test_normal(void **state)
{
	struct cpb *c;

	(void)state;
	/* user nice system idle iowait irq softirq steal guest guest_nice */
	put("cpu  1000 100 500 8000 200 50 50 0 300 10");
	c = cpb_create(path);
	assert_non_null(c);
	assert_string_equal(cpb_path(c), path);
	assert_true(isnan(cpb_read(c, 0)));
	assert_null(cpb_error(c));
	/* busy +30 user (20 of them guest) +5 nice +10 system +3 irq +2
	 * softirq = 50; idle +35 iowait +5 steal +10 = 50 */
	put("cpu  1030 105 510 8035 205 53 52 10 320 15");
	assert_near(cpb_read(c, 1000), 0.5);
	assert_null(cpb_error(c));
	/* all busy, then all idle */
	put("cpu  1130 105 510 8035 205 53 52 10 400 15");
	assert_near(cpb_read(c, 2000), 1.0);
	put("cpu  1130 105 510 9035 205 53 52 10 400 15");
	assert_near(cpb_read(c, 3000), 0.0);
	/* steal only: the host ran nothing of its own */
	put("cpu  1130 105 510 9035 205 53 52 110 400 15");
	assert_near(cpb_read(c, 4000), 0.0);
	assert_int_equal(logged("cpu busy"), 0);
	cpb_free(c);
	cpb_free(NULL);
}

static void
test_backwards(void **state)
{
	struct cpb *c;

	(void)state;
	put("cpu  1000 0 500 8000 200 50 50 0 0 0");
	c = cpb_create(path);
	assert_true(isnan(cpb_read(c, 0)));
	put("cpu  900 0 500 8100 200 50 50 0 0 0"); /* user went back */
	assert_true(isnan(cpb_read(c, 1000)));
	assert_non_null(strstr(cpb_error(c), "backwards"));
	/* from the new baseline */
	put("cpu  940 0 500 8160 200 50 50 0 0 0");
	assert_near(cpb_read(c, 2000), 0.4);
	put("cpu  940 0 500 8060 200 50 50 0 0 0"); /* idle went back */
	assert_true(isnan(cpb_read(c, 3000)));
	assert_int_equal(logged(path), 2); /* warned once, recovered once */
	assert_int_equal(logged("counters went backwards"), 1);
	assert_int_equal(logged("/stat reads again"), 1);
	cpb_free(c);
}

static void
test_zero_delta(void **state)
{
	struct cpb *c;
	int i;

	(void)state;
	put("cpu  1000 0 500 8000 200 50 50 0 0 0");
	c = cpb_create(path);
	assert_true(isnan(cpb_read(c, 0)));
	for (i = 1; i <= 50; i++) {
		assert_true(isnan(cpb_read(c, i * 1000)));
		assert_non_null(strstr(cpb_error(c), "did not move"));
	}
	assert_int_equal(logged("did not move"), 1);
	assert_int_equal(logged("unknown until it reads again"), 1);
	put("cpu  1001 0 500 8003 200 50 50 0 0 0");
	assert_near(cpb_read(c, 51000), 0.25);
	put("cpu  1002 0 500 8006 200 50 50 0 0 0");
	assert_near(cpb_read(c, 52000), 0.25);
	assert_int_equal(logged("/stat reads again"), 1);
	cpb_free(c);
}

static void
test_garbled(void **state)
{
	static const char *const bad[] = {
		"",
		"cpu",
		"cpu ",
		"cpu  1 2 3",         /* fewer than 4 counters */
		"cpu  1 2 x3 4 5",    /* not a number */
		"cpu  1 2 -3 4 5",    /* negative */
		"cpu  1 2 3 4.5 5",   /* not an integer */
		"cpu0 1 2 3 4 5 6 7", /* not the aggregate line */
		"intr 1 2 3 4 5",     /* not a cpu line */
		"cpu  1 2 3 99999999999999999999 5", /* over 64 bits */
		"cpu\t1 2 3 4 5",
	};
	char big[1200];
	struct cpb *c;
	size_t i;

	(void)state;
	put("cpu  1000 0 500 8000 200 50 50 0 0 0");
	c = cpb_create(path);
	assert_true(isnan(cpb_read(c, 0)));
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		put(bad[i]);
		if (!isnan(cpb_read(c, 1000 + (int64_t)i)))
			fail_msg("\"%s\" gave a figure", bad[i]);
		if (cpb_error(c) == NULL)
			fail_msg("\"%s\": no reason", bad[i]);
	}
	/* a first line longer than the read (no end of line in it) */
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "cpu  1 ", 7);
	put(big);
	assert_true(isnan(cpb_read(c, 2000)));
	assert_non_null(strstr(cpb_error(c), "too long"));
	/* an empty file */
	assert_int_equal(truncate(path, 0), 0);
	assert_true(isnan(cpb_read(c, 2500)));
	assert_non_null(cpb_error(c));
	/* one warning for the whole run of bad reads */
	assert_int_equal(logged("unknown until it reads again"), 1);
	assert_int_equal(logged("is not the \"cpu \" line"), 1);
	/* good again: a baseline (the garbled reads broke the series), then
	 * a figure */
	put("cpu  1000 0 500 8000 200 50 50 0 0 0");
	assert_true(isnan(cpb_read(c, 3000)));
	assert_null(cpb_error(c));
	put("cpu  1010 0 500 8010 200 50 50 0 0 0");
	assert_near(cpb_read(c, 4000), 0.5);
	assert_int_equal(logged("/stat reads again"), 1);
	/* a last line without its end of line is still a line */
	assert_int_equal(truncate(path, 0), 0);
	{
		FILE *f = fopen(path, "w");

		fputs("cpu  1020 0 500 8020 200 50 50 0 0 0", f);
		fclose(f);
	}
	assert_near(cpb_read(c, 5000), 0.5);
	cpb_free(c);
}

static void
test_missing(void **state)
{
	struct cpb *c;
	int i;

	(void)state;
	c = cpb_create(path); /* not there yet */
	assert_non_null(c);
	for (i = 0; i < 20; i++) {
		assert_true(isnan(cpb_read(c, i * 1000)));
		assert_non_null(strstr(cpb_error(c), "cannot open"));
	}
	assert_int_equal(logged("cannot open it"), 1);
	assert_int_equal(logged(path), 1);
	put("cpu  1000 0 500 8000 200 50 50 0 0 0");
	assert_true(isnan(cpb_read(c, 21000))); /* its baseline */
	put("cpu  1030 0 500 8010 200 50 50 0 0 0");
	assert_near(cpb_read(c, 22000), 0.75);
	assert_int_equal(logged("/stat reads again"), 1);
	cpb_free(c);
}

/* A fresh reader over the line a, then b: its first read is the
 * baseline (NAN); returns the second. */
static double
busy_between(const char *a, const char *b)
{
	struct cpb *c;
	double v;

	put(a);
	c = cpb_create(path);
	assert_true(isnan(cpb_read(c, 0)));
	put(b);
	v = cpb_read(c, 1000);
	cpb_free(c);
	return v;
}

static void
test_fields(void **state)
{
	(void)state;
	/* a future kernel: 13 counters, the ones after guest_nice ignored */
	assert_near(busy_between("cpu  1000 0 500 8000 200 50 50 0 0 0 7 7 7",
			"cpu  1010 0 500 8010 200 50 50 0 0 0 900 900 900"),
	    0.5);
	/* Linux 2.4: user nice system idle */
	assert_near(
	    busy_between("cpu  100 10 50 1000", "cpu  110 12 58 1080"), 0.2);
	/* Linux 2.6.0: and iowait irq softirq (no steal) */
	assert_near(busy_between("cpu  100 10 50 1000 20 1 1",
			"cpu  110 10 50 1070 30 6 6"),
	    0.2);
	/* one space after "cpu", trailing spaces */
	assert_near(busy_between("cpu 100 10 50 1000 0 0 0 0   ",
			"cpu 150 10 50 1050 0 0 0 0   "),
	    0.5);
	assert_int_equal(logged("cpu busy"), 0);
}

/* A failure that comes back soon after a recovery is not warned again
 * (debug only), nor its recovery; ten minutes after the last warning it
 * is. */
static void
test_flapping(void **state)
{
	struct cpb *c;
	int64_t t = 0;
	int i;

	(void)state;
	put("cpu  1000 0 500 8000 200 50 50 0 0 0");
	c = cpb_create(path);
	assert_true(isnan(cpb_read(c, t)));
	for (i = 0; i < 100; i++) {
		put("cpu  1000 0 500 8000 200 50 50 0 0 0");
		assert_true(isnan(cpb_read(c, t += 1000))); /* did not move */
		put("cpu  900 0 500 8000 200 50 50 0 0 0");
		assert_true(isnan(cpb_read(c, t += 1000))); /* backwards */
		put("cpu  1000 0 500 8000 200 50 50 0 0 0");
		assert_near(cpb_read(c, t += 1000), 1.0);
	}
	assert_int_equal(logged("unknown until it reads again"), 1);
	assert_int_equal(logged("/stat reads again"), 1); /* the warned one */
	t += 10 * 60 * 1000;
	assert_true(isnan(cpb_read(c, t))); /* did not move */
	assert_int_equal(logged("unknown until it reads again"), 2);
	cpb_free(c);
}

/* The kernel's own file: a figure in [0, 1] after some work. */
static void
test_proc_stat(void **state)
{
	struct timespec t0, t;
	volatile double x = 0;
	struct cpb *c;
	double busy;

	(void)state;
	if (access(CPB_PROC_STAT, R_OK) != 0)
		skip();
	c = cpb_create(NULL);
	assert_string_equal(cpb_path(c), CPB_PROC_STAT);
	assert_true(isnan(cpb_read(c, 0)));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100000; i++)
			x += i;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (
	    (t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) <
	    200000000L);
	busy = cpb_read(c, 200);
	if (cpb_error(c) != NULL)
		fail_msg("/proc/stat: %s", cpb_error(c));
	assert_true(busy > 0.0 && busy <= 1.0);
	printf("# /proc/stat: %.3f busy over 0.2 s of work\n", busy);
	cpb_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_normal, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_backwards, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_zero_delta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flapping, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_proc_stat, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
