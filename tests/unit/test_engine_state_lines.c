/*
 * test_engine_state_lines.c - the engine state file of version 2 (one
 * JSON document a line, written through a chunk, read a line at a time;
 * agent/daemon/engine_state*, agent/lib/fileio): the same text whatever the
 * chunk, chunks cut inside a sensor's line, every line a document cJSON
 * prints (a sensor's line is the version 1 array's element), it reads back
 * the same as version 1 does; a version 1 file (what the daemon wrote
 * before) still restores in the daemon's store, which then writes version
 * 2; every cut of a file, garbage, a line too many or too few, is refused
 * with a reason and not restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "engine_state.h"
#include "fileio.h"
#include "loop.h"

#include "est_fixture.h"

#define N      40
#define CPU_ID EST_CPU_ID

static const struct est_meta meta = { .host = "h1",
	.machine_id = "m1",
	.boot_id = "b1",
	.wall_s = 1764468000.25,
	.mono_ms = 123456 };
/* with every part of engine snapshots 2 and 4 */
static const struct eng_snap_host host = { .version = ENG_SNAP_VERSION,
	.rho = 0.4123456789,
	.rho_learnt_s = 600,
	.has_alarm = true,
	.alarm_age_ms = 95000,
	.alarm_lost_age_ms = 2000,
	.alarm_cpu_c = 71.25,
	.alarm_exhaust_c = 48.5,
	.alarm_rho = 0.375,
	.alarm_model_c = 29.125,
	.model_slow_c = 28.75,
	.model_slow_s = 3600,
	.has_load = true,
	.load_age_ms = 400000,
	.load_gap_c = 22.75,
	.warm_age_ms = 30000,
	/* engine snapshot 4: busy levels and the envelopes */
	.n_busy = 3,
	.busy = { { 0.125, 51.5, 21.5 }, { 0.5625, 63.25, 22.75 },
	    { 0.96875, 77.125, 23.5 } },
	.has_busy_env = true,
	.busy_u = 0.59375,
	.busy_hi = 0.65625,
	.busy_env_lo = 0.5625,
	.busy_cpu_slow_c = 63.5 };

/* Sensor i of a file: calm or rising, with or without a value, with no,
 * a few or EST_POINTS points, ids with characters cJSON escapes. */
static void
fill(struct eng_snap_sensor *s, int i)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "chip-isa-%04d/temp \"%d\"\t", i, i);
	s->cls = i % ENG_CLASS_COUNT;
	s->noise_c = 0.0123456 * i;
	s->resolution_c = i % 2 ? 1 : 0.125;
	s->has_value = i % 5 != 0;
	s->last_age_ms = 250 * i;
	s->last_c = 30.0 + 1.0 / 3.0 * (i % 7);
	s->rising = i % 3 == 0;
	s->rise_age_ms = 60000 + i;
	s->rise_from_c = 25.5;
	s->rise_peak_c = 40.9999;
	s->n_points = i % 4 == 0 ? EST_POINTS : i % 4;
	for (int k = 0; k < s->n_points; k++) {
		s->age_ms[k] = 250 + 503LL * k;
		s->value_c[k] = 40.0 - 0.0137 * k;
	}
}

static void
fill_all(struct eng_snap_sensor *s, int n)
{
	for (int i = 0; i < n; i++)
		fill(&s[i], i);
}

/* what a sink was handed: the bytes and where each chunk ended */
struct sink {
	char text[1 << 20];
	size_t len;
	size_t ends[4096];
	int n;
};

static int
to_sink(void *arg, const void *buf, size_t n)
{
	struct sink *k = arg;

	assert_true(k->len + n < sizeof(k->text));
	memcpy(k->text + k->len, buf, n);
	k->len += n;
	k->text[k->len] = '\0';
	if (k->n < 4096)
		k->ends[k->n++] = k->len;
	return 0;
}

static void
assert_same_host(const struct eng_snap_host *a, const struct eng_snap_host *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->has_alarm, b->has_alarm);
	if (a->has_alarm) {
		assert_int_equal(a->alarm_age_ms, b->alarm_age_ms);
		assert_int_equal(a->alarm_lost_age_ms, b->alarm_lost_age_ms);
		assert_true(a->alarm_cpu_c == b->alarm_cpu_c);
		assert_true(a->alarm_exhaust_c == b->alarm_exhaust_c);
		assert_true(a->alarm_rho == b->alarm_rho);
		assert_true(a->alarm_model_c == b->alarm_model_c);
	}
	assert_true(a->model_slow_s == b->model_slow_s);
	if (a->model_slow_s > 0)
		assert_true(a->model_slow_c == b->model_slow_c);
	assert_int_equal(a->has_load, b->has_load);
	if (a->has_load) {
		assert_int_equal(a->load_age_ms, b->load_age_ms);
		assert_true(a->load_gap_c == b->load_gap_c);
		assert_int_equal(a->warm_age_ms, b->warm_age_ms);
	}
	assert_int_equal(a->n_busy, b->n_busy);
	for (int i = 0; i < a->n_busy; i++) {
		assert_true(a->busy[i].lo == b->busy[i].lo);
		assert_true(a->busy[i].c == b->busy[i].c);
		assert_true(a->busy[i].air_c == b->busy[i].air_c ||
		    (isnan(a->busy[i].air_c) && isnan(b->busy[i].air_c)));
	}
	assert_int_equal(a->has_busy_env, b->has_busy_env);
	if (a->has_busy_env) {
		assert_true(a->busy_u == b->busy_u);
		assert_true(a->busy_hi == b->busy_hi);
		assert_true(a->busy_env_lo == b->busy_env_lo);
		assert_true(a->busy_cpu_slow_c == b->busy_cpu_slow_c);
	}
}

static void
assert_same_file(const struct est_file *a, const struct est_file *b)
{
	assert_int_equal(a->n, b->n);
	assert_string_equal(a->meta.host, b->meta.host);
	assert_string_equal(a->meta.boot_id, b->meta.boot_id);
	assert_string_equal(a->meta.machine_id, b->meta.machine_id);
	assert_true(a->meta.wall_s == b->meta.wall_s);
	assert_int_equal(a->meta.mono_ms, b->meta.mono_ms);
	assert_true(a->host.rho == b->host.rho);
	assert_true(a->host.rho_learnt_s == b->host.rho_learnt_s);
	assert_same_host(&a->host, &b->host);
	for (int i = 0; i < a->n; i++) {
		const struct eng_snap_sensor *x = &a->s[i], *y = &b->s[i];

		assert_string_equal(x->id, y->id);
		assert_int_equal(x->cls, y->cls);
		assert_true(x->noise_c == y->noise_c);
		assert_true(x->resolution_c == y->resolution_c);
		assert_int_equal(x->has_value, y->has_value);
		assert_int_equal(x->rising, y->rising);
		assert_int_equal(x->last_age_ms, y->last_age_ms);
		assert_int_equal(x->rise_age_ms, y->rise_age_ms);
		assert_int_equal(x->n_points, y->n_points);
		for (int k = 0; k < x->n_points; k++) {
			assert_int_equal(x->age_ms[k], y->age_ms[k]);
			assert_true(x->value_c[k] == y->value_c[k]);
		}
	}
}

/*
 * The same text through any chunk; each line one document of cJSON's
 * printing; the header is version 1's without "sensors" (and "v":2), a
 * sensor's line the element of version 1's array, the last line the
 * count; and it reads back as the sensors written, as version 1 does.
 */
static void
test_round_trip(void **state)
{
	static struct eng_snap_sensor s[N];
	static const size_t chunks[] = { 1, 2, 7, 100, 1000, EST_CHUNK };
	struct eng_conf conf;
	struct est_file f1, f2;
	char why[256], *v1, *v2, *again, *line, *save = NULL, *printed;
	cJSON *doc, *arr, *el, *o;
	int i;

	(void)state;
	eng_conf_defaults(&conf);
	fill_all(s, N);
	v1 = est_encode(&meta, &host, s, N);
	v2 = est_encode_lines(&meta, &host, s, N, EST_CHUNK);
	assert_non_null(v1);
	assert_non_null(v2);
	for (i = 0; i < (int)(sizeof(chunks) / sizeof(chunks[0])); i++) {
		again = est_encode_lines(&meta, &host, s, N, chunks[i]);
		assert_non_null(again);
		assert_string_equal(again, v2);
		free(again);
	}
	/* line by line against version 1's document */
	doc = cJSON_Parse(v1);
	assert_non_null(doc);
	arr = cJSON_DetachItemFromObject(doc, "sensors");
	assert_non_null(arr);
	cJSON_ReplaceItemInObject(doc, "v", cJSON_CreateNumber(2));
	el = arr->child;
	assert_int_equal(v2[strlen(v2) - 1], '\n');
	for (i = 0, line = strtok_r(v2, "\n", &save); line != NULL;
	     i++, line = strtok_r(NULL, "\n", &save)) {
		o = cJSON_Parse(line);
		assert_non_null(o);
		assert_true(cJSON_IsObject(o));
		printed = cJSON_PrintUnformatted(o);
		assert_string_equal(printed, line); /* as cJSON prints it */
		free(printed);
		if (i == 0) {
			assert_true(cJSON_Compare(o, doc, true));
		} else if (i <= N) {
			assert_non_null(el);
			printed = cJSON_PrintUnformatted(el);
			assert_string_equal(line, printed);
			free(printed);
			el = el->next;
		} else {
			assert_int_equal(i, N + 1);
			assert_int_equal(
			    cJSON_GetObjectItem(o, "sensors")->valueint, N);
			assert_int_equal(cJSON_GetArraySize(o), 1);
		}
		cJSON_Delete(o);
	}
	assert_int_equal(i, N + 2);
	assert_null(el);
	cJSON_Delete(arr);
	cJSON_Delete(doc);
	free(v2);
	/* both read back the same, version 2 as it was written */
	v2 = est_encode_lines(&meta, &host, s, N, EST_CHUNK);
	assert_int_equal(
	    est_decode(v1, strlen(v1), &conf, N, &f1, why, sizeof(why)), 0);
	assert_int_equal(
	    est_decode(v2, strlen(v2), &conf, N, &f2, why, sizeof(why)), 0);
	assert_same_file(&f1, &f2);
	assert_same_host(&f2.host, &host);
	assert_string_equal(f2.warn, "");
	assert_int_equal(f2.n, N);
	assert_string_equal(f2.s[7].id, s[7].id);
	assert_int_equal(f2.s[3].n_points, s[3].rising ? s[3].n_points : 0);
	assert_int_equal(f2.s[0].n_points, EST_POINTS);
	assert_true(fabs(f2.s[9].noise_c - s[9].noise_c) <= 0.0005);
	/* and one sensor more than the engine takes is refused */
	est_file_free(&f1);
	assert_int_equal(
	    est_decode(v2, strlen(v2), &conf, N - 1, &f1, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "max_sensors"));
	assert_null(f1.s);
	est_file_free(&f2);
	free(v1);
	free(v2);
}

/* The writer hands on full chunks, cut where they fill (inside a
 * sensor's line), the rest at the end; a failing sink stops it. */
static int
failing(void *arg, const void *buf, size_t n)
{
	int *calls = arg;

	(void)buf;
	(void)n;
	(*calls)++;
	return -ENOSPC;
}

static void
test_chunks(void **state)
{
	static struct eng_snap_sensor s[N];
	static struct sink k;
	struct est_writer *w = est_writer_new_chunked(100);
	struct est_file f;
	struct eng_conf conf;
	char why[256], *whole;
	int i, inside = 0, calls = 0;

	(void)state;
	eng_conf_defaults(&conf);
	fill_all(s, N);
	assert_non_null(w);
	for (int round = 0; round < 2; round++) { /* a writer serves twice */
		memset(&k, 0, sizeof(k));
		assert_int_equal(
		    est_write_begin(w, &meta, &host, to_sink, &k), 0);
		for (i = 0; i < N; i++)
			assert_int_equal(est_write_sensor(w, &s[i]), 0);
		assert_int_equal(est_write_end(w), 0);
		for (i = 0; i + 1 < k.n; i++) {
			assert_int_equal(k.ends[i], 100 * (size_t)(i + 1));
			/* a cut with text of the same line either side */
			inside += k.text[k.ends[i] - 1] != '\n' &&
			    k.text[k.ends[i]] != '\n';
		}
		assert_true(
		    k.ends[k.n - 1] - (k.n > 1 ? k.ends[k.n - 2] : 0) <= 100);
		assert_true(inside > 10);
		whole = est_encode_lines(&meta, &host, s, N, EST_CHUNK);
		assert_string_equal(k.text, whole);
		free(whole);
		assert_int_equal(
		    est_decode(k.text, k.len, &conf, N, &f, why, sizeof(why)),
		    0);
		assert_int_equal(f.n, N);
		est_file_free(&f);
	}
	/* the sink fails (at the header, longer than the chunk): told
	 * once, nothing more written */
	assert_int_equal(
	    est_write_begin(w, &meta, &host, failing, &calls), -ENOSPC);
	for (i = 0; i < N; i++)
		assert_int_equal(est_write_sensor(w, &s[i]), -ENOSPC);
	assert_int_equal(est_write_end(w), -ENOSPC);
	assert_int_equal(calls, 1);
	est_writer_free(w);
}

/* fio_read_lines through a buffer smaller than a line: the lines as
 * written, a last one without its newline, none after a last newline;
 * bounded; what the callback says stops it. */
struct lines {
	char got[64][256];
	int n;
	int stop_at;
};

static int
collect(void *arg, char *text, size_t len)
{
	struct lines *l = arg;

	assert_int_equal(strlen(text), len);
	assert_true(l->n < 64 && len < 256);
	memcpy(l->got[l->n++], text, len + 1);
	return l->n == l->stop_at ? 7 : 0;
}

static void
test_read_lines(void **state)
{
	char dir[] = "/tmp/tw-lines.XXXXXX", path[64];
	const char *text = "first line\n\nthird, longer than the buffer\nlast";
	struct lines l;
	struct fio_repl r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(fio_read_lines(path, 1000, 4, collect, &l), -ENOENT);
	assert_int_equal(fio_repl_begin(&r, path, 0600), 0);
	assert_int_equal(fio_repl_write(&r, text, strlen(text)), 0);
	assert_int_equal(fio_repl_commit(&r, true), 0);
	for (size_t chunk = 1; chunk < 64; chunk += 5) {
		memset(&l, 0, sizeof(l));
		assert_int_equal(
		    fio_read_lines(path, 1000, chunk, collect, &l), 0);
		assert_int_equal(l.n, 4);
		assert_string_equal(l.got[0], "first line");
		assert_string_equal(l.got[1], "");
		assert_string_equal(l.got[2], "third, longer than the buffer");
		assert_string_equal(l.got[3], "last");
	}
	memset(&l, 0, sizeof(l));
	l.stop_at = 2;
	assert_int_equal(fio_read_lines(path, 1000, 4, collect, &l), 7);
	assert_int_equal(l.n, 2);
	assert_int_equal(
	    fio_read_lines(path, strlen(text) - 1, 4, collect, &l), -EFBIG);
	/* a final newline makes no empty line after it */
	assert_int_equal(fio_repl_begin(&r, path, 0600), 0);
	assert_int_equal(fio_repl_write(&r, "a\nb\n", 4), 0);
	assert_int_equal(fio_repl_commit(&r, false), 0);
	memset(&l, 0, sizeof(l));
	assert_int_equal(fio_read_lines(path, 1000, 3, collect, &l), 0);
	assert_int_equal(l.n, 2);
	/* aborted: the old file stays, no temporary */
	assert_int_equal(fio_repl_begin(&r, path, 0600), 0);
	assert_int_equal(fio_repl_write(&r, "x", 1), 0);
	fio_repl_abort(&r);
	memset(&l, 0, sizeof(l));
	assert_int_equal(fio_read_lines(path, 1000, 3, collect, &l), 0);
	assert_string_equal(l.got[1], "b");
	assert_int_equal(access(r.tmp, F_OK), -1);
	/* not a regular file */
	assert_int_equal(fio_read_lines(dir, 1000, 3, collect, &l), -EINVAL);
	unlink(path);
	rmdir(dir);
}

/* Refused with a reason containing needle, nothing kept. */
static void
refused(const struct eng_conf *conf, const char *text, size_t len,
    const char *needle)
{
	struct est_file f;
	char why[256] = "";

	if (est_decode(text, len, conf, N, &f, why, sizeof(why)) == 0)
		fail_msg("accepted: %.*s", (int)(len < 300 ? len : 300), text);
	if (needle != NULL && strstr(why, needle) == NULL)
		fail_msg("refused with [%s], wanted [%s]", why, needle);
	assert_null(f.s);
	assert_int_equal(f.n, 0);
}

/* text with its line k (from 0) replaced by with (NULL: left out) */
static char *
with_line(const char *text, int k, const char *with)
{
	char *out = calloc(1, strlen(text) + (with ? strlen(with) : 0) + 2);
	const char *p = text, *nl;
	int i = 0;

	assert_non_null(out);
	for (; *p != '\0'; p = nl + 1, i++) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		if (i != k)
			strncat(out, p, (size_t)(nl - p) + 1);
		else if (with != NULL) {
			strcat(out, with);
			strcat(out, "\n");
		}
	}
	return out;
}

static void
test_refused(void **state)
{
	static struct eng_snap_sensor s[4];
	struct eng_conf conf;
	char *good, *bad, *v1;
	size_t n, len;

	(void)state;
	eng_conf_defaults(&conf);
	fill_all(s, 4);
	good = est_encode_lines(&meta, &host, s, 4, EST_CHUNK);
	assert_non_null(good);
	len = strlen(good);
	/* every cut but of the last newline alone */
	for (n = 0; n + 1 < len; n++)
		refused(&conf, good, n, NULL);
	/* cut between lines: the end line is missing */
	refused(&conf, good, (size_t)(strrchr(good, '{') - good),
	    "cut short: no end line");
	refused(&conf, good, (size_t)(strchr(good, '\n') - good) + 1,
	    "cut short: no end line");
	refused(&conf, good, (size_t)(strchr(good, '\n') - good) + 5,
	    "line 2: not valid JSON");
	refused(&conf, "", 0, "not valid JSON");
	refused(&conf, "\n", 1, "not valid JSON");
	refused(&conf, "garbage\n", 8, "not valid JSON");
	refused(&conf, "[1]\n{}\n", 7, "not a JSON object");
	/* lines out of place, too many or too few */
	bad = with_line(good, 2, "garbage");
	refused(&conf, bad, strlen(bad), "line 3: not valid JSON");
	free(bad);
	bad = with_line(good, 2, NULL);
	refused(&conf, bad, strlen(bad), "line 5: the end line's count");
	free(bad);
	bad = malloc(len + 16);
	assert_non_null(bad);
	sprintf(bad, "%s{\"sensors\":4}\n", good);
	refused(&conf, bad, strlen(bad), "line 7: more after the end line");
	free(bad);
	/* one line replaced: line k (from 0), by what, refused why */
	static const struct {
		int k;
		const char *with, *why;
	} lines[] = {
		{ 2, "{\"x\":1}", "neither a sensor nor the end line" },
		{ 2, "[]", "not an object" },
		{ 1, "{\"id\":\"\",\"class\":\"cpu\"}",
		    "line 2: a sensor has no valid id" },
		{ 0, "{\"v\":3}", "not a version 1" },
	};
	for (size_t j = 0; j < sizeof(lines) / sizeof(lines[0]); j++) {
		bad = with_line(good, lines[j].k, lines[j].with);
		refused(&conf, bad, strlen(bad), lines[j].why);
		free(bad);
	}
	/* a version 1 document with a line after it */
	v1 = est_encode(&meta, &host, s, 4);
	bad = malloc(strlen(v1) + 16);
	assert_non_null(bad);
	sprintf(bad, "%s\n{\"sensors\":0}\n", v1);
	refused(&conf, bad, strlen(bad), "more after the document");
	free(bad);
	free(v1);
	free(good);
}

/* --- the store: est_create reads, est_save writes ------------------- */

/* A cpu that has risen at 0.5 C/s for 60 s until now (interval 0.5 s). */
static struct eng *
ramped(const struct eng_conf *conf, int64_t now)
{
	struct eng *e = eng_create(conf);
	struct eng_reading r = { 0 };
	struct eng_output out;

	assert_non_null(e);
	assert_int_equal(
	    eng_sensor_add(e, CPU_ID, ENG_CLASS_CPU, 100, ENG_TRIP_HW), 0);
	for (int64_t t = now - 60000; t <= now; t += 500) {
		r.t_ms = t;
		r.value_c = 80 + 0.5 * (double)(t - now) / 1000.0;
		eng_feed(e, &r);
		eng_evaluate(e, t, &out);
	}
	return e;
}

/* the file's first line, parsed */
static cJSON *
first_line(const char *path)
{
	size_t len;
	char *text = fio_read_bounded(path, 1 << 20, &len);
	cJSON *j;

	assert_non_null(text);
	j = cJSON_ParseWithLength(text, strcspn(text, "\n"));
	free(text);
	return j;
}

/* A state file header of this machine and boot, written now: what the
 * daemon reads as its own. */
static void
this_boot(struct est_meta *m, int64_t now)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->host, sizeof(m->host), "h1");
	fio_read_line("/etc/machine-id", m->machine_id, sizeof(m->machine_id));
	fio_read_line(
	    "/proc/sys/kernel/random/boot_id", m->boot_id, sizeof(m->boot_id));
	m->wall_s = (double)time(NULL);
	m->mono_ms = now;
}

/* What the daemon wrote before (version 1) restores after the upgrade;
 * the next save is version 2, and restores as well. */
static void
test_store_upgrade(void **state)
{
	struct fixture *fx = *state;
	int64_t now = loop_now_ms(fx->loop);
	struct eng *e = ramped(&fx->conf.engine, now);
	struct eng_snap_sensor snap;
	struct eng_snap_host h;
	struct est_meta m;
	char *v1;
	cJSON *j;

	eng_snapshot_host(e, now, &h);
	assert_int_equal(
	    eng_snapshot_sensor_max(e, 0, now, EST_POINTS, &snap), 0);
	assert_true(snap.rising && snap.n_points > 10);
	this_boot(&m, now);
	v1 = est_encode(&m, &h, &snap, 1);
	assert_non_null(v1);
	assert_int_equal(fio_replace(fx->path, v1, 0640), 0);
	free(v1);
	j = first_line(fx->path);
	assert_int_equal(cJSON_GetObjectItem(j, "v")->valueint, 1);
	cJSON_Delete(j);
	/* restored from version 1; its stop saved version 2 */
	assert_true(rising_after_restart(fx, NULL) > 50);
	j = first_line(fx->path);
	assert_int_equal(cJSON_GetObjectItem(j, "v")->valueint, 2);
	assert_null(cJSON_GetObjectItem(j, "sensors"));
	cJSON_Delete(j);
	/* the store's own save of the ramp, version 2, restores */
	{
		struct est_env env = { fx->loop, e, &fx->conf };
		struct est *s;

		unlink(fx->path);
		s = est_create(&env);
		assert_int_equal(est_save(s), 0);
		est_free(s);
	}
	assert_true(rising_after_restart(fx, NULL) > 50);
	eng_free(e);
}

/* A version 2 file cut short or with garbage is not restored, and is
 * moved aside. */
static void
test_store_refuses(void **state)
{
	struct fixture *fx = *state;
	int64_t now = loop_now_ms(fx->loop);
	struct eng *e = ramped(&fx->conf.engine, now);
	struct est_env env = { fx->loop, e, &fx->conf };
	char aside[200], *good, *bad;
	struct stat st;
	size_t len;
	struct est *s = est_create(&env);

	assert_int_equal(est_save(s), 0);
	est_free(s);
	eng_free(e);
	good = fio_read_bounded(fx->path, 1 << 20, &len);
	assert_non_null(good);
	snprintf(aside, sizeof(aside), "%s.corrupt", fx->path);
	/* as it is: restored */
	assert_true(rising_after_restart(fx, NULL) > 50);
	/* cut after the cpu's line (no end line); in the cpu's line;
	 * garbage for it */
	{
		size_t cuts[] = { (size_t)(strrchr(good, '{') - good),
			(size_t)(strchr(good, '\n') - good) + 40 };

		for (size_t i = 0; i < 2; i++) {
			FILE *f = fopen(fx->path, "w");

			assert_non_null(f);
			fwrite(good, 1, cuts[i], f);
			fclose(f);
			unlink(aside);
			assert_true(rising_after_restart(fx, NULL) == 0.0);
			assert_int_equal(stat(aside, &st), 0);
		}
	}
	bad = with_line(good, 1, "{\"id\":");
	assert_int_equal(fio_replace_nosync(fx->path, bad, 0640), 0);
	unlink(aside);
	assert_true(rising_after_restart(fx, NULL) == 0.0);
	assert_int_equal(stat(aside, &st), 0);
	free(bad);
	/* the cpu twice (and counted so) */
	{
		const char *cpu = strchr(good, '\n') + 1;
		size_t cpu_len = (size_t)(strchr(cpu, '\n') - cpu) + 1;

		bad = calloc(1, len + cpu_len + 16);
		assert_non_null(bad);
		memcpy(bad, good, (size_t)(cpu - good) + cpu_len);
		strncat(bad, cpu, cpu_len);
		strcat(bad, "{\"sensors\":2}");
	}
	assert_int_equal(fio_replace_nosync(fx->path, bad, 0640), 0);
	unlink(aside);
	assert_true(rising_after_restart(fx, NULL) == 0.0);
	assert_int_equal(stat(aside, &st), 0);
	free(bad);
	free(good);
}

/* The text with the first "from" replaced by "to" (malloc'ed). */
static char *
replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n = strlen(text) + strlen(to) + 1;
	char *out = malloc(n);

	if (at == NULL)
		fail_msg("no [%s] in the file", from);
	assert_non_null(out);
	snprintf(
	    out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

enum part { P_ALARM, P_SLOW, P_LOAD, P_WARM };

/*
 * Engine snapshot 2's host: the zone alarm's references, the slow model
 * and the load tracking read back as written; a file of engine snapshot
 * 1 (the model alone) reads with none of them; garbage in any one of
 * their members leaves out that part (and what needs it) with a warning
 * naming the member, and the rest of the file (the other parts, the
 * sensors) is read as it was.
 */
static void
test_host_v2(void **state)
{
	static const struct {
		const char *from, *to;
		enum part part;
		const char *why;
	} cases[] = {
		{ "\"age_ms\":95000", "\"age_ms\":-1", P_ALARM,
		    "\"age_ms\" is out of range" },
		{ "\"age_ms\":95000", "\"age_ms\":\"x\"", P_ALARM,
		    "\"age_ms\" is missing or not a number" },
		{ "\"age_ms\":95000,", "", P_ALARM, "\"age_ms\" is missing" },
		{ "\"lost_age_ms\":2000", "\"lost_age_ms\":96000", P_ALARM,
		    "\"lost_age_ms\" is out of range" },
		{ "\"lost_age_ms\":2000", "\"lost_age_ms\":2.5", P_ALARM,
		    "\"lost_age_ms\" is not a whole number" },
		{ "\"cpu_c\":71.25", "\"cpu_c\":1e9", P_ALARM,
		    "\"cpu_c\" is out of range" },
		{ "\"exhaust_c\":48.5", "\"exhaust_c\":null", P_ALARM,
		    "\"exhaust_c\" is missing or not a number" },
		{ "\"rho\":0.375", "\"rho\":-0.5", P_ALARM,
		    "\"rho\" is out of range" },
		{ "\"model_c\":29.125", "\"model_c\":true", P_ALARM,
		    "\"model_c\" is missing or not a number" },
		{ "\"alarm\":{", "\"alarm\":7,\"x\":{", P_ALARM,
		    "\"alarm\": not an object" },
		{ "\"c\":28.75", "\"c\":\"hot\"", P_SLOW,
		    "\"c\" is missing or not a number" },
		{ "\"s\":3600", "\"s\":-1", P_SLOW, "\"s\" is out of range" },
		{ "\"model_slow\":{", "\"model_slow\":[],\"y\":{", P_SLOW,
		    "\"model_slow\": not an object" },
		{ "\"age_ms\":400000", "\"age_ms\":1e30", P_LOAD,
		    "\"age_ms\" is out of range" },
		{ "\"gap_c\":22.75", "\"gap_c\":500", P_LOAD,
		    "\"gap_c\" is out of range" },
		{ "\"gap_c\":22.75", "\"gap_c\":{}", P_LOAD,
		    "\"gap_c\" is missing or not a number" },
		{ "\"warm_age_ms\":30000", "\"warm_age_ms\":500000", P_WARM,
		    "\"warm_age_ms\" is out of range" },
		{ "\"warm_age_ms\":30000", "\"warm_age_ms\":\"\"", P_WARM,
		    "\"warm_age_ms\" is missing or not a number" },
		{ "\"load\":{", "\"load\":null,\"z\":{", P_LOAD,
		    "\"load\": not an object" },
	};
	static const char *const group[] = { "\"alarm\"", "\"model_slow\"",
		"\"load\"", "\"load\"" };
	static struct eng_snap_sensor s[N];
	struct eng_snap_host old = host;
	struct eng_conf conf;
	struct est_file f;
	char why[256], *good, *bad;
	size_t i;

	(void)state;
	eng_conf_defaults(&conf);
	fill_all(s, N);
	good = est_encode_lines(&meta, &host, s, N, EST_CHUNK);
	assert_non_null(good);
	assert_non_null(strstr(good, "\"engine_snapshot\":4,"));
	assert_int_equal(
	    est_decode(good, strlen(good), &conf, N, &f, why, sizeof(why)), 0);
	assert_same_host(&f.host, &host);
	assert_string_equal(f.warn, "");
	est_file_free(&f);
	/* what an older daemon wrote: engine snapshot 1, the model alone
	 * (even with members it did not know) */
	old.version = 1;
	bad = est_encode_lines(&meta, &old, s, N, EST_CHUNK);
	assert_non_null(bad);
	assert_non_null(strstr(bad, "\"engine_snapshot\":1,"));
	assert_null(strstr(bad, "\"alarm\""));
	assert_int_equal(
	    est_decode(bad, strlen(bad), &conf, N, &f, why, sizeof(why)), 0);
	assert_int_equal(f.host.version, 1);
	assert_true(f.host.rho == host.rho);
	assert_false(f.host.has_alarm || f.host.has_load);
	assert_true(f.host.model_slow_s == 0);
	assert_string_equal(f.warn, "");
	assert_int_equal(f.n, N);
	est_file_free(&f);
	free(bad);
	bad = replaced(good, "\"engine_snapshot\":4", "\"engine_snapshot\":1");
	assert_int_equal(
	    est_decode(bad, strlen(bad), &conf, N, &f, why, sizeof(why)), 0);
	assert_false(f.host.has_alarm || f.host.has_load);
	est_file_free(&f);
	free(bad);
	/* none of them (a host outside an alarm, no load known) */
	old = (struct eng_snap_host){ .version = ENG_SNAP_VERSION,
		.rho = 0.5,
		.rho_learnt_s = 10,
		.alarm_lost_age_ms = -1,
		.warm_age_ms = -1 };
	bad = est_encode_lines(&meta, &old, s, N, EST_CHUNK);
	assert_null(strstr(bad, "\"alarm\""));
	assert_null(strstr(bad, "\"load\""));
	assert_null(strstr(bad, "\"model_slow\""));
	assert_int_equal(
	    est_decode(bad, strlen(bad), &conf, N, &f, why, sizeof(why)), 0);
	assert_same_host(&f.host, &old);
	est_file_free(&f);
	free(bad);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum part p = cases[i].part;

		bad = replaced(good, cases[i].from, cases[i].to);
		if (est_decode(
			bad, strlen(bad), &conf, N, &f, why, sizeof(why)) != 0)
			fail_msg("%s -> %s: refused (%s)", cases[i].from,
			    cases[i].to, why);
		if (strstr(f.warn, cases[i].why) == NULL ||
		    strstr(f.warn, group[p]) == NULL)
			fail_msg("%s -> %s: warned [%s], wanted [%s] of %s",
			    cases[i].from, cases[i].to, f.warn, cases[i].why,
			    group[p]);
		/* that part out, the rest as written */
		assert_int_equal(f.host.has_alarm, p != P_ALARM);
		assert_true(f.host.model_slow_s ==
		    (p == P_SLOW ? 0 : host.model_slow_s));
		assert_int_equal(f.host.has_load, p != P_LOAD);
		if (p != P_ALARM)
			assert_true(f.host.alarm_cpu_c == host.alarm_cpu_c);
		if (p != P_LOAD)
			assert_int_equal(f.host.warm_age_ms,
			    p == P_WARM ? -1 : host.warm_age_ms);
		if (p != P_LOAD)
			assert_true(f.host.load_gap_c == host.load_gap_c);
		assert_true(f.host.rho == host.rho);
		assert_int_equal(f.host.n_busy, host.n_busy);
		assert_int_equal(f.n, N);
		assert_int_equal(f.s[N - 1].n_points, s[N - 1].n_points);
		est_file_free(&f);
		free(bad);
	}
	/* the file's own members stay strict */
	bad = replaced(good, "\"rho\":0.4", "\"rho\":-0.4");
	assert_int_equal(
	    est_decode(bad, strlen(bad), &conf, N, &f, why, sizeof(why)), -1);
	free(bad);
	free(good);
}

/* ---- engine snapshot 4: the busy levels and envelopes ---- */

/* "busy" round trips (a level of unknown air without "air_c"); a file of
 * snapshot 3 has none; each corrupt member drops the group alone, with a
 * warning naming the group and the member, the rest of the file used. */
static void
test_host_busy(void **state)
{
	static const struct {
		const char *from, *to, *why;
	} cases[] = {
		{ "\"lo\":0.125", "\"lo\":1.5", "\"lo\" is out of range" },
		{ "\"lo\":0.125", "\"lo\":\"x\"",
		    "\"lo\" is missing or not a number" },
		{ "\"lo\":0.125", "\"lo\":0.5625",
		    "\"lo\" in the bin of another level" },
		{ "\"c\":51.5", "\"c\":1e9", "\"c\" is out of range" },
		{ "\"c\":51.5,", "", "\"c\" is missing" },
		{ "\"air_c\":21.5", "\"air_c\":500",
		    "\"air_c\" is out of range" },
		{ "\"air_c\":21.5", "\"air_c\":null",
		    "\"air_c\" is missing or not a number" },
		{ "\"levels\":[", "\"levels\":[7,", "not an object" },
		{ "\"levels\":[", "\"levels\":\"x\",\"y\":[", "not an array" },
		{ "\"u\":0.59375", "\"u\":2", "\"u\" is out of range" },
		{ "\"hi\":0.65625", "\"hi\":[]",
		    "\"hi\" is missing or not a number" },
		{ "\"lo\":0.5625,\"cpu", "\"lo\":0.7,\"cpu",
		    "\"lo\" is out of range" },
		{ "\"cpu_slow_c\":63.5", "\"cpu_slow_c\":-300",
		    "\"cpu_slow_c\" is out of range" },
		{ "\"env\":{", "\"env\":3,\"q\":{", "not an object" },
		{ "\"busy\":{", "\"busy\":\"\",\"q\":{",
		    "\"busy\": not an object" },
	};
	static struct eng_snap_sensor s[2];
	struct eng_snap_host h = host;
	struct eng_conf conf;
	struct est_file f;
	char why[256], *good, *bad;
	size_t i;

	(void)state;
	eng_conf_defaults(&conf);
	fill_all(s, 2);
	h.busy[1].air_c = NAN;
	good = est_encode_lines(&meta, &h, s, 2, EST_CHUNK);
	assert_non_null(good);
	assert_non_null(strstr(good, "\"busy\":{\"levels\":[{"));
	assert_int_equal(
	    est_decode(good, strlen(good), &conf, 2, &f, why, sizeof(why)), 0);
	assert_same_host(&f.host, &h);
	assert_string_equal(f.warn, "");
	est_file_free(&f);
	free(good);
	/* snapshot 3: none, and none read */
	h = host;
	h.version = 3;
	good = est_encode_lines(&meta, &h, s, 2, EST_CHUNK);
	assert_null(strstr(good, "\"busy\""));
	free(good);
	good = est_encode_lines(&meta, &host, s, 2, EST_CHUNK);
	bad = replaced(good, "\"engine_snapshot\":4", "\"engine_snapshot\":3");
	assert_int_equal(
	    est_decode(bad, strlen(bad), &conf, 2, &f, why, sizeof(why)), 0);
	assert_int_equal(f.host.n_busy, 0);
	assert_false(f.host.has_busy_env);
	assert_true(f.host.has_load);
	est_file_free(&f);
	free(bad);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad = replaced(good, cases[i].from, cases[i].to);
		if (est_decode(
			bad, strlen(bad), &conf, 2, &f, why, sizeof(why)) != 0)
			fail_msg("%s -> %s: refused (%s)", cases[i].from,
			    cases[i].to, why);
		if (strstr(f.warn, cases[i].why) == NULL ||
		    strstr(f.warn, "\"busy\"") == NULL ||
		    strstr(f.warn, "the busy levels not restored") == NULL)
			fail_msg("%s -> %s: warned [%s], wanted [%s]",
			    cases[i].from, cases[i].to, f.warn, cases[i].why);
		/* that group out, the rest as written */
		assert_int_equal(f.host.n_busy, 0);
		assert_false(f.host.has_busy_env);
		assert_true(f.host.has_alarm && f.host.has_load);
		assert_true(f.host.model_slow_s == host.model_slow_s);
		assert_true(f.host.rho == host.rho);
		assert_int_equal(f.n, 2);
		est_file_free(&f);
		free(bad);
	}
	free(good);
}

/* est_create(env) and the attach of one sensor (id, of class cls with its
 * trip at trip_c) with what they log (stderr) caught in logf: the store
 * in *ret_s, the sensor's index in *ret_idx (unless NULL), and the log's
 * text returned (free it). */
static char *
create_logged(const struct est_env *env, const char *logf, const char *id,
    enum eng_class cls, double trip_c, struct est **ret_s, int *ret_idx)
{
	char *logged;
	size_t len;
	int fd, saved, idx;

	fflush(stderr);
	saved = dup(2);
	fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	*ret_s = est_create(env);
	assert_non_null(*ret_s);
	idx = eng_sensor_add(env->eng, id, cls, trip_c, ENG_TRIP_HW);
	est_sensor_added(*ret_s, id, idx);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	logged = fio_read_bounded(logf, 1 << 16, &len);
	assert_non_null(logged);
	if (ret_idx != NULL)
		*ret_idx = idx;
	return logged;
}

/* The daemon's store: the host's part back into the engine from a file of
 * this boot; of another boot the model alone; garbage in a member: a
 * warning naming the file and the member, that part left out, the file
 * used (not moved aside). */
static void
test_store_host(void **state)
{
	struct fixture *fx = *state;
	int64_t now = loop_now_ms(fx->loop);
	struct eng_snap_sensor snap;
	struct eng_snap_host h = host;
	struct eng_snap_host got;
	struct est_meta m;
	struct stat st;
	char aside[200], logf[200], *text, *bad, *logged;
	int round;

	{
		struct eng *e = ramped(&fx->conf.engine, now);

		assert_int_equal(
		    eng_snapshot_sensor_max(e, 0, now, EST_POINTS, &snap), 0);
		eng_free(e);
	}
	this_boot(&m, now);
	h.alarm_lost_age_ms = -1;
	snprintf(aside, sizeof(aside), "%s.corrupt", fx->path);
	snprintf(logf, sizeof(logf), "%s/log", fx->dir);
	for (round = 0; round < 3; round++) {
		struct eng *e = eng_create(&fx->conf.engine);
		struct est_env env = { fx->loop, e, &fx->conf };
		struct est *s;

		if (round == 1)
			snprintf(m.boot_id, sizeof(m.boot_id), "another-boot");
		else
			fio_read_line("/proc/sys/kernel/random/boot_id",
			    m.boot_id, sizeof(m.boot_id));
		text = est_encode_lines(&m, &h, &snap, 1, EST_CHUNK);
		assert_non_null(text);
		if (round == 2) {
			bad = replaced(
			    text, "\"cpu_c\":71.25", "\"cpu_c\":\"x\"");
			free(text);
			text = bad;
		}
		/* fio_replace adds the last newline */
		text[strlen(text) - 1] = '\0';
		assert_int_equal(fio_replace_nosync(fx->path, text, 0640), 0);
		free(text);
		logged = create_logged(
		    &env, logf, CPU_ID, ENG_CLASS_CPU, 100, &s, NULL);
		eng_snapshot_host(e, now, &got);
		/* the model and the sensor always */
		assert_true(got.rho == h.rho);
		assert_non_null(strstr(logged, "Package id 0 restored"));
		switch (round) {
		case 0: /* this boot: all of it (the alarm's references stay
			   until the first evaluation finds no alarm) */
			assert_true(got.load_gap_c == h.load_gap_c);
			assert_true(got.has_load);
			assert_true(got.model_slow_c == h.model_slow_c);
			assert_null(strstr(logged, "rest of the file"));
			assert_non_null(strstr(
			    logged, "the zone alarm's references restored"));
			break;
		case 1: /* another boot: the model alone */
			assert_false(got.has_load);
			assert_true(got.model_slow_s == 0);
			assert_non_null(strstr(logged, "another boot"));
			break;
		case 2: /* garbage: named, that part out, the rest in */
			assert_true(got.has_load);
			assert_non_null(strstr(logged, fx->path));
			assert_non_null(strstr(logged, "\"cpu_c\""));
			assert_non_null(strstr(logged,
			    "the zone alarm's references not restored"));
			assert_null(strstr(logged, "not used"));
			assert_int_equal(stat(fx->path, &st), 0);
			assert_int_equal(stat(aside, &st), -1);
			break;
		}
		free(logged);
		est_free(s);
		eng_free(e);
	}
	unlink(logf);
}

/* ---- engine snapshot 3: a sensor's run of one value, its last trusted
 * reference and the inlet step it holds ---- */

/* An inlet found frozen at 24.5 C (its run 100 s old, the zone's inlets
 * 3 C warmer since), its last trusted reference, and a held step. */
static void
fill_v3(struct eng_snap_sensor *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "bmc/inlet");
	s->cls = ENG_CLASS_INLET;
	s->noise_c = 0.05;
	s->resolution_c = 0.5;
	s->has_value = true;
	s->last_age_ms = 500;
	s->last_c = 24.5;
	s->has_run = true;
	s->frozen = true;
	s->run_n = 200;
	s->run_age_ms = 100000;
	s->run_c = 24.5;
	s->run_noise_var = 0.0625 * 0.0625;
	s->frozen_cond_age_ms = 40000;
	s->run_ref = (struct eng_snap_ref){ 1, 24.25, 0.375, 24.5, 100000 };
	s->trusted_ref = (struct eng_snap_ref){ 1, 24.125, 0.375, 24.5,
		101000 };
	s->alarm_v0_c = 24.5;
	s->step_held = true;
	s->step_from_c = 24.5;
	s->step_to_c = 16.5;
	s->step_ev_c[0] = 64.25;
	s->step_ev_c[1] = NAN;
}

static void
assert_same_v3(const struct eng_snap_sensor *a, const struct eng_snap_sensor *b,
    bool run, bool trusted, bool step)
{
	assert_int_equal(b->has_run, run);
	assert_int_equal(b->step_held, step);
	if (run) {
		assert_int_equal(a->frozen, b->frozen);
		assert_int_equal(a->run_n, b->run_n);
		assert_int_equal(a->run_age_ms, b->run_age_ms);
		assert_true(a->run_c == b->run_c);
		/* its noise written to 1e-3 */
		assert_true(fabs(sqrt(a->run_noise_var) -
				sqrt(b->run_noise_var)) <= 0.00051);
		assert_int_equal(a->frozen_cond_age_ms, b->frozen_cond_age_ms);
		assert_int_equal(a->run_ref.src, b->run_ref.src);
		assert_true(a->run_ref.ev == b->run_ref.ev);
		assert_true(a->run_ref.rho == b->run_ref.rho);
		assert_true(a->run_ref.v == b->run_ref.v);
		assert_int_equal(a->run_ref.age_ms, b->run_ref.age_ms);
		assert_true(a->alarm_v0_c == b->alarm_v0_c);
	} else {
		assert_false(b->frozen);
		assert_true(isnan(b->alarm_v0_c));
	}
	if (trusted) {
		assert_int_equal(a->trusted_ref.src, b->trusted_ref.src);
		assert_true(a->trusted_ref.ev == b->trusted_ref.ev);
		assert_true(a->trusted_ref.v == b->trusted_ref.v);
		assert_int_equal(a->trusted_ref.age_ms, b->trusted_ref.age_ms);
	} else {
		assert_int_equal(b->trusted_ref.age_ms, -1);
	}
	if (step) {
		assert_true(a->step_from_c == b->step_from_c);
		assert_true(a->step_to_c == b->step_to_c);
		assert_true(a->step_ev_c[0] == b->step_ev_c[0]);
		assert_true(isnan(b->step_ev_c[1]));
	}
}

enum v3part { V3_RUN, V3_TRUSTED, V3_STEP };

/*
 * Engine snapshot 3's groups of a sensor read back as written; a sensor
 * without them (what a daemon of snapshot 2 wrote) reads with none;
 * garbage in any member of one leaves out that group (what it describes
 * is not restored) with a warning naming the sensor, the group and the
 * member, and the rest of the file (the sensor's other groups, its
 * trend, the other sensors) is read as it was.
 */
static void
test_sensor_v3(void **state)
{
	static const struct {
		const char *from, *to;
		enum v3part part;
		const char *why;
	} cases[] = {
		{ "\"n\":200", "\"n\":2", V3_RUN, "\"n\" is out of range" },
		{ "\"n\":200", "\"n\":20.5", V3_RUN,
		    "\"n\" is not a whole number" },
		{ "\"c\":24.5,\"age_ms\":100000", "\"c\":99,\"age_ms\":100000",
		    V3_RUN, "\"c\" is out of range" },
		{ "\"noise_c\":0.063", "\"noise_c\":\"x\"", V3_RUN,
		    "\"noise_c\" is missing or not a number" },
		{ "\"cond_age_ms\":40000", "\"cond_age_ms\":100001", V3_RUN,
		    "\"cond_age_ms\" is out of range" },
		{ "\"frozen\":true", "\"frozen\":1", V3_RUN,
		    "\"frozen\" is not true or false" },
		{ "\"src\":\"zone\",\"ev_c\":24.25",
		    "\"src\":\"air\",\"ev_c\":24.25", V3_RUN,
		    "\"src\" is missing or unknown" },
		{ "\"ref_age_ms\":100000", "\"ref_age_ms\":100001", V3_RUN,
		    "\"ref_age_ms\" is out of range" },
		{ "\"alarm_v0_c\":24.5", "\"alarm_v0_c\":null", V3_RUN,
		    "\"alarm_v0_c\" is missing or not a number" },
		{ "\"run\":{", "\"run\":[],\"x\":{", V3_RUN, "not an object" },
		{ "\"ev_c\":24.125", "\"ev_c\":\"\"", V3_TRUSTED,
		    "\"ev_c\" is missing or not a number" },
		{ "\"age_ms\":101000", "\"age_ms\":-3", V3_TRUSTED,
		    "\"age_ms\" is out of range" },
		{ "\"to_c\":16.5", "\"to_c\":1000", V3_STEP,
		    "\"to_c\" is out of range" },
		{ "\"cpu_c\":64.25", "\"x_c\":64.25", V3_STEP,
		    "neither \"cpu_c\" nor \"exhaust_c\"" },
		{ "\"step\":{", "\"step\":7,\"y\":{", V3_STEP,
		    "not an object" },
	};
	static const char *const group[] = { "\"run\"", "\"trusted\"",
		"\"step\"" };
	static struct eng_snap_sensor s[N];
	struct eng_conf conf;
	struct est_file f;
	char why[256], *good, *bad;
	size_t i;

	(void)state;
	eng_conf_defaults(&conf);
	fill_all(s, N);
	fill_v3(&s[0]);
	good = est_encode_lines(&meta, &host, s, N, EST_CHUNK);
	assert_non_null(good);
	assert_int_equal(
	    est_decode(good, strlen(good), &conf, N, &f, why, sizeof(why)), 0);
	assert_string_equal(f.warn, "");
	assert_same_v3(&s[0], &f.s[0], true, true, true);
	/* the others have none of them */
	for (i = 1; i < N; i++)
		assert_same_v3(&s[i], &f.s[i], false, false, false);
	est_file_free(&f);
	/* a calm run (fewer than three samples) is not written */
	s[0].run_n = 2;
	s[0].step_held = false;
	bad = est_encode_lines(&meta, &host, s, N, EST_CHUNK);
	assert_null(strstr(bad, "\"run\""));
	assert_null(strstr(bad, "\"trusted\""));
	free(bad);
	fill_v3(&s[0]);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum v3part p = cases[i].part;

		bad = replaced(good, cases[i].from, cases[i].to);
		if (est_decode(
			bad, strlen(bad), &conf, N, &f, why, sizeof(why)) != 0)
			fail_msg("%s -> %s: refused (%s)", cases[i].from,
			    cases[i].to, why);
		if (strstr(f.warn, cases[i].why) == NULL ||
		    strstr(f.warn, group[p]) == NULL ||
		    strstr(f.warn, "sensor bmc/inlet") == NULL)
			fail_msg("%s -> %s: warned [%s], wanted [%s] of %s",
			    cases[i].from, cases[i].to, f.warn, cases[i].why,
			    group[p]);
		assert_same_v3(
		    &s[0], &f.s[0], p != V3_RUN, p != V3_TRUSTED, p != V3_STEP);
		assert_int_equal(f.n, N);
		assert_true(f.s[0].last_c == s[0].last_c);
		assert_int_equal(f.s[N - 1].n_points, s[N - 1].n_points);
		est_file_free(&f);
		free(bad);
	}
	free(good);
}

/* An inlet that has repeated one value for a while, found frozen. */
static void
frozen_inlet(struct eng_snap_sensor *s)
{
	fill_v3(s);
	s->step_held = false;
	s->alarm_v0_c = NAN;
}

/*
 * The daemon's store: a frozen inlet saved and restored is frozen in the
 * new engine and stays untrusted at its first evaluations while it goes
 * on repeating its value; one saved longer ago than a third of its trend
 * window (the run may have ended and come back unseen) is not, said in
 * the log; garbage in its run: a warning naming the file, the sensor and
 * the member, the run not restored, the rest of the sensor restored.
 */
static void
test_store_frozen(void **state)
{
	struct fixture *fx = *state;
	int64_t now = loop_now_ms(fx->loop);
	struct eng_snap_sensor snap;
	struct eng_snap_host h = host;
	struct est_meta m;
	char logf[200], *text, *bad, *logged;
	double third = fx->conf.engine.cls[ENG_CLASS_INLET].trend_window_s / 3;
	int round;

	frozen_inlet(&snap);
	h.has_alarm = false;
	snprintf(logf, sizeof(logf), "%s/log", fx->dir);
	for (round = 0; round < 3; round++) {
		struct eng *e = eng_create(&fx->conf.engine);
		struct est_env env = { fx->loop, e, &fx->conf };
		struct eng_sensor_view v;
		struct eng_output out;
		struct est *s;
		int idx, t;

		this_boot(&m, now);
		if (round == 1) { /* written a third of the window ago */
			m.wall_s -= third + 5;
			m.mono_ms -= (int64_t)((third + 5) * 1000);
		}
		text = est_encode_lines(&m, &h, &snap, 1, EST_CHUNK);
		assert_non_null(text);
		if (round == 2) {
			bad = replaced(text, "\"ref_c\":24.5", "\"ref_c\":[]");
			free(text);
			text = bad;
		}
		text[strlen(text) - 1] = '\0';
		assert_int_equal(fio_replace_nosync(fx->path, text, 0640), 0);
		free(text);
		logged = create_logged(
		    &env, logf, "bmc/inlet", ENG_CLASS_INLET, 45, &s, &idx);
		eng_sensor_view(e, idx, &v);
		assert_true(v.frozen == (round == 0));
		/* it goes on repeating its value: still untrusted */
		for (t = 1; t <= 5; t++) {
			struct eng_reading r = { .sensor = idx,
				.t_ms = now + 1000LL * t,
				.value_c = 24.5 };

			eng_feed(e, &r);
			eng_evaluate(e, r.t_ms, &out);
		}
		eng_sensor_view(e, idx, &v);
		assert_true(v.frozen == (round == 0));
		switch (round) {
		case 0:
			assert_non_null(strstr(logged, "restored, frozen"));
			break;
		case 1:
			assert_non_null(strstr(
			    logged, "its run of one value not restored"));
			break;
		case 2:
			assert_non_null(strstr(logged, fx->path));
			assert_non_null(strstr(logged, "\"run\""));
			assert_non_null(strstr(logged, "\"ref_c\""));
			assert_non_null(strstr(logged, "sensor bmc/inlet"));
			assert_non_null(strstr(logged, "bmc/inlet restored"));
			break;
		}
		free(logged);
		est_free(s);
		eng_free(e);
	}
	unlink(logf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_read_lines),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_host_v2),
		cmocka_unit_test(test_host_busy),
		cmocka_unit_test(test_sensor_v3),
		cmocka_unit_test_setup_teardown(
		    test_store_frozen, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_host, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_refuses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
