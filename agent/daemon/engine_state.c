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
#include "engine_state.h"
#include "fileio.h"
#include "log.h"
#include "loop.h"
#include "walltime.h"

/* A saved sensor waiting for its own to attach: the snapshot up to its
 * points, and only the points it has (a struct eng_snap_sensor has room
 * for ENG_SNAP_POINTS, 4 kB: 4 MB at 1,024 sensors, most calm). */
#define SNAP_HEAD offsetof(struct eng_snap_sensor, age_ms)
struct kept {
	unsigned char head[SNAP_HEAD];
	int64_t *age_ms;
	double *value_c; /* after the struct, in its allocation */
};

struct est {
	struct est_env env;
	int timer;
	bool failing;       /* the last save failed (told once) */
	struct est_file f;  /* the file's meta and host (its sensors: kept) */
	struct kept **kept; /* n_kept of them, until used or stale */
	int n_kept;
	bool *used;        /* n_kept of them: handed to the engine */
	int64_t loaded_ms; /* loop time of the read */
	int64_t gap_ms;    /* the file's age at loaded_ms */
	char machine_id[EST_ID_LEN];
	char boot_id[EST_ID_LEN];
	/* the last timed save of a calm host: what it held, coarsely
	 * (calm_sig), and when; a timed save with the same is skipped for up
	 * to est_max_skip_ms() */
	bool calm_saved;
	uint64_t calm_sig;
	int64_t calm_saved_ms;
};

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

/* The longest trend window of the classes: older, a file says nothing. */
static int64_t
max_window_ms(const struct eng_conf *c)
{
	double w = 0;
	int i;

	for (i = 0; i < ENG_CLASS_COUNT; i++)
		if (c->cls[i].trend_window_s > w)
			w = c->cls[i].trend_window_s;
	return (int64_t)(w * 1000.0);
}

int64_t
est_save_period_ms(const struct agent_conf *c)
{
	double w = 3600.0, p;
	int i;

	for (i = 0; i < ENG_CLASS_COUNT; i++)
		if (c->engine.cls[i].trend_window_s < w)
			w = c->engine.cls[i].trend_window_s;
	p = w / 12.0;
	if (p < c->agent.interval_s)
		p = c->agent.interval_s;
	if (p < EST_MIN_PERIOD_S)
		p = EST_MIN_PERIOD_S;
	return (int64_t)(p * 1000.0);
}

int64_t
est_max_skip_ms(const struct agent_conf *c)
{
	double w = 3600.0;
	int64_t p = est_save_period_ms(c), m;
	int i;

	for (i = 0; i < ENG_CLASS_COUNT; i++)
		if (c->engine.cls[i].trend_window_s < w)
			w = c->engine.cls[i].trend_window_s;
	m = (int64_t)(w / 3.0 * 1000.0);
	return m > p ? m : p;
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	/* FNV-1a over the eight bytes of v */
	for (int k = 0; k < 8; k++, v >>= 8)
		h = (h ^ (v & 0xff)) * 0x100000001b3ull;
	return h;
}

/* 1.25^(k - COARSE_K), k = 0 .. 2 * COARSE_K: the steps of coarse() */
#define COARSE_K 128
static double coarse_step[2 * COARSE_K + 1];

/* A noise or rho in steps of a quarter of itself: what a restore would
 * seed differs from the last save's by less than the noise estimate's
 * own wobble. The step k with 1.25^k <= x < 1.25^(k+1), found among
 * powers of 1.25 made once, not by log(): libm's log() reads tables
 * that would keep 128 kB of libm resident for this alone. Beyond
 * 1.25^+-128 (4e-13, 2.5e12) the first or last step. */
static int64_t
coarse(double x)
{
	int lo = 0, hi = 2 * COARSE_K;

	if (!(x > 0) || !isfinite(x))
		return 0;
	if (coarse_step[COARSE_K] != 1.0) {
		coarse_step[COARSE_K] = 1.0;
		for (int k = 1; k <= COARSE_K; k++) {
			coarse_step[COARSE_K + k] =
			    coarse_step[COARSE_K + k - 1] * 1.25;
			coarse_step[COARSE_K - k] =
			    coarse_step[COARSE_K - k + 1] / 1.25;
		}
	}
	/* the last step <= x (the first when none is) */
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (coarse_step[mid] <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return (int64_t)(lo - COARSE_K) + 1000;
}

/*
 * Whether the host is calm (no sensor in a rise), and then in *sig what a
 * save now would hold, coarsely: the sensors with values, their classes
 * and resolutions, their noise in steps of a quarter, whether each is
 * frozen or holds a step, the host's model.
 */
static bool
calm_sig(struct est *s, int64_t now, uint64_t *sig)
{
	struct eng_snap_sensor snap;
	struct eng_snap_host h;
	uint64_t x = 0xcbf29ce484222325ull, res;
	int i;

	for (i = 0; i < eng_sensor_count(s->env.eng); i++) {
		if (eng_snapshot_sensor_max(s->env.eng, i, now, 1, &snap) !=
			0 ||
		    (!snap.has_value && snap.n_points == 0))
			continue; /* not written */
		if (snap.rising)
			return false;
		memcpy(&res, &snap.resolution_c, sizeof(res));
		x = mix(x, (uint64_t)i);
		x = mix(x, (uint64_t)snap.cls << 1 | snap.has_value);
		x = mix(x, (uint64_t)coarse(snap.noise_c));
		x = mix(x, res);
		/* found frozen, or a step held: saved when that changes */
		x = mix(x, (uint64_t)snap.frozen << 1 | snap.step_held);
	}
	eng_snapshot_host(s->env.eng, now, &h);
	x = mix(x, (uint64_t)coarse(h.rho));
	x = mix(x, h.rho_learnt_s > 0);
	/* the zone alarm's references and the load tracking, which change
	 * only when taken again (the ages aside): saved when they do */
	x = mix(x,
	    (uint64_t)h.has_alarm << 2 | (uint64_t)h.has_load << 1 |
		(h.warm_age_ms >= 0));
	if (h.has_alarm) {
		memcpy(&res, &h.alarm_cpu_c, sizeof(res));
		x = mix(x, res);
		x = mix(x, (uint64_t)(h.alarm_lost_age_ms >= 0));
	}
	if (h.has_load) {
		memcpy(&res, &h.load_gap_c, sizeof(res));
		x = mix(x, res);
	}
	*sig = x;
	return true;
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

static const char *
kept_id(const struct kept *k)
{
	return (const char *)k->head + offsetof(struct eng_snap_sensor, id);
}

static void
unpack(const struct kept *k, struct eng_snap_sensor *out)
{
	memcpy(out, k->head, SNAP_HEAD);
	memcpy(out->age_ms, k->age_ms, (size_t)out->n_points * sizeof(int64_t));
	memcpy(
	    out->value_c, k->value_c, (size_t)out->n_points * sizeof(double));
}

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
		if (strcmp(kept_id(s->kept[i]), snap->id) == 0) {
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

/*
 * The host's part: its model always; the zone alarm's references, the
 * slow model and the load tracking only from a file of this boot (the
 * host's load, and so where its cpu stood, does not outlive a reboot),
 * and then as eng_restore_host rules (the alarm could not have ended
 * while the agent was down, the load could not have changed and come
 * back unseen).
 */
static void
restore_host(struct est *s, const struct est_meta *me)
{
	struct eng_snap_host *h = &s->f.host;
	bool had_alarm = h->has_alarm, had_load = h->has_load;
	int kept;

	if (h->version >= 2 &&
	    (s->f.meta.boot_id[0] == '\0' ||
		strcmp(s->f.meta.boot_id, me->boot_id) != 0)) {
		if (h->has_alarm || h->has_load)
			log_info(
			    "engine state: written in another boot: the "
			    "zone alarm's references and the load tracking "
			    "not restored");
		h->has_alarm = h->has_load = false;
		h->model_slow_s = 0;
		had_alarm = had_load = false;
	}
	kept = eng_restore_host(s->env.eng, h, me->mono_ms, s->gap_ms);
	if (had_alarm && (kept & ENG_SNAP_KEPT_ALARM))
		log_info(
		    "engine state: the zone alarm's references restored "
		    "(the alarm began %.0f s before the save); they stay "
		    "if the zone alarm is in force at the first evaluation",
		    (double)h->alarm_age_ms / 1000.0);
	else if (had_alarm)
		log_info("engine state: the zone alarm's references not "
			 "restored: its quorum could have been lost for "
			 "policy.zone_hold_s while the agent was down");
	if (had_load && !(kept & ENG_SNAP_KEPT_LOAD))
		log_info("engine state: the load tracking not restored: down "
			 "for %.1f s, longer than a third of the cpu's and "
			 "exhaust's trend window",
		    (double)s->gap_ms / 1000.0);
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
	if (est_check_meta(&s->f.meta, &me, max_window_ms(&s->env.conf->engine),
		&s->gap_ms, why, sizeof(why)) < 0) {
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
	restore_host(s, &me);
}

/* Every saved sensor used (or too old to be): the copy goes. */
static void
drop_file(struct est *s, bool stale)
{
	int i;

	if (s->used == NULL)
		return;
	for (i = 0; i < s->n_kept; i++)
		if (!s->used[i] && stale)
			log_info("engine state: sensor %s was saved but has "
				 "not come back; its state is dropped",
			    kept_id(s->kept[i]));
	free_kept(s);
	free(s->used);
	s->used = NULL;
}

/*
 * What a sensor gets back: its noise, resolution, the rise it is in (so
 * the horizon believes an eta as far ahead as the rise has really lasted)
 * and its trend points, placed before the gap the restart left. The
 * shape judge reads the thirds of a span by their real mean times and
 * sample counts, so the hole reads as time passing, not as a slowing: a
 * daemon restarted mid-ramp has its slope at the first samples.
 */
/* What came back of a sensor's run of one value and of the inlet step it
 * held (engine snapshot 3): only across a gap shorter than a third of
 * its trend window (eng_restore_sensor). */
static void
restored_v3(struct eng *e, int idx, const char *id,
    const struct eng_snap_sensor *snap, int64_t gap, double window)
{
	struct eng_sensor_view v;

	if ((double)gap * 3.0 >= window * 1000.0) {
		log_info(
		    "engine state: sensor %s restored (noise %.3f C, saved "
		    "%.1f s ago); its run of one value%s not restored: "
		    "down a third of its trend window (%.0f s) or more",
		    id, snap->noise_c, (double)gap / 1000.0,
		    snap->step_held ? " and its held step" : "", window);
		return;
	}
	eng_sensor_view(e, idx, &v);
	log_info("engine state: sensor %s restored%s%s (noise %.3f C, "
		 "repeating %.1f C for %.0f s, saved %.1f s ago)",
	    id, v.frozen ? ", frozen" : "",
	    snap->step_held ? ", its step down held implausible" : "",
	    snap->noise_c, snap->run_c, (double)snap->run_age_ms / 1000.0,
	    (double)gap / 1000.0);
}

int
est_restore(struct eng *e, const struct eng_snap_sensor *snap, int64_t now_ms,
    int64_t gap_ms)
{
	return eng_restore_sensor(e, snap, now_ms, gap_ms);
}

void
est_sensor_added(struct est *s, const char *id, int eng_idx)
{
	struct eng_snap_sensor full;
	const struct eng_snap_sensor *snap = &full;
	struct eng_sensor_view v;
	int64_t now, gap;
	double window;
	int i, k = -1, done = 0;

	if (s == NULL || s->used == NULL || eng_idx < 0)
		return;
	for (i = 0; i < s->n_kept; i++) {
		done += s->used[i];
		if (!s->used[i] && strcmp(kept_id(s->kept[i]), id) == 0)
			k = i;
	}
	if (k < 0)
		return;
	unpack(s->kept[k], &full);
	s->used[k] = true;
	now = loop_now_ms(s->env.loop);
	gap = s->gap_ms + (now - s->loaded_ms);
	eng_sensor_view(s->env.eng, eng_idx, &v);
	window = s->env.conf->engine.cls[v.cls].trend_window_s;
	if ((int)v.cls != snap->cls)
		log_warnx("engine state: sensor %s not restored: its class "
			  "is %s now, %s in the file",
		    id, eng_class_name(v.cls), eng_class_name(snap->cls));
	else if ((double)gap > window * 1000.0)
		log_warnx("engine state: sensor %s not restored: saved %.1f "
			  "s ago, longer than its trend window (%.0f s)",
		    id, (double)gap / 1000.0, window);
	else if (est_restore(s->env.eng, snap, now, gap) < 0)
		log_warnx("engine state: sensor %s not restored: it already "
			  "has samples",
		    id);
	else if (snap->has_run || snap->step_held)
		restored_v3(s->env.eng, eng_idx, id, snap, gap, window);
	else if (snap->rising)
		log_info("engine state: sensor %s restored (noise %.3f C, "
			 "rising for %.0f s from %.1f C, saved %.1f s ago)",
		    id, snap->noise_c, (double)snap->rise_age_ms / 1000.0,
		    snap->rise_from_c, (double)gap / 1000.0);
	else
		log_info("engine state: sensor %s restored (noise %.3f C, "
			 "not rising, saved %.1f s ago)",
		    id, snap->noise_c, (double)gap / 1000.0);
	if (done + 1 == s->n_kept)
		drop_file(s, false);
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
		drop_file(s, false);
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
		max_window_ms(&s->env.conf->engine))
		drop_file(s, true);
	/* A calm host whose save would hold what the last one held (to a
	 * restart's use) is not saved again until est_max_skip_ms() has
	 * passed; while a sensor is in a rise, every period. */
	calm = calm_sig(s, now_ms, &sig);
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
	drop_file(s, false);
	if (save(s, true) == 0)
		log_info("engine state: saved for the next start");
	free(s);
}
