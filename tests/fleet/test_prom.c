/*
 * test_prom.c - the Prometheus text writer (escaping, values, names, the
 * atomic file) and thermwatchd's metrics from a real engine with every
 * part present: each family has HELP and TYPE once, and is described in
 * thermwatchd(8).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prom.h"
#include "prom_metrics.h"

static void
test_writer(void **state)
{
	struct prom *p = prom_new();
	const char *t;

	(void)state;
	prom_family(p, "x_celsius", PROM_GAUGE, "a \\ help\nline");
	prom_sample(p,
	    (const char *[]){ "sensor", "a\"b\\c\nd", "unit",
		"\xc2\xb0"
		"C \xff",
		NULL },
	    21.5);
	prom_sample(p, NULL, NAN);
	prom_sample(p, (const char *[]){ "k", "v", NULL }, INFINITY);
	prom_sample(p, (const char *[]){ "k", "w", NULL }, -INFINITY);
	prom_family(p, "x_total", PROM_COUNTER, "n");
	prom_sample(p, NULL, 12345678901.0);
	t = prom_text(p, NULL);
	assert_non_null(t);
	assert_string_equal(t,
	    "# HELP x_celsius a \\\\ help\\nline\n"
	    "# TYPE x_celsius gauge\n"
	    "x_celsius{sensor=\"a\\\"b\\\\c\\nd\",unit=\"\xc2\xb0"
	    "C ?\"} 21.5\n"
	    "x_celsius NaN\n"
	    "x_celsius{k=\"v\"} +Inf\n"
	    "x_celsius{k=\"w\"} -Inf\n"
	    "# HELP x_total n\n"
	    "# TYPE x_total counter\n"
	    "x_total 12345678901\n");
	prom_free(p);
}

/* A bad name or a sample without a family spoils the whole text. */
static void
test_writer_refuses(void **state)
{
	struct prom *p;

	(void)state;
	p = prom_new();
	prom_family(p, "1bad", PROM_GAUGE, "h");
	assert_null(prom_text(p, NULL));
	prom_free(p);
	p = prom_new();
	prom_sample(p, NULL, 1);
	assert_null(prom_text(p, NULL));
	prom_free(p);
	p = prom_new();
	prom_family(p, "ok", PROM_GAUGE, "h");
	prom_sample(p, (const char *[]){ "bad-label", "v", NULL }, 1);
	assert_null(prom_text(p, NULL));
	assert_int_equal(prom_write_file(p, "/tmp/never.prom"), -ENOMEM);
	prom_free(p);
	/* UTF-8 that is not: overlong, surrogate, cut short */
	p = prom_new();
	prom_family(p, "u", PROM_GAUGE, "h");
	prom_sample(p,
	    (const char *[]){
		"l", "\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xf0\x9f\x98\x80", NULL },
	    1);
	assert_string_equal(prom_text(p, NULL),
	    "# HELP u h\n# TYPE u gauge\nu{l=\"??|???|??|\xf0\x9f\x98\x80\"} "
	    "1\n");
	prom_free(p);
}

static void
test_write_file(void **state)
{
	char dir[] = "/tmp/tw-prom.XXXXXX", path[64], tmp[80];
	struct prom *p = prom_new();
	struct stat st;
	mode_t old;
	FILE *f;
	char buf[128];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	prom_family(p, "a", PROM_GAUGE, "h");
	prom_sample(p, NULL, 1);
	old = umask(077);
	assert_int_equal(prom_write_file(p, path), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	/* node_exporter runs as another user */
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(access(tmp, F_OK), -1);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, sizeof(buf), f), 30);
	fclose(f);
	/* a symlink in place of the temporary is not followed */
	assert_int_equal(symlink("/etc/passwd", tmp), 0);
	assert_int_equal(prom_write_file(p, path), -ELOOP);
	unlink(tmp);
	assert_int_equal(
	    prom_write_file(p, "/nonexistent-dir/t.prom"), -ENOENT);
	unlink(path);
	rmdir(dir);
	prom_free(p);
}

/* Every family of a full snapshot: once, documented. */
static void
test_metrics_documented(void **state)
{
	struct eng_conf conf;
	struct eng *e;
	struct eng_output out;
	struct eng_reading r;
	struct prom_counts counts;
	struct prom_snapshot s;
	struct prom *p = prom_new();
	double age[2] = { 0.5, 1.5 };
	const char *src[2] = { "hwmon", "ipmi" };
	char *man = NULL, name[128], *line, *save = NULL, *text;
	size_t len = 0;
	FILE *f;
	int families = 0, i;

	(void)state;
	eng_conf_defaults(&conf);
	e = eng_create(&conf);
	assert_non_null(e);
	eng_sensor_add(e, "coretemp-isa-0000/Package id 0", ENG_CLASS_CPU, 100,
	    ENG_TRIP_HW);
	eng_sensor_add(
	    e, "ipmi:bmc/Inlet Temp", ENG_CLASS_INLET, 45, ENG_TRIP_HW);
	for (i = 0; i < 10; i++) {
		r = (struct eng_reading){ 0, i * 1000, 50 + i, ENG_Q_OK };
		eng_feed(e, &r);
		r = (struct eng_reading){ 1, i * 1000, 22, ENG_Q_OK };
		eng_feed(e, &r);
	}
	eng_override_set(
	    e, "quiet", 1, 600, "test", "me", 9000, name, sizeof(name));
	eng_evaluate(e, 10000, &out);
	memset(&counts, 0, sizeof(counts));
	counts.actions[ACT_MIGRATE][1] = 2;
	memset(&s, 0, sizeof(s));
	s = (struct prom_snapshot){ .site = "dc1",
		.zone = "A",
		.host = "h",
		.version = "0",
		.tier = 0,
		.eng = e,
		.out = &out,
		.now_ms = 10000,
		.now_wall_s = 1.7e9,
		.start_time_s = 1.7e9,
		.evaluations = 10,
		.cpu_busy = 0.25,
		.sensor_age_s = age,
		.sensor_source = src,
		.counts = &counts,
		.have_bmc = true,
		.have_mq = true,
		.have_fleet = true,
		.destinations = 3,
		.spare_vms = 2,
		.spare_mem_mb = 100,
		.have_capacity_command = true };
	s.tier_hosts[0] = 2;
	s.tier_zones[0] = 1;
	prom_metrics(p, &s);
	text = strdup(prom_text(p, NULL));
	assert_non_null(text);
	assert_non_null(strstr(text,
	    "thermwatch_actions_total{action=\"migrate\",result=\"failed\"} "
	    "2\n"));
	assert_non_null(
	    strstr(text, "thermwatch_host_state{state=\"ok\"} 1\n"));
	assert_non_null(
	    strstr(text, "thermwatch_capacity_spare_memory_bytes 104857600\n"));
	assert_non_null(strstr(
	    text, "thermwatch_override_expiry_seconds{key=\"quiet\"} 599\n"));
	assert_non_null(strstr(text, "thermwatch_host_cpu_busy_ratio 0.25\n"));
	{ /* unknown utilisation: the family, no sample */
		struct prom *q = prom_new();
		const char *t;

		assert_non_null(q);
		s.cpu_busy = NAN;
		prom_metrics(q, &s);
		t = prom_text(q, NULL);
		assert_non_null(
		    strstr(t, "# TYPE thermwatch_host_cpu_busy_ratio"));
		assert_null(strstr(t, "thermwatch_host_cpu_busy_ratio 0"));
		assert_null(strstr(t, "thermwatch_host_cpu_busy_ratio nan"));
		assert_null(strstr(t, "thermwatch_host_cpu_busy_ratio NaN"));
		prom_free(q);
	}
	f = fopen(TW_SRC_DIR "/man/thermwatchd.8", "r");
	assert_non_null(f);
	{
		FILE *m = open_memstream(&man, &len);
		int c;

		while ((c = fgetc(f)) != EOF)
			fputc(c, m);
		fclose(m);
	}
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *a, *b;

		if (sscanf(line, "# TYPE %127s", name) != 1)
			continue;
		families++;
		/* ".It Li name ..." or ", name" in a list item: the whole
		 * name, not the start of a longer one */
		for (a = strstr(man, name); a != NULL;
		     a = strstr(a + 1, name)) {
			b = a + strlen(name);
			if (a[-1] == ' ' && (*b == ' ' || *b == '\n'))
				break;
		}
		if (a == NULL)
			fail_msg("%s is not described in thermwatchd(8)", name);
	}
	assert_true(families > 40);
	free(man);
	free(text);
	prom_free(p);
	eng_free(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_writer_refuses),
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_metrics_documented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
