/*
 * test_engine_state.c - the engine state file (agent/daemon/engine_state*):
 * what is written reads back the same; every kind of bad file (garbage,
 * every truncation of a good one, wrong versions, wrong types, values out
 * of range, points out of order, duplicates, too many, oversized) is
 * refused with a reason and never half-read; whose and how old a file may
 * seed an engine (host, machine, future, the trend window, one boot's
 * monotonic clock); restarts mid-ramp decide no later than a blind start
 * and settling steps stay quiet; and the store: a restored engine knows
 * the rise it is in from its first sample, a corrupt file is moved aside, a
 * save that cannot be written (file size limit) leaves the old file whole and
 * no temporary.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "conf_load.h"
#include "engine_state.h"
#include "fileio.h"
#include "loop.h"

#include "est_fixture.h"

#define CPU_ID EST_CPU_ID

/* An engine with a cpu and an inlet sensor, fed a cpu ramp of rate C/s
 * for secs (interval 0.5 s) ending at end_ms. */
static struct eng *
ramped(const struct eng_conf *conf, int64_t end_ms, double secs, double rate)
{
	struct eng *e = eng_create(conf);
	struct eng_reading r = { 0 };
	struct eng_output out;
	int64_t t;

	assert_non_null(e);
	assert_int_equal(
	    eng_sensor_add(e, CPU_ID, ENG_CLASS_CPU, 100, ENG_TRIP_HW), 0);
	assert_int_equal(eng_sensor_add(e, "ipmi/Inlet Temp", ENG_CLASS_INLET,
			     45, ENG_TRIP_HW),
	    1);
	for (t = end_ms - (int64_t)(secs * 1000); t <= end_ms; t += 500) {
		r.t_ms = t;
		r.sensor = 0;
		r.value_c = 60 + rate * (double)(t - end_ms) / 1000.0 + 20;
		eng_feed(e, &r);
		r.sensor = 1;
		r.value_c = 24;
		eng_feed(e, &r);
		eng_evaluate(e, t, &out);
	}
	return e;
}

static void
meta_of(struct est_meta *m, double wall, int64_t mono)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->host, sizeof(m->host), "h1");
	snprintf(m->machine_id, sizeof(m->machine_id), "m1");
	snprintf(m->boot_id, sizeof(m->boot_id), "b1");
	m->wall_s = wall;
	m->mono_ms = mono;
}

/* A good file of the ramp: text (malloc'ed). */
static char *
good_file(const struct eng_conf *conf)
{
	struct eng *e = ramped(conf, 100000, 60, 0.5);
	struct eng_snap_sensor s[2];
	struct eng_snap_host h;
	struct est_meta m;
	char *text;

	meta_of(&m, 1.7e9, 100000);
	eng_snapshot_host(e, 100000, &h);
	assert_int_equal(eng_snapshot_sensor(e, 0, 100000, &s[0]), 0);
	assert_int_equal(eng_snapshot_sensor(e, 1, 100000, &s[1]), 0);
	text = est_encode(&m, &h, s, 2);
	assert_non_null(text);
	eng_free(e);
	return text;
}

/* A save reads the ring only for what it writes: a snapshot of at most
 * max points is the full one thinned evenly from the newest back (as the
 * daemon thinned it before), none or the newest alone for 0 and 1, and
 * the rest of the snapshot the same. */
static void
test_snapshot_max(void **state)
{
	struct eng_conf conf;
	struct eng *e;
	struct eng_snap_sensor full, few;
	int max, i, k, step;

	(void)state;
	eng_conf_defaults(&conf);
	e = ramped(&conf, 100000, 100, 0.2);
	assert_int_equal(eng_snapshot_sensor(e, 0, 100500, &full), 0);
	assert_true(full.n_points > EST_POINTS && full.rising);
	for (max = 0; max <= ENG_SNAP_POINTS + 1; max++) {
		assert_int_equal(
		    eng_snapshot_sensor_max(e, 0, 100500, max, &few), 0);
		step = (full.n_points + max - 1) / (max > 0 ? max : 1);
		if (step < 1)
			step = 1;
		for (i = 0, k = 0; i < full.n_points && k < max;
		     i += step, k++) {
			assert_int_equal(few.age_ms[k], full.age_ms[i]);
			assert_true(few.value_c[k] == full.value_c[i]);
		}
		assert_int_equal(few.n_points, k);
		assert_int_equal(few.age_ms[0], max > 0 ? full.age_ms[0] : 0);
		few.n_points = full.n_points;
		memcpy(few.age_ms, full.age_ms, sizeof(few.age_ms));
		memcpy(few.value_c, full.value_c, sizeof(few.value_c));
		assert_memory_equal(&few, &full, sizeof(few));
	}
	assert_int_equal(eng_snapshot_sensor_max(e, 2, 100500, 8, &few), -1);
	eng_free(e);
}

static void
test_round_trip(void **state)
{
	struct eng_conf conf;
	struct eng *e;
	struct eng_snap_sensor s;
	struct est_file f;
	char why[256], *text;
	int k;

	(void)state;
	eng_conf_defaults(&conf);
	e = ramped(&conf, 100000, 60, 0.5);
	assert_int_equal(eng_snapshot_sensor(e, 0, 100000, &s), 0);
	text = good_file(&conf);
	assert_int_equal(
	    est_decode(text, strlen(text), &conf, 8, &f, why, sizeof(why)), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.meta.host, "h1");
	assert_string_equal(f.meta.boot_id, "b1");
	assert_int_equal(f.meta.mono_ms, 100000);
	assert_string_equal(f.s[0].id, CPU_ID);
	assert_int_equal(f.s[0].cls, ENG_CLASS_CPU);
	assert_int_equal(f.s[0].n_points, s.n_points);
	assert_true(s.n_points > 10);
	assert_int_equal(f.s[0].has_value, s.has_value);
	assert_int_equal(f.s[0].rising, s.rising);
	assert_true(s.rising);
	assert_int_equal(f.s[0].rise_age_ms, s.rise_age_ms);
	for (k = 0; k < s.n_points; k++) {
		assert_int_equal(f.s[0].age_ms[k], s.age_ms[k]);
		assert_true(fabs(f.s[0].value_c[k] - s.value_c[k]) <= 0.0005);
	}
	assert_true(fabs(f.s[0].noise_c - s.noise_c) <= 0.0005);
	/* the calm inlet: its noise, but no trend points written */
	assert_int_equal(eng_snapshot_sensor(e, 1, 100000, &s), 0);
	assert_false(s.rising);
	assert_true(s.n_points > 10);
	assert_string_equal(f.s[1].id, "ipmi/Inlet Temp");
	assert_int_equal(f.s[1].n_points, 0);
	assert_null(strstr(strstr(text, "ipmi/Inlet Temp"), "\"age_ms\""));
	est_file_free(&f);
	free(text);
	eng_free(e);
}

/* The file must be refused with a reason containing needle. */
static void
refused(const struct eng_conf *conf, const char *text, const char *needle)
{
	struct est_file f;
	char why[256] = "";

	if (est_decode(text, strlen(text), conf, 8, &f, why, sizeof(why)) == 0)
		fail_msg("accepted: %.200s", text);
	if (strstr(why, needle) == NULL)
		fail_msg("refused with [%s], wanted [%s]", why, needle);
	assert_null(f.s);
	assert_int_equal(f.n, 0);
}

/* Replace the first "from" in the good file by "to". */
static char *
edited(const char *good, const char *from, const char *to)
{
	const char *at = strstr(good, from);
	size_t n = strlen(good) + strlen(to) + 1;
	char *out = malloc(n);

	if (at == NULL)
		fail_msg("no [%s] in the good file", from);
	assert_non_null(out);
	snprintf(
	    out, n, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	return out;
}

static void
test_refused(void **state)
{
	/* one or two edits of the good file, and the reason wanted */
	static const struct {
		const char *from, *to, *from2, *to2, *why;
	} cases[] = {
		{ "\"v\":1", "\"v\":2", NULL, NULL, "not a version 1" },
		{ "\"v\":1", "\"v\":\"1\"", NULL, NULL, "not a version 1" },
		{ "\"engine_snapshot\":4", "\"engine_snapshot\":9", NULL, NULL,
		    "another engine snapshot version" },
		{ "\"engine_snapshot\":4", "\"engine_snapshot\":0", NULL, NULL,
		    "another engine snapshot version" },
		{ "\"engine_snapshot\":4", "\"engine_snapshot\":1.5", NULL,
		    NULL, "another engine snapshot version" },
		{ "\"host\":\"h1\"", "\"host\":7", NULL, NULL, "\"host\"" },
		{ "\"wall\":", "\"wall\":-", NULL, NULL,
		    "\"wall\" is out of range" },
		{ "\"mono_ms\":100000", "\"mono_ms\":1.5", NULL, NULL,
		    "not a whole" },
		{ "\"class\":\"cpu\"", "\"class\":\"gpu\"", NULL, NULL,
		    "unknown class" },
		{ "\"noise_c\":", "\"noise_c\":-1e9,\"y\":", NULL, NULL,
		    "\"noise_c\"" },
		{ "\"age_ms\":[", "\"age_ms\":[0,", "\"value_c\":[",
		    "\"value_c\":[1e6,", "a point is out of range" },
		{ "\"age_ms\":[", "\"age_ms\":[-1,", "\"value_c\":[",
		    "\"value_c\":[70,", "a point is out of range" },
		{ "\"age_ms\":[", "\"age_ms\":[0.5,", "\"value_c\":[",
		    "\"value_c\":[70,", "a point is out of range" },
		{ "\"age_ms\":[", "\"age_ms\":[999999,", "\"value_c\":[",
		    "\"value_c\":[70,", "not newest first" },
		{ "\"age_ms\":[", "\"age_ms\":[0,", NULL, NULL,
		    "unequal or too great" },
		{ "\"age_ms\":[", "\"age_ms\":\"x\",\"z\":[", NULL, NULL,
		    "not arrays" },
		{ "\"id\":\"ipmi/Inlet Temp\"", "\"id\":\"" CPU_ID "\"", NULL,
		    NULL, "there twice" },
		{ "\"id\":\"ipmi/Inlet Temp\"", "\"id\":\"\"", NULL, NULL,
		    "no valid id" },
		{ "\"sensors\":[", "\"sensors\":{\"a\":[", NULL, NULL,
		    "not valid JSON" },
		{ "\"sensors\":[", "\"sensors\":7,\"s\":[", NULL, NULL,
		    "not an array" },
		{ "\"sensors\":[", "\"sensors\":[7,", NULL, NULL,
		    "not an object" },
		{ "\"rise_from_c\":", "\"x\":", NULL, NULL, "incomplete rise" },
		{ "\"last_c\":", "\"x\":", NULL, NULL,
		    "last_age_ms without last_c" },
		{ "\"rho\":", "\"rho\":\"a\",\"x\":", NULL, NULL, "\"rho\"" },
		{ "{", "{\"v\":1,", NULL, NULL, "duplicate member" },
	};
	struct eng_conf conf;
	char *good, *bad, *bad2;
	size_t i;

	(void)state;
	eng_conf_defaults(&conf);
	good = good_file(&conf);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad = edited(good, cases[i].from, cases[i].to);
		if (cases[i].from2 != NULL) {
			bad2 = edited(bad, cases[i].from2, cases[i].to2);
			free(bad);
			bad = bad2;
		}
		refused(&conf, bad, cases[i].why);
		free(bad);
	}
	refused(&conf, "garbage", "not valid JSON");
	refused(&conf, "", "not valid JSON");
	refused(&conf, "[]", "not a JSON object");
	refused(&conf, "{\"v\":1}", "of another engine snapshot");
	free(good);
}

/* Every prefix of a good file is refused, none is half-read. */
static void
test_truncated(void **state)
{
	struct eng_conf conf;
	struct est_file f;
	char why[256], *good;
	size_t n;

	(void)state;
	eng_conf_defaults(&conf);
	good = good_file(&conf);
	for (n = 0; n < strlen(good); n++) {
		assert_int_equal(
		    est_decode(good, n, &conf, 8, &f, why, sizeof(why)), -1);
		assert_null(f.s);
	}
	assert_int_equal(
	    est_decode(good, strlen(good), &conf, 8, &f, why, sizeof(why)), 0);
	est_file_free(&f);
	free(good);
}

static void
test_limits(void **state)
{
	struct eng_conf conf;
	struct est_file f;
	char why[256], *good, *big;
	size_t max = est_max_bytes(1);

	(void)state;
	eng_conf_defaults(&conf);
	good = good_file(&conf);
	/* more sensors than the engine takes */
	assert_int_equal(
	    est_decode(good, strlen(good), &conf, 1, &f, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "max_sensors"));
	/* oversized, whatever it holds */
	big = malloc(max + 2);
	assert_non_null(big);
	memset(big, ' ', max + 1);
	big[max + 1] = '\0';
	assert_int_equal(
	    est_decode(big, max + 1, &conf, 1, &f, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "larger"));
	/* what we write for a full engine fits the bound */
	assert_true(strlen(good) < est_max_bytes(2));
	free(big);
	free(good);
}

static void
test_meta(void **state)
{
	struct est_meta file, me;
	int64_t gap = -1;
	char why[256];

	(void)state;
	meta_of(&file, 1000.0, 50000);
	meta_of(&me, 1010.0, 60000);
	assert_int_equal(est_check_meta(&file, &me, 120000, &gap, why, 256), 0);
	assert_int_equal(gap, 10000);
	/* one boot: the monotonic clock counts, a wall clock step does not */
	me.wall_s = 5000.0;
	assert_int_equal(est_check_meta(&file, &me, 120000, &gap, why, 256), 0);
	assert_int_equal(gap, 10000);
	me.mono_ms = 40000;
	assert_int_equal(
	    est_check_meta(&file, &me, 120000, &gap, why, 256), -1);
	assert_non_null(strstr(why, "future"));
	/* another boot: the wall clock */
	meta_of(&me, 1030.0, 10);
	snprintf(me.boot_id, sizeof(me.boot_id), "b2");
	assert_int_equal(est_check_meta(&file, &me, 120000, &gap, why, 256), 0);
	assert_int_equal(gap, 30000);
	me.wall_s = 900.0;
	assert_int_equal(
	    est_check_meta(&file, &me, 120000, &gap, why, 256), -1);
	assert_non_null(strstr(why, "in the future"));
	me.wall_s = 1000.0 + 121.0;
	assert_int_equal(
	    est_check_meta(&file, &me, 120000, &gap, why, 256), -1);
	assert_non_null(strstr(why, "longer than the trend window"));
	/* whose */
	meta_of(&me, 1010.0, 60000);
	snprintf(me.host, sizeof(me.host), "h2");
	assert_int_equal(
	    est_check_meta(&file, &me, 120000, &gap, why, 256), -1);
	assert_non_null(strstr(why, "host \"h1\""));
	meta_of(&me, 1010.0, 60000);
	snprintf(me.machine_id, sizeof(me.machine_id), "m2");
	assert_int_equal(
	    est_check_meta(&file, &me, 120000, &gap, why, 256), -1);
	assert_non_null(strstr(why, "another machine"));
	/* unknown machine ids do not refuse */
	me.machine_id[0] = '\0';
	assert_int_equal(est_check_meta(&file, &me, 120000, &gap, why, 256), 0);
}

/* --- what a restore does to the decisions ------------------------------ */

static void
demo_conf(struct eng_conf *c)
{
	struct eng_class_conf *cc = &c->cls[ENG_CLASS_CPU];

	eng_conf_defaults(c);
	cc->persist_s = 2;
	cc->warn.margin_c = 25;
	cc->warn.lead_s = 90;
	cc->migrate.margin_c = 15;
	cc->migrate.lead_s = 40;
	cc->shutdown.margin_c = 5;
	cc->shutdown.lead_s = 12;
	c->policy.min_shutdown_lead_s = 5;
}

/* Feed sig from t0 to t1 (s, every 0.5 s) at engine time base + t; the
 * first t at which the engine is at least `state`, or -1. */
static double
drive(struct eng *e, int64_t base, double t0, double t1, double (*sig)(double),
    enum eng_state state)
{
	struct eng_reading r = { 0 };
	struct eng_output out;
	double t;

	for (t = t0; t <= t1 + 1e-9; t += 0.5) {
		r.t_ms = base + (int64_t)llround(t * 1000);
		r.value_c = sig(t);
		eng_feed(e, &r);
		eng_evaluate(e, r.t_ms, &out);
		if (out.state >= state && out.state <= ENG_STATE_CRITICAL)
			return t;
	}
	return -1;
}

static double
ramp_05(double t)
{
	return 60 + 0.5 * t; /* crit 100 C at t = 80 s */
}

static double
step_29(double t)
{
	return 55 + 29 * (1 - exp(-t / 30)); /* settles at 84 C < 85 */
}

static struct eng *
cpu_engine(const struct eng_conf *c)
{
	struct eng *e = eng_create(c);

	assert_non_null(e);
	assert_int_equal(
	    eng_sensor_add(e, CPU_ID, ENG_CLASS_CPU, 100, ENG_TRIP_HW), 0);
	return e;
}

/*
 * The class of restarts mid-ramp: stopped after 23 s of a 0.5 C/s ramp,
 * down for 0.5 to 39 s (under a third of the window, so the rise goes
 * on): the restored engine (trend points and all) decides no later than
 * a blind one (one sample of slack) and always with at least the shutdown
 * lead (12 s) left; and across a load step that settles below the
 * migrate level, never hot.
 */
static void
test_restore_mid_ramp(void **state)
{
	static const double gaps[] = { 0.5, 1, 3.5, 5, 7.5, 10, 15, 20, 30,
		39 };
	struct eng_snap_sensor snap;
	struct eng_conf c;
	size_t i;

	(void)state;
	demo_conf(&c);
	for (i = 0; i < sizeof(gaps) / sizeof(gaps[0]); i++) {
		double g = gaps[i], back = 23 + g, t_r, t_b;
		struct eng *a = cpu_engine(&c), *r = cpu_engine(&c),
			   *b = cpu_engine(&c);

		assert_true(
		    drive(a, 0, 0, 23, ramp_05, ENG_STATE_CRITICAL) < 0);
		assert_int_equal(eng_snapshot_sensor(a, 0, 23000, &snap), 0);
		assert_true(snap.rising);
		assert_int_equal(
		    est_restore(r, &snap, 1000000, (int64_t)llround(g * 1000)),
		    0);
		t_r = drive(r, 1000000 - (int64_t)llround(back * 1000), back,
		    80, ramp_05, ENG_STATE_CRITICAL);
		t_b = drive(b, 1000000 - (int64_t)llround(back * 1000), back,
		    80, ramp_05, ENG_STATE_CRITICAL);
		print_message("# down %4.1f s: critical with %.1f s left "
			      "restored, %.1f s blind\n",
		    g, 80 - t_r, 80 - t_b);
		assert_true(t_r > 0 && t_b > 0);
		assert_true(t_r <= t_b + 0.5);
		/* its trend points back: the lead left, whatever the gap
		 * (a blind start has it only after short ones) */
		assert_true(80 - t_r >= 12);
		eng_free(a);
		eng_free(r);
		eng_free(b);

		a = cpu_engine(&c);
		r = cpu_engine(&c);
		assert_true(drive(a, 0, 0, 23, step_29, ENG_STATE_HOT) < 0);
		assert_int_equal(eng_snapshot_sensor(a, 0, 23000, &snap), 0);
		assert_int_equal(
		    est_restore(r, &snap, 1000000, (int64_t)llround(g * 1000)),
		    0);
		assert_true(drive(r, 1000000 - (int64_t)llround(back * 1000),
				back, 600, step_29, ENG_STATE_HOT) < 0);
		eng_free(a);
		eng_free(r);
	}
}

/* --- the store in the daemon ------------------------------------------ */

static void
test_store_restores(void **state)
{
	struct fixture *fx = *state;
	int64_t now = loop_now_ms(fx->loop);
	struct eng *e = ramped(&fx->conf.engine, now, 60, 0.5);
	struct est_env env = { fx->loop, e, &fx->conf };
	struct est *s;
	double rising, slope;
	size_t len;
	char *text;
	cJSON *j;

	/* a state_dir not there yet is made by the first save */
	assert_int_equal(rmdir(fx->dir), 0);
	s = est_create(&env);
	assert_non_null(s);
	assert_int_equal(est_save(s), 0);
	est_free(s);
	eng_free(e);
	/* the file (a document a line) has the cpu's trend points, at most
	 * EST_POINTS */
	text = fio_read_bounded(fx->path, 1 << 20, &len);
	assert_non_null(text);
	{
		char *line, *save = NULL;
		int found = 0;

		for (line = strtok_r(text, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			const cJSON *id;
			int n;

			j = cJSON_Parse(line);
			assert_non_null(j);
			id = cJSON_GetObjectItem(j, "id");
			n = cJSON_GetArraySize(
			    cJSON_GetObjectItem(j, "age_ms"));
			if (cJSON_IsString(id) &&
			    strcmp(id->valuestring, CPU_ID) == 0) {
				found = 1;
				assert_true(n >= 32 && n <= EST_POINTS);
			}
			cJSON_Delete(j);
		}
		assert_true(found);
	}
	free(text);
	rising = rising_after_restart(fx, &slope);
	assert_true(rising > 50 && rising < 70); /* the ramp's 60 s go on */
	/* and its slope at the first sample, from the points */
	assert_true(slope > 0.4 && slope < 0.6);
	/* blind: no file, no rise known */
	unlink(fx->path);
	assert_true(rising_after_restart(fx, &slope) == 0.0);
	assert_true(slope == 0.0);
}

/* A save lets go of the sensors already restored and keeps the one still
 * to attach, which is then restored as if nothing happened. */
static void
test_store_keeps_waiting(void **state)
{
	struct fixture *fx = *state;
	int64_t now = loop_now_ms(fx->loop);
	struct eng *e = ramped(&fx->conf.engine, now, 60, 0.5);
	struct est_env env = { fx->loop, e, &fx->conf };
	struct est *s = est_create(&env);
	struct eng_reading r = { .t_ms = now + 500 };
	struct eng_sensor_view v;
	struct eng_output out;
	int inlet, cpu;

	assert_int_equal(est_save(s), 0);
	est_free(s);
	eng_free(e);
	env.eng = e = eng_create(&fx->conf.engine);
	s = est_create(&env);
	inlet = eng_sensor_add(
	    e, "ipmi/Inlet Temp", ENG_CLASS_INLET, 45, ENG_TRIP_HW);
	est_sensor_added(s, "ipmi/Inlet Temp", inlet);
	assert_int_equal(est_save(s), 0);
	cpu = eng_sensor_add(e, CPU_ID, ENG_CLASS_CPU, 100, ENG_TRIP_HW);
	est_sensor_added(s, CPU_ID, cpu);
	r.sensor = inlet;
	r.value_c = 24;
	eng_feed(e, &r);
	r.sensor = cpu;
	r.value_c = 80.25;
	eng_feed(e, &r);
	eng_evaluate(e, now + 500, &out);
	eng_sensor_view(e, cpu, &v);
	assert_true(v.rising_s > 50 && v.rising_s < 70);
	est_free(s);
	eng_free(e);
}

static void
test_store_corrupt(void **state)
{
	struct fixture *fx = *state;
	char aside[200];
	struct stat st;
	double slope;
	FILE *f = fopen(fx->path, "w");

	assert_non_null(f);
	fputs("{\"v\":1,\"sensors\":[{\"id\":", f);
	fclose(f);
	assert_true(rising_after_restart(fx, &slope) == 0.0);
	snprintf(aside, sizeof(aside), "%s.corrupt", fx->path);
	assert_int_equal(stat(aside, &st), 0);
	/* a directory in its place is no file either */
	unlink(fx->path);
	assert_int_equal(mkdir(fx->path, 0700), 0);
	assert_true(rising_after_restart(fx, &slope) == 0.0);
	rmdir(fx->path);
}

/* A save that cannot be written: the old file stays whole, no temporary
 * is left, the store goes on (and saves again once it can). */
static void
test_store_full(void **state)
{
	struct fixture *fx = *state;
	int64_t now = loop_now_ms(fx->loop);
	struct eng *e = ramped(&fx->conf.engine, now, 60, 0.5);
	struct est_env env = { fx->loop, e, &fx->conf };
	struct est *s = est_create(&env);
	struct rlimit old, lim;
	struct stat before, after;
	double slope;
	char tmp[200];

	assert_int_equal(est_save(s), 0);
	assert_int_equal(stat(fx->path, &before), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 512; /* smaller than the file */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_true(est_save(s) < 0);
	assert_true(est_save(s) < 0);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(stat(fx->path, &after), 0);
	assert_int_equal(after.st_size, before.st_size);
	assert_int_equal(after.st_ino, before.st_ino);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fx->path);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(est_save(s), 0);
	est_free(s);
	eng_free(e);
	assert_true(rising_after_restart(fx, &slope) > 50);
	assert_true(slope > 0.4);
}

/* A calm host is saved at the first timed save, then again only when
 * what it holds changes or est_max_skip_ms() has passed; a host with a
 * sensor in a rise at every timed save. */
static void
test_calm_skip(void **state)
{
	struct fixture *fx = *state;
	int64_t now = loop_now_ms(fx->loop), skip;
	struct eng *e = ramped(&fx->conf.engine, now, 60, 0.0);
	struct est_env env = { fx->loop, e, &fx->conf };
	struct est *s = est_create(&env);
	struct eng_reading r = { 0 };
	struct eng_output out;
	struct stat st;
	int k;

	assert_non_null(s);
	skip = est_max_skip_ms(&fx->conf);
	assert_int_equal(est_timed_save(s, now), 0);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(unlink(fx->path), 0);
	/* nothing changed: skipped up to the bound, not written */
	assert_int_equal(est_timed_save(s, now + skip / 2), 1);
	assert_int_equal(est_timed_save(s, now + skip - 1), 1);
	assert_int_equal(stat(fx->path, &st), -1);
	/* the bound: saved again, and the bound counts from there */
	assert_int_equal(est_timed_save(s, now + skip), 0);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(est_timed_save(s, now + skip + 1), 1);
	/* a sensor gone: what a save holds changed */
	eng_sensor_remove(e, 1);
	assert_int_equal(est_timed_save(s, now + skip + 2), 0);
	assert_int_equal(est_timed_save(s, now + skip + 3), 1);
	/* a rise: saved every time */
	for (k = 1; k <= 40; k++) {
		r.t_ms = now + skip + 500 * k;
		r.value_c = 80 + 0.25 * k;
		eng_feed(e, &r);
		eng_evaluate(e, r.t_ms, &out);
	}
	assert_int_equal(est_timed_save(s, r.t_ms), 0);
	assert_int_equal(est_timed_save(s, r.t_ms + 1), 0);
	est_free(s);
	eng_free(e);
}

static void
test_period(void **state)
{
	struct fixture *fx = *state;

	(void)state;
	/* defaults: the shortest window 120 s, a twelfth */
	assert_int_equal(est_save_period_ms(&fx->conf), 10000);
	assert_int_equal(est_max_skip_ms(&fx->conf), 40000);
	fx->conf.engine.cls[ENG_CLASS_CPU].trend_window_s = 12;
	assert_int_equal(est_save_period_ms(&fx->conf), 5000);
	assert_int_equal(est_max_skip_ms(&fx->conf), 5000);
	fx->conf.agent.interval_s = 30;
	assert_int_equal(est_save_period_ms(&fx->conf), 30000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_max),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_meta),
		cmocka_unit_test(test_restore_mid_ramp),
		cmocka_unit_test_setup_teardown(
		    test_store_restores, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_keeps_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_period, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_calm_skip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
