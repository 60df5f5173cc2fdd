/*
 * engine_state.c - the engine state file in the daemon: read once at the
 * start and handed to each sensor as it attaches (when fresh, ours and of
 * the same class), saved on a timer and on a clean stop. See
 * engine_state.h for the rules and engine_state_json.c for the format.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "engine_state_int.h"
#include "fileio.h"
#include "log.h"
#include "loop.h"
#include "walltime.h"

static void
path_of(const struct est *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", s->env.conf->agent.state_dir, EST_FILE);
}

static void
my_meta(const struct est *s, struct est_meta *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->host, sizeof(m->host), "%s", s->env.conf->agent.host);
	memcpy(m->machine_id, s->machine_id, sizeof(m->machine_id));
	memcpy(m->boot_id, s->boot_id, sizeof(m->boot_id));
	m->wall_s = wt_now();
	m->mono_ms = loop_now_ms(s->env.loop);
}

int64_t
est_max_window_ms(const struct eng_conf *c)
{
	double w = 0;
	int i;

	for (i = 0; i < ENG_CLASS_COUNT; i++)
		if (c->cls[i].trend_window_s > w)
			w = c->cls[i].trend_window_s;
	return (int64_t)(w * 1000.0);
}

static void keep_waiting(struct est *s);

static int
to_file(void *arg, const void *buf, size_t n)
{
	return fio_repl_write(arg, buf, n);
}

/* Write the file: 0, or -errno (path.tmp removed). */
static int
write_file(struct est *s, const char *path, bool durable, int *n)
{
	struct eng_snap_sensor snap;
	struct eng_snap_host h;
	struct est_meta m;
	struct est_writer *w;
	struct fio_repl out;
	int64_t now = loop_now_ms(s->env.loop);
	const char *dir = s->env.conf->agent.state_dir;
	int i, rc;

	rc = fio_repl_begin(&out, path, 0640);
	if (rc == -ENOENT) { /* no state_dir yet: made, once */
		if (mkdir(dir, 0750) != 0 && errno != EEXIST)
			log_debug(
			    "engine state: mkdir %s: %s", dir, strerror(errno));
		rc = fio_repl_begin(&out, path, 0640);
	}
	if (rc != 0)
		return rc;
	my_meta(s, &m);
	eng_snapshot_host(s->env.eng, now, &h);
	/* made for this save and freed after it (its nodes, a sensor's
	 * text, the chunk: some 40 kB that a save every 10 s or more would
	 * not use in between); no allocation per sensor */
	w = est_writer_new();
	rc = w != NULL ? est_write_begin(w, &m, &h, to_file, &out) : -ENOMEM;
	for (i = 0; i < eng_sensor_count(s->env.eng) && rc == 0; i++) {
		/* the ring is read only for what is written: the points of
		 * a sensor in a rise (engine_state_json.c), at most
		 * EST_POINTS of them, thinned evenly from the newest back;
		 * of any other, whether it has one */
		if (eng_snapshot_sensor_max(s->env.eng, i, now, 1, &snap) !=
			0 ||
		    (!snap.has_value && snap.n_points == 0))
			continue; /* removed, or never read */
		if (snap.rising)
			eng_snapshot_sensor_max(
			    s->env.eng, i, now, EST_POINTS, &snap);
		rc = est_write_sensor(w, &snap);
		(*n)++;
	}
	if (rc == 0)
		rc = est_write_end(w);
	est_writer_free(w);
	if (rc != 0) {
		fio_repl_abort(&out);
		return rc;
	}
	/* the periodic saves never wait for the disk in the event loop (an
	 * fsync can take seconds on a busy one); the last one, at a clean
	 * stop, does */
	return fio_repl_commit(&out, durable);
}

static int
save(struct est *s, bool durable)
{
	char path[PATH_MAX + 32];
	int n = 0, rc;

	path_of(s, path, sizeof(path));
	rc = write_file(s, path, durable, &n);
	if (rc != 0 && !s->failing)
		log_warnx("engine state: cannot save %s: %s; the previous "
			  "file (if any) stays, retrying every %.0f s "
			  "(logged once)",
		    path, strerror(-rc),
		    (double)est_save_period_ms(s->env.conf) / 1000.0);
	else if (rc == 0 && s->failing)
		log_info("engine state: saved %s again", path);
	else if (rc == 0)
		log_debug("engine state: saved %d sensors to %s", n, path);
	s->failing = rc != 0;
	return rc;
}

int
est_save(struct est *s)
{
	keep_waiting(s);
	return save(s, false);
}

static void
refuse(const char *path, const char *why, bool set_aside)
{
	char bad[PATH_MAX + 48];

	if (!set_aside) {
		log_warnx("engine state: %s not used: %s; starting from the "
			  "short window",
		    path, why);
		return;
	}
	snprintf(bad, sizeof(bad), "%s.corrupt", path);
	if (rename(path, bad) == 0)
		log_warnx("engine state: %s not used: %s; moved aside to %s, "
			  "starting from the short window",
		    path, why, bad);
	else
		log_warnx("engine state: %s not used: %s; starting from the "
			  "short window",
		    path, why);
}

struct load_ctx {
	struct est_reader r;
	struct est *s;
	int cap;
	char *why;
	size_t whylen;
};

/* est_reader's take: a sensor read, kept in its own size */
static int
take(void *arg, const struct eng_snap_sensor *snap, char *why, size_t whylen)
{
	struct load_ctx *c = arg;
	struct est *s = c->s;
	size_t n = (size_t)snap->n_points;
	struct kept *k, **more;
	int i;

	for (i = 0; i < s->n_kept; i++)
		if (strcmp(est_kept_id(s->kept[i]), snap->id) == 0) {
			snprintf(
			    why, whylen, "sensor %s is there twice", snap->id);
			return -1;
		}
	if (s->n_kept == c->cap) {
		c->cap = c->cap > 0 ? 2 * c->cap : 16;
		more = realloc(s->kept, (size_t)c->cap * sizeof(*more));
		if (more == NULL)
			goto oom;
		s->kept = more;
	}
	k = malloc(sizeof(*k) + n * (sizeof(int64_t) + sizeof(double)));
	if (k == NULL)
		goto oom;
	memcpy(k->head, snap, SNAP_HEAD);
	k->age_ms = (int64_t *)(k + 1);
	k->value_c = (double *)(k->age_ms + n);
	memcpy(k->age_ms, snap->age_ms, n * sizeof(int64_t));
	memcpy(k->value_c, snap->value_c, n * sizeof(double));
	s->kept[s->n_kept++] = k;
	return 0;
oom:
	snprintf(why, whylen, "out of memory");
	return -1;
}

static int
load_line(void *arg, char *text, size_t len)
{
	struct load_ctx *c = arg;

	return est_reader_line(&c->r, text, len, c->why, c->whylen) < 0;
}

static void
free_kept(struct est *s)
{
	for (int i = 0; i < s->n_kept; i++)
		free(s->kept[i]);
	free(s->kept);
	s->kept = NULL;
	s->n_kept = 0;
	est_file_free(&s->f);
}

static void
load(struct est *s)
{
	char path[PATH_MAX + 32], why[256] = "";
	struct load_ctx c = { .s = s, .why = why, .whylen = sizeof(why) };
	struct eng_snap_sensor scratch;
	struct est_meta me;
	int max = eng_sensor_capacity(s->env.eng), rc;

	path_of(s, path, sizeof(path));
	/* a line at a time: the file is never held whole, nor its tree, and
	 * each sensor in its own size */
	est_reader_init(&c.r, &s->env.conf->engine, max, &s->f);
	c.r.take = take;
	c.r.take_arg = &c;
	c.r.scratch = &scratch;
	rc = fio_read_lines(path, est_max_bytes(max), EST_CHUNK, load_line, &c);
	if (rc == -ENOENT) {
		log_info("engine state: no %s, starting from the short window",
		    path);
		return;
	}
	if (rc == 0 && est_reader_end(&c.r, why, sizeof(why)) < 0)
		rc = 1;
	if (rc != 0)
		free_kept(s);
	if (rc < 0) {
		refuse(path,
		    rc == -EFBIG ? "larger than any file this daemon writes"
			: rc == -EINVAL ? "not a regular file"
					: strerror(-rc),
		    true);
		return;
	}
	if (rc > 0) {
		refuse(path, why, true);
		return;
	}
	my_meta(s, &me);
	if (est_check_meta(&s->f.meta, &me,
		est_max_window_ms(&s->env.conf->engine), &s->gap_ms, why,
		sizeof(why)) < 0) {
		refuse(path, why, false);
		free_kept(s);
		return;
	}
	s->used = calloc((size_t)s->n_kept + 1, sizeof(*s->used));
	if (s->used == NULL) {
		free_kept(s);
		return;
	}
	s->loaded_ms = me.mono_ms;
	log_info("engine state: read %s (version %d), written %.1f s ago "
		 "with %d sensor%s",
	    path, c.r.version, (double)s->gap_ms / 1000.0, s->n_kept,
	    s->n_kept == 1 ? "" : "s");
	if (s->f.warn[0] != '\0')
		log_warnx("engine state: %s: %s (the rest of the file is used)",
		    path, s->f.warn);
	est_restore_host(s, &me);
}

void
est_drop_file(struct est *s, bool stale)
{
	int i;

	if (s->used == NULL)
		return;
	for (i = 0; i < s->n_kept; i++)
		if (!s->used[i] && stale)
			log_info("engine state: sensor %s was saved but has "
				 "not come back; its state is dropped",
			    est_kept_id(s->kept[i]));
	free_kept(s);
	free(s->used);
	s->used = NULL;
}

/* Keep only the saved sensors still waiting for theirs to attach (one
 * whose chip did not come back must not hold every sensor's copy, 4 kB
 * each, for a whole trend window). */
static void
keep_waiting(struct est *s)
{
	struct kept **fewer;
	int i, k = 0;

	if (s->used == NULL)
		return;
	for (i = 0; i < s->n_kept; i++)
		if (!s->used[i])
			s->kept[k++] = s->kept[i];
		else
			free(s->kept[i]);
	if (k == s->n_kept)
		return;
	s->n_kept = k;
	if (k == 0) {
		est_drop_file(s, false);
		return;
	}
	fewer = realloc(s->kept, (size_t)k * sizeof(*s->kept));
	if (fewer != NULL)
		s->kept = fewer;
	memset(s->used, 0, (size_t)k * sizeof(*s->used));
}

int
est_timed_save(struct est *s, int64_t now_ms)
{
	uint64_t sig = 0;
	bool calm;
	int rc;

	/* Sensors that have not attached within the longest window never
	 * will in time for their state to mean anything. */
	if (s->used != NULL &&
	    s->gap_ms + (now_ms - s->loaded_ms) >
		est_max_window_ms(&s->env.conf->engine))
		est_drop_file(s, true);
	/* A calm host whose save would hold what the last one held (to a
	 * restart's use) is not saved again until est_max_skip_ms() has
	 * passed; while a sensor is in a rise, every period. */
	calm = est_calm_sig(s, now_ms, &sig);
	if (calm && s->calm_saved && sig == s->calm_sig &&
	    now_ms - s->calm_saved_ms < est_max_skip_ms(s->env.conf)) {
		keep_waiting(s);
		log_debug("engine state: calm and unchanged, not saved");
		return 1;
	}
	rc = est_save(s);
	s->calm_saved = rc == 0 && calm;
	s->calm_sig = sig;
	s->calm_saved_ms = now_ms;
	return rc;
}

static int64_t
save_cb(struct loop *l, int64_t now_ms, void *arg)
{
	struct est *s = arg;

	(void)l;
	(void)est_timed_save(s, now_ms);
	return est_save_period_ms(s->env.conf);
}

struct est *
est_create(const struct est_env *env)
{
	struct est *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->env = *env;
	fio_read_line("/etc/machine-id", s->machine_id, sizeof(s->machine_id));
	fio_read_line(
	    "/proc/sys/kernel/random/boot_id", s->boot_id, sizeof(s->boot_id));
	load(s);
	s->timer = loop_add_timer(
	    s->env.loop, est_save_period_ms(s->env.conf), save_cb, s);
	/* with the next reading rather than a wakeup of its own */
	loop_set_timer_slack(
	    s->env.loop, s->timer, est_save_period_ms(s->env.conf) / 2);
	return s;
}

void
est_free(struct est *s)
{
	if (s == NULL)
		return;
	if (s->timer > 0)
		loop_del_timer(s->env.loop, s->timer);
	est_drop_file(s, false);
	if (save(s, true) == 0)
		log_info("engine state: saved for the next start");
	free(s);
}
